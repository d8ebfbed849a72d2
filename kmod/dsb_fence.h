/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Copyright (C) 2026 The dsb authors */
#ifndef __DSB_FENCE_H__
#define __DSB_FENCE_H__

#include <linux/dma-fence.h>
#include <linux/llist.h>
#include <linux/workqueue.h>

#include "dsb_drv.h"

struct dsb_gem_object;
struct dsb_user_queue;
struct drm_syncobj;
struct dma_fence_chain;
struct dsb_mem_client;

/**
 * struct dsb_fence - the dma_fence of a dsb job
 * @base: the fence
 * @lock: the fence's own lock, so the fence may outlive its queue
 * @ddev: the device that signals it
 * @fence_bo: reference on the producing queue's fence memory
 * @slot: the job's slot in that memory
 * @free_node: on the list of fences freed in process context
 * @mem: the accounting object charged for the fence (reference); the fence
 *       may outlive the file and the queue, the reference keeps it alive
 */
struct dsb_fence {
	struct dma_fence base;
	spinlock_t lock;	/* the fence's own lock */
	struct dsb_device *ddev;
	struct dsb_gem_object *fence_bo;
	struct drm_dsb_fence_slot *slot;
	struct llist_node free_node;
	struct dsb_mem_client *mem;
};

/**
 * struct dsb_dep - one dependency of a job
 * @fence: the fence waited on (reference)
 * @cb: the callback that sets a proxy word (foreign fences)
 * @entry: the job's entry in the queue's dependency table
 * @q: the queue to kick when the proxy word is set
 * @proxy: the dependency goes through a proxy word
 * @cb_armed: @cb is installed
 */
struct dsb_dep {
	struct dma_fence *fence;
	struct dma_fence_cb cb;
	struct dsb_dep_entry *entry;
	struct dsb_user_queue *q;
	bool proxy;
	bool cb_armed;
};

/**
 * struct dsb_signal - a syncobj the job's fence is published to
 * @syncobj: the syncobj (reference)
 * @chain: preallocated chain node for a timeline point
 * @point: the timeline point
 */
struct dsb_signal {
	struct drm_syncobj *syncobj;
	struct dma_fence_chain *chain;
	u64 point;
};

/**
 * struct dsb_job - a submitted job, from prepare to retirement
 * @node: link in the queue's in-flight list, or in its cache of free jobs
 * @q: the queue
 * @fence: the job's fence (a reference)
 * @seqno: seqno in the queue
 * @slot: fence slot
 * @cmd_va: command buffer VA
 * @cmd_len: command buffer length
 * @user_data: echoed in the CQE
 * @post_cqe: the job came from the SQ and owes a CQE
 * @status: final status, set when it retires (its CQE's error)
 * @ndeps: number of dependencies
 * @deps: dependencies
 */
struct dsb_job {
	struct list_head node;
	struct dsb_user_queue *q;
	struct dsb_fence *fence;
	u64 seqno;
	u32 slot;
	u64 cmd_va;
	u32 cmd_len;
	u64 user_data;
	bool post_cqe;
	s32 status;
	u32 ndeps;
	struct dsb_dep deps[DSB_MAX_JOB_DEPS];
};

extern u64 dsb_job_charge;

struct dsb_fence *dsb_fence_alloc(struct dsb_device *ddev, struct dsb_mem_client *mem);
void dsb_fence_init(struct dsb_fence *f, struct dsb_user_queue *q, u32 slot, u64 seqno);
void dsb_fence_free_unarmed(struct dsb_fence *f);
struct dsb_fence *to_dsb_fence(struct dma_fence *fence);
void dsb_job_arm_deps(struct dsb_job *job);
void dsb_job_disarm_deps(struct dsb_job *job);
void dsb_job_free(struct dsb_job *job);
s32 dsb_job_signal_locked(struct dsb_job *job, s32 error);
void dsb_job_finish(struct dsb_job *job, s32 error);
u64 dsb_dep_wait_value(const struct dsb_dep *dep);
int dsb_fence_module_init(void);
void dsb_fence_module_exit(void);

#endif /* __DSB_FENCE_H__ */
