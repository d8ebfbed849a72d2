/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Copyright (C) 2026 The dsb authors */
#ifndef __DSB_FENCE_H__
#define __DSB_FENCE_H__

#include <linux/dma-fence.h>
#include <linux/llist.h>

#include "dsb_drv.h"

struct dsb_fence_pool;
struct dsb_gem_object;
struct dsb_user_queue;
struct dsb_mem_client;

/**
 * struct dsb_fence - the dma_fence of a dsb job
 * @base: the fence
 * @lock: the fence's own lock, so the fence may outlive its queue
 * @ddev: the device that signals it
 * @fence_bo: reference on the producing queue's fence memory
 * @slot: the job's slot in that memory
 * @free_node: in its pool while released and kept for reuse, or on the
 *             list of fences freed in process context
 * @pool: the pool of the queue it was allocated for (reference)
 * @mem: the accounting object charged for the fence (reference); the fence
 *       may outlive the file and the queue, the reference keeps it alive
 * @deadline_ns: earliest deadline set on the fence (CLOCK_MONOTONIC), or 0
 * @error_inherited: its error came from a dependency (set before signalling)
 * @queue_id: the producing queue's id, for debugfs (dsb_blockers)
 * @client_id: its owner's drm-client-id, for debugfs
 * @origin: where its error came from, all zero without one; copied from
 *          the job by dsb_job_settle_locked() before the fence slot is
 *          published (release) and the fence signalled (or from the
 *          queue's per-slot origins for a fence made after its job
 *          completed), read by the jobs that fail through it
 */
struct dsb_fence {
	struct dma_fence base;
	spinlock_t lock;	/* the fence's own lock */
	struct dsb_device *ddev;
	struct dsb_gem_object *fence_bo;
	struct drm_dsb_fence_slot *slot;
	struct llist_node free_node;
	struct dsb_fence_pool *pool;
	struct dsb_mem_client *mem;
	u64 deadline_ns;
	bool error_inherited;
	u32 queue_id;
	u64 client_id;
	struct drm_dsb_error_origin origin;
};

struct dsb_fence_pool *dsb_fence_pool_create(u32 max);
void dsb_fence_pool_destroy(struct dsb_fence_pool *pool);
struct dsb_fence *dsb_fence_alloc(struct dsb_user_queue *q);
void dsb_fence_init(struct dsb_fence *f, struct dsb_user_queue *q, u32 slot, u64 seqno);
void dsb_fence_free_unarmed(struct dsb_fence *f);
struct dsb_fence *to_dsb_fence(struct dma_fence *fence);
int dsb_fence_module_init(void);
void dsb_fence_module_exit(void);

#endif /* __DSB_FENCE_H__ */
