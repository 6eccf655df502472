//! WeChat Pay API v3: order query by `transaction_id` or `out_trade_no`.
//! Requests are signed `WECHATPAY2-SHA256-RSA2048` with the merchant API
//! key; every answer must carry a signature (`Wechatpay-*` headers) that
//! verifies with the WeChat Pay public key or platform certificate named by
//! `Wechatpay-Serial`, and a timestamp within 5 minutes
//! ([`super::guard::Guard::fresh`]). Facts:
//! reference/providers.md §2.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Deserialize;
use url::Url;

use super::creds::{CredField, Credentials};
use super::error::SourceError;
use super::guard::Guard;
use super::http::{Reply, endpoint, parse_base};
use super::{About, Answers, Asked, Ctx, Provider, ask_each, concerns_by_method_or_payment, sign};
use crate::domain::case::Case;
use crate::domain::money::Money;
use crate::domain::observation::{Claim, Observation, SourceKind, Via};
use crate::domain::text::Bilingual;

pub const PRODUCTION: &str = "https://api.mch.weixin.qq.com";

pub struct WechatPay;

static FIELDS: &[CredField] = &[
    CredField {
        key: "mchid",
        label: ("商户号", "Merchant ID (mchid)"),
        secret: false,
        required: true,
        multiline: false,
        default: None,
        hint: ("微信支付商户号", "your WeChat Pay merchant number"),
    },
    CredField {
        key: "merchant_serial",
        label: ("商户 API 证书序列号", "Merchant API certificate serial"),
        secret: false,
        required: true,
        multiline: false,
        default: None,
        hint: (
            "商户 API 证书的序列号",
            "the serial number of your merchant API certificate",
        ),
    },
    CredField {
        key: "private_key",
        label: ("商户 API 私钥", "Merchant API private key"),
        secret: true,
        required: true,
        multiline: true,
        default: None,
        hint: (
            "apiclient_key.pem 的内容",
            "the contents of apiclient_key.pem",
        ),
    },
    CredField {
        key: "platform_public_key",
        label: (
            "微信支付公钥或平台证书",
            "WeChat Pay public key or platform certificate",
        ),
        secret: false,
        required: true,
        multiline: true,
        default: None,
        hint: (
            "用于验证应答签名：微信支付公钥（pub_key.pem）或平台证书",
            "verifies WeChat Pay's answers: the WeChat Pay public key (pub_key.pem) or a platform certificate",
        ),
    },
    CredField {
        key: "platform_key_id",
        label: (
            "公钥 ID / 平台证书序列号",
            "Public key ID / certificate serial",
        ),
        secret: false,
        required: false,
        multiline: false,
        default: None,
        hint: (
            "PUB_KEY_ID_ 开头的公钥 ID；填证书时可留空",
            "the PUB_KEY_ID_… of the public key; may be left empty for a certificate",
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
            "留空即 https://api.mch.weixin.qq.com（备用 api2.mch.weixin.qq.com）",
            "leave empty for https://api.mch.weixin.qq.com (backup: api2.mch.weixin.qq.com)",
        ),
    },
];

struct Client {
    mchid: String,
    serial: String,
    key: rsa::RsaPrivateKey,
    platform_key: rsa::RsaPublicKey,
    platform_key_id: String,
    base: Url,
}

impl Client {
    fn new(creds: &Credentials) -> Result<Self, SourceError> {
        let field = |k| creds.required_text(k);
        let platform = field("platform_public_key")?;
        let platform_key_id = match creds.text("platform_key_id") {
            Some(id) => id.to_owned(),
            None => sign::certificate_serial(platform)
                .ok_or(SourceError::NotConfigured(vec!["platform_key_id"]))?,
        };
        Ok(Client {
            mchid: field("mchid")?.to_owned(),
            serial: field("merchant_serial")?.to_owned(),
            key: sign::private_key("private_key", creds.required("private_key")?)?,
            platform_key: sign::public_key("platform_public_key", platform)?,
            platform_key_id,
            base: parse_base("base_url", creds.text("base_url").unwrap_or(PRODUCTION))?,
        })
    }

    /// The `Authorization` header for a request (providers.md §2.2).
    fn authorization(&self, method: &str, url: &Url, body: &str) -> String {
        let timestamp = Utc::now().timestamp();
        let nonce = sign::nonce();
        let message = format!(
            "{method}\n{}\n{timestamp}\n{nonce}\n{body}\n",
            path_and_query(url)
        );
        let signature = sign::sign(&self.key, message.as_bytes());
        format!(
            "WECHATPAY2-SHA256-RSA2048 mchid=\"{}\",nonce_str=\"{nonce}\",timestamp=\"{timestamp}\",serial_no=\"{}\",signature=\"{signature}\"",
            self.mchid, self.serial
        )
    }

    fn get(
        &self,
        ctx: &Ctx,
        segments: &[&str],
        query: &[(&str, &str)],
    ) -> Result<Reply, SourceError> {
        let url = endpoint(&self.base, "base_url", segments, query)?;
        let reply = ctx.http.send(&url, true, ctx.cancel, |c| {
            c.get(url.clone())
                .header("accept", "application/json")
                .header("authorization", self.authorization("GET", &url, ""))
        })?;
        self.verify(&reply)?;
        Ok(reply)
    }

    /// Checks the answer's signature, key and timestamp (§2.4). A 2xx
    /// without a signature is treated as forged.
    fn verify(&self, r: &Reply) -> Result<(), SourceError> {
        let untrusted = |zh: &str, en: &str| SourceError::untrusted(zh, en, &r.body);
        let (Some(ts), Some(nonce), Some(sig), Some(serial)) = (
            r.header("wechatpay-timestamp"),
            r.header("wechatpay-nonce"),
            r.header("wechatpay-signature"),
            r.header("wechatpay-serial"),
        ) else {
            if r.is_success() || r.status == 404 {
                return Err(untrusted("应答没有签名", "the answer is not signed"));
            }
            // An unsigned refusal (401, 5xx) is reported as such, never used.
            return Ok(());
        };
        if !serial.trim().eq_ignore_ascii_case(&self.platform_key_id) {
            return Err(untrusted(
                &format!("应答由未配置的密钥 {serial} 签名"),
                &format!("the answer is signed with key {serial}, which is not the configured one"),
            ));
        }
        if !sign::verify(
            &self.platform_key,
            format!("{ts}\n{nonce}\n{}\n", r.body).as_bytes(),
            sig,
        ) {
            return Err(untrusted(
                "签名验证失败：应答不是用所配置的微信支付公钥签名的",
                "the signature does not verify with the configured WeChat Pay key",
            ));
        }
        Guard::new(&r.body).fresh(Some(ts))?;
        Ok(())
    }
}

fn path_and_query(url: &Url) -> String {
    match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_owned(),
    }
}

#[derive(Debug, Deserialize)]
struct ApiError {
    #[serde(default)]
    code: String,
    #[serde(default)]
    message: String,
}

/// The fields of a Transaction we read (§2.3).
#[derive(Debug, Deserialize)]
struct Transaction {
    #[serde(default)]
    mchid: Option<String>,
    #[serde(default)]
    out_trade_no: Option<String>,
    #[serde(default)]
    transaction_id: Option<String>,
    #[serde(default)]
    trade_state: Option<String>,
    #[serde(default)]
    trade_state_desc: Option<String>,
    #[serde(default)]
    success_time: Option<String>,
    #[serde(default)]
    amount: Option<Amount>,
}

#[derive(Debug, Deserialize)]
struct Amount {
    #[serde(default)]
    total: Option<i64>,
    #[serde(default)]
    currency: Option<String>,
}

/// WeChat Pay's `trade_state` on our claims (§2.3, §8).
pub fn trade_claim(state: &str) -> Claim {
    match state {
        "SUCCESS" => Claim::Paid,
        "REFUND" => Claim::RefundPending,
        "NOTPAY" => Claim::Unpaid,
        "CLOSED" | "REVOKED" => Claim::Closed,
        "USERPAYING" | "ACCEPT" => Claim::Processing,
        "PAYERROR" => Claim::Failed,
        _ => Claim::Unknown,
    }
}

fn error_of(r: &Reply, base: &Url) -> SourceError {
    match serde_json::from_str::<ApiError>(&r.body) {
        Ok(e) if !e.code.is_empty() => {
            let refused = matches!(
                (r.status, e.code.as_str()),
                (401 | 403, _) | (_, "SIGN_ERROR" | "NO_AUTH")
            );
            SourceError::named("WeChat Pay", e.code, e.message, refused)
        }
        _ => r.http_error(base),
    }
}

impl WechatPay {
    fn query_one(&self, ctx: &Ctx, client: &Client, key: &Asked, due: Option<&Money>) -> Answers {
        let (label, asked) = key.pair(("transaction_id", "out_trade_no"));
        let route = match key {
            Asked::Payment(_) => "id",
            Asked::Order(_) => "out-trade-no",
        };
        let segments = ["v3", "pay", "transactions", route, asked];
        let reply = client.get(ctx, &segments, &[("mchid", &client.mchid)])?;
        let note = format!("GET /v3/pay/transactions {label}={asked}");
        let payment = key.payment_id();
        if reply.status == 404 {
            return match serde_json::from_str::<ApiError>(&reply.body) {
                Ok(e) if e.code == "ORDER_NOT_EXIST" || e.code == "RESOURCE_NOT_EXISTS" => {
                    Ok(vec![Observation {
                        at: None,
                        source: SourceKind::WechatPay,
                        via: Via::Api,
                        raw: e.code,
                        claim: Claim::NotFound,
                        amount: None,
                        payment_id: payment,
                        note: Some(note),
                    }])
                }
                _ => Err(error_of(&reply, &client.base)),
            };
        }
        if !reply.is_success() {
            return Err(error_of(&reply, &client.base));
        }
        let t: Transaction = serde_json::from_str(&reply.body).map_err(|_| {
            SourceError::untrusted(
                "应答不是订单 JSON",
                "the answer is not an order in JSON",
                &reply.body,
            )
        })?;
        let said = key.said(t.transaction_id.as_deref(), t.out_trade_no.as_deref());
        let amount = t.amount.as_ref();
        let fen = amount.and_then(|a| a.total);
        let currency = amount.and_then(|a| a.currency.as_deref()).unwrap_or("CNY");
        let amount = fen.map(|fen| Decimal::new(fen, 2));
        Guard::new(&reply.body)
            .about(asked, said)?
            .merchant(&client.mchid, t.mchid.as_deref())?
            .amount(due, amount, currency)?;
        let state = t.trade_state.clone().unwrap_or_default();
        let words = match t.trade_state_desc.as_deref() {
            Some(d) if !d.is_empty() => format!("{state} {d}"),
            _ => state.clone(),
        };
        let success_time = t
            .success_time
            .as_deref()
            .and_then(|s| DateTime::parse_from_rfc3339(s.trim()).ok());
        let make = |at, raw: String, claim| Observation {
            at,
            source: SourceKind::WechatPay,
            via: Via::Api,
            raw,
            claim,
            amount,
            payment_id: t.transaction_id.clone().or(payment.clone()),
            note: Some(note.clone()),
        };
        let claim = trade_claim(&state);
        let mut out = Vec::new();
        if claim == Claim::RefundPending && success_time.is_some() {
            // 转入退款: it was paid first, at success_time (its own words).
            let when = t.success_time.as_deref().unwrap_or_default().trim();
            out.push(make(
                success_time,
                format!("success_time {when}"),
                Claim::Paid,
            ));
        }
        out.push(make(
            if claim == Claim::Paid {
                success_time
            } else {
                None
            },
            words,
            claim,
        ));
        Ok(out)
    }
}

impl Provider for WechatPay {
    fn about(&self) -> About {
        About::new(
            "wechat_pay",
            SourceKind::WechatPay,
            ("微信支付", "WeChat Pay"),
            FIELDS,
        )
    }

    fn concerns(&self, case: &Case) -> bool {
        concerns_by_method_or_payment(case, SourceKind::WechatPay)
    }

    fn query(&self, ctx: &Ctx, creds: &Credentials, case: &Case) -> Answers {
        let client = Client::new(creds)?;
        ask_each(case, SourceKind::WechatPay, |k, due| {
            self.query_one(ctx, &client, k, due)
        })
    }

    fn test_connection(&self, ctx: &Ctx, creds: &Credentials) -> Result<Bilingual, SourceError> {
        let client = Client::new(creds)?;
        let reply = client.get(
            ctx,
            &[
                "v3",
                "pay",
                "transactions",
                "out-trade-no",
                "DAOZHANG-CONNECTION-TEST",
            ],
            &[("mchid", &client.mchid)],
        )?;
        match reply.status {
            200..=299 | 404 => Ok(Bilingual::new(
                format!("连接正常：{} 接受了请求签名，应答签名已验证", client.base),
                format!(
                    "connected: {} accepted our signature and its answer's signature verified",
                    client.base
                ),
            )),
            _ => Err(error_of(&reply, &client.base)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_table() {
        assert_eq!(trade_claim("SUCCESS"), Claim::Paid);
        assert_eq!(trade_claim("NOTPAY"), Claim::Unpaid);
        assert_eq!(trade_claim("CLOSED"), Claim::Closed);
        assert_eq!(trade_claim("REVOKED"), Claim::Closed);
        assert_eq!(trade_claim("USERPAYING"), Claim::Processing);
        assert_eq!(trade_claim("PAYERROR"), Claim::Failed);
        assert_eq!(trade_claim("REFUND"), Claim::RefundPending);
    }

    #[test]
    fn the_signed_url_keeps_the_query() {
        let u = Url::parse(
            "https://api.mch.weixin.qq.com/v3/pay/transactions/id/4200?mchid=1230000109",
        )
        .unwrap();
        assert_eq!(
            path_and_query(&u),
            "/v3/pay/transactions/id/4200?mchid=1230000109"
        );
    }
}
