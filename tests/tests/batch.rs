//! `daozhang batch` through the real CLI binary against the loopback fake
//! Alipay gateway with a rate limit of its own (at most N requests in any
//! sliding second; a request over it is refused and counted): every order
//! gets the right outcome, the fake sees no violation, a run killed in the
//! middle is resumed without asking again about the orders already in the
//! report, and bad rows are reported by line and column without stopping
//! the file.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use daozhang_tests::fakes::{AlipayOrder, AlipayRefund, FakeAlipay, RecordedRequest};
use serde_json::Value;

/// The `daozhang` CLI of this build, built (or found up to date) on first
/// use: a binary of another package is not built for this one's tests.
fn cli() -> &'static Path {
    daozhang_tests::headless_cli()
}

/// What an order is at the fake, and what the batch must make of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Paid at 15:15; the platform says 支付失败 → the callback is late.
    PaidNotCredited,
    /// Paid; the platform says 充值成功 → credited.
    PaidCredited,
    /// Closed without being paid (`TRADE_CLOSED`, no `send_pay_date`) →
    /// not paid.
    Closed,
    /// Paid, closed, refunded (two requests: the trade, then the refund).
    Refunded,
    /// Unknown to Alipay (`ACQ.TRADE_NOT_EXIST`).
    NotFound,
}

impl Kind {
    const ALL: [Kind; 5] = [
        Kind::PaidNotCredited,
        Kind::PaidCredited,
        Kind::Closed,
        Kind::Refunded,
        Kind::NotFound,
    ];

    /// (outcome, diagnosis code, broken link) in the report.
    fn expected(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Kind::PaidNotCredited => ("broken_link", "callback_late", "callback"),
            Kind::PaidCredited => ("settled", "credited", ""),
            Kind::Closed => ("settled", "not_paid", "bank_processing"),
            Kind::Refunded => ("settled", "refunded", ""),
            Kind::NotFound => ("settled", "not_paid", "bank_processing"),
        }
    }

    fn requests(self) -> usize {
        match self {
            Kind::Refunded => 2,
            _ => 1,
        }
    }
}

struct Order {
    out_trade_no: String,
    trade_no: String,
    kind: Kind,
}

/// `n` orders, the kinds in turn, known to the fake as they should be.
fn orders(fake: &FakeAlipay, n: usize) -> Vec<Order> {
    (0..n)
        .map(|i| {
            let kind = Kind::ALL[i % Kind::ALL.len()];
            let o = Order {
                out_trade_no: format!("DY{:08}", 74392000 + i),
                trade_no: format!("2026112122001412341408{i:06}"),
                kind,
            };
            let paid = Some("2026-11-21 15:15:12".to_owned());
            let (status, paid_at, refund) = match kind {
                Kind::PaidNotCredited | Kind::PaidCredited => ("TRADE_SUCCESS", paid, None),
                Kind::Closed => ("TRADE_CLOSED", None, None),
                Kind::Refunded => (
                    "TRADE_CLOSED",
                    paid,
                    Some(AlipayRefund {
                        out_request_no: o.out_trade_no.clone(),
                        refund_amount: "200.00".into(),
                        refund_status: Some("REFUND_SUCCESS".into()),
                        gmt_refund_pay: Some("2026-11-21 16:00:00".into()),
                    }),
                ),
                Kind::NotFound => ("", None, None),
            };
            if kind != Kind::NotFound {
                fake.add_order(AlipayOrder {
                    trade_no: o.trade_no.clone(),
                    out_trade_no: o.out_trade_no.clone(),
                    amount: "200.00".into(),
                    status: status.into(),
                    paid_at,
                    refund,
                });
            }
            o
        })
        .collect()
}

/// The orders file: English headers, the platform's own status per order.
fn orders_csv(orders: &[Order]) -> String {
    let mut out = String::from("order_id,payment_id,amount,time,platform,platform_status\n");
    for o in orders {
        let status = match o.kind {
            Kind::PaidCredited => "充值成功",
            _ => "支付失败",
        };
        out.push_str(&format!(
            "{},{},200.00,2026-11-21 15:14,douyin_dou_plus,{status}\n",
            o.out_trade_no, o.trade_no
        ));
    }
    out
}

struct Run {
    dir: tempfile::TempDir,
    env: Vec<(String, String)>,
}

impl Run {
    /// A CLI whose Alipay credentials come from the environment and point
    /// at `fake`; never the user's keychain.
    fn new(fake: &FakeAlipay) -> Run {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("app_private_key.pem");
        std::fs::write(&key, fake.app_private_key_pem()).unwrap();
        let env = vec![
            ("DAOZHANG_ALIPAY_APP_ID".into(), fake.app_id().to_owned()),
            (
                "DAOZHANG_ALIPAY_PRIVATE_KEY_FILE".into(),
                key.display().to_string(),
            ),
            (
                "DAOZHANG_ALIPAY_ALIPAY_PUBLIC_KEY".into(),
                fake.alipay_public_key_pem().to_owned(),
            ),
            ("DAOZHANG_ALIPAY_GATEWAY".into(), fake.base_url()),
            (
                "DAOZHANG_KEYRING_SERVICE".into(),
                format!("daozhang-batch-test-{}", std::process::id()),
            ),
            (
                "DAOZHANG_DATA_DIR".into(),
                dir.path().join("data").display().to_string(),
            ),
        ];
        Run { dir, env }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(cli());
        for var in std::env::vars().map(|(k, _)| k) {
            if var.starts_with("DAOZHANG_") {
                c.env_remove(var);
            }
        }
        c.args(args)
            .current_dir(self.dir.path())
            .env("NO_COLOR", "1")
            .env("LANG", "en_US.UTF-8")
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null());
        c
    }

    fn batch(&self, extra: &[&str]) -> Output {
        let mut args = vec![
            "batch",
            "orders.csv",
            "--report",
            "report.csv",
            "--now",
            "2026-11-21 16:30",
            "--json",
        ];
        args.extend_from_slice(extra);
        self.command(&args).output().expect("the CLI runs")
    }
}

fn text(out: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn json(out: &Output) -> Value {
    assert!(out.status.success(), "the batch ran: {}", text(out));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("JSON ({e}): {}", text(out)))
}

/// The report's rows as maps from column to value (its BOM checked). The
/// report promises no line break inside a field, so a line is a row.
fn report(path: &Path) -> Vec<BTreeMap<String, String>> {
    let bytes = std::fs::read(path).expect("the report exists");
    let body = bytes
        .strip_prefix(b"\xEF\xBB\xBF")
        .expect("the report starts with a BOM for spreadsheet programs");
    let text = std::str::from_utf8(body).expect("the report is UTF-8");
    let mut lines = text
        .split_terminator('\n')
        .map(|l| parse_line(l.trim_end_matches('\r')));
    let header = lines.next().expect("a header line");
    lines
        .map(|fields| {
            assert_eq!(fields.len(), header.len(), "a whole row: {fields:?}");
            header.iter().cloned().zip(fields).collect()
        })
        .collect()
}

/// One CSV line: quoted fields with `""` inside.
fn parse_line(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(std::mem::take(&mut field)),
            (c, _) => field.push(c),
        }
    }
    out.push(field);
    out
}

/// The trade (or merchant order) number a request to the fake asked about.
fn asked_about(r: &RecordedRequest) -> Option<String> {
    let form: BTreeMap<String, String> = form_urlencoded::parse(r.body.as_bytes())
        .into_owned()
        .collect();
    let biz: Value = serde_json::from_str(form.get("biz_content")?).ok()?;
    biz.get("trade_no")
        .or_else(|| biz.get("out_trade_no"))
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// Every order of `orders` is in `rows` once, with its expected outcome.
fn assert_outcomes(rows: &[BTreeMap<String, String>], orders: &[Order]) {
    assert_eq!(rows.len(), orders.len(), "one report row per order");
    for (i, o) in orders.iter().enumerate() {
        let line = (i + 2).to_string();
        let row = rows
            .iter()
            .find(|r| r["row"] == line)
            .unwrap_or_else(|| panic!("line {line} ({}) is in the report", o.out_trade_no));
        let (outcome, code, link) = o.kind.expected();
        assert_eq!(row["order_id"], o.out_trade_no, "line {line}");
        assert_eq!(
            (
                row["outcome"].as_str(),
                row["code"].as_str(),
                row["broken_link"].as_str()
            ),
            (outcome, code, link),
            "line {line}, a {:?} order: {row:?}",
            o.kind
        );
        assert_eq!(row["amount"], "200.00");
        assert_eq!(
            row["source_errors_en"], "",
            "Alipay answered every order: {row:?}"
        );
    }
}

#[test]
fn two_hundred_orders_at_the_providers_rate_without_a_violation() {
    let fake = FakeAlipay::start();
    let orders = orders(&fake, 200);
    fake.limit_rate(100, Duration::from_secs(1));
    let run = Run::new(&fake);
    std::fs::write(run.path("orders.csv"), orders_csv(&orders)).unwrap();

    cli();
    let started = Instant::now();
    let out = run.batch(&["--rate", "alipay=100/s", "--concurrency", "8"]);
    let took = started.elapsed();
    let v = json(&out);

    assert_eq!(
        fake.rate_violations(),
        0,
        "the fake refused no request for going over 100 per second (busiest second: {})",
        fake.busiest_window()
    );
    let expected_requests: usize = orders.iter().map(|o| o.kind.requests()).sum();
    let requests = fake.requests();
    assert_eq!(
        requests.len(),
        expected_requests,
        "one query per order, two for a refund (no retries were needed)"
    );
    assert!(requests.iter().all(|r| r.signature_valid && r.accepted()));
    assert!(
        fake.busiest_window() > 8,
        "the run did go as fast as allowed, not one request at a time (busiest second: {})",
        fake.busiest_window()
    );
    assert!(
        took < Duration::from_secs(60),
        "{expected_requests} requests at 100/s is a few seconds, not {took:?}"
    );

    let rows = report(&run.path("report.csv"));
    assert_outcomes(&rows, &orders);
    assert!(
        rows.windows(2)
            .all(|w| w[0]["row"].parse::<usize>().unwrap() < w[1]["row"].parse::<usize>().unwrap()),
        "a finished report is in row order"
    );

    let s = &v["summary"];
    assert_eq!(s["total"], 200);
    assert_eq!(s["done"], 200);
    assert_eq!(s["resumed"], 0);
    assert_eq!(s["cancelled"], false);
    assert_eq!(s["counts"]["broken_link"], 40);
    assert_eq!(s["counts"]["settled"], 160);
    assert_eq!(s["counts"]["error"], 0);
    let by_code: BTreeMap<&str, u64> = s["causes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["code"].as_str().unwrap(), c["rows"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        by_code,
        BTreeMap::from([
            ("callback_late", 40),
            ("credited", 40),
            ("not_paid", 80),
            ("refunded", 40)
        ])
    );
    let host = fake.base_url();
    let host = host
        .trim_start_matches("http://")
        .trim_end_matches("/gateway.do");
    assert_eq!(
        s["requests"][host].as_u64(),
        Some(expected_requests as u64),
        "the summary counts the requests sent to the fake's host: {s}"
    );
}

#[test]
fn a_killed_run_resumes_without_asking_again() {
    let fake = FakeAlipay::start();
    let orders = orders(&fake, 150);
    fake.limit_rate(50, Duration::from_secs(1));
    let run = Run::new(&fake);
    std::fs::write(run.path("orders.csv"), orders_csv(&orders)).unwrap();
    let report_path = run.path("report.csv");

    // Start, and kill the process (SIGKILL: no chance to tidy up) once
    // some rows are in the report.
    let mut child = run
        .command(&[
            "batch",
            "orders.csv",
            "--report",
            "report.csv",
            "--now",
            "2026-11-21 16:30",
            "--rate",
            "alipay=50/s",
            "--concurrency",
            "4",
            "--json",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the CLI starts");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let lines = std::fs::read(&report_path)
            .map(|b| b.iter().filter(|c| **c == b'\n').count())
            .unwrap_or(0);
        if lines > 40 {
            break;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run must still be going when it is killed"
        );
        assert!(Instant::now() < deadline, "no rows written in a minute");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    // Requests of the orders in flight may still be arriving.
    std::thread::sleep(Duration::from_millis(300));
    let before = fake.request_count();
    let first = report(&report_path);
    assert!(
        first.len() >= 40 && first.len() < orders.len(),
        "killed midway: {} rows",
        first.len()
    );
    let done_first: HashSet<String> = first.iter().map(|r| r["order_id"].clone()).collect();
    let trade_of: BTreeMap<&str, &str> = orders
        .iter()
        .map(|o| (o.out_trade_no.as_str(), o.trade_no.as_str()))
        .collect();

    let out = run.batch(&["--rate", "alipay=50/s", "--concurrency", "4", "--resume"]);
    let v = json(&out);
    assert_eq!(v["summary"]["resumed"], first.len() as u64);
    assert_eq!(v["summary"]["done"], 150);

    let after: Vec<String> = fake.requests()[before..]
        .iter()
        .filter_map(asked_about)
        .collect();
    for order in &done_first {
        let trade = trade_of[order.as_str()];
        assert!(
            !after.iter().any(|a| a == trade || a == order),
            "{order} was in the report before the resume, yet asked again"
        );
    }
    let expected_left: usize = orders
        .iter()
        .filter(|o| !done_first.contains(&o.out_trade_no))
        .map(|o| o.kind.requests())
        .sum();
    assert_eq!(
        after.len(),
        expected_left,
        "the resume asked exactly about the orders not in the report"
    );
    assert_eq!(fake.rate_violations(), 0, "both runs kept to 50 per second");
    assert_outcomes(&report(&report_path), &orders);
}

#[test]
fn bad_rows_are_named_and_the_good_ones_checked() {
    let fake = FakeAlipay::start();
    let good = orders(&fake, 3);
    let run = Run::new(&fake);
    let mut csv = String::from("订单号,支付单号,金额（元）,下单时间,平台,平台状态,备注\n");
    csv.push_str(&format!(
        "{},{},200.00,2026-11-21 15:14,抖音,支付失败,\n",
        good[0].out_trade_no, good[0].trade_no
    ));
    csv.push_str("DY1,2026112122001412341408999001,二百元,2026-11-21 15:14,抖音,支付失败,\n");
    csv.push_str(&format!(
        "{},{},200.00,2026-11-21 15:14,抖音,充值成功,客户已确认\n",
        good[1].out_trade_no, good[1].trade_no
    ));
    csv.push('\n');
    csv.push_str("DY2,2026112122001412341408999002,200.00,昨天下午,抖音,支付失败,\n");
    csv.push_str(",2026112122001412341408999003,200.00,2026-11-21 15:14,抖音,,\n");
    csv.push_str(&format!(
        "{},{},200.00,2026-11-21 15:14,抖音,支付失败,\n",
        good[2].out_trade_no, good[2].trade_no
    ));
    std::fs::write(run.path("orders.csv"), csv).unwrap();

    let v = json(&run.batch(&[]));
    assert_eq!(v["summary"]["total"], 6);
    assert_eq!(v["summary"]["counts"]["error"], 3);
    assert_eq!(v["summary"]["ignored_columns"], serde_json::json!(["备注"]));
    let rows = report(&run.path("report.csv"));
    let by_line: BTreeMap<&str, &BTreeMap<String, String>> =
        rows.iter().map(|r| (r["row"].as_str(), r)).collect();
    assert_eq!(
        by_line.keys().copied().collect::<Vec<_>>(),
        ["2", "3", "4", "6", "7", "8"],
        "line numbers as a spreadsheet shows them (line 5 is blank)"
    );
    for (line, column, given) in [
        ("3", "金额（元）", "二百元"),
        ("6", "下单时间", "昨天下午"),
        ("7", "订单号", ""),
    ] {
        let r = by_line[line];
        assert_eq!(r["outcome"], "error", "line {line}");
        assert_eq!(r["code"], "bad_row", "line {line}");
        assert!(
            r["summary_en"].contains(&format!("row {line}")) && r["summary_en"].contains(column),
            "line {line}'s problem names the line and the column {column}: {}",
            r["summary_en"]
        );
        assert!(r["summary_en"].contains(given), "and what it held");
        assert!(r["summary_zh"].contains(column), "in Chinese too");
    }
    assert_eq!(by_line["2"]["code"], good[0].kind.expected().1);
    assert_eq!(by_line["4"]["code"], good[1].kind.expected().1);
    assert_eq!(by_line["8"]["code"], good[2].kind.expected().1);
    let asked: Vec<String> = fake.requests().iter().filter_map(asked_about).collect();
    assert!(
        asked
            .iter()
            .all(|a| !a.ends_with("999001") && !a.ends_with("999002")),
        "a bad row is never asked about: {asked:?}"
    );

    // The same report again without --resume: refused, nothing touched.
    let before = std::fs::read(run.path("report.csv")).unwrap();
    let again = run.batch(&[]);
    assert_eq!(again.status.code(), Some(2), "{}", text(&again));
    let e: Value = serde_json::from_slice(&again.stderr).expect("a JSON error");
    assert_eq!(e["code"], "exists");
    assert_eq!(std::fs::read(run.path("report.csv")).unwrap(), before);

    // A file without a header naming its columns: one clear error.
    std::fs::write(
        run.path("orders.csv"),
        "DY1,2026112122001412341408999001,200.00\n",
    )
    .unwrap();
    let out = run
        .command(&["batch", "orders.csv", "--report", "other.csv", "--json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let e: Value = serde_json::from_slice(&out.stderr).expect("a JSON error");
    assert_eq!(e["code"], "syntax");
    let message = e["message"].as_str().unwrap();
    assert!(
        message.contains("header") && message.contains("order_id") && message.contains("订单号"),
        "{message}"
    );
    assert!(
        !run.path("other.csv").exists(),
        "no report for a file that cannot be read"
    );
}
