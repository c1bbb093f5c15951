#!/bin/sh
# engines.sh — time to answer on the seed service (tests/fixtures/seed:
# FastAPI + a leaky Cython extension, 300 requests): `vgtriage run` under
# valgrind against `vgtriage run --engine asan`, the extension built once
# plainly and once with -fsanitize=address.  Both must name the same .pyx
# line with the same bytes and blocks; prints the wall and CPU seconds
# (user + sys: on a shared machine the elapsed time says more about the
# other jobs) of each, the median of BENCH_RUNS runs (default 1), and the
# ratio.  A benchmark, not a test: it exits 0 unless an answer differs.
#
#   sh tests/bench/engines.sh     (from the repository root, after make;
#                                  `make bench` runs it first)
# Environment: VGTRIAGE (build/vgtriage), PYTHON (/usr/bin/python3),
# CYTHON (cython3), CC (gcc), BENCH_RUNS, REQUESTS (300).
set -u
ROOT=$(pwd)
VGTRIAGE=${VGTRIAGE:-build/vgtriage}
case "$VGTRIAGE" in /*) ;; *) VGTRIAGE="$ROOT/$VGTRIAGE" ;; esac
PY=${PYTHON:-/usr/bin/python3}
CYTHON=${CYTHON:-cython3}
CC=${CC:-gcc}
RUNS=${BENCH_RUNS:-1}
REQUESTS=${REQUESTS:-300}
TIME=/usr/bin/time
skip() { echo "engines: skipped: $*"; exit 0; }
command -v valgrind >/dev/null 2>&1 || skip "no valgrind"
command -v "$CYTHON" >/dev/null 2>&1 || skip "no $CYTHON"
rt=$($CC -print-file-name=libasan.so 2>/dev/null)
[ -e "$rt" ] || skip "no libasan for $CC"
"$PY" -c 'import fastapi, httpx' 2>/dev/null || skip "no fastapi/httpx for $PY"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/bench_engines.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
suffix=$("$PY" -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))')
inc=$("$PY" -c 'import sysconfig; print("-I" + sysconfig.get_paths()["include"])')
for e in valgrind asan; do
	mkdir -p "$WORK/$e"
	cp -R tests/fixtures/seed/. "$WORK/$e/"
	rm -f "$WORK/$e"/api/*.so
	flags=
	[ "$e" = asan ] && flags="-fsanitize=address -fno-omit-frame-pointer"
	# shellcheck disable=SC2086
	(cd "$WORK/$e" && "$CYTHON" -3 api/native.pyx >/dev/null &&
	 $CC -g -O0 $flags -fPIC -shared $inc -o "api/native$suffix" api/native.c) ||
		{ echo "engines: building the seed ($e) failed"; exit 2; }
done

# run_one ENGINE N: one timed run; its JSON in $WORK/ENGINE.N.json.
run_one() {
	opt=
	[ "$1" = asan ] && opt="--engine asan"
	# shellcheck disable=SC2086
	(cd "$WORK/$1" && REQUESTS=$REQUESTS NUMBER=4 "$TIME" -f "%e %U %S" -o "$WORK/$1.$2.time" \
		"$VGTRIAGE" run $opt -q -f json -o "$WORK/$1.$2.json" --source-root . -- "$PY" drive.py \
		>/dev/null 2>&1)
	tail -n 1 "$WORK/$1.$2.time" | awk '{ printf "%.2f %.2f\n", $1, $2 + $3 }'
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

for e in valgrind asan; do
	: >"$WORK/$e.wall"
	: >"$WORK/$e.cpu"
	i=1
	while [ "$i" -le "$RUNS" ]; do
		set -- $(run_one "$e" "$i")
		echo "$1" >>"$WORK/$e.wall"
		echo "$2" >>"$WORK/$e.cpu"
		i=$((i + 1))
	done
done
answer() {
	"$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
s = d["sites"][0] if d["sites"] else None
print("%s:%s %s bytes in %s blocks" % (s["location"]["file"], s["location"]["line"], s["bytes"], s["blocks"]) if s else "nothing")
' "$1"
}
a_vg=$(answer "$WORK/valgrind.1.json")
a_as=$(answer "$WORK/asan.1.json")
w_vg=$(median <"$WORK/valgrind.wall"); c_vg=$(median <"$WORK/valgrind.cpu")
w_as=$(median <"$WORK/asan.wall"); c_as=$(median <"$WORK/asan.cpu")
echo "seed service, $REQUESTS requests, time to answer (median of $RUNS):"
echo "  vgtriage run (valgrind)      ${w_vg} s wall, ${c_vg} s CPU: $a_vg"
echo "  vgtriage run --engine asan   ${w_as} s wall, ${c_as} s CPU: $a_as"
awk -v a="$c_vg" -v b="$c_as" -v x="$w_vg" -v y="$w_as" \
	'BEGIN { if (b > 0 && y > 0) printf "  asan is %.1fx faster in CPU, %.1fx in wall time\n", a / b, x / y }'
if [ "$a_vg" != "$a_as" ]; then
	echo "engines: the two engines DISAGREE"
	exit 1
fi
echo "engines: same answer"
