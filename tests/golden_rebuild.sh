#!/bin/sh
# golden_rebuild.sh — issue 26 items 5 and 6 over saved real runs: a
# baseline survives a rebuild and another input format, and a test
# framework's own memory is hidden.  Run by tests/golden.sh (VGT_CMD: the
# tool, possibly under valgrind), or alone:
# VGTRIAGE=build/vgtriage sh tests/golden_rebuild.sh
#
# Checks, one PASS/FAIL line each, then "N passed, N failed":
#   baseline  for cxxproj ({fmt}'s args-test, tests/fixtures/cxxproj) and
#             cxxown (tests/fixtures/cxx): a baseline written from the -O0
#             XML run knows every shown site of the -O2 XML run and of the
#             text logs of both, with and without --source-root; `diff`
#             of the -O0 XML against each says "unchanged"
#   testfw    testdata/testfw.{xml,log} (our gtest suite): the stdout buffer
#             gtest's coloured output allocated is a hidden test-framework
#             site, counted on the Hidden: line and in JSON; --all shows
#             it; the user's leak stays rank 1
set -u

cd "$(dirname "$0")/.." || exit 2
VGTRIAGE=${VGTRIAGE:-build/vgtriage}
PYTHON=${PYTHON:-/usr/bin/python3}
VGT_CMD=${VGT_CMD:-$VGTRIAGE}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/vgt-golden-rebuild.XXXXXX")
trap 'rm -rf "$WORK"' EXIT INT TERM
SUITE=rebuild
. tests/goldenlib.sh

vgt() {
	# shellcheck disable=SC2086  # VGT_CMD is a command line
	$VGT_CMD "$@"
	status=$?
	[ $status -eq 0 ] || [ $status -eq 1 ]
}

# ---- baseline: -O0 XML against -O2 and the text logs ------------------------
for c in cxxproj cxxown; do
	if [ ! -f "testdata/${c}_O0.xml" ]; then
		skip "baseline $c: testdata/${c}_O0.xml not there"
		continue
	fi
	root=
	[ "$c" = cxxown ] && root="--source-root tests/fixtures/cxx"
	vgt -q --fail-on none --write-baseline "$WORK/$c.baseline" "testdata/${c}_O0.xml" >/dev/null 2>&1
	check "baseline $c: written from ${c}_O0.xml" [ -s "$WORK/$c.baseline" ]
	for input in "${c}_O2.xml" "${c}_O0.log" "${c}_O2.log"; do
		for opts in "" ${root:+"$root"}; do
			# shellcheck disable=SC2086  # opts is a list of options
			vgt -f json $opts --baseline "$WORK/$c.baseline" "testdata/$input" \
				>"$WORK/out.json" 2>/dev/null
			check "baseline $c: every shown site of $input known${opts:+ ($opts)}" \
				jcheck "$WORK/out.json" '([s for s in d["sites"] if s["rank"] > 0] and
				all(s.get("baseline") == "known" for s in d["sites"] if s["rank"] > 0))'
		done
		vgt diff "testdata/${c}_O0.xml" "testdata/$input" >"$WORK/diff.out" 2>&1
		check_out "diff $c: ${c}_O0.xml -> $input unchanged" \
			sh -c 'grep -q "unchanged" "$1" && ! grep -Eq "appeared|vanished|grew|shrank" "$1"' \
			sh "$WORK/diff.out"
	done
done

# ---- testfw: gtest's stdout buffer is the framework's -----------------------
for input in testdata/testfw.xml testdata/testfw.log; do
	vgt --color never "$input" >"$WORK/testfw.txt" 2>/dev/null
	check "testfw $input: Hidden: names the test framework site" \
		grep -q '^Hidden: 1 test framework site (4,096 bytes still reachable)' "$WORK/testfw.txt"
	vgt -f json "$input" >"$WORK/testfw.json" 2>/dev/null
	check "testfw $input: rank 1 is the user's remember(), nothing of gtest shown" \
		jcheck "$WORK/testfw.json" '([s["location"]["function"] for s in d["sites"] if s["rank"] > 0]
			== ["(anonymous namespace)::remember(char const*)"] and
			d["totals"]["hidden"]["test-framework"]["by_kind"]["still_reachable"]["bytes"] == 4096)'
	vgt -f json --all "$input" >"$WORK/testfw_all.json" 2>/dev/null
	check "testfw $input: --all shows it as test-framework, from ColoredPrintf" \
		jcheck "$WORK/testfw_all.json" 'any(s["category"] == "test-framework" and s["rank"] > 0 and
			"ColoredPrintf" in s["location"]["function"] for s in d["sites"])'
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
