//! The sources a check asks, and how far each got. Today: the user's own
//! report (the manual source). Imported evidence and live provider queries
//! plug in here as further sources of the same shape.

use serde::Serialize;

use crate::domain::case::Case;
use crate::domain::observation::{Party, SourceKind, Via};
use crate::domain::text::Bilingual;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum SourceStatus {
    Waiting,
    Running,
    Done,
    /// Not asked, with the reason (no credentials, nothing imported).
    Skipped,
    Failed,
    Cancelled,
}

/// One source's progress, as the check screen shows it.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct SourceProgress {
    /// Stable key: `manual`, `evidence`, `api:alipay` …
    pub source: String,
    pub label: Bilingual,
    pub status: SourceStatus,
    pub detail: Bilingual,
}

/// The sources a check of `case` will ask, all waiting.
pub fn plan(case: &Case) -> Vec<SourceProgress> {
    let mut out = vec![
        SourceProgress {
            source: "manual".into(),
            label: Bilingual::new("你填写的各方状态", "What you reported"),
            status: SourceStatus::Waiting,
            detail: Bilingual::default(),
        },
        SourceProgress {
            source: "evidence".into(),
            label: Bilingual::new("导入的账单与短信", "Imported bills and SMS"),
            status: SourceStatus::Waiting,
            detail: Bilingual::default(),
        },
    ];
    let mut providers: Vec<SourceKind> = case.payments.iter().filter_map(|p| p.provider).collect();
    providers.extend(case.method.provider());
    providers.dedup();
    for p in providers {
        if providers_seen(&out, p) {
            continue;
        }
        let name = p.label();
        out.push(SourceProgress {
            source: format!("api:{}", p.code()),
            label: Bilingual::new(
                format!("{} 商户接口", name.zh_cn),
                format!("{} merchant API", name.en),
            ),
            status: SourceStatus::Waiting,
            detail: Bilingual::default(),
        });
    }
    out
}

fn providers_seen(out: &[SourceProgress], p: SourceKind) -> bool {
    out.iter().any(|s| s.source == format!("api:{}", p.code()))
}

/// Runs one source and says how it went. Every source of today answers
/// from the case itself; none blocks.
pub fn run(case: &Case, mut s: SourceProgress) -> SourceProgress {
    match s.source.as_str() {
        "manual" => {
            let n = case
                .observations
                .iter()
                .filter(|o| o.via == Via::Manual)
                .count();
            s.status = SourceStatus::Done;
            s.detail = Bilingual::new(
                format!("{n} 条状态"),
                format!("{n} status{}", if n == 1 { "" } else { "es" }),
            );
        }
        "evidence" => {
            let n = case
                .observations
                .iter()
                .filter(|o| matches!(o.via, Via::BillExport | Via::Sms | Via::Receipt))
                .count();
            if n == 0 {
                s.status = SourceStatus::Skipped;
                s.detail = Bilingual::new("尚未导入账单或短信", "no bill or SMS imported yet");
            } else {
                s.status = SourceStatus::Done;
                s.detail = Bilingual::new(
                    format!("{n} 条记录"),
                    format!("{n} record{}", if n == 1 { "" } else { "s" }),
                );
            }
        }
        _ => {
            let n = case
                .observations
                .iter()
                .filter(|o| o.via == Via::Api && o.source.party() == Party::Provider)
                .count();
            s.status = SourceStatus::Skipped;
            s.detail = if n == 0 {
                Bilingual::new(
                    "未设置商户凭证：普通付款人用账单与短信即可",
                    "no merchant credentials set: shoppers use their bill and SMS instead",
                )
            } else {
                Bilingual::new(
                    format!("{n} 条早先查询的结果"),
                    format!("{n} earlier answers"),
                )
            };
        }
    }
    s
}
