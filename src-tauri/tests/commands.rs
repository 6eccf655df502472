//! The app's commands through Tauri's mock runtime: the same IPC path the
//! window uses, without a window.
#![cfg(feature = "ipc-tests")]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::{Value, json};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{
    INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder, mock_context, noop_assets,
};
use tauri::webview::InvokeRequest;
use tauri::{App, WebviewWindow, WebviewWindowBuilder};

use daozhang::app::files::{Ask, Dialogs};
use daozhang::app::{AppState, setup};
use daozhang::domain::case::parse_case_toml;
use daozhang::store::Store;

/// The user's answers to the next file dialogs, in order.
#[derive(Default)]
struct Answers(std::sync::Mutex<std::collections::VecDeque<(&'static str, PathBuf)>>);

impl Answers {
    fn next(&self, kind: &str) -> Option<PathBuf> {
        let (k, p) = self.0.lock().unwrap().pop_front()?;
        assert_eq!(k, kind, "the test expected a {k} dialog");
        Some(p)
    }
}

impl Dialogs for Answers {
    fn open(&self, _: &Ask) -> Option<PathBuf> {
        self.next("open")
    }
    fn open_many(&self, _: &Ask) -> Vec<PathBuf> {
        self.next("open_many")
            .map(|p| p.to_string_lossy().split('\t').map(PathBuf::from).collect())
            .unwrap_or_default()
    }
    fn save(&self, _: &Ask) -> Option<PathBuf> {
        self.next("save")
    }
}

struct Harness {
    _dir: tempfile::TempDir,
    _app: App<MockRuntime>,
    window: WebviewWindow<MockRuntime>,
    answers: Arc<Answers>,
}

fn harness() -> Harness {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("cases.sqlite3")).unwrap();
    let answers = Arc::new(Answers::default());
    let state = AppState::new(store).with_dialogs(answers.clone());
    let app = setup(mock_builder(), state)
        .build(mock_context(noop_assets()))
        .expect("the app builds on the mock runtime");
    let window = WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .unwrap();
    Harness {
        _dir: dir,
        _app: app,
        window,
        answers,
    }
}

impl Harness {
    fn call(&self, cmd: &str, body: Value) -> Result<Value, Value> {
        get_ipc_response(
            &self.window,
            InvokeRequest {
                cmd: cmd.into(),
                callback: CallbackFn(0),
                error: CallbackFn(1),
                url: "tauri://localhost".parse().unwrap(),
                body: InvokeBody::Json(body),
                headers: Default::default(),
                invoke_key: INVOKE_KEY.to_string(),
            },
        )
        .map(|b| b.deserialize::<Value>().unwrap())
    }

    fn ok(&self, cmd: &str, body: Value) -> Value {
        self.call(cmd, body)
            .unwrap_or_else(|e| panic!("{cmd} failed: {e}"))
    }

    /// The user chooses `path` in the app's open dialog; the path the
    /// window then holds.
    fn chosen_to_read(&self, path: &Path) -> String {
        self.answers
            .0
            .lock()
            .unwrap()
            .push_back(("open", path.to_owned()));
        let got = self.ok(
            "choose_open_file",
            json!({ "kind": "evidence", "filterName": "Bills" }),
        );
        got.as_str().expect("the chosen path").to_owned()
    }

    /// The user chooses `path` in the app's save dialog.
    fn chosen_to_write(&self, path: &Path) -> String {
        self.answers
            .0
            .lock()
            .unwrap()
            .push_back(("save", path.to_owned()));
        let got = self.ok(
            "choose_save_file",
            json!({ "defaultName": "a.txt", "filters": [{ "name": "Text", "extensions": ["txt"] }] }),
        );
        got.as_str().expect("the chosen path").to_owned()
    }
}

fn douyin_raw() -> Value {
    let case = parse_case_toml(include_str!("../../examples/douyin-dou-plus-alipay.toml")).unwrap();
    serde_json::to_value(case.to_raw()).unwrap()
}

#[test]
fn intake_check_and_complaint_through_ipc() {
    let h = harness();
    let saved = h.ok("save_case", json!({ "raw": douyin_raw() }));
    let id = saved["id"]
        .as_str()
        .expect("save_case returns the new id")
        .to_owned();
    assert_eq!(saved["revision"], 0, "a new case is at revision 0");

    let report = h.ok("run_check", json!({ "id": id, "now": "2026-11-21 16:30" }));
    assert_eq!(
        report["diagnosis"]["broken_link"], "callback",
        "the DOU+ example breaks at the callback"
    );
    assert_eq!(report["case"]["id"], id.as_str());

    let list = h.ok("list_cases", json!({}));
    assert_eq!(
        list[0]["id"],
        id.as_str(),
        "the checked case is in the recent list"
    );
    assert_eq!(
        list[0]["last_check"]["code"], "callback_late",
        "with its last check"
    );

    let c = h.ok(
        "complaint",
        json!({ "id": id, "audience": "platform_chat", "lang": "en", "now": "2026-11-21 16:30" }),
    );
    let text = c["text"].as_str().unwrap();
    assert!(text.contains("7439201234567890123") && text.contains("2026112122001412341408157613"));

    h.ok(
        "save_message",
        json!({ "id": id, "audience": "platform_chat", "lang": "en", "text": "edited text" }),
    );
    let opened = h.ok("open_case", json!({ "id": id }));
    assert_eq!(
        opened["stored"]["messages"][0]["text"], "edited text",
        "edits are kept"
    );
    assert_eq!(
        opened["raw"]["order_id"], "7439201234567890123",
        "reopening restores the form"
    );
    let exported = h.ok("export_case", json!({ "id": id }));
    assert!(exported.as_str().unwrap().contains("\"daozhang-case\""));
}

#[test]
fn times_typed_as_copied_from_a_phone_are_read_as_of_now() {
    let h = harness();
    let mut raw = douyin_raw();
    raw["submitted_at"] = json!("昨天 15:14");
    h.ok(
        "validate_intake",
        json!({ "raw": raw, "now": "2026-11-22 09:00" }),
    );
    let saved = h.ok(
        "save_case",
        json!({ "raw": raw, "now": "2026-11-22 09:00" }),
    );
    let opened = h.ok("open_case", json!({ "id": saved["id"] }));
    assert_eq!(
        opened["raw"]["submitted_at"], "2026-11-21T15:14:00+08:00",
        "「昨天」 is stored as the day it was: {}",
        opened["raw"]
    );
    raw["submitted_at"] = json!("11月21日 15:14");
    h.ok(
        "validate_intake",
        json!({ "raw": raw, "now": "2026-12-07 09:00" }),
    );
    raw["submitted_at"] = json!("昨天");
    let err = h
        .call(
            "validate_intake",
            json!({ "raw": raw, "now": "2026-11-22 09:00" }),
        )
        .expect_err("a day without its time");
    assert_eq!(err["details"]["fields"][0]["field"], "submitted_at");
}

#[test]
fn errors_cross_as_code_message_details() {
    let h = harness();
    let err = h
        .call("validate_intake", json!({ "raw": { "amount": "abc" } }))
        .expect_err("an incomplete intake is invalid");
    assert_eq!(
        err["code"], "invalid_case",
        "a closed code the UI translates"
    );
    let fields: Vec<&str> = err["details"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"amount") && fields.contains(&"order_id"),
        "{fields:?}"
    );

    let err = h.call("open_case", json!({ "id": "dz-nope" })).unwrap_err();
    assert_eq!(err["code"], "not_found");
    // `audience` is an `Audience`: Tauri refuses a word that is none
    // before the command runs, with its own (plain string) error naming
    // the argument. The window only ever sends the generated type.
    let err = h
        .call(
            "complaint",
            json!({ "id": "x", "audience": "mayor", "lang": "en" }),
        )
        .unwrap_err();
    let said = err
        .as_str()
        .unwrap_or_else(|| panic!("a plain string: {err}"));
    assert!(said.contains("audience"), "{said}");
}

#[test]
fn recognition_and_presets() {
    let h = harness();
    let c = h.ok(
        "recognise_id",
        json!({ "input": "4200002345202611214567890123" }),
    );
    assert_eq!(c[0]["issuer"], "wechat_pay");
    let p = h.ok("presets", json!({}));
    assert!(
        p.as_array()
            .unwrap()
            .iter()
            .any(|x| x["id"] == "douyin_dou_plus")
    );
    let info = h.ok("app_info", json!({}));
    assert!(
        info["data_file"]
            .as_str()
            .unwrap()
            .ends_with("cases.sqlite3")
    );
}

#[test]
fn a_cancelled_check_says_so() {
    let h = harness();
    let id = h.ok("save_case", json!({ "raw": douyin_raw() }))["id"].clone();
    h.ok("cancel_check", json!({}));
    // run_check clears a stale cancel at its start: a cancel only stops a
    // check that is running.
    let report = h.ok("run_check", json!({ "id": id, "now": "2026-11-21 16:30" }));
    assert_eq!(report["diagnosis"]["code"], "callback_late");
}

/// The DOU+ order as a shopper types it: what DOU+ and Alipay show.
fn douyin_typed_raw() -> Value {
    json!({
        "platform": "douyin_dou_plus",
        "order_id": "7439201234567890123",
        "amount": "200.00",
        "method": "alipay",
        "submitted_at": "2026-11-21 15:14",
        "payment": [{ "id": "2026112122001412341408157613" }],
        "observation": [
            { "at": "15:15", "source": "platform", "status": "支付失败" },
            { "at": "2026-11-21 15:15:12", "source": "alipay", "status": "交易成功" }
        ]
    })
}

const DOUYIN_SMS: &str = "您尾号6789卡11月21日15:15快捷支付支出（消费支付宝-北京微播视界科技有限公司）200.00元，余额1,234.56元。【工商银行】";

const DOUYIN_RECEIPT: &str = "北京微播视界科技有限公司
-200.00
交易成功
支付时间：2026-11-21 15:15:12
付款方式：交通银行信用卡(7449)
商品说明：DOU+ 上热门
收款方全称：北京微播视界科技有限公司
交易号：2026112122001412341408157613
商家订单号：7439201234567890123
";

#[test]
fn pasted_evidence_is_scanned_accepted_and_lands_on_the_timeline() {
    let h = harness();
    let id = h.ok("save_case", json!({ "raw": douyin_typed_raw() }))["id"].clone();
    let now = "2026-11-21 16:30";

    let err = h
        .call("accept_evidence", json!({ "id": id, "picks": [] }))
        .unwrap_err();
    assert_eq!(err["code"], "not_found", "nothing was read yet: {err}");

    // The bank's SMS has no number of the case: ranked, kept only when picked.
    let scan = h.ok(
        "scan_evidence_text",
        json!({ "id": id, "text": DOUYIN_SMS }),
    );
    assert_eq!(scan["format"], "bank_sms");
    assert_eq!(scan["rows"], 1);
    let c = &scan["candidates"][0];
    assert_eq!(c["direct"], false, "an SMS carries no order number");
    assert_eq!(c["record"]["amount"], "200.00");
    assert_eq!(c["observation"]["via"], "sms");
    let err = h
        .call("accept_evidence", json!({ "id": id, "picks": [3] }))
        .unwrap_err();
    assert_eq!(err["code"], "bad_argument", "a pick that is no candidate");
    let added = h.ok(
        "accept_evidence",
        json!({ "id": id, "picks": [0], "now": now }),
    );
    assert_eq!(added, 1);
    let err = h
        .call("accept_evidence", json!({ "id": id, "picks": [0] }))
        .unwrap_err();
    assert_eq!(err["code"], "not_found", "a scan is accepted once");

    let again = h.ok(
        "scan_evidence_text",
        json!({ "id": id, "text": DOUYIN_SMS }),
    );
    assert_eq!(
        again["candidates"][0]["already_in_case"], true,
        "the same SMS again is in the case already"
    );

    // A receipt with the payment number is taken without a pick, and the
    // payment stage, typed before, now names the document.
    let scan = h.ok(
        "scan_evidence_text",
        json!({ "id": id, "text": DOUYIN_RECEIPT }),
    );
    assert_eq!(scan["format"], "receipt");
    assert_eq!(scan["candidates"][0]["direct"], true);
    let added = h.ok(
        "accept_evidence",
        json!({ "id": id, "picks": [], "now": now }),
    );
    assert_eq!(added, 1);

    let report = h.ok("run_check", json!({ "id": id, "now": now }));
    let bank = &report["timeline"]["stages"][1];
    assert_eq!(bank["stage"], "bank_processing");
    assert_eq!(
        bank["via"], "receipt",
        "the typed 交易成功 is backed by the receipt: {bank}"
    );
    let vias: Vec<&str> = report["timeline"]["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["via"].as_str().unwrap())
        .collect();
    assert!(
        vias.contains(&"sms") && vias.contains(&"receipt"),
        "{vias:?}"
    );

    let opened = h.ok("open_case", json!({ "id": id }));
    assert_eq!(
        opened["raw"]["observation"].as_array().unwrap().len(),
        4,
        "the imported rows are in the stored case's form"
    );
}

#[test]
fn unreadable_evidence_says_why_in_both_languages() {
    let h = harness();
    let id = h.ok("save_case", json!({ "raw": douyin_typed_raw() }))["id"].clone();
    let err = h
        .call(
            "scan_evidence_text",
            json!({ "id": id, "text": "客服说再等等，明天再看看。" }),
        )
        .unwrap_err();
    assert_eq!(err["code"], "unreadable_evidence");
    let text = &err["details"]["text"];
    assert!(
        text["en"].as_str().unwrap().contains("bank debit SMS")
            && !text["zh-CN"].as_str().unwrap().is_empty(),
        "{err}"
    );

    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("statement.pdf");
    std::fs::write(&pdf, b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n").unwrap();
    let err = h
        .call(
            "scan_evidence_file",
            json!({ "id": id, "path": h.chosen_to_read(&pdf) }),
        )
        .unwrap_err();
    assert_eq!(err["code"], "unreadable_evidence");
    assert!(
        err["details"]["text"]["en"]
            .as_str()
            .unwrap()
            .contains("PDF"),
        "{err}"
    );
    let missing = dir.path().join("gone.csv");
    let err = h
        .call(
            "scan_evidence_file",
            json!({ "id": id, "path": h.chosen_to_read(&missing) }),
        )
        .unwrap_err();
    assert_eq!(err["code"], "not_found");
}

#[test]
fn a_locked_bill_zip_asks_for_its_password_through_ipc() {
    use std::io::Write;
    let h = harness();
    let id = h.ok("save_case", json!({ "raw": douyin_typed_raw() }))["id"].clone();
    let mut text = String::from("导出信息：\n共1笔记录\n");
    text.push_str("交易时间,交易分类,交易对方,对方账号,商品说明,收/支,金额,收/付款方式,交易状态,交易订单号,商家订单号,备注,\n");
    text.push_str("2026-11-21 15:15:12,文化休闲,北京微播视界科技有限公司,/,DOU+,支出,200.00,余额,交易成功,2026112122001412341408157613\t,7439201234567890123\t,,\n");
    let (gbk, _, _) = encoding_rs::GB18030.encode(&text);
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let locked = zip::write::SimpleFileOptions::default()
        .with_aes_encryption(zip::AesMode::Aes256, "k7Q2m9");
    zip.start_file("alipay_record_20261130_101502.csv", locked)
        .unwrap();
    zip.write_all(&gbk).unwrap();
    let bytes = zip.finish().unwrap().into_inner();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("支付宝交易流水.zip");
    std::fs::write(&file, bytes).unwrap();
    let path = h.chosen_to_read(&file);

    let err = h
        .call("scan_evidence_file", json!({ "id": id, "path": path }))
        .unwrap_err();
    assert_eq!(err["code"], "password", "{err}");
    assert_eq!(err["details"]["lock"], "aes");
    assert_eq!(err["details"]["wrong"], false);
    assert!(
        err["details"]["hint"]["zh-CN"]
            .as_str()
            .unwrap()
            .contains("服务消息"),
        "{err}"
    );
    let err = h
        .call(
            "scan_evidence_file",
            json!({ "id": id, "path": path, "password": "k7q2m9" }),
        )
        .unwrap_err();
    assert_eq!(err["details"]["wrong"], true, "{err}");
    let scan = h.ok(
        "scan_evidence_file",
        json!({ "id": id, "path": path, "password": "k7Q2m9" }),
    );
    assert_eq!(scan["format"], "alipay_app");
    assert_eq!(scan["candidates"][0]["direct"], true);
    assert_eq!(h.ok("accept_evidence", json!({ "id": id, "picks": [] })), 1);
}

#[test]
fn the_ladder_records_sent_answer_close_and_exports_through_ipc() {
    let h = harness();
    let id = h.ok(
        "save_case",
        json!({ "raw": douyin_raw(), "now": "2026-11-21 16:30" }),
    );
    let id = id["id"].as_str().unwrap().to_owned();
    let now = "2026-11-24 10:00";
    let v = h.ok("case_ladder", json!({ "id": id, "now": now }));
    assert_eq!(v["rungs"][0]["audience"], "platform_chat");
    assert_eq!(v["rungs"][0]["current"], true);

    let v = h.ok(
        "mark_sent",
        json!({ "id": id, "audience": "platform_chat", "at": "2026-11-21 16:40", "lang": "en", "now": now }),
    );
    assert_eq!(v["rungs"][0]["status"]["state"], "sent");
    assert_eq!(
        v["messages"][0]["lang"], "en",
        "written in the language asked for"
    );
    let v = h.ok(
        "record_reply",
        json!({ "id": id, "audience": "platform_chat", "at": "2026-11-21", "text": "please wait", "now": now }),
    );
    assert_eq!(v["rungs"][0]["status"]["state"], "answered");
    let v = h.ok(
        "close_rung",
        json!({ "id": id, "audience": "platform_chat", "note": "no help", "now": now }),
    );
    assert_eq!(v["rungs"][0]["status"]["state"], "closed");
    assert_eq!(v["messages"].as_array().unwrap().len(), 3);

    let dir = tempfile::tempdir().unwrap();
    let md_path = dir.path().join("case.md");
    let chosen = h.chosen_to_write(&md_path);
    let files = h.ok(
        "export_markdown",
        json!({ "id": id, "lang": "en", "path": chosen, "now": now }),
    );
    assert_eq!(files, json!([]), "the case keeps no files");
    let md = std::fs::read_to_string(&md_path).unwrap();
    assert!(md.contains("## Escalation ladder"));
    assert!(
        !dir.path().join("case.files").exists(),
        "no empty folder beside it"
    );
    let ics = h.ok(
        "export_ics",
        json!({ "id": id, "lang": "zh-CN", "now": now }),
    );
    assert!(ics.as_str().unwrap().starts_with("BEGIN:VCALENDAR\r\n"));

    let e = h
        .call(
            "record_reply",
            json!({ "id": id, "audience": "platform_chat", "text": " " }),
        )
        .expect_err("an empty answer is refused");
    assert_eq!(e["code"], "bad_argument");
}

#[test]
fn the_follow_up_through_ipc() {
    let h = harness();
    let id = h.ok(
        "save_case",
        json!({ "raw": douyin_raw(), "now": "2026-11-21 16:00" }),
    );
    let id = id["id"].as_str().unwrap().to_owned();
    h.ok("run_check", json!({ "id": id, "now": "2026-11-21 16:30" }));

    let f = h.ok(
        "follow_status",
        json!({ "id": id, "now": "2026-11-21 16:31" }),
    );
    assert_eq!(f["enabled"], true, "every case is followed: {f}");
    assert_eq!(f["settled"], false);
    assert!(
        f["last_run"]
            .as_str()
            .unwrap()
            .starts_with("2026-11-21T16:30"),
        "the check by hand is the last look: {f}"
    );
    let next = f["next_check"].as_str().expect("a next re-check");
    assert!(next > "2026-11-21T16:30", "after the last look: {next}");
    assert_eq!(f["unread"], json!([]), "nothing found by a re-check yet");

    let off = h.ok("set_following", json!({ "id": id, "enabled": false }));
    assert_eq!(off["enabled"], false);
    assert_eq!(off["next_check"], Value::Null, "off: no next re-check");
    let again = h.ok(
        "follow_status",
        json!({ "id": id, "now": "2026-11-21 16:31" }),
    );
    assert_eq!(again["enabled"], false, "kept in the case file");
    h.ok("set_following", json!({ "id": id, "enabled": true }));

    h.ok("mark_seen", json!({ "id": id }));
    h.ok("set_ui_language", json!({ "lang": "zh-CN" }));
    // `lang` is a `Lang`: Tauri refuses another word before the command
    // runs, with a plain-string error naming the argument.
    let bad = h
        .call("set_ui_language", json!({ "lang": "fr" }))
        .unwrap_err();
    let said = bad
        .as_str()
        .unwrap_or_else(|| panic!("a plain string: {bad}"));
    assert!(said.contains("lang"), "{said}");
    let missing = h
        .call(
            "follow_status",
            json!({ "id": "dz-zzzzzzzzzz", "now": null }),
        )
        .unwrap_err();
    assert_eq!(missing["code"], "not_found", "{missing}");
    let login = h.call("start_at_login", json!({})).unwrap_err();
    assert!(
        login["message"].as_str().unwrap().contains("not available"),
        "without the plugin (mock runtime) it says so: {login}"
    );
}

/// The orders file the front end's fake backend is built from
/// (ui/src/lib/fixtures/cases/batch-orders.csv): credited, within its
/// window, a row whose amount is words, a card shop stuck at 待确认, a
/// time that is no time, a refund in progress …
const BATCH_ORDERS: &str = include_str!("../../ui/src/lib/fixtures/cases/batch-orders.csv");

#[test]
fn a_batch_through_ipc_previews_runs_refuses_to_overwrite_and_resumes() {
    use std::sync::{Arc, Mutex};
    use tauri::{Listener, Manager};

    let h = harness();
    let dir = tempfile::tempdir().unwrap();
    let orders = dir.path().join("orders.csv");
    std::fs::write(&orders, BATCH_ORDERS).unwrap();
    let orders = h.chosen_to_read(&orders);
    let report = dir.path().join("report.csv");
    let report_s = h.chosen_to_write(&report);

    let preview = h.ok("batch_preview", json!({ "path": orders }));
    assert_eq!(preview["orders"], 10);
    assert_eq!(preview["valid"], 8);
    assert_eq!(preview["bad"], 2);
    assert_eq!(preview["bad_rows"][0]["row"], 4, "the header is line 1");
    assert_eq!(preview["bad_rows"][1]["row"], 8);
    assert!(
        preview["bad_rows"][0]["text"]["en"]
            .as_str()
            .unwrap()
            .contains("two hundred")
            && !preview["bad_rows"][0]["text"]["zh-CN"]
                .as_str()
                .unwrap()
                .is_empty(),
        "the bad row says why in both languages: {preview}"
    );
    assert_eq!(preview["columns"][0]["column"], "order_id");
    assert_eq!(preview["columns"][0]["header"], "订单号");
    assert_eq!(preview["ignored_columns"], json!(["备注"]));
    assert!(
        !report.exists(),
        "a preview checks nothing and writes nothing"
    );

    let seen = Arc::new(Mutex::new(Vec::<Value>::new()));
    let sink = seen.clone();
    h.window
        .app_handle()
        .listen_any("batch-progress", move |e| {
            sink.lock()
                .unwrap()
                .push(serde_json::from_str(e.payload()).unwrap());
        });
    let run = |resume: bool| {
        h.call(
            "batch_run",
            json!({
                "path": orders, "report": report_s, "concurrency": 2,
                "resume": resume, "offline": true, "now": "2026-11-21 16:30"
            }),
        )
    };
    let done = run(false).unwrap_or_else(|e| panic!("batch_run failed: {e}"));
    let s = &done["summary"];
    assert_eq!(
        (s["total"].as_u64(), s["done"].as_u64()),
        (Some(10), Some(10))
    );
    assert_eq!(s["cancelled"], false);
    let counts = |o: &str| s["counts"][o].as_u64().unwrap();
    assert_eq!(counts("settled"), 1, "B1001 was credited: {s}");
    assert_eq!(
        counts("waiting"),
        3,
        "B1002 and B1008 within their window, B1006 a refund in progress: {s}"
    );
    assert_eq!(
        counts("broken_link"),
        2,
        "B1005 and B1010 paid hours ago, never credited: {s}"
    );
    assert_eq!(
        counts("unknown"),
        2,
        "the card shop's 待确认 alone says little: {s}"
    );
    assert_eq!(counts("error"), 2, "B1003 and B1007 cannot be read: {s}");
    let causes: Vec<&str> = s["causes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_str().unwrap())
        .collect();
    assert!(
        causes.contains(&"platform_bug") && causes.contains(&"bad_row"),
        "{causes:?}"
    );
    let rows: Vec<&str> = done["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["order_id"].as_str().unwrap())
        .collect();
    assert_eq!(rows.len(), 10);
    assert_eq!(
        (rows[0], rows[9]),
        ("B1001", "B1010"),
        "the rows in file order"
    );
    assert_eq!(done["rows_in_report"], 10);
    assert_eq!(done["report"], report_s.as_str());
    let last = seen
        .lock()
        .unwrap()
        .last()
        .cloned()
        .expect("progress events");
    assert_eq!(
        (last["done"].as_u64(), last["total"].as_u64()),
        (Some(10), Some(10)),
        "the last event says every row is done"
    );

    let err = run(false).unwrap_err();
    assert_eq!(
        err["code"], "exists",
        "an existing report is not overwritten"
    );
    let text = &err["details"]["text"];
    assert!(
        !text["en"].as_str().unwrap().contains("--resume")
            && text["zh-CN"].as_str().unwrap().contains("继续"),
        "the window's words, not the CLI's flag: {err}"
    );

    // A run cut short: the report keeps its header and two rows.
    let kept: Vec<String> = std::fs::read_to_string(&report)
        .unwrap()
        .lines()
        .take(3)
        .map(str::to_owned)
        .collect();
    std::fs::write(&report, kept.join("\n") + "\n").unwrap();
    let resumed = run(true).unwrap_or_else(|e| panic!("resume failed: {e}"));
    assert_eq!(
        resumed["summary"]["resumed"], 2,
        "two rows came from the report"
    );
    assert_eq!(resumed["summary"]["done"], 10);
    assert_eq!(resumed["rows_in_report"], 10, "the report is whole again");
    assert_eq!(
        resumed["summary"]["counts"], done["summary"]["counts"],
        "the resumed report says what the whole run said"
    );

    // The front end's fake backend answers with these (ui/src/lib/fixtures).
    if std::env::var_os("UPDATE_FIXTURES").is_some() {
        let bad = dir.path().join("bad.csv");
        std::fs::write(&bad, "订单号,金额\nA1,200\n").unwrap();
        let missing = h
            .call("batch_preview", json!({ "path": h.chosen_to_read(&bad) }))
            .unwrap_err();
        let mut run = done.clone();
        run["summary"]["elapsed_ms"] = json!(0);
        let fixture =
            json!({ "preview": preview, "run": run, "exists": err, "missing_columns": missing });
        let text = serde_json::to_string_pretty(&fixture)
            .unwrap()
            .replace(&dir.path().display().to_string(), "/home/user/Documents");
        std::fs::write(
            concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../ui/src/lib/fixtures/batch.json"
            ),
            text + "\n",
        )
        .unwrap();
    }

    let copy = dir.path().join("copy.csv");
    h.ok(
        "batch_save_report",
        json!({ "from": report_s, "to": h.chosen_to_write(&copy) }),
    );
    assert_eq!(
        std::fs::read(&copy).unwrap(),
        std::fs::read(&report).unwrap()
    );
    let err = h
        .call(
            "batch_save_report",
            json!({ "from": orders, "to": h.chosen_to_write(&dir.path().join("x.csv")) }),
        )
        .unwrap_err();
    assert_eq!(
        err["code"], "not_chosen",
        "only a file the app wrote is copied, not one it was given to read: {err}"
    );
    let note = dir.path().join("note.txt");
    let note_s = h.chosen_to_write(&note);
    h.ok(
        "write_text_file",
        json!({ "path": note_s, "contents": "not a report\n" }),
    );
    let err = h
        .call(
            "batch_save_report",
            json!({ "from": note_s, "to": h.chosen_to_write(&dir.path().join("y.csv")) }),
        )
        .unwrap_err();
    assert_eq!(
        err["code"], "bad_argument",
        "only a report is copied: {err}"
    );
    h.ok("batch_cancel", json!({}));
}

#[test]
fn a_batch_file_without_its_columns_says_which() {
    let h = harness();
    let dir = tempfile::tempdir().unwrap();
    let orders = dir.path().join("orders.csv");
    std::fs::write(&orders, "订单号,金额\nA1,200\n").unwrap();
    let err = h
        .call(
            "batch_preview",
            json!({ "path": h.chosen_to_read(&orders) }),
        )
        .unwrap_err();
    assert_eq!(err["code"], "syntax");
    assert!(
        err["details"]["text"]["zh-CN"]
            .as_str()
            .unwrap()
            .contains("下单时间"),
        "{err}"
    );
    assert_eq!(err["details"]["missing"], json!(["time", "platform"]));
}

/// The bank's SMS typed into the case by `daozhang evidence import` (another
/// process on the same case file) while the window's form is open.
fn import_sms_with_the_cli(data: &std::path::Path, id: &str) {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_daozhang"))
        .args([
            "evidence", "import", "--sms", "-", "--case", id, "--accept", "all",
        ])
        .env("DAOZHANG_DATA_DIR", data)
        .env("NO_COLOR", "1")
        .env("LANG", "en_US.UTF-8")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the daozhang binary runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(DOUYIN_SMS.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "the CLI imported the SMS: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn an_edit_saved_while_the_cli_and_the_loop_wrote_keeps_everything() {
    let h = harness();
    let saved = h.ok("save_case", json!({ "raw": douyin_typed_raw() }));
    let id = saved["id"].as_str().unwrap().to_owned();
    let opened = h.ok("open_case", json!({ "id": id }));
    let revision = opened["revision"].clone();

    // While the form is open: the CLI adds the bank's SMS, and the app's
    // re-check loop keeps a provider's answer (through the app's store, as
    // its checks do).
    import_sms_with_the_cli(h._dir.path(), &id);
    let answer = daozhang::domain::observation::Observation {
        at: Some(chrono::DateTime::parse_from_rfc3339("2026-11-21T15:15:12+08:00").unwrap()),
        source: daozhang::domain::observation::SourceKind::Alipay,
        via: daozhang::domain::observation::Via::Api,
        raw: "TRADE_SUCCESS".into(),
        claim: daozhang::domain::observation::Claim::Paid,
        amount: None,
        payment_id: Some("2026112122001412341408157613".into()),
        note: None,
    };
    {
        use tauri::Manager;
        let state = h._app.state::<AppState>();
        let now = chrono::DateTime::parse_from_rfc3339("2026-11-21T16:00:00+08:00").unwrap();
        state
            .store
            .lock()
            .unwrap()
            .add_observations(&id, std::slice::from_ref(&answer), now)
            .unwrap();
    }

    // The user saves the form they opened, with an edit of their own.
    let mut raw = opened["raw"].clone();
    raw["item"] = json!("DOU+ 上热门（200 元档）");
    let saved = h.ok(
        "save_case",
        json!({ "raw": raw, "id": id, "revision": revision }),
    );
    assert_eq!(saved["kept"], 2, "the SMS and the answer: {saved}");

    // Reload the case file from disk: everything that was written is there.
    let case = Store::open(&h._dir.path().join("cases.sqlite3"))
        .unwrap()
        .get(&id)
        .unwrap()
        .case;
    assert_eq!(case.item.as_deref(), Some("DOU+ 上热门（200 元档）"));
    assert!(
        case.observations
            .iter()
            .any(|o| o.via == daozhang::domain::observation::Via::Sms),
        "the CLI's SMS survived the save: {:?}",
        case.observations
    );
    assert!(
        case.observations.contains(&answer),
        "the loop's answer survived"
    );
    assert_eq!(
        case.observations.len(),
        4,
        "the two typed rows, the SMS and the answer, none twice"
    );

    // A save against a revision the app never handed out is refused.
    let err = h
        .call("save_case", json!({ "raw": raw, "id": id, "revision": 99 }))
        .unwrap_err();
    assert_eq!(err["code"], "changed", "{err}");
}

/// A file the page names but the user never chose, with a secret on its
/// first line (as in `~/.git-credentials`).
const CREDENTIALS: &str = "https://octocat:ghp_SECRETTOKEN1234@github.com\n";

/// What the window can no longer do: name any file. None of the five file
/// commands reads or writes a path the user did not choose, and nothing
/// of the file comes back in the error.
#[test]
fn paths_not_chosen_are_refused_by_every_file_command() {
    let h = harness();
    let id = h.ok("save_case", json!({ "raw": douyin_typed_raw() }))["id"].clone();
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join(".git-credentials");
    std::fs::write(&secret, CREDENTIALS).unwrap();
    let secret_s = secret.display().to_string();
    let elsewhere = dir.path().join("autostart.desktop");
    let elsewhere_s = elsewhere.display().to_string();
    let calls = [
        ("batch_preview", json!({ "path": secret_s })),
        ("scan_evidence_file", json!({ "id": id, "path": secret_s })),
        (
            "batch_run",
            json!({ "path": secret_s, "report": elsewhere_s, "concurrency": 1,
                    "resume": false, "offline": true }),
        ),
        (
            "batch_save_report",
            json!({ "from": secret_s, "to": elsewhere_s }),
        ),
        (
            "write_text_file",
            json!({ "path": elsewhere_s, "contents": "[Desktop Entry]" }),
        ),
        ("reveal_file", json!({ "path": secret_s })),
        ("draft_case", json!({ "paths": [secret_s] })),
        ("keep_attachments", json!({ "id": id, "paths": [secret_s] })),
    ];
    for (cmd, body) in calls {
        let err = h
            .call(cmd, body)
            .expect_err(&format!("{cmd} refuses a path not chosen"));
        assert_eq!(err["code"], "not_chosen", "{cmd}: {err}");
        let said = err.to_string();
        assert!(
            !said.contains("SECRETTOKEN") && !said.contains("octocat"),
            "{cmd} tells nothing of the file: {said}"
        );
        let text = &err["details"]["text"];
        assert!(
            !text["zh-CN"].as_str().unwrap().is_empty() && !text["en"].as_str().unwrap().is_empty(),
            "{cmd} says why in both languages: {err}"
        );
    }
    assert!(!elsewhere.exists(), "nothing was written");
    assert_eq!(std::fs::read_to_string(&secret).unwrap(), CREDENTIALS);
}

/// A path works for the access the user gave it: one chosen to be read is
/// not written, one chosen to be written is written; a cancelled dialog
/// grants nothing.
#[test]
fn a_chosen_path_works_only_for_its_access() {
    let h = harness();
    let dir = tempfile::tempdir().unwrap();
    let orders = dir.path().join("orders.csv");
    std::fs::write(&orders, BATCH_ORDERS).unwrap();

    let read = h.chosen_to_read(&orders);
    assert_eq!(h.ok("batch_preview", json!({ "path": read }))["orders"], 10);
    let err = h
        .call(
            "write_text_file",
            json!({ "path": read, "contents": "overwritten" }),
        )
        .unwrap_err();
    assert_eq!(err["code"], "not_chosen", "read is not write: {err}");
    assert_eq!(std::fs::read_to_string(&orders).unwrap(), BATCH_ORDERS);

    let out = dir.path().join("complaint.txt");
    let err = h
        .call("reveal_file", json!({ "path": out.display().to_string() }))
        .unwrap_err();
    assert_eq!(err["code"], "not_chosen", "not the app's file yet: {err}");
    let write = h.chosen_to_write(&out);
    let err = h
        .call("batch_preview", json!({ "path": write }))
        .unwrap_err();
    assert_eq!(
        err["code"], "not_chosen",
        "a place to save is not a file to read before the app wrote it: {err}"
    );
    h.ok(
        "write_text_file",
        json!({ "path": write, "contents": "the complaint" }),
    );
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "the complaint");

    // The user cancels: no path, no grant.
    let none = h.ok(
        "choose_save_file",
        json!({ "defaultName": "a.txt", "filters": [] }),
    );
    assert_eq!(none, Value::Null);
    let none = h.ok(
        "choose_open_file",
        json!({ "kind": "orders", "filterName": "Orders" }),
    );
    assert_eq!(none, Value::Null);
}

/// Screenshots chosen together in one dialog may be drafted from; a file
/// that is no screenshot is named with what it is, and a dialog cancelled
/// grants nothing.
#[test]
fn screenshots_chosen_together_are_drafted_from_and_a_bill_is_named() {
    let h = harness();
    let dir = tempfile::tempdir().unwrap();
    let bill = dir.path().join("账单.csv");
    std::fs::write(
        &bill,
        "微信支付账单明细\n交易时间,交易类型,交易对方,商品,收/支,金额(元),支付方式,当前状态,交易单号,商户单号,备注\n",
    )
    .unwrap();
    let shot = dir.path().join("shot.png");
    std::fs::write(&shot, b"\x89PNG\r\n\x1a\n cut short").unwrap();
    let both = format!("{}\t{}", shot.display(), bill.display());
    h.answers
        .0
        .lock()
        .unwrap()
        .push_back(("open_many", PathBuf::from(both)));
    let chosen = h.ok(
        "choose_open_files",
        json!({ "kind": "screenshots", "filterName": "Screenshots" }),
    );
    let chosen: Vec<String> = serde_json::from_value(chosen).unwrap();
    assert_eq!(chosen.len(), 2, "{chosen:?}");
    let err = h
        .call("draft_case", json!({ "paths": chosen }))
        .expect_err("a bill is no screenshot");
    assert_eq!(err["code"], "unreadable_evidence", "{err}");
    let zh = err["details"]["text"]["zh-CN"].as_str().unwrap_or_default();
    assert!(
        zh.starts_with("账单.csv：") && zh.contains("不是截图"),
        "{err}"
    );
    let err = h
        .call("draft_case", json!({ "paths": [] }))
        .expect_err("nothing to draft from");
    assert_eq!(err["code"], "bad_argument", "{err}");
    // Chosen files are kept with a stored case.
    let id = h.ok("save_case", json!({ "raw": douyin_typed_raw() }))["id"].clone();
    let kept = h.ok(
        "keep_attachments",
        json!({ "id": id, "paths": [chosen[0]] }),
    );
    assert_eq!(kept, json!(["shot.png"]));
    // The Markdown export carries them, in a folder beside it.
    let md_path = dir.path().join("out").join("案件.md");
    std::fs::create_dir(md_path.parent().unwrap()).unwrap();
    let to = h.chosen_to_write(&md_path);
    let files = h.ok(
        "export_markdown",
        json!({ "id": id, "lang": "zh-CN", "path": to }),
    );
    assert_eq!(files, json!(["shot.png"]));
    let copy = dir.path().join("out").join("案件.files").join("shot.png");
    assert_eq!(
        std::fs::read(&copy).unwrap(),
        std::fs::read(&shot).unwrap(),
        "the kept file, copied"
    );
    let md = std::fs::read_to_string(&md_path).unwrap();
    assert!(
        md.contains("[打开](<案件.files/shot.png>)")
            && md.contains("![shot.png](<案件.files/shot.png>)"),
        "linked and shown:\n{md}"
    );
    // Cancelled: nothing chosen.
    let none = h.ok(
        "choose_open_files",
        json!({ "kind": "screenshots", "filterName": "Screenshots" }),
    );
    assert_eq!(none, json!([]));
}

/// The mail link is built in Rust: the complaint's text cannot add a
/// header such as `attach=`, and it arrives whole.
#[test]
fn the_mail_link_encodes_the_complaint_and_adds_no_attachment() {
    let body = "退款请求\nLine 2 & more?&attach=/home/u/.ssh/id_rsa&cc=x@y.z #1 100%";
    let url = daozhang::app::commands::mailto("投诉 subject&attach=/etc/passwd", body);
    let query = url
        .strip_prefix("mailto:?")
        .expect("a mailto link with no address");
    let fields: Vec<(String, String)> = query
        .split('&')
        .map(|kv| {
            let (k, v) = kv.split_once('=').expect("key=value");
            (
                k.to_owned(),
                percent_encoding::percent_decode_str(v)
                    .decode_utf8()
                    .unwrap()
                    .into_owned(),
            )
        })
        .collect();
    let keys: Vec<&str> = fields.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        keys,
        ["subject", "body"],
        "only these, no attach or cc: {url}"
    );
    assert_eq!(fields[0].1, "投诉 subject&attach=/etc/passwd");
    assert_eq!(fields[1].1, body, "the body comes through whole");
    assert!(!url.contains(' ') && !url.contains('\n'), "{url}");
}

/// The window's capability: each command it uses by name, and none of the
/// plugin permissions that let the page open dialogs, URLs, the file
/// manager or notifications itself.
#[test]
fn the_capability_lists_exactly_the_commands_the_window_uses() {
    let cap: Value = serde_json::from_str(include_str!("../capabilities/main.json")).unwrap();
    let perms: Vec<&str> = cap["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().expect("plain permission names, no scopes"))
        .collect();
    for p in &perms {
        assert!(
            !p.starts_with("notification:")
                && !p.starts_with("dialog:")
                && !p.starts_with("opener:")
                && !p.starts_with("fs:")
                && !p.starts_with("shell:"),
            "the page gets no {p}"
        );
    }
    let mut granted: Vec<String> = perms
        .iter()
        .filter_map(|p| p.strip_prefix("allow-"))
        .map(|c| c.replace('-', "_"))
        .collect();
    granted.sort();
    // What the window calls (ui/src/lib/backend.ts: `this.invoke<…>('name'`).
    let backend = include_str!("../../ui/src/lib/backend.ts");
    let mut used: Vec<String> = backend
        .split("this.invoke")
        .skip(1)
        .filter_map(|rest| {
            let start = rest.find('\'')? + 1;
            let end = start + rest[start..].find('\'')?;
            Some(rest[start..end].to_owned())
        })
        .collect();
    used.sort();
    used.dedup();
    assert_eq!(granted, used, "the capability grants what the window calls");
    // Every command the app registers has its own permission (build.rs).
    let build = include_str!("../build.rs");
    for c in &used {
        assert!(
            build.contains(&format!("\"{c}\",")),
            "{c} is in the app manifest"
        );
    }
}

#[test]
fn my_details_through_ipc_fill_the_12315_form() {
    let h = harness();
    assert_eq!(h.ok("my_details", json!({}))["name"], Value::Null);
    let err = h
        .call(
            "save_my_details",
            json!({ "details": { "name": "张三", "phone": "call me", "email": null, "address": null, "accounts": {} } }),
        )
        .unwrap_err();
    assert_eq!(err["code"], "invalid_case");
    assert_eq!(err["details"]["fields"][0]["field"], "phone");
    assert_eq!(
        h.ok("my_details", json!({}))["name"],
        Value::Null,
        "nothing is saved while a field is wrong"
    );
    let kept = h.ok(
        "save_my_details",
        json!({ "details": { "name": " 张三 ", "phone": "13800138000", "email": null, "address": "北京市朝阳区某某路 1 号", "accounts": {} } }),
    );
    assert_eq!(kept["name"], "张三", "trimmed");
    let saved = h.ok("save_case", json!({ "raw": douyin_raw() }));
    let id = saved["id"].as_str().unwrap().to_owned();
    let c = h.ok(
        "complaint",
        json!({ "id": id, "audience": "consumer_12315", "lang": "zh-CN", "now": "2026-11-21 16:30" }),
    );
    let fields = c["form"]["fields"].as_array().unwrap();
    let value = |k: &str| fields.iter().find(|f| f["key"] == k).unwrap()["value"].clone();
    assert_eq!(value("complainant_name"), "张三");
    assert_eq!(value("complainant_phone"), "13800138000");
    assert!(c["text"].as_str().unwrap().contains("姓名：张三"));
    assert!(
        !c["missing"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m == "投诉人姓名"),
        "{:?}",
        c["missing"]
    );
}
