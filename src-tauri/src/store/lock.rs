//! One check of a case at a time, across processes: the app's Check button,
//! its re-check loop and `daozhang follow run` may reach the same case at
//! once. Each check holds an exclusive lock on a small file beside the case
//! file (`cases.sqlite3.checking/<id>.lock`) while it asks the sources and
//! records the answers; the operating system releases it when the holder
//! ends, even by a crash, so a lock is never left behind.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::StoreError;

/// Held while a case is being checked; dropping it lets the next check in.
#[derive(Debug)]
pub struct CheckLock {
    _file: File,
}

/// How often a waiting check looks again.
const POLL: Duration = Duration::from_millis(50);

impl CheckLock {
    /// The lock file of case `id` for the case file at `case_file`.
    pub fn path(case_file: &Path, id: &str) -> PathBuf {
        let mut dir = case_file.as_os_str().to_owned();
        dir.push(".checking");
        PathBuf::from(dir).join(format!("{id}.lock"))
    }

    /// Takes the lock if no other check holds it; `None` when one does.
    pub fn try_take(path: &Path) -> Result<Option<CheckLock>, StoreError> {
        let file = open(path)?;
        match file.try_lock() {
            Ok(()) => Ok(Some(CheckLock { _file: file })),
            Err(TryLockError::WouldBlock) => Ok(None),
            Err(TryLockError::Error(source)) => Err(StoreError::Io {
                path: path.to_owned(),
                action: "cannot lock the case for a check",
                source,
            }),
        }
    }

    /// Takes the lock, waiting up to `patience` for another check of the
    /// case to finish; `None` when it is still running then.
    pub fn take(path: &Path, patience: Duration) -> Result<Option<CheckLock>, StoreError> {
        let start = Instant::now();
        loop {
            if let Some(lock) = CheckLock::try_take(path)? {
                return Ok(Some(lock));
            }
            if start.elapsed() >= patience {
                return Ok(None);
            }
            std::thread::sleep(POLL);
        }
    }
}

fn open(path: &Path) -> Result<File, StoreError> {
    if let Some(dir) = path.parent() {
        super::private::create_dir(dir).map_err(|source| StoreError::Io {
            path: dir.to_owned(),
            action: "cannot create the directory for check locks",
            source,
        })?;
    }
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    super::private::file_only_for_user(&mut options);
    options.open(path).map_err(|source| StoreError::Io {
        path: path.to_owned(),
        action: "cannot open the case's check lock",
        source,
    })
}
