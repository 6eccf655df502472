#!/usr/bin/env bash
# Installs what is needed, builds the front end and starts the Daozhang
# desktop app. `scripts/run.sh cli ARGS…` runs the command-line tool instead,
# e.g. `scripts/run.sh cli demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
if [ "${1:-}" = "cli" ]; then
  shift
  cargo build --release --locked -p daozhang --no-default-features --features cli --bin daozhang
  exec target/release/daozhang "$@"
fi
(cd ui && npm run build)
cargo build --release --locked -p daozhang --bin daozhang-app --features custom-protocol
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "error: no display: start Daozhang from a desktop session (or try the CLI: scripts/run.sh cli demo)" >&2
  exit 1
fi
exec target/release/daozhang-app
