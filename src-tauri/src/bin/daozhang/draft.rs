//! `daozhang case draft SHOT…`: a case file drafted from screenshots.

use std::io::IsTerminal;
use std::path::PathBuf;

use chrono::Local;

use daozhang::domain::text::Lang;
use daozhang::error::BoundaryError;
use daozhang::evidence::draft::{self, Draft, Shot};
use daozhang::evidence::screen::Tesseract;

use crate::input::in_file;
use crate::{Result, output};

pub(crate) fn draft(paths: &[PathBuf], json: bool, lang: Lang) -> Result<()> {
    let mut bytes = Vec::with_capacity(paths.len());
    for path in paths {
        let b = draft::read_shot(path).map_err(|e| in_file(path)(e.into()))?;
        bytes.push(b);
    }
    let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    let shots: Vec<Shot<'_>> = names
        .iter()
        .zip(&bytes)
        .map(|(name, bytes)| Shot { name, bytes })
        .collect();
    let interactive = !json && std::io::stderr().is_terminal();
    let mut last = None;
    let mut progress = |done: u64, total: u64| {
        let percent = done * 100 / total.max(1);
        if interactive && last != Some(percent / 10) {
            last = Some(percent / 10);
            output::draft::reading(percent, lang);
        }
        true
    };
    // The apps read here write China's time.
    let zone = daozhang::domain::time::china();
    let today = Local::now().with_timezone(&zone).date_naive();
    let result = draft::draft(&shots, &Tesseract::default(), zone, today, &mut progress);
    if interactive {
        output::draft::read_done();
    }
    let d: Draft = result.map_err(BoundaryError::from)?;
    if json {
        output::json(&d)
    } else {
        output::draft::print(&d, lang)
    }
}
