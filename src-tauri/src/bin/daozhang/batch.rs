//! `daozhang batch`: many orders from a CSV file against the live sources,
//! into a report CSV.

use daozhang::batch::{self, Progress, RateTarget};
use daozhang::domain::text::Lang;
use daozhang::error::{BoundaryError, ErrorCode};
use daozhang::sources::creds::Keychain;
use daozhang::sources::http::Policy;
use daozhang::sources::limit::Rate;

use crate::cli::BatchArgs;
use crate::input::{in_file, parse_now};
use crate::{Result, output};

pub(crate) fn batch(a: BatchArgs, lang: Lang) -> Result<()> {
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
    let orders = batch::import::read(&a.orders).map_err(|e| in_file(&a.orders)(e.into()))?;

    let meter = output::batch::Meter::new(lang, a.json);
    let cancel = std::sync::atomic::AtomicBool::new(false);
    let summary = batch::run(
        &orders,
        &a.report,
        &opts,
        &Keychain::new(),
        &cancel,
        &|p: &Progress| meter.show(p),
    )
    .map_err(BoundaryError::from)?;

    if a.json {
        let out = serde_json::json!({
            "version": 1,
            "orders": a.orders.display().to_string(),
            "report": a.report.display().to_string(),
            "summary": summary,
        });
        return output::json(&out);
    }
    output::batch::summary(&summary, &a.report, lang);
    Ok(())
}
