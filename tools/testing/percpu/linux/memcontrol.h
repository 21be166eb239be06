/* SPDX-License-Identifier: GPL-2.0 */
/* No memory cgroups in the harness: no per-object extension vector. */
#ifndef _PERCPU_TEST_LINUX_MEMCONTROL_H
#define _PERCPU_TEST_LINUX_MEMCONTROL_H

#include <linux/types.h>

struct obj_cgroup;

static inline bool mem_cgroup_kmem_disabled(void)
{
	return true;
}

#endif /* _PERCPU_TEST_LINUX_MEMCONTROL_H */
