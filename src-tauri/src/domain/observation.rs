//! Observations: what one source says about the order, in its own words,
//! and what those words mean on our stages.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::stage::{Stage, StageState};
use super::text::Bilingual;
use super::time::Moment;

/// Which kind of party a source is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Party {
    /// The shop / app that sold what was bought.
    Platform,
    /// The payment provider (wallet, aggregator, card processor).
    Provider,
    /// The user's bank or card issuer.
    Bank,
    /// The user's own statement.
    User,
}

/// Who says it. A closed set: adding a provider adds a variant here, and the
/// compiler then points at every match that must learn about it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ts_rs::TS,
)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    Platform,
    Alipay,
    WechatPay,
    Stripe,
    Paypal,
    Epay,
    Bank,
    User,
}

impl SourceKind {
    pub const ALL: [SourceKind; 8] = [
        SourceKind::Platform,
        SourceKind::Alipay,
        SourceKind::WechatPay,
        SourceKind::Stripe,
        SourceKind::Paypal,
        SourceKind::Epay,
        SourceKind::Bank,
        SourceKind::User,
    ];

    pub fn code(self) -> &'static str {
        match self {
            SourceKind::Platform => "platform",
            SourceKind::Alipay => "alipay",
            SourceKind::WechatPay => "wechat_pay",
            SourceKind::Stripe => "stripe",
            SourceKind::Paypal => "paypal",
            SourceKind::Epay => "epay",
            SourceKind::Bank => "bank",
            SourceKind::User => "user",
        }
    }

    pub fn party(self) -> Party {
        match self {
            SourceKind::Platform => Party::Platform,
            SourceKind::Alipay
            | SourceKind::WechatPay
            | SourceKind::Stripe
            | SourceKind::Paypal
            | SourceKind::Epay => Party::Provider,
            SourceKind::Bank => Party::Bank,
            SourceKind::User => Party::User,
        }
    }

    /// The provider's own name; the platform's name comes from the case.
    pub fn label(self) -> Bilingual {
        match self {
            SourceKind::Platform => Bilingual::new("平台", "the platform"),
            SourceKind::Alipay => Bilingual::new("支付宝", "Alipay"),
            SourceKind::WechatPay => Bilingual::new("微信支付", "WeChat Pay"),
            SourceKind::Stripe => Bilingual::new("Stripe", "Stripe"),
            SourceKind::Paypal => Bilingual::new("PayPal", "PayPal"),
            SourceKind::Epay => Bilingual::new("易支付（聚合支付）", "epay aggregator"),
            SourceKind::Bank => Bilingual::new("银行", "the bank"),
            SourceKind::User => Bilingual::new("你的陈述", "your own account"),
        }
    }

    /// What a `source` field expects, for error messages.
    pub const EXPECTED: &'static str = "one of platform, alipay, wechat_pay, stripe, paypal, epay, bank, user (or 平台, 支付宝, 微信支付, 银行短信 …)";

    /// Reads a source name as people write it.
    pub fn parse(input: &str) -> Option<SourceKind> {
        let s = input.trim().to_lowercase().replace([' ', '-'], "_");
        let kind = match s.as_str() {
            "platform" | "merchant" | "shop" | "app" | "平台" | "商家" | "店铺" | "卡盟"
            | "douyin" | "dou+" | "抖音" | "直播" => SourceKind::Platform,
            "alipay" | "支付宝" | "支付宝账单" | "alipay_bill" => SourceKind::Alipay,
            "wechat" | "wechat_pay" | "wechatpay" | "weixin" | "wxpay" | "微信" | "微信支付"
            | "微信账单" | "财付通" | "tenpay" => SourceKind::WechatPay,
            "stripe" => SourceKind::Stripe,
            "paypal" => SourceKind::Paypal,
            "epay" | "yipay" | "彩虹易支付" | "易支付" | "聚合支付" | "aggregator" => {
                SourceKind::Epay
            }
            "bank" | "bank_sms" | "sms" | "card" | "card_issuer" | "银行" | "银行短信" | "短信"
            | "信用卡" => SourceKind::Bank,
            "user" | "me" | "self" | "我" | "本人" => SourceKind::User,
            _ => return None,
        };
        Some(kind)
    }
}

/// How the observation reached us.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Via {
    /// Typed by the user from what an app shows.
    #[default]
    Manual,
    BillExport,
    Sms,
    Receipt,
    /// Asked live from the provider's API.
    Api,
}

impl Via {
    /// How the words reached us, as the timeline names it.
    pub fn label(self) -> Bilingual {
        match self {
            Via::Manual => Bilingual::new("你填写的", "as you reported"),
            Via::BillExport => Bilingual::new("账单", "bill export"),
            Via::Sms => Bilingual::new("短信", "SMS"),
            Via::Receipt => Bilingual::new("交易详情", "receipt"),
            Via::Api => Bilingual::new("接口查询", "API"),
        }
    }

    pub fn parse(input: &str) -> Option<Via> {
        Some(
            match input
                .trim()
                .to_lowercase()
                .replace([' ', '-'], "_")
                .as_str()
            {
                "manual" | "screenshot" | "app" | "截图" | "手动" => Via::Manual,
                "bill" | "bill_export" | "账单" => Via::BillExport,
                "sms" | "短信" => Via::Sms,
                "receipt" | "回单" | "详情" => Via::Receipt,
                "api" => Via::Api,
                _ => return None,
            },
        )
    }
}

/// What the source's words mean, independent of the words themselves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Claim {
    /// The order exists.
    Created,
    /// Waiting for payment.
    Unpaid,
    /// In progress, no result yet.
    Processing,
    /// The payment succeeded.
    Paid,
    /// Money left the account (bank wording).
    Debited,
    /// A plain "success": what succeeded depends on who says it.
    Success,
    /// The payment or order failed.
    Failed,
    /// Closed / cancelled / expired.
    Closed,
    /// What was bought has been delivered.
    Credited,
    RefundPending,
    Refunded,
    /// Blocked by risk control.
    RiskBlocked,
    /// A user-side limit or wrong details (balance, quota, password, card).
    UserLimit,
    /// The source does not know the order.
    NotFound,
    /// The source is down or busy.
    Outage,
    /// The platform acknowledged the provider's notification.
    CallbackDelivered,
    /// The provider's notification has not been acknowledged yet.
    CallbackPending,
    /// Words we could not read; the raw words are still shown.
    Unknown,
}

impl Claim {
    /// Resolves a generic "success" by who says it.
    pub fn resolve(self, party: Party) -> Claim {
        match (self, party) {
            (Claim::Success, Party::Platform) => Claim::Credited,
            (Claim::Success, Party::Provider) => Claim::Paid,
            (Claim::Success, Party::Bank) => Claim::Debited,
            (Claim::Success, Party::User) => Claim::Paid,
            (c, _) => c,
        }
    }

    /// Whether this claim says money has left the payer.
    pub fn says_money_moved(self) -> bool {
        matches!(self, Claim::Paid | Claim::Debited)
    }

    /// Whether this claim says the payment did not happen.
    pub fn says_unpaid(self) -> bool {
        matches!(
            self,
            Claim::Unpaid
                | Claim::Failed
                | Claim::Closed
                | Claim::NotFound
                | Claim::RiskBlocked
                | Claim::UserLimit
        )
    }
}

/// Where a (party, claim) pair lands on the timeline. `None`: the claim says
/// nothing about any stage (it is still listed with its raw words).
pub fn stage_of(party: Party, claim: Claim) -> Option<(Stage, StageState)> {
    use Claim as C;
    use Stage as S;
    use StageState as T;
    let claim = claim.resolve(party);
    let mapped = match party {
        Party::Platform => match claim {
            C::Created => (S::Submitted, T::Done),
            C::Unpaid | C::Processing | C::Outage => (S::Credited, T::Pending),
            C::Paid | C::Debited | C::CallbackDelivered => (S::Callback, T::Done),
            C::CallbackPending => (S::Callback, T::Pending),
            C::Credited => (S::Credited, T::Done),
            C::Failed | C::Closed | C::RiskBlocked | C::UserLimit | C::NotFound => {
                (S::Credited, T::Failed)
            }
            C::RefundPending => (S::Refund, T::Pending),
            C::Refunded => (S::Refund, T::Done),
            C::Success | C::Unknown => return None,
        },
        Party::Provider => match claim {
            C::Created => (S::Submitted, T::Done),
            C::Unpaid | C::Processing | C::Outage => (S::BankProcessing, T::Pending),
            C::Paid | C::Debited | C::Credited => (S::BankProcessing, T::Done),
            C::Failed | C::Closed | C::RiskBlocked | C::UserLimit | C::NotFound => {
                (S::BankProcessing, T::Failed)
            }
            C::CallbackDelivered => (S::Callback, T::Done),
            C::CallbackPending => (S::Callback, T::Pending),
            C::RefundPending => (S::Refund, T::Pending),
            C::Refunded => (S::Refund, T::Done),
            C::Success | C::Unknown => return None,
        },
        Party::Bank => match claim {
            C::Paid | C::Debited => (S::BankProcessing, T::Done),
            C::Processing | C::Unpaid => (S::BankProcessing, T::Pending),
            C::Failed | C::Closed | C::RiskBlocked | C::UserLimit => (S::BankProcessing, T::Failed),
            C::RefundPending => (S::Refund, T::Pending),
            C::Refunded => (S::Refund, T::Done),
            C::Created
            | C::Credited
            | C::NotFound
            | C::Outage
            | C::CallbackDelivered
            | C::CallbackPending
            | C::Success
            | C::Unknown => return None,
        },
        Party::User => match claim {
            C::Created => (S::Submitted, T::Done),
            C::Paid | C::Debited => (S::BankProcessing, T::Done),
            C::RefundPending => (S::Refund, T::Pending),
            C::Refunded => (S::Refund, T::Done),
            _ => return None,
        },
    };
    Some(mapped)
}

/// One thing one source says, kept with its raw words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Observation {
    /// When the source says it happened (not when it was typed in).
    pub at: Option<Moment>,
    pub source: SourceKind,
    #[serde(default)]
    pub via: Via,
    /// The source's own words, never rewritten.
    pub raw: String,
    /// What the words mean.
    pub claim: Claim,
    /// An amount the source shows, in the case's currency.
    #[serde(default, with = "rust_decimal::serde::str_option")]
    #[ts(type = "string | null")]
    pub amount: Option<Decimal>,
    /// Which payment this is about, when the source names one.
    #[serde(default)]
    pub payment_id: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

impl Observation {
    pub fn stage(&self) -> Option<(Stage, StageState)> {
        stage_of(self.source.party(), self.claim)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn success_means_what_the_speaker_does() {
        assert_eq!(
            stage_of(Party::Platform, Claim::Success),
            Some((Stage::Credited, StageState::Done)),
            "a platform's 成功 is about the order being fulfilled"
        );
        assert_eq!(
            stage_of(Party::Provider, Claim::Success),
            Some((Stage::BankProcessing, StageState::Done)),
            "a payment app's 成功 is about the payment"
        );
    }

    #[test]
    fn a_platforms_payment_failed_is_about_crediting() {
        assert_eq!(
            stage_of(Party::Platform, Claim::Failed),
            Some((Stage::Credited, StageState::Failed)),
            "DOU+ showing 支付失败 says the order was not fulfilled; whether money moved is the provider's word"
        );
    }

    #[test]
    fn source_names_in_both_languages() {
        assert_eq!(SourceKind::parse("支付宝"), Some(SourceKind::Alipay));
        assert_eq!(SourceKind::parse("WeChat Pay"), Some(SourceKind::WechatPay));
        assert_eq!(SourceKind::parse("bank sms"), Some(SourceKind::Bank));
        assert_eq!(SourceKind::parse("银行短信"), Some(SourceKind::Bank));
        assert_eq!(SourceKind::parse("the moon"), None);
        for k in SourceKind::ALL {
            assert_eq!(
                SourceKind::parse(k.code()),
                Some(k),
                "every code parses back"
            );
        }
    }
}
