//! The checks every provider makes before it uses an answer: that the
//! answer is about the number asked, for the merchant asked, and for the
//! amount asked, and (where the protocol signs a time) that it is fresh.
//! Each provider reads its own wire format (trade numbers,
//! `mchid` / `pid`, yuan / fen / minor units) and hands the guard what the
//! answer said, already converted; the guard compares and words the refusal
//! once, as a [`SourceError::Untrusted`] that keeps the raw answer.
//!
//! ```text
//! Guard::new(&body)
//!     .about(asked, said_number)?
//!     .merchant(&client.mchid, said_mchid)?
//!     .amount(check_amount.then_some(&case.amount), said_amount, "CNY")?;
//! ```

use chrono::Utc;
use rust_decimal::Decimal;

use super::error::SourceError;
use crate::domain::money::Money;

/// A signed answer's timestamp may be this far from our clock (as the
/// official WeChat Pay SDKs allow; epay V2 the same).
pub const MAX_SKEW_SECONDS: i64 = 300;

/// An answer not yet used, as the user may be shown it (every secret
/// already removed by the provider).
#[derive(Debug, Clone, Copy)]
pub struct Guard<'a> {
    raw: &'a str,
}

impl<'a> Guard<'a> {
    pub fn new(raw: &'a str) -> Self {
        Guard { raw }
    }

    /// The raw answer's refusal, for the provider's own reasons.
    pub fn untrusted(&self, zh: impl Into<String>, en: impl Into<String>) -> SourceError {
        SourceError::untrusted(zh, en, self.raw)
    }

    /// The answer names the payment (trade, transaction, intent, capture)
    /// number asked: `said` is the number it names, `None` when it names
    /// none.
    pub fn about(&self, asked: &str, said: Option<&str>) -> Result<&Self, SourceError> {
        self.same_number(asked, said, (" ", ""))
    }

    /// The answer names the platform's order number asked (a search by the
    /// merchant's own number, a platform's order lookup).
    pub fn about_order(&self, asked: &str, said: Option<&str>) -> Result<&Self, SourceError> {
        self.same_number(asked, said, ("订单 ", "order "))
    }

    fn same_number(
        &self,
        asked: &str,
        said: Option<&str>,
        (zh, en): (&str, &str),
    ) -> Result<&Self, SourceError> {
        if said == Some(asked) {
            return Ok(self);
        }
        let said = said.filter(|s| !s.is_empty());
        Err(self.untrusted(
            format!("问的是{zh}{asked}，答的是 {}", said.unwrap_or("（空）")),
            format!(
                "asked about {en}{asked}, answered about {}",
                said.unwrap_or("(none)")
            ),
        ))
    }

    /// The answer is for the merchant (app, `mchid`, `pid`) asked as.
    /// `said` is the merchant the answer names, `None` when it names none
    /// (a protocol that leaves it out says nothing either way).
    pub fn merchant(&self, asked: &str, said: Option<&str>) -> Result<&Self, SourceError> {
        match said {
            Some(said) if said != asked => Err(self.untrusted(
                format!("应答属于另一个商户（{said}，不是 {asked}）"),
                format!("the answer belongs to another merchant ({said}, not {asked})"),
            )),
            _ => Ok(self),
        }
    }

    /// The answer was made now: `timestamp` (Unix seconds, as the signed
    /// answer carries it) is within [`MAX_SKEW_SECONDS`] of our clock. A
    /// missing or unreadable one is not fresh. A correctly signed answer
    /// from long ago is a replay, or this computer's clock is wrong.
    pub fn fresh(&self, timestamp: Option<&str>) -> Result<&Self, SourceError> {
        let skew = timestamp
            .and_then(|t| t.trim().parse::<i64>().ok())
            .map(|t| (Utc::now().timestamp() - t).abs())
            .unwrap_or(i64::MAX);
        if skew > MAX_SKEW_SECONDS {
            return Err(self.untrusted(
                "应答的时间戳与本机时钟相差超过 5 分钟（重放或时钟错误）",
                "the answer's timestamp is more than 5 minutes from this computer's clock (a replay, or a wrong clock)",
            ));
        }
        Ok(self)
    }

    /// The answer is for the order's amount. `asked` is the order's amount
    /// when this answer must match it (`None` when several payments were
    /// asked, each for part of it); `said` is the amount the answer names,
    /// already in the currency's main unit (yuan, not fen), and `currency`
    /// the currency it names (any case; a protocol with one currency passes
    /// that one). An amount in another currency cannot be compared and is
    /// let through: the currency, not the number, differs.
    pub fn amount(
        &self,
        asked: Option<&Money>,
        said: Option<Decimal>,
        currency: &str,
    ) -> Result<&Self, SourceError> {
        match (asked, said) {
            (Some(asked), Some(said))
                if currency.trim().eq_ignore_ascii_case(asked.currency.code())
                    && said != asked.amount =>
            {
                Err(self.untrusted(
                    format!("金额 {said} 与订单金额 {} 不符", asked.amount),
                    format!("amount {said} differs from the order's {}", asked.amount),
                ))
            }
            _ => Ok(self),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::money::Currency;

    fn reason(e: SourceError) -> (String, String, String) {
        match e {
            SourceError::Untrusted { reason, raw } => (reason.zh_cn, reason.en, raw),
            other => panic!("expected an untrusted answer, got {other:?}"),
        }
    }

    fn yuan(text: &str) -> Money {
        Money::new(text.parse().unwrap(), Currency::cny())
    }

    #[test]
    fn an_answer_about_another_number_is_refused_with_both_numbers() {
        let a = Guard::new("{\"trade_no\":\"2\"}");
        assert!(a.about("1", Some("1")).is_ok());
        let (zh, en, raw) = reason(a.about("1", Some("2")).unwrap_err());
        assert_eq!(zh, "问的是 1，答的是 2");
        assert_eq!(en, "asked about 1, answered about 2");
        assert_eq!(raw, "{\"trade_no\":\"2\"}", "the answer is kept");
        let (zh, en, _) = reason(a.about("1", None).unwrap_err());
        assert_eq!(
            (zh.as_str(), en.as_str()),
            (
                "问的是 1，答的是 （空）",
                "asked about 1, answered about (none)"
            )
        );
        let (_, en, _) = reason(a.about("1", Some("")).unwrap_err());
        assert_eq!(
            en, "asked about 1, answered about (none)",
            "an empty number is none"
        );
        let (zh, en, _) = reason(a.about_order("A-1", Some("B-2")).unwrap_err());
        assert_eq!(zh, "问的是订单 A-1，答的是 B-2");
        assert_eq!(en, "asked about order A-1, answered about B-2");
    }

    #[test]
    fn a_merchant_is_checked_only_when_the_answer_names_one() {
        let a = Guard::new("{}");
        assert!(a.merchant("1230000109", None).is_ok());
        assert!(a.merchant("1230000109", Some("1230000109")).is_ok());
        let (zh, en, _) = reason(a.merchant("1001", Some("1002")).unwrap_err());
        assert_eq!(zh, "应答属于另一个商户（1002，不是 1001）");
        assert_eq!(
            en,
            "the answer belongs to another merchant (1002, not 1001)"
        );
    }

    #[test]
    fn amounts_compare_as_decimals_in_the_same_currency() {
        let a = Guard::new("{}");
        let order = yuan("50.00");
        let ok = |said: &str, currency: &str| {
            a.amount(Some(&order), Some(said.parse().unwrap()), currency)
                .is_ok()
        };
        assert!(ok("50", "CNY"), "50 and 50.00 are the same amount");
        assert!(ok("50.00", "cny"), "currency codes in any case");
        assert!(!ok("50.01", "CNY"));
        assert!(
            ok("7.00", "USD"),
            "another currency cannot be compared, so it is not refused"
        );
        assert!(
            a.amount(Some(&order), None, "CNY").is_ok(),
            "no amount said"
        );
        assert!(
            a.amount(None, Some(Decimal::new(1, 2)), "CNY").is_ok(),
            "part of the order: not compared"
        );
        let (zh, en, _) = reason(
            a.amount(Some(&order), Some(Decimal::new(5100, 2)), "CNY")
                .unwrap_err(),
        );
        assert_eq!(zh, "金额 51.00 与订单金额 50.00 不符");
        assert_eq!(en, "amount 51.00 differs from the order's 50.00");
    }

    #[test]
    fn an_answer_is_fresh_within_five_minutes_of_our_clock() {
        let a = Guard::new("{}");
        let at = |delta: i64| (Utc::now().timestamp() + delta).to_string();
        assert!(a.fresh(Some(&at(0))).is_ok());
        assert!(a.fresh(Some(&format!(" {} ", at(-290)))).is_ok());
        assert!(a.fresh(Some(&at(290))).is_ok(), "a clock a little behind");
        let (_, en, _) = reason(a.fresh(Some(&at(-600))).unwrap_err());
        assert!(en.contains("more than 5 minutes"), "{en}");
        assert!(a.fresh(Some(&at(600))).is_err());
        assert!(a.fresh(Some("yesterday")).is_err());
        assert!(a.fresh(None).is_err(), "no time is no proof of freshness");
    }

    #[test]
    fn checks_chain() {
        let order = yuan("1.00");
        let answer = Guard::new("{}");
        let r = answer
            .about("1", Some("1"))
            .and_then(|a| a.merchant("m", Some("m")))
            .and_then(|a| a.amount(Some(&order), Some(Decimal::ONE), "CNY"));
        assert!(r.is_ok());
    }
}
