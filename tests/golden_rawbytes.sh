#!/bin/sh
# golden_rawbytes.sh — valgrind writes a path's bytes into its XML as they
# are: testdata/rawbytes_path.xml (tests/fixtures/rawbytes, a real run of a
# program built in a directory named "caf\xe9" in Latin-1) has a 0xE9 byte
# in <obj> and <dir>.  libxml2 alone stops there (the record lost, exit 2);
# the reader keeps the record, and every format shows the byte escaped,
# never raw.  What is not well-formed XML is still refused.
set -u
cd "$(dirname "$0")/.."
SUITE=rawbytes
PYTHON=${PYTHON:-/usr/bin/python3}
VGTRIAGE=${VGTRIAGE:-build/vgtriage}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vgt-rawbytes.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
. tests/goldenlib.sh
IN=testdata/rawbytes_path.xml

check "the input really holds a raw 0xE9 byte" grep -qa "$(printf 'caf\351/')" "$IN"
"$VGTRIAGE" -f json "$IN" >"$WORK/r.json" 2>"$WORK/r.err"
rc=$?
check "read whole: exit 1 (a definite leak), not an error ($rc)" [ "$rc" -eq 1 ]
check "the input is complete, one site of 120 bytes in 3 blocks" jcheck "$WORK/r.json" \
	'all(i["complete"] for i in d["inputs"]) and len(d["sites"]) == 1 and d["sites"][0]["bytes"] == 120 and d["sites"][0]["blocks"] == 3'
for fmt in text json sarif junit github markdown codequality html; do
	"$VGTRIAGE" --color never -f "$fmt" "$IN" >"$WORK/out.$fmt" 2>&1
	if grep -qa "$(printf '\351')" "$WORK/out.$fmt"; then
		fail "$fmt: the byte is printed raw"
	else
		pass "$fmt: no raw byte"
	fi
done
check "text shows it escaped (caf\\xe9)" grep -q 'vgtriage-caf\\xe9/leak.c:8' "$WORK/out.text"
for fmt in json sarif codequality; do
	check "$fmt is valid JSON" "$PYTHON" -m json.tool "$WORK/out.$fmt" /dev/null
done
# A raw byte where XML allows no such character (an element's name) is
# still malformed: refused with the file and position, after nothing.
printf '<?xml version="1.0"?>\n<valgrindoutput><er\351ror/></valgrindoutput>\n' >"$WORK/bad.xml"
"$VGTRIAGE" "$WORK/bad.xml" >/dev/null 2>"$WORK/bad.err"
rc=$?
check "a raw byte in an element name: refused (exit 2, got $rc)" [ "$rc" -eq 2 ]
check_out "the error names the file and line" grep -q "bad.xml:2:" "$WORK/bad.err"
check "the error shows no raw byte" sh -c "! grep -qa \"\$(printf '\\351')\" '$WORK/bad.err'"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
