#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make bench [QUICK=1] [REPS=n] [ORDERS=1]: build upstream, base and series
# kernels with lib/test_percpu_bench.c built in (the same config for all),
# boot each under QEMU, interleaved, REPS times, and print the table.
# Results: build/bench/results.csv, results.json, table.md, chart.png.
. "$(dirname "$0")/common.sh"

trees="upstream base series"
out=$BUILD/bench
mkdir -p "$out"

if [ "${QUICK:-0}" = 1 ]; then
	N=${N:-65536}; AN=${AN:-16384}; REPS=${REPS:-3}; MEM=${MEM:-2048}
else
	N=${N:-1048576}; AN=${AN:-65536}; REPS=${REPS:-3}; MEM=${MEM:-6144}
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

args="console=ttyS0 tsc=reliable kunit.enable=0 panic=-1 test_percpu_bench.run=1"
args="$args test_percpu_bench.nr_objs=$N test_percpu_bench.aligned_objs=$AN"
[ -n "${SIZES:-}" ] && args="$args test_percpu_bench.sizes=$SIZES"
[ -n "${SCENARIOS:-}" ] && args="$args test_percpu_bench.scenarios=$SCENARIOS"

host="$(nproc) cpus, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(qemu-system-x86_64 --version | head -1)"
echo "tree,rep,scenario,size,align,order,n,alloc_us,free_us,pages" > "$out/results.csv"
total=$((REPS * 3)); i=0
for r in $(seq 1 "$REPS"); do
	for t in $trees; do
		i=$((i + 1))
		log "[$i/$total] rep $r: booting $t (N=$N, -smp $SMP, -m $MEM)"
		start=$(date +%s)
		timeout "${BOOT_TIMEOUT:-7200}" qemu-system-x86_64 -nodefaults \
			-m "$MEM" -smp "$SMP" $ICOUNT -kernel "$out/bzImage-$t" \
			-append "$args" -no-reboot -nographic -serial stdio \
			-bios qboot.rom < /dev/null > "$out/boot-$t-$r.log" 2>&1 || true
		grep -q 'test_percpu_bench: done' "$out/boot-$t-$r.log" ||
			die "$t did not finish the benchmark: see ${out#"$TOP"/}/boot-$t-$r.log"
		sed -n 's/.*test_percpu_bench: \([a-z]*\) size=\([0-9]*\) align=\([0-9]*\) order=\([a-z]*\) n=\([0-9]*\) alloc_us=\([0-9]*\) free_us=\([0-9]*\) pages=\([0-9]*\).*/\1,\2,\3,\4,\5,\6,\7,\8/p' \
			"$out/boot-$t-$r.log" | sed "s/^/$t,$r,/" >> "$out/results.csv"
		log "    done in $(( $(date +%s) - start )) s"
	done
done

clock="guest clock"
[ -n "$ICOUNT" ] && clock="QEMU $ICOUNT: 1 ns = 1 guest instruction"
python3 "$TOP/scripts/bench_report.py" "$out" "N=$N, aligned N=$AN, $REPS reps, QEMU TCG -smp $SMP -m $MEM, $clock; host: $host"
