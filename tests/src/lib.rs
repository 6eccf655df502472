//! End-to-end and interop tests for Daozhang live in `tests/tests/`.

pub mod bills;
pub mod fakes;
pub mod keyring;
pub mod memstore;
pub mod notifications;
pub mod webdriver;

/// The `daozhang` CLI next to this test's binary (target/<profile>/), built
/// first when a partial `cargo test -p daozhang-tests` did not build it.
pub fn cli_binary() -> std::path::PathBuf {
    use std::sync::OnceLock;
    static BUILT: OnceLock<std::path::PathBuf> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let exe = std::env::current_exe().expect("the test knows its own path");
            let dir = exe
                .parent()
                .and_then(std::path::Path::parent)
                .expect("target/<profile>")
                .to_path_buf();
            let bin = dir.join("daozhang");
            if !bin.exists() {
                let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
                let status = std::process::Command::new(cargo)
                    .args([
                        "build",
                        "-p",
                        "daozhang",
                        "--bin",
                        "daozhang",
                        "--no-default-features",
                    ])
                    .status()
                    .expect("cargo runs");
                assert!(status.success(), "building the daozhang CLI failed");
            }
            bin
        })
        .clone()
}

/// The `daozhang` CLI without the desktop feature, next to this test's
/// build output, built (or found up to date) on first use: a binary of
/// another package is not built for this one's tests.
pub fn headless_cli() -> &'static std::path::Path {
    use std::path::{Path, PathBuf};
    use std::sync::OnceLock;
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let exe = std::env::current_exe().expect("the test knows its path");
        // target/<profile>/deps/<test>-… → target/<profile>/daozhang
        let dir = exe
            .parent()
            .and_then(Path::parent)
            .expect("target/<profile>");
        let bin = dir.join(format!("daozhang{}", std::env::consts::EXE_SUFFIX));
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut build = std::process::Command::new(cargo);
        build
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(["build", "--quiet", "-p", "daozhang", "--bin", "daozhang"])
            .arg("--no-default-features");
        if dir.file_name().is_some_and(|n| n == "release") {
            build.arg("--release");
        }
        let status = build.status().expect("cargo runs");
        assert!(
            status.success() && bin.is_file(),
            "cannot build {}: run `cargo build -p daozhang --bin daozhang --no-default-features`",
            bin.display()
        );
        bin
    })
}
