//! The user's own evidence: bill exports (Alipay, WeChat Pay), bank SMS and
//! receipt text, read into [`Record`]s and matched to a case.
//!
//! Files are streamed: a parser hands each record to a sink as soon as it
//! is read, and the [`matching::Matcher`] keeps only the best few
//! candidates, so memory stays bounded whatever the size of the bill. The
//! format is detected from the content, never from the file name. Nothing
//! of a bill is kept except the rows the user accepts.

pub mod alipay;
pub mod archive;
mod decode;
mod detect;
pub mod draft;
pub mod error;
pub mod matching;
pub mod receipt;
mod rows;
pub mod screen;
pub mod sms;
mod table;
pub mod wechat;
mod xlsx;

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::atomic::AtomicU64;

use chrono::{FixedOffset, NaiveDateTime, TimeZone};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::domain::case::Case;
use crate::domain::observation::{Observation, SourceKind, Via};
use crate::domain::text::Bilingual;
use crate::domain::time::Moment;

pub use archive::{Lock, Password};
pub use detect::detect;
pub use error::EvidenceError;
pub use matching::{EvidenceCandidate, Interest, Matcher};
use table::Text;

/// The formats Daozhang reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// Alipay's current app export (GBK CSV, 24 preamble lines, 12 columns).
    AlipayApp,
    /// Alipay's old web export (GBK CSV, 16 columns).
    AlipayWeb,
    /// WeChat Pay's bill as CSV (UTF-8, `¥` amounts).
    WechatCsv,
    /// WeChat Pay's bill as an Excel workbook.
    WechatXlsx,
    /// Bank SMS pasted as text.
    BankSms,
    /// A payment app's transaction detail page, copied as text.
    Receipt,
    /// A phone screenshot (PNG, JPEG, WebP), read by OCR.
    Screenshot,
}

impl Format {
    pub fn label(self) -> Bilingual {
        match self {
            Format::AlipayApp => {
                Bilingual::new("支付宝账单（App 导出）", "Alipay bill (app export)")
            }
            Format::AlipayWeb => Bilingual::new(
                "支付宝交易记录（网页版导出）",
                "Alipay transaction record (old web export)",
            ),
            Format::WechatCsv => Bilingual::new("微信支付账单（CSV）", "WeChat Pay bill (CSV)"),
            Format::WechatXlsx => {
                Bilingual::new("微信支付账单（Excel）", "WeChat Pay bill (Excel)")
            }
            Format::BankSms => Bilingual::new("银行短信", "bank SMS"),
            Format::Receipt => Bilingual::new("交易详情页文字", "transaction detail text"),
            Format::Screenshot => Bilingual::new("截图", "screenshot"),
        }
    }

    /// How the observations from this format reached us.
    pub fn via(self) -> Via {
        match self {
            Format::AlipayApp | Format::AlipayWeb | Format::WechatCsv | Format::WechatXlsx => {
                Via::BillExport
            }
            Format::BankSms => Via::Sms,
            Format::Receipt | Format::Screenshot => Via::Receipt,
        }
    }

    /// What one record of this format is called, for "row 25" / "SMS 2".
    pub fn unit(self) -> Bilingual {
        match self {
            Format::AlipayApp | Format::AlipayWeb | Format::WechatCsv => {
                Bilingual::new("行", "line")
            }
            Format::WechatXlsx => Bilingual::new("行", "row"),
            Format::BankSms => Bilingual::new("条短信", "SMS"),
            Format::Receipt => Bilingual::new("份详情", "receipt"),
            Format::Screenshot => Bilingual::new("张截图", "screenshot"),
        }
    }
}

/// Which way the money went, as the record says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Money left the user (支出, 消费, 扣款).
    Out,
    /// Money came back (收入, 退款, 入账).
    In,
    /// Neither (不计收支, transfers between own accounts).
    Neutral,
}

/// One row of a bill, one SMS or one receipt, as read. Every text is the
/// source's own, trimmed of the padding exports add.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Record {
    pub format: Format,
    /// Where in the input: the line (CSV), the row (Excel), the message or
    /// receipt number (text), counted from 1.
    pub location: u64,
    /// Who speaks: the payment app for bills, the bank for SMS.
    pub source: SourceKind,
    pub at: Option<Moment>,
    /// True when the year is not in the text (SMS) and was taken from the case.
    #[serde(default)]
    pub year_inferred: bool,
    #[serde(default, with = "rust_decimal::serde::str_option")]
    #[ts(type = "string | null")]
    pub amount: Option<Decimal>,
    pub direction: Option<Direction>,
    /// The status words (交易状态 / 当前状态); for an SMS, the whole message.
    pub status: String,
    /// The provider's number (支付宝交易订单号, 微信交易单号).
    pub trade_no: Option<String>,
    /// The merchant's number (商家订单号 / 商户单号): the platform's order ID.
    pub merchant_order_no: Option<String>,
    /// Who was paid (交易对方, or the merchant named in an SMS).
    pub counterparty: Option<String>,
    /// What was bought (商品说明 / 商品).
    pub item: Option<String>,
    /// How it was paid (收/付款方式, 支付方式).
    pub method: Option<String>,
    /// The card's last four digits, never more.
    pub card_tail: Option<String>,
    /// The bank that sent the SMS.
    pub bank: Option<String>,
    /// Read from a screenshot: where each value is on it, and the values
    /// left out as doubtful.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[ts(optional, as = "Option<Vec<screen::Mark>>")]
    pub marks: Vec<screen::Mark>,
}

impl Record {
    /// An empty record of `format` at `location`, for parsers to fill in.
    pub fn new(format: Format, location: u64, source: SourceKind) -> Self {
        Record {
            format,
            location,
            source,
            at: None,
            year_inferred: false,
            amount: None,
            direction: None,
            status: String::new(),
            trade_no: None,
            merchant_order_no: None,
            counterparty: None,
            item: None,
            method: None,
            card_tail: None,
            bank: None,
            marks: Vec::new(),
        }
    }

    /// "支付宝账单（App 导出）第 25 行" / "Alipay bill (app export), line 25".
    pub fn place(&self) -> Bilingual {
        let (f, u) = (self.format.label(), self.format.unit());
        match self.format {
            Format::BankSms | Format::Receipt | Format::Screenshot => Bilingual::new(
                format!("第 {} {}", self.location, u.zh_cn),
                format!("{} {}", u.en, self.location),
            ),
            _ => Bilingual::new(
                format!("{}第 {} {}", f.zh_cn, self.location, u.zh_cn),
                format!("{}, {} {}", f.en, u.en, self.location),
            ),
        }
    }
}

/// What a parser says about the whole input, besides its records.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, ts_rs::TS)]
pub struct Summary {
    /// Records read.
    pub rows: u64,
    /// Records the export itself announces (`共N笔记录`), when it does.
    pub expected_rows: Option<u64>,
    /// Things the user should know (rows that could not be read, a file
    /// that seems cut short), in both languages.
    pub warnings: Vec<Bilingual>,
}

impl Summary {
    pub(crate) fn warn(&mut self, zh: impl Into<String>, en: impl Into<String>) {
        // A bill with thousands of bad rows gets one line a kind, not thousands.
        if self.warnings.len() < MAX_WARNINGS {
            self.warnings.push(Bilingual::new(zh, en));
        }
    }

    /// Compares what was read with what the export announced.
    pub(crate) fn finish(&mut self) {
        if let Some(n) = self.expected_rows
            && self.rows < n
        {
            self.warn(
                format!(
                    "账单开头写着共 {n} 笔记录，文件里只有 {} 笔：文件可能不完整（下载或复制时被截断），请重新导出。",
                    self.rows
                ),
                format!(
                    "The export says it holds {n} records but the file has only {}: it looks cut short (an interrupted download or copy). Export the bill again.",
                    self.rows
                ),
            );
        }
    }
}

const MAX_WARNINGS: usize = 12;

/// Where each record goes as soon as it is read. Returning an error stops
/// the parser (cancellation).
pub type Sink<'a> = dyn FnMut(Record) -> Result<(), EvidenceError> + 'a;

/// Told how far a file has been read (bytes done, bytes in all);
/// returning `false` cancels.
pub type Progress<'a> = dyn FnMut(u64, u64) -> bool + 'a;

/// The result of reading one input against a case: the format, what was
/// read, and the best candidates (bounded), direct ID matches first.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct EvidenceScan {
    pub format: Format,
    pub format_label: Bilingual,
    #[serde(flatten)]
    pub summary: Summary,
    /// Bytes read (files) or characters (pasted text).
    #[ts(type = "number")]
    pub bytes: u64,
    pub candidates: Vec<EvidenceCandidate>,
    /// Rows that fit the case but were beyond the number of candidates kept.
    #[ts(type = "number")]
    pub more_matches: u64,
}

impl EvidenceScan {
    /// What accepting `picks` (indices into `candidates`) adds to the case:
    /// every direct match and every picked candidate, minus what the case
    /// already holds. A pick that is no candidate is an error naming it.
    pub fn accepted(&self, picks: &[usize]) -> Result<Vec<Observation>, usize> {
        if let Some(&bad) = picks.iter().find(|&&i| i >= self.candidates.len()) {
            return Err(bad);
        }
        Ok(self
            .candidates
            .iter()
            .enumerate()
            .filter(|(i, c)| (c.direct || picks.contains(i)) && !c.already_in_case)
            .map(|(_, c)| c.observation.clone())
            .collect())
    }
}

/// Reads one record stream into a scan of `case`; `parse` is told what can
/// make a record the case's, so it may skip building the others.
fn scan_with(
    format: Format,
    bytes: u64,
    case: &Case,
    parse: impl FnOnce(&Interest, &mut Sink<'_>) -> Result<Summary, EvidenceError>,
) -> Result<EvidenceScan, EvidenceError> {
    let mut matcher = Matcher::new(case);
    let interest = Interest::of(case);
    let mut summary = parse(&interest, &mut |r| {
        matcher.consider(r);
        Ok(())
    })?;
    summary.finish();
    if summary.rows == 0 {
        return Err(EvidenceError::NoRecords { format });
    }
    let (candidates, more_matches) = matcher.finish();
    Ok(EvidenceScan {
        format,
        format_label: format.label(),
        summary,
        bytes,
        candidates,
        more_matches,
    })
}

/// Reads a file of any supported format against `case`. `progress` is told
/// the bytes read so far and may cancel.
pub fn scan_file(
    path: &Path,
    case: &Case,
    progress: &mut Progress<'_>,
) -> Result<EvidenceScan, EvidenceError> {
    scan_locked_file(path, None, case, progress)
}

/// [`scan_file`] of a bill zip that may be locked with `password`
/// (without one, a locked zip is [`EvidenceError::PasswordNeeded`]).
pub fn scan_locked_file(
    path: &Path,
    password: Option<&Password>,
    case: &Case,
    progress: &mut Progress<'_>,
) -> Result<EvidenceScan, EvidenceError> {
    scan_path(path, password, case, progress).map_err(|e| e.at(path))
}

fn scan_path(
    path: &Path,
    password: Option<&Password>,
    case: &Case,
    progress: &mut Progress<'_>,
) -> Result<EvidenceScan, EvidenceError> {
    let io = |e: std::io::Error| EvidenceError::io(path, e);
    let meta = std::fs::metadata(path).map_err(io)?;
    if meta.is_dir() {
        return Err(EvidenceError::NotAFile);
    }
    let file = File::open(path).map_err(io)?;
    // A large bill's second half is read from a second handle.
    let again =
        || -> std::io::Result<Box<dyn rows::ReadSeek + Send>> { Ok(Box::new(File::open(path)?)) };
    let input = Input {
        size: meta.len(),
        password,
        reopen: Some(&again),
        unpacked: false,
    };
    scan_input(file, input, case, progress)
}

/// Reads `input` of `size` bytes (a file, or anything else that reads and
/// seeks) of any supported format against `case`, as [`scan_file`] does:
/// streamed, in bounded memory whatever its size. `progress` is told the
/// bytes read so far and may cancel.
pub fn scan_reader<R: Read + Seek>(
    input: R,
    size: u64,
    case: &Case,
    progress: &mut Progress<'_>,
) -> Result<EvidenceScan, EvidenceError> {
    scan_locked_reader(input, size, None, case, progress)
}

/// [`scan_reader`] of a bill zip that may be locked with `password`.
pub fn scan_locked_reader<R: Read + Seek>(
    input: R,
    size: u64,
    password: Option<&Password>,
    case: &Case,
    progress: &mut Progress<'_>,
) -> Result<EvidenceScan, EvidenceError> {
    let how = Input {
        size,
        password,
        reopen: None,
        unpacked: false,
    };
    scan_input(input, how, case, progress)
}

/// Opens the input again from its start, for a second reader.
type Reopen<'x> = &'x (dyn Fn() -> std::io::Result<Box<dyn rows::ReadSeek + Send>> + Sync);

/// What is known of an input besides its bytes.
struct Input<'x> {
    size: u64,
    /// Opens a locked bill zip.
    password: Option<&'x Password>,
    reopen: Option<Reopen<'x>>,
    /// Unpacked from a zip already (a zip inside is not opened).
    unpacked: bool,
}

fn scan_input<R: Read + Seek>(
    mut file: R,
    how: Input<'_>,
    case: &Case,
    progress: &mut Progress<'_>,
) -> Result<EvidenceScan, EvidenceError> {
    let Input {
        size,
        password,
        reopen,
        unpacked,
    } = how;
    let io = |e: std::io::Error| EvidenceError::io(Path::new(""), e);
    let mut head = Vec::with_capacity(detect::HEAD_BYTES);
    (&mut file)
        .take(detect::HEAD_BYTES as u64)
        .read_to_end(&mut head)
        .map_err(io)?;
    let format = detect(&head)?;
    file.seek(SeekFrom::Start(0)).map_err(io)?;
    let zone = case.zone();
    match format {
        Format::WechatXlsx if !unpacked => {
            match archive::open(BufReader::new(file), size, password, progress)? {
                archive::Zip::Workbook(file) => scan_with(format, size, case, |interest, sink| {
                    wechat::read_xlsx(file, size, zone, Some(interest), sink, progress)
                }),
                archive::Zip::Bill(bill) => {
                    let inner = Input {
                        size: bill.len() as u64,
                        password: None,
                        reopen: None,
                        unpacked: true,
                    };
                    let scan = {
                        let mut rest = archive::second_half(size, progress);
                        scan_input(std::io::Cursor::new(bill), inner, case, &mut rest)?
                    };
                    progress(size, size);
                    Ok(EvidenceScan {
                        bytes: size,
                        ..scan
                    })
                }
            }
        }
        Format::WechatXlsx => scan_with(format, size, case, |interest, sink| {
            wechat::read_xlsx(
                BufReader::new(file),
                size,
                zone,
                Some(interest),
                sink,
                progress,
            )
        }),
        Format::AlipayApp | Format::AlipayWeb | Format::WechatCsv => {
            let ahead = AtomicU64::new(0);
            let counted = decode::Counting::new(file, size, &mut *progress).with_ahead(&ahead);
            let (bytes, text) = decode::bill_bytes(&head, counted)?;
            // Bytes as they are on disk can be cut at a line break.
            let again = reopen
                .filter(|_| matches!(bytes, decode::BillBytes::AsIs(_)))
                .map(|open| rows::Again {
                    open,
                    size,
                    read: &ahead,
                    at: None,
                });
            let scan = scan_with(format, size, case, |interest, sink| {
                read_bill(format, bytes, text, interest, zone, sink, again)
            })?;
            // Read on two cores, neither reader reaches the end alone.
            progress(size, size);
            Ok(scan)
        }
        Format::Screenshot => {
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
            scan_screenshot(&bytes, &screen::Tesseract::default(), case, progress)
        }
        Format::BankSms | Format::Receipt => {
            if size > MAX_TEXT_BYTES {
                return Err(EvidenceError::TooLarge {
                    bytes: size,
                    limit: MAX_TEXT_BYTES,
                    what: format.label(),
                });
            }
            let mut text = String::new();
            decode::decoder(&head, file.take(MAX_TEXT_BYTES))?
                .read_to_string(&mut text)
                .map_err(io)?;
            scan_text_as(format, &text, case)
        }
    }
}

/// Reads a CSV bill of `format` from its bytes.
fn read_bill<R: Read>(
    format: Format,
    input: R,
    text: Text,
    interest: &Interest,
    zone: FixedOffset,
    sink: &mut Sink<'_>,
    again: Option<rows::Again<'_>>,
) -> Result<Summary, EvidenceError> {
    match format {
        Format::WechatCsv => wechat::read_csv_bill(input, text, Some(interest), zone, sink, again),
        _ => alipay::read(format, input, text, Some(interest), zone, sink, again),
    }
}

/// Pasted SMS or receipt text is read whole; more than this is not a paste.
pub const MAX_TEXT_BYTES: u64 = 4 << 20;

/// Reads pasted text (bank SMS, one or many, or a receipt) against `case`.
pub fn scan_text(text: &str, case: &Case) -> Result<EvidenceScan, EvidenceError> {
    if text.len() as u64 > MAX_TEXT_BYTES {
        return Err(EvidenceError::TooLarge {
            bytes: text.len() as u64,
            limit: MAX_TEXT_BYTES,
            what: Bilingual::new("粘贴的文字", "pasted text"),
        });
    }
    let format = detect(text.as_bytes())?;
    match format {
        Format::BankSms | Format::Receipt => scan_text_as(format, text, case),
        // A bill pasted as text: read it like the file it was.
        Format::AlipayApp | Format::AlipayWeb | Format::WechatCsv => {
            let bytes = text.len() as u64;
            let zone = case.zone();
            scan_with(format, bytes, case, |interest, sink| {
                read_bill(
                    format,
                    text.as_bytes(),
                    Text::Utf8,
                    interest,
                    zone,
                    sink,
                    None,
                )
            })
        }
        Format::WechatXlsx | Format::Screenshot => Err(EvidenceError::Unrecognised {
            looks_like: Bilingual::new("二进制数据", "binary data"),
        }),
    }
}

/// Reads a screenshot with `engine` against `case`. `progress` is told
/// 0–100 and may cancel.
pub fn scan_screenshot(
    bytes: &[u8],
    engine: &dyn screen::Engine,
    case: &Case,
    progress: &mut Progress<'_>,
) -> Result<EvidenceScan, EvidenceError> {
    let zone = case.zone();
    let day = case.submitted_at.date_naive();
    let mut seen = None;
    let mut scan = scan_with(Format::Screenshot, bytes.len() as u64, case, |_, sink| {
        let reading = screen::read(bytes, engine, zone, day, sink, progress)?;
        seen = Some((reading.screen, reading.source));
        Ok(reading.summary)
    })?;
    if let Some((screen, source)) = seen {
        scan.format_label = screen.label(source);
    }
    Ok(scan)
}

fn scan_text_as(format: Format, text: &str, case: &Case) -> Result<EvidenceScan, EvidenceError> {
    let bytes = text.len() as u64;
    let zone = case.zone();
    let day = case.submitted_at.date_naive();
    scan_with(format, bytes, case, |_, sink| match format {
        Format::Receipt => receipt::parse(text, zone, sink),
        _ => sms::parse(text, zone, day, sink),
    })
}

// ---------------------------------------------------------------- helpers shared by the parsers

/// Trims the padding exports put around values: spaces, tabs (Alipay and
/// WeChat end IDs with a tab so Excel keeps them as text), and `/` or `-`
/// that stand for "empty".
pub(crate) fn clean(s: &str) -> Option<String> {
    trimmed(s).map(str::to_owned)
}

/// [`clean`], borrowed.
pub(crate) fn trimmed(s: &str) -> Option<&str> {
    let mut t = s.trim_ascii();
    if !t.as_bytes().first().is_some_and(u8::is_ascii)
        || !t.as_bytes().last().is_some_and(u8::is_ascii)
    {
        t = t.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    }
    if t.is_empty() || t == "/" || t == "-" {
        None
    } else {
        Some(t)
    }
}

/// Reads a local time as exports write it (`2026-11-21 15:15:12`,
/// `2026/11/21 15:15`, with or without seconds) in `zone`.
pub(crate) fn local_time(s: &str, zone: FixedOffset) -> Option<Moment> {
    let s = s.trim();
    // Every row of a bill has a time, nearly always in this one shape:
    // read it digit by digit rather than through a format string.
    if let Some(n) = plain_time(s.as_bytes()) {
        return zone.from_local_datetime(&n).single();
    }
    for fmt in [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y/%m/%d %H:%M:%S",
        "%Y/%m/%d %H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y年%m月%d日 %H:%M:%S",
        "%Y年%m月%d日 %H:%M",
    ] {
        if let Ok(n) = NaiveDateTime::parse_from_str(s, fmt) {
            return zone.from_local_datetime(&n).single();
        }
    }
    None
}

/// `2026-11-21 15:15:12` exactly; `None` for any other shape (the format
/// strings then decide) or an impossible date or time.
pub(crate) fn plain_time(b: &[u8]) -> Option<NaiveDateTime> {
    let [
        y0,
        y1,
        y2,
        y3,
        b'-',
        m0,
        m1,
        b'-',
        d0,
        d1,
        b' ',
        h0,
        h1,
        b':',
        i0,
        i1,
        b':',
        s0,
        s1,
    ] = *b
    else {
        return None;
    };
    let digits = [y0, y1, y2, y3, m0, m1, d0, d1, h0, h1, i0, i1, s0, s1];
    if !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n = |d: &[u8]| d.iter().fold(0u32, |a, &c| a * 10 + u32::from(c - b'0'));
    let date = chrono::NaiveDate::from_ymd_opt(
        i32::try_from(n(&digits[0..4])).ok()?,
        n(&digits[4..6]),
        n(&digits[6..8]),
    )?;
    date.and_hms_opt(n(&digits[8..10]), n(&digits[10..12]), n(&digits[12..14]))
}

/// Reads an amount as bills write it: `200.00`, `¥28.16`, `￥1,234.50`,
/// `-11.00`, `200.00元`. The sign is the direction's business, not the
/// amount's. `None` for anything that is not a plain decimal.
pub(crate) fn bill_amount(s: &str) -> Option<Decimal> {
    // The usual shape, `28.16` or `¥28.16`, without building a new string.
    let bare = s
        .trim()
        .trim_start_matches(['+', '-'])
        .trim_start_matches(['¥', '￥']);
    if !bare.is_empty()
        && bare.len() <= 20
        && bare.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && bare.bytes().filter(|&b| b == b'.').count() <= 1
    {
        return bare.parse::<Decimal>().ok();
    }
    let t: String = s
        .trim()
        .trim_start_matches(['+', '-'])
        .trim_start_matches(['¥', '￥'])
        .trim_end_matches('元')
        .chars()
        .filter(|c| *c != ',' && !c.is_whitespace())
        .collect();
    let t = t.trim_start_matches(['+', '-']);
    if t.is_empty()
        || t.len() > 20
        || !t.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        || t.matches('.').count() > 1
    {
        return None;
    }
    t.parse::<Decimal>().ok()
}

#[cfg(test)]
mod tests;
