#!/bin/bash
# action.sh — the GitHub Action (action.yml) of vgtriage: runs a command
# under valgrind with `vgtriage run`, then leaves what GitHub shows:
#   - workflow annotations (-f github, printed on standard output),
#   - the step summary (the Markdown report, appended to
#     $GITHUB_STEP_SUMMARY),
#   - report files in OUTPUT_DIR (vgtriage.sarif for
#     github/codeql-action/upload-sarif, vgtriage.junit.xml, ...),
#   - step outputs in $GITHUB_OUTPUT: exit-code, report-dir, sarif, junit,
#     markdown, codequality, json (the paths of those written).
# It exits with vgtriage run's status: 0 nothing --fail-on names, 1
# findings, 2 usage error; the program's own non-zero status comes first.
#
# Inputs (action.yml passes them as environment variables):
#   INPUT_COMMAND        the command to run, split into words as the shell
#                        does (no pipes or &&: run a script for that)
#   INPUT_FORMATS        comma-separated: sarif,junit,markdown,codequality,
#                        json,html,text (default sarif,junit,markdown)
#   INPUT_FAIL_ON        --fail-on LIST (default: vgtriage's default)
#   INPUT_BASELINE       --baseline FILE
#   INPUT_SUPPRESSIONS   valgrind .supp files, one per line or space-separated
#   INPUT_ARGS           more vgtriage options, word-split (e.g. "--per-test")
#   INPUT_OUTPUT_DIR     where the reports go (default vgtriage-report, under
#                        GITHUB_WORKSPACE when relative)
#   INPUT_WORKING_DIRECTORY  where the command runs (default GITHUB_WORKSPACE)
#   INPUT_INSTALL        auto (default): vgtriage from PATH, else the Debian
#                        package built from this tree; deb: always that;
#                        build: `make` in this tree; none: VGTRIAGE or PATH only
#   VGTRIAGE             the tool to use (skips installing)
# tests/golden_action.sh runs it with a simulated GITHUB_* environment.
set -u

ACTION_ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORKSPACE=${GITHUB_WORKSPACE:-$(pwd)}
COMMAND=${INPUT_COMMAND:-}
FORMATS=${INPUT_FORMATS:-sarif,junit,markdown}
INSTALL=${INPUT_INSTALL:-auto}
OUTDIR=${INPUT_OUTPUT_DIR:-vgtriage-report}
WORKDIR=${INPUT_WORKING_DIRECTORY:-$WORKSPACE}
case $OUTDIR in /*) ;; *) OUTDIR=$WORKSPACE/$OUTDIR ;; esac
case $WORKDIR in /*) ;; *) WORKDIR=$WORKSPACE/$WORKDIR ;; esac

die() { echo "::error title=vgtriage action::$*"; exit 2; }
[ -n "$COMMAND" ] || die "the input 'command' is empty"
[ -d "$WORKDIR" ] || die "working-directory $WORKDIR does not exist"

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo

# ---- the tool ---------------------------------------------------------------
install_deb() {
	echo "::group::vgtriage: build and install the Debian package"
	$SUDO env DEBIAN_FRONTEND=noninteractive sh "$ACTION_ROOT/install-deps.sh" || return 1
	deb=$(sh "$ACTION_ROOT/ci/build-deb.sh" "$RUNNER_TEMP_DIR") || return 1
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y "$deb" || return 1
	echo "::endgroup::"
	VGTRIAGE=vgtriage
}
install_build() {
	echo "::group::vgtriage: build from $ACTION_ROOT"
	$SUDO env DEBIAN_FRONTEND=noninteractive sh "$ACTION_ROOT/install-deps.sh" || return 1
	make -C "$ACTION_ROOT" -j"$(nproc 2>/dev/null || echo 2)" all || return 1
	echo "::endgroup::"
	VGTRIAGE=$ACTION_ROOT/build/vgtriage
}
RUNNER_TEMP_DIR=${RUNNER_TEMP:-${TMPDIR:-/tmp}}
if [ -z "${VGTRIAGE:-}" ]; then
	case $INSTALL in
	auto) if command -v vgtriage >/dev/null 2>&1; then VGTRIAGE=vgtriage; else
		install_deb || die "could not build or install the Debian package"; fi ;;
	deb) install_deb || die "could not build or install the Debian package" ;;
	build) install_build || die "could not build vgtriage" ;;
	none) command -v vgtriage >/dev/null 2>&1 || die "install: none, and no vgtriage in PATH"
		VGTRIAGE=vgtriage ;;
	*) die "install: '$INSTALL' is not auto, deb, build or none" ;;
	esac
fi
echo "vgtriage: $("$VGTRIAGE" --version)"

# ---- the options both the run and the reports get --------------------------
common=()
[ -z "${INPUT_BASELINE:-}" ] || common+=(--baseline "$INPUT_BASELINE")
for supp in ${INPUT_SUPPRESSIONS:-}; do
	common+=(--suppressions "$supp")
done
extra=()
# shellcheck disable=SC2206  # INPUT_ARGS is a list of options, word-split
[ -z "${INPUT_ARGS:-}" ] || extra=(${INPUT_ARGS})
gate=()
[ -z "${INPUT_FAIL_ON:-}" ] || gate=(--fail-on "$INPUT_FAIL_ON")

# The command is split into words as the shell does (quotes kept), and run
# by valgrind itself: through "bash -c", valgrind would follow bash, not
# the program bash starts (unless --valgrind-arg=--trace-children=yes).
eval "cmd=($COMMAND)" || die "command: cannot split '$COMMAND' into words"
[ ${#cmd[@]} -gt 0 ] || die "the input 'command' is empty"

mkdir -p "$OUTDIR" || die "cannot create $OUTDIR"
rm -f "$OUTDIR"/valgrind.xml "$OUTDIR"/valgrind.xml.*

# ---- the run: annotations, the gate, valgrind's XML kept --------------------
echo "::group::vgtriage run -- $COMMAND"
(cd "$WORKDIR" && "$VGTRIAGE" run -f github -o "$OUTDIR/annotations.txt" \
	--keep-xml "$OUTDIR/valgrind.xml" "${gate[@]}" "${common[@]}" "${extra[@]}" \
	-- "${cmd[@]}")
status=$?
echo "::endgroup::"
# The annotations are workflow commands: GitHub reads them from the log.
[ -f "$OUTDIR/annotations.txt" ] && cat "$OUTDIR/annotations.txt"

# ---- the reports, from the same XML -------------------------------------------
xmls=()
for f in "$OUTDIR"/valgrind.xml "$OUTDIR"/valgrind.xml.*; do
	[ -f "$f" ] && xmls+=("$f")
done
out() { [ -z "${GITHUB_OUTPUT:-}" ] || printf '%s=%s\n' "$1" "$2" >>"$GITHUB_OUTPUT"; }
out exit-code "$status"
out report-dir "$OUTDIR"
if [ ${#xmls[@]} -eq 0 ]; then
	echo "::error title=vgtriage::no valgrind output was kept (exit $status); see the log above"
	[ -z "${GITHUB_STEP_SUMMARY:-}" ] ||
		printf '## vgtriage\n\nNo valgrind output (exit %s).\n' "$status" >>"$GITHUB_STEP_SUMMARY"
	exit $((status == 0 ? 2 : status))
fi
# report FORMAT FILE: the same gate as the run (JUnit fails what it
# names); status 1 (findings) is a report written.
report() {
	(cd "$WORKDIR" && "$VGTRIAGE" report -q -f "$1" -o "$2" "${gate[@]}" \
		"${common[@]}" "${extra[@]}" "${xmls[@]}")
	[ $? -le 1 ] && [ -f "$2" ]
}
# --per-test and the like are run's options: the reports read the XML.
mapfile -t extra < <(printf '%s\n' "${extra[@]+"${extra[@]}"}" | grep -v -e '^--per-test' -e '^$' || true)
md=$OUTDIR/vgtriage.md
report markdown "$md" || echo "::warning title=vgtriage::the Markdown report failed"
IFS=', ' read -r -a fmts <<<"$FORMATS"
for fmt in "${fmts[@]}"; do
	case $fmt in
	sarif) file=vgtriage.sarif ;;
	junit) file=vgtriage.junit.xml ;;
	markdown) out markdown "$md"; continue ;;
	codequality) file=vgtriage.codequality.json ;;
	json) file=vgtriage.json ;;
	html) file=vgtriage.html ;;
	text) file=vgtriage.txt ;;
	'') continue ;;
	*) echo "::warning title=vgtriage::unknown format '$fmt' in formats"; continue ;;
	esac
	if report "$fmt" "$OUTDIR/$file"; then
		[ "$fmt" = text ] || [ "$fmt" = html ] || out "$fmt" "$OUTDIR/$file"
	else
		echo "::warning title=vgtriage::the $fmt report failed"
	fi
done

# ---- the step summary --------------------------------------------------------
if [ -n "${GITHUB_STEP_SUMMARY:-}" ] && [ -f "$md" ]; then
	{
		cat "$md"
		echo
		case $status in
		0) echo "vgtriage: **passed** (nothing that --fail-on names)." ;;
		1) echo "vgtriage: **failed**: findings that --fail-on names (exit 1)." ;;
		*) echo "vgtriage: **failed** (exit $status)." ;;
		esac
	} >>"$GITHUB_STEP_SUMMARY"
fi
exit "$status"
