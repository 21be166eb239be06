// SPDX-License-Identifier: GPL-2.0
/*
 * A libFuzzer target for the chunk map: the input's bytes choose a few
 * chunks (regular, first, reserved; of 1 to 16 pages) and then operations
 * on them, each checked against the brute-force model as the tests check
 * them (tests/common.c): allocations at the model's first fit, frees,
 * invalid frees that must change nothing, page population, folds within
 * budgets, and searches.  A failed check prints what failed and aborts.
 *
 *   make fuzz && ./percpu_fuzz -max_total_time=60 corpus/
 *
 * Input: byte 0 the unit size, byte 1 the chunks, bytes 2-3 a first
 * chunk's offset and size; then one operation per opcode byte, with its
 * operands in the bytes after it (missing bytes read as 0).
 */
#include "tests/common.h"

#define FUZZ_MAX_OPS	2048

struct fuzz_input {
	const u8 *data;
	size_t size, pos;
};

static unsigned int fuzz_byte(struct fuzz_input *in)
{
	return in->pos < in->size ? in->data[in->pos++] : 0;
}

static unsigned int fuzz_u16(struct fuzz_input *in)
{
	unsigned int lo = fuzz_byte(in);

	return lo | fuzz_byte(in) << 8;
}

/* Mostly powers of two up to 512 bytes, else anything up to the unit. */
static int fuzz_size(struct fuzz_input *in, struct pcpu_model *m)
{
	unsigned int k = fuzz_byte(in);
	int max = min(m->nbits * PCPU_MIN_ALLOC_SIZE, PCPU_MIN_UNIT_SIZE);

	if (k < 192)
		return PCPU_MIN_ALLOC_SIZE << (k % 8);
	return PCPU_MIN_ALLOC_SIZE * (1 + fuzz_u16(in) % (max / PCPU_MIN_ALLOC_SIZE));
}

static int fuzz_align(struct fuzz_input *in)
{
	return PCPU_MIN_ALLOC_SIZE << (fuzz_byte(in) % PCPU_NR_ALIGN_ORDERS);
}

/* An offset that starts no allocation, if one is near the byte's pick. */
static int fuzz_bad_offset(struct fuzz_input *in, struct pcpu_model *m)
{
	unsigned int kind = fuzz_byte(in), v = fuzz_u16(in);
	int off;

	switch (kind % 4) {
	case 0:	/* inside or misaligned in a live allocation */
		off = m->nr_objs ? m->objs[v % m->nr_objs] * PCPU_MIN_ALLOC_SIZE +
			1 + kind / 4 % 8 : 1;
		break;
	case 1:	/* anywhere, or just outside */
		off = (int)(v % (m->nbits * PCPU_MIN_ALLOC_SIZE + 16)) - 8;
		break;
	case 2:	/* the hidden parts of a first chunk */
		off = v & 1 ? 0 : m->hi * PCPU_MIN_ALLOC_SIZE;
		break;
	default:
		off = v & 1 ? INT_MIN : INT_MAX - 3;
		break;
	}
	return pcpu_model_free_size(m, off) ? -4 : off;
}

static void fuzz_op(struct fuzz_input *in)
{
	unsigned int op = fuzz_byte(in);
	struct pcpu_model *m = t_model(fuzz_byte(in) % t_nr_chunks());
	int nr, start, size, align;

	switch (op % 12) {
	case 0:		/* what pcpu_alloc_noprof() does */
	case 1:
		t_fold_stale(pcpu_test_fold_batch);
		fallthrough;
	case 2:		/* the allocation alone */
		size = fuzz_size(in, m);
		align = fuzz_align(in);
		t_alloc_pop(m, size, align, op & 16);
		break;
	case 3:
	case 4:
		if (m->nr_objs)
			t_free(m, m->objs[fuzz_u16(in) % m->nr_objs] *
			       PCPU_MIN_ALLOC_SIZE);
		break;
	case 5:		/* a burst */
		for (nr = fuzz_byte(in) % 16; nr && m->nr_objs; nr--)
			t_free(m, m->objs[fuzz_u16(in) % m->nr_objs] *
			       PCPU_MIN_ALLOC_SIZE);
		break;
	case 6:
		t_free_bad(m, fuzz_bad_offset(in, m));
		break;
	case 7:		/* population of a run of pages not yet populated */
		start = fuzz_byte(in) % m->chunk->nr_pages;
		for (nr = 1 + fuzz_byte(in) % 4; nr && start < m->chunk->nr_pages &&
		     !test_bit(start, m->chunk->populated); nr--, start++)
			t_populate(m, start, start + 1);
		break;
	case 8:
		t_fold(m);
		break;
	case 9:
		t_fold_budget(m, fuzz_byte(in) % 8);
		break;
	case 10:
		t_fold_stale(fuzz_byte(in) % 64);
		break;
	default:
		size = fuzz_size(in, m);
		align = fuzz_align(in);
		t_probe(m, size, align, op & 16);
		break;
	}
}

/* LLVMFuzzerTestOneInput(), which the Makefile maps to this name */
int percpu_fuzz_one_input(const u8 *data, size_t size)
{
	static const int units[] = { 8, 16, 1, 3, 5, 8, 2, 4 };
	struct fuzz_input in = { data, size, 0 };
	unsigned int unit, chunks, start_offset, map_size, i;

	unit = units[fuzz_byte(&in) % ARRAY_SIZE(units)];
	chunks = fuzz_byte(&in);
	start_offset = fuzz_byte(&in) * 16 % PAGE_SIZE;
	map_size = PCPU_MIN_ALLOC_SIZE *
		   (1 + fuzz_byte(&in) * 64 % (unit * PAGE_SIZE / PCPU_MIN_ALLOC_SIZE));
	if (start_offset + map_size > unit * PAGE_SIZE)
		map_size = unit * PAGE_SIZE - start_offset;

	t_fuzz_begin("input");
	t_setup(unit);
	for (i = 0; i < 1 + chunks % 3; i++)
		t_chunk();
	/* a first chunk (bit 2), reserved (bit 3) or not */
	if (chunks & 4)
		t_first_chunk(start_offset, map_size, chunks & 8);
	for (i = 0; i < FUZZ_MAX_OPS && in.pos < in.size; i++)
		fuzz_op(&in);
	t_fuzz_end();
	return 0;
}
