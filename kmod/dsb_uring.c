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
 *   waits: a fence callback in the wait's &struct dsb_uring_wait (see
 *   below) claims the wait and queues task work that posts the CQE. A
 *   fence that is already signalled completes the request inline. The fence must exist
 *   when the command is issued (-ENOENT otherwise), so every wait ends in
 *   finite time: dsb fences through the watchdog, foreign fences by their
 *   own rules.
 *
 * Outstanding waits are bounded per file by %DSB_MAX_URING_WAITS
 * (%DRM_DSB_PARAM_MAX_URING_WAITS): one more fails with -EBUSY. Each holds
 * a small &struct dsb_uring_wait (the pdu keeps a pointer to it), on the
 * file's list of waits, and keeps io_uring's request alive: both are
 * charged to the file's user (%DSB_URING_WAIT_CHARGE; -EDQUOT beyond the
 * limit).
 *
 * Cancelling. %DRM_DSB_URING_CANCEL completes every pending wait of the
 * file whose cancel key (&drm_dsb_uring_cmd.arg of the wait) matches with
 * -ECANCELED, on every kernel. ``IORING_OP_ASYNC_CANCEL`` cannot reach a
 * uring_cmd on any kernel dsb builds for: io_try_cancel() looks only in
 * io-wq and the poll, waitid, futex and timeout lists, so it returns
 * -ENOENT and the wait stays. Where the kernel supports cancelable commands
 * (6.7 and later, so 6.12) a wait pending when its io_uring is torn down is
 * called with ``IO_URING_F_CANCEL`` and completes with -ECANCELED at once;
 * on older kernels (6.1) the teardown waits for the fence.
 *
 * Ownership: the fence callback, a cancel and the teardown race for a
 * wait; the one that takes it off the file's list under
 * &dsb_file.uring_lock (or, for a fence that signals while the wait is
 * being armed, the arming path) posts its CQE and frees it.
 */
#include <linux/dma-fence.h>
#include <linux/dma-fence-chain.h>
#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_syncobj.h>

#include "dsb_compat.h"
#include "dsb_mem.h"
#include "dsb_queue.h"
#include "dsb_wait.h"
#include "dsb_submit.h"
#include "dsb_uring.h"

/**
 * enum dsb_uring_wait_state - who owns a pending wait
 * @DSB_URING_WAIT_ARMING: its fence callback is being added; not listed
 * @DSB_URING_WAIT_FIRED: the fence signalled while arming: the arming
 *                        path completes it
 * @DSB_URING_WAIT_LISTED: armed, on its file's list: the fence callback or
 *                         a cancel may claim it
 * @DSB_URING_WAIT_CLAIMED: off the list; whoever claimed it completes it
 *
 * Transitions happen under &dsb_file.uring_lock. Exactly one party posts
 * the CQE of a wait and frees it.
 */
enum dsb_uring_wait_state {
	DSB_URING_WAIT_ARMING,
	DSB_URING_WAIT_FIRED,
	DSB_URING_WAIT_LISTED,
	DSB_URING_WAIT_CLAIMED,
};

/**
 * struct dsb_uring_wait - one pending WAIT_SEQNO or WAIT_SYNCOBJ
 * @cb: the fence callback
 * @fence: the fence waited for (reference)
 * @cmd: the io_uring command
 * @df: the file the command was issued on
 * @link: in &dsb_file.uring_waits while %DSB_URING_WAIT_LISTED
 * @key: the cancel key (&drm_dsb_uring_cmd.arg)
 * @state: &enum dsb_uring_wait_state, under &dsb_file.uring_lock
 * @res: the result to post, set by whoever claimed the wait
 *
 * Allocated per wait (the command's pdu is too small for the list link),
 * charged to the file's user and counted against %DSB_MAX_URING_WAITS.
 */
struct dsb_uring_wait {
	struct dma_fence_cb cb;
	struct dma_fence *fence;
	struct io_uring_cmd *cmd;
	struct dsb_file *df;
	struct list_head link;
	u32 key;
	int state;
	int res;
};

/* io_uring_cmd::pdu: the wait, NULL when none (under dsb_file.uring_lock). */
struct dsb_uring_pdu {
	struct dsb_uring_wait *wait;
};

static struct dsb_uring_pdu *dsb_uring_pdu(struct io_uring_cmd *cmd)
{
	BUILD_BUG_ON(sizeof(struct dsb_uring_pdu) > sizeof_field(struct io_uring_cmd, pdu));
	return (struct dsb_uring_pdu *)cmd->pdu;
}

static struct dsb_file *dsb_uring_file(struct io_uring_cmd *cmd)
{
	struct drm_file *file = cmd->file->private_data;

	return file->driver_priv;
}

/*
 * What io_uring holds for a request dsb keeps pending: its request
 * (struct io_kiocb, private to io_uring) and the command's copy of its SQE.
 * Measured as the slab growth per pending wait minus dsb's own part: about
 * 260 B on 6.1 and 390 B on 6.12 (memlimit_test checks the whole charge
 * against the slab growth it sees).
 */
#define DSB_URING_REQ_COST	512
/* A pending wait costs its &struct dsb_uring_wait and io_uring's request. */
#define DSB_URING_WAIT_CHARGE	(dsb_mem_kmalloc_size(sizeof(struct dsb_uring_wait)) + \
				 DSB_URING_REQ_COST)

/* Unhook @w from its command and free it; it no longer counts. */
static void dsb_uring_wait_free(struct dsb_uring_wait *w)
{
	struct dsb_file *df = w->df;
	unsigned long flags;

	spin_lock_irqsave(&df->uring_lock, flags);
	dsb_uring_pdu(w->cmd)->wait = NULL;
	spin_unlock_irqrestore(&df->uring_lock, flags);
	dma_fence_put(w->fence);
	atomic_dec(&df->ddev->stats.live_uring_waits);
	atomic_dec(&df->uring_nwaits);
	kfree(w);
	dsb_mem_uncharge(df->mem, DSB_URING_WAIT_CHARGE);
}

/* Task work of a claimed wait: free it, then post its result. */
static void dsb_uring_wait_done(struct io_uring_cmd *cmd, unsigned int issue_flags)
{
	struct dsb_uring_wait *w = dsb_uring_pdu(cmd)->wait;
	int res = w->res;

	/* Freed first: a waiter who sees the CQE finds the slot free. */
	dsb_uring_wait_free(w);
	io_uring_cmd_done(cmd, res, 0, issue_flags);
}

/* Fence callback, any context: claim the wait and hand it to the task. */
static void dsb_uring_wait_cb(struct dma_fence *fence, struct dma_fence_cb *cb)
{
	struct dsb_uring_wait *w = container_of(cb, struct dsb_uring_wait, cb);
	struct dsb_file *df = w->df;
	unsigned long flags;
	bool claimed = false;

	spin_lock_irqsave(&df->uring_lock, flags);
	if (w->state == DSB_URING_WAIT_LISTED) {
		list_del_init(&w->link);
		w->state = DSB_URING_WAIT_CLAIMED;
		w->res = fence->error;
		claimed = true;
	} else if (w->state == DSB_URING_WAIT_ARMING) {
		w->state = DSB_URING_WAIT_FIRED;
	}
	spin_unlock_irqrestore(&df->uring_lock, flags);
	/* Unclaimed, @w may be gone already: not touched again. */
	if (claimed)
		io_uring_cmd_complete_in_task(w->cmd, dsb_uring_wait_done);
}

/* Arm a wait on @fence (reference consumed) with cancel key @key. */
static int dsb_uring_wait_fence(struct io_uring_cmd *cmd, struct dma_fence *fence,
				u32 key, unsigned int issue_flags)
{
	struct dsb_file *df = dsb_uring_file(cmd);
	struct dsb_uring_wait *w;
	unsigned long flags;
	bool fired;
	int res;

	if (dma_fence_is_signaled(fence)) {
		res = fence->error;
		dma_fence_put(fence);
		return res;
	}
	if (!atomic_add_unless(&df->uring_nwaits, 1, DSB_MAX_URING_WAITS)) {
		dma_fence_put(fence);
		return -EBUSY;
	}
	w = dsb_mem_kzalloc(df->mem, sizeof(*w), DSB_URING_WAIT_CHARGE);
	if (IS_ERR(w)) {
		atomic_dec(&df->uring_nwaits);
		dma_fence_put(fence);
		return PTR_ERR(w);
	}
	atomic_inc(&df->ddev->stats.live_uring_waits);
	w->fence = fence;
	w->cmd = cmd;
	w->df = df;
	w->key = key;
	w->state = DSB_URING_WAIT_ARMING;
	INIT_LIST_HEAD(&w->link);
	INIT_LIST_HEAD(&w->cb.node);
	spin_lock_irqsave(&df->uring_lock, flags);
	dsb_uring_pdu(cmd)->wait = w;
	spin_unlock_irqrestore(&df->uring_lock, flags);
	/*
	 * Marked before the callback can run; a command marked cancelable must
	 * then complete through io_uring_cmd_done(), never inline.
	 */
	dsb_uring_cmd_mark_cancelable(cmd, issue_flags);
	if (dma_fence_add_callback(fence, &w->cb, dsb_uring_wait_cb)) {
		fired = true;
	} else {
		spin_lock_irqsave(&df->uring_lock, flags);
		fired = w->state == DSB_URING_WAIT_FIRED;
		if (!fired) {
			w->state = DSB_URING_WAIT_LISTED;
			list_add_tail(&w->link, &df->uring_waits);
		}
		spin_unlock_irqrestore(&df->uring_lock, flags);
	}
	if (fired) {
		res = fence->error;
		dsb_uring_wait_free(w);
		io_uring_cmd_done(cmd, res, 0, issue_flags);
	}
	return -EIOCBQUEUED;
}

/*
 * Claimed by a cancel: once dma_fence_remove_callback() returns, the
 * callback is either removed or has run (under the fence's lock) and
 * found the wait claimed.
 */
static void dsb_uring_wait_cancel_claimed(struct dsb_uring_wait *w)
{
	dma_fence_remove_callback(w->fence, &w->cb);
	w->res = -ECANCELED;
}

/* Teardown of the io_uring (6.12): complete the wait now if still pending. */
static int dsb_uring_cancel(struct io_uring_cmd *cmd, unsigned int issue_flags)
{
	struct dsb_file *df = dsb_uring_file(cmd);
	struct dsb_uring_wait *w;
	unsigned long flags;

	spin_lock_irqsave(&df->uring_lock, flags);
	w = dsb_uring_pdu(cmd)->wait;
	if (w && w->state == DSB_URING_WAIT_LISTED) {
		list_del_init(&w->link);
		w->state = DSB_URING_WAIT_CLAIMED;
	} else {
		w = NULL;
	}
	spin_unlock_irqrestore(&df->uring_lock, flags);
	if (!w)
		return 0;
	dsb_uring_wait_cancel_claimed(w);
	atomic64_inc(&df->ddev->stats.uring_cancels);
	dsb_uring_wait_free(w);
	io_uring_cmd_done(cmd, -ECANCELED, 0, issue_flags);
	return 0;
}

/*
 * DRM_DSB_URING_CANCEL: every pending wait of the file with cancel key
 * @c->arg completes with -ECANCELED, from its own task's task work.
 */
static int dsb_uring_cancel_key(struct dsb_file *df, const struct drm_dsb_uring_cmd *c)
{
	struct dsb_uring_wait *w, *tmp;
	unsigned long flags;
	LIST_HEAD(claimed);
	int n = 0;

	if (c->id || c->value)
		return -EINVAL;
	spin_lock_irqsave(&df->uring_lock, flags);
	list_for_each_entry_safe(w, tmp, &df->uring_waits, link) {
		if (w->key != c->arg)
			continue;
		list_move_tail(&w->link, &claimed);
		w->state = DSB_URING_WAIT_CLAIMED;
		n++;
	}
	spin_unlock_irqrestore(&df->uring_lock, flags);
	list_for_each_entry_safe(w, tmp, &claimed, link) {
		list_del_init(&w->link);
		dsb_uring_wait_cancel_claimed(w);
		io_uring_cmd_complete_in_task(w->cmd, dsb_uring_wait_done);
	}
	atomic64_add(n, &df->ddev->stats.uring_cancels);
	return n ?: -ENOENT;
}

static int dsb_uring_wait_seqno(struct drm_file *file, const struct drm_dsb_uring_cmd *c,
				struct io_uring_cmd *cmd, unsigned int issue_flags)
{
	struct dma_fence *fence;
	int ret;

	/* The job's fence, made on demand; none for a job that succeeded. */
	ret = dsb_file_job_fence(file->driver_priv, c->id, c->value, true, &fence);
	if (ret || !fence)
		return ret;
	return dsb_uring_wait_fence(cmd, fence, c->arg, issue_flags);
}

/* DRM_DSB_URING_FENCE_TO_FD: as DRM_IOCTL_DSB_FENCE_TO_HANDLE; res = handle or fd. */
static int dsb_uring_fence_to_fd(struct drm_file *file, const struct drm_dsb_uring_cmd *c)
{
	u32 handle;
	int ret;

	ret = dsb_job_fence_to_handle(file, c->id, c->value, c->arg, &handle);
	return ret ?: (int)handle;
}

static int dsb_uring_wait_syncobj(struct drm_file *file, const struct drm_dsb_uring_cmd *c,
				  struct io_uring_cmd *cmd, unsigned int issue_flags)
{
	struct dma_fence *fence, *point;

	if (drm_syncobj_find_fence(file, c->id, c->value, 0, &point))
		return -ENOENT;
	/* Wait on the job's fence, not the timeline's chain node: its status. */
	fence = dma_fence_get(dma_fence_chain_contained(point));
	dma_fence_put(point);
	return dsb_uring_wait_fence(cmd, fence, c->arg, issue_flags);
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
	dsb_uring_pdu(cmd)->wait = NULL;
	/* As drm_ioctl() answers once the driver was unbound. */
	if (drm_dev_is_unplugged(file->minor->dev)) {
		io_uring_cmd_done(cmd, -ENODEV, 0, issue_flags);
		return -EIOCBQUEUED;
	}
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
	case DRM_DSB_URING_CANCEL:
		ret = dsb_uring_cancel_key(file->driver_priv, &c);
		break;
	case DRM_DSB_URING_FENCE_TO_FD:
		ret = dsb_uring_fence_to_fd(file, &c);
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
