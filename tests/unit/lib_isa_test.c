// SPDX-License-Identifier: MIT
/* Copyright (C) 2026 The dsb authors */
/*
 * libdsb command-buffer encoders, the instruction and packet decoders, and
 * the io_uring command encoding.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <liburing.h>

#include "dsb.h"

static struct drm_dsb_instr buf[16];
static struct dsb_cmdbuf cb;

static void setup(void)
{
	memset(buf, 0xa5, sizeof(buf));
	dsb_cmdbuf_init(&cb, buf, sizeof(buf), 0x400000);
}

START_TEST(test_encoders)
{
	ck_assert_uint_eq(cb.capacity, 16);
	ck_assert_int_eq(dsb_cmd_nop(&cb), 0);
	ck_assert_int_eq(dsb_cmd_write(&cb, 0x1000, 0xdeadbeefcafe), 0);
	ck_assert_int_eq(dsb_cmd_copy(&cb, 0x2000, 0x3000, 4096), 0);
	ck_assert_int_eq(dsb_cmd_fill(&cb, 0x4000, 0x01020304, 64), 0);
	ck_assert_int_eq(dsb_cmd_atomic_add(&cb, 0x5000, 7), 0);
	ck_assert_int_eq(dsb_cmd_timestamp(&cb, 0x6000), 0);
	ck_assert_int_eq(dsb_cmd_memwait(&cb, 0x7000, 9, DRM_DSB_MEMWAIT_EQ), 0);
	ck_assert_int_eq(dsb_cmd_delay(&cb, 1000), 0);
	ck_assert_uint_eq(cb.count, 8);
	ck_assert_uint_eq(dsb_cmdbuf_len(&cb), 8 * DRM_DSB_INSTR_SIZE);

	ck_assert_uint_eq(buf[0].op, DRM_DSB_OP_NOP);
	ck_assert_uint_eq(buf[0].a | buf[0].b | buf[0].c | buf[0].flags, 0);
	ck_assert_uint_eq(buf[1].op, DRM_DSB_OP_WRITE);
	ck_assert_uint_eq(buf[1].a, 0x1000);
	ck_assert_uint_eq(buf[1].b, 0xdeadbeefcafe);
	ck_assert_uint_eq(buf[2].op, DRM_DSB_OP_COPY);
	ck_assert_uint_eq(buf[2].a, 0x2000);
	ck_assert_uint_eq(buf[2].b, 0x3000);
	ck_assert_uint_eq(buf[2].c, 4096);
	ck_assert_uint_eq(buf[3].op, DRM_DSB_OP_FILL);
	ck_assert_uint_eq(buf[3].b, 0x01020304);
	ck_assert_uint_eq(buf[3].c, 64);
	ck_assert_uint_eq(buf[4].op, DRM_DSB_OP_ATOMIC_ADD);
	ck_assert_uint_eq(buf[4].b, 7);
	ck_assert_uint_eq(buf[5].op, DRM_DSB_OP_TIMESTAMP);
	ck_assert_uint_eq(buf[5].a, 0x6000);
	ck_assert_uint_eq(buf[6].op, DRM_DSB_OP_MEMWAIT);
	ck_assert_uint_eq(buf[6].flags, DRM_DSB_MEMWAIT_EQ);
	ck_assert_uint_eq(buf[6].b, 9);
	ck_assert_uint_eq(buf[7].op, DRM_DSB_OP_DELAY);
	ck_assert_uint_eq(buf[7].a, 1000);
	/* Untouched past the end. */
	ck_assert_uint_eq(buf[8].op, 0xa5a5a5a5);
	for (unsigned int i = 0; i < cb.count; i++)
		ck_assert_int_eq(dsb_instr_check(&buf[i]), 0);
	dsb_cmdbuf_reset(&cb);
	ck_assert_uint_eq(dsb_cmdbuf_len(&cb), 0);
}
END_TEST

START_TEST(test_encoder_full)
{
	for (int i = 0; i < 16; i++)
		ck_assert_int_eq(dsb_cmd_nop(&cb), 0);
	ck_assert_int_eq(dsb_cmd_write(&cb, 0, 0), -ENOSPC);
	ck_assert_uint_eq(cb.count, 16);
	/* A buffer not a multiple of 32 holds whole instructions only. */
	dsb_cmdbuf_init(&cb, buf, 63, 0);
	ck_assert_uint_eq(cb.capacity, 1);
}
END_TEST

START_TEST(test_instr_check)
{
	struct drm_dsb_instr in = { 0 };

	in.op = DRM_DSB_OP_WRITE;
	in.a = 0x1004;			/* misaligned 64-bit write */
	ck_assert_int_eq(dsb_instr_check(&in), -EINVAL);
	in.a = 0x1008;
	ck_assert_int_eq(dsb_instr_check(&in), 0);
	in.flags = 1;			/* flags MBZ */
	ck_assert_int_eq(dsb_instr_check(&in), -EINVAL);
	in.flags = 0;
	in.op = 8;			/* unknown opcode */
	ck_assert_int_eq(dsb_instr_check(&in), -EINVAL);
	in.op = DRM_DSB_OP_COPY;
	in.c = (1u << 20) + 1;		/* over 1 MiB */
	ck_assert_int_eq(dsb_instr_check(&in), -EINVAL);
	in.c = 1u << 20;
	ck_assert_int_eq(dsb_instr_check(&in), 0);
	in.c = 0;			/* the engine faults on 0 bytes too */
	ck_assert_int_eq(dsb_instr_check(&in), -EINVAL);
	in.op = DRM_DSB_OP_FILL;
	in.c = 6;			/* not a multiple of 4 */
	ck_assert_int_eq(dsb_instr_check(&in), -EINVAL);
	in.c = 0;
	ck_assert_int_eq(dsb_instr_check(&in), -EINVAL);
	in.c = 8;
	in.b = 1ull << 32 | 7;		/* the engine fills with bits 0..31 */
	ck_assert_int_eq(dsb_instr_check(&in), 0);
	in.b = 0;
	in.op = DRM_DSB_OP_MEMWAIT;
	in.c = 0;
	in.flags = DRM_DSB_MEMWAIT_EQ | 2;
	ck_assert_int_eq(dsb_instr_check(&in), -EINVAL);
	in.flags = DRM_DSB_MEMWAIT_EQ;
	ck_assert_int_eq(dsb_instr_check(&in), 0);
	in.op = DRM_DSB_OP_DELAY;
	in.flags = 0;
	in.a = 1000000001ull;		/* over 1 s */
	ck_assert_int_eq(dsb_instr_check(&in), -EINVAL);
}
END_TEST

START_TEST(test_decode_instr)
{
	char out[128];
	struct drm_dsb_instr in = { 0 };
	int n;

	dsb_cmd_write(&cb, 0x1000, 42);
	n = dsb_decode_instr(&buf[0], out, sizeof(out));
	ck_assert_str_eq(out, "WRITE *0x1000 = 0x2a");
	ck_assert_int_eq(n, (int)strlen(out));

	dsb_cmd_memwait(&cb, 0x2000, 5, DRM_DSB_MEMWAIT_EQ);
	dsb_decode_instr(&buf[1], out, sizeof(out));
	ck_assert_str_eq(out, "MEMWAIT *0x2000 == 0x5");
	dsb_cmd_memwait(&cb, 0x2000, 5, 0);
	dsb_decode_instr(&buf[2], out, sizeof(out));
	ck_assert_str_eq(out, "MEMWAIT *0x2000 >= 0x5");
	dsb_cmd_copy(&cb, 0x10, 0x20, 3);
	dsb_decode_instr(&buf[3], out, sizeof(out));
	ck_assert_str_eq(out, "COPY 0x10 <- 0x20 len 3");
	dsb_cmd_fill(&cb, 0x10, 0xabcd, 8);
	dsb_decode_instr(&buf[4], out, sizeof(out));
	ck_assert_str_eq(out, "FILL 0x10 pattern 0x0000abcd len 8");
	dsb_cmd_delay(&cb, 500);
	dsb_decode_instr(&buf[5], out, sizeof(out));
	ck_assert_str_eq(out, "DELAY 500 ns");
	dsb_cmd_nop(&cb);
	dsb_decode_instr(&buf[6], out, sizeof(out));
	ck_assert_str_eq(out, "NOP");
	dsb_cmd_timestamp(&cb, 0x3000);
	dsb_decode_instr(&buf[7], out, sizeof(out));
	ck_assert_str_eq(out, "TIMESTAMP *0x3000");
	dsb_cmd_atomic_add(&cb, 0x3008, 0x10);
	dsb_decode_instr(&buf[8], out, sizeof(out));
	ck_assert_str_eq(out, "ATOMIC_ADD *0x3008 += 0x10");
	/* Operands an opcode does not use are not shown. */
	dsb_cmd_raw(&cb, DRM_DSB_OP_TIMESTAMP, 0, 0x3000, 1, 2);
	dsb_decode_instr(&buf[9], out, sizeof(out));
	ck_assert_str_eq(out, "TIMESTAMP *0x3000");
	dsb_cmd_raw(&cb, DRM_DSB_OP_MEMWAIT, DRM_DSB_MEMWAIT_EQ | 6, 0x2000, 1, 0);
	ck_assert_int_eq(dsb_decode_instr(&buf[10], out, sizeof(out)), -EINVAL);
	ck_assert_str_eq(out, "MEMWAIT *0x2000 == 0x1 flags 0x6 <bad>");
	dsb_cmd_raw(&cb, DRM_DSB_OP_COPY, 0, 0x10, 0x20, 0);
	ck_assert_int_eq(dsb_decode_instr(&buf[11], out, sizeof(out)), -EINVAL);
	ck_assert_str_eq(out, "COPY 0x10 <- 0x20 len 0 <bad>");

	in.op = 0x77;
	ck_assert_int_eq(dsb_decode_instr(&in, out, sizeof(out)), -EINVAL);
	ck_assert_str_eq(out, "INVALID op 0x77 <bad>");
	in.op = DRM_DSB_OP_ATOMIC_ADD;
	in.a = 0x1001;
	in.b = 1;
	in.flags = 4;
	ck_assert_int_eq(dsb_decode_instr(&in, out, sizeof(out)), -EINVAL);
	ck_assert_str_eq(out, "ATOMIC_ADD *0x1001 += 0x1 flags 0x4 <bad>");

	/* Truncation: snprintf semantics, always terminated. */
	n = dsb_decode_instr(&buf[0], out, 6);
	ck_assert_int_eq(n, (int)strlen("WRITE *0x1000 = 0x2a"));
	ck_assert_str_eq(out, "WRITE");
	in.flags = 0xffffffff;
	ck_assert_int_eq(dsb_decode_instr(&in, out, 4), -EINVAL);
	ck_assert_str_eq(out, "ATO");
	ck_assert_int_eq(dsb_decode_instr(&buf[0], NULL, 0),
			 (int)strlen("WRITE *0x1000 = 0x2a"));
}
END_TEST

START_TEST(test_decode_packet)
{
	struct drm_dsb_packet p = { 0 };
	char out[160];

	p.op = DRM_DSB_PKT_EXEC;
	p.seq = 12;
	p.arg[0] = 0x400000;
	p.arg[1] = 64;
	p.arg[2] = 3;
	p.mac = 0x0123456789abcdefull;
	ck_assert_int_gt(dsb_decode_packet(&p, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "[12] EXEC va 0x400000 len 64 job 3 mac 0123456789abcdef");
	p.op = DRM_DSB_PKT_SIGNAL;
	p.arg[0] = 5;
	p.arg[1] = 3;
	dsb_decode_packet(&p, out, sizeof(out));
	ck_assert_str_eq(out, "[12] SIGNAL slot 5 seqno 3 mac 0123456789abcdef");
	p.op = DRM_DSB_PKT_WAIT;
	p.arg[0] = 2;
	p.arg[1] = 10;
	p.arg[2] = 3;
	dsb_decode_packet(&p, out, sizeof(out));
	ck_assert_str_eq(out, "[12] WAIT dep 2 >= 10 job 3 mac 0123456789abcdef");
	ck_assert_int_eq(dsb_packet_check(&p), 0);
	p.flags = 1;
	ck_assert_int_eq(dsb_packet_check(&p), -EINVAL);
	ck_assert_int_eq(dsb_decode_packet(&p, out, sizeof(out)), -EINVAL);
	p.flags = 0;
	p.op = DRM_DSB_PKT_NOP;
	ck_assert_int_eq(dsb_packet_check(&p), 0);
	ck_assert_int_gt(dsb_decode_packet(&p, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "[12] NOP mac 0123456789abcdef");
	p.op = 9;
	ck_assert_int_eq(dsb_decode_packet(&p, out, sizeof(out)), -EINVAL);
	ck_assert_str_eq(out, "[12] INVALID op 0x9 mac 0123456789abcdef <bad>");
	ck_assert_str_eq(dsb_fault_name(DRM_DSB_FAULT_TAMPER), "tamper");
	ck_assert_str_eq(dsb_fault_name(1000), "unknown");
}
END_TEST

START_TEST(test_uring_prep)
{
	struct io_uring_sqe sqe;
	struct drm_dsb_uring_cmd cmd;

	memset(&sqe, 0xff, sizeof(sqe));
	dsb_uring_prep_submit(&sqe, 5, 3, 17);
	ck_assert_uint_eq(sqe.opcode, IORING_OP_URING_CMD);
	ck_assert_int_eq(sqe.fd, 5);
	ck_assert_uint_eq(sqe.cmd_op, DRM_DSB_URING_SUBMIT);
	ck_assert_uint_eq(sqe.flags, 0);
	ck_assert_uint_eq(sqe.user_data, 0);
	memcpy(&cmd, (char *)&sqe + 48, sizeof(cmd));
	ck_assert_uint_eq(cmd.id, 3);
	ck_assert_uint_eq(cmd.arg, 17);
	ck_assert_uint_eq(cmd.value, 0);

	dsb_uring_prep_wait_seqno(&sqe, 5, 3, 1ull << 40);
	ck_assert_uint_eq(sqe.cmd_op, DRM_DSB_URING_WAIT_SEQNO);
	memcpy(&cmd, (char *)&sqe + 48, sizeof(cmd));
	ck_assert_uint_eq(cmd.id, 3);
	ck_assert_uint_eq(cmd.arg, 0);
	ck_assert_uint_eq(cmd.value, 1ull << 40);

	dsb_uring_prep_wait_syncobj(&sqe, 6, 9, 0);
	ck_assert_uint_eq(sqe.cmd_op, DRM_DSB_URING_WAIT_SYNCOBJ);
	ck_assert_int_eq(sqe.fd, 6);
	memcpy(&cmd, (char *)&sqe + 48, sizeof(cmd));
	ck_assert_uint_eq(cmd.id, 9);
	ck_assert_uint_eq(cmd.value, 0);

	memset(&sqe, 0xff, sizeof(sqe));
	dsb_uring_prep_fence_to_fd(&sqe, 7, 4, 1ull << 33, DRM_DSB_FENCE_TO_SYNC_FILE);
	ck_assert_uint_eq(sqe.opcode, IORING_OP_URING_CMD);
	ck_assert_uint_eq(sqe.cmd_op, DRM_DSB_URING_FENCE_TO_FD);
	ck_assert_int_eq(sqe.fd, 7);
	ck_assert_uint_eq(sqe.flags, 0);
	ck_assert_uint_eq(sqe.user_data, 0);
	memcpy(&cmd, (char *)&sqe + 48, sizeof(cmd));
	ck_assert_uint_eq(cmd.id, 4);
	ck_assert_uint_eq(cmd.arg, DRM_DSB_FENCE_TO_SYNC_FILE);
	ck_assert_uint_eq(cmd.value, 1ull << 33);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("lib_isa");
	TCase *tc = tcase_create("isa");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_encoders);
	tcase_add_test(tc, test_encoder_full);
	tcase_add_test(tc, test_instr_check);
	tcase_add_test(tc, test_decode_instr);
	tcase_add_test(tc, test_decode_packet);
	tcase_add_test(tc, test_uring_prep);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
