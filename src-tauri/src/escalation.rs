//! The escalation ladder of a stored case and what the user records on it:
//! a complaint sent, an answer pasted back, a rung closed. One set of
//! operations for the CLI and the app (Tauri-free).

use serde::Serialize;

use crate::complaint;
use crate::export;
use chrono::NaiveDate;

use crate::domain::case::Contact;
use crate::domain::diagnosis::{Audience, analyze};
use crate::domain::ladder::Rung;
use crate::domain::text::Lang;
use crate::domain::time::{Moment, parse_moment};
use crate::error::{BoundaryError, ErrorCode};
use crate::records::{MessageKind, MessageRecord, StoredCase};
use crate::store::Store;

type Result<T> = std::result::Result<T, BoundaryError>;

/// The Markdown case file written to `to`, and the files kept with the
/// case copied beside it into the folder `<name>.files/` (linked from the
/// page, screenshots shown in it). Returns the names of the files copied.
pub fn write_markdown(
    store: &Store,
    stored: &StoredCase,
    now: Moment,
    lang: Lang,
    to: &std::path::Path,
) -> Result<Vec<String>> {
    let stem = to
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "case".to_owned());
    let folder = format!("{stem}.files");
    let dir = to
        .parent()
        .unwrap_or(std::path::Path::new(""))
        .join(&folder);
    let names = store.copy_kept_files(&stored.id, &dir)?;
    let snap = export::Snapshot::new(stored, now);
    let text = export::markdown_linked(
        &snap,
        lang,
        export::Linked {
            folder: &folder,
            names: &names,
        },
    );
    std::fs::write(to, text).map_err(|e| {
        let shown = to.display();
        BoundaryError::new(ErrorCode::Io, format!("cannot write {shown}: {e}")).with_details(
            serde_json::json!({ "text": crate::domain::text::Bilingual::new(
                format!("无法写入 {shown}：{e}"),
                format!("cannot write {shown}: {e}"),
            ) }),
        )
    })?;
    Ok(names)
}

/// The ladder of a case as of `now`, with its correspondence (oldest first).
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct LadderView {
    pub case_id: String,
    pub now: Moment,
    /// The diagnosis says the case needs nothing more.
    pub settled: bool,
    pub rungs: Vec<Rung>,
    pub messages: Vec<MessageRecord>,
}

/// The ladder of a stored case as of `now`.
pub fn view(stored: &StoredCase, now: Moment) -> LadderView {
    let analysis = analyze(&stored.case, now);
    LadderView {
        case_id: stored.id.clone(),
        now: analysis.now,
        settled: analysis.diagnosis.settled,
        rungs: stored.rungs(&analysis),
        messages: stored.messages.clone(),
    }
}

/// An audience as typed (`platform_chat`, `consumer-12315` …), for the CLI.
pub fn parse_audience(a: &str) -> Result<Audience> {
    Audience::parse(a).ok_or_else(|| {
        BoundaryError::new(
            ErrorCode::BadArgument,
            format!(
                "unknown audience {a:?}: expected one of {}",
                Audience::ALL.map(|x| x.code()).join(", ")
            ),
        )
    })
}

/// The day something was sent or received: `input` as a date or a time in
/// the case's zone (default: `now`); never after `now`, nor before the
/// order's day.
pub fn parse_day(input: Option<&str>, stored: &StoredCase, now: Moment) -> Result<Moment> {
    let case = &stored.case;
    let Some(text) = input.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(now);
    };
    let t = parse_moment(text, case.zone(), None).ok_or_else(|| {
        BoundaryError::new(
            ErrorCode::BadArgument,
            format!("{text:?} is not a date: expected 2026-11-21, 2026-11-21 16:30 or RFC 3339"),
        )
    })?;
    let mut t = t.with_timezone(&case.zone());
    // A day without a time: late that day (so an answer noted by its day
    // comes after a complaint sent that morning), but not after now.
    if chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").is_ok() {
        let end = t + chrono::Duration::seconds(24 * 3600 - 1);
        t = end.min(now).max(t);
    }
    if t > now {
        return Err(BoundaryError::new(
            ErrorCode::BadArgument,
            format!(
                "{text:?} is in the future (now is {}); give the day it actually happened",
                now.format("%Y-%m-%d %H:%M")
            ),
        ));
    }
    if t.date_naive() < case.submitted_at.date_naive() {
        return Err(BoundaryError::new(
            ErrorCode::BadArgument,
            format!(
                "{text:?} is before the order was placed ({})",
                case.submitted_at.format("%Y-%m-%d")
            ),
        ));
    }
    Ok(t)
}

/// `zh-CN` for text with Chinese characters in it, else `en`.
fn lang_of(text: &str) -> Lang {
    if crate::domain::text::has_han(text) {
        Lang::ZhCn
    } else {
        Lang::En
    }
}

/// What `mark_sent` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum SentOutcome {
    /// A complaint already written down got its sent date.
    Dated,
    /// Nothing was written down: the complaint for that audience was
    /// written in `lang` and kept as sent.
    Written,
}

/// Records that the complaint to `audience` went out on `at`.
pub fn mark_sent(
    store: &mut Store,
    id: &str,
    audience: Audience,
    at: Option<&str>,
    lang: Lang,
    now: Moment,
) -> Result<(SentOutcome, LadderView)> {
    let stored = store.get(id)?;
    let now = now.with_timezone(&stored.case.zone());
    let when = parse_day(at, &stored, now)?;
    let outcome = if store.mark_sent(&stored.id, audience, when)? {
        SentOutcome::Dated
    } else {
        let analysis = analyze(&stored.case, now);
        let case = stored.case.clone().with_details(&store.my_details()?);
        let c = complaint::generate(&case, &analysis, audience, lang);
        let text = match &c.subject {
            Some(sub) => format!("{sub}\n\n{}", c.text),
            None => c.text,
        };
        store.record_message(
            &stored.id,
            &MessageRecord {
                at: now,
                audience,
                lang,
                text,
                sent_at: Some(when),
                kind: MessageKind::Complaint,
            },
        )?;
        SentOutcome::Written
    };
    let stored = store.get(&stored.id)?;
    Ok((outcome, view(&stored, now)))
}

/// Keeps the answer `audience` gave on `at`.
pub fn record_reply(
    store: &mut Store,
    id: &str,
    audience: Audience,
    at: Option<&str>,
    reply: &Reply,
    now: Moment,
) -> Result<LadderView> {
    let text = reply.text.trim();
    if text.is_empty() {
        return Err(BoundaryError::new(
            ErrorCode::BadArgument,
            "the answer is empty: paste what they answered",
        ));
    }
    let ticket = reply
        .ticket
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty());
    if ticket.is_some_and(|t| t.chars().count() > 64 || t.chars().any(char::is_control)) {
        return Err(BoundaryError::new(
            ErrorCode::BadArgument,
            "the ticket number is at most 64 characters on one line",
        ));
    }
    let promised_by = match reply.promised_by.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(d) => Some(NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| {
            BoundaryError::new(
                ErrorCode::BadArgument,
                format!("the promised day {d:?} is not a date such as 2026-11-28"),
            )
        })?),
    };
    let stored = store.get(id)?;
    let zone = stored.case.zone();
    let when = parse_day(at, &stored, now.with_timezone(&zone))?;
    record(store, id, audience, at, text, MessageKind::Answer, now)?;
    // The answer joins the case's contacts, so every later text quotes it
    // with its date, ticket number and promise.
    let contact = Contact {
        at: when,
        with: who(&stored.case, audience),
        note: None,
        answer: Some(text.to_owned()),
        ticket: ticket.map(str::to_owned),
        promised_by,
    };
    store.add_contact(&stored.id, &contact, now)?;
    let stored = store.get(&stored.id)?;
    Ok(view(&stored, now.with_timezone(&zone)))
}

/// What a channel answered: its words, and the ticket number and the day
/// it promised, when it gave them.
#[derive(Debug, Clone, Default, serde::Deserialize, ts_rs::TS)]
pub struct Reply {
    pub text: String,
    #[serde(default)]
    pub ticket: Option<String>,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    pub promised_by: Option<String>,
}

/// Who answered, as a contact names them (in Chinese, as the case's
/// channels are): the platform's support, the payer's, or the channel.
fn who(case: &crate::domain::case::Case, audience: Audience) -> String {
    match audience {
        Audience::PlatformChat | Audience::PlatformTicket => {
            format!("{}客服", case.platform.display().zh_cn)
        }
        Audience::PaymentProvider => {
            let payer = case
                .payments
                .iter()
                .find_map(|p| p.provider)
                .filter(|p| *p != crate::domain::observation::SourceKind::Epay)
                .or_else(|| case.method.provider());
            match payer {
                Some(p) => format!("{}客服", p.label().zh_cn),
                None => audience.label().zh_cn,
            }
        }
        other => other.label().zh_cn,
    }
}

/// Closes the rung of `audience` on `at`, with the user's note (settled,
/// refused, given up …).
pub fn close_rung(
    store: &mut Store,
    id: &str,
    audience: Audience,
    at: Option<&str>,
    note: &str,
    now: Moment,
) -> Result<LadderView> {
    record(
        store,
        id,
        audience,
        at,
        note.trim(),
        MessageKind::Closed,
        now,
    )
}

fn record(
    store: &mut Store,
    id: &str,
    audience: Audience,
    at: Option<&str>,
    text: &str,
    kind: MessageKind,
    now: Moment,
) -> Result<LadderView> {
    let stored = store.get(id)?;
    let now = now.with_timezone(&stored.case.zone());
    let when = parse_day(at, &stored, now)?;
    store.record_message(
        &stored.id,
        &MessageRecord {
            at: now,
            audience,
            lang: lang_of(text),
            text: text.to_owned(),
            sent_at: Some(when),
            kind,
        },
    )?;
    let stored = store.get(&stored.id)?;
    Ok(view(&stored, now))
}

#[cfg(test)]
mod tests {
    use chrono::DateTime;

    use super::*;
    use crate::domain::case::parse_case_toml;
    use crate::domain::ladder::RungStatus;
    use crate::store::FILE_NAME;

    fn t(s: &str) -> Moment {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    fn said(text: &str) -> Reply {
        Reply {
            text: text.to_owned(),
            ..Reply::default()
        }
    }

    fn rung(v: &LadderView, a: Audience) -> &Rung {
        v.rungs.iter().find(|r| r.audience == a).unwrap()
    }

    #[test]
    fn sent_reply_and_close_move_the_ladder() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(&dir.path().join(FILE_NAME)).unwrap();
        let case =
            parse_case_toml(include_str!("../../examples/douyin-dou-plus-alipay.toml")).unwrap();
        let now = t("2026-11-24T10:00:00+08:00");
        let id = s.create_case(&case, now).unwrap();

        let (outcome, v) = mark_sent(
            &mut s,
            &id,
            Audience::PlatformChat,
            Some("2026-11-21 16:40"),
            Lang::ZhCn,
            now,
        )
        .unwrap();
        assert_eq!(
            outcome,
            SentOutcome::Written,
            "nothing was written down yet, so the complaint is written and kept as sent"
        );
        assert_eq!(
            rung(&v, Audience::PlatformChat).status,
            RungStatus::Sent {
                at: t("2026-11-21T16:40:00+08:00")
            }
        );
        assert!(v.messages[0].text.contains("7439201234567890123"));

        let v = record_reply(
            &mut s,
            &id,
            Audience::PlatformChat,
            Some("2026-11-22"),
            &said("  请耐心等待  "),
            now,
        )
        .unwrap();
        assert_eq!(
            rung(&v, Audience::PlatformChat).status,
            RungStatus::Answered {
                at: t("2026-11-22T23:59:59+08:00")
            }
        );
        assert_eq!(v.messages[1].text, "请耐心等待", "trimmed");
        assert_eq!(v.messages[1].lang, Lang::ZhCn);
        assert!(rung(&v, Audience::PlatformTicket).current);

        let v = close_rung(&mut s, &id, Audience::PlatformChat, None, "no help", now).unwrap();
        assert_eq!(
            rung(&v, Audience::PlatformChat).status,
            RungStatus::Closed {
                at: now,
                note: "no help".into()
            }
        );
        assert_eq!(v.messages.len(), 3);

        // A complaint written down first is dated, not written again.
        s.record_message(
            &id,
            &MessageRecord {
                at: now,
                audience: Audience::PlatformTicket,
                lang: Lang::En,
                text: "my ticket".into(),
                sent_at: None,
                kind: MessageKind::Complaint,
            },
        )
        .unwrap();
        let (outcome, v) =
            mark_sent(&mut s, &id, Audience::PlatformTicket, None, Lang::En, now).unwrap();
        assert_eq!(outcome, SentOutcome::Dated);
        assert_eq!(v.messages.len(), 4);
        assert_eq!(v.messages[3].sent_at, Some(now));
    }

    #[test]
    fn bad_input_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(&dir.path().join(FILE_NAME)).unwrap();
        let case =
            parse_case_toml(include_str!("../../examples/douyin-dou-plus-alipay.toml")).unwrap();
        let now = t("2026-11-24T10:00:00+08:00");
        let id = s.create_case(&case, now).unwrap();
        let cases = [
            (
                record_reply(&mut s, &id, Audience::PlatformChat, None, &said(" "), now),
                "empty",
            ),
            (
                parse_audience("the_boss")
                    .and_then(|a| record_reply(&mut s, &id, a, None, &said("hi"), now)),
                "unknown audience",
            ),
            (
                record_reply(
                    &mut s,
                    &id,
                    Audience::PlatformChat,
                    Some("2026-11-25"),
                    &said("hi"),
                    now,
                ),
                "in the future",
            ),
            (
                record_reply(
                    &mut s,
                    &id,
                    Audience::PlatformChat,
                    Some("2026-11-20"),
                    &said("hi"),
                    now,
                ),
                "before the order",
            ),
            (
                record_reply(
                    &mut s,
                    &id,
                    Audience::PlatformChat,
                    Some("soon"),
                    &said("hi"),
                    now,
                ),
                "not a date",
            ),
        ];
        for (got, says) in cases {
            let e = got.expect_err(says);
            assert_eq!(e.code, ErrorCode::BadArgument, "{says}: {e:?}");
            assert!(
                e.message.contains(says),
                "{:?} should say {says:?}",
                e.message
            );
        }
        assert!(s.get(&id).unwrap().messages.is_empty(), "nothing was kept");
    }
}

#[cfg(test)]
mod reply_tests {
    use chrono::DateTime;

    use super::*;
    use crate::domain::case::parse_case_toml;
    use crate::store::FILE_NAME;

    #[test]
    fn an_answer_with_a_ticket_and_a_promise_joins_the_cases_contacts() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(&dir.path().join(FILE_NAME)).unwrap();
        let case =
            parse_case_toml(include_str!("../../examples/douyin-dou-plus-alipay.toml")).unwrap();
        let now = DateTime::parse_from_rfc3339("2026-11-24T10:00:00+08:00").unwrap();
        let id = s.create_case(&case, now).unwrap();
        let before = s.get(&id).unwrap().case.contacts.len();
        let reply = Reply {
            text: "已为您提交工单，请耐心等待".into(),
            ticket: Some(" GD20261122001 ".into()),
            promised_by: Some("2026-11-26".into()),
        };
        record_reply(
            &mut s,
            &id,
            Audience::PlatformChat,
            Some("2026-11-22"),
            &reply,
            now,
        )
        .unwrap();
        let case = s.get(&id).unwrap().case;
        assert_eq!(case.contacts.len(), before + 1);
        let c = case.contacts.iter().find(|c| c.ticket.is_some()).unwrap();
        assert_eq!(c.ticket.as_deref(), Some("GD20261122001"));
        assert_eq!(c.promised_by, NaiveDate::from_ymd_opt(2026, 11, 26));
        assert_eq!(c.with, "抖音 DOU+客服");
        assert_eq!(c.answer.as_deref(), Some("已为您提交工单，请耐心等待"));

        // The ladder waits out the promise, then gives its passing as the
        // reason for the ticket.
        let stored = s.get(&id).unwrap();
        let ticket = |v: &LadderView| {
            v.rungs
                .iter()
                .find(|r| r.audience == Audience::PlatformTicket)
                .unwrap()
                .clone()
        };
        let waiting = ticket(&view(&stored, now));
        assert!(
            waiting.earliest
                >= Some(DateTime::parse_from_rfc3339("2026-11-26T23:59:59+08:00").unwrap()),
            "{waiting:?}"
        );
        assert!(
            waiting.why.zh_cn.contains("承诺 2026-11-26 前处理"),
            "{}",
            waiting.why.zh_cn
        );
        let later = DateTime::parse_from_rfc3339("2026-11-27T09:00:00+08:00").unwrap();
        let due = ticket(&view(&stored, later));
        assert!(
            due.why.zh_cn.contains("已过期仍未处理"),
            "{}",
            due.why.zh_cn
        );
        assert!(due.why.en.contains("that day has passed"), "{}", due.why.en);

        let bad = Reply {
            promised_by: Some("next week".into()),
            ..reply
        };
        let e = record_reply(&mut s, &id, Audience::PlatformChat, None, &bad, now).unwrap_err();
        assert_eq!(e.code, ErrorCode::BadArgument);
        assert!(e.message.contains("next week"), "{e:?}");
        assert_eq!(
            s.get(&id).unwrap().case.contacts.len(),
            before + 1,
            "nothing is kept from a refused answer"
        );
    }
}
