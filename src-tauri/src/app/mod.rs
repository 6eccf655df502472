//! The Tauri layer: state, commands and events. Commands are one-liners over
//! the core; errors cross as `{ code, message, details? }`.

pub mod commands;
pub mod files;
pub mod follow;

use std::collections::HashMap;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, OnceLock};

use tauri::{Manager, Runtime};

use crate::domain::text::Lang;
use crate::error::{BoundaryError, ErrorCode};
use crate::evidence::EvidenceScan;
use crate::store::Store;

/// What the commands share.
pub struct AppState {
    pub store: Mutex<Store>,
    /// Set by `cancel_check`; each source checks it before it starts.
    pub cancel: AtomicBool,
    /// The last evidence scan of each case, until its rows are accepted or
    /// it is replaced. Held in memory only: the rest of a bill is never kept.
    pub scans: Mutex<HashMap<String, EvidenceScan>>,
    /// Set by `cancel_evidence`; the file reader checks it as it goes.
    pub cancel_evidence: AtomicBool,
    /// Wakes the re-check loop early.
    pub follow_wake: follow::Wake,
    /// Never set while the app runs: the re-check loop's sources finish
    /// what they started.
    pub follow_cancel: AtomicBool,
    /// The language the window shows, for notifications.
    pub lang: Mutex<Lang>,
    /// Set by `batch_cancel`; the batch runner checks it between rows and
    /// each source before it starts.
    pub cancel_batch: AtomicBool,
    /// The files the window may have read or written (see `files`).
    pub grants: files::Grants,
    /// The file dialogs: the native ones, set when the app starts.
    pub dialogs: OnceLock<Arc<dyn files::Dialogs>>,
}

impl AppState {
    pub fn new(store: Store) -> Self {
        AppState {
            store: Mutex::new(store),
            cancel: AtomicBool::new(false),
            scans: Mutex::new(HashMap::new()),
            cancel_evidence: AtomicBool::new(false),
            follow_wake: follow::Wake::default(),
            follow_cancel: AtomicBool::new(false),
            lang: Mutex::new(system_lang()),
            cancel_batch: AtomicBool::new(false),
            grants: files::Grants::default(),
            dialogs: OnceLock::new(),
        }
    }

    /// Uses `dialogs` instead of the native ones (the command tests).
    pub fn with_dialogs(self, dialogs: Arc<dyn files::Dialogs>) -> Self {
        let _ = self.dialogs.set(dialogs);
        self
    }

    pub fn lang(&self) -> Lang {
        self.lang.lock().map(|l| *l).unwrap_or(Lang::En)
    }

    pub fn store(&self) -> Result<std::sync::MutexGuard<'_, Store>, BoundaryError> {
        self.store.lock().map_err(|_| {
            BoundaryError::new(
                ErrorCode::Internal,
                "the case file is unavailable after an earlier failure; restart the app",
            )
        })
    }
}

/// The argument the login item starts Daozhang with.
pub const AT_LOGIN: &str = "--at-login";

/// The system's language until the window says which it shows.
fn system_lang() -> Lang {
    let lang = ["LC_ALL", "LC_MESSAGES", "LANG"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
        .unwrap_or_default();
    if lang.starts_with("zh") {
        Lang::ZhCn
    } else {
        Lang::En
    }
}

/// Registers the plugins, the state and every command on `builder`. Used
/// by the app and by the command tests (with Tauri's mock runtime).
pub fn setup<R: Runtime>(builder: tauri::Builder<R>, state: AppState) -> tauri::Builder<R> {
    builder
        .manage(state)
        // A file dropped on the window may be read: the drop comes from
        // the system, not from the page.
        .on_window_event(|window, event| {
            if let tauri::WindowEvent::DragDrop(tauri::DragDropEvent::Drop { paths, .. }) = event {
                let state = window.state::<AppState>();
                for p in paths {
                    state.grants.allow_read(p);
                }
            }
        })
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::presets,
            commands::recognise_id,
            commands::validate_intake,
            commands::save_case,
            commands::list_cases,
            commands::open_case,
            commands::run_check,
            commands::cancel_check,
            commands::complaint,
            commands::save_message,
            commands::export_case,
            commands::write_text_file,
            commands::case_ladder,
            commands::mark_sent,
            commands::record_reply,
            commands::close_rung,
            commands::export_markdown,
            commands::export_ics,
            commands::scan_evidence_file,
            commands::scan_evidence_text,
            commands::cancel_evidence,
            commands::accept_evidence,
            commands::list_sources,
            commands::save_credentials,
            commands::delete_credentials,
            commands::test_connection,
            commands::follow_status,
            commands::set_following,
            commands::mark_seen,
            commands::set_ui_language,
            commands::start_at_login,
            commands::set_start_at_login,
            commands::batch_preview,
            commands::batch_run,
            commands::batch_cancel,
            commands::batch_save_report,
            commands::choose_open_file,
            commands::choose_open_files,
            commands::draft_case,
            commands::keep_attachments,
            commands::choose_save_file,
            commands::reveal_file,
            commands::open_mail,
            commands::my_details,
            commands::save_my_details,
        ])
}

/// The native dialogs; in a `test-dialogs` build (the e2e test's, never a
/// release bundle) the scripted answers when `DAOZHANG_TEST_DIALOGS` names
/// a file.
fn dialogs(app: &tauri::AppHandle) -> Arc<dyn files::Dialogs> {
    #[cfg(feature = "test-dialogs")]
    if let Some(file) = std::env::var_os(files::Scripted::VAR) {
        return Arc::new(files::Scripted(file.into()));
    }
    Arc::new(files::Native(app.clone()))
}

/// Starts the desktop app.
pub fn run() {
    // SAFETY: first thing the app does, before any thread is started.
    unsafe { crate::sources::capture_credential_env() };
    // Some Linux GPU drivers show a blank window with WebKit's DMABUF
    // renderer; the user's own setting wins.
    if std::env::var_os("WEBKIT_DISABLE_DMABUF_RENDERER").is_none() {
        // SAFETY: set before any thread is started.
        unsafe { std::env::set_var("WEBKIT_DISABLE_DMABUF_RENDERER", "1") };
    }
    let store = match Store::open_default() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("Daozhang cannot open its case file: {e}");
            std::process::exit(1);
        }
    };
    let builder = tauri::Builder::default()
        .plugin(tauri_plugin_clipboard_manager::init())
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_notification::init())
        .plugin(
            tauri_plugin_autostart::Builder::new()
                .args([AT_LOGIN])
                .build(),
        );
    let app = setup(builder, AppState::new(store))
        .setup(|app| {
            let _ = app.state::<AppState>().dialogs.set(dialogs(app.handle()));
            // The window is created hidden (no white flash); the front end
            // shows it after its first paint. If that never happens, show
            // it anyway so the user is not left with nothing.
            follow::start(app.handle().clone());
            let handle = app.handle().clone();
            let at_login = std::env::args().any(|a| a == AT_LOGIN);
            std::thread::spawn(move || {
                std::thread::sleep(std::time::Duration::from_secs(4));
                if let Some(w) = handle.get_webview_window("main") {
                    let _ = w.show();
                    // Started at login to keep re-checking: out of the
                    // way, in the taskbar, until the user wants it.
                    if at_login {
                        let _ = w.minimize();
                    }
                }
            });
            Ok(())
        })
        .build(tauri::generate_context!());
    match app {
        Ok(app) => app.run(|_, _| {}),
        Err(e) => {
            eprintln!("Daozhang could not start its window: {e}");
            std::process::exit(1);
        }
    }
}
