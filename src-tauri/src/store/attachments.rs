//! The files a case keeps: the screenshots (and bills) it was drafted from,
//! copied into the case's own folder beside the case file
//! (`attachments/<case id>/`, readable by the user only), so the evidence
//! stays when the originals are moved or deleted from the phone's export
//! folder. Each file is at most [`MAX_FILE_BYTES`], a case's folder at most
//! [`MAX_CASE_BYTES`]; the folder goes with the case.

use std::io::Read;
use std::path::{Path, PathBuf};

use super::{Store, StoreError, private, read, resolve};

/// A kept file is at most this large (a phone screenshot is a few MB).
pub const MAX_FILE_BYTES: u64 = 32 << 20;
/// All the files of one case together.
pub const MAX_CASE_BYTES: u64 = 256 << 20;

impl Store {
    /// The folder the files of case `id` are kept in (it may not exist yet).
    pub fn attachments_dir(&self, id: &str) -> PathBuf {
        self.path
            .parent()
            .unwrap_or(Path::new(""))
            .join("attachments")
            .join(id)
    }

    /// Copies `files` into the folder of the case `id_or_prefix`, each under
    /// its own file name (a name already there with other contents gets a
    /// number: `shot-2.png`; the same contents are not copied twice).
    /// Returns the names kept. Nothing is copied when a file is over the
    /// limits.
    pub fn keep_files(
        &mut self,
        id_or_prefix: &str,
        files: &[PathBuf],
    ) -> Result<Vec<String>, StoreError> {
        let id = {
            let tx = read(&self.conn, &self.path)?;
            resolve(&tx, &self.path, id_or_prefix)?
        };
        let dir = self.attachments_dir(&id);
        let io = |path: &Path, action: &'static str| {
            let path = path.to_owned();
            move |source| StoreError::Io {
                path,
                action,
                source,
            }
        };
        let mut total = folder_bytes(&dir);
        for f in files {
            let size = std::fs::metadata(f)
                .map_err(io(f, "reading the file to keep"))?
                .len();
            total += size;
            if size > MAX_FILE_BYTES || total > MAX_CASE_BYTES {
                return Err(StoreError::TooLarge {
                    name: file_name(f),
                    bytes: size,
                    limit: if size > MAX_FILE_BYTES {
                        MAX_FILE_BYTES
                    } else {
                        MAX_CASE_BYTES
                    },
                });
            }
        }
        private::create_dir(&dir).map_err(io(&dir, "creating the case's folder"))?;
        let mut kept = Vec::new();
        for f in files {
            let bytes = read_capped(f).map_err(io(f, "reading the file to keep"))?;
            let name = free_name(&dir, &file_name(f), &bytes);
            let to = dir.join(&name);
            if !to.exists() {
                let mut options = std::fs::OpenOptions::new();
                options.write(true).create_new(true);
                private::file_only_for_user(&mut options);
                let mut out = options.open(&to).map_err(io(&to, "keeping the file"))?;
                std::io::Write::write_all(&mut out, &bytes).map_err(io(&to, "keeping the file"))?;
            }
            kept.push(name);
        }
        Ok(kept)
    }

    /// Copies the files kept with case `id` into `to` (created, readable
    /// by the user only), for an export that carries them; a file of the
    /// same name there is replaced. Returns the names copied (none when
    /// the case keeps none: `to` is then not created).
    pub fn copy_kept_files(&self, id: &str, to: &Path) -> Result<Vec<String>, StoreError> {
        let names = self.kept_files(id);
        if names.is_empty() {
            return Ok(names);
        }
        let failed = |path: &Path, action: &'static str| {
            let path = path.to_owned();
            move |source| StoreError::Io {
                path,
                action,
                source,
            }
        };
        private::create_dir(to).map_err(failed(to, "creating the export's folder"))?;
        let from = self.attachments_dir(id);
        for name in &names {
            let dest = to.join(name);
            std::fs::copy(from.join(name), &dest)
                .map_err(failed(&dest, "copying a file kept with the case"))?;
            private::restrict(&dest).map_err(failed(&dest, "copying a file kept with the case"))?;
        }
        Ok(names)
    }

    /// The files kept with case `id`, by name.
    pub fn kept_files(&self, id: &str) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.attachments_dir(id))
            .map(|d| {
                d.filter_map(|e| e.ok())
                    .filter(|e| e.path().is_file())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "attachment".to_owned())
}

fn read_capped(path: &Path) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(MAX_FILE_BYTES)
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}

fn folder_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(|e| e.ok()?.metadata().ok())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

/// `name`, or `name-2`, `name-3` … : the first that is free or already
/// holds these bytes.
fn free_name(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let (stem, ext) = match name.rsplit_once('.') {
        Some((s, e)) if !s.is_empty() => (s.to_owned(), format!(".{e}")),
        _ => (name.to_owned(), String::new()),
    };
    (1..)
        .map(|n| {
            if n == 1 {
                name.to_owned()
            } else {
                format!("{stem}-{n}{ext}")
            }
        })
        .find(|candidate| match std::fs::read(dir.join(candidate)) {
            Ok(existing) => existing == bytes,
            Err(_) => true,
        })
        .expect("a free name is found")
}
