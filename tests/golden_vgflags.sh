#!/bin/sh
# golden_vgflags.sh — valgrind's flags and valgrind's own failures (issue
# 20): the real runs of tests/fixtures/vgflags (make.sh) under -q, -s,
# --show-possibly-lost=no, --show-leak-kinds=all, --errors-for-leak-kinds,
# a suppression file and a leak search valgrind aborts.  For each run:
#   - every figure vgtriage prints (four leak kinds, suppressed, ERROR
#     SUMMARY, per-site counts) is valgrind's own, read from the log by
#     tests/fixtures/vgflags/check_figures.py, or unknown (null), in the
#     XML and in the text reading alike; both list the same sites in the
#     same order (also where the log cannot say how often an error occurred);
#   - the other formats print no count the input does not give;
#   - the abort and -q cases say what they are, with the right status.
# The goldens themselves (text, json) are compared by tests/golden.sh.
# Env: VGTRIAGE (build/vgtriage), PYTHON (python3).
set -u
cd "$(dirname "$0")/.."
VGTRIAGE=${VGTRIAGE:-build/vgtriage}
PYTHON=${PYTHON:-python3}
SUITE=vgflags
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vgt-vgflags.XXXXXX")
trap 'rm -rf "$WORK"' EXIT INT TERM
. tests/goldenlib.sh
CHECK=tests/fixtures/vgflags/check_figures.py

vgt() { "$VGTRIAGE" --color never "$@"; }

for xml in testdata/vgflags_*.xml; do
	case=${xml#testdata/vgflags_}
	case=${case%.xml}
	log=testdata/vgflags_$case.log
	[ -f "$log" ] || log=testdata/vgflags_${case}_log.log
	ref=
	xref=testdata/vgflags_$case.xref
	[ -f "$xref" ] || xref=testdata/vgflags_$case.ref
	[ -f "testdata/vgflags_$case.ref" ] &&
		ref="--ref testdata/vgflags_$case.ref --xref $xref"
	vgt -f json --all "$log" >"$WORK/$case.text.json" 2>/dev/null
	vgt -f json --all "$xml" >"$WORK/$case.xml.json" 2>/dev/null
	# shellcheck disable=SC2086  # ref is an option list
	check_out "$case: every figure is valgrind's or unknown, in both readings" \
		"$PYTHON" "$CHECK" $ref "$log" "$WORK/$case.text.json" "$WORK/$case.xml.json"
	for fmt in sarif junit github markdown codequality html; do
		for input in "$xml" "$log"; do
			vgt -f "$fmt" "$input" >"$WORK/out" 2>/dev/null
			rc=$?
			check "$case: $fmt of $input is a report (exit $rc)" [ "$rc" -le 1 ]
			# a count the input does not give is never printed
			if jcheck "$WORK/$case.text.json" 'd["totals"]["error_count"] is None' &&
			   [ "$input" = "$log" ]; then
				check "$case: $fmt of the log states no error count" \
					sh -c '! grep -Eq "[0-9]+ errors? from [0-9]+ context" "$1"' sh "$WORK/out"
			fi
			if jcheck "$WORK/$case.text.json" 'any(s.get("occurrences") is None for s in d["sites"])' &&
			   [ "$input" = "$log" ]; then
				check "$case: $fmt of the log states no occurrence count" \
					sh -c '! grep -Eq "[0-9]+ times?\\b" "$1"' sh "$WORK/out"
			fi
		done
	done
done

# -q: complete, no "cut short", exit by the findings alone
vgt testdata/vgflags_q_log.log >"$WORK/q.txt" 2>"$WORK/q.err"
check "-q: the log is complete (no INCOMPLETE, no warning)" \
	sh -c '! grep -q INCOMPLETE "$1" && [ ! -s "$2" ]' sh "$WORK/q.txt" "$WORK/q.err"
vgt testdata/vgflags_q_clean_log.log >"$WORK/qc.txt" 2>"$WORK/qc.err"
rc=$?
check "-q, clean run: the empty log is read (exit $rc), its totals unknown" \
	sh -c '[ "$1" = 0 ] && grep -q "is empty: valgrind -q" "$2"' sh "$rc" "$WORK/qc.txt"
# -s: one error that occurred 3 times is one site of 3, not 2 records
check "-s: the repeated list adds no record; the read past the end occurred 3 times" \
	jcheck "$WORK/s.text.json" 'd["inputs"][0]["records"] == 5 and [s["occurrences"] for s in d["sites"] if s["kind"] == "InvalidRead"] == [3]'
check "supp: valgrind's suppressed figures are printed" \
	jcheck "$WORK/supp.text.json" 'd["totals"]["suppressed"] == {"bytes": 77, "blocks": 1} and d["totals"]["suppressed_errors"] == 1'
# valgrind aborted: incomplete, unknown, failing the gate, in both readings
for input in testdata/vgflags_abort.xml testdata/vgflags_abort_log.log; do
	vgt "$input" >"$WORK/abort.txt" 2>"$WORK/abort.err"
	rc=$?
	check "abort: $input is INCOMPLETE, exit 1, says valgrind failed" \
		sh -c '[ "$1" = 1 ] && grep -q INCOMPLETE "$2" && grep -q "valgrind itself failed" "$3"' \
		sh "$rc" "$WORK/abort.txt" "$WORK/abort.err"
	vgt -f json "$input" >"$WORK/abort.json" 2>/dev/null
	check "abort: $input: every figure unknown" \
		jcheck "$WORK/abort.json" 'all(d["totals"][k] is None or d["totals"][k]["bytes"] is None for k in ("definitely_lost","indirectly_lost","possibly_lost","still_reachable")) and d["totals"]["error_count"] is None'
done
# a libc frame with debug info is the C library's, in the text log too
check "exit: the text log's culprit is main, as the XML's" \
	jcheck "$WORK/exit.text.json" '[s["location"]["function"] for s in d["sites"] if s["kind"] == "SyscallParam"] == ["main"]'

# an error once, then another three times: the XML counts 1 and 3, the log
# without -s neither; both rank valgrind's order (contexts, then the first
# to occur), never the XML by occurrences and the log by name
for r in text xml; do
	check "order: the $r reading ranks the invalid read (first, once) above the write (3 times)" \
		jcheck "$WORK/order.$r.json" '[s["kind"] for s in d["sites"]] == ["InvalidRead", "InvalidWrite"]'
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
