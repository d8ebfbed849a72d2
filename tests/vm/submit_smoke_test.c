// SPDX-License-Identifier: MIT
/* Copyright (C) 2026 The dsb authors */
/*
 * Smallest end-to-end submission: one queue, one command buffer writing
 * memory, submit, wait, check memory and fence memory. It is also the
 * debug lane's negative control (scripts/check-debug.sh): run on the
 * DSB_NEGATIVE_CONTROL=y build of dsb.ko, whose submit path allocates
 * inside the fence-signalling section, the lane must catch that with lockdep.
 */
#define _GNU_SOURCE
#include "vm_suite.h"

START_TEST(test_write_fill_add)
{
	struct dsb_test_queue q;
	struct dsb_test_bo cmd, data;
	struct dsb_test_cmdbuf cb;
	struct drm_dsb_queue_status st;
	volatile uint64_t *d;
	uint64_t seqno = 0;
	int32_t error = -1;

	ck_assert_int_eq(dsb_test_queue_create(fd, NULL, &q), 0);
	ck_assert_uint_ne(q.id, 0);
	ck_assert_int_eq(dsb_test_bo_create(fd, PAGE, &cmd), 0);
	ck_assert_int_eq(dsb_test_bo_create(fd, PAGE, &data), 0);
	d = data.map;

	dsb_test_cmd_init(&cb, cmd.map, cmd.size);
	ck_assert_int_eq(dsb_test_cmd_write(&cb, data.va, 0x1234567890abcdefull), 0);
	ck_assert_int_eq(dsb_test_cmd_fill(&cb, data.va + 64, 0xa5a5a5a5u, 64), 0);
	ck_assert_int_eq(dsb_test_cmd_write(&cb, data.va + 8, 40), 0);
	ck_assert_int_eq(dsb_test_cmd_atomic_add(&cb, data.va + 8, 2), 0);

	ck_assert_int_eq(dsb_test_submit(fd, q.id, 0, cmd.va, dsb_test_cmd_len(&cb),
					 NULL, 0, &seqno), 0);
	ck_assert_uint_ne(seqno, 0);
	ck_assert_int_eq(dsb_test_wait(fd, q.id, seqno, WAIT_NS, &error), 0);
	ck_assert_int_eq(error, 0);

	ck_assert_uint_eq(d[0], 0x1234567890abcdefull);
	ck_assert_uint_eq(d[1], 42);
	for (int i = 8; i < 16; i++)
		ck_assert_uint_eq(d[i], 0xa5a5a5a5a5a5a5a5ull);
	ck_assert_uint_eq(d[16], 0);

	/* Completion is visible in fence memory without a syscall. */
	ck_assert_uint_ge(dsb_test_fence_slot(&q, 0)->seqno, seqno);
	ck_assert_int_eq(dsb_test_fence_slot(&q, 0)->error, 0);
	ck_assert_uint_ge(q.fences->completed, seqno);

	ck_assert_int_eq(dsb_test_queue_status(fd, q.id, &st), 0);
	ck_assert_uint_eq(st.state, DRM_DSB_QUEUE_ACTIVE);
	ck_assert_uint_eq(st.fault, DRM_DSB_FAULT_NONE);
	ck_assert_uint_ge(st.submitted, seqno);
	ck_assert_uint_ge(st.completed, seqno);

	ck_assert_int_eq(dsb_test_queue_destroy(fd, &q), 0);
	ck_assert_int_eq(dsb_test_bo_destroy(fd, &cmd), 0);
	ck_assert_int_eq(dsb_test_bo_destroy(fd, &data), 0);
}
END_TEST

/* A run of jobs on rotating slots completes in order. */
START_TEST(test_many_jobs)
{
	struct dsb_test_queue q;
	struct dsb_test_bo cmd, data;
	struct dsb_test_cmdbuf cb;
	volatile uint64_t *d;
	uint64_t seqno = 0, last = 0, on_slot[8] = { 0 };
	int32_t error = -1;

	ck_assert_int_eq(dsb_test_queue_create(fd, NULL, &q), 0);
	ck_assert_int_eq(dsb_test_bo_create(fd, PAGE, &cmd), 0);
	ck_assert_int_eq(dsb_test_bo_create(fd, PAGE, &data), 0);
	d = data.map;
	dsb_test_cmd_init(&cb, cmd.map, cmd.size);
	ck_assert_int_eq(dsb_test_cmd_atomic_add(&cb, data.va, 1), 0);

	for (uint32_t i = 0; i < 32; i++) {
		/* Slots are reused only once their previous job is done. */
		if (on_slot[i % 8])
			ck_assert_int_eq(dsb_test_wait(fd, q.id, on_slot[i % 8],
						       WAIT_NS, &error), 0);
		ck_assert_int_eq(dsb_test_submit(fd, q.id, i % 8, cmd.va,
						 dsb_test_cmd_len(&cb), NULL, 0,
						 &seqno), 0);
		ck_assert_uint_gt(seqno, last);
		last = seqno;
		on_slot[i % 8] = seqno;
	}
	ck_assert_int_eq(dsb_test_wait(fd, q.id, last, WAIT_NS, &error), 0);
	ck_assert_int_eq(error, 0);
	ck_assert_uint_eq(d[0], 32);

	ck_assert_int_eq(dsb_test_queue_destroy(fd, &q), 0);
	ck_assert_int_eq(dsb_test_bo_destroy(fd, &cmd), 0);
	ck_assert_int_eq(dsb_test_bo_destroy(fd, &data), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("submit_smoke");
	TCase *tc = tcase_new(s, "submit", VM_CK_DEFAULT_TIMEOUT);

	vm_fixture(tc, NULL);
	tcase_add_test(tc, test_write_fill_add);
	tcase_add_test(tc, test_many_jobs);
	return vm_run(s, VM_SKIP_WITHOUT_DEVICE);
}
