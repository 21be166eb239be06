#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make boot [TREE=upstream|base|series]: boot a kernel of that tree under
# QEMU (-smp 4) to a busybox init that reads percpu_stats.  The config is
# the KUnit one plus what a boot to userspace needs (initramfs, devtmpfs)
# and PERCPU_STATS.  Passes if init runs and percpu_stats is readable.
. "$(dirname "$0")/common.sh"

tree=${1:-series}
rev=$(tree_rev "$tree")
bdir=$BUILD/boot
out=$BUILD/boot-out
mkdir -p "$bdir" "$out"

[ -x /bin/busybox ] || die "busybox missing: apt-get install busybox-static"
checkout_src "$rev"
if [ ! -f "$bdir/.config" ]; then
	cp "$TOP/Kconfig.fragment" "$bdir/.config"
	for o in BLK_DEV_INITRD RD_GZIP DEVTMPFS DEVTMPFS_MOUNT PERCPU_STATS \
		 DEBUG_FS SERIAL_8250 SERIAL_8250_CONSOLE BINFMT_ELF \
		 BINFMT_SCRIPT PROC_FS SYSFS TTY; do
		"$SRC/scripts/config" --file "$bdir/.config" -e "$o"
	done
fi
log "building the $tree kernel for a boot to init"
make -s -C "$SRC" ARCH=x86_64 O="$bdir" "CC=ccache gcc" olddefconfig
make -s -C "$SRC" ARCH=x86_64 O="$bdir" "CC=ccache gcc" -j"$JOBS" bzImage

root=$out/initramfs
rm -rf "$root"
mkdir -p "$root/bin"
cp /bin/busybox "$root/bin/busybox"
cat > "$root/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mkdir -p /proc /sys /dev
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t debugfs debugfs /sys/kernel/debug
echo "BOOT-OK: init is running on $(nproc) cpus"
cat /sys/kernel/debug/percpu_stats
echo "PERCPU-STATS-END"
reboot -f
INIT
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$out/initramfs.cpio.gz"

log "booting $tree to init (-smp 4)"
timeout "${BOOT_TIMEOUT:-600}" qemu-system-x86_64 -nodefaults -m 1024 -smp 4 \
	-kernel "$bdir/arch/x86/boot/bzImage" -initrd "$out/initramfs.cpio.gz" \
	-append "console=ttyS0 tsc=reliable kunit.enable=0 rdinit=/init panic=-1" \
	-no-reboot -nographic -serial stdio -bios qboot.rom < /dev/null \
	> "$out/boot-$tree.log" 2>&1 || true
if grep -q 'BOOT-OK' "$out/boot-$tree.log" &&
   grep -q 'Percpu Memory Statistics' "$out/boot-$tree.log" &&
   grep -q 'PERCPU-STATS-END' "$out/boot-$tree.log"; then
	echo "ok   $tree boots to init (-smp 4), percpu_stats readable"
	echo "boot-$tree: 1 passed, 0 failed"
else
	echo "FAIL $tree did not boot to init with percpu_stats: ${out#"$TOP"/}/boot-$tree.log"
	echo "boot-$tree: 0 passed, 1 failed"
	exit 1
fi
