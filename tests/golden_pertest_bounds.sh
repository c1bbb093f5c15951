#!/bin/sh
# golden_pertest_bounds.sh — per-test blame follows blocks (issue 20, item
# 9), and per-test data in bounded time with saturating sums (issue 21):
#   - testdata/pertest_flip.xml (vgtriage run --per-test) and
#     pertest_flip_all.log (tests/fixtures/pertest_flip): a 1 MiB block
#     moves between definitely and possibly lost across four tests' checks:
#     only the test that left it behind is blamed, a block found lost only
#     at a later test's check is the session's (run --per-test asks valgrind
#     for still reachable blocks, and its report hides them), and JUnit
#     fails exactly the leaking tests; pertest_flip_default.log, the same
#     with valgrind's default kinds, cannot tell that block apart and says
#     so in one note; pertest_stale.xml: buffers of one line that stale
#     interior pointers keep possibly lost, while a check found one of them
#     definitely lost, count as definite for the tests that leaked them;
#   - a generated per-test log of 160,000 test names, 40,000 of them leaking
#     at one site (tests/pertest_check.py gen-names), read under
#     `/usr/bin/time -v` within generous caps: CPU time (user + system, not
#     wall time: a loaded machine passes) under LIMIT_CPU_SECONDS (10) and
#     peak RSS under LIMIT_RSS_MB (200);
#   - a generated log whose one test leaks 2^63 - 1, 2^63 - 1 and 3 bytes
#     (gen-overflow): the test's sum saturates, never wraps to a few bytes,
#     and `--fail-on 'definite>1000'` fails it.
# Each check fails on the code before these changes.  The tool runs
# directly (not under valgrind: time and RSS are the point).
# Environment: VGTRIAGE (build/vgtriage), PYTHON.
# Prints one PASS/FAIL line per check, then "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
VGTRIAGE=${VGTRIAGE:-build/vgtriage}
PYTHON=${PYTHON:-/usr/bin/python3}
CPU_S=${LIMIT_CPU_SECONDS:-10}
RSS_MB=${LIMIT_RSS_MB:-200}
SUITE=pertest_bounds
WORK=$(mktemp -d "${TMPDIR:-/tmp}/golden_pertest_bounds.XXXXXX")
trap 'rm -rf "$WORK"' EXIT INT TERM
FIX=tests/fixtures/pertest_flip
. tests/goldenlib.sh

# tests_of JSON: "name fails definite_bytes" per test, sorted
tests_of() {
	"$PYTHON" -c 'import json, sys
for t in sorted(json.load(open(sys.argv[1]))["tests"], key=lambda t: t["name"]):
    print(t["name"], int(t["fails"]), t["definitely_lost"]["bytes"], t["possibly_lost"]["bytes"])' "$1"
}

# ---- the flip fixture ---------------------------------------------------------
ARGS=$(cat testdata/pertest_flip.args 2>/dev/null)
for input in testdata/pertest_flip.xml testdata/pertest_flip_all.log; do
	if [ ! -f "$input" ]; then
		fail "$input missing (sh $FIX/make.sh)"
		continue
	fi
	# shellcheck disable=SC2086  # ARGS is a list of options
	"$VGTRIAGE" -f json $(cat "${input%.*}.args" 2>/dev/null) "$input" >"$WORK/flip.json" \
		2>/dev/null
	st=$?
	tests_of "$WORK/flip.json" >"$WORK/flip.tests"
	cat >"$WORK/flip.want" <<'WANT'
(session) 1 40 0
flip_harness.c::test_after_stash 0 0 0
flip_harness.c::test_alloc_and_free 0 0 0
flip_harness.c::test_clean 0 0 0
flip_harness.c::test_drop_again 0 0 0
flip_harness.c::test_drop_inner 0 0 0
flip_harness.c::test_inner_again 0 0 0
flip_harness.c::test_keep 0 0 0
flip_harness.c::test_leak_big 1 1048576 0
flip_harness.c::test_leak_small 1 48 0
flip_harness.c::test_stash 0 0 0
WANT
	if [ $st -eq 1 ] && diff -u "$WORK/flip.want" "$WORK/flip.tests" >"$WORK/diff"; then
		pass "$input: the block that flips is test_leak_big's alone, the stash block found later the session's"
	else
		fail "$input: exit $st (want 1), tests:"
		sed 's/^/    /' "$WORK/diff"
	fi
done
if [ -f testdata/pertest_flip.xml ]; then
	# shellcheck disable=SC2086
	"$VGTRIAGE" -f junit $ARGS testdata/pertest_flip.xml >"$WORK/flip.junit" 2>/dev/null
	# shellcheck disable=SC2086
	"$VGTRIAGE" -f json $ARGS testdata/pertest_flip.xml >"$WORK/flip.json" 2>/dev/null
	check_out "pertest_flip.xml: JUnit fails exactly the leaking tests" \
		"$PYTHON" tests/pertest_check.py junit "$WORK/flip.junit" "$WORK/flip.json" \
		"test_leak_big,test_leak_small,(session)"
	golden "$WORK/flip.junit" testdata/pertest_flip.out_junit "junit testdata/pertest_flip.xml"
fi

# Which kind a test's blocks count as (stale_harness.c): buffers of one
# line, kept possibly lost by stale interior pointers (one until exit),
# where a check found one of that line's buffers definitely lost: the three
# tests that leaked one fail under the default gate (before: only the one
# the final check's definite block was given to), the live block held by an
# interior pointer (another line) fails only --fail-on possible, and one
# note says where the kind came from.
input=testdata/pertest_stale.xml
if [ -f "$input" ]; then
	SARGS=$(cat testdata/pertest_stale.args)
	# shellcheck disable=SC2086
	"$VGTRIAGE" -f junit $SARGS "$input" >"$WORK/stale.junit" 2>/dev/null
	# shellcheck disable=SC2086
	"$VGTRIAGE" -f json $SARGS "$input" >"$WORK/stale.json" 2>/dev/null
	check_out "$input: JUnit fails exactly the tests that leaked a buffer" \
		"$PYTHON" tests/pertest_check.py junit "$WORK/stale.junit" "$WORK/stale.json" \
		"test_keep_inner,test_leak_b1,test_leak_b2"
	check "$input: their blocks count as definite, the site keeps valgrind's kinds, one note" \
		jcheck "$WORK/stale.json" '[(t["name"].split("::")[1], t["definitely_lost"]["bytes"], t["possibly_lost"]["bytes"]) for t in d["tests"] if t["definitely_lost"]["bytes"] or t["possibly_lost"]["bytes"]] == [("test_keep_inner", 65536, 0), ("test_leak_b1", 65536, 0), ("test_leak_b2", 65536, 0), ("test_live_inner", 0, 64)] and sorted((s["kind"], s["bytes"]) for s in d["sites"]) == [("Leak_DefinitelyLost", 65536), ("Leak_PossiblyLost", 64), ("Leak_PossiblyLost", 131072)] and len([n for n in d["notes"] if "count as definitely lost for 2 tests" in n and "test_after_drop" in n]) == 1'
	# shellcheck disable=SC2086
	"$VGTRIAGE" -f json --fail-on definite,indirect,possible $SARGS "$input" \
		>"$WORK/stale_possible.json" 2>/dev/null
	check "$input --fail-on ...,possible: the live block's test fails too" \
		jcheck "$WORK/stale_possible.json" '[t["name"].split("::")[1] for t in d["tests"] if t["fails"]] == ["test_keep_inner", "test_leak_b1", "test_leak_b2", "test_live_inner"]'
	golden "$WORK/stale.junit" testdata/pertest_stale.out_junit "junit $input"
else
	fail "$input missing (sh $FIX/make.sh)"
fi

# valgrind's default kinds: the stash block is test_after_stash's (valgrind's
# output cannot tell it from a new leak), and one note says so; the run
# that showed still reachable blocks has no such note
input=testdata/pertest_flip_default.log
if [ -f "$input" ]; then
	# shellcheck disable=SC2086
	"$VGTRIAGE" -f json $ARGS "$input" >"$WORK/default.json" 2>/dev/null
	check "$input: the stash block is test_after_stash's, with one note saying why" \
		jcheck "$WORK/default.json" '[t["name"] for t in d["tests"] if t["fails"]] == ["flip_harness.c::test_leak_big", "flip_harness.c::test_leak_small", "flip_harness.c::test_after_stash"] and len([n for n in d["notes"] if "did not show still reachable blocks" in n]) == 1'
	check "pertest_flip.xml, pertest_flip_all.log: no such note" \
		sh -c '! "$1" $2 testdata/pertest_flip.xml testdata/pertest_flip_all.log 2>/dev/null | grep -q "did not show still reachable"' \
		sh "$VGTRIAGE" "$ARGS"
else
	fail "$input missing (sh $FIX/make.sh)"
fi
# Still reachable blocks that run --per-test asked valgrind for, to follow
# blocks, are hidden (counted on the Hidden line); --all, --kinds reachable
# and --fail-on reachable show them; the user's own --show-leak-kinds=all
# (the text log) shows them too
if [ -f testdata/pertest_flip.xml ]; then
	# shellcheck disable=SC2086
	"$VGTRIAGE" --color never $ARGS testdata/pertest_flip.xml >"$WORK/flip.txt" 2>/dev/null
	check "pertest_flip.xml: test_keep's still reachable block hidden, counted on the Hidden line" \
		sh -c '! grep -q "reachable .*test_keep" "$1" && grep -q "^Hidden: 1 user site (32 bytes still reachable)" "$1"' \
		sh "$WORK/flip.txt"
	for opt in --all "--kinds definite,reachable" "--fail-on definite,reachable"; do
		# shellcheck disable=SC2086
		"$VGTRIAGE" -f json $ARGS $opt testdata/pertest_flip.xml >"$WORK/shown.json" 2>/dev/null
		check "pertest_flip.xml $opt: test_keep's still reachable block shown" \
			jcheck "$WORK/shown.json" '[s["bytes"] for s in d["sites"] if s["kind"] == "Leak_StillReachable" and s["location"]["function"] == "test_keep"] == [32]'
	done
	"$VGTRIAGE" -f json $(cat testdata/pertest_flip_all.args) testdata/pertest_flip_all.log \
		>"$WORK/all.json" 2>/dev/null
	check "pertest_flip_all.log (the user's --show-leak-kinds=all): the block shown" \
		jcheck "$WORK/all.json" '[s["bytes"] for s in d["sites"] if s["kind"] == "Leak_StillReachable"] == [32]'
fi

# The same run cut short after test_drop_inner (as a kill leaves it: no
# final check): the block test_leak_big left behind is its, definitely lost
# as the last check said, and the possibly lost record that check emptied
# is no site of 0 bytes.
if [ -f testdata/pertest_flip.xml ]; then
	sed '/vgtriage:end flip_harness.c::test_drop_inner/,$d' testdata/pertest_flip.xml \
		>"$WORK/cut.xml"
	printf '%s\n' '  </clientmsg>' >>"$WORK/cut.xml"
	# shellcheck disable=SC2086
	"$VGTRIAGE" -f json $ARGS "$WORK/cut.xml" >"$WORK/cut.json" 2>/dev/null
	check "pertest_flip.xml cut short: test_leak_big's block, no empty site" \
		jcheck "$WORK/cut.json" '[(t["name"], t["definitely_lost"]["bytes"]) for t in d["tests"] if t["definitely_lost"]["bytes"] or t["possibly_lost"]["bytes"]] == [("flip_harness.c::test_leak_big", 1048576)] and all(s["bytes"] > 0 for s in d["sites"]) and not d["complete"]'
fi

# ---- 160,000 test names -------------------------------------------------------
# judge LABEL: $WORK/time (time -v) within the caps, exit status in $WORK/rc
judge() {
	rss=$(sed -n 's/.*Maximum resident set size (kbytes): *//p' "$WORK/time")
	user=$(sed -n 's/.*User time (seconds): *//p' "$WORK/time")
	sys=$(sed -n 's/.*System time (seconds): *//p' "$WORK/time")
	cpu=$(echo "${user:-999} ${sys:-999}" | awk '{ printf "%d", $1 + $2 }')
	mb=$(( ${rss:-999999} / 1024 ))
	rc=$(cat "$WORK/rc")
	what="$1: exit $rc, ${user:-?} s user + ${sys:-?} s system, $mb MB peak (caps $CPU_S s, $RSS_MB MB)"
	if [ -n "$rss" ] && [ "$rc" -le 1 ] && [ "$cpu" -lt "$CPU_S" ] && [ "$mb" -lt "$RSS_MB" ]; then
		pass "$what"
	else
		fail "$what"
		head -3 "$WORK/err"
	fi
}
if [ ! -x /usr/bin/time ]; then
	skip "160,000 test names: no /usr/bin/time (GNU time)"
else
	"$PYTHON" tests/pertest_check.py gen-names 160000 "$WORK/names.log"
	/usr/bin/time -v -o "$WORK/time" "$VGTRIAGE" -f json -o "$WORK/names.json" \
		"$WORK/names.log" >/dev/null 2>"$WORK/err"
	echo $? >"$WORK/rc"
	judge "160,000 test names, 40,000 of them at one site"
	check "160,000 test names: every test once, the 40,000 leaking ones with 24 bytes each" \
		jcheck "$WORK/names.json" 'len(d["tests"]) == 160000 and len({t["name"] for t in d["tests"]}) == 160000 and sorted({t["definitely_lost"]["bytes"] for t in d["tests"] if t["fails"]}) == [24] and sum(t["fails"] for t in d["tests"]) == 40000'
fi

# ---- sums past 2^64 -----------------------------------------------------------
"$PYTHON" tests/pertest_check.py gen-overflow "$WORK/overflow.log"
"$VGTRIAGE" --fail-on 'definite>1000' -f json -o "$WORK/overflow.json" "$WORK/overflow.log" \
	>/dev/null 2>&1
st=$?
check "three sites of one test past 2^64: --fail-on 'definite>1000' exits 1 (exit $st)" [ $st -eq 1 ]
check "three sites of one test past 2^64: the test's bytes saturate at 2^63 - 1" \
	jcheck "$WORK/overflow.json" '[t["definitely_lost"]["bytes"] for t in d["tests"] if t["name"] == "test_overflow.c::test_huge"] == [2**63 - 1]'

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
