// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>

#include "common.h"

#define T_MAX_CHUNKS	8

int pcpu_test_pass, pcpu_test_fail;

static struct {
	const char *group, *name;
	const char *at_file;	/* where the test called the operation */
	int at_line;
	bool fuzzing;
	jmp_buf end;
	struct pcpu_model models[T_MAX_CHUNKS];
	struct pcpu_model *live[T_MAX_CHUNKS];
	int nr;
} t;

void pcpu_test_failed(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	int i;

	printf("FAIL %s.%s: %s:%d: ", t.group, t.name, file, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	if (t.at_file)
		printf(" (in the operation of %s:%d)", t.at_file, t.at_line);
	printf("\n");
	for (i = 0; i < t.nr; i++)
		pcpu_model_picture(t.live[i], 0, t.live[i]->nbits, 64, stdout);
	if (t.fuzzing) {
		fflush(stdout);
		abort();
	}
	longjmp(t.end, 1);
}

static void t_cleanup(void)
{
	while (t.nr) {
		struct pcpu_model *m = t.live[--t.nr];

		pcpu_test_chunk_destroy(m->chunk);
		pcpu_model_exit(m);
	}
}

void pcpu_test_run_group(const struct pcpu_test_group *group)
{
	int i;

	for (i = 0; group->cases[i].fn; i++) {
		t.group = group->name;
		t.name = group->cases[i].name;
		t.at_file = NULL;
		pcpu_test_setup(8);
		if (!setjmp(t.end)) {
			group->cases[i].fn();
			printf("ok   %s.%s\n", t.group, t.name);
			pcpu_test_pass++;
		} else {
			pcpu_test_fail++;
		}
		t_cleanup();
	}
}

void t_at(const char *file, int line)
{
	t.at_file = file;
	t.at_line = line;
}

void t_fuzz_begin(const char *name)
{
	t.group = "fuzz";
	t.name = name;
	t.fuzzing = true;
}

void t_fuzz_end(void)
{
	t_cleanup();
}

int t_nr_chunks(void)
{
	return t.nr;
}

struct pcpu_model *t_model(int i)
{
	return t.live[i];
}

void t_setup(int unit_pages)
{
	ASSERT_TRUE(!t.nr, "set the unit before making chunks");
	pcpu_test_setup(unit_pages);
}

static struct pcpu_model *t_register(struct pcpu_chunk *chunk)
{
	struct pcpu_model *m;

	ASSERT_TRUE(t.nr < T_MAX_CHUNKS, "at most %d chunks", T_MAX_CHUNKS);
	m = &t.models[t.nr];
	pcpu_model_init(m, chunk);
	t.live[t.nr++] = m;
	__t_check(m);
	return m;
}

void t_release(struct pcpu_model *m)
{
	ASSERT_TRUE(t.nr && t.live[t.nr - 1] == m, "release the last chunk made");
	t.nr--;
	pcpu_test_chunk_destroy(m->chunk);
	pcpu_model_exit(m);
}

struct pcpu_model *__t_chunk(void)
{
	return t_register(pcpu_test_chunk_create());
}

struct pcpu_model *__t_first_chunk(int start_offset, int map_size,
				   bool reserved)
{
	return t_register(pcpu_test_first_chunk_create(start_offset, map_size,
							reserved));
}

void __t_check(struct pcpu_model *m)
{
	const char *bad = pcpu_model_check(m);

	if (!bad)
		bad = pcpu_model_check_global(t.live, t.nr);
	ASSERT_TRUE(!bad, "%s", bad);
}

int __t_alloc_pop(struct pcpu_model *m, int size, int align, bool pop_only)
{
	int bits = size / PCPU_MIN_ALLOC_SIZE;
	int want = pcpu_model_first_fit(m, bits, align / PCPU_MIN_ALLOC_SIZE,
					pop_only);
	int off;

	if (want >= 0 && pcpu_test_cannot_fit(m->chunk, size, align))
		pcpu_test_failed(__FILE__, __LINE__,
				 "the hints rule out %d bytes at %d, which fit at %d",
				 size, align, want * PCPU_MIN_ALLOC_SIZE);
	off = pcpu_test_alloc_area(m->chunk, size, align, pop_only, NULL);
	if (off != (want < 0 ? -1 : want * PCPU_MIN_ALLOC_SIZE))
		pcpu_test_failed(__FILE__, __LINE__,
				 "%d bytes at %d%s: offset %d, the first fit is %d",
				 size, align, pop_only ? " (atomic)" : "", off,
				 want < 0 ? -1 : want * PCPU_MIN_ALLOC_SIZE);
	if (off >= 0)
		pcpu_model_alloc(m, want, bits);
	__t_check(m);
	return off;
}

void __t_free(struct pcpu_model *m, int off)
{
	int size = pcpu_model_free_size(m, off);
	int blocks = (off + size - 1) / BLOCK_BYTES - off / BLOCK_BYTES + 1;

	ASSERT_TRUE(size, "test bug: %d is not a live allocation", off);
	ASSERT_EQ(pcpu_test_free(m->chunk, off), size);
	/* its size, then at most a block per block it covers */
	ASSERT_TRUE(pcpu_stats_scanned <= size / PCPU_MIN_ALLOC_SIZE + blocks * B,
		    "a free of %d bytes over %d blocks scanned %u bits", size,
		    blocks, pcpu_stats_scanned);
	pcpu_model_free(m, off);
	/* a free is pending until the next fold, unless it emptied the chunk */
	ASSERT_TRUE(pcpu_test_is_stale(m->chunk) ||
		    m->chunk->free_bytes == pcpu_test_unit_size(),
		    "a free of %d left no pending free", off);
	__t_check(m);
}

/* Free @nr allocations of @size bytes in one batch, as a cache does. */
void __t_free_many(struct pcpu_model *m, const int *offs, int nr, int size)
{
	int i;

	for (i = 0; i < nr; i++)
		ASSERT_TRUE(pcpu_model_free_size(m, offs[i]) == size,
			    "test bug: %d is not a live allocation of %d",
			    offs[i], size);
	pcpu_test_free_many(m->chunk, offs, nr, size);
	for (i = 0; i < nr; i++)
		pcpu_model_free(m, offs[i]);
	ASSERT_TRUE(pcpu_test_is_stale(m->chunk) ||
		    m->chunk->free_bytes == pcpu_test_unit_size(),
		    "a batch of %d frees left no pending free", nr);
	__t_check(m);
}

/* Split the allocation at @off into @nr allocations of @size bytes. */
void __t_split(struct pcpu_model *m, int off, int nr, int size)
{
	int i;

	ASSERT_TRUE(pcpu_model_free_size(m, off) == nr * size,
		    "test bug: %d is not a live allocation of %d x %d", off,
		    nr, size);
	pcpu_test_split_area(m->chunk, off, nr, size);
	pcpu_model_free(m, off);
	for (i = 0; i < nr; i++)
		pcpu_model_alloc(m, (off + i * size) / PCPU_MIN_ALLOC_SIZE,
				 size / PCPU_MIN_ALLOC_SIZE);
	__t_check(m);
}

void __t_free_bad(struct pcpu_model *m, int off)
{
	struct pcpu_snapshot s;
	int warnings = pcpu_test_warnings, ret;
	const char *diff;

	ASSERT_TRUE(!pcpu_model_free_size(m, off),
		    "test bug: %d is a live allocation", off);
	pcpu_snapshot_take(&s, m->chunk);
	ret = pcpu_test_free(m->chunk, off);
	diff = pcpu_snapshot_diff(&s, m->chunk);
	pcpu_snapshot_free(&s);
	ASSERT_TRUE(!ret, "the free of %d freed %d bytes", off, ret);
	ASSERT_TRUE(!diff, "the refused free of %d: %s", off, diff);
	ASSERT_TRUE(pcpu_test_warnings == warnings + 1,
		    "the refused free of %d warned %d times", off,
		    pcpu_test_warnings - warnings);
	__t_check(m);
}

void __t_fold(struct pcpu_model *m)
{
	pcpu_test_fold(m->chunk, NULL);
	ASSERT_TRUE(!pcpu_test_is_stale(m->chunk), "stale after a fold");
	__t_check(m);
}

void __t_fold_budget(struct pcpu_model *m, int budget)
{
	int dirty = bitmap_weight(m->chunk->tree_dirty,
				  pcpu_chunk_nr_blocks(m->chunk));
	int left = budget;

	pcpu_test_fold(m->chunk, &left);
	ASSERT_TRUE(!pcpu_test_is_stale(m->chunk), "stale after a fold");
	/* charged a leaf each, or the whole budget for a rebuild */
	ASSERT_TRUE(left == (dirty > budget ? 0 : budget - dirty) ||
		    (left == 0 && m->chunk->free_bytes == pcpu_test_unit_size()),
		    "%d dirty leaves, a budget of %d left %d", dirty, budget,
		    left);
	__t_check(m);
}

void __t_fold_stale(int budget)
{
	int i;

	pcpu_test_fold_stale(&budget);
	for (i = 0; i < t.nr; i++)
		__t_check(t.live[i]);
}

void __t_populate(struct pcpu_model *m, int start, int end)
{
	pcpu_test_populate(m->chunk, start, end);
	__t_check(m);
}

void __t_probe(struct pcpu_model *m, int size, int align, bool pop_only)
{
	int want = pcpu_model_first_fit(m, size / PCPU_MIN_ALLOC_SIZE,
					align / PCPU_MIN_ALLOC_SIZE, pop_only);
	int got = pcpu_test_find_fit(m->chunk, size, align, pop_only);

	want = want < 0 ? -1 : want * PCPU_MIN_ALLOC_SIZE;
	ASSERT_TRUE(got == want, "the search for %d bytes at %d%s found %d, the first fit is %d",
		    size, align, pop_only ? " (atomic)" : "", got, want);
}

void t_expect_block_at(const char *file, int line, struct pcpu_model *m,
		       int i, int first_free, int left, int right, int contig,
		       int contig_start)
{
	struct pcpu_block_md *b = m->chunk->md_blocks + i;

	if (b->first_free != first_free || b->left != left ||
	    b->right != right || b->contig != contig ||
	    (contig && b->contig_start != contig_start))
		pcpu_test_failed(file, line,
				 "block %d: first_free %d left %d right %d contig %d@%d, expected %d %d %d %d@%d",
				 i, b->first_free, b->left, b->right, b->contig,
				 b->contig_start, first_free, left, right,
				 contig, contig_start);
}
