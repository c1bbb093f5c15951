#!/usr/bin/python3
"""validate_sarif.py FILE... — validates SARIF files against the OASIS
SARIF 2.1.0 JSON schema, then checks what GitHub code scanning requires
beyond the schema (every result has a location with a region whose
startLine >= 1; artifact URIs under SRCROOT are relative).

The schema is read from ../shared/schemas/sarif-schema-2.1.0.json relative
to the repository root (CI clones the repo with shared/ beside it; a git
worktree finds it beside an ancestor directory), or from $SARIF_SCHEMA.  Uses Debian's python3-jsonschema.  Exit 0 when every file
is valid, 1 when one is not, 2 when the schema or jsonschema is missing.
"""
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCHEMA_REL = os.path.join("shared", "schemas", "sarif-schema-2.1.0.json")


def find_schema():
    """$SARIF_SCHEMA, else ../shared/schemas/ beside the repository (as CI
    clones it), else the same beside an ancestor (a git worktree)."""
    if os.environ.get("SARIF_SCHEMA"):
        return os.environ["SARIF_SCHEMA"]
    d = os.path.dirname(ROOT)
    while True:
        candidate = os.path.join(d, SCHEMA_REL)
        if os.path.isfile(candidate):
            return candidate
        parent = os.path.dirname(d)
        if parent == d:
            return os.path.join(os.path.dirname(ROOT), SCHEMA_REL)
        d = parent


SCHEMA = find_schema()


def github_problems(doc):
    """What GitHub code scanning rejects or ignores though the schema allows it."""
    problems = []
    for r, run in enumerate(doc.get("runs", [])):
        for i, res in enumerate(run.get("results", [])):
            where = "runs[%d].results[%d]" % (r, i)
            locs = res.get("locations") or []
            phys = [loc.get("physicalLocation") for loc in locs if loc.get("physicalLocation")]
            if not phys:
                problems.append(where + ": no physicalLocation")
                continue
            region = phys[0].get("region") or {}
            if region.get("startLine", 0) < 1:
                problems.append(where + ": region.startLine < 1")
            art = phys[0].get("artifactLocation") or {}
            uri = art.get("uri", "")
            if art.get("uriBaseId") == "SRCROOT" and (uri.startswith("/") or "://" in uri):
                problems.append(where + ": SRCROOT-relative uri is absolute: " + uri)
            if not res.get("partialFingerprints"):
                problems.append(where + ": no partialFingerprints")
        base = (run.get("originalUriBaseIds") or {}).get("SRCROOT")
        if base is not None and not base.get("uri", "").endswith("/"):
            problems.append("runs[%d].originalUriBaseIds.SRCROOT.uri must end with '/'" % r)
    return problems


def main(argv):
    if len(argv) < 2:
        print("usage: validate_sarif.py FILE...", file=sys.stderr)
        return 2
    try:
        import jsonschema
    except ImportError:
        print("validate_sarif: python3-jsonschema is not installed "
              "(apt-get install python3-jsonschema)", file=sys.stderr)
        return 2
    validator = None
    if os.path.isfile(SCHEMA):
        with open(SCHEMA, encoding="utf-8") as f:
            schema = json.load(f)
        validator = jsonschema.validators.validator_for(schema)(schema)
    else:
        # a clone without ../shared beside it: the GitHub checks still run
        print("validate_sarif: SKIP the schema check: no SARIF schema at %s "
              "(../shared/schemas/ is not beside this checkout; set SARIF_SCHEMA)"
              % os.path.normpath(SCHEMA), file=sys.stderr)
    status = 0
    for path in argv[1:]:
        try:
            with open(path, encoding="utf-8") as f:
                doc = json.load(f)
        except (OSError, ValueError) as e:
            print("%s: not JSON: %s" % (path, e), file=sys.stderr)
            status = 1
            continue
        errors = [] if validator is None else sorted(validator.iter_errors(doc),
                                                     key=lambda e: list(e.path))
        for e in errors[:10]:
            loc = "/".join(str(p) for p in e.path)
            print("%s: schema: %s: %s" % (path, loc or "(root)", e.message), file=sys.stderr)
        problems = github_problems(doc)
        for p in problems:
            print("%s: github: %s" % (path, p), file=sys.stderr)
        if errors or problems:
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
