//! PayPal REST: an OAuth2 client-credentials token (`POST
//! /v1/oauth2/token`, HTTP Basic `client_id:secret`), then `GET
//! /v2/checkout/orders/{id}` with `Authorization: Bearer`. An ID that is
//! not an order (the "transaction ID" on a PayPal receipt is a capture) is
//! asked again as `GET /v2/payments/captures/{id}`. The capture's status
//! decides; the order's status only says how far the buyer got when nothing
//! was captured. Facts: reference/providers.md §5.

use std::cell::RefCell;

use chrono::DateTime;
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
use crate::domain::case::{Case, Method};
use crate::domain::money::Money;
use crate::domain::observation::{Claim, Observation, SourceKind, Via};
use crate::domain::text::Bilingual;
use crate::domain::time::Moment;

pub const PRODUCTION: &str = "https://api-m.paypal.com";
pub const SANDBOX: &str = "https://api-m.sandbox.paypal.com";

pub struct Paypal;

static FIELDS: &[CredField] = &[
    CredField {
        key: "client_id",
        label: ("Client ID", "Client ID"),
        secret: false,
        required: true,
        multiline: false,
        default: None,
        hint: (
            "开发者后台 Apps & Credentials 中 REST 应用的 Client ID",
            "the Client ID of your REST app (developer dashboard, Apps & Credentials)",
        ),
    },
    CredField {
        key: "client_secret",
        label: ("Secret", "Secret"),
        secret: true,
        required: true,
        multiline: false,
        default: None,
        hint: ("同一应用的 Secret", "the same app's Secret"),
    },
    CredField {
        key: "base_url",
        label: ("接口地址", "API host"),
        secret: false,
        required: false,
        multiline: false,
        default: Some(PRODUCTION),
        hint: (
            "正式环境留空；沙箱为 https://api-m.sandbox.paypal.com",
            "leave empty for live; sandbox: https://api-m.sandbox.paypal.com",
        ),
    },
];

struct Client {
    client_id: String,
    secret: Secret,
    base: Url,
    /// The access token, fetched once per query and never kept longer.
    token: RefCell<Option<Secret>>,
}

#[derive(Debug, Deserialize)]
struct Token {
    #[serde(default)]
    access_token: Option<String>,
    #[serde(default)]
    app_id: Option<String>,
}

/// `{name, message, debug_id, details}` or, from the token endpoint and
/// for a bad token, OAuth's `{error, error_description}` (§5).
#[derive(Debug, Deserialize, Default)]
struct ApiError {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    debug_id: Option<String>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    error_description: Option<String>,
}

impl Client {
    fn new(creds: &Credentials) -> Result<Self, SourceError> {
        Ok(Client {
            client_id: creds.required_text("client_id")?.to_owned(),
            secret: Secret::new(creds.required_text("client_secret")?),
            base: parse_base("base_url", creds.text("base_url").unwrap_or(PRODUCTION))?,
            token: RefCell::new(None),
        })
    }

    fn sandbox(&self) -> bool {
        self.base.host_str().is_some_and(|h| h.contains("sandbox"))
    }

    fn url(&self, segments: &[&str]) -> Result<Url, SourceError> {
        endpoint(&self.base, "base_url", segments, &[])
    }

    /// Fetches a token unless this query already has one.
    fn token(&self, ctx: &Ctx) -> Result<Secret, SourceError> {
        if let Some(t) = self.token.borrow().as_ref() {
            return Ok(t.clone());
        }
        let (token, _) = self.fetch_token(ctx)?;
        *self.token.borrow_mut() = Some(token.clone());
        Ok(token)
    }

    /// `POST /v1/oauth2/token`; also returns the `app_id` PayPal names.
    fn fetch_token(&self, ctx: &Ctx) -> Result<(Secret, Option<String>), SourceError> {
        let url = self.url(&["v1", "oauth2", "token"])?;
        // Asking for a token changes nothing on PayPal's side: safe to retry.
        let reply = ctx.http.send(&url, true, ctx.cancel, |c| {
            c.post(url.clone())
                .basic_auth(&self.client_id, Some(self.secret.expose()))
                .header("accept", "application/json")
                .header("content-type", "application/x-www-form-urlencoded")
                .body("grant_type=client_credentials")
        })?;
        if !reply.is_success() {
            return Err(self.error(&reply));
        }
        let t: Token = serde_json::from_str(&reply.body).map_err(|_| self.malformed(&reply))?;
        match t.access_token.filter(|t| !t.trim().is_empty()) {
            Some(token) => Ok((Secret::new(token), t.app_id)),
            None => Err(self.malformed(&reply)),
        }
    }

    fn malformed(&self, reply: &Reply) -> SourceError {
        SourceError::untrusted(
            "应答不是 PayPal 的 JSON",
            "the answer is not PayPal's JSON",
            &redact(&reply.body, [&self.secret]),
        )
    }

    fn get(&self, ctx: &Ctx, segments: &[&str]) -> Result<Reply, SourceError> {
        let token = self.token(ctx)?;
        let url = self.url(segments)?;
        ctx.http.send(&url, true, ctx.cancel, |c| {
            c.get(url.clone())
                .header("accept", "application/json")
                .bearer_auth(token.expose())
        })
    }

    fn read<T: DeserializeOwned>(&self, reply: &Reply) -> Result<T, SourceError> {
        if !reply.is_success() {
            return Err(self.error(reply));
        }
        serde_json::from_str(&reply.body).map_err(|_| self.malformed(reply))
    }

    fn error(&self, r: &Reply) -> SourceError {
        let Ok(e) = serde_json::from_str::<ApiError>(&r.body) else {
            return r.http_error(&self.base);
        };
        let code = e
            .name
            .clone()
            .or(e.error.clone())
            .unwrap_or_else(|| r.status.to_string());
        let mut message = e
            .message
            .clone()
            .or(e.error_description.clone())
            .unwrap_or_default();
        if let Some(d) = &e.debug_id {
            message = format!("{message} (debug_id {d})");
        }
        let message = redact(&message, [&self.secret]);
        let refused = r.status == 401 || r.status == 403 || code == "invalid_client";
        if !refused && code.is_empty() && message.is_empty() {
            return r.http_error(&self.base);
        }
        let hint = if refused && !self.sandbox() {
            " — a sandbox app's credentials do not work on the live host (set base_url to the sandbox)"
        } else {
            ""
        };
        SourceError::named("PayPal", code, format!("{message}{hint}"), refused)
    }
}

// ---------------------------------------------------------------- wire

#[derive(Debug, Deserialize)]
struct Order {
    id: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    create_time: Option<String>,
    #[serde(default)]
    purchase_units: Vec<Unit>,
}

#[derive(Debug, Deserialize)]
struct Unit {
    #[serde(default)]
    amount: Option<Amount>,
    #[serde(default)]
    payments: Option<Payments>,
}

#[derive(Debug, Deserialize, Default)]
struct Payments {
    #[serde(default)]
    captures: Vec<Capture>,
    #[serde(default)]
    refunds: Vec<RefundItem>,
}

#[derive(Debug, Deserialize)]
struct Capture {
    id: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    status_details: Option<StatusDetails>,
    #[serde(default)]
    amount: Option<Amount>,
    #[serde(default)]
    create_time: Option<String>,
    #[serde(default)]
    update_time: Option<String>,
}

#[derive(Debug, Deserialize)]
struct RefundItem {
    #[serde(default)]
    status: String,
    #[serde(default)]
    amount: Option<Amount>,
    #[serde(default)]
    create_time: Option<String>,
}

#[derive(Debug, Deserialize)]
struct StatusDetails {
    #[serde(default)]
    reason: Option<String>,
}

#[derive(Debug, Deserialize, Clone)]
struct Amount {
    #[serde(default)]
    currency_code: String,
    #[serde(default)]
    value: String,
}

impl Amount {
    fn decimal(&self) -> Option<Decimal> {
        self.value.trim().parse().ok()
    }
}

// ---------------------------------------------------------------- tables

/// An order's `status` when nothing was captured (§5, §8).
pub fn order_claim(status: &str) -> Claim {
    match status {
        "CREATED" | "SAVED" => Claim::Unpaid,
        "APPROVED" | "PAYER_ACTION_REQUIRED" => Claim::Processing,
        // Completed without a capture: an authorisation not yet captured.
        "COMPLETED" => Claim::Processing,
        "VOIDED" => Claim::Closed,
        _ => Claim::Unknown,
    }
}

/// A capture's `status` (§5). `PARTIALLY_REFUNDED` is a refund that is
/// done for part of the money (the amount says how much).
pub fn capture_claim(status: &str) -> Claim {
    match status {
        "COMPLETED" => Claim::Paid,
        "PENDING" => Claim::Processing,
        "DECLINED" | "FAILED" => Claim::Failed,
        "REFUNDED" | "PARTIALLY_REFUNDED" => Claim::Refunded,
        _ => Claim::Unknown,
    }
}

fn time(t: Option<&str>) -> Option<Moment> {
    DateTime::parse_from_rfc3339(t?.trim()).ok()
}

fn observation(
    at: Option<Moment>,
    raw: String,
    claim: Claim,
    amount: Option<Decimal>,
    payment: &str,
    note: String,
) -> Observation {
    Observation {
        at,
        source: SourceKind::Paypal,
        via: Via::Api,
        raw,
        claim,
        amount,
        payment_id: Some(payment.to_owned()),
        note: Some(note),
    }
}

/// A 17-character PayPal ID (order or capture), as recognised in
/// `data/ids/paypal_order.toml`.
pub fn looks_like_paypal_id(id: &str) -> bool {
    id.len() == 17
        && id
            .bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
        && id.bytes().any(|b| b.is_ascii_digit())
        && id.bytes().any(|b| b.is_ascii_uppercase())
}

/// What the capture says: paid (and refunded) or not.
fn capture_observations(c: &Capture, refunds: &[RefundItem], note: &str) -> Vec<Observation> {
    let claim = capture_claim(&c.status);
    let amount = c.amount.as_ref().and_then(Amount::decimal);
    let reason = c
        .status_details
        .as_ref()
        .and_then(|d| d.reason.clone())
        .filter(|r| !r.is_empty());
    let raw = match &reason {
        Some(r) => format!("capture {} ({r})", c.status),
        None => format!("capture {}", c.status),
    };
    let note = format!("{note}; capture {}", c.id);
    match claim {
        Claim::Refunded => {
            // Paid first, then (part) refunded.
            let refunded: Option<Decimal> = {
                let done: Vec<Decimal> = refunds
                    .iter()
                    .filter(|r| r.status == "COMPLETED")
                    .filter_map(|r| r.amount.as_ref().and_then(Amount::decimal))
                    .collect();
                (!done.is_empty()).then(|| done.iter().sum())
            };
            let partial = c.status == "PARTIALLY_REFUNDED";
            let refunded_at = refunds
                .iter()
                .filter_map(|r| time(r.create_time.as_deref()))
                .max()
                .or_else(|| time(c.update_time.as_deref()));
            vec![
                observation(
                    time(c.create_time.as_deref()),
                    "capture COMPLETED".into(),
                    Claim::Paid,
                    amount,
                    &c.id,
                    note.clone(),
                ),
                observation(
                    refunded_at,
                    raw,
                    Claim::Refunded,
                    if partial {
                        refunded
                    } else {
                        refunded.or(amount)
                    },
                    &c.id,
                    if partial {
                        format!("{note}; only part of the payment was refunded")
                    } else {
                        note
                    },
                ),
            ]
        }
        Claim::Paid => vec![observation(
            time(c.create_time.as_deref()),
            raw,
            claim,
            amount,
            &c.id,
            note,
        )],
        _ => vec![observation(None, raw, claim, amount, &c.id, note)],
    }
}

impl Paypal {
    fn query_one(&self, ctx: &Ctx, client: &Client, id: &str, due: Option<&Money>) -> Answers {
        let reply = client.get(ctx, &["v2", "checkout", "orders", id])?;
        if reply.status == 404 && is_not_found(&reply) {
            return self.capture(ctx, client, id, due);
        }
        let order: Order = client.read(&reply)?;
        let answer = Guard::new(&reply.body);
        answer.about(id, Some(&order.id))?;
        let note = format!("GET /v2/checkout/orders/{id}");
        let mut out = Vec::new();
        let mut any_capture = false;
        for unit in &order.purchase_units {
            if let Some(a) = &unit.amount {
                answer.amount(due, a.decimal(), &a.currency_code)?;
            }
            let payments = unit.payments.as_ref();
            let refunds = payments.map(|p| p.refunds.as_slice()).unwrap_or_default();
            for c in payments.map(|p| p.captures.as_slice()).unwrap_or_default() {
                any_capture = true;
                out.extend(capture_observations(c, refunds, &note));
            }
        }
        if !any_capture {
            let amount = order
                .purchase_units
                .first()
                .and_then(|u| u.amount.as_ref())
                .and_then(Amount::decimal);
            let claim = order_claim(&order.status);
            out.push(Observation {
                at: if claim == Claim::Unpaid {
                    time(order.create_time.as_deref())
                } else {
                    None
                },
                source: SourceKind::Paypal,
                via: Via::Api,
                raw: format!("order {}", order.status),
                claim,
                amount,
                payment_id: Some(order.id.clone()),
                note: Some(note),
            });
        }
        Ok(out)
    }

    /// The ID as a capture (a receipt's "transaction ID").
    fn capture(&self, ctx: &Ctx, client: &Client, id: &str, due: Option<&Money>) -> Answers {
        let reply = client.get(ctx, &["v2", "payments", "captures", id])?;
        if reply.status == 404 && is_not_found(&reply) {
            return Ok(vec![observation(
                None,
                "RESOURCE_NOT_FOUND".into(),
                Claim::NotFound,
                None,
                id,
                format!("GET /v2/checkout/orders/{id} and /v2/payments/captures/{id}"),
            )]);
        }
        let c: Capture = client.read(&reply)?;
        let answer = Guard::new(&reply.body);
        answer.about(id, Some(&c.id))?;
        if let Some(a) = &c.amount {
            answer.amount(due, a.decimal(), &a.currency_code)?;
        }
        Ok(capture_observations(
            &c,
            &[],
            &format!("GET /v2/payments/captures/{id}"),
        ))
    }
}

fn is_not_found(r: &Reply) -> bool {
    serde_json::from_str::<ApiError>(&r.body)
        .is_ok_and(|e| e.name.as_deref() == Some("RESOURCE_NOT_FOUND"))
}

/// The IDs to ask PayPal about: PayPal's payment IDs, else the order
/// number when it has PayPal's shape (a platform that uses PayPal's order
/// ID as its own).
fn ids(case: &Case) -> Vec<String> {
    let ids = payment_ids(case, SourceKind::Paypal);
    if !ids.is_empty() {
        return ids;
    }
    if looks_like_paypal_id(&case.order_id) {
        return vec![case.order_id.clone()];
    }
    Vec::new()
}

impl Provider for Paypal {
    fn about(&self) -> About {
        About::new("paypal", SourceKind::Paypal, ("PayPal", "PayPal"), FIELDS)
    }

    /// Paid with PayPal, or a PayPal payment ID, and an ID to ask about
    /// (PayPal cannot be searched by the platform's order number).
    fn concerns(&self, case: &Case) -> bool {
        let paypal = case.method == Method::Paypal
            || case
                .payments
                .iter()
                .any(|p| p.provider == Some(SourceKind::Paypal));
        paypal && !ids(case).is_empty()
    }

    fn query(&self, ctx: &Ctx, creds: &Credentials, case: &Case) -> Answers {
        let client = Client::new(creds)?;
        ask_keys(&ids(case), case, |id, due| {
            self.query_one(ctx, &client, id, due)
        })
    }

    fn test_connection(&self, ctx: &Ctx, creds: &Credentials) -> Result<Bilingual, SourceError> {
        let client = Client::new(creds)?;
        let (_, app) = client.fetch_token(ctx)?;
        let (zh, en) = if client.sandbox() {
            ("沙箱", "sandbox")
        } else {
            ("正式环境", "live")
        };
        let app = app.map(|a| format!(" ({a})")).unwrap_or_default();
        Ok(Bilingual::new(
            format!("连接正常：PayPal {zh}为此 Client ID 签发了访问令牌{app}"),
            format!("connected: PayPal {en} issued an access token for this Client ID{app}"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_tables() {
        assert_eq!(order_claim("CREATED"), Claim::Unpaid);
        assert_eq!(order_claim("APPROVED"), Claim::Processing);
        assert_eq!(order_claim("PAYER_ACTION_REQUIRED"), Claim::Processing);
        assert_eq!(order_claim("VOIDED"), Claim::Closed);
        assert_eq!(capture_claim("COMPLETED"), Claim::Paid);
        assert_eq!(capture_claim("PENDING"), Claim::Processing);
        assert_eq!(capture_claim("DECLINED"), Claim::Failed);
        assert_eq!(capture_claim("FAILED"), Claim::Failed);
        assert_eq!(capture_claim("REFUNDED"), Claim::Refunded);
        assert_eq!(capture_claim("PARTIALLY_REFUNDED"), Claim::Refunded);
        assert_eq!(capture_claim("NEW_ONE"), Claim::Unknown);
    }

    #[test]
    fn a_refunded_capture_was_paid_first() {
        let c = Capture {
            id: "8MC585209K746392H".into(),
            status: "PARTIALLY_REFUNDED".into(),
            status_details: None,
            amount: Some(Amount {
                currency_code: "USD".into(),
                value: "20.00".into(),
            }),
            create_time: Some("2026-11-21T07:15:00Z".into()),
            update_time: Some("2026-11-22T07:15:00Z".into()),
        };
        let refunds = [RefundItem {
            status: "COMPLETED".into(),
            amount: Some(Amount {
                currency_code: "USD".into(),
                value: "5.00".into(),
            }),
            create_time: Some("2026-11-22T07:15:00Z".into()),
        }];
        let obs = capture_observations(&c, &refunds, "n");
        assert_eq!(obs[0].claim, Claim::Paid);
        assert_eq!(obs[1].claim, Claim::Refunded);
        assert_eq!(
            obs[1].amount,
            Some(Decimal::new(500, 2)),
            "a partial refund says how much came back, not the whole payment"
        );
        assert!(obs[1].note.as_deref().unwrap().contains("part"));
    }

    #[test]
    fn paypal_ids_have_seventeen_upper_case_characters() {
        assert!(looks_like_paypal_id("5O190127TN364715T"));
        assert!(!looks_like_paypal_id("5o190127tn364715t"));
        assert!(!looks_like_paypal_id("12345678901234567"));
        assert!(!looks_like_paypal_id("5O190127TN364715"));
    }

    #[test]
    fn token_and_errors() {
        let mut creds = Credentials::new();
        creds.set("client_id", Secret::new("AbC"));
        creds.set("client_secret", Secret::new("EFGsecretvalue"));
        let c = Client::new(&creds).unwrap();
        let e = c.error(&Reply::new(
            401,
            r#"{"error":"invalid_client","error_description":"Client Authentication failed"}"#,
        ));
        assert!(matches!(e, SourceError::Auth { .. }), "{e:?}");
        assert!(
            e.to_string().contains("sandbox"),
            "names the likely cause: {e}"
        );
        let e = c.error(&Reply::new(
            422,
            r#"{"name":"UNPROCESSABLE_ENTITY","message":"x","debug_id":"d1"}"#,
        ));
        assert!(e.to_string().contains("UNPROCESSABLE_ENTITY"), "{e}");
        assert!(
            e.to_string().contains("d1"),
            "the debug_id is kept for PayPal support: {e}"
        );
    }
}
