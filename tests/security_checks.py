#!/usr/bin/python3
"""security_checks.py — what a report written from a hostile input may not
hold.  Run by tests/golden_security.sh, one check per call; each prints its
problems one per line and exits 1 if there were any.

  security_checks.py sites REPORT_JSON
      Prints the number of sites the JSON report lists.

  security_checks.py lines REPORT FORMAT SITES
      No line starts, after blanks (as GitHub's runner trims them), with
      "::" -- but in FORMAT github, where there are exactly SITES lines and
      each is one annotation "::error|warning|notice [file=F,[line=N,]]
      title=T::DATA" whose F, T (GitHub-escaped) hold no ':' or ','.  No
      "##[" (the runner's legacy command marker, found anywhere in a line)
      but in JSON, which gives the input's strings as they are.

  security_checks.py chars REPORT FORMAT
      Well-formed UTF-8; no C0 control but tab and newline.  But in JSON
      (whose strings are the input's, escaped as JSON escapes them): no DEL,
      no C1 control, no bidi embedding/override/isolate/mark, no line or
      paragraph separator.

  security_checks.py markdown REPORT SITES
      The table has SITES rows; every code fence closes, no <details> or
      </details> line falls inside one, and they pair up.

  security_checks.py sarif REPORT
      No artifact URI relative to SRCROOT leaves it ("..") or reads as a
      scheme ("x:"); every result has a physical location.

  security_checks.py absent REPORT PATTERN_FILE
      No line of PATTERN_FILE (non-empty lines of at least 6 characters)
      occurs in REPORT.
"""
import json
import posixpath
import re
import sys
import urllib.parse

ANNOTATION = re.compile(r"^::(error|warning|notice) (file=[^,:]*,(line=[0-9]+,)?)?title=[^,:]*::")
HIDDEN = set(range(0x80, 0xA0)) | set(range(0x202A, 0x202F)) | set(range(0x2066, 0x206A)) | \
    {0x200E, 0x200F, 0x061C, 0x2028, 0x2029}


def read_text(path):
    with open(path, "rb") as f:
        data = f.read()
    return data.decode("utf-8")


def sites(path):
    with open(path, encoding="utf-8") as f:
        d = json.load(f)
    print(len(d["sites"]))
    return []


def lines(path, fmt, n_sites):
    problems = []
    annotations = 0
    for i, line in enumerate(read_text(path).split("\n"), 1):
        if line.lstrip().startswith("::"):
            if fmt == "github" and ANNOTATION.match(line):
                annotations += 1
            else:
                problems.append("%s:%d: a line starts with '::': %r" % (path, i, line[:120]))
        elif fmt == "github" and line != "":
            problems.append("%s:%d: not an annotation: %r" % (path, i, line[:120]))
        if "##[" in line and fmt != "json":
            problems.append("%s:%d: '##[' in a line: %r" % (path, i, line[:120]))
    if fmt == "github" and annotations != int(n_sites):
        problems.append("%s: %d annotations for %s sites" % (path, annotations, n_sites))
    return problems


def chars(path, fmt):
    try:
        text = read_text(path)
    except UnicodeDecodeError as e:
        return ["%s: not UTF-8: %s" % (path, e)]
    problems = []
    for i, line in enumerate(text.split("\n"), 1):
        for c in line:
            o = ord(c)
            bad = (o < 0x20 and c != "\t") or (o == 0x7F and fmt != "json")
            if fmt != "json" and o in HIDDEN:
                bad = True
            if bad:
                problems.append("%s:%d: U+%04X in %r" % (path, i, o, line[:120]))
                break
    return problems


def markdown(path, n_sites):
    problems = []
    rows = 0
    fence = 0
    opened = 0
    for i, line in enumerate(read_text(path).split("\n"), 1):
        ticks = len(line) - len(line.lstrip("`"))
        if fence == 0:
            if ticks >= 3 and line.strip("`") == "":
                fence = ticks
                continue
            if re.match(r"^\| [0-9]+ \| ", line):
                rows += 1
            if line.startswith("<details>"):
                opened += 1
            if line.startswith("</details>"):
                opened -= 1
                if opened < 0:
                    problems.append("%s:%d: </details> without <details>" % (path, i))
        else:
            if ticks >= fence and line.strip("` ") == "":
                fence = 0
            elif "</details>" in line and line.startswith("</details>"):
                problems.append("%s:%d: </details> inside a code block" % (path, i))
    if fence != 0:
        problems.append("%s: a code fence never closes" % path)
    if opened != 0:
        problems.append("%s: %d <details> left open" % (path, opened))
    if rows != int(n_sites):
        problems.append("%s: %d table rows for %s sites" % (path, rows, n_sites))
    return problems


def sarif(path):
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    problems = []

    def walk(node):
        if isinstance(node, dict):
            if node.get("uriBaseId") == "SRCROOT":
                uri = node.get("uri", "")
                rel = urllib.parse.unquote(uri)
                norm = posixpath.normpath(rel)
                if rel.startswith("/") or norm == ".." or norm.startswith("../"):
                    problems.append("%s: uri leaves SRCROOT: %s" % (path, uri))
                if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", uri):
                    problems.append("%s: relative uri reads as a scheme: %s" % (path, uri))
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(doc)
    for run in doc.get("runs", []):
        for i, res in enumerate(run.get("results", [])):
            if not any(loc.get("physicalLocation") for loc in res.get("locations", [])):
                problems.append("%s: result %d has no physical location" % (path, i))
    return problems


def absent(path, pattern_file):
    text = read_text(path)
    with open(pattern_file, encoding="utf-8", errors="replace") as f:
        patterns = [p.rstrip("\n") for p in f if len(p.rstrip("\n")) >= 6]
    return ["%s: holds %r" % (path, p) for p in patterns if p in text]


def main(argv):
    checks = {"sites": sites, "lines": lines, "chars": chars, "markdown": markdown,
              "sarif": sarif, "absent": absent}
    if len(argv) < 3 or argv[1] not in checks:
        print(__doc__, file=sys.stderr)
        return 2
    problems = checks[argv[1]](*argv[2:])
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
