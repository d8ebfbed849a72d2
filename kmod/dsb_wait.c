// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Copyright (C) 2026 The dsb authors */
/**
 * DOC: Waiting for jobs
 *
 * The ioctls through which a process learns how a job of one of its queues
 * ended: %DRM_IOCTL_DSB_WAIT waits for it, on its fence if it has one,
 * else on the queue's completion (&dsb_user_queue.done_wq): it needs no
 * fence and makes none; once the job retired, its status comes from
 * dsb_queue_job_status(). %DRM_IOCTL_DSB_JOB_ERROR tells where its error
 * came from. %DRM_IOCTL_DSB_FENCE_TO_HANDLE gives the job's fence as a
 * syncobj or sync_file, made on demand (dsb_file_job_fence()). Each
 * reads the queue under the queue lock; the wait holds no lock while it
 * sleeps.
 */
#include <linux/dma-fence.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/jiffies.h>
#include <linux/string.h>
#include <linux/sync_file.h>
#include <linux/wait.h>
#include <drm/drm_syncobj.h>
#include <drm/drm_utils.h>

#include "dsb_queue.h"
#include "dsb_wait.h"

/**
 * dsb_ioctl_job_error() - DRM_IOCTL_DSB_JOB_ERROR
 * @dev: the DRM device
 * @data: &struct drm_dsb_job_error
 * @file: the caller's file
 *
 * Looks for the job among the last jobs of each fence slot.
 *
 * Return: 0 with the origin, -EINVAL, -ENOENT, -EAGAIN or -ENODATA (see
 * the uAPI).
 */
int dsb_ioctl_job_error(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_dsb_job_error *args = data;
	struct dsb_user_queue *q;
	unsigned long flags;
	int ret = -ENODATA;
	u32 k;

	if (args->pad)
		return -EINVAL;
	q = dsb_queue_lookup(file->driver_priv, args->queue_id);
	if (!q)
		return -ENOENT;
	memset(&args->origin, 0, sizeof(args->origin));
	spin_lock_irqsave(&q->lock, flags);
	if (!args->seqno || args->seqno > READ_ONCE(q->submitted)) {
		ret = -EINVAL;
	} else if (args->seqno > q->completed) {
		ret = -EAGAIN;
	} else {
		for (k = 0; k < q->nslots; k++) {
			if (q->origins[k].seqno == args->seqno) {
				args->origin = q->origins[k].origin;
				ret = 0;
				break;
			}
		}
	}
	spin_unlock_irqrestore(&q->lock, flags);
	dsb_queue_put(q);
	return ret;
}

/*
 * Register (@d 1) or unregister (-1) a waiter on the queue's completion,
 * under the queue lock: a completion either sees it and wakes the queue,
 * or came first and the waiter's check sees its jobs complete.
 */
static void dsb_queue_count_waiter(struct dsb_user_queue *q, int d)
{
	unsigned long flags;

	spin_lock_irqsave(&q->lock, flags);
	q->done_waiters += d;
	spin_unlock_irqrestore(&q->lock, flags);
}

/**
 * dsb_ioctl_wait() - DRM_IOCTL_DSB_WAIT
 * @dev: the DRM device
 * @data: &struct drm_dsb_wait
 * @file: the caller's file
 *
 * A job in flight that has a fence is waited for on its fence, as before
 * fences on demand. Any other job: sleeps until the queue's last completed
 * seqno reaches it: every way a job leaves flight (completion, ban,
 * cancel) advances it in the critical section that reports the job, and
 * wakes the queue's waiters once per batch. No fence is made for a wait.
 *
 * Return: 0 or a negative errno, see the uAPI header.
 */
int dsb_ioctl_wait(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_dsb_wait *args = data;
	struct dsb_user_queue *q;
	u64 seqno = args->seqno;
	struct dma_fence *fence;
	long timeout, r;
	int ret = 0;

	if (args->pad || args->flags & ~DRM_DSB_WAIT_RELATIVE)
		return -EINVAL;
	q = dsb_queue_lookup(file->driver_priv, args->queue_id);
	if (!q)
		return -ENOENT;
	args->error = 0;
	if (!seqno || seqno > READ_ONCE(q->submitted)) {
		ret = -EINVAL;
		goto out;
	}
	if (args->flags & DRM_DSB_WAIT_RELATIVE)
		timeout = args->timeout_ns <= 0 ? 0 :
			  nsecs_to_jiffies(args->timeout_ns) + 1;
	else
		timeout = drm_timeout_abs_to_jiffies(args->timeout_ns);
	/* A job with a fence: its signal wakes the wait (the quicker wake-up). */
	fence = READ_ONCE(q->completed) < seqno ? dsb_queue_inflight_fence(q, seqno) : NULL;
	if (fence) {
		r = dma_fence_wait_timeout(fence, true, timeout);
		if (r < 0)
			ret = r;
		else if (!r && !dma_fence_is_signaled(fence))
			ret = -ETIME;
		else
			args->error = fence->error;
		dma_fence_put(fence);
		goto out;
	}
	dsb_queue_count_waiter(q, 1);
	r = wait_event_interruptible_timeout(q->done_wq, READ_ONCE(q->completed) >= seqno,
					     timeout);
	dsb_queue_count_waiter(q, -1);
	if (r < 0)
		ret = r;
	else if (!r && READ_ONCE(q->completed) < seqno)
		ret = -ETIME;
	else
		ret = dsb_queue_job_status(q, seqno, &args->error);
out:
	dsb_queue_put(q);
	return ret;
}

/*
 * dsb_fence_to_handle() - a syncobj or sync_file for a fence
 * @file: the caller's file
 * @fence: the fence (reference consumed)
 * @what: &enum drm_dsb_fence_to_handle_what
 * @handle: out, the syncobj handle or the sync_file fd
 *
 * Return: 0, -EINVAL for an unknown @what, -EMFILE, -ENOMEM.
 */
static int dsb_fence_to_handle(struct drm_file *file, struct dma_fence *fence, u32 what,
			       u32 *handle)
{
	struct drm_syncobj *syncobj;
	struct sync_file *sf;
	int ret, fd;

	switch (what) {
	case DRM_DSB_FENCE_TO_SYNCOBJ:
		ret = drm_syncobj_create(&syncobj, 0, fence);
		if (ret)
			break;
		ret = drm_syncobj_get_handle(file, syncobj, handle);
		drm_syncobj_put(syncobj);
		break;
	case DRM_DSB_FENCE_TO_SYNC_FILE:
		fd = get_unused_fd_flags(O_CLOEXEC);
		if (fd < 0) {
			ret = fd;
			break;
		}
		sf = sync_file_create(fence);
		if (!sf) {
			put_unused_fd(fd);
			ret = -ENOMEM;
			break;
		}
		fd_install(fd, sf->file);
		*handle = fd;
		ret = 0;
		break;
	default:
		ret = -EINVAL;
	}
	dma_fence_put(fence);
	return ret;
}

/**
 * dsb_job_fence_to_handle() - a syncobj or sync_file for job @seqno of a
 * queue of the caller's, its fence made on demand
 * @file: the caller's file
 * @queue_id: the queue
 * @seqno: the job
 * @what: &enum drm_dsb_fence_to_handle_what
 * @handle: out, the syncobj handle or the sync_file fd
 *
 * %DRM_IOCTL_DSB_FENCE_TO_HANDLE and %DRM_DSB_URING_FENCE_TO_FD.
 *
 * Return: 0 or a negative errno, see the uAPI header.
 */
int dsb_job_fence_to_handle(struct drm_file *file, u32 queue_id, u64 seqno, u32 what,
			    u32 *handle)
{
	struct dma_fence *fence;
	int ret;

	if (what > DRM_DSB_FENCE_TO_SYNC_FILE)
		return -EINVAL;
	ret = dsb_file_job_fence(file->driver_priv, queue_id, seqno, false, &fence);
	if (ret)
		return ret;
	return dsb_fence_to_handle(file, fence, what, handle);
}

/**
 * dsb_ioctl_fence_to_handle() - DRM_IOCTL_DSB_FENCE_TO_HANDLE
 * @dev: the DRM device
 * @data: &struct drm_dsb_fence_to_handle
 * @file: the caller's file
 *
 * Return: 0 or a negative errno, see the uAPI header.
 */
int dsb_ioctl_fence_to_handle(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_dsb_fence_to_handle *args = data;

	if (args->pad)
		return -EINVAL;
	return dsb_job_fence_to_handle(file, args->queue_id, args->seqno, args->what,
				       &args->handle);
}
