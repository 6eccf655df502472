//! One test per rule: a small case that should trigger it, and the broken
//! link it must name.

use super::*;
use crate::domain::case::parse_case_toml;
use chrono::DateTime;

fn at(s: &str) -> Moment {
    DateTime::parse_from_rfc3339(s).unwrap()
}

const HEAD: &str = r#"
platform = "douyin_dou_plus"
order_id = "7439201234567890123"
amount = "200.00"
method = "alipay"
submitted_at = "2026-11-21 15:14"
[[payment]]
id = "2026112122001412341408157613"
provider = "alipay"
"#;

fn case_with(observations: &[(&str, &str, &str)]) -> Case {
    let mut t = HEAD.to_owned();
    for (when, source, status) in observations {
        t.push_str(&format!(
            "[[observation]]\nat = \"{when}\"\nsource = \"{source}\"\nstatus = \"{status}\"\n"
        ));
    }
    parse_case_toml(&t).unwrap_or_else(|e| panic!("test case must be valid: {e}"))
}

fn diagnose(observations: &[(&str, &str, &str)], now: &str) -> Analysis {
    analyze(&case_with(observations), at(now))
}

#[test]
fn paid_but_platform_failed_within_retry_is_callback_late() {
    let a = diagnose(
        &[
            ("15:15", "platform", "支付失败"),
            ("15:15", "alipay", "交易成功"),
        ],
        "2026-11-21T16:30:00+08:00",
    );
    assert_eq!(
        a.diagnosis.code,
        Code::CallbackLate,
        "paid 75 min ago, Alipay still retrying"
    );
    assert_eq!(a.diagnosis.broken_link, Some(Stage::Callback));
    assert_eq!(a.timeline.stage(Stage::Callback).state, StageState::Overdue);
    assert_eq!(
        a.timeline.stage(Stage::BankProcessing).state,
        StageState::Done
    );
    assert_eq!(a.timeline.stage(Stage::Credited).state, StageState::Failed);
    assert!(
        a.conflicts
            .iter()
            .any(|c| c.kind == timeline::ConflictKind::PaidVsUnpaid),
        "支付失败 vs 交易成功 is a visible conflict"
    );
    let wait = a
        .next_steps
        .iter()
        .find(|s| s.action == "wait_for_callback")
        .unwrap();
    assert_eq!(
        wait.due.map(short_time).as_deref(),
        Some("2026-11-22 16:15"),
        "Alipay retries for about 25 h after the 15:15 payment"
    );
}

#[test]
fn paid_but_platform_failed_after_retry_is_callback_lost() {
    let a = diagnose(
        &[
            ("15:15", "platform", "支付失败"),
            ("15:15", "alipay", "交易成功"),
        ],
        "2026-11-23T10:00:00+08:00",
    );
    assert_eq!(
        a.diagnosis.code,
        Code::CallbackLost,
        "past Alipay's 25 h retry window"
    );
    assert_eq!(a.timeline.stage(Stage::Callback).state, StageState::Failed);
    assert!(
        a.diagnosis
            .summary
            .en
            .contains("credit it by hand or refund")
    );
}

#[test]
fn paid_minutes_ago_is_within_the_normal_window() {
    let a = diagnose(
        &[
            ("15:15", "alipay", "交易成功"),
            ("15:16", "platform", "处理中"),
        ],
        "2026-11-21T15:18:00+08:00",
    );
    assert_eq!(
        a.diagnosis.code,
        Code::WithinNormalWindow,
        "3 minutes after payment is normal"
    );
    assert_eq!(a.diagnosis.broken_link, None);
    assert_eq!(a.timeline.stage(Stage::Callback).state, StageState::Pending);
    assert!(
        !a.timeline.stages.iter().any(|s| s.overdue),
        "nothing is overdue yet"
    );
}

#[test]
fn platform_acknowledges_payment_but_does_not_deliver_is_a_platform_bug() {
    let a = diagnose(
        &[
            ("15:15", "alipay", "交易成功"),
            ("15:16", "platform", "已支付，推广未开始"),
        ],
        "2026-11-21T17:00:00+08:00",
    );
    assert_eq!(
        a.diagnosis.code,
        Code::PlatformBug,
        "the platform says 已支付 but nothing was delivered"
    );
    assert_eq!(a.diagnosis.broken_link, Some(Stage::Credited));
}

#[test]
fn a_provider_failing_is_an_outage() {
    let a = diagnose(
        &[("15:15", "alipay", "系统繁忙，请稍后再试")],
        "2026-11-21T15:40:00+08:00",
    );
    assert_eq!(a.diagnosis.code, Code::ProviderOutage);
    assert_eq!(a.diagnosis.broken_link, Some(Stage::BankProcessing));
}

#[test]
fn processing_for_too_long_is_an_outage() {
    let a = diagnose(
        &[("15:15", "alipay", "处理中")],
        "2026-11-21T16:40:00+08:00",
    );
    assert_eq!(
        a.timeline.stage(Stage::BankProcessing).state,
        StageState::Overdue
    );
    assert_eq!(
        a.diagnosis.code,
        Code::ProviderOutage,
        "a payment stuck in processing for over an hour"
    );
}

#[test]
fn risk_control() {
    let a = diagnose(
        &[("15:15", "alipay", "该笔交易存在风险，已被风控拦截")],
        "2026-11-21T15:20:00+08:00",
    );
    assert_eq!(a.diagnosis.code, Code::RiskControlBlock);
    assert_eq!(a.diagnosis.broken_link, Some(Stage::BankProcessing));
}

#[test]
fn user_side_limit() {
    let a = diagnose(
        &[("15:15", "alipay", "银行卡余额不足")],
        "2026-11-21T15:20:00+08:00",
    );
    assert_eq!(a.diagnosis.code, Code::UserSideLimit);
    assert_eq!(a.next_steps[0].action, "fix_payment_details");
}

#[test]
fn two_debits_are_a_duplicate_payment() {
    let a = diagnose(
        &[
            ("15:15", "bank", "支出200.00元"),
            ("15:19", "bank", "支出200.00元"),
            ("15:20", "platform", "充值成功"),
        ],
        "2026-11-21T15:30:00+08:00",
    );
    assert_eq!(
        a.diagnosis.code,
        Code::DuplicatePayment,
        "two debits of the full amount four minutes apart, even though the order was credited"
    );
}

#[test]
fn refund_in_progress_has_an_expected_date() {
    let a = diagnose(
        &[
            ("15:15", "alipay", "交易成功"),
            ("2026-11-25 10:00", "platform", "退款中"),
        ],
        "2026-11-25T12:00:00+08:00",
    );
    assert_eq!(a.diagnosis.code, Code::RefundInProgress);
    let watch = a
        .next_steps
        .iter()
        .find(|s| s.action == "watch_refund")
        .unwrap();
    assert_eq!(
        watch.due.map(short_date).as_deref(),
        Some("2026-12-04"),
        "7 business days after Wednesday 2026-11-25 is Friday 2026-12-04"
    );
}

#[test]
fn closed_with_debit_is_a_pending_reversal() {
    let a = diagnose(
        &[
            ("15:15", "bank", "快捷支付支出200.00元"),
            ("15:30", "alipay", "交易关闭"),
        ],
        "2026-11-21T16:00:00+08:00",
    );
    assert_eq!(a.diagnosis.code, Code::ClosedReversalPending);
    assert_eq!(a.timeline.stage(Stage::Refund).state, StageState::Pending);
    assert!(
        a.timeline.stage(Stage::Refund).inferred,
        "the refund is expected, not reported"
    );
}

#[test]
fn debit_without_provider_confirmation() {
    let a = diagnose(
        &[
            ("15:15", "bank", "快捷支付支出200.00元"),
            ("15:16", "platform", "支付失败"),
        ],
        "2026-11-21T16:00:00+08:00",
    );
    assert_eq!(a.diagnosis.code, Code::DebitedUnconfirmed);
    assert_eq!(
        a.next_steps[0].action, "check_payment_app",
        "first find out what the payment app says"
    );
}

#[test]
fn nothing_taken_is_not_paid() {
    let a = diagnose(
        &[
            ("15:15", "alipay", "交易关闭"),
            ("15:16", "platform", "支付失败"),
        ],
        "2026-11-21T16:00:00+08:00",
    );
    assert_eq!(a.diagnosis.code, Code::NotPaid);
    assert!(a.diagnosis.settled, "no money moved: nothing to recover");
    assert!(
        a.conflicts.is_empty(),
        "both sides agree the payment failed"
    );
}

#[test]
fn credited_and_refunded_are_settled() {
    let a = diagnose(
        &[
            ("15:15", "alipay", "交易成功"),
            ("15:16", "platform", "充值成功"),
        ],
        "2026-11-21T16:00:00+08:00",
    );
    assert_eq!(a.diagnosis.code, Code::Credited);
    assert_eq!(a.timeline.stage(Stage::Callback).state, StageState::Done);
    assert!(a.timeline.stage(Stage::Callback).inferred);
    let a = diagnose(
        &[
            ("15:15", "alipay", "交易成功"),
            ("16:00", "alipay", "退款成功"),
        ],
        "2026-11-21T16:30:00+08:00",
    );
    assert_eq!(a.diagnosis.code, Code::Refunded);
    assert!(a.diagnosis.settled);
}

#[test]
fn nothing_known_is_insufficient_evidence() {
    let a = diagnose(&[], "2026-11-21T16:00:00+08:00");
    assert_eq!(a.diagnosis.code, Code::InsufficientEvidence);
    assert!(
        a.diagnosis.summary.en.contains("payment app"),
        "it says what is missing"
    );
}

#[test]
fn amount_mismatch_is_a_conflict() {
    let mut c = case_with(&[("15:15", "alipay", "交易成功")]);
    c.observations[0].amount = Some(rust_decimal::dec!(199.00));
    let a = analyze(&c, at("2026-11-21T15:20:00+08:00"));
    let m = a
        .conflicts
        .iter()
        .find(|c| c.kind == timeline::ConflictKind::AmountMismatch)
        .expect("199.00 vs 200.00 is flagged");
    assert!(m.message.en.contains("¥199.00") && m.message.en.contains("¥200.00"));
}

#[test]
fn deadlines_are_sorted_and_dated() {
    let a = diagnose(
        &[
            ("15:15", "platform", "支付失败"),
            ("15:15", "alipay", "交易成功"),
        ],
        "2026-11-21T16:30:00+08:00",
    );
    let dues: Vec<i64> = a
        .deadlines
        .iter()
        .filter_map(|d| d.due)
        .map(|d| d.timestamp())
        .collect();
    let mut sorted = dues.clone();
    sorted.sort();
    assert_eq!(dues, sorted, "deadlines come soonest first");
    let provider = a
        .deadlines
        .iter()
        .find(|d| d.what == "escalate_provider")
        .unwrap();
    assert_eq!(
        provider.due.map(short_date).as_deref(),
        Some("2026-11-25"),
        "3 business days after Saturday 2026-11-21: Mon 23, Tue 24, Wed 25"
    );
    let last = a
        .deadlines
        .iter()
        .find(|d| d.what == "consumer_complaint")
        .unwrap();
    assert_eq!(
        last.due.map(short_date).as_deref(),
        Some("2029-11-21"),
        "12315: three years"
    );
}

#[test]
fn outside_the_calendar_the_date_is_explained_not_invented() {
    let a = diagnose(
        &[
            ("15:15", "platform", "支付失败"),
            ("15:15", "alipay", "交易成功"),
        ],
        "2031-01-05T10:00:00+08:00",
    );
    let provider = a
        .next_steps
        .iter()
        .find(|s| s.action == "escalate_provider")
        .unwrap();
    assert_eq!(provider.due, None, "no business-day calendar for 2031");
    assert!(
        provider.problem.as_ref().unwrap().en.contains("2031"),
        "the problem names the year"
    );
}

#[test]
fn every_text_template_renders() {
    for code in [
        Code::Refunded,
        Code::Credited,
        Code::DuplicatePayment,
        Code::RefundInProgress,
        Code::RiskControlBlock,
        Code::UserSideLimit,
        Code::ClosedReversalPending,
        Code::PlatformBug,
        Code::CallbackLost,
        Code::CallbackLate,
        Code::DebitedUnconfirmed,
        Code::ProviderOutage,
        Code::NotPaid,
        Code::WithinNormalWindow,
        Code::InsufficientEvidence,
    ] {
        assert!(
            TEXTS.codes.contains_key(code.key()),
            "data/diagnoses.toml has [{}]",
            code.key()
        );
    }
    assert_eq!(TEXTS.codes.len(), 15, "no text without a rule");
}
