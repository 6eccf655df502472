//! Tests for ID recognition: the data files themselves, their test vectors,
//! specific ranking rules, and properties over arbitrary input.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use proptest::prelude::*;
use regex::Regex;

use super::spec::{DATA_FILES, load_all, load_one};
use super::*;

/// "Today" for all vectors: the date the reference notes were gathered.
fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 22).expect("valid date")
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

fn find<'a>(cands: &'a [Candidate], issuer: &str, kind: &str) -> Option<&'a Candidate> {
    cands.iter().find(|c| c.issuer == issuer && c.kind == kind)
}

fn summary(cands: &[Candidate]) -> String {
    cands
        .iter()
        .map(|c| format!("{}/{} {} {:?}", c.issuer, c.kind, c.score, c.confidence))
        .collect::<Vec<_>>()
        .join(", ")
}

// ---------------------------------------------------------------- data files

#[test]
fn every_data_file_loads() {
    if let Err(e) = load_all() {
        panic!("every data file must parse and pass its checks: {e}");
    }
    assert_eq!(
        issuers().len(),
        DATA_FILES.len(),
        "issuers() must hold one spec per data file"
    );
}

#[test]
fn each_regex_compiles_and_groups_match_tables() {
    for (file, text) in DATA_FILES {
        let spec: IssuerSpec = toml::from_str(text)
            .unwrap_or_else(|e| panic!("{file} must be valid TOML for IssuerSpec: {e}"));
        let re = Regex::new(&spec.pattern)
            .unwrap_or_else(|e| panic!("{file}: pattern must compile: {e}"));
        assert!(
            spec.pattern.starts_with('^') && spec.pattern.ends_with('$'),
            "{file}: pattern must be anchored so that it matches whole IDs only"
        );
        let named: BTreeSet<String> = re.capture_names().flatten().map(String::from).collect();
        let tables: BTreeSet<String> = spec.groups.keys().cloned().collect();
        for n in &named {
            assert!(
                tables.contains(n),
                "{file}: group {n} is in the pattern, so it needs a [groups.{n}] table saying what it means"
            );
        }
        for t in &tables {
            assert!(
                named.contains(t),
                "{file}: [groups.{t}] describes a group the pattern does not have"
            );
        }
        assert_eq!(
            re.captures_len() - 1,
            named.len(),
            "{file}: every capturing group must be named, or parts would go unexplained"
        );
        for (name, g) in &spec.groups {
            if matches!(g.meaning, Meaning::Date | Meaning::Datetime) {
                assert!(
                    g.format.is_some(),
                    "{file}: date group {name} needs a chrono format to be read"
                );
            }
        }
        load_one(file, text).unwrap_or_else(|e| panic!("{file} must load: {e}"));
    }
}

#[test]
fn every_toml_in_the_data_dir_is_compiled_in() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/ids");
    let on_disk: BTreeSet<String> = std::fs::read_dir(&dir)
        .expect("data/ids exists")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".toml"))
        .collect();
    let listed: BTreeSet<String> = DATA_FILES.iter().map(|(f, _)| f.to_string()).collect();
    assert_eq!(
        on_disk, listed,
        "a data file that is not in DATA_FILES would silently be ignored"
    );
}

#[test]
fn issuer_names_are_known_and_files_are_named_after_them() {
    for s in issuers() {
        assert!(
            !s.name_en.is_empty() && !s.name_zh.is_empty(),
            "{}: both names are shown to users",
            s.file
        );
        assert!(s.score <= 100, "{}: scores are on a 0-100 scale", s.file);
    }
    let kinds: BTreeSet<(&str, &str)> = issuers()
        .iter()
        .map(|s| (s.issuer.as_str(), s.kind.as_str()))
        .collect();
    for needed in [
        ("alipay", "trade_no"),
        ("wechat_pay", "transaction_id"),
        ("stripe", "payment_intent"),
        ("stripe", "charge"),
        ("stripe", "refund"),
        ("paypal", "order_id"),
        ("epay", "trade_no"),
        ("dujiaoka", "order_sn"),
        ("bank_card", "card_number"),
    ] {
        assert!(
            kinds.contains(&needed),
            "other modules rely on issuer/kind {needed:?} existing"
        );
    }
}

#[test]
fn broken_data_is_reported_not_accepted() {
    let base = r#"
issuer = "x"
kind = "y"
role = "payment"
name_en = "X"
name_zh = "X"
score = 10
[[valid]]
id = "1"
why = "t"
"#;
    let missing_table = format!("pattern = '^(?P<a>\\d)$'\n{base}");
    assert!(
        load_one("t.toml", &missing_table).is_err(),
        "a named group without [groups.a] must be rejected"
    );
    let unnamed = format!("pattern = '^(\\d)$'\n{base}");
    assert!(
        load_one("t.toml", &unnamed).is_err(),
        "an unnamed capturing group must be rejected"
    );
    let unanchored = format!("pattern = '\\d'\n{base}");
    assert!(
        load_one("t.toml", &unanchored).is_err(),
        "an unanchored pattern must be rejected"
    );
    let bad_meaning = format!(
        "pattern = '^(?P<a>\\d)$'\n{base}\n[groups.a]\nmeaning = \"colour\"\nlabel_en = \"a\"\nlabel_zh = \"a\"\n"
    );
    assert!(
        load_one("t.toml", &bad_meaning).is_err(),
        "an unknown meaning must be rejected"
    );
    let date_without_format = format!(
        "pattern = '^(?P<a>\\d{{8}})$'\n{base}\n[groups.a]\nmeaning = \"date\"\nlabel_en = \"a\"\nlabel_zh = \"a\"\n"
    );
    assert!(
        load_one("t.toml", &date_without_format).is_err(),
        "a date group without format cannot be read"
    );
    let ok = format!(
        "pattern = '^(?P<a>\\d)$'\n{base}\n[groups.a]\nmeaning = \"serial\"\nlabel_en = \"a\"\nlabel_zh = \"a\"\n"
    );
    assert!(
        load_one("t.toml", &ok).is_ok(),
        "the minimal well-formed file must load"
    );
    let no_role = ok.replace("role = \"payment\"\n", "");
    assert!(
        load_one("t.toml", &no_role).is_err(),
        "every file says what its number is for"
    );
}

// ---------------------------------------------------------------- vectors

#[test]
fn valid_vectors_are_recognised() {
    let mut count = 0;
    for s in issuers() {
        for v in &s.valid {
            count += 1;
            let cands = recognise_at(&v.id, today());
            let ctx = format!(
                "{} vector {:?} ({}); got [{}]",
                s.file,
                v.id,
                v.why,
                summary(&cands)
            );
            let Some(c) = find(&cands, &s.issuer, &s.kind) else {
                panic!("must be recognised as {}/{}: {ctx}", s.issuer, s.kind);
            };
            if v.top {
                assert_eq!(
                    (&cands[0].issuer, &cands[0].kind),
                    (&s.issuer, &s.kind),
                    "the file marks it top, so no other reading may outrank it: {ctx}"
                );
            }
            if let Some(d) = v.created {
                assert_eq!(c.created, Some(d), "the embedded date must be read: {ctx}");
            }
            if let Some(conf) = v.confidence {
                assert_eq!(c.confidence, conf, "confidence as the file expects: {ctx}");
            }
            if let Some(n) = &v.normalized {
                assert_eq!(&c.normalized, n, "normalised (and masked) form: {ctx}");
            }
        }
    }
    assert!(
        count >= 30,
        "the data files should carry plenty of vectors, found {count}"
    );
}

#[test]
fn invalid_vectors_are_not_recognised_as_their_kind() {
    for s in issuers() {
        for v in &s.invalid {
            let cands = recognise_at(&v.id, today());
            assert!(
                find(&cands, &s.issuer, &s.kind).is_none(),
                "{} invalid vector {:?} must not be read as {}/{} because {}; got [{}]",
                s.file,
                v.id,
                s.issuer,
                s.kind,
                v.why,
                summary(&cands)
            );
        }
    }
}

#[test]
fn vectors_of_one_file_do_not_match_as_another_file_of_the_same_kind_by_accident() {
    // The legacy Alipay file must not shadow the 28-digit one: a 28-digit
    // trade_no is named as current, not legacy.
    let c = recognise_at("2017091721001004920264050508", today());
    let alipay = find(&c, "alipay", "trade_no").expect("alipay trade_no");
    assert!(
        !alipay.name_en.contains("legacy"),
        "28 digits is the current format, so the legacy name would mislead: {alipay:?}"
    );
}

// ---------------------------------------------------------------- ranking

#[test]
fn alipay_example_from_the_brief() {
    let c = recognise_at("2026112122001412345678901234", today());
    assert_eq!(
        (c[0].issuer.as_str(), c[0].kind.as_str()),
        ("alipay", "trade_no"),
        "the leading 20261121 is a valid recent date, so Alipay ranks first: [{}]",
        summary(&c)
    );
    assert_eq!(c[0].created, Some(date(2026, 11, 21)));
    assert!(
        c[0].notes_en.iter().any(|n| n == "created 2026-11-21"),
        "the creation date is stated in the notes: {:?}",
        c[0].notes_en
    );
    assert!(
        c[0].notes_zh.iter().any(|n| n.contains("2026-11-21")),
        "and in Chinese too: {:?}",
        c[0].notes_zh
    );
    if let Some(w) = find(&c, "wechat_pay", "transaction_id") {
        assert_eq!(
            w.confidence,
            Confidence::Unlikely,
            "positions 11-18 are no date, so WeChat is at best Unlikely"
        );
    }
    let date_part = c[0]
        .parts
        .iter()
        .find(|p| p.name == "date")
        .expect("date part");
    assert_eq!(date_part.value, "20261121");
    assert!(date_part.meaning_en.contains("2026-11-21"));
}

#[test]
fn wechat_prefix_and_date_make_it_likely() {
    let c = recognise_at("4200000288201903177135850941", today());
    assert_eq!(c.len(), 1, "only WeChat fits: [{}]", summary(&c));
    assert_eq!(c[0].confidence, Confidence::Likely);
    let prefix = c[0]
        .parts
        .iter()
        .find(|p| p.name == "prefix")
        .expect("prefix");
    assert!(
        prefix.meaning_en.contains("typical"),
        "the 42000 prefix is explained: {prefix:?}"
    );
}

#[test]
fn two_close_readings_are_both_only_possible() {
    // Valid date at the start (Alipay) AND at positions 11-18 (WeChat).
    let c = recognise_at("2019031742201903177135850941", today());
    let a = find(&c, "alipay", "trade_no").expect("alipay reading");
    let w = find(&c, "wechat_pay", "transaction_id").expect("wechat reading");
    assert!(a.score.abs_diff(w.score) < CLOSE_GAP, "{}", summary(&c));
    assert_eq!(
        (a.confidence, w.confidence),
        (Confidence::Possible, Confidence::Possible),
        "close scores mean neither reading may be called likely"
    );
}

#[test]
fn paypal_dujiaoka_stripe_examples() {
    let c = recognise_at("5O190127TN364715T", today());
    assert_eq!(c[0].issuer, "paypal", "17 upper-case alphanumerics: PayPal");
    let c = recognise_at("K7QF2M9XD4TB8WZC", today());
    assert_eq!(
        (c[0].issuer.as_str(), c[0].confidence),
        ("dujiaoka", Confidence::Possible),
        "16 random characters can only be Possible"
    );
    let c = recognise_at("pi_3MtwBwLkdIwHu7ix28a3tqPa", today());
    assert_eq!(
        (c[0].issuer.as_str(), c[0].kind.as_str()),
        ("stripe", "payment_intent")
    );
    assert_eq!(c[0].confidence, Confidence::Likely);
}

#[test]
fn epay_reads_date_and_time() {
    let c = recognise_at("2016080622555342651", today());
    assert_eq!(c[0].issuer, "epay", "[{}]", summary(&c));
    assert_eq!(c[0].created, Some(date(2016, 8, 6)));
    assert!(
        c[0].notes_en
            .iter()
            .any(|n| n == "created 2016-08-06 22:55:53"),
        "{:?}",
        c[0].notes_en
    );
}

#[test]
fn future_dates_lower_the_score_with_a_note() {
    let good = recognise_at("2026112122001412345678901234", today());
    let future = recognise_at("2026112122001412345678901234", date(2026, 11, 1));
    assert!(
        future[0].score < good[0].score,
        "a date three weeks ahead of today is doubtful"
    );
    assert!(
        future[0]
            .notes_en
            .iter()
            .any(|n| n.contains("in the future")),
        "{:?}",
        future[0].notes_en
    );
    // Tomorrow is fine (time zones).
    let tomorrow = recognise_at("2026112122001412345678901234", date(2026, 11, 20));
    assert_eq!(
        tomorrow[0].score, good[0].score,
        "today+1 is still plausible"
    );
}

#[test]
fn dates_before_2004_reject() {
    let c = recognise_at("1999091721001004920264050508", today());
    assert!(
        find(&c, "alipay", "trade_no").is_none(),
        "no issuer existed in 1999: [{}]",
        summary(&c)
    );
}

// ---------------------------------------------------------------- secrets

#[test]
fn client_secret_is_never_echoed() {
    let secret = "YrKJUKribcBjcG8HVhfZluoGH";
    let input = format!("pi_3MtwBwLkdIwHu7ix28a3tqPa_secret_{secret}");
    let c = recognise_at(&input, today());
    assert_eq!(
        (c[0].issuer.as_str(), c[0].kind.as_str()),
        ("stripe", "client_secret")
    );
    let json = serde_json::to_string(&c).expect("serialises");
    assert!(
        !json.contains(secret),
        "the secret must appear nowhere in the result: {json}"
    );
    assert!(
        json.contains("pi_3MtwBwLkdIwHu7ix28a3tqPa"),
        "the PaymentIntent ID is safe and useful"
    );
    assert!(
        c[0].notes_en.iter().any(|n| n.contains("client secret")),
        "the user is warned"
    );
}

#[test]
fn card_numbers_are_masked_and_warned() {
    let c = recognise_at("6200 0000 0000 0005", today());
    assert_eq!(c[0].issuer, "bank_card");
    let json = serde_json::to_string(&c).expect("serialises");
    assert!(
        !json.contains("6200000000000005") && !json.contains("0000000000"),
        "the full card number must not be echoed: {json}"
    );
    assert_eq!(c[0].normalized, "62**********0005");
    assert!(
        c[0].notes_en.iter().any(|n| n.contains("card number")),
        "{:?}",
        c[0].notes_en
    );
    assert!(
        recognise_at("6200000000000006", today()).is_empty(),
        "a failed Luhn check rejects the card reading"
    );
}

// ---------------------------------------------------------------- normalisation

#[test]
fn normalisation_keeps_the_original() {
    let n = normalize(" 2014112611001004680 073956707\t");
    assert_eq!(n.normalized, "2014112611001004680073956707");
    assert_eq!(n.original, " 2014112611001004680 073956707\t");
    assert_eq!(normalize("ｐｉ＿ＡＢＣ１２３").normalized, "pi_ABC123");
    assert_eq!(
        normalize("\u{feff}42000\u{200b}\u{3000}00288\u{a0}201903177135850941").normalized,
        "4200000288201903177135850941",
        "BOM, zero-width, ideographic and no-break spaces are dropped"
    );
}

#[test]
fn normalised_input_gets_a_note() {
    let c = recognise_at("2014112611001004680 073956707", today());
    assert!(
        c[0].notes_en.iter().any(|n| n.contains("removed")),
        "the user should learn their input was changed: {:?}",
        c[0].notes_en
    );
    let c = recognise_at("2014112611001004680073956707", today());
    assert!(
        !c[0].notes_en.iter().any(|n| n.contains("removed")),
        "no such note when nothing changed"
    );
}

#[test]
fn empty_garbage_and_long_inputs_give_nothing() {
    for input in ["", "   ", "\t\n", "hello", "订单号", "0", "__"] {
        assert!(
            recognise_at(input, today()).is_empty(),
            "{input:?} is no ID"
        );
    }
    let long = format!("{}{}", "pi_", "a".repeat(200));
    assert!(
        recognise_at(&long, today()).is_empty(),
        "over {MAX_INPUT_CHARS} characters is not an ID"
    );
    let padded = format!("{}2017091721001004920264050508{}", " ".repeat(300), "\t");
    assert!(
        !recognise_at(&padded, today()).is_empty(),
        "surrounding whitespace is trimmed before the length check"
    );
}

#[test]
fn confidence_serialises_in_snake_case() {
    assert_eq!(
        serde_json::to_string(&Confidence::Likely).expect("ok"),
        "\"likely\""
    );
    let c = recognise_at("2017091721001004920264050508", today());
    let v = serde_json::to_value(&c[0]).expect("ok");
    assert_eq!(v["created"], "2017-09-17");
    assert_eq!(v["confidence"], "likely");
}

#[test]
fn luhn() {
    assert!(super::luhn_ok("79927398713"));
    assert!(!super::luhn_ok("79927398710"));
    assert!(!super::luhn_ok(""));
    assert!(!super::luhn_ok("7992739871a"));
}

// ---------------------------------------------------------------- properties

fn check_result(input: &str, cands: &[Candidate]) -> Result<(), TestCaseError> {
    for w in cands.windows(2) {
        prop_assert!(
            w[0].score >= w[1].score,
            "candidates must be sorted by score, best first: {input:?} -> [{}]",
            summary(cands)
        );
    }
    for (i, c) in cands.iter().enumerate() {
        prop_assert!(c.score <= 100, "scores are 0-100");
        if c.confidence == Confidence::Likely {
            prop_assert_eq!(i, 0, "only the first candidate can be Likely");
        }
    }
    let kinds: BTreeSet<_> = cands.iter().map(|c| (&c.issuer, &c.kind)).collect();
    prop_assert_eq!(kinds.len(), cands.len(), "one candidate per issuer/kind");
    Ok(())
}

proptest! {
    #[test]
    fn never_panics_on_arbitrary_text(s in "(?s).{0,256}") {
        let cands = recognise_at(&s, today());
        check_result(&s, &cands)?;
        if s.trim().chars().count() > MAX_INPUT_CHARS {
            prop_assert!(cands.is_empty(), "long inputs give nothing");
        }
    }

    #[test]
    fn never_panics_on_id_like_text(s in "[0-9A-Za-z_ \t０-９Ａ-Ｚ＿]{0,40}") {
        let cands = recognise_at(&s, today());
        check_result(&s, &cands)?;
    }

    #[test]
    fn any_28_digits_rank_consistently(s in "[0-9]{28}", y in 2000i32..2100, m in 1u32..=12, d in 1u32..=28) {
        let day = NaiveDate::from_ymd_opt(y, m, d).expect("day <= 28 is always valid");
        let cands = recognise_at(&s, day);
        check_result(&s, &cands)?;
        prop_assert_eq!(
            cands.clone(),
            recognise_at(&s, day),
            "the result is deterministic"
        );
    }
}

#[test]
fn readings_with_nothing_left_in_their_favour_are_dropped() {
    // 2088… is an Alipay account ID; as a legacy trade_no its "date" would
    // be in 2088, which takes that reading's score to 0.
    let c = recognise_at("2088102146225135", today());
    assert_eq!(
        summary(&c),
        "alipay/user_id 80 Likely",
        "a score-0 reading is noise and is not listed"
    );
}
