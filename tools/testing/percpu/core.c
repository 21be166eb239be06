// SPDX-License-Identifier: GPL-2.0-only
/*
 * The chunk map of the percpu allocator in userspace: mm/percpu-bitmap.c
 * itself, included as mm/percpu.c includes it, after stand-ins for what it
 * calls from mm/percpu.c (the slot helpers, the empty page count, the
 * globals and the lock).  The stand-ins are mm/percpu.c's code where it is
 * short (here and in slots.h); the chunk constructors make the calls into
 * the chunk map that pcpu_alloc_chunk() and pcpu_alloc_first_chunk() make,
 * with calloc() for the metadata.
 */
#include <stdarg.h>

#include "core.h"

/* the globals of mm/percpu.c that the chunk map and its helpers read */
static int pcpu_unit_pages;
static int pcpu_unit_size;
static int pcpu_free_slot;
int pcpu_nr_slots;
int pcpu_sidelined_slot;
int pcpu_to_depopulate_slot;
int pcpu_nr_empty_pop_pages;
struct list_head *pcpu_chunk_lists;
struct pcpu_chunk *pcpu_first_chunk;
struct pcpu_chunk *pcpu_reserved_chunk;
DEFINE_SPINLOCK(pcpu_lock);

#ifdef CONFIG_PERCPU_STATS
struct percpu_stats pcpu_stats;
struct pcpu_alloc_info pcpu_stats_ai;
unsigned int pcpu_stats_scanned;
#endif

int pcpu_test_warnings;
bool pcpu_test_verbose;

void pcpu_test_warn(const char *fmt, ...)
{
	va_list ap;

	pcpu_test_warnings++;
	if (!pcpu_test_verbose)
		return;
	va_start(ap, fmt);
	fprintf(stderr, "WARNING: ");
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

/* mm/percpu.c: the slots, by the longest free run of their chunks */
#define PCPU_SLOT_BASE_SHIFT		5

static int __pcpu_size_to_slot(int size)
{
	int highbit = fls(size);	/* size is in bytes */

	return max(highbit - PCPU_SLOT_BASE_SHIFT + 2, 1);
}

static int pcpu_size_to_slot(int size)
{
	if (size == pcpu_unit_size)
		return pcpu_free_slot;
	return __pcpu_size_to_slot(size);
}

static int pcpu_chunk_slot(const struct pcpu_chunk *chunk)
{
	int contig = pcpu_chunk_contig(chunk);

	if (!contig)
		return 0;

	return pcpu_size_to_slot(contig * PCPU_MIN_ALLOC_SIZE);
}

/* mm/percpu.c: chunk->map_seq, for free_percpu(), which is not here */
static inline void pcpu_map_write_begin(struct pcpu_chunk *chunk)
{
}

static inline void pcpu_map_write_end(struct pcpu_chunk *chunk)
{
}

#include "slots.h"
#include "../../../mm/percpu-bitmap.c"

const int pcpu_test_fold_batch = PCPU_TREE_FOLD_BATCH;

void pcpu_test_setup(int unit_pages)
{
	int slot;

	free(pcpu_chunk_lists);
	pcpu_unit_pages = unit_pages;
	pcpu_unit_size = unit_pages << PAGE_SHIFT;
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
	pcpu_first_chunk = NULL;
	pcpu_reserved_chunk = NULL;
}

static void *pcpu_test_zalloc(size_t size)
{
	void *ptr = calloc(1, size);

	if (!ptr)
		abort();
	return ptr;
}

/*
 * The metadata of a chunk of @nr_pages pages, of pcpu_alloc_chunk()'s
 * sizes, but one calloc() per array where pcpu_alloc_chunk() carves them
 * out of two blocks, so that ASan keeps a redzone around each; no live
 * map, which the chunk map does not use.
 */
static struct pcpu_chunk *pcpu_test_chunk_alloc(int nr_pages)
{
	struct pcpu_chunk *chunk;
	int map_longs = BITS_TO_LONGS(pcpu_nr_pages_to_map_bits(nr_pages));

	chunk = pcpu_test_zalloc(struct_size(chunk, populated,
					     BITS_TO_LONGS(nr_pages)));
	INIT_LIST_HEAD(&chunk->list);
	chunk->nr_pages = nr_pages;
	chunk->alloc_map = pcpu_test_zalloc(map_longs * sizeof(long));
	chunk->bound_map = pcpu_test_zalloc(map_longs * sizeof(long));
	chunk->md_blocks = pcpu_test_zalloc(pcpu_chunk_nr_blocks(chunk) *
					    sizeof(chunk->md_blocks[0]));
	/* as pcpu_alloc_chunk(): two leaves at least */
	chunk->nr_tree_leaves =
		roundup_pow_of_two(max(pcpu_chunk_nr_blocks(chunk), 2));
	chunk->tree = pcpu_test_zalloc(2 * chunk->nr_tree_leaves *
				       sizeof(chunk->tree[0]));
	chunk->tree_dirty = pcpu_test_zalloc(BITS_TO_LONGS(pcpu_chunk_nr_blocks(chunk)) *
					     sizeof(long));
	INIT_LIST_HEAD(&chunk->stale_list);
	return chunk;
}

struct pcpu_chunk *pcpu_test_chunk_create(void)
{
	struct pcpu_chunk *chunk = pcpu_test_chunk_alloc(pcpu_unit_pages);

	chunk->free_bytes = pcpu_unit_size;
	pcpu_init_md_blocks(chunk);
	/* as pcpu_create_chunk()'s callers in mm/percpu.c */
	pthread_mutex_lock(&pcpu_lock);
	pcpu_chunk_relocate(chunk, -1);
	pthread_mutex_unlock(&pcpu_lock);
	return chunk;
}

struct pcpu_chunk *pcpu_test_first_chunk_create(int start_offset, int map_size,
						bool reserved)
{
	int region_size = ALIGN(start_offset + map_size, PAGE_SIZE);
	struct pcpu_chunk *chunk;

	chunk = pcpu_test_chunk_alloc(region_size >> PAGE_SHIFT);
	chunk->start_offset = start_offset;
	chunk->end_offset = region_size - start_offset - map_size;
	chunk->immutable = true;
	bitmap_fill(chunk->populated, chunk->nr_pages);
	chunk->nr_populated = chunk->nr_pages;
	chunk->nr_empty_pop_pages = chunk->nr_pages;
	if (reserved)
		pcpu_reserved_chunk = chunk;
	else
		pcpu_nr_empty_pop_pages += chunk->nr_pages;

	/* pcpu_alloc_first_chunk() */
	pthread_mutex_lock(&pcpu_lock);
	chunk->free_bytes = region_size;
	pcpu_init_md_blocks(chunk);
	if (start_offset)
		pcpu_set_area(chunk, 0, start_offset / PCPU_MIN_ALLOC_SIZE);
	if (chunk->end_offset)
		pcpu_set_area(chunk, (start_offset + map_size) /
			      PCPU_MIN_ALLOC_SIZE,
			      chunk->end_offset / PCPU_MIN_ALLOC_SIZE);
	pcpu_tree_build(chunk);
	/* pcpu_setup_first_chunk() puts the first chunk on its slot */
	pcpu_chunk_relocate(chunk, -1);
	pthread_mutex_unlock(&pcpu_lock);
	return chunk;
}

void pcpu_test_chunk_destroy(struct pcpu_chunk *chunk)
{
	if (!chunk)
		return;
	pthread_mutex_lock(&pcpu_lock);
	list_del_init(&chunk->stale_list);
	list_del(&chunk->list);
	if (chunk != pcpu_reserved_chunk && !chunk->isolated)
		pcpu_nr_empty_pop_pages -= chunk->nr_empty_pop_pages;
	if (chunk == pcpu_reserved_chunk)
		pcpu_reserved_chunk = NULL;
	pthread_mutex_unlock(&pcpu_lock);
	free(chunk->tree_dirty);
	free(chunk->tree);
	free(chunk->md_blocks);
	free(chunk->bound_map);
	free(chunk->alloc_map);
	free(chunk);
}

void pcpu_test_populate(struct pcpu_chunk *chunk, int page_start, int page_end)
{
	int i, nr = page_end - page_start, nr_empty = 0;

	/* pcpu_chunk_populated() */
	pthread_mutex_lock(&pcpu_lock);
	bitmap_set(chunk->populated, page_start, nr);
	chunk->nr_populated += nr;
	for (i = page_start; i < page_end; i++)
		nr_empty += chunk->md_blocks[i].contig == PCPU_BITMAP_BLOCK_BITS;
	pcpu_update_empty_pages(chunk, nr_empty);
	pthread_mutex_unlock(&pcpu_lock);
}

int pcpu_test_alloc_area(struct pcpu_chunk *chunk, int size, int align,
			 bool pop_only, int *budget)
{
	int batch = PCPU_TREE_FOLD_BATCH, off;

	pthread_mutex_lock(&pcpu_lock);
#ifdef CONFIG_PERCPU_STATS
	pcpu_stats_scan_reset();
#endif
	off = pcpu_alloc_area(chunk, size / PCPU_MIN_ALLOC_SIZE,
			      align / PCPU_MIN_ALLOC_SIZE, pop_only,
			      budget ?: &batch);
	pthread_mutex_unlock(&pcpu_lock);
	return off;
}

int pcpu_test_find_fit(struct pcpu_chunk *chunk, int size, int align,
		       bool pop_only)
{
	int bit;

	pthread_mutex_lock(&pcpu_lock);
	bit = pcpu_find_fit(chunk, chunk->first_free, size / PCPU_MIN_ALLOC_SIZE,
			    align / PCPU_MIN_ALLOC_SIZE, pop_only);
	pthread_mutex_unlock(&pcpu_lock);
	return bit < 0 ? -1 : bit * PCPU_MIN_ALLOC_SIZE;
}

bool pcpu_test_page_is_empty(struct pcpu_chunk *chunk, int page)
{
	return pcpu_page_is_empty(chunk, page);
}

bool pcpu_test_cannot_fit(struct pcpu_chunk *chunk, int size, int align)
{
	bool ret;

	pthread_mutex_lock(&pcpu_lock);
	ret = pcpu_chunk_cannot_fit(chunk, size / PCPU_MIN_ALLOC_SIZE,
				    align / PCPU_MIN_ALLOC_SIZE);
	pthread_mutex_unlock(&pcpu_lock);
	return ret;
}

/* pcpu_free_area(), and what free_percpu() adds around it if @as_free_percpu */
static int pcpu_test_free_locked(struct pcpu_chunk *chunk, int off,
				 bool as_free_percpu)
{
	int size;

	pthread_mutex_lock(&pcpu_lock);
#ifdef CONFIG_PERCPU_STATS
	pcpu_stats_scan_reset();
#endif
	size = pcpu_free_area(chunk, off);
	/* free_percpu(): fully free chunks are found in the free slot */
	if (as_free_percpu && !chunk->isolated &&
	    chunk->free_bytes == pcpu_unit_size)
		pcpu_chunk_fold_whole(chunk);
	pthread_mutex_unlock(&pcpu_lock);
	return size;
}

void pcpu_test_free_many(struct pcpu_chunk *chunk, const int *offs, int nr,
			 int size)
{
	int *bit_offs = pcpu_test_zalloc(nr * sizeof(*bit_offs)), i;
	unsigned int most = 0;
	u64 scanned = 0;

	for (i = 0; i < nr; i++)
		bit_offs[i] = offs[i] / PCPU_MIN_ALLOC_SIZE;
	pthread_mutex_lock(&pcpu_lock);
	pcpu_free_bits_many(chunk, bit_offs, nr, size / PCPU_MIN_ALLOC_SIZE,
			    &scanned, &most);
	if (!chunk->isolated && chunk->free_bytes == pcpu_unit_size)
		pcpu_chunk_fold_whole(chunk);
	pthread_mutex_unlock(&pcpu_lock);
	free(bit_offs);
}

void pcpu_test_split_area(struct pcpu_chunk *chunk, int off, int nr, int size)
{
	pthread_mutex_lock(&pcpu_lock);
	pcpu_split_area(chunk, off / PCPU_MIN_ALLOC_SIZE, nr,
			size / PCPU_MIN_ALLOC_SIZE);
	pthread_mutex_unlock(&pcpu_lock);
}

int pcpu_test_free_area(struct pcpu_chunk *chunk, int off)
{
	return pcpu_test_free_locked(chunk, off, false);
}

int pcpu_test_free(struct pcpu_chunk *chunk, int off)
{
	return pcpu_test_free_locked(chunk, off, true);
}

void pcpu_test_fold(struct pcpu_chunk *chunk, int *budget)
{
	pthread_mutex_lock(&pcpu_lock);
	if (budget)
		pcpu_chunk_fold(chunk, budget);
	else
		pcpu_chunk_fold_whole(chunk);
	pthread_mutex_unlock(&pcpu_lock);
}

bool pcpu_test_fold_stale(int *budget)
{
	bool ret;

	pthread_mutex_lock(&pcpu_lock);
	ret = pcpu_fold_stale(budget);
	pthread_mutex_unlock(&pcpu_lock);
	return ret;
}

int pcpu_test_unit_size(void)
{
	return pcpu_unit_size;
}

bool pcpu_test_is_stale(struct pcpu_chunk *chunk)
{
	return !list_empty(&chunk->stale_list);
}

int pcpu_test_chunk_slot(struct pcpu_chunk *chunk)
{
	return pcpu_chunk_slot(chunk);
}

int pcpu_test_slot_of(struct pcpu_chunk *chunk)
{
	struct list_head *pos;

	for (pos = chunk->list.next; pos != &chunk->list; pos = pos->next)
		if (pos >= pcpu_chunk_lists &&
		    pos < pcpu_chunk_lists + pcpu_nr_slots)
			return pos - pcpu_chunk_lists;
	return -1;
}
