//! A secret that cannot leak by accident: its `Debug` and `Display` print
//! `[redacted]`, it implements neither `Serialize` nor `Clone`-into-text,
//! and its memory is wiped when it is dropped. The only way to the text is
//! [`Secret::expose`], which is greppable.

use zeroize::Zeroizing;

pub struct Secret(Zeroizing<String>);

impl Secret {
    pub fn new(text: impl Into<String>) -> Self {
        Secret(Zeroizing::new(text.into()))
    }

    /// The secret's text, for signing a request or writing it to the
    /// keychain. Never for logs, errors or anything shown.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.trim().is_empty()
    }
}

impl Clone for Secret {
    fn clone(&self) -> Self {
        Secret::new(self.expose().to_owned())
    }
}

impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        self.expose() == other.expose()
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Replaces every occurrence of each secret in `text` (and of each PEM
/// body line of it, which is how a key shows up in an echoed request) with
/// `[redacted]`.
pub fn redact<'a>(text: &str, secrets: impl IntoIterator<Item = &'a Secret>) -> String {
    let mut out = text.to_owned();
    for s in secrets {
        let whole = s.expose().trim();
        if whole.len() >= 4 {
            out = out.replace(whole, "[redacted]");
        }
        for line in whole.lines().map(str::trim) {
            if line.len() >= 16 && !line.starts_with("-----") {
                out = out.replace(line, "[redacted]");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_never_show_the_text() {
        let s = Secret::new("sk_test_supersecret");
        assert_eq!(format!("{s:?}"), "[redacted]");
        assert_eq!(format!("{s}"), "[redacted]");
        assert_eq!(
            format!("{:?}", Some(&s)),
            "Some([redacted])",
            "nested Debug is redacted too"
        );
    }

    #[test]
    fn redact_removes_whole_secrets_and_key_lines() {
        let key = Secret::new(
            "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----",
        );
        let text = "echo: MIIEvQIBADANBgkqhkiG9w0BAQEFAASC and sk_live_x1234";
        let out = redact(text, [&key, &Secret::new("sk_live_x1234")]);
        assert!(!out.contains("MIIEvQ"), "{out}");
        assert!(!out.contains("sk_live"), "{out}");
    }
}
