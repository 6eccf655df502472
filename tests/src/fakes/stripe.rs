//! A fake Stripe API on a loopback port.
//!
//! It models shared/reference/providers.md §3:
//!
//! - Auth (§3.1): `Authorization: Bearer <secret key>` must carry the
//!   fake's key; otherwise HTTP 401 `{"error":{"type":
//!   "invalid_request_error","message":"Invalid API Key provided: …"}}`
//!   with the key masked, as Stripe does.
//! - `GET /v1/payment_intents/{id}` (§3.2; `expand[]=latest_charge` embeds
//!   the charge), unknown → 404 `resource_missing`;
//!   `GET /v1/payment_intents/search?query=metadata['order_id']:'…'`;
//!   `GET /v1/payment_intents?limit=…` (the connection test).
//! - `GET /v1/events?type=…&limit=…&starting_after=…&created[gte]=…`
//!   (§3.3): newest first, cursor pagination; each intent with
//!   `pending_webhooks` set has a `payment_intent.succeeded` event, and
//!   [`FakeStripe::add_noise_events`] adds events of other intents so that
//!   the client has to page.
//! - `GET /v1/refunds?payment_intent=…` (§3.4).
//!
//! Amounts are in minor units; lists are `{"object":"list","data":[…],
//! "has_more":…}` (search: `"object":"search_result"`).

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde_json::{Value, json};

use super::common::{Hits, RecordedRequest, random_alnum};
use super::http::{HttpServer, Request, Response};

const JSON: &str = "application/json";

/// A PaymentIntent the fake knows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Intent {
    /// `pi_…`
    pub id: String,
    /// Minor units (`2000` = 20.00 USD).
    pub amount: i64,
    /// Lower-case ISO code, `usd`.
    pub currency: String,
    /// `requires_payment_method`, `succeeded`, `canceled`, …
    pub status: String,
    /// Unix seconds.
    pub created: i64,
    /// `metadata.order_id`, the platform's order number.
    pub order_id: Option<String>,
    /// The latest charge's `created` (the charge exists when `Some`).
    pub charge_created: Option<i64>,
    /// `last_payment_error`: (`code`, `message`).
    pub last_payment_error: Option<(String, String)>,
    pub canceled_at: Option<i64>,
    /// When `Some`, a `payment_intent.succeeded` event exists with this
    /// `pending_webhooks`.
    pub pending_webhooks: Option<i64>,
    pub refunds: Vec<Refund>,
}

/// A refund of an [`Intent`] (§3.4).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Refund {
    /// `re_…`
    pub id: String,
    pub amount: i64,
    /// `pending`, `succeeded`, `failed`, `canceled`, `requires_action`.
    pub status: String,
    pub created: i64,
    pub failure_reason: Option<String>,
}

/// What the fake answers; counting scenarios count from when they are set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Scenario {
    #[default]
    Normal,
    /// Every intent is unknown (404 `resource_missing`; empty searches).
    NotFound,
    /// Every request is refused with 401, whatever its key.
    AuthFailure,
    /// The first `n` requests get HTTP 500 (Stripe's `api_error`).
    ServerErrorThen(u32),
    /// HTTP 200 with a cut body.
    Malformed,
    /// Intents answer 1.00 more than stored.
    WrongAmount,
    /// Intents answer with another `id` and `metadata.order_id`.
    OtherOrder,
    /// Events and refunds are refused with 403 (a restricted key).
    EventsForbidden,
    /// Sleep this long before answering as `Normal`.
    Delay(Duration),
}

#[derive(Debug, Default)]
struct State {
    scenario: Scenario,
    hits: Hits,
    intents: Vec<Intent>,
    /// (event id, created, intent id) of events about other intents.
    noise: Vec<(String, i64, String)>,
    requests: Vec<RecordedRequest>,
}

/// The fake API. Dropping it stops the server.
#[derive(Debug)]
pub struct FakeStripe {
    state: Arc<Mutex<State>>,
    key: String,
    server: HttpServer,
}

impl FakeStripe {
    /// Starts a fake with a fresh `sk_test_…` key and no intents.
    pub fn start() -> FakeStripe {
        let key = format!("sk_test_{}", random_alnum(24));
        let state = Arc::new(Mutex::new(State::default()));
        let server = {
            let state = Arc::clone(&state);
            let key = key.clone();
            HttpServer::start(move |r| handle(r, &state, &key))
                .expect("bind a loopback port for the fake Stripe API")
        };
        FakeStripe { state, key, server }
    }

    /// `http://127.0.0.1:PORT`
    pub fn base_url(&self) -> String {
        self.server.url()
    }

    /// The secret key requests must carry.
    pub fn secret_key(&self) -> &str {
        &self.key
    }

    pub fn set(&self, scenario: Scenario) {
        let mut s = lock(&self.state);
        s.scenario = scenario;
        s.hits.reset();
    }

    pub fn add_intent(&self, intent: Intent) {
        lock(&self.state).intents.push(intent);
    }

    /// Adds `n` `payment_intent.succeeded` events of other intents, newer
    /// than every intent's own, so a client must page past them.
    pub fn add_noise_events(&self, n: usize) {
        let mut s = lock(&self.state);
        let newest = s
            .intents
            .iter()
            .map(|i| i.charge_created.unwrap_or(i.created))
            .max()
            .unwrap_or(1_763_700_000);
        for k in 0..n {
            s.noise.push((
                format!("evt_noise{k:04}"),
                newest + 1 + k as i64,
                format!("pi_noise{k:04}"),
            ));
        }
    }

    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.state).requests.clone()
    }
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(|p| p.into_inner())
}

fn json_response(status: u16, body: &Value) -> Response {
    Response::new(status, JSON, body.to_string()).with_header("Request-Id", "req_fake")
}

fn error(status: u16, kind: &str, code: Option<&str>, message: &str) -> Response {
    let mut e = json!({ "type": kind, "message": message });
    if let Some(c) = code {
        e["code"] = c.into();
    }
    json_response(status, &json!({ "error": e }))
}

fn query_pairs(r: &Request) -> Vec<(String, String)> {
    r.query()
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default()
}

fn param<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn handle(r: &Request, state: &Mutex<State>, key: &str) -> Response {
    let mut record = RecordedRequest::new(r);
    let bearer = r
        .header("authorization")
        .and_then(|a| a.strip_prefix("Bearer "));
    record.signature_valid = bearer == Some(key);
    if !record.signature_valid {
        record.problem = Some("no Bearer with the fake's secret key".into());
    }
    let (scenario, hit, intents, noise) = {
        let mut s = lock(state);
        s.requests.push(record);
        let hit = s.hits.next();
        (s.scenario.clone(), hit, s.intents.clone(), s.noise.clone())
    };
    let response = answer(r, &scenario, hit, &intents, &noise, bearer, key);
    match scenario {
        Scenario::Delay(d) => response.with_delay(d),
        _ => response,
    }
}

fn masked(key: &str) -> String {
    let tail: String = key
        .chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    format!("sk_test_********************{tail}")
}

fn answer(
    r: &Request,
    scenario: &Scenario,
    hit: u32,
    intents: &[Intent],
    noise: &[(String, i64, String)],
    bearer: Option<&str>,
    key: &str,
) -> Response {
    match scenario {
        Scenario::ServerErrorThen(n) if hit <= *n => {
            return error(
                500,
                "api_error",
                None,
                "An unknown error occurred while processing your request.",
            );
        }
        Scenario::AuthFailure => {
            return error(
                401,
                "invalid_request_error",
                None,
                &format!("Invalid API Key provided: {}", masked(key)),
            );
        }
        _ => {}
    }
    match bearer {
        None => {
            return error(
                401,
                "invalid_request_error",
                None,
                "You did not provide an API key.",
            );
        }
        Some(b) if b != key => {
            return error(
                401,
                "invalid_request_error",
                None,
                &format!("Invalid API Key provided: {}", masked(b)),
            );
        }
        _ => {}
    }
    if *scenario == Scenario::Malformed {
        return Response::new(200, JSON, "{\"id\":\"pi_3Mtw\",\"object\":\"payment_in");
    }
    if r.method != "GET" {
        return error(
            405,
            "invalid_request_error",
            None,
            "this fake serves GET only",
        );
    }
    let pairs = query_pairs(r);
    let known: Vec<Intent> = if *scenario == Scenario::NotFound {
        Vec::new()
    } else {
        intents.to_vec()
    };
    let expand: Vec<&str> = pairs
        .iter()
        .filter(|(k, _)| k == "expand[]")
        .map(|(_, v)| v.as_str())
        .collect();
    let segments: Vec<&str> = r.path().trim_start_matches('/').split('/').collect();
    match segments.as_slice() {
        ["v1", "payment_intents", "search"] => {
            let Some(order) = param(&pairs, "query").and_then(order_in_query) else {
                return error(
                    400,
                    "invalid_request_error",
                    Some("parameter_invalid"),
                    "Invalid search query",
                );
            };
            let data: Vec<Value> = known
                .iter()
                .filter(|i| i.order_id.as_deref() == Some(order.as_str()))
                .map(|i| intent_json(i, scenario, expand.contains(&"data.latest_charge")))
                .collect();
            json_response(
                200,
                &json!({"object": "search_result", "url": "/v1/payment_intents/search",
                        "has_more": false, "next_page": null, "data": data}),
            )
        }
        ["v1", "payment_intents"] => {
            let data: Vec<Value> = known
                .iter()
                .take(1)
                .map(|i| intent_json(i, scenario, false))
                .collect();
            json_response(
                200,
                &json!({"object": "list", "url": "/v1/payment_intents", "has_more": false, "data": data}),
            )
        }
        ["v1", "payment_intents", id] => {
            let id = percent_decoded(id);
            match known.iter().find(|i| i.id == id) {
                Some(i) => json_response(
                    200,
                    &intent_json(i, scenario, expand.contains(&"latest_charge")),
                ),
                None => error(
                    404,
                    "invalid_request_error",
                    Some("resource_missing"),
                    &format!("No such payment_intent: '{id}'"),
                ),
            }
        }
        ["v1", "events"] => {
            if *scenario == Scenario::EventsForbidden {
                return forbidden("events");
            }
            events(&pairs, &known, noise)
        }
        ["v1", "refunds"] => {
            if *scenario == Scenario::EventsForbidden {
                return forbidden("refunds");
            }
            let pi = param(&pairs, "payment_intent").unwrap_or_default();
            let data: Vec<Value> = known
                .iter()
                .filter(|i| i.id == pi)
                .flat_map(|i| {
                    i.refunds.iter().map(move |f| {
                        json!({"id": f.id, "object": "refund", "amount": f.amount,
                               "currency": i.currency, "created": f.created,
                               "payment_intent": i.id, "status": f.status,
                               "failure_reason": f.failure_reason})
                    })
                })
                .collect();
            json_response(
                200,
                &json!({"object": "list", "url": "/v1/refunds", "has_more": false, "data": data}),
            )
        }
        _ => error(
            404,
            "invalid_request_error",
            None,
            &format!("Unrecognized request URL (GET: {}).", r.path()),
        ),
    }
}

fn forbidden(what: &str) -> Response {
    error(
        403,
        "invalid_request_error",
        None,
        &format!(
            "The provided key 'rk_test_***' does not have the required permissions for this endpoint: {what}"
        ),
    )
}

fn percent_decoded(s: &str) -> String {
    form_urlencoded::parse(format!("x={s}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// The order number of `metadata['order_id']:'…'`.
fn order_in_query(q: &str) -> Option<String> {
    let rest = q.trim().strip_prefix("metadata['order_id']:'")?;
    let body = rest.strip_suffix('\'')?;
    Some(body.replace("\\'", "'").replace("\\\\", "\\"))
}

fn intent_json(i: &Intent, scenario: &Scenario, expand_charge: bool) -> Value {
    let (id, order, amount) = match scenario {
        Scenario::OtherOrder => (
            format!("{}X", i.id),
            i.order_id.as_ref().map(|o| format!("{o}X")),
            i.amount,
        ),
        Scenario::WrongAmount => (i.id.clone(), i.order_id.clone(), i.amount + 100),
        _ => (i.id.clone(), i.order_id.clone(), i.amount),
    };
    let charge = i.charge_created.map(|created| {
        let ch = format!("ch_{}", &i.id.trim_start_matches("pi_"));
        if expand_charge {
            json!({"id": ch, "object": "charge", "amount": amount, "created": created,
                   "currency": i.currency, "paid": i.status == "succeeded",
                   "payment_intent": id, "status": if i.status == "succeeded" { "succeeded" } else { "failed" }})
        } else {
            Value::from(ch)
        }
    });
    let mut metadata = serde_json::Map::new();
    if let Some(o) = order {
        metadata.insert("order_id".into(), o.into());
    }
    let error = i.last_payment_error.as_ref().map(|(code, message)| {
        json!({"type": "card_error", "code": code, "decline_code": "generic_decline",
               "message": message})
    });
    json!({
        "id": id, "object": "payment_intent", "amount": amount,
        "amount_received": if i.status == "succeeded" { amount } else { 0 },
        "currency": i.currency, "status": i.status, "created": i.created,
        "canceled_at": i.canceled_at,
        "cancellation_reason": i.canceled_at.map(|_| "abandoned"),
        "capture_method": "automatic", "livemode": false,
        "latest_charge": charge, "last_payment_error": error,
        "metadata": metadata, "payment_method_types": ["card"],
    })
}

fn events(
    pairs: &[(String, String)],
    known: &[Intent],
    noise: &[(String, i64, String)],
) -> Response {
    let limit: usize = param(pairs, "limit")
        .and_then(|l| l.parse().ok())
        .unwrap_or(10)
        .clamp(1, 100);
    let since: i64 = param(pairs, "created[gte]")
        .and_then(|c| c.parse().ok())
        .unwrap_or(i64::MIN);
    let kind = param(pairs, "type").unwrap_or("payment_intent.succeeded");
    // (id, created, intent id, pending_webhooks)
    let mut all: Vec<(String, i64, String, i64)> = known
        .iter()
        .filter_map(|i| {
            i.pending_webhooks.map(|p| {
                (
                    format!("evt_{}", i.id.trim_start_matches("pi_")),
                    i.charge_created.unwrap_or(i.created),
                    i.id.clone(),
                    p,
                )
            })
        })
        .chain(noise.iter().map(|(e, c, i)| (e.clone(), *c, i.clone(), 0)))
        .filter(|e| e.1 >= since && kind == "payment_intent.succeeded")
        .collect();
    all.sort_by(|a, b| b.1.cmp(&a.1).then(b.0.cmp(&a.0)));
    let start = match param(pairs, "starting_after") {
        Some(after) => match all.iter().position(|e| e.0 == after) {
            Some(p) => p + 1,
            None => {
                return error(
                    400,
                    "invalid_request_error",
                    Some("resource_missing"),
                    &format!("No such event: '{after}'"),
                );
            }
        },
        None => 0,
    };
    let page: Vec<Value> = all
        .iter()
        .skip(start)
        .take(limit)
        .map(|(id, created, pi, pending)| {
            json!({"id": id, "object": "event", "api_version": "2025-10-29.clover",
                   "created": created, "livemode": false, "pending_webhooks": pending,
                   "type": "payment_intent.succeeded",
                   "request": {"id": null, "idempotency_key": null},
                   "data": {"object": {"id": pi, "object": "payment_intent", "status": "succeeded"}}})
        })
        .collect();
    let has_more = all.len() > start + page.len();
    json_response(
        200,
        &json!({"object": "list", "url": "/v1/events", "has_more": has_more, "data": page}),
    )
}
