#!/usr/bin/python3
"""golden_checks.py — checks of vgtriage's reports against valgrind's own
numbers, parsed here independently of vgtriage.  Run by tests/golden.sh.

  golden_checks.py totals REPORT_JSON VALGRIND_LOG
      The totals vgtriage computed from <case>.xml equal the LEAK SUMMARY
      and ERROR SUMMARY that valgrind printed in <case>.log (the text log of
      the same deterministic program).

  golden_checks.py acceptance REPORT_JSON REPORT_TEXT VALGRIND_LOG FN FILE [OWN]
      Rank 1 is the leak whose first frame below the allocator is the
      function FN (a substring), with exactly the bytes and blocks of those
      loss records in the log (summed: valgrind splits a leak by stack); FILE (a suffix, or "-") is the rank-1
      location's file; no interpreter/runtime site is shown; and the report
      says it hid something (hidden_sites > 0, "Hidden:" in the text).
      With OWN (a substring), the program's own code is only the frames
      whose fn, file or obj contain OWN: every site shown must have such a
      frame in its stack (all else is the interpreter's or a library's).

  golden_checks.py truncate XML OUTDIR CUTS -- TOOL [ARG...]
      Cuts copies of XML at CUTS offsets (spread over the file and placed
      inside records) and runs TOOL ARG... -f json on each: exit status must
      not be 2 and inputs[0].records must equal the number of </error> before
      the cut — except, when no record is complete, exit 2 is allowed.

Each prints problems one per line and exits 1 if there were any.
"""
import json
import os
import re
import subprocess
import sys

NUM = r"([0-9][0-9,]*)"
LEAK_LINE = re.compile(r"^[=*-]{2}\d+[=*-]{2}\s+(definitely lost|indirectly lost|"
                       r"possibly lost|still reachable): " + NUM + " bytes in " +
                       NUM + " blocks")
NO_LEAKS = re.compile(r"All heap blocks were freed -- no leaks are possible")
ERROR_SUMMARY = re.compile(r"ERROR SUMMARY: " + NUM + " errors from " + NUM + " contexts")
LOSS_RECORD = re.compile(r"^[=*-]{2}\d+[=*-]{2} " + NUM + r" (?:\(" + NUM + " direct, " +
                         NUM + r" indirect\) )?bytes in " + NUM +
                         r" blocks are (.*) in loss record")
FRAME = re.compile(r"^[=*-]{2}\d+[=*-]{2}\s+(?:at|by) 0x[0-9A-Fa-f]+: (.*)$")


def num(text):
    return int(text.replace(",", ""))


def parse_summaries(log_path):
    """Returns ({leak kind: (bytes, blocks)}, (errors, contexts))."""
    leaks, errors = {}, None
    with open(log_path, errors="replace") as f:
        for line in f:
            m = LEAK_LINE.match(line)
            if m:
                leaks[m.group(1).replace(" ", "_")] = (num(m.group(2)), num(m.group(3)))
            elif NO_LEAKS.search(line):
                leaks = {k: (0, 0) for k in ("definitely_lost", "indirectly_lost",
                                            "possibly_lost", "still_reachable")}
            m = ERROR_SUMMARY.search(line)
            if m:
                errors = (num(m.group(1)), num(m.group(2)))
    return leaks, errors


def loss_records(log_path):
    """Yields (bytes, blocks, kind text, [frame texts]) per loss record."""
    current = None
    with open(log_path, errors="replace") as f:
        for line in f:
            m = LOSS_RECORD.match(line)
            if m:
                if current:
                    yield current
                current = (num(m.group(1)), num(m.group(4)), m.group(5), [])
                continue
            if current is None:
                continue
            m = FRAME.match(line)
            if m:
                current[3].append(m.group(1))
            else:
                yield current
                current = None
    if current:
        yield current


def check_totals(report_path, log_path):
    problems = []
    with open(report_path) as f:
        totals = json.load(f)["totals"]
    leaks, errors = parse_summaries(log_path)
    with open(log_path, errors="replace") as f:
        head = f.read(400)
    thread_tool = re.search(r"== (Helgrind|drd), a thread error detector", head)
    if not leaks and not thread_tool:
        problems.append("%s: no LEAK SUMMARY found" % log_path)
    # Kinds that --show-leak-kinds left out have a summary line but no loss
    # record, in the log and in the XML alike: the XML cannot know them.
    # (Indirect bytes still show in the "(N direct, M indirect)" split.)
    shown = {kind.replace(" ", "_") for _, _, kind, _ in loss_records(log_path)}
    if shown:
        shown.add("indirectly_lost")
    for name, (nbytes, blocks) in sorted(leaks.items()):
        if name not in shown and nbytes:
            print("  %s: not shown by valgrind (--show-leak-kinds), not compared" % name)
            continue
        got = totals[name]
        if got is None or got["bytes"] is None:
            print("  %s: unknown in the XML report (null), not compared" % name)
            continue
        if got["bytes"] is None and name not in shown:
            print("  %s: not in the XML (not shown by valgrind), null as it should be" % name)
            continue
        if got["blocks"] is None and name == "indirectly_lost":
            # the XML knows indirect bytes (from the definite records'
            # split), not how many blocks: only the bytes are compared
            print("  indirectly_lost: blocks not in the XML (null), bytes compared")
            blocks = None
        if (got["bytes"], got["blocks"]) != (nbytes, blocks):
            problems.append("%s: vgtriage %s bytes in %s blocks, valgrind %s bytes in %s blocks"
                            % (name, got["bytes"], got["blocks"], nbytes, blocks))
    if errors is None:
        problems.append("%s: no ERROR SUMMARY found" % log_path)
    elif totals["error_count"] is None:
        print("  ERROR SUMMARY: unknown in the XML report (null), not compared")
    elif (totals["error_count"], totals["error_contexts"]) != errors:
        problems.append("ERROR SUMMARY: vgtriage %d errors from %d contexts, valgrind %d from %d"
                        % (totals["error_count"], totals["error_contexts"], errors[0], errors[1]))
    return problems


def first_non_allocator(frames):
    for frame in frames:
        if "vgpreload_" not in frame:
            return frame
    return ""


def has_own_frame(site, own):
    for frame in site.get("stack") or []:
        for key in ("fn", "file", "obj", "pyx_file"):
            if own in (frame.get(key) or ""):
                return True
    return False


def check_acceptance(report_path, text_path, log_path, fn, file_suffix, own=None):
    problems = []
    with open(report_path) as f:
        report = json.load(f)
    with open(text_path, errors="replace") as f:
        text = f.read()
    wanted = [r for r in loss_records(log_path) if fn in first_non_allocator(r[3])]
    if not wanted:
        return ["%s: no loss record allocated from %s" % (log_path, fn)]
    kinds = {r[2] for r in wanted}
    if len(kinds) != 1:
        return ["%s: loss records from %s of several kinds: %s" % (log_path, fn, kinds)]
    # Valgrind splits one leak into several loss records when the stacks
    # differ below the leaking function (the interpreter's call paths):
    # the site is their sum.
    nbytes = sum(r[0] for r in wanted)
    blocks = sum(r[1] for r in wanted)
    kind = kinds.pop()
    if not report["sites"]:
        return ["no site shown"]
    top = report["sites"][0]
    if (top["bytes"], top["blocks"]) != (nbytes, blocks):
        problems.append("rank 1 has %d bytes in %d blocks, valgrind's record %d in %d"
                        % (top["bytes"], top["blocks"], nbytes, blocks))
    if kind == "definitely lost" and top["kind"] != "Leak_DefinitelyLost":
        problems.append("rank 1 is %s, not Leak_DefinitelyLost" % top["kind"])
    if top["records"] != len(wanted):
        problems.append("rank 1 has %d records, valgrind %d loss records" % (top["records"], len(wanted)))
    if top["category"] != "user":
        problems.append("rank 1 category is %s" % top["category"])
    location = top.get("location") or {}
    if file_suffix != "-" and not (location.get("file") or "").endswith(file_suffix):
        problems.append("rank 1 location %r, expected a file ending in %s"
                        % (location, file_suffix))
    for site in report["sites"]:
        if site["category"] in ("interpreter", "runtime") or site.get("hidden"):
            problems.append("interpreter-only site shown: rank %d %s %r"
                            % (site["rank"], site["category"], site.get("location")))
        elif own and not has_own_frame(site, own):
            problems.append("site without a frame of %s shown: rank %d %s %s %r"
                            % (own, site["rank"], site["kind"], site["category"],
                               site.get("location")))
    totals = report["totals"]
    if totals.get("hidden_sites", 0) <= 0 or totals.get("hidden_records", 0) <= 0:
        problems.append("nothing hidden: hidden_sites=%r hidden_records=%r"
                        % (totals.get("hidden_sites"), totals.get("hidden_records")))
    # "Hidden: 25 interpreter sites (142,575 bytes), 4 Cython runtime
    # sites (803 bytes), 2 sites filtered out by --kinds (…); …"
    m = re.search(r"^Hidden: (.*)$", text, re.M)
    counts = re.findall(r"([0-9,]+) (?:[A-Za-z-]+ )*sites? [(f]", m.group(1)) if m else []
    if not counts or sum(num(c) for c in counts) != totals.get("hidden_sites"):
        problems.append("the text report does not say how many sites it hid")
    return problems


def cut_offsets(data, cuts):
    """Offsets spread over the file, plus offsets inside records."""
    size = len(data)
    offsets = {0, 1, size - 1}
    spread = max(cuts // 2, 1)
    for i in range(1, spread + 1):
        offsets.add(size * i // (spread + 1))
    ends = [m.end() for m in re.finditer(rb"</error>", data)]
    if ends:
        step = max(len(ends) // max(cuts - len(offsets), 1), 1)
        for j, end in enumerate(ends[::step]):
            # Just after a record, and in the middle of the next one.
            offsets.add(end)
            offsets.add(min(end + 97 + 31 * j % 400, size - 1))
            if len(offsets) >= cuts:
                break
    return sorted(o for o in offsets if 0 <= o < size)


def check_truncate(xml_path, outdir, cuts, tool):
    problems = []
    with open(xml_path, "rb") as f:
        data = f.read()
    os.makedirs(outdir, exist_ok=True)
    cut_path = os.path.join(outdir, "cut.xml")
    offsets = cut_offsets(data, cuts)
    for off in offsets:
        piece = data[:off]
        complete = piece.count(b"</error>")
        with open(cut_path, "wb") as f:
            f.write(piece)
        proc = subprocess.run(tool + ["-f", "json", "--fail-on", "none", cut_path],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        status = proc.returncode
        if status == 2:
            if complete > 0:
                problems.append("cut at %d (%d complete records): exit 2: %s"
                                % (off, complete, proc.stderr.decode(errors="replace").strip()))
            continue
        if status not in (0, 1):
            problems.append("cut at %d: exit %d: %s"
                            % (off, status, proc.stderr.decode(errors="replace").strip()))
            continue
        try:
            report = json.loads(proc.stdout)
            records = report["inputs"][0]["records"]
        except (ValueError, KeyError, IndexError) as e:
            problems.append("cut at %d: bad JSON (%s)" % (off, e))
            continue
        if records != complete:
            problems.append("cut at %d: %d records, %d complete </error> before the cut"
                            % (off, records, complete))
        if off < len(data) - 1 and report["inputs"][0].get("complete") is not False:
            problems.append("cut at %d: input not marked \"complete\": false" % off)
    print("  %d cuts of %s" % (len(offsets), xml_path))
    return problems


def main(argv):
    if len(argv) >= 3 and argv[0] == "totals":
        problems = check_totals(argv[1], argv[2])
    elif len(argv) in (6, 7) and argv[0] == "acceptance":
        problems = check_acceptance(*argv[1:])
    elif len(argv) >= 6 and argv[0] == "truncate" and argv[4] == "--":
        problems = check_truncate(argv[1], argv[2], int(argv[3]), argv[5:])
    else:
        sys.stderr.write(__doc__)
        return 2
    for p in problems:
        print("  " + p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
