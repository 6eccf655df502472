//! Tauri commands: deserialize, call the core, serialize.

use std::sync::atomic::Ordering;

use chrono::Local;
use tauri::{AppHandle, Emitter, Manager, Runtime, State};

use super::AppState;
use crate::api::{self, AppInfo, OpenedCase, PresetView, SavedCase};
use crate::complaint::{self, Complaint};
use crate::domain::case::{Case, RawCase};
use crate::domain::details::MyDetails;
use crate::domain::diagnosis::Audience;
use crate::domain::text::Lang;
use crate::domain::time::{Moment, parse_moment};
use crate::error::{BoundaryError, ErrorCode};
use crate::evidence::{self, EvidenceScan};
use crate::follow::FollowView;
use crate::ids::{self, Candidate};
use crate::records::{CaseSummary, MessageKind, MessageRecord};
use crate::report::CheckReport;
use crate::sources::creds::{Credentials, Keychain};
use crate::sources::http::{Http, Policy};
use crate::sources::secret::Secret;
use crate::sources::{self, settings};
use crate::{batch, check, escalation, export};

type Result<T> = std::result::Result<T, BoundaryError>;

/// A step run off the main thread failed without an answer (it
/// panicked): the app goes on, the window gets an internal error. The
/// panic's message is not passed on (it may quote what was read).
fn joined(_: impl std::fmt::Display) -> BoundaryError {
    BoundaryError::new(
        ErrorCode::Internal,
        "an internal step failed unexpectedly; nothing was changed by it",
    )
}

// Tauri runs a plain `#[tauri::command] fn` on the main thread, where a
// slow disk or a keychain prompt would freeze the window: every command
// that touches the case file or the keychain is `#[tauri::command(async)]`
// (run on the async runtime), and long work goes through `off_main`.

/// Runs `f` with the app's state off the main thread: parsing, files and
/// the case file never hold up the window, and a panic in them is an
/// internal error, not the end of the app.
async fn off_main<R: Runtime, T: Send + 'static>(
    app: &AppHandle<R>,
    f: impl FnOnce(&AppState) -> Result<T> + Send + 'static,
) -> Result<T> {
    let handle = app.clone();
    tauri::async_runtime::spawn_blocking(move || f(&handle.state::<AppState>()))
        .await
        .map_err(joined)?
}

/// The event a check emits for each source's progress.
pub const CHECK_PROGRESS: &str = "check-progress";

/// The event a file scan emits as it reads: `{ done, total }` in bytes.
pub const EVIDENCE_PROGRESS: &str = "evidence-progress";

fn now_or(now: Option<String>, case: Option<&Case>) -> Result<Moment> {
    let zone = case
        .map(|c| c.zone())
        .unwrap_or_else(crate::domain::time::china);
    match now {
        None => Ok(Local::now().with_timezone(&zone)),
        Some(t) => parse_moment(&t, zone, None).ok_or_else(|| {
            BoundaryError::new(ErrorCode::BadArgument, format!("not a time: {t:?}"))
        }),
    }
}

#[tauri::command]
pub fn app_info(state: State<'_, AppState>) -> Result<AppInfo> {
    let store = state.store()?;
    let locale = std::env::var("LC_ALL")
        .ok()
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("LANG").ok())
        .unwrap_or_default();
    Ok(AppInfo {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        data_file: store.path().display().to_string(),
        locale,
    })
}

#[tauri::command]
pub fn presets() -> Vec<PresetView> {
    api::presets()
}

#[tauri::command]
pub fn recognise_id(input: String) -> Vec<Candidate> {
    ids::recognise(&input)
}

/// Validates the intake form as of `now` (default: the clock; times copied
/// as 「昨天 15:15」 are read as of it); the error's `details.fields` name
/// each bad field for inline marks.
#[tauri::command]
pub fn validate_intake(raw: RawCase, now: Option<String>) -> Result<()> {
    let now = now_or(now, None)?;
    raw.validate_at(now)
        .map(|_| ())
        .map_err(BoundaryError::from)
}

/// Validates and stores the case: a new one without `id`, else the edit of
/// the case as the form loaded it at `revision` (what arrived since is
/// kept; see `Store::save_edit`).
#[tauri::command(async)]
pub fn save_case(
    state: State<'_, AppState>,
    raw: RawCase,
    id: Option<String>,
    revision: Option<i64>,
    now: Option<String>,
) -> Result<SavedCase> {
    let now = now_or(now, None)?;
    let case = raw.validate_at(now)?;
    let now = now.with_timezone(&case.zone());
    let mut store = state.store()?;
    match id {
        Some(id) => {
            let revision = revision.ok_or_else(|| {
                BoundaryError::new(
                    ErrorCode::BadArgument,
                    "saving an edit needs the revision the form was loaded from",
                )
            })?;
            Ok(store.save_edit(&id, revision, &case, now)?.into())
        }
        None => Ok(SavedCase {
            id: store.create_case(&case, now)?,
            revision: 0,
            kept: 0,
        }),
    }
}

#[tauri::command(async)]
pub fn list_cases(state: State<'_, AppState>) -> Result<Vec<CaseSummary>> {
    state.store()?.list().map_err(BoundaryError::from)
}

#[tauri::command(async)]
pub fn open_case(state: State<'_, AppState>, id: String) -> Result<OpenedCase> {
    let opened = state.store()?.open_for_edit(&id)?;
    Ok(OpenedCase::new(opened))
}

/// Checks a stored case: asks every source at once (progress as
/// `check-progress` events), keeps the live answers in the case, draws the
/// timeline and records the check.
#[tauri::command]
pub async fn run_check<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    id: String,
    now: Option<String>,
) -> Result<CheckReport> {
    state.cancel.store(false, Ordering::SeqCst);
    let case = state.store()?.get(&id)?.case;
    let now = now_or(now, Some(&case))?;
    let handle = app.clone();
    tauri::async_runtime::spawn_blocking(move || {
        let state = handle.state::<AppState>();
        let progress = |p: &[sources::SourceProgress]| {
            let _ = handle.emit(CHECK_PROGRESS, p);
        };
        let live = check::Configured {
            cancel: &state.cancel,
        };
        let sources = check::Sources::new(&live).progress(&progress);
        check::stored(
            &state.store,
            &id,
            now,
            &sources,
            check::Trigger::Manual,
            crate::follow::Rules::builtin(),
        )
    })
    .await
    .map_err(joined)?
    .map(|c| c.report)
    .map_err(BoundaryError::from)
}

/// A case's follow-up: next automatic check, sources backing off, changes
/// not yet seen.
#[tauri::command(async)]
pub fn follow_status(
    state: State<'_, AppState>,
    id: String,
    now: Option<String>,
) -> Result<FollowView> {
    let store = state.store()?;
    let stored = store.get(&id)?;
    let now = now_or(now, Some(&stored.case))?;
    let f = store.follow(&stored.id)?;
    Ok(crate::follow::view(&stored.case, &f, now))
}

/// Turns automatic re-checks of a case on or off.
#[tauri::command(async)]
pub fn set_following(state: State<'_, AppState>, id: String, enabled: bool) -> Result<FollowView> {
    let mut store = state.store()?;
    let stored = store.get(&id)?;
    let f = store.update_follow(&stored.id, |f| {
        f.enabled = enabled;
        f.clone()
    })?;
    drop(store);
    if enabled {
        state.follow_wake.wake();
    }
    Ok(crate::follow::view(
        &stored.case,
        &f,
        Local::now().fixed_offset(),
    ))
}

/// The user has seen the case's changes.
#[tauri::command(async)]
pub fn mark_seen(state: State<'_, AppState>, id: String) -> Result<()> {
    state
        .store()?
        .update_follow(&id, |f| f.state.unread.clear())
        .map_err(BoundaryError::from)
}

fn autostart<R: Runtime>(
    app: &AppHandle<R>,
) -> Result<tauri::State<'_, tauri_plugin_autostart::AutoLaunchManager>> {
    app.try_state::<tauri_plugin_autostart::AutoLaunchManager>()
        .ok_or_else(|| {
            BoundaryError::new(
                ErrorCode::Internal,
                "starting at login is not available in this build",
            )
        })
}

fn login_item_error(e: impl std::fmt::Display) -> BoundaryError {
    let text = crate::domain::text::Bilingual::new(
        format!("无法修改登录启动项：{e}"),
        format!("Cannot change the login item (the programs the system starts at login): {e}"),
    );
    BoundaryError::new(ErrorCode::Io, text.en.clone())
        .with_details(serde_json::json!({ "text": text }))
}

/// Whether Daozhang starts at login (off until the user turns it on).
#[tauri::command]
pub fn start_at_login<R: Runtime>(app: AppHandle<R>) -> Result<bool> {
    autostart(&app)?.is_enabled().map_err(login_item_error)
}

/// Starts Daozhang at login (minimized), so open cases keep being
/// re-checked; or stops doing so. Resolves to the new setting.
#[tauri::command]
pub fn set_start_at_login<R: Runtime>(app: AppHandle<R>, enabled: bool) -> Result<bool> {
    let m = autostart(&app)?;
    if enabled {
        m.enable().map_err(login_item_error)?;
    } else if m.is_enabled().map_err(login_item_error)? {
        m.disable().map_err(login_item_error)?;
    }
    m.is_enabled().map_err(login_item_error)
}

/// The language the window shows; notifications follow it.
#[tauri::command(async)]
pub fn set_ui_language(state: State<'_, AppState>, lang: Lang) -> Result<()> {
    if let Ok(mut l) = state.lang.lock() {
        *l = lang;
    }
    Ok(())
}

#[tauri::command]
pub fn cancel_check(state: State<'_, AppState>) {
    state.cancel.store(true, Ordering::SeqCst);
}

#[tauri::command(async)]
pub fn complaint(
    state: State<'_, AppState>,
    id: String,
    audience: Audience,
    lang: Lang,
    now: Option<String>,
) -> Result<Complaint> {
    let store = state.store()?;
    let stored = store.get(&id)?;
    let now = now_or(now, Some(&stored.case))?;
    let report = CheckReport::check(&stored.case, Some(stored.id), now);
    let case = stored.case.with_details(&store.my_details()?);
    Ok(complaint::generate(&case, &report.analysis, audience, lang))
}

/// Keeps a message (as edited by the user) in the case's history.
#[tauri::command(async)]
pub fn save_message(
    state: State<'_, AppState>,
    id: String,
    audience: Audience,
    lang: Lang,
    text: String,
    now: Option<String>,
) -> Result<()> {
    let now = now_or(now, None)?;
    let msg = MessageRecord {
        at: now,
        audience,
        lang,
        text,
        sent_at: None,
        kind: MessageKind::Complaint,
    };
    state
        .store()?
        .record_message(&id, &msg)
        .map_err(BoundaryError::from)
}

#[tauri::command]
pub async fn export_case<R: Runtime>(app: AppHandle<R>, id: String) -> Result<String> {
    off_main(&app, move |state| Ok(state.store()?.export(&id)?.to_json())).await
}

/// The escalation ladder of a case, with its correspondence.
#[tauri::command(async)]
pub fn case_ladder(
    state: State<'_, AppState>,
    id: String,
    now: Option<String>,
) -> Result<escalation::LadderView> {
    let stored = state.store()?.get(&id)?;
    let now = now_or(now, Some(&stored.case))?;
    Ok(escalation::view(&stored, now))
}

/// The complaint to `audience` went out on `at` (default: now); written in
/// `lang` first when none was saved.
#[tauri::command(async)]
pub fn mark_sent(
    state: State<'_, AppState>,
    id: String,
    audience: Audience,
    at: Option<String>,
    lang: Lang,
    now: Option<String>,
) -> Result<escalation::LadderView> {
    let mut store = state.store()?;
    let now = now_or(now, None)?;
    escalation::mark_sent(&mut store, &id, audience, at.as_deref(), lang, now).map(|(_, v)| v)
}

/// Keeps the answer `audience` gave on `at` (default: now), with the
/// ticket number and the day it promised when it gave them.
#[tauri::command(async)]
#[allow(clippy::too_many_arguments)]
pub fn record_reply(
    state: State<'_, AppState>,
    id: String,
    audience: Audience,
    at: Option<String>,
    text: String,
    ticket: Option<String>,
    promised_by: Option<String>,
    now: Option<String>,
) -> Result<escalation::LadderView> {
    let mut store = state.store()?;
    let now = now_or(now, None)?;
    let reply = escalation::Reply {
        text,
        ticket,
        promised_by,
    };
    escalation::record_reply(&mut store, &id, audience, at.as_deref(), &reply, now)
}

/// Closes the rung of `audience`, with the user's note.
#[tauri::command(async)]
pub fn close_rung(
    state: State<'_, AppState>,
    id: String,
    audience: Audience,
    at: Option<String>,
    note: String,
    now: Option<String>,
) -> Result<escalation::LadderView> {
    let mut store = state.store()?;
    let now = now_or(now, None)?;
    escalation::close_rung(&mut store, &id, audience, at.as_deref(), &note, now)
}

fn snapshot_text(
    state: &AppState,
    id: &str,
    lang: Lang,
    now: Option<String>,
    render: fn(&export::Snapshot, Lang) -> String,
) -> Result<String> {
    let stored = state.store()?.get(id)?;
    let now = now_or(now, Some(&stored.case))?;
    Ok(render(&export::Snapshot::new(&stored, now), lang))
}

/// Writes the case file as Markdown where the user chose in the save
/// dialog (`choose_save_file`), the files kept with the case copied into
/// `<name>.files/` beside it and linked from the page; returns their names.
#[tauri::command]
pub async fn export_markdown<R: Runtime>(
    app: AppHandle<R>,
    id: String,
    lang: Lang,
    path: String,
    now: Option<String>,
) -> Result<Vec<String>> {
    off_main(&app, move |state| {
        let to = state.grants.write(&path)?;
        let store = state.store()?;
        let stored = store.get(&id)?;
        let now = now_or(now, Some(&stored.case))?;
        escalation::write_markdown(&store, &stored, now, lang, &to)
    })
    .await
}

/// The case's deadlines as an .ics calendar, to save with the dialog.
#[tauri::command]
pub async fn export_ics<R: Runtime>(
    app: AppHandle<R>,
    id: String,
    lang: Lang,
    now: Option<String>,
) -> Result<String> {
    off_main(&app, move |state| {
        snapshot_text(state, &id, lang, now, export::ics)
    })
    .await
}

/// Writes a complaint or an export where the user chose in the save
/// dialog (`choose_save_file`); nowhere else.
#[tauri::command]
pub async fn write_text_file<R: Runtime>(
    app: AppHandle<R>,
    path: String,
    contents: String,
) -> Result<()> {
    off_main(&app, move |state| {
        let to = state.grants.write(&path)?;
        std::fs::write(&to, contents).map_err(|e| write_error(&path, e))
    })
    .await
}

fn write_error(path: &str, e: std::io::Error) -> BoundaryError {
    let text = crate::domain::text::Bilingual::new(
        format!("无法写入 {path}：{e}"),
        format!("cannot write {path}: {e}"),
    );
    BoundaryError::new(ErrorCode::Io, text.en.clone())
        .with_details(serde_json::json!({ "text": text }))
}

/// Which files an open dialog offers.
#[derive(Debug, Clone, Copy, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OpenKind {
    /// A bill export or a text file of SMS.
    Evidence,
    /// A CSV of orders for a batch check.
    Orders,
    /// Phone screenshots, to draft a case from.
    Screenshots,
}

impl OpenKind {
    fn extensions(self) -> Vec<String> {
        let exts: &[&str] = match self {
            OpenKind::Evidence => &[
                "csv", "xlsx", "zip", "txt", "png", "jpg", "jpeg", "webp", "CSV", "XLSX", "ZIP",
                "TXT", "PNG", "JPG", "JPEG", "WEBP",
            ],
            OpenKind::Orders => &["csv", "CSV", "txt", "TXT"],
            OpenKind::Screenshots => &["png", "jpg", "jpeg", "webp", "PNG", "JPG", "JPEG", "WEBP"],
        };
        exts.iter().map(|e| (*e).to_owned()).collect()
    }
}

fn dialogs(state: &AppState) -> Result<std::sync::Arc<dyn super::files::Dialogs>> {
    state
        .dialogs
        .get()
        .cloned()
        .ok_or_else(|| BoundaryError::new(ErrorCode::Internal, "file dialogs are not available"))
}

/// Opens the open dialog (off the main thread); the chosen file may then
/// be read. `None` when the user cancels.
#[tauri::command]
pub async fn choose_open_file<R: Runtime>(
    app: AppHandle<R>,
    kind: OpenKind,
    filter_name: String,
) -> Result<Option<String>> {
    off_main(&app, move |state| {
        let ask = super::files::Ask {
            filters: vec![super::files::Filter {
                name: filter_name,
                extensions: kind.extensions(),
            }],
            file_name: None,
        };
        let path = dialogs(state)?.open(&ask);
        Ok(path.map(|p| {
            state.grants.allow_read(&p);
            p.display().to_string()
        }))
    })
    .await
}

/// Opens the open dialog for several files (off the main thread); the
/// chosen files may then be read. Empty when the user cancels.
#[tauri::command]
pub async fn choose_open_files<R: Runtime>(
    app: AppHandle<R>,
    kind: OpenKind,
    filter_name: String,
) -> Result<Vec<String>> {
    off_main(&app, move |state| {
        let ask = super::files::Ask {
            filters: vec![super::files::Filter {
                name: filter_name,
                extensions: kind.extensions(),
            }],
            file_name: None,
        };
        let paths = dialogs(state)?.open_many(&ask);
        Ok(paths
            .into_iter()
            .map(|p| {
                state.grants.allow_read(&p);
                p.display().to_string()
            })
            .collect())
    })
    .await
}

/// Opens the save dialog (off the main thread); the chosen place may then
/// be written once. `None` when the user cancels.
#[tauri::command]
pub async fn choose_save_file<R: Runtime>(
    app: AppHandle<R>,
    default_name: String,
    filters: Vec<super::files::Filter>,
) -> Result<Option<String>> {
    off_main(&app, move |state| {
        let ask = super::files::Ask {
            filters,
            file_name: Some(default_name),
        };
        let path = dialogs(state)?.save(&ask);
        Ok(path.map(|p| {
            state.grants.allow_write(&p);
            p.display().to_string()
        }))
    })
    .await
}

/// Shows a file the app wrote this session (a saved complaint, export or
/// batch report) in the file manager; no other file.
#[tauri::command]
pub async fn reveal_file<R: Runtime>(app: AppHandle<R>, path: String) -> Result<()> {
    let handle = app.clone();
    off_main(&app, move |state| {
        let p = state.grants.own(&path)?;
        use tauri_plugin_opener::OpenerExt;
        handle
            .opener()
            .reveal_item_in_dir(p)
            .map_err(|e| BoundaryError::new(ErrorCode::Io, format!("cannot show the file: {e}")))
    })
    .await
}

/// The `mailto:` link of a complaint: no address (the user picks it), the
/// subject and the text percent-encoded, so nothing in them can add a
/// header such as `attach=`.
pub fn mailto(subject: &str, body: &str) -> String {
    use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
    format!(
        "mailto:?subject={}&body={}",
        utf8_percent_encode(subject, NON_ALPHANUMERIC),
        utf8_percent_encode(body, NON_ALPHANUMERIC)
    )
}

/// The user's details ("my details"), filled into every complaint.
#[tauri::command(async)]
pub fn my_details(state: State<'_, AppState>) -> Result<MyDetails> {
    Ok(state.store()?.my_details()?)
}

/// Replaces the user's details; every field is checked first and nothing is
/// saved if one is wrong (`invalid_case` with the fields).
#[tauri::command(async)]
pub fn save_my_details(state: State<'_, AppState>, details: MyDetails) -> Result<MyDetails> {
    let details = details
        .validated()
        .map_err(BoundaryError::invalid_details)?;
    state
        .store()?
        .save_my_details(&details, Local::now().fixed_offset())?;
    Ok(details)
}

/// Opens the mail app with the complaint of `id` to `audience` in `lang`:
/// the user's edited `subject` and `text` when given, else the generated
/// ones. The link is built here, never by the page.
#[tauri::command]
#[allow(clippy::too_many_arguments)]
pub async fn open_mail<R: Runtime>(
    app: AppHandle<R>,
    id: String,
    audience: Audience,
    lang: Lang,
    subject: Option<String>,
    text: Option<String>,
    now: Option<String>,
) -> Result<()> {
    let handle = app.clone();
    off_main(&app, move |state| {
        let store = state.store()?;
        let stored = store.get(&id)?;
        let now = now_or(now, Some(&stored.case))?;
        let report = CheckReport::check(&stored.case, Some(stored.id), now);
        let case = stored.case.with_details(&store.my_details()?);
        let c = complaint::generate(&case, &report.analysis, audience, lang);
        let subject = subject.or(c.subject).unwrap_or_default();
        let body = text.unwrap_or(c.text);
        use tauri_plugin_opener::OpenerExt;
        handle
            .opener()
            .open_url(mailto(&subject, &body), None::<&str>)
            .map_err(|e| {
                BoundaryError::new(ErrorCode::Io, format!("cannot open the mail app: {e}"))
            })
    })
    .await
}

/// Keeps `scan` as the case's pending scan and returns it.
fn pending(state: &AppState, id: &str, scan: EvidenceScan) -> Result<EvidenceScan> {
    let mut scans = state.scans.lock().map_err(|_| {
        BoundaryError::new(ErrorCode::Internal, "the evidence scans are unavailable")
    })?;
    scans.insert(id.to_owned(), scan.clone());
    Ok(scan)
}

/// Reads a bill export (or a text file of SMS, or a bill zip opened with
/// `password`) against the case, off the main thread, with
/// `evidence-progress` events; `cancel_evidence` stops it. A locked zip
/// without a password, or with a wrong one, is the `password` error.
#[tauri::command]
pub async fn scan_evidence_file<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    id: String,
    path: String,
    password: Option<String>,
) -> Result<EvidenceScan> {
    let path = state.grants.read(&path)?;
    let password = password.and_then(evidence::Password::new);
    let stored = state.store()?.get(&id)?;
    state.cancel_evidence.store(false, Ordering::SeqCst);
    let handle = app.clone();
    let scan = tauri::async_runtime::spawn_blocking(move || {
        let state = handle.state::<AppState>();
        let mut progress = |done: u64, total: u64| {
            let _ = handle.emit(
                EVIDENCE_PROGRESS,
                serde_json::json!({ "done": done, "total": total }),
            );
            !state.cancel_evidence.load(Ordering::SeqCst)
        };
        evidence::scan_locked_file(&path, password.as_ref(), &stored.case, &mut progress)
    })
    .await
    .map_err(joined)??;
    pending(&state, &stored.id, scan)
}

/// Drafts a case from screenshots the user chose or dropped (the payment
/// app's 账单详情, the order page, the bank's SMS thread), read on this
/// computer; progress as the evidence's, cancelled by `cancel_evidence`.
/// The intake form is filled from the draft; nothing is stored.
#[tauri::command]
pub async fn draft_case<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    paths: Vec<String>,
) -> Result<evidence::draft::Draft> {
    if paths.is_empty() || paths.len() > MAX_DRAFT_SHOTS {
        return Err(BoundaryError::new(
            ErrorCode::BadArgument,
            format!("a case is drafted from 1 to {MAX_DRAFT_SHOTS} screenshots"),
        ));
    }
    let paths: Vec<std::path::PathBuf> = paths
        .iter()
        .map(|p| state.grants.read(p))
        .collect::<Result<_>>()?;
    state.cancel_evidence.store(false, Ordering::SeqCst);
    let handle = app.clone();
    tauri::async_runtime::spawn_blocking(move || {
        let state = handle.state::<AppState>();
        let mut progress = |done: u64, total: u64| {
            let _ = handle.emit(
                EVIDENCE_PROGRESS,
                serde_json::json!({ "done": done, "total": total }),
            );
            !state.cancel_evidence.load(Ordering::SeqCst)
        };
        let mut files = Vec::with_capacity(paths.len());
        for p in &paths {
            files.push(evidence::draft::read_shot(p).map_err(|e| named(p, e))?);
        }
        let names: Vec<String> = paths
            .iter()
            .map(|p| {
                p.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_else(|| p.display().to_string())
            })
            .collect();
        let shots: Vec<evidence::draft::Shot<'_>> = names
            .iter()
            .zip(&files)
            .map(|(name, bytes)| evidence::draft::Shot { name, bytes })
            .collect();
        let zone = crate::domain::time::china();
        let today = chrono::Utc::now().with_timezone(&zone).date_naive();
        evidence::draft::draft(
            &shots,
            &evidence::screen::Tesseract::default(),
            zone,
            today,
            &mut progress,
        )
        .map_err(BoundaryError::from)
    })
    .await
    .map_err(joined)?
}

/// Keeps files the user chose or dropped (the screenshots the form was
/// filled from) with the stored case, in its own folder beside the case
/// file; returns the names they are kept under.
#[tauri::command(async)]
pub fn keep_attachments(
    state: State<'_, AppState>,
    id: String,
    paths: Vec<String>,
) -> Result<Vec<String>> {
    let paths: Vec<std::path::PathBuf> = paths
        .iter()
        .map(|p| state.grants.read(p))
        .collect::<Result<_>>()?;
    Ok(state.store()?.keep_files(&id, &paths)?)
}

/// At most this many screenshots make one draft.
const MAX_DRAFT_SHOTS: usize = 8;

/// An evidence error of one of several files, prefixed by its name.
fn named(path: &std::path::Path, e: evidence::EvidenceError) -> BoundaryError {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let text = e.text();
    let text = crate::domain::text::Bilingual::new(
        format!("{name}：{}", text.zh_cn),
        format!("{name}: {}", text.en),
    );
    BoundaryError::from(e).with_details(serde_json::json!({ "text": text }))
}

/// Reads pasted text (bank SMS or a receipt) against the case.
#[tauri::command]
pub async fn scan_evidence_text<R: Runtime>(
    app: AppHandle<R>,
    id: String,
    text: String,
) -> Result<EvidenceScan> {
    off_main(&app, move |state| {
        let stored = state.store()?.get(&id)?;
        let scan = evidence::scan_text(&text, &stored.case)?;
        pending(state, &stored.id, scan)
    })
    .await
}

#[tauri::command]
pub fn cancel_evidence(state: State<'_, AppState>) {
    state.cancel_evidence.store(true, Ordering::SeqCst);
}

/// Keeps the direct matches and the picked candidates of the case's
/// pending scan; returns how many observations were added.
#[tauri::command(async)]
pub fn accept_evidence(
    state: State<'_, AppState>,
    id: String,
    picks: Vec<usize>,
    now: Option<String>,
) -> Result<usize> {
    let stored = state.store()?.get(&id)?;
    let now = now_or(now, Some(&stored.case))?;
    let scan = state
        .scans
        .lock()
        .map_err(|_| BoundaryError::new(ErrorCode::Internal, "the evidence scans are unavailable"))?
        .get(&stored.id)
        .cloned()
        .ok_or_else(|| {
            BoundaryError::new(ErrorCode::NotFound, "no evidence was read for this case")
        })?;
    let obs = scan
        .accepted(&picks)
        .map_err(|i| BoundaryError::new(ErrorCode::BadArgument, format!("no candidate {i}")))?;
    let added = state.store()?.add_observations(&stored.id, &obs, now)?;
    if let Ok(mut scans) = state.scans.lock() {
        scans.remove(&stored.id);
    }
    Ok(added)
}

fn provider(id: &str) -> Result<&'static dyn sources::Provider> {
    sources::provider(id).ok_or_else(|| {
        BoundaryError::new(
            ErrorCode::BadArgument,
            format!(
                "unknown source {id:?}; expected one of {}",
                sources::provider_ids()
            ),
        )
    })
}

/// Every live source's settings form and state (no secret values).
#[tauri::command(async)]
pub fn list_sources() -> Vec<settings::SourceSettings> {
    settings::all(&Keychain::new())
}

/// Saves a source's form to the keychain; an empty secret keeps the saved one.
#[tauri::command(async)]
pub fn save_credentials(
    source: String,
    values: std::collections::BTreeMap<String, String>,
) -> Result<settings::SourceSettings> {
    let p = provider(&source)?;
    let mut form = Credentials::new();
    for (k, v) in values {
        if !p.fields().iter().any(|f| f.key == k) {
            return Err(BoundaryError::new(
                ErrorCode::BadArgument,
                format!("{source} has no field {k:?}"),
            ));
        }
        form.set(&k, Secret::new(v));
    }
    settings::save(p, &Keychain::new(), form).map_err(BoundaryError::from)
}

#[tauri::command(async)]
pub fn delete_credentials(source: String) -> Result<settings::SourceSettings> {
    let p = provider(&source)?;
    let store = Keychain::new();
    sources::creds::CredStore::delete(&store, p.id())?;
    Ok(settings::view(p, &store))
}

/// Asks the source a harmless question with the saved settings.
#[tauri::command]
pub async fn test_connection(source: String) -> Result<crate::domain::text::Bilingual> {
    let p = provider(&source)?;
    tauri::async_runtime::spawn_blocking(move || {
        let http = Http::new(Policy::from_env())?;
        settings::test(p, &Keychain::new(), &http, Local::now().fixed_offset())
    })
    .await
    .map_err(joined)?
    .map_err(BoundaryError::from)
}

/// The event a batch run emits as rows finish: a `BatchProgress`.
pub const BATCH_PROGRESS: &str = "batch-progress";

/// Progress events at most this often (a file of many rows checked
/// offline finishes thousands a second); the first and last always go.
const BATCH_PROGRESS_EVERY: std::time::Duration = std::time::Duration::from_millis(50);

/// A batch error for the window: the same `{ code, message, details.text }`
/// as the CLI's, except that an existing report is put in the window's
/// words (the CLI's names its `--resume` flag).
fn batch_error(e: batch::BatchError) -> BoundaryError {
    match &e {
        batch::BatchError::ReportExists(path) => {
            let text = crate::domain::text::Bilingual::new(
                format!(
                    "报告 {path} 已存在：可以接着它继续检查（已有的订单不再查询），或另选一个文件"
                ),
                format!(
                    "the report {path} exists already: continue it (orders already in it are not asked again), or choose another file"
                ),
            );
            BoundaryError::new(ErrorCode::Exists, text.en.clone())
                .with_details(serde_json::json!({ "text": text, "path": path }))
        }
        _ => BoundaryError::from(e),
    }
}

/// Reads an orders file and says what it holds: how many orders, the
/// columns read, each bad row and why. Nothing is checked.
#[tauri::command]
pub async fn batch_preview(state: State<'_, AppState>, path: String) -> Result<batch::Preview> {
    let path = state.grants.read(&path)?;
    tauri::async_runtime::spawn_blocking(move || batch::import::read(&path).map(|o| o.preview()))
        .await
        .map_err(joined)?
        .map_err(batch_error)
}

/// Checks every order of `path` into the report at `report`, off the main
/// thread, with `batch-progress` events; `batch_cancel` stops it (the
/// report keeps the finished rows). With `resume` the rows already in the
/// report are not asked again. `offline` diagnoses from the file alone;
/// `now` evaluates every order as of that time (default: when checked).
#[tauri::command]
#[allow(clippy::too_many_arguments)]
pub async fn batch_run<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    path: String,
    report: String,
    concurrency: usize,
    resume: bool,
    offline: Option<bool>,
    now: Option<String>,
) -> Result<batch::RunView> {
    if !(1..=256).contains(&concurrency) {
        return Err(BoundaryError::new(
            ErrorCode::BadArgument,
            format!("concurrency {concurrency}: expected 1 to 256"),
        ));
    }
    let now = match now {
        Some(t) => Some(now_or(Some(t), None)?),
        None => None,
    };
    let path = state.grants.read(&path)?;
    let report = state.grants.write(&report)?;
    let opts = batch::Options {
        concurrency,
        offline: offline.unwrap_or(false),
        resume,
        now,
        ..batch::Options::default()
    };
    state.cancel_batch.store(false, Ordering::SeqCst);
    let handle = app.clone();
    tauri::async_runtime::spawn_blocking(move || {
        let state = handle.state::<AppState>();
        let last = std::sync::Mutex::new(None::<std::time::Instant>);
        let progress = |p: &batch::Progress| {
            let mut last = last.lock().unwrap_or_else(|e| e.into_inner());
            let due = last.is_none_or(|t| t.elapsed() >= BATCH_PROGRESS_EVERY);
            if due || p.done == p.total {
                *last = Some(std::time::Instant::now());
                let _ = handle.emit(BATCH_PROGRESS, p);
            }
        };
        let summary = batch::run_file(&path, &report, &opts, &state.cancel_batch, &progress)?;
        batch::RunView::read(summary, &report)
    })
    .await
    .map_err(joined)?
    .map_err(batch_error)
}

/// Stops the batch run soon; the rows finished so far stay in its report.
#[tauri::command]
pub fn batch_cancel(state: State<'_, AppState>) {
    state.cancel_batch.store(true, Ordering::SeqCst);
}

/// Copies a batch report where the user chose in the save dialog. Only a
/// Daozhang report is copied.
#[tauri::command]
pub async fn batch_save_report(state: State<'_, AppState>, from: String, to: String) -> Result<()> {
    let src = state.grants.own(&from)?;
    state.grants.write(&to)?;
    tauri::async_runtime::spawn_blocking(move || {
        // Compares the files, not their names, and writes through a
        // temporary file: a report copied onto itself stays whole.
        batch::report::save_copy(src.as_path(), std::path::Path::new(&to)).map_err(batch_error)
    })
    .await
    .map_err(joined)?
}

#[cfg(all(test, feature = "ipc-tests"))]
mod tests {
    use super::*;

    /// A parser that panics must not take the app down: off the main
    /// thread the panic is an internal error (without its message, which
    /// may quote what was read), and the next command runs.
    #[test]
    fn a_panic_off_the_main_thread_is_an_internal_error_and_the_app_goes_on() {
        let dir = tempfile::tempdir().unwrap();
        let app = tauri::test::mock_app();
        let store = crate::store::Store::open(&dir.path().join("cases.sqlite3")).unwrap();
        app.manage(AppState::new(store));
        let failed = tauri::async_runtime::block_on(off_main(app.handle(), |_| -> Result<()> {
            panic!("a line of the bill: 6222 0000 1111 2222")
        }))
        .unwrap_err();
        assert_eq!(failed.code, ErrorCode::Internal);
        assert!(!failed.message.contains("6222"), "{}", failed.message);
        let next = tauri::async_runtime::block_on(off_main(app.handle(), |s| {
            Ok(s.store()?.list()?.len())
        }));
        assert_eq!(next, Ok(0), "the state is usable after the panic");
    }
}
