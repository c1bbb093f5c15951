#!/usr/bin/python3
"""hints_score.py EXPECTED.TSV CASE=JSON... — scores vgtriage's natures and
hints against the hand-written expectations of the hints fixture (issue 13).

Each row of EXPECTED.TSV with a kind is a leak site that valgrind reported
in testdata/<case>.xml; the JSON report of that case must have a site there
with the row's nature, and a hint whose verdict and facts (substrings) are
the row's — or, for verdict "none", no hint at all.  A row is right, missing
(no hint where one was expected: honest, but a miss) or wrong (a hint with
another verdict or without the facts, or a hint where none may be given, or
a wrong nature).  Rows of kind "-" are correct functions: valgrind must
report no site at their line (tests/check_explain.c checks that the
analysis itself says nothing there).

Prints the table and the counts; exit 0 when at least 90% of the leak rows
are right, none is wrong and no correct function has a site; else 1.
"""
import json
import sys

KINDS = {"definite": "Leak_DefinitelyLost", "indirect": "Leak_IndirectlyLost",
         "possible": "Leak_PossiblyLost", "reachable": "Leak_StillReachable"}

# How each verdict reads (the phrases of src/hint.c's texts).
def verdict_of(text):
    t = text
    if "Py_INCREF(" in t and "adds a reference" in t:
        return "incref"
    if "is only compared" in t:
        return "compared"
    if "discards it" in t or "only compares it" in t:
        return "returned-drop"
    if "returned by" in t and "in its caller" in t:
        return "returned-never" if "neither" in t else "returned-other"
    if "has no `__dealloc__`" in t or "__dealloc__` (line" in t:
        return "store-self"
    if "is stored in the global" in t or "is kept in the global" in t:
        return "store-global"
    if "without freeing" in t:
        return "store-field"
    if "realloc's result" in t:
        return "realloc"
    if "next run of the loop" in t:
        return "loop"
    if "is overwritten at line" in t or "is set to NULL at line" in t:
        return "overwrite"
    if "an exception raised at line" in t:
        return "exception"
    if " skip" in t and ", but " in t:
        return "partial"
    if "and then dropped" in t:
        return "passed-hedged" if "unless `" in t else "passed"
    if "is neither " in t:
        return "never"
    return "unknown"


def load_expected(path):
    rows = []
    for line in open(path, encoding="utf-8"):
        if line.startswith("#") or not line.strip():
            continue
        f = line.rstrip("\n").split("\t")
        case, file, lineno, kind, family, what, verdict, facts, function = f
        rows.append({"case": case, "file": file, "line": int(lineno), "kind": kind,
                     "family": family, "what": what, "verdict": verdict,
                     "facts": [x.strip() for x in facts.split(" | ") if x.strip()],
                     "function": function})
    return rows


def main(argv):
    if len(argv) < 3:
        print(__doc__)
        return 2
    rows = load_expected(argv[1])
    reports = {}
    for arg in argv[2:]:
        case, path = arg.split("=", 1)
        reports[case] = json.load(open(path, encoding="utf-8"))["sites"]
    right = missing = wrong = 0
    correct_ok = correct_bad = 0
    print("%-6s %-8s %-28s %-10s %-15s %-15s %s" % ("RESULT", "CASE", "SITE", "KIND",
                                                     "VERDICT", "GOT", "FUNCTION"))
    for r in rows:
        if r["case"] not in reports:
            continue
        sites = [s for s in reports[r["case"]]
                 if s["location"].get("file") == r["file"] and s["location"].get("line") == r["line"]]
        where = "%s:%d" % (r["file"].split("/")[-1], r["line"])
        if r["kind"] == "-":
            leak_sites = [s for s in sites if s["kind"].startswith("Leak_")]
            if leak_sites:
                correct_bad += 1
                print("%-6s %-8s %-28s %-10s %-15s %-15s %s" % ("WRONG", r["case"], where, "-",
                      "no leak", "a leak site", r["function"]))
            else:
                correct_ok += 1
                print("%-6s %-8s %-28s %-10s %-15s %-15s %s" % ("right", r["case"], where, "-",
                      "no leak", "no leak", r["function"]))
            continue
        # definite or possible can depend on stale pointers of a run: a row
        # may allow both ("definite/possible")
        kinds = [KINDS[k] for k in r["kind"].split("/")]
        site = next((s for s in sites if s["kind"] in kinds), None)
        problems = []
        got = "-"
        if site is None:
            problems.append("no such site")
            result = "WRONG"
        else:
            nat = site.get("nature") or {}
            if nat.get("family") != r["family"] or nat.get("what") != r["what"]:
                problems.append("nature %s/%s, want %s/%s" % (nat.get("family"), nat.get("what"),
                                                             r["family"], r["what"]))
            hint = site.get("hint")
            if hint is None:
                got = "-"
                result = "right" if r["verdict"] == "none" else "miss"
            else:
                text = hint["text"]
                got = verdict_of(text)
                if r["verdict"] == "none":
                    problems.append("a hint where none may be given: " + text)
                elif got != r["verdict"]:
                    problems.append("verdict %s, want %s: %s" % (got, r["verdict"], text))
                else:
                    lacking = [f for f in r["facts"] if f not in text]
                    if lacking:
                        problems.append("lacks %s: %s" % (lacking, text))
                if not hint.get("evidence"):
                    problems.append("no evidence lines")
                result = "right"
            if problems:
                result = "WRONG"
        if result == "right":
            right += 1
        elif result == "miss":
            missing += 1
        else:
            wrong += 1
        print("%-6s %-8s %-28s %-10s %-15s %-15s %s" % (result, r["case"], where, r["kind"],
                                                        r["verdict"], got, r["function"]))
        for p in problems:
            print("         " + p)
    total = right + missing + wrong
    share = 100.0 * right / total if total else 0.0
    print("leak sites: %d right, %d missing, %d wrong of %d (%.1f%% right); "
          "correct functions: %d without a leak site, %d with one"
          % (right, missing, wrong, total, share, correct_ok, correct_bad))
    ok = total > 0 and share >= 90.0 and wrong == 0 and correct_bad == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
