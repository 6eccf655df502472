//! Old paths of the re-check rounds, for the CLI until it calls
//! [`crate::check`] itself (to be removed).

use std::sync::Mutex;
use std::sync::atomic::AtomicBool;

pub use crate::check::rounds::{Clock, Looked, Round, SystemClock};
use crate::check::{self, Ask, Hold, Progress};
use crate::domain::case::Case;
use crate::domain::text::Bilingual;
use crate::domain::time::Moment;
use crate::follow::Rules;
use crate::report::CheckReport;
use crate::sources::error::SourceError;
use crate::sources::{self, Outcome};
use crate::store::{Store, StoreError};

/// Who answers for a case's sources (old shape of [`Ask`]).
pub trait Checker: Sync {
    fn check(
        &self,
        case: &Case,
        now: Moment,
        hold: &(dyn Fn(&str) -> Option<Bilingual> + Sync),
    ) -> Result<Outcome, SourceError>;
}

struct Adapt<'a>(&'a dyn Checker);

impl Ask for Adapt<'_> {
    fn ask(
        &self,
        case: &Case,
        now: Moment,
        hold: Hold,
        _progress: Progress,
    ) -> Result<Outcome, SourceError> {
        self.0.check(case, now, hold)
    }
}

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

pub fn round(
    store: &Mutex<Store>,
    clock: &dyn Clock,
    checker: &dyn Checker,
    r: &Rules,
) -> Result<Round, StoreError> {
    check::rounds::round(store, clock, &Adapt(checker), r).map_err(|e| match e {
        check::CheckError::Store(e) => e,
        other => StoreError::BadDocument(other.to_string()),
    })
}

pub fn after_manual(store: &mut Store, id: &str, report: &CheckReport) -> Result<(), StoreError> {
    store.update_follow(id, |f| {
        crate::follow::observe(
            &mut f.state,
            &report.analysis,
            report.sources.as_deref(),
            false,
            Rules::builtin(),
        );
    })
}
