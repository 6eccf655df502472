//! End to end: the real app binary in a real window under Xvfb, driven
//! through tauri-driver + WebKitWebDriver, walking the whole flow for the
//! Douyin DOU+ example, then a merchant's live Alipay and WeChat Pay
//! queries against loopback fake gateways with the settings in a real
//! (private) keychain.
//! Screenshots of every step land in `target/screenshots/`
//! (scripts/screenshots.sh copies them to docs/).

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use daozhang_tests::bills::{Row, alipay_app};
use daozhang_tests::fakes::{AlipayOrder, FakeAlipay, FakeWechatPay, WechatOrder};
use daozhang_tests::keyring::KeyringSession;
use daozhang_tests::notifications::FakeNotifications;
use daozhang_tests::screens::{Payment, Phone, Screen, render};
use daozhang_tests::webdriver::{Driver, Session, app_binary};
use daozhang_tests::zips::{Locked, bill_zip};
use serde_json::json;

/// One app under one display at a time: the tests share the display
/// number and the machine's two cores.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner())
}

fn shots() -> PathBuf {
    let dir = app_binary()
        .parent()
        .and_then(|p| p.parent())
        .expect("target/")
        .join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const ORDER: &str = "7439201234567890123";
const PAYMENT: &str = "2026112122001412341408157613";
/// examples/live-stream-wechat.toml
const WECHAT_ORDER: &str = "LS20261121200512345";
const WECHAT_PAYMENT: &str = "4200002345202611214567890123";

/// Adds observation row `n` unless the form already offers it.
fn add_row(s: &Session, n: usize) {
    if !s.exists(&format!("obs-source-{n}")) {
        s.click("add-observation");
    }
}

/// Waits until the window is on screen: the app creates it hidden and
/// shows it after its first frame, so a screenshot taken as soon as the
/// DOM is ready can be of a window not yet shown (all black).
fn wait_shown(s: &Session) {
    s.wait_for("the window to be shown", |s| {
        s.script("return document.visibilityState;", json!([]))
            .as_str()
            == Some("visible")
    });
    std::thread::sleep(Duration::from_millis(500));
}

/// Saves a PNG of the window. WebKitWebDriver answers a screenshot after
/// the page's next presentation update, which an idle page never makes:
/// a harmless style flicker for a moment makes one.
/// The Check button answered: it shows the check under way, or the form
/// has given way to the check's screens.
fn check_started(s: &Session) -> bool {
    s.script(
        "const b = document.querySelector('[data-testid=\"run-check\"]'); return !b || b.dataset.busy === 'true';",
        serde_json::json!([]),
    )
    .as_bool()
    .unwrap_or(false)
}

fn shot(s: &Session, path: &Path) {
    s.script(
        "let n = 0; const id = setInterval(() => { document.body.style.opacity = n++ % 2 ? '' : '0.999'; if (n > 40) { clearInterval(id); document.body.style.opacity = ''; } }, 50);",
        json!([]),
    );
    s.screenshot(path);
}

/// Scrolls the element into the middle of the window (for a screenshot).
fn show(s: &Session, id: &str, block: &str) {
    s.script(
        "document.querySelector(`[data-testid=\"${arguments[0]}\"]`).scrollIntoView({ block: arguments[1] });",
        json!([id, block]),
    );
    std::thread::sleep(Duration::from_millis(400));
}

/// The answers of the app's file dialogs, which WebDriver cannot click.
/// The dialogs are opened by the app in Rust (the page cannot answer for
/// them); an app built with the `test-dialogs` feature (CI builds
/// `--all-features`; release bundles never have it) reads each answer from
/// the file `DAOZHANG_TEST_DIALOGS` names. The answer then goes through
/// the same allow-list as the user's own choice.
struct DialogAnswers {
    _dir: tempfile::TempDir,
    file: PathBuf,
}

impl DialogAnswers {
    fn new() -> DialogAnswers {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("dialogs.txt");
        std::fs::write(&file, "").unwrap();
        DialogAnswers { _dir: dir, file }
    }

    /// What the app is started with.
    fn env(&self) -> (String, String) {
        (
            "DAOZHANG_TEST_DIALOGS".to_owned(),
            self.file.display().to_string(),
        )
    }

    fn push(&self, kind: &str, path: &Path) {
        let mut text = std::fs::read_to_string(&self.file).unwrap();
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str(&format!("{kind} {}\n", path.display()));
        std::fs::write(&self.file, text).unwrap();
    }

    /// The next open dialog answers `path`.
    fn open(&self, path: &Path) {
        self.push("open", path);
    }

    /// The next open dialog answers the files chosen together.
    fn open_many(&self, paths: &[&Path]) {
        let joined: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        self.push("open", Path::new(&joined.join("\t")));
    }

    /// The next save dialog answers `path`.
    fn save(&self, path: &Path) {
        self.push("save", path);
    }
}

fn fill_douyin_intake(s: &Session) {
    s.select("platform-select", "douyin_dou_plus");
    s.type_into("order-id", ORDER);
    s.type_into("payment-id-0", PAYMENT);
    s.wait_for("the payment ID to be recognised as Alipay's", |s| {
        s.text("payment-recognition-0").contains("Alipay")
    });
    s.type_into("amount", "abc");
    s.select("method", "alipay");
    s.type_into("submitted-at", "2026-11-21 15:14");

    add_row(s, 0);
    s.select("obs-source-0", "platform");
    s.type_into("obs-status-0", "支付失败");
    s.type_into("obs-at-0", "2026-11-21 15:15");
    add_row(s, 1);
    s.select("obs-source-1", "alipay");
    s.type_into("obs-status-1", "交易成功");
    s.type_into("obs-at-1", "2026-11-21 15:15:12");
    add_row(s, 2);
    s.select("obs-source-2", "bank");
    s.type_into(
        "obs-status-2",
        "您尾号6789卡11月21日15:15快捷支付支出（消费支付宝-北京微播视界科技有限公司）200.00元【工商银行】",
    );
    s.type_into("obs-at-2", "2026-11-21 15:15");
}

#[test]
fn the_douyin_case_from_intake_to_complaint_and_back_after_a_restart() {
    let _serial = one_at_a_time();
    // A shopper: an empty keychain of the test's own, so the Alipay query
    // is skipped for want of merchant settings.
    let keyring = KeyringSession::start();
    let data = tempfile::tempdir().unwrap();
    let dialogs = DialogAnswers::new();
    let mut env = keyring.env();
    env.push(dialogs.env());
    let driver = Driver::start(data.path(), &env);
    let app = app_binary();
    let dir = shots();

    let s = driver.launch(&app);
    s.testid("new-check");
    shot(&s, &dir.join("01-start-en.png"));

    s.click("new-check");
    fill_douyin_intake(&s);
    s.click("run-check");
    s.wait_for("the amount to be marked invalid with a reason", |s| {
        s.exists("error-amount") && !s.text("error-amount").is_empty()
    });
    shot(&s, &dir.join("02-intake-error-en.png"));
    assert_eq!(
        s.value("order-id"),
        ORDER,
        "nothing typed is lost when a field is invalid"
    );

    s.type_into("amount", "200.00");
    shot(&s, &dir.join("03-intake-en.png"));
    s.click_for("run-check", "the check to start", check_started);
    s.testid("result");
    s.wait_for("the timeline", |s| s.exists("stage-callback"));
    assert_eq!(
        s.attr("stage-callback", "data-broken"),
        "true",
        "Alipay says paid, DOU+ says 支付失败: the callback is the broken link"
    );
    assert_eq!(
        s.attr("stage-bank_processing", "data-state"),
        "done",
        "the money moved"
    );
    assert!(
        s.exists("conflicts"),
        "支付失败 vs 交易成功 is shown as a conflict"
    );
    shot(&s, &dir.join("04-result-en.png"));

    s.click("write-complaint");
    s.wait_for("the complaint text", |s| {
        s.value("complaint-text").contains(ORDER)
    });
    let text = s.value("complaint-text");
    assert!(text.contains(PAYMENT), "the complaint names the payment ID");
    s.select("audience-select", "platform_ticket");
    s.wait_for("the ticket letter", |s| {
        s.value("complaint-text")
            .contains("2026112122001412341408157613")
            && s.value("complaint-text").len() > text.len()
    });
    shot(&s, &dir.join("05-complaint-en.png"));

    s.click("lang-switch");
    s.select("complaint-lang", "zh-CN");
    s.wait_for("the Chinese letter", |s| {
        s.value("complaint-text").contains("订单号")
    });
    shot(&s, &dir.join("06-complaint-zh.png"));
    // Saved where the save dialog (opened by the app) said.
    let saved = data.path().join("complaint-zh.txt");
    dialogs.save(&saved);
    s.click("save-complaint");
    s.wait_for("the complaint to be saved", |_| saved.exists());
    let written = std::fs::read_to_string(&saved).unwrap();
    assert!(
        written.contains(ORDER) && written.contains("订单号"),
        "the Chinese complaint is in the file: {written}"
    );

    // My details, told once in the settings, fill the 12315 form's boxes.
    s.click("nav-settings");
    s.testid("my-details");
    s.type_into("details-name", "张三");
    s.type_into("details-phone", "13800138000");
    s.type_into("details-address", "北京市朝阳区某某路 1 号");
    s.click_for("details-save", "my details saved", |s| {
        s.text("details-status").contains("已保存")
    });
    show(&s, "my-details", "start");
    shot(&s, &dir.join("19-my-details-zh.png"));
    s.click("settings-back");
    s.select("audience-select", "consumer_12315");
    s.wait_for("the 12315 form with my name in its box", |s| {
        s.exists("form-fields") && s.text("form-value-complainant_name").contains("张三")
    });
    assert!(
        s.text("form-count-facts").contains("/ 500"),
        "the facts box counts against its limit: {}",
        s.text("form-count-facts")
    );
    assert_eq!(s.attr("form-field-facts", "data-over"), "false");
    s.click_for("form-copy-facts", "the box copied", |s| {
        s.text("complaint-note").contains("事实与理由")
    });
    show(&s, "form-fields", "start");
    shot(&s, &dir.join("20-form-12315-zh.png"));
    s.click("back-to-result");
    s.testid("result");
    s.wait_for("the Chinese timeline", |s| {
        s.text("timeline").contains("回调")
    });
    shot(&s, &dir.join("07-result-zh.png"));
    s.quit();

    // A restart: the case is in the recent list, language choice kept.
    let s = driver.launch(&app);
    s.wait_for("the recent case", |s| s.exists("case-row"));
    let row = s.text("case-row");
    assert!(
        row.contains(ORDER),
        "the recent list shows the order after a restart: {row:?}"
    );
    wait_shown(&s);
    shot(&s, &dir.join("08-start-after-restart-zh.png"));
    s.click("case-row");
    s.testid("result");
    s.wait_for("the reopened timeline", |s| s.exists("stage-callback"));
    assert_eq!(
        s.attr("stage-callback", "data-broken"),
        "true",
        "reopening restores everything"
    );

    // The user's Alipay bill: two everyday rows around the DOU+ payment,
    // in GBK as Alipay exports it, chosen in the open dialog.
    assert_eq!(
        s.attr("stage-bank_processing", "data-via"),
        "manual",
        "before the import, the payment stage rests on the typed 交易成功"
    );
    let bills = tempfile::tempdir().unwrap();
    let bill = bills.path().join("支付宝交易明细(20261101-20261130).csv");
    std::fs::write(
        &bill,
        alipay_app(&[Row::filler(1), Row::douyin(), Row::filler(2)]),
    )
    .unwrap();
    s.testid("evidence-panel");
    dialogs.open(&bill);
    s.click("evidence-choose");
    s.testid("evidence-result");
    assert_eq!(
        s.attr("evidence-result", "data-format"),
        "alipay_app",
        "told from the content: {}",
        s.text("evidence-result")
    );
    let format = s.text("evidence-format");
    assert!(
        format.contains("支付宝账单") && format.contains('3'),
        "the format and the rows read, in Chinese: {format:?}"
    );
    assert_eq!(
        s.attr("evidence-candidate-0", "data-direct"),
        "true",
        "the row with the payment number is a direct match"
    );
    let row = s.text("evidence-candidate-0");
    assert!(
        row.contains(PAYMENT) && row.contains("¥200.00"),
        "the row says why: {row:?}"
    );
    assert!(
        !s.exists("evidence-candidate-1"),
        "the everyday rows do not fit"
    );
    show(&s, "evidence-result", "center");
    shot(&s, &dir.join("09-evidence-zh.png"));

    s.click("evidence-accept");
    s.wait_for("the check to run again with the bill", |s| {
        s.exists("evidence-added") && s.attr("stage-bank_processing", "data-via") == "bill_export"
    });
    let added = s.text("evidence-added");
    assert!(
        added.contains('1') && added.contains("支付宝账单"),
        "a short confirmation: {added:?}"
    );
    let source = s.text("timeline-source-bank_processing");
    assert!(
        source.contains("账单"),
        "the payment stage names the bill as its source: {source:?}"
    );
    assert_eq!(
        s.attr("stage-callback", "data-broken"),
        "true",
        "the bill confirms the payment; the callback is still the broken link"
    );
    show(&s, "timeline-title", "start");
    shot(&s, &dir.join("10-timeline-after-evidence-zh.png"));
    s.quit();
}

/// Every file under `dir`.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn alipay_settings_kept_in_the_keychain_answer_the_douyin_check_and_survive_a_restart() {
    let _serial = one_at_a_time();
    let keyring = KeyringSession::start();
    // The providers' gateways on loopback, with the examples' orders
    // (examples/douyin-dou-plus-alipay.toml, examples/live-stream-wechat.toml).
    let alipay = FakeAlipay::start();
    alipay.add_order(AlipayOrder {
        trade_no: PAYMENT.into(),
        out_trade_no: ORDER.into(),
        amount: "200.00".into(),
        status: "TRADE_SUCCESS".into(),
        paid_at: Some("2026-11-21 15:15:12".into()),
        refund: None,
    });
    let wechat = FakeWechatPay::start();
    wechat.add_order(WechatOrder {
        trade_no: WECHAT_PAYMENT.into(),
        out_trade_no: WECHAT_ORDER.into(),
        amount: "68.00".into(),
        status: "SUCCESS".into(),
        paid_at: Some("2026-11-21T20:05:31+08:00".into()),
        refund: None,
    });
    let data = tempfile::tempdir().unwrap();
    let driver = Driver::start(data.path(), &keyring.env());
    let app = app_binary();
    let dir = shots();

    // 1. Settings → Alipay: the merchant's keys, saved to the keychain.
    let s = driver.launch(&app);
    s.testid("new-check");
    wait_shown(&s);
    s.click("nav-settings");
    s.testid("source-card-alipay");
    assert!(
        !s.exists("source-problem-alipay"),
        "the test's keychain is usable: {}",
        s.text("source-card-alipay")
    );
    assert_eq!(s.attr("source-state-alipay", "data-state"), "not_set_up");
    s.type_into("field-alipay-app_id", alipay.app_id());
    s.paste("field-alipay-private_key", alipay.app_private_key_pem());
    s.paste(
        "field-alipay-alipay_public_key",
        alipay.alipay_public_key_pem(),
    );
    s.type_into("field-alipay-gateway", &alipay.base_url());
    assert_eq!(
        s.attr("field-alipay-private_key", "data-secret"),
        "true",
        "the private key's field is a secret one"
    );
    s.click("save-alipay");
    s.wait_for("the settings to be saved", |s| {
        s.exists("save-status-alipay") || s.exists("save-error-alipay")
    });
    assert!(
        s.exists("save-status-alipay"),
        "saved: {}",
        s.text("source-card-alipay")
    );
    assert_eq!(s.attr("source-state-alipay", "data-state"), "ready");
    assert_eq!(
        s.value("field-alipay-private_key"),
        "",
        "a saved secret is never shown back"
    );
    assert!(s.exists("field-saved-alipay-private_key"));

    s.click("test-alipay");
    s.wait_for("the connection test's answer", |s| {
        s.exists("test-result-alipay")
    });
    let answer = s.text("test-result-alipay");
    assert_eq!(
        s.attr("test-result-alipay", "data-ok"),
        "true",
        "the test passes: {answer}"
    );
    assert!(
        answer.contains("accepted our signature") && answer.contains(&alipay.base_url()),
        "the backend says what was proven: {answer:?}"
    );
    show(&s, "source-card-alipay", "start");
    shot(&s, &dir.join("11-settings-alipay-en.png"));
    let tested = alipay.requests();
    assert!(!tested.is_empty(), "the test asked the gateway");
    assert!(
        tested.iter().all(|r| r.signature_valid && r.accepted()),
        "the gateway verified our signature: {:?}",
        tested.iter().map(|r| &r.problem).collect::<Vec<_>>()
    );

    // 2. The Douyin case, checked: Alipay is asked live.
    s.click("nav-home");
    s.click("new-check");
    fill_douyin_intake(&s);
    s.type_into("amount", "200.00");
    s.click_for("run-check", "the check to start", check_started);
    s.testid("result");
    s.wait_for("the timeline", |s| s.exists("stage-bank_processing"));
    let api = s.text("report-source-api:alipay");
    assert_eq!(
        s.attr("report-source-api:alipay", "data-status"),
        "done",
        "Alipay was asked: {api}"
    );
    assert!(api.contains("TRADE_SUCCESS"), "with its answer: {api:?}");
    assert_eq!(
        s.attr("stage-bank_processing", "data-state"),
        "done",
        "the money moved"
    );
    assert_eq!(
        s.attr("stage-bank_processing", "data-via"),
        "api",
        "the payment stage rests on the provider's own answer"
    );
    let stage = s.text("stage-bank_processing");
    assert!(
        stage.contains("15:15") && stage.contains("TRADE_SUCCESS"),
        "at the provider's time, in its words: {stage:?}"
    );
    let source = s.text("timeline-source-bank_processing");
    assert!(
        source.contains("Alipay") && source.contains("API"),
        "the stage names the API as its channel: {source:?}"
    );
    assert_eq!(
        s.attr("stage-callback", "data-broken"),
        "true",
        "Alipay says paid, DOU+ says 支付失败: the callback is the broken link"
    );
    show(&s, "timeline-title", "start");
    shot(&s, &dir.join("12-timeline-alipay-api-en.png"));
    let asked = alipay.requests();
    assert!(
        asked.len() > tested.len(),
        "the check asked the gateway too"
    );
    assert!(
        asked.iter().all(|r| r.signature_valid),
        "the fake verified every request's signature"
    );
    assert!(
        asked[tested.len()..]
            .iter()
            .any(|r| r.body.contains(PAYMENT) || r.target.contains(PAYMENT)),
        "the check asked about the case's trade number"
    );
    assert_eq!(
        wechat.request_count(),
        0,
        "WeChat Pay, not set up and not this order's provider, was not asked"
    );

    // 3. Settings → WeChat Pay, in the same session: the merchant's API
    // key and WeChat Pay's public key, saved to the keychain.
    s.click("nav-settings");
    s.testid("source-card-wechat_pay");
    assert!(
        !s.exists("source-problem-wechat_pay"),
        "the test's keychain is usable: {}",
        s.text("source-card-wechat_pay")
    );
    assert_eq!(
        s.attr("source-state-wechat_pay", "data-state"),
        "not_set_up"
    );
    s.type_into("field-wechat_pay-mchid", wechat.mchid());
    s.type_into("field-wechat_pay-merchant_serial", wechat.merchant_serial());
    s.paste(
        "field-wechat_pay-private_key",
        wechat.merchant_private_key_pem(),
    );
    s.paste(
        "field-wechat_pay-platform_public_key",
        wechat.platform_public_key_pem(),
    );
    s.type_into(
        "field-wechat_pay-platform_key_id",
        &wechat.platform_key_id(),
    );
    s.type_into("field-wechat_pay-base_url", &wechat.base_url());
    assert_eq!(
        s.attr("field-wechat_pay-private_key", "data-secret"),
        "true",
        "the merchant API key's field is a secret one"
    );
    s.click("save-wechat_pay");
    s.wait_for("the WeChat Pay settings to be saved", |s| {
        s.exists("save-status-wechat_pay") || s.exists("save-error-wechat_pay")
    });
    assert!(
        s.exists("save-status-wechat_pay"),
        "saved: {}",
        s.text("source-card-wechat_pay")
    );
    assert_eq!(s.attr("source-state-wechat_pay", "data-state"), "ready");
    assert_eq!(
        s.value("field-wechat_pay-private_key"),
        "",
        "a saved secret is never shown back"
    );
    assert!(s.exists("field-saved-wechat_pay-private_key"));
    assert_eq!(
        s.attr("source-state-alipay", "data-state"),
        "ready",
        "saving WeChat Pay leaves Alipay as it was"
    );

    s.click("test-wechat_pay");
    s.wait_for("the WeChat Pay connection test's answer", |s| {
        s.exists("test-result-wechat_pay")
    });
    let answer = s.text("test-result-wechat_pay");
    assert_eq!(
        s.attr("test-result-wechat_pay", "data-ok"),
        "true",
        "the test passes: {answer}"
    );
    assert!(
        answer.contains("accepted our signature")
            && answer.contains("signature verified")
            && answer.contains(&wechat.base_url()),
        "the backend says what was proven, both ways: {answer:?}"
    );
    let wechat_tested = wechat.requests();
    assert!(!wechat_tested.is_empty(), "the test asked WeChat Pay");
    assert!(
        wechat_tested
            .iter()
            .all(|r| r.signature_valid && r.accepted()),
        "WeChat Pay verified our signature: {:?}",
        wechat_tested.iter().map(|r| &r.problem).collect::<Vec<_>>()
    );

    // 4. The live-stream example (examples/live-stream-wechat.toml),
    // checked at its documented moment: WeChat Pay is asked live.
    let alipay_asked = alipay.request_count();
    s.click("nav-home");
    s.click("try-example-live");
    s.wait_for("the example's order in the form", |s| {
        s.value("order-id") == WECHAT_ORDER
    });
    assert_eq!(s.value("payment-id-0"), WECHAT_PAYMENT);
    s.click_for("run-check", "the check to start", check_started);
    s.testid("result");
    s.wait_for("the timeline", |s| s.exists("stage-bank_processing"));
    let api = s.text("report-source-api:wechat_pay");
    assert_eq!(
        s.attr("report-source-api:wechat_pay", "data-status"),
        "done",
        "WeChat Pay was asked: {api}"
    );
    assert!(api.contains("SUCCESS"), "with its answer: {api:?}");
    assert_eq!(
        s.attr("stage-bank_processing", "data-state"),
        "done",
        "the money moved"
    );
    assert_eq!(
        s.attr("stage-bank_processing", "data-via"),
        "api",
        "the payment stage rests on the provider's own answer, not the typed 支付成功"
    );
    let stage = s.text("stage-bank_processing");
    assert!(
        stage.contains("20:05:31") && stage.contains("SUCCESS") && stage.contains("支付成功"),
        "at WeChat Pay's success_time (not the user's 20:05:30), in its words: {stage:?}"
    );
    let source = s.text("timeline-source-bank_processing");
    assert!(
        source.contains("WeChat Pay") && source.contains("API"),
        "the stage names the API as its channel: {source:?}"
    );
    assert_eq!(
        s.attr("stage-callback", "data-broken"),
        "true",
        "paid at 20:05, still 处理中 at 20:36: the callback is the broken link"
    );
    show(&s, "timeline-title", "start");
    shot(&s, &dir.join("14-timeline-wechat-api-en.png"));
    let wechat_asked = wechat.requests();
    assert!(
        wechat_asked.len() > wechat_tested.len(),
        "the check asked WeChat Pay too"
    );
    assert!(
        wechat_asked.iter().all(|r| r.signature_valid),
        "the fake verified every request's WECHATPAY2-SHA256-RSA2048 signature: {:?}",
        wechat_asked.iter().map(|r| &r.problem).collect::<Vec<_>>()
    );
    assert!(
        wechat_asked[wechat_tested.len()..].iter().any(|r| r
            .target
            .contains(&format!("/v3/pay/transactions/id/{WECHAT_PAYMENT}"))),
        "the check asked by the case's transaction_id: {:?}",
        wechat_asked.iter().map(|r| &r.target).collect::<Vec<_>>()
    );
    assert_eq!(
        alipay.request_count(),
        alipay_asked,
        "Alipay, set up but not this order's provider, was not asked"
    );
    s.quit();

    // No secret in the case files or anywhere else in the data directory.
    let pem_line = |pem: &str| pem.lines().nth(1).expect("a PEM body line").to_owned();
    let secret_lines = [
        pem_line(alipay.app_private_key_pem()),
        pem_line(wechat.merchant_private_key_pem()),
    ];
    for f in files_under(data.path()) {
        let bytes = std::fs::read(&f).unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes);
        for secret_line in &secret_lines {
            assert!(
                !text.contains(secret_line),
                "{} holds a private key",
                f.display()
            );
        }
    }

    // 5. A restart with the same data and the same keychain: still set up.
    let s = driver.launch(&app);
    s.testid("new-check");
    wait_shown(&s);
    s.click("nav-settings");
    s.testid("source-card-alipay");
    s.wait_for("the saved Alipay settings", |s| {
        s.attr("source-state-alipay", "data-state") == "ready"
    });
    assert_eq!(
        s.value("field-alipay-app_id"),
        alipay.app_id(),
        "the App ID came back from the keychain"
    );
    assert_eq!(s.value("field-alipay-private_key"), "");
    assert!(
        s.exists("field-saved-alipay-private_key"),
        "the private key is kept, hidden"
    );
    assert!(
        s.text("source-origin-alipay").contains("keychain"),
        "from the keychain: {}",
        s.text("source-origin-alipay")
    );
    assert_eq!(
        s.attr("source-state-wechat_pay", "data-state"),
        "ready",
        "WeChat Pay too: {}",
        s.text("source-card-wechat_pay")
    );
    assert_eq!(s.value("field-wechat_pay-mchid"), wechat.mchid());
    assert_eq!(s.value("field-wechat_pay-private_key"), "");
    assert!(s.exists("field-saved-wechat_pay-private_key"));
    show(&s, "settings", "start");
    shot(&s, &dir.join("13-settings-after-restart-en.png"));
    s.quit();
}

/// The follow-up: a Douyin order paid through Alipay a minute ago is
/// written down and checked once from the command line (paid, 支付失败 on
/// the platform). Alipay then refunds it. The app, opened afterwards, runs
/// its re-check loop by itself and shows a desktop notification (to a
/// freedesktop notification server on the test's private D-Bus); its click
/// reopens the case, where the refund shows as a change since the last
/// look, with the diagnosis "refunded".
#[test]
fn a_refund_found_by_the_re_check_loop_shows_in_the_reopened_case() {
    let _serial = one_at_a_time();
    let alipay = FakeAlipay::start();
    let beijing = chrono::FixedOffset::east_opt(8 * 3600).unwrap();
    let now = chrono::Utc::now().with_timezone(&beijing);
    let paid = now - chrono::Duration::seconds(70);
    let alipay_time =
        |t: chrono::DateTime<chrono::FixedOffset>| t.format("%Y-%m-%d %H:%M:%S").to_string();
    alipay.add_order(AlipayOrder {
        trade_no: PAYMENT.into(),
        out_trade_no: ORDER.into(),
        amount: "200.00".into(),
        status: "TRADE_SUCCESS".into(),
        paid_at: Some(alipay_time(paid)),
        refund: None,
    });
    let creds = vec![
        (
            "DAOZHANG_ALIPAY_APP_ID".to_owned(),
            alipay.app_id().to_owned(),
        ),
        (
            "DAOZHANG_ALIPAY_PRIVATE_KEY".to_owned(),
            alipay.app_private_key_pem().to_owned(),
        ),
        (
            "DAOZHANG_ALIPAY_ALIPAY_PUBLIC_KEY".to_owned(),
            alipay.alipay_public_key_pem().to_owned(),
        ),
        ("DAOZHANG_ALIPAY_GATEWAY".to_owned(), alipay.base_url()),
    ];
    let data = tempfile::tempdir().unwrap();
    let case_file = data.path().join("douyin.toml");
    std::fs::write(
        &case_file,
        format!(
            r#"platform = "douyin_dou_plus"
order_id = "{ORDER}"
amount = "200.00"
method = "alipay"
submitted_at = "{submitted}"

[[payment]]
id = "{PAYMENT}"
provider = "alipay"

[[observation]]
at = "{failed}"
source = "platform"
status = "支付失败"
"#,
            submitted = (paid - chrono::Duration::seconds(20)).to_rfc3339(),
            failed = (paid + chrono::Duration::seconds(5)).to_rfc3339(),
        ),
    )
    .unwrap();

    // 1. Written down and checked once, from the command line.
    let out = std::process::Command::new(daozhang_tests::cli_binary())
        .arg("--data-dir")
        .arg(data.path())
        .args(["check", "--save", "--json"])
        .arg(&case_file)
        .envs(creds.iter().map(|(k, v)| (k, v)))
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the first check: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        report["diagnosis"]["settled"], false,
        "paid and not credited: {}",
        report["diagnosis"]["title"]
    );
    let asked_by_cli = alipay.request_count();
    assert!(asked_by_cli > 0, "the first check asked Alipay");

    // 2. Alipay refunds the payment.
    alipay.clear_orders();
    alipay.add_order(AlipayOrder {
        trade_no: PAYMENT.into(),
        out_trade_no: ORDER.into(),
        amount: "200.00".into(),
        status: "TRADE_CLOSED".into(),
        paid_at: Some(alipay_time(paid)),
        refund: Some(daozhang_tests::fakes::AlipayRefund {
            out_request_no: ORDER.into(),
            refund_amount: "200.00".into(),
            refund_status: Some("REFUND_SUCCESS".into()),
            gmt_refund_pay: Some(alipay_time(now)),
        }),
    });

    // 3. The app opens; nobody touches it. Its re-check loop looks at the
    // case when the plan says (two minutes after the payment) and tells the
    // desktop; the test's notification server shows it and, six seconds
    // later, clicks it as the user would.
    let bus = KeyringSession::start();
    let notifications = FakeNotifications::start(&bus.env()[0].1, Some(6.0));
    let mut env = creds.clone();
    env.extend(bus.env());
    let driver = Driver::start(data.path(), &env);
    let app = app_binary();
    let dir = shots();
    let s = driver.launch(&app);
    s.testid("case-row");
    wait_shown(&s);
    let deadline = std::time::Instant::now() + Duration::from_secs(150);
    while notifications.shown().is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "the app re-checked the case by itself and notified within the plan's two minutes (Alipay asked {} times, {} by the CLI)",
            alipay.request_count(),
            asked_by_cli
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    assert!(
        alipay.request_count() > asked_by_cli,
        "the re-check asked Alipay"
    );
    let shown = notifications.shown();
    assert_eq!(
        shown.len(),
        1,
        "one notification for the one case: {shown:?}"
    );
    let n = &shown[0];
    let (summary, body) = (n["summary"].as_str().unwrap(), n["body"].as_str().unwrap());
    assert!(
        summary.contains(ORDER) && summary.contains("200.00"),
        "the notification names the order and the amount: {summary:?}"
    );
    assert!(
        body.contains("Settled") && body.contains("Refund"),
        "and says what changed: {body:?}"
    );
    assert_eq!(
        n["actions"][0], "default",
        "a click on it is reported to the app: {n}"
    );
    s.wait_for("the case list to show the re-check's result", |s| {
        s.exists("case-unread") && s.text("case-row").contains("Refunded")
    });
    assert!(
        s.text("case-unread").contains("new change"),
        "the list marks the case: {}",
        s.text("case-unread")
    );
    shot(&s, &dir.join("15-start-after-re-check-en.png"));

    // 4. The click opens the case: what changed since the last look, and
    // the new result.
    s.wait_for("the notification's click to open the case", |s| {
        s.exists("result")
    });
    s.wait_for("the changes since the last look", |s| {
        s.exists("follow-changes")
    });
    let changes = s.text("follow-changes");
    assert!(
        changes.contains("Settled"),
        "the refund is the news: {changes:?}"
    );
    assert!(
        changes.contains("Refund"),
        "with the refund stage's move: {changes:?}"
    );
    let diagnosis = s.text("diagnosis-title");
    assert!(
        diagnosis.to_lowercase().contains("refund"),
        "the result is the refund: {diagnosis:?}"
    );
    assert!(
        s.text("follow-status").contains("Settled"),
        "a settled case is not re-checked any more: {}",
        s.text("follow-status")
    );
    show(&s, "follow-changes", "start");
    shot(&s, &dir.join("16-reopened-case-changes-en.png"));

    // 5. Dismissed, the changes stay dismissed after a restart.
    s.click("follow-dismiss");
    s.wait_for("the changes to go", |s| !s.exists("follow-changes"));
    s.quit();
    let s = driver.launch(&app);
    s.testid("case-row");
    wait_shown(&s);
    s.click("case-row");
    s.testid("result");
    s.wait_for("the follow-up status", |s| s.exists("follow-status"));
    assert!(
        !s.exists("follow-changes"),
        "seen changes are not shown again"
    );
    s.quit();
}

/// The batch screen checks a CSV of orders into a report file, and the
/// result screen's escalation ladder records a complaint as sent — both in
/// the real window, kept in the real case file.
#[test]
fn a_csv_of_orders_checked_in_the_window_and_a_complaint_marked_sent() {
    let _serial = one_at_a_time();
    let data = tempfile::tempdir().unwrap();
    let orders =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/lib/fixtures/cases/batch-orders.csv");
    let report = data.path().join("orders-report.csv");
    let dialogs = DialogAnswers::new();
    let driver = Driver::start(data.path(), &[dialogs.env()]);
    let app = app_binary();
    let dir = shots();
    let s = driver.launch(&app);
    s.testid("new-check");
    wait_shown(&s);

    // 1. The orders file: previewed before anything is checked.
    s.click("open-batch");
    dialogs.open(&orders);
    dialogs.save(&report);
    s.click("batch-choose");
    s.testid("batch-preview");
    let bad = s.text("batch-bad-rows");
    assert!(
        bad.contains("Row") || bad.contains("row"),
        "the unreadable rows are named by their row: {bad:?}"
    );
    assert!(!report.exists(), "nothing is checked before Run");

    // 2. Checked from the file's own words (no live sources set up), into
    // the report file the save dialog gave.
    s.click("batch-offline");
    s.click("batch-choose-report");
    s.wait_for("the report file to be chosen", |s| {
        s.text("batch-report-path").contains("orders-report.csv")
    });
    s.click("batch-run");
    s.wait_for("the batch to finish", |s| s.exists("batch-result"));
    let rows = s.script(
        "return document.querySelectorAll('[data-testid=\"batch-row\"]').length;",
        json!([]),
    );
    assert_eq!(rows, 10, "every order of the file has a row");
    let written = std::fs::read_to_string(&report).expect("the report file is written");
    assert_eq!(
        written.lines().count(),
        11,
        "a header and one line per order: {written}"
    );
    assert!(
        s.text("batch-count-error").contains('2'),
        "the two unreadable rows are errors: {}",
        s.text("batch-count-error")
    );
    show(&s, "batch-result", "start");
    shot(&s, &dir.join("17-batch-result-en.png"));

    // 3. The escalation ladder of a checked case: the chat complaint sent.
    s.click("nav-home");
    s.click("try-example-douyin");
    s.click_for("run-check", "the check to start", check_started);
    s.testid("result");
    s.testid("ladder");
    assert!(
        s.text("rung-platform_chat").contains("not yet"),
        "nothing sent yet: {}",
        s.text("rung-platform_chat")
    );
    s.click("mark-sent-platform_chat");
    s.testid("rung-form");
    s.click("rung-save");
    s.wait_for("the chat rung to show it was sent", |s| {
        s.text("rung-platform_chat").contains("sent")
    });
    s.wait_for("the case file to list the message", |s| {
        s.exists("history-entry")
    });
    show(&s, "ladder", "start");
    shot(&s, &dir.join("18-ladder-sent-en.png"));

    // 4. The chat answers with a ticket number and a promised day; the
    // ticket complaint quotes both, and goes to the phone as a QR code.
    s.click("reply-platform_chat");
    s.testid("rung-form");
    s.paste("rung-text", "已为您提交工单，请耐心等待");
    s.type_into("rung-ticket", "GD20261121001");
    s.paste("rung-promised", "2026-11-23");
    s.click("rung-save");
    s.wait_for("the chat rung to show the answer", |s| {
        s.attr("rung-platform_chat", "data-status") == "answered"
    });
    s.click("write-complaint");
    s.select("audience-select", "platform_ticket");
    s.wait_for(
        "the ticket quoting the ticket number and the promise",
        |s| {
            let t = s.value("complaint-text");
            t.contains("ticket GD20261121001") && t.contains("promising a fix by 2026-11-23")
        },
    );
    s.click_for("qr-toggle", "the QR code", |s| s.exists("qr-code"));
    show(&s, "qr-code", "center");
    shot(&s, &dir.join("21-complaint-qr-en.png"));

    // 5. 黑猫 in English: the form's boxes stay Chinese, and say so.
    s.select("audience-select", "heimao");
    s.wait_for("the 黑猫 form", |s| {
        s.exists("form-fields") && s.text("form-fields").contains("expects Chinese")
    });
    assert!(
        s.text("form-value-title").contains("抖音"),
        "the title box is Chinese: {}",
        s.text("form-value-title")
    );
    show(&s, "form-fields", "start");
    shot(&s, &dir.join("22-form-heimao-en.png"));
    s.quit();
}

/// A shopper with two phone screenshots: Alipay's 账单详情 and DOU+'s order
/// page, chosen on the intake, fill the form; checked, they are the case's
/// attachments; the chat with customer service is attached by hand; the
/// complaint's checklist names all three; then Alipay's e-mailed bill zip
/// opens in the evidence panel with its password (a wrong one said so
/// first).
#[test]
fn a_case_from_two_screenshots_then_the_bill_zip_opened_with_its_password() {
    let _serial = one_at_a_time();
    let keyring = KeyringSession::start();
    let data = tempfile::tempdir().unwrap();
    let dialogs = DialogAnswers::new();
    let mut env = keyring.env();
    env.push(dialogs.env());
    let driver = Driver::start(data.path(), &env);
    let dir = shots();
    let phone = tempfile::tempdir().unwrap();
    let pay = Payment {
        payee: "抖音".into(),
        payee_full: "北京微播视界科技有限公司".into(),
        amount: "200.00".into(),
        time: "2026-11-21 15:15:12".into(),
        item: "DOU+上热门推广".into(),
        method: "余额宝".into(),
        trade_no: PAYMENT.into(),
        merchant_order_no: ORDER.into(),
    };
    let detail = render(
        &Screen::AlipayDetail {
            pay: pay.clone(),
            status: "交易成功".into(),
        },
        Phone::MEDIUM,
        false,
        phone.path(),
        "alipay",
    );
    let order = render(
        &Screen::OrderPage {
            platform: "抖音".into(),
            pay,
            status: "支付失败".into(),
        },
        Phone::MEDIUM,
        true,
        phone.path(),
        "order",
    );

    let s = driver.launch(&app_binary());
    s.click("new-check");
    s.testid("intake-shots");
    dialogs.open_many(&[&detail, &order]);
    s.click("intake-shots-choose");
    s.wait_for("the screenshots to be read", |s| {
        s.exists("intake-shots-result")
    });
    for (field, want) in [
        ("order-id", ORDER),
        ("payment-id-0", PAYMENT),
        ("amount", "200.00"),
        ("submitted-at", "2026-11-21 15:15:12"),
    ] {
        assert_eq!(s.value(field), want, "{field} from the screenshots");
    }
    assert_eq!(s.value("platform-select"), "douyin_dou_plus");
    assert_eq!(s.value("method"), "alipay");
    assert!(
        s.text("from-shot-order_id").contains('2'),
        "the order number is marked as the order page's"
    );
    assert!(
        s.text("intake-shots").contains("alipay.png")
            && s.text("intake-shots").contains("order.png"),
        "each screenshot named: {}",
        s.text("intake-shots")
    );
    show(&s, "intake-shots", "start");
    shot(&s, &dir.join("23-intake-from-screenshots-en.png"));

    s.click_for("run-check", "the check to start", check_started);
    s.testid("result");
    s.wait_for("the timeline", |s| s.exists("stage-callback"));
    let kept = data.path().join("attachments");
    s.wait_for("the screenshots kept with the case", |_| {
        files_under(&kept).len() == 2
    });

    // The chat with customer service, attached by hand on the result
    // screen, completes the checklist's screenshots.
    let chat = phone.path().join("客服聊天.png");
    std::fs::copy(&order, &chat).unwrap();
    s.testid("evidence-attachments");
    dialogs.open(&chat);
    s.click_for("attach-files", "the chat attached", |s| {
        s.exists("attach-done")
    });
    s.wait_for("the chat kept with the case", |_| {
        files_under(&kept).len() == 3
    });
    assert!(
        s.text("evidence-attachments").contains("客服聊天.png"),
        "listed: {}",
        s.text("evidence-attachments")
    );

    s.click("write-complaint");
    s.select("audience-select", "consumer_12315");
    s.wait_for("the 12315 letter's checklist", |s| {
        s.exists("checklist-files-chat_log")
    });
    assert!(
        s.text("checklist-files-platform_screenshot")
            .contains("order.png")
            && s.text("checklist-files-payment_record")
                .contains("alipay.png")
            && s.text("checklist-files-chat_log").contains("客服聊天.png"),
        "the checklist names the attachments: {}",
        s.text("checklist")
    );
    assert!(
        s.value("complaint-text").contains("order.png"),
        "and so does the letter's evidence list"
    );
    show(&s, "checklist", "center");
    shot(&s, &dir.join("24-checklist-attachments-en.png"));

    // Alipay's bill, e-mailed as an AES-256 zip; the password is on the
    // phone. A wrong one first.
    let csv = alipay_app(&[Row::filler(1), Row::douyin(), Row::filler(2)]);
    let zip = phone.path().join("支付宝交易明细(20261101-20261130).zip");
    std::fs::write(
        &zip,
        bill_zip(
            &[("alipay_record_20261130_101502.csv", &csv)],
            Locked::Aes("k7Q2m9"),
        ),
    )
    .unwrap();
    s.click("back-to-result");
    s.testid("evidence-panel");
    dialogs.open(&zip);
    s.click("evidence-choose");
    s.testid("evidence-password");
    assert!(
        !s.text("evidence-password-hint").is_empty(),
        "it says where the password was sent"
    );
    s.type_into("evidence-password-input", "123456");
    s.click_for("evidence-password-open", "a wrong password said", |s| {
        s.exists("evidence-password-wrong")
    });
    s.type_into("evidence-password-input", "k7Q2m9");
    show(&s, "evidence-password", "center");
    shot(&s, &dir.join("25-zip-password-en.png"));
    s.click("evidence-password-open");
    s.testid("evidence-result");
    assert_eq!(s.attr("evidence-result", "data-format"), "alipay_app");
    assert_eq!(
        s.attr("evidence-candidate-0", "data-direct"),
        "true",
        "the bill's row of this payment: {}",
        s.text("evidence-result")
    );
    s.quit();
}
