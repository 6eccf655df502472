//! Stripe: PaymentIntents by ID (`pi_…`) or found by the merchant's order
//! number in their metadata, the `payment_intent.succeeded` event for the
//! callback stage (`pending_webhooks`), and the intent's refunds. The secret
//! (or restricted) key goes in `Authorization: Bearer`. Facts:
//! reference/providers.md §3.

use std::collections::BTreeMap;

use chrono::{TimeZone, Utc};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use url::Url;

use super::creds::{CredField, Credentials};
use super::error::SourceError;
use super::guard::Guard;
use super::http::{Reply, endpoint, parse_base};
use super::secret::{Secret, redact};
use super::{About, Answers, Ctx, Provider, ask_keys, payment_ids};
use crate::domain::case::Case;
use crate::domain::money::{Currency, Money};
use crate::domain::observation::{Claim, Observation, SourceKind, Via};
use crate::domain::text::Bilingual;
use crate::domain::time::Moment;

pub const PRODUCTION: &str = "https://api.stripe.com";

/// The metadata key a platform's order number is searched under.
pub const ORDER_KEY: &str = "order_id";

/// Pages of 100 events read at most when looking for the intent's
/// `payment_intent.succeeded` (events are kept 30 days; newest first).
pub const MAX_EVENT_PAGES: usize = 3;

/// Intents a metadata search may return that are all reported.
const MAX_INTENTS: usize = 10;

pub struct Stripe;

static FIELDS: &[CredField] = &[
    CredField {
        key: "secret_key",
        label: ("密钥", "Secret key"),
        secret: true,
        required: true,
        multiline: false,
        default: None,
        hint: (
            "sk_live_… / sk_test_…，或可读取 PaymentIntents、Events、Refunds 的受限密钥 rk_…",
            "sk_live_… / sk_test_…, or a restricted key rk_… that can read PaymentIntents, Events and Refunds",
        ),
    },
    CredField {
        key: "base_url",
        label: ("接口地址", "API host"),
        secret: false,
        required: false,
        multiline: false,
        default: Some(PRODUCTION),
        hint: (
            "留空即 https://api.stripe.com（测试模式也用它，配 sk_test_ 密钥）",
            "leave empty for https://api.stripe.com (test mode uses it too, with an sk_test_ key)",
        ),
    },
];

struct Client {
    key: Secret,
    base: Url,
}

impl Client {
    fn new(creds: &Credentials) -> Result<Self, SourceError> {
        let key = creds.required("secret_key")?;
        let text = key.expose().trim();
        if text.starts_with("pk_") {
            return Err(SourceError::BadSetting {
                field: "secret_key",
                reason: "this is a publishable key (pk_…); the query needs the secret key (sk_…) or a restricted key (rk_…)".into(),
            });
        }
        Ok(Client {
            key: Secret::new(text),
            base: parse_base("base_url", creds.text("base_url").unwrap_or(PRODUCTION))?,
        })
    }

    fn mode(&self) -> Bilingual {
        if self.key.expose().contains("_test_") {
            Bilingual::new("测试模式", "test mode")
        } else {
            Bilingual::new("正式模式", "live mode")
        }
    }

    fn url(&self, segments: &[&str], query: &[(&str, &str)]) -> Result<Url, SourceError> {
        endpoint(&self.base, "base_url", segments, query)
    }

    fn get(
        &self,
        ctx: &Ctx,
        segments: &[&str],
        query: &[(&str, &str)],
    ) -> Result<Reply, SourceError> {
        let url = self.url(segments, query)?;
        ctx.http.send(&url, true, ctx.cancel, |c| {
            c.get(url.clone())
                .header("accept", "application/json")
                .bearer_auth(self.key.expose())
        })
    }

    /// A 2xx answer read as `T`; anything else as our error.
    fn read<T: DeserializeOwned>(&self, reply: &Reply) -> Result<T, SourceError> {
        if !reply.is_success() {
            return Err(self.error(reply));
        }
        serde_json::from_str(&reply.body).map_err(|_| {
            SourceError::untrusted(
                "应答不是 Stripe 对象的 JSON",
                "the answer is not a Stripe object in JSON",
                &reply.body,
            )
        })
    }

    /// Stripe's `{error:{type,code,message}}` as our error (§3.1).
    fn error(&self, r: &Reply) -> SourceError {
        let Ok(ApiError { error: e }) = serde_json::from_str::<ApiError>(&r.body) else {
            return r.http_error(&self.base);
        };
        // Stripe masks keys in its messages; mask again in case it did not.
        let message = redact(&e.message.unwrap_or_default(), [&self.key]);
        let code = e.code.or(e.kind).unwrap_or_else(|| r.status.to_string());
        SourceError::named("Stripe", code, message, matches!(r.status, 401 | 403))
    }
}

// ---------------------------------------------------------------- wire

#[derive(Debug, Deserialize)]
struct ApiError {
    error: ErrorBody,
}

#[derive(Debug, Deserialize)]
struct ErrorBody {
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    decline_code: Option<String>,
    #[serde(default)]
    message: Option<String>,
}

/// The fields of a PaymentIntent we read (§3.2).
#[derive(Debug, Deserialize)]
struct Intent {
    id: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    amount: Option<i64>,
    #[serde(default)]
    currency: Option<String>,
    #[serde(default)]
    created: Option<i64>,
    #[serde(default)]
    canceled_at: Option<i64>,
    #[serde(default)]
    cancellation_reason: Option<String>,
    /// A charge ID, or the charge itself when expanded.
    #[serde(default)]
    latest_charge: Option<serde_json::Value>,
    #[serde(default)]
    last_payment_error: Option<ErrorBody>,
    #[serde(default)]
    metadata: BTreeMap<String, serde_json::Value>,
}

#[derive(Debug, Deserialize)]
struct List<T> {
    #[serde(default = "Vec::new")]
    data: Vec<T>,
    #[serde(default)]
    has_more: bool,
}

#[derive(Debug, Deserialize)]
struct Event {
    id: String,
    #[serde(default)]
    created: Option<i64>,
    #[serde(default)]
    pending_webhooks: Option<i64>,
    data: EventData,
}

#[derive(Debug, Deserialize)]
struct EventData {
    object: serde_json::Value,
}

#[derive(Debug, Deserialize)]
struct Refund {
    id: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    amount: Option<i64>,
    #[serde(default)]
    currency: Option<String>,
    #[serde(default)]
    created: Option<i64>,
    #[serde(default)]
    payment_intent: Option<String>,
    #[serde(default)]
    failure_reason: Option<String>,
}

// ---------------------------------------------------------------- tables

/// A PaymentIntent's `status` on our claims (§3.2, §8). A failed attempt
/// sends the intent back to `requires_payment_method` with
/// `last_payment_error` set: that is a failure, not "not paid yet".
pub fn intent_claim(status: &str, has_payment_error: bool) -> Claim {
    match status {
        "requires_payment_method" | "requires_confirmation" if has_payment_error => Claim::Failed,
        "requires_payment_method" | "requires_confirmation" => Claim::Unpaid,
        "requires_action" | "processing" | "requires_capture" => Claim::Processing,
        "succeeded" => Claim::Paid,
        "canceled" => Claim::Closed,
        _ => Claim::Unknown,
    }
}

/// A refund's `status` on our claims (§3.4); `None`: not a stage (a failed
/// or cancelled refund is reported in words only).
pub fn refund_claim(status: &str) -> Option<Claim> {
    match status {
        "succeeded" => Some(Claim::Refunded),
        "pending" | "requires_action" => Some(Claim::RefundPending),
        "failed" | "canceled" => Some(Claim::Unknown),
        _ => None,
    }
}

/// The callback stage from the event's `pending_webhooks` (§3.3).
pub fn callback_claim(pending_webhooks: i64) -> Claim {
    if pending_webhooks > 0 {
        Claim::CallbackPending
    } else {
        Claim::CallbackDelivered
    }
}

/// Minor units in `currency` (Stripe's lower-case code) as a decimal.
pub fn minor_to_decimal(minor: i64, currency: &str) -> Option<Decimal> {
    let c: Currency = currency.trim().to_uppercase().parse().ok()?;
    Some(Decimal::new(minor, c.minor_digits()))
}

fn unix(t: Option<i64>) -> Option<Moment> {
    let t = Utc.timestamp_opt(t?, 0).single()?;
    Some(t.fixed_offset())
}

/// The Search Query Language clause for the order number (quotes and
/// backslashes escaped).
pub fn search_query(order: &str) -> String {
    let escaped = order.replace('\\', "\\\\").replace('\'', "\\'");
    format!("metadata['{ORDER_KEY}']:'{escaped}'")
}

fn observation(
    at: Option<Moment>,
    raw: String,
    claim: Claim,
    amount: Option<Decimal>,
    intent: &str,
    note: String,
) -> Observation {
    Observation {
        at,
        source: SourceKind::Stripe,
        via: Via::Api,
        raw,
        claim,
        amount,
        payment_id: Some(intent.to_owned()),
        note: Some(note),
    }
}

// ---------------------------------------------------------------- query

impl Stripe {
    /// What one intent says, plus its callback and refunds once succeeded.
    fn describe(
        &self,
        ctx: &Ctx,
        client: &Client,
        intent: &Intent,
        note: &str,
    ) -> Result<Vec<Observation>, SourceError> {
        let amount = amount_of(intent);
        let error = intent.last_payment_error.as_ref();
        let claim = intent_claim(&intent.status, error.is_some());
        let mut raw = intent.status.clone();
        let mut note = note.to_owned();
        if let Some(e) = error {
            if let Some(m) = e.message.as_deref().filter(|m| !m.is_empty()) {
                raw = format!("{raw}: {m}");
            }
            let codes: Vec<&str> = [e.code.as_deref(), e.decline_code.as_deref()]
                .into_iter()
                .flatten()
                .collect();
            if !codes.is_empty() {
                note = format!("{note}; last_payment_error {}", codes.join(" / "));
            }
        }
        let at = match claim {
            Claim::Paid => {
                let charge_time = intent
                    .latest_charge
                    .as_ref()
                    .and_then(|c| c.get("created"))
                    .and_then(serde_json::Value::as_i64);
                unix(charge_time.or(intent.created))
            }
            Claim::Closed => {
                if let Some(r) = &intent.cancellation_reason {
                    note = format!("{note}; cancellation_reason {r}");
                }
                unix(intent.canceled_at)
            }
            _ => None,
        };
        let mut out = vec![observation(at, raw, claim, amount, &intent.id, note)];
        if claim == Claim::Paid {
            out.extend(self.callback(ctx, client, intent)?);
            out.extend(self.refunds(ctx, client, intent)?);
        }
        Ok(out)
    }

    /// The `payment_intent.succeeded` event of `intent`, read for its
    /// `pending_webhooks` (§3.3). Bounded: at most [`MAX_EVENT_PAGES`].
    fn callback(
        &self,
        ctx: &Ctx,
        client: &Client,
        intent: &Intent,
    ) -> Result<Vec<Observation>, SourceError> {
        let since = intent.created.map(|c| c.to_string());
        let mut after: Option<String> = None;
        for _ in 0..MAX_EVENT_PAGES {
            let mut query = vec![("type", "payment_intent.succeeded"), ("limit", "100")];
            if let Some(s) = &since {
                query.push(("created[gte]", s));
            }
            if let Some(a) = &after {
                query.push(("starting_after", a));
            }
            let reply = client.get(ctx, &["v1", "events"], &query)?;
            if let Some(o) = unreadable(&reply, "events", &intent.id) {
                return Ok(vec![o]);
            }
            let page: List<Event> = client.read(&reply)?;
            if let Some(e) = page
                .data
                .iter()
                .find(|e| e.data.object.get("id").and_then(|v| v.as_str()) == Some(&intent.id))
            {
                let pending = e.pending_webhooks.unwrap_or(0);
                let created = unix(e.created)
                    .map(|t| t.to_rfc3339())
                    .unwrap_or_else(|| "?".into());
                return Ok(vec![observation(
                    None,
                    format!("pending_webhooks={pending}"),
                    callback_claim(pending),
                    None,
                    &intent.id,
                    format!(
                        "GET /v1/events type=payment_intent.succeeded: event {} created {created}",
                        e.id
                    ),
                )]);
            }
            match page.data.last() {
                Some(last) if page.has_more => after = Some(last.id.clone()),
                _ => break,
            }
        }
        Ok(vec![])
    }

    fn refunds(
        &self,
        ctx: &Ctx,
        client: &Client,
        intent: &Intent,
    ) -> Result<Vec<Observation>, SourceError> {
        let reply = client.get(
            ctx,
            &["v1", "refunds"],
            &[("payment_intent", &intent.id), ("limit", "100")],
        )?;
        if let Some(o) = unreadable(&reply, "refunds", &intent.id) {
            return Ok(vec![o]);
        }
        let list: List<Refund> = client.read(&reply)?;
        let mut out = Vec::new();
        for r in &list.data {
            if r.payment_intent.as_deref().is_some_and(|p| p != intent.id) {
                return Err(SourceError::untrusted(
                    format!("退款 {} 属于另一笔付款", r.id),
                    format!("refund {} belongs to another payment", r.id),
                    &reply.body,
                ));
            }
            let Some(claim) = refund_claim(&r.status) else {
                continue;
            };
            let amount = r
                .amount
                .and_then(|m| minor_to_decimal(m, r.currency.as_deref().unwrap_or_default()));
            let mut raw = format!("refund {}", r.status);
            if let Some(f) = &r.failure_reason {
                raw = format!("{raw}: {f}");
            }
            out.push(observation(
                if claim == Claim::Refunded {
                    unix(r.created)
                } else {
                    None
                },
                raw,
                claim,
                amount,
                &intent.id,
                format!("GET /v1/refunds payment_intent={}: {}", intent.id, r.id),
            ));
        }
        Ok(out)
    }

    fn by_id(&self, ctx: &Ctx, client: &Client, id: &str, due: Option<&Money>) -> Answers {
        let reply = client.get(
            ctx,
            &["v1", "payment_intents", id],
            &[("expand[]", "latest_charge")],
        )?;
        let note = format!("GET /v1/payment_intents/{id}");
        if reply.status == 404 && is_missing(&reply) {
            return Ok(vec![observation(
                None,
                "resource_missing".into(),
                Claim::NotFound,
                None,
                id,
                note,
            )]);
        }
        let intent: Intent = client.read(&reply)?;
        let answer = Guard::new(&reply.body);
        answer.about(id, Some(&intent.id))?;
        same_amount(&answer, &intent, due)?;
        self.describe(ctx, client, &intent, &note)
    }

    fn by_order(
        &self,
        ctx: &Ctx,
        client: &Client,
        case: &Case,
    ) -> Result<Vec<Observation>, SourceError> {
        let order = case.order_id.as_str();
        let query = search_query(order);
        let reply = client.get(
            ctx,
            &["v1", "payment_intents", "search"],
            &[
                ("query", query.as_str()),
                ("limit", "10"),
                ("expand[]", "data.latest_charge"),
            ],
        )?;
        let note = format!("GET /v1/payment_intents/search {ORDER_KEY}={order}");
        let list: List<Intent> = client.read(&reply)?;
        if list.data.is_empty() {
            return Ok(vec![Observation {
                at: None,
                source: SourceKind::Stripe,
                via: Via::Api,
                raw: format!("no PaymentIntent with metadata {ORDER_KEY}={order}"),
                claim: Claim::NotFound,
                amount: None,
                payment_id: None,
                note: Some(format!("{note} (search can lag new payments by a minute)")),
            }]);
        }
        let answer = Guard::new(&reply.body);
        for i in &list.data {
            answer.about_order(order, i.metadata.get(ORDER_KEY).and_then(|v| v.as_str()))?;
        }
        let single = list.data.len() == 1;
        let mut out = Vec::new();
        for i in list.data.iter().take(MAX_INTENTS) {
            same_amount(&answer, i, single.then_some(&case.amount))?;
            out.extend(self.describe(ctx, client, i, &note)?);
        }
        Ok(out)
    }
}

fn amount_of(intent: &Intent) -> Option<Decimal> {
    let currency = intent.currency.as_deref().unwrap_or_default();
    intent.amount.and_then(|m| minor_to_decimal(m, currency))
}

/// An answer for another amount than `due` (in the case's currency) is
/// not used.
fn same_amount(answer: &Guard, intent: &Intent, due: Option<&Money>) -> Result<(), SourceError> {
    let currency = intent.currency.as_deref().unwrap_or_default();
    answer.amount(due, amount_of(intent), currency)?;
    Ok(())
}

/// Whether a 404 is Stripe's `resource_missing` (not a wrong base URL).
fn is_missing(r: &Reply) -> bool {
    serde_json::from_str::<ApiError>(&r.body)
        .is_ok_and(|e| e.error.code.as_deref() == Some("resource_missing"))
}

/// A restricted key that may read intents but not events or refunds: said
/// in words (the intent's answer still counts), not a failure of the whole
/// source.
fn unreadable(r: &Reply, what: &str, intent: &str) -> Option<Observation> {
    (r.status == 403).then(|| {
        observation(
            None,
            format!("{what}: permission denied (403)"),
            Claim::Unknown,
            None,
            intent,
            format!("the key cannot read /v1/{what}; give the restricted key read access to see this stage"),
        )
    })
}

impl Provider for Stripe {
    fn about(&self) -> About {
        About::new("stripe", SourceKind::Stripe, ("Stripe", "Stripe"), FIELDS)
    }

    /// Its payment IDs are given or recognised as Stripe's, or the platform
    /// is a Stripe-paid site (then the order number is searched).
    fn concerns(&self, case: &Case) -> bool {
        case.platform.preset == "stripe_site"
            || case
                .payments
                .iter()
                .any(|p| p.provider == Some(SourceKind::Stripe))
    }

    fn query(&self, ctx: &Ctx, creds: &Credentials, case: &Case) -> Answers {
        let client = Client::new(creds)?;
        let intents: Vec<String> = payment_ids(case, SourceKind::Stripe)
            .into_iter()
            .filter(|id| id.starts_with("pi_"))
            .collect();
        if intents.is_empty() {
            return self.by_order(ctx, &client, case);
        }
        ask_keys(&intents, case, |id, due| self.by_id(ctx, &client, id, due))
    }

    fn test_connection(&self, ctx: &Ctx, creds: &Credentials) -> Result<Bilingual, SourceError> {
        let client = Client::new(creds)?;
        let reply = client.get(ctx, &["v1", "payment_intents"], &[("limit", "1")])?;
        let _: List<serde_json::Value> = client.read(&reply)?;
        let mode = client.mode();
        Ok(Bilingual::new(
            format!("连接正常：密钥可以读取 PaymentIntents（{}）", mode.zh_cn),
            format!("connected: the key can read PaymentIntents ({})", mode.en),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_table() {
        assert_eq!(
            intent_claim("requires_payment_method", false),
            Claim::Unpaid
        );
        assert_eq!(intent_claim("requires_confirmation", false), Claim::Unpaid);
        assert_eq!(
            intent_claim("requires_payment_method", true),
            Claim::Failed,
            "§3.2: a failed attempt returns the intent to requires_payment_method with last_payment_error"
        );
        assert_eq!(intent_claim("requires_action", false), Claim::Processing);
        assert_eq!(intent_claim("processing", false), Claim::Processing);
        assert_eq!(intent_claim("requires_capture", false), Claim::Processing);
        assert_eq!(intent_claim("succeeded", false), Claim::Paid);
        assert_eq!(intent_claim("canceled", false), Claim::Closed);
        assert_eq!(intent_claim("something_new", false), Claim::Unknown);
    }

    #[test]
    fn refund_and_callback_tables() {
        assert_eq!(refund_claim("succeeded"), Some(Claim::Refunded));
        assert_eq!(refund_claim("pending"), Some(Claim::RefundPending));
        assert_eq!(refund_claim("failed"), Some(Claim::Unknown));
        assert_eq!(callback_claim(2), Claim::CallbackPending);
        assert_eq!(callback_claim(0), Claim::CallbackDelivered);
    }

    #[test]
    fn minor_units_follow_the_currency() {
        assert_eq!(minor_to_decimal(2000, "usd"), Some(Decimal::new(2000, 2)));
        assert_eq!(
            minor_to_decimal(500, "jpy"),
            Some(Decimal::new(500, 0)),
            "yen has no minor unit: 500 is ¥500"
        );
        assert_eq!(minor_to_decimal(1, "not a currency"), None);
    }

    #[test]
    fn the_search_clause_escapes_quotes() {
        assert_eq!(search_query("A-1"), "metadata['order_id']:'A-1'");
        assert_eq!(search_query("it's"), "metadata['order_id']:'it\\'s'");
    }

    #[test]
    fn requests_carry_the_key_as_bearer_and_encode_the_query() {
        let mut creds = Credentials::new();
        creds.set("secret_key", Secret::new("sk_test_abc"));
        creds.set("base_url", Secret::new("http://127.0.0.1:9/prefix"));
        let c = Client::new(&creds).unwrap();
        let url = c
            .url(
                &["v1", "payment_intents", "search"],
                &[("query", &search_query("A B"))],
            )
            .unwrap();
        assert_eq!(
            url.as_str(),
            "http://127.0.0.1:9/prefix/v1/payment_intents/search?query=metadata%5B%27order_id%27%5D%3A%27A+B%27"
        );
        assert_eq!(c.mode().en, "test mode");
        let mut pk = Credentials::new();
        pk.set("secret_key", Secret::new("pk_live_x"));
        assert!(matches!(
            Client::new(&pk),
            Err(SourceError::BadSetting { .. })
        ));
    }

    #[test]
    fn errors_map_to_auth_and_provider() {
        let mut creds = Credentials::new();
        creds.set("secret_key", Secret::new("sk_test_abcdef"));
        let c = Client::new(&creds).unwrap();
        let e = c.error(&Reply::new(
            401,
            r#"{"error":{"type":"invalid_request_error","message":"Invalid API Key provided: sk_test_abcdef"}}"#,
        ));
        assert!(matches!(e, SourceError::Auth { .. }), "{e:?}");
        assert!(!e.to_string().contains("sk_test_abcdef"), "{e}");
        let e = c.error(&Reply::new(
            400,
            r#"{"error":{"type":"invalid_request_error","code":"parameter_unknown","message":"x"}}"#,
        ));
        assert!(e.to_string().contains("parameter_unknown"), "{e}");
        assert!(matches!(
            c.error(&Reply::new(502, "<html>")),
            SourceError::Http { status: 502, .. }
        ));
    }
}
