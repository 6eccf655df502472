#!/usr/bin/env bash
# Installs what is needed and starts Daozhang. Until the desktop window lands
# this runs the command-line demo over the bundled example cases; extra
# arguments go to the `daozhang` CLI instead, e.g.
#   scripts/run.sh check examples/douyin-dou-plus-alipay.toml
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cargo build --release --locked -p daozhang --no-default-features --bin daozhang
if [ $# -eq 0 ]; then
  exec target/release/daozhang demo
fi
exec target/release/daozhang "$@"
