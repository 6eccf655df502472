//! The case file: every case, check and message, kept locally in one SQLite
//! file (`cases.sqlite3` in the app-data directory).
//!
//! Every write is one transaction, so a crash at any moment leaves either
//! the state before the write or the state after it (proved by
//! `tests/tests/store_crash.rs`, which kills a writer mid-flight). The file
//! runs in WAL mode with `synchronous = FULL`; its schema is versioned with
//! `PRAGMA user_version` and migrated at open (see `schema.rs` and
//! `migrations/`).
//!
//! Times are stored as RFC 3339 text with the offset they were given in;
//! amounts as exact decimal text.

pub mod attachments;
mod case_id;
mod correspondence;
mod edit;
mod error;
mod lock;
pub(crate) mod private;
mod schema;
#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};
use std::str::FromStr;

use chrono::DateTime;
use rusqlite::{Connection, OptionalExtension, Row, Transaction, TransactionBehavior, params};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::domain::case::{Case, Platform};
use crate::domain::details::MyDetails;
use crate::domain::diagnosis::Audience;
use crate::domain::money::{Currency, Money};
use crate::domain::observation::Observation;
use crate::domain::text::Lang;
use crate::domain::time::Moment;
use crate::records::{CaseSummary, CheckRecord, CheckSummary, Follow, StoredCase};

pub use case_id::{MIN_PREFIX as MIN_ID_PREFIX, is_valid as is_valid_id};
pub use edit::{Opened, Saved};
use error::At;
pub use error::StoreError;
pub use lock::CheckLock;
pub use schema::SCHEMA_VERSION;

// The CLI's paths of the message records.
pub use crate::records::{MessageKind, MessageRecord};

/// The case file's name inside the data directory.
pub const FILE_NAME: &str = "cases.sqlite3";
/// The environment variable that moves the data directory.
pub const DATA_DIR_ENV: &str = "DAOZHANG_DATA_DIR";
/// `format` of a case document.
pub const DOCUMENT_FORMAT: &str = "daozhang-case";
/// `version` of the case documents this Daozhang writes and reads.
pub const DOCUMENT_VERSION: u32 = 1;
/// The largest case document `from_json` reads.
pub const MAX_DOCUMENT_BYTES: usize = 64 << 20;

/// One case as one JSON document; export → import → export round-trips
/// byte for byte.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "DocumentWire")]
pub struct CaseDocument {
    /// Always `daozhang-case`.
    pub format: String,
    /// Always 1.
    pub version: u32,
    #[serde(flatten)]
    pub stored: StoredCase,
}

/// How a case document is read: the fields spelled out rather than through
/// `#[serde(flatten)]`, whose buffering hands a JSON `null` to
/// `deserialize_option` as a unit, which the observations' optional
/// decimal amounts (`rust_decimal::serde::str_option`) refuse.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DocumentWire {
    format: String,
    version: u32,
    id: String,
    created_at: Moment,
    updated_at: Moment,
    case: Case,
    checks: Vec<CheckRecord>,
    messages: Vec<MessageRecord>,
}

impl From<DocumentWire> for CaseDocument {
    fn from(w: DocumentWire) -> Self {
        CaseDocument {
            format: w.format,
            version: w.version,
            stored: StoredCase {
                id: w.id,
                created_at: w.created_at,
                updated_at: w.updated_at,
                case: w.case,
                checks: w.checks,
                messages: w.messages,
            },
        }
    }
}

impl CaseDocument {
    pub fn new(stored: StoredCase) -> Self {
        CaseDocument {
            format: DOCUMENT_FORMAT.to_owned(),
            version: DOCUMENT_VERSION,
            stored,
        }
    }

    /// Pretty JSON, keys in a fixed order, ending in a newline.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self)
            .expect("a case document always serializes (string keys, no floats that fail)");
        text.push('\n');
        text
    }

    /// Reads a case document, saying clearly what is wrong with one that is
    /// not a Daozhang case document, of another version, or damaged.
    pub fn from_json(text: &str) -> Result<Self, StoreError> {
        let bad = |m: String| Err(StoreError::BadDocument(m));
        if text.len() > MAX_DOCUMENT_BYTES {
            return bad(format!(
                "the case document is {} bytes; a case document is at most {MAX_DOCUMENT_BYTES} bytes",
                text.len()
            ));
        }
        let value: serde_json::Value = match serde_json::from_str(text) {
            Ok(v) => v,
            Err(e) => return bad(format!("the case document is not valid JSON: {e}")),
        };
        let Some(object) = value.as_object() else {
            return bad(format!(
                "a case document is a JSON object with \"format\": \"{DOCUMENT_FORMAT}\"; this is a JSON {}",
                json_kind(&value)
            ));
        };
        match object.get("format") {
            Some(serde_json::Value::String(f)) if f == DOCUMENT_FORMAT => {}
            Some(other) => {
                return bad(format!(
                    "this is not a Daozhang case document: its \"format\" is {other}, expected \"{DOCUMENT_FORMAT}\""
                ));
            }
            None => {
                return bad(format!(
                    "this is not a Daozhang case document: it has no \"format\" (expected \"{DOCUMENT_FORMAT}\")"
                ));
            }
        }
        match object.get("version").and_then(serde_json::Value::as_u64) {
            Some(v) if v == u64::from(DOCUMENT_VERSION) => {}
            Some(v) if v > u64::from(DOCUMENT_VERSION) => {
                return bad(format!(
                    "this case document is version {v}, written by a newer Daozhang; this version reads version {DOCUMENT_VERSION}"
                ));
            }
            Some(v) => {
                return bad(format!(
                    "case document version {v} does not exist; this Daozhang reads version {DOCUMENT_VERSION}"
                ));
            }
            None => {
                return bad(format!(
                    "the case document has no valid \"version\" (expected {DOCUMENT_VERSION}, got {})",
                    object
                        .get("version")
                        .map_or_else(|| "nothing".to_owned(), |v| v.to_string())
                ));
            }
        }
        let doc: CaseDocument = serde_json::from_str(text).map_err(|e| {
            StoreError::BadDocument(format!("the case document is damaged or incomplete: {e}"))
        })?;
        if !case_id::is_valid(&doc.stored.id) {
            return bad(format!(
                "the case document's id {:?} is not a case id (dz- followed by {} characters of 0-9 and a-z without i, l, o, u)",
                doc.stored.id,
                case_id::LEN
            ));
        }
        Ok(doc)
    }
}

fn json_kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "boolean",
        serde_json::Value::Number(_) => "number",
        serde_json::Value::String(_) => "string",
        serde_json::Value::Array(_) => "array",
        serde_json::Value::Object(_) => "object",
    }
}

// ---------------------------------------------------------------- the store

/// The open case file.
pub struct Store {
    conn: Connection,
    path: PathBuf,
    /// The cases as a form last loaded or saved them, by id and revision:
    /// what an edit started from (see [`Store::save_edit`]).
    bases: edit::Bases,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

impl Store {
    /// The directory the case file lives in: `$DAOZHANG_DATA_DIR` when set,
    /// else the platform's app-data directory for "daozhang".
    pub fn default_dir() -> Result<PathBuf, StoreError> {
        if let Some(dir) = std::env::var_os(DATA_DIR_ENV).filter(|d| !d.is_empty()) {
            return Ok(PathBuf::from(dir));
        }
        directories::ProjectDirs::from("", "", "daozhang")
            .map(|p| p.data_dir().to_owned())
            .ok_or(StoreError::NoDataDir)
    }

    /// Opens `cases.sqlite3` in [`Store::default_dir`].
    pub fn open_default() -> Result<Store, StoreError> {
        Store::open(&Store::default_dir()?.join(FILE_NAME))
    }

    /// Opens (creating it and its directory if needed) the case file at
    /// `path`, migrating it to the current schema.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let conn = schema::open(path)?;
        tracing::debug!(path = %path.display(), "opened the case file");
        Ok(Store {
            conn,
            path: path.to_owned(),
            bases: edit::Bases::default(),
        })
    }

    /// The case file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Stores a new case; returns its fresh id.
    pub fn create_case(&mut self, case: &Case, now: Moment) -> Result<String, StoreError> {
        let path = &self.path;
        let tx = write(&mut self.conn, path)?;
        let mut id = case_id::generate();
        // Two cases in the same second share 32 of the 50 bits; on the rare
        // collision of the other 18, draw again.
        while exists(&tx, path, &id)? {
            id = case_id::generate();
        }
        insert_case(&tx, path, &id, now, now, case)?;
        tx.commit().at(path)?;
        self.bases.remember(&id, 0, case);
        Ok(id)
    }

    /// A case for a form to edit: the case with its revision, remembered as
    /// the base an edit of that revision started from.
    pub fn open_for_edit(&mut self, id_or_prefix: &str) -> Result<Opened, StoreError> {
        let path = &self.path;
        let tx = read(&self.conn, path)?;
        let id = resolve(&tx, path, id_or_prefix)?;
        let stored = load(&tx, path, &id)?;
        let revision = revision(&tx, path, &id)?;
        tx.commit().at(path)?;
        self.bases.remember(&id, revision, &stored.case);
        Ok(Opened { stored, revision })
    }

    /// Saves a form's edit of a case it loaded at `revision` (its checks and
    /// messages stay). When the case was written since — a check, an import
    /// or `daozhang follow run` added to it while the form was open — the
    /// edit is merged: the form's facts, and what it never saw kept.
    /// Without the case as the form loaded it (another process's form, or
    /// an app restarted since) the edit is refused with
    /// [`StoreError::Changed`], and nothing is written.
    pub fn save_edit(
        &mut self,
        id: &str,
        revision: i64,
        case: &Case,
        now: Moment,
    ) -> Result<Saved, StoreError> {
        let path = &self.path;
        let tx = write(&mut self.conn, path)?;
        let id = resolve(&tx, path, id)?;
        let current_revision = self::revision(&tx, path, &id)?;
        // Merged whenever the form's starting point is known: the case may
        // hold what an earlier merge kept and the form never showed.
        let (merged, kept) = match self.bases.get(&id, revision) {
            Some(base) => edit::merge(base, &load_case(&tx, path, &id)?, case.clone()),
            None if current_revision == revision => (case.clone(), 0),
            None => return Err(StoreError::Changed { id }),
        };
        let revision = write_case(&tx, path, &id, now, &merged)?;
        tx.commit().at(path)?;
        // What the form holds now is the next edit's starting point.
        self.bases.remember(&id, revision, case);
        Ok(Saved { id, revision, kept })
    }

    /// Adds one observation to a case (kept in time order, as
    /// [`Case::add_observation`] does), in one transaction.
    pub fn add_observation(
        &mut self,
        id: &str,
        obs: &Observation,
        now: Moment,
    ) -> Result<(), StoreError> {
        self.modify(id, now, |case| {
            case.add_observation(obs.clone());
            1
        })
        .map(|_| ())
    }

    /// Adds observations to a case in one transaction, skipping any the
    /// case already holds (the same bill imported twice adds nothing).
    /// Returns how many were added.
    pub fn add_observations(
        &mut self,
        id: &str,
        obs: &[Observation],
        now: Moment,
    ) -> Result<usize, StoreError> {
        self.modify(id, now, |case| {
            let mut added = 0;
            for o in obs {
                if !case.observations.contains(o) {
                    case.add_observation(o.clone());
                    added += 1;
                }
            }
            added
        })
    }

    /// Adds what a channel answered (with its ticket number and promised
    /// day) to the case's contacts, in one transaction.
    pub fn add_contact(
        &mut self,
        id: &str,
        contact: &crate::domain::case::Contact,
        now: Moment,
    ) -> Result<(), StoreError> {
        self.modify(id, now, |case| {
            case.contacts.push(contact.clone());
            case.contacts.sort_by_key(|c| c.at);
            1
        })
        .map(|_| ())
    }

    /// Reads a case, lets `change` edit it (returning how many things it
    /// changed) and writes it back if it changed anything, in one transaction.
    fn modify(
        &mut self,
        id: &str,
        now: Moment,
        change: impl FnOnce(&mut Case) -> usize,
    ) -> Result<usize, StoreError> {
        let path = &self.path;
        let tx = write(&mut self.conn, path)?;
        let id = resolve(&tx, path, id)?;
        let mut case = load_case(&tx, path, &id)?;
        let changed = change(&mut case);
        if changed > 0 {
            write_case(&tx, path, &id, now, &case)?;
        }
        tx.commit().at(path)?;
        Ok(changed)
    }

    /// A case with its checks and messages, by id or unique id prefix.
    pub fn get(&self, id_or_prefix: &str) -> Result<StoredCase, StoreError> {
        let path = &self.path;
        let tx = read(&self.conn, path)?;
        let id = resolve(&tx, path, id_or_prefix)?;
        let stored = load(&tx, path, &id)?;
        tx.commit().at(path)?;
        Ok(stored)
    }

    /// All cases, most recently updated first.
    pub fn list(&self) -> Result<Vec<CaseSummary>, StoreError> {
        let path = &self.path;
        let tx = read(&self.conn, path)?;
        let mut stmt = tx
            .prepare(
                "SELECT c.id, c.platform_preset, c.platform_name, c.order_id, c.amount, c.currency,
                        c.created_at, c.updated_at, k.at, k.code, k.broken_link, k.next_deadline,
                        coalesce(json_array_length(f.state_json, '$.unread'), 0)
                 FROM cases c
                 LEFT JOIN checks k
                   ON k.seq = (SELECT max(seq) FROM checks WHERE case_id = c.id)
                 LEFT JOIN follow f ON f.case_id = c.id
                 ORDER BY c.updated_order DESC, c.id DESC",
            )
            .at(path)?;
        let rows = stmt
            .query_map([], |r| {
                Ok(SummaryRow {
                    id: r.get(0)?,
                    preset: r.get(1)?,
                    name: r.get(2)?,
                    order_id: r.get(3)?,
                    amount: r.get(4)?,
                    currency: r.get(5)?,
                    created_at: r.get(6)?,
                    updated_at: r.get(7)?,
                    check_at: r.get(8)?,
                    check_code: r.get(9)?,
                    broken_link: r.get(10)?,
                    next_deadline: r.get(11)?,
                    unread: r.get(12)?,
                })
            })
            .at(path)?
            .collect::<Result<Vec<_>, _>>()
            .at(path)?;
        drop(stmt);
        tx.commit().at(path)?;
        rows.into_iter().map(|r| r.summary(path)).collect()
    }

    /// One check's writes in one transaction: the sources' new answers are
    /// added to the case (skipping any it holds), `finish` makes the check's
    /// record from the case as it then is and changes the follow-up, and
    /// both are written. If `finish` fails nothing is written.
    pub fn commit_check<T, E: From<StoreError>>(
        &mut self,
        id: &str,
        observations: &[Observation],
        now: Moment,
        finish: impl FnOnce(&str, &Case, &mut Follow) -> Result<(CheckRecord, T), E>,
    ) -> Result<T, E> {
        let path = &self.path;
        let tx = write(&mut self.conn, path)?;
        let id = resolve(&tx, path, id)?;
        let mut case = load_case(&tx, path, &id)?;
        let mut added = 0;
        for o in observations {
            if !case.observations.contains(o) {
                case.add_observation(o.clone());
                added += 1;
            }
        }
        if added > 0 {
            write_case(&tx, path, &id, now, &case)?;
        }
        let mut follow = load_follow(&tx, path, &id)?;
        let (record, out) = finish(&id, &case, &mut follow)?;
        insert_check(&tx, path, &id, &record)?;
        write_follow(&tx, path, &id, &follow)?;
        tx.commit().at(path)?;
        Ok(out)
    }

    /// The lock file that keeps two checks of case `id` apart.
    pub fn check_lock_path(&self, id: &str) -> PathBuf {
        CheckLock::path(&self.path, id)
    }

    /// Keeps a check's outcome with its case.
    pub fn record_check(&mut self, id: &str, check: &CheckRecord) -> Result<(), StoreError> {
        let path = &self.path;
        let tx = write(&mut self.conn, path)?;
        let id = resolve(&tx, path, id)?;
        insert_check(&tx, path, &id, check)?;
        tx.commit().at(path)
    }

    /// Keeps a complaint message with its case.
    pub fn record_message(&mut self, id: &str, msg: &MessageRecord) -> Result<(), StoreError> {
        let path = &self.path;
        let tx = write(&mut self.conn, path)?;
        let id = resolve(&tx, path, id)?;
        insert_message(&tx, path, &id, msg)?;
        tx.commit().at(path)
    }

    /// A case's follow-up: on, with nothing remembered, until something
    /// is stored.
    pub fn follow(&self, id_or_prefix: &str) -> Result<Follow, StoreError> {
        let path = &self.path;
        let tx = read(&self.conn, path)?;
        let id = resolve(&tx, path, id_or_prefix)?;
        let f = load_follow(&tx, path, &id)?;
        tx.commit().at(path)?;
        Ok(f)
    }

    /// Changes a case's follow-up in one transaction (read, `change`,
    /// write), so two processes never lose each other's updates. Returns
    /// what `change` returns.
    pub fn update_follow<T>(
        &mut self,
        id_or_prefix: &str,
        change: impl FnOnce(&mut Follow) -> T,
    ) -> Result<T, StoreError> {
        let path = &self.path;
        let tx = write(&mut self.conn, path)?;
        let id = resolve(&tx, path, id_or_prefix)?;
        let mut f = load_follow(&tx, path, &id)?;
        let out = change(&mut f);
        write_follow(&tx, path, &id, &f)?;
        tx.commit().at(path)?;
        Ok(out)
    }

    /// Every case with its follow-up, for a round of re-checks.
    pub fn followed(&self) -> Result<Vec<(String, Case, Follow)>, StoreError> {
        let path = &self.path;
        let tx = read(&self.conn, path)?;
        let mut stmt = tx
            .prepare(
                "SELECT c.id, c.case_json, f.enabled, f.state_json, c.created_at
                 FROM cases c LEFT JOIN follow f ON f.case_id = c.id
                 ORDER BY c.updated_order DESC, c.id DESC",
            )
            .at(path)?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<i64>>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, String>(4)?,
                ))
            })
            .at(path)?
            .collect::<Result<Vec<_>, _>>()
            .at(path)?;
        drop(stmt);
        tx.commit().at(path)?;
        rows.into_iter()
            .map(|(id, case_json, enabled, state, created)| {
                let case = parse_case(path, &id, &case_json)?;
                let created = parse_time(path, &id, "created_at", &created)?;
                let f = follow_of(path, &id, enabled, state, created)?;
                Ok((id, case, f))
            })
            .collect()
    }

    /// One case as a case document.
    pub fn export(&self, id_or_prefix: &str) -> Result<CaseDocument, StoreError> {
        Ok(CaseDocument::new(self.get(id_or_prefix)?))
    }

    /// Stores a case document under its own id, with its times, checks and
    /// messages. A case with that id is an error unless `replace`, which
    /// swaps it for the document's in one transaction.
    pub fn import(&mut self, doc: &CaseDocument, replace: bool) -> Result<String, StoreError> {
        if doc.format != DOCUMENT_FORMAT || doc.version != DOCUMENT_VERSION {
            return Err(StoreError::BadDocument(format!(
                "this Daozhang imports {DOCUMENT_FORMAT} version {DOCUMENT_VERSION} documents, not {:?} version {}",
                doc.format, doc.version
            )));
        }
        let s = &doc.stored;
        if !case_id::is_valid(&s.id) {
            return Err(StoreError::BadDocument(format!(
                "the case document's id {:?} is not a case id",
                s.id
            )));
        }
        let path = &self.path;
        let tx = write(&mut self.conn, path)?;
        if exists(&tx, path, &s.id)? {
            if !replace {
                return Err(StoreError::Exists { id: s.id.clone() });
            }
            tx.execute("DELETE FROM cases WHERE id = ?1", [&s.id])
                .at(path)?;
        }
        insert_case(&tx, path, &s.id, s.created_at, s.updated_at, &s.case)?;
        for c in &s.checks {
            insert_check(&tx, path, &s.id, c)?;
        }
        for m in &s.messages {
            insert_message(&tx, path, &s.id, m)?;
        }
        tx.commit().at(path)?;
        Ok(s.id.clone())
    }

    /// The user's details ("my details"); empty until saved.
    pub fn my_details(&self) -> Result<MyDetails, StoreError> {
        let path = &self.path;
        let json: Option<String> = self
            .conn
            .query_row(
                "SELECT details_json FROM my_details WHERE id = 1",
                [],
                |r| r.get(0),
            )
            .optional()
            .at(path)?;
        match json {
            Some(j) => parse_json(path, "my details", "details", &j),
            None => Ok(MyDetails::default()),
        }
    }

    /// Replaces the user's details (validated by the caller).
    pub fn save_my_details(&mut self, details: &MyDetails, now: Moment) -> Result<(), StoreError> {
        let path = &self.path;
        let tx = write(&mut self.conn, path)?;
        tx.execute(
            "INSERT INTO my_details (id, details_json, updated_at) VALUES (1, ?1, ?2)
             ON CONFLICT (id) DO UPDATE SET details_json = ?1, updated_at = ?2",
            params![to_json(details), time_text(&now)],
        )
        .at(path)?;
        tx.commit().at(path)
    }

    /// Deletes a case with its checks and messages.
    pub fn delete(&mut self, id_or_prefix: &str) -> Result<(), StoreError> {
        let path = &self.path;
        let tx = write(&mut self.conn, path)?;
        let id = resolve(&tx, path, id_or_prefix)?;
        tx.execute("DELETE FROM cases WHERE id = ?1", [&id])
            .at(path)?;
        tx.commit().at(path)?;
        // The case's kept files go with it.
        let dir = self.attachments_dir(&id);
        match std::fs::remove_dir_all(&dir) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(StoreError::Io {
                path: dir,
                action: "removing the case's files",
                source: e,
            }),
            _ => Ok(()),
        }
    }
}

// ---------------------------------------------------------------- rows

/// A write transaction: takes the write lock at once (waiting up to the busy
/// timeout), so a read-modify-write cannot interleave with another process.
fn write<'c>(conn: &'c mut Connection, path: &Path) -> Result<Transaction<'c>, StoreError> {
    conn.transaction_with_behavior(TransactionBehavior::Immediate)
        .at(path)
}

/// A read transaction: one consistent snapshot across the tables.
fn read<'c>(conn: &'c Connection, path: &Path) -> Result<Transaction<'c>, StoreError> {
    conn.unchecked_transaction().at(path)
}

fn time_text(m: &Moment) -> String {
    m.to_rfc3339()
}

fn parse_time(path: &Path, id: &str, what: &str, text: &str) -> Result<Moment, StoreError> {
    DateTime::parse_from_rfc3339(text).map_err(|e| StoreError::Damaged {
        path: path.to_owned(),
        id: id.to_owned(),
        problem: format!("{what} {text:?} is not an RFC 3339 time: {e}"),
    })
}

fn parse_opt_time(
    path: &Path,
    id: &str,
    what: &str,
    text: Option<String>,
) -> Result<Option<Moment>, StoreError> {
    text.map(|t| parse_time(path, id, what, &t)).transpose()
}

fn parse_json<T: serde::de::DeserializeOwned>(
    path: &Path,
    id: &str,
    what: &str,
    text: &str,
) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Damaged {
        path: path.to_owned(),
        id: id.to_owned(),
        problem: format!("its {what} cannot be read: {e}"),
    })
}

fn parse_case(path: &Path, id: &str, json: &str) -> Result<Case, StoreError> {
    parse_json(path, id, "case", json)
}

fn to_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("records serialize to JSON (string keys only)")
}

fn exists(conn: &Connection, path: &Path, id: &str) -> Result<bool, StoreError> {
    conn.query_row("SELECT 1 FROM cases WHERE id = ?1", [id], |_| Ok(()))
        .optional()
        .at(path)
        .map(|o| o.is_some())
}

/// The one case `input` (an id or a unique prefix of one) names.
fn resolve(conn: &Connection, path: &Path, input: &str) -> Result<String, StoreError> {
    let prefix = case_id::normalize_query(input).map_err(|problem| StoreError::BadId {
        input: input.trim().to_owned(),
        problem,
    })?;
    let mut stmt = conn
        .prepare("SELECT id FROM cases WHERE substr(id, 1, length(?1)) = ?1 ORDER BY id")
        .at(path)?;
    let mut matches = stmt
        .query_map([&prefix], |r| r.get::<_, String>(0))
        .at(path)?
        .collect::<Result<Vec<_>, _>>()
        .at(path)?;
    match matches.len() {
        0 => Err(StoreError::NotFound {
            id: input.trim().to_owned(),
        }),
        1 => Ok(matches.remove(0)),
        _ => Err(StoreError::Ambiguous {
            prefix: input.trim().to_owned(),
            matches,
        }),
    }
}

fn insert_case(
    conn: &Connection,
    path: &Path,
    id: &str,
    created_at: Moment,
    updated_at: Moment,
    case: &Case,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO cases (id, created_at, updated_at, updated_order, platform_preset,
                            platform_name, order_id, amount, currency, submitted_at, case_json)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            id,
            time_text(&created_at),
            time_text(&updated_at),
            updated_at.timestamp_micros(),
            case.platform.preset,
            case.platform.name,
            case.order_id,
            case.amount.amount.to_string(),
            case.amount.currency.code(),
            time_text(&case.submitted_at),
            to_json(case),
        ],
    )
    .at(path)?;
    Ok(())
}

fn write_case(
    conn: &Connection,
    path: &Path,
    id: &str,
    now: Moment,
    case: &Case,
) -> Result<i64, StoreError> {
    let changed = conn
        .execute(
            "UPDATE cases SET updated_at = ?2, updated_order = ?3, platform_preset = ?4,
                              platform_name = ?5, order_id = ?6, amount = ?7, currency = ?8,
                              submitted_at = ?9, case_json = ?10, revision = revision + 1
             WHERE id = ?1",
            params![
                id,
                time_text(&now),
                now.timestamp_micros(),
                case.platform.preset,
                case.platform.name,
                case.order_id,
                case.amount.amount.to_string(),
                case.amount.currency.code(),
                time_text(&case.submitted_at),
                to_json(case),
            ],
        )
        .at(path)?;
    if changed == 0 {
        return Err(StoreError::NotFound { id: id.to_owned() });
    }
    revision(conn, path, id)
}

fn write_follow(conn: &Connection, path: &Path, id: &str, f: &Follow) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO follow (case_id, enabled, state_json) VALUES (?1, ?2, ?3)
         ON CONFLICT (case_id) DO UPDATE SET enabled = ?2, state_json = ?3",
        params![id, i64::from(f.enabled), to_json(&f.state)],
    )
    .at(path)?;
    Ok(())
}

/// How many times the case's facts were written.
fn revision(conn: &Connection, path: &Path, id: &str) -> Result<i64, StoreError> {
    conn.query_row("SELECT revision FROM cases WHERE id = ?1", [id], |r| {
        r.get(0)
    })
    .optional()
    .at(path)?
    .ok_or_else(|| StoreError::NotFound { id: id.to_owned() })
}

/// The case's facts alone.
fn load_case(conn: &Connection, path: &Path, id: &str) -> Result<Case, StoreError> {
    let json: String = conn
        .query_row("SELECT case_json FROM cases WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .optional()
        .at(path)?
        .ok_or_else(|| StoreError::NotFound { id: id.to_owned() })?;
    parse_case(path, id, &json)
}

fn insert_check(
    conn: &Connection,
    path: &Path,
    id: &str,
    c: &CheckRecord,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO checks (case_id, at, code, broken_link, summary_json, next_deadline, report_json)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            id,
            time_text(&c.at),
            c.code,
            c.broken_link,
            to_json(&c.summary),
            c.next_deadline.as_ref().map(time_text),
            to_json(&c.report),
        ],
    )
    .at(path)?;
    Ok(())
}

fn insert_message(
    conn: &Connection,
    path: &Path,
    id: &str,
    m: &MessageRecord,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO messages (case_id, at, audience, lang, text, sent_at, kind)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            id,
            time_text(&m.at),
            m.audience.code(),
            m.lang.code(),
            m.text,
            m.sent_at.as_ref().map(time_text),
            m.kind.code(),
        ],
    )
    .at(path)?;
    Ok(())
}

fn load_follow(conn: &Connection, path: &Path, id: &str) -> Result<Follow, StoreError> {
    let (created, enabled, state): (String, Option<i64>, Option<String>) = conn
        .query_row(
            "SELECT c.created_at, f.enabled, f.state_json
             FROM cases c LEFT JOIN follow f ON f.case_id = c.id WHERE c.id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .at(path)?;
    let created = parse_time(path, id, "created_at", &created)?;
    follow_of(path, id, enabled, state, created)
}

/// A case without a follow-up row is followed, counting from when it was
/// written down (whoever wrote it down had just looked at it).
fn follow_of(
    path: &Path,
    id: &str,
    enabled: Option<i64>,
    state: Option<String>,
    created: Moment,
) -> Result<Follow, StoreError> {
    Ok(match (enabled, state) {
        (Some(e), Some(json)) => Follow {
            enabled: e != 0,
            state: parse_json(path, id, "follow-up state", &json)?,
        },
        _ => {
            let mut f = Follow::default();
            f.state.last_run = Some(created);
            f
        }
    })
}

fn load(conn: &Connection, path: &Path, id: &str) -> Result<StoredCase, StoreError> {
    let (created_at, updated_at, case_json): (String, String, String) = conn
        .query_row(
            "SELECT created_at, updated_at, case_json FROM cases WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()
        .at(path)?
        .ok_or_else(|| StoreError::NotFound { id: id.to_owned() })?;

    let mut stmt = conn
        .prepare(
            "SELECT at, code, broken_link, summary_json, next_deadline, report_json
             FROM checks WHERE case_id = ?1 ORDER BY seq",
        )
        .at(path)?;
    let check_rows = stmt
        .query_map([id], |r: &Row<'_>| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, Option<String>>(4)?,
                r.get::<_, String>(5)?,
            ))
        })
        .at(path)?
        .collect::<Result<Vec<_>, _>>()
        .at(path)?;
    let mut checks = Vec::with_capacity(check_rows.len());
    for (at, code, broken_link, summary, next_deadline, report) in check_rows {
        checks.push(CheckRecord {
            at: parse_time(path, id, "a check's time", &at)?,
            code,
            broken_link,
            summary: parse_json(path, id, "check summary", &summary)?,
            next_deadline: parse_opt_time(path, id, "a check's next deadline", next_deadline)?,
            report: parse_json(path, id, "check report", &report)?,
        });
    }

    let mut stmt = conn
        .prepare(
            "SELECT at, audience, lang, text, sent_at, kind FROM messages WHERE case_id = ?1 ORDER BY seq",
        )
        .at(path)?;
    let message_rows = stmt
        .query_map([id], |r: &Row<'_>| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, Option<String>>(4)?,
                r.get::<_, String>(5)?,
            ))
        })
        .at(path)?
        .collect::<Result<Vec<_>, _>>()
        .at(path)?;
    let mut messages = Vec::with_capacity(message_rows.len());
    for (at, audience, lang, text, sent_at, kind) in message_rows {
        let damaged = |problem: String| StoreError::Damaged {
            path: path.to_owned(),
            id: id.to_owned(),
            problem,
        };
        messages.push(MessageRecord {
            at: parse_time(path, id, "a message's time", &at)?,
            audience: Audience::parse(&audience).ok_or_else(|| {
                damaged(format!("a message has the unknown audience {audience:?}"))
            })?,
            lang: Lang::parse(&lang)
                .ok_or_else(|| damaged(format!("a message has the unknown language {lang:?}")))?,
            text,
            sent_at: parse_opt_time(path, id, "a message's sent time", sent_at)?,
            kind: MessageKind::parse(&kind)
                .ok_or_else(|| damaged(format!("a message has the unknown kind {kind:?}")))?,
        });
    }

    Ok(StoredCase {
        id: id.to_owned(),
        created_at: parse_time(path, id, "created_at", &created_at)?,
        updated_at: parse_time(path, id, "updated_at", &updated_at)?,
        case: parse_case(path, id, &case_json)?,
        checks,
        messages,
    })
}

struct SummaryRow {
    id: String,
    preset: String,
    name: Option<String>,
    order_id: String,
    amount: String,
    currency: String,
    created_at: String,
    updated_at: String,
    check_at: Option<String>,
    check_code: Option<String>,
    broken_link: Option<String>,
    next_deadline: Option<String>,
    unread: u32,
}

impl SummaryRow {
    fn summary(self, path: &Path) -> Result<CaseSummary, StoreError> {
        let id = self.id;
        let damaged = |problem: String| StoreError::Damaged {
            path: path.to_owned(),
            id: id.clone(),
            problem,
        };
        let amount = Decimal::from_str(&self.amount)
            .map_err(|e| damaged(format!("its amount {:?} is not a number: {e}", self.amount)))?;
        let currency = Currency::from_str(&self.currency)
            .map_err(|e| damaged(format!("its currency {:?}: expected {e}", self.currency)))?;
        let last_check = match (self.check_at, self.check_code) {
            (Some(at), Some(code)) => Some(CheckSummary {
                at: parse_time(path, &id, "a check's time", &at)?,
                code,
                broken_link: self.broken_link,
            }),
            _ => None,
        };
        let platform = Platform {
            preset: self.preset,
            name: self.name,
        };
        Ok(CaseSummary {
            platform: platform.display(),
            order_id: self.order_id,
            amount: Money::new(amount, currency),
            created_at: parse_time(path, &id, "created_at", &self.created_at)?,
            updated_at: parse_time(path, &id, "updated_at", &self.updated_at)?,
            last_check,
            next_deadline: parse_opt_time(
                path,
                &id,
                "a check's next deadline",
                self.next_deadline,
            )?,
            unread: self.unread,
            id,
        })
    }
}
