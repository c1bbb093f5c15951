#!/bin/sh
# golden_ci.sh — the CI formats, suppressions, baselines and diff, end to
# end through the tool, over the real valgrind runs in testdata/.
# Run by tests/golden.sh (which passes VGT_CMD, the tool possibly under
# valgrind), or alone: VGTRIAGE=build/vgtriage sh tests/golden_ci.sh.
#
# Checks, one PASS/FAIL line each, then "N passed, N failed":
#   golden      testdata/<case>.xml -> <case>.out_{sarif,junit,github,markdown,
#               codequality,html} (this checkout's path replaced by @ROOT@;
#               UPDATE=1 rewrites them)
#   sarif       every SARIF output against the OASIS 2.1.0 schema and what
#               GitHub code scanning needs (tests/validate_sarif.py)
#   junit       `xmllint --noout`, and the attributes Jenkins/GitLab read
#   codequality the keys GitLab reads
#   fingerprint errors.xml and errors_run2.xml, two runs of one program
#               (other pids, other addresses): the same fingerprints
#   baseline    a baseline of ci_base.xml; ci_more.xml (one more leak) has
#               exactly that site new, and the gate fails only on it
#   diff        ci_base -> ci_more: the leak appeared (exit 1); back: it
#               vanished (exit 0); a JSON report as one side
#   suppress    --suppressions on the unsuppressed run leaves what valgrind
#               left when it applied the same file (testdata/*_supp.xml)
#   gensupp     --gen-suppressions output, fed back, suppresses every site
#   source-url  --source-url links in SARIF, markdown and HTML; only http(s)
set -u

cd "$(dirname "$0")/.."
ROOT=$(pwd)
VGTRIAGE=${VGTRIAGE:-build/vgtriage}
PYTHON=${PYTHON:-/usr/bin/python3}
VGT_CMD=${VGT_CMD:-$VGTRIAGE}
CASES=${CI_CASES:-"errors ci_more py_ext cython_shapes seed"}
FORMATS="sarif junit github markdown codequality html"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/vgt-golden-ci.XXXXXX")
trap 'rm -rf "$TMP"' EXIT INT TERM
SUITE=ci
# shellcheck source=tests/goldenlib.sh
. tests/goldenlib.sh

# vgt ARG...: the tool (under valgrind when golden.sh asks); status kept.
vgt() {
	# shellcheck disable=SC2086  # VGT_CMD is a command line
	$VGT_CMD "$@"
}

# The options of a case: testdata/<case>.args (as golden.sh), and the
# roots of the Cython cases, whose .pyx/.c live under testdata/cython.
case_args() {
	[ -f "testdata/$1.args" ] && cat "testdata/$1.args"
	case $1 in cython_*) echo "--source-root testdata/cython" ;; esac
	return 0
}

# jcheck FILE PYTHON-EXPRESSION: d is the JSON in FILE.
jcheck() {
	"$PYTHON" -c 'import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if eval("(" + sys.argv[2] + ")") else 1)' "$1" "$2"
}

if [ -z "$(command -v "${VGT_CMD%% *}")" ] && [ ! -x "${VGT_CMD%% *}" ]; then
	echo "golden_ci.sh: ${VGT_CMD%% *} is not built" >&2
	echo "0 passed, 1 failed"
	exit 1
fi

# --- golden files of every CI format ---------------------------------------
for c in $CASES; do
	input=testdata/$c.xml
	[ -f "$input" ] || continue
	for fmt in $FORMATS; do
		out=$TMP/$c.$fmt
		# shellcheck disable=SC2046
		vgt --color never -f "$fmt" $(case_args "$c") "$input" >"$out.raw" 2>"$out.err"
		status=$?
		if [ $status -ne 0 ] && [ $status -ne 1 ]; then
			fail "run -f $fmt $input: exit $status: $(head -c 300 "$out.err")"
			continue
		fi
		# A relative --source-root becomes an absolute SRCROOT: make it
		# this checkout's placeholder so goldens hold in any checkout.
		sed "s|$ROOT|@ROOT@|g" "$out.raw" >"$out"
		golden=testdata/$c.out_$fmt
		if [ "${UPDATE:-0}" = 1 ]; then
			cp "$out" "$golden"
			pass "golden $fmt $input (updated)"
		elif [ ! -f "$golden" ]; then
			fail "golden $fmt $input: no $golden (UPDATE=1 sh tests/golden_ci.sh)"
		elif diff -u "$golden" "$out" >"$TMP/diff" 2>&1; then
			pass "golden $fmt $input"
		else
			fail "golden $fmt $input"
			head -n 40 "$TMP/diff"
		fi
	done
	if [ -f "$TMP/$c.sarif" ]; then
		if "$PYTHON" tests/validate_sarif.py "$TMP/$c.sarif.raw" >"$TMP/v.out" 2>&1; then
			pass "sarif $input: valid SARIF 2.1.0, code-scanning ready"
		else
			fail "sarif $input: $(head -c 600 "$TMP/v.out")"
		fi
	fi
	if [ -f "$TMP/$c.junit" ]; then
		if xmllint --noout "$TMP/$c.junit" 2>"$TMP/x.err" &&
		   "$PYTHON" - "$TMP/$c.junit" >"$TMP/j.out" 2>&1 <<'EOF'
import sys
import xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
assert root.tag == "testsuites", root.tag
for a in ("tests", "failures"):
    assert a in root.attrib, "testsuites lacks " + a
suites = root.findall("testsuite")
assert suites, "no testsuite"
tests = failures = 0
for s in suites:
    for a in ("name", "tests", "failures", "errors", "skipped", "time"):
        assert a in s.attrib, "testsuite lacks " + a
    cases = s.findall("testcase")
    assert int(s.get("tests")) == len(cases), "tests != testcases"
    nfail = sum(1 for c in cases if c.find("failure") is not None)
    assert int(s.get("failures")) == nfail, "failures != <failure>s"
    for c in cases:
        for a in ("name", "classname", "time"):
            assert a in c.attrib, "testcase lacks " + a
        f = c.find("failure")
        if f is not None:
            assert f.get("message") and f.get("type"), "failure lacks message/type"
    tests += len(cases)
    failures += nfail
assert int(root.get("tests")) == tests and int(root.get("failures")) == failures
EOF
		then
			pass "junit $input: xmllint, attributes and counts"
		else
			fail "junit $input: $(cat "$TMP/x.err" "$TMP/j.out" | head -c 600)"
		fi
	fi
	if [ -f "$TMP/$c.codequality" ] &&
	   jcheck "$TMP/$c.codequality" 'isinstance(d, list) and all(
		isinstance(i["description"], str) and isinstance(i["check_name"], str) and
		isinstance(i["fingerprint"], str) and
		i["severity"] in ("blocker", "critical", "major", "minor", "info") and
		isinstance(i["location"]["path"], str) and i["location"]["lines"]["begin"] >= 1
		for i in d) and len(set(i["fingerprint"] for i in d)) == len(d)'; then
		pass "codequality $input: GitLab's keys, unique fingerprints"
	elif [ -f "$TMP/$c.codequality" ]; then
		fail "codequality $input"
	fi
done

# --- --source-url: the formats that link ------------------------------------
if [ -f testdata/errors.xml ]; then
	URL='https://git.example/o/r/blob/{rev}/{path}#L{line}'
	want='https://git.example/o/r/blob/v1%3C2/tests/fixtures/errors.c#L154'
	vgt -f sarif --source-url "$URL" --source-rev 'v1<2' testdata/errors.xml >"$TMP/u.sarif" 2>/dev/null
	vgt -f markdown --source-url "$URL" --source-rev 'v1<2' testdata/errors.xml >"$TMP/u.md" 2>/dev/null
	vgt -f html --source-url "$URL" --source-rev 'v1<2' testdata/errors.xml >"$TMP/u.html" 2>/dev/null
	if jcheck "$TMP/u.sarif" '"'"$want"'" in [r["properties"].get("sourceUrl") for r in d["runs"][0]["results"]]' &&
	   "$PYTHON" tests/validate_sarif.py "$TMP/u.sarif" >/dev/null 2>&1 &&
	   grep -qF "[tests/fixtures/errors.c:154](<$want>)" "$TMP/u.md" &&
	   grep -qF "<a href=\"$want\">tests/fixtures/errors.c:154</a>" "$TMP/u.html"; then
		pass "source-url: sarif sourceUrl, markdown and html links, {rev} percent-encoded"
	else
		fail "source-url: links in sarif, markdown, html"
	fi
	vgt -f html --source-url 'file:///etc/{path}' testdata/errors.xml >/dev/null 2>"$TMP/u.err"
	status=$?
	if [ $status -eq 2 ] && grep -q "not an http:// or https:// URL" "$TMP/u.err"; then
		pass "source-url: a file:// template is a usage error"
	else
		fail "source-url: file:// template exit $status"
	fi
fi

# --- fingerprints: two runs of one program -----------------------------------
if [ -f testdata/errors.xml ] && [ -f testdata/errors_run2.xml ]; then
	vgt -f json testdata/errors.xml >"$TMP/run1.json" 2>/dev/null
	vgt -f json testdata/errors_run2.xml >"$TMP/run2.json" 2>/dev/null
	if "$PYTHON" - "$TMP/run1.json" "$TMP/run2.json" <<'EOF'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
assert a["inputs"][0]["pid"] != b["inputs"][0]["pid"], "the same run twice"
fa = sorted(s["fingerprint"] for s in a["sites"])
fb = sorted(s["fingerprint"] for s in b["sites"])
assert fa and fa == fb, (fa, fb)
EOF
	then
		pass "fingerprint: errors.xml and errors_run2.xml (other pid, addresses) agree"
	else
		fail "fingerprint: errors.xml and errors_run2.xml differ"
	fi
fi

# --- baseline: adopt today, fail on the new leak only -----------------------
GATE="--fail-on definite,indirect,errors,incomplete,new"
if [ -f testdata/ci_base.xml ] && [ -f testdata/ci_more.xml ]; then
	vgt --write-baseline "$TMP/baseline.txt" testdata/ci_base.xml >/dev/null 2>&1
	if [ -s "$TMP/baseline.txt" ] && head -n 1 "$TMP/baseline.txt" | grep -q '^#' &&
	   grep -v '^#' "$TMP/baseline.txt" | sort -c 2>/dev/null; then
		pass "baseline: written, commented, sorted"
	else
		fail "baseline: --write-baseline file"
	fi
	# shellcheck disable=SC2086
	vgt --baseline "$TMP/baseline.txt" $GATE testdata/ci_base.xml >/dev/null 2>&1
	status=$?
	if [ $status -eq 0 ]; then pass "baseline: the known run passes the gate"; else fail "baseline: known run exit $status"; fi
	# shellcheck disable=SC2086
	vgt --baseline "$TMP/baseline.txt" $GATE -f json testdata/ci_more.xml >"$TMP/more.json" 2>/dev/null
	status=$?
	if [ $status -eq 1 ] && jcheck "$TMP/more.json" '[s["location"]["function"] for s in d["sites"]
			if s.get("baseline") == "new"] == ["extra_leak"] and
		all(s.get("baseline") == "known" for s in d["sites"] if s["location"]["function"] != "extra_leak")'; then
		pass "baseline: one more leak -> exactly extra_leak is new, gate fails (exit 1)"
	else
		fail "baseline: ci_more.xml exit $status (want 1, only extra_leak new)"
	fi
	# shellcheck disable=SC2086
	vgt --baseline "$TMP/baseline.txt" $GATE -f junit testdata/ci_more.xml >"$TMP/more.junit" 2>/dev/null
	if [ "$(grep -c '<failure' "$TMP/more.junit")" = 1 ] && grep -q 'extra_leak.*' "$TMP/more.junit"; then
		pass "baseline: JUnit has the new site as its only failure"
	else
		fail "baseline: JUnit failures"
	fi
	vgt --baseline "$TMP/baseline.txt" -f sarif testdata/ci_more.xml >"$TMP/more.sarif" 2>/dev/null
	if jcheck "$TMP/more.sarif" '[r["baselineState"] for r in d["runs"][0]["results"]].count("new") == 1'; then
		pass "baseline: SARIF baselineState new on one result"
	else
		fail "baseline: SARIF baselineState"
	fi
	printf 'not a fingerprint\n' >"$TMP/bad_baseline.txt"
	vgt --baseline "$TMP/bad_baseline.txt" testdata/ci_base.xml >/dev/null 2>"$TMP/bad.err"
	status=$?
	if [ $status -eq 2 ] && grep -q "bad_baseline.txt:1" "$TMP/bad.err"; then
		pass "baseline: a malformed file is exit 2, naming file:line"
	else
		fail "baseline: malformed file exit $status: $(cat "$TMP/bad.err")"
	fi
fi

# --- diff --------------------------------------------------------------------
if [ -f testdata/ci_base.xml ] && [ -f testdata/ci_more.xml ]; then
	vgt diff -f json testdata/ci_base.xml testdata/ci_more.xml >"$TMP/d1.json" 2>/dev/null
	status=$?
	if [ $status -eq 1 ] && jcheck "$TMP/d1.json" 'len(d["appeared"]) == 1 and
		d["appeared"][0]["location"]["function"] == "extra_leak" and
		d["appeared"][0]["bytes"] == 200 and not d["vanished"] and not d["grew"]'; then
		pass "diff: the new leak appeared (200 bytes, as valgrind counts), exit 1"
	else
		fail "diff: ci_base -> ci_more exit $status"
	fi
	vgt diff testdata/ci_more.xml testdata/ci_base.xml >"$TMP/d2.txt" 2>/dev/null
	status=$?
	if [ $status -eq 0 ] && grep -q '^vanished: 1 site' "$TMP/d2.txt"; then
		pass "diff: fixed leak vanished, exit 0"
	else
		fail "diff: ci_more -> ci_base exit $status"
	fi
	vgt -f json testdata/ci_base.xml >"$TMP/base.json" 2>/dev/null
	vgt diff -f json "$TMP/base.json" testdata/ci_more.xml >"$TMP/d3.json" 2>/dev/null
	status=$?
	if [ $status -eq 1 ] && jcheck "$TMP/d3.json" 'len(d["appeared"]) == 1 and d["unchanged"] == 4'; then
		pass "diff: a JSON report as the base side"
	else
		fail "diff: JSON base side exit $status"
	fi
fi

# --- suppressions, as valgrind applies them ----------------------------------
for spec in "ci_more leaks" "errors_run2 errors"; do
	# shellcheck disable=SC2086
	set -- $spec
	run=testdata/$1.xml
	supp_run=testdata/${1%_run2}_supp.xml
	[ -f "$run" ] && [ -f "$supp_run" ] || continue
	vgt --all -f json --suppressions "tests/fixtures/ci/$2.supp" "$run" >"$TMP/s1.json" 2>/dev/null
	vgt --all -f json "$supp_run" >"$TMP/s2.json" 2>/dev/null
	if "$PYTHON" - "$TMP/s1.json" "$TMP/s2.json" <<'EOF'
import json, sys
ours, theirs = (json.load(open(p)) for p in sys.argv[1:3])
key = lambda d: sorted((s["fingerprint"], s["bytes"], s["blocks"]) for s in d["sites"])
assert key(ours) == key(theirs), (key(ours), key(theirs))
assert ours["totals"]["suppressed_records"] > 0
EOF
	then
		pass "suppress: $2.supp after the fact leaves what valgrind left ($supp_run)"
	else
		fail "suppress: $2.supp after the fact differs from $supp_run"
	fi
done
printf '{\n  x\n  Memcheck:Leak\n  fun:malloc\n' >"$TMP/bad.supp"
vgt --suppressions "$TMP/bad.supp" testdata/ci_base.xml >/dev/null 2>"$TMP/bad.err"
status=$?
if [ $status -eq 2 ] && grep -q "bad.supp:4" "$TMP/bad.err"; then
	pass "suppress: a malformed .supp is exit 2, naming file:line"
else
	fail "suppress: malformed .supp exit $status: $(cat "$TMP/bad.err")"
fi

# --- --gen-suppressions round trip -------------------------------------------
if [ -f testdata/errors.xml ]; then
	vgt --gen-suppressions --color never testdata/errors.xml 2>/dev/null |
		awk '/^\{$/ { on = 1 } on { print } /^\}$/ { on = 0 }' >"$TMP/gen.supp"
	n_entries=$(grep -c '^{$' "$TMP/gen.supp")
	vgt -f json --suppressions "$TMP/gen.supp" testdata/errors.xml >"$TMP/gen.json" 2>/dev/null
	if [ "$n_entries" -gt 0 ] && jcheck "$TMP/gen.json" 'd["sites"] == []'; then
		pass "gensupp: $n_entries generated entries suppress every shown site"
	else
		fail "gensupp: $n_entries entries; sites left after applying them"
	fi
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
