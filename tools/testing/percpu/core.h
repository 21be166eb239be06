/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The harness's entry points into the chunk map of mm/percpu-bitmap.c,
 * which core.c builds: its functions are static, as in mm/percpu.c, and
 * these wrappers make the calls that mm/percpu.c makes, under pcpu_lock.
 * Sizes, alignments and offsets are in bytes unless a name says bits.
 */
#ifndef _PERCPU_TEST_CORE_H
#define _PERCPU_TEST_CORE_H

#include "internal.h"

/*
 * pcpu_test_setup - the allocator's globals for units of @unit_pages pages
 *
 * pcpu_unit_size and the slots, as pcpu_setup_first_chunk() sets them;
 * also forgets any reserved chunk.  No chunk may be live.
 */
void pcpu_test_setup(int unit_pages);

/* A chunk of the unit's pages, none populated, as pcpu_alloc_chunk() makes. */
struct pcpu_chunk *pcpu_test_chunk_create(void);

/*
 * A chunk serving @map_size bytes from @start_offset into its first page,
 * populated and immutable, as pcpu_alloc_first_chunk() makes for the first
 * chunk and for the reserved chunk (@reserved: it becomes
 * pcpu_reserved_chunk, which is on no slot and counts no empty pages).
 */
struct pcpu_chunk *pcpu_test_first_chunk_create(int start_offset, int map_size,
						bool reserved);

void pcpu_test_chunk_destroy(struct pcpu_chunk *chunk);

/* Pages [@page_start, @page_end) were populated: pcpu_chunk_populated(). */
void pcpu_test_populate(struct pcpu_chunk *chunk, int page_start, int page_end);

/*
 * pcpu_alloc_area() with @budget leaves to fold (NULL: the budget of one
 * allocation, PCPU_TREE_FOLD_BATCH).  Returns the offset or -1.
 */
int pcpu_test_alloc_area(struct pcpu_chunk *chunk, int size, int align,
			 bool pop_only, int *budget);

/*
 * pcpu_find_fit() from the chunk's first free bit, which changes nothing:
 * the first fit the hints lead to, or -1.
 */
int pcpu_test_find_fit(struct pcpu_chunk *chunk, int size, int align,
		       bool pop_only);

/* pcpu_page_is_empty(), which the balance work reads. */
bool pcpu_test_page_is_empty(struct pcpu_chunk *chunk, int page);

/* pcpu_chunk_cannot_fit(): whether the hints rule the request out. */
bool pcpu_test_cannot_fit(struct pcpu_chunk *chunk, int size, int align);

/*
 * pcpu_free_bits_many(): free the @nr allocations of @size bytes at @offs,
 * as a per-CPU cache gives its objects back, and fold the chunk if that
 * emptied it, as pcpu_chunk_freed() does.
 */
void pcpu_test_free_many(struct pcpu_chunk *chunk, const int *offs, int nr,
			 int size);

/*
 * pcpu_split_area(): the allocation of @nr * @size bytes at @off becomes
 * @nr allocations of @size bytes, as a cache's refill splits its area.
 */
void pcpu_test_split_area(struct pcpu_chunk *chunk, int off, int nr, int size);

/* pcpu_free_area(): the bytes freed, 0 if @off starts no allocation. */
int pcpu_test_free_area(struct pcpu_chunk *chunk, int off);

/*
 * What free_percpu() does with the chunk: pcpu_free_area(), and a fold of
 * the chunk if that emptied it.
 */
int pcpu_test_free(struct pcpu_chunk *chunk, int off);

/* pcpu_chunk_fold() with *@budget; pcpu_chunk_fold_whole() if NULL. */
void pcpu_test_fold(struct pcpu_chunk *chunk, int *budget);

/* PCPU_TREE_FOLD_BATCH: the leaves each allocation may fold. */
extern const int pcpu_test_fold_batch;

/* pcpu_fold_stale(): fold stale chunks while *@budget lasts. */
bool pcpu_test_fold_stale(int *budget);

/* Whether @chunk has frees not folded yet (it is on pcpu_stale_chunks). */
bool pcpu_test_is_stale(struct pcpu_chunk *chunk);

/* The slot the chunk's root gives (pcpu_chunk_slot()), and the one it is on. */
int pcpu_test_chunk_slot(struct pcpu_chunk *chunk);
int pcpu_test_slot_of(struct pcpu_chunk *chunk);

/* pcpu_unit_size: a chunk with this many bytes free is fully free. */
int pcpu_test_unit_size(void);

/* WARN()s so far, and whether to print them. */
extern int pcpu_test_warnings;
extern bool pcpu_test_verbose;

#endif /* _PERCPU_TEST_CORE_H */
