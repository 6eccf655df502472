//! Pieces both fakes share: the request log, scenario hit counting, money
//! and id helpers, ordered JSON objects.

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use rand::Rng;
use rand::distributions::Alphanumeric;
use serde_json::Value;

use super::http::{Request, header_in};

/// One request a fake received, with its verdict on the signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    /// `GET`, `POST`, …
    pub method: String,
    /// Path plus `?query`, exactly as on the request line.
    pub target: String,
    /// Headers in order, names as sent.
    pub headers: Vec<(String, String)>,
    /// The body as text (lossy UTF-8).
    pub body: String,
    /// Whether the request's signature verified with the configured client
    /// public key (Alipay: the app public key, §1.3; WeChat Pay: the
    /// merchant public key, §2.2). `false` when there was no signature.
    pub signature_valid: bool,
    /// Why the fake rejects the request's credentials (`None` = accepted):
    /// missing or bad signature, wrong `app_id`/`mchid`/`serial_no`, stale
    /// timestamp, …
    pub problem: Option<String>,
    /// The exact text the fake checked the signature over (Alipay: the
    /// sorted `k=v&…` string; WeChat Pay: the five-line message), empty if
    /// it could not be built. Handy when a client's signature fails.
    pub signed_text: String,
    /// When the fake had read the whole request (before any scenario
    /// delay): lets a test tell whether requests overlapped.
    pub received_at: Instant,
}

impl RecordedRequest {
    pub(crate) fn new(request: &Request) -> RecordedRequest {
        RecordedRequest {
            method: request.method.clone(),
            target: request.target.clone(),
            headers: request.headers.clone(),
            body: request.body_text(),
            signature_valid: false,
            problem: None,
            signed_text: String::new(),
            received_at: Instant::now(),
        }
    }

    /// The path, without the query.
    pub fn path(&self) -> &str {
        self.target.split_once('?').map_or(&self.target, |(p, _)| p)
    }

    /// The raw query (without `?`), if any.
    pub fn query(&self) -> Option<&str> {
        self.target.split_once('?').map(|(_, q)| q)
    }

    /// The first header of that name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        header_in(&self.headers, name)
    }

    /// Whether the fake accepted the request's credentials.
    pub fn accepted(&self) -> bool {
        self.problem.is_none()
    }
}

/// Yuan text (`"200.00"`, `"68"`, `"0.5"`) to fen, exactly; `None` if not
/// a non-negative amount with at most two decimals.
pub(crate) fn yuan_to_fen(yuan: &str) -> Option<i64> {
    let (whole, frac) = yuan.split_once('.').unwrap_or((yuan, ""));
    if whole.is_empty()
        || frac.len() > 2
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    let frac: i64 = format!("{frac:0<2}").parse().ok()?;
    whole.checked_mul(100)?.checked_add(frac)
}

/// Fen to yuan text with two decimals: `20000` → `"200.00"`.
pub(crate) fn fen_to_yuan(fen: i64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

/// The same yuan amount plus 1 yuan (`"200.00"` → `"201.00"`); text that
/// is not an amount becomes `"1.00"`.
pub(crate) fn plus_one_yuan(yuan: &str) -> String {
    yuan_to_fen(yuan).map_or_else(|| "1.00".to_owned(), |f| fen_to_yuan(f + 100))
}

/// A different id of the same shape: the last digit moves on by one
/// (`…613` → `…614`, `…9` → `…0`); an id not ending in a digit gets `X`.
pub(crate) fn other_id(id: &str) -> String {
    match id.chars().last() {
        Some(c) if c.is_ascii_digit() => {
            let next = char::from(b'0' + (c as u8 - b'0' + 1) % 10);
            format!("{}{next}", &id[..id.len() - 1])
        }
        _ => format!("{id}X"),
    }
}

/// `n` random ASCII letters and digits.
pub(crate) fn random_alnum(n: usize) -> String {
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(n)
        .map(char::from)
        .collect()
}

/// Seconds since the Unix epoch.
pub(crate) fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Serialises a JSON object with its keys in the given order (serde_json's
/// map sorts them). Used where the exact text matters to a signature.
pub(crate) fn ordered_object(fields: &[(&str, Value)]) -> String {
    let mut out = String::from("{");
    for (i, (key, value)) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&Value::from(*key).to_string());
        out.push(':');
        out.push_str(&value.to_string());
    }
    out.push('}');
    out
}

/// How many requests have met the current scenario; reset by `set`.
#[derive(Debug, Default)]
pub(crate) struct Hits(u32);

impl Hits {
    /// Counts one more request and returns its 1-based number.
    pub(crate) fn next(&mut self) -> u32 {
        self.0 = self.0.saturating_add(1);
        self.0
    }

    pub(crate) fn reset(&mut self) {
        self.0 = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fakes_money_and_ids() {
        assert_eq!(yuan_to_fen("200.00"), Some(20_000));
        assert_eq!(yuan_to_fen("68"), Some(6_800));
        assert_eq!(yuan_to_fen("0.5"), Some(50));
        assert_eq!(yuan_to_fen("1.234"), None);
        assert_eq!(yuan_to_fen("-1"), None);
        assert_eq!(fen_to_yuan(6_800), "68.00");
        assert_eq!(plus_one_yuan("200.00"), "201.00");
        assert_eq!(
            other_id("2026112122001412341408157613"),
            "2026112122001412341408157614"
        );
        assert_eq!(other_id("LS9"), "LS0");
        assert_eq!(other_id("abc"), "abcX");
        assert_eq!(
            ordered_object(&[("z", Value::from(1)), ("a", Value::from("é"))]),
            r#"{"z":1,"a":"é"}"#
        );
    }
}
