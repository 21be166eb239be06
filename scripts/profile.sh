#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make profile [TREE=series] [SIZES=4] [SCENARIOS=orders] [N=262144]:
# where a tree's benchmark spends its guest time.  Boots the benchmark
# kernel of TREE (as make bench builds it) and samples the instruction
# pointer of every vCPU through the QEMU monitor; prints the functions
# that hold the most samples, idle excluded.  TCG has no PMU to sample
# from, so the monitor is the profiler.
. "$(dirname "$0")/common.sh"

t=${1:-series}
out=$BUILD/bench
prof=$BUILD/profile
mkdir -p "$prof"
build_bench_kernel "$t" "$out"

N=${N:-262144}
args="nokaslr kunit.enable=0 test_percpu_bench.run=1"
args="$args test_percpu_bench.nr_objs=$N test_percpu_bench.aligned_objs=${AN:-16384}"
args="$args test_percpu_bench.sizes=${SIZES:-4} test_percpu_bench.run_test_mask=$(bench_mask "${SCENARIOS:-orders}")"
sock=$prof/monitor.sock
rm -f "$sock" "$prof/samples"

qemu_run --kernel "$out/bzImage-$t" --smp 2 --mem "${MEM:-2048}" \
	--append "$args" --log "$prof/boot-$t.log" --background \
	-- -icount shift=0 -monitor "unix:$sock,server,nowait"
trap 'kill "$QEMU_PID" 2>/dev/null || true' EXIT

log "sampling $t"
python3 - "$sock" "$prof/boot-$t.log" "$prof/samples" <<'EOF'
import re, socket, sys, time
sock_path, console, samples = sys.argv[1:4]
def said(what):
    try:
        return what in open(console, errors='replace').read()
    except OSError:
        return False
while not said('test_percpu_bench: start'):
    time.sleep(0.2)
s = socket.socket(socket.AF_UNIX)
s.connect(sock_path)
s.settimeout(5)
buf = b''
def command(cmd):
    global buf
    s.sendall(cmd.encode() + b'\n')
    while b'(qemu)' not in buf:
        buf += s.recv(65536)
    out, _, buf = buf.partition(b'(qemu)')
    return out.decode(errors='replace')
command('')
with open(samples, 'w') as f:
    n = 0
    while not (n % 50 == 0 and said('test_percpu_bench: done')):
        for rip in re.findall(r'RIP=([0-9a-f]+)', command('info registers -a')):
            f.write(rip + '\n')
        n += 1
        time.sleep(0.002)
EOF
kill "$QEMU_PID" 2>/dev/null || true

python3 - "$out/System.map-$t" "$prof/samples" <<'EOF'
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
    i = bisect.bisect_right(addrs, int(line, 16)) - 1
    count[syms[i][1] if i >= 0 else '?'] += 1
idle = {'default_idle', 'pv_native_safe_halt', 'native_safe_halt',
        'default_idle_call', 'do_idle', 'cpuidle_idle_call', 'acpi_idle_do_entry'}
busy = {k: v for k, v in count.items() if k not in idle}
total = sum(busy.values()) or 1
print(f"{total} busy samples ({sum(count.values()) - total} idle)")
for name, n in sorted(busy.items(), key=lambda kv: -kv[1])[:int(__import__('os').environ.get('TOP_N', '25'))]:
    print(f"{100 * n / total:6.1f}%  {name}")
EOF
