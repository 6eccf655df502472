//! `daozhang id`: which system issued an order or payment ID.

use daozhang::domain::text::Lang;
use daozhang::ids;

use crate::{Result, output};

pub(crate) fn id(input: &str, json: bool, lang: Lang) -> Result<()> {
    let candidates = ids::recognise(input);
    if json {
        return output::json(&candidates);
    }
    output::ids::print(&candidates, lang);
    Ok(())
}
