#!/bin/sh
# build-deb.sh [OUTDIR] — builds the Debian package from this tree, in a
# copy under a temporary directory (dpkg-buildpackage writes beside the
# tree it builds, so nothing lands beside this checkout), then runs
# lintian on it.  Leaves vgtriage_VERSION-1_ARCH.deb in OUTDIR (default:
# the current directory) and prints its path last.  The tests are not run
# again (DEB_BUILD_OPTIONS=nocheck): make check runs on the tree.
# Needs debhelper, dpkg-dev, fakeroot, lintian (install-deps.sh).
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${1:-.}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
VERSION=$(cat "$ROOT/VERSION")
TMP=$(mktemp -d "${TMPDIR:-/tmp}/vgt-deb.XXXXXX")
trap 'rm -rf "$TMP"' EXIT INT TERM

SRC=$TMP/vgtriage-$VERSION
mkdir -p "$SRC"
# The tree as it is (committed or not), without build output or git.
(cd "$ROOT" && tar --exclude=./.git --exclude='./build' --exclude='./build-*' -cf - .) |
	(cd "$SRC" && tar -xf -)

(cd "$SRC" && DEB_BUILD_OPTIONS="nocheck${DEB_BUILD_OPTIONS:+ $DEB_BUILD_OPTIONS}" \
	dpkg-buildpackage -us -uc -b) >"$TMP/build.log" 2>&1 || {
	tail -n 40 "$TMP/build.log" >&2
	echo "build-deb: dpkg-buildpackage failed" >&2
	exit 1
}
set -- "$TMP"/vgtriage_*.deb
[ -f "$1" ] || { echo "build-deb: no .deb was made" >&2; exit 1; }
# Errors and warnings fail; what remains is explained in
# debian/source/lintian-overrides and debian/vgtriage.lintian-overrides.
if command -v lintian >/dev/null 2>&1; then
	lintian --fail-on error,warning "$TMP"/vgtriage_*.changes >&2
fi
cp "$@" "$OUT"/
echo "$OUT/$(basename "$1")"
