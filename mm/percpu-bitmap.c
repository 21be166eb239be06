// SPDX-License-Identifier: GPL-2.0-only
/*
 * The chunk map of the percpu allocator.
 *
 * A chunk's allocation and boundary bitmaps, its per-page metadata blocks,
 * the summary tree over them and its fit memos: finding a fit, marking an
 * area in use and freeing it, and folding the deferred tree updates.  The
 * structure and the invariant of every hint are described at the top of
 * mm/percpu.c, which includes this file (as it includes percpu-vm.c or
 * percpu-km.c) after what it uses from there: pcpu_lock, pcpu_unit_size,
 * pcpu_free_slot, pcpu_chunk_slot(), pcpu_chunk_relocate() and
 * pcpu_update_empty_pages().
 */

static inline unsigned long *pcpu_block_map(struct pcpu_chunk *chunk,
					    int index)
{
	return chunk->alloc_map + index * (PCPU_BITMAP_BLOCK_BITS / BITS_PER_LONG);
}

/*
 * find_next_zero_bit(), find_next_bit() and find_last_bit() with the
 * common case inline: the answer lies in the word of the starting bit.
 * Most allocations and frees look for the end of the run they touch,
 * which is a few bits away; the library calls cost more than the search.
 */
static __always_inline int pcpu_next_zero(const unsigned long *map, int size,
					  unsigned int bit)
{
	if (bit < (unsigned int)size) {
		unsigned long w = ~map[BIT_WORD(bit)] &
				  BITMAP_FIRST_WORD_MASK(bit);

		if (w)
			return min_t(int, size, round_down(bit, BITS_PER_LONG) +
				     __ffs(w));
	}
	return find_next_zero_bit(map, size, bit);
}

static __always_inline int pcpu_next_one(const unsigned long *map, int size,
					 unsigned int bit)
{
	if (bit < (unsigned int)size) {
		unsigned long w = map[BIT_WORD(bit)] &
				  BITMAP_FIRST_WORD_MASK(bit);

		if (w)
			return min_t(int, size, round_down(bit, BITS_PER_LONG) +
				     __ffs(w));
	}
	return find_next_bit(map, size, bit);
}

/* The last set bit below @bit, or @bit if there is none. */
static __always_inline int pcpu_prev_one(const unsigned long *map,
					 unsigned int bit)
{
	if (bit) {
		unsigned long w = map[BIT_WORD(bit - 1)] &
				  BITMAP_LAST_WORD_MASK(bit);

		if (w)
			return round_down(bit - 1, BITS_PER_LONG) + __fls(w);
	}
	return find_last_bit(map, bit);
}

/* bitmap_set() and bitmap_clear(), inline for a range within one word. */
static __always_inline void pcpu_set_bits(unsigned long *map,
					  unsigned int start, unsigned int nr)
{
	if (BIT_WORD(start) == BIT_WORD(start + nr - 1))
		map[BIT_WORD(start)] |= BITMAP_FIRST_WORD_MASK(start) &
					BITMAP_LAST_WORD_MASK(start + nr);
	else
		bitmap_set(map, start, nr);
}

static __always_inline void pcpu_clear_bits(unsigned long *map,
					    unsigned int start, unsigned int nr)
{
	if (BIT_WORD(start) == BIT_WORD(start + nr - 1))
		map[BIT_WORD(start)] &= ~(BITMAP_FIRST_WORD_MASK(start) &
					  BITMAP_LAST_WORD_MASK(start + nr));
	else
		bitmap_clear(map, start, nr);
}

static bool pcpu_page_is_empty(struct pcpu_chunk *chunk, int page)
{
	return chunk->md_blocks[page].contig == PCPU_BITMAP_BLOCK_BITS;
}

/* Copy the edges and longest run of block @index into its leaf. */
static void pcpu_tree_leaf(struct pcpu_chunk *chunk, int index)
{
	struct pcpu_block_md *block = chunk->md_blocks + index;

	chunk->tree[chunk->nr_tree_leaves + index] =
		(struct pcpu_span){ block->left, block->right, block->contig };
}

/* Node @i of @tree from its children, which have @len bits under each. */
static struct pcpu_span pcpu_tree_node(const struct pcpu_span *tree, int i,
				       int len)
{
	const struct pcpu_span *l = tree + 2 * i, *r = l + 1;

	return (struct pcpu_span){
		.left = l->left == len ? len + r->left : l->left,
		.right = r->right == len ? len + l->right : r->right,
		.contig = max3(l->contig, r->contig, l->right + r->left),
	};
}

/*
 * Recompute the nodes above the leaf of block @index, up to the first
 * node that does not change: the nodes above it depend only on its value.
 */
static void pcpu_tree_update(struct pcpu_chunk *chunk, int index)
{
	struct pcpu_span *tree = chunk->tree;
	int len = PCPU_BITMAP_BLOCK_BITS;	/* bits under each child */
	int i;

	for (i = (chunk->nr_tree_leaves + index) / 2; i; i /= 2, len *= 2) {
		struct pcpu_span n = pcpu_tree_node(tree, i, len);

		if (n.left == tree[i].left && n.right == tree[i].right &&
		    n.contig == tree[i].contig)
			break;
		tree[i] = n;
	}
}

/*
 * Allocations and frees update the leaves of the blocks they change but
 * do not update the nodes above them: they mark the blocks in
 * chunk->tree_dirty, and pcpu_chunk_fold() folds them in, once for all the
 * changes since.  A burst of allocations or frees over one block then
 * costs one walk up the tree instead of one per operation.
 *
 * Allocations only shorten free runs, so after them the root is an upper
 * bound of the chunk's longest run: enough to choose chunks, whose searches
 * go by the exact block hints.  A chunk is folded when a search in it
 * fails (the root was too high), when an allocation takes it out of the
 * free slot and when a free empties it: free_percpu() and
 * pcpu_balance_free() look for fully free chunks in the free slot.  Frees
 * lengthen runs: a root below the longest run hides room from allocations,
 * so a free puts the chunk on pcpu_stale_chunks.  Every allocation folds a
 * batch of their leaves (PCPU_TREE_FOLD_BATCH) before it chooses a chunk,
 * and one that finds no room in the slots searches the stale chunks below
 * the slots it walked as they are (their blocks are exact) before it fails
 * or makes a chunk: the folding that a mass free defers is spread over the
 * allocations after it, a bounded amount each, and lands on no single
 * caller.
 */
static LIST_HEAD(pcpu_stale_chunks);

/*
 * Most dirty leaves one allocation folds into the trees: each costs at most
 * a walk to the root (log2 of the blocks, 8 levels for 256), so a batch is
 * about as many nodes (256) as pcpu_tree_build() computes for a chunk of
 * 256 pages (255).
 * Past it, an allocation rebuilds at most one tree.
 */
#define PCPU_TREE_FOLD_BATCH	32

/* Update the nodes above the dirty leaves of @chunk's tree. */
static void pcpu_tree_update_dirty(struct pcpu_chunk *chunk)
{
	unsigned int index;

	for_each_set_bit(index, chunk->tree_dirty, pcpu_chunk_nr_blocks(chunk))
		pcpu_tree_update(chunk, index);
	bitmap_zero(chunk->tree_dirty, pcpu_chunk_nr_blocks(chunk));
}

/* Compute every node of @chunk's tree from its leaves, in O(blocks). */
static void pcpu_tree_build(struct pcpu_chunk *chunk)
{
	int first, len, i;

	for (first = chunk->nr_tree_leaves / 2, len = PCPU_BITMAP_BLOCK_BITS;
	     first; first /= 2, len *= 2)
		for (i = first; i < 2 * first; i++)
			chunk->tree[i] = pcpu_tree_node(chunk->tree, i, len);
	bitmap_zero(chunk->tree_dirty, pcpu_chunk_nr_blocks(chunk));
}

/*
 * Bring the tree of @chunk up to date and put @chunk in the slot its root
 * now gives; the slot it is in is the one its old root gave
 * (pcpu_chunk_slot()).  The dirty leaves are folded if *@budget covers
 * them, and taken from it; otherwise, or if the chunk is fully free, the
 * tree is rebuilt from its leaves, in O(blocks), and the budget is spent:
 * a chunk filled by allocations has every leaf dirty, and must leave the
 * slots of the requests it no longer fits at once, or every allocation
 * would walk it.
 */
static void pcpu_chunk_fold(struct pcpu_chunk *chunk, int *budget)
{
	int nr_blocks = pcpu_chunk_nr_blocks(chunk);
	int oslot = pcpu_chunk_slot(chunk);
	int dirty = bitmap_weight(chunk->tree_dirty, nr_blocks);

	lockdep_assert_held(&pcpu_lock);

	if (!dirty) {
		/* nothing to fold */
	} else if (dirty > *budget || chunk->free_bytes == pcpu_unit_size) {
		pcpu_tree_build(chunk);
		*budget = 0;
	} else {
		pcpu_tree_update_dirty(chunk);
		*budget -= dirty;
	}
	list_del_init(&chunk->stale_list);
	pcpu_chunk_relocate(chunk, oslot);
}

/* pcpu_chunk_fold() with no bound, for chunks with few dirty leaves. */
static void pcpu_chunk_fold_whole(struct pcpu_chunk *chunk)
{
	int budget = INT_MAX;

	pcpu_chunk_fold(chunk, &budget);
}

/*
 * Fold the chunks with pending frees, oldest first, while *@budget
 * lasts.  Returns whether none is left.
 */
static bool pcpu_fold_stale(int *budget)
{
	struct pcpu_chunk *chunk, *next;

	lockdep_assert_held(&pcpu_lock);

	list_for_each_entry_safe(chunk, next, &pcpu_stale_chunks, stale_list) {
		if (*budget <= 0)
			break;
		pcpu_chunk_fold(chunk, budget);
	}
	return list_empty(&pcpu_stale_chunks);
}

/*
 * pcpu_block_scan_contig - find the longest free run of a block
 * @chunk: chunk of interest
 * @index: index of the block
 * @stop_at: if not 0, a bound of every free run of the block: the walk
 *	     stops at a run this long, which is a longest one
 *
 * Walks the free runs of the block from its first free bit: O(runs), at
 * most PCPU_BITMAP_BLOCK_BITS / 2 of them.  Without @stop_at, the bound of
 * the other runs becomes exact.
 */
static void pcpu_block_scan_contig(struct pcpu_chunk *chunk, int index,
				   int stop_at)
{
	struct pcpu_block_md *block = chunk->md_blocks + index;
	unsigned long *map = pcpu_block_map(chunk, index);
	int start, end, best = 0, best_start = 0, other = 0;

	for (start = block->first_free; start < PCPU_BITMAP_BLOCK_BITS; ) {
		end = pcpu_next_one(map, PCPU_BITMAP_BLOCK_BITS, start);
		if (stop_at && end - start >= stop_at) {
			pcpu_stats_scan(end - block->first_free);
			block->contig = end - start;
			block->contig_start = start;
			return;
		}
		if (end - start > best) {
			other = best;
			best = end - start;
			best_start = start;
		} else {
			other = max(other, end - start);
		}
		start = pcpu_next_zero(map, PCPU_BITMAP_BLOCK_BITS, end);
	}
	pcpu_stats_scan(PCPU_BITMAP_BLOCK_BITS - block->first_free);
	block->contig = best;
	block->contig_start = best_start;
	block->other = other;
}

/*
 * pcpu_block_alloc - update a block's hints after an allocation
 * @chunk: chunk of interest
 * @index: index of the block
 * @s: first bit allocated, relative to the block
 * @e: end of the bits allocated, relative to the block
 *
 * Local reasoning: the edges and the first free bit move only if the
 * allocation starts at them; the longest run changes only if it is the run
 * cut, and then it is the longer piece unless the bound of the other runs
 * is longer still.  Only then is the block walked, stopping at a run as
 * long as that bound.
 */
static __always_inline void pcpu_block_alloc(struct pcpu_chunk *chunk, int index,
					     int s, int e)
{
	struct pcpu_block_md *block = chunk->md_blocks + index;
	int cs = block->contig_start, ce = cs + block->contig;
	int head = s - cs, tail = ce - e;

	if (s == block->first_free) {
		block->first_free = pcpu_next_zero(pcpu_block_map(chunk, index),
						   PCPU_BITMAP_BLOCK_BITS, e);
		pcpu_stats_scan(block->first_free - e);
	}
	if (s < block->left)
		block->left = s;
	if (e > PCPU_BITMAP_BLOCK_BITS - block->right)
		block->right = PCPU_BITMAP_BLOCK_BITS - e;

	/* another run was cut: the bound of the other runs still holds */
	if (s >= ce || e <= cs)
		return;

	if (max(head, tail) >= block->other) {
		block->other = max(block->other, min(head, tail));
		if (head >= tail) {
			block->contig = head;
		} else {
			block->contig = tail;
			block->contig_start = e;
		}
	} else {
		pcpu_block_scan_contig(chunk, index, block->other);
	}
}

/*
 * pcpu_block_free - update a block's hints after a free
 * @chunk: chunk of interest
 * @index: index of the block
 * @s: first bit freed, relative to the block
 * @e: end of the bits freed, relative to the block
 *
 * The freed bits join the free runs around them: the run they end up in
 * is found from the edges of the freed range (the last bit in use before
 * it and the first after it), and every hint only grows.  The run that
 * was the longest stays the longest unless the new one is longer, and
 * then becomes one of the others, unless the new run swallowed it.
 *
 * RETURNS:
 * The start of the free run that holds the freed bits, in the block.
 */
static __always_inline int pcpu_block_free(struct pcpu_chunk *chunk, int index,
					   int s, int e)
{
	struct pcpu_block_md *block = chunk->md_blocks + index;
	unsigned long *map = pcpu_block_map(chunk, index);
	int rs, re, len, cs = block->contig_start;

	/* the edge runs are exact: no search when the range meets them */
	if (s <= block->left) {
		rs = 0;
	} else {
		rs = pcpu_prev_one(map, s);
		rs = rs >= s ? 0 : rs + 1;
	}
	if (e >= PCPU_BITMAP_BLOCK_BITS - block->right)
		re = PCPU_BITMAP_BLOCK_BITS;
	else
		re = pcpu_next_one(map, PCPU_BITMAP_BLOCK_BITS, e);
	len = re - rs;
	pcpu_stats_scan(len - (e - s));

	block->first_free = min(block->first_free, s);
	if (!rs)
		block->left = re;
	if (re == PCPU_BITMAP_BLOCK_BITS)
		block->right = PCPU_BITMAP_BLOCK_BITS - rs;

	if (len > block->contig) {
		if (block->contig && (cs < rs || cs >= re))
			block->other = max(block->other, block->contig);
		block->contig = len;
		block->contig_start = rs;
	} else {
		block->other = max(block->other, len);
	}
	return rs;
}

/*
 * Block @index, which held allocated bits, has had bits freed: its leaf
 * goes into the tree at the next fold, and a populated page that is now
 * free counts as an empty page.
 */
static __always_inline void pcpu_block_freed(struct pcpu_chunk *chunk,
					     int index)
{
	pcpu_tree_leaf(chunk, index);
	__set_bit(index, chunk->tree_dirty);
	if (chunk->md_blocks[index].contig == PCPU_BITMAP_BLOCK_BITS &&
	    test_bit(index, chunk->populated))
		pcpu_update_empty_pages(chunk, 1);
}

/* Frees lengthened runs of @chunk that its tree does not show yet. */
static __always_inline void pcpu_chunk_set_stale(struct pcpu_chunk *chunk)
{
	if (list_empty(&chunk->stale_list))
		list_add_tail(&chunk->stale_list, &pcpu_stale_chunks);
}

/*
 * After a free whose first block is @first: the start of the free run
 * that holds the freed bits, @run_start in block @first, or a bit below
 * it that is no lower than the chunk's first free bit.  A run at a
 * block's left edge may come from the blocks before: from the previous
 * block's right edge, or, if that block is free, from further back;
 * chunk->first_free is then a bound below it.
 */
static __always_inline int pcpu_freed_run_start(struct pcpu_chunk *chunk,
						int first, int run_start)
{
	if (first && run_start == first * PCPU_BITMAP_BLOCK_BITS) {
		int prev = chunk->md_blocks[first - 1].right;

		run_start = prev < PCPU_BITMAP_BLOCK_BITS ? run_start - prev :
			    min(run_start, chunk->first_free);
	}
	return run_start;
}

/*
 * pcpu_blocks_update - update the metadata after bits changed
 * @chunk: chunk of interest
 * @start: first bit that changed
 * @end: end of the bits that changed
 * @alloc: the bits were allocated (else freed)
 *
 * Updates the blocks of [@start, @end), their leaves in the tree (marked
 * dirty) and the empty page count.
 *
 * RETURNS:
 * After a free, the start of the free run that holds @start, or a bit
 * below it that is no lower than the chunk's first free bit.
 */
static __always_inline int pcpu_blocks_update(struct pcpu_chunk *chunk,
					      int start, int end, bool alloc)
{
	int first = start / PCPU_BITMAP_BLOCK_BITS;
	int last = (end - 1) / PCPU_BITMAP_BLOCK_BITS;
	int index, rs, run_start = start, nr_empty = 0;

	for (index = first; index <= last; index++) {
		struct pcpu_block_md *block = chunk->md_blocks + index;
		int base = index * PCPU_BITMAP_BLOCK_BITS;

		/* only populated pages count as empty pages */
		if (alloc) {
			if (block->contig == PCPU_BITMAP_BLOCK_BITS &&
			    test_bit(index, chunk->populated))
				nr_empty--;
			pcpu_block_alloc(chunk, index, max(start, base) - base,
					 min_t(int, end, base + PCPU_BITMAP_BLOCK_BITS) -
					 base);
		} else {
			rs = pcpu_block_free(chunk, index, max(start, base) - base,
					     min_t(int, end, base + PCPU_BITMAP_BLOCK_BITS) -
					     base);
			if (index == first)
				run_start = base + rs;
			if (block->contig == PCPU_BITMAP_BLOCK_BITS &&
			    test_bit(index, chunk->populated))
				nr_empty++;
		}
		pcpu_tree_leaf(chunk, index);
		__set_bit(index, chunk->tree_dirty);
	}
	pcpu_update_empty_pages(chunk, nr_empty);
	if (alloc)
		return 0;
	pcpu_chunk_set_stale(chunk);
	return pcpu_freed_run_start(chunk, first, run_start);
}

/*
 * pcpu_blocks_update() made for allocations, written out for the common
 * area in one block, as pcpu_update_free().
 */
static noinline void pcpu_update_alloc(struct pcpu_chunk *chunk, int start,
				       int end)
{
	unsigned int index = (unsigned int)start / PCPU_BITMAP_BLOCK_BITS;
	int base = index * PCPU_BITMAP_BLOCK_BITS;

	if (end - base > PCPU_BITMAP_BLOCK_BITS) {
		pcpu_blocks_update(chunk, start, end, true);
		return;
	}
	/* only populated pages count as empty pages */
	if (chunk->md_blocks[index].contig == PCPU_BITMAP_BLOCK_BITS &&
	    test_bit(index, chunk->populated))
		pcpu_update_empty_pages(chunk, -1);
	pcpu_block_alloc(chunk, index, start - base, end - base);
	pcpu_tree_leaf(chunk, index);
	__set_bit(index, chunk->tree_dirty);
}

/*
 * pcpu_blocks_update() made for frees.  Most frees lie in one block: for
 * them it is written out, with none of the walk's bounds to compute.
 */
static noinline int pcpu_update_free(struct pcpu_chunk *chunk, int start,
				     int end)
{
	unsigned int index = (unsigned int)start / PCPU_BITMAP_BLOCK_BITS;
	int base = index * PCPU_BITMAP_BLOCK_BITS;
	int rs;

	if (end - base > PCPU_BITMAP_BLOCK_BITS)
		return pcpu_blocks_update(chunk, start, end, false);

	rs = pcpu_block_free(chunk, index, start - base, end - base);
	pcpu_block_freed(chunk, index);
	pcpu_chunk_set_stale(chunk);
	return pcpu_freed_run_start(chunk, index, base + rs);
}

/*
 * pcpu_scan_words - first fit of up to BITS_PER_LONG bits, aligned to
 * BITS_PER_LONG bits or more
 *
 * Every candidate starts a word, and is a fit if the first @bits bits of
 * that word are free: one test per candidate, and only the aligned words
 * are looked at.  pcpu_scan_short()'s arguments.
 */
static int pcpu_scan_words(const unsigned long *map, int start, int limit,
			   int end, int bits, int align)
{
	unsigned long mask = BITMAP_LAST_WORD_MASK(bits);
	int fit;

	for (fit = ALIGN(start, align); fit < limit && fit + bits <= end;
	     fit += align) {
		pcpu_stats_scan(bits);
		if (!(map[(unsigned int)fit / BITS_PER_LONG] & mask))
			return fit;
	}
	return -1;
}

/*
 * pcpu_scan_short - first aligned fit of up to BITS_PER_LONG bits
 * @map: allocation map
 * @start: first candidate bit
 * @limit: candidates start below this
 * @end: the fit must end by this
 * @bits: size of the fit, at most BITS_PER_LONG
 * @align: alignment of the fit, a power of two
 *
 * One word at a time: the free bits of a word and the next are ANDed with
 * themselves shifted, doubling the length of the runs they stand for,
 * until a set bit marks the start of @bits free bits; a mask keeps the
 * aligned starts.  O(log @bits) per word, whatever the fragmentation; a
 * word with no free bit costs one test.  Fits aligned to a word or more
 * are pcpu_scan_words()' to find.
 */
static int pcpu_scan_short(const unsigned long *map, int start, int limit,
			   int end, int bits, int align)
{
	unsigned long amask;
	int i, last = (limit - 1) / BITS_PER_LONG;

	if (align >= BITS_PER_LONG)
		return pcpu_scan_words(map, start, limit, end, bits, align);
	amask = ~0UL / ((1UL << align) - 1);
	for (i = start / BITS_PER_LONG; i <= last; i++) {
		int base = i * BITS_PER_LONG, have, step;
		unsigned long lo, hi = 0, cand;

		pcpu_stats_scan(BITS_PER_LONG);
		lo = ~map[i];
		if (!lo)
			continue;
		if (end - base < BITS_PER_LONG)
			lo &= BITMAP_LAST_WORD_MASK(end - base);
		else if (end - base > BITS_PER_LONG)
			hi = ~map[i + 1];
		if (end - base > BITS_PER_LONG && end - base < 2 * BITS_PER_LONG)
			hi &= BITMAP_LAST_WORD_MASK(end - base - BITS_PER_LONG);

		/* a word whose runs all end short stops early */
		for (have = 1; lo && have < bits; have += step) {
			step = min(have, bits - have);
			lo &= (lo >> step) | (hi << (BITS_PER_LONG - step));
			hi &= hi >> step;
		}

		cand = lo & amask;
		if (base < start)
			cand &= BITMAP_FIRST_WORD_MASK(start);
		if (i == last)
			cand &= BITMAP_LAST_WORD_MASK(limit);
		if (cand)
			return base + __ffs(cand);
	}
	return -1;
}

/*
 * pcpu_scan_long - first aligned fit of more than BITS_PER_LONG bits
 *
 * Same arguments as pcpu_scan_short(); walks the free runs from @start.
 */
static int pcpu_scan_long(const unsigned long *map, int start, int limit,
			  int end, int bits, int align)
{
	int fit, stop, from = start;

	while (start < limit) {
		start = pcpu_next_zero(map, limit, start);
		if (start >= limit)
			break;
		fit = ALIGN(start, align);
		if (fit >= limit)
			break;
		stop = pcpu_next_one(map, min(fit + bits, end), start);
		if (stop >= fit + bits) {
			pcpu_stats_scan(stop - from);
			return fit;
		}
		start = stop;
	}
	pcpu_stats_scan(min(start, limit) - from);
	return -1;
}

/*
 * pcpu_find_fit - first fit through the block hints
 * @chunk: chunk of interest
 * @from: first bit to consider
 * @bits: size of the allocation in bits
 * @align: alignment in bits, a power of two
 * @pop_only: the fit must lie in populated pages
 *
 * Walks the blocks from the one holding @from and scans only the blocks
 * whose hints say a fit may start in them: a longest run of at least @bits
 * (from the block's first free bit; when the bound of its other runs is
 * below @bits, the run's first aligned start is tested with no scan, and
 * only the run at the right edge is scanned after it), or a right-edge run
 * that reaches @bits with the free blocks after it.  A scan covers one
 * block (plus the run leaving it), so the bits scanned are bounded by the
 * blocks whose hints allow the request but whose free bits turn out
 * misaligned.
 *
 * RETURNS:
 * The first bit of the fit, or -1 if there is none.
 */
static int pcpu_find_fit(struct pcpu_chunk *chunk, int from, int bits,
			 int align, bool pop_only)
{
	int nr_blocks = pcpu_chunk_nr_blocks(chunk);
	int end = pcpu_chunk_map_bits(chunk);
	int index, start, limit, fit, run, next;

	for (index = from / PCPU_BITMAP_BLOCK_BITS; index < nr_blocks; index++) {
		struct pcpu_block_md *block = chunk->md_blocks + index;
		int base = index * PCPU_BITMAP_BLOCK_BITS;

		if (block->first_free == PCPU_BITMAP_BLOCK_BITS)
			continue;
		if (pop_only) {
			if (!test_bit(index, chunk->populated))
				continue;
			end = find_next_zero_bit(chunk->populated,
						 chunk->nr_pages, index) *
			      PCPU_BITMAP_BLOCK_BITS;
		}

		if (block->contig >= bits && block->other < bits) {
			/*
			 * Only the longest run holds a fit inside the page:
			 * its first aligned start, or else a fit from the
			 * run at the right edge on into the next blocks.
			 */
			fit = ALIGN(max(base + block->contig_start, from), align);
			if (fit + bits <= base + block->contig_start +
			    block->contig && fit + bits <= end) {
				pcpu_stats_scan(bits);
				return fit;
			}
			if (!block->right)
				continue;
			start = PCPU_BITMAP_BLOCK_BITS - block->right;
		} else if (block->contig >= bits) {
			start = block->first_free;
		} else {
			/* only the run leaving the block may be long enough */
			run = block->right;
			for (next = index + 1; run && run < bits &&
			     next * PCPU_BITMAP_BLOCK_BITS < end; next++) {
				run += chunk->md_blocks[next].left;
				if (chunk->md_blocks[next].left !=
				    PCPU_BITMAP_BLOCK_BITS)
					break;
			}
			if (run < bits)
				continue;
			start = PCPU_BITMAP_BLOCK_BITS - block->right;
		}

		start = max(base + start, from);
		limit = base + PCPU_BITMAP_BLOCK_BITS;
		if (bits <= BITS_PER_LONG)
			fit = pcpu_scan_short(chunk->alloc_map, start, limit,
					      end, bits, align);
		else
			fit = pcpu_scan_long(chunk->alloc_map, start, limit,
					     end, bits, align);
		if (fit >= 0)
			return fit;
	}
	return -1;
}

/*
 * Whether @bits bits at @align fit at @bit: then they are the first fit
 * from @bit.  Sequential allocations take their fit here, without the
 * walk of pcpu_find_fit().
 */
static bool pcpu_fits_at(struct pcpu_chunk *chunk, int bit, int bits,
			 int align)
{
	if (bit % align || bit + bits > pcpu_chunk_map_bits(chunk))
		return false;
	pcpu_stats_scan(bits);
	return pcpu_next_one(chunk->alloc_map, bit + bits, bit) >= bit + bits;
}

/* Whether @chunk's hints rule out @bits bits at @align. */
static bool pcpu_chunk_cannot_fit(struct pcpu_chunk *chunk, int bits,
				  int align)
{
	struct pcpu_fit_memo *memo = chunk->fit_memo + ilog2(align);
	/* with frees not folded yet, the root may be below the longest run */
	int longest = list_empty(&chunk->stale_list) ? pcpu_chunk_contig(chunk) :
		      chunk->free_bytes / PCPU_MIN_ALLOC_SIZE;

	return bits > longest ||
	       (pcpu_memo_bit(chunk, memo) >= pcpu_chunk_map_bits(chunk) &&
		bits >= memo->bits);
}

/* Fold the frees since the last allocation into the fit memos. */
static void pcpu_memo_fold(struct pcpu_chunk *chunk)
{
	struct pcpu_fit_memo *memo;

	if (chunk->memo_floor == INT_MAX)
		return;
	for (memo = chunk->fit_memo;
	     memo < chunk->fit_memo + PCPU_NR_ALIGN_ORDERS; memo++)
		memo->bit = pcpu_memo_bit(chunk, memo);
	chunk->memo_floor = INT_MAX;
}

/* The first free bit of the blocks from @index on, from their hints. */
static int pcpu_next_free(struct pcpu_chunk *chunk, int index)
{
	for (; index < pcpu_chunk_nr_blocks(chunk); index++)
		if (chunk->md_blocks[index].first_free < PCPU_BITMAP_BLOCK_BITS)
			return index * PCPU_BITMAP_BLOCK_BITS +
			       chunk->md_blocks[index].first_free;
	return pcpu_chunk_map_bits(chunk);
}

/* Mark [@bit_off, @bit_off + @bits) in use, with its bound bit. */
static void pcpu_set_area(struct pcpu_chunk *chunk, int bit_off, int bits)
{
	pcpu_map_write_begin(chunk);
	pcpu_set_bits(chunk->alloc_map, bit_off, bits);
	__set_bit(bit_off, chunk->bound_map);
	pcpu_map_write_end(chunk);
	chunk->free_bytes -= bits * PCPU_MIN_ALLOC_SIZE;
	pcpu_update_alloc(chunk, bit_off, bit_off + bits);
	/*
	 * An allocation from the chunk's first free bit starts at its last
	 * block's first free bit too, which pcpu_block_alloc() moved on.
	 */
	if (bit_off == chunk->first_free)
		chunk->first_free =
			pcpu_next_free(chunk, (bit_off + bits - 1) / PCPU_BITMAP_BLOCK_BITS);
}

/*
 * Make the area of @nr * @bits bits at @bit_off, just allocated, @nr
 * allocations of @bits bits: their bound bits.  The bits in use, and so
 * every hint, stay as they are.
 */
static void pcpu_split_area(struct pcpu_chunk *chunk, int bit_off, int nr,
			    int bits)
{
	int i;

	lockdep_assert_held(&pcpu_lock);

	pcpu_map_write_begin(chunk);
	for (i = 1; i < nr; i++)
		__set_bit(bit_off + i * bits, chunk->bound_map);
	pcpu_map_write_end(chunk);
}

/*
 * pcpu_alloc_area - allocate an area from a chunk
 * @chunk: chunk of interest
 * @bits: size of the allocation in bits
 * @align: alignment in bits, a power of two
 * @pop_only: the area must lie in populated pages (atomic allocations)
 * @budget: leaves of the tree the caller may still fold in this lock hold
 *
 * First fit from chunk->first_free, or from where the fit memo says the
 * fits start, through the block hints.  Updates the hints, the free size
 * and the empty page count; the tree waits for pcpu_chunk_fold().
 *
 * CONTEXT:
 * pcpu_lock.
 *
 * RETURNS:
 * The offset of the area in bytes, or -1 if nothing in @chunk fits.
 */
static int pcpu_alloc_area(struct pcpu_chunk *chunk, int bits, int align,
			   bool pop_only, int *budget)
{
	struct pcpu_fit_memo *memo = chunk->fit_memo + ilog2(align);
	int oslot;
	int from = chunk->first_free;
	int bit_off;

	lockdep_assert_held(&pcpu_lock);

	oslot = pcpu_chunk_slot(chunk);
	pcpu_memo_fold(chunk);
	if (bits >= memo->bits)
		from = max(from, memo->bit);
	if (!pop_only && pcpu_fits_at(chunk, from, bits, align))
		bit_off = from;
	else
		bit_off = pcpu_find_fit(chunk, from, bits, align, pop_only);

	/* an atomic search skips unpopulated pages: it proves nothing */
	if (!pop_only) {
		memo->bit = bit_off < 0 ? pcpu_chunk_map_bits(chunk) : bit_off;
		memo->bits = bits;
	}
	if (bit_off < 0) {
		/*
		 * The root may have been too high: lower it as far as the
		 * budget goes; meanwhile the memo keeps this request away.
		 */
		if (*budget > 0)
			pcpu_chunk_fold(chunk, budget);
		return -1;
	}

	pcpu_set_area(chunk, bit_off, bits);
	/*
	 * The root is as before, and so is the slot, but a chunk leaves the
	 * free slot now.
	 */
	if (oslot == pcpu_free_slot)
		pcpu_chunk_fold_whole(chunk);
	return bit_off * PCPU_MIN_ALLOC_SIZE;
}

/*
 * pcpu_alloc_size_bits - the size of the allocation at @bit_off, in bits
 *
 * RETURNS:
 * The size, or 0 if @bit_off does not start an allocation.
 */
static int pcpu_alloc_size_bits(struct pcpu_chunk *chunk, int bit_off)
{
	unsigned int nbits = pcpu_chunk_map_bits(chunk);
	unsigned int next = bit_off + 1, i, limit;
	unsigned long w;

	if ((unsigned int)bit_off >= nbits || !test_bit(bit_off, chunk->bound_map))
		return 0;

	/*
	 * The allocation ends at the first bound bit or free bit after it:
	 * look at both maps a word at a time, so that the cost is the size
	 * of the allocation, whatever follows it.
	 */
	limit = min_t(unsigned int, nbits,
		      bit_off + PCPU_MIN_UNIT_SIZE / PCPU_MIN_ALLOC_SIZE);
	w = BITMAP_FIRST_WORD_MASK(next);
	for (i = next / BITS_PER_LONG; i * BITS_PER_LONG < limit; i++) {
		w &= chunk->bound_map[i] | ~chunk->alloc_map[i];
		if (w)
			return min_t(unsigned int, i * BITS_PER_LONG + __ffs(w),
				     limit) - bit_off;
		w = ~0UL;
	}
	return limit - bit_off;
}

/* Clear the @bits bits at @bit_off, which start an allocation of @bits. */
static __always_inline void pcpu_clear_area(struct pcpu_chunk *chunk,
					    int bit_off, int bits)
{
	pcpu_map_write_begin(chunk);
	__clear_bit(bit_off, chunk->bound_map);
	pcpu_clear_bits(chunk->alloc_map, bit_off, bits);
	pcpu_map_write_end(chunk);
	chunk->first_free = min(chunk->first_free, bit_off);
}

/* Free the @bits bits at @bit_off, which start an allocation of @bits. */
static void pcpu_free_bits(struct pcpu_chunk *chunk, int bit_off, int bits)
{
	int run_start;

	pcpu_clear_area(chunk, bit_off, bits);
	chunk->free_bytes += bits * PCPU_MIN_ALLOC_SIZE;
	run_start = pcpu_update_free(chunk, bit_off, bit_off + bits);
	chunk->memo_floor = min(chunk->memo_floor, run_start);
}

/*
 * pcpu_free_bits_many - free allocations of one size
 * @chunk: chunk of interest
 * @bit_offs: their offsets in bits, each within one block
 * @nr: how many
 * @bits: their size in bits
 * @scanned: the bits the frees scanned are added to it
 * @most: raised to the most bits one free scanned
 *
 * pcpu_free_bits() for each, in order, but through the update of a block
 * written out for areas in one block (no pcpu_update_free() call), with
 * the leaf and dirty bit of a block set once for each run of allocations
 * in it, and the stale list, free_bytes and the memo floor written once.
 * A cache gives back objects of one size, mostly of one chunk.  As for
 * pcpu_free_bits(), percpu_stats is the caller's: @scanned and @most are
 * for pcpu_stats_area_dealloc_many().
 *
 * CONTEXT:
 * pcpu_lock.
 */
static void pcpu_free_bits_many(struct pcpu_chunk *chunk, const int *bit_offs,
				int nr, int bits, u64 *scanned,
				unsigned int *most)
{
	int i, cur = -1, floor = chunk->memo_floor;
	unsigned int sum = 0, top = 0;

	for (i = 0; i < nr; i++) {
		int bit_off = bit_offs[i];
		int index = (unsigned int)bit_off / PCPU_BITMAP_BLOCK_BITS;
		int base = index * PCPU_BITMAP_BLOCK_BITS, rs;

		VM_WARN_ON_ONCE(bit_off - base + bits > PCPU_BITMAP_BLOCK_BITS);
		if (index != cur && cur >= 0)
			pcpu_block_freed(chunk, cur);
		cur = index;
		pcpu_clear_area(chunk, bit_off, bits);
		pcpu_stats_scan_reset();
		rs = pcpu_block_free(chunk, index, bit_off - base,
				     bit_off - base + bits);
		sum += pcpu_stats_scan_count();
		top = max(top, pcpu_stats_scan_count());
		floor = min(floor, pcpu_freed_run_start(chunk, index, base + rs));
	}
	if (cur < 0)
		return;
	pcpu_block_freed(chunk, cur);
	pcpu_chunk_set_stale(chunk);
	chunk->free_bytes += nr * bits * PCPU_MIN_ALLOC_SIZE;
	chunk->memo_floor = floor;
	*scanned += sum;
	*most = max(*most, top);
}

/*
 * pcpu_free_area - free the area that starts at an offset
 * @chunk: chunk of interest
 * @byte_off: offset of the area in bytes
 *
 * CONTEXT:
 * pcpu_lock.
 *
 * RETURNS:
 * The number of bytes freed, 0 if @byte_off does not start an allocation.
 */
static int pcpu_free_area(struct pcpu_chunk *chunk, int byte_off)
{
	int nbits = pcpu_chunk_map_bits(chunk);
	int bit_off = byte_off / PCPU_MIN_ALLOC_SIZE;
	int bits;

	lockdep_assert_held(&pcpu_lock);

	bits = byte_off % PCPU_MIN_ALLOC_SIZE ? 0 :
	       pcpu_alloc_size_bits(chunk, bit_off);
	pcpu_stats_scan(bits);
	if (WARN_ONCE(!bits || bit_off < chunk->start_offset / PCPU_MIN_ALLOC_SIZE ||
		      bit_off + bits > nbits - chunk->end_offset / PCPU_MIN_ALLOC_SIZE,
		      "percpu: free of offset %d, which does not start an allocation\n",
		      byte_off))
		return 0;

	pcpu_free_bits(chunk, bit_off, bits);
	/* the chunk moves to its new slot when its tree is folded */
	return bits * PCPU_MIN_ALLOC_SIZE;
}

/*
 * Reset the metadata of a chunk whose bits are all free: every block is
 * empty, and the tree is built level by level, in O(blocks).  Chunk
 * creation pays it, once per chunk.
 */
static void pcpu_init_md_blocks(struct pcpu_chunk *chunk)
{
	const struct pcpu_span empty = {
		PCPU_BITMAP_BLOCK_BITS, PCPU_BITMAP_BLOCK_BITS,
		PCPU_BITMAP_BLOCK_BITS
	};
	int nr_blocks = pcpu_chunk_nr_blocks(chunk);
	int leaves = chunk->nr_tree_leaves;
	int i;

	for (i = 0; i < nr_blocks; i++)
		chunk->md_blocks[i] = (struct pcpu_block_md){
			.contig = PCPU_BITMAP_BLOCK_BITS,
			.left = PCPU_BITMAP_BLOCK_BITS,
			.right = PCPU_BITMAP_BLOCK_BITS,
		};
	for (i = 0; i < leaves; i++)
		chunk->tree[leaves + i] = i < nr_blocks ? empty :
					  (struct pcpu_span){ 0, 0, 0 };
	pcpu_tree_build(chunk);
}
