#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Cut Linux 6.12's allocator core out of its mm/percpu.c, for make bench-core.

    extract_upstream_core.py PERCPU_C OUT_C

Writes OUT_C with the functions of the bitmap allocator (the chunk slot
helpers, the bitmap and block helpers, the hint updates, the fit search,
area allocation and free, block initialisation) and the chunk constructor
and destructor, each section cut between two markers that must each appear
exactly once.  The output lives under build/ and is never committed: the
code is upstream's, the competitor's.
"""
import sys

# (first line of the section, first line after it)
SECTIONS = [
    ("static int __pcpu_size_to_slot(int size)\n",
     "/* set the pointer to a chunk in a page struct */\n"),
    ("/*\n * The following are helper functions to help access bitmaps and convert\n",
     "/**\n * pcpu_mem_zalloc - allocate memory\n"),
    ("/*\n * pcpu_region_overlap - determines if two regions overlap\n",
     "/**\n * pcpu_alloc_first_chunk - creates chunks that serve the first chunk\n"),
    ("static struct pcpu_chunk *pcpu_alloc_chunk(gfp_t gfp)\n",
     "/**\n * pcpu_chunk_populated - post-population bookkeeping\n"),
]


def find_once(text, marker, what):
    n = text.count(marker)
    if n != 1:
        sys.exit(f"extract_upstream_core: {what} {marker.splitlines()[-1]!r} "
                 f"found {n} times, not once")
    return text.index(marker)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.strip().splitlines()[2].strip())
    src, out = sys.argv[1:]
    text = open(src).read()
    parts = [f"/* Cut from {src} by scripts/extract_upstream_core.py. */\n"]
    for start, end in SECTIONS:
        a = find_once(text, start, "start")
        b = find_once(text, end, "end")
        if b <= a:
            sys.exit(f"extract_upstream_core: end before start: {end!r}")
        line = text.count("\n", 0, a) + 1
        parts.append(f"\n#line {line} \"{src}\"\n{text[a:b]}")
    with open(out, "w") as f:
        f.write("".join(parts))


if __name__ == "__main__":
    main()
