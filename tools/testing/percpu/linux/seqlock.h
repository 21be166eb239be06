/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The chunk's seqcount is for free_percpu(), which the harness does not
 * have: a place in struct pcpu_chunk, never read.
 */
#ifndef _PERCPU_TEST_LINUX_SEQLOCK_H
#define _PERCPU_TEST_LINUX_SEQLOCK_H

typedef struct {
	unsigned int sequence;
} seqcount_spinlock_t;

#endif /* _PERCPU_TEST_LINUX_SEQLOCK_H */
