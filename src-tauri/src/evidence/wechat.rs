//! WeChat Pay's bill (微信支付账单明细): CSV (UTF-8, 16 preamble lines, 11
//! columns, `¥` amounts, `/` for empty, IDs ending in a tab) and the newer
//! Excel workbook (the same table on `Sheet1`, amounts as plain numbers).
//! See shared/reference/providers.md §6.3.

use std::io::{Read, Seek};

use chrono::FixedOffset;

use super::alipay::{COMMON_AMOUNT, COMMON_NUMBERS, COMMON_TIME, build_common};
use super::error::WorkbookPart;
use super::matching::Interest;
use super::rows::{Again, read_csv};
use super::table::{Layout, Table, Text};
use super::{EvidenceError, Format, Progress, Sink, Summary, xlsx};

pub(crate) static CSV: Layout = Layout {
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
    read_csv_bill(input, Text::Utf8, None, zone, sink, None)
}

/// Reads the CSV bill from its bytes; with an `interest`, only the rows it
/// wants reach `sink`; with `again`, on two cores.
pub(crate) fn read_csv_bill<R: Read>(
    input: R,
    text: Text,
    interest: Option<&Interest>,
    zone: FixedOffset,
    sink: &mut Sink<'_>,
    again: Option<Again<'_>>,
) -> Result<Summary, EvidenceError> {
    read_csv(input, Table::new(&CSV, zone, text, interest, sink), again)
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
    let mut zip = zip::ZipArchive::new(input).map_err(|_| EvidenceError::Workbook {
        part: WorkbookPart::Archive,
    })?;
    check_parts(&mut zip)?;
    let Some(mut book) = xlsx::open(zip)? else {
        return Err(EvidenceError::Unrecognised {
            looks_like: crate::domain::text::Bilingual::new(
                "一个压缩包（zip），里面不是 Excel 表格",
                "a zip archive that holds no Excel workbook",
            ),
        });
    };
    let mut table = Table::new(&XLSX, zone, Text::Utf8, interest, sink);
    book.rows(
        |row| {
            let cells: Vec<&[u8]> = row.cells.iter().map(|c| &**c).collect();
            table.feed(u64::from(row.index) + 1, &cells)
        },
        |share| progress(part_of(size, share), size),
    )?;
    progress(size, size);
    table.finish()
}

/// `size` × `share` / 1 000 000, without overflow and never past `size`.
fn part_of(size: u64, share: u64) -> u64 {
    let done = u128::from(size) * u128::from(share.min(1_000_000)) / 1_000_000;
    u64::try_from(done).unwrap_or(size)
}

/// The most any part but a worksheet may unpack to: the reader holds the
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
/// needs, or compresses like a zip bomb, before any part is inflated, by
/// the sizes the zip's central directory declares. A part that understates
/// its size is stopped by the zip reader itself once it passes the declared
/// size (and is then a damaged part).
fn check_parts<R: Read + Seek>(zip: &mut zip::ZipArchive<R>) -> Result<(), EvidenceError> {
    if zip.len() > MAX_PARTS {
        return Err(EvidenceError::Workbook {
            part: WorkbookPart::Archive,
        });
    }
    let fits = |out: u64, packed: u64, limit: u64| {
        out <= limit && (out <= RATIO_FREE || out / packed.max(1) <= MAX_RATIO)
    };
    for i in 0..zip.len() {
        let part = zip.by_index_raw(i).map_err(|_| EvidenceError::Workbook {
            part: WorkbookPart::Archive,
        })?;
        let name: String = part
            .name()
            .map(|n| n.chars().take(80).collect())
            .unwrap_or_else(|_| format!("#{}", i + 1));
        let limit = if name.starts_with("xl/worksheets/") {
            MAX_SHEET_BYTES
        } else {
            MAX_PART_BYTES
        };
        if !fits(part.size(), part.compressed_size(), limit) {
            return Err(EvidenceError::WorkbookTooLarge { part: name, limit });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_shares_never_overflow_nor_pass_the_size() {
        assert_eq!(part_of(u64::MAX, 500_000), u64::MAX / 2);
        assert_eq!(part_of(1000, 5_000_000), 1000, "more than the whole");
        assert_eq!(part_of(1000, 0), 0);
    }
}
