//! Phone screenshots: a payment app's 账单详情 (Alipay, WeChat Pay), a
//! platform's order page, a bank's SMS thread — read on this computer by
//! OCR ([`ocr`]), put back in rows ([`layout`]), and then read like the
//! same screen's text would be (the receipt and SMS readers).
//!
//! Values whose shape OCR commonly breaks (an ID read with `O` for `0`, a
//! minus read as `一`, a `¥` read as `Y`) are put right where the field's
//! shape allows. A number or amount that still fails its rule is not used:
//! it is kept as *doubtful*, with what was read and where, for the user to
//! check.

pub mod layout;
pub mod ocr;

use chrono::{FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};

use super::detect::SMS_MARK;
use super::receipt::{self, KEYS, page_time, signed_amount};
use super::{Direction, EvidenceError, Format, Progress, Record, Sink, Summary, sms};
use crate::domain::ids::{self, Confidence};
use crate::domain::observation::SourceKind;
use crate::domain::text::Bilingual;
use layout::{Cell, Line};
pub use ocr::{Engine, Region, Tesseract};

/// A screenshot file is at most this large (a PNG of a long scrolling
/// capture is a few MB).
pub const MAX_IMAGE_BYTES: u64 = 32 << 20;

/// Which screen a screenshot shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Screen {
    /// 支付宝 / 微信 账单详情.
    PaymentDetail,
    /// The platform's order page (订单编号, 下单时间, the status word).
    OrderPage,
    /// The bank's SMS thread in the phone's messages app.
    SmsThread,
}

impl Screen {
    pub fn label(self, source: Option<SourceKind>) -> Bilingual {
        match (self, source) {
            (Screen::PaymentDetail, Some(SourceKind::Alipay)) => {
                Bilingual::new("支付宝账单详情截图", "screenshot of Alipay's bill details")
            }
            (Screen::PaymentDetail, Some(SourceKind::WechatPay)) => Bilingual::new(
                "微信账单详情截图",
                "screenshot of WeChat Pay's bill details",
            ),
            (Screen::PaymentDetail, _) => {
                Bilingual::new("账单详情截图", "screenshot of a payment's details")
            }
            (Screen::OrderPage, _) => Bilingual::new("订单页截图", "screenshot of the order page"),
            (Screen::SmsThread, _) => Bilingual::new("银行短信截图", "screenshot of bank SMS"),
        }
    }
}

/// A value of a record, for [`Mark`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Amount,
    Time,
    Status,
    TradeNo,
    MerchantOrderNo,
    Method,
    Counterparty,
}

/// Where on the screenshot a value was read, and whether it is in doubt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Mark {
    pub field: Field,
    pub region: Region,
    /// The value as read (after the corrections its shape allows).
    pub read: String,
    /// The value fails its rule or was read unsure: it was not used.
    pub doubtful: bool,
}

/// What one screenshot held besides its records.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    pub screen: Screen,
    pub summary: Summary,
    /// Who speaks on the screen (the first record's source).
    pub source: Option<SourceKind>,
    /// The platform preset whose name or company is on the screen (an
    /// order page's header, a payee), if one is.
    pub platform: Option<&'static str>,
}

/// Reads the screenshot in `bytes` with `engine`; each record goes to
/// `sink`. `day` is the order's day (an SMS shows no year). `progress` is
/// told 0–100 and may cancel between the steps.
pub fn read(
    bytes: &[u8],
    engine: &dyn Engine,
    zone: FixedOffset,
    day: NaiveDate,
    sink: &mut Sink<'_>,
    progress: &mut Progress<'_>,
) -> Result<Reading, EvidenceError> {
    let step = |progress: &mut Progress<'_>, done: u64| {
        if progress(done, 100) {
            Ok(())
        } else {
            Err(EvidenceError::Cancelled)
        }
    };
    step(progress, 0)?;
    let page = ocr::page(bytes)?;
    step(progress, 10)?;
    let words = engine.words(&page)?;
    step(progress, 90)?;
    let lines = layout::lines(&words, page.width);
    let reading = read_lines(&lines, page.width, zone, day, sink)?;
    step(progress, 100)?;
    Ok(reading)
}

/// [`read`] from the rows of a screen.
pub fn read_lines(
    lines: &[Line],
    width: u32,
    zone: FixedOffset,
    day: NaiveDate,
    sink: &mut Sink<'_>,
) -> Result<Reading, EvidenceError> {
    let rows = rows(lines, width);
    let screen = screen(&rows).ok_or(EvidenceError::ScreenUnrecognised)?;
    let mut source = None;
    let summary = match screen {
        Screen::PaymentDetail => {
            let text = rows_text(&rows);
            let mut out = Vec::new();
            let mut summary = receipt::parse(&text, zone, &mut |r| {
                out.push(r);
                Ok(())
            })?;
            for mut r in out {
                r.format = Format::Screenshot;
                mark(&mut r, &rows, day, &mut summary);
                source = source.or(Some(r.source));
                sink(r)?;
            }
            summary
        }
        Screen::OrderPage => {
            let mut summary = Summary::default();
            if let Some(mut r) = order_page(&rows, zone) {
                mark(&mut r, &rows, day, &mut summary);
                source = Some(r.source);
                sink(r)?;
                summary.rows += 1;
            }
            summary
        }
        Screen::SmsThread => {
            let text = bubbles(lines);
            sms::parse(&text, zone, day, &mut |mut r| {
                if let Some(cell) = lines
                    .iter()
                    .flat_map(|l| &l.cells)
                    .find(|c| r.amount.is_some_and(|a| c.text.contains(&a.to_string())))
                {
                    r.marks.push(Mark {
                        field: Field::Amount,
                        region: cell.region,
                        read: cell.text.clone(),
                        doubtful: false,
                    });
                }
                source = Some(SourceKind::Bank);
                sink(r)
            })?
        }
    };
    if summary.rows == 0 {
        // The screen's labels are there but not its amount or status: a
        // part of the page.
        return Err(EvidenceError::ScreenUnrecognised);
    }
    Ok(Reading {
        screen,
        summary,
        source,
        platform: platform_on(lines),
    })
}

/// The first platform preset (in the intake's order) whose Chinese name or
/// one of whose companies or brands is written on the screen.
fn platform_on(lines: &[Line]) -> Option<&'static str> {
    let text: String = lines
        .iter()
        .flat_map(|l| &l.cells)
        .map(|c| c.text.as_str())
        .collect();
    crate::domain::case::platform_presets()
        .iter()
        .filter(|p| p.id != "other")
        .find(|p| {
            std::iter::once(&p.name_zh)
                .chain(&p.merchants)
                .any(|w| text.contains(w.as_str()))
        })
        .map(|p| p.id.as_str())
}

// ---------------------------------------------------------------- rows

/// A row as understood: a label with its value, or a bare line (the big
/// amount, the status, the payee).
#[derive(Debug, Clone, PartialEq)]
struct Row {
    label: Option<&'static str>,
    value: String,
    region: Region,
    confidence: f32,
}

/// Labels of the platforms' order pages, besides the receipts' [`KEYS`].
const ORDER_KEYS: &[&str] = &[
    "订单编号",
    "订单号码",
    "下单时间",
    "提交时间",
    "实付款",
    "实付金额",
    "订单金额",
    "应付金额",
    "充值金额",
    "订单状态",
    "商品名称",
    "充值账号",
];

/// Labels only a payment app's 账单详情 shows.
const PAYMENT_ONLY: &[&str] = &[
    "交易单号",
    "商户单号",
    "商家订单号",
    "商户全称",
    "收单机构",
    "当前状态",
    "收款方全称",
    "账单分类",
];

const ID_KEYS: &[&str] = &[
    "交易单号",
    "交易号",
    "订单号",
    "商户单号",
    "商家订单号",
    "商户订单号",
    "订单编号",
    "订单号码",
];
const TIME_KEYS: &[&str] = &[
    "支付时间",
    "付款时间",
    "创建时间",
    "交易时间",
    "下单时间",
    "提交时间",
];
const AMOUNT_KEYS: &[&str] = &[
    "金额",
    "付款金额",
    "支付金额",
    "实付款",
    "实付金额",
    "订单金额",
    "应付金额",
    "充值金额",
];

/// The label a cell's text is, allowing one character misread
/// (`支付时问` is `支付时间`).
fn label(text: &str) -> Option<&'static str> {
    let t: String = text
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, ':' | '：'))
        .collect();
    let all = || KEYS.iter().copied().chain(ORDER_KEYS.iter().copied());
    if let Some(k) = all().find(|k| *k == t) {
        return Some(k);
    }
    let n = t.chars().count();
    if !(3..=6).contains(&n) {
        return None;
    }
    let mut near = all().filter(|k| {
        k.chars().count() == n && k.chars().zip(t.chars()).filter(|(a, b)| a != b).count() == 1
    });
    match (near.next(), near.next()) {
        (Some(k), None) => Some(k),
        _ => None,
    }
}

/// The screen's rows: labels put right, values put together (a value
/// wrapped onto a second line is joined back), values corrected where
/// their shape allows.
fn rows(lines: &[Line], width: u32) -> Vec<Row> {
    let mut out: Vec<Row> = Vec::new();
    for line in lines {
        let first = &line.cells[0];
        let found = if line.cells.len() >= 2 {
            label(&first.text)
        } else {
            // `支付时间 2026年…` read as one cell: the longest label it
            // starts with (`商品名称…` is not `商品`).
            KEYS.iter()
                .chain(ORDER_KEYS)
                .filter(|k| first.text.starts_with(**k) && first.text.len() > k.len())
                .max_by_key(|k| k.len())
                .copied()
        };
        if let Some(key) = found {
            let (value, region, confidence) = if line.cells.len() >= 2 {
                let rest = &line.cells[1..];
                (join(rest), span(rest), least(rest))
            } else {
                let v = first.text[key.len()..].trim_start_matches([':', '：', ' ']);
                // Where the value is: the words after the label's.
                let mut read = 0;
                let after: Vec<_> = first
                    .words
                    .iter()
                    .filter(|w| {
                        let of_label = read < key.len();
                        read += w.text.len();
                        !of_label
                    })
                    .collect();
                let region = after
                    .iter()
                    .map(|w| w.region)
                    .reduce(|a, b| a.union(&b))
                    .unwrap_or(first.region);
                let confidence = after.iter().map(|w| w.confidence).fold(100.0, f32::min);
                (v.to_owned(), region, confidence)
            };
            let (mut value, mut region, mut confidence) = (value, region, confidence);
            // A number wrapped over two lines has its label in the middle:
            // the first half is the bare line just above.
            if ID_KEYS.contains(&key)
                && let Some(prev) = out.last()
                && prev.label.is_none()
                && prev.region.x > width / 5
                && aligned(&prev.region, &region)
                && region.y <= prev.region.bottom() + region.h
                && region.y > prev.region.y
            {
                value = format!("{}{value}", prev.value);
                region = region.union(&prev.region);
                confidence = confidence.min(prev.confidence);
                out.pop();
            }
            out.push(Row {
                label: Some(key),
                value: fix(key, &value),
                region,
                confidence,
            });
            continue;
        }
        // A value wrapped onto the next line starts where the value above
        // started.
        if line.cells.len() == 1
            && let Some(prev) = out.last_mut()
            && let Some(key) = prev.label
            && first.region.x > width / 5
            && aligned(&prev.region, &first.region)
            && first.region.y <= prev.region.bottom() + first.region.h
        {
            prev.value = fix(key, &format!("{}{}", prev.value, first.text));
            prev.region = prev.region.union(&first.region);
            prev.confidence = prev.confidence.min(first.confidence);
            continue;
        }
        let text = line.text();
        out.push(Row {
            label: None,
            value: fix_bare(&text),
            region: line.region,
            confidence: least(&line.cells),
        });
    }
    out
}

/// Two lines of one value: they start at the same place (left-aligned)
/// or end there (right-aligned), give or take a character.
fn aligned(above: &Region, below: &Region) -> bool {
    let slack = below.h.max(above.h);
    above.x.abs_diff(below.x) <= slack || above.right().abs_diff(below.right()) <= slack
}

fn join(cells: &[Cell]) -> String {
    cells
        .iter()
        .map(|c| c.text.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

fn span(cells: &[Cell]) -> Region {
    cells
        .iter()
        .skip(1)
        .fold(cells[0].region, |r, c| r.union(&c.region))
}

fn least(cells: &[Cell]) -> f32 {
    cells.iter().map(|c| c.confidence).fold(100.0, f32::min)
}

/// The rows as the text the receipt reader knows (`key<TAB>value`).
fn rows_text(rows: &[Row]) -> String {
    rows.iter()
        .map(|r| match r.label {
            Some(k) => format!("{k}\t{}", r.value),
            None => r.value.clone(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Which screen the rows are, by the labels on it.
fn screen(rows: &[Row]) -> Option<Screen> {
    let labels: Vec<&str> = rows.iter().filter_map(|r| r.label).collect();
    let text: String = rows.iter().map(|r| r.value.as_str()).collect();
    let payment = labels.iter().any(|l| PAYMENT_ONLY.contains(l));
    let order = labels.iter().any(|l| ORDER_KEYS.contains(l));
    if order && !payment {
        return Some(Screen::OrderPage);
    }
    if labels.len() >= 2 {
        return Some(Screen::PaymentDetail);
    }
    if SMS_MARK.is_match(&text) {
        return Some(Screen::SmsThread);
    }
    None
}

// ---------------------------------------------------------------- corrections

/// Puts right what OCR commonly misreads in a value of `key`'s shape.
fn fix(key: &str, value: &str) -> String {
    if ID_KEYS.contains(&key) {
        fix_id(value)
    } else if TIME_KEYS.contains(&key) {
        fix_time(value)
    } else if AMOUNT_KEYS.contains(&key) {
        fix_amount(value)
    } else {
        value.trim().to_owned()
    }
}

/// An ID: no spaces; after its letter prefix (`DY`, `T`), letters that
/// look like digits are digits when the rest is nearly all digits.
fn fix_id(value: &str) -> String {
    let s: String = value.chars().filter(|c| !c.is_whitespace()).collect();
    let Some(start) = s.find(|c: char| c.is_ascii_digit()) else {
        return s;
    };
    let (prefix, rest) = s.split_at(start);
    let digits = rest.chars().filter(char::is_ascii_digit).count();
    if digits * 10 < rest.chars().count() * 8 {
        return s;
    }
    let rest: String = rest
        .chars()
        .map(|c| match c {
            'O' | 'o' | 'D' | 'Q' => '0',
            'I' | 'l' | '|' | 'i' | '!' => '1',
            'Z' | 'z' => '2',
            'S' | 's' => '5',
            'B' => '8',
            'g' | 'q' => '9',
            c => c,
        })
        .collect();
    format!("{prefix}{rest}")
}

/// A time: `曰` for `日`, `O` for `0`, full-width colons.
fn fix_time(value: &str) -> String {
    let s: String = value
        .trim()
        .chars()
        .map(|c| match c {
            '曰' => '日',
            '：' => ':',
            'O' | 'o' => '0',
            'l' | 'I' => '1',
            c => c,
        })
        .collect();
    // `2026 年 11 月` as read word by word.
    let mut out = String::new();
    for part in s.split_whitespace() {
        let joins = out.chars().last().is_some_and(|c| !c.is_ascii_digit())
            || part.starts_with(|c: char| !c.is_ascii_digit());
        if !out.is_empty() && !joins {
            out.push(' ');
        }
        out.push_str(part);
    }
    out
}

/// An amount: a minus read as `一` or a dash, `¥` read as `Y`, a decimal
/// comma.
fn fix_amount(value: &str) -> String {
    let s: String = value.chars().filter(|c| !c.is_whitespace()).collect();
    let mut chars: Vec<char> = s.chars().collect();
    if let Some(c) = chars.first_mut()
        && matches!(*c, '一' | '—' | '–' | '_' | '~')
    {
        *c = '-';
    }
    for i in 0..chars.len() {
        let next_digit = chars.get(i + 1).is_some_and(char::is_ascii_digit);
        if matches!(chars[i], 'Y' | '半' | '羊' | '辛') && next_digit {
            chars[i] = '¥';
        }
    }
    let n = chars.len();
    if n >= 4 && chars[n - 3] == ',' && chars[n - 2..].iter().all(char::is_ascii_digit) {
        chars[n - 3] = '.';
    }
    chars.into_iter().collect()
}

/// A bare line is fixed as an amount when it is shaped like one.
fn fix_bare(text: &str) -> String {
    let t = text.trim();
    let fixed = fix_amount(t);
    if signed_amount(&fixed).is_some() && fixed.starts_with(['-', '+', '¥']) {
        fixed
    } else {
        t.to_owned()
    }
}

// ---------------------------------------------------------------- order pages

/// Status words of an order page, longest first where one holds another.
const ORDER_STATUS: &[&str] = &[
    "支付失败",
    "充值失败",
    "付款失败",
    "交易失败",
    "待支付",
    "待付款",
    "已取消",
    "交易关闭",
    "订单关闭",
    "待确认",
    "处理中",
    "充值中",
    "待发货",
    "已完成",
    "交易成功",
    "充值成功",
    "支付成功",
    "退款中",
    "退款成功",
    "已退款",
];

/// The platform's order page as a record of the platform's own words.
fn order_page(rows: &[Row], zone: FixedOffset) -> Option<Record> {
    let get = |keys: &[&str]| {
        keys.iter().find_map(|k| {
            rows.iter()
                .find(|r| r.label == Some(*k) && !r.value.is_empty())
                .map(|r| r.value.clone())
        })
    };
    let status = get(&["订单状态"]).or_else(|| {
        rows.iter().find_map(|r| {
            (r.label.is_none() && r.value.chars().count() <= 12)
                .then(|| ORDER_STATUS.iter().find(|w| r.value.contains(**w)))
                .flatten()
                .map(|w| (*w).to_owned())
        })
    });
    let amount = get(AMOUNT_KEYS).and_then(|v| signed_amount(&v));
    if status.is_none() && amount.is_none() {
        return None;
    }
    let mut r = Record::new(Format::Screenshot, 1, SourceKind::Platform);
    r.status = status.unwrap_or_default();
    r.amount = amount.map(|(a, _)| a);
    r.direction = Some(Direction::Out);
    r.merchant_order_no = get(&["订单编号", "订单号码", "订单号"]);
    r.at = get(TIME_KEYS).and_then(|v| page_time(&v, zone));
    r.item = get(&["商品名称", "商品"]);
    r.method = get(&["支付方式", "付款方式"]);
    Some(r)
}

// ---------------------------------------------------------------- SMS

/// The messages of an SMS thread, one a paragraph: lines close together
/// are one bubble. A bubble with a one-time code is left out (it is never
/// kept), and so are the thread's date lines.
fn bubbles(lines: &[Line]) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut last: Option<&Line> = None;
    for line in lines {
        let apart = last.is_none_or(|l| {
            line.region.y > l.region.bottom() + l.region.h.max(line.region.h) * 3 / 4
        });
        if apart && !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
        current.push_str(
            &line
                .cells
                .iter()
                .map(|c| c.text.as_str())
                .collect::<String>(),
        );
        last = Some(line);
    }
    if !current.is_empty() {
        out.push(current);
    }
    out.retain(|b| {
        !["验证码", "校验码", "动态码", "动态密码"]
            .iter()
            .any(|w| b.contains(w))
            && b.contains(|c: char| c.is_ascii_digit())
            && (SMS_MARK.is_match(b) || b.contains('元'))
    });
    out.join("\n\n")
}

// ---------------------------------------------------------------- marks

/// Notes where each value of `r` was read, and takes out the numbers and
/// amounts that fail their rule or were read unsure (a warning names each).
fn mark(r: &mut Record, rows: &[Row], day: NaiveDate, summary: &mut Summary) {
    let find = |keys: &[&str]| {
        rows.iter()
            .find(|row| row.label.is_some_and(|l| keys.contains(&l)))
    };
    let mut marks = Vec::new();
    let mut note = |field: Field, row: &Row, doubtful: bool| {
        marks.push(Mark {
            field,
            region: row.region,
            read: row.value.clone(),
            doubtful,
        })
    };

    for (field, value) in [
        (Field::TradeNo, r.trade_no.clone()),
        (Field::MerchantOrderNo, r.merchant_order_no.clone()),
    ] {
        let Some(v) = value else { continue };
        let Some(row) = rows
            .iter()
            .find(|row| row.label.is_some() && row.value == v)
        else {
            continue;
        };
        let doubtful = match field {
            Field::TradeNo => !ids::recognise_at(&v, day)
                .iter()
                .any(|c| c.confidence != Confidence::Unlikely),
            _ => !plain_id(&v),
        } || row.confidence < 50.0;
        note(field, row, doubtful);
        if doubtful {
            let (zh, en) = match field {
                Field::TradeNo => ("支付单号", "payment number"),
                _ => ("订单号", "order number"),
            };
            summary.warn(
                format!("截图上的{zh}看不清（读到“{v}”），没有使用：请对照截图核对后手动填写。"),
                format!(
                    "The {en} on the screenshot is not clear (read as “{v}”) and was not used: check it against the screenshot and type it in."
                ),
            );
            match field {
                Field::TradeNo => r.trade_no = None,
                _ => r.merchant_order_no = None,
            }
        }
    }

    if let Some(a) = r.amount {
        let row = find(AMOUNT_KEYS).or_else(|| {
            rows.iter().find(|row| {
                row.label.is_none() && signed_amount(&row.value).is_some_and(|(x, _)| x == a)
            })
        });
        if let Some(row) = row {
            let doubtful = row.confidence < 50.0;
            note(Field::Amount, row, doubtful);
            if doubtful {
                summary.warn(
                    format!("截图上的金额看不清（读到“{}”），没有使用：请核对后手动填写。", row.value),
                    format!(
                        "The amount on the screenshot is not clear (read as “{}”) and was not used: check it and type it in.",
                        row.value
                    ),
                );
                r.amount = None;
            }
        }
    }
    if let Some(row) = find(TIME_KEYS) {
        note(Field::Time, row, r.at.is_none());
    }
    if !r.status.is_empty()
        && let Some(row) = rows
            .iter()
            .find(|row| row.value.contains(r.status.as_str()))
    {
        note(Field::Status, row, false);
    }
    if let Some(row) = find(&["支付方式", "付款方式"]) {
        note(Field::Method, row, false);
    }
    if let Some(c) = &r.counterparty
        && let Some(row) = rows.iter().find(|row| &row.value == c)
    {
        note(Field::Counterparty, row, false);
    }
    r.marks = marks;
}

/// A merchant's order number: letters, digits, `-` and `_`, 6 to 64.
fn plain_id(v: &str) -> bool {
    (6..=64).contains(&v.len())
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

#[cfg(test)]
mod tests;
