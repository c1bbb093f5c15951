#!/bin/sh
# golden_html.sh — the HTML report in headless Chromium: pages of real
# runs (the seed service, the Cython shapes, a C++ program, a per-test
# run, and a live `run --watch`) load with no console message (a CSP
# violation is one), no request leaving the page (Chromium's net log), the
# page's script running under its CSP, and an icicle graph with one box
# per folded frame whose widths add up to the bytes of `-f folded` of the
# same run (tests/html_checks.py); the seed's page without its script
# still shows its table.  A canary page first proves that the
# checks see a console message and a request.  Screenshots are kept as
# artefacts in $HTML_ARTEFACTS (default: build/html-test), not goldens.
#
# Run by tests/golden.sh, or alone:
#   VGTRIAGE=build/vgtriage PYTHON=/usr/bin/python3 sh tests/golden_html.sh
# Skips (with the reason) without chromium; the --watch page without
# valgrind or a C compiler.  About 20 s (most of it the --watch run).
set -u
cd "$(dirname "$0")/.." || exit 2
ROOT=$(pwd)
VGTRIAGE=${VGTRIAGE:-build/vgtriage}
case $VGTRIAGE in /*) ;; *) VGTRIAGE=$ROOT/$VGTRIAGE ;; esac
PYTHON=${PYTHON:-/usr/bin/python3}
CC=${CC:-cc}
CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
ART=${HTML_ARTEFACTS:-$(dirname "$VGTRIAGE")/html-test}
SUITE=html
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vgt-html.XXXXXX")
trap 'rm -rf "$WORK"' EXIT INT TERM
. tests/goldenlib.sh

if [ -z "$CHROMIUM" ]; then
	skip "chromium is not installed (install-deps.sh installs it): no browser test"
	echo "0 passed, 0 failed"
	exit 0
fi
mkdir -p "$ART"

# browse NAME URL [--dump-dom | --screenshot=FILE]: one headless Chromium
# with a fresh profile, its log and net log in $WORK/NAME.*
browse() {
	name=$1 url=$2
	shift 2
	profile=$(mktemp -d "$WORK/profile.XXXXXX")
	timeout 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$profile" --enable-logging=stderr --v=0 \
		--log-net-log="$WORK/$name.netlog" --window-size=1280,1800 "$@" "$url" \
		>"$WORK/$name.out" 2>"$WORK/$name.log"
	rc=$?
	rm -rf "$profile"
	return $rc
}

# --- the checks must see what they look for ----------------------------------
cat >"$WORK/canary.html" <<'HTML'
<!DOCTYPE html><html><head><meta charset="utf-8"><title>canary</title></head>
<body><p>canary</p><img src="http://127.0.0.1:9/vgt-canary.png" alt="">
<script>console.error("vgt-canary")</script></body></html>
HTML
browse canary "file://$WORK/canary.html" --dump-dom
check_out "canary: a console message and a request are seen" \
	"$PYTHON" tests/html_checks.py canary "$WORK/canary.log" "$WORK/canary.netlog"

# page NAME EXPECT ARGS...: the HTML and -f folded of one saved run
page() {
	name=$1 expect=$2
	shift 2
	"$VGTRIAGE" --color never -f html -o "$WORK/$name.html" "$@" 2>"$WORK/$name.err"
	status=$?
	"$VGTRIAGE" --color never -f folded "$@" >"$WORK/$name.folded" 2>/dev/null
	if [ $status -gt 1 ]; then
		fail "$name: -f html exit $status: $(head -c 300 "$WORK/$name.err")"
		return
	fi
	load "$name" "$expect"
}

# load NAME EXPECT: Chromium on $WORK/NAME.html (the DOM after its script
# ran, and a screenshot); the checks
load() {
	name=$1 expect=$2
	if ! browse "$name" "file://$WORK/$name.html" --dump-dom --screenshot="$ART/$name.png"; then
		fail "$name: chromium failed: $(grep -v -e dbus -e WARNING "$WORK/$name.log" | head -c 300)"
		return
	fi
	# shellcheck disable=SC2086  # expect is a list of words
	check_out "$name: no console message, no request, boxes = folded frames${expect:+, $expect}" \
		"$PYTHON" tests/html_checks.py page "$WORK/$name.out" "$WORK/$name.folded" \
		"$WORK/$name.log" "$WORK/$name.netlog" $expect
	cp "$WORK/$name.html" "$ART/$name.html"
}

case_args() { [ -f "testdata/$1.args" ] && cat "testdata/$1.args"; return 0; }

seed_expect=script
if [ -f tests/fixtures/seed/api/native.c ]; then
	seed_expect="script generated"
else
	echo "  (seed: api/native.c not built: no generated C beside the .pyx)"
fi
# shellcheck disable=SC2046
[ -f testdata/seed.xml ] && page seed "$seed_expect" $(case_args seed) testdata/seed.xml
# the same page without its script (as a browser with scripts off shows
# it; headless Chromium's --dump-dom needs scripts on): the same table
if [ -f "$WORK/seed.html" ]; then
	grep -v '^<script>' "$WORK/seed.html" >"$WORK/seed-noscript.html"
	cp "$WORK/seed.folded" "$WORK/seed-noscript.folded"
	load seed-noscript noscript
fi
# shellcheck disable=SC2046
[ -f testdata/cython_shapes.xml ] && page cython_shapes "script generated" \
	$(case_args cython_shapes) --source-root testdata/cython testdata/cython_shapes.xml
[ -f testdata/cxxsym.xml ] && page cxx "script" testdata/cxxsym.xml
[ -f testdata/errors.xml ] && page mismatch "script" testdata/errors.xml
# shellcheck disable=SC2046
[ -f testdata/pertest.xml ] && page pertest "script tests" $(case_args pertest) testdata/pertest.xml

# --- a live run --watch ---------------------------------------------------------
if ! command -v valgrind >/dev/null 2>&1 || ! command -v vgdb >/dev/null 2>&1; then
	skip "watch: valgrind or vgdb not installed"
elif ! "$CC" -g -O0 -o "$WORK/grow" tests/fixtures/html/grow.c 2>"$WORK/cc.err"; then
	skip "watch: cannot build tests/fixtures/html/grow.c: $(head -c 200 "$WORK/cc.err")"
else
	(cd "$WORK" && timeout 120 "$VGTRIAGE" run -q --watch 0.3 -f html -o watch.html \
		--keep-xml watch.xml -- ./grow 50 >/dev/null 2>watch.err)
	status=$?
	"$VGTRIAGE" -f folded "$WORK/watch.xml" >"$WORK/watch.folded" 2>/dev/null
	if [ $status -gt 1 ] || [ ! -s "$WORK/watch.html" ]; then
		fail "watch: run --watch -f html exit $status: $(head -c 300 "$WORK/watch.err")"
	else
		load watch "script growth"
	fi
fi

echo "artefacts (screenshots, pages): $ART"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
