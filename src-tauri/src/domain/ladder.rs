//! The escalation ladder of a case (deadlines.md, "Escalation ladder"):
//! platform customer-service chat → platform ticket → payment provider →
//! 12315 / 黑猫投诉 → card issuer. Each rung has a status taken from the
//! case's correspondence, an "earliest sensible" day (wait at least until
//! then), a "last possible" day where a rule sets one, a short text saying
//! why now or what to wait for, and whether it is the rung to act on.
//!
//! Pure: the correspondence comes in as [`Entry`]s (the store's messages,
//! converted by the caller); every number comes from `data/windows.toml`.

use chrono::Duration;
use serde::Serialize;

use super::calendar::{BusinessCalendar, CalendarError};
use super::case::Case;
use super::diagnosis::{
    Analysis, Audience, calendar_problem_text, end_of_business_day_after, end_of_day_after,
    last_day_12315, short_date, short_time,
};
use super::observation::SourceKind;
use super::text::Bilingual;
use super::time::{Moment, end_of_day};
use super::timeline::{self, source_name};
use super::windows::Windows;

/// One entry of a case's correspondence, as the ladder reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub audience: Audience,
    pub kind: EntryKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum EntryKind {
    /// A complaint written but not (yet) marked as sent.
    Draft,
    /// A complaint sent on that day.
    Sent(Moment),
    /// An answer received on that day.
    Answer(Moment),
    /// The rung closed on that day, with the user's note.
    Closed(Moment, String),
}

/// Where a rung stands.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum RungStatus {
    /// Nothing sent yet.
    NotYet,
    /// The complaint went out on `at`; no answer yet.
    Sent { at: Moment },
    /// An answer came back on `at` (the latest one).
    Answered { at: Moment },
    /// The user closed the rung on `at`.
    Closed { at: Moment, note: String },
}

impl RungStatus {
    /// Something was done on this rung.
    fn acted(&self) -> bool {
        !matches!(self, RungStatus::NotYet)
    }
}

/// One rung of the ladder.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct Rung {
    pub audience: Audience,
    /// 1-based position; 12315 and 黑猫投诉 share one (either will do).
    pub step: u8,
    pub label: Bilingual,
    pub status: RungStatus,
    /// Wait at least until then before going to this rung.
    pub earliest: Option<Moment>,
    /// Why `earliest` could not be given (a business day outside the
    /// holiday calendar's years), when it could not.
    pub earliest_problem: Option<Bilingual>,
    /// After this day the rung is gone (12315: 3 years; card dispute:
    /// 120 days; WeChat Pay refunds: 365 days from payment).
    pub last: Option<Moment>,
    pub last_passed: bool,
    /// Complaints written for this rung but not marked as sent.
    pub drafts: usize,
    /// Why now, or what to wait for, in both languages.
    pub why: Bilingual,
    /// The rung to act on (or to wait on) now.
    pub current: bool,
}

type Day = Result<Moment, CalendarError>;

/// The ladder of `case` as of `analysis.now`.
pub fn ladder(
    case: &Case,
    analysis: &Analysis,
    entries: &[Entry],
    w: &Windows,
    cal: &BusinessCalendar,
) -> Vec<Rung> {
    let now = analysis.now;
    let (_, _, facts) = timeline::build(case, now, w);
    let provider = facts.provider;
    let paid_at = facts.paid_at.unwrap_or(case.submitted_at);
    // A card charged directly; a card inside Alipay or WeChat Pay goes to
    // the payment provider first.
    let is_card = case.method.is_card();

    let mut audiences = vec![Audience::PlatformChat, Audience::PlatformTicket];
    if provider.is_some() {
        audiences.push(Audience::PaymentProvider);
    }
    audiences.extend([Audience::Consumer12315, Audience::Heimao]);
    if is_card {
        audiences.push(Audience::CardIssuer);
    }
    let step_of = |a: Audience| -> u8 {
        let base = match a {
            Audience::PlatformChat => 1,
            Audience::PlatformTicket => 2,
            Audience::PaymentProvider => 3,
            Audience::Consumer12315 | Audience::Heimao => 4,
            Audience::CardIssuer => 5,
        };
        // Without a provider rung the later ones move up.
        if provider.is_none() && base > 3 {
            base - 1
        } else {
            base
        }
    };
    let status_of = |a: Audience| status(entries, a);
    let drafts_of = |a: Audience| {
        entries
            .iter()
            .filter(|e| e.audience == a && e.kind == EntryKind::Draft)
            .count()
    };

    // When the platform has had its normal window: the chat's earliest day.
    let chat_earliest: Day = Ok(if facts.money_moved.is_some() {
        paid_at + Duration::minutes(w.stage.callback_minutes)
    } else {
        case.submitted_at + Duration::minutes(w.stage.bank_processing_minutes)
    });
    // A rung's "turn" starts when it was contacted (or, not yet contacted,
    // at its own earliest day); an answer or a close ends the turn at once.
    // The day an answer promised a fix by (a reply recorded with its
    // promise joins the case's contacts at the answer's time).
    let promise_of = |a: Audience| match status_of(a) {
        RungStatus::Answered { at } => case
            .contacts
            .iter()
            .filter(|c| c.at == at)
            .find_map(|c| c.promised_by),
        _ => None,
    };
    let next_after = |prev: Audience, prev_earliest: &Day, days: u32| -> Day {
        match status_of(prev) {
            // A promised day is waited out: its passing is the reason to
            // go on.
            RungStatus::Answered { at } => Ok(match promise_of(prev) {
                Some(d) => at.max(end_of_day(d, at)),
                None => at,
            }),
            RungStatus::Closed { at, .. } => Ok(at),
            RungStatus::Sent { at } => end_of_business_day_after(cal, at, days),
            RungStatus::NotYet => {
                let from = prev_earliest.clone()?;
                end_of_business_day_after(cal, from.max(now), days)
            }
        }
    };
    let e = &w.escalation;
    let ticket_earliest = next_after(
        Audience::PlatformChat,
        &chat_earliest,
        e.ticket_after_chat_business_days,
    );
    // The merchant (platform) has had its review once the ticket's turn is over.
    let platform_done = next_after(
        Audience::PlatformTicket,
        &ticket_earliest,
        w.review.platform_business_days,
    );
    let mut provider_earliest = platform_done.clone();
    // When the provider's side broke (risk control, an outage), its support
    // is the first to ask: the diagnosis says so with a dated step.
    if let Some(due) = analysis
        .next_steps
        .iter()
        .find(|s| s.action == "contact_provider_support")
        .and_then(|s| s.due)
    {
        provider_earliest = Ok(provider_earliest.map_or(due, |d| d.min(due)));
    }
    let outside_earliest = if provider.is_some() {
        next_after(
            Audience::PaymentProvider,
            &provider_earliest,
            w.review.provider_business_days,
        )
    } else {
        platform_done.clone()
    };
    // The card issuer after the merchant (and the provider) had its chance.
    let card_earliest = outside_earliest.clone();

    let wechat_last = (provider == Some(SourceKind::WechatPay) && facts.money_moved.is_some())
        .then(|| end_of_day_after(paid_at, e.wechat_refund_days));
    let platform_name = case.platform.display();
    let provider_name = provider
        .map(|p| source_name(p, case))
        .unwrap_or_else(|| Bilingual::new("支付方", "the payment provider"));

    let mut rungs: Vec<Rung> = audiences
        .iter()
        .map(|&a| {
            let (earliest, last, reason) = match a {
                Audience::PlatformChat => (
                    &chat_earliest,
                    wechat_last,
                    Bilingual::new(
                        format!(
                            "{}通常在付款后 {} 分钟内到账",
                            platform_name.zh_cn, w.stage.callback_minutes
                        ),
                        format!(
                            "{} normally credits within {} min of the payment",
                            platform_name.en, w.stage.callback_minutes
                        ),
                    ),
                ),
                Audience::PlatformTicket => (
                    &ticket_earliest,
                    wechat_last,
                    Bilingual::new(
                        format!(
                            "在线客服有 {} 个工作日答复",
                            e.ticket_after_chat_business_days
                        ),
                        format!(
                            "the chat gets {} business day(s) to answer",
                            e.ticket_after_chat_business_days
                        ),
                    ),
                ),
                Audience::PaymentProvider => (
                    &provider_earliest,
                    wechat_last,
                    Bilingual::new(
                        format!(
                            "{}有 {} 个工作日处理工单",
                            platform_name.zh_cn, w.review.platform_business_days
                        ),
                        format!(
                            "{} gets {} business days to review the ticket",
                            platform_name.en, w.review.platform_business_days
                        ),
                    ),
                ),
                Audience::Consumer12315 | Audience::Heimao => (
                    &outside_earliest,
                    (a == Audience::Consumer12315).then(|| last_day_12315(case, w)),
                    if provider.is_some() {
                        Bilingual::new(
                            format!(
                                "{}有 {} 个工作日答复",
                                provider_name.zh_cn, w.review.provider_business_days
                            ),
                            format!(
                                "{} gets {} business days to answer",
                                provider_name.en, w.review.provider_business_days
                            ),
                        )
                    } else {
                        Bilingual::new(
                            format!(
                                "{}有 {} 个工作日处理工单",
                                platform_name.zh_cn, w.review.platform_business_days
                            ),
                            format!(
                                "{} gets {} business days to review the ticket",
                                platform_name.en, w.review.platform_business_days
                            ),
                        )
                    },
                ),
                Audience::CardIssuer => (
                    &card_earliest,
                    Some(end_of_day_after(paid_at, e.card_dispute_days)),
                    Bilingual::new(
                        "先让商家和支付方有机会处理",
                        "the merchant and the provider get their chance first",
                    ),
                ),
            };
            // A turn ended by an answer or a close says so instead.
            let prev = match a {
                Audience::PlatformChat => None,
                Audience::PlatformTicket => Some(Audience::PlatformChat),
                Audience::PaymentProvider => Some(Audience::PlatformTicket),
                _ if provider.is_some() => Some(Audience::PaymentProvider),
                _ => Some(Audience::PlatformTicket),
            };
            let reason = match prev.map(|p| (p, status_of(p))) {
                Some((p, RungStatus::Answered { at })) => match promise_of(p) {
                    Some(d) if end_of_day(d, at) < now => Bilingual::new(
                        format!(
                            "{}承诺 {} 前处理，已过期仍未处理",
                            p.label().zh_cn,
                            d.format("%Y-%m-%d")
                        ),
                        format!(
                            "the {} promised a fix by {}, and that day has passed",
                            p.label().en,
                            d.format("%Y-%m-%d")
                        ),
                    ),
                    Some(d) => Bilingual::new(
                        format!(
                            "{}已于 {} 答复，承诺 {} 前处理",
                            p.label().zh_cn,
                            short_date(at),
                            d.format("%Y-%m-%d")
                        ),
                        format!(
                            "the {} answered on {}, promising a fix by {}",
                            p.label().en,
                            short_date(at),
                            d.format("%Y-%m-%d")
                        ),
                    ),
                    None => Bilingual::new(
                        format!("{}已于 {} 答复", p.label().zh_cn, short_date(at)),
                        format!("the {} answered on {}", p.label().en, short_date(at)),
                    ),
                },
                Some((p, RungStatus::Closed { at, .. })) => Bilingual::new(
                    format!("{}已于 {} 结束", p.label().zh_cn, short_date(at)),
                    format!("the {} was closed on {}", p.label().en, short_date(at)),
                ),
                _ => reason,
            };
            let (earliest, earliest_problem) = match earliest {
                Ok(d) => (Some(*d), None),
                Err(err) => (None, Some(calendar_problem_text(err))),
            };
            let status = status_of(a);
            Rung {
                audience: a,
                step: step_of(a),
                label: a.label(),
                why: why(&status, earliest, last, now, &reason),
                status,
                earliest,
                earliest_problem,
                last,
                last_passed: last.is_some_and(|l| l < now),
                drafts: drafts_of(a),
                current: false,
            }
        })
        .collect();

    if !analysis.diagnosis.settled {
        mark_current(&mut rungs, now, analysis);
    }
    rungs
}

/// A rung's status: closed, else answered, else sent, from its entries
/// (the latest date of each kind).
fn status(entries: &[Entry], a: Audience) -> RungStatus {
    let mine = entries.iter().filter(|e| e.audience == a);
    let mut closed: Option<(Moment, String)> = None;
    let mut answered: Option<Moment> = None;
    let mut sent: Option<Moment> = None;
    for e in mine {
        match &e.kind {
            EntryKind::Closed(at, note) => {
                if closed.as_ref().is_none_or(|(c, _)| at >= c) {
                    closed = Some((*at, note.clone()));
                }
            }
            EntryKind::Answer(at) => answered = answered.max(Some(*at)),
            EntryKind::Sent(at) => sent = sent.max(Some(*at)),
            EntryKind::Draft => {}
        }
    }
    match (closed, answered, sent) {
        (Some((at, note)), _, _) => RungStatus::Closed { at, note },
        (None, Some(at), _) => RungStatus::Answered { at },
        (None, None, Some(at)) => RungStatus::Sent { at },
        (None, None, None) => RungStatus::NotYet,
    }
}

fn why(
    status: &RungStatus,
    earliest: Option<Moment>,
    last: Option<Moment>,
    now: Moment,
    reason: &Bilingual,
) -> Bilingual {
    let day = |t: Moment| short_date(t);
    let mut zh = String::new();
    let mut en = String::new();
    match status {
        RungStatus::Closed { at, note } => {
            zh.push_str(&format!("{} 已结束", day(*at)));
            en.push_str(&format!("Closed on {}", day(*at)));
            if !note.trim().is_empty() {
                zh.push_str(&format!("：{}", note.trim()));
                en.push_str(&format!(": {}", note.trim()));
            }
            zh.push('。');
            en.push('.');
        }
        RungStatus::Answered { at } => {
            zh.push_str(&format!(
                "{} 已收到答复。若答复没有解决问题，就走下一级；解决了就结束这一级。",
                day(*at)
            ));
            en.push_str(&format!(
                "Answered on {}. If the answer does not fix it, go to the next rung; if it does, close this one.",
                day(*at)
            ));
        }
        RungStatus::Sent { at } => {
            zh.push_str(&format!("{} 已发送，等待答复。", day(*at)));
            en.push_str(&format!("Sent on {}; waiting for the answer.", day(*at)));
        }
        RungStatus::NotYet => match earliest {
            Some(e) if e > now => {
                zh.push_str(&format!("等到 {}：{}。", short_time(e), reason.zh_cn));
                en.push_str(&format!("Wait until {}: {}.", short_time(e), reason.en));
            }
            Some(_) => {
                zh.push_str(&format!("现在就可以（{}）。", reason.zh_cn));
                en.push_str(&format!("Go ahead now ({}).", reason.en));
            }
            None => {
                zh.push_str("最早日期无法计算（见下）。");
                en.push_str("The earliest day cannot be computed (see below).");
            }
        },
    }
    if let Some(l) = last
        && !matches!(status, RungStatus::Closed { .. })
    {
        if l < now {
            zh.push_str(&format!("最后期限 {} 已过。", day(l)));
            en.push_str(&format!(" The last day, {}, has passed.", day(l)));
        } else {
            zh.push_str(&format!("最晚 {}。", day(l)));
            en.push_str(&format!(" Last possible day: {}.", day(l)));
        }
    }
    Bilingual::new(zh, en)
}

/// Marks the rung(s) to act on: the step after the highest one acted on
/// (12315 and 黑猫 together), unless the rung before it was sent and is
/// still within its time to answer — then that one, to wait on. With
/// nothing done yet, the first rung (or the provider, when the diagnosis
/// sends the user there first).
fn mark_current(rungs: &mut [Rung], now: Moment, analysis: &Analysis) {
    let open = |r: &Rung| !r.last_passed;
    let highest_acted = rungs
        .iter()
        .filter(|r| r.status.acted())
        .map(|r| r.step)
        .max();
    let target = match highest_acted {
        Some(s) => s + 1,
        None => {
            let provider_first = analysis
                .next_steps
                .first()
                .is_some_and(|s| s.audience == Some(Audience::PaymentProvider));
            rungs
                .iter()
                .find(|r| provider_first && r.audience == Audience::PaymentProvider)
                .map_or(1, |r| r.step)
        }
    };
    let waiting_on = highest_acted.and_then(|s| {
        let sent: Vec<usize> = (0..rungs.len())
            .filter(|&i| rungs[i].step == s && matches!(rungs[i].status, RungStatus::Sent { .. }))
            .collect();
        let next_earliest = rungs
            .iter()
            .filter(|r| r.step == s + 1)
            .filter_map(|r| r.earliest)
            .min();
        let still_their_turn = next_earliest.is_some_and(|e| now < e);
        let answered = rungs.iter().any(|r| {
            r.step == s && !matches!(r.status, RungStatus::Sent { .. }) && r.status.acted()
        });
        (!sent.is_empty() && still_their_turn && !answered).then_some(sent)
    });
    match waiting_on {
        Some(idx) => idx.into_iter().for_each(|i| rungs[i].current = true),
        None => {
            let mut step = target;
            // Skip steps whose last day has passed.
            let max = rungs.iter().map(|r| r.step).max().unwrap_or(0);
            while step <= max {
                let mut any = false;
                for r in rungs.iter_mut().filter(|r| r.step == step) {
                    if open(r) && !r.status.acted() {
                        r.current = true;
                        any = true;
                    }
                }
                if any {
                    break;
                }
                step += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests;
