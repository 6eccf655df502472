//! Checking many orders at once: a CSV of orders in ([`import`]), each
//! checked against the live sources like `daozhang check` and diagnosed,
//! with a rate limit per provider host and a bound on concurrent requests
//! ([`crate::sources::limit`]); a report CSV out ([`report`]), written row
//! by row so a cancelled or crashed run can be resumed; a summary by
//! outcome and by cause.
//!
//! Free of Tauri: the CLI calls [`run_file`] directly, the app from
//! `spawn_blocking` with a progress callback that emits events and a
//! cancel flag.

pub mod import;
pub mod report;
mod run;

use std::collections::BTreeMap;

use serde::Serialize;

pub use import::{BadRow, Column, ColumnView, OrderRow, Orders, Preview, RowProblem};
pub use run::{Options, RateTarget, run, run_file};

use crate::domain::diagnosis::Code;
use crate::domain::text::Bilingual;
use crate::error::{BoundaryError, ErrorCode};
use crate::sources::error::SourceError;

/// Where an order stands, in the report's words.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    serde::Deserialize,
    ts_rs::TS,
)]
#[serde(rename_all = "snake_case")]
#[ts(rename = "BatchOutcome")]
pub enum Outcome {
    /// Nothing more to do: credited, refunded, or never paid.
    Settled,
    /// Money is on its way by itself: within the normal window, a refund
    /// in progress, an automatic reversal pending.
    Waiting,
    /// A link of the chain is broken (the diagnosis names it).
    BrokenLink,
    /// Nothing says where the money is (no source answered about it).
    Unknown,
    /// The row could not be checked: a bad row, or every source failed.
    Error,
}

impl Outcome {
    pub const ALL: [Outcome; 5] = [
        Outcome::Settled,
        Outcome::Waiting,
        Outcome::BrokenLink,
        Outcome::Unknown,
        Outcome::Error,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Outcome::Settled => "settled",
            Outcome::Waiting => "waiting",
            Outcome::BrokenLink => "broken_link",
            Outcome::Unknown => "unknown",
            Outcome::Error => "error",
        }
    }

    pub fn parse(s: &str) -> Option<Outcome> {
        Outcome::ALL.into_iter().find(|o| o.key() == s.trim())
    }

    pub fn label(self) -> Bilingual {
        match self {
            Outcome::Settled => Bilingual::new("已了结", "settled"),
            Outcome::Waiting => Bilingual::new("等待中", "waiting"),
            Outcome::BrokenLink => Bilingual::new("链路中断", "broken link"),
            Outcome::Unknown => Bilingual::new("无法判断", "unknown"),
            Outcome::Error => Bilingual::new("出错", "error"),
        }
    }

    /// The outcome of a diagnosis.
    pub fn of(code: Code) -> Outcome {
        match code {
            c if c.settled() => Outcome::Settled,
            Code::WithinNormalWindow | Code::RefundInProgress | Code::ClosedReversalPending => {
                Outcome::Waiting
            }
            Code::InsufficientEvidence => Outcome::Unknown,
            _ => Outcome::BrokenLink,
        }
    }
}

/// One order's line of the report.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[ts(rename = "BatchRow")]
pub struct RowResult {
    /// The line of the orders file (the header is line 1).
    pub row: usize,
    pub order_id: String,
    /// The payment IDs, `;` between them.
    pub payment_id: String,
    pub platform: String,
    /// As validated (`200.00`), or as given when it did not validate.
    pub amount: String,
    pub currency: String,
    pub outcome: Outcome,
    /// The diagnosis code (docs/diagnoses.md); none for an error.
    pub code: Option<String>,
    /// The broken stage, when the diagnosis names one.
    pub broken_link: Option<String>,
    /// The diagnosis's title, or what is wrong with the row.
    pub summary: Bilingual,
    /// Live sources that failed or were not asked, with why.
    pub source_errors: Bilingual,
    /// When the row was evaluated (RFC 3339).
    pub checked_at: Option<String>,
}

/// How a batch went so far.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ts_rs::TS)]
#[ts(rename = "BatchProgress")]
pub struct Progress {
    /// Rows with a result (this run's and earlier runs').
    pub done: usize,
    /// Rows in the file.
    pub total: usize,
    /// Rows taken from the report of an earlier run.
    pub resumed: usize,
    pub counts: BTreeMap<Outcome, usize>,
    /// The row just finished.
    pub last: Option<RowResult>,
}

/// One cause in the summary.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[ts(rename = "BatchCause")]
pub struct CauseCount {
    /// The diagnosis code (`callback_late` …), or `bad_row` / `sources_failed`.
    pub code: String,
    pub outcome: Outcome,
    pub broken_link: Option<String>,
    /// The diagnosis's title (of the first row with this code).
    pub title: Bilingual,
    pub rows: usize,
}

/// What a whole batch found.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[ts(rename = "BatchSummary")]
pub struct Summary {
    /// Rows in the file.
    pub total: usize,
    /// Rows in the report.
    pub done: usize,
    /// Rows taken from the report of an earlier run.
    pub resumed: usize,
    /// Stopped by the cancel flag before every row was done.
    pub cancelled: bool,
    pub counts: BTreeMap<Outcome, usize>,
    /// By cause, most rows first.
    pub causes: Vec<CauseCount>,
    /// Requests sent to each provider host in this run (retries included).
    pub requests: BTreeMap<String, u64>,
    /// How long this run took.
    pub elapsed_ms: u64,
    /// Columns of the orders file that were not read.
    pub ignored_columns: Vec<String>,
}

impl Summary {
    /// Tallies `rows` (every row of the report).
    pub fn of(rows: &[RowResult], total: usize) -> Summary {
        let mut counts: BTreeMap<Outcome, usize> =
            Outcome::ALL.into_iter().map(|o| (o, 0)).collect();
        let mut causes: BTreeMap<String, CauseCount> = BTreeMap::new();
        for r in rows {
            *counts.entry(r.outcome).or_default() += 1;
            let code = r.code.clone().unwrap_or_else(|| "error".to_owned());
            causes
                .entry(code.clone())
                .or_insert_with(|| CauseCount {
                    code,
                    outcome: r.outcome,
                    broken_link: r.broken_link.clone(),
                    title: r.summary.clone(),
                    rows: 0,
                })
                .rows += 1;
        }
        let mut causes: Vec<CauseCount> = causes.into_values().collect();
        causes.sort_by(|a, b| b.rows.cmp(&a.rows).then(a.code.cmp(&b.code)));
        Summary {
            total,
            done: rows.len(),
            resumed: 0,
            cancelled: false,
            counts,
            causes,
            requests: BTreeMap::new(),
            elapsed_ms: 0,
            ignored_columns: Vec::new(),
        }
    }
}

/// The report rows a run hands the window at most (the report file holds
/// every one).
pub const VIEW_ROWS: usize = 5_000;

/// A run as the window shows it: the summary and the report's rows.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[ts(rename = "BatchRun")]
pub struct RunView {
    pub summary: Summary,
    /// The report's rows in row order, the first [`VIEW_ROWS`].
    pub rows: Vec<RowResult>,
    /// Rows in the report file.
    pub rows_in_report: usize,
    /// Where the report is.
    pub report: String,
}

impl RunView {
    /// `summary` with the rows of the report at `report` (written by the run).
    pub fn read(summary: Summary, report: &std::path::Path) -> Result<RunView, BatchError> {
        let mut rows = report::read_existing(report)?;
        rows.sort_by_key(|r| r.row);
        let rows_in_report = rows.len();
        rows.truncate(VIEW_ROWS);
        Ok(RunView {
            summary,
            rows,
            rows_in_report,
            report: report.display().to_string(),
        })
    }
}

/// Why a batch could not run.
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    #[error("cannot read or write {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "the orders file is {}: at most {} MiB is read, so split it into smaller files",
        size.map_or_else(|| "larger than that".to_owned(), |s| format!("{} MiB", mib(s))),
        max >> 20
    )]
    TooLarge {
        max: u64,
        /// The file's size, when known before reading it.
        size: Option<u64>,
    },
    #[error(
        "line {line} of the orders file is longer than {} KiB: an orders file has one short row per order (is it a CSV file?)",
        max >> 10
    )]
    RecordTooLong { line: usize, max: usize },
    #[error(
        "the orders file is {}: save it as UTF-8 (or GBK) CSV",
        found.unwrap_or("neither UTF-8 nor GBK text")
    )]
    Encoding { found: Option<&'static str> },
    #[error("the orders file is not CSV: {0}")]
    Csv(String),
    #[error(
        "the orders file has no header row naming its columns (found {}): the first row must name order_id (订单号), payment_id (支付单号), amount (金额), time (下单时间) and platform (平台)",
        if found.is_empty() { "an empty file".to_owned() } else { format!("{found:?}") }
    )]
    NoHeader { found: Vec<String> },
    #[error(
        "the orders file has no {} column (its header: {found:?})",
        missing.iter().map(|c| format!("{} ({})", c.key(), c.label().zh_cn)).collect::<Vec<_>>().join(", ")
    )]
    MissingColumns {
        missing: Vec<Column>,
        found: Vec<String>,
    },
    #[error("the report {0} exists: add --resume to continue it, or choose another file")]
    ReportExists(String),
    #[error("{0} is not a Daozhang batch report (its header or a row is not ours)")]
    NotAReport(String),
    #[error(
        "the report's row {row} is order {in_report:?}, but row {row} of the orders file is {in_file:?}: the report belongs to another file"
    )]
    ReportMismatch {
        row: usize,
        in_report: String,
        in_file: String,
    },
    #[error("--rate {0}")]
    BadRate(String),
    #[error("{0}")]
    Source(#[from] SourceError),
}

/// Bytes in MiB, rounded up (a file a little over the cap is not "256 MiB").
fn mib(bytes: u64) -> u64 {
    bytes.div_ceil(1 << 20)
}

impl BatchError {
    pub fn code(&self) -> ErrorCode {
        match self {
            BatchError::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
                ErrorCode::NotFound
            }
            BatchError::Io { .. } => ErrorCode::Io,
            BatchError::TooLarge { .. }
            | BatchError::RecordTooLong { .. }
            | BatchError::Encoding { .. }
            | BatchError::Csv(_)
            | BatchError::NoHeader { .. }
            | BatchError::MissingColumns { .. } => ErrorCode::Syntax,
            BatchError::ReportExists(_) => ErrorCode::Exists,
            BatchError::NotAReport(_) | BatchError::ReportMismatch { .. } => ErrorCode::BadArgument,
            BatchError::BadRate(_) => ErrorCode::BadArgument,
            BatchError::Source(_) => ErrorCode::SourceFailed,
        }
    }

    pub fn text(&self) -> Bilingual {
        let en = self.to_string();
        let zh = match self {
            BatchError::Io { path, source } => format!("无法读写 {path}：{source}"),
            BatchError::TooLarge { max, size } => format!(
                "订单文件{}：最多读取 {} MiB，请拆分成几个较小的文件",
                size.map_or_else(|| "超过此大小".to_owned(), |s| format!("有 {} MiB", mib(s))),
                max >> 20
            ),
            BatchError::RecordTooLong { line, max } => format!(
                "订单文件第 {line} 行超过 {} KiB：订单文件每行应是一笔订单（这是 CSV 文件吗？）",
                max >> 10
            ),
            BatchError::Encoding { found } => format!(
                "订单文件是{}：请另存为 UTF-8（或 GBK）编码的 CSV",
                found.unwrap_or("既非 UTF-8 也非 GBK 的文本")
            ),
            BatchError::Csv(e) => format!("订单文件不是 CSV：{e}"),
            BatchError::NoHeader { .. } => "订单文件第一行应为列名：订单号、支付单号、金额、下单时间、平台（或 order_id、payment_id、amount、time、platform）".to_owned(),
            BatchError::MissingColumns { missing, .. } => format!(
                "订单文件缺少列：{}",
                missing
                    .iter()
                    .map(|c| format!("{}（{}）", c.label().zh_cn, c.key()))
                    .collect::<Vec<_>>()
                    .join("、")
            ),
            BatchError::ReportExists(p) => {
                format!("报告 {p} 已存在：加 --resume 接着检查，或换一个文件名")
            }
            BatchError::NotAReport(p) => format!("{p} 不是到账的批量检查报告"),
            BatchError::ReportMismatch { row, .. } => {
                format!("报告第 {row} 行的订单与订单文件不符：该报告属于另一个文件")
            }
            BatchError::BadRate(e) => format!("--rate {e}"),
            BatchError::Source(e) => e.text().zh_cn,
        };
        Bilingual::new(zh, en)
    }
}

impl From<BatchError> for BoundaryError {
    fn from(e: BatchError) -> Self {
        let text = e.text();
        let mut details = serde_json::json!({ "text": text });
        if let BatchError::MissingColumns { missing, found } = &e {
            details["missing"] = serde_json::json!(missing);
            details["found"] = serde_json::json!(found);
        }
        BoundaryError::new(e.code(), text.en).with_details(details)
    }
}
