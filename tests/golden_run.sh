#!/bin/sh
# golden_run.sh — integration tests of `vgtriage run`: they really run
# valgrind (and vgdb, CPython) on the programs in tests/fixtures/run/.
#
# Environment: VGTRIAGE (default build/vgtriage), PYTHON (default
# /usr/bin/python3), PYTHON312 (default: pyenv's 3.12.1 when present),
# VGT_CMD (golden.sh's command line for vgtriage: under `make leakcheck`
# it runs vgtriage itself under valgrind; default $VGTRIAGE).
# Prints one PASS/FAIL/SKIP line per check and "N passed, N failed" at the
# end; exits 1 if anything failed.  Takes about a minute.

set -u
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tests/goldenlib.sh
. "$SRCDIR/tests/goldenlib.sh"
golden_tool
FIX="$SRCDIR/tests/fixtures/run"
PYTHON=${PYTHON:-/usr/bin/python3}
CC=${CC:-cc}
SUITE=run

if ! command -v valgrind >/dev/null 2>&1; then
	skip "valgrind not installed"
	echo "0 passed, 0 failed"
	exit 0
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/golden_run.XXXXXX")
# vgtriage's own temp files go here: it must be empty afterwards
VGTMP="$WORK/tmp"
mkdir "$VGTMP"
cleanup() { rm -rf "$WORK"; }
trap cleanup EXIT INT TERM
cd "$WORK" || exit 2

for prog in leak_exit leak_loop fork_child; do
	"$CC" -g -O0 -o "$prog" "$FIX/$prog.c" || { echo "cannot build $prog"; exit 2; }
done
"$CC" -g -O0 -shared -fPIC -o libpyleak.so "$FIX/pyleak.c" || exit 2

# shellcheck disable=SC2086  # VGT_CMD is a command line
run() { TMPDIR="$VGTMP" timeout 120 $VGT_CMD run "$@"; }
bg_run() { TMPDIR=$VGTMP; export TMPDIR; exec $VGT_CMD run "$@"; }

# --- 1. a C program: known leak, exit status 3 propagated, raw XML kept
run -f json -o leak.json --keep-xml leak.xml -- ./leak_exit >leak.stdout 2>leak.stderr
status=$?
check "C program's exit status 3 wins over the policy" [ "$status" -eq 3 ]
# valgrind's own numbers, from the XML it wrote
vg_bytes=$(grep -o '<leakedbytes>[0-9]*' leak.xml | head -1 | cut -d'>' -f2)
check "--keep-xml keeps valgrind's XML" [ "${vg_bytes:-0}" -eq 120 ]
check "rank 1 is make_leak at leak_exit.c:10 with valgrind's bytes (120 in 3 blocks)" \
	jcheck leak.json 'd["sites"][0]["kind"] == "Leak_DefinitelyLost" and d["sites"][0]["bytes"] == 120 and d["sites"][0]["blocks"] == 3 and d["sites"][0]["location"]["function"] == "make_leak" and d["sites"][0]["location"]["line"] == 10'
check "the input names the pid and the command" \
	jcheck leak.json 'len(d["inputs"]) == 1 and d["inputs"][0]["pid"] > 0 and "leak_exit" in d["inputs"][0]["command"] and d["inputs"][0]["complete"]'
check "no progress line when stderr is not a terminal" [ ! -s leak.stderr ]

# --- 2. Python calling a leaky native library
run -f json -o py.json --keep-xml py.xml -- "$PYTHON" "$FIX/py_leak.py" "$WORK/libpyleak.so" >py.stdout 2>py.stderr
status=$?
check "Python run: definite leak -> policy exit 1" [ "$status" -eq 1 ]
check "PYTHONMALLOC=malloc set for a Python interpreter" grep -qx 'PYTHONMALLOC=malloc' py.stdout
# valgrind's own figures for leak_block, from the XML it wrote in this run.
# pyleak.c scrubs the pointer it drops, so that all 5 blocks are definitely
# lost; were a stale copy left somewhere valgrind scans, it would call a
# block "possibly lost", and the report must say what valgrind said.
vg_leak=$("$PYTHON" -c 'import sys, xml.etree.ElementTree as ET
b = n = 0
for e in ET.parse(sys.argv[1]).getroot().iter("error"):
    if e.findtext("kind") == "Leak_DefinitelyLost" and any(
            f.findtext("fn") == "leak_block" for f in e.iter("frame")):
        b += int(e.find("xwhat").findtext("leakedbytes"))
        n += int(e.find("xwhat").findtext("leakedblocks"))
print(b, n)' py.xml 2>/dev/null)
# leak_block's malloc: the first in pyleak.c
mline=$(grep -n 'char \*p = malloc' "$FIX/pyleak.c" | head -n 1 | cut -d: -f1)
check "Python rank 1 is leak_block at pyleak.c:$mline with valgrind's own figures ($vg_leak)" \
	jcheck py.json "d['sites'][0]['location']['function'] == 'leak_block' and d['sites'][0]['location']['line'] == ${mline:-0} and '%d %d' % (d['sites'][0]['bytes'], d['sites'][0]['blocks']) == '$vg_leak'"
check "Python: all 5 blocks of 4096 bytes the program drops are definitely lost ($vg_leak)" \
	[ "$vg_leak" = "20480 5" ]
PYTHONMALLOC=malloc_debug run -q -o /dev/null -- "$PYTHON" "$FIX/py_leak.py" "$WORK/libpyleak.so" >py2.stdout 2>&1
check "the user's own PYTHONMALLOC is kept" grep -qx 'PYTHONMALLOC=malloc_debug' py2.stdout
# a script whose shebang names python
printf '#!%s\nimport os\nprint("PYTHONMALLOC=%%s" %% os.environ.get("PYTHONMALLOC", ""))\n' "$PYTHON" >entry
chmod +x entry
run -q -o /dev/null -- ./entry >entry.stdout 2>&1
check "a script with a python shebang gets PYTHONMALLOC=malloc" grep -qx 'PYTHONMALLOC=malloc' entry.stdout

# --- 3. children: one XML per process, merged
run -f json -o fork.json --valgrind-arg=--trace-children=yes -- ./fork_child >/dev/null 2>fork.stderr
check "--trace-children=yes: both pids in inputs, child's ppid is the parent" \
	jcheck fork.json 'len(d["inputs"]) == 2 and d["inputs"][1]["ppid"] == d["inputs"][0]["pid"] and d["inputs"][0]["pid"] != d["inputs"][1]["pid"]'
check "--trace-children=yes: child's 64 and parent's 32 bytes both reported" \
	jcheck fork.json 'sorted((s["location"]["function"], s["bytes"]) for s in d["sites"] if s["kind"] == "Leak_DefinitelyLost") == [("child_leak", 64), ("parent_leak", 32)]'
run -f json -o fork1.json -- ./fork_child >/dev/null 2>&1
# valgrind follows fork() whatever --trace-children says: the child's own
# leak check is read too (tests/golden_procs.sh tests forks in depth)
check "without --trace-children a forked child's leak is reported too, with its pid" \
	jcheck fork1.json 'len(d["inputs"]) == 2 and all(i["complete"] for i in d["inputs"]) and sorted((s["location"]["function"], s["pids"] == [d["inputs"][s["location"]["function"] == "child_leak"]["pid"]]) for s in d["sites"]) == [("child_leak", True), ("parent_leak", True)]'

# --- 4. SIGINT through vgtriage: forwarded, leak report still produced
rm -f ready
bg_run -f json -o sigint.json -- ./leak_loop run "$WORK/ready" >/dev/null 2>sigint.stderr &
vpid=$!
i=0
# "ready" comes after 10 drips (240 bytes): no fixed wait
while [ ! -f ready ] && [ $i -lt 1200 ]; do sleep 0.1; i=$((i + 1)); done
kill -INT $vpid
wait $vpid
status=$?
check "SIGINT forwarded: the program dies of SIGINT, exit 130" [ "$status" -eq 130 ]
check "SIGINT: the leak report is complete and names drip()" \
	jcheck sigint.json 'd["inputs"][0]["complete"] and d["sites"][0]["location"]["function"] == "drip" and d["sites"][0]["bytes"] % 24 == 0 and d["sites"][0]["bytes"] >= 240'

# --- 5. a second Ctrl-C within 3 s kills; what was read is still reported
rm -f ready
bg_run -f json -o kill.json -- ./leak_loop stubborn "$WORK/ready" >/dev/null 2>kill.stderr &
vpid=$!
i=0
while [ ! -f ready ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
kill -INT $vpid
sleep 0.5
kill -INT $vpid
wait $vpid
status=$?
check "second SIGINT within 3 s: SIGKILL, exit 137" [ "$status" -eq 137 ]
check "killed run: report printed and marked incomplete" \
	jcheck kill.json 'd["inputs"][0]["complete"] is False and d.get("complete", False) is False'
check "killed run: stderr says the report is incomplete" grep -q 'incomplete' kill.stderr

# --- 6. missing command / missing valgrind: one line, exit 2
run -- vgtriage-no-such-command >missing.stdout 2>missing.stderr
status=$?
check "missing command: exit 2" [ "$status" -eq 2 ]
check "missing command: exactly one line on stderr, nothing on stdout" \
	sh -c '[ "$(wc -l <missing.stderr)" -eq 1 ] && grep -q "vgtriage-no-such-command: command not found" missing.stderr && [ ! -s missing.stdout ]'
PATH=/nonexistent "$VGTRIAGE" run -- /bin/true >novg.stdout 2>novg.stderr
status=$?
check "valgrind missing: exit 2 and one line" \
	sh -c "[ $status -eq 2 ] && [ \"\$(wc -l <novg.stderr)\" -eq 1 ] && grep -q 'valgrind not found in PATH' novg.stderr"

# --- 7. --watch on a service under load (HTTP on 127.0.0.1)
rm -f port watch.jsonl
# snapshots (JSON Lines) and then the final report share the report's stream
bg_run --watch 2 -f json -- \
	"$PYTHON" "$FIX/http_server.py" "$WORK/libpyleak.so" "$WORK/port" >watch.jsonl 2>watch.stderr &
vpid=$!
timeout 150 "$PYTHON" "$FIX/http_load.py" "$WORK/port" "$WORK/watch.jsonl" 3,5 120 >load.out 2>&1
load_status=$?
# no zombie and no fd growth in vgtriage while it takes snapshots
fds1=$(ls /proc/$vpid/fd 2>/dev/null | wc -l)
zombies=$(ps -o stat= --ppid $vpid 2>/dev/null | grep -c Z)
sleep 4.5
fds2=$(ls /proc/$vpid/fd 2>/dev/null | wc -l)
kill -INT $vpid
wait $vpid
status=$?
sed 's/^/    /' load.out
# the final report: the last line, marked "final"
tail -n 1 watch.jsonl >watch_final.json
check "--watch -f json: standard output is JSON Lines, the final report last (\"final\": true)" \
	"$PYTHON" -c 'import json,sys
lines = [json.loads(l) for l in open("watch.jsonl")]
assert len(lines) >= 2 and lines[-1].get("final") is True and "sites" in lines[-1]
assert all("snapshot" in l for l in lines[:-1])'
check "--watch: the leaking site grew by the bytes of the requests in between" [ "$load_status" -eq 0 ]
check "--watch: snapshots are JSON Lines with delta and since_start" \
	"$PYTHON" -c 'import json,sys
lines = [json.loads(l) for l in open("watch.jsonl") if l.startswith("{\"snapshot\"")]
assert len(lines) >= 3 and all("elapsed_s" in s for s in lines)
assert [s["snapshot"] for s in lines] == list(range(1, len(lines) + 1))'
check "--watch: the service stopped by SIGINT, final report has leak_block 8000 bytes" \
	jcheck watch_final.json '[(s["location"]["function"], s["bytes"]) for s in d["sites"]][:1] == [("leak_block", 8000)]'
check "--watch: exit status from the policy (1)" [ "$status" -eq 1 ]
# snapshots see vgdb's text, the report valgrind's XML: same site, same fingerprint
final_fp=$("$PYTHON" -c 'import json
d = json.load(open("watch_final.json"))
print([s["fingerprint"] for s in d["sites"] if s["location"]["function"] == "leak_block"][0])' 2>/dev/null)
check "--watch: snapshot and final report agree on leak_block's fingerprint ($final_fp)" \
	grep -q "leak_block fingerprints \['${final_fp:-none}'\]" load.out
check "--watch: no zombie children, fd count stable across snapshots ($fds1, $fds2)" \
	sh -c "[ $zombies -eq 0 ] && [ $fds1 -gt 0 ] && [ $fds1 -eq $fds2 ]"

# --- 8. CPython 3.12: Python function named from the perf map
P312=${PYTHON312:-}
if [ -z "$P312" ]; then
	root=$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")
	for c in "$root/versions/3.12.1/bin/python3.12" "$HOME/.pyenv/versions/3.12.1/bin/python3"; do
		[ -x "$c" ] && { P312=$c; break; }
	done
fi
if [ -n "$P312" ] && [ -x "$P312" ]; then
	env -u PYTHONPERFSUPPORT TMPDIR="$VGTMP" timeout 120 "$VGTRIAGE" run -f json -o p312.json -- \
		"$P312" "$FIX/py_leak.py" "$WORK/libpyleak.so" >p312.stdout 2>&1
	check "Python 3.12: PYTHONPERFSUPPORT=1 set" grep -qx 'PYTHONPERFSUPPORT=1' p312.stdout
	env -u PYTHONPERFSUPPORT TMPDIR="$VGTMP" timeout 120 "$VGTRIAGE" run --no-python-perf -q -o /dev/null -- \
		"$P312" "$FIX/py_leak.py" "$WORK/libpyleak.so" >p312n.stdout 2>&1
	check "Python 3.12 --no-python-perf: PYTHONPERFSUPPORT not set" grep -qx 'PYTHONPERFSUPPORT=' p312n.stdout
	env -u PYTHONPERFSUPPORT TMPDIR="$VGTMP" timeout 120 "$VGTRIAGE" run -f json -o perf.json -- \
		"$P312" "$FIX/py_perf.py" >/dev/null 2>perf.stderr
	# 3 x 4096 bytes from ctypes malloc: only the perf map names leaky_endpoint
	check "Python 3.12: ctypes malloc leak attributed to py::leaky_endpoint (12288 bytes)" \
		jcheck perf.json 'd["sites"][0]["bytes"] == 12288 and "leaky_endpoint" in json.dumps(d["sites"][0]["location"])'
else
	skip "CPython 3.12 attribution: no python3.12 (pyenv 3.12.1) found; set PYTHON312"
fi

# --- 9. progress line on a terminal (needs script(1) for a pty)
if command -v script >/dev/null 2>&1; then
	rm -f tty.pid
	TMPDIR="$VGTMP" script -qec "sh -c 'echo \$\$ >tty.pid; exec $VGTRIAGE run -o /dev/null -- ./leak_loop run' 2>&1 >/dev/null" /dev/null >tty.out 2>&1 &
	spid=$!
	# until the line shows (at most 120 s), not a fixed time: a loaded
	# machine starts valgrind slowly
	i=0
	while ! grep -q 'vgtriage: running' tty.out 2>/dev/null && [ $i -lt 1200 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -s tty.pid ] && kill -INT "$(cat tty.pid)"
	wait $spid
	check "progress line on a terminal" grep -q 'vgtriage: running' tty.out
	run -q -o /dev/null -- ./leak_exit >/dev/null 2>q.stderr
	check "-q: no progress, no diagnostics" [ ! -s q.stderr ]
else
	skip "progress line: script(1) not installed"
fi

# --- 9b. only its own processes: a stranger with the marker is not adopted
# (issue 21).  The stranger is not in the program's tree (its own session)
# but carries run's --xml-file argument; were it adopted, run would wait for
# it (it sleeps 120 s) and name it on stderr.
rm -f ready
bg_run -f json -o adopt.json -- ./leak_loop run "$WORK/ready" >/dev/null 2>adopt.stderr &
vpid=$!
i=0
while [ ! -f ready ] && [ $i -lt 1200 ]; do sleep 0.1; i=$((i + 1)); done
vgdir=$(ls -d "$VGTMP"/vgtriage.* 2>/dev/null | head -n 1)
setsid "$PYTHON" -c 'import time; time.sleep(120)' "--xml-file=$vgdir/vg.%p.xml" </dev/null >/dev/null 2>&1 &
stranger=$!
# until the stranger's command line holds the marker
i=0
while ! tr '\0' '\n' <"/proc/$stranger/cmdline" 2>/dev/null | grep -qx -- "--xml-file=$vgdir/vg.%p.xml" &&
	[ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
kill -INT $vpid
wait $vpid
alive=0
kill -0 $stranger 2>/dev/null && alive=1
kill $stranger 2>/dev/null
wait $stranger 2>/dev/null
check "a process outside run's tree holding its --xml-file marker is not adopted (run did not wait for it)" \
	sh -c "[ -n '$vgdir' ] && [ $alive -eq 1 ] && ! grep -q 'pid $stranger' adopt.stderr && ! grep -q 'pid $stranger' adopt.json"
check "and the run's own report is complete" jcheck adopt.json 'd["inputs"][0]["complete"] and len(d["inputs"]) == 1'

# --- 9c. a program with a hostile name: escaped on stderr (issue 21).  Its
# name holds a newline and a GitHub workflow command; killed by a second
# SIGINT, its truncated XML draws a warning that names it.
evil=$(printf 'evil\n::error file=x.c,line=1::pwned')
cp leak_loop "$evil"
rm -f ready
bg_run -f json -o evil.json -- "./$evil" stubborn "$WORK/ready" >/dev/null 2>evil.stderr &
vpid=$!
i=0
while [ ! -f ready ] && [ $i -lt 1200 ]; do sleep 0.1; i=$((i + 1)); done
kill -INT $vpid
sleep 0.5
kill -INT $vpid
wait $vpid
check "a hostile program name is named on stderr" grep -q 'evil' evil.stderr
# the warning names the process by the command line in its XML preamble
# (main.c's own "killed COMMAND" line quotes the user's argv: not checked)
check "a hostile program name is escaped on stderr: no line of it starts a workflow command" \
	sh -c "! grep -q '^[[:space:]]*::error.*pwned stubborn' evil.stderr && grep -q '(./evil\\\\n::error file=x.c,line=1::pwned stubborn' evil.stderr"
rm -f "$evil"

# --- 10. nothing left behind
left=$(ls -A "$VGTMP" | wc -l)
check "no temp files left in TMPDIR" [ "$left" -eq 0 ]
[ "$left" -eq 0 ] || ls -A "$VGTMP" | sed 's/^/    left: /'
# the perf maps of the 3.12 runs (their pids from the reports); /tmp is
# shared, so only these are ours to check
if [ -f p312.json ] && [ -f perf.json ]; then
	pids=$("$PYTHON" -c 'import json,sys
for f in sys.argv[1:]:
    for i in json.load(open(f))["inputs"]:
        print(i["pid"])' p312.json perf.json 2>/dev/null)
	left_maps=""
	for p in $pids; do [ -e "/tmp/perf-$p.map" ] && left_maps="$left_maps $p"; done
	pids=$(echo $pids)
	check "no perf maps of our Python 3.12 runs left in /tmp (pids: $pids)" \
		sh -c "[ -n '$pids' ] && [ -z '$left_maps' ]"
fi
check "no valgrind process of ours left" \
	sh -c "! ps -eo args | grep -v grep | grep -q '$WORK'"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
