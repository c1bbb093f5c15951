"""midcheck_checks.py — checks of tests/golden_midcheck.sh on vgtriage's
JSON reports of runs whose program asked valgrind for leak searches.

  lastsummary REPORT.json LOG [KINDS]
      each process's leak figures from the records equal the LEAK SUMMARY
      valgrind wrote last for that process in LOG (read here, not by
      vgtriage); KINDS (default: definite,indirect,possible) says which
      figures --show-leak-kinds let valgrind write records for.
  samesites A.json B.json
      the two reports have the same sites: kind, file, line, function,
      bytes, blocks, records (an XML run against its text-log run).
  sumall REPORT.json LOG
      the report's definitely lost bytes are below what every loss record
      in LOG adds up to: the earlier searches are not counted again.
Exit 0 when the check holds, else 1 with what differs.
"""
import json
import re
import sys

FIELDS = {
    "definite": ("definitely_lost", "definitely lost"),
    "indirect": ("indirectly_lost", "indirectly lost"),
    "possible": ("possibly_lost", "possibly lost"),
    "reachable": ("still_reachable", "still reachable"),
}
AMOUNT = re.compile(r"^==(\d+)==\s+(definitely lost|indirectly lost|possibly lost|"
                    r"still reachable): ([\d,]+)(?: \([+-][\d,]+\))? bytes in ([\d,]+)")


def number(s):
    return int(s.replace(",", ""))


def last_summaries(log):
    """{pid: {phrase: (bytes, blocks)}} from each pid's last LEAK SUMMARY."""
    out = {}
    with open(log, encoding="utf-8", errors="replace") as f:
        for line in f:
            m = AMOUNT.match(line)
            if m:
                out.setdefault(int(m.group(1)), {})[m.group(2)] = (number(m.group(3)),
                                                                   number(m.group(4)))
    return out


def lastsummary(report, log, kinds="definite,indirect,possible"):
    d = json.load(open(report))
    vg = last_summaries(log)
    bad = []
    for inp in d["inputs"]:
        rec = inp["summary"]["from_records"]
        want = vg.get(inp["pid"])
        if want is None:
            bad.append("pid %s: no LEAK SUMMARY in %s" % (inp["pid"], log))
            continue
        for k in kinds.split(","):
            key, phrase = FIELDS[k]
            got = rec[key]
            exp = want[phrase]
            # protocol 4 has no block count for indirect leaks (null)
            if got["bytes"] != exp[0] or got["blocks"] not in (exp[1], None):
                bad.append("pid %s %s: records %s, valgrind %s" % (inp["pid"], phrase, got, exp))
    return bad


def site_key(s):
    loc = s["location"]
    return (s["kind"], loc.get("file"), loc.get("line"), loc.get("function"),
            s["bytes"], s["blocks"], s["records"])


def samesites(a, b):
    sa = sorted(site_key(s) for s in json.load(open(a))["sites"])
    sb = sorted(site_key(s) for s in json.load(open(b))["sites"])
    if sa == sb:
        return []
    return ["only in %s: %s" % (a, sorted(set(sa) - set(sb))),
            "only in %s: %s" % (b, sorted(set(sb) - set(sa)))]


LOSS = re.compile(r"^==\d+== ([\d,]+) (?:\([+-][\d,]+\) )?(?:\(([\d,]+) (?:\([+-][\d,]+\) )?direct.*\) )?"
                  r"bytes in .* are definitely lost in loss record")


def sumall(report, log):
    total = 0
    with open(log, encoding="utf-8", errors="replace") as f:
        for line in f:
            m = LOSS.match(line)
            if m:
                total += number(m.group(2) or m.group(1))
    got = json.load(open(report))["totals"]["from_records"]["definitely_lost"]["bytes"]
    if got < total:
        return []
    return ["definitely lost %d, every search's loss records add up to %d" % (got, total)]


def main(argv):
    checks = {"lastsummary": lastsummary, "samesites": samesites, "sumall": sumall}
    if len(argv) < 2 or argv[1] not in checks:
        print(__doc__, file=sys.stderr)
        return 2
    bad = checks[argv[1]](*argv[2:])
    for line in bad:
        print(line)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
