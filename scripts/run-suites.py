#!/usr/bin/env python3
"""Runs the test executables of one `cargo test --no-run` build side by side.

    scripts/run-suites.py BUILD.json [--lanes N] [--only NAME,NAME]

BUILD.json is what `cargo test --no-run --message-format=json` printed. Each
test executable (unit tests of every crate, every integration test file) is
run as `cargo test` would run it: from its package's directory, with
CARGO_MANIFEST_DIR set. The end-to-end suite, which mostly waits on a real
window, gets a lane of its own; the others share the remaining lanes, the
longest first. Each suite's output is printed whole when it ends, with its
time. Exits non-zero when any suite fails.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time

# Suites known to take long (seconds, measured on a 2-core machine); the
# rest count as short. Only the order of the lanes depends on this.
WEIGHT = {"e2e": 300, "batch": 60, "sources": 40, "sources_more": 40, "interop": 30}
# Suites that want a lane to themselves.
ALONE = {"e2e"}


def executables(build_json):
    found = []
    with open(build_json, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line.startswith("{"):
                continue
            msg = json.loads(line)
            if msg.get("reason") != "compiler-artifact":
                continue
            exe = msg.get("executable")
            target = msg.get("target", {})
            if not exe or not msg.get("profile", {}).get("test"):
                continue
            if "bench" in target.get("kind", []):
                continue
            name = target["name"]
            if "lib" in target.get("kind", []) or "rlib" in target.get("kind", []):
                pid = msg["package_id"]
                pkg = pid.split("#")[-1].split("@")[0] if "#" in pid else pid.split(" ")[0]
                name = f"{pkg} (unit tests)"
            found.append(
                {
                    "name": name,
                    "target": target["name"],
                    "exe": exe,
                    "dir": os.path.dirname(msg["manifest_path"]),
                }
            )
    # One entry per executable (a target built twice is run once).
    seen, unique = set(), []
    for s in found:
        if s["exe"] not in seen:
            seen.add(s["exe"])
            unique.append(s)
    return unique


def run(suite, results, lock):
    env = dict(os.environ, CARGO_MANIFEST_DIR=suite["dir"])
    started = time.monotonic()
    with tempfile.TemporaryFile(mode="w+", encoding="utf-8", errors="replace") as out:
        code = subprocess.call(
            [suite["exe"]], cwd=suite["dir"], env=env, stdout=out, stderr=subprocess.STDOUT
        )
        out.seek(0)
        text = out.read()
    took = time.monotonic() - started
    with lock:
        status = "ok" if code == 0 else f"FAILED (exit {code})"
        print(f"== suite {suite['name']}: {status} in {took:.0f} s", flush=True)
        sys.stdout.write(text)
        sys.stdout.flush()
        results.append((suite["name"], code, took))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("build_json")
    p.add_argument("--lanes", type=int, default=2)
    p.add_argument("--only", default="")
    a = p.parse_args()
    suites = executables(a.build_json)
    if a.only:
        keep = set(a.only.split(","))
        suites = [s for s in suites if s["target"] in keep]
    if not suites:
        print("no test executables in", a.build_json, file=sys.stderr)
        return 1
    lanes = [[] for _ in range(max(1, a.lanes))]
    alone = [s for s in suites if s["target"] in ALONE]
    rest = sorted(
        (s for s in suites if s["target"] not in ALONE),
        key=lambda s: -WEIGHT.get(s["target"], 10),
    )
    for i, s in enumerate(alone):
        lanes[i % len(lanes)].append(s)
    shared = lanes[len(alone):] or lanes
    loads = [sum(WEIGHT.get(s["target"], 10) for s in lane) for lane in shared]
    for s in rest:
        i = loads.index(min(loads))
        shared[i].append(s)
        loads[i] += WEIGHT.get(s["target"], 10)

    results, lock = [], threading.Lock()

    def lane_run(lane):
        for s in lane:
            run(s, results, lock)

    threads = [threading.Thread(target=lane_run, args=(lane,)) for lane in lanes if lane]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    failed = [r for r in results if r[1] != 0]
    print(f"== {len(results)} suites, {len(failed)} failed", flush=True)
    for name, code, took in sorted(results, key=lambda r: -r[2]):
        print(f"   {name}: {'ok' if code == 0 else 'FAILED'} ({took:.0f} s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
