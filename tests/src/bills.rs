//! Realistic bill exports, generated in the exact layouts the payment apps
//! use (shared/reference/providers.md §6): Alipay's current app export and
//! its old web export (GBK), WeChat Pay's CSV (UTF-8) and Excel bill.
//!
//! Rows are plain text as the bill shows them (`amount` without a currency
//! sign: the WeChat writers add the `¥`, the Excel writer stores a number).
//! Fillers are deterministic and never carry an amount, order number or
//! payment number of the seed cases in `examples/`, so a test knows exactly
//! which rows should match.

use std::io::{self, Write};

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, Timelike};
use encoding_rs::GBK;
use rust_xlsxwriter::{Workbook, Worksheet, XlsxError};

/// One row of a bill, as the bill writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// Local Beijing time, `yyyy-MM-dd HH:mm:ss`.
    pub time: String,
    pub counterparty: String,
    pub item: String,
    /// 收/支: `支出`, `收入`, `不计收支` (WeChat: `/` for neutral).
    pub in_out: String,
    /// Yuan with two decimals, no sign, no currency: `200.00`.
    pub amount: String,
    /// 收/付款方式 / 支付方式, e.g. `交通银行信用卡(7449)`, `余额宝`, `零钱`.
    pub method: String,
    /// 交易状态 / 当前状态, e.g. `交易成功`, `退款成功`, `支付成功`.
    pub status: String,
    /// The provider's number (Alipay 交易订单号, WeChat 交易单号).
    pub trade_no: String,
    /// The merchant's order number; empty for transfers.
    pub merchant_no: String,
}

/// The Douyin DOU+ case (examples/douyin-dou-plus-alipay.toml).
pub const DOUYIN_PAYMENT: &str = "2026112122001412341408157613";
pub const DOUYIN_ORDER: &str = "7439201234567890123";
/// The live-stream case (examples/live-stream-wechat.toml).
pub const LIVE_PAYMENT: &str = "4200002345202611214567890123";
pub const LIVE_ORDER: &str = "LS20261121200512345";

/// Amounts of the seed cases (cents): fillers never use them.
const SEED_CENTS: [i64; 3] = [20_000, 6_800, 5_000];

/// The time of the newest filler; filler `i` is about `i` minutes older.
fn newest() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 11, 30)
        .and_then(|d| d.and_hms_opt(22, 47, 31))
        .expect("a valid date")
}

/// A cheap deterministic mix of `i` (splitmix64).
fn mix(i: u64) -> u64 {
    let mut z = i.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn yuan(cents: i64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

/// `200.00` → 20000 (the amounts this module writes only).
fn cents(amount: &str) -> i64 {
    let (whole, frac) = amount.split_once('.').unwrap_or((amount, "0"));
    let frac = format!("{frac:0<2}");
    whole.parse::<i64>().unwrap_or(0) * 100 + frac[..2].parse::<i64>().unwrap_or(0)
}

/// An amount in `lo..hi` yuan-cents for row `i`, never a seed case's.
fn amount(i: usize, lo: i64, hi: i64) -> String {
    let mut c = lo + (mix(i as u64 ^ 0xa11) % (hi - lo) as u64) as i64;
    // Round to what shops charge: x.x0 most of the time.
    if !i.is_multiple_of(3) {
        c -= c % 10;
    }
    while SEED_CENTS.contains(&c) || c < 1 {
        c += 1;
    }
    yuan(c)
}

const MEALS: &[(&str, &str)] = &[
    ("美团外卖", "美团订单-黄焖鸡米饭"),
    ("饿了么", "饿了么外卖订单"),
    ("瑞幸咖啡", "生椰拿铁"),
    ("星巴克", "大杯美式咖啡"),
    ("肯德基", "KFC 超值午餐"),
    ("沙县小吃（中关村店）", "收钱码收款"),
    ("海底捞火锅", "海底捞堂食"),
    ("蜜雪冰城", "冰鲜柠檬水"),
];

const SHOPS: &[(&str, &str, &str)] = &[
    ("天猫超市", "维达抽纸 3层100抽*24包", "日用百货"),
    ("盒马鲜生", "盒马鲜生购物", "日用百货"),
    ("滴滴出行", "滴滴快车-打车费", "交通出行"),
    ("中国铁路网络有限公司", "火车票", "交通出行"),
    ("上海拉扎斯信息科技有限公司", "饿了么会员", "餐饮美食"),
    ("淘宝闪购", "优衣库 圆领T恤", "服饰装扮"),
    ("国家电网", "电费缴纳", "生活服务"),
    ("中国移动", "话费充值", "充值缴费"),
    ("哈啰出行", "共享单车月卡", "交通出行"),
    ("爱奇艺", "黄金VIP会员连续包月", "文化休闲"),
];

const PEOPLE: &[&str] = &["李**", "王*明", "张**", "刘*芳", "陈**", "赵*"];

const METHODS: &[&str] = &[
    "余额宝",
    "花呗",
    "余额",
    "招商银行储蓄卡(3321)",
    "中国建设银行储蓄卡(0876)",
    "浦发银行信用卡(5512)",
];

impl Row {
    /// Deterministic varied everyday rows (meals, shopping, transfers,
    /// refunds, closed orders, interest), none matching the seed cases'
    /// amounts or numbers. Filler `i` is about `i` minutes before
    /// 2026-11-30 22:47, so a run of fillers is newest first, as the
    /// exports list them.
    pub fn filler(i: usize) -> Row {
        let h = mix(i as u64);
        let at = newest() - Duration::seconds(i as i64 * 60 + (h % 59) as i64);
        let (d, t) = (at.date(), at.time());
        let time = format!(
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
            d.year(),
            d.month(),
            d.day(),
            t.hour(),
            t.minute(),
            t.second()
        );
        let ymd = format!("{:04}{:02}{:02}", d.year(), d.month(), d.day());
        // 28 digits: the creation date, then 220015 (never the seed
        // cases' 220014…), then 14 digits.
        let trade_no = format!("{ymd}220015{:014}", h % 100_000_000_000_000);
        let method = METHODS[(h >> 20) as usize % METHODS.len()].to_owned();
        let pick = (h >> 32) as usize;
        match i % 10 {
            0..=3 => {
                let (party, item) = MEALS[pick % MEALS.len()];
                Row {
                    time,
                    counterparty: party.into(),
                    item: item.into(),
                    in_out: "支出".into(),
                    amount: amount(i, 300, 16_000),
                    method,
                    status: "交易成功".into(),
                    trade_no,
                    merchant_no: format!("T200P{:014}", h % 100_000_000_000_000),
                }
            }
            4 | 5 => {
                let (party, item, _) = SHOPS[pick % SHOPS.len()];
                Row {
                    time,
                    counterparty: party.into(),
                    item: item.into(),
                    in_out: "支出".into(),
                    amount: amount(i, 990, 59_900),
                    method,
                    status: if i % 20 == 4 {
                        "等待确认收货".into()
                    } else {
                        "交易成功".into()
                    },
                    trade_no,
                    merchant_no: format!("{:019}", 1_000_000_000_000_000_000 + h % 1_000_000_000),
                }
            }
            6 => Row {
                time,
                counterparty: PEOPLE[pick % PEOPLE.len()].into(),
                item: "转账".into(),
                in_out: "支出".into(),
                amount: amount(i, 1_000, 100_000),
                method,
                status: "交易成功".into(),
                trade_no,
                merchant_no: String::new(),
            },
            7 => Row {
                time,
                counterparty: PEOPLE[pick % PEOPLE.len()].into(),
                item: "收钱码收款".into(),
                in_out: "收入".into(),
                amount: amount(i, 100, 30_000),
                method: "余额".into(),
                status: "交易成功".into(),
                trade_no,
                merchant_no: String::new(),
            },
            8 => {
                let (party, item, _) = SHOPS[pick % SHOPS.len()];
                Row {
                    time,
                    counterparty: party.into(),
                    item: format!("退款-{item}"),
                    in_out: "不计收支".into(),
                    amount: amount(i, 500, 30_000),
                    method,
                    status: "退款成功".into(),
                    // A refund row: the original payment's number and a suffix.
                    trade_no: format!("{trade_no}_{ymd}{:06}", h % 1_000_000),
                    merchant_no: format!("{:019}", 1_000_000_000_000_000_000 + h % 1_000_000_000),
                }
            }
            _ => {
                if pick.is_multiple_of(2) {
                    Row {
                        time,
                        counterparty: "天弘基金管理有限公司".into(),
                        item: format!(
                            "余额宝-{:04}.{:02}.{:02}-收益发放",
                            d.year(),
                            d.month(),
                            d.day()
                        ),
                        in_out: "不计收支".into(),
                        amount: amount(i, 1, 300),
                        method: "余额宝".into(),
                        status: "交易成功".into(),
                        trade_no,
                        merchant_no: String::new(),
                    }
                } else {
                    let (party, item, _) = SHOPS[pick % SHOPS.len()];
                    Row {
                        time,
                        counterparty: party.into(),
                        item: item.into(),
                        in_out: "不计收支".into(),
                        amount: amount(i, 990, 20_000),
                        method: String::new(),
                        status: "交易关闭".into(),
                        trade_no,
                        merchant_no: format!("T200P{:014}", h % 100_000_000_000_000),
                    }
                }
            }
        }
    }

    /// The same filler in WeChat Pay's words: a `4200…` 交易单号, WeChat's
    /// status words (支付成功, 已转账, 已存入零钱, 已全额退款…) and methods
    /// (零钱, a bank card), `/` for neutral.
    pub fn wechat_filler(i: usize) -> Row {
        let mut r = Row::filler(i);
        let h = mix(i as u64 ^ 0x3c3);
        let date: String = r.time[..10].chars().filter(char::is_ascii_digit).collect();
        // 28 digits: 42000015 (never the seed case's 420000 2345…), the
        // date, 12 digits.
        r.trade_no = format!("42000015{date}{:012}", h % 1_000_000_000_000);
        r.method = match h % 4 {
            0 | 1 => "零钱".into(),
            2 => "招商银行储蓄卡(3321)".into(),
            _ => "零钱通".into(),
        };
        r.status = match (i % 10, r.status.as_str()) {
            (6, _) => "对方已收钱".into(),
            (7, _) => "已存入零钱".into(),
            (_, "退款成功") => "已全额退款".into(),
            (_, "交易关闭") => "已关闭".into(),
            _ => "支付成功".into(),
        };
        if r.in_out == "不计收支" {
            r.in_out = if r.status == "已全额退款" {
                "收入".into()
            } else {
                "/".into()
            };
        }
        if r.item.starts_with("余额宝") {
            r.counterparty = "零钱通".into();
            r.item = "零钱通收益".into();
        }
        if i % 10 == 8 {
            // WeChat refunds carry their own 交易单号 (50…), not a suffix.
            r.trade_no = format!("50300015{date}{:012}", h % 1_000_000_000_000);
        }
        if r.merchant_no.is_empty() && i % 10 == 6 {
            r.merchant_no = format!("10000500015{date}{:09}", h % 1_000_000_000);
        }
        r
    }

    /// The Douyin DOU+ payment of examples/douyin-dou-plus-alipay.toml as
    /// Alipay's bill shows it: 交易成功, 支出, 200.00 to 北京微播视界科技有限公司
    /// at 2026-11-21 15:15:12, with its trade_no and the DOU+ order number.
    pub fn douyin() -> Row {
        Row {
            time: "2026-11-21 15:15:12".into(),
            counterparty: "北京微播视界科技有限公司".into(),
            item: "DOU+ 上热门".into(),
            in_out: "支出".into(),
            amount: "200.00".into(),
            method: "交通银行信用卡(7449)".into(),
            status: "交易成功".into(),
            trade_no: DOUYIN_PAYMENT.into(),
            merchant_no: DOUYIN_ORDER.into(),
        }
    }

    /// The refund of the Douyin payment as Alipay lists it: the payment's
    /// number with a suffix, the same order number, 退款成功.
    pub fn douyin_refund() -> Row {
        Row {
            time: "2026-11-22 10:03:41".into(),
            counterparty: "北京微播视界科技有限公司".into(),
            item: "退款-DOU+ 上热门".into(),
            in_out: "不计收支".into(),
            amount: "200.00".into(),
            method: "交通银行信用卡(7449)".into(),
            status: "退款成功".into(),
            trade_no: format!("{DOUYIN_PAYMENT}_20261122100341"),
            merchant_no: DOUYIN_ORDER.into(),
        }
    }

    /// The live-stream top-up of examples/live-stream-wechat.toml as WeChat
    /// Pay's bill shows it: 支付成功, 支出, 68.00 at 2026-11-21 20:05:30.
    pub fn live_stream() -> Row {
        Row {
            time: "2026-11-21 20:05:30".into(),
            counterparty: "星光直播".into(),
            item: "680 钻石".into(),
            in_out: "支出".into(),
            amount: "68.00".into(),
            method: "零钱".into(),
            status: "支付成功".into(),
            trade_no: LIVE_PAYMENT.into(),
            merchant_no: LIVE_ORDER.into(),
        }
    }

    /// 交易分类 (Alipay app export), guessed from the row.
    fn category(&self) -> &'static str {
        if self.status.contains("退款") {
            return "退款";
        }
        if self.item.contains("转账") || self.item.contains("收钱码") && self.in_out == "收入"
        {
            return "转账红包";
        }
        if self.item.starts_with("余额宝") {
            return "投资理财";
        }
        if let Some((_, _, c)) = SHOPS.iter().find(|(p, _, _)| *p == self.counterparty) {
            return c;
        }
        if MEALS.iter().any(|(p, _)| *p == self.counterparty) {
            return "餐饮美食";
        }
        if self.counterparty.contains("微播") || self.counterparty.contains("直播") {
            return "文化休闲";
        }
        "其他"
    }

    /// 交易类型 (WeChat).
    fn wechat_kind(&self) -> &'static str {
        if self.status.contains("退款") {
            "退款"
        } else if self.item.contains("转账") {
            "转账"
        } else if self.item.contains("收益") {
            "零钱通"
        } else if self.item.contains("收钱码") {
            "二维码收款"
        } else {
            "商户消费"
        }
    }

    /// 对方账号 (Alipay app export): masked, or `/`.
    fn account(&self) -> String {
        if self.counterparty.contains('*') {
            format!("{}***@163.com", &self.trade_no[20..23])
        } else if self.counterparty.contains("微播") {
            "dou***@bytedance.com".into()
        } else {
            "/".into()
        }
    }
}

/// Totals the preamble announces: (count, cents) by 收入 / 支出 / neutral.
#[derive(Default)]
struct Totals {
    count: usize,
    income: (usize, i64),
    expense: (usize, i64),
    neutral: (usize, i64),
}

impl Totals {
    fn of(rows: &[Row]) -> Totals {
        let mut t = Totals {
            count: rows.len(),
            ..Totals::default()
        };
        for r in rows {
            let slot = match r.in_out.as_str() {
                "收入" => &mut t.income,
                "支出" => &mut t.expense,
                _ => &mut t.neutral,
            };
            slot.0 += 1;
            slot.1 += cents(&r.amount);
        }
        t
    }

    /// Only the count is known ahead when streaming: the sums say 0.
    fn announced(count: usize) -> Totals {
        Totals {
            count,
            ..Totals::default()
        }
    }
}

/// The export window: a day before the oldest row to a day after the
/// newest, or November 2026 when there are no rows.
fn window(rows: &[Row]) -> (String, String) {
    let times = rows
        .iter()
        .filter_map(|r| NaiveDateTime::parse_from_str(&r.time, "%Y-%m-%d %H:%M:%S").ok());
    let lo = times.clone().min();
    let hi = times.max();
    let day = |t: NaiveDateTime| t.date().and_hms_opt(0, 0, 0).expect("midnight");
    let lo = lo.map_or_else(
        || "2026-11-01 00:00:00".into(),
        |t| day(t).format("%Y-%m-%d %H:%M:%S").to_string(),
    );
    let hi = hi.map_or_else(
        || "2026-12-01 00:00:00".into(),
        |t| {
            (day(t) + Duration::days(1))
                .format("%Y-%m-%d %H:%M:%S")
                .to_string()
        },
    );
    (lo, hi)
}

const EXPORTED: &str = "2026-12-01 09:12:44";

// ---------------------------------------------------------------- Alipay app export

const ALIPAY_NOTES: [&str; 9] = [
    "1.本回单内容可表明支付宝受理了相关交易申请，但不代表交易最终结果，交易最终结果以支付宝账户明细为准；",
    "2.本回单内容仅供参考，不作为个人征信、司法诉讼、税务等用途的依据；",
    "3.本回单中的交易对方信息已做脱敏处理；",
    "4.本回单不含已删除的交易记录；",
    "5.支付宝账单中的收/支金额不包含不计收支的交易；",
    "6.余额宝、基金等理财产品的收益及赎回记录计入不计收支；",
    "7.如对本回单内容有疑问，请联系支付宝客服95188；",
    "8.本回单由支付宝（中国）网络技术有限公司提供；",
    "9.本回单导出后请妥善保管，谨防泄露。",
];

fn alipay_app_preamble(t: &Totals, window: &(String, String)) -> String {
    let mut s = String::new();
    s.push_str(
        "------------------------------------------------------------------------------------\n",
    );
    s.push_str("导出信息：\n");
    s.push_str("姓名：张三\n");
    s.push_str("支付宝账户：zhang***@example.com\n");
    s.push_str(&format!(
        "起始时间：[{}]    终止时间：[{}]\n",
        window.0, window.1
    ));
    s.push_str("导出交易类型：[全部]\n");
    s.push_str(&format!("导出时间：[{EXPORTED}]\n"));
    s.push_str(&format!("共{}笔记录\n", t.count));
    s.push_str(&format!("收入：{}笔 {}元\n", t.income.0, yuan(t.income.1)));
    s.push_str(&format!(
        "支出：{}笔 {}元\n",
        t.expense.0,
        yuan(t.expense.1)
    ));
    s.push_str(&format!(
        "不计收支：{}笔 {}元\n",
        t.neutral.0,
        yuan(t.neutral.1)
    ));
    s.push('\n');
    s.push_str("特别提示：\n");
    for n in ALIPAY_NOTES {
        s.push_str(n);
        s.push('\n');
    }
    s.push('\n');
    s.push_str("------------------------支付宝（中国）网络技术有限公司  电子客户回单------------------------\n");
    s.push_str("交易时间,交易分类,交易对方,对方账号,商品说明,收/支,金额,收/付款方式,交易状态,交易订单号,商家订单号,备注,\n");
    s
}

/// A CSV cell: quoted when it holds a comma, a quote or a line break.
fn cell(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\"")).into()
    } else {
        s.into()
    }
}

/// Encodes cells to GBK, remembering the non-ASCII ones: bills repeat a
/// small vocabulary (payees, items, statuses), and encoding_rs encodes
/// hanzi to GBK by searching its tables, which is slow for 200 MB.
#[derive(Default)]
struct GbkCells(std::collections::HashMap<String, Vec<u8>>);

impl GbkCells {
    fn put(&mut self, out: &mut Vec<u8>, s: &str) {
        if s.is_ascii() {
            out.extend_from_slice(s.as_bytes());
        } else if let Some(b) = self.0.get(s) {
            out.extend_from_slice(b);
        } else {
            let b = gbk(s).into_owned();
            out.extend_from_slice(&b);
            if self.0.len() < 4096 {
                self.0.insert(s.to_owned(), b);
            }
        }
    }
}

fn alipay_app_row(r: &Row, enc: &mut GbkCells, out: &mut Vec<u8>) {
    let account = r.account();
    let cells: [&str; 9] = [
        &r.time,
        r.category(),
        &cell(&r.counterparty),
        &account,
        &cell(&r.item),
        &r.in_out,
        &r.amount,
        &cell(&r.method),
        &r.status,
    ];
    for c in cells {
        enc.put(out, c);
        out.push(b',');
    }
    // IDs end in a tab; then the empty 备注 and the trailing empty column.
    enc.put(out, &r.trade_no);
    out.extend_from_slice(b"\t,");
    enc.put(out, &r.merchant_no);
    out.extend_from_slice(b"\t,,\n");
}

fn gbk(text: &str) -> std::borrow::Cow<'_, [u8]> {
    let (bytes, _, unmappable) = GBK.encode(text);
    debug_assert!(!unmappable, "every generated character is in GBK: {text}");
    bytes
}

/// Alipay's current app export (电子客户回单) in GBK: the 24-line preamble
/// with `共N笔记录` and the totals, the header on line 25, IDs ending in a
/// tab, the trailing empty column.
pub fn alipay_app(rows: &[Row]) -> Vec<u8> {
    let mut out = gbk(&alipay_app_preamble(&Totals::of(rows), &window(rows))).into_owned();
    let mut enc = GbkCells::default();
    for r in rows {
        alipay_app_row(r, &mut enc, &mut out);
    }
    out
}

/// Streams an Alipay app export to `w`, one row at a time. `announced` is
/// the `共N笔记录` of the preamble (say fewer or more than `rows` yields to
/// test that check); the per-direction sums are 0, since the rows are not
/// known ahead.
pub fn write_alipay_app(
    w: &mut impl Write,
    rows: impl Iterator<Item = Row>,
    announced: usize,
) -> io::Result<()> {
    let window = (
        "2024-11-01 00:00:00".to_owned(),
        "2026-12-01 00:00:00".to_owned(),
    );
    w.write_all(&gbk(&alipay_app_preamble(
        &Totals::announced(announced),
        &window,
    )))?;
    let mut enc = GbkCells::default();
    let mut line = Vec::with_capacity(256);
    for r in rows {
        line.clear();
        alipay_app_row(&r, &mut enc, &mut line);
        w.write_all(&line)?;
    }
    w.flush()
}

// ---------------------------------------------------------------- Alipay old web export

/// Pads a cell to `width` columns (a CJK character counts as two), as the
/// old web export does.
fn pad(s: &str, width: usize) -> String {
    let w: usize = s.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum();
    format!("{s}{}", " ".repeat(width.saturating_sub(w)))
}

/// Alipay's old web export (支付宝交易记录明细查询) in GBK: three lines of
/// metadata, a dashed title, the 16-column header with padded cells, the
/// rows, a dashed line and the totals (`共N笔记录`, 已收入, 已支出, 导出时间).
pub fn alipay_web(rows: &[Row]) -> Vec<u8> {
    let (lo, hi) = window(rows);
    let t = Totals::of(rows);
    let mut s = String::new();
    s.push_str("支付宝交易记录明细查询\n");
    s.push_str("账号:[zhang***@example.com]\n");
    s.push_str(&format!("起始日期:[{lo}]    终止日期:[{hi}]\n"));
    s.push_str(
        "---------------------------------交易记录明细列表------------------------------------\n",
    );
    let header = [
        ("交易号", 24),
        ("商家订单号", 25),
        ("交易创建时间", 26),
        ("付款时间", 24),
        ("最近修改时间", 26),
        ("交易来源地", 15),
        ("类型", 18),
        ("交易对方", 20),
        ("商品名称", 24),
        ("金额（元）", 12),
        ("收/支", 10),
        ("交易状态", 12),
        ("服务费（元）", 15),
        ("成功退款（元）", 16),
        ("备注", 22),
        ("资金状态", 12),
    ];
    for (name, width) in header {
        s.push_str(&pad(name, width));
        s.push(',');
    }
    s.push('\n');
    for r in rows {
        let paid = NaiveDateTime::parse_from_str(&r.time, "%Y-%m-%d %H:%M:%S").ok();
        let created = paid
            .map(|p| {
                (p - Duration::seconds(32))
                    .format("%Y-%m-%d %H:%M:%S")
                    .to_string()
            })
            .unwrap_or_else(|| r.time.clone());
        let refunded = r.status.contains("退款");
        let closed = r.status == "交易关闭";
        let (in_out, funds) = match (r.in_out.as_str(), refunded) {
            (_, true) => ("", "资金转移"),
            ("支出", _) => ("支出", "已支出"),
            ("收入", _) => ("收入", "已收入"),
            _ => ("", if closed { "" } else { "资金转移" }),
        };
        let cells = [
            (format!("{}\t", r.trade_no), 24),
            (
                if r.merchant_no.is_empty() {
                    String::new()
                } else {
                    format!("{}\t", r.merchant_no)
                },
                25,
            ),
            (created, 26),
            (
                if closed {
                    String::new()
                } else {
                    r.time.clone()
                },
                24,
            ),
            (r.time.clone(), 26),
            ("其他（包括阿里巴巴和外部商家）".into(), 15),
            ("即时到账交易".into(), 18),
            (r.counterparty.replace(',', "，"), 20),
            (r.item.replace(',', "，"), 24),
            (r.amount.clone(), 8),
            (in_out.into(), 10),
            (r.status.clone(), 12),
            ("0.00".into(), 9),
            (
                if refunded {
                    r.amount.clone()
                } else {
                    "0.00".into()
                },
                9,
            ),
            (String::new(), 20),
            (funds.into(), 12),
        ];
        for (v, width) in cells {
            s.push_str(&pad(&v, width));
            s.push(',');
        }
        s.push('\n');
    }
    s.push_str(
        "------------------------------------------------------------------------------------\n",
    );
    s.push_str(&format!("共{}笔记录\n", t.count));
    s.push_str(&format!("已收入:{}笔,{}元\n", t.income.0, yuan(t.income.1)));
    s.push_str(&format!(
        "已支出:{}笔,{}元\n",
        t.expense.0,
        yuan(t.expense.1)
    ));
    s.push_str(&format!("导出时间:[{EXPORTED}]\n"));
    gbk(&s).into_owned()
}

// ---------------------------------------------------------------- WeChat Pay

/// The 16 preamble lines of WeChat Pay's bill, without padding.
fn wechat_preamble(t: &Totals, window: &(String, String)) -> [String; 16] {
    [
        "微信支付账单明细".into(),
        "微信昵称：[小李]".into(),
        format!("起始时间：[{}] 终止时间：[{}]", window.0, window.1),
        "导出类型：[全部]".into(),
        format!("导出时间：[{EXPORTED}]"),
        String::new(),
        format!("共{}笔记录", t.count),
        format!("收入：{}笔 {}元", t.income.0, yuan(t.income.1)),
        format!("支出：{}笔 {}元", t.expense.0, yuan(t.expense.1)),
        format!("中性交易：{}笔 {}元", t.neutral.0, yuan(t.neutral.1)),
        "注：".into(),
        "1. 充值/提现/理财通购买/零钱通存取/信用卡还款等交易，将计入中性交易".into(),
        "2. 本明细仅展示当前账单中的交易，不包括已删除的记录".into(),
        "3. 本明细仅供个人对账使用".into(),
        String::new(),
        "----------------------微信支付账单明细列表--------------------".into(),
    ]
}

/// The header of WeChat Pay's bill (11 columns).
pub const WECHAT_HEADER: [&str; 11] = [
    "交易时间",
    "交易类型",
    "交易对方",
    "商品",
    "收/支",
    "金额(元)",
    "支付方式",
    "当前状态",
    "交易单号",
    "商户单号",
    "备注",
];

/// Rows of the Excel bill before the table (0-based index of the header).
pub const WECHAT_XLSX_HEADER_ROW: u32 = 16;
/// The column of 金额(元) in WeChat's bill (0-based; `F`).
pub const WECHAT_AMOUNT_COL: u16 = 5;

fn slash(s: &str) -> &str {
    if s.is_empty() { "/" } else { s }
}

fn wechat_preamble_csv(t: &Totals, window: &(String, String)) -> String {
    let mut s = String::new();
    for line in wechat_preamble(t, window) {
        s.push_str(&cell(&line));
        s.push_str(",,,,,,,,\n");
    }
    s.push_str(&WECHAT_HEADER.join(","));
    s.push('\n');
    s
}

fn wechat_csv_row(r: &Row, out: &mut String) {
    use std::fmt::Write as _;
    let _ = writeln!(
        out,
        "{},{},{},\"{}\",{},¥{},{},{},{}\t,{}\t,\"/\"",
        r.time,
        r.wechat_kind(),
        cell(slash(&r.counterparty)),
        slash(&r.item).replace('"', "\"\""),
        slash(&r.in_out),
        r.amount,
        cell(slash(&r.method)),
        cell(&r.status),
        slash(&r.trade_no),
        slash(&r.merchant_no),
    );
}

/// WeChat Pay's CSV bill in UTF-8 (no BOM): 16 preamble lines padded with
/// commas, the header on line 17, `¥` amounts, IDs ending in a tab, `/`
/// for empty.
pub fn wechat_csv(rows: &[Row]) -> Vec<u8> {
    let mut s = wechat_preamble_csv(&Totals::of(rows), &window(rows));
    for r in rows {
        wechat_csv_row(r, &mut s);
    }
    s.into_bytes()
}

/// Streams a WeChat CSV bill to `w`; see [`write_alipay_app`] for
/// `announced` and the totals.
pub fn write_wechat_csv(
    w: &mut impl Write,
    rows: impl Iterator<Item = Row>,
    announced: usize,
) -> io::Result<()> {
    let window = (
        "2024-11-01 00:00:00".to_owned(),
        "2026-12-01 00:00:00".to_owned(),
    );
    w.write_all(wechat_preamble_csv(&Totals::announced(announced), &window).as_bytes())?;
    let mut line = String::with_capacity(256);
    for r in rows {
        line.clear();
        wechat_csv_row(&r, &mut line);
        w.write_all(line.as_bytes())?;
    }
    w.flush()
}

/// WeChat Pay's Excel bill: `Sheet1` with the same preamble lines in
/// column A (rows 1–16), the header on row 17, then the rows; amounts are
/// numbers, everything else text.
pub fn wechat_xlsx(rows: &[Row]) -> Vec<u8> {
    wechat_xlsx_with(rows, |_| Ok(()))
}

/// [`wechat_xlsx`] with `edit` applied to the sheet before saving (to put
/// a formula in a cell, say). Data row `k` (0-based) is on sheet row
/// `WECHAT_XLSX_HEADER_ROW + 1 + k`.
pub fn wechat_xlsx_with(
    rows: &[Row],
    edit: impl FnOnce(&mut Worksheet) -> Result<(), XlsxError>,
) -> Vec<u8> {
    wechat_xlsx_written(rows, false, edit)
}

/// [`wechat_xlsx_with`]; with `inline`, the sheet is written row by row as
/// a streaming writer does, its texts as inline strings (`<is><t>`) rather
/// than shared ones, and `edit` can only add to the rows after the bill's.
pub fn wechat_xlsx_written(
    rows: &[Row],
    inline: bool,
    edit: impl FnOnce(&mut Worksheet) -> Result<(), XlsxError>,
) -> Vec<u8> {
    wechat_book(rows, inline, &[], edit)
}

/// The notes WeChat Pay's 2026 Excel bill adds to its preamble (before the
/// list's dashed line), so the header is further down.
pub const WECHAT_2026_NOTES: [&str; 5] = [
    "4. 如需开具交易流水证明，请在微信支付-账单-常见问题中申请",
    "5. 金额单位为人民币元",
    "6. 本文件已加密，请勿转发他人",
    "",
    "账单说明：以上信息仅供参考",
];

/// WeChat Pay's Excel bill as it is sent since 2026: the preamble longer by
/// [`WECHAT_2026_NOTES`], the header on sheet row
/// `WECHAT_XLSX_HEADER_ROW + 1 + 5`, the amounts plain numbers.
pub fn wechat_xlsx_2026(rows: &[Row]) -> Vec<u8> {
    wechat_book(rows, false, &WECHAT_2026_NOTES, |_| Ok(()))
}

fn wechat_book(
    rows: &[Row],
    inline: bool,
    notes: &[&str],
    edit: impl FnOnce(&mut Worksheet) -> Result<(), XlsxError>,
) -> Vec<u8> {
    let build = || -> Result<Vec<u8>, XlsxError> {
        let mut book = Workbook::new();
        let sheet = if inline {
            book.add_worksheet_with_constant_memory()?
        } else {
            book.add_worksheet()
        };
        sheet.set_name("Sheet1")?;
        let mut lines: Vec<String> = wechat_preamble(&Totals::of(rows), &window(rows)).into();
        let dashes = lines.len() - 1;
        lines.splice(dashes..dashes, notes.iter().map(|n| n.to_string()));
        for (i, line) in lines.iter().enumerate() {
            if !line.is_empty() {
                sheet.write_string(i as u32, 0, line)?;
            }
        }
        let head = WECHAT_XLSX_HEADER_ROW + notes.len() as u32;
        for (c, name) in WECHAT_HEADER.iter().enumerate() {
            sheet.write_string(head, c as u16, *name)?;
        }
        for (k, r) in rows.iter().enumerate() {
            let row = head + 1 + k as u32;
            let amount = cents(&r.amount) as f64 / 100.0;
            let text = [
                r.time.as_str(),
                r.wechat_kind(),
                slash(&r.counterparty),
                slash(&r.item),
                slash(&r.in_out),
                "",
                slash(&r.method),
                &r.status,
                slash(&r.trade_no),
                slash(&r.merchant_no),
                "/",
            ];
            for (c, v) in text.iter().enumerate() {
                if c as u16 == WECHAT_AMOUNT_COL {
                    sheet.write_number(row, c as u16, amount)?;
                } else {
                    sheet.write_string(row, c as u16, *v)?;
                }
            }
        }
        edit(sheet)?;
        book.save_to_buffer()
    };
    build().expect("the generated workbook is valid")
}

// ---------------------------------------------------------------- hostile inputs

/// A stream of `len` bytes: `head`, then `unit` over and over (cut at
/// `len`), made as it is read: a test reads gigabytes without writing them.
pub struct Synthetic {
    head: Vec<u8>,
    unit: Vec<u8>,
    len: u64,
    pos: u64,
}

impl Synthetic {
    pub fn new(head: Vec<u8>, unit: &[u8], len: u64) -> Self {
        assert!(!unit.is_empty(), "a unit to repeat");
        Synthetic {
            head,
            unit: unit.to_vec(),
            len,
            pos: 0,
        }
    }

    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl io::Read for Synthetic {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut n = 0;
        while n < buf.len() && self.pos < self.len {
            let head = self.head.len() as u64;
            let (src, at) = if self.pos < head {
                (&self.head, self.pos as usize)
            } else {
                let u = self.unit.len() as u64;
                (&self.unit, ((self.pos - head) % u) as usize)
            };
            let take = (src.len() - at)
                .min(buf.len() - n)
                .min((self.len - self.pos) as usize);
            buf[n..n + take].copy_from_slice(&src[at..at + take]);
            n += take;
            self.pos += take as u64;
        }
        Ok(n)
    }
}

impl io::Seek for Synthetic {
    fn seek(&mut self, to: io::SeekFrom) -> io::Result<u64> {
        let pos = match to {
            io::SeekFrom::Start(p) => Some(p),
            io::SeekFrom::End(d) => self.len.checked_add_signed(d),
            io::SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        self.pos = pos.ok_or_else(|| io::Error::other("seek before the start"))?;
        Ok(self.pos)
    }
}

/// The shared strings part of a workbook.
pub const SHARED_STRINGS: &str = "xl/sharedStrings.xml";

/// A WeChat Pay Excel bill whose shared strings unpack to `unpacked` bytes
/// (one text of `A`s, real SpreadsheetML around it): a zip bomb of a few MB
/// for gigabytes.
pub fn wechat_xlsx_bomb(unpacked: u32) -> Vec<u8> {
    use zip::write::SimpleFileOptions;
    let base = wechat_xlsx(&[Row::wechat_filler(0)]);
    let mut src = zip::ZipArchive::new(io::Cursor::new(base)).expect("our own workbook");
    let mut out = zip::ZipWriter::new(io::Cursor::new(Vec::new()));
    let head = b"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" count=\"1\" uniqueCount=\"1\"><si><t>";
    let tail = b"</t></si></sst>";
    for i in 0..src.len() {
        let part = src.by_index_raw(i).expect("a part");
        if part.name().expect("a name") != SHARED_STRINGS {
            out.raw_copy_file(part).expect("copied");
            continue;
        }
        drop(part);
        let options = SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .compression_level(Some(9));
        out.start_file(SHARED_STRINGS, options).expect("started");
        out.write_all(head).expect("written");
        let fill = (unpacked as usize).saturating_sub(head.len() + tail.len());
        let chunk = vec![b'A'; 1 << 20];
        let mut left = fill;
        while left > 0 {
            let n = left.min(chunk.len());
            out.write_all(&chunk[..n]).expect("written");
            left -= n;
        }
        out.write_all(tail).expect("written");
    }
    out.finish().expect("finished").into_inner()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fillers_never_carry_a_seed_case() {
        for i in 0..20_000 {
            for r in [Row::filler(i), Row::wechat_filler(i)] {
                assert!(!SEED_CENTS.contains(&cents(&r.amount)), "{r:?}");
                for id in [DOUYIN_PAYMENT, DOUYIN_ORDER, LIVE_PAYMENT, LIVE_ORDER] {
                    assert!(!r.trade_no.contains(id) && !r.merchant_no.contains(id));
                }
                assert_eq!(r.trade_no.split('_').next().unwrap().len(), 28, "{r:?}");
            }
        }
    }

    #[test]
    fn the_alipay_app_preamble_is_24_lines() {
        let text = GBK.decode(&alipay_app(&[Row::douyin()])).0.into_owned();
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[23].contains("电子客户回单"));
        assert!(lines[24].starts_with("交易时间,交易分类"));
        assert!(lines[25].contains("2026112122001412341408157613\t,"));
    }

    #[test]
    fn the_wechat_preamble_is_16_lines() {
        let text = String::from_utf8(wechat_csv(&[Row::live_stream()])).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[15].starts_with("----------------------微信支付账单明细列表"));
        assert!(lines[16].starts_with("交易时间,交易类型"));
        assert!(lines[17].contains(",¥68.00,"));
    }
}
