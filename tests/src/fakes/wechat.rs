//! A fake WeChat Pay API v3 server on a loopback port.
//!
//! It models shared/reference/providers.md §2:
//!
//! - Endpoints (§2.1): `GET /v3/pay/transactions/id/{transaction_id}?mchid=…`,
//!   `GET /v3/pay/transactions/out-trade-no/{out_trade_no}?mchid=…`,
//!   `GET /v3/refund/domestic/refunds/{out_refund_no}`. The `mchid` query
//!   parameter of the transaction queries must be the fake's.
//! - Request signatures (§2.2): `Authorization: WECHATPAY2-SHA256-RSA2048
//!   mchid="…",nonce_str="…",timestamp="…",serial_no="…",signature="…"`
//!   (items in any order) over `METHOD\nURL\nTIMESTAMP\nNONCE\nBODY\n`, URL
//!   = path plus `?query` exactly as on the request line; verified with the
//!   merchant public key. `mchid` and `serial_no` must match and the
//!   timestamp must be within 300 s. Any failure → HTTP 401
//!   `{"code":"SIGN_ERROR","message":"签名错误"}`.
//! - Answers (§2.3, §2.6): the Transaction / Refund JSON; amounts in fen.
//!   Not found → 404 `ORDER_NOT_EXIST` (transactions, §2.3) or
//!   `RESOURCE_NOT_EXISTS` (refunds; the code WeChat documents for a
//!   missing refund, not in providers.md).
//! - Response signatures (§2.4): every answer (errors too) carries
//!   `Wechatpay-Timestamp`, `Wechatpay-Nonce`, `Wechatpay-Signature`
//!   (SHA256withRSA with the platform private key over
//!   `TIMESTAMP\nNONCE\nBODY\n`), `Wechatpay-Serial` (a `PUB_KEY_ID_…`
//!   public-key id), `Wechatpay-Signature-Type` and `Request-ID`.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde_json::{Value, json};

use super::common::{Hits, RecordedRequest, other_id, random_alnum, unix_now, yuan_to_fen};
use super::http::{HttpServer, Request, Response};
use super::keys::{KeyPair, TestKeys};

/// The fake's merchant number (the docs' sample `mchid`).
pub const DEFAULT_MCHID: &str = "1230000109";
/// The merchant API-certificate serial the client must send as `serial_no`.
pub const DEFAULT_MERCHANT_SERIAL: &str = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1";
/// The `appid` in answers.
pub const DEFAULT_APPID: &str = "wxd678efh567hg6787";
/// The default `Wechatpay-Serial`: a "WeChat Pay public key" id (§2.4).
pub const DEFAULT_PLATFORM_KEY_ID: &str = "PUB_KEY_ID_0114232134912410000000000000";
/// The payer's `openid` in answers.
pub const PAYER_OPENID: &str = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o";
/// Largest accepted difference between a request's timestamp and now.
pub const MAX_CLOCK_SKEW_SECS: i64 = 300;
/// How old `Wechatpay-Timestamp` is in [`Scenario::StaleTimestamp`].
pub const STALE_SECS: i64 = 600;

const JSON: &str = "application/json; charset=utf-8";
const SIGNATURE_TYPE: &str = "WECHATPAY2-SHA256-RSA2048";

/// A payment the fake knows, in WeChat Pay's words (§2.3).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Order {
    /// The 28-digit `transaction_id`. Empty = none yet (unpaid): the
    /// answer then omits it and a query by id cannot find the order.
    pub trade_no: String,
    /// The merchant's `out_trade_no`.
    pub out_trade_no: String,
    /// Yuan with two decimals, `"68.00"`; answered as `amount.total` in fen.
    pub amount: String,
    /// `trade_state`: `SUCCESS`, `REFUND`, `NOTPAY`, `CLOSED`, `REVOKED`,
    /// `USERPAYING`, `PAYERROR` (`trade_state_desc` follows from it).
    pub status: String,
    /// `success_time`, RFC 3339 with `+08:00`. `None` = unpaid: no
    /// `success_time`, `bank_type` or `amount.payer_total` in the answer.
    pub paid_at: Option<String>,
    /// The refund `GET /v3/refund/domestic/refunds/{out_refund_no}` finds.
    pub refund: Option<Refund>,
}

/// A refund of an [`Order`] (§2.6).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Refund {
    /// The merchant's refund number (the path parameter).
    pub out_refund_no: String,
    /// WeChat's `refund_id`.
    pub refund_id: String,
    /// `amount.refund`, yuan with two decimals.
    pub amount: String,
    /// `status`: `SUCCESS`, `CLOSED`, `PROCESSING`, `ABNORMAL`.
    pub status: String,
    /// `success_time` (RFC 3339), when the refund reached the payer.
    pub success_time: Option<String>,
    /// `create_time` (RFC 3339); `None` → `success_time`, else the order's
    /// `paid_at`.
    pub create_time: Option<String>,
    /// `user_received_account`; `None` → `支付用户零钱`.
    pub user_received_account: Option<String>,
}

/// What the fake answers; set with [`FakeWechatPay::set`]. Counting
/// scenarios count from the moment they are set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Scenario {
    /// Answer from the order table (unknown → 404).
    #[default]
    Normal,
    /// Every order is unknown: 404 `ORDER_NOT_EXIST` (refunds:
    /// `RESOURCE_NOT_EXISTS`), signed.
    NotFound,
    /// Every request gets 401 `SIGN_ERROR`, whatever its signature.
    AuthFailure,
    /// Sleep this long, then answer as `Normal`.
    Delay(Duration),
    /// The first `n` requests get 503 `SYSTEM_ERROR`, then `Normal`.
    ServerErrorThen(u32),
    /// The first `n` requests get 429 `FREQUENCY_LIMITED` with
    /// `Retry-After: retry_after_secs`, then `Normal`.
    TooManyThen { n: u32, retry_after_secs: u64 },
    /// HTTP 200 with a truncated JSON body (correctly signed, so only the
    /// parse fails).
    Malformed,
    /// A well-formed answer signed with a key the client does not trust
    /// ([`TestKeys::other`]), same `Wechatpay-Serial`.
    BadSignature,
    /// A correctly signed answer whose amounts (`amount.total`,
    /// `amount.payer_total`; refunds: also `amount.refund` and
    /// `amount.payer_refund`) are 100 fen more than the stored order's.
    WrongAmount,
    /// A correctly signed answer about another order: `transaction_id`,
    /// `out_trade_no` (and `out_refund_no`, `refund_id`) have their last
    /// digit moved on by one.
    OtherOrder,
    /// A correctly signed answer whose `Wechatpay-Timestamp` is
    /// [`STALE_SECS`] (10 minutes) old.
    StaleTimestamp,
    /// HTTP 200 with the normal body but no `Wechatpay-*` headers.
    Unsigned,
}

#[derive(Debug)]
struct State {
    scenario: Scenario,
    hits: Hits,
    orders: Vec<Order>,
    requests: Vec<RecordedRequest>,
    platform_key_id: String,
}

/// Fixed identity of a fake, shared with its handler.
#[derive(Debug)]
struct Identity {
    mchid: String,
    merchant_serial: String,
    appid: String,
}

/// The fake API v3 server. Dropping it stops the server.
#[derive(Debug)]
pub struct FakeWechatPay {
    state: Arc<Mutex<State>>,
    identity: Arc<Identity>,
    keys: &'static TestKeys,
    server: HttpServer,
}

impl FakeWechatPay {
    /// Starts a fake on `127.0.0.1:<ephemeral>` with [`DEFAULT_MCHID`],
    /// [`DEFAULT_MERCHANT_SERIAL`], [`DEFAULT_PLATFORM_KEY_ID`], the shared
    /// [`TestKeys`], an empty order table and [`Scenario::Normal`]. Panics
    /// if no loopback port can be bound.
    pub fn start() -> FakeWechatPay {
        let keys = TestKeys::shared();
        let state = Arc::new(Mutex::new(State {
            scenario: Scenario::Normal,
            hits: Hits::default(),
            orders: Vec::new(),
            requests: Vec::new(),
            platform_key_id: DEFAULT_PLATFORM_KEY_ID.to_owned(),
        }));
        let identity = Arc::new(Identity {
            mchid: DEFAULT_MCHID.to_owned(),
            merchant_serial: DEFAULT_MERCHANT_SERIAL.to_owned(),
            appid: DEFAULT_APPID.to_owned(),
        });
        let server = {
            let state = Arc::clone(&state);
            let identity = Arc::clone(&identity);
            HttpServer::start(move |request| handle(request, &state, &identity, keys))
                .expect("bind a loopback port for the fake WeChat Pay server")
        };
        FakeWechatPay {
            state,
            identity,
            keys,
            server,
        }
    }

    /// `http://127.0.0.1:PORT` (no trailing slash; paths start `/v3/`).
    pub fn base_url(&self) -> String {
        self.server.url()
    }

    /// The merchant number requests must carry.
    pub fn mchid(&self) -> &str {
        &self.identity.mchid
    }

    /// The merchant certificate serial requests must carry as `serial_no`.
    pub fn merchant_serial(&self) -> &str {
        &self.identity.merchant_serial
    }

    /// The `appid` in answers.
    pub fn appid(&self) -> &str {
        &self.identity.appid
    }

    /// The merchant private key (PKCS#8 PEM) the client signs with.
    pub fn merchant_private_key_pem(&self) -> &str {
        self.keys.wechat_merchant.private_key_pem()
    }

    /// The merchant public key (SPKI PEM) the fake verifies with.
    pub fn merchant_public_key_pem(&self) -> &str {
        self.keys.wechat_merchant.public_key_pem()
    }

    /// The WeChat Pay public key (SPKI PEM) the client verifies answers with.
    pub fn platform_public_key_pem(&self) -> &str {
        self.keys.wechat_platform.public_key_pem()
    }

    /// The `Wechatpay-Serial` sent with answers.
    pub fn platform_key_id(&self) -> String {
        lock(&self.state).platform_key_id.clone()
    }

    /// Changes the `Wechatpay-Serial` sent with answers (the key stays the
    /// same), e.g. to test a client that checks it.
    pub fn set_platform_key_id(&self, id: &str) {
        lock(&self.state).platform_key_id = id.to_owned();
    }

    /// Switches the scenario and restarts its request count.
    pub fn set(&self, scenario: Scenario) {
        let mut state = lock(&self.state);
        state.scenario = scenario;
        state.hits.reset();
    }

    /// The current scenario.
    pub fn scenario(&self) -> Scenario {
        lock(&self.state).scenario.clone()
    }

    /// Adds a payment to the order table.
    pub fn add_order(&self, order: Order) {
        lock(&self.state).orders.push(order);
    }

    /// Empties the order table.
    pub fn clear_orders(&self) {
        lock(&self.state).orders.clear();
    }

    /// Every request received so far, oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.state).requests.clone()
    }

    /// How many requests were received so far.
    pub fn request_count(&self) -> usize {
        lock(&self.state).requests.len()
    }

    /// Forgets the recorded requests.
    pub fn clear_requests(&self) {
        lock(&self.state).requests.clear();
    }
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The five items of a `WECHATPAY2-SHA256-RSA2048` Authorization header.
#[derive(Debug, Default)]
struct Authorization {
    mchid: Option<String>,
    nonce_str: Option<String>,
    timestamp: Option<String>,
    serial_no: Option<String>,
    signature: Option<String>,
}

/// Parses `WECHATPAY2-SHA256-RSA2048 k="v",k="v",…` (§2.2).
fn parse_authorization(header: &str) -> Option<Authorization> {
    let rest = header.trim().strip_prefix(SIGNATURE_TYPE)?;
    if !rest.starts_with(' ') {
        return None;
    }
    let mut auth = Authorization::default();
    for item in rest.split(',') {
        let (key, value) = item.trim().split_once('=')?;
        let value = value.strip_prefix('"')?.strip_suffix('"')?.to_owned();
        match key.trim() {
            "mchid" => auth.mchid = Some(value),
            "nonce_str" => auth.nonce_str = Some(value),
            "timestamp" => auth.timestamp = Some(value),
            "serial_no" => auth.serial_no = Some(value),
            "signature" => auth.signature = Some(value),
            _ => {}
        }
    }
    Some(auth)
}

/// The §2.2 message: `METHOD\nURL\nTIMESTAMP\nNONCE\nBODY\n`.
pub fn request_message(
    method: &str,
    url: &str,
    timestamp: &str,
    nonce: &str,
    body: &str,
) -> String {
    format!("{method}\n{url}\n{timestamp}\n{nonce}\n{body}\n")
}

/// The §2.4 message: `TIMESTAMP\nNONCE\nBODY\n`.
pub fn response_message(timestamp: &str, nonce: &str, body: &str) -> String {
    format!("{timestamp}\n{nonce}\n{body}\n")
}

/// Checks the Authorization header; fills the record; `Err` = why not.
fn authenticate(
    request: &Request,
    identity: &Identity,
    keys: &TestKeys,
    record: &mut RecordedRequest,
) -> Result<(), String> {
    let verdict = (|| {
        let header = request
            .header("authorization")
            .ok_or("no Authorization header")?;
        let auth = parse_authorization(header)
            .ok_or("Authorization is not WECHATPAY2-SHA256-RSA2048 k=\"v\",…")?;
        let (Some(mchid), Some(nonce), Some(timestamp), Some(serial), Some(signature)) = (
            auth.mchid,
            auth.nonce_str,
            auth.timestamp,
            auth.serial_no,
            auth.signature,
        ) else {
            return Err(
                "Authorization lacks one of mchid, nonce_str, timestamp, serial_no, signature",
            );
        };
        record.signed_text = request_message(
            &request.method,
            &request.target,
            &timestamp,
            &nonce,
            &request.body_text(),
        );
        record.signature_valid = keys
            .wechat_merchant
            .verify_base64(record.signed_text.as_bytes(), &signature);
        if mchid != identity.mchid {
            return Err("mchid is not the fake's");
        }
        if !serial.eq_ignore_ascii_case(&identity.merchant_serial) {
            return Err("serial_no is not the merchant certificate serial");
        }
        let Ok(ts) = timestamp.parse::<i64>() else {
            return Err("timestamp is not Unix seconds");
        };
        if (unix_now() - ts).abs() > MAX_CLOCK_SKEW_SECS {
            return Err("timestamp is more than 300 s off");
        }
        if !record.signature_valid {
            return Err("signature does not verify with the merchant public key over signed_text");
        }
        Ok(())
    })();
    record.problem = verdict.err().map(str::to_owned);
    verdict.map_err(str::to_owned)
}

/// What a request asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Query {
    ById(String),
    ByOutTradeNo(String),
    Refund(String),
}

fn route(path: &str) -> Option<Query> {
    let tail = |prefix: &str| {
        path.strip_prefix(prefix)
            .filter(|t| !t.is_empty() && !t.contains('/'))
            .map(percent_decode)
    };
    tail("/v3/pay/transactions/id/")
        .map(Query::ById)
        .or_else(|| tail("/v3/pay/transactions/out-trade-no/").map(Query::ByOutTradeNo))
        .or_else(|| tail("/v3/refund/domestic/refunds/").map(Query::Refund))
}

/// Decodes `%XX` in a path segment (`+` stays `+`).
fn percent_decode(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(u8::try_from(h * 16 + l).unwrap_or(b'?'));
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn handle(
    request: &Request,
    state: &Mutex<State>,
    identity: &Identity,
    keys: &TestKeys,
) -> Response {
    let mut record = RecordedRequest::new(request);
    let auth = authenticate(request, identity, keys, &mut record);
    let (scenario, hit, orders, key_id) = {
        let mut state = lock(state);
        state.requests.push(record);
        let hit = state.hits.next();
        (
            state.scenario.clone(),
            hit,
            state.orders.clone(),
            state.platform_key_id.clone(),
        )
    };
    let (status, body, extra) = answer(request, auth, &scenario, hit, &orders, identity);
    let mut response = Response::new(status, JSON, body.clone())
        .with_header("Request-ID", random_alnum(40).to_ascii_uppercase());
    for (name, value) in extra {
        response = response.with_header(name, value);
    }
    if scenario != Scenario::Unsigned {
        let signer = if scenario == Scenario::BadSignature {
            &keys.other
        } else {
            &keys.wechat_platform
        };
        let age = if scenario == Scenario::StaleTimestamp {
            STALE_SECS
        } else {
            0
        };
        response = sign_response(response, &body, signer, &key_id, unix_now() - age);
    }
    match scenario {
        Scenario::Delay(delay) => response.with_delay(delay),
        _ => response,
    }
}

/// Adds the §2.4 `Wechatpay-*` headers for `body`.
fn sign_response(
    response: Response,
    body: &str,
    signer: &KeyPair,
    key_id: &str,
    timestamp: i64,
) -> Response {
    let timestamp = timestamp.to_string();
    let nonce = random_alnum(32).to_ascii_uppercase();
    let signature = signer.sign_base64(response_message(&timestamp, &nonce, body).as_bytes());
    response
        .with_header("Wechatpay-Nonce", nonce)
        .with_header("Wechatpay-Signature", signature)
        .with_header("Wechatpay-Timestamp", timestamp)
        .with_header("Wechatpay-Serial", key_id)
        .with_header("Wechatpay-Signature-Type", SIGNATURE_TYPE)
}

fn error(status: u16, code: &str, message: &str) -> (u16, String, Vec<(&'static str, String)>) {
    let body = json!({ "code": code, "message": message }).to_string();
    (status, body, Vec::new())
}

fn answer(
    request: &Request,
    auth: Result<(), String>,
    scenario: &Scenario,
    hit: u32,
    orders: &[Order],
    identity: &Identity,
) -> (u16, String, Vec<(&'static str, String)>) {
    match *scenario {
        Scenario::ServerErrorThen(n) if hit <= n => {
            return error(503, "SYSTEM_ERROR", "系统繁忙，请稍后重试");
        }
        Scenario::TooManyThen {
            n,
            retry_after_secs,
        } if hit <= n => {
            let (status, body, _) = error(429, "FREQUENCY_LIMITED", "请求频率超限");
            return (
                status,
                body,
                vec![("Retry-After", retry_after_secs.to_string())],
            );
        }
        Scenario::AuthFailure => return error(401, "SIGN_ERROR", "签名错误"),
        Scenario::Malformed => {
            let body = r#"{"amount":{"currency":"CNY","payer_currency":"CNY","payer_total":68"#;
            return (200, body.to_owned(), Vec::new());
        }
        _ => {}
    }
    if auth.is_err() {
        return error(401, "SIGN_ERROR", "签名错误");
    }
    let Some(query) = route(request.path()) else {
        return error(404, "NOT_FOUND", "请求的资源不存在");
    };
    if request.method != "GET" {
        return error(405, "METHOD_NOT_ALLOWED", "请求方法不允许");
    }
    if !matches!(query, Query::Refund(_)) {
        let mchid = request.query().and_then(|q| {
            form_urlencoded::parse(q.as_bytes())
                .find(|(k, _)| k == "mchid")
                .map(|(_, v)| v.into_owned())
        });
        match mchid {
            None => return error(400, "PARAM_ERROR", "缺少参数 mchid"),
            Some(m) if m != identity.mchid => {
                return error(400, "PARAM_ERROR", "mchid 与请求头中的商户号不一致");
            }
            Some(_) => {}
        }
    }
    let not_found = if matches!(query, Query::Refund(_)) {
        error(404, "RESOURCE_NOT_EXISTS", "退款单不存在")
    } else {
        error(404, "ORDER_NOT_EXIST", "订单不存在")
    };
    if *scenario == Scenario::NotFound {
        return not_found;
    }
    let found = orders.iter().find(|o| match &query {
        Query::ById(id) => !o.trade_no.is_empty() && &o.trade_no == id,
        Query::ByOutTradeNo(no) => &o.out_trade_no == no,
        Query::Refund(no) => o.refund.as_ref().is_some_and(|r| &r.out_refund_no == no),
    });
    let Some(order) = found else {
        return not_found;
    };
    let mut order = order.clone();
    let mut extra_fen = 0;
    match scenario {
        Scenario::WrongAmount => extra_fen = 100,
        Scenario::OtherOrder => {
            if !order.trade_no.is_empty() {
                order.trade_no = other_id(&order.trade_no);
            }
            order.out_trade_no = other_id(&order.out_trade_no);
            if let Some(refund) = &mut order.refund {
                refund.out_refund_no = other_id(&refund.out_refund_no);
                refund.refund_id = other_id(&refund.refund_id);
            }
        }
        _ => {}
    }
    let body = match &query {
        Query::Refund(_) => refund_json(&order, extra_fen),
        _ => transaction_json(&order, &identity.appid, &identity.mchid, extra_fen),
    };
    (200, body.to_string(), Vec::new())
}

/// `trade_state_desc` for a `trade_state` (§2.3 wording).
fn state_desc(state: &str) -> &'static str {
    match state {
        "SUCCESS" => "支付成功",
        "REFUND" => "转入退款",
        "NOTPAY" => "未支付",
        "CLOSED" => "已关闭",
        "REVOKED" => "已撤销",
        "USERPAYING" => "用户支付中",
        "PAYERROR" => "支付失败",
        _ => "",
    }
}

/// The §2.3 Transaction object.
fn transaction_json(order: &Order, appid: &str, mchid: &str, extra_fen: i64) -> Value {
    let total = yuan_to_fen(&order.amount).unwrap_or(0) + extra_fen;
    let mut tx = json!({
        "appid": appid,
        "mchid": mchid,
        "out_trade_no": order.out_trade_no,
        "trade_type": "JSAPI",
        "trade_state": order.status,
        "trade_state_desc": state_desc(&order.status),
        "attach": "",
        "payer": { "openid": PAYER_OPENID },
        "amount": { "total": total, "currency": "CNY" },
    });
    if !order.trade_no.is_empty() {
        tx["transaction_id"] = json!(order.trade_no);
    }
    if let Some(at) = &order.paid_at {
        tx["success_time"] = json!(at);
        tx["bank_type"] = json!("OTHERS");
        tx["amount"]["payer_total"] = json!(total);
        tx["amount"]["payer_currency"] = json!("CNY");
    }
    tx
}

/// The §2.6 Refund object (the order must have a refund).
fn refund_json(order: &Order, extra_fen: i64) -> Value {
    let refund = order.refund.clone().unwrap_or_default();
    let total = yuan_to_fen(&order.amount).unwrap_or(0) + extra_fen;
    let refunded = yuan_to_fen(&refund.amount).unwrap_or(0) + extra_fen;
    let create_time = refund
        .create_time
        .clone()
        .or_else(|| refund.success_time.clone())
        .or_else(|| order.paid_at.clone())
        .unwrap_or_default();
    let mut body = json!({
        "refund_id": refund.refund_id,
        "out_refund_no": refund.out_refund_no,
        "transaction_id": order.trade_no,
        "out_trade_no": order.out_trade_no,
        "channel": "ORIGINAL",
        "user_received_account": refund
            .user_received_account
            .clone()
            .unwrap_or_else(|| "支付用户零钱".to_owned()),
        "create_time": create_time,
        "status": refund.status,
        "funds_account": "AVAILABLE",
        "amount": {
            "total": total,
            "refund": refunded,
            "payer_total": total,
            "payer_refund": refunded,
            "settlement_total": total,
            "settlement_refund": refunded,
            "discount_refund": 0,
            "currency": "CNY",
            "from": [],
        },
        "promotion_detail": [],
    });
    if let Some(at) = &refund.success_time {
        body["success_time"] = json!(at);
    }
    body
}
