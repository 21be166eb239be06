// SPDX-License-Identifier: GPL-2.0
/*
 * Alignments from PCPU_MIN_ALLOC_SIZE to PAGE_SIZE: the first fit is the
 * first aligned one, whether it is found in one word (up to 64 bits), by
 * walking the runs (longer requests), or past runs that are long enough
 * but misaligned; and the fit memos that remember such misses.
 */
#include "tests.h"

/*
 * 4-byte objects at every alignment after one at 0: each lands on the
 * next multiple of its alignment, leaving a gap before it.  One character
 * is 4 bits (16 bytes) here, for the first 1 KiB.
 *
 *   before  #...............................................................
 *   after   ##.#...#.......#...............#...............................#
 *           at 0, 4, 8, 16, 32, 64, 128, 256 (512 to 4096 further on)
 */
static void every_alignment_one_object(void)
{
	struct pcpu_model *m = t_chunk();
	int align;

	t_alloc_at(m, 4, 4, 0);
	for (align = 4; align <= 4096; align *= 2)
		t_alloc_at(m, 4, align, align);
	/* the gaps, at 4-byte alignment: 12, then 20 to 28, ... */
	t_alloc_at(m, 4, 4, 12);
	t_alloc_at(m, 4, 8, 24);
	t_alloc_at(m, 8, 8, 40);
}

/*
 * Every size class at every alignment, each allocated after a 4-byte
 * object so that every alignment above 4 must skip bits, and the
 * objects left live so that later ones search past them.
 */
static void every_alignment_every_size(void)
{
	static const int sizes[] = { 4, 8, 12, 60, 64, 68, 252, 256, 260,
				     1020, 1024, 4096, 4100, 8192, 12300 };
	struct pcpu_model *m;
	int s, align;

	t_setup(32);
	m = t_chunk();
	t_alloc_at(m, 4, 4, 0);
	for (s = 0; s < ARRAY_SIZE(sizes); s++)
		for (align = 4; align <= 4096; align *= 2)
			t_alloc(m, sizes[s], align);
	while (m->nr_objs)
		t_free(m, m->objs[m->nr_objs - 1] * PCPU_MIN_ALLOC_SIZE);
}

/*
 * Alignments above 64 bits (512 bytes and up): the one-word scan skips
 * the words that hold no aligned start.  One character is 64 bits.
 *
 *   before  |#...............|   4 B at 0
 *   after   |#.#.............|   4 B at 512 B alignment: bit 128, then
 *           |#.#.#...........|   4 B at 1 KiB: bit 256
 */
static void alignment_above_a_word(void)
{
	struct pcpu_model *m = t_chunk();

	t_alloc_at(m, 4, 4, 0);
	t_alloc_at(m, 4, 512, 512);
	t_alloc_at(m, 4, 1024, 1024);
	t_alloc_at(m, 64, 512, 1536);
	t_alloc_at(m, 256, 2048, 2048);
}

/*
 * A block whose longest run is long enough but misaligned: the search
 * scans it, finds nothing and goes on; the fit memo then keeps the same
 * request from scanning it again.  One character is 64 bits.
 *
 *   before  |................|   bits 0-3 and 1020-1023 in use
 *   after   |................|######..........|   2 KiB at 2 KiB: 4 KiB,
 *           then 8 KiB (block 2) with the memo at 1024
 */
static void misaligned_run_and_memo(void)
{
	struct pcpu_model *m = t_chunk();
	struct pcpu_fit_memo *memo = &m->chunk->fit_memo[9];

	t_alloc_at(m, 16, 4, 0);
	t_alloc_at(m, 4064, 4, 16);
	t_alloc_at(m, 16, 4, 4080);
	t_free(m, 16);
	t_expect_block(m, 0, 4, 0, 0, 1016, 4);

	t_alloc_at(m, 2048, 2048, 4096);
	ASSERT_EQ(memo->bit, B);
	ASSERT_EQ(memo->bits, 512);
	t_alloc_at(m, 2048, 2048, 6144);
	t_alloc_at(m, 2048, 2048, 8192);
	/* a smaller request at that alignment is not covered by the memo */
	t_alloc_at(m, 4, 2048, 2048);
}

/*
 * The 2017 contrived case: 4-byte objects at 8-byte alignment fill every
 * other granule of the chunk; then 4-byte objects at 4 fill the gaps.
 *
 *   before  |................|...
 *   after   |#.#.#.#.#.#.#.#.|...   (one character per 4 bytes)
 *           |################|...
 */
static void four_bytes_at_eight(void)
{
	struct pcpu_model *m = t_chunk();
	int n;

	for (n = 0; t_alloc(m, 4, 8) >= 0; n++)
		;
	ASSERT_EQ(n, 8 * B / 2);
	for (n = 0; t_alloc(m, 4, 4) >= 0; n++)
		;
	ASSERT_EQ(n, 8 * B / 2);
	ASSERT_EQ(m->chunk->free_bytes, 0);
}

/*
 * Page-aligned pages in a fragmented chunk: only the free blocks qualify.
 * One character is 1 KiB here.
 *
 *   before  |#...|#...|#...|#...|#...|#...|#...|#...|   4 B at each page
 *           |#...|....|#...|....|#...|....|#...|....|   the odd ones freed
 *   after   |#...|####|#...|####|#...|####|#...|####|   4 x 4 KiB at 4 KiB
 */
static void page_alignment_fragmented(void)
{
	struct pcpu_model *m = t_chunk();
	int i;

	for (i = 0; i < 8; i++)
		t_alloc_at(m, 4, 4096, i * 4096);
	for (i = 1; i < 8; i += 2)
		t_free(m, i * 4096);
	for (i = 1; i < 8; i += 2)
		t_alloc_at(m, 4096, 4096, i * 4096);
	t_alloc_fails(m, 4096, 4096);
	t_alloc_at(m, 4092, 4, 4);
}

static const struct pcpu_test_case cases[] = {
	PCPU_TEST_CASE(every_alignment_one_object),
	PCPU_TEST_CASE(every_alignment_every_size),
	PCPU_TEST_CASE(alignment_above_a_word),
	PCPU_TEST_CASE(misaligned_run_and_memo),
	PCPU_TEST_CASE(four_bytes_at_eight),
	PCPU_TEST_CASE(page_alignment_fragmented),
	{}
};

const struct pcpu_test_group alignment = { "alignment", cases };
