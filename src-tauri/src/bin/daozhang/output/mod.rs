//! Everything the CLI shows: the terminal views of each command, progress
//! on stderr, JSON on stdout, errors. Words come from `data/cli.toml`
//! ([`crate::words`]); texts the library made come in both languages and
//! are shown in the user's. Colours go through `anstream`, which drops
//! them when the output is not a terminal or `NO_COLOR` is set.

pub(crate) mod batch;
pub(crate) mod case;
pub(crate) mod complaint;
pub(crate) mod creds;
pub(crate) mod draft;
pub(crate) mod evidence;
pub(crate) mod follow;
pub(crate) mod ids;
pub(crate) mod ladder;
pub(crate) mod report;

use anstream::{eprintln, println};
use anstyle::{AnsiColor, Style};
use serde::Serialize;

use daozhang::domain::stage::StageState;
use daozhang::domain::text::Lang;
use daozhang::error::BoundaryError;

use crate::{Result, internal};

/// One JSON value on stdout, pretty-printed.
pub(crate) fn json<T: Serialize + ?Sized>(value: &T) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(value).map_err(internal)?);
    Ok(())
}

/// A failed command on stderr: one JSON object with `--json`, else a line.
pub(crate) fn error(e: &BoundaryError, json: bool, lang: Lang) {
    if json {
        let text = serde_json::to_string(e).unwrap_or_else(|_| e.message.clone());
        eprintln!("{text}");
    } else {
        let red = Style::new().fg_color(Some(AnsiColor::Red.into())).bold();
        let label = by_lang(lang, "错误：", "error: ");
        eprintln!("{red}{label}{red:#}{}", e.text_in(lang));
    }
}

/// A line on stdout.
pub(crate) fn line(text: &str) {
    println!("{text}");
}

/// Of a text the library gives as two fields, the one in `lang`.
pub(crate) fn by_lang<'a>(lang: Lang, zh: &'a str, en: &'a str) -> &'a str {
    match lang {
        Lang::ZhCn => zh,
        Lang::En => en,
    }
}

pub(crate) fn style(c: AnsiColor) -> Style {
    Style::new().fg_color(Some(c.into()))
}

pub(crate) fn dim(s: &str) -> String {
    let d = Style::new().dimmed();
    format!("{d}{s}{d:#}")
}

pub(crate) fn bold(s: &str) -> String {
    let b = Style::new().bold();
    format!("{b}{s}{b:#}")
}

/// A stage's mark on the timeline and its colour.
pub(crate) fn state_mark(st: StageState) -> (String, Style) {
    match st {
        StageState::Done => ("✓".into(), style(AnsiColor::Green)),
        StageState::Pending => ("…".into(), style(AnsiColor::Yellow)),
        StageState::Overdue => ("!".into(), style(AnsiColor::Red).bold()),
        StageState::Failed => ("✗".into(), style(AnsiColor::Red).bold()),
        StageState::Unknown => ("?".into(), Style::new().dimmed()),
        StageState::NotApplicable => ("·".into(), Style::new().dimmed()),
    }
}
