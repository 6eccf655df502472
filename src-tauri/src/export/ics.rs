//! The case's deadlines as an iCalendar file (RFC 5545): one event per
//! dated deadline of the diagnosis and per last-possible day of the ladder
//! not already among them. UIDs are stable per case and item, so importing
//! a newer export updates the events instead of doubling them.
//!
//! Time zones: a deadline at the end of a day (23:59:59 in the case's zone)
//! is an all-day event on that date; any other moment is a timed event in
//! UTC (`…Z`), which every calendar shows at the right local time.

use chrono::{Duration, Timelike, Utc};
use icalendar::{Calendar, Component, Event, EventLike, Property};

use super::Snapshot;
use crate::domain::diagnosis::{DeadlineKind, short_date, short_time};
use crate::domain::text::{Bilingual, Lang};
use crate::domain::time::Moment;

const PRODID: &str = "-//Daozhang//Daozhang 到账//EN";

fn is_end_of_day(t: Moment) -> bool {
    t.hour() == 23 && t.minute() == 59
}

fn event(uid: String, summary: &str, description: &str, due: Moment, stamp: Moment) -> Event {
    let mut e = Event::new();
    e.uid(&uid)
        .summary(summary)
        .description(description)
        .timestamp(stamp.with_timezone(&Utc));
    if is_end_of_day(due) {
        e.all_day(due.date_naive());
    } else {
        let start = due.with_timezone(&Utc);
        e.starts(start).ends(start + Duration::minutes(30));
    }
    e.done()
}

/// The deadlines of the case as an .ics calendar, texts in `lang`.
pub fn ics(snap: &Snapshot, lang: Lang) -> String {
    let stored = snap.stored;
    let case = &stored.case;
    let a = &snap.analysis;
    let t = |zh: &str, en: &str| Bilingual::new(zh, en).get(lang).to_owned();
    let platform = case.platform.display().get(lang).to_owned();
    let about = format!(
        "{platform} · {} {} · {}",
        t("订单", "order"),
        case.order_id,
        case.amount.display()
    );
    let uid = |item: &str| format!("{}-{item}@daozhang", stored.id);
    let mut cal = Calendar::empty();
    cal.append_property(Property::new("VERSION", "2.0"))
        .append_property(Property::new("PRODID", PRODID))
        .append_property(Property::new("CALSCALE", "GREGORIAN"))
        .append_property(Property::new("METHOD", "PUBLISH"))
        .append_property(Property::new(
            "X-WR-CALNAME",
            format!("Daozhang {} {}", case.order_id, t("期限", "deadlines")),
        ));

    let mut last_days: Vec<String> = Vec::new();
    for d in &a.deadlines {
        let Some(due) = d.due else { continue };
        if d.kind == DeadlineKind::LastDay {
            last_days.push(short_date(due));
        }
        let text = d.text.get(lang);
        let summary = format!("{}: {}", t("到账", "Daozhang"), first_sentence(text));
        let description = format!(
            "{text}\n\n{about}\n{} {}",
            t("期限", "Due"),
            short_time(due)
        );
        cal.push(event(uid(&d.what), &summary, &description, due, a.now));
    }
    for r in &snap.rungs {
        let Some(last) = r.last else { continue };
        let day = short_date(last);
        if last_days.contains(&day) {
            continue;
        }
        last_days.push(day);
        let label = r.label.get(lang);
        let summary = format!(
            "{}: {}",
            t("到账", "Daozhang"),
            t(
                &format!("{label}的最后期限"),
                &format!("last day for the {label}")
            )
        );
        let description = format!("{}\n\n{about}", r.why.get(lang));
        cal.push(event(
            uid(&format!("last-{}", r.audience.code())),
            &summary,
            &description,
            last,
            a.now,
        ));
    }
    fold(&cal.done().to_string())
}

/// Folds content lines at 75 octets, never inside a UTF-8 character
/// (RFC 5545 §3.1). The crate folds Chinese text past 75 octets, so its
/// folding is undone and done again here.
pub(super) fn fold(text: &str) -> String {
    let unfolded = text.replace("\r\n ", "").replace("\r\n\t", "");
    let mut out = String::with_capacity(unfolded.len() + unfolded.len() / 25);
    for line in unfolded.split("\r\n").filter(|l| !l.is_empty()) {
        let mut rest = line;
        let mut limit = 75;
        loop {
            if rest.len() <= limit {
                out.push_str(rest);
                out.push_str("\r\n");
                break;
            }
            let mut cut = limit;
            while !rest.is_char_boundary(cut) {
                cut -= 1;
            }
            out.push_str(&rest[..cut]);
            out.push_str("\r\n ");
            rest = &rest[cut..];
            // A continuation line starts with the space.
            limit = 74;
        }
    }
    out
}

/// The first sentence of a step's text, for an event's title.
fn first_sentence(text: &str) -> String {
    let end = text
        .char_indices()
        .find(|(_, c)| matches!(c, '。' | '；' | '！'))
        .map(|(i, c)| i + c.len_utf8())
        .or_else(|| text.find(". ").map(|i| i + 1))
        .unwrap_or(text.len());
    text[..end].trim().to_owned()
}
