// SPDX-License-Identifier: GPL-2.0
/*
 * Atomic allocations (pop_only): the fit must lie in populated pages, and
 * a failed atomic search proves nothing about the rest of the chunk, so
 * it leaves the fit memos alone.  Chunks of 8 pages; a page shown as
 * 'p' is populated.  One character is 1 KiB here.
 */
#include "tests.h"

/*
 * No page populated: every atomic request fails, a sleeping one does not.
 *
 *   before  |....|....|....|....|....|....|....|....|
 *   after   |#...|....|....|....|....|....|....|....|   the sleeping 8 B
 */
static void atomic_nothing_populated(void)
{
	struct pcpu_model *m = t_chunk();

	ASSERT_EQ(t_alloc_pop(m, 8, 8, true), -1);
	ASSERT_EQ(t_alloc_pop(m, 4, 4, true), -1);
	t_alloc_at(m, 8, 8, 0);
}

/*
 * Page 2 alone populated: atomic objects go there until it is full.
 *
 *   before  |....|....|pppp|....|....|....|....|....|
 *   after   |#...|....|####|....|....|....|....|....|   4 x 1 KiB atomic,
 *           then a sleeping 4 B at 0
 */
static void atomic_in_populated_page(void)
{
	struct pcpu_model *m = t_chunk();
	int i;

	pcpu_test_populate(m->chunk, 2, 3);
	t_check(m);
	for (i = 0; i < 4; i++)
		ASSERT_EQ(t_alloc_pop(m, 1024, 4, true), 2 * 4096 + i * 1024);
	ASSERT_EQ(t_alloc_pop(m, 4, 4, true), -1);
	t_alloc_at(m, 4, 4, 0);
}

/*
 * A fit that would run from a populated page into an unpopulated one is
 * not an atomic fit; one that ends exactly at the populated page's end is.
 *
 *   before  |....|pppp|....|   page 1 populated
 *   after   |....|####|....|   2 KiB at 4 KiB, then 2052 B fails, and
 *           2 KiB fits at 6 KiB, ending at the page's end
 */
static void atomic_fit_ends_at_populated_edge(void)
{
	struct pcpu_model *m = t_chunk();

	pcpu_test_populate(m->chunk, 1, 2);
	ASSERT_EQ(t_alloc_pop(m, 2048, 4, true), 4096);
	ASSERT_EQ(t_alloc_pop(m, 2052, 4, true), -1);
	ASSERT_EQ(t_alloc_pop(m, 2048, 4, true), 6144);
	ASSERT_EQ(t_alloc_pop(m, 4, 4, true), -1);
}

/*
 * A fit across two populated pages.
 *
 *   before  |....|pppp|pppp|....|
 *   after   |....|####|####|....|   4 B at 4 KiB, 6 KiB right after it,
 *           then the last 2044 B (2 KiB no longer fits)
 */
static void atomic_across_populated_pages(void)
{
	struct pcpu_model *m = t_chunk();

	pcpu_test_populate(m->chunk, 1, 3);
	ASSERT_EQ(t_alloc_pop(m, 4, 4, true), 4096);
	ASSERT_EQ(t_alloc_pop(m, 6144, 4, true), 4100);
	ASSERT_EQ(t_alloc_pop(m, 2048, 4, true), -1);
	ASSERT_EQ(t_alloc_pop(m, 2044, 4, true), 4100 + 6144);
}

/*
 * A failed atomic search leaves the fit memos alone: a sleeping request
 * of the same size then finds the unpopulated room before the populated
 * pages.
 *
 *   before  |....|....|....|....|....|....|....|pp##|
 *   after   |####|....|....|....|....|....|....|pp##|   4 KiB sleeping at 0
 */
static void atomic_failure_keeps_memo(void)
{
	struct pcpu_model *m = t_chunk();
	struct pcpu_fit_memo memo;

	pcpu_test_populate(m->chunk, 7, 8);
	ASSERT_EQ(t_alloc_pop(m, 2048, 4, true), 7 * 4096);
	memo = m->chunk->fit_memo[0];
	ASSERT_EQ(t_alloc_pop(m, 4096, 4, true), -1);
	ASSERT_EQ(m->chunk->fit_memo[0].bit, memo.bit);
	ASSERT_EQ(m->chunk->fit_memo[0].bits, memo.bits);
	t_alloc_at(m, 4096, 4, 0);
}

/*
 * Populated pages that are full are skipped for the next populated one.
 *
 *   before  |pppp|....|....|pppp|
 *   after   |####|....|....|#...|   4 KiB, then 4 B atomic at 12 KiB
 */
static void atomic_skips_full_page(void)
{
	struct pcpu_model *m = t_chunk();

	pcpu_test_populate(m->chunk, 0, 1);
	pcpu_test_populate(m->chunk, 3, 4);
	ASSERT_EQ(t_alloc_pop(m, 4096, 4, true), 0);
	ASSERT_EQ(t_alloc_pop(m, 4, 4, true), 3 * 4096);
	ASSERT_EQ(t_alloc_pop(m, 8, 8, true), 3 * 4096 + 8);
}

/*
 * The first chunk is populated throughout: atomic and sleeping requests
 * find the same fits.
 */
static void atomic_in_first_chunk(void)
{
	struct pcpu_model *m = t_first_chunk(1000, 10000, false);

	ASSERT_EQ(t_alloc_pop(m, 4, 4, true), 1000);
	ASSERT_EQ(t_alloc_pop(m, 4096, 4096, true), 4096);
	ASSERT_EQ(t_alloc_pop(m, 3000, 8, true), 1008);
	t_alloc_at(m, 2000, 8, 8192);
}

static const struct pcpu_test_case cases[] = {
	PCPU_TEST_CASE(atomic_nothing_populated),
	PCPU_TEST_CASE(atomic_in_populated_page),
	PCPU_TEST_CASE(atomic_fit_ends_at_populated_edge),
	PCPU_TEST_CASE(atomic_across_populated_pages),
	PCPU_TEST_CASE(atomic_failure_keeps_memo),
	PCPU_TEST_CASE(atomic_skips_full_page),
	PCPU_TEST_CASE(atomic_in_first_chunk),
	{}
};

const struct pcpu_test_group atomic = { "atomic", cases };
