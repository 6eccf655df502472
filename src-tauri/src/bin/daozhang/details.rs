//! `daozhang details`: "my details", shown or changed.

use daozhang::domain::case::{FieldError, platform_presets};
use daozhang::domain::text::Lang;
use daozhang::error::BoundaryError;
use daozhang::store::Store;

use crate::cli::DetailsArgs;
use crate::{Result, output};

pub(crate) fn details(a: DetailsArgs, lang: Lang, mut store: Store) -> Result<()> {
    let mut d = store.my_details().map_err(BoundaryError::from)?;
    let changes = a.name.is_some()
        || a.phone.is_some()
        || a.email.is_some()
        || a.address.is_some()
        || !a.account.is_empty();
    if changes {
        for (field, given) in [
            (&mut d.name, a.name),
            (&mut d.phone, a.phone),
            (&mut d.email, a.email),
            (&mut d.address, a.address),
        ] {
            if let Some(v) = given {
                *field = Some(v);
            }
        }
        let mut wrong = Vec::new();
        for pair in &a.account {
            let Some((platform, account)) = pair.split_once('=') else {
                wrong.push(FieldError {
                    field: "--account".into(),
                    given: Some(pair.clone()),
                    expected: "PLATFORM=ACCOUNT, e.g. douyin_dou_plus=\"抖音号 creator_2026\""
                        .into(),
                });
                continue;
            };
            let key = platform.trim().to_lowercase();
            let Some(preset) = platform_presets()
                .iter()
                .find(|p| p.id == key || p.aliases.contains(&key))
            else {
                wrong.push(FieldError {
                    field: "--account".into(),
                    given: Some(platform.to_owned()),
                    expected: format!(
                        "one of {}",
                        platform_presets()
                            .iter()
                            .map(|p| p.id.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                });
                continue;
            };
            if account.trim().is_empty() {
                d.accounts.remove(&preset.id);
            } else {
                d.accounts.insert(preset.id.clone(), account.to_owned());
            }
        }
        if !wrong.is_empty() {
            return Err(BoundaryError::invalid_details(wrong));
        }
        d = d.validated().map_err(BoundaryError::invalid_details)?;
        store
            .save_my_details(&d, chrono::Local::now().fixed_offset())
            .map_err(BoundaryError::from)?;
    }
    if a.json {
        return output::json(&d);
    }
    let unset = say!(lang, "details.unset");
    let show = |v: &Option<String>| v.clone().unwrap_or_else(|| unset.to_owned());
    let mut t = format!("{}\n", say!(lang, "details.title"));
    for (label, v) in [
        (say!(lang, "details.name"), &d.name),
        (say!(lang, "details.phone"), &d.phone),
        (say!(lang, "details.email"), &d.email),
        (say!(lang, "details.address"), &d.address),
    ] {
        t.push_str(&format!("  {label}: {}\n", show(v)));
    }
    for p in platform_presets() {
        if let Some(acc) = d.accounts.get(&p.id) {
            let name = match lang {
                Lang::ZhCn => &p.name_zh,
                Lang::En => &p.name_en,
            };
            t.push_str(&format!(
                "  {}: {acc}\n",
                say!(lang, "details.account", platform = name)
            ));
        }
    }
    if changes {
        t.push_str(say!(lang, "details.saved"));
        t.push('\n');
    }
    print!("{t}");
    Ok(())
}
