//! Time zones and times as people type them.
#![no_main]

use chrono::NaiveDate;
use daozhang::domain::time::{china, parse_moment, parse_zone};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Some(z) = parse_zone(text) {
        assert!(z.local_minus_utc().abs() <= 15 * 3600, "{z}");
    }
    let _ = parse_moment(text, china(), None);
    let _ = parse_moment(text, china(), NaiveDate::from_ymd_opt(2026, 11, 21));
});
