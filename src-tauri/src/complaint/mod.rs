//! Complaint texts for each audience, in 简体中文 and English, pre-filled with
//! every fact of the case and its timeline. Templates are data
//! (`data/complaints/*.j2`); this module only gathers the facts.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use chrono::FixedOffset;
use minijinja::{Environment, Value, context};
use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::domain::case::{Case, EvidenceKind};
use crate::domain::diagnosis::{Analysis, Audience, short_date, short_time};
use crate::domain::money::format_amount;
use crate::domain::observation::{Claim, Party, SourceKind, Via};
use crate::domain::stage::Stage;
use crate::domain::text::{Bilingual, Lang};
use crate::domain::time::Moment;
use crate::domain::timeline::source_name;

mod form;
mod privacy;
pub use form::{Form, FormField, form_key, has_form};
pub use privacy::{Level, scrub};

/// One evidence item a complaint should carry, and whether the user has it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct ChecklistItem {
    pub key: String,
    pub label: Bilingual,
    pub have: bool,
    /// The attachments' file names that are this item (the screenshots
    /// kept with the case …), as the complaint's evidence list names them.
    pub files: Vec<String>,
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
    /// The channel's form box by box, where the channel is a form (12315,
    /// 黑猫): the same facts, each value to copy into its own box.
    pub form: Option<Form>,
    /// What to know before sending the text (shown beside it, never in
    /// it): an English text for a reader who works in Chinese.
    pub notes: Vec<Bilingual>,
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
    #[serde(default)]
    dispute_codes: Option<String>,
}

static DEMANDS: LazyLock<BTreeMap<String, Demand>> = LazyLock::new(|| {
    toml::from_str(include_str!("../../data/complaints/demands.toml"))
        .expect("data/complaints/demands.toml is valid (checked by tests)")
});

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Note {
    zh: String,
    en: String,
}

static NOTES: LazyLock<BTreeMap<String, Note>> = LazyLock::new(|| {
    toml::from_str(include_str!("../../data/complaints/notes.toml"))
        .expect("data/complaints/notes.toml is valid (checked by tests)")
});

/// The note `key` of `data/complaints/notes.toml`, for `reader`.
pub(crate) fn note(key: &str, reader: &Bilingual) -> Bilingual {
    let n = NOTES
        .get(key)
        .unwrap_or_else(|| panic!("data/complaints/notes.toml has [{key}] (checked by tests)"));
    Bilingual::new(
        n.zh.replace("{reader}", &reader.zh_cn),
        n.en.replace("{reader}", &reader.en),
    )
}

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
    let mut items = always_asked(case, analysis);
    items.extend(bank_statement(case, audience));
    items.extend(chat_log(case, audience));
    if audience == Audience::Consumer12315 {
        items.extend(form_parties(case));
    }
    if audience == Audience::CardIssuer {
        items.push(ChecklistItem {
            key: "card_last4".into(),
            label: Bilingual::new("卡号后四位", "the card's last four digits"),
            have: case.card_last4.is_some(),
            files: Vec::new(),
        });
    }
    for item in &mut items {
        item.files = files_of(case, &item.key);
    }
    items
}

/// The file names of the attachments that are checklist item `key`.
fn files_of(case: &Case, key: &str) -> Vec<String> {
    let kinds: &[EvidenceKind] = match key {
        "platform_screenshot" => &[EvidenceKind::PlatformScreenshot],
        "payment_record" => &[EvidenceKind::PaymentRecord, EvidenceKind::BillExport],
        "bank_statement" => &[EvidenceKind::BankStatement],
        "chat_log" => &[EvidenceKind::ChatLog],
        _ => &[],
    };
    case.attachments
        .iter()
        .filter(|a| kinds.contains(&a.kind))
        .filter_map(|a| a.file.as_deref())
        .map(|f| {
            // The name only: where the file was is no one else's business.
            f.rsplit(['/', '\\']).next().unwrap_or(f).to_owned()
        })
        .filter(|f| !f.is_empty())
        .collect()
}

/// Whether the user listed an attachment of kind `k`.
fn has_attachment(case: &Case, k: EvidenceKind) -> bool {
    case.attachments.iter().any(|a| a.kind == k)
}

/// What every audience needs: the order and payment numbers, the
/// platform's order page and the payment app's record.
fn always_asked(case: &Case, analysis: &Analysis) -> Vec<ChecklistItem> {
    let provider_record = case.observations.iter().any(|o| {
        o.source.party() == Party::Provider
            && matches!(o.via, Via::BillExport | Via::Receipt | Via::Api)
    });
    let platform_status = analysis
        .timeline
        .stage(Stage::Credited)
        .raw
        .clone()
        .unwrap_or_default();
    vec![
        ChecklistItem {
            key: "order_number".into(),
            label: Bilingual::new(
                format!("订单号 {}", case.order_id),
                format!("order number {}", case.order_id),
            ),
            have: true,
            files: Vec::new(),
        },
        ChecklistItem {
            key: "payment_number".into(),
            label: Bilingual::new("支付单号（交易号）", "payment / transaction number"),
            have: !case.payments.is_empty(),
            files: Vec::new(),
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
                    format!("平台订单页面截图（显示“{platform_status}”）"),
                    format!(
                        "screenshot of the platform's order page (showing “{platform_status}”)"
                    ),
                )
            },
            have: has_attachment(case, EvidenceKind::PlatformScreenshot),
            files: Vec::new(),
        },
        ChecklistItem {
            key: "payment_record".into(),
            label: Bilingual::new(
                "支付 App 的付款记录 / 账单截图",
                "the payment app's record or bill of this payment",
            ),
            have: provider_record
                || has_attachment(case, EvidenceKind::PaymentRecord)
                || has_attachment(case, EvidenceKind::BillExport),
            files: Vec::new(),
        },
    ]
}

/// The bank's record, asked for when the bank spoke, the payment was by
/// card, or the card issuer is addressed.
fn bank_statement(case: &Case, audience: Audience) -> Option<ChecklistItem> {
    // A bank SMS or statement line, pasted or imported, is the bank's record.
    let bank_record = case
        .observations
        .iter()
        .any(|o| o.source == SourceKind::Bank);
    (bank_record || case.method.is_card() || audience == Audience::CardIssuer).then(|| {
        ChecklistItem {
            key: "bank_statement".into(),
            label: Bilingual::new(
                "银行扣款短信或对账单",
                "the bank's debit SMS or statement line",
            ),
            have: bank_record || has_attachment(case, EvidenceKind::BankStatement),
            files: Vec::new(),
        }
    })
}

/// The chat with the platform's support, asked for when the user has
/// contacted it or the audience is past the platform.
fn chat_log(case: &Case, audience: Audience) -> Option<ChecklistItem> {
    let past_the_platform = matches!(
        audience,
        Audience::PaymentProvider
            | Audience::Consumer12315
            | Audience::Heimao
            | Audience::CardIssuer
    );
    (!case.contacts.is_empty() || past_the_platform).then(|| ChecklistItem {
        key: "chat_log".into(),
        label: Bilingual::new(
            "与平台客服的沟通记录截图",
            "screenshots of the chat with the platform's support",
        ),
        have: has_attachment(case, EvidenceKind::ChatLog),
        files: Vec::new(),
    })
}

/// The parties as the 12315 form asks for them: the complainant's name,
/// phone and address, and the operator's company.
fn form_parties(case: &Case) -> Vec<ChecklistItem> {
    let c = &case.complainant;
    [
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
    ]
    .into_iter()
    .map(|(key, zh, en, have)| ChecklistItem {
        key: key.into(),
        label: Bilingual::new(zh, en),
        have,
        files: Vec::new(),
    })
    .collect()
}

/// Writes the message for `audience` in `lang`.
pub fn generate(case: &Case, analysis: &Analysis, audience: Audience, lang: Lang) -> Complaint {
    let level = Level::of(audience);
    let told = Told::of(case, analysis, level);
    let asks = Asks::of(case, analysis, &told);
    let items = checklist(case, analysis, audience);
    let ctx = template_context(case, analysis, &told, asks, &items);
    let (subject, text, form) = render(case, audience, lang, ctx, told.payer_src);
    // A form says so itself, box by box.
    let notes = match chinese_reader(case, audience, told.payer_src) {
        Some(reader) if lang == Lang::En && form.is_none() => {
            vec![note("chinese_expected", &reader)]
        }
        _ => Vec::new(),
    };
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
        deadline: told.deadline,
        form,
        notes,
    }
}

/// Who reads `audience`'s text, when they work in Chinese: a mainland
/// platform's support, a Chinese payment provider, the bank of a card not
/// charged through an international acquirer.
fn chinese_reader(case: &Case, audience: Audience, payer: Option<SourceKind>) -> Option<Bilingual> {
    match audience {
        Audience::PlatformChat | Audience::PlatformTicket => case
            .platform
            .reads_chinese()
            .then(|| case.platform.display()),
        Audience::PaymentProvider => payer
            .filter(|p| {
                matches!(
                    p,
                    SourceKind::Alipay | SourceKind::WechatPay | SourceKind::Epay
                )
            })
            .map(SourceKind::label),
        // Their forms say so box by box.
        Audience::Consumer12315 | Audience::Heimao => None,
        Audience::CardIssuer => {
            (!international_card(case)).then(|| Bilingual::new("发卡行", "the card's bank"))
        }
    }
}

/// The facts of the payment as every message tells them.
struct Told {
    /// Who reads the message: what it may quote.
    level: Level,
    zone: FixedOffset,
    /// When the money moved (else the order's time), in the case's zone.
    paid_at: Moment,
    /// Who took the money: the provider speaking for the payment, else a
    /// payment's provider (not an aggregator), else the method's.
    payer_src: Option<SourceKind>,
    payer: Bilingual,
    /// The payer's latest words.
    payer_status: Option<String>,
    /// The platform's latest words.
    platform_status: Option<String>,
    /// The date the message demands a fix by.
    deadline: Option<String>,
    /// The date the money is due back, when a refund or reversal is awaited.
    refund_by: Option<String>,
    /// The check's day, in the case's zone (a promised day before it has
    /// passed).
    today: chrono::NaiveDate,
}

impl Told {
    /// Reads the payer, the latest words and the dates off the analysis.
    fn of(case: &Case, analysis: &Analysis, level: Level) -> Told {
        let obs = &case.observations;
        let zone = case.zone();
        let bank = analysis.timeline.stage(Stage::BankProcessing);
        let paid_at = bank.at.unwrap_or(case.submitted_at).with_timezone(&zone);
        let payer_src = bank
            .source
            .filter(|s| s.party() == Party::Provider)
            .or_else(|| {
                case.payments
                    .iter()
                    .find_map(|p| p.provider)
                    .filter(|p| *p != SourceKind::Epay)
            })
            .or_else(|| case.method.provider());
        let latest_of = |s: SourceKind| {
            obs.iter()
                .rev()
                .find(|o| o.source == s)
                .map(|o| privacy::quote(o, case, level))
        };
        Told {
            level,
            zone,
            paid_at,
            payer_src,
            payer: payer_src
                .map(|s| s.label())
                .unwrap_or_else(|| case.method.label()),
            payer_status: payer_src.and_then(latest_of),
            platform_status: latest_of(SourceKind::Platform),
            deadline: analysis.demand_deadline.map(short_date),
            refund_by: analysis
                .next_steps
                .iter()
                .find(|s| matches!(s.action.as_str(), "watch_refund" | "wait_for_reversal"))
                .and_then(|s| s.due)
                .map(short_date),
            today: analysis.now.with_timezone(&zone).date_naive(),
        }
    }

    /// A time in the case's zone, or a dash.
    fn time(&self, t: Option<Moment>) -> String {
        t.map(|t| short_time(t.with_timezone(&self.zone)))
            .unwrap_or_else(|| "—".into())
    }
}

/// What the message asks for and states, for the diagnosis
/// (`data/complaints/demands.toml`, its `[default]` filling the gaps).
struct Asks {
    demand: Bilingual,
    statement: Bilingual,
    short_problem: Bilingual,
    dispute_reason: Bilingual,
    /// The card networks' reason codes, for a card charged through an
    /// international acquirer only.
    dispute_codes: Option<String>,
}

impl Asks {
    /// The diagnosis's demand, statement, problem and dispute reason, filled in.
    fn of(case: &Case, analysis: &Analysis, told: &Told) -> Asks {
        let default = DEMANDS.get("default").expect("demands.toml has [default]");
        let src = DEMANDS
            .get(analysis.diagnosis.code.key())
            .unwrap_or(default);
        let preset = case.platform.preset();
        let small = context! {
            amount => case.amount.display(),
        amount_zh => case.amount.display_zh(),
            deliver => both(Bilingual::new(preset.deliver_zh.clone(), preset.deliver_en.clone())),
            deadline => told.deadline.clone().unwrap_or_default(),
            refund_by => told.refund_by.clone().or(told.deadline.clone()).unwrap_or_default(),
        };
        let facts = statement_context(case, analysis, told);
        let statement = |zh: &Option<String>, en: &Option<String>| {
            let pick = |own: &Option<String>, fallback: &Option<String>| {
                let t = own.as_ref().or(fallback.as_ref());
                render_str(t.expect("default statement"), &facts)
            };
            Bilingual::new(
                pick(zh, &default.statement_zh),
                pick(en, &default.statement_en),
            )
        };
        Asks {
            demand: Bilingual::new(
                render_str(&src.demand_zh, &small),
                render_str(&src.demand_en, &small),
            ),
            statement: statement(&src.statement_zh, &src.statement_en),
            short_problem: Bilingual::new(src.problem_zh.clone(), src.problem_en.clone()),
            dispute_reason: Bilingual::new(
                src.dispute_zh
                    .clone()
                    .or(default.dispute_zh.clone())
                    .unwrap_or_default(),
                src.dispute_en
                    .clone()
                    .or(default.dispute_en.clone())
                    .unwrap_or_default(),
            ),
            dispute_codes: international_card(case)
                .then(|| src.dispute_codes.clone().or(default.dispute_codes.clone()))
                .flatten(),
        }
    }
}

/// Whether the card was charged through an international acquirer, whose
/// disputes the card networks' reason codes name.
fn international_card(case: &Case) -> bool {
    case.payments
        .iter()
        .any(|p| matches!(p.provider, Some(SourceKind::Stripe | SourceKind::Paypal)))
}

/// What a statement may name: who was paid, what each side shows, and
/// every word saying the money moved.
fn statement_context(case: &Case, analysis: &Analysis, told: &Told) -> Value {
    let (debits_zh, debits_en): (Vec<String>, Vec<String>) = case
        .observations
        .iter()
        .filter(|o| o.claim.says_money_moved())
        .map(|o| {
            let when = told.time(o.at);
            let who = source_name(o.source, case);
            let words = privacy::quote(o, case, told.level);
            (
                format!("{when} {}“{words}”", who.zh_cn),
                format!("{when} {} “{words}”", who.en),
            )
        })
        .unzip();
    context! {
        payer => both(told.payer.clone()),
        platform => both(case.platform.display()),
        amount => case.amount.display(),
        amount_zh => case.amount.display_zh(),
        paid_at => short_time(told.paid_at),
        payer_status => told.payer_status.clone().unwrap_or_default(),
        platform_status => told.platform_status.clone().unwrap_or_default(),
        now => short_time(analysis.now),
        refund_at => analysis.timeline.stage(Stage::Refund).at.map(short_time).unwrap_or_default(),
        debits => both(Bilingual::new(debits_zh.join("；"), debits_en.join("; "))),
    }
}

/// Everything a message template may name.
fn template_context(
    case: &Case,
    analysis: &Analysis,
    told: &Told,
    asks: Asks,
    items: &[ChecklistItem],
) -> Value {
    let preset = case.platform.preset();
    let d = &analysis.diagnosis;
    let c = &case.complainant;
    let account = c.account.clone().map(|a| match told.level {
        Level::Public => privacy::mask_account(&a),
        Level::Private => a,
    });
    context! {
        platform => both(case.platform.display()),
        product => both(Bilingual::new(preset.product_zh.clone(), preset.product_en.clone())),
        deliver => both(Bilingual::new(preset.deliver_zh.clone(), preset.deliver_en.clone())),
        bought => both(bought(case, told.level)),
        aggregator => aggregator_trade_no(case).is_some(),
        aggregator_trade_no => aggregator_trade_no(case).unwrap_or_default(),
        refund_seen => case.observations.iter().any(|o| matches!(o.claim, Claim::Refunded | Claim::RefundPending)),
        order_id => case.order_id.clone(),
        payment_id => case.payments.iter().find(|p| p.provider == told.payer_src).or(case.payments.first()).map(|p| p.id.clone()).unwrap_or_else(|| "—".into()),
        payments => payment_values(case),
        amount => case.amount.display(),
        amount_zh => case.amount.display_zh(),
        amount_plain => format_amount(case.amount.amount, case.amount.currency.minor_digits()),
        method => both(case.method.label()),
        card_last4 => case.card_last4.clone().unwrap_or_default(),
        submitted_at => short_time(case.submitted_at),
        paid_at => short_time(told.paid_at),
        paid_date => short_date(told.paid_at),
        item => case.item.as_deref().map(|i| scrub(i, told.level)).unwrap_or_default(),
        merchant => case.merchant.clone().unwrap_or_default(),
        complainant => context! {
            name => c.name.clone().unwrap_or_default(),
            phone => c.phone.clone().unwrap_or_default(),
            email => c.email.clone().unwrap_or_default(),
            address => c.address.clone().unwrap_or_default(),
            account => account.unwrap_or_default(),
        },
        diagnosis => context! { title => both(d.title.clone()), summary => both(d.summary.clone()), cause => both(d.cause.clone()) },
        events => event_values(case, told),
        conflicts => analysis.conflicts.iter().map(|c| both(c.message.clone())).collect::<Vec<Value>>(),
        contacts => contact_values(case, told),
        contacted => !case.contacts.is_empty(),
        demand => both(asks.demand),
        statement => both(asks.statement),
        deadline => told.deadline.clone().unwrap_or_default(),
        checklist => items.iter().map(|i| context! { key => i.key.clone(), label => both(i.label.clone()), have => i.have, files => i.files.clone(), document => !matches!(i.key.as_str(), "order_number" | "payment_number") }).collect::<Vec<Value>>(),
        payer => both(told.payer.clone()),
        payer_status => told.payer_status.clone().unwrap_or_default(),
        platform_status => told.platform_status.clone().unwrap_or_default(),
        short_problem => both(asks.short_problem),
        dispute_reason => both(asks.dispute_reason),
        dispute_codes => asks.dispute_codes.unwrap_or_default(),
        today => short_date(analysis.now),
    }
}

/// What was ordered, as a sentence names it: the user's own words for the
/// item in quotes (“DOU+ 上热门推广（200 元档）”), else the platform's
/// product — never both, which doubles the name and nests brackets.
fn bought(case: &Case, level: Level) -> Bilingual {
    let preset = case.platform.preset();
    match case
        .item
        .as_deref()
        .map(str::trim)
        .filter(|i| !i.is_empty())
    {
        Some(item) => {
            let item = scrub(item, level);
            Bilingual::new(format!("“{item}”"), format!("“{item}”"))
        }
        None => Bilingual::new(
            preset.product_zh.clone(),
            format!("a {}", preset.product_en),
        ),
    }
}

/// The aggregator's (彩虹易支付's) trade number, which the payment channel
/// knows as the merchant's order number, when the case was paid through one.
fn aggregator_trade_no(case: &Case) -> Option<String> {
    case.payments
        .iter()
        .find(|p| p.provider == Some(SourceKind::Epay))
        .map(|p| p.id.clone())
}

/// The case's payments, each with its provider's name.
fn payment_values(case: &Case) -> Vec<Value> {
    case.payments
        .iter()
        .map(|p| {
            let label = p
                .provider
                .map(|k| k.label())
                .unwrap_or_else(|| Bilingual::new("支付", "payment"));
            context! { id => p.id.clone(), provider => both(label) }
        })
        .collect()
}

/// Every observation: when, who, and their words.
fn event_values(case: &Case, told: &Told) -> Vec<Value> {
    case.observations
        .iter()
        .map(|o| {
            context! {
                time => told.time(o.at),
                source => both(source_name(o.source, case)),
                raw => privacy::quote(o, case, told.level),
            }
        })
        .collect()
}

/// What the user already tried: when, with whom, and the answer, with
/// the ticket number and the promised day it gave (`promise`, a clause to
/// follow the answer: "，工单号 …，承诺 … 前处理，至今仍未处理").
fn contact_values(case: &Case, told: &Told) -> Vec<Value> {
    case.contacts
        .iter()
        .map(|c| {
            context! {
                time => short_time(c.at.with_timezone(&told.zone)),
                with => c.with.clone(),
                note => c.note.as_deref().map(|n| scrub(n, told.level)).unwrap_or_default(),
                answer => c.answer.as_deref().map(|a| scrub(a, told.level)).unwrap_or_default(),
                ticket => c.ticket.clone().unwrap_or_default(),
                promise => both(promise(c, told.today)),
            }
        })
        .collect()
}

/// The ticket number and the promised day of a contact, as a clause.
fn promise(c: &crate::domain::case::Contact, today: chrono::NaiveDate) -> Bilingual {
    let mut zh = String::new();
    let mut en = String::new();
    if let Some(t) = &c.ticket {
        zh.push_str(&format!("，工单号 {t}"));
        en.push_str(&format!(", ticket {t}"));
    }
    if let Some(d) = c.promised_by {
        let day = d.format("%Y-%m-%d");
        zh.push_str(&format!("，承诺 {day} 前处理"));
        en.push_str(&format!(", promising a fix by {day}"));
        if d < today {
            zh.push_str("，至今仍未处理");
            en.push_str(", which has passed without one");
        }
    }
    Bilingual::new(zh, en)
}

/// The subject line (where the audience has one), the text and the form
/// (where the channel is one), card numbers masked and blank runs collapsed.
fn render(
    case: &Case,
    audience: Audience,
    lang: Lang,
    ctx: Value,
    payer: Option<SourceKind>,
) -> (Option<String>, String, Option<Form>) {
    let subject = SUBJECTS
        .get(audience.code())
        .and_then(|m| m.get(lang.code()))
        .map(|t| render_str(t, &ctx))
        .filter(|s| !s.is_empty());
    // A channel's form is Chinese whatever the complaint's language.
    let subject_zh = SUBJECTS
        .get(audience.code())
        .and_then(|m| m.get(Lang::ZhCn.code()))
        .map(|t| render_str(t, &ctx))
        .unwrap_or_default();
    let ctx = context! { subject => subject.clone().unwrap_or_default(), subject_zh => subject_zh, ..ctx };
    let name = format!("{}.{}.j2", audience.code(), lang.code());
    let text = TEMPLATES
        .get_template(&name)
        .and_then(|t| t.render(&ctx))
        .unwrap_or_else(|e| panic!("template {name} failed: {e}"));
    let known: Vec<&str> = std::iter::once(case.order_id.as_str())
        .chain(case.payments.iter().map(|p| p.id.as_str()))
        .collect();
    let text = tidy(&mask_cards(&text, &known));
    let facts: Vec<&str> = [
        ("business_use", case.platform.preset().business_use),
        ("no_operator", case.merchant.is_none()),
    ]
    .into_iter()
    .filter_map(|(name, holds)| holds.then_some(name))
    .collect();
    let form = form::form_key(audience, payer)
        .and_then(|key| form::fill(key, lang, &ctx, &facts, |t| tidy(&mask_cards(t, &known))));
    let subject = subject.map(|s| mask_cards(&s, &known));
    (subject, text, form)
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
