#!/usr/bin/env python3
"""Start-up benchmark: the app against a blank Tauri 2 window.

    (cd ui && npm run build && npm run build:blank)
    cargo build --release -p daozhang --features custom-protocol --bin daozhang-app
    cargo build --release -p daozhang-blank-window --features custom-protocol
    dbus-run-session -- python3 scripts/bench-startup.py [RUNS]

Starts a private Xvfb, then the blank window (tests/blank-window: the same
tauri, wry and WebKitGTK, a one-line Svelte 5 page built by the same Vite
from ui/blank/) and the app alternately, RUNS
times each (default 7), each in a fresh HOME with the example cases already
saved when the CLI (target/release/daozhang or target/debug/daozhang) is
there, so the app's first screen lists recent cases. It times exec → the
first painted frame: the first screenshot of the screen that is no longer
one flat colour within the window's area (the root is black; a window that
is mapped but not painted is its background colour). Screenshots are taken with XGetImage through
libX11, as fast as they come (a few milliseconds each). A second later it
adds up the resident memory of the process and its children (WebKit's web
and network processes). Prints the medians and the ratio.
"""

import ctypes
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
WIDTH, HEIGHT = 1280, 900
# Both windows are 1180 × 820 and, with no window manager, placed at 0, 0:
# only that area is looked at, so a window that is mapped but shows only its
# background colour is not yet painted.
AREA = (1180, 820)
TIMEOUT = 30.0


class XImage(ctypes.Structure):
    _fields_ = [
        ("width", ctypes.c_int),
        ("height", ctypes.c_int),
        ("xoffset", ctypes.c_int),
        ("format", ctypes.c_int),
        ("data", ctypes.c_void_p),
        ("byte_order", ctypes.c_int),
        ("bitmap_unit", ctypes.c_int),
        ("bitmap_bit_order", ctypes.c_int),
        ("bitmap_pad", ctypes.c_int),
        ("depth", ctypes.c_int),
        ("bytes_per_line", ctypes.c_int),
        ("bits_per_pixel", ctypes.c_int),
    ]


class Screen:
    """The X display's root window, read as pixels."""

    def __init__(self, display):
        self.x = ctypes.cdll.LoadLibrary("libX11.so.6")
        self.x.XOpenDisplay.restype = ctypes.c_void_p
        self.x.XOpenDisplay.argtypes = [ctypes.c_char_p]
        self.x.XDefaultRootWindow.restype = ctypes.c_ulong
        self.x.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
        self.x.XGetImage.restype = ctypes.POINTER(XImage)
        self.x.XGetImage.argtypes = [
            ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_int,
            ctypes.c_uint, ctypes.c_uint, ctypes.c_ulong, ctypes.c_int,
        ]
        self.x.XDestroyImage = None  # a macro; freed through XFree below
        self.x.XFree.argtypes = [ctypes.c_void_p]
        self.x.XSync.argtypes = [ctypes.c_void_p, ctypes.c_int]
        self.dpy = self.x.XOpenDisplay(display.encode())
        if not self.dpy:
            raise SystemExit(f"cannot open display {display}")
        self.root = self.x.XDefaultRootWindow(self.dpy)

    def grab(self):
        """The screen's pixels (BGRX, 4 bytes each) and the bytes per line."""
        img = self.x.XGetImage(self.dpy, self.root, 0, 0, WIDTH, HEIGHT, 0xFFFFFFFF, 2)
        im = img.contents
        data = ctypes.string_at(im.data, im.bytes_per_line * im.height)
        line = im.bytes_per_line
        self.x.XFree(im.data)
        self.x.XFree(img)
        return data, line

    def flat(self):
        """True while every pixel of the window's area has one colour."""
        img = self.x.XGetImage(self.dpy, self.root, 0, 0, AREA[0], AREA[1], 0xFFFFFFFF, 2)
        if not img:
            return True
        im = img.contents
        size = im.bytes_per_line * im.height
        data = ctypes.string_at(im.data, size)
        self.x.XFree(im.data)
        self.x.XFree(img)
        step = im.bits_per_pixel // 8
        return data == data[:step] * (size // step)


# With STARTUP_FRAMES=DIR, each first painted frame is saved there as a PNG,
# to see what "first paint" was.
FRAMES = os.environ.get("STARTUP_FRAMES")


def save_png(screen, path):
    import struct
    import zlib

    data, line = screen.grab()
    rows = b"".join(
        b"\x00" + bytes(
            b for px in range(WIDTH) for b in (data[y * line + px * 4 + 2], data[y * line + px * 4 + 1], data[y * line + px * 4])
        )
        for y in range(HEIGHT)
    )

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", WIDTH, HEIGHT, 8, 2, 0, 0, 0)))
        f.write(chunk(b"IDAT", zlib.compress(rows, 6)))
        f.write(chunk(b"IEND", b""))


def tree(pid):
    """`pid` and all its descendants."""
    children = {}
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            with open(f"/proc/{p}/stat") as f:
                parent = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(p))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def rss_mb(pid):
    total = 0
    for p in tree(pid):
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def seed(home):
    """The example cases saved into `home` through the CLI, when it is built."""
    for profile in ("release", "debug"):
        cli = os.path.join(TARGET, profile, "daozhang")
        if os.path.exists(cli):
            break
    else:
        return 0
    n = 0
    examples = os.path.join(ROOT, "examples")
    for name in sorted(os.listdir(examples)):
        if name.endswith(".toml"):
            r = subprocess.run(
                [cli, "case", "import", os.path.join(examples, name)],
                env=environment(home), capture_output=True,
            )
            n += r.returncode == 0
    return n


def environment(home):
    env = dict(os.environ)
    env.update(
        HOME=home,
        XDG_CONFIG_HOME=os.path.join(home, ".config"),
        XDG_DATA_HOME=os.path.join(home, ".local", "share"),
        XDG_CACHE_HOME=os.path.join(home, ".cache"),
        XDG_STATE_HOME=os.path.join(home, ".local", "state"),
    )
    return env


def start(binary, home, screen, display):
    env = environment(home)
    env["DISPLAY"] = display
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [binary], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    painted = None
    while time.perf_counter() - t0 < TIMEOUT:
        if not screen.flat():
            painted = time.perf_counter() - t0
            if FRAMES:
                save_png(screen, os.path.join(FRAMES, f"{os.path.basename(binary)}-{time.time_ns()}.png"))
            break
        if proc.poll() is not None:
            break
    time.sleep(1.0)
    mem = rss_mb(proc.pid) if proc.poll() is None else float("nan")
    for p in reversed(tree(proc.pid)):
        try:
            os.kill(p, signal.SIGKILL)
        except OSError:
            pass
    proc.wait()
    # Let the screen go black again before the next start.
    deadline = time.perf_counter() + 5
    while not screen.flat() and time.perf_counter() < deadline:
        time.sleep(0.01)
    return painted, mem


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    apps = {
        "blank Tauri window": os.path.join(TARGET, "release", "daozhang-blank-window"),
        # STARTUP_APP=PATH times another build of the app (an older one, say).
        "Daozhang": os.environ.get("STARTUP_APP", os.path.join(TARGET, "release", "daozhang-app")),
    }
    for name, path in apps.items():
        if not os.path.exists(path):
            raise SystemExit(f"{name}: build it first ({path} is missing); see this script's help")
    display = ":%d" % (90 + os.getpid() % 100)
    xvfb = subprocess.Popen(
        ["Xvfb", display, "-screen", "0", f"{WIDTH}x{HEIGHT}x24", "-br", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                screen = Screen(display)
                break
            except SystemExit:
                time.sleep(0.05)
        else:
            raise SystemExit("Xvfb did not start")
        base = tempfile.mkdtemp(prefix="daozhang-startup-")
        seeded = os.path.join(base, "seeded")
        os.makedirs(seeded)
        cases = seed(seeded)
        results = {name: ([], []) for name in apps}
        # One warm-up each (page cache, fontconfig cache), not counted.
        for i in range(runs + 1):
            for name, path in apps.items():
                home = os.path.join(base, f"run-{i}-{len(results[name][0])}-{name[0]}")
                shutil.copytree(seeded, home)
                painted, mem = start(path, home, screen, display)
                shutil.rmtree(home, ignore_errors=True)
                if painted is None:
                    raise SystemExit(f"{name}: no painted frame within {TIMEOUT:.0f} s")
                if i > 0:
                    results[name][0].append(painted)
                    results[name][1].append(mem)
                    print(f"  {name}: first paint {painted * 1000:.0f} ms, {mem:.0f} MB", flush=True)
        shutil.rmtree(base, ignore_errors=True)
        print(f"\n{runs} runs each, alternating, after one warm-up; the app's store holds {cases} cases.\n")
        print("| window | first paint median (min–max) | memory median |")
        print("| --- | --- | --- |")
        med = {}
        for name, (times, mems) in results.items():
            med[name] = (statistics.median(times), statistics.median(mems))
            print(f"| {name} | {med[name][0] * 1000:.0f} ms ({min(times) * 1000:.0f}–{max(times) * 1000:.0f}) | {med[name][1]:.0f} MB |")
        (tb, mb), (ta, ma) = med["blank Tauri window"], med["Daozhang"]
        print(f"\nDaozhang ÷ blank: first paint {ta / tb:.2f}×, memory {ma / mb:.2f}×")
    finally:
        xvfb.terminate()
        xvfb.wait()


if __name__ == "__main__":
    main()
