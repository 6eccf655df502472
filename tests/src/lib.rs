//! End-to-end and interop tests for Daozhang live in `tests/tests/`.

pub mod bills;
pub mod fakes;
pub mod keyring;
pub mod memstore;
pub mod notifications;
pub mod screens;
pub mod webdriver;
pub mod zips;

/// The `daozhang` CLI the tests run: `DAOZHANG_TEST_CLI` when set (the
/// test script points it at the CLI of the one build every suite shares),
/// else the CLI next to this test's build output, built (or found up to
/// date) without the desktop feature on first use: a binary of another
/// package is not built for this one's tests.
pub fn cli_binary() -> std::path::PathBuf {
    headless_cli().to_path_buf()
}

/// See [`cli_binary`].
pub fn headless_cli() -> &'static std::path::Path {
    use std::path::{Path, PathBuf};
    use std::sync::OnceLock;
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        if let Some(given) = std::env::var_os("DAOZHANG_TEST_CLI") {
            let bin = PathBuf::from(given);
            assert!(
                bin.is_file(),
                "DAOZHANG_TEST_CLI names {}, which is not a file",
                bin.display()
            );
            return bin;
        }
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
            .args(["--no-default-features", "--features", "cli"]);
        if dir.file_name().is_some_and(|n| n == "release") {
            build.arg("--release");
        }
        let status = build.status().expect("cargo runs");
        assert!(
            status.success() && bin.is_file(),
            "cannot build {}: run `cargo build -p daozhang --bin daozhang --no-default-features --features cli`",
            bin.display()
        );
        bin
    })
}
