//! Screenshots read by the real OCR engine: mock-ups of each screen
//! rendered by Chromium at phone sizes from 720 to 1290 px wide, light and
//! dark, read field by field; then through the CLI against the examples.

use chrono::{FixedOffset, NaiveDate};
use daozhang::evidence::screen::{self, Field, Screen as Seen, Tesseract};
use daozhang::evidence::{EvidenceError, Record, draft};
use daozhang_tests::screens::{Payment, Phone, Screen, render};
use rust_decimal::dec;

fn china() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap()
}

fn wechat_pay() -> Payment {
    Payment {
        payee: "星光直播".into(),
        payee_full: "杭州星光网络科技有限公司".into(),
        amount: "68.00".into(),
        time: "2026-11-21 20:05:30".into(),
        item: "680 钻石".into(),
        method: "零钱".into(),
        trade_no: "4200002345202611214567890123".into(),
        merchant_order_no: "LS20261121200512345".into(),
    }
}

fn alipay_pay() -> Payment {
    Payment {
        payee: "抖音".into(),
        payee_full: "北京微播视界科技有限公司".into(),
        amount: "200.00".into(),
        time: "2026-11-21 15:15:12".into(),
        item: "DOU+上热门推广".into(),
        method: "余额宝".into(),
        trade_no: "2026112122001412341408157613".into(),
        merchant_order_no: "7439201234567890123".into(),
    }
}

/// Renders `screen` and reads it with the real engine.
fn read(screen: &Screen, phone: Phone, dark: bool) -> (Vec<Record>, screen::Reading) {
    let dir = tempfile::tempdir().unwrap();
    let png = render(screen, phone, dark, dir.path(), "shot");
    let bytes = std::fs::read(&png).unwrap();
    let mut records = Vec::new();
    let day = NaiveDate::from_ymd_opt(2026, 11, 21).unwrap();
    let reading = screen::read(
        &bytes,
        &Tesseract::default(),
        china(),
        day,
        &mut |r| {
            records.push(r);
            Ok(())
        },
        &mut |_, _| true,
    )
    .unwrap_or_else(|e| panic!("{phone:?} dark={dark}: {e}"));
    (records, reading)
}

const PHONES: [(Phone, bool); 3] = [
    (Phone::SMALL, false),
    (Phone::MEDIUM, true),
    (Phone::LARGE, false),
];

fn at(s: &str) -> String {
    format!("{s}+08:00")
}

fn time_of(r: &Record) -> String {
    r.at.map(|t| t.format("%Y-%m-%d %H:%M:%S%:z").to_string())
        .unwrap_or_default()
}

#[test]
fn a_wechat_bill_detail_is_read_field_by_field_at_every_size() {
    let pay = wechat_pay();
    let shot = Screen::WechatDetail {
        pay: pay.clone(),
        status: "支付成功".into(),
    };
    for (phone, dark) in PHONES {
        let (records, reading) = read(&shot, phone, dark);
        let ctx = format!("{:?} dark={dark}", phone.pixels());
        assert_eq!(reading.screen, Seen::PaymentDetail, "{ctx}");
        assert_eq!(records.len(), 1, "{ctx}: {records:?}");
        let r = &records[0];
        assert_eq!(r.source.code(), "wechat_pay", "{ctx}");
        assert_eq!(r.status, "支付成功", "{ctx}");
        assert_eq!(r.amount, Some(dec!(68.00)), "{ctx}");
        assert_eq!(time_of(r), at("2026-11-21 20:05:30"), "{ctx}");
        assert_eq!(r.trade_no.as_deref(), Some(pay.trade_no.as_str()), "{ctx}");
        assert_eq!(
            r.merchant_order_no.as_deref(),
            Some(pay.merchant_order_no.as_str()),
            "{ctx}"
        );
        assert_eq!(r.method.as_deref(), Some("零钱"), "{ctx}");
        let (w, h) = phone.pixels();
        for m in &r.marks {
            assert!(!m.doubtful, "{ctx}: {m:?}");
            assert!(
                m.region.right() <= w && m.region.bottom() <= h,
                "{ctx}: {m:?}"
            );
        }
        let trade = r
            .marks
            .iter()
            .find(|m| m.field == Field::TradeNo)
            .expect("where the trade number is");
        assert!(
            trade.region.x > w / 5,
            "{ctx}: the value's column, not the label's: {trade:?}"
        );
    }
}

#[test]
fn an_alipay_bill_detail_is_read_with_its_right_aligned_values() {
    let pay = alipay_pay();
    let shot = Screen::AlipayDetail {
        pay: pay.clone(),
        status: "交易成功".into(),
    };
    for (phone, dark) in PHONES {
        let (records, reading) = read(&shot, phone, dark);
        let ctx = format!("{:?} dark={dark}", phone.pixels());
        assert_eq!(reading.screen, Seen::PaymentDetail, "{ctx}");
        let r = &records[0];
        assert_eq!(r.source.code(), "alipay", "{ctx}");
        assert_eq!(r.status, "交易成功", "{ctx}");
        assert_eq!(r.amount, Some(dec!(200.00)), "{ctx}");
        assert_eq!(time_of(r), at("2026-11-21 15:15:12"), "{ctx}");
        assert_eq!(r.trade_no.as_deref(), Some(pay.trade_no.as_str()), "{ctx}");
        assert_eq!(
            r.merchant_order_no.as_deref(),
            Some(pay.merchant_order_no.as_str()),
            "{ctx}"
        );
        assert_eq!(
            r.counterparty.as_deref(),
            Some("北京微播视界科技有限公司"),
            "{ctx}"
        );
    }
}

#[test]
fn an_order_page_gives_the_platforms_words_and_order_number() {
    let pay = alipay_pay();
    let shot = Screen::OrderPage {
        platform: "抖音".into(),
        pay: pay.clone(),
        status: "支付失败".into(),
    };
    for (phone, dark) in PHONES {
        let (records, reading) = read(&shot, phone, dark);
        let ctx = format!("{:?} dark={dark}", phone.pixels());
        assert_eq!(reading.screen, Seen::OrderPage, "{ctx}");
        let r = &records[0];
        assert_eq!(r.source.code(), "platform", "{ctx}");
        assert_eq!(r.status, "支付失败", "{ctx}");
        assert_eq!(r.amount, Some(dec!(200.00)), "{ctx}");
        assert_eq!(
            r.merchant_order_no.as_deref(),
            Some(pay.merchant_order_no.as_str()),
            "{ctx}"
        );
        assert_eq!(time_of(r), at("2026-11-21 15:15:12"), "{ctx}");
        assert_eq!(r.trade_no, None, "{ctx}");
    }
}

#[test]
fn an_sms_thread_is_read_bubble_by_bubble_and_codes_are_not_kept() {
    let shot = Screen::SmsThread {
        bank: "95588".into(),
        messages: vec![
            (
                "11月21日 20:04".into(),
                "【工商银行】验证码382716，您正在进行快捷支付，金额68.00元，请勿泄露。".into(),
            ),
            (
                "11月21日 20:05".into(),
                "您尾号0797卡11月21日20:05快捷支付支出(财付通-星光直播)68.00元，余额406.04元。【工商银行】".into(),
            ),
        ],
    };
    for (phone, dark) in PHONES {
        let (records, reading) = read(&shot, phone, dark);
        let ctx = format!("{:?} dark={dark}", phone.pixels());
        assert_eq!(reading.screen, Seen::SmsThread, "{ctx}");
        assert_eq!(
            records.len(),
            1,
            "{ctx}: the code's message is left out: {records:?}"
        );
        let r = &records[0];
        assert_eq!(r.amount, Some(dec!(68.00)), "{ctx}");
        assert_eq!(r.card_tail.as_deref(), Some("0797"), "{ctx}");
        assert!(!r.status.contains("382716"), "{ctx}: {}", r.status);
        assert_eq!(time_of(r), at("2026-11-21 20:05:00"), "{ctx}");
    }
}

#[test]
fn a_picture_of_something_else_is_named() {
    let shot = Screen::SmsThread {
        bank: "家人群".into(),
        messages: vec![("昨天 18:00".into(), "晚上回家吃饭吗？".into())],
    };
    let dir = tempfile::tempdir().unwrap();
    let png = render(&shot, Phone::MEDIUM, false, dir.path(), "other");
    let bytes = std::fs::read(png).unwrap();
    let day = NaiveDate::from_ymd_opt(2026, 11, 21).unwrap();
    let err = screen::read(
        &bytes,
        &Tesseract::default(),
        china(),
        day,
        &mut |_| Ok(()),
        &mut |_, _| true,
    )
    .unwrap_err();
    assert!(matches!(err, EvidenceError::ScreenUnrecognised), "{err:?}");
    assert!(err.text().zh_cn.contains("账单详情"));
    let cut = &std::fs::read(dir.path().join("other.png")).unwrap()[..300];
    let err = screen::read(
        cut,
        &Tesseract::default(),
        china(),
        day,
        &mut |_| Ok(()),
        &mut |_, _| true,
    )
    .unwrap_err();
    assert!(matches!(err, EvidenceError::DamagedImage), "{err:?}");
}

#[test]
fn the_cli_imports_a_screenshot_into_the_case_it_shows() {
    let dir = tempfile::tempdir().unwrap();
    let shot = Screen::WechatDetail {
        pay: wechat_pay(),
        status: "支付成功".into(),
    };
    let png = render(&shot, Phone::MEDIUM, false, dir.path(), "wechat");
    let cli = daozhang_tests::cli_binary();
    let data = dir.path().join("data");
    let run = |args: &[&str]| {
        let out = std::process::Command::new(&cli)
            .arg("--data-dir")
            .arg(&data)
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let example = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/live-stream-wechat.toml"
    );
    let id = run(&["case", "import", example]).trim().to_owned();
    let out = run(&[
        "evidence",
        "import",
        "--case",
        &id,
        "--json",
        png.to_str().unwrap(),
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["scan"]["format"], "screenshot", "{v}");
    assert_eq!(
        v["scan"]["format_label"]["zh-CN"], "微信账单详情截图",
        "{v}"
    );
    let c = &v["scan"]["candidates"][0];
    assert_eq!(c["direct"], true, "the trade number matches the case: {v}");
    assert!(v["added"].as_u64().unwrap() <= 1, "{v}");
    assert!(
        c["record"]["marks"]
            .as_array()
            .is_some_and(|m| !m.is_empty()),
        "{v}"
    );
}

/// Renders each screen and drafts a case from them with the real engine.
fn drafted(screens: &[(&Screen, Phone, bool)]) -> draft::Draft {
    let dir = tempfile::tempdir().unwrap();
    let files: Vec<(String, Vec<u8>)> = screens
        .iter()
        .enumerate()
        .map(|(i, (s, phone, dark))| {
            let png = render(s, *phone, *dark, dir.path(), &format!("shot{i}"));
            (format!("shot{i}.png"), draft::read_shot(&png).unwrap())
        })
        .collect();
    let shots: Vec<draft::Shot<'_>> = files
        .iter()
        .map(|(name, bytes)| draft::Shot { name, bytes })
        .collect();
    let day = NaiveDate::from_ymd_opt(2026, 11, 21).unwrap();
    let mut seen = Vec::new();
    let d = draft::draft(
        &shots,
        &Tesseract::default(),
        china(),
        day,
        &mut |done, total| {
            seen.push(done * 100 / total);
            true
        },
    )
    .unwrap();
    assert!(
        seen.windows(2).all(|w| w[0] <= w[1]) && seen.last() == Some(&100),
        "progress goes up to 100: {seen:?}"
    );
    d
}

fn text(s: &Option<daozhang::domain::case::Scalar>) -> String {
    match s {
        Some(daozhang::domain::case::Scalar::Text(t)) => t.clone(),
        other => format!("{other:?}"),
    }
}

#[test]
fn a_case_is_drafted_from_a_bill_detail_and_the_order_page_with_every_field_right() {
    // Alipay's 账单详情 and DOU+'s order page: 交易成功 there, 支付失败 here.
    let pay = alipay_pay();
    let detail = Screen::AlipayDetail {
        pay: pay.clone(),
        status: "交易成功".into(),
    };
    let order = Screen::OrderPage {
        platform: "抖音".into(),
        pay: pay.clone(),
        status: "支付失败".into(),
    };
    let d = drafted(&[(&detail, Phone::LARGE, false), (&order, Phone::SMALL, true)]);
    assert!(d.missing.is_empty(), "nothing to fill: {:?}", d.missing);
    assert!(d.warnings.is_empty(), "{:?}", d.warnings);
    let c = &d.case;
    assert_eq!(text(&c.platform), "douyin_dou_plus");
    assert_eq!(text(&c.order_id), pay.merchant_order_no);
    assert_eq!(text(&c.payment[0].id), pay.trade_no);
    assert_eq!(text(&c.payment[0].provider), "alipay");
    assert_eq!(text(&c.amount), "200.00");
    assert_eq!(text(&c.submitted_at), "2026-11-21 15:15:12");
    assert_eq!(text(&c.timezone), "+08:00");
    assert_eq!(text(&c.method), "alipay");
    assert_eq!(text(&c.merchant), "北京微播视界科技有限公司");
    assert_eq!(text(&c.item), pay.item);
    let said: Vec<(String, String)> = c
        .observation
        .iter()
        .map(|o| (text(&o.source), text(&o.status)))
        .collect();
    assert!(
        said.contains(&("alipay".into(), "交易成功".into())),
        "{said:?}"
    );
    assert!(
        said.contains(&("platform".into(), "支付失败".into())),
        "{said:?}"
    );
    let kinds: Vec<String> = c.attachment.iter().map(|a| text(&a.kind)).collect();
    assert_eq!(kinds, ["payment_record", "platform_screenshot"]);
    // Each field names its screenshot; the numbers their place on it.
    let from = |f: &str| d.from.iter().find(|x| x.field == f).unwrap();
    assert_eq!(from("order_id").shot, 1, "the order page's number first");
    assert_eq!(from("payment").shot, 0);
    assert!(from("payment").region.is_some() && from("order_id").region.is_some());
    let case = c.validate().expect("the draft is a valid case");
    assert_eq!(case.platform.preset, "douyin_dou_plus");
}

#[test]
fn a_case_is_drafted_from_a_wechat_detail_and_the_live_streams_order_page() {
    // WeChat Pay's 账单详情 (dark, small phone) and the live-stream app's
    // order page saying 支付失败.
    let pay = wechat_pay();
    let detail = Screen::WechatDetail {
        pay: pay.clone(),
        status: "支付成功".into(),
    };
    let order = Screen::OrderPage {
        platform: "星光直播".into(),
        pay: pay.clone(),
        status: "支付失败".into(),
    };
    let d = drafted(&[(&detail, Phone::SMALL, true), (&order, Phone::LARGE, false)]);
    assert!(d.missing.is_empty(), "nothing to fill: {:?}", d.missing);
    assert!(d.warnings.is_empty(), "{:?}", d.warnings);
    let c = &d.case;
    assert_eq!(text(&c.platform), "live_stream_topup");
    assert_eq!(text(&c.order_id), pay.merchant_order_no);
    assert_eq!(text(&c.payment[0].id), pay.trade_no);
    assert_eq!(text(&c.payment[0].provider), "wechat_pay");
    assert_eq!(text(&c.amount), "68.00");
    assert_eq!(text(&c.submitted_at), "2026-11-21 20:05:30");
    assert_eq!(text(&c.method), "wechat_pay");
    assert_eq!(text(&c.merchant), pay.payee_full);
    let said: Vec<(String, String)> = c
        .observation
        .iter()
        .map(|o| (text(&o.source), text(&o.status)))
        .collect();
    assert!(
        said.contains(&("wechat_pay".into(), "支付成功".into()))
            && said.contains(&("platform".into(), "支付失败".into())),
        "{said:?}"
    );
    let kinds: Vec<String> = c.attachment.iter().map(|a| text(&a.kind)).collect();
    assert_eq!(kinds, ["payment_record", "platform_screenshot"]);
    let case = c.validate().expect("the draft is a valid case");
    assert_eq!(case.platform.preset, "live_stream_topup");
}

#[test]
fn a_wechat_detail_alone_drafts_the_payment_and_names_nothing_it_did_not_see() {
    let pay = wechat_pay();
    let detail = Screen::WechatDetail {
        pay: pay.clone(),
        status: "支付成功".into(),
    };
    let d = drafted(&[(&detail, Phone::MEDIUM, false)]);
    let c = &d.case;
    assert_eq!(
        text(&c.platform),
        "live_stream_topup",
        "星光直播 is a live stream"
    );
    assert_eq!(
        text(&c.order_id),
        pay.merchant_order_no,
        "商户单号 is the order"
    );
    assert_eq!(text(&c.payment[0].id), pay.trade_no);
    assert_eq!(text(&c.method), "wechat_pay");
    assert_eq!(text(&c.amount), "68.00");
    assert_eq!(text(&c.submitted_at), "2026-11-21 20:05:30");
    assert!(d.missing.is_empty(), "{:?}", d.missing);
    assert_eq!(d.shots[0].screen, Some(Seen::PaymentDetail));
}

#[test]
fn the_cli_drafts_a_case_file_that_checks_and_refuses_a_bill_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let pay = alipay_pay();
    let detail = render(
        &Screen::AlipayDetail {
            pay: pay.clone(),
            status: "交易成功".into(),
        },
        Phone::MEDIUM,
        false,
        dir.path(),
        "alipay",
    );
    let order = render(
        &Screen::OrderPage {
            platform: "抖音".into(),
            pay: pay.clone(),
            status: "支付失败".into(),
        },
        Phone::MEDIUM,
        false,
        dir.path(),
        "order",
    );
    let cli = daozhang_tests::cli_binary();
    let run = |args: &[&str]| {
        std::process::Command::new(&cli)
            .arg("--data-dir")
            .arg(dir.path().join("data"))
            .args(args)
            .output()
            .unwrap()
    };
    let (a, b) = (detail.to_str().unwrap(), order.to_str().unwrap());
    let out = run(&["--lang", "zh-CN", "case", "draft", a, b]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let toml = String::from_utf8(out.stdout).unwrap();
    assert!(toml.contains("# 订单编号 来自截图 2"), "{toml}");
    assert!(toml.contains("必填项都已从截图中读出"), "{toml}");
    let case = daozhang::domain::case::parse_case_toml(&toml).expect("a case file");
    assert_eq!(case.order_id, pay.merchant_order_no);
    assert_eq!(case.payments[0].id, pay.trade_no);
    assert_eq!(case.attachments.len(), 2);
    let file = dir.path().join("case.toml");
    std::fs::write(&file, &toml).unwrap();
    let check = run(&[
        "check",
        file.to_str().unwrap(),
        "--save",
        "--json",
        "--now",
        "2026-11-21 16:30",
    ]);
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    // The screenshots are kept with the saved case, beside the case file.
    let kept: Vec<String> = std::fs::read_dir(dir.path().join("data/attachments"))
        .unwrap()
        .flat_map(|case| std::fs::read_dir(case.unwrap().path()).unwrap())
        .map(|f| f.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(kept.len(), 2, "{kept:?}");
    assert!(kept.contains(&"alipay.png".to_owned()), "{kept:?}");

    let out = run(&["case", "draft", a, "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["shots"][0]["screen"], "payment_detail", "{v}");
    assert!(v["from"].as_array().is_some_and(|f| !f.is_empty()), "{v}");

    // The front end's fake backend answers the intake's screenshots with
    // this draft (ui/src/lib/fixtures), named as the app names them.
    if std::env::var_os("UPDATE_FIXTURES").is_some() {
        let out = std::process::Command::new(&cli)
            .current_dir(dir.path())
            .arg("--data-dir")
            .arg(dir.path().join("data"))
            .args(["case", "draft", "alipay.png", "order.png", "--json"])
            .output()
            .unwrap();
        assert!(out.status.success());
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let file = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../ui/src/lib/fixtures/draft.json"
        );
        std::fs::write(file, serde_json::to_string_pretty(&v).unwrap() + "\n").unwrap();
    }

    let bill = dir.path().join("bill.csv");
    std::fs::write(&bill, "微信支付账单明细\n交易时间,交易类型,交易对方,商品,收/支,金额(元),支付方式,当前状态,交易单号,商户单号,备注\n").unwrap();
    let out = run(&["--lang", "zh-CN", "case", "draft", bill.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("不是截图"), "{err}");
}
