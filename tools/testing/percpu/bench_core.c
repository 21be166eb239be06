// SPDX-License-Identifier: GPL-2.0-only
/*
 * The timing mode for the chunk map of mm/percpu-bitmap.c: core.c built
 * without sanitizers and lock checks, and the calls into it that
 * pcpu_alloc_noprof() and free_percpu() make for one chunk.
 */
#include "core.c"
#include "bench.h"

static int bench_budget;

static void *bench_chunk_create(void)
{
	return pcpu_test_chunk_create();
}

static void bench_chunk_destroy(void *chunk)
{
	pcpu_test_chunk_destroy(chunk);
}

/* a batch of stale chunks is folded before the slots are walked */
static void bench_alloc_begin(void)
{
	bench_budget = PCPU_TREE_FOLD_BATCH;
	pcpu_fold_stale(&bench_budget);
}

static int bench_alloc(void *p, int bits, int align)
{
	struct pcpu_chunk *chunk = p;

	if (pcpu_chunk_cannot_fit(chunk, bits, align))
		return -1;
	return pcpu_alloc_area(chunk, bits, align, false, &bench_budget);
}

static int bench_free(void *p, int off)
{
	struct pcpu_chunk *chunk = p;
	int size = pcpu_free_area(chunk, off);

	/* fully free chunks are found in the free slot */
	if (!chunk->isolated && chunk->free_bytes == pcpu_unit_size)
		pcpu_chunk_fold_whole(chunk);
	return size;
}

const struct bench_core bench_core = {
	.name = "series",
	.setup = pcpu_test_setup,
	.chunk_create = bench_chunk_create,
	.chunk_destroy = bench_chunk_destroy,
	.alloc_begin = bench_alloc_begin,
	.alloc = bench_alloc,
	.free = bench_free,
};
