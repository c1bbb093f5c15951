#!/bin/sh
# golden_markers.sh — the pytest plugin's markers (issue 23):
# @pytest.mark.vgtriage(leaks="<=4KB") lets a test leak up to a limit, and
# @pytest.mark.vgtriage(known=...) marks a known leak; both honoured by the
# exit status (--fail-on) and JUnit, and said in the text and JSON reports.
#   - testdata/markers.xml (tests/fixtures/markers, a real valgrind run of
#     `vgtriage run --per-test -- python3 -m pytest --strict-markers`):
#     the test within its limit passes, the one over it fails, the known one
#     is skipped in JUnit ("known leak: REASON"), the unmarked one fails;
#   - the same XML with its allow/known verbs renamed (unknown verbs are
#     ignored) fails all four leaking tests (the markers, not the figures, make the difference);
#   - the limit counts the kinds --fail-on fails on: --fail-on possible
#     passes them all; --fail-on 'definite>10000' still fails the test over
#     its own limit;
#   - the plugin: `pytest --markers` lists it, a malformed marker ("<4KB")
#     is a pytest usage error (exit 4) saying to write "<=N".
# Environment: VGTRIAGE (build/vgtriage), PYTHON (with pytest).
# Prints one PASS/FAIL line per check, then "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
VGTRIAGE=${VGTRIAGE:-build/vgtriage}
PYTHON=${PYTHON:-/usr/bin/python3}
SUITE=markers
WORK=$(mktemp -d "${TMPDIR:-/tmp}/golden_markers.XXXXXX")
trap 'rm -rf "$WORK"' EXIT INT TERM
FIX=tests/fixtures/markers
. tests/goldenlib.sh
XML=testdata/markers.xml
ROOTS="--source-root $FIX"

# verdicts JUNIT: "name verdict" per testcase, verdict pass/failure/skipped:MESSAGE
verdicts() {
	"$PYTHON" -c 'import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
for tc in root.iter("testcase"):
    f, s = tc.find("failure"), tc.find("skipped")
    v = "failure" if f is not None else "skipped:" + s.get("message") if s is not None else "pass"
    print(tc.get("name"), v)
for ts in root.iter("testsuite"):
    print("suite", ts.get("tests"), ts.get("failures"), ts.get("skipped"))' "$1"
}
has() { grep -q -- "$2" "$1"; }
hasnt() { ! grep -q -- "$2" "$1"; }

# shellcheck disable=SC2086  # ROOTS is a list of options
"$VGTRIAGE" --color never $ROOTS "$XML" >"$WORK/text" 2>&1
check "exit status 1: two tests fail" [ $? -eq 1 ]
# shellcheck disable=SC2086
"$VGTRIAGE" -f junit $ROOTS "$XML" >"$WORK/junit" 2>/dev/null
verdicts "$WORK/junit" >"$WORK/v" 2>&1
check "junit: the test within its limit passes" has "$WORK/v" "^test_within_limit pass$"
check "junit: the test over its limit fails" has "$WORK/v" "^test_over_limit failure$"
check "junit: the known leak is skipped, with its reason" \
	has "$WORK/v" "^test_known skipped:known leak: issue 42: the parser's cache is never freed"
check "junit: the unmarked leaking test fails" has "$WORK/v" "^test_unmarked failure$"
check "junit: the allowed test that leaked nothing passes" has "$WORK/v" "^test_no_leak pass$"
check "junit: the suite counts 5 tests, 2 failures, 1 skipped" has "$WORK/v" "^suite 5 2 1$"
check "junit: the allowed limit is a property" \
	has "$WORK/junit" 'name="vgtriage.allowed_bytes" value="4096"'

check "text: within its limit, allowed, no FAIL" \
	grep -q 'test_within_limit  \[allowed 4,096 bytes\]$' "$WORK/text"
check "text: over its limit, allowed, FAIL" \
	grep -q 'test_over_limit  \[allowed 4,096 bytes\]  FAIL$' "$WORK/text"
check "text: the known leak with its reason, no FAIL" \
	grep -q "test_known  \[known leak: issue 42: the parser's cache is never freed\]$" "$WORK/text"
check "text: the unmarked test FAILs" grep -q 'test_unmarked  FAIL$' "$WORK/text"

# shellcheck disable=SC2086
"$VGTRIAGE" -f json $ROOTS "$XML" >"$WORK/json" 2>/dev/null
T='{t["name"].split("::")[1]: t for t in d["tests"]}'
check "json: allowed_bytes and fails of the limited tests" jcheck "$WORK/json" \
	"[($T)[n].get('allowed_bytes') for n in ('test_within_limit', 'test_over_limit', 'test_no_leak')] == [4096, 4096, 1024] and [($T)[n]['fails'] for n in ('test_within_limit', 'test_over_limit', 'test_unmarked', 'test_known')] == [False, True, True, False]"
check "json: known and known_reason" jcheck "$WORK/json" \
	"($T)['test_known']['known'] is True and ($T)['test_known']['known_reason'] == \"issue 42: the parser's cache is never freed\" and 'known' not in ($T)['test_unmarked']"

golden "$WORK/text" testdata/markers.out_text text
golden "$WORK/json" testdata/markers.out_json json
golden "$WORK/junit" testdata/markers.out_junit junit

# Without the markers (their verbs renamed to ones vgtriage does not know,
# which it ignores): all four leaking tests fail.
sed 's/vgtriage:allow /vgtriage:xallow /; s/vgtriage:known /vgtriage:xknown /' "$XML" >"$WORK/nomarks.xml"
"$VGTRIAGE" -f junit "$WORK/nomarks.xml" >"$WORK/nomarks.junit" 2>/dev/null
verdicts "$WORK/nomarks.junit" >"$WORK/nv" 2>&1
check "without markers: four failures, none skipped" has "$WORK/nv" "^suite 5 4 0$"

# The limit applies to the kinds --fail-on fails on.
# The run showed definite leaks only (--show-leak-kinds=definite): a gate
# on "possible" cannot pass on a figure valgrind hid, but no test is
# blamed for a possible leak either.
"$VGTRIAGE" --fail-on possible -f junit "$XML" >"$WORK/p.junit" 2>/dev/null
check "--fail-on possible on a run that hid possible leaks: exit 1 (unknown, not passed)" [ $? -eq 1 ]
verdicts "$WORK/p.junit" >"$WORK/pv" 2>&1
check "--fail-on possible: no test fails (their leaks are definite)" \
	sh -c 'grep -q "^suite 5 0 " "$1"' - "$WORK/pv"
"$VGTRIAGE" --fail-on 'definite>10000' -f junit "$XML" >"$WORK/t.junit" 2>/dev/null
check "--fail-on definite>10000: exit 1" [ $? -eq 1 ]
verdicts "$WORK/t.junit" >"$WORK/tv" 2>&1
check "--fail-on definite>10000: only the test over its own limit fails" \
	sh -c 'grep -q "^test_over_limit failure$" "$1" && grep -q "^suite 5 1 0$" "$1"' - "$WORK/tv"

# The plugin itself (no valgrind: it only checks markers there).
if "$PYTHON" -c 'import pytest' 2>/dev/null; then
	mkdir -p "$WORK/suite"
	cp "$FIX/test_badmarker.py.in" "$WORK/suite/test_badmarker.py"
	client=$(pwd)/client
	(cd "$WORK/suite" && PYTHONPATH="$client" "$PYTHON" -m pytest -p vgtriage_pytest \
		-p no:cacheprovider --markers >"$WORK/markers.out" 2>&1)
	check_out "pytest --markers lists @pytest.mark.vgtriage" grep -q '^@pytest.mark.vgtriage(leaks=' "$WORK/markers.out"
	(cd "$WORK/suite" && PYTHONPATH="$client" "$PYTHON" -m pytest -q -p vgtriage_pytest \
		-p no:cacheprovider --strict-markers >"$WORK/bad.out" 2>&1)
	check "a '<4KB' limit is a pytest usage error (exit 4)" [ $? -eq 4 ]
	check_out "... saying to write '<=N'" grep -q "test_bad: @pytest.mark.vgtriage: '<' is not supported: write '<=N'" "$WORK/bad.out"
else
	skip "no pytest for $PYTHON: the plugin's own checks"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
