#!/usr/bin/python3
"""compare_pair.py — the XML/text pair check (issue 5).

    compare_pair.py [--user-only] XML_JSON LOG_JSON

XML_JSON and LOG_JSON are vgtriage's JSON reports of <case>.xml and
<case>.log, two valgrind runs of the same program (valgrind cannot write
both formats in one run).  For a deterministic C program the two must
name the same sites (kind, location, bytes, blocks, records) and the same
totals.  For a Python program, whose interpreter noise varies a little
from run to run, only the user sites must agree (--user-only).

Fields only one format carries (unique ids, ips, paths, pids) are not
compared.  Prints one line per difference; exit status 1 if any.
"""
import json
import sys

LEAK_TOTALS = ("definitely_lost", "indirectly_lost", "possibly_lost",
               "still_reachable")


def site_key(site):
    loc = site.get("location") or {}
    return (site["kind"], loc.get("file"), loc.get("line"),
            loc.get("function"))


def site_value(site):
    return {"bytes": site["bytes"], "blocks": site["blocks"],
            "direct_bytes": site.get("direct_bytes"),
            "indirect_bytes": site.get("indirect_bytes"),
            "records": site["records"], "category": site["category"]}


def sites_by_key(report, user_only):
    out = {}
    for site in report["sites"]:
        if user_only and site["category"] != "user":
            continue
        key = site_key(site)
        if key in out:
            # Two sites with one key would hide a grouping bug: report it.
            out[key] = {"duplicate": True}
        else:
            out[key] = site_value(site)
    return out


def compare_sites(xml, log, user_only, problems):
    a = sites_by_key(xml, user_only)
    b = sites_by_key(log, user_only)
    if not a:
        problems.append("no %ssites in the XML report" %
                        ("user " if user_only else ""))
    for key in sorted(set(a) | set(b), key=repr):
        if key not in b:
            problems.append("only in XML: %r %r" % (key, a[key]))
        elif key not in a:
            problems.append("only in log: %r %r" % (key, b[key]))
        elif a[key] != b[key]:
            problems.append("differs: %r xml=%r log=%r" % (key, a[key], b[key]))
    # Same ranking too: the order of the compared sites must agree.
    order_a = [k for k in (site_key(s) for s in xml["sites"]) if k in b]
    order_b = [k for k in (site_key(s) for s in log["sites"]) if k in a]
    # A text log without -s does not say how often each error occurred
    # (occurrences null): it cannot rank errors as the XML does.
    unranked = any(s.get("occurrences") is None for s in log["sites"])
    if order_a != order_b and not unranked:
        problems.append("ranking differs: xml=%r log=%r" % (order_a, order_b))


def compare_totals(xml, log, problems):
    ta, tb = xml["totals"], log["totals"]
    for name in LEAK_TOTALS:
        # A figure the XML does not carry (a kind --show-leak-kinds left
        # out, indirect blocks) is null there: unknown, not a contradiction.
        # Every figure it knows must be the log's.
        for field in ("bytes", "blocks"):
            if ta[name] is None or tb[name] is None:
                break  # unknown in one reading (a -q log): not compared
            if ta[name][field] is not None and tb[name][field] is not None and \
                    ta[name][field] != tb[name][field]:
                problems.append("totals.%s: xml=%r log=%r" % (name, ta[name], tb[name]))
                break
    for name in ("error_count", "error_contexts"):
        if ta.get(name) is None or tb.get(name) is None:
            continue  # unknown in one reading: not compared
        if ta.get(name) != tb.get(name):
            problems.append("totals.%s: xml=%r log=%r" % (name, ta.get(name), tb.get(name)))
    ea = {k: v for k, v in ta["errors"].items() if v != 0}
    eb = {k: v for k, v in tb["errors"].items() if v != 0}
    # a kind whose count is unknown (null) in one reading: only its
    # presence is compared
    if set(ea) != set(eb) or any(ea[k] != eb[k] for k in ea
                                 if ea[k] is not None and eb[k] is not None):
        problems.append("totals.errors: xml=%r log=%r" % (ea, eb))


def main(argv):
    user_only = "--user-only" in argv
    args = [a for a in argv if a != "--user-only"]
    if len(args) != 2:
        sys.stderr.write(__doc__)
        return 2
    with open(args[0]) as f:
        xml = json.load(f)
    with open(args[1]) as f:
        log = json.load(f)
    problems = []
    compare_sites(xml, log, user_only, problems)
    if not user_only:
        compare_totals(xml, log, problems)
    for p in problems:
        print("  " + p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
