//! End to end: the real app binary in a real window under Xvfb, driven
//! through tauri-driver + WebKitWebDriver, walking the whole flow for the
//! Douyin DOU+ example. Screenshots of every step land in
//! `target/screenshots/` (scripts/screenshots.sh copies them to docs/).

use std::path::PathBuf;

use daozhang_tests::webdriver::{Driver, Session, app_binary};

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
    s.screenshot(&dir.join("01-start-en.png"));

    s.click("new-check");
    fill_douyin_intake(&s);
    s.click("run-check");
    s.wait_for("the amount to be marked invalid with a reason", |s| {
        s.exists("error-amount") && !s.text("error-amount").is_empty()
    });
    s.screenshot(&dir.join("02-intake-error-en.png"));
    assert_eq!(
        s.value("order-id"),
        ORDER,
        "nothing typed is lost when a field is invalid"
    );

    s.type_into("amount", "200.00");
    s.screenshot(&dir.join("03-intake-en.png"));
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
    s.screenshot(&dir.join("04-result-en.png"));

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
    s.screenshot(&dir.join("05-complaint-en.png"));

    s.click("lang-switch");
    s.select("complaint-lang", "zh-CN");
    s.wait_for("the Chinese letter", |s| {
        s.value("complaint-text").contains("订单号")
    });
    s.screenshot(&dir.join("06-complaint-zh.png"));
    s.click("back-to-result");
    s.testid("result");
    s.wait_for("the Chinese timeline", |s| {
        s.text("timeline").contains("回调")
    });
    s.screenshot(&dir.join("07-result-zh.png"));
    s.quit();

    // A restart: the case is in the recent list, language choice kept.
    let s = driver.launch(&app);
    s.wait_for("the recent case", |s| s.exists("case-row"));
    let row = s.text("case-row");
    assert!(
        row.contains(ORDER),
        "the recent list shows the order after a restart: {row:?}"
    );
    s.screenshot(&dir.join("08-start-after-restart-zh.png"));
    s.click("case-row");
    s.testid("result");
    s.wait_for("the reopened timeline", |s| s.exists("stage-callback"));
    assert_eq!(
        s.attr("stage-callback", "data-broken"),
        "true",
        "reopening restores everything"
    );
    s.quit();
}
