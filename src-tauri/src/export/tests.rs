//! The Markdown case file (snapshots, both languages) and the calendar
//! (read back with the icalendar parser).

use chrono::DateTime;
use icalendar::{Component, DatePerhapsTime};

use super::*;
use crate::domain::case::parse_case_toml;
use crate::domain::diagnosis::Audience;
use crate::domain::text::Lang;
use crate::records::{MessageKind, MessageRecord};
use crate::report::CheckReport;

fn t(s: &str) -> Moment {
    DateTime::parse_from_rfc3339(s).unwrap()
}

fn msg(audience: &str, kind: MessageKind, sent: Option<&str>, text: &str) -> MessageRecord {
    MessageRecord {
        at: t("2026-11-24T09:00:00+08:00"),
        audience: Audience::parse(audience).unwrap(),
        lang: Lang::ZhCn,
        text: text.into(),
        sent_at: sent.map(t),
        kind,
    }
}

/// The DOU+ example after a chat, its answer and a ticket.
fn douyin() -> StoredCase {
    let case = parse_case_toml(include_str!(
        "../../../examples/douyin-dou-plus-alipay.toml"
    ))
    .unwrap();
    let first = t("2026-11-21T16:30:00+08:00");
    let check = CheckReport::check(&case, Some("dz-test".into()), first)
        .record()
        .unwrap();
    StoredCase {
        id: "dz-2n7k4q9x1m3p5r".into(),
        created_at: first,
        updated_at: first,
        case,
        checks: vec![check],
        messages: vec![
            // Written later, but answered: the history is ordered by date.
            msg(
                "platform_ticket",
                MessageKind::Complaint,
                None,
                "主题：订单 7439201234567890123 扣款未到账\n\n您好，| 表格符号 | 也照样显示。",
            ),
            msg(
                "platform_chat",
                MessageKind::Answer,
                Some("2026-11-21T17:05:00+08:00"),
                "亲，请耐心等待 24 小时。",
            ),
            msg(
                "platform_chat",
                MessageKind::Complaint,
                Some("2026-11-21T16:40:00+08:00"),
                "订单 7439201234567890123 已扣款 200 元，请补单。",
            ),
        ],
    }
}

const NOW: &str = "2026-11-24T10:00:00+08:00";

#[test]
fn markdown_case_file_snapshots() {
    let stored = douyin();
    let snap = Snapshot::new(&stored, t(NOW));
    for lang in Lang::ALL {
        insta::assert_snapshot!(format!("douyin__{}", lang.code()), markdown(&snap, lang));
    }
}

#[test]
fn markdown_links_the_kept_files_and_shows_the_screenshots() {
    let stored = douyin();
    let snap = Snapshot::new(&stored, t(NOW));
    let names = ["bill.csv".to_owned(), "dou-plus-order.png".to_owned()];
    let md = markdown_linked(
        &snap,
        Lang::En,
        Linked {
            folder: "case.files",
            names: &names,
        },
    );
    assert!(
        md.contains("1. platform order screenshot: `dou-plus-order.png` ([open](<case.files/dou-plus-order.png>))"),
        "the attachment links its copy:\n{md}"
    );
    assert!(
        md.contains("2. kept with the case: [open](<case.files/bill.csv>)"),
        "a kept file no attachment names is listed:\n{md}"
    );
    assert!(
        md.contains("![dou-plus-order.png](<case.files/dou-plus-order.png>)")
            && !md.contains("![bill.csv]"),
        "a screenshot is shown, a bill is not:\n{md}"
    );
    assert_eq!(
        markdown_linked(&snap, Lang::En, Linked::default()),
        markdown(&snap, Lang::En),
        "without kept files the page is as before"
    );
}

#[test]
fn markdown_keeps_the_history_oldest_first_and_tables_intact() {
    let stored = douyin();
    let md = markdown(&Snapshot::new(&stored, t(NOW)), Lang::En);
    let sent = md
        .find("### 2026-11-21 16:40 · Sent to")
        .expect("the chat, sent");
    let answer = md
        .find("### 2026-11-21 17:05 · Answer from")
        .expect("its answer");
    let ticket = md
        .find("### 2026-11-24 09:00 · Written (not marked sent)")
        .expect("the ticket, written only");
    assert!(sent < answer && answer < ticket, "oldest first");
    assert!(
        md.contains("> 您好，| 表格符号 | 也照样显示。"),
        "quoted as written"
    );
    assert!(
        md.contains("`dou-plus-order.png`"),
        "attachments by file name"
    );
    for line in md
        .lines()
        .filter(|l| l.starts_with("| 2026-11-21 15:15 | Alipay"))
    {
        assert_eq!(line.matches(" | ").count(), 6, "7 cells: {line}");
    }
    assert!(
        md.contains("| 1 ▶ |") || md.contains("| 2 ▶ |"),
        "the current rung is marked:\n{md}"
    );
}

#[test]
fn the_calendar_reads_back_with_stable_uids_and_correct_times() {
    let stored = douyin();
    let snap = Snapshot::new(&stored, t(NOW));
    let text = ics(&snap, Lang::En);
    assert!(
        text.starts_with("BEGIN:VCALENDAR\r\n"),
        "CRLF lines:\n{text}"
    );
    assert!(
        text.split("\r\n").all(|l| l.len() <= 75),
        "RFC 5545 folds lines at 75 octets"
    );
    let cal: icalendar::Calendar = text.parse().expect("the .ics parses back");
    let events: Vec<_> = cal.events().collect();
    let uids: Vec<&str> = events.iter().filter_map(|e| e.get_uid()).collect();
    let mut unique = uids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), uids.len(), "one event per item: {uids:?}");
    assert!(uids.iter().all(|u| u.starts_with("dz-2n7k4q9x1m3p5r-")));
    assert_eq!(
        ics(&snap, Lang::En),
        text,
        "the same case and moment give the same file (DTSTAMP is the evaluation time)"
    );

    let due = snap
        .analysis
        .deadlines
        .iter()
        .filter(|d| d.due.is_some())
        .count();
    assert!(events.len() >= due, "every dated deadline is an event");

    let by_uid = |u: &str| {
        events
            .iter()
            .find(|e| e.get_uid() == Some(&format!("dz-2n7k4q9x1m3p5r-{u}@daozhang")[..]))
            .unwrap_or_else(|| panic!("no event {u} in {uids:?}"))
    };
    // 12315's last day: the end of a day in Beijing, an all-day event.
    assert_eq!(
        by_uid("consumer_complaint").get_start(),
        Some(DatePerhapsTime::Date(
            chrono::NaiveDate::from_ymd_opt(2029, 11, 21).unwrap()
        ))
    );
    // "Contact the platform now": 10:00 Beijing time is 02:00 UTC.
    let start = by_uid("contact_platform").get_start().expect("a start");
    assert_eq!(
        start,
        DatePerhapsTime::DateTime(icalendar::CalendarDateTime::Utc(
            t(NOW).with_timezone(&chrono::Utc)
        )),
        "a moment is exported in UTC, not shifted by the zone"
    );
    assert!(text.contains("DTSTART:20261124T020000Z\r\n"));
    let summary = by_uid("contact_platform").get_summary().unwrap_or_default();
    assert!(summary.starts_with("Daozhang: "), "{summary}");
}

#[test]
fn the_chinese_calendar_escapes_and_folds_text() {
    let stored = douyin();
    let text = ics(&Snapshot::new(&stored, t(NOW)), Lang::ZhCn);
    let cal: icalendar::Calendar = text.parse().expect("the .ics parses back");
    let e = cal.events().next().expect("an event");
    let d = e.get_description().expect("a description");
    assert!(d.contains('\n'), "line breaks survive escaping: {d:?}");
    assert!(d.contains("抖音"), "{d}");
    assert!(text.split("\r\n").all(|l| l.len() <= 75));
    assert!(text.ends_with("END:VCALENDAR\r\n"));
}

#[test]
fn folding_never_splits_a_character_and_unfolds_to_the_original() {
    let long = format!("DESCRIPTION:{}", "到账了吗？".repeat(30));
    let folded = ics::fold(&format!("{long}\r\n"));
    assert!(folded.split("\r\n").all(|l| l.len() <= 75), "{folded}");
    assert_eq!(folded.replace("\r\n ", ""), format!("{long}\r\n"));
}
