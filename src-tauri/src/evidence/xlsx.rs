//! An Excel workbook read straight from its zip: the first sheet's cells,
//! row by row, as the text a CSV export would carry.
//!
//! A workbook is a zip of XML parts (Office Open XML, ECMA-376 Part 1):
//! `[Content_Types].xml`, `_rels/.rels` naming the workbook part,
//! `xl/workbook.xml` listing the sheets, its relationships naming each
//! sheet's part, `xl/sharedStrings.xml` holding every distinct text once,
//! `xl/styles.xml` saying which number formats are dates, and the sheets.
//! A zip without these parts is not a workbook, whatever its name.
//!
//! The parts are machine-written SpreadsheetML, and a bill's sheet is
//! millions of tiny elements (`<c r="A20" t="s"><v>40</v></c>`). A general
//! XML event reader spends about 100 ns on each: 0.35 s for the 40 MB sheet
//! of a 100,000-row bill, four times the time it takes to inflate it. So
//! the sheet and the shared strings are cut into tags with `memchr` here,
//! understanding exactly what SpreadsheetML writers put there: namespace
//! prefixes, `'` or `"` around attributes (which may hold `>`), the five
//! named entities and character references, CDATA, comments, processing
//! instructions, rich-text runs, inline strings, phonetic runs (not part
//! of the text) and Excel's `_xHHHH_` escapes. A malformed part is an error
//! naming it, never a guess.
//!
//! Memory: the shared strings are held (their size is checked against the
//! zip's directory first, see `wechat::check_parts`); the sheet is inflated
//! in blocks and each block's complete rows handed on, so a sheet of any
//! length takes a few hundred KiB.

use std::borrow::Cow;
use std::io::{Read, Seek};

use chrono::{Duration, NaiveDate};
use memchr::{memchr, memmem};
use rust_decimal::Decimal;
use zip::ZipArchive;

use super::EvidenceError;
use super::error::WorkbookPart;

/// The most a single row's XML may take (a bill's row is about 400 bytes).
pub(crate) const MAX_ROW_BYTES: usize = 16 << 20;
/// Cells right of this column are not read (a bill has 11).
pub(crate) const MAX_COLUMNS: usize = 64;
/// Inflated sheet bytes between progress reports.
const PROGRESS_EVERY: u64 = 1 << 20;
/// The block the sheet is inflated in.
const BLOCK: usize = 256 << 10;

/// An opened workbook: where its first sheet is and what its cells need.
pub(crate) struct Book<R> {
    zip: ZipArchive<R>,
    sheet: String,
    shared: Shared,
    /// By style index (`<c s="…">`): does its number format show a date.
    dates: Vec<bool>,
    date1904: bool,
}

/// A cell as the row reader hands it on: the sheet's position and text.
pub(crate) struct Row<'a> {
    /// 0-based, as the sheet numbers rows minus one.
    pub index: u32,
    /// By column; missing cells are empty.
    pub cells: &'a [Cow<'a, [u8]>],
}

fn damaged(part: impl Into<String>) -> EvidenceError {
    EvidenceError::Workbook {
        part: WorkbookPart::Part(part.into()),
    }
}

/// Opens `zip` as a workbook. `Ok(None)`: a zip, but not a workbook.
pub(crate) fn open<R: Read + Seek>(
    mut zip: ZipArchive<R>,
) -> Result<Option<Book<R>>, EvidenceError> {
    // The workbook part is named in the package's relationships; every
    // writer puts it at xl/workbook.xml, which is also where to look in a
    // package whose relationships are missing.
    let Some(rels) = read_part(&mut zip, "_rels/.rels")? else {
        return Ok(None);
    };
    let book_part = relationships(&rels, "_rels/.rels")?
        .into_iter()
        .find(|r| r.kind.ends_with("/officeDocument"))
        .map(|r| resolve("", &r.target))
        .unwrap_or_else(|| "xl/workbook.xml".to_owned());
    let Some(workbook) = read_part(&mut zip, &book_part)? else {
        return Ok(None);
    };
    let (dir, file) = book_part.rsplit_once('/').unwrap_or(("", &book_part));
    let rels_part = format!(
        "{dir}{}_rels/{file}.rels",
        if dir.is_empty() { "" } else { "/" }
    );
    let (first_sheet, date1904) = first_sheet(&workbook, &book_part)?;
    let Some(first_sheet) = first_sheet else {
        return Err(EvidenceError::Unrecognised {
            looks_like: crate::domain::text::Bilingual::new(
                "没有工作表的 Excel 文件",
                "an Excel file with no sheet",
            ),
        });
    };
    let book_rels = read_part(&mut zip, &rels_part)?.ok_or_else(|| missing(&rels_part))?;
    let rels = relationships(&book_rels, &rels_part)?;
    let sheet = rels
        .iter()
        .find(|r| r.id == first_sheet)
        .map(|r| resolve(dir, &r.target))
        .ok_or_else(|| missing(&rels_part))?;
    if zip.index_for_name(&sheet).is_none() {
        return Err(missing(&sheet));
    }
    let target = |kind: &str| {
        rels.iter()
            .find(|r| r.kind.ends_with(kind))
            .map(|r| resolve(dir, &r.target))
    };
    let shared = match target("/sharedStrings") {
        Some(part) => match read_part(&mut zip, &part)? {
            Some(xml) => Shared::parse(&xml, &part)?,
            None => return Err(missing(&part)),
        },
        None => Shared::default(),
    };
    let dates = match target("/styles") {
        Some(part) => match read_part(&mut zip, &part)? {
            Some(xml) => date_styles(&xml, &part)?,
            None => Vec::new(),
        },
        None => Vec::new(),
    };
    Ok(Some(Book {
        zip,
        sheet,
        shared,
        dates,
        date1904,
    }))
}

fn missing(part: &str) -> EvidenceError {
    EvidenceError::Workbook {
        part: WorkbookPart::Missing(part.chars().take(80).collect()),
    }
}

/// The whole part, or `None` when the zip has no such part.
fn read_part<R: Read + Seek>(
    zip: &mut ZipArchive<R>,
    name: &str,
) -> Result<Option<Vec<u8>>, EvidenceError> {
    let Some(i) = zip.index_for_name(name) else {
        return Ok(None);
    };
    let mut part = zip.by_index(i).map_err(|_| damaged(name))?;
    let mut out = Vec::with_capacity(usize::try_from(part.size()).unwrap_or(0).min(64 << 20));
    part.read_to_end(&mut out).map_err(|_| damaged(name))?;
    Ok(Some(out))
}

/// `target` of a relationship from a part in `dir`, as a zip entry name.
fn resolve(dir: &str, target: &str) -> String {
    let mut parts: Vec<&str> = if let Some(abs) = target.strip_prefix('/') {
        return normalise(abs.split('/').collect());
    } else {
        dir.split('/').filter(|p| !p.is_empty()).collect()
    };
    parts.extend(target.split('/'));
    normalise(parts)
}

fn normalise(parts: Vec<&str>) -> String {
    let mut out: Vec<&str> = Vec::new();
    for p in parts {
        match p {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            p => out.push(p),
        }
    }
    out.join("/")
}

struct Relationship {
    id: String,
    kind: String,
    target: String,
}

fn relationships(xml: &[u8], part: &str) -> Result<Vec<Relationship>, EvidenceError> {
    let mut out = Vec::new();
    let mut tags = Tags::new(xml, part);
    while let Some(tag) = tags.next()? {
        if !tag.close && tag.name == b"Relationship" {
            let get = |n: &[u8]| -> Result<String, EvidenceError> {
                Ok(attr(tag.attrs, n, part)?
                    .map(|v| String::from_utf8_lossy(&v).into_owned())
                    .unwrap_or_default())
            };
            out.push(Relationship {
                id: get(b"Id")?,
                kind: get(b"Type")?,
                target: get(b"Target")?,
            });
        }
    }
    Ok(out)
}

/// The relationship id of the workbook's first sheet, and whether its
/// dates count from 1904 (old Mac Excel) rather than 1900.
fn first_sheet(xml: &[u8], part: &str) -> Result<(Option<String>, bool), EvidenceError> {
    let mut tags = Tags::new(xml, part);
    let mut first = None;
    let mut date1904 = false;
    while let Some(tag) = tags.next()? {
        if tag.close {
            continue;
        }
        match tag.name {
            b"workbookPr" => {
                date1904 = attr(tag.attrs, b"date1904", part)?
                    .is_some_and(|v| matches!(&*v, b"1" | b"true"));
            }
            b"sheet" if first.is_none() => {
                first =
                    attr(tag.attrs, b"id", part)?.map(|v| String::from_utf8_lossy(&v).into_owned());
            }
            _ => {}
        }
    }
    Ok((first, date1904))
}

/// Which cell styles show a number as a date or time: the built-in date
/// formats (ECMA-376 §18.8.30; 27–36 and 50–58 are the East Asian ones)
/// and custom formats whose code has date or time letters outside quotes,
/// escapes and `[…]` (colours, conditions, locales).
fn date_styles(xml: &[u8], part: &str) -> Result<Vec<bool>, EvidenceError> {
    let mut custom: Vec<(u32, bool)> = Vec::new();
    let mut out = Vec::new();
    let mut in_xfs = false;
    let mut tags = Tags::new(xml, part);
    while let Some(tag) = tags.next()? {
        match (tag.name, tag.close) {
            (b"numFmt", false) => {
                let id = attr(tag.attrs, b"numFmtId", part)?.and_then(|v| number(&v));
                let code = attr(tag.attrs, b"formatCode", part)?.unwrap_or_default();
                if let Some(id) = id {
                    custom.push((id, date_code(&code)));
                }
            }
            (b"cellXfs", close) => in_xfs = !close && !tag.empty,
            (b"xf", false) if in_xfs => {
                let id = attr(tag.attrs, b"numFmtId", part)?
                    .and_then(|v| number(&v))
                    .unwrap_or(0);
                let date = match custom.iter().find(|(c, _)| *c == id) {
                    Some((_, d)) => *d,
                    None => matches!(id, 14..=22 | 27..=36 | 45..=47 | 50..=58),
                };
                out.push(date);
            }
            _ => {}
        }
    }
    Ok(out)
}

fn date_code(code: &[u8]) -> bool {
    let mut i = 0;
    while i < code.len() {
        match code[i] {
            b'"' => {
                i += 1;
                while i < code.len() && code[i] != b'"' {
                    i += 1;
                }
            }
            b'\\' | b'_' | b'*' => i += 1,
            b'[' => {
                let end = code[i..].iter().position(|&c| c == b']').map(|p| i + p);
                // `[h]`, `[mm]`, `[ss]`: elapsed time.
                let inner = &code[i + 1..end.unwrap_or(code.len())];
                if !inner.is_empty() && inner.iter().all(|c| b"hHmMsS".contains(c)) {
                    return true;
                }
                i = end.unwrap_or(code.len());
            }
            b'd' | b'D' | b'm' | b'M' | b'y' | b'Y' | b'h' | b'H' | b's' | b'S' => return true,
            _ => {}
        }
        i += 1;
    }
    false
}

fn number(v: &[u8]) -> Option<u32> {
    let v = v.trim_ascii();
    if v.is_empty() || v.len() > 9 {
        return std::str::from_utf8(v).ok()?.parse().ok();
    }
    v.iter().try_fold(0u32, |n, &b| {
        b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0'))
    })
}

/// Every distinct text of the workbook, in order, concatenated.
#[derive(Default)]
struct Shared {
    text: Vec<u8>,
    ends: Vec<u32>,
}

impl Shared {
    fn get(&self, i: usize) -> Option<&[u8]> {
        let end = *self.ends.get(i)? as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        Some(&self.text[start..end])
    }

    fn parse(xml: &[u8], part: &str) -> Result<Shared, EvidenceError> {
        let mut s = Shared {
            text: Vec::with_capacity(xml.len() / 2),
            ends: Vec::new(),
        };
        let mut tags = Tags::new(xml, part);
        let mut in_si = false;
        while let Some(tag) = tags.next()? {
            match (tag.name, tag.close) {
                (b"si", false) => {
                    in_si = true;
                    if tag.empty {
                        s.push_end(part)?;
                        in_si = false;
                    }
                }
                (b"si", true) => {
                    s.push_end(part)?;
                    in_si = false;
                }
                (b"t", false) if in_si && !tag.empty => {
                    let text = tags.text(b"t")?;
                    s.text.extend_from_slice(&text);
                }
                // Phonetic guides (furigana) are not part of the text.
                (b"rPh", false) if !tag.empty => tags.skip_to_close(b"rPh")?,
                _ => {}
            }
        }
        Ok(s)
    }

    fn push_end(&mut self, part: &str) -> Result<(), EvidenceError> {
        let end = u32::try_from(self.text.len()).map_err(|_| damaged(part))?;
        self.ends.push(end);
        Ok(())
    }
}

impl<R: Read + Seek> Book<R> {
    /// Hands each row that has cells to `row`, in sheet order; `progress`
    /// gets the inflated share (0 to 1 000 000) and stops the read when it
    /// says no. A cell holding a formula is an error naming it.
    pub fn rows(
        &mut self,
        mut row: impl FnMut(Row<'_>) -> Result<(), EvidenceError>,
        mut progress: impl FnMut(u64) -> bool,
    ) -> Result<(), EvidenceError> {
        let name = self.sheet.clone();
        let mut part = self.zip.by_name(&name).map_err(|_| damaged(&name))?;
        let declared = part.size().max(1);
        let mut cursor = Cursor::default();
        let mut buf: Vec<u8> = Vec::with_capacity(BLOCK * 2);
        let mut read_total = 0u64;
        let mut told = 0u64;
        let mut eof = false;
        // The closing tag of a row, with the sheet's namespace prefix.
        let mut row_end: Option<Vec<u8>> = None;
        let mut prefix: Vec<u8> = Vec::new();
        let mut from = 0;
        loop {
            if !eof {
                let had = buf.len();
                buf.resize(had + BLOCK, 0);
                let n = read_full(&mut part, &mut buf[had..]).map_err(|_| damaged(&name))?;
                buf.truncate(had + n);
                read_total += n as u64;
                eof = n < BLOCK;
            }
            if row_end.is_none() {
                if let Some(p) = root_prefix(&buf) {
                    prefix = p.to_vec();
                    row_end = Some([b"</".as_slice(), p, b"row>"].concat());
                }
                if row_end.is_none() && !eof && buf.len() < MAX_ROW_BYTES {
                    continue;
                }
            }
            let end_tag = row_end.as_deref().unwrap_or(b"</row>");
            let cut = if eof {
                Some(buf.len())
            } else {
                memmem::rfind(&buf[from..], end_tag).map(|p| from + p + end_tag.len())
            };
            match cut {
                Some(cut) => {
                    let ctx = Ctx {
                        shared: &self.shared,
                        dates: &self.dates,
                        date1904: self.date1904,
                        part: &name,
                        prefix: &prefix,
                    };
                    cursor.block(&buf[..cut], &ctx, &mut row)?;
                    buf.drain(..cut);
                    from = 0;
                }
                None if buf.len() >= MAX_ROW_BYTES => {
                    return Err(EvidenceError::WorkbookTooLarge {
                        part: name,
                        limit: MAX_ROW_BYTES as u64,
                    });
                }
                // Nothing complete yet: look only at what comes next.
                None => from = buf.len().saturating_sub(end_tag.len()),
            }
            if read_total - told >= PROGRESS_EVERY || eof {
                told = read_total;
                let share = (u128::from(read_total.min(declared)) * 1_000_000
                    / u128::from(declared)) as u64;
                if !progress(share) {
                    return Err(EvidenceError::Cancelled);
                }
            }
            if eof {
                return if cursor.done || cursor.started {
                    Ok(())
                } else {
                    Err(damaged(&name))
                };
            }
        }
    }
}

fn read_full(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// The namespace prefix of the sheet's root element (`x:` in
/// `<x:worksheet>`, empty for `<worksheet>`), once its tag is in `buf`.
fn root_prefix(buf: &[u8]) -> Option<&[u8]> {
    let mut tags = Tags::new(buf, "");
    loop {
        match tags.next() {
            Ok(Some(t)) if !t.close => return Some(&t.qname[..t.qname.len() - t.name.len()]),
            Ok(Some(_)) => {}
            _ => return None,
        }
    }
}

/// Where the sheet's reading is between blocks: only whether the table has
/// begun and ended (a block always ends after a row's closing tag).
#[derive(Default)]
struct Cursor {
    started: bool,
    done: bool,
    next_row: u32,
}

/// What a block's cells are read with.
struct Ctx<'a> {
    shared: &'a Shared,
    /// See [`Book::dates`].
    dates: &'a [bool],
    date1904: bool,
    part: &'a str,
    /// The sheet's namespace prefix with its colon, or empty.
    prefix: &'a [u8],
}

/// The cell being read.
struct Cell<'a> {
    col: usize,
    kind: Kind,
    style: usize,
    value: Option<Cow<'a, [u8]>>,
    inline: Option<Vec<u8>>,
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Number,
    Shared,
    Inline,
    Str,
    Bool,
    Error,
    Date,
}

impl Cursor {
    fn block<'a>(
        &mut self,
        xml: &'a [u8],
        ctx: &Ctx<'a>,
        emit: &mut impl FnMut(Row<'_>) -> Result<(), EvidenceError>,
    ) -> Result<(), EvidenceError> {
        let part = ctx.part;
        let mut tags = Tags::new(xml, part);
        let mut cells: Vec<Cow<'a, [u8]>> = Vec::new();
        let mut row: Option<u32> = None;
        let mut cell: Option<Cell<'a>> = None;
        let mut next_col = 0usize;
        let mut in_is = false;
        while let Some(tag) = tags.next()? {
            if self.done {
                break;
            }
            match (tag.name, tag.close) {
                (b"sheetData", close) => {
                    self.started = true;
                    self.done = close || tag.empty;
                }
                _ if !self.started => {}
                (b"row", false) => {
                    let n = match attr(tag.attrs, b"r", part)? {
                        Some(r) => {
                            number(&r)
                                .filter(|n| *n >= 1)
                                .ok_or_else(|| damaged(part))?
                                - 1
                        }
                        None => self.next_row,
                    };
                    self.next_row = n.saturating_add(1);
                    next_col = 0;
                    cells.clear();
                    row = (!tag.empty).then_some(n);
                }
                (b"row", true) => {
                    if let Some(index) = row.take() {
                        if !cells.is_empty() {
                            emit(Row {
                                index,
                                cells: &cells,
                            })?;
                        }
                        cells.clear();
                    }
                }
                (b"c", false) => {
                    let [r, t, st] = attrs_of(tag.attrs, [b"r", b"t", b"s"], part)?;
                    let col = match r {
                        Some(r) => column(&r).ok_or_else(|| damaged(part))?,
                        None => next_col,
                    };
                    next_col = col + 1;
                    let kind = match t.as_deref() {
                        None | Some(b"n") => Kind::Number,
                        Some(b"s") => Kind::Shared,
                        Some(b"inlineStr") => Kind::Inline,
                        Some(b"str") => Kind::Str,
                        Some(b"b") => Kind::Bool,
                        Some(b"e") => Kind::Error,
                        Some(b"d") => Kind::Date,
                        Some(_) => return Err(damaged(part)),
                    };
                    let style = st.and_then(|v| number(&v)).unwrap_or(0) as usize;
                    let c = Cell {
                        col,
                        kind,
                        style,
                        value: None,
                        inline: None,
                    };
                    if tag.empty {
                        Self::put(&mut cells, c, ctx)?;
                    } else if let Some(v) = tags.quick_value(ctx.prefix) {
                        let c = Cell {
                            value: Some(Cow::Borrowed(v)),
                            ..c
                        };
                        Self::put(&mut cells, c, ctx)?;
                    } else {
                        cell = Some(c);
                    }
                }
                (b"c", true) => {
                    if let Some(c) = cell.take() {
                        Self::put(&mut cells, c, ctx)?;
                    }
                }
                (b"v", false) if !tag.empty => {
                    let text = tags.text(b"v")?;
                    if let Some(c) = cell.as_mut() {
                        c.value = Some(text);
                    }
                }
                (b"f", false) if !tag.empty => {
                    let f = tags.text(b"f")?;
                    if let Some(c) = cell.as_ref().filter(|_| !f.is_empty()) {
                        return Err(EvidenceError::Formula {
                            cell: cell_name(row.unwrap_or(self.next_row), c.col),
                            formula: format!("={}", String::from_utf8_lossy(&f)),
                        });
                    }
                }
                (b"is", close) => in_is = !close && !tag.empty,
                (b"t", false) if in_is && !tag.empty => {
                    let text = tags.text(b"t")?;
                    if let Some(c) = cell.as_mut() {
                        c.inline
                            .get_or_insert_with(Vec::new)
                            .extend_from_slice(&text);
                    }
                }
                (b"rPh", false) if !tag.empty => tags.skip_to_close(b"rPh")?,
                _ => {}
            }
        }
        Ok(())
    }

    fn put<'a>(
        cells: &mut Vec<Cow<'a, [u8]>>,
        c: Cell<'a>,
        ctx: &Ctx<'a>,
    ) -> Result<(), EvidenceError> {
        if c.col >= MAX_COLUMNS {
            return Ok(());
        }
        let (shared, part) = (ctx.shared, ctx.part);
        let value: Cow<'a, [u8]> = match (c.kind, c.value) {
            (Kind::Inline, _) => Cow::Owned(c.inline.unwrap_or_default()),
            (_, None) => Cow::Borrowed(b""),
            (Kind::Shared, Some(v)) => {
                let i = number(&v).ok_or_else(|| damaged(part))? as usize;
                Cow::Borrowed(shared.get(i).ok_or_else(|| damaged(part))?)
            }
            (Kind::Str, Some(v)) => v,
            (Kind::Bool, Some(v)) => Cow::Borrowed(match v.trim_ascii() {
                b"1" | b"true" => b"true",
                _ => b"false",
            }),
            (Kind::Error, Some(_)) => Cow::Borrowed(b""),
            (Kind::Date, Some(v)) => Cow::Owned(
                v.iter()
                    .map(|&b| if b == b'T' { b' ' } else { b })
                    .collect(),
            ),
            (Kind::Number, Some(v)) => {
                if ctx.dates.get(c.style).copied().unwrap_or(false) {
                    Cow::Owned(
                        serial_time(&v, ctx.date1904)
                            .unwrap_or_default()
                            .into_bytes(),
                    )
                } else {
                    number_text(v)
                }
            }
        };
        if cells.len() <= c.col {
            cells.resize(c.col + 1, Cow::Borrowed(b""));
        }
        cells[c.col] = value;
        Ok(())
    }
}

/// A number cell as Excel shows it: up to 15 significant digits as
/// written (`28.16`, `200`); anything else (`1E-3`, a float's long tail
/// `28.160000000000004`) through `Decimal`, never through arithmetic on
/// the float.
fn number_text(v: Cow<'_, [u8]>) -> Cow<'_, [u8]> {
    let t = v.trim_ascii();
    let digits = t.strip_prefix(b"-").unwrap_or(t);
    let (int, frac) = match memchr(b'.', digits) {
        Some(p) => (&digits[..p], &digits[p + 1..]),
        None => (digits, &b""[..]),
    };
    let plain = !int.is_empty()
        && int.iter().chain(frac).all(u8::is_ascii_digit)
        && int.len() + frac.len() <= 15;
    if plain {
        let frac_len = frac.iter().rposition(|&b| b != b'0').map_or(0, |p| p + 1);
        let keep = t.len() - digits.len() + int.len() + if frac_len > 0 { 1 + frac_len } else { 0 };
        return match v {
            Cow::Borrowed(b) => {
                let start = b.len() - b.trim_ascii_start().len();
                Cow::Borrowed(&b[start..start + keep])
            }
            Cow::Owned(b) => Cow::Owned(b.trim_ascii()[..keep].to_vec()),
        };
    }
    let f: Option<f64> = std::str::from_utf8(t).ok().and_then(|s| s.parse().ok());
    Cow::Owned(
        f.and_then(Decimal::from_f64_retain)
            .map(|d| d.round_dp(8).normalize().to_string())
            .unwrap_or_else(|| String::from_utf8_lossy(t).into_owned())
            .into_bytes(),
    )
}

/// An Excel date serial as `2026-11-21 20:30:19` (the wall clock the sheet
/// shows), to the nearest second.
fn serial_time(v: &[u8], date1904: bool) -> Option<String> {
    let serial: f64 = std::str::from_utf8(v).ok()?.trim().parse().ok()?;
    if !serial.is_finite() || !(0.0..2_958_466.0).contains(&serial) {
        return None;
    }
    let seconds = (serial * 86_400.0).round() as i64;
    let epoch = if date1904 {
        NaiveDate::from_ymd_opt(1904, 1, 1)?
    } else if serial < 60.0 {
        // Excel counts a 1900-02-29 that did not exist: before it, day 1
        // is 1900-01-01.
        NaiveDate::from_ymd_opt(1899, 12, 31)?
    } else {
        NaiveDate::from_ymd_opt(1899, 12, 30)?
    };
    let t = epoch.and_hms_opt(0, 0, 0)? + Duration::seconds(seconds);
    Some(t.format("%Y-%m-%d %H:%M:%S").to_string())
}

/// `memchr` for the distances inside a tag or a cell (a few bytes, where
/// its set-up costs more than the search): a plain loop first.
#[inline]
fn near(needle: u8, hay: &[u8]) -> Option<usize> {
    const SHORT: usize = 32;
    let head = &hay[..hay.len().min(SHORT)];
    match head.iter().position(|&b| b == needle) {
        Some(p) => Some(p),
        None if hay.len() > SHORT => memchr(needle, &hay[SHORT..]).map(|p| p + SHORT),
        None => None,
    }
}

/// `A20` → 0, `AA1` → 26.
fn column(r: &[u8]) -> Option<usize> {
    let letters = r.iter().take_while(|b| b.is_ascii_alphabetic()).count();
    if letters == 0 || letters > 3 {
        return None;
    }
    let mut col = 0usize;
    for b in &r[..letters] {
        col = col * 26 + usize::from(b.to_ascii_uppercase() - b'A' + 1);
    }
    Some(col - 1)
}

/// `(0, 0)` → `A1`.
fn cell_name(row: u32, col: usize) -> String {
    let mut col = col + 1;
    let mut letters = Vec::new();
    while col > 0 {
        let rem = ((col - 1) % 26) as u8;
        letters.push((b'A' + rem) as char);
        col = (col - 1) / 26;
    }
    letters.iter().rev().collect::<String>() + &(u64::from(row) + 1).to_string()
}

// ---------------------------------------------------------------- tags

/// One tag: its local name (without a namespace prefix), its attributes'
/// bytes, whether it closes an element (`</x>`) or is empty (`<x/>`).
struct Tag<'a> {
    qname: &'a [u8],
    name: &'a [u8],
    attrs: &'a [u8],
    close: bool,
    empty: bool,
}

struct Tags<'a, 'p> {
    xml: &'a [u8],
    pos: usize,
    part: &'p str,
}

impl<'a, 'p> Tags<'a, 'p> {
    fn new(xml: &'a [u8], part: &'p str) -> Self {
        Tags { xml, pos: 0, part }
    }

    fn broken(&self) -> EvidenceError {
        damaged(self.part)
    }

    /// The next element tag; comments, processing instructions and
    /// declarations are passed over, text between tags too.
    fn next(&mut self) -> Result<Option<Tag<'a>>, EvidenceError> {
        let xml = self.xml;
        loop {
            let Some(lt) = near(b'<', &xml[self.pos..]).map(|p| self.pos + p) else {
                self.pos = xml.len();
                return Ok(None);
            };
            let rest = &xml[lt + 1..];
            if let Some(r) = rest.strip_prefix(b"!--") {
                let end = memmem::find(r, b"-->").ok_or_else(|| self.broken())?;
                self.pos = lt + 4 + end + 3;
                continue;
            }
            if let Some(r) = rest.strip_prefix(b"![CDATA[") {
                let end = memmem::find(r, b"]]>").ok_or_else(|| self.broken())?;
                self.pos = lt + 9 + end + 3;
                continue;
            }
            if rest.first() == Some(&b'?') {
                let end = memmem::find(rest, b"?>").ok_or_else(|| self.broken())?;
                self.pos = lt + 1 + end + 2;
                continue;
            }
            if rest.first() == Some(&b'!') {
                // <!DOCTYPE …>: SpreadsheetML has none; an internal subset
                // could define entities, so it is not read.
                return Err(self.broken());
            }
            let close = rest.first() == Some(&b'/');
            let start = lt + 1 + usize::from(close);
            let gt = self.tag_end(start)?;
            let mut inner = &xml[start..gt];
            let empty = inner.last() == Some(&b'/');
            if empty {
                inner = &inner[..inner.len() - 1];
            }
            let name_len = inner
                .iter()
                .position(|b| b.is_ascii_whitespace())
                .unwrap_or(inner.len());
            let qname = &inner[..name_len];
            if qname.is_empty() || (close && empty) {
                return Err(self.broken());
            }
            let name = match near(b':', qname) {
                Some(p) => &qname[p + 1..],
                None => qname,
            };
            self.pos = gt + 1;
            return Ok(Some(Tag {
                qname,
                name,
                attrs: &inner[name_len..],
                close,
                empty,
            }));
        }
    }

    /// The `>` ending the tag that starts at `from` (a `>` inside a quoted
    /// attribute value does not).
    fn tag_end(&self, from: usize) -> Result<usize, EvidenceError> {
        let mut quote = 0u8;
        for (k, &b) in self.xml[from..].iter().enumerate() {
            if quote != 0 {
                if b == quote {
                    quote = 0;
                }
            } else if b == b'>' {
                return Ok(from + k);
            } else if b == b'"' || b == b'\'' {
                quote = b;
            }
        }
        Err(self.broken())
    }

    /// The text of the element just opened, up to its closing tag `name`:
    /// entities and `_xHHHH_` escapes resolved, CDATA taken as it is.
    /// Borrowed when it needs neither.
    fn text(&mut self, name: &[u8]) -> Result<Cow<'a, [u8]>, EvidenceError> {
        let xml = self.xml;
        let start = self.pos;
        let lt = near(b'<', &xml[start..]).ok_or_else(|| self.broken())? + start;
        let plain = &xml[start..lt];
        if self.closes(lt, name) {
            return Ok(if !plain.iter().any(|&b| b == b'&' || b == b'_') {
                Cow::Borrowed(plain)
            } else {
                Cow::Owned(unescape(plain, self.part)?)
            });
        }
        // Text in pieces (CDATA, comments between).
        let mut out = unescape(plain, self.part)?;
        self.pos = lt;
        loop {
            let lt = near(b'<', &xml[self.pos..]).ok_or_else(|| self.broken())? + self.pos;
            out.extend(unescape(&xml[self.pos..lt], self.part)?);
            let rest = &xml[lt + 1..];
            if let Some(r) = rest.strip_prefix(b"![CDATA[") {
                let end = memmem::find(r, b"]]>").ok_or_else(|| self.broken())?;
                out.extend_from_slice(&r[..end]);
                self.pos = lt + 9 + end + 3;
            } else if let Some(r) = rest.strip_prefix(b"!--") {
                let end = memmem::find(r, b"-->").ok_or_else(|| self.broken())?;
                self.pos = lt + 4 + end + 3;
            } else if self.closes(lt, name) {
                break;
            } else {
                return Err(self.broken());
            }
        }
        Ok(Cow::Owned(out))
    }

    /// Right after a cell's start tag, the usual rest of it,
    /// `<v>text</v></c>` with text that needs no unescaping: the text, and
    /// the reading moved past the cell. `None` leaves everything as it was.
    #[inline]
    fn quick_value(&mut self, prefix: &[u8]) -> Option<&'a [u8]> {
        let start = self.pos;
        let r = self.xml[start..]
            .strip_prefix(b"<")?
            .strip_prefix(prefix)?
            .strip_prefix(b"v>")?;
        let lt = near(b'<', r)?;
        let text = &r[..lt];
        if text.iter().any(|&b| b == b'&' || b == b'_') {
            return None;
        }
        let after = r[lt..]
            .strip_prefix(b"</")?
            .strip_prefix(prefix)?
            .strip_prefix(b"v></")?
            .strip_prefix(prefix)?
            .strip_prefix(b"c>")?;
        self.pos = self.xml.len() - after.len();
        Some(text)
    }

    /// Is the tag at `lt` the closing tag of `name` (any prefix)? Moves past it if so.
    fn closes(&mut self, lt: usize, name: &[u8]) -> bool {
        let rest = &self.xml[lt..];
        let Some(r) = rest.strip_prefix(b"</") else {
            return false;
        };
        let Some(gt) = near(b'>', r) else {
            return false;
        };
        let q = r[..gt].trim_ascii_end();
        let local = match near(b':', q) {
            Some(p) => &q[p + 1..],
            None => q,
        };
        if local == name {
            self.pos = lt + 2 + gt + 1;
            true
        } else {
            false
        }
    }

    /// Past the closing tag of the element `name` just opened (elements
    /// of that name do not nest where it is used).
    fn skip_to_close(&mut self, name: &[u8]) -> Result<(), EvidenceError> {
        while let Some(t) = self.next()? {
            if t.close && t.name == name {
                return Ok(());
            }
        }
        Err(self.broken())
    }
}

/// Text with entities and `_xHHHH_` escapes resolved.
fn unescape(text: &[u8], part: &str) -> Result<Vec<u8>, EvidenceError> {
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        match text[i] {
            b'&' => {
                let semi = memchr(b';', &text[i..]).ok_or_else(|| damaged(part))? + i;
                let ent = &text[i + 1..semi];
                let c = match ent {
                    b"amp" => '&',
                    b"lt" => '<',
                    b"gt" => '>',
                    b"quot" => '"',
                    b"apos" => '\'',
                    _ => {
                        let n = if let Some(h) = ent.strip_prefix(b"#x").or(ent.strip_prefix(b"#X"))
                        {
                            std::str::from_utf8(h)
                                .ok()
                                .and_then(|h| u32::from_str_radix(h, 16).ok())
                        } else if let Some(d) = ent.strip_prefix(b"#") {
                            std::str::from_utf8(d).ok().and_then(|d| d.parse().ok())
                        } else {
                            None
                        };
                        n.and_then(char::from_u32).ok_or_else(|| damaged(part))?
                    }
                };
                let mut b = [0; 4];
                out.extend_from_slice(c.encode_utf8(&mut b).as_bytes());
                i = semi + 1;
            }
            // Excel writes control characters as `_x000D_`, and a
            // literal `_x…_` as `_x005F_x…_`.
            b'_' if text.len() - i >= 7
                && text[i + 1] == b'x'
                && text[i + 6] == b'_'
                && text[i + 2..i + 6].iter().all(u8::is_ascii_hexdigit) =>
            {
                let h = std::str::from_utf8(&text[i + 2..i + 6]).unwrap_or("0");
                let c = u32::from_str_radix(h, 16)
                    .ok()
                    .and_then(char::from_u32)
                    .unwrap_or('\u{fffd}');
                let mut b = [0; 4];
                out.extend_from_slice(c.encode_utf8(&mut b).as_bytes());
                i += 7;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    Ok(out)
}

/// The attribute `name` (local name, any prefix) of a tag, unescaped.
fn attr<'a>(
    attrs: &'a [u8],
    name: &[u8],
    part: &str,
) -> Result<Option<Cow<'a, [u8]>>, EvidenceError> {
    let [v] = attrs_of(attrs, [name], part)?;
    Ok(v)
}

/// The attributes `names` of a tag, in one pass over them.
fn attrs_of<'a, const N: usize>(
    attrs: &'a [u8],
    names: [&[u8]; N],
    part: &str,
) -> Result<[Option<Cow<'a, [u8]>>; N], EvidenceError> {
    let mut out = [const { None }; N];
    let broken = || damaged(part);
    let mut i = 0;
    while i < attrs.len() {
        while i < attrs.len() && attrs[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= attrs.len() {
            break;
        }
        let eq = near(b'=', &attrs[i..]).ok_or_else(broken)? + i;
        let mut q = eq + 1;
        while q < attrs.len() && attrs[q].is_ascii_whitespace() {
            q += 1;
        }
        let quote = *attrs.get(q).ok_or_else(broken)?;
        if quote != b'"' && quote != b'\'' {
            return Err(broken());
        }
        let end = near(quote, &attrs[q + 1..]).ok_or_else(broken)? + q + 1;
        let qname = attrs[i..eq].trim_ascii();
        let local = match near(b':', qname) {
            Some(p) => &qname[p + 1..],
            None => qname,
        };
        if let Some(k) = names.iter().position(|n| *n == local) {
            let v = &attrs[q + 1..end];
            out[k] = Some(if v.contains(&b'&') {
                Cow::Owned(unescape(v, part)?)
            } else {
                Cow::Borrowed(v)
            });
        }
        i = end + 1;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    /// A workbook of the given parts, as any zip writer makes one.
    fn book(parts: &[(&str, &str)]) -> Vec<u8> {
        let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for (name, xml) in parts {
            z.start_file(*name, zip::write::SimpleFileOptions::default())
                .expect("started");
            z.write_all(xml.as_bytes()).expect("written");
        }
        z.finish().expect("finished").into_inner()
    }

    fn rows_of(bytes: Vec<u8>) -> Result<Vec<(u32, Vec<String>)>, EvidenceError> {
        let zip = ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip");
        let mut b = open(zip)?.expect("a workbook");
        let mut out = Vec::new();
        b.rows(
            |r| {
                out.push((
                    r.index,
                    r.cells
                        .iter()
                        .map(|c| String::from_utf8_lossy(c).into_owned())
                        .collect(),
                ));
                Ok(())
            },
            |_| true,
        )?;
        Ok(out)
    }

    const PKG: &str = r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
    const RELS: &str = r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="/xl/styles.xml"/><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#;

    /// Prefixed names, single quotes, `>` in an attribute, entities,
    /// CDATA, comments, rich text with a phonetic run, an inline string,
    /// booleans, errors, a date style, a number's float tail, cells and
    /// rows without `r`.
    #[test]
    fn reads_what_spreadsheetml_writers_write() {
        let workbook = r#"<x:workbook xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><x:workbookPr/><x:sheets><x:sheet name="Sheet1" sheetId="1" r:id="rId1"/></x:sheets></x:workbook>"#;
        let sst = r#"<?xml version="1.0" encoding="UTF-8"?>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="3" uniqueCount="3">
  <si><t>交易时间</t></si>
  <si><r><rPr><b/></rPr><t xml:space="preserve">A &amp; </t></r><r><t>B&#x4e2d;_x000D_</t></r><rPh sb="0" eb="1"><t>ふりがな</t></rPh></si>
  <si/>
</sst>"#;
        let styles = r#"<styleSheet><numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy/mm/dd\ hh:mm:ss"/><numFmt numFmtId="165" formatCode="&quot;¥&quot;#,##0.00"/></numFmts><cellXfs count="4"><xf numFmtId="0"/><xf numFmtId="164"/><xf numFmtId="165"/><xf numFmtId="22"/></cellXfs></styleSheet>"#;
        let sheet = r#"<?xml version="1.0"?>
<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:dimension ref="A1:F3"/><!-- <x:row r="9"> -->
<x:sheetData>
<x:row r='1' x14ac:dyDescent="0.25" spans="1:6" note="a>b"><x:c r="A1" t="s"><x:v>0</x:v></x:c><x:c r="B1" t="s"><x:v>1</x:v></x:c><x:c r="C1" t="s"><x:v>2</x:v></x:c><x:c t="inlineStr"><x:is><x:t>在&lt;线</x:t></x:is></x:c></x:row>
<x:row><x:c r="A2" s="1"><x:v>46347.854386574074</x:v></x:c><x:c r="B2" s="2"><x:v>28.160000000000004</x:v></x:c><x:c r="C2"><x:v>200.50</x:v></x:c><x:c r="D2" t="b"><x:v>1</x:v></x:c><x:c r="E2" t="e"><x:v>#N/A</x:v></x:c><x:c r="F2" t="str"><x:v><![CDATA[a<b]]></x:v></x:c></x:row>
<x:row r="4"/>
<x:row r="5"><x:c r="C5" s="3"><x:v>46347.5</x:v></x:c><x:c r="BM5"><x:v>1</x:v></x:c><x:c r="D5"/></x:row>
</x:sheetData><x:mergeCells count="0"/></x:worksheet>"#;
        let bytes = book(&[
            ("_rels/.rels", PKG),
            ("xl/workbook.xml", workbook),
            ("xl/_rels/workbook.xml.rels", RELS),
            ("xl/sharedStrings.xml", sst),
            ("xl/styles.xml", styles),
            ("xl/worksheets/sheet1.xml", sheet),
        ]);
        let rows = rows_of(bytes).expect("the workbook reads");
        assert_eq!(
            rows,
            vec![
                (
                    0,
                    vec![
                        "交易时间".into(),
                        "A & B中\r".into(),
                        "".into(),
                        "在<线".into()
                    ]
                ),
                (
                    1,
                    vec![
                        "2026-11-21 20:30:19".into(),
                        "28.16".into(),
                        "200.5".into(),
                        "true".into(),
                        "".into(),
                        "a<b".into(),
                    ]
                ),
                (
                    4,
                    vec![
                        "".into(),
                        "".into(),
                        "2026-11-21 12:00:00".into(),
                        "".into()
                    ]
                ),
            ]
        );
    }

    #[test]
    fn a_zip_without_the_workbook_parts_is_not_a_workbook() {
        let zip = |parts: &[(&str, &str)]| {
            ZipArchive::new(std::io::Cursor::new(book(parts))).expect("a zip")
        };
        assert!(
            open(zip(&[("支付宝交易明细.csv", "交易时间,金额")]))
                .unwrap()
                .is_none()
        );
        assert!(open(zip(&[("_rels/.rels", PKG)])).unwrap().is_none());
        // The sheet named but absent: damaged, naming the part.
        let e = open(zip(&[
            ("_rels/.rels", PKG),
            (
                "xl/workbook.xml",
                r#"<workbook><sheets><sheet name="S" r:id="rId1"/></sheets></workbook>"#,
            ),
            ("xl/_rels/workbook.xml.rels", RELS),
        ]))
        .err()
        .expect("refused");
        assert!(
            e.text().en.contains("xl/worksheets/sheet1.xml"),
            "{}",
            e.text().en
        );
    }

    #[test]
    fn broken_xml_is_an_error_naming_the_part() {
        let workbook = r#"<workbook><sheets><sheet name="S" r:id="rId1"/></sheets></workbook>"#;
        for sheet in [
            r#"<worksheet><sheetData><row r="1"><c r="A1" t="s"><v>7</v></c></row></sheetData></worksheet>"#,
            r#"<worksheet><sheetData><row r="1"><c r="A1"><v>1&bogus;</v></c></row></sheetData></worksheet>"#,
            r#"<worksheet><sheetData><row r="1"><c r="A1" t="q"><v>1</v></c></row></sheetData></worksheet>"#,
            r#"<worksheet><sheetData><row r="1"><c r="A1"><v>1"#,
            r#"<!DOCTYPE x [<!ENTITY a "b">]><worksheet/>"#,
        ] {
            let bytes = book(&[
                ("_rels/.rels", PKG),
                ("xl/workbook.xml", workbook),
                ("xl/_rels/workbook.xml.rels", RELS),
                (
                    "xl/sharedStrings.xml",
                    "<sst><si><t>only one</t></si></sst>",
                ),
                ("xl/worksheets/sheet1.xml", sheet),
            ]);
            match rows_of(bytes) {
                Err(e @ EvidenceError::Workbook { .. }) => {
                    assert!(
                        e.text().en.contains("xl/worksheets/sheet1.xml"),
                        "{sheet}: {}",
                        e.text().en
                    );
                    assert!(
                        e.text().zh_cn.contains("xl/worksheets/sheet1.xml"),
                        "{}",
                        e.text().zh_cn
                    );
                }
                other => panic!("{sheet}: {:?}", other.map(|r| r.len())),
            }
        }
    }

    #[test]
    fn numbers_read_as_excel_shows_them() {
        let n = |s: &str| {
            String::from_utf8(number_text(Cow::Borrowed(s.as_bytes())).into_owned()).unwrap()
        };
        assert_eq!(n("28.16"), "28.16");
        assert_eq!(n(" 200 "), "200");
        assert_eq!(n("200.500"), "200.5");
        assert_eq!(n("-3.10"), "-3.1");
        assert_eq!(n("7.000"), "7");
        assert_eq!(n("28.160000000000004"), "28.16");
        assert_eq!(n("0.30000000000000004"), "0.3");
        assert_eq!(n("1E-3"), "0.001");
        assert_eq!(n("x"), "x");
    }

    #[test]
    fn date_formats() {
        for code in [
            "yyyy-mm-dd",
            "[$-804]yyyy\"年\"m\"月\"d\"日\"",
            "h:mm:ss",
            "[h]:mm",
            "m/d/yy h:mm",
        ] {
            assert!(date_code(code.as_bytes()), "{code}");
        }
        for code in [
            "General",
            "0.00",
            "\"¥\"#,##0.00",
            "[Red]0.00",
            "0.00E+00",
            "@",
        ] {
            assert!(!date_code(code.as_bytes()), "{code}");
        }
        assert_eq!(
            serial_time(b"1", false).as_deref(),
            Some("1900-01-01 00:00:00")
        );
        assert_eq!(
            serial_time(b"61", false).as_deref(),
            Some("1900-03-01 00:00:00")
        );
        assert_eq!(
            serial_time(b"0", true).as_deref(),
            Some("1904-01-01 00:00:00")
        );
        assert_eq!(serial_time(b"-1", false), None);
    }

    #[test]
    fn names_and_columns() {
        assert_eq!(cell_name(0, 0), "A1");
        assert_eq!(cell_name(19, 6), "G20");
        assert_eq!(cell_name(0, 26), "AA1");
        assert_eq!(column(b"A20"), Some(0));
        assert_eq!(column(b"AA1"), Some(26));
        assert_eq!(column(b"20"), None);
        assert_eq!(
            resolve("xl", "worksheets/sheet1.xml"),
            "xl/worksheets/sheet1.xml"
        );
        assert_eq!(resolve("xl", "/xl/styles.xml"), "xl/styles.xml");
        assert_eq!(
            resolve("xl/sub", "../sharedStrings.xml"),
            "xl/sharedStrings.xml"
        );
    }
}
