//! How long a check of the live sources takes when each provider is slow:
//! the loopback fakes (`daozhang_tests::fakes`) answer after an injected
//! delay, and `daozhang::sources::check_all` asks them all for one case
//! paid through each of them. A fake waits before every answer, and some
//! sources need several answers one after another (PayPal: a token, then
//! the order; Stripe, for a paid intent: the intent, its event, its
//! refunds), so a source's own wait is its delay × its round trips (counted
//! from what the fake answered). The sources are asked concurrently, so the
//! whole check should take about as long as the slowest source's wait;
//! what is left over (total − slowest wait) is our overhead: threads,
//! signing, HTTP, verifying the answers' signatures.
//!
//! Prints figures only (not a timed test):
//!
//!     cargo bench -p daozhang-tests --bench sources
//!
//! To add a source, add a fake to `SOURCES` and a `start_*` function that
//! returns its credentials, the payment it knows and a count of its answers.

use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use chrono::TimeZone;
use daozhang::domain::case::{Case, parse_case_toml};
use daozhang::domain::time::china;
use daozhang::sources::creds::{CredStore, Credentials};
use daozhang::sources::http::{Http, Policy};
use daozhang::sources::secret::Secret;
use daozhang::sources::{SourceStatus, check_all};
use daozhang_tests::fakes::paypal::{self as pp, FakePaypal};
use daozhang_tests::fakes::stripe::{self as st, FakeStripe};
use daozhang_tests::fakes::{
    AlipayOrder, AlipayScenario, FakeAlipay, FakeWechatPay, WechatOrder, WechatScenario,
};
use daozhang_tests::memstore::MemStore;

const RUNS: usize = 10;
const AMOUNT: &str = "200.00";

/// One live source in the benchmark: its id (`api:<id>`), how long its
/// fake waits before each answer, and how to start that fake.
struct Source {
    id: &'static str,
    delay: Duration,
    start: fn(Duration) -> Started,
}

/// A running fake: the credentials that reach it, the payment it knows
/// (`[[payment]]` id and provider), and how many requests it has answered
/// (the closure owns the fake: dropped = stopped).
struct Started {
    creds: Credentials,
    payment: (&'static str, &'static str),
    answered: Box<dyn Fn() -> usize>,
}

const SOURCES: &[Source] = &[
    Source {
        id: "alipay",
        delay: Duration::from_millis(150),
        start: start_alipay,
    },
    Source {
        id: "wechat_pay",
        delay: Duration::from_millis(250),
        start: start_wechat,
    },
    Source {
        id: "stripe",
        delay: Duration::from_millis(200),
        start: start_stripe,
    },
    Source {
        id: "paypal",
        delay: Duration::from_millis(300),
        start: start_paypal,
    },
];

fn credentials(pairs: &[(&str, &str)]) -> Credentials {
    let mut c = Credentials::new();
    for (k, v) in pairs {
        c.set(k, Secret::new(*v));
    }
    c
}

fn start_alipay(delay: Duration) -> Started {
    const TRADE_NO: &str = "2026112122001412341408157613";
    let f = FakeAlipay::start();
    f.add_order(AlipayOrder {
        trade_no: TRADE_NO.into(),
        out_trade_no: "7439201234567890123".into(),
        amount: AMOUNT.into(),
        status: "TRADE_SUCCESS".into(),
        paid_at: Some("2026-11-21 15:15:12".into()),
        refund: None,
    });
    f.set(AlipayScenario::Delay(delay));
    Started {
        creds: credentials(&[
            ("app_id", f.app_id()),
            ("private_key", f.app_private_key_pem()),
            ("alipay_public_key", f.alipay_public_key_pem()),
            ("gateway", &f.base_url()),
        ]),
        payment: (TRADE_NO, "alipay"),
        answered: Box::new(move || f.request_count()),
    }
}

fn start_wechat(delay: Duration) -> Started {
    const TRANSACTION_ID: &str = "4200002345202611214567890123";
    let f = FakeWechatPay::start();
    f.add_order(WechatOrder {
        trade_no: TRANSACTION_ID.into(),
        out_trade_no: "LS20261121200512345".into(),
        amount: AMOUNT.into(),
        status: "SUCCESS".into(),
        paid_at: Some("2026-11-21T15:15:12+08:00".into()),
        refund: None,
    });
    f.set(WechatScenario::Delay(delay));
    Started {
        creds: credentials(&[
            ("mchid", f.mchid()),
            ("merchant_serial", f.merchant_serial()),
            ("private_key", f.merchant_private_key_pem()),
            ("platform_public_key", f.platform_public_key_pem()),
            ("platform_key_id", &f.platform_key_id()),
            ("base_url", &f.base_url()),
        ]),
        payment: (TRANSACTION_ID, "wechat_pay"),
        answered: Box::new(move || f.request_count()),
    }
}

/// A paid PaymentIntent: the intent (with its charge), its
/// `payment_intent.succeeded` event and its refunds are asked for.
fn start_stripe(delay: Duration) -> Started {
    const INTENT: &str = "pi_3QbenchAAAAAAAAAAA";
    const CREATED: i64 = 1_795_245_240; // 2026-11-21 15:14:00 +08:00
    let f = FakeStripe::start();
    f.add_intent(st::Intent {
        id: INTENT.into(),
        amount: 20_000,
        currency: "cny".into(),
        status: "succeeded".into(),
        created: CREATED,
        order_id: Some("7439201234567890123".into()),
        charge_created: Some(CREATED + 72),
        pending_webhooks: Some(0),
        ..Default::default()
    });
    f.set(st::Scenario::Delay(delay));
    Started {
        creds: credentials(&[("secret_key", f.secret_key()), ("base_url", &f.base_url())]),
        payment: (INTENT, "stripe"),
        answered: Box::new(move || f.requests().len()),
    }
}

/// A completed order with one capture: a token, then the order.
fn start_paypal(delay: Duration) -> Started {
    const ORDER: &str = "5O190127TN364715T";
    let f = FakePaypal::start();
    f.add_order(pp::Order {
        id: ORDER.into(),
        status: "COMPLETED".into(),
        amount: AMOUNT.into(),
        currency: "CNY".into(),
        create_time: "2026-11-21T07:14:10Z".into(),
        captures: vec![pp::Capture {
            id: "3C679366HH908993F".into(),
            status: "COMPLETED".into(),
            reason: None,
            amount: AMOUNT.into(),
            create_time: "2026-11-21T07:15:12Z".into(),
            update_time: "2026-11-21T07:15:12Z".into(),
        }],
        refunds: Vec::new(),
    });
    f.set(pp::Scenario::Delay(delay));
    Started {
        creds: credentials(&[
            ("client_id", f.client_id()),
            ("client_secret", f.client_secret()),
            ("base_url", &f.base_url()),
        ]),
        payment: (ORDER, "paypal"),
        answered: Box::new(move || f.requests().len()),
    }
}

/// One order paid through every source's payment.
fn case(payments: &[(&str, &str)]) -> Case {
    let mut toml = format!(
        "platform = \"douyin_dou_plus\"\norder_id = \"7439201234567890123\"\namount = \"{AMOUNT}\"\n\
         currency = \"CNY\"\nmethod = \"alipay\"\nsubmitted_at = \"2026-11-21 15:14\"\n"
    );
    for (id, provider) in payments {
        toml.push_str(&format!(
            "\n[[payment]]\nid = \"{id}\"\nprovider = \"{provider}\"\n"
        ));
    }
    parse_case_toml(&toml).expect("the bench case validates")
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    let started: Vec<Started> = SOURCES.iter().map(|s| (s.start)(s.delay)).collect();
    let store = MemStore::default();
    for (s, st) in SOURCES.iter().zip(&started) {
        store.save(s.id, &st.creds).unwrap();
    }
    let payments: Vec<(&str, &str)> = started.iter().map(|s| s.payment).collect();
    let case = case(&payments);
    let http = Http::new(Policy {
        attempts: 1,
        ..Policy::default()
    })
    .expect("an HTTP client");
    let now = china()
        .with_ymd_and_hms(2026, 11, 21, 16, 30, 0)
        .single()
        .expect("a valid time");
    let cancel = AtomicBool::new(false);
    let report = |_: &[daozhang::sources::SourceProgress]| {};

    let check = || {
        let t = Instant::now();
        let outcome = check_all(&case, &store, &http, now, &cancel, &report);
        let took = t.elapsed();
        let failed: Vec<String> = SOURCES
            .iter()
            .filter_map(|s| {
                let key = format!("api:{}", s.id);
                match outcome.progress.iter().find(|p| p.source == key) {
                    None => Some(format!("{key}: not asked")),
                    Some(p) if p.status != SourceStatus::Done => {
                        Some(format!("{key}: {:?} — {}", p.status, p.detail.en))
                    }
                    Some(_) => None,
                }
            })
            .collect();
        assert!(
            failed.is_empty(),
            "the bench measures successful checks only; not done:\n  {}",
            failed.join("\n  ")
        );
        took
    };

    // Warm-up: parses the keys, fills caches, first connections; also
    // counts each source's round trips in one check.
    check();
    let trips: Vec<usize> = started.iter().map(|s| (s.answered)()).collect();
    let mut times: Vec<Duration> = (0..RUNS).map(|_| check()).collect();
    for ((s, st), n) in SOURCES.iter().zip(&started).zip(&trips) {
        assert!(*n > 0, "{} was never asked", s.id);
        assert_eq!(
            (st.answered)(),
            n * (RUNS + 1),
            "{}: every check should take {n} round trips",
            s.id
        );
    }
    times.sort();
    let median = (times[RUNS / 2 - 1] + times[RUNS / 2]) / 2;
    // A source's own wait: its fake's delay before each of its answers.
    let waits: Vec<Duration> = SOURCES
        .iter()
        .zip(&trips)
        .map(|(s, n)| s.delay * *n as u32)
        .collect();
    let (slowest_at, slowest) = waits
        .iter()
        .copied()
        .enumerate()
        .max_by_key(|(_, w)| *w)
        .unwrap_or_default();
    let sum: Duration = waits.iter().sum();
    let overhead = median.saturating_sub(slowest);
    let wait = |i: usize| {
        format!(
            "{} {} × {:.0} ms",
            SOURCES[i].id,
            trips[i],
            ms(SOURCES[i].delay)
        )
    };

    println!("live sources asked concurrently, {RUNS} runs after a warm-up:");
    for (i, w) in waits.iter().enumerate() {
        println!(
            "  {:<12} fake answers after {:>5.0} ms, {} round trip{} = {:>5.0} ms",
            SOURCES[i].id,
            ms(SOURCES[i].delay),
            trips[i],
            if trips[i] == 1 { "" } else { "s" },
            ms(*w)
        );
    }
    println!(
        "  total        min {:.0} ms, median {:.0} ms, max {:.0} ms",
        ms(times[0]),
        ms(median),
        ms(times[RUNS - 1])
    );
    println!(
        "  slowest      {:.0} ms ({})",
        ms(slowest),
        wait(slowest_at)
    );
    println!(
        "  overhead     {:.1} ms (median total − slowest)",
        ms(overhead)
    );
    println!("  one by one   would be ≥ {:.0} ms", ms(sum));
    let list = (0..SOURCES.len()).map(wait).collect::<Vec<_>>().join(", ");
    println!(
        "summary: {} live sources ({list}): median check {:.0} ms over {RUNS} runs = slowest {:.0} ms ({}) + {:.1} ms overhead (one by one ≥ {:.0} ms)",
        SOURCES.len(),
        ms(median),
        ms(slowest),
        wait(slowest_at),
        ms(overhead),
        ms(sum)
    );
}
