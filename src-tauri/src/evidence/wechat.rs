//! WeChat Pay's bill (微信支付账单明细): CSV (UTF-8, 16 preamble lines, 11
//! columns, `¥` amounts, `/` for empty, IDs ending in a tab) and the newer
//! Excel workbook (the same table on `Sheet1`, amounts as plain numbers).
//! See shared/reference/providers.md §6.3.

use std::borrow::Cow;
use std::io::{Read, Seek};

use calamine::{DataRef, Reader, Xlsx};
use chrono::{FixedOffset, TimeZone};
use rust_decimal::Decimal;

use super::alipay::{COMMON_AMOUNT, COMMON_NUMBERS, COMMON_TIME, build_common};
use super::matching::Interest;
use super::rows::read_csv;
use super::table::{Layout, Table, Text};
use super::{EvidenceError, Format, Progress, Sink, Summary};

static CSV: Layout = Layout {
    format: Format::WechatCsv,
    columns: COLUMNS,
    required: 5,
    time: COMMON_TIME,
    amount: COMMON_AMOUNT,
    numbers: COMMON_NUMBERS,
    build: build_common,
};

static XLSX: Layout = Layout {
    format: Format::WechatXlsx,
    columns: COLUMNS,
    required: 5,
    time: COMMON_TIME,
    amount: COMMON_AMOUNT,
    numbers: COMMON_NUMBERS,
    build: build_common,
};

/// In the order `alipay::build_common` reads: the first nine match the
/// Alipay app export's meaning column for column.
const COLUMNS: &[&str] = &[
    "交易时间",
    "当前状态",
    "交易单号",
    "金额(元)",
    "收/支",
    "交易对方",
    "商品",
    "支付方式",
    "商户单号",
    "交易类型",
    "备注",
];

/// Reads the CSV bill (already decoded to UTF-8).
pub fn parse_csv<R: Read>(
    input: R,
    zone: FixedOffset,
    sink: &mut Sink<'_>,
) -> Result<Summary, EvidenceError> {
    read_csv_bill(input, Text::Utf8, None, zone, sink)
}

/// Reads the CSV bill from its bytes; with an `interest`, only the rows it
/// wants reach `sink`.
pub(crate) fn read_csv_bill<R: Read>(
    input: R,
    text: Text,
    interest: Option<&Interest>,
    zone: FixedOffset,
    sink: &mut Sink<'_>,
) -> Result<Summary, EvidenceError> {
    read_csv(input, Table::new(&CSV, zone, text, interest, sink))
}

/// Reads the Excel bill cell by cell (the sheet is never held whole). A
/// cell holding a formula means the file was edited after export: that is
/// refused, naming the cell.
pub fn parse_xlsx<R: Read + Seek>(
    input: R,
    size: u64,
    zone: FixedOffset,
    sink: &mut Sink<'_>,
    progress: &mut Progress<'_>,
) -> Result<Summary, EvidenceError> {
    read_xlsx(input, size, zone, None, sink, progress)
}

/// [`parse_xlsx`]; with an `interest`, only the rows it wants reach `sink`.
pub(crate) fn read_xlsx<R: Read + Seek>(
    input: R,
    size: u64,
    zone: FixedOffset,
    interest: Option<&Interest>,
    sink: &mut Sink<'_>,
    progress: &mut Progress<'_>,
) -> Result<Summary, EvidenceError> {
    let not_a_bill = || EvidenceError::Unrecognised {
        looks_like: crate::domain::text::Bilingual::new(
            "不是微信支付账单的 Excel 表格",
            "an Excel sheet that is not a WeChat Pay bill",
        ),
    };
    match read_sheet(input, size, zone, interest, sink, progress) {
        Err(EvidenceError::NoHeader { .. }) => Err(not_a_bill()),
        other => other,
    }
}

fn read_sheet<R: Read + Seek>(
    input: R,
    size: u64,
    zone: FixedOffset,
    interest: Option<&Interest>,
    sink: &mut Sink<'_>,
    progress: &mut Progress<'_>,
) -> Result<Summary, EvidenceError> {
    let workbook_error = |e: calamine::XlsxError| EvidenceError::Workbook {
        detail: e.to_string(),
    };
    let mut input = input;
    check_parts(&mut input)?;
    let mut book: Xlsx<R> = Xlsx::new(input).map_err(workbook_error)?;
    let Some(sheet) = book.sheet_names().first().cloned() else {
        return Err(EvidenceError::Unrecognised {
            looks_like: crate::domain::text::Bilingual::new(
                "没有工作表的 Excel 文件",
                "an Excel file with no sheet",
            ),
        });
    };
    let mut cells = book
        .worksheet_cells_reader(&sheet)
        .map_err(workbook_error)?;
    let last_row = u64::from(cells.dimensions().end.0).max(1);
    let mut table = Table::new(&XLSX, zone, Text::Utf8, interest, sink);
    // Shared strings (most cells) are borrowed from the workbook, not copied.
    let mut row: Vec<Cow<'_, str>> = Vec::new();
    let mut row_no: Option<u32> = None;
    let flush = |table: &mut Table<'_, '_>, n: u32, row: &mut Vec<Cow<'_, str>>| {
        let refs: Vec<&[u8]> = row.iter().map(|c| c.as_bytes()).collect();
        let r = table.feed(u64::from(n) + 1, &refs);
        row.clear();
        r
    };
    while let Some(cell) = cells.next_cell_with_formula().map_err(workbook_error)? {
        let (r, c) = cell.pos;
        if let Some(f) = cell.formula.filter(|f| !f.is_empty()) {
            return Err(EvidenceError::Formula {
                cell: cell_name(r, c),
                formula: format!("={f}"),
            });
        }
        if row_no != Some(r) {
            if let Some(n) = row_no {
                flush(&mut table, n, &mut row)?;
                if n % 1024 == 0 && !progress(share(size, u64::from(n), last_row), size) {
                    return Err(EvidenceError::Cancelled);
                }
            }
            row_no = Some(r);
        }
        let c = c as usize;
        if c >= 64 {
            continue;
        }
        if row.len() <= c {
            row.resize(c + 1, Cow::Borrowed(""));
        }
        row[c] = cell_text(cell.value, zone);
    }
    if let Some(n) = row_no {
        flush(&mut table, n, &mut row)?;
    }
    progress(size, size);
    table.finish()
}

/// `size` × `n` / `of`, without overflow and never past `size` (the sheet's
/// declared dimensions may be smaller than the rows it holds).
fn share(size: u64, n: u64, of: u64) -> u64 {
    let done = u128::from(size) * u128::from(n.min(of)) / u128::from(of.max(1));
    u64::try_from(done).unwrap_or(size)
}

/// The most any part but a worksheet may unpack to: calamine holds the
/// shared strings (every distinct text of the bill) and the other parts
/// whole. A year of WeChat Pay bills is a few MB of them.
pub const MAX_PART_BYTES: u64 = 256 << 20;
/// The most a worksheet may unpack to (it is streamed cell by cell; a
/// bill of a million rows is about 400 MB of XML).
pub const MAX_SHEET_BYTES: u64 = 1 << 30;
/// Spreadsheet XML deflates about 5–20×; a zip bomb about 1000×.
const MAX_RATIO: u64 = 200;
/// Parts smaller than this may compress as well as they like.
const RATIO_FREE: u64 = 1 << 20;
/// An Excel bill has about a dozen parts.
const MAX_PARTS: usize = 10_000;

/// Refuses a workbook any of whose parts would unpack to more than a bill
/// needs, or compresses like a zip bomb, before calamine opens it, by the
/// sizes the zip's central directory declares. A part that understates its
/// size is stopped by the zip reader itself once it passes the declared
/// size ("larger than its declared uncompressed size").
fn check_parts<R: Read + Seek>(input: &mut R) -> Result<(), EvidenceError> {
    let workbook_error = |e: zip::result::ZipError| EvidenceError::Workbook {
        detail: e.to_string(),
    };
    let mut zip = zip::ZipArchive::new(&mut *input).map_err(workbook_error)?;
    if zip.len() > MAX_PARTS {
        return Err(EvidenceError::Workbook {
            detail: format!("{} parts, at most {MAX_PARTS}", zip.len()),
        });
    }
    let fits = |out: u64, packed: u64, limit: u64| {
        out <= limit && (out <= RATIO_FREE || out / packed.max(1) <= MAX_RATIO)
    };
    for i in 0..zip.len() {
        let part = zip.by_index_raw(i).map_err(workbook_error)?;
        let name: String = part
            .name()
            .map(|n| n.chars().take(80).collect())
            .unwrap_or_else(|_| format!("#{}", i + 1));
        let limit = if name.starts_with("xl/worksheets/") {
            MAX_SHEET_BYTES
        } else {
            MAX_PART_BYTES
        };
        let too_large = || EvidenceError::WorkbookTooLarge {
            part: name.clone(),
            limit,
        };
        let packed = part.compressed_size();
        if !fits(part.size(), packed, limit) {
            return Err(too_large());
        }
    }
    drop(zip);
    input
        .seek(std::io::SeekFrom::Start(0))
        .map_err(|e| EvidenceError::Workbook {
            detail: e.to_string(),
        })?;
    Ok(())
}

/// `(0, 0)` → `A1`.
fn cell_name(row: u32, col: u32) -> String {
    let mut col = col + 1;
    let mut letters = Vec::new();
    while col > 0 {
        let rem = ((col - 1) % 26) as u8;
        letters.push((b'A' + rem) as char);
        col = (col - 1) / 26;
    }
    letters.iter().rev().collect::<String>() + &(row + 1).to_string()
}

/// A cell as the text the CSV bill would carry.
fn cell_text(v: DataRef<'_>, zone: FixedOffset) -> Cow<'_, str> {
    Cow::Owned(match v {
        DataRef::String(s) => s,
        DataRef::SharedString(s) => return Cow::Borrowed(s),
        DataRef::Int(i) => i.to_string(),
        // Amounts are stored as numbers: the shortest text that reads back
        // as the same number is what Excel shows ("28.16"), and it goes
        // through Decimal, never through arithmetic on the float.
        DataRef::Float(f) => Decimal::from_f64_retain(f)
            .map(|d| d.round_dp(8).normalize().to_string())
            .unwrap_or_else(|| f.to_string()),
        DataRef::DateTime(d) => d
            .as_datetime()
            .and_then(|n| zone.from_local_datetime(&n).single())
            .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
            .unwrap_or_default(),
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.replace('T', " "),
        DataRef::Bool(b) => b.to_string(),
        DataRef::Error(_) | DataRef::Empty => String::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_shares_never_overflow_nor_pass_the_size() {
        assert_eq!(share(u64::MAX, 1 << 20, 1 << 21), u64::MAX / 2);
        assert_eq!(share(1000, 5000, 10), 1000, "more rows than declared");
        assert!(share(1000, 1, 0) <= 1000, "no rows declared");
    }

    #[test]
    fn cell_names() {
        assert_eq!(cell_name(0, 0), "A1");
        assert_eq!(cell_name(19, 6), "G20");
        assert_eq!(cell_name(0, 26), "AA1");
    }

    #[test]
    fn float_amounts_read_as_excel_shows_them() {
        let z = crate::domain::time::china();
        assert_eq!(cell_text(DataRef::Float(28.16), z), "28.16");
        assert_eq!(cell_text(DataRef::Float(200.0), z), "200");
        assert_eq!(cell_text(DataRef::Float(0.1 + 0.2), z), "0.3");
    }
}
