#!/bin/sh
# golden_cxxsym.sh — C++ names both ways and code without symbols
# (issue 11), end to end over the real valgrind runs of
# tests/fixtures/cxxsym (testdata/cxxsym*), and live round trips through
# valgrind.  Run by tests/golden.sh (VGT_CMD: the tool, possibly under
# valgrind), or alone: VGTRIAGE=build/vgtriage sh tests/golden_cxxsym.sh.
#
# Checks, one PASS/FAIL line each, then "N passed, N failed":
#   names     the --demangle=no runs (XML and text log), demangled by
#             vgtriage, name every frame as valgrind itself did in the
#             demangled runs, and keep the linkage names
#   symbols   the stripped run with --symbols (an unstripped copy found by
#             build-id) has the sites and names of the unstripped run
#   offsets   without --symbols its sites never merge: each at its own
#             shapes+0xOFFSET, which addr2line maps to the unstripped
#             run's lines; without the object, shapes@0xIP; one hint
#   supp      --suppressions tests/fixtures/cxxsym/cxx.supp (linkage names,
#             globs, "...") on the unsuppressed runs leaves the sites
#             valgrind left under the same file, and counts as many
#             suppressed records; demangled patterns match demangled names
#   roundtrip --gen-suppressions of a fresh run (demangled, --demangle=no,
#             objects absent: identifier globs, stripped, and stl.cpp at -O2
#             with inlined frames), given back to valgrind: every entry
#             used (or, where entries overlap, no site left)
#   table     template arguments elided in the table, whole in the stacks
#             and JSON; the table fits 120 columns (80 on an 80-column tty)
# shellcheck disable=SC2086,SC2015  # MAP, VGRUN: option lists; pass/fail always succeed
set -u

cd "$(dirname "$0")/.." || exit 2
VGTRIAGE=${VGTRIAGE:-build/vgtriage}
PYTHON=${PYTHON:-/usr/bin/python3}
VALGRIND=${VALGRIND:-valgrind}
VGT_CMD=${VGT_CMD:-$VGTRIAGE}
RUN=/tmp/vgtriage-cxxsym
MAP="--prefix-map $RUN=testdata/cxxsym"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/vgt-golden-cxxsym.XXXXXX")
trap 'rm -rf "$TMP"' EXIT INT TERM
SUITE=cxxsym
# shellcheck source=tests/goldenlib.sh
. tests/goldenlib.sh

checks() {
	"$PYTHON" tests/cxxsym_checks.py "$@"
}

vgt() {
	# shellcheck disable=SC2086  # VGT_CMD is a command line
	$VGT_CMD "$@"
}

# json OUT ARG...: the JSON report (exit 0 or 1 is a report)
json() {
	out=$1
	shift
	vgt -f json "$@" >"$TMP/$out" 2>"$TMP/$out.err"
	st=$?
	[ $st -eq 0 ] || [ $st -eq 1 ] || { fail "vgtriage $*: exit $st: $(head -c 300 "$TMP/$out.err")"; return 1; }
}

# check LABEL COMMAND...: PASS when the command succeeds, else FAIL with its output
check() {
	label=$1
	shift
	if "$@" >"$TMP/check.out" 2>&1; then
		pass "$label"
	else
		fail "$label"
		head -n 20 "$TMP/check.out"
	fi
}

if [ ! -f testdata/cxxsym.xml ] || [ ! -x testdata/cxxsym/bin/shapes ]; then
	fail "testdata/cxxsym* missing: sh tests/fixtures/cxxsym/make.sh"
	echo "$passed passed, $failed failed"
	exit 1
fi

# --- names ------------------------------------------------------------------
json plain.json testdata/cxxsym.xml &&
json mangled.json testdata/cxxsym_mangled.xml &&
	check "names: --demangle=no XML demangled as valgrind does" \
		checks names "$TMP/plain.json" "$TMP/mangled.json"
json plain_log.json testdata/cxxsym.log &&
json mangled_log.json testdata/cxxsym_mangled.log &&
	check "names: --demangle=no text log demangled as valgrind does" \
		checks names "$TMP/plain_log.json" "$TMP/mangled_log.json"

# --- symbols ----------------------------------------------------------------
json stripped_sym.json $MAP --symbols testdata/cxxsym/bin testdata/cxxsym_stripped.xml &&
	check "symbols: stripped + --symbols = unstripped sites and names" \
		checks sites "$TMP/plain.json" "$TMP/stripped_sym.json"
check "symbols: the report says which frames were named, from which file" \
	grep -q "showed as ??? named from the symbols of testdata/cxxsym/bin/shapes" \
	"$TMP/stripped_sym.json"
# by file name alone when the object itself is not here (no prefix map)
json byname.json --symbols testdata/cxxsym/bin testdata/cxxsym_stripped.xml &&
	check "symbols: an absent object matched by name in --symbols DIR" \
		checks sites "$TMP/plain.json" "$TMP/byname.json"

# --- offsets ----------------------------------------------------------------
json stripped.json $MAP testdata/cxxsym_stripped.xml &&
	check "offsets: stripped sites at distinct offsets that addr2line maps to the unstripped lines" \
		checks addresses "$TMP/stripped.json" "$TMP/plain.json" testdata/cxxsym/bin/shapes
vgt --color never $MAP testdata/cxxsym_stripped.xml >"$TMP/stripped.txt" 2>&1
n=$(grep -c "no debug info for $RUN/stripped/shapes: rebuild with -g" "$TMP/stripped.txt")
[ "$n" = 1 ] && pass "offsets: one 'no debug info' hint" || fail "offsets: $n 'no debug info' hints"
json noobj.json testdata/cxxsym_stripped.xml &&
	check "offsets: without the object, 15 sites at shapes@0xIP" \
		"$PYTHON" -c 'import json, re, sys
d = json.load(open(sys.argv[1]))
a = [s["location"].get("address") or "" for s in d["sites"]]
sys.exit(0 if len(a) == 15 == len(set(a)) and all(re.fullmatch(r"shapes@0x[0-9a-f]+", x) for x in a) else 1)' \
		"$TMP/noobj.json"

# --- supp -------------------------------------------------------------------
SUPP=tests/fixtures/cxxsym/cxx.supp
json supp_vg.json testdata/cxxsym_supp.xml
for input in cxxsym.xml cxxsym_mangled.xml cxxsym_mangled.log; do
	json "supp_$input.json" $MAP --suppressions $SUPP "testdata/$input" &&
		check "supp: $SUPP on $input = valgrind's" \
			checks supp "$TMP/supp_vg.json" "$TMP/supp_$input.json" testdata/cxxsym_supp.xml
done
cat >"$TMP/demangled.supp" <<'EOF'
{
   written with demangled names (valgrind ignores these; vgtriage matches them)
   Memcheck:Leak
   fun:operator new[]*
   fun:geo::detail::Buffer::Buffer(unsigned long)
}
EOF
json dem.json --suppressions "$TMP/demangled.supp" testdata/cxxsym_mangled.xml &&
	check "supp: demangled patterns match the demangled names" \
		"$PYTHON" -c 'import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if d["totals"]["suppressed_records"] == 1 and
         not any("Buffer::Buffer" in (s["location"]["function"] or "") for s in d["sites"]) else 1)' \
		"$TMP/dem.json"

# --- roundtrip --------------------------------------------------------------
# gen LABEL XML [ARG...]: --gen-suppressions of XML into $TMP/LABEL.supp
gen() {
	label=$1 xml=$2
	shift 2
	vgt --color never --gen-suppressions "$@" "$xml" 2>/dev/null |
		sed -n '/^Suppressions for the listed sites:$/,$p' | sed 1d >"$TMP/$label.supp"
	grep -c '^{' "$TMP/$label.supp"
}

# roundtrip LABEL PROGRAM ENTRIES [broad]: valgrind PROGRAM under
# $TMP/LABEL.supp, its distinct entries named apart so that <suppcounts>
# says which were used.  "broad": obj: lines (frames valgrind could not
# name) match any frame of the object, so one entry may take the records
# of another: only "no site left" is asked.
roundtrip() {
	label=$1 prog=$2 entries=$3 broad=${4:-}
	if [ "$entries" -lt 5 ]; then
		fail "roundtrip $label: only $entries entries generated"
		return
	fi
	entries=$("$PYTHON" -c 'import re, sys
text = open(sys.argv[1]).read()
bodies = []
for body in re.findall(r"\{\n   <insert_a_suppression_name_here>\n(.*?)\n\}", text, re.S):
    if body not in bodies:
        bodies.append(body)
with open(sys.argv[1], "w") as f:
    for i, body in enumerate(bodies):
        f.write("{\n   generated-%d\n%s\n}\n" % (i, body))
print(len(bodies))' "$TMP/$label.supp")
	$VALGRIND --leak-check=full --show-leak-kinds=all --suppressions="$TMP/$label.supp" \
		--xml=yes --xml-file="$TMP/$label.rerun.xml" "$prog" >/dev/null 2>&1
	used=$("$PYTHON" -c 'import sys, xml.etree.ElementTree as ET
print(len(list(ET.parse(sys.argv[1]).getroot().iter("pair"))))' "$TMP/$label.rerun.xml" 2>/dev/null)
	json "$label.rerun.json" "$TMP/$label.rerun.xml" || return
	left=$("$PYTHON" -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["sites"]))' \
		"$TMP/$label.rerun.json")
	if [ "$left" = 0 ] && [ -n "$broad" ] && [ "${used:-0}" -gt 0 ]; then
		pass "roundtrip $label: valgrind left no site ($used of $entries entries used)"
	elif [ "$used" = "$entries" ] && [ "$left" = 0 ]; then
		pass "roundtrip $label: valgrind used all $entries generated entries, no site left"
	else
		fail "roundtrip $label: $entries entries, valgrind used ${used:-?}, $left sites left"
		head -n 40 "$TMP/$label.supp"
	fi
}

if command -v g++ >/dev/null && command -v "$VALGRIND" >/dev/null; then
	mkdir -p "$TMP/rt"
	g++ -g -O0 -rdynamic tests/fixtures/cxxsym/shapes.cpp -o "$TMP/rt/shapes" &&
		strip -o "$TMP/rt/shapes_stripped" "$TMP/rt/shapes"
	VGRUN="$VALGRIND --leak-check=full --show-leak-kinds=all --xml=yes"
	$VGRUN --xml-file="$TMP/rt1.xml" "$TMP/rt/shapes" >/dev/null 2>&1
	$VGRUN --demangle=no --xml-file="$TMP/rt1m.xml" "$TMP/rt/shapes" >/dev/null 2>&1
	$VGRUN --xml-file="$TMP/rt1s.xml" "$TMP/rt/shapes_stripped" >/dev/null 2>&1
	# the objects absent: only the demangled names to go by
	sed "s#<obj>$TMP/rt/#<obj>/nonexistent/#" "$TMP/rt1.xml" >"$TMP/rt1n.xml"
	roundtrip demangled "$TMP/rt/shapes" "$(gen demangled "$TMP/rt1.xml")"
	roundtrip mangled "$TMP/rt/shapes" "$(gen mangled "$TMP/rt1m.xml")"
	roundtrip identifiers "$TMP/rt/shapes" "$(gen identifiers "$TMP/rt1n.xml")"
	roundtrip stripped "$TMP/rt/shapes_stripped" "$(gen stripped "$TMP/rt1s.xml")" broad
	# -O2 through the standard library: inlined frames, library frames
	# that differ between the records of a site
	g++ -g -O2 tests/fixtures/cxxsym/stl.cpp -o "$TMP/rt/stl"
	$VGRUN --xml-file="$TMP/rt2.xml" "$TMP/rt/stl" >/dev/null 2>&1
	$VGRUN --demangle=no --xml-file="$TMP/rt2m.xml" "$TMP/rt/stl" >/dev/null 2>&1
	json rt2.json "$TMP/rt2.xml" && json rt2m.json "$TMP/rt2m.xml" &&
		check "names: -O2, inlined frames: --demangle=no demangled as valgrind does" \
			checks names "$TMP/rt2.json" "$TMP/rt2m.json"
	roundtrip optimised "$TMP/rt/stl" "$(gen optimised "$TMP/rt2.xml")" broad
	roundtrip optimised-mangled "$TMP/rt/stl" "$(gen optimised-mangled "$TMP/rt2m.xml")" broad
	grep -q 'fun:\*3geo\*' "$TMP/identifiers.supp" &&
		pass "roundtrip: identifier globs written when the objects are absent" ||
		fail "roundtrip: no identifier glob in $TMP/identifiers.supp"
	# and vgtriage agrees with valgrind on its own entries
	for label in demangled mangled identifiers; do
		json "self_$label.json" --suppressions "$TMP/$label.supp" "$TMP/rt1n.xml" &&
			check "roundtrip: vgtriage applies the $label entries to the run they came from" \
				"$PYTHON" -c 'import json, sys; sys.exit(len(json.load(open(sys.argv[1]))["sites"]))' \
				"$TMP/self_$label.json"
	done
else
	fail "roundtrip: needs g++ and $VALGRIND"
fi

# --- table ------------------------------------------------------------------
vgt --color never testdata/cxxsym.xml >"$TMP/table.txt" 2>&1
check "table: template arguments elided in the table" \
	grep -q '  geo::Table<…>::grow(' "$TMP/table.txt"
check "table: the stack keeps the whole name" \
	grep -q 'by int\* geo::make_value<int>(unsigned long) (shapes.cpp:33)' "$TMP/table.txt"
check "table: JSON keeps the whole name" \
	grep -q '"fn": "geo::Table<std::pair<int, geo::Point>, std::__cxx11::basic_string<char' "$TMP/plain.json"
check "table: off a terminal no name is cut" \
	sh -c "! sed -n '/^RANK/,/^\$/p' '$TMP/table.txt' | grep -q '…\$'"
if command -v script >/dev/null; then
	# a terminal of 80 columns ($COLUMNS): script(1) gives the tool a tty
	COLUMNS=80 script -qec "$VGT_CMD --color never testdata/cxxsym.xml" /dev/null \
		>"$TMP/tty.txt" 2>&1
	wide=$(sed -n '/^RANK/,/^\r*$/p' "$TMP/tty.txt" | tr -d '\r' | "$PYTHON" -c 'import sys
print(max(len(l.rstrip("\n")) for l in sys.stdin))')
	[ "$wide" -le 80 ] && pass "table: $wide columns on an 80-column terminal" ||
		fail "table: $wide columns on an 80-column terminal"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
