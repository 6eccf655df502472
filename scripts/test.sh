#!/usr/bin/env bash
# Installs what is needed and runs every check and test: formatting, lints,
# generated-type freshness, unit / snapshot / property tests, command tests on
# Tauri's mock runtime, CLI and crash-safety tests, front-end typecheck, lint,
# i18n check and component tests, and the end-to-end test of the real app
# under Xvfb.
#
# Everything Rust is compiled once: clippy lints the workspace's own crates
# while they are built for the tests (clippy-driver compiles as rustc does),
# and every suite uses the binaries of that one build. The suites then run
# side by side (scripts/run-suites.py).
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
step() { echo "== $* (at $(($(date +%s) - start)) s)"; }

scripts/setup.sh --test
export PATH="$HOME/.cargo/bin:$PATH"

step "front end: typecheck, lint, i18n, component tests, build (and the start-up benchmark's blank page)"
(cd ui && npm run check && npm run lint && npm run i18n:check && npm test && npm run build && npm run build:blank)

step "cargo fmt --check"
cargo fmt --all -- --check

step "module arrows"
python3 scripts/arrows.py

step "build every crate, target and test once, with clippy's lints as errors"
# What `cargo clippy --all-targets -- -D warnings` does, inside the build.
RUSTC_WORKSPACE_WRAPPER="$(command -v clippy-driver)"
CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__"
export RUSTC_WORKSPACE_WRAPPER CLIPPY_ARGS
# Snapshot mismatches fail instead of writing new snapshots.
export INSTA_UPDATE=no
mkdir -p target
cargo test --locked --workspace --all-features --all-targets --no-run \
  --message-format=json-render-diagnostics >target/test-build.json

step "run the suites"
# The suites use the CLI of this build, never one built with other features.
export DAOZHANG_TEST_CLI="$PWD/target/debug/daozhang"
python3 scripts/run-suites.py target/test-build.json

echo "all checks passed in $(($(date +%s) - start)) s"
