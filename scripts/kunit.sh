#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make kunit [TREE=upstream|base|series|<rev>] [KUNITCONFIG=file]: build that
# tree for x86_64 with the kunitconfig and run its KUnit suites under QEMU.
# KUNIT_FILTER=glob runs only the matching suites/cases; MEM= and SMP= set
# the machine (2048 MiB, 4 CPUs).
. "$(dirname "$0")/common.sh"

tree=${1:-series}
kconfig=${KUNITCONFIG:-$TOP/Kconfig.fragment}
# The benchmark is built into every KUnit kernel (it runs only when asked),
# so that check-bisect's W=1 builds cover it.
KUNIT_ADD=${KUNIT_ADD-CONFIG_PERCPU_BENCH=y}
name=$(basename "$kconfig" .fragment)
rev=$(tree_rev "$tree")
bdir=$BUILD/kunit-$name

git -C "$LINUX" rev-parse -q --verify "$rev" >/dev/null || die "no $rev in build/linux (make tree)"
checkout_src "$rev"
log "KUnit on $tree ($(git -C "$SRC" log -1 --format='%h %s')) with $(basename "$kconfig")"
mkdir -p "$bdir"
cd "$SRC"
# Options this tree does not have (tests added by later patches) are left
# out, or kunit.py would refuse the config.
kc=$bdir.kunitconfig
: > "$kc"
while read -r line; do
	sym=$(echo "$line" | sed -n 's/^CONFIG_\([A-Za-z0-9_]*\)=.*/\1/p')
	if [ -z "$sym" ] || git grep -qE "^\s*(menu)?config $sym\$" -- '*Kconfig*'; then
		echo "$line" >> "$kc"
	fi
done < <(cat "$kconfig"; echo "$KUNIT_ADD")
python3 tools/testing/kunit/kunit.py run --arch=x86_64 \
	--kunitconfig="$kc" --build_dir="$bdir" \
	--make_options "CC=ccache gcc" --jobs "$JOBS" \
	--qemu_args "-smp ${SMP:-4}" --qemu_args "-m ${MEM:-2048}" \
	--kernel_args "$TCG_KERNEL_ARGS" --timeout "${TIMEOUT:-900}" \
	${KUNIT_ARGS:-} ${KUNIT_FILTER:+"$KUNIT_FILTER"}
