#!/bin/sh
# golden_limits.sh — resource bounds on hostile inputs (issue 14): each
# case runs under GNU `/usr/bin/time -v` and fails only on a blow-up (peak
# RSS past LIMIT_RSS_MB, 200 by default, or wall time past LIMIT_SECONDS,
# 60), or on a crash (exit status other than 0, 1, 2).  Not a benchmark:
# a slow machine passes.  The inputs are generated on the fly by
# tests/gen_limits.py (and head | tr) and never stored:
#   lt-stdin     1 GB of '<' on standard input
#   textnode     a 200 MB XML text node        nested   100k nested elements
#   frames       a stack of 100k frames (XML)  fnname   a 10 MB function name
#   textframes   a stack of 100k frames (log)  textline a 10 MB log line
#   supp         10,000 wildcard .supp entries against testdata/seed.xml
# Runs the tool directly (not under valgrind: RSS is the point), so
# `make leakcheck` skips it.  Under an ASan build the RSS limit is 4x.
set -u
cd "$(dirname "$0")/.." || exit 2
VGTRIAGE=${VGTRIAGE:-build/vgtriage}
PYTHON=${PYTHON:-/usr/bin/python3}
RSS_MB=${LIMIT_RSS_MB:-200}
MAX_S=${LIMIT_SECONDS:-60}
TIME=/usr/bin/time
passed=0
failed=0
if [ ! -x "$TIME" ]; then
	echo "SKIP limits: $TIME not installed (Debian package time)"
	echo "0 passed, 0 failed"
	exit 0
fi
if grep -q __asan_init "$VGTRIAGE" 2>/dev/null; then
	RSS_MB=$((RSS_MB * 4))
fi
TMP=$(mktemp -d "${TMPDIR:-/tmp}/golden_limits.XXXXXX")
trap 'rm -rf "$TMP"' EXIT INT TERM

# judge NAME: reads $TMP/time (time -v) and $TMP/rc
judge() {
	rss=$(sed -n 's/.*Maximum resident set size (kbytes): *//p' "$TMP/time")
	wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): *//p' "$TMP/time")
	secs=$(echo "$wall" | awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; printf "%d", s }')
	rc=$(cat "$TMP/rc")
	mb=$(( ${rss:-0} / 1024 ))
	what="$1: exit $rc, $mb MB peak, ${wall:-?} (limits $RSS_MB MB, $MAX_S s)"
	if [ -n "$rss" ] && [ "$rc" -le 2 ] && [ "$mb" -le "$RSS_MB" ] && [ "$secs" -le "$MAX_S" ]; then
		passed=$((passed + 1))
		echo "PASS limits $what"
	else
		failed=$((failed + 1))
		echo "FAIL limits $what"
		head -3 "$TMP/err"
	fi
}

# run_gen NAME CASE [vgtriage options]: generator | vgtriage ... -
run_gen() {
	name=$1
	case=$2
	shift 2
	{ "$PYTHON" tests/gen_limits.py "$case"; } 2>/dev/null |
		{ "$TIME" -v -o "$TMP/time" "$VGTRIAGE" -q "$@" - >/dev/null 2>"$TMP/err"; echo $? >"$TMP/rc"; }
	judge "$name"
}

head -c 1000000000 /dev/zero 2>/dev/null | tr '\0' '<' |
	{ "$TIME" -v -o "$TMP/time" "$VGTRIAGE" -q - >/dev/null 2>"$TMP/err"; echo $? >"$TMP/rc"; }
judge "1 GB of '<' on stdin"
run_gen "one 200 MB text node" textnode -f json
run_gen "100k nested elements" nested
run_gen "a stack of 100k frames (XML)" frames -f json
run_gen "a 10 MB function name (XML)" fnname -f json
run_gen "a stack of 100k frames (text log)" textframes -f json
run_gen "a 10 MB text-log line" textline -f json
"$PYTHON" tests/gen_limits.py supp >"$TMP/many.supp"
"$TIME" -v -o "$TMP/time" "$VGTRIAGE" -q --suppressions "$TMP/many.supp" testdata/seed.xml \
	>/dev/null 2>"$TMP/err"
echo $? >"$TMP/rc"
judge "10,000 wildcard suppressions against the seed input"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
