//! How asking a source can go wrong, each told in both languages.

use crate::domain::text::Bilingual;

#[derive(Debug, Clone, thiserror::Error)]
pub enum SourceError {
    #[error("not set up: missing {}", .0.join(", "))]
    NotConfigured(Vec<&'static str>),
    /// A credential value cannot be used (a key that is not a key …).
    #[error("the {field} setting cannot be used: {reason}")]
    BadSetting { field: &'static str, reason: String },
    #[error("{0} is not HTTPS; only loopback addresses may use plain HTTP")]
    Insecure(String),
    #[error("cannot reach {host}: {reason}")]
    Network { host: String, reason: String },
    #[error("no answer from {host} within {}", seconds_text(*.millis))]
    Timeout { host: String, millis: u64 },
    #[error("{host} asked us to wait {seconds} s before asking again")]
    RateLimited { host: String, seconds: u64 },
    /// The provider refused our credentials or signature.
    #[error("{provider} refused the credentials: {message} ({code})")]
    Auth {
        provider: String,
        code: String,
        message: String,
    },
    /// Any other error the provider named.
    #[error("{provider} answered with an error: {message} ({code})")]
    Provider {
        provider: String,
        code: String,
        message: String,
    },
    /// HTTP status without a body we understand.
    #[error("{host} answered HTTP {status}")]
    Http { host: String, status: u16 },
    /// A response we cannot trust: bad or missing signature, malformed,
    /// or about another order or amount. `raw` is the response with every
    /// secret removed, kept for the user.
    #[error("untrusted response: {}", reason.en)]
    Untrusted { reason: Bilingual, raw: String },
    #[error("cancelled")]
    Cancelled,
    #[error("{}", .0.en)]
    Keychain(Bilingual),
}

impl SourceError {
    pub fn untrusted(zh: impl Into<String>, en: impl Into<String>, raw: &str) -> Self {
        // Kept whole (answers are read up to 1 MiB) until `redacted`
        // removes the secrets, then clipped: a key cut in half by the clip
        // would no longer be found.
        SourceError::Untrusted {
            reason: Bilingual::new(zh, en),
            raw: raw.to_owned(),
        }
    }

    /// An error the provider named: a refusal of our credentials or
    /// signature when `refused` ([`SourceError::Auth`]), any other
    /// otherwise ([`SourceError::Provider`]).
    pub fn named(
        provider: impl Into<String>,
        code: impl Into<String>,
        message: impl Into<String>,
        refused: bool,
    ) -> Self {
        let (provider, code, message) = (provider.into(), code.into(), message.into());
        if refused {
            SourceError::Auth {
                provider,
                code,
                message,
            }
        } else {
            SourceError::Provider {
                provider,
                code,
                message,
            }
        }
    }

    /// Removes every value of `secrets` from a kept raw answer.
    pub fn redacted<'a>(
        self,
        secrets: impl IntoIterator<Item = &'a super::secret::Secret>,
    ) -> Self {
        let secrets: Vec<_> = secrets.into_iter().collect();
        let scrub = |t: &str, max: usize| clip_to(&super::secret::redact(t, secrets.clone()), max);
        match self {
            SourceError::Untrusted { reason, raw } => SourceError::Untrusted {
                reason,
                raw: scrub(&raw, MAX_RAW),
            },
            SourceError::Auth {
                provider,
                code,
                message,
            } => SourceError::Auth {
                provider,
                code: scrub(&code, MAX_WORD),
                message: scrub(&message, MAX_MESSAGE),
            },
            SourceError::Provider {
                provider,
                code,
                message,
            } => SourceError::Provider {
                provider,
                code: scrub(&code, MAX_WORD),
                message: scrub(&message, MAX_MESSAGE),
            },
            other => other,
        }
    }

    /// The raw answer kept for the user, if any.
    pub fn raw(&self) -> Option<&str> {
        match self {
            SourceError::Untrusted { raw, .. } => Some(raw),
            _ => None,
        }
    }

    pub fn text(&self) -> Bilingual {
        let en = self.to_string();
        let zh = match self {
            SourceError::NotConfigured(m) => format!("尚未设置：缺少 {}", m.join("、")),
            SourceError::BadSetting { field, reason } => {
                format!("设置项 {field} 无法使用：{reason}")
            }
            SourceError::Insecure(u) => format!("{u} 不是 HTTPS；只有本机地址可以用 HTTP"),
            SourceError::Network { host, reason } => format!("无法连接 {host}：{reason}"),
            SourceError::Timeout { host, millis } => {
                format!(
                    "{host} 在 {} 秒内没有应答",
                    seconds_text(*millis).trim_end_matches(" s")
                )
            }
            SourceError::RateLimited { host, seconds } => {
                format!("{host} 要求 {seconds} 秒后再查询")
            }
            SourceError::Auth {
                provider,
                code,
                message,
            } => format!("{provider} 拒绝了凭证：{message}（{code}）"),
            SourceError::Provider {
                provider,
                code,
                message,
            } => format!("{provider} 返回错误：{message}（{code}）"),
            SourceError::Http { host, status } => format!("{host} 返回 HTTP {status}"),
            SourceError::Untrusted { reason, .. } => format!("不可信的应答：{}", reason.zh_cn),
            SourceError::Cancelled => "已取消".to_owned(),
            SourceError::Keychain(m) => m.zh_cn.clone(),
        };
        Bilingual::new(zh, en)
    }
}

/// `1.5 s`, `15 s`.
fn seconds_text(millis: u64) -> String {
    if millis.is_multiple_of(1000) || millis >= 10_000 {
        format!("{} s", (millis + 500) / 1000)
    } else {
        format!("{:.1} s", millis as f64 / 1000.0)
    }
}

/// At most 4 KiB of a raw answer is kept.
/// The most of a provider's answer kept for the user, in bytes.
pub const MAX_RAW: usize = 4096;
/// The most of a provider's message kept (an error's words, a note).
pub const MAX_MESSAGE: usize = 512;
/// The most of a provider's status word, code or number kept.
pub const MAX_WORD: usize = 128;

pub fn clip(raw: &str) -> String {
    clip_to(raw, MAX_RAW)
}

/// `text` cut to at most `max` bytes on a character boundary, `…` marking
/// a cut. Every string a provider sends is stored through this: a
/// gateway's answer decides its own length.
pub fn clip_to(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::secret::Secret;

    #[test]
    fn secrets_are_removed_before_the_answer_is_clipped() {
        let key = Secret::new("sk_live_0123456789abcdefghij");
        // The key straddles the clip: clipping first would leave its head.
        let raw = format!("{}{}", "x".repeat(MAX_RAW - 10), key.expose());
        let e = SourceError::untrusted("坏", "bad", &raw).redacted([&key]);
        let kept = e.raw().unwrap();
        assert!(!kept.contains("sk_live_01"), "{}", &kept[MAX_RAW - 20..]);
        assert!(kept.len() <= MAX_RAW + '…'.len_utf8());
    }

    #[test]
    fn a_providers_words_are_clipped() {
        let e =
            SourceError::named("epay", "c".repeat(10_000), "错".repeat(10_000), false).redacted([]);
        let SourceError::Provider { code, message, .. } = &e else {
            panic!("{e:?}")
        };
        assert!(code.len() <= MAX_WORD + 3 && code.ends_with('…'));
        assert!(message.len() <= MAX_MESSAGE + 3 && message.ends_with('…'));
        assert!(message.trim_end_matches('…').chars().all(|c| c == '错'));
    }
}
