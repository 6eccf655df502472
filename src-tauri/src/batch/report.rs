//! The report file: one CSV row per order, appended and flushed as each
//! row is checked, so a run that is cancelled, killed or crashes loses at
//! most the rows in flight, and `--resume` reads back what is there.
//!
//! UTF-8 with a BOM (so spreadsheet programs show the Chinese texts); no
//! field ever holds a line break, so a line is a row and a cut-off last
//! line is recognised and dropped on resume.

use std::borrow::Cow;
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
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

fn csv_error(e: csv::Error) -> BatchError {
    BatchError::Csv(e.to_string())
}

/// What a cell starts with when a spreadsheet program (Excel, WPS,
/// LibreOffice) would take it for a formula: `= + - @`, a tab or a carriage
/// return, and the full-width `＝ ＋ － ＠` that WPS reads as the same.
const FORMULA_START: [char; 10] = ['=', '+', '-', '@', '\t', '\r', '＝', '＋', '－', '＠'];

/// The mark put before such a cell, so it is shown as text.
const TEXT_MARK: char = '\'';

/// A cell as the report holds it: one a spreadsheet would run as a formula
/// (`=HYPERLINK(…)` in an order ID) gets a `'` in front, and so does one
/// that starts with `'` itself, so [`restore`] takes off exactly the mark.
/// Amounts written by Daozhang are never negative (a negative amount is a
/// row error), so no number of ours is marked; what the orders file gave
/// (order IDs, platforms, an amount that did not validate) may be.
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    match cell.chars().next() {
        Some(c) if FORMULA_START.contains(&c) || c == TEXT_MARK => {
            Cow::Owned(format!("{TEXT_MARK}{cell}"))
        }
        _ => Cow::Borrowed(cell),
    }
}

/// A cell of the report as it was before [`neutralise`].
pub fn restore(cell: &str) -> &str {
    match cell.strip_prefix(TEXT_MARK) {
        Some(rest)
            if rest
                .chars()
                .next()
                .is_some_and(|c| FORMULA_START.contains(&c) || c == TEXT_MARK) =>
        {
            rest
        }
        _ => cell,
    }
}

/// One line's fields: line breaks become spaces (a line is a row), and
/// every cell is [`neutralise`]d.
fn fields(r: &RowResult) -> [String; 14] {
    let one = |s: &str| neutralise(&s.replace(['\r', '\n'], " ")).into_owned();
    [
        r.row.to_string(),
        one(&r.order_id),
        one(&r.payment_id),
        one(&r.platform),
        one(&r.amount),
        one(&r.currency),
        r.outcome.key().to_owned(),
        one(r.code.as_deref().unwrap_or_default()),
        one(r.broken_link.as_deref().unwrap_or_default()),
        one(&r.summary.zh_cn),
        one(&r.summary.en),
        one(&r.source_errors.zh_cn),
        one(&r.source_errors.en),
        one(r.checked_at.as_deref().unwrap_or_default()),
    ]
}

/// The first bytes of every report: the BOM and the header line.
fn head() -> Vec<u8> {
    let mut w = csv::Writer::from_writer(BOM.to_vec());
    w.write_record(HEADER)
        .expect("a header is written to memory");
    w.into_inner().expect("a header is written to memory")
}

/// New report files are the user's alone: on Unix readable and writable by
/// the owner only (0600), as they name the user's orders and amounts.
/// Elsewhere the file takes the folder's permissions (on Windows, a
/// folder in the user's profile is the user's).
fn private(options: &mut OpenOptions) -> &mut OpenOptions {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
}

/// Writes a file in place of `dest`: first a temporary file in the same
/// folder (created for the user only), filled by `fill` and synced, then
/// renamed over `dest`, so a failure never leaves a half report there.
fn write_beside(
    dest: &Path,
    fill: impl FnOnce(&mut File) -> Result<(), BatchError>,
) -> Result<(), BatchError> {
    let dir = match dest.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    // tempfile creates the file with 0600 on Unix, as `private` does.
    let mut tmp = tempfile::Builder::new()
        .prefix(".daozhang-report-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(io(dest))?;
    fill(tmp.as_file_mut())?;
    tmp.as_file().sync_all().map_err(io(dest))?;
    tmp.persist(dest).map_err(|e| io(dest)(e.error))?;
    Ok(())
}

/// Appends rows to a report, flushing each to the disk.
pub struct Writer {
    path: PathBuf,
    csv: csv::Writer<File>,
}

impl Writer {
    /// Creates the report (it must not exist), header first, readable by
    /// the user only.
    pub fn create(path: &Path) -> Result<Writer, BatchError> {
        let mut file = private(OpenOptions::new().write(true).create_new(true))
            .open(path)
            .map_err(|e| {
                if e.kind() == std::io::ErrorKind::AlreadyExists {
                    BatchError::ReportExists(path.display().to_string())
                } else {
                    io(path)(e)
                }
            })?;
        file.write_all(&head()).map_err(io(path))?;
        let mut w = Writer::over(path, file);
        w.flush()?;
        Ok(w)
    }

    /// Adds rows at the end of `file`, a report whose last line is whole.
    fn over(path: &Path, file: File) -> Writer {
        Writer {
            path: path.to_owned(),
            csv: csv::WriterBuilder::new()
                .has_headers(false)
                .from_writer(file),
        }
    }

    pub fn write(&mut self, r: &RowResult) -> Result<(), BatchError> {
        self.csv.write_record(fields(r)).map_err(csv_error)?;
        self.flush()
    }

    fn flush(&mut self) -> Result<(), BatchError> {
        self.csv.flush().map_err(io(&self.path))?;
        self.csv.get_ref().sync_data().map_err(io(&self.path))
    }
}

/// An existing report as read, without changing it: its rows, and whether
/// a run stopped while writing its last line.
#[derive(Debug)]
pub struct Existing {
    path: PathBuf,
    /// The rows of its whole lines, in file order.
    pub rows: Vec<RowResult>,
    /// Where its last whole line ends (0: not even the header is whole).
    whole: u64,
    /// Its length as read.
    len: u64,
}

impl Existing {
    /// Reads the report at `path` and proves it is one: its header is a
    /// Daozhang report's and every whole line is a row of one. A last line
    /// without its line break (the run stopped while writing it) is not a
    /// row. The file is opened for reading only and never changed.
    pub fn read(path: &Path) -> Result<Existing, BatchError> {
        Existing::load(path).map(|(e, _)| e)
    }

    fn load(path: &Path) -> Result<(Existing, Vec<u8>), BatchError> {
        let mut bytes = Vec::new();
        File::open(path)
            .and_then(|mut f| f.read_to_end(&mut bytes))
            .map_err(io(path))?;
        let not_ours = || BatchError::NotAReport(path.display().to_string());
        let whole = bytes.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
        let body = &bytes[..whole];
        let body = body.strip_prefix(BOM).unwrap_or(body);
        let mut rows = Vec::new();
        if body.is_empty() {
            // No whole line: ours only when it is the start of our header
            // (a run stopped while writing it), or nothing at all.
            let head = head();
            if !(bytes.is_empty() || bytes.starts_with(BOM) && head.starts_with(&bytes)) {
                return Err(not_ours());
            }
        } else {
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(true)
                .from_reader(body);
            let header = reader.headers().map_err(|_| not_ours())?.clone();
            if header.iter().collect::<Vec<_>>() != HEADER {
                return Err(not_ours());
            }
            for record in reader.records() {
                let r = record.map_err(|_| not_ours())?;
                let get = |i: usize| restore(r.get(i).unwrap_or("")).to_owned();
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
        }
        let existing = Existing {
            path: path.to_owned(),
            rows,
            whole: whole as u64,
            len: bytes.len() as u64,
        };
        Ok((existing, bytes))
    }

    /// Opens the report to add rows at its end: a partial last line (read
    /// as no row) is cut off first, and a header the run did not finish is
    /// written again. Only a file [`Existing::read`] proved to be a report
    /// gets here, so no other file is ever cut.
    pub fn append(&self) -> Result<Writer, BatchError> {
        let path = &self.path;
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)
            .map_err(io(path))?;
        let len = file.metadata().map_err(io(path))?.len();
        if len != self.len {
            // Changed since it was read: what it holds now was not proved.
            return Err(BatchError::NotAReport(path.display().to_string()));
        }
        if self.whole < len {
            file.set_len(self.whole).map_err(io(path))?;
        }
        use std::io::Seek;
        file.seek(std::io::SeekFrom::End(0)).map_err(io(path))?;
        if self.whole == 0 {
            file.write_all(&head()).map_err(io(path))?;
        }
        let mut w = Writer::over(path, file);
        w.flush()?;
        Ok(w)
    }
}

/// The rows of an existing report (see [`Existing::read`]: the file is
/// only read, a partial last line is not a row).
pub fn read_existing(path: &Path) -> Result<Vec<RowResult>, BatchError> {
    Existing::read(path).map(|e| e.rows)
}

/// Rewrites the report with its rows in file order (rows are appended as
/// they finish, out of order): a new file next to it, then renamed over it.
pub fn sort(path: &Path) -> Result<(), BatchError> {
    let mut rows = read_existing(path)?;
    rows.sort_by_key(|r| r.row);
    write_beside(path, |file| {
        file.write_all(&head()).map_err(io(path))?;
        let mut w = csv::WriterBuilder::new()
            .has_headers(false)
            .from_writer(file);
        for r in &rows {
            w.write_record(fields(r)).map_err(csv_error)?;
        }
        w.flush().map_err(io(path))
    })
}

/// Copies the report at `from` to `to` (the save dialog's choice). `from`
/// must be a Daozhang report (read only, never changed); its whole lines
/// are copied. When `to` is the same file (the same path spelt otherwise,
/// a symbolic or a hard link) nothing is done: the report is there
/// already. The copy is written beside `to` and renamed over it, so a
/// failure never leaves a half report, and it is the user's alone.
pub fn save_copy(from: &Path, to: &Path) -> Result<(), BatchError> {
    let (report, bytes) = Existing::load(from)?;
    if to.exists() && same_file::is_same_file(from, to).map_err(io(to))? {
        return Ok(());
    }
    let whole = usize::try_from(report.whole).unwrap_or(bytes.len());
    write_beside(to, |file| {
        if whole == 0 {
            file.write_all(&head()).map_err(io(to))
        } else {
            file.write_all(&bytes[..whole]).map_err(io(to))
        }
    })
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
        let mut w = Existing::read(&path).unwrap().append().unwrap();
        assert!(
            std::fs::read(&path).unwrap().ends_with(b"\n"),
            "appending cut the file back to its last whole line"
        );
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

    /// A report a run left with a partial last line.
    fn cut_report(dir: &Path) -> (PathBuf, Vec<u8>) {
        let path = dir.join("report.csv");
        let mut w = Writer::create(&path).unwrap();
        w.write(&result(2, Outcome::Settled)).unwrap();
        drop(w);
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(b"3,A3,,douyin,200.00,CNY,sett").unwrap();
        drop(f);
        let bytes = std::fs::read(&path).unwrap();
        (path, bytes)
    }

    #[test]
    fn reading_a_report_never_changes_it() {
        let dir = tempfile::tempdir().unwrap();
        let (path, before) = cut_report(dir.path());
        assert_eq!(read_existing(&path).unwrap().len(), 1);
        assert_eq!(Existing::read(&path).unwrap().rows.len(), 1);
        assert_eq!(
            std::fs::read(&path).unwrap(),
            before,
            "a read (preview, the window's rows, a copy) leaves the cut line"
        );
    }

    #[test]
    fn a_users_file_read_as_a_report_is_left_byte_for_byte() {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in [
            ("orders.csv", &b"order_id,amount\nA1,2"[..]),
            ("one-line.csv", b"order_id,amount,time,platform"),
            ("notes.txt", b"\xEF\xBB\xBFmy notes"),
            (
                "bom-only-header.csv",
                b"\xEF\xBB\xBFrow,order_id,amount\n5,6",
            ),
        ] {
            let path = dir.path().join(name);
            std::fs::write(&path, text).unwrap();
            assert!(
                matches!(read_existing(&path), Err(BatchError::NotAReport(_))),
                "{name}"
            );
            assert!(matches!(
                Existing::read(&path),
                Err(BatchError::NotAReport(_))
            ));
            assert!(path.exists(), "{name} is not deleted");
            assert_eq!(std::fs::read(&path).unwrap(), text, "{name} is unchanged");
        }
    }

    #[test]
    fn a_header_cut_by_a_stopped_run_is_written_again() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.csv");
        std::fs::write(&path, b"\xEF\xBB\xBFrow,order_id,pay").unwrap();
        let e = Existing::read(&path).unwrap();
        assert!(e.rows.is_empty());
        let mut w = e.append().unwrap();
        w.write(&result(2, Outcome::Settled)).unwrap();
        drop(w);
        assert_eq!(read_existing(&path).unwrap().len(), 1);
    }

    #[test]
    fn a_report_changed_after_it_was_read_is_not_cut() {
        let dir = tempfile::tempdir().unwrap();
        let (path, _) = cut_report(dir.path());
        let e = Existing::read(&path).unwrap();
        std::fs::write(&path, b"something else entirely, written meanwhile").unwrap();
        assert!(matches!(e.append(), Err(BatchError::NotAReport(_))));
        assert_eq!(
            std::fs::read(&path).unwrap(),
            b"something else entirely, written meanwhile"
        );
    }

    fn report_with_rows(dir: &Path) -> (PathBuf, Vec<u8>) {
        let path = dir.join("r.csv");
        let mut w = Writer::create(&path).unwrap();
        for row in 2..40 {
            w.write(&result(row, Outcome::BrokenLink)).unwrap();
        }
        drop(w);
        let bytes = std::fs::read(&path).unwrap();
        (path, bytes)
    }

    #[test]
    fn saving_a_report_onto_itself_keeps_it() {
        let dir = tempfile::tempdir().unwrap();
        let (path, before) = report_with_rows(dir.path());
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        let mut same = vec![
            dir.path().join("sub/../r.csv"),
            dir.path().join("./r.csv"),
            path.clone(),
        ];
        #[cfg(unix)]
        {
            let link = dir.path().join("link.csv");
            std::os::unix::fs::symlink(&path, &link).unwrap();
            same.push(link);
        }
        let hard = dir.path().join("hard.csv");
        std::fs::hard_link(&path, &hard).unwrap();
        same.push(hard);
        for to in &same {
            save_copy(&path, to).unwrap();
            assert_eq!(
                std::fs::read(&path).unwrap(),
                before,
                "copying onto {to:?} keeps the report"
            );
        }
        // The same from the other side: `from` spelt otherwise.
        save_copy(&dir.path().join("sub/../r.csv"), &path).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), before);
    }

    #[test]
    fn a_saved_copy_is_the_report() {
        let dir = tempfile::tempdir().unwrap();
        let (path, before) = report_with_rows(dir.path());
        let to = dir.path().join("copy.csv");
        save_copy(&path, &to).unwrap();
        assert_eq!(std::fs::read(&to).unwrap(), before, "identical bytes");
        // Over an older file of that name.
        std::fs::write(&to, "old").unwrap();
        save_copy(&path, &to).unwrap();
        assert_eq!(std::fs::read(&to).unwrap(), before);
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .filter(|n| n.to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }

    #[test]
    fn only_a_report_is_copied() {
        let dir = tempfile::tempdir().unwrap();
        let from = dir.path().join("orders.csv");
        std::fs::write(&from, "order_id,amount\nA1,2").unwrap();
        let to = dir.path().join("copy.csv");
        std::fs::write(&to, "mine").unwrap();
        assert!(matches!(
            save_copy(&from, &to),
            Err(BatchError::NotAReport(_))
        ));
        assert_eq!(std::fs::read(&from).unwrap(), b"order_id,amount\nA1,2");
        assert_eq!(std::fs::read(&to).unwrap(), b"mine", "the target is kept");
        // A failed write leaves the old file whole: a folder cannot be
        // replaced by the copy.
        let (path, _) = report_with_rows(dir.path());
        let folder = dir.path().join("folder");
        std::fs::create_dir(&folder).unwrap();
        assert!(save_copy(&path, &folder).is_err());
        assert!(folder.is_dir());
    }

    #[cfg(unix)]
    #[test]
    fn reports_are_the_users_alone() {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let dir = tempfile::tempdir().unwrap();
        let (path, _) = report_with_rows(dir.path());
        assert_eq!(mode(&path), 0o600, "a new report");
        sort(&path).unwrap();
        assert_eq!(mode(&path), 0o600, "a sorted report");
        let to = dir.path().join("copy.csv");
        std::fs::write(&to, "old").unwrap();
        std::fs::set_permissions(&to, std::fs::Permissions::from_mode(0o644)).unwrap();
        save_copy(&path, &to).unwrap();
        assert_eq!(mode(&to), 0o600, "a saved copy");
    }

    /// Cells a spreadsheet would run, as an orders file may hold them.
    const FORMULAS: [&str; 11] = [
        "=HYPERLINK(\"http://x\",\"y\")",
        "+1",
        "-1",
        "@SUM(A1:A2)",
        "\t=1",
        "＝1",
        "＋1",
        "－1",
        "＠SUM",
        "'=1",
        "'quoted",
    ];

    #[test]
    fn formula_cells_are_written_as_text_and_read_back_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.csv");
        let mut w = Writer::create(&path).unwrap();
        for (i, f) in FORMULAS.iter().enumerate() {
            let mut r = result(i + 2, Outcome::Error);
            r.order_id = (*f).to_owned();
            r.payment_id = (*f).to_owned();
            r.platform = (*f).to_owned();
            r.amount = (*f).to_owned();
            r.summary = Bilingual::new(*f, *f);
            w.write(&r).unwrap();
        }
        drop(w);
        let text = String::from_utf8(std::fs::read(&path).unwrap()).unwrap();
        let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
        for (record, f) in reader.records().zip(FORMULAS) {
            let record = record.unwrap();
            for i in [1, 2, 3, 4, 9, 10] {
                let cell = &record[i];
                assert!(
                    cell.starts_with('\''),
                    "{f:?} is written as text, not a formula: {cell:?}"
                );
                assert_eq!(&cell[1..], f);
            }
        }
        let rows = read_existing(&path).unwrap();
        assert_eq!(rows.len(), FORMULAS.len());
        for (r, f) in rows.iter().zip(FORMULAS) {
            assert_eq!(r.order_id, f);
            assert_eq!(r.payment_id, f);
            assert_eq!(r.platform, f);
            assert_eq!(r.amount, f);
            assert_eq!(r.summary, Bilingual::new(f, f));
        }
    }

    #[test]
    fn plain_cells_are_written_as_they_are() {
        for cell in [
            "DY74392000",
            "200.00",
            "抖音",
            "",
            "a=b",
            "1-2",
            "2026-11-21T16:30:00+08:00",
        ] {
            assert_eq!(neutralise(cell), cell);
            assert_eq!(restore(cell), cell);
        }
    }

    proptest::proptest! {
        #[test]
        fn any_cell_reads_back_as_written(
            cells in proptest::collection::vec("[^\r\n]{0,24}", 6),
        ) {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("report.csv");
            let mut r = result(2, Outcome::Unknown);
            r.order_id = cells[0].clone();
            r.payment_id = cells[1].clone();
            r.platform = cells[2].clone();
            r.amount = cells[3].clone();
            r.summary = Bilingual::new(cells[4].clone(), cells[5].clone());
            r.source_errors = Bilingual::new(cells[5].clone(), cells[4].clone());
            let mut w = Writer::create(&path).unwrap();
            w.write(&r).unwrap();
            drop(w);
            let back = read_existing(&path).unwrap();
            proptest::prop_assert_eq!(back, vec![r]);
        }

        #[test]
        fn neutralise_restore_round_trip(cell in "\\PC*") {
            let written = neutralise(&cell);
            proptest::prop_assert_eq!(restore(&written), cell.as_str());
        }
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
