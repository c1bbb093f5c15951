#!/usr/bin/python3
"""gen_xml.py OUT MB [SITES] — a large, realistic valgrind XML for `make bench`.

Takes the real <error> records of testdata/*.xml (valgrind 3.19 runs) and
writes variants of them until OUT holds about MB megabytes: in variant k
(0 <= k < SITES, default 20000) of a record, the top two non-allocator
frames and the frames of the program's own objects get their function and source file names suffixed (_bk) and their
lines shifted by k mod 500, so that SITES variants recur through the file
(sites: distinct culprits); every record gets its own <unique>.  The preamble and
the closing elements are those of testdata/errors.xml.
"""
import glob
import os
import re
import sys

ALLOCATORS = re.compile(r"^(malloc|calloc|realloc|free|memalign|posix_memalign|"
                        r"aligned_alloc|operator new.*|operator delete.*|PyMem_\w+|"
                        r"_?PyObject_(Malloc|Calloc|Realloc)\w*|_PyObject_GC_\w+)$")
FN = re.compile(r"<fn>([^<]*)</fn>")
FILE = re.compile(r"<file>([^<.]*)(\.[^<]*)?</file>")
LINE = re.compile(r"<line>(\d+)</line>")
OBJ = re.compile(r"<obj>([^<]*)</obj>")
FRAME = re.compile(r"<frame>.*?</frame>", re.S)
UNIQUE = re.compile(r"<unique>0x[0-9a-f]+</unique>")


def records(root):
    out = []
    for path in sorted(glob.glob(os.path.join(root, "testdata", "*.xml"))):
        with open(path, encoding="utf-8", errors="surrogateescape") as f:
            text = f.read()
        # a record with bytes that are not UTF-8 (a Latin-1 path, kept in
        # testdata to test the reader) would stop libxml2, and with it the
        # bare SAX2 floor the bench compares against, where it occurs
        out.extend(r for r in re.findall(r"<error>.*?</error>\n", text, re.S)
                   if not any("\udc80" <= c <= "\udcff" for c in r))
    return out


def variant(rec, k, frames=2):
    """Variant k of rec: its top `frames` non-allocator frames and the
    frames of the program's own objects (not under /usr or /lib: where a
    site's culprit is) get new function and file names; the interpreter's
    and the C library's frames, as in a real program, stay shared."""
    done = [0]

    def frame(m):
        body = m.group(0)
        fn = FN.search(body)
        if fn is None or ALLOCATORS.match(fn.group(1)) or fn.group(1).startswith("???"):
            return body
        obj = OBJ.search(body)
        users = obj is not None and not obj.group(1).startswith(("/usr/", "/lib"))
        if done[0] >= frames and not users:
            return body
        done[0] += 1
        body = FN.sub(lambda f: "<fn>%s_b%d</fn>" % (f.group(1), k), body)
        body = FILE.sub(lambda f: "<file>%s_b%d%s</file>" % (f.group(1), k, f.group(2) or ""), body)
        return LINE.sub(lambda f: "<line>%d</line>" % (int(f.group(1)) + k % 500), body)

    rec = FRAME.sub(frame, rec)
    # Split at <unique> so each written copy gets its own id.
    return UNIQUE.split(rec)


def main(argv):
    out_path, mb = argv[0], float(argv[1])
    sites = int(argv[2]) if len(argv) > 2 else 20000
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
    recs = records(root)
    if not recs:
        sys.exit("gen_xml.py: no records in testdata/*.xml")
    with open(os.path.join(root, "testdata", "errors.xml"), encoding="utf-8", errors="surrogateescape") as f:
        head_text = f.read()
    head = head_text[:head_text.index("<error>")]
    tail = "<status>\n  <state>FINISHED</state>\n  <time>00:00:01:00.000 </time>\n</status>\n\n" \
           "<errorcounts>\n</errorcounts>\n\n<suppcounts>\n</suppcounts>\n\n</valgrindoutput>\n\n"
    # One block of `sites` variants (pieces around each <unique>).
    block = []
    for i in range(sites):
        block.append(variant(recs[i % len(recs)], i))
    target = int(mb * 1024 * 1024)
    unique = 0
    written = 0
    with open(out_path, "w", encoding="utf-8", errors="surrogateescape") as out:
        out.write(head)
        written += len(head)
        while written < target:
            parts = []
            for pieces in block:
                parts.append(pieces[0])
                for p in pieces[1:]:
                    parts.append("<unique>0x%x</unique>" % unique)
                    parts.append(p)
                unique += 1
            chunk = "".join(parts)
            out.write(chunk)
            written += len(chunk)
        out.write(tail)
    print("gen_xml.py: %s: %.0f MB, %d records, %d variants of %d real records"
          % (out_path, written / 1048576.0, unique, sites, len(recs)))


if __name__ == "__main__":
    main(sys.argv[1:])
