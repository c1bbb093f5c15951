#!/bin/sh
# golden_rebuild.sh — issue 26 items 5 to 8 over saved real runs: a
# baseline survives a rebuild and another input format, a stripped PIE is
# named from its debug file, a test framework's own memory is hidden, and
# C++ leak shapes get a hint (or -v says why not).  Run by tests/golden.sh (VGT_CMD: the
# tool, possibly under valgrind), or alone:
# VGTRIAGE=build/vgtriage sh tests/golden_rebuild.sh
#
# Checks, one PASS/FAIL line each, then "N passed, N failed":
#   baseline  for cxxproj ({fmt}'s args-test, tests/fixtures/cxxproj) and
#             cxxown (tests/fixtures/cxx): a baseline written from the -O0
#             XML run knows every shown site of the -O2 XML run and of the
#             text logs of both, with and without --source-root; `diff`
#             of the -O0 XML against each says "unchanged"
#   stripped  testdata/cxxstrip_O{0,2}.xml (our shapes26.cpp stripped, its
#             debug file out of valgrind's reach): with --symbols DIR holding
#             the debug file, the sites and every stack's frames of the
#             unstripped cxxown_O{0,2} runs (-O2's inlined calls one frame
#             each, as valgrind lists them; the stack ends at main), with
#             the program here (build-id) or not (by name); with no usable
#             --symbols DIR a note that says why, never "pass --symbols DIR";
#             notes credit the debug file, never a stripped copy
#   live      shapes26.cpp at -O2 under `vgtriage run`, as built and
#             stripped with `--symbols DIR`: the same frames; the stripped
#             run's --gen-suppressions (with --symbols) fed back to
#             valgrind suppress exactly the sites' records (four short
#             valgrind runs)
#   hints     the C++ leak shapes of cxxown (a raw pointer member of a class
#             without a destructor; a local deleted after calls that can
#             throw) get a hint; cxxccdb's (sources that parse only with
#             the build's -I) get one from a compile_commands.json, and -v
#             says which flags were taken (none without one); for cxxproj,
#             whose sources are not here, -v says why each leak site has none
#   inline    testdata/cxxinline_O2.{xml,log}: libstdc++'s std::string code
#             inlined into main, named in the log without a directory, is
#             the runtime's in both readings; the same sites
#   testfw    testdata/testfw.{xml,log} (our gtest suite): the stdout buffer
#             gtest's coloured output allocated is a hidden test-framework
#             site, counted on the Hidden: line and in JSON; --all shows
#             it; the user's leak stays rank 1
set -u

cd "$(dirname "$0")/.." || exit 2
VGTRIAGE=${VGTRIAGE:-build/vgtriage}
PYTHON=${PYTHON:-/usr/bin/python3}
VGT_CMD=${VGT_CMD:-$VGTRIAGE}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/vgt-golden-rebuild.XXXXXX")
trap 'rm -rf "$WORK"' EXIT INT TERM
SUITE=rebuild
. tests/goldenlib.sh

vgt() {
	# shellcheck disable=SC2086  # VGT_CMD is a command line
	$VGT_CMD "$@"
	status=$?
	[ $status -eq 0 ] || [ $status -eq 1 ]
}

# ---- baseline: -O0 XML against -O2 and the text logs ------------------------
for c in cxxproj cxxown; do
	if [ ! -f "testdata/${c}_O0.xml" ]; then
		skip "baseline $c: testdata/${c}_O0.xml not there"
		continue
	fi
	root=
	[ "$c" = cxxown ] && root="--source-root tests/fixtures/cxx"
	vgt -q --fail-on none --write-baseline "$WORK/$c.baseline" "testdata/${c}_O0.xml" >/dev/null 2>&1
	check "baseline $c: written from ${c}_O0.xml" [ -s "$WORK/$c.baseline" ]
	for input in "${c}_O2.xml" "${c}_O0.log" "${c}_O2.log"; do
		for opts in "" ${root:+"$root"}; do
			# shellcheck disable=SC2086  # opts is a list of options
			vgt -f json $opts --baseline "$WORK/$c.baseline" "testdata/$input" \
				>"$WORK/out.json" 2>/dev/null
			check "baseline $c: every shown site of $input known${opts:+ ($opts)}" \
				jcheck "$WORK/out.json" '([s for s in d["sites"] if s["rank"] > 0] and
				all(s.get("baseline") == "known" for s in d["sites"] if s["rank"] > 0))'
		done
		vgt diff "testdata/${c}_O0.xml" "testdata/$input" >"$WORK/diff.out" 2>&1
		check_out "diff $c: ${c}_O0.xml -> $input unchanged" \
			sh -c 'grep -q "unchanged" "$1" && ! grep -Eq "appeared|vanished|grew|shrank" "$1"' \
			sh "$WORK/diff.out"
	done
done

# ---- inline: libstdc++ inlined at -O2, read from XML and from a text log ----
# (tests/fixtures/cxxinline) the log names the inlined basic_string frames
# without a directory: every frame gets the class the XML gives it, and
# the sites are the same
if [ -f testdata/cxxinline_O2.xml ] && [ -f testdata/cxxinline_O2.log ]; then
	vgt -f json -n 0 --all testdata/cxxinline_O2.xml >"$WORK/inl_x.json" 2>/dev/null
	vgt -f json -n 0 --all testdata/cxxinline_O2.log >"$WORK/inl_l.json" 2>/dev/null
	check_out "inline: the text log classes every frame as the XML does" \
		"$PYTHON" -c 'import json, sys
def frames(p):
    d = json.load(open(p))
    return {(f.get("fn"), f.get("file"), f.get("line")): f.get("class")
            for s in d["sites"] for st in ("stack", "aux_stack", "aux_stack2")
            for f in s.get(st) or []}, sorted((s["kind"], s["category"], s["location"].get("file").split("/")[-1],
            s["location"].get("line"), s.get("bytes")) for s in d["sites"])
(fx, sx), (fl, sl) = frames(sys.argv[1]), frames(sys.argv[2])
bad = [(k, fx[k], fl[k]) for k in fx if k in fl and fx[k] != fl[k]]
runtime = [k for k in fl if k[1] in ("basic_string.h", "basic_string.tcc") and fl[k] != "runtime"]
print(bad, runtime, sx if sx != sl else "", sl if sx != sl else "")
sys.exit(1 if bad or runtime or sx != sl or not any(k[1] == "basic_string.h" for k in fl) else 0)' \
		"$WORK/inl_x.json" "$WORK/inl_l.json"
else
	skip "inline: testdata/cxxinline_O2.{xml,log} not there (make testdata)"
fi

# ---- testfw: gtest's stdout buffer is the framework's -----------------------
for input in testdata/testfw.xml testdata/testfw.log; do
	vgt --color never "$input" >"$WORK/testfw.txt" 2>/dev/null
	check "testfw $input: Hidden: names the test framework site" \
		grep -q '^Hidden: 1 test framework site (4,096 bytes still reachable)' "$WORK/testfw.txt"
	vgt -f json "$input" >"$WORK/testfw.json" 2>/dev/null
	check "testfw $input: rank 1 is the user's remember(), nothing of gtest shown" \
		jcheck "$WORK/testfw.json" '([s["location"]["function"] for s in d["sites"] if s["rank"] > 0]
			== ["(anonymous namespace)::remember(char const*)"] and
			d["totals"]["hidden"]["test-framework"]["by_kind"]["still_reachable"]["bytes"] == 4096)'
	vgt -f json --all "$input" >"$WORK/testfw_all.json" 2>/dev/null
	check "testfw $input: --all shows it as test-framework, from ColoredPrintf" \
		jcheck "$WORK/testfw_all.json" 'any(s["category"] == "test-framework" and s["rank"] > 0 and
			"ColoredPrintf" in s["location"]["function"] for s in d["sites"])'
done

# ---- stripped: a stripped PIE's saved XML named from a debug file ----------
# The same sites as the unstripped run (function, file, line, bytes), and
# every frame of every stack (the aux stacks too) as valgrind names it for
# the unstripped program: -O2's inlined calls one frame each, at their
# call's line, and the stack ending at main; with the program here (its
# build-id) or not (the debug file by name); notes that are true.
sites() { # sites JSON -> one line per shown site, then its stacks' frames
	"$PYTHON" -c 'import json,sys
for s in json.load(open(sys.argv[1]))["sites"]:
    if s["rank"] > 0:
        l = s["location"]
        print(s["kind"], l.get("file"), l.get("line"), l.get("function"), s.get("bytes"))
        for st in ("stack", "aux_stack", "aux_stack2"):
            for f in s.get(st) or []:
                print("   ", st, f.get("fn"), f.get("file"), f.get("line"))' "$1"
}
for opt in O0 O2; do
	[ -f "testdata/cxxstrip_$opt.xml" ] && [ -f "testdata/cxxown_$opt.xml" ] ||
		{ skip "stripped $opt: testdata/cxxstrip_$opt.xml or cxxown_$opt.xml not there"; continue; }
	vgt -f json -n 0 --all "testdata/cxxown_$opt.xml" >"$WORK/own.json" 2>/dev/null
	sites "$WORK/own.json" >"$WORK/own.sites"
	for how in "--prefix-map /tmp/vgtriage-cxxstrip=testdata/cxxstrip/bin" ""; do
		# shellcheck disable=SC2086  # how is a list of options
		vgt -f json -n 0 --all $how --symbols testdata/cxxstrip/debug "testdata/cxxstrip_$opt.xml" \
			>"$WORK/strip.json" 2>/dev/null
		sites "$WORK/strip.json" >"$WORK/strip.sites"
		check_out "stripped $opt: --symbols gives the sites and frames of the unstripped run${how:+ (program here)}" \
			diff "$WORK/own.sites" "$WORK/strip.sites"
	done
	vgt --color never --symbols "$WORK" "testdata/cxxstrip_$opt.xml" >"$WORK/none.txt" 2>&1
	check_out "stripped $opt: no debug file: the note says why the XML alone cannot be named" \
		grep -q "no file in the --symbols directories is named like it.*vgtriage run --symbols DIR" \
		"$WORK/none.txt"
	check_out "stripped $opt: no note asks for the --symbols DIR already given" \
		sh -c '! grep -q "or pass --symbols DIR" "$1"' sh "$WORK/none.txt"
done
vgt --color never $(cat testdata/cxxstrip_O2.args) testdata/cxxstrip_O2.xml >"$WORK/o2.txt" 2>/dev/null
check_out "stripped O2: lines credited to the debug file that has them" \
	grep -q "given file:line from the debug info of testdata/cxxstrip/debug/shapes26_O2.debug" \
	"$WORK/o2.txt"
# the stripped program itself found by name beside its debug file: lines
# come from the debug file (its .gnu_debuglink), never "the debug info of"
# the stripped copy, which has none
if [ -f testdata/cxxstrip/bin/shapes26_O2 ]; then
	mkdir -p "$WORK/byname"
	cp testdata/cxxstrip/bin/shapes26_O2 testdata/cxxstrip/debug/shapes26_O2.debug "$WORK/byname/"
	vgt --color never --symbols "$WORK/byname" testdata/cxxstrip_O2.xml >"$WORK/byname.txt" 2>&1
	check_out "stripped O2: by name, no note credits the debug info of the stripped copy" \
		sh -c 'grep -q "given file:line from the debug info of .*/byname/shapes26_O2.debug\$" "$1" &&
			! grep -q "debug info of .*/byname/shapes26_O2\$" "$1"' sh "$WORK/byname.txt"
fi

# ---- live: `vgtriage run --symbols` on a stripped -O2 build ---------------
# tests/fixtures/cxx/shapes26.cpp at -O2, run as is and stripped (its debug
# file in a --symbols DIR, out of valgrind's reach): every frame of every
# stack the same (function, file, line).  Two short valgrind runs.
VALGRIND=${VALGRIND:-valgrind}
if ! command -v g++ >/dev/null || ! command -v objcopy >/dev/null || ! command -v strip >/dev/null ||
	! command -v "$VALGRIND" >/dev/null; then
	skip "live: no g++, binutils or valgrind"
else
	mkdir -p "$WORK/live/full" "$WORK/live/bin" "$WORK/live/sym"
	if g++ -g -O2 -ffile-prefix-map="$(pwd)"=. tests/fixtures/cxx/shapes26.cpp \
		-o "$WORK/live/full/shapes26" 2>"$WORK/live/cc.err"; then
		objcopy --only-keep-debug "$WORK/live/full/shapes26" "$WORK/live/sym/shapes26.debug"
		strip -o "$WORK/live/bin/shapes26" "$WORK/live/full/shapes26"
		(cd "$WORK/live/sym" && objcopy --add-gnu-debuglink=shapes26.debug ../bin/shapes26)
		# the tool itself, not under VGT_CMD's valgrind: it runs valgrind
		"$VGTRIAGE" run -f json -n 0 --all -o "$WORK/live/own.json" \
			-- "$WORK/live/full/shapes26" >/dev/null 2>&1
		"$VGTRIAGE" run -f json -n 0 --all -o "$WORK/live/strip.json" --symbols "$WORK/live/sym" \
			-- "$WORK/live/bin/shapes26" >/dev/null 2>&1
		sites "$WORK/live/own.json" >"$WORK/live/own.sites" 2>&1
		sites "$WORK/live/strip.json" >"$WORK/live/strip.sites" 2>&1
		check_out "live O2: run --symbols gives the frames valgrind gives the unstripped build" \
			sh -c 'grep -q "^    stack .* shapes26.cpp" "$1" && diff "$1" "$2"' sh \
			"$WORK/live/own.sites" "$WORK/live/strip.sites"
		check_out "live O2: an inlined call is its own frame, at the same ip as its caller" \
			jcheck "$WORK/live/strip.json" 'any(a.get("ip") == b.get("ip") and a.get("fn") == "push"
				for s in d["sites"] for a, b in zip(s["stack"], s["stack"][1:]))'
		# valgrind's own stripped run: --gen-suppressions with --symbols
		# (the added inlined frames are not valgrind's: no line for them)
		# suppresses exactly the sites' records of the same program
		vgflags="--leak-check=full --show-leak-kinds=all --num-callers=40"
		# shellcheck disable=SC2086  # vgflags is a list of options
		"$VALGRIND" $vgflags --xml=yes --xml-file="$WORK/live/s.xml" "$WORK/live/bin/shapes26" \
			>/dev/null 2>&1
		vgt --color never -n 0 --symbols "$WORK/live/sym" --gen-suppressions "$WORK/live/s.xml" \
			2>/dev/null | sed -n '/^Suppressions for the listed sites:$/,$p' | sed 1d \
			>"$WORK/live/s.supp"
		vgt -f json -n 0 --symbols "$WORK/live/sym" "$WORK/live/s.xml" >"$WORK/live/s.json" 2>/dev/null
		# shellcheck disable=SC2086
		"$VALGRIND" $vgflags --suppressions="$WORK/live/s.supp" --log-file="$WORK/live/re.log" \
			"$WORK/live/bin/shapes26" >/dev/null 2>&1
		check_out "live O2: --symbols --gen-suppressions suppress exactly the sites' records" \
			"$PYTHON" tests/cxx26_checks.py supp "$WORK/live/s.json" "$WORK/live/re.log"
	else
		fail "live: g++: $(head -c 300 "$WORK/live/cc.err")"
	fi
fi

# ---- hints: the C++ leak shapes get one, or -v says why -------------------
if [ -x build/vgtriage-cparse ] || [ -n "${VGTRIAGE_CPARSE:-}" ]; then
	for input in testdata/cxxown_O0.xml testdata/cxxown_O2.xml testdata/cxxown_O0.log; do
		# a text log names the file without its directory
		vgt -f json --source-root tests/fixtures/cxx "$input" >"$WORK/h.json" 2>/dev/null
		check "hints $input: the raw pointer member without a destructor" \
			jcheck "$WORK/h.json" 'any("holds it in a raw pointer but has no destructor" in
				((s.get("hint") or {}).get("text") or "") for s in d["sites"] if s["rank"] > 0)'
		check "hints $input: the leak on the throw path" \
			jcheck "$WORK/h.json" 'any("an exception skips the delete" in
				((s.get("hint") or {}).get("text") or "") for s in d["sites"] if s["rank"] > 0)'
	done
	# compile_commands.json (tests/fixtures/cxxccdb): use.cpp parses only
	# with -Iinclude.  Without a database -v says the defaults were used
	# and why there is no hint; with one (found above the source, in
	# build/) both shapes get a hint, -v names the flags taken, and an
	# include directory outside the source roots is left out
	if [ -f testdata/cxxccdb.xml ]; then
		vgt -v --color never testdata/cxxccdb.xml >"$WORK/ccdb0.txt" 2>&1
		check_out "hints cxxccdb: no compile_commands.json: -v says so, and why use.cpp has no hint" \
			sh -c 'grep -q "use.cpp parsed with the helper.s defaults: no compile_commands.json" "$1" &&
				grep -q "^note: no hint for use.cpp:9: .*undeclared identifier .own." "$1"' \
			sh "$WORK/ccdb0.txt"
		proj=$WORK/proj
		mkdir -p "$proj/build" "$proj/tests/fixtures"
		cp -R tests/fixtures/cxxccdb "$proj/tests/fixtures/"
		printf '[{"directory": "%s/build", "file": "../tests/fixtures/cxxccdb/src/use.cpp",\n' "$proj" \
			>"$proj/build/compile_commands.json"
		printf ' "command": "g++ -g -I../tests/fixtures/cxxccdb/include -I /etc -D OWN_X=1 -std=c++17 -c ../tests/fixtures/cxxccdb/src/use.cpp"}]\n' \
			>>"$proj/build/compile_commands.json"
		here=$(pwd)
		# the same command from the project's directory (its root)
		case $VGTRIAGE in
		/*) vgt_abs=$VGT_CMD ;;
		*) vgt_abs="${VGT_CMD%"$VGTRIAGE"}$here/$VGTRIAGE" ;;
		esac
		# shellcheck disable=SC2086  # vgt_abs is a command line
		(cd "$proj" && $vgt_abs -v --color never "$here/testdata/cxxccdb.xml" >"$WORK/ccdb1.txt" 2>&1)
		# shellcheck disable=SC2086
		(cd "$proj" && $vgt_abs -f json "$here/testdata/cxxccdb.xml" >"$WORK/ccdb1.json" 2>/dev/null)
		check "hints cxxccdb: with compile_commands.json, the raw pointer field (in the header)" \
			jcheck "$WORK/ccdb1.json" 'any("holds it in a raw pointer but has no destructor" in
				((s.get("hint") or {}).get("text") or "") and s["location"]["file"] == "holder.h"
				for s in d["sites"] if s["rank"] > 0)'
		check "hints cxxccdb: with compile_commands.json, the throw path (use.cpp)" \
			jcheck "$WORK/ccdb1.json" 'any("an exception skips the delete" in
				((s.get("hint") or {}).get("text") or "") for s in d["sites"] if s["rank"] > 0)'
		check_out "hints cxxccdb: -v names the database, the flags taken and what was left out" \
			sh -c 'grep -q "use.cpp parsed with the flags of .*/build/compile_commands.json, entry .*/src/use.cpp: -I.*/include -DOWN_X=1 -std=c++17; left out: -I/etc (outside the current directory" "$1" &&
				grep -q "holder.h parsed with the flags of .*(the nearest entry: none names this file)" "$1"' \
			sh "$WORK/ccdb1.txt"
	else
		skip "hints cxxccdb: testdata/cxxccdb.xml not there (make testdata)"
	fi
	# {fmt}: its sources are not in the tree; -v says why there is no hint
	vgt -v --color never testdata/cxxproj_O0.xml >"$WORK/v.txt" 2>&1
	check_out "hints cxxproj_O0.xml: -v says why each leak site has no hint" \
		sh -c '[ "$(grep -c "^note: no hint for" "$1")" -ge 2 ]' sh "$WORK/v.txt"
else
	skip "hints: vgtriage-cparse (libclang) not built"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
