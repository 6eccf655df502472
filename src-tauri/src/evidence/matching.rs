//! Which records belong to the case. A record carrying the case's order or
//! payment number is taken directly. Any other is ranked by amount, time,
//! merchant, channel and card, each reason said in words, for the user to
//! confirm. Only the best few are kept, so a bill of any length is matched
//! in bounded memory.

use chrono::Duration;
use rust_decimal::Decimal;
use serde::Serialize;

use super::{Direction, Record};
use crate::domain::case::Case;
use crate::domain::observation::{Claim, Observation, Party, SourceKind};
use crate::domain::status::read_status;
use crate::domain::text::Bilingual;
use crate::domain::time::{Moment, human_duration_en, human_duration_zh};

/// One record that may belong to the case, with why.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct EvidenceCandidate {
    pub record: Record,
    /// True when the record carries the case's order or payment number:
    /// taken without asking.
    pub direct: bool,
    /// Higher fits better; only for ordering.
    pub score: u32,
    pub reasons: Vec<Bilingual>,
    /// What the record adds to the case if accepted.
    pub observation: Observation,
    /// True when the case already holds this observation (imported before).
    pub already_in_case: bool,
}

/// How many ranked (not direct) candidates are kept.
pub const KEEP: usize = 20;
/// How many direct matches are kept (a bill repeats one order a few times
/// at most: payment, refund, a second attempt).
pub const KEEP_DIRECT: usize = 50;

pub struct Matcher<'c> {
    case: &'c Case,
    interest: Interest,
    hints: Vec<String>,
    direct: Vec<EvidenceCandidate>,
    ranked: Vec<EvidenceCandidate>,
    dropped: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum IdKind {
    Order,
    Payment,
}

/// What can make a record the case's: its numbers and its amount. A bill
/// row that has neither is counted and checked but never built into a
/// [`Record`] — most of a year's bill — which is what keeps reading a
/// large bill close to the cost of splitting it.
#[derive(Debug, Clone)]
pub struct Interest {
    /// The case's numbers: normalised, as the case writes them, and which.
    ids: Vec<(String, String, IdKind)>,
    amount: Decimal,
}

enum IdHit<'a> {
    Exact(IdKind),
    /// Alipay's refund rows: `<trade_no>_<refund suffix>`; the payment's
    /// number as the case writes it.
    Refund(&'a str),
}

impl Interest {
    pub fn of(case: &Case) -> Self {
        let mut ids = vec![(norm(&case.order_id), case.order_id.clone(), IdKind::Order)];
        ids.extend(
            case.payments
                .iter()
                .map(|p| (norm(&p.id), p.id.trim().to_owned(), IdKind::Payment)),
        );
        ids.retain(|(id, _, _)| !id.is_empty());
        Interest {
            ids,
            amount: case.amount.amount,
        }
    }

    /// [`Matcher::consider`] keeps a record only if it has the case's
    /// amount or carries one of its numbers (as read from the bill): only
    /// then is the record worth building.
    pub fn has_amount(&self, amount: Option<Decimal>) -> bool {
        amount == Some(self.amount)
    }

    /// One of the case's numbers, or a refund of its payment (see
    /// [`Interest::has_amount`]).
    pub fn has_number(&self, number: &str) -> bool {
        self.id_hit(number).is_some()
    }

    fn id_hit(&self, field: &str) -> Option<IdHit<'_>> {
        let f = field.trim();
        for (id, own, kind) in &self.ids {
            if f.eq_ignore_ascii_case(id) {
                return Some(IdHit::Exact(*kind));
            }
            if *kind == IdKind::Payment
                && f.len() > id.len()
                && f.is_char_boundary(id.len())
                && f[..id.len()].eq_ignore_ascii_case(id)
                && f[id.len()..].starts_with('_')
            {
                return Some(IdHit::Refund(own));
            }
        }
        None
    }
}

impl<'c> Matcher<'c> {
    pub fn new(case: &'c Case) -> Self {
        let mut hints: Vec<String> = case.platform.preset().merchants.clone();
        hints.extend(case.merchant.iter().cloned());
        hints.extend(case.platform.name.iter().cloned());
        hints.retain(|h| h.chars().count() >= 2);
        Matcher {
            case,
            interest: Interest::of(case),
            hints,
            direct: Vec::new(),
            ranked: Vec::new(),
            dropped: 0,
        }
    }

    /// Looks at one record; keeps it if it may belong to the case.
    pub fn consider(&mut self, record: Record) {
        if let Some(reason) = self.direct_reason(&record) {
            if self.direct.len() < KEEP_DIRECT {
                let c = self.candidate(record, true, 1000, vec![reason]);
                self.direct.push(c);
            } else {
                self.dropped += 1;
            }
            return;
        }
        let Some((score, reasons)) = self.rank(&record) else {
            return;
        };
        if self.ranked.len() < KEEP {
            let c = self.candidate(record, false, score, reasons);
            self.ranked.push(c);
            return;
        }
        self.dropped += 1;
        let (worst, worst_score) = self
            .ranked
            .iter()
            .enumerate()
            .map(|(i, c)| (i, c.score))
            .min_by_key(|(_, s)| *s)
            .expect("ranked holds KEEP candidates");
        if score > worst_score {
            self.ranked[worst] = self.candidate(record, false, score, reasons);
        }
    }

    /// The candidates, direct ones first, then by score and closeness in
    /// time; and how many more fitted than were kept.
    pub fn finish(self) -> (Vec<EvidenceCandidate>, u64) {
        let at = self.case.submitted_at;
        let closeness = |c: &EvidenceCandidate| {
            c.record
                .at
                .map_or(i64::MAX, |t| (t - at).num_seconds().abs())
        };
        let mut out = self.direct;
        out.sort_by_key(|c| (c.record.at, c.record.location));
        let mut ranked = self.ranked;
        ranked.sort_by(|a, b| {
            b.score
                .cmp(&a.score)
                .then(closeness(a).cmp(&closeness(b)))
                .then(a.record.location.cmp(&b.record.location))
        });
        out.extend(ranked);
        (out, self.dropped)
    }

    fn candidate(
        &self,
        record: Record,
        direct: bool,
        score: u32,
        reasons: Vec<Bilingual>,
    ) -> EvidenceCandidate {
        let observation = observation(&record);
        let already_in_case = self.case.observations.contains(&observation);
        EvidenceCandidate {
            record,
            direct,
            score,
            reasons,
            observation,
            already_in_case,
        }
    }

    fn direct_reason(&self, r: &Record) -> Option<Bilingual> {
        for field in [&r.trade_no, &r.merchant_order_no].into_iter().flatten() {
            match self.interest.id_hit(field) {
                Some(IdHit::Exact(IdKind::Order)) => {
                    return Some(Bilingual::new(
                        format!("带有本案的订单号 {field}"),
                        format!("carries the case's order number {field}"),
                    ));
                }
                Some(IdHit::Exact(IdKind::Payment)) => {
                    return Some(Bilingual::new(
                        format!("带有本案的支付单号 {field}"),
                        format!("carries the case's payment number {field}"),
                    ));
                }
                // Named as the case writes it: the record's own text need
                // not have the same length as its normalised form.
                Some(IdHit::Refund(own)) => {
                    return Some(Bilingual::new(
                        format!("是支付单号 {own} 的退款记录"),
                        format!("a refund of payment {own}"),
                    ));
                }
                None => {}
            }
        }
        None
    }

    /// Scores a record without the case's numbers; `None` when it cannot be
    /// this payment (other amount, far off in time, another card).
    fn rank(&self, r: &Record) -> Option<(u32, Vec<Bilingual>)> {
        let case = self.case;
        let money = case.money(r.amount?);
        if r.amount? != case.amount.amount {
            return None;
        }
        if let (Some(mine), Some(theirs)) = (&case.card_last4, &r.card_tail)
            && mine != theirs
        {
            return None;
        }
        let mut score = 30;
        let mut reasons = vec![Bilingual::new(
            format!("金额 {} 与订单一致", money.display()),
            format!("the amount {} matches the order", money.display()),
        )];
        match (r.at, r.direction) {
            (_, Some(Direction::Neutral)) => return None,
            (Some(at), Some(Direction::In)) => {
                let after = at - case.submitted_at;
                if after < Duration::zero() || after > Duration::days(60) {
                    return None;
                }
                score += 15;
                reasons.push(Bilingual::new(
                    format!("下单 {} 后退回的钱，可能是退款", human_duration_zh(after)),
                    format!(
                        "money back {} after the order: possibly the refund",
                        human_duration_en(after)
                    ),
                ));
            }
            (Some(at), _) => {
                let (points, reason) = closeness(at, case.submitted_at)?;
                score += points;
                reasons.push(reason);
            }
            (None, _) => {
                score += 2;
                reasons.push(Bilingual::new(
                    "时间读不出来，只按金额匹配",
                    "no readable time: matched by amount only",
                ));
            }
        }
        if r.year_inferred {
            reasons.push(Bilingual::new(
                "短信没有年份，按下单日期推定",
                "the SMS has no year: taken from the order's date",
            ));
        }
        let words = [&r.counterparty, &r.item]
            .into_iter()
            .flatten()
            .chain(std::iter::once(&r.status));
        if let Some(hint) = self
            .hints
            .iter()
            .find(|h| words.clone().any(|w| w.contains(h.as_str())))
        {
            score += 20;
            let who = r.counterparty.as_deref().unwrap_or(hint);
            let platform = case.platform.display();
            reasons.push(Bilingual::new(
                format!("收款方「{who}」符合{}", platform.zh_cn),
                format!("the payee “{who}” fits {}", platform.en),
            ));
        }
        if let Some(channel) = channel(r)
            && case.method.provider() == Some(channel)
        {
            score += 5;
            let name = channel.label();
            reasons.push(Bilingual::new(
                format!("经{}付款，与本案一致", name.zh_cn),
                format!("paid through {}, as in the case", name.en),
            ));
        }
        if let (Some(tail), true) = (&r.card_tail, case.card_last4.is_some()) {
            score += 15;
            reasons.push(Bilingual::new(
                format!("尾号 {tail} 的卡，与本案一致"),
                format!("the card ending {tail}, as in the case"),
            ));
        }
        Some((score, reasons))
    }
}

/// Points and words for a payment `at` near the order's time; `None` when
/// too far off to be this payment.
fn closeness(at: Moment, ordered: Moment) -> Option<(u32, Bilingual)> {
    let d = at - ordered;
    let abs = if d < Duration::zero() { -d } else { d };
    let points = if d < -Duration::minutes(30) || d > Duration::days(3) {
        return None;
    } else if abs <= Duration::minutes(15) {
        40
    } else if abs <= Duration::hours(2) {
        25
    } else if abs <= Duration::hours(24) {
        10
    } else {
        3
    };
    let reason = if abs < Duration::minutes(1) {
        Bilingual::new("与下单同一分钟", "in the same minute as the order")
    } else if d < Duration::zero() {
        Bilingual::new(
            format!("下单前 {}", human_duration_zh(abs)),
            format!("{} before the order", human_duration_en(abs)),
        )
    } else {
        Bilingual::new(
            format!("下单后 {}", human_duration_zh(abs)),
            format!("{} after the order", human_duration_en(abs)),
        )
    };
    Some((points, reason))
}

/// The payment channel a record shows: the bill's own provider, or the one
/// an SMS names (支付宝 / 财付通 / 微信支付).
fn channel(r: &Record) -> Option<SourceKind> {
    if r.source.party() == Party::Provider {
        return Some(r.source);
    }
    let text = [&r.method, &r.counterparty]
        .into_iter()
        .flatten()
        .chain(std::iter::once(&r.status));
    for t in text {
        if t.contains("支付宝") {
            return Some(SourceKind::Alipay);
        }
        if t.contains("财付通") || t.contains("微信") {
            return Some(SourceKind::WechatPay);
        }
    }
    None
}

/// IDs are ASCII: only ASCII letters are folded, so `ſ` (which Unicode
/// upper-cases to `S`) never passes for an `S`, and the normalised ID has
/// the byte length of the original.
fn norm(id: &str) -> String {
    id.trim().to_ascii_uppercase()
}

/// What an accepted record adds to the case: the source's own words, what
/// they mean, and where they came from.
pub fn observation(r: &Record) -> Observation {
    let party = r.source.party();
    let mut claim = read_status(party, &r.status);
    // The words say little (an SMS "支出", a bill "已存入零钱"): the
    // direction of the money says the rest.
    let moved = if party == Party::Bank {
        Claim::Debited
    } else {
        Claim::Paid
    };
    claim = match (claim, r.direction) {
        (Claim::Unknown | Claim::Success | Claim::Paid | Claim::Debited, Some(Direction::In))
            if party != Party::User =>
        {
            Claim::Refunded
        }
        (Claim::Unknown | Claim::Success, Some(Direction::Out)) => moved,
        (c, _) => c,
    };
    let place = r.place();
    let mut note = format!("{} / {}", place.zh_cn, place.en);
    for extra in [&r.counterparty, &r.item].into_iter().flatten() {
        note.push_str(" · ");
        note.push_str(extra);
    }
    Observation {
        at: r.at,
        source: r.source,
        via: r.format.via(),
        raw: r.status.clone(),
        claim,
        amount: r.amount,
        payment_id: r.trade_no.clone().filter(|_| party == Party::Provider),
        note: Some(note),
    }
}
