//! The e-mailed bill zips: WeChat Pay's (ZipCrypto, a 6-digit password)
//! and Alipay's (AES-256), opened with their passwords and read in memory;
//! no password, a wrong one, a zip of no bill, the 用于证明材料 PDF, a
//! damaged zip and a zip bomb are each said in both languages.

use std::process::{Command, Stdio};

use daozhang::evidence::{EvidenceError, Format, Lock, Password, scan_locked_file};
use daozhang_tests::bills::{self, Row};
use daozhang_tests::zips::{Locked, bill_zip};
use proptest::prelude::*;

use super::{alipay_rows, douyin, live, live_row, shared, temp, wechat_rows};

const WECHAT_PASSWORD: &str = "382716";
const ALIPAY_PASSWORD: &str = "k7Q2m9";

fn wechat_zip(lock: Locked<'_>) -> Vec<u8> {
    let case = live();
    let xlsx = bills::wechat_xlsx(&wechat_rows(300, 150, &[live_row(&case)]));
    let dir = "微信支付账单(20261101-20261130)/";
    let name = format!("{dir}微信支付账单(20261101-20261130).xlsx");
    bill_zip(&[(dir, b""), (&name, &xlsx)], lock)
}

fn alipay_zip(lock: Locked<'_>) -> Vec<u8> {
    let csv = bills::alipay_app(&alipay_rows(300, 150, &[Row::douyin()]));
    bill_zip(&[("alipay_record_20261130_101502.csv", &csv)], lock)
}

fn open(
    bytes: &[u8],
    password: Option<&str>,
    case: &daozhang::domain::case::Case,
) -> Result<daozhang::evidence::EvidenceScan, EvidenceError> {
    let f = temp(bytes);
    let password = password.and_then(Password::new);
    scan_locked_file(f.path(), password.as_ref(), case, &mut |_, _| true)
}

/// No English word inside the Chinese text but the file names it carries
/// and the names Chinese writes too.
fn all_chinese(text: &str, names: &[&str]) {
    let text = names.iter().fold(text.to_owned(), |t, n| t.replace(n, ""));
    let words: Vec<&str> = text
        .split(|c: char| !c.is_ascii_alphabetic())
        .filter(|w| w.len() >= 3 && !["PDF", "CSV", "Excel", "App"].contains(w))
        .collect();
    assert!(words.is_empty(), "English {words:?} in {text}");
}

#[test]
fn wechat_pays_zip_opens_with_its_six_digits() {
    let _g = shared();
    let case = live();
    let zip = wechat_zip(Locked::ZipCrypto(WECHAT_PASSWORD));
    match open(&zip, None, &case) {
        Err(
            e @ EvidenceError::PasswordNeeded {
                lock: Lock::ZipCrypto,
            },
        ) => {
            let t = e.text();
            assert!(
                t.zh_cn.contains("「微信支付」公众号") && t.zh_cn.contains("6 位数字"),
                "{t:?}"
            );
            all_chinese(&t.zh_cn, &[]);
        }
        other => panic!("a locked zip asks for its password: {other:?}"),
    }
    let s = open(&zip, Some(&format!("{WECHAT_PASSWORD}\n")), &case)
        .expect("the right password opens it");
    assert_eq!(
        s.format,
        Format::WechatXlsx,
        "the bill inside, told from its content"
    );
    assert_eq!(s.summary.rows, 301);
    assert!(
        s.candidates[0].direct,
        "the case's row is found by its number"
    );
    assert_eq!(
        s.candidates[0].record.trade_no.as_deref(),
        Some(case.payments[0].id.as_str())
    );
    assert_eq!(
        s.bytes,
        zip.len() as u64,
        "the file's size, not the unpacked bill's"
    );
}

#[test]
fn every_wrong_password_is_said_to_be_wrong() {
    let _g = shared();
    let case = live();
    let zip = wechat_zip(Locked::ZipCrypto(WECHAT_PASSWORD));
    // ZipCrypto's check byte lets about 1 wrong password in 256 through:
    // among 600 wrong ones some pass it and fail to inflate or their CRC.
    for n in 0..600u32 {
        let wrong = format!("{:06}", (n * 7919 + 13) % 1_000_000);
        if wrong == WECHAT_PASSWORD {
            continue;
        }
        match open(&zip, Some(&wrong), &case) {
            Err(EvidenceError::WrongPassword {
                lock: Lock::ZipCrypto,
            }) => {}
            other => panic!("{wrong}: {other:?}"),
        }
    }
    let e = open(&zip, Some("000000"), &case).unwrap_err();
    let t = e.text();
    assert!(
        t.zh_cn.starts_with("密码不对") && t.en.contains("does not open"),
        "{t:?}"
    );
    all_chinese(&t.zh_cn, &[]);
}

#[test]
fn alipays_aes_zip_opens_with_its_password() {
    let _g = shared();
    let case = douyin();
    let zip = alipay_zip(Locked::Aes(ALIPAY_PASSWORD));
    match open(&zip, None, &case) {
        Err(e @ EvidenceError::PasswordNeeded { lock: Lock::Aes }) => {
            assert!(e.text().zh_cn.contains("服务消息"), "{:?}", e.text());
        }
        other => panic!("{other:?}"),
    }
    for wrong in ["k7q2m9", "382716", "k7Q2m9 "] {
        assert!(
            matches!(
                open(&zip, Some(wrong), &case),
                Err(EvidenceError::WrongPassword { lock: Lock::Aes })
            ),
            "{wrong:?}"
        );
    }
    let s = open(&zip, Some(ALIPAY_PASSWORD), &case).expect("opens");
    assert_eq!(s.format, Format::AlipayApp);
    assert!(s.candidates[0].direct);
    assert_eq!(
        s.candidates[0].record.amount,
        Some(rust_decimal::dec!(200.00))
    );
}

#[test]
fn an_unlocked_zip_needs_no_password() {
    let _g = shared();
    let case = live();
    let csv = bills::wechat_csv(&wechat_rows(40, 20, &[live_row(&case)]));
    let zip = bill_zip(
        &[
            ("__MACOSX/._bill.csv", b"\0\x05\x16\x07"),
            ("bill.csv", &csv),
        ],
        Locked::No,
    );
    let s = open(&zip, None, &case).expect("reads");
    assert_eq!(s.format, Format::WechatCsv);
    assert!(s.candidates[0].direct);
}

#[test]
fn zips_that_hold_no_bill_say_what_they_hold() {
    let _g = shared();
    let case = douyin();
    let pdf = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n";
    let proof = bill_zip(&[("交易流水证明.pdf", pdf)], Locked::Aes(ALIPAY_PASSWORD));
    match open(&proof, Some(ALIPAY_PASSWORD), &case) {
        Err(e @ EvidenceError::ProofPdf) => {
            let t = e.text();
            assert!(
                t.zh_cn.contains("用于证明材料") && t.zh_cn.contains("用于个人对账"),
                "{t:?}"
            );
            assert!(
                t.en.contains("Download bill") && t.en.contains("Alipay"),
                "{t:?}"
            );
            all_chinese(&t.zh_cn, &[]);
        }
        other => panic!("the PDF statement is named: {other:?}"),
    }
    assert!(
        matches!(open(pdf, None, &case), Err(EvidenceError::ProofPdf)),
        "a PDF alone too"
    );

    let inner = alipay_zip(Locked::No);
    let other = bill_zip(
        &[
            ("说明.txt", "请妥善保管".as_bytes()),
            ("photo.jpg", b"\xff\xd8\xff\xe0"),
            ("inner.zip", &inner),
        ],
        Locked::No,
    );
    match open(&other, None, &case) {
        Err(e @ EvidenceError::NoBillInArchive { .. }) => {
            let t = e.text();
            assert!(
                t.zh_cn.contains("说明.txt") && t.zh_cn.contains("inner.zip"),
                "{t:?}"
            );
            assert!(t.en.contains("holds no bill"), "{t:?}");
        }
        other => panic!("{other:?}"),
    }
    let empty = bill_zip(&[("folder/", b"")], Locked::No);
    match open(&empty, None, &case) {
        Err(e @ EvidenceError::NoBillInArchive { .. }) => {
            assert!(e.text().zh_cn.contains("压缩包是空的"), "{:?}", e.text())
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_cut_zip_is_damaged_and_a_zip_bomb_is_refused() {
    let _g = shared();
    let case = douyin();
    let zip = alipay_zip(Locked::Aes(ALIPAY_PASSWORD));
    match open(&zip[..zip.len() / 2], Some(ALIPAY_PASSWORD), &case) {
        Err(e @ EvidenceError::DamagedArchive) => {
            let t = e.text();
            assert!(
                t.zh_cn.contains("重新下载") && !t.zh_cn.contains("Excel"),
                "{t:?}"
            );
            all_chinese(&t.zh_cn, &[]);
        }
        other => panic!("half a bill zip is a damaged zip, not a damaged workbook: {other:?}"),
    }
    let zeros = vec![0u8; 8 << 20];
    let bomb = bill_zip(&[("bill.csv", &zeros)], Locked::No);
    assert!(bomb.len() < 64 << 10);
    match open(&bomb, None, &case) {
        Err(e @ EvidenceError::ArchiveTooLarge { .. }) => {
            all_chinese(&e.text().zh_cn, &["bill.csv"])
        }
        other => panic!("refused before it is inflated: {other:?}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Any password and any damage to a locked zip give an answer, never a
    /// panic, and never a bill from a wrong password.
    #[test]
    fn passwords_and_damage_never_panic(
        password in "[0-9a-zA-Z]{0,12}",
        aes in any::<bool>(),
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..4),
    ) {
        let _g = shared();
        let (mut zip, right, case) = if aes {
            (alipay_zip(Locked::Aes(ALIPAY_PASSWORD)), ALIPAY_PASSWORD, douyin())
        } else {
            (wechat_zip(Locked::ZipCrypto(WECHAT_PASSWORD)), WECHAT_PASSWORD, live())
        };
        for (at, byte) in &flips {
            let i = at.index(zip.len());
            zip[i] ^= byte | 1;
        }
        let r = open(&zip, Some(&password), &case);
        if password != right && flips.is_empty() {
            let wrong = matches!(r, Err(EvidenceError::WrongPassword { .. }));
            prop_assert!(wrong || password.is_empty(), "{password:?}: {r:?}");
        }
    }
}

// ---------------------------------------------------------------- the CLI

fn cli(data: &std::path::Path, args: &[&str], stdin: &[u8]) -> std::process::Output {
    use std::io::Write;
    let mut child = Command::new(daozhang_tests::cli_binary())
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the CLI runs");
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn the_cli_reads_the_password_from_a_file_or_standard_input_never_an_argument() {
    let _g = shared();
    let data = tempfile::tempdir().unwrap();
    let example = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/live-stream-wechat.toml"
    );
    let o = cli(data.path(), &["case", "import", example], b"");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let id = String::from_utf8_lossy(&o.stdout).trim().to_owned();
    assert!(id.starts_with("dz-"), "the new case's id: {id}");
    let zip = data.path().join("微信支付账单.zip");
    std::fs::write(&zip, wechat_zip(Locked::ZipCrypto(WECHAT_PASSWORD))).unwrap();
    let zip = zip.to_str().unwrap();
    let import = [
        "evidence",
        "import",
        zip,
        "--case",
        &id,
        "--dry-run",
        "--json",
    ];

    // No terminal to ask on: the JSON error says what is needed.
    let o = cli(data.path(), &import, b"");
    assert_eq!(o.status.code(), Some(2));
    let e: serde_json::Value = serde_json::from_slice(&o.stderr).expect("one JSON error");
    assert_eq!(e["code"], "password");
    assert_eq!(e["details"]["lock"], "zip_crypto");
    assert_eq!(e["details"]["wrong"], false);

    let pw = data.path().join("pw.txt");
    std::fs::write(&pw, format!("{WECHAT_PASSWORD}\n")).unwrap();
    let mut with_file = import.to_vec();
    with_file.extend(["--password-file", pw.to_str().unwrap()]);
    let o = cli(data.path(), &with_file, b"");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r["scan"]["format"], "wechat_xlsx");
    assert_eq!(r["scan"]["candidates"][0]["direct"], true);

    let mut from_stdin = import.to_vec();
    from_stdin.extend(["--password-file", "-"]);
    let o = cli(data.path(), &from_stdin, b"111111\n");
    let e: serde_json::Value = serde_json::from_slice(&o.stderr).expect("one JSON error");
    assert_eq!(e["details"]["wrong"], true, "{e}");

    // Told in the user's language, the file named, no library words.
    let plain = [
        "--lang",
        "zh-CN",
        "evidence",
        "import",
        zip,
        "--case",
        &id,
        "--dry-run",
        "--password-file",
        "-",
    ];
    let o = cli(data.path(), &plain, b"111111\n");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.starts_with("错误：") && err.contains("微信支付账单.zip：密码不对"),
        "{err}"
    );
    all_chinese(&err, &[zip]);
    let o = cli(
        data.path(),
        &plain,
        format!("{WECHAT_PASSWORD}\n").as_bytes(),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("微信支付账单"));
}
