//! Money is an exact decimal with an ISO 4217 currency code. Never a float.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// An ISO 4217 currency code, upper case (`CNY`, `USD`, …).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(try_from = "String", into = "String")]
#[ts(type = "string")]
pub struct Currency(String);

impl Currency {
    pub fn cny() -> Self {
        Currency("CNY".to_owned())
    }

    pub fn code(&self) -> &str {
        &self.0
    }

    /// Digits after the decimal point that the currency uses.
    pub fn minor_digits(&self) -> u32 {
        match self.0.as_str() {
            "JPY" | "KRW" | "VND" | "CLP" | "ISK" | "TWD" => 0,
            _ => 2,
        }
    }

    /// The symbol or short word shown before/after amounts in letters.
    pub fn symbol(&self) -> &str {
        match self.0.as_str() {
            "CNY" => "¥",
            "USD" => "$",
            "EUR" => "€",
            "GBP" => "£",
            "HKD" => "HK$",
            "JPY" => "JP¥",
            _ => "",
        }
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<Currency> for String {
    fn from(c: Currency) -> String {
        c.0
    }
}

impl TryFrom<String> for Currency {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        s.parse()
    }
}

impl FromStr for Currency {
    type Err = String;

    /// Accepts ISO codes in any case and the usual Chinese words for yuan.
    fn from_str(s: &str) -> Result<Self, String> {
        let t = s.trim();
        let upper = t.to_ascii_uppercase();
        let code = match upper.as_str() {
            "元" | "人民币" | "RMB" | "¥" | "￥" | "CN¥" => "CNY".to_owned(),
            "美元" | "US$" | "$" => "USD".to_owned(),
            "港币" | "港元" => "HKD".to_owned(),
            "欧元" | "€" => "EUR".to_owned(),
            c if c.len() == 3 && c.bytes().all(|b| b.is_ascii_uppercase()) => c.to_owned(),
            _ => {
                return Err(
                    "a three-letter ISO 4217 currency code such as CNY, USD or EUR".to_owned(),
                );
            }
        };
        Ok(Currency(code))
    }
}

/// An amount of money: exact decimal and its currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Money {
    #[serde(with = "rust_decimal::serde::str")]
    #[ts(type = "string")]
    pub amount: Decimal,
    pub currency: Currency,
}

impl Money {
    pub fn new(amount: Decimal, currency: Currency) -> Self {
        Money { amount, currency }
    }

    /// `200.00 CNY`
    pub fn plain(&self) -> String {
        format!(
            "{} {}",
            format_amount(self.amount, self.currency.minor_digits()),
            self.currency
        )
    }

    /// `¥200.00` (or `200.00 XYZ` when the currency has no common symbol).
    /// As Chinese text writes it: `200.00 元`, `20.00 美元`; a currency
    /// without a Chinese name keeps its code (`20.00 CHF`).
    pub fn display_zh(&self) -> String {
        let amount = format_amount(self.amount, self.currency.minor_digits());
        let unit = match self.currency.code() {
            "CNY" => "元",
            "USD" => "美元",
            "HKD" => "港元",
            "EUR" => "欧元",
            "GBP" => "英镑",
            "JPY" => "日元",
            "TWD" => "新台币",
            "KRW" => "韩元",
            "SGD" => "新加坡元",
            "AUD" => "澳元",
            "CAD" => "加元",
            other => other,
        };
        format!("{amount} {unit}")
    }

    pub fn display(&self) -> String {
        let amount = format_amount(self.amount, self.currency.minor_digits());
        match self.currency.symbol() {
            "" => format!("{amount} {}", self.currency),
            sym => format!("{sym}{amount}"),
        }
    }
}

/// Formats with a fixed number of decimals, no thousands separator.
pub fn format_amount(amount: Decimal, digits: u32) -> String {
    let mut a = amount.round_dp(digits);
    a.rescale(digits);
    a.to_string()
}

/// Why an amount could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    #[error("no number found")]
    Empty,
    #[error("not a number")]
    NotANumber,
    #[error("must be greater than zero")]
    NotPositive,
    #[error("has more than {0} decimal places")]
    TooPrecise(u32),
    #[error("is implausibly large")]
    TooLarge,
}

/// What an amount field expects, for error messages.
pub const AMOUNT_EXPECTED: &str =
    "an amount greater than zero such as 200, 200.00, ¥200 or 1,234.50 元";

/// Reads an amount as people write it: `200`, `200.00`, `¥200`, `200元`,
/// `1,234.50`, `-200.00` (a debit; the sign is dropped), `人民币200.00`.
/// Returns the number only; the currency comes from the case.
pub fn parse_amount(input: &str, digits: u32) -> Result<Decimal, AmountError> {
    let mut s: String = input
        .trim()
        .chars()
        .filter(|c| !c.is_whitespace() && *c != ',' && *c != '，')
        .collect();
    for affix in [
        "人民币",
        "RMB",
        "CNY",
        "rmb",
        "cny",
        "¥",
        "￥",
        "元",
        "$",
        "USD",
        "usd",
    ] {
        if let Some(rest) = s.strip_prefix(affix) {
            s = rest.to_owned();
        }
        if let Some(rest) = s.strip_suffix(affix) {
            s = rest.to_owned();
        }
    }
    let s = s.trim_start_matches(['+', '-']);
    if s.is_empty() {
        return Err(AmountError::Empty);
    }
    if !s.bytes().all(|b| b.is_ascii_digit() || b == b'.') || s.matches('.').count() > 1 {
        return Err(AmountError::NotANumber);
    }
    if s.len() > 20 {
        return Err(AmountError::TooLarge);
    }
    let d = Decimal::from_str(s).map_err(|_| AmountError::NotANumber)?;
    if d.is_zero() {
        return Err(AmountError::NotPositive);
    }
    if d.normalize().scale() > digits {
        return Err(AmountError::TooPrecise(digits));
    }
    if d > Decimal::from(10_000_000_000i64) {
        return Err(AmountError::TooLarge);
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    #[test]
    fn amounts_as_people_write_them() {
        for (input, want) in [
            ("200", dec!(200)),
            ("200.00", dec!(200.00)),
            ("¥200", dec!(200)),
            ("￥28.16", dec!(28.16)),
            ("200元", dec!(200)),
            ("1,234.50", dec!(1234.50)),
            ("-11.00", dec!(11.00)),
            ("人民币50.00", dec!(50.00)),
            (" 62.5 ", dec!(62.5)),
        ] {
            assert_eq!(
                parse_amount(input, 2),
                Ok(want),
                "{input:?} is a common way to write {want}"
            );
        }
    }

    #[test]
    fn bad_amounts_say_why() {
        assert_eq!(parse_amount("", 2), Err(AmountError::Empty));
        assert_eq!(parse_amount("abc", 2), Err(AmountError::NotANumber));
        assert_eq!(parse_amount("1.2.3", 2), Err(AmountError::NotANumber));
        assert_eq!(parse_amount("0.00", 2), Err(AmountError::NotPositive));
        assert_eq!(
            parse_amount("1.001", 2),
            Err(AmountError::TooPrecise(2)),
            "yuan have two decimals; a third digit is a typo"
        );
        assert_eq!(
            parse_amount("1.50", 0),
            Err(AmountError::TooPrecise(0)),
            "yen have none"
        );
        assert_eq!(
            parse_amount("1.00", 0),
            Ok(dec!(1.00)),
            "trailing zeros are fine"
        );
    }

    #[test]
    fn currencies_accept_words_and_codes() {
        assert_eq!("cny".parse::<Currency>().unwrap().code(), "CNY");
        assert_eq!("元".parse::<Currency>().unwrap().code(), "CNY");
        assert_eq!("RMB".parse::<Currency>().unwrap().code(), "CNY");
        assert!("dollars".parse::<Currency>().is_err());
    }

    #[test]
    fn display_keeps_the_minor_digits() {
        let m = Money::new(dec!(200), Currency::cny());
        assert_eq!(m.display(), "¥200.00");
        assert_eq!(m.plain(), "200.00 CNY");
        let j = Money::new(dec!(1500), "JPY".parse().unwrap());
        assert_eq!(j.display(), "JP¥1500");
    }
}
