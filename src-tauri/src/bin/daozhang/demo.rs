//! `daozhang demo`: the three bundled example cases, checked.

use daozhang::domain::case::parse_case_toml;
use daozhang::domain::text::Lang;
use daozhang::report::CheckReport;

use crate::input::parse_now;
use crate::{Result, internal, output};

const DEMOS: [(&str, &str, &str); 3] = [
    (
        "examples/douyin-dou-plus-alipay.toml",
        include_str!("../../../../examples/douyin-dou-plus-alipay.toml"),
        "2026-11-21 16:30",
    ),
    (
        "examples/live-stream-wechat.toml",
        include_str!("../../../../examples/live-stream-wechat.toml"),
        "2026-11-21 20:40",
    ),
    (
        "examples/card-shop-epay.toml",
        include_str!("../../../../examples/card-shop-epay.toml"),
        "2026-11-21 12:00",
    ),
];

pub(crate) fn demo(lang: Lang) -> Result<()> {
    for (i, (name, text, now)) in DEMOS.iter().enumerate() {
        let case = parse_case_toml(text).map_err(internal)?;
        let now = parse_now(Some(now), Some(&case))?;
        output::report::demo_header(i == 0, name, now);
        let report = CheckReport::check(&case, None, now);
        output::report::print_report(&case, &report, lang);
    }
    output::report::demo_end(lang);
    Ok(())
}
