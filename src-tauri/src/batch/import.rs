//! Reading a CSV of orders: a header row names the columns (English or
//! Chinese), every later row becomes a validated [`Case`] or a row problem
//! naming the column, what it held and what was expected. One bad row never
//! stops the file; a file without a usable header is one error.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use super::BatchError;
use crate::domain::case::{Case, CaseError, RawCase, RawObservation, RawPayment, Scalar};
use crate::domain::observation::SourceKind;
use crate::domain::text::Bilingual;
use crate::domain::time::{china, parse_moment};
use crate::ids;

/// The largest orders file read (a million rows is well under this). A
/// larger file is refused by its size, before it is read.
pub const MAX_BYTES: u64 = 256 << 20;

/// The longest line (or record) of an orders file: a row of order and
/// payment IDs, an amount, a time and a few words is well under 1 KiB.
pub const MAX_RECORD_BYTES: usize = 64 << 10;

/// A column Daozhang reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Column {
    OrderId,
    PaymentId,
    Amount,
    Time,
    Platform,
    Method,
    Currency,
    PlatformStatus,
}

impl Column {
    pub const ALL: [Column; 8] = [
        Column::OrderId,
        Column::PaymentId,
        Column::Amount,
        Column::Time,
        Column::Platform,
        Column::Method,
        Column::Currency,
        Column::PlatformStatus,
    ];

    /// Columns a file must have.
    pub const REQUIRED: [Column; 4] = [
        Column::OrderId,
        Column::Amount,
        Column::Time,
        Column::Platform,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Column::OrderId => "order_id",
            Column::PaymentId => "payment_id",
            Column::Amount => "amount",
            Column::Time => "time",
            Column::Platform => "platform",
            Column::Method => "method",
            Column::Currency => "currency",
            Column::PlatformStatus => "platform_status",
        }
    }

    /// The header names it is recognised by (compared after [`norm`]).
    pub fn names(self) -> &'static [&'static str] {
        match self {
            Column::OrderId => &[
                "order_id",
                "order",
                "order_no",
                "order_number",
                "订单号",
                "订单编号",
                "商户订单号",
                "平台订单号",
            ],
            Column::PaymentId => &[
                "payment_id",
                "payment",
                "payment_no",
                "transaction_id",
                "trade_no",
                "支付单号",
                "交易号",
                "交易单号",
                "支付流水号",
                "支付订单号",
            ],
            Column::Amount => &["amount", "金额", "订单金额", "支付金额"],
            Column::Time => &[
                "time",
                "submitted_at",
                "order_time",
                "created_at",
                "date",
                "时间",
                "下单时间",
                "创建时间",
            ],
            Column::Platform => &["platform", "平台"],
            Column::Method => &["method", "payment_method", "支付方式"],
            Column::Currency => &["currency", "币种"],
            Column::PlatformStatus => &["platform_status", "status", "平台状态", "订单状态"],
        }
    }

    pub fn label(self) -> Bilingual {
        match self {
            Column::OrderId => Bilingual::new("订单号", "order ID"),
            Column::PaymentId => Bilingual::new("支付单号", "payment ID"),
            Column::Amount => Bilingual::new("金额", "amount"),
            Column::Time => Bilingual::new("下单时间", "time"),
            Column::Platform => Bilingual::new("平台", "platform"),
            Column::Method => Bilingual::new("支付方式", "method"),
            Column::Currency => Bilingual::new("币种", "currency"),
            Column::PlatformStatus => Bilingual::new("平台状态", "platform status"),
        }
    }

    /// The column a field of [`RawCase`] came from.
    fn of_field(field: &str) -> Option<Column> {
        Some(match field {
            "order_id" => Column::OrderId,
            "amount" => Column::Amount,
            "submitted_at" => Column::Time,
            "platform" | "platform_name" => Column::Platform,
            "method" | "card_last4" => Column::Method,
            "currency" => Column::Currency,
            f if f.starts_with("payment[") => Column::PaymentId,
            f if f.starts_with("observation[") => Column::PlatformStatus,
            _ => return None,
        })
    }
}

/// A header cell as compared: lower case, without spaces, `_ - ( ) （ ）`,
/// a unit `元` or a BOM.
fn norm(header: &str) -> String {
    header
        .trim_start_matches('\u{feff}')
        .to_lowercase()
        .replace("(元)", "")
        .replace("（元）", "")
        .chars()
        .filter(|c| !c.is_whitespace() && !"_-()（）:：".contains(*c))
        .collect()
}

/// One field of a row that did not validate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct RowProblem {
    /// The column as the file names it (or the field, when no column).
    pub column: String,
    pub given: Option<String>,
    pub expected: String,
    /// What is expected in Chinese, when the check that found the problem
    /// has the words (the case's own checks say it in English only).
    #[serde(skip)]
    #[ts(skip)]
    pub expected_zh: Option<String>,
}

impl RowProblem {
    pub fn text(&self) -> Bilingual {
        let zh = self.expected_zh.as_deref().unwrap_or(&self.expected);
        match &self.given {
            Some(g) => Bilingual::new(
                format!("{}：填写的是“{g}”，应为{zh}", self.column),
                format!("{}: got {g:?}, expected {}", self.column, self.expected),
            ),
            None => Bilingual::new(
                format!("{}：缺少，应为{zh}", self.column),
                format!("{}: missing, expected {}", self.column, self.expected),
            ),
        }
    }
}

/// An amount of an orders file that is zero or carries a minus sign
/// (`-1`, `-¥200`, `－200`, `−200`). A bill's amount may be written as a
/// debit, and the case's check drops its sign; an order's may not: a
/// negative order is a refund or a mistake, never a payment to check.
fn not_positive(cell: &str) -> bool {
    let minus = cell
        .chars()
        .take_while(|c| !c.is_ascii_digit())
        .any(|c| matches!(c, '-' | '−' | '－'));
    minus
        || matches!(
            crate::domain::money::parse_amount(cell, 18),
            Err(crate::domain::money::AmountError::NotPositive)
        )
}

/// The problem of an amount that is not greater than zero.
fn not_positive_problem(column: String, given: String) -> RowProblem {
    RowProblem {
        column,
        given: Some(given),
        expected: "an amount greater than zero, such as 200.00: an order is a payment, not a refund or a debit".to_owned(),
        expected_zh: Some("大于零的金额，如 200.00：订单是一笔付款，不是退款或扣款".to_owned()),
    }
}

/// One row of the file, validated or not.
#[derive(Debug, Clone)]
pub struct OrderRow {
    /// The line of the file the row starts on (the header is line 1, as a
    /// spreadsheet numbers it).
    pub row: usize,
    /// The cells as given (trimmed), for the report.
    pub order_id: String,
    pub payment_id: String,
    pub platform: String,
    pub amount: String,
    pub currency: String,
    pub case: Result<Case, Vec<RowProblem>>,
}

/// A whole file.
#[derive(Debug, Clone)]
pub struct Orders {
    pub rows: Vec<OrderRow>,
    /// Which header cell each column was read from.
    pub columns: BTreeMap<Column, String>,
    /// Header cells that are none of the columns (not read).
    pub ignored: Vec<String>,
    /// `utf-8` or `gbk`.
    pub encoding: &'static str,
}

impl Orders {
    pub fn bad_rows(&self) -> usize {
        self.rows.iter().filter(|r| r.case.is_err()).count()
    }
}

/// Reads an orders file (see [`parse`]). A file larger than [`MAX_BYTES`]
/// is refused by its size, unread; one whose size is not known beforehand
/// (a pipe) is read up to the cap and no further.
pub fn read(path: &Path) -> Result<Orders, BatchError> {
    let io = |source| BatchError::Io {
        path: path.display().to_string(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let size = file.metadata().map_err(io)?.len();
    if size > MAX_BYTES {
        return Err(BatchError::TooLarge {
            max: MAX_BYTES,
            size: Some(size),
        });
    }
    let bytes = read_at_most(file, MAX_BYTES)
        .map_err(io)?
        .ok_or(BatchError::TooLarge {
            max: MAX_BYTES,
            size: None,
        })?;
    parse(&bytes)
}

/// Everything `input` holds when that is at most `max` bytes; `None` (after
/// reading `max + 1` bytes, no more) when it holds more.
pub fn read_at_most(input: impl std::io::Read, max: u64) -> std::io::Result<Option<Vec<u8>>> {
    use std::io::Read;
    let mut bytes = Vec::new();
    input.take(max.saturating_add(1)).read_to_end(&mut bytes)?;
    Ok((bytes.len() as u64 <= max).then_some(bytes))
}

/// The first line (1-based) longer than [`MAX_RECORD_BYTES`].
fn long_line(bytes: &[u8]) -> Option<usize> {
    bytes
        .split(|b| *b == b'\n')
        .position(|l| l.len() > MAX_RECORD_BYTES)
        .map(|i| i + 1)
}

/// Reads orders from the bytes of a CSV file: UTF-8 (with or without a
/// BOM) or GBK; separated by commas, tabs or semicolons (whichever the
/// header row uses most).
///
/// No line (nor record) may be longer than [`MAX_RECORD_BYTES`]: such a
/// file is refused before it is parsed.
pub fn parse(bytes: &[u8]) -> Result<Orders, BatchError> {
    let too_long = |line| BatchError::RecordTooLong {
        line,
        max: MAX_RECORD_BYTES,
    };
    if let Some(line) = long_line(bytes) {
        return Err(too_long(line));
    }
    let (text, encoding) = decode(bytes)?;
    let first_line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let delimiter = [b',', b'\t', b';']
        .into_iter()
        .max_by_key(|d| first_line.bytes().filter(|b| b == d).count())
        .unwrap_or(b',');
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());

    let mut records = reader.records();
    let header = loop {
        match records.next() {
            None => return Err(BatchError::NoHeader { found: Vec::new() }),
            Some(Err(e)) => return Err(BatchError::Csv(e.to_string())),
            Some(Ok(r)) if r.iter().all(|c| c.trim().is_empty()) => continue,
            Some(Ok(r)) => break r,
        }
    };
    let mut index: BTreeMap<Column, usize> = BTreeMap::new();
    let mut columns = BTreeMap::new();
    let mut ignored = Vec::new();
    for (i, cell) in header.iter().enumerate() {
        let n = norm(cell);
        let found = Column::ALL
            .into_iter()
            .find(|c| c.names().iter().any(|name| norm(name) == n));
        match found {
            Some(c) if !index.contains_key(&c) => {
                index.insert(c, i);
                columns.insert(c, cell.trim().trim_start_matches('\u{feff}').to_owned());
            }
            _ if cell.trim().is_empty() => {}
            _ => ignored.push(cell.trim().to_owned()),
        }
    }
    let missing: Vec<Column> = Column::REQUIRED
        .into_iter()
        .filter(|c| !index.contains_key(c))
        .collect();
    if index.is_empty() {
        return Err(BatchError::NoHeader {
            found: header.iter().map(|c| c.trim().to_owned()).collect(),
        });
    }
    if !missing.is_empty() {
        return Err(BatchError::MissingColumns {
            missing,
            found: header.iter().map(|c| c.trim().to_owned()).collect(),
        });
    }

    // Lines counted from the text (the reader's own count skips blank lines).
    let (mut line, mut counted_to) = (1usize, 0usize);
    let mut rows = Vec::new();
    for record in records {
        let record = record.map_err(|e| BatchError::Csv(e.to_string()))?;
        if record.as_slice().len() > MAX_RECORD_BYTES {
            // Short lines, one quoted field across them.
            let at = record.position().map_or(0, |p| p.byte() as usize);
            let before = text.as_bytes().get(..at).unwrap_or_default();
            return Err(too_long(1 + before.iter().filter(|b| **b == b'\n').count()));
        }
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let at = record
            .position()
            .map_or(counted_to, |p| p.byte() as usize)
            .min(text.len());
        line += text.as_bytes()[counted_to..at]
            .iter()
            .filter(|b| **b == b'\n')
            .count();
        // The reader places a record after blank lines at their start.
        let mut at = at;
        while let Some(b @ (b'\r' | b'\n')) = text.as_bytes().get(at) {
            line += usize::from(*b == b'\n');
            at += 1;
        }
        counted_to = at;
        let cell = |c: Column| {
            index
                .get(&c)
                .and_then(|i| record.get(*i))
                .map(str::trim)
                .unwrap_or("")
                .to_owned()
        };
        rows.push(row(line, &cell, &columns));
    }
    Ok(Orders {
        rows,
        columns,
        ignored,
        encoding,
    })
}

fn decode(bytes: &[u8]) -> Result<(String, &'static str), BatchError> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(BatchError::Encoding {
            found: Some("UTF-16"),
        });
    }
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(s) = std::str::from_utf8(body) {
        return Ok((s.to_owned(), "utf-8"));
    }
    match encoding_rs::GBK.decode_without_bom_handling_and_without_replacement(body) {
        Some(s) => Ok((s.into_owned(), "gbk")),
        None => Err(BatchError::Encoding { found: None }),
    }
}

/// Splits a payment cell holding several IDs (`;` `|` `、` or spaces
/// between them).
fn payment_ids(cell: &str) -> Vec<String> {
    cell.split([';', '|', '、', '；', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The payment method a payment ID points to, when the recogniser is sure
/// (as of the order's date, so an ID carrying that date is not "future").
fn method_of(payment: &str, time: &str) -> Option<&'static str> {
    let day = parse_moment(time, china(), None)
        .map(|t| t.date_naive())
        .unwrap_or_else(|| chrono::Local::now().date_naive());
    let top = ids::recognise_at(payment, day).into_iter().next()?;
    if top.confidence != ids::Confidence::Likely {
        return None;
    }
    Some(match SourceKind::parse(&top.issuer)? {
        SourceKind::Alipay => "alipay",
        SourceKind::WechatPay => "wechat_pay",
        SourceKind::Paypal => "paypal",
        SourceKind::Stripe => "credit_card",
        SourceKind::Epay => "other",
        _ => return None,
    })
}

fn row(
    line: usize,
    cell: &dyn Fn(Column) -> String,
    columns: &BTreeMap<Column, String>,
) -> OrderRow {
    let text = |c: Column| {
        let v = cell(c);
        (!v.is_empty()).then_some(Scalar::Text(v))
    };
    let payments = payment_ids(&cell(Column::PaymentId));
    let method = text(Column::Method).or_else(|| {
        payments
            .first()
            .and_then(|p| method_of(p, &cell(Column::Time)))
            .or(Some("other"))
            .map(|m| Scalar::Text(m.to_owned()))
    });
    let raw = RawCase {
        platform: text(Column::Platform),
        order_id: text(Column::OrderId),
        amount: text(Column::Amount),
        currency: text(Column::Currency),
        method,
        submitted_at: text(Column::Time),
        payment: payments
            .iter()
            .map(|p| RawPayment {
                id: Some(Scalar::Text(p.clone())),
                provider: None,
            })
            .collect(),
        observation: text(Column::PlatformStatus)
            .map(|status| RawObservation {
                source: Some(Scalar::Text("platform".to_owned())),
                status: Some(status),
                ..RawObservation::default()
            })
            .into_iter()
            .collect(),
        ..RawCase::default()
    };
    let case = raw.validate().map_err(|e| match e {
        CaseError::Invalid(fields) => fields
            .into_iter()
            .map(|f| RowProblem {
                column: Column::of_field(&f.field)
                    .and_then(|c| columns.get(&c).cloned())
                    .unwrap_or(f.field),
                given: f.given,
                expected: f.expected,
                expected_zh: None,
            })
            .collect(),
        CaseError::Syntax { message, .. } => vec![RowProblem {
            column: "-".to_owned(),
            given: None,
            expected: message,
            expected_zh: None,
        }],
    });
    let amount = cell(Column::Amount);
    let case = if not_positive(&amount) {
        let column = columns
            .get(&Column::Amount)
            .cloned()
            .unwrap_or_else(|| Column::Amount.key().to_owned());
        let mut problems: Vec<RowProblem> = case
            .err()
            .unwrap_or_default()
            .into_iter()
            .filter(|p| p.column != column)
            .collect();
        problems.insert(0, not_positive_problem(column, amount));
        Err(problems)
    } else {
        case
    };
    let currency = match &case {
        Ok(c) => c.amount.currency.code().to_owned(),
        Err(_) => cell(Column::Currency),
    };
    OrderRow {
        row: line,
        order_id: cell(Column::OrderId),
        payment_id: payments.join(";"),
        platform: cell(Column::Platform),
        amount: cell(Column::Amount),
        currency: if currency.is_empty() {
            "CNY".to_owned()
        } else {
            currency
        },
        case,
    }
}

/// The bad rows a preview lists at most (the report names every one).
pub const PREVIEW_BAD_ROWS: usize = 200;

/// A column of the file that was recognised.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(rename = "BatchColumn")]
pub struct ColumnView {
    pub column: Column,
    /// The header cell it was read from, as the file spells it.
    pub header: String,
    pub label: Bilingual,
}

/// A row that cannot be checked, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(rename = "BatchBadRow")]
pub struct BadRow {
    /// The line of the file (the header is line 1).
    pub row: usize,
    pub order_id: String,
    pub problems: Vec<RowProblem>,
    /// Every problem, in words.
    pub text: Bilingual,
}

/// What a file holds, before anything is checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(rename = "BatchPreview")]
pub struct Preview {
    /// Rows (orders) in the file.
    pub orders: usize,
    /// Rows that validated and will be checked.
    pub valid: usize,
    /// Rows that cannot be read (they go into the report as errors).
    pub bad: usize,
    /// The first [`PREVIEW_BAD_ROWS`] of them.
    pub bad_rows: Vec<BadRow>,
    /// The columns read, in [`Column::ALL`] order.
    pub columns: Vec<ColumnView>,
    /// Header cells that are none of the columns (not read).
    pub ignored_columns: Vec<String>,
    /// `utf-8` or `gbk`.
    pub encoding: String,
}

impl Orders {
    /// What the file holds, for a look before running it.
    pub fn preview(&self) -> Preview {
        let bad_rows = self
            .rows
            .iter()
            .filter_map(|r| {
                let problems = r.case.as_ref().err()?;
                let texts: Vec<Bilingual> = problems.iter().map(RowProblem::text).collect();
                let join = |f: fn(&Bilingual) -> &String, sep: &str| {
                    texts
                        .iter()
                        .map(|t| f(t).as_str())
                        .collect::<Vec<_>>()
                        .join(sep)
                };
                Some(BadRow {
                    row: r.row,
                    order_id: r.order_id.clone(),
                    problems: problems.clone(),
                    text: Bilingual::new(join(|t| &t.zh_cn, "；"), join(|t| &t.en, "; ")),
                })
            })
            .take(PREVIEW_BAD_ROWS)
            .collect();
        let bad = self.bad_rows();
        Preview {
            orders: self.rows.len(),
            valid: self.rows.len() - bad,
            bad,
            bad_rows,
            columns: self
                .columns
                .iter()
                .map(|(c, header)| ColumnView {
                    column: *c,
                    header: header.clone(),
                    label: c.label(),
                })
                .collect(),
            ignored_columns: self.ignored.clone(),
            encoding: self.encoding.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::case::Method;
    use rust_decimal::dec;

    const EN: &str = "order_id,payment_id,amount,time,platform\n\
        7439201234567890123,2026112122001412341408157613,200.00,2026-11-21 15:14,douyin_dou_plus\n\
        LS20261121200512345,4200002345202611214567890123,68,2026-11-21 20:05,live_stream_topup\n";

    #[test]
    fn english_headers_and_methods_from_payment_ids() {
        let o = parse(EN.as_bytes()).expect("a plain file reads");
        assert_eq!(o.encoding, "utf-8");
        assert_eq!(o.rows.len(), 2);
        assert_eq!(
            o.rows[0].row, 2,
            "the first order is line 2 (the header is 1)"
        );
        let a = o.rows[0].case.as_ref().expect("row 2 is valid");
        assert_eq!(a.order_id, "7439201234567890123");
        assert_eq!(a.amount.amount, dec!(200.00));
        assert_eq!(
            a.method,
            Method::Alipay,
            "recognised from the 28-digit trade_no"
        );
        assert_eq!(a.payments[0].provider, Some(SourceKind::Alipay));
        assert_eq!(a.submitted_at.to_rfc3339(), "2026-11-21T15:14:00+08:00");
        let b = o.rows[1].case.as_ref().expect("row 3 is valid");
        assert_eq!(
            b.method,
            Method::WechatPay,
            "recognised from the transaction_id"
        );
        assert_eq!(b.amount.amount, dec!(68));
        assert!(o.ignored.is_empty());
    }

    #[test]
    fn chinese_headers_bom_and_extra_columns() {
        let text = "\u{feff}订单号,交易号,金额（元）,下单时间,平台,支付方式,平台状态,备注\n\
            7439201234567890123,2026112122001412341408157613,200.00,2026-11-21 15:14,抖音,支付宝,支付失败,催过两次\n";
        let o = parse(text.as_bytes()).expect("a Chinese header with a BOM reads");
        assert_eq!(
            o.columns[&Column::OrderId],
            "订单号",
            "the BOM is not part of the name"
        );
        assert_eq!(o.columns[&Column::Amount], "金额（元）");
        assert_eq!(
            o.ignored,
            ["备注"],
            "an unknown column is listed, not fatal"
        );
        let c = o.rows[0].case.as_ref().unwrap();
        assert_eq!(c.method, Method::Alipay);
        assert_eq!(
            c.observations.len(),
            1,
            "the platform's status becomes an observation"
        );
        assert_eq!(c.observations[0].raw, "支付失败");
        assert_eq!(c.observations[0].source, SourceKind::Platform);
    }

    #[test]
    fn gbk_and_tabs() {
        let text = "订单号\t支付单号\t金额\t时间\t平台\n\
            7439201234567890123\t2026112122001412341408157613\t200.00\t2026-11-21 15:14\t抖音\n";
        let (gbk, _, bad) = encoding_rs::GBK.encode(text);
        assert!(!bad);
        let o = parse(&gbk).expect("a GBK, tab-separated file reads");
        assert_eq!(o.encoding, "gbk");
        assert!(o.rows[0].case.is_ok(), "{:?}", o.rows[0].case);
    }

    #[test]
    fn bad_rows_are_named_and_the_rest_read() {
        let text = "order_id,payment_id,amount,time,platform\n\
            A1,2026112122001412341408157613,two hundred,2026-11-21 15:14,douyin\n\
            \n\
            A2,2026112122001412341408157614,200.00,yesterday,douyin\n\
            A3,2026112122001412341408157615,200.00,2026-11-21 15:14,douyin\n\
            ,,5,2026-11-21 15:14,douyin\n";
        let o = parse(text.as_bytes()).unwrap();
        assert_eq!(
            o.rows.len(),
            4,
            "the blank line is skipped, every other row kept"
        );
        assert_eq!(o.bad_rows(), 3);
        let p = o.rows[0].case.as_ref().unwrap_err();
        assert_eq!(p[0].column, "amount");
        assert_eq!(p[0].given.as_deref(), Some("two hundred"));
        assert_eq!(o.rows[1].row, 4, "line numbers count the blank line");
        let p = o.rows[1].case.as_ref().unwrap_err();
        assert_eq!(
            p[0].column, "time",
            "submitted_at is reported by the file's column name"
        );
        assert!(o.rows[2].case.is_ok());
        let p = o.rows[3].case.as_ref().unwrap_err();
        assert_eq!(p[0].column, "order_id");
        assert_eq!(p[0].given, None, "a missing cell says missing");
        assert!(p[0].text().en.contains("missing"));

        let v = o.preview();
        assert_eq!((v.orders, v.valid, v.bad), (4, 1, 3));
        let rows: Vec<usize> = v.bad_rows.iter().map(|b| b.row).collect();
        assert_eq!(rows, [2, 4, 6], "each bad row by its line in the file");
        assert!(
            v.bad_rows[0].text.en.contains("two hundred")
                && v.bad_rows[0].text.zh_cn.contains("应为"),
            "the reason in both languages: {:?}",
            v.bad_rows[0].text
        );
        let cols: Vec<Column> = v.columns.iter().map(|c| c.column).collect();
        assert_eq!(
            cols,
            [
                Column::OrderId,
                Column::PaymentId,
                Column::Amount,
                Column::Time,
                Column::Platform
            ]
        );
        assert_eq!(v.encoding, "utf-8");
    }

    #[test]
    fn a_preview_lists_at_most_so_many_bad_rows() {
        let mut text = String::from("order_id,amount,time,platform\n");
        for i in 0..PREVIEW_BAD_ROWS + 5 {
            text.push_str(&format!("B{i},lots,2026-11-21 15:14,douyin\n"));
        }
        let v = parse(text.as_bytes()).unwrap().preview();
        assert_eq!(v.bad, PREVIEW_BAD_ROWS + 5, "every bad row is counted");
        assert_eq!(
            v.bad_rows.len(),
            PREVIEW_BAD_ROWS,
            "but only so many are listed"
        );
    }

    #[test]
    fn a_file_without_a_usable_header_is_one_error() {
        let e = parse(b"7439201234567890123,200.00,2026-11-21 15:14\n").unwrap_err();
        assert!(matches!(e, BatchError::NoHeader { .. }), "{e}");
        assert!(e.to_string().contains("order_id"), "names the columns: {e}");
        let e = parse(b"order_id,amount\nA1,2\n").unwrap_err();
        let BatchError::MissingColumns { missing, .. } = &e else {
            panic!("{e}");
        };
        assert_eq!(missing, &[Column::Time, Column::Platform]);
        assert!(
            e.to_string().contains("下单时间"),
            "Chinese names are suggested too: {e}"
        );
        assert!(matches!(
            parse(b"").unwrap_err(),
            BatchError::NoHeader { .. }
        ));
        assert!(matches!(
            parse(b"\xFF\xFEo\0r\0").unwrap_err(),
            BatchError::Encoding {
                found: Some("UTF-16")
            }
        ));
        assert!(matches!(
            parse(b"order_id,amount,time,platform\n\x81\x20\n").unwrap_err(),
            BatchError::Encoding { found: None }
        ));
    }

    #[test]
    fn several_payment_ids_and_an_unknown_one() {
        let text = "order_id,payment_id,amount,time,platform\n\
            A1,2026112122001412341408157613;2026112122001412341408157699,200,2026-11-21 15:14,douyin\n\
            A2,XYZ-1,200,2026-11-21 15:14,other shop\n";
        let o = parse(text.as_bytes()).unwrap();
        let a = o.rows[0].case.as_ref().unwrap();
        assert_eq!(a.payments.len(), 2);
        let b = o.rows[1].case.as_ref().unwrap();
        assert_eq!(
            b.method,
            Method::Other,
            "an ID nobody recognises leaves the method open"
        );
        assert_eq!(b.platform.name.as_deref(), Some("other shop"));
    }

    #[test]
    fn a_negative_or_zero_amount_is_a_row_error() {
        let text = "order_id,amount,time,platform\n\
            A1,-1,2026-11-21 15:14,douyin\n\
            A2,-¥200.00,2026-11-21 15:14,douyin\n\
            A3,－200,2026-11-21 15:14,douyin\n\
            A4,0.00,2026-11-21 15:14,douyin\n\
            A5, - 5 元,2026-11-21 15:14,douyin\n\
            A6,-1,yesterday,douyin\n\
            A7,1.00,2026-11-21 15:14,douyin\n";
        let o = parse(text.as_bytes()).unwrap();
        for r in &o.rows[..6] {
            let p = r.case.as_ref().expect_err(&r.order_id);
            assert_eq!(p[0].column, "amount", "{}", r.order_id);
            let t = p[0].text();
            assert!(
                t.en.contains("greater than zero") && t.zh_cn.contains("大于零"),
                "{t:?}"
            );
            assert!(
                !t.zh_cn.contains("greater"),
                "the Chinese is Chinese: {t:?}"
            );
        }
        let p = o.rows[5].case.as_ref().unwrap_err();
        assert_eq!(p.len(), 2, "the other problems of the row stay: {p:?}");
        assert_eq!(p[1].column, "time");
        let a = o.rows[6]
            .case
            .as_ref()
            .expect("a positive amount is an order");
        assert_eq!(a.amount.amount, dec!(1.00));
    }

    #[test]
    fn a_huge_orders_file_is_refused_by_its_size_unread() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("orders.csv");
        // Sparse: two GiB long, nothing on the disk.
        let f = std::fs::File::create(&path).unwrap();
        f.set_len(2 << 30).unwrap();
        drop(f);
        let e = read(&path).unwrap_err();
        assert!(matches!(e, BatchError::TooLarge { .. }), "{e}");
        let t = e.text();
        assert!(
            t.en.contains("2048 MiB") && t.en.contains("256 MiB"),
            "names the file's size and the cap: {t:?}"
        );
        assert!(t.zh_cn.contains("2048 MiB") && t.zh_cn.contains("最多读取 256 MiB"));
    }

    /// Endless input that counts what was taken from it.
    struct Endless(u64);

    impl std::io::Read for Endless {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            buf.fill(b'a');
            self.0 += buf.len() as u64;
            Ok(buf.len())
        }
    }

    #[test]
    fn input_of_unknown_size_is_read_up_to_the_cap_only() {
        let mut input = Endless(0);
        let got = read_at_most(&mut input, 1 << 20).unwrap();
        assert!(got.is_none(), "more than the cap is refused");
        assert!(
            input.0 <= (1 << 20) + (64 << 10),
            "no more than the cap was taken: {}",
            input.0
        );
        let got = read_at_most(&b"order_id"[..], 8).unwrap();
        assert_eq!(got.as_deref(), Some(&b"order_id"[..]), "at the cap is read");
    }

    #[test]
    fn a_single_huge_line_is_refused() {
        let mut text = String::from("order_id,amount,time,platform\n");
        text.push_str("A1,200,2026-11-21 15:14,douyin\n");
        text.push_str(&"9".repeat(MAX_RECORD_BYTES + 1));
        text.push('\n');
        let e = parse(text.as_bytes()).unwrap_err();
        assert!(
            matches!(e, BatchError::RecordTooLong { line: 3, .. }),
            "{e}"
        );
        assert!(e.text().en.contains("64 KiB") && e.text().zh_cn.contains("第 3 行"));
        // Short lines, one quoted field across them.
        let mut text = String::from("order_id,amount,time,platform\n\"");
        for _ in 0..(MAX_RECORD_BYTES / 10 + 1) {
            text.push_str("123456789\n");
        }
        text.push_str("\",200,2026-11-21 15:14,douyin\n");
        let e = parse(text.as_bytes()).unwrap_err();
        assert!(
            matches!(e, BatchError::RecordTooLong { line: 2, .. }),
            "{e}"
        );
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_are_orders_or_a_typed_error(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..600)) {
            let _ = parse(&bytes);
        }

        #[test]
        fn any_text_under_a_header_is_orders_or_a_typed_error(
            body in "\\PC{0,400}",
            sep in proptest::sample::select(vec![",", "\t", ";"]),
        ) {
            let header = ["order_id", "payment_id", "amount", "time", "platform", "status"].join(sep);
            let text = format!("{header}\n{body}");
            if let Ok(o) = parse(text.as_bytes()) {
                for r in &o.rows {
                    proptest::prop_assert!(r.row >= 2, "a row is after the header");
                    if let Err(p) = &r.case {
                        proptest::prop_assert!(!p.is_empty());
                        let _ = p.iter().map(RowProblem::text).count();
                    }
                }
                let _ = o.preview();
            }
        }
    }
}
