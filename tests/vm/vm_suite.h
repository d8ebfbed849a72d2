/* SPDX-License-Identifier: MIT */
/* Copyright (C) 2026 The dsb authors */
/*
 * Small shared pieces of the VM suites submit_test, deps_test, stress_test,
 * adversarial_test, fuzz_test and teardown_test: an arena of command
 * buffers in one BO, one-call submit/wait wrappers that assert, syncobj
 * sync-op builders, and a main() runner with a TCG-friendly timeout.
 */
#ifndef DSB_VM_SUITE_H
#define DSB_VM_SUITE_H

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xf86drm.h>

#include "helpers.h"

#define PAGE 4096u
#define SEC_NS (1000ll * 1000 * 1000)
#define MS_NS (1000ll * 1000)
#define WAIT_NS (30 * SEC_NS)

/* An arena of command buffers: @n buffers of CMD_BYTES in one BO. */
#define CMD_BYTES 512u

struct arena {
	struct dsb_test_bo bo;
	uint32_t next;
	uint32_t n;
};

static inline void arena_init(int fd, struct arena *a, uint32_t n)
{
	ck_assert_int_eq(dsb_test_bo_create(fd, (uint64_t)n * CMD_BYTES, &a->bo), 0);
	a->next = 0;
	a->n = n;
}

/* Start a new command buffer in the arena (wraps around). */
static inline uint64_t arena_cmd(struct arena *a, struct dsb_test_cmdbuf *cb)
{
	uint32_t i = a->next++ % a->n;

	dsb_test_cmd_init(cb, (char *)a->bo.map + (size_t)i * CMD_BYTES, CMD_BYTES);
	return a->bo.va + (uint64_t)i * CMD_BYTES;
}

static inline uint64_t submit_ok(int fd, uint32_t qid, uint32_t slot,
				 uint64_t va, const struct dsb_test_cmdbuf *cb,
				 const struct drm_dsb_sync_op *syncs, uint32_t n)
{
	uint64_t seqno = 0;
	int ret = dsb_test_submit(fd, qid, slot, va, dsb_test_cmd_len(cb), syncs,
				  n, &seqno);

	ck_assert_msg(ret == 0, "submit queue %u slot %u: %s", qid, slot,
		      strerror(-ret));
	ck_assert_uint_ne(seqno, 0);
	return seqno;
}

/* Wait for a job; returns its error. Fails the test on a timeout. */
static inline int32_t wait_job(int fd, uint32_t qid, uint64_t seqno)
{
	int32_t err = 12345;
	int ret = dsb_test_wait(fd, qid, seqno, WAIT_NS, &err);

	ck_assert_msg(ret == 0, "wait queue %u seqno %llu: %s", qid,
		      (unsigned long long)seqno, strerror(-ret));
	ck_assert_int_ne(err, 12345);
	return err;
}

static inline struct drm_dsb_sync_op sync_wait(uint32_t handle)
{
	return (struct drm_dsb_sync_op){ .flags = DRM_DSB_SYNC_OP_WAIT |
					 DRM_DSB_SYNC_OP_SYNCOBJ, .handle = handle };
}

static inline struct drm_dsb_sync_op sync_signal(uint32_t handle)
{
	return (struct drm_dsb_sync_op){ .flags = DRM_DSB_SYNC_OP_SIGNAL |
					 DRM_DSB_SYNC_OP_SYNCOBJ, .handle = handle };
}

static inline struct drm_dsb_sync_op tl_wait(uint32_t handle, uint64_t point)
{
	return (struct drm_dsb_sync_op){ .flags = DRM_DSB_SYNC_OP_WAIT |
					 DRM_DSB_SYNC_OP_TIMELINE,
					 .handle = handle, .point = point };
}

static inline struct drm_dsb_sync_op tl_signal(uint32_t handle, uint64_t point)
{
	return (struct drm_dsb_sync_op){ .flags = DRM_DSB_SYNC_OP_SIGNAL |
					 DRM_DSB_SYNC_OP_TIMELINE,
					 .handle = handle, .point = point };
}

static inline struct drm_dsb_sync_op sf_wait(int sync_fd)
{
	return (struct drm_dsb_sync_op){ .flags = DRM_DSB_SYNC_OP_WAIT |
					 DRM_DSB_SYNC_OP_SYNC_FILE,
					 .handle = (uint32_t)sync_fd };
}

static inline uint32_t syncobj_new(int fd)
{
	uint32_t h = 0;

	ck_assert_int_eq(drmSyncobjCreate(fd, 0, &h), 0);
	return h;
}

static inline struct dsb_test_queue queue_new(int fd, uint32_t ring,
					      uint32_t slots, uint32_t timeout_ms)
{
	struct drm_dsb_queue_create c = {
		.ring_packets = ring, .fence_slots = slots, .timeout_ms = timeout_ms,
	};
	struct dsb_test_queue q;
	int ret = dsb_test_queue_create(fd, &c, &q);

	ck_assert_msg(ret == 0, "queue create: %s", strerror(-ret));
	return q;
}

static inline struct drm_dsb_queue_status status_of(int fd, uint32_t qid)
{
	struct drm_dsb_queue_status st;

	ck_assert_int_eq(dsb_test_queue_status(fd, qid, &st), 0);
	return st;
}

/* Run one suite; every TCase gets @timeout_s (Check's default is 4 s). */
static inline int run_suite(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int nf;

	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf ? EXIT_FAILURE : EXIT_SUCCESS;
}

static inline TCase *tcase_new(Suite *s, const char *name, double timeout_s)
{
	TCase *tc = tcase_create(name);

	tcase_set_timeout(tc, timeout_s);
	suite_add_tcase(s, tc);
	return tc;
}

#endif /* DSB_VM_SUITE_H */
