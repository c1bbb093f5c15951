#!/bin/sh
# bench.sh — `make bench`: vgtriage's speed and memory against libxml2 itself.
#
# Two inputs, generated from the real valgrind records of testdata/*.xml and
# kept in BENCH_DIR for reruns:
#   short  tests/bench/gen_xml.py: the records of every run, short stacks
#          (BENCH_MB megabytes, default 300; ~20k sites)
#   deep   tests/bench/gen_deep.py: shaped like a CPython service under
#          valgrind: 35-42-frame stacks mostly in python3.x, one to three
#          user frames, BENCH_SITES distinct sites (default 40,000), each
#          seen about twice (BENCH_MB megabytes)
# For each, on the same file, the median wall time of BENCH_RUNS runs
# (default 3) and that run's peak RSS (GNU time -v) of:
#   vgtriage text       $VGTRIAGE FILE >/dev/null          (the whole tool)
#   vgtriage json       $VGTRIAGE -f json -o OUT FILE      (JSON to a file)
#   reader alone        tests/bench/reader_only.c: the XML reader, null sink
#   xmllint --stream    xmllint --stream --noout FILE
#   bare SAX2           tests/bench/sax_baseline.c: libxml2's SAX2 push
#                       parser, callbacks that do nothing (the floor)
#   vgtriage -j 1       $VGTRIAGE -q -j 1 FILE             (one core; by default
#                       one large file is read in parts on every core)
# then the ratios against the targets (issues 10 and 22):
#   deep text <= 0.6x bare SAX2 with the default -j, <= 1.0x with -j 1;
#   deep json <= 0.8x; deep peak RSS <= 32 MB, and flat (within 10%) when
#   the deep input doubles with the same sites;
#   distinct frames (tests/bench/gen_distinct.py: the deep records with
#   every record's addresses shifted, as when many processes are merged):
#   text <= 0.8x bare SAX2, peak RSS <= 64 MB;
#   one file -j 2 against -j 1 (same report), and the text-log reader
#   (gen_distinct.py ... log: the deep records as a valgrind log) in MB/s
#   against the XML reader on the deep XML (at least as fast per MB);
#   8 inputs of about 40 MB: -j 2 at least 1.7x faster than -j 1 (on a
#   machine with 2 or more cores); and their 8 JSON reports with merge
#   data merged (tests/bench/merge.sh) against reading the 8 XMLs.
# First (BENCH_ENGINES=0 skips it), tests/bench/engines.sh: time to answer
# on the seed service, `vgtriage run` under valgrind against
# `vgtriage run --engine asan`, both naming the same .pyx line and bytes.
# Timings are not tests: exit 0 even when a target is missed, unless
# BENCH_STRICT=1.  BENCH_QUICK=1 skips the doubled input and the -j runs.
#
# Environment: VGTRIAGE (build/vgtriage), BENCH_MB, BENCH_RUNS, BENCH_SITES,
# BENCH_DIR (default build/bench), CC, PYTHON (/usr/bin/python3).
set -u

cd "$(dirname "$0")/.."
VGTRIAGE=${VGTRIAGE:-build/vgtriage}
BENCH_MB=${BENCH_MB:-300}
BENCH_RUNS=${BENCH_RUNS:-3}
BENCH_SITES=${BENCH_SITES:-40000}
CPUS=$(nproc 2>/dev/null || echo 2)
BENCH_DIR=${BENCH_DIR:-build/bench}
CC=${CC:-cc}
PYTHON=${PYTHON:-/usr/bin/python3}
TIME=/usr/bin/time

die() {
	echo "bench.sh: $*" >&2
	exit 2
}

[ -x "$VGTRIAGE" ] || die "$VGTRIAGE is not built (make)"
LIB=$(dirname "$VGTRIAGE")/libvgtriage.a
[ -f "$LIB" ] || die "$LIB is not built (make)"
command -v xmllint >/dev/null 2>&1 || die "xmllint not found (apt-get install libxml2-utils)"
command -v pkg-config >/dev/null 2>&1 || die "pkg-config not found"
"$TIME" -v true >/dev/null 2>&1 || die "GNU time not found at $TIME (apt-get install time)"
mkdir -p "$BENCH_DIR" || die "cannot create $BENCH_DIR"

XML_CFLAGS=$(pkg-config --cflags libxml-2.0) || die "libxml-2.0 not found by pkg-config"
XML_LIBS=$(pkg-config --libs libxml-2.0)
# what the library links with (Makefile's LDLIBS)
LIB_LIBS="$(pkg-config --libs jansson libdw 2>/dev/null) -liberty -lm -pthread"
# shellcheck disable=SC2086
$CC -O2 -o "$BENCH_DIR/sax_baseline" tests/bench/sax_baseline.c $XML_CFLAGS $XML_LIBS ||
	die "cannot build tests/bench/sax_baseline.c"
# shellcheck disable=SC2086
$CC -O2 -std=c11 -pthread -DVGT_VERSION="\"$(cat VERSION)\"" -Iinclude -Isrc -o "$BENCH_DIR/reader_only" tests/bench/reader_only.c \
	"$LIB" $XML_CFLAGS $XML_LIBS $LIB_LIBS ||
	die "cannot build tests/bench/reader_only.c"

# gen SCRIPT OUT MB SITES: generate OUT unless it is there and newer than SCRIPT.
gen() {
	if [ ! -s "$2" ] || [ "$1" -nt "$2" ]; then
		"$PYTHON" "$1" "$2.tmp" "$3" "$4" && mv "$2.tmp" "$2" || die "cannot generate $2"
	fi
}

# shellcheck source=tests/bench/measure.sh
. tests/bench/measure.sh
# measure NAME CMD...: median wall seconds of BENCH_RUNS runs and that
# run's peak RSS in KB, into $T_NAME / $M_NAME.
measure() {
	name=$1
	shift
	line=$(bench_measure "$BENCH_DIR" "$BENCH_RUNS" "$@")
	eval "T_$name=\${line% *} M_$name=\${line#* }"
}

ratio() { awk "BEGIN { printf \"%.2f\", $1 / $2 }"; }
mb() { awk "BEGIN { printf \"%.1f\", $1 / 1024 }"; }

# jobs_compare NAME LABEL FILE...: FILE... read at -j 1 and at -j 2 into
# JSON reports, measured into $T_NAME1/$M_NAME1 and $T_NAME2/$M_NAME2;
# a line of both after LABEL, and whether the two reports are identical
# (a miss when they differ).
jobs_compare() {
	jc_name=$1
	jc_label=$2
	shift 2
	measure "${jc_name}1" "$VGTRIAGE" -q -j 1 -f json -o "$BENCH_DIR/$jc_name-j1.json" "$@"
	measure "${jc_name}2" "$VGTRIAGE" -q -j 2 -f json -o "$BENCH_DIR/$jc_name-j2.json" "$@"
	eval "jc_t1=\$T_${jc_name}1 jc_m1=\$M_${jc_name}1 jc_t2=\$T_${jc_name}2 jc_m2=\$M_${jc_name}2"
	echo
	# shellcheck disable=SC2154  # set through eval
	echo "$jc_label -j 1 $jc_t1 s ($(mb "$jc_m1") MB), -j 2 $jc_t2 s ($(mb "$jc_m2") MB)"
	if cmp -s "$BENCH_DIR/$jc_name-j1.json" "$BENCH_DIR/$jc_name-j2.json"; then
		echo "  -j 1 and -j 2 reports are identical"
	else
		echo "  -j 1 and -j 2 reports DIFFER"
		missed=$((missed + 1))
	fi
}

missed=0

if [ "${BENCH_ENGINES:-1}" = 1 ]; then
	VGTRIAGE=$VGTRIAGE PYTHON=$PYTHON sh tests/bench/engines.sh || missed=$((missed + 1))
	echo
fi
# target LABEL VALUE OP LIMIT: one line; counts misses
target() {
	if awk "BEGIN { exit !($2 $3 $4) }"; then verdict=ok; else verdict=MISSED; missed=$((missed + 1)); fi
	printf '  %-52s %7s  (target %s %s) %s\n' "$1" "$2" "$3" "$4" "$verdict"
}

# bench_input LABEL FILE: the table for one input.
bench_input() {
	label=$1 file=$2
	bytes=$(wc -c <"$file")
	echo
	echo "$label: $file, $(awk "BEGIN { printf \"%.0f\", $bytes / 1048576 }") MB, median of $BENCH_RUNS"
	# the floor must parse the whole file: libxml2 stops at the first byte
	# that is not UTF-8, and a ratio against a parse that stopped early
	# says nothing
	"$BENCH_DIR/sax_baseline" "$file" 2>/dev/null ||
		die "$file: libxml2 stops before its end (not well-formed UTF-8?); remove it to generate it again"
	measure sax "$BENCH_DIR/sax_baseline" "$file"
	measure xmllint xmllint --stream --noout "$file"
	measure reader "$BENCH_DIR/reader_only" "$file"
	measure text "$VGTRIAGE" -q "$file"
	measure textj1 "$VGTRIAGE" -q -j 1 "$file"
	measure json "$VGTRIAGE" -q -f json -o "$BENCH_DIR/out.json" "$file"
	# shellcheck disable=SC2154  # set by measure through eval
	for row in "sax:bare SAX2 push parse (sax_baseline)" "xmllint:xmllint --stream --noout" \
		"reader:xml_reader alone (reader_only)" "text:vgtriage (text report)" \
		"textj1:vgtriage -j 1 (text report)" \
		"json:vgtriage -f json -o FILE"; do
		key=${row%%:*}
		eval "t=\$T_$key m=\$M_$key"
		printf '  %-42s %7.2f s %7.1f MB/s %5.2fx SAX2 %5.2fx xmllint %7.1f MB peak RSS\n' \
			"${row#*:}" "$t" "$(awk "BEGIN { print $bytes / 1048576 / $t }")" \
			"$(ratio "$t" "$T_sax")" "$(ratio "$t" "$T_xmllint")" "$(mb "$m")"
	done
}

gen tests/bench/gen_xml.py "$BENCH_DIR/short-${BENCH_MB}mb.xml" "$BENCH_MB" 20000
gen tests/bench/gen_deep.py "$BENCH_DIR/deep-${BENCH_MB}mb-$BENCH_SITES.xml" "$BENCH_MB" "$BENCH_SITES"

bench_input "short stacks" "$BENCH_DIR/short-${BENCH_MB}mb.xml"
echo "ratios (short):"
target "vgtriage text / bare SAX2" "$(ratio "$T_text" "$T_sax")" "<=" 1.2
target "vgtriage text / xmllint --stream" "$(ratio "$T_text" "$T_xmllint")" "<=" 1.0

bench_input "deep stacks (CPython service)" "$BENCH_DIR/deep-${BENCH_MB}mb-$BENCH_SITES.xml"
deep_rss=$M_text
deep_xml_t=$T_textj1
echo "ratios (deep):"
target "vgtriage text / bare SAX2 (default -j)" "$(ratio "$T_text" "$T_sax")" "<=" 0.6
target "vgtriage -j 1 text / bare SAX2" "$(ratio "$T_textj1" "$T_sax")" "<=" 1.0
target "vgtriage -f json -o FILE / bare SAX2" "$(ratio "$T_json" "$T_sax")" "<=" 0.8
target "vgtriage text peak RSS (MB)" "$(mb "$M_text")" "<=" 32
target "vgtriage json peak RSS (MB)" "$(mb "$M_json")" "<=" 32

# One file on two cores (issue 22): the same report as -j 1.
deep=$BENCH_DIR/deep-${BENCH_MB}mb-$BENCH_SITES.xml
jobs_compare onej "one deep file," "$deep"
echo "  speed-up -j 2 over -j 1 on one file: $(ratio "$T_onej1" "$T_onej2")x"

# Every frame distinct (issue 22): memory bounded by sites, not frames.
gen3() { # gen3 OUT ARGS...: gen_distinct.py, unless OUT is newer than it
	out=$1
	shift
	if [ ! -s "$out" ] || [ tests/bench/gen_distinct.py -nt "$out" ]; then
		"$PYTHON" tests/bench/gen_distinct.py "$out.tmp" "$@" && mv "$out.tmp" "$out" ||
			die "cannot generate $out"
	fi
}
gen3 "$BENCH_DIR/distinct-${BENCH_MB}mb.xml" "$BENCH_MB" "$BENCH_SITES"
bench_input "distinct frames (ips shifted per record)" "$BENCH_DIR/distinct-${BENCH_MB}mb.xml"
echo "ratios (distinct frames):"
target "vgtriage text / bare SAX2 (default -j)" "$(ratio "$T_text" "$T_sax")" "<=" 0.8
target "vgtriage text peak RSS (MB)" "$(mb "$M_text")" "<=" 64

# The text-log reader on the deep records written as valgrind's log.
log=$BENCH_DIR/deep-${BENCH_MB}mb.log
gen3 "$log" "$BENCH_MB" "$BENCH_SITES" log
log_bytes=$(wc -c <"$log")
deep_bytes=$(wc -c <"$deep")
measure log1 "$VGTRIAGE" -q -j 1 "$log"
measure log "$VGTRIAGE" -q "$log"
echo
echo "text log: $log, $(awk "BEGIN { printf \"%.0f\", $log_bytes / 1048576 }") MB, median of $BENCH_RUNS"
log_rate=$(awk "BEGIN { printf \"%.1f\", $log_bytes / 1048576 / $T_log1 }")
xml_rate=$(awk "BEGIN { printf \"%.1f\", $deep_bytes / 1048576 / $deep_xml_t }")
echo "  text log -j 1: $T_log1 s, $log_rate MB/s, $(mb "$M_log1") MB peak RSS"
echo "  text log (default -j): $T_log s, $(mb "$M_log") MB peak RSS"
echo "  deep XML -j 1: $xml_rate MB/s"
target "text log MB/s / XML MB/s (both -j 1)" "$(ratio "$log_rate" "$xml_rate")" ">=" 1.0

if [ "${BENCH_QUICK:-0}" != 1 ]; then
	# The same sites twice over: memory must not grow with the input.
	double=$BENCH_DIR/deep-double.xml
	if [ ! -s "$double" ] || [ "$BENCH_DIR/deep-${BENCH_MB}mb-$BENCH_SITES.xml" -nt "$double" ]; then
		"$PYTHON" tests/bench/gen_deep.py "$double.tmp" $((BENCH_MB * 2)) "$BENCH_SITES" &&
			mv "$double.tmp" "$double" || die "cannot generate $double"
	fi
	BENCH_RUNS_SAVED=$BENCH_RUNS
	BENCH_RUNS=1
	measure double "$VGTRIAGE" -q "$double"
	BENCH_RUNS=$BENCH_RUNS_SAVED
	echo
	echo "doubled deep input ($(awk "BEGIN { printf \"%.0f\", $(wc -c <"$double") / 1048576 }") MB, same sites): $(mb "$M_double") MB peak RSS"
	target "peak RSS doubled / single" "$(ratio "$M_double" "$deep_rss")" "<=" 1.10

	# Many inputs on many cores: 8 files of about 40 MB each.
	set --
	k=1
	while [ "$k" -le 8 ]; do
		part=$BENCH_DIR/part$k.xml
		gen tests/bench/gen_deep.py "$part" 40 5000
		set -- "$@" "$part"
		k=$((k + 1))
	done
	jobs_compare j "8 inputs of 40 MB ($(nproc) CPUs):" "$@"
	target "speed-up -j 2 over -j 1" "$(ratio "$T_j1" "$T_j2")" ">=" 1.7

	# Reports merged across machines: each input's JSON with merge data
	# (what each CI job writes), then `vgtriage merge` of the 8 parts
	# against reading the 8 XMLs; the reports must be identical.
	sh tests/bench/merge.sh "$BENCH_DIR" "$@" || missed=$((missed + 1))
fi

echo
if [ "$missed" -gt 0 ]; then
	echo "bench: $missed target(s) missed"
	[ "${BENCH_STRICT:-0}" = 1 ] && exit 1
else
	echo "bench: every target met"
fi
exit 0
