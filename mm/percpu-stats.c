// SPDX-License-Identifier: GPL-2.0-only
/*
 * mm/percpu-debug.c
 *
 * Copyright (C) 2017		Facebook Inc.
 * Copyright (C) 2017		Dennis Zhou <dennis@kernel.org>
 *
 * Prints statistics about the percpu allocator and backing chunks.
 */
#include <linux/debugfs.h>
#include <linux/list.h>
#include <linux/percpu.h>
#include <linux/seq_file.h>

#include "percpu-internal.h"

#define P(X, Y) \
	seq_printf(m, "  %-20s: %12lld\n", X, (long long int)Y)

struct percpu_stats pcpu_stats;
struct pcpu_alloc_info pcpu_stats_ai;

unsigned int pcpu_stats_scanned;

/*
 * Prints out chunk state from its hints, in O(blocks): the allocator does
 * not wait for a scan of the bitmaps while the statistics are read.
 * fragmentation is the share of the free bytes outside the longest free
 * run, in percent.  blocks has one character per page: '.' for an empty
 * page, '#' for a full one, and otherwise the tenths of the page that its
 * longest free run covers.
 *
 * All statistics are in bytes unless stated otherwise.
 */
static void chunk_map_stats(struct seq_file *m, struct pcpu_chunk *chunk)
{
	int contig = pcpu_chunk_contig(chunk) * PCPU_MIN_ALLOC_SIZE;
	int i, nr_empty = 0, nr_full = 0;

	for (i = 0; i < pcpu_chunk_nr_blocks(chunk); i++) {
		if (chunk->md_blocks[i].contig == PCPU_BITMAP_BLOCK_BITS)
			nr_empty++;
		else if (!chunk->md_blocks[i].contig)
			nr_full++;
	}

	P("nr_alloc", chunk->nr_alloc);
	P("max_alloc_size", chunk->max_alloc_size);
	P("empty_pop_pages", chunk->nr_empty_pop_pages);
	P("first_bit", chunk->first_free);
	P("free_bytes", chunk->free_bytes);
	P("contig_bytes", contig);
	P("fragmentation", chunk->free_bytes ?
	  100 - div_u64(100ULL * contig, chunk->free_bytes) : 0);
	P("empty_blocks", nr_empty);
	P("full_blocks", nr_full);
	seq_printf(m, "  %-20s: ", "blocks");
	for (i = 0; i < pcpu_chunk_nr_blocks(chunk); i++) {
		int c = chunk->md_blocks[i].contig;

		if (c == PCPU_BITMAP_BLOCK_BITS)
			seq_putc(m, '.');
		else if (!c)
			seq_putc(m, '#');
		else
			seq_putc(m, '0' + c * 10 / PCPU_BITMAP_BLOCK_BITS);
	}
	seq_puts(m, "\n\n");
}

static int percpu_stats_show(struct seq_file *m, void *v)
{
	struct pcpu_chunk *chunk;
	int slot;

	spin_lock_irq(&pcpu_lock);
	pcpu_tree_sync_all();

#define PL(X)								\
	seq_printf(m, "  %-20s: %12lld\n", #X, (long long int)pcpu_stats_ai.X)

	seq_printf(m,
			"Percpu Memory Statistics\n"
			"Allocation Info:\n"
			"----------------------------------------\n");
	PL(unit_size);
	PL(static_size);
	PL(reserved_size);
	PL(dyn_size);
	PL(atom_size);
	PL(alloc_size);
	seq_putc(m, '\n');

#undef PL

#define PU(X) \
	seq_printf(m, "  %-20s: %12llu\n", #X, (unsigned long long)pcpu_stats.X)

	seq_printf(m,
			"Global Stats:\n"
			"----------------------------------------\n");
	PU(nr_alloc);
	PU(nr_dealloc);
	PU(nr_cur_alloc);
	PU(nr_max_alloc);
	PU(nr_chunks);
	PU(nr_max_chunks);
	PU(min_alloc_size);
	PU(max_alloc_size);
	PU(alloc_bits_scanned);
	PU(free_bits_scanned);
	PU(max_alloc_scanned);
	PU(max_free_scanned);
	P("empty_pop_pages", pcpu_nr_empty_pop_pages);
	seq_putc(m, '\n');

#undef PU

	seq_printf(m,
			"Per Chunk Stats:\n"
			"----------------------------------------\n");

	if (pcpu_reserved_chunk) {
		seq_puts(m, "Chunk: <- Reserved Chunk\n");
		chunk_map_stats(m, pcpu_reserved_chunk);
	}

	for (slot = 0; slot < pcpu_nr_slots; slot++) {
		list_for_each_entry(chunk, &pcpu_chunk_lists[slot], list) {
			if (chunk == pcpu_first_chunk)
				seq_puts(m, "Chunk: <- First Chunk\n");
			else if (slot == pcpu_to_depopulate_slot)
				seq_puts(m, "Chunk (to_depopulate)\n");
			else if (slot == pcpu_sidelined_slot)
				seq_puts(m, "Chunk (sidelined):\n");
			else
				seq_puts(m, "Chunk:\n");
			chunk_map_stats(m, chunk);
		}
	}

	spin_unlock_irq(&pcpu_lock);

	return 0;
}
DEFINE_SHOW_ATTRIBUTE(percpu_stats);

static int __init init_percpu_stats_debugfs(void)
{
	debugfs_create_file("percpu_stats", 0444, NULL, NULL,
			&percpu_stats_fops);

	return 0;
}

late_initcall(init_percpu_stats_debugfs);
