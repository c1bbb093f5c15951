#!/bin/sh
# Golden test of the Cython mapping on the real shapes run (issue 3):
# every leak of tests/fixtures/cypkg at its .pyx line, with its Python name
# and exactly the bytes and blocks of expected.tsv (written by hand from
# the fixture source).  The same run is analysed with the generated files
# moved elsewhere and found through --source-root, through --prefix-map,
# and with neither (then: demangled names and a note that the map was not
# found).  Also the text log of the same driver and the --line-directives
# build.
#   VGTRIAGE=build/vgtriage sh tests/check_cython_golden.sh
set -eu
VGTRIAGE=${VGTRIAGE:-build/vgtriage}
PY=${PYTHON:-/usr/bin/python3}
top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# "moved elsewhere": a copy of the generated files that no frame names
cp -R "$top/testdata/cython" "$tmp/moved"
expected="$top/tests/fixtures/cypkg/expected.tsv"
fail=0

# check NAME MODE JSON: MODE mapped | demangled
check() {
	if "$PY" - "$expected" "$2" "$3" <<'PYEOF'
import json, sys
expected_path, mode, json_path = sys.argv[1:4]
rows = []
for line in open(expected_path):
    if line.startswith("#") or not line.strip():
        continue
    pyx, lineno, qual, nbytes, blocks = line.rstrip("\n").split("\t")
    rows.append((pyx, int(lineno), qual, int(nbytes), int(blocks)))
report = json.load(open(json_path))
sites = [s for s in report["sites"]
         if s["kind"] == "Leak_DefinitelyLost" and s.get("category") == "user"]
errors = []
if mode == "mapped":
    got = {(s["location"]["file"], s["location"]["line"]): s for s in sites}
    for pyx, lineno, qual, nbytes, blocks in rows:
        s = got.pop((pyx, lineno), None)
        if s is None:
            errors.append("no site at %s:%d" % (pyx, lineno))
            continue
        loc = s["location"]
        if loc.get("function") != qual:
            errors.append("%s:%d: function %r, want %r" % (pyx, lineno, loc.get("function"), qual))
        if (s["bytes"], s["blocks"]) != (nbytes, blocks):
            errors.append("%s:%d: %d bytes in %d blocks, want %d in %d"
                          % (pyx, lineno, s["bytes"], s["blocks"], nbytes, blocks))
        if not loc.get("source"):
            errors.append("%s:%d: no source line" % (pyx, lineno))
    for key in got:
        errors.append("unexpected user site %s:%s" % key)
else:
    # no map: names demangled from the C names; the generator's name is
    # not in its C name, and the report says it guessed
    got = {}
    for s in sites:
        got.setdefault(s["location"]["function"], []).append(s)
    for pyx, lineno, qual, nbytes, blocks in rows:
        name = "shapes.leaks.<generator>" if qual == "shapes.leaks.gen_leak" else qual
        found = got.pop(name, [])
        b = sum(s["bytes"] for s in found)
        k = sum(s["blocks"] for s in found)
        if (b, k) != (nbytes, blocks):
            errors.append("%s: %d bytes in %d blocks, want %d in %d" % (name, b, k, nbytes, blocks))
        for s in found:
            if s["location"].get("mapped"):
                errors.append("%s: mapped without a map" % name)
    for name in got:
        errors.append("unexpected user site %s" % name)
    notes = " ".join(report.get("notes", []))
    if "Cython source map not found" not in notes:
        errors.append("no note that the map was not found: %r" % notes)
for e in errors:
    print("  " + e)
sys.exit(1 if errors else 0)
PYEOF
	then
		echo "ok   $1"
	else
		echo "FAIL $1"
		fail=1
	fi
}

run() { # NAME MODE ARGS...
	name=$1 mode=$2
	shift 2
	if "$VGTRIAGE" -f json "$@" >"$tmp/out.json" 2>"$tmp/err"; [ $? -le 1 ]; then
		check "$name" "$mode" "$tmp/out.json"
	else
		echo "FAIL $name: vgtriage failed: $(cat "$tmp/err")"
		fail=1
	fi
}

xml="$top/testdata/cython_shapes.xml"
run "xml, --source-root" mapped --source-root "$tmp/moved" "$xml"
run "xml, --prefix-map" mapped --prefix-map "/build/cypkg=$tmp/moved" "$xml"
run "xml, neither" demangled "$xml"
run "text log, --source-root" mapped --source-root "$tmp/moved" "$top/testdata/cython_shapes.log"
run "text log, neither" demangled "$top/testdata/cython_shapes.log"
run "--line-directives build, --source-root" mapped --source-root "$tmp/moved" \
	"$top/testdata/cython_linedir.xml"

# CPython 3.12 -X perf (tests/fixtures/perf/leak.py): leaky_endpoint()
# mallocs 1234 bytes, 5 times; valgrind shows the Python frames as ???.
perf_check() { # NAME WANT_FUNCTION ARGS...
	name=$1 want=$2
	shift 2
	"$VGTRIAGE" -f json "$@" "$top/testdata/perf/perf312.xml" >"$tmp/perf.json" 2>"$tmp/err" || [ $? -eq 1 ] ||
		{ echo "FAIL $name: $(cat "$tmp/err")"; fail=1; return; }
	if "$PY" - "$tmp/perf.json" "$want" <<'PYEOF'
import json, sys
report = json.load(open(sys.argv[1]))
want = sys.argv[2]
sites = [s for s in report["sites"] if s["kind"] == "Leak_DefinitelyLost"
         and s.get("category") == "user"]
named = [s for s in sites if s["location"].get("function") == "leaky_endpoint"]
if want == "yes":
    ok = (len(named) == 1 and named[0]["bytes"] == 5 * 1234 and named[0]["blocks"] == 5
          and named[0]["location"].get("file", "").endswith("/tests/fixtures/perf/leak.py"))
else:
    ok = not named
if not ok:
    print("  sites: %r" % [(s["location"], s["bytes"], s["blocks"]) for s in sites])
sys.exit(0 if ok else 1)
PYEOF
	then
		echo "ok   $name"
	else
		echo "FAIL $name"
		fail=1
	fi
}
perf_check "perf map directory names the Python caller" yes --perf-map "$top/testdata/perf"
perf_check "perf map file names the Python caller" yes \
	--perf-map "$(ls "$top"/testdata/perf/perf-*.map | head -1)"
perf_check "no perf map: no Python caller" no
exit $fail
