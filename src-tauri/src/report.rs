//! The check report: what `daozhang check --json` prints and what the app
//! shows. One shape for both faces.

use serde::Serialize;

use crate::domain::case::Case;
use crate::domain::diagnosis::{Analysis, DeadlineKind, analyze};
use crate::domain::money::Money;
use crate::domain::text::Bilingual;
use crate::domain::time::Moment;
use crate::records::{CheckRecord, SourceProgress};

/// Report format version; bump on incompatible changes (docs/cli.md).
pub const REPORT_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct CaseHeader {
    /// The stored case's id, when the case comes from the case file.
    pub id: Option<String>,
    pub platform: Bilingual,
    pub order_id: String,
    pub payment_ids: Vec<String>,
    pub amount: Money,
    pub method: String,
    pub submitted_at: Moment,
}

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct CheckReport {
    pub version: u32,
    pub case: CaseHeader,
    #[serde(flatten)]
    pub analysis: Analysis,
    /// How each source went, when the check asked them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub sources: Option<Vec<SourceProgress>>,
}

impl CheckReport {
    pub fn new(case: &Case, id: Option<String>, analysis: Analysis) -> Self {
        CheckReport {
            version: REPORT_VERSION,
            case: CaseHeader {
                id,
                platform: case.platform.display(),
                order_id: case.order_id.clone(),
                payment_ids: case.payments.iter().map(|p| p.id.clone()).collect(),
                amount: case.amount.clone(),
                method: serde_json::to_value(case.method)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                submitted_at: case.submitted_at,
            },
            analysis,
            sources: None,
        }
    }

    pub fn with_sources(mut self, sources: Vec<SourceProgress>) -> Self {
        self.sources = Some(sources);
        self
    }

    /// The record of this check kept in the case file.
    pub fn record(&self) -> Result<CheckRecord, serde_json::Error> {
        let a = &self.analysis;
        Ok(CheckRecord {
            at: a.now,
            code: a.diagnosis.code.key().to_owned(),
            broken_link: a.diagnosis.broken_link.map(|s| s.code().to_owned()),
            summary: a.diagnosis.summary.clone(),
            // The next date that matters: not passed, and not a "do it now".
            next_deadline: a
                .deadlines
                .iter()
                .filter(|d| !d.passed && d.kind != DeadlineKind::ContactBy)
                .find_map(|d| d.due),
            report: serde_json::to_value(self)?,
        })
    }

    /// Checks `case` as of `now`.
    pub fn check(case: &Case, id: Option<String>, now: Moment) -> Self {
        CheckReport::new(case, id, analyze(case, now))
    }
}
