//! A small W3C WebDriver client and the harness that starts the real app
//! under Xvfb through `tauri-driver` + `WebKitWebDriver`.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{Value, json};

const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// Kills a child process when dropped.
pub struct Guard(pub Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

fn which(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(name))
            .find(|p| p.is_file())
    })
}

/// The desktop binary next to this test's own build output.
pub fn app_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("the test knows its own path");
    // target/<profile>/deps/e2e-… → target/<profile>/daozhang-app
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>");
    dir.join("daozhang-app")
}

/// How long a wait for the window lasts before it fails. Long, because a
/// loaded machine is slow; a wait that succeeds returns at once.
pub const PATIENCE: Duration = Duration::from_secs(60);

/// Xvfb (unless a display exists), tauri-driver, and a clean home for
/// WebKit's side effects. One per test run; sessions start the app.
pub struct Driver {
    _xvfb: Option<Guard>,
    _driver: Guard,
    pub home: tempfile::TempDir,
    base: String,
    agent: ureq::Agent,
}

impl Driver {
    /// Starts Xvfb (unless a display exists) and tauri-driver. The app it
    /// launches keeps its cases in `data_dir` and gets `env` on top of the
    /// harness's own variables (tauri-driver passes its environment on to
    /// WebKitWebDriver, which passes it to the app): a
    /// [`KeyringSession`](crate::keyring::KeyringSession)'s `env()` gives
    /// it a keychain of its own. The session bus of whoever runs the test is
    /// never handed on, so the app never sees the user's own keychain.
    pub fn start(data_dir: &Path, env: &[(String, String)]) -> Driver {
        let home = tempfile::tempdir().unwrap();
        let mut xvfb = None;
        let display = match std::env::var("DISPLAY") {
            Ok(d) if !d.is_empty() => d,
            _ => {
                let n = 90 + std::process::id() % 100;
                let d = format!(":{n}");
                let child = Command::new("Xvfb")
                    .args([
                        d.as_str(),
                        "-screen",
                        "0",
                        "1280x900x24",
                        "-nolisten",
                        "tcp",
                    ])
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                    .expect("Xvfb is installed (scripts/setup.sh installs it)");
                xvfb = Some(Guard(child));
                std::thread::sleep(Duration::from_millis(800));
                d
            }
        };
        let tauri_driver = which("tauri-driver")
            .or_else(|| {
                std::env::var_os("HOME")
                    .map(|h| PathBuf::from(h).join(".cargo/bin/tauri-driver"))
                    .filter(|p| p.is_file())
            })
            .expect("tauri-driver is installed (cargo install tauri-driver --locked; scripts/setup.sh does it)");
        let native = which("WebKitWebDriver")
            .expect("WebKitWebDriver is installed (Debian package webkit2gtk-driver)");
        let port = free_port();
        let native_port = free_port();
        let h = home.path();
        let log = std::fs::File::create(h.join("driver.log")).unwrap();
        for sub in ["data", "config", "cache", "runtime"] {
            std::fs::create_dir_all(h.join(sub)).unwrap();
        }
        let child = Command::new(tauri_driver)
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native_port.to_string(),
            ])
            .arg("--native-driver")
            .arg(native)
            .env("DISPLAY", &display)
            .env("HOME", h)
            .env("XDG_DATA_HOME", h.join("data"))
            .env("XDG_CONFIG_HOME", h.join("config"))
            .env("XDG_CACHE_HOME", h.join("cache"))
            .env("XDG_RUNTIME_DIR", h.join("runtime"))
            .env("DAOZHANG_DATA_DIR", data_dir)
            .env("LANG", "en_US.UTF-8")
            .env("LC_ALL", "en_US.UTF-8")
            .env("NO_AT_BRIDGE", "1")
            .env_remove("DBUS_SESSION_BUS_ADDRESS")
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdout(Stdio::from(log.try_clone().unwrap()))
            .stderr(Stdio::from(log))
            .spawn()
            .expect("tauri-driver starts");
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(90)))
            .http_status_as_error(false)
            .build()
            .into();
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        while agent.get(format!("{base}/status")).call().is_err() {
            assert!(
                Instant::now() < deadline,
                "tauri-driver did not start on port {port}"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        Driver {
            _xvfb: xvfb,
            _driver: Guard(child),
            home,
            base,
            agent,
        }
    }

    /// Starts the app: a new WebDriver session.
    pub fn launch(&self, app: &Path) -> Session<'_> {
        assert!(
            app.is_file(),
            "{} is missing: build it with `cargo build -p daozhang --bin daozhang-app --features custom-protocol`",
            app.display()
        );
        let caps = json!({ "capabilities": { "alwaysMatch": { "tauri:options": { "application": app } } } });
        let v = self.send("POST", "/session", Some(caps));
        let id = v["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {v}"))
            .to_owned();
        Session { d: self, id }
    }

    fn send(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}{path}", self.base);
        let resp = match (method, body) {
            ("GET", _) => self.agent.get(&url).call(),
            ("DELETE", _) => self.agent.delete(&url).call(),
            (_, Some(b)) => self.agent.post(&url).send_json(&b),
            (_, None) => self.agent.post(&url).send_json(json!({})),
        };
        let mut resp = resp.unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let v: Value = resp.body_mut().read_json().unwrap_or(Value::Null);
        v.get("value").cloned().unwrap_or(v)
    }
}

impl Drop for Driver {
    /// When a test fails, what the driver and the app printed helps most.
    fn drop(&mut self) {
        if std::thread::panicking()
            && let Ok(log) = std::fs::read_to_string(self.home.path().join("driver.log"))
        {
            let tail: Vec<&str> = log.lines().rev().take(60).collect();
            eprintln!("--- tauri-driver / app output (last lines) ---");
            for line in tail.iter().rev() {
                eprintln!("{line}");
            }
        }
    }
}

/// One running app.
pub struct Session<'a> {
    d: &'a Driver,
    id: String,
}

#[derive(Clone)]
pub struct Element(String);

impl Session<'_> {
    fn path(&self, rest: &str) -> String {
        format!("/session/{}{rest}", self.id)
    }

    fn try_find(&self, css: &str) -> Option<Element> {
        let v = self.d.send(
            "POST",
            &self.path("/element"),
            Some(json!({ "using": "css selector", "value": css })),
        );
        v.get(ELEMENT_KEY)
            .and_then(Value::as_str)
            .map(|s| Element(s.to_owned()))
    }

    /// Waits up to [`PATIENCE`] for an element.
    pub fn find(&self, css: &str) -> Element {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(e) = self.try_find(css) {
                return e;
            }
            if Instant::now() >= deadline {
                let page = self.script(
                    "return document.body ? document.body.textContent.replace(/\\s+/g, ' ').slice(0, 2000) : '(no body)';",
                    json!([]),
                );
                panic!(
                    "no element {css} after {} s; the page shows: {page}",
                    PATIENCE.as_secs()
                );
            }
            std::thread::sleep(Duration::from_millis(150));
        }
    }

    pub fn testid(&self, id: &str) -> Element {
        self.find(&format!("[data-testid=\"{id}\"]"))
    }

    pub fn exists(&self, id: &str) -> bool {
        self.try_find(&format!("[data-testid=\"{id}\"]")).is_some()
    }

    /// Clicks the element once it stands still in the window: a click sent
    /// while the page still scrolls or grows lands where the element was.
    pub fn click(&self, id: &str) {
        let e = self.testid(id);
        // Centre it first: a button at the window's edge can be covered.
        self.script(
            "arguments[0].scrollIntoView({block: 'center', inline: 'center', behavior: 'instant'});",
            json!([{ ELEMENT_KEY: e.0 }]),
        );
        self.still(&e);
        // A button can be briefly disabled (a validation in flight): retry
        // like a person would, for a few seconds.
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let v = self
                .d
                .send("POST", &self.path(&format!("/element/{}/click", e.0)), None);
            if v.get("error").is_none() {
                return;
            }
            assert!(Instant::now() < deadline, "clicking {id} failed: {v}");
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Clicks `id` and waits for what the click must cause (`what`, `f`):
    /// a click that causes nothing fails here, naming the element, instead
    /// of at a later step.
    pub fn click_for(&self, id: &str, what: &str, f: impl Fn(&Self) -> bool) {
        self.click(id);
        self.wait_for(&format!("{what} after clicking {id}"), f);
    }

    /// Waits (a few seconds at most) until the element's box is the same
    /// in two looks 100 ms apart.
    fn still(&self, e: &Element) {
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut last = Value::Null;
        loop {
            let now = self.script(
                "const b = arguments[0].getBoundingClientRect(); return [b.x, b.y, b.width, b.height];",
                json!([{ ELEMENT_KEY: e.0 }]),
            );
            if now == last || Instant::now() >= deadline {
                return;
            }
            last = now;
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Clears the field and types `text` like a person.
    pub fn type_into(&self, id: &str, text: &str) {
        let e = self.testid(id);
        // WebDriver's clear does not fire `input`, so a bound field would
        // keep its old value: empty it the way deleting by hand would.
        self.script(
            "const el = arguments[0]; el.focus(); el.value = ''; el.dispatchEvent(new Event('input', {bubbles: true}));",
            json!([{ ELEMENT_KEY: e.0 }]),
        );
        self.d.send(
            "POST",
            &self.path(&format!("/element/{}/value", e.0)),
            Some(json!({ "text": text })),
        );
    }

    /// Puts `text` into the field at once, as pasting does (a PEM key is
    /// pasted, not typed), and fires the `input` event a paste fires.
    pub fn paste(&self, id: &str, text: &str) {
        let e = self.testid(id);
        self.script(
            "const el = arguments[0]; el.focus(); el.value = arguments[1]; el.dispatchEvent(new Event('input', {bubbles: true})); el.dispatchEvent(new Event('change', {bubbles: true}));",
            json!([{ ELEMENT_KEY: e.0 }, text]),
        );
    }

    /// Chooses an option of a <select> (and fires the events a person's
    /// choice fires).
    pub fn select(&self, id: &str, value: &str) {
        let e = self.testid(id);
        self.script(
            "const s = arguments[0]; s.value = arguments[1]; s.dispatchEvent(new Event('input', {bubbles: true})); s.dispatchEvent(new Event('change', {bubbles: true})); return s.value;",
            json!([{ ELEMENT_KEY: e.0 }, value]),
        );
    }

    /// The element's text content (WebKitWebDriver's rendered-text
    /// algorithm drops some nested inline text).
    pub fn text(&self, id: &str) -> String {
        let e = self.testid(id);
        self.script(
            "return arguments[0].textContent.replace(/\\s+/g, ' ').trim();",
            json!([{ ELEMENT_KEY: e.0 }]),
        )
        .as_str()
        .unwrap_or_default()
        .to_owned()
    }

    pub fn value(&self, id: &str) -> String {
        let e = self.testid(id);
        self.d
            .send(
                "GET",
                &self.path(&format!("/element/{}/property/value", e.0)),
                None,
            )
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    pub fn attr(&self, id: &str, name: &str) -> String {
        let e = self.testid(id);
        self.d
            .send(
                "GET",
                &self.path(&format!("/element/{}/attribute/{name}", e.0)),
                None,
            )
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    pub fn script(&self, script: &str, args: Value) -> Value {
        self.d.send(
            "POST",
            &self.path("/execute/sync"),
            Some(json!({ "script": script, "args": args })),
        )
    }

    /// Waits until `f` holds (at most [`PATIENCE`]).
    pub fn wait_for(&self, what: &str, f: impl Fn(&Self) -> bool) {
        let deadline = Instant::now() + PATIENCE;
        while !f(self) {
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Saves a PNG of the window.
    pub fn screenshot(&self, path: &Path) {
        let v = self.d.send("GET", &self.path("/screenshot"), None);
        let png = base64::engine::general_purpose::STANDARD
            .decode(v.as_str().expect("a base64 screenshot"))
            .expect("valid base64");
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).unwrap();
        }
        std::fs::write(path, png).unwrap();
    }

    /// Quits the app.
    pub fn quit(self) {
        self.d.send("DELETE", &self.path(""), None);
    }
}
