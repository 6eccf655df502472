//! Opening the case file: is it ours, which schema, and the migrations that
//! bring it up to date.

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, TransactionBehavior};

use super::error::{At, StoreError};

/// The migrations, in order: migration `i` takes `user_version` from `i` to
/// `i + 1`. Append only; never edit one that has shipped.
const MIGRATIONS: &[&str] = &[
    include_str!("../../migrations/0001_case_file.sql"),
    include_str!("../../migrations/0002_case_file_follow.sql"),
    include_str!("../../migrations/0003_case_file_revision.sql"),
    include_str!("../../migrations/0004_case_file_details.sql"),
];

/// The schema this version of Daozhang writes (`PRAGMA user_version`).
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// `PRAGMA application_id` of a Daozhang case file: "DZCF".
pub const APPLICATION_ID: i32 = 0x445A_4346;

/// How long a write waits for another process holding the file.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Opens (creating if needed) the case file at `path` and brings its schema
/// up to date. A file that is not ours, or that a newer Daozhang wrote, is
/// reported and left untouched.
pub(crate) fn open(path: &Path) -> Result<Connection, StoreError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        super::private::create_dir(dir).map_err(|source| StoreError::Io {
            path: dir.to_owned(),
            action: "cannot create the directory for the case file",
            source,
        })?;
    }
    if path.is_dir() {
        return Err(StoreError::NotACaseFile {
            path: path.to_owned(),
            problem: "it is a directory".to_owned(),
        });
    }
    private_file(path)?;
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let mut conn = Connection::open_with_flags(path, flags).at(path)?;
    conn.busy_timeout(BUSY_TIMEOUT).at(path)?;

    // Look before touching: reading the header changes nothing.
    let (app_id, version) = identify(&conn, path)?;
    if app_id != APPLICATION_ID {
        if app_id != 0 {
            return Err(StoreError::NotACaseFile {
                path: path.to_owned(),
                problem: format!(
                    "it is an SQLite database of another program (application id {app_id:#x})"
                ),
            });
        }
        let tables = user_tables(&conn, path)?;
        if version != 0 || !tables.is_empty() {
            return Err(StoreError::NotACaseFile {
                path: path.to_owned(),
                problem: format!(
                    "it is an SQLite database of another program (tables: {})",
                    tables.join(", ")
                ),
            });
        }
    }
    if version > SCHEMA_VERSION {
        return Err(newer(path, version));
    }

    let mode: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
        .at(path)?;
    if !mode.eq_ignore_ascii_case("wal") {
        tracing::warn!(path = %path.display(), mode, "the case file could not use WAL journaling");
    }
    conn.pragma_update(None, "synchronous", "FULL").at(path)?;
    conn.pragma_update(None, "foreign_keys", "ON").at(path)?;
    if version < SCHEMA_VERSION {
        migrate(&mut conn, path)?;
    }
    Ok(conn)
}

/// Creates the case file readable by the user only (SQLite gives its
/// journal files the same mode), or takes other users' access off one an
/// earlier version created.
fn private_file(path: &Path) -> Result<(), StoreError> {
    let io = |action, source| StoreError::Io {
        path: path.to_owned(),
        action,
        source,
    };
    if path.exists() {
        for p in [
            path.to_owned(),
            suffixed(path, "-wal"),
            suffixed(path, "-shm"),
        ] {
            if p.exists() {
                super::private::restrict(&p)
                    .map_err(|e| io("cannot make the case file private to this user", e))?;
            }
        }
        return Ok(());
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    super::private::file_only_for_user(&mut options);
    match options.open(path) {
        Ok(_) => Ok(()),
        // Another process created it first.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(io("cannot create the case file", e)),
    }
}

fn suffixed(path: &Path, suffix: &str) -> std::path::PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(suffix);
    p.into()
}

/// `(application_id, user_version)`.
fn identify(conn: &Connection, path: &Path) -> Result<(i32, u32), StoreError> {
    let app_id: i32 = conn
        .query_row("PRAGMA application_id", [], |r| r.get(0))
        .at(path)?;
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .at(path)?;
    let version = u32::try_from(version).map_err(|_| StoreError::NotACaseFile {
        path: path.to_owned(),
        problem: format!("its schema version {version} is not one Daozhang writes"),
    })?;
    Ok((app_id, version))
}

fn user_tables(conn: &Connection, path: &Path) -> Result<Vec<String>, StoreError> {
    let mut stmt = conn
        .prepare(
            "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name LIMIT 6",
        )
        .at(path)?;
    let names = stmt
        .query_map([], |r| r.get::<_, String>(0))
        .at(path)?
        .collect::<Result<Vec<_>, _>>()
        .at(path)?;
    Ok(names)
}

fn newer(path: &Path, found: u32) -> StoreError {
    StoreError::NewerSchema {
        found,
        supported: SCHEMA_VERSION,
        path: path.to_owned(),
    }
}

/// Applies the missing migrations in one transaction: either the file gets
/// the whole new schema or it keeps the old one.
fn migrate(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .at(path)?;
    // Read again under the write lock: another process may have migrated.
    let version: u32 = tx
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .at(path)?;
    if version > SCHEMA_VERSION {
        return Err(newer(path, version));
    }
    for sql in &MIGRATIONS[version as usize..] {
        tx.execute_batch(sql).at(path)?;
    }
    tx.pragma_update(None, "user_version", SCHEMA_VERSION)
        .at(path)?;
    tx.pragma_update(None, "application_id", APPLICATION_ID)
        .at(path)?;
    tx.commit().at(path)?;
    tracing::debug!(path = %path.display(), from = version, to = SCHEMA_VERSION, "migrated the case file");
    Ok(())
}
