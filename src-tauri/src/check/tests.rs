//! The one check workflow: what a manual and an automatic check keep, what
//! "offline" reads, and how a failing or cancelled source ends a check.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::TimeZone;
use rust_decimal::Decimal;

use super::*;
use crate::domain::case::parse_case_toml;
use crate::domain::observation::{Claim, SourceKind, Via};
use crate::domain::time::china;

const LIVE: &str = include_str!("../../../examples/live-stream-wechat.toml");

fn t(s: &str) -> Moment {
    china()
        .from_local_datetime(
            &chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap(),
        )
        .unwrap()
}

fn refunded(at: Moment) -> Observation {
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

/// WeChat Pay as a script: answers with `answer`, or fails, or is
/// cancelled; counts how often it was asked and how often it reported
/// progress.
struct Scripted {
    answer: Result<Vec<Observation>, SourceError>,
    status: SourceStatus,
    asked: AtomicUsize,
}

impl Scripted {
    fn answering(obs: Vec<Observation>) -> Self {
        Scripted {
            answer: Ok(obs),
            status: SourceStatus::Done,
            asked: AtomicUsize::new(0),
        }
    }
}

impl Ask for Scripted {
    fn ask(
        &self,
        _case: &Case,
        _now: Moment,
        hold: Hold,
        progress: Progress,
    ) -> Result<Outcome, SourceError> {
        self.asked.fetch_add(1, Ordering::SeqCst);
        let mut p = SourceProgress {
            source: "api:wechat_pay".into(),
            label: Bilingual::new("微信支付", "WeChat Pay"),
            status: self.status,
            detail: Bilingual::default(),
            raw: None,
        };
        if let Some(reason) = hold("api:wechat_pay") {
            p.status = SourceStatus::Skipped;
            p.detail = reason;
        }
        progress(std::slice::from_ref(&p));
        let observations = match &self.answer {
            Ok(o) => o.clone(),
            Err(SourceError::Cancelled) => return Err(SourceError::Cancelled),
            Err(e) => {
                return Err(SourceError::Network {
                    host: "api.mch.weixin.qq.com".into(),
                    reason: e.to_string(),
                });
            }
        };
        Ok(Outcome {
            progress: vec![p],
            observations,
        })
    }
}

fn stored_live() -> (tempfile::TempDir, Mutex<Store>, String) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("cases.sqlite3")).unwrap();
    let id = store
        .create_case(&parse_case_toml(LIVE).unwrap(), t("2026-11-21 20:10:00"))
        .unwrap();
    (dir, Mutex::new(store), id)
}

#[test]
fn a_manual_check_keeps_the_answer_the_record_and_counts_as_the_users_look() {
    let (_dir, store, id) = stored_live();
    let now = t("2026-11-23 12:00:00");
    let wechat = Scripted::answering(vec![refunded(t("2026-11-23 11:00:00"))]);
    let seen = Mutex::new(0);
    let progress = |_: &[SourceProgress]| *seen.lock().unwrap() += 1;
    let sources = Sources::new(&wechat).progress(&progress);
    let c = stored(
        &store,
        &id,
        now,
        &sources,
        Trigger::Manual,
        Rules::builtin(),
    )
    .unwrap();
    assert!(*seen.lock().unwrap() > 0, "progress reached the caller");
    assert!(
        c.case
            .observations
            .contains(&refunded(t("2026-11-23 11:00:00"))),
        "the refund is part of the case the report was drawn from"
    );
    assert!(c.report.analysis.diagnosis.settled, "refunded is settled");
    let s = store.lock().unwrap();
    let kept = s.get(&id).unwrap();
    assert!(
        kept.case
            .observations
            .contains(&refunded(t("2026-11-23 11:00:00"))),
        "the answer is in the case file"
    );
    assert_eq!(kept.checks.len(), 1, "one record of the check");
    assert_eq!(kept.checks[0].at, now);
    let f = s.follow(&id).unwrap();
    assert_eq!(
        f.state.last_run,
        Some(now),
        "the user's check is the last look"
    );
    assert!(
        f.state.unread.is_empty(),
        "what the user saw on screen is not kept as unread"
    );
}

#[test]
fn an_automatic_check_keeps_its_changes_unread() {
    let (_dir, store, id) = stored_live();
    let wechat = Scripted::answering(vec![]);
    let sources = Sources::new(&wechat);
    let r = Rules::builtin();
    let first = t("2026-11-21 20:20:00");
    stored(&store, &id, first, &sources, Trigger::Automatic, r).unwrap();
    let wechat = Scripted::answering(vec![refunded(t("2026-11-23 11:00:00"))]);
    let sources = Sources::new(&wechat);
    let c = stored(
        &store,
        &id,
        t("2026-11-23 12:00:00"),
        &sources,
        Trigger::Automatic,
        r,
    )
    .unwrap();
    assert!(!c.changes.is_empty(), "the refund is a change");
    assert_eq!(
        store.lock().unwrap().follow(&id).unwrap().state.unread,
        c.changes,
        "kept until the user has seen them"
    );
}

#[test]
fn a_source_that_cannot_be_asked_ends_a_manual_check_but_not_an_automatic_one() {
    let (_dir, store, id) = stored_live();
    let broken = Scripted {
        answer: Err(SourceError::Network {
            host: "api.mch.weixin.qq.com".into(),
            reason: "no network".into(),
        }),
        status: SourceStatus::Failed,
        asked: AtomicUsize::new(0),
    };
    let sources = Sources::new(&broken);
    let r = Rules::builtin();
    let now = t("2026-11-21 20:20:00");
    let manual = stored(&store, &id, now, &sources, Trigger::Manual, r);
    assert!(matches!(manual, Err(CheckError::Source(_))), "{manual:?}");
    assert!(
        store.lock().unwrap().get(&id).unwrap().checks.is_empty(),
        "nothing recorded for a check the user saw fail"
    );
    let auto = stored(&store, &id, now, &sources, Trigger::Automatic, r).unwrap();
    assert!(auto.problem.is_some(), "the loop notes why");
    assert_eq!(
        store.lock().unwrap().get(&id).unwrap().checks.len(),
        1,
        "and still records the look"
    );
}

#[test]
fn a_cancelled_check_is_an_error_and_records_nothing() {
    let (_dir, store, id) = stored_live();
    let cancelled = Scripted {
        answer: Ok(vec![]),
        status: SourceStatus::Cancelled,
        asked: AtomicUsize::new(0),
    };
    let sources = Sources::new(&cancelled);
    let now = t("2026-11-21 20:20:00");
    let r = stored(
        &store,
        &id,
        now,
        &sources,
        Trigger::Manual,
        Rules::builtin(),
    );
    assert!(matches!(r, Err(CheckError::Cancelled)), "{r:?}");
    assert!(store.lock().unwrap().get(&id).unwrap().checks.is_empty());
    let case = parse_case_toml(LIVE).unwrap();
    assert!(matches!(
        unsaved(&case, now, &sources),
        Err(SourceError::Cancelled)
    ));
}

#[test]
fn a_held_source_is_not_asked_for_its_answer() {
    let (_dir, store, id) = stored_live();
    let wechat = Scripted::answering(vec![]);
    let hold = |k: &str| (k == "api:wechat_pay").then(|| Bilingual::new("暂停", "backing off"));
    let sources = Sources::new(&wechat).hold(&hold);
    let c = stored(
        &store,
        &id,
        t("2026-11-21 20:20:00"),
        &sources,
        Trigger::Automatic,
        Rules::builtin(),
    )
    .unwrap();
    let p = c.report.sources.unwrap();
    assert_eq!(p[0].status, SourceStatus::Skipped, "shown as skipped");
    assert_eq!(p[0].detail.en, "backing off", "with the reason");
}

#[test]
fn offline_reads_the_cases_own_sources_and_asks_no_provider() {
    let case = parse_case_toml(LIVE).unwrap();
    let seen = Mutex::new(Vec::new());
    let progress = |p: &[SourceProgress]| seen.lock().unwrap().push(p.to_vec());
    let u = unsaved(
        &case,
        t("2026-11-21 20:40:00"),
        &Sources::new(&Offline).progress(&progress),
    )
    .unwrap();
    let listed = u.report.sources.unwrap();
    assert!(!listed.is_empty(), "what the user reported is listed");
    assert!(
        listed.iter().all(|p| !p.source.starts_with("api:")),
        "no provider is part of an offline check: {listed:?}"
    );
    assert!(u.observations.is_empty());
    assert_eq!(
        seen.lock().unwrap().last(),
        Some(&listed),
        "the caller saw the same list"
    );
}

/// A source that takes a while and counts how many asks overlap.
struct Slow {
    busy: AtomicUsize,
    most: AtomicUsize,
    asked: AtomicUsize,
}

impl Ask for Slow {
    fn ask(
        &self,
        case: &Case,
        now: Moment,
        hold: Hold,
        progress: Progress,
    ) -> Result<Outcome, SourceError> {
        self.asked.fetch_add(1, Ordering::SeqCst);
        let busy = self.busy.fetch_add(1, Ordering::SeqCst) + 1;
        self.most.fetch_max(busy, Ordering::SeqCst);
        std::thread::sleep(std::time::Duration::from_millis(300));
        self.busy.fetch_sub(1, Ordering::SeqCst);
        Offline.ask(case, now, hold, progress)
    }
}

#[test]
fn a_second_check_of_the_same_case_waits_or_is_skipped_never_doubled() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cases.sqlite3");
    let mut app = Store::open(&file).unwrap();
    let id = app
        .create_case(&parse_case_toml(LIVE).unwrap(), t("2026-11-21 20:10:00"))
        .unwrap();
    // The window and `daozhang follow run`: two processes, two connections.
    let app = Mutex::new(app);
    let cli = Mutex::new(Store::open(&file).unwrap());
    let slow = Slow {
        busy: AtomicUsize::new(0),
        most: AtomicUsize::new(0),
        asked: AtomicUsize::new(0),
    };
    let sources = Sources::new(&slow);
    let r = Rules::builtin();
    let now = t("2026-11-21 20:20:00");
    let (manual, again, automatic) = std::thread::scope(|s| {
        let manual = s.spawn(|| stored(&app, &id, now, &sources, Trigger::Manual, r));
        std::thread::sleep(std::time::Duration::from_millis(100));
        let again = s.spawn(|| stored(&cli, &id, now, &sources, Trigger::Manual, r));
        let automatic = stored(&cli, &id, now, &sources, Trigger::Automatic, r);
        (manual.join().unwrap(), again.join().unwrap(), automatic)
    });
    assert!(manual.is_ok(), "{manual:?}");
    assert!(
        again.is_ok(),
        "the second manual check waited, then ran: {again:?}"
    );
    assert!(
        matches!(automatic, Err(CheckError::Store(StoreError::Busy { .. }))),
        "the loop skips a case being checked: {automatic:?}"
    );
    assert_eq!(
        slow.most.load(Ordering::SeqCst),
        1,
        "the sources of one case were never asked twice at once"
    );
    assert_eq!(slow.asked.load(Ordering::SeqCst), 2);
    assert_eq!(
        app.lock().unwrap().get(&id).unwrap().checks.len(),
        2,
        "one record per check that ran"
    );
}
