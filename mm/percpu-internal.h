/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MM_PERCPU_INTERNAL_H
#define _MM_PERCPU_INTERNAL_H

#include <linux/types.h>
#include <linux/percpu.h>
#include <linux/memcontrol.h>

/*
 * pcpu_block_md is the metadata of one page of a chunk's bitmap, in bits.
 * All are exact but @other, which is at least the length of every free
 * run of the block other than the one at @contig_start.
 */
struct pcpu_block_md {
	int			contig;		/* longest free run */
	int			contig_start;	/* where it starts */
	int			other;		/* bound of the other runs */
	int			left;		/* free run at the left edge */
	int			right;		/* free run at the right edge */
	int			first_free;	/* first free bit */
};

/*
 * pcpu_span summarises the blocks under a node of the summary tree: the
 * free runs at its left and right edges and its longest free run.
 */
struct pcpu_span {
	int			left;
	int			right;
	int			contig;
};

/*
 * pcpu_fit_memo: no fit of at least @bits bits at the alignment it is kept
 * for starts before bit @bit of the chunk.  One per alignment order, from
 * PCPU_MIN_ALLOC_SIZE to PAGE_SIZE.
 */
struct pcpu_fit_memo {
	int			bit;
	int			bits;
};

#define PCPU_NR_ALIGN_ORDERS	(PAGE_SHIFT - PCPU_MIN_ALLOC_SHIFT + 1)

struct pcpuobj_ext {
#ifdef CONFIG_MEMCG
	struct obj_cgroup	*cgroup;
#endif
#ifdef CONFIG_MEM_ALLOC_PROFILING
	union codetag_ref	tag;
#endif
};

#if defined(CONFIG_MEMCG) || defined(CONFIG_MEM_ALLOC_PROFILING)
#define NEED_PCPUOBJ_EXT
#endif

struct pcpu_chunk {
#ifdef CONFIG_PERCPU_STATS
	int			nr_alloc;	/* # of allocations */
	size_t			max_alloc_size; /* largest allocation size */
#endif

	struct list_head	list;		/* linked to pcpu_slot lists */
	int			free_bytes;	/* free bytes in the chunk */
	seqcount_spinlock_t	map_seq;	/* alloc_map and bound_map writes */
	int			first_free;	/* first free bit */
	struct pcpu_span	*tree;		/* summary of the blocks */
	int			nr_tree_leaves;	/* blocks, to a power of 2 */
	unsigned long		*tree_dirty;	/* leaves changed since a fold */
	struct list_head	stale_list;	/* on pcpu_stale_chunks */
	struct pcpu_fit_memo	fit_memo[PCPU_NR_ALIGN_ORDERS];
	int			memo_floor;	/* frees not yet in the memos */
	unsigned long		*bound_map;	/* allocation starts */
	unsigned long		*live_map;	/* starts of live objects */

	/*
	 * base_addr is the base address of this chunk.
	 * To reduce false sharing, current layout is optimized to make sure
	 * base_addr locate in the different cacheline with free_bytes and
	 * the hints.
	 */
	void			*base_addr ____cacheline_aligned_in_smp;

	unsigned long		*alloc_map;	/* allocation map */
	struct pcpu_block_md	*md_blocks;	/* metadata blocks */

	void			*data;		/* chunk data */
	bool			immutable;	/* no [de]population allowed */
	bool			isolated;	/* isolated from active chunk
						   slots */
	int			start_offset;	/* the overlap with the previous
						   region to have a page aligned
						   base_addr */
	int			end_offset;	/* additional area required to
						   have the region end page
						   aligned */
#ifdef NEED_PCPUOBJ_EXT
	struct pcpuobj_ext	*obj_exts;	/* vector of object cgroups */
#endif

	int			nr_pages;	/* # of pages served by this chunk */
	int			nr_populated;	/* # of populated pages */
	int                     nr_empty_pop_pages; /* # of empty populated pages */
	unsigned long		populated[];	/* populated bitmap */
};

static inline bool need_pcpuobj_ext(void)
{
	if (IS_ENABLED(CONFIG_MEM_ALLOC_PROFILING))
		return true;
	if (!mem_cgroup_kmem_disabled())
		return true;
	return false;
}

extern spinlock_t pcpu_lock;

extern struct list_head *pcpu_chunk_lists;
extern int pcpu_nr_slots;
extern int pcpu_sidelined_slot;
extern int pcpu_to_depopulate_slot;
extern int pcpu_nr_empty_pop_pages;

extern struct pcpu_chunk *pcpu_first_chunk;
extern struct pcpu_chunk *pcpu_reserved_chunk;

/**
 * pcpu_chunk_nr_blocks - converts nr_pages to # of md_blocks
 * @chunk: chunk of interest
 */
static inline int pcpu_chunk_nr_blocks(const struct pcpu_chunk *chunk)
{
	return chunk->nr_pages * PAGE_SIZE / PCPU_BITMAP_BLOCK_SIZE;
}

/**
 * pcpu_chunk_contig - the root of a chunk's summary tree, in bits
 * @chunk: chunk of interest
 *
 * The chunk's longest free run once the chunk is folded; until then it may
 * be higher after allocations and lower after frees (see mm/percpu.c).
 */
static inline int pcpu_chunk_contig(const struct pcpu_chunk *chunk)
{
	return chunk->tree[1].contig;
}

/**
 * pcpu_memo_bit - where the fits a memo is about may start
 * @chunk: chunk of interest
 * @memo: one of its fit memos
 *
 * The memo's bit, lowered by the frees not yet folded into the memos.
 */
static inline int pcpu_memo_bit(const struct pcpu_chunk *chunk,
				const struct pcpu_fit_memo *memo)
{
	return min(memo->bit, chunk->memo_floor);
}

/**
 * pcpu_nr_pages_to_map_bits - converts pages to allocation units
 * @pages: number of physical pages
 *
 * The number of PCPU_MIN_ALLOC_SIZE units in @pages, which is the size of
 * the per-object extension vector (indexed by offset / PCPU_MIN_ALLOC_SIZE).
 */
static inline int pcpu_nr_pages_to_map_bits(int pages)
{
	return pages * PAGE_SIZE / PCPU_MIN_ALLOC_SIZE;
}

/**
 * pcpu_chunk_map_bits - helper to convert nr_pages to allocation units
 * @chunk: chunk of interest
 *
 * The number of PCPU_MIN_ALLOC_SIZE units in the pages @chunk serves.
 */
static inline int pcpu_chunk_map_bits(struct pcpu_chunk *chunk)
{
	return pcpu_nr_pages_to_map_bits(chunk->nr_pages);
}

/**
 * pcpu_obj_full_size - helper to calculate size of each accounted object
 * @size: size of area to allocate in bytes
 *
 * For each accounted object there is an extra space which is used to store
 * obj_cgroup membership if kmemcg is not disabled. Charge it too.
 */
static inline size_t pcpu_obj_full_size(size_t size)
{
	size_t extra_size = 0;

#ifdef CONFIG_MEMCG
	if (!mem_cgroup_kmem_disabled())
		extra_size += size / PCPU_MIN_ALLOC_SIZE * sizeof(struct obj_cgroup *);
#endif

	return size * num_possible_cpus() + extra_size;
}

#ifdef CONFIG_PERCPU_STATS

#include <linux/spinlock.h>

struct percpu_stats {
	u64 nr_alloc;		/* lifetime # of allocations */
	u64 nr_dealloc;		/* lifetime # of deallocations */
	u64 nr_cur_alloc;	/* current # of allocations */
	u64 nr_max_alloc;	/* max # of live allocations */
	u32 nr_chunks;		/* current # of live chunks */
	u32 nr_max_chunks;	/* max # of live chunks */
	size_t min_alloc_size;	/* min allocation size */
	size_t max_alloc_size;	/* max allocation size */
	u64 alloc_bits_scanned;	/* bitmap bits scanned by allocations */
	u64 free_bits_scanned;	/* bitmap bits scanned by frees */
	u32 max_alloc_scanned;	/* most bits one allocation scanned */
	u32 max_free_scanned;	/* most bits one free scanned */
};

/* What the per-CPU caches did, summed over the CPUs (mm/percpu.c). */
struct pcpu_cache_stats {
	u64 nr_hit;		/* allocations from a cache, no refill */
	u64 nr_miss;		/* allocations that refilled or tried */
	u64 nr_out;		/* objects handed out from a cache */
	u64 nr_in;		/* frees that put their object on a cache */
	u64 nr_refilled;	/* objects refills took from the chunks */
	u64 nr_flushed;		/* objects the caches gave back */
	u64 nr_cached;		/* objects on a cache now */
};

extern struct percpu_stats pcpu_stats;
extern struct pcpu_alloc_info pcpu_stats_ai;
extern unsigned int pcpu_stats_scanned;

void pcpu_cache_stats(struct pcpu_cache_stats *s);

/*
 * pcpu_stats_scan - count bitmap bits scanned by the current operation
 * @bits: bits scanned
 *
 * CONTEXT:
 * pcpu_lock.
 */
static inline void pcpu_stats_scan(int bits)
{
	pcpu_stats_scanned += bits;
}

/* Start counting the bits the next operation scans. */
static inline void pcpu_stats_scan_reset(void)
{
	pcpu_stats_scanned = 0;
}

/*
 * For debug purposes. We don't care about the flexible array.
 */
static inline void pcpu_stats_save_ai(const struct pcpu_alloc_info *ai)
{
	memcpy(&pcpu_stats_ai, ai, sizeof(struct pcpu_alloc_info));

	/* initialize min_alloc_size to unit_size */
	pcpu_stats.min_alloc_size = pcpu_stats_ai.unit_size;
}

/*
 * pcpu_stats_area_alloc - increment area allocation stats
 * @chunk: the location of the area being allocated
 * @size: size of area to allocate in bytes
 *
 * CONTEXT:
 * pcpu_lock.
 */
static inline void pcpu_stats_area_alloc(struct pcpu_chunk *chunk, size_t size)
{
	lockdep_assert_held(&pcpu_lock);

	pcpu_stats.alloc_bits_scanned += pcpu_stats_scanned;
	pcpu_stats.max_alloc_scanned =
		max(pcpu_stats.max_alloc_scanned, pcpu_stats_scanned);
	pcpu_stats.nr_alloc++;
	pcpu_stats.nr_cur_alloc++;
	pcpu_stats.nr_max_alloc =
		max(pcpu_stats.nr_max_alloc, pcpu_stats.nr_cur_alloc);
	pcpu_stats.min_alloc_size =
		min(pcpu_stats.min_alloc_size, size);
	pcpu_stats.max_alloc_size =
		max(pcpu_stats.max_alloc_size, size);

	chunk->nr_alloc++;
	chunk->max_alloc_size = max(chunk->max_alloc_size, size);
}

/*
 * pcpu_stats_area_dealloc - decrement allocation stats
 * @chunk: the location of the area being deallocated
 *
 * CONTEXT:
 * pcpu_lock.
 */
static inline void pcpu_stats_area_dealloc(struct pcpu_chunk *chunk)
{
	lockdep_assert_held(&pcpu_lock);

	pcpu_stats.free_bits_scanned += pcpu_stats_scanned;
	pcpu_stats.max_free_scanned =
		max(pcpu_stats.max_free_scanned, pcpu_stats_scanned);
	pcpu_stats.nr_dealloc++;
	pcpu_stats.nr_cur_alloc--;

	chunk->nr_alloc--;
}

/* The bits the current operation scanned so far. */
static inline unsigned int pcpu_stats_scan_count(void)
{
	return pcpu_stats_scanned;
}

/*
 * pcpu_stats_area_dealloc_many - pcpu_stats_area_dealloc() for a batch
 * @chunk: the location of the areas
 * @nr: how many areas the batch freed
 * @scanned: the bits their frees scanned, in all
 * @most: the most bits one of them scanned
 *
 * CONTEXT:
 * pcpu_lock.
 */
static inline void pcpu_stats_area_dealloc_many(struct pcpu_chunk *chunk,
						int nr, u64 scanned,
						unsigned int most)
{
	lockdep_assert_held(&pcpu_lock);

	pcpu_stats.free_bits_scanned += scanned;
	pcpu_stats.max_free_scanned = max(pcpu_stats.max_free_scanned, most);
	pcpu_stats.nr_dealloc += nr;
	pcpu_stats.nr_cur_alloc -= nr;

	chunk->nr_alloc -= nr;
}

/*
 * pcpu_stats_chunk_alloc - increment chunk stats
 */
static inline void pcpu_stats_chunk_alloc(void)
{
	unsigned long flags;
	spin_lock_irqsave(&pcpu_lock, flags);

	pcpu_stats.nr_chunks++;
	pcpu_stats.nr_max_chunks =
		max(pcpu_stats.nr_max_chunks, pcpu_stats.nr_chunks);

	spin_unlock_irqrestore(&pcpu_lock, flags);
}

/*
 * pcpu_stats_chunk_dealloc - decrement chunk stats
 */
static inline void pcpu_stats_chunk_dealloc(void)
{
	unsigned long flags;
	spin_lock_irqsave(&pcpu_lock, flags);

	pcpu_stats.nr_chunks--;

	spin_unlock_irqrestore(&pcpu_lock, flags);
}

#else

static inline void pcpu_stats_scan(int bits)
{
}

static inline void pcpu_stats_scan_reset(void)
{
}

static inline void pcpu_stats_save_ai(const struct pcpu_alloc_info *ai)
{
}

static inline void pcpu_stats_area_alloc(struct pcpu_chunk *chunk, size_t size)
{
}

static inline void pcpu_stats_area_dealloc(struct pcpu_chunk *chunk)
{
}

static inline unsigned int pcpu_stats_scan_count(void)
{
	return 0;
}

static inline void pcpu_stats_area_dealloc_many(struct pcpu_chunk *chunk,
						int nr, u64 scanned,
						unsigned int most)
{
}

static inline void pcpu_stats_chunk_alloc(void)
{
}

static inline void pcpu_stats_chunk_dealloc(void)
{
}

#endif /* !CONFIG_PERCPU_STATS */

#endif
