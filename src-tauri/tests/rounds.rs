//! The re-check rounds ([`daozhang::check::rounds`]) over a real case file,
//! driven by a clock the tests move: days of re-checks in microseconds, no
//! real waiting.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{Duration, TimeZone};
use rust_decimal::Decimal;

use daozhang::check::rounds::{Clock, round};
use daozhang::check::{Ask, Hold, Progress};
use daozhang::domain::case::{Case, parse_case_toml};
use daozhang::domain::observation::{Claim, Observation, SourceKind, Via};
use daozhang::domain::stage::Stage;
use daozhang::domain::text::Bilingual;
use daozhang::domain::time::{Moment, china};
use daozhang::follow::Rules;
use daozhang::records::{ChangeKind, SourceProgress, SourceStatus};
use daozhang::sources::Outcome;
use daozhang::sources::error::SourceError;
use daozhang::store::Store;

const LIVE: &str = include_str!("../../examples/live-stream-wechat.toml");

fn t(s: &str) -> Moment {
    china()
        .from_local_datetime(
            &chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap(),
        )
        .unwrap()
}

fn rules() -> &'static Rules {
    Rules::builtin()
}

/// A clock the test moves by hand.
struct TestClock(Mutex<Moment>);

impl TestClock {
    fn at(m: Moment) -> Self {
        TestClock(Mutex::new(m))
    }
    fn set(&self, m: Moment) {
        *self.0.lock().unwrap() = m;
    }
    fn advance(&self, d: Duration) {
        *self.0.lock().unwrap() += d;
    }
}

impl Clock for TestClock {
    fn now(&self) -> Moment {
        *self.0.lock().unwrap()
    }
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

/// A provider that has not refunded until `refund_at`, then has; counts
/// how often it is asked and can fail on demand.
struct ScriptedWechat {
    refund_at: Moment,
    asked: AtomicUsize,
    fail: std::sync::atomic::AtomicBool,
}

impl Ask for ScriptedWechat {
    fn ask(
        &self,
        _case: &Case,
        now: Moment,
        hold: Hold,
        _progress: Progress,
    ) -> Result<Outcome, SourceError> {
        let key = "api:wechat_pay";
        let mut p = SourceProgress {
            source: key.into(),
            label: Bilingual::new("微信支付", "WeChat Pay"),
            status: SourceStatus::Done,
            detail: Bilingual::default(),
            raw: None,
        };
        if let Some(reason) = hold(key) {
            p.status = SourceStatus::Skipped;
            p.detail = reason;
            return Ok(Outcome {
                progress: vec![p],
                observations: vec![],
            });
        }
        self.asked.fetch_add(1, Ordering::SeqCst);
        if self.fail.load(Ordering::SeqCst) {
            p.status = SourceStatus::Failed;
            p.detail = Bilingual::new("超时", "timed out");
            return Ok(Outcome {
                progress: vec![p],
                observations: vec![],
            });
        }
        let observations = if now >= self.refund_at {
            vec![refunded_at(self.refund_at)]
        } else {
            vec![]
        };
        Ok(Outcome {
            progress: vec![p],
            observations,
        })
    }
}

#[test]
fn rounds_driven_by_a_test_clock_find_the_refund_and_stop() {
    let dir = tempfile::tempdir().unwrap();
    let store = Mutex::new(Store::open(&dir.path().join("cases.sqlite3")).unwrap());
    let case = parse_case_toml(LIVE).unwrap();
    let id = store
        .lock()
        .unwrap()
        .create_case(&case, t("2026-11-21 20:05:40"))
        .unwrap();
    // Ten seconds after the payment, and WeChat Pay times out for a day.
    let clock = TestClock::at(t("2026-11-21 20:05:40"));
    let wechat = ScriptedWechat {
        refund_at: t("2026-11-23 11:00:00"),
        asked: AtomicUsize::new(0),
        fail: true.into(),
    };
    let r = rules();

    // Written down at 20:05:40: the first look is the first planned one
    // after that, a minute after the payment; it is the baseline and tells
    // nothing.
    assert!(round(&store, &clock, &wechat, r).unwrap().looked.is_empty());
    clock.set(t("2026-11-21 20:06:30"));
    let first = round(&store, &clock, &wechat, r).unwrap();
    assert_eq!(first.looked.len(), 1);
    assert!(
        first.looked[0].changes.is_empty(),
        "{:?}",
        first.looked[0].changes
    );
    let next = first.next_due.expect("an unsettled case has a next look");
    assert!(next > clock.now());

    // Right away again: nothing is due.
    let again = round(&store, &clock, &wechat, r).unwrap();
    assert!(again.looked.is_empty(), "no look before the next is due");

    // Tick a minute at a time for two and a half days; count the
    // provider's requests.
    let mut changes = Vec::new();
    let mut rounds_with_looks = 0;
    while clock.now() < t("2026-11-24 08:00:00") {
        if clock.now() > t("2026-11-22 20:00:00") {
            wechat.fail.store(false, Ordering::SeqCst);
        }
        let round = round(&store, &clock, &wechat, r).unwrap();
        if !round.looked.is_empty() {
            rounds_with_looks += 1;
        }
        for l in round.looked {
            changes.extend(l.changes);
        }
        clock.advance(Duration::minutes(1));
    }
    let asked = wechat.asked.load(Ordering::SeqCst);
    assert!(
        asked < rounds_with_looks,
        "while failing, WeChat Pay was left alone during its backoff ({asked} requests in {rounds_with_looks} looks)"
    );
    let settled: Vec<_> = changes
        .iter()
        .filter(|c| matches!(c.what, ChangeKind::Settled { .. }))
        .collect();
    assert_eq!(
        settled.len(),
        1,
        "the refund is announced once: {changes:#?}"
    );
    assert!(settled[0].at >= t("2026-11-23 11:00:00"));
    assert!(
        settled[0].at - t("2026-11-23 11:00:00") <= Duration::hours(24),
        "and found within a day of happening"
    );
    assert!(
        changes.iter().any(|c| matches!(
            c.what,
            ChangeKind::Stage {
                stage: Stage::Refund,
                ..
            }
        )),
        "the refund stage's move is a change: {changes:#?}"
    );

    // Settled: no more looks, however long the clock runs.
    let before = store.lock().unwrap().get(&id).unwrap().checks.len();
    clock.advance(Duration::days(5));
    let after_round = round(&store, &clock, &wechat, r).unwrap();
    assert!(after_round.looked.is_empty() && after_round.next_due.is_none());
    let s = store.lock().unwrap();
    assert_eq!(s.get(&id).unwrap().checks.len(), before);
    let f = s.follow(&id).unwrap();
    assert!(
        f.state
            .unread
            .iter()
            .any(|c| matches!(c.what, ChangeKind::Settled { .. })),
        "the change waits, unread, for the user to open the case"
    );
}

#[test]
fn at_most_a_round_s_worth_of_cases_are_checked_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = Mutex::new(Store::open(&dir.path().join("cases.sqlite3")).unwrap());
    let case = parse_case_toml(LIVE).unwrap();
    let n = rules().max_cases_per_round + 3;
    for _ in 0..n {
        store
            .lock()
            .unwrap()
            .create_case(&case, t("2026-11-21 20:40:00"))
            .unwrap();
    }
    let clock = TestClock::at(t("2026-11-21 20:41:00"));
    let wechat = ScriptedWechat {
        refund_at: t("2030-01-01 00:00:00"),
        asked: AtomicUsize::new(0),
        fail: false.into(),
    };
    let first = round(&store, &clock, &wechat, rules()).unwrap();
    assert_eq!(first.looked.len(), rules().max_cases_per_round);
    assert_eq!(first.deferred, 3);
    let second = round(&store, &clock, &wechat, rules()).unwrap();
    assert_eq!(second.looked.len(), 3, "the rest in the next round");
    // A case turned off is not looked at.
    let id = second.looked[0].id.clone();
    store
        .lock()
        .unwrap()
        .update_follow(&id, |f| f.enabled = false)
        .unwrap();
    clock.set(t("2026-11-22 21:00:00"));
    let third = round(&store, &clock, &wechat, rules()).unwrap();
    assert!(third.looked.iter().all(|l| l.id != id));
}
