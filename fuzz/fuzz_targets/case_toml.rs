//! The case file: TOML (and its JSON form) from any text. A typed error or
//! a case, never a panic.
#![no_main]

use daozhang::domain::case::{parse_case_json, parse_case_toml};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let _ = parse_case_toml(text);
    let _ = parse_case_json(text);
});
