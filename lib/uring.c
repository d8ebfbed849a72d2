// SPDX-License-Identifier: MIT
/* Copyright (C) 2026 The dsb authors */
/*
 * io_uring backend: dsb commands as IORING_OP_URING_CMD on the DRM fd.
 *
 * The dsb_uring_prep_*() helpers fill an SQE of the caller's ring, so dsb
 * submits and fence waits sit in one io_uring next to file and socket I/O.
 * A queue created with DSB_QUEUE_IO_URING uses a small private ring for
 * its own submits and blocking waits instead of ioctls.
 *
 * The command payload, struct drm_dsb_uring_cmd, fills the 16-byte command
 * area at the end of a standard 64-byte SQE (addr3 and __pad2), so the
 * ring does not need IORING_SETUP_SQE128.
 */
#include <stddef.h>
#include <stdlib.h>

#include <liburing.h>

#include "backend.h"
#include "dsb_private.h"

_Static_assert(sizeof(struct drm_dsb_uring_cmd) == 16, "uring cmd size");
_Static_assert(offsetof(struct io_uring_sqe, addr3) + 16 ==
	       sizeof(struct io_uring_sqe), "command area at SQE end");

#define DSB_URING_ENTRIES	8
/* user_data of the private ring: low byte kind, upper bits generation. */
#define DSB_URING_TAG_SUBMIT	1
#define DSB_URING_TAG_WAIT	2

static void dsb_uring_prep_cmd(struct io_uring_sqe *sqe, int fd,
			       uint32_t op, uint32_t id, uint32_t arg,
			       uint64_t value)
{
	struct drm_dsb_uring_cmd cmd = { .id = id, .arg = arg, .value = value };

	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = IORING_OP_URING_CMD;
	sqe->fd = fd;
	sqe->cmd_op = op;
	memcpy((char *)sqe + offsetof(struct io_uring_sqe, addr3), &cmd,
	       sizeof(cmd));
}

/**
 * dsb_uring_prep_submit() - consume up to @count SQ entries of a queue
 *
 * The CQE's res is the number of entries consumed, or -errno. The caller
 * must have published sq_tail (see dsb_submit()'s first half).
 */
void dsb_uring_prep_submit(struct io_uring_sqe *sqe, int drm_fd,
			   uint32_t queue_id, unsigned int count)
{
	dsb_uring_prep_cmd(sqe, drm_fd, DRM_DSB_URING_SUBMIT, queue_id, count, 0);
}

/** dsb_uring_prep_wait_seqno() - complete when job @seqno is done */
void dsb_uring_prep_wait_seqno(struct io_uring_sqe *sqe, int drm_fd,
			       uint32_t queue_id, uint64_t seqno)
{
	dsb_uring_prep_cmd(sqe, drm_fd, DRM_DSB_URING_WAIT_SEQNO, queue_id, 0,
			   seqno);
}

/** dsb_uring_prep_wait_syncobj() - complete when a syncobj point signals */
void dsb_uring_prep_wait_syncobj(struct io_uring_sqe *sqe, int drm_fd,
				 uint32_t handle, uint64_t point)
{
	dsb_uring_prep_cmd(sqe, drm_fd, DRM_DSB_URING_WAIT_SYNCOBJ, handle, 0,
			   point);
}

/**
 * dsb_uring_sqe_set_cancel_key() - give a prepared wait a cancel key
 *
 * For an SQE filled by dsb_uring_prep_wait_seqno() or
 * dsb_uring_prep_wait_syncobj(): dsb_uring_prep_cancel() with @key
 * cancels it. Needs uAPI version 9 (older kernels fail the wait, -EINVAL).
 */
void dsb_uring_sqe_set_cancel_key(struct io_uring_sqe *sqe, uint32_t key)
{
	struct drm_dsb_uring_cmd cmd;

	memcpy(&cmd, (char *)sqe + offsetof(struct io_uring_sqe, addr3), sizeof(cmd));
	cmd.arg = key;
	memcpy((char *)sqe + offsetof(struct io_uring_sqe, addr3), &cmd, sizeof(cmd));
}

/**
 * dsb_uring_prep_cancel() - cancel the file's pending waits with @key
 *
 * They complete with -ECANCELED; this command's res is how many, or
 * -ENOENT. IORING_OP_ASYNC_CANCEL cannot cancel a dsb wait.
 */
void dsb_uring_prep_cancel(struct io_uring_sqe *sqe, int drm_fd, uint32_t key)
{
	dsb_uring_prep_cmd(sqe, drm_fd, DRM_DSB_URING_CANCEL, 0, key, 0);
}

/**
 * dsb_uring_prep_fence_to_fd() - a syncobj or sync_file for job @seqno
 *
 * @what: DRM_DSB_FENCE_TO_SYNCOBJ or DRM_DSB_FENCE_TO_SYNC_FILE. The
 * CQE's res is the new syncobj handle or sync_file fd, or -errno (as
 * DRM_IOCTL_DSB_FENCE_TO_HANDLE). Needs uAPI version 12.
 */
void dsb_uring_prep_fence_to_fd(struct io_uring_sqe *sqe, int drm_fd,
				uint32_t queue_id, uint64_t seqno,
				unsigned int what)
{
	dsb_uring_prep_cmd(sqe, drm_fd, DRM_DSB_URING_FENCE_TO_FD, queue_id,
			   what, seqno);
}

/* ------------------------------------------------------------------ */

struct dsb_uring {
	struct io_uring ring;
	uint64_t gen;
};

int dsb__uring_setup(struct dsb_queue *q)
{
	struct dsb_uring *u = calloc(1, sizeof(*u));
	int ret;

	if (!u)
		return -ENOMEM;
	ret = io_uring_queue_init(DSB_URING_ENTRIES, &u->ring, 0);
	if (ret) {
		free(u);
		return ret;
	}
	q->uring = u;
	return 0;
}

void dsb__uring_teardown(struct dsb_queue *q)
{
	struct dsb_uring *u = q->uring;

	io_uring_queue_exit(&u->ring);
	free(u);
	q->uring = NULL;
}

/*
 * Put one dsb command for queue @q on the private ring and submit it:
 * the prologue of every private-ring request. Returns 0 with the CQE tag
 * to reap in *tag (kind @kind, a new generation), or -errno.
 */
static int dsb_uring_issue(struct dsb_queue *q, uint64_t kind, uint32_t op,
			   uint32_t arg, uint64_t value, uint64_t *tag)
{
	struct dsb_uring *u = q->uring;
	struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);
	int ret;

	if (!sqe) {
		/*
		 * Cannot happen: each command is submitted as soon as it is
		 * prepared, so the SQ is empty here (commands in flight,
		 * timed-out waits among them, hold no SQE).
		 */
		return -EBUSY;
	}
	dsb_uring_prep_cmd(sqe, q->fd, op, q->queue_id, arg, value);
	*tag = (++u->gen << 8) | kind;
	sqe->user_data = *tag;
	ret = io_uring_submit(&u->ring);
	return ret < 0 ? ret : 0;
}

/* Reap CQEs until the one tagged @tag; stale CQEs are dropped. */
static int dsb_uring_reap(struct dsb_uring *u, uint64_t tag,
			  struct __kernel_timespec *ts, int32_t *res)
{
	for (;;) {
		struct io_uring_cqe *cqe;
		uint64_t ud;
		int ret;

		if (ts)
			ret = io_uring_wait_cqe_timeout(&u->ring, &cqe, ts);
		else
			ret = io_uring_wait_cqe(&u->ring, &cqe);
		if (ret == -EINTR)
			continue;
		if (ret)
			return ret;
		ud = cqe->user_data;
		*res = cqe->res;
		io_uring_cqe_seen(&u->ring, cqe);
		if (ud == tag)
			return 0;
	}
}

int dsb__uring_submit(struct dsb_queue *q, unsigned int count, void *arg)
{
	uint64_t tag;
	int32_t res = 0;
	int ret;

	(void)arg;
	ret = dsb_uring_issue(q, DSB_URING_TAG_SUBMIT, DRM_DSB_URING_SUBMIT,
			      count, 0, &tag);
	if (ret)
		return ret;
	ret = dsb_uring_reap(q->uring, tag, NULL, &res);
	return ret ? ret : res;
}

/* Errors of the request itself, as opposed to a job's completion status. */
static bool dsb_uring_request_error(int res)
{
	switch (res) {
	case -EINVAL: case -ENOENT: case -EBADF: case -EOPNOTSUPP:
	case -ENOTTY: case -EFAULT: case -ENOMEM: case -EAGAIN:
		return true;
	default:
		return false;
	}
}

int dsb__uring_wait(struct dsb_queue *q, uint64_t seqno, int64_t deadline_ns,
		    int32_t *error, void *arg)
{
	struct __kernel_timespec ts, *tsp = NULL;
	uint64_t tag;
	int32_t res = 0;
	int ret;

	(void)arg;
	ret = dsb_uring_issue(q, DSB_URING_TAG_WAIT, DRM_DSB_URING_WAIT_SEQNO,
			      0, seqno, &tag);
	if (ret)
		return ret;

	if (deadline_ns != DSB_TIMEOUT_INFINITE) {
		int64_t rel = deadline_ns - dsb_now_ns();

		if (rel < 0)
			rel = 0;
		ts.tv_sec = rel / 1000000000ll;
		ts.tv_nsec = rel % 1000000000ll;
		tsp = &ts;
	}
	ret = dsb_uring_reap(q->uring, tag, tsp, &res);
	if (ret) {
		/*
		 * On -ETIME the wait stays in flight: a uring_cmd cannot be
		 * cancelled by IORING_OP_ASYNC_CANCEL. It completes in finite
		 * time (its fence does), and dsb_uring_reap() drops its CQE
		 * as stale when it comes.
		 */
		return ret;
	}
	if (res < 0 && dsb_uring_request_error(res))
		return res;
	if (error)
		*error = res < 0 ? res : 0;
	return 0;
}
