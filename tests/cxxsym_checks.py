#!/usr/bin/python3
"""cxxsym_checks.py — the comparisons of tests/golden_cxxsym.sh (issue 11).

    cxxsym_checks.py names EXPECTED_JSON ACTUAL_JSON
        Same sites, and every frame of every site's stack has the same
        fn.  EXPECTED is vgtriage's report of a run where valgrind
        demangled the names itself; ACTUAL one of a --demangle=no run of
        the same program, demangled by vgtriage.  Every C++ frame of
        ACTUAL must also keep its linkage name (fn_mangled, "_Z...").

    cxxsym_checks.py sites EXPECTED_JSON ACTUAL_JSON
        Same sites (kind, location file/line/function, bytes, blocks,
        records), and the same fn for each frame of the user's code.

    cxxsym_checks.py addresses STRIPPED_JSON UNSTRIPPED_JSON BINARY
        The sites of the stripped run (no --symbols) are located at
        distinct OBJ+0xOFFSET addresses; addr2line (binutils, not
        vgtriage) turns each offset into the file:line of a site of the
        unstripped run, whose bytes are the sum of those addresses'.

    cxxsym_checks.py supp EXPECTED_JSON ACTUAL_JSON SUPP_XML
        ACTUAL (vgtriage --suppressions on an unsuppressed run) has the
        sites EXPECTED (valgrind's run under the same file) has, and
        suppressed as many records as valgrind's <suppcounts> say.

Prints one line per difference; exit status 1 if any.
"""
import collections
import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET


def load(path):
    with open(path) as f:
        return json.load(f)


def site_key(site):
    loc = site["location"]
    return (site["kind"], loc.get("file"), loc.get("line"))


def by_key(report):
    out = {}
    for site in report["sites"]:
        out[site_key(site)] = site
    return out


def compare_site_sets(exp, act, problems):
    e, a = by_key(exp), by_key(act)
    for k in sorted(set(e) - set(a), key=str):
        problems.append("missing site %s" % (k,))
    for k in sorted(set(a) - set(e), key=str):
        problems.append("extra site %s" % (k,))
    return e, a


def names(exp_path, act_path):
    problems = []
    exp, act = load(exp_path), load(act_path)
    e, a = compare_site_sets(exp, act, problems)
    checked = 0
    for k in sorted(set(e) & set(a), key=str):
        for stack in ("stack", "aux_stack"):
            fe = [f.get("fn") for f in e[k].get(stack, [])]
            fa = [f.get("fn") for f in a[k].get(stack, [])]
            if fe != fa:
                problems.append("%s %s: valgrind %s, vgtriage %s" % (k, stack, fe, fa))
            frames = a[k].get(stack, [])
            for i, f in enumerate(frames):
                fn = f.get("fn") or ""
                checked += 1
                # inlined calls share the ip of the frame below: valgrind
                # names them from the debug info, never by linkage name
                inlined = i + 1 < len(frames) and frames[i + 1]["ip"] == f["ip"]
                if ("::" in fn or "(" in fn) and fn != "(below main)" and not inlined and \
                        not (f.get("fn_mangled") or "").startswith("_Z"):
                    problems.append("%s: %s has no linkage name" % (k, fn))
    if checked == 0:
        problems.append("no frames compared")
    return problems


def sites(exp_path, act_path):
    problems = []
    exp, act = load(exp_path), load(act_path)
    e, a = compare_site_sets(exp, act, problems)
    for k in sorted(set(e) & set(a), key=str):
        for field in ("bytes", "blocks", "records"):
            if e[k][field] != a[k][field]:
                problems.append("%s %s: %s vs %s" % (k, field, e[k][field], a[k][field]))
        if e[k]["location"]["function"] != a[k]["location"]["function"]:
            problems.append("%s function: %s vs %s" % (k, e[k]["location"]["function"],
                                                       a[k]["location"]["function"]))
        fe = [f.get("fn") for f in e[k]["stack"] if f["class"] == "user"]
        fa = [f.get("fn") for f in a[k]["stack"] if f["class"] == "user"]
        if fe != fa:
            problems.append("%s user frames: %s vs %s" % (k, fe, fa))
    return problems


def addresses(stripped_path, unstripped_path, binary):
    problems = []
    stripped, unstripped = load(stripped_path), load(unstripped_path)
    seen = set()
    sums = collections.Counter()
    for site in stripped["sites"]:
        addr = site["location"].get("address") or ""
        m = re.fullmatch(r"([^+@]+)\+0x([0-9a-f]+)", addr)
        if m is None:
            problems.append("site %s: location %r is not OBJ+0xOFFSET" % (site["rank"], addr))
            continue
        if addr in seen:
            problems.append("two sites at %s" % addr)
        seen.add(addr)
        # a return address: the call is the byte before it
        out = subprocess.run(["addr2line", "-e", binary, "%x" % (int(m.group(2), 16) - 1)],
                             capture_output=True, text=True, check=True).stdout.strip()
        fm = re.fullmatch(r".*/([^/]+):(\d+)(?: \(discriminator \d+\))?", out)
        if fm is None:
            problems.append("addr2line says %r for %s" % (out, addr))
            continue
        sums[(site["kind"], fm.group(1), int(fm.group(2)))] += site["bytes"]
    want = collections.Counter({site_key(s): s["bytes"] for s in unstripped["sites"]})
    if sums != want:
        problems.append("bytes per line: stripped %s, unstripped %s" % (dict(sums), dict(want)))
    return problems


def supp(exp_path, act_path, supp_xml):
    problems = []
    exp, act = load(exp_path), load(act_path)
    compare_site_sets(exp, act, problems)
    root = ET.parse(supp_xml).getroot()
    counted = sum(int(p.findtext("count")) for p in root.iter("pair"))
    got = act["totals"]["suppressed_records"]
    if counted != got:
        problems.append("valgrind suppressed %d records, vgtriage %d" % (counted, got))
    return problems


def main(argv):
    commands = {"names": names, "sites": sites, "addresses": addresses, "supp": supp}
    if len(argv) < 2 or argv[1] not in commands:
        print(__doc__, file=sys.stderr)
        return 2
    problems = commands[argv[1]](*argv[2:])
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
