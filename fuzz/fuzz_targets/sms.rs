//! Bank SMS, one or many, as pasted.
#![no_main]

use chrono::NaiveDate;
use daozhang::domain::time::china;
use daozhang::evidence::sms;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let day = NaiveDate::from_ymd_opt(2026, 11, 21).expect("a valid day");
    let _ = sms::parse(text, china(), day, &mut |_| Ok(()));
});
