//! Following a case until the money is back: when to look again (a plan
//! along the provider's notify-retry window, then daily until the refund
//! window ends), what changed since the last look, and which sources wait
//! out a backoff. Pure: every function takes `now`;
//! [`crate::check::rounds`] adds the case file, a clock and the sources.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use chrono::{Duration, NaiveTime, TimeZone};
use serde::{Deserialize, Serialize};

use crate::domain::calendar::BusinessCalendar;
use crate::domain::case::Case;
use crate::domain::diagnosis::{Analysis, DeadlineKind};
use crate::domain::text::Bilingual;
use crate::domain::time::{Moment, human_duration_en, human_duration_zh};
use crate::domain::timeline;
use crate::domain::windows::Windows;
use crate::records::{
    Change, ChangeKind, Failing, Follow, FollowState, Seen, SourceProgress, SourceStatus,
};

// ------------------------------------------------------------------ rules

/// The numbers of `data/follow.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rules {
    pub early_minutes: Vec<i64>,
    pub after_retry_minutes: i64,
    pub doubling_from_minutes: i64,
    pub daily_hours: i64,
    pub fallback_days: i64,
    pub min_gap_seconds: i64,
    pub backoff_base_minutes: i64,
    pub backoff_cap_minutes: i64,
    pub max_cases_per_round: usize,
}

static RULES: LazyLock<Rules> = LazyLock::new(|| {
    toml::from_str(include_str!("../../data/follow.toml"))
        .expect("data/follow.toml is valid (checked by tests)")
});

impl Rules {
    pub fn builtin() -> &'static Rules {
        &RULES
    }
}

/// "15s, 15s, 30s, 3m, 1h" → the gaps; `None` when the schedule is words
/// ("exponential backoff for up to 3 days").
fn parse_schedule(text: &str) -> Option<Vec<Duration>> {
    let gaps: Option<Vec<Duration>> = text
        .split(',')
        .map(|piece| {
            let piece = piece.trim();
            let unit = piece.chars().last()?;
            let n: i64 = piece[..piece.len() - unit.len_utf8()].trim().parse().ok()?;
            match unit {
                's' => Some(Duration::seconds(n)),
                'm' => Some(Duration::minutes(n)),
                'h' => Some(Duration::hours(n)),
                'd' => Some(Duration::days(n)),
                _ => None,
            }
        })
        .collect();
    gaps.filter(|g| !g.is_empty())
}

// --------------------------------------------------------------- schedule

/// When a case is looked at again, as of one moment.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct Schedule {
    /// What the plan counts from: the payment, else the order.
    pub anchor: Moment,
    /// Every planned look, oldest first.
    pub points: Vec<Moment>,
    /// The end of the refund window: no automatic looks after it.
    pub ends: Moment,
    /// Settled cases (credited, refunded) are not followed.
    pub settled: bool,
}

/// The plan of looks for `case`: often in the first minutes, after each
/// notify retry of its provider, daily until the refund window ends, and
/// just after each dated deadline (so its passing is noticed).
pub fn plan(case: &Case, a: &Analysis, w: &Windows, cal: &BusinessCalendar, r: &Rules) -> Schedule {
    let (_, _, facts) = timeline::build(case, a.now, w);
    let anchor = facts
        .paid_at
        .unwrap_or(case.submitted_at)
        .with_timezone(&case.zone());
    let provider = facts.provider.or_else(|| case.notifier());
    let mut points: Vec<Moment> = r
        .early_minutes
        .iter()
        .map(|m| anchor + Duration::minutes(*m))
        .collect();

    let window = w.retry_window(provider);
    let after = Duration::minutes(r.after_retry_minutes);
    let retry_end = anchor + window;
    let schedule = provider
        .and_then(|p| w.provider.get(p.code()))
        .and_then(|p| parse_schedule(&p.schedule));
    match schedule {
        Some(gaps) => {
            let mut t = anchor;
            for g in gaps {
                t += g;
                points.push(t + after);
            }
        }
        None => {
            let mut gap = Duration::minutes(r.doubling_from_minutes.max(1));
            while anchor + gap < retry_end {
                points.push(anchor + gap);
                gap = gap * 2;
            }
        }
    }
    points.push(retry_end + after);

    let ends = cal
        .add_business_days(anchor.date_naive(), w.stage.refund_business_days)
        .ok()
        .and_then(|d| {
            anchor
                .offset()
                .from_local_datetime(&d.and_time(NaiveTime::from_hms_opt(23, 59, 0)?))
                .single()
        })
        .unwrap_or(anchor + Duration::days(r.fallback_days));
    let day = Duration::hours(r.daily_hours.max(1));
    let mut t = retry_end + day;
    while t < ends {
        points.push(t);
        t += day;
    }
    points.push(ends);
    for d in &a.deadlines {
        let Some(due) = d.due else { continue };
        let dated = matches!(
            d.kind,
            DeadlineKind::WaitUntil | DeadlineKind::RefundExpectedBy | DeadlineKind::LastDay
        );
        if dated && due > anchor && due < ends {
            points.push(due + after);
        }
    }
    points.sort();
    points.dedup_by(|b, a| *b - *a < Duration::seconds(r.min_gap_seconds));
    Schedule {
        anchor,
        points,
        ends,
        settled: a.diagnosis.settled,
    }
}

/// The next automatic look, or `None` when the case is settled or its plan
/// has run out. Everything missed while the app was closed or the computer
/// slept collapses into one look now: the next look is the first planned
/// one after the last look, and a last look "in the future" (the clock was
/// set back) counts as now.
pub fn next_due(s: &Schedule, last_run: Option<Moment>, now: Moment, r: &Rules) -> Option<Moment> {
    if s.settled {
        return None;
    }
    let last = last_run.map(|l| l.min(now));
    let next = match last {
        // Never looked at: look now.
        None => s.points.first().map(|p| (*p).min(now)),
        Some(l) => s.points.iter().find(|p| **p > l).copied(),
    }?;
    Some(match last {
        Some(l) => next.max(l + Duration::seconds(r.min_gap_seconds)),
        None => next,
    })
}

// ------------------------------------------------------------------ state

/// Why a failing source is not asked now, or `None` when its wait is over.
pub fn hold_reason(f: &Failing, now: Moment) -> Option<Bilingual> {
    if f.next_try <= now {
        return None;
    }
    let t = f.next_try.format("%m-%d %H:%M");
    Some(Bilingual::new(
        format!(
            "连续 {} 次查询失败，暂停到 {t} 再试（上次：{}）",
            f.failures, f.detail.zh_cn
        ),
        format!(
            "failed {} times in a row; backing off until {t} (last: {})",
            f.failures, f.detail.en
        ),
    ))
}

/// Counts failures per source and sets each failing source's next try:
/// base × 2^(failures − 1), at most the cap. A source that answered (or
/// was skipped for want of settings) starts over.
pub fn update_backoff(
    state: &mut FollowState,
    progress: &[SourceProgress],
    now: Moment,
    r: &Rules,
) {
    for p in progress {
        match p.status {
            SourceStatus::Failed => {
                let f = state.failing.entry(p.source.clone()).or_insert(Failing {
                    failures: 0,
                    since: now,
                    next_try: now,
                    detail: p.detail.clone(),
                });
                f.failures = f.failures.saturating_add(1);
                f.detail = p.detail.clone();
                let factor = 1i64 << f.failures.saturating_sub(1).min(20);
                let wait = (r.backoff_base_minutes * factor).min(r.backoff_cap_minutes);
                f.next_try = now + Duration::minutes(wait);
            }
            SourceStatus::Done => {
                state.failing.remove(&p.source);
            }
            // Skipped for want of settings (not held back by its backoff).
            SourceStatus::Skipped
                if state
                    .failing
                    .get(&p.source)
                    .is_none_or(|f| f.next_try <= now) =>
            {
                state.failing.remove(&p.source);
            }
            _ => {}
        }
    }
}

// ---------------------------------------------------------------- changes

fn deadline_key(what: &str, due: Moment) -> String {
    format!("{what}@{}", due.to_rfc3339())
}

/// What differs between the last look (`seen`) and `a`. The first look
/// finds no changes, and deadlines that had passed before it are not
/// announced.
pub fn diff(seen: Option<&Seen>, a: &Analysis, announced: &mut BTreeSet<String>) -> Vec<Change> {
    let mut out = Vec::new();
    let at = a.now;
    if let Some(seen) = seen {
        for s in &a.timeline.stages {
            let Some(&(_, from)) = seen.stages.iter().find(|(st, _)| *st == s.stage) else {
                continue;
            };
            if from == s.state {
                continue;
            }
            let (name, f, t) = (s.stage.label(), from.label(), s.state.label());
            out.push(Change {
                at,
                what: ChangeKind::Stage {
                    stage: s.stage,
                    from,
                    to: s.state,
                },
                text: Bilingual::new(
                    format!("{}：{} → {}", name.zh_cn, f.zh_cn, t.zh_cn),
                    format!("{}: {} → {}", name.en, f.en, t.en),
                ),
            });
        }
        let d = &a.diagnosis;
        if d.settled && !seen.settled {
            out.push(Change {
                at,
                what: ChangeKind::Settled { code: d.code },
                text: Bilingual::new(
                    format!("已解决：{}", d.title.zh_cn),
                    format!("Settled: {}", d.title.en),
                ),
            });
        } else if d.code != seen.code && !d.settled {
            out.push(Change {
                at,
                what: ChangeKind::Diagnosis {
                    from: seen.code,
                    to: d.code,
                },
                text: Bilingual::new(
                    format!("新的诊断：{}", d.title.zh_cn),
                    format!("New diagnosis: {}", d.title.en),
                ),
            });
        }
    }
    for dl in &a.deadlines {
        let Some(due) = dl.due else { continue };
        if !dl.passed || dl.kind == DeadlineKind::ContactBy || a.diagnosis.settled {
            continue;
        }
        if announced.insert(deadline_key(&dl.what, due)) && seen.is_some() {
            let late = a.now - due;
            out.push(Change {
                at,
                what: ChangeKind::Deadline {
                    what: dl.what.clone(),
                    due,
                },
                text: Bilingual::new(
                    format!(
                        "已过期限（{} 前）：{}——要升级投诉吗？",
                        human_duration_zh(late),
                        dl.text.zh_cn
                    ),
                    format!(
                        "Deadline passed {} ago: {} — escalate?",
                        human_duration_en(late),
                        dl.text.en
                    ),
                ),
            });
        }
    }
    out
}

/// The most unread changes kept per case (the oldest go first).
pub const MAX_UNREAD: usize = 50;

/// Takes in one look: what changed since the last, the sources' backoff,
/// and the look's time. An automatic look keeps its changes as unread
/// until the user dismisses them; a look the user made by hand shows its
/// result on screen, so its own changes are not added.
pub fn observe(
    state: &mut FollowState,
    a: &Analysis,
    progress: Option<&[SourceProgress]>,
    automatic: bool,
    r: &Rules,
) -> Vec<Change> {
    let changes = diff(state.seen.as_ref(), a, &mut state.announced);
    state.seen = Some(Seen::of(a));
    state.last_run = Some(a.now);
    if let Some(p) = progress {
        update_backoff(state, p, a.now, r);
    }
    if automatic {
        state.unread.extend(changes.iter().cloned());
        let extra = state.unread.len().saturating_sub(MAX_UNREAD);
        state.unread.drain(..extra);
    }
    changes
}

// ------------------------------------------------------------------- view

/// A case's follow-up as the app shows it.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct FollowView {
    pub enabled: bool,
    pub settled: bool,
    pub last_run: Option<Moment>,
    /// The next automatic look (in the past: it runs at the next round).
    pub next_check: Option<Moment>,
    /// No automatic looks after this.
    pub ends: Moment,
    /// A few of the planned looks after `next_check`.
    pub upcoming: Vec<Moment>,
    pub backing_off: Vec<BackoffView>,
    pub unread: Vec<Change>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct BackoffView {
    pub source: String,
    pub failures: u32,
    pub next_try: Moment,
    pub text: Bilingual,
}

/// The follow-up of `case` as of `now`.
pub fn view(case: &Case, f: &Follow, now: Moment) -> FollowView {
    let r = Rules::builtin();
    let a = &crate::domain::diagnosis::analyze(case, now);
    let s = plan(case, a, Windows::builtin(), BusinessCalendar::china(), r);
    let next = if f.enabled {
        next_due(&s, f.state.last_run, a.now, r)
    } else {
        None
    };
    let upcoming = next
        .map(|n| {
            s.points
                .iter()
                .filter(|p| **p > n)
                .take(3)
                .copied()
                .collect()
        })
        .unwrap_or_default();
    FollowView {
        enabled: f.enabled,
        settled: s.settled,
        last_run: f.state.last_run,
        next_check: next,
        ends: s.ends,
        upcoming,
        backing_off: f
            .state
            .failing
            .iter()
            .filter_map(|(k, v)| {
                hold_reason(v, a.now).map(|text| BackoffView {
                    source: k.clone(),
                    failures: v.failures,
                    next_try: v.next_try,
                    text,
                })
            })
            .collect(),
        unread: f.state.unread.clone(),
    }
}

#[cfg(test)]
mod tests;
