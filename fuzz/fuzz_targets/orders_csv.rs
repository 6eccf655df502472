//! The batch screen's orders CSV (the batch module's own reader).
#![no_main]

use daozhang::batch::import;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = import::parse(data);
});
