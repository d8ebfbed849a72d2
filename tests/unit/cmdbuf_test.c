// SPDX-License-Identifier: MIT
/* Copyright (C) 2026 The dsb authors */
/*
 * The tests' command-buffer builder (helpers.c) encodes instructions as the
 * uAPI documents them; VM tests rely on it to mean what they say.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

START_TEST(test_emit_encodes_fields)
{
	struct drm_dsb_instr mem[4];
	struct dsb_test_cmdbuf cb;

	memset(mem, 0xa5, sizeof(mem));
	dsb_test_cmd_init(&cb, mem, sizeof(mem));
	ck_assert_uint_eq(cb.max, 4);
	ck_assert_int_eq(dsb_test_cmd_emit(&cb, 7, 1, 0x1111, 0x2222, 0x3333), 0);
	ck_assert_uint_eq(mem[0].op, 7);
	ck_assert_uint_eq(mem[0].flags, 1);
	ck_assert_uint_eq(mem[0].a, 0x1111);
	ck_assert_uint_eq(mem[0].b, 0x2222);
	ck_assert_uint_eq(mem[0].c, 0x3333);
	ck_assert_uint_eq(dsb_test_cmd_len(&cb), 32);
	/* The next slot is untouched. */
	ck_assert_uint_eq(mem[1].op, 0xa5a5a5a5u);
}
END_TEST

START_TEST(test_full_buffer_is_enospc)
{
	struct drm_dsb_instr mem[2];
	struct dsb_test_cmdbuf cb;

	/* A partial instruction at the end does not count. */
	dsb_test_cmd_init(&cb, mem, sizeof(mem) + 16);
	ck_assert_uint_eq(cb.max, 2);
	ck_assert_int_eq(dsb_test_cmd_nop(&cb), 0);
	ck_assert_int_eq(dsb_test_cmd_nop(&cb), 0);
	ck_assert_int_eq(dsb_test_cmd_nop(&cb), -ENOSPC);
	ck_assert_uint_eq(cb.count, 2);
	ck_assert_uint_eq(dsb_test_cmd_len(&cb), 64);
}
END_TEST

START_TEST(test_wrappers_opcodes)
{
	struct drm_dsb_instr mem[8];
	struct dsb_test_cmdbuf cb;

	dsb_test_cmd_init(&cb, mem, sizeof(mem));
	ck_assert_int_eq(dsb_test_cmd_write(&cb, 0x1000, 42), 0);
	ck_assert_int_eq(dsb_test_cmd_copy(&cb, 0x2000, 0x3000, 64), 0);
	ck_assert_int_eq(dsb_test_cmd_fill(&cb, 0x4000, 0xdeadbeef, 128), 0);
	ck_assert_int_eq(dsb_test_cmd_atomic_add(&cb, 0x5000, 3), 0);
	ck_assert_int_eq(dsb_test_cmd_timestamp(&cb, 0x6000), 0);
	ck_assert_int_eq(dsb_test_cmd_memwait(&cb, 0x7000, 9, 1), 0);
	ck_assert_int_eq(dsb_test_cmd_delay(&cb, 1000), 0);
	ck_assert_int_eq(dsb_test_cmd_memwait(&cb, 0x8000, 10, 0), 0);

	ck_assert_uint_eq(mem[0].op, DRM_DSB_OP_WRITE);
	ck_assert_uint_eq(mem[0].a, 0x1000);
	ck_assert_uint_eq(mem[0].b, 42);
	ck_assert_uint_eq(mem[1].op, DRM_DSB_OP_COPY);
	ck_assert_uint_eq(mem[1].a, 0x2000);
	ck_assert_uint_eq(mem[1].b, 0x3000);
	ck_assert_uint_eq(mem[1].c, 64);
	ck_assert_uint_eq(mem[2].op, DRM_DSB_OP_FILL);
	ck_assert_uint_eq(mem[2].b, 0xdeadbeef);
	ck_assert_uint_eq(mem[2].c, 128);
	ck_assert_uint_eq(mem[3].op, DRM_DSB_OP_ATOMIC_ADD);
	ck_assert_uint_eq(mem[4].op, DRM_DSB_OP_TIMESTAMP);
	ck_assert_uint_eq(mem[5].op, DRM_DSB_OP_MEMWAIT);
	ck_assert_uint_eq(mem[5].flags, DRM_DSB_MEMWAIT_EQ);
	ck_assert_uint_eq(mem[6].op, DRM_DSB_OP_DELAY);
	ck_assert_uint_eq(mem[6].a, 1000);
	ck_assert_uint_eq(mem[7].flags, 0);
	for (int i = 0; i < 8; i++)
		if (i != 5)
			ck_assert_uint_eq(mem[i].flags, 0);
}
END_TEST

START_TEST(test_fault_injection_env)
{
	unsetenv("DSB_FAULT_INJECTION");
	ck_assert_int_eq(dsb_fault_injection_on(), 0);
	ck_assert(dsb_test_ok_or_enomem(0));
	ck_assert(!dsb_test_ok_or_enomem(-ENOMEM));
	setenv("DSB_FAULT_INJECTION", "0", 1);
	ck_assert_int_eq(dsb_fault_injection_on(), 0);
	setenv("DSB_FAULT_INJECTION", "1", 1);
	ck_assert_int_ne(dsb_fault_injection_on(), 0);
	ck_assert(dsb_test_ok_or_enomem(-ENOMEM));
	ck_assert(!dsb_test_ok_or_enomem(-EINVAL));
	unsetenv("DSB_FAULT_INJECTION");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cmdbuf");
	TCase *tc = tcase_create("builder");
	SRunner *sr;
	int nf;

	tcase_add_test(tc, test_emit_encodes_fields);
	tcase_add_test(tc, test_full_buffer_is_enospc);
	tcase_add_test(tc, test_wrappers_opcodes);
	tcase_add_test(tc, test_fault_injection_env);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf ? EXIT_FAILURE : EXIT_SUCCESS;
}
