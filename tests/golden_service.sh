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
#      against schemas/vgtriage-jsonl.schema.json; each worker's growth is
#      in the snapshots and in the final report, per process.
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
FIX="$SRCDIR/tests/fixtures/service"
SCHEMA="$SRCDIR/schemas/vgtriage-jsonl.schema.json"
VGTRIAGE=${VGTRIAGE:-build/vgtriage}
case "$VGTRIAGE" in /*) ;; *) VGTRIAGE="$SRCDIR/$VGTRIAGE" ;; esac
PYTHON=${PYTHON:-/usr/bin/python3}
SUITE=service
# shellcheck source=tests/goldenlib.sh
. "$SRCDIR/tests/goldenlib.sh"

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
start_service sig "$port" -f json -o "$WORK/sig.json" -- $UVICORN
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
check "SIGINT: the report is complete, the eviction leak 12 x 1000 bytes at cache.pyx, exit 1 ($status)" \
	sh -c "[ $status -eq 1 ] && $PYTHON -c 'import json
d = json.load(open(\"$WORK/sig.json\"))
assert d[\"complete\"] and all(i[\"complete\"] for i in d[\"inputs\"])
s = [s for s in d[\"sites\"] if s[\"kind\"] == \"Leak_DefinitelyLost\" and (s[\"location\"][\"file\"] or \"\").endswith(\"cache.pyx\")]
assert s and s[0][\"bytes\"] == 12000 and s[0][\"blocks\"] == 12, s'"

# --- 2. two workers under --trace-children=yes, --watch, JSON Lines
# Not under ASan (make asan): the sanitized vgtriage answers its workers'
# snapshots too slowly for this load's timing, and `make check` runs it.
if [ "${SAN:-0}" = 1 ]; then
	skip "two workers under --watch: not under ASan (make check runs it)"
else
port=$(free_port)
# shellcheck disable=SC2086
start_service w2 "$port" --watch 3 -f json --valgrind-arg=--trace-children=yes -- \
	$UVICORN --workers 2
"$PYTHON" load.py "$port" wait 600 >/dev/null 2>&1
# until both workers answered 20 times (at most 600 requests): each leaks
# (answers - 8) x 1000 bytes
grep -c '"snapshot"' w2.stdout >w2.before
"$PYTHON" load.py "$port" send 600 1000 600 2 20 >w2.load 2>&1
load_status=$?
n=$(grep -c '"snapshot"' w2.stdout)
# two snapshots after the load: every worker's growth has been asked for
wait_lines w2.stdout '"snapshot"' $((n + 2))
kill -INT -"$SPID"
wait "$SPID"
status=$?
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
check_out "--watch: the workers' growth at cache.pyx is in the snapshots, summed and per process, never over-counted" \
	"$PYTHON" -c 'import json, sys
load = {int(p): n for p, n in json.load(open(sys.argv[2])).items()}
lines = [json.loads(l) for l in open(sys.argv[1])]
snaps = [l for l in lines if "snapshot" in l]
grown = {}
# a worker whose leak search got no answer in time is named in a note:
# its growth then may be missing, but never silently
silent = set()
before = int(open(sys.argv[3]).read())
for s in snaps[before:]:
    for n in s.get("notes", []):
        if n.startswith("no answer from pid") or "; no answer from pid" in n:
            silent |= {p for p in load if str(p) in n}
for s in snaps:
    for site in s["sites"]:
        if not (site["location"]["file"] or "").endswith("cache.pyx"):
            continue
        assert site["delta"]["bytes"] == sum(p["delta"]["bytes"] for p in site["processes"]), site
        assert site["bytes"] == site["since_start"]["bytes"], site
        for p in site["processes"]:
            grown[p["pid"]] = grown.get(p["pid"], 0) + p["delta"]["bytes"]
# valgrind counted exactly (answers - 8) x 1000 bytes lost in each worker
want = {p: (n - 8) * 1000 for p, n in load.items()}
# Never more than valgrind counted, and exactly that for at least one
# worker.  Not "for every worker": on a loaded machine the answer of one
# worker can be lost without a note (its leak search ran and moved the
# starting point of valgrind, but the reply never reached vgtriage; open,
# see the man page), and the final report below is exact per process.
assert all(grown.get(p, 0) <= w for p, w in want.items()), (grown, want)
assert any(grown.get(p) == w for p, w in want.items() if p not in silent), (grown, want, silent)
# every worker was asked (its own vgdb), with the first process
assert any(set(load) < set(s["pids"]) for s in snaps), [s["pids"] for s in snaps]' w2.stdout w2.load w2.before
check_out "--watch final line: the site at cache.pyx, per worker process" \
	"$PYTHON" -c 'import json, sys
load = {int(p): n for p, n in json.load(open(sys.argv[2])).items()}
d = [json.loads(l) for l in open(sys.argv[1])][-1]
pids = {i["pid"] for i in d["inputs"]}
assert set(load) <= pids, (load, pids)
s = [s for s in d["sites"] if s["kind"] == "Leak_DefinitelyLost" and (s["location"]["file"] or "").endswith("cache.pyx")][0]
per = {p["pid"]: p["bytes"] for p in s["processes"]}
assert per == {p: (n - 8) * 1000 for p, n in load.items()}, per
assert any("still reachable at the last --watch snapshot" in n for n in d["notes"]), d["notes"]' w2.stdout w2.load
check "--workers 2: exit status from the policy (1), not a crash ($status)" [ "$status" -eq 1 ]
fi

# --- 3. workers outside valgrind: said at the first snapshot that sees them
port=$(free_port)
# shellcheck disable=SC2086
start_service w0 "$port" --watch 3 -- $UVICORN --workers 2
"$PYTHON" load.py "$port" wait 600 >/dev/null 2>&1
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
