//! What the settings page and `daozhang creds` show of each source: its
//! fields, which have a value and where from. Secret values never leave
//! here; plain ones (an App ID, a gateway) are shown back.

use std::sync::atomic::AtomicBool;

use serde::Serialize;

use super::creds::{self, CredError, CredStore, Credentials, Origin};
use super::error::SourceError;
use super::http::Http;
use super::{Ctx, Provider, REGISTRY};
use crate::domain::text::Bilingual;
use crate::domain::time::Moment;

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct FieldView {
    pub key: String,
    pub label: Bilingual,
    pub hint: Bilingual,
    pub secret: bool,
    pub required: bool,
    pub multiline: bool,
    /// The environment variable that may carry it instead.
    pub env_var: String,
    pub default: Option<String>,
    /// The saved value of a plain field; never a secret's.
    pub value: Option<String>,
    pub has_value: bool,
    /// Set by its environment variable (which wins over the keychain).
    pub from_env: bool,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct SourceSettings {
    pub id: String,
    pub label: Bilingual,
    pub fields: Vec<FieldView>,
    /// Every required field has a value.
    pub ready: bool,
    pub origin: Option<Origin>,
    /// Why the keychain could not be read, if it could not.
    pub problem: Option<Bilingual>,
    /// Set by a save that forgot saved secrets because an address moved
    /// to another host: which ones to enter again.
    pub notice: Option<Bilingual>,
}

/// The settings view of `p`.
pub fn view(p: &dyn Provider, store: &dyn CredStore) -> SourceSettings {
    let (creds, problem) = match creds::resolve(store, p.id(), p.fields()) {
        Ok(c) => (c, None),
        Err(e) => (creds::from_env(p.id(), p.fields()).ok(), Some(e.text())),
    };
    let env = creds::from_env(p.id(), p.fields()).unwrap_or_default();
    let creds = creds.unwrap_or_default();
    let fields = p
        .fields()
        .iter()
        .map(|f| FieldView {
            key: f.key.to_owned(),
            label: Bilingual::new(f.label.0, f.label.1),
            hint: Bilingual::new(f.hint.0, f.hint.1),
            secret: f.secret,
            required: f.required,
            multiline: f.multiline,
            env_var: f.env_var(p.id()),
            default: f.default.map(str::to_owned),
            value: if f.secret {
                None
            } else {
                creds.text(f.key).map(str::to_owned)
            },
            has_value: creds.get(f.key).is_some(),
            from_env: env.get(f.key).is_some(),
        })
        .collect();
    SourceSettings {
        id: p.id().to_owned(),
        label: p.label(),
        fields,
        ready: !creds.is_empty() && creds.missing(p.fields()).is_empty(),
        origin: creds.origin(),
        problem,
        notice: None,
    }
}

pub fn all(store: &dyn CredStore) -> Vec<SourceSettings> {
    REGISTRY.iter().map(|p| view(*p, store)).collect()
}

/// Saves a form: empty secret fields keep what was saved. Returns the new view.
pub fn save(
    p: &dyn Provider,
    store: &dyn CredStore,
    form: Credentials,
) -> Result<SourceSettings, CredError> {
    let kept = store.load(p.id())?;
    let merged = creds::merge(kept, form, p.fields());
    store.save(p.id(), &merged.creds)?;
    let mut out = view(p, store);
    if !merged.forgotten.is_empty() {
        let names = |en: bool| {
            p.fields()
                .iter()
                .filter(|f| merged.forgotten.contains(&f.key))
                .map(|f| if en { f.label.1 } else { f.label.0 })
                .collect::<Vec<_>>()
        };
        out.notice = Some(Bilingual::new(
            format!(
                "地址换了主机，保存的{}不会发给新地址，已清除；请重新填写",
                names(false).join("、")
            ),
            format!(
                "the address moved to another host, so the saved {} was not kept for it; enter it again",
                names(true).join(", ")
            ),
        ));
    }
    Ok(out)
}

/// Tests `p`'s saved (or environment) settings with a harmless query.
pub fn test(
    p: &dyn Provider,
    store: &dyn CredStore,
    http: &Http,
    now: Moment,
) -> Result<Bilingual, SourceError> {
    let creds = creds::resolve(store, p.id(), p.fields())
        .map_err(|e| SourceError::Keychain(e.text()))?
        .unwrap_or_default();
    let missing = creds.missing(p.fields());
    if !missing.is_empty() {
        return Err(SourceError::NotConfigured(missing));
    }
    let cancel = AtomicBool::new(false);
    let ctx = Ctx {
        http,
        cancel: &cancel,
        now,
    };
    p.test_connection(&ctx, &creds)
        .map_err(|e| e.redacted(creds.secrets(p.fields())))
}
