#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make check: every check of the project, ending with "N passed, N failed".
. "$(dirname "$0")/common.sh"

pass=0 fail=0
out=$BUILD/check
mkdir -p "$out"

# Run a sub-check that ends with "...: N passed, N failed"; add its counts.
sub() {
	local name=$1 r p f
	shift
	log "$name"
	"$@" 2>&1 | tee "$out/$name.log" | grep -vE '^>>> ' || true
	r=$(grep -E '[0-9]+ passed, [0-9]+ failed' "$out/$name.log" | tail -1 || true)
	p=$(echo "$r" | grep -oE '[0-9]+ passed' | grep -oE '[0-9]+' || echo 0)
	f=$(echo "$r" | grep -oE '[0-9]+ failed' | grep -oE '[0-9]+' || echo 1)
	[ -n "$r" ] || echo "FAIL $name: ended without a summary"
	pass=$((pass + p)); fail=$((fail + f))
}

kunit_tree() {
	kunit_counts "$1" "$out/kunit-$1.log"
	[ "$KFAIL" = 0 ] && echo "ok   KUnit on $1: $KRES" || {
		echo "FAIL KUnit on $1: $KRES"
		grep -E 'FAILED|not ok|BUG|WARNING|Expected' "$out/kunit-$1.log" | head -20 | sed 's/^/  /'
	}
	echo "kunit-$1: $KPASS passed, $KFAIL failed"
}

sub check-series bash "$TOP/scripts/check-series.sh"
# the API suite on upstream 6.12 and on the area-map base, unchanged
sub kunit-upstream kunit_tree upstream
sub kunit-base kunit_tree base
# every patch builds with W=1 and passes KUnit
sub check-bisect bash "$TOP/scripts/check-bisect.sh"
# base and series boot to init with -smp 4 and percpu_stats readable
sub boot-base bash "$TOP/scripts/boot.sh" base
sub boot-series bash "$TOP/scripts/boot.sh" series

echo "$pass passed, $fail failed"
[ $fail = 0 ]
