#!/bin/sh
# golden_procs.sh — programs with several processes (issue 11, "Processes").
#
# 1. testdata/procs (tests/fixtures/procs/make.sh: real valgrind runs, one
#    XML file or text log per process): the golden reports over each case's
#    files; every process's definitely lost bytes and blocks as valgrind's
#    own LEAK SUMMARY (text logs) and records (XML) say; the XML run and the
#    text-log run agree on each site's processes; forked children repeat
#    what their parent lost before fork() and the report says so.
# 2. `vgtriage run` on the same programs (valgrind really runs): forked
#    children read, with their exact figures (against the XML kept with
#    --keep-xml); Python multiprocessing fork and spawn; a child that
#    outlives its parent is waited for, and Ctrl-C ends that wait with an
#    incomplete report; the program's stdout never mixes with the report.
#
# Environment: VGTRIAGE (default build/vgtriage), PYTHON (/usr/bin/python3),
# VGT_CMD (golden.sh's command line for the tool, valgrind included under
# `make leakcheck`), UPDATE=1 (rewrite the goldens).  Prints one PASS/FAIL/
# SKIP line per check and "N passed, N failed".
set -u
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tests/goldenlib.sh
. "$SRCDIR/tests/goldenlib.sh"
golden_tool
cd "$SRCDIR" || exit 2
FIX=tests/fixtures/procs
DATA=testdata/procs
PYTHON=${PYTHON:-/usr/bin/python3}
CC=${CC:-cc}
CHECKS="$PYTHON $SRCDIR/tests/procs_checks.py"
# shellcheck disable=SC2086  # VGT_CMD is a command line
vgt() { $VGT_CMD "$@"; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/golden_procs.XXXXXX")
SUITE=procs
VGTMP="$WORK/tmp" # vgtriage's own temp dirs: empty afterwards
mkdir "$VGTMP"
cleanup() { rm -rf "$WORK"; }
trap cleanup EXIT INT TERM

# files CASE EXT: the case's files, the first process first
files() { ls "$DATA/$1".*."$2" 2>/dev/null | sort -t. -k2n; }

# --- 1. testdata/procs -------------------------------------------------------

for name in forkleak outlive mp_fork mp_spawn; do
	xmls=$(files $name xml)
	logs=$(files $name log)
	if [ -z "$xmls" ] || [ -z "$logs" ]; then
		fail "$DATA/$name.*: missing (sh $FIX/make.sh)"
		continue
	fi
	# shellcheck disable=SC2086  # file lists
	{
		vgt --color never $xmls >"$WORK/$name.text" 2>/dev/null
		vgt -f json $xmls >"$WORK/$name.json" 2>/dev/null
		vgt -f json --all $logs >"$WORK/$name.log.json" 2>/dev/null
		vgt -f json --all $xmls >"$WORK/$name.all.json" 2>/dev/null
	}
	golden "$WORK/$name.text" "$DATA/$name.out_text" "$name text"
	golden "$WORK/$name.json" "$DATA/$name.out_json" "$name json"
	golden "$WORK/$name.log.json" "$DATA/$name.log.out_json" "$name log json"
	# shellcheck disable=SC2086
	check_out "$name: each process's definitely lost = valgrind's records in its XML" \
		$CHECKS perproc "$WORK/$name.all.json" $xmls
	# shellcheck disable=SC2086
	check_out "$name: each process's definitely lost = its text log's LEAK SUMMARY" \
		$CHECKS perproc "$WORK/$name.log.json" $logs
	check_out "$name: XML run and text-log run agree on every site's processes" \
		$CHECKS procpair "$WORK/$name.all.json" "$WORK/$name.log.json"
done

# forkleak: parent -> A -> B, forks without exec
J=$WORK/forkleak.json
site() { # site FUNCTION: the JSON expression of that site
	printf '[s for s in d["sites"] if s["location"]["function"] == "%s"][0]' "$1"
}
check "forkleak: 3 processes, every leak reported (1,800 bytes in 9 blocks over 3 processes)" \
	jcheck "$J" 'len(d["inputs"]) == 3 and d["totals"]["definitely_lost"] == {"bytes": 1800, "blocks": 9}'
check "forkleak: before_fork's 100 bytes in all 3 processes, the 2 children's copies inherited" \
	jcheck "$J" "(lambda s: s['pids'] == sorted(i['pid'] for i in d['inputs']) and s['blocks'] == 3 and s['inherited_from_parent'] and s['inherited'] == {'bytes': 200, 'blocks': 2})($(site before_fork))"
check "forkleak: in_child's 2 blocks repeated by the grandchild only" \
	jcheck "$J" "(lambda s: len(s['pids']) == 2 and s['inherited'] == {'bytes': 400, 'blocks': 2} and [p.get('inherited') for p in s['processes']] == [None, {'bytes': 400, 'blocks': 2, 'records': 2}])($(site in_child))"
check "forkleak: in_parent and in_grandchild are their own (one process, nothing inherited)" \
	jcheck "$J" "all(len(s['pids']) == 1 and 'inherited_from_parent' not in s for s in ($(site in_parent), $(site in_grandchild)))"
check "forkleak text: 'in 3 processes', the pids and 'inherited from parent'" \
	sh -c "grep -q '3 records, in 3 processes' '$WORK/forkleak.text' && grep -q '^    processes: [0-9]*, [0-9]*, [0-9]*$' '$WORK/forkleak.text' && grep -q 'inherited from parent: 200 bytes in 2 blocks' '$WORK/forkleak.text'"
check "forkleak: a note says forked children repeat their parent's leaks" \
	jcheck "$J" 'any("without exec" in n and "once per process" in n for n in d["notes"])'

# mp_fork: the parent's 5 blocks, and 4 workers with 15 of their own each
J=$WORK/mp_fork.json
# shellcheck disable=SC2046
set -- $($CHECKS blocks nleak $(files mp_fork xml))
total=${1:-0} parent=${2:-0}
check "mp_fork: nleak has all $total blocks valgrind reported in 5 processes, not the parent's $parent" \
	jcheck "$J" "(lambda s: s['blocks'] == $total and $total > $parent and len(s['pids']) == 5)($(site nleak))"
check "mp_fork: each worker repeats the parent's $parent blocks, marked inherited" \
	jcheck "$J" "(lambda s: s['inherited']['blocks'] == 4 * $parent and all(p['inherited']['blocks'] == $parent for p in s['processes'][1:]) and 'inherited' not in s['processes'][0])($(site nleak))"
check "mp_fork: the input is every process, complete" \
	jcheck "$J" 'len(d["inputs"]) == 5 and d["complete"] and all(i["ppid"] == d["inputs"][0]["pid"] for i in d["inputs"][1:])'
# mp_spawn: fresh interpreters (exec): nothing inherited
J=$WORK/mp_spawn.json
# shellcheck disable=SC2046
set -- $($CHECKS blocks nleak $(files mp_spawn xml))
check "mp_spawn: nleak has all ${1:-0} blocks of 5 processes, none inherited (exec)" \
	jcheck "$J" "(lambda s: s['blocks'] == ${1:-0} and len(s['pids']) == 5 and 'inherited_from_parent' not in s)($(site nleak))"
check "outlive: the child's late_leak (48 bytes) is in the report" \
	jcheck "$WORK/outlive.json" "(lambda s: s['bytes'] == 48 and s['pids'] == [d['inputs'][1]['pid']])($(site late_leak))"

# --- 2. vgtriage run ---------------------------------------------------------
if ! command -v valgrind >/dev/null 2>&1; then
	skip "run: valgrind not installed"
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit
fi
for prog in forkleak outlive; do
	"$CC" -g -O0 -o "$WORK/$prog" "$FIX/$prog.c" || { echo "cannot build $prog"; exit 2; }
done
"$CC" -g -O0 -shared -fPIC -o "$WORK/libnleak.so" "$FIX/nleak.c" || exit 2
cp "$FIX/mp_workers.py" "$WORK/"
cd "$WORK" || exit 2
# shellcheck disable=SC2086
run() { TMPDIR="$VGTMP" timeout 300 $VGT_CMD run "$@"; }
bg_run() { TMPDIR=$VGTMP; export TMPDIR; exec $VGT_CMD run "$@"; }

# forks without exec, and one child that exec's /bin/true
run -f json --all -o fl.json --keep-xml fl.xml -- ./forkleak exec >fl.out 2>fl.err
status=$?
check "run forkleak: exit 1 (definite leaks), nothing on stderr" sh -c "[ $status -eq 1 ] && [ ! -s fl.err ]"
check "run forkleak: 3 processes, the first one first, complete" \
	jcheck fl.json 'len(d["inputs"]) == 3 and d["complete"] and d["inputs"][1]["ppid"] == d["inputs"][0]["pid"] and d["inputs"][2]["ppid"] == d["inputs"][1]["pid"]'
check_out "run forkleak: every process's figures = the XML valgrind wrote for it (--keep-xml)" \
	$CHECKS perproc fl.json fl.xml fl.xml.*
check "run forkleak: --keep-xml kept one file per process (FILE, FILE.PID)" \
	jcheck fl.json '__import__("os").path.exists("fl.xml.%d" % d["inputs"][1]["pid"]) and __import__("os").path.exists("fl.xml.%d" % d["inputs"][2]["pid"])'
check "run forkleak: the child that exec'd is a note (not an incomplete input)" \
	jcheck fl.json 'any("1 forked process" in n and "trace-children=yes" in n for n in d["notes"])'
check "run forkleak: inherited leaks flagged" \
	jcheck fl.json "$(site before_fork)['inherited'] == {'bytes': 200, 'blocks': 2}"

# Python multiprocessing, fork: every worker's leak, with valgrind's figures
run -f json --all -o mpf.json --keep-xml mpf.xml -- \
	"$PYTHON" mp_workers.py "$WORK/libnleak.so" fork >mpf.out 2>mpf.err
status=$?
# shellcheck disable=SC2046
set -- $($CHECKS blocks nleak mpf.xml mpf.xml.* 2>/dev/null)
check "run mp fork: exit 1; nleak has all ${1:-0} blocks (5 processes), not the parent's ${2:-0}" \
	jcheck mpf.json "$status == 1 and (lambda s: s['blocks'] == ${1:-0} and ${1:-0} > ${2:-0} and len(s['pids']) == 5 and s['inherited']['blocks'] == 4 * ${2:-0})($(site nleak))"
check_out "run mp fork: every process's figures = the XML valgrind wrote for it" \
	$CHECKS perproc mpf.json mpf.xml mpf.xml.*

# spawn without --trace-children: valgrind does not follow the exec; said so
run -f json -o mps.json -- "$PYTHON" mp_workers.py "$WORK/libnleak.so" spawn 2 >mps.out 2>mps.err
check "run mp spawn: the workers valgrind did not follow are named in a note" \
	jcheck mps.json 'len(d["inputs"]) == 1 and d["complete"] and any("ended without a valgrind report" in n and "--trace-children=yes" in n for n in d["notes"])'

# a child that outlives its parent: waited for, its leak reported
run -f json -o ol.json -- ./outlive 3000 >ol.out 2>ol.err
status=$?
check "run outlive: the child's late_leak after its parent ended (48 bytes, its pid)" \
	jcheck ol.json "$status == 1 and d['complete'] and (lambda s: s['bytes'] == 48 and s['pids'] == [d['inputs'][1]['pid']])($(site late_leak))"
check "run outlive: stderr says whom it waits for" \
	grep -q 'ended; waiting for pid [0-9]* (./outlive 3000)' ol.err

# Ctrl-C ends the wait: what was read is reported, marked incomplete
bg_run -f json -o st.json -- ./outlive 120000 stubborn >st.out 2>st.err &
vpid=$!
i=0
while ! grep -q 'waiting for' st.err 2>/dev/null && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
t0=$(date +%s)
kill -INT $vpid
wait $vpid
status=$?
t1=$(date +%s)
check "run stubborn child: Ctrl-C ends the wait within 10 s (status $status)" \
	sh -c "[ $status -eq 1 ] && [ $((t1 - t0)) -le 10 ]"
check "run stubborn child: the report has the parent's early_leak and is marked incomplete" \
	jcheck st.json "not d['complete'] and d['inputs'][0]['complete'] and not d['inputs'][1]['complete'] and $(site early_leak)['pids'] == [d['inputs'][0]['pid']]"
check "run stubborn child: stderr names the process still running and the dir left" \
	sh -c "grep -q 'pid [0-9]* (./outlive 120000 stubborn) still runs under valgrind' st.err && grep -q 'left in place' st.err"
# the child is ours (its command line names our temp dir): end it
child=$("$PYTHON" -c 'import json; print(json.load(open("st.json"))["inputs"][1]["pid"])' 2>/dev/null)
if [ -n "$child" ] && grep -q "$VGTMP" "/proc/$child/cmdline" 2>/dev/null; then
	kill -KILL "$child"
fi
rm -rf "$VGTMP"/vgtriage.*

# the program's stdout never shares vgtriage's stream
# (printf: the output's text is not in the command, which the report names)
run -f json -- /bin/sh -c 'printf "%s-%s\n" program output' >sep.out 2>sep.err
check "run -f json: stdout is the report alone; the program's output went to stderr" \
	sh -c "'$PYTHON' -m json.tool sep.out >/dev/null && grep -qx program-output sep.err && ! grep -q program-output sep.out"
run -f json -o sep.json -- /bin/sh -c 'printf "%s-%s\n" program output' >sep2.out 2>/dev/null
check "run -o FILE: the program keeps its stdout" grep -qx program-output sep2.out

run --valgrind-arg=--log-file=vg.%p.log -- ./forkleak >lf.out 2>lf.err
status=$?
check "run --valgrind-arg=--log-file=…%p…: refused in one line, exit 2" \
	sh -c "[ $status -eq 2 ] && [ \"\$(wc -l <lf.err)\" -eq 1 ] && grep -q 'forked children' lf.err"

left=$(ls -A "$VGTMP" | wc -l)
check "no temp files left in TMPDIR" [ "$left" -eq 0 ]
check "no valgrind process of ours left" sh -c "! ps -eo args | grep -v grep | grep -q '$VGTMP'"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
