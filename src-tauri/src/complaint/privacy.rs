//! What a complaint may quote, by audience. Private letters (the platform,
//! the payment provider, 12315, the card issuer) carry the card's last four
//! digits and what the receiver needs, never a balance or a one-time code;
//! public posts (黑猫投诉) also never carry a phone number, an e-mail
//! address or a full account. A quoted bank SMS is reduced to its date,
//! amount, payee and card tail. The user's own full copy stays in the case.

use std::sync::LazyLock;

use regex::Regex;

use crate::domain::case::Case;
use crate::domain::diagnosis::Audience;
use crate::domain::money::format_amount;
use crate::domain::observation::{Observation, SourceKind, Via};
use crate::evidence::{Record, sms};

/// Who reads a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// One receiver who handles the case.
    Private,
    /// Anyone: a post on a public complaint site.
    Public,
}

impl Level {
    pub fn of(audience: Audience) -> Level {
        match audience {
            Audience::Heimao => Level::Public,
            _ => Level::Private,
        }
    }
}

/// The words of an observation as a complaint quotes them: a bank's SMS
/// reduced to what the receiver needs, anything else scrubbed for `level`.
pub fn quote(o: &Observation, case: &Case, level: Level) -> String {
    if (o.source == SourceKind::Bank || o.via == Via::Sms)
        && let Some(reduced) = reduced_sms(&o.raw, case)
    {
        return reduced;
    }
    scrub(&o.raw, level)
}

/// 「尾号6789卡 11-21 15:15 支出 200.00 元（北京微播视界科技有限公司）」: the
/// SMS read as the evidence reader reads it, its balance, codes and phone
/// numbers left out. `None` when it cannot be read as a bank SMS.
fn reduced_sms(raw: &str, case: &Case) -> Option<String> {
    let mut first: Option<Record> = None;
    let mut sink = |r: Record| {
        if first.is_none() {
            first = Some(r);
        }
        Ok(())
    };
    sms::parse(raw, case.zone(), case.submitted_at.date_naive(), &mut sink).ok()?;
    let r = first?;
    let amount = r.amount?;
    let mut parts = Vec::new();
    if let Some(bank) = &r.bank {
        parts.push(bank.clone());
    }
    if let Some(tail) = &r.card_tail {
        parts.push(format!("尾号{tail}卡"));
    }
    if let Some(at) = r.at {
        parts.push(at.format("%m-%d %H:%M").to_string());
    }
    let verb = match r.direction {
        Some(crate::evidence::Direction::In) => "收入",
        _ => "支出",
    };
    let mut text = format!(
        "{} {verb} {} 元",
        parts.join(" "),
        format_amount(amount, case.amount.currency.minor_digits())
    );
    if let Some(payee) = &r.counterparty {
        text.push_str(&format!("（{}）", scrub(payee, Level::Public)));
    }
    Some(text.trim().to_owned())
}

static BALANCE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[，,；;。]?\s*(?:可用)?(?:余额|可用额度|剩余额度|balance)[为是:：]?\s*(?:人民币|RMB|CNY|¥|￥)?\s*-?[\d,，]+(?:\.\d+)?\s*元?")
        .expect("the balance pattern compiles")
});

static CODE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(验证码|校验码|动态码|动态密码|确认码|短信码|verification code|one-time code|otp)[为是:：\s]*[0-9A-Za-z]{4,8}")
        .expect("the code pattern compiles")
});

static PHONE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}").expect("the phone pattern compiles")
});

static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
        .expect("the e-mail pattern compiles")
});

/// `text` without a balance or a one-time code; for a public post also
/// without a phone number or an e-mail address.
pub fn scrub(text: &str, level: Level) -> String {
    let text = BALANCE.replace_all(text, "");
    let text = CODE.replace_all(&text, "${1}（已隐去）");
    if level == Level::Private {
        return text.into_owned();
    }
    let text = digits_bounded(&PHONE, &text, "1**********");
    EMAIL.replace_all(&text, "（邮箱已隐去）").into_owned()
}

/// Replaces matches of `re` that are not part of a longer run of digits
/// (an order or trade number holds 11 digits starting with 1 too).
fn digits_bounded(re: &Regex, text: &str, with: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for m in re.find_iter(text) {
        let before = text[..m.start()].chars().next_back();
        let after = text[m.end()..].chars().next();
        if before.is_some_and(|c| c.is_ascii_digit()) || after.is_some_and(|c| c.is_ascii_digit()) {
            continue;
        }
        out.push_str(&text[last..m.start()]);
        out.push_str(with);
        last = m.end();
    }
    out.push_str(&text[last..]);
    out
}

/// An account shown in public: its first and last two characters.
pub fn mask_account(account: &str) -> String {
    let chars: Vec<char> = account.chars().collect();
    if chars.len() <= 4 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..2].iter().collect();
    let tail: String = chars[chars.len() - 2..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 4))
}
