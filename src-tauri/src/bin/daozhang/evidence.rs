//! `daozhang evidence import`: the user's own evidence into a case.

use std::io::{IsTerminal, Read};
use std::path::Path;

use daozhang::domain::text::{Bilingual, Lang};
use daozhang::error::{BoundaryError, ErrorCode};
use daozhang::evidence::{self, EvidenceError, Password};
use daozhang::store::Store;
use zeroize::Zeroize;

use crate::cli::ImportArgs;
use crate::input::{in_file, parse_now, read_pasted};
use crate::{Result, output};

/// `--accept 2,3` or `all` → the 0-based picks among `n` listed matches.
fn parse_accept(accept: Option<&str>, n: usize) -> Result<Vec<usize>> {
    let Some(a) = accept.map(str::trim) else {
        return Ok(vec![]);
    };
    if a.eq_ignore_ascii_case("all") {
        return Ok((0..n).collect());
    }
    a.split([',', ' '])
        .filter(|p| !p.is_empty())
        .map(|p| match p.parse::<usize>() {
            Ok(k) if (1..=n).contains(&k) => Ok(k - 1),
            _ => Err(BoundaryError::new(
                ErrorCode::BadArgument,
                format!(
                    "--accept {p:?}: expected numbers from the listing (1 to {n}) separated by commas, or all"
                ),
            )),
        })
        .collect()
}

/// How many times the terminal asks for a password.
const TRIES: usize = 3;

/// Runs `scan`, with the password from `password_file` if there is one;
/// a locked zip without one asks on the terminal (up to [`TRIES`] times).
fn scan_asking(
    path: &Path,
    password_file: Option<&Path>,
    json: bool,
    lang: Lang,
    mut scan: impl FnMut(
        Option<&Password>,
    ) -> std::result::Result<evidence::EvidenceScan, EvidenceError>,
) -> Result<evidence::EvidenceScan> {
    let mut password = password_file.map(read_password).transpose()?;
    let can_ask = password_file.is_none() && !json && std::io::stdin().is_terminal();
    let mut asked = 0;
    loop {
        match scan(password.as_ref()) {
            Err(
                e @ (EvidenceError::PasswordNeeded { .. } | EvidenceError::WrongPassword { .. }),
            ) if can_ask && asked < TRIES => {
                asked += 1;
                output::evidence::password_hint(&e.text(), lang);
                let typed = rpassword::prompt_password(say!(lang, "evidence.password_prompt"))
                    .map_err(|_| cancelled())?;
                password = Some(Password::new(typed).ok_or_else(cancelled)?);
            }
            other => return other.map_err(|e| in_file(path)(e.into())),
        }
    }
}

fn cancelled() -> BoundaryError {
    let text = Bilingual::new(
        say!(Lang::ZhCn, "evidence.no_password"),
        say!(Lang::En, "evidence.no_password"),
    );
    BoundaryError::bilingual(ErrorCode::Cancelled, text)
}

/// The password in `src` (a file, or `-` for standard input): its first
/// line, at most 1 KB.
fn read_password(src: &Path) -> Result<Password> {
    const LIMIT: u64 = 1024;
    let mut text = String::new();
    let res = if src == Path::new("-") {
        std::io::stdin().take(LIMIT).read_to_string(&mut text)
    } else {
        std::fs::File::open(src).and_then(|f| f.take(LIMIT).read_to_string(&mut text))
    };
    let name = src.display().to_string();
    if res.is_err() {
        return Err(BoundaryError::bilingual(
            ErrorCode::Io,
            Bilingual::new(
                say!(Lang::ZhCn, "evidence.password_file_unreadable", name = name),
                say!(Lang::En, "evidence.password_file_unreadable", name = name),
            ),
        ));
    }
    let first = zeroize::Zeroizing::new(text.lines().next().unwrap_or("").to_owned());
    text.zeroize();
    Password::new(first.as_str()).ok_or_else(|| {
        BoundaryError::bilingual(
            ErrorCode::BadArgument,
            Bilingual::new(
                say!(Lang::ZhCn, "evidence.password_file_empty", name = name),
                say!(Lang::En, "evidence.password_file_empty", name = name),
            ),
        )
    })
}

pub(crate) fn import(a: ImportArgs, lang: Lang, mut s: Store) -> Result<()> {
    let stored = s.get(&a.case).map_err(BoundaryError::from)?;
    let case = &stored.case;
    let now = parse_now(a.now.as_deref(), Some(case))?;
    let scan = match (&a.file, &a.sms) {
        (Some(path), _) => {
            let interactive = !a.json && std::io::IsTerminal::is_terminal(&std::io::stderr());
            let mut last = 0u64;
            let mut progress = |done: u64, total: u64| {
                if interactive && total > 8 << 20 && done * 10 / total.max(1) != last {
                    last = done * 10 / total.max(1);
                    output::evidence::reading(last * 10, lang);
                }
                true
            };
            let scan = scan_asking(path, a.password_file.as_deref(), a.json, lang, |password| {
                evidence::scan_locked_file(path, password, case, &mut progress)
            })?;
            if interactive && std::fs::metadata(path).map(|m| m.len()).unwrap_or(0) > 8 << 20 {
                output::evidence::read_done();
            }
            scan
        }
        (None, Some(src)) => {
            let text = read_pasted(src)?;
            evidence::scan_text(&text, case).map_err(BoundaryError::from)?
        }
        (None, None) => unreachable!("clap requires FILE or --sms"),
    };
    let picks = parse_accept(a.accept.as_deref(), scan.candidates.len())?;
    let obs = scan
        .accepted(&picks)
        .map_err(|i| BoundaryError::new(ErrorCode::BadArgument, format!("no match {}", i + 1)))?;
    let added = if a.dry_run {
        0
    } else {
        s.add_observations(&stored.id, &obs, now)
            .map_err(BoundaryError::from)?
    };
    if a.json {
        let out = serde_json::json!({
            "case": stored.id,
            "scan": scan,
            "added": added,
            "dry_run": a.dry_run,
        });
        return output::json(&out);
    }
    output::evidence::print_scan(&scan, &picks, lang);
    output::evidence::kept(a.dry_run, added, &stored.id, lang);
    Ok(())
}
