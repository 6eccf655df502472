//! TypeScript types for the front end, generated from the Rust types with
//! ts-rs into `ui/src/lib/bindings/`. The test below fails when the
//! committed files are stale; regenerate with
//! `UPDATE_BINDINGS=1 cargo test -p daozhang bindings`.

use std::path::Path;

use ts_rs::{Config, TS};

/// Writes every type the front end uses (and what they reference) to `dir`.
pub fn export(dir: &Path) -> Result<(), ts_rs::ExportError> {
    let cfg = Config::new().with_large_int("number").with_out_dir(dir);
    crate::report::CheckReport::export_all(&cfg)?;
    crate::api::OpenedCase::export_all(&cfg)?;
    crate::api::SavedCase::export_all(&cfg)?;
    crate::api::AppInfo::export_all(&cfg)?;
    crate::api::PresetView::export_all(&cfg)?;
    crate::records::CaseSummary::export_all(&cfg)?;
    crate::complaint::Complaint::export_all(&cfg)?;
    crate::ids::Candidate::export_all(&cfg)?;
    crate::error::BoundaryError::export_all(&cfg)?;
    crate::records::SourceProgress::export_all(&cfg)?;
    crate::sources::settings::SourceSettings::export_all(&cfg)?;
    crate::domain::case::FieldError::export_all(&cfg)?;
    crate::domain::case::Case::export_all(&cfg)?;
    crate::evidence::EvidenceScan::export_all(&cfg)?;
    crate::evidence::draft::Draft::export_all(&cfg)?;
    crate::batch::Progress::export_all(&cfg)?;
    crate::batch::Summary::export_all(&cfg)?;
    crate::batch::Preview::export_all(&cfg)?;
    crate::batch::RunView::export_all(&cfg)?;
    crate::escalation::LadderView::export_all(&cfg)?;
    crate::follow::FollowView::export_all(&cfg)?;
    crate::check::rounds::Looked::export_all(&cfg)?;
    crate::domain::details::MyDetails::export_all(&cfg)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::path::PathBuf;

    fn read_dir(dir: &std::path::Path) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        if let Ok(entries) = std::fs::read_dir(dir) {
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if name.ends_with(".ts") {
                    out.insert(name, std::fs::read_to_string(e.path()).unwrap());
                }
            }
        }
        out
    }

    #[test]
    fn bindings_are_fresh() {
        let committed = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../ui/src/lib/bindings");
        if std::env::var_os("UPDATE_BINDINGS").is_some() {
            let _ = std::fs::remove_dir_all(&committed);
            super::export(&committed).expect("bindings export");
            return;
        }
        let fresh = tempfile::tempdir().unwrap();
        super::export(fresh.path()).expect("bindings export");
        let (want, have) = (read_dir(fresh.path()), read_dir(&committed));
        let stale: Vec<&String> = want
            .keys()
            .filter(|k| have.get(*k) != want.get(*k))
            .chain(have.keys().filter(|k| !want.contains_key(*k)))
            .collect();
        assert!(
            stale.is_empty(),
            "ui/src/lib/bindings is stale ({stale:?}): the front end must use the types the backend sends. Run `UPDATE_BINDINGS=1 cargo test -p daozhang bindings` and commit the result."
        );
    }
}
