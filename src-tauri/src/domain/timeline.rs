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
        format!("{}显示「{}」", who.zh_cn, o.raw),
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
    let obs = &case.observations;
    let mut facts = Facts {
        provider: case.notifier(),
        ..Facts::default()
    };

    // ---- facts from the observations
    for (i, o) in obs.iter().enumerate() {
        let party = o.source.party();
        match (party, o.claim) {
            (Party::Provider, Claim::Paid | Claim::Debited | Claim::Credited) => {
                facts.provider_paid.push(i)
            }
            (Party::Bank, Claim::Debited | Claim::Paid) => facts.bank_debits.push(i),
            (Party::Provider, Claim::Closed) => facts.provider_closed = Some(i),
            _ => {}
        }
        match o.claim {
            Claim::RiskBlocked => facts.risk = Some(i),
            Claim::UserLimit => facts.user_limit = Some(i),
            Claim::Outage if party != Party::Platform => facts.outage = Some(i),
            Claim::NotFound => facts.not_found = Some(i),
            _ => {}
        }
        if party == Party::Platform {
            facts.platform_latest = Some(i);
        }
        if o.claim.says_money_moved() || (party == Party::Provider && o.claim == Claim::Credited) {
            if let Some(p) = &o.payment_id
                && !facts.paid_payment_ids.contains(p)
            {
                facts.paid_payment_ids.push(p.clone());
            }
            if party == Party::Provider && facts.provider.is_none() {
                facts.provider = Some(o.source);
            }
        }
    }
    // A close after payment is a refund (Alipay's TRADE_CLOSED), not an
    // unpaid close.
    if let Some(c) = facts.provider_closed
        && facts
            .provider_paid
            .iter()
            .any(|&p| obs[p].source == obs[c].source && obs[p].at <= obs[c].at)
    {
        facts.provider_closed = None;
    }
    for s in SourceKind::ALL {
        if s.party() != Party::Provider {
            continue;
        }
        if let Some((i, o)) = obs.iter().enumerate().rev().find(|(_, o)| o.source == s)
            && o.claim.says_unpaid()
        {
            facts.provider_unpaid.push(i);
        }
    }
    // The provider's own live answer, when there is one, is the payment's
    // word and time; else the earliest word of provider or bank.
    let live = facts
        .provider_paid
        .iter()
        .copied()
        .find(|&i| obs[i].via == Via::Api && obs[i].at.is_some());
    facts.money_moved = live
        .or(facts.provider_paid.first().copied())
        .or(facts.bank_debits.first().copied());
    facts.paid_at = match live {
        Some(i) => obs[i].at,
        None => [facts.provider_paid.first(), facts.bank_debits.first()]
            .into_iter()
            .flatten()
            .filter_map(|&i| obs[i].at)
            .min(),
    };

    let retry = w.retry_window(facts.provider);
    let at_stage = |s: Stage| -> Vec<usize> {
        obs.iter()
            .enumerate()
            .filter(|(_, o)| o.stage().is_some_and(|(st, _)| st == s))
            .map(|(i, _)| i)
            .collect()
    };

    // ---- submitted
    let created = at_stage(Stage::Submitted);
    let submitted = StageView {
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
    };

    // ---- bank processing
    let bp_obs = at_stage(Stage::BankProcessing);
    let bank_window = Duration::minutes(w.stage.bank_processing_minutes);
    let bank = if let Some(i) = facts.money_moved {
        let o = &obs[i];
        StageView {
            stage: Stage::BankProcessing,
            state: StageState::Done,
            at: facts.paid_at.or(o.at),
            source: Some(o.source),
            raw: Some(o.raw.clone()),
            via: None,
            inferred: false,
            explanation: describe(o, case),
            elapsed_seconds: None,
            normal_window: Some(NormalWindow::minutes(w.stage.bank_processing_minutes)),
            overdue: false,
            observations: bp_obs.clone(),
        }
    } else if let Some(&i) = bp_obs.iter().rev().find(|&&i| {
        obs[i]
            .stage()
            .is_some_and(|(_, st)| st == StageState::Failed)
    }) {
        let o = &obs[i];
        StageView::said(
            Stage::BankProcessing,
            StageState::Failed,
            o,
            case,
            Some(NormalWindow::minutes(w.stage.bank_processing_minutes)),
            bp_obs.clone(),
        )
    } else if let Some(&i) = bp_obs.last() {
        let o = &obs[i];
        let late = now - case.submitted_at > bank_window;
        StageView {
            stage: Stage::BankProcessing,
            state: if late {
                StageState::Overdue
            } else {
                StageState::Pending
            },
            at: o.at,
            source: Some(o.source),
            raw: Some(o.raw.clone()),
            via: None,
            inferred: false,
            explanation: describe(o, case),
            elapsed_seconds: None,
            normal_window: Some(NormalWindow::minutes(w.stage.bank_processing_minutes)),
            overdue: late,
            observations: bp_obs.clone(),
        }
    } else {
        // Nobody speaks for the payment. If the platform acknowledges it,
        // it happened; otherwise we do not know.
        let platform_knows = facts.platform_latest.filter(|&i| {
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
                normal_window: Some(NormalWindow::minutes(w.stage.bank_processing_minutes)),
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
                Some(NormalWindow::minutes(w.stage.bank_processing_minutes)),
            ),
        }
    };

    // ---- credited (computed before callback: the callback is inferred from it)
    let cr_obs: Vec<usize> = at_stage(Stage::Credited);
    let credited_window = Duration::minutes(w.stage.callback_minutes + w.stage.credited_minutes);
    let platform_word = cr_obs.last().copied();
    let mut credited = match platform_word {
        Some(i) => {
            let o = &obs[i];
            let (_, st) = o.stage().expect("credited observations have a stage");
            let base = bank.at.unwrap_or(case.submitted_at);
            let late = st == StageState::Pending && now - base > credited_window;
            StageView {
                stage: Stage::Credited,
                state: if late { StageState::Overdue } else { st },
                at: o.at,
                source: Some(o.source),
                raw: Some(o.raw.clone()),
                via: None,
                inferred: false,
                explanation: describe(o, case),
                elapsed_seconds: None,
                normal_window: Some(NormalWindow::minutes(w.stage.credited_minutes)),
                overdue: late,
                observations: cr_obs.clone(),
            }
        }
        None => StageView {
            stage: Stage::Credited,
            state: if bank.state == StageState::Failed {
                StageState::NotApplicable
            } else {
                StageState::Unknown
            },
            at: None,
            source: None,
            raw: None,
            via: None,
            inferred: false,
            explanation: Bilingual::new(
                format!(
                    "尚无{}的订单状态：请补充订单页面显示的内容",
                    case.platform.display().zh_cn
                ),
                format!(
                    "No order status from {} yet: add what its order page shows",
                    case.platform.display().en
                ),
            ),
            elapsed_seconds: None,
            normal_window: Some(NormalWindow::minutes(w.stage.credited_minutes)),
            overdue: false,
            observations: vec![],
        },
    };

    // ---- callback
    let cb_obs = at_stage(Stage::Callback);
    let cb_done = cb_obs
        .iter()
        .rev()
        .find(|&&i| obs[i].stage().is_some_and(|(_, st)| st == StageState::Done))
        .copied();
    let callback_window = Duration::minutes(w.stage.callback_minutes);
    let callback = if let Some(i) = cb_done {
        StageView::said(
            Stage::Callback,
            StageState::Done,
            &obs[i],
            case,
            Some(NormalWindow::minutes(w.stage.callback_minutes)),
            cb_obs.clone(),
        )
    } else if credited.state == StageState::Done {
        StageView {
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
            normal_window: Some(NormalWindow::minutes(w.stage.callback_minutes)),
            overdue: false,
            observations: credited.observations.clone(),
        }
    } else if bank.state == StageState::Done {
        let paid = bank.at.unwrap_or(case.submitted_at);
        let since = now - paid;
        let retry_over = since > retry;
        let late = since > callback_window;
        let state = if retry_over {
            StageState::Failed
        } else if late {
            StageState::Overdue
        } else {
            StageState::Pending
        };
        let payer = bank
            .source
            .map(|s| source_name(s, case))
            .unwrap_or_else(|| Bilingual::new("支付方", "the payment provider"));
        let pname = case.platform.display();
        let platform_says = platform_word.map(|i| obs[i].raw.clone());
        let explanation = match (&platform_says, state) {
            (Some(words), StageState::Failed) => Bilingual::new(
                format!(
                    "{}显示已付款（{}），但 {} 后{}仍显示「{}」，已超过支付方回调重试期（约 {}）",
                    payer.zh_cn,
                    paid.format("%m-%d %H:%M"),
                    human_duration_zh(since),
                    pname.zh_cn,
                    words,
                    human_duration_zh(retry)
                ),
                format!(
                    "{} shows the payment at {}, but {} later {} still shows “{}”, past the provider's notify retry window (about {})",
                    payer.en,
                    paid.format("%m-%d %H:%M"),
                    human_duration_en(since),
                    pname.en,
                    words,
                    human_duration_en(retry)
                ),
            ),
            (Some(words), _) => Bilingual::new(
                format!(
                    "{}显示已付款（{}），{} 后{}仍显示「{}」：平台尚未确认收到支付结果",
                    payer.zh_cn,
                    paid.format("%m-%d %H:%M"),
                    human_duration_zh(since),
                    pname.zh_cn,
                    words
                ),
                format!(
                    "{} shows the payment at {}; {} later {} still shows “{}”: the platform has not acknowledged the payment",
                    payer.en,
                    paid.format("%m-%d %H:%M"),
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
        };
        StageView {
            stage: Stage::Callback,
            state: if platform_says.is_none() && state == StageState::Pending {
                StageState::Unknown
            } else {
                state
            },
            at: None,
            source: platform_word.map(|i| obs[i].source),
            raw: platform_says,
            via: None,
            inferred: true,
            explanation,
            elapsed_seconds: None,
            normal_window: Some(NormalWindow::minutes(w.stage.callback_minutes)),
            overdue: state != StageState::Pending,
            observations: [cb_obs.clone(), platform_word.into_iter().collect()].concat(),
        }
    } else {
        let (state, explanation) = match bank.state {
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
            stage: Stage::Callback,
            state,
            at: None,
            source: None,
            raw: None,
            via: None,
            inferred: true,
            explanation,
            elapsed_seconds: None,
            normal_window: Some(NormalWindow::minutes(w.stage.callback_minutes)),
            overdue: false,
            observations: cb_obs,
        }
    };
    // A platform still "processing" after a lost callback is overdue too.
    if credited.state == StageState::Pending
        && matches!(callback.state, StageState::Overdue | StageState::Failed)
    {
        credited.state = StageState::Overdue;
        credited.overdue = true;
    }

    // ---- refund
    let rf_obs = at_stage(Stage::Refund);
    let refund_days = w.stage.refund_business_days;
    let refund = if let Some(&i) = rf_obs
        .iter()
        .rev()
        .find(|&&i| obs[i].stage().is_some_and(|(_, st)| st == StageState::Done))
    {
        StageView::said(
            Stage::Refund,
            StageState::Done,
            &obs[i],
            case,
            Some(NormalWindow::business_days(refund_days)),
            rf_obs.clone(),
        )
    } else if let Some(&i) = rf_obs.last() {
        StageView::said(
            Stage::Refund,
            StageState::Pending,
            &obs[i],
            case,
            Some(NormalWindow::business_days(refund_days)),
            rf_obs.clone(),
        )
    } else if let (Some(c), true) = (facts.provider_closed, !facts.bank_debits.is_empty()) {
        StageView {
            stage: Stage::Refund,
            state: StageState::Pending,
            at: obs[c].at,
            source: Some(obs[c].source),
            raw: Some(obs[c].raw.clone()),
            via: None,
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
            elapsed_seconds: None,
            normal_window: Some(NormalWindow::business_days(refund_days)),
            overdue: false,
            observations: vec![c],
        }
    } else {
        StageView::silent(
            Stage::Refund,
            StageState::NotApplicable,
            Bilingual::new("没有退款记录", "No refund on record"),
            None,
        )
    };

    let mut stages = vec![submitted, bank, callback, credited, refund];
    // Elapsed time since the previous stage that has a time.
    let mut prev: Option<Moment> = None;
    for s in &mut stages {
        if let (Some(at), Some(p)) = (s.at, prev) {
            s.elapsed_seconds = Some((at - p).num_seconds());
        }
        if s.at.is_some() {
            prev = s.at;
        }
        // The channel of the words the stage quotes: the observation they
        // are from (among those the stage rests on, else any); when the
        // same words came several ways, the strongest is named: a live
        // answer, then a document (a bill, an SMS …), then typed words.
        let quoted =
            |o: &&Observation| Some(o.source) == s.source && s.raw.as_ref() == Some(&o.raw);
        s.via = s
            .observations
            .iter()
            .map(|&i| &obs[i])
            .filter(quoted)
            .min_by_key(|o| via_rank(o.via))
            .or_else(|| obs.iter().filter(quoted).min_by_key(|o| via_rank(o.via)))
            .map(|o| o.via);
    }

    let events = obs
        .iter()
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
        .collect();

    let conflicts = conflicts(case, &facts);
    (Timeline { stages, events }, conflicts, facts)
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
