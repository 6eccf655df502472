#!/usr/bin/env bash
# Builds the installable packages: a .deb and an .rpm (AppImage needs tools
# downloaded at build time and is not built). Output:
#   target/release/bundle/deb/Daozhang_<version>_amd64.deb
#   target/release/bundle/rpm/Daozhang-<version>-1.x86_64.rpm
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cd src-tauri
../ui/node_modules/.bin/tauri build --bundles deb,rpm --features custom-protocol "$@"
