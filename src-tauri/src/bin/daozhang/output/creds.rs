//! The live sources' settings: which are set up, one source's fields
//! (never a secret value), what saving or deleting did.

use anstream::println;
use anstyle::AnsiColor;

use daozhang::domain::text::{Bilingual, Lang};
use daozhang::sources::creds::Origin;
use daozhang::sources::settings::SourceSettings;

use super::{bold, dim, style};

fn origin_name(o: Origin, lang: Lang) -> &'static str {
    match o {
        Origin::Keychain => say!(lang, "creds.origin_keychain"),
        Origin::Environment => say!(lang, "creds.origin_environment"),
        Origin::Both => say!(lang, "creds.origin_both"),
    }
}

pub(crate) fn list(all: &[SourceSettings], lang: Lang) {
    for s in all {
        let state = match (s.ready, s.origin) {
            (true, Some(o)) => say!(lang, "creds.set_up", origin = origin_name(o, lang)),
            (false, Some(_)) => say!(lang, "creds.incomplete").to_owned(),
            _ => say!(lang, "creds.not_set_up").to_owned(),
        };
        println!("{:<12} {:<14} {}", s.id, s.label.get(lang), state);
        if let Some(p) = &s.problem {
            println!("  {}", p.get(lang));
        }
    }
}

pub(crate) fn show(v: &SourceSettings, lang: Lang) {
    println!("{}", bold(v.label.get(lang)));
    if let Some(p) = &v.problem {
        let red = style(AnsiColor::Red).bold();
        println!("  {red}!{red:#} {}", p.get(lang));
    }
    for f in &v.fields {
        let value = match (&f.value, f.has_value, f.secret) {
            (_, true, true) => say!(lang, "creds.secret_set").to_owned(),
            (Some(v), _, false) if f.multiline => {
                format!("{}…", v.lines().next().unwrap_or_default())
            }
            (Some(v), _, false) => v.clone(),
            (None, false, _) => match &f.default {
                Some(d) => say!(lang, "creds.default", value = d),
                None if f.required => say!(lang, "creds.missing").to_owned(),
                None => "—".into(),
            },
            _ => "—".into(),
        };
        let env = if f.from_env {
            format!("  [{}]", f.env_var)
        } else {
            String::new()
        };
        println!("  {:<20} {value}{}", f.key, dim(&env));
    }
}

/// After `creds set`: saved, and which required fields are still empty.
pub(crate) fn saved(v: &SourceSettings, lang: Lang) {
    let missing: Vec<&str> = v
        .fields
        .iter()
        .filter(|f| f.required && !f.has_value && f.default.is_none())
        .map(|f| f.key.as_str())
        .collect();
    println!("{}", say!(lang, "creds.saved", source = v.label.get(lang)));
    if !missing.is_empty() {
        println!(
            "{}",
            say!(
                lang,
                "creds.still_missing",
                fields = missing.join(say!(lang, "list.comma"))
            )
        );
    }
}

/// After `creds delete`: whether the keychain held the source's settings.
pub(crate) fn deleted(source: &Bilingual, removed: bool, lang: Lang) {
    let text = if removed {
        say!(lang, "creds.deleted", source = source.get(lang))
    } else {
        say!(lang, "creds.none_to_delete", source = source.get(lang))
    };
    println!("{text}");
}
