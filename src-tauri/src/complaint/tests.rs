//! Complaint texts for the three seed scenarios, snapshot-tested, plus the
//! facts every complaint must carry.

use super::*;
use crate::domain::case::parse_case_toml;
use crate::domain::diagnosis::analyze;
use chrono::DateTime;

pub(crate) const EXAMPLES: [(&str, &str, &str); 3] = [
    (
        "douyin",
        include_str!("../../../examples/douyin-dou-plus-alipay.toml"),
        "2026-11-21T16:30:00+08:00",
    ),
    (
        "live_stream",
        include_str!("../../../examples/live-stream-wechat.toml"),
        "2026-11-21T20:40:00+08:00",
    ),
    (
        "card_shop",
        include_str!("../../../examples/card-shop-epay.toml"),
        "2026-11-21T12:00:00+08:00",
    ),
];

fn example(name: &str) -> (Case, Analysis) {
    let (_, text, now) = EXAMPLES.iter().find(|e| e.0 == name).unwrap();
    let case = parse_case_toml(text).unwrap();
    let a = analyze(&case, DateTime::parse_from_rfc3339(now).unwrap());
    (case, a)
}

#[test]
fn snapshots_of_every_audience_and_language() {
    for (name, _, _) in EXAMPLES {
        let (case, a) = example(name);
        for audience in Audience::ALL {
            for lang in Lang::ALL {
                let c = generate(&case, &a, audience, lang);
                let shown = format!(
                    "subject: {}\nmissing: {:?}\n---\n{}",
                    c.subject.as_deref().unwrap_or("-"),
                    c.missing,
                    c.text
                );
                insta::assert_snapshot!(
                    format!("{name}__{}__{}", audience.code(), lang.code()),
                    shown
                );
            }
        }
    }
}

#[test]
fn every_complaint_carries_the_facts_the_demand_and_a_dated_deadline() {
    for (name, _, _) in EXAMPLES {
        let (case, a) = example(name);
        let deadline = a
            .demand_deadline
            .map(short_date)
            .expect("an unsettled case has a deadline");
        for lang in Lang::ALL {
            for audience in [Audience::PlatformChat, Audience::PlatformTicket] {
                let c = generate(&case, &a, audience, lang);
                let t = &c.text;
                assert!(
                    t.contains(&case.order_id),
                    "{name}/{audience:?}/{lang:?}: order ID"
                );
                for p in &case.payments {
                    assert!(
                        t.contains(&p.id),
                        "{name}/{audience:?}/{lang:?}: payment ID {}",
                        p.id
                    );
                }
                assert!(
                    t.contains(&case.amount.display()),
                    "{name}/{audience:?}/{lang:?}: amount"
                );
                assert!(
                    t.contains(&short_time(case.submitted_at)),
                    "{name}/{audience:?}/{lang:?}: time"
                );
                assert!(
                    t.contains(case.method.label().get(lang)),
                    "{name}/{audience:?}/{lang:?}: method"
                );
                assert!(
                    t.contains(&deadline),
                    "{name}/{audience:?}/{lang:?}: the dated deadline {deadline}"
                );
                let demand_word = match lang {
                    Lang::ZhCn => "退回",
                    Lang::En => "refund",
                };
                assert!(
                    t.contains(demand_word),
                    "{name}/{audience:?}/{lang:?}: an explicit demand"
                );
            }
        }
    }
}

#[test]
fn the_checklist_names_what_is_missing() {
    let (case, a) = example("live_stream");
    let c = generate(&case, &a, Audience::Consumer12315, Lang::En);
    assert!(
        c.missing.iter().any(|m| m == "your name"),
        "12315 needs the complainant's name"
    );
    assert!(
        c.text.contains("[fill in your name]"),
        "and the form says where to fill it in"
    );
    let (case, a) = example("douyin");
    let c = generate(&case, &a, Audience::PlatformTicket, Lang::ZhCn);
    assert!(
        c.checklist
            .iter()
            .any(|i| i.key == "platform_screenshot" && i.have),
        "the DOU+ example attaches its order screenshot"
    );
}

#[test]
fn card_numbers_are_masked_but_ids_are_not() {
    let ids = ["2026112122001412341408157613"];
    assert_eq!(
        mask_cards("card 6222 0212 3456 7890 123 paid", &ids),
        "card 6222 0212 3456 7890 123 paid",
        "not a Luhn-valid card number: left alone"
    );
    assert_eq!(
        mask_cards("卡号4111111111111111扣款", &ids),
        "卡号**** 1111扣款"
    );
    assert_eq!(
        mask_cards("trade 2026112122001412341408157613", &ids),
        "trade 2026112122001412341408157613"
    );
    let mut case = parse_case_toml(EXAMPLES[0].1).unwrap();
    case.observations[0].note = Some("4111 1111 1111 1111".into());
    case.observations[0].raw = "支付失败 4111-1111-1111-1111".into();
    let a = analyze(&case, DateTime::parse_from_rfc3339(EXAMPLES[0].2).unwrap());
    for audience in Audience::ALL {
        for lang in Lang::ALL {
            let c = generate(&case, &a, audience, lang);
            assert!(
                !c.text.contains("4111-1111-1111-1111"),
                "{audience:?}/{lang:?} never shows a full card number"
            );
        }
    }
}
