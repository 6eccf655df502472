//! Stripe, PayPal, epay (V1 and V2), dujiaoka and the merchant profile
//! against loopback fakes that speak their real protocols
//! (shared/reference/providers.md §3–5): every status word, an unknown
//! order, refused credentials, a malformed answer, an answer about another
//! order or amount, a server error then success. The fakes check our
//! credentials (Bearer, Basic then Bearer, pid + key, RSA signatures) and
//! record their verdict; the V2 fake signs its answers.

use std::sync::atomic::AtomicBool;
use std::time::Duration;

use chrono::{DateTime, FixedOffset};
use daozhang::domain::case::{Case, parse_case_toml};
use daozhang::domain::observation::{Claim, Observation, SourceKind};
use daozhang::sources::creds::Credentials;
use daozhang::sources::error::SourceError;
use daozhang::sources::http::{Http, Policy};
use daozhang::sources::secret::Secret;
use daozhang::sources::{self, Ctx, Provider, SourceStatus};
use daozhang_tests::fakes::dujiaoka::{self as dj, FakeDujiaoka};
use daozhang_tests::fakes::epay::{self as ep, FakeEpay};
use daozhang_tests::fakes::http::{HttpServer, Response};
use daozhang_tests::fakes::paypal::{self as pp, FakePaypal};
use daozhang_tests::fakes::stripe::{self as st, FakeStripe};
use daozhang_tests::memstore::MemStore;
use serde_json::json;

// ---------------------------------------------------------------- helpers

fn creds(pairs: &[(&str, &str)]) -> Credentials {
    let mut c = Credentials::new();
    for (k, v) in pairs {
        c.set(k, Secret::new(*v));
    }
    c
}

/// Fast retries, so server-error scenarios take milliseconds.
fn http() -> Http {
    Http::new(Policy {
        connect_timeout: Duration::from_secs(2),
        timeout: Duration::from_secs(5),
        attempts: 3,
        backoff: Duration::from_millis(10),
        max_wait: Duration::from_secs(1),
    })
    .unwrap()
}

fn ask(p: &dyn Provider, c: &Credentials, case: &Case) -> Result<Vec<Observation>, SourceError> {
    let http = http();
    let cancel = AtomicBool::new(false);
    let ctx = Ctx {
        http: &http,
        cancel: &cancel,
        now: case.submitted_at,
    };
    p.query(&ctx, c, case)
}

fn test_connection(p: &dyn Provider, c: &Credentials) -> Result<String, SourceError> {
    let http = http();
    let cancel = AtomicBool::new(false);
    let ctx = Ctx {
        http: &http,
        cancel: &cancel,
        now: chrono::Utc::now().fixed_offset(),
    };
    p.test_connection(&ctx, c).map(|b| b.en)
}

fn case(text: &str) -> Case {
    parse_case_toml(text).unwrap_or_else(|e| panic!("test case: {e:?}\n{text}"))
}

fn claims(obs: &[Observation]) -> Vec<Claim> {
    obs.iter().map(|o| o.claim).collect()
}

fn at(s: &str) -> Option<DateTime<FixedOffset>> {
    Some(DateTime::parse_from_rfc3339(s).unwrap())
}

fn untrusted(r: Result<Vec<Observation>, SourceError>, why: &str) -> String {
    match r {
        Err(e @ SourceError::Untrusted { .. }) => e.raw().unwrap_or_default().to_owned(),
        other => panic!("{why}: expected an untrusted answer, got {other:?}"),
    }
}

// ---------------------------------------------------------------- Stripe

fn stripe_creds(f: &FakeStripe) -> Credentials {
    creds(&[("secret_key", f.secret_key()), ("base_url", &f.base_url())])
}

fn stripe_case(payment: Option<&str>) -> Case {
    let mut t = String::from(
        "platform = \"stripe_site\"\nplatform_name = \"Example Games\"\norder_id = \"EG-10042\"\namount = \"20.00\"\ncurrency = \"USD\"\nmethod = \"credit_card\"\nsubmitted_at = \"2026-11-21T07:14:00Z\"\n",
    );
    if let Some(p) = payment {
        t.push_str(&format!(
            "[[payment]]\nid = \"{p}\"\nprovider = \"stripe\"\n"
        ));
    }
    case(&t)
}

const T0: i64 = 1_795_245_240; // 2026-11-21T07:14:00Z

fn intent(id: &str, status: &str) -> st::Intent {
    st::Intent {
        id: id.into(),
        amount: 2000,
        currency: "usd".into(),
        status: status.into(),
        created: T0,
        order_id: Some("EG-10042".into()),
        ..Default::default()
    }
}

#[test]
fn stripe_each_status_of_a_payment_intent() {
    let f = FakeStripe::start();
    let mut failed = intent("pi_3QfailedAAAAAAAAAA", "requires_payment_method");
    failed.last_payment_error = Some(("card_declined".into(), "Your card was declined.".into()));
    failed.charge_created = Some(T0 + 30);
    let mut paid = intent("pi_3QpaidAAAAAAAAAAAA", "succeeded");
    paid.charge_created = Some(T0 + 72);
    paid.pending_webhooks = Some(0);
    let mut canceled = intent("pi_3QcanceledAAAAAAAA", "canceled");
    canceled.canceled_at = Some(T0 + 3600);
    for i in [
        intent("pi_3QunpaidAAAAAAAAAA", "requires_payment_method"),
        intent("pi_3QconfirmAAAAAAAAA", "requires_confirmation"),
        intent("pi_3QactionAAAAAAAAAA", "requires_action"),
        intent("pi_3QprocessAAAAAAAAA", "processing"),
        intent("pi_3QcaptureAAAAAAAAA", "requires_capture"),
        failed,
        paid,
        canceled,
    ] {
        f.add_intent(i);
    }
    let expect = [
        ("pi_3QunpaidAAAAAAAAAA", Claim::Unpaid),
        ("pi_3QconfirmAAAAAAAAA", Claim::Unpaid),
        ("pi_3QactionAAAAAAAAAA", Claim::Processing),
        ("pi_3QprocessAAAAAAAAA", Claim::Processing),
        ("pi_3QcaptureAAAAAAAAA", Claim::Processing),
        ("pi_3QfailedAAAAAAAAAA", Claim::Failed),
        ("pi_3QcanceledAAAAAAAA", Claim::Closed),
    ];
    for (id, claim) in expect {
        let obs = ask(
            &sources::stripe::Stripe,
            &stripe_creds(&f),
            &stripe_case(Some(id)),
        )
        .unwrap();
        assert_eq!(claims(&obs), [claim], "{id}: {obs:?}");
        assert_eq!(obs[0].source, SourceKind::Stripe);
        assert_eq!(obs[0].payment_id.as_deref(), Some(id));
        assert_eq!(
            obs[0].amount,
            Some(rust_decimal::Decimal::new(2000, 2)),
            "minor units"
        );
    }
    let failed = ask(
        &sources::stripe::Stripe,
        &stripe_creds(&f),
        &stripe_case(Some("pi_3QfailedAAAAAAAAAA")),
    )
    .unwrap();
    assert!(
        failed[0].raw.contains("Your card was declined."),
        "the decline message is the failure's words: {failed:?}"
    );
    assert!(failed[0].note.as_deref().unwrap().contains("card_declined"));
    let canceled = ask(
        &sources::stripe::Stripe,
        &stripe_creds(&f),
        &stripe_case(Some("pi_3QcanceledAAAAAAAA")),
    )
    .unwrap();
    assert_eq!(
        canceled[0].at,
        at("2026-11-21T08:14:00Z"),
        "closed at canceled_at"
    );

    let paid = ask(
        &sources::stripe::Stripe,
        &stripe_creds(&f),
        &stripe_case(Some("pi_3QpaidAAAAAAAAAAAA")),
    )
    .unwrap();
    assert_eq!(claims(&paid), [Claim::Paid, Claim::CallbackDelivered]);
    assert_eq!(
        paid[0].at,
        at("2026-11-21T07:15:12Z"),
        "paid at the charge's time (expanded latest_charge), not the intent's creation"
    );
    assert!(
        f.requests().iter().all(|r| r.signature_valid),
        "every request carried the secret key as Bearer"
    );
}

#[test]
fn stripe_finds_the_intent_by_order_number_and_pages_events_for_the_callback() {
    let f = FakeStripe::start();
    let mut paid = intent("pi_3QpendingWebhookAA", "succeeded");
    paid.charge_created = Some(T0 + 72);
    paid.pending_webhooks = Some(2);
    paid.refunds = vec![
        st::Refund {
            id: "re_3Qok".into(),
            amount: 500,
            status: "succeeded".into(),
            created: T0 + 86_400,
            failure_reason: None,
        },
        st::Refund {
            id: "re_3Qwait".into(),
            amount: 500,
            status: "pending".into(),
            created: T0 + 90_000,
            failure_reason: None,
        },
        st::Refund {
            id: "re_3Qbad".into(),
            amount: 1000,
            status: "failed".into(),
            created: T0 + 90_000,
            failure_reason: Some("expired_or_canceled_card".into()),
        },
    ];
    f.add_intent(paid);
    f.add_noise_events(150);
    let obs = ask(
        &sources::stripe::Stripe,
        &stripe_creds(&f),
        &stripe_case(None),
    )
    .unwrap();
    assert_eq!(
        claims(&obs),
        [
            Claim::Paid,
            Claim::CallbackPending,
            Claim::Refunded,
            Claim::RefundPending,
            Claim::Unknown
        ],
        "{obs:?}"
    );
    assert_eq!(obs[1].raw, "pending_webhooks=2");
    assert_eq!(obs[2].amount, Some(rust_decimal::Decimal::new(500, 2)));
    assert!(
        obs[4].raw.contains("expired_or_canceled_card"),
        "{:?}",
        obs[4]
    );
    let events: Vec<_> = f
        .requests()
        .into_iter()
        .filter(|r| r.path() == "/v1/events")
        .collect();
    assert_eq!(
        events.len(),
        2,
        "150 newer events of other intents: the intent's event is on page 2"
    );
    assert!(
        events[1].target.contains("starting_after=evt_noise"),
        "{events:?}"
    );
    assert!(
        f.requests()[0]
            .target
            .contains("metadata%5B%27order_id%27%5D"),
        "searched by the order number in metadata: {}",
        f.requests()[0].target
    );
}

#[test]
fn stripe_gives_up_paging_after_a_few_pages() {
    let f = FakeStripe::start();
    let mut paid = intent("pi_3QoldEventAAAAAAAA", "succeeded");
    paid.pending_webhooks = Some(1);
    f.add_intent(paid);
    f.add_noise_events(450);
    let obs = ask(
        &sources::stripe::Stripe,
        &stripe_creds(&f),
        &stripe_case(Some("pi_3QoldEventAAAAAAAA")),
    )
    .unwrap();
    assert_eq!(
        claims(&obs),
        [Claim::Paid],
        "no callback word rather than a guess"
    );
    let pages = f
        .requests()
        .iter()
        .filter(|r| r.path() == "/v1/events")
        .count();
    assert_eq!(pages, sources::stripe::MAX_EVENT_PAGES);
}

#[test]
fn stripe_not_found_auth_malformed_other_and_retry() {
    let f = FakeStripe::start();
    f.add_intent(intent("pi_3QknownAAAAAAAAAAA", "requires_payment_method"));
    let c = stripe_creds(&f);
    let s = &sources::stripe::Stripe;

    let obs = ask(s, &c, &stripe_case(Some("pi_3QunknownAAAAAAAAA"))).unwrap();
    assert_eq!(claims(&obs), [Claim::NotFound], "404 resource_missing");
    f.set(st::Scenario::NotFound);
    let obs = ask(s, &c, &stripe_case(None)).unwrap();
    assert_eq!(claims(&obs), [Claim::NotFound], "an empty search");
    f.set(st::Scenario::Normal);

    let wrong = creds(&[
        ("secret_key", "sk_test_wrongwrongwrong"),
        ("base_url", &f.base_url()),
    ]);
    let e = ask(s, &wrong, &stripe_case(Some("pi_3QknownAAAAAAAAAAA"))).unwrap_err();
    assert!(matches!(e, SourceError::Auth { .. }), "{e:?}");
    assert!(!e.to_string().contains("sk_test_wrongwrongwrong"), "{e}");
    f.set(st::Scenario::AuthFailure);
    let e = ask(s, &c, &stripe_case(Some("pi_3QknownAAAAAAAAAAA"))).unwrap_err();
    assert!(matches!(e, SourceError::Auth { .. }), "{e:?}");

    f.set(st::Scenario::Malformed);
    untrusted(
        ask(s, &c, &stripe_case(Some("pi_3QknownAAAAAAAAAAA"))),
        "cut body",
    );
    f.set(st::Scenario::WrongAmount);
    let raw = untrusted(
        ask(s, &c, &stripe_case(Some("pi_3QknownAAAAAAAAAAA"))),
        "amount",
    );
    assert!(
        raw.contains("2100"),
        "the answer is kept for the user: {raw}"
    );
    f.set(st::Scenario::OtherOrder);
    untrusted(
        ask(s, &c, &stripe_case(Some("pi_3QknownAAAAAAAAAAA"))),
        "other intent",
    );
    untrusted(ask(s, &c, &stripe_case(None)), "other order in metadata");

    f.set(st::Scenario::ServerErrorThen(2));
    let before = f.requests().len();
    let obs = ask(s, &c, &stripe_case(Some("pi_3QknownAAAAAAAAAAA"))).unwrap();
    assert_eq!(claims(&obs), [Claim::Unpaid]);
    assert_eq!(f.requests().len() - before, 3, "two 500s, then the answer");
    f.set(st::Scenario::ServerErrorThen(5));
    let e = ask(s, &c, &stripe_case(Some("pi_3QknownAAAAAAAAAAA"))).unwrap_err();
    assert!(matches!(e, SourceError::Http { status: 500, .. }), "{e:?}");
}

#[test]
fn stripe_restricted_key_without_events_still_says_paid() {
    let f = FakeStripe::start();
    let mut paid = intent("pi_3QrestrictedAAAAAA", "succeeded");
    paid.pending_webhooks = Some(0);
    f.add_intent(paid);
    f.set(st::Scenario::EventsForbidden);
    let obs = ask(
        &sources::stripe::Stripe,
        &stripe_creds(&f),
        &stripe_case(Some("pi_3QrestrictedAAAAAA")),
    )
    .unwrap();
    assert_eq!(claims(&obs), [Claim::Paid, Claim::Unknown, Claim::Unknown]);
    assert!(obs[1].raw.contains("permission denied"), "{obs:?}");
    f.set(st::Scenario::Normal);
    let ok = test_connection(&sources::stripe::Stripe, &stripe_creds(&f)).unwrap();
    assert!(ok.contains("test mode"), "{ok}");
}

// ---------------------------------------------------------------- PayPal

fn paypal_creds(f: &FakePaypal) -> Credentials {
    creds(&[
        ("client_id", f.client_id()),
        ("client_secret", f.client_secret()),
        ("base_url", &f.base_url()),
    ])
}

fn paypal_case(ids: &[&str]) -> Case {
    let mut t = String::from(
        "platform = \"paypal_site\"\nplatform_name = \"Example Store\"\norder_id = \"ES-777\"\namount = \"20.00\"\ncurrency = \"USD\"\nmethod = \"paypal\"\nsubmitted_at = \"2026-11-21T07:14:00Z\"\n",
    );
    for id in ids {
        t.push_str(&format!(
            "[[payment]]\nid = \"{id}\"\nprovider = \"paypal\"\n"
        ));
    }
    case(&t)
}

fn pp_order(id: &str, status: &str, captures: &[(&str, &str)]) -> pp::Order {
    pp::Order {
        id: id.into(),
        status: status.into(),
        amount: "20.00".into(),
        currency: "USD".into(),
        create_time: "2026-11-21T07:14:10Z".into(),
        captures: captures
            .iter()
            .map(|(cid, cs)| pp::Capture {
                id: (*cid).into(),
                status: (*cs).into(),
                reason: (*cs == "PENDING").then(|| "PENDING_REVIEW".into()),
                amount: "20.00".into(),
                create_time: "2026-11-21T07:15:12Z".into(),
                update_time: "2026-11-22T09:00:00Z".into(),
            })
            .collect(),
        refunds: Vec::new(),
    }
}

#[test]
fn paypal_each_order_and_capture_status() {
    let f = FakePaypal::start();
    let cases = [
        ("1AAAAAAAAAAAAAAA1", "CREATED", None, vec![Claim::Unpaid]),
        (
            "1AAAAAAAAAAAAAAA2",
            "APPROVED",
            None,
            vec![Claim::Processing],
        ),
        (
            "1AAAAAAAAAAAAAAA3",
            "PAYER_ACTION_REQUIRED",
            None,
            vec![Claim::Processing],
        ),
        ("1AAAAAAAAAAAAAAA4", "VOIDED", None, vec![Claim::Closed]),
        (
            "1AAAAAAAAAAAAAAA5",
            "COMPLETED",
            Some("COMPLETED"),
            vec![Claim::Paid],
        ),
        (
            "1AAAAAAAAAAAAAAA6",
            "COMPLETED",
            Some("PENDING"),
            vec![Claim::Processing],
        ),
        (
            "1AAAAAAAAAAAAAAA7",
            "COMPLETED",
            Some("DECLINED"),
            vec![Claim::Failed],
        ),
        (
            "1AAAAAAAAAAAAAAA8",
            "COMPLETED",
            Some("FAILED"),
            vec![Claim::Failed],
        ),
        (
            "1AAAAAAAAAAAAAAA9",
            "COMPLETED",
            Some("REFUNDED"),
            vec![Claim::Paid, Claim::Refunded],
        ),
        (
            "1AAAAAAAAAAAAAAB1",
            "COMPLETED",
            Some("PARTIALLY_REFUNDED"),
            vec![Claim::Paid, Claim::Refunded],
        ),
    ];
    for (i, (id, status, capture, _)) in cases.iter().enumerate() {
        let cid = format!("9CAPTURE{i:09}");
        let caps: Vec<(&str, &str)> = capture.iter().map(|c| (cid.as_str(), *c)).collect();
        let mut o = pp_order(id, status, &caps);
        if *capture == Some("PARTIALLY_REFUNDED") {
            o.refunds = vec![pp::Refund {
                id: "1REFUND0000000001".into(),
                status: "COMPLETED".into(),
                amount: "5.00".into(),
                create_time: "2026-11-22T09:00:00Z".into(),
            }];
        }
        f.add_order(o);
    }
    for (id, _, _, expect) in &cases {
        let obs = ask(
            &sources::paypal::Paypal,
            &paypal_creds(&f),
            &paypal_case(&[id]),
        )
        .unwrap();
        assert_eq!(&claims(&obs), expect, "{id}: {obs:?}");
        assert!(obs.iter().all(|o| o.source == SourceKind::Paypal));
    }
    let paid = ask(
        &sources::paypal::Paypal,
        &paypal_creds(&f),
        &paypal_case(&["1AAAAAAAAAAAAAAA5"]),
    )
    .unwrap();
    assert_eq!(
        paid[0].at,
        at("2026-11-21T07:15:12Z"),
        "paid at the capture's create_time"
    );
    let pending = ask(
        &sources::paypal::Paypal,
        &paypal_creds(&f),
        &paypal_case(&["1AAAAAAAAAAAAAAA6"]),
    )
    .unwrap();
    assert!(pending[0].raw.contains("PENDING_REVIEW"), "{pending:?}");
    let partial = ask(
        &sources::paypal::Paypal,
        &paypal_creds(&f),
        &paypal_case(&["1AAAAAAAAAAAAAAB1"]),
    )
    .unwrap();
    assert_eq!(
        partial[1].amount,
        Some(rust_decimal::Decimal::new(500, 2)),
        "{partial:?}"
    );

    // A receipt's transaction ID is a capture: asked as one after the order 404s.
    let obs = ask(
        &sources::paypal::Paypal,
        &paypal_creds(&f),
        &paypal_case(&["9CAPTURE000000004"]),
    )
    .unwrap();
    assert_eq!(claims(&obs), [Claim::Paid], "{obs:?}");
    let r = f.requests();
    let last: Vec<&str> = r.iter().rev().take(2).map(|r| r.path()).collect();
    assert_eq!(
        last,
        [
            "/v2/payments/captures/9CAPTURE000000004",
            "/v2/checkout/orders/9CAPTURE000000004"
        ]
    );
    assert!(
        r.iter().all(|r| r.signature_valid),
        "Basic auth for the token, the issued Bearer token after"
    );
}

#[test]
fn paypal_asks_for_one_token_per_query() {
    let f = FakePaypal::start();
    f.add_order(pp_order(
        "2AAAAAAAAAAAAAAA1",
        "COMPLETED",
        &[("2CAP0000000000001", "COMPLETED")],
    ));
    f.add_order(pp_order("2AAAAAAAAAAAAAAA2", "CREATED", &[]));
    let two = paypal_case(&["2AAAAAAAAAAAAAAA1", "2AAAAAAAAAAAAAAA2"]);
    let obs = ask(&sources::paypal::Paypal, &paypal_creds(&f), &two).unwrap();
    assert_eq!(claims(&obs), [Claim::Paid, Claim::Unpaid]);
    assert_eq!(f.token_requests(), 1, "one token for the whole query");
    ask(&sources::paypal::Paypal, &paypal_creds(&f), &two).unwrap();
    assert_eq!(f.token_requests(), 2, "and none kept past it");
    let token = &f.requests()[0];
    assert_eq!(token.path(), "/v1/oauth2/token");
    assert_eq!(token.body, "grant_type=client_credentials");
}

#[test]
fn paypal_not_found_auth_malformed_other_and_retry() {
    let f = FakePaypal::start();
    f.add_order(pp_order(
        "3AAAAAAAAAAAAAAA1",
        "COMPLETED",
        &[("3CAP0000000000001", "COMPLETED")],
    ));
    let c = paypal_creds(&f);
    let p = &sources::paypal::Paypal;
    let known = paypal_case(&["3AAAAAAAAAAAAAAA1"]);

    let obs = ask(p, &c, &paypal_case(&["3ZZZZZZZZZZZZZZZ1"])).unwrap();
    assert_eq!(
        claims(&obs),
        [Claim::NotFound],
        "neither an order nor a capture"
    );

    f.set(pp::Scenario::AuthFailure);
    let e = ask(p, &c, &known).unwrap_err();
    assert!(
        matches!(e, SourceError::Auth { ref code, .. } if code == "invalid_client"),
        "{e:?}"
    );
    assert!(!e.to_string().contains(f.client_secret()), "{e}");
    f.set(pp::Scenario::TokenRejected);
    let e = ask(p, &c, &known).unwrap_err();
    assert!(
        matches!(e, SourceError::Auth { ref code, .. } if code == "invalid_token"),
        "{e:?}"
    );

    f.set(pp::Scenario::Malformed);
    untrusted(ask(p, &c, &known), "cut body");
    f.set(pp::Scenario::WrongAmount);
    untrusted(ask(p, &c, &known), "amount");
    f.set(pp::Scenario::OtherOrder);
    untrusted(ask(p, &c, &known), "another order");

    f.set(pp::Scenario::ServerErrorThen(2));
    let obs = ask(p, &c, &known).unwrap();
    assert_eq!(claims(&obs), [Claim::Paid]);

    f.set(pp::Scenario::Normal);
    let ok = test_connection(p, &c).unwrap();
    assert!(ok.contains("APP-80W284485P519543T"), "{ok}");
}

#[test]
fn paypal_is_not_asked_without_a_paypal_id() {
    let none = case(
        "platform = \"paypal_site\"\norder_id = \"ES-777\"\namount = \"20.00\"\ncurrency = \"USD\"\nmethod = \"paypal\"\nsubmitted_at = \"2026-11-21T07:14:00Z\"\n",
    );
    assert!(
        !sources::paypal::Paypal.concerns(&none),
        "PayPal cannot be searched by a shop's order number; asking would only say 'not found'"
    );
    assert!(sources::paypal::Paypal.concerns(&paypal_case(&["5O190127TN364715T"])));
}

// ---------------------------------------------------------------- epay

/// examples/card-shop-epay.toml, without its observations.
const CARD_SHOP: &str = r#"
platform = "card_shop"
platform_name = "某某发卡网"
order_id = "K7M2Q9XW4T8B1N5D"
amount = "50.00"
method = "alipay"
submitted_at = "2026-11-21 10:30"
"#;

fn card_shop(with_epay_payment: bool) -> Case {
    let mut t = CARD_SHOP.to_owned();
    if with_epay_payment {
        t.push_str("[[payment]]\nid = \"2026112110305512345\"\nprovider = \"epay\"\n");
    }
    case(&t)
}

fn epay_order(status: u8) -> ep::Order {
    ep::Order {
        trade_no: "2026112110305512345".into(),
        out_trade_no: "K7M2Q9XW4T8B1N5D".into(),
        money: "50.00".into(),
        status,
        kind: "alipay".into(),
        addtime: "2026-11-21 10:30:55".into(),
        endtime: if status == 1 {
            "2026-11-21 10:31:05".into()
        } else {
            "2026-11-21 10:30:55".into()
        },
        api_trade_no: Some("2026112122001467891234560789".into()),
    }
}

fn epay_v1(f: &FakeEpay) -> Credentials {
    creds(&[
        ("base_url", &f.base_url()),
        ("pid", f.pid()),
        ("key", f.key()),
    ])
}

fn epay_v2(f: &FakeEpay) -> Credentials {
    creds(&[
        ("base_url", &f.base_url()),
        ("pid", f.pid()),
        ("protocol", "v2"),
        ("private_key", f.merchant_private_key_pem()),
        ("platform_public_key", f.platform_public_key_pem()),
    ])
}

#[test]
fn epay_v1_paid_and_unpaid_with_loose_types() {
    let f = FakeEpay::start();
    f.add_order(epay_order(1));
    let e = &sources::epay::Epay;
    for strings in [false, true] {
        f.set_string_typed(strings);
        let obs = ask(e, &epay_v1(&f), &card_shop(true)).unwrap();
        assert_eq!(claims(&obs), [Claim::Paid], "strings={strings}: {obs:?}");
        assert_eq!(
            obs[0].at,
            at("2026-11-21T10:31:05+08:00"),
            "endtime is Beijing time"
        );
        assert_eq!(obs[0].amount, Some(rust_decimal::Decimal::new(5000, 2)));
        assert_eq!(obs[0].payment_id.as_deref(), Some("2026112110305512345"));
        assert!(
            obs[0]
                .note
                .as_deref()
                .unwrap()
                .contains("2026112122001467891234560789")
        );
    }
    let asked = f.requests().last().unwrap().target.clone();
    assert!(asked.contains("trade_no=2026112110305512345"), "{asked}");
    assert!(
        f.requests().iter().all(|r| r.accepted()),
        "pid and key accepted"
    );

    let g = FakeEpay::start();
    g.add_order(epay_order(0));
    let obs = ask(e, &epay_v1(&g), &card_shop(false)).unwrap();
    assert_eq!(claims(&obs), [Claim::Unpaid]);
    assert_eq!(
        obs[0].at, None,
        "endtime of an unpaid order is only its addtime"
    );
    let asked = g.requests()[0].target.clone();
    assert!(
        asked.contains("out_trade_no=K7M2Q9XW4T8B1N5D"),
        "the shop's order_sn is epay's out_trade_no: {asked}"
    );
}

#[test]
fn epay_v1_refusals_never_show_the_key() {
    let f = FakeEpay::start();
    f.add_order(epay_order(1));
    let e = &sources::epay::Epay;
    let c = epay_v1(&f);

    f.set(ep::Scenario::NotFound);
    let obs = ask(e, &c, &card_shop(true)).unwrap();
    assert_eq!(claims(&obs), [Claim::NotFound]);
    // A gateway that echoes the request in its refusal.
    f.set(ep::Scenario::EchoKey);
    let miss = case(&CARD_SHOP.replace("K7M2Q9XW4T8B1N5D", "NOSUCHORDER00001"));
    let obs = ask(e, &c, &miss).unwrap();
    assert_eq!(claims(&obs), [Claim::NotFound]);
    assert!(
        !obs[0].raw.contains(f.key()),
        "the gateway echoed the key: {obs:?}"
    );
    assert!(obs[0].raw.contains("[redacted]"), "{obs:?}");

    f.set(ep::Scenario::Normal);
    let wrong_key = creds(&[
        ("base_url", &f.base_url()),
        ("pid", f.pid()),
        ("key", "not-the-key-at-all"),
    ]);
    let err = ask(e, &wrong_key, &card_shop(true)).unwrap_err();
    assert!(
        matches!(err, SourceError::Auth { .. }),
        "KEY校验失败: {err:?}"
    );
    assert!(!format!("{err:?}").contains("not-the-key-at-all"));
    let wrong_pid = creds(&[
        ("base_url", &f.base_url()),
        ("pid", "9999"),
        ("key", f.key()),
    ]);
    let err = ask(e, &wrong_pid, &card_shop(true)).unwrap_err();
    assert!(
        matches!(err, SourceError::Auth { .. }),
        "商户不存在: {err:?}"
    );

    f.set(ep::Scenario::ServerErrorThen(5));
    let err = ask(e, &c, &card_shop(true)).unwrap_err();
    let text = format!("{err:?} {}", err.text().zh_cn);
    assert!(
        matches!(err, SourceError::Http { status: 502, .. }),
        "{err:?}"
    );
    assert!(
        !text.contains(f.key()),
        "the URL's query (with the key) is never shown: {text}"
    );
}

#[test]
fn epay_v1_malformed_other_and_retry() {
    let f = FakeEpay::start();
    f.add_order(epay_order(1));
    let e = &sources::epay::Epay;
    let c = epay_v1(&f);
    for (s, why) in [
        (ep::Scenario::Malformed, "an HTML page"),
        (ep::Scenario::WrongAmount, "another amount"),
        (ep::Scenario::OtherOrder, "another order"),
        (ep::Scenario::OtherMerchant, "another merchant"),
    ] {
        f.set(s);
        let raw = untrusted(ask(e, &c, &card_shop(true)), why);
        assert!(!raw.contains(f.key()), "{raw}");
    }
    f.set(ep::Scenario::ServerErrorThen(2));
    let obs = ask(e, &c, &card_shop(true)).unwrap();
    assert_eq!(claims(&obs), [Claim::Paid], "two 502s, then the answer");
    f.set(ep::Scenario::Normal);
    let ok = test_connection(e, &c).unwrap();
    assert!(ok.contains("accepted the merchant ID and key"), "{ok}");
}

#[test]
fn epay_v2_signed_both_ways() {
    let f = FakeEpay::start();
    f.add_order(epay_order(1));
    let e = &sources::epay::Epay;
    let c = epay_v2(&f);
    let obs = ask(e, &c, &card_shop(true)).unwrap();
    assert_eq!(claims(&obs), [Claim::Paid], "{obs:?}");
    let r = &f.requests()[0];
    assert_eq!(r.path(), "/api/pay/query");
    assert!(
        r.signature_valid,
        "the fake verified our signature over {}",
        r.signed_text
    );
    assert!(r.accepted(), "{:?}", r.problem);
    assert!(
        r.signed_text.starts_with("pid=1001&timestamp="),
        "{}",
        r.signed_text
    );

    f.set_string_typed(true);
    assert_eq!(
        claims(&ask(e, &c, &card_shop(false)).unwrap()),
        [Claim::Paid]
    );
    f.set_string_typed(false);

    f.set(ep::Scenario::BadSignature);
    untrusted(ask(e, &c, &card_shop(true)), "signed with another key");
    f.set(ep::Scenario::StaleTimestamp);
    untrusted(ask(e, &c, &card_shop(true)), "a replayed answer");
    f.set(ep::Scenario::WrongAmount);
    untrusted(
        ask(e, &c, &card_shop(true)),
        "a signed answer for another amount",
    );
    f.set(ep::Scenario::NotFound);
    assert_eq!(
        claims(&ask(e, &c, &card_shop(true)).unwrap()),
        [Claim::NotFound],
        "a signed “no such order” is an answer"
    );
    let ok = test_connection(e, &c).unwrap();
    assert!(ok.contains("its answer verified"), "{ok}");
    f.set(ep::Scenario::UnsignedNotFound);
    let raw = untrusted(ask(e, &c, &card_shop(true)), "an unsigned “no such order”");
    assert!(raw.contains("订单号不存在"), "{raw}");
    let ok = test_connection(e, &c).unwrap();
    assert!(
        ok.contains("not signed") && !ok.contains("verified"),
        "the test says no signature was checked: {ok}"
    );
    f.set(ep::Scenario::AuthFailure);
    let err = ask(e, &c, &card_shop(true)).unwrap_err();
    assert!(
        matches!(err, SourceError::Auth { .. }),
        "签名校验失败: {err:?}"
    );
    f.set(ep::Scenario::ServerErrorThen(1));
    assert_eq!(
        claims(&ask(e, &c, &card_shop(true)).unwrap()),
        [Claim::Paid]
    );

    // A public key where the private key belongs is refused by name.
    let g = FakeEpay::start();
    g.add_order(epay_order(1));
    let mut wrong = epay_v2(&g);
    wrong.set(
        "private_key",
        Secret::new(g.platform_public_key_pem().to_owned()),
    );
    assert!(matches!(
        ask(e, &wrong, &card_shop(true)),
        Err(SourceError::BadSetting {
            field: "private_key",
            ..
        })
    ));
}

// ---------------------------------------------------------------- proxies

const PROXY_CHILD: &str = "DAOZHANG_PROXY_TEST_CHILD";

/// The child half of `a_loopback_address_never_goes_through_a_proxy`, in
/// its own process because proxies come from process-wide variables.
#[test]
#[ignore = "run in a child process by a_loopback_address_never_goes_through_a_proxy"]
fn proxy_child_asks_loopback_directly() {
    if std::env::var(PROXY_CHILD).is_err() {
        return;
    }
    let f = FakeEpay::start();
    f.add_order(epay_order(1));
    let obs = ask(&sources::epay::Epay, &epay_v1(&f), &card_shop(true)).unwrap();
    assert_eq!(claims(&obs), [Claim::Paid], "{obs:?}");
    assert_eq!(f.requests().len(), 1, "the fake was asked directly");
}

#[test]
fn a_loopback_address_never_goes_through_a_proxy() {
    // A proxy that takes the connection and never answers: a request sent
    // through it would wait out the timeout and fail.
    let proxy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let proxy_url = format!("http://{}", proxy.local_addr().unwrap());
    let mut cmd = std::process::Command::new(std::env::current_exe().unwrap());
    cmd.args([
        "--ignored",
        "--exact",
        "proxy_child_asks_loopback_directly",
        "--test-threads=1",
        "--nocapture",
    ]);
    for var in ["NO_PROXY", "no_proxy"] {
        cmd.env_remove(var);
    }
    for var in [
        "HTTP_PROXY",
        "http_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "ALL_PROXY",
        "all_proxy",
    ] {
        cmd.env(var, &proxy_url);
    }
    cmd.env(PROXY_CHILD, "1");
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
    drop(proxy);
}

// ---------------------------------------------------------------- dujiaoka

fn shop(f: &FakeDujiaoka) -> Credentials {
    creds(&[("shop_url", &f.shop_url())])
}

#[test]
fn dujiaoka_each_order_status() {
    let f = FakeDujiaoka::start();
    let table = [
        (
            "WAITPAY000000001",
            dj::WAIT_PAY,
            vec![Claim::Unpaid, Claim::Unpaid],
        ),
        (
            "PENDING000000001",
            dj::PENDING,
            vec![Claim::Paid, Claim::Processing],
        ),
        (
            "PROCESS000000001",
            dj::PROCESSING,
            vec![Claim::Paid, Claim::Processing],
        ),
        (
            "COMPLETE00000001",
            dj::COMPLETED,
            vec![Claim::Paid, Claim::Credited],
        ),
        (
            "FAILURE000000001",
            dj::FAILURE,
            vec![Claim::Paid, Claim::Failed],
        ),
        (
            "ABNORMAL00000001",
            dj::ABNORMAL,
            vec![Claim::Paid, Claim::Failed],
        ),
        (
            "EXPIRED000000001",
            dj::EXPIRED,
            vec![Claim::Closed, Claim::Closed],
        ),
    ];
    for (sn, status, _) in &table {
        f.add_order(dj::Order {
            order_sn: (*sn).into(),
            status: *status,
            title: "游戏点卡 50 元".into(),
            actual_price: "50.00".into(),
        });
    }
    for (sn, status, expect) in &table {
        let c = case(&CARD_SHOP.replace("K7M2Q9XW4T8B1N5D", sn));
        assert!(sources::dujiaoka::Dujiaoka.concerns(&c));
        let obs = ask(&sources::dujiaoka::Dujiaoka, &shop(&f), &c).unwrap();
        assert_eq!(&claims(&obs), expect, "{sn}: {obs:?}");
        assert_eq!(obs[1].raw, dj::status_words(*status));
        assert!(obs.iter().all(|o| o.source == SourceKind::Platform));
    }
    assert!(
        f.requests().iter().all(|r| r.method == "GET"),
        "GET routes only: POST search-order-by-sn needs a CSRF token"
    );
}

#[test]
fn dujiaoka_unknown_malformed_other_page_and_retry() {
    let f = FakeDujiaoka::start();
    f.add_order(dj::Order {
        order_sn: "K7M2Q9XW4T8B1N5D".into(),
        status: dj::PENDING,
        title: "游戏点卡 50 元".into(),
        actual_price: "50.00".into(),
    });
    let d = &sources::dujiaoka::Dujiaoka;
    let unknown = case(&CARD_SHOP.replace("K7M2Q9XW4T8B1N5D", "NOSUCHORDER00001"));
    let obs = ask(d, &shop(&f), &unknown).unwrap();
    assert_eq!(
        claims(&obs),
        [Claim::Closed],
        "400001, and the page says 订单不存在: {obs:?}"
    );
    assert!(obs[0].note.as_deref().unwrap().contains("does not know"));

    f.set(dj::Scenario::Malformed);
    untrusted(ask(d, &shop(&f), &card_shop(false)), "a CDN page");
    f.set(dj::Scenario::OtherOrder);
    let obs = ask(d, &shop(&f), &card_shop(false)).unwrap();
    assert_eq!(
        claims(&obs),
        [Claim::Paid],
        "a page about another order adds nothing"
    );
    f.set(dj::Scenario::DetailDown);
    let obs = ask(d, &shop(&f), &card_shop(false)).unwrap();
    assert_eq!(
        claims(&obs),
        [Claim::Paid],
        "the status answer stands without the page"
    );
    f.set(dj::Scenario::ServerErrorThen(2));
    let obs = ask(d, &shop(&f), &card_shop(false)).unwrap();
    assert_eq!(claims(&obs), [Claim::Paid, Claim::Processing]);
    f.set(dj::Scenario::Normal);
    assert!(test_connection(d, &shop(&f)).unwrap().contains("dujiaoka"));
}

#[test]
fn a_check_of_a_card_shop_case_lists_what_is_set_up() {
    let f = FakeDujiaoka::start();
    f.add_order(dj::Order {
        order_sn: "K7M2Q9XW4T8B1N5D".into(),
        status: dj::COMPLETED,
        title: "x".into(),
        actual_price: "50.00".into(),
    });
    let c = card_shop(true);
    let http = http();
    let cancel = AtomicBool::new(false);
    let run =
        |store: &MemStore| sources::check_all(&c, store, &http, c.submitted_at, &cancel, &|_| {});

    let none = run(&MemStore::default());
    let ids: Vec<&str> = none.progress.iter().map(|p| p.source.as_str()).collect();
    assert!(
        ids.contains(&"api:epay"),
        "a card shop goes through epay: {ids:?}"
    );
    assert!(ids.contains(&"api:dujiaoka"), "{ids:?}");
    assert!(
        !ids.contains(&"api:merchant"),
        "an optional profile that is not set up is not listed: {ids:?}"
    );
    let row = none
        .progress
        .iter()
        .find(|p| p.source == "api:dujiaoka")
        .unwrap();
    assert_eq!(row.status, SourceStatus::Skipped);
    assert!(
        row.detail.en.contains("shop URL"),
        "says what to set: {:?}",
        row.detail
    );

    let set = run(&MemStore::with(&[("dujiaoka", shop(&f))]));
    let row = set
        .progress
        .iter()
        .find(|p| p.source == "api:dujiaoka")
        .unwrap();
    assert_eq!(row.status, SourceStatus::Done, "{row:?}");
    assert_eq!(claims(&set.observations), [Claim::Paid, Claim::Credited]);
}

// ---------------------------------------------------------------- merchant

struct Platform {
    server: HttpServer,
    hits: std::sync::Arc<std::sync::atomic::AtomicU32>,
}

/// A platform order API: `GET /orders/{id}` with `X-Api-Key: k-123`.
fn platform(body: &'static str, fail_first: u32) -> Platform {
    let hits = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
    let h = hits.clone();
    let server = HttpServer::start(move |r| {
        let n = h.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
        if n <= fail_first {
            return Response::new(503, "text/plain", "busy");
        }
        if r.header("x-api-key") != Some("k-123") {
            return Response::new(401, "application/json", r#"{"error":"unauthorized"}"#);
        }
        let id = r.path().trim_start_matches("/orders/").to_owned();
        Response::new(200, "application/json", body.replace("{id}", &id))
    })
    .unwrap();
    Platform { server, hits }
}

fn merchant_creds(p: &Platform, key: &str) -> Credentials {
    creds(&[
        (
            "url_template",
            &format!("{}/orders/{{order_id}}", p.server.url()),
        ),
        ("auth_header", "X-Api-Key"),
        ("auth_value", key),
        ("status_pointer", "/data/status"),
        ("order_pointer", "data.order_no"),
        ("time_pointer", "/data/updated_at"),
        ("amount_pointer", "/data/amount"),
    ])
}

#[test]
fn merchant_profile_reads_the_platforms_own_answer() {
    let m = &sources::merchant::Merchant;
    let c = card_shop(false);
    for (status, claim) in [
        ("delivered", Claim::Credited),
        ("已完成", Claim::Credited),
        ("paid", Claim::Paid),
        ("processing", Claim::Processing),
        ("failed", Claim::Failed),
        ("refunded", Claim::Refunded),
        ("on_hold", Claim::Unknown),
    ] {
        let body: &'static str = Box::leak(
            json!({"data": {"order_no": "{id}", "status": status, "amount": "50.00",
                            "updated_at": "2026-11-21 10:45:00"}})
            .to_string()
            .into_boxed_str(),
        );
        let p = platform(body, 0);
        let obs = ask(m, &merchant_creds(&p, "k-123"), &c).unwrap();
        assert_eq!(claims(&obs), [claim], "{status}");
        assert_eq!(obs[0].raw, status, "the platform's own word is kept");
        assert_eq!(obs[0].source, SourceKind::Platform);
        assert_eq!(obs[0].at, at("2026-11-21T10:45:00+08:00"));
    }

    let ok =
        r#"{"data":{"order_no":"{id}","status":"delivered","amount":50,"updated_at":1763692800}}"#;
    let p = platform(ok, 0);
    let err = ask(m, &merchant_creds(&p, "wrong"), &c).unwrap_err();
    assert!(matches!(err, SourceError::Auth { .. }), "{err:?}");
    let p = platform(ok, 2);
    let obs = ask(m, &merchant_creds(&p, "k-123"), &c).unwrap();
    assert_eq!(claims(&obs), [Claim::Credited], "two 503s, then the answer");
    assert_eq!(p.hits.load(std::sync::atomic::Ordering::SeqCst), 3);

    for (body, why) in [
        ("<html>login</html>", "not JSON"),
        (
            r#"{"data":{"order_no":"{id}","amount":"50.00"}}"#,
            "no status at the pointer",
        ),
        (
            r#"{"data":{"order_no":"OTHER","status":"delivered","amount":"50.00"}}"#,
            "another order",
        ),
        (
            r#"{"data":{"order_no":"{id}","status":"delivered","amount":"51.00"}}"#,
            "another amount",
        ),
    ] {
        let p = platform(body, 0);
        untrusted(ask(m, &merchant_creds(&p, "k-123"), &c), why);
    }
}

#[test]
fn merchant_profile_is_listed_once_set_up() {
    let p = platform(
        r#"{"data":{"order_no":"{id}","status":"completed","amount":"50.00"}}"#,
        0,
    );
    let c = card_shop(false);
    let http = http();
    let cancel = AtomicBool::new(false);
    let out = sources::check_all(
        &c,
        &MemStore::with(&[("merchant", merchant_creds(&p, "k-123"))]),
        &http,
        c.submitted_at,
        &cancel,
        &|_| {},
    );
    let row = out
        .progress
        .iter()
        .find(|s| s.source == "api:merchant")
        .expect("listed once set up");
    assert_eq!(row.status, SourceStatus::Done, "{row:?}");
    assert_eq!(row.label.en, "the platform's own order API");
    assert!(
        out.observations
            .iter()
            .any(|o| o.claim == Claim::Credited && o.source == SourceKind::Platform)
    );
}
