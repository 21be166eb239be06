/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the percpu allocator's chunk map needs from the kernel, on top of
 * tools/include: the headers mm/percpu.c includes, the few helpers that
 * tools/include lacks (written as lib/bitmap.c and lib/find_bit.c have
 * them), and lockdep and WARN stand-ins that the harness can observe.
 */
#ifndef _PERCPU_TEST_SHIM_H
#define _PERCPU_TEST_SHIM_H

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/kconfig.h>
#include <linux/kernel.h>
#include <linux/bitmap.h>
#include <linux/bitops.h>
#include <linux/list.h>
#include <linux/log2.h>
#include <linux/overflow.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/percpu.h>

#define ____cacheline_aligned_in_smp	__aligned(64)

/*
 * struct pcpu_chunk's seqcount is for free_percpu(), which the harness
 * does not have: a place in the structure, never read.
 */
struct pcpu_test_seqcount {
	unsigned int sequence;
};

#define seqcount_spinlock_t	struct pcpu_test_seqcount
#define __ro_after_init

/* the kernel's: tools/include's cast only the first term of an expression */
#undef min_t
#undef max_t
#define min_t(type, x, y)	min((type)(x), (type)(y))
#define max_t(type, x, y)	max((type)(x), (type)(y))

#ifndef max3
#define max3(x, y, z)		max((typeof(x))max(x, y), z)
#endif

#define __ALIGN_MASK(x, mask)	__ALIGN_KERNEL_MASK(x, mask)
#define PFN_UP(x)		(((x) + PAGE_SIZE - 1) >> PAGE_SHIFT)
#define PFN_DOWN(x)		((x) >> PAGE_SHIFT)

/* atomic, a locked instruction on x86 as in the kernel */
#undef set_bit
#undef clear_bit
static inline void set_bit(long nr, unsigned long *addr)
{
	__atomic_fetch_or(addr + BIT_WORD(nr), 1UL << (nr % BITS_PER_LONG),
			  __ATOMIC_RELAXED);
}

static inline void clear_bit(long nr, unsigned long *addr)
{
	__atomic_fetch_and(addr + BIT_WORD(nr), ~(1UL << (nr % BITS_PER_LONG)),
			   __ATOMIC_RELAXED);
}

static inline unsigned int num_possible_cpus(void)
{
	return 1;
}

/* lib/bitmap.c */
static inline void __bitmap_set(unsigned long *map, unsigned int start,
				int len)
{
	unsigned long *p = map + BIT_WORD(start);
	const unsigned int size = start + len;
	int bits_to_set = BITS_PER_LONG - (start % BITS_PER_LONG);
	unsigned long mask_to_set = BITMAP_FIRST_WORD_MASK(start);

	while (len - bits_to_set >= 0) {
		*p |= mask_to_set;
		len -= bits_to_set;
		bits_to_set = BITS_PER_LONG;
		mask_to_set = ~0UL;
		p++;
	}
	if (len) {
		mask_to_set &= BITMAP_LAST_WORD_MASK(size);
		*p |= mask_to_set;
	}
}

static inline void bitmap_set(unsigned long *map, unsigned int start,
			      unsigned int nbits)
{
	__bitmap_set(map, start, nbits);
}

/* lib/find_bit.c: the last set bit below @size, or @size if none */
static inline unsigned long find_last_bit(const unsigned long *addr,
					  unsigned long size)
{
	if (size) {
		unsigned long val = BITMAP_LAST_WORD_MASK(size);
		unsigned long idx = (size - 1) / BITS_PER_LONG;

		do {
			val &= addr[idx];
			if (val)
				return idx * BITS_PER_LONG + __fls(val);
			val = ~0UL;
		} while (idx--);
	}
	return size;
}

/* lib/bitmap.c */
static inline unsigned long
bitmap_find_next_zero_area_off(unsigned long *map, unsigned long size,
			       unsigned long start, unsigned int nr,
			       unsigned long align_mask,
			       unsigned long align_offset)
{
	unsigned long index, end, i;
again:
	index = find_next_zero_bit(map, size, start);
	index = __ALIGN_MASK(index + align_offset, align_mask) - align_offset;
	end = index + nr;
	if (end > size)
		return end;
	i = find_next_bit(map, end, index);
	if (i < end) {
		start = i + 1;
		goto again;
	}
	return index;
}

/*
 * include/linux/find.h's for_each_clear_bitrange_from(), for unsigned int
 * bounds (its only use, in Linux 6.12's core): the free ranges [b, e) of
 * @addr from @b on.
 */
static inline bool __pcpu_next_clear_range(unsigned int *b, unsigned int *e,
					   const unsigned long *addr,
					   unsigned int size, bool *first)
{
	if (!*first)
		*b = *e + 1;
	*first = false;
	*b = find_next_zero_bit(addr, size, *b);
	*e = find_next_bit(addr, size, *b + 1);
	return *b < size;
}

#define for_each_clear_bitrange_from(b, e, addr, size)			\
	for (bool __first = true;					\
	     __pcpu_next_clear_range(&(b), &(e), addr, size, &__first);	\
	     )

/*
 * The tests take pcpu_lock around every call into the core, as mm/percpu.c
 * does: lockdep_assert_held() checks that it is held.  The benchmark takes
 * no lock, for either core.
 */
#ifdef PCPU_TEST_NO_LOCKDEP
#define lockdep_assert_held(l)	((void)(l))
#else
#define lockdep_assert_held(l)						\
	do {								\
		if (pthread_mutex_trylock(l) != EBUSY) {		\
			fprintf(stderr, "%s:%d: lock not held\n",	\
				__FILE__, __LINE__);			\
			abort();					\
		}							\
	} while (0)
#endif

/*
 * WARN_ONCE() and WARN() tell the harness, which counts them; it prints
 * them only when asked (PCPU_TEST_VERBOSE), since the invalid-free tests
 * cause them on purpose.  Unlike the kernel's, every WARN_ONCE() counts.
 */
void pcpu_test_warn(const char *fmt, ...) __printf(1, 2);

#undef WARN
#undef WARN_ONCE
#undef WARN_ON
#undef WARN_ON_ONCE
#define WARN(cond, fmt...) ({						\
	int __warn_cond = !!(cond);					\
	if (unlikely(__warn_cond))					\
		pcpu_test_warn(fmt);					\
	unlikely(__warn_cond);						\
})
#define WARN_ONCE(cond, fmt...)	WARN(cond, fmt)
#define WARN_ON(cond)		WARN(cond, "WARN_ON(%s) at %s:%d\n",	\
				     #cond, __FILE__, __LINE__)
#define WARN_ON_ONCE(cond)	WARN_ON(cond)
#define VM_WARN_ON_ONCE(cond)	WARN_ON_ONCE(cond)

#endif /* _PERCPU_TEST_SHIM_H */
