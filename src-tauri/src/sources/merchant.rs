//! A platform's own order API, described by its owner: a URL template, an
//! optional auth header, and JSON pointers to the status (and optionally
//! the order number, time and amount) in the answer; lists of status words
//! say which mean delivered, paid, pending, failed or refunded. For a
//! merchant (or a support desk) whose shop has an order lookup; a shopper
//! has no such access and never sees this source unless it is set up
//! ([`Provider::optional`]).

use rust_decimal::Decimal;
use url::Url;

use super::creds::{CredField, Credentials};
use super::error::SourceError;
use super::guard::Guard;
use super::http::{Reply, check_url, host_of};
use super::secret::{Secret, redact};
use super::{About, Answers, Ctx, Provider, wire};
use crate::domain::case::Case;
use crate::domain::observation::{Claim, Observation, SourceKind, Via};
use crate::domain::text::Bilingual;
use crate::domain::time::{Moment, parse_moment};

pub const CREDITED: &str = "credited,delivered,completed,success,已到账,已完成";
pub const PAID: &str = "paid,已支付,待发货";
pub const PENDING: &str = "pending,processing,unpaid,待支付,处理中";
pub const FAILED: &str = "failed,fail,closed,cancelled,canceled,expired,失败,已关闭,已取消";
pub const REFUNDED: &str = "refunded,已退款";

pub struct Merchant;

const fn plain(
    key: &'static str,
    label: (&'static str, &'static str),
    required: bool,
    default: Option<&'static str>,
    hint: (&'static str, &'static str),
) -> CredField {
    CredField {
        key,
        label,
        secret: false,
        required,
        multiline: false,
        default,
        hint,
    }
}

static FIELDS: &[CredField] = &[
    plain(
        "url_template",
        ("查询网址模板", "URL template"),
        true,
        None,
        (
            "如 https://api.shop.example/orders/{order_id}；可用 {order_id}、{payment_id}",
            "e.g. https://api.shop.example/orders/{order_id}; placeholders {order_id}, {payment_id}",
        ),
    ),
    plain(
        "auth_header",
        ("认证头名称", "Auth header"),
        false,
        Some("Authorization"),
        ("留空即 Authorization", "leave empty for Authorization"),
    ),
    CredField {
        key: "auth_value",
        label: ("认证头的值", "Auth header value"),
        secret: true,
        required: false,
        multiline: false,
        default: None,
        hint: (
            "如 Bearer …；接口不需要认证时留空",
            "e.g. Bearer …; leave empty if the API needs none",
        ),
    },
    plain(
        "status_pointer",
        ("状态字段", "Status pointer"),
        true,
        None,
        (
            "应答 JSON 中状态的位置，如 /data/status（也可写 data.status）",
            "where the status is in the JSON answer, e.g. /data/status (or data.status)",
        ),
    ),
    plain(
        "order_pointer",
        ("订单号字段", "Order number pointer"),
        false,
        None,
        (
            "可选：应答中订单号的位置；填了就核对应答说的是这笔订单",
            "optional: where the order number is; when set, the answer must be about this order",
        ),
    ),
    plain(
        "time_pointer",
        ("时间字段", "Time pointer"),
        false,
        None,
        (
            "可选：状态时间的位置（如 2026-11-21 15:15、RFC 3339 或 Unix 时间戳）",
            "optional: where the status time is (2026-11-21 15:15, RFC 3339 or a Unix timestamp)",
        ),
    ),
    plain(
        "amount_pointer",
        ("金额字段", "Amount pointer"),
        false,
        None,
        (
            "可选：金额的位置（元，不是分）；与订单金额不符的应答不采用",
            "optional: where the amount is (in units, not cents); an answer for another amount is not used",
        ),
    ),
    plain(
        "credited_values",
        ("表示已到账的状态", "Statuses meaning delivered"),
        false,
        Some(CREDITED),
        ("逗号分隔，不分大小写", "comma-separated, any case"),
    ),
    plain(
        "paid_values",
        (
            "表示已收款、未发放的状态",
            "Statuses meaning paid, not yet delivered",
        ),
        false,
        Some(PAID),
        ("逗号分隔", "comma-separated"),
    ),
    plain(
        "pending_values",
        ("表示处理中的状态", "Statuses meaning pending"),
        false,
        Some(PENDING),
        ("逗号分隔", "comma-separated"),
    ),
    plain(
        "failed_values",
        ("表示失败的状态", "Statuses meaning failed"),
        false,
        Some(FAILED),
        ("逗号分隔", "comma-separated"),
    ),
    plain(
        "refunded_values",
        ("表示已退款的状态", "Statuses meaning refunded"),
        false,
        Some(REFUNDED),
        ("逗号分隔", "comma-separated"),
    ),
];

/// A JSON pointer as given: `/data/status`, or `data.status` for people who
/// write paths with dots.
pub fn pointer(text: &str) -> String {
    let t = text.trim();
    if t.is_empty() || t.starts_with('/') {
        t.to_owned()
    } else {
        format!("/{}", t.replace('.', "/"))
    }
}

fn list(text: &str) -> Vec<String> {
    text.split([',', '，', '\n'])
        .map(|w| w.trim().to_lowercase())
        .filter(|w| !w.is_empty())
        .collect()
}

/// The configured profile.
struct Profile {
    template: String,
    header: reqwest::header::HeaderName,
    auth: Option<Secret>,
    status: String,
    order: Option<String>,
    time: Option<String>,
    amount: Option<String>,
    /// Word lists, in the order they are tried.
    words: Vec<(Claim, Vec<String>)>,
}

impl Profile {
    fn new(creds: &Credentials) -> Result<Self, SourceError> {
        let value = |k: &str| {
            let f = FIELDS
                .iter()
                .find(|f| f.key == k)
                .expect("a merchant field");
            creds.value(f).map(str::to_owned)
        };
        let template =
            value("url_template").ok_or(SourceError::NotConfigured(vec!["url_template"]))?;
        if !template.contains("{order_id}") && !template.contains("{payment_id}") {
            return Err(SourceError::BadSetting {
                field: "url_template",
                reason:
                    "must contain {order_id} or {payment_id}, or every order gets the same answer"
                        .into(),
            });
        }
        let header_name = value("auth_header").unwrap_or_else(|| "Authorization".into());
        let header = reqwest::header::HeaderName::from_bytes(header_name.trim().as_bytes())
            .map_err(|_| SourceError::BadSetting {
                field: "auth_header",
                reason: format!("{header_name:?} is not an HTTP header name"),
            })?;
        let status = pointer(
            &value("status_pointer").ok_or(SourceError::NotConfigured(vec!["status_pointer"]))?,
        );
        let opt = |k: &str| value(k).map(|p| pointer(&p)).filter(|p| !p.is_empty());
        let words = [
            (Claim::Credited, "credited_values", CREDITED),
            (Claim::Refunded, "refunded_values", REFUNDED),
            (Claim::Failed, "failed_values", FAILED),
            (Claim::Paid, "paid_values", PAID),
            (Claim::Processing, "pending_values", PENDING),
        ]
        .into_iter()
        .map(|(c, k, d)| (c, list(&value(k).unwrap_or_else(|| d.to_owned()))))
        .collect();
        Ok(Profile {
            template,
            header,
            auth: creds.get("auth_value").cloned(),
            status,
            order: opt("order_pointer"),
            time: opt("time_pointer"),
            amount: opt("amount_pointer"),
            words,
        })
    }

    /// The template filled in (values percent-encoded) and checked.
    fn url(&self, order_id: &str, payment_id: Option<&str>) -> Result<Url, SourceError> {
        let enc = |v: &str| url::form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>();
        // `.` and `..` are left as they are by any encoding the URL parser
        // accepts, and would move the template's path (`/orders/..` is `/`).
        for (name, v) in [("order number", Some(order_id)), ("payment ID", payment_id)] {
            if let Some(v) = v
                && matches!(v.trim(), "." | "..")
            {
                return Err(SourceError::BadSetting {
                    field: "url_template",
                    reason: format!(
                        "the {name} {v:?} would change the template's path, so it is not asked"
                    ),
                });
            }
        }
        let mut text = self.template.replace("{order_id}", &enc(order_id));
        if text.contains("{payment_id}") {
            let p = payment_id.ok_or_else(|| SourceError::BadSetting {
                field: "url_template",
                reason: "uses {payment_id}, and this case has no payment ID".into(),
            })?;
            text = text.replace("{payment_id}", &enc(p));
        }
        let url = Url::parse(text.trim()).map_err(|e| SourceError::BadSetting {
            field: "url_template",
            reason: format!("not a URL once filled in ({e})"),
        })?;
        check_url(&url)?;
        Ok(url)
    }

    fn get(&self, ctx: &Ctx, url: &Url) -> Result<Reply, SourceError> {
        ctx.http.send(url, true, ctx.cancel, |c| {
            let mut r = c.get(url.clone()).header("accept", "application/json");
            if let Some(a) = &self.auth
                && let Ok(mut v) = reqwest::header::HeaderValue::from_str(a.expose().trim())
            {
                v.set_sensitive(true);
                r = r.header(self.header.clone(), v);
            }
            r
        })
    }

    fn scrub(&self, text: &str) -> String {
        redact(text, self.auth.iter())
    }

    /// A status word on our claims; `Unknown` when no list has it.
    fn claim(&self, status: &str) -> Claim {
        let s = status.trim().to_lowercase();
        self.words
            .iter()
            .find(|(_, words)| words.contains(&s))
            .map_or(Claim::Unknown, |(c, _)| *c)
    }
}

/// A scalar at `pointer` as text; `None` when missing, null or not a
/// scalar.
fn scalar(doc: &serde_json::Value, pointer: &str) -> Option<String> {
    wire::scalar(doc.pointer(pointer)?)
}

/// A time as platforms write it: text in the case's zone (or with an
/// offset), or Unix seconds / milliseconds.
fn time_of(text: &str, case: &Case) -> Option<Moment> {
    if let Ok(n) = text.trim().parse::<i64>() {
        let secs = if n > 100_000_000_000 { n / 1000 } else { n };
        return chrono::DateTime::from_timestamp(secs, 0).map(|t| t.with_timezone(&case.zone()));
    }
    parse_moment(text, case.zone(), None)
}

impl Provider for Merchant {
    fn about(&self) -> About {
        About::new(
            "merchant",
            SourceKind::Platform,
            ("平台订单接口", "platform order API"),
            FIELDS,
        )
    }

    fn check_label(&self) -> Bilingual {
        Bilingual::new("平台自己的订单接口", "the platform's own order API")
    }

    fn optional(&self) -> bool {
        true
    }

    /// Any case: the profile is the user's own, for their own platform.
    fn concerns(&self, _case: &Case) -> bool {
        true
    }

    fn query(&self, ctx: &Ctx, creds: &Credentials, case: &Case) -> Answers {
        let profile = Profile::new(creds)?;
        let payment = case.payments.first().map(|p| p.id.as_str());
        let url = profile.url(&case.order_id, payment)?;
        let reply = profile.get(ctx, &url)?;
        let host = host_of(&url);
        let body = profile.scrub(&reply.body);
        match reply.status {
            200..=299 => {}
            401 | 403 => {
                return Err(SourceError::Auth {
                    provider: host,
                    code: reply.status.to_string(),
                    message: "the auth header was refused".into(),
                });
            }
            status => return Err(SourceError::Http { host, status }),
        }
        let untrusted = |zh: String, en: String| SourceError::untrusted(zh, en, &body);
        let doc: serde_json::Value =
            serde_json::from_str(reply.body.trim_start_matches('\u{feff}'))
                .map_err(|_| untrusted("应答不是 JSON".into(), "the answer is not JSON".into()))?;
        let status = scalar(&doc, &profile.status).ok_or_else(|| {
            untrusted(
                format!("应答中 {} 处没有状态", profile.status),
                format!("the answer has no status at {}", profile.status),
            )
        })?;
        let answer = Guard::new(&body);
        if let Some(p) = &profile.order {
            answer.about_order(&case.order_id, scalar(&doc, p).as_deref())?;
        }
        let amount = match &profile.amount {
            None => None,
            Some(p) => {
                let text = scalar(&doc, p).ok_or_else(|| {
                    untrusted(
                        format!("应答中 {p} 处没有金额"),
                        format!("the answer has no amount at {p}"),
                    )
                })?;
                let a: Decimal = text.parse().map_err(|_| {
                    untrusted(
                        format!("{p} 处的 {text} 不是金额"),
                        format!("{text} at {p} is not an amount"),
                    )
                })?;
                // The profile names no currency: the amount is the order's.
                let currency = case.amount.currency.code();
                answer.amount(Some(&case.amount), Some(a), currency)?;
                Some(a)
            }
        };
        let at = profile
            .time
            .as_ref()
            .and_then(|p| scalar(&doc, p))
            .and_then(|t| time_of(&t, case));
        let claim = profile.claim(&status);
        Ok(vec![Observation {
            at,
            source: SourceKind::Platform,
            via: Via::Api,
            raw: status,
            claim,
            amount,
            payment_id: None,
            note: Some(format!("GET {host}{} {}", url.path(), profile.status)),
        }])
    }

    fn test_connection(&self, ctx: &Ctx, creds: &Credentials) -> Result<Bilingual, SourceError> {
        let profile = Profile::new(creds)?;
        let url = profile.url("DAOZHANG-CONNECTION-TEST", Some("DAOZHANG-CONNECTION-TEST"))?;
        let reply = profile.get(ctx, &url)?;
        let host = host_of(&url);
        match reply.status {
            401 | 403 => Err(SourceError::Auth {
                provider: host,
                code: reply.status.to_string(),
                message: "the auth header was refused".into(),
            }),
            s @ (200..=299 | 404) => Ok(Bilingual::new(
                format!("连接正常：{host} 接受了认证（测试订单号得到 HTTP {s}）"),
                format!(
                    "connected: {host} accepted the credentials (HTTP {s} for a test order number)"
                ),
            )),
            status => Err(SourceError::Http { host, status }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(extra: &[(&str, &str)]) -> Profile {
        let mut c = Credentials::new();
        c.set(
            "url_template",
            Secret::new("https://api.shop.example/orders/{order_id}?p={payment_id}"),
        );
        c.set("status_pointer", Secret::new("data.status"));
        for (k, v) in extra {
            c.set(k, Secret::new(*v));
        }
        Profile::new(&c).unwrap()
    }

    #[test]
    fn pointers_may_be_written_with_dots() {
        assert_eq!(pointer("/data/status"), "/data/status");
        assert_eq!(pointer("data.status"), "/data/status");
        assert_eq!(pointer("status"), "/status");
    }

    #[test]
    fn the_template_is_filled_with_encoded_ids() {
        let p = profile(&[]);
        let u = p.url("A/1#2", Some("pi_1")).unwrap();
        assert_eq!(
            u.as_str(),
            "https://api.shop.example/orders/A%2F1%232?p=pi_1",
            "an ID cannot change the path or cut the query"
        );
        assert!(
            p.url("A", None).is_err(),
            "{{payment_id}} without a payment"
        );
        for dots in [".", ".."] {
            assert!(
                p.url(dots, Some("pi_1")).is_err() && p.url("A", Some(dots)).is_err(),
                "{dots:?} cannot move the path"
            );
        }
    }

    #[test]
    fn a_template_without_placeholders_is_refused() {
        let mut c = Credentials::new();
        c.set(
            "url_template",
            Secret::new("https://api.shop.example/orders"),
        );
        c.set("status_pointer", Secret::new("/status"));
        assert!(matches!(
            Profile::new(&c),
            Err(SourceError::BadSetting {
                field: "url_template",
                ..
            })
        ));
    }

    #[test]
    fn status_words_by_list() {
        let p = profile(&[]);
        assert_eq!(p.claim("Delivered"), Claim::Credited);
        assert_eq!(p.claim("已完成"), Claim::Credited);
        assert_eq!(p.claim("paid"), Claim::Paid);
        assert_eq!(p.claim("PROCESSING"), Claim::Processing);
        assert_eq!(p.claim("cancelled"), Claim::Failed);
        assert_eq!(p.claim("refunded"), Claim::Refunded);
        assert_eq!(p.claim("shipped?"), Claim::Unknown);
        let own = profile(&[("credited_values", "4, done"), ("failed_values", "5，6")]);
        assert_eq!(own.claim("4"), Claim::Credited, "numeric codes work too");
        assert_eq!(own.claim("6"), Claim::Failed, "full-width commas split too");
        assert_eq!(
            own.claim("completed"),
            Claim::Unknown,
            "a given list replaces the default"
        );
    }

    #[test]
    fn scalars_and_times() {
        let doc = serde_json::json!({"data": {"status": 4, "at": 1763709312, "ms": 1763709312000_i64, "obj": {}}});
        assert_eq!(scalar(&doc, "/data/status").as_deref(), Some("4"));
        assert_eq!(scalar(&doc, "/data/obj"), None);
        assert_eq!(scalar(&doc, "/data/none"), None);
        let case = crate::domain::case::parse_case_toml(
            "platform = \"other\"\nplatform_name = \"x\"\norder_id = \"A1\"\namount = \"1.00\"\nmethod = \"alipay\"\nsubmitted_at = \"2026-11-21 15:14\"\n",
        )
        .unwrap();
        let s = time_of("1763709312", &case).unwrap();
        assert_eq!(time_of("1763709312000", &case), Some(s), "milliseconds too");
        assert_eq!(s.offset(), &case.zone(), "shown in the case's zone");
        assert!(time_of("2026-11-21 15:15", &case).is_some());
    }
}
