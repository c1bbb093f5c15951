#!/bin/sh
# run-demo.sh — the seed scenario end to end (`make demo`):
#   1. build the Cython module api/native.pyx (tests/fixtures/seed/build.sh),
#   2. send 300 requests to the FastAPI endpoint that calls
#      api.native.random_noise(), under valgrind (PYTHONMALLOC=malloc),
#   3. pipe valgrind's XML into vgtriage, which ranks the leak at its .pyx
#      line on top and hides the interpreter's hundreds of records.
# Variables: VGTRIAGE (default build/vgtriage, built if missing), PYTHON
# (default /usr/bin/python3), VALGRIND, REQUESTS (default 300).
set -eu

cd "$(dirname "$0")/.."
ROOT=$(pwd)
VGTRIAGE=${VGTRIAGE:-build/vgtriage}
PYTHON=${PYTHON:-/usr/bin/python3}
VALGRIND=${VALGRIND:-valgrind}
REQUESTS=${REQUESTS:-300}
SEED=tests/fixtures/seed

case $VGTRIAGE in /*) ;; *) VGTRIAGE=$ROOT/$VGTRIAGE ;; esac
[ -x "$VGTRIAGE" ] || make -s "${VGTRIAGE#"$ROOT"/}"

if [ ! -f "$SEED/build.sh" ] || [ ! -f "$SEED/api/native.pyx" ]; then
	echo "demo: $SEED/build.sh or $SEED/api/native.pyx is missing" >&2
	exit 1
fi

echo "demo: building the Cython module $SEED/api/native.pyx"
(cd "$SEED" && sh ./build.sh) >/dev/null

TMP=$(mktemp -d "${TMPDIR:-/tmp}/vgt-demo.XXXXXX")
trap 'rm -rf "$TMP"' EXIT INT TERM

cat <<MSG
demo: $REQUESTS requests to GET /noise under valgrind (about half a minute):
demo:   cd $SEED && PYTHONMALLOC=malloc valgrind --leak-check=full --xml=yes \\
demo:     --xml-fd=3 $PYTHON drive.py 3>&1 1>/dev/null | vgtriage
MSG

# Valgrind's XML goes to fd 3, which is the pipe; the program's output is
# dropped.  A copy of the XML is kept to check the answer afterwards.
(cd "$SEED" && PYTHONMALLOC=malloc REQUESTS=$REQUESTS NUMBER=4 \
	$VALGRIND --leak-check=full --num-callers=40 --xml=yes --xml-fd=3 \
	"$PYTHON" drive.py 3>&1 1>/dev/null 2>"$TMP/valgrind.err" |
	tee "$TMP/seed.xml" | "$VGTRIAGE" --fail-on none --top 10 --stacks 1) || {
	echo "demo: FAILED; valgrind said:" >&2
	tail -n 20 "$TMP/valgrind.err" >&2
	exit 1
}

# The demo's claim, checked: rank 1 is the .pyx line of the malloc.
(cd "$SEED" && "$VGTRIAGE" -f json --fail-on none "$TMP/seed.xml") >"$TMP/seed.json"
"$PYTHON" - "$TMP/seed.json" <<'PY'
import json, sys
sites = json.load(open(sys.argv[1]))["sites"]
loc = sites[0]["location"] if sites else {}
if not (loc.get("file") or "").endswith("native.pyx"):
    sys.exit("demo: FAILED: rank 1 is not in native.pyx: %r" % (loc,))
print("demo: OK: rank 1 is %s:%s (%s), %d bytes in %d blocks"
      % (loc["file"], loc["line"], loc.get("function"), sites[0]["bytes"], sites[0]["blocks"]))
PY
