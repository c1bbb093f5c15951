#!/usr/bin/env python3
"""cxx26_checks.py — checks of tests/golden_cxx26.sh (issue 26).

  supp REPORT.json RERUN.log
      RERUN.log is valgrind run again under the suppressions vgtriage
      generated for REPORT.json's sites.  Valgrind's own "suppressed:"
      figures must equal the sites': the direct bytes and blocks of the
      leak sites (LEAK SUMMARY), and the error occurrences plus the leak
      records valgrind counts as errors (ERROR SUMMARY "(suppressed: N
      from M)").  Nothing else is suppressed, nothing of a site is left.
"""
import json
import re
import sys

COUNTED = ("Leak_DefinitelyLost", "Leak_PossiblyLost")  # --errors-for-leak-kinds default


def num(s):
    return int(s.replace(",", ""))


def supp(report_path, log_path):
    report = json.load(open(report_path))
    sites = [s for s in report["sites"] if not s.get("hidden")]
    want_bytes = sum(s["direct_bytes"] for s in sites if s["kind"].startswith("Leak_"))
    want_blocks = sum(s["blocks"] for s in sites if s["kind"].startswith("Leak_"))
    want_errors = sum(s["occurrences"] for s in sites if not s["kind"].startswith("Leak_"))
    want_errors += sum(s["records"] for s in sites if s["kind"] in COUNTED)
    log = open(log_path).read()
    m = re.search(r"suppressed: ([\d,]+) bytes in ([\d,]+) blocks", log)
    got_bytes, got_blocks = (num(m.group(1)), num(m.group(2))) if m else (0, 0)
    m = re.search(r"ERROR SUMMARY: ([\d,]+) errors from [\d,]+ contexts "
                  r"\(suppressed: ([\d,]+) from [\d,]+\)", log)
    if m is None:
        print("no ERROR SUMMARY in %s" % log_path)
        return 1
    left_errors, got_errors = num(m.group(1)), num(m.group(2))
    print("sites: %d bytes in %d blocks, %d errors; valgrind suppressed: %d bytes in %d "
          "blocks, %d errors; %d errors left"
          % (want_bytes, want_blocks, want_errors, got_bytes, got_blocks, got_errors,
             left_errors))
    ok = (got_bytes, got_blocks, got_errors) == (want_bytes, want_blocks, want_errors)
    hidden_errors = report["totals"]["error_count"] - want_errors
    if left_errors != hidden_errors:
        print("errors left: %d, want %d (those of hidden sites)" % (left_errors, hidden_errors))
        ok = False
    return 0 if ok else 1


def main(argv):
    if len(argv) == 4 and argv[1] == "supp":
        return supp(argv[2], argv[3])
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
