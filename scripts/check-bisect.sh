#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make check-bisect: at every patch of the series, build the objects the
# patch touches with W=1 (no warnings allowed) and run the KUnit suite.
# BISECT_KUNIT=ends runs KUnit at the first patch that has the suites and
# at the last only.  BISECT_PATH=mainline walks the mainline path
# (upstream..mainline) instead, with KUnit (ends) at the first patch that
# has the bad input suite, which tests the fixes before it, and at the last.
# BISECT_SKIP_SERIES_TREES=1 (make check, after the series walk) skips the
# mainline steps whose tree is one of the series' commits: the series walk
# built and tested that very tree.  BISECT_FROM=k starts at patch k (the
# patches before it as a previous walk left them).
. "$(dirname "$0")/common.sh"

path=${BISECT_PATH:-series}
case $path in
series) first_suite=kunit_test_suite; patches_of=series_patches; from=base ;;
mainline) first_suite=percpu_bad_input; patches_of=mainline_patches; from=upstream ;;
*) die "BISECT_PATH is series or mainline" ;;
esac

kconfig=${KUNITCONFIG:-$TOP/Kconfig.fragment}
bdir=$BUILD/kunit-$(basename "$kconfig" .fragment)
mapfile -t patches < <($patches_of)
mapfile -t revs < <(git -C "$LINUX" rev-list --reverse "$from..$path")
n=${#patches[@]}
[ "$n" -gt 0 ] || die "no patches in patches/$path"
[ "${#revs[@]}" = "$n" ] ||
	die "build/linux $from..$path has ${#revs[@]} commits, patches/$path $n (make export, or make tree)"
mkflags=(ARCH=x86_64 "O=$bdir" "CC=ccache gcc" -j"$JOBS")

# the series' trees, for BISECT_SKIP_SERIES_TREES
declare -A series_tree=()
if [ "$path" = mainline ] && [ "${BISECT_SKIP_SERIES_TREES:-0}" = 1 ]; then
	i=0
	while read -r c t; do
		i=$((i + 1))
		series_tree[$t]=$i
	done < <(git -C "$LINUX" log --reverse --format='%H %T' base..series)
fi

for ((k = ${BISECT_FROM:-1}; k <= n; k++)); do
	rev=${revs[k - 1]}
	subj=$(git -C "$LINUX" log -1 --format=%s "$rev")
	t=$(git -C "$LINUX" rev-parse "$rev^{tree}")
	if [ -n "${series_tree[$t]:-}" ]; then
		echo "skip [$k/$n] the tree of series patch ${series_tree[$t]}, built and tested by the series walk: $subj"
		skipped=$((skipped + 1))
		continue
	fi
	checkout_src "$rev"
	# The fragment again at every step: a step whose tree lacks the test
	# options (the fixes before the suites) drops them from .config, and
	# the next steps must build the suites with W=1 too.
	mkdir -p "$bdir"
	cat "$kconfig" >> "$bdir/.config"
	make -s -C "$SRC" "${mkflags[@]}" olddefconfig >/dev/null 2>&1
	# files that mm/percpu.c includes are built through it; tools/ is
	# userspace (the harness, built below)
	objs=$(git -C "$SRC" diff --name-only "$rev~1" "$rev" -- '*.c' |
		sed 's/\.c$/.o/; s#^mm/percpu-\(bitmap\|cache\|vm\|km\)\.o$#mm/percpu.o#' |
		grep -v '^Documentation/\|^tools/' | sort -u || true)
	# headers: rebuild the allocator, which includes them all
	if git -C "$SRC" diff --name-only "$rev~1" "$rev" -- '*.h' ':!tools' | grep -q .; then
		objs="$objs mm/percpu.o"
	fi
	if [ -z "$objs" ]; then
		# no kernel object: the harness's own build, warnings fail it
		h=$SRC/tools/testing/percpu
		out=$(make -C "$h" main 2>&1) && rc=0 || rc=$?
		make -s -C "$h" clean >/dev/null 2>&1 || true
		if [ $rc = 0 ] && ! echo "$out" | grep -q 'warning:'; then
			ok "[$k/$n] the harness builds, no warnings: $subj"
		else
			bad "[$k/$n] the harness builds, no warnings: $subj"
			echo "$out" | grep -E -A3 'warning:|error:' | quote 30
		fi
	else
		log "[$k/$n] $subj: W=1 build of $(echo $objs)"
		make -s -C "$SRC" "${mkflags[@]}" prepare >/dev/null 2>&1 || true
		out=$(make -C "$SRC" "${mkflags[@]}" W=1 $objs 2>&1) && rc=0 || rc=$?
		warns=$(echo "$out" | grep -E 'warning:|error:' || true)
		if [ $rc = 0 ] && [ -z "$warns" ]; then
			ok "[$k/$n] builds with W=1, no warnings: $subj"
		else
			bad "[$k/$n] builds with W=1, no warnings: $subj"
			echo "$out" | grep -E -A3 'warning:|error:' | quote 30
		fi
	fi
	# the fixes at the head of the path come before the suites
	if ! grep -qs "$first_suite" "$SRC/lib/test_percpu_kunit.c"; then
		echo "skip [$k/$n] KUnit: no $first_suite in lib/test_percpu_kunit.c yet"
		continue
	fi
	suites=$((${suites:-0} + 1))
	if [ "${BISECT_KUNIT:-all}" = all ] || [ $suites = 1 ] || [ $k = $n ]; then
		kunit_counts_some "$rev" "$BUILD/kunit-$path-step-$k.log"
		pass=$((pass + KPASS))
		fail=$((fail + KFAIL))
		skipped=$((skipped + KSKIP))
		if [ "$KFAIL" = 0 ]; then
			printf 'ok   [%d/%d] KUnit: %s\n' $k $n "$KRES"
		else
			printf 'FAIL [%d/%d] KUnit: %s\n' $k $n "$KRES"
			grep -E 'FAILED|not ok|BUG|WARNING|Expected|error' "$BUILD/kunit-$path-step-$k.log" | quote 20 || true
		fi
	fi
done
summary "check-bisect ($path)"
