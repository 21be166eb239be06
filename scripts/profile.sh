#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make profile [TREE=series] [SIZES=4] [SCENARIOS=orders] [N=65536]
#              [FUNC=name]: where a tree's benchmark spends its guest
# instructions.  Boots the benchmark kernel of TREE (as make bench builds
# it) under -icount with scripts/insn-count.c, a TCG plugin that
# counts the instructions every translation block executes: the counts are
# exact, not sampled, and the same from run to run.  Prints the functions
# with the most instructions (boot included: compare two trees or two
# commits, not one run's shares) and, with FUNC=, that function's
# disassembly with the instructions of each block that starts a line.
# Kept in build/profile/<tree>/: boot.log, counts, funcs.
. "$(dirname "$0")/common.sh"

t=${1:-series}
out=$BUILD/bench
prof=$BUILD/profile/$t
mkdir -p "$prof"
build_bench_kernel "$t" "$out"
plugin=$BUILD/profile/insn-count.so
if [ ! -f "$plugin" ] || [ "$TOP/scripts/insn-count.c" -nt "$plugin" ]; then
	gcc -O2 -Wall -shared -fPIC -fvisibility=hidden \
		-o "$plugin" "$TOP/scripts/insn-count.c"
fi

N=${N:-65536}
args="nokaslr kunit.enable=0 test_percpu_bench.run=1"
args="$args test_percpu_bench.nr_objs=$N test_percpu_bench.aligned_objs=${AN:-16384}"
args="$args test_percpu_bench.sizes=${SIZES:-4} test_percpu_bench.run_test_mask=$(bench_mask "${SCENARIOS:-orders}")"
rm -f "$prof/counts"
log "profiling $t ($(cut -c1-12 "$out/bzImage-$t.rev")): ${SCENARIOS:-orders}, sizes ${SIZES:-4}, N=$N"
qemu_run --kernel "$out/bzImage-$t" --smp 2 --mem "${MEM:-2048}" \
	--append "$args" --log "$prof/boot.log" --timeout "${BOOT_TIMEOUT:-3600}" \
	-- -icount shift=0 -plugin "$plugin,out=$prof/counts"
grep -q 'test_percpu_bench: done' "$prof/boot.log" ||
	die "$t did not finish the benchmark: see ${prof#"$TOP"/}/boot.log"
grep -o 'test_percpu_bench: .*' "$prof/boot.log" | grep -v 'start\|rep\|done'

python3 - "$out/System.map-$t" "$prof/counts" "${TOP_N:-25}" > "$prof/funcs" <<'PY'
import bisect, collections, sys
syms = []
for line in open(sys.argv[1]):
    addr, kind, name = line.split()[:3]
    if kind in 'tTwW':
        syms.append((int(addr, 16), name))
syms.sort()
addrs = [a for a, _ in syms]
count = collections.Counter()
for line in open(sys.argv[2]):
    addr, n = line.split()
    addr = int(addr, 16)
    i = bisect.bisect_right(addrs, addr) - 1
    # below the kernel's text: firmware and the decompressor
    count[syms[i][1] if i >= 0 and addr >= addrs[0] else '(before the kernel)'] += int(n)
total = sum(count.values()) or 1
print(f"{total} guest instructions")
for name, n in count.most_common(int(sys.argv[3])):
    print(f"{n:14d} {100 * n / total:5.1f}%  {name}")
PY
cat "$prof/funcs"

[ -n "${FUNC:-}" ] || exit 0
vmlinux=$BUILD/bench-Kconfig/vmlinux
[ "$(cat "$BUILD/bench-Kconfig/.rev" 2>/dev/null)" = "$(cat "$out/bzImage-$t.rev")" ] ||
	log "note: build/bench-Kconfig/vmlinux may be another tree's than $t"
python3 - "$vmlinux" "$prof/counts" "$FUNC" <<'PY'
import subprocess, sys
vm, counts, func = sys.argv[1:4]
start = size = None
for line in subprocess.run(['nm', '-S', vm], capture_output=True, text=True).stdout.splitlines():
    p = line.split()
    if len(p) == 4 and p[3] == func:
        start, size = int(p[0], 16), int(p[1], 16)
if start is None:
    sys.exit(f"no function {func} in {vm}")
tb = {}
for line in open(counts):
    a, n = line.split()
    a = int(a, 16)
    if start <= a < start + size:
        tb[a] = tb.get(a, 0) + int(n)
dis = subprocess.run(['objdump', '-d', '--no-show-raw-insn', f'--start-address={start}',
                      f'--stop-address={start + size}', vm], capture_output=True, text=True).stdout
for line in dis.splitlines():
    try:
        a = int(line.split(':')[0].strip(), 16)
    except ValueError:
        continue
    print(f"{tb[a]:>12d}" if a in tb else " " * 12, line)
PY
