//! What can go wrong with the case file, in words a user can act on.

use std::path::{Path, PathBuf};

use rusqlite::ErrorCode as SqliteCode;

/// Why a case-file operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No case has this id (or an id starting with it).
    #[error("no case with the id {id:?} in the case file; list the cases to see their ids")]
    NotFound { id: String },

    /// The prefix matches more than one case.
    #[error(
        "{prefix:?} matches {} cases: {}; type more characters of the id",
        .matches.len(),
        shorten(.matches)
    )]
    Ambiguous {
        prefix: String,
        matches: Vec<String>,
    },

    /// The case to import is in the case file already.
    #[error(
        "case {id} is already in the case file; import with replace to overwrite it, or delete it first"
    )]
    Exists { id: String },

    /// The file's schema is newer than this program; it was not touched.
    #[error(
        "{}: this case file was written by a newer Daozhang (schema {found}); this version understands up to {supported}. Update Daozhang to open it; the file was left as it is",
        .path.display()
    )]
    NewerSchema {
        found: u32,
        supported: u32,
        path: PathBuf,
    },

    /// A case document (export/import JSON) that cannot be read.
    #[error("{0}")]
    BadDocument(String),

    /// Text that cannot be (the start of) a case id.
    #[error("{input:?} is not a case id: {problem}")]
    BadId { input: String, problem: String },

    /// No home / app-data directory could be found.
    #[error(
        "cannot find an app-data directory for this user; set DAOZHANG_DATA_DIR to the directory the case file should live in"
    )]
    NoDataDir,

    /// A directory or file could not be created or read.
    #[error("{}: {action}: {source}", .path.display())]
    Io {
        path: PathBuf,
        action: &'static str,
        #[source]
        source: std::io::Error,
    },

    /// The file exists but is not a Daozhang case file.
    #[error(
        "{} is not a Daozhang case file: {problem}; move it away or choose another data directory",
        .path.display()
    )]
    NotACaseFile { path: PathBuf, problem: String },

    /// A stored row cannot be read back (the file was edited or damaged).
    #[error(
        "{}: case {id} is damaged ({problem}); the other cases are unaffected",
        .path.display()
    )]
    Damaged {
        path: PathBuf,
        id: String,
        problem: String,
    },

    /// The case was written since the form was opened, and the form's
    /// starting point is not known here: nothing was written.
    #[error(
        "case {id} changed since it was opened (a check or an import added to it); it was not saved: reopen it and make the change again"
    )]
    Changed { id: String },

    /// Another check of the case is running (another window or
    /// `daozhang follow run`) and did not finish in time.
    #[error(
        "case {id} is being checked elsewhere (another Daozhang window or `daozhang follow run`); try again when that check has finished"
    )]
    Busy { id: String },

    /// An earlier failure while the case file was held left it unusable
    /// in this process.
    #[error("the case file is unavailable after an earlier failure; restart Daozhang")]
    Poisoned,

    /// A file to keep with a case is over the limit (per file or per case).
    #[error("{name} is too large to keep with the case ({bytes} bytes, at most {limit})")]
    TooLarge {
        name: String,
        bytes: u64,
        limit: u64,
    },

    /// SQLite failed.
    #[error("case file {}: {}", .path.display(), describe(.source))]
    Sqlite {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
}

fn shorten(ids: &[String]) -> String {
    const SHOWN: usize = 10;
    let mut s = ids
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if ids.len() > SHOWN {
        s.push_str(&format!(" and {} more", ids.len() - SHOWN));
    }
    s
}

fn describe(e: &rusqlite::Error) -> String {
    let hint = match e.sqlite_error_code() {
        Some(SqliteCode::DatabaseBusy | SqliteCode::DatabaseLocked) => {
            "it stayed locked by another program (or another Daozhang) for more than 5 s; close that and try again"
        }
        Some(SqliteCode::ReadOnly) => "the file or its directory is read-only",
        Some(SqliteCode::DiskFull) => "the disk is full; free some space and try again",
        Some(SqliteCode::CannotOpen) => {
            "the file cannot be opened (check that the directory exists and is writable)"
        }
        Some(SqliteCode::PermissionDenied) => "permission denied",
        Some(SqliteCode::DatabaseCorrupt) => {
            "the file is damaged; restore it from a backup or export what can still be read"
        }
        Some(SqliteCode::SystemIoFailure) => "the disk reported an I/O error",
        _ => return e.to_string(),
    };
    format!("{hint} ({e})")
}

impl StoreError {
    /// Wraps an SQLite error for the file at `path`; "not a database" becomes
    /// [`StoreError::NotACaseFile`].
    pub(crate) fn sqlite(path: &Path, source: rusqlite::Error) -> StoreError {
        if source.sqlite_error_code() == Some(SqliteCode::NotADatabase) {
            return StoreError::NotACaseFile {
                path: path.to_owned(),
                problem: "it is not an SQLite database".to_owned(),
            };
        }
        StoreError::Sqlite {
            path: path.to_owned(),
            source,
        }
    }
}

/// Adds the file path to rusqlite results.
pub(crate) trait At<T> {
    fn at(self, path: &Path) -> Result<T, StoreError>;
}

impl<T> At<T> for Result<T, rusqlite::Error> {
    fn at(self, path: &Path) -> Result<T, StoreError> {
        self.map_err(|e| StoreError::sqlite(path, e))
    }
}
