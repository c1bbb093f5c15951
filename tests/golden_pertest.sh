#!/bin/sh
# golden_pertest.sh — which test leaked (issue 12): per-test reports of the
# real runs in testdata/ (made by tests/fixtures/pertest/make.sh), and live
# runs of `vgtriage run --per-test` on the fixture's pytest suite, on
# CPython 3.12 without the plugin, and on the project's own Check suite.
# (testdata/pertest*.xml's text and JSON goldens are golden.sh's.)
#
# Environment: VGTRIAGE, PYTHON, VGT_CMD (as golden.sh gives them), PY312
# (default: pyenv's 3.12.1), BUILD (default: VGTRIAGE's directory),
# PERTEST_LIVE=0 skips the live runs (about two minutes of valgrind).
# Prints one PASS/FAIL/SKIP line per check, then "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
VGTRIAGE=${VGTRIAGE:-build/vgtriage}
PYTHON=${PYTHON:-/usr/bin/python3}
VGT_CMD=${VGT_CMD:-$VGTRIAGE}
BUILD=${BUILD:-$(dirname "$VGTRIAGE")}
ROOT=$(pwd)
SUITE=pertest
# shellcheck source=tests/goldenlib.sh
. tests/goldenlib.sh
TMP=$(mktemp -d "${TMPDIR:-/tmp}/golden_pertest.XXXXXX")
trap 'rm -rf "$TMP"' EXIT INT TERM

# vgt ARG...: the tool (under valgrind with make leakcheck); status kept.
vgt() {
	# shellcheck disable=SC2086  # VGT_CMD is a command line
	$VGT_CMD "$@"
}

# checked NAME COMMAND...: PASS when the checker prints nothing and exits 0.
checked() {
	name=$1
	shift
	if "$@" >"$TMP/check.out" 2>&1; then
		pass "$name"
	else
		fail "$name"
		head -n 20 "$TMP/check.out"
	fi
}

SRC=$(cat testdata/pertest.args 2>/dev/null)
if [ ! -f testdata/pertest.xml ]; then
	fail "testdata/pertest.xml missing (sh tests/fixtures/pertest/make.sh)"
else
	# shellcheck disable=SC2086
	vgt -f json $SRC testdata/pertest.xml >"$TMP/pertest.json" 2>"$TMP/err"
	status=$?
	[ $status -eq 1 ] && pass "pertest.xml: exit 1 (three tests leak)" ||
		fail "pertest.xml: exit $status, want 1: $(head -c 300 "$TMP/err")"
	checked "pertest.xml: the tests valgrind's added checks name, with their bytes and blocks" \
		"$PYTHON" tests/pertest_check.py valgrind testdata/pertest.xml "$TMP/pertest.json"
	checked "pertest.xml: the fixture's leaking tests, exactly" \
		"$PYTHON" tests/pertest_check.py expect "$TMP/pertest.json"
	# shellcheck disable=SC2086
	vgt -f junit $SRC testdata/pertest.xml >"$TMP/pertest.junit" 2>/dev/null
	checked "pertest.xml: JUnit fails exactly the leaking tests" \
		"$PYTHON" tests/pertest_check.py junit "$TMP/pertest.junit" "$TMP/pertest.json"
	[ -z "${UPDATE:-}" ] || cp "$TMP/pertest.junit" testdata/pertest.out_junit
	if diff -u testdata/pertest.out_junit "$TMP/pertest.junit" >"$TMP/diff" 2>&1; then
		pass "golden junit testdata/pertest.xml"
	else
		fail "golden junit testdata/pertest.xml"
		head -n 40 "$TMP/diff"
	fi
	# Two per-test runs read at once (-j: apart, then merged): each test
	# keeps what it had alone, and -j 1 and -j 2 agree byte for byte.
	# shellcheck disable=SC2086
	vgt -f json $SRC testdata/pertest_c.xml >"$TMP/c.json" 2>/dev/null
	# shellcheck disable=SC2086
	vgt -j 1 -f json $SRC testdata/pertest.xml testdata/pertest_c.xml >"$TMP/j1.json" 2>/dev/null
	# shellcheck disable=SC2086
	vgt -j 2 -f json $SRC testdata/pertest.xml testdata/pertest_c.xml >"$TMP/j2.json" 2>/dev/null
	checked "two per-test inputs merged (-j 1 = -j 2), every test as when read alone" \
		sh -c "cmp -s '$TMP/j1.json' '$TMP/j2.json' && '$PYTHON' - '$TMP/pertest.json' '$TMP/c.json' '$TMP/j1.json' <<'PY'
import json, sys
def tests(path):
    return {t['name']: (t['definitely_lost'], t['errors'], t['fails'])
            for t in json.load(open(path))['tests']}
alone = {}
for path in sys.argv[1:3]:
    alone.update(tests(path))
merged = tests(sys.argv[3])
sys.exit(0 if merged == alone else 1)
PY"
	# --fail-on per test: the largest test leaks 2400 bytes, the site as much
	# shellcheck disable=SC2086
	vgt -q --fail-on 'definite>2399' $SRC testdata/pertest.xml >/dev/null 2>&1
	s1=$?
	# shellcheck disable=SC2086
	vgt -q --fail-on 'definite>2400' $SRC testdata/pertest.xml >/dev/null 2>&1
	s2=$?
	[ $s1 -eq 1 ] && [ $s2 -eq 0 ] && pass "--fail-on thresholds per test (2399: 1, 2400: 0)" ||
		fail "--fail-on thresholds per test: exit $s1 and $s2, want 1 and 0"
	# shellcheck disable=SC2086
	vgt --color never $SRC testdata/pertest.xml >"$TMP/pertest.txt" 2>/dev/null
	if grep -q '^TESTS  3 of 6 tests leaked in your code' "$TMP/pertest.txt" &&
	   grep -q 'tests: test_pertest.py::test_fixture_teardown  200 bytes in 1 block (teardown)' \
		"$TMP/pertest.txt"; then
		pass "text: the per-test table, and each site's tests"
	else
		fail "text: the per-test table, and each site's tests"
	fi
fi

# The text log of the same suite gives the same tests.
if [ -f testdata/pertest_text.log ]; then
	# shellcheck disable=SC2086
	vgt -f json $SRC testdata/pertest_text.log >"$TMP/log.json" 2>/dev/null
	checked "pertest_text.log (text): the fixture's leaking tests, exactly" \
		"$PYTHON" tests/pertest_check.py expect "$TMP/log.json"
fi

# Stopped in the middle: the tests that finished keep their leaks.
for case in crash interrupt kill; do
	input=testdata/pertest_$case.xml
	[ -f "$input" ] || { fail "$input missing"; continue; }
	# shellcheck disable=SC2086
	vgt -f json $SRC "$input" >"$TMP/$case.json" 2>/dev/null
	checked "pertest_$case.xml: finished tests keep their leaks" \
		"$PYTHON" tests/pertest_check.py expect "$TMP/$case.json" stopped
done

# The kill came before valgrind's final check: the report says so.
if [ -f "$TMP/kill.json" ] && "$PYTHON" -c 'import json, sys
d = json.load(open(sys.argv[1]))
assert d["complete"] is False
assert any("final leak check never came" in n for n in d["notes"]), d["notes"]' "$TMP/kill.json"; then
	pass "pertest_kill.xml: incomplete, and the note says the final check never came"
else
	fail "pertest_kill.xml: incomplete, and the note says the final check never came"
fi

# CPython 3.12, no plugin: the stacks name the tests.
if [ -f testdata/pertest312.xml ] && [ -f testdata/pertest312.args ]; then
	# shellcheck disable=SC2046
	vgt -f json $(cat testdata/pertest312.args) testdata/pertest312.xml >"$TMP/312.json" 2>/dev/null
	checked "pertest312.xml: Python frames name the tests" \
		"$PYTHON" tests/pertest_check.py stacks "$TMP/312.json"
else
	skip "pertest312.xml: no CPython 3.12 when testdata was made"
fi

# ---- live runs --------------------------------------------------------------
if [ "${PERTEST_LIVE:-1}" = 0 ]; then
	skip "live runs (PERTEST_LIVE=0)"
elif ! command -v valgrind >/dev/null 2>&1 || ! command -v cython3 >/dev/null 2>&1 ||
     ! "$PYTHON" -c 'import pytest' 2>/dev/null; then
	skip "live runs: valgrind, cython3 or $PYTHON's pytest missing"
else
	# build_suite PYTHON DIR [CFLAGS]: the fixture's suite and extensions.
	build_suite() {
		py=$1 dir=$2
		shift 2
		mkdir -p "$dir"
		cp tests/fixtures/pertest/*.py tests/fixtures/pertest/cyleak.pyx \
		   tests/fixtures/pertest/cleak.c "$dir/"
		inc=$("$py" -c 'import sysconfig; print(sysconfig.get_paths()["include"])')
		suf=$("$py" -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))')
		(cd "$dir" && cython3 -3 cyleak.pyx &&
		 cc -g -O0 -fPIC -shared -I"$inc" "$@" -o "cyleak$suf" cyleak.c &&
		 cc -g -O0 -fPIC -shared -I"$inc" "$@" -o "cleak$suf" cleak.c) >"$TMP/build.out" 2>&1
	}
	# the runs are in temp dirs: VGT_CMD ends with the binary, made absolute
	case $VGTRIAGE in /*) abs=$VGTRIAGE ;; *) abs="$ROOT/$VGTRIAGE" ;; esac
	cmd="$(printf '%s' "$VGT_CMD" | sed 's|[^ ]*$||')$abs"
	case $BUILD in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
	if build_suite "$PYTHON" "$TMP/suite"; then
		# shellcheck disable=SC2086
		(cd "$TMP/suite" && TMPDIR="$TMP" $cmd run --per-test -q -f json -o live.json -- \
			"$PYTHON" -m pytest -q -p no:cacheprovider >live.out 2>&1)
		status=$?
		[ $status -eq 1 ] && pass "live run --per-test -- python3 -m pytest -q: exit 1" ||
			fail "live run --per-test: exit $status, want 1: $(tail -c 300 "$TMP/suite/live.out")"
		checked "live run --per-test: the fixture's leaking tests, exactly" \
			"$PYTHON" tests/pertest_check.py expect "$TMP/suite/live.json"
	else
		fail "live: cannot build the suite: $(tail -c 300 "$TMP/build.out")"
	fi
	PY312=${PY312:-/root/.pyenv/versions/3.12.1/bin/python3.12}
	if [ ! -x "$PY312" ]; then
		skip "live CPython 3.12: $PY312 not found"
	elif ! build_suite "$PY312" "$TMP/suite312" -DCYTHON_USE_PYLONG_INTERNALS=0; then
		fail "live CPython 3.12: cannot build the suite: $(tail -c 300 "$TMP/build.out")"
	else
		# no pytest for this interpreter here: run_tests.py drives the tests
		# shellcheck disable=SC2086
		(cd "$TMP/suite312" && TMPDIR="$TMP" $cmd run -q -f json -o live.json -- \
			"$PY312" run_tests.py >live.out 2>&1)
		checked "live CPython 3.12 (run_tests.py, no plugin): Python frames name the tests" \
			"$PYTHON" tests/pertest_check.py stacks "$TMP/suite312/live.json"
	fi
	# The project's own Check suite, one suite of it, marked by check_main.c.
	if [ -x "$BUILD/check_vgtriage" ] && grep -q __asan_init "$BUILD/check_vgtriage"; then
		skip "live Check suite: $BUILD/check_vgtriage is built with ASan (valgrind cannot run it)"
	elif [ -x "$BUILD/check_vgtriage" ]; then
		# shellcheck disable=SC2086
		CK_FORK=no CK_RUN_SUITE=policy TMPDIR="$TMP" $cmd run --per-test -q -f json \
			-o "$TMP/check.json" -- "$BUILD/check_vgtriage" >"$TMP/check.out" 2>&1
		status=$?
		checks=$(sed -n 's/.*Checks: \([0-9]*\),.*/\1/p' "$TMP/check.out")
		if [ $status -eq 0 ] && "$PYTHON" -c 'import json, sys
d = json.load(open(sys.argv[1]))
tests = [t for t in d["tests"] if not t.get("session")]
assert len(tests) == int(sys.argv[2]), (len(tests), sys.argv[2])
assert all(t["name"].startswith("tests/check_policy.c::test_") for t in tests), tests
assert not any(t["fails"] or t.get("unfinished") for t in d["tests"])' "$TMP/check.json" "$checks"
		then
			pass "live Check suite (CK_FORK=no): its $checks tests, none leaking"
		else
			fail "live Check suite: exit $status: $(tail -c 300 "$TMP/check.out")"
		fi
	else
		skip "live Check suite: $BUILD/check_vgtriage not built"
	fi
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
