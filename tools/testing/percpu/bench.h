/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The timing mode's view of an allocator core: the calls that the
 * kernel's pcpu_alloc_noprof() and free_percpu() make into it for one
 * chunk, so that bench.c times any core with the same chunk-choosing loop.
 */
#ifndef _PERCPU_TEST_BENCH_H
#define _PERCPU_TEST_BENCH_H

struct bench_core {
	const char *name;
	/* units (and chunks) of @unit_pages pages */
	void (*setup)(int unit_pages);
	void *(*chunk_create)(void);
	void (*chunk_destroy)(void *chunk);
	/* what an allocation does once, before it tries chunks */
	void (*alloc_begin)(void);
	/* @bits at @align bits from @chunk: the offset in bytes, or -1 */
	int (*alloc)(void *chunk, int bits, int align);
	/* free the object at @off: the bytes freed */
	int (*free)(void *chunk, int off);
};

extern const struct bench_core bench_core;

#endif /* _PERCPU_TEST_BENCH_H */
