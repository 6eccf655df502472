//! What a scan of the user's evidence found, and what was kept.

use anstream::{eprintln, println};
use anstyle::AnsiColor;

use daozhang::domain::diagnosis::short_time;
use daozhang::domain::text::Lang;
use daozhang::evidence::{EvidenceScan, Format};

use super::{bold, dim, style};

/// Reading a large file: `percent` done, redrawn in place on stderr.
pub(crate) fn reading(percent: u64, lang: Lang) {
    eprint!("\r{} {}%", dim(say!(lang, "evidence.reading")), percent);
}

/// Why a password is asked for, and where it was sent, on stderr.
pub(crate) fn password_hint(text: &daozhang::domain::text::Bilingual, lang: Lang) {
    eprintln!("{}", text.get(lang));
}

/// Clears the line [`reading`] drew.
pub(crate) fn read_done() {
    eprint!("\r\x1b[K");
}

pub(crate) fn print_scan(scan: &EvidenceScan, picks: &[usize], lang: Lang) {
    let s = &scan.summary;
    let mut head = format!(
        "{}  {}",
        bold(scan.format_label.get(lang)),
        say!(lang, "evidence.read", n = s.rows)
    );
    if let Some(n) = s.expected_rows {
        head.push_str(&dim(&say!(lang, "evidence.export_says", n = n)));
    }
    println!("{head}");
    for w in &s.warnings {
        let y = style(AnsiColor::Yellow);
        println!(" {y}!{y:#} {}", w.get(lang));
    }
    println!();
    if scan.candidates.is_empty() {
        let hint = match scan.format {
            Format::Screenshot => say!(lang, "evidence.no_match_screenshot"),
            Format::BankSms | Format::Receipt => say!(lang, "evidence.no_match_text"),
            _ => say!(lang, "evidence.no_match"),
        };
        println!("{hint}");
        return;
    }
    println!("{}", bold(say!(lang, "evidence.matches")));
    for (i, c) in scan.candidates.iter().enumerate() {
        let r = &c.record;
        let (mark, st) = if c.direct {
            ("✓", style(AnsiColor::Green))
        } else if picks.contains(&i) {
            ("+", style(AnsiColor::Green))
        } else {
            ("?", style(AnsiColor::Yellow))
        };
        let when = r.at.map(short_time).unwrap_or_else(|| "—".into());
        let amount = r
            .amount
            .map(|a| format!("¥{}", daozhang::domain::money::format_amount(a, 2)))
            .unwrap_or_else(|| "—".into());
        let status: String = r.status.chars().take(40).collect();
        println!(
            " {:>2} {st}{mark}{st:#} {when}  {amount}  {status}  {}",
            i + 1,
            dim(r.place().get(lang))
        );
        let reasons: Vec<&str> = c.reasons.iter().map(|b| b.get(lang)).collect();
        println!("      {}", dim(&reasons.join("; ")));
        if c.already_in_case {
            println!("      {}", dim(say!(lang, "evidence.already_in_case")));
        } else if !c.direct && !picks.contains(&i) {
            println!(
                "      {}",
                dim(&say!(lang, "evidence.accept_hint", n = i + 1))
            );
        }
    }
    if scan.more_matches > 0 {
        println!(
            "{}",
            dim(&say!(lang, "evidence.more", n = scan.more_matches))
        );
    }
}

/// What the import kept: nothing on a dry run, or `added` records.
pub(crate) fn kept(dry_run: bool, added: usize, id: &str, lang: Lang) {
    let msg = if dry_run {
        say!(lang, "evidence.dry_run").to_owned()
    } else if added == 0 {
        say!(lang, "evidence.nothing_new").to_owned()
    } else {
        say!(lang, "evidence.added", n = added, id = id)
    };
    println!("\n{msg}");
}
