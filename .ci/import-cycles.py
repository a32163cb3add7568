#!/usr/bin/env python3
"""Fails if a library's source files import each other in a cycle.

Usage: import-cycles.py SRC_DIR [SRC_DIR ...]   (each the `src/` of one crate)

A file's edges are the files its `use` paths (`crate::`, `super::`, `self::`, a child module)
and the `crate::`/`super::` paths in its code resolve to, following re-exports (`pub use`) to the
file that defines the item; a `mod x;` declaration is structure, not an import. `$crate` paths
in macro bodies and the `#[cfg(test)]` (or `#[cfg(all(test, ...))]`) module at a file's end are
not counted.
"""
import os
import re
import sys


def module_files(src):
    """Maps module paths (tuples) to files."""
    files = {}
    for root, _, names in os.walk(src):
        for n in names:
            if not n.endswith(".rs"):
                continue
            rel = os.path.relpath(os.path.join(root, n), src)
            parts = rel[:-3].split(os.sep)
            if parts[-1] in ("mod", "lib", "main"):
                parts = parts[:-1]
            if parts and parts[0] == "bin":
                continue
            files[tuple(parts)] = os.path.join(root, n)
    return files


def resolve(path, files, reexports, depth=0):
    """The file defining `path`: its longest module prefix that is a file, followed through that
    file's re-exports of the next segment."""
    for k in range(len(path), -1, -1):
        mod = tuple(path[:k])
        if mod in files:
            if k < len(path) and depth < 10:
                target = reexports.get(mod, {}).get(path[k])
                if target is not None:
                    return resolve(target + list(path[k + 1 :]), files, reexports, depth + 1)
            return mod
    return None


def uses(text):
    """Every `crate::`/`super::`/`self::` path in `use` items and in code, as segment lists,
    brace groups expanded one level."""
    text = re.sub(r"//[^\n]*", "", text)
    # The test module: `#[cfg(test)]`, or `#[cfg(all(test, ...))]` for a platform's tests.
    text = re.split(r"#\[cfg\((?:all\(\s*)?test\b", text)[0]
    out = []
    for m in re.finditer(r"\buse\s+((?:\w+)(?:::[\w{}\s,:*]+)+);", text):
        body = m.group(1)
        b = body.find("{")
        if b < 0:
            out.append(body.split("::"))
            continue
        head = body[:b].rstrip(":").split("::")
        inner = body[b + 1 : body.rfind("}")]
        for item in re.split(r",(?![^{]*\})", inner):
            item = item.strip()
            if item:
                out.append(head + item.split("{")[0].rstrip(":").split("::"))
    for m in re.finditer(r"(?<![\w:$])((?:crate|super)(?:::\w+)+)", text):
        out.append(m.group(1).split("::"))
    return out


def absolute(segs, mod, is_dir_mod, files):
    """A `use` path as a path from the crate root, or None for another crate's."""
    here = list(mod) if is_dir_mod else list(mod[:-1])
    segs = [s.strip() for s in segs if s.strip()]
    if not segs:
        return None
    if segs[0] == "crate":
        return segs[1:]
    if segs[0] not in ("super", "self"):
        path = here + segs
        return path if tuple(path[: len(here) + 1]) in files else None
    base = list(mod)
    while segs and segs[0] in ("super", "self"):
        if segs[0] == "super":
            base = base[:-1]
        segs = segs[1:]
    return base + segs


def edges(src):
    files = module_files(src)
    reexports = {}
    for mod, f in files.items():
        is_dir_mod = f.endswith(("mod.rs", "lib.rs"))
        text = re.sub(r"//[^\n]*", "", open(f, encoding="utf-8").read())
        for m in re.finditer(r"\bpub(?:\([\w:]+\))?\s+use\s+([^;]+);", text):
            for segs in uses("use " + m.group(1) + ";"):
                path = absolute(segs, mod, is_dir_mod, files)
                if path:
                    reexports.setdefault(mod, {})[path[-1]] = path
    graph = {}
    for mod, f in files.items():
        is_dir_mod = f.endswith(("mod.rs", "lib.rs"))
        targets = set()
        for segs in uses(open(f, encoding="utf-8").read()):
            path = absolute(segs, mod, is_dir_mod, files)
            t = resolve(path, files, reexports) if path is not None else None
            if t is not None and t != mod:
                targets.add(t)
        graph[mod] = targets
    return graph, files


def cycles(graph):
    found, state = [], {}

    def visit(n, stack):
        state[n] = 1
        stack.append(n)
        for m in sorted(graph[n]):
            if state.get(m) == 1:
                found.append(stack[stack.index(m):] + [m])
            elif m not in state:
                visit(m, stack)
        stack.pop()
        state[n] = 2

    for n in sorted(graph):
        if n not in state:
            visit(n, [])
    return found


def main():
    bad = 0
    for src in sys.argv[1:]:
        graph, files = edges(src)
        for c in cycles(graph):
            bad += 1
            print(f"import cycle in {src}: " + " -> ".join(os.path.relpath(files[m], src) for m in c))
    if bad:
        sys.exit(1)
    print(f"no import cycles in {', '.join(sys.argv[1:])}")


if __name__ == "__main__":
    main()
