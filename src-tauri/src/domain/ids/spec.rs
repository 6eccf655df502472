//! The data files under `data/ids/`: their format, and loading them.
//!
//! One TOML file describes one issuer/kind of identifier (the layout follows
//! jkeen/tracking_number_data: one data file per issuer, with test vectors in
//! the file itself). Every file is compiled into the binary with
//! `include_str!` and parsed once. A broken file is a programmer error that the
//! unit tests catch; it never depends on user input.

use std::collections::BTreeMap;
use std::collections::BTreeSet;

use chrono::{NaiveDate, NaiveDateTime};
use regex::Regex;
use serde::{Deserialize, Serialize};

use super::Confidence;

/// The data files, in a fixed order. Adding a file means adding a line here
/// (a unit test checks that every `*.toml` in `data/ids/` is listed).
pub(crate) const DATA_FILES: &[(&str, &str)] = &[
    (
        "alipay_trade_no.toml",
        include_str!("../../../data/ids/alipay_trade_no.toml"),
    ),
    (
        "alipay_trade_no_legacy.toml",
        include_str!("../../../data/ids/alipay_trade_no_legacy.toml"),
    ),
    (
        "alipay_user_id.toml",
        include_str!("../../../data/ids/alipay_user_id.toml"),
    ),
    (
        "wechat_transaction_id.toml",
        include_str!("../../../data/ids/wechat_transaction_id.toml"),
    ),
    (
        "stripe_payment_intent.toml",
        include_str!("../../../data/ids/stripe_payment_intent.toml"),
    ),
    (
        "stripe_charge.toml",
        include_str!("../../../data/ids/stripe_charge.toml"),
    ),
    (
        "stripe_refund.toml",
        include_str!("../../../data/ids/stripe_refund.toml"),
    ),
    (
        "stripe_client_secret.toml",
        include_str!("../../../data/ids/stripe_client_secret.toml"),
    ),
    (
        "stripe_secret_key.toml",
        include_str!("../../../data/ids/stripe_secret_key.toml"),
    ),
    (
        "paypal_order.toml",
        include_str!("../../../data/ids/paypal_order.toml"),
    ),
    (
        "epay_trade_no.toml",
        include_str!("../../../data/ids/epay_trade_no.toml"),
    ),
    (
        "dujiaoka_order_sn.toml",
        include_str!("../../../data/ids/dujiaoka_order_sn.toml"),
    ),
    (
        "bank_card.toml",
        include_str!("../../../data/ids/bank_card.toml"),
    ),
];

/// One data file: an issuer and the kind of identifier it issues.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssuerSpec {
    /// The data file's name, e.g. `alipay_trade_no.toml` (set by the loader).
    #[serde(default, skip_deserializing)]
    pub file: String,
    /// snake_case issuer id, e.g. `alipay`.
    pub issuer: String,
    /// snake_case kind, e.g. `trade_no`.
    pub kind: String,
    /// What the number is for: `order`, `payment`, `refund`, `account`,
    /// `card` or `secret`.
    pub role: super::IdRole,
    pub name_en: String,
    pub name_zh: String,
    /// Where the facts come from (free text, for maintainers).
    #[serde(default)]
    pub source: Option<String>,
    /// Anchored regex (`^…$`) whose capturing groups are all named.
    pub pattern: String,
    /// Base score 0–100 when the pattern matches.
    pub score: u8,
    /// Length limits in characters of the normalised ID, for what the
    /// pattern cannot say by itself.
    #[serde(default)]
    pub min_len: Option<usize>,
    #[serde(default)]
    pub max_len: Option<usize>,
    /// Further regexes that must all match somewhere (e.g. "has a digit").
    #[serde(default)]
    pub also_match: Vec<String>,
    #[serde(default)]
    pub checksum: Option<Checksum>,
    #[serde(default)]
    pub warning_en: Option<String>,
    #[serde(default)]
    pub warning_zh: Option<String>,
    /// What each named group of `pattern` means.
    pub groups: BTreeMap<String, GroupSpec>,
    /// Test vectors that must be recognised as this issuer/kind.
    #[serde(default)]
    pub valid: Vec<ValidVector>,
    /// Test vectors that must not be recognised as this issuer/kind.
    #[serde(default)]
    pub invalid: Vec<InvalidVector>,
    #[serde(skip)]
    pub(crate) compiled: Option<Compiled>,
}

/// A checksum over the whole normalised ID.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Checksum {
    /// Luhn mod 10, as on payment cards.
    Luhn,
}

/// What a named group means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Meaning {
    /// A calendar date; needs `format`.
    Date,
    /// A date and time of day; needs `format`.
    Datetime,
    Prefix,
    Serial,
    Random,
    Check,
    /// Another ID embedded in this one.
    Id,
    /// The hidden middle of a card number.
    Account,
    /// The last digits (e.g. a card's 尾号).
    Tail,
    /// Something that must never be shown.
    Secret,
}

impl Meaning {
    pub fn text_en(self) -> &'static str {
        match self {
            Meaning::Date => "date",
            Meaning::Datetime => "date and time",
            Meaning::Prefix => "prefix",
            Meaning::Serial => "serial number",
            Meaning::Random => "random characters",
            Meaning::Check => "check digit",
            Meaning::Id => "embedded ID",
            Meaning::Account => "account digits (hidden)",
            Meaning::Tail => "last digits",
            Meaning::Secret => "secret (hidden)",
        }
    }

    pub fn text_zh(self) -> &'static str {
        match self {
            Meaning::Date => "日期",
            Meaning::Datetime => "日期时间",
            Meaning::Prefix => "前缀",
            Meaning::Serial => "流水号",
            Meaning::Random => "随机字符",
            Meaning::Check => "校验位",
            Meaning::Id => "内含的编号",
            Meaning::Account => "账号数字（已隐藏）",
            Meaning::Tail => "末尾数字",
            Meaning::Secret => "密钥（已隐藏）",
        }
    }
}

/// A `[groups.<name>]` table.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupSpec {
    pub meaning: Meaning,
    /// chrono format for `date` / `datetime`, e.g. `%Y%m%d`.
    #[serde(default)]
    pub format: Option<String>,
    pub label_en: String,
    pub label_zh: String,
    /// Replace the value by `*` in `Part::value` and `Candidate::normalized`.
    #[serde(default)]
    pub mask: bool,
    /// A regex; when the group's value matches it, `typical_bonus` is added.
    #[serde(default)]
    pub typical: Option<String>,
    #[serde(default)]
    pub typical_bonus: u8,
    /// Appended to the meaning text when `typical` matches.
    #[serde(default)]
    pub typical_en: Option<String>,
    #[serde(default)]
    pub typical_zh: Option<String>,
}

/// A string that must be recognised as the file's issuer/kind.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValidVector {
    pub id: String,
    /// Why this vector belongs here (source, or how it was constructed).
    pub why: String,
    /// Must be the first candidate.
    #[serde(default)]
    pub top: bool,
    /// Expected embedded date (`"yyyy-mm-dd"`, quoted).
    #[serde(default)]
    pub created: Option<NaiveDate>,
    /// Expected confidence of this issuer/kind's candidate.
    #[serde(default)]
    pub confidence: Option<Confidence>,
    /// Expected `Candidate::normalized` (after masking).
    #[serde(default)]
    pub normalized: Option<String>,
}

/// A string that must not be recognised as the file's issuer/kind.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InvalidVector {
    pub id: String,
    pub why: String,
}

/// Compiled regexes of one data file.
#[derive(Debug, Clone)]
pub(crate) struct Compiled {
    pub(crate) re: Regex,
    pub(crate) also: Vec<Regex>,
    pub(crate) typical: BTreeMap<String, Regex>,
    /// Group names in the order they appear in the pattern.
    pub(crate) order: Vec<String>,
}

impl IssuerSpec {
    /// The compiled form. Always present on specs returned by `issuers()`.
    pub(crate) fn compiled(&self) -> Option<&Compiled> {
        self.compiled.as_ref()
    }
}

/// A data file that does not load.
#[derive(Debug, thiserror::Error)]
#[error("data/ids/{file}: {message}")]
pub struct LoadError {
    pub file: String,
    pub message: String,
}

fn is_snake_case(s: &str) -> bool {
    !s.is_empty()
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Parses and checks one data file.
pub(crate) fn load_one(file: &str, text: &str) -> Result<IssuerSpec, LoadError> {
    let err = |message: String| LoadError {
        file: file.to_string(),
        message,
    };
    let mut spec: IssuerSpec = toml::from_str(text).map_err(|e| err(e.to_string()))?;
    spec.file = file.to_string();

    if !is_snake_case(&spec.issuer) || !is_snake_case(&spec.kind) {
        return Err(err(format!(
            "issuer {:?} and kind {:?} must be snake_case",
            spec.issuer, spec.kind
        )));
    }
    if spec.score > 100 {
        return Err(err(format!("score {} is above 100", spec.score)));
    }
    if !spec.pattern.starts_with('^') || !spec.pattern.ends_with('$') {
        return Err(err("pattern must be anchored with ^…$".to_string()));
    }
    if spec.warning_en.is_some() != spec.warning_zh.is_some() {
        return Err(err(
            "warning_en and warning_zh must be given together".to_string()
        ));
    }
    if let (Some(lo), Some(hi)) = (spec.min_len, spec.max_len)
        && lo > hi
    {
        return Err(err(format!("min_len {lo} > max_len {hi}")));
    }
    let re = Regex::new(&spec.pattern).map_err(|e| err(format!("pattern: {e}")))?;

    let order: Vec<String> = re.capture_names().flatten().map(str::to_string).collect();
    if re.captures_len() - 1 != order.len() {
        return Err(err(
            "every capturing group must be named; use (?:…) otherwise".to_string(),
        ));
    }
    let in_regex: BTreeSet<&str> = order.iter().map(String::as_str).collect();
    let in_table: BTreeSet<&str> = spec.groups.keys().map(String::as_str).collect();
    if in_regex != in_table {
        let missing: Vec<_> = in_regex.difference(&in_table).collect();
        let extra: Vec<_> = in_table.difference(&in_regex).collect();
        return Err(err(format!(
            "groups in pattern and [groups.*] differ: without a table {missing:?}, not in pattern {extra:?}"
        )));
    }

    let mut typical = BTreeMap::new();
    for (name, g) in &spec.groups {
        match (g.meaning, &g.format) {
            (Meaning::Date, Some(f)) => {
                check_format(f, true).map_err(|m| err(format!("groups.{name}.format: {m}")))?;
            }
            (Meaning::Datetime, Some(f)) => {
                check_format(f, false).map_err(|m| err(format!("groups.{name}.format: {m}")))?;
            }
            (Meaning::Date | Meaning::Datetime, None) => {
                return Err(err(format!("groups.{name} needs a format")));
            }
            (_, Some(_)) => {
                return Err(err(format!(
                    "groups.{name}: format only applies to date/datetime"
                )));
            }
            (_, None) => {}
        }
        if let Some(t) = &g.typical {
            let r = Regex::new(t).map_err(|e| err(format!("groups.{name}.typical: {e}")))?;
            typical.insert(name.clone(), r);
        } else if g.typical_bonus != 0 || g.typical_en.is_some() || g.typical_zh.is_some() {
            return Err(err(format!(
                "groups.{name}: typical_* given without typical"
            )));
        }
    }
    let also = spec
        .also_match
        .iter()
        .map(|p| Regex::new(p).map_err(|e| err(format!("also_match {p:?}: {e}"))))
        .collect::<Result<Vec<_>, _>>()?;
    if spec.valid.is_empty() {
        return Err(err("needs at least one valid vector".to_string()));
    }
    spec.compiled = Some(Compiled {
        re,
        also,
        typical,
        order,
    });
    Ok(spec)
}

/// Checks that a chrono format can round-trip a known date.
fn check_format(format: &str, date_only: bool) -> Result<(), String> {
    let sample = NaiveDate::from_ymd_opt(2026, 11, 21)
        .and_then(|d| d.and_hms_opt(15, 15, 7))
        .ok_or("internal: sample date")?;
    let text = sample.format(format).to_string();
    let ok = if date_only {
        NaiveDate::parse_from_str(&text, format).ok() == Some(sample.date())
    } else {
        NaiveDateTime::parse_from_str(&text, format).ok() == Some(sample)
    };
    if ok {
        Ok(())
    } else {
        Err(format!("{format:?} does not round-trip a sample date"))
    }
}

/// Loads every data file, in `DATA_FILES` order.
pub(crate) fn load_all() -> Result<Vec<IssuerSpec>, LoadError> {
    let specs = DATA_FILES
        .iter()
        .map(|(file, text)| load_one(file, text))
        .collect::<Result<Vec<_>, _>>()?;
    let mut seen = BTreeSet::new();
    for s in &specs {
        if !seen.insert(s.file.as_str()) {
            return Err(LoadError {
                file: s.file.clone(),
                message: "listed twice".to_string(),
            });
        }
    }
    Ok(specs)
}
