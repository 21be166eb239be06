/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every test group uses: chunks with their models, operations that
 * check the chunk against the model after every step, and assertions that
 * end the test (not the run) when they fail.
 *
 * The pictures in the tests' comments show a chunk's bitmap: '#' in use,
 * '.' free, '|' a block (page) edge; unless a picture says otherwise one
 * character is 64 bits (256 bytes), so a block of 1024 bits is 16
 * characters.  "hints" lists a block's first_free, left, right and contig
 * (@contig_start), in bits.
 */
#ifndef _PERCPU_TEST_COMMON_H
#define _PERCPU_TEST_COMMON_H

#include <setjmp.h>

#include "../model.h"

#define B		PCPU_BITMAP_BLOCK_BITS	/* bits per block, 1024 */
#define BLOCK_BYTES	((int)PAGE_SIZE)	/* bytes per block */

struct pcpu_test_case {
	const char *name;
	void (*fn)(void);
};

#define PCPU_TEST_CASE(fn)	{ #fn, fn }

/* a group's cases end with an empty one */
struct pcpu_test_group {
	const char *name;
	const struct pcpu_test_case *cases;
};

/* Run every case of @group; counts them in pcpu_test_pass and _fail. */
void pcpu_test_run_group(const struct pcpu_test_group *group);

extern int pcpu_test_pass, pcpu_test_fail;

/* End the current test with a failure, printing where and why. */
void __noreturn pcpu_test_failed(const char *file, int line,
				 const char *fmt, ...) __printf(3, 4);

#define ASSERT_TRUE(cond, fmt, ...)					\
	do {								\
		if (!(cond))						\
			pcpu_test_failed(__FILE__, __LINE__,		\
					 "%s: " fmt, #cond, ##__VA_ARGS__); \
	} while (0)

#define ASSERT_EQ(a, b) ({						\
	long __a = (a), __b = (b);					\
	if (__a != __b)							\
		pcpu_test_failed(__FILE__, __LINE__,			\
				 "%s is %ld, expected %s = %ld",	\
				 #a, __a, #b, __b);			\
})

/*
 * Chunks of the current test, freed when it ends, however it ends.  A
 * test starts with units of 8 pages; t_setup(), before its first chunk,
 * sets another size.
 */
struct pcpu_model *__t_chunk(void);
struct pcpu_model *__t_first_chunk(int start_offset, int map_size,
				   bool reserved);
void t_setup(int unit_pages);
/* Destroy the chunk of the last model made, before the test ends. */
void t_release(struct pcpu_model *m);

/* Check @m's chunk against its model (and the global page count). */
void __t_check(struct pcpu_model *m);

/*
 * Allocate @size bytes at @align from @m's chunk, in populated pages only
 * if @pop_only: the result must be the model's first fit (-1 if none),
 * and pcpu_chunk_cannot_fit() may rule out only what does not fit.
 * Returns the offset or -1.
 */
int __t_alloc_pop(struct pcpu_model *m, int size, int align, bool pop_only);

#define t_alloc(m, size, align)	t_alloc_pop(m, size, align, false)

/* t_alloc() that must land at @off. */
#define t_alloc_at(m, size, align, off)					\
	ASSERT_EQ(t_alloc(m, size, align), off)

/* t_alloc() that must fail. */
#define t_alloc_fails(m, size, align)					\
	ASSERT_EQ(t_alloc(m, size, align), -1)

/* Free a live allocation as free_percpu() does; checks the size. */
void __t_free(struct pcpu_model *m, int off);

/* A free that must be refused and change nothing, with a WARN. */
void __t_free_bad(struct pcpu_model *m, int off);
void __t_free_many(struct pcpu_model *m, const int *offs, int nr, int size);
void __t_split(struct pcpu_model *m, int off, int nr, int size);

/* Fold @m's chunk (pcpu_chunk_fold_whole()): the tree becomes exact. */
void __t_fold(struct pcpu_model *m);

/* Fold @m's chunk with a budget of @budget leaves (pcpu_chunk_fold()). */
void __t_fold_budget(struct pcpu_model *m, int budget);

/*
 * What an allocation does first: fold stale chunks within @budget leaves
 * (pcpu_fold_stale()).  Checks every chunk of the test afterwards.
 */
void __t_fold_stale(int budget);

/* Populate pages [@start, @end) of @m's chunk. */
void __t_populate(struct pcpu_model *m, int start, int end);

/*
 * The search alone, from the chunk's first free bit (pcpu_find_fit()),
 * must find the model's first fit; changes nothing.
 */
void __t_probe(struct pcpu_model *m, int size, int align, bool pop_only);

/* The chunks of the current test (or fuzzer input). */
int t_nr_chunks(void);
struct pcpu_model *t_model(int i);

/*
 * The fuzzer's use of the above: between t_fuzz_begin() and t_fuzz_end()
 * a failed check prints what failed and aborts, for libFuzzer to report.
 */
void t_fuzz_begin(const char *name);
void t_fuzz_end(void);

/* The hints of block @i must be these (and agree with the model). */
#define t_expect_block(m, i, ff, l, r, c, cs)				\
	t_expect_block_at(__FILE__, __LINE__, m, i, ff, l, r, c, cs)
void t_expect_block_at(const char *file, int line, struct pcpu_model *m,
		       int i, int first_free, int left, int right, int contig,
		       int contig_start);

/*
 * The operations above are called through these macros, which note where
 * the test called them: a failure inside one says so.
 */
void t_at(const char *file, int line);
#define T_OP(call) ({							\
	typeof(call) __ret;						\
	t_at(__FILE__, __LINE__);					\
	__ret = call;							\
	t_at(NULL, 0);							\
	__ret;								\
})
#define T_VOID_OP(call)							\
	do {								\
		t_at(__FILE__, __LINE__);				\
		call;							\
		t_at(NULL, 0);						\
	} while (0)
#define t_chunk()		T_OP(__t_chunk())
#define t_first_chunk(...)	T_OP(__t_first_chunk(__VA_ARGS__))
#define t_alloc_pop(...)	T_OP(__t_alloc_pop(__VA_ARGS__))
#define t_check(...)		T_VOID_OP(__t_check(__VA_ARGS__))
#define t_free(...)		T_VOID_OP(__t_free(__VA_ARGS__))
#define t_free_bad(...)		T_VOID_OP(__t_free_bad(__VA_ARGS__))
#define t_free_many(...)	T_VOID_OP(__t_free_many(__VA_ARGS__))
#define t_split(...)		T_VOID_OP(__t_split(__VA_ARGS__))
#define t_fold(...)		T_VOID_OP(__t_fold(__VA_ARGS__))
#define t_fold_budget(...)	T_VOID_OP(__t_fold_budget(__VA_ARGS__))
#define t_fold_stale(...)	T_VOID_OP(__t_fold_stale(__VA_ARGS__))
#define t_populate(...)		T_VOID_OP(__t_populate(__VA_ARGS__))
#define t_probe(...)		T_VOID_OP(__t_probe(__VA_ARGS__))

/* A small random number generator, for seeded tests. */
static inline u64 t_rand(u64 *state)
{
	u64 z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

#endif /* _PERCPU_TEST_COMMON_H */
