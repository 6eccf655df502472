//! `daozhang check`: the library's one check ([`daozhang::check`]) of a
//! case file or a stored case, its progress on stderr and the report on
//! stdout.

use std::collections::HashSet;
use std::sync::Mutex;
use std::sync::atomic::AtomicBool;

use daozhang::check::{self, Ask, Configured, Offline, Sources, Trigger};
use daozhang::domain::text::Lang;
use daozhang::follow::Rules;
use daozhang::sources::SourceProgress;
use daozhang::store::Store;

use crate::cli::CheckArgs;
use crate::input::{parse_now, target};
use crate::{Result, output};

pub(crate) fn check<F: Fn() -> Result<Store>>(a: CheckArgs, lang: Lang, store: F) -> Result<()> {
    let (case, mut id, mut opened) = target(&a.target, &store)?;
    let now = parse_now(a.target.now.as_deref(), Some(&case))?;
    if a.save && id.is_none() {
        let mut s = match opened.take() {
            Some(s) => s,
            None => store()?,
        };
        let new = s.create_case(&case, now)?;
        if let Some(file) = &a.target.file {
            crate::input::keep_attachments(&mut s, &new, &case, file, lang);
        }
        id = Some(new);
        opened = Some(s);
    }
    let cancel = AtomicBool::new(false);
    let live = Configured { cancel: &cancel };
    let ask: &dyn Ask = if a.offline { &Offline } else { &live };
    // Unless the report itself is JSON, stderr says how each live source
    // went as it finishes (the report goes to stdout).
    let shown = Mutex::new(HashSet::new());
    let progress = |list: &[SourceProgress]| {
        if let (false, Ok(mut shown)) = (a.json, shown.lock()) {
            output::report::source_progress(list, lang, &mut shown);
        }
    };
    let sources = Sources::new(ask).progress(&progress);
    let (case, report) = match (opened, id) {
        (Some(s), Some(id)) => {
            let s = Mutex::new(s);
            let c = check::stored(&s, &id, now, &sources, Trigger::Manual, Rules::builtin())?;
            (c.case, c.report)
        }
        _ => {
            let u = check::unsaved(&case, now, &sources)?;
            (u.case, u.report)
        }
    };
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
