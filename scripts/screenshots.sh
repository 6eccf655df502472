#!/usr/bin/env bash
# Runs the end-to-end test and copies the screenshots it takes of every
# step into docs/screenshots/ (the README shows them).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
export PATH="$HOME/.cargo/bin:$PATH"
(cd ui && npm run build)
cargo build --locked -p daozhang --bin daozhang-app --all-features
cargo test --locked -p daozhang-tests --test e2e -- --nocapture
mkdir -p docs/screenshots
cp target/screenshots/*.png docs/screenshots/
ls docs/screenshots
