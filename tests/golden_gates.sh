#!/bin/sh
# golden_gates.sh — issue 9 end to end, over the real valgrind runs of
# tests/fixtures/gates/make.sh (and the seed and Cython runs): figures that
# are valgrind's or unknown, the default report showing only the user's
# code, other valgrind tools, gates and baselines, fingerprints that
# survive edits, the path rule and the command line.  Each check fails on
# vgtriage 0.1.0.
# Run by tests/golden.sh (VGT_CMD: the tool, possibly under valgrind), or
# alone: VGTRIAGE=build/vgtriage sh tests/golden_gates.sh
# Prints one PASS/FAIL line per check, then "N passed, N failed".
set -u

cd "$(dirname "$0")/.."
ROOT=$(pwd)
VGTRIAGE=${VGTRIAGE:-build/vgtriage}
PYTHON=${PYTHON:-/usr/bin/python3}
VALGRIND=${VALGRIND:-valgrind}
VGT_CMD=${VGT_CMD:-$VGTRIAGE}
# The same command for runs from another directory (the path rule)
case $VGTRIAGE in
/*) VGT_ABS=$VGT_CMD ;;
*) VGT_ABS="${VGT_CMD%"$VGTRIAGE"}$ROOT/$VGTRIAGE" ;;
esac
TMP=$(mktemp -d "${TMPDIR:-/tmp}/vgt-gates.XXXXXX")
trap 'rm -rf "$TMP"' EXIT INT TERM
SUITE=gates
# shellcheck source=tests/goldenlib.sh
. tests/goldenlib.sh

# vgt ARG...: the tool; stdout in $TMP/out, stderr in $TMP/err, status in $st
vgt() {
	sub=
	case ${1:-} in diff | run | report) sub=$1; shift ;; esac
	# shellcheck disable=SC2086  # VGT_CMD is a command line
	$VGT_CMD $sub --color never "$@" >"$TMP/out" 2>"$TMP/err"
	st=$?
}
# expect STATUS LABEL: the last vgt's exit status
expect() {
	if [ "$st" -eq "$1" ]; then pass "$2 (exit $st)"; else
		fail "$2: exit $st, want $1: $(head -c 300 "$TMP/err")"; fi
}
# jcheck LABEL PYTHON-EXPRESSION: d is the JSON in $TMP/out
jcheck() {
	if "$PYTHON" -c 'import json, sys
d = json.load(open(sys.argv[1]))
shown = d.get("sites")
sys.exit(0 if eval("(" + sys.argv[2] + ")") else 1)' "$TMP/out" "$2" 2>"$TMP/jerr"; then
		pass "$1"
	else
		fail "$1: $(head -c 300 "$TMP/jerr") [$2]"
	fi
}
# has LABEL TEXT / lacks LABEL TEXT: in the last vgt's stdout+stderr
has() {
	if grep -qF -- "$2" "$TMP/out" "$TMP/err"; then pass "$1"; else
		fail "$1: no '$2' in: $(head -c 400 "$TMP/out")"; fi
}
lacks() {
	if grep -qF -- "$2" "$TMP/out" "$TMP/err"; then fail "$1: '$2' present"; else pass "$1"; fi
}
args_of() { [ -f "testdata/$1.args" ] && cat "testdata/$1.args"; return 0; }

if [ ! -f testdata/gates_nofull.log ]; then
	echo "golden_gates.sh: testdata/gates_* missing (sh tests/fixtures/gates/make.sh)"
	echo "0 passed, 1 failed"
	exit 1
fi

# --- 1. figures: valgrind's, or unknown --------------------------------------
# A run without --leak-check=full: a LEAK SUMMARY (33 bytes definitely
# lost) and no record.  0.1.0: "No findings", exit 0.
vgt testdata/gates_nofull.log
expect 1 "nofull: the default gate fails on valgrind's 33 definite bytes"
has "nofull: says how to get the stacks" "--leak-check=full"
has "nofull: valgrind's figure" "definitely lost: 33 bytes in 1 block"
vgt --fail-on none testdata/gates_nofull.log
expect 0 "nofull: --fail-on none"
vgt --fail-on 'definite>40' testdata/gates_nofull.log
expect 0 "nofull: a threshold above the summary's bytes passes"
vgt -f json testdata/gates_nofull.log
jcheck "nofull json: totals are valgrind's, from_records beside" \
	'd["totals"]["definitely_lost"] == {"bytes": 33, "blocks": 1} and d["totals"]["from_records"]["definitely_lost"]["bytes"] == 0 and d["totals"]["leak_summary"] == "valgrind" and d["totals"]["still_reachable"]["bytes"] == 100'

# Default --show-leak-kinds XML: no indirect block count, no still
# reachable figure.  0.1.0: "64 bytes in 0 blocks", "0 bytes".
vgt -f json testdata/gates_lists.xml
jcheck "lists json: unknown figures are null" \
	'd["totals"]["indirectly_lost"] == {"bytes": 64, "blocks": None} and d["totals"]["still_reachable"] == {"bytes": None, "blocks": None} and d["totals"]["definitely_lost"] == {"bytes": 32, "blocks": 1}'
vgt testdata/gates_lists.xml
has "lists text: indirect blocks unknown" "indirectly lost: 64 bytes (block count not in the input)"
has "lists text: still reachable unknown" "still reachable: not in the input"
lacks "lists text: no invented 0" "64 bytes in 0 blocks"

# ERROR SUMMARY: valgrind's count, saying how many are leak records.
vgt $(args_of seed) testdata/seed.log
has "seed.log: the errors are leak records" "ERROR SUMMARY: 461 errors from 461 contexts (all leak records, no other errors)"
has "seed.log: totals are valgrind's" "LEAK SUMMARY (valgrind's)"

# --- 2. the default report shows the user's code ----------------------------
vgt -f json $(args_of seed) testdata/seed.xml
jcheck "seed: exactly one site, api/native.pyx:11" \
	'len(shown) == 1 and shown[0]["location"]["file"] == "api/native.pyx" and shown[0]["location"]["line"] == 11 and d["totals"]["hidden"]["cython-runtime"]["sites"] > 0'
vgt $(args_of seed) testdata/seed.xml
expect 1 "seed: the default gate fails on the leak"
has "seed: Cython runtime counted in Hidden:" "Cython runtime sites"
if [ -f testdata/gates_seed_fixed.xml ]; then
	vgt testdata/gates_seed_fixed.xml
	expect 0 "seed with native.pyx fixed: the default gate passes"
	has "seed fixed: no site shown" "No findings in your code."
else
	skip "seed fixed: testdata/gates_seed_fixed.xml not made (cython3/FastAPI missing)"
fi
vgt -f json --source-root testdata/cython testdata/cython_shapes.xml
# (tests/fixtures/cypkg/expected.tsv lists them: 12 definite leaks; the
# closure and generator scope structs Cython's freelists keep are its
# runtime's, hidden)
jcheck "cython_shapes: exactly its fixture leaks (expected.tsv)" \
	'sorted((s["location"]["file"], s["location"]["line"], s["bytes"]) for s in shown) == sorted((f, int(l), int(b)) for f, l, q, b, k in (x.split("\t") for x in open("tests/fixtures/cypkg/expected.tsv") if not x.startswith("#")))'
if [ -f testdata/gates_cyclean.xml ]; then
	vgt --fail-on all testdata/gates_cyclean.xml
	expect 0 "leak-free Cython import: even --fail-on all passes (runtime hidden)"
fi
for py in py312 py313; do
	[ -f "testdata/gates_$py.xml" ] || { skip "$py: testdata/gates_$py.xml not made"; continue; }
	vgt -f json $(args_of "gates_$py") "testdata/gates_$py.xml"
	jcheck "$py: the extension's line alone, Python-level sites hidden" \
		'len(shown) == 1 and shown[0]["location"]["function"] == "tag" and shown[0]["location"]["file"] == "leakext.c" and shown[0]["bytes"] == 20 * 70 and d["totals"]["hidden"].get("python", {}).get("sites", 0) + d["totals"]["hidden"].get("interpreter", {}).get("sites", 0) > 0'
	vgt --all -f json $(args_of "gates_$py") "testdata/gates_$py.xml"
	jcheck "$py --all: a python-category site for the Python code" \
		'any(s["category"] == "python" for s in shown) or "python" not in d["totals"]["hidden"]'
done

# helgrind and drd: their kinds, the text log giving the XML's answer.
for tool in helgrind drd; do
	for fmt in xml log; do
		vgt -f json "testdata/gates_$tool.$fmt"
		cp "$TMP/out" "$TMP/$tool.$fmt.json"
		case $tool in
		helgrind) want='sorted((s["kind"], s["location"]["line"]) for s in shown) == [("LockOrder", 32), ("Race", 44)]' ;;
		drd) want='[(s["kind"], s["location"]["line"]) for s in shown] == [("ConflictingAccess", 44)]' ;;
		esac
		jcheck "$tool $fmt: its own kinds at racy.c" "$want and d[\"inputs\"][0][\"tool\"] == \"$tool\""
	done
	vgt "testdata/gates_$tool.log"
	lacks "$tool text: no LEAK SUMMARY" "LEAK SUMMARY"
	lacks "$tool text: no 'Locks held' kind" "Locks held "
done

# Every other tool is refused (testdata/bad/gates_massif.log also runs in
# golden.sh's bad loop); text that is not valgrind's is no valgrind log.
printf '==1234== hello\n==1234== world\n' >"$TMP/fake.log"
vgt "$TMP/fake.log"
expect 2 "not valgrind output"
has "not valgrind output: one line" "not valgrind output"

# --- 3. gates and baselines -------------------------------------------------
vgt --fail-on new testdata/ci_more.xml
expect 2 "--fail-on new without --baseline is a usage error"
vgt --write-baseline "$TMP/base" testdata/ci_base.xml
expect 0 "--write-baseline exits 0 once written"
has "--write-baseline still prints the report" "RANK"
vgt --baseline "$TMP/base" --fail-on new testdata/ci_more.xml
expect 1 "--fail-on new fails on the new site"
vgt --baseline "$TMP/base" --fail-on new testdata/ci_base.xml
expect 0 "--fail-on new passes on known sites"
vgt --fail-on none,definite testdata/ci_more.xml
expect 2 "--fail-on none mixed with a kind"
has "--fail-on none mixed: says so" "'none' cannot be combined"

# Fingerprints survive edits: v2 inserts lines above every leak, v3
# changes one leaking statement.
vgt --write-baseline "$TMP/v1.base" -f json $(args_of gates_edit_v1) testdata/gates_edit_v1.xml
cp "$TMP/out" "$TMP/v1.json"
vgt -f json --baseline "$TMP/v1.base" $(args_of gates_edit_v2) testdata/gates_edit_v2.xml
jcheck "edit v2 (lines inserted): every site known" \
	'len(shown) == 4 and all(s["baseline"] == "known" for s in shown)'
vgt --baseline "$TMP/v1.base" --fail-on new $(args_of gates_edit_v2) testdata/gates_edit_v2.xml
expect 0 "edit v2: --fail-on new passes"
vgt -f json --baseline "$TMP/v1.base" $(args_of gates_edit_v3) testdata/gates_edit_v3.xml
jcheck "edit v3 (one statement changed): only it is new" \
	'[s["location"]["function"] for s in shown if s["baseline"] == "new"] == ["keep_name"] and len(shown) == 4'
vgt --baseline "$TMP/v1.base" --fail-on new $(args_of gates_edit_v3) testdata/gates_edit_v3.xml
expect 1 "edit v3: --fail-on new fails"
vgt diff -f json "$TMP/v1.json" $(args_of gates_edit_v2) testdata/gates_edit_v2.xml
jcheck "diff v1 -> v2 agrees: nothing appeared or vanished" \
	'not d["appeared"] and not d["vanished"]'
vgt diff -f json "$TMP/v1.json" $(args_of gates_edit_v3) testdata/gates_edit_v3.xml
jcheck "diff v1 -> v3 agrees: keep_name appeared and vanished, alone" \
	'[s["location"]["function"] for s in d["appeared"]] == ["keep_name"] and [s["location"]["function"] for s in d["vanished"]] == ["keep_name"]'

# --- 4. paths and the command line ------------------------------------------
vgt testdata/ci_more.xml -f json --top 1
jcheck "options after the file (GNU order)" 'len(shown) == 1'
vgt -f json -- testdata/ci_more.xml
jcheck "-- ends options" 'len(shown) > 1'
vgt testdata/ci_more.xml "$TMP/no-such-file.xml"
expect 2 "an unreadable input"
if [ -s "$TMP/out" ]; then fail "an unreadable input: a report was printed"; else
	pass "an unreadable input: no report on stdout"; fi
has "an unreadable input: one line naming it" "no-such-file.xml: error: cannot open"
vgt --stacks 0 testdata/ci_more.xml
lacks "--stacks 0 shows no stack" "#1 "
vgt testdata/gates_nofull.log
lacks "singular: no '1 blocks'" "1 blocks"
vgt --formt json testdata/ci_more.xml
expect 2 "a mistyped long option"
has "did you mean" "did you mean --format?"

# The path rule, on a live run of a program built with absolute paths.
if command -v "$VALGRIND" >/dev/null 2>&1 && command -v gcc >/dev/null 2>&1; then
	proj=$TMP/proj
	mkdir -p "$proj/src"
	cp tests/fixtures/gates/lists.c "$proj/src/lists.c"
	gcc -g -O0 "$proj/src/lists.c" -o "$proj/lists"
	(cd "$proj" && $VALGRIND -q --leak-check=full --xml=yes --xml-file=run.xml ./lists)
	for fmt in text json github sarif codequality markdown junit html; do
		(cd "$proj" && $VGT_ABS --color never --source-root . -f $fmt run.xml >"$TMP/p.$fmt" 2>&1)
	done
	# (JSON stack frames keep valgrind's own dir and obj, and SARIF
	# declares the root itself as its uriBaseId: locations are checked)
	if grep -q "$proj" "$TMP"/p.text "$TMP"/p.github "$TMP"/p.codequality "$TMP"/p.markdown \
		"$TMP"/p.junit "$TMP"/p.html; then
		fail "path rule: an absolute path under --source-root . in: $(grep -l "$proj" "$TMP"/p.* | tr '\n' ' ')"
	else
		pass "path rule: --source-root . gives relative paths in text, github, codequality, markdown, junit, html"
	fi
	if "$PYTHON" -c 'import json, sys
d = json.load(open(sys.argv[1])); s = json.load(open(sys.argv[2]))
uris = [l["physicalLocation"]["artifactLocation"]["uri"] for r in s["runs"][0]["results"] for l in r["locations"]]
sys.exit(0 if [x["location"]["path"] for x in d["sites"]] == ["src/lists.c"] and uris == ["src/lists.c"] else 1)' \
		"$TMP/p.json" "$TMP/p.sarif"; then
		pass "path rule: JSON location.path and SARIF uri are src/lists.c"
	else
		fail "path rule: JSON/SARIF locations"
	fi
	if grep -q 'src/lists.c' "$TMP/p.text" && grep -q 'file=src/lists.c' "$TMP/p.github"; then
		pass "path rule: text and github name src/lists.c alike"
	else
		fail "path rule: text and github differ: $(grep -m1 lists.c "$TMP/p.text") / $(grep -m1 -o 'file=[^,]*' "$TMP/p.github")"
	fi
	(cd "$proj/src" && $VGT_ABS --color never --source-root .. ../run.xml >"$TMP/p.rel" 2>&1)
	if grep -q ' src/lists.c:' "$TMP/p.rel"; then pass "path rule: a relative --source-root is resolved against cwd"; else
		fail "path rule: relative root: $(grep -m1 lists "$TMP/p.rel")"; fi
	(cd /usr && $VGT_ABS --color never "$proj/run.xml" >"$TMP/p.abs" 2>&1)
	if grep -q " $proj/src/lists.c:" "$TMP/p.abs"; then pass "path rule: absolute outside every root"; else
		fail "path rule: outside: $(grep -m1 lists "$TMP/p.abs")"; fi
else
	skip "path rule live run: valgrind or gcc missing"
fi

# A leak-free Cython import under `vgtriage run` exits 0.
if command -v cython3 >/dev/null 2>&1 && command -v "$VALGRIND" >/dev/null 2>&1; then
	cy=$TMP/cy
	mkdir -p "$cy"
	cp tests/fixtures/gates/cyclean/clean.pyx tests/fixtures/gates/cyclean/use.py "$cy/"
	inc=$("$PYTHON" -c 'import sysconfig; print(sysconfig.get_paths()["include"])')
	suffix=$("$PYTHON" -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))')
	if (cd "$cy" && cython3 -3 clean.pyx -o clean.c >/dev/null 2>&1 &&
	    gcc -g -O0 -shared -fPIC -I"$inc" clean.c -o "clean$suffix"); then
		(cd "$cy" && PYTHONMALLOC=malloc $VGT_ABS run -q -- "$PYTHON" use.py >"$TMP/cy.out" 2>&1)
		st=$?
		if [ $st -eq 0 ]; then pass "run: leak-free Cython import exits 0"; else
			fail "run: leak-free Cython import: exit $st: $(tail -n 5 "$TMP/cy.out")"; fi
	else
		skip "run: cython import: the module did not build"
	fi
else
	skip "run: leak-free Cython import: cython3 or valgrind missing"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
