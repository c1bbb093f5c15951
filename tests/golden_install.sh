#!/bin/sh
# golden_install.sh — the ways in (issue 23): one version everywhere, a
# staged `make install DESTDIR=…` used as a user would (the installed tool,
# not the build tree's), `make uninstall`, the pytest plugin package in a
# virtualenv, and `make dist` unpacked and built elsewhere.
#
# Checks, one PASS/FAIL/SKIP line each, then "N passed, N failed":
#   version     VERSION = --version = the man page = debian/changelog = the
#               Python package (its wheel's metadata)
#   install     every file in place; the staged tool says the version
#   pkgconfig   vgtriage-pertest.pc: a C harness compiles and links against
#               the installed header and library and runs (under valgrind
#               with VGTRIAGE_PER_TEST=1: the library says it is enabled)
#   completions bash, zsh and fish: every long option of --help is there;
#               bash's is valid and completes --for to --format
#   demo        demo/run-demo.sh with VGTRIAGE= the installed tool
#   per-test    the installed tool's run --per-test on the fixture's pytest
#               suite (tests/fixtures/pertest): its leaking tests, exactly
#   wheel       client/python built into a wheel (python3 -m build
#               --no-isolation), installed into a venv (--system-site-packages,
#               --no-index): pytest --help lists its options; under the
#               installed run --per-test the suite gives the same tests; and
#               under plain valgrind (no run, no PYTEST_ADDOPTS) the plugin
#               finds the installed library by itself
#   uninstall   make uninstall leaves no file behind
#   dist        make dist: the tarball of HEAD unpacks, builds (make -j2 all)
#               and gives errors.xml's golden text report
# Environment: VGTRIAGE (its directory is the build directory), PYTHON;
# INSTALL_LIVE=0 skips the valgrind runs (demo, per-test, wheel runs) and
# the dist build.
set -u
cd "$(dirname "$0")/.."
ROOT=$(pwd)
SUITE=install
PYTHON=${PYTHON:-/usr/bin/python3}
VGTRIAGE=${VGTRIAGE:-build/vgtriage}
BUILD=$(dirname "$VGTRIAGE")
case $BUILD in "$ROOT"/*) BUILD=${BUILD#"$ROOT"/} ;; esac
WORK=$(mktemp -d "${TMPDIR:-/tmp}/golden_install.XXXXXX")
[ -n "${KEEP:-}" ] || trap 'rm -rf "$WORK"' EXIT INT TERM
. tests/goldenlib.sh
LIVE=${INSTALL_LIVE:-1}
command -v valgrind >/dev/null 2>&1 || LIVE=0
VERSION=$(cat VERSION)

# ---- one version --------------------------------------------------------------
check "version: VERSION is x.y.z ($VERSION)" sh -c "echo '$VERSION' | grep -Eq '^[0-9]+\.[0-9]+\.[0-9]+$'"
check "version: $VGTRIAGE --version says $VERSION" \
	[ "$("$VGTRIAGE" --version)" = "vgtriage $VERSION" ]
check "version: the man page's .TH says vgtriage $VERSION" \
	grep -q "^\.TH VGTRIAGE 1 \"[^\"]*\" \"vgtriage $VERSION\"" man/vgtriage.1
deb=$(sed -n '1s/^vgtriage (\([^)]*\)).*/\1/p' debian/changelog)
check "version: debian/changelog's first entry is $VERSION-N ($deb)" \
	sh -c "case '$deb' in '$VERSION'-[0-9]*) exit 0 ;; *) exit 1 ;; esac"
check "version: client/python takes VERSION (dynamic, from the same file)" sh -c "
	grep -q '^dynamic = \[\"version\"\]' client/python/pyproject.toml &&
	cmp -s VERSION client/python/VERSION"

# ---- a staged install ------------------------------------------------------------
STAGE=$WORK/stage
P=/usr/local
make -s BUILD="$BUILD" DESTDIR="$STAGE" PREFIX=$P install >"$WORK/install.out" 2>&1 ||
	{ fail "make install DESTDIR=$STAGE failed"; sed 's/^/    /' "$WORK/install.out" | tail -n 20; }
missing=
for f in bin/vgtriage share/man/man1/vgtriage.1 lib/vgtriage/libvgtriage-pertest.so \
	include/vgtriage_pertest.h lib/pkgconfig/vgtriage-pertest.pc \
	share/vgtriage/vgtriage_pytest.py share/bash-completion/completions/vgtriage \
	share/zsh/site-functions/_vgtriage share/fish/vendor_completions.d/vgtriage.fish; do
	[ -f "$STAGE$P/$f" ] || missing="$missing $f"
done
if [ -x "$BUILD/vgtriage-cparse" ] && [ ! -x "$STAGE$P/libexec/vgtriage/vgtriage-cparse" ]; then
	missing="$missing libexec/vgtriage/vgtriage-cparse"
fi
check "install: every file under DESTDIR$P${missing:+ (missing:$missing)}" [ -z "$missing" ]
VGT=$STAGE$P/bin/vgtriage
check "install: the installed tool says vgtriage $VERSION" [ "$("$VGT" --version 2>&1)" = "vgtriage $VERSION" ]

# ---- pkg-config and the client library -------------------------------------------------
cat >"$WORK/harness.c" <<'C'
#include <stdio.h>
#include <vgtriage_pertest.h>
int main(void)
{
	vgtriage_pertest_start("harness");
	vgtriage_pertest_begin("one");
	vgtriage_pertest_end("one");
	printf("%d\n", vgtriage_pertest_enabled());
	return 0;
}
C
PCENV="PKG_CONFIG_PATH=$STAGE$P/lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=$STAGE"
flags=$(env $PCENV pkg-config --cflags --libs vgtriage-pertest 2>&1)
check "pkgconfig: pkg-config --cflags --libs vgtriage-pertest ($flags)" \
	sh -c "env $PCENV pkg-config --exists vgtriage-pertest && echo '$flags' | grep -q -- '-lvgtriage-pertest'"
# shellcheck disable=SC2086  # flags is a list of compiler options
if cc -o "$WORK/harness" "$WORK/harness.c" $flags >"$WORK/cc.out" 2>&1; then
	check "pkgconfig: a harness built with its flags runs (disabled outside valgrind: 0)" \
		[ "$("$WORK/harness")" = 0 ]
	if [ "$LIVE" = 1 ]; then
		check "pkgconfig: under valgrind with VGTRIAGE_PER_TEST=1 it is enabled (1)" \
			[ "$(VGTRIAGE_PER_TEST=1 valgrind -q "$WORK/harness" 2>/dev/null)" = 1 ]
	fi
else
	fail "pkgconfig: cannot build a harness with $flags"
	sed 's/^/    /' "$WORK/cc.out" | head -n 10
fi

# ---- completions, from the option table -------------------------------------------------
# the options --help lists (at a line's start), not the valgrind options it mentions
"$VGT" --help | grep -oE -- '^  (-[a-zA-Z], |    )--[a-z][a-z-]+' | grep -oE -- '--[a-z][a-z-]+' |
	sort -u >"$WORK/longopts"
n=$(wc -l <"$WORK/longopts")
check "completions: --help names long options ($n)" [ "$n" -ge 20 ]
for f in share/bash-completion/completions/vgtriage share/zsh/site-functions/_vgtriage \
	share/fish/vendor_completions.d/vgtriage.fish; do
	lost=
	while read -r opt; do
		case $f in
		*.fish) grep -q -- "-l ${opt#--}\( \|$\)" "$STAGE$P/$f" || lost="$lost $opt" ;;
		*) grep -q -- "$opt\([^a-z-]\|$\)" "$STAGE$P/$f" || lost="$lost $opt" ;;
		esac
	done <"$WORK/longopts"
	check "completions: $(basename "$f") has every long option of --help${lost:+ (missing:$lost)}" [ -z "$lost" ]
done
check "completions: the hidden --completions is not offered" sh -c \
	"! grep -v '^#' '$STAGE$P/share/bash-completion/completions/vgtriage' | grep -q -- --completions"
check "completions: bash's parses (bash -n)" bash -n "$STAGE$P/share/bash-completion/completions/vgtriage"
got=$(bash -c '. "$1"; COMP_WORDS=(vgtriage --for); COMP_CWORD=1; _vgtriage; echo "${COMPREPLY[*]}"' \
	sh "$STAGE$P/share/bash-completion/completions/vgtriage" 2>&1)
check "completions: bash completes 'vgtriage --for' to --format ($got)" [ "$got" = --format ]
check "completions: an unknown shell is a usage error (exit 2)" sh -c \
	"'$VGT' --completions ksh >/dev/null 2>&1; [ \$? -eq 2 ]"
if command -v zsh >/dev/null 2>&1; then
	check "completions: zsh's parses (zsh -n)" zsh -n "$STAGE$P/share/zsh/site-functions/_vgtriage"
fi
if command -v fish >/dev/null 2>&1; then
	check "completions: fish's parses (fish -n)" fish -n "$STAGE$P/share/fish/vendor_completions.d/vgtriage.fish"
fi

# ---- the installed tool at work ------------------------------------------------------------
have_pytest=0
"$PYTHON" -c 'import pytest' 2>/dev/null && command -v cython3 >/dev/null 2>&1 && have_pytest=1
build_suite() { # DIR: the fixture's pytest suite with its extensions
	mkdir -p "$1"
	cp tests/fixtures/pertest/*.py tests/fixtures/pertest/cyleak.pyx tests/fixtures/pertest/cleak.c "$1/"
	inc=$("$PYTHON" -c 'import sysconfig; print(sysconfig.get_paths()["include"])')
	suf=$("$PYTHON" -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))')
	(cd "$1" && cython3 -3 cyleak.pyx &&
	 cc -g -O0 -fPIC -shared -I"$inc" -o "cyleak$suf" cyleak.c &&
	 cc -g -O0 -fPIC -shared -I"$inc" -o "cleak$suf" cleak.c) >"$WORK/suite.out" 2>&1
}
if [ "$LIVE" != 1 ]; then
	skip "demo and per-test runs (INSTALL_LIVE=0 or no valgrind)"
else
	if VGTRIAGE="$VGT" PYTHON="$PYTHON" REQUESTS=${DEMO_REQUESTS:-60} sh demo/run-demo.sh \
		>"$WORK/demo.out" 2>&1 && grep -q '^demo: OK: rank 1 is .*native.pyx' "$WORK/demo.out"; then
		pass "demo: the installed tool ranks the .pyx line first ($(sed -n 's/^demo: OK: //p' "$WORK/demo.out"))"
	else
		fail "demo: with the installed tool"
		tail -n 15 "$WORK/demo.out" | sed 's/^/    /'
	fi
	if [ "$have_pytest" = 1 ] && build_suite "$WORK/suite"; then
		(cd "$WORK/suite" && TMPDIR="$WORK" "$VGT" run --per-test -q -f json -o live.json -- \
			"$PYTHON" -m pytest -q -p no:cacheprovider >live.out 2>&1)
		status=$?
		check_out "per-test: the installed run --per-test gives the leaking tests, exactly (exit $status)" \
			"$PYTHON" tests/pertest_check.py expect "$WORK/suite/live.json"
	else
		skip "per-test: no pytest or cython3, or the suite did not build"
	fi
fi

# ---- the pytest plugin package ---------------------------------------------------------------
if ! "$PYTHON" -c 'import build, setuptools, venv, pytest' 2>/dev/null; then
	skip "wheel: python3-build, python3-setuptools, python3-venv or pytest missing"
else
	cp -RL client/python "$WORK/pysrc"
	if (cd "$WORK/pysrc" && "$PYTHON" -m build --no-isolation --wheel -o "$WORK/dist" .) \
		>"$WORK/wheel.out" 2>&1; then
		whl=$(ls "$WORK"/dist/*.whl)
		check "wheel: built, version $VERSION ($(basename "$whl"))" \
			sh -c "case '$(basename "$whl")' in pytest_vgtriage-$VERSION-py3-none-any.whl) exit 0;; *) exit 1;; esac"
		"$PYTHON" -m venv --system-site-packages "$WORK/venv" >"$WORK/venv.out" 2>&1 &&
		"$WORK/venv/bin/pip" install -q --no-index --no-build-isolation "$whl" >>"$WORK/venv.out" 2>&1
		check_out "wheel: installed into a venv (--system-site-packages, --no-index)" \
			"$WORK/venv/bin/python" -c 'import importlib.metadata as m, sys
eps = [e for e in m.entry_points(group="pytest11") if e.name == "vgtriage_pytest"]
assert eps and eps[0].value == "vgtriage_pytest", eps
assert m.version("pytest-vgtriage") == sys.argv[1], m.version("pytest-vgtriage")' "$VERSION"
		(cd "$WORK" && env -u PYTEST_ADDOPTS "$WORK/venv/bin/python" -m pytest --help) >"$WORK/help.out" 2>&1
		check "wheel: pytest --help lists --vgtriage-lib and --vgtriage-per-phase" sh -c "
			grep -q -- '--vgtriage-lib' '$WORK/help.out' && grep -q -- '--vgtriage-per-phase' '$WORK/help.out'"
		(cd "$WORK" && env -u PYTEST_ADDOPTS "$PYTHON" -m pytest --help) >"$WORK/help0.out" 2>&1
		check "wheel: outside the venv pytest does not list them" sh -c "! grep -q -- '--vgtriage-lib' '$WORK/help0.out'"
		if [ "$LIVE" = 1 ] && [ -f "$WORK/suite/live.json" ]; then
			(cd "$WORK/suite" && TMPDIR="$WORK" "$VGT" run --per-test -q -f json -o venv.json -- \
				"$WORK/venv/bin/python" -m pytest -q -p no:cacheprovider >venv.out 2>&1)
			check_out "wheel: unchanged under the installed run --per-test (same tests, no second plugin)" \
				"$PYTHON" tests/pertest_check.py expect "$WORK/suite/venv.json"
			# Plain valgrind: no run --per-test, so no PYTHONPATH or
			# PYTEST_ADDOPTS; the entry point loads the plugin, which finds
			# the library beside the vgtriage in PATH.  Reachable blocks are
			# listed as run --per-test lists them (the man page's advice):
			# with valgrind's default kinds a block found lost only at a
			# later check is that test's, and the expected figures flip.
			(cd "$WORK/suite" && env -u PYTEST_ADDOPTS -u VGTRIAGE_PERTEST_LIB \
				PATH="$STAGE$P/bin:$PATH" VGTRIAGE_PER_TEST=1 PYTHONMALLOC=malloc \
				valgrind -q --leak-check=full --xml=yes --xml-file=plain.xml \
				--show-leak-kinds=definite,indirect,possible,reachable \
				"$WORK/venv/bin/python" -m pytest -q -p no:cacheprovider >plain.out 2>&1)
			(cd "$WORK/suite" && "$VGT" -f json plain.xml >plain.json 2>plain.err)
			check_out "wheel: under plain valgrind the entry point loads it and it finds the installed library" \
				"$PYTHON" tests/pertest_check.py expect "$WORK/suite/plain.json"
		fi
	else
		fail "wheel: python3 -m build --no-isolation --wheel client/python failed"
		tail -n 10 "$WORK/wheel.out" | sed 's/^/    /'
	fi
fi

# ---- uninstall ----------------------------------------------------------------------------------
make -s BUILD="$BUILD" DESTDIR="$STAGE" PREFIX=$P uninstall >"$WORK/uninstall.out" 2>&1
left=$(find "$STAGE" -type f | sed "s|^$STAGE||" | tr '\n' ' ')
check "uninstall: no file left under DESTDIR${left:+ (left: $left)}" [ -z "$left" ]

# ---- make dist ---------------------------------------------------------------------------------------
if ! git rev-parse --git-dir >/dev/null 2>&1; then
	skip "dist: not a git checkout"
else
	make -s BUILD="$BUILD" dist >"$WORK/dist.out" 2>&1
	tarball=$BUILD/vgtriage-$VERSION.tar.gz
	check "dist: $tarball made" [ -s "$tarball" ]
	mkdir -p "$WORK/unpack"
	tar -C "$WORK/unpack" -xzf "$tarball" 2>/dev/null
	D=$WORK/unpack/vgtriage-$VERSION
	check "dist: unpacks to vgtriage-$VERSION/ with VERSION, debian/ and client/python" sh -c "
		[ \"\$(cat '$D/VERSION')\" = '$VERSION' ] && [ -f '$D/debian/rules' ] &&
		[ -f '$D/client/python/vgtriage_pytest.py' ] && [ ! -e '$D/build' ]"
	if [ "$LIVE" = 1 ]; then
		# a plain build, whatever make this runs under (make asan passes
		# BUILD=build-asan SAN=1 down through MAKEFLAGS and the environment)
		if (cd "$D" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u BUILD -u SAN -u FUZZ \
			make -j2 all) >"$WORK/distbuild.out" 2>&1; then
			pass "dist: make -j2 all in the unpacked tree"
			(cd "$D" && build/vgtriage --color never testdata/errors.xml >"$WORK/errors.txt" 2>/dev/null)
			check "dist: its vgtriage gives testdata/errors.out_text" cmp -s "$WORK/errors.txt" "$D/testdata/errors.out_text"
		else
			fail "dist: make -j2 all in the unpacked tree"
			tail -n 15 "$WORK/distbuild.out" | sed 's/^/    /'
		fi
	fi
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
