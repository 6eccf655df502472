//! Writes to a case file until it is killed; used by
//! `tests/tests/store_crash.rs` to prove that a crash mid-write loses
//! nothing committed and corrupts nothing.
//!
//! Usage: `case_writer PATH` (the `.sqlite3` file).
//!
//! After each committed write it prints one line and flushes:
//!
//! ```text
//! committed <id> <kind> <n> <json>
//! ```
//!
//! `kind` is `case` (json: the `Case`; n: its observations), `observation`
//! (json: the `Observation`; n: the case's observations now), `check`
//! (json: the `CheckRecord`; n: the case's checks now) or `message` (json:
//! the `MessageRecord`; n: the case's messages now). A line is printed only
//! after its write has committed, so everything printed must survive a kill.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use chrono::{DateTime, Duration};
use daozhang::domain::case::{Case, parse_case_toml};
use daozhang::domain::diagnosis::Audience;
use daozhang::domain::observation::{Claim, Observation, SourceKind, Via};
use daozhang::domain::text::{Bilingual, Lang};
use daozhang::domain::time::Moment;
use daozhang::records::{CheckRecord, MessageKind, MessageRecord};
use daozhang::store::Store;

const EXAMPLES: [&str; 3] = [
    include_str!("../../../examples/douyin-dou-plus-alipay.toml"),
    include_str!("../../../examples/live-stream-wechat.toml"),
    include_str!("../../../examples/card-shop-epay.toml"),
];

/// Writes per case before the next case is started.
const ROUNDS_PER_CASE: usize = 4;

fn main() -> ExitCode {
    let Some(path) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: case_writer PATH");
        return ExitCode::from(2);
    };
    match run(&path) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("case_writer: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(path: &std::path::Path) -> Result<(), Box<dyn std::error::Error>> {
    let cases: Vec<Case> = EXAMPLES
        .iter()
        .map(|t| parse_case_toml(t))
        .collect::<Result<_, _>>()?;
    let mut store = Store::open(path)?;
    let mut out = std::io::stdout().lock();
    let mut emit = |id: &str, kind: &str, n: usize, json: String| -> std::io::Result<()> {
        // One write of the whole line, then flush: a line the test sees
        // complete (with its newline) was printed after its commit.
        out.write_all(format!("committed {id} {kind} {n} {json}\n").as_bytes())?;
        out.flush()
    };
    let base = DateTime::parse_from_rfc3339("2026-11-21T16:30:00+08:00")?;
    for serial in 0usize.. {
        let case = &cases[serial % cases.len()];
        let now = base + Duration::minutes(serial as i64);
        let id = store.create_case(case, now)?;
        emit(
            &id,
            "case",
            case.observations.len(),
            serde_json::to_string(case)?,
        )?;
        let (mut observations, mut checks, mut messages) = (case.observations.len(), 0, 0);
        for round in 1..=ROUNDS_PER_CASE {
            let at = now + Duration::minutes(round as i64);

            let obs = observation(serial, round, at);
            store.add_observation(&id, &obs, at)?;
            observations += 1;
            emit(
                &id,
                "observation",
                observations,
                serde_json::to_string(&obs)?,
            )?;

            let check = check(serial, round, at);
            store.record_check(&id, &check)?;
            checks += 1;
            emit(&id, "check", checks, serde_json::to_string(&check)?)?;

            let msg = message(serial, round, at);
            store.record_message(&id, &msg)?;
            messages += 1;
            emit(&id, "message", messages, serde_json::to_string(&msg)?)?;
        }
    }
    Ok(())
}

fn observation(serial: usize, round: usize, at: Moment) -> Observation {
    Observation {
        at: Some(at),
        source: SourceKind::Platform,
        via: Via::Manual,
        raw: format!("处理中（第 {round} 次查看）"),
        claim: Claim::Processing,
        amount: None,
        payment_id: None,
        note: Some(format!("writer case {serial} round {round}")),
    }
}

/// A check with a report of several kilobytes, so that one commit spans
/// several database pages.
fn check(serial: usize, round: usize, at: Moment) -> CheckRecord {
    CheckRecord {
        at,
        code: "callback_lost".to_owned(),
        broken_link: Some("callback".to_owned()),
        summary: Bilingual::new(
            format!("第 {round} 次检查：回调丢失"),
            format!("check {round}: the callback was lost"),
        ),
        next_deadline: Some(at + Duration::days(1)),
        report: serde_json::json!({
            "version": 1,
            "serial": serial,
            "round": round,
            "padding": "到账了吗？".repeat(800),
        }),
    }
}

fn message(serial: usize, round: usize, at: Moment) -> MessageRecord {
    MessageRecord {
        at,
        audience: Audience::PlatformTicket,
        lang: Lang::ZhCn,
        text: format!("您好，订单（写入者 {serial}）第 {round} 次联系。\n").repeat(60),
        sent_at: round.is_multiple_of(2).then_some(at + Duration::minutes(5)),
        kind: MessageKind::Complaint,
    }
}
