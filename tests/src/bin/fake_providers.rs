//! Runs the fake Alipay gateway and the fake WeChat Pay v3 server
//! (`daozhang_tests::fakes`) with the orders of the repository's examples,
//! for the end-to-end test and for manual demos.
//!
//! Usage: `fake_providers --dir DIR [--max-seconds N] [--ignore-stdin]`
//!
//! It writes the key PEMs into `DIR` (created if missing), prints one JSON
//! line on stdout and serves until stdin closes (unless `--ignore-stdin`),
//! it is killed (SIGTERM), or `--max-seconds` (default 3600) pass. Each
//! request is logged to stderr with the fake's verdict on its signature.
//!
//! The JSON line:
//!
//! ```text
//! {"alipay":{"base_url":"http://127.0.0.1:PORT/gateway.do","app_id":"…",
//!   "app_private_key_file":"DIR/alipay_app_private_key.pem",
//!   "app_public_key_file":"DIR/alipay_app_public_key.pem",
//!   "alipay_public_key_file":"DIR/alipay_public_key.pem",
//!   "trade_no":"…","out_trade_no":"…"},
//!  "wechat":{"base_url":"http://127.0.0.1:PORT","mchid":"…","appid":"…",
//!   "merchant_serial":"…","platform_key_id":"PUB_KEY_ID_…",
//!   "merchant_private_key_file":"DIR/wechat_merchant_private_key.pem",
//!   "merchant_public_key_file":"DIR/wechat_merchant_public_key.pem",
//!   "platform_public_key_file":"DIR/wechat_platform_public_key.pem",
//!   "transaction_id":"…","out_trade_no":"…"}}
//! ```
//!
//! (on one line; paths are absolute when `DIR` is).

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use daozhang_tests::fakes::{AlipayOrder, FakeAlipay, FakeWechatPay, RecordedRequest, WechatOrder};
use serde_json::json;

/// examples/douyin-dou-plus-alipay.toml
const ALIPAY_TRADE_NO: &str = "2026112122001412341408157613";
const ALIPAY_OUT_TRADE_NO: &str = "7439201234567890123";
/// examples/live-stream-wechat.toml
const WECHAT_TRANSACTION_ID: &str = "4200002345202611214567890123";
const WECHAT_OUT_TRADE_NO: &str = "LS20261121200512345";

const USAGE: &str = "usage: fake_providers --dir DIR [--max-seconds N] [--ignore-stdin]";

struct Args {
    dir: PathBuf,
    max_seconds: u64,
    ignore_stdin: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut dir = None;
    let mut max_seconds = 3600;
    let mut ignore_stdin = false;
    let mut args = std::env::args_os().skip(1);
    while let Some(arg) = args.next() {
        match arg.to_str() {
            Some("--dir") => dir = Some(PathBuf::from(args.next().ok_or("--dir needs a value")?)),
            Some("--max-seconds") => {
                max_seconds = args
                    .next()
                    .and_then(|v| v.to_str()?.parse().ok())
                    .ok_or("--max-seconds needs a whole number")?;
            }
            Some("--ignore-stdin") => ignore_stdin = true,
            Some("-h" | "--help") => return Err(String::new()),
            _ => return Err(format!("unknown argument {arg:?}")),
        }
    }
    Ok(Args {
        dir: dir.ok_or("--dir is required")?,
        max_seconds,
        ignore_stdin,
    })
}

fn write_pem(dir: &Path, name: &str, pem: &str) -> std::io::Result<String> {
    let path = dir.join(name);
    std::fs::write(&path, pem)?;
    Ok(path.to_string_lossy().into_owned())
}

fn log(provider: &str, request: &RecordedRequest) {
    eprintln!(
        "{provider}: {} {} signature_valid={} {}",
        request.method,
        request.target,
        request.signature_valid,
        request.problem.as_deref().unwrap_or("accepted"),
    );
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(why) => {
            if !why.is_empty() {
                eprintln!("fake_providers: {why}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(why) => {
            eprintln!("fake_providers: {why}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> Result<(), String> {
    std::fs::create_dir_all(&args.dir).map_err(|e| format!("{}: {e}", args.dir.display()))?;

    let alipay = FakeAlipay::start();
    alipay.add_order(AlipayOrder {
        trade_no: ALIPAY_TRADE_NO.into(),
        out_trade_no: ALIPAY_OUT_TRADE_NO.into(),
        amount: "200.00".into(),
        status: "TRADE_SUCCESS".into(),
        paid_at: Some("2026-11-21 15:15:12".into()),
        refund: None,
    });
    let wechat = FakeWechatPay::start();
    wechat.add_order(WechatOrder {
        trade_no: WECHAT_TRANSACTION_ID.into(),
        out_trade_no: WECHAT_OUT_TRADE_NO.into(),
        amount: "68.00".into(),
        status: "SUCCESS".into(),
        paid_at: Some("2026-11-21T20:05:31+08:00".into()),
        refund: None,
    });

    let dir = &args.dir;
    let io = |e: std::io::Error| format!("writing keys into {}: {e}", dir.display());
    let line = json!({
        "alipay": {
            "base_url": alipay.base_url(),
            "app_id": alipay.app_id(),
            "app_private_key_file": write_pem(dir, "alipay_app_private_key.pem", alipay.app_private_key_pem()).map_err(io)?,
            "app_public_key_file": write_pem(dir, "alipay_app_public_key.pem", alipay.app_public_key_pem()).map_err(io)?,
            "alipay_public_key_file": write_pem(dir, "alipay_public_key.pem", alipay.alipay_public_key_pem()).map_err(io)?,
            "trade_no": ALIPAY_TRADE_NO,
            "out_trade_no": ALIPAY_OUT_TRADE_NO,
        },
        "wechat": {
            "base_url": wechat.base_url(),
            "mchid": wechat.mchid(),
            "appid": wechat.appid(),
            "merchant_serial": wechat.merchant_serial(),
            "platform_key_id": wechat.platform_key_id(),
            "merchant_private_key_file": write_pem(dir, "wechat_merchant_private_key.pem", wechat.merchant_private_key_pem()).map_err(io)?,
            "merchant_public_key_file": write_pem(dir, "wechat_merchant_public_key.pem", wechat.merchant_public_key_pem()).map_err(io)?,
            "platform_public_key_file": write_pem(dir, "wechat_platform_public_key.pem", wechat.platform_public_key_pem()).map_err(io)?,
            "transaction_id": WECHAT_TRANSACTION_ID,
            "out_trade_no": WECHAT_OUT_TRADE_NO,
        },
    });
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{line}")
        .and_then(|()| stdout.flush())
        .map_err(|e| format!("stdout: {e}"))?;
    drop(stdout);

    // stdin EOF (or error) ends the run; the reader thread is left behind
    // on exit, which is fine for a process that is about to end.
    let stdin_closed = Arc::new(AtomicBool::new(false));
    if !args.ignore_stdin {
        let flag = Arc::clone(&stdin_closed);
        std::thread::spawn(move || {
            let mut sink = String::new();
            let mut stdin = std::io::stdin().lock();
            while matches!(stdin.read_line(&mut sink), Ok(n) if n > 0) {
                sink.clear();
            }
            flag.store(true, Ordering::SeqCst);
        });
    }

    let deadline = Instant::now() + Duration::from_secs(args.max_seconds);
    let (mut seen_alipay, mut seen_wechat) = (0, 0);
    while !stdin_closed.load(Ordering::SeqCst) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
        for request in alipay.requests().iter().skip(seen_alipay) {
            log("alipay", request);
            seen_alipay += 1;
        }
        for request in wechat.requests().iter().skip(seen_wechat) {
            log("wechat", request);
            seen_wechat += 1;
        }
    }
    Ok(())
}
