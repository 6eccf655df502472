#!/usr/bin/env python3
"""Lists the files of the built .deb and .rpm and checks that each holds
both binaries.

    scripts/list-bundle.py target/release/bundle

A .deb is an `ar` archive whose data.tar.* lists the files; an .rpm's header
lists them (read here without the rpm tools, which Debian does not have by
default). Exits non-zero when a package is missing or lacks a binary.
"""

import glob
import os
import struct
import subprocess
import sys

WANT = ["/usr/bin/daozhang-app", "/usr/bin/daozhang"]


def deb_files(path):
    out = subprocess.run(["dpkg-deb", "-c", path], check=True, capture_output=True, text=True)
    files = []
    for line in out.stdout.splitlines():
        parts = line.split()
        files.append(("/" + parts[-1].lstrip("./"), int(parts[2])))
    return files


RPMTAG_BASENAMES, RPMTAG_DIRNAMES, RPMTAG_DIRINDEXES, RPMTAG_FILESIZES = 1117, 1118, 1116, 1028


def rpm_header(f):
    magic = f.read(8)
    if magic[:3] != b"\x8e\xad\xe8":
        raise ValueError("not an rpm header")
    count, size = struct.unpack(">II", f.read(8))
    index = [struct.unpack(">iiii", f.read(16)) for _ in range(count)]
    store = f.read(size)
    return index, store


def rpm_files(path):
    with open(path, "rb") as f:
        if f.read(4) != b"\xed\xab\xee\xdb":
            raise ValueError(f"{path} is not an rpm")
        f.seek(96)
        index, store = rpm_header(f)  # the signature header
        pad = (8 - (16 + 16 * len(index) + len(store)) % 8) % 8
        f.read(pad)
        index, store = rpm_header(f)
    tags = {}
    for tag, typ, off, cnt in index:
        if typ == 8:  # string array
            vals, pos = [], off
            for _ in range(cnt):
                end = store.index(b"\0", pos)
                vals.append(store[pos:end].decode())
                pos = end + 1
            tags[tag] = vals
        elif typ == 4:  # int32
            tags[tag] = list(struct.unpack(f">{cnt}i", store[off : off + 4 * cnt]))
    base = tags.get(RPMTAG_BASENAMES, [])
    dirs = tags.get(RPMTAG_DIRNAMES, [])
    idx = tags.get(RPMTAG_DIRINDEXES, [])
    sizes = tags.get(RPMTAG_FILESIZES, [0] * len(base))
    return [(dirs[i] + b, n) for b, i, n in zip(base, idx, sizes)]


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "target/release/bundle"
    ok = True
    for kind, pattern, lister in [
        ("deb", "deb/*.deb", deb_files),
        ("rpm", "rpm/*.rpm", rpm_files),
    ]:
        found = sorted(glob.glob(os.path.join(root, pattern)), key=os.path.getmtime)
        if not found:
            print(f"no .{kind} under {root}")
            ok = False
            continue
        pkg = found[-1]
        files = lister(pkg)
        size = os.path.getsize(pkg) / (1 << 20)
        print(f"{os.path.basename(pkg)} ({size:.1f} MiB):")
        sizes = dict(files)
        for name, n in files:
            if name.startswith("/usr/bin/"):
                print(f"  {name} ({n / (1 << 20):.1f} MiB)")
        for w in WANT:
            if w not in sizes:
                print(f"  MISSING: {w}")
                ok = False
        # The app and the CLI are different programs: the same size means
        # one of them was packed twice.
        if all(w in sizes for w in WANT) and len({sizes[w] for w in WANT}) == 1:
            print("  the app and the CLI are the same file")
            ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
