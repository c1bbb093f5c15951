#!/bin/sh
# golden.sh — golden and integration tests over the real valgrind outputs
# in testdata/.  Run by `make golden` (VGTRIAGE, PYTHON set) and by
# `make leakcheck` (VGT_UNDER_VALGRIND=1: every run of the tool is under
# `valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=all`,
# so any error or leak of vgtriage itself fails the check).
#
# Checks, one PASS/FAIL line each, then "N passed, N failed":
#   golden     testdata/<case>.xml -> <case>.out_text, <case>.out_json;
#              testdata/<case>.log -> <case>.log.out_text, <case>.log.out_json
#              (extra options for a case in testdata/<case>.args)
#   json       every JSON output passes `python3 -m json.tool`
#   pair       <case>.xml and <case>.log give the same sites and totals
#              (user sites only for Python runs): tests/compare_pair.py
#   totals     JSON totals of <case>.xml equal valgrind's LEAK SUMMARY and
#              ERROR SUMMARY in <case>.log: tests/golden_checks.py
#   accept     Python runs: rank 1 is the extension's leak with valgrind's
#              exact bytes and blocks, nothing of the interpreter shown,
#              and the hidden count stated
#   bad        testdata/bad/<name>.* with <name>.expected: that one line
#              on stderr and exit status 2
#   truncate   cut copies of errors.xml and py_ext.xml keep every complete
#              record and do not exit 2
#   others     tests/check_cython_golden.sh and tests/golden_*.sh, if present
#              (their "N passed, N failed" lines are added in).  They get
#              VGTRIAGE, PYTHON, VGT_UNDER_VALGRIND and VGT_CMD (the tool's
#              command line, valgrind included when asked); under valgrind
#              only those that mention VGT_UNDER_VALGRIND or VGT_CMD run.
#
# Run from anywhere; works from the repository root with relative paths so
# that reports never carry this checkout's absolute path.
# UPDATE=1 rewrites the golden files from the current output instead.
set -u

cd "$(dirname "$0")/.."
VGTRIAGE=${VGTRIAGE:-build/vgtriage}
PYTHON=${PYTHON:-/usr/bin/python3}
VALGRIND=${VALGRIND:-valgrind}
UNDER_VALGRIND=${VGT_UNDER_VALGRIND:-0}
# Cuts per truncation test: fewer under valgrind, where each run is slow.
if [ "$UNDER_VALGRIND" = 1 ]; then CUTS=${CUTS:-8}; else CUTS=${CUTS:-50}; fi
export VGTRIAGE PYTHON VALGRIND VGT_UNDER_VALGRIND="$UNDER_VALGRIND"

if [ ! -x "$VGTRIAGE" ]; then
	echo "golden.sh: $VGTRIAGE is not built" >&2
	exit 2
fi

# The seed's reports map native.c back to native.pyx: the generated C must
# exist (it is built, not committed).
SEED=tests/fixtures/seed
if [ -f testdata/seed.xml ] && [ -f "$SEED/build.sh" ] && [ ! -f "$SEED/api/native.c" ]; then
	(cd "$SEED" && sh ./build.sh) >/dev/null 2>&1 ||
		echo "golden.sh: $SEED/build.sh failed; seed reports will not map" >&2
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/vgt-golden.XXXXXX")
trap 'rm -rf "$TMP"' EXIT INT TERM
passed=0
failed=0

pass() { passed=$((passed + 1)); echo "PASS $*"; }
fail() { failed=$((failed + 1)); echo "FAIL $*"; }

# vgt ARG...: the tool, under valgrind when asked.  Status 99 is valgrind's.
if [ "$UNDER_VALGRIND" = 1 ]; then
	VGT_CMD="$VALGRIND --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=all -q $VGTRIAGE"
else
	VGT_CMD=$VGTRIAGE
fi
vgt() {
	# shellcheck disable=SC2086  # VGT_CMD is a command line
	$VGT_CMD "$@"
}

# case_args INPUT: the options in testdata/<case>.args, if any.
case_args() {
	args_file=${1%.*}.args
	[ -f "$args_file" ] && cat "$args_file"
	return 0
}

# report NAME INPUT FORMAT: runs the tool; output in $TMP/NAME.FORMAT.
# Exit 0 or 1 (findings) is a report; anything else fails.
report() {
	name=$1 input=$2 fmt=$3
	# shellcheck disable=SC2046
	vgt --color never -f "$fmt" $(case_args "$input") "$input" \
		>"$TMP/$name.$fmt" 2>"$TMP/$name.$fmt.err"
	status=$?
	if [ $status -eq 0 ] || [ $status -eq 1 ]; then
		return 0
	fi
	fail "run $fmt $input: exit $status: $(head -c 400 "$TMP/$name.$fmt.err")"
	return 1
}

# compare_golden OUTPUT GOLDEN LABEL
compare_golden() {
	if [ "${UPDATE:-0}" = 1 ]; then
		cp "$1" "$2"
		pass "golden $3 (updated)"
	elif [ ! -f "$2" ]; then
		fail "golden $3: no $2 (make testdata, or UPDATE=1 sh tests/golden.sh)"
	elif diff -u "$2" "$1" >"$TMP/diff" 2>&1; then
		pass "golden $3"
	else
		fail "golden $3"
		head -n 60 "$TMP/diff"
	fi
}

check_json() {
	if "$PYTHON" -m json.tool "$1" >/dev/null 2>"$TMP/json.err"; then
		pass "json $2"
	else
		fail "json $2: $(cat "$TMP/json.err")"
	fi
}

is_python_run() {
	grep -q -m1 '^==[0-9]*== Command: .*python' "$1"
}

# --- golden reports of every input -----------------------------------------
for input in testdata/*.xml testdata/*.log; do
	[ -f "$input" ] || continue
	base=$(basename "$input")
	case $input in
	*.xml) golden_base=${input%.xml} ;;
	*.log) golden_base=$input ;;
	esac
	# Only inputs with golden files (or UPDATE=1) are golden cases.
	if [ "${UPDATE:-0}" != 1 ] && [ ! -f "$golden_base.out_text" ] &&
	   [ ! -f "$golden_base.out_json" ]; then
		continue
	fi
	if report "$base" "$input" text; then
		compare_golden "$TMP/$base.text" "$golden_base.out_text" "text $input"
	fi
	if report "$base" "$input" json; then
		compare_golden "$TMP/$base.json" "$golden_base.out_json" "json $input"
		check_json "$TMP/$base.json" "$input"
	fi
done

# --- XML/text pairs and valgrind's own summaries ---------------------------
# (pname: report() sets $name)
for xml in testdata/*.xml; do
	[ -f "$xml" ] || continue
	log=${xml%.xml}.log
	[ -f "$log" ] || continue
	pname=$(basename "${xml%.xml}")
	for f in "$pname.xml" "$pname.log"; do
		[ -f "$TMP/$f.json" ] || report "$f" "testdata/$f" json || continue 2
	done
	user_only=
	is_python_run "$log" && user_only=--user-only
	if "$PYTHON" tests/compare_pair.py $user_only "$TMP/$pname.xml.json" \
		"$TMP/$pname.log.json" >"$TMP/pair.out" 2>&1; then
		pass "pair $pname ${user_only:+(user sites)}"
	else
		fail "pair $pname ${user_only:+(user sites)}"
		head -n 40 "$TMP/pair.out"
	fi
	if "$PYTHON" tests/golden_checks.py totals "$TMP/$pname.xml.json" "$log" \
		>"$TMP/totals.out" 2>&1; then
		pass "totals $pname.xml = LEAK/ERROR SUMMARY of $pname.log"
	else
		fail "totals $pname.xml = LEAK/ERROR SUMMARY of $pname.log"
		cat "$TMP/totals.out"
	fi
done

# --- acceptance: the extension's leak is rank 1 -----------------------------
# case  function of the leaking frame  file of the rank-1 location  [own code]
# py_ext's only code outside the interpreter is leakymod: any other site
# shown is interpreter noise.  The seed also runs third-party extensions
# (pydantic...), which count as the user's.
for spec in "py_ext leakymod_leak leakymod.c leakymod" "seed random_noise native.pyx"; do
	# shellcheck disable=SC2086
	set -- $spec
	[ -f "testdata/$1.xml" ] && [ -f "testdata/$1.log" ] || continue
	[ -f "$TMP/$1.xml.text" ] || report "$1.xml" "testdata/$1.xml" text || continue
	[ -f "$TMP/$1.xml.json" ] || report "$1.xml" "testdata/$1.xml" json || continue
	if "$PYTHON" tests/golden_checks.py acceptance "$TMP/$1.xml.json" \
		"$TMP/$1.xml.text" "testdata/$1.log" "$2" "$3" ${4:-} >"$TMP/acc.out" 2>&1; then
		pass "accept $1: rank 1 is $2 with valgrind's bytes and blocks"
	else
		fail "accept $1: rank 1 is $2 with valgrind's bytes and blocks"
		cat "$TMP/acc.out"
	fi
done

# --- hostile and broken inputs ---------------------------------------------
for expected in testdata/bad/*.expected; do
	[ -f "$expected" ] || continue
	stem=${expected%.expected}
	for input in "$stem".*; do
		case $input in *.expected) continue ;; esac
		[ -f "$input" ] || continue
		vgt --color never "$input" >/dev/null 2>"$TMP/bad.err"
		status=$?
		if [ $status -eq 2 ] && diff -u "$expected" "$TMP/bad.err" >"$TMP/diff" 2>&1; then
			pass "bad $input"
		else
			fail "bad $input (exit $status, want 2)"
			head -n 20 "$TMP/diff"
		fi
	done
done

# --- truncated copies of real XML --------------------------------------------
for xml in testdata/errors.xml testdata/py_ext.xml; do
	[ -f "$xml" ] || continue
	# shellcheck disable=SC2086
	if "$PYTHON" tests/golden_checks.py truncate "$xml" "$TMP/cut" "$CUTS" -- \
		$VGT_CMD >"$TMP/cut.out" 2>&1; then
		pass "truncate $xml ($(grep -o '[0-9]* cuts' "$TMP/cut.out"))"
	else
		fail "truncate $xml"
		head -n 30 "$TMP/cut.out"
	fi
done

# --- other helpers' golden scripts ------------------------------------------
for script in tests/check_cython_golden.sh tests/golden_*.sh; do
	[ -f "$script" ] || continue
	# Under valgrind, only the scripts that can run the tool under it
	# (they read VGT_UNDER_VALGRIND or VGT_CMD); the others ran in `make golden`.
	if [ "$UNDER_VALGRIND" = 1 ] && ! grep -q 'VGT_UNDER_VALGRIND\|VGT_CMD' "$script"; then
		echo "SKIP $script (does not run the tool under valgrind)"
		continue
	fi
	VGT_CMD="$VGT_CMD" sh "$script" >"$TMP/other.out" 2>&1
	status=$?
	cat "$TMP/other.out"
	# "N passed, N failed", or "suite: N passed, N failed"
	counts=$(grep -E '^([a-z0-9_-]+: )?[0-9]+ passed, [0-9]+ failed$' "$TMP/other.out" |
		tail -n 1 | sed 's/^[a-z0-9_-]*: //')
	if [ -n "$counts" ]; then
		p=${counts%% passed*}
		f=${counts#*passed, }
		f=${f%% failed}
		passed=$((passed + p))
		failed=$((failed + f))
		# A script that fails without counting a failure still fails.
		if [ $status -ne 0 ] && [ "$f" -eq 0 ]; then
			fail "$script (exit $status)"
		fi
	elif [ $status -eq 0 ]; then
		pass "$script"
	else
		fail "$script (exit $status)"
	fi
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
