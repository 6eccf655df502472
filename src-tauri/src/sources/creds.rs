//! Credentials: the form fields each source needs, where their values live
//! (the OS keychain; for headless use also environment variables) and how
//! they are read back. Secrets never reach the case file, logs, exports or
//! messages: values are held as [`Secret`]s and only the keychain writer and
//! the request signers call `expose`.

use std::collections::BTreeMap;

use serde::Serialize;

use super::error::SourceError;
use super::secret::Secret;
use crate::domain::text::Bilingual;

/// One field of a source's settings form.
#[derive(Debug, Clone, Copy)]
pub struct CredField {
    pub key: &'static str,
    pub label: (&'static str, &'static str),
    /// Never shown back once saved; read from stdin / a file, never an argument.
    pub secret: bool,
    pub required: bool,
    /// A PEM key or certificate (a text area in the form).
    pub multiline: bool,
    /// Used when the field is left empty.
    pub default: Option<&'static str>,
    pub hint: (&'static str, &'static str),
}

impl CredField {
    /// The environment variable that may carry this field, e.g.
    /// `DAOZHANG_ALIPAY_PRIVATE_KEY`; `…_FILE` names a file holding it.
    pub fn env_var(&self, source: &str) -> String {
        format!(
            "DAOZHANG_{}_{}",
            source.to_uppercase().replace(['-', ':'], "_"),
            self.key.to_uppercase()
        )
    }
}

/// Where a source's values came from, for the settings page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    Keychain,
    Environment,
    /// Some fields from each.
    Both,
}

/// A source's values, all held as secrets (even the ones shown back, so a
/// whole set can be passed around without thinking about which is which).
#[derive(Debug, Clone, Default)]
pub struct Credentials {
    values: BTreeMap<String, Secret>,
    from_env: Vec<String>,
    from_keychain: bool,
}

impl Credentials {
    pub fn new() -> Self {
        Credentials::default()
    }

    pub fn set(&mut self, key: &str, value: Secret) {
        self.values.insert(key.to_owned(), value);
    }

    pub fn get(&self, key: &str) -> Option<&Secret> {
        self.values.get(key).filter(|s| !s.is_empty())
    }

    /// A value's text, for a request (a secret) or the form (a plain field).
    pub fn text(&self, key: &str) -> Option<&str> {
        self.get(key).map(|s| s.expose().trim())
    }

    /// A value a source cannot ask without; its absence is
    /// [`SourceError::NotConfigured`] naming it.
    pub fn required(&self, key: &'static str) -> Result<&Secret, SourceError> {
        self.get(key).ok_or(SourceError::NotConfigured(vec![key]))
    }

    /// [`Credentials::required`], as text.
    pub fn required_text(&self, key: &'static str) -> Result<&str, SourceError> {
        self.text(key).ok_or(SourceError::NotConfigured(vec![key]))
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.values.keys().map(String::as_str)
    }

    pub fn is_empty(&self) -> bool {
        self.values.values().all(Secret::is_empty)
    }

    /// The values of the secret fields among `fields`, for redacting
    /// echoes of them (plain values such as a merchant number stay readable).
    pub fn secrets<'a>(&'a self, fields: &'a [CredField]) -> impl Iterator<Item = &'a Secret> {
        fields
            .iter()
            .filter(|f| f.secret)
            .filter_map(|f| self.values.get(f.key))
    }

    pub fn origin(&self) -> Option<Origin> {
        match (self.from_keychain, self.from_env.is_empty()) {
            (false, true) => None,
            (true, true) => Some(Origin::Keychain),
            (false, false) => Some(Origin::Environment),
            (true, false) => Some(Origin::Both),
        }
    }

    /// The required fields `fields` that have no value (nor default).
    pub fn missing(&self, fields: &[CredField]) -> Vec<&'static str> {
        fields
            .iter()
            .filter(|f| f.required && f.default.is_none() && self.get(f.key).is_none())
            .map(|f| f.key)
            .collect()
    }

    /// The value of `f`, or its default.
    pub fn value<'a>(&'a self, f: &'a CredField) -> Option<&'a str> {
        self.text(f.key).or(f.default)
    }
}

/// Why the keychain could not be used.
#[derive(Debug, thiserror::Error)]
pub enum CredError {
    #[error(
        "the system keychain is not available ({0}); set the DAOZHANG_* environment variables instead (see docs/sources.md)"
    )]
    Unavailable(String),
    #[error("the keychain entry for {name} is damaged ({detail}); delete it and set it again")]
    Damaged { name: String, detail: String },
    #[error("unknown field {field:?} for {name}; expected one of: {expected}")]
    UnknownField {
        name: String,
        field: String,
        expected: String,
    },
    #[error("cannot read the credentials: {0}")]
    Input(String),
}

impl CredError {
    pub fn text(&self) -> Bilingual {
        let en = self.to_string();
        let zh = match self {
            CredError::Unavailable(d) => {
                format!("系统钥匙串不可用（{d}）；可改用 DAOZHANG_* 环境变量（见 docs/sources.md）")
            }
            CredError::Damaged { name, .. } => {
                format!("钥匙串中 {name} 的条目已损坏；请删除后重新设置")
            }
            CredError::UnknownField {
                name,
                field,
                expected,
            } => format!("{name} 没有字段 {field:?}；可用字段：{expected}"),
            CredError::Input(d) => format!("无法读取凭证：{d}"),
        };
        Bilingual::new(zh, en)
    }
}

/// Where credentials are kept. The app and the CLI use [`Keychain`]; tests
/// of code above this use the same type against a real Secret Service.
pub trait CredStore: Send + Sync {
    fn load(&self, source: &str) -> Result<Option<Credentials>, CredError>;
    fn save(&self, source: &str, creds: &Credentials) -> Result<(), CredError>;
    /// Whether there was anything to delete.
    fn delete(&self, source: &str) -> Result<bool, CredError>;
}

/// The OS keychain (Secret Service on Linux, Keychain on macOS, Credential
/// Manager on Windows): one entry per source, service `daozhang` (or
/// `DAOZHANG_KEYRING_SERVICE`), account = the source's id, the secret = the
/// source's fields as JSON.
pub struct Keychain {
    service: String,
}

impl Default for Keychain {
    fn default() -> Self {
        Keychain::new()
    }
}

impl Keychain {
    pub fn new() -> Self {
        let service = std::env::var("DAOZHANG_KEYRING_SERVICE")
            .ok()
            .filter(|s| !s.trim().is_empty())
            .unwrap_or_else(|| "daozhang".to_owned());
        Keychain { service }
    }

    pub fn with_service(service: impl Into<String>) -> Self {
        Keychain {
            service: service.into(),
        }
    }

    fn entry(&self, source: &str) -> Result<keyring::Entry, CredError> {
        keyring::Entry::new(&self.service, source).map_err(unavailable)
    }
}

fn unavailable(e: keyring::Error) -> CredError {
    CredError::Unavailable(e.to_string())
}

impl CredStore for Keychain {
    fn load(&self, source: &str) -> Result<Option<Credentials>, CredError> {
        let text = match self.entry(source)?.get_password() {
            Ok(t) => Secret::new(t),
            Err(keyring::Error::NoEntry) => return Ok(None),
            Err(e) => return Err(unavailable(e)),
        };
        let map: BTreeMap<String, String> =
            serde_json::from_str(text.expose()).map_err(|e| CredError::Damaged {
                name: source.to_owned(),
                // Only the kind and the place: serde_json's own message
                // quotes what it found ("invalid type: string \"sk_live…\"").
                detail: damage(&e),
            })?;
        let mut creds = Credentials::new();
        for (k, v) in map {
            creds.set(&k, Secret::new(v));
        }
        creds.from_keychain = true;
        Ok(Some(creds))
    }

    fn save(&self, source: &str, creds: &Credentials) -> Result<(), CredError> {
        let map: BTreeMap<&str, &str> = creds
            .values
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| (k.as_str(), v.expose()))
            .collect();
        let text =
            Secret::new(serde_json::to_string(&map).map_err(|e| CredError::Input(e.to_string()))?);
        self.entry(source)?
            .set_password(text.expose())
            .map_err(unavailable)
    }

    fn delete(&self, source: &str) -> Result<bool, CredError> {
        match self.entry(source)?.delete_credential() {
            Ok(()) => Ok(true),
            Err(keyring::Error::NoEntry) => Ok(false),
            Err(e) => Err(unavailable(e)),
        }
    }
}

/// The credential variables as the process started, once [`capture`] ran.
static CAPTURED: std::sync::OnceLock<BTreeMap<String, String>> = std::sync::OnceLock::new();

/// Takes the variables named in `names` out of the process environment and
/// keeps them for [`from_env`], so no program the app starts (a browser, a
/// mail client, the OCR engine) inherits a key. Later calls change nothing.
///
/// # Safety
///
/// Changes the process environment: call it first in `main`, before any
/// thread is started.
pub unsafe fn capture(names: impl IntoIterator<Item = String>) {
    let mut kept = BTreeMap::new();
    for name in names {
        if let Ok(v) = std::env::var(&name) {
            kept.insert(name.clone(), v);
        }
        if std::env::var_os(&name).is_some() {
            // SAFETY: the caller promises no other thread runs yet.
            unsafe { std::env::remove_var(&name) };
        }
    }
    let _ = CAPTURED.set(kept);
}

/// A credential variable: from the capture when there was one, else (the
/// library used without `main`, tests) from the environment.
fn env_value(name: &str) -> Option<String> {
    match CAPTURED.get() {
        Some(kept) => kept.get(name).cloned(),
        None => std::env::var(name).ok(),
    }
}

/// The most a `…_FILE` credential may hold: a 4096-bit PEM key is 3.3 KB;
/// anything bigger is the wrong file, and is not read into memory whole.
pub const MAX_FILE_BYTES: u64 = 64 * 1024;

fn read_secret_file(var: &str, path: &str) -> Result<String, CredError> {
    use std::io::Read;
    let named = |why: String| CredError::Input(format!("{var}_FILE: {path}: {why}"));
    let file = std::fs::File::open(path).map_err(|e| named(e.to_string()))?;
    let mut text = String::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(|e| named(e.to_string()))?;
    if text.len() as u64 > MAX_FILE_BYTES {
        return Err(named(format!(
            "larger than {} KiB, so not a key or a credential",
            MAX_FILE_BYTES / 1024
        )));
    }
    Ok(text)
}

/// What is wrong with a keychain entry's JSON, without any of its text.
fn damage(e: &serde_json::Error) -> String {
    let kind = match e.classify() {
        serde_json::error::Category::Io => "unreadable",
        serde_json::error::Category::Syntax => "not JSON",
        serde_json::error::Category::Data => "not a map of text values",
        serde_json::error::Category::Eof => "cut short",
    };
    format!("{kind} at line {} column {}", e.line(), e.column())
}

/// The values of `fields` from the environment: `DAOZHANG_<SOURCE>_<FIELD>`
/// holds the value, `…_FILE` a file that holds it.
pub fn from_env(source: &str, fields: &[CredField]) -> Result<Credentials, CredError> {
    let mut creds = Credentials::new();
    for f in fields {
        let var = f.env_var(source);
        let value = match env_value(&var) {
            Some(v) if !v.trim().is_empty() => Some(v),
            _ => match env_value(&format!("{var}_FILE")) {
                Some(path) if !path.trim().is_empty() => Some(read_secret_file(&var, path.trim())?),
                _ => None,
            },
        };
        if let Some(v) = value {
            creds.set(f.key, Secret::new(v));
            creds.from_env.push(f.key.to_owned());
        }
    }
    Ok(creds)
}

/// A source's credentials: the keychain's, with any environment variable
/// taking precedence field by field. `None` when neither has anything.
/// A keychain that cannot be reached is an error only if the environment
/// does not supply every required field.
pub fn resolve(
    store: &dyn CredStore,
    source: &str,
    fields: &[CredField],
) -> Result<Option<Credentials>, CredError> {
    let env = from_env(source, fields)?;
    let kept = match store.load(source) {
        Ok(k) => k,
        Err(e) if env.is_empty() || !env.missing(fields).is_empty() => return Err(e),
        Err(_) => None,
    };
    let mut out = kept.unwrap_or_default();
    for key in env.from_env.iter() {
        if let Some(v) = env.values.get(key) {
            out.values.insert(key.clone(), v.clone());
        }
    }
    out.from_env = env.from_env;
    Ok((!out.is_empty()).then_some(out))
}

/// Reads `key = "value"` pairs (TOML, so PEM keys fit in `"""…"""`) for
/// `fields`; unknown keys are refused so a typo is not silently dropped.
pub fn parse_input(
    source: &str,
    text: &str,
    fields: &[CredField],
) -> Result<Credentials, CredError> {
    let table: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| CredError::Input(e.message().to_owned()))?;
    let mut creds = Credentials::new();
    for (k, v) in table {
        if !fields.iter().any(|f| f.key == k) {
            return Err(CredError::UnknownField {
                name: source.to_owned(),
                field: k,
                expected: fields.iter().map(|f| f.key).collect::<Vec<_>>().join(", "),
            });
        }
        let v = match v {
            toml::Value::String(s) => s,
            toml::Value::Integer(i) => i.to_string(),
            other => {
                return Err(CredError::Input(format!(
                    "{k} must be a string, not {}",
                    other.type_str()
                )));
            }
        };
        creds.set(&k, Secret::new(v));
    }
    Ok(creds)
}

/// Merges a form's values into what is kept: a field the form leaves out
/// keeps its saved value; an empty secret field keeps the saved secret (the
/// form never shows it); an empty plain field clears it.
///
/// A saved secret is meant for the host it was saved with: when the form
/// moves an address field (a gateway, a shop URL) to another origin, the
/// secrets it does not give again are forgotten, never sent to the new
/// host. [`Merged::forgotten`] names them, so the form can ask for them.
pub fn merge(kept: Option<Credentials>, form: Credentials, fields: &[CredField]) -> Merged {
    let moved = fields
        .iter()
        .any(|f| !f.secret && moved_host(f, kept.as_ref(), &form));
    let mut creds = Credentials::new();
    let mut forgotten = Vec::new();
    for f in fields {
        let given = form.values.get(f.key);
        let old = kept.as_ref().and_then(|k| k.values.get(f.key));
        match (given, old) {
            (Some(v), _) if !v.is_empty() => creds.set(f.key, v.clone()),
            (_, Some(_)) if f.secret && moved => forgotten.push(f.key),
            (Some(_), Some(v)) if f.secret => creds.set(f.key, v.clone()),
            (None, Some(v)) => creds.set(f.key, v.clone()),
            _ => {}
        }
    }
    Merged { creds, forgotten }
}

/// What [`merge`] made of a form.
#[derive(Debug)]
pub struct Merged {
    pub creds: Credentials,
    /// Saved secrets dropped because an address moved to another host.
    pub forgotten: Vec<&'static str>,
}

/// Whether `f`'s effective value (its default when empty) names another
/// origin (scheme, host, port) after the form than before. Values that are
/// not addresses never move.
fn moved_host(f: &CredField, kept: Option<&Credentials>, form: &Credentials) -> bool {
    let effective = |v: Option<&Secret>| -> Option<String> {
        v.map(|s| s.expose().trim().to_owned())
            .filter(|s| !s.is_empty())
            .or_else(|| f.default.map(str::to_owned))
    };
    let before = effective(kept.and_then(|k| k.values.get(f.key)));
    let after = match form.values.get(f.key) {
        Some(v) => effective(Some(v)),
        None => before.clone(),
    };
    let origin = |v: &Option<String>| {
        v.as_deref()
            .and_then(|t| url::Url::parse(t).ok())
            .filter(|u| u.host().is_some())
            .map(|u| u.origin().ascii_serialization())
    };
    let (was, now) = (origin(&before), origin(&after));
    // A host where there was none (or none where there was one) moves too.
    (was.is_some() || now.is_some()) && was != now
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIELDS: &[CredField] = &[
        CredField {
            key: "app_id",
            label: ("应用 ID", "App ID"),
            secret: false,
            required: true,
            multiline: false,
            default: None,
            hint: ("", ""),
        },
        CredField {
            key: "private_key",
            label: ("私钥", "Private key"),
            secret: true,
            required: true,
            multiline: true,
            default: None,
            hint: ("", ""),
        },
    ];

    #[test]
    fn credentials_debug_shows_no_value() {
        let c = parse_input(
            "x",
            "app_id = \"2021\"\nprivate_key = \"TOPSECRET\"",
            FIELDS,
        )
        .unwrap();
        let shown = format!("{c:?}");
        assert!(!shown.contains("TOPSECRET"), "{shown}");
        assert_eq!(c.text("app_id"), Some("2021"));
    }

    #[test]
    fn a_typo_in_a_field_name_is_refused() {
        let e = parse_input("alipay", "appid = \"1\"", FIELDS).unwrap_err();
        assert!(e.to_string().contains("app_id, private_key"), "{e}");
    }

    #[test]
    fn an_empty_secret_in_the_form_keeps_the_saved_one() {
        let kept = parse_input("x", "app_id = \"1\"\nprivate_key = \"K\"", FIELDS).unwrap();
        let form = parse_input("x", "app_id = \"2\"\nprivate_key = \"\"", FIELDS).unwrap();
        let m = merge(Some(kept.clone()), form, FIELDS).creds;
        assert_eq!(m.text("app_id"), Some("2"));
        assert_eq!(m.text("private_key"), Some("K"));
        let partial = parse_input("x", "private_key = \"K2\"", FIELDS).unwrap();
        let m = merge(Some(kept), partial, FIELDS).creds;
        assert_eq!(
            m.text("app_id"),
            Some("1"),
            "a field left out keeps its value"
        );
        assert_eq!(m.text("private_key"), Some("K2"));
    }

    #[test]
    fn a_secret_stays_with_the_host_it_was_saved_for() {
        const GATEWAY: &[CredField] = &[
            CredField {
                key: "gateway",
                label: ("网关", "Gateway"),
                secret: false,
                required: false,
                multiline: false,
                default: Some("https://openapi.alipay.com/gateway.do"),
                hint: ("", ""),
            },
            FIELDS[1],
        ];
        let input = |t: &str| parse_input("x", t, GATEWAY).unwrap();
        let kept = input("private_key = \"K\"");
        // Same origin, another path or the default spelled out: kept.
        for same in [
            "https://openapi.alipay.com/gateway.do",
            "https://openapi.alipay.com:443/other",
            "",
        ] {
            let m = merge(
                Some(kept.clone()),
                input(&format!("gateway = \"{same}\"\nprivate_key = \"\"")),
                GATEWAY,
            );
            assert_eq!(m.creds.text("private_key"), Some("K"), "{same:?}");
            assert!(m.forgotten.is_empty());
        }
        // Another host, scheme or port: the secret is not sent there.
        for other in [
            "https://evil.example/gateway.do",
            "https://openapi.alipay.com:8443/gateway.do",
            "http://127.0.0.1:8080/gateway.do",
        ] {
            let m = merge(
                Some(kept.clone()),
                input(&format!("gateway = \"{other}\"\nprivate_key = \"\"")),
                GATEWAY,
            );
            assert_eq!(m.creds.get("private_key").map(|_| ()), None, "{other}");
            assert_eq!(m.forgotten, ["private_key"], "{other}");
            assert_eq!(m.creds.text("gateway"), Some(other));
        }
        // The secret given again with the new host is saved.
        let m = merge(
            Some(kept),
            input("gateway = \"https://evil.example/\"\nprivate_key = \"K2\""),
            GATEWAY,
        );
        assert_eq!(m.creds.text("private_key"), Some("K2"));
        assert!(m.forgotten.is_empty());
    }

    #[test]
    fn a_damaged_keychain_entry_is_described_without_its_text() {
        for text in [
            "\"sk_live_SECRETVALUE\"",
            "{\"key\": 12345678901234}",
            "{\"key\": \"sk_live_SECRETVALUE\"",
        ] {
            let e = serde_json::from_str::<BTreeMap<String, String>>(text).unwrap_err();
            let d = damage(&e);
            assert!(!d.contains("SECRET") && !d.contains("1234"), "{d}");
            assert!(d.contains("line 1"), "{d}");
        }
        let e = serde_json::from_str::<BTreeMap<String, String>>("\"sk_live_SECRETVALUE\"")
            .unwrap_err();
        assert!(
            e.to_string().contains("SECRETVALUE"),
            "serde_json's own message would have quoted it: {e}"
        );
    }

    #[test]
    fn a_credential_file_is_read_only_up_to_its_limit() {
        let dir = tempfile::tempdir().unwrap();
        let small = dir.path().join("key.pem");
        std::fs::write(&small, "-----BEGIN PRIVATE KEY-----\nAAAA\n").unwrap();
        let text = read_secret_file("DAOZHANG_X_KEY", small.to_str().unwrap()).unwrap();
        assert!(text.starts_with("-----BEGIN"));
        let big = dir.path().join("disk.img");
        std::fs::write(&big, vec![b'a'; MAX_FILE_BYTES as usize + 1]).unwrap();
        let e = read_secret_file("DAOZHANG_X_KEY", big.to_str().unwrap()).unwrap_err();
        assert!(e.to_string().contains("larger than 64 KiB"), "{e}");
    }

    #[test]
    fn env_var_names() {
        assert_eq!(
            FIELDS[1].env_var("wechat_pay"),
            "DAOZHANG_WECHAT_PAY_PRIVATE_KEY"
        );
    }
}
