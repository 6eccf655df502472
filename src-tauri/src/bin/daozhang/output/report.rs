//! The terminal view of a check (`check`, `case show`, `demo`) and the
//! live sources' progress while it runs.

use std::collections::HashSet;

use anstream::{eprintln, println};
use anstyle::{AnsiColor, Style};

use daozhang::domain::case::Case;
use daozhang::domain::diagnosis::{short_date, short_time};
use daozhang::domain::observation::Via;
use daozhang::domain::stage::StageState;
use daozhang::domain::text::{Bilingual, Lang};
use daozhang::domain::time::{Moment, human_duration_en, human_duration_zh};
use daozhang::domain::timeline::source_name;
use daozhang::report::CheckReport;
use daozhang::sources::{SourceProgress, SourceStatus};

use super::{bold, dim, state_mark, style};

pub(crate) fn print_report(case: &Case, r: &CheckReport, lang: Lang) {
    let a = &r.analysis;
    let t = |b: &Bilingual| b.get(lang).to_owned();
    println!(
        "{}  {}  {}  {}",
        bold(&t(&case.platform.display())),
        say!(lang, "report.order", order = case.order_id),
        bold(&case.amount.display()),
        t(&case.method.label()),
    );
    println!(
        "{}",
        dim(&say!(lang, "report.as_of", time = short_time(a.now)))
    );

    println!("\n{}", bold(say!(lang, "report.timeline")));
    for s in &a.timeline.stages {
        let (mark, st) = state_mark(s.state);
        let broken = a.diagnosis.broken_link == Some(s.stage);
        let when = s.at.map(short_time).unwrap_or_else(|| "—".into());
        let label = t(&s.stage.label());
        let state = t(&s.state.label());
        let elapsed = s.elapsed_seconds.map(|e| {
            let d = chrono::Duration::seconds(e);
            let human = match lang {
                Lang::ZhCn => human_duration_zh(d),
                Lang::En => human_duration_en(d),
            };
            format!("+{human}")
        });
        println!(
            " {st}{mark}{st:#} {:<width$} {st}{:<10}{st:#} {}{}{}",
            label,
            state,
            when,
            elapsed
                .map(|e| format!("  {}", dim(&e)))
                .unwrap_or_default(),
            if broken {
                let r = style(AnsiColor::Red).bold();
                format!("  {r}{}{r:#}", say!(lang, "report.broken_mark"))
            } else {
                String::new()
            },
            width = if lang == Lang::ZhCn { 16 } else { 30 },
        );
        let who = s.source.map(|k| t(&source_name(k, case)));
        let mut detail = t(&s.explanation);
        if s.inferred {
            detail.push_str(say!(lang, "report.inferred"));
        }
        if let Some(via) = s.via.filter(|v| *v != Via::Manual) {
            detail.push_str(&format!(" · {}", t(&via.label())));
        }
        println!("     {}", dim(&detail));
        if let (Some(who), Some(raw)) = (who, &s.raw)
            && !detail.contains(raw.as_str())
        {
            println!("     {}", dim(&format!("{who}: “{raw}”")));
        }
        if let Some(w) = &s.normal_window
            && matches!(
                s.state,
                StageState::Pending | StageState::Overdue | StageState::Failed
            )
        {
            println!("     {}", dim(&t(&w.text)));
        }
    }

    let live: Vec<&SourceProgress> = r
        .sources
        .iter()
        .flatten()
        .filter(|p| p.source.starts_with("api:"))
        .collect();
    if !live.is_empty() {
        println!("\n{}", bold(say!(lang, "report.live_sources")));
        for p in live {
            let (mark, st) = match p.status {
                SourceStatus::Done => ("✓", style(AnsiColor::Green)),
                SourceStatus::Failed => ("✗", style(AnsiColor::Red)),
                _ => ("·", Style::new()),
            };
            println!(" {st}{mark}{st:#} {}: {}", t(&p.label), t(&p.detail));
            if p.raw.is_some() {
                println!("     {}", dim(say!(lang, "report.raw_kept")));
            }
        }
    }

    if !a.conflicts.is_empty() {
        println!("\n{}", bold(say!(lang, "report.conflicts")));
        let y = style(AnsiColor::Yellow).bold();
        for c in &a.conflicts {
            println!(" {y}!{y:#} {}", t(&c.message));
        }
    }

    let d = &a.diagnosis;
    let head = if d.settled {
        style(AnsiColor::Green).bold()
    } else {
        style(AnsiColor::Red).bold()
    };
    println!("\n{}", bold(say!(lang, "report.diagnosis")));
    println!(" {head}{}{head:#}", t(&d.title));
    if let Some(link) = d.broken_link {
        println!(
            " {}",
            say!(lang, "report.broken_link", stage = link.label().get(lang))
        );
    }
    println!(" {}", t(&d.summary));
    println!(
        " {}",
        dim(&say!(lang, "report.likely_cause", cause = t(&d.cause)))
    );
    if !d.evidence.is_empty() {
        println!(" {}", say!(lang, "report.evidence"));
        for e in &d.evidence {
            println!("   - {}", t(&e.text));
        }
    }

    println!("\n{}", bold(say!(lang, "report.next_steps")));
    for (i, s) in a.next_steps.iter().enumerate() {
        let due = s
            .due
            .map(|d| format!("[{}] ", short_date(d)))
            .unwrap_or_default();
        println!(" {}. {}{}", i + 1, bold(&due), t(&s.text));
        if let Some(p) = &s.problem {
            println!("    {}", dim(&t(p)));
        }
    }
}

/// After the view of a stored case's check.
pub(crate) fn saved(id: &str, lang: Lang) {
    println!("\n{}", dim(&say!(lang, "check.saved", id = id)));
}

/// How each live source went, on stderr as it changes; `shown` keeps the
/// lines already said.
pub(crate) fn source_progress(list: &[SourceProgress], lang: Lang, shown: &mut HashSet<String>) {
    for p in list.iter().filter(|p| p.source.starts_with("api:")) {
        let line = match p.status {
            SourceStatus::Waiting => continue,
            SourceStatus::Running => say!(lang, "check.asking", source = p.label.get(lang)),
            _ => format!("{}: {}", p.label.get(lang), p.detail.get(lang)),
        };
        if shown.insert(line.clone()) {
            eprintln!("{}", dim(&line));
        }
    }
}

/// Before each example of `demo`: a rule between them, and the command
/// that shows the same.
pub(crate) fn demo_header(first: bool, name: &str, now: Moment) {
    if !first {
        println!("\n{}\n", dim(&"─".repeat(60)));
    }
    println!(
        "{}\n",
        dim(&format!(
            "$ daozhang check {name} --now \"{}\"",
            short_time(now)
        ))
    );
}

/// After the examples of `demo`.
pub(crate) fn demo_end(lang: Lang) {
    println!("\n{}", dim(say!(lang, "demo.try")));
}
