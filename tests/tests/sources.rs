//! The live sources (`daozhang::sources`) against the loopback fakes of
//! Alipay and WeChat Pay (`daozhang_tests::fakes`), through `check_all` as
//! the app and the CLI call it: every status word, every way an answer can
//! fail or be untrustworthy, retries and timeouts, concurrency, progress,
//! credentials from the environment, and secrets never leaking into the
//! case file or the CLI's output. Protocol facts:
//! shared/reference/providers.md §1 (Alipay), §2 (WeChat Pay), §8.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Mutex;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use chrono::{FixedOffset, TimeZone};
use daozhang::domain::case::{Case, parse_case_toml};
use daozhang::domain::observation::{Claim, Observation, SourceKind, Via};
use daozhang::domain::time::{Moment, china};
use daozhang::sources::creds::{self, CredStore, Credentials};
use daozhang::sources::http::{Http, Policy};
use daozhang::sources::secret::Secret;
use daozhang::sources::{Outcome, SourceProgress, SourceStatus, check_all, provider};
use daozhang_tests::fakes::{
    AlipayOrder, AlipayRefund, AlipayScenario, FakeAlipay, FakeWechatPay, RecordedRequest,
    WechatOrder, WechatScenario,
};
use daozhang_tests::memstore::MemStore;
use rust_decimal::{Decimal, dec};
use serde_json::Value;

// ------------------------------------------------------------- the examples

/// examples/douyin-dou-plus-alipay.toml
const ALIPAY_TRADE_NO: &str = "2026112122001412341408157613";
const ALIPAY_OUT_TRADE_NO: &str = "7439201234567890123";
const ALIPAY_PAID_AT: &str = "2026-11-21 15:15:12";
/// examples/live-stream-wechat.toml
const WECHAT_TRANSACTION_ID: &str = "4200002345202611214567890123";
const WECHAT_OUT_TRADE_NO: &str = "LS20261121200512345";
const WECHAT_PAID_AT: &str = "2026-11-21T20:05:31+08:00";

fn example_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples")
        .join(name)
}

fn example(name: &str) -> Case {
    let text = std::fs::read_to_string(example_path(name)).expect("the example is readable");
    parse_case_toml(&text).expect("the example validates")
}

fn case(toml: &str) -> Case {
    parse_case_toml(toml).expect("the test's case validates")
}

/// The live-stream case without its payment ID: WeChat Pay is then asked by
/// the merchant's `out_trade_no`, the only query that works before a
/// payment succeeds (providers.md §2.1).
fn wechat_case_without_payment() -> Case {
    case(&format!(
        r#"
platform = "live_stream_topup"
platform_name = "星光直播"
order_id = "{WECHAT_OUT_TRADE_NO}"
amount = "68.00"
method = "wechat_pay"
submitted_at = "2026-11-21 20:05"
"#
    ))
}

/// One order paid twice, once through each provider: both are asked.
fn two_provider_case() -> Case {
    case(&format!(
        r#"
platform = "douyin_dou_plus"
order_id = "{ALIPAY_OUT_TRADE_NO}"
amount = "200.00"
currency = "CNY"
method = "alipay"
submitted_at = "2026-11-21 15:14"

[[payment]]
id = "{ALIPAY_TRADE_NO}"
provider = "alipay"

[[payment]]
id = "{WECHAT_TRANSACTION_ID}"
provider = "wechat_pay"
"#
    ))
}

fn now() -> Moment {
    china().with_ymd_and_hms(2026, 11, 21, 21, 0, 0).unwrap()
}

fn beijing(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> Moment {
    china().with_ymd_and_hms(y, mo, d, h, mi, s).unwrap()
}

fn plus_eight() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap()
}

// ------------------------------------------------------- credential store

fn credentials(pairs: &[(&str, &str)]) -> Credentials {
    let mut c = Credentials::new();
    for (k, v) in pairs {
        c.set(k, Secret::new(*v));
    }
    c
}

// ------------------------------------------------------------ the fakes

/// A failure or trick a fake can play; the WeChat-only ones (stale
/// timestamp, unsigned answer) have no Alipay counterpart.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Sc {
    NotFound,
    AuthFailure,
    Delay(Duration),
    ServerErrorThen(u32),
    TooManyThen { n: u32, retry_after_secs: u64 },
    Malformed,
    BadSignature,
    WrongAmount,
    OtherOrder,
    StaleTimestamp,
    Unsigned,
}

enum Fake {
    Alipay(FakeAlipay),
    Wechat(FakeWechatPay),
}

impl Fake {
    /// A fake that knows the example's payment, paid.
    fn alipay() -> Fake {
        let f = FakeAlipay::start();
        f.add_order(alipay_order("TRADE_SUCCESS", true));
        Fake::Alipay(f)
    }

    fn wechat() -> Fake {
        let f = FakeWechatPay::start();
        f.add_order(wechat_order("SUCCESS", true));
        Fake::Wechat(f)
    }

    fn both() -> [Fake; 2] {
        [Fake::alipay(), Fake::wechat()]
    }

    fn id(&self) -> &'static str {
        match self {
            Fake::Alipay(_) => "alipay",
            Fake::Wechat(_) => "wechat_pay",
        }
    }

    /// The progress key `check_all` reports it under.
    fn key(&self) -> String {
        format!("api:{}", self.id())
    }

    fn kind(&self) -> SourceKind {
        match self {
            Fake::Alipay(_) => SourceKind::Alipay,
            Fake::Wechat(_) => SourceKind::WechatPay,
        }
    }

    /// The repository's example case this fake's order belongs to.
    fn case(&self) -> Case {
        match self {
            Fake::Alipay(_) => example("douyin-dou-plus-alipay.toml"),
            Fake::Wechat(_) => example("live-stream-wechat.toml"),
        }
    }

    fn amount(&self) -> Decimal {
        match self {
            Fake::Alipay(_) => dec!(200.00),
            Fake::Wechat(_) => dec!(68.00),
        }
    }

    fn paid_at(&self) -> Moment {
        match self {
            Fake::Alipay(_) => beijing(2026, 11, 21, 15, 15, 12),
            Fake::Wechat(_) => beijing(2026, 11, 21, 20, 5, 31),
        }
    }

    fn creds(&self) -> Credentials {
        match self {
            Fake::Alipay(f) => credentials(&[
                ("app_id", f.app_id()),
                ("private_key", f.app_private_key_pem()),
                ("alipay_public_key", f.alipay_public_key_pem()),
                ("gateway", &f.base_url()),
            ]),
            Fake::Wechat(f) => credentials(&[
                ("mchid", f.mchid()),
                ("merchant_serial", f.merchant_serial()),
                ("private_key", f.merchant_private_key_pem()),
                ("platform_public_key", f.platform_public_key_pem()),
                ("platform_key_id", &f.platform_key_id()),
                ("base_url", &f.base_url()),
            ]),
        }
    }

    /// The private key our client signs with: must never show up anywhere.
    fn private_key_pem(&self) -> &str {
        match self {
            Fake::Alipay(f) => f.app_private_key_pem(),
            Fake::Wechat(f) => f.merchant_private_key_pem(),
        }
    }

    fn requests(&self) -> Vec<RecordedRequest> {
        match self {
            Fake::Alipay(f) => f.requests(),
            Fake::Wechat(f) => f.requests(),
        }
    }

    fn clear_requests(&self) {
        match self {
            Fake::Alipay(f) => f.clear_requests(),
            Fake::Wechat(f) => f.clear_requests(),
        }
    }

    fn set(&self, sc: Sc) {
        match self {
            Fake::Alipay(f) => f.set(match sc {
                Sc::NotFound => AlipayScenario::NotFound,
                Sc::AuthFailure => AlipayScenario::AuthFailure,
                Sc::Delay(d) => AlipayScenario::Delay(d),
                Sc::ServerErrorThen(n) => AlipayScenario::ServerErrorThen(n),
                Sc::TooManyThen {
                    n,
                    retry_after_secs,
                } => AlipayScenario::TooManyThen {
                    n,
                    retry_after_secs,
                },
                Sc::Malformed => AlipayScenario::Malformed,
                Sc::BadSignature => AlipayScenario::BadSignature,
                Sc::WrongAmount => AlipayScenario::WrongAmount,
                Sc::OtherOrder => AlipayScenario::OtherOrder,
                Sc::StaleTimestamp | Sc::Unsigned => {
                    panic!("{sc:?} is a WeChat Pay scenario only")
                }
            }),
            Fake::Wechat(f) => f.set(match sc {
                Sc::NotFound => WechatScenario::NotFound,
                Sc::AuthFailure => WechatScenario::AuthFailure,
                Sc::Delay(d) => WechatScenario::Delay(d),
                Sc::ServerErrorThen(n) => WechatScenario::ServerErrorThen(n),
                Sc::TooManyThen {
                    n,
                    retry_after_secs,
                } => WechatScenario::TooManyThen {
                    n,
                    retry_after_secs,
                },
                Sc::Malformed => WechatScenario::Malformed,
                Sc::BadSignature => WechatScenario::BadSignature,
                Sc::WrongAmount => WechatScenario::WrongAmount,
                Sc::OtherOrder => WechatScenario::OtherOrder,
                Sc::StaleTimestamp => WechatScenario::StaleTimestamp,
                Sc::Unsigned => WechatScenario::Unsigned,
            }),
        }
    }
}

fn alipay_order(status: &str, paid: bool) -> AlipayOrder {
    AlipayOrder {
        trade_no: ALIPAY_TRADE_NO.into(),
        out_trade_no: ALIPAY_OUT_TRADE_NO.into(),
        amount: "200.00".into(),
        status: status.into(),
        paid_at: paid.then(|| ALIPAY_PAID_AT.into()),
        refund: None,
    }
}

/// An unpaid WeChat order has no `transaction_id` yet.
fn wechat_order(status: &str, paid: bool) -> WechatOrder {
    WechatOrder {
        trade_no: if paid {
            WECHAT_TRANSACTION_ID.into()
        } else {
            String::new()
        },
        out_trade_no: WECHAT_OUT_TRADE_NO.into(),
        amount: "68.00".into(),
        status: status.into(),
        paid_at: paid.then(|| WECHAT_PAID_AT.into()),
        refund: None,
    }
}

// --------------------------------------------------------------- checking

/// Fast, single-attempt defaults; tests that exercise retries set their own.
fn policy() -> Policy {
    Policy {
        connect_timeout: Duration::from_secs(2),
        timeout: Duration::from_secs(5),
        attempts: 1,
        backoff: Duration::from_millis(20),
        max_wait: Duration::from_secs(20),
    }
}

/// A whole check as the app runs it, with every progress list `report`
/// was handed.
struct Run {
    outcome: Outcome,
    reports: Vec<Vec<SourceProgress>>,
    elapsed: Duration,
}

impl Run {
    fn progress(&self, key: &str) -> &SourceProgress {
        self.outcome
            .progress
            .iter()
            .find(|p| p.source == key)
            .unwrap_or_else(|| panic!("{key} is in the plan: {:?}", self.outcome.progress))
    }

    fn observations(&self, kind: SourceKind) -> Vec<&Observation> {
        self.outcome
            .observations
            .iter()
            .filter(|o| o.source == kind)
            .collect()
    }
}

fn run_check(case: &Case, store: &dyn CredStore, policy: Policy) -> Run {
    let http = Http::new(policy).expect("an HTTP client");
    let cancel = AtomicBool::new(false);
    let reports = Mutex::new(Vec::new());
    let report = |list: &[SourceProgress]| reports.lock().unwrap().push(list.to_vec());
    let started = Instant::now();
    let outcome = check_all(case, store, &http, now(), &cancel, &report);
    let elapsed = started.elapsed();
    Run {
        outcome,
        reports: reports.into_inner().unwrap(),
        elapsed,
    }
}

/// Checks `case` with only `fake`'s credentials set.
fn check_with(fake: &Fake, case: &Case, policy: Policy) -> Run {
    let store = MemStore::with(&[(fake.id(), fake.creds())]);
    run_check(case, &store, policy)
}

fn detail(p: &SourceProgress) -> &str {
    &p.detail.en
}

/// The claims, times and words `kind` answered with, in order.
fn said(run: &Run, kind: SourceKind) -> Vec<(Claim, Option<Moment>, String)> {
    run.observations(kind)
        .iter()
        .map(|o| (o.claim, o.at, o.raw.clone()))
        .collect()
}

/// Every 40-character stretch of a PEM key's base64 body (the body as one
/// line, which also covers each PEM line): if any of them shows up in a
/// text, key material leaked.
fn key_chunks(pem: &str) -> HashSet<Vec<u8>> {
    let body: String = pem
        .lines()
        .map(str::trim)
        .filter(|l| !l.starts_with("-----"))
        .collect();
    assert!(body.len() > 1000, "an RSA-2048 private key body");
    let chunks: HashSet<Vec<u8>> = body.as_bytes().windows(40).map(<[u8]>::to_vec).collect();
    // The detector itself: it finds the key as PEM and as one base64 line.
    assert!(leak_in(pem.as_bytes(), &chunks).is_some());
    assert!(leak_in(body.as_bytes(), &chunks).is_some());
    chunks
}

/// Where (byte offset) `text` holds a chunk of the key, if it does.
fn leak_in(text: &[u8], chunks: &HashSet<Vec<u8>>) -> Option<usize> {
    text.windows(40).position(|w| chunks.contains(w))
}

fn assert_no_key(what: &str, text: &[u8], chunks: &HashSet<Vec<u8>>) {
    // The offset, never the text: even test keys are not printed.
    if let Some(at) = leak_in(text, chunks) {
        panic!(
            "{what} holds private key material at byte {at}: secrets must never leave the keychain/env and the signer"
        );
    }
}

// ===================================================== status tables (§8)

#[test]
fn alipay_trade_statuses_map_onto_claims_with_alipays_time() {
    let fake = Fake::alipay();
    let Fake::Alipay(f) = &fake else {
        unreachable!()
    };
    let paid_at = fake.paid_at();
    for (status, paid, want) in [
        ("TRADE_SUCCESS", true, Claim::Paid),
        ("TRADE_FINISHED", true, Claim::Paid),
        ("WAIT_BUYER_PAY", false, Claim::Unpaid),
        ("TRADE_CLOSED", false, Claim::Closed),
    ] {
        f.clear_orders();
        f.add_order(alipay_order(status, paid));
        let run = check_with(&fake, &fake.case(), policy());
        assert_eq!(
            run.progress("api:alipay").status,
            SourceStatus::Done,
            "{status}: a signed, matching answer is used: {}",
            detail(run.progress("api:alipay"))
        );
        let obs = run.observations(SourceKind::Alipay);
        assert_eq!(
            obs.len(),
            1,
            "{status}: one trade asked, one observation: {obs:?}"
        );
        let o = obs[0];
        assert_eq!(
            o.claim, want,
            "{status}: providers.md §1.4/§8 — only TRADE_SUCCESS/TRADE_FINISHED mean paid"
        );
        assert_eq!(o.raw, status, "the provider's own words are kept verbatim");
        assert_eq!(
            o.via,
            Via::Api,
            "{status}: asked live, so the timeline says so"
        );
        assert_eq!(
            o.amount,
            Some(dec!(200.00)),
            "{status}: total_amount is yuan text, read as an exact decimal"
        );
        assert_eq!(o.payment_id.as_deref(), Some(ALIPAY_TRADE_NO));
        if paid {
            let at = o.at.expect("a paid trade carries send_pay_date");
            assert_eq!(
                at, paid_at,
                "{status}: the time is Alipay's send_pay_date, not the check's clock"
            );
            assert_eq!(
                *at.offset(),
                plus_eight(),
                "send_pay_date is Beijing time and stays +08:00"
            );
        } else {
            assert_eq!(
                o.at, None,
                "{status}: an unpaid trade has no payment time; the check's clock is not invented as one"
            );
        }
    }
}

#[test]
fn alipay_closed_after_payment_is_paid_then_refunded_via_the_refund_query() {
    let fake = Fake::alipay();
    let Fake::Alipay(f) = &fake else {
        unreachable!()
    };
    f.clear_orders();
    f.add_order(AlipayOrder {
        refund: Some(AlipayRefund {
            // Without an out_request_no of its own, a refund's is the
            // order's out_trade_no (providers.md §1.6).
            out_request_no: ALIPAY_OUT_TRADE_NO.into(),
            refund_amount: "200.00".into(),
            refund_status: Some("REFUND_SUCCESS".into()),
            gmt_refund_pay: Some("2026-11-21 18:02:03".into()),
        }),
        ..alipay_order("TRADE_CLOSED", true)
    });
    let run = check_with(&fake, &fake.case(), policy());
    assert_eq!(
        run.progress("api:alipay").status,
        SourceStatus::Done,
        "{}",
        detail(run.progress("api:alipay"))
    );
    let got = said(&run, SourceKind::Alipay);
    let claims: Vec<Claim> = got.iter().map(|g| g.0).collect();
    assert_eq!(
        claims,
        [Claim::Paid, Claim::Closed, Claim::Refunded],
        "TRADE_CLOSED with a send_pay_date is a full refund after payment (§1.4): paid, closed, and the refund query's REFUND_SUCCESS (§1.6)"
    );
    assert_eq!(
        got[0].1,
        Some(fake.paid_at()),
        "the payment keeps Alipay's send_pay_date"
    );
    let refunded_at = got[2].1.expect("REFUND_SUCCESS carries gmt_refund_pay");
    assert_eq!(
        refunded_at,
        beijing(2026, 11, 21, 18, 2, 3),
        "the refund is dated by Alipay's gmt_refund_pay"
    );
    assert_eq!(*refunded_at.offset(), plus_eight());
    assert_eq!(got[2].2, "REFUND_SUCCESS");
    let refund = run.observations(SourceKind::Alipay)[2];
    assert_eq!(refund.amount, Some(dec!(200.00)), "refund_amount, exact");
    assert_eq!(refund.via, Via::Api);
    let methods: Vec<String> = fake
        .requests()
        .iter()
        .map(|r| {
            form_urlencoded::parse(r.body.as_bytes())
                .find(|(k, _)| k == "method")
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(
        methods,
        ["alipay.trade.query", "alipay.trade.fastpay.refund.query"],
        "the refund is learnt from the refund query, asked only after the trade query said closed-after-payment"
    );
    assert!(
        fake.requests().iter().all(|r| r.signature_valid),
        "both calls are signed with the app key"
    );
}

#[test]
fn wechat_trade_states_map_onto_claims_with_wechats_time() {
    let fake = Fake::wechat();
    let Fake::Wechat(f) = &fake else {
        unreachable!()
    };
    let paid_at = fake.paid_at();
    for (state, paid, want) in [
        ("SUCCESS", true, vec![Claim::Paid]),
        // 转入退款: it was paid first, then a refund began.
        ("REFUND", true, vec![Claim::Paid, Claim::RefundPending]),
        ("NOTPAY", false, vec![Claim::Unpaid]),
        ("CLOSED", false, vec![Claim::Closed]),
        ("REVOKED", false, vec![Claim::Closed]),
        ("USERPAYING", false, vec![Claim::Processing]),
        ("PAYERROR", false, vec![Claim::Failed]),
    ] {
        f.clear_orders();
        f.add_order(wechat_order(state, paid));
        // Before a payment succeeds there is no transaction_id: the order
        // is asked by out_trade_no (§2.1).
        let case = if paid {
            fake.case()
        } else {
            wechat_case_without_payment()
        };
        let run = check_with(&fake, &case, policy());
        assert_eq!(
            run.progress("api:wechat_pay").status,
            SourceStatus::Done,
            "{state}: a signed, matching answer is used: {}",
            detail(run.progress("api:wechat_pay"))
        );
        let obs = run.observations(SourceKind::WechatPay);
        let claims: Vec<Claim> = obs.iter().map(|o| o.claim).collect();
        assert_eq!(
            claims, want,
            "{state}: trade_state per providers.md §2.3/§8"
        );
        let last = obs.last().unwrap();
        assert!(
            last.raw.starts_with(state),
            "{state}: the raw words start with WeChat's trade_state: {:?}",
            last.raw
        );
        for o in &obs {
            assert_eq!(o.via, Via::Api, "{state}: asked live");
            assert_eq!(
                o.amount,
                Some(dec!(68.00)),
                "{state}: amount.total is fen (6800), read as exactly 68.00 yuan"
            );
            if o.claim == Claim::Paid {
                let at = o.at.expect("a paid order carries success_time");
                assert_eq!(at, paid_at, "{state}: the time is WeChat's success_time");
                assert_eq!(*at.offset(), plus_eight(), "success_time's +08:00 is kept");
                assert_eq!(o.payment_id.as_deref(), Some(WECHAT_TRANSACTION_ID));
            } else {
                assert_eq!(
                    o.at, None,
                    "{state}: no time is invented for a state without success_time"
                );
            }
        }
        let asked = &fake.requests()[0];
        if paid {
            assert!(
                asked
                    .path()
                    .ends_with(&format!("/id/{WECHAT_TRANSACTION_ID}")),
                "a known transaction_id is asked by id: {}",
                asked.target
            );
        } else {
            assert!(
                asked
                    .path()
                    .ends_with(&format!("/out-trade-no/{WECHAT_OUT_TRADE_NO}")),
                "without a transaction_id the order is asked by out_trade_no: {}",
                asked.target
            );
        }
        fake.clear_requests();
    }
}

// ====================================== normal answers, signatures, not found

#[test]
fn a_normal_check_signs_every_request_and_the_fakes_verify_it() {
    for fake in Fake::both() {
        let run = check_with(&fake, &fake.case(), policy());
        let p = run.progress(&fake.key());
        assert_eq!(p.status, SourceStatus::Done, "{}", detail(p));
        assert_eq!(p.raw, None, "nothing untrusted to keep");
        let requests = fake.requests();
        assert_eq!(requests.len(), 1, "{}: one payment, one query", fake.id());
        for r in &requests {
            assert!(
                r.signature_valid && r.accepted(),
                "{}: the fake verified our request signature with the client public key (Alipay §1.3, WeChat §2.2); problem: {:?}, signed text: {:?}",
                fake.id(),
                r.problem,
                r.signed_text
            );
        }
        let obs = run.observations(fake.kind());
        assert_eq!(obs.len(), 1);
        assert_eq!(obs[0].claim, Claim::Paid);
        assert_eq!(obs[0].at, Some(fake.paid_at()));
        assert_eq!(obs[0].amount, Some(fake.amount()));
        assert_eq!(obs[0].via, Via::Api);
        assert!(
            p.detail.en.contains(&obs[0].raw),
            "the progress line says what the provider answered: {}",
            p.detail.en
        );
    }
}

#[test]
fn an_unknown_order_is_a_not_found_observation_not_an_error() {
    for fake in Fake::both() {
        fake.set(Sc::NotFound);
        let run = check_with(&fake, &fake.case(), policy());
        let p = run.progress(&fake.key());
        assert_eq!(
            p.status,
            SourceStatus::Done,
            "{}: 'no such order' is an answer (a signed one), not a failure: {}",
            fake.id(),
            detail(p)
        );
        let obs = run.observations(fake.kind());
        assert_eq!(obs.len(), 1, "{obs:?}");
        assert_eq!(
            obs[0].claim,
            Claim::NotFound,
            "{}: ACQ.TRADE_NOT_EXIST / ORDER_NOT_EXIST mean the provider does not know the order",
            fake.id()
        );
        assert_eq!(obs[0].at, None);
        assert_eq!(obs[0].via, Via::Api);
        assert!(
            obs[0].raw.contains("NOT_EXIST"),
            "the provider's code is kept: {}",
            obs[0].raw
        );
    }
}

// ================================================================= failures

#[test]
fn refused_credentials_fail_with_an_auth_error_naming_the_cause() {
    for (fake, cause) in [
        (
            Fake::alipay(),
            [
                "isv.invalid-signature",
                "private key does not match the app public key",
            ],
        ),
        (Fake::wechat(), ["SIGN_ERROR", "签名错误"]),
    ] {
        fake.set(Sc::AuthFailure);
        let run = check_with(&fake, &fake.case(), policy());
        let p = run.progress(&fake.key());
        assert_eq!(p.status, SourceStatus::Failed, "{}", detail(p));
        assert!(
            p.detail.en.contains("refused the credentials"),
            "{}: a refusal of our credentials reads as one, so the user fixes the settings and not the network: {}",
            fake.id(),
            p.detail.en
        );
        for c in cause {
            assert!(
                p.detail.en.contains(c),
                "{}: the text names the cause ({c}): {}",
                fake.id(),
                p.detail.en
            );
        }
        assert!(
            p.detail.zh_cn.contains("拒绝了凭证"),
            "and in Chinese: {}",
            p.detail.zh_cn
        );
        assert!(run.observations(fake.kind()).is_empty());
    }
}

#[test]
fn a_provider_that_does_not_answer_in_time_fails_with_a_timeout() {
    for fake in Fake::both() {
        fake.set(Sc::Delay(Duration::from_secs(2)));
        let run = check_with(
            &fake,
            &fake.case(),
            Policy {
                timeout: Duration::from_millis(300),
                ..policy()
            },
        );
        let p = run.progress(&fake.key());
        assert_eq!(p.status, SourceStatus::Failed, "{}", detail(p));
        assert!(
            p.detail.en.starts_with("no answer from 127.0.0.1:") && p.detail.en.contains("within"),
            "{}: a 300 ms timeout against a 2 s answer says the provider did not answer in time: {}",
            fake.id(),
            p.detail.en
        );
        assert!(
            run.elapsed < Duration::from_millis(1500),
            "{}: the check gives up at the timeout instead of waiting for the 2 s answer (took {:?})",
            fake.id(),
            run.elapsed
        );
        assert!(run.observations(fake.kind()).is_empty());
    }
}

#[test]
fn server_errors_are_retried_until_an_answer() {
    for fake in Fake::both() {
        fake.set(Sc::ServerErrorThen(2));
        let run = check_with(
            &fake,
            &fake.case(),
            Policy {
                attempts: 3,
                backoff: Duration::from_millis(20),
                ..policy()
            },
        );
        let p = run.progress(&fake.key());
        assert_eq!(
            p.status,
            SourceStatus::Done,
            "{}: two 503s then an answer, with three attempts allowed, is an answer: {}",
            fake.id(),
            detail(p)
        );
        let requests = fake.requests();
        assert_eq!(
            requests.len(),
            3,
            "{}: the query is idempotent, so each 503 is retried once more",
            fake.id()
        );
        assert!(
            requests.iter().all(|r| r.signature_valid),
            "every attempt is freshly signed"
        );
        assert_eq!(run.observations(fake.kind())[0].claim, Claim::Paid);
    }
}

#[test]
fn a_short_retry_after_is_waited_for() {
    for fake in Fake::both() {
        fake.set(Sc::TooManyThen {
            n: 1,
            retry_after_secs: 1,
        });
        let run = check_with(
            &fake,
            &fake.case(),
            Policy {
                attempts: 3,
                backoff: Duration::from_millis(20),
                ..policy()
            },
        );
        let p = run.progress(&fake.key());
        assert_eq!(p.status, SourceStatus::Done, "{}: {}", fake.id(), detail(p));
        assert!(
            run.elapsed >= Duration::from_secs(1),
            "{}: a 429 with Retry-After: 1 is honoured — the retry comes at least 1 s later, not after the 20 ms backoff (took {:?})",
            fake.id(),
            run.elapsed
        );
        assert_eq!(fake.requests().len(), 2, "one 429, one answer");
    }
}

#[test]
fn a_long_retry_after_fails_at_once_as_rate_limited() {
    for fake in Fake::both() {
        fake.set(Sc::TooManyThen {
            n: 1,
            retry_after_secs: 120,
        });
        let run = check_with(
            &fake,
            &fake.case(),
            Policy {
                attempts: 3,
                ..policy()
            },
        );
        let p = run.progress(&fake.key());
        assert_eq!(p.status, SourceStatus::Failed, "{}", detail(p));
        assert!(
            p.detail.en.contains("asked us to wait 120 s"),
            "{}: the user learns when to try again: {}",
            fake.id(),
            p.detail.en
        );
        assert!(
            run.elapsed < Duration::from_secs(3),
            "{}: 120 s is over the 20 s max_wait, so the check does not sit waiting (took {:?})",
            fake.id(),
            run.elapsed
        );
        assert_eq!(
            fake.requests().len(),
            1,
            "and it does not ask again before the provider allows"
        );
    }
}

#[test]
fn untrustworthy_answers_fail_and_keep_the_raw_answer_without_secrets() {
    // (scenario, words the reason must contain, why it must not be used)
    let common = [
        (
            Sc::Malformed,
            "JSON",
            "a truncated body cannot be read, so nothing in it is used",
        ),
        (
            Sc::BadSignature,
            "signature does not verify",
            "an answer signed with a key we do not trust may be forged",
        ),
        (
            Sc::WrongAmount,
            "differs from the order's",
            "an answer about another amount is not about this payment",
        ),
        (
            Sc::OtherOrder,
            "answered about",
            "an answer about another order must not settle this one",
        ),
    ];
    let wechat_only = [
        (
            Sc::StaleTimestamp,
            "more than 5 minutes",
            "an answer timestamped 10 minutes ago may be a replay (§2.4: 5 min)",
        ),
        (
            Sc::Unsigned,
            "not signed",
            "a 2xx without a signature must be treated as forged (§2.4)",
        ),
    ];
    for fake in Fake::both() {
        let chunks = key_chunks(fake.private_key_pem());
        let scenarios: Vec<_> = match fake {
            Fake::Alipay(_) => common.to_vec(),
            Fake::Wechat(_) => common.iter().chain(&wechat_only).copied().collect(),
        };
        for (sc, reason, why) in scenarios {
            fake.set(sc);
            let run = check_with(&fake, &fake.case(), policy());
            let p = run.progress(&fake.key());
            assert_eq!(
                p.status,
                SourceStatus::Failed,
                "{} {sc:?}: {why}: {}",
                fake.id(),
                detail(p)
            );
            assert!(
                p.detail.en.starts_with("untrusted response") && p.detail.en.contains(reason),
                "{} {sc:?}: the text says the answer was not trusted, and why ({reason:?}): {}",
                fake.id(),
                p.detail.en
            );
            assert!(
                run.observations(fake.kind()).is_empty(),
                "{} {sc:?}: {why}, so it adds no observation",
                fake.id()
            );
            let raw = p.raw.as_deref().unwrap_or_else(|| {
                panic!(
                    "{} {sc:?}: the unused answer is kept for the user to look at",
                    fake.id()
                )
            });
            assert!(!raw.is_empty(), "{} {sc:?}: raw has the answer", fake.id());
            assert_no_key(
                &format!("{} {sc:?} raw", fake.id()),
                raw.as_bytes(),
                &chunks,
            );
            assert!(
                !raw.contains("PRIVATE KEY"),
                "{} {sc:?}: no key in the raw answer",
                fake.id()
            );
        }
    }
}

// ============================================= concurrency, progress, errors

#[test]
fn both_providers_are_asked_at_the_same_time() {
    let [alipay, wechat] = Fake::both();
    let delay = Duration::from_millis(700);
    alipay.set(Sc::Delay(delay));
    wechat.set(Sc::Delay(delay));
    let Fake::Wechat(w) = &wechat else {
        unreachable!()
    };
    w.clear_orders();
    w.add_order(WechatOrder {
        amount: "200.00".into(),
        ..wechat_order("SUCCESS", true)
    });
    let store = MemStore::with(&[(alipay.id(), alipay.creds()), (wechat.id(), wechat.creds())]);
    let run = run_check(&two_provider_case(), &store, policy());
    for f in [&alipay, &wechat] {
        assert_eq!(
            run.progress(&f.key()).status,
            SourceStatus::Done,
            "{}: {}",
            f.id(),
            detail(run.progress(&f.key()))
        );
    }
    let a = alipay.requests()[0].received_at;
    let w = wechat.requests()[0].received_at;
    let (first, second) = if a <= w { (a, w) } else { (w, a) };
    let gap = second - first;
    assert!(
        gap < delay,
        "the second provider got its request {gap:?} after the first — before the first could answer ({delay:?}): the sources are asked concurrently, so a check takes about as long as the slowest one (whole check: {:?})",
        run.elapsed
    );
    assert!(
        run.elapsed < delay * 2,
        "two 700 ms answers in {:?}: not one after the other",
        run.elapsed
    );
    let kinds: HashSet<SourceKind> = run.outcome.observations.iter().map(|o| o.source).collect();
    assert_eq!(
        kinds,
        HashSet::from([SourceKind::Alipay, SourceKind::WechatPay]),
        "both answers are in the outcome"
    );
}

#[test]
fn one_provider_failing_does_not_stop_the_other() {
    let [alipay, wechat] = Fake::both();
    alipay.set(Sc::AuthFailure);
    wechat.set(Sc::Delay(Duration::from_millis(300)));
    let Fake::Wechat(w) = &wechat else {
        unreachable!()
    };
    w.clear_orders();
    w.add_order(WechatOrder {
        amount: "200.00".into(),
        ..wechat_order("SUCCESS", true)
    });
    let store = MemStore::with(&[(alipay.id(), alipay.creds()), (wechat.id(), wechat.creds())]);
    let run = run_check(&two_provider_case(), &store, policy());
    assert_eq!(
        run.progress("api:alipay").status,
        SourceStatus::Failed,
        "Alipay refused our credentials"
    );
    assert_eq!(
        run.progress("api:wechat_pay").status,
        SourceStatus::Done,
        "WeChat Pay's answer stands although Alipay failed first: {}",
        detail(run.progress("api:wechat_pay"))
    );
    let wechat_said = said(&run, SourceKind::WechatPay);
    assert_eq!(
        wechat_said.len(),
        1,
        "WeChat's observation reaches the outcome"
    );
    assert_eq!(wechat_said[0].0, Claim::Paid);
    assert!(run.observations(SourceKind::Alipay).is_empty());
}

#[test]
fn progress_goes_waiting_running_done_for_each_live_source() {
    let [alipay, wechat] = Fake::both();
    let Fake::Wechat(w) = &wechat else {
        unreachable!()
    };
    w.clear_orders();
    w.add_order(WechatOrder {
        amount: "200.00".into(),
        ..wechat_order("SUCCESS", true)
    });
    let store = MemStore::with(&[(alipay.id(), alipay.creds()), (wechat.id(), wechat.creds())]);
    let run = run_check(&two_provider_case(), &store, policy());
    assert!(!run.reports.is_empty(), "report is called");
    assert!(
        run.reports[0]
            .iter()
            .all(|p| p.status == SourceStatus::Waiting),
        "the first report is the whole plan, all waiting: {:?}",
        run.reports[0]
    );
    assert_eq!(
        run.reports.last().unwrap(),
        &run.outcome.progress,
        "the last report is the final state"
    );
    let keys: Vec<String> = run.reports[0].iter().map(|p| p.source.clone()).collect();
    assert_eq!(
        keys,
        ["manual", "evidence", "api:alipay", "api:wechat_pay"],
        "the plan lists the local sources, then every live source concerned, in registry order"
    );
    for key in ["api:alipay", "api:wechat_pay"] {
        let mut seen: Vec<SourceStatus> = Vec::new();
        for list in &run.reports {
            let s = list.iter().find(|p| p.source == key).unwrap().status;
            if seen.last() != Some(&s) {
                seen.push(s);
            }
        }
        assert_eq!(
            seen,
            [
                SourceStatus::Waiting,
                SourceStatus::Running,
                SourceStatus::Done
            ],
            "{key}: the check screen shows each live source waiting, then running, then done"
        );
    }
}

#[test]
fn a_source_without_credentials_is_skipped_not_failed() {
    let store = MemStore::default();
    let run = run_check(&two_provider_case(), &store, policy());
    for key in ["api:alipay", "api:wechat_pay"] {
        let p = run.progress(key);
        assert_eq!(
            p.status,
            SourceStatus::Skipped,
            "{key}: shoppers have no merchant credentials; that is not an error: {}",
            detail(p)
        );
    }
    assert!(run.outcome.observations.is_empty());
}

// ========================================================== credentials

const ENV_CHILD: &str = "DAOZHANG_SOURCES_TEST_CHILD";

/// The child half of `environment_wins_over_the_store_field_by_field`:
/// runs in its own process (environment variables are process-wide, and
/// the other tests in this binary read them), so it is ignored when run
/// directly.
#[test]
#[ignore = "run in a child process by environment_wins_over_the_store_field_by_field"]
fn env_child_resolves_and_checks() {
    let Ok(gateway) = std::env::var(format!("{ENV_CHILD}_GATEWAY")) else {
        return;
    };
    let alipay_public_key = std::env::var(format!("{ENV_CHILD}_ALIPAY_PUBLIC_KEY")).unwrap();
    let p = provider("alipay").unwrap();
    // The store holds a wrong App ID and a private key that is not a key:
    // if either were used the fake would refuse or the signer would fail.
    let store = MemStore::with(&[(
        "alipay",
        credentials(&[
            ("app_id", "2021000000000000"),
            ("private_key", "not a key at all"),
            ("alipay_public_key", &alipay_public_key),
            ("gateway", &gateway),
        ]),
    )]);
    let resolved = creds::resolve(&store, p.id(), p.fields())
        .unwrap()
        .expect("credentials");
    assert_eq!(
        resolved.text("app_id"),
        std::env::var("DAOZHANG_ALIPAY_APP_ID").ok().as_deref(),
        "DAOZHANG_ALIPAY_APP_ID wins over the stored App ID"
    );
    assert!(
        resolved
            .text("private_key")
            .is_some_and(|k| k.contains("BEGIN PRIVATE KEY")),
        "DAOZHANG_ALIPAY_PRIVATE_KEY_FILE wins over the stored key"
    );
    assert_eq!(
        resolved.text("gateway"),
        Some(gateway.as_str()),
        "a field the environment does not set keeps the stored value"
    );
    assert_eq!(
        resolved.text("alipay_public_key"),
        Some(alipay_public_key.trim())
    );
    let case = example("douyin-dou-plus-alipay.toml");
    let run = run_check(&case, &store, policy());
    let p = run.progress("api:alipay");
    assert_eq!(
        p.status,
        SourceStatus::Done,
        "the check uses the merged credentials: {}",
        detail(p)
    );
}

#[test]
fn environment_wins_over_the_store_field_by_field() {
    let fake = Fake::alipay();
    let Fake::Alipay(f) = &fake else {
        unreachable!()
    };
    let keys = tempfile::tempdir().unwrap();
    let key_file = keys.path().join("app_private_key.pem");
    std::fs::write(&key_file, f.app_private_key_pem()).unwrap();
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args([
        "--ignored",
        "--exact",
        "env_child_resolves_and_checks",
        "--test-threads=1",
        "--nocapture",
    ]);
    for var in std::env::vars().map(|(k, _)| k) {
        if var.starts_with("DAOZHANG_") {
            cmd.env_remove(var);
        }
    }
    cmd.env("DAOZHANG_ALIPAY_APP_ID", f.app_id())
        .env("DAOZHANG_ALIPAY_PRIVATE_KEY_FILE", &key_file)
        .env(format!("{ENV_CHILD}_GATEWAY"), f.base_url())
        .env(
            format!("{ENV_CHILD}_ALIPAY_PUBLIC_KEY"),
            f.alipay_public_key_pem(),
        );
    let out = cmd.output().expect("the test binary runs itself");
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "the child's checks failed:\n{text}");
    assert!(
        text.contains("1 passed"),
        "the child test really ran:\n{text}"
    );
    let requests = fake.requests();
    assert_eq!(requests.len(), 1, "the child asked the fake once");
    assert!(
        requests[0].accepted(),
        "the fake accepted the env App ID and the env key's signature, at the stored gateway: {:?}",
        requests[0].problem
    );
}

// ============================================================ the CLI

fn cli() -> &'static Path {
    daozhang_tests::headless_cli()
}

struct Cli {
    data: tempfile::TempDir,
    keys: tempfile::TempDir,
    env: Vec<(String, String)>,
}

impl Cli {
    /// A CLI whose Alipay credentials all come from the environment: the
    /// private key from a file (`…_FILE`) or straight from the variable.
    fn alipay(f: &FakeAlipay, key_from_file: bool) -> Cli {
        let data = tempfile::tempdir().unwrap();
        let keys = tempfile::tempdir().unwrap();
        let mut env = vec![
            ("DAOZHANG_ALIPAY_APP_ID".into(), f.app_id().to_owned()),
            (
                "DAOZHANG_ALIPAY_ALIPAY_PUBLIC_KEY".into(),
                f.alipay_public_key_pem().to_owned(),
            ),
            ("DAOZHANG_ALIPAY_GATEWAY".into(), f.base_url()),
            ("DAOZHANG_HTTP_TIMEOUT_MS".into(), "5000".into()),
            ("DAOZHANG_HTTP_ATTEMPTS".into(), "1".into()),
            // Never the user's keychain entries.
            (
                "DAOZHANG_KEYRING_SERVICE".into(),
                format!("daozhang-sources-test-{}", std::process::id()),
            ),
        ];
        if key_from_file {
            let path = keys.path().join("alipay_app_private_key.pem");
            std::fs::write(&path, f.app_private_key_pem()).unwrap();
            env.push((
                "DAOZHANG_ALIPAY_PRIVATE_KEY_FILE".into(),
                path.to_string_lossy().into_owned(),
            ));
        } else {
            env.push((
                "DAOZHANG_ALIPAY_PRIVATE_KEY".into(),
                f.app_private_key_pem().to_owned(),
            ));
        }
        Cli { data, keys, env }
    }

    fn run(&self, args: &[&str]) -> Output {
        let mut c = Command::new(cli());
        for var in std::env::vars().map(|(k, _)| k) {
            if var.starts_with("DAOZHANG_") {
                c.env_remove(var);
            }
        }
        c.args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("DAOZHANG_DATA_DIR", self.data.path())
            .env("NO_COLOR", "1")
            .env("LANG", "en_US.UTF-8")
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null());
        c.output().expect("the daozhang CLI runs")
    }

    /// Every file under the data dir, as bytes (the SQLite file included).
    fn data_files(&self) -> Vec<(PathBuf, Vec<u8>)> {
        fn walk(dir: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) {
            for e in std::fs::read_dir(dir).unwrap() {
                let path = e.unwrap().path();
                if path.is_dir() {
                    walk(&path, out);
                } else {
                    let bytes = std::fs::read(&path).unwrap();
                    out.push((path, bytes));
                }
            }
        }
        let mut out = Vec::new();
        walk(self.data.path(), &mut out);
        out
    }
}

fn check_args() -> Vec<String> {
    vec![
        "check".into(),
        example_path("douyin-dou-plus-alipay.toml")
            .to_string_lossy()
            .into_owned(),
        "--save".into(),
        "--now".into(),
        "2026-11-21 16:30".into(),
        "--json".into(),
    ]
}

fn api_progress(report: &Value) -> &Value {
    report["sources"]
        .as_array()
        .expect("the report lists its sources")
        .iter()
        .find(|s| s["source"] == "api:alipay")
        .expect("api:alipay is among the sources")
}

/// Asserts that nothing the run left behind or printed holds the key.
fn assert_nothing_leaked(cli: &Cli, out: &Output, chunks: &HashSet<Vec<u8>>, what: &str) {
    assert_no_key(&format!("{what}: stdout"), &out.stdout, chunks);
    assert_no_key(&format!("{what}: stderr"), &out.stderr, chunks);
    let files = cli.data_files();
    assert!(
        files
            .iter()
            .any(|(p, _)| p.extension().is_some_and(|e| e == "sqlite3")),
        "{what}: --save wrote the case file: {:?}",
        files.iter().map(|(p, _)| p).collect::<Vec<_>>()
    );
    for (path, bytes) in &files {
        assert_no_key(&format!("{what}: {}", path.display()), bytes, chunks);
    }
}

#[test]
fn the_cli_check_asks_alipay_and_never_leaks_the_private_key() {
    let fake = FakeAlipay::start();
    fake.add_order(alipay_order("TRADE_SUCCESS", true));
    let chunks = key_chunks(fake.app_private_key_pem());
    let args = check_args();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();

    // A normal run, the key read from a file.
    let cli = Cli::alipay(&fake, true);
    let out = cli.run(&args);
    assert!(
        out.status.success(),
        "check exits 0: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("--json prints one object");
    let bank = report["timeline"]["stages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["stage"] == "bank_processing")
        .expect("a bank_processing stage");
    assert_eq!(
        bank["state"], "done",
        "Alipay says the payment went through"
    );
    assert_eq!(
        bank["at"], "2026-11-21T15:15:12+08:00",
        "the stage is dated by Alipay's send_pay_date, in Beijing time"
    );
    assert_eq!(
        bank["via"], "api",
        "the stage rests on the live answer, preferred over the imported bill row"
    );
    assert_eq!(
        report["diagnosis"]["broken_link"], "callback",
        "paid at Alipay, 支付失败 at DOU+ an hour later: the platform missed the payment notification"
    );
    assert_eq!(api_progress(&report)["status"], "done");
    let requests = fake.requests();
    assert_eq!(requests.len(), 1);
    assert!(
        requests[0].signature_valid,
        "the CLI signed with the key from DAOZHANG_ALIPAY_PRIVATE_KEY_FILE"
    );
    assert_nothing_leaked(&cli, &out, &chunks, "normal run");
    assert!(
        cli.keys.path().exists(),
        "the key file stays where the user put it"
    );

    // `creds show` tells where each field came from, never the secret.
    let show = cli.run(&["creds", "show", "alipay", "--json"]);
    assert!(
        show.status.success(),
        "creds show exits 0: {}",
        String::from_utf8_lossy(&show.stderr)
    );
    assert_no_key("creds show --json: stdout", &show.stdout, &chunks);
    assert_no_key("creds show --json: stderr", &show.stderr, &chunks);
    let view: Value = serde_json::from_slice(&show.stdout).expect("creds show --json is JSON");
    let field = |k: &str| {
        view["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["key"] == k)
            .unwrap_or_else(|| panic!("field {k}"))
            .clone()
    };
    let key = field("private_key");
    assert_eq!(key["has_value"], true, "the key is set…");
    assert_eq!(key["value"], Value::Null, "…and never shown back");
    assert_eq!(key["from_env"], true, "it came from the environment");
    assert_eq!(
        field("app_id")["value"],
        fake.app_id(),
        "a plain field is shown"
    );
    assert_eq!(view["ready"], true);
    assert_eq!(view["origin"], "environment");

    // A forged answer: kept as raw for the user, still without the key.
    fake.set(AlipayScenario::BadSignature);
    let cli = Cli::alipay(&fake, false);
    let out = cli.run(&args);
    assert!(
        out.status.success(),
        "a failing source does not fail the check: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("--json prints one object");
    let p = api_progress(&report);
    assert_eq!(p["status"], "failed", "{p}");
    assert!(
        p["raw"]
            .as_str()
            .is_some_and(|r| r.contains("alipay_trade_query_response")),
        "the forged answer is kept for the user: {p}"
    );
    assert_nothing_leaked(&cli, &out, &chunks, "bad-signature run");
}

#[test]
fn the_cli_check_of_the_live_stream_example_asks_wechat_pay() {
    let fake = FakeWechatPay::start();
    fake.add_order(wechat_order("SUCCESS", true));
    let chunks = key_chunks(fake.merchant_private_key_pem());
    let keys = tempfile::tempdir().unwrap();
    let key_file = keys.path().join("apiclient_key.pem");
    std::fs::write(&key_file, fake.merchant_private_key_pem()).unwrap();
    let cli = Cli {
        data: tempfile::tempdir().unwrap(),
        keys,
        env: vec![
            ("DAOZHANG_WECHAT_PAY_MCHID".into(), fake.mchid().to_owned()),
            (
                "DAOZHANG_WECHAT_PAY_MERCHANT_SERIAL".into(),
                fake.merchant_serial().to_owned(),
            ),
            (
                "DAOZHANG_WECHAT_PAY_PRIVATE_KEY_FILE".into(),
                key_file.to_string_lossy().into_owned(),
            ),
            (
                "DAOZHANG_WECHAT_PAY_PLATFORM_PUBLIC_KEY".into(),
                fake.platform_public_key_pem().to_owned(),
            ),
            (
                "DAOZHANG_WECHAT_PAY_PLATFORM_KEY_ID".into(),
                fake.platform_key_id(),
            ),
            ("DAOZHANG_WECHAT_PAY_BASE_URL".into(), fake.base_url()),
            ("DAOZHANG_HTTP_ATTEMPTS".into(), "1".into()),
            (
                "DAOZHANG_KEYRING_SERVICE".into(),
                format!("daozhang-sources-test-{}", std::process::id()),
            ),
        ],
    };
    let example = example_path("live-stream-wechat.toml");
    let out = cli.run(&[
        "check",
        &example.to_string_lossy(),
        "--save",
        "--now",
        "2026-11-21 20:40",
        "--json",
    ]);
    assert!(
        out.status.success(),
        "check exits 0: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("--json prints one object");
    let bank = report["timeline"]["stages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["stage"] == "bank_processing")
        .expect("a bank_processing stage");
    assert_eq!(bank["state"], "done", "WeChat Pay says SUCCESS");
    assert_eq!(
        bank["at"]
            .as_str()
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok()),
        chrono::DateTime::parse_from_rfc3339(WECHAT_PAID_AT).ok(),
        "the stage is dated by WeChat Pay's success_time, not the user's 20:05:30"
    );
    assert_eq!(bank["via"], "api", "the live answer is the stage's word");
    assert_eq!(
        report["diagnosis"]["broken_link"], "callback",
        "paid at 20:05, still 处理中 35 minutes later: the notification did not land"
    );
    let requests = fake.requests();
    assert!(
        !requests.is_empty() && requests.iter().all(|r| r.signature_valid),
        "every request carried a valid WECHATPAY2-SHA256-RSA2048 signature"
    );
    assert!(
        requests[0]
            .target
            .contains("/v3/pay/transactions/id/4200002345202611214567890123"),
        "asked by the payment's transaction_id: {}",
        requests[0].target
    );
    assert_nothing_leaked(&cli, &out, &chunks, "wechat run");
}

const CAPTURE_CHILD: &str = "DAOZHANG_SOURCES_CAPTURE_CHILD";

/// The child half of `credential_variables_are_not_passed_on`.
#[test]
#[ignore = "run in a child process by credential_variables_are_not_passed_on"]
fn capture_child_keeps_the_keys_to_itself() {
    if std::env::var(CAPTURE_CHILD).is_err() {
        return;
    }
    // SAFETY: this child runs one test; nothing else reads the environment.
    unsafe { daozhang::sources::capture_credential_env() };
    assert!(
        std::env::var("DAOZHANG_ALIPAY_APP_ID").is_err(),
        "the variable is gone from the process environment"
    );
    assert_eq!(
        std::env::var("DAOZHANG_KEYRING_SERVICE").ok().as_deref(),
        Some("daozhang-capture-test"),
        "only credential variables are taken"
    );
    let p = provider("alipay").unwrap();
    let env = creds::from_env(p.id(), p.fields()).unwrap();
    assert_eq!(env.text("app_id"), Some("2021000000000042"), "still read");
    let out = Command::new("env").output().expect("env runs");
    let seen = String::from_utf8_lossy(&out.stdout);
    assert!(
        !seen.contains("2021000000000042") && !seen.contains("DAOZHANG_ALIPAY"),
        "a program started afterwards does not inherit it:\n{seen}"
    );
}

#[test]
fn credential_variables_are_not_passed_on() {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args([
        "--ignored",
        "--exact",
        "capture_child_keeps_the_keys_to_itself",
        "--test-threads=1",
        "--nocapture",
    ]);
    cmd.env(CAPTURE_CHILD, "1")
        .env("DAOZHANG_ALIPAY_APP_ID", "2021000000000042")
        .env("DAOZHANG_KEYRING_SERVICE", "daozhang-capture-test");
    let out = cmd.output().expect("the test binary runs itself");
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "the child's checks failed:\n{text}");
    assert!(
        text.contains("1 passed"),
        "the child test really ran:\n{text}"
    );
}
