#!/bin/sh
# golden_sitepkg.sh — extensions as they are deployed (issue 27 items 1, 2
# and 7; issue 20 item 11).  testdata/sitepkg_run.xml is a real valgrind
# run (tests/fixtures/sitepkg/make.sh): the user's Cython module and a C
# extension installed into a virtualenv's site-packages, lxml (libxml2) and
# PyYAML's C loader (libyaml) on the path, PYTHONMALLOC=malloc.
#
#   sources     with --source-root (testdata/sitepkg_run.args): the user's
#               leaks at their .pyx lines, category user, the gate fails;
#               the C extension, whose cleak.c is under the root, is the
#               user's too
#   no sources  run from a directory without them: the same leaks as
#               third-party extension sites named by package, the gate
#               still fails on the definite leaks; golden text and JSON
#               (testdata/sitepkg_nosrc.out_text, .out_json)
#   cleak       the C extension's definite and indirect leaks are shown
#   library     libxml2's "possibly lost" sites are hidden and counted on
#               the Hidden line by kind (text and JSON agree with --all);
#               --all names the extension that called the library
#   formats     every other format renders the report (exit 1, not 2)
#
# Environment: VGTRIAGE (default build/vgtriage), PYTHON (/usr/bin/python3),
# VGT_CMD (golden.sh's command line for the tool), UPDATE=1 (rewrite the
# goldens).  Prints one PASS/FAIL line per check and "N passed, N failed".
set -u
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tests/goldenlib.sh
. "$SRCDIR/tests/goldenlib.sh"
golden_tool
cd "$SRCDIR" || exit 2
FIX=tests/fixtures/sitepkg
PYTHON=${PYTHON:-/usr/bin/python3}
# shellcheck disable=SC2086  # VGT_CMD is a command line
vgt() { $VGT_CMD "$@"; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/golden_sitepkg.XXXXXX")
SUITE=sitepkg
trap 'rm -rf "$WORK"' EXIT INT TERM

if [ ! -f testdata/sitepkg_run.xml ]; then
	fail "testdata/sitepkg_run.xml missing (sh $FIX/make.sh)"
	echo "$passed passed, $failed failed"
	exit 1
fi

# --- sources: the user's own code ---------------------------------------------
vgt -f json --source-root testdata/sitepkg_src testdata/sitepkg_run.xml >"$WORK/src.json" 2>/dev/null
check "sources: exit 1 (definite leaks in the user's code)" [ $? -eq 1 ]
check "sources: ranks 1-4 are the user's .pyx lines and C extension lines, by bytes" jcheck "$WORK/src.json" '(
[(s["location"]["file"], s["location"]["line"], s["category"]) for s in d["sites"][:4]]
== [("leakpkg/_core.pyx", 9, "user"), ("cleak.c", 19, "user"), ("cleak.c", 32, "user"),
    ("leakpkg/_core.pyx", 21, "user")])'
# issue 27: an installed plain C extension whose sources are under a root
# (here --source-root) is the user's code, as the Cython one is
check "sources: the installed C extension with its sources under --source-root is the user's" \
	jcheck "$WORK/src.json" '(
sorted((s["kind"], s["location"]["line"], s["bytes"], s["category"]) for s in d["sites"]
       if s["location"]["file"] == "cleak.c" and not s.get("hidden"))
== [("Leak_DefinitelyLost", 19, 960, "user"), ("Leak_DefinitelyLost", 32, 470, "user"),
    ("Leak_IndirectlyLost", 36, 150, "user")])'
check "sources: an extension without sources under a root stays third-party (yaml._yaml)" \
	jcheck "$WORK/src.json" '(
{s.get("category_label") for s in d["sites"] if "_yaml" in (s["location"].get("obj") or "")}
== {"third-party extension yaml._yaml"})'
check "sources: valgrind's figures for the per-request leak (1280 bytes in 20 blocks)" \
	jcheck "$WORK/src.json" 'd["sites"][0]["bytes"] == 1280 and d["sites"][0]["blocks"] == 20'

# --- no sources: a third-party extension, named by package -------------------
cp testdata/sitepkg_run.xml "$WORK/sitepkg_run.xml"
(cd "$WORK" && vgt --color never sitepkg_run.xml >nosrc.text 2>/dev/null; echo $? >nosrc.rc)
(cd "$WORK" && vgt -f json sitepkg_run.xml >nosrc.json 2>/dev/null)
check "no sources: exit 1 (definite leaks in installed extensions)" [ "$(cat "$WORK/nosrc.rc")" -eq 1 ]
golden "$WORK/nosrc.text" testdata/sitepkg_nosrc.out_text "no sources text"
golden "$WORK/nosrc.json" testdata/sitepkg_nosrc.out_json "no sources json"
check "no sources: the user's leaks are third-party extension sites of leakpkg._core" jcheck "$WORK/nosrc.json" '(
sorted((s["location"]["function"], s["bytes"]) for s in d["sites"]
       if s.get("category_label") == "third-party extension leakpkg._core" and not s.get("hidden")
       and s["kind"] == "Leak_DefinitelyLost")
== [("leakpkg._core.parse", 180), ("leakpkg._core.scratch", 1280)])'
check "no sources: no site is shown as the user's" jcheck "$WORK/nosrc.json" '
not [s for s in d["sites"] if not s.get("hidden") and s["category"] == "user"]'
check "no sources: text says which package" grep -q "^    third-party extension leakpkg._core$" "$WORK/nosrc.text"

# --- the C extension ------------------------------------------------------------
check "cleak: definite and indirect leaks shown with valgrind's bytes" jcheck "$WORK/nosrc.json" '(
sorted((s["kind"], s["location"]["line"], s["bytes"], s["blocks"]) for s in d["sites"]
       if s.get("category_label") == "third-party extension cleak" and not s.get("hidden"))
== [("Leak_DefinitelyLost", 19, 960, 20), ("Leak_DefinitelyLost", 32, 470, 20),
    ("Leak_IndirectlyLost", 36, 150, 20)])'

# --- libraries: libxml2's possible noise hidden, counted by kind --------------
vgt -f json --all --source-root testdata/sitepkg_src testdata/sitepkg_run.xml >"$WORK/all.json" 2>/dev/null
vgt --color never --all -n 0 --stacks 100 --source-root testdata/sitepkg_src \
	testdata/sitepkg_run.xml >"$WORK/all.text" 2>/dev/null
check "library: no library site shown by default" jcheck "$WORK/src.json" '
not [s for s in d["sites"] if not s.get("hidden") and s["category"] == "library"]'
check "library: libxml2 possible sites exist (--all) and are all hidden by default" jcheck "$WORK/all.json" '
len([s for s in d["sites"] if s["category"] == "library" and "libxml2" in s["location"]["obj"]
     and s["kind"] == "Leak_PossiblyLost"]) >= 5'
check "library: JSON hidden.library.by_kind = the library sites of --all, per kind" "$PYTHON" -c '
import json, sys
d = json.load(open(sys.argv[1])); a = json.load(open(sys.argv[2]))
keys = {"Leak_DefinitelyLost": "definitely_lost", "Leak_IndirectlyLost": "indirectly_lost",
        "Leak_PossiblyLost": "possibly_lost", "Leak_StillReachable": "still_reachable"}
want = {}
for s in a["sites"]:
    if s["category"] == "library" and s["kind"] in ("Leak_PossiblyLost", "Leak_StillReachable"):
        k = want.setdefault(keys[s["kind"]], {"sites": 0, "bytes": 0, "blocks": 0})
        k["sites"] += 1; k["bytes"] += s["bytes"]; k["blocks"] += s["blocks"]
got = d["totals"]["hidden"]["library"]["by_kind"]
assert want and got == want, (got, want)
' "$WORK/src.json" "$WORK/all.json"
check "library: the Hidden line counts library sites by kind" "$PYTHON" -c '
import json, re, sys
d = json.load(open(sys.argv[1])); text = open(sys.argv[2]).read()
lib = d["totals"]["hidden"]["library"]
line = [l for l in text.splitlines() if l.startswith("Hidden: ")][0]
want = "%d library sites (%s bytes possibly lost)" % (lib["sites"], format(lib["bytes"], ","))
assert want in line, (want, line)
' "$WORK/src.json" "$WORK/nosrc.text"
check "library: --all names the calling extension" grep -q "^    library libxml2, called from lxml.etree$" "$WORK/all.text"
check "hidden: interpreter's definitely lost bytes are on the Hidden line" "$PYTHON" -c '
import json, sys
d = json.load(open(sys.argv[1])); text = open(sys.argv[2]).read()
k = d["totals"]["hidden"]["interpreter"]["by_kind"]
line = [l for l in text.splitlines() if l.startswith("Hidden: ")][0]
assert "%s definitely lost" % format(k["definitely_lost"]["bytes"], ",") in line, line
assert sum(v["bytes"] for v in k.values()) == d["totals"]["hidden"]["interpreter"]["bytes"]
' "$WORK/src.json" "$WORK/nosrc.text"

# --- the other formats ------------------------------------------------------------
for fmt in sarif junit github markdown codequality html; do
	vgt -f $fmt --source-root testdata/sitepkg_src testdata/sitepkg_run.xml >"$WORK/out.$fmt" 2>"$WORK/err.$fmt"
	rc=$?
	check "format $fmt: renders (exit 1) with the user's .pyx line" \
		sh -c "[ $rc -eq 1 ] && [ ! -s '$WORK/err.$fmt' ] && grep -q '_core.pyx' '$WORK/out.$fmt'"
done
check "format markdown: the hidden line by kind" grep -q "library sites ([0-9]* bytes possibly lost)" "$WORK/out.markdown"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
