/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Copyright (C) 2026 The dsb authors */
#ifndef __DSB_QUEUE_H__
#define __DSB_QUEUE_H__

#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/siphash.h>
#include <linux/spinlock.h>
#include <linux/wait.h>

#include "dsb_drv.h"
#include "dsb_gpu.h"
#include "dsb_mem.h"
#include "dsb_submit.h"
#include "dsb_watchdog.h"

struct dsb_fence_pool;
struct dsb_gem_object;
struct dsb_job;
struct dma_fence;
struct dsb_submit_desc;
struct dsb_dep_entry;

/**
 * struct dsb_slot_origin - what a fence slot keeps of its last job's error
 * @seqno: the job
 * @origin: its error's origin (all zero for a success)
 */
struct dsb_slot_origin {
	u64 seqno;
	struct drm_dsb_error_origin origin;
};

/**
 * struct dsb_user_queue - a queue: kernel-written ring, fence memory, SQ/CQ
 * @ref: reference count
 * @ddev: the device
 * @vm: the owner file's VM (reference)
 * @id: queue id in the owner file
 * @flags: &enum drm_dsb_queue_flags
 * @priority: 0..%DRM_DSB_QUEUE_PRIORITY_MAX
 * @boost_priority: the priority whose slice a deadline boost gives it: the
 *                  highest when its creator was privileged, else at most
 *                  normal (never below @priority)
 * @ring_packets: ring size in packets (power of two)
 * @nslots: fence slots (power of two)
 * @timeout_ms: watchdog timeout
 * @fence_context: dma_fence context of the queue
 * @key: SipHash key of the packet MACs; never leaves the kernel
 * @ring_bo: the ring
 * @ctrl_bo: the control page
 * @fence_bo: the fence memory
 * @fence_pool: released fences of the queue kept for reuse (dsb_fence.c)
 * @sqcq_bo: the SQ/CQ region
 * @ring: kernel mapping of @ring_bo
 * @ctrl: kernel mapping of @ctrl_bo
 * @fhdr: fence memory header
 * @slots: fence slots
 * @sqcq: SQ/CQ header
 * @sqes: SQ entries
 * @cqes: CQ entries
 * @sq_entries: number of SQ entries (the kernel's copy, never read back)
 * @cq_entries: number of CQ entries (likewise)
 * @ring_va: GPU VA of the ring
 * @sq_lock: serializes consumers of the SQ (taken before @submit_lock)
 * @sq_head: SQ entries consumed, under @sq_lock
 * @sq_descs: descriptors for SQ batches, under @sq_lock, allocated on first use
 * @submit_lock: serializes submitters; never held while allocating
 * @wptr: packets written, under @submit_lock
 * @submitted: seqno of the last submitted job, under @submit_lock
 * @armed: seqno of the last job armed (packets written), under @submit_lock;
 *         @submitted catches up when the batch goes into flight
 * @rung: @submitted once the doorbell for it was rung (release), under
 *        @submit_lock: the watchdog's "nothing to run" counts only then
 * @resv: what the batch being submitted reserves on the queue, under
 *        @submit_lock (the submit layer's, see &struct dsb_queue_resv)
 * @submitted_jobs: jobs submitted since the queue lock last took them into
 *                  @inflight, newest first: a submit hands its batch over
 *                  without the queue lock, so it never waits for a retire
 * @lock: protects the fields below (irqsave); the fences of retiring jobs
 *        are signalled under it
 * @inflight: jobs submitted and not retired, by seqno, once taken from
 *            @submitted_jobs (dsb_queue_sync_inflight_locked())
 * @slot_job: job in flight per fence slot; set under @submit_lock just
 *            before the job goes into flight, cleared under this lock when
 *            it leaves, before anything reports the job complete: a
 *            submitter sees a free slot stay free without it
 * @cq_tail: CQEs written
 * @cq_owed: CQEs owed to jobs in flight
 * @cq_committed: @cq_tail + @cq_owed: it changes only when a CQE is owed
 *                or posted without one being owed, both by the SQ consumer
 *                under @sq_lock too, so it checks CQ room without @lock
 * @completed: seqno of the last retired job
 * @done_wq: %DRM_IOCTL_DSB_WAIT sleeps here until @completed reaches its
 *           job, woken once per retired batch (dsb_queue_wake_waiters())
 * @done_waiters: waits registered on @done_wq (under this lock, so the
 *                completion reads it without a barrier)
 * @first_failed: seqno of the first job that completed with an error, or 0
 * @last_failed: seqno of the last one
 * @state: &enum drm_dsb_queue_state
 * @fault: &enum drm_dsb_fault_kind
 * @fault_seqno: job executing at the fault
 * @fault_va: faulting VA
 * @deps: dependency table, @nslots * %DSB_MAX_JOB_DEPS entries
 * @origins: per fence slot, the seqno of the last job completed on it and
 *           the origin of its error (%DRM_IOCTL_DSB_JOB_ERROR)
 * @failed_origin: the origin of the error of job @last_failed
 * @job_cache: finished jobs kept for reuse (at most @nslots)
 * @hw: the queue as the GPU knows it: what the driver hands it
 *      (&dsb_gpu_queue.desc) and the GPU's own state, which the driver
 *      reads only through dsb_gpu.h
 * @dev_node: link in the device's queue list
 * @owner: the drm_file that created it, for debugfs only
 * @busy_ns: engine time (fdinfo), points into the owner's dsb_file
 * @client_id: the owner's drm-client-id (debugfs, tracepoints)
 * @mem: the accounting object charged for the queue, its tables, BOs and
 *       jobs (reference)
 * @mem_charge: bytes charged for the queue and its tables (not the BOs,
 *              which carry their own, nor the jobs); grows under @sq_lock
 * @wd: the watchdog's view of the queue (dsb_watchdog.c)
 */
struct dsb_user_queue {
	struct kref ref;
	struct dsb_device *ddev;
	struct dsb_vm *vm;
	u32 id;
	u32 flags;
	u32 priority;
	u32 boost_priority;
	u32 ring_packets;
	u32 nslots;
	u32 timeout_ms;
	u64 fence_context;
	siphash_key_t key;

	struct dsb_gem_object *ring_bo;
	struct dsb_gem_object *ctrl_bo;
	struct dsb_gem_object *fence_bo;
	struct dsb_fence_pool *fence_pool;
	struct dsb_gem_object *sqcq_bo;
	struct drm_dsb_packet *ring;
	struct drm_dsb_queue_ctrl *ctrl;
	struct drm_dsb_fence_mem_header *fhdr;
	struct drm_dsb_fence_slot *slots;
	struct drm_dsb_sq_cq_header *sqcq;
	struct drm_dsb_sqe *sqes;
	struct drm_dsb_cqe *cqes;
	u32 sq_entries;
	u32 cq_entries;
	u64 ring_va;

	struct mutex sq_lock;	/* serializes SQ consumers */
	u32 sq_head;
	struct dsb_submit_desc *sq_descs;

	struct mutex submit_lock;	/* serializes submitters */
	u64 wptr;
	u64 submitted;
	u64 armed;
	u64 rung;
	struct dsb_queue_resv resv;

	spinlock_t lock;	/* in-flight jobs, CQ, state */
	struct list_head inflight;
	struct llist_head submitted_jobs;
	struct dsb_job **slot_job;
	u32 cq_tail;
	u32 cq_owed;
	u32 cq_committed;
	u64 completed;
	wait_queue_head_t done_wq;
	u32 done_waiters;
	u64 first_failed;
	u64 last_failed;
	u32 state;
	u32 fault;
	u64 fault_seqno;
	u64 fault_va;

	struct dsb_dep_entry *deps;
	struct dsb_slot_origin *origins;
	struct drm_dsb_error_origin failed_origin;

	struct dsb_recycler job_cache;

	struct dsb_gpu_queue hw;
	struct list_head dev_node;
	struct drm_file *owner;
	atomic64_t *busy_ns;
	u64 client_id;
	struct dsb_mem_client *mem;
	u64 mem_charge;
	struct dsb_watchdog_state wd;
};

/**
 * struct dsb_job_batch - a queue's jobs of a submitted batch
 * @newest: the last job added (through &dsb_job.cache_node)
 * @oldest: the first one
 */
struct dsb_job_batch {
	struct llist_node *newest;
	struct llist_node *oldest;
};

void dsb_job_batch_add(struct dsb_job_batch *batch, struct dsb_job *job);

static inline struct dsb_user_queue *dsb_queue_get(struct dsb_user_queue *q)
{
	kref_get(&q->ref);
	return q;
}

void dsb_queue_put(struct dsb_user_queue *q);
struct dsb_user_queue *dsb_queue_lookup(struct dsb_file *df, u32 id);
int dsb_fault_errno(u32 fault);
bool dsb_queue_cq_room_locked(struct dsb_user_queue *q, u32 n);
int dsb_queue_post_unsubmitted(struct dsb_user_queue *q, u64 user_data, s32 error, u32 slot);
u32 dsb_queue_add_jobs(struct dsb_user_queue *q, struct dsb_job_batch *batch,
		       struct list_head *cancel);
int dsb_file_job_fence(struct dsb_file *df, u32 queue_id, u64 seqno, bool lazy,
		       struct dma_fence **fence);
int dsb_queue_job_status(struct dsb_user_queue *q, u64 seqno, s32 *error);
struct dma_fence *dsb_queue_inflight_fence(struct dsb_user_queue *q, u64 seqno);

/**
 * dsb_queue_wake_waiters() - jobs of a queue completed: wake its waiters
 * @q: the queue, its lock not held
 * @waiters: &dsb_user_queue.done_waiters, read in the critical section
 *           that completed the jobs
 *
 * Once per retired batch; nothing to do, not even a barrier, without a
 * waiter: one that registered after that section sees the jobs complete
 * before it sleeps (dsb_ioctl_wait()).
 */
static inline void dsb_queue_wake_waiters(struct dsb_user_queue *q, u32 waiters)
{
	if (waiters)
		wake_up_all(&q->done_wq);
}

void dsb_file_destroy_queues(struct drm_file *file);
void dsb_device_stop_queues(struct dsb_device *ddev);

/* Completion (dsb_irq.c) */
extern const struct dsb_gpu_ops dsb_irq_ops;
void dsb_queue_write_cqe_locked(struct dsb_user_queue *q, u64 user_data, u64 seqno,
				s32 error, u32 slot, u32 cqe_flags);
void dsb_queue_sync_inflight_locked(struct dsb_user_queue *q);
u32 dsb_queue_complete_locked(struct dsb_user_queue *q, struct list_head *jobs, u64 until,
			      s32 err, s32 rest, bool inherited, ktime_t ts,
			      struct list_head *done);
u32 dsb_queue_cancel_submitted_locked(struct dsb_user_queue *q, struct list_head *done);
void dsb_queue_free_jobs(struct dsb_device *ddev, struct list_head *done, u32 n);
void dsb_queue_ban(struct dsb_user_queue *q, u32 fault, u64 va);

int dsb_ioctl_queue_create(struct drm_device *dev, void *data, struct drm_file *file);
int dsb_ioctl_queue_destroy(struct drm_device *dev, void *data, struct drm_file *file);
int dsb_ioctl_queue_status(struct drm_device *dev, void *data, struct drm_file *file);

#endif /* __DSB_QUEUE_H__ */
