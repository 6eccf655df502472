//! End to end: the real app binary in a real window under Xvfb, driven
//! through tauri-driver + WebKitWebDriver, walking the whole flow for the
//! Douyin DOU+ example. Screenshots of every step land in
//! `target/screenshots/` (scripts/screenshots.sh copies them to docs/).

use std::path::{Path, PathBuf};
use std::time::Duration;

use daozhang_tests::bills::{Row, alipay_app};
use daozhang_tests::webdriver::{Driver, Session, app_binary};
use serde_json::json;

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

/// The test's seam for the native open dialog, which WebDriver cannot
/// click: the next `plugin:dialog|open` resolves to `path`, every other
/// call goes through unchanged. Tauri defines `__TAURI_INTERNALS__.invoke`
/// read-only and not configurable, so the wrap sits one layer below, on
/// the `fetch` its IPC uses (`ipc://localhost/<command>`).
fn stub_open_dialog(s: &Session, path: &Path) {
    let answer = s.script(
        r#"
        const path = arguments[0];
        const internals = window.__TAURI_INTERNALS__;
        const d = Object.getOwnPropertyDescriptor(internals, 'invoke');
        if (d && (d.writable || d.configurable)) {
          const real = internals.invoke;
          const wrapped = (cmd, args, options) =>
            cmd === 'plugin:dialog|open' ? Promise.resolve(path) : real(cmd, args, options);
          Object.defineProperty(internals, 'invoke', { value: wrapped, configurable: true, writable: true });
          return 'invoke';
        }
        const realFetch = window.fetch.bind(window);
        window.fetch = (input, init) => {
          const url = typeof input === 'string' ? input : input.url;
          if (decodeURIComponent(url).endsWith('plugin:dialog|open')) {
            return Promise.resolve(new Response(JSON.stringify(path), {
              headers: { 'Tauri-Response': 'ok', 'Content-Type': 'application/json' },
            }));
          }
          return realFetch(input, init);
        };
        return 'fetch';
        "#,
        json!([path.display().to_string()]),
    );
    assert!(
        matches!(answer.as_str(), Some("invoke" | "fetch")),
        "the dialog stub is in place: {answer}"
    );
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
    let data = tempfile::tempdir().unwrap();
    let driver = Driver::start(data.path());
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
    s.click("run-check");

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
    stub_open_dialog(&s, &bill);
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
