//! The bill parsers and the matcher on small samples in the exact layouts
//! (preamble, encoding, tab-suffixed IDs). Full-size generated bills are
//! tested in the workspace's `tests/` crate.

use std::io::Write;

use encoding_rs::GB18030;
use rust_decimal::dec;

use super::*;
use crate::domain::case::parse_case_toml;
use crate::domain::observation::Claim;

const PAYMENT: &str = "2026112122001412341408157613";
const ORDER: &str = "7439201234567890123";

fn douyin() -> Case {
    parse_case_toml(include_str!(
        "../../../examples/douyin-dou-plus-alipay.toml"
    ))
    .expect("the example validates")
}

/// The current Alipay app export: 24 preamble lines, then the header, in GBK.
fn alipay_app(rows: &[&str], announced: usize) -> Vec<u8> {
    let mut text = String::new();
    text.push_str(
        "------------------------------------------------------------------------------------\n",
    );
    text.push_str("导出信息：\n姓名：张三\n支付宝账户：zhang***@example.com\n");
    text.push_str("起始时间：[2026-11-01 00:00:00]    终止时间：[2026-11-22 00:00:00]\n");
    text.push_str("导出交易类型：[全部]\n导出时间：[2026-11-22 10:00:00]\n");
    text.push_str(&format!(
        "共{announced}笔记录\n收入：0笔 0.00元\n支出：2笔 238.50元\n不计收支：1笔 200.00元\n\n"
    ));
    text.push_str("特别提示：\n");
    for i in 1..=9 {
        text.push_str(&format!("{i}. 提示内容第{i}条；\n"));
    }
    text.push('\n');
    text.push_str("------------------------支付宝（中国）网络技术有限公司  电子客户回单------------------------\n");
    text.push_str("交易时间,交易分类,交易对方,对方账号,商品说明,收/支,金额,收/付款方式,交易状态,交易订单号,商家订单号,备注,\n");
    for r in rows {
        text.push_str(r);
        text.push('\n');
    }
    GB18030.encode(&text).0.into_owned()
}

fn douyin_row() -> String {
    format!(
        "2026-11-21 15:15:12,文化休闲,北京微播视界科技有限公司,dou***@bytedance.com,DOU+ 上热门,支出,200.00,交通银行信用卡(7449),交易成功,{PAYMENT}\t,{ORDER}\t,,"
    )
}

fn scan(bytes: &[u8], case: &Case) -> Result<EvidenceScan, EvidenceError> {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(bytes).unwrap();
    scan_file(f.path(), case, &mut |_, _| true)
}

#[test]
fn an_alipay_app_export_gives_the_row_with_the_payment_number() {
    let other = "2026-11-20 09:01:00,餐饮美食,某某餐厅,/,午餐,支出,38.50,余额,交易成功,2026112022001412340000000001\t,T2026112000001\t,,";
    let bytes = alipay_app(&[other, &douyin_row()], 2);
    let s = scan(&bytes, &douyin()).unwrap();
    assert_eq!(s.format, Format::AlipayApp, "told from the content");
    assert_eq!((s.summary.rows, s.summary.expected_rows), (2, Some(2)));
    assert!(s.summary.warnings.is_empty(), "{:?}", s.summary.warnings);
    assert_eq!(s.candidates.len(), 1, "the lunch does not fit the case");
    let c = &s.candidates[0];
    assert!(
        c.direct,
        "it carries the case's payment number: taken directly"
    );
    assert_eq!(
        c.record.trade_no.as_deref(),
        Some(PAYMENT),
        "the tab after the ID is padding"
    );
    assert_eq!(c.record.card_tail.as_deref(), Some("7449"));
    assert_eq!(c.record.location, 27, "line 25 is the header, 26 the lunch");
    let o = &c.observation;
    assert_eq!(o.source, SourceKind::Alipay);
    assert_eq!(o.via, Via::BillExport);
    assert_eq!(o.raw, "交易成功", "the bill's own words");
    assert_eq!(o.claim, Claim::Paid);
    assert_eq!(o.amount, Some(dec!(200.00)));
    assert_eq!(o.payment_id.as_deref(), Some(PAYMENT));
    assert_eq!(
        o.at.unwrap().to_rfc3339(),
        "2026-11-21T15:15:12+08:00",
        "Beijing time"
    );
    assert_eq!(
        s.accepted(&[]).unwrap().len(),
        1,
        "direct matches need no pick"
    );
}

#[test]
fn refund_rows_carry_the_payment_number_with_a_suffix() {
    let refund = format!(
        "2026-11-22 10:00:00,退款,北京微播视界科技有限公司,/,退款-DOU+ 上热门,不计收支,200.00,交通银行信用卡(7449),退款成功,{PAYMENT}_2026112210000001\t,{ORDER}\t,,"
    );
    let s = scan(&alipay_app(&[&douyin_row(), &refund], 2), &douyin()).unwrap();
    assert_eq!(s.candidates.len(), 2);
    let r = &s.candidates[1];
    assert!(
        r.direct && r.reasons[0].en.contains("refund"),
        "{:?}",
        r.reasons
    );
    assert_eq!(r.observation.claim, Claim::Refunded, "退款成功 is a refund");
}

#[test]
fn without_the_numbers_rows_are_ranked_with_reasons() {
    let mut case = douyin();
    case.payments.clear();
    case.order_id = "unknown-order".into();
    let near = "2026-11-21 15:15:12,文化休闲,北京微播视界科技有限公司,/,DOU+,支出,200.00,余额,交易成功,2026112122001499990000000001\t,X1\t,,";
    let far = "2026-11-19 08:00:00,日用百货,某超市,/,日用品,支出,200.00,余额,交易成功,2026111922001499990000000002\t,X2\t,,";
    let other_amount = "2026-11-21 15:16:00,文化休闲,北京微播视界科技有限公司,/,DOU+,支出,100.00,余额,交易成功,2026112122001499990000000003\t,X3\t,,";
    let s = scan(&alipay_app(&[far, near, other_amount], 3), &case).unwrap();
    assert_eq!(
        s.candidates.len(),
        1,
        "another amount or two days before the order cannot be it"
    );
    let c = &s.candidates[0];
    assert!(!c.direct, "no number: the user confirms");
    let why: Vec<&str> = c.reasons.iter().map(|r| r.en.as_str()).collect();
    assert!(why.iter().any(|r| r.contains("amount")), "{why:?}");
    assert!(why.iter().any(|r| r.contains("after the order")), "{why:?}");
    assert!(
        why.iter().any(|r| r.contains("微播视界")),
        "the payee fits Douyin: {why:?}"
    );
    assert!(
        s.accepted(&[]).unwrap().is_empty(),
        "nothing is kept without a pick"
    );
    assert_eq!(s.accepted(&[0]).unwrap().len(), 1);
    assert_eq!(
        s.accepted(&[5]),
        Err(5),
        "a pick that is no candidate is named"
    );
}

#[test]
fn a_cut_short_file_says_so_and_keeps_what_was_read() {
    let mut bytes = alipay_app(&[&douyin_row()], 5);
    bytes.extend_from_slice(&GB18030.encode("2026-11-21 16:00:00,文化休闲,某").0);
    let s = scan(&bytes, &douyin()).unwrap();
    assert_eq!(s.candidates.len(), 1, "the rows before the cut are read");
    let w: Vec<&str> = s.summary.warnings.iter().map(|w| w.en.as_str()).collect();
    assert!(w.iter().any(|w| w.contains("cut short")), "{w:?}");
    assert!(w.iter().any(|w| w.contains("says it holds 5")), "{w:?}");
}

#[test]
fn another_layout_names_the_missing_columns() {
    let text = "交易时间,交易分类,交易对方,收/支,交易订单号,备注\n2026-11-21 15:15:12,文化休闲,某,支出,1\t,\n";
    let e = scan(&GB18030.encode(text).0, &douyin()).unwrap_err();
    let msg = e.text().en;
    assert!(msg.contains("交易状态") && msg.contains("金额"), "{msg}");
    let other = "日期,摘要,金额,余额\n2026-11-21,消费,200.00,1000.00\n";
    let e = scan(other.as_bytes(), &douyin()).unwrap_err();
    assert!(
        e.text().en.contains("日期, 摘要"),
        "a bank statement's table is named: {}",
        e.text().en
    );
}

#[test]
fn the_old_web_export() {
    let text = format!(
        "支付宝交易记录明细查询\n账号:[zhang***@example.com]\n起始日期:[2026-11-01 00:00:00]    终止日期:[2026-11-22 00:00:00]\n---------------------------------交易记录明细列表------------------------------------\n交易号                  ,商家订单号               ,交易创建时间              ,付款时间                ,最近修改时间              ,交易来源地     ,类型              ,交易对方            ,商品名称                ,金额（元）   ,收/支     ,交易状态    ,服务费（元）   ,成功退款（元）  ,备注                  ,资金状态     ,\n{PAYMENT}\t,{ORDER}\t,2026-11-21 15:14:40 ,2026-11-21 15:15:12 ,2026-11-21 15:15:12 ,其他（包括阿里巴巴和外部商家）,即时到账交易          ,北京微播视界科技有限公司     ,DOU+ 上热门             ,200.00  ,支出      ,交易成功    ,0.00     ,0.00     ,                    ,已支出      ,\n------------------------------------------------------------------------------------\n共1笔记录\n已收入:0笔,0.00元\n已支出:1笔,200.00元\n导出时间:[2026-11-22 10:00:00]\n"
    );
    let s = scan(&GB18030.encode(&text).0, &douyin()).unwrap();
    assert_eq!(s.format, Format::AlipayWeb);
    assert_eq!(
        (s.summary.rows, s.summary.expected_rows),
        (1, Some(1)),
        "the count is in the footer"
    );
    let c = &s.candidates[0];
    assert!(c.direct);
    assert_eq!(
        c.record.at.unwrap().to_rfc3339(),
        "2026-11-21T15:15:12+08:00",
        "the payment time, not the creation time"
    );
    assert_eq!(c.observation.claim, Claim::Paid);
}

fn wechat_csv(rows: &[&str], announced: usize) -> String {
    let pad = ",,,,,,,,,,";
    let mut t = format!(
        "微信支付账单明细{pad}\n微信昵称：[小李]{pad}\n起始时间：[2026-11-01 00:00:00] 终止时间：[2026-11-22 00:00:00]{pad}\n导出类型：[全部]{pad}\n导出时间：[2026-11-22 10:00:00]{pad}\n{pad}\n共{announced}笔记录{pad}\n收入：0笔 0.00元{pad}\n支出：1笔 68.00元{pad}\n中性交易：0笔 0.00元{pad}\n注：{pad}\n1. 充值/提现/理财通购买/零钱通存取/信用卡还款等交易，将计入中性交易{pad}\n2. 本明细仅展示当前账单中的交易，不包括已删除的记录{pad}\n3. 本明细仅供个人对账使用{pad}\n{pad}\n----------------------微信支付账单明细列表--------------------{pad}\n"
    );
    t.push_str(
        "交易时间,交易类型,交易对方,商品,收/支,金额(元),支付方式,当前状态,交易单号,商户单号,备注\n",
    );
    for r in rows {
        t.push_str(r);
        t.push('\n');
    }
    t
}

fn live() -> Case {
    parse_case_toml(include_str!("../../../examples/live-stream-wechat.toml"))
        .expect("the example validates")
}

#[test]
fn a_wechat_csv_bill() {
    let case = live();
    let pay = &case.payments[0].id;
    let row = format!(
        "{},商户消费,某某直播,钻石充值,支出,¥{},招商银行储蓄卡(1234),支付成功,{pay}\t,{}\t,/",
        case.submitted_at.format("%Y-%m-%d %H:%M:%S"),
        case.amount.amount,
        case.order_id
    );
    let s = scan(wechat_csv(&[&row], 1).as_bytes(), &case).unwrap();
    assert_eq!(s.format, Format::WechatCsv);
    let c = &s.candidates[0];
    assert!(c.direct);
    assert_eq!(
        c.record.amount,
        Some(case.amount.amount),
        "the ¥ is not part of the number"
    );
    assert_eq!(c.record.card_tail.as_deref(), Some("1234"));
    assert_eq!(c.observation.source, SourceKind::WechatPay);
    assert_eq!(c.observation.claim, Claim::Paid, "支付成功");
}

#[test]
fn text_that_is_neither_utf8_nor_gbk_is_refused() {
    let mut bytes = "交易时间,".as_bytes().to_vec();
    bytes.extend_from_slice(&[0xff, 0xfe, 0x81, 0x20, 0x80, 0xff]);
    assert!(matches!(
        scan(&bytes, &douyin()),
        Err(EvidenceError::Encoding)
    ));
}

#[test]
fn a_cancelled_read_stops() {
    let rows: Vec<String> = (0..40_000).map(|_| douyin_row()).collect();
    let refs: Vec<&str> = rows.iter().map(String::as_str).collect();
    let bytes = alipay_app(&refs, refs.len());
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(&bytes).unwrap();
    let r = scan_file(f.path(), &douyin(), &mut |done, _| done < (1 << 20));
    assert!(matches!(r, Err(EvidenceError::Cancelled)), "{r:?}");
}

/// A record whose number only upper-cases into the case's payment
/// (`ſ`.to_uppercase() is `S`, one byte shorter) is no match, and naming a
/// refund never slices the record's text at the case's byte length.
#[test]
fn a_long_s_in_a_trade_number_neither_matches_nor_panics() {
    let mut case = douyin();
    case.payments[0].id = "SS1".into();
    let mut m = Matcher::new(&case);
    let mut forged = Record::new(Format::AlipayApp, 1, SourceKind::Alipay);
    forged.trade_no = Some("ſſ1_2".into());
    m.consider(forged);
    let mut refund = Record::new(Format::AlipayApp, 2, SourceKind::Alipay);
    refund.trade_no = Some("ss1_2".into());
    m.consider(refund);
    let (cands, _) = m.finish();
    assert_eq!(cands.len(), 1, "only the ASCII refund row matches");
    assert!(cands[0].direct);
    assert_eq!(cands[0].record.location, 2);
    assert_eq!(cands[0].reasons[0].en, "a refund of payment SS1");
}

mod no_panic {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn any_bytes_give_a_scan_or_an_error(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
            let _ = scan(&bytes, &douyin());
        }

        #[test]
        fn any_bytes_after_a_real_header(tail in proptest::collection::vec(any::<u8>(), 0..2048)) {
            let mut bytes = alipay_app(&[], 0);
            bytes.extend_from_slice(&tail);
            let _ = scan(&bytes, &douyin());
            let mut w = wechat_csv(&[], 0).into_bytes();
            w.extend_from_slice(&tail);
            let _ = scan(&w, &live());
            let mut z = b"PK\x03\x04".to_vec();
            z.extend_from_slice(&tail);
            let _ = scan(&z, &live());
        }

        #[test]
        fn any_text_pasted(text in ".{0,600}") {
            let _ = scan_text(&text, &douyin());
        }

        /// Bill rows of arbitrary Unicode cells after each real header,
        /// through each bill parser: records or a typed error, and every
        /// record read is counted.
        #[test]
        fn arbitrary_cells_in_every_bill_layout(
            rows in proptest::collection::vec(proptest::collection::vec("(?s)[^,\n]{0,24}|\\PC{0,8}", 0..14), 0..12),
        ) {
            let body: String = rows.iter().map(|r| r.join(",") + "\n").collect();
            let zone = crate::domain::time::china();
            let alipay = alipay_app(&[], 0);
            let (alipay, _, _) = GB18030.decode(&alipay);
            for (format, head) in [
                (Format::AlipayApp, alipay.into_owned()),
                (Format::AlipayWeb, "支付宝交易记录明细查询\n交易号,交易创建时间,金额（元）,交易状态,付款时间,商家订单号,交易对方,商品名称,收/支,资金状态\n".to_owned()),
                (Format::WechatCsv, wechat_csv(&[], 0)),
            ] {
                let text = head + &body;
                let mut sent = 0u64;
                let mut sink = |r: Record| {
                    assert_eq!(r.format, format);
                    sent += 1;
                    Ok(())
                };
                let got = match format {
                    Format::WechatCsv => wechat::parse_csv(text.as_bytes(), zone, &mut sink),
                    _ => alipay::parse(format, text.as_bytes(), zone, &mut sink),
                };
                if let Ok(summary) = got {
                    prop_assert_eq!(summary.rows, sent);
                }
            }
        }

        /// Arbitrary numbers in a record against arbitrary case numbers
        /// (letters whose upper case is longer or shorter included): a
        /// candidate or none, never a panic, and a direct match always
        /// carries the case's number in ASCII-folded form.
        #[test]
        fn the_matcher_takes_any_numbers(
            payment in "[Ssſ1ßİı]{1,4}|[A-Za-z0-9ſßİıﬀ]{1,10}",
            trade in "[Ssſ1_ßİı]{0,8}|[A-Za-z0-9ſßİıﬀ_]{0,14}|\\PC{0,14}",
            merchant in "[^0-9]{0,14}",
        ) {
            let mut case = douyin();
            case.payments[0].id = payment.clone();
            let mut m = Matcher::new(&case);
            let mut r = Record::new(Format::AlipayApp, 1, SourceKind::Alipay);
            r.trade_no = Some(trade.clone());
            r.merchant_order_no = Some(merchant);
            m.consider(r);
            let mut refund = Record::new(Format::AlipayApp, 2, SourceKind::Alipay);
            refund.trade_no = Some(format!("{trade}_{payment}"));
            m.consider(refund);
            for c in m.finish().0.iter().filter(|c| c.direct) {
                let n = c.record.trade_no.as_deref().unwrap_or("").to_ascii_uppercase();
                prop_assert!(n.starts_with(&payment.to_ascii_uppercase()), "{:?}", c.record);
            }
        }
    }
}
