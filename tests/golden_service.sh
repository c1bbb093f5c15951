#!/bin/sh
# golden_service.sh — `vgtriage run` on a real service as it is deployed:
# the FastAPI app of tests/fixtures/service (its Cython cache leaks every
# buffer it evicts) under Debian's uvicorn, driven by a bounded load to
# 127.0.0.1 only (tests/fixtures/service/load.py).
#   1. SIGINT sent to vgtriage's process group (as a terminal's Ctrl-C
#      or a CI runner's cancel does): the service shuts down gracefully,
#      once, and the report is complete.
#   2. uvicorn --workers 2 under --trace-children=yes with --watch -f json:
#      every worker is asked at each snapshot; every line validates
#      against schemas/vgtriage-jsonl.schema.json; each worker's growth at
#      both caches (cache.pyx, Cython; lru.c, a C extension) is in the
#      snapshots exactly as valgrind counts it and in the final report, per
#      process; the reachable growth at the place of each leak (the cache
#      line) is in the snapshots' sites and the final notes.
#   3. the same without --trace-children=yes: the first snapshot that sees
#      the workers says they run outside valgrind.
# Every wait polls a condition with a generous overall timeout: nothing
# depends on the machine's speed.
#
# Environment: VGTRIAGE (default build/vgtriage), PYTHON (default
# /usr/bin/python3: Debian's, where python3-uvicorn and python3-fastapi
# are).  Prints PASS/FAIL/SKIP lines and "N passed, N failed".

set -u
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tests/goldenlib.sh
. "$SRCDIR/tests/goldenlib.sh"
golden_tool
FIX="$SRCDIR/tests/fixtures/service"
SCHEMA="$SRCDIR/schemas/vgtriage-jsonl.schema.json"
PYTHON=${PYTHON:-/usr/bin/python3}
SUITE=service

if ! command -v valgrind >/dev/null 2>&1 || ! command -v cython3 >/dev/null 2>&1 ||
	! command -v setsid >/dev/null 2>&1 ||
	! "$PYTHON" -c 'import uvicorn, fastapi, jsonschema' >/dev/null 2>&1; then
	skip "valgrind, cython3, setsid, or uvicorn/fastapi/jsonschema for $PYTHON missing"
	echo "0 passed, 0 failed"
	exit 0
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/golden_service.XXXXXX")
VGTMP="$WORK/tmp"
mkdir "$VGTMP"
GROUPS_STARTED=""
cleanup() {
	# only the process groups this script started (setsid: pgid = pid)
	for g in $GROUPS_STARTED; do kill -KILL -"$g" 2>/dev/null; done
	rm -rf "$WORK"
}
trap cleanup EXIT INT TERM
PYTHON="$PYTHON" sh "$FIX/build.sh" "$WORK/app" >"$WORK/build.out" 2>&1 ||
	{ cat "$WORK/build.out"; echo "cannot build the service fixture"; exit 2; }
cd "$WORK/app" || exit 2

free_port() {
	"$PYTHON" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# start_service OUT PORT VGTRIAGE-ARGS... -- UVICORN-ARGS...: vgtriage run in
# a new session (its pid is its process group); sets SPID
start_service() {
	out=$1
	port=$2
	shift 2
	TMPDIR="$VGTMP" setsid "$VGTRIAGE" run "$@" --host 127.0.0.1 --port "$port" \
		>"$out.stdout" 2>"$out.stderr" </dev/null &
	SPID=$!
	GROUPS_STARTED="$GROUPS_STARTED $SPID"
}

# wait_lines FILE PATTERN N: until FILE has N lines matching PATTERN
# (at most 600 s)
wait_lines() {
	i=0
	while [ "$(grep -c "$2" "$1" 2>/dev/null || true)" -lt "$3" ] && [ $i -lt 3000 ]; do
		sleep 0.2
		i=$((i + 1))
	done
	[ "$(grep -c "$2" "$1" 2>/dev/null || true)" -ge "$3" ]
}

UVICORN="$PYTHON -m uvicorn svc.app:app"

# --- 1. SIGINT to the process group: one graceful shutdown, report complete
port=$(free_port)
# shellcheck disable=SC2086
start_service sig "$port" -f json -o "$WORK/sig.json" --keep-xml "$WORK/sig.xml" -- $UVICORN
"$PYTHON" load.py "$port" wait 600 >/dev/null 2>&1
# 20 requests: the ring keeps 8 buffers, 12 are evicted and lost
"$PYTHON" load.py "$port" send 20 1000 600 1 20 >sig.load 2>&1
load_status=$?
kill -INT -"$SPID"
wait "$SPID"
status=$?
check "SIGINT: the load was served (20 requests)" sh -c "[ $load_status -eq 0 ] && $PYTHON -c 'import json
assert sum(json.load(open(\"sig.load\")).values()) == 20'"
# the server's own graceful-shutdown output, exactly once each
n_app=$(grep -c 'Application shutdown complete' sig.stderr)
n_svc=$(grep -c '^svc: shutdown done' sig.stderr)
check "SIGINT to the group: uvicorn's graceful shutdown appears once ($n_app), the app's shutdown hook once ($n_svc)" \
	[ "$n_app" -eq 1 ] && [ "$n_svc" -eq 1 ]
check "SIGINT to the group: no aborted shutdown (CancelledError)" \
	sh -c '! grep -q CancelledError sig.stderr'
# The report's figures at cache.pyx are valgrind's own (its XML, kept),
# and valgrind's are the 12 evicted buffers -- or a few whole blocks fewer
# where a stale copy of an evicted buffer's address (a register, a stack
# slot) made valgrind's search at exit count it possibly lost or still
# reachable: that is valgrind's view, which the report must repeat.
cat >sig_check.py <<'PY'
import json, sys
import xml.etree.ElementTree as ET
d = json.load(open(sys.argv[1]))
assert d["complete"] and all(i["complete"] for i in d["inputs"]), "incomplete"
def at_cache(kind):
    s = [s for s in d["sites"] if s["kind"] == kind and (s["location"]["file"] or "").endswith("cache.pyx")]
    return sum(x["bytes"] for x in s), sum(x["blocks"] for x in s)
vg = {}
for e in ET.parse(sys.argv[2]).getroot().iter("error"):
    objs = [f.findtext("obj") or "" for f in e.iter("frame")]
    if any("/svc/cache." in o for o in objs) and e.find("xwhat") is not None:
        b, n = vg.get(e.findtext("kind"), (0, 0))
        vg[e.findtext("kind")] = (b + int(e.find("xwhat").findtext("leakedbytes")),
                                  n + int(e.find("xwhat").findtext("leakedblocks")))
definite = at_cache("Leak_DefinitelyLost")
assert definite == vg.get("Leak_DefinitelyLost", (0, 0)), ("report", definite, "valgrind", vg)
assert definite[0] == 1000 * definite[1] and 9 <= definite[1] <= 12, ("report", definite, "valgrind", vg)
print("cache.pyx definitely lost", definite, "valgrind", vg)
PY
check_out "SIGINT: the report is complete, exit 1 ($status); at cache.pyx valgrind's figures: the 12 x 1000 bytes evicted, or a few whole blocks fewer that valgrind saw otherwise" \
	sh -c "[ $status -eq 1 ] && $PYTHON sig_check.py $WORK/sig.json $WORK/sig.xml"

# --- 2. two workers under --trace-children=yes, --watch, JSON Lines
port=$(free_port)
# shellcheck disable=SC2086
start_service w2 "$port" --watch 3 -f json --valgrind-arg=--trace-children=yes -- \
	$UVICORN --workers 2
"$PYTHON" load.py "$port" wait 600 >/dev/null 2>&1
# until both workers answered 20 times (at most 600 requests), each
# request with a new key: a worker leaks (answers - 8) x 1000 bytes at
# cache.pyx and (answers - 4) x 512 bytes at lru.c
"$PYTHON" load.py "$port" send 600 1000 600 2 20 keys >w2.load 2>&1
load_status=$?
# The snapshots' growth per worker, at each cache.  Polled (a snapshot
# every 3 s, at most 600 s): until it is what the worker leaked, or three
# snapshots have come since the load ended (the last two begun after it).
# Valgrind's count can be short of what was leaked: a stale copy of an
# evicted buffer's address (in a register, on a stack) makes it "possibly
# lost" or still reachable instead; the checks below then hold the
# snapshots to valgrind's own count.
cat >w2_grown.py <<'PY'
import json, sys
load = {int(p): n for p, n in json.load(open(sys.argv[2])).items()}
want = {"cache.pyx": {p: (n - 8) * 1000 for p, n in load.items()},
        "lru.c": {p: (n - 4) * 512 for p, n in load.items()}}
grown = {f: {} for f in want}
snaps = 0
for line in open(sys.argv[1]):
    try:
        l = json.loads(line)
    except ValueError:
        continue  # a line being written
    snaps += "snapshot" in l
    for site in l.get("sites", []) if "snapshot" in l else []:
        f = (site["location"]["file"] or "").rsplit("/", 1)[-1]
        for p in site.get("processes", []) if f in want else []:
            grown[f][p["pid"]] = grown[f].get(p["pid"], 0) + p["delta"]["bytes"]
if sys.argv[3] == "json":
    print(json.dumps({"grown": grown, "want": want}))
    sys.exit(0)
sys.exit(0 if grown == want or snaps >= int(sys.argv[3]) else 1)
PY
n=$(grep -c '"snapshot"' w2.stdout)
i=0
until "$PYTHON" w2_grown.py w2.stdout w2.load $((n + 3)) || [ $i -ge 3000 ]; do
	sleep 0.2
	i=$((i + 1))
done
kill -INT -"$SPID"
wait "$SPID"
status=$?
"$PYTHON" w2_grown.py w2.stdout w2.load json >w2.grown
check "--workers 2: both workers answered the load" [ "$load_status" -eq 0 ]
check_out "--watch -f json: every line validates against $(basename "$SCHEMA")" \
	"$PYTHON" -c 'import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
lines = [json.loads(l) for l in open(sys.argv[2])]
assert len(lines) >= 3 and lines[-1].get("final") is True, len(lines)
v = jsonschema.Draft202012Validator(schema)
for i, l in enumerate(lines):
    errs = sorted(v.iter_errors(l), key=str)
    assert not errs, "line %d: %s" % (i + 1, errs[0].message)' "$SCHEMA" w2.stdout
# Per worker and cache: the snapshots' growth is what the worker leaked,
# or else exactly what valgrind's final leak check of that worker counts
# as definitely lost there -- and valgrind counts every evicted buffer as
# lost, definitely or possibly.
check_out "--watch: every worker's growth at cache.pyx and lru.c is in the snapshots, per process, exact or short by a few whole blocks valgrind then saw reachable or possibly lost" \
	"$PYTHON" -c 'import json, sys
g = json.load(open(sys.argv[2]))
d = [json.loads(l) for l in open(sys.argv[1])][-1]
def final(f, kind):
    per = {}
    for s in d["sites"]:
        if s["kind"] == kind and (s["location"]["file"] or "").endswith(f):
            for p in s.get("processes") or [{"pid": s["pids"][0], "bytes": s["bytes"]}]:
                per[p["pid"]] = per.get(p["pid"], 0) + p["bytes"]
    return per
size, kept = {"cache.pyx": (1000, 8), "lru.c": (512, 4)}, {}
for l in [json.loads(l) for l in open(sys.argv[1])][:-1]:
    for s in l["sites"]:
        f = (s["location"]["file"] or "").rsplit("/", 1)[-1]
        if "reachable" in s:
            kept[f] = s["reachable"]["since_start"]["blocks"]
for f, want in g["want"].items():
    grown = {int(p): b for p, b in g["grown"][f].items()}
    definite, possible = final(f, "Leak_DefinitelyLost"), final(f, "Leak_PossiblyLost")
    # blocks the snapshots saw still reachable beyond the ones the caches
    # keep: a stale copy of the address of an evicted buffer (in a register
    # or on the stack of an idle worker) that the final search of valgrind, after the stacks
    # unwound, no longer finds.
    # A block evicted just before a snapshot can also be "possibly lost"
    # there (a stale pointer inside it), which the snapshots do not ask
    # for: allow a few such blocks per worker on top of the surplus seen.
    # Never more than was leaked, never a part of a block, and every
    # worker must show its growth.
    surplus = (max(0, kept.get(f, 0) - size[f][1] * len(want)) + 3 * len(want)) * size[f][0]
    short = 0
    for pid, w in want.items():
        pid = int(pid)
        # the search of valgrind at exit: every evicted buffer lost, but for a
        # few whole blocks a stale copy of their address keeps reachable
        lost = definite.get(pid, 0) + possible.get(pid, 0)
        assert w - 3 * size[f][0] <= lost <= w and (w - lost) % size[f][0] == 0, (f, pid, w, definite, possible)
        got = grown.get(pid, 0)
        assert got > 0, (f, pid, "no growth in the snapshots", grown)
        if got not in (w, definite.get(pid)):
            assert got < w and (w - got) % size[f][0] == 0, (f, pid, "snapshots", grown, "leaked", w, "valgrind", definite)
            short += w - got
    assert short <= surplus, (f, "snapshots", grown, "leaked", want, "short", short, "allowed", surplus)
    print(f, "snapshots", grown, "leaked", want, "valgrind definite", definite, "possible", possible)' w2.stdout w2.grown
check_out "--watch: each snapshot site's growth is the sum of its processes', bytes = since_start" \
	"$PYTHON" -c 'import json, sys
for l in [json.loads(l) for l in open(sys.argv[1])][:-1]:
    for site in l["sites"]:
        assert site["delta"]["bytes"] == sum(p["delta"]["bytes"] for p in site["processes"]), site
        assert site["bytes"] == site["since_start"]["bytes"], site' w2.stdout
check_out "--watch: every worker was asked (its own vgdb), with the first process" \
	"$PYTHON" -c 'import json, sys
load = {int(p) for p in json.load(open(sys.argv[2]))}
snaps = [json.loads(l) for l in open(sys.argv[1])][:-1]
assert any(load < set(s["pids"]) for s in snaps), [s["pids"] for s in snaps]' w2.stdout w2.load
# the caches keep 8 (cache.pyx) and 4 (lru.c) buffers per worker
# reachable and lose the others: reachable growth at the leak's place.
# At least the kept buffers: valgrind may count an evicted buffer as
# still reachable at one search (a stale copy of its address in a
# register or on a stack) and as lost at the next; its growth then counts
# in both, as valgrind reported it.
check_out "--watch: the cache line, reachable growth at the place of the definite leak (JSON field)" \
	"$PYTHON" -c 'import json, sys
snaps = [json.loads(l) for l in open(sys.argv[1])][:-1]
reach = {}
for s in snaps:
    for site in s["sites"]:
        f = (site["location"]["file"] or "").rsplit("/", 1)[-1]
        if "reachable" in site:
            reach[f] = site["reachable"]["since_start"]
c, l = reach.get("cache.pyx"), reach.get("lru.c")
assert c and c["blocks"] >= 16 and c["bytes"] == 1000 * c["blocks"], reach
assert l and l["blocks"] >= 8 and l["bytes"] == 512 * l["blocks"], reach' w2.stdout
check_out "--watch final line: the sites at cache.pyx and lru.c, per worker process" \
	"$PYTHON" -c 'import json, sys
load = {int(p): n for p, n in json.load(open(sys.argv[2])).items()}
d = [json.loads(l) for l in open(sys.argv[1])][-1]
pids = {i["pid"] for i in d["inputs"]}
assert set(load) <= pids, (load, pids)
for f, keep, size in (("cache.pyx", 8, 1000), ("lru.c", 4, 512)):
    s = [s for s in d["sites"] if s["kind"] == "Leak_DefinitelyLost" and (s["location"]["file"] or "").endswith(f)][0]
    per = {p["pid"]: p["bytes"] for p in s["processes"]}
    assert set(per) == set(load), (f, per)  # in every worker, per process
    assert all(0 < per[p] <= (n - keep) * size for p, n in load.items()), (f, per)
    assert s["category"] == "user", s["category"]
notes = d["notes"]
assert any("still reachable at the last --watch snapshot" in n for n in notes), notes
import re
for place in (r"svc/cache\.pyx:18", r"svc/lru\.c:68"):
    assert any(re.match(place + r": still-reachable bytes grew at the same place as its definite leak \(\+[0-9,]+ bytes in \+[0-9,]+ blocks over the run\): buffers kept, then lost when dropped", n) for n in notes), (place, notes)' w2.stdout w2.load
check "--workers 2: exit status from the policy (1), not a crash ($status)" [ "$status" -eq 1 ]

# --- 3. workers outside valgrind: said at the first snapshot that sees them
port=$(free_port)
# shellcheck disable=SC2086
start_service w0 "$port" --watch 3 -- $UVICORN --workers 2
"$PYTHON" load.py "$port" wait 600 >/dev/null 2>&1
# until a snapshot says so (a snapshot already under way when the service
# became ready may not know yet), then one more: said once
wait_lines w0.stdout 'outside valgrind: not in the snapshots' 1
n=$(grep -c '^watch #' w0.stdout)
wait_lines w0.stdout '^watch #' $((n + 1))
kill -INT -"$SPID"
wait "$SPID"
check_out "workers without --trace-children=yes: a snapshot says they run outside valgrind" \
	grep -q 'note: .* run .*outside valgrind: not in the snapshots (--valgrind-arg=--trace-children=yes follows it)' w0.stdout
check "the note is said once" [ "$(grep -c 'outside valgrind: not in the snapshots' w0.stdout)" -eq 1 ]

left=$(ls -A "$VGTMP" | wc -l)
check "no temp files left in TMPDIR" [ "$left" -eq 0 ]

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
