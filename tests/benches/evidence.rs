//! How fast Daozhang reads and matches a large bill, next to a plain
//! Python `csv` read of the same file.
//!
//! Generates a 100,000-row Alipay app export (GBK) and a 100,000-row
//! WeChat Pay CSV (UTF-8) into a temp dir — everyday fillers with the
//! case's own payment in the middle — then times
//! `daozhang::evidence::scan_file` (detect, decode, parse, match) against
//! the Douyin / live-stream example case over several runs, and a Python
//! `csv.reader` loop that only counts the rows.
//!
//!     cargo bench -p daozhang-tests --bench evidence

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use daozhang::domain::case::{Case, parse_case_toml};
use daozhang::evidence::scan_file;
use daozhang_tests::bills::{self, Row};

const ROWS: usize = 100_000;
const RUNS: usize = 9;

struct Bill {
    name: &'static str,
    path: std::path::PathBuf,
    case: Case,
    /// For Python: the text encoding and the lines before the header.
    encoding: &'static str,
    preamble: usize,
}

fn case(toml: &str) -> Case {
    parse_case_toml(toml).expect("the example validates")
}

/// `ROWS` rows: fillers with `paid` in the middle.
fn rows(filler: fn(usize) -> Row, paid: Row) -> impl Iterator<Item = Row> {
    let middle = ROWS / 2;
    (0..ROWS - 1).flat_map(move |i| {
        if i == middle {
            vec![paid.clone(), filler(i)]
        } else {
            vec![filler(i)]
        }
    })
}

fn daozhang_runs(b: &Bill) -> Vec<Duration> {
    let mut times = Vec::with_capacity(RUNS);
    // One run to warm the page cache and the allocator, not counted.
    for run in 0..=RUNS {
        let t = Instant::now();
        let s = scan_file(&b.path, &b.case, &mut |_, _| true).expect("the bill reads");
        let took = t.elapsed();
        assert_eq!(s.summary.rows, ROWS as u64, "{}: every row read", b.name);
        assert!(
            s.candidates.first().is_some_and(|c| c.direct),
            "{}: the case's payment is found",
            b.name
        );
        if run > 0 {
            times.push(took);
        }
    }
    times.sort();
    times
}

const PYTHON: &str = r#"
import csv, sys, time
path, enc, skip, runs = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
best, rows = None, 0
for _ in range(runs + 1):
    t = time.perf_counter()
    with open(path, encoding=enc, newline="") as f:
        for _ in range(skip):
            f.readline()
        n = 0
        for row in csv.reader(f):
            n += 1
    took = time.perf_counter() - t
    rows = n - 1  # the header
    best = took if best is None else min(best, took)
print(best, rows)
"#;

/// Python's best time over `RUNS` (after one warm-up), and the rows it counted.
fn python_min(b: &Bill) -> Option<(Duration, u64)> {
    let out = Command::new("python3")
        .args(["-c", PYTHON])
        .arg(&b.path)
        .args([b.encoding, &b.preamble.to_string(), &RUNS.to_string()])
        .output()
        .ok()?;
    if !out.status.success() {
        eprintln!("python3 failed: {}", String::from_utf8_lossy(&out.stderr));
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut parts = text.split_whitespace();
    let secs: f64 = parts.next()?.parse().ok()?;
    let rows: u64 = parts.next()?.parse().ok()?;
    Some((Duration::from_secs_f64(secs), rows))
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

fn main() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let write = |path: &Path, f: &dyn Fn(&mut BufWriter<File>) -> std::io::Result<()>| {
        let mut w = BufWriter::new(File::create(path).expect("created"));
        f(&mut w).expect("written");
    };

    let douyin = case(include_str!("../../examples/douyin-dou-plus-alipay.toml"));
    let live = case(include_str!("../../examples/live-stream-wechat.toml"));
    let paid = Row::live_stream();
    assert_eq!(
        (paid.trade_no.as_str(), paid.merchant_no.as_str()),
        (live.payments[0].id.as_str(), live.order_id.as_str()),
        "Row::live_stream is the example's payment"
    );

    let alipay = dir.path().join("alipay_record_20261201_0912_1.csv");
    write(&alipay, &|w| {
        bills::write_alipay_app(w, rows(Row::filler, Row::douyin()), ROWS)
    });
    let wechat = dir.path().join("微信支付账单(20261101-20261201).csv");
    write(&wechat, &|w| {
        bills::write_wechat_csv(w, rows(Row::wechat_filler, paid.clone()), ROWS)
    });

    let bills = [
        Bill {
            name: "Alipay app export (GBK)",
            path: alipay,
            case: douyin,
            encoding: "gbk",
            preamble: 24,
        },
        Bill {
            name: "WeChat Pay CSV (UTF-8)",
            path: wechat,
            case: live,
            encoding: "utf-8",
            preamble: 16,
        },
    ];

    println!(
        "\n{ROWS} rows each; Daozhang = scan_file (detect, decode, parse, match), {RUNS} runs after a warm-up;"
    );
    println!("Python = csv.reader counting rows, best of {RUNS} after a warm-up.\n");
    println!(
        "| {:<24} | {:>8} | {:>13} | {:>15} | {:>10} | {:>8} | {:>12} | {:>13} |",
        "format",
        "size",
        "Daozhang min",
        "Daozhang median",
        "rows/s",
        "MB/s",
        "Python min",
        "Daozhang/Py"
    );
    println!(
        "|{:-<26}|{:->10}|{:->15}|{:->17}|{:->12}|{:->10}|{:->14}|{:->15}|",
        "", "", "", "", "", "", "", ""
    );
    for b in &bills {
        let size = std::fs::metadata(&b.path).expect("written").len();
        let times = daozhang_runs(b);
        let (min, median) = (times[0], times[times.len() / 2]);
        let py = python_min(b);
        if let Some((_, rows)) = py {
            assert_eq!(rows, ROWS as u64, "{}: Python counts the same rows", b.name);
        }
        println!(
            "| {:<24} | {:>5.1} MB | {:>13} | {:>15} | {:>10.0} | {:>8.1} | {:>12} | {:>13} |",
            b.name,
            size as f64 / 1e6,
            ms(min),
            ms(median),
            ROWS as f64 / min.as_secs_f64(),
            size as f64 / 1e6 / min.as_secs_f64(),
            py.map_or("n/a".into(), |(d, _)| ms(d)),
            py.map_or("n/a".into(), |(d, _)| format!(
                "{:.2}×",
                min.as_secs_f64() / d.as_secs_f64()
            )),
        );
    }
    println!();
}
