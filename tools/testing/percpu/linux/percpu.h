/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The definitions of include/linux/percpu.h that the chunk map uses, for
 * the userspace harness (the kernel header pulls in the scheduler and the
 * architecture's per-CPU code).
 */
#ifndef _PERCPU_TEST_LINUX_PERCPU_H
#define _PERCPU_TEST_LINUX_PERCPU_H

#include <linux/types.h>

#ifndef PAGE_SHIFT
#define PAGE_SHIFT		12
#define PAGE_SIZE		4096UL		/* 1 << PAGE_SHIFT */
#define PAGE_MASK		(~(PAGE_SIZE - 1))
#endif

/* minimum unit size, also is the maximum supported allocation size */
#define PCPU_MIN_UNIT_SIZE		(32 << 10)

/* minimum allocation size and shift in bytes */
#define PCPU_MIN_ALLOC_SHIFT		2
#define PCPU_MIN_ALLOC_SIZE		4	/* 1 << PCPU_MIN_ALLOC_SHIFT */

/* a metadata block is a page */
#define PCPU_BITMAP_BLOCK_SIZE		PAGE_SIZE
#define PCPU_BITMAP_BLOCK_BITS		(PCPU_BITMAP_BLOCK_SIZE >>	\
					 PCPU_MIN_ALLOC_SHIFT)

/* what percpu-internal.h's statistics copy; only the unit size is read */
struct pcpu_alloc_info {
	size_t			unit_size;
};

#endif /* _PERCPU_TEST_LINUX_PERCPU_H */
