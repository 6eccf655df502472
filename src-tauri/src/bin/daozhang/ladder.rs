//! `daozhang case ladder | sent | reply | close` and the Markdown / .ics
//! exports of `case export`.

use daozhang::domain::text::Lang;
use daozhang::domain::time::Moment;
use daozhang::error::BoundaryError;
use daozhang::escalation::{self, SentOutcome};
use daozhang::export::{self, Snapshot};
use daozhang::face;
use daozhang::store::Store;

use crate::Result;
use crate::cli::{CloseArgs, ExportFiles, LadderArgs, Rec, ReplyArgs, SentArgs};
use crate::input::{parse_now, read_pasted, write_file};
use crate::output::ladder::{Done, done, print_view};

fn lang_arg(l: &str) -> Result<Lang> {
    face::lang(l).map_err(face::named("--lang"))
}

pub(crate) fn export(s: &mut Store, id: &str, f: &ExportFiles, lang: Lang) -> Result<()> {
    let stored = s.get(id).map_err(BoundaryError::from)?;
    let now = parse_now(f.now.as_deref(), Some(&stored.case))?;
    let lang = f
        .doc_lang
        .as_deref()
        .map(lang_arg)
        .transpose()?
        .unwrap_or(lang);
    if let Some(p) = &f.markdown {
        escalation::write_markdown(s, &stored, now, lang, p)?;
    }
    if let Some(p) = &f.ics {
        write_file(p, &export::ics(&Snapshot::new(&stored, now), lang))?;
    }
    Ok(())
}

pub(crate) fn ladder(s: &Store, a: LadderArgs, lang: Lang) -> Result<()> {
    let stored = s.get(&a.id).map_err(BoundaryError::from)?;
    let now = parse_now(a.now.as_deref(), Some(&stored.case))?;
    print_view(&escalation::view(&stored, now), lang, a.json)
}

fn now_for(s: &Store, rec: &Rec) -> Result<Moment> {
    let stored = s.get(&rec.id).map_err(BoundaryError::from)?;
    parse_now(rec.now.as_deref(), Some(&stored.case))
}

pub(crate) fn sent(s: &mut Store, a: SentArgs, lang: Lang) -> Result<()> {
    let now = now_for(s, &a.rec)?;
    let message_lang = lang_arg(&a.message_lang)?;
    let (outcome, v) = escalation::mark_sent(
        s,
        &a.rec.id,
        escalation::parse_audience(&a.rec.audience)?,
        a.rec.at.as_deref(),
        message_lang,
        now,
    )?;
    let what = match outcome {
        SentOutcome::Dated => Done::MarkedSent,
        SentOutcome::Written => Done::WrittenAndSent(message_lang),
    };
    done(&v, lang, a.rec.json, what)
}

pub(crate) fn reply(s: &mut Store, a: ReplyArgs, lang: Lang) -> Result<()> {
    let now = now_for(s, &a.rec)?;
    let text = read_pasted(&a.file)?;
    let v = escalation::record_reply(
        s,
        &a.rec.id,
        escalation::parse_audience(&a.rec.audience)?,
        a.rec.at.as_deref(),
        &escalation::Reply {
            text,
            ticket: a.ticket,
            promised_by: a.promised_by,
        },
        now,
    )?;
    done(&v, lang, a.rec.json, Done::ReplyKept)
}

pub(crate) fn close(s: &mut Store, a: CloseArgs, lang: Lang) -> Result<()> {
    let now = now_for(s, &a.rec)?;
    let v = escalation::close_rung(
        s,
        &a.rec.id,
        escalation::parse_audience(&a.rec.audience)?,
        a.rec.at.as_deref(),
        &a.note,
        now,
    )?;
    done(&v, lang, a.rec.json, Done::RungClosed)
}
