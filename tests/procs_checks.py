#!/usr/bin/python3
"""procs_checks.py — checks of vgtriage's per-process figures against what
valgrind itself wrote for each process, parsed here independently of
vgtriage.  Run by tests/golden_procs.sh.

  procs_checks.py perproc REPORT_JSON FILE...
      REPORT_JSON is `vgtriage -f json --all FILE...`.  For every process
      (pid) of the FILEs — valgrind XML files or text logs, one process
      each — the definitely lost bytes and blocks that the report's sites
      give that pid (their "processes" entry, or the site itself when it has
      one pid) equal valgrind's own: the LEAK SUMMARY of a text log; the sum
      of the Leak_DefinitelyLost records of an XML file (direct bytes, as
      the LEAK SUMMARY counts them).  Every pid of the files is in the report.

  procs_checks.py procpair XML_JSON LOG_JSON
      Two reports of two runs of one program (XML, text logs): each user
      site has the same processes, by position in the inputs (pids differ
      from run to run), with the same bytes, blocks and inherited figures
      in each, and the same inherited_from_parent.

  procs_checks.py blocks FUNCTION FILE...
      Prints the blocks of the Leak_DefinitelyLost records of the XML FILEs
      whose stack has FUNCTION, summed over all files, and per file.

Prints problems one per line and exits 1 if there were any.
"""
import json
import re
import sys
import xml.etree.ElementTree as ET

NUM = r"([0-9][0-9,]*)"
PID = re.compile(r"^==(\d+)== ")
DEFINITE = re.compile(r"^==(\d+)==\s+definitely lost: " + NUM + " bytes in " + NUM + " blocks")
NO_LEAKS = re.compile(r"^==(\d+)== All heap blocks were freed")
SPLIT = re.compile(r"\(([0-9,]+) direct, ([0-9,]+) indirect\)")


def num(text):
    return int(text.replace(",", ""))


def log_figures(path):
    """{pid: (bytes, blocks)} from the LEAK SUMMARY of a text log."""
    out = {}
    with open(path, errors="replace") as f:
        for line in f:
            m = DEFINITE.match(line)
            if m:
                out[int(m.group(1))] = (num(m.group(2)), num(m.group(3)))
            m = NO_LEAKS.match(line)
            if m:
                out[int(m.group(1))] = (0, 0)
    return out


def xml_records(path):
    """(pid, [(kind, direct bytes, blocks, [fn...])]) of one XML file."""
    root = ET.parse(path).getroot()
    pid = int(root.findtext("pid"))
    recs = []
    for err in root.iter("error"):
        kind = err.findtext("kind")
        xwhat = err.find("xwhat")
        if xwhat is None:
            continue
        text = xwhat.findtext("text") or ""
        leaked = int(xwhat.findtext("leakedbytes") or 0)
        blocks = int(xwhat.findtext("leakedblocks") or 0)
        m = SPLIT.search(text)
        direct = num(m.group(1)) if m else leaked
        stack = err.find("stack")
        fns = [fr.findtext("fn") or "" for fr in stack.iter("frame")] if stack is not None else []
        recs.append((kind, direct, blocks, fns))
    return pid, recs


def xml_figures(path):
    pid, recs = xml_records(path)
    b = sum(r[1] for r in recs if r[0] == "Leak_DefinitelyLost")
    n = sum(r[2] for r in recs if r[0] == "Leak_DefinitelyLost")
    return {pid: (b, n)}


def report_figures(report):
    """{pid: (direct bytes, blocks)} of Leak_DefinitelyLost sites."""
    out = {}
    for s in report["sites"]:
        if s["kind"] != "Leak_DefinitelyLost":
            continue
        entries = s.get("processes")
        if entries is None:
            pids = s.get("pids", [])
            if len(pids) != 1:
                continue
            entries = [{"pid": pids[0], "direct_bytes": s["direct_bytes"],
                        "blocks": s["blocks"]}]
        for e in entries:
            b, n = out.get(e["pid"], (0, 0))
            out[e["pid"]] = (b + e["direct_bytes"], n + e["blocks"])
    return out


def perproc(report_path, files):
    report = json.load(open(report_path))
    if report["totals"]["hidden_sites"] != 0:
        return ["%s: made without --all (%d hidden sites)" %
                (report_path, report["totals"]["hidden_sites"])]
    got = report_figures(report)
    problems = []
    pids = set()
    for path in files:
        want = log_figures(path) if path.endswith(".log") else xml_figures(path)
        if not want:
            problems.append("%s: no LEAK SUMMARY" % path)
        for pid, (b, n) in want.items():
            pids.add(pid)
            have = got.get(pid, (0, 0))
            if have != (b, n):
                problems.append("pid %d (%s): definitely lost %d bytes in %d blocks, "
                                "valgrind says %d bytes in %d blocks" %
                                (pid, path, have[0], have[1], b, n))
    inputs = {i["pid"] for i in report["inputs"]}
    if not pids <= inputs:
        problems.append("pids %s not among the report's inputs" % sorted(pids - inputs))
    return problems


def site_processes(report):
    order = {i["pid"]: n for n, i in enumerate(report["inputs"])}
    out = {}
    for s in report["sites"]:
        if s["category"] != "user":
            continue
        loc = s["location"]
        key = (s["kind"], loc.get("file"), loc.get("line"), loc.get("function"))
        entries = s.get("processes") or [{"pid": s["pids"][0], "bytes": s["bytes"],
                                          "blocks": s["blocks"]}]
        out[key] = (s.get("inherited_from_parent", False), s.get("inherited"),
                    sorted((order[e["pid"]], e.get("bytes"), e.get("blocks"),
                            json.dumps(e.get("inherited"))) for e in entries))
    return out


def procpair(xml_path, log_path):
    a = site_processes(json.load(open(xml_path)))
    b = site_processes(json.load(open(log_path)))
    problems = []
    if not a:
        problems.append("no user sites in %s" % xml_path)
    for key in sorted(set(a) | set(b), key=repr):
        if a.get(key) != b.get(key):
            problems.append("%r: xml %r, log %r" % (key, a.get(key), b.get(key)))
    return problems


def blocks(function, files):
    total, per = 0, []
    for path in files:
        _, recs = xml_records(path)
        n = sum(r[2] for r in recs if r[0] == "Leak_DefinitelyLost" and function in r[3])
        per.append(n)
        total += n
    print(total, " ".join(str(n) for n in per))
    return []


def main(argv):
    if len(argv) >= 3 and argv[1] == "perproc":
        problems = perproc(argv[2], argv[3:])
    elif len(argv) == 4 and argv[1] == "procpair":
        problems = procpair(argv[2], argv[3])
    elif len(argv) >= 3 and argv[1] == "blocks":
        problems = blocks(argv[2], argv[3:])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
