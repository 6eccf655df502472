//! 独角数卡 (dujiaoka), the card shop itself: its public, shopper-facing
//! order lookup needs no credentials, only the shop's address.
//!
//! - `GET {shop}/check-order-status/{order_sn}` (JSON): `400001` expired
//!   (also said of an order the shop does not know), `400000` waiting for
//!   payment, `200` any status after payment — the shop has recorded the
//!   payment, i.e. the aggregator's callback arrived.
//! - `GET {shop}/detail-order-sn/{order_sn}` (HTML): the order page, whose
//!   status badge (待支付 待处理 处理中 已完成 失败 异常 已过期 已退款) says
//!   whether the card key was delivered. It is the page `POST
//!   search-order-by-sn` renders, without that form's CSRF token. Read
//!   only when the page names the order; a theme we cannot read adds
//!   nothing rather than a guess.
//!
//! Facts: reference/providers.md §4.3 (`OrderController.php`,
//! `routes/common/web.php`, `resources/lang/zh_CN/order.php`).

use std::sync::LazyLock;

use regex::Regex;
use serde::Deserialize;
use url::Url;

use super::creds::{CredField, Credentials};
use super::error::SourceError;
use super::http::{Reply, endpoint, host_of, parse_base};
use super::wire::{int_claim, loose_text};
use super::{About, Answers, Ctx, Provider};
use crate::domain::case::Case;
use crate::domain::observation::{Claim, Observation, SourceKind, Via};
use crate::domain::text::Bilingual;

pub struct Dujiaoka;

static FIELDS: &[CredField] = &[CredField {
    key: "shop_url",
    label: ("店铺网址", "Shop URL"),
    secret: false,
    required: true,
    multiline: false,
    default: None,
    hint: (
        "发卡网首页地址，如 https://shop.example.com/（无需任何密钥）",
        "the card shop's home page, e.g. https://shop.example.com/ (no key needed)",
    ),
}];

/// Whether `id` has the shape of a dujiaoka `order_sn`: 16 upper-case
/// letters and digits, not all digits (`strtoupper(Str::random(16))`,
/// `data/ids/dujiaoka_order_sn.toml`).
pub fn looks_like_order_sn(id: &str) -> bool {
    id.len() == 16
        && id
            .bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
        && id.bytes().any(|b| b.is_ascii_uppercase())
}

/// `check-order-status`'s code on our claims, for the shop (a platform).
pub fn check_claim(code: Option<&str>) -> Claim {
    int_claim(
        code,
        &[
            (200, Claim::Paid),
            (400000, Claim::Unpaid),
            (400001, Claim::Closed),
        ],
    )
}

/// The order page's status words on our claims (order statuses of
/// `app/Models/Order.php`, in the shop's Chinese and English wording).
pub fn page_claim(words: &str) -> Claim {
    let w = words.trim().to_lowercase();
    match w.as_str() {
        "待支付" | "wait pay" | "wait for pay" | "pending payment" => Claim::Unpaid,
        "待处理" | "处理中" | "pending" | "processing" => Claim::Processing,
        "已完成" | "completed" => Claim::Credited,
        "失败" | "处理失败" | "异常" | "failure" | "failed" | "abnormal" => Claim::Failed,
        "已过期" | "过期" | "expired" => Claim::Closed,
        "已退款" | "refunded" => Claim::Refunded,
        _ => Claim::Unknown,
    }
}

#[derive(Debug, Deserialize)]
struct Check {
    #[serde(default, deserialize_with = "loose_text")]
    code: Option<String>,
    #[serde(default, deserialize_with = "loose_text")]
    msg: Option<String>,
}

static TAG: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?s)<[^>]*>").expect("tag regex"));
static STATUS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?:订单状态|order status)\s*[:：]?\s*(待支付|待处理|处理中|已完成|处理失败|失败|异常|已过期|过期|已退款|wait pay|pending|processing|completed|failure|failed|abnormal|expired|refunded)",
    )
    .expect("status regex")
});

/// The status words on an order page, when the page is about `order_sn`.
pub fn page_status(html: &str, order_sn: &str) -> Option<String> {
    let text = TAG.replace_all(html, " ");
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if !text.contains(order_sn) {
        return None;
    }
    STATUS
        .captures(&text)
        .and_then(|c| c.get(1))
        .map(|m| m.as_str().to_owned())
}

fn shop(creds: &Credentials) -> Result<Url, SourceError> {
    let mut url = parse_base("shop_url", creds.required_text("shop_url")?)?;
    url.set_query(None);
    url.set_fragment(None);
    Ok(url)
}

fn page(base: &Url, route: &str, order_sn: &str) -> Result<Url, SourceError> {
    endpoint(base, "shop_url", &[route, order_sn], &[])
}

fn get(ctx: &Ctx, url: &Url, accept: &str) -> Result<Reply, SourceError> {
    ctx.http.send(url, true, ctx.cancel, |c| {
        c.get(url.clone()).header("accept", accept)
    })
}

fn observation(raw: String, claim: Claim, note: String) -> Observation {
    Observation {
        at: None,
        source: SourceKind::Platform,
        via: Via::Api,
        raw,
        claim,
        amount: None,
        payment_id: None,
        note: Some(note),
    }
}

/// `check-order-status`: the shop's word on payment.
fn check(ctx: &Ctx, base: &Url, order_sn: &str) -> Result<Observation, SourceError> {
    let url = page(base, "check-order-status", order_sn)?;
    let reply = get(ctx, &url, "application/json")?;
    let note = format!("GET /check-order-status/{order_sn}");
    let parsed = serde_json::from_str::<Check>(reply.body.trim_start_matches('\u{feff}'));
    let check = match parsed {
        Ok(c) if c.code.is_some() => c,
        _ if !reply.is_success() => return Err(reply.http_error(base)),
        _ => {
            return Err(SourceError::untrusted(
                "应答不是独角数卡的订单状态（店铺网址对吗？）",
                "the answer is not a dujiaoka order status (is the shop URL right?)",
                &reply.body,
            ));
        }
    };
    let claim = check_claim(check.code.as_deref());
    let code = check.code.clone().unwrap_or_default();
    let msg = check.msg.clone().unwrap_or_default();
    if claim == Claim::Unknown {
        return Err(SourceError::Provider {
            provider: "dujiaoka".into(),
            code,
            message: msg,
        });
    }
    let note = if claim == Claim::Closed {
        format!("{note} (the shop says the same of an order it does not know)")
    } else {
        note
    };
    Ok(observation(format!("{code} {msg}"), claim, note))
}

impl Provider for Dujiaoka {
    fn about(&self) -> About {
        About::new(
            "dujiaoka",
            SourceKind::Platform,
            ("独角数卡店铺", "dujiaoka shop"),
            FIELDS,
        )
    }

    fn check_label(&self) -> Bilingual {
        Bilingual::new("独角数卡店铺订单查询", "dujiaoka shop order lookup")
    }

    fn not_set_up(&self) -> Bilingual {
        Bilingual::new(
            "未填写店铺网址：填上发卡网的网址即可查询这笔订单（无需密钥）",
            "no shop URL set: enter the card shop's address to look this order up (no key needed)",
        )
    }

    /// The order number has the shape of a dujiaoka `order_sn` (a case does
    /// not carry the shop's address; a check without one says so).
    fn concerns(&self, case: &Case) -> bool {
        looks_like_order_sn(&case.order_id)
    }

    fn query(&self, ctx: &Ctx, creds: &Credentials, case: &Case) -> Answers {
        let base = shop(creds)?;
        let order_sn = case.order_id.as_str();
        let mut out = vec![check(ctx, &base, order_sn)?];
        // The order page is a refinement: a page we cannot fetch or read
        // takes nothing away from the status answer.
        let url = page(&base, "detail-order-sn", order_sn)?;
        if let Ok(reply) = get(ctx, &url, "text/html")
            && reply.is_success()
            && let Some(words) = page_status(&reply.body, order_sn)
        {
            out.push(observation(
                words.clone(),
                page_claim(&words),
                format!("GET /detail-order-sn/{order_sn} (order page)"),
            ));
        }
        Ok(out)
    }

    fn test_connection(&self, ctx: &Ctx, creds: &Credentials) -> Result<Bilingual, SourceError> {
        let base = shop(creds)?;
        check(ctx, &base, "DAOZHANGTEST0000")?;
        Ok(Bilingual::new(
            format!("连接正常：{} 回答了独角数卡的订单状态查询", host_of(&base)),
            format!(
                "connected: {} answers dujiaoka's order status lookup",
                host_of(&base)
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_sn_shape() {
        assert!(looks_like_order_sn("K7M2Q9XW4T8B1N5D"));
        assert!(looks_like_order_sn("ABCDEFGHJKLMNPQR"));
        assert!(
            !looks_like_order_sn("k7m2q9xw4t8b1n5d"),
            "order_sn is upper-cased"
        );
        assert!(!looks_like_order_sn("1234567890123456"), "digits only");
        assert!(!looks_like_order_sn("K7M2Q9XW4T8B1N5"));
    }

    #[test]
    fn status_tables() {
        assert_eq!(check_claim(Some("200")), Claim::Paid);
        assert_eq!(check_claim(Some("400000")), Claim::Unpaid);
        assert_eq!(check_claim(Some("400001")), Claim::Closed);
        assert_eq!(check_claim(Some("500")), Claim::Unknown);
        assert_eq!(page_claim("已完成"), Claim::Credited);
        assert_eq!(page_claim("待处理"), Claim::Processing);
        assert_eq!(page_claim("处理中"), Claim::Processing);
        assert_eq!(page_claim("失败"), Claim::Failed);
        assert_eq!(page_claim("异常"), Claim::Failed);
        assert_eq!(page_claim("已过期"), Claim::Closed);
        assert_eq!(page_claim("待支付"), Claim::Unpaid);
        assert_eq!(page_claim("Completed"), Claim::Credited);
    }

    #[test]
    fn the_order_page_is_read_through_its_markup() {
        // The unicorn theme's layout (orderinfo.blade.php).
        let html = r#"<h5><small class="text-muted">订单号：K7M2Q9XW4T8B1N5D</small></h5>
            <div class="mb-1"><label>订单状态：</label>
            <span class="badge bg-info">待处理</span></div>"#;
        assert_eq!(
            page_status(html, "K7M2Q9XW4T8B1N5D").as_deref(),
            Some("待处理")
        );
        // The luna theme: a <strong> label, the badge on its own lines.
        let luna = "<li><strong>订单号:</strong> K7M2Q9XW4T8B1N5D</li><li><strong>订单状态:</strong> <!---->\n  <span class=\"small-tips\">\n    已完成\n  </span></li>";
        assert_eq!(
            page_status(luna, "K7M2Q9XW4T8B1N5D").as_deref(),
            Some("已完成")
        );
        assert_eq!(
            page_status(html, "OTHERORDER000000"),
            None,
            "a page about another order says nothing about ours"
        );
        assert_eq!(page_status("<p>订单不存在</p>", "K7M2Q9XW4T8B1N5D"), None);
    }
}
