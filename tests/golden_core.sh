#!/bin/sh
# golden_core.sh — the command line over many real inputs at once (issue
# 10): -j gives the same report for any N, merged totals are the sums of
# the inputs', --compact is the same document on one line, the text report
# lists 20 sites unless -n says otherwise, and a progress line shows on a
# terminal only.  Run by tests/golden.sh (VGTRIAGE, PYTHON, VGT_CMD).
set -u

cd "$(dirname "$0")/.."
VGTRIAGE=${VGTRIAGE:-build/vgtriage}
PYTHON=${PYTHON:-/usr/bin/python3}
VGT_CMD=${VGT_CMD:-$VGTRIAGE}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/vgt-core.XXXXXX")
trap 'rm -rf "$TMP"' EXIT INT TERM
passed=0
failed=0

check() {
	label=$1
	shift
	if "$@" >/dev/null 2>&1; then
		passed=$((passed + 1))
		echo "PASS core: $label"
	else
		failed=$((failed + 1))
		echo "FAIL core: $label"
	fi
}

# shellcheck disable=SC2086  # VGT_CMD is a command line
vgt() { $VGT_CMD "$@"; }

# shellcheck disable=SC2046  # the .args files hold options
# Every real run of testdata/ at once: XML, text logs with several pids.
set -- testdata/*.xml testdata/*.log testdata/text/*.log
n_inputs=$#
for j in 1 2 3 8; do
	vgt -q -j "$j" -f json --all "$@" >"$TMP/j$j.json" 2>"$TMP/j$j.err"
	vgt -q -j "$j" --color never -n 0 --all "$@" >"$TMP/j$j.txt" 2>>"$TMP/j$j.err"
done
check "-j 1 reads all $n_inputs inputs" "$PYTHON" -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert len({i["path"] for i in d["inputs"]}) == int(sys.argv[2]), len(d["inputs"])
' "$TMP/j1.json" "$n_inputs"
for j in 2 3 8; do
	check "-j $j: JSON byte for byte that of -j 1" cmp "$TMP/j1.json" "$TMP/j$j.json"
	check "-j $j: text byte for byte that of -j 1" cmp "$TMP/j1.txt" "$TMP/j$j.txt"
done

# Merged totals are the inputs' own, added up (each input alone).
for f in "$@"; do
	vgt -q -j 1 -f json "$f" >"$TMP/one.$(echo "$f" | tr / _).json" 2>/dev/null
done
check "merged totals = the sum of each input's totals (unknown if one is)" "$PYTHON" -c '
import json, sys, glob
merged = json.load(open(sys.argv[1]))["totals"]
parts = [json.load(open(p))["totals"] for p in glob.glob(sys.argv[2] + "/one.*.json")]
assert len(parts) == int(sys.argv[3]), len(parts)
for k in ("definitely_lost", "indirectly_lost", "possibly_lost", "still_reachable"):
    for f in ("bytes", "blocks"):
        values = [p[k][f] for p in parts]
        want = None if None in values else sum(values)
        assert merged[k][f] == want, (k, f, merged[k][f], want)
        values = [p["from_records"][k][f] for p in parts]
        want = None if None in values else sum(values)
        assert merged["from_records"][k][f] == want, ("from_records", k, f)
for k in ("records", "suppressed_records", "leak_error_contexts"):
    assert merged[k] == sum(p[k] for p in parts), k
if all(p["error_summary"] == "valgrind" for p in parts):
    assert merged["error_count"] == sum(p["error_count"] for p in parts)
for kind in merged["errors"]:
    values = [p["errors"].get(kind, 0) for p in parts]
    want = None if None in values else sum(values)  # a text log without -s: unknown
    assert merged["errors"][kind] in (want, None), kind
    assert want is not None or merged["errors"][kind] is None, kind
' "$TMP/j1.json" "$TMP" "$n_inputs"

# --compact: one line, the same document.
vgt -q --compact -f json $(cat testdata/seed.args) testdata/seed.xml >"$TMP/compact.json"
check "--compact writes one line" [ "$(wc -l <"$TMP/compact.json")" -eq 1 ]
check "--compact is the pretty document" "$PYTHON" -c '
import json, sys
assert json.load(open(sys.argv[1])) == json.load(open(sys.argv[2]))
' "$TMP/compact.json" testdata/seed.out_json

# The text report: 20 sites unless -n; JSON keeps every site.
vgt -q --color never --all $(cat testdata/cython_shapes.args) testdata/cython_shapes.xml >"$TMP/top.txt"
vgt -q -f json --all $(cat testdata/cython_shapes.args) testdata/cython_shapes.xml >"$TMP/all.json"
shown=$("$PYTHON" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["sites"]))' "$TMP/all.json")
rows=$(grep -cE '^ +[0-9]+  ' "$TMP/top.txt")
check "text lists 20 of $shown sites" [ "$rows" -eq 20 ]
check "text says how many more ($((shown - 20)))" grep -q "… $((shown - 20)) more sites (-n 0 lists all)" "$TMP/top.txt"
vgt -q --color never --all -n 0 $(cat testdata/cython_shapes.args) testdata/cython_shapes.xml >"$TMP/n0.txt"
check "-n 0 lists all $shown" [ "$(grep -cE '^ +[0-9]+  ' "$TMP/n0.txt")" -eq "$shown" ]

# Progress: a self-erasing line on a terminal only (script(1) gives a pty).
# VGTRIAGE_TEST_PROGRESS_NOW=1 starts the cadence at the first chunk read
# (it is 1 s, then every 0.25 s otherwise), so that the check does not
# depend on how fast this machine reads the input: the 8 MB input is 32
# chunks, each of which draws the line.
if [ "${VGT_UNDER_VALGRIND:-0}" = 1 ]; then
	echo "SKIP core: progress line (under valgrind)"
elif ! command -v script >/dev/null 2>&1 || ! script -qec true /dev/null >/dev/null 2>&1; then
	echo "SKIP core: progress line (no script(1), or no pty to give it)"
else
	"$PYTHON" tests/bench/gen_deep.py "$TMP/big.xml" 8 20000 >/dev/null
	export VGTRIAGE_TEST_PROGRESS_NOW=1
	script -qec "$VGTRIAGE -o /dev/null $TMP/big.xml" /dev/null >"$TMP/tty.out" 2>&1
	check "progress line on a terminal (bytes of total, %, MB/s, records, sites)" \
		grep -qE 'reading [0-9.]+ of [0-9.]+ MB \([0-9]+%\), [0-9]+ MB/s, [0-9,]+ records, [0-9,]+ sites' "$TMP/tty.out"
	check "progress line erased at the end" sh -c "tail -c 20 '$TMP/tty.out' | grep -q \"\$(printf '\\r\\033\\[K')\""
	script -qec "$VGTRIAGE -q -o /dev/null $TMP/big.xml" /dev/null >"$TMP/tty-q.out" 2>&1
	check "-q: no progress line" [ ! -s "$TMP/tty-q.out" ]
	"$VGTRIAGE" -o /dev/null "$TMP/big.xml" 2>"$TMP/notty.err"
	check "no progress line when stderr is not a terminal" [ ! -s "$TMP/notty.err" ]
	unset VGTRIAGE_TEST_PROGRESS_NOW
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
