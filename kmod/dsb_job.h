/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Copyright (C) 2026 The dsb authors */
#ifndef __DSB_JOB_H__
#define __DSB_JOB_H__

#include <linux/dma-fence.h>
#include <linux/ktime.h>
#include <linux/list.h>

#include "dsb_drv.h"
#include "dsb_fence.h"

struct drm_file;
struct drm_syncobj;
struct dma_fence_chain;
struct dsb_fence;
struct dsb_user_queue;

/**
 * struct dsb_dep - one dependency of a job
 * @fence: the fence waited on (reference)
 * @cb: the callback that sets a proxy word (foreign fences)
 * @entry: the job's entry in the queue's dependency table
 * @q: the queue to kick when the proxy word is set
 * @proxy: the dependency goes through a proxy word
 * @implicit: found in a buffer's reservation object (see &dsb_dep_entry)
 * @cb_armed: @cb is installed
 */
struct dsb_dep {
	struct dma_fence *fence;
	struct dma_fence_cb cb;
	struct dsb_dep_entry *entry;
	struct dsb_user_queue *q;
	bool proxy;
	bool implicit;
	bool cb_armed;
};

/**
 * struct dsb_signal - a syncobj a job's fence is published to
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
 * @node: link in the queue's in-flight list
 * @cache_node: link in the queue's cache of free jobs, or in its hand-over
 *              list between submit and flight (&dsb_user_queue.submitted_jobs)
 * @q: the queue
 * @fence: the job's fence (a reference), or NULL: a job gets one only when
 *         something can observe it (see "Fences on demand" in dsb_job.c);
 *         set at prepare, or attached in flight by dsb_queue_job_fence()
 *         under the queue lock
 * @seqno: seqno in the queue, 0 until armed
 * @slot: fence slot
 * @cmd_va: command buffer VA
 * @cmd_len: command buffer length
 * @user_data: echoed in the CQE
 * @post_cqe: the job came from the SQ and owes a CQE
 * @vm_busy: the job keeps its queue's VM busy (resident) until it signals
 * @status: final status, set when it retires (its CQE's error)
 * @error_inherited: its error came from a dependency (set when it retires)
 * @origin: where its error came from, all zero without one (set when it
 *          retires, copied into its fence if it has one)
 * @ndeps: number of dependencies
 * @deps: dependencies (each zeroed when added, not with the job)
 */
struct dsb_job {
	struct list_head node;
	struct llist_node cache_node;
	struct dsb_user_queue *q;
	struct dsb_fence *fence;
	u64 seqno;
	u32 slot;
	u64 cmd_va;
	u32 cmd_len;
	u64 user_data;
	bool post_cqe;
	bool vm_busy;
	s32 status;
	bool error_inherited;
	struct drm_dsb_error_origin origin;
	u32 ndeps;
	struct dsb_dep deps[DSB_MAX_JOB_DEPS];
};

/* prepare: may allocate, may fail */
struct dsb_job *dsb_job_create(struct dsb_user_queue *q, bool fence);
int dsb_job_add_wait(struct dsb_job *job, struct drm_file *file,
		     const struct drm_dsb_sync_op *op);
int dsb_job_add_implicit_dep(struct dsb_job *job, struct dma_fence *fence, u32 first);
/* The sync operation flags a kernel of this version knows. */
#define DSB_SYNC_OP_KNOWN (DRM_DSB_SYNC_OP_SIGNAL | DRM_DSB_SYNC_OP_TYPE_MASK)
int dsb_sync_op_check(const struct drm_dsb_sync_op *op);
int dsb_sync_op_fence(struct drm_file *file, const struct drm_dsb_sync_op *op,
		      struct dma_fence **fence);
int dsb_signal_prepare(struct dsb_signal *sig, struct drm_file *file,
		       const struct drm_dsb_sync_op *op);
void dsb_signal_release(struct dsb_signal *sig);

/* arm: no allocation, no failure */
void dsb_job_arm(struct dsb_job *job, u64 seqno);
void dsb_signal_publish(struct dsb_signal *sig, struct dma_fence *fence);

/* complete */
s32 dsb_job_settle_locked(struct dsb_job *job, s32 error, bool *inherited);
void dsb_job_signal(struct dsb_job *job, ktime_t ts);
void dsb_job_free(struct dsb_job *job);
void dsb_job_cache_drain(struct dsb_user_queue *q);

void dsb_job_module_init(void);

/**
 * dsb_dep_wait_value() - the value a WAIT packet on a dependency waits for
 * @dep: the dependency
 *
 * Return: the producer's seqno, or 1 for a proxy word.
 */
static inline u64 dsb_dep_wait_value(const struct dsb_dep *dep)
{
	return dep->proxy ? 1 : dep->fence->seqno;
}

/**
 * dsb_job_cqe_flags() - the flags of a signalled job's CQE
 * @job: the job
 *
 * Return: %DRM_DSB_CQE_ERROR_INHERITED when its error is a dependency's.
 */
static inline u32 dsb_job_cqe_flags(const struct dsb_job *job)
{
	return job->origin.flags & DRM_DSB_ORIGIN_INHERITED ?
	       DRM_DSB_CQE_ERROR_INHERITED : 0;
}

#endif /* __DSB_JOB_H__ */
