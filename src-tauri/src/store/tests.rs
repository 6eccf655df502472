use super::*;
use crate::domain::case::parse_case_toml;
use crate::domain::observation::{Claim, SourceKind, Via};
use crate::domain::text::{Bilingual, Lang};
use crate::report::CheckReport;

const EXAMPLES: [(&str, &str); 3] = [
    (
        "douyin-dou-plus-alipay",
        include_str!("../../../examples/douyin-dou-plus-alipay.toml"),
    ),
    (
        "live-stream-wechat",
        include_str!("../../../examples/live-stream-wechat.toml"),
    ),
    (
        "card-shop-epay",
        include_str!("../../../examples/card-shop-epay.toml"),
    ),
];

fn example(i: usize) -> Case {
    parse_case_toml(EXAMPLES[i].1)
        .unwrap_or_else(|e| panic!("examples/{}.toml is valid: {e}", EXAMPLES[i].0))
}

fn t(s: &str) -> Moment {
    DateTime::parse_from_rfc3339(s).unwrap_or_else(|e| panic!("{s} is RFC 3339: {e}"))
}

fn fresh() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let store = Store::open(&dir.path().join(FILE_NAME)).expect("a new case file opens");
    (dir, store)
}

fn check_for(case: &Case, id: &str, at: Moment) -> CheckRecord {
    let report = CheckReport::check(case, Some(id.to_owned()), at);
    CheckRecord {
        at,
        code: report.analysis.diagnosis.code.key().to_owned(),
        broken_link: report
            .analysis
            .diagnosis
            .broken_link
            .map(|s| s.code().to_owned()),
        summary: report.analysis.diagnosis.summary.clone(),
        next_deadline: report
            .analysis
            .deadlines
            .iter()
            .filter(|d| !d.passed)
            .find_map(|d| d.due),
        report: serde_json::to_value(&report).expect("a report is JSON"),
    }
}

fn simple_check(at: &str, code: &str, deadline: Option<&str>) -> CheckRecord {
    CheckRecord {
        at: t(at),
        code: code.to_owned(),
        broken_link: Some("callback".to_owned()),
        summary: Bilingual::new("回调丢失", "the callback was lost"),
        next_deadline: deadline.map(t),
        report: serde_json::json!({ "version": 1, "note": "小测试", "n": [1, 2, 3] }),
    }
}

fn message(at: &str, text: &str) -> MessageRecord {
    MessageRecord {
        at: t(at),
        audience: Audience::PlatformChat,
        lang: Lang::ZhCn,
        text: text.to_owned(),
        sent_at: None,
        kind: MessageKind::Complaint,
    }
}

fn observation(at: Option<&str>, raw: &str) -> Observation {
    Observation {
        at: at.map(t),
        source: SourceKind::Platform,
        via: Via::Manual,
        raw: raw.to_owned(),
        claim: Claim::Processing,
        amount: None,
        payment_id: None,
        note: Some("客服回复".to_owned()),
    }
}

fn doc_with_id(case: Case, id: &str) -> CaseDocument {
    CaseDocument::new(StoredCase {
        id: id.to_owned(),
        created_at: t("2026-11-21T16:00:00+08:00"),
        updated_at: t("2026-11-21T16:00:00+08:00"),
        case,
        checks: vec![],
        messages: vec![],
    })
}

// ---------------------------------------------------------------- basics

#[test]
fn create_then_get_returns_the_same_case() {
    let (_dir, mut store) = fresh();
    let case = example(0);
    let now = t("2026-11-21T16:30:00+08:00");
    let id = store.create_case(&case, now).unwrap();
    assert!(is_valid_id(&id), "a fresh id is dz- + 10 characters: {id}");
    let got = store.get(&id).unwrap();
    assert_eq!(got.id, id);
    assert_eq!(got.case, case, "the stored case is the case that was given");
    assert_eq!(got.created_at, now);
    assert_eq!(got.updated_at, now);
    assert!(got.checks.is_empty() && got.messages.is_empty());
}

#[test]
fn times_keep_their_offset_and_amounts_are_text() {
    let (_dir, mut store) = fresh();
    let now = t("2026-11-21T03:30:00-05:00");
    let id = store.create_case(&example(0), now).unwrap();
    let (created, submitted, amount_type, amount): (String, String, String, String) = store
        .conn
        .query_row(
            "SELECT created_at, submitted_at, typeof(amount), amount FROM cases WHERE id = ?1",
            [&id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap();
    assert_eq!(
        created, "2026-11-21T03:30:00-05:00",
        "times are stored with the offset they were given in"
    );
    assert_eq!(submitted, "2026-11-21T15:14:00+08:00");
    assert_eq!(
        (amount_type.as_str(), amount.as_str()),
        ("text", "200.00"),
        "amounts are exact decimal text, never REAL"
    );
    let got = store.get(&id).unwrap();
    assert_eq!(
        got.created_at.offset(),
        now.offset(),
        "the offset comes back too, not only the instant"
    );
}

#[test]
fn list_is_most_recently_updated_first_and_update_moves_a_case_up() {
    let (_dir, mut store) = fresh();
    let a = store
        .create_case(&example(0), t("2026-11-21T16:00:00+08:00"))
        .unwrap();
    // An earlier instant written in another offset: the order is by instant.
    let b = store
        .create_case(&example(1), t("2026-11-21T08:30:00+00:00"))
        .unwrap();
    let c = store
        .create_case(&example(2), t("2026-11-21T17:00:00+08:00"))
        .unwrap();
    let order: Vec<String> = store.list().unwrap().into_iter().map(|s| s.id).collect();
    assert_eq!(
        order,
        [c.clone(), b.clone(), a.clone()],
        "17:00+08 > 16:30+08 (= 08:30Z) > 16:00+08"
    );

    let mut changed = example(0);
    changed.item = Some("DOU+ 300 元档".to_owned());
    let later = t("2026-11-21T18:00:00+08:00");
    let rev = store.open_for_edit(&a).unwrap().revision;
    store.save_edit(&a, rev, &changed, later).unwrap();
    let got = store.get(&a).unwrap();
    assert_eq!(got.case, changed, "update replaces the case's facts");
    assert_eq!(got.updated_at, later, "update sets updated_at");
    assert_eq!(
        got.created_at,
        t("2026-11-21T16:00:00+08:00"),
        "update keeps created_at"
    );
    let list = store.list().unwrap();
    assert_eq!(list[0].id, a, "the updated case is now the most recent");
    let first = &list[0];
    assert_eq!(first.order_id, changed.order_id);
    assert_eq!(first.amount, changed.amount);
    assert_eq!(first.platform, changed.platform.display());
    assert_eq!(first.last_check, None, "no check recorded yet");
}

#[test]
fn add_observation_keeps_time_order_like_the_domain() {
    let (_dir, mut store) = fresh();
    let mut case = example(1);
    let id = store
        .create_case(&case, t("2026-11-21T20:40:00+08:00"))
        .unwrap();
    let early = observation(Some("2026-11-21T20:10:00+08:00"), "订单处理中");
    let untimed = observation(None, "客服说再等等");
    let now = t("2026-11-21T21:00:00+08:00");
    store.add_observation(&id, &early, now).unwrap();
    store.add_observation(&id, &untimed, now).unwrap();
    case.add_observation(early);
    case.add_observation(untimed);
    let got = store.get(&id).unwrap();
    assert_eq!(
        got.case, case,
        "the stored case equals the case with the same observations added in memory"
    );
    assert_eq!(got.case.observations.len(), 4);
    assert_eq!(
        got.updated_at, now,
        "adding an observation updates the case"
    );
}

#[test]
fn checks_and_messages_are_kept_in_order_and_listed() {
    let (_dir, mut store) = fresh();
    let id = store
        .create_case(&example(0), t("2026-11-21T16:30:00+08:00"))
        .unwrap();
    let c1 = simple_check(
        "2026-11-21T16:30:00+08:00",
        "callback_lost",
        Some("2026-11-22T16:30:00+08:00"),
    );
    let c2 = simple_check("2026-11-22T09:00:00+08:00", "refund_in_progress", None);
    store.record_check(&id, &c1).unwrap();
    store.record_check(&id, &c2).unwrap();
    let mut m1 = message("2026-11-21T16:31:00+08:00", "您好，我的订单……");
    m1.sent_at = Some(t("2026-11-21T16:40:00+08:00"));
    let m2 = message("2026-11-22T09:01:00+08:00", "第二次联系");
    store.record_message(&id, &m1).unwrap();
    store.record_message(&id, &m2).unwrap();

    let got = store.get(&id).unwrap();
    assert_eq!(
        got.checks,
        [c1, c2.clone()],
        "checks come back oldest first"
    );
    assert_eq!(got.messages, [m1, m2], "messages come back oldest first");

    let list = store.list().unwrap();
    assert_eq!(
        list[0].last_check,
        Some(CheckSummary {
            at: c2.at,
            code: c2.code.clone(),
            broken_link: c2.broken_link.clone()
        }),
        "the list shows the most recent check"
    );
    assert_eq!(
        list[0].next_deadline, None,
        "the next deadline is the last check's (none here)"
    );
}

#[test]
fn delete_removes_the_case_with_its_checks_and_messages() {
    let (_dir, mut store) = fresh();
    let keep = store
        .create_case(&example(2), t("2026-11-21T12:00:00+08:00"))
        .unwrap();
    let gone = store
        .create_case(&example(0), t("2026-11-21T16:30:00+08:00"))
        .unwrap();
    for id in [&keep, &gone] {
        store
            .record_check(id, &simple_check("2026-11-21T16:30:00+08:00", "x", None))
            .unwrap();
        store
            .record_message(id, &message("2026-11-21T16:31:00+08:00", "hi"))
            .unwrap();
    }
    store.delete(&gone).unwrap();
    assert!(
        matches!(store.get(&gone), Err(StoreError::NotFound { id }) if id == gone),
        "a deleted case is not found"
    );
    let count = |table: &str| -> i64 {
        store
            .conn
            .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(count("checks"), 1, "the deleted case's checks go with it");
    assert_eq!(
        count("messages"),
        1,
        "the deleted case's messages go with it"
    );
    assert_eq!(
        store.get(&keep).unwrap().checks.len(),
        1,
        "other cases keep theirs"
    );
    assert!(matches!(
        store.delete(&gone),
        Err(StoreError::NotFound { .. })
    ));
}

#[test]
fn writes_to_an_unknown_case_fail_and_change_nothing() {
    let (_dir, mut store) = fresh();
    let now = t("2026-11-21T16:30:00+08:00");
    let missing = "dz-0000000000";
    assert!(matches!(
        store.save_edit(missing, 0, &example(0), now),
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        store.add_observation(missing, &observation(None, "x"), now),
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        store.record_check(
            missing,
            &simple_check("2026-11-21T16:30:00+08:00", "x", None)
        ),
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        store.record_message(missing, &message("2026-11-21T16:30:00+08:00", "x")),
        Err(StoreError::NotFound { .. })
    ));
    assert!(store.list().unwrap().is_empty());
}

// ---------------------------------------------------------------- ids

#[test]
fn a_unique_prefix_finds_a_case_and_an_ambiguous_one_lists_the_matches() {
    let (_dir, mut store) = fresh();
    for id in ["dz-d3kq0000a1", "dz-d3kq0000b2", "dz-d3kr00000c"] {
        store.import(&doc_with_id(example(0), id), false).unwrap();
    }
    assert_eq!(store.get("dz-d3kq0000a").unwrap().id, "dz-d3kq0000a1");
    assert_eq!(
        store.get("D3KR").unwrap().id,
        "dz-d3kr00000c",
        "four characters, any case, dz- optional"
    );
    assert_eq!(store.get("dz-d3kq0000b2").unwrap().id, "dz-d3kq0000b2");
    assert_eq!(
        store.get("d3kqOOOOa1").unwrap().id,
        "dz-d3kq0000a1",
        "O reads as 0"
    );

    let err = store.get("dz-d3kq").unwrap_err();
    match &err {
        StoreError::Ambiguous { prefix, matches } => {
            assert_eq!(prefix, "dz-d3kq");
            assert_eq!(matches, &["dz-d3kq0000a1", "dz-d3kq0000b2"]);
        }
        other => panic!("an ambiguous prefix is Ambiguous, got {other:?}"),
    }
    let text = err.to_string();
    assert!(
        text.contains("dz-d3kq0000a1") && text.contains("dz-d3kq0000b2"),
        "the message lists the matches: {text}"
    );

    let err = store.get("dz-zzzz").unwrap_err();
    assert!(
        matches!(&err, StoreError::NotFound { id } if id == "dz-zzzz"),
        "an unknown id is NotFound: {err:?}"
    );
    assert!(
        err.to_string().contains("dz-zzzz"),
        "the message names it: {err}"
    );

    let err = store.get("dz-d3k").unwrap_err();
    assert!(
        matches!(err, StoreError::BadId { .. }),
        "fewer than 4 characters is refused: {err:?}"
    );
    assert!(
        err.to_string().contains("at least 4"),
        "and says how many are needed: {err}"
    );
    assert!(matches!(
        store.delete("dz-d3kq"),
        Err(StoreError::Ambiguous { .. })
    ));
    assert_eq!(
        store.list().unwrap().len(),
        3,
        "an ambiguous delete deletes nothing"
    );
}

#[test]
fn cases_created_together_get_distinct_ids_sharing_a_time_prefix() {
    let (_dir, mut store) = fresh();
    let now = t("2026-11-21T16:30:00+08:00");
    let ids: Vec<String> = (0..20)
        .map(|_| store.create_case(&example(0), now).unwrap())
        .collect();
    let unique: std::collections::BTreeSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "every case gets its own id");
    assert!(
        matches!(store.get(&ids[0][..7]), Err(StoreError::Ambiguous { matches, .. }) if matches.len() >= 2),
        "ids made in the same second share their first characters (time order)"
    );
}

// ---------------------------------------------------------------- documents

#[test]
fn export_import_export_is_byte_identical_for_every_example() {
    let (_dir, mut source) = fresh();
    let (_dir2, mut target) = fresh();
    for (i, (name, _)) in EXAMPLES.iter().enumerate() {
        let case = example(i);
        let created = t("2026-11-21T16:30:00+08:00");
        let id = source.create_case(&case, created).unwrap();
        source
            .add_observation(
                &id,
                &observation(Some("2026-11-21T21:00:00+08:00"), "还在处理"),
                t("2026-11-21T21:05:00+08:00"),
            )
            .unwrap();
        let case = source.get(&id).unwrap().case;
        source
            .record_check(&id, &check_for(&case, &id, t("2026-11-22T09:00:00+08:00")))
            .unwrap();
        // A time in another offset must come back in that offset.
        source
            .record_check(&id, &check_for(&case, &id, t("2026-11-21T20:00:00-05:00")))
            .unwrap();
        let mut m = message(
            "2026-11-22T09:05:00+08:00",
            "您好：\n订单号……\n\"引号\" 和 \\ 反斜杠",
        );
        m.sent_at = Some(t("2026-11-22T09:30:00+08:00"));
        source.record_message(&id, &m).unwrap();

        let first = source.export(&id).unwrap().to_json();
        assert!(
            first.ends_with("}\n"),
            "{name}: a document ends in a newline"
        );
        assert!(
            first.contains("\"2026-11-21T20:00:00-05:00\""),
            "{name}: a check time in New York keeps its own offset"
        );
        let doc = CaseDocument::from_json(&first).unwrap();
        assert_eq!(doc.stored, source.get(&id).unwrap(), "{name}: read back");
        assert_eq!(
            target.import(&doc, false).unwrap(),
            id,
            "{name}: import keeps the id"
        );
        let second = target.export(&id).unwrap().to_json();
        assert_eq!(
            first, second,
            "{name}: export → import → export is byte for byte the same"
        );
    }
    assert_eq!(target.list().unwrap(), source.list().unwrap());
}

#[test]
fn the_document_has_format_version_and_flat_fields() {
    let (_dir, mut store) = fresh();
    let id = store
        .create_case(&example(2), t("2026-11-21T12:00:00+08:00"))
        .unwrap();
    let text = store.export(&id).unwrap().to_json();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["format"], "daozhang-case");
    assert_eq!(v["version"], 1);
    assert_eq!(v["id"], id.as_str(), "the stored case is flattened in");
    assert_eq!(v["case"]["amount"]["amount"], "50.00", "amounts are text");
    assert!(
        text.starts_with("{\n  \"format\": \"daozhang-case\",\n  \"version\": 1,\n  \"id\""),
        "keys come in a fixed order: {}",
        &text[..80]
    );
}

#[test]
fn import_refuses_an_existing_id_unless_replace() {
    let (_dir, mut store) = fresh();
    let id = store
        .create_case(&example(0), t("2026-11-21T16:30:00+08:00"))
        .unwrap();
    store
        .record_check(&id, &simple_check("2026-11-21T16:30:00+08:00", "old", None))
        .unwrap();
    let mut doc = store.export(&id).unwrap();
    doc.stored.case.item = Some("replaced".to_owned());
    doc.stored.checks = vec![simple_check("2026-11-23T10:00:00+08:00", "new", None)];

    let err = store.import(&doc, false).unwrap_err();
    assert!(
        matches!(&err, StoreError::Exists { id: e } if *e == id),
        "{err:?}"
    );
    assert!(
        err.to_string().contains(&id),
        "the message names the id: {err}"
    );
    assert_eq!(
        store.get(&id).unwrap().case.item.as_deref(),
        Some("DOU+ 上热门推广（200 元档）"),
        "a refused import changes nothing"
    );

    assert_eq!(store.import(&doc, true).unwrap(), id);
    let got = store.get(&id).unwrap();
    assert_eq!(
        got, doc.stored,
        "replace swaps in the document's case, checks and messages"
    );
    assert_eq!(got.checks.len(), 1, "the old check went with the old case");
}

#[test]
fn documents_of_another_kind_are_refused_clearly() {
    let (_dir, mut store) = fresh();
    let id = store
        .create_case(&example(1), t("2026-11-21T20:40:00+08:00"))
        .unwrap();
    let good = store.export(&id).unwrap().to_json();
    let cases: Vec<(&str, String, &str)> = vec![
        ("garbage", "this is not json".to_owned(), "not valid JSON"),
        ("empty", String::new(), "not valid JSON"),
        ("an array", "[1, 2]".to_owned(), "JSON array"),
        (
            "another format",
            good.replace("\"daozhang-case\"", "\"something-else\""),
            "\"something-else\"",
        ),
        (
            "no format",
            good.replace("\"format\": \"daozhang-case\",", ""),
            "no \"format\"",
        ),
        (
            "a newer version",
            good.replace("\"version\": 1,", "\"version\": 2,"),
            "newer Daozhang",
        ),
        (
            "version 0",
            good.replace("\"version\": 1,", "\"version\": 0,"),
            "version 0 does not exist",
        ),
        (
            "a missing field",
            good.replace("\"order_id\"", "\"order_number\""),
            "order_id",
        ),
        (
            "a bad id",
            good.replace(&format!("\"id\": \"{id}\""), "\"id\": \"case-1\""),
            "\"case-1\"",
        ),
        (
            "an unknown field",
            good.replace("\"format\"", "\"colour\": 1,\n  \"format\""),
            "unknown field `colour`",
        ),
        (
            "a bad amount",
            good.replace("\"68.00\"", "\"sixty-eight\""),
            "damaged",
        ),
    ];
    for (what, text, expected) in cases {
        match CaseDocument::from_json(&text) {
            Err(StoreError::BadDocument(message)) => assert!(
                message.contains(expected),
                "{what}: the message should contain {expected:?}: {message}"
            ),
            other => panic!("{what}: expected BadDocument, got {other:?}"),
        }
    }
    let mut doc = CaseDocument::from_json(&good).unwrap();
    doc.version = 7;
    assert!(
        matches!(store.import(&doc, true), Err(StoreError::BadDocument(_))),
        "import checks the version too"
    );
}

// ---------------------------------------------------------------- the file

#[test]
fn reopening_the_file_keeps_everything() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested").join("deeper").join(FILE_NAME);
    let (before, list_before) = {
        let mut store = Store::open(&path).expect("missing directories are created");
        assert_eq!(store.path(), path);
        let id = store
            .create_case(&example(0), t("2026-11-21T16:30:00+08:00"))
            .unwrap();
        store
            .add_observation(&id, &observation(None, "x"), t("2026-11-21T16:40:00+08:00"))
            .unwrap();
        store
            .record_check(
                &id,
                &simple_check(
                    "2026-11-21T16:30:00+08:00",
                    "c",
                    Some("2026-11-24T18:00:00+08:00"),
                ),
            )
            .unwrap();
        store
            .record_message(&id, &message("2026-11-21T16:31:00+08:00", "m"))
            .unwrap();
        (store.get(&id).unwrap(), store.list().unwrap())
    };
    let store = Store::open(&path).expect("the file reopens");
    assert_eq!(
        store.get(&before.id).unwrap(),
        before,
        "everything written is there after reopening"
    );
    assert_eq!(store.list().unwrap(), list_before);
    assert_eq!(
        list_before[0].next_deadline,
        Some(t("2026-11-24T18:00:00+08:00"))
    );
}

#[test]
fn the_file_is_wal_with_full_sync_and_foreign_keys() {
    let (_dir, store) = fresh();
    let pragma = |name: &str| -> String {
        store
            .conn
            .query_row(&format!("PRAGMA {name}"), [], |r| {
                r.get::<_, rusqlite::types::Value>(0)
            })
            .map(|v| match v {
                rusqlite::types::Value::Integer(i) => i.to_string(),
                rusqlite::types::Value::Text(s) => s,
                other => format!("{other:?}"),
            })
            .unwrap()
    };
    assert_eq!(pragma("journal_mode"), "wal");
    assert_eq!(pragma("synchronous"), "2", "FULL");
    assert_eq!(pragma("foreign_keys"), "1");
    assert_eq!(pragma("user_version"), SCHEMA_VERSION.to_string());
    assert_eq!(pragma("busy_timeout"), "5000");
}

#[test]
fn a_file_from_a_newer_daozhang_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(FILE_NAME);
    drop(Store::open(&path).unwrap());
    {
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
    }
    let bytes = std::fs::read(&path).unwrap();
    let err = Store::open(&path).unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::NewerSchema {
                found: 99,
                supported: SCHEMA_VERSION,
                ..
            }
        ),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(
        text.contains("newer Daozhang (schema 99)")
            && text.contains(&format!("up to {SCHEMA_VERSION}"))
            && text.contains(&path.display().to_string()),
        "the message says what and where: {text}"
    );
    assert_eq!(
        std::fs::read(&path).unwrap(),
        bytes,
        "the newer file is not modified"
    );
}

#[test]
fn a_file_that_is_not_sqlite_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(FILE_NAME);
    let junk = "this is a text file, not a case file\n".repeat(50);
    std::fs::write(&path, &junk).unwrap();
    let err = Store::open(&path).unwrap_err();
    assert!(matches!(err, StoreError::NotACaseFile { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains(&path.display().to_string()) && text.contains("not an SQLite database"),
        "the message names the file and the problem: {text}"
    );
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        junk,
        "the file is untouched"
    );
}

#[test]
fn another_programs_database_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(FILE_NAME);
    {
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(
            "CREATE TABLE bookmarks (url TEXT); INSERT INTO bookmarks VALUES ('x');",
        )
        .unwrap();
    }
    let err = Store::open(&path).unwrap_err();
    assert!(
        matches!(&err, StoreError::NotACaseFile { problem, .. } if problem.contains("bookmarks")),
        "{err:?}"
    );
}

#[test]
fn a_directory_that_cannot_be_created_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("a-file");
    std::fs::write(&blocker, "x").unwrap();
    let path = blocker.join("sub").join(FILE_NAME);
    let err = Store::open(&path).unwrap_err();
    assert!(matches!(err, StoreError::Io { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains(&blocker.join("sub").display().to_string())
            && text.contains("cannot create the directory"),
        "the message names the directory and the problem: {text}"
    );

    let err = Store::open(dir.path()).unwrap_err();
    assert!(
        matches!(&err, StoreError::NotACaseFile { problem, .. } if problem.contains("directory")),
        "a directory is not a case file: {err:?}"
    );
}

#[test]
fn a_message_of_an_unknown_audience_or_language_is_damage_naming_the_file() {
    let (dir, mut s) = fresh();
    let path = dir.path().join(FILE_NAME);
    let id = s
        .create_case(&example(0), t("2026-11-21T16:30:00+08:00"))
        .unwrap();
    let other = s
        .create_case(&example(1), t("2026-11-21T16:30:00+08:00"))
        .unwrap();
    s.record_message(&id, &message("2026-11-21T16:31:00+08:00", "你好"))
        .unwrap();
    let edit = |sql: &str| {
        let conn = Connection::open(&path).unwrap();
        conn.execute(sql, []).unwrap();
    };
    for (column, value, good) in [
        ("audience", "mayor", "platform_chat"),
        ("lang", "fr", "zh-CN"),
    ] {
        edit(&format!("UPDATE messages SET {column} = '{value}'"));
        let e = s.get(&id).unwrap_err();
        assert!(
            matches!(&e, StoreError::Damaged { path: p, id: i, .. } if *p == path && *i == id),
            "{e:?}"
        );
        let text = e.to_string();
        assert!(
            text.contains(&path.display().to_string()) && text.contains(value),
            "the message names the file and the value: {text}"
        );
        assert!(s.get(&other).is_ok(), "the other cases are unaffected");
        assert_eq!(s.list().unwrap().len(), 2, "and the list still reads");
        edit(&format!("UPDATE messages SET {column} = '{good}'"));
        assert_eq!(s.get(&id).unwrap().messages.len(), 1);
    }
}

// ---------------------------------------------------------------- edits

fn api_answer(raw: &str) -> Observation {
    Observation {
        at: Some(t("2026-11-21T15:15:12+08:00")),
        source: SourceKind::Alipay,
        via: Via::Api,
        raw: raw.to_owned(),
        claim: Claim::Paid,
        amount: None,
        payment_id: None,
        note: None,
    }
}

#[test]
fn an_edit_keeps_what_another_process_added_while_the_form_was_open() {
    let (dir, mut app) = fresh();
    let now = t("2026-11-21T16:00:00+08:00");
    let id = app.create_case(&example(0), now).unwrap();
    let opened = app.open_for_edit(&id).unwrap();

    // `daozhang follow run` (another process, its own connection) keeps a
    // provider's answer while the form is open.
    let mut cli = Store::open(&dir.path().join(FILE_NAME)).unwrap();
    let answer = api_answer("TRADE_SUCCESS");
    assert_eq!(
        cli.add_observations(&id, std::slice::from_ref(&answer), now)
            .unwrap(),
        1
    );

    // The form, which never saw the answer, saves the user's edit.
    let mut edited = opened.stored.case.clone();
    edited.item = Some("DOU+ 300 元档".to_owned());
    let saved = app
        .save_edit(
            &id,
            opened.revision,
            &edited,
            t("2026-11-21T16:05:00+08:00"),
        )
        .unwrap();
    assert_eq!(saved.kept, 1, "the answer that arrived meanwhile is kept");
    drop(app);
    drop(cli);

    let reloaded = Store::open(&dir.path().join(FILE_NAME))
        .unwrap()
        .get(&id)
        .unwrap()
        .case;
    assert_eq!(
        reloaded.item.as_deref(),
        Some("DOU+ 300 元档"),
        "the form's edit is saved"
    );
    assert!(
        reloaded.observations.contains(&answer),
        "the answer added during the edit is still in the case file: {:?}",
        reloaded.observations
    );
}

#[test]
fn a_form_saved_twice_around_a_check_keeps_the_checks_answers_both_times() {
    let (_dir, mut store) = fresh();
    let now = t("2026-11-21T16:00:00+08:00");
    let id = store.create_case(&example(0), now).unwrap();
    // First save of the form (revision 0), then a check adds an answer.
    let mut form = example(0);
    form.item = Some("first edit".to_owned());
    let first = store.save_edit(&id, 0, &form, now).unwrap();
    let answer = api_answer("TRADE_SUCCESS");
    store
        .add_observations(&id, std::slice::from_ref(&answer), now)
        .unwrap();
    // The same form, still without the answer, saves again, twice.
    form.item = Some("second edit".to_owned());
    let second = store.save_edit(&id, first.revision, &form, now).unwrap();
    assert_eq!(second.kept, 1);
    form.item = Some("third edit".to_owned());
    let third = store.save_edit(&id, second.revision, &form, now).unwrap();
    let case = store.get(&id).unwrap().case;
    assert_eq!(case.item.as_deref(), Some("third edit"));
    assert!(
        case.observations.contains(&answer),
        "the form never held the answer, so it never removed it (kept {} then {})",
        second.kept,
        third.kept
    );
}

#[test]
fn an_edit_removes_what_the_form_removed() {
    let (_dir, mut store) = fresh();
    let now = t("2026-11-21T16:00:00+08:00");
    let mut case = example(0);
    let typed = observation(Some("2026-11-21T15:20:00+08:00"), "客服说在处理");
    case.add_observation(typed.clone());
    let id = store.create_case(&case, now).unwrap();
    let opened = store.open_for_edit(&id).unwrap();
    store
        .add_observations(&id, &[api_answer("TRADE_SUCCESS")], now)
        .unwrap();
    let mut form = opened.stored.case.clone();
    form.observations.retain(|o| o != &typed);
    store.save_edit(&id, opened.revision, &form, now).unwrap();
    let kept = store.get(&id).unwrap().case.observations;
    assert!(!kept.contains(&typed), "the user deleted it in the form");
    assert!(kept.contains(&api_answer("TRADE_SUCCESS")));
}

#[test]
fn an_edit_whose_starting_point_is_unknown_is_refused_and_writes_nothing() {
    let (dir, mut app) = fresh();
    let now = t("2026-11-21T16:00:00+08:00");
    let id = app.create_case(&example(0), now).unwrap();
    app.add_observations(&id, &[api_answer("TRADE_SUCCESS")], now)
        .unwrap();
    // Another process's form that saw revision 0 (it is 1 now).
    let mut other = Store::open(&dir.path().join(FILE_NAME)).unwrap();
    let mut form = example(0);
    form.item = Some("stale".to_owned());
    let err = other.save_edit(&id, 0, &form, now).unwrap_err();
    assert!(
        matches!(&err, StoreError::Changed { id: i } if *i == id),
        "{err:?}"
    );
    assert!(err.to_string().contains("reopen"), "{err}");
    let case = app.get(&id).unwrap().case;
    assert_ne!(case.item.as_deref(), Some("stale"), "nothing was written");
    assert!(case.observations.contains(&api_answer("TRADE_SUCCESS")));
}

// ---------------------------------------------------------------- checks

#[test]
fn a_check_that_fails_to_make_its_record_writes_nothing() {
    let (_dir, mut store) = fresh();
    let now = t("2026-11-21T16:00:00+08:00");
    let id = store.create_case(&example(0), now).unwrap();
    let before = store.get(&id).unwrap();
    let follow_before = store.follow(&id).unwrap();
    let out: Result<(), StoreError> =
        store.commit_check(&id, &[api_answer("TRADE_SUCCESS")], now, |_, _, f| {
            f.enabled = false;
            Err(StoreError::Poisoned)
        });
    assert!(out.is_err());
    assert_eq!(
        store.get(&id).unwrap(),
        before,
        "neither the answer nor a record"
    );
    assert_eq!(store.follow(&id).unwrap(), follow_before);
}

#[test]
fn a_check_keeps_answers_record_and_follow_up_together() {
    let (_dir, mut store) = fresh();
    let now = t("2026-11-21T16:00:00+08:00");
    let id = store.create_case(&example(0), now).unwrap();
    let answer = api_answer("TRADE_SUCCESS");
    let seen = store
        .commit_check(
            &id,
            std::slice::from_ref(&answer),
            now,
            |id, case, f| -> Result<_, StoreError> {
                f.state.last_run = Some(now);
                Ok((
                    check_for(case, id, now),
                    case.observations.contains(&answer),
                ))
            },
        )
        .unwrap();
    assert!(seen, "the record is drawn from the case with the answer");
    let got = store.get(&id).unwrap();
    assert!(got.case.observations.contains(&answer));
    assert_eq!(got.checks.len(), 1);
    assert_eq!(store.follow(&id).unwrap().state.last_run, Some(now));
}

#[test]
fn two_holders_of_one_cases_check_lock_exclude_each_other() {
    let (_dir, store) = fresh();
    let path = store.check_lock_path("dz-0000000000");
    let first = CheckLock::try_take(&path).unwrap().expect("free at first");
    assert!(
        CheckLock::try_take(&path).unwrap().is_none(),
        "a second check (another open of the lock, as another process makes) is kept out"
    );
    assert!(
        CheckLock::take(&path, std::time::Duration::from_millis(120))
            .unwrap()
            .is_none(),
        "waiting gives up after its patience"
    );
    drop(first);
    assert!(
        CheckLock::try_take(&path).unwrap().is_some(),
        "free again once the first check ends"
    );
}

// ---------------------------------------------------------------- privacy

#[cfg(unix)]
#[test]
fn the_case_file_and_its_directory_are_readable_by_the_user_only() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("daozhang");
    let file = dir.join(FILE_NAME);
    let mut store = Store::open(&file).unwrap();
    store
        .create_case(&example(0), t("2026-11-21T16:00:00+08:00"))
        .unwrap();
    assert_eq!(mode(&dir), 0o700, "the data directory");
    assert_eq!(mode(&file), 0o600, "the case file");
    let wal = dir.join(format!("{FILE_NAME}-wal"));
    assert!(wal.exists(), "WAL mode keeps a journal beside the file");
    assert_eq!(
        mode(&wal),
        0o600,
        "the journal SQLite creates like the file"
    );
    let lock = store.check_lock_path("dz-0000000000");
    drop(CheckLock::try_take(&lock).unwrap());
    assert_eq!(
        mode(lock.parent().unwrap()),
        0o700,
        "the check locks' directory"
    );
    assert_eq!(mode(&lock), 0o600, "a check lock");
    drop(store);

    // A case file an earlier version left readable by others is made private.
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    Store::open(&file).unwrap();
    assert_eq!(mode(&file), 0o600);
}

#[test]
fn my_details_are_kept_across_opens_and_replaced_whole() {
    use crate::domain::details::MyDetails;
    let (dir, mut store) = fresh();
    assert_eq!(
        store.my_details().unwrap(),
        MyDetails::default(),
        "empty until saved"
    );
    let mine = MyDetails {
        name: Some("张三".into()),
        phone: Some("13800138000".into()),
        accounts: [("douyin_dou_plus".to_owned(), "抖音号 zhang".to_owned())].into(),
        ..MyDetails::default()
    };
    store
        .save_my_details(&mine, t("2026-12-06T20:00:00+08:00"))
        .unwrap();
    drop(store);
    let mut again = Store::open(&dir.path().join(FILE_NAME)).unwrap();
    assert_eq!(again.my_details().unwrap(), mine, "kept in the case file");
    let fewer = MyDetails {
        name: Some("张三".into()),
        ..MyDetails::default()
    };
    again
        .save_my_details(&fewer, t("2026-12-06T20:05:00+08:00"))
        .unwrap();
    assert_eq!(
        again.my_details().unwrap(),
        fewer,
        "a save replaces, it does not merge"
    );
}

#[test]
fn files_kept_with_a_case_are_copied_beside_it_once_and_go_with_it() {
    let (dir, mut store) = fresh();
    let id = store
        .create_case(&example(0), t("2026-11-21T16:00:00+08:00"))
        .unwrap();
    let src = tempfile::tempdir().unwrap();
    let a = src.path().join("shot.png");
    let b = src.path().join("other").join("shot.png");
    std::fs::create_dir(src.path().join("other")).unwrap();
    std::fs::write(&a, b"first screenshot").unwrap();
    std::fs::write(&b, b"second screenshot").unwrap();
    let kept = store
        .keep_files(&id, &[a.clone(), b.clone(), a.clone()])
        .unwrap();
    assert_eq!(
        kept,
        ["shot.png", "shot-2.png", "shot.png"],
        "the same name with other contents is numbered; the same file is kept once"
    );
    let folder = store.attachments_dir(&id);
    assert!(folder.starts_with(dir.path()), "beside the case file");
    assert_eq!(store.kept_files(&id), ["shot-2.png", "shot.png"]);
    assert_eq!(
        std::fs::read(folder.join("shot-2.png")).unwrap(),
        b"second screenshot"
    );
    std::fs::remove_file(&a).unwrap();
    assert_eq!(
        std::fs::read(folder.join("shot.png")).unwrap(),
        b"first screenshot",
        "the copy stays when the original goes"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(folder.join("shot.png"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "readable by the user only: {mode:o}");
    }

    let big = src.path().join("big.png");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(attachments::MAX_FILE_BYTES + 1)
        .unwrap();
    let err = store.keep_files(&id, &[big]).unwrap_err();
    assert!(matches!(err, StoreError::TooLarge { .. }), "{err}");
    assert_eq!(store.kept_files(&id).len(), 2, "nothing copied");
    assert!(matches!(
        store.keep_files("0000000000000000", std::slice::from_ref(&b)),
        Err(StoreError::NotFound { .. } | StoreError::BadId { .. })
    ));

    store.delete(&id).unwrap();
    assert!(!folder.exists(), "the files go with the case");
}
