#!/usr/bin/env bash
# Installs what building and testing Daozhang needs on Debian 12 (as root or
# with sudo). Idempotent: what is already present is not installed again.
#   scripts/setup.sh          build + run prerequisites
#   scripts/setup.sh --test   also the test tools (Xvfb, WebDriver, tauri-driver)
set -euo pipefail
cd "$(dirname "$0")/.."

want_tests=0
[ "${1:-}" = "--test" ] && want_tests=1

# Tauri 2 on Linux: WebKitGTK 4.1 and friends; CJK fonts so Chinese renders.
# libdbus-1-dev: the OS keychain (Secret Service) client.
# Tesseract 5 with its simplified Chinese and English models reads
# screenshots offline; libclang-dev lets its Rust binding generate the C API.
packages=(build-essential pkg-config curl file libwebkit2gtk-4.1-dev libxdo-dev libssl-dev
  libayatana-appindicator3-dev librsvg2-dev libdbus-1-dev fonts-noto-cjk
  libtesseract-dev libleptonica-dev libclang-dev tesseract-ocr-chi-sim tesseract-ocr-eng)
if [ $want_tests -eq 1 ]; then
  # gnome-keyring + dbus: a real Secret Service for the keychain tests.
  # python3-dbus + python3-gi: the end-to-end test's notification server.
  # chromium: renders the phone-screen mock-ups the OCR tests read.
  packages+=(xvfb webkit2gtk-driver dbus-x11 xauth dbus gnome-keyring python3-dbus python3-gi chromium)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "== apt-get install ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v cargo >/dev/null 2>&1; then
  echo "error: cargo (Rust 1.89 or newer) is required; install it with rustup and run again" >&2
  exit 1
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "error: Node.js 20.19+ with npm is required for the front end; install it and run again" >&2
  exit 1
fi

if [ $want_tests -eq 1 ] && ! command -v tauri-driver >/dev/null 2>&1 && [ ! -x "$HOME/.cargo/bin/tauri-driver" ]; then
  echo "== cargo install tauri-driver"
  cargo install tauri-driver --version "^2" --locked --quiet
fi

echo "== npm ci (ui)"
(cd ui && npm ci --no-audit --no-fund --loglevel=error)
if [ $want_tests -eq 1 ]; then
  # The providers' official SDKs, for the interop tests (tests/interop/).
  echo "== npm ci (tests/interop)"
  (cd tests/interop && npm ci --no-audit --no-fund --loglevel=error)
fi
