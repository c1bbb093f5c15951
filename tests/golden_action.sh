#!/bin/sh
# golden_action.sh — the GitHub Action's script (ci/action.sh, which
# action.yml runs) in a simulated GitHub environment: GITHUB_WORKSPACE,
# GITHUB_STEP_SUMMARY and GITHUB_OUTPUT in a scratch directory, on real
# valgrind runs of tests/fixtures/ci/leaks.c (built there: its known leaks,
# and with -DEXTRA_LEAK one more).
#
# Checks, one PASS/FAIL line each, then "N passed, N failed":
#   gate        the leaking run exits 1; the outputs name it and the reports
#   annotate    one ::error workflow command per leak site, at leaks.c's line
#   summary     the step summary holds the Markdown report and the verdict
#   reports     SARIF valid for GitHub code scanning (tests/validate_sarif.py),
#               JUnit well-formed, Code Quality JSON
#   baseline    fail-on new with a baseline of the known leaks: only the extra
#               leak is annotated new, exit 1; the known program passes
#   suppress    the suppressions input reaches the gate
#   bad         an empty command: exit 2 and an ::error line
# Environment: VGTRIAGE (default build/vgtriage), PYTHON.
set -u
cd "$(dirname "$0")/.."
ROOT=$(pwd)
SUITE=action
PYTHON=${PYTHON:-/usr/bin/python3}
VGTRIAGE=${VGTRIAGE:-build/vgtriage}
case $VGTRIAGE in /*) ;; *) VGTRIAGE=$ROOT/$VGTRIAGE ;; esac
WORK=$(mktemp -d "${TMPDIR:-/tmp}/golden_action.XXXXXX")
[ -n "${KEEP:-}" ] || trap 'rm -rf "$WORK"' EXIT INT TERM
. tests/goldenlib.sh

if ! command -v valgrind >/dev/null 2>&1 || ! command -v bash >/dev/null 2>&1; then
	skip "valgrind or bash missing"
	echo "$passed passed, $failed failed"
	exit 0
fi

WS=$WORK/ws
mkdir -p "$WS"
cp tests/fixtures/ci/leaks.c tests/fixtures/ci/leaks.supp "$WS/"
(cd "$WS" && cc -g -O0 -o leaks leaks.c && cc -g -O0 -DEXTRA_LEAK -o leaks_more leaks.c) ||
	fail "cannot build tests/fixtures/ci/leaks.c"

# act NAME [VAR=VALUE...]: ci/action.sh in a fresh simulated environment;
# $WORK/NAME.{log,summary,output}, status in $WORK/NAME.status.
act() {
	name=$1
	shift
	: >"$WORK/$name.summary"
	: >"$WORK/$name.output"
	(cd "$WS" && env GITHUB_ACTIONS=true GITHUB_WORKSPACE="$WS" \
		GITHUB_STEP_SUMMARY="$WORK/$name.summary" GITHUB_OUTPUT="$WORK/$name.output" \
		RUNNER_TEMP="$WORK" VGTRIAGE="$VGTRIAGE" INPUT_OUTPUT_DIR="out-$name" "$@" \
		bash "$ROOT/ci/action.sh" >"$WORK/$name.log" 2>"$WORK/$name.err")
	echo $? >"$WORK/$name.status"
}
status_of() { cat "$WORK/$1.status"; }
output_of() { sed -n "s/^$2=//p" "$WORK/$1.output" | tail -n 1; }

# ---- the leaking run, default gate --------------------------------------------
act leaks INPUT_COMMAND=./leaks INPUT_FORMATS=sarif,junit,markdown,codequality
check "gate: exit 1 on the definite leaks (got $(status_of leaks))" [ "$(status_of leaks)" = 1 ]
check "outputs: exit-code=1" [ "$(output_of leaks exit-code)" = 1 ]
sarif=$(output_of leaks sarif)
check "outputs: sarif names the SARIF file ($sarif)" [ -s "$sarif" ]
check "outputs: junit, markdown and codequality files exist" \
	test -s "$(output_of leaks junit)" -a -s "$(output_of leaks markdown)" \
	-a -s "$(output_of leaks codequality)"
check "annotate: two ::error lines, at leaks.c:17 and leaks.c:32" sh -c "
	[ \$(grep -c '^::error file=' '$WORK/leaks.log') -eq 2 ] &&
	grep -q '^::error file=leaks.c,line=17,' '$WORK/leaks.log' &&
	grep -q '^::error file=leaks.c,line=32,' '$WORK/leaks.log'"
check "annotate: valgrind's bytes in the message (300 bytes in 3 blocks)" \
	grep -q '^::error file=leaks.c,line=17,.*300 bytes in 3 blocks' "$WORK/leaks.log"
check "summary: the Markdown report (both sites) and the verdict" sh -c "
	grep -q '^## vgtriage' '$WORK/leaks.summary' &&
	grep -q 'leaks.c:17 | make' '$WORK/leaks.summary' &&
	grep -q 'leaks.c:32 | lose' '$WORK/leaks.summary' &&
	grep -q 'failed.*exit 1' '$WORK/leaks.summary'"
check_out "reports: SARIF valid for GitHub code scanning" "$PYTHON" tests/validate_sarif.py "$sarif"
check_out "reports: JUnit well-formed with a failure" sh -c "
	xmllint --noout '$(output_of leaks junit)' && grep -q '<failure' '$(output_of leaks junit)'"
check "reports: Code Quality JSON with the two sites" jcheck "$(output_of leaks codequality)" \
	'len(d) == 2 and {i["location"]["lines"]["begin"] for i in d} == {17, 32}'

# ---- baseline: only the new leak fails -------------------------------------------
(cd "$WS" && "$VGTRIAGE" -q --fail-on none --write-baseline vgtriage.baseline \
	out-leaks/valgrind.xml >/dev/null 2>&1) ||
	fail "baseline: cannot write one from the kept XML"
act more INPUT_COMMAND=./leaks_more INPUT_FAIL_ON=new INPUT_BASELINE=vgtriage.baseline
check "baseline: the extra leak fails the new-only gate (got $(status_of more))" [ "$(status_of more)" = 1 ]
check "baseline: the annotation is at the extra leak (leaks.c:55)" sh -c "
	grep -q '^::error file=leaks.c,line=55,' '$WORK/more.log' &&
	! grep -q '^::error file=leaks.c,line=17,' '$WORK/more.log'"
act known INPUT_COMMAND=./leaks INPUT_FAIL_ON=new INPUT_BASELINE=vgtriage.baseline
check "baseline: the known leaks pass the new-only gate (got $(status_of known))" [ "$(status_of known)" = 0 ]
check "summary: says passed" grep -q 'passed' "$WORK/known.summary"

# ---- suppressions ------------------------------------------------------------------
act supp INPUT_COMMAND=./leaks INPUT_FAIL_ON=definite INPUT_SUPPRESSIONS=leaks.supp
check "suppress: leaks.supp hides the definite leaks, exit 0 (got $(status_of supp))" \
	[ "$(status_of supp)" = 0 ]
act nosupp INPUT_COMMAND=./leaks INPUT_FAIL_ON=definite
check "suppress: without it, exit 1 (got $(status_of nosupp))" [ "$(status_of nosupp)" = 1 ]

# ---- bad input ---------------------------------------------------------------------
act empty INPUT_COMMAND=
check "bad: an empty command exits 2 with an ::error line" sh -c "
	[ '$(status_of empty)' = 2 ] && grep -q '^::error ' '$WORK/empty.log'"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
