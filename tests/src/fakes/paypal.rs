//! A fake PayPal REST API on a loopback port.
//!
//! It models shared/reference/providers.md §5:
//!
//! - `POST /v1/oauth2/token`: HTTP Basic `client_id:secret`, form body
//!   `grant_type=client_credentials` → `{scope, access_token, token_type:
//!   "Bearer", app_id, expires_in, nonce}`. Wrong credentials → 401
//!   `{"error":"invalid_client","error_description":"Client Authentication
//!   failed"}`.
//! - `GET /v2/checkout/orders/{id}` and `GET /v2/payments/captures/{id}`:
//!   `Authorization: Bearer` with a token the fake issued; otherwise 401
//!   `{"error":"invalid_token",…}`. Unknown → 404 `RESOURCE_NOT_FOUND`
//!   (`{name, message, debug_id, details}`).
//!
//! Amounts are decimal strings with a currency code.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use super::common::{Hits, RecordedRequest, plus_one_yuan, random_alnum};
use super::http::{HttpServer, Request, Response};

const JSON: &str = "application/json";

/// An order the fake knows (Orders v2).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Order {
    /// 17 upper-case letters and digits.
    pub id: String,
    /// `CREATED`, `APPROVED`, `COMPLETED`, `VOIDED`, `PAYER_ACTION_REQUIRED`.
    pub status: String,
    /// `"20.00"`
    pub amount: String,
    /// `USD`
    pub currency: String,
    /// RFC 3339, `2026-11-21T07:15:00Z`.
    pub create_time: String,
    pub captures: Vec<Capture>,
    /// Refunds of the captures (`purchase_units[].payments.refunds`).
    pub refunds: Vec<Refund>,
}

/// A capture of an [`Order`]; also served alone by its ID.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Capture {
    pub id: String,
    /// `COMPLETED`, `PENDING`, `DECLINED`, `FAILED`, `REFUNDED`,
    /// `PARTIALLY_REFUNDED`.
    pub status: String,
    /// `status_details.reason`, e.g. `PENDING_REVIEW`.
    pub reason: Option<String>,
    pub amount: String,
    pub create_time: String,
    pub update_time: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Refund {
    pub id: String,
    pub status: String,
    pub amount: String,
    pub create_time: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Scenario {
    #[default]
    Normal,
    /// Every order and capture is unknown.
    NotFound,
    /// The token endpoint refuses every client (`invalid_client`).
    AuthFailure,
    /// Tokens are issued but refused when used (`invalid_token`).
    TokenRejected,
    /// The first `n` requests get HTTP 503.
    ServerErrorThen(u32),
    /// Orders and captures answer with a cut body.
    Malformed,
    /// Amounts are 1.00 more than stored.
    WrongAmount,
    /// Orders and captures answer with another `id`.
    OtherOrder,
    Delay(Duration),
}

#[derive(Debug, Default)]
struct State {
    scenario: Scenario,
    hits: Hits,
    orders: Vec<Order>,
    tokens: Vec<String>,
    token_requests: usize,
    requests: Vec<RecordedRequest>,
}

#[derive(Debug)]
pub struct FakePaypal {
    state: Arc<Mutex<State>>,
    client_id: String,
    secret: String,
    server: HttpServer,
}

impl FakePaypal {
    pub fn start() -> FakePaypal {
        let client_id = format!("A{}", random_alnum(40));
        let secret = format!("E{}", random_alnum(40));
        let state = Arc::new(Mutex::new(State::default()));
        let server = {
            let (state, id, secret) = (Arc::clone(&state), client_id.clone(), secret.clone());
            HttpServer::start(move |r| handle(r, &state, &id, &secret))
                .expect("bind a loopback port for the fake PayPal API")
        };
        FakePaypal {
            state,
            client_id,
            secret,
            server,
        }
    }

    pub fn base_url(&self) -> String {
        self.server.url()
    }

    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    pub fn client_secret(&self) -> &str {
        &self.secret
    }

    pub fn set(&self, scenario: Scenario) {
        let mut s = lock(&self.state);
        s.scenario = scenario;
        s.hits.reset();
    }

    pub fn add_order(&self, order: Order) {
        lock(&self.state).orders.push(order);
    }

    /// How many tokens were asked for.
    pub fn token_requests(&self) -> usize {
        lock(&self.state).token_requests
    }

    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.state).requests.clone()
    }
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(|p| p.into_inner())
}

fn json_response(status: u16, body: &Value) -> Response {
    Response::new(status, JSON, body.to_string()).with_header("Paypal-Debug-Id", "f0a1b2c3d4e5")
}

fn not_found() -> Response {
    json_response(
        404,
        &json!({"name": "RESOURCE_NOT_FOUND",
                "details": [{"issue": "INVALID_RESOURCE_ID",
                             "description": "Specified resource ID does not exist. Please check the resource ID and try again."}],
                "message": "The specified resource does not exist.",
                "debug_id": "f0a1b2c3d4e5",
                "links": [{"href": "https://developer.paypal.com/docs/api/orders/v2/#error-INVALID_RESOURCE_ID",
                           "rel": "information_link", "method": "GET"}]}),
    )
}

fn invalid_token() -> Response {
    json_response(
        401,
        &json!({"error": "invalid_token", "error_description": "Token signature verification failed"}),
    )
}

fn handle(r: &Request, state: &Mutex<State>, client_id: &str, secret: &str) -> Response {
    let mut record = RecordedRequest::new(r);
    let basic = format!("Basic {}", STANDARD.encode(format!("{client_id}:{secret}")));
    let bearer = r
        .header("authorization")
        .and_then(|a| a.strip_prefix("Bearer "))
        .map(str::to_owned);
    let token_call = r.path() == "/v1/oauth2/token";
    let (scenario, hit, orders, known_token) = {
        let mut s = lock(state);
        let known = bearer.as_ref().is_some_and(|b| s.tokens.contains(b));
        record.signature_valid = if token_call {
            r.header("authorization") == Some(basic.as_str())
        } else {
            known
        };
        if !record.signature_valid {
            record.problem = Some(if token_call {
                "no Basic auth with the fake's client id and secret".into()
            } else {
                "no Bearer token the fake issued".into()
            });
        }
        s.requests.push(record.clone());
        let hit = s.hits.next();
        (s.scenario.clone(), hit, s.orders.clone(), known)
    };
    let response = match scenario {
        Scenario::ServerErrorThen(n) if hit <= n => Response::new(
            503,
            "text/html",
            "<html><body><h1>503 Service Unavailable</h1></body></html>",
        ),
        _ if token_call => token(r, state, &scenario, record.signature_valid),
        _ if !known_token || scenario == Scenario::TokenRejected => invalid_token(),
        _ => resource(r, &scenario, &orders),
    };
    match scenario {
        Scenario::Delay(d) => response.with_delay(d),
        _ => response,
    }
}

fn token(r: &Request, state: &Mutex<State>, scenario: &Scenario, auth_ok: bool) -> Response {
    if r.method != "POST" {
        return json_response(405, &json!({"name": "METHOD_NOT_SUPPORTED"}));
    }
    let form: Vec<(String, String)> = form_urlencoded::parse(&r.body).into_owned().collect();
    if !form
        .iter()
        .any(|(k, v)| k == "grant_type" && v == "client_credentials")
    {
        return json_response(
            400,
            &json!({"error": "unsupported_grant_type", "error_description": "Grant Type is NULL"}),
        );
    }
    if !auth_ok || *scenario == Scenario::AuthFailure {
        return json_response(
            401,
            &json!({"error": "invalid_client", "error_description": "Client Authentication failed"}),
        );
    }
    let token = format!("A21AA{}", random_alnum(60));
    let mut s = lock(state);
    s.token_requests += 1;
    s.tokens.push(token.clone());
    json_response(
        200,
        &json!({"scope": "https://uri.paypal.com/services/payments/payment",
                "access_token": token, "token_type": "Bearer",
                "app_id": "APP-80W284485P519543T", "expires_in": 32400,
                "nonce": "2026-11-21T07:15:00Zfake"}),
    )
}

fn bump(amount: &str, scenario: &Scenario) -> String {
    if *scenario == Scenario::WrongAmount {
        plus_one_yuan(amount)
    } else {
        amount.to_owned()
    }
}

fn shown_id(id: &str, scenario: &Scenario) -> String {
    if *scenario == Scenario::OtherOrder {
        format!("{}X", &id[..id.len().saturating_sub(1)])
    } else {
        id.to_owned()
    }
}

fn capture_json(c: &Capture, currency: &str, scenario: &Scenario) -> Value {
    let mut v = json!({
        "id": shown_id(&c.id, scenario), "status": c.status,
        "amount": {"currency_code": currency, "value": bump(&c.amount, scenario)},
        "final_capture": true, "create_time": c.create_time, "update_time": c.update_time,
    });
    if let Some(reason) = &c.reason {
        v["status_details"] = json!({ "reason": reason });
    }
    v
}

fn resource(r: &Request, scenario: &Scenario, orders: &[Order]) -> Response {
    if r.method != "GET" {
        return json_response(405, &json!({"name": "METHOD_NOT_SUPPORTED"}));
    }
    if *scenario == Scenario::Malformed {
        return Response::new(200, JSON, "{\"id\":\"5O190127TN364715T\",\"status\":\"COMP");
    }
    let known: &[Order] = if *scenario == Scenario::NotFound {
        &[]
    } else {
        orders
    };
    let segments: Vec<&str> = r.path().trim_start_matches('/').split('/').collect();
    match segments.as_slice() {
        ["v2", "checkout", "orders", id] => {
            let Some(o) = known.iter().find(|o| o.id == *id) else {
                return not_found();
            };
            let captures: Vec<Value> = o
                .captures
                .iter()
                .map(|c| capture_json(c, &o.currency, scenario))
                .collect();
            let refunds: Vec<Value> = o
                .refunds
                .iter()
                .map(|f| {
                    json!({"id": f.id, "status": f.status, "create_time": f.create_time,
                           "amount": {"currency_code": o.currency, "value": f.amount}})
                })
                .collect();
            let mut unit = json!({
                "reference_id": "default",
                "amount": {"currency_code": o.currency, "value": bump(&o.amount, scenario)},
            });
            if !captures.is_empty() {
                unit["payments"] = json!({ "captures": captures, "refunds": refunds });
            }
            json_response(
                200,
                &json!({"id": shown_id(&o.id, scenario), "intent": "CAPTURE", "status": o.status,
                        "create_time": o.create_time, "purchase_units": [unit],
                        "links": [{"href": format!("/v2/checkout/orders/{}", o.id), "rel": "self", "method": "GET"}]}),
            )
        }
        ["v2", "payments", "captures", id] => {
            let found = known
                .iter()
                .find_map(|o| o.captures.iter().find(|c| c.id == *id).map(|c| (o, c)));
            match found {
                Some((o, c)) => json_response(200, &capture_json(c, &o.currency, scenario)),
                None => not_found(),
            }
        }
        _ => not_found(),
    }
}
