#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make bench-scale [SCALE_SMP="8 64"] [SCALE_PAIRS=512] [TREES=...]: what
# the allocator keeps, and how often every CPU takes its global locks, at
# the CPU counts the per-CPU caches are for, on upstream, base and series.
#
# The kernels are bench-conc's lockstat variant (CONFIG_LOCK_STAT, the
# benchmark as a module, build/bench-lockstat), booted under
# multi-threaded TCG at -smp 8 and -smp 64 (NR_CPUS is 64): on this 2-core
# host those boots are slow, but populated pages, chunks and lock
# acquisitions do not depend on the host's speed.  Their init:
#
#   start      Percpu: of /proc/meminfo and percpu_stats' nr_chunks (and
#              nr_cached where the tree has it) before the work
#   churn      lock_stat cleared, the churn scenario on every CPU with
#              churn_pairs=0 (the baseline: ring fill and final frees, the
#              module's load), then again with SCALE_PAIRS pairs per
#              thread; pcpu_lock's and pcpu_alloc_mutex's acquisitions of
#              both loads; the figures after the second
#   spread     31 objects of 128 B allocated on every CPU at once, each
#              CPU freeing its own (fewer per CPU than a cache of 8 CPUs
#              holds); the figures once the benchmark has waited for the
#              balance work, then 5 s later
#
# Boot logs: build/bench/scale/<tree>-<commit>-smp<N>-<time>.log; results:
# docs/bench-scale.md and docs/bench-scale.csv (scripts/
# bench_scale_report.py), stamped with the commits and the package.
. "$(dirname "$0")/common.sh"

trees=${TREES:-upstream base series}
smps=${SCALE_SMP:-8 64}
PAIRS=${SCALE_PAIRS:-512}
MEM=${SCALE_MEM:-2048}
timeout=${BOOT_TIMEOUT:-3600}
out=$BUILD/bench/scale
lsout=$BUILD/bench/conc/lockstat
mkdir -p "$out"

for t in $trees; do
	rev=$(tree_rev "$t")
	git -C "$LINUX" show "$rev:lib/test_percpu_bench.c" | grep -q '"spread"' ||
		die "$rev has no spread scenario in lib/test_percpu_bench.c"
done

for t in $trees; do
	KBUILD_TARGETS="bzImage modules" build_bench_kernel "$t" "$lsout" \
		"$BUILD/bench-lockstat" -e DEBUG_KERNEL -e LOCK_STAT \
		-e MODULES -m PERCPU_BENCH
done

churn=$(bench_mask churn)
spread=$(bench_mask spread)
for t in $trees; do
	make_initramfs "$out/$t" "$lsout/test_percpu_bench-$t.ko" <<INIT
snap() {
	echo "SCALE-SNAP phase=\$1 percpu_kb=\$(sed -n 's/^Percpu: *\([0-9]*\) kB/\1/p' /proc/meminfo)" \\
		"chunks=\$(sed -n 's/^ *nr_chunks *: *\([0-9]*\)/\1/p' /sys/kernel/debug/percpu_stats)" \\
		"cached=\$(sed -n 's/^ *nr_cached *: *\([0-9]*\)/\1/p' /sys/kernel/debug/percpu_stats)" \\
		"unit=\$(sed -n 's/^ *unit_size *: *\([0-9]*\)/\1/p' /sys/kernel/debug/percpu_stats)"
}
locks() {
	echo "SCALE-LOCKS pairs=\$1"
	grep -E 'class name|^ *(pcpu_lock|pcpu_alloc_mutex):' /proc/lock_stat
	echo SCALE-LOCKS-END
}
snap start
for pairs in 0 $PAIRS; do
	echo 0 > /proc/lock_stat
	insmod /test_percpu_bench-$t.ko run=1 nr_objs=1 run_test_mask=$churn churn_pairs=\$pairs
	locks \$pairs
done
snap churn
insmod /test_percpu_bench-$t.ko run=1 nr_objs=1 run_test_mask=$spread
snap spread
sleep 5
snap spread+5s
echo SCALE-DONE
INIT
done

for smp in $smps; do
	for t in $trees; do
		kernel=$lsout/bzImage-$t
		blog=$out/$t-$(cut -c1-12 "$kernel.rev")-smp$smp-$(date +%Y%m%d-%H%M%S).log
		log "$t at -smp $smp (multi-threaded TCG): churn, then spread frees"
		start=$(date +%s)
		qemu_run --kernel "$kernel" --smp "$smp" --mem "$MEM" \
			--initrd "$out/$t/initramfs.cpio.gz" \
			--append "kunit.enable=0 initramfs_async=0" \
			--timeout "$timeout" --log "$blog" -- -accel tcg,thread=multi
		grep -q SCALE-DONE "$blog" || die "$t at -smp $smp did not finish: see ${blog#"$TOP"/}"
		log "  $(( $(date +%s) - start )) s"
	done
done

revs=()
for t in upstream base series; do
	[ ! -f "$lsout/bzImage-$t.rev" ] || revs+=("$t=$(cut -c1-12 "$lsout/bzImage-$t.rev")")
done
python3 "$TOP/scripts/bench_scale_report.py" "$out" "$TOP/docs" \
	"$(pkg_version)" "$PAIRS" "${revs[@]}"
