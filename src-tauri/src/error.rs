//! One error shape at the boundary (CLI, and later the app's IPC):
//! `{ code, message, details? }` with a closed set of codes that callers
//! switch on and translate.

use serde::Serialize;

use crate::check::CheckError;
use crate::domain::case::{CaseError, FieldError};
use crate::evidence::EvidenceError;
use crate::sources::creds::CredError;
use crate::sources::error::SourceError;
use crate::store::StoreError;

/// The closed set of error codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// A case (file or form) did not validate.
    InvalidCase,
    /// A case file is not valid TOML / JSON.
    Syntax,
    /// An argument or option is wrong.
    BadArgument,
    /// No such case, file or record.
    NotFound,
    /// A case prefix matches several cases.
    Ambiguous,
    /// The thing to create exists already.
    Exists,
    /// A file could not be read or written.
    Io,
    /// The user cancelled the operation.
    Cancelled,
    /// The case file (database) failed.
    Store,
    /// An evidence file or paste could not be read (`details.text` says
    /// why, in both languages).
    UnreadableEvidence,
    /// A bill zip is locked: `details.lock` says with what (`zip_crypto`:
    /// WeChat Pay's, `aes`: Alipay's), `details.wrong` whether the password
    /// given failed, `details.hint` where the password was sent and
    /// `details.text` the whole message, both in both languages.
    Password,
    /// Credentials could not be read, saved or parsed, or the keychain is
    /// unavailable (`details.text` says why, in both languages).
    Credentials,
    /// A live source could not be asked or gave an unusable answer
    /// (`details.text`; `details.raw` holds an untrusted answer, redacted).
    SourceFailed,
    /// The case changed since the form was opened; reopen it.
    Changed,
    /// Another check of the case is running; try again after it.
    Busy,
    /// The window named a file the user did not choose in the app's
    /// dialog or drop on the window (`details.text` says so in both
    /// languages).
    NotChosen,
    /// A bug: not the user's fault.
    Internal,
}

impl ErrorCode {
    /// Whether the user can fix it (CLI exit code 2) or not (1).
    pub fn is_user_error(self) -> bool {
        !matches!(self, ErrorCode::Store | ErrorCode::Internal)
    }
}

/// The error as it crosses the boundary.
#[derive(Debug, Clone, PartialEq, Serialize, thiserror::Error, ts_rs::TS)]
#[error("{message}")]
pub struct BoundaryError {
    pub code: ErrorCode,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<serde_json::Value>,
}

impl BoundaryError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        BoundaryError {
            code,
            message: message.into(),
            details: None,
        }
    }

    /// An error whose words are `text` in both languages (`details.text`;
    /// `message` is the English).
    pub fn bilingual(code: ErrorCode, text: crate::domain::text::Bilingual) -> Self {
        BoundaryError::new(code, text.en.clone()).with_details(serde_json::json!({ "text": text }))
    }

    /// The words of the error in `lang`: `details.text` when it has them,
    /// else the message.
    pub fn text_in(&self, lang: crate::domain::text::Lang) -> &str {
        let key = match lang {
            crate::domain::text::Lang::ZhCn => "zh-CN",
            crate::domain::text::Lang::En => "en",
        };
        self.details
            .as_ref()
            .and_then(|d| d.get("text"))
            .and_then(|t| t.get(key))
            .and_then(serde_json::Value::as_str)
            .unwrap_or(&self.message)
    }

    /// Puts `prefix` (a file's name) before the message in every language.
    pub fn prefixed(mut self, prefix: &str) -> Self {
        self.message = format!("{prefix}: {}", self.message);
        if let Some(text) = self
            .details
            .as_mut()
            .and_then(|d| d.get_mut("text"))
            .and_then(serde_json::Value::as_object_mut)
        {
            for (key, value) in text.iter_mut() {
                if let Some(v) = value.as_str() {
                    let sep = if key == "zh-CN" { "：" } else { ": " };
                    *value = serde_json::Value::String(format!("{prefix}{sep}{v}"));
                }
            }
        }
        self
    }

    pub fn with_details(mut self, details: serde_json::Value) -> Self {
        self.details = Some(details);
        self
    }
}

impl From<CaseError> for BoundaryError {
    fn from(e: CaseError) -> Self {
        match &e {
            CaseError::Syntax { .. } => BoundaryError::new(ErrorCode::Syntax, e.to_string()),
            CaseError::Invalid(fields) => BoundaryError::new(ErrorCode::InvalidCase, e.to_string())
                .with_details(serde_json::json!({ "fields": fields_json(fields) })),
        }
    }
}

impl BoundaryError {
    /// "My details" that did not validate: `invalid_case` with the fields,
    /// as the intake form's errors travel.
    pub fn invalid_details(fields: Vec<FieldError>) -> Self {
        let lines: Vec<String> = fields.iter().map(|f| f.to_string()).collect();
        BoundaryError::new(
            ErrorCode::InvalidCase,
            format!(
                "my details have {} problem{}:\n  {}",
                fields.len(),
                if fields.len() == 1 { "" } else { "s" },
                lines.join("\n  ")
            ),
        )
        .with_details(serde_json::json!({ "fields": fields_json(&fields) }))
    }
}

impl From<EvidenceError> for BoundaryError {
    fn from(e: EvidenceError) -> Self {
        let code = match &e {
            EvidenceError::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
                ErrorCode::NotFound
            }
            EvidenceError::Io { .. } => ErrorCode::Io,
            EvidenceError::Cancelled => ErrorCode::Cancelled,
            EvidenceError::PasswordNeeded { .. } | EvidenceError::WrongPassword { .. } => {
                ErrorCode::Password
            }
            _ => ErrorCode::UnreadableEvidence,
        };
        let text = e.text();
        let details = match &e {
            EvidenceError::PasswordNeeded { lock } | EvidenceError::WrongPassword { lock } => {
                serde_json::json!({
                    "text": text,
                    "lock": lock,
                    "wrong": matches!(e, EvidenceError::WrongPassword { .. }),
                    "hint": lock.hint(),
                })
            }
            _ => serde_json::json!({ "text": text }),
        };
        BoundaryError::new(code, text.en.clone()).with_details(details)
    }
}

impl From<CredError> for BoundaryError {
    fn from(e: CredError) -> Self {
        let text = e.text();
        BoundaryError::new(ErrorCode::Credentials, text.en.clone())
            .with_details(serde_json::json!({ "text": text }))
    }
}

impl From<SourceError> for BoundaryError {
    fn from(e: SourceError) -> Self {
        let code = match &e {
            SourceError::Cancelled => ErrorCode::Cancelled,
            SourceError::NotConfigured(_)
            | SourceError::BadSetting { .. }
            | SourceError::Insecure(_) => ErrorCode::Credentials,
            _ => ErrorCode::SourceFailed,
        };
        let text = e.text();
        BoundaryError::new(code, text.en.clone())
            .with_details(serde_json::json!({ "text": text, "raw": e.raw() }))
    }
}

impl From<CheckError> for BoundaryError {
    fn from(e: CheckError) -> Self {
        match e {
            CheckError::Store(e) => e.into(),
            CheckError::Source(e) => e.into(),
            CheckError::Cancelled => BoundaryError::new(ErrorCode::Cancelled, e.to_string()),
            CheckError::Record(_) => BoundaryError::new(ErrorCode::Internal, e.to_string()),
        }
    }
}

impl From<StoreError> for BoundaryError {
    fn from(e: StoreError) -> Self {
        let details = match &e {
            StoreError::NotFound { id } => Some(serde_json::json!({ "id": id })),
            StoreError::Ambiguous { prefix, matches } => {
                Some(serde_json::json!({ "prefix": prefix, "matches": matches }))
            }
            StoreError::Exists { id } | StoreError::Changed { id } | StoreError::Busy { id } => {
                Some(serde_json::json!({ "id": id }))
            }
            StoreError::NewerSchema {
                found,
                supported,
                path,
            } => Some(serde_json::json!({
                "found": found,
                "supported": supported,
                "path": path.display().to_string(),
            })),
            _ => None,
        };
        let b = BoundaryError::new(store_code(&e), e.to_string());
        match details {
            Some(d) => b.with_details(d),
            None => b,
        }
    }
}

/// The boundary code of a case-file error.
fn store_code(e: &StoreError) -> ErrorCode {
    match e {
        StoreError::NotFound { .. } => ErrorCode::NotFound,
        StoreError::Ambiguous { .. } => ErrorCode::Ambiguous,
        StoreError::Exists { .. } => ErrorCode::Exists,
        StoreError::Changed { .. } => ErrorCode::Changed,
        StoreError::Busy { .. } => ErrorCode::Busy,
        StoreError::BadDocument(_) => ErrorCode::Syntax,
        StoreError::BadId { .. } | StoreError::TooLarge { .. } => ErrorCode::BadArgument,
        StoreError::NoDataDir | StoreError::Io { .. } | StoreError::NotACaseFile { .. } => {
            ErrorCode::Io
        }
        StoreError::NewerSchema { .. }
        | StoreError::Damaged { .. }
        | StoreError::Poisoned
        | StoreError::Sqlite { .. } => ErrorCode::Store,
    }
}

fn fields_json(fields: &[FieldError]) -> serde_json::Value {
    serde_json::to_value(fields).unwrap_or(serde_json::Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_cross_the_boundary_with_their_codes() {
        let b = BoundaryError::from(StoreError::Ambiguous {
            prefix: "dz-d3kq".into(),
            matches: vec!["dz-d3kq0000a1".into(), "dz-d3kq0000b2".into()],
        });
        assert_eq!(b.code, ErrorCode::Ambiguous);
        assert_eq!(
            b.details.unwrap()["matches"][1],
            "dz-d3kq0000b2",
            "the matches travel as details for the UI"
        );
        assert_eq!(
            BoundaryError::from(StoreError::NotFound { id: "x".into() }).code,
            ErrorCode::NotFound
        );
        assert_eq!(
            BoundaryError::from(StoreError::BadDocument("x".into())).code,
            ErrorCode::Syntax
        );
    }
}
