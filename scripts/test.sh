#!/usr/bin/env bash
# Installs what is needed and runs every check and test: formatting, lints,
# generated-type freshness, unit / snapshot / property tests, command tests on
# Tauri's mock runtime, CLI and crash-safety tests.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
scripts/setup.sh

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy"
cargo clippy --locked --workspace --all-targets --features daozhang/ipc-tests -- -D warnings

echo "== cargo test"
# Snapshot mismatches fail instead of writing new snapshots.
INSTA_UPDATE=no cargo test --locked --workspace --features daozhang/ipc-tests

echo "all checks passed in $(( $(date +%s) - start )) s"
