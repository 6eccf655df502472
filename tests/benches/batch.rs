//! How close a batch check of 1,000 orders comes to the rate limit's
//! floor. The loopback fake Alipay gateway (`daozhang_tests::fakes`)
//! allows 100 requests in any sliding second and refuses (and counts) any
//! request over that; `daozhang::batch::run` checks 1,000 orders — paid and
//! not credited, credited, closed unpaid, unknown to Alipay: one query
//! each — with `alipay=100/s` and 8 orders at once, as
//! `daozhang batch orders.csv --report … --rate alipay=100/s
//! --concurrency 8` does.
//!
//! No schedule can send N requests at 100 per second in less than
//! N / 100 seconds (the floor, 10 s for 1,000); what is above it is the
//! limiter's margin (it counts each second from when an answer was read,
//! so network and thread delays can never make the provider see 101) and
//! our own work. Every run must end with zero violations and every order
//! answered, or the bench fails.
//!
//! Prints figures only (not a timed test):
//!
//!     cargo bench -p daozhang-tests --bench batch

use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use chrono::TimeZone;
use daozhang::batch::{self, Options, Outcome, RateTarget};
use daozhang::domain::time::china;
use daozhang::sources::creds::{CredStore, Credentials};
use daozhang::sources::http::Policy;
use daozhang::sources::limit::Rate;
use daozhang::sources::secret::Secret;
use daozhang_tests::fakes::{AlipayOrder, FakeAlipay};
use daozhang_tests::memstore::MemStore;

const ORDERS: usize = 1_000;
const LIMIT: usize = 100;
const CONCURRENCY: usize = 8;
const RUNS: usize = 3;

/// The orders file, and the fake's table to match.
fn orders(fake: &FakeAlipay) -> String {
    let mut csv = String::from("order_id,payment_id,amount,time,platform,platform_status\n");
    for i in 0..ORDERS {
        let out_trade_no = format!("DY{:08}", 74_392_000 + i);
        let trade_no = format!("2026112122001412341408{i:06}");
        let (status, paid_at, platform) = match i % 4 {
            0 => ("TRADE_SUCCESS", Some("2026-11-21 15:15:12"), "支付失败"),
            1 => ("TRADE_SUCCESS", Some("2026-11-21 15:15:12"), "充值成功"),
            2 => ("TRADE_CLOSED", None, "支付失败"),
            _ => ("", None, "支付失败"),
        };
        if !status.is_empty() {
            fake.add_order(AlipayOrder {
                trade_no: trade_no.clone(),
                out_trade_no: out_trade_no.clone(),
                amount: "200.00".into(),
                status: status.into(),
                paid_at: paid_at.map(str::to_owned),
                refund: None,
            });
        }
        csv.push_str(&format!(
            "{out_trade_no},{trade_no},200.00,2026-11-21 15:14,douyin_dou_plus,{platform}\n"
        ));
    }
    csv
}

struct Figures {
    wall: Duration,
    requests: usize,
    busiest: usize,
    first: Duration,
    span: Duration,
}

fn main() {
    // Credentials come from the store below, never the environment.
    for (var, _) in std::env::vars() {
        if var.starts_with("DAOZHANG_") {
            eprintln!("note: {var} is set and may change what the bench measures");
        }
    }
    let fake = FakeAlipay::start();
    let csv = orders(&fake);
    let parsed = batch::import::parse(csv.as_bytes()).expect("the bench's orders read");
    assert_eq!(parsed.rows.len(), ORDERS);
    assert_eq!(parsed.bad_rows(), 0);

    let store = MemStore::default();
    let mut creds = Credentials::new();
    for (k, v) in [
        ("app_id", fake.app_id().to_owned()),
        ("private_key", fake.app_private_key_pem().to_owned()),
        ("alipay_public_key", fake.alipay_public_key_pem().to_owned()),
        ("gateway", fake.base_url()),
    ] {
        creds.set(k, Secret::new(v));
    }
    store.save("alipay", &creds).unwrap();
    let opts = Options {
        concurrency: CONCURRENCY,
        default_rate: Rate::DEFAULT,
        rates: vec![RateTarget::parse_rule(&format!("alipay={LIMIT}/s")).expect("a rate rule")],
        offline: false,
        resume: false,
        now: Some(china().with_ymd_and_hms(2026, 11, 21, 16, 30, 0).unwrap()),
        policy: Policy::default(),
    };

    println!(
        "batch: {ORDERS} orders, fake Alipay allowing {LIMIT} requests in any sliding second, \
         --rate alipay={LIMIT}/s --concurrency {CONCURRENCY}, {RUNS} runs"
    );
    println!(
        "{:>4}  {:>8}  {:>8}  {:>8}  {:>8}  {:>8}  {:>8}  {:>10}",
        "run", "requests", "floor", "wall", "over", "1st req", "span", "violations"
    );
    let mut runs = Vec::new();
    for run in 1..=RUNS {
        let dir = tempfile::tempdir().unwrap();
        let report = dir.path().join("report.csv");
        fake.clear_requests();
        fake.limit_rate(LIMIT, Duration::from_secs(1));
        let started = Instant::now();
        let summary = batch::run(
            &parsed,
            &report,
            &opts,
            &store,
            &AtomicBool::new(false),
            &|_| {},
        )
        .expect("the batch runs");
        let wall = started.elapsed();
        let requests = fake.request_count();
        let mut arrived: Vec<Instant> = fake.requests().iter().map(|r| r.received_at).collect();
        arrived.sort();
        let first = arrived.first().map_or(Duration::ZERO, |a| *a - started);
        let span = match (arrived.first(), arrived.last()) {
            (Some(a), Some(b)) => *b - *a,
            _ => Duration::ZERO,
        };
        let violations = fake.rate_violations();
        let floor = Duration::from_secs_f64(requests as f64 / LIMIT as f64);
        println!(
            "{run:>4}  {requests:>8}  {:>6.2} s  {:>6.2} s  {:>+5.0} ms  {:>5.0} ms  {:>6.2} s  {violations:>10}",
            floor.as_secs_f64(),
            wall.as_secs_f64(),
            (wall.as_secs_f64() - floor.as_secs_f64()) * 1000.0,
            first.as_secs_f64() * 1000.0,
            span.as_secs_f64(),
        );
        assert_eq!(
            violations, 0,
            "run {run}: the fake refused {violations} requests for going over {LIMIT} per second"
        );
        assert_eq!(summary.done, ORDERS, "run {run}: every order has a result");
        assert_eq!(
            summary.counts[&Outcome::Error],
            0,
            "run {run}: no order failed: {:?}",
            summary.causes
        );
        assert_eq!(
            requests, ORDERS,
            "run {run}: one query per order, no retries"
        );
        runs.push(Figures {
            wall,
            requests,
            busiest: fake.busiest_window(),
            first,
            span,
        });
    }
    runs.sort_by_key(|f| f.wall);
    let median = &runs[runs.len() / 2];
    let floor = median.requests as f64 / LIMIT as f64;
    println!(
        "median {:.2} s for {} requests against the {floor:.1} s floor ({:.1} % over, {:.0} requests/s); \
         best {:.2} s; first request {:.0} ms after the start (client set-up); first to last request \
         {:.2} s (the tightest schedule: {:.2} s); busiest second {} of {LIMIT}; 0 violations",
        median.wall.as_secs_f64(),
        median.requests,
        (median.wall.as_secs_f64() / floor - 1.0) * 100.0,
        median.requests as f64 / median.wall.as_secs_f64(),
        runs[0].wall.as_secs_f64(),
        median.first.as_secs_f64() * 1000.0,
        median.span.as_secs_f64(),
        (median.requests - 1) as f64 / LIMIT as f64,
        median.busiest,
    );
}
