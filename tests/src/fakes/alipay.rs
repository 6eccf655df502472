//! A fake Alipay OpenAPI v2 gateway (`/gateway.do`) on a loopback port.
//!
//! It models shared/reference/providers.md §1:
//!
//! - Requests (§1.2): `POST /gateway.do`, form-encoded
//!   (`application/x-www-form-urlencoded;charset=utf-8`); parameters in the
//!   query string are accepted too and merged (the body wins on a clash).
//!   Methods `alipay.trade.query` (§1.2: `trade_no` and/or `out_trade_no`
//!   in `biz_content`, `trade_no` wins) and
//!   `alipay.trade.fastpay.refund.query` (§1.6: `out_request_no` required
//!   plus `trade_no` or `out_trade_no`).
//! - Request signatures (§1.3): every parameter except `sign` and empty
//!   values, `sign_type` included, sorted by key, `k=v` joined with `&`,
//!   unencoded; SHA256withRSA with the app key; `sign_type` must be `RSA2`.
//!   `app_id` must match. Failures get the gateway's unsigned
//!   `error_response` (§1.4), always with HTTP 200.
//! - Answers (§1.4–§1.6): HTTP 200, `Content-Type: text/html;charset=utf-8`
//!   (as the real gateway labels its JSON), body
//!   `{"<method>_response":{…},"sign":"…"}` where `sign` is SHA256withRSA,
//!   made with the "Alipay private key", over the exact bytes of the
//!   response node as sent (§1.5). The node's keys are deliberately not in
//!   sorted order, so a client that re-serialises parsed JSON before
//!   verifying fails, as it would against the real gateway.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::common::{Hits, RecordedRequest, ordered_object, other_id, plus_one_yuan};
use super::http::{HttpServer, Request, Response};
use super::keys::{KeyPair, TestKeys};

/// The fake's `app_id` (16 digits, like real ones).
pub const DEFAULT_APP_ID: &str = "2021004123456789";

const TRADE_QUERY: &str = "alipay.trade.query";
const REFUND_QUERY: &str = "alipay.trade.fastpay.refund.query";
const CONTENT_TYPE: &str = "text/html;charset=utf-8";

/// A trade the fake knows, in Alipay's own words (§1.4).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Order {
    /// Alipay's 28-digit `trade_no`.
    pub trade_no: String,
    /// The merchant's `out_trade_no`.
    pub out_trade_no: String,
    /// `total_amount`: yuan with two decimals, `"200.00"`.
    pub amount: String,
    /// `trade_status`: `WAIT_BUYER_PAY`, `TRADE_CLOSED`, `TRADE_SUCCESS`,
    /// `TRADE_FINISHED`.
    pub status: String,
    /// `send_pay_date`, `yyyy-MM-dd HH:mm:ss` (Beijing time). `None` =
    /// unpaid: the answer then has no `send_pay_date` and
    /// `buyer_pay_amount` `"0.00"`.
    pub paid_at: Option<String>,
    /// The refund that `alipay.trade.fastpay.refund.query` reports.
    pub refund: Option<Refund>,
}

/// A refund of an [`Order`] (§1.6).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Refund {
    /// The refund request number the query must name.
    pub out_request_no: String,
    /// `refund_amount`, yuan with two decimals.
    pub refund_amount: String,
    /// `refund_status`: `Some("REFUND_SUCCESS")`, or `None` (absent = not
    /// received or failed).
    pub refund_status: Option<String>,
    /// `gmt_refund_pay`, `yyyy-MM-dd HH:mm:ss`.
    pub gmt_refund_pay: Option<String>,
}

/// What the fake answers; set with [`FakeAlipay::set`]. Counting scenarios
/// count from the moment they are set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Scenario {
    /// Answer from the order table (unknown trade → `ACQ.TRADE_NOT_EXIST`).
    #[default]
    Normal,
    /// Every trade is unknown: signed `code 40004`, `ACQ.TRADE_NOT_EXIST`.
    NotFound,
    /// Every request gets the unsigned `isv.invalid-signature`
    /// `error_response`, whatever its signature.
    AuthFailure,
    /// Sleep this long, then answer as `Normal`.
    Delay(Duration),
    /// The first `n` requests get HTTP 503 (an HTML page), then `Normal`.
    ServerErrorThen(u32),
    /// The first `n` requests get HTTP 429 with `Retry-After:
    /// retry_after_secs` (an HTML page), then `Normal`.
    TooManyThen { n: u32, retry_after_secs: u64 },
    /// HTTP 200 with a truncated, non-JSON body.
    Malformed,
    /// A well-formed answer whose `sign` was made with a key the client
    /// does not trust ([`TestKeys::other`]).
    BadSignature,
    /// A correctly signed answer whose amounts (`total_amount`,
    /// `buyer_pay_amount`, `receipt_amount`, `invoice_amount`,
    /// `refund_amount`) are 1 yuan more than the stored order's.
    WrongAmount,
    /// A correctly signed answer about another trade: `trade_no` and
    /// `out_trade_no` have their last digit moved on by one.
    OtherOrder,
}

#[derive(Debug, Default)]
struct State {
    scenario: Scenario,
    hits: Hits,
    orders: Vec<Order>,
    requests: Vec<RecordedRequest>,
    limit: Option<RateLimit>,
}

/// A rate limit as a provider enforces it: at most `requests` accepted in
/// any sliding window of `per`; a request over it is refused with the
/// gateway's `40005` (providers.md §1.4) and counted as a violation.
#[derive(Debug)]
struct RateLimit {
    requests: usize,
    per: Duration,
    /// When the accepted requests of the last `per` arrived.
    window: VecDeque<Instant>,
    violations: usize,
    busiest: usize,
}

impl RateLimit {
    /// Whether a request arriving `now` is over the limit (and if not,
    /// counts it in the window).
    fn over(&mut self, now: Instant) -> bool {
        while self
            .window
            .front()
            .is_some_and(|t| now.duration_since(*t) >= self.per)
        {
            self.window.pop_front();
        }
        if self.window.len() >= self.requests {
            self.violations += 1;
            return true;
        }
        self.window.push_back(now);
        self.busiest = self.busiest.max(self.window.len());
        false
    }
}

/// The fake gateway. Dropping it stops the server.
#[derive(Debug)]
pub struct FakeAlipay {
    state: Arc<Mutex<State>>,
    app_id: String,
    keys: &'static TestKeys,
    server: HttpServer,
}

impl FakeAlipay {
    /// Starts a fake on `127.0.0.1:<ephemeral>` with [`DEFAULT_APP_ID`],
    /// the shared [`TestKeys`], an empty order table and
    /// [`Scenario::Normal`]. Panics if no loopback port can be bound.
    pub fn start() -> FakeAlipay {
        let keys = TestKeys::shared();
        let state = Arc::new(Mutex::new(State::default()));
        let app_id = DEFAULT_APP_ID.to_owned();
        let server = {
            let state = Arc::clone(&state);
            let app_id = app_id.clone();
            HttpServer::start(move |request| handle(request, &state, &app_id, keys))
                .expect("bind a loopback port for the fake Alipay gateway")
        };
        FakeAlipay {
            state,
            app_id,
            keys,
            server,
        }
    }

    /// The full gateway URL, `http://127.0.0.1:PORT/gateway.do`.
    pub fn base_url(&self) -> String {
        format!("{}/gateway.do", self.server.url())
    }

    /// The `app_id` requests must carry.
    pub fn app_id(&self) -> &str {
        &self.app_id
    }

    /// The app private key (PKCS#8 PEM) the client signs requests with.
    pub fn app_private_key_pem(&self) -> &str {
        self.keys.alipay_app.private_key_pem()
    }

    /// The app public key (SPKI PEM) the fake verifies requests with.
    pub fn app_public_key_pem(&self) -> &str {
        self.keys.alipay_app.public_key_pem()
    }

    /// The "Alipay public key" (SPKI PEM) the client verifies answers with.
    pub fn alipay_public_key_pem(&self) -> &str {
        self.keys.alipay_platform.public_key_pem()
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

    /// Adds a trade to the order table.
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

    /// Enforces a rate limit from now on: at most `requests` in any sliding
    /// window of `per`, counted when a request has been read. A request
    /// over it gets the gateway's unsigned `error_response` with code
    /// `40005` ("Call Limited", providers.md §1.4) and counts as a
    /// violation ([`FakeAlipay::rate_violations`]).
    pub fn limit_rate(&self, requests: usize, per: Duration) {
        lock(&self.state).limit = Some(RateLimit {
            requests: requests.max(1),
            per,
            window: VecDeque::new(),
            violations: 0,
            busiest: 0,
        });
    }

    /// Requests refused for going over the rate limit.
    pub fn rate_violations(&self) -> usize {
        lock(&self.state).limit.as_ref().map_or(0, |l| l.violations)
    }

    /// The most requests accepted within one window of the rate limit.
    pub fn busiest_window(&self) -> usize {
        lock(&self.state).limit.as_ref().map_or(0, |l| l.busiest)
    }
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A gateway-level failure, answered as an unsigned `error_response`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum GatewayError {
    InvalidAppId,
    MissingSignature,
    MissingSignType,
    InvalidSignType,
    InvalidSignature,
    MissingMethod,
    InvalidMethod,
}

impl GatewayError {
    fn parts(self) -> (&'static str, &'static str, &'static str) {
        match self {
            GatewayError::InvalidAppId => ("40002", "isv.invalid-app-id", "无效的AppID参数"),
            GatewayError::MissingSignature => ("40001", "isv.missing-signature", "缺少签名参数"),
            GatewayError::MissingSignType => {
                ("40001", "isv.missing-signature-type", "缺少签名类型参数")
            }
            GatewayError::InvalidSignType => {
                ("40002", "isv.invalid-signature-type", "无效的签名类型")
            }
            GatewayError::InvalidSignature => ("40002", "isv.invalid-signature", "验签出错"),
            GatewayError::MissingMethod => ("40001", "isv.missing-method", "缺少方法名参数"),
            GatewayError::InvalidMethod => ("40002", "isv.invalid-method", "不存在的方法名"),
        }
    }

    fn describe(self) -> &'static str {
        match self {
            GatewayError::InvalidAppId => "app_id missing or not the fake's",
            GatewayError::MissingSignature => "no sign parameter",
            GatewayError::MissingSignType => "no sign_type parameter",
            GatewayError::InvalidSignType => "sign_type is not RSA2",
            GatewayError::InvalidSignature => {
                "sign does not verify with the app public key over signed_text"
            }
            GatewayError::MissingMethod => "no method parameter",
            GatewayError::InvalidMethod => "method is not one the fake serves",
        }
    }

    fn response(self) -> Response {
        let (code, sub_code, sub_msg) = self.parts();
        let msg = if code == "40001" {
            "Missing Required Arguments"
        } else {
            "Invalid Arguments"
        };
        let node = ordered_object(&[
            ("code", code.into()),
            ("msg", msg.into()),
            ("sub_code", sub_code.into()),
            ("sub_msg", sub_msg.into()),
        ]);
        Response::new(200, CONTENT_TYPE, format!("{{\"error_response\":{node}}}"))
    }
}

/// All parameters, query string first, then the form body (which wins).
fn parameters(request: &Request) -> BTreeMap<String, String> {
    let mut params = BTreeMap::new();
    if let Some(query) = request.query() {
        params.extend(form_urlencoded::parse(query.as_bytes()).into_owned());
    }
    let form = request.header("content-type").is_none_or(|ct| {
        ct.to_ascii_lowercase()
            .starts_with("application/x-www-form-urlencoded")
    });
    if form && !request.body.is_empty() {
        params.extend(form_urlencoded::parse(&request.body).into_owned());
    }
    params
}

/// The §1.3 string to sign: all non-empty parameters but `sign`, sorted by
/// key (byte order), `k=v` joined with `&`, unencoded.
pub fn string_to_sign(params: &BTreeMap<String, String>) -> String {
    params
        .iter()
        .filter(|(k, v)| k.as_str() != "sign" && !v.is_empty())
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// Checks `app_id`, `sign`, `sign_type` and `method`; fills the record.
fn authenticate(
    params: &BTreeMap<String, String>,
    app_id: &str,
    keys: &TestKeys,
    record: &mut RecordedRequest,
) -> Result<(), GatewayError> {
    record.signed_text = string_to_sign(params);
    let get = |k: &str| params.get(k).map(String::as_str).filter(|v| !v.is_empty());
    let sign_type = get("sign_type");
    record.signature_valid = match (get("sign"), sign_type) {
        (Some(sign), Some("RSA2")) => keys
            .alipay_app
            .verify_base64(record.signed_text.as_bytes(), sign),
        _ => false,
    };
    let verdict = if get("app_id") != Some(app_id) {
        Err(GatewayError::InvalidAppId)
    } else if get("sign").is_none() {
        Err(GatewayError::MissingSignature)
    } else if sign_type.is_none() {
        Err(GatewayError::MissingSignType)
    } else if sign_type != Some("RSA2") {
        Err(GatewayError::InvalidSignType)
    } else if !record.signature_valid {
        Err(GatewayError::InvalidSignature)
    } else {
        match get("method") {
            None => Err(GatewayError::MissingMethod),
            Some(TRADE_QUERY | REFUND_QUERY) => Ok(()),
            Some(_) => Err(GatewayError::InvalidMethod),
        }
    };
    record.problem = verdict.err().map(|e| e.describe().to_owned());
    verdict
}

fn handle(request: &Request, state: &Mutex<State>, app_id: &str, keys: &TestKeys) -> Response {
    let mut record = RecordedRequest::new(request);
    {
        let mut state = lock(state);
        if let Some(limit) = state.limit.as_mut()
            && limit.over(record.received_at)
        {
            record.problem = Some("over the rate limit".to_owned());
            state.requests.push(record);
            return call_limited();
        }
    }
    if request.path() != "/gateway.do" {
        record.problem = Some("path is not /gateway.do".to_owned());
        lock(state).requests.push(record);
        return html(404, "404 Not Found");
    }
    let params = parameters(request);
    let auth = authenticate(&params, app_id, keys, &mut record);
    let (scenario, hit, orders) = {
        let mut state = lock(state);
        state.requests.push(record);
        let hit = state.hits.next();
        (state.scenario.clone(), hit, state.orders.clone())
    };
    let response = answer(&params, auth, &scenario, hit, &orders, keys);
    match scenario {
        Scenario::Delay(delay) => response.with_delay(delay),
        _ => response,
    }
}

/// The gateway's answer to a request over the app's rate limit: code
/// `40005` (providers.md §1.4), unsigned like every gateway-level refusal.
fn call_limited() -> Response {
    let node = ordered_object(&[
        ("code", "40005".into()),
        ("msg", "Call Limited".into()),
        ("sub_msg", "调用频次超限".into()),
    ]);
    Response::new(200, CONTENT_TYPE, format!("{{\"error_response\":{node}}}"))
}

fn html(status: u16, title: &str) -> Response {
    Response::new(
        status,
        CONTENT_TYPE,
        format!("<html><head><title>{title}</title></head><body><h1>{title}</h1></body></html>"),
    )
}

fn answer(
    params: &BTreeMap<String, String>,
    auth: Result<(), GatewayError>,
    scenario: &Scenario,
    hit: u32,
    orders: &[Order],
    keys: &TestKeys,
) -> Response {
    let method = params.get("method").map_or(TRADE_QUERY, String::as_str);
    match *scenario {
        Scenario::ServerErrorThen(n) if hit <= n => {
            return html(503, "503 Service Temporarily Unavailable");
        }
        Scenario::TooManyThen {
            n,
            retry_after_secs,
        } if hit <= n => {
            return html(429, "429 Too Many Requests")
                .with_header("Retry-After", retry_after_secs.to_string());
        }
        Scenario::AuthFailure => return GatewayError::InvalidSignature.response(),
        Scenario::Malformed => {
            let body = format!(
                "{{\"{}\":{{\"code\":\"10000\",\"msg\":\"Success\",\"trade_no\":\"2026",
                node_key(method)
            );
            return Response::new(200, CONTENT_TYPE, body);
        }
        _ => {}
    }
    if let Err(error) = auth {
        return error.response();
    }
    let signer = if *scenario == Scenario::BadSignature {
        &keys.other
    } else {
        &keys.alipay_platform
    };
    let biz: serde_json::Map<String, Value> = params
        .get("biz_content")
        .and_then(|b| serde_json::from_str(b).ok())
        .unwrap_or_default();
    let biz_str = |k: &str| {
        biz.get(k)
            .and_then(Value::as_str)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let trade_no = biz_str("trade_no");
    let out_trade_no = biz_str("out_trade_no");
    let out_request_no = biz_str("out_request_no");
    if (trade_no.is_none() && out_trade_no.is_none())
        || (method == REFUND_QUERY && out_request_no.is_none())
    {
        let node = ordered_object(&[
            ("code", "40004".into()),
            ("msg", "Business Failed".into()),
            ("sub_code", "ACQ.INVALID_PARAMETER".into()),
            ("sub_msg", "参数无效".into()),
        ]);
        return signed(method, &node, signer);
    }
    // §1.2: if both numbers are given, `trade_no` wins.
    let found = match (&trade_no, &out_trade_no) {
        _ if *scenario == Scenario::NotFound => None,
        (Some(t), _) => orders.iter().find(|o| &o.trade_no == t),
        (None, Some(o)) => orders.iter().find(|order| &order.out_trade_no == o),
        (None, None) => None,
    };
    let Some(order) = found else {
        let mut fields = vec![
            ("code", Value::from("40004")),
            ("msg", "Business Failed".into()),
            ("sub_code", "ACQ.TRADE_NOT_EXIST".into()),
            ("sub_msg", "交易不存在".into()),
        ];
        if method == TRADE_QUERY {
            fields.push(("buyer_pay_amount", "0.00".into()));
            fields.push(("invoice_amount", "0.00".into()));
        }
        if let Some(o) = &out_trade_no {
            fields.push(("out_trade_no", o.as_str().into()));
        }
        if method == TRADE_QUERY {
            fields.push(("point_amount", "0.00".into()));
            fields.push(("receipt_amount", "0.00".into()));
        }
        return signed(method, &ordered_object(&fields), signer);
    };
    let mut order = order.clone();
    match scenario {
        Scenario::WrongAmount => {
            order.amount = plus_one_yuan(&order.amount);
            if let Some(refund) = &mut order.refund {
                refund.refund_amount = plus_one_yuan(&refund.refund_amount);
            }
        }
        Scenario::OtherOrder => {
            order.trade_no = other_id(&order.trade_no);
            order.out_trade_no = other_id(&order.out_trade_no);
        }
        _ => {}
    }
    let node = if method == REFUND_QUERY {
        refund_node(&order, out_request_no.as_deref().unwrap_or_default())
    } else {
        trade_node(&order)
    };
    signed(method, &node, signer)
}

/// `alipay.trade.query` → `alipay_trade_query_response`.
fn node_key(method: &str) -> String {
    format!("{}_response", method.replace('.', "_"))
}

/// The §1.4 success node of `alipay.trade.query`.
fn trade_node(order: &Order) -> String {
    let paid = if order.paid_at.is_some() {
        order.amount.as_str()
    } else {
        "0.00"
    };
    let mut fields = vec![
        ("code", Value::from("10000")),
        ("msg", "Success".into()),
        ("trade_no", order.trade_no.as_str().into()),
        ("out_trade_no", order.out_trade_no.as_str().into()),
        ("buyer_logon_id", "159****5620".into()),
        ("buyer_user_id", "2088102177846880".into()),
        ("trade_status", order.status.as_str().into()),
        ("total_amount", order.amount.as_str().into()),
        ("buyer_pay_amount", paid.into()),
        ("receipt_amount", paid.into()),
        ("invoice_amount", paid.into()),
        ("point_amount", "0.00".into()),
    ];
    if let Some(at) = &order.paid_at {
        fields.push(("send_pay_date", at.as_str().into()));
    }
    ordered_object(&fields)
}

/// The §1.6 node of `alipay.trade.fastpay.refund.query`; the refund fields
/// appear only when the order's refund has this `out_request_no`.
fn refund_node(order: &Order, out_request_no: &str) -> String {
    let mut fields = vec![
        ("code", Value::from("10000")),
        ("msg", "Success".into()),
        ("trade_no", order.trade_no.as_str().into()),
        ("out_trade_no", order.out_trade_no.as_str().into()),
        ("out_request_no", out_request_no.into()),
    ];
    if let Some(refund) = order
        .refund
        .as_ref()
        .filter(|r| r.out_request_no == out_request_no)
    {
        fields.push(("total_amount", order.amount.as_str().into()));
        fields.push(("refund_amount", refund.refund_amount.as_str().into()));
        if let Some(status) = &refund.refund_status {
            fields.push(("refund_status", status.as_str().into()));
        }
        if let Some(at) = &refund.gmt_refund_pay {
            fields.push(("gmt_refund_pay", at.as_str().into()));
        }
    }
    ordered_object(&fields)
}

/// `{"<node_key>":<node>,"sign":"…"}` with `sign` over `node`'s exact text
/// (§1.5).
fn signed(method: &str, node: &str, signer: &KeyPair) -> Response {
    let sign = signer.sign_base64(node.as_bytes());
    let body = format!(
        "{{\"{}\":{node},\"sign\":{}}}",
        node_key(method),
        Value::from(sign)
    );
    Response::new(200, CONTENT_TYPE, body)
}
