//! Alipay Open Platform, OpenAPI v2 gateway: `alipay.trade.query` and
//! `alipay.trade.fastpay.refund.query`. RSA2 request signing (every
//! parameter but `sign`, `sign_type` included, sorted, `k=v&…`, unencoded);
//! the response is verified over the raw text of its `…_response` node with
//! the Alipay public key. Facts: reference/providers.md §1.

use std::collections::BTreeMap;

use chrono::Utc;
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::value::RawValue;
use url::Url;

use super::creds::{CredField, Credentials};
use super::error::SourceError;
use super::guard::Guard;
use super::http::parse_base;
use super::wire::beijing;
use super::{About, Answers, Asked, Ctx, Provider, ask_each, concerns_by_method_or_payment, sign};
use crate::domain::case::Case;
use crate::domain::money::Money;
use crate::domain::observation::{Claim, Observation, SourceKind, Via};
use crate::domain::text::Bilingual;
use crate::domain::time::{Moment, china};

pub const PRODUCTION: &str = "https://openapi.alipay.com/gateway.do";
pub const SANDBOX: &str = "https://openapi-sandbox.dl.alipaydev.com/gateway.do";

pub struct Alipay;

static FIELDS: &[CredField] = &[
    CredField {
        key: "app_id",
        label: ("应用 APPID", "App ID"),
        secret: false,
        required: true,
        multiline: false,
        default: None,
        hint: (
            "开放平台应用的 APPID",
            "the APPID of your Open Platform app",
        ),
    },
    CredField {
        key: "private_key",
        label: ("应用私钥", "App private key"),
        secret: true,
        required: true,
        multiline: true,
        default: None,
        hint: (
            "RSA2 应用私钥（PEM 或密钥工具生成的一行 base64）",
            "the RSA2 app private key (PEM, or the one-line base64 the key tool prints)",
        ),
    },
    CredField {
        key: "alipay_public_key",
        label: ("支付宝公钥", "Alipay public key"),
        secret: false,
        required: true,
        multiline: true,
        default: None,
        hint: (
            "用于验证支付宝应答签名的「支付宝公钥」，不是应用公钥",
            "the “Alipay public key” that verifies Alipay's answers (not your app public key)",
        ),
    },
    CredField {
        key: "gateway",
        label: ("网关", "Gateway"),
        secret: false,
        required: false,
        multiline: false,
        default: Some(PRODUCTION),
        hint: (
            "正式环境留空；沙箱为 https://openapi-sandbox.dl.alipaydev.com/gateway.do",
            "leave empty for production; sandbox: https://openapi-sandbox.dl.alipaydev.com/gateway.do",
        ),
    },
];

/// Alipay's names for the numbers asked: its trade number wins over the
/// merchant's.
const NUMBERS: (&str, &str) = ("trade_no", "out_trade_no");

/// `biz_content` asking about `key`.
fn biz(key: &Asked) -> serde_json::Value {
    let (name, number) = key.pair(NUMBERS);
    let mut biz = serde_json::Map::new();
    biz.insert(name.to_owned(), number.into());
    serde_json::Value::Object(biz)
}

/// A configured client.
struct Client {
    app_id: String,
    key: rsa::RsaPrivateKey,
    alipay_key: rsa::RsaPublicKey,
    gateway: Url,
}

impl Client {
    fn new(creds: &Credentials) -> Result<Self, SourceError> {
        let app_id = creds.required_text("app_id")?.to_owned();
        let key = sign::private_key("private_key", creds.required("private_key")?)?;
        let alipay_public = creds.required_text("alipay_public_key")?;
        let alipay_key = sign::public_key("alipay_public_key", alipay_public)?;
        let gateway = parse_base("gateway", creds.text("gateway").unwrap_or(PRODUCTION))?;
        Ok(Client {
            app_id,
            key,
            alipay_key,
            gateway,
        })
    }

    /// The signed form of one call (providers.md §1.2–1.3).
    fn form(&self, method: &str, biz: &serde_json::Value) -> Vec<(String, String)> {
        let timestamp = Utc::now()
            .with_timezone(&china())
            .format("%Y-%m-%d %H:%M:%S")
            .to_string();
        let mut params: BTreeMap<&str, String> = BTreeMap::new();
        params.insert("app_id", self.app_id.clone());
        params.insert("method", method.to_owned());
        params.insert("format", "JSON".to_owned());
        params.insert("charset", "utf-8".to_owned());
        params.insert("sign_type", "RSA2".to_owned());
        params.insert("timestamp", timestamp);
        params.insert("version", "1.0".to_owned());
        params.insert("biz_content", biz.to_string());
        let signature = sign::sign(&self.key, signing_text(&params).as_bytes());
        let mut out: Vec<(String, String)> =
            params.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
        out.push(("sign".to_owned(), signature));
        out
    }

    /// Calls `method` and returns its verified response node.
    fn call(&self, ctx: &Ctx, method: &str, biz: &serde_json::Value) -> Result<Node, SourceError> {
        let reply = ctx.http.send(&self.gateway, true, ctx.cancel, |c| {
            let body = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(self.form(method, biz))
                .finish();
            c.post(self.gateway.clone())
                .header(
                    "content-type",
                    "application/x-www-form-urlencoded;charset=utf-8",
                )
                .body(body)
        })?;
        if !reply.is_success() {
            return Err(reply.http_error(&self.gateway));
        }
        verify(&reply.body, method, &self.alipay_key)
    }
}

/// `k=v&k=v` over the sorted, non-empty parameters but `sign`.
pub fn signing_text(params: &BTreeMap<&str, String>) -> String {
    params
        .iter()
        .filter(|(k, v)| **k != "sign" && !v.is_empty())
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// A response node whose signature verified (or a gateway refusal, which
/// Alipay does not sign).
#[derive(Debug)]
struct Node {
    raw: String,
    head: Head,
    /// Whether this is a gateway-level `error_response`.
    gateway_error: bool,
    /// Whether a signature was present and verified: only a signed node
    /// may become an observation or a "verified" connection test.
    signed: bool,
}

#[derive(Debug, Deserialize, Default)]
struct Head {
    #[serde(default)]
    code: String,
    #[serde(default)]
    msg: String,
    #[serde(default)]
    sub_code: Option<String>,
    #[serde(default)]
    sub_msg: Option<String>,
}

/// Finds the `<method>_response` node, verifies `sign` over its exact text
/// (providers.md §1.5).
fn verify(body: &str, method: &str, key: &rsa::RsaPublicKey) -> Result<Node, SourceError> {
    let malformed = |why_zh: &str, why_en: &str| SourceError::untrusted(why_zh, why_en, body);
    let envelope: BTreeMap<String, &RawValue> = serde_json::from_str(body)
        .map_err(|_| malformed("应答不是 JSON", "the answer is not JSON"))?;
    let name = format!("{}_response", method.replace('.', "_"));
    let sign = envelope
        .get("sign")
        .and_then(|v| serde_json::from_str::<String>(v.get()).ok());
    let (node, gateway_error) = match (envelope.get(&name), envelope.get("error_response")) {
        (Some(n), _) => (*n, false),
        (None, Some(e)) => (*e, true),
        (None, None) => {
            return Err(malformed(
                &format!("应答中没有 {name}"),
                &format!("the answer has no {name}"),
            ));
        }
    };
    let raw = node.get().to_owned();
    let head: Head = serde_json::from_str(&raw)
        .map_err(|_| malformed("应答的结构不对", "the answer's shape is wrong"))?;
    let signed = match sign {
        Some(s) if sign::verify(key, raw.as_bytes(), &s) => true,
        Some(_) => {
            return Err(malformed(
                "签名验证失败：应答不是用所配置的支付宝公钥签名的",
                "the signature does not verify with the configured Alipay public key",
            ));
        }
        // Gateway refusals (bad app id, bad signature) carry no sign.
        None if head.code != "10000" && (gateway_error || is_refusal(&head)) => false,
        None => {
            return Err(malformed("应答没有签名", "the answer is not signed"));
        }
    };
    Ok(Node {
        raw,
        head,
        gateway_error,
        signed,
    })
}

fn is_refusal(h: &Head) -> bool {
    matches!(h.code.as_str(), "20001" | "40002" | "40006")
        && h.sub_code
            .as_deref()
            .is_some_and(|s| s.starts_with("isv.") || s.starts_with("aop."))
}

/// Turns a non-success code into our error (providers.md §1.4).
fn refusal(h: &Head) -> SourceError {
    let sub = h.sub_code.clone().unwrap_or_default();
    let message = h
        .sub_msg
        .clone()
        .filter(|m| !m.is_empty())
        .unwrap_or_else(|| h.msg.clone());
    let code = if sub.is_empty() {
        h.code.clone()
    } else {
        format!("{} {sub}", h.code)
    };
    let hint = match sub.as_str() {
        "isv.invalid-app-id" => {
            " — the App ID is unknown to this gateway (a sandbox App ID on the production gateway, or the reverse?)"
        }
        "isv.invalid-signature" => {
            " — the app private key does not match the app public key uploaded to Alipay"
        }
        "isv.missing-signature" | "isv.missing-signature-type" => " — the request was not signed",
        _ => "",
    };
    let refused = match h.code.as_str() {
        "20001" | "40006" => true,
        "40002" => sub.starts_with("isv.invalid-app") || sub.contains("signature"),
        _ => false,
    };
    SourceError::named("Alipay", code, format!("{message}{hint}"), refused)
}

/// The fields of `alipay.trade.query`'s answer we read (§1.4).
#[derive(Debug, Deserialize)]
struct Trade {
    #[serde(default)]
    trade_no: Option<String>,
    #[serde(default)]
    out_trade_no: Option<String>,
    #[serde(default)]
    trade_status: Option<String>,
    #[serde(default)]
    total_amount: Option<String>,
    #[serde(default)]
    send_pay_date: Option<String>,
}

/// `alipay.trade.fastpay.refund.query` (§1.6).
#[derive(Debug, Deserialize)]
struct Refund {
    #[serde(default)]
    refund_status: Option<String>,
    #[serde(default)]
    refund_amount: Option<String>,
    #[serde(default)]
    gmt_refund_pay: Option<String>,
}

/// Alipay's trade status words on our claims (§1.4, §8).
pub fn trade_claim(status: &str) -> Claim {
    match status {
        "TRADE_SUCCESS" | "TRADE_FINISHED" => Claim::Paid,
        "WAIT_BUYER_PAY" => Claim::Unpaid,
        "TRADE_CLOSED" => Claim::Closed,
        _ => Claim::Unknown,
    }
}

fn yuan(s: Option<&str>) -> Option<Decimal> {
    s?.trim().parse().ok()
}

fn observation(
    at: Option<Moment>,
    raw: &str,
    claim: Claim,
    amount: Option<Decimal>,
    payment: Option<String>,
    note: String,
) -> Observation {
    Observation {
        at,
        source: SourceKind::Alipay,
        via: Via::Api,
        raw: raw.to_owned(),
        claim,
        amount,
        payment_id: payment,
        note: Some(note),
    }
}

impl Alipay {
    fn query_one(&self, ctx: &Ctx, client: &Client, key: &Asked, due: Option<&Money>) -> Answers {
        let node = client.call(ctx, "alipay.trade.query", &biz(key))?;
        let (name, number) = key.pair(NUMBERS);
        let note = format!("alipay.trade.query {name}={number}");
        if node.head.code != "10000" {
            if node.head.sub_code.as_deref() == Some("ACQ.TRADE_NOT_EXIST")
                && node.signed
                && !node.gateway_error
            {
                return Ok(vec![observation(
                    None,
                    "ACQ.TRADE_NOT_EXIST",
                    Claim::NotFound,
                    None,
                    key.payment_id(),
                    note,
                )]);
            }
            return Err(refusal(&node.head));
        }
        let t: Trade = serde_json::from_str(&node.raw).map_err(|_| {
            SourceError::untrusted(
                "交易字段无法读取",
                "the trade fields cannot be read",
                &node.raw,
            )
        })?;
        // An answer about another trade, or another amount, is not used.
        let said = key.said(t.trade_no.as_deref(), t.out_trade_no.as_deref());
        let amount = yuan(t.total_amount.as_deref());
        // Alipay's trades are in yuan.
        Guard::new(&node.raw)
            .about(key.number(), said)?
            .amount(due, amount, "CNY")?;
        let status = t.trade_status.clone().unwrap_or_default();
        let paid_at = beijing(t.send_pay_date.as_deref());
        let claim = trade_claim(&status);
        let mut out = vec![observation(
            if claim == Claim::Paid { paid_at } else { None },
            &status,
            claim,
            amount,
            t.trade_no.clone(),
            note,
        )];
        if status == "TRADE_CLOSED" && paid_at.is_some() {
            // Paid, then closed: a full refund (§1.4). Ask for the refund.
            out[0].at = None;
            out.insert(
                0,
                observation(
                    paid_at,
                    &format!(
                        "send_pay_date {}",
                        t.send_pay_date.as_deref().unwrap_or_default().trim()
                    ),
                    Claim::Paid,
                    amount,
                    t.trade_no.clone(),
                    "alipay.trade.query send_pay_date".to_owned(),
                ),
            );
            // The trade's verified answer stands even if the refund query
            // cannot be made; only a cancel stops the whole source.
            match self.refund(ctx, client, &t) {
                Ok(refund) => out.extend(refund),
                Err(SourceError::Cancelled) => return Err(SourceError::Cancelled),
                Err(e) => tracing::warn!("alipay refund query failed: {e}"),
            }
        }
        Ok(out)
    }

    fn refund(
        &self,
        ctx: &Ctx,
        client: &Client,
        t: &Trade,
    ) -> Result<Vec<Observation>, SourceError> {
        let Some(out_trade_no) = t.out_trade_no.clone() else {
            return Ok(vec![]);
        };
        let mut biz =
            serde_json::json!({ "out_request_no": out_trade_no, "out_trade_no": out_trade_no });
        if let Some(n) = &t.trade_no {
            biz["trade_no"] = serde_json::Value::String(n.clone());
        }
        let node = client.call(ctx, "alipay.trade.fastpay.refund.query", &biz)?;
        if node.head.code != "10000" {
            return Err(refusal(&node.head));
        }
        let r: Refund = serde_json::from_str(&node.raw).map_err(|_| {
            SourceError::untrusted(
                "退款字段无法读取",
                "the refund fields cannot be read",
                &node.raw,
            )
        })?;
        let note = format!("alipay.trade.fastpay.refund.query out_request_no={out_trade_no}");
        Ok(match r.refund_status.as_deref() {
            Some("REFUND_SUCCESS") => vec![observation(
                beijing(r.gmt_refund_pay.as_deref()),
                "REFUND_SUCCESS",
                Claim::Refunded,
                yuan(r.refund_amount.as_deref()),
                t.trade_no.clone(),
                note,
            )],
            _ => vec![],
        })
    }
}

impl Provider for Alipay {
    fn about(&self) -> About {
        About::new("alipay", SourceKind::Alipay, ("支付宝", "Alipay"), FIELDS)
    }

    fn concerns(&self, case: &Case) -> bool {
        concerns_by_method_or_payment(case, SourceKind::Alipay)
    }

    fn query(&self, ctx: &Ctx, creds: &Credentials, case: &Case) -> Answers {
        let client = Client::new(creds)?;
        ask_each(case, SourceKind::Alipay, |k, due| {
            self.query_one(ctx, &client, k, due)
        })
    }

    fn test_connection(&self, ctx: &Ctx, creds: &Credentials) -> Result<Bilingual, SourceError> {
        let client = Client::new(creds)?;
        let key = Asked::Order("DAOZHANG-CONNECTION-TEST".to_owned());
        let node = client.call(ctx, "alipay.trade.query", &biz(&key))?;
        match (node.head.code.as_str(), node.head.sub_code.as_deref()) {
            ("10000", _) | ("40004", Some("ACQ.TRADE_NOT_EXIST")) if !node.signed => {
                Err(SourceError::untrusted(
                    "应答没有签名：无法确认它来自支付宝",
                    "the answer is not signed, so it cannot be shown to come from Alipay",
                    &node.raw,
                ))
            }
            ("10000", _) | ("40004", Some("ACQ.TRADE_NOT_EXIST")) => Ok(Bilingual::new(
                format!(
                    "连接正常：{} 接受了请求签名，应答签名已用支付宝公钥验证",
                    client.gateway
                ),
                format!(
                    "connected: {} accepted our signature and its answer verified with the Alipay public key",
                    client.gateway
                ),
            )),
            _ => Err(refusal(&node.head)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::secret::Secret;
    use crate::sources::sign::tests::keys;

    fn signed(node: &str, sign_with: &rsa::RsaPrivateKey) -> String {
        let s = sign::sign(sign_with, node.as_bytes());
        format!("{{\"alipay_trade_query_response\":{node},\"sign\":\"{s}\"}}")
    }

    fn pair() -> (rsa::RsaPrivateKey, rsa::RsaPublicKey) {
        let (private, public) = keys();
        (
            sign::private_key("k", &Secret::new(private.clone())).unwrap(),
            sign::public_key("k", public).unwrap(),
        )
    }

    #[test]
    fn the_signing_text_keeps_sign_type_and_drops_sign_and_empties() {
        let mut p = BTreeMap::new();
        p.insert("sign_type", "RSA2".to_owned());
        p.insert("app_id", "2021".to_owned());
        p.insert("sign", "xxx".to_owned());
        p.insert("notify_url", String::new());
        p.insert("biz_content", "{\"trade_no\":\"1\"}".to_owned());
        assert_eq!(
            signing_text(&p),
            "app_id=2021&biz_content={\"trade_no\":\"1\"}&sign_type=RSA2",
            "providers.md §1.3: sorted, unencoded, sign_type in, sign and empty values out"
        );
    }

    #[test]
    fn the_signature_covers_the_node_exactly_as_sent() {
        let (private, public) = pair();
        // Spacing that a re-serialisation would change.
        let node = r#"{"code":"10000", "msg":"Success","trade_no":"1","total_amount":"200.00"}"#;
        assert!(verify(&signed(node, &private), "alipay.trade.query", &public).is_ok());
        let tampered = signed(node, &private).replace("200.00", "201.00");
        let e = verify(&tampered, "alipay.trade.query", &public).unwrap_err();
        assert!(e.raw().is_some(), "the raw answer is kept: {e}");
    }

    #[test]
    fn only_a_verified_signature_marks_a_node_signed() {
        let (private, public) = pair();
        let node = r#"{"code":"40004","msg":"Business Failed","sub_code":"ACQ.TRADE_NOT_EXIST","sub_msg":"交易不存在"}"#;
        let signed_node = verify(&signed(node, &private), "alipay.trade.query", &public).unwrap();
        assert!(signed_node.signed && !signed_node.gateway_error);
        // The same words, unsigned, as an `error_response`: let through to
        // be reported, never "no such trade" nor a verified connection.
        let unsigned = format!("{{\"error_response\":{node}}}");
        let n = verify(&unsigned, "alipay.trade.query", &public).unwrap();
        assert!(!n.signed, "{n:?}");
    }

    #[test]
    fn a_gateway_refusal_is_unsigned_and_names_the_cause() {
        let (_, public) = pair();
        let body = r#"{"error_response":{"code":"40002","msg":"Invalid Arguments","sub_code":"isv.invalid-app-id","sub_msg":"无效的AppID参数"}}"#;
        let node = verify(body, "alipay.trade.query", &public).unwrap();
        let e = refusal(&node.head);
        assert!(matches!(e, SourceError::Auth { .. }), "{e:?}");
        assert!(e.to_string().contains("sandbox"), "{e}");
    }

    #[test]
    fn status_table() {
        assert_eq!(trade_claim("TRADE_SUCCESS"), Claim::Paid);
        assert_eq!(trade_claim("TRADE_FINISHED"), Claim::Paid);
        assert_eq!(trade_claim("WAIT_BUYER_PAY"), Claim::Unpaid);
        assert_eq!(trade_claim("TRADE_CLOSED"), Claim::Closed);
        assert_eq!(trade_claim("SOMETHING_NEW"), Claim::Unknown);
    }
}
