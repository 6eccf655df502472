//! Complaint texts for each audience, in 简体中文 and English, pre-filled with
//! every fact of the case and its timeline. Templates are data
//! (`data/complaints/*.j2`); this module only gathers the facts.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use minijinja::{Environment, Value, context};
use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::domain::case::{Case, EvidenceKind};
use crate::domain::diagnosis::{Analysis, Audience, short_date, short_time};
use crate::domain::money::format_amount;
use crate::domain::observation::{Party, SourceKind, Via};
use crate::domain::stage::Stage;
use crate::domain::text::{Bilingual, Lang};
use crate::domain::timeline::source_name;

/// One evidence item a complaint should carry, and whether the user has it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct ChecklistItem {
    pub key: String,
    pub label: Bilingual,
    pub have: bool,
}

/// A ready message.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct Complaint {
    pub audience: Audience,
    pub lang: Lang,
    /// Subject line or title, where the audience has one.
    pub subject: Option<String>,
    pub text: String,
    pub checklist: Vec<ChecklistItem>,
    /// What is still missing, by label.
    pub missing: Vec<String>,
    /// The date the message demands a fix by.
    pub deadline: Option<String>,
}

static TEMPLATES: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    env.set_syntax(
        minijinja::syntax::SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .keep_trailing_newline(true)
            .build()
            .expect("the default delimiters are valid"),
    );
    macro_rules! add {
        ($($name:literal),*) => {$(
            env.add_template($name, include_str!(concat!("../../data/complaints/", $name)))
                .expect(concat!($name, " is a valid template (checked by tests)"));
        )*};
    }
    add!(
        "platform_chat.zh-CN.j2",
        "platform_chat.en.j2",
        "platform_ticket.zh-CN.j2",
        "platform_ticket.en.j2",
        "payment_provider.zh-CN.j2",
        "payment_provider.en.j2",
        "consumer_12315.zh-CN.j2",
        "consumer_12315.en.j2",
        "heimao.zh-CN.j2",
        "heimao.en.j2",
        "card_issuer.zh-CN.j2",
        "card_issuer.en.j2"
    );
    env
});

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Demand {
    demand_zh: String,
    demand_en: String,
    problem_zh: String,
    problem_en: String,
    #[serde(default)]
    statement_zh: Option<String>,
    #[serde(default)]
    statement_en: Option<String>,
    #[serde(default)]
    dispute_zh: Option<String>,
    #[serde(default)]
    dispute_en: Option<String>,
}

static DEMANDS: LazyLock<BTreeMap<String, Demand>> = LazyLock::new(|| {
    toml::from_str(include_str!("../../data/complaints/demands.toml"))
        .expect("data/complaints/demands.toml is valid (checked by tests)")
});

static SUBJECTS: LazyLock<BTreeMap<String, BTreeMap<String, String>>> = LazyLock::new(|| {
    toml::from_str(include_str!("../../data/complaints/subjects.toml"))
        .expect("data/complaints/subjects.toml is valid (checked by tests)")
});

fn both(b: Bilingual) -> Value {
    Value::from_pairs([("zh", b.zh_cn), ("en", b.en)])
}

fn render_str(template: &str, ctx: &Value) -> String {
    let env = Environment::new();
    env.render_str(template, ctx)
        .unwrap_or_else(|e| panic!("template {template:?} failed: {e}"))
}

/// What each audience needs as evidence, and whether the case has it.
pub fn checklist(case: &Case, analysis: &Analysis, audience: Audience) -> Vec<ChecklistItem> {
    let has_attachment = |k: EvidenceKind| case.attachments.iter().any(|a| a.kind == k);
    let provider_record = case.observations.iter().any(|o| {
        o.source.party() == Party::Provider
            && matches!(o.via, Via::BillExport | Via::Receipt | Via::Api)
    });
    // A bank SMS or statement line, pasted or imported, is the bank's record.
    let bank_record = case
        .observations
        .iter()
        .any(|o| o.source == SourceKind::Bank);
    let platform_status = analysis
        .timeline
        .stage(Stage::Credited)
        .raw
        .clone()
        .unwrap_or_default();
    let mut items = vec![
        ChecklistItem {
            key: "order_number".into(),
            label: Bilingual::new(
                format!("订单号 {}", case.order_id),
                format!("order number {}", case.order_id),
            ),
            have: true,
        },
        ChecklistItem {
            key: "payment_number".into(),
            label: Bilingual::new("支付单号（交易号）", "payment / transaction number"),
            have: !case.payments.is_empty(),
        },
        ChecklistItem {
            key: "platform_screenshot".into(),
            label: if platform_status.is_empty() {
                Bilingual::new(
                    "平台订单页面截图",
                    "screenshot of the platform's order page",
                )
            } else {
                Bilingual::new(
                    format!("平台订单页面截图（显示「{platform_status}」）"),
                    format!(
                        "screenshot of the platform's order page (showing “{platform_status}”)"
                    ),
                )
            },
            have: has_attachment(EvidenceKind::PlatformScreenshot),
        },
        ChecklistItem {
            key: "payment_record".into(),
            label: Bilingual::new(
                "支付 App 的付款记录 / 账单截图",
                "the payment app's record or bill of this payment",
            ),
            have: provider_record
                || has_attachment(EvidenceKind::PaymentRecord)
                || has_attachment(EvidenceKind::BillExport),
        },
    ];
    if bank_record || case.method.is_card() || audience == Audience::CardIssuer {
        items.push(ChecklistItem {
            key: "bank_statement".into(),
            label: Bilingual::new(
                "银行扣款短信或对账单",
                "the bank's debit SMS or statement line",
            ),
            have: bank_record || has_attachment(EvidenceKind::BankStatement),
        });
    }
    if !case.contacts.is_empty()
        || matches!(
            audience,
            Audience::PaymentProvider
                | Audience::Consumer12315
                | Audience::Heimao
                | Audience::CardIssuer
        )
    {
        items.push(ChecklistItem {
            key: "chat_log".into(),
            label: Bilingual::new(
                "与平台客服的沟通记录截图",
                "screenshots of the chat with the platform's support",
            ),
            have: has_attachment(EvidenceKind::ChatLog),
        });
    }
    if audience == Audience::Consumer12315 {
        let c = &case.complainant;
        for (key, zh, en, have) in [
            (
                "complainant_name",
                "投诉人姓名",
                "your name",
                c.name.is_some(),
            ),
            (
                "complainant_phone",
                "投诉人电话",
                "your phone number",
                c.phone.is_some(),
            ),
            (
                "complainant_address",
                "投诉人地址",
                "your address",
                c.address.is_some(),
            ),
            (
                "respondent_name",
                "被投诉经营者名称",
                "the operator's company name",
                case.merchant.is_some(),
            ),
        ] {
            items.push(ChecklistItem {
                key: key.into(),
                label: Bilingual::new(zh, en),
                have,
            });
        }
    }
    if audience == Audience::CardIssuer {
        items.push(ChecklistItem {
            key: "card_last4".into(),
            label: Bilingual::new("卡号后四位", "the card's last four digits"),
            have: case.card_last4.is_some(),
        });
    }
    items
}

/// Writes the message for `audience` in `lang`.
pub fn generate(case: &Case, analysis: &Analysis, audience: Audience, lang: Lang) -> Complaint {
    let obs = &case.observations;
    let code = analysis.diagnosis.code;
    let preset = case.platform.preset();
    let platform = case.platform.display();
    let zone = case.zone();
    let paid_at = analysis
        .timeline
        .stage(Stage::BankProcessing)
        .at
        .unwrap_or(case.submitted_at)
        .with_timezone(&zone);
    let payer_src = analysis
        .timeline
        .stage(Stage::BankProcessing)
        .source
        .filter(|s| s.party() == Party::Provider)
        .or_else(|| {
            case.payments
                .iter()
                .find_map(|p| p.provider)
                .filter(|p| *p != SourceKind::Epay)
        })
        .or_else(|| case.method.provider());
    let payer = payer_src
        .map(|s| s.label())
        .unwrap_or_else(|| case.method.label());
    let payer_status = payer_src.and_then(|s| {
        obs.iter()
            .rev()
            .find(|o| o.source == s)
            .map(|o| o.raw.clone())
    });
    let platform_status = obs
        .iter()
        .rev()
        .find(|o| o.source == SourceKind::Platform)
        .map(|o| o.raw.clone());
    let deadline = analysis.demand_deadline.map(short_date);
    let refund_by = analysis
        .next_steps
        .iter()
        .find(|s| matches!(s.action.as_str(), "watch_refund" | "wait_for_reversal"))
        .and_then(|s| s.due)
        .map(short_date);

    let demand_src = DEMANDS
        .get(code.key())
        .or_else(|| DEMANDS.get("default"))
        .expect("demands.toml has [default]");
    let default = DEMANDS.get("default").expect("demands.toml has [default]");
    let small = context! {
        amount => case.amount.display(),
        deliver => both(Bilingual::new(preset.deliver_zh.clone(), preset.deliver_en.clone())),
        deadline => deadline.clone().unwrap_or_default(),
        refund_by => refund_by.clone().or(deadline.clone()).unwrap_or_default(),
    };
    let demand = Bilingual::new(
        render_str(&demand_src.demand_zh, &small),
        render_str(&demand_src.demand_en, &small),
    );
    let debits: Vec<(String, String)> = obs
        .iter()
        .filter(|o| o.claim.says_money_moved())
        .map(|o| {
            let when =
                o.at.map(|t| short_time(t.with_timezone(&zone)))
                    .unwrap_or_else(|| "—".into());
            let who = source_name(o.source, case);
            (
                format!("{when} {}「{}」", who.zh_cn, o.raw),
                format!("{when} {} “{}”", who.en, o.raw),
            )
        })
        .collect();
    let facts = context! {
        payer => both(payer.clone()),
        platform => both(platform.clone()),
        amount => case.amount.display(),
        paid_at => short_time(paid_at),
        payer_status => payer_status.clone().unwrap_or_default(),
        platform_status => platform_status.clone().unwrap_or_default(),
        now => short_time(analysis.now),
        refund_at => analysis.timeline.stage(Stage::Refund).at.map(short_time).unwrap_or_default(),
        debits => both(Bilingual::new(
            debits.iter().map(|d| d.0.clone()).collect::<Vec<_>>().join("；"),
            debits.iter().map(|d| d.1.clone()).collect::<Vec<_>>().join("; "),
        )),
    };
    let statement = Bilingual::new(
        render_str(
            demand_src
                .statement_zh
                .as_ref()
                .or(default.statement_zh.as_ref())
                .expect("default statement"),
            &facts,
        ),
        render_str(
            demand_src
                .statement_en
                .as_ref()
                .or(default.statement_en.as_ref())
                .expect("default statement"),
            &facts,
        ),
    );
    let short_problem =
        Bilingual::new(demand_src.problem_zh.clone(), demand_src.problem_en.clone());
    let dispute_reason = Bilingual::new(
        demand_src
            .dispute_zh
            .clone()
            .or(default.dispute_zh.clone())
            .unwrap_or_default(),
        demand_src
            .dispute_en
            .clone()
            .or(default.dispute_en.clone())
            .unwrap_or_default(),
    );

    let payments: Vec<Value> = case
        .payments
        .iter()
        .map(|p| {
            let label = p
                .provider
                .map(|k| k.label())
                .unwrap_or_else(|| Bilingual::new("支付", "payment"));
            context! { id => p.id.clone(), provider => both(label) }
        })
        .collect();
    let events: Vec<Value> = obs
        .iter()
        .map(|o| {
            context! {
                time => o.at.map(|t| short_time(t.with_timezone(&zone))).unwrap_or_else(|| "—".into()),
                source => both(source_name(o.source, case)),
                raw => o.raw.clone(),
            }
        })
        .collect();
    let conflicts: Vec<Value> = analysis
        .conflicts
        .iter()
        .map(|c| both(c.message.clone()))
        .collect();
    let contacts: Vec<Value> = case
        .contacts
        .iter()
        .map(|c| {
            context! {
                time => short_time(c.at.with_timezone(&zone)),
                with => c.with.clone(),
                note => c.note.clone().unwrap_or_default(),
                answer => c.answer.clone().unwrap_or_default(),
            }
        })
        .collect();
    let items = checklist(case, analysis, audience);
    let checklist_values: Vec<Value> = items
        .iter()
        .map(|i| context! { label => both(i.label.clone()), have => i.have })
        .collect();
    let d = &analysis.diagnosis;
    let c = &case.complainant;
    let mut ctx = context! {
        platform => both(platform),
        product => both(Bilingual::new(preset.product_zh.clone(), preset.product_en.clone())),
        deliver => both(Bilingual::new(preset.deliver_zh.clone(), preset.deliver_en.clone())),
        order_id => case.order_id.clone(),
        payment_id => case.payments.iter().find(|p| p.provider == payer_src).or(case.payments.first()).map(|p| p.id.clone()).unwrap_or_else(|| "—".into()),
        payments => payments,
        amount => case.amount.display(),
        amount_plain => format_amount(case.amount.amount, case.amount.currency.minor_digits()),
        method => both(case.method.label()),
        card_last4 => case.card_last4.clone().unwrap_or_default(),
        submitted_at => short_time(case.submitted_at),
        paid_at => short_time(paid_at),
        paid_date => short_date(paid_at),
        item => case.item.clone().unwrap_or_default(),
        merchant => case.merchant.clone().unwrap_or_default(),
        complainant => context! {
            name => c.name.clone().unwrap_or_default(),
            phone => c.phone.clone().unwrap_or_default(),
            email => c.email.clone().unwrap_or_default(),
            address => c.address.clone().unwrap_or_default(),
            account => c.account.clone().unwrap_or_default(),
        },
        diagnosis => context! { title => both(d.title.clone()), summary => both(d.summary.clone()), cause => both(d.cause.clone()) },
        events => events,
        conflicts => conflicts,
        contacts => contacts,
        demand => both(demand),
        statement => both(statement),
        deadline => deadline.clone().unwrap_or_default(),
        checklist => checklist_values,
        payer => both(payer),
        payer_status => payer_status.unwrap_or_default(),
        platform_status => platform_status.unwrap_or_default(),
        short_problem => both(short_problem),
        dispute_reason => both(dispute_reason),
        today => short_date(analysis.now),
    };
    let subject = SUBJECTS
        .get(audience.code())
        .and_then(|m| m.get(lang.code()))
        .map(|t| render_str(t, &ctx))
        .filter(|s| !s.is_empty());
    ctx = context! { subject => subject.clone().unwrap_or_default(), ..ctx };
    let name = format!("{}.{}.j2", audience.code(), lang.code());
    let text = TEMPLATES
        .get_template(&name)
        .and_then(|t| t.render(&ctx))
        .unwrap_or_else(|e| panic!("template {name} failed: {e}"));
    let known: Vec<&str> = std::iter::once(case.order_id.as_str())
        .chain(case.payments.iter().map(|p| p.id.as_str()))
        .collect();
    let text = tidy(&mask_cards(&text, &known));
    let subject = subject.map(|s| mask_cards(&s, &known));
    let missing = items
        .iter()
        .filter(|i| !i.have)
        .map(|i| i.label.get(lang).to_owned())
        .collect();
    Complaint {
        audience,
        lang,
        subject,
        text,
        checklist: items,
        missing,
        deadline,
    }
}

/// Collapses runs of blank lines left by optional template parts.
fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank = 0;
    for line in text.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            blank += 1;
            if blank > 1 {
                continue;
            }
        } else {
            blank = 0;
        }
        out.push_str(line);
        out.push('\n');
    }
    out.trim_start_matches('\n').to_owned()
}

static CARD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?:\d[ -]?){12,18}\d").expect("the card pattern compiles"));

fn luhn(digits: &str) -> bool {
    let mut sum = 0;
    for (i, c) in digits.bytes().rev().enumerate() {
        let mut d = u32::from(c - b'0');
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    sum % 10 == 0
}

/// Masks anything that looks like a card number (13–19 digits passing the
/// Luhn check) to its last four, except the case's own order and payment IDs.
pub fn mask_cards(text: &str, known_ids: &[&str]) -> String {
    CARD.replace_all(text, |m: &regex::Captures| {
        let s = &m[0];
        let digits: String = s.chars().filter(char::is_ascii_digit).collect();
        let touches_id = known_ids
            .iter()
            .any(|id| id.contains(&digits) || (!id.is_empty() && digits.contains(*id)));
        if (13..=19).contains(&digits.len()) && luhn(&digits) && !touches_id {
            format!("**** {}", &digits[digits.len() - 4..])
        } else {
            s.to_owned()
        }
    })
    .into_owned()
}

#[cfg(test)]
mod tests;
