//! A bill export is a table with a preamble and sometimes a footer: lines
//! of text until the header row, the rows, and after a dashed line the
//! totals. [`Table`] takes the cells of each line in turn (from CSV or from
//! a workbook), finds the header by its column names, maps each row to a
//! [`Record`] and hands it on. Columns are found by name, so a layout whose
//! columns moved still reads; one that lacks a needed column says which.
//!
//! Cells arrive as the file's own bytes (UTF-8 or GB18030, see [`Text`]):
//! a row is decoded only as far as it is looked at. Every row's time and
//! amount are read (a row that has neither readable is counted for the
//! user); only a row that can belong to the case — its amount or one of
//! its numbers, see [`Interest`] — is decoded whole into a [`Record`].

use std::borrow::Cow;
use std::sync::LazyLock;

use chrono::FixedOffset;
use encoding_rs::GB18030;
use regex::Regex;

use super::matching::Interest;
use super::{EvidenceError, Format, Record, Sink, Summary, bill_amount, local_time, trimmed};

/// How a bill's bytes are text. GB18030 (a superset of GBK) never uses a
/// byte below 0x40 inside a character, so `,`, `"`, `\r` and `\n` split
/// its bytes exactly as they split the decoded text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Text {
    Utf8,
    Gb18030,
}

impl Text {
    /// The cell as text; borrowed when the bytes already are (ASCII, or
    /// valid UTF-8). Invalid bytes become U+FFFD, as a decoding reader
    /// would make them.
    pub fn decode(self, b: &[u8]) -> Cow<'_, str> {
        match self {
            Text::Utf8 => match std::str::from_utf8(b) {
                Ok(s) => Cow::Borrowed(s),
                Err(_) => String::from_utf8_lossy(b),
            },
            Text::Gb18030 => GB18030.decode_without_bom_handling(b).0,
        }
    }
}

/// The columns of one layout and how a row becomes a record.
pub(crate) struct Layout {
    pub format: Format,
    /// Every column the layout has, by its header name; `required` ones
    /// first (indices below `required` must be present).
    pub columns: &'static [&'static str],
    pub required: usize,
    /// The row's time: the first of these columns that is not empty.
    pub time: &'static [usize],
    pub amount: usize,
    /// The provider's number and the merchant's order number.
    pub numbers: [usize; 2],
    /// Fills in the rest of the record (its time and amount are set);
    /// `col(i)` is the cleaned cell of `columns[i]`.
    pub build: fn(&Cols<'_>, &mut Record),
}

/// A row's cells by the layout's column order.
pub(crate) struct Cols<'a> {
    cells: &'a [&'a [u8]],
    map: &'a [Option<usize>],
    text: Text,
}

impl<'a> Cols<'a> {
    /// The cleaned value of the layout's column `i` (`None` when empty).
    pub fn get(&self, i: usize) -> Option<String> {
        self.text(i).map(Cow::into_owned)
    }

    /// The same, borrowed from the row when it can be.
    pub fn text(&self, i: usize) -> Option<Cow<'a, str>> {
        let raw = self.map[i].and_then(|c| self.cells.get(c))?;
        match self.text.decode(raw) {
            Cow::Borrowed(s) => trimmed(s).map(Cow::Borrowed),
            Cow::Owned(s) => trimmed(&s).map(|t| Cow::Owned(t.to_owned())),
        }
    }
}

impl Cols<'_> {
    /// The raw cell of column `i`, trimmed of ASCII white space.
    fn raw(&self, i: usize) -> Option<&[u8]> {
        self.map[i]
            .and_then(|c| self.cells.get(c))
            .map(|c| c.trim_ascii())
    }

    /// Column `i` as a time. The usual `2026-11-21 15:15:12` is read from
    /// the bytes; anything else as text by [`local_time`].
    fn time(&self, i: usize, zone: FixedOffset) -> Option<crate::domain::time::Moment> {
        use chrono::TimeZone;
        if let Some(n) = self.raw(i).and_then(super::plain_time) {
            return zone.from_local_datetime(&n).single();
        }
        self.text(i).and_then(|t| local_time(&t, zone))
    }

    /// Column `i` as an amount. The usual `28.16` or `¥28.16` is read from
    /// the bytes; anything else as text by [`bill_amount`].
    fn amount(&self, i: usize) -> Option<rust_decimal::Decimal> {
        if let Some(raw) = self.raw(i) {
            let unsigned = raw
                .strip_prefix(b"-")
                .or(raw.strip_prefix(b"+"))
                .unwrap_or(raw);
            let digits = match self.text {
                Text::Utf8 => unsigned
                    .strip_prefix("¥".as_bytes())
                    .or(unsigned.strip_prefix("￥".as_bytes()))
                    .unwrap_or(unsigned),
                Text::Gb18030 => unsigned,
            };
            if !digits.is_empty()
                && digits.len() <= 20
                && digits.iter().all(|b| b.is_ascii_digit() || *b == b'.')
                && digits.iter().filter(|&&b| b == b'.').count() <= 1
            {
                return std::str::from_utf8(digits).ok()?.parse().ok();
            }
        }
        self.text(i).and_then(|a| bill_amount(&a))
    }

    /// Column `i` as a number to compare with the case's: the bytes when
    /// they are ASCII (numbers are), else the cleaned text.
    fn number(&self, i: usize) -> Option<Cow<'_, str>> {
        match self.raw(i) {
            Some(raw) if raw.is_ascii() => {
                let s = std::str::from_utf8(raw).ok()?;
                trimmed(s).map(Cow::Borrowed)
            }
            _ => self.text(i),
        }
    }
}

/// A cell that starts (after white space) with `---`: the footer's rule.
fn dashed(cell: &[u8], text: Text) -> bool {
    match cell.trim_ascii_start() {
        [b'-', b'-', b'-', ..] => true,
        [first, ..] if first.is_ascii() => false,
        [] => false,
        _ => text.decode(cell).trim().starts_with("---"),
    }
}

/// A cell with nothing but white space in it.
fn blank(cell: &[u8], text: Text) -> bool {
    if cell.iter().all(u8::is_ascii_whitespace) {
        true
    } else if cell.is_ascii() {
        false
    } else {
        text.decode(cell).trim().is_empty()
    }
}

static COUNT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"共\s*(\d+)\s*笔").expect("the count pattern is valid"));

/// Lines of preamble after which a missing header is an error.
const MAX_PREAMBLE: u64 = 200;

pub(crate) struct Table<'s, 'a> {
    layout: &'static Layout,
    zone: FixedOffset,
    text: Text,
    /// When set, rows that cannot belong to the case are counted and
    /// checked but not built.
    interest: Option<&'s Interest>,
    sink: &'s mut Sink<'a>,
    map: Option<Vec<Option<usize>>>,
    /// The cells a row needs for its required columns.
    needed: usize,
    in_footer: bool,
    counts: Counts,
}

/// What a table has counted of its rows, so that two tables reading the
/// two halves of one bill add up to the table that read it whole.
#[derive(Debug, Default)]
pub(crate) struct Counts {
    summary: Summary,
    /// Lines with too few columns: how many, the first and the last. A
    /// count, not a list: a file of millions of short lines stays small.
    short: (u64, Option<u64>, u64),
    bad_time: (u64, Option<u64>),
    bad_amount: (u64, Option<u64>),
    last_line: u64,
}

impl Counts {
    /// Adds the counts of the lines after these, whose line numbers are
    /// `lines` too small.
    fn absorb(&mut self, later: Counts, lines: u64) {
        let at = |l: u64| l + lines;
        self.summary.rows += later.summary.rows;
        self.summary.expected_rows = self.summary.expected_rows.or(later.summary.expected_rows);
        if later.short.0 > 0 {
            self.short.0 += later.short.0;
            self.short.1 = self.short.1.or(later.short.1.map(at));
            self.short.2 = at(later.short.2);
        }
        for (mine, theirs) in [
            (&mut self.bad_time, later.bad_time),
            (&mut self.bad_amount, later.bad_amount),
        ] {
            mine.0 += theirs.0;
            mine.1 = mine.1.or(theirs.1.map(at));
        }
        if later.last_line > 0 {
            self.last_line = at(later.last_line);
        }
    }
}

/// What a second table needs to read the rows after the header: the
/// first table's layout and the columns its header named.
pub(crate) struct Plan<'s> {
    layout: &'static Layout,
    zone: FixedOffset,
    text: Text,
    interest: Option<&'s Interest>,
    map: Vec<Option<usize>>,
    needed: usize,
}

impl<'s, 'a> Table<'s, 'a> {
    /// A table of `layout` whose cells are `text`; with an `interest`, only
    /// the rows it wants reach the sink (every row is still counted).
    pub fn new(
        layout: &'static Layout,
        zone: FixedOffset,
        text: Text,
        interest: Option<&'s Interest>,
        sink: &'s mut Sink<'a>,
    ) -> Self {
        Table {
            layout,
            zone,
            text,
            interest,
            sink,
            map: None,
            needed: 0,
            in_footer: false,
            counts: Counts::default(),
        }
    }

    /// A table that reads on from a row of this one's body, when this one
    /// is in its body (past the header, before the footer).
    pub fn plan(&self) -> Option<Plan<'s>> {
        let map = self.map.clone().filter(|_| self.in_body())?;
        Some(Plan {
            layout: self.layout,
            zone: self.zone,
            text: self.text,
            interest: self.interest,
            map,
            needed: self.needed,
        })
    }

    /// Past the header and not yet in the footer.
    pub fn in_body(&self) -> bool {
        self.map.is_some() && !self.in_footer
    }

    /// The table of a [`Plan`], handing its records to `sink`.
    pub fn of_plan(plan: Plan<'s>, sink: &'s mut Sink<'a>) -> Self {
        Table {
            layout: plan.layout,
            zone: plan.zone,
            text: plan.text,
            interest: plan.interest,
            sink,
            map: Some(plan.map),
            needed: plan.needed,
            in_footer: false,
            counts: Counts::default(),
        }
    }

    /// What this table counted, when it read the part after another's.
    pub fn into_counts(self) -> Counts {
        self.counts
    }

    /// Takes what a table of this one's [`Plan`] read of the lines after
    /// these, whose line numbers are `lines` too small: its counts, then
    /// its records in order.
    pub fn absorb(
        &mut self,
        later: Counts,
        records: Vec<Record>,
        lines: u64,
    ) -> Result<(), EvidenceError> {
        self.counts.absorb(later, lines);
        for mut r in records {
            r.location += lines;
            (self.sink)(r)?;
        }
        Ok(())
    }

    /// Takes the cells of input line (or row) `line`.
    pub fn feed(&mut self, line: u64, cells: &[&[u8]]) -> Result<(), EvidenceError> {
        self.counts.last_line = line;
        let text = self.text;
        let Some(map) = &self.map else {
            let cells: Vec<Cow<'_, str>> = cells.iter().map(|c| text.decode(c)).collect();
            return self.preamble(line, &cells);
        };
        if self.in_footer || cells.first().is_some_and(|c| dashed(c, text)) {
            self.in_footer = true;
            let cells: Vec<Cow<'_, str>> = cells.iter().map(|c| text.decode(c)).collect();
            self.count_in(&cells);
            return Ok(());
        }
        if cells.iter().all(|c| blank(c, text)) {
            return Ok(());
        }
        if cells.len() < self.needed {
            let short = &mut self.counts.short;
            short.0 += 1;
            short.1.get_or_insert(line);
            short.2 = line;
            return Ok(());
        }
        let cols = Cols { cells, map, text };
        let layout = self.layout;
        let at = match layout.time {
            [only] => cols.time(*only, self.zone),
            many => many
                .iter()
                .find(|&&i| cols.text(i).is_some())
                .and_then(|&i| cols.time(i, self.zone)),
        };
        let amount = cols.amount(layout.amount);
        if at.is_none() {
            self.counts.bad_time.0 += 1;
            self.counts.bad_time.1.get_or_insert(line);
        }
        if amount.is_none() {
            self.counts.bad_amount.0 += 1;
            self.counts.bad_amount.1.get_or_insert(line);
        }
        self.counts.summary.rows += 1;
        // The amount first: it is already read, the numbers are not.
        if let Some(interest) = self.interest
            && !interest.has_amount(amount)
            && !layout
                .numbers
                .iter()
                .any(|&i| cols.number(i).is_some_and(|n| interest.has_number(&n)))
        {
            return Ok(());
        }
        let source = match layout.format {
            Format::AlipayApp | Format::AlipayWeb => crate::domain::observation::SourceKind::Alipay,
            _ => crate::domain::observation::SourceKind::WechatPay,
        };
        let mut record = Record::new(layout.format, line, source);
        record.at = at;
        record.amount = amount;
        (layout.build)(&cols, &mut record);
        (self.sink)(record)
    }

    fn preamble(&mut self, line: u64, cells: &[Cow<'_, str>]) -> Result<(), EvidenceError> {
        let names: Vec<&str> = cells.iter().filter_map(|c| trimmed(c)).collect();
        let hits = self
            .layout
            .columns
            .iter()
            .filter(|c| names.contains(c))
            .count();
        if hits >= 3 {
            let map: Vec<Option<usize>> = self
                .layout
                .columns
                .iter()
                .map(|c| cells.iter().position(|n| trimmed(n) == Some(*c)))
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
            self.needed = map[..self.layout.required]
                .iter()
                .flatten()
                .max()
                .map_or(0, |m| m + 1);
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
    fn count_in(&mut self, cells: &[Cow<'_, str>]) {
        if self.counts.summary.expected_rows.is_some() {
            return;
        }
        for c in cells {
            if let Some(n) = COUNT.captures(c).and_then(|m| m[1].parse::<u64>().ok()) {
                self.counts.summary.expected_rows = Some(n);
                return;
            }
        }
    }

    /// Ends the table: the summary with a warning for each kind of problem.
    pub fn finish(self) -> Result<Summary, EvidenceError> {
        if self.map.is_none() {
            return Err(EvidenceError::NoHeader {
                format: self.layout.format,
            });
        }
        let Counts {
            mut summary,
            short,
            bad_time,
            bad_amount,
            last_line,
        } = self.counts;
        let s = &mut summary;
        if let (n, Some(first), last) = short {
            if last == last_line && n == 1 {
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
        if let (n, Some(first)) = bad_time {
            s.warn(
                format!("{n} 行的时间读不出来（第一处：第 {first} 行），这些行只能按单号和金额匹配。"),
                format!("{n} rows have a time Daozhang cannot read (first: line {first}); they match by number and amount only."),
            );
        }
        if let (n, Some(first)) = bad_amount {
            s.warn(
                format!("{n} 行的金额读不出来（第一处：第 {first} 行），这些行只能按单号和时间匹配。"),
                format!("{n} rows have an amount Daozhang cannot read (first: line {first}); they match by number and time only."),
            );
        }
        Ok(summary)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The quick reads from bytes give what the text readers give, in
    /// both encodings, for the shapes bills use and for odd ones.
    #[test]
    fn quick_reads_agree_with_the_text_readers() {
        let zone = crate::domain::time::china();
        let cells = [
            "2026-11-21 15:15:12",
            " 2026-11-21 15:15:12\t",
            "2026-02-30 15:15:12",
            "2026-11-21 24:00:00",
            "2026/11/21 15:15",
            "2026年11月21日 15:15:12",
            "\u{3000}2026-11-21 15:15:12",
            "28.16",
            "¥28.16",
            "￥1,234.50",
            "-11.00",
            "+-5",
            "-¥5",
            "200.00元",
            "1.2.3",
            ".",
            "",
            "/",
            "  4200002345202611214567890123\t",
            "\u{3000}LS20261121200512345",
        ];
        let map = [Some(0)];
        for text in [Text::Utf8, Text::Gb18030] {
            for cell in cells {
                let bytes: Vec<u8> = match text {
                    Text::Utf8 => cell.as_bytes().to_vec(),
                    Text::Gb18030 => GB18030.encode(cell).0.into_owned(),
                };
                let row = [bytes.as_slice()];
                let cols = Cols {
                    cells: &row,
                    map: &map,
                    text,
                };
                let plain = cols.text(0);
                assert_eq!(
                    cols.time(0, zone),
                    plain.as_deref().and_then(|t| local_time(t, zone)),
                    "{cell:?} as a time ({text:?})"
                );
                assert_eq!(
                    cols.amount(0),
                    plain.as_deref().and_then(bill_amount),
                    "{cell:?} as an amount ({text:?})"
                );
                assert_eq!(cols.number(0), plain, "{cell:?} as a number ({text:?})");
            }
        }
    }
}
