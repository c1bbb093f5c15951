#!/bin/sh
# golden_merge.sh — reports merged across machines (issue 22): `vgtriage
# merge` of per-job JSON reports written with --merge-data is the report
# of all their raw inputs read at once.
#
# 1. Every input of testdata/ the tool reads (real XML runs, text logs,
#    LSan reports, per-test runs, forked processes, suppressions, perf maps,
#    --symbols; the broken files of testdata/bad/ that still give a report),
#    grouped by the options of its .args file: each group is read at once,
#    and again as parts of up to 3 inputs (each part `-f json --merge-data`)
#    merged: the text and JSON reports, stderr and the exit status are byte
#    for byte the same.  Nothing differs legitimately: the inputs keep their
#    own names, formats and figures in the merged report.
# 2. A merged report merges again (a part of parts), and --baseline works on
#    a merged report as on the raw inputs.
# 3. Hostile merge data: one-line errors naming the place, exit 2.
# No valgrind run; about 300 runs of the tool, 15 s of CPU.  Under `make
# leakcheck` (VGT_UNDER_VALGRIND=1, VGT_CMD: the tool under valgrind) only
# parts 2 and 3 run, each run under valgrind.  Run by tests/golden.sh
# (VGTRIAGE, PYTHON, VGT_UNDER_VALGRIND, VGT_CMD).
set -u

cd "$(dirname "$0")/.."
VGTRIAGE=${VGTRIAGE:-build/vgtriage}
SUITE=merge
PYTHON=${PYTHON:-/usr/bin/python3}
. tests/goldenlib.sh
golden_workdir vgt-merge

VGT_CMD=${VGT_CMD:-$VGTRIAGE}
# shellcheck disable=SC2086  # VGT_CMD is a command line
vgt() { $VGT_CMD "$@"; }

args_of() {
	if [ -f "${1%.*}.args" ]; then cat "${1%.*}.args"; fi
}

# --- 1. groups of inputs: read at once, and merged from parts ---------------
if [ "${VGT_UNDER_VALGRIND:-0}" != 1 ]; then
# The readable inputs, each with its group (the text of its .args) in
# $WORK/list: "ARGS<TAB>FILE" lines, in the order of the glob.
: >"$WORK/list"
skipped=0
for f in testdata/*.xml testdata/*.log testdata/*/*.xml testdata/*/*.log; do
	[ -f "$f" ] || continue
	a=$(args_of "$f")
	case $f in
	testdata/bad/*) # the broken files: those that give no report at all
		# shellcheck disable=SC2086  # the .args files hold options
		vgt -q -n 1 $a "$f" >/dev/null 2>&1
		if [ $? -eq 2 ]; then
			skipped=$((skipped + 1))
			continue
		fi ;;
	esac
	printf '%s\t%s\n' "$a" "$f" >>"$WORK/list"
done
cut -f1 "$WORK/list" | sort -u >"$WORK/groups"

# compare_group ARGS FILE...: at once vs merged parts of up to 3
n_inputs=0
n_parts=0
bad=
compare_group() {
	_a=$1
	shift
	# shellcheck disable=SC2086
	vgt -q --all --color never -n 0 $_a "$@" >"$WORK/d.txt" 2>"$WORK/d.err"
	echo "exit $?" >>"$WORK/d.err"
	# shellcheck disable=SC2086
	vgt -q --all -f json $_a "$@" >"$WORK/d.json" 2>>"$WORK/d.err"
	echo "exit $?" >>"$WORK/d.err"
	_parts=
	_i=0
	while [ $# -gt 0 ]; do
		_g=$1
		shift
		for _k in 2 3; do
			[ $# -gt 0 ] || break
			_g="$_g $1"
			shift
		done
		_i=$((_i + 1))
		n_parts=$((n_parts + 1))
		# shellcheck disable=SC2086
		vgt -q --all -f json --merge-data $_a -o "$WORK/p$_i.json" $_g 2>/dev/null
		_parts="$_parts $WORK/p$_i.json"
	done
	# shellcheck disable=SC2086
	vgt merge -q --all --color never -n 0 $_a $_parts >"$WORK/m.txt" 2>"$WORK/m.err"
	echo "exit $?" >>"$WORK/m.err"
	# shellcheck disable=SC2086
	vgt merge -q --all -f json $_a $_parts >"$WORK/m.json" 2>>"$WORK/m.err"
	echo "exit $?" >>"$WORK/m.err"
	for _e in txt json err; do
		if ! cmp -s "$WORK/d.$_e" "$WORK/m.$_e"; then
			bad="$bad [${_a:-no options}](.$_e)"
			diff -u "$WORK/d.$_e" "$WORK/m.$_e" | head -n 20
		fi
	done
}

n_groups=0
while IFS= read -r group; do
	n_groups=$((n_groups + 1))
	# shellcheck disable=SC2046  # file names of testdata/ have no blanks
	set -- $(awk -F '\t' -v g="$group" '$1 == g { print $2 }' "$WORK/list")
	n_inputs=$((n_inputs + $#))
	compare_group "$group" "$@"
done <"$WORK/groups"
check "$n_inputs inputs in $n_groups groups (by .args), merged from $n_parts parts: text, JSON, stderr and exit status those of reading them at once${bad:+ (differ:$bad)}" \
	test -z "$bad" -a "$n_inputs" -gt 100
echo "    ($skipped inputs give no report and were left out)"
fi

# --- 2. a merge of merges; baseline status -----------------------------------
A=testdata/errors.xml B=testdata/ci_more.xml C=testdata/text/fork.log
vgt -q -f json --merge-data -o "$WORK/a.json" "$A" 2>/dev/null
vgt -q -f json --merge-data -o "$WORK/b.json" "$B" 2>/dev/null
vgt -q -f json --merge-data -o "$WORK/c.json" "$C" 2>/dev/null
vgt merge -q -f json --merge-data -o "$WORK/ab.json" "$WORK/a.json" "$WORK/b.json" 2>/dev/null
vgt merge -q --all -f json "$WORK/ab.json" "$WORK/c.json" >"$WORK/abc.json" 2>/dev/null
vgt -q --all -f json "$A" "$B" "$C" >"$WORK/raw.json" 2>/dev/null
check "a merged report merges again as its inputs" cmp -s "$WORK/abc.json" "$WORK/raw.json"
vgt merge -q --all -f json "$WORK/ab.json" "$C" >"$WORK/mixed.json" 2>/dev/null
check "a merge may mix raw inputs with parts" cmp -s "$WORK/mixed.json" "$WORK/raw.json"
vgt merge -q --all -f json - <"$WORK/a.json" >"$WORK/stdin.json" 2>/dev/null
vgt -q --all -f json "$A" >"$WORK/araw.json" 2>/dev/null
check "a part on standard input" cmp -s "$WORK/stdin.json" "$WORK/araw.json"
vgt -q -f json -n 2 "$A" >"$WORK/base.json" 2>/dev/null
vgt -q --all -f json --baseline "$WORK/base.json" "$A" "$B" >"$WORK/braw.json" 2>/dev/null
vgt merge -q --all -f json --baseline "$WORK/base.json" "$WORK/a.json" "$WORK/b.json" \
	>"$WORK/bmerged.json" 2>/dev/null
check "--baseline on a merge marks sites as on the raw inputs" cmp -s "$WORK/braw.json" "$WORK/bmerged.json"
vgt -q -f sarif "$A" "$B" >"$WORK/raw.sarif" 2>/dev/null
vgt merge -q -f sarif "$WORK/a.json" "$WORK/b.json" >"$WORK/merged.sarif" 2>/dev/null
check "SARIF of a merge is that of the raw inputs" cmp -s "$WORK/raw.sarif" "$WORK/merged.sarif"

# the merge data against its schema (when jsonschema is at hand)
if "$PYTHON" -c 'import jsonschema' >/dev/null 2>&1; then
	check_out "merge data validates against schemas/vgtriage-merge.schema.json" \
		"$PYTHON" -c 'import json, sys, jsonschema
v = jsonschema.Draft202012Validator(json.load(open(sys.argv[1])))
for f in sys.argv[2:]:
    errs = list(v.iter_errors(json.load(open(f))["merge"]))
    assert not errs, "%s: %s" % (f, errs[0].message)' schemas/vgtriage-merge.schema.json \
		"$WORK/a.json" "$WORK/b.json" "$WORK/c.json" "$WORK/ab.json"
else
	skip "jsonschema for $PYTHON missing: merge data not validated"
fi

# --- 3. hostile and wrong merge data ------------------------------------------
# merge_err NAME FILE PATTERN: exit 2, one line on stderr matching PATTERN
merge_err() {
	vgt merge -q "$2" >/dev/null 2>"$WORK/err"
	_rc=$?
	check_out "$1: exit 2, one line: $(head -c 100 "$WORK/err")" \
		sh -c '[ "$0" -eq 2 ] && [ "$(wc -l <"$1")" -eq 1 ] && grep -q -- "$2" "$1"' \
		"$_rc" "$WORK/err" "$3"
}
vgt -q -f json -o "$WORK/plain.json" "$A" 2>/dev/null
merge_err "a report without --merge-data" "$WORK/plain.json" "without merge data"
printf '{"tool": "vgtriage", "merge": {"version": 1,\n "inputs": [}' >"$WORK/syntax.json"
merge_err "broken JSON" "$WORK/syntax.json" "syntax.json:2:"
printf '{"tool": \033[31mred' >"$WORK/esc.json"
merge_err "broken JSON with a terminal escape: escaped" "$WORK/esc.json" 'near .\\x1b'
"$PYTHON" - "$WORK/a.json" "$WORK" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
w = sys.argv[2]
def out(name, f):
    x = json.loads(json.dumps(d))
    f(x["merge"])
    json.dump(x, open(w + "/" + name + ".json", "w"))
out("badid", lambda m: m["events"][0].__setitem__("s", [len(m["frames"]) + 5]))
out("badinput", lambda m: m["events"][0].__setitem__("i", 7))
out("badtype", lambda m: m["inputs"][0].__setitem__("pid", "x\u001b[31m"))
out("badversion", lambda m: m.__setitem__("version", 99))
out("badhex", lambda m: m["frames"][0].__setitem__("fn", {"hex": "zz"}))
EOF
merge_err "a frame id out of the table" "$WORK/badid.json" "merge.events\[0\].s: a frame id"
merge_err "an input index out of range" "$WORK/badinput.json" "merge.events\[0\].i: out of range"
merge_err "a field of the wrong type" "$WORK/badtype.json" "merge.inputs\[0\].pid: not an integer"
merge_err "another version of the merge data" "$WORK/badversion.json" "not version 1"
merge_err "a string that is neither text nor hex" "$WORK/badhex.json" "merge.frames\[0\].fn: not a string"
vgt merge -f json "$WORK/a.json" >/dev/null 2>&1
check "merge needs no other option" test $? -ne 2
vgt -q -f text --merge-data "$A" >/dev/null 2>"$WORK/err"
check "--merge-data needs -f json (usage error)" test $? -eq 2

echo "merge: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
