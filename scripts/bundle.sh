#!/usr/bin/env bash
# Builds the installable packages: a .deb and an .rpm (AppImage needs tools
# downloaded at build time and is not built), each holding both faces:
# /usr/bin/daozhang-app (the desktop app) and /usr/bin/daozhang (the CLI, with
# `daozhang follow run` for cron or a systemd timer). Output:
#   target/release/bundle/deb/Daozhang_<version>_amd64.deb
#   target/release/bundle/rpm/Daozhang-<version>-1.x86_64.rpm
# and, at the end, the list of each package's binaries (it fails when one is
# missing).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# Both binaries with the features the bundler builds the app with, so the
# library is compiled once; the bundler then copies the CLI in
# (tauri.conf.json: bundle.linux.deb.files / rpm.files).
(cd ui && npm run build)
cargo build --locked --release -p daozhang --bins --features custom-protocol
cd src-tauri
../ui/node_modules/.bin/tauri build --bundles deb,rpm --features custom-protocol "$@"
cd ..
python3 scripts/list-bundle.py target/release/bundle
