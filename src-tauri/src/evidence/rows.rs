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

use std::io::{self, Read};

use csv_core::ReadRecordResult;
use memchr::memchr;

use super::table::Table;
use super::{EvidenceError, Summary};

/// The longest record (CSV line, or lines inside one quoted field) read.
/// A bill's row is a few hundred bytes; a record is held whole while it is
/// split, so a file that is one multi-gigabyte line is refused here.
pub const MAX_RECORD_BYTES: u64 = 1 << 20;

/// Bytes asked of the input at a time.
const CHUNK: usize = 256 << 10;

/// Feeds every record of `input` into `table` with the line it starts on.
pub(crate) fn read_csv<R: Read>(
    input: R,
    mut table: Table<'_, '_>,
) -> Result<Summary, EvidenceError> {
    let mut records = Records::new(input);
    let mut spare: Vec<&[u8]> = Vec::new();
    loop {
        let mut cells = recycle(spare);
        let Some(line) = records.next(&mut cells)? else {
            break;
        };
        table.feed(line, &cells)?;
        spare = recycle(cells);
    }
    table.finish()
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
}

impl<R: Read> Records<R> {
    pub(crate) fn new(input: R) -> Self {
        Records {
            input,
            buf: vec![0; CHUNK],
            pos: 0,
            end: 0,
            eof: false,
            line: 1,
            core: csv_core::Reader::new(),
            out: vec![0; 1024],
            ends: vec![0; 32],
            spans: Vec::with_capacity(32),
        }
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
