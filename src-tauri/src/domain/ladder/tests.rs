//! The ladder's dates across weekends and holidays, its statuses from the
//! correspondence, and which rung is current.

use super::*;
use crate::domain::case::parse_case_toml;
use crate::domain::diagnosis::analyze_with;
use chrono::DateTime;

fn at(s: &str) -> Moment {
    DateTime::parse_from_rfc3339(s).unwrap()
}

/// A DOU+ order paid by Alipay at `paid` (local time), which the platform
/// calls failed: the callback is the broken link.
fn alipay_case(paid: &str) -> Case {
    parse_case_toml(&format!(
        r#"
platform = "douyin_dou_plus"
order_id = "7439201234567890123"
amount = "200.00"
method = "alipay"
submitted_at = "{paid}"
[[payment]]
id = "2026112122001412341408157613"
provider = "alipay"
[[observation]]
at = "{paid}"
source = "platform"
status = "支付失败"
[[observation]]
at = "{paid}"
source = "alipay"
status = "交易成功"
"#
    ))
    .unwrap()
}

fn run(case: &Case, now: &str, entries: &[Entry]) -> Vec<Rung> {
    run_with(case, now, entries, Windows::builtin())
}

fn run_with(case: &Case, now: &str, entries: &[Entry], w: &Windows) -> Vec<Rung> {
    let cal = BusinessCalendar::china();
    let a = analyze_with(case, at(now), w, cal);
    ladder(case, &a, entries, w, cal)
}

fn rung(rungs: &[Rung], a: Audience) -> &Rung {
    rungs
        .iter()
        .find(|r| r.audience == a)
        .unwrap_or_else(|| panic!("the ladder should have a {} rung", a.code()))
}

fn day(r: &Rung) -> String {
    r.earliest
        .map(short_date)
        .unwrap_or_else(|| format!("none: {:?}", r.earliest_problem))
}

fn sent(a: Audience, t: &str) -> Entry {
    Entry {
        audience: a,
        kind: EntryKind::Sent(at(t)),
    }
}

fn current(rungs: &[Rung]) -> Vec<&'static str> {
    rungs
        .iter()
        .filter(|r| r.current)
        .map(|r| r.audience.code())
        .collect()
}

#[test]
fn the_douyin_example_on_a_saturday_counts_business_days_from_monday() {
    // Paid Saturday 2026-11-21 15:14; checked at 16:30 the same day.
    let case = alipay_case("2026-11-21 15:14");
    let rungs = run(&case, "2026-11-21T16:30:00+08:00", &[]);
    let order: Vec<&str> = rungs.iter().map(|r| r.audience.code()).collect();
    assert_eq!(
        order,
        [
            "platform_chat",
            "platform_ticket",
            "payment_provider",
            "consumer_12315",
            "heimao"
        ],
        "Alipay is the provider, so its rung is there; no card, so no card issuer"
    );
    let chat = rung(&rungs, Audience::PlatformChat);
    assert_eq!(
        chat.earliest.map(short_time).as_deref(),
        Some("2026-11-21 15:24"),
        "the chat makes sense once the 10-minute normal window after the payment has passed"
    );
    assert!(
        chat.current,
        "nothing sent yet: the chat is the rung to act on"
    );
    assert!(chat.why.en.starts_with("Go ahead now"), "{}", chat.why.en);
    assert_eq!(
        day(rung(&rungs, Audience::PlatformTicket)),
        "2026-11-23",
        "the ticket comes one business day after today (Saturday → Monday)"
    );
    assert_eq!(
        day(rung(&rungs, Audience::PaymentProvider)),
        "2026-11-26",
        "then the platform's 3 business days: Tue, Wed, Thu"
    );
    let c12315 = rung(&rungs, Audience::Consumer12315);
    assert_eq!(
        day(c12315),
        "2026-12-03",
        "then Alipay's 5 business days: Fri 27, Mon 30, Tue 1, Wed 2, Thu 3"
    );
    assert_eq!(day(rung(&rungs, Audience::Heimao)), day(c12315));
    assert_eq!(
        c12315.last.map(short_time).as_deref(),
        Some("2029-11-21 23:59"),
        "12315 accepts complaints for 3 years from when the harm was known"
    );
    assert_eq!(rung(&rungs, Audience::Heimao).last, None);
    assert_eq!(c12315.step, rung(&rungs, Audience::Heimao).step);
    assert!(
        rungs.iter().all(|r| r.status == RungStatus::NotYet),
        "no correspondence, nothing sent"
    );
}

#[test]
fn a_chat_sent_before_national_day_gives_the_ticket_after_the_holiday() {
    let case = alipay_case("2026-09-30 09:00");
    let entries = [sent(Audience::PlatformChat, "2026-09-30T10:00:00+08:00")];
    let rungs = run(&case, "2026-10-02T12:00:00+08:00", &entries);
    let chat = rung(&rungs, Audience::PlatformChat);
    assert_eq!(
        chat.status,
        RungStatus::Sent {
            at: at("2026-09-30T10:00:00+08:00")
        }
    );
    assert_eq!(
        day(rung(&rungs, Audience::PlatformTicket)),
        "2026-10-08",
        "1 business day after 30 September is 8 October: 1–7 October is the National Day break"
    );
    assert_eq!(
        current(&rungs),
        ["platform_chat"],
        "during the holiday the chat still has its time to answer"
    );
    assert!(
        chat.why.en.contains("Sent on 2026-09-30"),
        "{}",
        chat.why.en
    );

    // The ticket sent on Friday 9 October: the platform's 3 business days
    // include Saturday 10 October, a make-up working day (调休上班).
    let entries = [
        sent(Audience::PlatformChat, "2026-09-30T10:00:00+08:00"),
        sent(Audience::PlatformTicket, "2026-10-09T09:00:00+08:00"),
    ];
    let rungs = run(&case, "2026-10-09T12:00:00+08:00", &entries);
    assert_eq!(
        day(rung(&rungs, Audience::PaymentProvider)),
        "2026-10-13",
        "Sat 10 (worked), Mon 12, Tue 13"
    );
    assert_eq!(
        current(&rungs),
        ["platform_ticket"],
        "waiting on the ticket"
    );
    let rungs = run(&case, "2026-10-14T09:00:00+08:00", &entries);
    assert_eq!(
        current(&rungs),
        ["payment_provider"],
        "the ticket's time is over: the provider is next"
    );
}

#[test]
fn statuses_follow_the_correspondence() {
    let case = alipay_case("2026-11-02 10:00");
    let entries = [
        Entry {
            audience: Audience::PlatformChat,
            kind: EntryKind::Draft,
        },
        sent(Audience::PlatformChat, "2026-11-02T11:00:00+08:00"),
        Entry {
            audience: Audience::PlatformChat,
            kind: EntryKind::Answer(at("2026-11-02T15:00:00+08:00")),
        },
        Entry {
            audience: Audience::PlatformTicket,
            kind: EntryKind::Draft,
        },
        sent(Audience::PlatformTicket, "2026-11-03T09:00:00+08:00"),
        Entry {
            audience: Audience::PlatformTicket,
            kind: EntryKind::Closed(at("2026-11-04T09:00:00+08:00"), "拒绝补单".into()),
        },
    ];
    let rungs = run(&case, "2026-11-04T10:00:00+08:00", &entries);
    let chat = rung(&rungs, Audience::PlatformChat);
    assert_eq!(
        chat.status,
        RungStatus::Answered {
            at: at("2026-11-02T15:00:00+08:00")
        },
        "an answer outranks the sending"
    );
    assert_eq!(chat.drafts, 1);
    let ticket = rung(&rungs, Audience::PlatformTicket);
    assert_eq!(
        ticket.status,
        RungStatus::Closed {
            at: at("2026-11-04T09:00:00+08:00"),
            note: "拒绝补单".into()
        }
    );
    assert!(
        ticket.why.zh_cn.contains("拒绝补单"),
        "{}",
        ticket.why.zh_cn
    );
    assert_eq!(
        day(ticket),
        "2026-11-02",
        "an answered chat opens the ticket on the day of the answer"
    );
    assert_eq!(
        day(rung(&rungs, Audience::PaymentProvider)),
        "2026-11-04",
        "a closed ticket opens the provider's rung on the day it was closed"
    );
    assert_eq!(current(&rungs), ["payment_provider"]);
    assert_eq!(
        rung(&rungs, Audience::PaymentProvider).drafts,
        0,
        "drafts are counted per audience"
    );
}

#[test]
fn either_12315_or_heimao_is_current_together_and_one_sent_moves_on() {
    let case = alipay_case("2026-11-02 10:00");
    let entries = [
        sent(Audience::PlatformChat, "2026-11-02T11:00:00+08:00"),
        sent(Audience::PlatformTicket, "2026-11-03T11:00:00+08:00"),
        sent(Audience::PaymentProvider, "2026-11-09T11:00:00+08:00"),
    ];
    let rungs = run(&case, "2026-11-20T10:00:00+08:00", &entries);
    assert_eq!(current(&rungs), ["consumer_12315", "heimao"]);
    assert_eq!(
        day(rung(&rungs, Audience::Heimao)),
        "2026-11-16",
        "5 business days after Monday 9 November"
    );
}

#[test]
fn a_card_payment_without_a_provider_skips_the_provider_and_adds_the_card_issuer() {
    let case = parse_case_toml(
        r#"
platform = "card_shop"
order_id = "20261121100512345"
amount = "88.00"
method = "bank_card"
card_last4 = "6789"
submitted_at = "2026-11-21 10:05"
[[observation]]
at = "10:05"
source = "bank"
via = "sms"
status = "支出 88.00 元"
[[observation]]
at = "10:20"
source = "platform"
status = "待确认"
"#,
    )
    .unwrap();
    let rungs = run(&case, "2026-11-21T12:00:00+08:00", &[]);
    let order: Vec<(&str, u8)> = rungs.iter().map(|r| (r.audience.code(), r.step)).collect();
    assert_eq!(
        order,
        [
            ("platform_chat", 1),
            ("platform_ticket", 2),
            ("consumer_12315", 3),
            ("heimao", 3),
            ("card_issuer", 4)
        ],
        "no provider rung without a provider; the card issuer for a bank card"
    );
    let card = rung(&rungs, Audience::CardIssuer);
    assert_eq!(
        card.last.map(short_date).as_deref(),
        Some("2027-03-21"),
        "120 days from the 21 November debit"
    );
    assert_eq!(
        day(card),
        day(rung(&rungs, Audience::Consumer12315)),
        "the card issuer once the merchant had its chance"
    );
}

#[test]
fn wechat_refunds_end_365_days_after_the_payment() {
    let case = parse_case_toml(
        r#"
platform = "live_stream"
order_id = "LS20261121200500001"
amount = "68.00"
method = "wechat_pay"
submitted_at = "2026-11-21 20:05"
[[payment]]
id = "4200002345202611212345678901"
provider = "wechat_pay"
[[observation]]
at = "20:05"
source = "wechat_pay"
status = "支付成功"
[[observation]]
at = "20:30"
source = "platform"
status = "未到账"
"#,
    )
    .unwrap();
    let rungs = run(&case, "2026-11-21T20:40:00+08:00", &[]);
    for a in [
        Audience::PlatformChat,
        Audience::PlatformTicket,
        Audience::PaymentProvider,
    ] {
        assert_eq!(
            rung(&rungs, a).last.map(short_date).as_deref(),
            Some("2027-11-21"),
            "{}: a WeChat Pay refund is possible for 365 days",
            a.code()
        );
    }
    assert!(
        rungs.iter().all(|r| r.audience != Audience::CardIssuer),
        "WeChat Pay balance is not a card"
    );
}

#[test]
fn a_business_day_past_the_calendar_is_a_problem_not_a_guess() {
    let case = alipay_case("2026-12-30 10:00");
    let entries = [sent(Audience::PlatformChat, "2026-12-31T10:00:00+08:00")];
    let rungs = run(&case, "2026-12-31T12:00:00+08:00", &entries);
    let ticket = rung(&rungs, Audience::PlatformTicket);
    assert_eq!(
        ticket.earliest, None,
        "2027's holidays are not published yet"
    );
    let problem = ticket.earliest_problem.as_ref().expect("a stated problem");
    assert!(problem.en.contains("2024–2026"), "{}", problem.en);
    assert!(
        rung(&rungs, Audience::Consumer12315).last.is_some(),
        "calendar years are not business days: the 12315 limit is still known"
    );
}

#[test]
fn the_numbers_come_from_the_windows_data() {
    let case = alipay_case("2026-11-02 10:00");
    let entries = [sent(Audience::PlatformChat, "2026-11-02T11:00:00+08:00")];
    let mut w = Windows::builtin().clone();
    assert_eq!(
        day(rung(
            &run_with(&case, "2026-11-02T12:00:00+08:00", &entries, &w),
            Audience::PlatformTicket
        )),
        "2026-11-03"
    );
    w.escalation.ticket_after_chat_business_days = 3;
    w.escalation.card_dispute_days = 10;
    assert_eq!(
        day(rung(
            &run_with(&case, "2026-11-02T12:00:00+08:00", &entries, &w),
            Audience::PlatformTicket
        )),
        "2026-11-05",
        "a changed data file changes the date"
    );
}

#[test]
fn a_settled_case_has_no_current_rung_and_a_passed_last_day_is_flagged() {
    let mut case = alipay_case("2026-11-02 10:00");
    case.observations
        .push(crate::domain::observation::Observation {
            at: Some(at("2026-11-02T12:00:00+08:00")),
            source: SourceKind::Platform,
            via: crate::domain::observation::Via::Manual,
            raw: "已到账".into(),
            claim: crate::domain::observation::Claim::Credited,
            amount: None,
            payment_id: None,
            note: None,
        });
    let rungs = run(&case, "2026-11-03T12:00:00+08:00", &[]);
    assert!(current(&rungs).is_empty(), "credited: nothing to escalate");

    let card = parse_case_toml(
        r#"
platform = "other"
platform_name = "Example shop"
order_id = "A1"
amount = "10.00"
method = "credit_card"
submitted_at = "2024-01-02 10:00"
[[observation]]
at = "10:00"
source = "bank"
status = "debited"
[[observation]]
at = "10:30"
source = "platform"
status = "failed"
"#,
    )
    .unwrap();
    let rungs = run(&card, "2026-11-03T12:00:00+08:00", &[]);
    let issuer = rung(&rungs, Audience::CardIssuer);
    assert!(
        issuer.last_passed,
        "120 days after January 2024 is long gone"
    );
    assert!(!issuer.current, "a rung past its last day is not offered");
    assert!(issuer.why.en.contains("has passed"), "{}", issuer.why.en);
}

#[test]
fn the_card_issuer_is_offered_only_for_a_card_charged_directly() {
    // A bank card inside Alipay (快捷支付): its last four digits are known,
    // but Alipay handles the payment first; no chargeback rung or step.
    let mut case = alipay_case("2026-11-21T15:15:00+08:00");
    case.card_last4 = Some("6789".into());
    let now = "2026-11-21T16:30:00+08:00";
    let rungs = run(&case, now, &[]);
    assert!(
        rungs.iter().all(|r| r.audience != Audience::CardIssuer),
        "{:?}",
        rungs.iter().map(|r| r.audience).collect::<Vec<_>>()
    );
    let a = analyze_with(
        &case,
        at(now),
        Windows::builtin(),
        BusinessCalendar::china(),
    );
    assert!(
        a.next_steps.iter().all(|s| s.action != "card_dispute"),
        "no card dispute step for a card paid through Alipay"
    );
    // The same order charged to a credit card directly: the issuer is a rung.
    case.method = crate::domain::case::Method::CreditCard;
    let rungs = run(&case, now, &[]);
    rung(&rungs, Audience::CardIssuer);
}
