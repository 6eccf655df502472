//! `daozhang complaint`: the message to one audience in one language.

use daozhang::complaint;
use daozhang::domain::text::Lang;
use daozhang::error::{BoundaryError, ErrorCode};
use daozhang::face;
use daozhang::report::CheckReport;
use daozhang::store::{MessageKind, MessageRecord, Store};

use crate::cli::ComplaintArgs;
use crate::input::{parse_now, target};
use crate::{Result, output};

/// `existing` opens the case file only if it exists: a complaint from a
/// file then still gets the saved details, and a first run creates nothing.
pub(crate) fn complaint<F: Fn() -> Result<Store>>(
    a: ComplaintArgs,
    store: F,
    existing: impl FnOnce() -> Option<Store>,
) -> Result<()> {
    let audience = face::audience(&a.audience).map_err(face::named("--audience"))?;
    let lang: Lang = face::lang(&a.message_lang).map_err(face::named("--lang"))?;
    if a.save && a.target.case.is_none() {
        return Err(BoundaryError::new(
            ErrorCode::BadArgument,
            "--save keeps the message in a stored case: use --case ID (store a file first with `daozhang case import`)",
        ));
    }
    let (case, id, opened) = target(&a.target, &store)?;
    let now = parse_now(a.target.now.as_deref(), Some(&case))?;
    let report = CheckReport::check(&case, id.clone(), now);
    let details = match &opened {
        Some(s) => s.my_details().map_err(BoundaryError::from)?,
        None => existing()
            .and_then(|s| s.my_details().ok())
            .unwrap_or_default(),
    };
    let filled = case.clone().with_details(&details);
    let c = complaint::generate(&filled, &report.analysis, audience, lang);
    if a.save
        && let (Some(mut s), Some(id)) = (opened, id)
    {
        let text = match &c.subject {
            Some(sub) => format!("{sub}\n\n{}", c.text),
            None => c.text.clone(),
        };
        s.record_message(
            &id,
            &MessageRecord {
                at: now,
                audience,
                lang,
                text,
                sent_at: None,
                kind: MessageKind::Complaint,
            },
        )
        .map_err(BoundaryError::from)?;
    }
    if a.json {
        output::json(&c)
    } else {
        output::complaint::print(&c, lang)
    }
}
