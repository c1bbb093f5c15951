#!/usr/bin/env python3
"""layering.py — checks the source tree's layering from its #include lines.

src/ has one folder per pipeline stage, lowest first (STAGES).  A file may
include headers of its own stage or of a lower one, never of a higher one;
include/vgtriage/ (the interface: the report model) belongs to the stage
whose folder holds its .c and includes only interface headers.  Inside a
stage, the modules (x.c + x.h) include each other without a circle.  No
file in src/ is over MAX_LINES lines.

  layering.py [ROOT]       checks the tree at ROOT (default: this checkout)
  layering.py --self-test  proves each rule can fail, on trees it makes

Exit 0 when every rule holds, 1 with one line per violation otherwise.
"""
import os
import re
import sys
import tempfile

STAGES = ["base", "model", "read", "symbols", "analyze", "explain", "render", "cmd"]
MAX_LINES = 1200
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def sources(root):
    """(path, stage, module) of every .c/.h under src/<stage>/ and include/vgtriage/."""
    out = []
    for stage in os.listdir(os.path.join(root, "src")):
        d = os.path.join(root, "src", stage)
        if not os.path.isdir(d):
            continue
        for name in sorted(os.listdir(d)):
            if name.endswith((".c", ".h")):
                out.append((os.path.join(d, name), stage, module_of(name)))
    iface = os.path.join(root, "include", "vgtriage")
    if os.path.isdir(iface):
        for name in sorted(os.listdir(iface)):
            if name.endswith(".h"):
                out.append((os.path.join(iface, name), None, name[:-2]))
    return out


def module_of(name):
    """x.c and x.h are module x; x_internal.h, the private header of a
    module split over several files, is module x too."""
    base = name[:-2]
    return base[:-len("_internal")] if base.endswith("_internal") else base


def interface_owner(root, module):
    """The stage of the .c that implements interface header module.h."""
    for stage in STAGES:
        if os.path.exists(os.path.join(root, "src", stage, module + ".c")):
            return stage
    return None


def find_cycle(graph):
    """One circle in graph {node: set(nodes)} as a list, or None."""
    state = {}
    stack = []

    def visit(n):
        state[n] = 1
        stack.append(n)
        for m in sorted(graph.get(n, ())):
            if state.get(m) == 1:
                return stack[stack.index(m):] + [m]
            if m not in state:
                c = visit(m)
                if c:
                    return c
        stack.pop()
        state[n] = 2
        return None

    for n in sorted(graph):
        if n not in state:
            c = visit(n)
            if c:
                return c
    return None


def check(root):
    problems = []
    rank = {s: i for i, s in enumerate(STAGES)}
    files = sources(root)
    for path, stage, _ in files:
        if stage is not None and stage not in rank:
            problems.append("%s: folder src/%s/ is not a stage (%s)" % (path, stage, " ".join(STAGES)))
    folder_graph = {}
    module_graph = {}
    for path, stage, module in files:
        rel = os.path.relpath(path, root)
        owner = stage if stage is not None else interface_owner(root, module)
        if owner is None:
            problems.append("%s: interface header without a .c in any stage" % rel)
            continue
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        lines = text.count("\n")
        if stage is not None and lines > MAX_LINES:
            problems.append("%s: %d lines (at most %d)" % (rel, lines, MAX_LINES))
        for inc in INCLUDE.findall(text):
            parts = inc.split("/")
            if len(parts) != 2:
                if stage is not None:
                    problems.append("%s: #include \"%s\" does not name its folder" % (rel, inc))
                continue
            folder, name = parts
            if folder == "vgtriage":
                if not os.path.exists(os.path.join(root, "include", inc)):
                    problems.append("%s: #include \"%s\": no such interface header" % (rel, inc))
                    continue
                target = interface_owner(root, name[:-2])
                if target is None:
                    continue
            elif folder in rank:
                if stage is None:
                    problems.append("%s: the interface includes a private header \"%s\"" % (rel, inc))
                    continue
                if not os.path.exists(os.path.join(root, "src", inc)):
                    problems.append("%s: #include \"%s\": no such header" % (rel, inc))
                    continue
                target = folder
            else:
                continue  # tests' own headers, generated files
            if rank[target] > rank[owner]:
                problems.append("%s: includes \"%s\" of a higher stage (%s above %s)"
                                % (rel, inc, target, owner))
            if target != owner:
                folder_graph.setdefault(owner, set()).add(target)
            else:
                mod = module_of(name)
                if mod != module:
                    module_graph.setdefault((owner, module), set()).add((owner, mod))
    cycle = find_cycle(folder_graph)
    if cycle:
        problems.append("circle between folders: " + " -> ".join(cycle))
    cycle = find_cycle(module_graph)
    if cycle:
        problems.append("circle inside src/%s/: %s" % (cycle[0][0], " -> ".join(m for _, m in cycle)))
    return problems


def write(root, rel, text):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def self_test():
    """Each rule on a small tree made for it: one that holds, one broken per rule."""
    cases = {
        "clean": ({}, False),
        "upward include": ({"src/model/report.c": '#include "analyze/rank.h"\n'}, True),
        "circle inside a stage": ({"src/analyze/sites.h": '#include "analyze/rank.h"\n'}, True),
        "interface includes a private header": ({"include/vgtriage/report.h": '#include "base/escape.h"\n'}, True),
        "interface above its user": ({"src/base/escape.c": '#include "vgtriage/report.h"\n'}, True),
        "file too long": ({"src/base/escape.c": "x\n" * (MAX_LINES + 1)}, True),
        "include without folder": ({"src/base/escape.c": '#include "escape.h"\n'}, True),
    }
    base = {
        "include/vgtriage/report.h": "",
        "src/base/escape.c": '#include "base/escape.h"\n',
        "src/base/escape.h": "",
        "src/model/report.c": '#include "vgtriage/report.h"\n#include "base/escape.h"\n',
        "src/analyze/rank.c": '#include "analyze/rank.h"\n#include "analyze/sites.h"\n',
        "src/analyze/rank.h": "",
        "src/analyze/sites.c": '#include "analyze/sites.h"\n',
        "src/analyze/sites.h": '#include "vgtriage/report.h"\n',
    }
    failed = 0
    for name, (change, should_fail) in cases.items():
        with tempfile.TemporaryDirectory() as root:
            for rel, text in {**base, **change}.items():
                write(root, rel, text)
            problems = check(root)
            ok = bool(problems) == should_fail
            print("%s self-test: %s: %s" % ("PASS" if ok else "FAIL", name,
                                             problems[0] if problems else "no problem found"))
            failed += not ok
    return failed


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--self-test":
        return 1 if self_test() else 0
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
    problems = check(root)
    for p in problems:
        print("layering: " + p)
    n = len(sources(root))
    print("layering: %d files, %s" % (n, "%d problems" % len(problems) if problems else "stages point down, no circles"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
