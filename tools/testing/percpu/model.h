/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A brute-force model of one chunk: a byte per bit of the allocation map,
 * the allocation starts, and nothing else.  Every hint of the chunk is
 * recomputed from it after each operation, and every first fit is found
 * by walking it.  The tests and the fuzzer share it.
 */
#ifndef _PERCPU_TEST_MODEL_H
#define _PERCPU_TEST_MODEL_H

#include "core.h"

struct pcpu_model {
	struct pcpu_chunk *chunk;
	int nbits;
	int lo, hi;		/* the bits the chunk serves: [lo, hi) */
	unsigned char *used;	/* per bit: in use */
	int *size;		/* per bit: the bits of the allocation it starts */
	unsigned long *map;	/* @used and the starts as bitmaps, to compare */
	unsigned long *bound;
	int nr_free;		/* bits not in use */
	int *runs;		/* free runs (start, end), by pcpu_model_runs() */
	int nr_runs;
	int *objs;		/* live allocations (first bits), unordered */
	int *obj_index;		/* per bit: its index in objs, if it starts one */
	int nr_objs;
};

/* A model of @chunk, fresh from its constructor (hidden parts in use). */
void pcpu_model_init(struct pcpu_model *m, struct pcpu_chunk *chunk);
void pcpu_model_exit(struct pcpu_model *m);

/*
 * The first bit of the first fit of @bits bits at @align bits (a power of
 * two), in populated pages only if @pop_only; -1 if there is none.
 */
int pcpu_model_first_fit(struct pcpu_model *m, int bits, int align,
			 bool pop_only);

void pcpu_model_alloc(struct pcpu_model *m, int bit, int bits);

/*
 * The bytes a free of @off must free (0: the core must refuse it), and
 * pcpu_model_free() to apply it.
 */
int pcpu_model_free_size(struct pcpu_model *m, int off);
void pcpu_model_free(struct pcpu_model *m, int off);

/* The longest free run of the chunk, in bits. */
int pcpu_model_longest(struct pcpu_model *m);

/*
 * Compare the chunk with the model: the bitmaps, free_bytes, first_free,
 * every block hint, the tree's leaves and (when nothing is pending) every
 * node, the fit memos, the empty page count and the slot.  Returns NULL,
 * or a description of the first disagreement.
 */
const char *pcpu_model_check(struct pcpu_model *m);

/* pcpu_nr_empty_pop_pages against the chunks that count in it. */
const char *pcpu_model_check_global(struct pcpu_model **models, int nr);

/*
 * Everything of a chunk that an operation may change, to tell that an
 * invalid free changed nothing.
 */
struct pcpu_snapshot {
	unsigned long *alloc_map, *bound_map, *tree_dirty;
	struct pcpu_block_md *md_blocks;
	struct pcpu_span *tree;
	struct pcpu_fit_memo fit_memo[PCPU_NR_ALIGN_ORDERS];
	int free_bytes, first_free, memo_floor, nr_empty_pop_pages;
	int nr_empty_global, slot;
	bool stale;
};

void pcpu_snapshot_take(struct pcpu_snapshot *s, struct pcpu_chunk *chunk);
/* NULL if @chunk is as in @s, else what differs. */
const char *pcpu_snapshot_diff(struct pcpu_snapshot *s, struct pcpu_chunk *chunk);
void pcpu_snapshot_free(struct pcpu_snapshot *s);

/*
 * The chunk's bits [@from, @to) as a line of @width characters: '#' in
 * use, '.' free, ':' some of each; '|' at block edges when they fall on a
 * character boundary.  For failure messages.
 */
void pcpu_model_picture(struct pcpu_model *m, int from, int to, int width,
			FILE *f);

#endif /* _PERCPU_TEST_MODEL_H */
