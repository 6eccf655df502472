//! ID recognition on any pasted text, on a fixed day.
#![no_main]

use chrono::NaiveDate;
use daozhang::domain::ids::recognise_at;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let day = NaiveDate::from_ymd_opt(2026, 11, 21).expect("a valid day");
    let _ = recognise_at(text, day);
});
