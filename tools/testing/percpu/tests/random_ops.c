// SPDX-License-Identifier: GPL-2.0
/*
 * Seeded random sequences against the model: allocations of random sizes
 * and alignments (some atomic), frees one at a time and in bursts, invalid
 * frees, page population, and folds as the allocator makes them (a batch
 * of stale chunks before every allocation, budgeted folds) or after every
 * step.  After every step each chunk is checked against its model (every
 * block hint, the leaves, the nodes and root whenever no leaf is dirty,
 * the memos, the counters), each allocation lands on the model's first
 * fit, a search from the first free bit finds the model's first fit for
 * a random request, and every invalid free changes nothing.
 */
#include "tests.h"

struct random_cfg {
	u64 seed;
	int unit_pages;
	int steps;
	int nr_chunks;		/* regular chunks */
	int start_offset;	/* a first chunk too, if map_size */
	int map_size;
	bool reserved;		/* ... which is the reserved chunk */
	bool fold_every_step;
	int atomic_pct;		/* atomic allocations, with pages populated */
	int max_size;		/* largest request, bytes */
};

static int random_size(u64 *rnd, int max_size)
{
	u64 r = t_rand(rnd);
	int size;

	/* mostly small, sometimes up to the largest */
	if (r % 16)
		size = PCPU_MIN_ALLOC_SIZE << (r >> 8) % 8;
	else
		size = ALIGN((r >> 8) % max_size + 1, PCPU_MIN_ALLOC_SIZE);
	return min(size, max_size);
}

static int random_align(u64 *rnd)
{
	u64 r = t_rand(rnd);

	/* half at the minimum, the rest at every order up to a page */
	if (r & 1)
		return PCPU_MIN_ALLOC_SIZE;
	return PCPU_MIN_ALLOC_SIZE << (r >> 1) % PCPU_NR_ALIGN_ORDERS;
}

/* A random offset that starts no allocation, for t_free_bad(). */
static int random_bad_offset(struct pcpu_model *m, u64 *rnd)
{
	int kind = t_rand(rnd) % 4, off, i;

	for (i = 0; i < 16; i++) {
		switch (kind) {
		case 0:	/* inside a live allocation, or misaligned */
			off = m->nr_objs ? m->objs[t_rand(rnd) % m->nr_objs] *
				PCPU_MIN_ALLOC_SIZE + 1 + t_rand(rnd) % 8 :
				1;
			break;
		case 1:	/* anywhere in the chunk, or just outside */
			off = (int)(t_rand(rnd) % (m->nbits * 4 + 16)) - 8;
			break;
		case 2:	/* a hidden part of a first chunk, or offset 0 */
			off = t_rand(rnd) & 1 ? 0 : m->hi * PCPU_MIN_ALLOC_SIZE;
			break;
		default: /* far out */
			off = t_rand(rnd) & 1 ? INT_MIN + 4 : INT_MAX - 3;
			break;
		}
		if (!pcpu_model_free_size(m, off))
			return off;
		kind = 1;
	}
	return -4;
}

static void random_step(const struct random_cfg *cfg, u64 *rnd, int step)
{
	struct pcpu_model *m = t_model(t_rand(rnd) % t_nr_chunks());
	int r = t_rand(rnd) % 100, nr, start;
	bool unpopulated = m->chunk->nr_populated < m->chunk->nr_pages;
	/* fill in the first half, churn and drain in the second */
	int alloc_pct = step < cfg->steps / 2 ? 65 : 45;

	if (r < alloc_pct || !m->nr_objs) {
		bool atomic = t_rand(rnd) % 100 < cfg->atomic_pct;

		if (!cfg->fold_every_step)
			t_fold_stale(pcpu_test_fold_batch);
		t_alloc_pop(m, random_size(rnd, cfg->max_size),
			    random_align(rnd), atomic);
	} else if (r < 80) {
		t_free(m, m->objs[t_rand(rnd) % m->nr_objs] *
		       PCPU_MIN_ALLOC_SIZE);
	} else if (r < 85) {
		/* a burst, once in a long while everything */
		nr = t_rand(rnd) % 200 ? 1 + t_rand(rnd) % 8 : m->nr_objs;
		while (nr-- && m->nr_objs)
			t_free(m, m->objs[t_rand(rnd) % m->nr_objs] *
			       PCPU_MIN_ALLOC_SIZE);
	} else if (r < 90) {
		t_free_bad(m, random_bad_offset(m, rnd));
	} else if (r < 93 && unpopulated && cfg->atomic_pct) {
		start = t_rand(rnd) % m->chunk->nr_pages;
		nr = 1 + t_rand(rnd) % 4;
		while (nr-- && start < m->chunk->nr_pages &&
		       !test_bit(start, m->chunk->populated)) {
			t_populate(m, start, start + 1);
			start++;
		}
	} else if (r < 97) {
		t_fold_budget(m, 1 + t_rand(rnd) % 4);
	} else {
		t_fold(m);
	}

	if (cfg->fold_every_step) {
		int i;

		for (i = 0; i < t_nr_chunks(); i++)
			t_fold(t_model(i));
	}
	t_probe(m, random_size(rnd, cfg->max_size), random_align(rnd),
		cfg->atomic_pct && t_rand(rnd) % 2);
}

static void random_run(const struct random_cfg *cfg)
{
	u64 rnd = cfg->seed;
	int i, step;

	t_setup(cfg->unit_pages);
	for (i = 0; i < cfg->nr_chunks; i++)
		t_chunk();
	if (cfg->map_size)
		t_first_chunk(cfg->start_offset, cfg->map_size, cfg->reserved);
	for (step = 0; step < cfg->steps; step++)
		random_step(cfg, &rnd, step);
	/* everything freed: every chunk back to its first state */
	for (i = 0; i < t_nr_chunks(); i++) {
		struct pcpu_model *m = t_model(i);

		while (m->nr_objs)
			t_free(m, m->objs[0] * PCPU_MIN_ALLOC_SIZE);
		t_fold(m);
		ASSERT_EQ(pcpu_chunk_contig(m->chunk), m->hi - m->lo);
	}
	while (t_nr_chunks())
		t_release(t_model(t_nr_chunks() - 1));
}

/* One chunk of 8 pages, folds as the allocator makes them. */
static void random_one_chunk(void)
{
	random_run(&(struct random_cfg){
		.seed = 1, .unit_pages = 8, .steps = 20000, .nr_chunks = 1,
		.max_size = 4 * 4096,
	});
}

/* The same with a fold after every step: every node exact every time. */
static void random_fold_every_step(void)
{
	random_run(&(struct random_cfg){
		.seed = 2, .unit_pages = 8, .steps = 8000, .nr_chunks = 1,
		.fold_every_step = true, .max_size = 4 * 4096,
	});
}

/* Three chunks sharing the stale list and the global page count. */
static void random_three_chunks(void)
{
	random_run(&(struct random_cfg){
		.seed = 3, .unit_pages = 16, .steps = 15000, .nr_chunks = 3,
		.max_size = PCPU_MIN_UNIT_SIZE,
	});
}

/* Atomic requests with pages populated as the steps go. */
static void random_atomic(void)
{
	random_run(&(struct random_cfg){
		.seed = 4, .unit_pages = 8, .steps = 10000, .nr_chunks = 2,
		.atomic_pct = 50, .max_size = 2 * 4096,
	});
}

/* Chunks of 1, 3 and 5 pages: a single leaf, padding leaves. */
static void random_odd_sizes(void)
{
	static const int pages[] = { 1, 3, 5 };
	int i;

	for (i = 0; i < ARRAY_SIZE(pages); i++)
		random_run(&(struct random_cfg){
			.seed = 5 + i, .unit_pages = pages[i], .steps = 5000,
			.nr_chunks = 1, .max_size = pages[i] * 4096,
		});
}

/* A first chunk with hidden parts, beside a regular chunk. */
static void random_first_chunk(void)
{
	random_run(&(struct random_cfg){
		.seed = 9, .unit_pages = 8, .steps = 10000, .nr_chunks = 1,
		.start_offset = 1000, .map_size = 20000,
		.max_size = 4 * 4096,
	});
}

/* The reserved chunk, small, beside a regular chunk. */
static void random_reserved_chunk(void)
{
	random_run(&(struct random_cfg){
		.seed = 10, .unit_pages = 8, .steps = 10000, .nr_chunks = 1,
		.start_offset = 2052, .map_size = 8192, .reserved = true,
		.max_size = 2048,
	});
}

/* The kernel's unit here, 1 MiB (256 pages): fewer steps, every check. */
static void random_one_mib(void)
{
	random_run(&(struct random_cfg){
		.seed = 11, .unit_pages = 256, .steps = 4000, .nr_chunks = 1,
		.max_size = PCPU_MIN_UNIT_SIZE,
	});
}

static const struct pcpu_test_case cases[] = {
	PCPU_TEST_CASE(random_one_chunk),
	PCPU_TEST_CASE(random_fold_every_step),
	PCPU_TEST_CASE(random_three_chunks),
	PCPU_TEST_CASE(random_atomic),
	PCPU_TEST_CASE(random_odd_sizes),
	PCPU_TEST_CASE(random_first_chunk),
	PCPU_TEST_CASE(random_reserved_chunk),
	PCPU_TEST_CASE(random_one_mib),
	{}
};

const struct pcpu_test_group random_ops = { "random_ops", cases };
