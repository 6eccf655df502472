//! The complaint as the boxes of a channel's form (12315, 黑猫): each value
//! to copy into its own box, with the form's limit and a count. The fields,
//! labels, limits and value templates are data
//! (`data/complaints/forms/*.toml`); this module fills them in.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use minijinja::{Value, context};
use serde::{Deserialize, Serialize};

use super::render_str;
use crate::domain::diagnosis::Audience;
use crate::domain::observation::SourceKind;
use crate::domain::text::{Bilingual, Lang};

/// A channel's form, filled in.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct Form {
    /// The channel's name.
    pub name: Bilingual,
    /// Where the form is: site, app, the taps to it.
    pub place: Bilingual,
    /// What to know before sending (who may refuse it, what to attach).
    pub notes: Vec<Bilingual>,
    pub fields: Vec<FormField>,
}

/// One box of the form.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct FormField {
    pub key: String,
    pub label: Bilingual,
    /// What goes in the box, in the form's language (Chinese for 12315 and
    /// 黑猫, whatever the complaint's); empty when the case does not hold it.
    pub value: String,
    /// The box's limit in characters, where it has one.
    pub limit: Option<u32>,
    /// The value's length in characters (a Chinese character counts one).
    pub chars: u32,
    pub required: bool,
    /// Where to find the value, or how to fill the box.
    pub hint: Option<Bilingual>,
    /// The options of a box that is picked, not typed; `value` is one.
    pub choices: Vec<String>,
}

impl FormField {
    /// Required and still empty.
    pub fn missing(&self) -> bool {
        self.required && self.value.is_empty()
    }

    /// Longer than the box takes.
    pub fn over(&self) -> bool {
        self.limit.is_some_and(|l| self.chars > l)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FormFile {
    name_zh: String,
    name_en: String,
    place_zh: String,
    place_en: String,
    field: Vec<FieldSpec>,
    #[serde(default)]
    note: Vec<NoteSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FieldSpec {
    key: String,
    label_zh: String,
    label_en: String,
    required: bool,
    #[serde(default)]
    limit: Option<u32>,
    /// A minijinja template over the complaint's facts, in Chinese.
    value: String,
    #[serde(default)]
    hint_zh: Option<String>,
    #[serde(default)]
    hint_en: Option<String>,
    #[serde(default)]
    choices: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NoteSpec {
    /// `always`, or a fact of the case that must hold (`business_use`).
    when: String,
    text_zh: String,
    text_en: String,
}

/// The forms by key: an audience's code, or for the payment channel the
/// audience and the payer (`payment_provider.alipay`), whose in-app forms
/// differ.
static FORMS: LazyLock<BTreeMap<&'static str, FormFile>> = LazyLock::new(|| {
    macro_rules! forms {
        ($($key:literal),*) => {
            BTreeMap::from([$((
                $key,
                toml::from_str::<FormFile>(include_str!(concat!("../../data/complaints/forms/", $key, ".toml")))
                    .unwrap_or_else(|e| panic!("data/complaints/forms/{}.toml: {e}", $key)),
            )),*])
        };
    }
    forms!(
        "consumer_12315",
        "heimao",
        "payment_provider.alipay",
        "payment_provider.wechat_pay"
    )
});

/// The key of the form `audience` fills in when `payer` took the money.
pub fn form_key(audience: Audience, payer: Option<SourceKind>) -> Option<&'static str> {
    let key = match (audience, payer) {
        (Audience::PaymentProvider, Some(p)) => format!("{}.{}", audience.code(), p.code()),
        (a, _) => a.code().to_owned(),
    };
    FORMS.keys().find(|k| **k == key).copied()
}

/// Whether `audience` has a form when `payer` took the money.
pub fn has_form(audience: Audience, payer: Option<SourceKind>) -> bool {
    form_key(audience, payer).is_some()
}

/// `audience`'s form filled in from `ctx` (the complaint's template
/// context); `facts` names the case's facts a note may ask for. The values
/// are Chinese whatever `lang` is: in English the form says so first.
pub fn fill(
    key: &str,
    lang: Lang,
    ctx: &Value,
    facts: &[&str],
    tidy: impl Fn(&str) -> String,
) -> Option<Form> {
    let spec = FORMS.get(key)?;
    let fields = spec
        .field
        .iter()
        .map(|f| {
            let render = |brief: bool| {
                let ctx = context! { brief => brief, ..ctx.clone() };
                let text = render_str(&f.value, &ctx);
                tidy(text.trim()).trim().to_owned()
            };
            let mut value = render(false);
            // Over the limit with everything told: leave the events out
            // (the attached screenshots carry them).
            if f.limit.is_some_and(|l| count(&value) > l) {
                value = render(true);
            }
            FormField {
                key: f.key.clone(),
                label: Bilingual::new(f.label_zh.clone(), f.label_en.clone()),
                chars: count(&value),
                value,
                limit: f.limit,
                required: f.required,
                hint: match (&f.hint_zh, &f.hint_en) {
                    (Some(zh), Some(en)) => Some(Bilingual::new(zh.clone(), en.clone())),
                    _ => None,
                },
                choices: f.choices.clone(),
            }
        })
        .collect();
    Some(Form {
        name: Bilingual::new(spec.name_zh.clone(), spec.name_en.clone()),
        place: Bilingual::new(spec.place_zh.clone(), spec.place_en.clone()),
        notes: (lang == Lang::En)
            .then(|| {
                super::note(
                    "form_chinese_expected",
                    &Bilingual::new(spec.name_zh.clone(), spec.name_en.clone()),
                )
            })
            .into_iter()
            .chain(
                spec.note
                    .iter()
                    .filter(|n| n.when == "always" || facts.contains(&n.when.as_str()))
                    .map(|n| Bilingual::new(n.text_zh.clone(), n.text_en.clone())),
            )
            .collect(),
        fields,
    })
}

/// Characters as a form counts them.
fn count(text: &str) -> u32 {
    u32::try_from(text.chars().count()).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_file_reads_and_every_field_template_compiles() {
        for (audience, form) in FORMS.iter() {
            assert!(!form.field.is_empty(), "{audience}");
            for f in &form.field {
                minijinja::Environment::new()
                    .template_from_str(&f.value)
                    .unwrap_or_else(|e| panic!("{audience}.{}: {e}", f.key));
                assert!(
                    f.choices.is_empty() || f.limit.is_none(),
                    "{audience}.{}: a picked box has no length limit",
                    f.key
                );
                assert_eq!(f.hint_zh.is_some(), f.hint_en.is_some(), "{}", f.key);
            }
            for n in &form.note {
                assert!(
                    ["always", "business_use", "no_operator"].contains(&n.when.as_str()),
                    "{audience}: unknown note condition {}",
                    n.when
                );
            }
        }
    }
}
