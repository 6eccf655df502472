//! The CLI contract (docs/cli.md), end to end through the real binary.
//! The binary exists only with the `cli` feature: without it cargo does not
//! build it (and would hand these tests a stale one or none).
#![cfg(feature = "cli")]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

const EXAMPLES: [(&str, &str); 3] = [
    ("douyin-dou-plus-alipay.toml", "2026-11-21 16:30"),
    ("live-stream-wechat.toml", "2026-11-21 20:40"),
    ("card-shop-epay.toml", "2026-11-21 12:00"),
];

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples")
        .join(name)
}

struct Run {
    data: tempfile::TempDir,
}

impl Run {
    fn new() -> Self {
        Run {
            data: tempfile::tempdir().unwrap(),
        }
    }

    fn cmd(&self, args: &[&str]) -> Output {
        self.cmd_stdin(args, None)
    }

    fn cmd_stdin(&self, args: &[&str], stdin: Option<&[u8]>) -> Output {
        let mut c = Command::new(env!("CARGO_BIN_EXE_daozhang"));
        c.args(args)
            .env("DAOZHANG_DATA_DIR", self.data.path())
            .env("NO_COLOR", "1")
            .env("LANG", "en_US.UTF-8")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = c.spawn().expect("the daozhang binary runs");
        if let Some(input) = stdin {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(input).unwrap();
        } else {
            drop(child.stdin.take());
        }
        child.wait_with_output().unwrap()
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

fn ok(o: &Output) -> &Output {
    assert!(
        o.status.success(),
        "command failed ({:?}): {}",
        o.status.code(),
        stderr(o)
    );
    o
}

fn check_json(run: &Run, name: &str, now: &str) -> Value {
    let path = example(name);
    let o = run.cmd(&["check", path.to_str().unwrap(), "--json", "--now", now]);
    serde_json::from_str(&stdout(ok(&o))).expect("check --json prints one JSON object")
}

#[test]
fn every_example_names_the_callback_as_broken() {
    let run = Run::new();
    for (name, now) in EXAMPLES {
        let r = check_json(&run, name, now);
        assert_eq!(
            r["diagnosis"]["broken_link"], "callback",
            "{name}: the provider says paid and the platform does not: the callback broke"
        );
        let code = r["diagnosis"]["code"].as_str().unwrap();
        assert!(code.starts_with("callback_"), "{name}: code {code}");
        let stages = r["timeline"]["stages"].as_array().unwrap();
        let names: Vec<&str> = stages
            .iter()
            .map(|s| s["stage"].as_str().unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "submitted",
                "bank_processing",
                "callback",
                "credited",
                "refund"
            ],
            "{name}: the four canonical stages and the refund branch, in order"
        );
        for s in stages {
            for key in ["stage", "state", "at", "source", "raw"] {
                assert!(
                    s.get(key).is_some(),
                    "{name}: every stage has `{key}` (may be null)"
                );
            }
        }
        let bank = &stages[1];
        assert_eq!(bank["state"], "done", "{name}: the money moved");
        assert!(
            bank["at"].as_str().unwrap().ends_with("+08:00"),
            "{name}: times keep their offset"
        );
        assert!(r["conflicts"].is_array());
        assert!(r["diagnosis"]["summary"]["zh-CN"].as_str().unwrap().len() > 10);
        assert!(r["diagnosis"]["summary"]["en"].as_str().unwrap().len() > 10);
        assert!(
            !r["next_steps"].as_array().unwrap().is_empty(),
            "{name}: there is something to do"
        );
        let deadlines = r["deadlines"].as_array().unwrap();
        assert!(
            deadlines
                .iter()
                .all(|d| d["what"].is_string() && d.get("due").is_some()),
            "{name}: deadlines have what and due"
        );
    }
}

#[test]
fn the_card_shop_callback_is_lost_after_the_aggregators_window() {
    let run = Run::new();
    let r = check_json(&run, "card-shop-epay.toml", "2026-11-21 12:00");
    assert_eq!(
        r["diagnosis"]["code"], "callback_lost",
        "彩虹易支付 retries its notify for about an hour; 89 minutes have passed"
    );
    let r = check_json(&run, "douyin-dou-plus-alipay.toml", "2026-11-21 16:30");
    assert_eq!(
        r["diagnosis"]["code"], "callback_late",
        "Alipay still retries for ~25 h"
    );
    assert_eq!(
        r["conflicts"][0]["kind"], "paid_vs_unpaid",
        "DOU+ 支付失败 vs Alipay 交易成功 is a visible conflict"
    );
}

#[test]
fn now_makes_output_reproducible() {
    let run = Run::new();
    let a = check_json(&run, "live-stream-wechat.toml", "2026-11-21 20:40");
    let b = check_json(&run, "live-stream-wechat.toml", "2026-11-21T20:40:00+08:00");
    assert_eq!(
        a, b,
        "the same moment written two ways gives the same report"
    );
    let early = check_json(&run, "live-stream-wechat.toml", "2026-11-21 20:08");
    assert_eq!(
        early["diagnosis"]["code"], "within_normal_window",
        "three minutes after paying nothing is wrong yet"
    );
}

#[test]
fn the_terminal_view_reads_in_both_languages() {
    let run = Run::new();
    let path = example("douyin-dou-plus-alipay.toml");
    let p = path.to_str().unwrap();
    let en = stdout(ok(&run.cmd(&["check", p, "--now", "2026-11-21 16:30"])));
    assert!(
        en.contains("Timeline") && en.contains("broken link"),
        "{en}"
    );
    assert!(!en.contains('\u{1b}'), "NO_COLOR turns colour off");
    let zh = stdout(ok(&run.cmd(&[
        "--lang",
        "zh-CN",
        "check",
        p,
        "--now",
        "2026-11-21 16:30",
    ])));
    assert!(zh.contains("时间线") && zh.contains("断点"), "{zh}");
}

#[test]
fn complaints_in_both_languages_carry_the_facts() {
    let run = Run::new();
    for (name, now) in EXAMPLES {
        let path = example(name);
        for lang in ["zh-CN", "en"] {
            let o = run.cmd(&[
                "complaint",
                path.to_str().unwrap(),
                "--audience",
                "platform_ticket",
                "--lang",
                lang,
                "--now",
                now,
            ]);
            let text = stdout(ok(&o));
            let case: toml::Value =
                toml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            assert!(
                text.contains(case["order_id"].as_str().unwrap()),
                "{name}/{lang}: order ID"
            );
            let pay = case["payment"][0]["id"].as_str().unwrap();
            assert!(text.contains(pay), "{name}/{lang}: payment ID");
            assert!(
                text.contains("2026-11-25"),
                "{name}/{lang}: the dated deadline (3 business days)"
            );
        }
    }
}

#[test]
fn id_recognition_lists_candidates() {
    let run = Run::new();
    let o = run.cmd(&["id", "2026112122001412341408157613", "--json"]);
    let v: Value = serde_json::from_str(&stdout(ok(&o))).unwrap();
    assert_eq!(
        v[0]["issuer"], "alipay",
        "28 digits starting with a date: an Alipay trade_no"
    );
    let o = run.cmd(&["id", "4200002345202611214567890123"]);
    let text = stdout(ok(&o));
    assert!(text.contains("WeChat"), "{text}");
    let o = run.cmd(&["id", "hello world"]);
    assert!(
        stdout(ok(&o)).contains("Not recognised"),
        "an unknown shape says so, exit 0"
    );
}

#[test]
fn bad_input_exits_2_with_a_message_naming_the_problem() {
    let run = Run::new();
    let o = run.cmd(&["check", "/nonexistent/case.toml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("/nonexistent/case.toml"),
        "the file is named: {}",
        stderr(&o)
    );

    let o = run.cmd_stdin(
        &["check", "-", "--json"],
        Some(b"platform = \"x\"\namount = \"abc\"\n"),
    );
    assert_eq!(o.status.code(), Some(2));
    let err: Value =
        serde_json::from_str(stderr(&o).trim()).expect("--json errors are JSON on stderr");
    assert_eq!(err["code"], "invalid_case");
    let fields: Vec<&str> = err["details"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"amount") && fields.contains(&"order_id"),
        "{fields:?}"
    );

    let o = run.cmd_stdin(&["check", "-"], Some(&[0xff, 0xfe, 0x00, 0x41]));
    assert_eq!(o.status.code(), Some(2), "binary garbage is bad input");
    assert!(stderr(&o).contains("UTF-8"));

    let o = run.cmd_stdin(&["check", "-"], Some(b"[[[ not toml"));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not valid TOML"), "{}", stderr(&o));

    let path = example("douyin-dou-plus-alipay.toml");
    let o = run.cmd(&["check", path.to_str().unwrap(), "--now", "tomorrow-ish"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--now"));

    let o = run.cmd(&["complaint", path.to_str().unwrap(), "--audience", "mayor"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("platform_chat"),
        "the expected audiences are listed"
    );

    for o in [
        run.cmd(&["check", "/nonexistent/case.toml"]),
        run.cmd(&["case", "show", "dz-nothing"]),
    ] {
        assert!(
            !stderr(&o).contains("panicked"),
            "never a panic trace for bad input"
        );
    }
}

#[test]
fn cases_live_in_the_case_file() {
    let run = Run::new();
    let id = saved_douyin(&run);

    let o = run.cmd(&["case", "list", "--json"]);
    let list: Value = serde_json::from_str(&stdout(ok(&o))).unwrap();
    assert_eq!(list[0]["id"], id.as_str());
    assert_eq!(list[0]["last_check"]["code"], "callback_late");

    let o = run.cmd(&[
        "complaint",
        "--case",
        &id[..7],
        "--audience",
        "platform_chat",
        "--lang",
        "en",
        "--save",
        "--now",
        "2026-11-21 16:35",
    ]);
    ok(&o);
    let o = run.cmd(&["case", "show", &id, "--json"]);
    let shown: Value = serde_json::from_str(&stdout(ok(&o))).unwrap();
    assert_eq!(
        shown["messages"].as_array().unwrap().len(),
        1,
        "the saved message is kept"
    );
    assert_eq!(shown["checks"].as_array().unwrap().len(), 1);

    let out = run.data.path().join("export.json");
    ok(&run.cmd(&["case", "export", &id, "-o", out.to_str().unwrap()]));
    let exported = std::fs::read_to_string(&out).unwrap();

    let other = Run::new();
    let o = other.cmd(&["case", "import", out.to_str().unwrap()]);
    assert_eq!(stdout(ok(&o)).trim(), id, "import keeps the id");
    let o = other.cmd(&["case", "export", &id]);
    assert_eq!(
        stdout(ok(&o)),
        exported,
        "export → import → export round-trips exactly"
    );
    let o = other.cmd(&["case", "import", out.to_str().unwrap()]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "importing an existing id needs --replace"
    );
    ok(&other.cmd(&["case", "import", out.to_str().unwrap(), "--replace"]));

    ok(&other.cmd(&["case", "delete", &id]));
    let o = other.cmd(&["case", "show", &id]);
    assert_eq!(o.status.code(), Some(2), "a deleted case is gone");
    assert!(stderr(&o).contains(&id));
}

#[test]
fn the_demo_runs() {
    let run = Run::new();
    let o = run.cmd(&["demo"]);
    let text = stdout(ok(&o));
    assert_eq!(
        text.matches("← broken link").count(),
        3,
        "three examples, each with its broken link marked on the timeline"
    );
}

/// Saves the Douyin example in `run`'s case file; returns its id.
fn saved_douyin(run: &Run) -> String {
    let path = example("douyin-dou-plus-alipay.toml");
    let o = run.cmd(&[
        "check",
        path.to_str().unwrap(),
        "--save",
        "--json",
        "--now",
        "2026-11-21 16:30",
    ]);
    let r: Value = serde_json::from_str(&stdout(ok(&o))).unwrap();
    r["case"]["id"]
        .as_str()
        .expect("--save gives the case an id")
        .to_owned()
}

fn import_json(run: &Run, args: &[&str], stdin: Option<&[u8]>) -> Value {
    let o = run.cmd_stdin(args, stdin);
    serde_json::from_str(&stdout(ok(&o))).expect("evidence import --json prints one JSON object")
}

const SMS: &str = "您尾号6789卡11月21日15:15快捷支付支出（消费支付宝-北京微播视界科技有限公司）200.00元，余额1,806.04元。【工商银行】";

#[test]
fn an_sms_is_matched_and_kept_only_when_accepted() {
    let run = Run::new();
    let id = saved_douyin(&run);
    let args = ["evidence", "import", "--sms", "-", "--case", &id, "--json"];
    let r = import_json(&run, &args, Some(SMS.as_bytes()));
    assert_eq!(r["scan"]["format"], "bank_sms");
    let c = &r["scan"]["candidates"][0];
    assert_eq!(c["direct"], false, "an SMS carries no order number");
    assert_eq!(
        c["record"]["amount"], "200.00",
        "the debit, not the balance"
    );
    assert_eq!(c["record"]["year_inferred"], true);
    assert_eq!(r["added"], 0, "nothing is kept until the user accepts it");

    let mut accept = args.to_vec();
    accept.extend(["--accept", "1"]);
    let r = import_json(&run, &accept, Some(SMS.as_bytes()));
    assert_eq!(r["added"], 1, "the accepted SMS is kept");
    let r = import_json(&run, &accept, Some(SMS.as_bytes()));
    assert_eq!(r["added"], 0, "the same SMS twice adds nothing");
    assert_eq!(r["scan"]["candidates"][0]["already_in_case"], true);

    let o = run.cmd(&[
        "check",
        "--case",
        &id,
        "--json",
        "--now",
        "2026-11-21 16:30",
    ]);
    let report: Value = serde_json::from_str(&stdout(ok(&o))).unwrap();
    let events = report["timeline"]["events"].as_array().unwrap();
    assert!(
        events
            .iter()
            .any(|e| e["via"] == "sms" && e["source"] == "bank"),
        "the timeline holds the SMS, named as such: {events:?}"
    );

    let mut bad = args.to_vec();
    bad.extend(["--accept", "9"]);
    let o = run.cmd_stdin(&bad, Some(SMS.as_bytes()));
    assert_eq!(
        o.status.code(),
        Some(2),
        "a pick that is not listed is bad input"
    );
}

#[test]
fn a_bill_row_with_the_payment_number_is_taken_directly() {
    let run = Run::new();
    let id = saved_douyin(&run);
    let mut text = String::from("导出信息：\n共1笔记录\n");
    text.push_str("交易时间,交易分类,交易对方,对方账号,商品说明,收/支,金额,收/付款方式,交易状态,交易订单号,商家订单号,备注,\n");
    text.push_str("2026-11-21 15:15:12,文化休闲,北京微播视界科技有限公司,/,DOU+,支出,200.00,余额,交易成功,2026112122001412341408157613\t,7439201234567890123\t,,\n");
    let (gbk, _, _) = encoding_rs::GB18030.encode(&text);
    let file = run.data.path().join("alipay.csv");
    std::fs::write(&file, &gbk).unwrap();
    let r = import_json(
        &run,
        &[
            "evidence",
            "import",
            file.to_str().unwrap(),
            "--case",
            &id,
            "--json",
        ],
        None,
    );
    assert_eq!(r["scan"]["format"], "alipay_app", "told from the content");
    assert_eq!(r["scan"]["candidates"][0]["direct"], true);
    assert_eq!(
        r["added"], 1,
        "a row carrying the case's number needs no confirmation"
    );

    let o = run.cmd(&["evidence", "import", file.to_str().unwrap(), "--case", &id]);
    let out = stdout(ok(&o));
    assert!(out.contains("Alipay bill (app export)"), "{out}");
    assert!(out.contains("Nothing new was added"), "{out}");
}

#[test]
fn an_unreadable_file_is_named_and_the_case_stays() {
    let run = Run::new();
    let id = saved_douyin(&run);
    let before = stdout(ok(&run.cmd(&["case", "export", &id])));
    let file = run.data.path().join("screenshot.csv");
    std::fs::write(&file, b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").unwrap();
    let o = run.cmd(&["evidence", "import", file.to_str().unwrap(), "--case", &id]);
    assert_eq!(o.status.code(), Some(2), "bad input, not a crash");
    let err = stderr(&o);
    assert!(
        err.contains("image") && err.contains("screenshot.csv"),
        "{err}"
    );
    assert!(!err.contains("panicked"));
    let after = stdout(ok(&run.cmd(&["case", "export", &id])));
    assert_eq!(before, after, "the case is untouched");
}

// ------------------------------------------------------------------ ladder

fn ladder_json(run: &Run, id: &str, now: &str) -> Value {
    let o = run.cmd(&["case", "ladder", id, "--json", "--now", now]);
    serde_json::from_str(&stdout(ok(&o))).expect("case ladder --json prints one JSON object")
}

fn rung<'a>(v: &'a Value, audience: &str) -> &'a Value {
    v["rungs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["audience"] == audience)
        .unwrap_or_else(|| panic!("no {audience} rung in {v}"))
}

#[test]
fn sent_reply_and_close_move_the_ladder() {
    let run = Run::new();
    let id = saved_douyin(&run);
    let now = "2026-11-24 10:00";
    let v = ladder_json(&run, &id, now);
    assert_eq!(v["version"], 1);
    let audiences: Vec<&str> = v["rungs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["audience"].as_str().unwrap())
        .collect();
    assert_eq!(
        audiences,
        [
            "platform_chat",
            "platform_ticket",
            "payment_provider",
            "consumer_12315",
            "heimao"
        ],
        "Alipay, no card: no card-issuer rung"
    );
    assert_eq!(rung(&v, "platform_chat")["status"]["state"], "not_yet");
    assert_eq!(rung(&v, "platform_chat")["current"], true);
    assert_eq!(
        rung(&v, "consumer_12315")["last"],
        "2029-11-21T23:59:59+08:00",
        "12315: 3 years"
    );

    // No complaint was saved: `sent` writes it and keeps it as sent.
    let o = run.cmd(&[
        "case",
        "sent",
        &id,
        "--audience",
        "platform_chat",
        "--at",
        "2026-11-21 16:40",
        "--now",
        now,
    ]);
    assert!(
        stdout(ok(&o)).contains("written and kept as sent"),
        "{}",
        stdout(&o)
    );
    let o = run.cmd_stdin(
        &[
            "case",
            "reply",
            &id,
            "-a",
            "platform_chat",
            "--at",
            "2026-11-21 17:05",
            "--now",
            now,
        ],
        Some("亲，请耐心等待 24 小时。\n".as_bytes()),
    );
    ok(&o);
    let o = run.cmd(&[
        "case",
        "close",
        &id,
        "-a",
        "platform_chat",
        "--note",
        "no help",
        "--now",
        now,
        "--json",
    ]);
    let v: Value = serde_json::from_str(&stdout(ok(&o))).unwrap();
    let chat = rung(&v, "platform_chat");
    assert_eq!(chat["status"]["state"], "closed");
    assert_eq!(chat["status"]["note"], "no help");
    assert_eq!(
        rung(&v, "platform_ticket")["current"],
        true,
        "the ticket is next"
    );
    let kinds: Vec<&str> = v["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["complaint", "answer", "closed"]);
    assert_eq!(v["messages"][1]["text"], "亲，请耐心等待 24 小时。");
    assert_eq!(v["messages"][1]["sent_at"], "2026-11-21T17:05:00+08:00");

    // The terminal view in Chinese names the rungs and the history.
    let o = run.cmd(&["--lang", "zh-CN", "case", "ladder", &id, "--now", now]);
    let text = stdout(ok(&o));
    assert!(
        text.contains("升级阶梯") && text.contains("已结束 2026-11-24"),
        "{text}"
    );
    assert!(text.contains("往来记录"), "{text}");
}

#[test]
fn ladder_commands_name_bad_input() {
    let run = Run::new();
    let id = saved_douyin(&run);
    for (args, stdin, says) in [
        (
            vec!["case", "sent", id.as_str(), "-a", "boss"],
            None,
            "unknown audience",
        ),
        (
            vec!["case", "reply", id.as_str(), "-a", "heimao"],
            Some(&b"  \n"[..]),
            "empty",
        ),
        (
            vec![
                "case",
                "close",
                id.as_str(),
                "-a",
                "heimao",
                "--at",
                "2099-01-01",
            ],
            None,
            "in the future",
        ),
        (vec!["case", "ladder", "dz-zzzzzzzzzz"], None, "no case"),
    ] {
        let o = run.cmd_stdin(&args, stdin);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(
            stderr(&o).contains(says),
            "{args:?} should say {says:?}: {}",
            stderr(&o)
        );
    }
}

#[test]
fn export_writes_markdown_and_a_calendar_and_json_stays_as_it_was() {
    let run = Run::new();
    let id = saved_douyin(&run);
    let dir = tempfile::tempdir().unwrap();
    let (md, ics, json) = (
        dir.path().join("case.md"),
        dir.path().join("case.ics"),
        dir.path().join("case.json"),
    );
    let o = run.cmd(&[
        "case",
        "export",
        &id,
        "--markdown",
        md.to_str().unwrap(),
        "--ics",
        ics.to_str().unwrap(),
        "--lang",
        "zh-CN",
        "--now",
        "2026-11-24 10:00",
    ]);
    ok(&o);
    let md = std::fs::read_to_string(&md).unwrap();
    assert!(
        md.starts_with("# 抖音 DOU+ — 订单 7439201234567890123"),
        "{md}"
    );
    for section in [
        "## 时间线",
        "## 诊断",
        "## 下一步",
        "## 升级阶梯",
        "## 往来记录",
        "## 检查记录",
        "## 证据",
    ] {
        assert!(md.contains(section), "{section} missing:\n{md}");
    }
    assert!(
        md.contains("`dou-plus-order.png`"),
        "attachments by file name"
    );
    let ics = std::fs::read_to_string(&ics).unwrap();
    assert!(ics.starts_with("BEGIN:VCALENDAR\r\n") && ics.ends_with("END:VCALENDAR\r\n"));
    assert!(
        ics.contains(&format!("UID:{id}-consumer_complaint@daozhang")),
        "{ics}"
    );
    assert!(
        ics.contains("DTSTART;VALUE=DATE:20291121"),
        "12315's last day, all day: {ics}"
    );

    // The JSON document export is unchanged.
    ok(&run.cmd(&["case", "export", &id, "-o", json.to_str().unwrap()]));
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(doc["format"], "daozhang-case");
    let o = run.cmd(&["case", "export", &id, "-o", "x.json", "--ics", "y.ics"]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "-o with --ics is refused: {}",
        stderr(&o)
    );
}

#[test]
fn my_details_are_told_once_and_fill_every_complaint() {
    let run = Run::new();
    let card_shop = example("card-shop-epay.toml");
    let card_shop = card_shop.to_str().unwrap();
    let before = stdout(ok(&run.cmd(&[
        "complaint",
        card_shop,
        "-a",
        "consumer_12315",
        "--now",
        "2026-11-21 12:00",
    ])));
    assert!(before.contains("【请填写姓名】"), "{before}");
    assert!(
        !run.data.path().join("cases.sqlite3").exists(),
        "a complaint from a file creates no case file"
    );

    let wrong = run.cmd(&["details", "--phone", "call me", "--email", "zhang@example"]);
    assert_eq!(wrong.status.code(), Some(2), "{}", stderr(&wrong));
    assert!(
        stderr(&wrong).contains("phone") && stderr(&wrong).contains("email"),
        "{}",
        stderr(&wrong)
    );

    ok(&run.cmd(&[
        "details",
        "--name",
        "张三",
        "--phone",
        "13800138000",
        "--address",
        "北京市朝阳区某某路 1 号",
        "--account",
        "卡盟=buyer_42",
    ]));
    let shown: Value = serde_json::from_str(&stdout(ok(&run.cmd(&["details", "--json"])))).unwrap();
    assert_eq!(shown["name"], "张三");
    assert_eq!(
        shown["accounts"]["card_shop"], "buyer_42",
        "an alias names the platform"
    );

    let json: Value = serde_json::from_str(&stdout(ok(&run.cmd(&[
        "complaint",
        card_shop,
        "-a",
        "consumer_12315",
        "--now",
        "2026-11-21 12:00",
        "--json",
    ]))))
    .unwrap();
    let text = json["text"].as_str().unwrap();
    assert!(
        text.contains("姓名：张三")
            && text.contains("13800138000")
            && !text.contains("【请填写姓名】"),
        "{text}"
    );
    let form = json["form"]["fields"].as_array().unwrap();
    let value = |k: &str| form.iter().find(|f| f["key"] == k).unwrap()["value"].clone();
    assert_eq!(value("complainant_name"), "张三");
    assert_eq!(value("complainant_address"), "北京市朝阳区某某路 1 号");
    // The public post masks the account.
    let heimao: Value = serde_json::from_str(&stdout(ok(&run.cmd(&[
        "complaint",
        card_shop,
        "-a",
        "heimao",
        "--now",
        "2026-11-21 12:00",
        "--json",
    ]))))
    .unwrap();
    let account = heimao["form"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["key"] == "account")
        .unwrap()["value"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(!account.is_empty() && account != "buyer_42", "{account}");
    assert!(
        !heimao.to_string().contains("13800138000"),
        "no phone in a public post"
    );
}

#[test]
fn a_reply_with_a_ticket_and_a_promise_is_quoted_by_the_next_complaint() {
    let run = Run::new();
    let id = saved_douyin(&run);
    let o = run.cmd_stdin(
        &[
            "case",
            "reply",
            &id,
            "-a",
            "platform_chat",
            "--at",
            "2026-11-21",
            "--ticket",
            "GD20261121001",
            "--promised-by",
            "2026-11-24",
            "--now",
            "2026-11-22 10:00",
        ],
        Some("已为您提交工单，请耐心等待".as_bytes()),
    );
    ok(&o);
    let text = stdout(ok(&run.cmd(&[
        "complaint",
        "--case",
        &id,
        "-a",
        "platform_ticket",
        "--now",
        "2026-11-26 10:00",
    ])));
    assert!(
        text.contains("工单号 GD20261121001")
            && text.contains("承诺 2026-11-24 前处理，至今仍未处理"),
        "{text}"
    );
    let bad = run.cmd_stdin(
        &[
            "case",
            "reply",
            &id,
            "-a",
            "platform_chat",
            "--promised-by",
            "soon",
        ],
        Some(b"hi"),
    );
    assert_eq!(bad.status.code(), Some(2), "{}", stderr(&bad));
    assert!(stderr(&bad).contains("soon"), "{}", stderr(&bad));
}
