//! The complaint as the user copies it: subject, text, and on stderr what
//! is still missing.

use std::io::Write;

use anstream::eprintln;

use daozhang::complaint::Complaint;
use daozhang::domain::text::Lang;
use daozhang::error::{BoundaryError, ErrorCode};

use crate::Result;

pub(crate) fn print(c: &Complaint, lang: Lang) -> Result<()> {
    let mut out = std::io::stdout().lock();
    let mut text = String::new();
    if let Some(sub) = &c.subject {
        text.push_str(&say!(lang, "complaint.subject", subject = sub));
        text.push_str("\n\n");
    }
    text.push_str(&c.text);
    out.write_all(text.as_bytes())
        .map_err(|e| BoundaryError::new(ErrorCode::Io, e.to_string()))?;
    if !c.missing.is_empty() {
        eprintln!(
            "\n{}",
            say!(
                lang,
                "complaint.still_missing",
                items = c.missing.join(say!(lang, "list.semicolon"))
            )
        );
    }
    Ok(())
}
