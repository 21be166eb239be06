#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make check: every check of the project, ending with "N passed, N failed,
# N skipped".
. "$(dirname "$0")/common.sh"

out=$BUILD/check
mkdir -p "$out"

# Run a sub-check that ends with "...: N passed, N failed[, N skipped]";
# add its counts.
sub() {
	local name=$1 r p f k
	shift
	log "$name"
	"$@" 2>&1 | tee "$out/$name.log" | grep -vE '^>>> ' || true
	r=$(grep -E '[0-9]+ passed, [0-9]+ failed' "$out/$name.log" | tail -1 || true)
	p=$(echo "$r" | grep -oE '[0-9]+ passed' | grep -oE '[0-9]+' || echo 0)
	f=$(echo "$r" | grep -oE '[0-9]+ failed' | grep -oE '[0-9]+' || echo 1)
	k=$(echo "$r" | grep -oE '[0-9]+ skipped' | grep -oE '[0-9]+' || echo 0)
	[ -n "$r" ] || echo "FAIL $name: ended without a summary"
	pass=$((pass + p)); fail=$((fail + f)); skipped=$((skipped + k))
}

# kunit_tree TREE NAME: KUnit on TREE (KUNIT_FILTER, MEM from the caller).
kunit_tree() {
	kunit_counts_some "$1" "$out/$2.log"
	[ "$KFAIL" = 0 ] && echo "ok   $2: $KRES" || {
		echo "FAIL $2: $KRES"
		grep -E 'FAILED|not ok|BUG|WARNING|Expected' "$out/$2.log" | quote 20
	}
	echo "$2: $KPASS passed, $KFAIL failed, $KSKIP skipped"
}

sub check-series bash "$TOP/scripts/check-series.sh"
# the chunk map in userspace (tools/testing/percpu), under ASan and UBSan
sub harness bash "$TOP/scripts/harness.sh"
# the API suite on upstream 6.12 and on the area-map base, unchanged (the
# bad input suite is for the series: make badinput compares the trees),
# and allocation until memory runs out on a 384 MiB machine
for t in upstream base series; do
	[ $t = series ] || KUNIT_FILTER=percpu_api sub kunit-$t kunit_tree $t kunit-$t
	KUNIT_FILTER=percpu_api.pcpu_test_memory_pressure MEM=384 TIMEOUT=600 \
		sub pressure-$t kunit_tree $t pressure-$t
done
# the internal suite at 16 CPUs: the caches' bound (16 pages of every
# unit in all) is per possible CPU, and at 4 it is not reached
SMP=16 KUNIT_FILTER=percpu_internal sub kunit-series-16cpus kunit_tree series \
	kunit-series-16cpus
# every patch builds with W=1 and passes KUnit
sub check-bisect bash "$TOP/scripts/check-bisect.sh"
# the mainline path: W=1 at every patch, KUnit from the one that brings
# the bad input suite (8: the fixes and their tests on 6.12's allocator).
# From its patch 10 on, its trees are the series' (patches 12 on), which
# the walk above built and tested: skipped.
BISECT_PATH=mainline BISECT_KUNIT=all BISECT_SKIP_SERIES_TREES=1 \
	sub check-bisect-mainline bash "$TOP/scripts/check-bisect.sh"
# the series boots to init with -smp 4 and percpu_stats readable (base's
# boot, make boot TREE=base, is left out: its KUnit runs above boot it,
# and switching the build between the two trees' headers cost a cold
# make check 4.4 minutes)
sub boot-series bash "$TOP/scripts/boot.sh" series
# The suites under KASAN, lockdep, DEBUG_VM and KMEMLEAK (make debug) are
# not run here: a cold KASAN build takes about 25 minutes on 2 cores and
# would take a cold make check past CI's 90.  README has its last result.

summary ""
