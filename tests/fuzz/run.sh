#!/bin/sh
# tests/fuzz/run.sh HARNESS... — runs each libFuzzer harness of
# $FUZZ_BUILD/fuzz/ (made by `make fuzz`) for $FUZZ_SECONDS seconds, one
# after the other, under nice, with its seed corpus from testdata/ and the
# dictionary tests/fuzz/valgrind.dict.  Prints one line per harness:
#   PASS fuzz xml_reader: 60 s, 812345 execs, cov 3120, ft 9876, corpus 412
# or FAIL with the crashing input left in $FUZZ_BUILD/artifacts/<harness>/
# (minimise it with `fuzz_<h> -minimize_crash=1 -runs=10000 FILE` and keep
# it under testdata/fuzz/<h>/ so that `make check` replays it).
# Ends with "N passed, M failed"; exit 1 if any failed.
#   FUZZ_SECONDS (60)  FUZZ_BUILD (build-fuzz)  FUZZ_NICE (15)
#   FUZZ_JOBS: harnesses run at once (1)  FUZZ_RSS_MB (2048)
#   FUZZ_MAX_LEN: longest input (32768); a longer seed also gives windows
#   of half that size (whole lines, at most 32 per file), so that what
#   lies deep in a big log or generated file is in the corpus too.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 2
B=${FUZZ_BUILD:-build-fuzz}
SECONDS_EACH=${FUZZ_SECONDS:-60}
NICE=${FUZZ_NICE:-15}
JOBS=${FUZZ_JOBS:-1}
RSS=${FUZZ_RSS_MB:-2048}
MAXLEN=${FUZZ_MAX_LEN:-32768}
DICT=tests/fuzz/valgrind.dict

# seeds HARNESS: the files that start its corpus (real valgrind output and
# the project's own inputs), plus its kept regression inputs.
seeds() {
	case $1 in
	xml_reader) ls testdata/*.xml testdata/proto6/*.exp testdata/bad/*.xml testdata/perf/*.xml ;;
	xml_fast) find testdata -maxdepth 1 -name "*.xml" -size -40k ;; # and testdata/fuzz/xml_fast/ (every way out of the fast path)
	text_reader) ls testdata/*.log testdata/run/*.txt ;;
	lsan_reader) ls testdata/lsan/*.log ;;
	split) ls testdata/*.xml testdata/*.log testdata/bad/*.xml ;;
	cymap) find testdata/cython -name '*.c' -o -name '*.cpp' ;;
	suppress) find tests/fixtures -name '*.supp' ;;
	baseline) ls tests/fuzz/seeds/baseline/* ;;
	perfmap) ls testdata/perf/*.map ;;
	diff_json) ls testdata/*.out_json ;;
	cli) ls tests/fuzz/seeds/cli/* ;;
	elfsym) ls testdata/cxxsym/*/shapes ;;
	demangle) ;; # its seeds are testdata/fuzz/demangle/ (names of testdata/cxxsym*)
	json_reader) ;; # its seeds are testdata/fuzz/json_reader/ (merge parts of testdata/)
	cparse) ;; # its seeds are testdata/fuzz/cparse/ (the helper's output for shapes26.cpp)
	ccdb) ;; # its seeds are testdata/fuzz/ccdb/ (a CMake-style compile_commands.json)
	esac 2>/dev/null
	[ -d "testdata/fuzz/$1" ] && find "testdata/fuzz/$1" -type f
}

run_one() {
	h=$1
	bin=$B/fuzz/fuzz_$h
	corpus=$B/corpus/$h
	art=$B/artifacts/$h
	log=$B/logs/$h.log
	mkdir -p "$corpus" "$art" "$B/logs"
	if [ ! -x "$bin" ]; then
		echo "FAIL fuzz $h: $bin not built"
		return 1
	fi
	seeddir=$B/seeds/$h
	rm -rf "$seeddir"
	mkdir -p "$seeddir"
	for f in $(seeds "$h"); do
		name=$(echo "$f" | tr / _)
		cp "$f" "$seeddir/$name"
		[ "$(wc -c <"$f")" -gt "$MAXLEN" ] || continue
		split -C $((MAXLEN / 2)) -a 4 "$f" "$seeddir/$name.win."
		n=$(ls "$seeddir" | grep -c "^$name\.win\.")
		step=$(( (n + 31) / 32 ))
		i=0
		for w in "$seeddir/$name".win.*; do
			[ $((i % step)) -eq 0 ] || rm -f "$w"
			i=$((i + 1))
		done
	done
	# Work in an empty directory: inputs name source files, and the
	# symbolizer looks for them relative to the working directory.
	work=$B/work/$h
	mkdir -p "$work"
	( cd "$work" && nice -n "$NICE" "$ROOT/$bin" -max_total_time="$SECONDS_EACH" \
		-dict="$ROOT/$DICT" -artifact_prefix="$ROOT/$art/" -timeout=10 \
		-rss_limit_mb="$RSS" -max_len="$MAXLEN" -print_final_stats=1 \
		"$ROOT/$corpus" "$ROOT/$seeddir" ) >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	last=$(grep -E '^#[0-9]+' "$log" | grep ' cov: ' | tail -1)
	cov=$(echo "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
	ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
	n=$(ls "$corpus" | wc -l)
	summary="$h: $SECONDS_EACH s, ${execs:-?} execs, cov ${cov:-?}, ft ${ft:-?}, corpus $n"
	if [ $rc -eq 0 ]; then
		echo "PASS fuzz $summary"
		return 0
	fi
	crash=$(ls -t "$art" 2>/dev/null | head -1)
	echo "FAIL fuzz $summary: exit $rc, input $art/$crash (log $log)"
	grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error)' "$log" | head -3 | sed 's/^/    /'
	return 1
}

[ $# -gt 0 ] || set -- xml_reader text_reader cymap suppress baseline perfmap diff_json elfsym demangle \
	cparse
pass=0
fail=0
if [ "$JOBS" -le 1 ]; then
	for h in "$@"; do
		if run_one "$h"; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
	done
else
	# FUZZ_JOBS at once, results in order
	tmp=$B/logs/results
	mkdir -p "$tmp"
	set -- "$@"
	while [ $# -gt 0 ]; do
		pids=""
		batch=""
		i=0
		while [ $# -gt 0 ] && [ $i -lt "$JOBS" ]; do
			( run_one "$1" >"$tmp/$1" ) &
			pids="$pids $!"
			batch="$batch $1"
			shift
			i=$((i + 1))
		done
		wait $pids
		for h in $batch; do
			cat "$tmp/$h"
			if grep -q '^PASS' "$tmp/$h"; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
		done
	done
fi
echo "fuzz: $pass passed, $fail failed"
[ $fail -eq 0 ]
