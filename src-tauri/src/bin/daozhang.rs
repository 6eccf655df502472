//! `daozhang`: the headless face of Daozhang. See docs/cli.md.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anstream::{eprintln, println};
use anstyle::{AnsiColor, Style};
use chrono::Local;
use clap::{Args, Parser, Subcommand};

use daozhang::complaint;
use daozhang::domain::case::{Case, MAX_CASE_BYTES, parse_case_toml};
use daozhang::domain::diagnosis::{Audience, short_date, short_time};
use daozhang::domain::observation::Via;
use daozhang::domain::stage::StageState;
use daozhang::domain::text::{Bilingual, Lang};
use daozhang::domain::time::{Moment, china, human_duration_en, human_duration_zh, parse_moment};
use daozhang::domain::timeline::source_name;
use daozhang::error::{BoundaryError, ErrorCode};
use daozhang::evidence;
use daozhang::follow::{self, FollowView};
use daozhang::ids;
use daozhang::report::CheckReport;
use daozhang::sources::creds::{self, Keychain};
use daozhang::sources::http::{Http, Policy};
use daozhang::sources::{self, SourceProgress, SourceStatus, settings};
use daozhang::store::{CaseDocument, MessageKind, MessageRecord, Store};

#[derive(Parser)]
#[command(
    name = "daozhang",
    version,
    about = "Daozhang 到账 — find where a failed top-up broke, and get the money back",
    long_about = "Daozhang reads a failed top-up (a case file), draws its timeline from every source, names the broken link, dates the next steps and writes the complaint.\n\nExit codes: 0 ok, 2 bad input (the message names the problem), 1 internal error."
)]
struct Cli {
    /// Directory of the case file (default: the platform's app-data directory).
    #[arg(long, global = true, env = "DAOZHANG_DATA_DIR", value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Language of the terminal view: zh-CN or en (default: from LANG).
    /// Give it before the command: `daozhang --lang zh-CN check …`.
    #[arg(long, value_name = "LANG")]
    lang: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check a case: timeline, conflicts, diagnosis, next steps, deadlines.
    Check(CheckArgs),
    /// Write the complaint for one audience in one language.
    Complaint(ComplaintArgs),
    /// Recognise an order or payment ID: which system issued it, what it says.
    Id {
        /// The ID as copied from an app.
        id: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Work on the local case file.
    #[command(subcommand)]
    Case(CaseCommand),
    /// Add the user's own evidence to a case: bill exports, bank SMS, receipts.
    #[command(subcommand)]
    Evidence(EvidenceCommand),
    /// Merchant credentials for the live sources, kept in the OS keychain.
    #[command(subcommand)]
    Creds(CredsCommand),
    /// Follow stored cases: re-check the ones that are due, show a case's plan.
    #[command(subcommand)]
    Follow(FollowCommand),
    /// Check many orders from a CSV file against the live sources, with a
    /// rate limit per provider; write a report CSV (docs/cli.md).
    Batch(BatchArgs),
    /// Check the three bundled example cases (no files needed).
    Demo,
}

#[derive(Args)]
struct BatchArgs {
    /// The orders: a CSV with a header row (order_id/订单号, payment_id/支付单号,
    /// amount/金额, time/下单时间, platform/平台; optional method/支付方式,
    /// currency/币种, platform_status/平台状态).
    #[arg(value_name = "ORDERS.csv")]
    orders: PathBuf,
    /// Where to write the report (CSV, one row per order, written as each
    /// finishes).
    #[arg(long, value_name = "REPORT.csv")]
    report: PathBuf,
    /// A provider's (or a host's) rate limit, e.g. alipay=100/s; repeatable.
    #[arg(long, value_name = "PROVIDER=N/s")]
    rate: Vec<String>,
    /// The rate limit of every other provider host.
    #[arg(long, value_name = "N/s", default_value = "10/s")]
    default_rate: String,
    /// Orders checked at once (and requests in flight at most).
    #[arg(long, value_name = "N", default_value_t = 4)]
    concurrency: usize,
    /// Continue an existing report: its rows are not asked again.
    #[arg(long)]
    resume: bool,
    /// Do not ask the live sources: diagnose from the file alone.
    #[arg(long)]
    offline: bool,
    /// Print the summary as one JSON object.
    #[arg(long)]
    json: bool,
    /// Evaluate every order as of this moment (default: when it is checked).
    #[arg(long, value_name = "TIME")]
    now: Option<String>,
}

#[derive(Subcommand)]
enum FollowCommand {
    /// Re-check every followed case whose next check is due (one round, as
    /// the app does every minute; for cron or a systemd timer).
    Run {
        /// Run as of this time instead of the clock.
        #[arg(long, value_name = "TIME")]
        now: Option<String>,
        /// Do not ask the live sources (only the case's own evidence).
        #[arg(long)]
        offline: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// A case's follow-up: next check, sources backing off, unseen changes.
    Show {
        id: String,
        #[arg(long, value_name = "TIME")]
        now: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Turn automatic re-checks of a case on.
    On { id: String },
    /// Turn automatic re-checks of a case off.
    Off { id: String },
}

#[derive(Subcommand)]
enum CredsCommand {
    /// Every live source and whether it is set up.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// A source's fields (secret values are never shown).
    Show {
        /// alipay, wechat_pay, …
        source: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Save a source's settings, read as TOML (`key = "value"`) from a file
    /// or standard input — never from the command line.
    Set {
        /// alipay, wechat_pay, …
        source: String,
        /// The TOML file; `-` (the default) reads standard input.
        #[arg(long, value_name = "FILE|-", default_value = "-")]
        file: PathBuf,
    },
    /// Ask the source a harmless question with the saved settings.
    Test {
        /// alipay, wechat_pay, …
        source: String,
    },
    /// Remove a source's settings from the keychain.
    Delete {
        /// alipay, wechat_pay, …
        source: String,
    },
}

#[derive(Args)]
struct Target {
    /// A case file (TOML); `-` reads standard input.
    #[arg(value_name = "CASE.toml", required_unless_present = "case")]
    file: Option<PathBuf>,
    /// A case from the case file, by id or unique prefix.
    #[arg(long = "case", value_name = "ID", conflicts_with = "file")]
    case: Option<String>,
    /// Evaluate as of this moment (e.g. "2026-11-21 16:30" or RFC 3339); default: now.
    #[arg(long, value_name = "TIME")]
    now: Option<String>,
}

#[derive(Args)]
struct CheckArgs {
    #[command(flatten)]
    target: Target,
    /// Print one JSON object (docs/cli.md) instead of the terminal view.
    #[arg(long)]
    json: bool,
    /// Store the case (when given as a file) and this check in the case file.
    #[arg(long)]
    save: bool,
    /// Do not ask the live sources (providers' APIs); use what the case holds.
    #[arg(long)]
    offline: bool,
}

#[derive(Args)]
struct ComplaintArgs {
    #[command(flatten)]
    target: Target,
    /// platform_chat, platform_ticket, payment_provider, consumer_12315, heimao or card_issuer.
    #[arg(long, short)]
    audience: String,
    /// Language of the message: zh-CN or en.
    #[arg(
        long = "lang",
        short = 'l',
        value_name = "LANG",
        default_value = "zh-CN"
    )]
    message_lang: String,
    /// Print JSON (subject, text, checklist, missing evidence).
    #[arg(long)]
    json: bool,
    /// Keep the message in the case's history (needs --case).
    #[arg(long)]
    save: bool,
}

#[derive(Subcommand)]
enum CaseCommand {
    /// List the cases in the case file, most recent first.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Show one case with its checks and messages.
    Show {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Export one case as a JSON document, or as a Markdown case file
    /// (--markdown) and an .ics calendar of its deadlines (--ics).
    Export {
        id: String,
        /// Write to this file instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
        #[command(flatten)]
        files: ladder_cmd::ExportFiles,
    },
    /// The escalation ladder: each rung's status, earliest and last day.
    Ladder(ladder_cmd::LadderArgs),
    /// Record that the complaint to an audience was sent (on --at).
    Sent(ladder_cmd::SentArgs),
    /// Keep the answer an audience gave (text from --file or standard input).
    Reply(ladder_cmd::ReplyArgs),
    /// Close a rung of the ladder (settled, refused, given up), with a note.
    Close(ladder_cmd::CloseArgs),
    /// Import a case: an exported JSON document or a TOML case file.
    Import {
        file: PathBuf,
        /// Replace a case with the same id.
        #[arg(long)]
        replace: bool,
    },
    /// Delete a case and its history.
    Delete { id: String },
}

#[derive(Subcommand)]
enum EvidenceCommand {
    /// Read a bill export (Alipay, WeChat Pay CSV or Excel), bank SMS or a
    /// receipt's text, match it to the case and keep the matching rows.
    /// Rows carrying the case's order or payment number are kept directly;
    /// other likely rows are listed with why, and kept with --accept.
    Import(ImportArgs),
}

#[derive(Args)]
struct ImportArgs {
    /// The file; its format is told from its content.
    #[arg(
        value_name = "FILE",
        required_unless_present = "sms",
        conflicts_with = "sms"
    )]
    file: Option<PathBuf>,
    /// Read pasted text (bank SMS, one or many, or a receipt) from a file,
    /// or from standard input with `-`.
    #[arg(long, value_name = "FILE|-")]
    sms: Option<PathBuf>,
    /// The case in the case file, by id or unique prefix.
    #[arg(long = "case", value_name = "ID")]
    case: String,
    /// Also keep these listed matches (numbers from the listing, e.g. 2,3),
    /// or `all`.
    #[arg(long, value_name = "N,N|all")]
    accept: Option<String>,
    /// Only list the matches; keep nothing.
    #[arg(long)]
    dry_run: bool,
    /// Print one JSON object (docs/cli.md).
    #[arg(long)]
    json: bool,
    /// The moment the case is updated at (default: now).
    #[arg(long, value_name = "TIME")]
    now: Option<String>,
}

type Result<T> = std::result::Result<T, BoundaryError>;

#[path = "daozhang/ladder.rs"]
mod ladder_cmd;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let json = match &cli.command {
        Command::Check(a) => a.json,
        Command::Complaint(a) => a.json,
        Command::Id { json, .. } => *json,
        Command::Case(CaseCommand::List { json } | CaseCommand::Show { json, .. }) => *json,
        Command::Case(CaseCommand::Ladder(a)) => a.json,
        Command::Case(CaseCommand::Sent(a)) => a.rec.json,
        Command::Case(CaseCommand::Reply(a)) => a.rec.json,
        Command::Case(CaseCommand::Close(a)) => a.rec.json,
        Command::Evidence(EvidenceCommand::Import(a)) => a.json,
        Command::Creds(CredsCommand::List { json } | CredsCommand::Show { json, .. }) => *json,
        Command::Follow(FollowCommand::Run { json, .. } | FollowCommand::Show { json, .. }) => {
            *json
        }
        Command::Batch(a) => a.json,
        _ => false,
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if json {
                let text = serde_json::to_string(&e).unwrap_or_else(|_| e.message.clone());
                eprintln!("{text}");
            } else {
                let red = Style::new().fg_color(Some(AnsiColor::Red.into())).bold();
                eprintln!("{red}error:{red:#} {}", e.message);
            }
            ExitCode::from(if e.code.is_user_error() { 2 } else { 1 })
        }
    }
}

fn run(cli: Cli) -> Result<()> {
    let lang = match &cli.lang {
        Some(l) => Lang::parse(l).ok_or_else(|| {
            BoundaryError::new(
                ErrorCode::BadArgument,
                format!("--lang {l:?}: expected zh-CN or en"),
            )
        })?,
        None => env_lang(),
    };
    let store = || open_store(cli.data_dir.as_deref());
    match cli.command {
        Command::Check(a) => check(a, lang, store),
        Command::Complaint(a) => complaint_cmd(a, store),
        Command::Id { id, json } => id_cmd(&id, json, lang),
        Command::Case(c) => case_cmd(c, lang, store()?),
        Command::Evidence(EvidenceCommand::Import(a)) => evidence_import(a, lang, store()?),
        Command::Creds(c) => creds_cmd(c, lang),
        Command::Follow(c) => follow_cmd(c, lang, store()?),
        Command::Batch(a) => batch_cmd(a, lang),
        Command::Demo => demo(lang),
    }
}

fn env_lang() -> Lang {
    let v = std::env::var("LC_ALL")
        .ok()
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("LANG").ok())
        .unwrap_or_default();
    if v.to_lowercase().starts_with("zh") {
        Lang::ZhCn
    } else {
        Lang::En
    }
}

fn open_store(dir: Option<&Path>) -> Result<Store> {
    let opened = match dir {
        Some(d) => Store::open(&d.join("cases.sqlite3")),
        None => Store::open_default(),
    };
    opened.map_err(BoundaryError::from)
}

// ------------------------------------------------------------------ input

fn read_text(path: &Path) -> Result<String> {
    let mut bytes = Vec::new();
    if path == Path::new("-") {
        std::io::stdin()
            .take(MAX_CASE_BYTES as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| {
                BoundaryError::new(ErrorCode::Io, format!("cannot read standard input: {e}"))
            })?;
    } else {
        let f = std::fs::File::open(path).map_err(|e| {
            let code = if e.kind() == std::io::ErrorKind::NotFound {
                ErrorCode::NotFound
            } else {
                ErrorCode::Io
            };
            BoundaryError::new(code, format!("cannot open {}: {e}", path.display()))
        })?;
        f.take(MAX_CASE_BYTES as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| {
                BoundaryError::new(
                    ErrorCode::Io,
                    format!("cannot read {}: {e}", path.display()),
                )
            })?;
    }
    if bytes.len() > MAX_CASE_BYTES {
        return Err(BoundaryError::new(
            ErrorCode::BadArgument,
            format!(
                "{} is larger than {} bytes: not a case file",
                path.display(),
                MAX_CASE_BYTES
            ),
        ));
    }
    String::from_utf8(bytes).map_err(|_| {
        BoundaryError::new(
            ErrorCode::Syntax,
            format!(
                "{} is not UTF-8 text: save the case file as UTF-8",
                path.display()
            ),
        )
    })
}

fn load_file(path: &Path) -> Result<Case> {
    let text = read_text(path)?;
    parse_case_toml(&text).map_err(|e| {
        let mut b = BoundaryError::from(e);
        b.message = format!("{}: {}", path.display(), b.message);
        b
    })
}

fn parse_now(now: Option<&str>, zone_of: Option<&Case>) -> Result<Moment> {
    let zone = zone_of.map(|c| c.zone()).unwrap_or_else(china);
    match now {
        None => Ok(Local::now().with_timezone(&zone)),
        Some(t) => parse_moment(t, zone, None).ok_or_else(|| {
            BoundaryError::new(
                ErrorCode::BadArgument,
                format!("--now {t:?}: expected a time like 2026-11-21 16:30 or 2026-11-21T16:30:00+08:00"),
            )
        }),
    }
}

/// The case to work on: from a file, or from the case file by id.
fn target<F: FnOnce() -> Result<Store>>(
    t: &Target,
    store: F,
) -> Result<(Case, Option<String>, Option<Store>)> {
    match (&t.file, &t.case) {
        (Some(path), _) => Ok((load_file(path)?, None, None)),
        (None, Some(id)) => {
            let s = store()?;
            let stored = s.get(id).map_err(BoundaryError::from)?;
            Ok((stored.case, Some(stored.id), Some(s)))
        }
        (None, None) => Err(BoundaryError::new(
            ErrorCode::BadArgument,
            "give a case file or --case ID",
        )),
    }
}

// ------------------------------------------------------------------ check

fn check<F: Fn() -> Result<Store>>(a: CheckArgs, lang: Lang, store: F) -> Result<()> {
    let (mut case, mut id, mut opened) = target(&a.target, &store)?;
    let now = parse_now(a.target.now.as_deref(), Some(&case))?;
    if a.save && id.is_none() {
        let mut s = match opened.take() {
            Some(s) => s,
            None => store()?,
        };
        id = Some(s.create_case(&case, now).map_err(BoundaryError::from)?);
        opened = Some(s);
    }
    let mut progress = None;
    if !a.offline {
        let outcome = ask_sources(&case, now, lang, a.json)?;
        for o in &outcome.observations {
            if !case.observations.contains(o) {
                case.add_observation(o.clone());
            }
        }
        if let (Some(s), Some(id)) = (opened.as_mut(), id.as_deref())
            && !outcome.observations.is_empty()
        {
            s.add_observations(id, &outcome.observations, now)
                .map_err(BoundaryError::from)?;
        }
        progress = Some(outcome.progress);
    }
    let mut report = CheckReport::check(&case, id.clone(), now);
    if let Some(p) = progress {
        report = report.with_sources(p);
    }
    if (a.save || a.target.case.is_some())
        && let (Some(s), Some(id)) = (opened.as_mut(), id.as_deref())
    {
        let record = report.record().map_err(internal)?;
        s.record_check(id, &record).map_err(BoundaryError::from)?;
        follow::runner::after_manual(s, id, &report).map_err(BoundaryError::from)?;
    }
    if a.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report).map_err(internal)?
        );
    } else {
        print_report(&case, &report, lang);
        if let Some(id) = &report.case.id {
            println!(
                "\n{}",
                dim(&pick(
                    lang,
                    &format!("已保存为案件 {id}"),
                    &format!("saved as case {id}")
                ))
            );
        }
    }
    Ok(())
}

/// Asks the live sources concurrently; unless `quiet`, says on stderr how
/// each went as it finishes (the report itself goes to stdout).
fn ask_sources(case: &Case, now: Moment, lang: Lang, quiet: bool) -> Result<sources::Outcome> {
    use std::sync::Mutex;
    let shown = Mutex::new(std::collections::HashSet::new());
    let report = |list: &[SourceProgress]| {
        if quiet {
            return;
        }
        let Ok(mut shown) = shown.lock() else { return };
        for p in list.iter().filter(|p| p.source.starts_with("api:")) {
            let line = match p.status {
                SourceStatus::Waiting => continue,
                SourceStatus::Running => pick(
                    lang,
                    &format!("正在查询{}…", p.label.zh_cn),
                    &format!("asking {}…", p.label.en),
                ),
                _ => format!("{}: {}", p.label.get(lang), p.detail.get(lang)),
            };
            if shown.insert(line.clone()) {
                eprintln!("{}", dim(&line));
            }
        }
    };
    let cancel = std::sync::atomic::AtomicBool::new(false);
    sources::check_case(case, now, &cancel, &report).map_err(BoundaryError::from)
}

// ------------------------------------------------------------------ creds

fn source_arg(id: &str) -> Result<&'static dyn sources::Provider> {
    sources::provider(id).ok_or_else(|| {
        BoundaryError::new(
            ErrorCode::BadArgument,
            format!(
                "unknown source {id:?}; expected one of {}",
                sources::provider_ids()
            ),
        )
    })
}

fn creds_cmd(c: CredsCommand, lang: Lang) -> Result<()> {
    let store = Keychain::new();
    match c {
        CredsCommand::List { json } => {
            let all = settings::all(&store);
            if json {
                println!("{}", serde_json::to_string_pretty(&all).map_err(internal)?);
                return Ok(());
            }
            for s in &all {
                let state = match (s.ready, s.origin) {
                    (true, Some(o)) => pick(
                        lang,
                        &format!("已设置（{}）", origin_name(o, Lang::ZhCn)),
                        &format!("set up ({})", origin_name(o, Lang::En)),
                    ),
                    (false, Some(_)) => pick(lang, "未填完", "incomplete"),
                    _ => pick(lang, "未设置", "not set up"),
                };
                println!("{:<12} {:<14} {}", s.id, s.label.get(lang), state);
                if let Some(p) = &s.problem {
                    println!("  {}", p.get(lang));
                }
            }
        }
        CredsCommand::Show { source, json } => {
            let v = settings::view(source_arg(&source)?, &store);
            if json {
                println!("{}", serde_json::to_string_pretty(&v).map_err(internal)?);
                return Ok(());
            }
            println!("{}", bold(v.label.get(lang)));
            if let Some(p) = &v.problem {
                let red = style(AnsiColor::Red).bold();
                println!("  {red}!{red:#} {}", p.get(lang));
            }
            for f in &v.fields {
                let value = match (&f.value, f.has_value, f.secret) {
                    (_, true, true) => pick(lang, "（已设置，不显示）", "(set, not shown)"),
                    (Some(v), _, false) if f.multiline => {
                        format!("{}…", v.lines().next().unwrap_or_default())
                    }
                    (Some(v), _, false) => v.clone(),
                    (None, false, _) => match &f.default {
                        Some(d) => pick(lang, &format!("（默认 {d}）"), &format!("(default {d})")),
                        None if f.required => pick(lang, "（缺少）", "(missing)"),
                        None => "—".into(),
                    },
                    _ => "—".into(),
                };
                let env = if f.from_env {
                    format!("  [{}]", f.env_var)
                } else {
                    String::new()
                };
                println!("  {:<20} {value}{}", f.key, dim(&env));
            }
        }
        CredsCommand::Set { source, file } => {
            let p = source_arg(&source)?;
            let text = if file.as_os_str() == "-" {
                let mut t = String::new();
                std::io::stdin().read_to_string(&mut t).map_err(|e| {
                    BoundaryError::new(ErrorCode::Io, format!("cannot read standard input: {e}"))
                })?;
                t
            } else {
                read_text(&file)?
            };
            let form =
                creds::parse_input(p.id(), &text, p.fields()).map_err(BoundaryError::from)?;
            let v = settings::save(p, &store, form).map_err(BoundaryError::from)?;
            let missing: Vec<&str> = v
                .fields
                .iter()
                .filter(|f| f.required && !f.has_value && f.default.is_none())
                .map(|f| f.key.as_str())
                .collect();
            println!(
                "{}",
                pick(
                    lang,
                    &format!("已保存 {} 的设置到系统钥匙串", v.label.zh_cn),
                    &format!("saved the {} settings to the system keychain", v.label.en)
                )
            );
            if !missing.is_empty() {
                println!(
                    "{}",
                    pick(
                        lang,
                        &format!("还缺少：{}", missing.join("、")),
                        &format!("still missing: {}", missing.join(", "))
                    )
                );
            }
        }
        CredsCommand::Test { source } => {
            let p = source_arg(&source)?;
            let http = Http::new(Policy::from_env()).map_err(BoundaryError::from)?;
            let ok = settings::test(p, &store, &http, Local::now().fixed_offset())
                .map_err(BoundaryError::from)?;
            println!("{}", ok.get(lang));
        }
        CredsCommand::Delete { source } => {
            let p = source_arg(&source)?;
            let removed = creds::CredStore::delete(&store, p.id()).map_err(BoundaryError::from)?;
            println!(
                "{}",
                match removed {
                    true => pick(
                        lang,
                        &format!("已从钥匙串删除 {} 的设置", p.label().zh_cn),
                        &format!("deleted the {} settings from the keychain", p.label().en)
                    ),
                    false => pick(
                        lang,
                        &format!("钥匙串中没有 {} 的设置", p.label().zh_cn),
                        &format!("the keychain holds no {} settings", p.label().en)
                    ),
                }
            );
        }
    }
    Ok(())
}

fn origin_name(o: creds::Origin, lang: Lang) -> &'static str {
    match (o, lang) {
        (creds::Origin::Keychain, Lang::ZhCn) => "钥匙串",
        (creds::Origin::Keychain, _) => "keychain",
        (creds::Origin::Environment, Lang::ZhCn) => "环境变量",
        (creds::Origin::Environment, _) => "environment",
        (creds::Origin::Both, Lang::ZhCn) => "钥匙串与环境变量",
        (creds::Origin::Both, _) => "keychain and environment",
    }
}

fn internal(e: impl std::fmt::Display) -> BoundaryError {
    BoundaryError::new(ErrorCode::Internal, format!("internal error: {e}"))
}

fn pick(lang: Lang, zh: &str, en: &str) -> String {
    match lang {
        Lang::ZhCn => zh.to_owned(),
        Lang::En => en.to_owned(),
    }
}

fn style(c: AnsiColor) -> Style {
    Style::new().fg_color(Some(c.into()))
}

fn dim(s: &str) -> String {
    let d = Style::new().dimmed();
    format!("{d}{s}{d:#}")
}

fn bold(s: &str) -> String {
    let b = Style::new().bold();
    format!("{b}{s}{b:#}")
}

fn state_mark(st: StageState) -> (String, Style) {
    match st {
        StageState::Done => ("✓".into(), style(AnsiColor::Green)),
        StageState::Pending => ("…".into(), style(AnsiColor::Yellow)),
        StageState::Overdue => ("!".into(), style(AnsiColor::Red).bold()),
        StageState::Failed => ("✗".into(), style(AnsiColor::Red).bold()),
        StageState::Unknown => ("?".into(), Style::new().dimmed()),
        StageState::NotApplicable => ("·".into(), Style::new().dimmed()),
    }
}

fn print_report(case: &Case, r: &CheckReport, lang: Lang) {
    let a = &r.analysis;
    let t = |b: &Bilingual| b.get(lang).to_owned();
    println!(
        "{}  {}  {}  {}",
        bold(&t(&case.platform.display())),
        pick(
            lang,
            &format!("订单 {}", case.order_id),
            &format!("order {}", case.order_id)
        ),
        bold(&case.amount.display()),
        t(&case.method.label()),
    );
    println!(
        "{}",
        dim(&pick(
            lang,
            &format!("评估时间 {}", short_time(a.now)),
            &format!("as of {}", short_time(a.now))
        ))
    );

    println!("\n{}", bold(&pick(lang, "时间线", "Timeline")));
    for s in &a.timeline.stages {
        let (mark, st) = state_mark(s.state);
        let broken = a.diagnosis.broken_link == Some(s.stage);
        let when = s.at.map(short_time).unwrap_or_else(|| "—".into());
        let label = t(&s.stage.label());
        let state = t(&s.state.label());
        let elapsed = s.elapsed_seconds.map(|e| {
            let d = chrono::Duration::seconds(e);
            format!(
                "+{}",
                pick(lang, &human_duration_zh(d), &human_duration_en(d))
            )
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
                format!("  {r}{}{r:#}", pick(lang, "← 断点", "← broken link"))
            } else {
                String::new()
            },
            width = if lang == Lang::ZhCn { 16 } else { 30 },
        );
        let who = s.source.map(|k| t(&source_name(k, case)));
        let mut detail = t(&s.explanation);
        if s.inferred {
            detail.push_str(&pick(lang, "（推断）", " (inferred)"));
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
        println!("\n{}", bold(&pick(lang, "接口查询", "Live sources")));
        for p in live {
            let (mark, st) = match p.status {
                SourceStatus::Done => ("✓", style(AnsiColor::Green)),
                SourceStatus::Failed => ("✗", style(AnsiColor::Red)),
                _ => ("·", Style::new()),
            };
            println!(" {st}{mark}{st:#} {}: {}", t(&p.label), t(&p.detail));
            if p.raw.is_some() {
                println!(
                    "     {}",
                    dim(&pick(
                        lang,
                        "未采用的原始应答保存在 --json 输出的 sources[].raw 中",
                        "the unused raw answer is in --json output, sources[].raw"
                    ))
                );
            }
        }
    }

    if !a.conflicts.is_empty() {
        println!("\n{}", bold(&pick(lang, "说法冲突", "Conflicts")));
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
    println!("\n{}", bold(&pick(lang, "诊断", "Diagnosis")));
    println!(" {head}{}{head:#}", t(&d.title));
    if let Some(link) = d.broken_link {
        println!(
            " {}",
            pick(
                lang,
                &format!("断点：{}", link.label().zh_cn),
                &format!("broken link: {}", link.label().en)
            )
        );
    }
    println!(" {}", t(&d.summary));
    println!(
        " {}",
        dim(&format!(
            "{}{}",
            pick(lang, "可能原因：", "likely cause: "),
            t(&d.cause)
        ))
    );
    if !d.evidence.is_empty() {
        println!(" {}", pick(lang, "依据：", "evidence:"));
        for e in &d.evidence {
            println!("   - {}", t(&e.text));
        }
    }

    println!("\n{}", bold(&pick(lang, "下一步", "Next steps")));
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

// ------------------------------------------------------------------ complaint

fn complaint_cmd<F: Fn() -> Result<Store>>(a: ComplaintArgs, store: F) -> Result<()> {
    let audience = Audience::parse(&a.audience).ok_or_else(|| {
        BoundaryError::new(
            ErrorCode::BadArgument,
            format!(
                "--audience {:?}: expected one of {}",
                a.audience,
                Audience::ALL.map(|x| x.code()).join(", ")
            ),
        )
    })?;
    let lang = Lang::parse(&a.message_lang).ok_or_else(|| {
        BoundaryError::new(
            ErrorCode::BadArgument,
            format!("--lang {:?}: expected zh-CN or en", a.message_lang),
        )
    })?;
    if a.save && a.target.case.is_none() {
        return Err(BoundaryError::new(
            ErrorCode::BadArgument,
            "--save keeps the message in a stored case: use --case ID (store a file first with `daozhang case import`)",
        ));
    }
    let (case, id, opened) = target(&a.target, &store)?;
    let now = parse_now(a.target.now.as_deref(), Some(&case))?;
    let report = CheckReport::check(&case, id.clone(), now);
    let c = complaint::generate(&case, &report.analysis, audience, lang);
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
        println!("{}", serde_json::to_string_pretty(&c).map_err(internal)?);
    } else {
        let mut out = std::io::stdout().lock();
        let mut text = String::new();
        if let Some(sub) = &c.subject {
            text.push_str(&format!("{}{sub}\n\n", pick(lang, "主题：", "Subject: ")));
        }
        text.push_str(&c.text);
        out.write_all(text.as_bytes())
            .map_err(|e| BoundaryError::new(ErrorCode::Io, e.to_string()))?;
        if !c.missing.is_empty() {
            eprintln!(
                "\n{} {}",
                pick(lang, "仍缺少：", "still missing:"),
                c.missing.join(pick(lang, "；", "; ").as_str())
            );
        }
    }
    Ok(())
}

// ------------------------------------------------------------------ id

fn id_cmd(input: &str, json: bool, lang: Lang) -> Result<()> {
    let candidates = ids::recognise(input);
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&candidates).map_err(internal)?
        );
        return Ok(());
    }
    if candidates.is_empty() {
        println!(
            "{}",
            pick(
                lang,
                "无法识别这个编号：它不符合任何已知的订单号或支付单号格式。",
                "Not recognised: this does not match any known order or payment ID format."
            )
        );
        return Ok(());
    }
    for c in &candidates {
        let conf = serde_json::to_value(c.confidence)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        let conf_text = match (lang, conf.as_str()) {
            (Lang::ZhCn, "likely") => "很可能",
            (Lang::ZhCn, "possible") => "可能",
            (Lang::ZhCn, _) => "不太可能",
            (Lang::En, c) => c,
        };
        println!(
            "{}  {}",
            bold(&pick(lang, &c.name_zh, &c.name_en)),
            dim(&format!("{conf_text} · {}", c.score))
        );
        for p in &c.parts {
            println!(
                "   {} = {}  {}",
                pick(lang, &p.label_zh, &p.label_en),
                p.value,
                dim(&pick(lang, &p.meaning_zh, &p.meaning_en))
            );
        }
        let notes = match lang {
            Lang::ZhCn => &c.notes_zh,
            Lang::En => &c.notes_en,
        };
        for n in notes {
            println!("   {}", dim(n));
        }
    }
    Ok(())
}

// ------------------------------------------------------------------ case

fn case_cmd(c: CaseCommand, lang: Lang, mut s: Store) -> Result<()> {
    match c {
        CaseCommand::List { json } => {
            let list = s.list().map_err(BoundaryError::from)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&list).map_err(internal)?);
            } else if list.is_empty() {
                println!(
                    "{}",
                    pick(
                        lang,
                        "案件库里还没有案件。用 `daozhang check 文件 --save` 或 `daozhang case import 文件` 添加。",
                        "No cases yet. Add one with `daozhang check FILE --save` or `daozhang case import FILE`."
                    )
                );
            } else {
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
                        dim(&format!(
                            "{} {next}",
                            pick(lang, "下个期限", "next deadline")
                        ))
                    );
                }
            }
        }
        CaseCommand::Show { id, json } => {
            let stored = s.get(&id).map_err(BoundaryError::from)?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&stored).map_err(internal)?
                );
            } else {
                let now = Local::now().with_timezone(&stored.case.zone());
                let report = CheckReport::check(&stored.case, Some(stored.id.clone()), now);
                println!(
                    "{}",
                    dim(&format!(
                        "{} · {} {}",
                        stored.id,
                        pick(lang, "创建于", "created"),
                        short_time(stored.created_at)
                    ))
                );
                print_report(&stored.case, &report, lang);
                if !stored.messages.is_empty() {
                    println!("\n{}", bold(&pick(lang, "已生成的消息", "Messages")));
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
        }
        CaseCommand::Export { id, output, files } if files.any() => {
            if output.is_some() {
                return Err(BoundaryError::new(
                    ErrorCode::BadArgument,
                    "-o writes the JSON document; with --markdown or --ics give only those files",
                ));
            }
            ladder_cmd::export(&mut s, &id, &files, lang)?;
        }
        CaseCommand::Ladder(a) => ladder_cmd::ladder(&s, a, lang)?,
        CaseCommand::Sent(a) => ladder_cmd::sent(&mut s, a, lang)?,
        CaseCommand::Reply(a) => ladder_cmd::reply(&mut s, a, lang)?,
        CaseCommand::Close(a) => ladder_cmd::close(&mut s, a, lang)?,
        CaseCommand::Export { id, output, .. } => {
            let doc = s.export(&id).map_err(BoundaryError::from)?;
            let text = doc.to_json();
            match output {
                Some(path) => std::fs::write(&path, text).map_err(|e| {
                    BoundaryError::new(
                        ErrorCode::Io,
                        format!("cannot write {}: {e}", path.display()),
                    )
                })?,
                None => print!("{text}"),
            }
        }
        CaseCommand::Import { file, replace } => {
            let text = read_text(&file)?;
            let id = if text.trim_start().starts_with('{') {
                let doc = CaseDocument::from_json(&text).map_err(BoundaryError::from)?;
                s.import(&doc, replace).map_err(BoundaryError::from)?
            } else {
                let case = parse_case_toml(&text).map_err(|e| {
                    let mut b = BoundaryError::from(e);
                    b.message = format!("{}: {}", file.display(), b.message);
                    b
                })?;
                s.create_case(&case, Local::now().with_timezone(&case.zone()))
                    .map_err(BoundaryError::from)?
            };
            println!("{id}");
        }
        CaseCommand::Delete { id } => {
            s.delete(&id).map_err(BoundaryError::from)?;
        }
    }
    Ok(())
}

// ------------------------------------------------------------------ evidence

fn parse_accept(accept: Option<&str>, n: usize) -> Result<Vec<usize>> {
    let Some(a) = accept.map(str::trim) else {
        return Ok(vec![]);
    };
    if a.eq_ignore_ascii_case("all") {
        return Ok((0..n).collect());
    }
    a.split([',', ' '])
        .filter(|p| !p.is_empty())
        .map(|p| match p.parse::<usize>() {
            Ok(k) if (1..=n).contains(&k) => Ok(k - 1),
            _ => Err(BoundaryError::new(
                ErrorCode::BadArgument,
                format!(
                    "--accept {p:?}: expected numbers from the listing (1 to {n}) separated by commas, or all"
                ),
            )),
        })
        .collect()
}

fn evidence_import(a: ImportArgs, lang: Lang, mut s: Store) -> Result<()> {
    let stored = s.get(&a.case).map_err(BoundaryError::from)?;
    let case = &stored.case;
    let now = parse_now(a.now.as_deref(), Some(case))?;
    let scan = match (&a.file, &a.sms) {
        (Some(path), _) => {
            let interactive = !a.json && std::io::IsTerminal::is_terminal(&std::io::stderr());
            let mut last = 0u64;
            let mut progress = |done: u64, total: u64| {
                if interactive && total > 8 << 20 && done * 10 / total.max(1) != last {
                    last = done * 10 / total.max(1);
                    eprint!("\r{} {}%", dim(&pick(lang, "读取中", "reading")), last * 10);
                }
                true
            };
            let scan = evidence::scan_file(path, case, &mut progress);
            if interactive && std::fs::metadata(path).map(|m| m.len()).unwrap_or(0) > 8 << 20 {
                eprint!("\r\x1b[K");
            }
            scan.map_err(|e| {
                let mut b = BoundaryError::from(e);
                b.message = format!("{}: {}", path.display(), b.message);
                b
            })?
        }
        (None, Some(src)) => {
            let text = read_pasted(src)?;
            evidence::scan_text(&text, case).map_err(BoundaryError::from)?
        }
        (None, None) => unreachable!("clap requires FILE or --sms"),
    };
    let picks = parse_accept(a.accept.as_deref(), scan.candidates.len())?;
    let obs = scan
        .accepted(&picks)
        .map_err(|i| BoundaryError::new(ErrorCode::BadArgument, format!("no match {}", i + 1)))?;
    let added = if a.dry_run {
        0
    } else {
        s.add_observations(&stored.id, &obs, now)
            .map_err(BoundaryError::from)?
    };
    if a.json {
        let out = serde_json::json!({
            "case": stored.id,
            "scan": scan,
            "added": added,
            "dry_run": a.dry_run,
        });
        println!("{}", serde_json::to_string_pretty(&out).map_err(internal)?);
        return Ok(());
    }
    print_scan(&scan, &picks, lang);
    let msg = if a.dry_run {
        pick(
            lang,
            "试运行：没有保存任何内容。",
            "Dry run: nothing was kept.",
        )
    } else if added == 0 {
        pick(
            lang,
            "没有新的记录加入案件（匹配的记录已在案件里，或需要用 --accept 确认）。",
            "Nothing new was added (the matches are in the case already, or need --accept).",
        )
    } else {
        pick(
            lang,
            &format!(
                "已将 {added} 条记录加入案件 {}。用 `daozhang check --case {}` 查看更新后的时间线。",
                stored.id, stored.id
            ),
            &format!(
                "Added {added} record{} to case {}. See the updated timeline with `daozhang check --case {}`.",
                if added == 1 { "" } else { "s" },
                stored.id,
                stored.id
            ),
        )
    };
    println!("\n{msg}");
    Ok(())
}

/// Pasted text from a file or standard input (`-`), bounded.
fn read_pasted(src: &Path) -> Result<String> {
    let limit = evidence::MAX_TEXT_BYTES;
    let mut bytes = Vec::new();
    let res = if src == Path::new("-") {
        std::io::stdin().take(limit + 1).read_to_end(&mut bytes)
    } else {
        std::fs::File::open(src).and_then(|f| f.take(limit + 1).read_to_end(&mut bytes))
    };
    res.map_err(|e| {
        let code = if e.kind() == std::io::ErrorKind::NotFound {
            ErrorCode::NotFound
        } else {
            ErrorCode::Io
        };
        BoundaryError::new(code, format!("cannot read {}: {e}", src.display()))
    })?;
    if bytes.len() as u64 > limit {
        return Err(BoundaryError::new(
            ErrorCode::BadArgument,
            format!(
                "{}: more than {} KB: not a paste of SMS or a receipt",
                src.display(),
                limit / 1024
            ),
        ));
    }
    match String::from_utf8(bytes) {
        Ok(t) => Ok(t),
        Err(e) => {
            let (t, _, bad) = encoding_rs::GB18030.decode(e.as_bytes());
            if bad {
                Err(BoundaryError::from(evidence::EvidenceError::Encoding))
            } else {
                Ok(t.into_owned())
            }
        }
    }
}

fn print_scan(scan: &evidence::EvidenceScan, picks: &[usize], lang: Lang) {
    let s = &scan.summary;
    let mut head = format!(
        "{}  {}",
        bold(scan.format_label.get(lang)),
        pick(
            lang,
            &format!("读取 {} 条记录", s.rows),
            &format!(
                "{} record{} read",
                s.rows,
                if s.rows == 1 { "" } else { "s" }
            )
        )
    );
    if let Some(n) = s.expected_rows {
        head.push_str(&dim(&pick(
            lang,
            &format!("（账单写明共 {n} 笔）"),
            &format!(" (the export says {n})"),
        )));
    }
    println!("{head}");
    for w in &s.warnings {
        let y = style(AnsiColor::Yellow);
        println!(" {y}!{y:#} {}", w.get(lang));
    }
    println!();
    if scan.candidates.is_empty() {
        println!(
            "{}",
            pick(
                lang,
                "没有与本案相符的记录：单号不同，金额或时间也对不上。请确认导出的时间范围和账户。",
                "No record fits the case: no matching number, and none with the same amount near the order's time. Check the export's date range and account."
            )
        );
        return;
    }
    println!("{}", bold(&pick(lang, "匹配的记录", "Matches")));
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
            println!(
                "      {}",
                dim(&pick(lang, "已在案件中", "already in the case"))
            );
        } else if !c.direct && !picks.contains(&i) {
            println!(
                "      {}",
                dim(&pick(
                    lang,
                    &format!("确认是这笔付款？加上 --accept {}", i + 1),
                    &format!("Is it this payment? add --accept {}", i + 1)
                ))
            );
        }
    }
    if scan.more_matches > 0 {
        println!(
            "{}",
            dim(&pick(
                lang,
                &format!("另有 {} 条金额相同的记录未列出", scan.more_matches),
                &format!(
                    "{} more records with the same amount are not listed",
                    scan.more_matches
                )
            ))
        );
    }
}

// ------------------------------------------------------------------ demo

const DEMOS: [(&str, &str, &str); 3] = [
    (
        "examples/douyin-dou-plus-alipay.toml",
        include_str!("../../../examples/douyin-dou-plus-alipay.toml"),
        "2026-11-21 16:30",
    ),
    (
        "examples/live-stream-wechat.toml",
        include_str!("../../../examples/live-stream-wechat.toml"),
        "2026-11-21 20:40",
    ),
    (
        "examples/card-shop-epay.toml",
        include_str!("../../../examples/card-shop-epay.toml"),
        "2026-11-21 12:00",
    ),
];

fn demo(lang: Lang) -> Result<()> {
    for (i, (name, text, now)) in DEMOS.iter().enumerate() {
        let case = parse_case_toml(text).map_err(internal)?;
        let now = parse_now(Some(now), Some(&case))?;
        if i > 0 {
            println!("\n{}\n", dim(&"─".repeat(60)));
        }
        println!(
            "{}\n",
            dim(&format!(
                "$ daozhang check {name} --now \"{}\"",
                short_time(now)
            ))
        );
        let report = CheckReport::check(&case, None, now);
        print_report(&case, &report, lang);
    }
    println!(
        "\n{}",
        dim(&pick(
            lang,
            "试试：daozhang complaint examples/douyin-dou-plus-alipay.toml --audience platform_ticket --lang zh-CN",
            "Try: daozhang complaint examples/douyin-dou-plus-alipay.toml --audience platform_ticket --lang en"
        ))
    );
    Ok(())
}

// ------------------------------------------------------------------ follow

/// "Now" for a round: the clock, or the `--now` the user gave.
struct FixedClock(Moment);

impl follow::runner::Clock for FixedClock {
    fn now(&self) -> Moment {
        self.0
    }
}

/// Answers from the case's own evidence only (`--offline`).
struct NoSources;

impl follow::runner::Checker for NoSources {
    fn check(
        &self,
        case: &Case,
        _now: Moment,
        _hold: &(dyn Fn(&str) -> Option<Bilingual> + Sync),
    ) -> std::result::Result<sources::Outcome, sources::error::SourceError> {
        let progress = sources::plan(case)
            .into_iter()
            .filter(|p| !p.source.starts_with("api:"))
            .map(|p| sources::run_local(case, p))
            .collect();
        Ok(sources::Outcome {
            progress,
            observations: Vec::new(),
        })
    }
}

fn follow_cmd(c: FollowCommand, lang: Lang, mut store: Store) -> Result<()> {
    match c {
        FollowCommand::Run { now, offline, json } => {
            let now = match now {
                Some(n) => parse_now(Some(&n), None)?,
                None => Local::now().fixed_offset(),
            };
            let cancel = std::sync::atomic::AtomicBool::new(false);
            let live = follow::runner::LiveSources { cancel: &cancel };
            let checker: &dyn follow::runner::Checker = if offline { &NoSources } else { &live };
            let shared = std::sync::Mutex::new(store);
            let round =
                follow::runner::round(&shared, &FixedClock(now), checker, follow::Rules::builtin())
                    .map_err(BoundaryError::from)?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&round).map_err(internal)?
                );
                return Ok(());
            }
            if round.looked.is_empty() {
                println!(
                    "{}",
                    pick(
                        lang,
                        "没有到期需要复查的案件。",
                        "No case is due for a re-check."
                    )
                );
            }
            for l in &round.looked {
                println!(
                    "{}  {} {} · {}",
                    bold(&l.id),
                    l.platform.get(lang),
                    l.amount.display(),
                    l.order_id
                );
                if let Some(p) = &l.problem {
                    println!("  {}", p.get(lang));
                }
                if l.changes.is_empty() {
                    println!("  {}", dim(&pick(lang, "没有变化", "no change")));
                }
                for ch in &l.changes {
                    println!("  • {}", ch.text.get(lang));
                }
            }
            if round.deferred > 0 {
                println!(
                    "{}",
                    pick(
                        lang,
                        &format!("另有 {} 个案件留到下一轮。", round.deferred),
                        &format!("{} more cases wait for the next round.", round.deferred),
                    )
                );
            }
            if let Some(next) = round.next_due {
                println!(
                    "{}",
                    dim(&pick(
                        lang,
                        &format!("下一次复查：{}", short_time(next)),
                        &format!("next re-check: {}", short_time(next)),
                    ))
                );
            }
            Ok(())
        }
        FollowCommand::Show { id, now, json } => {
            let stored = store.get(&id).map_err(BoundaryError::from)?;
            let now = parse_now(now.as_deref(), Some(&stored.case))?;
            let f = store.follow(&stored.id).map_err(BoundaryError::from)?;
            let view = follow::view(&stored.case, &f, now);
            if json {
                println!("{}", serde_json::to_string_pretty(&view).map_err(internal)?);
            } else {
                print_follow(&view, lang);
            }
            Ok(())
        }
        FollowCommand::On { id } => set_follow(&mut store, &id, true, lang),
        FollowCommand::Off { id } => set_follow(&mut store, &id, false, lang),
    }
}

fn set_follow(store: &mut Store, id: &str, on: bool, lang: Lang) -> Result<()> {
    let stored = store.get(id).map_err(BoundaryError::from)?;
    store
        .update_follow(&stored.id, |f| f.enabled = on)
        .map_err(BoundaryError::from)?;
    println!(
        "{}",
        match (on, lang) {
            (true, Lang::ZhCn) => format!("{}：已开启自动复查", stored.id),
            (true, Lang::En) => format!("{}: automatic re-checks on", stored.id),
            (false, Lang::ZhCn) => format!("{}：已关闭自动复查", stored.id),
            (false, Lang::En) => format!("{}: automatic re-checks off", stored.id),
        }
    );
    Ok(())
}

fn print_follow(v: &FollowView, lang: Lang) {
    let when = |m: Option<Moment>| m.map(short_time).unwrap_or_else(|| "—".into());
    if v.settled {
        println!(
            "{}",
            pick(lang, "已解决，不再复查。", "Settled: no more re-checks.")
        );
    } else if !v.enabled {
        println!(
            "{}",
            pick(lang, "自动复查已关闭。", "Automatic re-checks are off.")
        );
    } else if v.next_check.is_none() {
        println!(
            "{}",
            pick(
                lang,
                &format!(
                    "自动复查已于 {} 结束（退款期限已过）；请手动检查或升级投诉。",
                    short_time(v.ends)
                ),
                &format!(
                    "Automatic re-checks ended on {} (the refund window is over); check by hand or escalate.",
                    short_time(v.ends)
                ),
            )
        );
    } else {
        println!(
            "{} {}",
            pick(lang, "下一次复查：", "Next re-check:"),
            when(v.next_check)
        );
        let upcoming: Vec<String> = v.upcoming.iter().map(|m| short_time(*m)).collect();
        if !upcoming.is_empty() {
            println!("{} {}", pick(lang, "之后：", "Then:"), upcoming.join(", "));
        }
        println!(
            "{} {}",
            pick(lang, "自动复查截止：", "Re-checks end:"),
            short_time(v.ends)
        );
    }
    println!(
        "{} {}",
        pick(lang, "上次查看：", "Last looked:"),
        when(v.last_run)
    );
    for b in &v.backing_off {
        println!("  {} {}", b.source, b.text.get(lang));
    }
    if !v.unread.is_empty() {
        println!(
            "{}",
            bold(&pick(lang, "尚未查看的变化：", "Changes not yet seen:"))
        );
        for c in &v.unread {
            println!("  • {} {}", short_time(c.at), c.text.get(lang));
        }
    }
}

// ------------------------------------------------------------------ batch

fn batch_cmd(a: BatchArgs, lang: Lang) -> Result<()> {
    use daozhang::batch::{self, Outcome, Progress, RateTarget};
    use daozhang::sources::limit::Rate;
    use std::io::IsTerminal;

    if a.concurrency == 0 || a.concurrency > 256 {
        return Err(BoundaryError::new(
            ErrorCode::BadArgument,
            format!("--concurrency {}: expected 1 to 256", a.concurrency),
        ));
    }
    let default_rate = Rate::parse(&a.default_rate)
        .map_err(|e| BoundaryError::new(ErrorCode::BadArgument, format!("--default-rate {e}")))?;
    let rates = a
        .rate
        .iter()
        .map(|r| RateTarget::parse_rule(r))
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(BoundaryError::from)?;
    let now = match &a.now {
        Some(t) => Some(parse_now(Some(t), None)?),
        None => None,
    };
    let opts = batch::Options {
        concurrency: a.concurrency,
        default_rate,
        rates,
        offline: a.offline,
        resume: a.resume,
        now,
        policy: Policy::from_env(),
    };
    let orders = batch::import::read(&a.orders).map_err(|e| {
        let mut b = BoundaryError::from(e);
        b.message = format!("{}: {}", a.orders.display(), b.message);
        b
    })?;

    // Progress on stderr: a bar redrawn in place on a terminal, a line per
    // tenth otherwise (not with --json).
    let terminal = std::io::stderr().is_terminal();
    let shown_tenth = std::sync::atomic::AtomicUsize::new(usize::MAX);
    let counts_text = |p: &Progress| {
        Outcome::ALL
            .iter()
            .map(|o| {
                format!(
                    "{} {}",
                    o.label().get(lang),
                    p.counts.get(o).copied().unwrap_or(0)
                )
            })
            .collect::<Vec<_>>()
            .join(" · ")
    };
    let progress = |p: &Progress| {
        let total = p.total.max(1);
        if terminal {
            let width = 24;
            let filled = p.done * width / total;
            eprint!(
                "\r[{}{}] {}/{}  {}\x1b[K",
                "#".repeat(filled),
                "-".repeat(width - filled),
                p.done,
                p.total,
                counts_text(p)
            );
            if p.done == p.total {
                eprintln!();
            }
        } else if !a.json {
            let tenth = p.done * 10 / total;
            if shown_tenth.swap(tenth, std::sync::atomic::Ordering::SeqCst) != tenth {
                eprintln!("{}/{}  {}", p.done, p.total, counts_text(p));
            }
        }
    };
    let cancel = std::sync::atomic::AtomicBool::new(false);
    let summary = batch::run(
        &orders,
        &a.report,
        &opts,
        &Keychain::new(),
        &cancel,
        &progress,
    )
    .map_err(BoundaryError::from)?;

    if a.json {
        let out = serde_json::json!({
            "version": 1,
            "orders": a.orders.display().to_string(),
            "report": a.report.display().to_string(),
            "summary": summary,
        });
        println!("{}", serde_json::to_string_pretty(&out).map_err(internal)?);
        return Ok(());
    }
    let secs = summary.elapsed_ms as f64 / 1000.0;
    let sent: u64 = summary.requests.values().sum();
    println!(
        "{}",
        bold(&pick(
            lang,
            &format!(
                "已检查 {} / {} 笔订单（其中 {} 笔来自上次的报告），用时 {secs:.1} 秒，{sent} 次查询 → {}",
                summary.done,
                summary.total,
                summary.resumed,
                a.report.display()
            ),
            &format!(
                "Checked {} of {} orders ({} from an earlier run) in {secs:.1} s, {sent} requests → {}",
                summary.done,
                summary.total,
                summary.resumed,
                a.report.display()
            ),
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
        println!("\n{}", bold(&pick(lang, "按原因", "By cause")));
        for c in &summary.causes {
            let link = c.broken_link.as_deref().unwrap_or("—");
            let title = if c.outcome == Outcome::Error {
                match c.code.as_str() {
                    "bad_row" => pick(lang, "无法读取的行", "rows that cannot be read"),
                    _ => pick(lang, "所有商户接口都失败", "every live source failed"),
                }
            } else {
                c.title.get(lang).to_owned()
            };
            println!(" {:>6}  {:<24} {:<16} {}", c.rows, c.code, link, title);
        }
    }
    if !summary.ignored_columns.is_empty() {
        println!(
            "\n{}",
            dim(&pick(
                lang,
                &format!("未读取的列：{}", summary.ignored_columns.join("、")),
                &format!("columns not read: {}", summary.ignored_columns.join(", "))
            ))
        );
    }
    Ok(())
}
