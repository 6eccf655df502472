//! Any file given as evidence: the format told from its bytes, then read
//! and matched against a case, as the app does with a file; and the same
//! bytes as pasted text where they are UTF-8.
#![no_main]

use std::io::Cursor;
use std::sync::LazyLock;

use daozhang::domain::case::{Case, parse_case_toml};
use daozhang::evidence::{detect, scan_reader, scan_text};
use libfuzzer_sys::fuzz_target;

static CASE: LazyLock<Case> = LazyLock::new(|| {
    parse_case_toml(include_str!("../../examples/douyin-dou-plus-alipay.toml"))
        .expect("the example validates")
});

fuzz_target!(|data: &[u8]| {
    let _ = detect(data);
    let _ = scan_reader(Cursor::new(data), data.len() as u64, &CASE, &mut |_, _| {
        true
    });
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = scan_text(text, &CASE);
    }
});
