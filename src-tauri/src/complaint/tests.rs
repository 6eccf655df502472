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
                let mut shown = format!(
                    "subject: {}\nmissing: {:?}\n---\n{}",
                    c.subject.as_deref().unwrap_or("-"),
                    c.missing,
                    c.text
                );
                if let Some(form) = &c.form {
                    shown.push_str(&format!("--- form: {}\n", form.name.get(lang)));
                    for n in &form.notes {
                        shown.push_str(&format!("note: {}\n", n.get(lang)));
                    }
                    for f in &form.fields {
                        let limit = f.limit.map(|l| format!("/{l}")).unwrap_or_default();
                        shown.push_str(&format!(
                            "[{}{}] {} ({}{limit}): {}\n",
                            if f.required { "*" } else { "" },
                            f.key,
                            f.label.get(lang),
                            f.chars,
                            f.value
                        ));
                    }
                }
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
                let amount = match lang {
                    // Chinese text writes 200.00 元, never ¥200.00.
                    Lang::ZhCn => case.amount.display_zh(),
                    Lang::En => case.amount.display(),
                };
                assert!(t.contains(&amount), "{name}/{audience:?}/{lang:?}: amount");
                if lang == Lang::ZhCn {
                    assert!(
                        !t.contains('¥') && !t.contains('「'),
                        "{name}/{audience:?}: mainland conventions (“” quotes, amounts in 元)"
                    );
                }
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

/// Every text of the case, subjects included, for every audience and language.
fn all_texts(case: &Case, a: &Analysis) -> Vec<(Audience, Lang, String)> {
    let mut out = Vec::new();
    for audience in Audience::ALL {
        for lang in Lang::ALL {
            let c = generate(case, a, audience, lang);
            let mut text = format!("{}\n{}", c.subject.unwrap_or_default(), c.text);
            // A form's boxes are pasted too: the same rules hold for them.
            for f in c.form.iter().flat_map(|f| &f.fields) {
                text.push('\n');
                text.push_str(&f.value);
            }
            out.push((audience, lang, text));
        }
    }
    out
}

/// What only a recorded contact, demand or answer may make a text say.
const CLAIMS: [&str; 6] = [
    "我已要求",
    "已要求其",
    "客服未解决",
    "I asked",
    "support has not solved",
    "asked them",
];

#[test]
fn no_text_claims_a_demand_or_a_contact_the_case_does_not_hold() {
    let (mut case, _) = example("douyin");
    case.contacts.clear();
    let a = analyze(
        &case,
        DateTime::parse_from_rfc3339("2026-11-21T16:30:00+08:00").unwrap(),
    );
    for (audience, lang, text) in all_texts(&case, &a) {
        for claim in CLAIMS {
            assert!(
                !text.contains(claim),
                "{audience:?}/{lang:?} claims {claim:?} with no contact recorded:\n{text}"
            );
        }
    }
    // With a recorded chat the public post may say support did not solve
    // it, and quotes the chat with its date.
    case.contacts.push(crate::domain::case::Contact {
        at: DateTime::parse_from_rfc3339("2026-11-21T16:00:00+08:00").unwrap(),
        with: "抖音客服".into(),
        note: None,
        answer: Some("请耐心等待".into()),
        ticket: None,
        promised_by: None,
    });
    let a = analyze(
        &case,
        DateTime::parse_from_rfc3339("2026-11-21T16:30:00+08:00").unwrap(),
    );
    let heimao = generate(&case, &a, Audience::Heimao, Lang::ZhCn);
    assert!(
        heimao
            .subject
            .as_deref()
            .unwrap_or("")
            .contains("联系客服未解决"),
        "{:?}",
        heimao.subject
    );
    assert!(
        heimao.text.contains("11-21 16:00") && heimao.text.contains("请耐心等待"),
        "{}",
        heimao.text
    );
}

#[test]
fn a_quoted_bank_sms_is_reduced_to_date_amount_payee_and_card_tail() {
    let (case, a) = example("douyin");
    assert!(
        case.observations.iter().any(|o| o.raw.contains("余额")),
        "the example's SMS carries a balance"
    );
    for (audience, lang, text) in all_texts(&case, &a) {
        assert!(
            !text.contains("余额") && !text.contains("1,234.56"),
            "{audience:?}/{lang:?} quotes the balance:\n{text}"
        );
    }
    let ticket = generate(&case, &a, Audience::PlatformTicket, Lang::ZhCn).text;
    let line = ticket
        .lines()
        .find(|l| l.contains("尾号"))
        .unwrap_or_else(|| panic!("the SMS is quoted:\n{ticket}"));
    assert!(line.contains("200.00"), "{line}");
}

mod private_figures {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        /// Whatever balance an SMS, whatever phone number and code an
        /// answer carries: no text shows the balance or the code, and the
        /// public post shows no phone number.
        #[test]
        fn no_text_shows_a_balance_or_a_code_and_no_public_post_a_phone(
            balance in 1_000u32..9_999_999,
            cents in 0u32..100,
            phone in "1[3-9][0-9]{9}",
            code in "[0-9]{6}",
        ) {
            let (mut case, _) = example("douyin");
            let balance = format!("{balance}.{cents:02}");
            for o in &mut case.observations {
                if o.raw.contains("余额") {
                    o.raw = format!(
                        "您尾号6789卡11月21日15:15快捷支付支出（消费支付宝-北京微播视界科技有限公司）200.00元，余额{balance}元。【工商银行】"
                    );
                }
            }
            case.contacts.push(crate::domain::case::Contact {
                at: DateTime::parse_from_rfc3339("2026-11-21T16:00:00+08:00").unwrap(),
                with: "抖音客服".into(),
                note: Some(format!("客服让我报验证码 {code}")),
                answer: Some(format!("请拨打 {phone} 联系我们")),
                ticket: None,
                promised_by: None,
            });
            let a = analyze(&case, DateTime::parse_from_rfc3339("2026-11-21T16:30:00+08:00").unwrap());
            for (audience, lang, text) in all_texts(&case, &a) {
                prop_assert!(!text.contains(&balance), "{:?}/{:?} shows the balance {}:\n{}", audience, lang, balance, text);
                prop_assert!(!text.contains(&code), "{:?}/{:?} shows the code {}:\n{}", audience, lang, code, text);
                if audience == Audience::Heimao {
                    prop_assert!(!text.contains(&phone), "the public post shows the phone {}:\n{}", phone, text);
                }
            }
        }
    }
}

#[test]
fn card_network_reason_codes_only_for_a_card_charged_through_an_international_acquirer() {
    let (mut case, a) = example("douyin");
    let letter = generate(&case, &a, Audience::CardIssuer, Lang::ZhCn).text;
    assert!(
        !letter.contains("Visa") && !letter.contains("Mastercard"),
        "a card paid through Alipay is no Visa / Mastercard dispute:\n{letter}"
    );
    assert!(letter.contains("差错 / 争议处理"), "{letter}");
    assert!(
        !letter.contains("订单号\n") && !letter.contains("附件 1：订单号"),
        "the order number is in the letter, not an attachment:\n{letter}"
    );
    assert!(
        letter.contains("）\n- 商户订单号"),
        "the merchant line and the order line stay two lines:\n{letter}"
    );
    case.payments[0].provider = Some(SourceKind::Stripe);
    let letter = generate(&case, &a, Audience::CardIssuer, Lang::En).text;
    assert!(letter.contains("Visa 13.1 / Mastercard 4855"), "{letter}");
}

#[test]
fn the_chat_asks_for_a_ticket_number_and_a_promised_date() {
    for (name, _, _) in EXAMPLES {
        let (case, a) = example(name);
        let zh = generate(&case, &a, Audience::PlatformChat, Lang::ZhCn).text;
        assert!(
            zh.contains("工单号") && zh.contains("预计处理完成的日期"),
            "{name}: {zh}"
        );
        let en = generate(&case, &a, Audience::PlatformChat, Lang::En).text;
        assert!(
            en.contains("ticket number") && en.contains("resolved by"),
            "{name}: {en}"
        );
    }
}

/// The douyin example with a recorded chat that answered.
fn with_a_contact() -> (Case, Analysis) {
    let (mut case, _) = example("douyin");
    case.contacts.push(crate::domain::case::Contact {
        at: DateTime::parse_from_rfc3339("2026-11-21T16:00:00+08:00").unwrap(),
        with: "抖音客服".into(),
        note: Some("在线客服".into()),
        answer: Some("已反馈，请耐心等待 1-3 个工作日".into()),
        ticket: None,
        promised_by: None,
    });
    let a = analyze(
        &case,
        DateTime::parse_from_rfc3339("2026-11-21T16:30:00+08:00").unwrap(),
    );
    (case, a)
}

#[test]
fn every_form_box_is_filled_from_the_case_and_within_its_limit() {
    let mut cases: Vec<(String, Case, Analysis)> = EXAMPLES
        .iter()
        .map(|(name, _, _)| {
            let (c, a) = example(name);
            ((*name).to_owned(), c, a)
        })
        .collect();
    let (c, a) = with_a_contact();
    cases.push(("douyin+contact".into(), c, a));
    for (name, case, a) in &cases {
        for audience in Audience::ALL {
            for lang in Lang::ALL {
                let c = generate(case, a, audience, lang);
                let Some(form) = &c.form else {
                    assert!(
                        audience == Audience::PaymentProvider || !has_form(audience, None),
                        "{name}/{audience:?} has a form"
                    );
                    continue;
                };
                let value = |key: &str| {
                    form.fields
                        .iter()
                        .find(|f| f.key == key)
                        .map(|f| f.value.as_str())
                        .unwrap_or_else(|| panic!("{audience:?} has no box {key}"))
                };
                for f in &form.fields {
                    assert!(
                        !f.over(),
                        "{name}/{audience:?}/{lang:?}: {} is {} characters, the box takes {:?}:\n{}",
                        f.key,
                        f.chars,
                        f.limit,
                        f.value
                    );
                    assert_eq!(f.chars as usize, f.value.chars().count());
                    assert!(
                        f.choices.is_empty() || f.choices.contains(&f.value),
                        "{}: {} is not one of {:?}",
                        f.key,
                        f.value,
                        f.choices
                    );
                    assert!(
                        !f.value.contains("{{") && !f.value.contains("【请"),
                        "{}",
                        f.value
                    );
                }
                let amount = format_amount(case.amount.amount, case.amount.currency.minor_digits());
                if audience != Audience::PaymentProvider {
                    // The in-app forms start from the payment: no amount box.
                    assert_eq!(value("amount"), amount, "{name}/{audience:?}");
                }
                match audience {
                    Audience::Consumer12315 => {
                        assert_eq!(value("order_id"), case.order_id);
                        assert_eq!(value("respondent"), case.merchant.as_deref().unwrap_or(""));
                        let facts = value("facts");
                        for p in &case.payments {
                            assert!(
                                facts.contains(&p.id),
                                "{name}: facts name {}: {facts}",
                                p.id
                            );
                        }
                        assert!(facts.contains(&case.amount.display_zh()), "{facts}");
                        assert!(value("basis").contains("第五十三条"));
                        for contact in &case.contacts {
                            let answer = contact.answer.as_deref().unwrap_or_default();
                            assert!(
                                facts.contains(answer),
                                "{name}: the answer is quoted: {facts}"
                            );
                        }
                        let warns = form.notes.iter().any(|n| n.zh_cn.contains("生活消费"));
                        assert_eq!(
                            warns,
                            case.platform.preset().business_use,
                            "{name}: only a promotion bought for business is warned about"
                        );
                    }
                    Audience::Heimao => {
                        let target = value("target");
                        assert!(
                            target.starts_with(&case.platform.display().zh_cn),
                            "{target}"
                        );
                        let zh = generate(case, a, audience, Lang::ZhCn);
                        assert_eq!(value("title"), zh.subject.as_deref().unwrap_or_default());
                        if let Some(account) = &case.complainant.account {
                            assert_ne!(
                                value("account"),
                                account,
                                "the public post masks the account"
                            );
                        }
                    }
                    Audience::PaymentProvider => {
                        let aggregator = case
                            .payments
                            .iter()
                            .find(|p| p.provider == Some(SourceKind::Epay));
                        let merchant_order = value("merchant_order");
                        match aggregator {
                            // The channel knows the aggregator's number, not the shop's.
                            Some(p) => assert_eq!(merchant_order, p.id, "{name}"),
                            None => assert_eq!(merchant_order, case.order_id, "{name}"),
                        }
                        let trade = value("trade_no");
                        assert!(
                            case.payments.iter().any(|p| p.id == trade),
                            "{name}: {trade}"
                        );
                        assert!(value("description").contains(&case.amount.display_zh()));
                        assert!(
                            !form.place.zh_cn.is_empty() && form.place.zh_cn.contains("账单详情")
                        );
                    }
                    other => panic!("{other:?} has no form in the data"),
                }
                // The form is Chinese; in English it says so first.
                assert_eq!(
                    form.notes
                        .first()
                        .is_some_and(|n| n.en.contains("expects Chinese")),
                    lang == Lang::En,
                    "{name}/{audience:?}/{lang:?}: {:?}",
                    form.notes
                );
            }
        }
    }
}

/// The douyin example after the chat answered with a ticket number and a
/// promised day that has passed by the check.
fn answered_with_a_passed_promise() -> (Case, Analysis) {
    let (mut case, _) = example("douyin");
    case.contacts.push(crate::domain::case::Contact {
        at: DateTime::parse_from_rfc3339("2026-11-21T16:00:00+08:00").unwrap(),
        with: "抖音 DOU+客服".into(),
        note: None,
        answer: Some("已为您提交工单，请耐心等待".into()),
        ticket: Some("GD20261121001".into()),
        promised_by: chrono::NaiveDate::from_ymd_opt(2026, 11, 24),
    });
    let a = analyze(
        &case,
        DateTime::parse_from_rfc3339("2026-11-26T10:00:00+08:00").unwrap(),
    );
    (case, a)
}

#[test]
fn a_recorded_ticket_and_a_passed_promise_are_quoted_everywhere() {
    let (case, a) = answered_with_a_passed_promise();
    for audience in Audience::ALL {
        for lang in Lang::ALL {
            let c = generate(&case, &a, audience, lang);
            if audience != Audience::PlatformChat {
                assert!(
                    c.text.contains("GD20261121001"),
                    "{audience:?}/{lang:?} quotes the ticket number:\n{}",
                    c.text
                );
                let passed = match lang {
                    Lang::ZhCn => "承诺 2026-11-24 前处理，至今仍未处理",
                    Lang::En => "promising a fix by 2026-11-24, which has passed",
                };
                assert!(
                    c.text.contains(passed),
                    "{audience:?}/{lang:?}:\n{}",
                    c.text
                );
            }
            insta::assert_snapshot!(
                format!("douyin_answered__{}__{}", audience.code(), lang.code()),
                c.text
            );
        }
    }
    // Before the promised day it is only a promise.
    let early = analyze(
        &case,
        DateTime::parse_from_rfc3339("2026-11-23T10:00:00+08:00").unwrap(),
    );
    let ticket = generate(&case, &early, Audience::PlatformTicket, Lang::ZhCn).text;
    assert!(
        ticket.contains("承诺 2026-11-24 前处理") && !ticket.contains("至今仍未处理"),
        "{ticket}"
    );
}

#[test]
fn an_english_text_for_a_reader_who_works_in_chinese_says_so_beside_it() {
    for (name, _, _) in EXAMPLES {
        let (case, a) = example(name);
        for audience in Audience::ALL {
            let en = generate(&case, &a, audience, Lang::En);
            let zh = generate(&case, &a, audience, Lang::ZhCn);
            assert!(
                zh.notes.is_empty(),
                "{name}/{audience:?}: a Chinese text needs no note"
            );
            let said = en
                .notes
                .iter()
                .any(|n| n.en.contains("Chinese is expected"))
                || en
                    .form
                    .as_ref()
                    .is_some_and(|f| f.notes.iter().any(|n| n.en.contains("expects Chinese")));
            if audience != Audience::CardIssuer || !international_card(&case) {
                assert!(
                    said,
                    "{name}/{audience:?}: the English text does not say Chinese is expected"
                );
            }
            for n in &en.notes {
                assert!(
                    !en.text.contains(&n.en),
                    "{name}/{audience:?}: the note is beside the text, not in it"
                );
            }
        }
    }
    let (mut case, a) = example("douyin");
    case.payments[0].provider = Some(SourceKind::Stripe);
    case.platform = crate::domain::case::Platform {
        preset: "stripe_site".into(),
        name: None,
    };
    for audience in [
        Audience::PlatformChat,
        Audience::PlatformTicket,
        Audience::CardIssuer,
    ] {
        let en = generate(&case, &a, audience, Lang::En);
        assert!(
            en.notes.is_empty(),
            "a Stripe site and a card charged through Stripe read English: {:?}",
            en.notes
        );
    }
    case.platform.preset = "other".into();
    case.platform.name = Some("某某直播".into());
    let en = generate(&case, &a, Audience::PlatformChat, Lang::En);
    assert!(
        en.notes.iter().any(|n| n.en.contains("某某直播")),
        "a platform named in Chinese: {:?}",
        en.notes
    );
}
