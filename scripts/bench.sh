#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make bench [QUICK=1] [REPS=n] [TREES="upstream base series"]: build
# upstream, base and series kernels with lib/test_percpu_bench.c built in
# (the same config for all), boot each under QEMU, interleaved, REPS times,
# and print the table.  Every boot's lines are kept in
# build/bench/runs/N<N>-AN<AN>/<tree>-<commit>-<time>.csv, and the table is
# made from all the runs of the same N on the trees' current code (commits
# that differ at most in Documentation/ count as the same): a
# long run can be done in parts (TREES=base in one session or terminal,
# TREES="series upstream" in another) and summed up by any later run.
# Results: build/bench/results.csv, lumps.csv, mixed.csv, results.json, table.md,
# chart.png; then the concurrency section, scripts/bench-conc.sh (CONC=0
# leaves it out; QUICK=1 makes its CONC_BOOTS 1): build/bench/conc.md.
. "$(dirname "$0")/common.sh"

trees=${TREES:-upstream base series}
out=$BUILD/bench
mkdir -p "$out"

if [ "${QUICK:-0}" = 1 ]; then
	N=${N:-65536}; AN=${AN:-16384}; REPS=${REPS:-3}; MEM=${MEM:-2048}
else
	# With -icount the figures repeat exactly (QUICK=1 shows the spread),
	# and the area map alone takes hours at 2^20: one repetition.
	N=${N:-1048576}; AN=${AN:-65536}; REPS=${REPS:-1}; MEM=${MEM:-6144}
fi
SMP=${BENCH_SMP:-2}
# Under TCG, wall-clock timings swing by 2x from boot to boot.  With
# -icount shift=0 the guest clock advances one nanosecond per guest
# instruction: the figures become instruction counts (in thousands for
# "ms", with both vCPUs' instructions counted), deterministic from boot to
# boot, and the ratios between trees exact.  ICOUNT= (empty) times the
# wall clock instead.
ICOUNT=${ICOUNT--icount shift=0}

for t in $trees; do
	build_bench_kernel "$t" "$out"
done

# footprint=1: last, objects of 4 B are left allocated; then init
# prints percpu_stats (chunks and their maps at that peak).  The initramfs
# is unpacked before the benchmark starts (initramfs_async=0), not during.
make_initramfs "$out" <<'INIT'
echo PERCPU-STATS-BEGIN
cat /sys/kernel/debug/percpu_stats
echo PERCPU-STATS-END
INIT
args="kunit.enable=0 initramfs_async=0 test_percpu_bench.run=1 test_percpu_bench.footprint=1"
args="$args test_percpu_bench.nr_objs=$N test_percpu_bench.aligned_objs=$AN"
[ -n "${SIZES:-}" ] && args="$args test_percpu_bench.sizes=$SIZES"
# The module's default scenarios and mixed (which holds N^2 objects at N
# CPUs, so the module leaves it out of its default).
args="$args test_percpu_bench.run_test_mask=$(bench_mask "${SCENARIOS:-orders,aligned,prefill,kmalloc,lumps,mixed}")"

host="$(nproc) cpus, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(qemu-system-x86_64 --version | head -1)"
runs=$out/runs/N$N-AN$AN${SIZES:+-s$SIZES}${SCENARIOS:+-$SCENARIOS}
runs=${runs//,/_}
mkdir -p "$runs"
ntrees=$(echo $trees | wc -w)
total=$((REPS * ntrees)); i=0
for r in $(seq 1 "$REPS"); do
	for t in $trees; do
		i=$((i + 1))
		log "[$i/$total] rep $r: booting $t (N=$N, -smp $SMP, -m $MEM)"
		start=$(date +%s)
		blog=$out/boot-$t-$r.log
		qemu_run --kernel "$out/bzImage-$t" --smp "$SMP" --mem "$MEM" \
			--initrd "$out/initramfs.cpio.gz" \
			--append "$args" --timeout "${BOOT_TIMEOUT:-14400}" \
			--log "$blog" -- $ICOUNT
		grep -q 'test_percpu_bench: done' "$blog" ||
			die "$t did not finish the benchmark: see ${blog#"$TOP"/}"
		csv=$runs/$t-$(cut -c1-12 "$out/bzImage-$t.rev")-$(date +%s).csv
		sed -n 's/.*test_percpu_bench: \([a-z]*\) size=\([0-9]*\) align=\([0-9]*\) order=\([a-z]*\) n=\([0-9]*\) alloc_us=\([0-9]*\) free_us=\([0-9]*\) pages=\([0-9]*\).*/\1,\2,\3,\4,\5,\6,\7,\8/p' \
			"$blog" > "$csv"
		sed -n 's/.*test_percpu_bench: lumps size=\([0-9]*\) n=\([0-9]*\) phase=\([a-z]*\) calls=\([0-9]*\) max_ns=\([0-9]*\) total_us=\([0-9]*\).*/\1,\2,\3,\4,\5,\6/p' \
			"$blog" > "${csv%.csv}.lumps"
		sed -n 's/.*test_percpu_bench: mixed size=[-0-9]* align=[-0-9]* threads=\([0-9]*\) objs=\([0-9]*\) rounds=\([0-9]*\) us=\([0-9]*\).*/\1,\2,\3,\4/p' \
			"$blog" > "${csv%.csv}.mixed"
		{ grep -o 'test_percpu_bench: footprint .*' "$blog" || true
		  sed -n '/PERCPU-STATS-BEGIN/,/PERCPU-STATS-END/p' "$blog"
		} | tr -d '\r' > "${csv%.csv}.stats"
		log "    done in $(( $(date +%s) - start )) s"
	done
done

# All the runs of this N on the code the trees are at now.
echo "tree,rep,scenario,size,align,order,n,alloc_us,free_us,pages" > "$out/results.csv"
echo "tree,rep,size,n,phase,calls,max_ns,total_us" > "$out/lumps.csv"
echo "tree,rep,threads,objs,rounds,us" > "$out/mixed.csv"
rm -f "$out"/stats-*.txt
nreps=
for t in upstream base series; do
	[ -f "$out/bzImage-$t.rev" ] || continue
	r=0
	for f in "$runs/$t"-*.csv; do
		[ -f "$f" ] || continue
		rev=${f##*/"$t"-}
		same_code "${rev%%-*}" "$(cat "$out/bzImage-$t.rev")" || continue
		r=$((r + 1))
		sed "s/^/$t,$r,/" "$f" >> "$out/results.csv"
		[ ! -f "${f%.csv}.lumps" ] || sed "s/^/$t,$r,/" "${f%.csv}.lumps" >> "$out/lumps.csv"
		[ ! -f "${f%.csv}.mixed" ] || sed "s/^/$t,$r,/" "${f%.csv}.mixed" >> "$out/mixed.csv"
		[ ! -s "${f%.csv}.stats" ] || cp "${f%.csv}.stats" "$out/stats-$t-$r.txt"
	done
	nreps="$nreps $t:$r"
done

clock="guest clock"
[ -n "$ICOUNT" ] && clock="QEMU $ICOUNT: 1 ns = 1 guest instruction"
# what was measured: each tree's commit in build/linux, and the package
stamp="project $(git -C "$TOP" describe --always --dirty --abbrev=12), $PKG $(pkg_version)"
for t in upstream base series; do
	[ -f "$out/bzImage-$t.rev" ] && stamp="$stamp, $t $(cut -c1-12 "$out/bzImage-$t.rev")"
done
python3 "$TOP/scripts/bench_report.py" "$out" "N=$N, aligned N=$AN, runs per tree$nreps, QEMU TCG -smp $SMP -m $MEM, $clock; host: $host; measured: $stamp, $(date -u +%Y-%m-%d)"

# The concurrency section (scripts/bench-conc.sh), unless CONC=0.
if [ "${CONC:-1}" != 0 ]; then
	[ "${QUICK:-0}" != 1 ] || export CONC_BOOTS=${CONC_BOOTS:-1}
	bash "$TOP/scripts/bench-conc.sh"
fi
