# goldenlib.sh — what the golden_*.sh scripts share, sourced before their
# first check; by then they set SUITE (the name on each PASS/FAIL/SKIP
# line), PYTHON, WORK (a scratch directory) and, for golden, FIX (the
# fixture directory whose make.sh writes the goldens).  Counts in passed
# and failed.
passed=0
failed=0

# golden_workdir NAME: WORK, a new scratch directory NAME.XXXXXX under
# TMPDIR (/tmp), removed when the script ends.
golden_workdir() {
	WORK=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")
	trap 'rm -rf "$WORK"' EXIT INT TERM
}

# golden_tool: for the scripts that set SRCDIR (the checkout) and may run
# the tool from another directory: VGTRIAGE (default build/vgtriage) made
# absolute, and VGT_CMD (golden.sh's command line for the tool, valgrind
# included under `make leakcheck`; default VGTRIAGE) ending with that
# absolute path in place of the one golden.sh named.
golden_tool() {
	VGTRIAGE=${VGTRIAGE:-build/vgtriage}
	case "$VGTRIAGE" in /*) ;; *) VGTRIAGE="$SRCDIR/$VGTRIAGE" ;; esac
	VGT_CMD=${VGT_CMD:-$VGTRIAGE}
	VGT_CMD="$(printf '%s' "$VGT_CMD" | sed 's|[^ ]*$||')$VGTRIAGE"
}

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
