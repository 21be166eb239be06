// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmark of the percpu allocator through its public API.
 *
 * Built in, it runs during boot when test_percpu_bench.run=1 is on the
 * kernel command line; as a module, when loaded with run=1.  It prints one
 * line per measurement:
 *
 *   test_percpu_bench: <scenario> size=<B> align=<B> order=<order> n=<N>
 *                      alloc_us=<us> free_us=<us> pages=<populated pages>
 *
 * Scenarios, in the order they run (run_test_mask selects them; by
 * default all but churn, churnpop, spread and mixed, which measure
 * concurrency and what it leaves behind):
 *   orders   - N objects of each size, freed in order, alternating (every
 *              other one, then the rest) and in reverse
 *   aligned  - 4-byte objects at 8-byte alignment, and at 4 for reference
 *              (aligned_objs of them, N by default)
 *   prefill  - as orders, with the second half of every page taken first
 *   kmalloc  - kmalloc()/kfree() of the same sizes and counts, a floor
 *   lumps    - the longest single call after a mass free: lump_objs
 *              objects of each lump size (1 KiB and 256 B), every other
 *              one freed, then 4096 4-byte allocations and frees, then
 *              the rest freed; one line per phase:
 *
 *   test_percpu_bench: lumps size=<B> n=<N> phase=<phase> calls=<calls>
 *                      max_ns=<ns> total_us=<us>
 *
 *   churn    - many CPUs allocating at once, as exec() does for every new
 *              mm: one kthread on each of churn_threads online CPUs (all
 *              of them by default), released together, each keeping a
 *              ring of 64 live pairs of objects (16 B at 4-byte alignment
 *              and 32 B at 8) and, churn_pairs times, allocating a new
 *              pair and freeing its oldest; the ring is filled before the
 *              release and freed after the thread's end, both untimed.
 *              One line per run, us from the release to the end of the
 *              last thread:
 *
 *   test_percpu_bench: churn size=16+32 ring=64 threads=<T>
 *                      pairs=<all threads' pairs> us=<us>
 *
 *   churnpop - the same with single 1 KiB objects (8-byte alignment) in
 *              rings of 4096 per thread, filled in the timed part: the
 *              first 4096 allocations of every thread populate 4 MiB of
 *              every unit (1024 pages, over several chunks), all threads
 *              at once, and free nothing; each later step frees the
 *              oldest object after its allocation, which can take the
 *              space the step before freed (size=1024 ring=4096, pairs=
 *              counts the objects allocated)
 *   spread   - memory that frees spread thin over every CPU keep: one
 *              thread on every CPU allocates 31 objects of 128 B, all
 *              threads at once, then each frees its own (one line, as
 *              churn, with pairs=0); the benchmark then waits for the
 *              balance work, and an init reads what stays populated
 *   mixed    - rounds of mixed_objs objects of random sizes from 1 B to
 *              1 KiB at random alignments from 2 B to 2 KiB (powers of
 *              two), all allocated and then all freed in order: one
 *              thread, then one thread on every online CPU, with the
 *              same sequence of sizes and alignments on every tree; one
 *              line each, us from the threads' release to the end of the
 *              last one:
 *
 *   test_percpu_bench: mixed size=1-1024 align=2-2048 threads=<T>
 *                      objs=<N> rounds=<R> us=<us>
 *
 * With footprint=1, N objects of the first size are allocated last and,
 * built in, left allocated, so that percpu_stats can be read at that peak
 * once init runs:
 *
 *   test_percpu_bench: footprint size=<B> n=<N> pages=<populated pages>
 *
 * pages= is pcpu_nr_pages() with the N objects live (built in only).  The
 * benchmark waits for the balance work to settle after each measurement.
 * As a module it does its work at load and then fails the load with
 * -EAGAIN, as test_vmalloc does, so that it never stays loaded.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/init.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/percpu.h>
#include <linux/prandom.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

static bool run;
module_param(run, bool, 0444);
MODULE_PARM_DESC(run, "Run the benchmark (default: no)");

static unsigned int nr_objs = 1 << 20;
module_param(nr_objs, uint, 0444);
MODULE_PARM_DESC(nr_objs, "Objects per measurement (default 2^20)");

static unsigned int aligned_objs;
module_param(aligned_objs, uint, 0444);
MODULE_PARM_DESC(aligned_objs, "Objects of the aligned scenario (default nr_objs)");

static unsigned int sizes[16] = { 4, 8, 16, 64, 128, 256, 1024 };
static int nr_sizes = 7;
module_param_array(sizes, uint, &nr_sizes, 0444);
MODULE_PARM_DESC(sizes, "Object sizes in bytes (default 4,8,16,64,128,256,1024)");

static unsigned int run_test_mask = 31;
module_param(run_test_mask, uint, 0444);
MODULE_PARM_DESC(run_test_mask,
		 "Scenarios to run, a mask (default 31: all but churn, churnpop, spread and mixed).\n\n"
		 "\t\tid: 1,  name: orders\n"
		 "\t\tid: 2,  name: aligned\n"
		 "\t\tid: 4,  name: prefill\n"
		 "\t\tid: 8,  name: kmalloc\n"
		 "\t\tid: 16, name: lumps\n"
		 "\t\tid: 32, name: churn\n"
		 "\t\tid: 64, name: churnpop\n"
		 "\t\tid: 128, name: spread\n"
		 "\t\tid: 256, name: mixed\n"
		 /* Add a new test case description here. */
);

static bool footprint;
module_param(footprint, bool, 0444);
MODULE_PARM_DESC(footprint, "Last, allocate nr_objs objects of the first size and, built in, leave them allocated (default: no)");

static unsigned int reps = 1;
module_param(reps, uint, 0444);
MODULE_PARM_DESC(reps, "Repetitions of every measurement (default 1)");

static unsigned int lump_objs = 1 << 16;
module_param(lump_objs, uint, 0444);
MODULE_PARM_DESC(lump_objs, "Objects of 1 KiB in the lumps scenario, 4x as many of 256 B (default 2^16)");

static unsigned int align = 4;
module_param(align, uint, 0444);
MODULE_PARM_DESC(align, "Alignment of the orders and prefill objects (default 4)");

static unsigned int churn_pairs = 1 << 16;
module_param(churn_pairs, uint, 0444);
MODULE_PARM_DESC(churn_pairs, "Pairs (churnpop: objects) each churn thread allocates and frees (default 2^16)");

static unsigned int mixed_objs = 35000;
module_param(mixed_objs, uint, 0444);
MODULE_PARM_DESC(mixed_objs, "Objects each mixed thread allocates per round (default 35000)");

static unsigned int mixed_rounds = 3;
module_param(mixed_rounds, uint, 0444);
MODULE_PARM_DESC(mixed_rounds, "Rounds of the mixed scenario (default 3)");

static unsigned int churn_threads;
module_param(churn_threads, uint, 0444);
MODULE_PARM_DESC(churn_threads, "Threads of churn and churnpop, one per online CPU, at most one per CPU (default: one on every online CPU)");

enum bench_order { BENCH_IN_ORDER, BENCH_ALTERNATING, BENCH_REVERSE };

static const char * const bench_order_names[] = {
	[BENCH_IN_ORDER]	= "inorder",
	[BENCH_ALTERNATING]	= "alternating",
	[BENCH_REVERSE]		= "reverse",
};

static void __percpu **objs;

static unsigned long bench_nr_pages(void)
{
#ifdef MODULE
	return 0;	/* pcpu_nr_pages() is not exported */
#else
	return pcpu_nr_pages();
#endif
}

/*
 * Let the balance work finish with the chunks the last frees emptied
 * (populated pages steady for 100ms, 5s at most), so that every
 * measurement starts from a settled allocator.  Not timed.
 */
static void bench_settle(void)
{
	unsigned long last = bench_nr_pages(), now;
	int steady = 0, i;

	for (i = 0; i < 250 && steady < 5; i++) {
		msleep(20);
		now = bench_nr_pages();
		steady = now == last ? steady + 1 : 0;
		last = now;
	}
}

/* Free objs[0..n) in @order; returns the time taken in ns. */
static u64 bench_free(unsigned int n, enum bench_order order)
{
	u64 start = ktime_get_ns();
	unsigned int i;

	switch (order) {
	case BENCH_IN_ORDER:
		for (i = 0; i < n; i++)
			free_percpu(objs[i]);
		break;
	case BENCH_ALTERNATING:
		for (i = 0; i < n; i += 2)
			free_percpu(objs[i]);
		for (i = 1; i < n; i += 2)
			free_percpu(objs[i]);
		break;
	case BENCH_REVERSE:
		for (i = n; i-- > 0; )
			free_percpu(objs[i]);
		break;
	}
	return ktime_get_ns() - start;
}

/*
 * Allocate n objects, then free them in @order, and print the line.
 * Returns false if an allocation failed (everything is freed).
 */
static bool bench_one(const char *scenario, unsigned int size,
		      unsigned int obj_align, enum bench_order order,
		      unsigned int n)
{
	u64 start, alloc_ns, free_ns;
	unsigned long pages;
	unsigned int i;

	start = ktime_get_ns();
	for (i = 0; i < n; i++) {
		objs[i] = __alloc_percpu(size, obj_align);
		if (!objs[i])
			break;
	}
	alloc_ns = ktime_get_ns() - start;
	pages = bench_nr_pages();

	if (i < n) {
		pr_err("%s size=%u: allocation %u of %u failed\n", scenario,
		       size, i, n);
		bench_free(i, BENCH_IN_ORDER);
		return false;
	}
	free_ns = bench_free(n, order);

	pr_info("%s size=%u align=%u order=%s n=%u alloc_us=%llu free_us=%llu pages=%lu\n",
		scenario, size, obj_align, bench_order_names[order], n,
		div_u64(alloc_ns, NSEC_PER_USEC), div_u64(free_ns, NSEC_PER_USEC),
		pages);
	bench_settle();
	return true;
}

static void bench_orders(const char *scenario)
{
	enum bench_order order;
	int s;

	for (s = 0; s < nr_sizes; s++)
		for (order = BENCH_IN_ORDER; order <= BENCH_REVERSE; order++)
			if (!bench_one(scenario, sizes[s], align, order,
				       nr_objs))
				return;
}

static void bench_aligned(const char *scenario)
{
	unsigned int n = min(aligned_objs ?: nr_objs, nr_objs);

	bench_one(scenario, 4, 8, BENCH_IN_ORDER, n);
	bench_one(scenario, 4, 4, BENCH_IN_ORDER, n);
}

/*
 * Take the second half of every page of as many pages as nr_objs 4-byte
 * objects fill, by allocating them all and freeing those in the first
 * half of their page; then run the orders with that in place.
 */
static void bench_prefill(const char *scenario)
{
	void __percpu **fill;
	unsigned int i, nr, kept = 0;

	fill = vmalloc_array(nr_objs, sizeof(*fill));
	if (!fill)
		return;
	for (nr = 0; nr < nr_objs; nr++) {
		fill[nr] = __alloc_percpu(4, 4);
		if (!fill[nr])
			break;
	}
	for (i = 0; i < nr; i++) {
		unsigned long addr = (unsigned long)per_cpu_ptr(fill[i], 0);

		if (offset_in_page(addr) < PAGE_SIZE / 2)
			free_percpu(fill[i]);
		else
			fill[kept++] = fill[i];
	}
	bench_orders(scenario);
	for (i = 0; i < kept; i++)
		free_percpu(fill[i]);
	vfree(fill);
}

static void bench_kmalloc(const char *scenario)
{
	unsigned int i;
	u64 start, alloc_ns, free_ns;
	void **ptrs = (void **)objs;
	int s;

	for (s = 0; s < nr_sizes; s++) {
		start = ktime_get_ns();
		for (i = 0; i < nr_objs; i++) {
			ptrs[i] = kmalloc(sizes[s], GFP_KERNEL);
			if (!ptrs[i])
				break;
		}
		alloc_ns = ktime_get_ns() - start;
		start = ktime_get_ns();
		while (i-- > 0)
			kfree(ptrs[i]);
		free_ns = ktime_get_ns() - start;
		pr_info("%s size=%u align=%u order=reverse n=%u alloc_us=%llu free_us=%llu pages=0\n",
			scenario, sizes[s], sizes[s], nr_objs,
			div_u64(alloc_ns, NSEC_PER_USEC),
			div_u64(free_ns, NSEC_PER_USEC));
		cond_resched();
	}
}

struct bench_lump {
	u64 max_ns, total_ns;
	unsigned int calls;
};

static void bench_lump_add(struct bench_lump *l, u64 start)
{
	u64 ns = ktime_get_ns() - start;

	l->max_ns = max(l->max_ns, ns);
	l->total_ns += ns;
	l->calls++;
}

static void bench_lump_print(const char *scenario, unsigned int size,
			     unsigned int n, const char *phase,
			     struct bench_lump *l)
{
	pr_info("%s size=%u n=%u phase=%s calls=%u max_ns=%llu total_us=%llu\n",
		scenario, size, n, phase, l->calls, l->max_ns,
		div_u64(l->total_ns, NSEC_PER_USEC));
}

#define BENCH_LUMP_SMALL	4096

/*
 * The longest single call, where deferred work could pile up: n objects
 * of @size, every other one freed (a mass free that leaves every page of
 * every chunk in use), then 4096 4-byte allocations, which reuse the
 * holes, their frees, and the frees of the rest, which empty the chunks.
 * Each call is timed on its own; the slowest is what one caller may wait
 * for, with interrupts off for most of it.
 */
static void bench_lumps_one(const char *scenario, unsigned int size,
			    unsigned int n)
{
	struct bench_lump mass = {}, alloc = {}, free = {}, rest = {};
	void __percpu **small;
	unsigned int i;
	u64 start;

	n = min(n, nr_objs);
	small = vmalloc_array(BENCH_LUMP_SMALL, sizeof(*small));
	if (!small)
		return;
	for (i = 0; i < n; i++) {
		objs[i] = __alloc_percpu(size, 4);
		if (!objs[i])
			break;
	}
	if (i < n) {
		pr_err("%s size=%u: allocation %u of %u failed\n", scenario,
		       size, i, n);
		bench_free(i, BENCH_IN_ORDER);
		vfree(small);
		return;
	}
	bench_settle();
	for (i = 0; i < n; i += 2) {
		start = ktime_get_ns();
		free_percpu(objs[i]);
		bench_lump_add(&mass, start);
	}
	for (i = 0; i < BENCH_LUMP_SMALL; i++) {
		start = ktime_get_ns();
		small[i] = __alloc_percpu(4, 4);
		bench_lump_add(&alloc, start);
	}
	for (i = 0; i < BENCH_LUMP_SMALL; i++) {
		start = ktime_get_ns();
		free_percpu(small[i]);
		bench_lump_add(&free, start);
	}
	for (i = 1; i < n; i += 2) {
		start = ktime_get_ns();
		free_percpu(objs[i]);
		bench_lump_add(&rest, start);
	}
	bench_lump_print(scenario, size, n, "massfree", &mass);
	bench_lump_print(scenario, size, n, "alloc", &alloc);
	bench_lump_print(scenario, size, n, "free", &free);
	bench_lump_print(scenario, size, n, "restfree", &rest);
	vfree(small);
	bench_settle();
}

static void bench_lumps(const char *scenario)
{
	bench_lumps_one(scenario, 1024, lump_objs);
	bench_lumps_one(scenario, 256, 4 * lump_objs);
}

/*
 * With footprint=1, after every scenario: nr_objs objects of the first
 * size, left allocated when built in, so that
 * /sys/kernel/debug/percpu_stats shows the chunks (and what the allocator
 * keeps about them) at that peak once init runs.  Nothing is timed after
 * it.  A module frees them before its load fails.  Returns whether the
 * objects stay.
 */
static bool bench_footprint(void)
{
	unsigned int i, n;

	for (n = 0; n < nr_objs; n++) {
		objs[n] = __alloc_percpu(sizes[0], align);
		if (!objs[n])
			break;
	}
	bench_settle();
	pr_info("footprint size=%u n=%u pages=%lu\n", sizes[0], n,
		bench_nr_pages());
	if (IS_MODULE(CONFIG_PERCPU_BENCH)) {
		for (i = 0; i < n; i++)
			free_percpu(objs[i]);
		return false;
	}
	return true;
}

#define BENCH_CHURN_SIZES	2

/* A churn scenario: its objects, and the state its threads share. */
struct bench_churn {
	unsigned int sizes[BENCH_CHURN_SIZES];
	unsigned int aligns[BENCH_CHURN_SIZES];
	unsigned int nr_sizes;
	unsigned int ring;
	bool fill_timed;	/* the ring fills after the release */
	bool no_pairs;		/* only fill and free the ring */
	bool mixed;		/* rounds of the mixed scenario instead */
	unsigned int threads;	/* 0: churn_threads */
	atomic_t nr_ready;	/* threads not yet ready for the release */
	atomic_t nr_running;	/* threads still churning */
	struct completion ready, go, done;
	bool failed;
};

struct bench_churn_thread {
	struct bench_churn *churn;
	struct task_struct *task;
	void __percpu **ring;	/* ring entries of nr_sizes objects */
	u64 end;
	int cpu;
};

/*
 * One step of a churn thread: allocate one object of each size, then free
 * the objects in @entry (NULL while the ring fills) and put the new ones
 * there.  Returns false if an allocation failed (nothing is leaked).
 */
static bool bench_churn_step(const struct bench_churn *c,
			     void __percpu **entry)
{
	void __percpu *obj[BENCH_CHURN_SIZES];
	unsigned int s;

	for (s = 0; s < c->nr_sizes; s++) {
		obj[s] = __alloc_percpu(c->sizes[s], c->aligns[s]);
		if (!obj[s]) {
			while (s-- > 0)
				free_percpu(obj[s]);
			return false;
		}
	}
	for (s = 0; s < c->nr_sizes; s++) {
		free_percpu(entry[s]);
		entry[s] = obj[s];
	}
	return true;
}

/*
 * The rounds of a mixed thread: fill @ring with objects of random sizes
 * and alignments, then free them in order.  The sequence depends on the
 * thread's CPU only.  Returns false if an allocation failed (the ring's
 * objects are freed when the thread ends).
 */
static bool bench_mixed_rounds(struct bench_churn *c, void __percpu **ring,
			       int cpu)
{
	struct rnd_state rnd;
	unsigned int r, i;

	prandom_seed_state(&rnd, 0x70637075ULL + cpu);
	for (r = 0; r < mixed_rounds && !READ_ONCE(c->failed); r++) {
		for (i = 0; i < c->ring; i++) {
			size_t size = 1 + prandom_u32_state(&rnd) % 1024;
			size_t obj_align = 2 << prandom_u32_state(&rnd) % 11;

			ring[i] = __alloc_percpu(size, obj_align);
			if (!ring[i]) {
				pr_err("mixed thread on CPU %d: allocation of %zu at %zu failed in round %u\n",
				       cpu, size, obj_align, r);
				return false;
			}
		}
		for (i = 0; i < c->ring; i++) {
			free_percpu(ring[i]);
			ring[i] = NULL;
		}
	}
	return true;
}

static int bench_churn_fn(void *data)
{
	struct bench_churn_thread *ct = data;
	struct bench_churn *c = ct->churn;
	unsigned int i, step = 0, pairs = c->no_pairs ? 0 : churn_pairs;
	bool ok = true;

	for (i = 0; ok && !c->fill_timed && i < c->ring; i++)
		ok = bench_churn_step(c, ct->ring + i * c->nr_sizes);
	if (!ok)
		WRITE_ONCE(c->failed, true);
	if (atomic_dec_and_test(&c->nr_ready))
		complete(&c->ready);
	wait_for_completion(&c->go);

	if (c->mixed && !bench_mixed_rounds(c, ct->ring, ct->cpu))
		WRITE_ONCE(c->failed, true);
	/* the ring's oldest (or first empty) entry is the next one */
	for (i = 0; ok && !c->mixed && step < pairs && !READ_ONCE(c->failed);
	     step++) {
		ok = bench_churn_step(c, ct->ring + i * c->nr_sizes);
		if (!ok) {
			pr_err("churn thread on CPU %d: allocation failed at step %u\n",
			       ct->cpu, step);
			WRITE_ONCE(c->failed, true);
		}
		i = i + 1 < c->ring ? i + 1 : 0;
	}
	ct->end = ktime_get_ns();
	if (atomic_dec_and_test(&c->nr_running))
		complete(&c->done);

	for (i = 0; i < c->ring * c->nr_sizes; i++)
		free_percpu(ct->ring[i]);
	return 0;
}

/*
 * Run @c on the first c->threads (if set, else churn_threads) online
 * CPUs, one kthread each, and print the time from their release to the
 * end of the last one.  The
 * kthreads are stopped (and so have returned) before this returns: a
 * module's text goes away when its load fails.
 */
static void bench_churn_run(const char *scenario, struct bench_churn *c)
{
	unsigned int nr = min(c->threads ?: churn_threads ?: UINT_MAX,
			      num_online_cpus());
	struct bench_churn_thread *ct;
	unsigned int t = 0, i;
	u64 start, end = 0;
	char sizes[32];
	int cpu, len;

	ct = kcalloc(nr, sizeof(*ct), GFP_KERNEL);
	if (!ct)
		return;
	atomic_set(&c->nr_ready, nr);
	atomic_set(&c->nr_running, nr);
	init_completion(&c->ready);
	init_completion(&c->go);
	init_completion(&c->done);
	c->failed = false;

	for_each_online_cpu(cpu) {
		if (t == nr)
			break;
		ct[t].churn = c;
		ct[t].cpu = cpu;
		ct[t].ring = vcalloc(c->ring * c->nr_sizes, sizeof(*ct[t].ring));
		if (!ct[t].ring)
			break;
		ct[t].task = kthread_create_on_cpu(bench_churn_fn, &ct[t], cpu,
						   "pcpu_churn/%u");
		if (IS_ERR(ct[t].task)) {
			vfree(ct[t].ring);
			break;
		}
		get_task_struct(ct[t].task);
		t++;
	}
	if (t < nr) {
		/* never woken, so they stop without running bench_churn_fn() */
		pr_err("%s: could not start %u threads\n", scenario, nr);
		goto stop;
	}

	for (t = 0; t < nr; t++)
		wake_up_process(ct[t].task);
	wait_for_completion(&c->ready);
	start = ktime_get_ns();
	complete_all(&c->go);
	wait_for_completion(&c->done);
	for (i = 0; i < nr; i++)
		end = max(end, ct[i].end);

	if (c->failed) {
		pr_err("%s: an allocation failed, no result\n", scenario);
	} else if (c->mixed) {
		pr_info("%s size=1-1024 align=2-2048 threads=%u objs=%u rounds=%u us=%llu\n",
			scenario, nr, c->ring, mixed_rounds,
			div_u64(end - start, NSEC_PER_USEC));
	} else {
		len = scnprintf(sizes, sizeof(sizes), "%u", c->sizes[0]);
		for (i = 1; i < c->nr_sizes; i++)
			len += scnprintf(sizes + len, sizeof(sizes) - len,
					 "+%u", c->sizes[i]);
		pr_info("%s size=%s ring=%u threads=%u pairs=%llu us=%llu\n",
			scenario, sizes, c->ring, nr,
			c->no_pairs ? 0 : (u64)nr * churn_pairs,
			div_u64(end - start, NSEC_PER_USEC));
	}
stop:
	for (i = 0; i < t; i++) {
		kthread_stop_put(ct[i].task);
		vfree(ct[i].ring);
	}
	kfree(ct);
	bench_settle();
}

static void bench_churn(const char *scenario)
{
	struct bench_churn c = {
		.sizes = { 16, 32 }, .aligns = { 4, 8 }, .nr_sizes = 2,
		.ring = 64,
	};

	bench_churn_run(scenario, &c);
}

static void bench_churnpop(const char *scenario)
{
	struct bench_churn c = {
		.sizes = { 1024 }, .aligns = { 8 }, .nr_sizes = 1,
		.ring = 4096, .fill_timed = true,
	};

	bench_churn_run(scenario, &c);
}

static void bench_spread(const char *scenario)
{
	struct bench_churn c = {
		.sizes = { 128 }, .aligns = { 128 }, .nr_sizes = 1,
		.ring = 31, .no_pairs = true,
	};

	bench_churn_run(scenario, &c);
}

/*
 * Every thread holds up to mixed_objs objects of about 600 bytes of every
 * unit: with one thread per CPU that is N^2 such objects in all, which is
 * why mixed is not in the default mask.
 */
static void bench_mixed(const char *scenario)
{
	struct bench_churn c = {
		.ring = mixed_objs, .nr_sizes = 1, .mixed = true,
		.fill_timed = true, .threads = 1,
	};

	if (!mixed_objs)
		return;
	bench_churn_run(scenario, &c);
	if (num_online_cpus() == 1)
		return;
	c.threads = num_online_cpus();
	bench_churn_run(scenario, &c);
}

struct bench_test {
	const char *name;
	void (*fn)(const char *name);
};

/* In run_test_mask's order: entry i is bit i. */
static const struct bench_test bench_tests[] = {
	{ "orders", bench_orders },
	{ "aligned", bench_aligned },
	{ "prefill", bench_prefill },
	{ "kmalloc", bench_kmalloc },
	{ "lumps", bench_lumps },
	{ "churn", bench_churn },
	{ "churnpop", bench_churnpop },
	{ "spread", bench_spread },
	{ "mixed", bench_mixed },
	/* Add a new test case here. */
};

static int __init bench_run(void)
{
	char names[64] = "";
	unsigned int r, i;
	int len = 0;

	objs = vmalloc_array(nr_objs, sizeof(*objs));
	if (!objs)
		return -ENOMEM;

	/*
	 * Built in, the benchmark starts while boot-time deferred work is
	 * pending; the TSC's refined calibration switches clocksources with
	 * stop_machine() about a second after boot, and the CPUs spinning in
	 * it would be counted in the first measurement.  Let it pass.
	 */
	msleep(2 * MSEC_PER_SEC);
	bench_settle();
	for (i = 0; i < ARRAY_SIZE(bench_tests); i++)
		if (run_test_mask & BIT(i))
			len += scnprintf(names + len, sizeof(names) - len, "%s%s",
					 len ? "," : "", bench_tests[i].name);
	pr_info("start nr_objs=%u reps=%u scenarios=%s cpus=%u\n", nr_objs,
		reps, names, num_possible_cpus());
	for (r = 0; r < reps; r++) {
		pr_info("rep %u\n", r);
		for (i = 0; i < ARRAY_SIZE(bench_tests); i++)
			if (run_test_mask & BIT(i))
				bench_tests[i].fn(bench_tests[i].name);
	}
	/* the objects stay, and so does the array that points at them */
	if (footprint && bench_footprint())
		objs = NULL;
	pr_info("done\n");

	vfree(objs);
	return 0;
}

static int __init test_percpu_bench_init(void)
{
	int ret;

	if (run) {
		ret = bench_run();
		if (ret)
			return ret;
	}
	/* As test_vmalloc: a module's work is done, fail the load to unload it. */
	return IS_MODULE(CONFIG_PERCPU_BENCH) ? -EAGAIN : 0;
}
module_init(test_percpu_bench_init);

MODULE_DESCRIPTION("Benchmark of alloc_percpu() and free_percpu()");
MODULE_LICENSE("GPL");
