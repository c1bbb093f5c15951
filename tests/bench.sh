#!/bin/sh
# bench.sh — `make bench`: vgtriage's XML throughput against libxml2 itself.
#
# Generates a large valgrind XML from the real records of testdata/*.xml
# (tests/bench/gen_xml.py: BENCH_MB megabytes, default 300, ~20k site
# variants), then times, on that same file:
#   vgtriage     $VGTRIAGE -f json FILE >/dev/null      (the whole tool)
#   reader       tests/bench/reader_only.c: the XML reader alone, null sink
#   xmllint      xmllint --stream --noout FILE
#   sax2         tests/bench/sax_baseline.c: libxml2's SAX2 push parser with
#                callbacks that do nothing (the floor)
# Each is run BENCH_RUNS times (default 3); the best wall time counts, with
# the peak RSS of that run.  Prints seconds, MB/s, peak RSS and the ratios
# against the targets: vgtriage <= 1.0x xmllint, <= 1.2x bare SAX2, peak
# RSS <= 64 MB.  Exit status 0 even when a target is missed (timings are
# not tests) unless BENCH_STRICT=1.
#
# Environment: VGTRIAGE (build/vgtriage), BENCH_MB, BENCH_RUNS, BENCH_SITES,
# BENCH_DIR (where the file goes; default build/bench, kept for reruns with
# the same BENCH_MB), CC, PYTHON (/usr/bin/python3).
set -u

cd "$(dirname "$0")/.."
VGTRIAGE=${VGTRIAGE:-build/vgtriage}
BENCH_MB=${BENCH_MB:-300}
BENCH_RUNS=${BENCH_RUNS:-3}
BENCH_SITES=${BENCH_SITES:-20000}
BENCH_DIR=${BENCH_DIR:-build/bench}
CC=${CC:-cc}
PYTHON=${PYTHON:-/usr/bin/python3}

die() {
	echo "bench.sh: $*" >&2
	exit 2
}

[ -x "$VGTRIAGE" ] || die "$VGTRIAGE is not built (make)"
[ -f build/libvgtriage.a ] || die "build/libvgtriage.a is not built (make)"
command -v xmllint >/dev/null 2>&1 || die "xmllint not found (apt-get install libxml2-utils)"
command -v pkg-config >/dev/null 2>&1 || die "pkg-config not found"
mkdir -p "$BENCH_DIR" || die "cannot create $BENCH_DIR"

XML_CFLAGS=$(pkg-config --cflags libxml-2.0) || die "libxml-2.0 not found by pkg-config"
XML_LIBS=$(pkg-config --libs libxml-2.0)
JANSSON_LIBS=$(pkg-config --libs jansson 2>/dev/null || echo -ljansson)
# shellcheck disable=SC2086
$CC -O2 -o "$BENCH_DIR/sax_baseline" tests/bench/sax_baseline.c $XML_CFLAGS $XML_LIBS ||
	die "cannot build tests/bench/sax_baseline.c"
# shellcheck disable=SC2086
$CC -O2 -std=c11 -Iinclude -o "$BENCH_DIR/reader_only" tests/bench/reader_only.c \
	build/libvgtriage.a $XML_CFLAGS $XML_LIBS $JANSSON_LIBS -lm ||
	die "cannot build tests/bench/reader_only.c"

XML=$BENCH_DIR/bench-${BENCH_MB}mb-${BENCH_SITES}.xml
if [ ! -s "$XML" ] || [ tests/bench/gen_xml.py -nt "$XML" ]; then
	"$PYTHON" tests/bench/gen_xml.py "$XML.tmp" "$BENCH_MB" "$BENCH_SITES" &&
		mv "$XML.tmp" "$XML" || die "cannot generate $XML"
fi
BYTES=$(wc -c <"$XML")

# measure NAME CMD...: best wall seconds and that run's peak RSS (KB) of
# BENCH_RUNS runs, into $TIME_NAME / $RSS_NAME.  /usr/bin/time when there
# is one, else a python3 wrapper around getrusage.
measure() {
	name=$1
	shift
	best=
	best_rss=
	i=0
	while [ "$i" -lt "$BENCH_RUNS" ]; do
		i=$((i + 1))
		if [ -x /usr/bin/time ]; then
			/usr/bin/time -f '%e %M' -o "$BENCH_DIR/time.out" "$@" >/dev/null 2>"$BENCH_DIR/cmd.err"
		else
			"$PYTHON" -c '
import resource, subprocess, sys, time
t = time.monotonic()
with open(sys.argv[1], "w") as err:
    subprocess.call(sys.argv[2:], stdout=subprocess.DEVNULL, stderr=err)
wall = time.monotonic() - t
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print("%.2f %d" % (wall, rss))
' "$BENCH_DIR/cmd.err" "$@" >"$BENCH_DIR/time.out"
		fi
		# the last line: /usr/bin/time may add "Command exited with non-zero status N" before it
		line=$(tail -n 1 "$BENCH_DIR/time.out")
		wall=${line% *}
		rss=${line#* }
		if [ -z "$best" ] || awk "BEGIN { exit !($wall < $best) }"; then
			best=$wall
			best_rss=$rss
		fi
	done
	eval "TIME_$name=\$best RSS_$name=\$best_rss"
}

echo "bench: $XML, $(awk "BEGIN { printf \"%.0f\", $BYTES / 1048576 }") MB, best of $BENCH_RUNS runs"
measure vgtriage "$VGTRIAGE" -f json "$XML"
measure reader "$BENCH_DIR/reader_only" "$XML"
measure xmllint xmllint --stream --noout "$XML"
measure sax2 "$BENCH_DIR/sax_baseline" "$XML"

row() {
	awk -v name="$1" -v t="$2" -v rss="$3" -v bytes="$BYTES" 'BEGIN {
		mbs = t > 0 ? bytes / 1048576 / t : 0
		printf "  %-40s %7.2f s %8.1f MB/s %8.1f MB peak RSS\n", name, t, mbs, rss / 1024 }'
}
# shellcheck disable=SC2154  # set by measure through eval
{
	row "vgtriage -f json" "$TIME_vgtriage" "$RSS_vgtriage"
	row "xml_reader alone (tests/bench/reader_only)" "$TIME_reader" "$RSS_reader"
	row "xmllint --stream --noout" "$TIME_xmllint" "$RSS_xmllint"
	row "bare SAX2 push parse (sax_baseline)" "$TIME_sax2" "$RSS_sax2"
}

missed=0
# target NAME VALUE LIMIT: one line; counts misses
target() {
	if awk "BEGIN { exit !($2 <= $3) }"; then verdict=ok; else verdict=MISSED; missed=$((missed + 1)); fi
	printf '  %-46s %6.2f  (target <= %s) %s\n' "$1" "$2" "$3" "$verdict"
}
ratio() { awk "BEGIN { printf \"%.2f\", $1 / $2 }"; }
echo "ratios:"
target "vgtriage / xmllint --stream" "$(ratio "$TIME_vgtriage" "$TIME_xmllint")" 1.0
target "vgtriage / bare SAX2" "$(ratio "$TIME_vgtriage" "$TIME_sax2")" 1.2
target "xml_reader alone / bare SAX2" "$(ratio "$TIME_reader" "$TIME_sax2")" 1.2
target "vgtriage peak RSS (MB)" "$(awk "BEGIN { printf \"%.1f\", $RSS_vgtriage / 1024 }")" 64
if [ "$missed" -gt 0 ] && [ "${BENCH_STRICT:-0}" = 1 ]; then
	exit 1
fi
exit 0
