# goldenlib.sh — what the golden_*.sh scripts share, sourced after they set
# SUITE (the name on each PASS/FAIL/SKIP line), PYTHON, WORK (a scratch
# directory) and, for golden, FIX (the fixture directory whose make.sh
# writes the goldens).  Counts in passed and failed.
passed=0
failed=0

pass() { passed=$((passed + 1)); echo "PASS $SUITE: $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $SUITE: $1"; }
skip() { echo "SKIP $SUITE: $1"; }
check() { # check NAME CONDITION-COMMAND...
	_what=$1
	shift
	if "$@"; then pass "$_what"; else fail "$_what"; fi
}
# check_out NAME COMMAND...: like check, showing the command's output on failure
check_out() {
	_what=$1
	shift
	if "$@" >"$WORK/check.out" 2>&1; then pass "$_what"; else fail "$_what"; sed 's/^/    /' "$WORK/check.out"; fi
}
# jcheck FILE PYTHON-EXPRESSION (d = the JSON)
jcheck() {
	"$PYTHON" -c 'import json,sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if eval(sys.argv[2]) else 1)' "$1" "$2" 2>/dev/null
}
# golden OUTPUT GOLDEN LABEL: OUTPUT is GOLDEN (UPDATE=1: becomes it)
golden() {
	if [ "${UPDATE:-0}" = 1 ]; then
		cp "$1" "$2"
		pass "golden $3 (updated)"
	elif [ ! -f "$2" ]; then
		fail "golden $3: no $2 (sh $FIX/make.sh, or UPDATE=1)"
	elif diff -u "$2" "$1" >"$WORK/diff" 2>&1; then
		pass "golden $3"
	else
		fail "golden $3"
		head -n 60 "$WORK/diff"
	fi
}
