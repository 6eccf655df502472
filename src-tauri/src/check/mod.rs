//! The check: the one workflow every face runs. A case and who answers for
//! its sources go in; the report, the stored record and the follow-up state
//! come out. The app's Check button, `daozhang check`, the re-check loop
//! ([`rounds`]) and the batch each call [`stored`] or [`unsaved`] in a few
//! lines.
//!
//! "Offline" means one thing everywhere ([`Offline`]): no provider is asked
//! over the network; the case's own sources (what the user reported,
//! imported bills and SMS) are still read and listed.

pub mod rounds;

use std::sync::Mutex;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use crate::domain::case::Case;
use crate::domain::observation::Observation;
use crate::domain::text::Bilingual;
use crate::domain::time::Moment;
use crate::follow::{Rules, observe};
use crate::records::{Change, Follow, SourceProgress, SourceStatus};
use crate::report::CheckReport;
use crate::sources::creds::CredStore;
use crate::sources::error::SourceError;
use crate::sources::http::Http;
use crate::sources::{self, Outcome};
use crate::store::{CheckLock, Store, StoreError};

/// Called with the whole list of sources after every change.
pub type Progress<'a> = &'a (dyn Fn(&[SourceProgress]) + Sync);
/// A reason not to ask a live source this time (it waits out a backoff).
pub type Hold<'a> = &'a (dyn Fn(&str) -> Option<Bilingual> + Sync);

/// Who answers for a case's sources.
pub trait Ask: Sync {
    /// Asks the sources of `case` as of `now`, except those `hold` names,
    /// reporting each change to `progress`.
    fn ask(
        &self,
        case: &Case,
        now: Moment,
        hold: Hold,
        progress: Progress,
    ) -> Result<Outcome, SourceError>;
}

/// The configured live sources: the keychain's (or the environment's)
/// credentials and the environment's network policy. The app and the CLI
/// check this way.
pub struct Configured<'a> {
    /// Each source looks at it before it starts.
    pub cancel: &'a AtomicBool,
}

impl Ask for Configured<'_> {
    fn ask(
        &self,
        case: &Case,
        now: Moment,
        hold: Hold,
        progress: Progress,
    ) -> Result<Outcome, SourceError> {
        sources::check_case_except(case, now, self.cancel, progress, hold)
    }
}

/// Live sources with the credentials and the HTTP client given (the batch:
/// credentials read once, requests rate-limited).
pub struct Using<'a> {
    pub creds: &'a dyn CredStore,
    pub http: &'a Http,
    pub cancel: &'a AtomicBool,
}

impl Ask for Using<'_> {
    fn ask(
        &self,
        case: &Case,
        now: Moment,
        hold: Hold,
        progress: Progress,
    ) -> Result<Outcome, SourceError> {
        Ok(sources::check_except(
            case,
            self.creds,
            self.http,
            now,
            self.cancel,
            progress,
            hold,
        ))
    }
}

/// No provider is asked; the case's own sources are read.
pub struct Offline;

impl Ask for Offline {
    fn ask(
        &self,
        case: &Case,
        _now: Moment,
        _hold: Hold,
        progress: Progress,
    ) -> Result<Outcome, SourceError> {
        let list: Vec<SourceProgress> = sources::plan(case)
            .into_iter()
            .filter(|p| !p.source.starts_with("api:"))
            .map(|p| sources::run_local(case, p))
            .collect();
        progress(&list);
        Ok(Outcome {
            progress: list,
            observations: Vec::new(),
        })
    }
}

/// What a check asks: who answers, which live sources wait this time, and
/// where each change of the sources' progress goes.
pub struct Sources<'a> {
    pub ask: &'a dyn Ask,
    pub hold: Hold<'a>,
    pub progress: Progress<'a>,
}

fn hold_none(_: &str) -> Option<Bilingual> {
    None
}

fn progress_none(_: &[SourceProgress]) {}

impl<'a> Sources<'a> {
    /// Every source of the case, progress not reported.
    pub fn new(ask: &'a dyn Ask) -> Self {
        Sources {
            ask,
            hold: &hold_none,
            progress: &progress_none,
        }
    }

    pub fn hold(self, hold: Hold<'a>) -> Self {
        Sources { hold, ..self }
    }

    pub fn progress(self, progress: Progress<'a>) -> Self {
        Sources { progress, ..self }
    }
}

/// Who started a check of a stored case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// The user (the Check button, `daozhang check`): sources that cannot
    /// be asked at all, or a cancelled source, end the check with an error;
    /// the result is on screen, so it counts as the user's look.
    Manual,
    /// The re-check loop: sources that cannot be asked are noted and the
    /// check is still recorded; what changed is kept as unread.
    Automatic,
}

/// A checked case.
#[derive(Debug, Clone)]
pub struct Checked {
    pub id: String,
    /// The case as stored after the check (with the sources' new answers).
    pub case: Case,
    pub report: CheckReport,
    /// What changed since the last look.
    pub changes: Vec<Change>,
    /// The case's follow-up after the check.
    pub follow: Follow,
    /// Why the sources could not be asked at all (automatic checks).
    pub problem: Option<Bilingual>,
}

/// Why a check ended without a result.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error("the check was cancelled")]
    Cancelled,
    /// The report could not be turned into its stored record (a bug).
    #[error("the check could not be recorded: {0}")]
    Record(String),
}

/// How long a check the user asked for waits for another check of the same
/// case (another window, the re-check loop or `daozhang follow run`) to
/// finish. A check's sources give up well within it.
pub const BUSY_PATIENCE: Duration = Duration::from_secs(120);

/// Checks the stored case `id` as of `now`: reads it, asks its sources
/// (the case file is not locked meanwhile, so the window and other checks
/// go on), then keeps the new answers, the check's record and the
/// follow-up state in one transaction.
///
/// One check of a case runs at a time, across processes: a check the user
/// asked for waits for one already running (up to [`BUSY_PATIENCE`]) and
/// then reads the case as that one left it; an automatic check skips the
/// case with [`StoreError::Busy`].
pub fn stored(
    store: &Mutex<Store>,
    id: &str,
    now: Moment,
    sources: &Sources,
    trigger: Trigger,
    rules: &Rules,
) -> Result<Checked, CheckError> {
    let (id, lock_path) = {
        let s = lock(store)?;
        let id = s.get(id)?.id;
        let path = s.check_lock_path(&id);
        (id, path)
    };
    let held = match trigger {
        Trigger::Manual => CheckLock::take(&lock_path, BUSY_PATIENCE)?,
        Trigger::Automatic => CheckLock::try_take(&lock_path)?,
    };
    let Some(_held) = held else {
        return Err(StoreError::Busy { id }.into());
    };
    let before = lock(store)?.get(&id)?;
    let asked = sources
        .ask
        .ask(&before.case, now, sources.hold, sources.progress);
    let (outcome, problem) = match asked {
        Ok(o) => (Some(o), None),
        Err(e) if trigger == Trigger::Manual => return Err(e.into()),
        Err(e) => (None, Some(e.text())),
    };
    if trigger == Trigger::Manual && outcome.as_ref().is_some_and(cancelled) {
        return Err(CheckError::Cancelled);
    }
    let (progress, observations) = match outcome {
        Some(o) => (Some(o.progress), o.observations),
        None => (None, Vec::new()),
    };
    let automatic = trigger == Trigger::Automatic;
    let mut s = lock(store)?;
    s.commit_check(&id, &observations, now, |id, case, follow| {
        let mut report = CheckReport::check(case, Some(id.to_owned()), now);
        if let Some(p) = progress {
            report = report.with_sources(p);
        }
        let record = report
            .record()
            .map_err(|e| CheckError::Record(e.to_string()))?;
        let changes = observe(
            &mut follow.state,
            &report.analysis,
            report.sources.as_deref(),
            automatic,
            rules,
        );
        let checked = Checked {
            id: id.to_owned(),
            case: case.clone(),
            report,
            changes,
            follow: follow.clone(),
            problem,
        };
        Ok((record, checked))
    })
}

/// A case checked without the case file (a case TOML, a batch row).
#[derive(Debug, Clone)]
pub struct Unsaved {
    /// The case with the sources' new answers.
    pub case: Case,
    pub report: CheckReport,
    /// The sources' new answers.
    pub observations: Vec<Observation>,
}

/// Checks `case` as of `now` without storing anything.
/// A source that was cancelled ends it with [`SourceError::Cancelled`].
pub fn unsaved(case: &Case, now: Moment, sources: &Sources) -> Result<Unsaved, SourceError> {
    let outcome = sources.ask.ask(case, now, sources.hold, sources.progress)?;
    if cancelled(&outcome) {
        return Err(SourceError::Cancelled);
    }
    let mut case = case.clone();
    for o in &outcome.observations {
        if !case.observations.contains(o) {
            case.add_observation(o.clone());
        }
    }
    let report = CheckReport::check(&case, None, now).with_sources(outcome.progress);
    Ok(Unsaved {
        case,
        report,
        observations: outcome.observations,
    })
}

fn cancelled(o: &Outcome) -> bool {
    o.progress
        .iter()
        .any(|p| p.status == SourceStatus::Cancelled)
}

fn lock(store: &Mutex<Store>) -> Result<std::sync::MutexGuard<'_, Store>, StoreError> {
    store.lock().map_err(|_| StoreError::Poisoned)
}

#[cfg(test)]
mod tests;
