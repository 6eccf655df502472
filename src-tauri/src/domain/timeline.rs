//! All sources on one time-ordered picture: the four canonical stages and
//! the refund branch, each with its state, time, source and raw words, and
//! the conflicts between sources, never silently merged.

use chrono::Duration;
use rust_decimal::Decimal;
use serde::Serialize;

use super::case::Case;
use super::observation::{Claim, Observation, Party, SourceKind, Via};
use super::stage::{Stage, StageState};
use super::text::Bilingual;
use super::time::{Moment, human_duration_en, human_duration_zh};
use super::windows::Windows;

/// The normal duration of a stage, measured from the previous one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct NormalWindow {
    /// In minutes, for the fast links.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub minutes: Option<i64>,
    /// In business days, for refunds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub business_days: Option<u32>,
    pub text: Bilingual,
}

impl NormalWindow {
    fn minutes(m: i64) -> Self {
        NormalWindow {
            minutes: Some(m),
            business_days: None,
            text: Bilingual::new(
                format!("通常 {}内", human_duration_zh(Duration::minutes(m))),
                format!(
                    "normally within {}",
                    human_duration_en(Duration::minutes(m))
                ),
            ),
        }
    }

    fn business_days(d: u32) -> Self {
        NormalWindow {
            minutes: None,
            business_days: Some(d),
            text: Bilingual::new(
                format!("通常 1–{d} 个工作日"),
                format!("normally 1–{d} business days"),
            ),
        }
    }
}

/// One stage as the timeline shows it.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct StageView {
    pub stage: Stage,
    pub state: StageState,
    pub at: Option<Moment>,
    /// Who says so. `None` only when nobody has said anything yet.
    pub source: Option<SourceKind>,
    /// The source's own words.
    pub raw: Option<String>,
    /// How the source's words reached us (typed in, a bill, an SMS, an API).
    pub via: Option<Via>,
    /// True when the state is deduced from other stages, not said directly.
    pub inferred: bool,
    /// Why the stage stands where it does, in plain words.
    pub explanation: Bilingual,
    /// Seconds since the previous stage that has a time.
    pub elapsed_seconds: Option<i64>,
    pub normal_window: Option<NormalWindow>,
    pub overdue: bool,
    /// Indices into the case's observations that this stage rests on.
    pub observations: Vec<usize>,
}

/// Every observation, in time order, as it lands on the stages.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct Event {
    pub index: usize,
    pub at: Option<Moment>,
    pub source: SourceKind,
    pub via: Via,
    pub raw: String,
    pub claim: Claim,
    pub stage: Option<Stage>,
    pub state: Option<StageState>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum ConflictKind {
    /// One source says the money moved, another says it did not.
    PaidVsUnpaid,
    /// A source shows another amount than the order.
    AmountMismatch,
}

/// Two sources that disagree. Shown, never merged away.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct Conflict {
    pub kind: ConflictKind,
    pub stage: Stage,
    pub observations: Vec<usize>,
    pub message: Bilingual,
}

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct Timeline {
    pub stages: Vec<StageView>,
    pub events: Vec<Event>,
}

impl Timeline {
    pub fn stage(&self, s: Stage) -> &StageView {
        self.stages
            .iter()
            .find(|v| v.stage == s)
            .expect("every stage is on the timeline")
    }
}

impl StageView {
    /// A stage as one observation states it.
    fn said(
        stage: Stage,
        state: StageState,
        o: &Observation,
        case: &Case,
        window: Option<NormalWindow>,
        observations: Vec<usize>,
    ) -> Self {
        StageView {
            stage,
            state,
            at: o.at,
            source: Some(o.source),
            raw: Some(o.raw.clone()),
            via: None,
            inferred: false,
            explanation: describe(o, case),
            elapsed_seconds: None,
            normal_window: window,
            overdue: false,
            observations,
        }
    }

    /// A stage nobody speaks for (yet).
    fn silent(
        stage: Stage,
        state: StageState,
        explanation: Bilingual,
        window: Option<NormalWindow>,
    ) -> Self {
        StageView {
            stage,
            state,
            at: None,
            source: None,
            raw: None,
            via: None,
            inferred: false,
            explanation,
            elapsed_seconds: None,
            normal_window: window,
            overdue: false,
            observations: vec![],
        }
    }
}

/// What the timeline found, for the diagnosis.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// The first observation saying money moved (provider preferred).
    pub money_moved: Option<usize>,
    pub paid_at: Option<Moment>,
    /// Provider observations saying paid.
    pub provider_paid: Vec<usize>,
    /// Bank observations saying debited.
    pub bank_debits: Vec<usize>,
    /// The latest provider word, per provider, when it says unpaid/failed.
    pub provider_unpaid: Vec<usize>,
    /// The platform's latest word.
    pub platform_latest: Option<usize>,
    pub risk: Option<usize>,
    pub user_limit: Option<usize>,
    pub outage: Option<usize>,
    pub not_found: Option<usize>,
    /// A provider closing the trade without it ever being paid.
    pub provider_closed: Option<usize>,
    /// Distinct payment IDs that a source says were paid.
    pub paid_payment_ids: Vec<String>,
    /// The provider that notifies the platform; its retry window applies.
    pub provider: Option<SourceKind>,
}

fn describe(o: &Observation, case: &Case) -> Bilingual {
    let who = source_name(o.source, case);
    Bilingual::new(
        format!("{}显示“{}”", who.zh_cn, o.raw),
        format!("{} shows “{}”", who.en, o.raw),
    )
}

/// How strongly a channel speaks for its words (lower is stronger).
fn via_rank(v: Via) -> u8 {
    match v {
        Via::Api => 0,
        Via::BillExport | Via::Sms | Via::Receipt => 1,
        Via::Manual => 2,
    }
}

/// A source's name; the platform's is the case's platform name.
pub fn source_name(s: SourceKind, case: &Case) -> Bilingual {
    match s {
        SourceKind::Platform => case.platform.display(),
        other => other.label(),
    }
}

/// Builds the timeline of `case` as of `now`.
pub fn build(case: &Case, now: Moment, w: &Windows) -> (Timeline, Vec<Conflict>, Facts) {
    let facts = Facts::gather(case);
    let views = Views {
        case,
        obs: &case.observations,
        now,
        w,
        facts: &facts,
    };
    let submitted = views.submitted();
    let bank = views.bank_processing();
    // Credited comes before the callback: the callback is inferred from it.
    let mut credited = views.credited(&bank);
    let callback = views.callback(&bank, &credited);
    overdue_after_lost_callback(&mut credited, &callback);
    let refund = views.refund();

    let mut stages = vec![submitted, bank, callback, credited, refund];
    link(&mut stages, &case.observations);
    let events = events(&case.observations);
    let conflicts = conflicts(case, &facts);
    (Timeline { stages, events }, conflicts, facts)
}

// ---------------------------------------------------------------- facts

impl Facts {
    /// Reads every observation for what the diagnosis rests on.
    fn gather(case: &Case) -> Facts {
        let obs = &case.observations;
        let mut facts = Facts {
            provider: case.notifier(),
            ..Facts::default()
        };
        for (i, o) in obs.iter().enumerate() {
            facts.note(i, o);
        }
        facts.drop_close_after_payment(obs);
        facts.provider_unpaid = latest_unpaid_words(obs);
        facts.settle_payment(obs);
        facts
    }

    /// Files observation `i` under each fact it speaks to.
    fn note(&mut self, i: usize, o: &Observation) {
        let party = o.source.party();
        match (party, o.claim) {
            (Party::Provider, Claim::Paid | Claim::Debited | Claim::Credited) => {
                self.provider_paid.push(i)
            }
            (Party::Bank, Claim::Debited | Claim::Paid) => self.bank_debits.push(i),
            (Party::Provider, Claim::Closed) => self.provider_closed = Some(i),
            _ => {}
        }
        match o.claim {
            Claim::RiskBlocked => self.risk = Some(i),
            Claim::UserLimit => self.user_limit = Some(i),
            Claim::Outage if party != Party::Platform => self.outage = Some(i),
            Claim::NotFound => self.not_found = Some(i),
            _ => {}
        }
        if party == Party::Platform {
            self.platform_latest = Some(i);
        }
        if o.claim.says_money_moved() || (party == Party::Provider && o.claim == Claim::Credited) {
            if let Some(p) = &o.payment_id
                && !self.paid_payment_ids.contains(p)
            {
                self.paid_payment_ids.push(p.clone());
            }
            if party == Party::Provider && self.provider.is_none() {
                self.provider = Some(o.source);
            }
        }
    }

    /// A close after payment is a refund (Alipay's TRADE_CLOSED), not an
    /// unpaid close.
    fn drop_close_after_payment(&mut self, obs: &[Observation]) {
        if let Some(c) = self.provider_closed
            && self
                .provider_paid
                .iter()
                .any(|&p| obs[p].source == obs[c].source && obs[p].at <= obs[c].at)
        {
            self.provider_closed = None;
        }
    }

    /// Which word and time stand for the payment: the provider's own live
    /// answer, when there is one; else the earliest word of provider or bank.
    fn settle_payment(&mut self, obs: &[Observation]) {
        let live = self
            .provider_paid
            .iter()
            .copied()
            .find(|&i| obs[i].via == Via::Api && obs[i].at.is_some());
        self.money_moved = live
            .or(self.provider_paid.first().copied())
            .or(self.bank_debits.first().copied());
        self.paid_at = match live {
            Some(i) => obs[i].at,
            None => [self.provider_paid.first(), self.bank_debits.first()]
                .into_iter()
                .flatten()
                .filter_map(|&i| obs[i].at)
                .min(),
        };
    }
}

/// The providers whose latest word says unpaid or failed: that word, per
/// provider.
fn latest_unpaid_words(obs: &[Observation]) -> Vec<usize> {
    let mut out = Vec::new();
    for s in SourceKind::ALL {
        if s.party() != Party::Provider {
            continue;
        }
        if let Some((i, o)) = obs.iter().enumerate().rev().find(|(_, o)| o.source == s)
            && o.claim.says_unpaid()
        {
            out.push(i);
        }
    }
    out
}

// ---------------------------------------------------------------- stages

/// What every stage's view is decided from.
struct Views<'a> {
    case: &'a Case,
    obs: &'a [Observation],
    now: Moment,
    w: &'a Windows,
    facts: &'a Facts,
}

impl Views<'_> {
    /// The observations that speak for stage `s`, in order.
    fn at_stage(&self, s: Stage) -> Vec<usize> {
        self.obs
            .iter()
            .enumerate()
            .filter(|(_, o)| o.stage().is_some_and(|(st, _)| st == s))
            .map(|(i, _)| i)
            .collect()
    }

    /// The latest of `at` that puts its stage in `state`.
    fn latest_saying(&self, at: &[usize], state: StageState) -> Option<usize> {
        at.iter()
            .rev()
            .find(|&&i| self.obs[i].stage().is_some_and(|(_, st)| st == state))
            .copied()
    }

    /// Submitted: always done, at the order's time, in the words of whoever
    /// speaks for the order (the user when nobody does).
    fn submitted(&self) -> StageView {
        let (case, obs) = (self.case, self.obs);
        let created = self.at_stage(Stage::Submitted);
        StageView {
            stage: Stage::Submitted,
            state: StageState::Done,
            at: Some(case.submitted_at),
            source: Some(created.first().map_or(SourceKind::User, |&i| obs[i].source)),
            raw: created.first().map(|&i| obs[i].raw.clone()),
            via: None,
            inferred: false,
            explanation: Bilingual::new(
                format!(
                    "订单 {} 于 {} 提交",
                    case.order_id,
                    case.submitted_at.format("%Y-%m-%d %H:%M")
                ),
                format!(
                    "Order {} placed at {}",
                    case.order_id,
                    case.submitted_at.format("%Y-%m-%d %H:%M")
                ),
            ),
            elapsed_seconds: None,
            normal_window: None,
            overdue: false,
            observations: created,
        }
    }

    /// Bank processing: done when money moved, else failed or pending
    /// (overdue past its window) as the stage's own words say, else what
    /// the platform implies.
    fn bank_processing(&self) -> StageView {
        let (case, obs) = (self.case, self.obs);
        let minutes = self.w.stage.bank_processing_minutes;
        let window = || Some(NormalWindow::minutes(minutes));
        let bp_obs = self.at_stage(Stage::BankProcessing);
        if let Some(i) = self.facts.money_moved {
            let o = &obs[i];
            return StageView {
                at: self.facts.paid_at.or(o.at),
                ..StageView::said(
                    Stage::BankProcessing,
                    StageState::Done,
                    o,
                    case,
                    window(),
                    bp_obs,
                )
            };
        }
        if let Some(i) = self.latest_saying(&bp_obs, StageState::Failed) {
            return StageView::said(
                Stage::BankProcessing,
                StageState::Failed,
                &obs[i],
                case,
                window(),
                bp_obs,
            );
        }
        if let Some(&i) = bp_obs.last() {
            let late = self.now - case.submitted_at > Duration::minutes(minutes);
            let state = if late {
                StageState::Overdue
            } else {
                StageState::Pending
            };
            return StageView {
                overdue: late,
                ..StageView::said(
                    Stage::BankProcessing,
                    state,
                    &obs[i],
                    case,
                    window(),
                    bp_obs,
                )
            };
        }
        self.bank_unspoken()
    }

    /// Bank processing nobody speaks for: done if the platform acknowledges
    /// the payment; otherwise we do not know.
    fn bank_unspoken(&self) -> StageView {
        let (case, obs) = (self.case, self.obs);
        let window = Some(NormalWindow::minutes(self.w.stage.bank_processing_minutes));
        let platform_knows = self.facts.platform_latest.filter(|&i| {
            matches!(
                obs[i].stage(),
                Some((Stage::Callback | Stage::Credited, StageState::Done))
            )
        });
        match platform_knows {
            Some(i) => StageView {
                stage: Stage::BankProcessing,
                state: StageState::Done,
                at: obs[i].at,
                source: Some(obs[i].source),
                raw: Some(obs[i].raw.clone()),
                via: None,
                inferred: true,
                explanation: Bilingual::new(
                    format!("{}（平台已确认收款）", describe(&obs[i], case).zh_cn),
                    format!(
                        "{} (the platform confirms the payment)",
                        describe(&obs[i], case).en
                    ),
                ),
                elapsed_seconds: None,
                normal_window: window,
                overdue: false,
                observations: vec![i],
            },
            None => StageView::silent(
                Stage::BankProcessing,
                StageState::Unknown,
                Bilingual::new(
                    "尚无支付方或银行的记录：请补充支付 App 的账单状态或银行短信",
                    "No word from the payment provider or the bank yet: add what the payment app or the bank SMS shows",
                ),
                window,
            ),
        }
    }

    /// Credited: the platform's latest order word, overdue when it stays
    /// pending past the callback and credit windows; without one, unknown
    /// (not applicable after a failed payment).
    fn credited(&self, bank: &StageView) -> StageView {
        let case = self.case;
        let window = Some(NormalWindow::minutes(self.w.stage.credited_minutes));
        let cr_obs = self.at_stage(Stage::Credited);
        let Some(&i) = cr_obs.last() else {
            let state = if bank.state == StageState::Failed {
                StageState::NotApplicable
            } else {
                StageState::Unknown
            };
            let explanation = Bilingual::new(
                format!(
                    "尚无{}的订单状态：请补充订单页面显示的内容",
                    case.platform.display().zh_cn
                ),
                format!(
                    "No order status from {} yet: add what its order page shows",
                    case.platform.display().en
                ),
            );
            return StageView::silent(Stage::Credited, state, explanation, window);
        };
        let o = &self.obs[i];
        let (_, st) = o.stage().expect("credited observations have a stage");
        let base = bank.at.unwrap_or(case.submitted_at);
        let credited_window =
            Duration::minutes(self.w.stage.callback_minutes + self.w.stage.credited_minutes);
        let late = st == StageState::Pending && self.now - base > credited_window;
        let state = if late { StageState::Overdue } else { st };
        StageView {
            overdue: late,
            ..StageView::said(Stage::Credited, state, o, case, window, cr_obs)
        }
    }

    /// Callback: done when said, or implied by a done credit; after a done
    /// payment, waited for; before one, nothing to notify yet.
    fn callback(&self, bank: &StageView, credited: &StageView) -> StageView {
        let window = Some(NormalWindow::minutes(self.w.stage.callback_minutes));
        let cb_obs = self.at_stage(Stage::Callback);
        if let Some(i) = self.latest_saying(&cb_obs, StageState::Done) {
            return StageView::said(
                Stage::Callback,
                StageState::Done,
                &self.obs[i],
                self.case,
                window,
                cb_obs,
            );
        }
        if credited.state == StageState::Done {
            return StageView {
                stage: Stage::Callback,
                state: StageState::Done,
                at: credited.at,
                source: credited.source,
                raw: credited.raw.clone(),
                via: None,
                inferred: true,
                explanation: Bilingual::new(
                    "平台已到账，说明它收到了支付结果",
                    "The platform credited the order, so it received the payment result",
                ),
                elapsed_seconds: None,
                normal_window: window,
                overdue: false,
                observations: credited.observations.clone(),
            };
        }
        if bank.state == StageState::Done {
            return self.callback_awaited(bank, cb_obs);
        }
        callback_before_payment(bank.state, window, cb_obs)
    }

    /// The callback after a done payment: pending within its window, overdue
    /// past it, failed past the provider's retry window; unknown while the
    /// platform has said nothing and it is not late.
    fn callback_awaited(&self, bank: &StageView, cb_obs: Vec<usize>) -> StageView {
        let case = self.case;
        let paid = bank.at.unwrap_or(case.submitted_at);
        let wait = CallbackWait {
            payer: bank
                .source
                .map(|s| source_name(s, case))
                .unwrap_or_else(|| Bilingual::new("支付方", "the payment provider")),
            platform: case.platform.display(),
            paid,
            since: self.now - paid,
            retry: self.w.retry_window(self.facts.provider),
        };
        let state = if wait.since > wait.retry {
            StageState::Failed
        } else if wait.since > Duration::minutes(self.w.stage.callback_minutes) {
            StageState::Overdue
        } else {
            StageState::Pending
        };
        let platform_word = self.at_stage(Stage::Credited).last().copied();
        let platform_says = platform_word.map(|i| self.obs[i].raw.clone());
        StageView {
            stage: Stage::Callback,
            state: if platform_says.is_none() && state == StageState::Pending {
                StageState::Unknown
            } else {
                state
            },
            at: None,
            source: platform_word.map(|i| self.obs[i].source),
            explanation: wait.explain(platform_says.as_deref(), state),
            raw: platform_says,
            via: None,
            inferred: true,
            elapsed_seconds: None,
            normal_window: Some(NormalWindow::minutes(self.w.stage.callback_minutes)),
            overdue: state != StageState::Pending,
            observations: [cb_obs, platform_word.into_iter().collect()].concat(),
        }
    }

    /// Refund: done or under way as a source says; a trade closed after the
    /// bank debited is a reversal under way; else none on record.
    fn refund(&self) -> StageView {
        let (case, obs) = (self.case, self.obs);
        let window = || {
            Some(NormalWindow::business_days(
                self.w.stage.refund_business_days,
            ))
        };
        let rf_obs = self.at_stage(Stage::Refund);
        if let Some(i) = self.latest_saying(&rf_obs, StageState::Done) {
            return StageView::said(
                Stage::Refund,
                StageState::Done,
                &obs[i],
                case,
                window(),
                rf_obs,
            );
        }
        if let Some(&i) = rf_obs.last() {
            return StageView::said(
                Stage::Refund,
                StageState::Pending,
                &obs[i],
                case,
                window(),
                rf_obs,
            );
        }
        if let (Some(c), true) = (
            self.facts.provider_closed,
            !self.facts.bank_debits.is_empty(),
        ) {
            return StageView {
                inferred: true,
                explanation: Bilingual::new(
                    format!(
                        "{}，但银行已扣款：应自动退回（冲正）",
                        describe(&obs[c], case).zh_cn
                    ),
                    format!(
                        "{}, yet the bank debited the money: it should be reversed automatically",
                        describe(&obs[c], case).en
                    ),
                ),
                ..StageView::said(
                    Stage::Refund,
                    StageState::Pending,
                    &obs[c],
                    case,
                    window(),
                    vec![c],
                )
            };
        }
        StageView::silent(
            Stage::Refund,
            StageState::NotApplicable,
            Bilingual::new("没有退款记录", "No refund on record"),
            None,
        )
    }
}

/// The callback while the payment is not done: nothing to notify after a
/// failed payment, waiting while it is under way, unknown otherwise.
fn callback_before_payment(
    bank: StageState,
    window: Option<NormalWindow>,
    cb_obs: Vec<usize>,
) -> StageView {
    let (state, explanation) = match bank {
        StageState::Failed => (
            StageState::NotApplicable,
            Bilingual::new(
                "支付未成功，无需回调",
                "The payment did not go through; there is nothing to notify",
            ),
        ),
        StageState::Pending | StageState::Overdue => (
            StageState::Pending,
            Bilingual::new("等待支付完成", "Waiting for the payment to complete"),
        ),
        _ => (
            StageState::Unknown,
            Bilingual::new(
                "尚不知道是否已付款",
                "Not known whether the payment went through",
            ),
        ),
    };
    StageView {
        inferred: true,
        observations: cb_obs,
        ..StageView::silent(Stage::Callback, state, explanation, window)
    }
}

/// A paid order waiting for the platform to hear of it.
struct CallbackWait {
    payer: Bilingual,
    platform: Bilingual,
    paid: Moment,
    since: Duration,
    retry: Duration,
}

impl CallbackWait {
    /// Why the callback stands at `state`, quoting what the platform still
    /// says, if anything.
    fn explain(&self, platform_says: Option<&str>, state: StageState) -> Bilingual {
        let (payer, pname) = (&self.payer, &self.platform);
        let paid = self.paid.format("%m-%d %H:%M");
        let (since, retry) = (self.since, self.retry);
        match (platform_says, state) {
            (Some(words), StageState::Failed) => Bilingual::new(
                format!(
                    "{}显示已付款（{}），但 {} 后{}仍显示“{}”，已超过支付方回调重试期（约 {}）",
                    payer.zh_cn,
                    paid,
                    human_duration_zh(since),
                    pname.zh_cn,
                    words,
                    human_duration_zh(retry)
                ),
                format!(
                    "{} shows the payment at {}, but {} later {} still shows “{}”, past the provider's notify retry window (about {})",
                    payer.en,
                    paid,
                    human_duration_en(since),
                    pname.en,
                    words,
                    human_duration_en(retry)
                ),
            ),
            (Some(words), _) => Bilingual::new(
                format!(
                    "{}显示已付款（{}），{} 后{}仍显示“{}”：平台尚未确认收到支付结果",
                    payer.zh_cn,
                    paid,
                    human_duration_zh(since),
                    pname.zh_cn,
                    words
                ),
                format!(
                    "{} shows the payment at {}; {} later {} still shows “{}”: the platform has not acknowledged the payment",
                    payer.en,
                    paid,
                    human_duration_en(since),
                    pname.en,
                    words
                ),
            ),
            (None, _) => Bilingual::new(
                format!(
                    "{}显示已付款，尚不知道{}是否收到支付结果",
                    payer.zh_cn, pname.zh_cn
                ),
                format!(
                    "{} shows the payment; whether {} received it is not known yet",
                    payer.en, pname.en
                ),
            ),
        }
    }
}

/// A platform still "processing" after a lost callback is overdue too.
fn overdue_after_lost_callback(credited: &mut StageView, callback: &StageView) {
    if credited.state == StageState::Pending
        && matches!(callback.state, StageState::Overdue | StageState::Failed)
    {
        credited.state = StageState::Overdue;
        credited.overdue = true;
    }
}

/// Fills in what each stage owes to the others and to its words: the time
/// since the previous stage that has a time, and the channel it quotes.
fn link(stages: &mut [StageView], obs: &[Observation]) {
    let mut prev: Option<Moment> = None;
    for s in stages {
        if let (Some(at), Some(p)) = (s.at, prev) {
            s.elapsed_seconds = Some((at - p).num_seconds());
        }
        if s.at.is_some() {
            prev = s.at;
        }
        s.via = quoted_via(s, obs);
    }
}

/// The channel of the words a stage quotes: the observation they are from
/// (among those the stage rests on, else any); when the same words came
/// several ways, the strongest is named: a live answer, then a document (a
/// bill, an SMS …), then typed words.
fn quoted_via(s: &StageView, obs: &[Observation]) -> Option<Via> {
    let quoted = |o: &&Observation| Some(o.source) == s.source && s.raw.as_ref() == Some(&o.raw);
    s.observations
        .iter()
        .map(|&i| &obs[i])
        .filter(quoted)
        .min_by_key(|o| via_rank(o.via))
        .or_else(|| obs.iter().filter(quoted).min_by_key(|o| via_rank(o.via)))
        .map(|o| o.via)
}

/// Every observation as an event, with the stage it lands on.
fn events(obs: &[Observation]) -> Vec<Event> {
    obs.iter()
        .enumerate()
        .map(|(i, o)| {
            let st = o.stage();
            Event {
                index: i,
                at: o.at,
                source: o.source,
                via: o.via,
                raw: o.raw.clone(),
                claim: o.claim,
                stage: st.map(|s| s.0),
                state: st.map(|s| s.1),
            }
        })
        .collect()
}

fn conflicts(case: &Case, facts: &Facts) -> Vec<Conflict> {
    let obs = &case.observations;
    let mut out = Vec::new();
    if let Some(m) = facts.money_moved {
        let paid = &obs[m];
        let payer = describe(paid, case);
        // Providers that say unpaid, and a platform that says the payment
        // failed, both contradict the money having moved.
        let mut against: Vec<usize> = facts.provider_unpaid.clone();
        if let Some(p) = facts.platform_latest
            && matches!(
                obs[p].claim,
                Claim::Failed | Claim::Unpaid | Claim::NotFound
            )
        {
            against.push(p);
        }
        for i in against {
            if obs[i].claim == Claim::Closed && obs[i].source == paid.source {
                continue;
            }
            let other = describe(&obs[i], case);
            out.push(Conflict {
                kind: ConflictKind::PaidVsUnpaid,
                stage: if obs[i].source.party() == Party::Platform {
                    Stage::Callback
                } else {
                    Stage::BankProcessing
                },
                observations: vec![m, i],
                message: Bilingual::new(
                    format!("说法不一致：{}，而{}", payer.zh_cn, other.zh_cn),
                    format!("Sources disagree: {}, but {}", payer.en, other.en),
                ),
            });
        }
    }
    for (i, o) in obs.iter().enumerate() {
        let Some(a) = o.amount else { continue };
        if a != case.amount.amount && !matches!(o.claim, Claim::Refunded | Claim::RefundPending) {
            let who = source_name(o.source, case);
            let shown = case.money(a).display();
            let want = case.amount.display();
            let diff: Decimal = a - case.amount.amount;
            out.push(Conflict {
                kind: ConflictKind::AmountMismatch,
                stage: o.stage().map_or(Stage::BankProcessing, |s| s.0),
                observations: vec![i],
                message: Bilingual::new(
                    format!(
                        "金额不一致：{}显示 {}，订单金额为 {}（相差 {}）",
                        who.zh_cn,
                        shown,
                        want,
                        diff.abs()
                    ),
                    format!(
                        "Amounts disagree: {} shows {}, the order is {} (a difference of {})",
                        who.en,
                        shown,
                        want,
                        diff.abs()
                    ),
                ),
            });
        }
    }
    out
}
