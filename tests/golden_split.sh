#!/bin/sh
# golden_split.sh — -j on ONE input (issue 22): every input of testdata/
# (real XML runs, text logs, and the hostile and broken files of
# testdata/bad/) read alone at -j 1, -j 2 and -j 3, with the size from
# which a file is read in parts lowered to 0 so that these small files are
# split: the text and JSON reports, the exit status and stderr are byte for
# byte those of -j 1.  No valgrind run; a few seconds of CPU.  The tool
# itself runs plainly (or under ASan), not under valgrind: several hundred
# runs; tests/check_split.c runs the split and its threads under valgrind.
# Run by tests/golden.sh (VGTRIAGE, PYTHON).
set -u

cd "$(dirname "$0")/.."
VGTRIAGE=${VGTRIAGE:-build/vgtriage}
SUITE=split
PYTHON=${PYTHON:-/usr/bin/python3}
. tests/goldenlib.sh
golden_workdir vgt-split

vgt() { "$VGTRIAGE" "$@"; }

# Runs one input at -j $1 (args from its .args file) in both formats.
run_at() {
	_j=$1 _in=$2 _out=$3
	_args=
	_base=${_in%.*}
	[ -f "$_base.args" ] && _args=$(cat "$_base.args")
	# shellcheck disable=SC2086  # the .args files hold options
	VGTRIAGE_TEST_SPLIT_MIN=0 vgt -q -j "$_j" --all --color never -n 0 $_args "$_in" \
		>"$_out.txt" 2>"$_out.err"
	echo "exit $?" >>"$_out.err"
	# shellcheck disable=SC2086
	VGTRIAGE_TEST_SPLIT_MIN=0 vgt -q -j "$_j" --all -f json $_args "$_in" \
		>"$_out.json" 2>>"$_out.err"
	echo "exit $?" >>"$_out.err"
}

n=0
bad=
for f in testdata/*.xml testdata/*.log testdata/text/*.log testdata/bad/*.xml testdata/bad/*.log; do
	[ -f "$f" ] || continue
	n=$((n + 1))
	run_at 1 "$f" "$WORK/one"
	for j in 2 3; do
		run_at "$j" "$f" "$WORK/j$j"
		for ext in txt json err; do
			if ! cmp -s "$WORK/one.$ext" "$WORK/j$j.$ext"; then
				bad="$bad $f(-j $j .$ext)"
				diff -u "$WORK/one.$ext" "$WORK/j$j.$ext" | head -n 20
			fi
		done
	done
done
check "-j 2 and -j 3 on each of $n inputs alone: text, JSON, stderr and exit status those of -j 1${bad:+ (differ:$bad)}" \
	test -z "$bad" -a "$n" -gt 50

echo "split: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
