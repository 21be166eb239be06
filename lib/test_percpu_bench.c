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
 * Scenarios, in the order they run (run_test_mask selects them, all by
 * default):
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
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/percpu.h>
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

static unsigned int sizes[16] = { 4, 16, 64, 128, 256, 1024 };
static int nr_sizes = 6;
module_param_array(sizes, uint, &nr_sizes, 0444);
MODULE_PARM_DESC(sizes, "Object sizes in bytes (default 4,16,64,128,256,1024)");

static unsigned int run_test_mask = UINT_MAX;
module_param(run_test_mask, uint, 0444);
MODULE_PARM_DESC(run_test_mask,
		 "Scenarios to run, a mask (default: all).\n\n"
		 "\t\tid: 1,  name: orders\n"
		 "\t\tid: 2,  name: aligned\n"
		 "\t\tid: 4,  name: prefill\n"
		 "\t\tid: 8,  name: kmalloc\n"
		 "\t\tid: 16, name: lumps\n"
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
