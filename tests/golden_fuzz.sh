#!/bin/sh
# golden_fuzz.sh — the command-line side of issue 14's findings (the
# parser side is replayed from testdata/fuzz/ by `make fuzz-replay`):
#   empty    an empty input read with an explicit --input-format (file and
#            stdin) ends with the one-line "empty input" diagnostic, exit 2
#   run      `run` when valgrind writes no XML at all: one line, exit 2
#   write    --write-baseline with a symlink planted at PATH.tmp leaves the
#            link's target alone; -o never replaces a directory; a write
#            that fails (RLIMIT_FSIZE) leaves the old file as it was
# Environment: VGTRIAGE (default build/vgtriage), VGT_CMD (golden.sh: the
# tool's command line, under valgrind for `make leakcheck`).
# One PASS/FAIL line per check, then "N passed, N failed".
set -u
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
SUITE=fuzz-cli
# shellcheck source=tests/goldenlib.sh
. "$SRCDIR/tests/goldenlib.sh"
golden_tool
golden_workdir golden_fuzz
cd "$WORK" || exit 2
INPUT="$SRCDIR/testdata/errors.xml"

# expect_one_line NAME WANT-RC GREP-PATTERN: checks $WORK/rc, err
expect_one_line() {
	rc=$(cat rc)
	lines=$(grep -cv '^==[0-9]*==' err) # valgrind's own lines under leakcheck
	if [ "$rc" = "$2" ] && [ "$lines" = 1 ] && grep -q "$3" err; then
		pass "$1"
	else
		fail "$1 (exit $rc, $lines lines: $(head -c 300 err))"
	fi
}

: >empty
for fmt in xml text; do
	# shellcheck disable=SC2086  # VGT_CMD is a command line
	$VGT_CMD --input-format "$fmt" empty >out 2>err
	echo $? >rc
	expect_one_line "empty file, --input-format $fmt" 2 'empty:1:1: error: empty input'
	# shellcheck disable=SC2086
	$VGT_CMD --input-format "$fmt" - <empty >out 2>err
	echo $? >rc
	expect_one_line "empty stdin, --input-format $fmt" 2 '^vgtriage: -:1:1: error: empty input'
done

if command -v valgrind >/dev/null 2>&1; then
	# valgrind rejects the option and writes no XML: its own two lines,
	# then vgtriage's one
	# shellcheck disable=SC2086
	$VGT_CMD run --valgrind-arg=--no-such-valgrind-option -- true >out 2>err
	echo $? >rc
	grep -v '^valgrind:' err >err2 && mv err2 err
	expect_one_line "run: valgrind wrote no XML" 2 'valgrind wrote no XML'
else
	skip "run (valgrind not installed)"
fi

# --write-baseline PATH: 0.1.0 wrote PATH.tmp with fopen, so a symlink
# planted there redirected the write to its target.
echo precious >victim
ln -s victim known.baseline.tmp
# shellcheck disable=SC2086
$VGT_CMD -q --write-baseline known.baseline "$INPUT" >out 2>err
if [ "$(cat victim)" = precious ] && grep -q '^# vgtriage baseline' known.baseline &&
	[ -L known.baseline.tmp ]; then
	pass "--write-baseline: a symlink planted at PATH.tmp is not followed"
else
	fail "--write-baseline: a symlink planted at PATH.tmp is not followed ($(cat victim))"
fi

mkdir adir
# shellcheck disable=SC2086
$VGT_CMD -o adir "$INPUT" >out 2>err
echo $? >rc
if [ -d adir ]; then
	expect_one_line "-o DIR is refused" 2 'adir: error: not a regular file'
else
	fail "-o DIR is refused (adir replaced)"
fi

# A write that fails part way (past the file-size limit) keeps the old
# report; run in a child shell so that the limit ends with it.
echo old >report.txt
sh -c 'trap "" XFSZ; ulimit -f 2; exec "$@"' sh $VGT_CMD -f json -o report.txt \
	"$SRCDIR/testdata/py_ext.xml" >out 2>err
rc=$?
if [ "$rc" = 2 ] && [ "$(cat report.txt)" = old ] && [ "$(ls -A | grep -c '^\.report')" = 0 ]; then
	pass "-o: a failed write leaves the old file and no temporary"
else
	fail "-o: a failed write leaves the old file and no temporary (exit $rc, $(head -c 100 report.txt))"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
