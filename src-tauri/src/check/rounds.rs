//! One round of re-checks over the case file: which followed cases are
//! due, asking their sources (failing ones wait out their backoff), keeping
//! the answers and the check, and what changed. The clock and the sources
//! are passed in, so a test can drive days of follow-up without waiting.

use std::sync::Mutex;
use std::sync::atomic::AtomicBool;

use chrono::Local;
use serde::Serialize;

use super::{Change, Follow, Rules, hold_reason, next_due, observe, plan};
use crate::domain::calendar::BusinessCalendar;
use crate::domain::case::Case;
use crate::domain::diagnosis::{Code, analyze};
use crate::domain::money::Money;
use crate::domain::text::Bilingual;
use crate::domain::time::Moment;
use crate::domain::windows::Windows;
use crate::report::CheckReport;
use crate::sources::error::SourceError;
use crate::sources::{self, Outcome};
use crate::store::{Store, StoreError};

/// Where "now" comes from.
pub trait Clock: Sync {
    fn now(&self) -> Moment;
}

/// The computer's clock, in its local offset.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Moment {
        Local::now().fixed_offset()
    }
}

/// Who answers for a case's sources.
pub trait Checker: Sync {
    /// Asks the sources of `case` as of `now`, except those `hold` names.
    fn check(
        &self,
        case: &Case,
        now: Moment,
        hold: &(dyn Fn(&str) -> Option<Bilingual> + Sync),
    ) -> Result<Outcome, SourceError>;
}

/// The configured live sources (keychain and environment), as the app and
/// the CLI check.
pub struct LiveSources<'a> {
    pub cancel: &'a AtomicBool,
}

impl Checker for LiveSources<'_> {
    fn check(
        &self,
        case: &Case,
        now: Moment,
        hold: &(dyn Fn(&str) -> Option<Bilingual> + Sync),
    ) -> Result<Outcome, SourceError> {
        sources::check_case_except(case, now, self.cancel, &|_| {}, hold)
    }
}

/// One case looked at in a round.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct Looked {
    pub id: String,
    pub platform: Bilingual,
    pub order_id: String,
    pub amount: Money,
    pub at: Moment,
    pub code: Code,
    pub settled: bool,
    /// What changed since the last look (empty: nothing worth telling).
    pub changes: Vec<Change>,
    /// Why the sources could not be asked at all, if so.
    pub problem: Option<Bilingual>,
}

/// What one round did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ts_rs::TS)]
pub struct Round {
    pub looked: Vec<Looked>,
    /// Cases that were due but wait for the next round (at most
    /// `max_cases_per_round` per round).
    pub deferred: usize,
    /// The earliest next look of any followed case after this round.
    pub next_due: Option<Moment>,
}

/// Runs one round as of `clock.now()`: every followed, unsettled case
/// whose next look is due is checked (at most `max_cases_per_round`, the
/// most overdue first). The case file is locked only to read and to write,
/// never while the sources are asked.
pub fn round(
    store: &Mutex<Store>,
    clock: &dyn Clock,
    checker: &dyn Checker,
    r: &Rules,
) -> Result<Round, StoreError> {
    let now = clock.now();
    let (w, cal) = (Windows::builtin(), BusinessCalendar::china());
    let followed = lock(store)?.followed()?;
    let mut due: Vec<(Moment, String, Case, Follow)> = Vec::new();
    let mut later: Option<Moment> = None;
    for (id, case, f) in followed {
        if !f.enabled {
            continue;
        }
        let a = analyze(&case, now);
        let Some(at) = next_due(&plan(&case, &a, w, cal, r), f.state.last_run, now, r) else {
            continue;
        };
        if at <= now {
            due.push((at, id, case, f));
        } else {
            later = Some(later.map_or(at, |l: Moment| l.min(at)));
        }
    }
    due.sort_by_key(|d| d.0);
    let deferred = due.len().saturating_sub(r.max_cases_per_round);
    due.truncate(r.max_cases_per_round);

    let mut looked = Vec::new();
    for (_, id, case, f) in due {
        let now = clock.now();
        let hold = |key: &str| f.state.failing.get(key).and_then(|x| hold_reason(x, now));
        let (outcome, problem) = match checker.check(&case, now, &hold) {
            Ok(o) => (Some(o), None),
            Err(e) => (None, Some(e.text())),
        };
        let mut s = lock(store)?;
        let (progress, observations) = outcome
            .map(|o| (Some(o.progress), o.observations))
            .unwrap_or((None, Vec::new()));
        if !observations.is_empty() {
            s.add_observations(&id, &observations, now)?;
        }
        let case = s.get(&id)?.case;
        let report = CheckReport::check(&case, Some(id.clone()), now);
        let report = match &progress {
            Some(p) => report.with_sources(p.clone()),
            None => report,
        };
        if let Ok(record) = report.record() {
            s.record_check(&id, &record)?;
        }
        let a = &report.analysis;
        let (changes, f) = s.update_follow(&id, |f| {
            let changes = observe(&mut f.state, a, progress.as_deref(), true, r);
            (changes, f.clone())
        })?;
        drop(s);
        if f.enabled
            && let Some(at) = next_due(&plan(&case, a, w, cal, r), f.state.last_run, now, r)
        {
            later = Some(later.map_or(at, |l: Moment| l.min(at)));
        }
        looked.push(Looked {
            id,
            platform: case.platform.display(),
            order_id: case.order_id.clone(),
            amount: case.amount.clone(),
            at: now,
            code: a.diagnosis.code,
            settled: a.diagnosis.settled,
            changes,
            problem,
        });
    }

    Ok(Round {
        looked,
        deferred,
        // Cases left for the next round are due at once.
        next_due: if deferred > 0 { Some(now) } else { later },
    })
}

/// Takes in a check the user ran by hand: it is the new "last look", its
/// changes are seen, and the sources' backoff counts it.
pub fn after_manual(store: &mut Store, id: &str, report: &CheckReport) -> Result<(), StoreError> {
    let r = Rules::builtin();
    store.update_follow(id, |f| {
        observe(
            &mut f.state,
            &report.analysis,
            report.sources.as_deref(),
            false,
            r,
        );
    })
}

fn lock(store: &Mutex<Store>) -> Result<std::sync::MutexGuard<'_, Store>, StoreError> {
    store.lock().map_err(|_| StoreError::Poisoned)
}
