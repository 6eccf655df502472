//! Crash safety of the case file: a writer process is killed (SIGKILL) at a
//! random moment, over and over, against the same file. After each kill the
//! file is reopened and checked: nothing committed is lost, nothing is
//! corrupt, nothing is half-written.
//!
//! The writer (`src/bin/case_writer.rs`) prints a line after each commit,
//! so every printed line names a write that must have survived. Set
//! `DAOZHANG_CRASH_SEED` to replay a run's kill times.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use daozhang::domain::case::Case;
use daozhang::domain::observation::Observation;
use daozhang::records::{CheckRecord, MessageRecord};
use daozhang::store::Store;

const KILLS: usize = 20;
const MIN_DELAY_MS: u64 = 20;
const MAX_DELAY_MS: u64 = 300;

/// SplitMix64: enough randomness for kill times, and replayable.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// What the writer said it committed for one case.
#[derive(Default)]
struct Printed {
    case: Option<Case>,
    observations: Vec<Observation>,
    checks: Vec<CheckRecord>,
    messages: Vec<MessageRecord>,
}

impl Printed {
    fn writes(&self) -> usize {
        usize::from(self.case.is_some())
            + self.observations.len()
            + self.checks.len()
            + self.messages.len()
    }
}

/// Reads the writer's output: only complete lines count (a line cut off by
/// the kill has no newline and may be partial).
fn read_commits(stdout: &[u8], printed: &mut BTreeMap<String, Printed>, ctx: &str) -> usize {
    let text = String::from_utf8_lossy(stdout);
    let complete = match text.rfind('\n') {
        Some(end) => &text[..=end],
        None => "",
    };
    let mut n = 0;
    for line in complete.lines() {
        let mut parts = line.splitn(5, ' ');
        let (Some("committed"), Some(id), Some(kind), Some(count), Some(json)) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            panic!("{ctx}: the writer prints only `committed …` lines; got {line:?}");
        };
        let count: usize = count.parse().expect("the count is a number");
        let entry = printed.entry(id.to_owned()).or_default();
        match kind {
            "case" => {
                let case: Case = serde_json::from_str(json).expect("a printed case parses");
                assert_eq!(count, case.observations.len());
                entry.case = Some(case);
            }
            "observation" => {
                entry
                    .observations
                    .push(serde_json::from_str(json).expect("a printed observation parses"));
                let base = entry.case.as_ref().map_or(0, |c| c.observations.len());
                assert_eq!(
                    count,
                    base + entry.observations.len(),
                    "{ctx}: the writer counts each case's observations"
                );
            }
            "check" => {
                entry
                    .checks
                    .push(serde_json::from_str(json).expect("a printed check parses"));
                assert_eq!(count, entry.checks.len());
            }
            "message" => {
                entry
                    .messages
                    .push(serde_json::from_str(json).expect("a printed message parses"));
                assert_eq!(count, entry.messages.len());
            }
            other => panic!("{ctx}: unknown kind {other:?}"),
        }
        n += 1;
    }
    n
}

/// The file as the crash left it, read with plain SQLite (not the store).
fn check_raw_file(path: &Path, ctx: &str) -> usize {
    let conn = rusqlite::Connection::open(path).expect("the case file opens with plain SQLite");
    let integrity: Vec<String> = conn
        .prepare("PRAGMA integrity_check")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        integrity,
        ["ok"],
        "{ctx}: SQLite's integrity check passes, because WAL commits are atomic and a killed process cannot tear a committed page"
    );
    let orphans: i64 = conn
        .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(
        orphans, 0,
        "{ctx}: no check or message points at a missing case, because each write is one transaction"
    );
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    if version == 0 {
        // Killed before the first migration committed: the file is empty,
        // which is all right only if nothing was committed in it yet.
        let tables: i64 = conn
            .query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))
            .unwrap();
        assert_eq!(
            tables, 0,
            "{ctx}: a file without a schema version has no tables: the migration is one transaction"
        );
        return 0;
    }
    let mut stmt = conn
        .prepare("SELECT id, order_id, amount, case_json FROM cases")
        .unwrap();
    let rows: Vec<(String, String, String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for (id, order_id, amount, json) in &rows {
        let case: Case = serde_json::from_str(json).unwrap_or_else(|e| {
            panic!("{ctx}: case {id} is whole, because its JSON is written in one statement of one transaction: {e}")
        });
        assert_eq!(
            (&case.order_id, &case.amount.amount.to_string()),
            (order_id, amount),
            "{ctx}: case {id}'s listing columns agree with its JSON, because both are written by the same statement"
        );
    }
    rows.len()
}

fn check_store(path: &Path, printed: &BTreeMap<String, Printed>, ctx: &str) {
    let store = Store::open(path).expect("the case file reopens after a kill");
    let listed = store.list().expect("the case list reads after a kill");
    for (id, p) in printed {
        let Some(case) = &p.case else {
            panic!("{ctx}: case {id} was printed as created before anything else about it");
        };
        let stored = store.get(id).unwrap_or_else(|e| {
            panic!("{ctx}: case {id} was printed as committed, so it must be there: {e}")
        });
        let mut facts = stored.case.clone();
        facts.observations.clear();
        let mut written = case.clone();
        written.observations.clear();
        assert_eq!(
            facts, written,
            "{ctx}: case {id}'s facts are the ones written (the writer never changes them)"
        );
        let expected_observations = case.observations.len() + p.observations.len();
        assert!(
            stored.case.observations.len() >= expected_observations,
            "{ctx}: case {id} has {} observations but {expected_observations} were printed as committed",
            stored.case.observations.len()
        );
        for o in case.observations.iter().chain(&p.observations) {
            assert!(
                stored.case.observations.contains(o),
                "{ctx}: case {id} lost a committed observation {o:?}"
            );
        }
        assert!(
            stored.checks.len() >= p.checks.len(),
            "{ctx}: case {id} has {} checks but {} were printed as committed",
            stored.checks.len(),
            p.checks.len()
        );
        assert_eq!(
            stored.checks[..p.checks.len()],
            p.checks[..],
            "{ctx}: case {id}'s committed checks are there, in order and unchanged"
        );
        assert!(
            stored.messages.len() >= p.messages.len(),
            "{ctx}: case {id} has {} messages but {} were printed as committed",
            stored.messages.len(),
            p.messages.len()
        );
        assert_eq!(
            stored.messages[..p.messages.len()],
            p.messages[..],
            "{ctx}: case {id}'s committed messages are there, in order and unchanged"
        );
        let extra = (stored.case.observations.len() - expected_observations)
            + (stored.checks.len() - p.checks.len())
            + (stored.messages.len() - p.messages.len());
        assert!(
            extra <= 1,
            "{ctx}: case {id} has {extra} writes that were never printed; only the write in flight at the kill can be committed unprinted"
        );
    }
    // A case committed but not printed: the kill came between its commit
    // and its line, so nothing else can have been written to it.
    for summary in listed.iter().filter(|s| !printed.contains_key(&s.id)) {
        let stored = store.get(&summary.id).unwrap();
        assert!(
            stored.checks.is_empty() && stored.messages.is_empty(),
            "{ctx}: unprinted case {} has checks or messages; the writer prints a case before writing more to it",
            summary.id
        );
    }
}

#[test]
fn killing_a_writer_mid_write_loses_nothing_committed_and_corrupts_nothing() {
    let started = Instant::now();
    let seed = std::env::var("DAOZHANG_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(1, |d| d.as_nanos() as u64)
        });
    let mut rng = Rng(seed);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cases.sqlite3");
    let mut printed: BTreeMap<String, Printed> = BTreeMap::new();
    let mut unprinted_cases_allowed = 0;

    for kill in 1..=KILLS {
        let delay = MIN_DELAY_MS + rng.next() % (MAX_DELAY_MS - MIN_DELAY_MS + 1);
        let ctx = format!(
            "kill {kill}/{KILLS} after {delay} ms (replay with DAOZHANG_CRASH_SEED={seed})"
        );
        let mut child = Command::new(env!("CARGO_BIN_EXE_case_writer"))
            .arg(&path)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the writer starts");
        let mut stdout = child.stdout.take().unwrap();
        // Drain stdout while the writer runs so a full pipe never slows it.
        let reader = std::thread::spawn(move || {
            let mut buf = Vec::new();
            stdout.read_to_end(&mut buf).map(|_| buf)
        });
        std::thread::sleep(Duration::from_millis(delay));
        if let Some(status) = child.try_wait().unwrap() {
            let mut err = String::new();
            child.stderr.take().unwrap().read_to_string(&mut err).ok();
            panic!("{ctx}: the writer loops until killed, but it exited ({status}): {err}");
        }
        child.kill().expect("SIGKILL the writer");
        child.wait().unwrap();
        let out = reader.join().unwrap().expect("the writer's output reads");

        let commits = read_commits(&out, &mut printed, &ctx);
        unprinted_cases_allowed += 1;
        let rows = check_raw_file(&path, &ctx);
        assert!(
            rows <= printed.len() + unprinted_cases_allowed,
            "{ctx}: {rows} cases in the file but only {} printed; at most one case per kill can be committed unprinted",
            printed.len()
        );
        check_store(&path, &printed, &ctx);
        eprintln!(
            "{ctx}: {commits} commits printed this run; {} cases in the file",
            rows
        );
    }

    let total: usize = printed.values().map(Printed::writes).sum();
    assert!(
        total >= KILLS,
        "the writer committed {total} writes in {KILLS} runs; too few for the kills to prove anything"
    );
    eprintln!(
        "{KILLS} kills, {total} committed writes verified, {} cases, {:.1} s (seed {seed})",
        printed.len(),
        started.elapsed().as_secs_f64()
    );
}
