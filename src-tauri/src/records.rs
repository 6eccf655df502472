//! The records a case leaves: the case as kept with its checks and
//! messages, the case list's lines, the follow-up's memory between looks,
//! and how each source of a check went. Plain data over [`crate::domain`]
//! (which is all this module imports), so the case file ([`crate::store`]),
//! the follow-up ([`crate::follow`]), the report ([`crate::report`]) and the
//! sources ([`crate::sources`]) share them without importing each other.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::domain::calendar::BusinessCalendar;
use crate::domain::case::Case;
use crate::domain::diagnosis::{Analysis, Audience, Code};
use crate::domain::ladder::{self, Entry, EntryKind, Rung};
use crate::domain::money::Money;
use crate::domain::stage::{Stage, StageState};
use crate::domain::text::{Bilingual, Lang};
use crate::domain::time::Moment;
use crate::domain::windows::Windows;

// ------------------------------------------------------------------ cases

/// A case as kept in the case file, with what was done about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct StoredCase {
    pub id: String,
    pub created_at: Moment,
    pub updated_at: Moment,
    pub case: Case,
    /// Oldest first.
    pub checks: Vec<CheckRecord>,
    /// Oldest first.
    pub messages: Vec<MessageRecord>,
}

/// One check that was kept: its outcome and the full report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct CheckRecord {
    /// The "now" the check ran as of.
    pub at: Moment,
    /// The diagnosis code.
    pub code: String,
    /// The stage where the chain broke, if one did.
    pub broken_link: Option<String>,
    pub summary: Bilingual,
    /// The next deadline not yet passed, as of `at`.
    pub next_deadline: Option<Moment>,
    /// The check report as JSON (`daozhang check --json`).
    pub report: serde_json::Value,
}

/// One entry of a case's correspondence: a complaint the user sent, an
/// answer they pasted back, or the note closing a rung of the ladder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct MessageRecord {
    /// When it was written down in Daozhang.
    pub at: Moment,
    pub audience: Audience,
    pub lang: Lang,
    pub text: String,
    /// When it was sent (a complaint) or received (an answer), once the
    /// user says so.
    pub sent_at: Option<Moment>,
    /// Documents written before answers were kept have no kind: they are
    /// complaints.
    #[serde(default)]
    pub kind: MessageKind,
}

/// What a [`MessageRecord`] is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    /// A complaint written by Daozhang (sent once `sent_at` is set).
    #[default]
    Complaint,
    /// What the other side answered, pasted back by the user.
    Answer,
    /// The user closed this rung (settled, refused, or given up), with a note.
    Closed,
}

impl MessageKind {
    pub fn code(self) -> &'static str {
        match self {
            MessageKind::Complaint => "complaint",
            MessageKind::Answer => "answer",
            MessageKind::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<MessageKind> {
        [
            MessageKind::Complaint,
            MessageKind::Answer,
            MessageKind::Closed,
        ]
        .into_iter()
        .find(|k| k.code() == s)
    }
}

impl StoredCase {
    /// The escalation ladder of this case, given its analysis as of the
    /// same moment.
    pub fn rungs(&self, analysis: &Analysis) -> Vec<Rung> {
        ladder::ladder(
            &self.case,
            analysis,
            &entries(&self.messages),
            Windows::builtin(),
            BusinessCalendar::china(),
        )
    }
}

/// The messages as the ladder reads them.
pub fn entries(messages: &[MessageRecord]) -> Vec<Entry> {
    messages
        .iter()
        .map(|m| {
            let when = m.sent_at.unwrap_or(m.at);
            let kind = match m.kind {
                MessageKind::Complaint => match m.sent_at {
                    Some(t) => EntryKind::Sent(t),
                    None => EntryKind::Draft,
                },
                MessageKind::Answer => EntryKind::Answer(when),
                MessageKind::Closed => EntryKind::Closed(when, m.text.clone()),
            };
            Entry {
                audience: m.audience,
                kind,
            }
        })
        .collect()
}

/// One line of the case list.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct CaseSummary {
    pub id: String,
    pub platform: Bilingual,
    pub order_id: String,
    pub amount: Money,
    pub created_at: Moment,
    pub updated_at: Moment,
    /// The most recently recorded check.
    pub last_check: Option<CheckSummary>,
    /// The last check's next deadline.
    pub next_deadline: Option<Moment>,
    /// Changes automatic re-checks found that the user has not seen.
    pub unread: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct CheckSummary {
    pub at: Moment,
    pub code: String,
    pub broken_link: Option<String>,
}

// ---------------------------------------------------------- follow-up

/// What the follow-up remembers of a case between looks.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct FollowState {
    /// The last look, automatic or by hand.
    #[serde(default)]
    pub last_run: Option<Moment>,
    /// What that look showed.
    #[serde(default)]
    pub seen: Option<Seen>,
    /// Sources that failed on their last tries, by key (`api:alipay`).
    #[serde(default)]
    pub failing: BTreeMap<String, Failing>,
    /// Deadlines whose passing was already announced (`what@due`).
    #[serde(default)]
    pub announced: BTreeSet<String>,
    /// Changes found by automatic looks that the user has not seen yet.
    #[serde(default)]
    pub unread: Vec<Change>,
}

/// A case's follow-up: on or off, and its state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct Follow {
    pub enabled: bool,
    pub state: FollowState,
}

impl Default for Follow {
    /// Every case is followed until the user turns it off.
    fn default() -> Self {
        Follow {
            enabled: true,
            state: FollowState::default(),
        }
    }
}

/// The diagnosis and the stages as one look showed them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct Seen {
    pub code: Code,
    pub settled: bool,
    pub stages: Vec<(Stage, StageState)>,
}

impl Seen {
    pub fn of(a: &Analysis) -> Seen {
        Seen {
            code: a.diagnosis.code,
            settled: a.diagnosis.settled,
            stages: a
                .timeline
                .stages
                .iter()
                .map(|s| (s.stage, s.state))
                .collect(),
        }
    }
}

/// A source that keeps failing, and when it is asked again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct Failing {
    pub failures: u32,
    /// The first failure of this run of failures.
    pub since: Moment,
    pub next_try: Moment,
    /// The last failure, as the source reported it.
    pub detail: Bilingual,
}

/// Something an automatic look found that is worth telling the user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct Change {
    pub at: Moment,
    pub what: ChangeKind,
    pub text: Bilingual,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ChangeKind {
    /// A stage moved (pending → done, pending → overdue …).
    Stage {
        stage: Stage,
        from: StageState,
        to: StageState,
    },
    /// The case is settled: credited or refunded.
    Settled { code: Code },
    /// The diagnosis changed without the case being settled.
    Diagnosis { from: Code, to: Code },
    /// A dated deadline passed.
    Deadline { what: String, due: Moment },
}

// ------------------------------------------------------------ sources

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum SourceStatus {
    Waiting,
    Running,
    Done,
    /// Not asked, with the reason (no credentials, nothing imported).
    Skipped,
    Failed,
    Cancelled,
}

/// One source's progress, as the check screen shows it.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct SourceProgress {
    /// Stable key: `manual`, `evidence`, `api:alipay` …
    pub source: String,
    pub label: Bilingual,
    pub status: SourceStatus,
    pub detail: Bilingual,
    /// An answer that was not used (bad signature, malformed, about another
    /// order), with every secret removed, for the user to look at.
    #[serde(default)]
    pub raw: Option<String>,
}

impl SourceProgress {
    pub fn new(source: impl Into<String>, label: Bilingual) -> Self {
        SourceProgress {
            source: source.into(),
            label,
            status: SourceStatus::Waiting,
            detail: Bilingual::default(),
            raw: None,
        }
    }
}
