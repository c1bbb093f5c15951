#!/usr/bin/python3
"""gen_deep.py OUT MB [SITES] — a valgrind XML shaped like a CPython service.

A real Python service under valgrind gives deep stacks (35-40 frames, most
of them in python3.x / libpython) and tens of thousands of distinct sites,
each seen a few times.  This writes such a file for `make bench` from the
real Python records of testdata/*.xml (valgrind 3.19 runs of CPython with
C and Cython extensions): only records whose stack has 35 to 42 frames
and an interpreter frame are used.

Variant k (0 <= k < SITES, default 40000) of a record gives one to three of
its top non-allocator frames (k % 3 + 1 of them) a function, file, object
and instruction address of the user's: "<fn>_u<k>", "ext<k % 97>/<file>",
"/srv/app/ext<k % 97>.so", ip shifted by 16 * k; so every variant is its
own site, while the interpreter's frames below stay shared as in a real
run.  Variants recur in the same order until OUT holds MB megabytes (with
the defaults about two records a site); every record gets its own
<unique>.  The preamble and the closing elements are those of
testdata/seed.xml.
"""
import glob
import os
import re
import sys

ALLOCATORS = re.compile(r"^(malloc|calloc|realloc|free|memalign|posix_memalign|"
                        r"aligned_alloc|operator new.*|operator delete.*|PyMem_\w+|"
                        r"_?PyObject_(Malloc|Calloc|Realloc)\w*|_PyObject_GC_\w+)$")
FRAME = re.compile(r"<frame>.*?</frame>", re.S)
FIELD = re.compile(r"<(ip|obj|fn|dir|file|line)>([^<]*)</\1>")
UNIQUE = re.compile(r"<unique>0x[0-9a-f]+</unique>")
MIN_DEPTH = 35
MAX_DEPTH = 42


def python_records(root):
    out = []
    for path in sorted(glob.glob(os.path.join(root, "testdata", "*.xml"))):
        with open(path, encoding="utf-8", errors="surrogateescape") as f:
            text = f.read()
        for rec in re.findall(r"<error>.*?</error>\n", text, re.S):
            stack = rec.split("</stack>")[0]
            if MIN_DEPTH <= len(FRAME.findall(stack)) <= MAX_DEPTH and "python3" in stack:
                out.append(rec)
    return out


def user_frame(body, k):
    fields = dict(FIELD.findall(body))
    ip = int(fields.get("ip", "0x0"), 16) + 16 * k
    fn = fields.get("fn", "f")
    file = os.path.basename(fields.get("file", "mod.c"))
    parts = ["<frame>", "<ip>0x%X</ip>" % ip, "<obj>/srv/app/ext%d.so</obj>" % (k % 97),
             "<fn>%s_u%d</fn>" % (fn, k), "<dir>/srv/app/ext%d</dir>" % (k % 97),
             "<file>%s</file>" % file,
             "<line>%d</line>" % (int(fields.get("line", "1")) + k % 700), "</frame>"]
    return "\n      ".join(parts)


def variant(rec, k):
    want = k % 3 + 1
    done = [0]
    in_first_stack = [True]

    def frame(m):
        body = m.group(0)
        if not in_first_stack[0] or done[0] >= want:
            return body
        fn = re.search(r"<fn>([^<]*)</fn>", body)
        if fn is not None and ALLOCATORS.match(fn.group(1)):
            return body
        done[0] += 1
        return user_frame(body, k)

    head, sep, rest = rec.partition("</stack>")
    head = FRAME.sub(frame, head)
    return UNIQUE.split(head + sep + rest)


def main(argv):
    out_path, mb = argv[0], float(argv[1])
    sites = int(argv[2]) if len(argv) > 2 else 40000
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
    recs = python_records(root)
    if not recs:
        sys.exit("gen_deep.py: no deep Python records in testdata/*.xml")
    with open(os.path.join(root, "testdata", "seed.xml"), encoding="utf-8", errors="surrogateescape") as f:
        head_text = f.read()
    head = head_text[:head_text.index("<error>")]
    tail = "<status>\n  <state>FINISHED</state>\n  <time>00:00:01:00.000 </time>\n</status>\n\n" \
           "<errorcounts>\n</errorcounts>\n\n<suppcounts>\n</suppcounts>\n\n</valgrindoutput>\n\n"
    block = [variant(recs[(i * 7919) % len(recs)], i) for i in range(sites)]
    target = int(mb * 1024 * 1024)
    unique = written = 0
    with open(out_path, "w", encoding="utf-8", errors="surrogateescape") as out:
        out.write(head)
        written += len(head)
        while written < target:
            parts = []
            size = 0
            for pieces in block:
                parts.append(pieces[0])
                size += len(pieces[0])
                for p in pieces[1:]:
                    parts.append("<unique>0x%x</unique>" % unique)
                    parts.append(p)
                    size += len(p) + 24
                unique += 1
                if written + size >= target:
                    break
            chunk = "".join(parts)
            out.write(chunk)
            written += len(chunk)
        out.write(tail)
    print("gen_deep.py: %s: %.0f MB, %d records, %d variants of %d real Python records"
          % (out_path, written / 1048576.0, unique, sites, len(recs)))


if __name__ == "__main__":
    main(sys.argv[1:])
