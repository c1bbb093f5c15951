#!/usr/bin/env python3
"""html_checks.py — what tests/golden_html.sh checks in a page headless
Chromium loaded (standard library only).

  html_checks.py page DOM FOLDED CHROMELOG NETLOG [expect...]
      DOM: the page after its script ran (chromium --dump-dom); FOLDED:
      `vgtriage -f folded` of the same run; CHROMELOG: chromium's stderr
      under --enable-logging=stderr --v=0; NETLOG: its --log-net-log.
      expect: growth (a --watch chart), tests (per-test results),
      generated (a .pyx beside its generated C), script (the table's
      filters, made by the page's script: proof the CSP let it run),
      noscript (the page without its script: the table as written, no
      filters).
  html_checks.py canary CHROMELOG NETLOG
      the checks themselves see a console message and a request of a
      page made to have both (else they would pass on anything).
Prints one line per problem; exit 1 when there is one.
"""
import json
import re
import sys
from html.parser import HTMLParser

CONSOLE = re.compile(r":CONSOLE[:(]")


def console_lines(log_path):
    with open(log_path, encoding="utf-8", errors="replace") as f:
        return [l.rstrip("\n") for l in f if CONSOLE.search(l)]


def page_requests(netlog_path):
    """URLs the page asked for: requests with an initiator (the browser's
    own background requests have 'not an origin')."""
    with open(netlog_path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    try:
        d = json.loads(text)
    except ValueError:
        # a netlog cut short (the browser exits at once): close it
        d = json.loads(text.rstrip().rstrip(",") + "]}")
    types = {v: k for k, v in d["constants"]["logEventTypes"].items()}
    out = []
    for e in d.get("events", []):
        if types.get(e.get("type")) != "URL_REQUEST_START_JOB":
            continue
        p = e.get("params", {})
        if p.get("initiator", "not an origin") != "not an origin":
            out.append(p.get("url", "?"))
    return out


class Dom(HTMLParser):
    """The flame graph's boxes, and a few elements by id/class."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.boxes = []          # (classes, x, width, bytes, depth)
        self.flame = None        # the svg.flame attributes
        self.group = None
        self.ids = set()
        self.classes = {}
        self.circles = 0
        self.in_growth = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        for c in (a.get("class") or "").split():
            self.classes[c] = self.classes.get(c, 0) + 1
        if tag == "svg" and "flame" in (a.get("class") or "").split():
            self.flame = a
        if tag == "svg" and "growth" in (a.get("class") or "").split():
            self.in_growth = True
        if tag == "circle" and self.in_growth:
            self.circles += 1
        if tag == "g":
            self.group = (a.get("class") or "").split()
        if tag == "rect" and self.group is not None and self.flame is not None:
            self.boxes.append((self.group, float(a["x"]), float(a["width"]),
                               int(a["data-bytes"]), int(a["data-depth"])))

    def handle_endtag(self, tag):
        if tag == "g":
            self.group = None
        if tag == "svg":
            self.in_growth = False


def folded_tree(path):
    """{prefix tuple: bytes} over every prefix of every line."""
    nodes, total = {}, 0
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            stack, _, n = line.rpartition(" ")
            frames = tuple(stack.split(";"))
            total += int(n)
            for k in range(1, len(frames) + 1):
                nodes[frames[:k]] = nodes.get(frames[:k], 0) + int(n)
    return nodes, total


def check_flame(dom, folded, problems):
    nodes, total = folded_tree(folded)
    fb = [b for b in dom.boxes if "fb" in b[0]]
    if total == 0:
        if fb:
            problems.append("boxes drawn for a run without leaked bytes")
        return 0
    if dom.flame is None:
        problems.append("no svg.flame for %d leaked bytes" % total)
        return 0
    scale = float(dom.flame["data-scale"])
    if int(dom.flame["data-total"]) != total:
        problems.append("graph total %s != folded total %d" % (dom.flame["data-total"], total))
    # one box per folded frame (per distinct prefix: stacks merge)
    if len(fb) != len(nodes):
        problems.append("%d boxes, %d folded frames" % (len(fb), len(nodes)))
    # the same figures, as a multiset, at the same depths
    want = sorted((len(k), v) for k, v in nodes.items())
    got = sorted((b[4], b[3]) for b in fb)
    if want != got:
        problems.append("box (depth, bytes) differ from the folded stacks")
    for cls, x, w, n, depth in dom.boxes:
        if abs(w - n * scale) > 0.01:
            problems.append("box of %d bytes is %.3f wide, not %.3f" % (n, w, n * scale))
    # widths add up: each box's children fit in it, the first row is all
    for cls, x, w, n, depth in fb:
        kids = [b for b in fb if b[4] == depth + 1 and b[1] >= x - 0.01 and b[1] + b[2] <= x + w + 0.01]
        if sum(b[2] for b in kids) > w + 0.01 or sum(b[3] for b in kids) > n:
            problems.append("children of a box at depth %d overflow it" % depth)
    row1 = sum(b[2] for b in fb if b[4] == 1)
    if abs(row1 - total * scale) > 0.05:
        problems.append("first row is %.3f wide, the total %.3f" % (row1, total * scale))
    # each site's leaf: a box at its depth with at least its bytes
    with open(folded, encoding="utf-8") as f:
        for line in f:
            stack, _, n = line.rstrip("\n").rpartition(" ")
            k = tuple(stack.split(";"))
            if nodes.get(k, 0) < int(n):
                problems.append("site stack %r lost bytes" % stack[:80])
    return len(fb)


def main(argv):
    problems = []
    if argv[1] == "canary":
        if not console_lines(argv[2]):
            problems.append("canary: its console.error was not seen in the log")
        if not [u for u in page_requests(argv[3]) if "vgt-canary" in u]:
            problems.append("canary: its request was not seen in the net log")
    else:
        dom_path, folded, log, netlog = argv[2:6]
        expect = set(argv[6:])
        for l in console_lines(log):
            problems.append("console: " + l[:300])
        for u in page_requests(netlog):
            problems.append("request left the page: " + u[:200])
        dom = Dom()
        with open(dom_path, encoding="utf-8") as f:
            dom.feed(f.read())
        boxes = check_flame(dom, folded, problems)
        if "growth" in expect and dom.circles < 1:
            problems.append("no --watch snapshot in the growth chart")
        if "tests" in expect and "tests" not in dom.ids:
            problems.append("no per-test results")
        if "generated" in expect and not (dom.classes.get("pair") and dom.classes.get("mk")):
            problems.append("no .pyx beside its generated C with the marker")
        if "script" in expect and not dom.classes.get("filters"):
            problems.append("the page's script did not run (no filters): CSP hash?")
        if "noscript" in expect and (dom.classes.get("filters") or "row-1" not in dom.ids):
            problems.append("without scripts: filters made, or no table of sites")
        if not problems:
            print("ok: %d boxes, %d snapshots" % (boxes, dom.circles))
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
