/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KUnit tests for the percpu allocator's internals
 * (CONFIG_PERCPU_INTERNAL_KUNIT_TEST).  Included at the end of mm/percpu.c,
 * so that they reach its static functions and data directly: nothing in
 * the allocator exists for them.
 *
 * The cases work on private chunks (pcpu_kunit_chunk_create()): they are
 * never on the slot lists, never populated and never counted in the global
 * statistics, so they do not disturb the live allocator.  After every
 * operation the chunk's hints are compared with a recomputation from its
 * bitmaps, and its allocations with a model kept by the test.
 */

#ifdef CONFIG_PERCPU_INTERNAL_KUNIT_TEST
#ifndef _MM_TESTS_PERCPU_KUNIT_H
#define _MM_TESTS_PERCPU_KUNIT_H

#include <kunit/resource.h>
#include <kunit/static_stub.h>
#include <kunit/test.h>
#include <linux/bitmap.h>
#include <linux/percpu.h>
#include <linux/prandom.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <asm/sections.h>

#define PCPU_KUNIT_SEED		0x9e3779b97f4a7c15ULL

/*
 * Private chunks: isolated, so never on the slot lists, never populated and
 * never counted in the global statistics; the tests do not disturb the
 * live allocator.  Their pending frees are kept on a list of their own,
 * which no allocation folds: only the test changes its chunk's tree, and
 * it reads the hints without pcpu_lock.
 */
static LIST_HEAD(pcpu_kunit_stale_chunks);

static struct pcpu_chunk *pcpu_kunit_chunk_create(void)
{
	struct pcpu_chunk *chunk = pcpu_alloc_chunk(GFP_KERNEL);

	if (chunk)
		chunk->isolated = true;
	return chunk;
}

static void pcpu_kunit_chunk_destroy(struct pcpu_chunk *chunk)
{
	unsigned long flags;

	spin_lock_irqsave(&pcpu_lock, flags);
	list_del_init(&chunk->stale_list);
	spin_unlock_irqrestore(&pcpu_lock, flags);
	pcpu_free_chunk(chunk);
}

/* @size and @align in bytes; returns the offset in bytes, or -1 */
static int pcpu_kunit_alloc_area(struct pcpu_chunk *chunk, int size, int align,
				 bool pop_only)
{
	int budget = PCPU_TREE_FOLD_BATCH;
	unsigned long flags;
	int off;

	spin_lock_irqsave(&pcpu_lock, flags);
	off = pcpu_alloc_area(chunk, size / PCPU_MIN_ALLOC_SIZE,
			      align / PCPU_MIN_ALLOC_SIZE, pop_only, &budget);
	spin_unlock_irqrestore(&pcpu_lock, flags);
	return off;
}

/* returns the bytes freed, 0 if @off does not start an allocation */
static int pcpu_kunit_free_area(struct pcpu_chunk *chunk, int off)
{
	unsigned long flags;
	int size;

	spin_lock_irqsave(&pcpu_lock, flags);
	pcpu_stats_scan_reset();
	size = pcpu_free_area(chunk, off);
	/* pending, but out of the live allocator's reach */
	if (!list_empty(&chunk->stale_list))
		list_move(&chunk->stale_list, &pcpu_kunit_stale_chunks);
	spin_unlock_irqrestore(&pcpu_lock, flags);
	return size;
}

/* fold the changes to a private chunk into its tree */
static void pcpu_kunit_fold(struct pcpu_chunk *chunk)
{
	unsigned long flags;

	spin_lock_irqsave(&pcpu_lock, flags);
	pcpu_chunk_fold_whole(chunk);
	spin_unlock_irqrestore(&pcpu_lock, flags);
}

/* fold a private chunk as an allocation's budget of @leaves does */
static void pcpu_kunit_fold_budget(struct pcpu_chunk *chunk, int leaves)
{
	unsigned long flags;

	spin_lock_irqsave(&pcpu_lock, flags);
	pcpu_chunk_fold(chunk, &leaves);
	spin_unlock_irqrestore(&pcpu_lock, flags);
}

/*
 * Faults, injected through static stubs (KUNIT_STATIC_STUB_REDIRECT() in
 * pcpu_mem_zalloc(), pcpu_mem_free() and pcpu_populate_chunk()): they
 * apply to the test's own task only, so the rest of the system, the
 * balance work included, allocates as usual, and they end with the test.
 */
static struct {
	int skip;	/* metadata allocations that go through first */
	int fail;	/* metadata allocations that fail after them */
	long held;	/* metadata allocations minus frees */
} pcpu_kunit_meta;

static void *pcpu_kunit_mem_zalloc(size_t size, gfp_t gfp)
{
	void *ptr;

	if (pcpu_kunit_meta.skip) {
		pcpu_kunit_meta.skip--;
	} else if (pcpu_kunit_meta.fail) {
		pcpu_kunit_meta.fail--;
		return NULL;
	}
	/* what pcpu_mem_zalloc() does */
	if (size <= PAGE_SIZE)
		ptr = kzalloc(size, gfp);
	else
		ptr = __vmalloc(size, gfp | __GFP_ZERO);
	pcpu_kunit_meta.held += !!ptr;
	return ptr;
}

static void pcpu_kunit_mem_free(void *ptr)
{
	pcpu_kunit_meta.held -= !!ptr;
	kvfree(ptr);
}

static int pcpu_kunit_populate_fails(struct pcpu_chunk *chunk, int page_start,
				     int page_end, gfp_t gfp)
{
	return -ENOMEM;
}

/*
 * The test's next @skip metadata allocations go through and the @fail
 * after them fail; pcpu_kunit_meta.held counts from here.
 */
static void pcpu_kunit_fail_metadata(struct kunit *test, int skip, int fail)
{
	pcpu_kunit_meta.skip = skip;
	pcpu_kunit_meta.fail = fail;
	pcpu_kunit_meta.held = 0;
	kunit_activate_static_stub(test, pcpu_mem_zalloc, pcpu_kunit_mem_zalloc);
	kunit_activate_static_stub(test, pcpu_mem_free, pcpu_kunit_mem_free);
}

static void pcpu_kunit_fail_metadata_stop(struct kunit *test)
{
	kunit_deactivate_static_stub(test, pcpu_mem_zalloc);
	kunit_deactivate_static_stub(test, pcpu_mem_free);
}

struct pcpu_kunit_obj {
	int off;	/* bytes */
	int size;	/* bytes */
};

struct pcpu_kunit_ctx {
	struct kunit *test;
	struct pcpu_chunk *chunk;
	int nbits;
	struct pcpu_kunit_obj *objs;
	int nr_objs;
	int max_objs;
	unsigned long *model;	/* bits in use according to the test */
};

/* Check the hints of block @index against its bits; see pcpu_kunit_check_hints(). */
static const char *pcpu_kunit_check_block(struct pcpu_chunk *chunk, int index)
{
	const int nbits = PCPU_BITMAP_BLOCK_BITS;
	struct pcpu_block_md *block = chunk->md_blocks + index;
	unsigned long *map = chunk->alloc_map + index * nbits / BITS_PER_LONG;
	int start, end, longest = 0, at_start = -1;

	if (block->first_free != find_first_zero_bit(map, nbits))
		return "a block's first_free is not its first free bit";
	if (block->left != (test_bit(0, map) ? 0 : find_next_bit(map, nbits, 0)))
		return "a block's left run is wrong";
	for (start = block->first_free; start < nbits; ) {
		end = find_next_bit(map, nbits, start);
		longest = max(longest, end - start);
		if (start == block->contig_start)
			at_start = end - start;
		else if (end - start > block->other)
			return "a block's run is longer than its other bound";
		if (end == nbits && block->right != end - start)
			return "a block's right run is wrong";
		start = find_next_zero_bit(map, nbits, end);
	}
	if (test_bit(nbits - 1, map) && block->right)
		return "a block's right run is wrong";
	if (block->contig != longest)
		return "a block's contig is not its longest run";
	if (longest && at_start != longest)
		return "a block's contig_start is not a longest run";
	return NULL;
}

/* No fit of at least memo->bits at 2^@order bits may start before memo->bit. */
static const char *pcpu_kunit_check_memo(struct pcpu_chunk *chunk, int order)
{
	struct pcpu_fit_memo *memo = chunk->fit_memo + order;
	int nbits = pcpu_chunk_map_bits(chunk);
	int bit = pcpu_memo_bit(chunk, memo);
	int start, end;

	start = find_first_zero_bit(chunk->alloc_map, nbits);
	while (start < min(bit, nbits)) {
		int fit = ALIGN(start, 1 << order);

		end = find_next_bit(chunk->alloc_map, nbits, start);
		if (memo->bits && fit < bit && fit + memo->bits <= end)
			return "a fit memo skips a fit";
		start = find_next_zero_bit(chunk->alloc_map, nbits, end);
	}
	return NULL;
}

/* The longest free run of the chunk, from its allocation bitmap. */
static int pcpu_kunit_longest_run(struct pcpu_chunk *chunk)
{
	int nbits = pcpu_chunk_map_bits(chunk);
	int start = find_first_zero_bit(chunk->alloc_map, nbits);
	int end, longest = 0;

	while (start < nbits) {
		end = find_next_bit(chunk->alloc_map, nbits, start);
		longest = max(longest, end - start);
		start = find_next_zero_bit(chunk->alloc_map, nbits, end);
	}
	return longest;
}

/*
 * Recompute what the chunk's hints must be from its bitmaps.  Returns NULL
 * if they agree, or a description of the first disagreement.
 */
static const char *pcpu_kunit_check_hints(struct pcpu_chunk *chunk)
{
	int nbits = pcpu_chunk_map_bits(chunk);
	int page_bits = PAGE_SIZE / PCPU_MIN_ALLOC_SIZE;
	int longest = pcpu_kunit_longest_run(chunk), free, first, empty = 0;
	int page;

	if (!bitmap_subset(chunk->bound_map, chunk->alloc_map, nbits))
		return "a bound bit is set on a free bit";

	free = nbits - bitmap_weight(chunk->alloc_map, nbits);
	first = find_first_zero_bit(chunk->alloc_map, nbits);

	for (page = 0; page < chunk->nr_pages; page++) {
		bool is_empty = find_next_bit(chunk->alloc_map,
					      (page + 1) * page_bits,
					      page * page_bits) >=
				(page + 1) * page_bits;

		/* a page that is not populated never counts, used or not */
		if (test_bit(page, chunk->populated) && is_empty)
			empty++;
	}

	if (chunk->free_bytes != free * PCPU_MIN_ALLOC_SIZE)
		return "free_bytes differs from the free bits";
	if (chunk->first_free != first)
		return "first_free is not the first free bit";
	if (pcpu_chunk_contig(chunk) != longest)
		return "the chunk's contig is not its longest free run";
	for (page = 0; page < pcpu_chunk_nr_blocks(chunk); page++) {
		const struct pcpu_span *leaf =
			chunk->tree + chunk->nr_tree_leaves + page;
		const struct pcpu_block_md *block = chunk->md_blocks + page;
		const char *bad = pcpu_kunit_check_block(chunk, page);

		if (bad)
			return bad;
		if (leaf->left != block->left || leaf->right != block->right ||
		    leaf->contig != block->contig)
			return "a leaf of the tree differs from its block";
	}
	for (page = 0; page < PCPU_NR_ALIGN_ORDERS; page++) {
		const char *bad = pcpu_kunit_check_memo(chunk, page);

		if (bad)
			return bad;
	}
	if (chunk->nr_empty_pop_pages != empty)
		return "nr_empty_pop_pages differs from the empty pages";
	return NULL;
}

static void pcpu_kunit_expect_hints(struct pcpu_kunit_ctx *ctx,
				    const char *after, int step)
{
	const char *bad;

	/*
	 * Allocations leave the root of the tree an upper bound of the
	 * longest free run; only a chunk with pending frees may be below.
	 */
	KUNIT_ASSERT_TRUE_MSG(ctx->test,
			      !list_empty(&ctx->chunk->stale_list) ||
			      pcpu_chunk_contig(ctx->chunk) >=
			      pcpu_kunit_longest_run(ctx->chunk),
			      "the root is below the longest free run after %s (step %d)",
			      after, step);

	/* changes reach the summary tree when it is next read */
	pcpu_kunit_fold(ctx->chunk);
	bad = pcpu_kunit_check_hints(ctx->chunk);

	KUNIT_ASSERT_NULL_MSG(ctx->test, bad, "%s after %s (step %d)",
			      bad, after, step);
}

KUNIT_DEFINE_ACTION_WRAPPER(pcpu_kunit_chunk_release, pcpu_kunit_chunk_destroy,
			    struct pcpu_chunk *);

/*
 * A private chunk for @ctx, destroyed by pcpu_kunit_exit() or, if an
 * assertion ends the test first, by KUnit.
 */
static void pcpu_kunit_init(struct kunit *test, struct pcpu_kunit_ctx *ctx,
			    int max_objs)
{
	ctx->test = test;
	ctx->chunk = pcpu_kunit_chunk_create();
	KUNIT_ASSERT_NOT_NULL(test, ctx->chunk);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							pcpu_kunit_chunk_release,
							ctx->chunk), 0);
	ctx->nbits = pcpu_chunk_map_bits(ctx->chunk);
	ctx->max_objs = max_objs ?: ctx->nbits;
	ctx->nr_objs = 0;
	ctx->objs = kunit_kcalloc(test, ctx->max_objs, sizeof(*ctx->objs),
				  GFP_KERNEL);
	ctx->model = kunit_kcalloc(test, BITS_TO_LONGS(ctx->nbits),
				   sizeof(long), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx->objs);
	KUNIT_ASSERT_NOT_NULL(test, ctx->model);
	pcpu_kunit_expect_hints(ctx, "creation", 0);
}

static void pcpu_kunit_exit(struct pcpu_kunit_ctx *ctx)
{
	kunit_release_action(ctx->test, pcpu_kunit_chunk_release, ctx->chunk);
}

/*
 * Allocate and check the result against the model: aligned, inside the
 * unit, over no live allocation.  Returns the offset or -1.
 */
static int pcpu_kunit_alloc(struct pcpu_kunit_ctx *ctx, int size, int align,
			    bool pop_only)
{
	struct kunit *test = ctx->test;
	int off, bit, bits = size / PCPU_MIN_ALLOC_SIZE;

	off = pcpu_kunit_alloc_area(ctx->chunk, size, align, pop_only);
	if (off < 0)
		return off;

	bit = off / PCPU_MIN_ALLOC_SIZE;
	KUNIT_ASSERT_EQ_MSG(test, off % align, 0, "size %d align %d", size,
			    align);
	KUNIT_ASSERT_LE(test, bit + bits, ctx->nbits);
	KUNIT_ASSERT_GE_MSG(test, find_next_bit(ctx->model, bit + bits, bit),
			    (unsigned long)(bit + bits),
			    "allocation at %d overlaps a live one", off);
	bitmap_set(ctx->model, bit, bits);
	if (ctx->nr_objs < ctx->max_objs)
		ctx->objs[ctx->nr_objs++] = (struct pcpu_kunit_obj){ off, size };
	return off;
}

static void pcpu_kunit_free(struct pcpu_kunit_ctx *ctx, int i)
{
	struct pcpu_kunit_obj obj = ctx->objs[i];

	KUNIT_ASSERT_EQ_MSG(ctx->test,
			    pcpu_kunit_free_area(ctx->chunk, obj.off), obj.size,
			    "free of %d", obj.off);
	bitmap_clear(ctx->model, obj.off / PCPU_MIN_ALLOC_SIZE,
		     obj.size / PCPU_MIN_ALLOC_SIZE);
	ctx->objs[i] = ctx->objs[--ctx->nr_objs];
}

static int pcpu_kunit_rand_size(struct rnd_state *rnd)
{
	u32 r = prandom_u32_state(rnd);

	/* mostly small, sometimes up to several pages */
	if (r % 16)
		return PCPU_MIN_ALLOC_SIZE << (r >> 8) % 8;
	return ALIGN((r >> 8) % (4 * PAGE_SIZE) + 1, PCPU_MIN_ALLOC_SIZE);
}

static int pcpu_kunit_rand_align(struct rnd_state *rnd)
{
	return PCPU_MIN_ALLOC_SIZE << prandom_u32_state(rnd) %
	       (PAGE_SHIFT - PCPU_MIN_ALLOC_SHIFT + 1);
}

/*
 * A long seeded sequence of allocations and frees of random sizes and
 * alignments: after each operation the hints agree with the bitmaps and
 * the allocations with the model.
 */
static void pcpu_kunit_random_ops_keep_hints_exact(struct kunit *test)
{
	struct pcpu_kunit_ctx ctx;
	struct rnd_state rnd;
	int step, off;

	prandom_seed_state(&rnd, PCPU_KUNIT_SEED);
	pcpu_kunit_init(test, &ctx, 4096);

	for (step = 1; step <= 10000; step++) {
		/* lean towards allocating for the first half, then freeing */
		u32 r = prandom_u32_state(&rnd) % 100;
		bool alloc = ctx.nr_objs == 0 ||
			     r < (step < 5000 ? 60 : 40);

		if (alloc && ctx.nr_objs < ctx.max_objs) {
			off = pcpu_kunit_alloc(&ctx, pcpu_kunit_rand_size(&rnd),
					       pcpu_kunit_rand_align(&rnd),
					       false);
			pcpu_kunit_expect_hints(&ctx, off < 0 ?
						"a failed allocation" :
						"an allocation", step);
		} else {
			/* a burst of frees, folded into the tree at once */
			int nr = 1 + prandom_u32_state(&rnd) % 8;

			while (nr-- && ctx.nr_objs)
				pcpu_kunit_free(&ctx, prandom_u32_state(&rnd) %
						ctx.nr_objs);
			pcpu_kunit_expect_hints(&ctx, "frees", step);
		}
	}
	while (ctx.nr_objs)
		pcpu_kunit_free(&ctx, ctx.nr_objs - 1);
	pcpu_kunit_expect_hints(&ctx, "freeing everything", step);
	KUNIT_EXPECT_EQ(test, ctx.chunk->free_bytes,
			ctx.chunk->nr_pages * (int)PAGE_SIZE);
	pcpu_kunit_exit(&ctx);
}

/* pcpu_split_area() on a private chunk: @nr objects of @size at @off */
static void pcpu_kunit_split(struct pcpu_chunk *chunk, int off, int nr,
			     int size)
{
	unsigned long flags;

	spin_lock_irqsave(&pcpu_lock, flags);
	pcpu_split_area(chunk, off / PCPU_MIN_ALLOC_SIZE, nr,
			size / PCPU_MIN_ALLOC_SIZE);
	spin_unlock_irqrestore(&pcpu_lock, flags);
}

/* pcpu_free_bits_many() on a private chunk: @nr objects of @size at @offs */
static void pcpu_kunit_free_many(struct pcpu_chunk *chunk, const int *offs,
				 int nr, int size)
{
	int bit_offs[PCPU_CACHE_OBJS], i;
	unsigned int most = 0;
	unsigned long flags;
	u64 scanned = 0;

	for (i = 0; i < nr; i++)
		bit_offs[i] = offs[i] / PCPU_MIN_ALLOC_SIZE;
	spin_lock_irqsave(&pcpu_lock, flags);
	/* no percpu_stats: a private chunk's are not counted */
	pcpu_free_bits_many(chunk, bit_offs, nr, size / PCPU_MIN_ALLOC_SIZE,
			    &scanned, &most);
	if (!list_empty(&chunk->stale_list))
		list_move(&chunk->stale_list, &pcpu_kunit_stale_chunks);
	spin_unlock_irqrestore(&pcpu_lock, flags);
}

/*
 * What the per-CPU caches do to a chunk's map, on a private chunk: a
 * refill takes an area of up to PCPU_CACHE_BATCH objects of a cached size
 * at its alignment and splits it into objects (pcpu_split_area()), and a
 * flush gives up to PCPU_CACHE_OBJS objects of one size back in one call
 * (pcpu_free_bits_many()), here picked at random, so that a batch goes
 * back and forth between blocks.  Every object of a split area has its
 * own size, and after every batch the hints agree with the bitmaps.
 */
static void pcpu_kunit_cache_batches_keep_hints_exact(struct kunit *test)
{
	int offs[PCPU_CACHE_OBJS], step, i, j, nr, size, off;
	struct pcpu_kunit_ctx ctx;
	struct rnd_state rnd;

	prandom_seed_state(&rnd, PCPU_KUNIT_SEED);
	pcpu_kunit_init(test, &ctx, 8192);

	for (step = 1; step <= 2000 || ctx.nr_objs; step++) {
		size = PCPU_MIN_ALLOC_SIZE <<
		       prandom_u32_state(&rnd) % PCPU_CACHE_CLASSES;
		nr = 1 + prandom_u32_state(&rnd) % PCPU_CACHE_BATCH;
		/* three refills to a flush: the chunk fills, then churns */
		if (step <= 2000 && step % 4 &&
		    ctx.nr_objs + nr <= ctx.max_objs) {
			off = pcpu_kunit_alloc(&ctx, nr * size, size, false);
			if (off < 0)
				continue;
			pcpu_kunit_split(ctx.chunk, off, nr, size);
			ctx.nr_objs--;
			for (i = 0; i < nr; i++) {
				int bit = (off + i * size) / PCPU_MIN_ALLOC_SIZE;

				ctx.objs[ctx.nr_objs++] = (struct pcpu_kunit_obj){
					off + i * size, size };
				KUNIT_ASSERT_EQ(test,
						pcpu_alloc_size_bits(ctx.chunk, bit),
						size / PCPU_MIN_ALLOC_SIZE);
			}
			pcpu_kunit_expect_hints(&ctx, "a split area", step);
			continue;
		}
		if (!ctx.nr_objs)
			continue;
		/* up to a cache's worth of one size, from anywhere */
		size = ctx.objs[prandom_u32_state(&rnd) % ctx.nr_objs].size;
		nr = 1 + prandom_u32_state(&rnd) % PCPU_CACHE_OBJS;
		for (j = 0, i = 0; i < 4 * PCPU_CACHE_OBJS && j < nr; i++) {
			int k = prandom_u32_state(&rnd) % ctx.nr_objs;

			if (ctx.objs[k].size != size)
				continue;
			offs[j++] = ctx.objs[k].off;
			bitmap_clear(ctx.model,
				     ctx.objs[k].off / PCPU_MIN_ALLOC_SIZE,
				     size / PCPU_MIN_ALLOC_SIZE);
			ctx.objs[k] = ctx.objs[--ctx.nr_objs];
			if (!ctx.nr_objs)
				break;
		}
		pcpu_kunit_free_many(ctx.chunk, offs, j, size);
		pcpu_kunit_expect_hints(&ctx, "a batch of frees", step);
	}
	KUNIT_EXPECT_EQ(test, ctx.chunk->free_bytes,
			ctx.chunk->nr_pages * (int)PAGE_SIZE);
	pcpu_kunit_exit(&ctx);
}

/*
 * Folds with a budget of one to three leaves, as when an allocation's
 * batch runs low, after every operation of a random sequence: the tree is
 * folded when the budget covers its dirty leaves and rebuilt from the
 * leaves otherwise, so after every fold no frees are pending, no root
 * says "fully free" over live objects, and every hint is exact.
 */
static void pcpu_kunit_budgeted_folds(struct kunit *test)
{
	struct pcpu_kunit_ctx ctx;
	struct rnd_state rnd;
	int step, nr;

	prandom_seed_state(&rnd, PCPU_KUNIT_SEED + 1);
	pcpu_kunit_init(test, &ctx, 4096);

	for (step = 1; step <= 4000; step++) {
		u32 r = prandom_u32_state(&rnd) % 100;

		if (!ctx.nr_objs || (r < 55 && ctx.nr_objs < ctx.max_objs)) {
			pcpu_kunit_alloc(&ctx, pcpu_kunit_rand_size(&rnd),
					 pcpu_kunit_rand_align(&rnd), false);
		} else {
			/* sometimes nearly everything, to empty the chunk */
			nr = r < 90 ? 1 + r % 8 : ctx.nr_objs - r % 2;
			while (nr-- > 0 && ctx.nr_objs)
				pcpu_kunit_free(&ctx, prandom_u32_state(&rnd) %
						ctx.nr_objs);
		}
		pcpu_kunit_fold_budget(ctx.chunk, 1 + r % 3);
		KUNIT_ASSERT_TRUE_MSG(test, list_empty(&ctx.chunk->stale_list),
				      "frees still pending after a fold (step %d)",
				      step);
		KUNIT_ASSERT_TRUE_MSG(test, pcpu_chunk_contig(ctx.chunk) < ctx.nbits ||
				      !bitmap_weight(ctx.model, ctx.nbits),
				      "a full root over live objects (step %d)", step);
		pcpu_kunit_expect_hints(&ctx, "a budgeted fold", step);
	}
	pcpu_kunit_exit(&ctx);
}

/*
 * Fill a chunk with one size until allocation fails, then free it all:
 * the chunk goes from empty to full and back with exact hints.
 */
static void pcpu_kunit_full_and_empty_transitions(struct kunit *test)
{
	static const int sizes[] = { 4, 12, 64, 1000, 4096, 12288 };
	struct pcpu_kunit_ctx ctx;
	int s, n;

	for (s = 0; s < ARRAY_SIZE(sizes); s++) {
		pcpu_kunit_init(test, &ctx, 0);
		for (n = 0; pcpu_kunit_alloc(&ctx, sizes[s], 4, false) >= 0; n++)
			if (n % 64 == 0)
				pcpu_kunit_expect_hints(&ctx, "filling", n);
		KUNIT_EXPECT_EQ(test, n, ctx.chunk->nr_pages * (int)PAGE_SIZE /
				sizes[s]);
		KUNIT_EXPECT_LT(test, ctx.chunk->free_bytes, sizes[s]);
		pcpu_kunit_expect_hints(&ctx, "a failed allocation", n);

		while (ctx.nr_objs) {
			pcpu_kunit_free(&ctx, 0);
			if (ctx.nr_objs % 64 == 0)
				pcpu_kunit_expect_hints(&ctx, "emptying",
							ctx.nr_objs);
		}
		KUNIT_EXPECT_EQ(test, ctx.chunk->free_bytes,
				ctx.chunk->nr_pages * (int)PAGE_SIZE);
		pcpu_kunit_exit(&ctx);
	}
}

/*
 * 4-byte allocations at every alignment up to PAGE_SIZE, interleaved so
 * that every alignment has to skip free bits that are not aligned.
 */
static void pcpu_kunit_every_alignment(struct kunit *test)
{
	struct pcpu_kunit_ctx ctx;
	int align, i, off;

	pcpu_kunit_init(test, &ctx, 8192);
	for (i = 0; i < 8; i++) {
		for (align = 4; align <= PAGE_SIZE; align <<= 1) {
			off = pcpu_kunit_alloc(&ctx, 4, align, false);
			KUNIT_ASSERT_GE(test, off, 0);
			pcpu_kunit_expect_hints(&ctx, "an aligned allocation",
						i);
		}
	}
	/* every other 4-byte allocation at 8 bytes goes, then refill */
	for (i = ctx.nr_objs - 1; i >= 0; i -= 2)
		pcpu_kunit_free(&ctx, i);
	pcpu_kunit_expect_hints(&ctx, "freeing every other one", 0);
	for (i = 0; i < 256; i++) {
		KUNIT_ASSERT_GE(test, pcpu_kunit_alloc(&ctx, 4, 8, false), 0);
		pcpu_kunit_expect_hints(&ctx, "a refill", i);
	}
	pcpu_kunit_exit(&ctx);
}

/* Atomic allocations land in populated pages only. */
static void pcpu_kunit_pop_only_uses_populated_pages(struct kunit *test)
{
	struct pcpu_kunit_ctx ctx;
	int i, off;

	pcpu_kunit_init(test, &ctx, 1024);
	KUNIT_ASSERT_GE(test, ctx.chunk->nr_pages, 4);

	/* nothing populated: nothing for atomic allocations */
	KUNIT_EXPECT_LT(test, pcpu_kunit_alloc(&ctx, 8, 8, true), 0);
	pcpu_kunit_expect_hints(&ctx, "a failed atomic allocation", 0);

	/* populate page 2 only (the bookkeeping of pcpu_chunk_populated()) */
	set_bit(2, ctx.chunk->populated);
	ctx.chunk->nr_populated++;
	ctx.chunk->nr_empty_pop_pages++;
	for (i = 0; i < 4; i++) {
		off = pcpu_kunit_alloc(&ctx, 1024, 4, true);
		KUNIT_ASSERT_EQ(test, off / (int)PAGE_SIZE, 2);
		pcpu_kunit_expect_hints(&ctx, "an atomic allocation", i);
	}
	KUNIT_EXPECT_LT(test, pcpu_kunit_alloc(&ctx, 4, 4, true), 0);
	KUNIT_EXPECT_GE(test, pcpu_kunit_alloc(&ctx, 4, 4, false), 0);
	pcpu_kunit_expect_hints(&ctx, "a sleeping allocation", i);
	pcpu_kunit_exit(&ctx);
}

/*
 * A double free, a free inside an allocation, a misaligned offset and
 * offsets outside the unit are refused and change nothing.
 */
static void pcpu_kunit_invalid_free_changes_nothing(struct kunit *test)
{
	struct pcpu_kunit_ctx ctx;
	struct pcpu_chunk *chunk;
	unsigned long *alloc_copy, *bound_copy;
	int bad[8], i, nr_bad = 0, free_bytes, first_free, contig;
	size_t map_bytes;

	pcpu_kunit_init(test, &ctx, 64);
	chunk = ctx.chunk;
	for (i = 0; i < 16; i++)
		KUNIT_ASSERT_GE(test, pcpu_kunit_alloc(&ctx, 16 << (i % 4), 8,
						       false), 0);
	/* a freed allocation between live ones */
	bad[nr_bad++] = ctx.objs[5].off;
	pcpu_kunit_free(&ctx, 5);
	bad[nr_bad++] = ctx.objs[3].off + 4;		/* inside */
	bad[nr_bad++] = ctx.objs[3].off + 1;		/* misaligned */
	bad[nr_bad++] = ctx.nbits * PCPU_MIN_ALLOC_SIZE;	/* past the end */
	bad[nr_bad++] = -4;
	bad[nr_bad++] = ctx.nbits * PCPU_MIN_ALLOC_SIZE - 4;	/* free bit */

	map_bytes = BITS_TO_LONGS(ctx.nbits) * sizeof(long);
	alloc_copy = kunit_kmalloc(test, map_bytes, GFP_KERNEL);
	bound_copy = kunit_kmalloc(test, map_bytes, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, alloc_copy);
	KUNIT_ASSERT_NOT_NULL(test, bound_copy);
	memcpy(alloc_copy, chunk->alloc_map, map_bytes);
	memcpy(bound_copy, chunk->bound_map, map_bytes);
	free_bytes = chunk->free_bytes;
	first_free = chunk->first_free;
	contig = pcpu_chunk_contig(chunk);

	for (i = 0; i < nr_bad; i++) {
		KUNIT_EXPECT_EQ_MSG(test, pcpu_kunit_free_area(chunk, bad[i]),
				    0, "free of %d", bad[i]);
		KUNIT_EXPECT_EQ(test, memcmp(alloc_copy, chunk->alloc_map,
					     map_bytes), 0);
		KUNIT_EXPECT_EQ(test, memcmp(bound_copy, chunk->bound_map,
					     map_bytes), 0);
		KUNIT_EXPECT_EQ(test, chunk->free_bytes, free_bytes);
		KUNIT_EXPECT_EQ(test, chunk->first_free, first_free);
		KUNIT_EXPECT_EQ(test, pcpu_chunk_contig(chunk), contig);
	}
	pcpu_kunit_expect_hints(&ctx, "invalid frees", 0);

	/* every live allocation still frees with its own size */
	while (ctx.nr_objs)
		pcpu_kunit_free(&ctx, 0);
	pcpu_kunit_expect_hints(&ctx, "freeing everything", 0);
	pcpu_kunit_exit(&ctx);
}

/*
 * percpu_stats counts the bits that each operation scans: a free adds its
 * own scan to free_bits_scanned, not also what the operations since the
 * last allocation scanned.  Thousands of 12-byte frees in a row: each adds
 * at most a free's bound (the object's bits and the free run around it in
 * its block), where a count that runs on from free to free would add at
 * least one more bit with every free.  Frees that other tasks make in the
 * meantime are told by nr_dealloc and left out.
 */
static void pcpu_kunit_stats_count_each_free(struct kunit *test)
{
#ifdef CONFIG_PERCPU_STATS
	const int n = 4 * PCPU_BITMAP_BLOCK_BITS, bound = 2 * PCPU_BITMAP_BLOCK_BITS;
	int i, counted = 0, over = 0;
	u64 most = 0, scanned, deallocs;
	void __percpu **objs;

	objs = kunit_kcalloc(test, n, sizeof(*objs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs);
	/* 12 bytes: not a power of two, so frees reach the bitmaps, not a cache */
	for (i = 0; i < n; i++) {
		objs[i] = __alloc_percpu(12, 4);
		KUNIT_ASSERT_NOT_NULL(test, objs[i]);
	}
	for (i = 0; i < n; i++) {
		scanned = READ_ONCE(pcpu_stats.free_bits_scanned);
		deallocs = READ_ONCE(pcpu_stats.nr_dealloc);
		free_percpu(objs[i]);
		if (READ_ONCE(pcpu_stats.nr_dealloc) != deallocs + 1)
			continue;
		scanned = READ_ONCE(pcpu_stats.free_bits_scanned) - scanned;
		most = max(most, scanned);
		over += scanned > bound;
		counted++;
	}
	KUNIT_EXPECT_GT(test, counted, n / 2);
	KUNIT_EXPECT_EQ_MSG(test, over, 0,
			    "%d of %d frees counted more than %d bits (most: %llu)",
			    over, counted, bound, most);
#else
	kunit_skip(test, "needs CONFIG_PERCPU_STATS");
#endif
}

/*
 * The slot of the live chunk that holds @ptr (with its free bytes), or of
 * @chunk if @ptr is NULL; -1 if it is on no slot list.
 */
static int pcpu_kunit_slot_of(void __percpu *ptr, struct pcpu_chunk **chunk,
			      int *free_bytes)
{
	void *addr = __pcpu_ptr_to_addr(ptr);
	struct pcpu_chunk *pos;
	int slot, found = -1;

	spin_lock_irq(&pcpu_lock);
	for (slot = 0; slot < pcpu_nr_slots && found < 0; slot++)
		list_for_each_entry(pos, &pcpu_chunk_lists[slot], list)
			if (ptr ? addr >= pos->base_addr &&
			    addr < pos->base_addr + pos->nr_pages * PAGE_SIZE :
			    pos == *chunk) {
				found = slot;
				*chunk = pos;
				*free_bytes = pos->free_bytes;
				break;
			}
	spin_unlock_irq(&pcpu_lock);
	return found;
}

#define PCPU_KUNIT_RECLAIM_OBJS	8192

/*
 * free_percpu() wakes the balance work when a second chunk becomes fully
 * free, and the balance work destroys the extra ones: both find fully
 * free chunks in the free slot.  So a free that empties a chunk must put
 * it there at once, not when a later allocation folds the free into the
 * tree, or two chunks emptied with no allocation between them both stay,
 * populated.  Page-sized objects until one is alone in its chunk; once it
 * is freed, the chunk is in the free slot (or already destroyed).
 */
static void pcpu_kunit_emptied_chunk_in_free_slot(struct kunit *test)
{
	struct pcpu_chunk *chunk = NULL;
	int n, slot = -1, free_bytes = 0;
	void __percpu **objs;

	objs = kunit_kcalloc(test, PCPU_KUNIT_RECLAIM_OBJS, sizeof(*objs),
			     GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs);
	for (n = 0; n < PCPU_KUNIT_RECLAIM_OBJS; n++) {
		objs[n] = __alloc_percpu(PAGE_SIZE, PAGE_SIZE);
		KUNIT_ASSERT_NOT_NULL(test, objs[n]);
		KUNIT_ASSERT_GE(test, pcpu_kunit_slot_of(objs[n], &chunk,
							 &free_bytes), 0);
		if (free_bytes == chunk->nr_pages * PAGE_SIZE - PAGE_SIZE)
			break;
	}
	if (n == PCPU_KUNIT_RECLAIM_OBJS) {
		while (n--)
			free_percpu(objs[n]);
		kunit_skip(test, "no object was alone in its chunk");
	}

	free_percpu(objs[n]);
	slot = pcpu_kunit_slot_of(NULL, &chunk, &free_bytes);
	while (n--)
		free_percpu(objs[n]);

	KUNIT_EXPECT_TRUE_MSG(test, slot < 0 || slot == pcpu_free_slot,
			      "a chunk emptied by a free is in slot %d, not the free slot %d",
			      slot, pcpu_free_slot);
}

/*
 * A failure at each of the metadata allocations of chunk creation, in
 * turn: creation fails with NULL and frees what it had allocated, until
 * the sweep passes the last allocation and creation succeeds.
 */
static void pcpu_kunit_fault_chunk_create_unwinds(struct kunit *test)
{
	struct pcpu_chunk *chunk = NULL;
	int skip;

	for (skip = 0; skip < 64 && !chunk; skip++) {
		pcpu_kunit_fail_metadata(test, skip, 1);
		chunk = pcpu_kunit_chunk_create();
		if (chunk)
			pcpu_kunit_chunk_destroy(chunk);
		KUNIT_EXPECT_EQ_MSG(test, pcpu_kunit_meta.held, 0,
				    "failing metadata allocation %d leaked", skip);
		pcpu_kunit_fail_metadata_stop(test);
	}
	KUNIT_EXPECT_NOT_NULL(test, chunk);
	KUNIT_EXPECT_GT_MSG(test, skip, 2, "creation failed at no allocation");
	kunit_info(test, "chunk creation unwound from %d failure points\n",
		   skip - 1);
}

#define PCPU_KUNIT_FAULT_OBJS	256

/*
 * Let the balance work finish: it is queued with schedule_work(), by
 * allocations, frees, the caches' shrinker and CPU hotplug, so flushing
 * it until the populated pages stop changing waits for it however slow
 * the machine.
 */
static void pcpu_kunit_settle(void)
{
	unsigned long last, now = pcpu_nr_pages();
	int i;

	for (i = 0; i < 8; i++) {
		last = now;
		flush_work(&pcpu_balance_work);
		now = pcpu_nr_pages();
		if (now == last)
			break;
	}
}

/*
 * The live allocator with population and chunk creation failing for this
 * task: 32 KiB allocations soon need one or the other and fail with NULL;
 * what was allocated stays intact, nothing leaks, and once the failures
 * stop, allocation works again.
 */
static void pcpu_kunit_fault_alloc_fails_cleanly(struct kunit *test)
{
	void __percpu **objs;
	unsigned long pages;
	unsigned int cpu;
	int n, i, lost = 0;

	/* one more for the allocation after the faults */
	objs = kunit_kcalloc(test, PCPU_KUNIT_FAULT_OBJS + 1, sizeof(*objs),
			     GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs);
	pcpu_kunit_settle();
	pages = pcpu_nr_pages();

	kunit_activate_static_stub(test, pcpu_populate_chunk,
				   pcpu_kunit_populate_fails);
	pcpu_kunit_fail_metadata(test, 0, INT_MAX);
	for (n = 0; n < PCPU_KUNIT_FAULT_OBJS; n++) {
		objs[n] = __alloc_percpu_gfp(SZ_32K, PAGE_SIZE,
					     GFP_KERNEL | __GFP_NOWARN);
		if (!objs[n])
			break;
		for_each_possible_cpu(cpu) {
			int *p = per_cpu_ptr(objs[n], cpu);

			*p = n;
		}
	}
	pcpu_kunit_fail_metadata_stop(test);
	kunit_deactivate_static_stub(test, pcpu_populate_chunk);
	KUNIT_EXPECT_LT_MSG(test, n, PCPU_KUNIT_FAULT_OBJS,
			    "allocation never failed");

	objs[n] = __alloc_percpu_gfp(SZ_32K, PAGE_SIZE, GFP_KERNEL);
	KUNIT_EXPECT_NOT_NULL_MSG(test, objs[n], "no recovery after the faults");
	for (i = 0; i < n; i++)
		for_each_possible_cpu(cpu)
			lost += *(int *)per_cpu_ptr(objs[i], cpu) != i;
	KUNIT_EXPECT_EQ(test, lost, 0);
	for (i = 0; i <= n; i++)
		free_percpu(objs[i]);

	pcpu_kunit_settle();
	KUNIT_EXPECT_LE_MSG(test, pcpu_nr_pages(),
			    pages + 16 * num_possible_cpus(),
			    "populated pages grew from %lu", pages);
	kunit_info(test, "%d allocations of 32 KiB before the first failure\n", n);
}

/*
 * pcpu_alloc_lock() calls of the test's own task, through a static stub
 * that counts them and then does what pcpu_alloc_lock() does.
 */
static int pcpu_kunit_alloc_locks;

static int pcpu_kunit_count_alloc_lock(gfp_t gfp)
{
	pcpu_kunit_alloc_locks++;
	if (gfp & __GFP_NOFAIL) {
		mutex_lock(&pcpu_alloc_mutex);
		return 0;
	}
	return mutex_lock_killable(&pcpu_alloc_mutex);
}

#define PCPU_KUNIT_LOCK_OBJS	1024

/*
 * A sleeping allocation takes pcpu_alloc_mutex only to populate pages or
 * to create a chunk.  1024 objects of 12 bytes fill three pages: on the
 * way they populate at most three (first fit fills a page once it is
 * populated) and create at most one chunk, so at most four of the 1024
 * allocations take the mutex; before, every one did.
 */
static void pcpu_kunit_mutex_only_to_populate(struct kunit *test)
{
	void __percpu **objs;
	int i, n;

	objs = kunit_kcalloc(test, PCPU_KUNIT_LOCK_OBJS, sizeof(*objs),
			     GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs);
	pcpu_kunit_alloc_locks = 0;
	kunit_activate_static_stub(test, pcpu_alloc_lock,
				   pcpu_kunit_count_alloc_lock);
	for (n = 0; n < PCPU_KUNIT_LOCK_OBJS; n++) {
		objs[n] = __alloc_percpu_gfp(12, 4, GFP_KERNEL);
		if (!objs[n])
			break;
	}
	kunit_deactivate_static_stub(test, pcpu_alloc_lock);
	for (i = 0; i < n; i++)
		free_percpu(objs[i]);

	KUNIT_EXPECT_EQ(test, n, PCPU_KUNIT_LOCK_OBJS);
	KUNIT_EXPECT_LE_MSG(test, pcpu_kunit_alloc_locks, 4,
			    "%d of %d allocations took pcpu_alloc_mutex",
			    pcpu_kunit_alloc_locks, n);
}

#ifdef CONFIG_TRACEPOINTS
struct pcpu_kunit_early_free {
	struct task_struct	*task;
	int			frees;
};

/*
 * The allocation's trace event comes before the memcg and allocation tag
 * hooks: a free_percpu() of the new object from there is a racing double
 * free of its previous owner's pointer, landing while pcpu_alloc() still
 * hands the object out.
 */
static void pcpu_kunit_probe_early_free(void *data, unsigned long call_site,
					bool reserved, bool is_atomic,
					size_t size, size_t align,
					void *base_addr, int off,
					void __percpu *ptr, size_t bytes_alloc,
					gfp_t gfp_flags)
{
	struct pcpu_kunit_early_free *ef = data;

	if (current != ef->task)
		return;
	ef->frees++;
	free_percpu(ptr);
}

/*
 * A free that comes before pcpu_alloc() has finished with the object, its
 * hooks included, is refused: the object is the caller's when
 * pcpu_alloc() returns, and one free_percpu() of it then goes through.
 */
static void pcpu_kunit_live_after_hooks(struct kunit *test)
{
	struct pcpu_kunit_early_free ef = { .task = current };
	struct pcpu_chunk *chunk;
	void __percpu *p;
	void *addr;
	int ret, off;

	ret = register_trace_percpu_alloc_percpu(pcpu_kunit_probe_early_free,
						 &ef);
	KUNIT_ASSERT_EQ(test, ret, 0);
	/* 12 bytes: not cached, so the free reaches the bitmaps if it goes */
	p = __alloc_percpu_gfp(12, 4, GFP_KERNEL | __GFP_NOWARN);
	unregister_trace_percpu_alloc_percpu(pcpu_kunit_probe_early_free, &ef);
	tracepoint_synchronize_unregister();
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_EQ(test, ef.frees, 1);

	addr = __pcpu_ptr_to_addr(p);
	chunk = pcpu_chunk_addr_search(addr);
	KUNIT_ASSERT_NOT_NULL(test, chunk);
	off = addr - chunk->base_addr;
	KUNIT_EXPECT_TRUE_MSG(test, test_bit(off / PCPU_MIN_ALLOC_SIZE,
					     chunk->live_map),
			      "a free during the allocation took the object");
	KUNIT_EXPECT_TRUE_MSG(test, test_bit(off / PCPU_MIN_ALLOC_SIZE,
					     chunk->alloc_map),
			      "a free during the allocation freed its bits");
	free_percpu(p);
	KUNIT_EXPECT_FALSE(test, test_bit(off / PCPU_MIN_ALLOC_SIZE,
					  chunk->live_map));
}
#else
static void pcpu_kunit_live_after_hooks(struct kunit *test)
{
	kunit_skip(test, "needs CONFIG_TRACEPOINTS");
}
#endif

/* Whether the object at @ptr is on @cpu's cache. */
static bool pcpu_kunit_cached(unsigned int cpu, void __percpu *ptr)
{
	struct pcpu_cache *pc = per_cpu_ptr(&pcpu_caches, cpu);
	void *addr = __pcpu_ptr_to_addr(ptr);
	bool found = false;
	unsigned long flags;
	int cls, i;

	spin_lock_irqsave(&pc->lock, flags);
	for (cls = 0; cls < PCPU_CACHE_CLASSES; cls++)
		for (i = 0; i < pc->nr[cls]; i++)
			found |= pc->objs[cls][i].chunk->base_addr +
				 pc->objs[cls][i].off == addr;
	spin_unlock_irqrestore(&pc->lock, flags);
	return found;
}

#define PCPU_KUNIT_CACHE_OBJS	8

/* How many of the PCPU_KUNIT_CACHE_OBJS objects at @objs @cpu caches. */
static int pcpu_kunit_nr_cached(unsigned int cpu, void __percpu **objs)
{
	int i, nr = 0;

	for (i = 0; i < PCPU_KUNIT_CACHE_OBJS; i++)
		nr += pcpu_kunit_cached(cpu, objs[i]);
	return nr;
}

static void pcpu_kunit_alloc_objs(struct kunit *test, void __percpu **objs,
				  size_t size)
{
	int i;

	for (i = 0; i < PCPU_KUNIT_CACHE_OBJS; i++) {
		objs[i] = __alloc_percpu(size, size);
		KUNIT_ASSERT_NOT_NULL(test, objs[i]);
	}
}

/*
 * Free the PCPU_KUNIT_CACHE_OBJS objects at @objs on this CPU, which holds
 * nothing cached before, and return how many it then caches.  Interrupts
 * are off, so that nothing on the CPU takes them back, and the caller
 * holds pcpu_alloc_mutex, under which the drains of other CPUs' caches
 * run (all but the shrinker's, which only memory pressure runs).
 */
static long pcpu_kunit_free_cached(void *objs)
{
	unsigned int cpu;
	long nr;
	int i;

	local_irq_disable();
	cpu = smp_processor_id();
	pcpu_cache_drain(cpu);
	for (i = 0; i < PCPU_KUNIT_CACHE_OBJS; i++)
		free_percpu(((void __percpu **)objs)[i]);
	nr = pcpu_kunit_nr_cached(cpu, objs);
	local_irq_enable();
	return nr;
}

/*
 * A freed small object goes to the freeing CPU's cache and is the next one
 * of its size that CPU hands out, zeroed on every CPU.
 */
static void pcpu_kunit_cache_hands_out_zeroed(struct kunit *test)
{
	void __percpu *p, *q;
	unsigned int cpu;
	int dirty = 0;
	bool cached;

	p = __alloc_percpu(16, 16);
	KUNIT_ASSERT_NOT_NULL(test, p);
	for_each_possible_cpu(cpu)
		memset(per_cpu_ptr(p, cpu), 0xa5, 16);

	/* no drain, and nothing else on this CPU, between the two calls */
	mutex_lock(&pcpu_alloc_mutex);
	local_irq_disable();
	pcpu_cache_drain(smp_processor_id());
	free_percpu(p);
	cached = pcpu_kunit_cached(smp_processor_id(), p);
	q = __alloc_percpu_gfp(16, 16, GFP_ATOMIC);
	local_irq_enable();
	mutex_unlock(&pcpu_alloc_mutex);

	KUNIT_ASSERT_NOT_NULL(test, q);
	KUNIT_EXPECT_TRUE_MSG(test, cached, "the freed object was not cached");
	KUNIT_EXPECT_PTR_EQ_MSG(test, q, p, "the cached object did not come next");
	for_each_possible_cpu(cpu)
		dirty += !!memchr_inv(per_cpu_ptr(q, cpu), 0, 16);
	KUNIT_EXPECT_EQ_MSG(test, dirty, 0, "%s object came back dirty",
			    q == p ? "the cached" : "a");
	free_percpu(q);
}

/* The shrinker's scan drains the caches. */
static void pcpu_kunit_cache_drained_by_shrinker(struct kunit *test)
{
	struct shrink_control sc = {
		.gfp_mask = GFP_KERNEL,
		.nr_to_scan = ULONG_MAX,
	};
	void __percpu *objs[PCPU_KUNIT_CACHE_OBJS];
	unsigned int cpu;
	long nr, left;

	pcpu_kunit_alloc_objs(test, objs, 32);
	mutex_lock(&pcpu_alloc_mutex);
	migrate_disable();
	cpu = smp_processor_id();
	nr = pcpu_kunit_free_cached(objs);
	/* nothing on this CPU refills from the freed space before the check */
	local_irq_disable();
	pcpu_cache_scan(NULL, &sc);
	left = pcpu_kunit_nr_cached(cpu, objs);
	local_irq_enable();
	migrate_enable();
	mutex_unlock(&pcpu_alloc_mutex);

	KUNIT_EXPECT_GT_MSG(test, nr, 0, "no freed object was cached");
	KUNIT_EXPECT_EQ_MSG(test, left, 0,
			    "objects stayed cached after the shrinker's scan");
}

/* The cache of a CPU that goes offline is drained. */
static void pcpu_kunit_cache_drained_on_cpu_death(struct kunit *test)
{
	void __percpu *objs[PCPU_KUNIT_CACHE_OBJS];
	unsigned int cpu = cpumask_last(cpu_online_mask);
	long nr;
	int ret;

	if (!IS_ENABLED(CONFIG_HOTPLUG_CPU) ||
	    cpu == cpumask_first(cpu_online_mask))
		kunit_skip(test, "no CPU to take offline");

	pcpu_kunit_alloc_objs(test, objs, 64);
	/* freed on @cpu, so cached there */
	mutex_lock(&pcpu_alloc_mutex);
	nr = work_on_cpu(cpu, pcpu_kunit_free_cached, objs);
	mutex_unlock(&pcpu_alloc_mutex);
	KUNIT_EXPECT_GT_MSG(test, nr, 0, "no freed object was cached");

	ret = remove_cpu(cpu);
	if (ret)
		kunit_skip(test, "CPU %u did not go offline: %d", cpu, ret);
	KUNIT_EXPECT_EQ_MSG(test, pcpu_kunit_nr_cached(cpu, objs), 0,
			    "a dead CPU's cache kept its objects");
	KUNIT_EXPECT_EQ(test, add_cpu(cpu), 0);
}

#define PCPU_KUNIT_BOUND_OBJS	64

/*
 * All the caches together hold at most PCPU_CACHE_UNIT_PAGES pages of
 * every unit, whatever the number of possible CPUs: frees of far more
 * small objects than that on one CPU leave at most its share cached.
 */
static void pcpu_kunit_cache_bytes_bounded(struct kunit *test)
{
	struct pcpu_cache *pc;
	void __percpu **objs;
	unsigned long bytes = 0, limit = PCPU_CACHE_UNIT_PAGES * PAGE_SIZE;
	int cls, i, n = PCPU_CACHE_CLASSES * PCPU_KUNIT_BOUND_OBJS;

	objs = kunit_kcalloc(test, n, sizeof(*objs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs);
	for (i = 0; i < n; i++) {
		size_t size = pcpu_cache_size(i % PCPU_CACHE_CLASSES);

		objs[i] = __alloc_percpu(size, size);
		KUNIT_ASSERT_NOT_NULL(test, objs[i]);
	}

	mutex_lock(&pcpu_alloc_mutex);
	local_irq_disable();
	pc = this_cpu_ptr(&pcpu_caches);
	pcpu_cache_drain(smp_processor_id());
	for (i = 0; i < n; i++)
		free_percpu(objs[i]);
	spin_lock(&pc->lock);
	for (cls = 0; cls < PCPU_CACHE_CLASSES; cls++)
		bytes += pc->nr[cls] * pcpu_cache_size(cls);
	KUNIT_EXPECT_EQ(test, bytes, (unsigned long)pc->bytes);
	spin_unlock(&pc->lock);
	local_irq_enable();
	mutex_unlock(&pcpu_alloc_mutex);

	kunit_info(test, "%u possible CPUs: %lu bytes of every unit cached on one, at most %d\n",
		   num_possible_cpus(), bytes, pcpu_cache_max);
	KUNIT_EXPECT_GT_MSG(test, bytes, 0, "no freed object was cached");
	KUNIT_EXPECT_LE_MSG(test, bytes * num_possible_cpus(), limit,
			    "%lu bytes cached per CPU, at %u CPUs", bytes,
			    num_possible_cpus());
	KUNIT_EXPECT_LE(test, (unsigned long)pcpu_cache_max *
			num_possible_cpus(), limit);
}

/*
 * A CPU that allocates an object of a size once, from an empty cache,
 * keeps none of that size cached; the refills after take more.
 */
static void pcpu_kunit_cache_refill_small_first(struct kunit *test)
{
	int cls = pcpu_cache_class(64, 64), nr[2];
	struct pcpu_cache *pc;
	void __percpu *p[2];

	if (pcpu_cache_max < 2 * 64)
		kunit_skip(test, "a cache holds %d bytes", pcpu_cache_max);
	mutex_lock(&pcpu_alloc_mutex);
	local_irq_disable();
	pc = this_cpu_ptr(&pcpu_caches);
	pcpu_cache_drain(smp_processor_id());
	p[0] = __alloc_percpu_gfp(64, 64, GFP_ATOMIC);
	nr[0] = pc->nr[cls];
	p[1] = __alloc_percpu_gfp(64, 64, GFP_ATOMIC);
	nr[1] = pc->nr[cls];
	local_irq_enable();
	mutex_unlock(&pcpu_alloc_mutex);
	free_percpu(p[0]);
	free_percpu(p[1]);

	KUNIT_ASSERT_NOT_NULL(test, p[0]);
	KUNIT_ASSERT_NOT_NULL(test, p[1]);
	KUNIT_EXPECT_EQ_MSG(test, nr[0], 0,
			    "one allocation left objects cached");
	KUNIT_EXPECT_EQ_MSG(test, nr[1], 1,
			    "the second refill did not take two");
}

/* Whether any of @nr objects of @size at @objs overlaps [@addr, + @len). */
static bool pcpu_kunit_overlaps(void __percpu **objs, int nr, size_t size,
				void *addr, size_t len)
{
	int i;

	for (i = 0; i < nr; i++) {
		void *o = __pcpu_ptr_to_addr(objs[i]);

		if (o < addr + len && addr < o + size)
			return true;
	}
	return false;
}

#define PCPU_KUNIT_TRIM_CPUS	4

/*
 * The trim gives back what no allocation needed for a whole interval: on
 * each of several CPUs, objects freed right after a drain stay through
 * the first trim (they have not been cached for a whole interval) and go
 * at the second.  Under pcpu_alloc_mutex, which keeps the trim work and
 * the other drains of these caches away.
 */
static void pcpu_kunit_cache_trimmed_when_idle(struct kunit *test)
{
	void __percpu *objs[PCPU_KUNIT_TRIM_CPUS][PCPU_KUNIT_CACHE_OBJS];
	unsigned long first[PCPU_KUNIT_TRIM_CPUS], second[PCPU_KUNIT_TRIM_CPUS];
	unsigned int cpus = 0, on[PCPU_KUNIT_TRIM_CPUS], cpu, t;
	long nr[PCPU_KUNIT_TRIM_CPUS];
	bool need_balance = false;
	int left = 0;

	for_each_online_cpu(cpu) {
		pcpu_kunit_alloc_objs(test, objs[cpus], 32);
		on[cpus] = cpu;
		if (++cpus == PCPU_KUNIT_TRIM_CPUS)
			break;
	}

	mutex_lock(&pcpu_alloc_mutex);
	for (t = 0; t < cpus; t++)
		nr[t] = work_on_cpu(on[t], pcpu_kunit_free_cached, objs[t]);
	/* what the trim work does in two intervals without allocations */
	for (t = 0; t < cpus; t++)
		first[t] = pcpu_cache_give_back(on[t], true, &need_balance);
	for (t = 0; t < cpus; t++) {
		second[t] = pcpu_cache_give_back(on[t], true, &need_balance);
		left += pcpu_kunit_nr_cached(on[t], objs[t]);
	}
	mutex_unlock(&pcpu_alloc_mutex);
	if (need_balance)
		pcpu_schedule_balance_work();

	for (t = 0; t < cpus; t++) {
		KUNIT_EXPECT_GT_MSG(test, nr[t], 0, "CPU %u cached nothing", on[t]);
		KUNIT_EXPECT_EQ_MSG(test, first[t], 0,
				    "CPU %u: the first trim took objects cached for less than an interval",
				    on[t]);
		KUNIT_EXPECT_GT_MSG(test, second[t], 0,
				    "CPU %u: the second trim gave nothing back",
				    on[t]);
	}
	KUNIT_EXPECT_EQ_MSG(test, left, 0, "objects stayed cached");
}

/*
 * A refill that leaves objects in an empty cache queues the trim work, as
 * a free into an empty cache does: four allocations of 32 bytes from a
 * drained cache leave three cached and no free.
 */
static void pcpu_kunit_cache_refill_arms_trim(struct kunit *test)
{
	void __percpu *p[4];
	bool pending;
	int i;

	if (pcpu_cache_max < 4 * 32)
		kunit_skip(test, "a cache holds %d bytes", pcpu_cache_max);
	mutex_lock(&pcpu_alloc_mutex);
	/* if it runs now, it waits for the mutex with its pending bit clear */
	cancel_delayed_work(&pcpu_cache_trim_work);
	local_irq_disable();
	pcpu_cache_drain(smp_processor_id());
	for (i = 0; i < 4; i++)
		p[i] = __alloc_percpu_gfp(32, 32, GFP_ATOMIC);
	local_irq_enable();
	pending = delayed_work_pending(&pcpu_cache_trim_work);
	mutex_unlock(&pcpu_alloc_mutex);
	for (i = 0; i < 4; i++)
		free_percpu(p[i]);

	KUNIT_EXPECT_TRUE_MSG(test, pending,
			      "objects were cached and no trim is queued");
}

/*
 * percpu_stats counts the calls of the API: allocations served by a cache
 * are one allocation each, hit or miss, whatever the refills moved, and
 * a free onto a cache is one free.  This CPU's counters, with interrupts
 * off: four allocations of 32 bytes from an empty cache refill one, two,
 * then four objects (hits 1, misses 3), and their frees cache all four.
 */
static void pcpu_kunit_stats_count_api_calls(struct kunit *test)
{
#ifdef CONFIG_PERCPU_STATS
	u64 before[PCPU_CACHE_NR_STATS], after[PCPU_CACHE_NR_STATS];
	void __percpu *p[4];
	struct pcpu_cache *pc;
	int i;

	/* room for the seven objects the refills and frees leave */
	if (pcpu_cache_max < 7 * 32)
		kunit_skip(test, "a cache holds %d bytes", pcpu_cache_max);
	mutex_lock(&pcpu_alloc_mutex);
	local_irq_disable();
	pc = this_cpu_ptr(&pcpu_caches);
	pcpu_cache_drain(smp_processor_id());
	memcpy(before, pc->stats, sizeof(before));
	for (i = 0; i < 4; i++)
		p[i] = __alloc_percpu_gfp(32, 32, GFP_ATOMIC);
	for (i = 0; i < 4; i++)
		free_percpu(p[i]);
	memcpy(after, pc->stats, sizeof(after));
	local_irq_enable();
	mutex_unlock(&pcpu_alloc_mutex);

	for (i = 0; i < 4; i++)
		KUNIT_ASSERT_NOT_NULL(test, p[i]);
	KUNIT_EXPECT_EQ(test, after[PCPU_CACHE_HIT] - before[PCPU_CACHE_HIT], 1);
	KUNIT_EXPECT_EQ(test, after[PCPU_CACHE_MISS] - before[PCPU_CACHE_MISS], 3);
	KUNIT_EXPECT_EQ(test, after[PCPU_CACHE_OUT] - before[PCPU_CACHE_OUT], 4);
	KUNIT_EXPECT_EQ(test, after[PCPU_CACHE_IN] - before[PCPU_CACHE_IN], 4);
	KUNIT_EXPECT_EQ(test, after[PCPU_CACHE_REFILLED] - before[PCPU_CACHE_REFILLED], 7);
#else
	kunit_skip(test, "needs CONFIG_PERCPU_STATS");
#endif
}

#define PCPU_KUNIT_FILL_OBJS	BIT(18)

/* pcpu_cache_drain() calls of the test's own task, counted. */
static int pcpu_kunit_drains;
static unsigned long pcpu_kunit_drained;

static unsigned long pcpu_kunit_count_drain(unsigned int cpu)
{
	bool need_balance = false;
	unsigned long freed = pcpu_cache_give_back(cpu, false, &need_balance);

	pcpu_kunit_drains++;
	pcpu_kunit_drained += freed;
	if (need_balance)
		pcpu_schedule_balance_work();
	return freed;
}

/*
 * An atomic allocation that finds no room in populated pages frees the
 * objects its CPU caches and searches again: with the balance work held
 * off (pcpu_alloc_mutex), atomic allocations of 12 bytes fill every
 * populated page; the one that finds no room drains the cache of its
 * CPU, which holds the objects the test freed there, and succeeds.
 * Meanwhile every atomic percpu allocation of the machine fails.
 */
static void pcpu_kunit_atomic_drains_cache(struct kunit *test)
{
	void __percpu *cached[PCPU_KUNIT_CACHE_OBJS];
	int i, n, drain_at = -1;
	void __percpu **fill;
	bool reused = false;
	long nr;

	fill = kvcalloc(PCPU_KUNIT_FILL_OBJS, sizeof(*fill), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, fill);
	pcpu_kunit_alloc_objs(test, cached, 16);

	mutex_lock(&pcpu_alloc_mutex);
	migrate_disable();
	nr = pcpu_kunit_free_cached(cached);
	pcpu_kunit_drains = 0;
	pcpu_kunit_drained = 0;
	kunit_activate_static_stub(test, pcpu_cache_drain,
				   pcpu_kunit_count_drain);
	for (n = 0; n < PCPU_KUNIT_FILL_OBJS; n++) {
		fill[n] = __alloc_percpu_gfp(12, 4, GFP_ATOMIC | __GFP_NOWARN);
		if (drain_at < 0 && pcpu_kunit_drained)
			drain_at = n;
		if (!fill[n])
			break;
		reused |= pcpu_kunit_overlaps(cached, PCPU_KUNIT_CACHE_OBJS, 16,
					      __pcpu_ptr_to_addr(fill[n]), 12);
	}
	kunit_deactivate_static_stub(test, pcpu_cache_drain);
	migrate_enable();
	mutex_unlock(&pcpu_alloc_mutex);
	for (i = 0; i < n; i++)
		free_percpu(fill[i]);
	kvfree(fill);
	pcpu_kunit_settle();

	kunit_info(test, "%d atomic allocations filled the populated pages; %d drains gave back %lu objects, at allocation %d; a cached object's space %s\n",
		   n, pcpu_kunit_drains, pcpu_kunit_drained, drain_at,
		   reused ? "reused" : "not reused");
	KUNIT_EXPECT_GT_MSG(test, nr, 0, "no freed object was cached");
	KUNIT_ASSERT_LT_MSG(test, n, PCPU_KUNIT_FILL_OBJS,
			    "the populated pages did not fill");
	KUNIT_EXPECT_GT_MSG(test, pcpu_kunit_drained, 0,
			    "no failed atomic search drained the cache");
	KUNIT_EXPECT_GE_MSG(test, drain_at, 0, "no drain");
	KUNIT_EXPECT_LT_MSG(test, drain_at, n,
			    "the allocation that drained the cache failed");
}

static struct kunit_case pcpu_kunit_cases[] = {
	KUNIT_CASE(pcpu_kunit_random_ops_keep_hints_exact),
	KUNIT_CASE(pcpu_kunit_cache_batches_keep_hints_exact),
	KUNIT_CASE(pcpu_kunit_budgeted_folds),
	KUNIT_CASE(pcpu_kunit_full_and_empty_transitions),
	KUNIT_CASE(pcpu_kunit_every_alignment),
	KUNIT_CASE(pcpu_kunit_pop_only_uses_populated_pages),
	KUNIT_CASE(pcpu_kunit_invalid_free_changes_nothing),
	KUNIT_CASE(pcpu_kunit_stats_count_each_free),
	KUNIT_CASE(pcpu_kunit_emptied_chunk_in_free_slot),
	KUNIT_CASE(pcpu_kunit_fault_chunk_create_unwinds),
	KUNIT_CASE(pcpu_kunit_fault_alloc_fails_cleanly),
	KUNIT_CASE(pcpu_kunit_mutex_only_to_populate),
	KUNIT_CASE(pcpu_kunit_live_after_hooks),
	KUNIT_CASE(pcpu_kunit_cache_hands_out_zeroed),
	KUNIT_CASE(pcpu_kunit_cache_drained_by_shrinker),
	KUNIT_CASE(pcpu_kunit_cache_drained_on_cpu_death),
	KUNIT_CASE(pcpu_kunit_cache_bytes_bounded),
	KUNIT_CASE(pcpu_kunit_cache_refill_small_first),
	KUNIT_CASE(pcpu_kunit_cache_trimmed_when_idle),
	KUNIT_CASE(pcpu_kunit_cache_refill_arms_trim),
	KUNIT_CASE(pcpu_kunit_atomic_drains_cache),
	KUNIT_CASE(pcpu_kunit_stats_count_api_calls),
	{}
};

static struct kunit_suite pcpu_kunit_suite = {
	.name = "percpu_internal",
	.test_cases = pcpu_kunit_cases,
};

kunit_test_suite(pcpu_kunit_suite);

#endif /* _MM_TESTS_PERCPU_KUNIT_H */
#endif /* CONFIG_PERCPU_INTERNAL_KUNIT_TEST */
