//! The escalation ladder: each rung's status and days, the correspondence,
//! and what `case sent | reply | close` did.

use anstream::println;
use anstyle::AnsiColor;

use daozhang::domain::diagnosis::{short_date, short_time};
use daozhang::domain::ladder::{Rung, RungStatus};
use daozhang::domain::text::Lang;
use daozhang::domain::time::Moment;
use daozhang::escalation::LadderView;
use daozhang::store::MessageKind;

use super::{bold, dim, style};
use crate::{Result, internal};

fn status_text(s: &RungStatus, lang: Lang) -> String {
    match s {
        RungStatus::NotYet => say!(lang, "ladder.not_yet").to_owned(),
        RungStatus::Sent { at } => say!(lang, "ladder.sent_on", date = short_date(*at)),
        RungStatus::Answered { at } => say!(lang, "ladder.answered_on", date = short_date(*at)),
        RungStatus::Closed { at, .. } => say!(lang, "ladder.closed_on", date = short_date(*at)),
    }
}

fn print_rung(r: &Rung, lang: Lang) {
    let mark = if r.current {
        let g = style(AnsiColor::Green).bold();
        format!("{g}▶{g:#}")
    } else {
        " ".to_owned()
    };
    let day = |d: Option<Moment>| d.map(short_date).unwrap_or_else(|| "—".to_owned());
    println!(
        " {mark} {} {}  {}  {}",
        r.step,
        bold(r.label.get(lang)),
        status_text(&r.status, lang),
        dim(&say!(
            lang,
            "ladder.window",
            earliest = day(r.earliest),
            last = day(r.last)
        )),
    );
    println!("       {}", r.why.get(lang));
    if let Some(p) = &r.earliest_problem {
        println!("       {}", dim(p.get(lang)));
    }
    if r.drafts > 0 {
        println!("       {}", dim(&say!(lang, "ladder.drafts", n = r.drafts)));
    }
}

/// The ladder: the terminal view, or with `json` the `case ladder --json`
/// object.
pub(crate) fn print_view(v: &LadderView, lang: Lang, json: bool) -> Result<()> {
    if json {
        let mut value = serde_json::to_value(v).map_err(internal)?;
        if let Some(o) = value.as_object_mut() {
            o.insert("version".into(), serde_json::json!(1));
        }
        return super::json(&value);
    }
    println!(
        "{}  {}",
        bold(say!(lang, "ladder.title")),
        dim(&say!(
            lang,
            "ladder.as_of",
            id = v.case_id,
            time = short_time(v.now)
        ))
    );
    if v.settled {
        println!(" {}", say!(lang, "ladder.settled"));
    }
    for r in &v.rungs {
        print_rung(r, lang);
    }
    if !v.messages.is_empty() {
        println!("\n{}", bold(say!(lang, "ladder.correspondence")));
        let mut messages: Vec<_> = v.messages.iter().collect();
        messages.sort_by_key(|m| m.sent_at.unwrap_or(m.at));
        for m in messages {
            let what = match (m.kind, m.sent_at) {
                (MessageKind::Complaint, Some(_)) => say!(lang, "ladder.message_sent"),
                (MessageKind::Complaint, None) => say!(lang, "ladder.message_written"),
                (MessageKind::Answer, _) => say!(lang, "ladder.message_answer"),
                (MessageKind::Closed, _) => say!(lang, "ladder.message_closed"),
            };
            let first: String = m
                .text
                .lines()
                .next()
                .unwrap_or("")
                .chars()
                .take(60)
                .collect();
            println!(
                " {}  {:<8} {:<16} {}",
                short_time(m.sent_at.unwrap_or(m.at)),
                what,
                m.audience.code(),
                dim(&first)
            );
        }
    }
    Ok(())
}

/// What `case sent | reply | close` did.
pub(crate) enum Done {
    MarkedSent,
    /// No complaint was saved: one was written in this language.
    WrittenAndSent(Lang),
    ReplyKept,
    RungClosed,
}

/// After `case sent | reply | close`: what was done and the next rung, or
/// with `json` the ladder.
pub(crate) fn done(v: &LadderView, lang: Lang, json: bool, what: Done) -> Result<()> {
    if json {
        return print_view(v, lang, true);
    }
    let text = match what {
        Done::MarkedSent => say!(lang, "ladder.marked_sent").to_owned(),
        Done::WrittenAndSent(l) => say!(lang, "ladder.written_and_sent", lang = l.code()),
        Done::ReplyKept => say!(lang, "ladder.reply_kept").to_owned(),
        Done::RungClosed => say!(lang, "ladder.rung_closed").to_owned(),
    };
    println!("{text}");
    for r in v.rungs.iter().filter(|r| r.current) {
        println!(
            "{}",
            say!(
                lang,
                "ladder.next",
                rung = r.label.get(lang),
                why = r.why.get(lang)
            )
        );
    }
    Ok(())
}
