//! A case drafted from screenshots: the payment app's 账单详情 and the
//! platform's order page (and, if given, the bank's SMS thread) fill in the
//! platform, the order and payment numbers, the amount, the time, the
//! method and what each app shows — each field with the screenshot, and the
//! place on it, it came from. What no screenshot shows is named as still to
//! fill; nothing is guessed.

use std::io::Read;
use std::path::Path;

use chrono::{FixedOffset, NaiveDate};
use serde::Serialize;

use super::screen::{self, Engine, Field, Mark, Region, Screen};
use super::{EvidenceError, Format, Progress, Record, matching};
use crate::domain::case::{
    CaseError, FieldError, RawAttachment, RawCase, RawObservation, RawPayment, Scalar,
};
use crate::domain::observation::{Party, SourceKind};
use crate::domain::text::Bilingual;

/// A screenshot to draft from: its file name (kept as the attachment's
/// name) and its bytes.
pub struct Shot<'a> {
    pub name: &'a str,
    pub bytes: &'a [u8],
}

/// What the screenshots gave.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct Draft {
    /// The case as a case file would hold it.
    pub case: RawCase,
    /// Each screenshot: what it showed, or why it could not be read.
    pub shots: Vec<ShotRead>,
    /// Where each filled field came from.
    pub from: Vec<FieldFrom>,
    /// Values seen but not used (doubtful, or two screenshots disagree).
    pub warnings: Vec<Bilingual>,
    /// What is still to fill before the case can be checked.
    pub missing: Vec<FieldError>,
}

/// One screenshot of a draft.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct ShotRead {
    pub name: String,
    /// The screen read (「微信账单详情截图」 …), or `None` with `error`.
    pub screen: Option<Screen>,
    pub label: Option<Bilingual>,
    /// Why it gave nothing.
    pub error: Option<Bilingual>,
    /// Where each value was on it.
    pub marks: Vec<Mark>,
}

/// A field of the draft and where it was read.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct FieldFrom {
    /// The case file's field: `order_id`, `payment`, `amount` …
    pub field: String,
    /// The screenshot's index in [`Draft::shots`].
    #[ts(type = "number")]
    pub shot: usize,
    /// Where on it, when the value has a mark.
    pub region: Option<Region>,
}

/// Reads the screenshot at `path`: at most [`screen::MAX_IMAGE_BYTES`],
/// and an image by its bytes (anything else is named for what it is).
pub fn read_shot(path: &Path) -> Result<Vec<u8>, EvidenceError> {
    let io = |e| EvidenceError::io(path, e);
    let file = std::fs::File::open(path).map_err(io)?;
    let size = file.metadata().map_err(io)?.len();
    if size > screen::MAX_IMAGE_BYTES {
        return Err(EvidenceError::TooLarge {
            bytes: size,
            limit: screen::MAX_IMAGE_BYTES,
            what: Bilingual::new("截图", "screenshot"),
        });
    }
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    file.take(screen::MAX_IMAGE_BYTES)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.is_empty() {
        return Err(EvidenceError::Empty);
    }
    match super::detect(&bytes)? {
        Format::Screenshot => Ok(bytes),
        format => Err(EvidenceError::NotAScreenshot { format }),
    }
}

/// Reads each screenshot and drafts a case from what they show. `zone` is
/// the offset the screens' times are in (China's for the apps read here);
/// `today` stands in for the year an SMS leaves out. One screenshot that
/// cannot be read is named in its [`ShotRead`]; when none can be read, the
/// first one's error is returned. `progress` is told the whole in 0–100
/// and may cancel.
pub fn draft(
    shots: &[Shot<'_>],
    engine: &dyn Engine,
    zone: FixedOffset,
    today: NaiveDate,
    progress: &mut Progress<'_>,
) -> Result<Draft, EvidenceError> {
    let n = shots.len().max(1) as u64;
    let mut read: Vec<ShotRead> = Vec::new();
    let mut found: Vec<(usize, Record)> = Vec::new();
    let mut platform: Vec<(usize, &'static str)> = Vec::new();
    let mut first_error = None;
    let mut warnings = Vec::new();
    for (i, shot) in shots.iter().enumerate() {
        let mut records = Vec::new();
        let done = i as u64 * 100;
        let result = screen::read(
            shot.bytes,
            engine,
            zone,
            today,
            &mut |r| {
                records.push(r);
                Ok(())
            },
            &mut |p, total| progress((done + p * 100 / total.max(1)) / n, 100),
        );
        match result {
            Ok(reading) => {
                if let Some(p) = reading.platform {
                    platform.push((i, p));
                }
                warnings.extend(reading.summary.warnings.iter().map(|w| {
                    Bilingual::new(
                        format!("{}：{}", shot.name, w.zh_cn),
                        format!("{}: {}", shot.name, w.en),
                    )
                }));
                read.push(ShotRead {
                    name: shot.name.to_owned(),
                    screen: Some(reading.screen),
                    label: Some(reading.screen.label(reading.source)),
                    error: None,
                    marks: records.iter().flat_map(|r| r.marks.clone()).collect(),
                });
                found.extend(records.into_iter().map(|r| (i, r)));
            }
            Err(e @ (EvidenceError::Cancelled | EvidenceError::OcrUnavailable)) => return Err(e),
            Err(e) => {
                read.push(ShotRead {
                    name: shot.name.to_owned(),
                    screen: None,
                    label: None,
                    error: Some(e.text()),
                    marks: Vec::new(),
                });
                first_error.get_or_insert(e);
            }
        }
    }
    if found.is_empty()
        && let Some(e) = first_error
    {
        return Err(e);
    }
    Ok(assemble(read, &found, &platform, warnings, zone))
}

/// The draft from the records read, the order page's first, then the
/// payment app's, then the bank's.
fn assemble(
    shots: Vec<ShotRead>,
    found: &[(usize, Record)],
    platforms: &[(usize, &'static str)],
    seen: Vec<Bilingual>,
    zone: FixedOffset,
) -> Draft {
    let text = |s: &str| Some(Scalar::Text(s.to_owned()));
    let of = |party: Party| {
        found
            .iter()
            .filter(move |(_, r)| r.source.party() == party)
            .map(|(i, r)| (*i, r))
    };
    let order = of(Party::Platform).next();
    let pay = of(Party::Provider).next();
    let bank = of(Party::Bank).next();
    let mut from: Vec<FieldFrom> = Vec::new();
    let mut warnings = seen;
    let mut note = |field: &str, (i, r): (usize, &Record), mark: Option<Field>| {
        let region = mark.and_then(|f| {
            r.marks
                .iter()
                .find(|m| m.field == f && !m.doubtful)
                .map(|m| m.region)
        });
        from.push(FieldFrom {
            field: field.to_owned(),
            shot: i,
            region,
        });
    };
    let mut case = RawCase {
        timezone: text(&zone.to_string()),
        currency: text("CNY"),
        ..RawCase::default()
    };

    // The platform: named on the order page, else by the payee.
    let order_platform = order.and_then(|(i, _)| platforms.iter().find(|(j, _)| *j == i));
    if let Some(&(i, p)) = order_platform.or(platforms.first())
        && let Some((_, r)) = found.iter().find(|(j, _)| *j == i)
    {
        case.platform = text(p);
        note("platform", (i, r), None);
    }

    // The order number: the order page's, else the 商家订单号 the payment
    // app shows. Two that differ are both named.
    let pick = |get: fn(&Record) -> Option<&str>| {
        [order, pay]
            .into_iter()
            .flatten()
            .find_map(|(i, r)| get(r).map(|v| (i, r, v)))
    };
    if let Some((i, r, id)) = pick(|r| r.merchant_order_no.as_deref()) {
        case.order_id = text(id);
        note("order_id", (i, r), Some(Field::MerchantOrderNo));
        if let (Some((_, o)), Some((_, p))) = (order, pay)
            && let (Some(a), Some(b)) = (&o.merchant_order_no, &p.merchant_order_no)
            && a != b
        {
            warnings.push(Bilingual::new(
                format!("订单页上的订单编号（{a}）和付款记录里的商家订单号（{b}）不一致：请确认两张截图是同一笔订单。"),
                format!("The order page's order number ({a}) and the payment's merchant order number ({b}) differ: check that both screenshots are of the same order."),
            ));
        }
    }

    // The payment number: the payment app's trade number.
    if let Some((i, r)) = pay
        && let Some(id) = &r.trade_no
    {
        case.payment.push(RawPayment {
            id: text(id),
            provider: text(r.source.code()),
        });
        note("payment", (i, r), Some(Field::TradeNo));
    }

    // The amount and the time: the order's, else the payment's, else the
    // bank's.
    if let Some((i, r, a)) = [order, pay, bank]
        .into_iter()
        .flatten()
        .find_map(|(i, r)| r.amount.map(|a| (i, r, a.abs())))
    {
        case.amount = text(&a.to_string());
        note("amount", (i, r), Some(Field::Amount));
    }
    if let Some((i, r, at)) = [order, pay]
        .into_iter()
        .flatten()
        .find_map(|(i, r)| r.at.map(|t| (i, r, t)))
    {
        case.submitted_at = text(&at.format("%Y-%m-%d %H:%M:%S").to_string());
        note("submitted_at", (i, r), Some(Field::Time));
    }

    // The method: the payment app that paid (a card behind it is the
    // app's funding, the tail kept); else the order page's words; else a
    // bank SMS means the card.
    let named = |m: crate::domain::case::Method| {
        serde_json::to_value(m)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
    };
    let method = match pay.map(|(_, r)| r.source) {
        Some(SourceKind::Alipay) => pay.map(|p| ("alipay".to_owned(), p)),
        Some(SourceKind::WechatPay) => pay.map(|p| ("wechat_pay".to_owned(), p)),
        _ => order
            .and_then(|(i, r)| {
                let m = crate::domain::case::Method::parse(r.method.as_deref()?)?;
                Some((named(m)?, (i, r)))
            })
            .or_else(|| bank.map(|b| ("bank_card".to_owned(), b))),
    };
    if let Some((m, at)) = method {
        case.method = text(&m);
        note("method", at, Some(Field::Method));
    }
    if let Some((i, r, tail)) = [pay, bank]
        .into_iter()
        .flatten()
        .find_map(|(i, r)| r.card_tail.as_deref().map(|t| (i, r, t)))
    {
        case.card_last4 = text(tail);
        note("card_last4", (i, r), None);
    }
    if let Some((i, r)) = pay
        && let Some(c) = &r.counterparty
    {
        if garbled(c) {
            warnings.push(Bilingual::new(
                format!("截图上的商户全称看不清（读到“{c}”），没有使用：请对照截图核对后手动填写。"),
                format!("The merchant's full name on the screenshot is unclear (read as “{c}”) and was not used: check it against the screenshot and type it in."),
            ));
        } else {
            case.merchant = text(c);
            note("merchant", (i, r), Some(Field::Counterparty));
        }
    }
    if let Some((i, r, item)) = [order, pay]
        .into_iter()
        .flatten()
        .find_map(|(i, r)| r.item.as_deref().map(|t| (i, r, t)))
    {
        case.item = text(item);
        note("item", (i, r), None);
    }

    // What each screen shows, as observations, and the screenshots as
    // the case's attachments.
    for (i, r) in found {
        let mut o = matching::observation(r);
        let shot = &shots[*i];
        if let Some(label) = &shot.label {
            o.note = Some(format!(
                "{}（{}） / {} ({})",
                label.zh_cn, shot.name, label.en, shot.name
            ));
        }
        case.observation.push(RawObservation::from(&o));
    }
    for shot in &shots {
        let Some(screen) = shot.screen else { continue };
        let kind = match screen {
            Screen::PaymentDetail => "payment_record",
            Screen::OrderPage => "platform_screenshot",
            Screen::SmsThread => "bank_statement",
        };
        case.attachment.push(RawAttachment {
            kind: text(kind),
            file: text(&shot.name),
            note: shot.label.as_ref().map(|l| Scalar::Text(l.zh_cn.clone())),
        });
    }
    let missing = match case.validate() {
        Ok(_) => Vec::new(),
        Err(CaseError::Invalid(errors)) => errors,
        Err(CaseError::Syntax { .. }) => Vec::new(),
    };
    Draft {
        case,
        shots,
        from,
        warnings,
        missing,
    }
}

/// A Chinese name with three or more letters and digits mixed inside it
/// (`有限IN4A司`):
/// OCR broke a character there.
fn garbled(name: &str) -> bool {
    let chars: Vec<char> = name.chars().collect();
    let cjk = |c: char| ('\u{4e00}'..='\u{9fff}').contains(&c);
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_alphanumeric() {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_alphanumeric() {
                i += 1;
            }
            let run = &chars[start..i];
            let mixed = run.len() >= 3
                && run.iter().any(char::is_ascii_digit)
                && run.iter().any(char::is_ascii_alphabetic);
            let inside = start > 0 && cjk(chars[start - 1]) && i < chars.len() && cjk(chars[i]);
            if mixed && inside {
                return true;
            }
        } else {
            i += 1;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::garbled;

    #[test]
    fn a_name_broken_by_ocr_is_told_from_one_with_latin_letters() {
        assert!(garbled("北京微播视界科技有限IN4A司"));
        assert!(!garbled("北京微播视界科技有限公司"));
        assert!(
            !garbled("深圳市ABC科技有限公司"),
            "letters alone are a brand"
        );
        assert!(!garbled("杭州5G网络有限公司"), "a short brand such as 5G");
    }
}
