//! Recognising which system issued a pasted ID.
//!
//! The knowledge lives in data files under `data/ids/`, one per issuer/kind
//! (see [`spec`] for the format). [`recognise_at`] normalises the input, tries
//! every data file and returns ranked [`Candidate`]s.
//!
//! Rules, in order:
//!
//! 1. **Normalisation.** Leading/trailing and internal whitespace (spaces,
//!    tabs, NBSP, U+3000) and zero-width characters are removed; full-width
//!    ASCII (`０-９`, `Ａ-Ｚ`, `＿` …) becomes ASCII. Case is kept (Stripe IDs are
//!    case-sensitive). Inputs longer than [`MAX_INPUT_CHARS`] after trimming
//!    give no candidates.
//! 2. **Match.** The anchored `pattern` must match the whole normalised string;
//!    `min_len`/`max_len`, `also_match` and `checksum` must hold. A failed
//!    checksum rejects the candidate.
//! 3. **Dates.** A `date`/`datetime` group that is not a real calendar date
//!    (month 13, 30 February, hour 25) **rejects** the candidate, and so does a
//!    date before [`EARLIEST_DATE`] (no issuer here existed then). A date in
//!    `EARLIEST_DATE..=today+1` adds [`DATE_BONUS`]; a later date subtracts
//!    [`FUTURE_PENALTY`] and adds a note.
//! 4. **Typical values.** A group whose value matches its `typical` regex adds
//!    its `typical_bonus` (e.g. WeChat's `42000` prefix).
//! 5. **Ranking.** Score clamped to 0–100; candidates left at 0 are dropped;
//!    one candidate per issuer/kind (the best); sorted by score descending,
//!    then issuer, then kind.
//! 6. **Confidence.** Nothing is ever certain. Only the first candidate can be
//!    [`Confidence::Likely`]: its score must be ≥ [`LIKELY_MIN`] and at least
//!    [`CLOSE_GAP`] above the second. Any candidate within `CLOSE_GAP` of
//!    another is at most `Possible`. Otherwise `Possible` from
//!    [`POSSIBLE_MIN`], else `Unlikely`.
//!
//! Groups marked `mask = true` (card digits, secrets) are replaced by `*` in
//! `Candidate::normalized` and `Part::value`, and never appear in notes.

pub mod spec;

#[cfg(test)]
mod tests;

use std::cmp::Reverse;
use std::sync::LazyLock;

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

pub use spec::{Checksum, GroupSpec, InvalidVector, IssuerSpec, LoadError, Meaning, ValidVector};

/// Longer inputs (after trimming) are not IDs; they give no candidates.
pub const MAX_INPUT_CHARS: usize = 128;
/// Added when an embedded date is plausible.
pub const DATE_BONUS: u8 = 25;
/// Subtracted when an embedded date is after tomorrow.
pub const FUTURE_PENALTY: u8 = 30;
/// The first candidate is `Likely` only from this score.
pub const LIKELY_MIN: u8 = 70;
/// Below this a candidate is `Unlikely`.
pub const POSSIBLE_MIN: u8 = 40;
/// Candidates whose scores differ by less than this are "close".
pub const CLOSE_GAP: u8 = 15;
/// Dates before this reject a candidate: no issuer here existed yet
/// (Alipay launched in December 2004).
pub const EARLIEST_DATE: NaiveDate = match NaiveDate::from_ymd_opt(2004, 1, 1) {
    Some(d) => d,
    None => panic!("2004-01-01 is a valid date"),
};

/// How sure we are about one candidate. Never "certain".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    Likely,
    Possible,
    Unlikely,
}

/// What an identifier is for the case, so a number typed into the wrong
/// field can be named (a payment's trade number as the order number).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum IdRole {
    /// The platform's or shop's order number.
    Order,
    /// A payment provider's number for the payment.
    Payment,
    /// A provider's number for a refund.
    Refund,
    /// A person's or merchant's account, not a transaction.
    Account,
    /// A bank card number.
    Card,
    /// A secret that must not be pasted anywhere.
    Secret,
}

/// One possible reading of the input.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct Candidate {
    pub issuer: String,
    pub kind: String,
    /// What the number is for (the order, a payment, a refund …).
    pub role: IdRole,
    pub name_en: String,
    pub name_zh: String,
    /// The ID after normalisation (masked parts replaced by `*`).
    pub normalized: String,
    /// 0–100, after adjustments.
    pub score: u8,
    pub confidence: Confidence,
    /// What each named group means, in pattern order.
    pub parts: Vec<Part>,
    /// The embedded date, if any (a real calendar date; may be in the future,
    /// which the notes then say).
    pub created: Option<NaiveDate>,
    pub notes_en: Vec<String>,
    pub notes_zh: Vec<String>,
}

/// One named part of a recognised ID.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct Part {
    pub name: String,
    /// The characters (masked if the part is sensitive).
    pub value: String,
    pub label_en: String,
    pub label_zh: String,
    pub meaning_en: String,
    pub meaning_zh: String,
}

/// An input and its normalised form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Normalized {
    pub original: String,
    pub normalized: String,
}

static SPECS: LazyLock<Vec<IssuerSpec>> = LazyLock::new(|| match spec::load_all() {
    Ok(specs) => specs,
    // The data files are compiled in and checked by unit tests.
    Err(e) => panic!("built-in ID data is broken: {e}"),
});

/// The parsed data files, in a fixed order.
pub fn issuers() -> &'static [IssuerSpec] {
    &SPECS
}

fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}'
    )
}

/// Normalises an ID as typed or pasted: drops all whitespace and zero-width
/// characters, turns full-width ASCII into ASCII. Keeps the original.
pub fn normalize(input: &str) -> Normalized {
    let normalized = input
        .chars()
        .filter_map(|c| {
            if c.is_whitespace() || is_invisible(c) {
                None
            } else if ('\u{FF01}'..='\u{FF5E}').contains(&c) {
                char::from_u32(c as u32 - 0xFEE0)
            } else {
                Some(c)
            }
        })
        .collect();
    Normalized {
        original: input.to_string(),
        normalized,
    }
}

/// Recognises `input` as of `today`. Ranked best first; empty if nothing fits.
pub fn recognise_at(input: &str, today: NaiveDate) -> Vec<Candidate> {
    let trimmed = input.trim();
    if trimmed.is_empty() || trimmed.chars().nth(MAX_INPUT_CHARS).is_some() {
        return Vec::new();
    }
    let norm = normalize(trimmed).normalized;
    if norm.is_empty() {
        return Vec::new();
    }
    let changed = norm != trimmed;

    let mut out: Vec<Candidate> = issuers()
        .iter()
        .filter_map(|s| evaluate(s, &norm, changed, today))
        .collect();
    out.sort_by(|a, b| {
        (Reverse(a.score), &a.issuer, &a.kind).cmp(&(Reverse(b.score), &b.issuer, &b.kind))
    });
    // One candidate per issuer/kind: the best (first after sorting).
    let mut seen = std::collections::BTreeSet::new();
    out.retain(|c| c.score > 0 && seen.insert((c.issuer.clone(), c.kind.clone())));
    assign_confidence(&mut out);
    out
}

fn assign_confidence(cands: &mut [Candidate]) {
    let scores: Vec<u8> = cands.iter().map(|c| c.score).collect();
    for (i, c) in cands.iter_mut().enumerate() {
        let close = scores
            .iter()
            .enumerate()
            .any(|(j, &s)| j != i && s.abs_diff(c.score) < CLOSE_GAP);
        c.confidence = if i == 0 && c.score >= LIKELY_MIN && !close {
            Confidence::Likely
        } else if c.score >= POSSIBLE_MIN {
            Confidence::Possible
        } else {
            Confidence::Unlikely
        };
    }
}

fn luhn_ok(s: &str) -> bool {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let sum: u32 = s
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// Replaces the characters of `ranges` (byte ranges) by `*`.
fn mask(s: &str, ranges: &[std::ops::Range<usize>]) -> String {
    s.char_indices()
        .map(|(i, c)| {
            if ranges.iter().any(|r| r.contains(&i)) {
                '*'
            } else {
                c
            }
        })
        .collect()
}

/// Tries one data file against the normalised input.
fn evaluate(spec: &IssuerSpec, norm: &str, changed: bool, today: NaiveDate) -> Option<Candidate> {
    let compiled = spec.compiled()?;
    let len = norm.chars().count();
    if spec.min_len.is_some_and(|m| len < m) || spec.max_len.is_some_and(|m| len > m) {
        return None;
    }
    let caps = compiled.re.captures(norm)?;
    if !compiled.also.iter().all(|r| r.is_match(norm)) {
        return None;
    }
    match spec.checksum {
        Some(Checksum::Luhn) if !luhn_ok(norm) => return None,
        _ => {}
    }

    let mut score = i32::from(spec.score);
    let mut created = None;
    let mut date_scored = false;
    let mut parts = Vec::new();
    let mut notes_en = Vec::new();
    let mut notes_zh = Vec::new();
    let mut date_notes_en = Vec::new();
    let mut date_notes_zh = Vec::new();
    let mut masked = Vec::new();
    let tomorrow = today.succ_opt().unwrap_or(today);

    for name in &compiled.order {
        let (Some(m), Some(g)) = (caps.name(name), spec.groups.get(name)) else {
            continue;
        };
        let value = m.as_str();
        let mut meaning_en = g.meaning.text_en().to_string();
        let mut meaning_zh = g.meaning.text_zh().to_string();

        if let (Meaning::Date | Meaning::Datetime, Some(fmt)) = (g.meaning, &g.format) {
            let (date, shown) = if g.meaning == Meaning::Date {
                let d = NaiveDate::parse_from_str(value, fmt).ok()?;
                (d, d.format("%Y-%m-%d").to_string())
            } else {
                let t = NaiveDateTime::parse_from_str(value, fmt).ok()?;
                (t.date(), t.format("%Y-%m-%d %H:%M:%S").to_string())
            };
            if date < EARLIEST_DATE {
                return None;
            }
            meaning_en = format!("{meaning_en} {shown}");
            meaning_zh = format!("{meaning_zh} {shown}");
            if date > tomorrow {
                meaning_en.push_str(" (in the future)");
                meaning_zh.push_str("（晚于今天）");
                if !date_scored {
                    score -= i32::from(FUTURE_PENALTY);
                    date_notes_en.push(format!(
                        "date {shown} is in the future (today is {today}), so this reading is doubtful"
                    ));
                    date_notes_zh.push(format!("日期 {shown} 晚于今天（{today}），这种解读可疑"));
                }
            } else if !date_scored {
                score += i32::from(DATE_BONUS);
                date_notes_en.push(format!("created {shown}"));
                date_notes_zh.push(format!("创建于 {shown}"));
            }
            date_scored = true;
            created = created.or(Some(date));
        }

        if let Some(r) = compiled.typical.get(name)
            && r.is_match(value)
        {
            score += i32::from(g.typical_bonus);
            if let Some(t) = &g.typical_en {
                meaning_en = format!("{meaning_en}; {t}");
            }
            if let Some(t) = &g.typical_zh {
                meaning_zh = format!("{meaning_zh}；{t}");
            }
        }

        let shown_value = if g.mask {
            masked.push(m.range());
            "*".repeat(value.chars().count())
        } else {
            value.to_string()
        };
        parts.push(Part {
            name: name.clone(),
            value: shown_value,
            label_en: g.label_en.clone(),
            label_zh: g.label_zh.clone(),
            meaning_en,
            meaning_zh,
        });
    }

    if let (Some(en), Some(zh)) = (&spec.warning_en, &spec.warning_zh) {
        notes_en.push(en.clone());
        notes_zh.push(zh.clone());
    }
    notes_en.extend(date_notes_en);
    notes_zh.extend(date_notes_zh);
    if changed {
        notes_en.push(
            "spaces or full-width characters in the input were removed or converted before matching"
                .to_string(),
        );
        notes_zh.push("匹配前已去掉输入中的空格并把全角字符转为半角".to_string());
    }

    let normalized = if masked.is_empty() {
        norm.to_string()
    } else {
        mask(norm, &masked)
    };
    Some(Candidate {
        issuer: spec.issuer.clone(),
        kind: spec.kind.clone(),
        role: spec.role,
        name_en: spec.name_en.clone(),
        name_zh: spec.name_zh.clone(),
        normalized,
        score: u8::try_from(score.clamp(0, 100)).unwrap_or(0),
        confidence: Confidence::Unlikely,
        parts,
        created,
        notes_en,
        notes_zh,
    })
}
