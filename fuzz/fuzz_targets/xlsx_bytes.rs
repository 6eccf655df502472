//! WeChat Pay's Excel bill from any bytes (a zip, or not).
#![no_main]

use std::io::Cursor;

use daozhang::domain::time::china;
use daozhang::evidence::wechat;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let size = data.len() as u64;
    let _ = wechat::parse_xlsx(
        Cursor::new(data),
        size,
        china(),
        &mut |_| Ok(()),
        &mut |done, total| {
            assert!(done <= total, "progress {done} of {total}");
            true
        },
    );
});
