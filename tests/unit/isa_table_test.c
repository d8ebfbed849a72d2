// SPDX-License-Identifier: MIT
/* Copyright (C) 2026 The dsb authors */
/*
 * The uAPI header's ISA table (drm_dsb_isa_instr(), drm_dsb_isa_packet()) and
 * its helpers: every opcode is there under its enum's number and name, no
 * other is, and drm_dsb_instr_fault() gives the fault the engine raises for
 * each static rule (kmod/dsb_engine.c, dsb_exec_instr_locked()), in its
 * order.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "dsb_drm.h"

#define MIB (1ull << 20)

/*
 * The opcodes below 256 that @lookup knows: they must be 0..n-1, each entry
 * under its own number. Returns n.
 */
static unsigned int table_rows(const struct drm_dsb_isa_desc *(*lookup)(__u32))
{
	unsigned int n = 0;

	for (uint32_t op = 0; op < 256; op++) {
		const struct drm_dsb_isa_desc *d = lookup(op);

		if (!d)
			continue;
		ck_assert_uint_eq(op, n);
		ck_assert_uint_eq(d->op, op);
		n++;
	}
	return n;
}

START_TEST(test_instr_entries)
{
	static const struct { uint32_t op; const char *name; } ops[] = {
		{ DRM_DSB_OP_NOP, "NOP" },
		{ DRM_DSB_OP_WRITE, "WRITE" },
		{ DRM_DSB_OP_COPY, "COPY" },
		{ DRM_DSB_OP_FILL, "FILL" },
		{ DRM_DSB_OP_ATOMIC_ADD, "ATOMIC_ADD" },
		{ DRM_DSB_OP_TIMESTAMP, "TIMESTAMP" },
		{ DRM_DSB_OP_MEMWAIT, "MEMWAIT" },
		{ DRM_DSB_OP_DELAY, "DELAY" },
	};
	unsigned int n;

	for (unsigned int i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		const struct drm_dsb_isa_desc *d = drm_dsb_isa_instr(ops[i].op);

		ck_assert_ptr_nonnull(d);
		ck_assert_uint_eq(d->op, ops[i].op);
		ck_assert_str_eq(d->name, ops[i].name);
	}
	/* The table has exactly these rows, in opcode order. */
	n = table_rows(drm_dsb_isa_instr);
	ck_assert_uint_eq(n, sizeof(ops) / sizeof(ops[0]));
	ck_assert_ptr_null(drm_dsb_isa_instr(8));
	ck_assert_ptr_null(drm_dsb_isa_instr(0x77));
	ck_assert_ptr_null(drm_dsb_isa_instr(0xffffffffu));

	/* Only MEMWAIT takes a flag. */
	for (uint32_t op = 0; op < n; op++)
		ck_assert_uint_eq(drm_dsb_isa_instr(op)->flags,
				  op == DRM_DSB_OP_MEMWAIT ? DRM_DSB_MEMWAIT_EQ : 0);
	ck_assert(drm_dsb_isa_flags_ok(drm_dsb_isa_instr(DRM_DSB_OP_MEMWAIT),
				       DRM_DSB_MEMWAIT_EQ));
	ck_assert(!drm_dsb_isa_flags_ok(drm_dsb_isa_instr(DRM_DSB_OP_MEMWAIT), 2));
	ck_assert(!drm_dsb_isa_flags_ok(drm_dsb_isa_instr(DRM_DSB_OP_WRITE),
					DRM_DSB_MEMWAIT_EQ));
	ck_assert(!drm_dsb_isa_flags_ok(NULL, 0));
}
END_TEST

START_TEST(test_packet_entries)
{
	static const struct { uint32_t op; const char *name; } ops[] = {
		{ DRM_DSB_PKT_NOP, "NOP" },
		{ DRM_DSB_PKT_WAIT, "WAIT" },
		{ DRM_DSB_PKT_EXEC, "EXEC" },
		{ DRM_DSB_PKT_SIGNAL, "SIGNAL" },
	};
	struct drm_dsb_packet p = { 0 };

	for (unsigned int i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		const struct drm_dsb_isa_desc *d = drm_dsb_isa_packet(ops[i].op);

		ck_assert_ptr_nonnull(d);
		ck_assert_uint_eq(d->op, ops[i].op);
		ck_assert_str_eq(d->name, ops[i].name);
		ck_assert_uint_eq(d->flags, 0);
	}
	ck_assert_uint_eq(table_rows(drm_dsb_isa_packet), sizeof(ops) / sizeof(ops[0]));
	ck_assert_ptr_null(drm_dsb_isa_packet(4));

	p.op = DRM_DSB_PKT_SIGNAL;
	ck_assert(drm_dsb_packet_valid(&p));
	p.op = DRM_DSB_PKT_NOP;
	ck_assert(drm_dsb_packet_valid(&p));
	p.flags = 1;
	ck_assert(!drm_dsb_packet_valid(&p));
	p.flags = 0;
	p.op = 9;
	ck_assert(!drm_dsb_packet_valid(&p));

	/* EXEC: a command buffer, read, 32-byte aligned, its length and job. */
	const struct drm_dsb_isa_desc *d = drm_dsb_isa_packet(DRM_DSB_PKT_EXEC);

	ck_assert_uint_eq(d->arg[0].kind, DRM_DSB_ISA_ARG_VA);
	ck_assert_uint_eq(d->arg[0].access, DRM_DSB_ISA_R);
	ck_assert_uint_eq(d->arg[0].align, DRM_DSB_INSTR_SIZE);
	ck_assert_uint_eq(d->arg[1].kind, DRM_DSB_ISA_ARG_LEN);
	ck_assert_uint_eq(d->arg[1].align, DRM_DSB_INSTR_SIZE);
	ck_assert_uint_eq(d->arg[2].kind, DRM_DSB_ISA_ARG_SEQNO);
}
END_TEST

/* One instruction and the fault (and VA) the engine gives it statically. */
struct fault_case {
	struct drm_dsb_instr in;
	uint32_t fault;
	uint64_t va;
};

START_TEST(test_instr_fault)
{
	static const struct fault_case cases[] = {
		{ { DRM_DSB_OP_NOP, 0, 1, 2, 3 }, DRM_DSB_FAULT_NONE, 0 },
		{ { DRM_DSB_OP_NOP, 1, 0, 0, 0 }, DRM_DSB_FAULT_BAD_OPCODE, 0 },
		{ { 8, 0, 0, 0, 0 }, DRM_DSB_FAULT_BAD_OPCODE, 0 },
		{ { 0x77, 1, 0x1001, 0, 0 }, DRM_DSB_FAULT_BAD_OPCODE, 0 },
		{ { DRM_DSB_OP_WRITE, 0, 0x1008, ~0ull, 5 }, DRM_DSB_FAULT_NONE, 0 },
		{ { DRM_DSB_OP_WRITE, 0, 0x1004, 0, 0 }, DRM_DSB_FAULT_BAD_VA, 0x1004 },
		{ { DRM_DSB_OP_WRITE, DRM_DSB_MEMWAIT_EQ, 0x1000, 0, 0 },
		  DRM_DSB_FAULT_BAD_OPCODE, 0 },
		/* Flags are checked before operands. */
		{ { DRM_DSB_OP_WRITE, 4, 0x1001, 0, 0 }, DRM_DSB_FAULT_BAD_OPCODE, 0 },
		{ { DRM_DSB_OP_ATOMIC_ADD, 0, 0x2002, 1, 0 }, DRM_DSB_FAULT_BAD_VA, 0x2002 },
		{ { DRM_DSB_OP_TIMESTAMP, 0, 0x3001, 0, 0 }, DRM_DSB_FAULT_BAD_VA, 0x3001 },
		{ { DRM_DSB_OP_TIMESTAMP, 0, 0x3000, 0, 0 }, DRM_DSB_FAULT_NONE, 0 },
		{ { DRM_DSB_OP_MEMWAIT, 0, 0x4000, 5, 0 }, DRM_DSB_FAULT_NONE, 0 },
		{ { DRM_DSB_OP_MEMWAIT, DRM_DSB_MEMWAIT_EQ, 0x4000, 5, 0 },
		  DRM_DSB_FAULT_NONE, 0 },
		{ { DRM_DSB_OP_MEMWAIT, 2, 0x4000, 5, 0 }, DRM_DSB_FAULT_BAD_OPCODE, 0 },
		{ { DRM_DSB_OP_MEMWAIT, 3, 0x4000, 5, 0 }, DRM_DSB_FAULT_BAD_OPCODE, 0 },
		{ { DRM_DSB_OP_MEMWAIT, 1, 0x4004, 5, 0 }, DRM_DSB_FAULT_BAD_VA, 0x4004 },
		/* COPY and FILL: any alignment, 1 byte to 1 MiB, FILL by 4. */
		{ { DRM_DSB_OP_COPY, 0, 0x5001, 0x6003, 1 }, DRM_DSB_FAULT_NONE, 0 },
		{ { DRM_DSB_OP_COPY, 0, 0x5000, 0x6000, MIB }, DRM_DSB_FAULT_NONE, 0 },
		{ { DRM_DSB_OP_COPY, 0, 0x5000, 0x6000, MIB + 1 },
		  DRM_DSB_FAULT_BAD_LENGTH, 0 },
		{ { DRM_DSB_OP_COPY, 0, 0x5000, 0x6000, 0 }, DRM_DSB_FAULT_BAD_LENGTH, 0 },
		{ { DRM_DSB_OP_COPY, 1, 0x5000, 0x6000, 0 }, DRM_DSB_FAULT_BAD_OPCODE, 0 },
		{ { DRM_DSB_OP_FILL, 0, 0x7001, 0xabcd, 4 }, DRM_DSB_FAULT_NONE, 0 },
		{ { DRM_DSB_OP_FILL, 0, 0x7000, 1ull << 40, 8 }, DRM_DSB_FAULT_NONE, 0 },
		{ { DRM_DSB_OP_FILL, 0, 0x7000, 0, 6 }, DRM_DSB_FAULT_BAD_LENGTH, 0 },
		{ { DRM_DSB_OP_FILL, 0, 0x7000, 0, 0 }, DRM_DSB_FAULT_BAD_LENGTH, 0 },
		{ { DRM_DSB_OP_FILL, 0, 0x7000, 0, MIB + 4 }, DRM_DSB_FAULT_BAD_LENGTH, 0 },
		{ { DRM_DSB_OP_DELAY, 0, 0, 0, 0 }, DRM_DSB_FAULT_NONE, 0 },
		{ { DRM_DSB_OP_DELAY, 0, 1000000000ull, 0, 0 }, DRM_DSB_FAULT_NONE, 0 },
		{ { DRM_DSB_OP_DELAY, 0, 1000000001ull, 0, 0 }, DRM_DSB_FAULT_BAD_LENGTH, 0 },
	};

	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct fault_case *c = &cases[i];
		__u64 va = 0xdead;
		uint32_t fault = drm_dsb_instr_fault(&c->in, &va);

		ck_assert_msg(fault == c->fault, "case %u: op %u flags %u: fault %u, want %u",
			      i, c->in.op, c->in.flags, fault, c->fault);
		ck_assert_msg(va == c->va, "case %u: va 0x%llx, want 0x%llx", i,
			      (unsigned long long)va, (unsigned long long)c->va);
	}
	ck_assert_uint_eq(DRM_DSB_ISA_MAX_LEN, MIB);
	ck_assert_uint_eq(DRM_DSB_ISA_MAX_DELAY_NS, 1000000000ull);
}
END_TEST

START_TEST(test_instr_operands)
{
	struct drm_dsb_instr in = { DRM_DSB_OP_COPY, 0, 0x1000, 0x2000, 48 };
	const struct drm_dsb_isa_desc *d = drm_dsb_isa_instr(in.op);

	ck_assert_uint_eq(drm_dsb_instr_arg(&in, 0), 0x1000);
	ck_assert_uint_eq(drm_dsb_instr_arg(&in, 1), 0x2000);
	ck_assert_uint_eq(drm_dsb_instr_arg(&in, 2), 48);
	/* COPY writes c bytes at a, reads c bytes at b. */
	ck_assert_uint_eq(d->arg[0].access, DRM_DSB_ISA_W);
	ck_assert_uint_eq(d->arg[1].access, DRM_DSB_ISA_R);
	ck_assert_uint_eq(drm_dsb_instr_va_len(d, &in, 0), 48);
	ck_assert_uint_eq(drm_dsb_instr_va_len(d, &in, 1), 48);
	ck_assert_uint_eq(drm_dsb_instr_va_len(d, &in, 2), 0);

	/* FILL writes c bytes at a; b is a 32-bit value. */
	in.op = DRM_DSB_OP_FILL;
	d = drm_dsb_isa_instr(in.op);
	ck_assert_uint_eq(drm_dsb_instr_va_len(d, &in, 0), 48);
	ck_assert_uint_eq(drm_dsb_instr_va_len(d, &in, 1), 0);
	ck_assert_uint_eq(d->arg[1].kind, DRM_DSB_ISA_ARG_VALUE);
	ck_assert_uint_eq(d->arg[1].size, 4);

	/* The word instructions: 8 bytes at a, written, read or both. */
	in.op = DRM_DSB_OP_WRITE;
	d = drm_dsb_isa_instr(in.op);
	ck_assert_uint_eq(drm_dsb_instr_va_len(d, &in, 0), 8);
	ck_assert_uint_eq(d->arg[0].access, DRM_DSB_ISA_W);
	ck_assert_uint_eq(drm_dsb_isa_instr(DRM_DSB_OP_TIMESTAMP)->arg[0].access, DRM_DSB_ISA_W);
	ck_assert_uint_eq(drm_dsb_isa_instr(DRM_DSB_OP_ATOMIC_ADD)->arg[0].access,
			  DRM_DSB_ISA_RW);
	ck_assert_uint_eq(drm_dsb_isa_instr(DRM_DSB_OP_MEMWAIT)->arg[0].access, DRM_DSB_ISA_R);
	ck_assert_uint_eq(drm_dsb_isa_instr(DRM_DSB_OP_MEMWAIT)->arg[1].kind,
			  DRM_DSB_ISA_ARG_CMP);

	/* Nothing is a VA in NOP and DELAY. */
	for (unsigned int k = 0; k < 3; k++) {
		d = drm_dsb_isa_instr(DRM_DSB_OP_NOP);
		ck_assert_uint_eq(drm_dsb_instr_va_len(d, &in, k), 0);
		ck_assert_uint_eq(d->arg[k].kind, DRM_DSB_ISA_ARG_NONE);
		d = drm_dsb_isa_instr(DRM_DSB_OP_DELAY);
		ck_assert_uint_eq(drm_dsb_instr_va_len(d, &in, k), 0);
	}
}
END_TEST

START_TEST(test_arg_format)
{
	const struct drm_dsb_isa_desc *w = drm_dsb_isa_instr(DRM_DSB_OP_WRITE);
	const struct drm_dsb_isa_desc *f = drm_dsb_isa_instr(DRM_DSB_OP_FILL);
	const struct drm_dsb_isa_desc *mw = drm_dsb_isa_instr(DRM_DSB_OP_MEMWAIT);
	const struct drm_dsb_isa_desc *dl = drm_dsb_isa_instr(DRM_DSB_OP_DELAY);
	const struct drm_dsb_isa_desc *ex = drm_dsb_isa_packet(DRM_DSB_PKT_EXEC);
	const char *pre, *suf;

	ck_assert_int_eq(drm_dsb_isa_arg_format(&w->arg[0], 0, &pre, &suf), 1);
	ck_assert_str_eq(pre, "*0x");
	ck_assert_str_eq(suf, "");
	ck_assert_int_eq(drm_dsb_isa_arg_format(&w->arg[1], 0, &pre, &suf), 1);
	ck_assert_str_eq(pre, "0x");
	ck_assert_str_eq(w->arg[1].label, "=");
	ck_assert_int_eq(drm_dsb_isa_arg_format(&f->arg[0], 0, &pre, &suf), 1);
	ck_assert_str_eq(pre, "0x");
	ck_assert_int_eq(drm_dsb_isa_arg_format(&f->arg[1], 0, &pre, &suf), 8);
	ck_assert_int_eq(drm_dsb_isa_arg_format(&f->arg[2], 0, &pre, &suf), 0);
	ck_assert_str_eq(pre, "");
	ck_assert_int_eq(drm_dsb_isa_arg_format(&mw->arg[1], 0, &pre, &suf), 1);
	ck_assert_str_eq(pre, ">= 0x");
	drm_dsb_isa_arg_format(&mw->arg[1], DRM_DSB_MEMWAIT_EQ, &pre, &suf);
	ck_assert_str_eq(pre, "== 0x");
	ck_assert_int_eq(drm_dsb_isa_arg_format(&dl->arg[0], 0, &pre, &suf), 0);
	ck_assert_str_eq(suf, " ns");
	ck_assert_int_eq(drm_dsb_isa_arg_format(&ex->arg[0], 0, &pre, &suf), 1);
	ck_assert_str_eq(pre, "0x");
	ck_assert_str_eq(ex->arg[0].label, "va");
	ck_assert_int_eq(drm_dsb_isa_arg_format(&ex->arg[1], 0, &pre, &suf), 0);
	ck_assert_str_eq(ex->arg[1].label, "len");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("isa_table");
	TCase *tc = tcase_create("table");
	SRunner *sr;
	int nf;

	tcase_add_test(tc, test_instr_entries);
	tcase_add_test(tc, test_packet_entries);
	tcase_add_test(tc, test_instr_fault);
	tcase_add_test(tc, test_instr_operands);
	tcase_add_test(tc, test_arg_format);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf ? EXIT_FAILURE : EXIT_SUCCESS;
}
