// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Copyright (C) 2026 The dsb authors */
/**
 * DOC: io_uring commands
 *
 * ``IORING_OP_URING_CMD`` on the dsb render node, in the standard 64-byte
 * SQE (&struct drm_dsb_uring_cmd fits the 16-byte command area):
 *
 * - %DRM_DSB_URING_SUBMIT consumes SQ entries of a queue through the same
 *   path as %DRM_IOCTL_DSB_QUEUE_SUBMIT_SQ and completes at once with the
 *   number consumed (or a negative errno). Issued inline, it does not wait
 *   for the queue's locks (see dsb_uring_submit()).
 * - %DRM_DSB_URING_WAIT_SEQNO and %DRM_DSB_URING_WAIT_SYNCOBJ complete
 *   when a fence signals, with the fence's status as result. No thread
 *   waits: the request's own inline storage (pdu) holds the fence
 *   callback, which queues task work that posts the CQE. A fence that is
 *   already signalled completes the request inline. The fence must exist
 *   when the command is issued (-ENOENT otherwise), so every wait ends in
 *   finite time: dsb fences through the watchdog, foreign fences by their
 *   own rules.
 *
 * Where the kernel supports cancelable commands (6.12), a wait pending
 * when its io_uring is torn down completes with -ECANCELED at once; on
 * older kernels the teardown waits for the fence.
 */
#include <linux/dma-fence.h>
#include <linux/dma-fence-chain.h>
#include <drm/drm_file.h>
#include <drm/drm_syncobj.h>

#include "dsb_compat.h"
#include "dsb_queue.h"
#include "dsb_submit.h"
#include "dsb_uring.h"

/* Lives in io_uring_cmd::pdu: nothing is allocated per wait. */
struct dsb_uring_wait {
	struct dma_fence_cb cb;
	struct dma_fence *fence;
};

static struct dsb_uring_wait *dsb_uring_pdu(struct io_uring_cmd *cmd)
{
	BUILD_BUG_ON(sizeof(struct dsb_uring_wait) > sizeof_field(struct io_uring_cmd, pdu));
	return (struct dsb_uring_wait *)cmd->pdu;
}

static void dsb_uring_wait_done(struct io_uring_cmd *cmd, unsigned int issue_flags)
{
	struct dsb_uring_wait *w = dsb_uring_pdu(cmd);
	int res = w->fence->error;

	dma_fence_put(w->fence);
	io_uring_cmd_done(cmd, res, 0, issue_flags);
}

/* Fence callback, any context: hand the completion to the task. */
static void dsb_uring_wait_cb(struct dma_fence *fence, struct dma_fence_cb *cb)
{
	struct dsb_uring_wait *w = container_of(cb, struct dsb_uring_wait, cb);
	struct io_uring_cmd *cmd = container_of((u8 *)w, struct io_uring_cmd, pdu[0]);

	io_uring_cmd_complete_in_task(cmd, dsb_uring_wait_done);
}

/* Arm a wait on @fence (reference consumed). */
static int dsb_uring_wait_fence(struct io_uring_cmd *cmd, struct dma_fence *fence,
				unsigned int issue_flags)
{
	struct dsb_uring_wait *w = dsb_uring_pdu(cmd);
	int res;

	w->fence = fence;
	/*
	 * Marked before the callback can run; a command marked cancelable must
	 * then complete through io_uring_cmd_done(), never inline.
	 */
	dsb_uring_cmd_mark_cancelable(cmd, issue_flags);
	if (!dma_fence_add_callback(fence, &w->cb, dsb_uring_wait_cb))
		return -EIOCBQUEUED;
	/* Already signalled. */
	res = fence->error;
	w->fence = NULL;
	dma_fence_put(fence);
	io_uring_cmd_done(cmd, res, 0, issue_flags);
	return -EIOCBQUEUED;
}

/* Teardown of the io_uring: complete the wait now if its callback is still armed. */
static int dsb_uring_cancel(struct io_uring_cmd *cmd, unsigned int issue_flags)
{
	struct dsb_uring_wait *w = dsb_uring_pdu(cmd);

	if (w->fence && dma_fence_remove_callback(w->fence, &w->cb)) {
		dma_fence_put(w->fence);
		io_uring_cmd_done(cmd, -ECANCELED, 0, issue_flags);
	}
	return 0;
}

static int dsb_uring_wait_seqno(struct drm_file *file, const struct drm_dsb_uring_cmd *c,
				struct io_uring_cmd *cmd, unsigned int issue_flags)
{
	struct dma_fence *fence;
	struct dsb_user_queue *q;
	s32 error = 0;
	int ret;

	if (c->arg)
		return -EINVAL;
	q = dsb_queue_lookup(file->driver_priv, c->id);
	if (!q)
		return -ENOENT;
	ret = dsb_queue_seqno_fence(q, c->value, &fence, &error);
	dsb_queue_put(q);
	if (ret)
		return ret;
	if (!fence)
		return error;
	return dsb_uring_wait_fence(cmd, fence, issue_flags);
}

static int dsb_uring_wait_syncobj(struct drm_file *file, const struct drm_dsb_uring_cmd *c,
				  struct io_uring_cmd *cmd, unsigned int issue_flags)
{
	struct dma_fence *fence, *point;

	if (c->arg)
		return -EINVAL;
	if (drm_syncobj_find_fence(file, c->id, c->value, 0, &point))
		return -ENOENT;
	/* Wait on the job's fence, not the timeline's chain node: its status. */
	fence = dma_fence_get(dma_fence_chain_contained(point));
	dma_fence_put(point);
	return dsb_uring_wait_fence(cmd, fence, issue_flags);
}

/*
 * Issued inline (IO_URING_F_NONBLOCK), the SQ path only trylocks the
 * queue's SQ and submit locks: -EAGAIN makes io_uring issue the command
 * again from a worker, where it may block. Memory is still allocated with
 * GFP_KERNEL, as io_uring's own inline issue does.
 */
static int dsb_uring_submit(struct drm_file *file, const struct drm_dsb_uring_cmd *c,
			    unsigned int issue_flags)
{
	struct dsb_user_queue *q;
	u32 submitted = 0;
	u64 last;
	int ret;

	if (!c->arg || c->value)
		return -EINVAL;
	q = dsb_queue_lookup(file->driver_priv, c->id);
	if (!q)
		return -ENOENT;
	ret = dsb_queue_submit_sq(file, q, c->arg, issue_flags & IO_URING_F_NONBLOCK,
				  &submitted, &last);
	dsb_queue_put(q);
	return ret ?: submitted;
}

/**
 * dsb_uring_cmd() - file_operations.uring_cmd of the dsb render node
 * @cmd: the command
 * @issue_flags: io_uring issue flags
 *
 * The command area is read once into a local before anything else.
 *
 * Return: a result to post now, or -EIOCBQUEUED when the command will
 * complete later through io_uring_cmd_done().
 */
int dsb_uring_cmd(struct io_uring_cmd *cmd, unsigned int issue_flags)
{
	struct drm_file *file = cmd->file->private_data;
	struct drm_dsb_uring_cmd c;
	int ret;

	if (dsb_uring_is_cancel(issue_flags))
		return dsb_uring_cancel(cmd, issue_flags);

	memcpy(&c, dsb_uring_cmd_payload(cmd), sizeof(c));
	dsb_uring_pdu(cmd)->fence = NULL;
	switch (READ_ONCE(cmd->cmd_op)) {
	case DRM_DSB_URING_SUBMIT:
		ret = dsb_uring_submit(file, &c, issue_flags);
		/* Not a result: io_uring retries the command from a worker. */
		if (ret == -EAGAIN && issue_flags & IO_URING_F_NONBLOCK) {
			atomic64_inc(&to_dsb_device(file->minor->dev)->stats.uring_retries);
			return -EAGAIN;
		}
		break;
	case DRM_DSB_URING_WAIT_SEQNO:
		ret = dsb_uring_wait_seqno(file, &c, cmd, issue_flags);
		break;
	case DRM_DSB_URING_WAIT_SYNCOBJ:
		ret = dsb_uring_wait_syncobj(file, &c, cmd, issue_flags);
		break;
	default:
		ret = -EINVAL;
		break;
	}
	if (ret == -EIOCBQUEUED)
		return ret;
	/*
	 * Post every immediate result through io_uring_cmd_done(): some
	 * kernels (Debian's 6.1) take a positive return value from
	 * ->uring_cmd() for a failure and cancel the linked requests.
	 */
	io_uring_cmd_done(cmd, ret, 0, issue_flags);
	return -EIOCBQUEUED;
}
