//! `daozhang creds …`: merchant credentials for the live sources, kept in
//! the OS keychain.

use std::io::Read;

use chrono::Local;

use daozhang::domain::text::Lang;
use daozhang::error::{BoundaryError, ErrorCode};
use daozhang::face;
use daozhang::sources::creds::{self, Keychain};
use daozhang::sources::http::{Http, Policy};
use daozhang::sources::settings;

use crate::cli::CredsCommand;
use crate::input::read_text;
use crate::{Result, output};

pub(crate) fn creds(c: CredsCommand, lang: Lang) -> Result<()> {
    let store = Keychain::new();
    match c {
        CredsCommand::List { json } => {
            let all = settings::all(&store);
            if json {
                return output::json(&all);
            }
            output::creds::list(&all, lang);
        }
        CredsCommand::Show { source, json } => {
            let v = settings::view(face::source(&source)?, &store);
            if json {
                return output::json(&v);
            }
            output::creds::show(&v, lang);
        }
        CredsCommand::Set { source, file } => {
            let p = face::source(&source)?;
            let text = if file.as_os_str() == "-" {
                let mut t = String::new();
                std::io::stdin().read_to_string(&mut t).map_err(|e| {
                    BoundaryError::new(ErrorCode::Io, format!("cannot read standard input: {e}"))
                })?;
                t
            } else {
                read_text(&file)?
            };
            let form =
                creds::parse_input(p.id(), &text, p.fields()).map_err(BoundaryError::from)?;
            let v = settings::save(p, &store, form).map_err(BoundaryError::from)?;
            output::creds::saved(&v, lang);
        }
        CredsCommand::Test { source } => {
            let p = face::source(&source)?;
            let http = Http::new(Policy::from_env()).map_err(BoundaryError::from)?;
            let ok = settings::test(p, &store, &http, Local::now().fixed_offset())
                .map_err(BoundaryError::from)?;
            output::line(ok.get(lang));
        }
        CredsCommand::Delete { source } => {
            let p = face::source(&source)?;
            let removed = creds::CredStore::delete(&store, p.id()).map_err(BoundaryError::from)?;
            output::creds::deleted(&p.label(), removed, lang);
        }
    }
    Ok(())
}
