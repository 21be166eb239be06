// SPDX-License-Identifier: GPL-2.0
/*
 * The first chunk and the reserved chunk: they serve a region that starts
 * and ends inside their pages (pcpu_alloc_first_chunk()), whose hidden
 * parts are marked in use and never freed, and the reserved chunk is a
 * few pages or less.
 */
#include "tests.h"

/*
 * A first chunk with a hidden start and end: the first allocation lands
 * at the region's start, the last one ends at the region's end, and the
 * hidden parts stay in use after everything is freed.
 *
 *   start_offset 1000, map_size 10000: 3 pages, end_offset 1288
 *   before  |####............|................|...........#####|
 *   full    |################|################|################|
 *   after   |####............|................|...........#####|
 *   hints   block 0: 250, 0, 774, 774@250; block 2: 0, 702, 0, 702@0
 */
static void first_chunk_hidden_start_and_end(void)
{
	struct pcpu_model *m = t_first_chunk(1000, 10000, false);
	int off, n = 0;

	ASSERT_EQ(m->chunk->nr_pages, 3);
	ASSERT_EQ(m->chunk->end_offset, 1288);
	t_expect_block(m, 0, 250, 0, 774, 774, 250);
	t_expect_block(m, 1, 0, B, B, B, 0);
	t_expect_block(m, 2, 0, 702, 0, 702, 0);

	t_alloc_at(m, 4, 4, 1000);
	while ((off = t_alloc(m, 8, 4)) >= 0)
		n++;
	ASSERT_EQ(n, (10000 - 4) / 8);
	t_alloc_at(m, 4, 4, 1000 + 10000 - 4);
	t_alloc_fails(m, 4, 4);

	while (m->nr_objs)
		t_free(m, m->objs[0] * PCPU_MIN_ALLOC_SIZE);
	t_fold(m);
	t_expect_block(m, 0, 250, 0, 774, 774, 250);
	t_expect_block(m, 2, 0, 702, 0, 702, 0);
	ASSERT_EQ(pcpu_chunk_contig(m->chunk), 2500);
}

/*
 * The hidden parts start allocations (they have bound bits) but are not
 * allocations: freeing them is refused.
 *
 *   |####............|....#####|   start_offset 1000, map_size 5000
 *    ^ offset 0                ^ offset 6000: refused
 */
static void first_chunk_hidden_parts_not_freed(void)
{
	struct pcpu_model *m = t_first_chunk(1000, 5000, false);

	t_free_bad(m, 0);
	t_free_bad(m, 4);
	t_free_bad(m, 996);
	t_free_bad(m, 6000);
	t_free_bad(m, 8188);
	t_alloc_at(m, 5000, 4, 1000);
	t_free_bad(m, 0);
	t_free_bad(m, 6000);
	t_free(m, 1000);
}

/*
 * Regions that start or end on a page boundary: no hidden part there.
 *
 *   |................|................|   start 0, two pages
 *   |##..............|                    start 512, ends at the page
 *   |................|.......#########|   start 0, ends at 6 KiB
 */
static void first_chunk_page_aligned_edges(void)
{
	struct pcpu_model *m;

	m = t_first_chunk(0, 8192, false);
	ASSERT_EQ(m->chunk->end_offset, 0);
	t_expect_block(m, 0, 0, B, B, B, 0);
	t_alloc_at(m, 8192, 4096, 0);
	t_free(m, 0);

	m = t_first_chunk(512, 3584, false);
	ASSERT_EQ(m->chunk->nr_pages, 1);
	ASSERT_EQ(m->chunk->end_offset, 0);
	t_expect_block(m, 0, 128, 0, 896, 896, 128);
	t_alloc_at(m, 3584, 4, 512);
	t_alloc_fails(m, 4, 4);

	m = t_first_chunk(0, 6144, false);
	ASSERT_EQ(m->chunk->end_offset, 2048);
	t_expect_block(m, 1, 0, 512, 0, 512, 0);
	t_alloc_at(m, 6144, 4, 0);
}

/*
 * The reserved chunk, of every small size and at several offsets: it
 * fills with 4-byte objects exactly, empties in alternating order, and
 * its empty pages count in no global total.
 *
 *   e.g. start_offset 2052, 4 bytes:  |########.#######|
 *        start_offset 8, 8 KiB:       |................|..............##|
 */
static void reserved_chunk_small_sizes(void)
{
	static const int sizes[] = { 4, 8, 64, 1024, 4088, 4092, 4096, 8192,
				     12288 - 8 };
	static const int offsets[] = { 0, 8, 2052, 4092 };
	int s, o, i, n;

	for (s = 0; s < ARRAY_SIZE(sizes); s++) {
		for (o = 0; o < ARRAY_SIZE(offsets); o++) {
			struct pcpu_model *m;

			t_setup(4);
			m = t_first_chunk(offsets[o], sizes[s], true);
			ASSERT_TRUE(pcpu_reserved_chunk == m->chunk,
				    "not the reserved chunk");
			for (n = 0; t_alloc(m, 4, 4) >= 0; n++)
				;
			ASSERT_EQ(n, sizes[s] / 4);
			ASSERT_EQ(m->chunk->free_bytes, 0);
			for (i = 0; i < n; i += 2)
				t_free(m, offsets[o] + 4 * i);
			for (i = 1; i < n; i += 2)
				t_free(m, offsets[o] + 4 * i);
			t_fold(m);
			ASSERT_EQ(pcpu_chunk_contig(m->chunk), sizes[s] / 4);
			ASSERT_EQ(pcpu_nr_empty_pop_pages, 0);
			t_release(m);
		}
	}
}

/*
 * The reserved chunk at every size from 4 to 128 bytes, with one object
 * of each size that fits, at every alignment.
 */
static void reserved_chunk_every_request(void)
{
	int map_size, size, align;

	for (map_size = 4; map_size <= 128; map_size += 4) {
		struct pcpu_model *m;

		t_setup(1);
		m = t_first_chunk(4096 - 256, map_size, true);
		for (size = 4; size <= 132; size += 4) {
			for (align = 4; align <= 4096; align *= 2) {
				int off = t_alloc(m, size, align);

				if (off >= 0)
					t_free(m, off);
			}
		}
		t_release(m);
	}
}

static const struct pcpu_test_case cases[] = {
	PCPU_TEST_CASE(first_chunk_hidden_start_and_end),
	PCPU_TEST_CASE(first_chunk_hidden_parts_not_freed),
	PCPU_TEST_CASE(first_chunk_page_aligned_edges),
	PCPU_TEST_CASE(reserved_chunk_small_sizes),
	PCPU_TEST_CASE(reserved_chunk_every_request),
	{}
};

const struct pcpu_test_group first_chunk = { "first_chunk", cases };
