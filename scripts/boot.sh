#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make boot [TREE=upstream|base|series] [BOOT_CONFIG=kunit|defconfig]: boot
# a kernel of that tree under QEMU (-smp 4) to a busybox init that reads
# percpu_stats.  BOOT_CONFIG=kunit (the default) is the KUnit config, built
# in the KUnit build directory, so that after make kunit or check-bisect
# only what the tree and the boot options change is rebuilt (a build
# directory of its own cost make check 11 minutes more when cold);
# defconfig is x86_64_defconfig, as a distribution-like kernel.  Both add
# what a boot to userspace needs (initramfs, devtmpfs) and PERCPU_STATS.
# Passes if init runs and percpu_stats is readable.
. "$(dirname "$0")/common.sh"

tree=${1:-series}
cfg=${BOOT_CONFIG:-kunit}
rev=$(tree_rev "$tree")
case "$cfg" in
kunit) bdir=$BUILD/kunit-Kconfig base=$TOP/Kconfig.fragment ;;
defconfig) bdir=$BUILD/boot-defconfig base=x86_64_defconfig ;;
*) die "BOOT_CONFIG must be kunit or defconfig" ;;
esac
out=$BUILD/boot-out
mkdir -p "$out"

checkout_src "$rev"
log "building the $tree kernel ($cfg config) for a boot to init"
build_kernel "$bdir" "$base" "${BOOT_OPTIONS[@]}"

make_initramfs "$out" <<'INIT'
echo "BOOT-OK: init is running on $(nproc) cpus"
cat /sys/kernel/debug/percpu_stats
echo "PERCPU-STATS-END"
INIT

blog=$out/boot-$tree-$cfg.log
log "booting $tree to init (-smp 4)"
qemu_run --kernel "$bdir/arch/x86/boot/bzImage" --smp 4 --mem 1024 \
	--initrd "$out/initramfs.cpio.gz" --append "kunit.enable=0" \
	--timeout "${BOOT_TIMEOUT:-600}" --log "$blog"
if grep -q 'BOOT-OK' "$blog" &&
   grep -q 'Percpu Memory Statistics' "$blog" &&
   grep -q 'PERCPU-STATS-END' "$blog"; then
	ok "$tree boots to init ($cfg config, -smp 4), percpu_stats readable"
else
	bad "$tree did not boot to init with percpu_stats: ${blog#"$TOP"/}"
fi
summary "boot-$tree"
