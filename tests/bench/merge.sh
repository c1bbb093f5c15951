#!/bin/sh
# merge.sh DIR XML... — `make bench`'s merge (issue 22), also run alone:
# each XML read into its own JSON report with merge data (what a CI job
# writes: -f json --merge-data), then `vgtriage merge` of those parts
# against reading the XMLs themselves (both at -j 1 and the default -j): median
# wall seconds of BENCH_RUNS runs (3), peak RSS (GNU time -v), the parts'
# size against the XMLs', and whether the merged report is the same as
# the report of the XMLs (JSON, byte for byte).  Exit 1 when it is not.
#   VGTRIAGE (build/vgtriage), BENCH_RUNS
set -u
DIR=$1
shift
VGTRIAGE=${VGTRIAGE:-build/vgtriage}
RUNS=${BENCH_RUNS:-3}
# shellcheck disable=SC2034  # measure.sh runs it
TIME=/usr/bin/time

# shellcheck source=tests/bench/measure.sh
. "$(dirname "$0")/measure.sh"
# measure CMD...: "median-wall peak-rss-KB" of RUNS runs
measure() {
	bench_measure "$DIR" "$RUNS" "$@"
}

parts=
xml_bytes=0
part_bytes=0
t_parts=0
k=0
for x in "$@"; do
	k=$((k + 1))
	p=$DIR/merge-part$k.json
	r=$(measure "$VGTRIAGE" -q -j 1 -f json --merge-data -o "$p" "$x")
	t_parts=$(awk "BEGIN { print $t_parts + ${r% *} }")
	parts="$parts $p"
	xml_bytes=$((xml_bytes + $(wc -c <"$x")))
	part_bytes=$((part_bytes + $(wc -c <"$p")))
done
# shellcheck disable=SC2086  # the parts' names have no blanks
m=$(measure "$VGTRIAGE" -q -f json -o "$DIR/merged.json" $parts)
# shellcheck disable=SC2086
m1=$(measure "$VGTRIAGE" -q -j 1 -f json -o "$DIR/merged1.json" $parts)
r1=$(measure "$VGTRIAGE" -q -j 1 -f json -o "$DIR/raw.json" "$@")
rj=$(measure "$VGTRIAGE" -q -f json -o "$DIR/raw.json" "$@")
mbs() { awk "BEGIN { printf \"%.1f\", $1 / 1048576 }"; }
echo
echo "merge: $k XMLs ($(mbs "$xml_bytes") MB) as $k JSON parts with merge data ($(mbs "$part_bytes") MB), median of $RUNS"
echo "  the $k jobs' -f json --merge-data (each -j 1): $t_parts s in all"
echo "  merge of the $k parts, -j 1: ${m1% *} s, $(awk "BEGIN { printf \"%.1f\", ${m1#* } / 1024 }") MB peak RSS"
echo "  merge of the $k parts:       ${m% *} s, $(awk "BEGIN { printf \"%.1f\", ${m#* } / 1024 }") MB peak RSS"
echo "  the $k XMLs, -j 1:           ${r1% *} s, $(awk "BEGIN { printf \"%.1f\", ${r1#* } / 1024 }") MB peak RSS"
echo "  the $k XMLs, default -j:     ${rj% *} s, $(awk "BEGIN { printf \"%.1f\", ${rj#* } / 1024 }") MB peak RSS"
echo "  merge / XMLs, both -j 1: $(awk "BEGIN { printf \"%.2f\", ${m1% *} / ${r1% *} }");" \
	"default -j: $(awk "BEGIN { printf \"%.2f\", ${m% *} / ${rj% *} }")"
if cmp -s "$DIR/merged.json" "$DIR/raw.json" && cmp -s "$DIR/merged1.json" "$DIR/raw.json"; then
	echo "  the merged report is that of the XMLs"
else
	echo "  the merged report DIFFERS from that of the XMLs"
	exit 1
fi
