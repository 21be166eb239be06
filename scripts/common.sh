# SPDX-License-Identifier: GPL-2.0
# Shared settings for the series tooling; sourced by the other scripts.
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=$TOP/build
LINUX=$BUILD/linux
TARBALL=${TARBALL:-/usr/src/linux-source-6.12.tar.xz}
PKG=linux-source-6.12

# Commits made by the tooling get a fixed identity and dates, so that the
# same patches always give the same commit ids on every machine.
export GIT_AUTHOR_NAME="Percpu Bitmap Project"
export GIT_AUTHOR_EMAIL=dev@percpu-bitmap.org
export GIT_COMMITTER_NAME="Percpu Bitmap Project"
export GIT_COMMITTER_EMAIL=dev@percpu-bitmap.org

log() { printf '>>> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# The checks: ok and bad print a check's result line and count it in
# pass and fail (skipped counts what a check chose not to run); summary
# NAME prints the line a check script ends with, "NAME: N passed, N
# failed, N skipped" (with NAME empty, the counts alone), and fails if
# any check did.
pass=0 fail=0 skipped=0
ok()  { pass=$((pass + 1)); printf 'ok   %s\n' "$*"; }
bad() { fail=$((fail + 1)); printf 'FAIL %s\n' "$*"; }
summary() {
	echo "${1:+$1: }$pass passed, $fail failed, $skipped skipped"
	[ "$fail" = 0 ]
}

# quote N: the first N lines of stdin, indented, the details under a FAIL.
quote() { head -"$1" | sed 's/^/  /'; }

pkg_version() {
	dpkg-query -W -f '${Version}' "$PKG" 2>/dev/null || echo unknown
}

# The series patches, without the cover letter, in order.
series_patches() {
	find "$TOP/patches/series" -name '[0-9][0-9][0-9][0-9]-*.patch' \
		! -name '0000-*' | sort
}

base_patches() {
	find "$TOP/patches/base" -name '[0-9][0-9][0-9][0-9]-*.patch' | sort
}

# The mainline path's patches (for Linux 6.12 itself), without its cover
# letter, in order.
mainline_patches() {
	find "$TOP/patches/mainline" -name '[0-9][0-9][0-9][0-9]-*.patch' \
		! -name '0000-*' 2>/dev/null | sort
}

# A hash of everything that defines the trees: the package and the patches.
patches_stamp() {
	{ pkg_version; cat "$TOP/scripts/tree.sh" $(base_patches) $(series_patches) \
		$(mainline_patches) /dev/null; } |
		sha1sum | cut -d' ' -f1
}

# Files added or changed by a set of patches.
patch_files() {
	cat "$@" /dev/null | sed -n 's@^diff --git a/\(.*\) b/.*@\1@p' | sort -u
}

git_am() {
	local p
	for p in "$@"; do
		git am -q --committer-date-is-author-date "$p" ||
			{ git am --abort || true; die "patch does not apply: ${p#"$TOP"/}"; }
	done
}

# Kernel paths of the mirror at the top level (besides the project's own).
MIRROR_DIRS="Documentation arch include kernel lib mm tools MAINTAINERS"
# Symbolic links of this repository inside the mirror: old paths kept
# working (the design card names Documentation/percpu-bitmap.rst).
MIRROR_LINKS="Documentation/percpu-bitmap.rst"

# Series patches that touch only the API tests and the benchmark.
test_only_patches() {
	local p
	for p in $(series_patches); do
		patch_files "$p" | grep -qvE '^(lib/test_percpu_(kunit|bench)\.c|lib/Kconfig\.debug|lib/Makefile|mm/tests/\.kunitconfig|MAINTAINERS)$' ||
			echo "$p"
	done
}

# The commit that a tree name stands for, for building and booting.
tree_rev() {
	case "$1" in
	upstream|base) echo "$1-test" ;;
	series|mainline) echo "$1" ;;
	*) echo "$1" ;;
	esac
}

# same_code REV1 REV2: whether the two commits differ at most in
# Documentation/, MAINTAINERS and tools/ (the userspace harness).  A
# benchmark run of one stands for the other.
same_code() {
	git -C "$LINUX" diff --quiet "$1" "$2" -- . \
		':(exclude)Documentation' ':(exclude)MAINTAINERS' ':(exclude)tools' 2>/dev/null
}

# A worktree of build/linux used only for building, so that builds never
# touch the branch a developer works on in build/linux.
SRC=${SRC:-$BUILD/src}
checkout_src() {
	local rev=$1
	if [ ! -e "$SRC/.git" ]; then
		git -C "$LINUX" worktree prune
		git -C "$LINUX" worktree add -q --detach "$SRC" "$rev"
	fi
	git -C "$SRC" checkout -q -f --detach "$rev"
}

export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/ccache}
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-8G}
export CCACHE_BASEDIR=$BUILD CCACHE_NOHASHDIR=true
JOBS=${JOBS:-$(nproc)}

# kunit_parse FILE: the summary of kunit.py's output in FILE (its last
# "Testing complete" line): KRES, the summary (empty if there is none),
# KPASS the test cases that passed, KFAIL those that failed, crashed or
# had errors.
kunit_parse() {
	local key
	KRES=$(grep -E 'Testing complete' "$1" | tail -1 | sed 's/.*Testing complete\. //' || true)
	KPASS=$(echo "$KRES" | grep -oE 'passed: [0-9]+' | grep -oE '[0-9]+' || echo 0)
	KSKIP=$(echo "$KRES" | grep -oE 'skipped: [0-9]+' | grep -oE '[0-9]+' || echo 0)
	KFAIL=0
	for key in failed crashed errors; do
		KFAIL=$((KFAIL + $(echo "$KRES" | grep -oE "$key: [0-9]+" | grep -oE '[0-9]+' || echo 0)))
	done
}

# Run KUnit on a tree (scripts/kunit.sh) with its output in $2; set
# KPASS/KFAIL to the test cases that passed and failed (crashes, parse
# errors and a failed run count as failures) and KRES to the summary.
kunit_counts() {
	local tree=$1 logf=$2 rc=0
	bash "$TOP/scripts/kunit.sh" "$tree" > "$logf" 2>&1 || rc=$?
	kunit_parse "$logf"
	if [ $rc != 0 ] && [ "$KFAIL" = 0 ]; then
		KFAIL=1
	fi

	KRES=${KRES:-no KUnit result (exit $rc), see ${logf#"$TOP"/}}
}

# kunit_counts, and a run in which nothing passed (every case skipped, or
# none ran) tested nothing: it counts as a failure.  For make check.
kunit_counts_some() {
	kunit_counts "$@"
	if [ "$KPASS" = 0 ] && [ "$KFAIL" = 0 ]; then
		KFAIL=1
		KRES="nothing passed ($KRES)"
	fi
}

# upstream-test and base-test: upstream and base plus the series' patches
# that only add tests or the benchmark (they use the public API only), so
# the same suite and benchmark run on all three trees.  Run in build/linux.
make_test_branches() {
	local t
	for t in upstream base; do
		git checkout -q --detach "$t"
		git_am $(test_only_patches)
		git branch -f "$t-test" >/dev/null
	done
	git checkout -q series
}

# build_kernel BDIR BASE [OPTION...]: $SRC's bzImage for x86_64, built in
# BDIR with ccache.  A missing BDIR/.config starts as BASE, a config
# fragment or x86_64_defconfig; the scripts/config OPTIONs (-e SYM,
# -d SYM) are applied to it at every build, then olddefconfig.  If
# KCONFIG_CHECK names a command, it runs after olddefconfig, before the
# build, and may end the script.  KBUILD_TARGETS (default bzImage) are
# the make targets built.
build_kernel() {
	local bdir=$1 base=$2
	local mk=(make -s -C "$SRC" ARCH=x86_64 O="$bdir")
	shift 2
	if [ ! -f "$bdir/.config" ]; then
		mkdir -p "$bdir"
		if [ "$base" = x86_64_defconfig ]; then
			"${mk[@]}" x86_64_defconfig
		else
			cp "$base" "$bdir/.config"
		fi
	fi
	[ $# = 0 ] || "$SRC/scripts/config" --file "$bdir/.config" "$@"
	"${mk[@]}" "CC=ccache gcc" olddefconfig
	[ -z "${KCONFIG_CHECK:-}" ] || "$KCONFIG_CHECK"
	"${mk[@]}" "CC=ccache gcc" -j"$JOBS" ${KBUILD_TARGETS:-bzImage}
}

# build_bench_kernel TREE OUT [BDIR OPTION...]: $OUT/bzImage-TREE (and
# System.map-TREE) from the KUnit config plus the benchmark, so the three
# trees differ only in what the patches change.  Skipped when the image is
# of the tree's commit.
# Tracing is left out (Kconfig.fragment has it for the tracepoint check):
# with FTRACE the series' allocations cost 7% more guest instructions
# (2^16 objects of 4 B: 71.0 against 66.8 million), which is the kernel's
# cost, not the allocator's.  Its own build directory, so that KUnit runs
# and benchmark builds do not rebuild each other's objects.
# A variant of that config (e.g. with lock statistics) gets a build
# directory BDIR and an OUT of its own, and build_kernel OPTIONs applied
# after the benchmark's; with -m PERCPU_BENCH (and KBUILD_TARGETS
# "bzImage modules") the module is copied too, as
# $OUT/test_percpu_bench-TREE.ko.
build_bench_kernel() {
	local t=$1 out=$2 rev img want bdir=${3:-$BUILD/bench-Kconfig}
	shift $(($# < 3 ? $# : 3))
	rev=$(tree_rev "$t")
	img=$out/bzImage-$t
	want=$(git -C "$LINUX" rev-parse "$rev")
	if [ -f "$img" ] && [ -f "$out/System.map-$t" ] &&
	   [ "$(cat "$img.rev" 2>/dev/null)" = "$want" ]; then
		log "kernel for $t is up to date"
		return
	fi
	log "building the $t kernel ($(git -C "$LINUX" log -1 --format='%h %s' "$rev"))"
	checkout_src "$rev"
	# The serial console is what kunit.py adds for x86_64
	# (tools/testing/kunit/qemu_configs/x86_64.py): without it a
	# config that no KUnit run has made yet boots silently.
	# BOOT_OPTIONS: a busybox init reads percpu_stats after the benchmark.
	build_kernel "$bdir" "$TOP/Kconfig.fragment" -e PERCPU_BENCH \
		"${BOOT_OPTIONS[@]}" -d FTRACE -d ENABLE_DEFAULT_TRACERS "$@"
	mkdir -p "$out"
	cp "$bdir/arch/x86/boot/bzImage" "$img"
	cp "$bdir/System.map" "$out/System.map-$t"
	if grep -q '^CONFIG_PERCPU_BENCH=m' "$bdir/.config"; then
		cp "$bdir/lib/test_percpu_bench.ko" "$out/test_percpu_bench-$t.ko"
	fi
	echo "$want" > "$img.rev"
	echo "$want" > "$bdir/.rev"
}

# bench_mask NAMES: the run_test_mask of lib/test_percpu_bench.c that
# runs the scenarios named in NAMES (comma separated): bit i for entry i
# of its bench_tests[] table.
bench_mask() {
	local name names mask=0 i
	mapfile -t names < <(sed -n 's/^\t{ "\([a-z]*\)", [a-z_]* },$/\1/p' "$TOP/lib/test_percpu_bench.c")
	for name in ${1//,/ }; do
		for ((i = 0; i < ${#names[@]}; i++)); do
			[ "${names[i]}" != "$name" ] || break
		done
		[ "$i" -lt ${#names[@]} ] || die "no benchmark scenario $name (${names[*]})"
		mask=$((mask | 1 << i))
	done
	echo "$mask"
}

# make_initramfs DIR [FILE...] < init: DIR/initramfs.cpio.gz with busybox,
# the FILEs (in /) and the init script read from stdin.
make_initramfs() {
	local dir=$1 root=$1/initramfs
	shift
	[ -x /bin/busybox ] || die "busybox missing: apt-get install busybox-static"
	rm -rf "$root"
	mkdir -p "$root/bin"
	cp /bin/busybox "$root/bin/busybox"
	[ $# = 0 ] || cp "$@" "$root/"
	{
		echo '#!/bin/busybox sh'
		echo '/bin/busybox --install -s /bin'
		echo 'mkdir -p /proc /sys /dev'
		echo 'mount -t proc proc /proc'
		echo 'mount -t sysfs sysfs /sys'
		echo 'mount -t debugfs debugfs /sys/kernel/debug'
		cat
		echo 'reboot -f'
	} > "$root/init"
	chmod +x "$root/init"
	(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$dir/initramfs.cpio.gz"
}

# Kernel arguments of every boot under QEMU (kunit.py's too): QEMU runs
# TCG here (no KVM), where the clocksource watchdog may drop the TSC.
TCG_KERNEL_ARGS=tsc=reliable

# qemu_run OPTION... [-- QEMU-ARG...]: boot a kernel under QEMU as every
# script does: no default devices, the console on the serial port, qboot,
# no reboot and panic=-1 (a panic or a reboot ends QEMU), stdin from
# /dev/null.
#   --kernel FILE   the bzImage
#   --smp N         CPUs
#   --mem MIB       memory
#   --initrd FILE   an initramfs; its /init runs (rdinit=/init)
#   --append ARGS   kernel arguments, after console=ttyS0 $TCG_KERNEL_ARGS
#   --timeout SECS  kill QEMU after that long
#   --log FILE      the console and QEMU's messages go to FILE; QEMU's
#                   exit status is ignored (the caller reads FILE)
#   --background    with --log: QEMU runs in the background, its pid in
#                   QEMU_PID, the console goes to FILE through -serial
#                   file: and QEMU's messages to stderr
# QEMU-ARGs (-icount, -monitor...) go after -smp.
qemu_run() {
	local kernel='' smp='' mem='' initrd='' append='' timeout='' log=''
	local bg='' serial=stdio cmd
	while [ $# -gt 0 ]; do
		case $1 in
		--kernel) kernel=$2 ;;
		--smp) smp=$2 ;;
		--mem) mem=$2 ;;
		--initrd) initrd=$2 ;;
		--append) append=$2 ;;
		--timeout) timeout=$2 ;;
		--log) log=$2 ;;
		--background) bg=1; shift; continue ;;
		--) shift; break ;;
		*) die "qemu_run: unknown option $1" ;;
		esac
		shift 2
	done
	if [ -z "$kernel" ] || [ -z "$smp" ] || [ -z "$mem" ] || [ -z "$log" ]; then
		die "qemu_run needs --kernel, --smp, --mem and --log"
	fi
	[ -z "$bg" ] || serial=file:$log
	cmd=(qemu-system-x86_64 -nodefaults -m "$mem" -smp "$smp" "$@" -kernel "$kernel")
	[ -z "$initrd" ] || cmd+=(-initrd "$initrd")
	cmd+=(-append "console=ttyS0 $TCG_KERNEL_ARGS${append:+ $append}${initrd:+ rdinit=/init} panic=-1"
	      -no-reboot -nographic -serial "$serial" -bios qboot.rom)
	[ -z "$timeout" ] || cmd=(timeout "$timeout" "${cmd[@]}")
	if [ -n "$bg" ]; then
		"${cmd[@]}" < /dev/null &
		QEMU_PID=$!
	else
		"${cmd[@]}" < /dev/null > "$log" 2>&1 || true
	fi
}

# What a boot to a busybox init needs on top of a KUnit or defconfig
# config, as build_kernel OPTIONs.
BOOT_OPTIONS=(-e BLK_DEV_INITRD -e RD_GZIP -e DEVTMPFS -e DEVTMPFS_MOUNT
	-e PERCPU_STATS -e DEBUG_FS -e SERIAL_8250 -e SERIAL_8250_CONSOLE
	-e BINFMT_ELF -e BINFMT_SCRIPT -e PROC_FS -e SYSFS -e TTY)

# harness_tree: $HARNESS_SRC, a scratch kernel tree for tools/testing/percpu
# (the userspace harness of the chunk map): tools/include and the few
# tools/lib files it links, from build/linux's series branch when there is
# one, else from the package's tarball (the series touches no tools/ file but
# tools/testing/percpu, which comes from the mirror),
# with this repository's mm/percpu-bitmap.c, mm/percpu-internal.h and
# tools/testing/percpu on top.  Copies keep their times, so make rebuilds
# only what changed.
HARNESS_SRC=$BUILD/harness-src
HARNESS=$HARNESS_SRC/tools/testing/percpu
harness_tree() {
	local files="tools/include tools/lib/bitmap.c tools/lib/find_bit.c
		     tools/lib/hweight.c tools/lib/vsprintf.c" stamp
	if git -C "$LINUX" rev-parse -q --verify series >/dev/null 2>&1; then
		stamp=$(git -C "$LINUX" rev-parse series:tools)
	else
		stamp="$PKG $(pkg_version)"
	fi
	if [ "$(cat "$HARNESS_SRC/.stamp" 2>/dev/null)" != "$stamp" ]; then
		log "harness tree: tools/ from ${stamp%% *}"
		rm -rf "$HARNESS_SRC"
		mkdir -p "$HARNESS_SRC"
		if [ "${stamp%% *}" = "$PKG" ]; then
			[ -f "$TARBALL" ] || die "$TARBALL missing: apt-get install $PKG"
			tar -xJf "$TARBALL" -C "$HARNESS_SRC" --strip-components=1 \
				$(printf "$PKG/%s\n" $files)
		else
			git -C "$LINUX" archive series -- $files | tar -x -C "$HARNESS_SRC"
		fi
		echo "$stamp" > "$HARNESS_SRC/.stamp"
	fi
	(cd "$TOP" && tar -cf - mm/percpu-bitmap.c mm/percpu-internal.h tools/testing/percpu) |
		tar -x -C "$HARNESS_SRC"
}
