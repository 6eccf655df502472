//! 彩虹易支付 ("epay"), the aggregator card shops put between the buyer's
//! wallet and the shop. Two protocols on the merchant's own gateway:
//!
//! - V1 (most gateways): `GET {base}/api.php?act=order&pid=…&key=…&trade_no=…`
//!   (or `out_trade_no`). The merchant key travels in the URL, so nothing we
//!   show (errors, raw answers, notes) ever carries the URL's query, and the
//!   key is scrubbed from whatever the gateway echoes. `code` 1 = found.
//! - V2: `POST {base}/api/pay/query`, form signed SHA256withRSA with the
//!   merchant private key (sorted non-empty `k=v&…` without `sign` and
//!   `sign_type`); the answer is signed the same way by the platform key and
//!   must be within ±300 s of our clock. `code` 0 = found.
//!
//! Real gateways are loose with types (`"code":"1"` next to `"status":0`,
//! money as a string or a number), read by [`loose_text`]. Facts:
//! reference/providers.md §4.1–4.2.

use std::collections::BTreeMap;

use chrono::Utc;
use rust_decimal::Decimal;
use serde::Deserialize;
use url::Url;

use super::creds::{CredField, Credentials};
use super::error::SourceError;
use super::guard::Guard;
use super::http::{host_of, parse_base};
use super::secret::{Secret, redact};
use super::wire::{beijing, int_claim, is_int, loose_text};
use super::{About, Answers, Asked, Ctx, Provider, ask_each, sign};
use crate::domain::case::Case;
use crate::domain::money::Money;
use crate::domain::observation::{Claim, Observation, SourceKind, Via};
use crate::domain::text::Bilingual;
use crate::domain::time::Moment;

pub struct Epay;

static FIELDS: &[CredField] = &[
    CredField {
        key: "base_url",
        label: ("网关地址", "Gateway URL"),
        secret: false,
        required: true,
        multiline: false,
        default: None,
        hint: (
            "易支付网站的地址，如 https://pay.example.com/（须为 HTTPS：V1 查询会在网址里带上商户密钥）",
            "the epay site's address, e.g. https://pay.example.com/ (HTTPS only: a V1 query carries the merchant key in the URL)",
        ),
    },
    CredField {
        key: "pid",
        label: ("商户 ID", "Merchant ID (pid)"),
        secret: false,
        required: true,
        multiline: false,
        default: None,
        hint: (
            "易支付后台的商户 ID（pid）",
            "your merchant ID (pid) on the epay site",
        ),
    },
    CredField {
        key: "protocol",
        label: ("接口版本", "Protocol"),
        secret: false,
        required: false,
        multiline: false,
        default: Some("v1"),
        hint: (
            "v1（商户密钥，最常见）或 v2（RSA 密钥对）",
            "v1 (merchant key, the common one) or v2 (RSA key pair)",
        ),
    },
    CredField {
        key: "key",
        label: ("商户密钥", "Merchant key"),
        secret: true,
        required: false,
        multiline: false,
        default: None,
        hint: (
            "V1 必填：商户密钥（key）",
            "required for v1: the merchant key",
        ),
    },
    CredField {
        key: "private_key",
        label: ("商户私钥", "Merchant private key"),
        secret: true,
        required: false,
        multiline: true,
        default: None,
        hint: (
            "V2 必填：商户 RSA 私钥（PEM 或一行 base64）",
            "required for v2: the merchant RSA private key (PEM or one-line base64)",
        ),
    },
    CredField {
        key: "platform_public_key",
        label: ("平台公钥", "Platform public key"),
        secret: false,
        required: false,
        multiline: true,
        default: None,
        hint: (
            "V2 必填：验证应答签名的平台公钥",
            "required for v2: the platform public key that verifies answers",
        ),
    },
];

/// The fields of an order answer we read (V1 and V2 alike).
#[derive(Debug, Deserialize, Default)]
struct Answer {
    #[serde(default, deserialize_with = "loose_text")]
    code: Option<String>,
    #[serde(default, deserialize_with = "loose_text")]
    msg: Option<String>,
    #[serde(default, deserialize_with = "loose_text")]
    trade_no: Option<String>,
    #[serde(default, deserialize_with = "loose_text")]
    out_trade_no: Option<String>,
    #[serde(default, deserialize_with = "loose_text")]
    api_trade_no: Option<String>,
    #[serde(default, deserialize_with = "loose_text")]
    pid: Option<String>,
    #[serde(default, rename = "type", deserialize_with = "loose_text")]
    kind: Option<String>,
    #[serde(default, deserialize_with = "loose_text")]
    money: Option<String>,
    #[serde(default, deserialize_with = "loose_text")]
    status: Option<String>,
    #[serde(default, deserialize_with = "loose_text")]
    endtime: Option<String>,
}

/// An order's `status` on our claims (§4.1, §8): 1 paid, 0 not yet.
pub fn status_claim(status: Option<&str>) -> Claim {
    int_claim(status, &[(1, Claim::Paid), (0, Claim::Unpaid)])
}

// ---------------------------------------------------------------- client

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Protocol {
    V1,
    V2,
}

enum Auth {
    Key(Secret),
    Rsa {
        key: Box<rsa::RsaPrivateKey>,
        platform: Box<rsa::RsaPublicKey>,
    },
}

struct Client {
    base: Url,
    pid: String,
    auth: Auth,
    /// The secret values (key, private key), scrubbed from anything the
    /// gateway echoes before it is shown.
    secrets: Vec<Secret>,
}

/// Epay's names for the numbers asked: its own number wins over the
/// merchant's.
const NUMBERS: (&str, &str) = ("trade_no", "out_trade_no");

impl Client {
    fn new(creds: &Credentials) -> Result<Self, SourceError> {
        let field = |k| creds.required_text(k);
        let protocol = match creds
            .text("protocol")
            .unwrap_or("v1")
            .to_lowercase()
            .as_str()
        {
            "v1" | "1" | "md5" => Protocol::V1,
            "v2" | "2" | "rsa" => Protocol::V2,
            other => {
                return Err(SourceError::BadSetting {
                    field: "protocol",
                    reason: format!("{other:?} is neither v1 nor v2"),
                });
            }
        };
        let auth = match protocol {
            Protocol::V1 => Auth::Key(Secret::new(field("key")?)),
            Protocol::V2 => {
                let private = creds.required("private_key")?;
                Auth::Rsa {
                    key: Box::new(sign::private_key("private_key", private)?),
                    platform: Box::new(sign::public_key(
                        "platform_public_key",
                        field("platform_public_key")?,
                    )?),
                }
            }
        };
        Ok(Client {
            base: gateway_base(field("base_url")?)?,
            pid: field("pid")?.to_owned(),
            auth,
            secrets: ["key", "private_key"]
                .iter()
                .filter_map(|k| creds.get(k).cloned())
                .collect(),
        })
    }

    fn protocol(&self) -> Protocol {
        match self.auth {
            Auth::Key(_) => Protocol::V1,
            Auth::Rsa { .. } => Protocol::V2,
        }
    }

    /// Whether the answer's `code` says the order was found (V1: 1, V2: 0).
    fn found(&self, a: &Answer) -> bool {
        let ok = match self.protocol() {
            Protocol::V1 => 1,
            Protocol::V2 => 0,
        };
        is_int(a.code.as_deref(), ok)
    }

    fn scrub(&self, text: &str) -> String {
        redact(text, &self.secrets)
    }

    fn endpoint(&self, path: &str) -> Result<Url, SourceError> {
        self.base.join(path).map_err(|e| SourceError::BadSetting {
            field: "base_url",
            reason: e.to_string(),
        })
    }

    /// Asks for one order; returns the answer checked as far as the
    /// protocol allows (V2: signature and timestamp), the answer's text
    /// with the key scrubbed, and whether a signature was present and
    /// verified (V1 answers are never signed).
    fn ask(&self, ctx: &Ctx, key: &Asked) -> Result<Reply, SourceError> {
        let reply = match &self.auth {
            Auth::Key(k) => {
                let mut url = self.endpoint("api.php")?;
                let (name, value) = key.pair(NUMBERS);
                url.query_pairs_mut()
                    .append_pair("act", "order")
                    .append_pair("pid", &self.pid)
                    .append_pair("key", k.expose())
                    .append_pair(name, value);
                ctx.http.send(&url, true, ctx.cancel, |c| {
                    c.get(url.clone()).header("accept", "application/json")
                })?
            }
            Auth::Rsa { key: private, .. } => {
                let url = self.endpoint("api/pay/query")?;
                let (name, value) = key.pair(NUMBERS);
                ctx.http.send(&url, true, ctx.cancel, |c| {
                    let mut params = BTreeMap::new();
                    params.insert("pid".to_owned(), self.pid.clone());
                    params.insert(name.to_owned(), value.to_owned());
                    params.insert("timestamp".to_owned(), Utc::now().timestamp().to_string());
                    let signature = sign::sign(private, signing_text(&params).as_bytes());
                    params.insert("sign".to_owned(), signature);
                    params.insert("sign_type".to_owned(), "RSA".to_owned());
                    let body = url::form_urlencoded::Serializer::new(String::new())
                        .extend_pairs(params.iter())
                        .finish();
                    c.post(url.clone())
                        .header("accept", "application/json")
                        .header("content-type", "application/x-www-form-urlencoded")
                        .body(body)
                })?
            }
        };
        let text = reply.body.trim_start_matches('\u{feff}');
        // What is shown of the answer never carries the key, even echoed.
        let body = self.scrub(text);
        let parsed = serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(text);
        let Ok(map) = parsed else {
            if !reply.is_success() {
                return Err(reply.http_error(&self.base));
            }
            return Err(SourceError::untrusted(
                "应答不是 JSON（网关地址对吗？）",
                "the answer is not JSON (is the gateway URL right?)",
                &body,
            ));
        };
        let signed = match &self.auth {
            Auth::Rsa { platform, .. } => verify(&map, platform, &body)?,
            Auth::Key(_) => false,
        };
        let answer: Answer =
            serde_json::from_value(serde_json::Value::Object(map)).map_err(|_| {
                SourceError::untrusted("应答的结构不对", "the answer's shape is wrong", &body)
            })?;
        Ok(Reply {
            answer,
            body,
            signed,
        })
    }
}

/// One checked answer.
struct Reply {
    answer: Answer,
    /// The answer's text, the key scrubbed.
    body: String,
    /// A signature was present and verified (V2 only).
    signed: bool,
}

/// A V2 answer: signed by the platform key, fresh; `Ok(true)` when it was.
/// An error answer (`code` ≠ 0) without a signature is let through as
/// `Ok(false)` to be reported as the error it is; it is never read as an
/// order, nor as "no such order".
fn verify(
    map: &serde_json::Map<String, serde_json::Value>,
    platform: &rsa::RsaPublicKey,
    body: &str,
) -> Result<bool, SourceError> {
    let untrusted = |zh: &str, en: &str| SourceError::untrusted(zh, en, body);
    let code = map.get("code").map(scalar_text);
    let Some(signature) = map.get("sign").and_then(|s| s.as_str()) else {
        if !is_int(code.as_deref(), 0) {
            return Ok(false);
        }
        return Err(untrusted("应答没有签名", "the answer is not signed"));
    };
    let text = signing_text(&answer_params(map));
    if !sign::verify(platform, text.as_bytes(), signature) {
        return Err(untrusted(
            "签名验证失败：应答不是用所配置的平台公钥签名的",
            "the signature does not verify with the configured platform public key",
        ));
    }
    let timestamp = map.get("timestamp").map(scalar_text);
    Guard::new(body).fresh(timestamp.as_deref())?;
    Ok(true)
}

/// The gateway's base for relative endpoints: a pasted page address
/// (`…/submit.php`) is cut back to its folder, and the folder ends in `/`.
fn gateway_base(text: &str) -> Result<Url, SourceError> {
    let mut url = parse_base("base_url", text)?;
    url.set_query(None);
    url.set_fragment(None);
    let path = url.path().to_owned();
    let folder = match path.rsplit_once('/') {
        Some((dir, last)) if last.contains('.') => format!("{dir}/"),
        _ if path.ends_with('/') => path,
        _ => format!("{path}/"),
    };
    url.set_path(&folder);
    Ok(url)
}

fn scalar_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// A V2 answer's top-level scalars as text (objects and arrays are not
/// signed).
fn answer_params(map: &serde_json::Map<String, serde_json::Value>) -> BTreeMap<String, String> {
    map.iter()
        .filter(|(_, v)| !v.is_object() && !v.is_array())
        .map(|(k, v)| (k.clone(), scalar_text(v)))
        .collect()
}

/// V2 signing text: sorted non-empty `k=v` joined by `&`, without `sign`
/// and `sign_type` (§4.2).
pub fn signing_text(params: &BTreeMap<String, String>) -> String {
    params
        .iter()
        .filter(|(k, v)| k.as_str() != "sign" && k.as_str() != "sign_type" && !v.is_empty())
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// A refusal, scrubbed of the key (V1 gateways echo what they were sent).
enum Refusal {
    NotFound,
    Error(SourceError),
}

/// What a non-success answer means. Gateways word these freely: a merchant
/// that does not exist or a wrong key is a refusal of our settings; an
/// order that does not exist is an answer.
fn refusal(msg: &str, code: &str) -> Refusal {
    let lower = msg.to_lowercase();
    let missing =
        msg.contains("不存在") || lower.contains("not exist") || lower.contains("not found");
    if missing && (msg.contains("订单") || lower.contains("order")) {
        return Refusal::NotFound;
    }
    let auth = ["密钥", "key", "签名", "sign", "商户", "pid", "merchant"]
        .iter()
        .any(|w| lower.contains(w));
    if missing && !auth {
        return Refusal::NotFound;
    }
    Refusal::Error(SourceError::named("epay", code, msg, auth))
}

fn observation(
    at: Option<Moment>,
    raw: String,
    claim: Claim,
    amount: Option<Decimal>,
    payment: Option<String>,
    note: String,
) -> Observation {
    Observation {
        at,
        source: SourceKind::Epay,
        via: Via::Api,
        raw,
        claim,
        amount,
        payment_id: payment,
        note: Some(note),
    }
}

impl Epay {
    fn query_one(&self, ctx: &Ctx, client: &Client, key: &Asked, due: Option<&Money>) -> Answers {
        let Reply {
            answer: a,
            body,
            signed,
        } = client.ask(ctx, key)?;
        let (name, asked) = key.pair(NUMBERS);
        let note = match client.protocol() {
            Protocol::V1 => format!("api.php act=order {name}={asked}"),
            Protocol::V2 => format!("api/pay/query {name}={asked}"),
        };
        let msg = client.scrub(a.msg.as_deref().unwrap_or_default());
        if !client.found(&a) {
            let code = a.code.clone().unwrap_or_else(|| "?".into());
            return match refusal(&msg, &code) {
                // Only a signed V2 answer may say an order does not exist:
                // an unsigned one could come from anyone on the way.
                Refusal::NotFound if client.protocol() == Protocol::V2 && !signed => {
                    Err(SourceError::untrusted(
                        format!("网关说“{msg}”，但应答没有签名，无法确认"),
                        format!(
                            "the gateway says “{msg}”, but the answer is not signed, so it cannot be trusted"
                        ),
                        &body,
                    ))
                }
                Refusal::NotFound => Ok(vec![observation(
                    None,
                    msg,
                    Claim::NotFound,
                    None,
                    key.payment_id(),
                    note,
                )]),
                Refusal::Error(e) => Err(e),
            };
        }
        let said = key.said(a.trade_no.as_deref(), a.out_trade_no.as_deref());
        // A loose gateway's empty `pid` names no merchant; its money is yuan.
        let pid = a.pid.as_deref().filter(|p| !p.is_empty());
        let amount: Option<Decimal> = a.money.as_deref().and_then(|m| m.parse().ok());
        Guard::new(&body)
            .about(asked, said)?
            .merchant(&client.pid, pid)?
            .amount(due, amount, "CNY")?;
        let claim = status_claim(a.status.as_deref());
        let status = a.status.clone().unwrap_or_default();
        let channel = a.kind.as_deref().filter(|k| !k.is_empty());
        let raw = match (claim, channel) {
            (Claim::Paid, Some(k)) => format!("status {status} (paid, {k})"),
            (Claim::Paid, None) => format!("status {status} (paid)"),
            (Claim::Unpaid, _) => format!("status {status} (unpaid)"),
            _ => format!("status {status}"),
        };
        let mut note = note;
        if let Some(up) = a.api_trade_no.as_deref().filter(|u| !u.is_empty()) {
            note = format!("{note}; upstream trade {up}");
        }
        let at = match claim {
            Claim::Paid => beijing(a.endtime.as_deref()),
            _ => None,
        };
        Ok(vec![observation(
            at,
            raw,
            claim,
            amount,
            a.trade_no.clone(),
            note,
        )])
    }
}

impl Provider for Epay {
    fn about(&self) -> About {
        About::new(
            "epay",
            SourceKind::Epay,
            ("彩虹易支付", "epay (彩虹易支付)"),
            FIELDS,
        )
    }

    /// An epay payment ID, or a card shop (发卡网), which nearly always
    /// takes money through an epay aggregator and sends its order number
    /// as `out_trade_no` (examples/card-shop-epay.toml).
    fn concerns(&self, case: &Case) -> bool {
        case.platform.preset == "card_shop"
            || case
                .payments
                .iter()
                .any(|p| p.provider == Some(SourceKind::Epay))
    }

    fn query(&self, ctx: &Ctx, creds: &Credentials, case: &Case) -> Answers {
        let client = Client::new(creds)?;
        ask_each(case, SourceKind::Epay, |k, due| {
            self.query_one(ctx, &client, k, due)
        })
    }

    fn test_connection(&self, ctx: &Ctx, creds: &Credentials) -> Result<Bilingual, SourceError> {
        let client = Client::new(creds)?;
        let key = Asked::Order("DAOZHANG-CONNECTION-TEST".to_owned());
        let reply = client.ask(ctx, &key)?;
        let a = &reply.answer;
        let msg = client.scrub(a.msg.as_deref().unwrap_or_default());
        if !client.found(a)
            && let Refusal::Error(e) = refusal(&msg, a.code.as_deref().unwrap_or("?"))
        {
            return Err(e);
        }
        let host = host_of(&client.base);
        Ok(match client.protocol() {
            Protocol::V1 => Bilingual::new(
                format!("连接正常：{host} 接受了商户 ID 与密钥"),
                format!("connected: {host} accepted the merchant ID and key"),
            ),
            Protocol::V2 if reply.signed => Bilingual::new(
                format!("连接正常：{host} 接受了请求签名，应答签名已用平台公钥验证"),
                format!(
                    "connected: {host} accepted our signature and its answer verified with the platform public key"
                ),
            ),
            // "No such order" comes unsigned from many gateways: the
            // platform key is not checked until an answer is signed.
            Protocol::V2 => Bilingual::new(
                format!(
                    "连接正常：{host} 接受了请求签名；这次应答没有签名，平台公钥要到查到第一笔订单时才能验证"
                ),
                format!(
                    "connected: {host} accepted our signature; this answer was not signed, so the platform public key is checked only when the first order is found"
                ),
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::sign::tests::keys;

    #[test]
    fn status_table() {
        assert_eq!(status_claim(Some("1")), Claim::Paid);
        assert_eq!(status_claim(Some("0")), Claim::Unpaid);
        assert_eq!(status_claim(Some("2")), Claim::Unknown);
        assert_eq!(status_claim(None), Claim::Unknown);
    }

    #[test]
    fn the_gateway_base_is_a_folder() {
        let b = |t: &str| gateway_base(t).unwrap().to_string();
        assert_eq!(b("https://pay.example.com"), "https://pay.example.com/");
        assert_eq!(
            b("https://pay.example.com/submit.php?x=1"),
            "https://pay.example.com/",
            "a pasted page address is cut back to its folder"
        );
        assert_eq!(b("https://example.com/epay"), "https://example.com/epay/");
        assert!(
            gateway_base("http://pay.example.com/").is_err(),
            "the key would travel in the clear"
        );
    }

    #[test]
    fn v1_errors_are_told_apart() {
        assert!(matches!(refusal("订单号不存在", "-1"), Refusal::NotFound));
        assert!(
            matches!(
                refusal("订单号不存在 (key=[redacted])", "-1"),
                Refusal::NotFound
            ),
            "an echoed request does not turn a missing order into a refused key"
        );
        assert!(matches!(
            refusal("商户不存在", "-3"),
            Refusal::Error(SourceError::Auth { .. })
        ));
        assert!(matches!(
            refusal("KEY校验失败", "-3"),
            Refusal::Error(SourceError::Auth { .. })
        ));
        assert!(matches!(
            refusal("系统繁忙", "0"),
            Refusal::Error(SourceError::Provider { .. })
        ));
    }

    #[test]
    fn v2_signing_text_and_answer_verification() {
        let mut p = BTreeMap::new();
        p.insert("pid".to_owned(), "1001".to_owned());
        p.insert("out_trade_no".to_owned(), "K7".to_owned());
        p.insert("timestamp".to_owned(), "1763700000".to_owned());
        p.insert("sign".to_owned(), "x".to_owned());
        p.insert("sign_type".to_owned(), "RSA".to_owned());
        p.insert("param".to_owned(), String::new());
        assert_eq!(
            signing_text(&p),
            "out_trade_no=K7&pid=1001&timestamp=1763700000",
            "§4.2: sorted, sign and sign_type and empty values out"
        );

        let (private, public) = keys();
        let private = sign::private_key("k", &Secret::new(private.clone())).unwrap();
        let public = sign::public_key("k", public).unwrap();
        let now = Utc::now().timestamp();
        let signed = |timestamp: i64| {
            let mut answer = serde_json::json!({
                "code": 0, "msg": "succ", "trade_no": "2026112110305512345",
                "status": 1, "money": "50.00", "timestamp": timestamp.to_string(), "param": ""
            });
            let text = signing_text(&answer_params(answer.as_object().unwrap()));
            answer["sign"] = sign::sign(&private, text.as_bytes()).into();
            answer["sign_type"] = "RSA".into();
            (answer.as_object().unwrap().clone(), text)
        };
        let (good, text) = signed(now);
        assert!(
            text.starts_with("code=0&money=50.00&msg=succ&status=1"),
            "numbers are signed as their text: {text}"
        );
        assert!(matches!(verify(&good, &public, ""), Ok(true)));
        let mut tampered = good.clone();
        tampered.insert("money".into(), "60.00".into());
        assert!(verify(&tampered, &public, "").is_err());
        let (stale, _) = signed(now - 600);
        assert!(
            verify(&stale, &public, "").is_err(),
            "a correctly signed answer ten minutes old is a replay"
        );
        let mut unsigned_refusal = serde_json::Map::new();
        unsigned_refusal.insert("code".into(), (-1).into());
        unsigned_refusal.insert("msg".into(), "订单不存在".into());
        assert!(
            matches!(verify(&unsigned_refusal, &public, ""), Ok(false)),
            "an unsigned refusal is reported, never read as an order"
        );
    }

    #[test]
    fn v2_needs_its_keys_and_v1_its_key() {
        let mut creds = Credentials::new();
        creds.set("base_url", Secret::new("https://pay.example.com/"));
        creds.set("pid", Secret::new("1001"));
        assert!(matches!(
            Client::new(&creds),
            Err(SourceError::NotConfigured(m)) if m == ["key"]
        ));
        creds.set("protocol", Secret::new("v2"));
        assert!(matches!(
            Client::new(&creds),
            Err(SourceError::NotConfigured(m)) if m == ["private_key"]
        ));
        creds.set("protocol", Secret::new("v3"));
        assert!(matches!(
            Client::new(&creds),
            Err(SourceError::BadSetting {
                field: "protocol",
                ..
            })
        ));
    }
}
