#!/usr/bin/env bash
# Installs what is needed and runs every check and test: formatting, lints,
# generated-type freshness, unit / snapshot / property tests, command tests on
# Tauri's mock runtime, CLI and crash-safety tests, front-end typecheck, lint,
# i18n check and component tests, and the end-to-end test of the real app
# under Xvfb.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
scripts/setup.sh --test
export PATH="$HOME/.cargo/bin:$PATH"

echo "== front end: typecheck, lint, i18n, component tests, build"
(cd ui && npm run check && npm run lint && npm run i18n:check && npm test && npm run build)

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy"
cargo clippy --locked --workspace --all-targets --all-features -- -D warnings

echo "== build the desktop app (front end embedded) for the end-to-end test"
cargo build --locked -p daozhang --bin daozhang-app --all-features

echo "== cargo test (includes the end-to-end test)"
# Snapshot mismatches fail instead of writing new snapshots.
INSTA_UPDATE=no cargo test --locked --workspace --all-features

echo "all checks passed in $(( $(date +%s) - start )) s"
