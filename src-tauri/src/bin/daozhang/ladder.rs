//! `daozhang case ladder | sent | reply | close` and the Markdown / .ics
//! exports of `case export`.

use std::path::{Path, PathBuf};

use anstream::println;
use anstyle::AnsiColor;
use clap::Args;
use daozhang::domain::diagnosis::{short_date, short_time};
use daozhang::domain::ladder::{Rung, RungStatus};
use daozhang::domain::text::Lang;
use daozhang::error::{BoundaryError, ErrorCode};
use daozhang::escalation::{self, LadderView, SentOutcome};
use daozhang::export::{self, Snapshot};
use daozhang::store::{MessageKind, Store};

use super::{Result, bold, dim, internal, parse_now, pick, read_pasted, style};

#[derive(Args)]
pub struct ExportFiles {
    /// Write the case file as Markdown (timeline, diagnosis, ladder,
    /// correspondence, checks, evidence) to this file.
    #[arg(long, value_name = "FILE")]
    markdown: Option<PathBuf>,
    /// Write the deadlines as an iCalendar (.ics) file.
    #[arg(long, value_name = "FILE")]
    ics: Option<PathBuf>,
    /// Language of the Markdown and the calendar: zh-CN or en (default: the
    /// terminal's).
    #[arg(long = "lang", value_name = "LANG")]
    doc_lang: Option<String>,
    /// Evaluate as of this moment (default: now).
    #[arg(long, value_name = "TIME")]
    now: Option<String>,
}

impl ExportFiles {
    pub fn any(&self) -> bool {
        self.markdown.is_some() || self.ics.is_some()
    }
}

#[derive(Args)]
pub struct LadderArgs {
    /// The case, by id or unique prefix.
    id: String,
    /// Print JSON: `{ version, case_id, now, settled, rungs[], messages[] }`.
    #[arg(long)]
    pub json: bool,
    /// Evaluate as of this moment (default: now).
    #[arg(long, value_name = "TIME")]
    now: Option<String>,
}

#[derive(Args)]
pub struct Rec {
    /// The case, by id or unique prefix.
    id: String,
    /// platform_chat, platform_ticket, payment_provider, consumer_12315, heimao or card_issuer.
    #[arg(long, short)]
    audience: String,
    /// The day it happened ("2026-11-21" or "2026-11-21 16:40"; default: now).
    #[arg(long, value_name = "DATE")]
    at: Option<String>,
    /// Print the ladder afterwards as JSON (as `case ladder --json`).
    #[arg(long)]
    pub json: bool,
    /// The moment it is written down (default: now).
    #[arg(long, value_name = "TIME")]
    now: Option<String>,
}

#[derive(Args)]
pub struct SentArgs {
    #[command(flatten)]
    pub rec: Rec,
    /// Language of the complaint written when none was saved: zh-CN or en.
    #[arg(long = "lang", value_name = "LANG", default_value = "zh-CN")]
    message_lang: String,
}

#[derive(Args)]
pub struct ReplyArgs {
    #[command(flatten)]
    pub rec: Rec,
    /// The answer's text; `-` (the default) reads standard input.
    #[arg(long, value_name = "FILE|-", default_value = "-")]
    file: PathBuf,
}

#[derive(Args)]
pub struct CloseArgs {
    #[command(flatten)]
    pub rec: Rec,
    /// Why: settled, refused, gave up …
    #[arg(long, default_value = "")]
    note: String,
}

fn lang_arg(l: &str) -> Result<Lang> {
    Lang::parse(l).ok_or_else(|| {
        BoundaryError::new(
            ErrorCode::BadArgument,
            format!("--lang {l:?}: expected zh-CN or en"),
        )
    })
}

fn write_file(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text).map_err(|e| {
        BoundaryError::new(
            ErrorCode::Io,
            format!("cannot write {}: {e}", path.display()),
        )
    })
}

pub fn export(s: &mut Store, id: &str, f: &ExportFiles, lang: Lang) -> Result<()> {
    let stored = s.get(id).map_err(BoundaryError::from)?;
    let now = parse_now(f.now.as_deref(), Some(&stored.case))?;
    let lang = f
        .doc_lang
        .as_deref()
        .map(lang_arg)
        .transpose()?
        .unwrap_or(lang);
    let snap = Snapshot::new(&stored, now);
    if let Some(p) = &f.markdown {
        write_file(p, &export::markdown(&snap, lang))?;
    }
    if let Some(p) = &f.ics {
        write_file(p, &export::ics(&snap, lang))?;
    }
    Ok(())
}

fn status_text(s: &RungStatus, lang: Lang) -> String {
    match s {
        RungStatus::NotYet => pick(lang, "未开始", "not yet"),
        RungStatus::Sent { at } => pick(
            lang,
            &format!("已发送 {}", short_date(*at)),
            &format!("sent {}", short_date(*at)),
        ),
        RungStatus::Answered { at } => pick(
            lang,
            &format!("已答复 {}", short_date(*at)),
            &format!("answered {}", short_date(*at)),
        ),
        RungStatus::Closed { at, .. } => pick(
            lang,
            &format!("已结束 {}", short_date(*at)),
            &format!("closed {}", short_date(*at)),
        ),
    }
}

fn print_rung(r: &Rung, lang: Lang) {
    let mark = if r.current {
        let g = style(AnsiColor::Green).bold();
        format!("{g}▶{g:#}")
    } else {
        " ".to_owned()
    };
    let day = |d: Option<chrono::DateTime<chrono::FixedOffset>>| {
        d.map(short_date).unwrap_or_else(|| "—".to_owned())
    };
    println!(
        " {mark} {} {}  {}  {}",
        r.step,
        bold(r.label.get(lang)),
        status_text(&r.status, lang),
        dim(&pick(
            lang,
            &format!("最早 {} · 最晚 {}", day(r.earliest), day(r.last)),
            &format!("earliest {} · last {}", day(r.earliest), day(r.last)),
        )),
    );
    println!("       {}", r.why.get(lang));
    if let Some(p) = &r.earliest_problem {
        println!("       {}", dim(p.get(lang)));
    }
    if r.drafts > 0 {
        println!(
            "       {}",
            dim(&pick(
                lang,
                &format!("{} 封已写好未发送", r.drafts),
                &format!("{} written, not marked sent", r.drafts),
            ))
        );
    }
}

fn print_view(v: &LadderView, lang: Lang, json: bool) -> Result<()> {
    if json {
        let mut value = serde_json::to_value(v).map_err(internal)?;
        if let Some(o) = value.as_object_mut() {
            o.insert("version".into(), serde_json::json!(1));
        }
        println!(
            "{}",
            serde_json::to_string_pretty(&value).map_err(internal)?
        );
        return Ok(());
    }
    println!(
        "{}  {}",
        bold(&pick(lang, "升级阶梯", "Escalation ladder")),
        dim(&pick(
            lang,
            &format!("{} · 评估时间 {}", v.case_id, short_time(v.now)),
            &format!("{} · as of {}", v.case_id, short_time(v.now)),
        ))
    );
    if v.settled {
        println!(
            " {}",
            pick(
                lang,
                "诊断认为此案已了结，无需再升级。",
                "The diagnosis says the case is settled: nothing to escalate."
            )
        );
    }
    for r in &v.rungs {
        print_rung(r, lang);
    }
    if !v.messages.is_empty() {
        println!("\n{}", bold(&pick(lang, "往来记录", "Correspondence")));
        let mut messages: Vec<_> = v.messages.iter().collect();
        messages.sort_by_key(|m| m.sent_at.unwrap_or(m.at));
        for m in messages {
            let what = match (m.kind, m.sent_at) {
                (MessageKind::Complaint, Some(_)) => pick(lang, "发出", "sent"),
                (MessageKind::Complaint, None) => pick(lang, "已写好", "written"),
                (MessageKind::Answer, _) => pick(lang, "答复", "answer"),
                (MessageKind::Closed, _) => pick(lang, "结束", "closed"),
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

pub fn ladder(s: &Store, a: LadderArgs, lang: Lang) -> Result<()> {
    let stored = s.get(&a.id).map_err(BoundaryError::from)?;
    let now = parse_now(a.now.as_deref(), Some(&stored.case))?;
    print_view(&escalation::view(&stored, now), lang, a.json)
}

fn now_for(s: &Store, rec: &Rec) -> Result<chrono::DateTime<chrono::FixedOffset>> {
    let stored = s.get(&rec.id).map_err(BoundaryError::from)?;
    parse_now(rec.now.as_deref(), Some(&stored.case))
}

fn done(v: &LadderView, lang: Lang, json: bool, zh: &str, en: &str) -> Result<()> {
    if json {
        return print_view(v, lang, true);
    }
    println!("{}", pick(lang, zh, en));
    for r in v.rungs.iter().filter(|r| r.current) {
        println!(
            "{} {}: {}",
            pick(lang, "下一步", "Next"),
            r.label.get(lang),
            r.why.get(lang)
        );
    }
    Ok(())
}

pub fn sent(s: &mut Store, a: SentArgs, lang: Lang) -> Result<()> {
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
    let (zh, en) = match outcome {
        SentOutcome::Dated => (
            "已记下发送日期。".to_owned(),
            "The complaint is marked as sent.".to_owned(),
        ),
        SentOutcome::Written => (
            format!(
                "没有已保存的投诉，已按 {} 写好并记为已发送。",
                message_lang.code()
            ),
            format!(
                "No complaint was saved: the {} one was written and kept as sent.",
                message_lang.code()
            ),
        ),
    };
    done(&v, lang, a.rec.json, &zh, &en)
}

pub fn reply(s: &mut Store, a: ReplyArgs, lang: Lang) -> Result<()> {
    let now = now_for(s, &a.rec)?;
    let text = read_pasted(&a.file)?;
    let v = escalation::record_reply(
        s,
        &a.rec.id,
        escalation::parse_audience(&a.rec.audience)?,
        a.rec.at.as_deref(),
        &text,
        now,
    )?;
    done(&v, lang, a.rec.json, "已保存答复。", "The answer is kept.")
}

pub fn close(s: &mut Store, a: CloseArgs, lang: Lang) -> Result<()> {
    let now = now_for(s, &a.rec)?;
    let v = escalation::close_rung(
        s,
        &a.rec.id,
        escalation::parse_audience(&a.rec.audience)?,
        a.rec.at.as_deref(),
        &a.note,
        now,
    )?;
    done(
        &v,
        lang,
        a.rec.json,
        "这一级已结束。",
        "The rung is closed.",
    )
}
