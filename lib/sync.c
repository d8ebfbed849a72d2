// SPDX-License-Identifier: MIT
/* Copyright (C) 2026 The dsb authors */
/*
 * The Mesa path: DRM_IOCTL_DSB_SUBMIT and thin syncobj wrappers around
 * libdrm. libdrm reports failures inconsistently (-1 with errno, or
 * -errno); DSB_DRM_RET() turns both into -errno right after the call.
 */
#include <xf86drm.h>

#include "dsb_private.h"

#define DSB_DRM_RET(expr) ({ int __r = (expr); __r < 0 ? -errno : __r; })

/**
 * dsb_submit_jobs() - submit an array of jobs with DRM_IOCTL_DSB_SUBMIT
 *
 * All or nothing: on error *bad_job (if not NULL) is the failing job.
 * On success each job's @seqno is filled in.
 */
int dsb_submit_jobs(struct dsb_device *dev, struct drm_dsb_job *jobs,
		    uint32_t count, uint32_t *bad_job)
{
	struct drm_dsb_submit s = {
		.jobs = {
			.stride = sizeof(*jobs),
			.count = count,
			.array = (uint64_t)(uintptr_t)jobs,
		},
	};
	int ret;

	ret = dsb_ioctl(dev->fd, DRM_IOCTL_DSB_SUBMIT, &s);
	if (ret && bad_job)
		*bad_job = s.bad_job;
	return ret;
}

int dsb_syncobj_create(struct dsb_device *dev, uint32_t flags,
		       uint32_t *handle)
{
	return DSB_DRM_RET(drmSyncobjCreate(dev->fd, flags, handle));
}

int dsb_syncobj_destroy(struct dsb_device *dev, uint32_t handle)
{
	return DSB_DRM_RET(drmSyncobjDestroy(dev->fd, handle));
}

/* libdrm syncobj waits take an absolute CLOCK_MONOTONIC deadline. */
static int64_t dsb_syncobj_deadline(int64_t timeout_ns)
{
	return dsb_deadline(timeout_ns);
}

/**
 * dsb_syncobj_wait() - wait up to @timeout_ns (relative) for binary syncobjs
 *
 * @flags: DRM_SYNCOBJ_WAIT_FLAGS_*. Returns 0, -ETIME, or -errno.
 */
int dsb_syncobj_wait(struct dsb_device *dev, const uint32_t *handles,
		     uint32_t count, int64_t timeout_ns, uint32_t flags,
		     uint32_t *first_signaled)
{
	return DSB_DRM_RET(drmSyncobjWait(dev->fd, (uint32_t *)handles, count,
					  dsb_syncobj_deadline(timeout_ns),
					  flags, first_signaled));
}

int dsb_syncobj_timeline_wait(struct dsb_device *dev,
			      const uint32_t *handles, const uint64_t *points,
			      uint32_t count, int64_t timeout_ns,
			      uint32_t flags, uint32_t *first_signaled)
{
	return DSB_DRM_RET(drmSyncobjTimelineWait(dev->fd, (uint32_t *)handles,
						  (uint64_t *)points, count,
						  dsb_syncobj_deadline(timeout_ns),
						  flags, first_signaled));
}

int dsb_syncobj_export_sync_file(struct dsb_device *dev, uint32_t handle,
				 int *sync_file_fd)
{
	return DSB_DRM_RET(drmSyncobjExportSyncFile(dev->fd, handle,
						    sync_file_fd));
}

int dsb_syncobj_import_sync_file(struct dsb_device *dev, uint32_t handle,
				 int sync_file_fd)
{
	return DSB_DRM_RET(drmSyncobjImportSyncFile(dev->fd, handle,
						    sync_file_fd));
}

/* DRM_IOCTL_DSB_FENCE_TO_HANDLE for job @seqno of @q: the handle or fd. */
static int dsb_queue_fence_to(struct dsb_queue *q, uint64_t seqno,
			      uint32_t what, uint32_t *out)
{
	struct drm_dsb_fence_to_handle f = {
		.what = what,
		.seqno = seqno,
	};
	int ret;

	if (!q || !out)
		return -EINVAL;
	if (q->fd < 0)
		return -ENODEV;
	f.queue_id = q->queue_id;
	ret = dsb_ioctl(q->fd, DRM_IOCTL_DSB_FENCE_TO_HANDLE, &f);
	if (!ret)
		*out = f.handle;
	return ret;
}

/**
 * dsb_queue_fence_to_syncobj() - a new binary syncobj holding the fence
 * of job @seqno of the queue (uAPI version 12)
 *
 * In flight, the syncobj signals when the job completes; complete, it is
 * signalled already, with the job's status. -EINVAL for seqno 0 or one
 * not yet submitted, -ENODATA for a job whose status is no longer known.
 */
int dsb_queue_fence_to_syncobj(struct dsb_queue *q, uint64_t seqno,
			       uint32_t *handle)
{
	return dsb_queue_fence_to(q, seqno, DRM_DSB_FENCE_TO_SYNCOBJ, handle);
}

/**
 * dsb_queue_fence_to_sync_file() - a sync_file fd (close-on-exec) of the
 * fence of job @seqno of the queue (uAPI version 12); as
 * dsb_queue_fence_to_syncobj()
 */
int dsb_queue_fence_to_sync_file(struct dsb_queue *q, uint64_t seqno, int *fd)
{
	uint32_t h = 0;
	int ret;

	if (!fd)
		return -EINVAL;
	ret = dsb_queue_fence_to(q, seqno, DRM_DSB_FENCE_TO_SYNC_FILE, &h);
	if (!ret)
		*fd = (int)h;
	return ret;
}
