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
#include <linux/sort.h>
#include <linux/vmalloc.h>

#include "percpu-internal.h"

#define P(X, Y) \
	seq_printf(m, "  %-20s: %12lld\n", X, (long long int)Y)

struct percpu_stats pcpu_stats;
struct pcpu_alloc_info pcpu_stats_ai;

unsigned int pcpu_stats_scanned;

static int cmpint(const void *a, const void *b)
{
	return *(int *)a - *(int *)b;
}

/*
 * Iterates over all chunks to find the max nr_alloc entries.
 */
static int find_max_nr_alloc(void)
{
	struct pcpu_chunk *chunk;
	int slot, max_nr_alloc;

	max_nr_alloc = 0;
	for (slot = 0; slot < pcpu_nr_slots; slot++)
		list_for_each_entry(chunk, &pcpu_chunk_lists[slot], list)
			max_nr_alloc = max(max_nr_alloc, chunk->nr_alloc);
	if (pcpu_reserved_chunk)
		max_nr_alloc = max(max_nr_alloc, pcpu_reserved_chunk->nr_alloc);

	return max_nr_alloc;
}

/*
 * The longest free run of a chunk, in bits, from its blocks alone: the
 * summary tree is folded lazily, and a read of the statistics leaves it
 * as it is, so that reading them changes none of the allocator's choices.
 */
static int chunk_contig(struct pcpu_chunk *chunk)
{
	int i, run = 0, contig = 0;

	for (i = 0; i < pcpu_chunk_nr_blocks(chunk); i++) {
		struct pcpu_block_md *block = chunk->md_blocks + i;

		if (block->contig == PCPU_BITMAP_BLOCK_BITS) {
			run += PCPU_BITMAP_BLOCK_BITS;
			continue;
		}
		contig = max3(contig, run + block->left, block->contig);
		run = block->right;
	}
	return max(contig, run);
}

/*
 * Prints out chunk state.  Fragmentation is considered between the
 * beginning of the chunk and the last allocation, from the bitmaps.
 * After upstream's fields come the metadata blocks': how many pages are
 * empty and full, and one character per page: '.' for an empty page, '#'
 * for a full one, and otherwise the tenths of the page that its longest
 * free run covers.
 *
 * All statistics are in bytes unless stated otherwise.
 */
static void chunk_map_stats(struct seq_file *m, struct pcpu_chunk *chunk,
			    int *buffer)
{
	int start = chunk->start_offset / PCPU_MIN_ALLOC_SIZE;
	int end = pcpu_chunk_map_bits(chunk) -
		  chunk->end_offset / PCPU_MIN_ALLOC_SIZE;
	int i, as_len = 0, last_alloc = -1, next;
	int nr_empty = 0, nr_full = 0;
	int *alloc_sizes = buffer, *p;
	/* statistics */
	int sum_frag = 0, max_frag = 0;
	int cur_min_alloc = 0, cur_med_alloc = 0, cur_max_alloc = 0;

	/*
	 * Positive values are allocations and negative values are free
	 * runs, over the region the chunk serves, up to its last
	 * allocation.  An allocation ends at the next bound bit or free bit.
	 */
	while (start < end) {
		if (test_bit(start, chunk->bound_map)) {
			next = find_next_bit(chunk->bound_map, end, start + 1);
			next = find_next_zero_bit(chunk->alloc_map, next,
						  start + 1);
			alloc_sizes[as_len] = (next - start) *
					      PCPU_MIN_ALLOC_SIZE;
			last_alloc = as_len;
		} else {
			next = find_next_bit(chunk->alloc_map, end, start + 1);
			alloc_sizes[as_len] = -(next - start) *
					      PCPU_MIN_ALLOC_SIZE;
		}
		as_len++;
		start = next;
	}
	as_len = last_alloc + 1;

	/*
	 * The negative values are free fragments and thus sorting gives the
	 * free fragments at the beginning in largest first order.
	 */
	if (as_len > 0) {
		sort(alloc_sizes, as_len, sizeof(int), cmpint, NULL);

		/* iterate through the unallocated fragments */
		for (i = 0, p = alloc_sizes; *p < 0 && i < as_len; i++, p++) {
			sum_frag -= *p;
			max_frag = max(max_frag, -1 * (*p));
		}

		cur_min_alloc = alloc_sizes[i];
		cur_med_alloc = alloc_sizes[(i + as_len - 1) / 2];
		cur_max_alloc = alloc_sizes[as_len - 1];
	}

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
	P("contig_bytes", chunk_contig(chunk) * PCPU_MIN_ALLOC_SIZE);
	P("sum_frag", sum_frag);
	P("max_frag", max_frag);
	P("cur_min_alloc", cur_min_alloc);
	P("cur_med_alloc", cur_med_alloc);
	P("cur_max_alloc", cur_max_alloc);
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
	struct pcpu_cache_stats cs;
	struct pcpu_chunk *chunk;
	int slot, max_nr_alloc;
	int *buffer;

	/* before pcpu_lock, which nests inside the caches' locks */
	pcpu_cache_stats(&cs);

alloc_buffer:
	spin_lock_irq(&pcpu_lock);
	max_nr_alloc = find_max_nr_alloc();
	spin_unlock_irq(&pcpu_lock);

	/* there can be at most this many free and allocated fragments */
	buffer = vmalloc_array(2 * max_nr_alloc + 1, sizeof(int));
	if (!buffer)
		return -ENOMEM;

	spin_lock_irq(&pcpu_lock);

	/* if the buffer allocated earlier is too small */
	if (max_nr_alloc < find_max_nr_alloc()) {
		spin_unlock_irq(&pcpu_lock);
		vfree(buffer);
		goto alloc_buffer;
	}

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
	/*
	 * The calls of the API: the chunks' own counts less what the
	 * caches moved in and out of them, plus what they handed out and
	 * took back.  An object on a cache is allocated in its chunk but
	 * not live.
	 */
	P("nr_alloc", pcpu_stats.nr_alloc - cs.nr_refilled + cs.nr_out);
	P("nr_dealloc", pcpu_stats.nr_dealloc - cs.nr_flushed + cs.nr_in);
	P("nr_cur_alloc", pcpu_stats.nr_cur_alloc - cs.nr_cached);
	PU(nr_max_alloc);
	P("nr_cached", cs.nr_cached);
	P("cache_hits", cs.nr_hit);
	P("cache_misses", cs.nr_miss);
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
		chunk_map_stats(m, pcpu_reserved_chunk, buffer);
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
			chunk_map_stats(m, chunk, buffer);
		}
	}

	spin_unlock_irq(&pcpu_lock);

	vfree(buffer);

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
