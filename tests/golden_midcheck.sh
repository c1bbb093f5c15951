#!/bin/sh
# shellcheck disable=SC2086  # $CHECKS and $VGT_CMD are command lines
# golden_midcheck.sh — programs that ask valgrind for leak searches while
# they run (VALGRIND_DO_LEAK_CHECK, _ADDED_, _CHANGED_, _QUICK_): only each
# process's last search counts, an added or changed search updates the one
# before it, and a run killed before valgrind's exit search keeps its last.
#
# testdata/midcheck (tests/fixtures/midcheck/make.sh: real valgrind runs of
# tests/fixtures/midcheck/midcheck.c, each case as XML and as a text log):
#   - the golden reports;
#   - every process's figures from the records equal the LEAK SUMMARY
#     valgrind wrote last for it (read from the log by midcheck_checks.py);
#   - the XML run and the text-log run of each case have the same sites;
#   - the earlier searches are not counted again (below their sum);
#   - the notes: which search the sites show, a killed run's;
#   - -j1 and -j2 give the same report of the fork case's two XML files;
# and `vgtriage run` on the program itself (valgrind really runs).
#
# Environment: VGTRIAGE (default build/vgtriage), PYTHON (/usr/bin/python3),
# VGT_CMD (golden.sh's command line for the tool), CC, UPDATE=1 (rewrite
# the goldens).  Prints one PASS/FAIL/SKIP line per check and "N passed,
# N failed".
set -u
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tests/goldenlib.sh
. "$SRCDIR/tests/goldenlib.sh"
golden_tool
cd "$SRCDIR" || exit 2
FIX=tests/fixtures/midcheck
DATA=testdata/midcheck
PYTHON=${PYTHON:-/usr/bin/python3}
CC=${CC:-cc}
CHECKS="$PYTHON $SRCDIR/tests/midcheck_checks.py"
# shellcheck disable=SC2086  # VGT_CMD is a command line
vgt() { $VGT_CMD "$@"; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/golden_midcheck.XXXXXX")
SUITE=midcheck
cleanup() { rm -rf "$WORK"; }
trap cleanup EXIT INT TERM

# report BASE INPUT...: BASE.text and BASE.json (what make.sh keeps), and
# BASE.all.json with every site
report() {
	_base=$1
	shift
	vgt --color never "$@" >"$_base.text" 2>/dev/null
	vgt -f json "$@" >"$_base.json" 2>/dev/null
	vgt -f json --all "$@" >"$_base.all.json" 2>/dev/null
}

# --- testdata/midcheck -------------------------------------------------------
for name in all default killed killed_all; do
	if [ ! -f "$DATA/$name.xml" ] || [ ! -f "$DATA/$name.log" ]; then
		fail "$DATA/$name.{xml,log}: missing (sh $FIX/make.sh)"
		continue
	fi
	report "$WORK/$name" "$DATA/$name.xml"
	report "$WORK/$name.log" "$DATA/$name.log"
	golden "$WORK/$name.text" "$DATA/$name.out_text" "$name text"
	golden "$WORK/$name.json" "$DATA/$name.out_json" "$name json"
	golden "$WORK/$name.log.text" "$DATA/$name.log.out_text" "$name.log text"
	golden "$WORK/$name.log.json" "$DATA/$name.log.out_json" "$name.log json"
	kinds=definite,indirect,possible
	case $name in all | killed_all) kinds=$kinds,reachable ;; esac
	check_out "$name.log: each kind from the records = valgrind's last LEAK SUMMARY ($kinds)" \
		$CHECKS lastsummary "$WORK/$name.log.all.json" "$DATA/$name.log" "$kinds"
	check_out "$name: the XML run and the text-log run have the same sites" \
		$CHECKS samesites "$WORK/$name.all.json" "$WORK/$name.log.all.json"
	check_out "$name.log: definitely lost below what every search's loss records add up to" \
		$CHECKS sumall "$WORK/$name.log.all.json" "$DATA/$name.log"
done

J=$WORK/all.all.json
if [ -f "$J" ]; then
	check "all: the note says 4 leak searches and that the sites show the last" \
		jcheck "$J" 'any("in 4 leak searches" in n and "show the last" in n for n in d["notes"])'
	check "all: kept_small, freed before the last search, has no site" \
		jcheck "$J" 'not any(s["bytes"] == 8 and s["kind"] == "Leak_StillReachable" for s in d["sites"])'
	check "all: leak_grow's one loss record, 500 bytes in 2 blocks (not 50 + 500 + 500)" \
		jcheck "$J" '[(s["bytes"], s["blocks"], s["records"]) for s in d["sites"] if s["location"]["function"] == "leak_grow"] == [(500, 2, 1)]'
fi
J=$WORK/killed_all.all.json
if [ -f "$J" ]; then
	check "killed_all: the added search updated search 1: leak_grow 500 bytes in 2 blocks, the rest of search 1 kept" \
		jcheck "$J" 'sorted((s["location"]["function"], s["bytes"], s["blocks"]) for s in d["sites"]) == [("before_searches", 8, 1), ("before_searches", 300, 1), ("leak_early", 100, 1), ("leak_grow", 500, 2), ("lose_tree", 32, 1), ("lose_tree", 48, 1)]'
	check "killed_all: a note says the exit search is missing and which search the sites show" \
		jcheck "$J" 'any("killed?" in n and "last of 2 leak searches" in n and "added or changed" in n for n in d["notes"])'
	check "killed_all: the report is marked incomplete" jcheck "$J" 'not d["complete"]'
fi
vgt --color never "$DATA/killed.xml" >/dev/null 2>&1
check "killed: the default gate fails on the last search's definite leaks (exit 1)" [ $? -eq 1 ]

# fork: the parent's and the child's searches are told apart
if [ -f "$DATA/fork.1.xml" ] && [ -f "$DATA/fork.2.xml" ] && [ -f "$DATA/fork.log" ]; then
	report "$WORK/fork" "$DATA/fork.1.xml" "$DATA/fork.2.xml"
	report "$WORK/fork.log" "$DATA/fork.log"
	golden "$WORK/fork.text" "$DATA/fork.out_text" "fork text"
	golden "$WORK/fork.json" "$DATA/fork.out_json" "fork json"
	golden "$WORK/fork.log.text" "$DATA/fork.log.out_text" "fork.log text"
	golden "$WORK/fork.log.json" "$DATA/fork.log.out_json" "fork.log json"
	check_out "fork.log: each process from its records = its last LEAK SUMMARY" \
		$CHECKS lastsummary "$WORK/fork.log.all.json" "$DATA/fork.log" definite,indirect,possible,reachable
	check_out "fork: the XML files and the text log have the same sites" \
		$CHECKS samesites "$WORK/fork.all.json" "$WORK/fork.log.all.json"
	vgt -j 1 -f json --all "$DATA/fork.1.xml" "$DATA/fork.2.xml" >"$WORK/j1.json" 2>/dev/null
	vgt -j 2 -f json --all "$DATA/fork.1.xml" "$DATA/fork.2.xml" >"$WORK/j2.json" 2>/dev/null
	check "fork: -j1 and -j2 give the same report" cmp -s "$WORK/j1.json" "$WORK/j2.json"
else
	fail "$DATA/fork.*: missing (sh $FIX/make.sh)"
fi

# --- vgtriage run on the program itself ----------------------------------------
if ! command -v valgrind >/dev/null 2>&1; then
	skip "run: valgrind not installed"
elif ! printf '#include <valgrind/memcheck.h>\n' | $CC -E - >/dev/null 2>&1; then
	skip "run: no <valgrind/memcheck.h>"
elif ! $CC -g -O0 -fno-builtin -ffile-prefix-map="$SRCDIR"=. -o "$WORK/midcheck" "$FIX/midcheck.c"; then
	fail "run: $FIX/midcheck.c does not build"
else
	vgt run -f json --all -- "$WORK/midcheck" >"$WORK/run.json" 2>"$WORK/run.err"
	rc=$?
	check "run: exit 1 (definite leaks), a JSON report" [ $rc -eq 1 ]
	check_out "run: the sites of the last search, as the recorded run's (default kinds)" \
		$CHECKS samesites "$WORK/run.json" "$WORK/default.all.json"
	vgt run -f json --all -- "$WORK/midcheck" kill >"$WORK/runkill.json" 2>"$WORK/runkill.err"
	check_out "run, killed: the sites of the last search, as the recorded run's" \
		$CHECKS samesites "$WORK/runkill.json" "$WORK/killed.all.json"
fi

echo "midcheck: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
