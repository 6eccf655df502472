//! The sources a check asks, and how far each got: the user's own report,
//! imported evidence, and the live providers. Each live provider is one
//! module of the same shape — settings fields, request building and
//! signing, wire types, a status table mapping its words onto our claims,
//! error mapping — registered once in [`REGISTRY`].
//!
//! Live sources are asked concurrently (one thread each): a check takes
//! about as long as the slowest source, and one that fails or hangs never
//! holds up the others.

pub mod alipay;
pub mod creds;
pub mod dujiaoka;
pub mod epay;
pub mod error;
pub mod guard;
pub mod http;
pub mod limit;
pub mod merchant;
pub mod paypal;
pub mod secret;
pub mod settings;
pub mod sign;
pub mod stripe;
pub mod wechat;
pub mod wire;

use std::sync::Mutex;
use std::sync::atomic::AtomicBool;

use crate::domain::case::Case;
use crate::domain::money::Money;
use crate::domain::observation::{Observation, SourceKind, Via};
use crate::domain::text::Bilingual;
use crate::domain::time::Moment;
use creds::{CredField, CredStore, Credentials};
use error::SourceError;
use http::Http;

pub use crate::records::{SourceProgress, SourceStatus};

/// What a provider query needs besides its credentials.
pub struct Ctx<'a> {
    pub http: &'a Http,
    pub cancel: &'a AtomicBool,
    /// The check's "now" (for the case); signatures use the real clock.
    pub now: Moment,
}

/// What names a live source, declared once by each provider.
#[derive(Debug, Clone, Copy)]
pub struct About {
    /// Stable id: the keychain account, the `api:<id>` key, the CLI name.
    pub id: &'static str,
    /// Who speaks in the observations it returns.
    pub kind: SourceKind,
    /// Its name: (Chinese, English).
    pub label: (&'static str, &'static str),
    /// Its settings form.
    pub fields: &'static [CredField],
}

impl About {
    pub const fn new(
        id: &'static str,
        kind: SourceKind,
        label: (&'static str, &'static str),
        fields: &'static [CredField],
    ) -> Self {
        About {
            id,
            kind,
            label,
            fields,
        }
    }
}

/// A live source. Implementations are unit structs listed in [`REGISTRY`].
pub trait Provider: Sync {
    /// Its id, who speaks, its name and its settings form.
    fn about(&self) -> About;
    /// Stable id: the keychain account, the `api:<id>` key, the CLI name.
    fn id(&self) -> &'static str {
        self.about().id
    }
    /// Who speaks in the observations it returns.
    fn kind(&self) -> SourceKind {
        self.about().kind
    }
    fn label(&self) -> Bilingual {
        let (zh, en) = self.about().label;
        Bilingual::new(zh, en)
    }
    /// Its settings form.
    fn fields(&self) -> &'static [CredField] {
        self.about().fields
    }
    /// How a check lists it.
    fn check_label(&self) -> Bilingual {
        let name = self.label();
        Bilingual::new(
            format!("{} 商户接口", name.zh_cn),
            format!("{} merchant API", name.en),
        )
    }
    /// What a check says when it has no settings.
    fn not_set_up(&self) -> Bilingual {
        Bilingual::new(
            "未设置商户凭证：普通付款人用账单与短信即可",
            "no merchant credentials set: shoppers use their bill and SMS instead",
        )
    }
    /// Listed in a check only once it has settings: a source that
    /// concerns every case (a profile the user defines for their own
    /// platform) and would otherwise show "not set up" in every check.
    fn optional(&self) -> bool {
        false
    }
    /// Whether it can say anything about `case` (its payment method or
    /// payment IDs are this provider's).
    fn concerns(&self, case: &Case) -> bool;
    /// Asks about `case`; every observation has `via: Api`.
    fn query(
        &self,
        ctx: &Ctx,
        creds: &Credentials,
        case: &Case,
    ) -> Result<Vec<Observation>, SourceError>;
    /// A harmless query proving the settings work; says what was proven.
    fn test_connection(&self, ctx: &Ctx, creds: &Credentials) -> Result<Bilingual, SourceError>;
}

/// Every live source, in the order a check lists them.
pub static REGISTRY: &[&dyn Provider] = &[
    &alipay::Alipay,
    &wechat::WechatPay,
    &stripe::Stripe,
    &paypal::Paypal,
    &epay::Epay,
    &dujiaoka::Dujiaoka,
    &merchant::Merchant,
];

pub fn provider(id: &str) -> Option<&'static dyn Provider> {
    let id = id.trim().to_lowercase().replace('-', "_");
    let id = match id.as_str() {
        "wechat" | "wechatpay" | "weixin" => "wechat_pay",
        "yipay" | "易支付" | "彩虹易支付" => "epay",
        "独角数卡" | "dujiao" => "dujiaoka",
        "platform" | "merchant_api" | "platform_api" => "merchant",
        other => other,
    };
    REGISTRY.iter().copied().find(|p| p.id() == id)
}

/// The ids `provider` accepts, for error messages.
pub fn provider_ids() -> String {
    REGISTRY
        .iter()
        .map(|p| p.id())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The payment IDs of `case` that belong to `kind` (given or recognised,
/// or unmarked when the payment method is `kind`'s).
pub fn payment_ids(case: &Case, kind: SourceKind) -> Vec<String> {
    case.payments
        .iter()
        .filter(|p| match p.provider {
            Some(k) => k == kind,
            None => case.method.provider() == Some(kind),
        })
        .map(|p| p.id.clone())
        .collect()
}

/// What asking a source about a case gives: its observations, or why
/// there are none.
pub type Answers = Result<Vec<Observation>, SourceError>;

/// What a query asks about: a payment number of the provider's own
/// (`trade_no`, `transaction_id`), or the merchant's order number (which
/// the provider knows as `out_trade_no`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Asked {
    Payment(String),
    Order(String),
}

impl Asked {
    /// The number asked.
    pub fn number(&self) -> &str {
        match self {
            Asked::Payment(n) | Asked::Order(n) => n,
        }
    }

    /// The protocol's name for the number and the number: `names` are the
    /// protocol's (payment, order) field names.
    pub fn pair(&self, names: (&'static str, &'static str)) -> (&'static str, &str) {
        match self {
            Asked::Payment(n) => (names.0, n),
            Asked::Order(n) => (names.1, n),
        }
    }

    /// Of the numbers an answer names (its payment number, its order
    /// number), the one of the kind asked; for [`guard::Guard::about`].
    pub fn said<'a>(&self, payment: Option<&'a str>, order: Option<&'a str>) -> Option<&'a str> {
        match self {
            Asked::Payment(_) => payment,
            Asked::Order(_) => order,
        }
    }

    /// The payment ID an observation of this query carries when the
    /// answer names none (a payment not found): the number, if it is one.
    pub fn payment_id(&self) -> Option<String> {
        match self {
            Asked::Payment(n) => Some(n.clone()),
            Asked::Order(_) => None,
        }
    }
}

/// Asks `one` about each of `case`'s payment IDs of `kind`, or — when the
/// case has none — about the order number as the merchant's own number;
/// `one` is given the amount its answer must have, as [`ask_keys`] does.
pub fn ask_each(
    case: &Case,
    kind: SourceKind,
    one: impl FnMut(&Asked, Option<&Money>) -> Answers,
) -> Answers {
    let ids = payment_ids(case, kind);
    let keys: Vec<Asked> = if ids.is_empty() {
        vec![Asked::Order(case.order_id.clone())]
    } else {
        ids.into_iter().map(Asked::Payment).collect()
    };
    ask_keys(&keys, case, one)
}

/// Asks `one` about each of `keys`, one after the other. The only key
/// asked is given the case's amount, which its answer must have
/// ([`guard::Guard::amount`]); each of several is given none, since each
/// may be for part of the order.
pub fn ask_keys<K>(
    keys: &[K],
    case: &Case,
    mut one: impl FnMut(&K, Option<&Money>) -> Answers,
) -> Answers {
    let amount = (keys.len() == 1).then_some(&case.amount);
    let mut out = Vec::new();
    for k in keys {
        out.extend(one(k, amount)?);
    }
    Ok(out)
}

fn concerns_by_method_or_payment(case: &Case, kind: SourceKind) -> bool {
    case.method.provider() == Some(kind) || case.payments.iter().any(|p| p.provider == Some(kind))
}

/// The sources a check of `case` will ask, all waiting.
pub fn plan(case: &Case) -> Vec<SourceProgress> {
    let mut out = vec![
        SourceProgress::new(
            "manual",
            Bilingual::new("你填写的各方状态", "What you reported"),
        ),
        SourceProgress::new(
            "evidence",
            Bilingual::new("导入的账单与短信", "Imported bills and SMS"),
        ),
    ];
    for p in REGISTRY.iter().filter(|p| p.concerns(case)) {
        out.push(SourceProgress::new(
            format!("api:{}", p.id()),
            p.check_label(),
        ));
    }
    out
}

/// Says how the sources that answer from the case itself went (`manual`,
/// `evidence`). Live sources are run by [`run_live`].
pub fn run_local(case: &Case, mut s: SourceProgress) -> SourceProgress {
    let count = |f: &dyn Fn(Via) -> bool| case.observations.iter().filter(|o| f(o.via)).count();
    match s.source.as_str() {
        "manual" => {
            let n = count(&|v| v == Via::Manual);
            s.status = SourceStatus::Done;
            s.detail = Bilingual::new(
                format!("{n} 条状态"),
                format!("{n} status{}", if n == 1 { "" } else { "es" }),
            );
        }
        "evidence" => {
            let n = count(&|v| matches!(v, Via::BillExport | Via::Sms | Via::Receipt));
            if n == 0 {
                s.status = SourceStatus::Skipped;
                s.detail = Bilingual::new("尚未导入账单或短信", "no bill or SMS imported yet");
            } else {
                s.status = SourceStatus::Done;
                s.detail = Bilingual::new(
                    format!("{n} 条记录"),
                    format!("{n} record{}", if n == 1 { "" } else { "s" }),
                );
            }
        }
        _ => {}
    }
    s
}

/// What a whole check of the sources produced.
pub struct Outcome {
    pub progress: Vec<SourceProgress>,
    /// New answers from live sources, to add to the case.
    pub observations: Vec<Observation>,
}

/// Asks every source of `case`: the local ones at once, the live ones
/// concurrently, each with the credentials `store` (or the environment)
/// has. `report` is called with the whole list after every change.
pub fn check_all(
    case: &Case,
    store: &dyn CredStore,
    http: &Http,
    now: Moment,
    cancel: &AtomicBool,
    report: &(dyn Fn(&[SourceProgress]) + Sync),
) -> Outcome {
    check_except(case, store, http, now, cancel, report, &|_| None)
}

/// [`check_all`], except that a live source for which `hold` gives a
/// reason is not asked this time: it is shown as skipped with that reason
/// (a source that keeps failing waits out its backoff this way).
pub fn check_except(
    case: &Case,
    store: &dyn CredStore,
    http: &Http,
    now: Moment,
    cancel: &AtomicBool,
    report: &(dyn Fn(&[SourceProgress]) + Sync),
    hold: &(dyn Fn(&str) -> Option<Bilingual> + Sync),
) -> Outcome {
    let mut plan = plan(case);
    // An optional source without settings is not part of this check.
    plan.retain(|s| match s.source.strip_prefix("api:").and_then(provider) {
        Some(p) if p.optional() => matches!(creds::resolve(store, p.id(), p.fields()), Ok(Some(_))),
        _ => true,
    });
    report(&plan);
    let state = Mutex::new(plan);
    let update = |i: usize, f: &dyn Fn(&mut SourceProgress)| {
        if let Ok(mut list) = state.lock() {
            f(&mut list[i]);
            report(&list);
        }
    };
    let len = state.lock().map(|l| l.len()).unwrap_or(0);
    let found = Mutex::new(Vec::new());
    let ctx = Ctx { http, cancel, now };
    std::thread::scope(|scope| {
        for i in 0..len {
            let Some(key) = state.lock().ok().map(|l| l[i].source.clone()) else {
                continue;
            };
            let Some(id) = key.strip_prefix("api:") else {
                update(i, &|s| *s = run_local(case, s.clone()));
                continue;
            };
            let Some(p) = provider(id) else { continue };
            if let Some(reason) = hold(&key) {
                update(i, &|s| {
                    s.status = SourceStatus::Skipped;
                    s.detail = reason.clone();
                });
                continue;
            }
            let (ctx, found, update) = (&ctx, &found, &update);
            scope.spawn(move || {
                update(i, &|s| s.status = SourceStatus::Running);
                let result = ask(p, ctx, store, case);
                update(i, &|s| settle(s, &result, case, p));
                if let Ok(obs) = result
                    && let Ok(mut f) = found.lock()
                {
                    f.extend(obs);
                }
            });
        }
    });
    Outcome {
        progress: state.into_inner().unwrap_or_default(),
        observations: found.into_inner().unwrap_or_default(),
    }
}

/// Takes every source's credential variables (`DAOZHANG_<SOURCE>_<FIELD>`
/// and `…_FILE`) out of the process environment, keeping them for this
/// process only (see [`creds::capture`]).
///
/// # Safety
///
/// Call first in `main`, before any thread is started.
pub unsafe fn capture_credential_env() {
    let names = REGISTRY.iter().flat_map(|p| {
        p.fields().iter().flat_map(move |f| {
            let var = f.env_var(p.id());
            [format!("{var}_FILE"), var]
        })
    });
    // SAFETY: passed on from the caller.
    unsafe { creds::capture(names) };
}

/// Not an error: the source has no settings, so it is skipped.
const NOT_SET_UP: &str = "not set up";

fn ask(
    p: &dyn Provider,
    ctx: &Ctx,
    store: &dyn CredStore,
    case: &Case,
) -> Result<Vec<Observation>, SourceError> {
    let creds = creds::resolve(store, p.id(), p.fields())
        .map_err(|e| SourceError::Keychain(e.text()))?
        .ok_or(SourceError::NotConfigured(vec![NOT_SET_UP]))?;
    let missing = creds.missing(p.fields());
    if !missing.is_empty() {
        return Err(SourceError::NotConfigured(missing));
    }
    let secrets: Vec<&secret::Secret> = creds.secrets(p.fields()).collect();
    p.query(ctx, &creds, case)
        .map(|found| stored(found, &secrets))
        .map_err(|e| e.redacted(secrets.iter().copied()))
}

/// A provider's observations as they may be stored: every string it wrote
/// from the answer without a secret and clipped.
fn stored(found: Vec<Observation>, secrets: &[&secret::Secret]) -> Vec<Observation> {
    use error::{MAX_MESSAGE, MAX_RAW, MAX_WORD, clip_to};
    let scrub = |t: &str, max| clip_to(&secret::redact(t, secrets.iter().copied()), max);
    found
        .into_iter()
        .map(|o| Observation {
            raw: scrub(&o.raw, MAX_RAW),
            note: o.note.as_deref().map(|n| scrub(n, MAX_MESSAGE)),
            payment_id: o.payment_id.as_deref().map(|p| scrub(p, MAX_WORD)),
            ..o
        })
        .collect()
}

fn settle(
    s: &mut SourceProgress,
    result: &Result<Vec<Observation>, SourceError>,
    case: &Case,
    p: &dyn Provider,
) {
    match result {
        Ok(obs) => {
            s.status = SourceStatus::Done;
            s.detail = summary(obs, p);
        }
        Err(SourceError::NotConfigured(m)) if m == &[NOT_SET_UP] => {
            let earlier = case
                .observations
                .iter()
                .filter(|o| o.via == Via::Api && o.source == p.kind())
                .count();
            s.status = SourceStatus::Skipped;
            s.detail = if earlier == 0 {
                p.not_set_up()
            } else {
                Bilingual::new(
                    format!("未设置凭证；保留 {earlier} 条早先查询的结果"),
                    format!("no credentials set; {earlier} earlier answers kept"),
                )
            };
        }
        Err(SourceError::Keychain(_)) => {
            // No keychain here (a desktop without a Secret Service) and no
            // environment variables: nothing is set up, which is not a fault.
            // The settings page names the keychain's own error.
            let base = p.not_set_up();
            s.status = SourceStatus::Skipped;
            s.detail = Bilingual::new(
                format!("{}（系统钥匙串不可用）", base.zh_cn),
                format!("{} (the system keychain is not available)", base.en),
            );
        }
        Err(SourceError::Cancelled) => {
            s.status = SourceStatus::Cancelled;
            s.detail = SourceError::Cancelled.text();
        }
        Err(e) => {
            s.status = SourceStatus::Failed;
            s.detail = e.text();
            s.raw = e.raw().map(str::to_owned);
        }
    }
}

fn summary(obs: &[Observation], p: &dyn Provider) -> Bilingual {
    let words: Vec<&str> = obs.iter().map(|o| o.raw.as_str()).collect();
    if words.is_empty() {
        return Bilingual::new(
            format!("{} 没有这笔订单的记录", p.label().zh_cn),
            format!("{} has nothing on this order", p.label().en),
        );
    }
    Bilingual::new(
        format!("已查询：{}", words.join("；")),
        format!("answered: {}", words.join("; ")),
    )
}

/// Asks every source of `case` with the keychain's (or the environment's)
/// credentials and the network policy of the environment; the app and the
/// CLI both check this way.
pub fn check_case(
    case: &Case,
    now: Moment,
    cancel: &AtomicBool,
    report: &(dyn Fn(&[SourceProgress]) + Sync),
) -> Result<Outcome, SourceError> {
    check_case_except(case, now, cancel, report, &|_| None)
}

/// [`check_case`] with the sources `hold` names left out this time.
pub fn check_case_except(
    case: &Case,
    now: Moment,
    cancel: &AtomicBool,
    report: &(dyn Fn(&[SourceProgress]) + Sync),
    hold: &(dyn Fn(&str) -> Option<Bilingual> + Sync),
) -> Result<Outcome, SourceError> {
    let http = Http::new(http::Policy::from_env())?;
    Ok(check_except(
        case,
        &creds::Keychain::new(),
        &http,
        now,
        cancel,
        report,
        hold,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::observation::Claim;
    use secret::Secret;

    #[test]
    fn what_a_provider_wrote_is_stored_clipped_and_without_secrets() {
        let key = Secret::new("0123456789abcdefKEY");
        let o = Observation {
            at: None,
            source: SourceKind::Epay,
            via: Via::Api,
            raw: format!("status {}", "已支付".repeat(100_000)),
            claim: Claim::Paid,
            amount: None,
            payment_id: Some("9".repeat(1_000)),
            note: Some(format!("echo key={}", key.expose())),
        };
        let kept = stored(vec![o], &[&key]).remove(0);
        assert!(kept.raw.len() <= error::MAX_RAW + 3, "{}", kept.raw.len());
        assert!(kept.payment_id.unwrap().len() <= error::MAX_WORD + 3);
        let note = kept.note.unwrap();
        assert!(!note.contains(key.expose()), "{note}");
        assert!(note.contains("[redacted]"));
    }
}
