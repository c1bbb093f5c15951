#!/bin/sh
# golden_lsan.sh — LeakSanitizer / AddressSanitizer reports (issue 25).
#
# 1. testdata/lsan (tests/fixtures/lsan/make.sh: real runs of gcc's
#    -fsanitize=address): golden text and JSON reports of every log (the
#    options of <case>.args), the seed's in every other format too; the
#    seed service: rank 1 is api/native.pyx:11 with LSan's exact bytes and
#    objects and nothing else shown; the Cython shapes: every leak of
#    tests/fixtures/cypkg/expected.tsv at its .pyx line with its bytes and
#    blocks; the C program: each ASan error as its memcheck kind with its
#    free/allocation stack; the fork: one log_path file per pid, and both
#    pids on one stderr, give the same sites; totals are LSan's SUMMARY or
#    unknown (possibly lost, still reachable: null, never 0).
# 2. LSan suppressions (leak:) after the fact, --gen-suppressions in LSan's
#    format, --fail-on.
# 3. Hostile inputs (hand-made): control characters and ANSI escapes in
#    names and paths are escaped, huge numbers and truncated lines are one
#    error line with file:line or an incomplete report, files the source
#    policy refuses are not read.
# 4. run --engine asan, live (a few seconds; not under make leakcheck): a C
#    program's leaks, errors and fork, a clean run, refusals of code built
#    without ASan, python3 with an ASan extension, and --per-test naming
#    exactly the leaking tests of the per-test fixture.
#
# Environment: VGTRIAGE (default build/vgtriage), PYTHON (/usr/bin/python3),
# VGT_CMD (golden.sh's command line for the tool), UPDATE=1 (rewrite the
# goldens).  One PASS/FAIL/SKIP line per check and "N passed, N failed".
set -u
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tests/goldenlib.sh
. "$SRCDIR/tests/goldenlib.sh"
golden_tool
cd "$SRCDIR" || exit 2
FIX=tests/fixtures/lsan
DATA=testdata/lsan
PYTHON=${PYTHON:-/usr/bin/python3}
# shellcheck disable=SC2086  # VGT_CMD is a command line
vgt() { $VGT_CMD "$@"; }

golden_workdir golden_lsan
SUITE=lsan

if [ ! -f "$DATA/seed.log" ]; then
	skip "no $DATA (sh $FIX/make.sh)"
	echo "$passed passed, $failed failed"
	exit 0
fi

# args CASE: the options of testdata/lsan/CASE.args
args() { [ -f "$DATA/$1.args" ] && cat "$DATA/$1.args"; }

# ---- 1. goldens over the real runs --------------------------------------
for log in "$DATA"/*.log; do
	c=$(basename "$log" .log)
	# shellcheck disable=SC2046
	vgt --color never $(args "$c") "$log" >"$WORK/$c.text" 2>"$WORK/$c.err"
	rc=$?
	check "$c: exit 0 or 1 (findings), not $rc" [ "$rc" -le 1 ]
	golden "$WORK/$c.text" "$DATA/$c.out_text" "$c text"
	# shellcheck disable=SC2046
	vgt -f json $(args "$c") "$log" >"$WORK/$c.json" 2>/dev/null
	golden "$WORK/$c.json" "$DATA/$c.out_json" "$c json"
	check "$c: input read as lsan" jcheck "$WORK/$c.json" 'all(i["format"] == "lsan" for i in d["inputs"])'
	check "$c: possibly lost and still reachable unknown (null), never 0" jcheck "$WORK/$c.json" \
		'd["totals"]["possibly_lost"]["bytes"] is None and d["totals"]["still_reachable"]["bytes"] is None'
done
for fmt in sarif junit github markdown codequality html; do
	# shellcheck disable=SC2046
	vgt -f "$fmt" $(args seed) "$DATA/seed.log" 2>/dev/null |
		sed "s|$SRCDIR|@ROOT@|g" >"$WORK/seed.$fmt"
	golden "$WORK/seed.$fmt" "$DATA/seed.out_$fmt" "seed $fmt"
done

# The seed service: rank 1 is native.pyx:11 with LSan's own figures.
sum=$(sed -n 's/^SUMMARY: AddressSanitizer: \([0-9]*\) byte(s) leaked in \([0-9]*\) allocation(s)\.$/\1 \2/p' "$DATA/seed.log")
check "seed: LSan's SUMMARY is there ($sum)" [ -n "$sum" ]
check "seed: rank 1 is api/native.pyx:11 with LSan's bytes and objects, nothing else shown" \
	"$PYTHON" -c '
import json, sys
d = json.load(open(sys.argv[1]))
b, n = map(int, sys.argv[2].split())
s = d["sites"]
assert len(s) == 1, len(s)
assert s[0]["location"]["file"] == "api/native.pyx" and s[0]["location"]["line"] == 11, s[0]["location"]
assert (s[0]["bytes"], s[0]["blocks"]) == (b, n), (s[0]["bytes"], s[0]["blocks"])
assert d["totals"]["definitely_lost"] == {"bytes": b, "blocks": n}, d["totals"]["definitely_lost"]
' "$WORK/seed.json" "$sum"

# The Cython shapes: every leak at its .pyx line with its exact figures.
check_out "cython shapes: every leak of expected.tsv at its .pyx line" "$PYTHON" -c '
import json, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[2]) if l.strip() and not l.startswith("#")]
d = json.load(open(sys.argv[1]))
got = {(s["location"]["file"], s["location"]["line"]): s for s in d["sites"]
       if s["kind"] == "Leak_DefinitelyLost" and s["category"] == "user"}
bad = []
for pyx, line, qual, nbytes, blocks in rows:
    s = got.pop((pyx, int(line)), None)
    if s is None or (s["bytes"], s["blocks"]) != (int(nbytes), int(blocks)):
        bad.append((pyx, line, s and (s["bytes"], s["blocks"])))
assert not bad and not got, (bad, list(got))
' "$WORK/cython_shapes.json" tests/fixtures/cypkg/expected.tsv

# The C program's errors: memcheck kinds, aux stacks, the error count.
check "uaf: InvalidRead at asanerr.c:59, freed at :58" jcheck "$WORK/uaf.json" \
	'd["sites"][0]["kind"] == "InvalidRead" and d["sites"][0]["location"]["line"] == 59 and d["totals"]["errors"]["total"] == 1 if "total" in d["totals"]["errors"] else d["sites"][0]["kind"] == "InvalidRead" and d["sites"][0]["location"]["line"] == 59'
check "overflow: InvalidWrite at asanerr.c:63" jcheck "$WORK/overflow.json" \
	'd["sites"][0]["kind"] == "InvalidWrite" and d["sites"][0]["location"]["line"] == 63'
check "dfree: InvalidFree at asanerr.c:70" jcheck "$WORK/dfree.json" \
	'd["sites"][0]["kind"] == "InvalidFree" and d["sites"][0]["location"]["line"] == 70'
check "uaf: leak figures unknown (the process stopped at the error)" jcheck "$WORK/uaf.json" \
	'd["totals"]["definitely_lost"]["bytes"] is None'
check "leak: direct -> definite, indirect -> indirect, totals = SUMMARY" jcheck "$WORK/leak.json" \
	'sorted(s["kind"] for s in d["sites"]) == ["Leak_DefinitelyLost"] * 2 + ["Leak_IndirectlyLost"] and d["totals"]["definitely_lost"] == {"bytes": 82, "blocks": 2} and d["totals"]["indirectly_lost"] == {"bytes": 32, "blocks": 1}'

# The fork: per-pid log_path files and one stderr give the same sites.
vgt -f json "$DATA/fork-1.log" "$DATA/fork-2.log" >"$WORK/fork-files.json" 2>/dev/null
vgt -f json "$DATA/fork-stderr.log" >"$WORK/fork-one.json" 2>/dev/null
check "fork: two log_path files and one stderr log: same sites, two processes each" "$PYTHON" -c '
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
key = lambda d: sorted((s["location"]["function"], s["bytes"], s["blocks"]) for s in d["sites"])
assert key(a) == key(b) == [("child_leak", 100, 1), ("parent_leak", 200, 1)], (key(a), key(b))
assert len(a["inputs"]) == 2 and len(b["inputs"]) == 2, (len(a["inputs"]), len(b["inputs"]))
assert a["totals"]["definitely_lost"] == b["totals"]["definitely_lost"] == {"bytes": 300, "blocks": 2}
' "$WORK/fork-files.json" "$WORK/fork-one.json"

# Per-test checks of LeakSanitizer: exactly the leaking tests, each with
# its own leak.
PERTEST_LEAKERS='["test_pertest.py::test_fixture_teardown", "test_pertest.py::test_leak_c", "test_pertest.py::test_leak_cython"]'
check_out "pertest: the leaking tests, exactly (LSan checks between tests)" "$PYTHON" -c '
import json, sys
d = json.load(open(sys.argv[1]))
leaked = sorted(t["name"] for t in d["tests"] if t.get("definitely_lost", {}).get("bytes"))
assert leaked == json.loads(sys.argv[2]), leaked
' "$WORK/pertest.json" "$PERTEST_LEAKERS"

# --input-format lsan forces the reader; detection finds it after a banner.
{ echo "program output first"; cat "$DATA/leak.log"; } >"$WORK/late.txt"
vgt -q --input-format lsan -f json "$WORK/late.txt" >"$WORK/late.json" 2>/dev/null
check "--input-format lsan reads a report after the program's own output" jcheck "$WORK/late.json" \
	'len(d["sites"]) == 3 and d["inputs"][0]["format"] == "lsan"'

# ---- 2. gates and suppressions --------------------------------------------
vgt -q --fail-on definite "$DATA/leak.log" >/dev/null 2>&1
check "--fail-on definite fails on LSan's direct leaks" [ $? -eq 1 ]
vgt -q --fail-on errors "$DATA/leak.log" >/dev/null 2>&1
check "--fail-on errors passes on a report with leaks only" [ $? -eq 0 ]
vgt -q --fail-on errors "$DATA/uaf.log" >/dev/null 2>&1
check "--fail-on errors fails on an ASan error" [ $? -eq 1 ]
vgt -q --fail-on possible "$DATA/leak.log" >/dev/null 2>&1
check "--fail-on possible passes: LeakSanitizer has no such kind" [ $? -eq 0 ]
vgt -q --fail-on definite "$DATA/uaf.log" >/dev/null 2>&1
check "--fail-on definite fails when the leak check never ran (aborted at an error)" [ $? -eq 1 ]

vgt -q --write-baseline "$WORK/base.json" "$DATA/leak.log" >/dev/null 2>&1
vgt -q -f json --baseline "$WORK/base.json" "$DATA/leak.log" >"$WORK/known.json" 2>/dev/null
vgt -q -f json --baseline "$WORK/base.json" "$DATA/fork-1.log" >"$WORK/new.json" 2>/dev/null
check "baseline: an LSan report's sites are known to its own baseline, another's are new" sh -c \
	"$PYTHON -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(not all(s[\"baseline\"] == \"known\" for s in d[\"sites\"]))' '$WORK/known.json' &&
	 $PYTHON -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(not all(s[\"baseline\"] == \"new\" for s in d[\"sites\"]))' '$WORK/new.json'"

printf 'leak:make_list\n' >"$WORK/lsan.supp"
vgt -f json --suppressions "$WORK/lsan.supp" "$DATA/leak.log" >"$WORK/supp.json" 2>/dev/null
check "leak: suppression (function) applied after the fact" jcheck "$WORK/supp.json" \
	'[s["location"]["function"] for s in d["sites"]] == ["make_name"]'
printf '# a comment\nleak:asanerr.c\n' >"$WORK/lsan2.supp"
vgt -f json --suppressions "$WORK/lsan2.supp" "$DATA/leak.log" >"$WORK/supp2.json" 2>/dev/null
check "leak: suppression (file name) suppresses every leak of the file" jcheck "$WORK/supp2.json" \
	'd["sites"] == []'
vgt -q --gen-suppressions "$DATA/leak.log" >"$WORK/gen.out" 2>&1
check_out "--gen-suppressions writes LSan's leak: lines for an LSan input" \
	grep -qx 'leak:make_list' "$WORK/gen.out"

# ---- 3. hostile inputs ------------------------------------------------------
esc=$(printf '\033')
cr=$(printf '\r')
{
	printf '==7==ERROR: LeakSanitizer: detected memory leaks\n\n'
	printf 'Direct leak of 8 byte(s) in 1 object(s) allocated from:\n'
	printf '    #0 0x4005 in malloc x.c:1\n'
	printf '    #1 0x4006 in evil%s[31mred%s[0m /etc/sh%sadow:3:1\n' "$esc" "$esc" "$cr"
	printf '    #2 0x4007 in main /proc/self/environ:1\n\n'
	printf 'SUMMARY: AddressSanitizer: 8 byte(s) leaked in 1 allocation(s).\n'
} >"$WORK/hostile.log"
vgt --color never "$WORK/hostile.log" >"$WORK/hostile.out" 2>"$WORK/hostile.err"
check "hostile: control characters and ANSI escapes never reach the output raw" \
	sh -c "! grep -q '$esc' '$WORK/hostile.out' '$WORK/hostile.err'"
check "hostile: /etc and /proc files the report names are not read" \
	sh -c "! grep -q 'root:' '$WORK/hostile.out'"
vgt -f json "$WORK/hostile.log" >"$WORK/hostile.json" 2>/dev/null
check "hostile: JSON still valid" jcheck "$WORK/hostile.json" 'len(d["sites"]) == 1'

{
	printf '==7==ERROR: LeakSanitizer: detected memory leaks\n\n'
	printf 'Direct leak of 8 byte(s) in 1 object(s) allocated from:\n'
	printf '    #0 0x4005 in malloc x.c:1\n    #1 0x4006 in f y.c:2\n\n'
	printf 'Direct leak of 99999999999999999999999 byte(s) in 1 object(s) allocated from:\n'
} >"$WORK/huge.log"
vgt -f json "$WORK/huge.log" >"$WORK/huge.json" 2>"$WORK/huge.err"
rc=$?
check "huge number: exit 2 with one error line naming file:line:column" \
	sh -c "[ $rc -eq 2 ] && [ \$(wc -l <'$WORK/huge.err') -eq 1 ] && grep -q 'huge.log:7:16' '$WORK/huge.err'"
check "huge number: the record before it is kept" jcheck "$WORK/huge.json" \
	'[(s["location"]["function"], s["bytes"]) for s in d["sites"]] == [("f", 8)]'

head -c 300 "$DATA/seed.log" >"$WORK/cut.log"
vgt -f json "$WORK/cut.log" >"$WORK/cut.json" 2>"$WORK/cut.err"
rc=$?
check "truncated: not exit 2, incomplete, figures unknown" sh -c "[ $rc -ne 2 ]" 
check "truncated: input incomplete and definitely lost unknown" jcheck "$WORK/cut.json" \
	'd["inputs"][0]["complete"] is False and d["totals"]["definitely_lost"]["bytes"] is None'
printf '==7==ERROR: LeakSanitizer: detected memory leaks\nDirect leak of 8 byte(s) in 1 object(s) allocated from:\n    #0 zzz in malloc\n' >"$WORK/noaddr.log"
vgt "$WORK/noaddr.log" >/dev/null 2>"$WORK/noaddr.err"
rc=$?
check "a frame without an address: exit 2, one line with file:line" \
	sh -c "[ $rc -eq 2 ] && [ \$(wc -l <'$WORK/noaddr.err') -eq 1 ] && grep -q 'noaddr.log:3:' '$WORK/noaddr.err'"

# ---- 4. run --engine asan (live, a few seconds of CPU) ----------------------
CC=${CC:-cc}
ASAN_RT=$($CC -print-file-name=libasan.so 2>/dev/null)
if [ "${VGT_UNDER_VALGRIND:-0}" = 1 ]; then
	skip "run --engine asan: not under valgrind (make leakcheck: the saved runs above cover the tool)"
elif [ -z "$ASAN_RT" ] || [ ! -e "$ASAN_RT" ] ||
	! $CC -g -O0 -fsanitize=address -fno-omit-frame-pointer -o "$WORK/asanerr" $FIX/asanerr.c 2>/dev/null; then
	skip "run --engine asan: no libasan for $CC"
else
	(cd "$WORK" && vgt run --engine asan -f json -o run-leak.json -- ./asanerr leak) 2>"$WORK/run-leak.err"
	rc=$?
	check "run --engine asan: a leaking C program, exit 1 (findings)" [ "$rc" -eq 1 ]
	check "run --engine asan: LSan's direct and indirect leaks, SUMMARY totals" jcheck "$WORK/run-leak.json" \
		'sorted((s["location"]["function"], s["kind"], s["bytes"]) for s in d["sites"]) == [("make_list", "Leak_DefinitelyLost", 32), ("make_list", "Leak_IndirectlyLost", 32), ("make_name", "Leak_DefinitelyLost", 50)] and d["totals"]["definitely_lost"] == {"bytes": 82, "blocks": 2}'
	(cd "$WORK" && vgt run --engine asan -f json -o run-fork.json -- ./asanerr fork) 2>/dev/null
	check "run --engine asan: both processes of a fork read, one report each" jcheck "$WORK/run-fork.json" \
		'len(d["inputs"]) == 2 and sorted(s["location"]["function"] for s in d["sites"]) == ["child_leak", "parent_leak"]'
	(cd "$WORK" && vgt run --engine asan -f json -o run-uaf.json -- ./asanerr uaf) 2>/dev/null
	check "run --engine asan: an ASan error, the leak figures unknown" jcheck "$WORK/run-uaf.json" \
		'd["sites"][0]["kind"] == "InvalidRead" and d["totals"]["definitely_lost"]["bytes"] is None'
	printf 'int main(void) { return 0; }\n' >"$WORK/clean.c"
	$CC -fsanitize=address -o "$WORK/clean" "$WORK/clean.c"
	(cd "$WORK" && vgt run --engine asan --fail-on definite -f json -o run-clean.json -- ./clean) 2>/dev/null
	rc=$?
	check "run --engine asan: a clean program passes the gate, LSan's figures 0 (not unknown)" sh -c \
		"[ $rc -eq 0 ] && $PYTHON -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(d[\"totals\"][\"definitely_lost\"] != {\"bytes\": 0, \"blocks\": 0})' '$WORK/run-clean.json'"
	$CC -o "$WORK/plain" "$WORK/clean.c"
	(cd "$WORK" && vgt run --engine asan -- ./plain) >/dev/null 2>"$WORK/plain.err"
	rc=$?
	check_out "run --engine asan: a program built without ASan is one line, exit 2" sh -c \
		"[ $rc -eq 2 ] && [ \$(wc -l <'$WORK/plain.err') -eq 1 ] && grep -q 'not built with -fsanitize=address' '$WORK/plain.err'"
	# Python: the runtime preloaded; an extension without ASan is refused.
	inc=$("$PYTHON" -c 'import sysconfig; print("-I" + sysconfig.get_paths()["include"])')
	suffix=$("$PYTHON" -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))')
	mkdir -p "$WORK/py" "$WORK/pyplain"
	$CC -g -O0 -shared -fPIC -fsanitize=address -fno-omit-frame-pointer $inc \
		-o "$WORK/py/leakymod$suffix" tests/fixtures/pyext/leakymod.c
	$CC -g -O0 -shared -fPIC $inc -o "$WORK/pyplain/leakymod$suffix" tests/fixtures/pyext/leakymod.c
	(cd "$WORK/py" && CALLS=50 vgt run --engine asan -f json -o "$WORK/run-py.json" -- \
		"$PYTHON" -c 'import leakymod; [leakymod.leak() for _ in range(50)]') 2>"$WORK/run-py.err"
	check_out "run --engine asan -- python3: the extension's leak, rank 1, LSan's exact figures" "$PYTHON" -c '
import json, sys
d = json.load(open(sys.argv[1]))
s = d["sites"][0]
assert s["location"]["file"].endswith("leakymod.c") and (s["bytes"], s["blocks"]) == (1600, 50), s
assert d["inputs"][0]["format"] == "lsan"
' "$WORK/run-py.json"
	# --per-test: the pytest plugin's checks through LeakSanitizer
	if "$PYTHON" -c 'import pytest' 2>/dev/null && command -v cython3 >/dev/null 2>&1 &&
		[ -f "$(dirname "$VGTRIAGE")/libvgtriage-pertest.so" ]; then
		mkdir -p "$WORK/pt"
		cp tests/fixtures/pertest/cyleak.pyx tests/fixtures/pertest/cleak.c \
			tests/fixtures/pertest/test_pertest.py "$WORK/pt/"
		(cd "$WORK/pt" && cython3 -3 cyleak.pyx >/dev/null &&
		 $CC -g -O0 -shared -fPIC -fsanitize=address -fno-omit-frame-pointer $inc \
			-o "cyleak$suffix" cyleak.c &&
		 $CC -g -O0 -shared -fPIC -fsanitize=address -fno-omit-frame-pointer $inc \
			-o "cleak$suffix" cleak.c)
		(cd "$WORK/pt" && vgt run --engine asan --per-test -f json -o "$WORK/run-pt.json" -- \
			"$PYTHON" -m pytest -q -p no:cacheprovider) >/dev/null 2>&1
		check_out "run --engine asan --per-test: exactly the leaking tests" "$PYTHON" -c '
import json, sys
d = json.load(open(sys.argv[1]))
leaked = sorted(t["name"] for t in d["tests"] if t.get("definitely_lost", {}).get("bytes"))
assert leaked == json.loads(sys.argv[2]), leaked
assert len(d["tests"]) >= 6, len(d["tests"])
' "$WORK/run-pt.json" "$PERTEST_LEAKERS"
	else
		skip "run --engine asan --per-test: no pytest, cython3 or libvgtriage-pertest.so"
	fi
	(cd "$WORK/pyplain" && vgt run --engine asan -- "$PYTHON" -c 'import leakymod') >/dev/null 2>"$WORK/pyplain.err"
	rc=$?
	check_out "run --engine asan -- python3: an extension built without ASan is one line, exit 2" sh -c \
		"[ $rc -eq 2 ] && [ \$(wc -l <'$WORK/pyplain.err') -eq 1 ] && grep -q 'no Python extension' '$WORK/pyplain.err'"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
