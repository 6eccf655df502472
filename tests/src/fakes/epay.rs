//! A fake 彩虹易支付 (epay) gateway on a loopback port, V1 and V2.
//!
//! It models shared/reference/providers.md §4.1–4.2:
//!
//! - V1 `GET /api.php?act=order&pid=…&key=…&trade_no=…` (or
//!   `out_trade_no`; `trade_no` wins). Wrong merchant → `{"code":-3,
//!   "msg":"商户不存在"}`, wrong key → `{"code":-3,"msg":"KEY校验失败"}`,
//!   unknown order → `{"code":-1,"msg":"订单号不存在"}`, found → `code` 1
//!   with the order (`status` 1 paid / 0 unpaid, `money` in yuan, times
//!   `yyyy-MM-dd HH:mm:ss`). With [`FakeEpay::set_string_typed`] every
//!   number is sent as a string, as many real gateways do.
//! - V2 `POST /api/pay/query`, form `pid`, `timestamp`, `trade_no` /
//!   `out_trade_no`, `sign`, `sign_type=RSA`: the signature (SHA256withRSA
//!   over the sorted non-empty `k=v&…` without `sign`/`sign_type`) must
//!   verify with the merchant public key and the timestamp be within
//!   300 s. Answers carry `code` 0 on success, a `timestamp`, and are
//!   signed the same way with the platform private key, and so is "no
//!   such order" (`code` -1); refusals of the request (merchant, signature)
//!   are not signed. [`Scenario::UnsignedNotFound`] leaves "no such order"
//!   unsigned, as some gateways (or anyone on the way) do.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use serde_json::{Value, json};

use super::common::{Hits, RecordedRequest, other_id, plus_one_yuan, unix_now};
use super::http::{HttpServer, Request, Response};
use super::keys::KeyPair;

/// The fake's merchant ID.
pub const DEFAULT_PID: &str = "1001";
/// Largest accepted difference between a V2 request's timestamp and now.
pub const MAX_CLOCK_SKEW_SECS: i64 = 300;

const JSON: &str = "application/json; charset=utf-8";

/// The V2 key pairs (generated once per process, in parallel).
#[derive(Debug)]
pub struct EpayKeys {
    /// The client signs requests with it; the fake verifies.
    pub merchant: KeyPair,
    /// The fake signs answers with it; the client verifies.
    pub platform: KeyPair,
}

impl EpayKeys {
    pub fn shared() -> &'static EpayKeys {
        static KEYS: OnceLock<EpayKeys> = OnceLock::new();
        KEYS.get_or_init(|| {
            let (merchant, platform) = std::thread::scope(|s| {
                let a = s.spawn(KeyPair::generate);
                let b = s.spawn(KeyPair::generate);
                (a.join().expect("keygen"), b.join().expect("keygen"))
            });
            EpayKeys { merchant, platform }
        })
    }
}

/// An order the gateway knows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Order {
    /// The gateway's 19-digit number.
    pub trade_no: String,
    /// The shop's number (a dujiaoka `order_sn`).
    pub out_trade_no: String,
    /// Yuan, `"50.00"`.
    pub money: String,
    /// 1 paid, 0 unpaid.
    pub status: u8,
    /// `alipay`, `wxpay`, …
    pub kind: String,
    pub addtime: String,
    /// Equals `addtime` when unpaid, as real gateways answer.
    pub endtime: String,
    /// The upstream (Alipay/WeChat) number, newer gateways only.
    pub api_trade_no: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Scenario {
    #[default]
    Normal,
    NotFound,
    /// Every request is refused as unauthenticated (V1 key, V2 signature).
    AuthFailure,
    /// The first `n` requests get HTTP 502 (an nginx page).
    ServerErrorThen(u32),
    /// HTTP 200 with an HTML page (a WAF or a wrong path).
    Malformed,
    WrongAmount,
    /// About another order: both numbers move on by one.
    OtherOrder,
    /// Answers from another merchant (`pid`).
    OtherMerchant,
    /// V2 answers signed with a key the client does not trust.
    BadSignature,
    /// V2 answers signed correctly but ten minutes old.
    StaleTimestamp,
    /// V1 answers that echo the request's key in `msg`.
    EchoKey,
    /// Every order is unknown, and V2 says so without a signature.
    UnsignedNotFound,
    Delay(Duration),
}

#[derive(Debug, Default)]
struct State {
    scenario: Scenario,
    hits: Hits,
    orders: Vec<Order>,
    strings: bool,
    requests: Vec<RecordedRequest>,
}

#[derive(Debug)]
pub struct FakeEpay {
    state: Arc<Mutex<State>>,
    key: String,
    keys: &'static EpayKeys,
    server: HttpServer,
}

impl FakeEpay {
    /// Starts a fake with [`DEFAULT_PID`], a fresh merchant key, and the
    /// shared V2 keys.
    pub fn start() -> FakeEpay {
        let keys = EpayKeys::shared();
        let key = super::common::random_alnum(32);
        let state = Arc::new(Mutex::new(State::default()));
        let server = {
            let (state, key) = (Arc::clone(&state), key.clone());
            HttpServer::start(move |r| handle(r, &state, &key, keys))
                .expect("bind a loopback port for the fake epay gateway")
        };
        FakeEpay {
            state,
            key,
            keys,
            server,
        }
    }

    /// `http://127.0.0.1:PORT/`
    pub fn base_url(&self) -> String {
        format!("{}/", self.server.url())
    }

    pub fn pid(&self) -> &str {
        DEFAULT_PID
    }

    /// The V1 merchant key.
    pub fn key(&self) -> &str {
        &self.key
    }

    pub fn merchant_private_key_pem(&self) -> &str {
        self.keys.merchant.private_key_pem()
    }

    pub fn platform_public_key_pem(&self) -> &str {
        self.keys.platform.public_key_pem()
    }

    pub fn set(&self, scenario: Scenario) {
        let mut s = lock(&self.state);
        s.scenario = scenario;
        s.hits.reset();
    }

    /// Sends every number as a string (`"code":"1"`, `"status":"0"`).
    pub fn set_string_typed(&self, on: bool) {
        lock(&self.state).strings = on;
    }

    pub fn add_order(&self, order: Order) {
        lock(&self.state).orders.push(order);
    }

    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.state).requests.clone()
    }
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(|p| p.into_inner())
}

/// The V2 signing text (§4.2).
pub fn signing_text(params: &BTreeMap<String, String>) -> String {
    params
        .iter()
        .filter(|(k, v)| k.as_str() != "sign" && k.as_str() != "sign_type" && !v.is_empty())
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn params(r: &Request) -> BTreeMap<String, String> {
    let mut p = BTreeMap::new();
    if let Some(q) = r.query() {
        p.extend(form_urlencoded::parse(q.as_bytes()).into_owned());
    }
    if !r.body.is_empty() {
        p.extend(form_urlencoded::parse(&r.body).into_owned());
    }
    p
}

fn handle(r: &Request, state: &Mutex<State>, key: &str, keys: &EpayKeys) -> Response {
    let mut record = RecordedRequest::new(r);
    let p = params(r);
    let v2 = r.path() == "/api/pay/query";
    let v1 = r.path() == "/api.php";
    if v2 {
        record.signed_text = signing_text(&p);
        let fresh = p
            .get("timestamp")
            .and_then(|t| t.parse::<i64>().ok())
            .is_some_and(|t| (unix_now() - t).abs() <= MAX_CLOCK_SKEW_SECS);
        record.signature_valid = p.get("sign_type").map(String::as_str) == Some("RSA")
            && p.get("sign").is_some_and(|s| {
                keys.merchant
                    .verify_base64(record.signed_text.as_bytes(), s)
            });
        record.problem = if p.get("pid").map(String::as_str) != Some(DEFAULT_PID) {
            Some("pid is not the fake's".into())
        } else if !record.signature_valid {
            Some("sign does not verify with the merchant public key over signed_text".into())
        } else if !fresh {
            Some("timestamp missing or more than 300 s off".into())
        } else {
            None
        };
    } else if v1 {
        record.signature_valid = p.get("key").map(String::as_str) == Some(key);
        record.problem = if p.get("pid").map(String::as_str) != Some(DEFAULT_PID) {
            Some("pid is not the fake's".into())
        } else if !record.signature_valid {
            Some("key is not the fake's".into())
        } else {
            None
        };
    } else {
        record.problem = Some("path is neither /api.php nor /api/pay/query".into());
    }
    let problem = record.problem.clone();
    let (scenario, hit, orders, strings) = {
        let mut s = lock(state);
        s.requests.push(record);
        let hit = s.hits.next();
        (s.scenario.clone(), hit, s.orders.clone(), s.strings)
    };
    let response = match scenario {
        Scenario::ServerErrorThen(n) if hit <= n => Response::new(
            502,
            "text/html",
            "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>",
        ),
        Scenario::Malformed => Response::new(
            200,
            "text/html; charset=utf-8",
            "<!DOCTYPE html><html><head><title>安全检测</title></head><body>请稍候…</body></html>",
        ),
        _ if !v1 && !v2 => Response::new(404, "text/html", "<h1>404 Not Found</h1>"),
        _ => answer(&p, v2, problem, &scenario, &orders, strings, keys),
    };
    match scenario {
        Scenario::Delay(d) => response.with_delay(d),
        _ => response,
    }
}

fn refusal(code: i64, msg: &str) -> Response {
    Response::new(200, JSON, json!({"code": code, "msg": msg}).to_string())
}

fn answer(
    p: &BTreeMap<String, String>,
    v2: bool,
    problem: Option<String>,
    scenario: &Scenario,
    orders: &[Order],
    strings: bool,
    keys: &EpayKeys,
) -> Response {
    if p.get("pid").map(String::as_str) != Some(DEFAULT_PID) {
        return refusal(-3, "商户不存在");
    }
    if problem.is_some() || *scenario == Scenario::AuthFailure {
        return if v2 {
            refusal(-1, "签名校验失败")
        } else {
            refusal(-3, "KEY校验失败")
        };
    }
    if !v2 && p.get("act").map(String::as_str) != Some("order") {
        return refusal(-5, "No Act!");
    }
    let trade_no = p.get("trade_no").filter(|v| !v.is_empty());
    let out_trade_no = p.get("out_trade_no").filter(|v| !v.is_empty());
    let found = match (trade_no, out_trade_no) {
        _ if matches!(scenario, Scenario::NotFound | Scenario::UnsignedNotFound) => None,
        (Some(t), _) => orders.iter().find(|o| &o.trade_no == t),
        (None, Some(o)) => orders.iter().find(|x| &x.out_trade_no == o),
        (None, None) => return refusal(-4, "订单号不能为空"),
    };
    let Some(order) = found else {
        return if *scenario == Scenario::EchoKey {
            let key = p.get("key").cloned().unwrap_or_default();
            refusal(-1, &format!("订单号不存在 (key={key})"))
        } else if v2 && *scenario != Scenario::UnsignedNotFound {
            let mut body = serde_json::Map::new();
            body.insert("code".into(), (-1).into());
            body.insert("msg".into(), "订单号不存在".into());
            sign_v2(&mut body, scenario, keys);
            Response::new(200, JSON, Value::Object(body).to_string())
        } else {
            refusal(-1, "订单号不存在")
        };
    };
    let mut o = order.clone();
    let mut pid = DEFAULT_PID.to_owned();
    match scenario {
        Scenario::WrongAmount => o.money = plus_one_yuan(&o.money),
        Scenario::OtherOrder => {
            o.trade_no = other_id(&o.trade_no);
            o.out_trade_no = format!("{}X", o.out_trade_no);
        }
        Scenario::OtherMerchant => pid = "2002".into(),
        _ => {}
    }
    let num = |n: i64| -> Value {
        if strings {
            Value::from(n.to_string())
        } else {
            Value::from(n)
        }
    };
    let mut body = serde_json::Map::new();
    body.insert("code".into(), num(if v2 { 0 } else { 1 }));
    body.insert(
        "msg".into(),
        (if v2 {
            "succ"
        } else {
            "查询订单号成功！"
        })
        .into(),
    );
    body.insert("trade_no".into(), o.trade_no.clone().into());
    body.insert("out_trade_no".into(), o.out_trade_no.clone().into());
    if let Some(a) = &o.api_trade_no {
        body.insert("api_trade_no".into(), a.clone().into());
    }
    body.insert("type".into(), o.kind.clone().into());
    body.insert(
        "pid".into(),
        if strings {
            pid.clone().into()
        } else {
            num(pid.parse().unwrap_or(0))
        },
    );
    body.insert("addtime".into(), o.addtime.clone().into());
    body.insert("endtime".into(), o.endtime.clone().into());
    body.insert("name".into(), "游戏点卡 50 元".into());
    body.insert("money".into(), o.money.clone().into());
    body.insert("status".into(), num(i64::from(o.status)));
    body.insert("param".into(), "".into());
    body.insert("buyer".into(), "".into());
    if v2 {
        sign_v2(&mut body, scenario, keys);
    }
    Response::new(200, JSON, Value::Object(body).to_string())
}

/// Adds a V2 answer's `timestamp`, `sign` and `sign_type`.
fn sign_v2(body: &mut serde_json::Map<String, Value>, scenario: &Scenario, keys: &EpayKeys) {
    let ts = if *scenario == Scenario::StaleTimestamp {
        unix_now() - 600
    } else {
        unix_now()
    };
    body.insert("timestamp".into(), ts.to_string().into());
    let text = signing_text(&body.iter().map(|(k, v)| (k.clone(), text_of(v))).collect());
    // The merchant key: a real key, but not the one that signs answers.
    let signer = if *scenario == Scenario::BadSignature {
        &keys.merchant
    } else {
        &keys.platform
    };
    body.insert("sign".into(), signer.sign_base64(text.as_bytes()).into());
    body.insert("sign_type".into(), "RSA".into());
}
