//! The report file: one CSV row per order, appended and flushed as each
//! row is checked, so a run that is cancelled, killed or crashes loses at
//! most the rows in flight, and `--resume` reads back what is there.
//!
//! UTF-8 with a BOM (so spreadsheet programs show the Chinese texts); no
//! field ever holds a line break, so a line is a row and a cut-off last
//! line is recognised and dropped on resume.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

use super::{BatchError, Outcome, RowResult};
use crate::domain::text::Bilingual;

pub const HEADER: [&str; 14] = [
    "row",
    "order_id",
    "payment_id",
    "platform",
    "amount",
    "currency",
    "outcome",
    "code",
    "broken_link",
    "summary_zh",
    "summary_en",
    "source_errors_zh",
    "source_errors_en",
    "checked_at",
];

const BOM: &[u8] = b"\xEF\xBB\xBF";

fn io(path: &Path) -> impl Fn(std::io::Error) -> BatchError + '_ {
    move |source| BatchError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// One line's fields: line breaks become spaces.
fn fields(r: &RowResult) -> [String; 14] {
    let one = |s: &str| s.replace(['\r', '\n'], " ");
    [
        r.row.to_string(),
        one(&r.order_id),
        one(&r.payment_id),
        one(&r.platform),
        one(&r.amount),
        one(&r.currency),
        r.outcome.key().to_owned(),
        r.code.clone().unwrap_or_default(),
        r.broken_link.clone().unwrap_or_default(),
        one(&r.summary.zh_cn),
        one(&r.summary.en),
        one(&r.source_errors.zh_cn),
        one(&r.source_errors.en),
        r.checked_at.clone().unwrap_or_default(),
    ]
}

/// Appends rows to a report, flushing each to the disk.
pub struct Writer {
    path: PathBuf,
    csv: csv::Writer<File>,
}

impl Writer {
    /// Creates the report (it must not exist), header first.
    pub fn create(path: &Path) -> Result<Writer, BatchError> {
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
            .map_err(|e| {
                if e.kind() == std::io::ErrorKind::AlreadyExists {
                    BatchError::ReportExists(path.display().to_string())
                } else {
                    io(path)(e)
                }
            })?;
        file.write_all(BOM).map_err(io(path))?;
        let mut w = Writer {
            path: path.to_owned(),
            csv: csv::Writer::from_writer(file),
        };
        w.csv
            .write_record(HEADER)
            .map_err(|e| BatchError::Csv(e.to_string()))?;
        w.flush()?;
        Ok(w)
    }

    /// Opens an existing report to add rows at its end (after
    /// [`read_existing`] cut any partial last line).
    pub fn append(path: &Path) -> Result<Writer, BatchError> {
        let file = OpenOptions::new()
            .append(true)
            .open(path)
            .map_err(io(path))?;
        Ok(Writer {
            path: path.to_owned(),
            csv: csv::WriterBuilder::new()
                .has_headers(false)
                .from_writer(file),
        })
    }

    pub fn write(&mut self, r: &RowResult) -> Result<(), BatchError> {
        self.csv
            .write_record(fields(r))
            .map_err(|e| BatchError::Csv(e.to_string()))?;
        self.flush()
    }

    fn flush(&mut self) -> Result<(), BatchError> {
        self.csv.flush().map_err(io(&self.path))?;
        self.csv.get_ref().sync_data().map_err(io(&self.path))
    }
}

/// The rows of an existing report. A last line without its line break (the
/// run stopped while writing it) is cut from the file.
pub fn read_existing(path: &Path) -> Result<Vec<RowResult>, BatchError> {
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .map_err(io(path))?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).map_err(io(path))?;
    let complete = bytes.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
    if complete < bytes.len() {
        file.set_len(complete as u64).map_err(io(path))?;
        file.seek(std::io::SeekFrom::End(0)).map_err(io(path))?;
        bytes.truncate(complete);
    }
    let not_ours = || BatchError::NotAReport(path.display().to_string());
    let body = bytes.strip_prefix(BOM).unwrap_or(&bytes);
    if body.is_empty() {
        // Cut before even the header was whole: start it again.
        file.set_len(0).map_err(io(path))?;
        drop(file);
        std::fs::remove_file(path).map_err(io(path))?;
        return Ok(Vec::new());
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(body);
    let header = reader.headers().map_err(|_| not_ours())?.clone();
    if header.iter().collect::<Vec<_>>() != HEADER {
        return Err(not_ours());
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let r = record.map_err(|_| not_ours())?;
        let get = |i: usize| r.get(i).unwrap_or("").to_owned();
        let opt = |i: usize| Some(get(i)).filter(|s| !s.is_empty());
        let row = get(0).parse().map_err(|_| not_ours())?;
        let outcome = Outcome::parse(&get(6)).ok_or_else(not_ours)?;
        rows.push(RowResult {
            row,
            order_id: get(1),
            payment_id: get(2),
            platform: get(3),
            amount: get(4),
            currency: get(5),
            outcome,
            code: opt(7),
            broken_link: opt(8),
            summary: Bilingual::new(get(9), get(10)),
            source_errors: Bilingual::new(get(11), get(12)),
            checked_at: opt(13),
        });
    }
    Ok(rows)
}

/// Rewrites the report with its rows in file order (rows are appended as
/// they finish, out of order): a new file next to it, then renamed over it.
pub fn sort(path: &Path) -> Result<(), BatchError> {
    let mut rows = read_existing(path)?;
    rows.sort_by_key(|r| r.row);
    let tmp = path.with_extension("csv.sorting");
    let _ = std::fs::remove_file(&tmp);
    {
        let mut w = Writer::create(&tmp)?;
        for r in &rows {
            w.csv
                .write_record(fields(r))
                .map_err(|e| BatchError::Csv(e.to_string()))?;
        }
        w.flush()?;
    }
    std::fs::rename(&tmp, path).map_err(io(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(row: usize, outcome: Outcome) -> RowResult {
        RowResult {
            row,
            order_id: format!("A{row}"),
            payment_id: String::new(),
            platform: "抖音, DOU+".into(),
            amount: "200.00".into(),
            currency: "CNY".into(),
            outcome,
            code: Some("callback_late".into()),
            broken_link: Some("callback".into()),
            summary: Bilingual::new("已付款\n平台未收到", "paid, \"late\""),
            source_errors: Bilingual::default(),
            checked_at: Some("2026-11-21T16:30:00+08:00".into()),
        }
    }

    #[test]
    fn rows_read_back_and_a_cut_line_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.csv");
        let mut w = Writer::create(&path).unwrap();
        w.write(&result(3, Outcome::BrokenLink)).unwrap();
        w.write(&result(2, Outcome::Settled)).unwrap();
        drop(w);
        assert!(matches!(
            Writer::create(&path).err(),
            Some(BatchError::ReportExists(_))
        ));
        // A run killed in the middle of a line.
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(b"4,A4,,douyin,200.00,CNY,sett").unwrap();
        drop(f);
        let rows = read_existing(&path).unwrap();
        assert_eq!(rows.len(), 2, "the cut line is not a row");
        assert_eq!(
            rows[0].summary.zh_cn, "已付款 平台未收到",
            "no line breaks inside a field"
        );
        assert_eq!(rows[0].platform, "抖音, DOU+", "quoted commas survive");
        assert_eq!(rows[0].summary.en, "paid, \"late\"");
        assert!(
            std::fs::read(&path).unwrap().ends_with(b"\n"),
            "the file was cut back to its last whole line"
        );
        let mut w = Writer::append(&path).unwrap();
        w.write(&result(4, Outcome::Waiting)).unwrap();
        drop(w);
        sort(&path).unwrap();
        let rows = read_existing(&path).unwrap();
        assert_eq!(
            rows.iter().map(|r| r.row).collect::<Vec<_>>(),
            [2, 3, 4],
            "sorted by row"
        );
        assert!(std::fs::read(&path).unwrap().starts_with(BOM));
    }

    #[test]
    fn another_csv_is_not_taken_for_a_report() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("orders.csv");
        std::fs::write(&path, "order_id,amount\nA1,2\n").unwrap();
        assert!(matches!(
            read_existing(&path),
            Err(BatchError::NotAReport(_))
        ));
    }
}
