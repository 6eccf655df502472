//! Files only their user may read: the case file holds order numbers,
//! amounts, card tails and messages. On Unix the data directory is created
//! 0700 and its files 0600; other platforms keep their per-user app-data
//! directories' own permissions.

use std::fs::OpenOptions;
use std::io;
use std::path::Path;

/// Creates `dir` (and its parents), the last one readable by the user only.
pub(crate) fn create_dir(dir: &Path) -> io::Result<()> {
    if dir.as_os_str().is_empty() || dir.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// New files opened with `options` are readable by the user only.
pub(crate) fn file_only_for_user(options: &mut OpenOptions) {
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(options, 0o600);
    #[cfg(not(unix))]
    let _ = options;
}

/// Takes group and other permissions off an existing file of ours (a case
/// file an earlier version created with the default mode).
pub(crate) fn restrict(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = std::fs::metadata(path)?;
        let mode = meta.permissions().mode();
        if mode & 0o077 != 0 {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode & 0o700))?;
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}
