//! A bill's CSV, record by record, in bounded memory.
//!
//! Almost every line of a bill is one record whose quoted fields (if any)
//! hold no quote and no line break: such a line is split where it lies in
//! the read buffer, without copying. Any other line — a `""` inside quotes,
//! a quoted field running over several lines, a lone `\r` — is handed to
//! `csv_core`, whose rules (RFC 4180: a quote opens a quoted field only at
//! the start of a field, `\r`, `\n` and `\r\n` end a record, empty lines
//! are skipped) the quick split follows exactly; a property test holds the
//! two to the same records. The bytes are the file's own: GB18030 and
//! UTF-8 both keep `,`, `"`, `\r` and `\n` out of their multi-byte
//! characters, so splitting before decoding is splitting the text.
//!
//! A large bill from a file is read on two cores: its second half by
//! another thread, taken only when the two halves provably add up to the
//! file read in one go (see [`Again`]).

use std::io::{self, Read, Seek, SeekFrom};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use csv_core::ReadRecordResult;
use memchr::memchr;

use super::table::{Counts, Plan, Table};
use super::{EvidenceError, Record, Summary};

/// The longest record (CSV line, or lines inside one quoted field) read.
/// A bill's row is a few hundred bytes; a record is held whole while it is
/// split, so a file that is one multi-gigabyte line is refused here.
pub const MAX_RECORD_BYTES: u64 = 1 << 20;

/// Bytes asked of the input at a time.
const CHUNK: usize = 256 << 10;

/// Feeds every record of `input` into `table` with the line it starts on.
/// With `again`, a large bill's second half is read on another core while
/// this one reads the first (see [`Again`]).
pub(crate) fn read_csv<R: Read>(
    input: R,
    mut table: Table<'_, '_>,
    again: Option<Again<'_>>,
) -> Result<Summary, EvidenceError> {
    let mut records = Records::new(input);
    match again {
        None => feed(&mut records, &mut table, false)?,
        Some(again) => {
            read_in_halves(&mut records, &mut table, &again)?;
        }
    }
    table.finish()
}

/// Feeds records into `table` until the input ends (or `records` stops
/// where it was told to), or with `header`, until the table has its header.
fn feed<R: Read>(
    records: &mut Records<R>,
    table: &mut Table<'_, '_>,
    header: bool,
) -> Result<(), EvidenceError> {
    let mut spare: Vec<&[u8]> = Vec::new();
    loop {
        let mut cells = recycle(spare);
        let Some(line) = records.next(&mut cells)? else {
            return Ok(());
        };
        table.feed(line, &cells)?;
        if header && table.in_body() {
            return Ok(());
        }
        spare = recycle(cells);
    }
}

/// The same bytes once more, for a second reader of a large bill.
///
/// The bill's rows after the header are cut in two at a line break near
/// the middle of what is left. Another thread reads the second half with
/// a table of the same columns (keeping only the records the case wants,
/// at most [`MAX_AHEAD_RECORDS`]) while this one reads the first. When
/// the first half's records end exactly at the cut and its table is still
/// in the bill's body, the two halves add up to the whole, and the second
/// half's counts and records are taken with their lines renumbered. In
/// every other case — the cut fell inside a quoted field that runs over
/// lines, the footer started before it, the second half failed or kept
/// too much — the second half is dropped and this thread reads on from
/// the cut, so the result is always the one reading the file in one go
/// gives. (The progress then counts the second half's bytes twice; it is
/// capped at the file's size and only grows.)
pub(crate) struct Again<'x> {
    /// The bill's bytes again, from the start.
    pub open: &'x (dyn Fn() -> io::Result<Box<dyn ReadSeek + Send>> + Sync),
    pub size: u64,
    /// Bytes the second reader has read so far (the progress adds them).
    pub read: &'x AtomicU64,
    /// Where to cut: `None` for halfway through what is left after the
    /// header, and only when that is at least [`SPLIT_FROM`] bytes.
    pub at: Option<u64>,
}

pub(crate) trait ReadSeek: Read + Seek {}
impl<T: Read + Seek> ReadSeek for T {}

/// A bill smaller than this (after its header) is read on one core: a
/// thread costs more than it saves.
pub const SPLIT_FROM: u64 = 2 << 20;

/// Records of the case's the second half keeps for the first; a bill with
/// more (every row the case's amount) is read on one core.
pub const MAX_AHEAD_RECORDS: usize = 4096;

/// How far past the cut the line break it moves to may be.
const MAX_CUT_SEARCH: u64 = 64 << 10;

/// Reads the rest of `records` into `table` as [`Again`] says; `true`
/// when the second half was read on the other thread and taken.
fn read_in_halves<R: Read>(
    records: &mut Records<R>,
    table: &mut Table<'_, '_>,
    again: &Again<'_>,
) -> Result<bool, EvidenceError> {
    let whole = |records: &mut Records<R>, table: &mut Table<'_, '_>| {
        feed(records, table, false).map(|()| false)
    };
    feed(records, table, true)?;
    let from = records.offset();
    let target = match again.at {
        Some(at) => at,
        None if again.size.saturating_sub(from) >= SPLIT_FROM => from + (again.size - from) / 2,
        None => return whole(records, table),
    };
    let (Some(plan), Some((cut, second))) = (table.plan(), cut_after(again, target.max(from)))
    else {
        return whole(records, table);
    };
    let stop = AtomicBool::new(false);
    std::thread::scope(|scope| {
        // Whatever way this thread leaves, the other stops reading.
        let _stop = StopOnDrop(&stop);
        let ahead = scope.spawn(|| {
            let reader = Watched {
                inner: second,
                read: again.read,
                stop: &stop,
            };
            read_ahead(plan, reader)
        });
        records.stop_at = Some(cut);
        feed(records, table, false)?;
        let line = records.line;
        let aligned = records.stopped.take() == Some(cut) && table.in_body();
        records.stop_at = None;
        if aligned && let Ok(Some((counts, kept))) = ahead.join() {
            return table.absorb(counts, kept, line - 1).map(|()| true);
        }
        stop.store(true, Ordering::Relaxed);
        whole(records, table)
    })
}

/// Finds the first line break at or after `target` and gives the offset
/// after it, with a second reader placed there; `None` when there is no
/// line break near (or the second reader cannot be had).
fn cut_after(again: &Again<'_>, target: u64) -> Option<(u64, Box<dyn ReadSeek + Send>)> {
    if target >= again.size {
        return None;
    }
    let mut r = (again.open)().ok()?;
    r.seek(SeekFrom::Start(target)).ok()?;
    let mut near = Vec::with_capacity(MAX_CUT_SEARCH as usize);
    (&mut r).take(MAX_CUT_SEARCH).read_to_end(&mut near).ok()?;
    let cut = target + memchr(b'\n', &near)? as u64 + 1;
    if cut >= again.size {
        return None;
    }
    r.seek(SeekFrom::Start(cut)).ok()?;
    Some((cut, r))
}

/// Reads the second half with a table of `plan`: its counts and the
/// records the case wants; `None` when it failed or kept too many.
fn read_ahead(plan: Plan<'_>, input: impl Read) -> Option<(Counts, Vec<Record>)> {
    let mut kept = Vec::new();
    let counts = {
        let mut sink = |r: Record| {
            if kept.len() >= MAX_AHEAD_RECORDS {
                return Err(EvidenceError::Cancelled);
            }
            kept.push(r);
            Ok(())
        };
        let mut table = Table::of_plan(plan, &mut sink);
        let mut records = Records::new(input);
        feed(&mut records, &mut table, false).ok()?;
        table.into_counts()
    };
    Some((counts, kept))
}

struct StopOnDrop<'x>(&'x AtomicBool);

impl Drop for StopOnDrop<'_> {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// The second reader: counts what it reads, and stops when told.
struct Watched<'x, R> {
    inner: R,
    read: &'x AtomicU64,
    stop: &'x AtomicBool,
}

impl<R: Read> Read for Watched<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.stop.load(Ordering::Relaxed) {
            return Err(io::Error::other("the second half is not needed"));
        }
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// An emptied vector of cells, keeping its allocation for the next record
/// (the collect runs in place: no element is ever mapped).
fn recycle<'x>(mut cells: Vec<&[u8]>) -> Vec<&'x [u8]> {
    cells.clear();
    cells.into_iter().map(|_| -> &'x [u8] { &[] }).collect()
}

pub(crate) struct Records<R> {
    input: R,
    buf: Vec<u8>,
    /// Where in the input `buf` starts.
    base: u64,
    pos: usize,
    end: usize,
    eof: bool,
    /// The line of the byte at `pos`, counting `\n`s from 1.
    line: u64,
    core: csv_core::Reader,
    out: Vec<u8>,
    ends: Vec<usize>,
    /// Where the quick split found the cells in `buf`.
    spans: Vec<(usize, usize)>,
    /// When set, the records end at the first one starting at or after
    /// this offset, and `stopped` says where that record starts.
    stop_at: Option<u64>,
    stopped: Option<u64>,
}

impl<R: Read> Records<R> {
    pub(crate) fn new(input: R) -> Self {
        Records {
            input,
            buf: vec![0; CHUNK],
            base: 0,
            pos: 0,
            end: 0,
            eof: false,
            line: 1,
            core: csv_core::Reader::new(),
            out: vec![0; 1024],
            ends: vec![0; 32],
            spans: Vec::with_capacity(32),
            stop_at: None,
            stopped: None,
        }
    }

    /// Where in the input the next record starts (or the blank lines
    /// before it).
    pub(crate) fn offset(&self) -> u64 {
        self.base + self.pos as u64
    }

    fn too_long(&self) -> EvidenceError {
        EvidenceError::RecordTooLong {
            line: self.line,
            limit: MAX_RECORD_BYTES,
        }
    }

    /// Reads more after `end`, first moving what is left to the front and
    /// growing the buffer if a line fills it.
    fn fill(&mut self) -> Result<(), EvidenceError> {
        if self.pos > 0 {
            self.buf.copy_within(self.pos..self.end, 0);
            self.base += self.pos as u64;
            self.end -= self.pos;
            self.pos = 0;
        }
        if self.end == self.buf.len() {
            if self.end as u64 > MAX_RECORD_BYTES {
                return Err(self.too_long());
            }
            self.buf.resize(self.buf.len() * 2, 0);
        }
        let n = loop {
            match self.input.read(&mut self.buf[self.end..]) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted && !cancelled(&e) => {}
                Err(e) => return Err(io_error(e)),
            }
        };
        self.end += n;
        self.eof = n == 0;
        Ok(())
    }

    /// The next record's cells into `cells` and the line it starts on;
    /// `None` at the end.
    pub(crate) fn next<'s>(
        &'s mut self,
        cells: &mut Vec<&'s [u8]>,
    ) -> Result<Option<u64>, EvidenceError> {
        loop {
            if let Some(stop) = self.stop_at
                && self.offset() >= stop
            {
                self.stopped = Some(self.offset());
                return Ok(None);
            }
            let rest = &self.buf[self.pos..self.end];
            let (body_len, next) = match memchr(b'\n', rest) {
                Some(i) => (i, i + 1),
                None if self.eof => (rest.len(), rest.len()),
                None => {
                    if rest.len() as u64 > MAX_RECORD_BYTES {
                        return Err(self.too_long());
                    }
                    self.fill()?;
                    continue;
                }
            };
            if next == 0 {
                return Ok(None);
            }
            let mut body = &rest[..body_len];
            if let [head @ .., b'\r'] = body {
                body = head;
            }
            let newline = u64::from(next > body_len);
            if body.is_empty() {
                self.pos += next;
                self.line += newline;
                continue;
            }
            if body.len() as u64 > MAX_RECORD_BYTES {
                return Err(self.too_long());
            }
            let start = self.pos;
            self.spans.clear();
            if memchr(b'\r', body).is_none() && quick_split(body, start, &mut self.spans) {
                let line = self.line;
                self.pos += next;
                self.line += newline;
                cells.extend(self.spans.iter().map(|&(a, b)| &self.buf[a..b]));
                return Ok(Some(line));
            }
            return self.slow(cells);
        }
    }

    /// One record through `csv_core`, reading more as it needs.
    fn slow<'s>(&'s mut self, cells: &mut Vec<&'s [u8]>) -> Result<Option<u64>, EvidenceError> {
        self.core.reset();
        let line = self.line;
        let (mut outlen, mut nends, mut taken) = (0usize, 0usize, 0u64);
        loop {
            if self.pos == self.end && !self.eof {
                self.fill()?;
            }
            let input = &self.buf[self.pos..self.end];
            let (res, nin, nout, nend) =
                self.core
                    .read_record(input, &mut self.out[outlen..], &mut self.ends[nends..]);
            let lines = memchr::memchr_iter(b'\n', &input[..nin]).count() as u64;
            self.pos += nin;
            self.line += lines;
            outlen += nout;
            nends += nend;
            taken += nin as u64;
            if taken > MAX_RECORD_BYTES {
                return Err(self.too_long());
            }
            match res {
                ReadRecordResult::InputEmpty => {}
                ReadRecordResult::OutputFull => {
                    let n = self.out.len() * 2;
                    self.out.resize(n, 0);
                }
                ReadRecordResult::OutputEndsFull => {
                    let n = self.ends.len() * 2;
                    self.ends.resize(n, 0);
                }
                ReadRecordResult::Record => break,
                ReadRecordResult::End => return Ok(None),
            }
        }
        // csv_core counts the ends from the start of the record, across calls.
        let mut start = 0;
        for &e in &self.ends[..nends] {
            cells.push(&self.out[start..e]);
            start = e;
        }
        Ok(Some(line))
    }
}

/// Splits one line (no line break in it, no `\r`) that starts at `at` in
/// the buffer into `spans` when its quoting is the plain kind: a quoted
/// field closed by the next quote and followed by `,` or the line's end.
/// `false` for anything else, which `csv_core` then reads.
fn quick_split(body: &[u8], at: usize, spans: &mut Vec<(usize, usize)>) -> bool {
    let mut i = 0;
    loop {
        let rest = &body[i..];
        if let [b'"', inner @ ..] = rest {
            let Some(q) = memchr(b'"', inner) else {
                return false;
            };
            spans.push((at + i + 1, at + i + 1 + q));
            match &inner[q + 1..] {
                [] => return true,
                [b',', ..] => i += q + 3,
                _ => return false,
            }
        } else {
            match memchr(b',', rest) {
                Some(n) => {
                    spans.push((at + i, at + i + n));
                    i += n + 1;
                }
                None => {
                    spans.push((at + i, at + body.len()));
                    return true;
                }
            }
        }
    }
}

fn cancelled(e: &io::Error) -> bool {
    e.to_string() == super::decode::CANCELLED
}

fn io_error(e: io::Error) -> EvidenceError {
    if cancelled(&e) {
        EvidenceError::Cancelled
    } else {
        EvidenceError::Io {
            path: String::new(),
            source: e,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Hands its bytes out `step` at a time, so records cross reads.
    struct Trickle<'a>(&'a [u8], usize);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.0.len().min(self.1).min(buf.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    fn ours(input: &[u8], step: usize) -> Vec<(u64, Vec<Vec<u8>>)> {
        let mut records = Records::new(Trickle(input, step));
        let mut out = Vec::new();
        loop {
            let mut cells = Vec::new();
            match records.next(&mut cells).expect("reads") {
                Some(line) => out.push((line, cells.iter().map(|c| c.to_vec()).collect())),
                None => return out,
            }
        }
    }

    /// The `csv` crate's records of the same input (its reader is
    /// `csv_core` all the way).
    fn theirs(input: &[u8]) -> Vec<Vec<Vec<u8>>> {
        let mut r = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(input);
        r.byte_records()
            .map(|rec| rec.expect("reads").iter().map(<[u8]>::to_vec).collect())
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn the_quick_split_reads_what_the_csv_reader_reads(
            parts in proptest::collection::vec(
                prop_oneof![
                    Just(&b"a"[..]), Just(&b","[..]), Just(&b"\""[..]), Just(&b"\r"[..]),
                    Just(&b"\n"[..]), Just(&b"\r\n"[..]), Just(&b" "[..]), Just("交易".as_bytes()),
                    Just(&b"\"\""[..]), Just(&b"\"x,y\""[..]),
                ],
                0..60,
            ),
            step in 1usize..9,
        ) {
            let input = parts.concat();
            let got: Vec<Vec<Vec<u8>>> = ours(&input, step).into_iter().map(|(_, c)| c).collect();
            prop_assert_eq!(got, theirs(&input), "input {:?}", String::from_utf8_lossy(&input));
        }
    }

    mod halves {
        use super::*;
        use crate::evidence::table::Text;

        /// The bill read by `read_in_halves` cut at `at` (or whole): its
        /// records, its summary or error, and whether the halves joined.
        fn read(bill: &[u8], at: Option<u64>) -> (Vec<Record>, Result<Summary, String>, bool) {
            let zone = crate::domain::time::china();
            let mut got = Vec::new();
            let mut sink = |r| {
                got.push(r);
                Ok(())
            };
            let mut table = Table::new(
                &crate::evidence::wechat::CSV,
                zone,
                Text::Utf8,
                None,
                &mut sink,
            );
            // The first reader in small pieces, so the cut is met across reads.
            let mut records = Records::new(Trickle(bill, 7));
            let copy = bill.to_vec();
            let open = move || -> io::Result<Box<dyn ReadSeek + Send>> {
                Ok(Box::new(io::Cursor::new(copy.clone())))
            };
            let read = AtomicU64::new(0);
            let again = Again {
                open: &open,
                size: bill.len() as u64,
                read: &read,
                at,
            };
            let result = match at {
                None => feed(&mut records, &mut table, false).map(|()| false),
                Some(_) => read_in_halves(&mut records, &mut table, &again),
            };
            let joined = result.as_ref().is_ok_and(|j| *j);
            let summary = result
                .and_then(|_| table.finish())
                .map_err(|e| format!("{e:?}"));
            (got, summary, joined)
        }

        const ROW: &str = "2026-11-21 20:05:12,商户消费,某直播平台,\"钻石\",支出,¥68.00,零钱,支付成功,4200002345202611214567890123\t,LS20261121200512345\t,\"/\"\n";

        fn bill(body: &str) -> Vec<u8> {
            let mut t = String::from(
                "微信支付账单明细,,\n共9笔记录,,\n\n----微信支付账单明细列表----,,\n\
                 交易时间,交易类型,交易对方,商品,收/支,金额(元),支付方式,当前状态,交易单号,商户单号,备注\n",
            );
            t.push_str(body);
            t.into_bytes()
        }

        /// Every shape a cut can meet: plain rows, a quoted field over two
        /// lines, `""`, CRLF, blank lines, rows without a time or an
        /// amount, a short line, the footer with its count, a line after it.
        fn every_shape() -> Vec<u8> {
            let mut body = String::new();
            body.push_str(ROW);
            body.push_str("2026-11-21 20:06:00,商户消费,B,\"两行\n的商品\",支出,¥1.00,零钱,支付成功,42000023452026112100000001\t,X1\t,/\n");
            body.push_str(ROW);
            body.push_str("昨天,商户消费,C,\"q\"\"uote\",支出,¥2.00,零钱,支付成功,42000023452026112100000002\t,X2\t,/\r\n");
            body.push_str("\n\r\n");
            body.push_str("2026-11-21 20:07:00,商户消费,D,商品,支出,两元,零钱,支付成功,42000023452026112100000003\t,X3\t,/\n");
            body.push_str("2026-11-21 20:08:00,商户消费\n");
            body.push_str(ROW);
            body.push_str(ROW);
            body.push_str("--------,,\n合计：共9笔记录,,\n");
            body.push_str(ROW);
            bill(&body)
        }

        #[test]
        fn a_bill_cut_anywhere_reads_as_the_bill_read_whole() {
            let input = every_shape();
            let whole = read(&input, None);
            assert!(whole.1.is_ok(), "{:?}", whole.1);
            assert_eq!(whole.0.len(), 7, "every row of the body is a record");
            let mut joined = 0;
            for at in 0..=input.len() as u64 {
                let (records, summary, j) = read(&input, Some(at));
                assert_eq!(records, whole.0, "cut at {at}");
                assert_eq!(summary, whole.1, "cut at {at}");
                joined += usize::from(j);
            }
            assert!(
                joined > input.len() / 2,
                "most cuts join the halves: {joined}"
            );
            let text = String::from_utf8(input.clone()).unwrap();
            // A cut inside the quoted field over two lines, or after the
            // footer's rule, reads on one thread.
            for at in [text.find("两行\n").unwrap(), text.find("合计").unwrap()] {
                assert!(!read(&input, Some(at as u64)).2, "cut at {at}");
            }
        }

        #[test]
        fn a_second_half_that_keeps_too_much_or_fails_is_read_again() {
            // Every row a record: the second half keeps more than it may.
            let many = bill(&ROW.repeat(2 * MAX_AHEAD_RECORDS + 10));
            let whole = read(&many, None);
            let half = read(&many, Some(many.len() as u64 / 2));
            assert!(!half.2);
            assert_eq!((half.0, half.1), (whole.0, whole.1));
            // A line too long after the cut: the same error, the same line.
            let mut long = ROW.repeat(20);
            long.push_str(&"x".repeat(MAX_RECORD_BYTES as usize + 10));
            long.push('\n');
            let long = bill(&long);
            let whole = read(&long, None);
            assert!(
                whole.1.as_ref().is_err_and(|e| e.contains("RecordTooLong")),
                "{:?}",
                whole.1
            );
            let half = read(&long, Some(2000));
            assert!(!half.2);
            assert_eq!((half.0, half.1), (whole.0, whole.1));
        }
    }

    #[test]
    fn each_record_has_the_line_it_starts_on() {
        let input = b"a,b\n\nc\r\n\"multi\nline\",x\n\"q\"\"uote\",y\nlast";
        let lines: Vec<(u64, usize)> = ours(input, 5)
            .into_iter()
            .map(|(l, c)| (l, c.len()))
            .collect();
        assert_eq!(lines, [(1, 2), (3, 1), (4, 2), (6, 2), (7, 1)]);
        let got = ours(input, 64);
        assert_eq!(got[2].1, [b"multi\nline".to_vec(), b"x".to_vec()]);
        assert_eq!(got[3].1, [b"q\"uote".to_vec(), b"y".to_vec()]);
    }

    #[test]
    fn a_line_longer_than_the_limit_is_refused_with_its_line() {
        let mut input = b"head\n".to_vec();
        input.resize(input.len() + MAX_RECORD_BYTES as usize + 10, b'x');
        let mut records = Records::new(&input[..]);
        let mut cells = Vec::new();
        assert_eq!(records.next(&mut cells).expect("the head reads"), Some(1));
        let mut cells = Vec::new();
        assert!(matches!(
            records.next(&mut cells),
            Err(EvidenceError::RecordTooLong { line: 2, .. })
        ));
        // Inside quotes, over many lines, the same.
        let mut quoted = b"\"".to_vec();
        for _ in 0..MAX_RECORD_BYTES / 4 {
            quoted.extend_from_slice(b"xx\n\n");
        }
        quoted.extend_from_slice(b"\"\n");
        let mut records = Records::new(&quoted[..]);
        let mut cells = Vec::new();
        assert!(matches!(
            records.next(&mut cells),
            Err(EvidenceError::RecordTooLong { .. })
        ));
    }
}
