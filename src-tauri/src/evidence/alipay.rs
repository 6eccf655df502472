//! Alipay's bill exports: the current app export ("电子客户回单", GBK, 24
//! preamble lines, 12 columns, IDs ending in a tab, refund rows
//! `<trade_no>_<suffix>`) and the old web export ("支付宝交易记录明细查询",
//! 16 columns, totals after a dashed line). See
//! shared/reference/providers.md §6.1–6.2.

use std::io::Read;
use std::sync::LazyLock;

use chrono::FixedOffset;
use regex::Regex;

use super::matching::Interest;
use super::rows::{Again, read_csv};
use super::table::{Cols, Layout, Table, Text};
use super::{Direction, EvidenceError, Format, Record, Sink, Summary};

/// Reads an Alipay export of `format` (already decoded to UTF-8), every
/// row into `sink`.
pub fn parse<R: Read>(
    format: Format,
    input: R,
    zone: FixedOffset,
    sink: &mut Sink<'_>,
) -> Result<Summary, EvidenceError> {
    read(format, input, Text::Utf8, None, zone, sink, None)
}

/// Reads an Alipay export of `format` from its bytes; with an `interest`,
/// only the rows it wants reach `sink`; with `again`, on two cores.
pub(crate) fn read<R: Read>(
    format: Format,
    input: R,
    text: Text,
    interest: Option<&Interest>,
    zone: FixedOffset,
    sink: &mut Sink<'_>,
    again: Option<Again<'_>>,
) -> Result<Summary, EvidenceError> {
    let layout = match format {
        Format::AlipayWeb => &WEB,
        _ => &APP,
    };
    read_csv(input, Table::new(layout, zone, text, interest, sink), again)
}

static CARD_TAIL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[(（](\d{4})[)）]").expect("the card tail pattern is valid"));

/// `交通银行信用卡(7449)` → `7449`.
pub(crate) fn card_tail(method: &str) -> Option<String> {
    CARD_TAIL.captures(method).map(|m| m[1].to_owned())
}

/// 收/支 → direction; a refund status wins (refund rows say 不计收支 or 收入).
pub(crate) fn direction(in_out: Option<&str>, status: &str) -> Option<Direction> {
    if status.contains("退款") {
        return Some(Direction::In);
    }
    match in_out? {
        "支出" | "已支出" => Some(Direction::Out),
        "收入" | "已收入" => Some(Direction::In),
        "不计收支" | "其他" | "资金转移" | "/" => Some(Direction::Neutral),
        _ => None,
    }
}

// ---- the app export (WeChat's bill shares the column order, see wechat.rs)

const A_TIME: usize = 0;
const A_STATUS: usize = 1;
const A_TRADE_NO: usize = 2;
const A_AMOUNT: usize = 3;
const A_IN_OUT: usize = 4;
const A_PARTY: usize = 5;
const A_ITEM: usize = 6;
const A_METHOD: usize = 7;
const A_MERCHANT_NO: usize = 8;

static APP: Layout = Layout {
    format: Format::AlipayApp,
    columns: &[
        "交易时间",
        "交易状态",
        "交易订单号",
        "金额",
        "收/支",
        "交易对方",
        "商品说明",
        "收/付款方式",
        "商家订单号",
        "交易分类",
        "对方账号",
        "备注",
    ],
    required: 5,
    time: COMMON_TIME,
    amount: A_AMOUNT,
    numbers: COMMON_NUMBERS,
    build: build_common,
};

/// Where `build_common`'s layouts have their time and numbers.
pub(crate) const COMMON_TIME: &[usize] = &[A_TIME];
pub(crate) const COMMON_AMOUNT: usize = A_AMOUNT;
pub(crate) const COMMON_NUMBERS: [usize; 2] = [A_TRADE_NO, A_MERCHANT_NO];

/// Builds a record from a layout whose first nine columns are, in order:
/// time, status, trade no., amount, in/out, payee, item, method, merchant
/// order no. (Alipay's app export and WeChat's bill).
pub(crate) fn build_common(c: &Cols<'_>, r: &mut Record) {
    r.status = c.get(A_STATUS).unwrap_or_default();
    r.direction = direction(c.get(A_IN_OUT).as_deref(), &r.status);
    r.trade_no = c.get(A_TRADE_NO);
    r.merchant_order_no = c.get(A_MERCHANT_NO);
    r.counterparty = c.get(A_PARTY);
    r.item = c.get(A_ITEM);
    r.method = c.get(A_METHOD);
    r.card_tail = r.method.as_deref().and_then(card_tail);
}

// ---- the old web export

const W_TRADE_NO: usize = 0;
const W_CREATED: usize = 1;
const W_AMOUNT: usize = 2;
const W_STATUS: usize = 3;
const W_PAID: usize = 4;
const W_MERCHANT_NO: usize = 5;
const W_PARTY: usize = 6;
const W_ITEM: usize = 7;
const W_IN_OUT: usize = 8;
const W_FUNDS: usize = 9;

static WEB: Layout = Layout {
    format: Format::AlipayWeb,
    columns: &[
        "交易号",
        "交易创建时间",
        "金额（元）",
        "交易状态",
        "付款时间",
        "商家订单号",
        "交易对方",
        "商品名称",
        "收/支",
        "资金状态",
        "最近修改时间",
        "交易来源地",
        "类型",
        "服务费（元）",
        "成功退款（元）",
        "备注",
    ],
    required: 4,
    // The time paid, or when it was never paid the time created.
    time: &[W_PAID, W_CREATED],
    amount: W_AMOUNT,
    numbers: [W_TRADE_NO, W_MERCHANT_NO],
    build: build_web,
};

fn build_web(c: &Cols<'_>, r: &mut Record) {
    r.status = c.get(W_STATUS).unwrap_or_default();
    let in_out = c.get(W_IN_OUT).or_else(|| c.get(W_FUNDS));
    r.direction = direction(in_out.as_deref(), &r.status);
    r.trade_no = c.get(W_TRADE_NO);
    r.merchant_order_no = c.get(W_MERCHANT_NO);
    r.counterparty = c.get(W_PARTY);
    r.item = c.get(W_ITEM);
}
