use super::layout::{Cell, Line};
use super::ocr::{Region, Word};
use super::*;

fn cell(text: &str, x: u32, y: u32, confidence: f32) -> Cell {
    let region = Region {
        x,
        y,
        w: 30 * text.chars().count() as u32,
        h: 40,
    };
    Cell {
        text: text.into(),
        region,
        confidence,
        words: vec![Word {
            text: text.into(),
            region,
            confidence,
        }],
    }
}

fn line(cells: Vec<Cell>) -> Line {
    let region = cells
        .iter()
        .skip(1)
        .fold(cells[0].region, |r, c| r.union(&c.region));
    Line { cells, region }
}

fn pair(k: &str, v: &str, y: u32, confidence: f32) -> Line {
    line(vec![cell(k, 60, y, 95.0), cell(v, 330, y, confidence)])
}

fn china() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap()
}

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 21).unwrap()
}

fn read(lines: &[Line]) -> Result<(Vec<Record>, Reading), EvidenceError> {
    let mut out = Vec::new();
    let reading = read_lines(lines, 1080, china(), day(), &mut |r| {
        out.push(r);
        Ok(())
    })?;
    Ok((out, reading))
}

#[test]
fn ocr_confusions_are_put_right_where_the_shape_allows() {
    assert_eq!(
        fix_id("42O0002345 202611214567890I23"),
        "4200002345202611214567890123"
    );
    assert_eq!(fix_id("DY2026112120301900O1"), "DY202611212030190001");
    assert_eq!(
        fix_id("ABCDEF-XY"),
        "ABCDEF-XY",
        "no digits, nothing changes"
    );
    assert_eq!(fix_amount("一68.00"), "-68.00");
    assert_eq!(fix_amount("Y200,00"), "¥200.00");
    assert_eq!(
        fix_time("2026 年 11 月 21 曰 20：O5:30"),
        "2026年11月21日20:05:30"
    );
    assert_eq!(label("支付时问"), Some("支付时间"));
    assert_eq!(label("交易单号："), Some("交易单号"));
    assert_eq!(label("随便"), None);
}

#[test]
fn a_wechat_page_read_as_rows_gives_one_receipt_with_marks() {
    let lines = vec![
        line(vec![cell("星光直播", 440, 300, 95.0)]),
        line(vec![cell("一68.00", 380, 430, 90.0)]),
        pair("当前状态", "支付成功", 600, 95.0),
        pair("支付时间", "2026年11月21日 20:05:30", 700, 92.0),
        pair("支付方式", "零钱", 800, 90.0),
        pair("交易单号", "420000234520261121456789012", 900, 90.0),
        line(vec![cell("3", 330, 945, 96.0)]),
        pair("商户单号", "LS20261121200512345", 1050, 90.0),
    ];
    let (records, reading) = read(&lines).unwrap();
    assert_eq!(reading.screen, Screen::PaymentDetail);
    assert_eq!(reading.source, Some(SourceKind::WechatPay));
    let r = &records[0];
    assert_eq!(r.amount, Some(rust_decimal::dec!(68.00)));
    assert_eq!(r.direction, Some(Direction::Out));
    assert_eq!(
        r.trade_no.as_deref(),
        Some("4200002345202611214567890123"),
        "the wrapped digit is joined back"
    );
    let trade = r.marks.iter().find(|m| m.field == Field::TradeNo).unwrap();
    assert_eq!(trade.region.y, 900);
    assert!(trade.region.bottom() >= 985, "both lines: {trade:?}");
    assert!(r.marks.iter().all(|m| !m.doubtful), "{:?}", r.marks);
}

#[test]
fn a_number_that_fails_its_rule_is_doubtful_and_not_used() {
    let lines = vec![
        line(vec![cell("-68.00", 380, 430, 90.0)]),
        pair("当前状态", "支付成功", 600, 95.0),
        pair("交易单号", "42000023452026112145678", 700, 90.0),
        pair("商户单号", "LS2026112#200512345", 800, 90.0),
    ];
    let (records, _) = read(&lines).unwrap();
    let r = &records[0];
    assert_eq!(r.trade_no, None);
    assert_eq!(r.merchant_order_no, None);
    let doubtful: Vec<Field> = r
        .marks
        .iter()
        .filter(|m| m.doubtful)
        .map(|m| m.field)
        .collect();
    assert_eq!(doubtful, vec![Field::TradeNo, Field::MerchantOrderNo]);
    let unsure = vec![
        line(vec![cell("-68.00", 380, 430, 30.0)]),
        pair("当前状态", "支付成功", 600, 95.0),
        pair("支付方式", "零钱", 700, 95.0),
    ];
    let (records, _) = read(&unsure).unwrap();
    assert_eq!(records[0].amount, None, "an amount read unsure is not used");
}

#[test]
fn an_order_page_is_the_platforms_record() {
    let lines = vec![
        line(vec![cell("订单详情", 440, 130, 95.0)]),
        line(vec![cell("支付失败", 440, 300, 95.0)]),
        pair("商品名称", "DOU+上热门推广", 500, 95.0),
        pair("实付款", "¥200.00", 600, 95.0),
        pair("订单编号", "7439201234567890123", 700, 95.0),
        pair("下单时间", "2026-11-21 15:14:05", 800, 95.0),
    ];
    let (records, reading) = read(&lines).unwrap();
    assert_eq!(reading.screen, Screen::OrderPage);
    let r = &records[0];
    assert_eq!(r.source, SourceKind::Platform);
    assert_eq!(r.status, "支付失败");
    assert_eq!(r.merchant_order_no.as_deref(), Some("7439201234567890123"));
    assert_eq!(r.item.as_deref(), Some("DOU+上热门推广"));
}

#[test]
fn sms_bubbles_with_one_time_codes_are_never_read() {
    let lines = vec![
        line(vec![cell("11月21日 20:04", 400, 200, 95.0)]),
        line(vec![cell(
            "【工商银行】验证码382716，您正在",
            40,
            300,
            95.0,
        )]),
        line(vec![cell("支付68.00元。", 40, 345, 95.0)]),
        line(vec![cell(
            "您尾号0797卡11月21日20:05快捷支付支出",
            40,
            600,
            95.0,
        )]),
        line(vec![cell(
            "68.00元，余额406.04元。【工商银行】",
            40,
            645,
            95.0,
        )]),
    ];
    let text = bubbles(&lines);
    assert!(!text.contains("382716"), "{text}");
    assert!(
        !text.contains("20:04"),
        "the thread's date lines are no messages: {text}"
    );
    let (records, reading) = read(&lines).unwrap();
    assert_eq!(reading.screen, Screen::SmsThread);
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].card_tail.as_deref(), Some("0797"));
}

#[test]
fn a_screen_that_is_none_of_these_is_said_so() {
    let lines = vec![line(vec![cell("晚上回家吃饭吗？", 40, 300, 95.0)])];
    assert!(matches!(
        read(&lines),
        Err(EvidenceError::ScreenUnrecognised)
    ));
}
