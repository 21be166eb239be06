// SPDX-License-Identifier: GPL-2.0
/*
 * The timing mode: the scenarios of the 2017 evaluation of the bitmap
 * allocator on private chunks of one core (bench.h), timed on the CPU.
 *
 *   orders:   n objects of each size (4, 16, 64, 128, 256 and 1024 bytes
 *             at 4-byte alignment), freed in order, alternating (every
 *             other one, then the rest) and in reverse
 *   aligned:  n 4-byte objects at 8-byte alignment, and at 4, freed in
 *             order
 *
 * A chunk holds a unit's worth (-u pages, 256 by default: the 1 MiB units
 * of the QEMU benchmark), so a scenario uses as many chunks as it needs,
 * all made before the clock starts.  Every core gets the same chunk
 * choice: an allocation tries the chunk the previous one came from, then
 * the chunks after it, in order; a chunk that fails is not tried again.
 * -s, -z, -a and -o run only the scenarios of that name, size, alignment
 * and free order.  The times are the thread's CPU time
 * (CLOCK_THREAD_CPUTIME_ID), so that other work on the machine does not
 * count, divided by n.  bench_allocs() and bench_frees() are the timed
 * phases (callgrind --toggle-collect counts their instructions).  One line
 * per scenario:
 *
 *   core=<name> scenario=<s> size=<B> align=<B> order=<o> n=<n>
 *           chunks=<c> alloc_ns=<ns per allocation> free_ns=<ns per free>
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/kernel.h>

#include "bench.h"

#define BENCH_PAGE_SIZE	4096

enum { IN_ORDER, ALTERNATING, REVERSE };
static const char * const order_names[] = { "inorder", "alternating", "reverse" };

struct bench_obj {
	int chunk;
	int off;
};

static const struct bench_core *core = &bench_core;
static int unit_pages = 256;
static void **chunks;
static int nr_chunks, max_chunks;
static struct bench_obj *objs;

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void chunk_add(void)
{
	if (nr_chunks == max_chunks) {
		max_chunks = max_chunks ? 2 * max_chunks : 64;
		chunks = realloc(chunks, max_chunks * sizeof(*chunks));
		if (!chunks)
			exit(1);
	}
	chunks[nr_chunks++] = core->chunk_create();
}

/* noinline, so that callgrind --toggle-collect can count each phase */
static noinline void bench_frees(int n, int order)
{
	int i;

	switch (order) {
	case IN_ORDER:
		for (i = 0; i < n; i++)
			core->free(chunks[objs[i].chunk], objs[i].off);
		break;
	case ALTERNATING:
		for (i = 0; i < n; i += 2)
			core->free(chunks[objs[i].chunk], objs[i].off);
		for (i = 1; i < n; i += 2)
			core->free(chunks[objs[i].chunk], objs[i].off);
		break;
	default:
		for (i = n; i-- > 0; )
			core->free(chunks[objs[i].chunk], objs[i].off);
		break;
	}
}

static noinline void bench_allocs(int n, int bits, int align)
{
	int i, c = 0, off;

	for (i = 0; i < n; i++) {
		core->alloc_begin();
		for (;; c++) {
			if (c == nr_chunks)
				chunk_add();
			off = core->alloc(chunks[c], bits, align / 4);
			if (off >= 0)
				break;
		}
		objs[i] = (struct bench_obj){ c, off };
	}
}

static void bench_one(const char *scenario, int size, int align, int order,
		      int n)
{
	int unit = unit_pages * BENCH_PAGE_SIZE;
	int i, made;
	double t0, t1, t2;

	core->setup(unit_pages);
	/* the chunks the objects need, and one more, before the clock */
	nr_chunks = 0;
	while ((long)nr_chunks * unit < (long)n * (size > align ? size : align) + unit)
		chunk_add();
	made = nr_chunks;

	t0 = now_ns();
	bench_allocs(n, size / 4, align);
	t1 = now_ns();
	bench_frees(n, order);
	t2 = now_ns();

	printf("core=%s scenario=%s size=%d align=%d order=%s n=%d chunks=%d ",
	       core->name, scenario, size, align, order_names[order], n,
	       objs[n - 1].chunk + 1);
	printf("alloc_ns=%.1f free_ns=%.1f\n", (t1 - t0) / n, (t2 - t1) / n);
	if (nr_chunks > made)
		fprintf(stderr, "%s: %d chunks made while timing\n", scenario,
			nr_chunks - made);
	for (i = 0; i < nr_chunks; i++)
		core->chunk_destroy(chunks[i]);
}

/* the scenarios -s, -z, -a and -o select (all by default) */
static const char *only;
static int only_size, only_align, only_order = -1;

static void bench_maybe(const char *scenario, int size, int align, int order,
			int n)
{
	if ((!only || !strcmp(only, scenario)) &&
	    (!only_size || only_size == size) &&
	    (!only_align || only_align == align) &&
	    (only_order < 0 || only_order == order))
		bench_one(scenario, size, align, order, n);
}

int main(int argc, char **argv)
{
	static const int sizes[] = { 4, 16, 64, 128, 256, 1024 };
	int n = 1 << 20, opt, s, order;

	while ((opt = getopt(argc, argv, "a:n:o:s:u:z:")) != -1) {
		switch (opt) {
		case 'a':
			only_align = atoi(optarg);
			break;
		case 'n':
			n = atoi(optarg);
			break;
		case 'o':
			for (order = IN_ORDER; order <= REVERSE; order++)
				if (!strcmp(optarg, order_names[order]))
					only_order = order;
			break;
		case 's':
			only = optarg;
			break;
		case 'u':
			unit_pages = atoi(optarg);
			break;
		case 'z':
			only_size = atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: %s [-n objs] [-u pages] %s\n",
				argv[0], "[-s scenario] [-z size] [-a align] [-o order]");
			return 2;
		}
	}
	objs = calloc(n, sizeof(*objs));
	if (!objs)
		return 1;
	setvbuf(stdout, NULL, _IOLBF, 0);

	for (s = 0; s < ARRAY_SIZE(sizes); s++)
		for (order = IN_ORDER; order <= REVERSE; order++)
			bench_maybe("orders", sizes[s], 4, order, n);
	bench_maybe("aligned", 4, 8, IN_ORDER, n);
	bench_maybe("aligned", 4, 4, IN_ORDER, n);
	return 0;
}
