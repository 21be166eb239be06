// SPDX-License-Identifier: GPL-2.0-only
/*
 * The timing mode of tools/testing/percpu for Linux 6.12's allocator core,
 * for make bench-core: percpu-core.c holds upstream's functions, cut from
 * the Linux 6.12 package's mm/percpu.c at build time
 * (scripts/extract_upstream_core.py), and percpu-internal.h is that
 * package's; neither is in this repository.  The stand-ins are the
 * harness's (shim.h, slots.h), as for the series' core, and the calls are
 * the ones Linux 6.12's pcpu_alloc_noprof() and free_percpu() make for one
 * chunk.
 */
#include "shim.h"
#include "percpu-internal.h"

#define PCPU_SLOT_BASE_SHIFT		5

/* the globals of mm/percpu.c that the core reads */
static int pcpu_unit_pages;
static int pcpu_unit_size;
static int pcpu_free_slot;
static size_t pcpu_chunk_struct_size;
int pcpu_nr_slots;
int pcpu_sidelined_slot;
int pcpu_to_depopulate_slot;
int pcpu_nr_empty_pop_pages;
struct list_head *pcpu_chunk_lists;
struct pcpu_chunk *pcpu_first_chunk;
struct pcpu_chunk *pcpu_reserved_chunk;
DEFINE_SPINLOCK(pcpu_lock);

void pcpu_test_warn(const char *fmt, ...)
{
}

static void *pcpu_mem_zalloc(size_t size, gfp_t gfp)
{
	return calloc(1, size);
}

static void pcpu_mem_free(void *ptr)
{
	free(ptr);
}

#include "slots.h"
#include "percpu-core.c"

#include "bench.h"

static void bench_setup(int unit_pages)
{
	int slot;

	free(pcpu_chunk_lists);
	pcpu_unit_pages = unit_pages;
	pcpu_unit_size = unit_pages << PAGE_SHIFT;
	pcpu_chunk_struct_size = struct_size((struct pcpu_chunk *)0, populated,
					     BITS_TO_LONGS(unit_pages));
	/* as pcpu_setup_first_chunk() */
	pcpu_sidelined_slot = __pcpu_size_to_slot(pcpu_unit_size) + 1;
	pcpu_free_slot = pcpu_sidelined_slot + 1;
	pcpu_to_depopulate_slot = pcpu_free_slot + 1;
	pcpu_nr_slots = pcpu_to_depopulate_slot + 1;
	pcpu_chunk_lists = calloc(pcpu_nr_slots, sizeof(pcpu_chunk_lists[0]));
	if (!pcpu_chunk_lists)
		abort();
	for (slot = 0; slot < pcpu_nr_slots; slot++)
		INIT_LIST_HEAD(&pcpu_chunk_lists[slot]);
	pcpu_nr_empty_pop_pages = 0;
}

static void *bench_chunk_create(void)
{
	struct pcpu_chunk *chunk = pcpu_alloc_chunk(0);

	if (!chunk)
		abort();
	pcpu_chunk_relocate(chunk, -1);
	return chunk;
}

static void bench_chunk_destroy(void *p)
{
	struct pcpu_chunk *chunk = p;

	list_del(&chunk->list);
	pcpu_free_chunk(chunk);
}

static void bench_alloc_begin(void)
{
}

/* pcpu_alloc_noprof(): find the block to search from, then allocate */
static int bench_alloc(void *p, int bits, int align)
{
	struct pcpu_chunk *chunk = p;
	int off = pcpu_find_block_fit(chunk, bits, align, false);

	if (off < 0)
		return -1;
	return pcpu_alloc_area(chunk, bits, align, off);
}

static int bench_free(void *chunk, int off)
{
	return pcpu_free_area(chunk, off);
}

const struct bench_core bench_core = {
	.name = "upstream",
	.setup = bench_setup,
	.chunk_create = bench_chunk_create,
	.chunk_destroy = bench_chunk_destroy,
	.alloc_begin = bench_alloc_begin,
	.alloc = bench_alloc,
	.free = bench_free,
};
