//! The complaint as the user copies it: subject, text, and on stderr what
//! is still missing.

use std::io::Write;

use anstream::eprintln;

use daozhang::complaint::{Complaint, Form};
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
    if let Some(form) = &c.form {
        text.push_str(&form_text(form, lang));
    }
    out.write_all(text.as_bytes())
        .map_err(|e| BoundaryError::new(ErrorCode::Io, e.to_string()))?;
    for n in &c.notes {
        eprintln!("\n! {}", n.get(lang));
    }
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

/// A channel's form box by box: label, count against the limit, value.
fn form_text(form: &Form, lang: Lang) -> String {
    let mut t = format!(
        "\n\n{}\n",
        say!(
            lang,
            "complaint.form",
            name = form.name.get(lang),
            place = form.place.get(lang)
        )
    );
    for n in &form.notes {
        t.push_str(&format!("  ! {}\n", n.get(lang)));
    }
    for f in &form.fields {
        let count = match f.limit {
            Some(l) if f.over() => format!(
                " [{}/{l}, {}]",
                f.chars,
                say!(lang, "complaint.form_over", n = f.chars - l)
            ),
            Some(l) => format!(" [{}/{l}]", f.chars),
            None => String::new(),
        };
        let value = if f.value.is_empty() {
            say!(lang, "complaint.form_empty").to_owned()
        } else if f.value.contains('\n') {
            format!("\n    {}", f.value.replace('\n', "\n    "))
        } else {
            f.value.clone()
        };
        let star = if f.required { "*" } else { "" };
        t.push_str(&format!("- {}{star}{count}: {value}\n", f.label.get(lang)));
    }
    t
}
