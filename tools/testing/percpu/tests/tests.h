/* SPDX-License-Identifier: GPL-2.0 */
/* The test groups, one file each under tests/. */
#ifndef _PERCPU_TEST_TESTS_H
#define _PERCPU_TEST_TESTS_H

#include "common.h"

extern const struct pcpu_test_group alloc_hints;
extern const struct pcpu_test_group free_hints;
extern const struct pcpu_test_group first_chunk;
extern const struct pcpu_test_group alignment;
extern const struct pcpu_test_group atomic;
extern const struct pcpu_test_group invalid_free;
extern const struct pcpu_test_group fold;
extern const struct pcpu_test_group random_ops;

#endif /* _PERCPU_TEST_TESTS_H */
