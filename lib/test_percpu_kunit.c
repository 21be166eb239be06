// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the percpu allocator API.
 *
 * Only the public interface is used (alloc_percpu() and friends,
 * free_percpu(), per_cpu_ptr() and pcpu_nr_pages()), so every case holds
 * whatever allocator sits behind it.  The cases run against the live
 * allocator and free everything they allocate.
 */

#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/percpu.h>
#include <linux/prandom.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/vmstat.h>
#include <linux/workqueue.h>
#include <trace/events/percpu.h>

#define PCPU_TEST_SEED		0x5eed0f00dULL
#define PCPU_TEST_NR_OBJS	4096
#define PCPU_TEST_NR_PAGE_OBJS	4096

/* Sizes in bytes: below, at and above the 4-byte granule, up to the max. */
static const size_t pcpu_test_sizes[] = {
	1, 2, 3, 4, 8, 12, 16, 24, 32, 48, 64, 100, 128, 256, 1000, 1024,
	2048, 4096, 4100, 8192, 16384, PCPU_MIN_UNIT_SIZE,
};

struct pcpu_test_obj {
	void __percpu *ptr;
	size_t size;
	size_t align;
};

/* The byte a live object holds at @i in the copy of @cpu. */
static u8 pcpu_test_pattern(unsigned int id, unsigned int cpu, size_t i)
{
	return (u8)(id * 131 + cpu * 17 + i + 1);
}

static void pcpu_test_fill(struct pcpu_test_obj *obj, unsigned int id)
{
	unsigned int cpu;
	size_t i;

	for_each_possible_cpu(cpu) {
		u8 *p = per_cpu_ptr(obj->ptr, cpu);

		for (i = 0; i < obj->size; i++)
			p[i] = pcpu_test_pattern(id, cpu, i);
	}
}

/* Returns true if every CPU's copy of @obj still holds its pattern. */
static bool pcpu_test_intact(struct pcpu_test_obj *obj, unsigned int id)
{
	unsigned int cpu;
	size_t i;

	for_each_possible_cpu(cpu) {
		u8 *p = per_cpu_ptr(obj->ptr, cpu);

		for (i = 0; i < obj->size; i++)
			if (p[i] != pcpu_test_pattern(id, cpu, i))
				return false;
	}
	return true;
}

/* Returns true if every CPU's copy of @obj is zeroed and aligned. */
static bool pcpu_test_fresh(struct pcpu_test_obj *obj)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		void *p = per_cpu_ptr(obj->ptr, cpu);

		if (!IS_ALIGNED((unsigned long)p, obj->align))
			return false;
		if (memchr_inv(p, 0, obj->size))
			return false;
	}
	return true;
}

static void pcpu_test_alloc(struct kunit *test, struct pcpu_test_obj *obj,
			    size_t size, size_t align, gfp_t gfp)
{
	obj->size = size;
	obj->align = align;
	obj->ptr = __alloc_percpu_gfp(size, align, gfp);
	KUNIT_ASSERT_NOT_NULL_MSG(test, obj->ptr, "size %zu align %zu",
				  size, align);
	KUNIT_EXPECT_TRUE_MSG(test, pcpu_test_fresh(obj),
			      "size %zu align %zu: not zeroed or misaligned",
			      size, align);
}

static void pcpu_test_free(struct pcpu_test_obj *obj)
{
	free_percpu(obj->ptr);
	obj->ptr = NULL;
}

/*
 * Every size at every power-of-two alignment up to PAGE_SIZE: the copies are
 * aligned and zeroed, a write to one CPU's copy reaches no other copy, and
 * the objects allocated just before and after are left untouched.
 */
static void pcpu_test_sizes_aligns_zeroed_isolated(struct kunit *test)
{
	struct pcpu_test_obj left, obj, right;
	unsigned int cpu;
	size_t align;
	int s;

	for (s = 0; s < ARRAY_SIZE(pcpu_test_sizes); s++) {
		for (align = 1; align <= PAGE_SIZE; align <<= 1) {
			size_t size = pcpu_test_sizes[s];

			pcpu_test_alloc(test, &left, size, align, GFP_KERNEL);
			pcpu_test_alloc(test, &obj, size, align, GFP_KERNEL);
			pcpu_test_alloc(test, &right, size, align, GFP_KERNEL);
			pcpu_test_fill(&left, 1);
			pcpu_test_fill(&right, 2);

			/* one CPU at a time; all earlier CPUs must keep theirs */
			for_each_possible_cpu(cpu)
				memset(per_cpu_ptr(obj.ptr, cpu), 0x40 + cpu,
				       size);
			for_each_possible_cpu(cpu) {
				void *p = per_cpu_ptr(obj.ptr, cpu);

				KUNIT_EXPECT_FALSE_MSG(test,
						       memchr_inv(p, 0x40 + cpu, size),
						       "size %zu align %zu: cpu %u copy changed",
						       size, align, cpu);
			}
			KUNIT_EXPECT_TRUE(test, pcpu_test_intact(&left, 1));
			KUNIT_EXPECT_TRUE(test, pcpu_test_intact(&right, 2));

			pcpu_test_free(&obj);
			pcpu_test_free(&left);
			pcpu_test_free(&right);
		}
	}
}

enum pcpu_test_order {
	PCPU_FREE_IN_ORDER,
	PCPU_FREE_ALTERNATING,
	PCPU_FREE_REVERSE,
	PCPU_FREE_RANDOM,
};

static const enum pcpu_test_order pcpu_test_orders[] = {
	PCPU_FREE_IN_ORDER, PCPU_FREE_ALTERNATING, PCPU_FREE_REVERSE,
	PCPU_FREE_RANDOM,
};

static void pcpu_test_order_desc(const enum pcpu_test_order *order,
				 char *desc)
{
	static const char * const names[] = {
		[PCPU_FREE_IN_ORDER]	= "freed in order",
		[PCPU_FREE_ALTERNATING]	= "freed alternating",
		[PCPU_FREE_REVERSE]	= "freed in reverse",
		[PCPU_FREE_RANDOM]	= "freed in random order",
	};

	strscpy(desc, names[*order], KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(pcpu_test_order, pcpu_test_orders, pcpu_test_order_desc);

/* The order in which the workload's objects are freed. */
static void pcpu_test_free_order(unsigned int *idx, unsigned int n,
				 enum pcpu_test_order order,
				 struct rnd_state *rnd)
{
	unsigned int i, j, k = 0;

	switch (order) {
	case PCPU_FREE_IN_ORDER:
		for (i = 0; i < n; i++)
			idx[i] = i;
		break;
	case PCPU_FREE_ALTERNATING:
		for (i = 0; i < n; i += 2)
			idx[k++] = i;
		for (i = 1; i < n; i += 2)
			idx[k++] = i;
		break;
	case PCPU_FREE_REVERSE:
		for (i = 0; i < n; i++)
			idx[i] = n - 1 - i;
		break;
	case PCPU_FREE_RANDOM:
		for (i = 0; i < n; i++)
			idx[i] = i;
		for (i = n - 1; i > 0; i--) {
			j = prandom_u32_state(rnd) % (i + 1);
			swap(idx[i], idx[j]);
		}
		break;
	}
}

struct pcpu_test_range {
	unsigned long start;
	unsigned long end;
};

static int pcpu_test_range_cmp(const void *a, const void *b)
{
	const struct pcpu_test_range *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return 0;
}

/* Number of live objects whose percpu address ranges overlap the next. */
static unsigned int pcpu_test_overlaps(struct kunit *test,
				       struct pcpu_test_obj *objs,
				       unsigned int n)
{
	struct pcpu_test_range *r;
	unsigned int i, bad = 0;

	r = kunit_kcalloc(test, n, sizeof(*r), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r);
	for (i = 0; i < n; i++) {
		r[i].start = (unsigned long)objs[i].ptr;
		r[i].end = r[i].start + objs[i].size;
	}
	sort(r, n, sizeof(*r), pcpu_test_range_cmp, NULL);
	for (i = 1; i < n; i++)
		if (r[i].start < r[i - 1].end)
			bad++;
	kunit_kfree(test, r);
	return bad;
}

/* Sizes of the mixed workload, small ones more likely (as in real use). */
static const size_t pcpu_test_mix_sizes[] = {
	4, 4, 8, 8, 8, 12, 16, 16, 24, 32, 48, 64, 128, 256, 512, 1024, 2048,
};

static void pcpu_test_workload(struct kunit *test, struct pcpu_test_obj *objs,
			       unsigned int n, struct rnd_state *rnd)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		u32 r = prandom_u32_state(rnd);
		size_t size = pcpu_test_mix_sizes[r % ARRAY_SIZE(pcpu_test_mix_sizes)];
		size_t align = 1UL << ((r >> 8) % 7);	/* 1 .. 64 */

		pcpu_test_alloc(test, &objs[i], size, align, GFP_KERNEL);
		pcpu_test_fill(&objs[i], i);
	}
}

static unsigned long pcpu_test_nr_pages(void)
{
#if IS_BUILTIN(CONFIG_PERCPU_KUNIT_TEST)
	return pcpu_nr_pages();
#else
	return 0;	/* pcpu_nr_pages() is not exported to modules */
#endif
}

/*
 * Frees leave chunks for the balance work to depopulate or isolate, and
 * chunks it has isolated are not used until it is done with them: let it
 * finish before the next round, so that the comparison is between two
 * settled states.  The balance work is queued with schedule_work(), and
 * only ever by an allocation or a free: once the test's own calls are
 * done, flushing the workqueue until the populated pages stop changing
 * waits for it, however slow the machine is.
 */
static void pcpu_test_settle(void)
{
	unsigned long last, now = pcpu_test_nr_pages();
	int i;

	for (i = 0; i < 8; i++) {
		last = now;
		__flush_workqueue(system_percpu_wq);
		now = pcpu_test_nr_pages();
		if (now == last)
			break;
	}
}

/*
 * Thousands of live objects of mixed sizes and alignments: no two overlap,
 * every one keeps its contents while the others are freed in the given
 * order, and once all are freed the same workload fits again without the
 * allocator growing.
 */
static void pcpu_test_workload_no_overlap_no_growth(struct kunit *test)
{
	const enum pcpu_test_order *order = test->param_value;
	const unsigned int n = PCPU_TEST_NR_OBJS;
	unsigned long pages[2], slack;
	struct pcpu_test_obj *objs;
	struct rnd_state rnd;
	unsigned int *idx;
	unsigned int round, i, lost;

	objs = kunit_kcalloc(test, n, sizeof(*objs), GFP_KERNEL);
	idx = kunit_kcalloc(test, n, sizeof(*idx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs);
	KUNIT_ASSERT_NOT_NULL(test, idx);

	for (round = 0; round < 2; round++) {
		prandom_seed_state(&rnd, PCPU_TEST_SEED);
		pcpu_test_workload(test, objs, n, &rnd);
		pages[round] = pcpu_test_nr_pages();

		KUNIT_EXPECT_EQ(test, pcpu_test_overlaps(test, objs, n), 0);

		pcpu_test_free_order(idx, n, *order, &rnd);
		for (i = 0; i < n / 2; i++)
			pcpu_test_free(&objs[idx[i]]);

		/* the half still live must be intact */
		lost = 0;
		for (; i < n; i++)
			if (!pcpu_test_intact(&objs[idx[i]], idx[i]))
				lost++;
		KUNIT_EXPECT_EQ_MSG(test, lost, 0,
				    "objects corrupted by freeing others");

		for (i = n / 2; i < n; i++)
			pcpu_test_free(&objs[idx[i]]);
		pcpu_test_settle();
	}

	if (!IS_BUILTIN(CONFIG_PERCPU_KUNIT_TEST))
		kunit_skip(test, "pcpu_nr_pages() is not available to modules");

	/*
	 * The balance work keeps a few empty pages populated per chunk and a
	 * spare empty chunk, and runs when it runs: allow that (up to 22
	 * pages per CPU were seen under KASAN and lockdep, where it runs
	 * late), not a second copy of the workload (about 250 pages per
	 * CPU).
	 */
	slack = 32 * num_possible_cpus();
	KUNIT_EXPECT_LE_MSG(test, pages[1], pages[0] + slack,
			    "populated pages grew from %lu to %lu",
			    pages[0], pages[1]);
}

/*
 * Page-sized objects over several chunks, all freed in the given order
 * with no allocation in between: once the balance work has run, the
 * pages they populated are given back on every CPU, but for one spare
 * chunk, which the allocator may keep populated (Linux 6.12 keeps one
 * after frees in reverse), and a few empty pages for atomic allocations.
 * A chunk is measured as the longest run of objects at consecutive
 * addresses: page-sized objects fill a new chunk page after page.  At
 * most an eighth of the memory goes to the objects.
 */
static void pcpu_test_frees_give_pages_back(struct kunit *test)
{
	const enum pcpu_test_order *order = test->param_value;
	const unsigned int n = min_t(unsigned long, PCPU_TEST_NR_PAGE_OBJS,
				     totalram_pages() / 8 / num_possible_cpus());
	unsigned long before, peak, after, run = 1, chunk = 1, per_obj;
	void __percpu **objs;
	struct rnd_state rnd;
	unsigned int *idx;
	unsigned int i;

	if (!IS_BUILTIN(CONFIG_PERCPU_KUNIT_TEST))
		kunit_skip(test, "pcpu_nr_pages() is not available to modules");
	objs = kunit_kcalloc(test, n, sizeof(*objs), GFP_KERNEL);
	idx = kunit_kcalloc(test, n, sizeof(*idx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs);
	KUNIT_ASSERT_NOT_NULL(test, idx);

	pcpu_test_settle();
	before = pcpu_test_nr_pages();
	for (i = 0; i < n; i++) {
		objs[i] = __alloc_percpu(PAGE_SIZE, PAGE_SIZE);
		KUNIT_ASSERT_NOT_NULL(test, objs[i]);
		if (i && (unsigned long)objs[i] == (unsigned long)objs[i - 1] + PAGE_SIZE)
			chunk = max(chunk, ++run);
		else
			run = 1;
	}
	peak = pcpu_test_nr_pages();
	/* populated pages per object: one per unit */
	per_obj = DIV_ROUND_UP(peak - before, n);
	prandom_seed_state(&rnd, PCPU_TEST_SEED);
	pcpu_test_free_order(idx, n, *order, &rnd);
	for (i = 0; i < n; i++)
		free_percpu(objs[idx[i]]);
	pcpu_test_settle();
	after = pcpu_test_nr_pages();

	kunit_info(test, "populated pages: %lu before, %lu with %u objects, %lu after; chunks of %lu pages\n",
		   before, peak, n, after, chunk);
	KUNIT_EXPECT_LE_MSG(test, after, before + (chunk + 16) * per_obj,
			    "populated pages: %lu before, %lu with the objects, %lu after their frees",
			    before, peak, after);
}

/* GFP_NOWAIT allocations succeed, zeroed, from atomic context. */
static void pcpu_test_nowait_atomic_context(struct kunit *test)
{
	struct pcpu_test_obj objs[16];
	bool fresh[ARRAY_SIZE(objs)];
	int i;

	preempt_disable();
	for (i = 0; i < ARRAY_SIZE(objs); i++) {
		objs[i].size = 8 << (i % 4);
		objs[i].align = 8;
		objs[i].ptr = __alloc_percpu_gfp(objs[i].size, objs[i].align,
						 GFP_NOWAIT | __GFP_NOWARN);
		fresh[i] = objs[i].ptr && pcpu_test_fresh(&objs[i]);
	}
	for (i = 0; i < ARRAY_SIZE(objs); i++)
		free_percpu(objs[i].ptr);
	preempt_enable();

	for (i = 0; i < ARRAY_SIZE(objs); i++)
		KUNIT_EXPECT_TRUE_MSG(test, fresh[i],
				      "GFP_NOWAIT allocation %d failed", i);
}

struct pcpu_test_struct {
	u64 counter;
	u32 flags;
	char name[13];
} ____cacheline_aligned;

/* alloc_percpu() of types: aligned to the type, zeroed, usable per CPU. */
static void pcpu_test_alloc_percpu_typed(struct kunit *test)
{
	struct pcpu_test_struct __percpu *s = alloc_percpu(struct pcpu_test_struct);
	u64 __percpu *c = alloc_percpu_gfp(u64, GFP_NOWAIT | __GFP_NOWARN);
	unsigned int cpu;
	u64 sum = 0;

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_ASSERT_NOT_NULL(test, c);

	for_each_possible_cpu(cpu) {
		struct pcpu_test_struct *p = per_cpu_ptr(s, cpu);

		KUNIT_EXPECT_EQ(test, (unsigned long)p %
				__alignof__(struct pcpu_test_struct), 0);
		KUNIT_EXPECT_EQ(test, p->counter, 0);
		KUNIT_EXPECT_EQ(test, *per_cpu_ptr(c, cpu), 0);
		p->counter = cpu + 1;
		*per_cpu_ptr(c, cpu) = cpu + 1;
	}
	for_each_possible_cpu(cpu) {
		KUNIT_EXPECT_EQ(test, per_cpu_ptr(s, cpu)->counter, cpu + 1);
		sum += *per_cpu_ptr(c, cpu);
	}
	KUNIT_EXPECT_EQ(test, sum, (u64)num_possible_cpus() *
			(num_possible_cpus() + 1) / 2);

	free_percpu(c);
	free_percpu(s);
}

/* free_percpu(NULL) is a no-op: nothing live changes, allocation works. */
static void pcpu_test_free_null_noop(struct kunit *test)
{
	struct pcpu_test_obj obj, next;

	pcpu_test_alloc(test, &obj, 64, 8, GFP_KERNEL);
	pcpu_test_fill(&obj, 7);
	free_percpu(NULL);
	KUNIT_EXPECT_TRUE(test, pcpu_test_intact(&obj, 7));
	pcpu_test_alloc(test, &next, 64, 8, GFP_KERNEL);
	KUNIT_EXPECT_PTR_NE(test, next.ptr, obj.ptr);
	pcpu_test_free(&next);
	pcpu_test_free(&obj);
}

/*
 * Size 0, sizes above the unit minimum, alignments that are not a power of
 * two or exceed PAGE_SIZE: all fail with NULL and disturb nothing.
 */
static void pcpu_test_rejects_invalid_requests(struct kunit *test)
{
	static const struct {
		size_t size;
		size_t align;
	} bad[] = {
		{ 0, 4 },
		{ PCPU_MIN_UNIT_SIZE + 1, 4 },
		{ PCPU_MIN_UNIT_SIZE * 2, 8 },
		{ SIZE_MAX - 2, 8 },
		{ 8, 6 },
		{ 8, 12 },
		{ 8, 48 },
		{ 8, PAGE_SIZE - 4 },
		{ 8, PAGE_SIZE * 2 },
		{ 8, PAGE_SIZE * 16 },
	};
	const gfp_t gfps[] = { GFP_KERNEL, GFP_NOWAIT };
	struct pcpu_test_obj live, obj;
	int i, g;

	pcpu_test_alloc(test, &live, 256, 16, GFP_KERNEL);
	pcpu_test_fill(&live, 3);

	for (g = 0; g < ARRAY_SIZE(gfps); g++) {
		for (i = 0; i < ARRAY_SIZE(bad); i++) {
			void __percpu *p;

			p = __alloc_percpu_gfp(bad[i].size, bad[i].align,
					       gfps[g] | __GFP_NOWARN);
			KUNIT_EXPECT_NULL_MSG(test, p, "size %zu align %zu",
					      bad[i].size, bad[i].align);
			free_percpu(p);
		}
	}

	KUNIT_EXPECT_TRUE(test, pcpu_test_intact(&live, 3));
	pcpu_test_alloc(test, &obj, 256, 16, GFP_KERNEL);
	pcpu_test_free(&obj);
	pcpu_test_free(&live);
}

/* Reserved (module static) allocations work and are zeroed. */
static void pcpu_test_reserved_alloc(struct kunit *test)
{
	struct pcpu_test_obj obj = { .size = 64, .align = 8 };

	obj.ptr = __alloc_reserved_percpu(obj.size, obj.align);
	KUNIT_ASSERT_NOT_NULL(test, obj.ptr);
	KUNIT_EXPECT_TRUE(test, pcpu_test_fresh(&obj));
	pcpu_test_free(&obj);
}

/*
 * Stress from every CPU: one thread per online CPU allocates and frees
 * random sizes and alignments for stress_ms, mixing GFP_KERNEL with
 * GFP_NOWAIT, writes a pattern of its own into every CPU's copy of each
 * live object and checks it before the free.  Now and then a thread
 * allocates a wave of 1 KiB objects, enough to fill chunks, and frees it,
 * so that the balance work creates, populates, depopulates and destroys
 * chunks underneath.
 */
static unsigned int stress_ms = 3000;
module_param(stress_ms, uint, 0444);
MODULE_PARM_DESC(stress_ms, "Duration of the stress test in ms (default 3000)");

#define PCPU_STRESS_SLOTS	64
#define PCPU_STRESS_WAVE	1024

struct pcpu_stress {
	struct completion done;
	unsigned int id;
	unsigned long deadline;
	struct rnd_state rnd;
	struct pcpu_test_obj slot[PCPU_STRESS_SLOTS];
	u32 tag[PCPU_STRESS_SLOTS];
	void __percpu **wave;
	unsigned long allocs, frees, nowait_failed, waves;
	unsigned long failed, not_fresh, corrupted;
};

/* The word at @i of @cpu's copy of the object tagged @tag. */
static u32 pcpu_stress_word(u32 tag, unsigned int cpu, size_t i)
{
	return (tag * 0x9e3779b1U) ^ (cpu << 24) ^ i;
}

/* Fill (or check, if @check) every word of every CPU's copy. */
static bool pcpu_stress_pattern(struct pcpu_test_obj *obj, u32 tag, bool check)
{
	unsigned int cpu;
	size_t i;

	for_each_possible_cpu(cpu) {
		u32 *p = per_cpu_ptr(obj->ptr, cpu);

		for (i = 0; i < obj->size / sizeof(u32); i++) {
			if (!check)
				p[i] = pcpu_stress_word(tag, cpu, i);
			else if (p[i] != pcpu_stress_word(tag, cpu, i))
				return false;
		}
	}
	return true;
}

static void pcpu_stress_free(struct pcpu_stress *s, int i)
{
	if (!pcpu_stress_pattern(&s->slot[i], s->tag[i], true))
		s->corrupted++;
	pcpu_test_free(&s->slot[i]);
	s->frees++;
}

/* Objects of a wave carry their tag in the first and last word. */
static void pcpu_stress_wave(struct pcpu_stress *s, u32 *serial)
{
	unsigned int i, n, cpu, last = 1024 / sizeof(u32) - 1;

	for (n = 0; n < PCPU_STRESS_WAVE; n++) {
		s->wave[n] = __alloc_percpu_gfp(1024, 4, GFP_KERNEL);
		if (!s->wave[n]) {
			s->failed++;
			break;
		}
		for_each_possible_cpu(cpu) {
			u32 *p = per_cpu_ptr(s->wave[n], cpu);

			p[0] = pcpu_stress_word(*serial + n, cpu, 0);
			p[last] = p[0];
		}
	}
	s->allocs += n;
	for (i = 0; i < n; i++) {
		for_each_possible_cpu(cpu) {
			u32 *p = per_cpu_ptr(s->wave[i], cpu);
			u32 want = pcpu_stress_word(*serial + i, cpu, 0);

			if (p[0] != want || p[last] != want) {
				s->corrupted++;
				break;
			}
		}
		free_percpu(s->wave[i]);
	}
	s->frees += n;
	*serial += n;
	s->waves++;
}

static int pcpu_stress_fn(void *data)
{
	struct pcpu_stress *s = data;
	u32 serial = 0;
	int i;

	while (time_before(jiffies, s->deadline)) {
		u32 r = prandom_u32_state(&s->rnd);
		struct pcpu_test_obj *obj;
		gfp_t gfp;

		i = r % PCPU_STRESS_SLOTS;
		obj = &s->slot[i];
		cond_resched();
		if (r >> 23 == 0x1ff) {
			pcpu_stress_wave(s, &serial);
			continue;
		}
		if (obj->ptr) {
			pcpu_stress_free(s, i);
			continue;
		}

		obj->size = pcpu_test_mix_sizes[(r >> 6) %
						ARRAY_SIZE(pcpu_test_mix_sizes)];
		obj->align = 4UL << ((r >> 11) % 7);	/* 4 .. 256 */
		gfp = r & BIT(14) ? GFP_NOWAIT | __GFP_NOWARN : GFP_KERNEL;
		obj->ptr = __alloc_percpu_gfp(obj->size, obj->align, gfp);
		if (!obj->ptr) {
			if (gfp == GFP_KERNEL)
				s->failed++;
			else
				s->nowait_failed++;
			continue;
		}
		s->allocs++;
		if (!pcpu_test_fresh(obj))
			s->not_fresh++;
		s->tag[i] = s->id << 24 | (serial++ & 0xffffff);
		pcpu_stress_pattern(obj, s->tag[i], false);
	}

	for (i = 0; i < PCPU_STRESS_SLOTS; i++)
		if (s->slot[i].ptr)
			pcpu_stress_free(s, i);
	kthread_complete_and_exit(&s->done, 0);
}

static void pcpu_test_stress_all_cpus(struct kunit *test)
{
	unsigned int nr = num_online_cpus(), t = 0, cpu;
	unsigned long allocs = 0, frees = 0, nowait = 0, waves = 0, lost = 0;
	unsigned long pages;
	struct pcpu_stress *s;

	s = kunit_kcalloc(test, nr, sizeof(*s), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, s);
	pcpu_test_settle();
	pages = pcpu_test_nr_pages();

	for_each_online_cpu(cpu) {
		struct task_struct *task;

		if (t == nr)
			break;
		s[t].id = t;
		s[t].deadline = jiffies + msecs_to_jiffies(stress_ms);
		prandom_seed_state(&s[t].rnd, PCPU_TEST_SEED + t);
		init_completion(&s[t].done);
		s[t].wave = kunit_kcalloc(test, PCPU_STRESS_WAVE,
					  sizeof(*s[t].wave), GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, s[t].wave);
		task = kthread_run_on_cpu(pcpu_stress_fn, &s[t], cpu,
					  "pcpu_stress/%u");
		KUNIT_ASSERT_FALSE(test, IS_ERR(task));
		t++;
	}

	for (t = 0; t < nr; t++) {
		wait_for_completion(&s[t].done);
		KUNIT_EXPECT_GT_MSG(test, s[t].allocs, 0,
				    "thread %u allocated nothing", t);
		KUNIT_EXPECT_EQ_MSG(test, s[t].failed, 0,
				    "thread %u: GFP_KERNEL allocations failed", t);
		KUNIT_EXPECT_EQ_MSG(test, s[t].not_fresh, 0,
				    "thread %u: new objects not zeroed or misaligned", t);
		KUNIT_EXPECT_EQ_MSG(test, s[t].corrupted, 0,
				    "thread %u: objects lost their contents", t);
		KUNIT_EXPECT_EQ(test, s[t].allocs, s[t].frees);
		allocs += s[t].allocs;
		frees += s[t].frees;
		nowait += s[t].nowait_failed;
		waves += s[t].waves;
		lost += s[t].not_fresh + s[t].corrupted;
	}
	kunit_info(test, "%u threads x %u ms: %lu allocations, %lu frees, %lu waves of %u, %lu GFP_NOWAIT failures, %lu objects lost\n",
		   nr, stress_ms, allocs, frees, waves, PCPU_STRESS_WAVE,
		   nowait, lost);

	/*
	 * The waves' chunks go back once the balance work is done, except
	 * one spare empty chunk, which stays populated: at most one wave's
	 * worth of pages (plus the empty-page targets) may remain, not one
	 * per wave.
	 */
	pcpu_test_settle();
	if (IS_BUILTIN(CONFIG_PERCPU_KUNIT_TEST))
		KUNIT_EXPECT_LE_MSG(test, pcpu_test_nr_pages(),
				    pages + (PCPU_STRESS_WAVE * 1024 / PAGE_SIZE + 16) *
				    num_possible_cpus(),
				    "populated pages grew from %lu", pages);
}

/*
 * Allocate page-sized objects atomically until the allocator fails, and
 * with reclaim (but no OOM kill) until it fails or the machine's free
 * memory falls to a sixteenth of its RAM: the objects it gave keep their
 * contents, and once they are freed the populated pages come back to
 * where they started and allocation works again.  Needs a small -m
 * (make check boots with 384 MiB), or it would take 4 GiB of objects.
 *
 * The margin is what keeps the kernel alive: a test kernel has no task
 * the OOM killer could kill, so any allocation that may not fail (a
 * kthread's stack, a kworker the balance work needs) made while the
 * test holds the memory below the min watermark panics the machine, and
 * how likely that is depends on how fast the host runs the guest.  A
 * sixteenth (24 MiB at 384 MiB) is several times the watermarks there.
 */
static void pcpu_test_memory_pressure(struct kunit *test)
{
	const gfp_t gfps[] = {
		GFP_NOWAIT | __GFP_NOWARN,
		GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN,
	};
	unsigned long cap = totalram_pages(), margin = cap / 16;
	unsigned long pages, peak, n, i, lost, avail;
	void __percpu **objs;
	unsigned int cpu;
	bool failed;
	int g;

	if (cap > (512UL << (20 - PAGE_SHIFT)))
		kunit_skip(test, "needs 512 MiB of memory or less (-m)");
	objs = kvcalloc(cap, sizeof(*objs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs);

	for (g = 0; g < ARRAY_SIZE(gfps); g++) {
		pcpu_test_settle();
		pages = pcpu_test_nr_pages();
		avail = global_zone_page_state(NR_FREE_PAGES);
		failed = false;
		for (n = 0; n < cap; n++) {
			if (global_zone_page_state(NR_FREE_PAGES) < margin)
				break;
			objs[n] = __alloc_percpu_gfp(PAGE_SIZE, PAGE_SIZE,
						     gfps[g]);
			if (!objs[n]) {
				failed = true;
				break;
			}
			for_each_possible_cpu(cpu) {
				unsigned long *p = per_cpu_ptr(objs[n], cpu);

				*p = n + cpu;
			}
		}
		/* atomic allocations cannot populate: they fail first */
		if (!(gfps[g] & __GFP_DIRECT_RECLAIM))
			KUNIT_EXPECT_TRUE_MSG(test, failed,
					      "%pGg never failed", &gfps[g]);
		else
			KUNIT_EXPECT_GE_MSG(test, n * num_possible_cpus(),
					    (avail - min(avail, margin)) / 2,
					    "%pGg failed with %lu of %lu pages free",
					    &gfps[g],
					    global_zone_page_state(NR_FREE_PAGES),
					    avail);
		peak = pcpu_test_nr_pages();
		/*
		 * Newest first: reverse order is the quick one for every
		 * allocator (the area map's in-order frees are quadratic).
		 */
		lost = 0;
		for (i = n; i-- > 0;) {
			for_each_possible_cpu(cpu)
				if (*(unsigned long *)per_cpu_ptr(objs[i], cpu) != i + cpu)
					lost++;
			free_percpu(objs[i]);
		}
		KUNIT_EXPECT_EQ(test, lost, 0);
		kunit_info(test, "%pGg: %lu objects of %lu bytes, then %s\n",
			   &gfps[g], n, PAGE_SIZE,
			   failed ? "NULL" : "the free memory margin");

		/*
		 * The balance work gives the pages back, but for a spare
		 * empty chunk it may keep populated: a unit's worth, far
		 * below a sixteenth of what the pressure took here.
		 */
		pcpu_test_settle();
		if (IS_BUILTIN(CONFIG_PERCPU_KUNIT_TEST))
			KUNIT_EXPECT_LE_MSG(test, pcpu_test_nr_pages(),
					    pages + (peak - pages) / 16 +
					    16 * num_possible_cpus(),
					    "populated pages: %lu before, %lu at the peak",
					    pages, peak);
		objs[0] = __alloc_percpu_gfp(PAGE_SIZE, PAGE_SIZE, GFP_KERNEL);
		KUNIT_EXPECT_NOT_NULL(test, objs[0]);
		free_percpu(objs[0]);
	}
	kvfree(objs);
}

static struct kunit_case pcpu_test_cases[] = {
	KUNIT_CASE(pcpu_test_sizes_aligns_zeroed_isolated),
	KUNIT_CASE_PARAM(pcpu_test_workload_no_overlap_no_growth,
			 pcpu_test_order_gen_params),
	KUNIT_CASE_PARAM(pcpu_test_frees_give_pages_back,
			 pcpu_test_order_gen_params),
	KUNIT_CASE(pcpu_test_nowait_atomic_context),
	KUNIT_CASE(pcpu_test_alloc_percpu_typed),
	KUNIT_CASE(pcpu_test_free_null_noop),
	KUNIT_CASE(pcpu_test_rejects_invalid_requests),
	KUNIT_CASE(pcpu_test_reserved_alloc),
	KUNIT_CASE_SLOW(pcpu_test_stress_all_cpus),
	KUNIT_CASE_SLOW(pcpu_test_memory_pressure),
	{}
};

static struct kunit_suite pcpu_test_suite = {
	.name = "percpu_api",
	.test_cases = pcpu_test_cases,
};

kunit_test_suite(pcpu_test_suite);

#if IS_ENABLED(CONFIG_PERCPU_BAD_INPUT_KUNIT_TEST)
/*
 * Bad input to free_percpu(): the allocator must refuse it (a WARN,
 * rate-limited, is its business) and change nothing.  Each case keeps a
 * set of live objects around the bad free and checks afterwards that they
 * kept their contents and that new objects neither overlap them nor come
 * back unzeroed.  Upstream 6.12 does not pass these: see make badinput.
 */
#define PCPU_BAD_NR_LIVE	32

struct pcpu_bad_ctx {
	struct pcpu_test_obj live[PCPU_BAD_NR_LIVE];
	struct pcpu_test_obj fresh[PCPU_BAD_NR_LIVE];
};

static struct pcpu_bad_ctx *pcpu_bad_setup(struct kunit *test)
{
	struct pcpu_bad_ctx *ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	int i;

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	for (i = 0; i < PCPU_BAD_NR_LIVE; i++) {
		pcpu_test_alloc(test, &ctx->live[i], 8 << (i % 6), 8, GFP_KERNEL);
		pcpu_test_fill(&ctx->live[i], 1000 + i);
	}
	return ctx;
}

/* Everything live is intact, and new objects fit around it. */
static void pcpu_bad_verify(struct kunit *test, struct pcpu_bad_ctx *ctx)
{
	struct pcpu_test_obj *all;
	int i, lost = 0;

	for (i = 0; i < PCPU_BAD_NR_LIVE; i++) {
		pcpu_test_alloc(test, &ctx->fresh[i], 8 << (i % 6), 8, GFP_KERNEL);
		pcpu_test_fill(&ctx->fresh[i], 2000 + i);
	}
	for (i = 0; i < PCPU_BAD_NR_LIVE; i++) {
		lost += !pcpu_test_intact(&ctx->live[i], 1000 + i);
		lost += !pcpu_test_intact(&ctx->fresh[i], 2000 + i);
	}
	KUNIT_EXPECT_EQ_MSG(test, lost, 0, "objects lost their contents");

	all = kunit_kcalloc(test, 2 * PCPU_BAD_NR_LIVE, sizeof(*all), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, all);
	memcpy(all, ctx->live, sizeof(ctx->live));
	memcpy(all + PCPU_BAD_NR_LIVE, ctx->fresh, sizeof(ctx->fresh));
	KUNIT_EXPECT_EQ(test, pcpu_test_overlaps(test, all, 2 * PCPU_BAD_NR_LIVE), 0);

	for (i = 0; i < PCPU_BAD_NR_LIVE; i++) {
		pcpu_test_free(&ctx->live[i]);
		pcpu_test_free(&ctx->fresh[i]);
	}
}

static void __percpu *pcpu_bad_ptr(void __percpu *ptr, long delta)
{
	return (void __percpu *)((unsigned long)ptr + delta);
}

#if IS_BUILTIN(CONFIG_PERCPU_KUNIT_TEST) && defined(CONFIG_TRACEPOINTS)
struct pcpu_bad_events {
	void __percpu *ptr;
	atomic_t nr;
};

static void pcpu_bad_probe_free(void *data, void *base_addr, int off,
				void __percpu *ptr)
{
	struct pcpu_bad_events *ev = data;

	if (ptr == ev->ptr)
		atomic_inc(&ev->nr);
}

/*
 * free_percpu(@ptr), which must emit @events percpu_free_percpu events:
 * one for a good free, none for a refused one (tools that pair the alloc
 * and free events would miscount).
 */
static void pcpu_bad_free(struct kunit *test, void __percpu *ptr, int events)
{
	struct pcpu_bad_events ev = { .ptr = ptr, .nr = ATOMIC_INIT(0) };
	int ret = register_trace_percpu_free_percpu(pcpu_bad_probe_free, &ev);

	KUNIT_ASSERT_EQ(test, ret, 0);
	free_percpu(ptr);
	unregister_trace_percpu_free_percpu(pcpu_bad_probe_free, &ev);
	tracepoint_synchronize_unregister();
	KUNIT_EXPECT_EQ_MSG(test, atomic_read(&ev.nr), events,
			    "percpu_free_percpu events for one free_percpu()");
}
#else
/* The free event cannot be watched from a module or without tracepoints. */
static void pcpu_bad_free(struct kunit *test, void __percpu *ptr, int events)
{
	free_percpu(ptr);
}
#endif

/* free_percpu() twice on the same object. */
static void pcpu_bad_double_free(struct kunit *test)
{
	struct pcpu_bad_ctx *ctx = pcpu_bad_setup(test);
	void __percpu *p = __alloc_percpu(64, 8);

	KUNIT_ASSERT_NOT_NULL(test, p);
	pcpu_bad_free(test, p, 1);
	pcpu_bad_free(test, p, 0);
	pcpu_bad_verify(test, ctx);
}

/* free_percpu() of a pointer @delta bytes into a live 64-byte object. */
static void pcpu_bad_free_into_object(struct kunit *test, long delta)
{
	struct pcpu_bad_ctx *ctx = pcpu_bad_setup(test);
	struct pcpu_test_obj obj;

	pcpu_test_alloc(test, &obj, 64, 8, GFP_KERNEL);
	pcpu_test_fill(&obj, 77);
	pcpu_bad_free(test, pcpu_bad_ptr(obj.ptr, delta), 0);
	KUNIT_EXPECT_TRUE(test, pcpu_test_intact(&obj, 77));
	pcpu_bad_verify(test, ctx);
	KUNIT_EXPECT_TRUE(test, pcpu_test_intact(&obj, 77));
	pcpu_test_free(&obj);
}

/* free_percpu() of a pointer 8 bytes into a live object. */
static void pcpu_bad_free_inside_object(struct kunit *test)
{
	pcpu_bad_free_into_object(test, 8);
}

/* free_percpu() of a pointer one byte past the start of a live object. */
static void pcpu_bad_free_misaligned(struct kunit *test)
{
	pcpu_bad_free_into_object(test, 1);
}

/* free_percpu() of a pointer into free space, which was never an object. */
static void pcpu_bad_free_in_free_space(struct kunit *test)
{
	struct pcpu_bad_ctx *ctx = pcpu_bad_setup(test);
	void __percpu *p = __alloc_percpu(256, 8);

	KUNIT_ASSERT_NOT_NULL(test, p);
	pcpu_bad_free(test, p, 1);
	pcpu_bad_free(test, pcpu_bad_ptr(p, 128), 0);
	pcpu_bad_verify(test, ctx);
}

static DEFINE_PER_CPU(u64, pcpu_test_static_var);

/* free_percpu() of a static percpu variable, which is in no chunk's free space. */
static void pcpu_bad_free_static_variable(struct kunit *test)
{
	struct pcpu_bad_ctx *ctx;
	unsigned int cpu;

	if (!IS_BUILTIN(CONFIG_PERCPU_KUNIT_TEST))
		kunit_skip(test, "a module's static variables are a reserved allocation");
	ctx = pcpu_bad_setup(test);
	for_each_possible_cpu(cpu)
		per_cpu(pcpu_test_static_var, cpu) = 0x5a5a0000 + cpu;
	pcpu_bad_free(test, &pcpu_test_static_var, 0);
	pcpu_bad_verify(test, ctx);
	for_each_possible_cpu(cpu)
		KUNIT_EXPECT_EQ(test, per_cpu(pcpu_test_static_var, cpu),
				0x5a5a0000 + cpu);
}

static struct kunit_case pcpu_bad_cases[] = {
	KUNIT_CASE(pcpu_bad_double_free),
	KUNIT_CASE(pcpu_bad_free_inside_object),
	KUNIT_CASE(pcpu_bad_free_misaligned),
	KUNIT_CASE(pcpu_bad_free_in_free_space),
	KUNIT_CASE(pcpu_bad_free_static_variable),
	{}
};

static struct kunit_suite pcpu_bad_suite = {
	.name = "percpu_bad_input",
	.test_cases = pcpu_bad_cases,
};

kunit_test_suite(pcpu_bad_suite);
#endif /* CONFIG_PERCPU_BAD_INPUT_KUNIT_TEST */

MODULE_DESCRIPTION("KUnit tests for the percpu allocator API");
MODULE_LICENSE("GPL");
