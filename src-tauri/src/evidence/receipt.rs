//! The text of a payment app's transaction detail page (支付宝 / 微信
//! 账单详情), as copied by the user.
//!
//! A page is a list of `key：value` lines (`key: value`, `key<TAB>value`),
//! or, as WeChat copies it, the key alone on a line and its value on the
//! next. The big amount at the top of the page (`-200.00`) and sometimes
//! the status (`交易成功`) stand alone on their lines. Several pages may be
//! pasted one after the other; a page starts again where a key comes back.

use std::sync::LazyLock;

use chrono::FixedOffset;
use rust_decimal::Decimal;

use super::detect::RECEIPT_KEYS;
use super::{
    Direction, EvidenceError, Format, Record, Sink, Summary, bill_amount, clean, local_time,
};
use crate::domain::observation::SourceKind;
use crate::domain::time::Moment;
use crate::ids::{self, Confidence};

/// Keys the pages show besides [`RECEIPT_KEYS`]: read so that their values
/// are not taken for something else (`服务费` `¥0.10` is no top amount).
/// Only 商户全称 (WeChat's name of the payee) is used.
const OTHER_KEYS: &[&str] = &[
    "商户全称",
    "收单机构",
    "服务费",
    "手续费",
    "账单分类",
    "标签和备注",
    "备注",
    "对方账号",
    "支付奖励",
];

/// All the keys, longest first (`商品说明` before `商品`).
pub(crate) static KEYS: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    let mut keys: Vec<&'static str> = RECEIPT_KEYS.iter().chain(OTHER_KEYS).copied().collect();
    keys.sort_by_key(|k| std::cmp::Reverse(k.chars().count()));
    keys
});

const TRADE_NO: &[&str] = &["交易单号", "交易号"];
const MERCHANT_ORDER_NO: &[&str] = &["商户单号", "商家订单号", "商户订单号"];
const TIME: &[&str] = &["支付时间", "付款时间", "创建时间", "交易时间"];
const STATUS: &[&str] = &["当前状态", "交易状态", "支付状态"];
const PAID: &[&str] = &["付款金额", "支付金额"];
const METHOD: &[&str] = &["支付方式", "付款方式"];
const ITEM: &[&str] = &["商品", "商品说明"];
const COUNTERPARTY: &[&str] = &["收款方全称", "商户全称", "收款方", "交易对方"];

/// Words that name WeChat Pay or Alipay on a page.
const WECHAT_WORDS: &[&str] = &["微信", "零钱", "财付通"];
const ALIPAY_WORDS: &[&str] = &["支付宝", "花呗", "余额宝"];

/// Status words a page may show alone on a line (`交易成功`).
pub(crate) const STATUS_WORDS: &[&str] = &[
    "成功",
    "失败",
    "关闭",
    "处理中",
    "等待",
    "退款",
    "已存入",
    "已收钱",
    "已转账",
    "已到账",
    "待支付",
    "未支付",
];

/// Reads the text of one or more transaction detail pages. Each page with
/// a status or an amount goes to `sink`; the others are named in warnings.
pub fn parse(text: &str, zone: FixedOffset, sink: &mut Sink<'_>) -> Result<Summary, EvidenceError> {
    let mut summary = Summary::default();
    let items = items(text);
    for (i, page) in pages(&items).into_iter().enumerate() {
        let n = i as u64 + 1;
        if let Some(record) = read_page(page, n, zone, &mut summary) {
            sink(record)?;
            summary.rows += 1;
        }
    }
    Ok(summary)
}

// ---------------------------------------------------------------- lines

/// One line of the page, as understood.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Item<'a> {
    Blank,
    /// A known key with its value (empty if the page shows none).
    Key {
        key: &'static str,
        value: &'a str,
    },
    /// A line that is no key: the top amount, the status, the payee's name,
    /// or a key Daozhang does not know with its value.
    Bare(&'a str),
}

/// `(key, value)` when `line` starts with a known key followed by a
/// separator (`：`, `:`, tab, spaces) or nothing.
fn key_line(line: &str) -> Option<(&'static str, &str)> {
    for &key in KEYS.iter() {
        let Some(rest) = line.strip_prefix(key) else {
            continue;
        };
        let Some(first) = rest.chars().next() else {
            return Some((key, ""));
        };
        if matches!(first, ':' | '：') || first.is_whitespace() {
            let value = rest
                .trim_start_matches(|c: char| c == ':' || c == '：' || c.is_whitespace())
                .trim_end();
            return Some((key, value));
        }
    }
    None
}

fn trim_line(line: &str) -> &str {
    line.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}' || c == '\u{200b}')
}

/// The lines of `text`; a key alone on its line takes the next non-blank
/// line as its value, unless that line is a key itself.
fn items(text: &str) -> Vec<Item<'_>> {
    let lines: Vec<&str> = text.lines().map(trim_line).collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        i += 1;
        if line.is_empty() {
            out.push(Item::Blank);
            continue;
        }
        match key_line(line) {
            Some((key, "")) => {
                let next = (i..lines.len()).find(|&j| !lines[j].is_empty());
                match next {
                    Some(j) if key_line(lines[j]).is_none() => {
                        out.push(Item::Key {
                            key,
                            value: lines[j],
                        });
                        i = j + 1;
                    }
                    _ => out.push(Item::Key { key, value: "" }),
                }
            }
            Some((key, value)) => out.push(Item::Key { key, value }),
            None => out.push(Item::Bare(line)),
        }
    }
    out
}

/// Splits the items into pages: a page starts again where one of its keys
/// comes back, or a second top amount shows. The lines between the last
/// key (or amount) of a page and that point open the next page: they are
/// its head (the payee's name above the amount).
fn pages<'i, 'a>(items: &'i [Item<'a>]) -> Vec<&'i [Item<'a>]> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut seen: Vec<&'static str> = Vec::new();
    let mut has_amount = false;
    // The last key, and the last key or top amount, of the current page.
    let mut last_key: Option<usize> = None;
    let mut last_mark: Option<usize> = None;
    for (i, item) in items.iter().enumerate() {
        let again = match item {
            Item::Blank => continue,
            Item::Key { key, .. } => seen.contains(key),
            Item::Bare(line) => has_amount && bare_amount(line).is_some(),
        };
        if again {
            // After the page's last key; a page without keys ends at its
            // amount.
            let after = last_key.or(last_mark).map_or(start, |k| k + 1);
            let cut = (after..i).find(|&j| items[j] != Item::Blank).unwrap_or(i);
            out.push(&items[start..cut]);
            start = cut;
            seen.clear();
            has_amount = false;
            last_key = None;
            last_mark = None;
            for (j, it) in items.iter().enumerate().take(i).skip(cut) {
                mark(
                    it,
                    j,
                    &mut seen,
                    &mut has_amount,
                    &mut last_key,
                    &mut last_mark,
                );
            }
        }
        mark(
            item,
            i,
            &mut seen,
            &mut has_amount,
            &mut last_key,
            &mut last_mark,
        );
    }
    out.push(&items[start..]);
    out.retain(|p| p.iter().any(|it| *it != Item::Blank));
    out
}

/// Notes what item `i` adds to the current page.
fn mark(
    item: &Item<'_>,
    i: usize,
    seen: &mut Vec<&'static str>,
    has_amount: &mut bool,
    last_key: &mut Option<usize>,
    last_mark: &mut Option<usize>,
) {
    match item {
        Item::Key { key, .. } => {
            seen.push(key);
            *last_key = Some(i);
            *last_mark = Some(i);
        }
        Item::Bare(line) if bare_amount(line).is_some() => {
            *has_amount = true;
            *last_mark = Some(i);
        }
        _ => {}
    }
}

// ---------------------------------------------------------------- values

/// An amount and the direction its sign gives.
pub(crate) fn signed_amount(value: &str) -> Option<(Decimal, Option<Direction>)> {
    // `¥200.00 (已退款)`: the figure is the first word.
    let first = value
        .split(|c: char| c.is_whitespace() || c == '(' || c == '（')
        .find(|w| !w.is_empty())?;
    let s = first.replace(['−', '－'], "-").replace('＋', "+");
    let amount = bill_amount(&s)?;
    let bare = s.trim_start_matches(['¥', '￥']);
    let sign = if bare.starts_with('-') {
        Some(Direction::Out)
    } else if bare.starts_with('+') {
        Some(Direction::In)
    } else {
        None
    };
    Some((amount, sign))
}

/// A line that is only an amount with a sign or a currency mark: the big
/// number at the top of the page (`-200.00`, `¥200.00`).
fn bare_amount(line: &str) -> Option<(Decimal, Option<Direction>)> {
    let marked = line.starts_with(['-', '+', '−', '－', '＋', '¥', '￥']);
    if !marked || line.split_whitespace().count() > 2 {
        return None;
    }
    let s: String = line.chars().filter(|c| !c.is_whitespace()).collect();
    let s = s.replace(['−', '－'], "-").replace('＋', "+");
    bill_amount(&s)?;
    signed_amount(&s)
}

fn looks_like_status(line: &str) -> bool {
    line.chars().count() <= 16
        && !line.chars().any(|c| c.is_ascii_digit())
        && STATUS_WORDS.iter().any(|w| line.contains(w))
}

/// Reads a time as the pages write it (`2026年11月21日 15:15:12`,
/// `2026-11-21 15:15:12`, full-width colons, no space after 日).
pub(crate) fn page_time(value: &str, zone: FixedOffset) -> Option<Moment> {
    let s = value.replace('：', ":");
    let s = match s.find('日') {
        Some(i) if s[i + '日'.len_utf8()..].starts_with(|c: char| c.is_ascii_digit()) => {
            format!(
                "{} {}",
                &s[..i + '日'.len_utf8()],
                &s[i + '日'.len_utf8()..]
            )
        }
        _ => s,
    };
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    local_time(&s, zone)
}

/// Which app issued the page: its trade number when the recogniser is
/// sure, else the words on the page, else the trade number if it is
/// possibly one of theirs.
fn issuer(trade_no: Option<&str>, words: &str, method: Option<&str>) -> Option<SourceKind> {
    let provider = |c: &ids::Candidate| {
        SourceKind::parse(&c.issuer)
            .filter(|k| matches!(k, SourceKind::Alipay | SourceKind::WechatPay))
    };
    let candidates = trade_no.map(ids::recognise).unwrap_or_default();
    if let Some(top) = candidates.first()
        && top.confidence == Confidence::Likely
        && let Some(kind) = provider(top)
    {
        return Some(kind);
    }
    let says = |text: &str| {
        let wechat = WECHAT_WORDS.iter().any(|w| text.contains(w));
        let alipay = ALIPAY_WORDS.iter().any(|w| text.contains(w));
        match (wechat, alipay) {
            (true, false) => Some(SourceKind::WechatPay),
            (false, true) => Some(SourceKind::Alipay),
            _ => None,
        }
    };
    says(words).or_else(|| method.and_then(says)).or_else(|| {
        candidates
            .iter()
            .filter(|c| c.confidence != Confidence::Unlikely)
            .find_map(provider)
    })
}

/// Reads one page into a record, or says why not.
fn read_page(
    page: &[Item<'_>],
    n: u64,
    zone: FixedOffset,
    summary: &mut Summary,
) -> Option<Record> {
    let get = |keys: &[&str]| {
        keys.iter().find_map(|k| {
            page.iter().find_map(|it| match it {
                Item::Key { key, value } if key == k => clean(value),
                _ => None,
            })
        })
    };
    let bare: Vec<&str> = page
        .iter()
        .filter_map(|it| match it {
            Item::Bare(line) => Some(*line),
            _ => None,
        })
        .collect();

    // The amount: a keyed one first, else the top of the page.
    let keyed = PAID
        .iter()
        .chain(&["金额"])
        .find_map(|k| get(&[*k]).and_then(|v| signed_amount(&v)).map(|a| (a, *k)));
    let top = bare
        .iter()
        .position(|l| bare_amount(l).is_some())
        .and_then(|i| Some((bare_amount(bare[i])?, i)));
    let (amount, sign, paid) = match (keyed, top) {
        (Some(((a, s), key)), _) => (
            Some(a),
            s.or_else(|| top.and_then(|((_, s), _)| s)),
            PAID.contains(&key),
        ),
        (None, Some(((a, s), _))) => (Some(a), s, false),
        (None, None) => (None, None, false),
    };

    let status = get(STATUS).or_else(|| {
        bare.iter()
            .find(|l| looks_like_status(l))
            .map(|l| (*l).to_owned())
    });
    if status.is_none() && amount.is_none() {
        summary.warn(
            format!("第 {n} 份详情既没有交易状态也没有金额，已跳过。"),
            format!("Receipt {n} has neither a status nor an amount; skipped."),
        );
        return None;
    }
    let status = status.unwrap_or_else(|| {
        summary.warn(
            format!("第 {n} 份详情里没有交易状态。"),
            format!("Receipt {n} shows no status."),
        );
        String::new()
    });

    let direction = sign.or_else(|| {
        if status.contains("退款") {
            Some(Direction::In)
        } else if paid {
            Some(Direction::Out)
        } else {
            None
        }
    });

    // 订单号 is the merchant's number, unless the page also shows one by
    // its own name: then it is the app's (Alipay's 订单号 / 商家订单号).
    let order_no = get(&["订单号"]);
    let mut trade_no = get(TRADE_NO);
    let mut merchant_order_no = get(MERCHANT_ORDER_NO);
    match (&trade_no, &merchant_order_no) {
        (_, None) => merchant_order_no = order_no,
        (None, Some(_)) => trade_no = order_no,
        _ => {}
    }

    let mut at = None;
    if let Some(v) = get(TIME) {
        at = page_time(&v, zone);
        if at.is_none() {
            summary.warn(
                format!("第 {n} 份详情的时间“{v}”读不出。"),
                format!("Receipt {n}: the time “{v}” cannot be read."),
            );
        }
    }

    // The payee: by its key, else the line above the top amount.
    let counterparty = get(COUNTERPARTY).or_else(|| {
        let (_, i) = top?;
        let above = *bare.get(i.checked_sub(1)?)?;
        (!looks_like_status(above) && bare_amount(above).is_none()).then(|| above.to_owned())
    });

    let method = get(METHOD);
    let words: String = page
        .iter()
        .filter_map(|it| match it {
            Item::Key { value, .. } => Some(*value),
            Item::Bare(line) => Some(*line),
            Item::Blank => None,
        })
        .collect::<Vec<_>>()
        .join("\n");
    let source = issuer(trade_no.as_deref(), &words, method.as_deref()).unwrap_or_else(|| {
        summary.warn(
            format!("看不出第 {n} 份详情来自哪个 App（支付宝还是微信），来源记为本人提供。"),
            format!(
                "Daozhang could not tell which app (Alipay or WeChat Pay) issued receipt {n}; it is recorded as from you."
            ),
        );
        SourceKind::User
    });

    let mut record = Record::new(Format::Receipt, n, source);
    record.at = at;
    record.amount = amount;
    record.direction = direction;
    record.status = status;
    record.trade_no = trade_no;
    record.merchant_order_no = merchant_order_no;
    record.counterparty = counterparty;
    record.item = get(ITEM);
    record.method = method;
    Some(record)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;
    use rust_decimal::dec;

    fn cst() -> FixedOffset {
        FixedOffset::east_opt(8 * 3600).expect("+08:00 is a valid offset")
    }

    fn read(text: &str) -> (Vec<Record>, Summary) {
        let mut out = Vec::new();
        let summary = parse(text, cst(), &mut |r| {
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

    fn one(text: &str) -> (Record, Summary) {
        let (records, summary) = read(text);
        assert_eq!(
            records.len(),
            1,
            "one page gives one record: {records:?} {summary:?}"
        );
        (records.into_iter().next().expect("checked above"), summary)
    }

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32, s: u32) -> Option<Moment> {
        cst().with_ymd_and_hms(y, m, d, h, min, s).single()
    }

    /// As WeChat copies its 账单详情: each key on its line, the value below.
    const WECHAT: &str = "抖音
-200.00
当前状态
支付成功
支付时间
2026年11月21日 15:15:12
商品
DOU+ 加热订单
商户全称
北京微播视界科技有限公司
收单机构
财付通支付科技有限公司
支付方式
零钱
交易单号
4200001234202611211234567890
商户单号
4921800123456789
";

    /// As Alipay's 账单详情 reads: `key：value`.
    const ALIPAY: &str = "北京微播视界科技有限公司
-200.00
交易成功
支付时间：2026-11-21 15:15:12
付款方式：花呗
商品说明：DOU+加热
收款方全称：北京微播视界科技有限公司
交易号：2026112122001412345678901234
商家订单号：T4921800123456789
";

    #[test]
    fn a_wechat_page_with_keys_and_values_on_alternate_lines() {
        let (r, summary) = one(WECHAT);
        assert_eq!(r.format, Format::Receipt, "a receipt record");
        assert_eq!(r.location, 1, "the first page is number 1");
        assert_eq!(
            r.source,
            SourceKind::WechatPay,
            "a 4200… trade number dated yesterday is WeChat Pay's"
        );
        assert_eq!(
            r.amount,
            Some(dec!(200.00)),
            "the top amount, without its sign"
        );
        assert_eq!(r.direction, Some(Direction::Out), "a - sign is money out");
        assert_eq!(r.status, "支付成功", "当前状态's value");
        assert_eq!(
            r.at,
            at(2026, 11, 21, 15, 15, 12),
            "支付时间 in the case's zone"
        );
        assert!(!r.year_inferred, "a page writes its year");
        assert_eq!(
            r.trade_no.as_deref(),
            Some("4200001234202611211234567890"),
            "交易单号 is WeChat's number"
        );
        assert_eq!(
            r.merchant_order_no.as_deref(),
            Some("4921800123456789"),
            "商户单号 is the platform's order"
        );
        assert_eq!(r.item.as_deref(), Some("DOU+ 加热订单"), "商品");
        assert_eq!(r.method.as_deref(), Some("零钱"), "支付方式");
        assert_eq!(
            r.counterparty.as_deref(),
            Some("北京微播视界科技有限公司"),
            "商户全称 names the payee"
        );
        assert!(
            summary.warnings.is_empty(),
            "nothing to warn about: {:?}",
            summary.warnings
        );
    }

    #[test]
    fn an_alipay_page_with_key_colon_value() {
        let (r, summary) = one(ALIPAY);
        assert_eq!(
            r.source,
            SourceKind::Alipay,
            "a trade number starting with its date is Alipay's"
        );
        assert_eq!(r.amount, Some(dec!(200.00)), "the top amount");
        assert_eq!(r.direction, Some(Direction::Out), "paid out");
        assert_eq!(
            r.status, "交易成功",
            "the status alone on its line is the page's own words"
        );
        assert_eq!(r.at, at(2026, 11, 21, 15, 15, 12), "支付时间");
        assert_eq!(
            r.trade_no.as_deref(),
            Some("2026112122001412345678901234"),
            "交易号"
        );
        assert_eq!(
            r.merchant_order_no.as_deref(),
            Some("T4921800123456789"),
            "商家订单号"
        );
        assert_eq!(r.method.as_deref(), Some("花呗"), "付款方式");
        assert_eq!(r.item.as_deref(), Some("DOU+加热"), "商品说明");
        assert_eq!(
            r.counterparty.as_deref(),
            Some("北京微播视界科技有限公司"),
            "收款方全称"
        );
        assert!(
            summary.warnings.is_empty(),
            "nothing to warn about: {:?}",
            summary.warnings
        );
    }

    #[test]
    fn separators_of_all_kinds() {
        let text = "交易状态: 支付成功\n付款金额\t¥88.80\n支付时间 2026/11/21 09:05:00\n交易单号：4200000288201903177135850941\n";
        let (r, _) = one(text);
        assert_eq!(r.status, "支付成功", "`key: value`");
        assert_eq!(r.amount, Some(dec!(88.80)), "`key<TAB>value`");
        assert_eq!(
            r.direction,
            Some(Direction::Out),
            "付款金额 is money paid out even without a sign"
        );
        assert_eq!(r.at, at(2026, 11, 21, 9, 5, 0), "`key value`");
        assert_eq!(
            r.source,
            SourceKind::WechatPay,
            "the recogniser knows a WeChat transaction_id"
        );
        let (r, _) =
            one("当前状态：支付成功\n支付时间：2026年11月21日15：15：12\n金额：-1,234.50\n");
        assert_eq!(
            r.at,
            at(2026, 11, 21, 15, 15, 12),
            "full-width colons and no space after 日"
        );
        assert_eq!(
            r.amount,
            Some(dec!(1234.50)),
            "thousands separators are dropped"
        );
    }

    #[test]
    fn a_refund_is_money_in() {
        let (r, _) = one("+200.00\n交易状态：退款成功\n交易号：2017091721001004920264050508\n");
        assert_eq!(r.direction, Some(Direction::In), "a + sign is money back");
        assert_eq!(r.source, SourceKind::Alipay, "an Alipay trade_no");
        let (r, _) = one("当前状态：已全额退款\n金额：200.00\n支付方式：零钱\n");
        assert_eq!(
            r.direction,
            Some(Direction::In),
            "退款 in the status is money back"
        );
        assert_eq!(
            r.source,
            SourceKind::WechatPay,
            "零钱 is WeChat's wallet, with no trade number to go by"
        );
    }

    #[test]
    fn the_source_that_cannot_be_told_is_the_user_with_a_warning() {
        let (r, summary) = one("交易状态：交易成功\n金额：-50.00\n商品：会员\n");
        assert_eq!(
            r.source,
            SourceKind::User,
            "nothing names the app: the user is the source"
        );
        assert_eq!(
            summary.warnings.len(),
            1,
            "and the user is told: {:?}",
            summary.warnings
        );
        assert!(
            summary.warnings[0].en.contains("receipt 1"),
            "the warning names the page: {:?}",
            summary.warnings[0]
        );
    }

    #[test]
    fn pages_without_status_or_amount_are_skipped() {
        let (records, summary) = read("商品：会员\n交易单号：4200000288201903177135850941\n");
        assert!(
            records.is_empty(),
            "neither a status nor an amount: nothing to match"
        );
        assert_eq!(
            summary.warnings.len(),
            1,
            "the skip is said: {:?}",
            summary.warnings
        );
        let (r, summary) = one("金额：-50.00\n支付方式：零钱\n");
        assert_eq!(r.status, "", "no status words are invented");
        assert!(
            summary.warnings.iter().any(|w| w.en.contains("no status")),
            "the missing status is said: {:?}",
            summary.warnings
        );
        let (records, summary) = read("just some text\nnothing here\n");
        assert!(records.is_empty(), "garbage gives no record");
        assert_eq!(summary.warnings.len(), 1, "but a warning");
    }

    #[test]
    fn several_pages_pasted() {
        let (records, _) = read(&format!("{WECHAT}\n{ALIPAY}"));
        let sources: Vec<_> = records.iter().map(|r| r.source).collect();
        assert_eq!(
            sources,
            vec![SourceKind::WechatPay, SourceKind::Alipay],
            "two pages, two records"
        );
        assert_eq!(
            records[1].counterparty.as_deref(),
            Some("北京微播视界科技有限公司"),
            "the second page keeps its own lines"
        );
        assert_eq!(records[1].location, 2, "pages are numbered from 1");

        let text = "交易状态：交易成功\n金额：-1.00\n交易号：2017091721001004920264050508\n交易状态：交易关闭\n金额：-2.00\n";
        let (records, _) = read(text);
        let statuses: Vec<_> = records.iter().map(|r| r.status.as_str()).collect();
        assert_eq!(
            statuses,
            vec!["交易成功", "交易关闭"],
            "a key that comes back starts a new page"
        );

        // WeChat pages copied with blank lines between every line.
        let text = "抖音\n\n-200.00\n\n当前状态\n\n支付成功\n\n交易单号\n\n4200001234202611211234567890\n\n\
                    美团\n\n-30.00\n\n当前状态\n\n支付成功\n\n交易单号\n\n4200001234202611211234567891\n";
        let (records, _) = read(text);
        let heads: Vec<_> = records
            .iter()
            .map(|r| (r.counterparty.as_deref(), r.amount))
            .collect();
        assert_eq!(
            heads,
            vec![
                (Some("抖音"), Some(dec!(200.00))),
                (Some("美团"), Some(dec!(30.00)))
            ],
            "each page keeps the name and amount at its top"
        );

        let text = "交易状态：交易成功\n金额：-1.00\n\n某商户\n-2.00\n交易状态：交易成功\n";
        let (records, _) = read(text);
        let heads: Vec<_> = records
            .iter()
            .map(|r| (r.counterparty.as_deref(), r.amount))
            .collect();
        assert_eq!(
            heads,
            vec![(None, Some(dec!(1.00))), (Some("某商户"), Some(dec!(2.00)))],
            "the head of the second page is not the first page's tail"
        );
    }

    #[test]
    fn order_number_is_the_apps_when_the_merchants_is_named() {
        let (r, _) =
            one("交易成功\n-9.90\n订单号：2026112122001412345678901234\n商家订单号：T123\n");
        assert_eq!(
            r.trade_no.as_deref(),
            Some("2026112122001412345678901234"),
            "with 商家订单号 beside it, 订单号 is Alipay's"
        );
        assert_eq!(r.merchant_order_no.as_deref(), Some("T123"), "商家订单号");
        let (r, _) = one("交易成功\n-9.90\n订单号：D12345\n");
        assert_eq!(
            r.merchant_order_no.as_deref(),
            Some("D12345"),
            "alone, 订单号 is the merchant's"
        );
    }

    #[test]
    fn sink_errors_stop_the_reading() {
        let result = parse(&format!("{WECHAT}\n{ALIPAY}"), cst(), &mut |_| {
            Err(EvidenceError::Cancelled)
        });
        assert!(
            matches!(result, Err(EvidenceError::Cancelled)),
            "the sink's error is returned"
        );
    }

    proptest! {
        #[test]
        fn never_panics_on_any_text(s in "(?s).{0,300}") {
            let _ = parse(&s, cst(), &mut |_| Ok(()));
        }

        #[test]
        fn never_panics_on_receipt_like_text(s in "[交易单号商户订单支付时间当前状态金额方式收款方全称：:\\t \\n0-9年月日¥+\\-.,成功退]{0,200}") {
            let mut rows = 0u64;
            if let Ok(summary) = parse(&s, cst(), &mut |r| {
                assert_eq!(r.format, Format::Receipt, "every record is a receipt");
                rows += 1;
                Ok(())
            }) {
                prop_assert_eq!(summary.rows, rows, "rows counts the records sent");
            }
        }

        #[test]
        fn never_panics_on_chinese_ish_text(s in "[尾号元人民币支出收入0-9月日:：\\n【】]{0,200}") {
            let _ = parse(&s, cst(), &mut |_| Ok(()));
        }
    }
}
