//! The readings of an ID, most likely first.

use anstream::println;

use daozhang::domain::text::Lang;
use daozhang::ids::{Candidate, Confidence};

use super::{bold, by_lang, dim};

pub(crate) fn print(candidates: &[Candidate], lang: Lang) {
    if candidates.is_empty() {
        println!("{}", say!(lang, "id.not_recognised"));
        return;
    }
    for c in candidates {
        let confidence = match c.confidence {
            Confidence::Likely => say!(lang, "id.likely"),
            Confidence::Possible => say!(lang, "id.possible"),
            Confidence::Unlikely => say!(lang, "id.unlikely"),
        };
        println!(
            "{}  {}",
            bold(by_lang(lang, &c.name_zh, &c.name_en)),
            dim(&format!("{confidence} · {}", c.score))
        );
        for p in &c.parts {
            println!(
                "   {} = {}  {}",
                by_lang(lang, &p.label_zh, &p.label_en),
                p.value,
                dim(by_lang(lang, &p.meaning_zh, &p.meaning_en))
            );
        }
        let notes = match lang {
            Lang::ZhCn => &c.notes_zh,
            Lang::En => &c.notes_en,
        };
        for n in notes {
            println!("   {}", dim(n));
        }
    }
}
