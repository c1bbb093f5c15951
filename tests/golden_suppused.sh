#!/bin/sh
# golden_suppused.sh — --suppressions kept honest (issue 24): the entries
# that matched nothing, checked against valgrind's own counts over the real
# runs of tests/fixtures/suppused (make testdata):
#   testdata/suppused.xml     valgrind without the .supp: vgtriage applies it
#   testdata/suppused_v.xml   valgrind with it: <suppcounts>
#   testdata/suppused_v.log   valgrind -v with it: "used_suppression:" lines
# Run by tests/golden.sh, or alone:
#   VGTRIAGE=build/vgtriage sh tests/golden_suppused.sh
#
# Checks, one PASS/FAIL line each, then "N passed, M failed":
#   after      vgtriage's matching after the fact gives each entry the
#              records, bytes and line that valgrind's -v log states for it
#              at run time (0 for the entry it does not list), and lists
#              exactly that entry as unused (text and JSON)
#   xml        with valgrind's <suppcounts>: each entry's valgrind_count is
#              the -v log's, and only the stale entry is unused
#   log        the same from the -v text log's used_suppression lines
#   jobs       -j 2 over the three runs (inputs read in threads): each
#              entry's records and valgrind's counts summed over the inputs
#   none       without --suppressions: no "suppressions" key, no listing
#   hidden     --gen-suppressions=hidden over the real Python run
#              testdata/hints_pass_py.xml writes testdata/suppgen_hidden.supp
#              (exit 0, -o too), which make testdata fed back to valgrind on
#              the same program (testdata/suppgen_b.xml): valgrind used its
#              entries, the shown sites are the same sites with the same
#              bytes, and at most a tenth of the hidden records are left
set -u

cd "$(dirname "$0")/.." || exit 2
VGTRIAGE=${VGTRIAGE:-build/vgtriage}
PYTHON=${PYTHON:-/usr/bin/python3}
VGT_CMD=${VGT_CMD:-$VGTRIAGE}
SUPP=tests/fixtures/suppused/used.supp
LOG=testdata/suppused_v.log

TMP=$(mktemp -d "${TMPDIR:-/tmp}/vgt-golden-suppused.XXXXXX")
trap 'rm -rf "$TMP"' EXIT INT TERM
SUITE=suppused
# shellcheck source=tests/goldenlib.sh
. tests/goldenlib.sh

vgt() {
	# shellcheck disable=SC2086  # VGT_CMD is a command line
	$VGT_CMD "$@"
	status=$?
	[ $status -eq 0 ] || [ $status -eq 1 ]
}

# check JSON WANT_VALGRIND: the JSON's suppressions against the -v log
# (valgrind's own words, parsed here), and the one unused entry.
check() {
	"$PYTHON" - "$1" "$LOG" "$2" <<'PY'
import json, re, sys
d = json.load(open(sys.argv[1]))
mode = sys.argv[3]
vg = {}
for line in open(sys.argv[2]):
    m = re.match(r"--\d+-- used_suppression:\s+(\d+) (.+) \S+:(\d+)(?: suppressed: ([\d,]+) bytes)?", line)
    if m:
        vg[m.group(2)] = (int(m.group(1)), int(m.group(3)),
                          int(m.group(4).replace(",", "")) if m.group(4) else None)
uses = d["suppressions"]
ok = len(uses) == 4 and len(vg) == 3
for u in uses:
    count, line, nbytes = vg.get(u["name"], (0, None, None))
    if line is not None and u["line"] != line:
        ok = False
    if mode == "after":
        ok &= u["records"] == count and (nbytes is None or u["bytes"] == nbytes)
        ok &= u["valgrind_count"] in (0, None)
    else:
        ok &= u["records"] == 0 and u["valgrind_count"] == count
    ok &= u["unused"] == (u["name"] == "stale-entry-for-removed-code")
    print("  %-30s line %-3d records %d bytes %d valgrind %s (-v log: %d)"
          % (u["name"], u["line"], u["records"], u["bytes"], u["valgrind_count"], count))
sys.exit(0 if ok else 1)
PY
}

if vgt -f json --suppressions "$SUPP" testdata/suppused.xml >"$TMP/after.json" 2>/dev/null &&
	check "$TMP/after.json" after &&
	vgt --color never --suppressions "$SUPP" testdata/suppused.xml >"$TMP/after.txt" 2>/dev/null &&
	grep -q "^Suppression entries: 4, 1 matched nothing" "$TMP/after.txt" &&
	grep -q "used.supp:11  stale-entry-for-removed-code  unused" "$TMP/after.txt" &&
	[ "$(grep -c ' unused$' "$TMP/after.txt")" -eq 1 ]; then
	pass "after: vgtriage's matching gives each entry valgrind's own -v count, bytes and line"
else
	fail "after: vgtriage's matching gives each entry valgrind's own -v count, bytes and line"
fi

for c in xml:testdata/suppused_v.xml log:testdata/suppused_v.log; do
	name=${c%%:*} input=${c#*:}
	if vgt -f json --suppressions "$SUPP" "$input" >"$TMP/$name.json" 2>/dev/null &&
		check "$TMP/$name.json" valgrind &&
		vgt --color never --suppressions "$SUPP" "$input" >"$TMP/$name.txt" 2>/dev/null &&
		grep -q "config-leak  used by valgrind 1 time" "$TMP/$name.txt" &&
		[ "$(grep -c ' unused$' "$TMP/$name.txt")" -eq 1 ]; then
		pass "$name: valgrind's own counts per entry, the stale entry alone unused"
	else
		fail "$name: valgrind's own counts per entry, the stale entry alone unused"
	fi
done

# -j: inputs read in threads keep valgrind's counts (summed over the inputs)
if vgt -f json -j 2 --suppressions "$SUPP" testdata/suppused.xml testdata/suppused_v.xml \
	testdata/suppused_v.log >"$TMP/jobs.json" 2>/dev/null &&
	"$PYTHON" -c 'import json, sys
u = {e["name"]: e for e in json.load(open(sys.argv[1]))["suppressions"]}
sys.exit(0 if all(u[n]["records"] == 1 and u[n]["valgrind_count"] == 2
for n in ("config-leak", "kept-state", "uninit-flag")) and u["stale-entry-for-removed-code"]["unused"]
else 1)' "$TMP/jobs.json"; then
	pass "jobs: -j 2 over the three runs: 1 record here and 2 by valgrind's counts per entry"
else
	fail "jobs: -j 2 over the three runs: 1 record here and 2 by valgrind's counts per entry"
fi

if vgt -f json testdata/suppused_v.log >"$TMP/none.json" 2>/dev/null &&
	"$PYTHON" -c 'import json, sys; sys.exit("suppressions" in json.load(open(sys.argv[1])))' \
		"$TMP/none.json" &&
	vgt --color never testdata/suppused_v.log >"$TMP/none.txt" 2>/dev/null &&
	! grep -q "^Suppression entries" "$TMP/none.txt"; then
	pass "none: without --suppressions, no listing"
else
	fail "none: without --suppressions, no listing"
fi

# --- --gen-suppressions=hidden, checked on a real run fed back to valgrind ---
if vgt --gen-suppressions=hidden -o "$TMP/hidden.supp" testdata/hints_pass_py.xml 2>/dev/null &&
	[ "$status" -eq 0 ] && cmp -s "$TMP/hidden.supp" testdata/suppgen_hidden.supp &&
	vgt -f json --suppressions testdata/suppgen_hidden.supp testdata/hints_pass_py.xml \
		>/dev/null 2>&1; then
	ok=1
else
	ok=0
	echo "  (testdata/suppgen_hidden.supp is not what the tool writes now: make testdata)"
fi
args=$(cat testdata/suppgen_b.args)
# shellcheck disable=SC2086  # args is a list of options
if [ $ok -eq 1 ] && vgt -f json $args testdata/hints_pass_py.xml >"$TMP/a.json" 2>/dev/null &&
	vgt -f json $args testdata/suppgen_b.xml >"$TMP/b.json" 2>/dev/null &&
	vgt -f json --all $args testdata/hints_pass_py.xml >"$TMP/a_all.json" 2>/dev/null &&
	vgt -f json --all $args testdata/suppgen_b.xml >"$TMP/b_all.json" 2>/dev/null &&
	grep -q "<name>vgtriage-hidden-" testdata/suppgen_b.xml &&
	"$PYTHON" - "$TMP" <<'PY'
import json, sys
t = sys.argv[1]
load = lambda n: json.load(open("%s/%s.json" % (t, n)))
key = lambda s: (s["fingerprint"], s["kind"], s["bytes"], s["blocks"])
a, b = sorted(map(key, load("a")["sites"])), sorted(map(key, load("b")["sites"]))
hidden = lambda d: [s for s in d["sites"] if s["category"] != "user"]
ha, hb = hidden(load("a_all")), hidden(load("b_all"))
ra, rb = sum(s["records"] for s in ha), sum(s["records"] for s in hb)
print("  shown sites: %d before, %d after, the same: %s; hidden records: %d before (%d bytes), "
      "%d after (%d bytes)" % (len(a), len(b), a == b, ra, sum(s["bytes"] for s in ha), rb,
                               sum(s["bytes"] for s in hb)))
sys.exit(0 if a == b and a and ra > 0 and rb * 10 <= ra else 1)
PY
then
	pass "hidden: fed back to valgrind, its .supp drops the hidden records and no shown site"
else
	fail "hidden: fed back to valgrind, its .supp drops the hidden records and no shown site"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
