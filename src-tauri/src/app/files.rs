//! Which files the window may have read or written: only those the user
//! chose in one of the app's own dialogs (opened here, in Rust) or dropped
//! on the window, and the files the app itself wrote this session. The
//! page names a path only by sending back one of these; any other path is
//! refused with `not_chosen` before anything is opened.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::Deserialize;

use crate::domain::text::Bilingual;
use crate::error::{BoundaryError, ErrorCode};

/// A filter of a file dialog: its label and the extensions it shows.
#[derive(Debug, Clone, Deserialize)]
pub struct Filter {
    pub name: String,
    pub extensions: Vec<String>,
}

/// What a dialog asks.
#[derive(Debug, Clone, Default)]
pub struct Ask {
    pub filters: Vec<Filter>,
    /// The file name a save dialog proposes.
    pub file_name: Option<String>,
}

/// The platform's file dialogs. They block until the user answers, so they
/// are only called off the main thread. `None`: the user cancelled.
pub trait Dialogs: Send + Sync {
    fn open(&self, ask: &Ask) -> Option<PathBuf>;
    /// An open dialog where several files may be chosen; empty: cancelled.
    fn open_many(&self, ask: &Ask) -> Vec<PathBuf>;
    fn save(&self, ask: &Ask) -> Option<PathBuf>;
}

/// The native dialogs, through tauri-plugin-dialog's Rust API.
pub struct Native<R: tauri::Runtime>(pub tauri::AppHandle<R>);

impl<R: tauri::Runtime> Native<R> {
    fn builder(&self, ask: &Ask) -> tauri_plugin_dialog::FileDialogBuilder<R> {
        use tauri_plugin_dialog::DialogExt;
        let mut b = self.0.dialog().file();
        for f in &ask.filters {
            let exts: Vec<&str> = f.extensions.iter().map(String::as_str).collect();
            b = b.add_filter(f.name.clone(), &exts);
        }
        if let Some(name) = &ask.file_name {
            b = b.set_file_name(name.clone());
        }
        b
    }
}

impl<R: tauri::Runtime> Dialogs for Native<R> {
    fn open(&self, ask: &Ask) -> Option<PathBuf> {
        self.builder(ask)
            .blocking_pick_file()
            .and_then(|p| p.into_path().ok())
    }

    fn open_many(&self, ask: &Ask) -> Vec<PathBuf> {
        self.builder(ask)
            .blocking_pick_files()
            .unwrap_or_default()
            .into_iter()
            .filter_map(|p| p.into_path().ok())
            .collect()
    }

    fn save(&self, ask: &Ask) -> Option<PathBuf> {
        self.builder(ask)
            .blocking_save_file()
            .and_then(|p| p.into_path().ok())
    }
}

/// Dialog answers read from a file, for the end-to-end test only: a real
/// native dialog cannot be clicked through WebDriver, and the page can no
/// longer answer for it (that was the hole). This exists only in builds
/// with the `test-dialogs` feature, which no release bundle has
/// (scripts/bundle.sh builds without it); the e2e harness names the file
/// in `DAOZHANG_TEST_DIALOGS`. Each dialog takes the file's first line
/// (`open <path>`, `save <path>` or `cancel`; several files chosen at once
/// are separated by tabs) and removes it, so the test
/// can queue answers while the app runs. The answer still goes through the
/// same allow-list as a native one.
#[cfg(feature = "test-dialogs")]
pub struct Scripted(pub PathBuf);

#[cfg(feature = "test-dialogs")]
impl Scripted {
    /// The variable naming the answers file.
    pub const VAR: &'static str = "DAOZHANG_TEST_DIALOGS";

    fn next(&self, kind: &str) -> Option<PathBuf> {
        let text = std::fs::read_to_string(&self.0).ok()?;
        let mut lines = text.lines();
        let first = lines.next()?.to_owned();
        let rest: Vec<&str> = lines.collect();
        let _ = std::fs::write(&self.0, rest.join("\n"));
        let (k, path) = first.split_once(' ')?;
        (k == kind).then(|| PathBuf::from(path))
    }
}

#[cfg(feature = "test-dialogs")]
impl Dialogs for Scripted {
    fn open(&self, _: &Ask) -> Option<PathBuf> {
        self.next("open")
    }

    /// `open <path>\t<path>…`: the files chosen together.
    fn open_many(&self, _: &Ask) -> Vec<PathBuf> {
        self.next("open")
            .map(|p| p.to_string_lossy().split('\t').map(PathBuf::from).collect())
            .unwrap_or_default()
    }

    fn save(&self, _: &Ask) -> Option<PathBuf> {
        self.next("save")
    }
}

/// What the window may do with a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
}

/// The allow-list. Read grants (opened or dropped files) last the session;
/// a write grant (a save dialog's answer) is used by one write, after which
/// the file is the app's own (`written`): the app may write it again (a
/// batch report continued) and show it in the file manager.
#[derive(Default)]
pub struct Grants {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    read: HashSet<PathBuf>,
    write: HashSet<PathBuf>,
    written: HashSet<PathBuf>,
}

impl Grants {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The user chose `path` in an open dialog or dropped it on the window.
    pub fn allow_read(&self, path: &Path) {
        self.lock().read.insert(path.to_owned());
    }

    /// The user chose `path` in a save dialog.
    pub fn allow_write(&self, path: &Path) {
        self.lock().write.insert(path.to_owned());
    }

    /// `path` may be read: chosen to be read, or written by the app.
    pub fn read(&self, path: &str) -> Result<PathBuf, BoundaryError> {
        let p = PathBuf::from(path);
        let g = self.lock();
        if g.read.contains(&p) || g.written.contains(&p) {
            Ok(p)
        } else {
            Err(not_chosen(Access::Read))
        }
    }

    /// `path` may be written: chosen in a save dialog (the grant is used
    /// up and the file becomes the app's own), or written by the app
    /// before.
    pub fn write(&self, path: &str) -> Result<PathBuf, BoundaryError> {
        let p = PathBuf::from(path);
        let mut g = self.lock();
        if g.write.remove(&p) || g.written.contains(&p) {
            g.written.insert(p.clone());
            Ok(p)
        } else {
            Err(not_chosen(Access::Write))
        }
    }

    /// `path` is a file the app wrote this session.
    pub fn own(&self, path: &str) -> Result<PathBuf, BoundaryError> {
        let p = PathBuf::from(path);
        if self.lock().written.contains(&p) {
            Ok(p)
        } else {
            Err(not_chosen(Access::Read))
        }
    }
}

/// The refusal. It names no path: the page chose it, and echoing it back
/// tells it nothing it needs.
pub fn not_chosen(access: Access) -> BoundaryError {
    let text = match access {
        Access::Read => Bilingual::new(
            "只能读取你在对话框中选择或拖入窗口的文件，请重新选择文件",
            "Daozhang reads only a file you chose in its dialog or dropped on the window: choose the file again",
        ),
        Access::Write => Bilingual::new(
            "只能保存到你在保存对话框中选择的位置，请重新选择保存位置",
            "Daozhang writes only where you chose in its save dialog: choose where to save again",
        ),
    };
    BoundaryError::new(ErrorCode::NotChosen, text.en.clone())
        .with_details(serde_json::json!({ "text": text }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_not_chosen_is_refused_and_a_chosen_one_only_for_its_access() {
        let g = Grants::default();
        assert_eq!(
            g.read("/home/u/.git-credentials").unwrap_err().code,
            ErrorCode::NotChosen
        );
        g.allow_read(Path::new("/bills/a.csv"));
        assert!(g.read("/bills/a.csv").is_ok());
        assert!(g.read("/bills/a.csv").is_ok(), "a read grant lasts");
        assert!(g.write("/bills/a.csv").is_err(), "read is not write");
        assert!(
            g.read("/bills/../home/u/.git-credentials").is_err(),
            "no way around by spelling"
        );
        g.allow_write(Path::new("/out/c.txt"));
        assert!(g.own("/out/c.txt").is_err(), "not written yet");
        assert!(g.write("/out/c.txt").is_ok());
        assert!(g.own("/out/c.txt").is_ok(), "now the app's own file");
    }
}
