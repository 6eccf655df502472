#!/usr/bin/env python3
"""The arrows between the library's modules point one way.

Reads every `src-tauri/src/**/*.rs` file of the `daozhang` library (not the
binaries under `src/bin/`, which are crates of their own), finds the paths
that name another of its modules (`crate::store::...`, `use crate::{a, b}`,
a `super::` that climbs out of a module) and builds the graph of the
top-level modules: `store/mod.rs`, `store/error.rs` and `store`'s inline
modules are all `store`. Fails when:

- two modules reach each other (a cycle, however long);
- `domain` names a module other than `domain`, or does I/O (files,
  network, processes, the environment, the clock, a database; its
  `tests.rs` files may read their data);
- `tauri` is named outside `src/app/`.

`python3 scripts/arrows.py` prints the graph and what is wrong;
`--dot` prints the graph for Graphviz. Comments and string literals are
ignored; test modules count like any other code.

The arrows of [`SHIMS`] files and the arrows in [`KNOWN`] are printed but
not held against the graph: each names why it is there and what removes
it. Keep both lists short, and empty them.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src-tauri" / "src"
# Files that are their own crates: their `crate::` is not the library's.
OTHER_CRATES = ("bin/", "main.rs")
ROOT_FILES = ("lib.rs",)
PURE = "domain"
# What a pure module must not name (outside comments and strings).
IMPURE = [
    (re.compile(r"\bstd\s*::\s*(fs|net|process|env|thread)\b"), "std::{}"),
    (re.compile(r"\bstd\s*::\s*io\b"), "std::io"),
    (re.compile(r"\b(rusqlite|reqwest|keyring|directories|tauri\w*)\s*::"), "{}"),
    (re.compile(r"\b(Local|Utc|SystemTime|Instant)\s*::\s*now\b"), "{}::now"),
    (re.compile(r"\b(println|eprintln|print|eprint|dbg)\s*!"), "{}!"),
]
# Files whose arrows do not count: compatibility shims to be deleted.
SHIMS: dict[str, str] = {}
# Single arrows allowed for now, with the reason and what removes them.
KNOWN: dict[tuple[str, str], str] = {}
TAURI = re.compile(r"\btauri(_[a-z0-9_]+)?\s*::|#\s*\[\s*tauri\b")
IDENT = r"[A-Za-z_][A-Za-z0-9_]*"


def strip(text: str) -> str:
    """The code with comments and the insides of string and char literals
    blanked (newlines kept, so line numbers still hold)."""
    out: list[str] = []
    i, n = 0, len(text)

    def blank(s: str) -> str:
        return "".join("\n" if c == "\n" else " " for c in s)

    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(blank(text[i:j]))
            i = j
        elif text.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if text.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif text.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            out.append(blank(text[i:j]))
            i = j
        elif (m := re.match(r'b?r(#*)"', text[i:])) and (
            i == 0 or not re.match(r"\w", text[i - 1])
        ):
            end = '"' + m.group(1)
            j = text.find(end, i + m.end())
            j = n if j < 0 else j + len(end)
            out.append('""' + blank(text[i + 2 : j]))
            i = j
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append('""' + blank(text[i + 1 : j]))
            i = j + 1
        elif c == "'" and (m := re.match(r"'(\\(x..|u\{[0-9a-fA-F]+\}|.)|[^\\'])'", text[i:])):
            out.append("' '")
            i += m.end()
        else:
            out.append(c)
            i += 1
    return "".join(out)


def group_heads(body: str) -> list[str]:
    """The first segment of each item of a `use` group's body, `a::b, c`."""
    heads, depth, item = [], 0, ""
    for c in body + ",":
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        if c == "," and depth == 0:
            if m := re.match(r"\s*(" + IDENT + ")", item):
                heads.append(m.group(1))
            item = ""
        else:
            item += c
    return heads


def balanced(code: str, start: int) -> str:
    """The body of the `{...}` group opening at `start`."""
    depth = 0
    for j in range(start, len(code)):
        if code[j] == "{":
            depth += 1
        elif code[j] == "}":
            depth -= 1
            if depth == 0:
                return code[start + 1 : j]
    return code[start + 1 :]


def module_of(path: Path) -> list[str]:
    """A file's module path: `store/error.rs` is ["store", "error"]."""
    rel = path.relative_to(SRC).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "mod" or rel.as_posix() == "lib":
        parts = parts[:-1]
    return parts


TOKEN = re.compile(
    r"\bmod\s+(?P<mod>" + IDENT + r")\s*\{"
    r"|(?P<open>\{)|(?P<close>\})"
    r"|\bcrate\s*::\s*(?:(?P<name>" + IDENT + r")|(?P<group>\{))"
    r"|\b(?P<supers>super(?:\s*::\s*super)*)\s*::\s*(?:(?P<sname>" + IDENT + r")|(?P<sgroup>\{))"
)


def references(path: Path, code: str) -> list[tuple[str, int]]:
    """The top-level modules a file names, with the line of each."""
    refs: list[tuple[str, int]] = []
    here = module_of(path)
    inline: list[int] = []  # brace depth at which each inline `mod x {` opened
    depth = 0
    for m in TOKEN.finditer(code):
        line = code.count("\n", 0, m.start()) + 1
        if m.group("mod"):
            inline.append(depth)
            depth += 1
        elif m.group("open"):
            depth += 1
        elif m.group("close"):
            depth -= 1
            if inline and inline[-1] == depth:
                inline.pop()
        elif m.group("name"):
            refs.append((m.group("name"), line))
        elif m.group("group"):
            refs += [(h, line) for h in group_heads(balanced(code, m.end() - 1))]
        elif m.group("supers"):
            ups = m.group("supers").count("super")
            level = len(here) + len(inline) - ups
            if level < 0:
                continue
            if level == 0:
                if m.group("sname"):
                    refs.append((m.group("sname"), line))
                else:
                    body = balanced(code, m.end() - 1)
                    refs += [(h, line) for h in group_heads(body)]
    return [(r, line) for r, line in refs if r not in ("self", "super", "crate")]


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def main(argv: list[str]) -> int:
    files = sorted(SRC.rglob("*.rs"))
    top = {module_of(f)[0] for f in files if module_of(f) and not skip(f)}
    graph: dict[str, set[str]] = {m: set() for m in top}
    where: dict[tuple[str, str], list[str]] = {}
    problems: list[str] = []
    notes: list[str] = []
    for f in files:
        rel = f.relative_to(SRC).as_posix()
        code = strip(f.read_text(encoding="utf-8"))
        if not rel.startswith("app/"):
            for m in TAURI.finditer(code):
                line = code.count("\n", 0, m.start()) + 1
                problems.append(f"src/{rel}:{line}: names tauri outside src/app/")
        if skip(f):
            continue
        here = module_of(f)
        unit = here[0] if here else "(lib)"
        shim = SHIMS.get(rel)
        if shim:
            names = sorted({n for n, _ in references(f, code) if n in top and n != unit})
            notes.append(f"src/{rel} ({unit} -> {', '.join(names)}) not counted: {shim}")
            continue
        for name, line in references(f, code):
            if name not in top or name == unit:
                continue
            if unit == "(lib)":
                continue  # lib.rs declares the modules
            if (unit, name) in KNOWN:
                where.setdefault((unit, name), []).append(f"src/{rel}:{line}")
                continue
            graph[unit].add(name)
            where.setdefault((unit, name), []).append(f"src/{rel}:{line}")
        if unit == PURE and f.name != "tests.rs":  # tests may read their data
            for pattern, what in IMPURE:
                for m in pattern.finditer(code):
                    line = code.count("\n", 0, m.start()) + 1
                    word = what.format(m.group(1)) if m.groups() else what
                    problems.append(f"src/{rel}:{line}: {PURE} is pure but uses {word}")
    for rel, why in sorted(SHIMS.items()):
        if not (SRC / rel).is_file():
            problems.append(f"src/{rel} is listed as a shim but is gone: drop it from SHIMS")
    for (a, b), why in sorted(KNOWN.items()):
        if (a, b) in where:
            at = ", ".join(where[(a, b)][:3])
            notes.append(f"{a} -> {b} ({at}) allowed for now: {why}")
        else:
            problems.append(f"{a} -> {b} is listed as allowed but is gone: drop it from KNOWN")
    for name in sorted(graph.get(PURE, ())):
        problems.append(
            f"{PURE} imports {name}: " + ", ".join(where[(PURE, name)][:3])
        )
    for comp in cycles(graph):
        inside = [
            f"  {a} -> {b}: " + ", ".join(where[(a, b)][:3])
            for a in comp
            for b in sorted(graph[a])
            if b in comp
        ]
        problems.append("cycle among " + ", ".join(comp) + ":\n" + "\n".join(inside))

    if "--dot" in argv:
        print("digraph modules {")
        for a in sorted(graph):
            for b in sorted(graph[a]):
                print(f'  "{a}" -> "{b}";')
        print("}")
        return 1 if problems else 0
    width = max(map(len, graph))
    for a in sorted(graph):
        print(f"{a:<{width}} -> {', '.join(sorted(graph[a])) or '(nothing)'}")
    if notes:
        print()
        for n in notes:
            print("note: " + n)
    if problems:
        print()
        for p in problems:
            print("error: " + p)
        return 1
    but = " (but for the notes above)" if notes else ""
    print(f"\nno cycles; domain is pure and imports only domain; tauri only in src/app/{but}")
    return 0


def skip(f: Path) -> bool:
    rel = f.relative_to(SRC).as_posix()
    return rel.startswith(OTHER_CRATES) or rel in ROOT_FILES


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
