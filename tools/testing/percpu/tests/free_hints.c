// SPDX-License-Identifier: GPL-2.0
/*
 * Frees and the block hints they leave: at a block's start, end and
 * middle, across blocks, runs that join across block edges, and the fit
 * memos' floor that a free lowers; the batches of frees of a per-CPU
 * cache and the split of a refill's area.  Chunks of 8 pages.
 */
#include "tests.h"

/*
 * A free at the block's start joins the left edge run.
 *
 *   before  |##..............|   256 B at 0 and at 256
 *   after   |.#..............|   the first freed
 *   hints   block 0: 0, 64, 896, 896@128
 */
static void free_at_block_start(void)
{
	struct pcpu_model *m = t_chunk();

	t_alloc_at(m, 256, 4, 0);
	t_alloc_at(m, 256, 4, 256);
	t_free(m, 0);
	t_expect_block(m, 0, 0, 64, 896, 896, 128);
	ASSERT_EQ(m->chunk->md_blocks[0].other, 64);
}

/*
 * A free that ends at the block's edge makes the right edge run; in a full
 * block it is also the longest run.
 *
 *   before  |################|   4032 B at 0, 64 B at 4032
 *   after   |###############.|   the 64 B freed
 *   hints   block 0: 1008, 0, 16, 16@1008
 */
static void free_at_block_end(void)
{
	struct pcpu_model *m = t_chunk();

	t_alloc_at(m, 4032, 4, 0);
	t_alloc_at(m, 64, 4, 4032);
	t_free(m, 4032);
	t_expect_block(m, 0, 1008, 0, 16, 16, 1008);
	/* and the rest: the block is empty again */
	t_free(m, 0);
	t_expect_block(m, 0, 0, B, B, B, 0);
}

/*
 * A free between two free runs joins them; the new run swallowed the old
 * longest one, so the bound of the others is not raised.
 * One character is 16 bits here.
 *
 *   before  .......#######......#############...   bits 100-199, 300-1023 used
 *   after   ...................#############...     bits 100-199 freed
 *   hints   block 0: 0, 300, 0, 300@0
 */
static void free_joins_runs(void)
{
	struct pcpu_model *m = t_chunk();

	t_alloc_at(m, 400, 4, 0);	/* bits 0-99 */
	t_alloc_at(m, 400, 4, 400);	/* 100-199 */
	t_alloc_at(m, 400, 4, 800);	/* 200-299 */
	t_alloc_at(m, 2896, 4, 1200);	/* 300-1023 */
	t_free(m, 0);
	t_free(m, 800);
	t_expect_block(m, 0, 0, 100, 0, 100, 0);
	ASSERT_EQ(m->chunk->md_blocks[0].other, 100);

	t_free(m, 400);
	t_expect_block(m, 0, 0, 300, 0, 300, 0);
}

/*
 * A free that makes a run longer than the longest one elsewhere: the old
 * longest run becomes one of the others.  One character is 16 bits here.
 *
 *   before  ......#################...   bits 0-99 free, 100-1023 used
 *   after   ......#...................   bits 104-403 freed
 *   hints   block 0: 0, 100, 0, 300@104, other 100
 */
static void free_makes_new_longest(void)
{
	struct pcpu_model *m = t_chunk();

	t_alloc_at(m, 400, 4, 0);	/* bits 0-99 */
	t_alloc_at(m, 16, 4, 400);	/* 100-103 */
	t_alloc_at(m, 1200, 4, 416);	/* 104-403 */
	t_alloc_at(m, 2480, 4, 1616);	/* 404-1023 */
	t_free(m, 0);
	t_expect_block(m, 0, 0, 100, 0, 100, 0);

	t_free(m, 416);
	t_expect_block(m, 0, 0, 100, 0, 300, 104);
	ASSERT_EQ(m->chunk->md_blocks[0].other, 100);
}

/*
 * A free of a run shorter than the longest raises only the bound of the
 * others.
 *
 *   before  |#####...........|   5 x 256 B at 0
 *   after   |#.###...........|   the second freed
 *   hints   block 0: 64, 0, 704, 704@320, other 64
 */
static void free_shorter_run(void)
{
	struct pcpu_model *m = t_chunk();
	int i;

	for (i = 0; i < 5; i++)
		t_alloc_at(m, 256, 4, i * 256);
	t_free(m, 256);
	t_expect_block(m, 0, 64, 0, 704, 704, 320);
	ASSERT_EQ(m->chunk->md_blocks[0].other, 64);
}

/*
 * A free across blocks: the middle block is empty again, the others get
 * edge runs.
 *
 *   before  |################|################|################|
 *           2 KiB at 0, 8 KiB at 2 KiB, 2 KiB at 10 KiB
 *   after   |########........|................|........########|
 *   hints   block 0: 512, 0, 512, 512@512; block 1 empty;
 *           block 2: 0, 512, 0, 512@0
 */
static void free_across_blocks(void)
{
	struct pcpu_model *m = t_chunk();

	pcpu_test_populate(m->chunk, 0, 8);
	t_alloc_at(m, 2048, 4, 0);
	t_alloc_at(m, 8192, 4, 2048);
	t_alloc_at(m, 2048, 4, 10240);
	ASSERT_EQ(m->chunk->nr_empty_pop_pages, 5);
	t_free(m, 2048);
	t_expect_block(m, 0, 512, 0, 512, 512, 512);
	t_expect_block(m, 1, 0, B, B, B, 0);
	t_expect_block(m, 2, 0, 512, 0, 512, 0);
	ASSERT_EQ(m->chunk->nr_empty_pop_pages, 6);
	ASSERT_EQ(m->chunk->first_free, 512);
}

/*
 * After a failed search the fit memo keeps the request away from the
 * chunk; a free lowers the memos' floor to the start of the run it makes,
 * which may begin in the blocks before.  Here the previous block is
 * entirely free: the run starts at or below the chunk's first free bit.
 *
 *   before  |....|####|####|####|####|####|####|####|   8 KiB fails
 *   after   |....|....|####|####|####|####|####|####|   block 1 freed
 *           8 KiB then fits at 0
 */
static void free_lowers_memo_from_free_block(void)
{
	struct pcpu_model *m = t_chunk();
	int i;

	for (i = 0; i < 8; i++)
		t_alloc_at(m, 4096, 4, i * 4096);
	t_free(m, 0);
	t_alloc_fails(m, 8192, 4);
	ASSERT_EQ(m->chunk->fit_memo[0].bit, 8 * B);
	t_free(m, 4096);
	ASSERT_EQ(pcpu_memo_bit(m->chunk, &m->chunk->fit_memo[0]), 0);
	t_alloc_at(m, 8192, 4, 0);
}

/*
 * As above, the previous block's right edge run being where the run
 * starts.
 *
 *   before  |##..|####|####|####|####|####|####|####|   6 KiB fails
 *   after   |##..|....|####|####|####|####|####|####|   block 1 freed
 *           6 KiB then fits at 2 KiB
 */
static void free_lowers_memo_from_edge_run(void)
{
	struct pcpu_model *m = t_chunk();
	int i;

	t_alloc_at(m, 2048, 4, 0);
	t_alloc_at(m, 2048, 4, 2048);
	for (i = 1; i < 8; i++)
		t_alloc_at(m, 4096, 4, i * 4096);
	t_free(m, 2048);
	t_alloc_fails(m, 6144, 4);
	t_free(m, 4096);
	ASSERT_EQ(pcpu_memo_bit(m->chunk, &m->chunk->fit_memo[0]), 512);
	t_alloc_at(m, 6144, 4, 2048);
}

/*
 * Frees in every order over one block of 4-byte objects: in order, in
 * reverse, every other one then the rest.  The hints are checked after
 * every free.
 *
 *   before  |################|   1024 x 4 B
 *   after   |................|
 */
static void free_orders_in_one_block(void)
{
	struct pcpu_model *m = t_chunk();
	int order, i;

	for (order = 0; order < 3; order++) {
		for (i = 0; i < B; i++)
			t_alloc_at(m, 4, 4, i * 4);
		for (i = 0; i < B; i++) {
			int k = order == 0 ? i : order == 1 ? B - 1 - i :
				i < B / 2 ? 2 * i : 2 * (i - B / 2) + 1;

			t_free(m, k * 4);
		}
		t_expect_block(m, 0, 0, B, B, B, 0);
	}
}

/*
 * A per-CPU cache gives objects back in a batch (pcpu_free_bits_many()):
 * objects of each cached size over three blocks, freed in batches that go
 * back and forth between the blocks, take a block's first and last
 * object, and empty a whole page; the hints are checked after each batch,
 * and the chunk is fully free after the last.
 *
 *   before  |################|################|################|
 *   batch 1  A: block 0's first, 1's last, 0's last, 2's middle, 1's first
 *   batch 2  every object of block 2 left, from its end
 *   batch 3  every other object of blocks 0 and 1, alternating blocks
 *   batch 4  the rest, in order
 */
static void free_many_in_batches(void)
{
	int size, *offs = malloc(3 * B * sizeof(*offs));

	ASSERT_TRUE(offs, "out of memory");
	for (size = 4; size <= 128; size *= 2) {
		struct pcpu_model *m = t_chunk();
		int per = BLOCK_BYTES / size, nr, i, b;

		t_populate(m, 0, 8);
		for (i = 0; i < 3 * per; i++)
			t_alloc_at(m, size, size, i * size);

		offs[0] = 0;
		offs[1] = 2 * BLOCK_BYTES - size;
		offs[2] = BLOCK_BYTES - size;
		offs[3] = 2 * BLOCK_BYTES + per / 2 * size;
		offs[4] = BLOCK_BYTES;
		t_free_many(m, offs, 5, size);

		for (nr = 0, i = per - 1; i >= 0; i--)
			if (i != per / 2)
				offs[nr++] = 2 * BLOCK_BYTES + i * size;
		t_free_many(m, offs, nr, size);
		ASSERT_TRUE(pcpu_test_page_is_empty(m->chunk, 2),
			    "block 2 is not empty after its last batch");

		for (nr = 0, i = 2; i < per - 1; i += 2)
			for (b = 0; b < 2; b++)
				offs[nr++] = b * BLOCK_BYTES + i * size;
		t_free_many(m, offs, nr, size);

		for (nr = 0, b = 0; b < 2; b++)
			for (i = 1; i < per - 1; i += 2)
				offs[nr++] = b * BLOCK_BYTES + i * size;
		t_free_many(m, offs, nr, size);
		ASSERT_EQ(m->chunk->free_bytes, pcpu_test_unit_size());
	}
	free(offs);
}

/*
 * A cache's refill takes one area and splits it into objects
 * (pcpu_split_area()): each is an allocation of its own, freed alone,
 * and the area's bits stay in use until the last is freed.
 *
 *   before  |..###############..|   15 objects as one area at 8 B
 *   after   |..#.#.#.#.#.#.#.#..|   every other object freed
 */
static void split_area_into_objects(void)
{
	int size, i;

	for (size = 4; size <= 128; size *= 2) {
		struct pcpu_model *m = t_chunk();
		int off;

		t_alloc_at(m, 8, 4, 0);
		off = t_alloc(m, 15 * size, size);
		t_split(m, off, 15, size);
		for (i = 0; i < 15; i += 2)
			t_free(m, off + i * size);
		for (i = 1; i < 15; i += 2)
			t_free(m, off + i * size);
	}
}

static const struct pcpu_test_case cases[] = {
	PCPU_TEST_CASE(free_at_block_start),
	PCPU_TEST_CASE(free_at_block_end),
	PCPU_TEST_CASE(free_joins_runs),
	PCPU_TEST_CASE(free_makes_new_longest),
	PCPU_TEST_CASE(free_shorter_run),
	PCPU_TEST_CASE(free_across_blocks),
	PCPU_TEST_CASE(free_lowers_memo_from_free_block),
	PCPU_TEST_CASE(free_lowers_memo_from_edge_run),
	PCPU_TEST_CASE(free_orders_in_one_block),
	PCPU_TEST_CASE(free_many_in_batches),
	PCPU_TEST_CASE(split_area_into_objects),
	{}
};

const struct pcpu_test_group free_hints = { "free_hints", cases };
