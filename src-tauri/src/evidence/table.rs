//! A bill export is a table with a preamble and sometimes a footer: lines
//! of text until the header row, the rows, and after a dashed line the
//! totals. [`Table`] takes the cells of each line in turn (from CSV or from
//! a workbook), finds the header by its column names, maps each row to a
//! [`Record`] and hands it on. Columns are found by name, so a layout whose
//! columns moved still reads; one that lacks a needed column says which.

use std::sync::LazyLock;

use chrono::FixedOffset;
use regex::Regex;

use super::{EvidenceError, Format, Record, Sink, Summary, clean};

/// The columns of one layout and how a row becomes a record.
pub(crate) struct Layout {
    pub format: Format,
    /// Every column the layout has, by its header name; `required` ones
    /// first (indices below `required` must be present).
    pub columns: &'static [&'static str],
    pub required: usize,
    /// Builds the record from the row; `col(i)` is the cleaned cell of
    /// `columns[i]`.
    pub build: fn(&Cols<'_>, &mut Record, FixedOffset) -> RowIssues,
}

/// Problems with one row's cells, counted for one warning each.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct RowIssues {
    pub bad_time: bool,
    pub bad_amount: bool,
}

/// A row's cells by the layout's column order.
pub(crate) struct Cols<'a> {
    cells: &'a [&'a str],
    map: &'a [Option<usize>],
}

impl Cols<'_> {
    /// The cleaned value of the layout's column `i` (`None` when empty).
    pub fn get(&self, i: usize) -> Option<String> {
        self.map[i]
            .and_then(|c| self.cells.get(c))
            .and_then(|s| clean(s))
    }
}

static COUNT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"共\s*(\d+)\s*笔").expect("the count pattern is valid"));

/// Lines of preamble after which a missing header is an error.
const MAX_PREAMBLE: u64 = 200;

pub(crate) struct Table<'s, 'a> {
    layout: &'static Layout,
    zone: FixedOffset,
    sink: &'s mut Sink<'a>,
    map: Option<Vec<Option<usize>>>,
    in_footer: bool,
    summary: Summary,
    /// Lines with too few columns: how many, the first and the last. A
    /// count, not a list: a file of millions of short lines stays small.
    short: (u64, Option<u64>, u64),
    bad_time: (u64, Option<u64>),
    bad_amount: (u64, Option<u64>),
    last_line: u64,
}

impl<'s, 'a> Table<'s, 'a> {
    pub fn new(layout: &'static Layout, zone: FixedOffset, sink: &'s mut Sink<'a>) -> Self {
        Table {
            layout,
            zone,
            sink,
            map: None,
            in_footer: false,
            summary: Summary::default(),
            short: (0, None, 0),
            bad_time: (0, None),
            bad_amount: (0, None),
            last_line: 0,
        }
    }

    /// Takes the cells of input line (or row) `line`.
    pub fn feed(&mut self, line: u64, cells: &[&str]) -> Result<(), EvidenceError> {
        self.last_line = line;
        let Some(map) = &self.map else {
            return self.preamble(line, cells);
        };
        let first = cells.first().map(|c| c.trim()).unwrap_or("");
        if self.in_footer || first.starts_with("---") {
            self.in_footer = true;
            self.count_in(cells);
            return Ok(());
        }
        if cells.iter().all(|c| c.trim().is_empty()) {
            return Ok(());
        }
        let needed = map[..self.layout.required]
            .iter()
            .flatten()
            .max()
            .map_or(0, |m| m + 1);
        if cells.len() < needed {
            self.short.0 += 1;
            self.short.1.get_or_insert(line);
            self.short.2 = line;
            return Ok(());
        }
        let cols = Cols { cells, map };
        let source = match self.layout.format {
            Format::AlipayApp | Format::AlipayWeb => crate::domain::observation::SourceKind::Alipay,
            _ => crate::domain::observation::SourceKind::WechatPay,
        };
        let mut record = Record::new(self.layout.format, line, source);
        let issues = (self.layout.build)(&cols, &mut record, self.zone);
        if issues.bad_time {
            self.bad_time.0 += 1;
            self.bad_time.1.get_or_insert(line);
        }
        if issues.bad_amount {
            self.bad_amount.0 += 1;
            self.bad_amount.1.get_or_insert(line);
        }
        self.summary.rows += 1;
        (self.sink)(record)
    }

    fn preamble(&mut self, line: u64, cells: &[&str]) -> Result<(), EvidenceError> {
        let names: Vec<String> = cells.iter().filter_map(|c| clean(c)).collect();
        let hits = self
            .layout
            .columns
            .iter()
            .filter(|c| names.iter().any(|n| n == *c))
            .count();
        if hits >= 3 {
            let map: Vec<Option<usize>> = self
                .layout
                .columns
                .iter()
                .map(|c| cells.iter().position(|n| clean(n).as_deref() == Some(*c)))
                .collect();
            let missing: Vec<String> = self.layout.columns[..self.layout.required]
                .iter()
                .zip(&map)
                .filter(|(_, m)| m.is_none())
                .map(|(c, _)| (*c).to_owned())
                .collect();
            if !missing.is_empty() {
                return Err(EvidenceError::MissingColumns {
                    format: self.layout.format,
                    missing,
                });
            }
            self.map = Some(map);
            return Ok(());
        }
        self.count_in(cells);
        if line > MAX_PREAMBLE {
            return Err(EvidenceError::NoHeader {
                format: self.layout.format,
            });
        }
        Ok(())
    }

    /// `共N笔记录` in the preamble or the footer: what the export announces.
    fn count_in(&mut self, cells: &[&str]) {
        if self.summary.expected_rows.is_some() {
            return;
        }
        for c in cells {
            if let Some(n) = COUNT.captures(c).and_then(|m| m[1].parse::<u64>().ok()) {
                self.summary.expected_rows = Some(n);
                return;
            }
        }
    }

    /// Ends the table: the summary with a warning for each kind of problem.
    pub fn finish(mut self) -> Result<Summary, EvidenceError> {
        if self.map.is_none() {
            return Err(EvidenceError::NoHeader {
                format: self.layout.format,
            });
        }
        let s = &mut self.summary;
        if let (n, Some(first), last) = self.short {
            if last == self.last_line && n == 1 {
                s.warn(
                    format!("最后一行（第 {last} 行）不完整：文件可能在导出或复制时被截断，之前的记录已读取。"),
                    format!("The last line ({last}) is cut short: the file seems truncated. The records before it were read."),
                );
            } else {
                s.warn(
                    format!("{n} 行的列数不够，已跳过（第一处：第 {first} 行）。"),
                    format!(
                        "{n} lines have too few columns and were skipped (first: line {first})."
                    ),
                );
            }
        }
        if let (n, Some(first)) = self.bad_time {
            s.warn(
                format!("{n} 行的时间读不出来（第一处：第 {first} 行），这些行只能按单号和金额匹配。"),
                format!("{n} rows have a time Daozhang cannot read (first: line {first}); they match by number and amount only."),
            );
        }
        if let (n, Some(first)) = self.bad_amount {
            s.warn(
                format!("{n} 行的金额读不出来（第一处：第 {first} 行），这些行只能按单号和时间匹配。"),
                format!("{n} rows have an amount Daozhang cannot read (first: line {first}); they match by number and time only."),
            );
        }
        Ok(self.summary)
    }
}

/// Feeds a CSV stream into `table`: every record with its line number.
pub(crate) fn read_csv<R: std::io::Read>(
    input: R,
    mut table: Table<'_, '_>,
) -> Result<Summary, EvidenceError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(RecordCap::new(input, MAX_RECORD_BYTES));
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(csv_error(e)),
        }
        let line = record.position().map_or(0, |p| p.line());
        let cells: Vec<&str> = record.iter().collect();
        table.feed(line, &cells)?;
    }
    table.finish()
}

fn csv_error(e: csv::Error) -> EvidenceError {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => {
            if io.to_string() == super::decode::CANCELLED {
                EvidenceError::Cancelled
            } else if let Some(long) = io.get_ref().and_then(|e| e.downcast_ref::<RecordTooLong>())
            {
                EvidenceError::RecordTooLong {
                    line: long.line,
                    limit: long.limit,
                }
            } else {
                EvidenceError::Io {
                    path: String::new(),
                    source: io,
                }
            }
        }
        // The decoder hands on valid UTF-8 only; anything else is reported
        // as what it is.
        csv::ErrorKind::Utf8 { .. } => EvidenceError::Encoding,
        other => EvidenceError::Io {
            path: String::new(),
            source: std::io::Error::other(format!("{other:?}")),
        },
    }
}

/// The longest record (CSV line, or lines inside one quoted field) read.
/// A bill's row is a few hundred bytes; the CSV reader holds a whole record
/// in memory, so a file that is one multi-gigabyte line is refused here.
pub const MAX_RECORD_BYTES: u64 = 1 << 20;

/// Why a read stopped: record `line` passed `limit` bytes.
#[derive(Debug)]
struct RecordTooLong {
    line: u64,
    limit: u64,
}

impl std::fmt::Display for RecordTooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "record {} is longer than {} bytes",
            self.line, self.limit
        )
    }
}

impl std::error::Error for RecordTooLong {}

/// Passes UTF-8 text on, failing once one record grows past `limit`
/// bytes. It follows the CSV reader's quoting (a quote opens a quoted field
/// only at the start of a field; inside one, `""` is a quote and line
/// breaks do not end the record), so a quoted field spanning many lines is
/// one record too, and a stray `"` inside a plain field (`5" 披萨`) is text.
/// `\r`, `\n` and `\r\n` end lines, as for the reader.
struct RecordCap<R> {
    inner: R,
    limit: u64,
    in_record: u64,
    state: Quoting,
    line: u64,
    after_cr: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Quoting {
    FieldStart,
    Plain,
    Quoted,
    QuoteInQuoted,
}

impl<R> RecordCap<R> {
    fn new(inner: R, limit: u64) -> Self {
        RecordCap {
            inner,
            limit,
            in_record: 0,
            state: Quoting::FieldStart,
            line: 1,
            after_cr: false,
        }
    }
}

impl<R: std::io::Read> std::io::Read for RecordCap<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        for &b in &buf[..n] {
            let line_break = b == b'\r' || b == b'\n';
            if b == b'\r' || (b == b'\n' && !self.after_cr) {
                self.line += 1;
            }
            self.after_cr = b == b'\r';
            self.state = match (self.state, b) {
                (Quoting::Quoted, b'"') => Quoting::QuoteInQuoted,
                (Quoting::Quoted, _) => Quoting::Quoted,
                (Quoting::FieldStart | Quoting::QuoteInQuoted, b'"') => Quoting::Quoted,
                (_, b',') => Quoting::FieldStart,
                (_, _) if line_break => {
                    self.in_record = 0;
                    self.state = Quoting::FieldStart;
                    continue;
                }
                _ => Quoting::Plain,
            };
            self.in_record += 1;
            if self.in_record > self.limit {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    RecordTooLong {
                        line: self.line,
                        limit: self.limit,
                    },
                ));
            }
        }
        Ok(n)
    }
}
