//! A case: one failed top-up. Raw intake (a TOML file, a form, JSON) is
//! validated here, once, into a [`Case`]; nothing downstream re-checks.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::LazyLock;

use chrono::{FixedOffset, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::money::{AMOUNT_EXPECTED, Currency, Money, parse_amount};
use super::observation::{Claim, Observation, Party, SourceKind, Via};
use super::status::read_status;
use super::text::Bilingual;
use super::time::{Moment, TIME_EXPECTED, china, parse_moment, parse_moment_near, parse_zone};

// ---------------------------------------------------------------- platform

/// A platform preset's texts (`data/platforms.toml`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlatformPreset {
    pub id: String,
    pub name_zh: String,
    pub name_en: String,
    pub aliases: Vec<String>,
    pub product_zh: String,
    pub product_en: String,
    pub deliver_zh: String,
    pub deliver_en: String,
    /// Words in a payee's name that point to this platform (the company
    /// behind it, its brands), for matching bill rows and SMS.
    #[serde(default)]
    pub merchants: Vec<String>,
    /// Usually bought for a business (a promotion), not for personal
    /// consumption: 12315 may refuse such a complaint.
    #[serde(default)]
    pub business_use: bool,
    /// Its support works in Chinese (a mainland platform).
    #[serde(default)]
    pub reads_chinese: bool,
}

#[derive(Deserialize)]
struct PresetFile {
    platform: Vec<PlatformPreset>,
}

static PRESETS: LazyLock<Vec<PlatformPreset>> = LazyLock::new(|| {
    toml::from_str::<PresetFile>(include_str!("../../data/platforms.toml"))
        .expect("data/platforms.toml is valid (checked by tests)")
        .platform
});

/// All platform presets, in the order the intake offers them.
pub fn platform_presets() -> &'static [PlatformPreset] {
    &PRESETS
}

fn preset(id: &str) -> &'static PlatformPreset {
    PRESETS
        .iter()
        .find(|p| p.id == id)
        .or_else(|| PRESETS.iter().find(|p| p.id == "other"))
        .expect("the `other` preset exists")
}

/// Which platform the order was placed on: a preset, and the name the user
/// knows it by (free text for `other`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Platform {
    /// A preset id from `data/platforms.toml` (`other` for free text).
    pub preset: String,
    /// The name to show, if the user gave one (e.g. "某某直播").
    #[serde(default)]
    pub name: Option<String>,
}

impl Platform {
    fn parse(input: &str, name: Option<String>) -> Platform {
        let key = input.trim().to_lowercase().replace([' ', '-'], "_");
        let found = PRESETS
            .iter()
            .find(|p| p.id == key || p.aliases.iter().any(|a| a.to_lowercase() == key));
        match found {
            Some(p) => Platform {
                preset: p.id.clone(),
                name,
            },
            None => Platform {
                preset: "other".to_owned(),
                name: name.or_else(|| Some(input.trim().to_owned())),
            },
        }
    }

    pub fn preset(&self) -> &'static PlatformPreset {
        preset(&self.preset)
    }

    /// Whether its support works in Chinese: a mainland preset, or a name
    /// the user wrote in Chinese.
    pub fn reads_chinese(&self) -> bool {
        self.preset().reads_chinese
            || self
                .name
                .as_deref()
                .is_some_and(crate::domain::text::has_han)
    }

    /// The name to use in texts.
    pub fn display(&self) -> Bilingual {
        match &self.name {
            Some(n) => Bilingual::new(n.clone(), n.clone()),
            None => {
                let p = self.preset();
                Bilingual::new(p.name_zh.clone(), p.name_en.clone())
            }
        }
    }
}

// ---------------------------------------------------------------- method

/// How the user paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    Alipay,
    WechatPay,
    BankCard,
    CreditCard,
    Paypal,
    UnionPay,
    ApplePay,
    Other,
}

impl Method {
    pub const EXPECTED: &'static str = "one of alipay, wechat_pay, bank_card, credit_card, paypal, union_pay, apple_pay, other (or 支付宝, 微信, 银行卡, 信用卡, 云闪付 …)";

    pub fn parse(input: &str) -> Option<Method> {
        let s = input.trim().to_lowercase().replace([' ', '-'], "_");
        Some(match s.as_str() {
            "alipay" | "支付宝" | "花呗" | "余额宝" => Method::Alipay,
            "wechat" | "wechat_pay" | "wechatpay" | "weixin" | "微信" | "微信支付" | "零钱" => {
                Method::WechatPay
            }
            "bank_card" | "debit_card" | "debit" | "银行卡" | "储蓄卡" | "借记卡" | "快捷支付" => {
                Method::BankCard
            }
            "credit_card" | "card" | "visa" | "mastercard" | "信用卡" => Method::CreditCard,
            "paypal" => Method::Paypal,
            "union_pay" | "unionpay" | "云闪付" | "银联" => Method::UnionPay,
            "apple_pay" | "applepay" => Method::ApplePay,
            "other" | "其他" => Method::Other,
            _ => return None,
        })
    }

    pub fn label(self) -> Bilingual {
        match self {
            Method::Alipay => Bilingual::new("支付宝", "Alipay"),
            Method::WechatPay => Bilingual::new("微信支付", "WeChat Pay"),
            Method::BankCard => Bilingual::new("银行卡", "bank card"),
            Method::CreditCard => Bilingual::new("信用卡", "credit card"),
            Method::Paypal => Bilingual::new("PayPal", "PayPal"),
            Method::UnionPay => Bilingual::new("云闪付", "UnionPay"),
            Method::ApplePay => Bilingual::new("Apple Pay", "Apple Pay"),
            Method::Other => Bilingual::new("其他方式", "another method"),
        }
    }

    /// The provider that usually answers for this method.
    pub fn provider(self) -> Option<SourceKind> {
        match self {
            Method::Alipay => Some(SourceKind::Alipay),
            Method::WechatPay => Some(SourceKind::WechatPay),
            Method::Paypal => Some(SourceKind::Paypal),
            _ => None,
        }
    }

    /// Whether a card network dispute (chargeback) is possible.
    pub fn is_card(self) -> bool {
        matches!(
            self,
            Method::BankCard | Method::CreditCard | Method::UnionPay | Method::ApplePay
        )
    }
}

// ---------------------------------------------------------------- the case

/// A payment reference: the provider's ID for the money that moved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct PaymentRef {
    pub id: String,
    /// Who issued it: given, or recognised from the ID's shape.
    #[serde(default)]
    pub provider: Option<SourceKind>,
    /// True when `provider` was recognised, not given.
    #[serde(default)]
    pub recognised: bool,
}

/// The person complaining: only what complaint forms ask for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct Complainant {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
    /// The user's account on the platform (nickname or ID).
    #[serde(default)]
    pub account: Option<String>,
}

/// Evidence the user holds (screenshots, exports), by kind.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ts_rs::TS,
)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceKind {
    /// The platform's order page showing its status.
    PlatformScreenshot,
    /// The payment app's record / detail page.
    PaymentRecord,
    /// The bill export from the payment app.
    BillExport,
    /// The bank's SMS or statement line.
    BankStatement,
    /// Chat with customer service.
    ChatLog,
    Other,
}

impl EvidenceKind {
    pub const EXPECTED: &'static str =
        "one of platform_screenshot, payment_record, bill_export, bank_statement, chat_log, other";
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Attachment {
    pub kind: EvidenceKind,
    #[serde(default)]
    pub file: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

/// Something the user already tried: a chat, a ticket, a call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Contact {
    pub at: Moment,
    /// Who was contacted ("platform customer service", "支付宝客服" …).
    pub with: String,
    #[serde(default)]
    pub note: Option<String>,
    /// What they answered.
    #[serde(default)]
    pub answer: Option<String>,
    /// The ticket (工单) number they gave.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub ticket: Option<String>,
    /// The day they promised to have it solved by.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "string")]
    pub promised_by: Option<NaiveDate>,
}

/// One failed top-up, validated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Case {
    pub platform: Platform,
    pub order_id: String,
    pub payments: Vec<PaymentRef>,
    pub amount: Money,
    pub method: Method,
    /// Last four digits of the card, never more.
    #[serde(default)]
    pub card_last4: Option<String>,
    pub submitted_at: Moment,
    /// What was bought, in the user's words.
    #[serde(default)]
    pub item: Option<String>,
    /// The company behind the platform, if known (for 12315 / 黑猫).
    #[serde(default)]
    pub merchant: Option<String>,
    #[serde(default)]
    pub complainant: Complainant,
    #[serde(default)]
    pub attachments: Vec<Attachment>,
    #[serde(default)]
    pub contacts: Vec<Contact>,
    pub observations: Vec<Observation>,
}

impl Case {
    /// The offset the user's times are in.
    pub fn zone(&self) -> FixedOffset {
        *self.submitted_at.offset()
    }

    pub fn money(&self, amount: Decimal) -> Money {
        Money::new(amount, self.amount.currency.clone())
    }

    /// The provider that notifies the platform of the payment: an
    /// aggregator when one sits in between (it calls the shop back), else
    /// the payment provider.
    pub fn notifier(&self) -> Option<SourceKind> {
        let given = || self.payments.iter().filter_map(|p| p.provider);
        given()
            .find(|p| *p == SourceKind::Epay)
            .or_else(|| given().next())
            .or_else(|| self.method.provider())
    }

    /// The case as intake fields again, for editing in a form; validating
    /// the result gives back an equal case.
    pub fn to_raw(&self) -> RawCase {
        let text = |s: &str| Some(Scalar::Text(s.to_owned()));
        let opt = |s: &Option<String>| s.as_deref().and_then(text);
        let time = |t: &Moment| Some(Scalar::Text(t.to_rfc3339()));
        let code = |v: serde_json::Value| v.as_str().map(|s| Scalar::Text(s.to_owned()));
        RawCase {
            platform: text(&self.platform.preset),
            platform_name: opt(&self.platform.name),
            order_id: text(&self.order_id),
            amount: Some(Scalar::Text(self.amount.amount.to_string())),
            currency: text(self.amount.currency.code()),
            method: serde_json::to_value(self.method).ok().and_then(code),
            card_last4: opt(&self.card_last4),
            submitted_at: time(&self.submitted_at),
            timezone: Some(Scalar::Text(self.zone().to_string())),
            item: opt(&self.item),
            merchant: opt(&self.merchant),
            complainant: Some(self.complainant.clone()),
            payment: self
                .payments
                .iter()
                .map(|p| RawPayment {
                    id: text(&p.id),
                    provider: if p.recognised {
                        None
                    } else {
                        p.provider.map(|k| Scalar::Text(k.code().to_owned()))
                    },
                })
                .collect(),
            observation: self.observations.iter().map(RawObservation::from).collect(),
            attachment: self
                .attachments
                .iter()
                .map(|a| RawAttachment {
                    kind: serde_json::to_value(a.kind).ok().and_then(code),
                    file: opt(&a.file),
                    note: opt(&a.note),
                })
                .collect(),
            contact: self
                .contacts
                .iter()
                .map(|c| RawContact {
                    at: time(&c.at),
                    with: text(&c.with),
                    note: opt(&c.note),
                    answer: opt(&c.answer),
                    ticket: opt(&c.ticket),
                    promised_by: c
                        .promised_by
                        .and_then(|d| text(&d.format("%Y-%m-%d").to_string())),
                })
                .collect(),
        }
    }

    /// Adds an observation, keeping them ordered by time (untimed last).
    pub fn add_observation(&mut self, o: Observation) {
        self.observations.push(o);
        sort_observations(&mut self.observations);
    }
}

fn sort_observations(obs: &mut [Observation]) {
    obs.sort_by(|a, b| match (a.at, b.at) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
}

// ---------------------------------------------------------------- raw intake

/// A value as it comes from TOML or JSON: text, a number or a TOML date.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, ts_rs::TS)]
#[serde(untagged)]
pub enum Scalar {
    Text(String),
    Int(i64),
    Float(f64),
    Datetime(#[ts(type = "string")] toml::value::Datetime),
}

impl Scalar {
    fn text(&self) -> String {
        match self {
            Scalar::Text(s) => s.clone(),
            Scalar::Int(i) => i.to_string(),
            // The shortest text that reads back as the same float: 200.1
            // stays "200.1". Documented: write amounts as strings.
            Scalar::Float(f) => f.to_string(),
            Scalar::Datetime(d) => d.to_string(),
        }
    }
}

/// Intake exactly as given. Every field is optional here so that validation
/// can name each missing one.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct RawCase {
    pub platform: Option<Scalar>,
    pub platform_name: Option<Scalar>,
    pub order_id: Option<Scalar>,
    pub amount: Option<Scalar>,
    pub currency: Option<Scalar>,
    pub method: Option<Scalar>,
    pub card_last4: Option<Scalar>,
    pub submitted_at: Option<Scalar>,
    pub timezone: Option<Scalar>,
    pub item: Option<Scalar>,
    pub merchant: Option<Scalar>,
    pub complainant: Option<Complainant>,
    #[serde(default)]
    pub payment: Vec<RawPayment>,
    #[serde(default)]
    pub observation: Vec<RawObservation>,
    #[serde(default)]
    pub attachment: Vec<RawAttachment>,
    #[serde(default)]
    pub contact: Vec<RawContact>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct RawPayment {
    pub id: Option<Scalar>,
    pub provider: Option<Scalar>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct RawObservation {
    pub at: Option<Scalar>,
    pub source: Option<Scalar>,
    pub status: Option<Scalar>,
    /// Overrides what the status words are read as (a claim name).
    pub means: Option<Scalar>,
    pub via: Option<Scalar>,
    pub amount: Option<Scalar>,
    pub payment: Option<Scalar>,
    pub note: Option<Scalar>,
}

impl From<&Observation> for RawObservation {
    /// An observation as a case file writes it (times in RFC 3339, with
    /// their offset).
    fn from(o: &Observation) -> Self {
        let text = |s: &str| Some(Scalar::Text(s.to_owned()));
        let code = |v: serde_json::Value| v.as_str().map(|s| Scalar::Text(s.to_owned()));
        RawObservation {
            at: o.at.map(|t| Scalar::Text(t.to_rfc3339())),
            source: text(o.source.code()),
            status: text(&o.raw),
            means: serde_json::to_value(o.claim).ok().and_then(code),
            via: serde_json::to_value(o.via).ok().and_then(code),
            amount: o.amount.map(|a| Scalar::Text(a.to_string())),
            payment: o.payment_id.as_deref().and_then(text),
            note: o.note.as_deref().and_then(text),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct RawAttachment {
    pub kind: Option<Scalar>,
    pub file: Option<Scalar>,
    pub note: Option<Scalar>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct RawContact {
    pub at: Option<Scalar>,
    pub with: Option<Scalar>,
    pub note: Option<Scalar>,
    pub answer: Option<Scalar>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub ticket: Option<Scalar>,
    /// `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub promised_by: Option<Scalar>,
}

/// One field that did not validate: which, what was given, what is expected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct FieldError {
    pub field: String,
    pub given: Option<String>,
    pub expected: String,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.given {
            Some(g) => write!(
                f,
                "{}: got {:?}, expected {}",
                self.field,
                clip(g),
                self.expected
            ),
            None => write!(f, "{}: missing, expected {}", self.field, self.expected),
        }
    }
}

fn clip(s: &str) -> String {
    if s.chars().count() > 60 {
        format!("{}…", s.chars().take(60).collect::<String>())
    } else {
        s.to_owned()
    }
}

/// Why a case could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CaseError {
    #[error("the case file is not valid {format}: {message}")]
    Syntax {
        format: &'static str,
        message: String,
    },
    #[error("the case has {} problem{}:\n  {}", .0.len(), if .0.len() == 1 { "" } else { "s" }, .0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n  "))]
    Invalid(Vec<FieldError>),
}

/// The largest case file we read (a case is a few KB; this is generous).
pub const MAX_CASE_BYTES: usize = 1 << 20;

/// Parses a TOML case file and validates it.
pub fn parse_case_toml(text: &str) -> Result<Case, CaseError> {
    if text.len() > MAX_CASE_BYTES {
        return Err(CaseError::Syntax {
            format: "TOML",
            message: format!(
                "the file is {} bytes; a case file is at most {MAX_CASE_BYTES}",
                text.len()
            ),
        });
    }
    let raw: RawCase = toml::from_str(text).map_err(|e| CaseError::Syntax {
        format: "TOML",
        message: e.to_string().trim().to_owned(),
    })?;
    raw.validate()
}

/// Parses intake given as JSON (the app's form) and validates it.
pub fn parse_case_json(text: &str) -> Result<Case, CaseError> {
    let raw: RawCase = serde_json::from_str(text).map_err(|e| CaseError::Syntax {
        format: "JSON",
        message: e.to_string(),
    })?;
    raw.validate()
}

struct Checker {
    errors: Vec<FieldError>,
    /// When the form is filled in: times copied as 「昨天 15:15」 or
    /// 「11月21日 15:15」 are read as of this moment (see
    /// [`parse_moment_near`]); a case file has none.
    now: Option<Moment>,
}

impl Checker {
    fn fail(
        &mut self,
        field: impl Into<String>,
        given: Option<String>,
        expected: impl Into<String>,
    ) {
        self.errors.push(FieldError {
            field: field.into(),
            given,
            expected: expected.into(),
        });
    }

    /// A text field: trimmed, at most `max` characters, no control characters.
    fn text(&mut self, field: &str, v: &Option<Scalar>, max: usize) -> Option<String> {
        let s = v.as_ref()?.text();
        let t = s.trim().trim_matches('\t').trim().to_owned();
        if t.chars().count() > max || t.chars().any(|c| c.is_control() && c != '\n') {
            self.fail(
                field,
                Some(s),
                format!("text of at most {max} characters without control characters"),
            );
            return None;
        }
        (!t.is_empty()).then_some(t)
    }

    fn required(
        &mut self,
        field: &str,
        v: &Option<Scalar>,
        max: usize,
        expected: &str,
    ) -> Option<String> {
        let t = self.text(field, v, max);
        if t.is_none() && self.errors.last().is_none_or(|e| e.field != field) {
            self.fail(field, v.as_ref().map(Scalar::text), expected);
        }
        t
    }
}

/// An ID as typed: trimmed, inner spaces and the tab bill exports append
/// removed.
fn clean_id(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

fn valid_id(s: &str) -> bool {
    (1..=64).contains(&s.chars().count())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.:/#".contains(c))
}

const ID_EXPECTED: &str = "an ID of 1 to 64 letters, digits or - _ . : / #";

impl RawCase {
    /// Validates everything, collecting every problem rather than the first.
    pub fn validate(&self) -> Result<Case, CaseError> {
        self.validate_with(None)
    }

    /// As [`RawCase::validate`], for what a person typed or pasted at `now`:
    /// times may also be written as people copy them from a phone
    /// (「昨天 15:15」, 「11月21日 15:15」), read as of `now`.
    pub fn validate_at(&self, now: Moment) -> Result<Case, CaseError> {
        self.validate_with(Some(now))
    }

    fn validate_with(&self, now: Option<Moment>) -> Result<Case, CaseError> {
        let mut c = Checker {
            errors: Vec::new(),
            now,
        };

        let zone = c.zone(&self.timezone);
        let platform = c.platform(&self.platform, &self.platform_name);
        let order_id = c.order_id(&self.order_id);
        let currency = c.currency(&self.currency);
        let amount = c.order_amount(&self.amount, &currency);
        let method = c.method(&self.method);
        let card_last4 = c.card_last4(&self.card_last4);
        let submitted_at = c.submitted_at(&self.submitted_at, zone);
        let item = c.text("item", &self.item, 200);
        let merchant = c.text("merchant", &self.merchant, 120);

        let day = submitted_at.map(|t| t.date_naive());
        let mut payments: Vec<PaymentRef> = Vec::new();
        for (i, p) in self.payment.iter().enumerate() {
            if let Some(p) = c.payment(i, p, day, &payments) {
                payments.push(p);
            }
        }
        let around = Around {
            zone,
            day,
            minor_digits: currency.minor_digits(),
            payments: &payments,
        };
        let mut observations: Vec<Observation> = self
            .observation
            .iter()
            .enumerate()
            .filter_map(|(i, o)| c.observation(i, o, &around))
            .collect();
        sort_observations(&mut observations);
        let attachments: Vec<Attachment> = self
            .attachment
            .iter()
            .enumerate()
            .filter_map(|(i, a)| c.attachment(i, a))
            .collect();
        let mut contacts: Vec<Contact> = self
            .contact
            .iter()
            .enumerate()
            .filter_map(|(i, k)| c.contact(i, k, &around))
            .collect();
        contacts.sort_by_key(|k| k.at);

        let complainant = self.complainant.clone().unwrap_or_default();

        match (platform, order_id, amount, method, submitted_at) {
            (Some(platform), Some(order_id), Some(amount), Some(method), Some(submitted_at))
                if c.errors.is_empty() =>
            {
                Ok(Case {
                    platform,
                    order_id,
                    payments,
                    amount: Money::new(amount, currency),
                    method,
                    card_last4,
                    submitted_at,
                    item,
                    merchant,
                    complainant,
                    attachments,
                    contacts,
                    observations,
                })
            }
            _ => Err(CaseError::Invalid(c.errors)),
        }
    }
}

/// What the case's lists are read against: the case's zone and day (for
/// bare times), its currency's digits, and its payments.
struct Around<'a> {
    zone: FixedOffset,
    day: Option<NaiveDate>,
    minor_digits: u32,
    payments: &'a [PaymentRef],
}

/// The checks of single fields, each deciding what a field's text means.
impl Checker {
    /// The zone times without an offset are in: given, else China's.
    fn zone(&mut self, v: &Option<Scalar>) -> FixedOffset {
        match v {
            None => china(),
            Some(z) => parse_zone(&z.text()).unwrap_or_else(|| {
                self.fail(
                    "timezone",
                    Some(z.text()),
                    "an offset like +08:00 or a zone like Asia/Shanghai",
                );
                china()
            }),
        }
    }

    /// The platform: a preset, or free text (then `other`), with the name
    /// the user knows it by.
    fn platform(&mut self, v: &Option<Scalar>, name: &Option<Scalar>) -> Option<Platform> {
        let platform_name = self.text("platform_name", name, 60);
        self.required(
            "platform",
            v,
            60,
            "a preset (douyin_dou_plus, live_stream_topup, card_shop, stripe_site, paypal_site, other) or the platform's name",
        )
        .map(|p| Platform::parse(&p, platform_name))
    }

    /// The platform's order number, as an ID.
    fn order_id(&mut self, v: &Option<Scalar>) -> Option<String> {
        let order_id = self
            .required("order_id", v, 80, "the platform's order number")
            .map(|s| clean_id(&s));
        if let Some(id) = &order_id
            && !valid_id(id)
        {
            self.fail("order_id", Some(id.clone()), ID_EXPECTED);
        }
        order_id
    }

    /// The currency: given, else CNY.
    fn currency(&mut self, v: &Option<Scalar>) -> Currency {
        match v {
            None => Currency::cny(),
            Some(v) => v.text().parse::<Currency>().unwrap_or_else(|e| {
                self.fail("currency", Some(v.text()), e);
                Currency::cny()
            }),
        }
    }

    /// An amount in a currency with `digits` minor digits.
    fn amount(&mut self, field: &str, a: String, digits: u32) -> Option<Decimal> {
        match parse_amount(&a, digits) {
            Ok(d) => Some(d),
            Err(e) => {
                self.fail(field, Some(a), format!("{AMOUNT_EXPECTED} (this one {e})"));
                None
            }
        }
    }

    /// The order's amount, in `currency`.
    fn order_amount(&mut self, v: &Option<Scalar>, currency: &Currency) -> Option<Decimal> {
        self.required("amount", v, 40, AMOUNT_EXPECTED)
            .and_then(|a| self.amount("amount", a, currency.minor_digits()))
    }

    /// How the user paid.
    fn method(&mut self, v: &Option<Scalar>) -> Option<Method> {
        self.required("method", v, 40, Method::EXPECTED)
            .and_then(|m| {
                Method::parse(&m).or_else(|| {
                    self.fail("method", Some(m), Method::EXPECTED);
                    None
                })
            })
    }

    /// The card's last four digits. A full card number is cut to its last
    /// four here, so it is never stored; a wrong one is never echoed.
    fn card_last4(&mut self, v: &Option<Scalar>) -> Option<String> {
        self.text("card_last4", v, 40).and_then(|s| {
            let digits: String = s.chars().filter(char::is_ascii_digit).collect();
            if digits.len() >= 4
                && s.chars()
                    .all(|ch| ch.is_ascii_digit() || " -*".contains(ch))
            {
                Some(digits[digits.len() - 4..].to_owned())
            } else {
                self.fail(
                    "card_last4",
                    Some("(hidden)".to_owned()),
                    "the last four digits of the card, e.g. 1234",
                );
                None
            }
        })
    }

    /// When the order was placed: a full date and time, in `zone` unless it
    /// names its offset.
    fn submitted_at(&mut self, v: &Option<Scalar>, zone: FixedOffset) -> Option<Moment> {
        self.required("submitted_at", v, 64, TIME_EXPECTED)
            .and_then(|t| {
                self.moment(
                    "submitted_at",
                    t,
                    zone,
                    None,
                    "a date and time like 2026-11-21 15:14 or 2026-11-21T15:14:00+08:00",
                )
            })
    }

    /// A time as people write it, in `zone` unless it names its offset; a
    /// bare time of day is on `day`.
    fn moment(
        &mut self,
        field: impl Into<String>,
        t: String,
        zone: FixedOffset,
        day: Option<NaiveDate>,
        expected: &str,
    ) -> Option<Moment> {
        let read = match self.now {
            Some(now) => parse_moment_near(&t, zone, day, now),
            None => parse_moment(&t, zone, day),
        };
        read.or_else(|| {
            self.fail(field, Some(t), expected);
            None
        })
    }

    /// Payment `i`: a valid ID not given before, and its provider, given or
    /// recognised from the ID as of the order's `day`.
    fn payment(
        &mut self,
        i: usize,
        p: &RawPayment,
        day: Option<NaiveDate>,
        before: &[PaymentRef],
    ) -> Option<PaymentRef> {
        let field = format!("payment[{i}].id");
        let id = self.required(
            &field,
            &p.id,
            80,
            "the payment provider's transaction number",
        )?;
        let id = clean_id(&id);
        if !valid_id(&id) {
            self.fail(&field, Some(id), ID_EXPECTED);
            return None;
        }
        let given = self.payment_provider(i, &p.provider);
        let (provider, recognised) = match given {
            Some(k) => (Some(k), false),
            None => (day.and_then(|d| recognise_provider(&id, d)), true),
        };
        if before.iter().any(|q| q.id == id) {
            self.fail(&field, Some(id), "each payment ID once");
            return None;
        }
        Some(PaymentRef {
            id,
            provider,
            recognised: recognised && provider.is_some(),
        })
    }

    /// The provider payment `i` names, which must be a payment provider.
    fn payment_provider(&mut self, i: usize, v: &Option<Scalar>) -> Option<SourceKind> {
        let v = v.as_ref()?;
        match SourceKind::parse(&v.text()) {
            Some(k) if k.party() == Party::Provider => Some(k),
            _ => {
                self.fail(
                    format!("payment[{i}].provider"),
                    Some(v.text()),
                    "one of alipay, wechat_pay, stripe, paypal, epay",
                );
                None
            }
        }
    }

    /// Observation `i`: who showed which words, when and by which channel;
    /// what the words claim is read from them unless `means` says.
    fn observation(
        &mut self,
        i: usize,
        o: &RawObservation,
        around: &Around,
    ) -> Option<Observation> {
        let f = |name: &str| format!("observation[{i}].{name}");
        let source = self
            .required(&f("source"), &o.source, 40, SourceKind::EXPECTED)
            .and_then(|s| {
                SourceKind::parse(&s).or_else(|| {
                    self.fail(f("source"), Some(s), SourceKind::EXPECTED);
                    None
                })
            });
        let raw = self.required(
            &f("status"),
            &o.status,
            2000,
            "the status words the source shows, e.g. 支付失败 or 交易成功",
        );
        let at = self
            .text(&f("at"), &o.at, 64)
            .and_then(|t| self.moment(f("at"), t, around.zone, around.day, TIME_EXPECTED));
        let via = self.via(&f("via"), &o.via);
        let means = self.means(&f("means"), &o.means);
        let amount = self
            .text(&f("amount"), &o.amount, 40)
            .and_then(|a| self.amount(&f("amount"), a, around.minor_digits));
        let payment_id = self
            .text(&f("payment"), &o.payment, 80)
            .map(|p| clean_id(&p));
        if let Some(p) = &payment_id
            && !around.payments.iter().any(|q| &q.id == p)
        {
            self.fail(
                f("payment"),
                Some(p.clone()),
                "one of the case's [[payment]] IDs",
            );
        }
        let note = self.text(&f("note"), &o.note, 2000);
        let (source, raw) = (source?, raw?);
        let claim = means
            .map(|m| m.resolve(source.party()))
            .unwrap_or_else(|| read_status(source.party(), &raw));
        Some(Observation {
            at,
            source,
            via,
            raw,
            claim,
            amount,
            payment_id,
            note,
        })
    }

    /// The channel an observation came by: given, else typed in.
    fn via(&mut self, field: &str, v: &Option<Scalar>) -> Via {
        match self.text(field, v, 20) {
            None => Via::Manual,
            Some(v) => Via::parse(&v).unwrap_or_else(|| {
                self.fail(
                    field,
                    Some(v),
                    "one of manual, bill_export, sms, receipt, api",
                );
                Via::Manual
            }),
        }
    }

    /// A claim named outright, overriding what the status words are read as.
    fn means(&mut self, field: &str, v: &Option<Scalar>) -> Option<Claim> {
        self.text(field, v, 40).and_then(|m| {
            let parsed: Result<Claim, _> =
                serde_json::from_value(serde_json::Value::String(m.clone()));
            parsed.ok().or_else(|| {
                self.fail(field, Some(m), "a claim such as paid, debited, failed, processing, credited, closed, refund_pending, refunded, risk_blocked, user_limit, not_found, outage");
                None
            })
        })
    }

    /// Attachment `i`: its kind of evidence, with a file and a note.
    fn attachment(&mut self, i: usize, a: &RawAttachment) -> Option<Attachment> {
        let field = format!("attachment[{i}].kind");
        let kind = self
            .required(&field, &a.kind, 40, EvidenceKind::EXPECTED)
            .and_then(|k| {
                serde_json::from_value::<EvidenceKind>(serde_json::Value::String(
                    k.trim().to_owned(),
                ))
                .ok()
                .or_else(|| {
                    self.fail(&field, Some(k), EvidenceKind::EXPECTED);
                    None
                })
            });
        let file = self.text(&format!("attachment[{i}].file"), &a.file, 500);
        let note = self.text(&format!("attachment[{i}].note"), &a.note, 500);
        Some(Attachment {
            kind: kind?,
            file,
            note,
        })
    }

    /// Contact `i`: when the user tried whom, and what they answered.
    fn contact(&mut self, i: usize, k: &RawContact, around: &Around) -> Option<Contact> {
        let at = self
            .required(&format!("contact[{i}].at"), &k.at, 64, TIME_EXPECTED)
            .and_then(|t| {
                self.moment(
                    format!("contact[{i}].at"),
                    t,
                    around.zone,
                    around.day,
                    TIME_EXPECTED,
                )
            });
        let with = self.required(
            &format!("contact[{i}].with"),
            &k.with,
            120,
            "who was contacted, e.g. 抖音客服",
        );
        let note = self.text(&format!("contact[{i}].note"), &k.note, 2000);
        let answer = self.text(&format!("contact[{i}].answer"), &k.answer, 2000);
        let ticket = self.text(&format!("contact[{i}].ticket"), &k.ticket, 64);
        let promised_by = self
            .text(&format!("contact[{i}].promised_by"), &k.promised_by, 32)
            .and_then(|t| match NaiveDate::parse_from_str(t.trim(), "%Y-%m-%d") {
                Ok(d) => Some(d),
                Err(_) => {
                    self.fail(
                        format!("contact[{i}].promised_by"),
                        Some(t),
                        "a date such as 2026-11-28",
                    );
                    None
                }
            });
        Some(Contact {
            at: at?,
            with: with?,
            note,
            answer,
            ticket,
            promised_by,
        })
    }
}

/// The provider of a payment ID, when the recogniser is confident. Its
/// dates are judged against the order's `day` (an ID dated later than the
/// day after is unlikely), not the clock: validating a case gives the same
/// case whenever it runs.
fn recognise_provider(id: &str, day: NaiveDate) -> Option<SourceKind> {
    let candidates = super::ids::recognise_at(id, day);
    let top = candidates.first()?;
    if top.confidence != super::ids::Confidence::Likely {
        return None;
    }
    SourceKind::parse(&top.issuer).filter(|k| k.party() == Party::Provider)
}

/// Counts observations per source, for summaries.
pub fn sources_seen(case: &Case) -> BTreeMap<SourceKind, usize> {
    let mut m = BTreeMap::new();
    for o in &case.observations {
        *m.entry(o.source).or_insert(0) += 1;
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    const DOU: &str = r#"
platform = "douyin_dou_plus"
order_id = "4921800123456789"
amount = "200.00"
method = "alipay"
submitted_at = "2026-11-21 15:14"

[[payment]]
id = "2026112122001412345678901234"
provider = "alipay"

[[observation]]
at = "15:15"
source = "platform"
status = "支付失败"

[[observation]]
at = "2026-11-21 15:15:08"
source = "支付宝"
status = "交易成功"
amount = "200.00"
"#;

    #[test]
    fn a_good_case_validates() {
        let case = parse_case_toml(DOU).expect("the DOU+ example is valid");
        assert_eq!(case.platform.preset, "douyin_dou_plus");
        assert_eq!(case.amount.amount, dec!(200.00));
        assert_eq!(
            case.amount.currency.code(),
            "CNY",
            "CNY is the default currency"
        );
        assert_eq!(
            case.submitted_at.to_rfc3339(),
            "2026-11-21T15:14:00+08:00",
            "China times default to +08:00"
        );
        assert_eq!(case.observations.len(), 2);
        assert_eq!(
            case.observations[0].at.unwrap().to_rfc3339(),
            "2026-11-21T15:15:00+08:00",
            "a bare time is on the order's day"
        );
        assert_eq!(case.observations[0].claim, Claim::Failed);
        assert_eq!(case.observations[1].claim, Claim::Paid);
    }

    #[test]
    fn every_bad_field_is_named() {
        let bad = r#"
platform = "douyin"
order_id = "abc def\u0007"
amount = "two hundred"
method = "carrier pigeon"
submitted_at = "yesterday"

[[observation]]
source = "the moon"
status = "支付失败"
"#;
        let Err(CaseError::Invalid(errors)) = parse_case_toml(bad) else {
            panic!("a case with bad fields must not validate");
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        for f in [
            "order_id",
            "amount",
            "method",
            "submitted_at",
            "observation[0].source",
        ] {
            assert!(
                fields.contains(&f),
                "{f} is bad and must be named; got {fields:?}"
            );
        }
        let amount = errors.iter().find(|e| e.field == "amount").unwrap();
        assert_eq!(
            amount.given.as_deref(),
            Some("two hundred"),
            "the error shows what was given"
        );
        assert!(amount.expected.contains("200.00"), "and what is expected");
    }

    #[test]
    fn missing_fields_are_named() {
        let Err(CaseError::Invalid(errors)) = parse_case_toml("") else {
            panic!("an empty case is invalid");
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            ["platform", "order_id", "amount", "method", "submitted_at"],
            "each required field is reported once"
        );
    }

    #[test]
    fn typos_in_keys_are_caught() {
        let err = parse_case_toml("ammount = 1").unwrap_err();
        assert!(
            matches!(&err, CaseError::Syntax { message, .. } if message.contains("ammount")),
            "an unknown key is named: {err}"
        );
    }

    #[test]
    fn numbers_and_toml_dates_are_accepted() {
        let case = parse_case_toml(
            "platform = \"other\"\nplatform_name = \"某某直播\"\norder_id = 12345\namount = 68.5\nmethod = \"微信\"\nsubmitted_at = 2026-11-21T20:05:00+08:00\n",
        )
        .expect("numbers and native TOML datetimes are fine");
        assert_eq!(case.order_id, "12345");
        assert_eq!(case.amount.amount, dec!(68.5));
        assert_eq!(case.platform.display().zh_cn, "某某直播");
        assert_eq!(case.method, Method::WechatPay);
    }

    #[test]
    fn a_full_card_number_is_cut_to_four() {
        let case = parse_case_toml(&DOU.replace(
            "\n[[payment]]",
            "card_last4 = \"6222 0212 3456 7890\"\n\n[[payment]]",
        ))
        .unwrap();
        assert_eq!(
            case.card_last4.as_deref(),
            Some("7890"),
            "only the last four digits are kept"
        );
    }

    #[test]
    fn to_raw_validates_back_to_the_same_case() {
        for text in [
            DOU,
            include_str!("../../../examples/douyin-dou-plus-alipay.toml"),
            include_str!("../../../examples/live-stream-wechat.toml"),
            include_str!("../../../examples/card-shop-epay.toml"),
        ] {
            let case = parse_case_toml(text).unwrap();
            let again = case
                .to_raw()
                .validate()
                .expect("a case's own fields are valid");
            assert_eq!(again, case, "editing a case in the form loses nothing");
        }
    }

    #[test]
    fn a_free_text_platform_is_other_with_its_name() {
        let p = Platform::parse("某某交友", None);
        assert_eq!(p.preset, "other");
        assert_eq!(p.display().en, "某某交友");
        let p = Platform::parse("DOU+", None);
        assert_eq!(p.preset, "douyin_dou_plus");
    }

    #[test]
    fn payment_providers_are_recognised_when_not_given() {
        let case = parse_case_toml(&DOU.replace("provider = \"alipay\"\n", "")).unwrap();
        assert_eq!(case.payments[0].provider, Some(SourceKind::Alipay));
        assert!(
            case.payments[0].recognised,
            "and marked as recognised, not given"
        );
    }

    mod fuzz {
        use super::*;
        use proptest::prelude::*;

        fn key() -> impl Strategy<Value = &'static str> {
            prop::sample::select(vec![
                "platform",
                "platform_name",
                "order_id",
                "amount",
                "currency",
                "method",
                "card_last4",
                "submitted_at",
                "timezone",
                "item",
                "merchant",
                "bogus",
            ])
        }

        fn value() -> impl Strategy<Value = String> {
            prop_oneof![
                any::<String>().prop_map(|s| format!("{s:?}")),
                any::<i64>().prop_map(|i| i.to_string()),
                any::<f64>()
                    .prop_filter("finite", |f| f.is_finite())
                    .prop_map(|f| format!("{f:?}")),
                Just("2026-11-21T15:14:00+08:00".to_owned()),
                Just("1979-05-27".to_owned()),
                Just("[1, 2]".to_owned()),
                Just("{ a = 1 }".to_owned()),
                "[0-9.,¥元-]{0,12}".prop_map(|s| format!("{s:?}")),
                "[0-9: -]{0,20}".prop_map(|s| format!("{s:?}")),
            ]
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(512))]

            /// Arbitrary text: a typed error or a case, never a panic.
            #[test]
            fn arbitrary_text_never_panics(text in any::<String>()) {
                let _ = parse_case_toml(&text);
                let _ = parse_case_json(&text);
            }

            /// Well-formed TOML with arbitrary keys and values: same promise,
            /// and a valid case always has its required fields.
            #[test]
            fn arbitrary_fields_never_panic(
                fields in prop::collection::vec((key(), value()), 0..12),
                observations in prop::collection::vec((value(), value(), value(), value()), 0..4),
            ) {
                let mut text = String::new();
                for (k, v) in &fields {
                    text.push_str(&format!("{k} = {v}\n"));
                }
                for (at, source, status, amount) in &observations {
                    text.push_str(&format!(
                        "[[observation]]\nat = {at}\nsource = {source}\nstatus = {status}\namount = {amount}\n"
                    ));
                }
                match parse_case_toml(&text) {
                    Ok(case) => {
                        prop_assert!(!case.order_id.is_empty());
                        prop_assert!(case.amount.amount > Decimal::ZERO);
                    }
                    Err(CaseError::Invalid(errors)) => prop_assert!(!errors.is_empty()),
                    Err(CaseError::Syntax { message, .. }) => prop_assert!(!message.is_empty()),
                }
            }

            /// A valid case survives a JSON round trip unchanged.
            #[test]
            fn valid_cases_round_trip(amount in 1u32..1_000_000, cents in 0u32..100, minute in 0u32..60) {
                let text = format!(
                    "platform = \"card_shop\"\norder_id = \"K7M2Q9XW4T8B1N5D\"\namount = \"{amount}.{cents:02}\"\nmethod = \"alipay\"\nsubmitted_at = \"2026-11-21 10:{minute:02}\"\n"
                );
                let case = parse_case_toml(&text).unwrap();
                let json = serde_json::to_string(&case).unwrap();
                let back: Case = serde_json::from_str(&json).unwrap();
                prop_assert_eq!(back, case);
            }
        }
    }
}
