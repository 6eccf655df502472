//! How fast Daozhang reads and matches a large bill, next to Python
//! counting the rows of the same file, and next to the floor.
//!
//! Generates a 100,000-row Alipay app export (GBK), a 100,000-row WeChat
//! Pay CSV (UTF-8) and the same WeChat bill as an Excel workbook into a
//! temp dir — everyday fillers with the case's own payment in the middle —
//! then times `daozhang::evidence::scan_file` (detect, decode, parse,
//! match) against the Douyin / live-stream example case over several runs;
//! in the same run a Python loop that only counts the rows (`csv.reader`
//! over the decoded text; for the workbook the standard library's way,
//! `zipfile` + `xml.etree.ElementTree.iterparse` counting `<row>`s); and
//! the bare floor: for the CSVs decoding the whole file to UTF-8 with
//! `encoding_rs` and splitting it into records with `csv_core`; for the
//! workbook inflating its parts, nothing parsed.
//!
//!     cargo bench -p daozhang-tests --bench evidence

use std::fs::File;
use std::io::{BufWriter, Read};
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
    /// How Python counts its rows.
    python: Python,
}

enum Python {
    /// `csv.reader` over the text: its encoding, the lines before the header.
    Csv {
        encoding: &'static str,
        preamble: usize,
    },
    /// `zipfile` + `iterparse`, the rows of the first sheet.
    Xlsx,
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

const PYTHON_CSV: &str = r#"
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

const PYTHON_XLSX: &str = r#"
import sys, time, zipfile
import xml.etree.ElementTree as ET
path, runs = sys.argv[1], int(sys.argv[2])
ROW = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}row"
best, rows = None, 0
for _ in range(runs + 1):
    t = time.perf_counter()
    with zipfile.ZipFile(path) as z:
        sheet = sorted(n for n in z.namelist() if n.startswith("xl/worksheets/sheet"))[0]
        with z.open(sheet) as f:
            n = 0
            for _, el in ET.iterparse(f):
                if el.tag == ROW:
                    n += 1
                    el.clear()
    took = time.perf_counter() - t
    rows = n  # with the preamble's and the header's rows
    best = took if best is None else min(best, took)
print(best, rows)
"#;

/// Python's best time over `RUNS` (after one warm-up), and the rows it counted.
fn python_min(b: &Bill) -> Option<(Duration, u64)> {
    let mut cmd = Command::new("python3");
    match b.python {
        Python::Csv { encoding, preamble } => cmd
            .args(["-c", PYTHON_CSV])
            .arg(&b.path)
            .args([encoding, &preamble.to_string()]),
        Python::Xlsx => cmd.args(["-c", PYTHON_XLSX]).arg(&b.path),
    };
    let out = cmd.arg(RUNS.to_string()).output().ok()?;
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

/// The floor for a CSV bill: the whole file decoded to UTF-8 and split
/// into records, nothing looked at; the best of `RUNS` after a warm-up,
/// and the records counted.
fn floor_min(b: &Bill) -> Option<(Duration, u64)> {
    let Python::Csv { encoding, .. } = b.python else {
        return Some(inflate_min(b));
    };
    let enc = encoding_rs::Encoding::for_label(encoding.as_bytes()).expect("a known encoding");
    let mut best: Option<(Duration, u64)> = None;
    let mut input = vec![0u8; 256 << 10];
    let mut text = vec![0u8; 3 * (256 << 10) + 16];
    let (mut fields, mut ends) = (vec![0u8; 1 << 16], vec![0usize; 256]);
    for _ in 0..=RUNS {
        let t = Instant::now();
        let mut file = File::open(&b.path).expect("the bill opens");
        let mut decoder = enc.new_decoder_without_bom_handling();
        let mut csv = csv_core::Reader::new();
        let mut records = 0u64;
        loop {
            let n = file.read(&mut input).expect("the bill reads");
            let (_, _, written, _) = decoder.decode_to_utf8(&input[..n], &mut text, n == 0);
            let mut rest = &text[..written];
            loop {
                let (res, nin, _, _) = csv.read_record(rest, &mut fields, &mut ends);
                rest = &rest[nin..];
                match res {
                    csv_core::ReadRecordResult::Record => records += 1,
                    csv_core::ReadRecordResult::InputEmpty | csv_core::ReadRecordResult::End => {
                        break;
                    }
                    other => panic!("the floor's buffers are large enough: {other:?}"),
                }
                if rest.is_empty() && n > 0 {
                    break;
                }
            }
            if n == 0 {
                break;
            }
        }
        let took = t.elapsed();
        if best.is_none_or(|(d, _)| took < d) {
            best = Some((took, records));
        }
    }
    best
}

/// The floor for an Excel bill: every part of the workbook inflated (the
/// zip crate, zlib-rs), nothing parsed; the sheet's `<row` tags counted.
fn inflate_min(b: &Bill) -> (Duration, u64) {
    let mut best: Option<(Duration, u64)> = None;
    let mut sheet = Vec::new();
    for _ in 0..=RUNS {
        let t = Instant::now();
        let file = std::io::BufReader::new(File::open(&b.path).expect("the bill opens"));
        let mut zip = zip::ZipArchive::new(file).expect("a zip");
        let mut records = 0;
        for i in 0..zip.len() {
            let mut part = zip.by_index(i).expect("a part");
            sheet.clear();
            part.read_to_end(&mut sheet).expect("it inflates");
            if part.name().is_ok_and(|n| n.starts_with("xl/worksheets/")) {
                records += memchr::memmem::find_iter(&sheet, b"<row").count() as u64;
            }
        }
        let took = t.elapsed();
        if best.is_none_or(|(d, _)| took < d) {
            best = Some((took, records));
        }
    }
    best.expect("runs")
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
    let workbook = dir.path().join("微信支付账单(20261101-20261201).xlsx");
    let all: Vec<Row> = rows(Row::wechat_filler, paid.clone()).collect();
    std::fs::write(&workbook, bills::wechat_xlsx(&all)).expect("written");
    drop(all);

    let bills = [
        Bill {
            name: "Alipay app export (GBK)",
            path: alipay,
            case: douyin,
            python: Python::Csv {
                encoding: "gbk",
                preamble: 24,
            },
        },
        Bill {
            name: "WeChat Pay CSV (UTF-8)",
            path: wechat,
            case: live.clone(),
            python: Python::Csv {
                encoding: "utf-8",
                preamble: 16,
            },
        },
        Bill {
            name: "WeChat Pay Excel (XLSX)",
            path: workbook,
            case: live,
            python: Python::Xlsx,
        },
    ];

    println!(
        "\n{ROWS} rows each; Daozhang = scan_file (detect, decode, parse, match), {RUNS} runs after a warm-up;"
    );
    println!(
        "Python = counting rows (csv.reader; zipfile + iterparse for Excel), best of {RUNS} after a warm-up;"
    );
    println!(
        "floor = the whole file decoded to UTF-8 (encoding_rs) and split into records (csv_core); for Excel every part inflated (zip, zlib-rs), nothing parsed; best of {RUNS}.\n"
    );
    println!(
        "| {:<24} | {:>8} | {:>13} | {:>15} | {:>10} | {:>12} | {:>14} | {:>10} | {:>15} |",
        "format",
        "size",
        "Daozhang min",
        "Daozhang median",
        "rows/s",
        "Python min",
        "Python/Daozhang",
        "floor min",
        "Daozhang/floor"
    );
    println!(
        "|{:-<26}|{:->10}|{:->15}|{:->17}|{:->12}|{:->14}|{:->16}|{:->12}|{:->17}|",
        "", "", "", "", "", "", "", "", ""
    );
    for b in &bills {
        let size = std::fs::metadata(&b.path).expect("written").len();
        let times = daozhang_runs(b);
        let (min, median) = (times[0], times[times.len() / 2]);
        let py = python_min(b);
        if let Some((_, rows)) = py {
            match b.python {
                Python::Csv { .. } => {
                    assert_eq!(rows, ROWS as u64, "{}: Python counts the same rows", b.name)
                }
                Python::Xlsx => assert!(
                    (ROWS as u64..ROWS as u64 + 20).contains(&rows),
                    "{}: Python counts the bill's rows and the few above them: {rows}",
                    b.name
                ),
            }
        }
        let floor = floor_min(b);
        if let Some((_, records)) = floor {
            assert!(
                records > ROWS as u64,
                "{}: the floor splits every row",
                b.name
            );
        }
        let ratio = |a: Duration, b: Duration| format!("{:.2}×", a.as_secs_f64() / b.as_secs_f64());
        println!(
            "| {:<24} | {:>5.1} MB | {:>13} | {:>15} | {:>10.0} | {:>12} | {:>15} | {:>10} | {:>15} |",
            b.name,
            size as f64 / 1e6,
            ms(min),
            ms(median),
            ROWS as f64 / min.as_secs_f64(),
            py.map_or("n/a".into(), |(d, _)| ms(d)),
            py.map_or("n/a".into(), |(d, _)| ratio(d, min)),
            floor.map_or("n/a".into(), |(d, _)| ms(d)),
            floor.map_or("n/a".into(), |(d, _)| ratio(min, d)),
        );
    }
    println!();
}
