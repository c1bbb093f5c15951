#!/bin/sh
# install-deps.sh — installs, from Debian 12's packages, everything that
# building vgtriage, its tests (make check, asan, leakcheck, testdata), the
# demo (make demo), the Debian package and the pytest plugin's wheel need.
# Idempotent; uses sudo only when not root.  The one list of the project's
# packages: .ci/run calls this script.
#   sh install-deps.sh --runtime   only what running an installed vgtriage
#                                  needs (no compiler, no Python packages)
set -eu

# Running it: the libraries it links, valgrind for `run`, libclang for the
# C/C++ hints' helper (without it: no hints for C and C++ leaks).
RUNTIME="libxml2 libjansson4 libdw1 libelf1 libclang1-14 valgrind"

PACKAGES="
	gcc g++ make libc6-dev clang libclang-rt-14-dev pkg-config time
	libxml2-dev libxml2-utils libjansson-dev
	libclang-dev
	libiberty-dev libdw-dev libelf-dev binutils
	check libsubunit-dev libgtest-dev
	valgrind procps
	python3 python3-dev cython3 python3-pytest
	python3-fastapi python3-uvicorn python3-httpx python3-jsonschema
	python3-lxml python3-yaml
	debhelper dpkg-dev fakeroot lintian chrpath
	chromium
	python3-build python3-venv python3-setuptools python3-wheel
"
case ${1:-} in
--runtime) PACKAGES=$RUNTIME ;;
'') ;;
*) echo "usage: sh install-deps.sh [--runtime]" >&2; exit 2 ;;
esac

if [ "$(id -u)" -eq 0 ]; then
	SUDO=
else
	SUDO=sudo
fi

missing=
for p in $PACKAGES; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
		missing="$missing $p"
done
if [ -z "$missing" ]; then
	echo "install-deps: all packages already installed"
	exit 0
fi

echo "install-deps: installing:$missing"
$SUDO apt-get update
# shellcheck disable=SC2086  # a list of package names
$SUDO env DEBIAN_FRONTEND=noninteractive \
	apt-get install -y --no-install-recommends $missing
