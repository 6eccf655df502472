//! A drafted case: the TOML to save, with where each field came from, what
//! was not used and what is still to fill as comments above it.

use anstream::{eprint, println};

use daozhang::domain::text::Lang;
use daozhang::evidence::draft::Draft;

use super::dim;
use crate::{Result, internal};

pub(crate) fn reading(percent: u64, lang: Lang) {
    eprint!("\r{} {}%", dim(say!(lang, "draft.reading")), percent);
}

pub(crate) fn read_done() {
    eprint!("\r\x1b[K");
}

/// The field's name in `lang` (`payment[0].id` is the payment number).
fn field(name: &str, lang: Lang) -> String {
    let key = name.split(['[', '.']).next().unwrap_or(name);
    match key {
        "platform" | "platform_name" => say!(lang, "draft_field.platform"),
        "order_id" => say!(lang, "draft_field.order_id"),
        "payment" => say!(lang, "draft_field.payment"),
        "amount" => say!(lang, "draft_field.amount"),
        "currency" => say!(lang, "draft_field.currency"),
        "method" => say!(lang, "draft_field.method"),
        "card_last4" => say!(lang, "draft_field.card_last4"),
        "submitted_at" => say!(lang, "draft_field.submitted_at"),
        "timezone" => say!(lang, "draft_field.timezone"),
        "item" => say!(lang, "draft_field.item"),
        "merchant" => say!(lang, "draft_field.merchant"),
        "observation" => say!(lang, "draft_field.observation"),
        "attachment" => say!(lang, "draft_field.attachment"),
        _ => name,
    }
    .to_owned()
}

pub(crate) fn print(d: &Draft, lang: Lang) -> Result<()> {
    let mut head = vec![say!(lang, "draft.head").to_owned()];
    for (i, s) in d.shots.iter().enumerate() {
        let n = i + 1;
        head.push(match (&s.label, &s.error) {
            (_, Some(why)) => {
                say!(
                    lang,
                    "draft.shot_failed",
                    n = n,
                    name = s.name,
                    why = why.get(lang)
                )
            }
            (Some(what), None) => say!(
                lang,
                "draft.shot",
                n = n,
                name = s.name,
                what = what.get(lang)
            ),
            (None, None) => s.name.clone(),
        });
    }
    for f in &d.from {
        head.push(say!(
            lang,
            "draft.from",
            field = field(&f.field, lang),
            n = f.shot + 1
        ));
    }
    for w in &d.warnings {
        head.push(say!(lang, "draft.warning", text = w.get(lang)));
    }
    if d.missing.is_empty() {
        head.push(say!(lang, "draft.complete").to_owned());
    }
    for m in &d.missing {
        head.push(say!(lang, "draft.missing", field = field(&m.field, lang)));
    }
    // Lists with nothing in them (no contacts yet) are left out.
    let mut value = toml::Value::try_from(&d.case).map_err(internal)?;
    if let toml::Value::Table(t) = &mut value {
        t.retain(|_, v| !matches!(v, toml::Value::Array(a) if a.is_empty()));
    }
    let toml = toml::to_string(&value).map_err(internal)?;
    for line in head {
        println!("# {line}");
    }
    println!();
    print!("{toml}");
    Ok(())
}
