/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Copyright (C) 2026 The dsb authors */
#ifndef __DSB_RESV_H__
#define __DSB_RESV_H__

#include <linux/kref.h>
#include <linux/ww_mutex.h>

#include "dsb_drv.h"

struct drm_file;
struct dsb_gem_object;
struct dsb_job;
struct dsb_submit_desc;

/**
 * struct dsb_bo_list_entry - one buffer of a buffer list
 * @bo: the buffer (a reference)
 * @flags: &enum drm_dsb_bo_ref_flags
 */
struct dsb_bo_list_entry {
	struct dsb_gem_object *bo;
	u32 flags;
};

/**
 * struct dsb_bo_list - the buffers a job reads and writes
 * @ref: reference count: the file's table, and each descriptor using it
 * @mem: the accounting object charged for it (reference)
 * @charge: bytes charged
 * @count: number of entries
 * @e: the entries, no buffer twice
 */
struct dsb_bo_list {
	struct kref ref;
	struct dsb_mem_client *mem;
	u64 charge;
	u32 count;
	struct dsb_bo_list_entry e[];
};

/**
 * struct dsb_resv_batch - the reservation objects of a batch, locked
 * @objs: the buffers with implicit sync of the batch, one per reservation
 *        object
 * @nfences: per entry of @objs, the fences the batch adds to it
 * @n: number of entries (at most %DRM_DSB_MAX_BATCH_BOS, or
 *     dsb_resv_batch_collect() refuses the batch)
 * @ctx: the acquire context they are locked with
 */
struct dsb_resv_batch {
	struct drm_gem_object **objs;
	u32 *nfences;
	u32 n;
	struct ww_acquire_ctx ctx;
};

struct dsb_bo_list *dsb_bo_list_from_user(struct drm_file *file,
					  const struct drm_dsb_obj_array *bos);
struct dsb_bo_list *dsb_bo_list_lookup(struct dsb_file *df, u32 id);
void dsb_bo_list_put(struct dsb_bo_list *list);
void dsb_file_destroy_bo_lists(struct dsb_file *df);

int dsb_resv_batch_collect(struct dsb_resv_batch *b, const struct dsb_submit_desc *descs,
			   u32 count, u32 *bad);
int dsb_resv_batch_lock(struct dsb_resv_batch *b, struct dsb_submit_desc *descs,
			u32 count, bool nonblock, u32 *bad);
void dsb_resv_batch_unlock(struct dsb_resv_batch *b);
void dsb_resv_batch_fini(struct dsb_resv_batch *b);
void dsb_resv_add_job_fence(struct dsb_job *job, const struct dsb_bo_list *list);

int dsb_ioctl_bo_list_create(struct drm_device *dev, void *data, struct drm_file *file);
int dsb_ioctl_bo_list_destroy(struct drm_device *dev, void *data, struct drm_file *file);

#endif /* __DSB_RESV_H__ */
