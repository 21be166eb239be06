// SPDX-License-Identifier: GPL-2.0
/*
 * The brute-force model of a chunk and the checks of the chunk's hints
 * against it.  Nothing here calls the chunk map: the model is a byte per
 * bit, and every hint is recomputed from it by walking bits.
 */
#define _GNU_SOURCE	/* memrchr() */
#include <string.h>

#include "model.h"

#define B	PCPU_BITMAP_BLOCK_BITS

static char pcpu_model_msg[512];

#define BAD(fmt, ...) ({						\
	snprintf(pcpu_model_msg, sizeof(pcpu_model_msg), fmt, ##__VA_ARGS__); \
	pcpu_model_msg;							\
})

static void *pcpu_model_zalloc(size_t size)
{
	void *p = calloc(1, size ?: 1);

	if (!p)
		abort();
	return p;
}

void pcpu_model_init(struct pcpu_model *m, struct pcpu_chunk *chunk)
{
	int nbits = pcpu_chunk_map_bits(chunk);

	memset(m, 0, sizeof(*m));
	m->chunk = chunk;
	m->nbits = nbits;
	m->used = pcpu_model_zalloc(nbits);
	m->size = pcpu_model_zalloc(nbits * sizeof(int));
	m->map = pcpu_model_zalloc(BITS_TO_LONGS(nbits) * sizeof(long));
	m->bound = pcpu_model_zalloc(BITS_TO_LONGS(nbits) * sizeof(long));
	m->runs = pcpu_model_zalloc((nbits + 2) * sizeof(int));
	m->nr_free = nbits;
	m->objs = pcpu_model_zalloc(nbits * sizeof(int));
	m->obj_index = pcpu_model_zalloc(nbits * sizeof(int));
	/* a first chunk's pages outside its region: in use, never freed */
	m->lo = chunk->start_offset / PCPU_MIN_ALLOC_SIZE;
	m->hi = nbits - chunk->end_offset / PCPU_MIN_ALLOC_SIZE;
	if (m->lo)
		pcpu_model_alloc(m, 0, m->lo);
	if (m->hi < nbits)
		pcpu_model_alloc(m, m->hi, nbits - m->hi);
	m->nr_objs = 0;
}

void pcpu_model_exit(struct pcpu_model *m)
{
	free(m->used);
	free(m->size);
	free(m->map);
	free(m->bound);
	free(m->runs);
	free(m->objs);
	free(m->obj_index);
	memset(m, 0, sizeof(*m));
}

static bool pcpu_model_page_populated(struct pcpu_model *m, int bit)
{
	return test_bit(bit / B, m->chunk->populated);
}

/* The first bit in [@b, @to) that is @v (1: in use), or @to. */
static int pcpu_model_next(struct pcpu_model *m, int b, int to, int v)
{
	const unsigned char *p;

	if (b >= to)
		return to;
	p = memchr(m->used + b, v, to - b);
	return p ? p - m->used : to;
}

/* The free runs of the chunk, as (start, end) pairs in m->runs. */
static void pcpu_model_runs(struct pcpu_model *m)
{
	int s = pcpu_model_next(m, 0, m->nbits, 0), e;

	m->nr_runs = 0;
	while (s < m->nbits) {
		e = pcpu_model_next(m, s, m->nbits, 1);
		m->runs[2 * m->nr_runs] = s;
		m->runs[2 * m->nr_runs + 1] = e;
		m->nr_runs++;
		s = pcpu_model_next(m, e, m->nbits, 0);
	}
}

/* The first fit in the runs of the last pcpu_model_runs(). */
static int pcpu_model_first_fit_runs(struct pcpu_model *m, int bits, int align)
{
	int i, fit;

	for (i = 0; i < m->nr_runs; i++) {
		fit = ALIGN(m->runs[2 * i], align);
		if (fit + bits <= m->runs[2 * i + 1])
			return fit;
	}
	return -1;
}

int pcpu_model_first_fit(struct pcpu_model *m, int bits, int align,
			 bool pop_only)
{
	int s = 0, e, fit;

	if (!pop_only) {
		pcpu_model_runs(m);
		return pcpu_model_first_fit_runs(m, bits, align);
	}
	while (s < m->nbits) {
		/* a free run [s, e) in populated pages */
		while (s < m->nbits &&
		       (m->used[s] || !pcpu_model_page_populated(m, s)))
			s++;
		for (e = s; e < m->nbits && !m->used[e] &&
		     pcpu_model_page_populated(m, e); e++)
			;
		fit = ALIGN(s, align);
		if (s < m->nbits && fit + bits <= e)
			return fit;
		s = e;
	}
	return -1;
}

/* bit @b of @map to @v, one bit at a time: nothing shared with the core */
static void pcpu_model_set(unsigned long *map, int b, bool v)
{
	unsigned long mask = 1UL << (b % BITS_PER_LONG);

	if (v)
		map[b / BITS_PER_LONG] |= mask;
	else
		map[b / BITS_PER_LONG] &= ~mask;
}

void pcpu_model_alloc(struct pcpu_model *m, int bit, int bits)
{
	int b;

	memset(m->used + bit, 1, bits);
	for (b = bit; b < bit + bits; b++)
		pcpu_model_set(m->map, b, true);
	pcpu_model_set(m->bound, bit, true);
	m->nr_free -= bits;
	m->size[bit] = bits;
	m->obj_index[bit] = m->nr_objs;
	m->objs[m->nr_objs++] = bit;
}

int pcpu_model_free_size(struct pcpu_model *m, int off)
{
	int bit = off / PCPU_MIN_ALLOC_SIZE;

	if (off < 0 || off % PCPU_MIN_ALLOC_SIZE || bit >= m->nbits ||
	    !m->size[bit] || bit < m->lo || bit + m->size[bit] > m->hi)
		return 0;
	return m->size[bit] * PCPU_MIN_ALLOC_SIZE;
}

void pcpu_model_free(struct pcpu_model *m, int off)
{
	int bit = off / PCPU_MIN_ALLOC_SIZE, i = m->obj_index[bit], b;

	memset(m->used + bit, 0, m->size[bit]);
	for (b = bit; b < bit + m->size[bit]; b++)
		pcpu_model_set(m->map, b, false);
	pcpu_model_set(m->bound, bit, false);
	m->nr_free += m->size[bit];
	m->size[bit] = 0;
	m->objs[i] = m->objs[--m->nr_objs];
	m->obj_index[m->objs[i]] = i;
}

/* The free runs at the edges of bits [from, to) and the longest in it. */
static struct pcpu_span pcpu_model_span(struct pcpu_model *m, int from, int to)
{
	struct pcpu_span span = { 0, 0, 0 };
	const unsigned char *last = memrchr(m->used + from, 1, to - from);
	int s, e;

	span.left = pcpu_model_next(m, from, to, 1) - from;
	span.right = last ? to - 1 - (last - m->used) : to - from;
	for (s = pcpu_model_next(m, from, to, 0); s < to;
	     s = pcpu_model_next(m, e, to, 0)) {
		e = pcpu_model_next(m, s, to, 1);
		span.contig = max(span.contig, e - s);
	}
	return span;
}

int pcpu_model_longest(struct pcpu_model *m)
{
	return pcpu_model_span(m, 0, m->nbits).contig;
}

/* The hints of block @i against its bits. */
static const char *pcpu_model_check_block(struct pcpu_model *m, int i)
{
	struct pcpu_block_md *block = m->chunk->md_blocks + i;
	int base = i * B, end = base + B;
	struct pcpu_span span = pcpu_model_span(m, base, end);
	int first_free = pcpu_model_next(m, base, end, 0) - base, s, e;

	if (block->first_free != first_free)
		return BAD("block %d: first_free %d, not %d", i,
			   block->first_free, first_free);
	if (block->left != span.left)
		return BAD("block %d: left %d, not %d", i, block->left, span.left);
	if (block->right != span.right)
		return BAD("block %d: right %d, not %d", i, block->right,
			   span.right);
	if (block->contig != span.contig)
		return BAD("block %d: contig %d, not %d", i, block->contig,
			   span.contig);
	if (span.contig) {
		s = block->contig_start;
		if (s < 0 || s >= B || m->used[base + s] ||
		    (s && !m->used[base + s - 1]))
			return BAD("block %d: contig_start %d starts no free run",
				   i, s);
		e = pcpu_model_next(m, base + s, end, 1) - base;
		if (e - s != span.contig)
			return BAD("block %d: contig_start %d starts a run of %d, not %d",
				   i, s, e - s, span.contig);
	}
	/* @other bounds every run but the one at contig_start */
	for (s = base + first_free; s < end; s = pcpu_model_next(m, e, end, 0)) {
		e = pcpu_model_next(m, s, end, 1);
		if (s - base != block->contig_start && e - s > block->other)
			return BAD("block %d: run %d+%d longer than other %d", i,
				   s - base, e - s, block->other);
	}
	return NULL;
}

static bool pcpu_span_eq(struct pcpu_span a, struct pcpu_span b)
{
	return a.left == b.left && a.right == b.right && a.contig == b.contig;
}

static bool pcpu_span_ge(struct pcpu_span a, struct pcpu_span b)
{
	return a.left >= b.left && a.right >= b.right && a.contig >= b.contig;
}

/*
 * The summary tree: leaves are copies of their blocks (padding leaves
 * fully in use), and each node summarises the bits below it.  With no
 * leaf dirty every node is exact; with dirty leaves and no pending free
 * the nodes may only be too high.
 */
static const char *pcpu_model_check_tree(struct pcpu_model *m)
{
	struct pcpu_chunk *chunk = m->chunk;
	int nr_blocks = pcpu_chunk_nr_blocks(chunk);
	int leaves = chunk->nr_tree_leaves, i, len;
	bool dirty = find_first_bit(chunk->tree_dirty, nr_blocks) < nr_blocks;
	bool stale = pcpu_test_is_stale(chunk);
	struct pcpu_span *want, root;
	const char *bad = NULL;

	if (leaves < 2 || leaves < nr_blocks || (leaves & (leaves - 1)) ||
	    (leaves > 2 && leaves >= 2 * nr_blocks))
		return BAD("nr_tree_leaves %d for %d blocks", leaves, nr_blocks);
	for (i = nr_blocks; i < BITS_TO_LONGS(nr_blocks) * BITS_PER_LONG; i++)
		if (test_bit(i, chunk->tree_dirty))
			return BAD("tree_dirty bit %d past the %d blocks", i,
				   nr_blocks);

	want = pcpu_model_zalloc(2 * leaves * sizeof(*want));
	for (i = 0; i < leaves; i++) {
		struct pcpu_block_md *block = chunk->md_blocks + i;
		struct pcpu_span leaf = { 0, 0, 0 };

		if (i < nr_blocks)
			leaf = (struct pcpu_span){ block->left, block->right,
						   block->contig };
		if (!pcpu_span_eq(chunk->tree[leaves + i], leaf)) {
			bad = BAD("leaf %d is {%d, %d, %d}, block {%d, %d, %d}",
				  i, chunk->tree[leaves + i].left,
				  chunk->tree[leaves + i].right,
				  chunk->tree[leaves + i].contig,
				  leaf.left, leaf.right, leaf.contig);
			goto out;
		}
		want[leaves + i] = leaf;
	}
	/* a node from its children, by the definition of the edge runs */
	for (len = B, i = leaves / 2; i; i /= 2, len *= 2) {
		int j;

		for (j = i; j < 2 * i; j++) {
			struct pcpu_span l = want[2 * j], r = want[2 * j + 1];

			want[j].left = l.left == len ? len + r.left : l.left;
			want[j].right = r.right == len ? len + l.right : r.right;
			want[j].contig = max3(l.contig, r.contig,
					      l.right + r.left);
		}
	}
	/* the root, straight from the bits */
	root = pcpu_model_span(m, 0, m->nbits);
	if (leaves > nr_blocks)
		root.right = 0;
	if (!pcpu_span_eq(want[1], root)) {
		bad = BAD("model: root {%d, %d, %d} from the leaves, {%d, %d, %d} from the bits",
			  want[1].left, want[1].right, want[1].contig,
			  root.left, root.right, root.contig);
		goto out;
	}
	for (i = 1; i < leaves; i++) {
		if (!dirty && !pcpu_span_eq(chunk->tree[i], want[i])) {
			bad = BAD("%s %d is {%d, %d, %d} with no leaf dirty, not {%d, %d, %d}",
				  i == 1 ? "the root" : "node", i,
				  chunk->tree[i].left, chunk->tree[i].right,
				  chunk->tree[i].contig, want[i].left,
				  want[i].right, want[i].contig);
			goto out;
		}
		if (dirty && !stale && !pcpu_span_ge(chunk->tree[i], want[i])) {
			bad = BAD("%s %d is {%d, %d, %d} below {%d, %d, %d} with no free pending",
				  i == 1 ? "the root" : "node", i,
				  chunk->tree[i].left, chunk->tree[i].right,
				  chunk->tree[i].contig, want[i].left,
				  want[i].right, want[i].contig);
			goto out;
		}
	}
out:
	free(want);
	return bad;
}

/* No fit of a memo's size at its alignment starts before its bit. */
static const char *pcpu_model_check_memos(struct pcpu_model *m)
{
	struct pcpu_chunk *chunk = m->chunk;
	int order, fit;

	pcpu_model_runs(m);
	for (order = 0; order < PCPU_NR_ALIGN_ORDERS; order++) {
		struct pcpu_fit_memo *memo = chunk->fit_memo + order;
		int bit = pcpu_memo_bit(chunk, memo);

		if (memo->bits <= 0 || bit <= 0)
			continue;
		fit = pcpu_model_first_fit_runs(m, memo->bits, 1 << order);
		if (fit >= 0 && fit < bit)
			return BAD("memo of order %d: no fit of %d bits before %d, but one at %d",
				   order, memo->bits, bit, fit);
	}
	return NULL;
}

const char *pcpu_model_check(struct pcpu_model *m)
{
	struct pcpu_chunk *chunk = m->chunk;
	int nr_blocks = pcpu_chunk_nr_blocks(chunk);
	int b, i, first_free, empty = 0;
	const char *bad;

	if (chunk->nr_pages * (int)PAGE_SIZE / PCPU_MIN_ALLOC_SIZE != m->nbits)
		return BAD("chunk of %d pages, model of %d bits",
			   chunk->nr_pages, m->nbits);
	if (memcmp(chunk->alloc_map, m->map, BITS_TO_LONGS(m->nbits) * sizeof(long)) ||
	    memcmp(chunk->bound_map, m->bound, BITS_TO_LONGS(m->nbits) * sizeof(long))) {
		for (b = 0; b < m->nbits; b++) {
			if (test_bit(b, chunk->alloc_map) != m->used[b])
				return BAD("alloc_map bit %d is %d", b,
					   test_bit(b, chunk->alloc_map));
			if (test_bit(b, chunk->bound_map) != !!m->size[b])
				return BAD("bound_map bit %d is %d", b,
					   test_bit(b, chunk->bound_map));
		}
		return BAD("model: its bitmaps and bytes differ");
	}
	first_free = pcpu_model_next(m, 0, m->nbits, 0);
	if (chunk->free_bytes != m->nr_free * PCPU_MIN_ALLOC_SIZE)
		return BAD("free_bytes %d, not %d", chunk->free_bytes,
			   m->nr_free * PCPU_MIN_ALLOC_SIZE);
	if (chunk->first_free != first_free)
		return BAD("first_free %d, not %d", chunk->first_free,
			   first_free);

	for (i = 0; i < nr_blocks; i++) {
		bool is_empty = pcpu_model_next(m, i * B, (i + 1) * B, 1) ==
				(i + 1) * B;
		bool populated = test_bit(i, chunk->populated);

		bad = pcpu_model_check_block(m, i);
		if (bad)
			return bad;
		if (pcpu_test_page_is_empty(chunk, i) != is_empty)
			return BAD("page %d: pcpu_page_is_empty() says %d", i,
				   !is_empty);
		/* a page that is not populated never counts, used or not */
		if (populated && is_empty)
			empty++;
	}
	if (chunk->nr_empty_pop_pages != empty)
		return BAD("nr_empty_pop_pages %d, not %d",
			   chunk->nr_empty_pop_pages, empty);

	bad = pcpu_model_check_tree(m);
	if (bad)
		return bad;
	bad = pcpu_model_check_memos(m);
	if (bad)
		return bad;

	/*
	 * The chunk is on the slot of its root: the root moves only when the
	 * chunk is folded, which relocates it.
	 */
	if (!chunk->isolated && chunk != pcpu_reserved_chunk &&
	    pcpu_test_slot_of(chunk) != pcpu_test_chunk_slot(chunk))
		return BAD("on slot %d, its root gives slot %d",
			   pcpu_test_slot_of(chunk), pcpu_test_chunk_slot(chunk));
	return NULL;
}

const char *pcpu_model_check_global(struct pcpu_model **models, int nr)
{
	int i, sum = 0;

	for (i = 0; i < nr; i++) {
		struct pcpu_chunk *chunk = models[i]->chunk;

		if (chunk != pcpu_reserved_chunk && !chunk->isolated)
			sum += chunk->nr_empty_pop_pages;
	}
	if (sum != pcpu_nr_empty_pop_pages)
		return BAD("pcpu_nr_empty_pop_pages %d, the chunks have %d",
			   pcpu_nr_empty_pop_pages, sum);
	return NULL;
}

static void *pcpu_memdup(const void *src, size_t size)
{
	void *p = pcpu_model_zalloc(size);

	memcpy(p, src, size);
	return p;
}

static size_t pcpu_map_bytes(struct pcpu_chunk *chunk)
{
	return BITS_TO_LONGS(pcpu_chunk_map_bits(chunk)) * sizeof(long);
}

void pcpu_snapshot_take(struct pcpu_snapshot *s, struct pcpu_chunk *chunk)
{
	int nr_blocks = pcpu_chunk_nr_blocks(chunk);

	s->alloc_map = pcpu_memdup(chunk->alloc_map, pcpu_map_bytes(chunk));
	s->bound_map = pcpu_memdup(chunk->bound_map, pcpu_map_bytes(chunk));
	s->tree_dirty = pcpu_memdup(chunk->tree_dirty,
				    BITS_TO_LONGS(nr_blocks) * sizeof(long));
	s->md_blocks = pcpu_memdup(chunk->md_blocks,
				   nr_blocks * sizeof(*chunk->md_blocks));
	s->tree = pcpu_memdup(chunk->tree,
			      2 * chunk->nr_tree_leaves * sizeof(*chunk->tree));
	memcpy(s->fit_memo, chunk->fit_memo, sizeof(s->fit_memo));
	s->free_bytes = chunk->free_bytes;
	s->first_free = chunk->first_free;
	s->memo_floor = chunk->memo_floor;
	s->nr_empty_pop_pages = chunk->nr_empty_pop_pages;
	s->nr_empty_global = pcpu_nr_empty_pop_pages;
	s->slot = pcpu_test_slot_of(chunk);
	s->stale = pcpu_test_is_stale(chunk);
}

const char *pcpu_snapshot_diff(struct pcpu_snapshot *s, struct pcpu_chunk *chunk)
{
	int nr_blocks = pcpu_chunk_nr_blocks(chunk);

	if (memcmp(s->alloc_map, chunk->alloc_map, pcpu_map_bytes(chunk)))
		return "alloc_map changed";
	if (memcmp(s->bound_map, chunk->bound_map, pcpu_map_bytes(chunk)))
		return "bound_map changed";
	if (memcmp(s->tree_dirty, chunk->tree_dirty,
		   BITS_TO_LONGS(nr_blocks) * sizeof(long)))
		return "tree_dirty changed";
	if (memcmp(s->md_blocks, chunk->md_blocks,
		   nr_blocks * sizeof(*chunk->md_blocks)))
		return "a block's hints changed";
	if (memcmp(s->tree, chunk->tree,
		   2 * chunk->nr_tree_leaves * sizeof(*chunk->tree)))
		return "the tree changed";
	if (memcmp(s->fit_memo, chunk->fit_memo, sizeof(s->fit_memo)))
		return "a fit memo changed";
	if (s->free_bytes != chunk->free_bytes)
		return "free_bytes changed";
	if (s->first_free != chunk->first_free)
		return "first_free changed";
	if (s->memo_floor != chunk->memo_floor)
		return "memo_floor changed";
	if (s->nr_empty_pop_pages != chunk->nr_empty_pop_pages ||
	    s->nr_empty_global != pcpu_nr_empty_pop_pages)
		return "the empty page count changed";
	if (s->slot != pcpu_test_slot_of(chunk))
		return "the chunk changed slot";
	if (s->stale != pcpu_test_is_stale(chunk))
		return "the chunk's pending frees changed";
	return NULL;
}

void pcpu_snapshot_free(struct pcpu_snapshot *s)
{
	free(s->alloc_map);
	free(s->bound_map);
	free(s->tree_dirty);
	free(s->md_blocks);
	free(s->tree);
	memset(s, 0, sizeof(*s));
}

void pcpu_model_picture(struct pcpu_model *m, int from, int to, int width,
			FILE *f)
{
	int per = max(1, DIV_ROUND_UP(to - from, width)), c, b, used;

	fprintf(f, "  bits %d..%d, %d per character:\n  ", from, to, per);
	for (c = from; c < to; c += per) {
		if (c > from && c % B == 0)
			fputc('|', f);
		for (used = 0, b = c; b < min(c + per, to); b++)
			used += m->used[b];
		fputc(!used ? '.' : used == min(c + per, to) - c ? '#' : ':', f);
	}
	fputc('\n', f);
}
