"""vgtriage_pytest — which test leaked: vgtriage's pytest plugin.

`vgtriage run --per-test -- python3 -m pytest ...` puts this file on
PYTHONPATH and loads it with `-p vgtriage_pytest` (through PYTEST_ADDOPTS),
so the project under test needs no change.  Under valgrind, it marks each
test's start and end and, once the test's setup, call and teardown are
over, asks memcheck for the leaks changed since the previous check, through
libvgtriage-pertest.so (whose path vgtriage passes in VGTRIAGE_PERTEST_LIB);
vgtriage then gives each block lost to the test, by node id, that left
it behind.  Outside valgrind, or without the library, it does nothing.

VGTRIAGE_PER_TEST=phase (run --per-test=phase) asks after each phase
instead, so that the report says in which phase a test leaked; each check
scans the whole heap, so this costs about three times as much.

Installed as a package (client/python: `pip install client/python`, the
distribution pytest-vgtriage), pytest loads it by itself through the
`pytest11` entry point named vgtriage_pytest; `-p vgtriage_pytest` from
run --per-test then finds it already loaded.  Without VGTRIAGE_PERTEST_LIB
the library is looked for with --vgtriage-lib, then beside the vgtriage in
PATH (BINDIR/../lib/vgtriage, where make install and the .deb put it), then
in /usr/local/lib/vgtriage and /usr/lib/vgtriage.

Markers (registered, so that --strict-markers accepts them):
  @pytest.mark.vgtriage(leaks="<=4KB")   the test may leak up to 4 KiB (of
        the kinds --fail-on fails on) without failing; units B, KB or KiB
        (1024 bytes), MB or MiB (1024 KiB); a bare number is bytes
  @pytest.mark.vgtriage(known=True, reason="...")  (or known="...") the
        test's leak is known: reported, never a failure
They reach vgtriage as "vgtriage:allow BYTES" and "vgtriage:known REASON"
right after the test's "vgtriage:begin".  A malformed marker is a pytest
usage error, with or without valgrind.
"""
import ctypes
import os
import re
import sys

import pytest

_lib = None
_per_phase = False


LIBRARY = "libvgtriage-pertest.so"


def pytest_addoption(parser):
    group = parser.getgroup("vgtriage", "vgtriage per-test leak checks "
                            "(under `vgtriage run --per-test`)")
    group.addoption("--vgtriage-lib", metavar="PATH", default=None,
                    help="the client library %s (default: $VGTRIAGE_PERTEST_LIB, "
                    "else beside the vgtriage in PATH, /usr/local/lib/vgtriage, "
                    "/usr/lib/vgtriage)" % LIBRARY)
    group.addoption("--vgtriage-per-phase", action="store_true", default=False,
                    help="a leak check after each phase (setup, call, teardown) "
                    "instead of each test, as run --per-test=phase")


def _candidates():
    """Where make install and the .deb put the library."""
    dirs = []
    for d in os.environ.get("PATH", "").split(os.pathsep):
        exe = os.path.join(d, "vgtriage") if d else ""
        if exe and os.access(exe, os.X_OK):
            bindir = os.path.dirname(os.path.realpath(exe))
            dirs.append(os.path.join(bindir, "..", "lib", "vgtriage"))
            break
    dirs += ["/usr/local/lib/vgtriage", "/usr/lib/vgtriage"]
    return [os.path.normpath(os.path.join(d, LIBRARY)) for d in dirs]


def _find(option):
    path = option or os.environ.get("VGTRIAGE_PERTEST_LIB")
    if path:
        return path
    for cand in _candidates():
        if os.path.isfile(cand):
            return cand
    if os.environ.get("VGTRIAGE_PER_TEST"):
        sys.stderr.write("vgtriage_pytest: no per-test leak checks: %s not found in %s; "
                         "install vgtriage (make install, or its .deb) or give "
                         "--vgtriage-lib PATH\n" % (LIBRARY, ", ".join(_candidates())))
    return None


def _load(option=None):
    path = _find(option)
    if not path:
        return None
    try:
        lib = ctypes.CDLL(path)
    except OSError as exc:
        sys.stderr.write("vgtriage_pytest: no per-test leak checks: %s\n" % exc)
        return None
    lib.vgtriage_pertest_enabled.restype = ctypes.c_int
    lib.vgtriage_pertest_enabled.argtypes = []
    for name in ("vgtriage_pertest_start", "vgtriage_pertest_begin",
                 "vgtriage_pertest_phase", "vgtriage_pertest_end"):
        getattr(lib, name).argtypes = [ctypes.c_char_p]
        getattr(lib, name).restype = None
    lib.vgtriage_pertest_mark.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
    lib.vgtriage_pertest_mark.restype = None
    return lib if lib.vgtriage_pertest_enabled() else None


def _bytes(text):
    return text.encode("utf-8", "backslashreplace")


MARKER_HELP = ("vgtriage(leaks=\"<=4KB\", known=False, reason=\"\"): under vgtriage "
               "run --per-test, the test may leak up to LEAKS (B, KB/KiB = 1024, MB/MiB) "
               "without failing, or (known=True or known=\"REASON\") its leak is a "
               "known one: reported, not a failure")

_UNITS = {"": 1, "b": 1, "kb": 1024, "kib": 1024, "mb": 1024 ** 2, "mib": 1024 ** 2}


def parse_leaks(spec):
    """A leaks= limit in bytes: "<=4KB" is 4096; an int is bytes.  Raises
    ValueError saying what is expected."""
    if isinstance(spec, bool):
        raise ValueError("expected a limit such as \"<=4KB\", not a bool")
    if isinstance(spec, int):
        if spec < 0:
            raise ValueError("a limit cannot be negative")
        return spec
    if not isinstance(spec, str):
        raise ValueError("expected a string such as \"<=4KB\"")
    text = spec.strip()
    if text.startswith("<="):
        text = text[2:]
    elif text.startswith("<"):
        raise ValueError("'<' is not supported: write '<=N' (the most the test may leak)")
    elif text[:1] in (">", "="):
        raise ValueError("expected '<=N' (the most the test may leak)")
    m = re.fullmatch(r"\s*([0-9]+)\s*([A-Za-z]*)\s*", text)
    if m is None or m.group(2).lower() not in _UNITS:
        raise ValueError("expected '<=N' with N a whole number and an optional unit "
                         "B, KB/KiB (1024), MB/MiB (1024*1024)")
    return int(m.group(1)) * _UNITS[m.group(2).lower()]


def marks_of(marker):
    """(allowed bytes or None, known reason or None) of a vgtriage marker;
    raises ValueError on a malformed one."""
    if marker is None:
        return None, None
    if marker.args:
        raise ValueError("takes keyword arguments only (leaks=, known=, reason=)")
    unknown = sorted(set(marker.kwargs) - {"leaks", "known", "reason"})
    if unknown:
        raise ValueError("unknown argument %s (expected leaks=, known=, reason=)"
                         % ", ".join(unknown))
    allowed = None
    if "leaks" in marker.kwargs:
        allowed = parse_leaks(marker.kwargs["leaks"])
    known = marker.kwargs.get("known", False)
    reason = marker.kwargs.get("reason")
    if reason is not None and not isinstance(reason, str):
        raise ValueError("reason= must be a string")
    if isinstance(known, str):
        if reason is not None:
            raise ValueError("give the reason once: known=\"REASON\" or known=True, reason=")
        reason, known = known, True
    elif not isinstance(known, bool):
        raise ValueError("known= must be True, False or a reason string")
    if reason is not None and not known:
        raise ValueError("reason= goes with known=True")
    if allowed is None and not known:
        raise ValueError("give leaks=\"<=N\" or known=True")
    return allowed, (reason or "") if known else None


@pytest.hookimpl(trylast=True)  # after the hooks that add markers to items
def pytest_collection_modifyitems(session, config, items):
    for item in items:
        try:
            item._vgtriage_marks = marks_of(item.get_closest_marker("vgtriage"))
        except ValueError as exc:
            raise pytest.UsageError("%s: @pytest.mark.vgtriage: %s" % (item.nodeid, exc))


def pytest_configure(config):
    global _lib, _per_phase
    config.addinivalue_line("markers", MARKER_HELP)
    _lib = _load(config.getoption("vgtriage_lib", None))
    _per_phase = (os.environ.get("VGTRIAGE_PER_TEST") == "phase" or
                  bool(config.getoption("vgtriage_per_phase", False)))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtestloop(session):
    # After collection: what importing the test modules leaked is the
    # session's, not the first test's.
    if _lib is not None:
        _lib.vgtriage_pertest_start(b"pytest")
    yield


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_protocol(item, nextitem):
    if _lib is None:
        yield
        return
    name = _bytes(item.nodeid)
    _lib.vgtriage_pertest_begin(name)
    allowed, known = getattr(item, "_vgtriage_marks", (None, None))
    if allowed is not None:
        _lib.vgtriage_pertest_mark(b"allow", b"%d" % allowed)
    if known is not None:
        _lib.vgtriage_pertest_mark(b"known", _bytes(known))
    outcome = yield
    if outcome.excinfo is not None:
        # Ctrl-C or an internal error stopped the test: no end marker, so
        # vgtriage reports it as unfinished.
        return
    if _per_phase:
        _lib.vgtriage_pertest_mark(b"end", name)
    else:
        _lib.vgtriage_pertest_end(name)


def _phase(when):
    if _lib is not None and _per_phase:
        _lib.vgtriage_pertest_phase(when)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item):
    yield
    _phase(b"setup")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    yield
    _phase(b"call")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    yield
    _phase(b"teardown")
