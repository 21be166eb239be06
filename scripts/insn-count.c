// SPDX-License-Identifier: GPL-2.0
/*
 * A QEMU TCG plugin that counts the guest instructions executed in every
 * translation block, for `make profile`: at exit it writes one line per
 * block, "<start address in hex> <instructions executed>", to the file
 * named by its argument out=<file>.  The block start names the function
 * (scripts/profile.sh maps it with System.map): the counts are exact, not
 * sampled.  Built against QEMU's plugin API version 1 (QEMU 7.2), whose
 * few calls are declared here.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdbool.h>
#include <stddef.h>

typedef uint64_t qemu_plugin_id_t;
struct qemu_plugin_tb;
typedef struct qemu_info_t qemu_info_t;
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id,
		void (*cb)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb));
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *tb,
		enum qemu_plugin_op op, void *ptr, uint64_t imm);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id,
		void (*cb)(qemu_plugin_id_t id, void *userdata), void *userdata);

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

/* One per (start, length): icount may translate a block shorter. */
struct block {
	uint64_t vaddr;
	uint64_t n;
	uint64_t execs;
	struct block *next;
};

#define HASH_BITS 20
static struct block *table[1 << HASH_BITS];
static const char *out_path = "insn-count.txt";

static struct block *block_get(uint64_t vaddr, uint64_t n)
{
	uint64_t h = ((vaddr * 0x9e3779b97f4a7c15ull) ^ n) >> (64 - HASH_BITS);
	struct block *b;

	for (b = table[h]; b; b = b->next)
		if (b->vaddr == vaddr && b->n == n)
			return b;
	b = calloc(1, sizeof(*b));
	if (!b)
		abort();
	b->vaddr = vaddr;
	b->n = n;
	b->next = table[h];
	table[h] = b;
	return b;
}

static void tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	struct block *b = block_get(qemu_plugin_tb_vaddr(tb),
				    qemu_plugin_tb_n_insns(tb));

	/* Single-threaded TCG under -icount: a plain add is exact. */
	qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64,
						 &b->execs, 1);
}

static void at_exit(qemu_plugin_id_t id, void *userdata)
{
	FILE *f = fopen(out_path, "w");
	struct block *b;
	size_t i;

	if (!f)
		return;
	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		for (b = table[i]; b; b = b->next)
			if (b->execs)
				fprintf(f, "%llx %llu\n",
					(unsigned long long)b->vaddr,
					(unsigned long long)(b->execs * b->n));
	fclose(f);
}

__attribute__((visibility("default")))
int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
			int argc, char **argv)
{
	int i;

	for (i = 0; i < argc; i++)
		if (!strncmp(argv[i], "out=", 4))
			out_path = argv[i] + 4;
	qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
	qemu_plugin_register_atexit_cb(id, at_exit, NULL);
	return 0;
}
