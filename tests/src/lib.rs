//! End-to-end and interop tests for Daozhang live in `tests/tests/`.

pub mod bills;
pub mod fakes;
pub mod keyring;
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
