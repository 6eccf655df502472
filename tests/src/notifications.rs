//! A freedesktop notification server on a test's private D-Bus
//! (`tests/notify/fake_notifications.py`): it records every notification
//! the app shows and can click it, as a user would.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

pub struct FakeNotifications {
    child: Child,
    _dir: tempfile::TempDir,
    log: PathBuf,
}

impl FakeNotifications {
    /// Serves `org.freedesktop.Notifications` on the bus at `address`;
    /// with `click_after`, clicks each notification that many seconds
    /// after it is shown.
    pub fn start(address: &str, click_after: Option<f64>) -> FakeNotifications {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("shown.jsonl");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("notify/fake_notifications.py");
        // Debian's own Python carries python3-dbus and python3-gi.
        let python = ["/usr/bin/python3", "python3"]
            .into_iter()
            .find(|p| !p.starts_with('/') || Path::new(p).exists())
            .unwrap();
        let mut cmd = Command::new(python);
        cmd.arg(&script)
            .arg(&log)
            .env("DBUS_SESSION_BUS_ADDRESS", address)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        if let Some(s) = click_after {
            cmd.arg("--click-after").arg(s.to_string());
        }
        let mut child = cmd
            .spawn()
            .expect("python3 with python3-dbus and python3-gi (scripts/setup.sh installs them)");
        let mut ready = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut ready)
            .unwrap();
        assert_eq!(
            ready.trim(),
            "ready",
            "the fake notification server did not start (are python3-dbus and python3-gi installed?)"
        );
        FakeNotifications {
            child,
            _dir: dir,
            log,
        }
    }

    /// Every notification shown so far: `{ id, app_name, summary, body, actions }`.
    pub fn shown(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }
}

impl Drop for FakeNotifications {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
