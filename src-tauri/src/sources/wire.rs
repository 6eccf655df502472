//! Reading what providers answer, where they write it alike: JSON scalars
//! of loose type (`"1"` next to `1`), integer status codes, Beijing
//! times. Each provider keeps its own wire types and status words; these
//! are the readers they share.

use chrono::{NaiveDateTime, TimeZone};
use serde::{Deserialize, Deserializer};

use crate::domain::observation::Claim;
use crate::domain::time::{Moment, china};

/// A JSON scalar as text, whatever its type: `"1"`, `1` and `1.0` →
/// `"1"`, `"1"`, `"1.0"` (strings trimmed); `true` → `"true"`; `null`, an
/// object or an array (where a scalar belongs: not readable) → `None`.
pub fn scalar(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) => Some(s.trim().to_owned()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A field read as [`scalar`] text (`deserialize_with`); a missing field
/// is `None` with `#[serde(default)]`. For gateways that are loose with
/// types.
pub fn loose_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(scalar(&serde_json::Value::deserialize(d)?))
}

/// Whether loose `text` is the integer `n` (`"1"`, `1`, `1.0`).
pub fn is_int(text: Option<&str>, n: i64) -> bool {
    text.and_then(|t| t.trim().parse::<f64>().ok())
        .is_some_and(|v| v == n as f64)
}

/// A status table of integer codes: the claim of the first code that loose
/// `text` is, `Unknown` for any other.
pub fn int_claim(text: Option<&str>, table: &[(i64, Claim)]) -> Claim {
    table
        .iter()
        .find(|(n, _)| is_int(text, *n))
        .map_or(Claim::Unknown, |(_, c)| *c)
}

/// `yyyy-MM-dd HH:mm:ss`, Beijing time (Alipay, epay).
pub fn beijing(t: Option<&str>) -> Option<Moment> {
    let t = NaiveDateTime::parse_from_str(t?.trim(), "%Y-%m-%d %H:%M:%S").ok()?;
    china().from_local_datetime(&t).single()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Loose {
        #[serde(default, deserialize_with = "loose_text")]
        a: Option<String>,
    }

    fn loose(json: &str) -> Option<String> {
        serde_json::from_str::<Loose>(json).unwrap().a
    }

    #[test]
    fn loose_typing_reads_strings_numbers_and_nothing() {
        assert_eq!(loose(r#"{"a":"1"}"#).as_deref(), Some("1"));
        assert_eq!(loose(r#"{"a":" 1 "}"#).as_deref(), Some("1"));
        assert_eq!(loose(r#"{"a":1}"#).as_deref(), Some("1"));
        assert_eq!(loose(r#"{"a":50.5}"#).as_deref(), Some("50.5"));
        assert_eq!(loose(r#"{"a":true}"#).as_deref(), Some("true"));
        assert_eq!(loose(r#"{"a":null}"#), None);
        assert_eq!(loose(r#"{}"#), None);
        assert_eq!(loose(r#"{"a":{"b":1}}"#), None);
        assert_eq!(loose(r#"{"a":[1]}"#), None);
        assert!(is_int(Some("1"), 1));
        assert!(is_int(Some("1.0"), 1), "some gateways say 1.0");
        assert!(is_int(Some(" 0 "), 0));
        assert!(!is_int(Some("-1"), 1));
        assert!(!is_int(None, 1));
    }

    #[test]
    fn integer_status_tables() {
        let table = [(1, Claim::Paid), (0, Claim::Unpaid)];
        assert_eq!(int_claim(Some("1"), &table), Claim::Paid);
        assert_eq!(int_claim(Some("0.0"), &table), Claim::Unpaid);
        assert_eq!(int_claim(Some("2"), &table), Claim::Unknown);
        assert_eq!(int_claim(None, &table), Claim::Unknown);
    }

    #[test]
    fn beijing_times() {
        let t = beijing(Some(" 2026-11-21 15:14:06 ")).unwrap();
        assert_eq!(t.to_rfc3339(), "2026-11-21T15:14:06+08:00");
        assert_eq!(beijing(Some("2026-11-21T15:14:06Z")), None);
        assert_eq!(beijing(None), None);
    }
}
