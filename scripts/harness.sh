#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make harness: build tools/testing/percpu (mm/percpu-bitmap.c in userspace,
# under AddressSanitizer and UBSan) in a scratch kernel tree and run its
# tests.  Ends with the harness's own line "harness: N passed, N failed, N skipped".
. "$(dirname "$0")/common.sh"

harness_tree
out=$BUILD/harness
mkdir -p "$out"

# core.c's copies of mm/percpu.c's slot helpers must stay the same code.
if python3 - "$TOP/mm/percpu.c" "$TOP/tools/testing/percpu/core.c" <<'PY'
import re, sys
def body(path, fn):
    text = open(path).read()
    m = re.search(r"\nstatic int " + fn + r"\(.*?\n}\n", text, re.S)
    return m and re.sub(r"\s+", " ", m.group(0))
fns = ("__pcpu_size_to_slot", "pcpu_size_to_slot", "pcpu_chunk_slot")
sys.exit(any(body(sys.argv[1], f) != body(sys.argv[2], f) or
             not body(sys.argv[1], f) for f in fns))
PY
then
	ok "tools/testing/percpu/core.c's slot helpers are mm/percpu.c's"
else
	bad "tools/testing/percpu/core.c's slot helpers differ from mm/percpu.c's"
fi
if ! make -s -C "$HARNESS" -j"$JOBS" main > "$out/build.log" 2>&1 ||
   grep -q 'warning:' "$out/build.log"; then
	bad "harness builds without warnings"
	grep -E 'error|warning' "$out/build.log" | quote 20
	summary harness
	exit 1
fi
rc=0
(cd "$HARNESS" && timeout "${HARNESS_TIMEOUT:-300}" ./main) > "$out/run.log" 2>&1 || rc=$?
sed '$d' "$out/run.log"
last=$(tail -1 "$out/run.log")
if [[ $last =~ ^harness:\ ([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
	pass=$((pass + BASH_REMATCH[1])); fail=$((fail + BASH_REMATCH[2]))
	summary harness
	exit $rc
fi
# a crash (a sanitizer report) or a timeout: no summary line of its own
pass=$((pass + $(grep -c '^ok ' "$out/run.log" || true)))
fail=$((fail + $(grep -c '^FAIL ' "$out/run.log" || true)))
bad "harness ended without a summary (exit $rc)"
grep -E 'ERROR|runtime error|SUMMARY' "$out/run.log" | quote 10
summary harness
