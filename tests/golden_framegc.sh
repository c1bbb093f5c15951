#!/bin/sh
# golden_framegc.sh — collecting the frame table while an input is read
# (issue 22, frames.h frames_gc) changes no report: every XML input of
# testdata/ (real runs, and the hostile files of testdata/bad/; logs are
# not collected) read with VGTRIAGE_TEST_FRAME_GC=1 — a collection from
# the first frame on, each time the live frames have grown by half —
# gives the text and JSON (--all: every stack whole) reports, stderr and
# exit status of a plain run, alone and split in parts (-j 2, the
# replay's map of ids dropped after each collection).  Catches a reader or a stage that keeps
# frame ids the collection is not given.  No valgrind run; a few seconds
# of CPU.  Run by tests/golden.sh (VGTRIAGE, PYTHON).
set -u

cd "$(dirname "$0")/.."
VGTRIAGE=${VGTRIAGE:-build/vgtriage}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vgt-framegc.XXXXXX")
trap 'rm -rf "$WORK"' EXIT INT TERM
SUITE=framegc
PYTHON=${PYTHON:-/usr/bin/python3}
. tests/goldenlib.sh

# run OUT INPUT [ENV=VALUE...]: the reports of INPUT into OUT.*
run() {
	_out=$1 _in=$2
	shift 2
	_args=
	[ -f "${_in%.*}.args" ] && _args=$(cat "${_in%.*}.args")
	: >"$_out.err"
	for _fmt in text json; do
		# shellcheck disable=SC2086  # the .args files hold options
		env "$@" "$VGTRIAGE" -q --all --color never -f "$_fmt" $_args "$_in" \
			>"$_out.$_fmt" 2>>"$_out.err"
		echo "exit $?" >>"$_out.err"
	done
	# shellcheck disable=SC2086
	env VGTRIAGE_TEST_SPLIT_MIN=0 "$@" "$VGTRIAGE" -q -j 2 --all -f json $_args "$_in" \
		>"$_out.j2" 2>>"$_out.err"
	echo "exit $?" >>"$_out.err"
}

n=0
bad=
for f in testdata/*.xml testdata/bad/*.xml; do
	[ -f "$f" ] || continue
	n=$((n + 1))
	run "$WORK/plain" "$f" VGTRIAGE_TEST_FRAME_GC=
	run "$WORK/gc" "$f" VGTRIAGE_TEST_FRAME_GC=1
	for ext in text json j2 err; do
		if ! cmp -s "$WORK/plain.$ext" "$WORK/gc.$ext"; then
			bad="$bad $f(.$ext)"
			diff -u "$WORK/plain.$ext" "$WORK/gc.$ext" | head -n 20
		fi
	done
done
check "each of $n inputs read collecting the frame table from the first frame: text, JSON, -j 2, stderr and exit status those of a plain run${bad:+ (differ:$bad)}" \
	test -z "$bad" -a "$n" -gt 50

echo "framegc: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
