// SPDX-License-Identifier: GPL-2.0
/*
 * The percpu chunk map harness: every test group, then one line
 * "harness: N passed, N failed".  -v prints the WARNs the core gives.
 */
#include <time.h>

#include "tests/tests.h"

static const struct pcpu_test_group *groups[] = {
	&alloc_hints,
	&free_hints,
	&first_chunk,
	&alignment,
	&atomic,
	&invalid_free,
	&fold,
	&random_ops,
};

int main(int argc, char **argv)
{
	struct timespec t0, t1;
	int i;

	if (argc > 1 && !strcmp(argv[1], "-v"))
		pcpu_test_verbose = true;
	/* the failure messages and the results interleave in order */
	setvbuf(stdout, NULL, _IOLBF, 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < ARRAY_SIZE(groups); i++)
		pcpu_test_run_group(groups[i]);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%d cases in %.1f s\n", pcpu_test_pass + pcpu_test_fail,
	       t1.tv_sec - t0.tv_sec + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	printf("harness: %d passed, %d failed\n", pcpu_test_pass,
	       pcpu_test_fail);
	return pcpu_test_fail ? 1 : 0;
}
