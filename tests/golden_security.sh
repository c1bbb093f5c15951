#!/bin/sh
# golden_security.sh — hostile inputs through every format: which files an
# input can make vgtriage read, and what of it reaches the reports.
# Run by tests/golden.sh (which passes VGT_CMD, the tool possibly under
# valgrind), or alone: VGTRIAGE=build/vgtriage sh tests/golden_security.sh.
#
# Inputs (hand-made, testdata/bad/):
#   hostile_files.xml   frames naming /etc/passwd, /proc/self/environ,
#                       ../../…/etc/passwd, a FIFO, a device, symlinks out of
#                       the directory, a file over the size limit, Cython code
#                       (generated .c, .pyx) outside the directory, and the
#                       user's own file (hostile_src/ok.c, whose lines are
#                       hostile too)
#   hostile_names.xml   names, paths, messages, kinds and a command line with
#                       newlines, "::" workflow commands, "##[", C1 controls,
#                       bidi overrides, markdown pipes/backticks/images, HTML
#                       tags, "%0A", paths climbing out with ".."
#   hostile_names.log   a text log with what XML cannot hold: ESC sequences,
#                       CR, backspaces, raw C1 and bytes that are not UTF-8
# The tool runs inside a scratch directory W (so W is its only source root)
# holding copies of them and, made at test time: a FIFO, a symlink to
# /dev/zero, a symlink to /etc/passwd, a sparse file of 64 MiB + 1 byte, a
# symlink to ../outside/gen.c; ../outside holds gen.c and secret.pyx with
# marker strings.
#
# Checks, one PASS/FAIL line each, then "N passed, N failed":
#   golden    testdata/bad/hostile_<case>.out_<format> for every format, and
#             hostile_files.out_text_v (-v: the notes say why a file was not
#             read); UPDATE=1 rewrites them
#   read      no report holds a line of /etc/passwd, the environment the tool
#             ran with (/proc/self/environ), or the markers outside W; every
#             run ends (the FIFO and the device are never opened)
#   control   --source-root ../outside makes the markers appear and
#             --source-root /etc a line of /etc/passwd (so "read" can
#             fail); --source-root /proc still gives no environment
#   lines     no report line starts with "::" (after blanks) but the
#             annotations of -f github, one per site; no "##[" but in JSON
#   chars     UTF-8; no control character; no C1 or bidi override but in JSON
#   markdown  table rows = sites; code fences and <details> hold
#   sarif     no URI leaves SRCROOT or reads as a scheme; the OASIS schema
#   junit     well-formed XML (xmllint)
#   html      none of the input's tags (the one <script> is the page's own)
#   device    as root: W/zero a real character device (/dev/zero's), the
#             same report
set -u

cd "$(dirname "$0")/.."
ROOT=$(pwd)
VGTRIAGE=${VGTRIAGE:-build/vgtriage}
PYTHON=${PYTHON:-/usr/bin/python3}
VGT_CMD=${VGT_CMD:-$VGTRIAGE}
FORMATS="text json sarif junit github markdown codequality html"
CASES="hostile_files.xml hostile_names.xml hostile_names.log"
BAD=testdata/bad

TMP=$(mktemp -d "${TMPDIR:-/tmp}/vgt-security.XXXXXX")
trap 'rm -rf "$TMP"' EXIT INT TERM
SUITE=security
# shellcheck source=tests/goldenlib.sh
. tests/goldenlib.sh
# check LABEL CMD...: PASS when CMD succeeds; its output shown on failure.
check() {
	label=$1
	shift
	if "$@" >"$TMP/check.out" 2>&1; then
		pass "$label"
	else
		fail "$label"
		head -n 20 "$TMP/check.out"
	fi
}

if [ ! -x "${VGT_CMD##* }" ] && [ ! -x "$VGTRIAGE" ]; then
	echo "golden_security.sh: $VGTRIAGE is not built" >&2
	echo "0 passed, 1 failed"
	exit 1
fi
# The tool runs in W: its path (the last word of VGT_CMD) made absolute.
case $VGTRIAGE in /*) abs=$VGTRIAGE ;; *) abs=$ROOT/$VGTRIAGE ;; esac
case $VGT_CMD in
*"$VGTRIAGE") VGT_ABS="${VGT_CMD%"$VGTRIAGE"}$abs" ;;
*) VGT_ABS=$VGT_CMD ;;
esac
SECRET="VGT_SECURITY_SECRET=never-in-a-report-$$"

# make_dir DIR: W with the inputs and the planted files.
make_dir() {
	mkdir -p "$1" "$1/../outside" || return 1
	for c in $CASES; do cp "$BAD/$c" "$1/"; done
	cp "$BAD/hostile_src/ok.c" "$1/ok.c"
	mkfifo "$1/fifo"
	ln -s /dev/zero "$1/zero"
	ln -s /etc/passwd "$1/passwd_link"
	ln -s ../outside/gen.c "$1/gen_link.c"
	dd if=/dev/null of="$1/big.c" bs=1 seek=67108865 2>/dev/null
	printf '%s\n' '#include <Python.h>' \
		'static PyObject *__pyx_pf_6secret_leak(PyObject *self) {' \
		'  /* "secret.pyx":1' \
		' * x = SECRET_OUTSIDE_MARKER             # <<<<<<<<<<<<<<' \
		' */' \
		'  PyObject *r = NULL;' \
		'  void *p = malloc(8); /* line 7 */' \
		'  return r;' '}' >"$1/../outside/gen.c"
	echo 'x = SECRET_PYX_MARKER' >"$1/../outside/secret.pyx"
}

# vgt_in DIR OUT ARG...: the tool in DIR, stdout to OUT; status in $status.
# A run that does not end in 60 s (a FIFO or device read) is a failure.
vgt_in() {
	dir=$1 out=$2
	shift 2
	# shellcheck disable=SC2086  # VGT_ABS is a command line
	(cd "$dir" && env "$SECRET" timeout 60 $VGT_ABS --color never "$@") >"$out" 2>"$out.err"
	status=$?
}

W=$TMP/w
make_dir "$W" || { echo "golden_security.sh: cannot set up $W" >&2; exit 1; }
env "$SECRET" env >"$TMP/environ"
grep -v '^$' /etc/passwd >"$TMP/passwd"
printf '%s\n' SECRET_OUTSIDE_MARKER SECRET_PYX_MARKER "$SECRET" >"$TMP/markers"

# --- every case in every format ----------------------------------------------
for c in $CASES; do
	case $c in *.xml) golden_base=$BAD/${c%.xml} ;; *) golden_base=$BAD/$c ;; esac
	vgt_in "$W" "$TMP/$c.json" -f json --stacks 50 "$c"
	n_sites=$("$PYTHON" tests/security_checks.py sites "$TMP/$c.json" 2>/dev/null || echo 0)
	for fmt in $FORMATS; do
		out=$TMP/$c.$fmt
		vgt_in "$W" "$out" -f "$fmt" --stacks 50 "$c"
		if [ $status -ne 0 ] && [ $status -ne 1 ]; then
			fail "$c -f $fmt: exit $status: $(head -c 300 "$out.err")"
			continue
		fi
		if [ -s "$out.err" ]; then
			fail "$c -f $fmt: stderr: $(head -c 300 "$out.err")"
		fi
		golden=$golden_base.out_$fmt
		if [ "${UPDATE:-0}" = 1 ]; then
			cp "$out" "$golden"
			pass "golden $c $fmt (updated)"
		elif cmp -s "$golden" "$out"; then
			pass "golden $c $fmt"
		else
			fail "golden $c $fmt"
			diff -u "$golden" "$out" | head -n 30
		fi
		check "read $c $fmt: no line of /etc/passwd" "$PYTHON" tests/security_checks.py absent "$out" "$TMP/passwd"
		check "read $c $fmt: nothing of the environment or outside files" \
			"$PYTHON" tests/security_checks.py absent "$out" "$TMP/markers"
		check "read $c $fmt: no value of the environment" \
			"$PYTHON" tests/security_checks.py absent "$out" "$TMP/environ"
		check "lines $c $fmt: '::' only in annotations, no '##['" \
			"$PYTHON" tests/security_checks.py lines "$out" "$fmt" "$n_sites"
		check "chars $c $fmt" "$PYTHON" tests/security_checks.py chars "$out" "$fmt"
		case $fmt in
		markdown) check "markdown $c: $n_sites rows, fences and <details> hold" \
			"$PYTHON" tests/security_checks.py markdown "$out" "$n_sites" ;;
		sarif)
			check "sarif $c: URIs stay in SRCROOT" "$PYTHON" tests/security_checks.py sarif "$out"
			check "sarif $c: schema" "$PYTHON" tests/validate_sarif.py "$out" ;;
		junit) check "junit $c: well-formed" xmllint --noout "$out" ;;
		html) check "html $c: none of the input's tags (one <script>: the page's own)" \
			sh -c "[ \$(grep -oi '<script' '$out' | wc -l) = 1 ] &&
				grep -q '^<script>(function(){' '$out' &&
				! grep -qi -e '<img' -e '<i>arg' -e '</summary>' '$out'" ;;
		json) check "json $c: valid" "$PYTHON" -m json.tool "$out" ;;
		esac
	done
done

# -v: the notes say what was not read and why.
vgt_in "$W" "$TMP/files.text_v" -v -f text --stacks 50 hostile_files.xml
if [ "${UPDATE:-0}" = 1 ]; then
	cp "$TMP/files.text_v" "$BAD/hostile_files.out_text_v"
	pass "golden hostile_files.xml text -v (updated)"
elif cmp -s "$BAD/hostile_files.out_text_v" "$TMP/files.text_v"; then
	pass "golden hostile_files.xml text -v"
else
	fail "golden hostile_files.xml text -v"
	diff -u "$BAD/hostile_files.out_text_v" "$TMP/files.text_v" | head -n 30
fi
check "-v: a note for each refused kind of file" sh -c "
	for why in 'outside the current directory' 'under /proc, /sys or /dev' 'not a regular file' \
		'larger than the size limit'; do grep -q \"source not read: .*\$why\" '$TMP/files.text_v' || exit 1; done"
check "the user's own file in the current directory is still quoted" \
	grep -q 'own_code(void) { return malloc(8); }' "$TMP/hostile_files.xml.text"

# --- controls: the checks above can fail -------------------------------------
vgt_in "$W" "$TMP/control_outside" -f text --stacks 50 --source-root ../outside hostile_files.xml
check "control: --source-root ../outside reads the generated .c and .pyx outside" \
	sh -c "grep -q 'generated: .*gen.c:7' '$TMP/control_outside' && grep -q SECRET_PYX_MARKER '$TMP/control_outside'"
vgt_in "$W" "$TMP/control_etc" -f text --stacks 50 --source-root /etc hostile_files.xml
check "control: --source-root /etc quotes /etc/passwd" \
	sh -c "! $PYTHON tests/security_checks.py absent '$TMP/control_etc' '$TMP/passwd' >/dev/null"
vgt_in "$W" "$TMP/control_proc" -f text --stacks 50 --source-root /proc --source-root / hostile_files.xml
check "control: --source-root /proc and / still give no /proc/self/environ" \
	"$PYTHON" tests/security_checks.py absent "$TMP/control_proc" "$TMP/environ"

# --- a real character device -------------------------------------------------
W2=$TMP/dev/w
make_dir "$W2" && rm -f "$W2/zero"
if mknod "$W2/zero" c 1 5 2>/dev/null; then
	vgt_in "$W2" "$TMP/device.text" -f text --stacks 50 hostile_files.xml
	check "device: a character device in the directory is not read (same report)" \
		cmp "$TMP/hostile_files.xml.text" "$TMP/device.text"
else
	echo "SKIP security: device: mknod needs root"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
