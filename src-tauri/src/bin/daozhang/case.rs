//! `daozhang case …`: the local case file. The escalation ladder and the
//! Markdown / .ics exports are in [`crate::ladder`].

use chrono::Local;

use daozhang::domain::case::parse_case_toml;
use daozhang::domain::text::Lang;
use daozhang::error::{BoundaryError, ErrorCode};
use daozhang::report::CheckReport;
use daozhang::store::{CaseDocument, Store};

use crate::cli::CaseCommand;
use crate::input::{in_file, read_text, write_file};
use crate::{Result, ladder, output};

pub(crate) fn case(c: CaseCommand, lang: Lang, mut s: Store) -> Result<()> {
    match c {
        CaseCommand::List { json } => {
            let list = s.list().map_err(BoundaryError::from)?;
            if json {
                output::json(&list)?;
            } else {
                output::case::list(&list, lang);
            }
        }
        CaseCommand::Show { id, json } => {
            let stored = s.get(&id).map_err(BoundaryError::from)?;
            if json {
                output::json(&stored)?;
            } else {
                let now = Local::now().with_timezone(&stored.case.zone());
                let report = CheckReport::check(&stored.case, Some(stored.id.clone()), now);
                output::case::show(&stored, &report, lang);
            }
        }
        CaseCommand::Export { id, output, files } if files.any() => {
            if output.is_some() {
                return Err(BoundaryError::new(
                    ErrorCode::BadArgument,
                    "-o writes the JSON document; with --markdown or --ics give only those files",
                ));
            }
            ladder::export(&mut s, &id, &files, lang)?;
        }
        CaseCommand::Ladder(a) => ladder::ladder(&s, a, lang)?,
        CaseCommand::Sent(a) => ladder::sent(&mut s, a, lang)?,
        CaseCommand::Reply(a) => ladder::reply(&mut s, a, lang)?,
        CaseCommand::Close(a) => ladder::close(&mut s, a, lang)?,
        CaseCommand::Export { id, output, .. } => {
            let doc = s.export(&id).map_err(BoundaryError::from)?;
            let text = doc.to_json();
            match output {
                Some(path) => write_file(&path, &text)?,
                None => output::case::document(&text),
            }
        }
        CaseCommand::Import { file, replace } => {
            let text = read_text(&file)?;
            let id = if text.trim_start().starts_with('{') {
                let doc = CaseDocument::from_json(&text).map_err(BoundaryError::from)?;
                s.import(&doc, replace).map_err(BoundaryError::from)?
            } else {
                let case = parse_case_toml(&text).map_err(|e| in_file(&file)(e.into()))?;
                let id = s
                    .create_case(&case, Local::now().with_timezone(&case.zone()))
                    .map_err(BoundaryError::from)?;
                crate::input::keep_attachments(&mut s, &id, &case, &file, lang);
                id
            };
            output::line(&id);
        }
        CaseCommand::Delete { id } => {
            s.delete(&id).map_err(BoundaryError::from)?;
        }
        CaseCommand::Draft { shots, json } => crate::draft::draft(&shots, json, lang)?,
    }
    Ok(())
}
