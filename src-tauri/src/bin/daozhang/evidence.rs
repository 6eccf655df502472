//! `daozhang evidence import`: the user's own evidence into a case.

use daozhang::domain::text::Lang;
use daozhang::error::{BoundaryError, ErrorCode};
use daozhang::evidence;
use daozhang::store::Store;

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
            let scan = evidence::scan_file(path, case, &mut progress);
            if interactive && std::fs::metadata(path).map(|m| m.len()).unwrap_or(0) > 8 << 20 {
                output::evidence::read_done();
            }
            scan.map_err(|e| in_file(path)(e.into()))?
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
