//! A transaction detail page copied as text.
#![no_main]

use daozhang::domain::time::china;
use daozhang::evidence::receipt;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let _ = receipt::parse(text, china(), &mut |_| Ok(()));
});
