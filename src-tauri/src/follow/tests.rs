//! The follow-up driven by a clock the tests move: days of re-checks in
//! microseconds, no real waiting.

use chrono::{Duration, TimeZone};
use rust_decimal::Decimal;

use super::*;
use crate::domain::case::parse_case_toml;
use crate::domain::diagnosis::analyze;
use crate::domain::observation::{Claim, Observation, SourceKind, Via};
use crate::domain::time::china;

const LIVE: &str = include_str!("../../../examples/live-stream-wechat.toml");
const DOUYIN: &str = include_str!("../../../examples/douyin-dou-plus-alipay.toml");

fn t(s: &str) -> Moment {
    china()
        .from_local_datetime(
            &chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap(),
        )
        .unwrap()
}

/// The platform's own words, typed in by the user.
fn platform_says(at: &str, raw: &str, claim: Claim) -> Observation {
    Observation {
        at: Some(t(at)),
        source: SourceKind::Platform,
        via: Via::Manual,
        raw: raw.into(),
        claim,
        amount: None,
        payment_id: None,
        note: None,
    }
}

fn rules() -> &'static Rules {
    Rules::builtin()
}

fn schedule_of(toml: &str, now: Moment) -> (Case, Schedule) {
    let case = parse_case_toml(toml).unwrap();
    let a = analyze(&case, now);
    let s = plan(
        &case,
        &a,
        Windows::builtin(),
        BusinessCalendar::china(),
        rules(),
    );
    (case, s)
}

#[test]
fn the_rules_load_and_schedules_parse() {
    let r = rules();
    assert!(!r.early_minutes.is_empty() && r.max_cases_per_round > 0);
    assert_eq!(
        parse_schedule("15s, 3m, 1h"),
        Some(vec![
            Duration::seconds(15),
            Duration::minutes(3),
            Duration::hours(1)
        ])
    );
    assert_eq!(
        parse_schedule("exponential backoff for up to 3 days"),
        None,
        "words are not a schedule"
    );
    for (id, p) in &Windows::builtin().provider {
        if id == "wechat_pay" || id == "alipay" {
            assert!(
                parse_schedule(&p.schedule).is_some(),
                "{id}'s retry schedule in windows.toml is numbers"
            );
        }
    }
}

#[test]
fn a_wechat_case_is_looked_at_often_first_then_along_the_retries_then_daily() {
    let (_, s) = schedule_of(LIVE, t("2026-11-21 20:40:00"));
    let paid = t("2026-11-21 20:05:30");
    assert_eq!(s.anchor, paid, "the plan counts from the payment");
    assert_eq!(
        s.points[0],
        paid + Duration::minutes(1),
        "the first look is a minute after the payment"
    );
    // WeChat's last retry is 24 h 4 min after the payment: one look just after it.
    let retry_end = paid + Duration::minutes(24 * 60 + 4) + Duration::minutes(1);
    assert!(
        s.points.contains(&retry_end),
        "a look just after WeChat's last notify retry: {:?}",
        s.points
    );
    // 2026-11-21 is a Saturday: the 7th business day after it is Tue 12-01.
    assert_eq!(s.ends, t("2026-12-01 23:59:00"), "the refund window's end");
    let first_day: Vec<_> = s
        .points
        .iter()
        .filter(|p| **p < paid + Duration::hours(1))
        .collect();
    assert!(
        first_day.len() >= 8,
        "several looks in the first hour, where callbacks are retried: {first_day:?}"
    );
    let daily: Vec<_> = s.points.iter().filter(|p| **p > retry_end).collect();
    for pair in daily.windows(2) {
        assert!(
            *pair[1] - *pair[0] <= Duration::hours(24),
            "at least daily until the refund window ends: {pair:?}"
        );
    }
    assert_eq!(
        *s.points.last().unwrap(),
        s.ends,
        "the last look is at the end"
    );
    for pair in s.points.windows(2) {
        assert!(
            pair[1] - pair[0] >= Duration::seconds(rules().min_gap_seconds),
            "no two planned looks closer than the minimum gap: {pair:?}"
        );
    }
}

#[test]
fn stripe_without_numbers_doubles_until_its_three_days() {
    let mut case = parse_case_toml(DOUYIN).unwrap();
    case.method = crate::domain::case::Method::CreditCard;
    let a = analyze(&case, t("2026-11-21 16:00:00"));
    let w = Windows::builtin();
    let s = plan(&case, &a, w, BusinessCalendar::china(), rules());
    let provider = case.notifier();
    let window = w.retry_window(provider);
    assert!(
        s.points.iter().any(|p| *p - s.anchor > window),
        "looks continue after the retry window"
    );
}

#[test]
fn a_settled_case_is_not_followed() {
    let mut case = parse_case_toml(LIVE).unwrap();
    case.add_observation(platform_says(
        "2026-11-21 21:00:00",
        "已到账",
        Claim::Credited,
    ));
    let now = t("2026-11-21 21:10:00");
    let a = analyze(&case, now);
    let s = plan(
        &case,
        &a,
        Windows::builtin(),
        BusinessCalendar::china(),
        rules(),
    );
    assert!(s.settled);
    assert_eq!(
        next_due(&s, None, now, rules()),
        None,
        "settled: no more looks"
    );
}

/// Every minute for 12 days, look when due: as many looks as planned
/// points (at most), never two within the minimum gap, none after the end.
#[test]
fn a_clock_ticking_through_twelve_days_looks_once_per_planned_point() {
    let (_, s) = schedule_of(LIVE, t("2026-11-21 20:40:00"));
    let r = rules();
    let mut now = t("2026-11-21 20:06:00");
    let mut last: Option<Moment> = None;
    let mut looks = Vec::new();
    while now < t("2026-12-03 00:00:00") {
        if next_due(&s, last, now, r).is_some_and(|d| d <= now) {
            looks.push(now);
            last = Some(now);
        }
        now += Duration::minutes(1);
    }
    assert!(
        looks.len() <= s.points.len() && looks.len() >= s.points.len() - 4,
        "{} looks for {} planned points",
        looks.len(),
        s.points.len()
    );
    assert!(
        *looks.last().unwrap() <= s.ends + Duration::minutes(1),
        "no looks after the refund window"
    );
    for pair in looks.windows(2) {
        assert!(pair[1] - pair[0] >= Duration::seconds(r.min_gap_seconds));
    }
}

#[test]
fn a_computer_that_slept_three_days_looks_once_not_in_a_storm() {
    let (_, s) = schedule_of(LIVE, t("2026-11-21 20:40:00"));
    let r = rules();
    let last = t("2026-11-21 20:08:00");
    let woke = t("2026-11-24 09:00:00");
    let due = next_due(&s, Some(last), woke, r).unwrap();
    assert!(due <= woke, "missed looks run at once after waking");
    let after = next_due(&s, Some(woke), woke, r).unwrap();
    assert!(
        after > woke,
        "after that one look, the next is in the future ({after}), not the dozens that were missed"
    );
}

#[test]
fn a_clock_set_back_neither_storms_nor_stops_the_follow_up() {
    let (_, s) = schedule_of(LIVE, t("2026-11-21 20:40:00"));
    let r = rules();
    // The last look was stamped by a clock a day fast; it is now put right.
    let last = t("2026-11-23 10:00:00");
    let now = t("2026-11-22 10:00:00");
    let due = next_due(&s, Some(last), now, r).unwrap();
    assert!(
        due > now && due - now <= Duration::hours(24),
        "the next look counts from now ({due}), not from the future stamp"
    );
}

#[test]
fn a_failing_source_backs_off_and_says_so_then_starts_over() {
    let r = rules();
    let mut state = FollowState::default();
    let now = t("2026-11-22 10:00:00");
    let failed = |detail: &str| SourceProgress {
        source: "api:wechat_pay".into(),
        label: Bilingual::new("微信支付", "WeChat Pay"),
        status: SourceStatus::Failed,
        detail: Bilingual::new(detail, detail),
        raw: None,
    };
    let mut waits = Vec::new();
    for i in 0..10 {
        update_backoff(&mut state, &[failed("timeout")], now, r);
        let f = &state.failing["api:wechat_pay"];
        assert_eq!(f.failures, i + 1);
        waits.push((f.next_try - now).num_minutes());
    }
    assert_eq!(&waits[..4], &[5, 10, 20, 40], "doubling from 5 minutes");
    assert_eq!(*waits.last().unwrap(), 360, "never longer than 6 hours");
    let reason = hold_reason(&state.failing["api:wechat_pay"], now).unwrap();
    assert!(reason.en.contains("backing off") && reason.en.contains("timeout"));
    assert!(hold_reason(&state.failing["api:wechat_pay"], now + Duration::hours(7)).is_none());
    let mut ok = failed("");
    ok.status = SourceStatus::Done;
    update_backoff(&mut state, &[ok], now, r);
    assert!(state.failing.is_empty(), "an answer resets the count");
}

fn refunded_at(at: Moment) -> Observation {
    Observation {
        at: Some(at),
        source: SourceKind::WechatPay,
        via: Via::Api,
        raw: "REFUND 转入退款".into(),
        claim: Claim::Refunded,
        amount: Some(Decimal::new(6800, 2)),
        payment_id: Some("4200002345202611214567890123".into()),
        note: None,
    }
}

#[test]
fn a_deadline_passing_is_announced_once() {
    let mut case = parse_case_toml(LIVE).unwrap();
    // The platform promised a refund; 7 business days later it is not back.
    case.add_observation(platform_says(
        "2026-11-21 21:00:00",
        "退款中",
        Claim::RefundPending,
    ));
    let mut state = FollowState::default();
    let early = analyze(&case, t("2026-11-21 20:40:00"));
    assert!(observe(&mut state, &early, None, true, rules()).is_empty());
    let late = analyze(&case, t("2026-12-05 12:00:00"));
    let changes = observe(&mut state, &late, None, true, rules());
    let deadlines: Vec<_> = changes
        .iter()
        .filter(|c| matches!(c.what, ChangeKind::Deadline { .. }))
        .collect();
    assert!(!deadlines.is_empty(), "{changes:#?}");
    assert!(deadlines.iter().all(|c| c.text.en.contains("escalate?")));
    let later = analyze(&case, t("2026-12-06 12:00:00"));
    let again = observe(&mut state, &later, None, true, rules());
    assert!(
        !again
            .iter()
            .any(|c| matches!(c.what, ChangeKind::Deadline { .. })),
        "not again the next day: {again:#?}"
    );
    assert_eq!(state.unread.len(), changes.len() + again.len());
    // A look by hand adds nothing unread and keeps what was, until the
    // user dismisses it.
    let mut refund = case.clone();
    refund.add_observation(refunded_at(t("2026-12-06 13:00:00")));
    let by_hand = analyze(&refund, t("2026-12-06 14:00:00"));
    assert!(!observe(&mut state, &by_hand, None, false, rules()).is_empty());
    assert_eq!(state.unread.len(), changes.len() + again.len());
}
