/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Copyright (C) 2026 The dsb authors */
#ifndef __DSB_WAIT_H__
#define __DSB_WAIT_H__

struct drm_device;
struct drm_file;

int dsb_ioctl_job_error(struct drm_device *dev, void *data, struct drm_file *file);
int dsb_ioctl_wait(struct drm_device *dev, void *data, struct drm_file *file);
int dsb_ioctl_fence_to_handle(struct drm_device *dev, void *data, struct drm_file *file);
int dsb_job_fence_to_handle(struct drm_file *file, u32 queue_id, u64 seqno, u32 what,
			    u32 *handle);

#endif /* __DSB_WAIT_H__ */
