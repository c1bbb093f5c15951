#!/usr/bin/python3
"""gen_distinct.py OUT MB [SITES] [log] — the deep input with every frame distinct.

The records of gen_deep.py (a CPython service: 35-42-frame stacks, SITES
distinct sites), but each record's instruction addresses are shifted by
its own offset, as when the reports of many processes with other load
addresses are merged: nearly every frame of the file is a frame not seen
before, while the sites (function, file, line) stay SITES.  This is the
shape where a frame table that keeps every distinct frame grows with the
input (issue 22).

With a fourth argument "log", writes the same records as valgrind's text
log instead (one process, the loss records of the exit leak search
numbered in order, then LEAK SUMMARY and ERROR SUMMARY), for the text
reader's figures; without shifting the addresses unless the fifth argument
is "distinct".
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_deep  # noqa: E402

IP = re.compile(r"<ip>0x([0-9A-Fa-f]+)</ip>")
KIND = re.compile(r"<kind>([^<]*)</kind>")
LEAK_TEXT = re.compile(r"<text>(\d+) bytes in (\d+) blocks are (.*?) in loss record \d+ of \d+</text>")


def shifted(text, offset):
    return IP.sub(lambda m: "<ip>0x%X</ip>" % (int(m.group(1), 16) + offset), text)


def log_record(rec, index, total, pid):
    m = LEAK_TEXT.search(rec)
    if m is None:
        return ""
    lines = ["==%d== %s bytes in %s blocks are %s in loss record %d of %d"
             % (pid, m.group(1), m.group(2), m.group(3), index, total)]
    stack = rec.split("</stack>")[0]
    for i, body in enumerate(gen_deep.FRAME.findall(stack)):
        f = dict(gen_deep.FIELD.findall(body))
        where = ("(%s:%s)" % (f["file"], f["line"]) if "file" in f and "line" in f
                 else "(in %s)" % f.get("obj", "???"))
        lines.append("==%d==    %s 0x%s: %s %s" % (pid, "at" if i == 0 else "by",
                                                  f.get("ip", "0x0")[2:], f.get("fn", "???"), where))
    lines.append("==%d== " % pid)
    return "\n".join(lines) + "\n"


def main(argv):
    out_path, mb = argv[0], float(argv[1])
    sites = int(argv[2]) if len(argv) > 2 else 40000
    log = len(argv) > 3 and argv[3] == "log"
    distinct = not log or (len(argv) > 4 and argv[4] == "distinct")
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
    recs = gen_deep.python_records(root)
    if not recs:
        sys.exit("gen_distinct.py: no deep Python records in testdata/*.xml")
    with open(os.path.join(root, "testdata", "seed.xml"), encoding="utf-8", errors="surrogateescape") as f:
        head_text = f.read()
    block = [gen_deep.variant(recs[(i * 7919) % len(recs)], i) for i in range(sites)]
    target = int(mb * 1024 * 1024)
    pid = 4242
    if log:
        head = ("==%d== Memcheck, a memory error detector\n==%d== Command: python3 app.py\n==%d== \n"
                "==%d== HEAP SUMMARY:\n==%d==     in use at exit: 0 bytes in 0 blocks\n==%d== \n"
                % ((pid,) * 6))
        tail = ("==%d== LEAK SUMMARY:\n==%d==    definitely lost: 0 bytes in 0 blocks\n"
                "==%d== \n==%d== ERROR SUMMARY: 0 errors from 0 contexts (suppressed: 0 from 0)\n"
                % ((pid,) * 4))
        avg = sum(len(log_record("".join(r), 1, 1, pid)) for r in block) / float(len(block))
        total = int(target / avg) + 1
    else:
        head = head_text[:head_text.index("<error>")]
        tail = ("<status>\n  <state>FINISHED</state>\n  <time>00:00:01:00.000 </time>\n</status>\n\n"
                "<errorcounts>\n</errorcounts>\n\n<suppcounts>\n</suppcounts>\n\n</valgrindoutput>\n\n")
        total = 0
    written = n = 0
    with open(out_path, "w", encoding="utf-8", errors="surrogateescape") as out:
        out.write(head)
        written += len(head)
        while written < target:
            pieces = block[n % sites]
            n += 1
            rec = ("<unique>0x%x</unique>" % n).join(pieces)
            if distinct:
                rec = shifted(rec, n << 20)
            text = log_record(rec, n, total, pid) if log else rec
            out.write(text)
            written += len(text)
        out.write(tail)
    print("gen_distinct.py: %s: %.0f MB, %d records, %d sites%s"
          % (out_path, written / 1048576.0, n, sites, ", every frame distinct" if distinct else ""))


if __name__ == "__main__":
    main(sys.argv[1:])
