/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The chunk structures of mm/percpu-internal.h, for every file of the
 * harness: the core (core.c) and the tests that read its hints.
 */
#ifndef _PERCPU_TEST_INTERNAL_H
#define _PERCPU_TEST_INTERNAL_H

#include "shim.h"
#include "../../../mm/percpu-internal.h"

#endif /* _PERCPU_TEST_INTERNAL_H */
