#!/bin/sh
# golden_hints.sh — natures and hints (issue 13) end to end through the
# tool, over the real valgrind runs in testdata/.
# Run by tests/golden.sh (which passes VGT_CMD, the tool possibly under
# valgrind), or alone: VGTRIAGE=build/vgtriage sh tests/golden_hints.sh
#
# Checks, one PASS/FAIL line each, then "N passed, M failed":
#   score      hints_py, hints_c and the pass-and-drop runs hints_pass_py and
#              hints_pass_c (issue 24) against tests/fixtures/hints/expected.tsv
#              (written by hand): at least 90% of the leak sites get the
#              right nature and hint, none a wrong one, no correct function
#              has a leak site (tests/hints_score.py; the table is printed)
#   pass       every pass-and-drop function of hints_pass_* gets its hint,
#              hedged ("unless `f` takes ownership") where the callee's
#              source is not at hand; no site whose callee keeps the buffer
#              (give_*, c_keep, c_static_keep) gets one
#   seed       rank 1 of the seed run: the C buffer `my_array`, never freed
#              in random_noise
#   shapes     every user leak of the Cython shapes run has a hint
#   no-hints   --no-hints: natures stay, no hint in JSON or text
#   sarif      the hints as fix descriptions, valid SARIF 2.1.0
#   formats    markdown and HTML show the hint
#   helper     without vgtriage-cparse: no C/C++ hint, .pyx hints stay, -v
#              says why
set -u

cd "$(dirname "$0")/.."
VGTRIAGE=${VGTRIAGE:-build/vgtriage}
PYTHON=${PYTHON:-/usr/bin/python3}
VGT_CMD=${VGT_CMD:-$VGTRIAGE}
EXPECTED=tests/fixtures/hints/expected.tsv

TMP=$(mktemp -d "${TMPDIR:-/tmp}/vgt-golden-hints.XXXXXX")
trap 'rm -rf "$TMP"' EXIT INT TERM
SUITE=hints
# shellcheck source=tests/goldenlib.sh
. tests/goldenlib.sh

# vgt ARG...: the tool (under valgrind when golden.sh asks); 0 or 1 is a report.
vgt() {
	# shellcheck disable=SC2086  # VGT_CMD is a command line
	$VGT_CMD "$@"
	status=$?
	[ $status -eq 0 ] || [ $status -eq 1 ]
}

args_of() { [ -f "testdata/$1.args" ] && cat "testdata/$1.args"; return 0; }

# jcheck FILE PYTHON-EXPRESSION: d is the JSON in FILE.
jcheck() {
	"$PYTHON" -c 'import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if eval("(" + sys.argv[2] + ")") else 1)' "$1" "$2"
}

# --- the fixture against its hand-written expectations -----------------------
for c in hints_py hints_c hints_pass_py hints_pass_c; do
	# shellcheck disable=SC2046
	vgt -f json $(args_of $c) "testdata/$c.xml" >"$TMP/$c.json" 2>"$TMP/$c.err" ||
		fail "run $c: $(head -c 300 "$TMP/$c.err")"
done
if "$PYTHON" tests/hints_score.py "$EXPECTED" hints_py="$TMP/hints_py.json" \
	hints_c="$TMP/hints_c.json" hints_pass_py="$TMP/hints_pass_py.json" \
	hints_pass_c="$TMP/hints_pass_c.json" >"$TMP/score.out" 2>&1; then
	pass "score: $(tail -n 1 "$TMP/score.out")"
else
	fail "score: $(tail -n 1 "$TMP/score.out")"
fi
cat "$TMP/score.out"

# --- pass-and-drop (issue 24) -----------------------------------------------
if jcheck "$TMP/hints_pass_py.json" '(lambda h: sum(1 for s, t in h if "then dropped" in t) == 10
and sum(1 for s, t in h if "unless `" in t) == 4 and not any(t for s, t in h
if s["location"]["function"].split(".")[-1].startswith("give_")))([(s, s.get("hint", {}).get("text", ""))
for s in d["sites"]])' && jcheck "$TMP/hints_pass_c.json" '(lambda h: sum(1 for s, t in h
if "then dropped" in t) == 3 and sum(1 for s, t in h if "unless `" in t) == 1 and not any(t
for s, t in h if "keep" in s["location"]["function"]))([(s, s.get("hint", {}).get("text", ""))
for s in d["sites"]])'; then
	pass "pass: 13 pass-and-drop sites hinted (5 hedged), no hint where the callee keeps the buffer"
else
	fail "pass: 13 pass-and-drop sites hinted (5 hedged), no hint where the callee keeps the buffer"
fi

# --- the seed's rank 1 ------------------------------------------------------
# shellcheck disable=SC2046
if vgt -f json $(args_of seed) testdata/seed.xml >"$TMP/seed.json" 2>/dev/null &&
	jcheck "$TMP/seed.json" '(lambda s, h: s["location"]["line"] == 11 and
s["nature"]["family"] == "c" and s["nature"]["what"] == "buffer" and "`my_array`" in h and
"neither freed nor returned" in h and "`random_noise`" in h)(d["sites"][0],
d["sites"][0].get("hint", {}).get("text", ""))'; then
	pass "seed: rank 1 says the C buffer my_array is never freed in random_noise"
else
	fail "seed: rank 1 says the C buffer my_array is never freed in random_noise"
fi

# --- the Cython shapes ------------------------------------------------------
if vgt -f json --source-root testdata/cython testdata/cython_shapes.xml >"$TMP/shapes.json" \
	2>/dev/null && jcheck "$TMP/shapes.json" 'all(s.get("hint") for s in d["sites"]
if s["category"] == "user" and s["kind"] == "Leak_DefinitelyLost") and sum(1 for s in d["sites"]
if s.get("hint")) == 12'; then
	pass "shapes: the 12 Cython shapes have a hint each"
else
	fail "shapes: the 12 Cython shapes have a hint each"
fi
"$PYTHON" -c 'import json, sys
for s in json.load(open(sys.argv[1]))["sites"]:
    if s.get("hint"):
        print("  %s:%d  %s" % (s["location"]["file"], s["location"]["line"], s["hint"]["text"]))' \
	"$TMP/shapes.json"

# --- --no-hints ---------------------------------------------------------------
# shellcheck disable=SC2046
if vgt -f json --no-hints $(args_of hints_c) testdata/hints_c.xml >"$TMP/nh.json" 2>/dev/null &&
	jcheck "$TMP/nh.json" 'all("hint" not in s and s.get("nature") for s in d["sites"])' &&
	vgt --no-hints --color never $(args_of hints_c) testdata/hints_c.xml >"$TMP/nh.txt" 2>/dev/null &&
	! grep -q "hint:" "$TMP/nh.txt" && grep -q "— C buffer (malloc)" "$TMP/nh.txt"; then
	pass "no-hints: natures stay, hints go"
else
	fail "no-hints: natures stay, hints go"
fi

# --- SARIF, markdown, HTML -------------------------------------------------------
for c in hints_py hints_c; do
	# shellcheck disable=SC2046
	if vgt -f sarif $(args_of $c) "testdata/$c.xml" >"$TMP/$c.sarif" 2>/dev/null &&
		"$PYTHON" tests/validate_sarif.py "$TMP/$c.sarif" >"$TMP/sarif.out" 2>&1 &&
		jcheck "$TMP/$c.sarif" 'sum(1 for r in d["runs"][0]["results"]
if r.get("fixes") and r["fixes"][0]["description"]["text"].startswith("Hint: ")) ==
sum(1 for s in json.load(open(sys.argv[1].replace(".sarif", ".json")))["sites"] if s.get("hint"))'; then
		pass "sarif $c: every hint is a fix description, valid SARIF"
	else
		fail "sarif $c: every hint is a fix description, valid SARIF"
		head -n 20 "$TMP/sarif.out"
	fi
done
# shellcheck disable=SC2046
if vgt -f markdown $(args_of seed) testdata/seed.xml >"$TMP/seed.md" 2>/dev/null &&
	grep -q '^\*\*Hint:\*\* \\`my\\_array\\` is allocated at api/native.pyx:11' "$TMP/seed.md" &&
	vgt -f html $(args_of seed) testdata/seed.xml >"$TMP/seed.html" 2>/dev/null &&
	grep -q '<div class="hint"><p><b>Hint:</b> `my_array` is allocated' "$TMP/seed.html"; then
	pass "formats: markdown and HTML show the hint"
else
	fail "formats: markdown and HTML show the hint"
fi

# --- without the C/C++ helper --------------------------------------------------
# shellcheck disable=SC2046
if VGTRIAGE_CPARSE=/nonexistent/vgtriage-cparse vgt -f json -v $(args_of hints_py) \
	testdata/hints_py.xml >"$TMP/nohelper.json" 2>/dev/null &&
	jcheck "$TMP/nohelper.json" 'not any(s.get("hint") for s in d["sites"]
if s["location"]["file"].endswith(".c")) and any(s.get("hint") for s in d["sites"]
if s["location"]["file"].endswith(".pyx")) and any("C/C++ hints" in n for n in d["notes"])'; then
	pass "helper: without vgtriage-cparse, .pyx hints only, and -v says why"
else
	fail "helper: without vgtriage-cparse, .pyx hints only, and -v says why"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
