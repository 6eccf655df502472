//! The runner: rows are checked by a pool of workers; results come back to
//! the caller's thread, which writes each to the report, flushes it and
//! calls the progress callback.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, mpsc};
use std::time::{Duration, Instant};

use chrono::Local;
use url::Url;

use super::import::{self, OrderRow, Orders};
use super::report::{self, Writer};
use super::{BatchError, Outcome, Progress, RowResult, Summary};
use crate::check::{self, Ask, Offline, Sources, Using};
use crate::domain::case::Case;
use crate::domain::text::Bilingual;
use crate::domain::time::Moment;
use crate::sources::creds::{self, CredError, CredStore, Credentials, Keychain};
use crate::sources::error::SourceError;
use crate::sources::http::{Http, Policy, host_of};
use crate::sources::limit::{Limits, Rate};
use crate::sources::{self, Provider, SourceStatus};

/// Whom a `--rate` applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RateTarget {
    /// A live source by id: every host its settings (or defaults) name.
    Provider(&'static str),
    /// One host (`api.example.com`, `127.0.0.1:8080`).
    Host(String),
}

impl RateTarget {
    /// Reads `alipay=100/s` or `api.example.com=5/s`.
    pub fn parse_rule(text: &str) -> Result<(RateTarget, Rate), BatchError> {
        let (who, rate) = text.split_once('=').ok_or_else(|| {
            BatchError::BadRate(format!(
                "{text:?}: expected <provider>=<n>/s, e.g. alipay=100/s"
            ))
        })?;
        let who = who.trim();
        let target = if let Some(p) = sources::provider(who) {
            RateTarget::Provider(p.id())
        } else if who.contains('.') || who.contains(':') || who == "localhost" {
            RateTarget::Host(who.to_lowercase())
        } else {
            return Err(BatchError::BadRate(format!(
                "{text:?}: {who:?} is no provider ({}) nor a host name",
                sources::provider_ids()
            )));
        };
        let rate = Rate::parse(rate).map_err(BatchError::BadRate)?;
        Ok((target, rate))
    }
}

/// How to run a batch.
#[derive(Debug, Clone)]
pub struct Options {
    /// Orders checked at once, and requests in flight at most.
    pub concurrency: usize,
    /// For every provider host without a rule of its own.
    pub default_rate: Rate,
    pub rates: Vec<(RateTarget, Rate)>,
    /// Do not ask the live sources: diagnose from the file alone.
    pub offline: bool,
    /// Continue an existing report (its rows are not checked again).
    pub resume: bool,
    /// Evaluate every order as of this moment (default: when it is checked).
    pub now: Option<Moment>,
    pub policy: Policy,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            concurrency: 4,
            default_rate: Rate::DEFAULT,
            rates: Vec::new(),
            offline: false,
            resume: false,
            now: None,
            policy: Policy::from_env(),
        }
    }
}

/// Reads `orders`, checks every row with the keychain's (or the
/// environment's) credentials and writes `report`. See [`run`].
pub fn run_file(
    orders: &Path,
    report: &Path,
    opts: &Options,
    cancel: &AtomicBool,
    progress: &(dyn Fn(&Progress) + Sync),
) -> Result<Summary, BatchError> {
    let orders = import::read(orders)?;
    run(&orders, report, opts, &Keychain::new(), cancel, progress)
}

/// Checks every row of `orders` not already in `report` (with
/// `opts.resume`; without it the report must not exist), appending each
/// result to `report` as it comes and calling `progress` after each, on
/// the caller's thread. Setting `cancel` stops the run soon: rows in flight
/// are dropped (not written), so a later resume checks them.
///
/// When every row is done the report is rewritten in row order.
pub fn run(
    orders: &Orders,
    report_path: &Path,
    opts: &Options,
    store: &dyn CredStore,
    cancel: &AtomicBool,
    progress: &(dyn Fn(&Progress) + Sync),
) -> Result<Summary, BatchError> {
    let started = Instant::now();
    let total = orders.rows.len();
    // An existing report is read (and proved to be one) without changing
    // it; it is repaired for appending only once it matches `orders`.
    let mut existing = if report_path.exists() {
        if !opts.resume {
            return Err(BatchError::ReportExists(report_path.display().to_string()));
        }
        Some(report::Existing::read(report_path)?)
    } else {
        None
    };
    let earlier = existing
        .as_mut()
        .map(|e| std::mem::take(&mut e.rows))
        .unwrap_or_default();
    let by_row: HashMap<usize, &OrderRow> = orders.rows.iter().map(|r| (r.row, r)).collect();
    for r in &earlier {
        match by_row.get(&r.row) {
            Some(o) if o.order_id == r.order_id => {}
            other => {
                return Err(BatchError::ReportMismatch {
                    row: r.row,
                    in_report: r.order_id.clone(),
                    in_file: other.map(|o| o.order_id.clone()).unwrap_or_default(),
                });
            }
        }
    }
    let done_rows: HashSet<usize> = earlier.iter().map(|r| r.row).collect();
    let todo: Vec<&OrderRow> = orders
        .rows
        .iter()
        .filter(|r| !done_rows.contains(&r.row))
        .collect();
    let mut writer = match &existing {
        Some(e) => e.append()?,
        None => Writer::create(report_path)?,
    };

    let store = Memo::new(store);
    let http = if opts.offline {
        None
    } else {
        Some(Http::with_limits(
            opts.policy.clone(),
            limits(opts, &store),
        )?)
    };

    let mut state = Progress {
        done: earlier.len(),
        total,
        resumed: earlier.len(),
        counts: Outcome::ALL.into_iter().map(|o| (o, 0)).collect(),
        last: None,
    };
    for r in &earlier {
        *state.counts.entry(r.outcome).or_default() += 1;
    }
    progress(&state);
    let mut results = earlier;
    let resumed = results.len();

    // Set when the caller cancels or the report cannot be written.
    let halt = AtomicBool::new(false);
    let next = AtomicUsize::new(0);
    let workers = opts.concurrency.clamp(1, 256).min(todo.len().max(1));
    let mut failure = None;
    std::thread::scope(|scope| {
        let (tx, rx) = mpsc::channel::<RowResult>();
        for _ in 0..workers {
            let tx = tx.clone();
            let (todo, next, halt, store, http) = (&todo, &next, &halt, &store, http.as_ref());
            scope.spawn(move || {
                // The caller's cancel is seen by the workers themselves: a
                // run cancelled before it starts checks nothing.
                while !halt.load(Ordering::SeqCst) && !cancel.load(Ordering::SeqCst) {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(row) = todo.get(i) else { break };
                    match check_row(row, http, store, opts.now, halt) {
                        Some(r) => {
                            if tx.send(r).is_err() {
                                break;
                            }
                        }
                        None => break,
                    }
                }
            });
        }
        drop(tx);
        loop {
            if cancel.load(Ordering::SeqCst) {
                halt.store(true, Ordering::SeqCst);
            }
            let r = match rx.recv_timeout(Duration::from_millis(50)) {
                Ok(r) => r,
                Err(mpsc::RecvTimeoutError::Timeout) => continue,
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            };
            if failure.is_some() {
                continue;
            }
            if let Err(e) = writer.write(&r) {
                halt.store(true, Ordering::SeqCst);
                failure = Some(e);
                continue;
            }
            state.done += 1;
            *state.counts.entry(r.outcome).or_default() += 1;
            state.last = Some(r.clone());
            progress(&state);
            results.push(r);
        }
    });
    drop(writer);
    if let Some(e) = failure {
        return Err(e);
    }
    let cancelled = results.len() < total;
    if !cancelled {
        report::sort(report_path)?;
    }
    results.sort_by_key(|r| r.row);
    let mut summary = Summary::of(&results, total);
    summary.resumed = resumed;
    summary.cancelled = cancelled;
    summary.requests = http
        .as_ref()
        .and_then(|h| h.limiter())
        .map(|l| l.started())
        .unwrap_or_default();
    summary.elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    summary.ignored_columns = orders.ignored.clone();
    Ok(summary)
}

/// The limits of a run: each rule's hosts at its rate, every other host at
/// the default, at most `concurrency` requests in flight.
fn limits(opts: &Options, store: &dyn CredStore) -> Limits {
    let mut hosts = BTreeMap::new();
    for (target, rate) in &opts.rates {
        match target {
            RateTarget::Host(h) => {
                hosts.insert(h.clone(), *rate);
            }
            RateTarget::Provider(id) => {
                if let Some(p) = sources::provider(id) {
                    for h in provider_hosts(p, store) {
                        hosts.insert(h, *rate);
                    }
                }
            }
        }
    }
    Limits {
        default: Some(opts.default_rate),
        hosts,
        max_in_flight: Some(opts.concurrency.max(1)),
    }
}

/// The hosts a provider's settings point at: every plain field whose value
/// (or default) is a URL (a gateway, an API host, a shop).
pub fn provider_hosts(p: &dyn Provider, store: &dyn CredStore) -> Vec<String> {
    let creds = creds::resolve(store, p.id(), p.fields())
        .ok()
        .flatten()
        .unwrap_or_default();
    let mut out: Vec<String> = p
        .fields()
        .iter()
        .filter(|f| !f.secret)
        .filter_map(|f| creds.value(f))
        .filter_map(|v| Url::parse(v.trim()).ok())
        .filter(|u| u.host_str().is_some())
        .map(|u| host_of(&u))
        .collect();
    out.dedup();
    out
}

/// One row's result; `None` when the run was halted while it was checked.
fn check_row(
    row: &OrderRow,
    http: Option<&Http>,
    store: &dyn CredStore,
    now: Option<Moment>,
    halt: &AtomicBool,
) -> Option<RowResult> {
    let mut result = RowResult {
        row: row.row,
        order_id: row.order_id.clone(),
        payment_id: row.payment_id.clone(),
        platform: row.platform.clone(),
        amount: row.amount.clone(),
        currency: row.currency.clone(),
        outcome: Outcome::Error,
        code: None,
        broken_link: None,
        summary: Bilingual::default(),
        source_errors: Bilingual::default(),
        checked_at: None,
    };
    let case: Case = match &row.case {
        Ok(c) => c.clone(),
        Err(problems) => {
            let texts: Vec<Bilingual> = problems.iter().map(|p| p.text()).collect();
            result.code = Some("bad_row".to_owned());
            result.summary = Bilingual::new(
                format!(
                    "第 {} 行无法读取：{}",
                    row.row,
                    join(&texts, |t| &t.zh_cn, "；")
                ),
                format!(
                    "row {} cannot be read: {}",
                    row.row,
                    join(&texts, |t| &t.en, "; ")
                ),
            );
            return Some(result);
        }
    };
    result.amount = crate::domain::money::format_amount(
        case.amount.amount,
        case.amount.currency.minor_digits(),
    );
    let now = now
        .unwrap_or_else(|| Local::now().fixed_offset())
        .with_timezone(&case.zone());
    result.checked_at = Some(now.to_rfc3339());
    let live = http.map(|http| Using {
        creds: store,
        http,
        cancel: halt,
    });
    let ask: &dyn Ask = match &live {
        Some(l) => l,
        None => &Offline,
    };
    let checked = match check::unsaved(&case, now, &Sources::new(ask)) {
        Ok(c) => c,
        Err(SourceError::Cancelled) => return None,
        Err(e) => {
            result.code = Some("sources_failed".to_owned());
            result.summary = e.text();
            return Some(result);
        }
    };
    let progress = checked.report.sources.as_deref().unwrap_or_default();
    let live: Vec<_> = progress
        .iter()
        .filter(|p| p.source.starts_with("api:"))
        .collect();
    let problems: Vec<Bilingual> = live
        .iter()
        .filter(|p| matches!(p.status, SourceStatus::Failed | SourceStatus::Skipped))
        .map(|p| {
            Bilingual::new(
                format!("{}：{}", p.label.zh_cn, p.detail.zh_cn),
                format!("{}: {}", p.label.en, p.detail.en),
            )
        })
        .collect();
    result.source_errors = Bilingual::new(
        join(&problems, |t| &t.zh_cn, "；"),
        join(&problems, |t| &t.en, "; "),
    );
    let failed = live
        .iter()
        .filter(|p| p.status == SourceStatus::Failed)
        .count();
    let answered = live.iter().any(|p| p.status == SourceStatus::Done);
    if failed > 0 && !answered {
        result.code = Some("sources_failed".to_owned());
        result.summary = Bilingual::new(
            "所有可查询的商户接口都失败了，无法检查",
            "every live source that could answer failed: not checked",
        );
        return Some(result);
    }
    let d = &checked.report.analysis.diagnosis;
    result.outcome = Outcome::of(d.code);
    result.code = Some(d.code.key().to_owned());
    result.broken_link = d.broken_link.map(|s| s.code().to_owned());
    result.summary = d.title.clone();
    Some(result)
}

fn join(texts: &[Bilingual], f: impl Fn(&Bilingual) -> &String, sep: &str) -> String {
    texts
        .iter()
        .map(|t| f(t).as_str())
        .collect::<Vec<_>>()
        .join(sep)
}

/// A credential store read once per source for the whole batch (a
/// keychain round trip per order would be slow, and could prompt).
struct Memo<'a> {
    inner: &'a dyn CredStore,
    cache: Mutex<HashMap<String, Result<Option<Credentials>, CredError>>>,
}

impl<'a> Memo<'a> {
    fn new(inner: &'a dyn CredStore) -> Self {
        Memo {
            inner,
            cache: Mutex::new(HashMap::new()),
        }
    }
}

fn copy_error(e: &CredError) -> CredError {
    match e {
        CredError::Unavailable(s) => CredError::Unavailable(s.clone()),
        CredError::Damaged { name, detail } => CredError::Damaged {
            name: name.clone(),
            detail: detail.clone(),
        },
        CredError::UnknownField {
            name,
            field,
            expected,
        } => CredError::UnknownField {
            name: name.clone(),
            field: field.clone(),
            expected: expected.clone(),
        },
        CredError::Input(s) => CredError::Input(s.clone()),
    }
}

impl CredStore for Memo<'_> {
    fn load(&self, source: &str) -> Result<Option<Credentials>, CredError> {
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        let entry = cache
            .entry(source.to_owned())
            .or_insert_with(|| self.inner.load(source));
        match entry {
            Ok(c) => Ok(c.clone()),
            Err(e) => Err(copy_error(e)),
        }
    }

    fn save(&self, source: &str, creds: &Credentials) -> Result<(), CredError> {
        self.cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(source);
        self.inner.save(source, creds)
    }

    fn delete(&self, source: &str) -> Result<bool, CredError> {
        self.cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(source);
        self.inner.delete(source)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::time::china;
    use chrono::TimeZone;

    struct Empty(AtomicUsize);

    impl CredStore for Empty {
        fn load(&self, _: &str) -> Result<Option<Credentials>, CredError> {
            self.0.fetch_add(1, Ordering::SeqCst);
            Ok(None)
        }
        fn save(&self, _: &str, _: &Credentials) -> Result<(), CredError> {
            Ok(())
        }
        fn delete(&self, _: &str) -> Result<bool, CredError> {
            Ok(false)
        }
    }

    const ORDERS: &str = "order_id,payment_id,amount,time,platform,platform_status\n\
        A1,,200.00,2026-11-21 15:14,douyin,充值成功\n\
        A2,,200.00,2026-11-21 15:14,douyin,\n\
        A3,,two hundred,2026-11-21 15:14,douyin,\n\
        A4,,68.00,2026-11-21 16:25,douyin,处理中\n";

    fn offline() -> Options {
        Options {
            concurrency: 2,
            offline: true,
            now: Some(china().with_ymd_and_hms(2026, 11, 21, 16, 30, 0).unwrap()),
            ..Options::default()
        }
    }

    #[test]
    fn every_row_gets_an_outcome_and_resume_skips_the_done_ones() {
        let orders = import::parse(ORDERS.as_bytes()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.csv");
        // A report an earlier run left with rows 2 and 4 done.
        let seen = Mutex::new(Vec::new());
        let mut first = run(
            &Orders {
                rows: vec![orders.rows[0].clone(), orders.rows[2].clone()],
                ..orders.clone()
            },
            &path,
            &offline(),
            &Empty(AtomicUsize::new(0)),
            &AtomicBool::new(false),
            &|p| seen.lock().unwrap().push(p.done),
        )
        .unwrap();
        assert_eq!(first.done, 2);
        assert_eq!(*seen.lock().unwrap(), [0, 1, 2], "progress after each row");
        first.elapsed_ms = 0;

        let again = run(
            &orders,
            &path,
            &offline(),
            &Empty(AtomicUsize::new(0)),
            &AtomicBool::new(false),
            &|_| {},
        );
        assert!(
            matches!(again, Err(BatchError::ReportExists(_))),
            "an existing report needs --resume"
        );

        let checked = Mutex::new(Vec::new());
        let summary = run(
            &orders,
            &path,
            &Options {
                resume: true,
                ..offline()
            },
            &Empty(AtomicUsize::new(0)),
            &AtomicBool::new(false),
            &|p| {
                if let Some(r) = &p.last {
                    checked.lock().unwrap().push(r.row);
                }
            },
        )
        .unwrap();
        let mut checked = checked.into_inner().unwrap();
        checked.sort();
        assert_eq!(
            checked,
            [3, 5],
            "rows 2 and 4 were done before: only 3 and 5 are checked"
        );
        assert_eq!(summary.resumed, 2);
        assert_eq!(summary.done, 4);
        assert!(!summary.cancelled);
        let rows = report::read_existing(&path).unwrap();
        let got: Vec<(usize, Outcome, Option<&str>)> = rows
            .iter()
            .map(|r| (r.row, r.outcome, r.code.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                (2, Outcome::Settled, Some("credited")),
                (3, Outcome::Unknown, Some("insufficient_evidence")),
                (4, Outcome::Error, Some("bad_row")),
                (5, Outcome::Waiting, Some("within_normal_window")),
            ],
            "the report is in row order once complete"
        );
        assert!(
            rows[2].summary.en.contains("amount"),
            "{:?}",
            rows[2].summary
        );
        assert_eq!(summary.counts[&Outcome::Settled], 1);
        assert_eq!(summary.counts[&Outcome::Error], 1);
    }

    #[test]
    fn a_report_of_another_file_is_refused() {
        let orders = import::parse(ORDERS.as_bytes()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.csv");
        run(
            &orders,
            &path,
            &offline(),
            &Empty(AtomicUsize::new(0)),
            &AtomicBool::new(false),
            &|_| {},
        )
        .unwrap();
        let other = import::parse(ORDERS.replace("A3", "B3").as_bytes()).unwrap();
        let e = run(
            &other,
            &path,
            &Options {
                resume: true,
                ..offline()
            },
            &Empty(AtomicUsize::new(0)),
            &AtomicBool::new(false),
            &|_| {},
        )
        .unwrap_err();
        assert!(
            matches!(&e, BatchError::ReportMismatch { row: 4, .. }),
            "{e}"
        );
    }

    #[test]
    fn cancelled_before_the_start_writes_only_the_header() {
        let orders = import::parse(ORDERS.as_bytes()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.csv");
        let s = run(
            &orders,
            &path,
            &offline(),
            &Empty(AtomicUsize::new(0)),
            &AtomicBool::new(true),
            &|_| {},
        )
        .unwrap();
        assert!(s.cancelled);
        assert!(s.done < 4, "a cancelled run stops early");
        assert_eq!(report::read_existing(&path).unwrap().len(), s.done);
    }

    fn resume() -> Options {
        Options {
            resume: true,
            ..offline()
        }
    }

    fn go(orders: &Orders, path: &Path, opts: &Options) -> Result<Summary, BatchError> {
        run(
            orders,
            path,
            opts,
            &Empty(AtomicUsize::new(0)),
            &AtomicBool::new(false),
            &|_| {},
        )
    }

    #[test]
    fn a_users_csv_chosen_as_the_report_is_left_byte_for_byte() {
        let orders = import::parse(ORDERS.as_bytes()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in [
            // Its last line has no line break, as spreadsheets save it.
            ("orders.csv", ORDERS.trim_end().as_bytes()),
            (
                "header-only.csv",
                b"order_id,payment_id,amount,time,platform",
            ),
            ("bom.csv", b"\xEF\xBB\xBFmy own list"),
            ("with-newline.csv", ORDERS.as_bytes()),
        ] {
            let path = dir.path().join(name);
            std::fs::write(&path, text).unwrap();
            let e = go(&orders, &path, &resume()).unwrap_err();
            assert!(matches!(e, BatchError::NotAReport(_)), "{name}: {e}");
            assert!(path.exists(), "{name} is not deleted");
            assert_eq!(
                std::fs::read(&path).unwrap(),
                text,
                "{name} is unchanged by a resume"
            );
            assert!(report::read_existing(&path).is_err());
            assert_eq!(std::fs::read(&path).unwrap(), text, "nor by a read");
        }
    }

    #[test]
    fn a_cut_report_is_repaired_on_resume_and_holds_every_finished_row() {
        let orders = import::parse(ORDERS.as_bytes()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.csv");
        let first = Orders {
            rows: vec![orders.rows[0].clone(), orders.rows[2].clone()],
            ..orders.clone()
        };
        go(&first, &path, &offline()).unwrap();
        // Killed while writing row 3.
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        std::io::Write::write_all(&mut f, b"3,A2,,douyin,200.00,CNY,unkn").unwrap();
        drop(f);
        let s = go(&orders, &path, &resume()).unwrap();
        assert_eq!((s.resumed, s.done), (2, 4));
        let rows = report::read_existing(&path).unwrap();
        assert_eq!(
            rows.iter()
                .map(|r| (r.row, r.order_id.as_str()))
                .collect::<Vec<_>>(),
            [(2, "A1"), (3, "A2"), (4, "A3"), (5, "A4")],
            "every finished row, and the cut one checked again"
        );
    }

    #[test]
    fn formula_order_ids_are_text_in_the_report_and_resume_matches_them() {
        let text = "order_id,payment_id,amount,time,platform,备注\n\
            \"=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",,200.00,2026-11-21 15:14,douyin,a\n\
            +1,,200.00,2026-11-21 15:14,@SUM(A1),b\n\
            -1,,200.00,2026-11-21 15:14,douyin,c\n\
            @SUM(A1:A9),,200.00,2026-11-21 15:14,douyin,d\n\
            ＝1,＋2,=1,2026-11-21 15:14,－douyin,e\n";
        let orders = import::parse(text.as_bytes()).unwrap();
        let ids: Vec<&str> = orders.rows.iter().map(|r| r.order_id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "=HYPERLINK(\"http://x\",\"y\")",
                "+1",
                "-1",
                "@SUM(A1:A9)",
                "＝1"
            ]
        );
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.csv");
        let first = Orders {
            rows: orders.rows[..2].to_vec(),
            ..orders.clone()
        };
        go(&first, &path, &offline()).unwrap();
        let s = go(&orders, &path, &resume()).expect("the report's rows match the file's");
        assert_eq!((s.resumed, s.done), (2, 5));
        let raw = String::from_utf8(std::fs::read(&path).unwrap()).unwrap();
        let mut reader = csv::Reader::from_reader(raw.as_bytes());
        for record in reader.records() {
            let record = record.unwrap();
            for cell in record.iter() {
                assert!(
                    !cell.starts_with(['=', '+', '-', '@', '＝', '＋', '－', '＠']),
                    "no cell of the report is a formula: {cell:?}"
                );
            }
        }
        let rows = report::read_existing(&path).unwrap();
        let back: Vec<&str> = rows.iter().map(|r| r.order_id.as_str()).collect();
        assert_eq!(back, ids, "read back as the file gave them");
        assert_eq!(rows[1].platform, "@SUM(A1)");
        assert_eq!(rows[4].payment_id, "＋2");
        assert_eq!(
            rows[4].amount, "=1",
            "an amount that is no number, as given"
        );
    }

    #[test]
    fn credentials_are_read_once_per_source() {
        let inner = Empty(AtomicUsize::new(0));
        let memo = Memo::new(&inner);
        for _ in 0..10 {
            memo.load("alipay").unwrap();
        }
        memo.load("wechat_pay").unwrap();
        assert_eq!(inner.0.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn rate_rules() {
        let (t, r) = RateTarget::parse_rule("alipay=100/s").unwrap();
        assert_eq!(t, RateTarget::Provider("alipay"));
        assert_eq!(r, Rate::per_second(100));
        let (t, _) = RateTarget::parse_rule("wechat=5/s").unwrap();
        assert_eq!(t, RateTarget::Provider("wechat_pay"), "aliases work");
        let (t, _) = RateTarget::parse_rule("127.0.0.1:8080=5/s").unwrap();
        assert_eq!(t, RateTarget::Host("127.0.0.1:8080".into()));
        for bad in ["alipay", "alipay=fast", "nobody=5/s"] {
            assert!(
                matches!(RateTarget::parse_rule(bad), Err(BatchError::BadRate(_))),
                "{bad}"
            );
        }
        let store = Empty(AtomicUsize::new(0));
        let opts = Options {
            rates: vec![RateTarget::parse_rule("alipay=100/s").unwrap()],
            ..Options::default()
        };
        let l = limits(&opts, &store);
        assert_eq!(
            l.rate_for("openapi.alipay.com"),
            Some(Rate::per_second(100)),
            "a provider's rule applies to its default gateway"
        );
        assert_eq!(l.rate_for("api.example.com"), Some(Rate::DEFAULT));
    }
}
