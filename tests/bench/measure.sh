# measure.sh — sourced by tests/bench.sh and tests/bench/merge.sh: the one
# way the benches time a command.
#
# bench_measure DIR RUNS CMD...: prints "MEDIAN-WALL-SECONDS PEAK-RSS-KB",
# the median wall time of RUNS runs of CMD (its output dropped) and that
# run's peak RSS, as GNU time -v ($TIME, default /usr/bin/time) reports
# them; its files in DIR (runs, time.out, and cmd.err: the last run's
# stderr).
bench_measure() {
	bm_dir=$1
	bm_runs=$2
	shift 2
	: >"$bm_dir/runs"
	bm_i=0
	while [ "$bm_i" -lt "$bm_runs" ]; do
		bm_i=$((bm_i + 1))
		"${TIME:-/usr/bin/time}" -v -o "$bm_dir/time.out" "$@" >/dev/null 2>"$bm_dir/cmd.err"
		awk '/Elapsed \(wall clock\)/ { n = split($NF, p, ":"); s = 0;
			for (k = 1; k <= n; k++) s = s * 60 + p[k]; wall = s }
		     /Maximum resident set size/ { rss = $NF }
		     END { printf "%.3f %d\n", wall, rss }' "$bm_dir/time.out" >>"$bm_dir/runs"
	done
	sort -n "$bm_dir/runs" | awk -v n="$bm_runs" 'NR == int((n + 1) / 2)'
}
