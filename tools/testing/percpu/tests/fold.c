// SPDX-License-Identifier: GPL-2.0
/*
 * The summary tree and its deferred updates: allocations and frees mark
 * leaves dirty, pcpu_chunk_fold() brings the nodes up to date within a
 * budget (or rebuilds the tree), frees leave their chunk on
 * pcpu_stale_chunks until then, and the chunk's slot follows its root.
 * The model checks, after every step, that the root is exact when no leaf
 * is dirty and not below the longest run while no free is pending.
 */
#include "tests.h"

static int t_dirty(struct pcpu_model *m)
{
	return bitmap_weight(m->chunk->tree_dirty,
			     pcpu_chunk_nr_blocks(m->chunk));
}

/*
 * Allocations leave the root too high until a fold.
 *
 *   before  |....|....|....|....|....|....|....|....|   root 8192
 *   after   |####|####|####|#...|....|....|....|....|   root 5120 after
 *           the fold; 8192 before it
 */
static void fold_after_allocations(void)
{
	struct pcpu_model *m = t_chunk();

	t_alloc_at(m, 4, 4, 0);		/* the chunk leaves the free slot */
	ASSERT_EQ(t_dirty(m), 0);
	t_alloc_at(m, 12284, 4, 4);
	t_alloc_at(m, 4, 4, 12288);
	ASSERT_EQ(t_dirty(m), 4);
	ASSERT_EQ(pcpu_chunk_contig(m->chunk), 8 * B - 1);
	t_fold(m);
	ASSERT_EQ(t_dirty(m), 0);
	ASSERT_EQ(pcpu_chunk_contig(m->chunk), 5 * B - 1);
}

/*
 * A budget below the dirty leaves rebuilds the tree and spends the whole
 * budget; a budget that covers them is charged one per leaf.
 */
static void fold_budget(void)
{
	struct pcpu_model *m = t_chunk();
	int budget;

	t_alloc_at(m, 4, 4, 0);
	t_alloc_at(m, 3 * 4096, 4, 4);
	ASSERT_EQ(t_dirty(m), 4);
	budget = 3;
	pcpu_test_fold(m->chunk, &budget);
	ASSERT_EQ(budget, 0);
	t_check(m);

	t_alloc_at(m, 3 * 4096, 4, 12292);
	ASSERT_EQ(t_dirty(m), 4);
	budget = 10;
	pcpu_test_fold(m->chunk, &budget);
	ASSERT_EQ(budget, 6);
	t_check(m);
}

/*
 * pcpu_fold_stale() folds the chunks with pending frees oldest first,
 * while the budget lasts, and says whether any is left.
 *
 *   three chunks, a free in each (one dirty leaf each): a budget of 2
 *   folds the first two
 */
static void fold_stale_oldest_first(void)
{
	struct pcpu_model *m[3];
	int i, budget;

	for (i = 0; i < 3; i++) {
		m[i] = t_chunk();
		t_alloc_at(m[i], 64, 4, 0);
		t_alloc_at(m[i], 64, 4, 64);
	}
	for (i = 0; i < 3; i++) {
		t_fold(m[i]);
		t_free(m[i], 0);
	}
	budget = 2;
	ASSERT_TRUE(!pcpu_test_fold_stale(&budget), "no stale chunk left");
	ASSERT_EQ(budget, 0);
	ASSERT_TRUE(!pcpu_test_is_stale(m[0]->chunk) &&
		    !pcpu_test_is_stale(m[1]->chunk) &&
		    pcpu_test_is_stale(m[2]->chunk), "not the oldest two");
	for (i = 0; i < 3; i++)
		t_check(m[i]);
	budget = 1;
	ASSERT_TRUE(pcpu_test_fold_stale(&budget), "a stale chunk left");
}

/*
 * A free that empties the chunk folds it at once (free_percpu()), which
 * puts it in the free slot; its first allocation folds it again, which
 * takes it out.
 *
 *   |#...|....|...   ->   |....|....|...   free slot   ->   |#...|...
 */
static void free_slot_round_trip(void)
{
	struct pcpu_model *m = t_chunk();
	int free_slot = pcpu_nr_slots - 2;

	ASSERT_EQ(pcpu_test_slot_of(m->chunk), free_slot);
	t_alloc_at(m, 4, 4, 0);
	ASSERT_TRUE(pcpu_test_slot_of(m->chunk) < free_slot, "still free");
	t_free(m, 0);
	ASSERT_TRUE(!pcpu_test_is_stale(m->chunk), "an empty chunk is stale");
	ASSERT_EQ(pcpu_test_slot_of(m->chunk), free_slot);
	t_alloc_at(m, 4, 4, 0);
	ASSERT_TRUE(pcpu_test_slot_of(m->chunk) < free_slot, "still free");
}

/*
 * A search that fails in a chunk whose root was too high folds it (within
 * the allocation's budget): the root then rules the request out.
 *
 *   |####|####|####|####|####|####|####|###.|   root 8192 before the
 *   failed 2 KiB search, 256 after
 */
static void failed_search_folds(void)
{
	struct pcpu_model *m = t_chunk();

	t_alloc_at(m, 4, 4, 0);
	t_alloc_at(m, 31 * 1024 - 4, 4, 4);
	ASSERT_TRUE(!pcpu_test_cannot_fit(m->chunk, 2048, 4),
		    "the root was exact without a fold");
	t_alloc_fails(m, 2048, 4);
	ASSERT_EQ(t_dirty(m), 0);
	ASSERT_EQ(pcpu_chunk_contig(m->chunk), 256);
	ASSERT_TRUE(pcpu_test_cannot_fit(m->chunk, 2048, 4),
		    "the folded root still allows 2 KiB");
}

/*
 * While frees are pending, the root may be too low: the chunk is ruled out
 * by its free bytes only, and the freed room is found.
 *
 *   |####|####|####|####|####|####|####|####|   full
 *   |####|....|....|####|####|####|####|####|   8 KiB freed, not folded
 */
static void pending_free_not_ruled_out(void)
{
	struct pcpu_model *m = t_chunk();

	t_alloc_at(m, 4096, 4, 0);
	t_alloc_at(m, 8192, 4, 4096);
	t_alloc_at(m, 5 * 4096, 4, 12288);
	t_fold(m);
	ASSERT_EQ(pcpu_chunk_contig(m->chunk), 0);
	t_free(m, 4096);
	ASSERT_EQ(pcpu_chunk_contig(m->chunk), 0);
	t_alloc_at(m, 8192, 4096, 4096);
}

/*
 * A one-page chunk has two leaves (the second a full block), so that its
 * root is a node of its own and the chunk changes slots only when it is
 * folded, as every other chunk does; a free that empties it folds it.
 *
 *   |................|   ->   |##..##....####..|   ->   |................|
 */
static void one_page_chunk(void)
{
	struct pcpu_model *m;
	int i;

	t_setup(1);
	m = t_chunk();
	ASSERT_EQ(m->chunk->nr_tree_leaves, 2);
	for (i = 0; i < 16; i++)
		t_alloc_at(m, 256, 4, i * 256);
	for (i = 0; i < 16; i += 3) {
		t_free(m, i * 256);
		t_fold(m);
		ASSERT_EQ(pcpu_chunk_contig(m->chunk), 64);
	}
	t_alloc_at(m, 256, 256, 0);
	while (m->nr_objs)
		t_free(m, m->objs[0] * PCPU_MIN_ALLOC_SIZE);
	ASSERT_EQ(pcpu_chunk_contig(m->chunk), B);
}

/*
 * Chunks whose block count is not a power of two: the padding leaves are
 * in use, so the root never has a right edge run.
 *
 *   3 pages, 4 leaves:  |....|....|....|####|
 *   5 pages, 8 leaves:  |....|....|....|....|....|####|####|####|
 */
static void padding_leaves(void)
{
	static const int pages[] = { 3, 5, 6, 7 };
	int p, i;

	for (p = 0; p < ARRAY_SIZE(pages); p++) {
		struct pcpu_model *m;

		t_setup(pages[p]);
		m = t_chunk();
		t_alloc_at(m, 4, 4, 0);
		ASSERT_EQ(m->chunk->tree[1].right, 0);
		ASSERT_EQ(m->chunk->tree[1].contig, pages[p] * B - 1);
		for (i = 1; i < pages[p]; i++)
			t_alloc_at(m, 4096, 4096, i * 4096);
		t_alloc_fails(m, 4096, 4);
		t_free(m, (pages[p] - 1) * 4096);
		t_fold(m);
		ASSERT_EQ(m->chunk->tree[1].contig, B);
		ASSERT_EQ(m->chunk->tree[1].right, 0);
		t_release(m);
	}
}

static const struct pcpu_test_case cases[] = {
	PCPU_TEST_CASE(fold_after_allocations),
	PCPU_TEST_CASE(fold_budget),
	PCPU_TEST_CASE(fold_stale_oldest_first),
	PCPU_TEST_CASE(free_slot_round_trip),
	PCPU_TEST_CASE(failed_search_folds),
	PCPU_TEST_CASE(pending_free_not_ruled_out),
	PCPU_TEST_CASE(one_page_chunk),
	PCPU_TEST_CASE(padding_leaves),
	{}
};

const struct pcpu_test_group fold = { "fold", cases };
