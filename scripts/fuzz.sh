#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make fuzz [FUZZ_S=600]: run the libFuzzer target of tools/testing/percpu
# for FUZZ_S seconds (one process), from the seed corpus in the repository
# and the corpus of earlier runs in build/fuzz/corpus.  A failed check
# leaves the input in build/fuzz/crash-*; reproduce it with
#   build/harness-src/tools/testing/percpu/percpu_fuzz build/fuzz/crash-...
# Needs clang (apt-get install clang): its libFuzzer runtime is part of
# Debian's clang package.
. "$(dirname "$0")/common.sh"

secs=${FUZZ_S:-600}
out=$BUILD/fuzz
mkdir -p "$out/corpus"
if ! command -v clang >/dev/null; then
	[ "$(id -u)" = 0 ] || die "clang missing: apt-get install clang"
	log "installing clang"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends clang >/dev/null
fi
harness_tree
make -s -C "$HARNESS" fuzz > "$out/build.log" 2>&1 || {
	quote 20 < "$out/build.log"
	die "the fuzzer does not build"
}
log "fuzzing for $secs s (corpus: build/fuzz/corpus)"
rc=0
"$HARNESS/percpu_fuzz" -max_total_time="$secs" -max_len=4096 -timeout=30 \
	-print_final_stats=1 -artifact_prefix="$out/" \
	"$out/corpus" "$HARNESS/corpus" > "$out/fuzz.log" 2>&1 || rc=$?
grep -E '^#[0-9]+[[:space:]]+(INITED|DONE)|^stat::' "$out/fuzz.log" || true
if [ $rc != 0 ]; then
	grep -E '^FAIL|ERROR|runtime error|artifact' "$out/fuzz.log" | quote 20
	die "the fuzzer found a failing input (exit $rc): build/fuzz/fuzz.log"
fi
