#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make bench-core [REPS=5] [N=1048576] [UNIT_PAGES=256]: the allocator
# cores alone on this machine's CPU: the timing mode of tools/testing/percpu
# for the series' core (mm/percpu-bitmap.c) and for Linux 6.12's, cut at
# build time from the package's mm/percpu.c (scripts/extract_upstream_core.py
# into build/bench-core/upstream/, never committed) and driven by
# scripts/bench-core-upstream.c.  The same driver, chunk choice and
# stand-ins for both; the two binaries run alternately REPS times; the
# table (medians) is printed and written to build/bench-core/table.md, the
# raw lines to build/bench-core/runs/.
#
# The figures are the thread's CPU time: other work on the machine does
# not count, but it shares the caches.  With valgrind installed (COUNT=0
# skips it), the instructions of each phase are counted too, with
# callgrind, for COUNT_N objects (2^16): a figure that does not depend on
# the machine's load, comparable with the QEMU table's guest instructions.
# perf stat would add hardware counts:
#   perf stat -e instructions,cache-misses build/bench-core/bench-series -s orders
# where the kernel lets perf count them (in this project's VM the hardware
# counters read <not supported>).
. "$(dirname "$0")/common.sh"

N=${N:-1048576}
REPS=${REPS:-5}
UNIT_PAGES=${UNIT_PAGES:-256}
out=$BUILD/bench-core
up=$out/upstream
mkdir -p "$up"

harness_tree
log "building the timing mode for the series' core"
make -s -C "$HARNESS" bench
cp "$HARNESS/bench" "$out/bench-series"

stamp="$(pkg_version) $(sha1sum < "$TOP/scripts/extract_upstream_core.py")"
if [ "$(cat "$up/.stamp" 2>/dev/null)" != "$stamp" ]; then
	log "cutting Linux 6.12's core out of $TARBALL"
	[ -f "$TARBALL" ] || die "$TARBALL missing: apt-get install $PKG"
	tar -xJf "$TARBALL" -C "$up" --strip-components=2 \
		"$PKG/mm/percpu.c" "$PKG/mm/percpu-internal.h"
	python3 "$TOP/scripts/extract_upstream_core.py" "$up/percpu.c" \
		"$up/percpu-core.c"
	echo "$stamp" > "$up/.stamp"
fi
log "building the timing mode for Linux 6.12's core"
make -s -C "$HARNESS" bench-other BENCH_OTHER="$TOP/scripts/bench-core-upstream.c" \
	BENCH_OTHER_INC="$up"
cp "$HARNESS/bench-other" "$out/bench-upstream"

rm -rf "$out/runs"
mkdir -p "$out/runs"
for r in $(seq 1 "$REPS"); do
	# alternate which core goes first
	cores="series upstream"
	[ $((r % 2)) = 1 ] || cores="upstream series"
	for c in $cores; do
		log "[$r/$REPS] $c (n=$N, $UNIT_PAGES-page chunks)"
		"$out/bench-$c" -n "$N" -u "$UNIT_PAGES" > "$out/runs/$c-$r.txt"
	done
done

# instructions per operation: callgrind counts inside bench_allocs() and
# bench_frees() only, one run per scenario
counts=$out/counts.txt
rm -f "$counts"
ir() {
	callgrind_annotate --inclusive=yes "$out/callgrind.out" |
		sed -n "s/^ *\([0-9,]*\) .*:$1 \[.*/\1/p" | tr -d ,
}
if [ "${COUNT:-1}" != 0 ] && command -v valgrind >/dev/null; then
	COUNT_N=${COUNT_N:-65536}
	log "counting instructions with callgrind (n=$COUNT_N)"
	for c in series upstream; do
		for spec in orders:{4,16,64,128,256,1024}:4:{inorder,alternating,reverse} \
			    aligned:4:8:inorder aligned:4:4:inorder; do
			IFS=: read -r sc size align order <<< "$spec"
			valgrind --tool=callgrind --callgrind-out-file="$out/callgrind.out" \
				--toggle-collect=bench_allocs --toggle-collect=bench_frees \
				"$out/bench-$c" -n "$COUNT_N" -u "$UNIT_PAGES" -s "$sc" \
				-z "$size" -a "$align" -o "$order" > /dev/null 2>&1 ||
				die "callgrind failed on $c $spec"
			echo "core=$c scenario=$sc size=$size align=$align order=$order" \
			     "n=$COUNT_N alloc_ir=$(ir bench_allocs) free_ir=$(ir bench_frees)" >> "$counts"
		done
	done
	rm -f "$out/callgrind.out"
fi

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
header="make bench-core: n=$N objects per scenario, chunks of $UNIT_PAGES pages,"
header="$header $REPS runs per core; $(nproc) cpus, $cpu; $(gcc --version | head -1), -O2"
python3 "$TOP/scripts/bench_core_report.py" "$out/runs" "$out" "$header" "$counts"
log "table: build/bench-core/table.md, raw lines: build/bench-core/runs/"
