//! Interop with code nobody here wrote: Daozhang's Alipay and WeChat Pay v3
//! clients against loopback servers whose cryptography is the providers'
//! own SDKs from npm (`alipay-sdk` 4.x, `wechatpay-axios-plugin` 0.9.x; see
//! `tests/interop/*.mjs` for what each SDK does and where it differs from
//! shared/reference/providers.md).
//!
//! Each test writes the keys to a temporary directory, starts
//! `node tests/interop/<server>.mjs`, asks through the library exactly as the
//! app does (`sources::check_all` with an in-memory credential store) and
//! checks both directions: our verification accepted the SDK's signature,
//! and the SDK verified ours (`/__results`). Needs Node 20 and, the first
//! time, npm (`npm ci` in `tests/interop`).

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, Once};
use std::time::{Duration, Instant};

use chrono::DateTime;
use daozhang::domain::case::{Case, parse_case_toml};
use daozhang::domain::observation::{Claim, Observation, SourceKind, Via};
use daozhang::domain::time::Moment;
use daozhang::sources::creds::Credentials;
use daozhang::sources::error::SourceError;
use daozhang::sources::http::{Http, Policy};
use daozhang::sources::secret::Secret;
use daozhang::sources::{self, Ctx, Outcome, Provider, SourceProgress, SourceStatus};
use daozhang_tests::fakes::{KeyPair, TestKeys};
use daozhang_tests::memstore::MemStore;
use rust_decimal::Decimal;
use serde_json::{Value, json};

// ------------------------------------------------------------ the servers

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ sits in the workspace root")
        .to_path_buf()
}

fn interop_dir() -> PathBuf {
    workspace_root().join("tests").join("interop")
}

/// Installs the SDKs from the committed lock file, once per test process.
fn ensure_node_modules() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let dir = interop_dir();
        let node = Command::new("node").arg("--version").output();
        assert!(
            node.as_ref().is_ok_and(|o| o.status.success()),
            "the interop tests need Node.js 20 (`node` on PATH): {node:?}"
        );
        if dir.join("node_modules").is_dir() {
            return;
        }
        let npm = Command::new("npm").arg("--version").output();
        assert!(
            npm.as_ref().is_ok_and(|o| o.status.success()),
            "tests/interop/node_modules is missing and `npm` is not on PATH to install it \
             (run `npm ci` in tests/interop, or install Node.js with npm): {npm:?}"
        );
        let status = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&dir)
            .status()
            .expect("npm ci runs");
        assert!(
            status.success(),
            "`npm ci` in tests/interop failed: {status}"
        );
    });
}

/// One running SDK server; closing its stdin (on drop) stops it.
struct Server {
    child: Child,
    stdin: Option<ChildStdin>,
    port: u16,
    stderr: Arc<Mutex<String>>,
    _keys: tempfile::TempDir,
}

impl Server {
    /// Starts `tests/interop/<script>` with `env`; `files` are written to a
    /// fresh temporary directory and passed as `<VAR>=<path>`.
    fn start(script: &str, files: &[(&str, &str)], env: &[(&str, String)]) -> Server {
        ensure_node_modules();
        let dir = tempfile::tempdir().expect("temp dir");
        let mut cmd = Command::new("node");
        cmd.arg(interop_dir().join(script))
            .current_dir(interop_dir())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (i, (var, text)) in files.iter().enumerate() {
            let path = dir.path().join(format!("key{i}.pem"));
            std::fs::write(&path, text).expect("write a key file");
            cmd.env(var, &path);
        }
        for (var, value) in env {
            cmd.env(var, value);
        }
        let mut child = cmd.spawn().expect("node starts");
        let stdin = child.stdin.take();
        let stderr = Arc::new(Mutex::new(String::new()));
        let mut err_pipe = child.stderr.take().expect("stderr");
        let sink = Arc::clone(&stderr);
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = err_pipe.read(&mut buf) {
                if n == 0 {
                    break;
                }
                if let Ok(mut s) = sink.lock() {
                    s.push_str(&String::from_utf8_lossy(&buf[..n]));
                }
            }
        });
        let out = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(out).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = rx.recv_timeout(Duration::from_secs(30)).unwrap_or_default();
        let port = serde_json::from_str::<Value>(line.trim())
            .ok()
            .and_then(|v| v["port"].as_u64())
            .and_then(|p| u16::try_from(p).ok());
        let Some(port) = port else {
            let _ = child.kill();
            let _ = child.wait();
            std::thread::sleep(Duration::from_millis(200));
            panic!(
                "{script} did not print {{\"port\":N}} (got {line:?}); stderr:\n{}",
                stderr.lock().map(|s| s.clone()).unwrap_or_default()
            );
        };
        Server {
            child,
            stdin,
            port,
            stderr,
            _keys: dir,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// The SDK side's verdict on every request so far.
    fn results(&self) -> Vec<Value> {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(10)))
            .build()
            .into();
        let mut r = agent
            .get(&self.url("/__results"))
            .call()
            .expect("/__results answers");
        let text = r.body_mut().read_to_string().expect("results body");
        serde_json::from_str(&text).expect("results are JSON")
    }

    fn stderr(&self) -> String {
        self.stderr.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ------------------------------------------------------------ the library side

/// Credentials held in memory, standing in for the OS keychain.
fn store_with(source: &str, fields: &[(&str, &str)]) -> MemStore {
    let mut c = Credentials::new();
    for (k, v) in fields {
        c.set(k, Secret::new(*v));
    }
    MemStore::with(&[(source, c)])
}

fn now() -> Moment {
    DateTime::parse_from_rfc3339("2026-11-21T21:00:00+08:00").expect("a moment")
}

fn example(name: &str) -> Case {
    let path = workspace_root().join("examples").join(name);
    let text = std::fs::read_to_string(&path).expect("the example exists");
    parse_case_toml(&text).unwrap_or_else(|e| panic!("{name} parses: {e:?}"))
}

/// The whole check, as the app and the CLI run it.
fn check(case: &Case, store: &MemStore) -> Outcome {
    let http = Http::new(Policy::default()).expect("HTTP client");
    let cancel = AtomicBool::new(false);
    sources::check_all(
        case,
        store,
        &http,
        now(),
        &cancel,
        &|_: &[SourceProgress]| {},
    )
}

/// One provider asked directly, to see the error itself.
fn query(
    p: &dyn Provider,
    case: &Case,
    creds: &Credentials,
) -> Result<Vec<Observation>, SourceError> {
    let http = Http::new(Policy::default()).expect("HTTP client");
    let cancel = AtomicBool::new(false);
    let ctx = Ctx {
        http: &http,
        cancel: &cancel,
        now: now(),
    };
    p.query(&ctx, creds, case)
}

fn progress<'a>(o: &'a Outcome, key: &str) -> &'a SourceProgress {
    o.progress
        .iter()
        .find(|s| s.source == key)
        .unwrap_or_else(|| panic!("{key} was planned: {:?}", o.progress))
}

fn moment(rfc3339: &str) -> Moment {
    DateTime::parse_from_rfc3339(rfc3339).expect("a moment")
}

// ------------------------------------------------------------ Alipay

const ALIPAY_APP_ID: &str = "2021004100000001";
const ALIPAY_TRADE: &str = "2026112122001412341408157613";
const ALIPAY_ORDER: &str = "7439201234567890123";

/// `app` is the pair the gateway checks us with, `signer` the one it signs
/// its answers with; the client always uses the real app key and trusts the
/// real Alipay key.
fn alipay_gateway(app: &KeyPair, signer: &KeyPair) -> Server {
    let keys = TestKeys::shared();
    let orders = json!([{
        "trade_no": ALIPAY_TRADE,
        "out_trade_no": ALIPAY_ORDER,
        "amount": "200.00",
        "status": "TRADE_SUCCESS",
        "paid_at": "2026-11-21 15:15:12",
    }]);
    Server::start(
        "alipay-gateway.mjs",
        &[
            ("ALIPAY_APP_PUBLIC_KEY_FILE", app.public_key_pem()),
            ("ALIPAY_APP_PRIVATE_KEY_FILE", app.private_key_pem()),
            ("ALIPAY_PRIVATE_KEY_FILE", signer.private_key_pem()),
            (
                "ALIPAY_PUBLIC_KEY_FILE",
                keys.alipay_platform.public_key_pem(),
            ),
        ],
        &[
            ("ALIPAY_APP_ID", ALIPAY_APP_ID.to_owned()),
            ("INTEROP_ORDERS", orders.to_string()),
        ],
    )
}

fn alipay_store(server: &Server) -> MemStore {
    let keys = TestKeys::shared();
    store_with(
        "alipay",
        &[
            ("app_id", ALIPAY_APP_ID),
            ("private_key", keys.alipay_app.private_key_pem()),
            ("alipay_public_key", keys.alipay_platform.public_key_pem()),
            ("gateway", &server.url("/gateway.do")),
        ],
    )
}

fn alipay_queries(server: &Server) -> Vec<Value> {
    server
        .results()
        .into_iter()
        .filter(|r| r["method"] == "alipay.trade.query")
        .collect()
}

#[test]
fn alipay_sdk_verifies_our_request_and_we_verify_its_answer() {
    let keys = TestKeys::shared();
    let server = alipay_gateway(&keys.alipay_app, &keys.alipay_platform);
    let store = alipay_store(&server);
    let case = example("douyin-dou-plus-alipay.toml");

    let outcome = check(&case, &store);

    let p = progress(&outcome, "api:alipay");
    assert_eq!(
        p.status,
        SourceStatus::Done,
        "{p:?}\nSDK log:\n{}",
        server.stderr()
    );
    let paid: Vec<&Observation> = outcome
        .observations
        .iter()
        .filter(|o| o.source == SourceKind::Alipay && o.via == Via::Api)
        .collect();
    assert_eq!(paid.len(), 1, "{paid:?}");
    let o = paid[0];
    assert_eq!(o.claim, Claim::Paid, "{o:?}");
    assert_eq!(o.raw, "TRADE_SUCCESS");
    assert_eq!(
        o.at,
        Some(moment("2026-11-21T15:15:12+08:00")),
        "the provider's send_pay_date, Beijing time"
    );
    assert_eq!(o.amount, Some(Decimal::new(20000, 2)));
    assert_eq!(o.payment_id.as_deref(), Some(ALIPAY_TRADE));

    let asked = alipay_queries(&server);
    assert_eq!(asked.len(), 1, "{asked:#?}");
    let r = &asked[0];
    assert_eq!(r["verified"], true, "the SDK verified our request: {r:#}");
    assert_eq!(
        r["recomputed_equal"], true,
        "the SDK's own sign() over our parameters gives our signature: {r:#}"
    );
    assert_eq!(
        r["verifies_request_rule"], true,
        "sign_type is signed (§1.3): {r:#}"
    );
    assert_eq!(
        r["verifies_notify_rule"], false,
        "the notify rule (sign_type left out) is not what we sign: {r:#}"
    );
    assert_eq!(r["sdk_check_notify_sign_v2"], true, "{r:#}");
    assert_eq!(
        r["biz_content_same_after_sdk_serialisation"], true,
        "our biz_content is what JSON.stringify writes: {r:#}"
    );
    assert_eq!(
        r["sdk_signed_keys"],
        json!([
            "app_id",
            "biz_content",
            "charset",
            "format",
            "method",
            "sign_type",
            "timestamp",
            "version"
        ]),
        "{r:#}"
    );
    assert_eq!(
        r["sdk_client_accepts_answer"], true,
        "the SDK's own client accepts the answer we accepted: {r:#}"
    );
}

#[test]
fn alipay_gateway_with_another_app_key_refuses_us_and_we_report_auth() {
    let keys = TestKeys::shared();
    let server = alipay_gateway(&keys.other, &keys.alipay_platform);
    let store = alipay_store(&server);
    let case = example("douyin-dou-plus-alipay.toml");

    let outcome = check(&case, &store);
    let p = progress(&outcome, "api:alipay");
    assert_eq!(p.status, SourceStatus::Failed, "{p:?}");
    assert!(
        p.detail.en.contains("refused the credentials")
            && p.detail.en.contains("isv.invalid-signature"),
        "{p:?}"
    );
    assert!(
        outcome.observations.iter().all(|o| o.via != Via::Api),
        "nothing from a refusal is used: {:?}",
        outcome.observations
    );

    let e = query(&sources::alipay::Alipay, &case, &store.get("alipay")).unwrap_err();
    assert!(
        matches!(&e, SourceError::Auth { code, .. } if code.contains("isv.invalid-signature")),
        "{e:?}"
    );
    let asked = alipay_queries(&server);
    assert!(!asked.is_empty());
    for r in &asked {
        assert_eq!(r["verified"], false, "{r:#}");
        assert_eq!(r["answer"], "isv.invalid-signature", "{r:#}");
    }
}

#[test]
fn alipay_answer_signed_with_an_untrusted_key_is_not_used() {
    let keys = TestKeys::shared();
    let server = alipay_gateway(&keys.alipay_app, &keys.other);
    let store = alipay_store(&server);
    let case = example("douyin-dou-plus-alipay.toml");

    let outcome = check(&case, &store);
    let p = progress(&outcome, "api:alipay");
    assert_eq!(p.status, SourceStatus::Failed, "{p:?}");
    assert!(p.detail.en.contains("untrusted"), "{p:?}");
    assert!(p.raw.is_some(), "the refused answer is kept: {p:?}");
    assert!(outcome.observations.iter().all(|o| o.via != Via::Api));

    let e = query(&sources::alipay::Alipay, &case, &store.get("alipay")).unwrap_err();
    assert!(matches!(e, SourceError::Untrusted { .. }), "{e:?}");
    for r in alipay_queries(&server) {
        assert_eq!(r["verified"], true, "our request was fine: {r:#}");
        assert_eq!(
            r["sdk_client_accepts_answer"], false,
            "the SDK's own client refuses it too: {r:#}"
        );
    }
}

// ------------------------------------------------------------ WeChat Pay

const WECHAT_MCHID: &str = "1900012345";
const WECHAT_SERIAL: &str = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1";
const WECHAT_KEY_ID: &str = "PUB_KEY_ID_0119000123452026112100000000000001";
const WECHAT_TRANSACTION: &str = "4200002345202611214567890123";
const WECHAT_ORDER: &str = "LS20261121200512345";

/// `merchant` is the pair the server checks us with, `signer` the one it
/// signs its answers with.
fn wechat_server(merchant: &KeyPair, signer: &KeyPair) -> Server {
    let keys = TestKeys::shared();
    let orders = json!([{
        "appid": "wxd678efh567hg6787",
        "out_trade_no": WECHAT_ORDER,
        "transaction_id": WECHAT_TRANSACTION,
        "trade_type": "JSAPI",
        "trade_state": "SUCCESS",
        "trade_state_desc": "支付成功",
        "bank_type": "OTHERS",
        "attach": "",
        "success_time": "2026-11-21T20:05:30+08:00",
        "payer": { "openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o" },
        "amount": { "total": 6800, "payer_total": 6800, "currency": "CNY", "payer_currency": "CNY" },
    }]);
    Server::start(
        "wechatpay-server.mjs",
        &[
            (
                "WECHATPAY_MERCHANT_PUBLIC_KEY_FILE",
                merchant.public_key_pem(),
            ),
            (
                "WECHATPAY_PLATFORM_PRIVATE_KEY_FILE",
                signer.private_key_pem(),
            ),
            (
                "WECHATPAY_PLATFORM_PUBLIC_KEY_FILE",
                keys.wechat_platform.public_key_pem(),
            ),
        ],
        &[
            ("WECHATPAY_MCHID", WECHAT_MCHID.to_owned()),
            ("WECHATPAY_MERCHANT_SERIAL", WECHAT_SERIAL.to_owned()),
            ("WECHATPAY_PLATFORM_KEY_ID", WECHAT_KEY_ID.to_owned()),
            ("INTEROP_ORDERS", orders.to_string()),
        ],
    )
}

fn wechat_store(server: &Server) -> MemStore {
    let keys = TestKeys::shared();
    store_with(
        "wechat_pay",
        &[
            ("mchid", WECHAT_MCHID),
            ("merchant_serial", WECHAT_SERIAL),
            ("private_key", keys.wechat_merchant.private_key_pem()),
            ("platform_public_key", keys.wechat_platform.public_key_pem()),
            ("platform_key_id", WECHAT_KEY_ID),
            ("base_url", &server.url("")),
        ],
    )
}

fn wechat_queries(server: &Server) -> Vec<Value> {
    server
        .results()
        .into_iter()
        .filter(|r| {
            r["uri"]
                .as_str()
                .is_some_and(|u| u.starts_with("/v3/pay/transactions/"))
        })
        .collect()
}

#[test]
fn wechatpay_sdk_verifies_our_request_and_we_verify_its_answer() {
    let keys = TestKeys::shared();
    let server = wechat_server(&keys.wechat_merchant, &keys.wechat_platform);
    let store = wechat_store(&server);
    let case = example("live-stream-wechat.toml");

    let outcome = check(&case, &store);

    let p = progress(&outcome, "api:wechat_pay");
    assert_eq!(
        p.status,
        SourceStatus::Done,
        "{p:?}\nSDK log:\n{}",
        server.stderr()
    );
    let paid: Vec<&Observation> = outcome
        .observations
        .iter()
        .filter(|o| o.source == SourceKind::WechatPay && o.via == Via::Api)
        .collect();
    assert_eq!(paid.len(), 1, "{paid:?}");
    let o = paid[0];
    assert_eq!(o.claim, Claim::Paid, "{o:?}");
    assert_eq!(o.raw, "SUCCESS 支付成功");
    assert_eq!(
        o.at,
        Some(moment("2026-11-21T20:05:30+08:00")),
        "the provider's success_time"
    );
    assert_eq!(o.amount, Some(Decimal::new(6800, 2)));
    assert_eq!(o.payment_id.as_deref(), Some(WECHAT_TRANSACTION));

    let asked = wechat_queries(&server);
    assert_eq!(asked.len(), 1, "{asked:#?}");
    let r = &asked[0];
    assert_eq!(
        r["uri"],
        format!("/v3/pay/transactions/id/{WECHAT_TRANSACTION}?mchid={WECHAT_MCHID}"),
        "{r:#}"
    );
    assert_eq!(r["verified"], true, "the SDK verified our request: {r:#}");
    assert_eq!(r["signature_ok"], true, "{r:#}");
    assert_eq!(r["mchid_ok"], true, "{r:#}");
    assert_eq!(r["serial_ok"], true, "{r:#}");
    assert_eq!(r["timestamp_ok"], true, "{r:#}");
    assert_eq!(
        r["uri_same_as_sdk_url"], true,
        "the URL we sign is the one the SDK's signer would: {r:#}"
    );
    assert_eq!(r["sdk_authorization_roundtrip"], true, "{r:#}");
    assert_eq!(r["answer"], 200, "{r:#}");
    assert_eq!(
        r["sdk_client_accepts_answer"], true,
        "the SDK's own verifier accepts the answer we accepted: {r:#}"
    );
}

#[test]
fn wechatpay_server_with_another_merchant_key_refuses_us_and_we_report_auth() {
    let keys = TestKeys::shared();
    let server = wechat_server(&keys.other, &keys.wechat_platform);
    let store = wechat_store(&server);
    let case = example("live-stream-wechat.toml");

    let outcome = check(&case, &store);
    let p = progress(&outcome, "api:wechat_pay");
    assert_eq!(p.status, SourceStatus::Failed, "{p:?}");
    assert!(
        p.detail.en.contains("refused the credentials") && p.detail.en.contains("SIGN_ERROR"),
        "{p:?}"
    );
    assert!(outcome.observations.iter().all(|o| o.via != Via::Api));

    let e = query(&sources::wechat::WechatPay, &case, &store.get("wechat_pay")).unwrap_err();
    assert!(
        matches!(&e, SourceError::Auth { code, .. } if code == "SIGN_ERROR"),
        "{e:?}"
    );
    let asked = wechat_queries(&server);
    assert!(!asked.is_empty());
    for r in &asked {
        assert_eq!(r["signature_ok"], false, "{r:#}");
        assert_eq!(r["verified"], false, "{r:#}");
        assert_eq!(r["answer"], 401, "{r:#}");
    }
}

#[test]
fn wechatpay_answer_signed_with_an_untrusted_key_is_not_used() {
    let keys = TestKeys::shared();
    let server = wechat_server(&keys.wechat_merchant, &keys.other);
    let store = wechat_store(&server);
    let case = example("live-stream-wechat.toml");

    let outcome = check(&case, &store);
    let p = progress(&outcome, "api:wechat_pay");
    assert_eq!(p.status, SourceStatus::Failed, "{p:?}");
    assert!(p.detail.en.contains("untrusted"), "{p:?}");
    assert!(p.raw.is_some(), "the refused answer is kept: {p:?}");
    assert!(outcome.observations.iter().all(|o| o.via != Via::Api));

    let e = query(&sources::wechat::WechatPay, &case, &store.get("wechat_pay")).unwrap_err();
    assert!(matches!(e, SourceError::Untrusted { .. }), "{e:?}");
    for r in wechat_queries(&server) {
        assert_eq!(r["verified"], true, "our request was fine: {r:#}");
        assert_eq!(
            r["sdk_client_accepts_answer"], false,
            "the SDK's own verifier refuses it too: {r:#}"
        );
    }
}
