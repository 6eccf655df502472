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
                    "{}{}显示「{}」",
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

/// Which rule holds, with the observations it rests on.
fn choose(cx: &Ctx) -> (Code, Vec<usize>) {
    let f = cx.facts;
    let obs = &cx.case.observations;
    let money = f.money_moved.is_some();
    let latest = |v: &[usize]| v.last().copied();

    // 1. Refunded: a source says the money is back.
    let refund = cx.tl.stage(Stage::Refund);
    if refund.state == StageState::Done && !refund.inferred {
        return (Code::Refunded, refund.observations.clone());
    }
    // 2. Duplicate payment: two payments, or two debits of the full amount.
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
    if f.paid_payment_ids.len() >= 2 || distinct_debits {
        let mut ev: Vec<usize> = f.provider_paid.clone();
        ev.extend(full_debits);
        return (Code::DuplicatePayment, ev);
    }
    // 3. Credited: the platform delivered.
    if cx.stage(Stage::Credited) == StageState::Done {
        return (
            Code::Credited,
            cx.tl.stage(Stage::Credited).observations.clone(),
        );
    }
    // 4. Refund in progress (said, or a closed trade being reversed).
    if matches!(refund.state, StageState::Pending | StageState::Overdue) {
        if refund.inferred {
            return (
                Code::ClosedReversalPending,
                [refund.observations.clone(), f.bank_debits.clone()].concat(),
            );
        }
        return (Code::RefundInProgress, refund.observations.clone());
    }
    // 5. Risk control, 6. user-side limit: the payment stopped on purpose.
    if let Some(i) = f.risk {
        return (Code::RiskControlBlock, vec![i]);
    }
    if let Some(i) = f.user_limit {
        return (Code::UserSideLimit, vec![i]);
    }
    // 7. Platform bug: the platform acknowledges the payment but has not
    // delivered in time.
    let cb = cx.tl.stage(Stage::Callback);
    let cr = cx.tl.stage(Stage::Credited);
    if cb.state == StageState::Done && !cb.inferred {
        let since = cx.now - cb.at.unwrap_or(cx.case.submitted_at);
        if matches!(cr.state, StageState::Failed | StageState::Overdue)
            || since > Duration::minutes(cx.w.stage.credited_minutes)
        {
            return (
                Code::PlatformBug,
                [cb.observations.clone(), cr.observations.clone()].concat(),
            );
        }
    }
    // 8./9. Callback lost or late: paid, and the platform has not
    // acknowledged it past the normal window.
    if !f.provider_paid.is_empty() {
        let ev = [
            f.provider_paid.clone(),
            f.bank_debits.clone(),
            f.platform_latest.into_iter().collect(),
        ]
        .concat();
        match cb.state {
            StageState::Failed => return (Code::CallbackLost, ev),
            StageState::Overdue => return (Code::CallbackLate, ev),
            _ => {}
        }
    }
    // 10. Debited but the provider does not confirm (or is silent) past the
    // window.
    if !f.bank_debits.is_empty() && f.provider_paid.is_empty() {
        let since = cx.now - f.paid_at.unwrap_or(cx.case.submitted_at);
        if since > Duration::minutes(cx.w.stage.callback_minutes) {
            let mut ev = f.bank_debits.clone();
            ev.extend(f.provider_unpaid.iter().copied());
            ev.extend(f.platform_latest);
            return (Code::DebitedUnconfirmed, ev);
        }
    }
    // 11. Provider outage: the provider says it is failing, or stays
    // "processing" past its window.
    let bp = cx.tl.stage(Stage::BankProcessing);
    if let Some(i) = f.outage {
        return (Code::ProviderOutage, vec![i]);
    }
    if bp.state == StageState::Overdue {
        return (Code::ProviderOutage, bp.observations.clone());
    }
    // 12. Not paid: the provider says unpaid/failed/closed and no debit.
    if !money && (bp.state == StageState::Failed || !f.provider_unpaid.is_empty()) {
        let ev: Vec<usize> = latest(&f.provider_unpaid)
            .into_iter()
            .chain(bp.observations.last().copied())
            .collect();
        if !ev.is_empty() {
            return (Code::NotPaid, ev);
        }
    }
    // 13. Within the normal window: something is pending, nothing is late.
    let any_word = !obs.is_empty();
    let pending = cx.tl.stages.iter().any(|s| s.state == StageState::Pending)
        || (money && cr.state == StageState::Unknown);
    if any_word && pending && !cx.tl.stages.iter().any(|s| s.overdue) {
        return (Code::WithinNormalWindow, (0..obs.len()).collect());
    }
    (Code::InsufficientEvidence, vec![])
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
    base_vars(&mut cx, code, &ev);

    let (steps, demand_deadline) = steps_for(&cx, code);
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
    for c in &conflicts {
        evidence.push(Evidence {
            observation: None,
            source: None,
            at: None,
            raw: None,
            text: c.message.clone(),
        });
    }
    let diagnosis = Diagnosis {
        code,
        broken_link: text.broken_link,
        settled: code.settled(),
        title: fill_both(&text.title_zh, &text.title_en, &cx.vars),
        summary: fill_both(&text.summary_zh, &text.summary_en, &cx.vars),
        cause: fill_both(&text.cause_zh, &text.cause_en, &cx.vars),
        evidence,
    };
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

fn base_vars(cx: &mut Ctx, code: Code, ev: &[usize]) {
    let case = cx.case;
    let f = cx.facts;
    let obs = &case.observations;
    let platform = case.platform.display();
    let preset = case.platform.preset();
    let payer_src = f.money_moved.map(|i| obs[i].source).or(f.provider);
    let payer = payer_src
        .map(|s| source_name(s, case))
        .unwrap_or_else(|| Bilingual::new("支付方", "the payment provider"));
    let paid_at = f.paid_at.unwrap_or(case.submitted_at);
    let since = cx.now - paid_at;
    let retry = cx.w.retry_window(f.provider);
    let first = ev.first().map(|&i| &obs[i]);
    let who = first
        .map(|o| source_name(o.source, case))
        .unwrap_or_else(|| platform.clone());
    let words = first.map(|o| o.raw.clone()).unwrap_or_default();
    let provider_words = match f.provider_unpaid.last() {
        Some(&i) => Bilingual::new(
            format!(
                "{}显示「{}」",
                source_name(obs[i].source, case).zh_cn,
                obs[i].raw
            ),
            format!(
                "{} shows “{}”",
                source_name(obs[i].source, case).en,
                obs[i].raw
            ),
        ),
        None => Bilingual::new(
            "还没有支付方（支付宝 / 微信）的记录",
            "there is no word from the payment provider (Alipay / WeChat) yet",
        ),
    };
    let refund = cx.tl.stage(Stage::Refund);
    let refund_by = refund
        .at
        .map(|t| end_of_business_day_after(cx.cal, t, cx.w.stage.refund_business_days));
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
    let waiting = if f.money_moved.is_some() {
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
    };
    let ids: Vec<String> = if f.paid_payment_ids.len() >= 2 {
        f.paid_payment_ids.clone()
    } else {
        ev.iter()
            .filter_map(|&i| obs[i].at.map(short_time))
            .collect()
    };
    let reply_by = end_of_business_day_after(cx.cal, cx.now, cx.w.review.platform_business_days)
        .map(short_date)
        .unwrap_or_else(|_| "—".to_owned());
    let v = &mut cx.vars;
    v.plain("reply_by", reply_by);
    v.both("platform", platform)
        .both("payer", payer)
        .both("who", who)
        .both(
            "since",
            Bilingual::new(human_duration_zh(since), human_duration_en(since)),
        )
        .both(
            "retry",
            Bilingual::new(human_duration_zh(retry), human_duration_en(retry)),
        )
        .both(
            "window",
            Bilingual::new(human_duration_zh(window), human_duration_en(window)),
        )
        .both(
            "deliver",
            Bilingual::new(preset.deliver_zh.clone(), preset.deliver_en.clone()),
        )
        .both("provider_words", provider_words)
        .both(
            "missing",
            Bilingual::new(missing_zh.join("；"), missing_en.join("; ")),
        )
        .both("waiting", waiting)
        .plain("amount", case.amount.display())
        .plain("order_id", case.order_id.clone())
        .plain("paid_at", short_time(paid_at))
        .plain("retry_until", short_time(paid_at + retry))
        .plain("wait_until", short_time(wait_base + window))
        .plain("words", words)
        .plain("count", ids.len().max(2).to_string())
        .plain("ids", ids.join(", "))
        .plain("refund_at", refund.at.map(short_time).unwrap_or_default())
        .plain(
            "refund_by",
            match refund_by {
                Some(Ok(d)) => short_date(d),
                Some(Err(_)) | None => "—".to_owned(),
            },
        );
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

struct Steps<'a, 'b> {
    cx: &'a Ctx<'b>,
    out: Vec<NextStep>,
}

impl Steps<'_, '_> {
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
}

/// The steps for a diagnosis, and the date the complaint demands a fix by.
fn steps_for(cx: &Ctx, code: Code) -> (Vec<NextStep>, Option<Moment>) {
    let case = cx.case;
    let f = cx.facts;
    let now = cx.now;
    let paid_at = f.paid_at.unwrap_or(case.submitted_at);
    let after = |from: Moment, days: u32| Some(end_of_business_day_after(cx.cal, from, days));
    let reply_by = end_of_business_day_after(cx.cal, now, cx.w.review.platform_business_days);
    let provider_reply = reply_by
        .clone()
        .and_then(|d| end_of_business_day_after(cx.cal, d, cx.w.review.provider_business_days));
    let last_12315 = last_day_12315(case, cx.w);
    let days_after_payment =
        |days: i64| end_of_day((paid_at + Duration::days(days)).date_naive(), paid_at);
    let is_card = case.method.is_card() || case.card_last4.is_some();
    let refund_days = cx.w.stage.refund_business_days;
    let refund_from = cx.tl.stage(Stage::Refund).at.unwrap_or(now);

    let mut s = Steps {
        cx,
        out: Vec::new(),
    };
    // The last days of the outside escalations.
    let last_days = |s: &mut Steps, with_12315: bool| {
        if with_12315 {
            s.add("consumer_complaint", Some(Ok(last_12315)));
        }
        if is_card {
            s.add(
                "card_dispute",
                Some(Ok(days_after_payment(cx.w.escalation.card_dispute_days))),
            );
        }
    };
    let ladder = |s: &mut Steps| {
        s.add("platform_ticket", Some(Ok(now)));
        s.add("escalate_provider", Some(reply_by.clone()));
        last_days(s, true);
    };
    let mut demand = reply_by.clone().ok();
    match code {
        Code::CallbackLate => {
            s.add("contact_platform", Some(Ok(now)));
            s.add(
                "wait_for_callback",
                Some(Ok(paid_at + cx.w.retry_window(f.provider))),
            );
            ladder(&mut s);
        }
        Code::CallbackLost | Code::PlatformBug => {
            s.add("contact_platform", Some(Ok(now)));
            ladder(&mut s);
        }
        Code::DuplicatePayment => {
            s.add("request_duplicate_refund", Some(reply_by.clone()));
            ladder(&mut s);
        }
        Code::RefundInProgress => {
            let by = after(refund_from, refund_days);
            demand = by.clone().and_then(Result::ok);
            s.add("watch_refund", by);
            last_days(&mut s, true);
        }
        Code::ClosedReversalPending => {
            let by = after(refund_from, refund_days);
            demand = by.clone().and_then(Result::ok);
            s.add("wait_for_reversal", by);
            last_days(&mut s, false);
        }
        Code::RiskControlBlock | Code::ProviderOutage => {
            s.add("contact_provider_support", Some(Ok(now)));
            if f.money_moved.is_some() {
                let by = after(paid_at, refund_days);
                demand = by.clone().and_then(Result::ok);
                s.add("wait_for_reversal", by);
            }
        }
        Code::UserSideLimit => s.add("fix_payment_details", None),
        Code::DebitedUnconfirmed => {
            s.add("check_payment_app", None);
            s.add("contact_platform", Some(Ok(now)));
            s.add("wait_for_reversal", after(paid_at, refund_days));
            s.add(
                "escalate_provider",
                Some(provider_reply.or(reply_by.clone())),
            );
            last_days(&mut s, true);
        }
        Code::NotPaid => {
            demand = None;
            s.add("retry_payment", None);
        }
        Code::WithinNormalWindow => {
            let until = match f.money_moved {
                Some(_) => paid_at + Duration::minutes(cx.w.stage.callback_minutes),
                None => case.submitted_at + Duration::minutes(cx.w.stage.bank_processing_minutes),
            };
            s.add("wait_normal", Some(Ok(until)));
            s.add("contact_platform", None);
        }
        Code::Refunded => {
            demand = None;
            s.add("check_refund_amount", None);
        }
        Code::Credited => {
            demand = None;
            s.add("nothing", None);
        }
        Code::InsufficientEvidence => {
            if f.money_moved.is_none() && f.provider_unpaid.is_empty() {
                s.add("check_payment_app", None);
            }
            if f.platform_latest.is_none() {
                s.add("add_platform_status", None);
            }
            s.add("contact_platform", Some(Ok(now)));
        }
    }
    // WeChat Pay refunds are possible for 365 days only.
    if !code.settled() && f.provider == Some(SourceKind::WechatPay) && f.money_moved.is_some() {
        s.add(
            "wechat_refund_window",
            Some(Ok(days_after_payment(cx.w.escalation.wechat_refund_days))),
        );
    }
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
