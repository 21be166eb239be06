#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The table of make bench-core, from the timing mode's lines.

    bench_core_report.py RUNS_DIR OUT_DIR HEADER [COUNTS]

Reads every RUNS_DIR/*.txt (lines "core=... scenario=... size=... align=...
order=... n=... chunks=... alloc_ns=... free_ns=..."), takes the median of
the runs for each core and scenario, and writes OUT_DIR/table.md: the
2017 table (worst of the three free orders, per size) with the aligned
case, the same in instructions per operation if COUNTS (lines "...
n=... alloc_ir=... free_ir=...", callgrind's counts) is there, and every
order with the spread of the runs.  Prints the first two tables.
"""
import glob
import os
import re
import statistics
import sys

CORES = ("series", "upstream")
ORDERS = ("inorder", "alternating", "reverse")


def load(paths, fields):
    data = {}
    for path in paths:
        for line in open(path):
            f = dict(re.findall(r"(\w+)=(\S+)", line))
            if "core" not in f:
                continue
            key = (f["core"], f["scenario"], int(f["size"]), int(f["align"]),
                   f["order"])
            div = int(f["n"]) if fields[0].endswith("_ir") else 1
            data.setdefault(key, []).append(tuple(float(f[x]) / div
                                                  for x in fields))
    return data


def table(data, sizes):
    """The 2017 table: worst of the orders per size, then the aligned rows."""
    lines = ["| size | series alloc | series free | upstream alloc | "
             "upstream free | alloc s/up | free s/up |",
             "|---|---|---|---|---|---|---|"]
    for size in sizes:
        row = {}
        for c in CORES:
            for i, what in enumerate(("alloc", "free")):
                vals = [med(data, (c, "orders", size, 4, o), i) for o in ORDERS]
                vals = [v for v in vals if v is not None]
                row[c, what] = max(vals) if vals else None
        lines.append(f"| {size}B | {fmt(row['series', 'alloc'])} | "
                     f"{fmt(row['series', 'free'])} | "
                     f"{fmt(row['upstream', 'alloc'])} | "
                     f"{fmt(row['upstream', 'free'])} | "
                     f"{ratio(row['series', 'alloc'], row['upstream', 'alloc'])} | "
                     f"{ratio(row['series', 'free'], row['upstream', 'free'])} |")
    for align in (8, 4):
        k = {c: (c, "aligned", 4, align, "inorder") for c in CORES}
        a = {c: med(data, k[c], 0) for c in CORES}
        f = {c: med(data, k[c], 1) for c in CORES}
        if a["series"] is None and a["upstream"] is None:
            continue
        lines.append(f"| 4B at {align}B | {fmt(a['series'])} | "
                     f"{fmt(f['series'])} | {fmt(a['upstream'])} | "
                     f"{fmt(f['upstream'])} | "
                     f"{ratio(a['series'], a['upstream'])} | "
                     f"{ratio(f['series'], f['upstream'])} |")
    return lines


def med(data, key, i):
    v = data.get(key)
    return statistics.median(x[i] for x in v) if v else None


def fmt(x):
    if x is None:
        return "-"
    return f"{x:.0f}" if x >= 100 else f"{x:.1f}"


def ratio(a, b):
    return f"{a / b:.2f}" if a is not None and b else "-"


def main():
    runs, out, header = sys.argv[1:4]
    counts = sys.argv[4] if len(sys.argv) > 4 else None
    data = load(sorted(glob.glob(os.path.join(runs, "*.txt"))),
                ("alloc_ns", "free_ns"))
    sizes = sorted({k[2] for k in data if k[1] == "orders"})
    nruns = {c: max((len(v) for k, v in data.items() if k[0] == c), default=0)
             for c in CORES}
    lines = [header, "",
             f"ns per operation on this CPU, median of {nruns['series']} runs "
             f"(series) and {nruns['upstream']} (upstream); alloc and free: "
             "worst of in-order / alternating / reverse free; ratio = series / "
             "upstream (< 1: series faster)", ""] + table(data, sizes)
    if counts and os.path.exists(counts):
        ir = load([counts], ("alloc_ir", "free_ir"))
        n = sorted({int(m) for m in re.findall(r"\bn=(\d+)", open(counts).read())})
        lines += ["", "instructions per operation (valgrind callgrind, "
                  f"n={','.join(map(str, n))}, the same worst of the orders)",
                  ""] + table(ir, sizes)
    summary = list(lines)

    lines += ["", "Every order: median (min-max) of the runs, ns per operation",
              "", "| size | order | series alloc | series free | "
              "upstream alloc | upstream free |", "|---|---|---|---|---|---|"]
    for size in sizes:
        for o in ORDERS:
            cells = []
            for c in CORES:
                v = data.get((c, "orders", size, 4, o), [])
                for i in (0, 1):
                    xs = [x[i] for x in v]
                    cells.append(f"{fmt(statistics.median(xs))} "
                                 f"({fmt(min(xs))}-{fmt(max(xs))})"
                                 if xs else "-")
            lines.append(f"| {size}B | {o} | " + " | ".join(cells) + " |")
    with open(os.path.join(out, "table.md"), "w") as fh:
        fh.write("\n".join(lines) + "\n")
    print("\n".join(summary))


if __name__ == "__main__":
    main()
