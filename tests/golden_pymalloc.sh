#!/bin/sh
# golden_pymalloc.sh — a Python run under pymalloc is said to be one
# (issue 20, item 10).  Over the real runs of tests/fixtures/pymalloc
# (testdata/pymalloc: app.py leaking 200 small tuples, with and without
# PYTHONMALLOC=malloc, each as XML and as a text log):
#   - the goldens of each input, text and JSON;
#   - without PYTHONMALLOC=malloc: no record of the leak, and one note line
#     that says why and gives the fix (text and JSON);
#   - with it: the leak is rank 1 and there is no such note;
#   - the README's pipe example, run verbatim (python3 and vgtriage on
#     PATH) on app.py, shows the leak; the same line without the variable
#     says in one line why it cannot.
# Run by tests/golden.sh (VGTRIAGE, PYTHON, VGT_CMD).
set -u

cd "$(dirname "$0")/.."
ROOT=$(pwd)
VGTRIAGE=${VGTRIAGE:-build/vgtriage}
PYTHON=${PYTHON:-/usr/bin/python3}
VALGRIND=${VALGRIND:-valgrind}
VGT_CMD=${VGT_CMD:-$VGTRIAGE}
SUITE=pymalloc
FIX=tests/fixtures/pymalloc
DATA=testdata/pymalloc
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vgt-pymalloc.XXXXXX")
trap 'rm -rf "$WORK"' EXIT INT TERM
. tests/goldenlib.sh

NOTE='PYTHONMALLOC=malloc: under pymalloc (the default) valgrind cannot see most Python objects'

# shellcheck disable=SC2086  # VGT_CMD is a command line
vgt() { $VGT_CMD "$@"; }

for f in arenas.xml arenas.log malloc.xml malloc.log; do
	in=$DATA/$f
	base=${in%.xml}
	if [ ! -f "$in" ]; then
		fail "$in: missing (sh $FIX/make.sh)"
		continue
	fi
	vgt --color never "$in" >"$WORK/$f.text" 2>/dev/null
	vgt -f json "$in" >"$WORK/$f.json" 2>/dev/null
	golden "$WORK/$f.text" "$base.out_text" "$f text"
	golden "$WORK/$f.json" "$base.out_json" "$f json"
	case $f in
	arenas.*)
		check "$f: pymalloc hid the leak (no record of objleak.c)" \
			sh -c "! grep -q objleak.c '$WORK/$f.text'"
		check "$f: one note line says why, with the fix" \
			[ "$(grep -c "^note: .*$NOTE.*rerun as PYTHONMALLOC=malloc valgrind" "$WORK/$f.text")" -eq 1 ]
		check "$f: the JSON notes say it too" \
			jcheck "$WORK/$f.json" 'any("PYTHONMALLOC=malloc" in n for n in d["notes"])'
		;;
	malloc.*)
		check "$f: the leak is rank 1 (objleak.c)" \
			jcheck "$WORK/$f.json" 'd["sites"][0]["location"]["file"].endswith("objleak.c")'
		check "$f: no pymalloc note" \
			jcheck "$WORK/$f.json" 'not any("PYTHONMALLOC" in n for n in d.get("notes", []))'
		;;
	esac
done

# --- the README's pipe example, verbatim ------------------------------------
line=$(grep -E '^(PYTHONMALLOC=malloc )?valgrind .*python3 app\.py 2>&1 \| vgtriage$' README.md | head -n 1)
check "README has the Python pipe example with PYTHONMALLOC=malloc" \
	[ "${line#PYTHONMALLOC=malloc }" != "$line" ]
if [ "${VGT_UNDER_VALGRIND:-0}" = 1 ]; then
	skip "README pipe example: not under valgrind"
elif [ -n "$line" ] && command -v "$VALGRIND" >/dev/null 2>&1; then
	app=$WORK/app
	mkdir -p "$app/bin"
	suffix=$("$PYTHON" -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))')
	includes=$("$PYTHON" -c 'import sysconfig; print("-I" + sysconfig.get_paths()["include"])')
	${CC:-cc} -g -O0 -shared -fPIC $includes $FIX/objleak.c -o "$app/objleak$suffix"
	cp $FIX/app.py "$app/app.py"
	ln -s "$(command -v "$PYTHON")" "$app/bin/python3"
	case $VGTRIAGE in /*) vgt_abs=$VGTRIAGE ;; *) vgt_abs=$ROOT/$VGTRIAGE ;; esac
	ln -s "$vgt_abs" "$app/bin/vgtriage"
	# as a user types it, in the program's directory, with PATH finding
	# python3 and vgtriage; the variable left out of the environment
	(cd "$app" && env -u PYTHONMALLOC PATH="$app/bin:$PATH" PYTHONPATH=. CALLS=50 \
		sh -c "$line" >"$WORK/readme.out" 2>&1)
	check_out "README pipe example shows the leak (objleak.c, rank 1)" \
		grep -qE '^ +1  definite .*objleak\.c' "$WORK/readme.out"
	plain=${line#PYTHONMALLOC=malloc }
	(cd "$app" && env -u PYTHONMALLOC PATH="$app/bin:$PATH" PYTHONPATH=. CALLS=50 \
		sh -c "$plain" >"$WORK/plain.out" 2>&1)
	check "without PYTHONMALLOC=malloc: no leak shown" sh -c "! grep -q objleak.c '$WORK/plain.out'"
	check_out "without PYTHONMALLOC=malloc: one line says why, with the fix" \
		[ "$(grep -c "$NOTE" "$WORK/plain.out")" -eq 1 ]
else
	skip "README pipe example: no valgrind"
fi

echo "$passed passed, $failed failed"
