#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Summarise build/bench/results.csv: medians over the repetitions, the
spread (min-max), and the table in the seed's format (ms for N objects,
worst of the three free orders), with ratios between the trees.

usage: bench_report.py OUTDIR "description of the run"
Writes OUTDIR/table.md, OUTDIR/results.json and OUTDIR/chart.png (gnuplot),
and the main table in plain text for the two cover letters: OUTDIR/table.txt
(all three trees) and OUTDIR/table-mainline.txt (against upstream only).
"""

import csv
import glob
import json
import os
import re
import statistics
import subprocess
import sys
from collections import defaultdict

TREES = ("base", "series", "upstream")
ORDERS = ("inorder", "alternating", "reverse")


def load(path):
    runs = defaultdict(lambda: {"alloc": [], "free": [], "pages": []})
    for row in csv.DictReader(open(path)):
        key = (row["tree"], row["scenario"], int(row["size"]),
               int(row["align"]), row["order"])
        runs[key]["alloc"].append(int(row["alloc_us"]) / 1000.0)
        runs[key]["free"].append(int(row["free_us"]) / 1000.0)
        runs[key]["pages"].append(int(row["pages"]))
    return runs


def med(runs, key, what):
    vals = runs.get(key, {}).get(what)
    return statistics.median(vals) if vals else None


def spread(runs, key, what):
    vals = runs.get(key, {}).get(what)
    return (min(vals), max(vals)) if vals else None


def worst(runs, tree, scenario, size, align, what):
    """Worst (largest) median over the three orders, and that order."""
    best = None
    for order in ORDERS:
        v = med(runs, (tree, scenario, size, align, order), what)
        if v is not None and (best is None or v > best[0]):
            best = (v, order)
    return best


def fmt(v):
    if v is None:
        return "-"
    return f"{v:.0f}" if v >= 100 else f"{v:.1f}"


def ratio(a, b):
    if a is None or b is None or b == 0:
        return "-"
    return f"{a / b:.2f}"


def section(lines, title, columns):
    """A blank line, the title, and a markdown table header."""
    lines += ["", title, "", "| " + " | ".join(columns) + " |",
              "|" + "---|" * len(columns)]


def main():
    outdir, desc = sys.argv[1], sys.argv[2]
    runs = load(os.path.join(outdir, "results.csv"))
    sizes = sorted({k[2] for k in runs if k[1] == "orders"})
    aligns = {k[2]: k[3] for k in runs if k[1] == "orders"}
    lines, report = [], {"run": desc, "orders": [], "aligned": [],
                         "prefill": [], "kmalloc": [], "raw": []}

    lines.append(f"ms for N objects, median of the repetitions; {desc}")
    lines.append("alloc and free: worst of in-order / alternating / reverse "
                 "free; ratio = series time / other tree's time (< 1: series "
                 "faster)")
    lines.append("")
    lines.append("| size | area map alloc | area map free | series alloc | "
                 "series free | upstream alloc | upstream free | "
                 "alloc s/base | free s/base | alloc s/up | free s/up |")
    lines.append("|---|---|---|---|---|---|---|---|---|---|---|")
    for size in sizes:
        al = aligns[size]
        w = {t: {x: worst(runs, t, "orders", size, al, x)
                 for x in ("alloc", "free")} for t in TREES}
        v = {t: {x: (w[t][x] or (None,))[0] for x in w[t]} for t in TREES}
        lines.append(
            f"| {size}B | {fmt(v['base']['alloc'])} | {fmt(v['base']['free'])}"
            f" | {fmt(v['series']['alloc'])} | {fmt(v['series']['free'])}"
            f" | {fmt(v['upstream']['alloc'])} | {fmt(v['upstream']['free'])}"
            f" | {ratio(v['series']['alloc'], v['base']['alloc'])}"
            f" | {ratio(v['series']['free'], v['base']['free'])}"
            f" | {ratio(v['series']['alloc'], v['upstream']['alloc'])}"
            f" | {ratio(v['series']['free'], v['upstream']['free'])} |")
        report["orders"].append({"size": size, "align": al, **{
            t: {x: {"ms": v[t][x], "order": (w[t][x] or (None, None))[1]}
                for x in ("alloc", "free")} for t in TREES}})

    # each order, and the spread of every median
    lines.append("")
    lines.append("Each order (alloc / free ms, median [min-max]):")
    lines.append("")
    lines.append("| size | order | area map | series | upstream |")
    lines.append("|---|---|---|---|---|")
    for size in sizes:
        for order in ORDERS:
            cells = []
            for t in TREES:
                key = (t, "orders", size, aligns[size], order)
                a, f = med(runs, key, "alloc"), med(runs, key, "free")
                sa, sf = spread(runs, key, "alloc"), spread(runs, key, "free")
                cells.append("-" if a is None else
                             f"{fmt(a)} [{fmt(sa[0])}-{fmt(sa[1])}] / "
                             f"{fmt(f)} [{fmt(sf[0])}-{fmt(sf[1])}]")
            lines.append(f"| {size}B | {order} | " + " | ".join(cells) + " |")

    # the contrived case
    lines.append("")
    lines.append("4-byte objects at 8-byte alignment (contrived case), "
                 "alloc + free ms, and its cost against 4-byte alignment:")
    lines.append("")
    lines.append("| tree | 4B@8B alloc | 4B@8B free | 4B@4B alloc | "
                 "4B@4B free | alloc 8/4 |")
    lines.append("|---|---|---|---|---|---|")
    for t in TREES:
        a8 = med(runs, (t, "aligned", 4, 8, "inorder"), "alloc")
        f8 = med(runs, (t, "aligned", 4, 8, "inorder"), "free")
        a4 = med(runs, (t, "aligned", 4, 4, "inorder"), "alloc")
        f4 = med(runs, (t, "aligned", 4, 4, "inorder"), "free")
        lines.append(f"| {t} | {fmt(a8)} | {fmt(f8)} | {fmt(a4)} | "
                     f"{fmt(f4)} | {ratio(a8, a4)} |")
        report["aligned"].append({"tree": t, "alloc8": a8, "free8": f8,
                                  "alloc4": a4, "free4": f4})
    b8 = med(runs, ("base", "aligned", 4, 8, "inorder"), "alloc")
    s8 = med(runs, ("series", "aligned", 4, 8, "inorder"), "alloc")
    u8 = med(runs, ("upstream", "aligned", 4, 8, "inorder"), "alloc")
    lines.append("")
    lines.append(f"contrived alloc, series/base: {ratio(s8, b8)}, "
                 f"series/upstream: {ratio(s8, u8)}")

    # prefilled pages
    psizes = sorted({k[2] for k in runs if k[1] == "prefill"})
    if psizes:
        section(lines, "Second half of every page taken first (worst "
                "order, alloc / free ms):",
                ["size", "area map", "series", "upstream"])
        for size in psizes:
            cells = []
            for t in TREES:
                a = worst(runs, t, "prefill", size, aligns.get(size, 4),
                          "alloc")
                f = worst(runs, t, "prefill", size, aligns.get(size, 4),
                          "free")
                cells.append(f"{fmt(a and a[0])} / {fmt(f and f[0])}")
                report["prefill"].append({"tree": t, "size": size,
                                          "alloc": a and a[0],
                                          "free": f and f[0]})
            lines.append(f"| {size}B | " + " | ".join(cells) + " |")

    # kmalloc floor
    ksizes = sorted({k[2] for k in runs if k[1] == "kmalloc"})
    if ksizes:
        section(lines, "kmalloc() of the same sizes and counts (floor; "
                "median over all boots), alloc / free ms:",
                ["size", "kmalloc"])
        def pooled(size, what):
            keys = [(t, "kmalloc", size, size, "reverse") for t in TREES]
            return statistics.median(sum((runs[k][what] for k in keys
                                          if k in runs), []))

        for size in ksizes:
            a, f = pooled(size, "alloc"), pooled(size, "free")
            lines.append(f"| {size}B | {fmt(a)} / {fmt(f)} |")
            report["kmalloc"].append({"size": size, "alloc": a, "free": f})

        # Dennis Zhou's 2017 benchmark: N objects allocated, then freed
        # in order, alternating or in reverse; against kmalloc().
        section(lines, "The pattern of the 2017 benchmark: alloc + free of "
                "N objects in the worst order, ms, and against kmalloc()'s "
                "alloc + free of the same (ratio; 2017: 3x to 5x):",
                ["size", "kmalloc", "area map", "series", "upstream",
                 "area map/kmalloc", "series/kmalloc", "upstream/kmalloc"])
        report["vs_kmalloc"] = []
        for size in ksizes:
            k = pooled(size, "alloc") + pooled(size, "free")
            tot = {}
            for t in TREES:
                vals = [med(runs, (t, "orders", size, aligns.get(size, 4), o),
                            "alloc") + med(runs, (t, "orders", size,
                                                  aligns.get(size, 4), o),
                                           "free")
                        for o in ORDERS
                        if (t, "orders", size, aligns.get(size, 4), o) in runs]
                tot[t] = max(vals) if vals else None
            lines.append(f"| {size}B | {fmt(k)} | {fmt(tot['base'])} | "
                         f"{fmt(tot['series'])} | {fmt(tot['upstream'])} | "
                         f"{ratio(tot['base'], k)} | "
                         f"{ratio(tot['series'], k)} | "
                         f"{ratio(tot['upstream'], k)} |")
            report["vs_kmalloc"].append({"size": size, "kmalloc": k, **tot})

    lumps(lines, report, os.path.join(outdir, "lumps.csv"))
    mixed(lines, report, os.path.join(outdir, "mixed.csv"))
    footprint(lines, report, outdir)

    for key, v in sorted(runs.items()):
        report["raw"].append({"tree": key[0], "scenario": key[1],
                              "size": key[2], "align": key[3],
                              "order": key[4], **v})

    text = "\n".join(lines) + "\n"
    open(os.path.join(outdir, "table.md"), "w").write(text)
    open(os.path.join(outdir, "table.txt"), "w").write(plain(report))
    open(os.path.join(outdir, "table-mainline.txt"), "w").write(
        plain_upstream(report))
    json.dump(report, open(os.path.join(outdir, "results.json"), "w"),
              indent=1)
    sys.stdout.write(text)
    chart(outdir, report, desc)


def mixed(lines, report, path):
    """Rounds of random sizes (1 B - 1 KiB) at random alignments (2 B -
    2 KiB), one thread and one per CPU: ms per round."""
    if not os.path.exists(path):
        return
    per = defaultdict(list)
    for row in csv.DictReader(open(path)):
        per[(row["tree"], int(row["threads"]), int(row["objs"]))].append(
            int(row["us"]) / 1000.0 / max(int(row["rounds"]), 1))
    if not per:
        return
    section(lines, "Mixed sizes (1 B to 1 KiB) at mixed alignments (2 B to "
            "2 KiB), every object of a round allocated then freed: ms per "
            "round, median of the boots:",
            ["threads", "objects per thread", "area map", "series",
             "upstream", "s/base", "s/up"])
    report["mixed"] = []
    for threads, objs in sorted({(k[1], k[2]) for k in per}):
        v = {t: (statistics.median(per[(t, threads, objs)])
                 if (t, threads, objs) in per else None) for t in TREES}
        lines.append(f"| {threads} | {objs} | {fmt(v['base'])} | "
                     f"{fmt(v['series'])} | {fmt(v['upstream'])} | "
                     f"{ratio(v['series'], v['base'])} | "
                     f"{ratio(v['series'], v['upstream'])} |")
        report["mixed"].append({"threads": threads, "objs": objs, **v})


def chunk_metadata(tree, pages, map_alloc):
    """Bytes a chunk of @pages pages asks pcpu_mem_zalloc() for, to keep
    track of its allocations (requested sizes: what vmalloc rounds up to
    whole pages is not counted, nor struct pcpu_chunk, nor obj_exts, which
    memcg and allocation profiling add alike to all three trees).

    The bitmap allocators': their bitmaps (one bit per 4 bytes: upstream's
    allocation and bound maps, the bound map one bit longer; the series'
    allocation, bound and live maps), plus upstream's metadata blocks (8
    ints per page) or the series' blocks (6 ints per page), summary tree (3
    ints per node, 2 * leaves nodes, 2 leaves at least) and its dirty bits.
    The area map's: its map array, 4 bytes per entry allocated (map_alloc
    in percpu_stats).
    """
    bits = pages * 4096 // 4
    words = (bits + 63) // 64
    if tree == "upstream":
        return 8 * words + 8 * ((bits + 64) // 64) + 32 * pages
    if tree == "series":
        leaves = 1 << (max(pages, 2) - 1).bit_length()
        return 24 * words + 24 * pages + 24 * leaves + 8 * ((pages + 63) // 64)
    return 4 * map_alloc


def parse_stats(path):
    """The footprint line and percpu_stats of one boot: (size, n, pages),
    the allocation info and global fields, and per chunk its kind ('first',
    'reserved' or '') and fields."""
    obj, info, chunks = None, {}, []
    for line in open(path):
        m = re.match(r"test_percpu_bench: footprint size=(\d+) n=(\d+) pages=(\d+)", line)
        if m:
            obj = tuple(int(x) for x in m.groups())
        m = re.match(r"Chunk:\s*(<- (First|Reserved) Chunk)?", line)
        if m:
            chunks.append({"kind": (m.group(2) or "").lower()})
            continue
        m = re.match(r"\s+(\w+)\s+:\s+(-?\d+)", line)
        if m:
            (chunks[-1] if chunks else info)[m.group(1)] = int(m.group(2))
    return obj, info, chunks


def chunk_pages(info, kind):
    """Pages a chunk serves: a whole unit, or for the first chunks the
    region pcpu_alloc_first_chunk() makes them (page-aligned around the
    reserved or dynamic area after the static one)."""
    page = 4096
    static, reserved = info["static_size"], info["reserved_size"]
    if kind == "reserved":
        start, size = static % page, reserved
    elif kind == "first":
        start, size = (static + reserved) % page, info["dyn_size"]
    else:
        return info["unit_size"] // page
    return (start + size + page - 1) // page


def footprint(lines, report, outdir):
    """Chunks and chunk metadata with the footprint objects live."""
    report["footprint"] = []
    rows = []
    for t in TREES:
        for path in sorted(glob.glob(os.path.join(outdir, f"stats-{t}-*.txt"))):
            obj, info, chunks = parse_stats(path)
            if not obj or "unit_size" not in info or not chunks:
                continue
            total = sum(chunk_metadata(t, chunk_pages(info, c["kind"]),
                                       c.get("map_alloc", 0))
                        for c in chunks)
            most = info.get("nr_max_chunks", 0)
            rows.append((t, obj, len(chunks), most, total))
            report["footprint"].append({"tree": t, "size": obj[0], "n": obj[1],
                                        "pages": obj[2], "chunks": len(chunks),
                                        "max_chunks": most,
                                        "metadata_bytes": total})
            break
    if not rows:
        return
    section(lines, "With the footprint objects live (percpu_stats read by "
            "init after the benchmark; chunks as percpu_stats lists them, "
            "the first one included; metadata: the bytes the chunks' "
            "bitmaps and hints, or the area map's map arrays, ask for, as "
            "chunk_metadata() in scripts/bench_report.py computes them from "
            "each chunk's pages and map_alloc):",
            ["tree", "objects", "populated pages", "chunks",
             "most chunks in the run", "metadata bytes", "bytes per object"])
    for t, obj, nchunks, most, total in rows:
        name = "area map" if t == "base" else t
        lines.append(f"| {name} | {obj[1]} x {obj[0]}B | {obj[2]} | "
                     f"{nchunks} | {most} | {total} | "
                     f"{total / max(obj[1], 1):.2f} |")


LUMP_PHASES = (("massfree", "free of every other object"),
               ("alloc", "4096 4 B allocations after it"),
               ("free", "their frees"),
               ("restfree", "frees of the rest (chunks empty)"))


def lumps(lines, report, path):
    """The slowest single call of each phase of the lumps scenario."""
    if not os.path.exists(path):
        return
    vals = defaultdict(list)
    counts = {}
    for row in csv.DictReader(open(path)):
        key = (row["tree"], int(row["size"]), row["phase"])
        vals[key].append(int(row["max_ns"]) / 1000.0)
        counts[int(row["size"])] = int(row["n"])
    if not vals:
        return
    report["lumps"] = []
    section(lines, "Slowest single call after a mass free (us of guest "
            "time, median over boots of each boot's slowest call):",
            ["objects", "phase", "area map", "series", "upstream",
             "series/up"])
    for size in sorted(counts, reverse=True):
        for phase, what in LUMP_PHASES:
            m = {t: (statistics.median(vals[(t, size, phase)])
                     if vals.get((t, size, phase)) else None)
                 for t in TREES}
            lines.append(f"| {counts[size]} x {size}B | {what} | "
                         f"{fmt(m['base'])} | {fmt(m['series'])} | "
                         f"{fmt(m['upstream'])} | "
                         f"{ratio(m['series'], m['upstream'])} |")
            report["lumps"].append({"size": size, "n": counts[size],
                                    "phase": phase, **m})


def plain(report):
    """The main table in plain text, for the cover letter."""
    rows = ["        area map      series        upstream      "
            "series/base  series/up",
            "size   alloc   free  alloc   free  alloc   free  "
            "alloc  free   alloc  free"]
    for r in report["orders"]:
        v = {t: (r[t]["alloc"]["ms"], r[t]["free"]["ms"]) for t in TREES}
        rows.append(
            f"{str(r['size']) + 'B':>5} "
            f"{fmt(v['base'][0]):>6} {fmt(v['base'][1]):>6} "
            f"{fmt(v['series'][0]):>6} {fmt(v['series'][1]):>6} "
            f"{fmt(v['upstream'][0]):>6} {fmt(v['upstream'][1]):>6}  "
            f"{ratio(v['series'][0], v['base'][0]):>5} "
            f"{ratio(v['series'][1], v['base'][1]):>5}   "
            f"{ratio(v['series'][0], v['upstream'][0]):>5} "
            f"{ratio(v['series'][1], v['upstream'][1]):>5}")
    return "\n".join(rows) + "\n"


def plain_upstream(report):
    """The main table against upstream only, for the mainline cover letter."""
    rows = ["        this series    Linux 6.12     ratio",
            "size   alloc   free   alloc   free   alloc  free"]
    for r in report["orders"]:
        s, u = ((r[t]["alloc"]["ms"], r[t]["free"]["ms"])
                for t in ("series", "upstream"))
        rows.append(f"{str(r['size']) + 'B':>5} "
                    f"{fmt(s[0]):>6} {fmt(s[1]):>6}  "
                    f"{fmt(u[0]):>6} {fmt(u[1]):>6}   "
                    f"{ratio(s[0], u[0]):>5} {ratio(s[1], u[1]):>5}")
    return "\n".join(rows) + "\n"


def chart(outdir, report, desc):
    dat = os.path.join(outdir, "chart.dat")
    with open(dat, "w") as f:
        f.write("# size base_alloc series_alloc upstream_alloc "
                "base_free series_free upstream_free\n")
        for row in report["orders"]:
            vals = [row[t]["alloc"]["ms"] for t in TREES] + \
                   [row[t]["free"]["ms"] for t in TREES]
            f.write(f"{row['size']}B " +
                    " ".join("0" if v is None else f"{v:.3f}"
                             for v in vals) + "\n")
    script = f"""
set terminal png size 1100,500
set output '{os.path.join(outdir, "chart.png")}'
set multiplot layout 1,2 title "percpu: ms for N objects, worst free order ({desc.split(', QEMU')[0]})" font ",9"
set style data histogram
set style histogram cluster gap 1
set style fill solid border -1
set logscale y
set key top left
set ylabel "ms (log)"
set title "alloc"
plot '{dat}' using 2:xtic(1) title 'area map', '' using 3 title 'series', '' using 4 title 'upstream 6.12'
set title "free"
plot '{dat}' using 5:xtic(1) title 'area map', '' using 6 title 'series', '' using 7 title 'upstream 6.12'
unset multiplot
"""
    try:
        subprocess.run(["gnuplot"], input=script, text=True, check=True)
    except (OSError, subprocess.CalledProcessError) as e:
        print(f"(no chart: {e})")


if __name__ == "__main__":
    main()
