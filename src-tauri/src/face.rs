//! What the faces (the `daozhang` CLI and the app's commands) share when
//! they read what a person typed or what the system says: the language, an
//! audience, a live source. Each error names what was given and what is
//! expected; the face says where it came from with [`named`] (`--lang`, a
//! field).

use crate::domain::diagnosis::Audience;
use crate::domain::text::Lang;
use crate::error::{BoundaryError, ErrorCode};
use crate::sources::{self, Provider};

/// The system's locale: `LC_ALL` when set and not empty, else `LANG`
/// (empty when neither is set).
pub fn locale() -> String {
    std::env::var("LC_ALL")
        .ok()
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("LANG").ok())
        .unwrap_or_default()
}

/// The language of a locale such as `zh_CN.UTF-8`: Chinese for any `zh…`,
/// else English.
pub fn lang_of_locale(locale: &str) -> Lang {
    if locale.to_lowercase().starts_with("zh") {
        Lang::ZhCn
    } else {
        Lang::En
    }
}

/// The language of the system's [`locale`].
pub fn lang_from_env() -> Lang {
    lang_of_locale(&locale())
}

/// A language as typed: `zh-CN` or `en` (and the spellings [`Lang::parse`]
/// takes).
pub fn lang(s: &str) -> Result<Lang, BoundaryError> {
    Lang::parse(s).ok_or_else(|| {
        BoundaryError::new(
            ErrorCode::BadArgument,
            format!("{s:?}: expected zh-CN or en"),
        )
    })
}

/// An audience by its code (`platform_chat`, …).
pub fn audience(s: &str) -> Result<Audience, BoundaryError> {
    Audience::parse(s).ok_or_else(|| {
        BoundaryError::new(
            ErrorCode::BadArgument,
            format!(
                "{s:?}: expected one of {}",
                Audience::ALL.map(|a| a.code()).join(", ")
            ),
        )
    })
}

/// A live source by its id (`alipay`, `wechat_pay`, …, or an alias
/// [`sources::provider`] takes).
pub fn source(id: &str) -> Result<&'static dyn Provider, BoundaryError> {
    sources::provider(id).ok_or_else(|| {
        BoundaryError::new(
            ErrorCode::BadArgument,
            format!(
                "unknown source {id:?}; expected one of {}",
                sources::provider_ids()
            ),
        )
    })
}

/// Puts where a bad value came from before its message:
/// `face::lang(l).map_err(face::named("--lang"))` says
/// `--lang "fr": expected zh-CN or en`.
pub fn named(what: &str) -> impl FnOnce(BoundaryError) -> BoundaryError + '_ {
    move |mut e| {
        e.message = format!("{what} {}", e.message);
        e
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chinese_locale_reads_chinese_and_any_other_english() {
        for l in ["zh_CN.UTF-8", "zh_TW", "ZH_cn", "zh"] {
            assert_eq!(lang_of_locale(l), Lang::ZhCn, "{l}");
        }
        for l in ["", "C", "POSIX", "en_US.UTF-8", "de_DE", "C.UTF-8"] {
            assert_eq!(lang_of_locale(l), Lang::En, "{l}");
        }
    }

    #[test]
    fn typed_values_are_read_or_named_with_what_is_expected() {
        assert_eq!(lang("zh-CN").unwrap(), Lang::ZhCn);
        assert_eq!(lang(" en ").unwrap(), Lang::En);
        let e = lang("fr").map_err(named("--lang")).unwrap_err();
        assert_eq!(e.code, ErrorCode::BadArgument);
        assert_eq!(e.message, "--lang \"fr\": expected zh-CN or en");

        assert_eq!(audience("heimao").unwrap(), Audience::Heimao);
        let e = audience("boss").map_err(named("--audience")).unwrap_err();
        assert_eq!(
            e.message,
            "--audience \"boss\": expected one of platform_chat, platform_ticket, \
             payment_provider, consumer_12315, heimao, card_issuer"
        );

        assert_eq!(source("alipay").unwrap().id(), "alipay");
        assert_eq!(source("WeChat").unwrap().id(), "wechat_pay");
        let e = source("nosuch").err().expect("unknown");
        assert!(
            e.message
                .starts_with("unknown source \"nosuch\"; expected one of alipay"),
            "{}",
            e.message
        );
    }
}
