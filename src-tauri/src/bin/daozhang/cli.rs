//! The command line: every command, option and help text (clap derive).
//! What each command does lives in its own module; this one only names
//! them.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "daozhang",
    version,
    about = "Daozhang 到账 — find where a failed top-up broke, and get the money back",
    long_about = "Daozhang reads a failed top-up (a case file), draws its timeline from every source, names the broken link, dates the next steps and writes the complaint.\n\nExit codes: 0 ok, 2 bad input (the message names the problem), 1 internal error."
)]
pub(crate) struct Cli {
    /// Directory of the case file (default: the platform's app-data directory).
    #[arg(long, global = true, env = "DAOZHANG_DATA_DIR", value_name = "DIR")]
    pub(crate) data_dir: Option<PathBuf>,
    /// Language of the terminal view: zh-CN or en (default: from LANG).
    /// Give it before the command: `daozhang --lang zh-CN check …`.
    #[arg(long, value_name = "LANG")]
    pub(crate) lang: Option<String>,
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Subcommand)]
pub(crate) enum Command {
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
    /// Show or change "my details" (name, phone, e-mail, address, platform
    /// accounts), filled into every complaint where a case leaves them out.
    Details(DetailsArgs),
}

#[derive(Args)]
pub(crate) struct DetailsArgs {
    /// Your name as in your real-name verification ("" clears it).
    #[arg(long)]
    pub(crate) name: Option<String>,
    /// Your phone number ("" clears it).
    #[arg(long)]
    pub(crate) phone: Option<String>,
    /// Your e-mail address ("" clears it).
    #[arg(long)]
    pub(crate) email: Option<String>,
    /// Your address ("" clears it).
    #[arg(long)]
    pub(crate) address: Option<String>,
    /// Your account on a platform, e.g. douyin_dou_plus="抖音号 creator_2026"
    /// ("PLATFORM=" clears it); repeatable.
    #[arg(long, value_name = "PLATFORM=ACCOUNT")]
    pub(crate) account: Vec<String>,
    /// Print JSON.
    #[arg(long)]
    pub(crate) json: bool,
}

#[derive(Args)]
pub(crate) struct BatchArgs {
    /// The orders: a CSV with a header row (order_id/订单号, payment_id/支付单号,
    /// amount/金额, time/下单时间, platform/平台; optional method/支付方式,
    /// currency/币种, platform_status/平台状态).
    #[arg(value_name = "ORDERS.csv")]
    pub(crate) orders: PathBuf,
    /// Where to write the report (CSV, one row per order, written as each
    /// finishes).
    #[arg(long, value_name = "REPORT.csv")]
    pub(crate) report: PathBuf,
    /// A provider's (or a host's) rate limit, e.g. alipay=100/s; repeatable.
    #[arg(long, value_name = "PROVIDER=N/s")]
    pub(crate) rate: Vec<String>,
    /// The rate limit of every other provider host.
    #[arg(long, value_name = "N/s", default_value = "10/s")]
    pub(crate) default_rate: String,
    /// Orders checked at once (and requests in flight at most).
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub(crate) concurrency: usize,
    /// Continue an existing report: its rows are not asked again.
    #[arg(long)]
    pub(crate) resume: bool,
    /// Do not ask the live sources: diagnose from the file alone.
    #[arg(long)]
    pub(crate) offline: bool,
    /// Print the summary as one JSON object.
    #[arg(long)]
    pub(crate) json: bool,
    /// Evaluate every order as of this moment (default: when it is checked).
    #[arg(long, value_name = "TIME")]
    pub(crate) now: Option<String>,
}

#[derive(Subcommand)]
pub(crate) enum FollowCommand {
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
pub(crate) enum CredsCommand {
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
pub(crate) struct Target {
    /// A case file (TOML); `-` reads standard input.
    #[arg(value_name = "CASE.toml", required_unless_present = "case")]
    pub(crate) file: Option<PathBuf>,
    /// A case from the case file, by id or unique prefix.
    #[arg(long = "case", value_name = "ID", conflicts_with = "file")]
    pub(crate) case: Option<String>,
    /// Evaluate as of this moment (e.g. "2026-11-21 16:30" or RFC 3339); default: now.
    #[arg(long, value_name = "TIME")]
    pub(crate) now: Option<String>,
}

#[derive(Args)]
pub(crate) struct CheckArgs {
    #[command(flatten)]
    pub(crate) target: Target,
    /// Print one JSON object (docs/cli.md) instead of the terminal view.
    #[arg(long)]
    pub(crate) json: bool,
    /// Store the case (when given as a file) and this check in the case file.
    #[arg(long)]
    pub(crate) save: bool,
    /// Do not ask the live sources (providers' APIs); use what the case holds.
    #[arg(long)]
    pub(crate) offline: bool,
}

#[derive(Args)]
pub(crate) struct ComplaintArgs {
    #[command(flatten)]
    pub(crate) target: Target,
    /// platform_chat, platform_ticket, payment_provider, consumer_12315, heimao or card_issuer.
    #[arg(long, short)]
    pub(crate) audience: String,
    /// Language of the message: zh-CN or en.
    #[arg(
        long = "lang",
        short = 'l',
        value_name = "LANG",
        default_value = "zh-CN"
    )]
    pub(crate) message_lang: String,
    /// Print JSON (subject, text, checklist, missing evidence).
    #[arg(long)]
    pub(crate) json: bool,
    /// Keep the message in the case's history (needs --case).
    #[arg(long)]
    pub(crate) save: bool,
}

#[derive(Subcommand)]
pub(crate) enum CaseCommand {
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
        files: ExportFiles,
    },
    /// The escalation ladder: each rung's status, earliest and last day.
    Ladder(LadderArgs),
    /// Record that the complaint to an audience was sent (on --at).
    Sent(SentArgs),
    /// Keep the answer an audience gave (text from --file or standard input).
    Reply(ReplyArgs),
    /// Close a rung of the ladder (settled, refused, given up), with a note.
    Close(CloseArgs),
    /// Import a case: an exported JSON document or a TOML case file.
    Import {
        file: PathBuf,
        /// Replace a case with the same id.
        #[arg(long)]
        replace: bool,
    },
    /// Delete a case and its history.
    Delete { id: String },
    /// Draft a case file from screenshots: the payment app's 账单详情, the
    /// platform's order page, the bank's SMS thread. Printed as TOML (each
    /// field's screenshot in a comment, what is still to fill named), or as
    /// JSON with --json. Read on this computer; nothing is stored.
    Draft {
        #[arg(value_name = "SHOT", required = true)]
        shots: Vec<PathBuf>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub(crate) enum EvidenceCommand {
    /// Read a bill export (Alipay, WeChat Pay CSV or Excel), bank SMS or a
    /// receipt's text, match it to the case and keep the matching rows.
    /// Rows carrying the case's order or payment number are kept directly;
    /// other likely rows are listed with why, and kept with --accept.
    Import(ImportArgs),
}

#[derive(Args)]
pub(crate) struct ImportArgs {
    /// The file; its format is told from its content.
    #[arg(
        value_name = "FILE",
        required_unless_present = "sms",
        conflicts_with = "sms"
    )]
    pub(crate) file: Option<PathBuf>,
    /// Read pasted text (bank SMS, one or many, or a receipt) from a file,
    /// or from standard input with `-`.
    #[arg(long, value_name = "FILE|-")]
    pub(crate) sms: Option<PathBuf>,
    /// The case in the case file, by id or unique prefix.
    #[arg(long = "case", value_name = "ID")]
    pub(crate) case: String,
    /// Also keep these listed matches (numbers from the listing, e.g. 2,3),
    /// or `all`.
    #[arg(long, value_name = "N,N|all")]
    pub(crate) accept: Option<String>,
    /// Only list the matches; keep nothing.
    #[arg(long)]
    pub(crate) dry_run: bool,
    /// A bill zip's password, read from this file or from standard input
    /// with `-` (never given as an argument). Without it, a locked zip's
    /// password is asked for on the terminal.
    #[arg(long, value_name = "FILE|-", conflicts_with = "sms")]
    pub(crate) password_file: Option<PathBuf>,
    /// Print one JSON object (docs/cli.md).
    #[arg(long)]
    pub(crate) json: bool,
    /// The moment the case is updated at (default: now).
    #[arg(long, value_name = "TIME")]
    pub(crate) now: Option<String>,
}

#[derive(Args)]
pub(crate) struct ExportFiles {
    /// Write the case file as Markdown (timeline, diagnosis, ladder,
    /// correspondence, checks, evidence) to this file.
    #[arg(long, value_name = "FILE")]
    pub(crate) markdown: Option<PathBuf>,
    /// Write the deadlines as an iCalendar (.ics) file.
    #[arg(long, value_name = "FILE")]
    pub(crate) ics: Option<PathBuf>,
    /// Language of the Markdown and the calendar: zh-CN or en (default: the
    /// terminal's).
    #[arg(long = "lang", value_name = "LANG")]
    pub(crate) doc_lang: Option<String>,
    /// Evaluate as of this moment (default: now).
    #[arg(long, value_name = "TIME")]
    pub(crate) now: Option<String>,
}

impl ExportFiles {
    pub(crate) fn any(&self) -> bool {
        self.markdown.is_some() || self.ics.is_some()
    }
}

#[derive(Args)]
pub(crate) struct LadderArgs {
    /// The case, by id or unique prefix.
    pub(crate) id: String,
    /// Print JSON: `{ version, case_id, now, settled, rungs[], messages[] }`.
    #[arg(long)]
    pub(crate) json: bool,
    /// Evaluate as of this moment (default: now).
    #[arg(long, value_name = "TIME")]
    pub(crate) now: Option<String>,
}

#[derive(Args)]
pub(crate) struct Rec {
    /// The case, by id or unique prefix.
    pub(crate) id: String,
    /// platform_chat, platform_ticket, payment_provider, consumer_12315, heimao or card_issuer.
    #[arg(long, short)]
    pub(crate) audience: String,
    /// The day it happened ("2026-11-21" or "2026-11-21 16:40"; default: now).
    #[arg(long, value_name = "DATE")]
    pub(crate) at: Option<String>,
    /// Print the ladder afterwards as JSON (as `case ladder --json`).
    #[arg(long)]
    pub(crate) json: bool,
    /// The moment it is written down (default: now).
    #[arg(long, value_name = "TIME")]
    pub(crate) now: Option<String>,
}

#[derive(Args)]
pub(crate) struct SentArgs {
    #[command(flatten)]
    pub(crate) rec: Rec,
    /// Language of the complaint written when none was saved: zh-CN or en.
    #[arg(long = "lang", value_name = "LANG", default_value = "zh-CN")]
    pub(crate) message_lang: String,
}

#[derive(Args)]
pub(crate) struct ReplyArgs {
    #[command(flatten)]
    pub(crate) rec: Rec,
    /// The answer's text; `-` (the default) reads standard input.
    #[arg(long, value_name = "FILE|-", default_value = "-")]
    pub(crate) file: PathBuf,
    /// The ticket (工单) number they gave.
    #[arg(long)]
    pub(crate) ticket: Option<String>,
    /// The day they promised to solve it by (YYYY-MM-DD).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub(crate) promised_by: Option<String>,
}

#[derive(Args)]
pub(crate) struct CloseArgs {
    #[command(flatten)]
    pub(crate) rec: Rec,
    /// Why: settled, refused, gave up …
    #[arg(long, default_value = "")]
    pub(crate) note: String,
}

impl Cli {
    /// Whether the command prints JSON, and so its error too.
    pub(crate) fn json(&self) -> bool {
        match &self.command {
            Command::Check(a) => a.json,
            Command::Complaint(a) => a.json,
            Command::Id { json, .. } => *json,
            Command::Case(
                CaseCommand::List { json }
                | CaseCommand::Show { json, .. }
                | CaseCommand::Draft { json, .. },
            ) => *json,
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
        }
    }
}
