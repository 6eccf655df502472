//! The evidence readers through the library's public API, on generated
//! bills in the exact export layouts (`daozhang_tests::bills`): each format
//! finds the case's payment among everyday rows; refunds, near matches,
//! wrong files, wrong encodings, cut files, other layouts, edited workbooks
//! and a 200 MB export are each answered as the user needs.

use std::io::{BufWriter, Write};
use std::sync::{RwLock, RwLockReadGuard};
use std::time::Instant;

use chrono::{DateTime, Duration};
use daozhang::domain::case::{Case, parse_case_toml};
use daozhang::domain::observation::{Claim, SourceKind, Via};
use daozhang::evidence::{EvidenceError, EvidenceScan, Format, Record, scan_file, scan_reader};
use daozhang::store::Store;
use daozhang_tests::bills::{self, Row};
use rust_decimal::{Decimal, dec};
use tempfile::NamedTempFile;

#[path = "evidence/zips.rs"]
mod zips;

#[path = "evidence/screenshots.rs"]
mod screenshots;

// ---------------------------------------------------------------- helpers

/// The memory test measures the whole process's peak: it runs alone, the
/// other tests share this lock.
static HEAVY: RwLock<()> = RwLock::new(());

fn shared() -> RwLockReadGuard<'static, ()> {
    HEAVY.read().unwrap_or_else(|e| e.into_inner())
}

fn douyin() -> Case {
    parse_case_toml(include_str!("../../examples/douyin-dou-plus-alipay.toml"))
        .expect("the Douyin example validates")
}

fn live() -> Case {
    parse_case_toml(include_str!("../../examples/live-stream-wechat.toml"))
        .expect("the live-stream example validates")
}

/// The live-stream top-up as WeChat Pay's bill lists it, built from the
/// example's own values (its WeChat Pay observation, amount and numbers).
fn live_row(case: &Case) -> Row {
    let paid = case
        .observations
        .iter()
        .find(|o| o.source == SourceKind::WechatPay)
        .expect("the example holds WeChat Pay's words");
    Row {
        time: paid
            .at
            .expect("with a time")
            .format("%Y-%m-%d %H:%M:%S")
            .to_string(),
        counterparty: case.platform.name.clone().expect("a platform name"),
        item: case.item.clone().expect("an item"),
        in_out: "支出".into(),
        amount: case.amount.amount.to_string(),
        method: "零钱".into(),
        status: paid.raw.clone(),
        trade_no: case.payments[0].id.clone(),
        merchant_no: case.order_id.clone(),
    }
}

/// `n` Alipay fillers with `extra` rows put after filler `at`.
fn alipay_rows(n: usize, at: usize, extra: &[Row]) -> Vec<Row> {
    let mut rows: Vec<Row> = (0..n).map(Row::filler).collect();
    rows.splice(at..at, extra.iter().cloned());
    rows
}

/// The same with WeChat fillers.
fn wechat_rows(n: usize, at: usize, extra: &[Row]) -> Vec<Row> {
    let mut rows: Vec<Row> = (0..n).map(Row::wechat_filler).collect();
    rows.splice(at..at, extra.iter().cloned());
    rows
}

fn temp(bytes: &[u8]) -> NamedTempFile {
    let mut f = NamedTempFile::new().expect("a temp file");
    f.write_all(bytes).expect("written");
    f.flush().expect("flushed");
    f
}

fn scan(bytes: &[u8], case: &Case) -> Result<EvidenceScan, EvidenceError> {
    let f = temp(bytes);
    scan_file(f.path(), case, &mut |_, _| true)
}

/// [`scan_file`], checking that the progress only grows and never passes
/// the total; the scan and the last progress reported.
fn scan_watching_progress(path: &std::path::Path, case: &Case) -> (EvidenceScan, u64) {
    let mut last = 0;
    let s = scan_file(path, case, &mut |done, total| {
        assert!(done >= last && done <= total, "progress only grows");
        last = done;
        true
    })
    .expect("the bill reads");
    (s, last)
}

fn at(rfc3339: &str) -> DateTime<chrono::FixedOffset> {
    DateTime::parse_from_rfc3339(rfc3339).expect("a valid time")
}

fn warnings(s: &EvidenceScan) -> Vec<&str> {
    s.summary.warnings.iter().map(|w| w.en.as_str()).collect()
}

/// What every bill must give for the case's own payment row.
struct Expect {
    format: Format,
    rows: u64,
    source: SourceKind,
    status: &'static str,
    amount: Decimal,
    time: &'static str,
    payment: &'static str,
    /// Where the row is: its line (CSV) or sheet row (Excel), from 1.
    location: u64,
}

fn check_direct(s: &EvidenceScan, e: &Expect) {
    assert_eq!(s.format, e.format, "the format is told from the content");
    assert_eq!(
        (s.summary.rows, s.summary.expected_rows),
        (e.rows, Some(e.rows)),
        "every row is read, as many as the export announces (共N笔记录)"
    );
    assert!(
        warnings(s).is_empty(),
        "a clean export gives no warning: {:?}",
        warnings(s)
    );
    assert_eq!(
        s.candidates.len(),
        1,
        "no filler has the case's amount or numbers, so only the payment is a candidate: {:?}",
        s.candidates.iter().map(|c| &c.record).collect::<Vec<_>>()
    );
    assert_eq!(s.more_matches, 0, "nothing else fitted");
    let c = &s.candidates[0];
    assert!(
        c.direct,
        "the row carries the case's payment number: taken without asking"
    );
    assert!(
        c.reasons[0].en.contains(e.payment) || c.reasons[0].en.contains("order number"),
        "the reason names the number: {:?}",
        c.reasons
    );
    assert_eq!(
        c.record.location, e.location,
        "the row is found where it is in the file"
    );
    assert_eq!(
        c.record.trade_no.as_deref(),
        Some(e.payment),
        "the tab after the ID is padding, not part of it"
    );
    let o = &c.observation;
    assert_eq!(o.source, e.source, "the payment app speaks in its bill");
    assert_eq!(o.via, Via::BillExport, "it reached us as a bill export");
    assert_eq!(o.raw, e.status, "the bill's own status words, unchanged");
    assert_eq!(
        o.claim,
        Claim::Paid,
        "{} means the payment succeeded",
        e.status
    );
    assert_eq!(
        o.amount,
        Some(e.amount),
        "the amount as a decimal, without ¥ or float rounding"
    );
    assert_eq!(
        o.at,
        Some(at(e.time)),
        "the bill's local time, read in Beijing time"
    );
    assert_eq!(o.payment_id.as_deref(), Some(e.payment));
    assert!(!c.already_in_case, "the case has no bill row yet");
    assert_eq!(
        s.accepted(&[]).expect("no picks to check"),
        vec![o.clone()],
        "a direct match is kept without a pick"
    );
}

// ---------------------------------------------------------------- the four bill formats

#[test]
fn an_alipay_app_export_gives_the_douyin_payment() {
    let _g = shared();
    let rows = alipay_rows(300, 120, &[Row::douyin()]);
    let s = scan(&bills::alipay_app(&rows), &douyin()).expect("the export reads");
    check_direct(
        &s,
        &Expect {
            format: Format::AlipayApp,
            rows: 301,
            source: SourceKind::Alipay,
            status: "交易成功",
            amount: dec!(200.00),
            time: "2026-11-21T15:15:12+08:00",
            payment: bills::DOUYIN_PAYMENT,
            // Lines 1–24 preamble, 25 the header, 26 the first row.
            location: 26 + 120,
        },
    );
    assert_eq!(
        s.candidates[0].record.card_tail.as_deref(),
        Some("7449"),
        "交通银行信用卡(7449): the card's last four digits"
    );
    assert_eq!(
        s.bytes,
        bills::alipay_app(&rows).len() as u64,
        "the whole file was read"
    );
}

#[test]
fn an_alipay_web_export_gives_the_douyin_payment() {
    let _g = shared();
    let rows = alipay_rows(200, 50, &[Row::douyin()]);
    let s = scan(&bills::alipay_web(&rows), &douyin()).expect("the export reads");
    check_direct(
        &s,
        &Expect {
            format: Format::AlipayWeb,
            rows: 201,
            source: SourceKind::Alipay,
            status: "交易成功",
            amount: dec!(200.00),
            // 付款时间, not 交易创建时间 (32 s before).
            time: "2026-11-21T15:15:12+08:00",
            payment: bills::DOUYIN_PAYMENT,
            // Four lines of metadata, the header on line 5.
            location: 6 + 50,
        },
    );
}

#[test]
fn a_wechat_csv_bill_gives_the_live_stream_payment() {
    let _g = shared();
    let case = live();
    let rows = wechat_rows(300, 7, &[live_row(&case)]);
    let s = scan(&bills::wechat_csv(&rows), &case).expect("the bill reads");
    check_direct(
        &s,
        &Expect {
            format: Format::WechatCsv,
            rows: 301,
            source: SourceKind::WechatPay,
            status: "支付成功",
            amount: dec!(68.00),
            time: "2026-11-21T20:05:30+08:00",
            payment: bills::LIVE_PAYMENT,
            // Lines 1–16 preamble, 17 the header.
            location: 18 + 7,
        },
    );
}

#[test]
fn a_wechat_excel_bill_gives_the_live_stream_payment() {
    let _g = shared();
    let case = live();
    let rows = wechat_rows(300, 299, &[live_row(&case)]);
    let s = scan(&bills::wechat_xlsx(&rows), &case).expect("the workbook reads");
    check_direct(
        &s,
        &Expect {
            format: Format::WechatXlsx,
            rows: 301,
            source: SourceKind::WechatPay,
            status: "支付成功",
            // Stored as the number 68: the same decimal.
            amount: dec!(68.00),
            time: "2026-11-21T20:05:30+08:00",
            payment: bills::LIVE_PAYMENT,
            // Sheet rows 1–16 preamble, 17 the header.
            location: 18 + 299,
        },
    );
}

/// The 2026 layout: a longer preamble, the header further down; the
/// reader finds it by its names.
#[test]
fn a_wechat_excel_bill_of_the_2026_layout_gives_the_live_stream_payment() {
    let _g = shared();
    let case = live();
    let rows = wechat_rows(40, 12, &[live_row(&case)]);
    let s = scan(&bills::wechat_xlsx_2026(&rows), &case).expect("the workbook reads");
    check_direct(
        &s,
        &Expect {
            format: Format::WechatXlsx,
            rows: 41,
            source: SourceKind::WechatPay,
            status: "支付成功",
            amount: dec!(68.00),
            time: "2026-11-21T20:05:30+08:00",
            payment: bills::LIVE_PAYMENT,
            // Sheet rows 1–21 preamble, 22 the header.
            location: 18 + bills::WECHAT_2026_NOTES.len() as u64 + 12,
        },
    );
}

#[test]
fn excel_amounts_are_read_exactly() {
    let _g = shared();
    // Numbers whose binary float is not the decimal: the reader must give
    // back the decimal the bill shows.
    let case = live();
    let mut rows = Vec::new();
    for (k, amount) in ["0.10", "0.30", "28.16", "1234.57", "99999.99"]
        .into_iter()
        .enumerate()
    {
        let mut r = Row::wechat_filler(k);
        r.amount = amount.into();
        rows.push(r);
    }
    let mut paid = live_row(&case);
    paid.amount = "68.00".into();
    rows.push(paid);
    let f = temp(&bills::wechat_xlsx(&rows));
    let s = scan_file(f.path(), &case, &mut |_, _| true).expect("reads");
    assert_eq!(s.summary.rows, 6);
    assert_eq!(s.candidates[0].record.amount, Some(dec!(68)));
    // The fillers are not candidates; read them through a case made to
    // match each amount: the matcher compares decimals exactly.
    for (amount, want) in [
        ("0.10", dec!(0.10)),
        ("0.30", dec!(0.30)),
        ("28.16", dec!(28.16)),
        ("1234.57", dec!(1234.57)),
        ("99999.99", dec!(99999.99)),
    ] {
        let mut c = case.clone();
        c.amount.amount = want;
        c.payments.clear();
        c.order_id = "no-such-order".into();
        c.submitted_at = at(&format!(
            "{}+08:00",
            rows.iter()
                .find(|r| r.amount == amount)
                .unwrap()
                .time
                .replace(' ', "T")
        ));
        let s = scan_file(f.path(), &c, &mut |_, _| true).expect("reads");
        let hit = s
            .candidates
            .iter()
            .find(|x| x.record.amount == Some(want))
            .unwrap_or_else(|| panic!("the row of {amount} is found by its exact amount"));
        assert_eq!(hit.observation.amount, Some(want));
        assert_eq!(
            hit.record.amount.unwrap().to_string().trim_end_matches('0'),
            amount.trim_end_matches('0'),
            "no float residue such as 0.30000000000000004"
        );
    }
}

// ---------------------------------------------------------------- refunds and near matches

#[test]
fn an_alipay_refund_row_is_a_direct_refund() {
    let _g = shared();
    let rows = alipay_rows(100, 40, &[Row::douyin_refund(), Row::douyin()]);
    let s = scan(&bills::alipay_app(&rows), &douyin()).expect("reads");
    assert_eq!(
        s.candidates.len(),
        2,
        "the payment and its refund, nothing else"
    );
    assert!(s.candidates.iter().all(|c| c.direct));
    // Direct matches are ordered by time: the payment, then the refund.
    let (paid, refund) = (&s.candidates[0], &s.candidates[1]);
    assert_eq!(paid.observation.claim, Claim::Paid);
    assert_eq!(
        refund.observation.claim,
        Claim::Refunded,
        "退款成功 is money back"
    );
    assert_eq!(refund.observation.raw, "退款成功");
    assert_eq!(refund.observation.amount, Some(dec!(200.00)));
    assert_eq!(refund.observation.at, Some(at("2026-11-22T10:03:41+08:00")));
    assert!(
        refund.reasons[0].en.contains("refund")
            || refund.reasons[0].en.contains(bills::DOUYIN_ORDER),
        "taken as the refund of the payment (its number with a suffix) or by the order number: {:?}",
        refund.reasons
    );
    assert_eq!(
        s.accepted(&[]).unwrap().len(),
        2,
        "both are kept without a pick"
    );
}

/// The refund of `paid` as WeChat lists it: its own number (503…), the
/// merchant's order number, 收入 and 已全额退款.
fn wechat_refund(paid: &Row) -> Row {
    Row {
        time: "2026-11-22 09:12:05".into(),
        in_out: "收入".into(),
        status: "已全额退款".into(),
        trade_no: "50300002345202611220045678901".into(),
        ..paid.clone()
    }
}

#[test]
fn a_wechat_refund_row_is_a_direct_refund() {
    let _g = shared();
    let case = live();
    let paid = live_row(&case);
    let refund = wechat_refund(&paid);
    let rows = wechat_rows(50, 10, &[refund, paid]);
    let s = scan(&bills::wechat_csv(&rows), &case).expect("reads");
    assert_eq!(s.candidates.len(), 2);
    let r = &s.candidates[1];
    assert!(
        r.direct,
        "it carries the case's order number (商户单号): {:?}",
        r.reasons
    );
    assert_eq!(r.observation.claim, Claim::Refunded, "已全额退款, 收入");
    assert_eq!(r.observation.amount, Some(dec!(68.00)));
}

/// A bill large enough to be read on two cores (its second half on
/// another thread) gives exactly what reading it in one go gives: the
/// same candidates with the same lines, counts and warnings.
#[test]
fn a_large_bill_read_on_two_cores_is_the_bill_read_in_one_go() {
    let _g = shared();
    let case = live();
    let paid = live_row(&case);
    let refund = wechat_refund(&paid);
    let unreadable = |i: usize| Row {
        amount: "两元".into(),
        time: "昨天".into(),
        ..Row::wechat_filler(i)
    };
    let n = 40_000;
    let mut rows = wechat_rows(n, n / 4, &[paid.clone(), unreadable(1)]);
    rows.splice(3 * n / 4..3 * n / 4, [refund, unreadable(2), paid]);
    let bill = bills::wechat_csv(&rows);
    assert!(
        bill.len() > 5 << 20,
        "large enough to be cut: {} bytes",
        bill.len()
    );
    let f = temp(&bill);
    let (halves, last) = scan_watching_progress(f.path(), &case);
    assert_eq!(last, bill.len() as u64, "progress reaches the end");
    let whole = scan_reader(
        std::io::Cursor::new(&bill),
        bill.len() as u64,
        &case,
        &mut |_, _| true,
    )
    .expect("reads");
    assert_eq!(halves, whole);
    assert_eq!(halves.candidates.len(), 3, "{:?}", halves.candidates);
    assert_eq!(
        halves.candidates.iter().map(|c| c.record.location).max(),
        // The header is line 17; the paid row is the third put in at 3n/4.
        Some(18 + 3 * n as u64 / 4 + 2),
        "the second half's lines are the file's"
    );
    assert_eq!(warnings(&halves).len(), 2, "{:?}", warnings(&halves));
    // Cancelled halfway, it stops.
    let r = scan_file(f.path(), &case, &mut |done, total| done < total / 2);
    assert!(matches!(r, Err(EvidenceError::Cancelled)), "{r:?}");
}

#[test]
fn the_same_amount_at_a_nearby_time_is_ranked_for_the_user() {
    let _g = shared();
    // A 200.00 payment to the same company two minutes after the order,
    // under numbers the case does not know (a second attempt, say).
    let near = Row {
        time: "2026-11-21 15:16:03".into(),
        trade_no: "2026112122001499990000000001".into(),
        merchant_no: "7439209999999999999".into(),
        ..Row::douyin()
    };
    let rows = alipay_rows(300, 150, std::slice::from_ref(&near));
    let s = scan(&bills::alipay_app(&rows), &douyin()).expect("reads");
    assert_eq!(s.candidates.len(), 1, "only that row has the amount");
    let c = &s.candidates[0];
    assert!(!c.direct, "no number of the case: the user must confirm");
    let why: Vec<&str> = c.reasons.iter().map(|r| r.en.as_str()).collect();
    assert!(
        why.iter().any(|r| r.contains("amount")),
        "the amount is said: {why:?}"
    );
    assert!(
        why.iter().any(|r| r.contains("after the order")),
        "the time is said: {why:?}"
    );
    assert!(
        why.iter().any(|r| r.contains("微播视界")),
        "the payee is Douyin's company: {why:?}"
    );
    assert!(c.score > 0);
    assert!(
        s.accepted(&[]).unwrap().is_empty(),
        "nothing is kept without a pick"
    );
    let picked = s.accepted(&[0]).unwrap();
    assert_eq!(picked.len(), 1, "picked, it is kept");
    assert_eq!(picked[0].amount, Some(dec!(200.00)));
}

// ---------------------------------------------------------------- wrong inputs

#[test]
fn files_that_are_no_bill_are_named() {
    let _g = shared();
    // A picture is read as a screenshot (see evidence/screenshots.rs); a GIF
    // is refused with its name.
    let gif = b"GIF89a\x38\x04\x60\x09\xf7\0\0".to_vec();
    // Random bytes from a fixed seed (xorshift), as a corrupt download.
    let mut x = 0x2545_f491_4f6c_dd1d_u64;
    let random: Vec<u8> = (0..8192)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect();
    for (name, bytes, word) in [("gif", gif, "GIF"), ("random", random, "binary")] {
        match scan(&bytes, &douyin()) {
            Err(e @ EvidenceError::Unrecognised { .. }) => {
                let t = e.text();
                assert!(
                    t.en.contains(word),
                    "{name}: the message says what it is: {}",
                    t.en
                );
                assert!(
                    t.en.contains("Alipay bill") && !t.zh_cn.is_empty(),
                    "{name}: and what Daozhang reads, in both languages: {t:?}"
                );
            }
            other => panic!("{name}: expected Unrecognised, got {other:?}"),
        }
    }
}

#[test]
fn an_export_in_another_encoding_is_refused_without_panic() {
    let _g = shared();
    let rows = alipay_rows(40, 20, &[Row::douyin()]);
    let text = encoding_rs::GBK
        .decode(&bills::alipay_app(&rows))
        .0
        .into_owned();
    // Re-saved as "Unicode" by Notepad: UTF-16LE with a BOM; also BE and
    // without a BOM.
    let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let mut le_bom = vec![0xff, 0xfe];
    le_bom.extend_from_slice(&le);
    let mut be_bom = vec![0xfe, 0xff];
    be_bom.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
    // Bytes valid in neither UTF-8 nor GBK inside the preamble.
    let mut garbage = bills::alipay_app(&rows);
    garbage.splice(200..200, [0xff, 0x80, 0xff, 0x20, 0x81, 0x7f]);
    for (name, bytes) in [
        ("utf-16le with BOM", le_bom),
        ("utf-16be with BOM", be_bom),
        ("utf-16le", le),
        ("neither utf-8 nor gbk", garbage),
    ] {
        let r = scan(&bytes, &douyin());
        assert!(
            matches!(
                r,
                Err(EvidenceError::Encoding) | Err(EvidenceError::Unrecognised { .. })
            ),
            "{name}: refused as another encoding, got {r:?}"
        );
        let e = r.unwrap_err();
        assert!(!e.text().en.is_empty(), "{name}: with a message");
    }
}

#[test]
fn an_export_resaved_as_utf8_still_reads() {
    let _g = shared();
    // Opened and saved by an editor: UTF-8 with a BOM, the same text.
    let rows = alipay_rows(40, 20, &[Row::douyin()]);
    let text = encoding_rs::GBK
        .decode(&bills::alipay_app(&rows))
        .0
        .into_owned();
    let mut bytes = "\u{feff}".as_bytes().to_vec();
    bytes.extend_from_slice(text.as_bytes());
    let s = scan(&bytes, &douyin()).expect("UTF-8 is read as well as GBK");
    assert_eq!(s.format, Format::AlipayApp);
    assert_eq!(s.summary.rows, 41);
    assert!(s.candidates[0].direct);
}

#[test]
fn bad_bytes_deep_in_a_gbk_export_do_not_panic() {
    let _g = shared();
    // Past the first 64 KiB the encoding is already chosen: a damaged row
    // there must still give a scan or an error, never a panic.
    let rows = alipay_rows(2000, 1500, &[Row::douyin()]);
    let mut bytes = bills::alipay_app(&rows);
    let pos = bytes.len() - 3000;
    bytes.splice(pos..pos, [0xff, 0x80, 0xff, 0x20, 0x81, 0x7f]);
    match scan(&bytes, &douyin()) {
        Ok(s) => {
            assert!(
                s.candidates.iter().any(|c| c.direct),
                "the payment is still found"
            );
            assert!(s.summary.rows >= 2000, "the other rows are read");
        }
        Err(e) => assert!(matches!(e, EvidenceError::Encoding), "{e:?}"),
    }
}

// ---------------------------------------------------------------- cut files

/// `bytes` cut in the middle of the row that starts `from_end` rows before
/// the end.
fn cut_in_last_row(bytes: &[u8]) -> Vec<u8> {
    let body = &bytes[..bytes.len() - 1];
    let start = body
        .iter()
        .rposition(|&b| b == b'\n')
        .expect("a line break")
        + 1;
    // A third of the row: inside the first columns, before 交易订单号.
    bytes[..start + (bytes.len() - start) / 3].to_vec()
}

#[test]
fn a_cut_alipay_export_keeps_the_rows_before_the_cut() {
    let _g = shared();
    let mut rows = alipay_rows(100, 30, &[Row::douyin()]);
    rows.push(Row::filler(100));
    let bytes = cut_in_last_row(&bills::alipay_app(&rows));
    let s = scan(&bytes, &douyin()).expect("the rows before the cut are read");
    assert_eq!(
        s.summary.rows, 101,
        "every whole row is read, the cut one is not"
    );
    assert_eq!(s.summary.expected_rows, Some(102));
    assert!(
        s.candidates[0].direct,
        "the payment before the cut is found"
    );
    let w = warnings(&s);
    assert!(
        w.iter().any(|w| w.contains("cut short")),
        "the cut line is named: {w:?}"
    );
    assert!(
        w.iter().any(|w| w.contains("says it holds 102")),
        "and the count the export announced: {w:?}"
    );
}

#[test]
fn a_cut_wechat_csv_keeps_the_rows_before_the_cut() {
    let _g = shared();
    let case = live();
    let mut rows = wechat_rows(100, 30, &[live_row(&case)]);
    rows.push(Row::wechat_filler(100));
    let bytes = cut_in_last_row(&bills::wechat_csv(&rows));
    let s = scan(&bytes, &case).expect("the rows before the cut are read");
    assert_eq!(s.summary.rows, 101);
    assert!(s.candidates[0].direct);
    let w = warnings(&s);
    assert!(w.iter().any(|w| w.contains("cut short")), "{w:?}");
    assert!(w.iter().any(|w| w.contains("says it holds 102")), "{w:?}");
}

#[test]
fn a_cut_workbook_is_a_workbook_error() {
    let _g = shared();
    let case = live();
    let bytes = bills::wechat_xlsx(&wechat_rows(500, 250, &[live_row(&case)]));
    let half = &bytes[..bytes.len() / 2];
    match scan(half, &case) {
        Err(e @ EvidenceError::Workbook { .. }) => {
            let t = e.text().en;
            assert!(
                t.contains("damaged or incomplete"),
                "the user is told to download it again: {t}"
            );
        }
        other => panic!("half a zip cannot be opened: {other:?}"),
    }
}

// ---------------------------------------------------------------- other layouts

/// Decodes `bytes` (GBK), rewrites line `header` and encodes it back.
fn alipay_with_header(rows: &[Row], header: &str) -> Vec<u8> {
    let text = encoding_rs::GBK
        .decode(&bills::alipay_app(rows))
        .0
        .into_owned();
    let mut lines: Vec<&str> = text.split('\n').collect();
    lines[24] = header;
    encoding_rs::GBK.encode(&lines.join("\n")).0.into_owned()
}

#[test]
fn a_header_with_renamed_or_missing_columns_names_them() {
    let _g = shared();
    let rows = alipay_rows(20, 5, &[Row::douyin()]);
    // 金额 renamed, 交易状态 dropped (and its cells with it).
    let header = "交易时间,交易分类,交易对方,对方账号,商品说明,收/支,金额（元）,收/付款方式,交易订单号,商家订单号,备注,";
    match scan(&alipay_with_header(&rows, header), &douyin()) {
        Err(e @ EvidenceError::MissingColumns { .. }) => {
            let EvidenceError::MissingColumns { format, missing } = &e else {
                unreachable!()
            };
            assert_eq!(*format, Format::AlipayApp, "still known as Alipay's export");
            let mut m = missing.clone();
            m.sort();
            assert_eq!(
                m,
                vec!["交易状态".to_owned(), "金额".to_owned()],
                "exactly the columns it needs and lacks"
            );
            let t = e.text();
            assert!(
                t.en.contains("交易状态") && t.en.contains("金额"),
                "{}",
                t.en
            );
        }
        other => panic!("expected MissingColumns, got {other:?}"),
    }

    // WeChat: 金额(元) written 金额 and 当前状态 called 交易状态.
    let case = live();
    let text = String::from_utf8(bills::wechat_csv(&wechat_rows(20, 5, &[live_row(&case)])))
        .unwrap()
        .replace(",金额(元),", ",金额,")
        .replace(",当前状态,", ",交易状态,");
    match scan(text.as_bytes(), &case) {
        Err(EvidenceError::MissingColumns { format, missing }) => {
            assert_eq!(format, Format::WechatCsv);
            let mut m = missing.clone();
            m.sort();
            assert_eq!(m, vec!["当前状态".to_owned(), "金额(元)".to_owned()]);
        }
        other => panic!("expected MissingColumns, got {other:?}"),
    }

    // And in a workbook.
    let xlsx = bills::wechat_xlsx_with(&wechat_rows(20, 5, &[live_row(&case)]), |sheet| {
        sheet.write_string(
            bills::WECHAT_XLSX_HEADER_ROW,
            bills::WECHAT_AMOUNT_COL,
            "金额",
        )?;
        Ok(())
    });
    match scan(&xlsx, &case) {
        Err(EvidenceError::MissingColumns { format, missing }) => {
            assert_eq!(format, Format::WechatXlsx);
            assert_eq!(missing, vec!["金额(元)".to_owned()]);
        }
        other => panic!("expected MissingColumns, got {other:?}"),
    }
}

#[test]
fn a_formula_in_an_amount_cell_is_refused_naming_the_cell() {
    let _g = shared();
    let case = live();
    let rows = wechat_rows(30, 12, &[live_row(&case)]);
    // The live-stream row is data row 12: sheet row 17 + 1 + 12 = 30 (1-based).
    let row = bills::WECHAT_XLSX_HEADER_ROW + 1 + 12;
    let xlsx = bills::wechat_xlsx_with(&rows, |sheet| {
        sheet.write_formula(row, bills::WECHAT_AMOUNT_COL, "=60+8")?;
        Ok(())
    });
    match scan(&xlsx, &case) {
        Err(e @ EvidenceError::Formula { .. }) => {
            let EvidenceError::Formula { cell, formula } = &e else {
                unreachable!()
            };
            assert_eq!(cell, "F30", "column F (金额(元)), sheet row 30");
            assert_eq!(formula, "=60+8", "the formula as written");
            assert!(
                e.text().en.contains("edited after export"),
                "{}",
                e.text().en
            );
        }
        other => panic!("an edited workbook is refused: {other:?}"),
    }
}

// ---------------------------------------------------------------- a 200 MB export

/// A field of /proc/self/status, in KiB.
fn status_kib(field: &str) -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").expect("Linux /proc");
    s.lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("{field} in /proc/self/status"))
}

#[test]
fn a_200_mb_alipay_export_is_read_in_bounded_memory() {
    // Alone: the peak is the process's, other tests must not add to it.
    let _g = HEAVY.write().unwrap_or_else(|e| e.into_inner());
    const TARGET: u64 = 200 << 20;
    let case = douyin();

    // How many rows make 200 MB: the mean size of a row, from a sample.
    let sample: Vec<Row> = (0..2000).map(Row::filler).collect();
    let mut probe = Vec::new();
    bills::write_alipay_app(&mut probe, sample.into_iter(), 2000).unwrap();
    let head = bills::alipay_app(&[]).len();
    let per_row = (probe.len() - head) as u64 / 2000;
    let n = ((TARGET - head as u64) / per_row) as usize;
    let middle = n / 2;

    let started = Instant::now();
    let mut file = NamedTempFile::new().unwrap();
    {
        let rows = (0..n).flat_map(|i| {
            let f = Row::filler(i);
            if i == middle {
                vec![f, Row::douyin()]
            } else {
                vec![f]
            }
        });
        let mut w = BufWriter::with_capacity(1 << 20, file.as_file_mut());
        bills::write_alipay_app(&mut w, rows, n + 1).unwrap();
    }
    let size = file.as_file().metadata().unwrap().len();
    let written = started.elapsed();
    assert!(size > 190 << 20, "about 200 MB was written: {size} bytes");

    // The peak from here on: reset it to the current resident size where
    // the kernel allows (Linux ≥ 4.0), else compare with the peak so far.
    let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let base = if reset {
        status_kib("VmRSS:")
    } else {
        status_kib("VmHWM:")
    };
    let t = Instant::now();
    let (s, last) = scan_watching_progress(file.path(), &case);
    let read = t.elapsed();
    let peak = status_kib("VmHWM:");
    let growth_mib = peak.saturating_sub(base) / 1024;
    eprintln!(
        "200 MB test: {n} rows, {size} bytes; written in {written:.1?}, read and matched in {read:.1?} \
         ({:.1} MB/s); peak RSS grew {growth_mib} MiB (reset: {reset})",
        size as f64 / 1e6 / read.as_secs_f64()
    );
    assert_eq!(last, size, "progress reached the end of the file");
    assert_eq!(s.summary.rows, n as u64 + 1, "every row was read");
    assert_eq!(s.summary.expected_rows, Some(n as u64 + 1));
    assert!(s.summary.warnings.is_empty(), "{:?}", s.summary.warnings);
    assert_eq!(
        s.candidates.len(),
        1,
        "the one payment among a million rows"
    );
    assert!(s.candidates[0].direct);
    assert_eq!(s.candidates[0].record.location, 26 + middle as u64 + 1);
    assert!(
        growth_mib < 64,
        "rows are streamed, not held: the peak grew {growth_mib} MiB reading {} MiB",
        size >> 20
    );
}

// ---------------------------------------------------------------- hostile files

/// Runs `f` alone and says by how many MiB it raised the process's peak
/// resident memory.
fn peak_growth_mib<T>(f: impl FnOnce() -> T) -> (T, u64) {
    let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let base = if reset {
        status_kib("VmRSS:")
    } else {
        status_kib("VmHWM:")
    };
    let out = f();
    (out, status_kib("VmHWM:").saturating_sub(base) / 1024)
}

const TWO_GB: u64 = 2 << 30;

#[test]
fn a_2_gb_csv_bill_that_is_one_line_is_refused_in_bounded_memory() {
    let _g = HEAVY.write().unwrap_or_else(|e| e.into_inner());
    // The real preamble and header, then one line of 2 GB, made as read.
    let input = bills::Synthetic::new(bills::wechat_csv(&[]), b"x", TWO_GB);
    let size = input.len();
    let mut read = 0;
    let (r, growth) = peak_growth_mib(|| {
        scan_reader(input, size, &live(), &mut |done, _| {
            read = done;
            true
        })
    });
    match r {
        Err(e @ EvidenceError::RecordTooLong { line: 18, .. }) => {
            assert!(e.text().en.contains("Line 18"), "{}", e.text().en);
            assert!(e.text().zh_cn.contains("第 18 行"), "{}", e.text().zh_cn);
        }
        other => panic!("a 2 GB line is refused: {other:?}"),
    }
    assert!(read < 64 << 20, "refused early, after {read} bytes");
    assert!(
        growth < 64,
        "the line was not held: the peak grew {growth} MiB"
    );
}

#[test]
fn millions_of_short_lines_are_counted_not_listed() {
    let _g = HEAVY.write().unwrap_or_else(|e| e.into_inner());
    // After the header, one real row, then 16 million lines of one cell.
    let mut head = bills::wechat_csv(&[live_row(&live())]);
    let lines: u64 = 16_000_000;
    let len = head.len() as u64 + 2 * lines;
    head.shrink_to_fit();
    let input = bills::Synthetic::new(head, b"1\n", len);
    let (r, growth) = peak_growth_mib(|| scan_reader(input, len, &live(), &mut |_, _| true));
    let s = r.expect("the real row is read");
    assert_eq!(s.summary.rows, 1);
    assert!(
        warnings(&s)
            .iter()
            .any(|w| w.starts_with(&format!("{lines} lines have too few columns"))),
        "{:?}",
        warnings(&s)
    );
    assert!(
        growth < 32,
        "short lines are counted, not kept one by one: the peak grew {growth} MiB"
    );
}

#[test]
fn an_excel_bill_whose_shared_strings_unpack_to_2_gb_is_refused_unread() {
    let bomb = bills::wechat_xlsx_bomb(TWO_GB as u32);
    assert!(bomb.len() < 16 << 20, "a bomb of a few MB: {}", bomb.len());
    let _g = HEAVY.write().unwrap_or_else(|e| e.into_inner());
    let size = bomb.len() as u64;
    let (r, growth) = peak_growth_mib(|| {
        scan_reader(std::io::Cursor::new(&bomb), size, &live(), &mut |_, _| true)
    });
    match r {
        Err(e @ EvidenceError::WorkbookTooLarge { .. }) => {
            assert!(
                e.text().en.contains(bills::SHARED_STRINGS),
                "{}",
                e.text().en
            );
            assert!(e.text().zh_cn.contains("解压后超过"), "{}", e.text().zh_cn);
        }
        other => panic!("the zip bomb is refused: {other:?}"),
    }
    assert!(
        growth < 64,
        "nothing was inflated into memory: {growth} MiB"
    );
}

#[test]
fn excel_progress_on_a_huge_stated_size_neither_overflows_nor_passes_it() {
    let _g = shared();
    let case = live();
    let rows = wechat_rows(1100, 5, &[live_row(&case)]);
    let book = bills::wechat_xlsx(&rows);
    let size = u64::MAX / 4;
    let mut last = 0;
    let s = scan_reader(
        std::io::Cursor::new(book),
        size,
        &case,
        &mut |done, total| {
            assert!(done <= total, "progress {done} of {total}");
            last = done;
            true
        },
    )
    .expect("the bill reads");
    assert_eq!(s.summary.rows, 1101);
    assert_eq!(last, size);
}

// ---------------------------------------------------------------- any workbook

mod any_workbook {
    use proptest::prelude::*;

    use super::*;

    fn cell() -> impl Strategy<Value = String> {
        prop_oneof!["\\PC{0,16}", "[0-9.¥,\\-/ :]{0,12}", Just(String::new())]
    }

    fn row() -> impl Strategy<Value = Row> {
        (
            [cell(), cell(), cell(), cell(), cell()],
            [cell(), cell(), cell(), cell()],
        )
            .prop_map(
                |(
                    [time, counterparty, item, in_out, method],
                    [status, trade_no, merchant_no, amount],
                )| {
                    let amount = if amount.parse::<f64>().is_ok_and(|a| a.is_finite()) {
                        amount
                    } else {
                        "0.01".into()
                    };
                    Row {
                        time,
                        counterparty,
                        item,
                        in_out,
                        amount,
                        method,
                        status,
                        trade_no,
                        merchant_no,
                    }
                },
            )
    }

    /// The first sheet of `book` as CSV text, read by calamine (a general
    /// workbook reader): each cell as the CSV export carries it — numbers
    /// as Excel shows them, dates as `2026-11-21 20:30:19`.
    fn csv_by_calamine(book: &[u8]) -> String {
        use calamine::{Data, Reader, Xlsx};
        let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(book)).expect("calamine opens it");
        let range = wb
            .worksheet_range_at(0)
            .expect("a sheet")
            .expect("it reads");
        assert_eq!(
            range.start().map(|s| s.1),
            Some(0),
            "the sheet starts in column A"
        );
        let mut out = String::new();
        for _ in 0..range.start().map_or(0, |s| s.0) {
            out.push('\n');
        }
        for row in range.rows() {
            let cells: Vec<String> = row
                .iter()
                .map(|c| {
                    let text = match c {
                        Data::String(s) => s.clone(),
                        Data::Float(f) => Decimal::from_f64_retain(*f)
                            .map(|d| d.round_dp(8).normalize().to_string())
                            .unwrap_or_default(),
                        Data::Int(i) => i.to_string(),
                        Data::Bool(b) => b.to_string(),
                        Data::DateTime(d) => d
                            .as_datetime()
                            .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
                            .unwrap_or_default(),
                        Data::DateTimeIso(s) | Data::DurationIso(s) => s.replace('T', " "),
                        Data::Error(_) | Data::Empty => String::new(),
                    };
                    format!("\"{}\"", text.replace('"', "\"\""))
                })
                .collect();
            out.push_str(&cells.join(","));
            out.push('\n');
        }
        out
    }

    /// Every record of `book` read as Excel, and of its CSV as calamine
    /// sees it, with where each came from (a line or a row) set aside.
    fn both_ways(book: &[u8]) -> (Vec<Record>, Vec<Record>) {
        use daozhang::evidence::wechat;
        let zone = live().zone();
        let plain = |mut r: Record| {
            r.location = 0;
            r.format = Format::WechatCsv;
            r
        };
        let mut excel = Vec::new();
        let mut sink = |r: Record| {
            excel.push(plain(r));
            Ok(())
        };
        let read = wechat::parse_xlsx(
            std::io::Cursor::new(book),
            book.len() as u64,
            zone,
            &mut sink,
            &mut |_, _| true,
        );
        let mut csv = Vec::new();
        let mut sink = |r: Record| {
            csv.push(plain(r));
            Ok(())
        };
        let text = csv_by_calamine(book);
        let via_csv = wechat::parse_csv(text.as_bytes(), zone, &mut sink);
        match (&read, &via_csv) {
            (Ok(a), Ok(b)) => assert_eq!(a.rows, b.rows, "{text}"),
            (Err(_), Err(_)) => {}
            _ => panic!("one way reads, the other does not: {read:?} / {via_csv:?}\n{text}"),
        }
        (excel, csv)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        /// A WeChat Excel bill of rows of arbitrary Unicode: records or a
        /// typed error, never a panic.
        #[test]
        fn arbitrary_cells_in_an_excel_bill(rows in proptest::collection::vec(row(), 0..6)) {
            let _g = shared();
            let book = bills::wechat_xlsx(&rows);
            let _ = scan(&book, &live());
        }

        /// The Excel bill reads as the same bill exported as CSV, whether
        /// its texts are shared or inline, its times text or dates with a
        /// date format, a counterparty in rich text.
        #[test]
        fn an_excel_bill_reads_as_its_csv(
            rows in proptest::collection::vec(row(), 0..6),
            inline in any::<bool>(),
            dates in any::<bool>(),
        ) {
            let _g = shared();
            let mut rows = rows;
            rows.push(live_row(&live()));
            let head = bills::WECHAT_XLSX_HEADER_ROW;
            let typed: Vec<(u32, chrono::NaiveDateTime)> = rows
                .iter()
                .enumerate()
                .filter_map(|(k, r)| {
                    chrono::NaiveDateTime::parse_from_str(&r.time, "%Y-%m-%d %H:%M:%S")
                        .ok()
                        .map(|t| (head + 1 + k as u32, t))
                })
                .collect();
            let book = bills::wechat_xlsx_written(&rows, inline, |sheet| {
                if inline {
                    return Ok(());
                }
                let when = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd hh:mm:ss");
                for (row, t) in &typed {
                    if dates {
                        let d = rust_xlsxwriter::ExcelDateTime::parse_from_str(
                            &t.format("%Y-%m-%dT%H:%M:%S").to_string(),
                        )?;
                        sheet.write_datetime_with_format(*row, 0, &d, &when)?;
                    }
                    let bold = rust_xlsxwriter::Format::new().set_bold();
                    sheet.write_rich_string(
                        *row,
                        2,
                        &[(&bold, "商户"), (&rust_xlsxwriter::Format::default(), " & <店>")],
                    )?;
                }
                Ok(())
            });
            let (excel, csv) = both_ways(&book);
            prop_assert_eq!(excel, csv);
        }

        /// A real workbook with arbitrary bytes changed, or cut anywhere:
        /// a typed error or a scan, never a panic; progress stays within
        /// the size.
        #[test]
        fn a_damaged_excel_bill_is_an_error_not_a_panic(
            edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
            cut in any::<prop::sample::Index>(),
            cut_it in any::<bool>(),
        ) {
            let _g = shared();
            let case = live();
            let mut book = bills::wechat_xlsx(&wechat_rows(20, 3, &[live_row(&case)]));
            for (at, b) in edits {
                let i = at.index(book.len());
                book[i] = b;
            }
            if cut_it {
                book.truncate(cut.index(book.len()));
            }
            let size = book.len() as u64;
            let _ = scan_reader(std::io::Cursor::new(book), size, &case, &mut |done, total| {
                assert!(done <= total, "progress {done} of {total}");
                true
            });
        }
    }
}

// ---------------------------------------------------------------- the case file

#[test]
fn a_failed_import_leaves_the_case_untouched() {
    let _g = shared();
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("cases.sqlite")).expect("a new case file");
    let case = douyin();
    let now = case.submitted_at + Duration::hours(1);
    let id = store.create_case(&case, now).expect("stored");
    let before = store.get(&id).expect("read back");
    assert_eq!(before.case, case);

    // As `daozhang evidence import` and the app do: scan, then add what
    // was accepted — the scan fails, so nothing is added.
    let import = |store: &mut Store, bytes: &[u8], stop_at: u64| -> Result<usize, EvidenceError> {
        let stored = store.get(&id).unwrap();
        let f = temp(bytes);
        let s = scan_file(f.path(), &stored.case, &mut |done, _| done < stop_at)?;
        let obs = s.accepted(&[]).expect("no picks");
        Ok(store.add_observations(&id, &obs, now).unwrap())
    };

    let rows = alipay_rows(10, 2, &[Row::douyin()]);
    // Cancelled by the user after the payment row (line 29) was read:
    // progress is told every MiB, the bill is larger.
    let long = bills::alipay_app(&alipay_rows(20_000, 2, &[Row::douyin()]));
    assert!(long.len() > 2 << 20);
    let cut_zip = bills::wechat_xlsx(&wechat_rows(50, 2, &[live_row(&live())]));
    let mut gbk_garbage = bills::alipay_app(&rows);
    gbk_garbage.splice(300..300, [0xff, 0x80, 0xff, 0x20]);
    let renamed = alipay_with_header(
        &rows,
        "交易时间,交易分类,交易对方,对方账号,商品说明,收/支,金额（元）,收/付款方式,交易状态,交易订单号,商家订单号,备注,",
    );
    for (name, bytes, stop_at) in [
        ("a PNG", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec(), u64::MAX),
        (
            "a half workbook",
            cut_zip[..cut_zip.len() / 2].to_vec(),
            u64::MAX,
        ),
        ("bytes in no encoding", gbk_garbage, u64::MAX),
        ("a header without 金额", renamed, u64::MAX),
        ("a cancelled read", long, 1 << 20),
    ] {
        let r = import(&mut store, &bytes, stop_at);
        assert!(r.is_err(), "{name}: the import fails: {r:?}");
        let after = store.get(&id).unwrap();
        assert_eq!(after.case, case, "{name}: the case is as it was");
        assert_eq!(
            after.updated_at, before.updated_at,
            "{name}: and not even rewritten"
        );
    }

    // The same bill done right adds the payment, once.
    let good = bills::alipay_app(&rows);
    assert_eq!(import(&mut store, &good, u64::MAX).unwrap(), 1);
    assert_eq!(
        import(&mut store, &good, u64::MAX).unwrap(),
        0,
        "importing the same bill twice adds nothing"
    );
    assert_eq!(
        store.get(&id).unwrap().case.observations.len(),
        case.observations.len() + 1
    );
}
