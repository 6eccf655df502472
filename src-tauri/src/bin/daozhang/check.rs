//! `daozhang check`: the whole workflow of one check is [`check`].

use daozhang::domain::case::Case;
use daozhang::domain::text::Lang;
use daozhang::domain::time::Moment;
use daozhang::error::BoundaryError;
use daozhang::follow;
use daozhang::report::CheckReport;
use daozhang::sources::{self, SourceProgress};
use daozhang::store::Store;

use crate::cli::CheckArgs;
use crate::input::{parse_now, target};
use crate::{Result, internal, output};

pub(crate) fn check<F: Fn() -> Result<Store>>(a: CheckArgs, lang: Lang, store: F) -> Result<()> {
    let (mut case, mut id, mut opened) = target(&a.target, &store)?;
    let now = parse_now(a.target.now.as_deref(), Some(&case))?;
    if a.save && id.is_none() {
        let mut s = match opened.take() {
            Some(s) => s,
            None => store()?,
        };
        id = Some(s.create_case(&case, now).map_err(BoundaryError::from)?);
        opened = Some(s);
    }
    let mut progress = None;
    if !a.offline {
        let outcome = ask_sources(&case, now, lang, a.json)?;
        for o in &outcome.observations {
            if !case.observations.contains(o) {
                case.add_observation(o.clone());
            }
        }
        if let (Some(s), Some(id)) = (opened.as_mut(), id.as_deref())
            && !outcome.observations.is_empty()
        {
            s.add_observations(id, &outcome.observations, now)
                .map_err(BoundaryError::from)?;
        }
        progress = Some(outcome.progress);
    }
    let mut report = CheckReport::check(&case, id.clone(), now);
    if let Some(p) = progress {
        report = report.with_sources(p);
    }
    if (a.save || a.target.case.is_some())
        && let (Some(s), Some(id)) = (opened.as_mut(), id.as_deref())
    {
        let record = report.record().map_err(internal)?;
        s.record_check(id, &record).map_err(BoundaryError::from)?;
        follow::runner::after_manual(s, id, &report).map_err(BoundaryError::from)?;
    }
    if a.json {
        output::json(&report)?;
    } else {
        output::report::print_report(&case, &report, lang);
        if let Some(id) = &report.case.id {
            output::report::saved(id, lang);
        }
    }
    Ok(())
}

/// Asks the live sources concurrently; unless `quiet`, says on stderr how
/// each went as it finishes (the report itself goes to stdout).
fn ask_sources(case: &Case, now: Moment, lang: Lang, quiet: bool) -> Result<sources::Outcome> {
    use std::sync::Mutex;
    let shown = Mutex::new(std::collections::HashSet::new());
    let report = |list: &[SourceProgress]| {
        if quiet {
            return;
        }
        let Ok(mut shown) = shown.lock() else { return };
        output::report::source_progress(list, lang, &mut shown);
    };
    let cancel = std::sync::atomic::AtomicBool::new(false);
    sources::check_case(case, now, &cancel, &report).map_err(BoundaryError::from)
}
