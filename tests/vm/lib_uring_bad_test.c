// SPDX-License-Identifier: MIT
/* Copyright (C) 2026 The dsb authors */
/*
 * dsb through io_uring (VM, 6.1 and 6.12), bad commands: unknown or
 * misencoded cmd_ops, bad queues, seqnos, syncobjs and MBZ fields, a
 * CANCEL with nothing to cancel, a dsb
 * command on a file that is not a dsb node, and bad dsb SQEs consumed by
 * SUBMIT each complete with the exact errno of kmod/dsb_uring.c, and leave
 * the queue working.
 */
#define _GNU_SOURCE
#include "lib_uring.h"

/* A raw dsb uring_cmd: any cmd_op and payload. */
static void prep_raw(struct io_uring_sqe *sqe, int fd, uint32_t op,
		     uint32_t id, uint32_t arg, uint64_t value)
{
	struct drm_dsb_uring_cmd cmd = { .id = id, .arg = arg, .value = value };
	uint64_t ud = sqe->user_data;

	dsb_uring_prep_submit(sqe, fd, 0, 0);
	sqe->cmd_op = op;
	memcpy(&sqe->addr3, &cmd, sizeof(cmd));
	sqe->user_data = ud;
}

START_TEST(test_bad_commands)
{
	const uint32_t S = DRM_DSB_URING_SUBMIT, W = DRM_DSB_URING_WAIT_SEQNO,
		       Y = DRM_DSB_URING_WAIT_SYNCOBJ, C = DRM_DSB_URING_CANCEL;
	struct drm_dsb_sqe *dsqe;
	struct drm_dsb_cqe *dcqe;
	struct io_uring ring;
	uint32_t so_empty, so_tl;
	uint64_t ud;
	int32_t res;
	unsigned int i;
	int tfd;
	char tmpname[] = "/tmp/dsb-uring-bad-XXXXXX";
	struct ctx c;

	ctx_init(&c, 0);
	ring_init(&ring, 32, 0);
	ck_assert_int_eq(dsb_syncobj_create(&c.dev, 0, &so_empty), 0);
	ck_assert_int_eq(dsb_syncobj_create(&c.dev, 0, &so_tl), 0);
	/* One good job, seqno 1, signals so_tl point 1. */
	ck_assert_int_eq(dsb_prep_signal_timeline(prep(&c, 0, 9, false), so_tl, 1), 0);
	ck_assert_int_eq(dsb_submit(&c.q), 1);
	reap_dsb_cqes(&c, 1);
	tfd = mkstemp(tmpname);
	ck_assert_int_ge(tfd, 0);

	{
		const struct {
			uint32_t op, id, arg;
			uint64_t value;
			int32_t want;
			const char *what;
		} t[] = {
			{ 0x0d5b00ff, c.q.queue_id, 1, 0, -EINVAL, "unknown cmd_op" },
			{ 0x0d5b0001, c.q.queue_id, 1, 0, -EINVAL, "raw SUBMIT of uAPI 5" },
			{ _IOWR(DRM_IOCTL_BASE, DRM_DSB_URING_NR_SUBMIT, uint64_t),
			  c.q.queue_id, 1, 0, -EINVAL, "SUBMIT encoded on 8 bytes" },
			{ _IOW(DRM_IOCTL_BASE, DRM_DSB_URING_NR_SUBMIT, struct drm_dsb_uring_cmd),
			  c.q.queue_id, 1, 0, -EINVAL, "SUBMIT with the wrong direction" },
			{ 0, c.q.queue_id, 1, 0, -EINVAL, "cmd_op 0" },
			{ S, 0xdead, 1, 0, -ENOENT, "SUBMIT bad queue" },
			{ S, 0, 1, 0, -ENOENT, "SUBMIT queue 0" },
			{ S, c.q.queue_id, 0, 0, -EINVAL, "SUBMIT count 0" },
			{ S, c.q.queue_id, 1, 1, -EINVAL, "SUBMIT value MBZ" },
			{ S, c.q.queue_id, 4, 0, 0, "SUBMIT empty SQ" },
			{ W, 0xdead, 0, 1, -ENOENT, "WAIT_SEQNO bad queue" },
			{ W, c.q.queue_id, 1, 1, 0, "WAIT_SEQNO with a cancel key, retired job" },
			{ W, c.q.queue_id, 0, 0, -EINVAL, "WAIT_SEQNO seqno 0" },
			{ W, c.q.queue_id, 0, 2, -EINVAL, "WAIT_SEQNO next seqno" },
			{ W, c.q.queue_id, 0, 1000, -EINVAL, "WAIT_SEQNO never submitted" },
			{ W, c.q.queue_id, 0, ~0ull, -EINVAL, "WAIT_SEQNO ~0" },
			{ W, c.q.queue_id, 0, 1, 0, "WAIT_SEQNO retired job" },
			{ Y, 0, 0, 0, -ENOENT, "WAIT_SYNCOBJ handle 0" },
			{ Y, 0xdead, 0, 0, -ENOENT, "WAIT_SYNCOBJ bad handle" },
			{ Y, so_empty, 0, 0, -ENOENT, "WAIT_SYNCOBJ without fence" },
			{ Y, so_empty, 0, 5, -ENOENT, "WAIT_SYNCOBJ point, no fence" },
			{ Y, so_tl, 0, 2, -ENOENT, "WAIT_SYNCOBJ point not submitted" },
			{ Y, so_tl, 1, 1, 0, "WAIT_SYNCOBJ with a cancel key, signalled" },
			{ C, 1, 0, 0, -EINVAL, "CANCEL id MBZ" },
			{ C, 0, 0, 1, -EINVAL, "CANCEL value MBZ" },
			{ C, 0, 5, 0, -ENOENT, "CANCEL key without waits" },
		};
		int32_t got[sizeof(t) / sizeof(t[0]) + 1];
		const unsigned int nt = sizeof(t) / sizeof(t[0]);

		for (i = 0; i < nt; i++) {
			got[i] = 1;
			PREP(&ring, i, prep_raw, c.dev.fd, t[i].op, t[i].id,
				 t[i].arg, t[i].value);
		}
		/* A dsb command on a file that is not a dsb node. */
		got[nt] = 1;
		PREP(&ring, nt, prep_raw, tfd, W, c.q.queue_id, 0, 1);
		ck_assert_int_eq(io_uring_submit(&ring), (int)nt + 1);
		for (i = 0; i <= nt; i++) {
			reap(&ring, &ud, &res);
			ck_assert_uint_le(ud, nt);
			got[ud] = res;
		}
		for (i = 0; i < nt; i++)
			ck_assert_msg(got[i] == t[i].want, "%s: res %d, want %d",
				      t[i].what, got[i], t[i].want);
		ck_assert_msg(got[nt] == -EOPNOTSUPP,
			      "URING_CMD on a regular file: res %d, want %d",
			      got[nt], -EOPNOTSUPP);
	}

	/* A bad dsb SQE is consumed by SUBMIT and completes in the dsb CQ. */
	dsqe = prep(&c, 1, 1, false);
	dsqe->cmd_len = 7;
	ck_assert_int_eq(dsb_sq_flush(&c.q), 1);
	PREP(&ring, 100, dsb_uring_prep_submit, c.dev.fd, c.q.queue_id, 1);
	ck_assert_int_eq(run_one(&ring), 1);
	ck_assert_int_eq(dsb_wait_cqe_timeout(&c.q, &dcqe, 10 * SEC), 0);
	ck_assert_int_eq(dcqe->error, -EINVAL);
	ck_assert_uint_eq(dcqe->seqno, 0);
	ck_assert_int_eq(dsb_cqe_seen(&c.q, dcqe), 0);
	dsqe = prep(&c, 1, 1, false);
	dsqe->flags = 0x80;
	ck_assert_int_eq(dsb_sq_flush(&c.q), 1);
	PREP(&ring, 101, dsb_uring_prep_submit, c.dev.fd, c.q.queue_id, 1);
	ck_assert_int_eq(run_one(&ring), 1);
	ck_assert_int_eq(dsb_wait_cqe_timeout(&c.q, &dcqe, 10 * SEC), 0);
	ck_assert_int_eq(dcqe->error, -EINVAL);
	ck_assert_int_eq(dsb_cqe_seen(&c.q, dcqe), 0);

	/* Nothing of this hurt the queue: a good job, seqno 2. */
	prep(&c, 2, 77, false);
	ck_assert_int_eq(dsb_sq_flush(&c.q), 1);
	PREP(&ring, 102, dsb_uring_prep_submit, c.dev.fd, c.q.queue_id, 1);
	ck_assert_int_eq(run_one(&ring), 1);
	PREP(&ring, 103, dsb_uring_prep_wait_seqno, c.dev.fd, c.q.queue_id, 2);
	ck_assert_int_eq(run_one(&ring), 0);
	ck_assert_uint_eq(c.words[2], 77);
	reap_dsb_cqes(&c, 1);

	close(tfd);
	unlink(tmpname);
	dsb_syncobj_destroy(&c.dev, so_tl);
	dsb_syncobj_destroy(&c.dev, so_empty);
	io_uring_queue_exit(&ring);
	ctx_fini(&c);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("lib_uring_bad");
	TCase *tc = tcase_new(s, "uring", dsb_test_debug_kernel() ? 600 : 120);

	tcase_add_test(tc, test_bad_commands);
	return vm_run(s, VM_SKIP_WITHOUT_DEVICE);
}
