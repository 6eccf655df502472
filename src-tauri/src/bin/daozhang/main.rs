//! `daozhang`: the headless face of Daozhang. See docs/cli.md.
//!
//! A thin face over the library: [`cli`] names the commands and options,
//! one module per command group reads the input and calls the library, and
//! [`output`] draws everything the terminal shows, in the words of
//! `data/cli.toml` ([`words`]).

use std::path::Path;
use std::process::ExitCode;

use clap::Parser;

use daozhang::error::{BoundaryError, ErrorCode};
use daozhang::face;
use daozhang::store::Store;

#[macro_use]
mod words;

mod batch;
mod case;
mod check;
mod cli;
mod complaint;
mod creds;
mod demo;
mod details;
mod draft;
mod evidence;
mod follow;
mod ids;
mod input;
mod ladder;
mod output;

use cli::{CaseCommand, Cli, Command, EvidenceCommand};

type Result<T> = std::result::Result<T, BoundaryError>;

fn main() -> ExitCode {
    // SAFETY: first thing the CLI does, before any thread is started. A
    // key given in the environment is not passed on to what the CLI starts.
    unsafe { daozhang::sources::capture_credential_env() };
    let cli = Cli::parse();
    let json = cli.json();
    // The language errors are told in, even when --lang itself is wrong.
    let lang = cli
        .lang
        .as_deref()
        .and_then(|l| face::lang(l).ok())
        .unwrap_or_else(face::lang_from_env);
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            output::error(&e, json, lang);
            ExitCode::from(if e.code.is_user_error() { 2 } else { 1 })
        }
    }
}

fn run(cli: Cli) -> Result<()> {
    let lang = match &cli.lang {
        Some(l) => face::lang(l).map_err(face::named("--lang"))?,
        None => face::lang_from_env(),
    };
    let store = || open_store(cli.data_dir.as_deref());
    match cli.command {
        Command::Check(a) => check::check(a, lang, store),
        Command::Complaint(a) => {
            complaint::complaint(a, store, || existing_store(cli.data_dir.as_deref()))
        }
        Command::Details(a) => details::details(a, lang, store()?),
        Command::Id { id, json } => ids::id(&id, json, lang),
        // A draft reads screenshots only: no case file is opened.
        Command::Case(CaseCommand::Draft { shots, json }) => draft::draft(&shots, json, lang),
        Command::Case(c) => case::case(c, lang, store()?),
        Command::Evidence(EvidenceCommand::Import(a)) => evidence::import(a, lang, store()?),
        Command::Creds(c) => creds::creds(c, lang),
        Command::Follow(c) => follow::follow(c, lang, store()?),
        Command::Batch(a) => batch::batch(a, lang),
        Command::Demo => demo::demo(lang),
    }
}

fn open_store(dir: Option<&Path>) -> Result<Store> {
    let opened = match dir {
        Some(d) => Store::open(&d.join("cases.sqlite3")),
        None => Store::open_default(),
    };
    opened.map_err(BoundaryError::from)
}

/// The case file, if there is one already (nothing is created).
fn existing_store(dir: Option<&Path>) -> Option<Store> {
    let path = match dir {
        Some(d) => d.join(daozhang::store::FILE_NAME),
        None => Store::default_dir().ok()?.join(daozhang::store::FILE_NAME),
    };
    path.is_file().then(|| Store::open(&path).ok()).flatten()
}

/// A failure that is a bug, not the user's input.
fn internal(e: impl std::fmt::Display) -> BoundaryError {
    BoundaryError::new(ErrorCode::Internal, format!("internal error: {e}"))
}
