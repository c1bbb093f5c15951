#!/bin/sh
# golden_cxx26.sh — C++ projects (issue 26, items 1-4): suppressions that
# cover every record of a site, both aux stacks of a use-after-free, a
# site's name from the record whose stack it shows, and names that tell
# functions apart on a narrow terminal.  Run by tests/golden.sh, or alone:
# VGTRIAGE=build/vgtriage sh tests/golden_cxx26.sh (UPDATE=1 rewrites the
# goldens in testdata/cxx26/).
#
# Checks, one PASS/FAIL line each, then "N passed, N failed":
#   supp      live: tests/fixtures/cxx/shapes26.cpp built at -O0 and -O2 and
#             run under valgrind (-O0 read from the XML, -O2 from the text
#             log); --gen-suppressions fed back to valgrind suppresses
#             exactly the sites' records: valgrind's "suppressed:" figures
#             equal the sites' bytes, blocks and errors (cxx26_checks.py)
#   aux       the saved -O0 run (testdata/cxxown_O0.xml) in every format:
#             the use-after-free keeps "Block was alloc'd at" and its
#             stack, and its message names both sizes; goldens per format
#   label     the template leak's function is the one of the stack shown,
#             and the site says it merges 7 instantiations
#   narrow    COLUMNS=80 and 100 (through script(1)): the table fits, and
#             different functions never read alike; golden at 80
# shellcheck disable=SC2015,SC2034,SC2154  # pass/fail always succeed; goldenlib.sh uses SUITE, sets the counts
# shellcheck source=tests/goldenlib.sh
set -u

cd "$(dirname "$0")/.." || exit 2
VGTRIAGE=${VGTRIAGE:-build/vgtriage}
PYTHON=${PYTHON:-/usr/bin/python3}
VALGRIND=${VALGRIND:-valgrind}
VGT_CMD=${VGT_CMD:-$VGTRIAGE}
ROOT=$(pwd)
GOLD=testdata/cxx26
SAVED=testdata/cxxown_O0.xml

WORK=$(mktemp -d "${TMPDIR:-/tmp}/vgt-golden-cxx26.XXXXXX")
trap 'rm -rf "$WORK"' EXIT INT TERM
SUITE=cxx26
FIX=tests/fixtures/cxx
. tests/goldenlib.sh

vgt() {
	# shellcheck disable=SC2086  # VGT_CMD is a command line
	$VGT_CMD "$@"
}

# --- supp (live) ------------------------------------------------------------
VGFLAGS="--leak-check=full --show-leak-kinds=all --num-callers=40"
if ! command -v g++ >/dev/null || ! command -v "$VALGRIND" >/dev/null; then
	skip "supp: no g++ or valgrind"
else
	for opt in O0 O2; do
		prog=$WORK/shapes26_$opt
		if ! g++ -g -"$opt" -ffile-prefix-map="$ROOT"=. $FIX/shapes26.cpp -o "$prog" 2>"$WORK/cc.err"; then
			fail "supp -$opt: g++: $(head -c 300 "$WORK/cc.err")"
			continue
		fi
		if [ "$opt" = O0 ]; then
			in=$WORK/run_$opt.xml
			# shellcheck disable=SC2086  # VGFLAGS is a list of options
			$VALGRIND $VGFLAGS --xml=yes --xml-file="$in" "$prog" >/dev/null 2>&1
		else
			in=$WORK/run_$opt.log
			# shellcheck disable=SC2086
			$VALGRIND $VGFLAGS --log-file="$in" "$prog" >/dev/null 2>&1
		fi
		vgt --color never -n 0 --gen-suppressions "$in" 2>/dev/null |
			sed -n '/^Suppressions for the listed sites:$/,$p' | sed 1d >"$WORK/$opt.supp"
		vgt -f json -n 0 "$in" >"$WORK/$opt.json" 2>/dev/null
		entries=$(grep -c '^{' "$WORK/$opt.supp")
		# shellcheck disable=SC2086
		$VALGRIND $VGFLAGS --suppressions="$WORK/$opt.supp" --log-file="$WORK/rerun_$opt.log" \
			"$prog" >/dev/null 2>&1
		check_out "supp -$opt: $entries entries suppress exactly the sites' records" \
			"$PYTHON" tests/cxx26_checks.py supp "$WORK/$opt.json" "$WORK/rerun_$opt.log"
		check "supp -$opt: an entry for each access size of the use-after-free" \
			sh -c "grep -q '^   Memcheck:Addr8\$' '$WORK/$opt.supp' && grep -q '^   Memcheck:Addr4\$' '$WORK/$opt.supp'"
	done
fi

# --- aux: every format, goldens -------------------------------------------
mkdir -p "$GOLD"
for fmt in text json sarif junit github markdown codequality html; do
	vgt --color never -f "$fmt" "$SAVED" >"$WORK/out.$fmt" 2>/dev/null
	st=$?
	if [ $st -ne 0 ] && [ $st -ne 1 ]; then
		fail "aux $fmt: exit $st"
		continue
	fi
	check "aux $fmt: \"Block was alloc'd at\" and its stack" \
		sh -c "grep -q 'Block was alloc' '$WORK/out.$fmt' && grep -q 'spec_holder::spec_holder(long, int)' '$WORK/out.$fmt'"
	check "aux $fmt: the message names both sizes" grep -q 'Invalid read of size 8 and 4' "$WORK/out.$fmt"
	golden "$WORK/out.$fmt" "$GOLD/cxxown_O0.$fmt" "$fmt $SAVED"
done
check "aux sarif: both aux stacks are related locations" \
	jcheck "$WORK/out.sarif" '[l["id"] for l in d["runs"][0]["results"][0]["relatedLocations"]] == [10, 11]'
check "aux json: auxwhat2 and aux_stack2" \
	jcheck "$WORK/out.json" 'd["sites"][0]["auxwhat2"] == "Block was alloc'"'"'d at" and len(d["sites"][0]["aux_stack2"]) > 0'

# --- label: one record's name and stack; instantiations -------------------
check "label: the function named is the stack's culprit" \
	jcheck "$WORK/out.json" 'all(s["location"]["function"] == [f for f in s["stack"] if f["class"] == "user"][0]["fn"] for s in d["sites"] if s["kind"].startswith("Leak_"))'
check "label: the template leak merges 7 instantiations" \
	jcheck "$WORK/out.json" 'd["sites"][1]["instantiations"] == 7'
check "label: the text says so" grep -q '7 instantiations of lst::list<…>::push(…)' "$WORK/out.text"

# --- narrow terminals ------------------------------------------------------
if ! command -v script >/dev/null; then
	skip "narrow: no script(1)"
else
	for cols in 80 100; do
		for input in "$SAVED" testdata/cxxown_O2.xml testdata/cxxproj_O0.xml testdata/cxxproj_O2.xml \
			testdata/cxxsym.xml; do
			[ -f "$input" ] || continue
			COLUMNS=$cols script -qec "$VGT_CMD --color never $input" /dev/null 2>&1 |
				tr -d '\r' | sed -n '/^RANK/,/^$/p' >"$WORK/table.txt"
			vgt -f json "$input" >"$WORK/table.json" 2>/dev/null
			check_out "narrow $cols: $input fits and tells functions apart" \
				"$PYTHON" - "$WORK/table.txt" "$WORK/table.json" "$cols" <<'PY'
import json, sys
lines = [l.rstrip("\n") for l in open(sys.argv[1]) if l.strip()]
sites = json.load(open(sys.argv[2]))["sites"]
cols = int(sys.argv[3])
ok = len(lines) > 1
if not ok:
    print("no table")
start = lines[0].index("FUNCTION")
seen = {}
for line, s in zip(lines[1:], sites):
    if len(line) > cols:
        print("%d columns: %s" % (len(line), line))
        ok = False
    text = line[start:].strip()
    fn = s["location"]["function"]
    if text in seen and seen[text] != fn:
        print("%r reads %r as %r does" % (fn, text, seen[text]))
        ok = False
    seen[text] = fn
sys.exit(0 if ok else 1)
PY
		done
	done
	COLUMNS=80 script -qec "$VGT_CMD --color never $SAVED" /dev/null 2>&1 | tr -d '\r' |
		sed -n '/^RANK/,/^$/p' >"$WORK/table80.txt"
	golden "$WORK/table80.txt" "$GOLD/cxxown_O0.table80" "table at COLUMNS=80"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
