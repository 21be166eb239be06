# SPDX-License-Identifier: GPL-2.0
# The percpu bitmap allocator series: tooling.  See README.md.

TREE ?= series
SHELL := /bin/bash

.PHONY: help deps tree export check-series kunit check-bisect check bench bench-conc bench-scale boot profile debug \
	badinput harness fuzz bench-core clean

## make help: this list of targets
help:
	@sed -n 's/^## //p' $(firstword $(MAKEFILE_LIST))

## make deps: install the Debian packages the tooling needs (apt-get, as root)
deps:
	@bash scripts/deps.sh

## make tree: build/linux with tags upstream and base, branches series and mainline
tree: deps
	@bash scripts/tree.sh

## make export: build/linux -> patches/ and the mirror
export:
	@bash scripts/export.sh

## make check-series: both paths (base+series, mainline) apply and end in the mirror, checkpatch --strict clean
check-series:
	@bash scripts/check-series.sh

## make kunit [TREE=upstream|base|series]: KUnit under QEMU on one tree
kunit: tree
	@bash scripts/kunit.sh $(TREE)

## make check-bisect [BISECT_PATH=series|mainline] [BISECT_KUNIT=all|ends]: every patch builds with W=1 and passes KUnit
check-bisect: tree
	@bash scripts/check-bisect.sh

## make harness: tools/testing/percpu, the chunk map in userspace under ASan and UBSan (seconds)
harness:
	@bash scripts/harness.sh

## make fuzz [FUZZ_S=600]: the chunk map under libFuzzer for FUZZ_S seconds, checked against its model
fuzz:
	@bash scripts/fuzz.sh

## make bench-core [REPS=5] [N=1048576]: the series' and Linux 6.12's allocator cores on this CPU (ns/op table)
bench-core:
	@bash scripts/bench-core.sh

## make check: check-series, KUnit on the trees, check-bisect and boots, ending with "N passed, N failed, N skipped"
check: tree
	@bash scripts/check.sh

## make boot [TREE=upstream|base|series] [BOOT_CONFIG=kunit|defconfig]: boot to a busybox init, read percpu_stats
boot: tree
	@bash scripts/boot.sh $(TREE)

## make bench [QUICK=1] [REPS=n] [TREES=...] [CONC=0]: the evaluation table (upstream, base, series), then bench-conc
bench: tree
	@bash scripts/bench.sh

## make bench-conc [CONC_BOOTS=3] [CONC_PAIRS=65536] [TREES=...]: concurrency: churn throughput at 1 and 2 CPUs, lock_stat's serialized work
bench-conc: tree
	@bash scripts/bench-conc.sh

## make bench-scale [SCALE_SMP="8 64"] [SCALE_PAIRS=512] [TREES=...]: at 8 and 64 CPUs, global-lock acquisitions per 1000 pairs and what stays populated after spread frees
bench-scale: tree
	@bash scripts/bench-scale.sh

## make debug [TREE=series] [DEBUG_CONFIG=debug|kcsan]: the suites under KASAN, lockdep, KMEMLEAK (or KCSAN)
debug: tree
	@bash scripts/debug.sh $(TREE)

## make badinput: upstream, base and series on bad input, one boot per case (table)
badinput: tree
	@bash scripts/badinput.sh

## make profile [TREE=series] [SIZES=4] [SCENARIOS=orders] [FUNC=name]: exact guest instructions per function of the benchmark (a QEMU TCG plugin)
profile: tree
	@bash scripts/profile.sh $(TREE)

## make clean: remove the build outputs; keeps build/linux and ccache
clean:
	rm -rf build/boot* build/debug-* build/kunit-* build/bench build/bench-Kconfig build/bench-lockstat \
		build/badinput build/profile build/check build/src \
		build/harness-src build/harness build/fuzz build/bench-core
	-git -C build/linux worktree prune 2>/dev/null
