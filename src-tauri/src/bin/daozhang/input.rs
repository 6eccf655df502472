//! Reading what the user gives: case files, pasted text, `--now`, the case
//! to work on.

use std::io::Read;
use std::path::{Path, PathBuf};

use chrono::Local;

use daozhang::domain::case::{Case, MAX_CASE_BYTES, parse_case_toml};
use daozhang::domain::text::Lang;
use daozhang::domain::time::{Moment, china, parse_moment};
use daozhang::error::{BoundaryError, ErrorCode};
use daozhang::evidence;
use daozhang::store::Store;

use crate::Result;
use crate::cli::Target;

pub(crate) fn read_text(path: &Path) -> Result<String> {
    let mut bytes = Vec::new();
    if path == Path::new("-") {
        std::io::stdin()
            .take(MAX_CASE_BYTES as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| {
                BoundaryError::new(ErrorCode::Io, format!("cannot read standard input: {e}"))
            })?;
    } else {
        let f = std::fs::File::open(path).map_err(|e| {
            let code = if e.kind() == std::io::ErrorKind::NotFound {
                ErrorCode::NotFound
            } else {
                ErrorCode::Io
            };
            BoundaryError::new(code, format!("cannot open {}: {e}", path.display()))
        })?;
        f.take(MAX_CASE_BYTES as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| {
                BoundaryError::new(
                    ErrorCode::Io,
                    format!("cannot read {}: {e}", path.display()),
                )
            })?;
    }
    if bytes.len() > MAX_CASE_BYTES {
        return Err(BoundaryError::new(
            ErrorCode::BadArgument,
            format!(
                "{} is larger than {} bytes: not a case file",
                path.display(),
                MAX_CASE_BYTES
            ),
        ));
    }
    String::from_utf8(bytes).map_err(|_| {
        BoundaryError::new(
            ErrorCode::Syntax,
            format!(
                "{} is not UTF-8 text: save the case file as UTF-8",
                path.display()
            ),
        )
    })
}

/// Names the file in front of a parse error.
pub(crate) fn in_file(path: &Path) -> impl FnOnce(BoundaryError) -> BoundaryError + '_ {
    move |b| b.prefixed(&path.display().to_string())
}

pub(crate) fn load_file(path: &Path) -> Result<Case> {
    let text = read_text(path)?;
    parse_case_toml(&text).map_err(|e| in_file(path)(BoundaryError::from(e)))
}

pub(crate) fn parse_now(now: Option<&str>, zone_of: Option<&Case>) -> Result<Moment> {
    let zone = zone_of.map(|c| c.zone()).unwrap_or_else(china);
    match now {
        None => Ok(Local::now().with_timezone(&zone)),
        Some(t) => parse_moment(t, zone, None).ok_or_else(|| {
            BoundaryError::new(
                ErrorCode::BadArgument,
                format!("--now {t:?}: expected a time like 2026-11-21 16:30 or 2026-11-21T16:30:00+08:00"),
            )
        }),
    }
}

/// The case to work on: from a file, or from the case file by id.
pub(crate) fn target<F: FnOnce() -> Result<Store>>(
    t: &Target,
    store: F,
) -> Result<(Case, Option<String>, Option<Store>)> {
    match (&t.file, &t.case) {
        (Some(path), _) => Ok((load_file(path)?, None, None)),
        (None, Some(id)) => {
            let s = store()?;
            let stored = s.get(id).map_err(BoundaryError::from)?;
            Ok((stored.case, Some(stored.id), Some(s)))
        }
        (None, None) => Err(BoundaryError::new(
            ErrorCode::BadArgument,
            "give a case file or --case ID",
        )),
    }
}

/// The files a case file names as its attachments (relative to the case
/// file's folder) that are there: kept with the stored case `id`, so the
/// screenshots stay with it. A file over the limits is named on stderr and
/// the case is kept without it.
pub(crate) fn keep_attachments(s: &mut Store, id: &str, case: &Case, case_file: &Path, lang: Lang) {
    let dir = case_file.parent().unwrap_or(Path::new(""));
    let files: Vec<PathBuf> = case
        .attachments
        .iter()
        .filter_map(|a| a.file.as_deref())
        .map(|f| dir.join(f))
        .filter(|p| p.is_file())
        .collect();
    if files.is_empty() {
        return;
    }
    if let Err(e) = s.keep_files(id, &files) {
        crate::output::error(&BoundaryError::from(e), false, lang);
    }
}

/// Pasted text from a file or standard input (`-`), bounded.
pub(crate) fn read_pasted(src: &Path) -> Result<String> {
    let limit = evidence::MAX_TEXT_BYTES;
    let mut bytes = Vec::new();
    let res = if src == Path::new("-") {
        std::io::stdin().take(limit + 1).read_to_end(&mut bytes)
    } else {
        std::fs::File::open(src).and_then(|f| f.take(limit + 1).read_to_end(&mut bytes))
    };
    res.map_err(|e| {
        let code = if e.kind() == std::io::ErrorKind::NotFound {
            ErrorCode::NotFound
        } else {
            ErrorCode::Io
        };
        BoundaryError::new(code, format!("cannot read {}: {e}", src.display()))
    })?;
    if bytes.len() as u64 > limit {
        return Err(BoundaryError::new(
            ErrorCode::BadArgument,
            format!(
                "{}: more than {} KB: not a paste of SMS or a receipt",
                src.display(),
                limit / 1024
            ),
        ));
    }
    match String::from_utf8(bytes) {
        Ok(t) => Ok(t),
        Err(e) => {
            let (t, _, bad) = encoding_rs::GB18030.decode(e.as_bytes());
            if bad {
                Err(BoundaryError::from(evidence::EvidenceError::Encoding))
            } else {
                Ok(t.into_owned())
            }
        }
    }
}

/// Writes `text` to `path`.
pub(crate) fn write_file(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text).map_err(|e| {
        BoundaryError::new(
            ErrorCode::Io,
            format!("cannot write {}: {e}", path.display()),
        )
    })
}
