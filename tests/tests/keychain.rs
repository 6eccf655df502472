//! Credentials live in the real OS keychain and survive restarts: written
//! by one `daozhang` process, read back by another, and still there after
//! the Secret Service itself is restarted (its files on disk, as after a
//! logout or reboot). Nothing secret is ever printed back or kept in plain
//! text. Runs against a real gnome-keyring-daemon on a private D-Bus.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use daozhang_tests::cli_binary;
use daozhang_tests::fakes::TestKeys;
use daozhang_tests::keyring::KeyringSession;

fn daozhang(session: &KeyringSession, args: &[&str], stdin: Option<&str>) -> Output {
    let mut cmd = Command::new(cli_binary());
    cmd.args(args)
        .envs(session.env())
        .env("DAOZHANG_KEYRING_SERVICE", "daozhang-keychain-test")
        .env("LANG", "en_US.UTF-8")
        .env_remove("LC_ALL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // No credential may come from the test's own environment.
    for (k, _) in std::env::vars() {
        if k.starts_with("DAOZHANG_ALIPAY") || k.starts_with("DAOZHANG_WECHAT") {
            cmd.env_remove(k);
        }
    }
    let mut child = cmd.spawn().expect("daozhang runs");
    let mut input = child.stdin.take().expect("stdin");
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).expect("write stdin");
    }
    drop(input);
    child.wait_with_output().expect("daozhang finishes")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Every 24-character run of the key's base64 body: none may show up.
fn key_chunks(pem: &str) -> Vec<String> {
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    body.as_bytes()
        .chunks(24)
        .filter(|c| c.len() == 24)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect()
}

#[test]
fn alipay_credentials_persist_across_process_and_keychain_restarts() {
    let session = KeyringSession::start();
    let keys = TestKeys::shared();
    let private = keys.alipay_app.private_key_pem();
    let input = format!(
        "app_id = \"2021004123456789\"\nprivate_key = \"\"\"\n{private}\"\"\"\nalipay_public_key = \"\"\"\n{}\"\"\"\ngateway = \"https://openapi-sandbox.dl.alipaydev.com/gateway.do\"\n",
        keys.alipay_platform.public_key_pem()
    );

    let set = daozhang(&session, &["creds", "set", "alipay"], Some(&input));
    assert!(set.status.success(), "creds set: {}", text(&set));

    // A new process reads what the first one wrote.
    let show = |label: &str| {
        let out = daozhang(&session, &["creds", "show", "alipay", "--json"], None);
        assert!(out.status.success(), "{label}: creds show: {}", text(&out));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
        let field = |k: &str| {
            v["fields"]
                .as_array()
                .unwrap()
                .iter()
                .find(|f| f["key"] == k)
                .cloned()
                .unwrap()
        };
        assert_eq!(
            v["ready"], true,
            "{label}: every required field is back: {v}"
        );
        assert_eq!(
            field("app_id")["value"],
            "2021004123456789",
            "{label}: a plain field is shown back"
        );
        assert_eq!(
            field("private_key")["has_value"],
            true,
            "{label}: the key is kept"
        );
        assert!(
            field("private_key")["value"].is_null(),
            "{label}: a secret's value is never shown back"
        );
        for chunk in key_chunks(private) {
            assert!(
                !text(&out).contains(&chunk),
                "{label}: the private key leaked into `creds show`"
            );
        }
    };
    show("after a process restart");

    // The Secret Service goes away and comes back: the entry is on disk.
    session.stop_keyring();
    session.start_keyring();
    show("after a keychain restart");

    // On disk the keychain holds the key encrypted, never in plain text.
    for file in session.files() {
        let bytes = std::fs::read(&file).unwrap_or_default();
        let content = String::from_utf8_lossy(&bytes);
        for chunk in key_chunks(private) {
            assert!(
                !content.contains(&chunk),
                "{} holds the private key in plain text",
                file.display()
            );
        }
    }

    let deleted = daozhang(&session, &["creds", "delete", "alipay"], None);
    assert!(deleted.status.success(), "{}", text(&deleted));
    let list = daozhang(&session, &["creds", "list", "--json"], None);
    let v: serde_json::Value = serde_json::from_slice(&list.stdout).expect("JSON");
    let alipay = v
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "alipay")
        .unwrap();
    assert_eq!(alipay["ready"], false, "deleted means gone: {alipay}");
}

#[test]
fn secrets_are_refused_as_arguments_and_typos_are_named() {
    let session = KeyringSession::start();
    // There is no way to pass a value on the command line.
    let out = daozhang(
        &session,
        &["creds", "set", "alipay", "--private-key", "x"],
        None,
    );
    assert!(!out.status.success(), "{}", text(&out));
    let out = daozhang(
        &session,
        &["creds", "set", "alipay"],
        Some("appid = \"1\"\n"),
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("app_id"),
        "the error lists the real field names: {}",
        text(&out)
    );
}

#[test]
fn without_a_keychain_the_error_says_what_to_do() {
    let mut cmd = Command::new(cli_binary());
    let out = cmd
        .args(["creds", "show", "alipay"])
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/daozhang-bus",
        )
        .env("LANG", "en_US.UTF-8")
        .output()
        .expect("runs");
    let t = text(&out);
    assert!(
        t.contains("keychain is not available") && t.contains("DAOZHANG_"),
        "names the problem and the way out: {t}"
    );
}
