//! Bank SMS pasted as text (providers.md §7), one message or many.
//!
//! Messages come one a line, separated by blank lines, or run together with
//! each ending in the bank's signature (`…余额406.04元。【工商银行】`) or
//! starting with it (`【中国农业银行】您尾号…`). A message wrapped over two
//! lines is put back together. Each message with an amount becomes one
//! [`Record`] whose status is the message itself, as the bank wrote it.
//!
//! SMS dates carry no year (`6月20日13:02`, `9月6日0时1分`): the year that
//! puts the date nearest to the order's day is taken, and the record says so.

use std::sync::LazyLock;

use chrono::{Datelike, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone};
use regex::{Captures, Regex};
use rust_decimal::Decimal;

use super::{Direction, EvidenceError, Format, Record, Sink, Summary};
use crate::domain::observation::SourceKind;

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).expect("the SMS patterns are valid regexes")
}

/// A bank's signature: `【工商银行】`, `[建设银行]`, `【中国农业银行】`.
/// `【财付通-微信支付-…】` (a merchant, in CMB's texts) is none.
static SIGNATURE: LazyLock<Regex> =
    LazyLock::new(|| re(r"[【\[]([^】\]【\[\n]{0,12}银行[^】\]【\[\n]{0,6})[】\]]"));

/// `尾号0797`, `尾号为1758`, `尾号*6791`: the card's last four digits.
static TAIL: LazyLock<Regex> =
    LazyLock::new(|| re(r"尾号(?:为|是)?[:：]?\s*[*＊]?(\d{4})(?:[^\d年月日时点:：.]|$)"));

/// `您账户9746`, `借记卡账户8793`: the same, without the word 尾号.
static CARD: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?:账户|帐户|账号|卡号|借记卡|信用卡|储蓄卡|卡)[^\d\n。，,；;]{0,6}?[*＊]?(\d{4})(?:[^\d年月日时点:：.]|$)",
    )
});

/// A figure, with what may stand before it (人民币, ¥), its sign and `元`.
static NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(人民币|RMB|CNY|[¥￥])?\s*([-+−－＋])?\s*((?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)(\s*元)?")
});

/// `6月20日13:02`, `9月6日0时1分`, `于05月08日19:03`, `10月16日`, with an
/// optional `2026年`.
static DATE_CN: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?:^|\D)(?:(\d{4})\s*年\s*)?(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]\s*(?:(\d{1,2})\s*[:：时点]\s*(\d{1,2})\s*分?(?:[:：]?\s*(\d{1,2})\s*秒|[:：](\d{1,2}))?)?",
    )
});

/// `2026-11-21 15:15`, `2026/11/21`.
static DATE_ISO: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?:^|\D)(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]*(\d{1,2})[:：](\d{2})(?:[:：](\d{2}))?)?",
    )
});

/// `06/20 13:02`: month and day without a year, only with a time.
static DATE_SLASH: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?:^|[^\d/.\-])(\d{1,2})[/\-](\d{1,2})\s*(\d{1,2})[:：](\d{2})"));

/// Bank names written in a message without a signature.
static BANK_NAME: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"中国工商银行|工商银行|中国建设银行|建设银行|中国农业银行|农业银行|招商银行|交通银行|中信银行|浦发银行|光大银行|平安银行|民生银行|兴业银行|华夏银行|广发银行|中国邮政储蓄银行|邮储银行|中国银行",
    )
});

/// The merchant as the bank names it, best pattern first.
static MERCHANT: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    const NAME: &str = r"([^）)】\]，,。；;\s]+)";
    vec![
        re(&format!(r"财付通[-－—]微信支付[-－—]{NAME}")),
        re(&format!(r"微信支付[-－—]{NAME}")),
        re(&format!(r"财付通[-－—]{NAME}")),
        re(&format!(r"支付宝[-－—]{NAME}")),
        re(r"向([^\s，,。；;]{2,40}?)完成"),
        re(r"在【([^】]{1,40})】"),
    ]
});

/// The banks' service numbers (providers.md §7), for a message that names
/// no bank otherwise.
const SERVICE_NUMBERS: &[(&str, &str)] = &[
    ("95588", "工商银行"),
    ("95533", "建设银行"),
    ("95599", "农业银行"),
    ("95566", "中国银行"),
    ("95555", "招商银行"),
    ("95559", "交通银行"),
    ("95558", "中信银行"),
    ("95528", "浦发银行"),
    ("95595", "光大银行"),
    ("95511", "平安银行"),
];

/// Words that say money left the card.
const OUT_WORDS: &[&str] = &[
    "支出",
    "消费",
    "扣款",
    "扣费",
    "快捷支付",
    "支付",
    "转出",
    "取款",
    "取现",
    "付款",
    "扣除",
    "缴费",
    "代扣",
];

/// Words that say money came in.
const IN_WORDS: &[&str] = &[
    "收入", "入账", "入帐", "退款", "转入", "退回", "存入", "退货", "汇入", "收款", "到账", "撤销",
    "冲正", "返还",
];

/// Words before a figure that make it a balance or a limit, not the
/// transaction.
const NOT_THE_AMOUNT: &[&str] = &["余额", "额度", "积分", "限额"];

/// A message is at most this long when put back together from lines.
const MAX_JOINED_CHARS: usize = 400;
const MAX_JOINED_LINES: usize = 4;

/// Reads pasted bank SMS. `day` is the order's date, for the year the SMS
/// leaves out. Every message with an amount goes to `sink`; the others are
/// named in the warnings.
pub fn parse(
    text: &str,
    zone: FixedOffset,
    day: NaiveDate,
    sink: &mut Sink<'_>,
) -> Result<Summary, EvidenceError> {
    let mut summary = Summary::default();
    for (i, parts) in messages(text).into_iter().enumerate() {
        let n = i as u64 + 1;
        let flat = parts.concat();
        let Some(found) = amount(&flat) else {
            summary.warn(
                format!("第 {n} 条短信读不出金额，已跳过。"),
                format!("SMS {n} has no amount Daozhang can read; skipped."),
            );
            continue;
        };
        let card_tail = card_tail(&flat);
        let bank = bank(&flat);
        let direction = found.sign.or_else(|| direction_near(&flat, found.start));
        if card_tail.is_none() && bank.is_none() && direction.is_none() {
            summary.warn(
                format!("第 {n} 条看起来不是银行短信（没有卡号尾号、银行名称或收支字样），已跳过。"),
                format!(
                    "Message {n} does not look like a bank SMS (no card tail, bank name or debit/credit word); skipped."
                ),
            );
            continue;
        }
        let mut record = Record::new(Format::BankSms, n, SourceKind::Bank);
        record.status = parts.join("\n");
        record.amount = Some(found.value);
        record.direction = direction;
        record.card_tail = card_tail;
        record.bank = bank;
        record.counterparty = merchant(&flat);
        record.method = method(&flat);
        match when(&flat, day) {
            When::At(t, inferred) => {
                record.at = zone.from_local_datetime(&t).single();
                record.year_inferred = inferred;
            }
            When::Unreadable => summary.warn(
                format!("第 {n} 条短信的日期不是有效日期，时间未读取。"),
                format!("SMS {n} gives a date that does not exist; its time is left out."),
            ),
            When::Missing => summary.warn(
                format!("第 {n} 条短信里没有日期，时间未读取。"),
                format!("SMS {n} has no date; its time is left out."),
            ),
        }
        sink(record)?;
        summary.rows += 1;
    }
    Ok(summary)
}

// ---------------------------------------------------------------- messages

/// Punctuation that may stand between messages run together.
fn is_gap(c: char) -> bool {
    c.is_whitespace() || "。，,.；;！!、".contains(c)
}

fn is_blankish(s: &str) -> bool {
    s.chars().all(is_gap)
}

fn trim_gap(s: &str) -> &str {
    s.trim_start_matches(is_gap).trim_end()
}

fn starts_with_signature(s: &str) -> bool {
    SIGNATURE
        .find(s.trim_start())
        .is_some_and(|m| m.start() == 0)
}

fn ends_with_signature(s: &str) -> bool {
    let s = s.trim_end_matches(is_gap);
    SIGNATURE.find_iter(s).any(|m| m.end() == s.len())
}

fn only_signature(s: &str) -> bool {
    let s = s.trim_matches(is_gap);
    SIGNATURE
        .find(s)
        .is_some_and(|m| m.start() == 0 && m.end() == s.len())
}

/// Splits one line where messages run together. A signature ends the
/// message before it, unless that message began with its own signature:
/// then the banks sign at the start and the signature begins the next.
fn fragments_of_line(line: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut from = 0;
    for m in SIGNATURE.find_iter(line) {
        if m.start() < from {
            continue;
        }
        let before = &line[from..m.start()];
        if is_blankish(before) || is_blankish(&line[m.end()..]) {
            // The signature opens the message being read, or ends the line.
            continue;
        }
        if starts_with_signature(before) {
            out.push(before);
            from = m.start();
        } else {
            out.push(&line[from..m.end()]);
            from = m.end();
        }
    }
    out.push(&line[from..]);
    out.into_iter()
        .map(trim_gap)
        .filter(|f| !f.is_empty())
        .collect()
}

fn has_card(s: &str) -> bool {
    TAIL.is_match(s) || CARD.is_match(s)
}

/// Whether `frag`, the first part of a new line, carries on the message
/// `cur` (a message wrapped over lines) rather than starting another.
fn continues(cur: &[&str], frag: &str) -> bool {
    let joined = cur.concat();
    if cur.len() >= MAX_JOINED_LINES || joined.chars().count() > MAX_JOINED_CHARS {
        return false;
    }
    if only_signature(&joined) {
        // `【中国农业银行】` alone on its line, the message on the next.
        return true;
    }
    if ends_with_signature(&joined) {
        return false;
    }
    let marked = has_card(&joined) || SIGNATURE.is_match(&joined);
    let cur_amount = amount(&joined).is_some();
    if has_card(frag) {
        return false;
    }
    let frag_amount = amount(frag).is_some();
    // Cut before its amount: `您尾号0797卡…（消费支付宝-北京华柜` + `依磐…）62.50元…`.
    if marked && !cur_amount {
        return true;
    }
    // Cut after its amount: `…62.50元，` + `余额406.04元。【工商银行】`.
    (marked || cur_amount) && !frag_amount && (frag.contains("余额") || SIGNATURE.is_match(frag))
}

/// The messages in `text`, each as the trimmed pieces of the lines it spans.
fn messages(text: &str) -> Vec<Vec<&str>> {
    let mut out: Vec<Vec<&str>> = Vec::new();
    let mut open = false;
    for line in text.lines() {
        let line = line.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
        if line.is_empty() {
            open = false;
            continue;
        }
        for (i, frag) in fragments_of_line(line).into_iter().enumerate() {
            if i == 0
                && open
                && let Some(cur) = out.last_mut()
                && continues(cur, frag)
            {
                cur.push(frag);
            } else {
                out.push(vec![frag]);
            }
            open = true;
        }
    }
    out
}

// ---------------------------------------------------------------- fields

/// The transaction amount found in a message.
struct Found {
    value: Decimal,
    /// Where the figure (with its 人民币 / ¥) starts.
    start: usize,
    /// From an explicit sign (`人民币-11.00`).
    sign: Option<Direction>,
}

/// The last `n` characters of `s`.
fn tail_chars(s: &str, n: usize) -> &str {
    match s.char_indices().rev().nth(n.saturating_sub(1)) {
        Some((i, _)) if n > 0 => &s[i..],
        _ if n == 0 => "",
        _ => s,
    }
}

/// Whether the words just before a figure make it a balance or a limit.
fn is_balance(before: &str) -> bool {
    let window = tail_chars(before, 10);
    let clause = window
        .rfind(|c: char| "，,。；;！!（(）)".contains(c))
        .map_or(window, |i| &window[i..]);
    let clause = clause.replace("余额宝", "");
    NOT_THE_AMOUNT.iter().any(|w| clause.contains(w))
}

/// The first figure that is money (`人民币…`, `…元`, `¥…`, or a decimal right
/// after 支出 / 收入 …) and not the balance.
fn amount(text: &str) -> Option<Found> {
    for c in NUMBER.captures_iter(text) {
        let whole = c.get(0)?;
        let figure = c.get(3)?;
        let prefixed = c.get(1).is_some();
        let yuan = c.get(4).is_some();
        let before = text[..whole.start()].trim_end_matches([' ', ':', '：']);
        let after_word = figure.as_str().contains('.')
            && (OUT_WORDS
                .iter()
                .chain(IN_WORDS)
                .any(|w| before.ends_with(w))
                || before.ends_with("金额"));
        if !(prefixed || yuan || after_word) || is_balance(&text[..whole.start()]) {
            continue;
        }
        let Ok(value) = figure.as_str().replace(',', "").parse::<Decimal>() else {
            continue;
        };
        let sign = c.get(2).map(|s| match s.as_str() {
            "+" | "＋" => Direction::In,
            _ => Direction::Out,
        });
        return Some(Found {
            value,
            start: whole.start(),
            sign,
        });
    }
    None
}

/// The direction from the word nearest before the amount (`支付平台网银转入`
/// is money in), else the first word after it.
fn direction_near(text: &str, at: usize) -> Option<Direction> {
    let words = OUT_WORDS
        .iter()
        .map(|w| (*w, Direction::Out))
        .chain(IN_WORDS.iter().map(|w| (*w, Direction::In)));
    let mut before: Option<(usize, Direction)> = None;
    let mut after: Option<(usize, Direction)> = None;
    for (w, d) in words {
        for (i, _) in text.match_indices(w) {
            let end = i + w.len();
            if end <= at {
                if before.is_none_or(|(e, _)| end > e) {
                    before = Some((end, d));
                }
            } else if i >= at && after.is_none_or(|(s, _)| i < s) {
                after = Some((i, d));
            }
        }
    }
    before.or(after).map(|(_, d)| d)
}

fn card_tail(text: &str) -> Option<String> {
    TAIL.captures(text)
        .or_else(|| CARD.captures(text))
        .and_then(|c| c.get(1))
        .map(|m| m.as_str().to_owned())
}

/// The bank from its signature, else its name or service number in the text.
fn bank(text: &str) -> Option<String> {
    if let Some(c) = SIGNATURE.captures(text)
        && let Some(name) = c.get(1)
    {
        let name = name.as_str().trim();
        if !name.is_empty() {
            return Some(name.to_owned());
        }
    }
    if let Some(m) = BANK_NAME.find(text) {
        return Some(m.as_str().to_owned());
    }
    SERVICE_NUMBERS
        .iter()
        .find(|(number, _)| text.contains(number))
        .map(|(_, name)| (*name).to_owned())
}

/// The merchant as the bank names it (`支付宝-北京华柜依磐食品销售店`).
fn merchant(text: &str) -> Option<String> {
    MERCHANT.iter().find_map(|r| {
        r.captures_iter(text).find_map(|c| {
            let name = c.get(1)?.as_str().trim();
            let ok = !name.is_empty() && !name.starts_with('您') && !name.contains("银行");
            ok.then(|| name.to_owned())
        })
    })
}

/// The payment channel the bank names, first named first.
fn method(text: &str) -> Option<String> {
    let first = |words: &[&str]| words.iter().filter_map(|w| text.find(w)).min();
    match (first(&["支付宝"]), first(&["财付通", "微信"])) {
        (Some(a), Some(w)) if w < a => Some("微信支付".to_owned()),
        (Some(_), _) => Some("支付宝".to_owned()),
        (None, Some(_)) => Some("微信支付".to_owned()),
        (None, None) => None,
    }
}

// ---------------------------------------------------------------- time

enum When {
    /// The local time, and whether its year was inferred.
    At(NaiveDateTime, bool),
    /// A date was written but does not exist (`2月30日`).
    Unreadable,
    Missing,
}

fn num(c: &Captures<'_>, i: usize) -> Option<u32> {
    c.get(i).and_then(|m| m.as_str().parse().ok())
}

/// The year that puts `month`/`dom` nearest to `day` (the order's date).
fn nearest(month: u32, dom: u32, day: NaiveDate) -> Option<NaiveDate> {
    (-4..=4)
        .filter_map(|dy| NaiveDate::from_ymd_opt(day.year().checked_add(dy)?, month, dom))
        .min_by_key(|d| ((*d - day).num_days().abs(), *d))
}

/// Builds the time from year (if written), month, day, and optional
/// hour/minute/second.
fn build(
    year: Option<u32>,
    month: Option<u32>,
    dom: Option<u32>,
    hms: [Option<u32>; 3],
    day: NaiveDate,
) -> When {
    let (Some(month), Some(dom)) = (month, dom) else {
        return When::Unreadable;
    };
    let date = match year {
        Some(y) => i32::try_from(y)
            .ok()
            .and_then(|y| NaiveDate::from_ymd_opt(y, month, dom)),
        None => nearest(month, dom, day),
    };
    let time = match hms {
        [Some(h), Some(m), s] => NaiveTime::from_hms_opt(h, m, s.unwrap_or(0)),
        _ => Some(NaiveTime::MIN),
    };
    match (date, time) {
        (Some(d), Some(t)) => When::At(d.and_time(t), year.is_none()),
        _ => When::Unreadable,
    }
}

fn when(text: &str, day: NaiveDate) -> When {
    if let Some(c) = DATE_CN.captures(text) {
        let second = num(&c, 6).or_else(|| num(&c, 7));
        return build(
            num(&c, 1),
            num(&c, 2),
            num(&c, 3),
            [num(&c, 4), num(&c, 5), second],
            day,
        );
    }
    if let Some(c) = DATE_ISO.captures(text) {
        return build(
            num(&c, 1),
            num(&c, 2),
            num(&c, 3),
            [num(&c, 4), num(&c, 5), num(&c, 6)],
            day,
        );
    }
    if let Some(c) = DATE_SLASH.captures(text) {
        return build(
            None,
            num(&c, 1),
            num(&c, 2),
            [num(&c, 3), num(&c, 4), None],
            day,
        );
    }
    When::Missing
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal::dec;

    fn cst() -> FixedOffset {
        FixedOffset::east_opt(8 * 3600).expect("+08:00 is a valid offset")
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("test dates are real")
    }

    /// Parses `text` with an order on `order_day`, collecting the records.
    fn read(text: &str, order_day: NaiveDate) -> (Vec<Record>, Summary) {
        let mut out = Vec::new();
        let summary = parse(text, cst(), order_day, &mut |r| {
            out.push(r);
            Ok(())
        })
        .expect("collecting records never fails");
        assert_eq!(
            summary.rows,
            out.len() as u64,
            "rows counts the records handed to the sink"
        );
        (out, summary)
    }

    fn one(text: &str, order_day: NaiveDate) -> Record {
        let (records, summary) = read(text, order_day);
        assert_eq!(
            records.len(),
            1,
            "one message gives one record: {text} → {records:?} {summary:?}"
        );
        records.into_iter().next().expect("checked above")
    }

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> Option<chrono::DateTime<FixedOffset>> {
        cst().with_ymd_and_hms(y, m, d, h, min, 0).single()
    }

    const ICBC_1: &str = "您尾号0797卡6月20日13:02快捷支付支出（消费支付宝-北京华柜依磐食品销售店）62.50元，余额406.04元。【工商银行】";
    const ICBC_2: &str = "您尾号9230卡3月30日11:35POS支出(转账)50元，余额203.03元。【工商银行】";
    const CCB_OUT: &str =
        "您尾号1276的储蓄卡9月6日0时1分消费支出人民币50.00元,活期余额440.04元。[建设银行]";
    // providers.md elides the start ("…向您尾号3802"); the sender and time are made up.
    const CCB_IN: &str = "中国银联11月20日10时15分向您尾号3802的储蓄卡账户银联入账收入人民币149.99元,活期余额57834.88元。[建设银行]";
    const ABC_1: &str =
        "【中国农业银行】您尾号8475账户09月06日17:36完成支付宝交易人民币-11.00，余额39.99。";
    // providers.md gives the middle ("…向湖北良品铺子…-18.90…"); the rest follows ABC_1.
    const ABC_2: &str = "【中国农业银行】您尾号8475账户11月21日15:15向湖北良品铺子电子商务有限公司完成支付宝交易人民币-18.90，余额21.09。";
    const CMB: &str = "您账户9746于05月08日19:03在【财付通-微信支付-拼多多平台商户】发生快捷支付扣款，人民币75.05";
    const BOC: &str =
        "您的借记卡账户8793，于10月16日POS收入人民币99.85元，交易后余额2663.30【中国银行】";
    const BOCOM: &str = "您尾号*6791的卡于12月25日21:50支付平台网银转入3.00元,交易后余额为173128.54元。【交通银行】";
    const ZZB: &str =
        "【郑州银行】03月25日17:57，您尾号为1758的卡,财付通,支出人民币25.00元,余额159.87元。";

    #[test]
    fn every_sample_from_providers_md() {
        struct Want {
            text: &'static str,
            order_day: NaiveDate,
            amount: Decimal,
            direction: Direction,
            tail: &'static str,
            bank: Option<&'static str>,
            at: Option<chrono::DateTime<FixedOffset>>,
            merchant: Option<&'static str>,
            method: Option<&'static str>,
        }
        let cases = [
            Want {
                text: ICBC_1,
                order_day: day(2026, 6, 20),
                amount: dec!(62.50),
                direction: Direction::Out,
                tail: "0797",
                bank: Some("工商银行"),
                at: at(2026, 6, 20, 13, 2),
                merchant: Some("北京华柜依磐食品销售店"),
                method: Some("支付宝"),
            },
            Want {
                text: ICBC_2,
                order_day: day(2026, 3, 29),
                amount: dec!(50),
                direction: Direction::Out,
                tail: "9230",
                bank: Some("工商银行"),
                at: at(2026, 3, 30, 11, 35),
                merchant: None,
                method: None,
            },
            Want {
                text: CCB_OUT,
                order_day: day(2026, 9, 5),
                amount: dec!(50.00),
                direction: Direction::Out,
                tail: "1276",
                bank: Some("建设银行"),
                at: at(2026, 9, 6, 0, 1),
                merchant: None,
                method: None,
            },
            Want {
                text: CCB_IN,
                order_day: day(2026, 11, 21),
                amount: dec!(149.99),
                direction: Direction::In,
                tail: "3802",
                bank: Some("建设银行"),
                at: at(2026, 11, 20, 10, 15),
                merchant: None,
                method: None,
            },
            Want {
                text: ABC_1,
                order_day: day(2026, 9, 6),
                amount: dec!(11.00),
                direction: Direction::Out,
                tail: "8475",
                bank: Some("中国农业银行"),
                at: at(2026, 9, 6, 17, 36),
                merchant: None,
                method: Some("支付宝"),
            },
            Want {
                text: ABC_2,
                order_day: day(2026, 11, 21),
                amount: dec!(18.90),
                direction: Direction::Out,
                tail: "8475",
                bank: Some("中国农业银行"),
                at: at(2026, 11, 21, 15, 15),
                merchant: Some("湖北良品铺子电子商务有限公司"),
                method: Some("支付宝"),
            },
            Want {
                text: CMB,
                order_day: day(2026, 5, 8),
                amount: dec!(75.05),
                direction: Direction::Out,
                tail: "9746",
                bank: None,
                at: at(2026, 5, 8, 19, 3),
                merchant: Some("拼多多平台商户"),
                method: Some("微信支付"),
            },
            Want {
                text: BOC,
                order_day: day(2026, 10, 15),
                amount: dec!(99.85),
                direction: Direction::In,
                tail: "8793",
                bank: Some("中国银行"),
                at: at(2026, 10, 16, 0, 0),
                merchant: None,
                method: None,
            },
            Want {
                text: BOCOM,
                order_day: day(2026, 11, 21),
                amount: dec!(3.00),
                direction: Direction::In,
                tail: "6791",
                bank: Some("交通银行"),
                at: at(2026, 12, 25, 21, 50),
                merchant: None,
                method: None,
            },
            Want {
                text: ZZB,
                order_day: day(2026, 3, 25),
                amount: dec!(25.00),
                direction: Direction::Out,
                tail: "1758",
                bank: Some("郑州银行"),
                at: at(2026, 3, 25, 17, 57),
                merchant: None,
                method: Some("微信支付"),
            },
        ];
        for w in cases {
            let r = one(w.text, w.order_day);
            assert_eq!(r.format, Format::BankSms, "{}: an SMS record", w.text);
            assert_eq!(r.location, 1, "{}: the first message is number 1", w.text);
            assert_eq!(r.source, SourceKind::Bank, "{}: the bank speaks", w.text);
            assert_eq!(
                r.amount,
                Some(w.amount),
                "{}: the transaction amount, never the balance",
                w.text
            );
            assert_eq!(
                r.direction,
                Some(w.direction),
                "{}: direction from the sign or the nearest 支出/收入 word",
                w.text
            );
            assert_eq!(
                r.card_tail.as_deref(),
                Some(w.tail),
                "{}: the card's last four digits",
                w.text
            );
            assert_eq!(
                r.bank.as_deref(),
                w.bank,
                "{}: the bank from its signature",
                w.text
            );
            assert_eq!(
                r.at, w.at,
                "{}: the date in the year nearest the order day",
                w.text
            );
            assert!(
                r.year_inferred,
                "{}: SMS dates have no year, so it was inferred",
                w.text
            );
            assert_eq!(
                r.counterparty.as_deref(),
                w.merchant,
                "{}: the merchant hint the bank gives",
                w.text
            );
            assert_eq!(
                r.method.as_deref(),
                w.method,
                "{}: the channel named in the text",
                w.text
            );
            assert_eq!(
                r.status, w.text,
                "the status is the message itself, unchanged"
            );
        }
    }

    #[test]
    fn year_is_the_one_nearest_the_order() {
        let sms = "您尾号0797卡12月31日23:59快捷支付支出（消费支付宝-某店）10.00元，余额1.00元。【工商银行】";
        let r = one(sms, day(2027, 1, 1));
        assert_eq!(
            r.at,
            at(2026, 12, 31, 23, 59),
            "a 12月31日 SMS for an order on 2027-01-01 is from 2026"
        );
        let r = one(sms, day(2026, 12, 1));
        assert_eq!(
            r.at,
            at(2026, 12, 31, 23, 59),
            "for an order in December the same year is nearest"
        );
        let r = one(ICBC_2, day(2026, 11, 21));
        assert_eq!(
            r.at,
            at(2027, 3, 30, 11, 35),
            "3月30日 is nearer to 2026-11-21 in 2027 than in 2026"
        );
        let leap = "您尾号0797卡2月29日08:00快捷支付支出10.00元。【工商银行】";
        let r = one(leap, day(2027, 3, 1));
        assert_eq!(
            r.at,
            at(2028, 2, 29, 8, 0),
            "29 February only exists in leap years; the nearest one is taken"
        );
    }

    #[test]
    fn a_written_year_is_used_as_is() {
        let r = one(
            "您尾号1234卡2025年6月20日13:02快捷支付支出88.00元。【工商银行】",
            day(2026, 11, 21),
        );
        assert_eq!(
            r.at,
            at(2025, 6, 20, 13, 2),
            "a written year wins over the order's"
        );
        assert!(!r.year_inferred, "the year was in the text, not inferred");
        let r = one(
            "您尾号1234卡于2026-11-21 15:15消费人民币20.00元【招商银行】",
            day(2026, 11, 21),
        );
        assert_eq!(r.at, at(2026, 11, 21, 15, 15), "ISO dates are read too");
        assert!(!r.year_inferred, "an ISO date carries its year");
    }

    #[test]
    fn amounts_in_their_forms() {
        let r = one(
            "您尾号1234卡11月21日15:15快捷支付支出（消费支付宝-某商户）1,234.50元，余额12,345.67元。【工商银行】",
            day(2026, 11, 21),
        );
        assert_eq!(
            r.amount,
            Some(dec!(1234.50)),
            "thousands separators are dropped, the balance ignored"
        );
        let r = one(
            "【中国农业银行】您尾号8475账户11月21日15:15完成支付宝交易人民币+200.00，余额239.99。",
            day(2026, 11, 21),
        );
        assert_eq!(r.amount, Some(dec!(200.00)), "the sign is not the amount's");
        assert_eq!(r.direction, Some(Direction::In), "a + sign is money in");
        let r = one(
            "您尾号1234卡11月21日支付宝退款50.00元，可用余额100.00元【工商银行】",
            day(2026, 11, 21),
        );
        assert_eq!(r.direction, Some(Direction::In), "退款 is money back");
        assert_eq!(
            r.at,
            at(2026, 11, 21, 0, 0),
            "no time of day: midnight of that date"
        );
        let r = one(
            "您尾号1234卡11月21日12:00余额宝转入50.00元【工商银行】",
            day(2026, 11, 21),
        );
        assert_eq!(
            r.amount,
            Some(dec!(50.00)),
            "余额宝 is a product, not a balance: its figure is the amount"
        );
    }

    #[test]
    fn many_messages_one_per_line() {
        let text = format!("{ICBC_1}\n{CCB_OUT}\n{ABC_1}\n{CMB}\n");
        let (records, summary) = read(&text, day(2026, 9, 6));
        let amounts: Vec<_> = records.iter().map(|r| r.amount).collect();
        assert_eq!(
            amounts,
            vec![
                Some(dec!(62.50)),
                Some(dec!(50.00)),
                Some(dec!(11.00)),
                Some(dec!(75.05))
            ],
            "each line is a message"
        );
        let places: Vec<_> = records.iter().map(|r| r.location).collect();
        assert_eq!(places, vec![1, 2, 3, 4], "messages are numbered from 1");
        assert!(
            summary.warnings.is_empty(),
            "nothing to warn about: {:?}",
            summary.warnings
        );
    }

    #[test]
    fn many_messages_separated_by_blank_lines() {
        let text = format!("\n{BOC}\n\n\n{BOCOM}\r\n\r\n{ZZB}\n\n");
        let (records, _) = read(&text, day(2026, 11, 21));
        let banks: Vec<_> = records.iter().map(|r| r.bank.as_deref()).collect();
        assert_eq!(
            banks,
            vec![Some("中国银行"), Some("交通银行"), Some("郑州银行")],
            "blank lines separate messages"
        );
    }

    #[test]
    fn messages_run_together_are_split_at_signatures() {
        let (records, _) = read(&format!("{ICBC_1}{ICBC_2}{CCB_OUT}"), day(2026, 6, 20));
        let tails: Vec<_> = records.iter().map(|r| r.card_tail.as_deref()).collect();
        assert_eq!(
            tails,
            vec![Some("0797"), Some("9230"), Some("1276")],
            "a closing signature ends each message"
        );
        assert_eq!(
            records[1].status, ICBC_2,
            "each message keeps its own words"
        );

        let (records, _) = read(&format!("{ABC_1}{ABC_2}{ZZB}"), day(2026, 9, 6));
        let amounts: Vec<_> = records.iter().map(|r| r.amount).collect();
        assert_eq!(
            amounts,
            vec![Some(dec!(11.00)), Some(dec!(18.90)), Some(dec!(25.00))],
            "an opening signature starts each message"
        );
        assert_eq!(records[0].status, ABC_1, "the first keeps its signature");
        assert_eq!(records[1].status, ABC_2, "the second starts at its own");

        let (records, _) = read(&format!("{ICBC_1}{ABC_1} {ZZB}"), day(2026, 9, 6));
        let banks: Vec<_> = records.iter().map(|r| r.bank.as_deref()).collect();
        assert_eq!(
            banks,
            vec![Some("工商银行"), Some("中国农业银行"), Some("郑州银行")],
            "closing and opening signatures mixed"
        );
    }

    #[test]
    fn a_message_wrapped_over_lines_is_one() {
        let text = "您尾号0797卡6月20日13:02快捷支付支出（消费支付宝-北京华柜\n依磐食品销售店）62.50元，余额406.04元。【工商银行】";
        let r = one(text, day(2026, 6, 20));
        assert_eq!(
            r.amount,
            Some(dec!(62.50)),
            "the lines are read as one message"
        );
        assert_eq!(r.status, text, "the status keeps the message as pasted");
        assert_eq!(
            r.counterparty.as_deref(),
            Some("北京华柜依磐食品销售店"),
            "the merchant cut by the line break is whole again"
        );

        let r = one(
            "您尾号0797卡6月20日13:02快捷支付支出62.50元，\n余额406.04元。【工商银行】",
            day(2026, 6, 20),
        );
        assert_eq!(
            r.bank.as_deref(),
            Some("工商银行"),
            "the balance and signature on the next line belong to it"
        );

        let r = one(
            "【中国农业银行】\n您尾号8475账户09月06日17:36完成支付宝交易人民币-11.00，余额39.99。",
            day(2026, 9, 6),
        );
        assert_eq!(
            r.bank.as_deref(),
            Some("中国农业银行"),
            "a signature alone on its line opens the message below it"
        );
    }

    #[test]
    fn garbage_is_warned_about_not_read() {
        let text = format!("hello there\n{ICBC_1}\n午饭花了50元\n{CCB_OUT}\n您尾号1234卡验证码是");
        let (records, summary) = read(&text, day(2026, 6, 20));
        let places: Vec<_> = records.iter().map(|r| r.location).collect();
        assert_eq!(
            places,
            vec![2, 4],
            "the SMS keep their numbers among all the messages"
        );
        assert_eq!(
            summary.warnings.len(),
            3,
            "one warning per skipped message: {:?}",
            summary.warnings
        );
        assert!(
            summary.warnings[0].zh_cn.contains("第 1 条")
                && summary.warnings[0].en.contains("SMS 1"),
            "the warning names the message: {:?}",
            summary.warnings[0]
        );
        assert!(
            summary.warnings[1].en.contains("Message 3"),
            "an amount without any bank word is not an SMS: {:?}",
            summary.warnings[1]
        );
        assert!(
            summary.warnings[2].en.contains("SMS 5"),
            "an SMS without an amount is skipped: {:?}",
            summary.warnings[2]
        );

        let (records, summary) = read("", day(2026, 6, 20));
        assert!(
            records.is_empty() && summary.warnings.is_empty(),
            "nothing in, nothing out"
        );
    }

    #[test]
    fn sink_errors_stop_the_reading() {
        let mut seen = 0;
        let result = parse(
            &format!("{ICBC_1}\n{ICBC_2}"),
            cst(),
            day(2026, 6, 20),
            &mut |_| {
                seen += 1;
                Err(EvidenceError::Cancelled)
            },
        );
        assert!(
            matches!(result, Err(EvidenceError::Cancelled)),
            "the sink's error is returned"
        );
        assert_eq!(seen, 1, "nothing is read after the sink says stop");
    }

    #[test]
    fn an_impossible_date_is_warned_about() {
        let (records, summary) = read(
            "您尾号0797卡2月30日13:02快捷支付支出62.50元。【工商银行】",
            day(2026, 6, 20),
        );
        assert_eq!(records.len(), 1, "the amount is still worth reading");
        assert_eq!(records[0].at, None, "30 February has no time");
        assert_eq!(
            summary.warnings.len(),
            1,
            "the user is told: {:?}",
            summary.warnings
        );
    }

    proptest! {
        #[test]
        fn never_panics_on_any_text(s in "(?s).{0,300}") {
            let _ = parse(&s, cst(), day(2026, 11, 21), &mut |_| Ok(()));
        }

        #[test]
        fn never_panics_on_chinese_ish_text(s in "[尾号元人民币支出收入0-9月日:：\\n【】]{0,200}") {
            let _ = parse(&s, cst(), day(2026, 11, 21), &mut |_| Ok(()));
        }

        #[test]
        fn never_panics_on_sms_like_text(s in "[尾号元人民币支出收入余额卡账户0-9月日时分:：,.\\-+*\\n【】\\[\\]工商银行]{0,200}") {
            let mut rows = 0u64;
            if let Ok(summary) = parse(&s, cst(), day(2026, 11, 21), &mut |r| {
                assert!(r.amount.is_some(), "records always carry an amount");
                rows += 1;
                Ok(())
            }) {
                prop_assert_eq!(summary.rows, rows, "rows counts the records sent");
            }
        }
    }
}
