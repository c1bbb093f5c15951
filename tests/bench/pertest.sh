#!/bin/sh
# pertest.sh — what `run --per-test` costs: a generated pytest suite of N
# tests (default 200) over the per-test fixture's extensions, run under
# valgrind three ways — no plugin, the plugin with a leak check after each
# test (--per-test), and after each phase (--per-test=phase) — printing the
# CPU seconds of each (user + sys: on a shared machine the elapsed time
# says more about the other jobs) and the cost per test.
#
#   sh tests/bench/pertest.sh [N [RUN-OPTION...]]   (from the repository root,
#                                                  after make)
# e.g. sh tests/bench/pertest.sh 50 --valgrind-arg=--show-leak-kinds=definite
set -eu
N=${1:-200}
[ $# -gt 0 ] && shift
ROOT=$(pwd)
PY=${PYTHON:-/usr/bin/python3}
VGTRIAGE=${VGTRIAGE:-$ROOT/build/vgtriage}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/bench_pertest.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
cp tests/fixtures/pertest/cyleak.pyx tests/fixtures/pertest/cleak.c "$WORK/"
inc=$("$PY" -c 'import sysconfig; print(sysconfig.get_paths()["include"])')
suf=$("$PY" -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))')
(cd "$WORK" && cython3 -3 cyleak.pyx >/dev/null &&
 cc -O1 -g -fPIC -shared -I"$inc" -o "cyleak$suf" cyleak.c &&
 cc -O1 -g -fPIC -shared -I"$inc" -o "cleak$suf" cleak.c)
# Each test does a little native and Python work; every 50th leaks 64 bytes.
"$PY" - "$N" >"$WORK/test_many.py" <<'PYEOF'
import sys
print("import cleak\nimport cyleak\n")
for i in range(int(sys.argv[1])):
    print("def test_%03d():" % i)
    print("    assert cyleak.alloc_and_free(%d) == %d" % (i + 1, i + 1))
    print("    d = {k: str(k) for k in range(20)}")
    print("    assert len(d) == 20")
    if i % 50 == 7:
        print("    cleak.leak_bytes(64)")
    print()
PYEOF
cpu() { # cpu LABEL VGTRIAGE-RUN-OPTION...: CPU seconds of the run
	label=$1
	shift
	(cd "$WORK" && /usr/bin/time -f "%U %S" -o "$WORK/$label.time" \
		"$VGTRIAGE" run -q "$@" -f json -o "$label.json" -- \
		"$PY" -m pytest -q -p no:cacheprovider >/dev/null 2>&1) || true
	# the last line: time writes "Command exited with non-zero status" first
	tail -n 1 "$WORK/$label.time" | awk '{ printf "%.1f", $1 + $2 }'
}
base=$(cpu base "$@")
test=$(cpu test --per-test "$@")
phase=$(cpu phase --per-test=phase "$@")
echo "tests: $N"
echo "no plugin:        $base s CPU"
echo "--per-test:       $test s CPU ($(echo "$test $base $N" | awk '{ printf "%.2f", ($1 - $2) / $3 }') s a test, 1 leak check)"
echo "--per-test=phase: $phase s CPU ($(echo "$phase $base $N" | awk '{ printf "%.2f", ($1 - $2) / $3 }') s a test, 3 leak checks)"
"$PY" -c 'import json, sys
d = json.load(open(sys.argv[1]))
leaky = sorted(t["name"] for t in d["tests"] if t["fails"])
print("failing tests:", leaky)' "$WORK/test.json"
