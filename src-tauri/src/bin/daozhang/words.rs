//! The CLI's words: `data/cli.toml`, compiled in with `include_str!` and
//! parsed once. A broken file or an unknown key is a programmer error that
//! the unit tests below catch; it never depends on user input.
//!
//! `say!` takes the language and a `"group.key"` literal and gives the
//! text; `name = value` pairs after the key fill `{name}` in (any
//! `Display`). A value named `n` that is 1 picks the English `en_one`.

use std::collections::BTreeMap;
use std::fmt::Display;
use std::sync::LazyLock;

use daozhang::domain::text::Lang;
use serde::Deserialize;

macro_rules! say {
    ($lang:expr, $key:literal) => {
        $crate::words::get($lang, $key)
    };
    ($lang:expr, $key:literal, $($name:ident = $value:expr),+ $(,)?) => {
        $crate::words::fill(
            $lang,
            $key,
            &[$((stringify!($name), &$value as &dyn ::std::fmt::Display)),+],
        )
    };
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Word {
    zh_cn: String,
    en: String,
    /// English when `{n}` is 1.
    #[serde(default)]
    en_one: Option<String>,
}

/// `group.key` → the word.
static WORDS: LazyLock<BTreeMap<String, Word>> = LazyLock::new(|| {
    let groups: BTreeMap<String, BTreeMap<String, Word>> =
        toml::from_str(include_str!("../../../data/cli.toml"))
            .expect("data/cli.toml is valid (checked by tests)");
    groups
        .into_iter()
        .flat_map(|(group, words)| {
            words
                .into_iter()
                .map(move |(key, word)| (format!("{group}.{key}"), word))
        })
        .collect()
});

fn word(key: &str) -> &'static Word {
    WORDS
        .get(key)
        .unwrap_or_else(|| panic!("data/cli.toml has no {key:?} (checked by tests)"))
}

/// The text of `key` in `lang`.
pub(crate) fn get(lang: Lang, key: &str) -> &'static str {
    let w = word(key);
    match lang {
        Lang::ZhCn => &w.zh_cn,
        Lang::En => &w.en,
    }
}

/// The text of `key` in `lang` with its `{name}`s filled in.
pub(crate) fn fill(lang: Lang, key: &str, values: &[(&str, &dyn Display)]) -> String {
    let w = word(key);
    let one = values
        .iter()
        .any(|(name, v)| *name == "n" && v.to_string() == "1");
    let mut text = match (lang, &w.en_one) {
        (Lang::En, Some(en_one)) if one => en_one.clone(),
        _ => get(lang, key).to_owned(),
    };
    for (name, value) in values {
        text = text.replace(&format!("{{{name}}}"), &value.to_string());
    }
    text
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::Path;

    use super::*;

    /// The `{name}`s of a text.
    fn names(text: &str) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        let mut rest = text;
        while let Some(start) = rest.find('{') {
            let after = &rest[start + 1..];
            let end = after.find('}').expect("a placeholder is closed");
            out.insert(after[..end].to_owned());
            rest = &after[end + 1..];
        }
        out
    }

    /// The arguments of every call of `say!` in `src` (not in comments),
    /// split at top-level commas.
    fn calls(src: &str) -> Vec<Vec<String>> {
        let open = concat!("say", "!(");
        let mut out = Vec::new();
        let mut rest = src;
        while let Some(at) = rest.find(open) {
            let line_start = rest[..at].rfind('\n').map_or(0, |i| i + 1);
            let in_comment = rest[line_start..at].contains("//");
            rest = &rest[at + open.len()..];
            if in_comment {
                continue;
            }
            let (mut depth, mut in_str, mut escaped) = (0usize, false, false);
            let (mut args, mut cur) = (Vec::new(), String::new());
            for c in rest.chars() {
                if in_str {
                    cur.push(c);
                    match (escaped, c) {
                        (true, _) => escaped = false,
                        (false, '\\') => escaped = true,
                        (false, '"') => in_str = false,
                        _ => {}
                    }
                    continue;
                }
                match c {
                    '"' => in_str = true,
                    '(' | '[' | '{' => depth += 1,
                    ')' if depth == 0 => {
                        args.push(cur.trim().to_owned());
                        break;
                    }
                    ')' | ']' | '}' => depth -= 1,
                    ',' if depth == 0 => {
                        args.push(std::mem::take(&mut cur).trim().to_owned());
                        continue;
                    }
                    _ => {}
                }
                cur.push(c);
            }
            args.retain(|a| !a.is_empty());
            out.push(args);
        }
        out
    }

    fn sources(dir: &Path, out: &mut Vec<(String, String)>) {
        for entry in std::fs::read_dir(dir).expect("the binary's sources") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).expect("a source file");
                out.push((path.display().to_string(), text));
            }
        }
    }

    #[test]
    fn every_word_is_in_both_languages_with_the_same_values() {
        assert!(WORDS.len() > 50, "data/cli.toml parses");
        for (key, w) in WORDS.iter() {
            assert!(!w.zh_cn.is_empty() && !w.en.is_empty(), "{key}");
            assert_eq!(names(&w.zh_cn), names(&w.en), "{key}: zh_cn vs en");
            if let Some(one) = &w.en_one {
                assert_eq!(names(one), names(&w.en), "{key}: en_one vs en");
                assert!(names(one).contains("n"), "{key}: en_one needs {{n}}");
            }
        }
    }

    #[test]
    fn every_call_names_a_word_and_its_values_and_every_word_is_used() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/bin/daozhang");
        let mut files = Vec::new();
        sources(&dir, &mut files);
        let mut used = BTreeSet::new();
        for (path, text) in &files {
            for args in calls(text) {
                let key = args
                    .get(1)
                    .and_then(|k| k.strip_prefix('"'))
                    .and_then(|k| k.strip_suffix('"'))
                    .unwrap_or_else(|| {
                        panic!("{path}: a call of say! needs a literal key: {args:?}")
                    });
                let w = WORDS
                    .get(key)
                    .unwrap_or_else(|| panic!("{path}: no {key:?} in data/cli.toml"));
                let given: BTreeSet<String> = args[2..]
                    .iter()
                    .map(|a| a.split('=').next().unwrap_or_default().trim().to_owned())
                    .collect();
                assert_eq!(given, names(&w.en), "{path}: the values given for {key:?}");
                used.insert(key.to_owned());
            }
        }
        let unused: Vec<&String> = WORDS.keys().filter(|k| !used.contains(*k)).collect();
        assert!(unused.is_empty(), "words nobody says: {unused:?}");
    }

    #[test]
    fn values_are_filled_in_and_one_is_singular_in_english() {
        assert_eq!(
            say!(Lang::En, "check.saved", id = "dz-1"),
            "saved as case dz-1"
        );
        assert_eq!(
            say!(Lang::ZhCn, "check.saved", id = "dz-1"),
            "已保存为案件 dz-1"
        );
        assert_eq!(say!(Lang::En, "evidence.read", n = 1), "1 record read");
        assert_eq!(say!(Lang::En, "evidence.read", n = 2), "2 records read");
        assert_eq!(say!(Lang::ZhCn, "evidence.read", n = 1), "读取 1 条记录");
        assert_eq!(say!(Lang::En, "report.timeline"), "Timeline");
    }
}
