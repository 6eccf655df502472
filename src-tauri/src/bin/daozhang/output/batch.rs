//! A batch run: its progress on stderr and the summary at the end.

use std::io::IsTerminal;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use anstream::{eprintln, println};

use daozhang::batch::{Outcome, Progress, Summary};
use daozhang::domain::text::Lang;

use super::{bold, dim};

/// Progress on stderr: a bar redrawn in place on a terminal, a line per
/// tenth otherwise (not with --json).
pub(crate) struct Meter {
    lang: Lang,
    json: bool,
    terminal: bool,
    shown_tenth: AtomicUsize,
}

impl Meter {
    pub(crate) fn new(lang: Lang, json: bool) -> Meter {
        Meter {
            lang,
            json,
            terminal: std::io::stderr().is_terminal(),
            shown_tenth: AtomicUsize::new(usize::MAX),
        }
    }

    fn counts_text(&self, p: &Progress) -> String {
        Outcome::ALL
            .iter()
            .map(|o| {
                format!(
                    "{} {}",
                    o.label().get(self.lang),
                    p.counts.get(o).copied().unwrap_or(0)
                )
            })
            .collect::<Vec<_>>()
            .join(" · ")
    }

    pub(crate) fn show(&self, p: &Progress) {
        let total = p.total.max(1);
        if self.terminal {
            let width = 24;
            let filled = p.done * width / total;
            eprint!(
                "\r[{}{}] {}/{}  {}\x1b[K",
                "#".repeat(filled),
                "-".repeat(width - filled),
                p.done,
                p.total,
                self.counts_text(p)
            );
            if p.done == p.total {
                eprintln!();
            }
        } else if !self.json {
            let tenth = p.done * 10 / total;
            if self.shown_tenth.swap(tenth, Ordering::SeqCst) != tenth {
                eprintln!("{}/{}  {}", p.done, p.total, self.counts_text(p));
            }
        }
    }
}

pub(crate) fn summary(summary: &Summary, report: &Path, lang: Lang) {
    let secs = summary.elapsed_ms as f64 / 1000.0;
    let sent: u64 = summary.requests.values().sum();
    println!(
        "{}",
        bold(&say!(
            lang,
            "batch.done",
            done = summary.done,
            total = summary.total,
            resumed = summary.resumed,
            seconds = format!("{secs:.1}"),
            requests = sent,
            report = report.display()
        ))
    );
    println!();
    for o in Outcome::ALL {
        println!(
            " {:<14} {:>6}",
            o.label().get(lang),
            summary.counts.get(&o).copied().unwrap_or(0)
        );
    }
    if !summary.causes.is_empty() {
        println!("\n{}", bold(say!(lang, "batch.by_cause")));
        for c in &summary.causes {
            let link = c.broken_link.as_deref().unwrap_or("—");
            let title = if c.outcome == Outcome::Error {
                match c.code.as_str() {
                    "bad_row" => say!(lang, "batch.bad_rows"),
                    _ => say!(lang, "batch.all_sources_failed"),
                }
            } else {
                c.title.get(lang)
            };
            println!(" {:>6}  {:<24} {:<16} {}", c.rows, c.code, link, title);
        }
    }
    if !summary.ignored_columns.is_empty() {
        println!(
            "\n{}",
            dim(&say!(
                lang,
                "batch.columns_not_read",
                columns = summary.ignored_columns.join(say!(lang, "list.comma"))
            ))
        );
    }
}
