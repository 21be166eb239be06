#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make debug [TREE=series] [DEBUG_CONFIG=debug|kcsan]: the percpu KUnit
# suites on a kernel with the kernel's own checkers on, -smp 4.
#   debug: Kconfig.fragment + Kconfig.debug.fragment - KASAN (with vmalloc), lockdep
#          (PROVE_LOCKING), DEBUG_ATOMIC_SLEEP, DEBUG_VM, DEBUG_LIST,
#          KMEMLEAK;
#   kcsan: Kconfig.fragment + Kconfig.kcsan.fragment - KCSAN, if the compiler
#          supports it.
# The tests run built in, during boot; then a busybox init has kmemleak
# scan twice and prints what it found.  The run fails on a failed test or
# on any report in the console: KASAN, KCSAN, lockdep, sleep-in-atomic,
# BUG, Oops, a kmemleak leak, or a WARNING other than the allocator's own
# documented ones for bad input (refused frees, illegal requests).
. "$(dirname "$0")/common.sh"

tree=${1:-series}
cfg=${DEBUG_CONFIG:-debug}
add=$TOP/Kconfig.$cfg.fragment
[ -f "$add" ] || die "no $add"
rev=$(tree_rev "$tree")
bdir=$BUILD/debug-$cfg
out=$BUILD/debug-out
mkdir -p "$bdir" "$out"
# The kunitconfig (mm/tests/.kunitconfig) plus the checkers.
frag=$bdir/fragment.new
cat "$TOP/Kconfig.fragment" "$add" > "$frag"

# The fragment's options that this tree has must have survived
# olddefconfig (a compiler without KCSAN support drops it, for instance).
check_config() {
	local sym missing=
	for sym in $(sed -n 's/^CONFIG_\([A-Za-z0-9_]*\)=y$/\1/p' "$frag"); do
		git -C "$SRC" grep -qE "^\s*(menu)?config $sym\$" -- '*Kconfig*' || continue
		grep -q "^CONFIG_$sym=y" "$bdir/.config" || missing="$missing $sym"
	done
	if [ "$missing" = " KCSAN" ]; then
		echo "SKIP $cfg: this compiler cannot build KCSAN"
		summary "debug-$cfg-$tree"
		exit 0
	elif [ -n "$missing" ]; then
		bad "$cfg: olddefconfig dropped$missing"
		summary "debug-$cfg-$tree" || exit 1
	fi
}

checkout_src "$rev"
log "$cfg kernel of $tree ($(git -C "$SRC" log -1 --format='%h %s'))"
# A new .config when the fragment changed (.fragment: the one it was made from).
if ! cmp -s "$frag" "$bdir/.fragment"; then
	rm -f "$bdir/.config"
	cp "$frag" "$bdir/.fragment"
fi
KCONFIG_CHECK=check_config build_kernel "$bdir" "$frag" "${BOOT_OPTIONS[@]}"

make_initramfs "$out" <<'INIT'
if [ -e /sys/kernel/debug/kmemleak ]; then
	echo scan > /sys/kernel/debug/kmemleak
	sleep 6
	echo scan > /sys/kernel/debug/kmemleak
	echo "KMEMLEAK-BEGIN"
	cat /sys/kernel/debug/kmemleak
	echo "KMEMLEAK-END"
fi
echo "DEBUG-RUN-DONE"
INIT

blog=$out/$cfg-$tree.log
log "booting it: the percpu suites run during boot (-smp 4)"
qemu_run --kernel "$bdir/arch/x86/boot/bzImage" --smp 4 --mem "${MEM:-2048}" \
	--initrd "$out/initramfs.cpio.gz" \
	--append "kunit.enable=1 kunit.filter_glob=percpu*" \
	--timeout "${BOOT_TIMEOUT:-1800}" --log "$blog"

kunit_parse <(python3 "$SRC/tools/testing/kunit/kunit.py" parse "$blog" 2>&1)
[ -n "$KRES" ] && [ "$KPASS" -gt 0 ] || KFAIL=$((KFAIL + 1))
if [ "$KFAIL" = 0 ]; then
	echo "ok   KUnit on $tree with the $cfg config: $KRES"
else
	echo "FAIL KUnit on $tree with the $cfg config: ${KRES:-no result}, see ${blog#"$TOP"/}"
fi
pass=$((pass + KPASS)); fail=$((fail + KFAIL))

# Reports of the checkers.  The allocator's documented WARNs for bad
# input come from free_percpu()/pcpu_free_area()/pcpu_alloc_noprof().
reports=$(grep -nE 'BUG: KASAN|BUG: KCSAN|WARNING: possible|WARNING: inconsistent|BUG: sleeping function|BUG: |Oops|general protection|Kernel panic|unreferenced object|WARNING: ' "$blog" |
	  grep -vE 'WARNING: CPU: [0-9]+ PID: [0-9]+ at \S*mm/percpu(-bitmap)?\.c:[0-9]+ (free_percpu|pcpu_free_area|pcpu_alloc_noprof)(\.[a-z]+\.[0-9]+)*\+' || true)
grep -q 'DEBUG-RUN-DONE' "$blog" || reports="$reports
init never finished (crash or timeout)"
if [ -z "$(echo "$reports" | tr -d '[:space:]')" ]; then
	ok "no KASAN/KCSAN/lockdep/kmemleak/BUG report and no unexpected WARNING"
else
	bad "reports in ${blog#"$TOP"/}:"
	echo "$reports" | quote 20
fi
summary "debug-$cfg-$tree"
