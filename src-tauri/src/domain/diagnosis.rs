//! The broken link and what happens next, by when.
//!
//! Named rules, tried in order; the first that holds is the diagnosis. Each
//! rule is documented in docs/diagnoses.md and tested below. The words are
//! data (`data/diagnoses.toml`).

use std::collections::BTreeMap;
use std::sync::LazyLock;

use chrono::{Duration, Months};
use serde::{Deserialize, Serialize};

use super::calendar::{BusinessCalendar, CalendarError};
use super::case::Case;
use super::observation::{Claim, Party, SourceKind};
use super::stage::{Stage, StageState};
use super::text::Bilingual;
use super::time::{Moment, end_of_day, human_duration_en, human_duration_zh};
use super::timeline::{self, Conflict, Facts, Timeline, source_name};
use super::windows::Windows;

// The date formatters and helpers live in `time`; the modules that name
// them from here still can.
pub use super::time::{
    calendar_problem_text, end_of_business_day_after, end_of_day_after, short_date, short_time,
};

/// Who a complaint or a step is addressed to.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ts_rs::TS,
)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    PlatformChat,
    PlatformTicket,
    PaymentProvider,
    #[serde(rename = "consumer_12315")]
    Consumer12315,
    Heimao,
    CardIssuer,
}

impl Audience {
    pub const ALL: [Audience; 6] = [
        Audience::PlatformChat,
        Audience::PlatformTicket,
        Audience::PaymentProvider,
        Audience::Consumer12315,
        Audience::Heimao,
        Audience::CardIssuer,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Audience::PlatformChat => "platform_chat",
            Audience::PlatformTicket => "platform_ticket",
            Audience::PaymentProvider => "payment_provider",
            Audience::Consumer12315 => "consumer_12315",
            Audience::Heimao => "heimao",
            Audience::CardIssuer => "card_issuer",
        }
    }

    pub fn parse(s: &str) -> Option<Audience> {
        Audience::ALL
            .into_iter()
            .find(|a| a.code() == s.trim().to_lowercase().replace('-', "_"))
    }

    pub fn label(self) -> Bilingual {
        match self {
            Audience::PlatformChat => {
                Bilingual::new("平台在线客服", "platform customer-service chat")
            }
            Audience::PlatformTicket => {
                Bilingual::new("平台工单 / 邮件", "platform ticket / e-mail")
            }
            Audience::PaymentProvider => Bilingual::new("支付方客服", "payment provider"),
            Audience::Consumer12315 => {
                Bilingual::new("12315 消费者投诉", "12315 consumer complaint")
            }
            Audience::Heimao => Bilingual::new("黑猫投诉", "Heimao (Black Cat) complaint"),
            Audience::CardIssuer => Bilingual::new("发卡行争议", "card issuer dispute"),
        }
    }
}

/// The closed set of diagnoses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Code {
    Refunded,
    Credited,
    DuplicatePayment,
    RefundInProgress,
    RiskControlBlock,
    UserSideLimit,
    ClosedReversalPending,
    PlatformBug,
    CallbackLost,
    CallbackLate,
    DebitedUnconfirmed,
    ProviderOutage,
    NotPaid,
    WithinNormalWindow,
    InsufficientEvidence,
}

impl Code {
    pub fn key(self) -> &'static str {
        match self {
            Code::Refunded => "refunded",
            Code::Credited => "credited",
            Code::DuplicatePayment => "duplicate_payment",
            Code::RefundInProgress => "refund_in_progress",
            Code::RiskControlBlock => "risk_control_block",
            Code::UserSideLimit => "user_side_limit",
            Code::ClosedReversalPending => "closed_reversal_pending",
            Code::PlatformBug => "platform_bug",
            Code::CallbackLost => "callback_lost",
            Code::CallbackLate => "callback_late",
            Code::DebitedUnconfirmed => "debited_unconfirmed",
            Code::ProviderOutage => "provider_outage",
            Code::NotPaid => "not_paid",
            Code::WithinNormalWindow => "within_normal_window",
            Code::InsufficientEvidence => "insufficient_evidence",
        }
    }

    /// Whether the case needs nothing more.
    pub fn settled(self) -> bool {
        matches!(self, Code::Refunded | Code::Credited | Code::NotPaid)
    }
}

/// One fact the diagnosis rests on.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct Evidence {
    pub observation: Option<usize>,
    pub source: Option<SourceKind>,
    pub at: Option<Moment>,
    pub raw: Option<String>,
    pub text: Bilingual,
}

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct Diagnosis {
    pub code: Code,
    pub broken_link: Option<Stage>,
    pub settled: bool,
    pub title: Bilingual,
    pub summary: Bilingual,
    pub cause: Bilingual,
    pub evidence: Vec<Evidence>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineKind {
    /// Waiting makes sense until then.
    WaitUntil,
    /// Do this by then.
    ContactBy,
    /// Ask for an answer by then.
    ReplyBy,
    /// Money expected back by then.
    RefundExpectedBy,
    /// After this day the option is gone.
    LastDay,
}

/// A step to take, with its date when it has one.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct NextStep {
    pub action: String,
    pub text: Bilingual,
    pub due: Option<Moment>,
    pub kind: Option<DeadlineKind>,
    pub audience: Option<Audience>,
    /// Why no date could be given, when one was expected.
    pub problem: Option<Bilingual>,
}

/// A dated item: the steps' dates and the last days of each escalation.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct Deadline {
    pub what: String,
    pub kind: DeadlineKind,
    pub text: Bilingual,
    pub due: Option<Moment>,
    pub audience: Option<Audience>,
    pub passed: bool,
    pub problem: Option<Bilingual>,
}

/// Everything a check says about a case at one moment.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct Analysis {
    pub now: Moment,
    pub timeline: Timeline,
    pub conflicts: Vec<Conflict>,
    pub diagnosis: Diagnosis,
    pub next_steps: Vec<NextStep>,
    pub deadlines: Vec<Deadline>,
    /// The date by which the complaint asks for a fix.
    pub demand_deadline: Option<Moment>,
}

// ------------------------------------------------------------------ texts

#[derive(Debug, Deserialize)]
struct Texts {
    #[serde(flatten)]
    codes: BTreeMap<String, CodeText>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum CodeText {
    Code(Box<DiagnosisText>),
    Steps(BTreeMap<String, StepText>),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DiagnosisText {
    #[serde(default)]
    broken_link: Option<Stage>,
    title_zh: String,
    title_en: String,
    summary_zh: String,
    summary_en: String,
    cause_zh: String,
    cause_en: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StepText {
    zh: String,
    en: String,
}

struct TextTable {
    codes: BTreeMap<String, DiagnosisText>,
    steps: BTreeMap<String, StepText>,
}

static TEXTS: LazyLock<TextTable> = LazyLock::new(|| {
    let t: Texts = toml::from_str(include_str!("../../data/diagnoses.toml"))
        .expect("data/diagnoses.toml is valid (checked by tests)");
    let mut codes = BTreeMap::new();
    let mut steps = BTreeMap::new();
    for (k, v) in t.codes {
        match v {
            CodeText::Code(d) => {
                codes.insert(k, *d);
            }
            CodeText::Steps(s) => steps = s,
        }
    }
    TextTable { codes, steps }
});

/// Template variables: language-neutral strings and bilingual ones.
#[derive(Default, Clone)]
struct Vars(BTreeMap<String, minijinja::Value>);

impl Vars {
    fn plain(&mut self, k: &str, v: impl Into<String>) -> &mut Self {
        self.0
            .insert(k.to_owned(), minijinja::Value::from(v.into()));
        self
    }
    fn both(&mut self, k: &str, v: Bilingual) -> &mut Self {
        let m = minijinja::Value::from_pairs([("zh", v.zh_cn), ("en", v.en)]);
        self.0.insert(k.to_owned(), m);
        self
    }
}

fn fill(template: &str, vars: &Vars) -> String {
    let env = minijinja::Environment::new();
    env.render_str(template, &vars.0)
        .unwrap_or_else(|e| panic!("template {template:?} failed: {e}"))
}

fn fill_both(zh: &str, en: &str, vars: &Vars) -> Bilingual {
    Bilingual::new(fill(zh, vars), fill(en, vars))
}

fn step_text(action: &str, vars: &Vars) -> Bilingual {
    let t = TEXTS
        .steps
        .get(action)
        .unwrap_or_else(|| panic!("data/diagnoses.toml has no step.{action}"));
    fill_both(&t.zh, &t.en, vars)
}

// ------------------------------------------------------------------ rules

struct Ctx<'a> {
    case: &'a Case,
    now: Moment,
    w: &'a Windows,
    cal: &'a BusinessCalendar,
    tl: &'a Timeline,
    facts: &'a Facts,
    vars: Vars,
}

impl Ctx<'_> {
    fn evidence_of(&self, i: usize) -> Evidence {
        let o = &self.case.observations[i];
        let who = source_name(o.source, self.case);
        let when = o.at.map(short_time);
        Evidence {
            observation: Some(i),
            source: Some(o.source),
            at: o.at,
            raw: Some(o.raw.clone()),
            text: Bilingual::new(
                format!(
                    "{}{}显示“{}”",
                    when.as_deref().map(|w| format!("{w} ")).unwrap_or_default(),
                    who.zh_cn,
                    o.raw
                ),
                format!(
                    "{}{} shows “{}”",
                    when.as_deref()
                        .map(|w| format!("{w}: "))
                        .unwrap_or_default(),
                    who.en,
                    o.raw
                ),
            ),
        }
    }

    fn stage(&self, s: Stage) -> StageState {
        self.tl.stage(s).state
    }
}

/// A rule's finding: the diagnosis and the observations it rests on.
type Finding = Option<(Code, Vec<usize>)>;

/// The rules, in the order they are tried (docs/diagnoses.md).
const RULES: [fn(&Ctx) -> Finding; 12] = [
    refunded,
    duplicate_payment,
    credited,
    refund_under_way,
    risk_control,
    user_side_limit,
    platform_bug,
    callback_lost_or_late,
    debited_unconfirmed,
    provider_outage,
    not_paid,
    within_normal_window,
];

/// Which rule holds, with the observations it rests on; when none does,
/// rule 14: insufficient evidence.
fn choose(cx: &Ctx) -> (Code, Vec<usize>) {
    RULES
        .iter()
        .find_map(|rule| rule(cx))
        .unwrap_or((Code::InsufficientEvidence, vec![]))
}

/// Rule 1, refunded: a source says the money is back.
fn refunded(cx: &Ctx) -> Finding {
    let refund = cx.tl.stage(Stage::Refund);
    (refund.state == StageState::Done && !refund.inferred)
        .then(|| (Code::Refunded, refund.observations.clone()))
}

/// Rule 2, duplicate payment: two payments, or two debits of the full
/// amount more than a minute apart.
fn duplicate_payment(cx: &Ctx) -> Finding {
    let (f, obs) = (cx.facts, &cx.case.observations);
    let full_debits: Vec<usize> = f
        .bank_debits
        .iter()
        .copied()
        .filter(|&i| obs[i].amount.is_none_or(|a| a == cx.case.amount.amount))
        .collect();
    let distinct_debits = full_debits
        .windows(2)
        .any(|p| match (obs[p[0]].at, obs[p[1]].at) {
            (Some(a), Some(b)) => (b - a).num_seconds().abs() > 60,
            _ => false,
        });
    (f.paid_payment_ids.len() >= 2 || distinct_debits).then(|| {
        let mut ev: Vec<usize> = f.provider_paid.clone();
        ev.extend(full_debits);
        (Code::DuplicatePayment, ev)
    })
}

/// Rule 3, credited: the platform delivered.
fn credited(cx: &Ctx) -> Finding {
    (cx.stage(Stage::Credited) == StageState::Done).then(|| {
        (
            Code::Credited,
            cx.tl.stage(Stage::Credited).observations.clone(),
        )
    })
}

/// Rule 4, refund in progress: said, or a closed trade being reversed.
fn refund_under_way(cx: &Ctx) -> Finding {
    let refund = cx.tl.stage(Stage::Refund);
    if !matches!(refund.state, StageState::Pending | StageState::Overdue) {
        return None;
    }
    if refund.inferred {
        return Some((
            Code::ClosedReversalPending,
            [refund.observations.clone(), cx.facts.bank_debits.clone()].concat(),
        ));
    }
    Some((Code::RefundInProgress, refund.observations.clone()))
}

/// Rule 5, risk control: the payment was stopped on purpose (风控 …).
fn risk_control(cx: &Ctx) -> Finding {
    cx.facts.risk.map(|i| (Code::RiskControlBlock, vec![i]))
}

/// Rule 6, user-side limit: the payer's balance, limit or details stopped
/// the payment (余额不足 …).
fn user_side_limit(cx: &Ctx) -> Finding {
    cx.facts.user_limit.map(|i| (Code::UserSideLimit, vec![i]))
}

/// Rule 7, platform bug: the platform acknowledges the payment but has not
/// delivered in time.
fn platform_bug(cx: &Ctx) -> Finding {
    let cb = cx.tl.stage(Stage::Callback);
    let cr = cx.tl.stage(Stage::Credited);
    if cb.state != StageState::Done || cb.inferred {
        return None;
    }
    let since = cx.now - cb.at.unwrap_or(cx.case.submitted_at);
    (matches!(cr.state, StageState::Failed | StageState::Overdue)
        || since > Duration::minutes(cx.w.stage.credited_minutes))
    .then(|| {
        (
            Code::PlatformBug,
            [cb.observations.clone(), cr.observations.clone()].concat(),
        )
    })
}

/// Rules 8 and 9, callback lost or late: paid, and the platform has not
/// acknowledged it past the provider's retry window, or past the normal one.
fn callback_lost_or_late(cx: &Ctx) -> Finding {
    let f = cx.facts;
    if f.provider_paid.is_empty() {
        return None;
    }
    let code = match cx.stage(Stage::Callback) {
        StageState::Failed => Code::CallbackLost,
        StageState::Overdue => Code::CallbackLate,
        _ => return None,
    };
    let ev = [
        f.provider_paid.clone(),
        f.bank_debits.clone(),
        f.platform_latest.into_iter().collect(),
    ]
    .concat();
    Some((code, ev))
}

/// Rule 10, debited unconfirmed: the bank debited, and no provider confirms
/// it (or it is silent) past the callback window.
fn debited_unconfirmed(cx: &Ctx) -> Finding {
    let f = cx.facts;
    if f.bank_debits.is_empty() || !f.provider_paid.is_empty() {
        return None;
    }
    let since = cx.now - f.paid_at.unwrap_or(cx.case.submitted_at);
    (since > Duration::minutes(cx.w.stage.callback_minutes)).then(|| {
        let mut ev = f.bank_debits.clone();
        ev.extend(f.provider_unpaid.iter().copied());
        ev.extend(f.platform_latest);
        (Code::DebitedUnconfirmed, ev)
    })
}

/// Rule 11, provider outage: the provider says it is failing, or stays
/// "processing" past its window.
fn provider_outage(cx: &Ctx) -> Finding {
    if let Some(i) = cx.facts.outage {
        return Some((Code::ProviderOutage, vec![i]));
    }
    let bp = cx.tl.stage(Stage::BankProcessing);
    (bp.state == StageState::Overdue).then(|| (Code::ProviderOutage, bp.observations.clone()))
}

/// Rule 12, not paid: the provider says unpaid/failed/closed and no debit.
fn not_paid(cx: &Ctx) -> Finding {
    let f = cx.facts;
    let bp = cx.tl.stage(Stage::BankProcessing);
    let says_unpaid = bp.state == StageState::Failed || !f.provider_unpaid.is_empty();
    if f.money_moved.is_some() || !says_unpaid {
        return None;
    }
    let ev: Vec<usize> = f
        .provider_unpaid
        .last()
        .copied()
        .into_iter()
        .chain(bp.observations.last().copied())
        .collect();
    (!ev.is_empty()).then_some((Code::NotPaid, ev))
}

/// Rule 13, within the normal window: something is pending, nothing is late.
fn within_normal_window(cx: &Ctx) -> Finding {
    let obs = &cx.case.observations;
    let any_word = !obs.is_empty();
    let pending = cx.tl.stages.iter().any(|s| s.state == StageState::Pending)
        || (cx.facts.money_moved.is_some() && cx.stage(Stage::Credited) == StageState::Unknown);
    (any_word && pending && !cx.tl.stages.iter().any(|s| s.overdue))
        .then(|| (Code::WithinNormalWindow, (0..obs.len()).collect()))
}

/// Evaluates a case as of `now`.
pub fn analyze(case: &Case, now: Moment) -> Analysis {
    analyze_with(case, now, Windows::builtin(), BusinessCalendar::china())
}

pub fn analyze_with(case: &Case, now: Moment, w: &Windows, cal: &BusinessCalendar) -> Analysis {
    let now = now.with_timezone(&case.zone());
    let (tl, conflicts, facts) = timeline::build(case, now, w);
    let mut cx = Ctx {
        case,
        now,
        w,
        cal,
        tl: &tl,
        facts: &facts,
        vars: Vars::default(),
    };
    let (code, ev) = choose(&cx);
    cx.vars = base_vars(&cx, code, &ev);

    let (steps, demand_deadline) = steps_for(&cx, code);
    let diagnosis = diagnosis_of(&cx, code, ev, &conflicts);
    let deadlines = deadlines_of(&steps, now);
    Analysis {
        now,
        timeline: tl.clone(),
        conflicts: conflicts.clone(),
        diagnosis,
        next_steps: steps,
        deadlines,
        demand_deadline,
    }
}

/// The diagnosis `code` in words, with its evidence: the observations it
/// rests on (each once), then the sources' conflicts.
fn diagnosis_of(cx: &Ctx, code: Code, ev: Vec<usize>, conflicts: &[Conflict]) -> Diagnosis {
    let text = TEXTS
        .codes
        .get(code.key())
        .unwrap_or_else(|| panic!("data/diagnoses.toml has no [{}]", code.key()));
    let mut evidence: Vec<Evidence> = Vec::new();
    let mut seen = Vec::new();
    for i in ev {
        if !seen.contains(&i) {
            seen.push(i);
            evidence.push(cx.evidence_of(i));
        }
    }
    for c in conflicts {
        evidence.push(Evidence {
            observation: None,
            source: None,
            at: None,
            raw: None,
            text: c.message.clone(),
        });
    }
    Diagnosis {
        code,
        broken_link: text.broken_link,
        settled: code.settled(),
        title: fill_both(&text.title_zh, &text.title_en, &cx.vars),
        summary: fill_both(&text.summary_zh, &text.summary_en, &cx.vars),
        cause: fill_both(&text.cause_zh, &text.cause_en, &cx.vars),
        evidence,
    }
}

/// The words the texts are filled with, for diagnosis `code` resting on
/// the observations `ev`.
fn base_vars(cx: &Ctx, code: Code, ev: &[usize]) -> Vars {
    let mut v = Vars::default();
    party_vars(cx, ev, &mut v);
    time_vars(cx, code, &mut v);
    case_vars(cx, ev, &mut v);
    v
}

/// Who the texts name and in which words: the platform and what it
/// delivers, the payer, the source of the first evidence and its words,
/// the provider's unpaid word, and what is being waited for.
fn party_vars(cx: &Ctx, ev: &[usize], v: &mut Vars) {
    let case = cx.case;
    let f = cx.facts;
    let obs = &case.observations;
    let platform = case.platform.display();
    let preset = case.platform.preset();
    let payer_src = f.money_moved.map(|i| obs[i].source).or(f.provider);
    let payer = payer_src
        .map(|s| source_name(s, case))
        .unwrap_or_else(|| Bilingual::new("支付方", "the payment provider"));
    let first = ev.first().map(|&i| &obs[i]);
    let who = first
        .map(|o| source_name(o.source, case))
        .unwrap_or_else(|| platform.clone());
    let words = first.map(|o| o.raw.clone()).unwrap_or_default();
    let waiting = waiting(f.money_moved.is_some(), &payer, &platform);
    v.both("platform", platform)
        .both("payer", payer)
        .both("who", who)
        .both(
            "deliver",
            Bilingual::new(preset.deliver_zh.clone(), preset.deliver_en.clone()),
        )
        .both("provider_words", provider_words(cx))
        .both("waiting", waiting)
        .plain("words", words);
}

/// What the payment provider's latest word says, when it says unpaid.
fn provider_words(cx: &Ctx) -> Bilingual {
    let obs = &cx.case.observations;
    match cx.facts.provider_unpaid.last() {
        Some(&i) => Bilingual::new(
            format!(
                "{}显示“{}”",
                source_name(obs[i].source, cx.case).zh_cn,
                obs[i].raw
            ),
            format!(
                "{} shows “{}”",
                source_name(obs[i].source, cx.case).en,
                obs[i].raw
            ),
        ),
        None => Bilingual::new(
            "还没有支付方（支付宝 / 微信）的记录",
            "there is no word from the payment provider (Alipay / WeChat) yet",
        ),
    }
}

/// What is being waited for: the platform's credit once the payer shows
/// the payment, else the payment itself.
fn waiting(money_moved: bool, payer: &Bilingual, platform: &Bilingual) -> Bilingual {
    if money_moved {
        Bilingual::new(
            format!(
                "{}已显示付款成功，{}通常几分钟内会到账。",
                payer.zh_cn, platform.zh_cn
            ),
            format!(
                "{} shows the payment; {} normally credits it within minutes. ",
                payer.en, platform.en
            ),
        )
    } else {
        Bilingual::new("支付还在处理中。", "The payment is still being processed. ")
    }
}

/// The times the texts name: the payment and how long ago it was, the
/// retry and normal windows and their ends, the platform's reply date,
/// the refund's time and due date.
fn time_vars(cx: &Ctx, code: Code, v: &mut Vars) {
    let case = cx.case;
    let f = cx.facts;
    let paid_at = f.paid_at.unwrap_or(case.submitted_at);
    let since = cx.now - paid_at;
    let retry = cx.w.retry_window(f.provider);
    let refund = cx.tl.stage(Stage::Refund);
    let refund_by = refund
        .at
        .map(|t| end_of_business_day_after(cx.cal, t, cx.w.stage.refund_business_days));
    // Before the payment is done, the normal window is the bank's.
    let window_minutes = match code {
        Code::WithinNormalWindow
            if cx.tl.stage(Stage::BankProcessing).state != StageState::Done =>
        {
            cx.w.stage.bank_processing_minutes
        }
        _ => cx.w.stage.callback_minutes,
    };
    let window = Duration::minutes(window_minutes);
    let wait_base = if f.money_moved.is_some() {
        paid_at
    } else {
        case.submitted_at
    };
    let reply_by = end_of_business_day_after(cx.cal, cx.now, cx.w.review.platform_business_days)
        .map(short_date)
        .unwrap_or_else(|_| "—".to_owned());
    let human = |d: Duration| Bilingual::new(human_duration_zh(d), human_duration_en(d));
    v.plain("reply_by", reply_by)
        .both("since", human(since))
        .both("retry", human(retry))
        .both("window", human(window))
        .plain("paid_at", short_time(paid_at))
        .plain("retry_until", short_time(paid_at + retry))
        .plain("wait_until", short_time(wait_base + window))
        .plain("refund_at", refund.at.map(short_time).unwrap_or_default())
        .plain(
            "refund_by",
            match refund_by {
                Some(Ok(d)) => short_date(d),
                Some(Err(_)) | None => "—".to_owned(),
            },
        );
}

/// What the texts say of the case itself: its amount and order, what is
/// missing from it, and the payments (or times) the evidence counts.
fn case_vars(cx: &Ctx, ev: &[usize], v: &mut Vars) {
    let case = cx.case;
    let f = cx.facts;
    let obs = &case.observations;
    let ids: Vec<String> = if f.paid_payment_ids.len() >= 2 {
        f.paid_payment_ids.clone()
    } else {
        ev.iter()
            .filter_map(|&i| obs[i].at.map(short_time))
            .collect()
    };
    v.both("missing", missing(f))
        .plain("amount", case.amount.display())
        .plain("order_id", case.order_id.clone())
        .plain("count", ids.len().max(2).to_string())
        .plain("ids", ids.join(", "));
}

/// What the case still lacks: the payment's record, the platform's status,
/// else the times of what each party shows.
fn missing(f: &Facts) -> Bilingual {
    let mut missing_zh = Vec::new();
    let mut missing_en = Vec::new();
    if f.money_moved.is_none() && f.provider_unpaid.is_empty() {
        missing_zh.push("付款 App 或银行的记录（账单状态 / 扣款短信）");
        missing_en.push("the payment app's or the bank's record (bill status / debit SMS)");
    }
    if f.platform_latest.is_none() {
        missing_zh.push("平台订单页面显示的状态");
        missing_en.push("what the platform's order page shows");
    }
    if missing_zh.is_empty() {
        missing_zh.push("各方状态的时间");
        missing_en.push("the times of each party's status");
    }
    Bilingual::new(missing_zh.join("；"), missing_en.join("; "))
}

/// What kind of date an action has, and whom it addresses.
fn action_meta(action: &str) -> (DeadlineKind, Option<Audience>) {
    use DeadlineKind as K;
    match action {
        "contact_platform" | "request_duplicate_refund" => {
            (K::ContactBy, Some(Audience::PlatformChat))
        }
        "platform_ticket" => (K::ContactBy, Some(Audience::PlatformTicket)),
        "contact_provider_support" => (K::ContactBy, Some(Audience::PaymentProvider)),
        "escalate_provider" => (K::ReplyBy, Some(Audience::PaymentProvider)),
        "consumer_complaint" => (K::LastDay, Some(Audience::Consumer12315)),
        "card_dispute" => (K::LastDay, Some(Audience::CardIssuer)),
        "wechat_refund_window" => (K::LastDay, Some(Audience::PaymentProvider)),
        "wait_for_reversal" => (K::RefundExpectedBy, Some(Audience::PaymentProvider)),
        "watch_refund" => (K::RefundExpectedBy, None),
        _ => (K::WaitUntil, None),
    }
}

/// The last day 12315 accepts a complaint: 3 years (`[escalation]
/// consumer_12315_years`) from when the consumer knew of the harm — the
/// first sign of trouble: the first failed/unpaid platform word, else the
/// order.
pub fn last_day_12315(case: &Case, w: &Windows) -> Moment {
    let knew = case
        .observations
        .iter()
        .filter(|o| {
            (o.source.party() == Party::Platform && o.claim.says_unpaid())
                || o.claim == Claim::Processing
        })
        .filter_map(|o| o.at)
        .min()
        .unwrap_or(case.submitted_at);
    knew.checked_add_months(Months::new(12 * w.escalation.consumer_12315_years as u32))
        .map(|d| end_of_day(d.date_naive(), d))
        .unwrap_or(knew)
}

/// A step's date: known, not computable (with why), or none.
type Due = Option<Result<Moment, CalendarError>>;

/// The steps being written for a diagnosis, and the dates they share.
struct Steps<'a, 'b> {
    cx: &'a Ctx<'b>,
    out: Vec<NextStep>,
    /// When the money moved (else when the order was placed).
    paid_at: Moment,
    /// The day the platform should answer by.
    reply_by: Result<Moment, CalendarError>,
}

impl<'a, 'b> Steps<'a, 'b> {
    /// No steps yet, for the case in `cx`.
    fn new(cx: &'a Ctx<'b>) -> Self {
        Steps {
            cx,
            out: Vec::new(),
            paid_at: cx.facts.paid_at.unwrap_or(cx.case.submitted_at),
            reply_by: end_of_business_day_after(cx.cal, cx.now, cx.w.review.platform_business_days),
        }
    }

    /// Adds step `action`, due by `due`, its text filled in.
    fn add(&mut self, action: &str, due: Due) {
        let (kind, audience) = action_meta(action);
        let (due, problem) = match due {
            Some(Ok(d)) => (Some(d), None),
            Some(Err(e)) => (None, Some(calendar_problem_text(&e))),
            None => (None, None),
        };
        let mut v = self.cx.vars.clone();
        v.plain("due", due.map(short_date).unwrap_or_else(|| "—".to_owned()));
        self.out.push(NextStep {
            action: action.to_owned(),
            text: step_text(action, &v),
            due,
            kind: (due.is_some() || problem.is_some()).then_some(kind),
            audience,
            problem,
        });
    }

    /// When money on its way back is due: the refund window's business
    /// days after `from`.
    fn refund_due(&self, from: Moment) -> Due {
        let days = self.cx.w.stage.refund_business_days;
        Some(end_of_business_day_after(self.cx.cal, from, days))
    }

    /// The last days of the outside escalations: 12315 (when asked for) and
    /// a card dispute (when paid by card).
    fn last_days(&mut self, with_12315: bool) {
        let case = self.cx.case;
        if with_12315 {
            self.add(
                "consumer_complaint",
                Some(Ok(last_day_12315(case, self.cx.w))),
            );
        }
        // Only a card charged directly: a card paid through Alipay or
        // WeChat Pay is the payment provider's to handle first.
        if case.method.is_card() {
            let days = self.cx.w.escalation.card_dispute_days;
            self.add(
                "card_dispute",
                Some(Ok(end_of_day_after(self.paid_at, days))),
            );
        }
    }

    /// Up the ladder: a ticket to the platform now, the provider once the
    /// platform's reply is due, then the last days.
    fn ladder(&mut self) {
        self.add("platform_ticket", Some(Ok(self.cx.now)));
        self.add("escalate_provider", Some(self.reply_by.clone()));
        self.last_days(true);
    }

    /// The steps for diagnosis `code`; returns the date the complaint
    /// demands a fix by: the platform's reply date unless the code has its
    /// own, none when nothing is demanded.
    fn for_code(&mut self, code: Code) -> Option<Moment> {
        let (cx, f, now) = (self.cx, self.cx.facts, self.cx.now);
        let refund_from = cx.tl.stage(Stage::Refund).at.unwrap_or(now);
        let mut demand = self.reply_by.clone().ok();
        match code {
            Code::CallbackLate => {
                self.add("contact_platform", Some(Ok(now)));
                let until = self.paid_at + cx.w.retry_window(f.provider);
                self.add("wait_for_callback", Some(Ok(until)));
                self.ladder();
            }
            Code::CallbackLost | Code::PlatformBug => {
                self.add("contact_platform", Some(Ok(now)));
                self.ladder();
            }
            Code::DuplicatePayment => {
                self.add("request_duplicate_refund", Some(self.reply_by.clone()));
                self.ladder();
            }
            Code::RefundInProgress => {
                let by = self.refund_due(refund_from);
                demand = by.clone().and_then(Result::ok);
                self.add("watch_refund", by);
                self.last_days(true);
            }
            Code::ClosedReversalPending => {
                let by = self.refund_due(refund_from);
                demand = by.clone().and_then(Result::ok);
                self.add("wait_for_reversal", by);
                self.last_days(false);
            }
            Code::RiskControlBlock | Code::ProviderOutage => {
                self.add("contact_provider_support", Some(Ok(now)));
                if f.money_moved.is_some() {
                    let by = self.refund_due(self.paid_at);
                    demand = by.clone().and_then(Result::ok);
                    self.add("wait_for_reversal", by);
                }
            }
            Code::UserSideLimit => self.add("fix_payment_details", None),
            Code::DebitedUnconfirmed => self.debited_unconfirmed(),
            Code::NotPaid => {
                demand = None;
                self.add("retry_payment", None);
            }
            Code::WithinNormalWindow => {
                let until = match f.money_moved {
                    Some(_) => self.paid_at + Duration::minutes(cx.w.stage.callback_minutes),
                    None => {
                        cx.case.submitted_at + Duration::minutes(cx.w.stage.bank_processing_minutes)
                    }
                };
                self.add("wait_normal", Some(Ok(until)));
                self.add("contact_platform", None);
            }
            Code::Refunded => {
                demand = None;
                self.add("check_refund_amount", None);
            }
            Code::Credited => {
                demand = None;
                self.add("nothing", None);
            }
            Code::InsufficientEvidence => self.insufficient_evidence(),
        }
        demand
    }

    /// Debited, unconfirmed: check the app, ask the platform, expect the
    /// money back, then the provider once the platform and it had their time.
    fn debited_unconfirmed(&mut self) {
        let cx = self.cx;
        let provider_reply = self
            .reply_by
            .clone()
            .and_then(|d| end_of_business_day_after(cx.cal, d, cx.w.review.provider_business_days));
        self.add("check_payment_app", None);
        self.add("contact_platform", Some(Ok(cx.now)));
        self.add("wait_for_reversal", self.refund_due(self.paid_at));
        self.add(
            "escalate_provider",
            Some(provider_reply.or(self.reply_by.clone())),
        );
        self.last_days(true);
    }

    /// Too little known: add what each side shows, and ask the platform.
    fn insufficient_evidence(&mut self) {
        let f = self.cx.facts;
        if f.money_moved.is_none() && f.provider_unpaid.is_empty() {
            self.add("check_payment_app", None);
        }
        if f.platform_latest.is_none() {
            self.add("add_platform_status", None);
        }
        self.add("contact_platform", Some(Ok(self.cx.now)));
    }

    /// WeChat Pay refunds are possible for 365 days only: the last day, for
    /// an open case paid by WeChat Pay.
    fn wechat_refund_window(&mut self, code: Code) {
        let f = self.cx.facts;
        if !code.settled() && f.provider == Some(SourceKind::WechatPay) && f.money_moved.is_some() {
            let days = self.cx.w.escalation.wechat_refund_days;
            self.add(
                "wechat_refund_window",
                Some(Ok(end_of_day_after(self.paid_at, days))),
            );
        }
    }
}

/// The steps for a diagnosis, and the date the complaint demands a fix by.
fn steps_for(cx: &Ctx, code: Code) -> (Vec<NextStep>, Option<Moment>) {
    let mut s = Steps::new(cx);
    let demand = s.for_code(code);
    s.wechat_refund_window(code);
    (s.out, demand)
}

fn deadlines_of(steps: &[NextStep], now: Moment) -> Vec<Deadline> {
    let mut out: Vec<Deadline> = steps
        .iter()
        .filter(|s| s.due.is_some() || s.problem.is_some())
        .map(|s| Deadline {
            what: s.action.clone(),
            kind: s.kind.unwrap_or(DeadlineKind::ContactBy),
            text: s.text.clone(),
            due: s.due,
            audience: s.audience,
            passed: s.due.is_some_and(|d| d < now),
            problem: s.problem.clone(),
        })
        .collect();
    out.sort_by_key(|d| d.due.map(|t| t.timestamp()).unwrap_or(i64::MAX));
    out
}

#[cfg(test)]
mod tests;
