//! The desktop app's re-check loop: rounds of [`crate::check::rounds`]
//! while the app is open (the first right after start, so checks missed
//! while it was closed run then), a desktop notification for every case
//! that changed, and events for the open window.

use std::sync::{Condvar, Mutex};
use std::time::Duration;

use tauri::{AppHandle, Emitter, Manager, Runtime};

use super::AppState;
use crate::check::Configured;
use crate::check::rounds::{self, Looked, SystemClock};
use crate::domain::text::Lang;
use crate::follow::Rules;

/// Emitted with a [`Looked`] after every automatic look at a case.
pub const CASE_LOOKED: &str = "case-looked";
/// Emitted with a case id when the user clicks a notification.
pub const OPEN_CASE: &str = "open-case";

/// The longest the loop sleeps: after a sleep/resume or a clock change it
/// looks at the plan again within this time.
const MAX_NAP: Duration = Duration::from_secs(60);
/// The shortest: rounds never follow each other faster than this.
const MIN_NAP: Duration = Duration::from_secs(5);
/// The first round, shortly after start.
const FIRST_NAP: Duration = Duration::from_secs(2);

/// Wakes the loop before its nap is over (a case was saved or switched on).
#[derive(Default)]
pub struct Wake {
    woken: Mutex<bool>,
    cv: Condvar,
}

impl Wake {
    pub fn wake(&self) {
        if let Ok(mut w) = self.woken.lock() {
            *w = true;
            self.cv.notify_all();
        }
    }

    fn nap(&self, d: Duration) {
        let Ok(guard) = self.woken.lock() else {
            std::thread::sleep(d);
            return;
        };
        if let Ok((mut w, _)) = self.cv.wait_timeout_while(guard, d, |w| !*w) {
            *w = false;
        }
    }
}

/// Starts the loop on its own thread.
pub fn start<R: Runtime>(app: AppHandle<R>) {
    let spawned = std::thread::Builder::new()
        .name("daozhang-follow".into())
        .spawn(move || run(app));
    if let Err(e) = spawned {
        tracing::error!("cannot start the re-check loop: {e}");
    }
}

fn run<R: Runtime>(app: AppHandle<R>) {
    let state = app.state::<AppState>();
    let mut nap = FIRST_NAP;
    loop {
        state.follow_wake.nap(nap);
        let live = Configured {
            cancel: &state.follow_cancel,
        };
        nap = match rounds::round(&state.store, &SystemClock, &live, Rules::builtin()) {
            Ok(round) => {
                for looked in &round.looked {
                    let _ = app.emit(CASE_LOOKED, looked);
                    if !looked.changes.is_empty() {
                        notify(&app, looked, state.lang());
                    }
                }
                if round.deferred > 0 {
                    MIN_NAP
                } else {
                    round
                        .next_due
                        .and_then(|d| (d - chrono::Local::now().fixed_offset()).to_std().ok())
                        .unwrap_or(MAX_NAP)
                        .clamp(MIN_NAP, MAX_NAP)
                }
            }
            Err(e) => {
                tracing::warn!("a round of re-checks failed: {e}");
                MAX_NAP
            }
        }
    }
}

/// The notification for one case's changes.
pub fn message(l: &Looked, lang: Lang) -> (String, String) {
    let title = format!(
        "{} {} · {}",
        l.platform.get(lang),
        l.amount.display(),
        l.order_id
    );
    let mut body: Vec<String> = l
        .changes
        .iter()
        .map(|c| c.text.get(lang).to_owned())
        .collect();
    body.push(
        match lang {
            Lang::ZhCn => "点击打开这个案件",
            Lang::En => "Click to open the case",
        }
        .to_owned(),
    );
    (title, body.join("\n"))
}

/// Shows a desktop notification. On Linux (freedesktop notifications) a
/// click opens the case: the notification declares the `default` action
/// and a thread waits for it. Elsewhere Tauri's notification plugin shows
/// it; a click brings the app forward as the system does.
fn notify<R: Runtime>(app: &AppHandle<R>, l: &Looked, lang: Lang) {
    let (title, body) = message(l, lang);
    #[cfg(target_os = "linux")]
    {
        let app = app.clone();
        let id = l.id.clone();
        std::thread::spawn(move || {
            let shown = notify_rust::Notification::new()
                .appname("Daozhang")
                .summary(&title)
                .body(&body)
                .auto_icon()
                .action("default", "Open")
                .show();
            match shown {
                Ok(handle) => handle.wait_for_action(|action| {
                    if action == "default" {
                        open_case(&app, &id);
                    }
                }),
                Err(e) => tracing::warn!("cannot show a notification: {e}"),
            }
        });
    }
    #[cfg(not(target_os = "linux"))]
    {
        use tauri_plugin_notification::NotificationExt;
        if let Err(e) = app.notification().builder().title(title).body(body).show() {
            tracing::warn!("cannot show a notification: {e}");
        }
    }
}

fn open_case<R: Runtime>(app: &AppHandle<R>, id: &str) {
    if let Some(w) = app.get_webview_window("main") {
        let _ = w.unminimize();
        let _ = w.show();
        let _ = w.set_focus();
    }
    let _ = app.emit(OPEN_CASE, id);
}
