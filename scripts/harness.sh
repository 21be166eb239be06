#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make harness: build tools/testing/percpu (mm/percpu-bitmap.c in userspace,
# under AddressSanitizer and UBSan) in a scratch kernel tree and run its
# tests.  Ends with the harness's own line "harness: N passed, N failed".
. "$(dirname "$0")/common.sh"

harness_tree
out=$BUILD/harness
mkdir -p "$out"
if ! make -s -C "$HARNESS" -j"$JOBS" main > "$out/build.log" 2>&1 ||
   grep -q 'warning:' "$out/build.log"; then
	bad "harness builds without warnings"
	grep -E 'error|warning' "$out/build.log" | quote 20
	summary harness
	exit 1
fi
rc=0
(cd "$HARNESS" && timeout "${HARNESS_TIMEOUT:-300}" ./main) > "$out/run.log" 2>&1 || rc=$?
cat "$out/run.log"
tail -1 "$out/run.log" | grep -qE '^harness: [0-9]+ passed, [0-9]+ failed$' && exit $rc
# a crash (a sanitizer report) or a timeout: no summary line of its own
pass=$(grep -c '^ok ' "$out/run.log" || true)
fail=$(grep -c '^FAIL ' "$out/run.log" || true)
bad "harness ended without a summary (exit $rc)"
grep -E 'ERROR|runtime error|SUMMARY' "$out/run.log" | quote 10
summary harness
