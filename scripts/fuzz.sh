#!/usr/bin/env bash
# Fuzzes every parser of untrusted input (fuzz/fuzz_targets) for a bounded
# time each and prints, per target, the executions and the crashes found.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET ...]
#
# SECONDS_PER_TARGET defaults to 60; with no TARGET every target runs.
# Needs the nightly toolchain (cargo-fuzz builds with sanitizers); installs
# cargo-fuzz when it is missing. Builds into fuzz/target, keeps the corpus
# in fuzz/corpus/TARGET and what crashed in fuzz/artifacts/TARGET (all
# ignored by git). Fuzzing is not part of CI: CI runs the proptests. Each
# crash found becomes a regression test next to the parser it broke.
# Exits non-zero when a target crashed.
set -euo pipefail

secs="${1:-60}"
[ $# -gt 0 ] && shift
case "$secs" in
  '' | *[!0-9]*) echo "usage: $0 [SECONDS_PER_TARGET] [TARGET ...]" >&2; exit 2 ;;
esac

cd "$(dirname "$0")/../fuzz"

if ! rustup toolchain list | grep -q '^nightly'; then
  rustup toolchain install nightly --profile minimal
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked
fi

if [ $# -gt 0 ]; then
  targets=("$@")
else
  mapfile -t targets < <(cargo +nightly fuzz list)
fi

cargo +nightly fuzz build -O

failed=0
summary=()
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t" "artifacts/$t" target
  log="target/fuzz-$t.log"
  before=$(find "artifacts/$t" -type f | wc -l)
  echo "fuzzing $t for ${secs}s (log: fuzz/$log)"
  set +e
  cargo +nightly fuzz run -O "$t" "corpus/$t" -- \
    -max_total_time="$secs" -print_final_stats=1 -rss_limit_mb=2048 -timeout=10 \
    >"$log" 2>&1
  rc=$?
  set -e
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  after=$(find "artifacts/$t" -type f | wc -l)
  crashes=$((after - before))
  if [ "$rc" -ne 0 ] && [ "$crashes" -eq 0 ]; then
    crashes="? (exit $rc, see fuzz/$log)"
  fi
  if [ "$rc" -ne 0 ]; then
    failed=1
  fi
  summary+=("$(printf '%-12s %14s  %s' "$t" "${execs:-0}" "$crashes")")
done

printf '\n%-12s %14s  %s\n' target executions crashes
printf '%s\n' "${summary[@]}"
if [ "$failed" -ne 0 ]; then
  echo "crashes are in fuzz/artifacts/TARGET; reproduce one with: cargo +nightly fuzz run TARGET FILE" >&2
fi
exit "$failed"
