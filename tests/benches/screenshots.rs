//! How long a phone screenshot takes to read on this machine: each screen
//! the app reads (WeChat Pay's and Alipay's 账单详情, an order page, an SMS
//! thread) is rendered by Chromium at the three phone sizes of the tests
//! (720×1600, 1080×2400, 1290×2796), then read end to end by
//! `daozhang::evidence::screen::read` with the system's Tesseract: decode,
//! grey, OCR, rows, fields. Also the decode alone (before the OCR) and a
//! case drafted from two screenshots. Prints figures only (not a timed
//! test); the target is 1.5 s per screenshot on two cores:
//!
//!     cargo bench -p daozhang-tests --bench screenshots

use std::time::{Duration, Instant};

use chrono::{FixedOffset, NaiveDate};
use daozhang::evidence::draft::{self, Shot};
use daozhang::evidence::screen::{self, Tesseract};
use daozhang_tests::screens::{Payment, Phone, Screen, render};

const RUNS: usize = 5;

fn pay() -> Payment {
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

fn times(mut f: impl FnMut()) -> (Duration, Duration) {
    let mut all: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    all.sort();
    (all[0], all[RUNS / 2])
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let zone = FixedOffset::east_opt(8 * 3600).unwrap();
    let day = NaiveDate::from_ymd_opt(2026, 11, 21).unwrap();
    let engine = Tesseract::default();
    let screens = [
        (
            "WeChat 账单详情",
            Screen::WechatDetail {
                pay: pay(),
                status: "支付成功".into(),
            },
        ),
        (
            "Alipay 账单详情",
            Screen::AlipayDetail {
                pay: pay(),
                status: "交易成功".into(),
            },
        ),
        (
            "order page",
            Screen::OrderPage {
                platform: "抖音".into(),
                pay: pay(),
                status: "支付失败".into(),
            },
        ),
        (
            "SMS thread",
            Screen::SmsThread {
                bank: "95588".into(),
                messages: vec![(
                    "11月21日 15:15".into(),
                    "您尾号6789卡11月21日15:15快捷支付支出（消费支付宝-北京微播视界科技有限公司）200.00元，余额1,234.56元。【工商银行】".into(),
                )],
            },
        ),
    ];
    println!("screenshot read end to end, {RUNS} runs (min / median); decode alone in brackets");
    println!("| screen | size | min / median | decode |");
    println!("| --- | --- | --- | --- |");
    let mut worst = Duration::ZERO;
    for (name, s) in &screens {
        for phone in [Phone::SMALL, Phone::MEDIUM, Phone::LARGE] {
            let png = render(s, phone, false, dir.path(), "bench");
            let bytes = std::fs::read(&png).unwrap();
            let (w, h) = phone.pixels();
            let (min, med) = times(|| {
                let mut n = 0;
                screen::read(
                    &bytes,
                    &engine,
                    zone,
                    day,
                    &mut |_| {
                        n += 1;
                        Ok(())
                    },
                    &mut |_, _| true,
                )
                .unwrap();
                assert!(n > 0, "{name} {w}×{h}: a record");
            });
            let (decode, _) = times(|| {
                screen::ocr::page(&bytes).unwrap();
            });
            worst = worst.max(med);
            println!(
                "| {name} | {w}×{h} | {} / {} | {} |",
                ms(min),
                ms(med),
                ms(decode)
            );
        }
    }
    let a = std::fs::read(render(&screens[1].1, Phone::MEDIUM, false, dir.path(), "a")).unwrap();
    let b = std::fs::read(render(&screens[2].1, Phone::MEDIUM, false, dir.path(), "b")).unwrap();
    let shots = [
        Shot {
            name: "alipay.png",
            bytes: &a,
        },
        Shot {
            name: "order.png",
            bytes: &b,
        },
    ];
    let (min, med) = times(|| {
        let d = draft::draft(&shots, &engine, zone, day, &mut |_, _| true).unwrap();
        assert!(d.missing.is_empty());
    });
    println!();
    println!(
        "case drafted from two 1080×2400 screenshots: {} / {}",
        ms(min),
        ms(med)
    );
    println!("slowest screenshot (median): {} (target 1.5 s)", ms(worst));
}
