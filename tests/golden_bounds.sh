#!/bin/sh
# golden_bounds.sh — every file an input names is read under one policy,
# in bounded time and memory (issue 21).  Each case is a hostile input
# made at test time from the real runs in testdata/ (nothing hostile is
# stored); each runs under GNU `/usr/bin/time -v` and must stay under the
# caps stated here, end with a report (exit 0 or 1) and say why in a note:
#   demangle   a 260-character _Z name (11 characters per doubling of its
#              substitutions: libiberty spells 109 MB from it) as a frame's
#              function in testdata/cxxsym_mangled.xml: kept mangled, with
#              the note; the report stays small
#   gzip       the object of testdata/cxxsym_stripped.xml's frames is a
#              1.3 MB gzip of 300 MB of zeros (libdwfl would inflate it):
#              "not an ELF file"
#   sections   that object is the real stripped ELF with its section count
#              moved to section 0 (extended numbering) and set to 2^32 - 1:
#              "a hostile ELF file"
#   debugdata  that object is the real stripped ELF with a .gnu_debugdata
#              section (MiniDebugInfo, which libdwfl inflates whole) of
#              300 MB of zeros, xz'd to 44 KB: "a hostile ELF file"; and,
#              as the control, one holding the xz'd unstripped build: its
#              frames are named from it
#   spellings  1000 records naming that object (a copy of this machine's
#              libstdc++, 2 MB of symbols) under 1000 spellings (/./, //):
#              its table is read once
#   perf-zero  --perf-map DIR where DIR/perf-<pid>.map is a symlink to
#              /dev/zero (testdata/perf/perf312.xml): "could not be read"
#   perf-fifo  the same map a FIFO (nothing ever writes it)
#   include    the hints fixture's sources (testdata/hints_c.xml) with an
#              #include of /dev/zero appended to cleaks.c and of a FIFO to
#              cxxleaks.cpp: the C helper refuses both, the hints stay
# Caps: RSS_MB (64; 256 for include, which counts the libclang helper, and
# 4x both under ASan), MAX_S (20: each case must not take minutes; a loaded
# 2-core machine passes).  Every run is under `ulimit -v` (3 GB) so that a
# regression fails instead of taking the machine's memory (not under
# ASan, whose shadow memory needs the address space).
# Runs the tool directly (not under valgrind: RSS is the point).
set -u
cd "$(dirname "$0")/.." || exit 2
ROOT=$(pwd)
VGTRIAGE=${VGTRIAGE:-build/vgtriage}
case $VGTRIAGE in /*) ;; *) VGTRIAGE=$ROOT/$VGTRIAGE ;; esac
PYTHON=${PYTHON:-/usr/bin/python3}
RSS_MB=${BOUNDS_RSS_MB:-64}
HELPER_RSS_MB=${BOUNDS_HELPER_RSS_MB:-256}
MAX_S=${BOUNDS_SECONDS:-20}
TIME=/usr/bin/time
SUITE=bounds
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vgt-golden-bounds.XXXXXX")
trap 'rm -rf "$WORK"' EXIT INT TERM
. tests/goldenlib.sh

if [ ! -x "$TIME" ]; then
	skip "$TIME not installed (Debian package time)"
	echo "$passed passed, $failed failed"
	exit 0
fi
VMEM_KB=3000000
if grep -q __asan_init "$VGTRIAGE" 2>/dev/null; then
	VMEM_KB=unlimited
	RSS_MB=$((RSS_MB * 4))
	HELPER_RSS_MB=$((HELPER_RSS_MB * 4))
fi

# measure NAME CAP_MB DIR ARG...: runs the tool in DIR, output in
# $WORK/NAME.out; PASS when it ends in time with a report under the cap.
measure() {
	name=$1
	cap=$2
	dir=$3
	shift 3
	(cd "$dir" && ulimit -v "$VMEM_KB" &&
		"$TIME" -v -o "$WORK/$name.time" timeout 60 "$VGTRIAGE" "$@" \
			>"$WORK/$name.out" 2>"$WORK/$name.err"
		echo $? >"$WORK/$name.rc")
	rss=$(sed -n 's/.*Maximum resident set size (kbytes): *//p' "$WORK/$name.time")
	wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): *//p' "$WORK/$name.time")
	secs=$(echo "$wall" | awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; printf "%d", s }')
	rc=$(cat "$WORK/$name.rc")
	mb=$(( ${rss:-0} / 1024 ))
	what="$name: exit $rc, $mb MB peak, ${wall:-?} (caps $cap MB, $MAX_S s)"
	if [ -n "$rss" ] && [ "$rc" -le 1 ] && [ "$mb" -lt "$cap" ] && [ "$secs" -lt "$MAX_S" ]; then
		pass "$what"
	else
		fail "$what"
		head -c 300 "$WORK/$name.err" | sed 's/^/    /'
	fi
}

# says NAME TEXT: the report of case NAME holds TEXT
says() {
	check "$1 note: $2" grep -qF -- "$2" "$WORK/$1.out"
}

# --- demangling -------------------------------------------------------------
bomb=$("$PYTHON" - <<'EOF'
def seq(i):  # the substitution of index i (0: S_), base 36 as the ABI spells it
    d = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    if i == 0:
        return "S_"
    n, s = i - 1, ""
    while True:
        s = d[n % 36] + s
        n //= 36
        if n == 0:
            return "S" + s + "_"
# f<a, b<f, f>, b<b<f,f>, b<f,f>>, ...>(): each argument twice the last
name, last = "_Z1fI1a1bIS_S_E", 3
for _ in range(22):
    name += "S1_I" + seq(last) + seq(last) + "E"
    last += 1
print(name + "Evv")
EOF
)
mkdir -p "$WORK/demangle"
sed "0,/<fn>_ZL8mismatchv<\/fn>/s//<fn>$bomb<\/fn>/" testdata/cxxsym_mangled.xml >"$WORK/demangle/in.xml"
check "demangle input holds the ${#bomb}-character name" grep -qF "$bomb" "$WORK/demangle/in.xml"
measure demangle "$RSS_MB" "$WORK/demangle" in.xml
says demangle "1 C++ name kept mangled"
check "demangle report under 1 MB" test "$(wc -c <"$WORK/demangle.out")" -lt 1048576

# --- objects ----------------------------------------------------------------
# the frames' object, /tmp/vgtriage-cxxsym/stripped/shapes, is DIR/stripped/shapes
objcase() { # objcase NAME XML: DIR $WORK/NAME holds the object
	measure "$1" "$RSS_MB" "$WORK/$1" -q --prefix-map "/tmp/vgtriage-cxxsym=$WORK/$1" "$2"
}
mkdir -p "$WORK/gzip/stripped"
head -c 300000000 /dev/zero | gzip -1 >"$WORK/gzip/stripped/shapes"
objcase gzip "$ROOT/testdata/cxxsym_stripped.xml"
says gzip "shapes was not read (not an ELF file)"

mkdir -p "$WORK/sections/stripped"
"$PYTHON" - testdata/cxxsym/stripped/shapes "$WORK/sections/stripped/shapes" <<'EOF'
import struct, sys
b = bytearray(open(sys.argv[1], "rb").read())
assert b[:4] == b"\x7fELF" and b[4] == 2 and b[5] == 1  # ELF64, little-endian
shoff = struct.unpack_from("<Q", b, 40)[0]
struct.pack_into("<H", b, 60, 0)                  # e_shnum 0: the count is in section 0
struct.pack_into("<Q", b, shoff + 32, 0xFFFFFFFF)  # section 0's sh_size
open(sys.argv[2], "wb").write(b)
EOF
objcase sections "$ROOT/testdata/cxxsym_stripped.xml"
says sections "shapes was not read (a hostile ELF file"

if command -v xz >/dev/null && command -v objcopy >/dev/null; then
	mkdir -p "$WORK/debugdata/stripped" "$WORK/minidebug/stripped"
	head -c 300000000 /dev/zero | xz -1 >"$WORK/zeros.xz"
	objcopy --add-section .gnu_debugdata="$WORK/zeros.xz" testdata/cxxsym/stripped/shapes \
		"$WORK/debugdata/stripped/shapes"
	objcase debugdata "$ROOT/testdata/cxxsym_stripped.xml"
	says debugdata "shapes was not read (a hostile ELF file (its .gnu_debugdata"
	xz -c testdata/cxxsym/bin/shapes >"$WORK/shapes.xz"
	objcopy --add-section .gnu_debugdata="$WORK/shapes.xz" testdata/cxxsym/stripped/shapes \
		"$WORK/minidebug/stripped/shapes"
	objcase minidebug "$ROOT/testdata/cxxsym_stripped.xml"
	says minidebug "named from the symbols of"
else
	skip "debugdata: xz or objcopy not installed"
fi

mkdir -p "$WORK/spellings/stripped"
libstdcxx=$(ls /usr/lib/*/libstdc++.so.6 /usr/lib64/libstdc++.so.6 2>/dev/null | head -1)
if [ -n "$libstdcxx" ]; then
	cp "$libstdcxx" "$WORK/spellings/stripped/shapes"
	"$PYTHON" - testdata/cxxsym_stripped.xml 1000 >"$WORK/spellings.xml" <<'EOF'
import re, sys
text, n = open(sys.argv[1]).read(), int(sys.argv[2])
first, last = text.index("<error>"), text.rindex("</error>") + len("</error>\n")
rec = next(e for e in re.findall(r"<error>.*?</error>\n", text, re.S) if "stripped/shapes" in e)
out = []
for i in range(n):
    e = re.sub(r"<unique>0x[0-9a-f]+</unique>", "<unique>0x%x</unique>" % (0x1000 + i), rec)
    spelt = "/tmp/vgtriage-cxxsym/stripped" + "/." * (i % 64) + "/" * (1 + i // 64) + "shapes"
    out.append(e.replace("/tmp/vgtriage-cxxsym/stripped/shapes", spelt))
sys.stdout.write(text[:first] + "".join(out) + text[last:])
EOF
	check "spellings input: 1000 spellings" test "$(grep -o '<obj>[^<]*stripped[^<]*</obj>' "$WORK/spellings.xml" | sort -u | wc -l)" -eq 1000
	objcase spellings "$WORK/spellings.xml"
else
	skip "spellings: no libstdc++.so.6 on this machine"
fi

# --- perf maps --------------------------------------------------------------
mkdir -p "$WORK/perf-zero/maps" "$WORK/perf-fifo/maps"
ln -s /dev/zero "$WORK/perf-zero/maps/perf-7856.map"
mkfifo "$WORK/perf-fifo/maps/perf-7856.map"
measure perf-zero "$RSS_MB" "$WORK/perf-zero" -q --perf-map maps "$ROOT/testdata/perf/perf312.xml"
says perf-zero "perf map maps/perf-7856.map could not be read"
measure perf-fifo "$RSS_MB" "$WORK/perf-fifo" -q --perf-map maps "$ROOT/testdata/perf/perf312.xml"
says perf-fifo "perf map maps/perf-7856.map could not be read"

# --- the C helper's includes --------------------------------------------------
if [ -x "$(dirname "$VGTRIAGE")/vgtriage-cparse" ] || [ -n "${VGTRIAGE_CPARSE:-}" ]; then
	H=$WORK/include/tests/fixtures/hints
	mkdir -p "$H"
	cp tests/fixtures/hints/cleaks.c tests/fixtures/hints/cxxleaks.cpp \
		tests/fixtures/hints/cxxleaks.h "$H/"
	printf '#include "/dev/zero"\n' >>"$H/cleaks.c"
	mkfifo "$H/fifo.h"
	printf '#include "fifo.h"\n' >>"$H/cxxleaks.cpp"
	measure include "$HELPER_RSS_MB" "$WORK/include" -f json --source-root tests/fixtures/hints \
		"$ROOT/testdata/hints_c.xml"
	# the same run on the fixture as it is: as many hints
	(cd "$ROOT" && "$VGTRIAGE" -f json --source-root tests/fixtures/hints testdata/hints_c.xml \
		>"$WORK/include-plain.json" 2>/dev/null)
	n_hints() {
		"$PYTHON" -c 'import json, sys
print(sum(1 for s in json.load(open(sys.argv[1]))["sites"] if s.get("hint")))' "$1" 2>/dev/null
	}
	plain=$(n_hints "$WORK/include-plain.json")
	hostile=$(n_hints "$WORK/include.out")
	check "include: the hints stay ($hostile of ${plain:-?})" test "${plain:-0}" -gt 0 -a "$hostile" = "$plain"
else
	skip "include: vgtriage-cparse not built (libclang)"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
