#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make bench-conc [CONC_BOOTS=3] [CONC_POP_BOOTS=n] [CONC_PAIRS=n]
#                 [CONC_PHASES="tcg icount lockstat"] [TREES=...]:
# the concurrency section of make bench (which runs it last unless CONC=0):
# the churn and churnpop scenarios of lib/test_percpu_bench.c (every CPU
# allocating and freeing at once) on upstream, base and series.
#
#   tcg       throughput: the benchmark kernel of make bench, booted under
#             multi-threaded TCG (no -icount) at -smp 1 (1 thread) and
#             -smp 2 (2 threads), CONC_BOOTS boots each, interleaved
#             across the trees; churnpop in the first CONC_POP_BOOTS of
#             them (default CONC_BOOTS).  Wall-clock figures: they need
#             an otherwise idle machine.
#   icount    the same kernel under -icount shift=0 (1 ns = 1 guest
#             instruction), 1 thread, one boot per tree (deterministic):
#             guest instructions per pair without LOCK_STAT.
#   lockstat  the serialized work: a variant of that kernel with
#             CONFIG_LOCK_STAT, its own build directory
#             (build/bench-lockstat), the benchmark as a module, booted
#             under -icount shift=0 at -smp 2; for churn, then churnpop,
#             its init clears /proc/lock_stat, loads the module for one run
#             and reads the lines of pcpu_lock and pcpu_alloc_mutex: 1
#             thread with churn_pairs=0 (the baseline the report
#             subtracts: churn's ring fill and final frees, the load and
#             the exec() of insmod; churnpop's fills nothing, so its
#             rings' final frees stay in its figures), 1 thread, 2
#             threads.
#
# Why a module there: built in, the benchmark runs during boot, before any
# init could clear /proc/lock_stat, and a baseline boot without the churn
# to subtract would count everything else of two boots (which differ from
# boot to boot even under -icount: device probing, the balance work) in
# the difference.  Loaded after the clear, the figures count only what
# happens from the load to the read, and the churn_pairs=0 load measures
# all of that but the pairs.  The module fails its load with -EAGAIN
# after its run, as expected, so it can be loaded again; busybox's insmod
# then retries with init_module(), so every load runs the scenario twice:
# the report divides by the pairs of every run a read follows.
#
# Boot logs: build/bench/conc/runs-P<CONC_PAIRS>/<phase>-<tree>-<commit>-
# smp<N>-<time>.log; the report counts every log of the kernels' current
# commits, so runs add up.  Results: build/bench/conc.md and conc.csv
# (scripts/bench_conc_report.py).
. "$(dirname "$0")/common.sh"

trees=${TREES:-upstream base series}
phases=${CONC_PHASES:-tcg icount lockstat}
BOOTS=${CONC_BOOTS:-3}
POP_BOOTS=${CONC_POP_BOOTS:-$BOOTS}
PAIRS=${CONC_PAIRS:-65536}
MEM=${CONC_MEM:-1024}
timeout=${BOOT_TIMEOUT:-1800}
out=$BUILD/bench/conc
lsout=$out/lockstat
runs=$out/runs-P$PAIRS
mkdir -p "$runs"

for t in $trees; do
	rev=$(tree_rev "$t")
	git -C "$LINUX" rev-parse -q --verify "$rev^{commit}" >/dev/null ||
		die "no $rev in build/linux (make tree)"
	git -C "$LINUX" show "$rev:lib/test_percpu_bench.c" | grep -q '"churnpop"' ||
		die "$rev has no churn scenarios in lib/test_percpu_bench.c"
done

phase_start=$(date +%s)
times=
# phase_done NAME: note the wall time since the last call.
phase_done() {
	local now
	now=$(date +%s)
	times="$times $1 $((now - phase_start))s"
	phase_start=$now
}

# churn_boot PHASE TREE KERNEL INITRD SMP ARGS [QEMU-ARG...]: one boot with
# kernel arguments ARGS; the log goes to $runs, named after PHASE, TREE,
# the kernel's commit and SMP, and must have the line DONE (default: the
# benchmark's last) and RUNS (default 1) lines of churn results.
churn_boot() {
	local phase=$1 t=$2 kernel=$3 initrd=$4 smp=$5 args=$6 blog
	shift 6
	blog=$runs/$phase-$t-$(cut -c1-12 "$kernel.rev")-smp$smp-$(date +%Y%m%d-%H%M%S).log
	qemu_run --kernel "$kernel" --smp "$smp" --mem "$MEM" --initrd "$initrd" \
		--append "kunit.enable=0 initramfs_async=0${args:+ $args}" \
		--timeout "$timeout" --log "$blog" -- "$@"
	grep -q "${DONE:-test_percpu_bench: done}" "$blog" ||
		die "$t did not finish: see ${blog#"$TOP"/}"
	[ "$(grep -c 'test_percpu_bench: churn' "$blog")" -ge "${RUNS:-1}" ] ||
		die "$t: a churn run failed: see ${blog#"$TOP"/}"
}

for t in $trees; do
	build_bench_kernel "$t" "$out"
done
if [[ " $phases " = *" lockstat "* ]]; then
	for t in $trees; do
		KBUILD_TARGETS="bzImage modules" build_bench_kernel "$t" "$lsout" \
			"$BUILD/bench-lockstat" -e DEBUG_KERNEL -e LOCK_STAT \
			-e MODULES -m PERCPU_BENCH
	done
fi
phase_done build

# Built in, the benchmark runs during boot; init has nothing left to do.
make_initramfs "$out" < /dev/null
churn=$(bench_mask churn)
pop=$(bench_mask churnpop)
both=$(bench_mask churn,churnpop)
bench="test_percpu_bench.run=1 test_percpu_bench.nr_objs=1 test_percpu_bench.churn_pairs=$PAIRS"

if [[ " $phases " = *" tcg "* ]]; then
	total=$((BOOTS * 2 * $(echo $trees | wc -w))) i=0
	for b in $(seq 1 "$BOOTS"); do
		mask=$churn
		[ "$b" -gt "$POP_BOOTS" ] || mask=$both
		for smp in 1 2; do
			for t in $trees; do
				i=$((i + 1))
				log "[$i/$total] boot $b: $t, TCG multi-threaded, -smp $smp"
				churn_boot tcg "$t" "$out/bzImage-$t" "$out/initramfs.cpio.gz" \
					"$smp" "$bench test_percpu_bench.run_test_mask=$mask" \
					-accel tcg,thread=multi
			done
		done
	done
	phase_done tcg
fi

if [[ " $phases " = *" icount "* ]]; then
	for t in $trees; do
		log "$t under -icount shift=0, 1 thread, without LOCK_STAT"
		churn_boot icount "$t" "$out/bzImage-$t" "$out/initramfs.cpio.gz" \
			2 "$bench test_percpu_bench.run_test_mask=$both test_percpu_bench.churn_threads=1" \
			-icount shift=0
	done
	phase_done icount
fi

if [[ " $phases " = *" lockstat "* ]]; then
	for t in $trees; do
		make_initramfs "$lsout/$t" "$lsout/test_percpu_bench-$t.ko" <<INIT
for scenario in churn churnpop; do
	case \$scenario in churn) mask=$churn ;; *) mask=$pop ;; esac
	for run in "1 0" "1 $PAIRS" "2 $PAIRS"; do
		set -- \$run
		echo 0 > /proc/lock_stat
		insmod /test_percpu_bench-$t.ko run=1 nr_objs=1 run_test_mask=\$mask \\
			churn_threads=\$1 churn_pairs=\$2
		echo "LOCK-STAT-BEGIN scenario=\$scenario threads=\$1 pairs=\$2"
		grep -E 'class name|^ *(pcpu_lock|pcpu_alloc_mutex):' /proc/lock_stat
		echo LOCK-STAT-END
	done
done
echo LOCK-STAT-DONE
INIT
		log "$t with LOCK_STAT under -icount shift=0, -smp 2: baseline, 1 and 2 threads"
		DONE=LOCK-STAT-DONE RUNS=6 churn_boot lockstat "$t" "$lsout/bzImage-$t" \
			"$lsout/$t/initramfs.cpio.gz" 2 "" -icount shift=0
	done
	phase_done lockstat
fi

# The kernels' current commits: the report counts their logs only.
revs=()
for t in upstream base series; do
	[ ! -f "$out/bzImage-$t.rev" ] || revs+=("$t=$(cut -c1-12 "$out/bzImage-$t.rev")")
done
host="$(nproc) cpus, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(qemu-system-x86_64 --version | head -1)"
python3 "$TOP/scripts/bench_conc_report.py" "$BUILD/bench" "$runs" \
	"churn_pairs=$PAIRS per thread, -m $MEM; host: $host" "${revs[@]}"
phase_done report
log "wall times:$times"
