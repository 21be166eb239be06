/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The slot lists and the empty page count as mm/percpu.c keeps them, for
 * a core built in userspace: pcpu_chunk_relocate() (without the slot mask
 * that only the allocation walk reads) and pcpu_update_empty_pages().
 * The includer defines the globals and pcpu_chunk_slot() (or declares it
 * before this header).
 */
#ifndef _PERCPU_TEST_SLOTS_H
#define _PERCPU_TEST_SLOTS_H

static int pcpu_chunk_slot(const struct pcpu_chunk *chunk);

static void pcpu_chunk_relocate(struct pcpu_chunk *chunk, int oslot)
{
	int nslot = pcpu_chunk_slot(chunk);

	/* leave isolated chunks in-place */
	if (chunk->isolated)
		return;

	/* the reserved chunk is on no slot */
	if (oslot != nslot && chunk != pcpu_reserved_chunk) {
		if (oslot < nslot)
			list_move(&chunk->list, &pcpu_chunk_lists[nslot]);
		else
			list_move_tail(&chunk->list, &pcpu_chunk_lists[nslot]);
	}
}

static inline void pcpu_update_empty_pages(struct pcpu_chunk *chunk, int nr)
{
	chunk->nr_empty_pop_pages += nr;
	if (chunk != pcpu_reserved_chunk && !chunk->isolated)
		pcpu_nr_empty_pop_pages += nr;
}

#endif /* _PERCPU_TEST_SLOTS_H */
