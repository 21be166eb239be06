// SPDX-License-Identifier: GPL-2.0
/*
 * Frees of offsets that start no allocation: refused with a WARN, and
 * nothing of the chunk changes (bitmaps, hints, tree, dirty leaves, memos,
 * counters, slot, pending frees).  t_free_bad() compares a snapshot of
 * all of it.  One character is 16 bytes here.
 *
 *   the chunk in every case:  AAAAAAAAbbbbCCCCCCCC....   (A, C live; b freed)
 */
#include "tests.h"

/* Three objects of 128, 64 and 128 bytes at 0; the middle one freed. */
static struct pcpu_model *three_objects(void)
{
	struct pcpu_model *m = t_chunk();

	t_alloc_at(m, 128, 4, 0);
	t_alloc_at(m, 64, 4, 128);
	t_alloc_at(m, 128, 4, 192);
	t_free(m, 128);
	return m;
}

/* A second free of b, with the free pending and after a fold. */
static void double_free(void)
{
	struct pcpu_model *m = three_objects();

	ASSERT_TRUE(pcpu_test_is_stale(m->chunk), "the free is not pending");
	t_free_bad(m, 128);
	t_fold(m);
	t_free_bad(m, 128);
	/*
	 * C freed and its space handed out again from an earlier start:
	 * a second free of C is now inside that object.
	 *
	 *   AAAAAAAADDDDDDDDDDDDDDDD....
	 */
	t_free(m, 192);
	t_alloc_at(m, 256, 4, 128);
	t_free_bad(m, 192);
}

/* Offsets inside A and C: past their first byte. */
static void free_inside_object(void)
{
	struct pcpu_model *m = three_objects();

	t_free_bad(m, 4);
	t_free_bad(m, 64);
	t_free_bad(m, 124);
	t_free_bad(m, 196);
	t_free_bad(m, 316);
	/* A and C still free with their own sizes */
	t_free(m, 0);
	t_free(m, 192);
}

/* Offsets that are not a multiple of PCPU_MIN_ALLOC_SIZE. */
static void free_misaligned(void)
{
	struct pcpu_model *m = three_objects();

	t_free_bad(m, 1);
	t_free_bad(m, 2);
	t_free_bad(m, 3);
	t_free_bad(m, 193);
	t_free_bad(m, 8 * 4096 - 1);
}

/* Offsets outside the chunk. */
static void free_out_of_range(void)
{
	struct pcpu_model *m = three_objects();

	t_free_bad(m, -4);
	t_free_bad(m, -1);
	t_free_bad(m, INT_MIN);
	t_free_bad(m, 8 * 4096);
	t_free_bad(m, 8 * 4096 + 4);
	t_free_bad(m, INT_MAX - 3);
}

/* Offsets in free space: in b's hole, after C, the last granule. */
static void free_of_free_space(void)
{
	struct pcpu_model *m = three_objects();

	t_free_bad(m, 132);
	t_free_bad(m, 320);
	t_free_bad(m, 4096);
	t_free_bad(m, 8 * 4096 - 4);
}

/*
 * A free that would run past the chunk's region: the last object of a
 * first chunk is freed with its size, and the hidden end after it is
 * refused.
 *
 *   |####....AAAA####|   start_offset 1024, map_size 2048
 */
static void free_at_region_end(void)
{
	struct pcpu_model *m = t_first_chunk(1024, 2048, false);

	t_alloc_at(m, 1024, 4, 1024);
	t_alloc_at(m, 1024, 4, 2048);
	t_free_bad(m, 3072);
	t_free_bad(m, 2052);
	t_free(m, 2048);
	t_free_bad(m, 2048);
}

static const struct pcpu_test_case cases[] = {
	PCPU_TEST_CASE(double_free),
	PCPU_TEST_CASE(free_inside_object),
	PCPU_TEST_CASE(free_misaligned),
	PCPU_TEST_CASE(free_out_of_range),
	PCPU_TEST_CASE(free_of_free_space),
	PCPU_TEST_CASE(free_at_region_end),
	{}
};

const struct pcpu_test_group invalid_free = { "invalid_free", cases };
