//! A real Secret Service for a test: a private D-Bus session bus and a
//! `gnome-keyring-daemon` on it, unlocked with a test password, keeping its
//! files in a temporary directory. Processes started with [`env`] use it as
//! their OS keychain; the user's own keychain is never touched.
//!
//! [`env`]: KeyringSession::env

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct KeyringSession {
    bus: Child,
    address: String,
    home: tempfile::TempDir,
}

impl KeyringSession {
    /// Starts the bus and the keyring daemon; panics with the reason when
    /// `dbus-daemon` or `gnome-keyring-daemon` is missing (scripts/setup.sh
    /// --test installs them).
    pub fn start() -> KeyringSession {
        let home = tempfile::tempdir().expect("temp dir");
        let mut bus = Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--print-address=1"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("dbus-daemon (Debian package dbus) is needed for the keychain tests");
        let mut line = String::new();
        BufReader::new(bus.stdout.take().expect("bus stdout"))
            .read_line(&mut line)
            .expect("dbus-daemon prints its address");
        let address = line.trim().to_owned();
        assert!(!address.is_empty(), "dbus-daemon gave no address");
        let s = KeyringSession { bus, address, home };
        s.start_keyring();
        s
    }

    fn data_dir(&self) -> PathBuf {
        self.home.path().join("data")
    }

    /// Starts (or restarts, after [`stop_keyring`]) the keyring daemon on
    /// this session's bus with this session's files.
    ///
    /// [`stop_keyring`]: KeyringSession::stop_keyring
    pub fn start_keyring(&self) {
        std::fs::create_dir_all(self.data_dir()).expect("keyring dir");
        let mut child = Command::new("gnome-keyring-daemon")
            .args(["--daemonize", "--unlock", "--components=secrets"])
            .env("DBUS_SESSION_BUS_ADDRESS", &self.address)
            .env("XDG_DATA_HOME", self.data_dir())
            .env("HOME", self.home.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("gnome-keyring-daemon (Debian package gnome-keyring) is needed for the keychain tests");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(b"daozhang-test\n")
            .expect("password");
        let _ = child.wait();
        self.wait_for_service(true);
    }

    /// Stops the keyring daemon (its files stay), as a logout would.
    pub fn stop_keyring(&self) {
        let _ = Command::new("dbus-send")
            .args([
                "--session",
                "--dest=org.freedesktop.DBus",
                "--type=method_call",
                "--print-reply",
                "/org/freedesktop/DBus",
                "org.freedesktop.DBus.GetConnectionUnixProcessID",
                "string:org.freedesktop.secrets",
            ])
            .env("DBUS_SESSION_BUS_ADDRESS", &self.address)
            .output()
            .ok()
            .and_then(|o| {
                String::from_utf8_lossy(&o.stdout)
                    .split_whitespace()
                    .last()
                    .and_then(|p| p.parse::<i32>().ok())
            })
            .map(|pid| {
                Command::new("kill").arg(pid.to_string()).status().ok();
            });
        self.wait_for_service(false);
    }

    fn wait_for_service(&self, up: bool) {
        let end = Instant::now() + Duration::from_secs(10);
        while Instant::now() < end {
            let out = Command::new("dbus-send")
                .args([
                    "--session",
                    "--dest=org.freedesktop.DBus",
                    "--type=method_call",
                    "--print-reply",
                    "/org/freedesktop/DBus",
                    "org.freedesktop.DBus.NameHasOwner",
                    "string:org.freedesktop.secrets",
                ])
                .env("DBUS_SESSION_BUS_ADDRESS", &self.address)
                .output();
            if let Ok(o) = out
                && String::from_utf8_lossy(&o.stdout).contains("boolean true") == up
            {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "the Secret Service did not {} within 10 s",
            if up { "start" } else { "stop" }
        );
    }

    /// The environment a child process needs to use this keychain.
    pub fn env(&self) -> Vec<(String, String)> {
        vec![("DBUS_SESSION_BUS_ADDRESS".to_owned(), self.address.clone())]
    }

    pub fn home(&self) -> &Path {
        self.home.path()
    }

    /// Every file the keyring daemon keeps (for "no secret in plain text").
    pub fn files(&self) -> Vec<PathBuf> {
        walk(self.home.path())
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

impl Drop for KeyringSession {
    fn drop(&mut self) {
        self.stop_keyring_quietly();
        let _ = self.bus.kill();
        let _ = self.bus.wait();
    }
}

impl KeyringSession {
    fn stop_keyring_quietly(&self) {
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.stop_keyring()));
    }
}
