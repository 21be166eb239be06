// SPDX-License-Identifier: GPL-2.0
/*
 * Allocations and the block hints they leave: at a block's start, end and
 * middle, across blocks, and fits through the runs at block edges.
 * Chunks of 8 pages (blocks 0 to 7), none populated.
 */
#include "tests.h"

/*
 * An allocation at the start of an empty block moves first_free and the
 * left edge and shortens the longest run from its start.
 *
 *   before  |................|................|
 *   after   |#...............|................|   64 B at 0
 *   hints   block 0: 16, 0, 1008, 1008@16; block 1 untouched
 */
static void alloc_at_block_start(void)
{
	struct pcpu_model *m = t_chunk();

	t_alloc_at(m, 64, 4, 0);
	t_expect_block(m, 0, 16, 0, 1008, 1008, 16);
	t_expect_block(m, 1, 0, B, B, B, 0);
}

/*
 * An allocation that ends exactly at the block's edge takes the right
 * edge run to 0; the block is then full.
 *
 *   before  |###############.|................|   4032 B at 0
 *   after   |################|................|   64 B at 4032
 *   hints   block 0: 1024, 0, 0, 0; block 1 untouched
 */
static void alloc_at_block_end(void)
{
	struct pcpu_model *m = t_chunk();

	t_alloc_at(m, 4032, 4, 0);
	t_expect_block(m, 0, 1008, 0, 16, 16, 1008);
	t_alloc_at(m, 64, 4, 4032);
	t_expect_block(m, 0, B, 0, 0, 0, 0);
	t_expect_block(m, 1, 0, B, B, B, 0);
}

/*
 * An aligned allocation cuts the longest run in two; the tail is longer
 * and becomes the longest run, the head bounds the others.
 *
 *   before  |#...............|   64 B at 0
 *   after   |#...#...........|   64 B at 1 KiB alignment: bits 256-271
 *   hints   block 0: 16, 0, 752, 752@272, other 240
 */
static void alloc_cuts_longest_tail_wins(void)
{
	struct pcpu_model *m = t_chunk();

	t_alloc_at(m, 64, 4, 0);
	t_alloc_at(m, 64, 1024, 1024);
	t_expect_block(m, 0, 16, 0, 752, 752, 272);
	ASSERT_EQ(m->chunk->md_blocks[0].other, 240);
}

/*
 * As above, the head being the longer piece: the longest run keeps its
 * start.
 *
 *   before  |#...............|   64 B at 0
 *   after   |#.......####....|   1 KiB at 2 KiB alignment: bits 512-767
 *   hints   block 0: 16, 0, 256, 496@16, other 256
 */
static void alloc_cuts_longest_head_wins(void)
{
	struct pcpu_model *m = t_chunk();

	t_alloc_at(m, 64, 4, 0);
	t_alloc_at(m, 1024, 2048, 2048);
	t_expect_block(m, 0, 16, 0, 256, 496, 16);
	ASSERT_EQ(m->chunk->md_blocks[0].other, 256);
}

/*
 * Both pieces of the cut run are shorter than the bound of the other runs:
 * the block is walked, and the walk stops at a run as long as that bound.
 * One character is 16 bits here.
 *
 *   before  #...............................................#.................
 *           (bits 0-15 and 736-739 in use: runs of 720 at 16 and 284 at 740)
 *   after   #...............###############...............#.................
 *           960 B at 1 KiB alignment: bits 256-495
 *   hints   block 0: 16, 0, 284, 284@740
 */
static void alloc_cut_walks_block(void)
{
	struct pcpu_model *m = t_chunk();

	t_alloc_at(m, 64, 4, 0);	/* bits 0-15 */
	t_alloc_at(m, 2880, 4, 64);	/* 16-735 */
	t_alloc_at(m, 16, 4, 2944);	/* 736-739 */
	t_alloc_at(m, 1136, 4, 2960);	/* 740-1023 */
	t_free(m, 64);
	t_free(m, 2960);
	t_expect_block(m, 0, 16, 0, 284, 720, 16);
	ASSERT_EQ(m->chunk->md_blocks[0].other, 284);

	t_alloc_at(m, 960, 1024, 1024);
	t_expect_block(m, 0, 16, 0, 284, 284, 740);
}

/*
 * An allocation from a run that is not the longest leaves the longest
 * run and the bound alone.  One character is 16 bits here.
 *
 *   before  ......#######...............................................
 *           (bits 100-199 in use)
 *   after   #.....#######...............................................
 *           4 B at 0
 *   hints   block 0: 1, 0, 824, 824@200
 */
static void alloc_from_other_run(void)
{
	struct pcpu_model *m = t_chunk();

	t_alloc_at(m, 400, 4, 0);	/* bits 0-99 */
	t_alloc_at(m, 400, 4, 400);	/* 100-199 */
	t_free(m, 0);
	t_expect_block(m, 0, 0, 100, 824, 824, 200);

	t_alloc_at(m, 4, 4, 0);
	t_expect_block(m, 0, 1, 0, 824, 824, 200);
	ASSERT_EQ(m->chunk->md_blocks[0].other, 100);
}

/*
 * An allocation across blocks fills the blocks it covers and starts the
 * last one's runs at its end.
 *
 *   before  |########........|................|................|
 *   after   |################|################|########........|
 *           8 KiB at 2 KiB: bits 512-2559
 *   hints   blocks 0, 1: full; block 2: 512, 0, 512, 512@512
 */
static void alloc_across_blocks(void)
{
	struct pcpu_model *m = t_chunk();

	t_alloc_at(m, 2048, 4, 0);
	t_alloc_at(m, 8192, 4, 2048);
	t_expect_block(m, 0, B, 0, 0, 0, 0);
	t_expect_block(m, 1, B, 0, 0, 0, 0);
	t_expect_block(m, 2, 512, 0, 512, 512, 512);
	ASSERT_EQ(m->chunk->first_free, 2560);
}

/*
 * Page-sized and page-aligned allocations fill whole blocks: the empty
 * populated pages go down by one per block.
 *
 *   before  |....|....|....|....|....|....|....|....|   all populated
 *   after   |####|####|####|....|....|....|....|....|   4 KiB, then 8 KiB
 */
static void alloc_whole_blocks(void)
{
	struct pcpu_model *m = t_chunk();

	pcpu_test_populate(m->chunk, 0, 8);
	t_check(m);
	ASSERT_EQ(m->chunk->nr_empty_pop_pages, 8);
	t_alloc_at(m, 4096, 4096, 0);
	t_alloc_at(m, 8192, 4096, 4096);
	ASSERT_EQ(m->chunk->nr_empty_pop_pages, 5);
	t_expect_block(m, 1, B, 0, 0, 0, 0);
	t_expect_block(m, 3, 0, B, B, B, 0);
}

/*
 * A fit through a run that ends exactly at a block's edge and goes on
 * from the next block's left edge, where neither block's longest run is
 * long enough.
 *
 *   before  |############....|....############|   bits 768-1279 free
 *   after   |################|################|   2 KiB at 3 KiB
 */
static void alloc_run_over_block_edge(void)
{
	struct pcpu_model *m = t_chunk();

	t_alloc_at(m, 3072, 4, 0);	/* bits 0-767 */
	t_alloc_at(m, 1024, 4, 3072);	/* 768-1023 */
	t_alloc_at(m, 1024, 4, 4096);	/* 1024-1279 */
	t_alloc_at(m, 3072, 4, 5120);	/* 1280-2047 */
	t_free(m, 3072);
	t_free(m, 4096);
	t_expect_block(m, 0, 768, 0, 256, 256, 768);
	t_expect_block(m, 1, 0, 256, 0, 256, 0);

	t_alloc_at(m, 2048, 4, 3072);
	t_expect_block(m, 0, B, 0, 0, 0, 0);
	t_expect_block(m, 1, B, 0, 0, 0, 0);
	/* one bit more and the run is too short: the fit is after it */
	t_free(m, 3072);
	t_alloc_at(m, 2052, 4, 8192);
}

/*
 * A fit that starts in one block's right edge run, crosses a free block
 * and ends in the left edge run of the block after.
 *
 *   before  |##############..|................|...#############|
 *           bits 924-2247 free (100 + 1024 + 200)
 *   after   |################|################|###.############|
 *           5200 B (1300 bits) at 3696: bits 924-2223
 *   hints   block 2: 176, 0, 0, 24@176
 */
static void alloc_run_through_free_block(void)
{
	struct pcpu_model *m = t_chunk();

	t_alloc_at(m, 3696, 4, 0);	/* bits 0-923 */
	t_alloc_at(m, 4496, 4, 3696);	/* 924-2047 */
	t_alloc_at(m, 800, 4, 8192);	/* 2048-2247 */
	t_alloc_at(m, 3296, 4, 8992);	/* 2248-3071 */
	t_free(m, 3696);
	t_free(m, 8192);

	t_alloc_at(m, 5200, 4, 3696);
	t_expect_block(m, 0, B, 0, 0, 0, 0);
	t_expect_block(m, 1, B, 0, 0, 0, 0);
	t_expect_block(m, 2, 176, 0, 0, 24, 176);
}

/*
 * A request that no free run holds fails and changes no hint; a full
 * chunk fails every request.
 *
 *   before  |####|####|####|####|####|####|####|###.|   the last 1 KiB free
 *   after   the same: 2 KiB fails; 1 KiB fits; then 4 B fails
 */
static void alloc_fails_when_nothing_fits(void)
{
	struct pcpu_model *m = t_chunk();
	int i;

	for (i = 0; i < 7; i++)
		t_alloc_at(m, 4096, 4, i * 4096);
	t_alloc_at(m, 3072, 4, 7 * 4096);
	t_alloc_fails(m, 2048, 4);
	t_alloc_at(m, 1024, 4, 8 * 4096 - 1024);
	t_alloc_fails(m, 4, 4);
	ASSERT_EQ(m->chunk->first_free, 8 * B);
}

/*
 * The largest request, PCPU_MIN_UNIT_SIZE (32 KiB), in a chunk of exactly
 * that size.
 *
 *   before  |....|....|....|....|....|....|....|....|
 *   after   |####|####|####|####|####|####|####|####|
 */
static void alloc_whole_chunk(void)
{
	struct pcpu_model *m = t_chunk();

	t_alloc_at(m, PCPU_MIN_UNIT_SIZE, 4096, 0);
	t_alloc_fails(m, 4, 4);
	t_free(m, 0);
	/* the free emptied the chunk: it is folded at once */
	ASSERT_TRUE(!pcpu_test_is_stale(m->chunk), "an empty chunk is stale");
	t_alloc_at(m, 4, 4, 0);
}

static const struct pcpu_test_case cases[] = {
	PCPU_TEST_CASE(alloc_at_block_start),
	PCPU_TEST_CASE(alloc_at_block_end),
	PCPU_TEST_CASE(alloc_cuts_longest_tail_wins),
	PCPU_TEST_CASE(alloc_cuts_longest_head_wins),
	PCPU_TEST_CASE(alloc_cut_walks_block),
	PCPU_TEST_CASE(alloc_from_other_run),
	PCPU_TEST_CASE(alloc_across_blocks),
	PCPU_TEST_CASE(alloc_whole_blocks),
	PCPU_TEST_CASE(alloc_run_over_block_edge),
	PCPU_TEST_CASE(alloc_run_through_free_block),
	PCPU_TEST_CASE(alloc_fails_when_nothing_fits),
	PCPU_TEST_CASE(alloc_whole_chunk),
	{}
};

const struct pcpu_test_group alloc_hints = { "alloc_hints", cases };
