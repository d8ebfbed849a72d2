// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Copyright (C) 2026 The dsb authors */
/**
 * DOC: Waiting for jobs
 *
 * The ioctls through which a process learns how a job of one of its queues
 * ended: %DRM_IOCTL_DSB_WAIT waits for it (for its fence while it is in
 * flight; once it retired, its status comes from dsb_queue_seqno_fence()),
 * %DRM_IOCTL_DSB_JOB_ERROR tells where its error came from. Each reads the
 * queue under the queue lock; the wait holds no lock while it sleeps.
 */
#include <linux/dma-fence.h>
#include <linux/jiffies.h>
#include <linux/string.h>
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

/**
 * dsb_ioctl_wait() - DRM_IOCTL_DSB_WAIT
 * @dev: the DRM device
 * @data: &struct drm_dsb_wait
 * @file: the caller's file
 *
 * Return: 0 or a negative errno, see the uAPI header.
 */
int dsb_ioctl_wait(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_dsb_wait *args = data;
	struct dsb_user_queue *q;
	struct dma_fence *fence;
	long timeout, r;
	int ret;

	if (args->pad || args->flags & ~DRM_DSB_WAIT_RELATIVE)
		return -EINVAL;
	q = dsb_queue_lookup(file->driver_priv, args->queue_id);
	if (!q)
		return -ENOENT;
	ret = dsb_queue_seqno_fence(q, args->seqno, &fence, &args->error);
	if (ret || !fence)
		goto out;

	if (args->flags & DRM_DSB_WAIT_RELATIVE)
		timeout = args->timeout_ns <= 0 ? 0 :
			  nsecs_to_jiffies(args->timeout_ns) + 1;
	else
		timeout = drm_timeout_abs_to_jiffies(args->timeout_ns);
	r = dma_fence_wait_timeout(fence, true, timeout);
	if (r < 0)
		ret = r;
	else if (!r && !dma_fence_is_signaled(fence))
		ret = -ETIME;
	else
		args->error = fence->error;
	dma_fence_put(fence);
out:
	dsb_queue_put(q);
	return ret;
}
