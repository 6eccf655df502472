//! The case file's list, one stored case, an exported document.

use anstream::println;

use daozhang::domain::diagnosis::{short_date, short_time};
use daozhang::domain::text::Lang;
use daozhang::records::{CaseSummary, StoredCase};
use daozhang::report::CheckReport;

use super::{bold, dim, report};

pub(crate) fn list(list: &[CaseSummary], lang: Lang) {
    if list.is_empty() {
        println!("{}", say!(lang, "case.none_yet"));
        return;
    }
    for c in list {
        let last = c
            .last_check
            .as_ref()
            .map(|l| l.code.clone())
            .unwrap_or_else(|| "—".into());
        let next = c
            .next_deadline
            .map(short_date)
            .unwrap_or_else(|| "—".into());
        println!(
            "{}  {}  {}  {}  {}  {}",
            bold(&c.id),
            c.platform.get(lang),
            c.order_id,
            c.amount.display(),
            last,
            dim(&say!(lang, "case.next_deadline", date = next))
        );
    }
}

/// A stored case: when it was created, its check as of `report`, the
/// messages written for it.
pub(crate) fn show(stored: &StoredCase, report: &CheckReport, lang: Lang) {
    println!(
        "{}",
        dim(&say!(
            lang,
            "case.created",
            id = stored.id,
            time = short_time(stored.created_at)
        ))
    );
    report::print_report(&stored.case, report, lang);
    if !stored.messages.is_empty() {
        println!("\n{}", bold(say!(lang, "case.messages")));
        for m in &stored.messages {
            println!(
                " {}  {} ({})",
                short_time(m.at),
                m.audience.code(),
                m.lang.code()
            );
        }
    }
}

/// An exported document, as it is.
pub(crate) fn document(text: &str) {
    print!("{text}");
}
