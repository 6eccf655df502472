//! One round of re-checks over the case file: which followed cases are
//! due, asking their sources (failing ones wait out their backoff), keeping
//! the answers and the check, and what changed. The clock and the sources
//! are passed in, so a test can drive days of follow-up without waiting.

use std::sync::Mutex;

use chrono::Local;
use serde::Serialize;

use super::{Ask, CheckError, Sources, Trigger};
use crate::check;
use crate::domain::calendar::BusinessCalendar;
use crate::domain::case::Case;
use crate::domain::diagnosis::{Code, analyze};
use crate::domain::money::Money;
use crate::domain::text::Bilingual;
use crate::domain::time::Moment;
use crate::domain::windows::Windows;
use crate::follow::{Rules, hold_reason, next_due, plan};
use crate::records::{Change, Follow};
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
    ask: &dyn Ask,
    r: &Rules,
) -> Result<Round, CheckError> {
    let now = clock.now();
    let (w, cal) = (Windows::builtin(), BusinessCalendar::china());
    let followed = store.lock().map_err(|_| StoreError::Poisoned)?.followed()?;
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
    for (_, id, _, f) in due {
        let now = clock.now();
        let hold = |key: &str| f.state.failing.get(key).and_then(|x| hold_reason(x, now));
        let sources = Sources::new(ask).hold(&hold);
        let c = match check::stored(store, &id, now, &sources, Trigger::Automatic, r) {
            Ok(c) => c,
            // Being checked elsewhere right now: that check is this look.
            Err(CheckError::Store(StoreError::Busy { .. })) => continue,
            Err(e) => return Err(e),
        };
        let a = &c.report.analysis;
        if c.follow.enabled
            && let Some(at) = next_due(
                &plan(&c.case, a, w, cal, r),
                c.follow.state.last_run,
                now,
                r,
            )
        {
            later = Some(later.map_or(at, |l: Moment| l.min(at)));
        }
        looked.push(Looked {
            platform: c.case.platform.display(),
            order_id: c.case.order_id.clone(),
            amount: c.case.amount.clone(),
            at: now,
            code: a.diagnosis.code,
            settled: a.diagnosis.settled,
            changes: c.changes,
            problem: c.problem,
            id: c.id,
        });
    }

    Ok(Round {
        looked,
        deferred,
        // Cases left for the next round are due at once.
        next_due: if deferred > 0 { Some(now) } else { later },
    })
}
