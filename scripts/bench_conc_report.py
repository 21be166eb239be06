#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Summarise the boots of scripts/bench-conc.sh: the churn and churnpop
scenarios of lib/test_percpu_bench.c (one kthread per CPU allocating and
freeing at once) on the three trees.

usage: bench_conc_report.py OUTDIR RUNSDIR "description" TREE=COMMIT...
Reads RUNSDIR/<phase>-<tree>-<commit>-smp<N>-<time>.log of the given
commits only; writes OUTDIR/conc.csv (one row per run) and OUTDIR/conc.md.

The lock_stat figures are those of the runs a read follows (busybox's
insmod loads the module twice, so two runs) less those of a load with
churn_pairs=0 (churn's ring fill and final frees, the load, insmod's
exec()): the pairs alone for churn.  churnpop fills its rings in the timed
part, so its run of no pairs allocates nothing, and its figures include the
final frees of its rings (4096 per thread, one per 16 objects).

The projection, Amdahl's bound with the serialized part run back to
back: N CPUs allocate at most

    X(N) = min(N / T1, 1 / s) = min(N, 1 / f) * X(1)

pairs per unit of guest time, with T1 = s + p the time per pair of one
thread and f = s / T1 its serialized fraction.  f is measured on the
LOCK_STAT kernel, from the same runs: s is the time per pair the longer-
held of pcpu_lock and pcpu_alloc_mutex is held (each lock is a resource
of its own that only one CPU holds at a time; their sum would count
twice the allocations' pcpu_lock holds, which are nested in the mutex's,
and comes out longer than the whole pair), T1 the run's own time per pair.
X(1) is the 1-thread throughput without LOCK_STAT, whose lockdep hooks
make every pair about 2 to 3 times longer.  A bound, not a measurement:
contention costs more than the hold times (cache-line transfers, the
mutex's sleeps and wake-ups).
"""

import csv
import glob
import os
import re
import statistics
import sys
from collections import defaultdict

from bench_report import fmt, ratio, section

TREES = ("base", "series", "upstream")
NAMES = {"base": "area map", "series": "series", "upstream": "upstream 6.12"}
SCENARIOS = ("churn", "churnpop")
LOCKS = (("mutex", "pcpu_alloc_mutex"), ("lock", "pcpu_lock"))
CPUS = (64, 192)

LOG = re.compile(r"(tcg|icount|lockstat)-([a-z]+)-([0-9a-f]+)-smp(\d+)-")
RUN = re.compile(r"test_percpu_bench: (churn|churnpop) size=\S+ ring=\d+ "
                 r"threads=(\d+) pairs=(\d+) us=(\d+)")
FIELDS = ("phase", "tree", "commit", "smp", "log", "scenario", "threads",
          "runs", "pairs", "us", "pairs_per_ms") + tuple(
    f"{k}_{x}" for k, _ in LOCKS
    for x in ("acquisitions", "contentions", "holdtime_us"))


def lock_stat(lines):
    """The lock_stat lines of pcpu_lock and pcpu_alloc_mutex, by the
    header's column names."""
    cols, stats = None, {}
    for line in lines:
        if "class name" in line:
            cols = re.split(r"\s+", line.split("class name", 1)[1].strip())
            continue
        m = re.match(r"\s*(pcpu_lock|pcpu_alloc_mutex):\s+(.*)", line)
        if m and cols:
            stats[m.group(1)] = dict(zip(cols, (float(v) for v in
                                                m.group(2).split())))
    return stats


def row(phase, tree, commit, smp, path, scenario, threads, runs, pairs,
        us):
    return {"phase": phase, "tree": tree, "commit": commit, "smp": smp,
            "log": os.path.basename(path), "scenario": scenario,
            "threads": threads, "runs": runs, "pairs": pairs, "us": us,
            "pairs_per_ms": round(pairs * 1000.0 / us, 2) if us else ""}


def parse(path, phase, tree, commit, smp):
    """The runs of one boot log, as conc.csv rows: one per run, but for
    lock_stat's boots, one per read of /proc/lock_stat (the runs since the
    last read added up)."""
    rows, done, section = [], [], None
    for line in open(path, errors="replace"):
        line = line.rstrip("\r\n")
        m = RUN.search(line)
        if m:
            done.append((m.group(1), int(m.group(2)), int(m.group(3)),
                         int(m.group(4))))
            if phase != "lockstat":
                rows.append(row(phase, tree, commit, smp, path, *done[-1][:2],
                                1, *done[-1][2:]))
                done = []
        elif "LOCK-STAT-BEGIN" in line:
            section = []
        elif "LOCK-STAT-END" in line and section is not None:
            if done:
                r = row(phase, tree, commit, smp, path, done[0][0],
                        done[0][1], len(done), sum(d[2] for d in done),
                        sum(d[3] for d in done))
                stats = lock_stat(section)
                for key, name in LOCKS:
                    st = stats.get(name, {})
                    r[f"{key}_acquisitions"] = int(st.get("acquisitions", 0))
                    r[f"{key}_contentions"] = int(st.get("contentions", 0))
                    r[f"{key}_holdtime_us"] = st.get("holdtime-total", 0.0)
                rows.append(r)
            section, done = None, []
        elif section is not None:
            section.append(line)
    return rows


def load(runsdir, commits):
    rows = []
    for path in sorted(glob.glob(os.path.join(runsdir, "*.log"))):
        m = LOG.match(os.path.basename(path))
        if not m or commits.get(m.group(2)) != m.group(3):
            continue
        rows += parse(path, m.group(1), m.group(2), m.group(3),
                      int(m.group(4)))
    return rows


def main():
    outdir, runsdir, desc = sys.argv[1:4]
    commits = dict(a.split("=", 1) for a in sys.argv[4:])
    rows = load(runsdir, commits)

    with open(os.path.join(outdir, "conc.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, FIELDS)
        w.writeheader()
        for r in rows:
            w.writerow(r)

    tput = defaultdict(list)
    for r in rows:
        if r["phase"] == "tcg" and r["pairs_per_ms"] != "":
            tput[(r["tree"], r["scenario"], r["threads"])].append(
                r["pairs_per_ms"])

    def med(tree, scen, threads):
        v = tput.get((tree, scen, threads))
        return statistics.median(v) if v else None

    def cell(tree, scen, threads):
        v = tput.get((tree, scen, threads))
        if not v:
            return "-"
        if len(v) == 1:
            return fmt(v[0])
        return f"{fmt(statistics.median(v))} [{fmt(min(v))}-{fmt(max(v))}]"

    lines = [f"Concurrency: churn (each thread keeps 64 live pairs of 16 B "
             f"and 32 B objects, allocates a new pair and frees its oldest) "
             f"and churnpop (single 1 KiB objects, 4096 live per thread, over "
             f"several chunks, the rings filled in the timed part, so that "
             f"the first 4096 allocations of every thread populate pages; "
             f"a pair is one object); {desc}"]
    section(lines, "Throughput, QEMU multi-threaded TCG (no -icount), "
            "wall clock: pairs per ms, median [min-max] of the boots; "
            "1 thread at -smp 1, 2 threads at -smp 2; 2/1 = the 2-thread "
            "throughput over the 1-thread one (2.00: perfect scaling):",
            ["tree", "churn 1 thread", "churn 2 threads", "2/1",
             "churnpop 1 thread", "churnpop 2 threads", "2/1",
             "boots (-smp 1 / 2)"])
    for t in TREES:
        boots = [len({r["log"] for r in rows if r["phase"] == "tcg" and
                      r["tree"] == t and r["smp"] == smp}) for smp in (1, 2)]
        if not any(boots):
            continue
        cells = []
        for s in SCENARIOS:
            cells += [cell(t, s, 1), cell(t, s, 2),
                      ratio(med(t, s, 2), med(t, s, 1))]
        lines.append(f"| {NAMES[t]} | " + " | ".join(cells) +
                     f" | {boots[0]} / {boots[1]} |")

    # under -icount: the last run of each kind (they repeat exactly)
    last = {}
    for r in rows:
        if r["phase"] in ("icount", "lockstat"):
            last[(r["phase"], r["tree"], r["scenario"], r["threads"],
                  r["pairs"] > 0)] = r
    section(lines, "Serialized work, QEMU -icount shift=0 (1 ns = 1 guest "
            "instruction), from /proc/lock_stat on a LOCK_STAT kernel, "
            "1 thread, less a run of no pairs (churn's ring fill and "
            "final frees, the load; churnpop's run of no pairs allocates "
            "nothing, so its figures include its rings' final frees, one "
            "for every 16 objects): "
            "pcpu_alloc_mutex acquisitions per 1000 pairs, guest ns each "
            "lock is held per pair; contentions in the pairs of 2 "
            "threads at -smp 2 (under -icount the vCPUs take turns: these "
            "count lock holders preempted, not parallel contention); "
            "1-thread pairs per ms of guest time with and without "
            "LOCK_STAT; f, the serialized fraction of a pair's time on "
            "the LOCK_STAT kernel (the longer-held lock's time per pair "
            "over the time per pair); and the **projected** bound "
            "X(N) = min(N, 1/f) x X(1) at N CPUs in pairs per ms of guest "
            "time, X(1) the 1-thread throughput without LOCK_STAT "
            "(Amdahl with the serialized part back to back: a "
            "projection, not a measurement; see "
            "scripts/bench_conc_report.py):",
            ["tree", "scenario", "mutex acq / 1000 pairs",
             "ns under pcpu_lock / pair", "ns under mutex / pair",
             "contentions, 2 threads (lock / mutex in pairs)",
             "pairs/ms, LOCK_STAT", "pairs/ms, no LOCK_STAT", "f",
             "projected X(64)", "projected X(192)"])
    for t in TREES:
        for s in SCENARIOS:
            base = last.get(("lockstat", t, s, 1, False))
            ls1 = last.get(("lockstat", t, s, 1, True))
            ls2 = last.get(("lockstat", t, s, 2, True))
            ic = last.get(("icount", t, s, 1, True))
            if not (ls1 or ic):
                continue
            acq = hold = con = f = None
            if ls1:
                def per_pair(what, scale):
                    v = ls1[what] - (base[what] if base else 0)
                    return v * scale / ls1["pairs"]
                acq = per_pair("mutex_acquisitions", 1000)
                hold = {k: per_pair(f"{k}_holdtime_us", 1000)
                        for k, _ in LOCKS}
                if ls1["us"]:
                    f = max(hold.values()) / (ls1["us"] * 1000.0 /
                                              ls1["pairs"])
            if ls2:
                con = (f"{ls2['lock_contentions']} / "
                       f"{ls2['mutex_contentions']} in {ls2['pairs']}")
            with_ls = ls1 and ls1["pairs_per_ms"] or None
            without = ic and ic["pairs_per_ms"] or None
            proj = ["-"] * len(CPUS)
            if f and without:
                proj = [fmt(min(n, 1 / f) * without) for n in CPUS]
            lines.append(
                f"| {NAMES[t]} | {s} | {fmt(acq)} | "
                f"{fmt(hold and hold['lock'])} | "
                f"{fmt(hold and hold['mutex'])} | {con or '-'} | "
                f"{fmt(with_ls)} | {fmt(without)} | "
                f"{'-' if f is None else f'{f:.2f}'} | "
                + " | ".join(proj) + " |")

    text = "\n".join(lines) + "\n"
    open(os.path.join(outdir, "conc.md"), "w").write(text)
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
