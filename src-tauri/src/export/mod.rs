//! A case as files to attach or import elsewhere: a Markdown case file
//! (header, timeline, diagnosis and dated next steps, the escalation
//! ladder, the correspondence, the checks and the evidence list) and an
//! iCalendar file of its deadlines. Tauri-free and free of I/O: both
//! return text; the CLI and the app write it where the user chose.
//!
//! No PDF: the PDF crates on crates.io need a font file to embed, and CJK
//! text needs a CJK font (several MB) that would have to be shipped or
//! found on the user's system; Markdown opens everywhere and prints well.

mod ics;
mod markdown;
#[cfg(test)]
mod tests;

pub use ics::ics;
pub use markdown::{Linked, markdown, markdown_linked};

use crate::domain::diagnosis::{Analysis, analyze};
use crate::domain::ladder::Rung;
use crate::domain::time::Moment;
use crate::records::StoredCase;

/// What both exports are made from: the stored case evaluated at one moment.
pub struct Snapshot<'a> {
    pub stored: &'a StoredCase,
    pub analysis: Analysis,
    pub rungs: Vec<Rung>,
}

impl<'a> Snapshot<'a> {
    pub fn new(stored: &'a StoredCase, now: Moment) -> Self {
        let analysis = analyze(&stored.case, now);
        let rungs = stored.rungs(&analysis);
        Snapshot {
            stored,
            analysis,
            rungs,
        }
    }
}
