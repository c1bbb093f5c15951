#!/bin/sh
# golden_folded.sh — `-f folded` over every testdata input that golden.sh
# renders (those with a .out_text or .out_json golden, with the options of
# their .args): each line is "frame;…;frame BYTES", and the lines add up
# to the bytes of the shown leak sites of the JSON report of the same run
# (the figure the report shows), for every input.
# Run by tests/golden.sh (VGT_CMD: the tool, under valgrind under `make
# leakcheck`, where only the first 3 inputs run), or alone:
#   VGTRIAGE=build/vgtriage PYTHON=/usr/bin/python3 sh tests/golden_folded.sh
set -u
cd "$(dirname "$0")/.." || exit 2
VGTRIAGE=${VGTRIAGE:-build/vgtriage}
PYTHON=${PYTHON:-/usr/bin/python3}
VGT_CMD=${VGT_CMD:-$VGTRIAGE}
SUITE=folded
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vgt-folded.XXXXXX")
trap 'rm -rf "$WORK"' EXIT INT TERM
. tests/goldenlib.sh

vgt() {
	# shellcheck disable=SC2086  # VGT_CMD is a command line
	$VGT_CMD "$@"
}

limit=100000
[ "${VGT_UNDER_VALGRIND:-0}" = 1 ] && limit=3
n=0
: >"$WORK/pairs"
for input in testdata/*.xml testdata/*.log; do
	[ -f "$input" ] || continue
	case $input in
	*.xml) golden_base=${input%.xml} ;;
	*.log) golden_base=$input ;;
	esac
	[ -f "$golden_base.out_text" ] || [ -f "$golden_base.out_json" ] || continue
	[ "$n" -lt "$limit" ] || break
	n=$((n + 1))
	args=
	[ -f "${input%.*}.args" ] && args=$(cat "${input%.*}.args")
	out=$WORK/$n
	# shellcheck disable=SC2086
	vgt --color never -f folded $args "$input" >"$out.folded" 2>/dev/null
	s1=$?
	# shellcheck disable=SC2086
	vgt --color never -f json $args "$input" >"$out.json" 2>/dev/null
	s2=$?
	if [ $s1 -gt 1 ] || [ $s1 -ne $s2 ]; then
		fail "$input: -f folded exit $s1, -f json exit $s2"
		continue
	fi
	printf '%s\t%s\n' "$input" "$out" >>"$WORK/pairs"
done

"$PYTHON" - "$WORK/pairs" >"$WORK/result" 2>&1 <<'PY'
import json, re, sys
line_re = re.compile(r"^(?:[^;\n]+)(?:;[^;\n]+)* ([0-9]+)$")
bad = 0
for row in open(sys.argv[1]):
    name, out = row.rstrip("\n").split("\t")
    d = json.load(open(out + ".json"))
    want = sum(s["bytes"] for s in d["sites"]
               if s["kind"].startswith("Leak_") and s.get("bytes"))
    total, lines, ok = 0, 0, True
    for ln in open(out + ".folded", encoding="utf-8"):
        m = line_re.match(ln.rstrip("\n"))
        if not m:
            print("FAIL folded: %s: not 'frame;... BYTES': %r" % (name, ln[:200]))
            ok = False
            break
        total += int(m.group(1))
        lines += 1
    if ok and total != want:
        print("FAIL folded: %s: lines add up to %d bytes, the report shows %d" % (name, total, want))
        ok = False
    if ok:
        print("PASS folded: %s: %d lines, %d bytes as shown" % (name, lines, total))
    bad += not ok
PY
while IFS= read -r l; do
	case $l in
	PASS*) passed=$((passed + 1)); echo "$l" ;;
	FAIL*) failed=$((failed + 1)); echo "$l" ;;
	*) failed=$((failed + 1)); echo "FAIL folded: $l" ;;
	esac
done <"$WORK/result"
[ "$n" -gt 0 ] || fail "no testdata input rendered"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
