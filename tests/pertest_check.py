#!/usr/bin/python3
"""pertest_check.py — checks of vgtriage's per-test reports against
valgrind's own output and the fixture's design (tests/fixtures/pertest),
parsed here independently of vgtriage.  Run by tests/golden_pertest.sh.

  pertest_check.py valgrind VALGRIND_XML REPORT_JSON
      Replays valgrind's XML: the vgtriage:begin/end client messages, and
      the records of the added leak checks between them ("N (+D) bytes in
      B (+E) blocks").  Each test's growth of definitely lost records whose
      allocation is in the fixture's extensions (cleak.c, cyleak.pyx/.c) is
      its leak; the report must name exactly those tests, each with exactly
      that growth, which must equal the whole of valgrind's final loss
      records at the same allocation site.

  pertest_check.py expect REPORT_JSON [stopped]
      The fixture's design: test_leak_cython 2400 bytes in 3 blocks,
      test_leak_c 96 in 2, test_fixture_teardown 200 in 1, nothing else
      blamed; exactly those fail (and a test with an error, the crash's).
      With "stopped": the run ended during
      test_alloc_and_free (unfinished) and test_pure_python never ran.

  pertest_check.py junit JUNIT_XML REPORT_JSON [FAILING,...]
      One testcase per test (the session only when it fails); the failing
      testcases are exactly the report's failing tests, and exactly the
      fixture's leaking tests (or the FAILING testcase names given).

  pertest_check.py stacks REPORT_JSON
      CPython 3.12 without the plugin: tests named from Python frames, the
      two tests that leak in their own frame with the fixture's figures, and
      the fixture teardown's leak in no test.

  pertest_check.py gen-names N OUT_LOG
      Writes a hostile text log (no valgrind run: the shape of one): a
      per-test run of N tests, every name different, every fourth test
      leaking one 24-byte block at one same allocation stack (changed
      checks), the final check with that one loss record.

  pertest_check.py gen-overflow OUT_LOG
      Writes a hostile text log: one test leaking at three sites whose
      bytes add up past 2^64 (2^63 - 1, 2^63 - 1 and 3 bytes).

Each check prints its problems, one per line, and exits 1 if there were
any.
"""
import json
import re
import sys
import xml.etree.ElementTree as ET

EXPECTED = {"test_leak_cython": (2400, 3), "test_leak_c": (96, 2),
            "test_fixture_teardown": (200, 1)}
GROWTH = re.compile(r"^([\d,]+) \(\+([\d,]+)\) .*bytes in ([\d,]+) \(\+([\d,]+)\) blocks")
OURS = ("cleak.c", "cyleak.c", "cyleak.pyx")


def num(text):
    return int(text.replace(",", ""))


def short(name):
    return name.rsplit("::", 1)[-1]


def allocation_site(error):
    """(file, line) of the first frame below the allocator, or None."""
    for frame in error.iter("frame"):
        fn = frame.findtext("fn") or ""
        if fn in ("malloc", "calloc", "realloc") or "vgpreload" in (frame.findtext("obj") or ""):
            continue
        return (frame.findtext("file"), frame.findtext("line"))
    return None


def replay(xml_path):
    """({test: [bytes, blocks]} of our definite growth, {site: [bytes, blocks]}
    of our final definite records, {site: set of tests})."""
    growth, final, where = {}, {}, {}
    current = None
    finished = False
    for _, el in ET.iterparse(xml_path):
        if el.tag == "clientmsg":
            text = (el.findtext("text") or "").strip()
            if text.startswith("vgtriage:begin "):
                current = text[len("vgtriage:begin "):]
            elif text.startswith("vgtriage:end") or text.startswith("vgtriage:start"):
                current = None
        elif el.tag == "state" and (el.text or "").strip() == "FINISHED":
            finished = True
        elif el.tag == "error" and el.findtext("kind") == "Leak_DefinitelyLost":
            site = allocation_site(el)
            if site is None or site[0] not in OURS:
                continue
            text = el.find("xwhat").findtext("text")
            m = GROWTH.match(text)
            if m and not finished:
                if current is not None:
                    g = growth.setdefault(current, [0, 0])
                    g[0] += num(m.group(2))
                    g[1] += num(m.group(4))
                    where.setdefault(site, set()).add(current)
            elif not m:
                f = final.setdefault(site, [0, 0])
                f[0] += num(el.findtext("xwhat/leakedbytes"))
                f[1] += num(el.findtext("xwhat/leakedblocks"))
    return growth, final, where


def tests_of(report):
    return {t["name"]: t for t in report.get("tests", [])}


def check_valgrind(xml_path, json_path):
    problems = []
    growth, final, where = replay(xml_path)
    tests = tests_of(json.load(open(json_path)))
    blamed = {n: (t["definitely_lost"]["bytes"], t["definitely_lost"]["blocks"])
              for n, t in tests.items() if t["definitely_lost"]["bytes"] > 0}
    if set(blamed) != set(growth):
        problems.append("tests blamed %s, valgrind's added checks say %s"
                        % (sorted(blamed), sorted(growth)))
    for name, (b, k) in growth.items():
        if blamed.get(name) != (b, k):
            problems.append("%s: report says %s, valgrind's growth %d bytes in %d blocks"
                            % (name, blamed.get(name), b, k))
    for site, names in where.items():
        total = [sum(growth[n][i] for n in names) for i in (0, 1)]
        if final.get(site) != total:
            problems.append("%s:%s: the tests grew it by %s, valgrind's final check has %s"
                            % (site[0], site[1], total, final.get(site)))
    if not growth:
        problems.append("no test grew a definite leak in the fixture's code")
    return problems


def check_expect(json_path, stopped=False):
    problems = []
    tests = tests_of(json.load(open(json_path)))
    by_short = {short(n): t for n, t in tests.items()}
    for name, t in by_short.items():
        want = EXPECTED.get(name, (0, 0))
        got = (t["definitely_lost"]["bytes"], t["definitely_lost"]["blocks"])
        if got != want:
            problems.append("%s: %s, want %s" % (name, got, want))
        if t["fails"] != (want != (0, 0) or t["errors"] > 0):
            problems.append("%s: fails=%s" % (name, t["fails"]))
    runs = set(EXPECTED) | {"test_first_import", "test_alloc_and_free"}
    if not stopped:
        runs.add("test_pure_python")
    if set(by_short) - {"(session)"} != runs:
        problems.append("tests %s, want %s" % (sorted(by_short), sorted(runs)))
    unfinished = {short(n) for n, t in tests.items() if t.get("unfinished")}
    if unfinished != ({"test_alloc_and_free"} if stopped else set()):
        problems.append("unfinished: %s" % sorted(unfinished))
    # phases are known when the plugin checked after each (--per-test=phase)
    if any(t["phases"] for t in tests.values()):
        teardown = by_short.get("test_fixture_teardown", {}).get("phases")
        if teardown != ["teardown"]:
            problems.append("test_fixture_teardown phases %s, want ['teardown']" % teardown)
    return problems


def check_junit(junit_path, json_path, expected=None):
    problems = []
    expected = set(expected) if expected is not None else set(EXPECTED)
    tests = json.load(open(json_path))["tests"]
    want_cases = {short(t["name"]) for t in tests if not t.get("session") or t["fails"]}
    want_fail = {short(t["name"]) for t in tests if t["fails"]}
    cases, failing = set(), set()
    for case in ET.parse(junit_path).iter("testcase"):
        if case.get("classname") == "vgtriage" and case.get("name", "").endswith("run complete"):
            continue
        cases.add(case.get("name"))
        if case.find("failure") is not None:
            failing.add(case.get("name"))
    if cases != want_cases:
        problems.append("testcases %s, want %s" % (sorted(cases), sorted(want_cases)))
    if failing != want_fail:
        problems.append("failing %s, want %s" % (sorted(failing), sorted(want_fail)))
    if failing != expected:
        problems.append("failing %s, the fixture leaks in %s" % (sorted(failing), sorted(expected)))
    return problems


def check_stacks(json_path):
    problems = []
    tests = tests_of(json.load(open(json_path)))
    named = {short(n): t for n, t in tests.items() if t.get("from_stack")}
    for name in ("test_leak_cython", "test_leak_c"):
        t = named.get(name)
        got = t and (t["definitely_lost"]["bytes"], t["definitely_lost"]["blocks"])
        if got != EXPECTED[name]:
            problems.append("%s: %s, want %s" % (name, got, EXPECTED[name]))
    if "test_fixture_teardown" in named:
        problems.append("test_fixture_teardown named: its leak runs in the fixture's frame")
    session = tests.get("(session)")
    if session is None or session["definitely_lost"]["bytes"] != 200:
        problems.append("(session): %s, want the teardown's 200 bytes"
                        % (session and session["definitely_lost"]))
    return problems


def _log_head(out, pid):
    out.write("==%d== Memcheck, a memory error detector\n" % pid)
    out.write("==%d== Using Valgrind-3.19.0 and LibVEX; rerun with -h for copyright info\n" % pid)
    out.write("==%d== Command: ./hostile\n==%d== \n" % (pid, pid))
    out.write("**%d** vgtriage:start hostile\n" % pid)
    out.write("==%d== All heap blocks were freed -- no leaks are possible\n==%d== \n" % (pid, pid))


def _record(out, pid, text, fn, line):
    out.write("==%d== %s\n" % (pid, text))
    out.write("==%d==    at 0x48417B4: malloc (in /usr/libexec/valgrind/"
              "vgpreload_memcheck-amd64-linux.so)\n" % pid)
    out.write("==%d==    by 0x10918A: %s (hostile.c:%d)\n" % (pid, fn, line))
    out.write("==%d==    by 0x109297: main (hostile.c:90)\n==%d== \n" % (pid, pid))


def _summary(out, pid, definite, blocks, delta=None):
    d = (lambda v: " (+%s)" % format(v, ",")) if delta is not None else (lambda v: "")
    db, dk = delta if delta is not None else (0, 0)
    out.write("==%d== LEAK SUMMARY:\n" % pid)
    out.write("==%d==    definitely lost: %s%s bytes in %s%s blocks\n"
              % (pid, format(definite, ","), d(db), format(blocks, ","), d(dk)))
    for kind in ("indirectly lost", "  possibly lost", "still reachable", "     suppressed"):
        out.write("==%d==    %s: 0%s bytes in 0%s blocks\n" % (pid, kind, d(0), d(0)))
    out.write("==%d== \n" % pid)


def gen_names(n, path):
    pid = 4242
    leaked = 0
    with open(path, "w") as out:
        _log_head(out, pid)
        for i in range(n):
            name = "tests/test_hostile_%06d.py::test_case_%d" % (i // 100, i)
            out.write("**%d** vgtriage:begin %s\n" % (pid, name))
            if i % 4 == 0:
                leaked += 1
                _record(out, pid, "%s (+24) bytes in %s (+1) blocks are definitely lost in loss "
                        "record 1 of 1" % (format(24 * leaked, ","), format(leaked, ",")),
                        "leak_one", 20)
                _summary(out, pid, 24 * leaked, leaked, (24, 1))
            out.write("**%d** vgtriage:end %s\n" % (pid, name))
        out.write("==%d== HEAP SUMMARY:\n" % pid)
        out.write("==%d==     in use at exit: %s bytes in %s blocks\n"
                  % (pid, format(24 * leaked, ","), format(leaked, ",")))
        out.write("==%d==   total heap usage: %s allocs, 0 frees, %s bytes allocated\n==%d== \n"
                  % (pid, format(leaked, ","), format(24 * leaked, ","), pid))
        _record(out, pid, "%s bytes in %s blocks are definitely lost in loss record 1 of 1"
                % (format(24 * leaked, ","), format(leaked, ",")), "leak_one", 20)
        _summary(out, pid, 24 * leaked, leaked)
        out.write("==%d== ERROR SUMMARY: %d errors from %d contexts (suppressed: 0 from 0)\n"
                  % (pid, leaked + 1, leaked + 1))
    return 0


def gen_overflow(path):
    pid = 4343
    big = (1 << 63) - 1
    sizes = [("leak_a", 31, big), ("leak_b", 41, big), ("leak_c", 51, 3)]
    with open(path, "w") as out:
        _log_head(out, pid)
        out.write("**%d** vgtriage:begin test_overflow.c::test_huge\n" % pid)
        for i, (fn, line, size) in enumerate(sizes):
            _record(out, pid, "%s (+%s) bytes in 1 (+1) blocks are definitely lost in loss record "
                    "%d of 3" % (format(size, ","), format(size, ","), i + 1), fn, line)
        out.write("**%d** vgtriage:end test_overflow.c::test_huge\n" % pid)
        out.write("==%d== HEAP SUMMARY:\n==%d== \n" % (pid, pid))
        for i, (fn, line, size) in enumerate(sizes):
            _record(out, pid, "%s bytes in 1 blocks are definitely lost in loss record %d of 3"
                    % (format(size, ","), i + 1), fn, line)
        out.write("==%d== ERROR SUMMARY: 6 errors from 6 contexts (suppressed: 0 from 0)\n" % pid)
    return 0


def main(argv):
    cmd = argv[1] if len(argv) > 1 else ""
    if cmd == "valgrind" and len(argv) == 4:
        problems = check_valgrind(argv[2], argv[3])
    elif cmd == "expect" and len(argv) in (3, 4):
        problems = check_expect(argv[2], len(argv) == 4 and argv[3] == "stopped")
    elif cmd == "junit" and len(argv) in (4, 5):
        problems = check_junit(argv[2], argv[3], argv[4].split(",") if len(argv) == 5 else None)
    elif cmd == "gen-names" and len(argv) == 4:
        return gen_names(int(argv[2]), argv[3])
    elif cmd == "gen-overflow" and len(argv) == 3:
        return gen_overflow(argv[2])
    elif cmd == "stacks" and len(argv) == 3:
        problems = check_stacks(argv[2])
    else:
        print(__doc__)
        return 2
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
