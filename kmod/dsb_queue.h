/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Copyright (C) 2026 The dsb authors */
#ifndef __DSB_QUEUE_H__
#define __DSB_QUEUE_H__

#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/siphash.h>
#include <linux/spinlock.h>

#include "dsb_drv.h"
#include "dsb_mem.h"
#include "dsb_submit.h"

struct dsb_fence_pool;
struct dsb_gem_object;
struct dsb_job;
struct dsb_engine;
struct dma_fence;
struct dsb_submit_desc;
struct dsb_dep_entry;

/**
 * struct dsb_memwait - a MEMWAIT instruction a queue blocked on (debugfs)
 * @seqno: job executing it
 * @ip: its GPU VA
 * @in: the instruction as the engine read it
 */
struct dsb_memwait {
	u64 seqno;
	u64 ip;
	struct drm_dsb_instr in;
};

/**
 * struct dsb_qctx - engine-owned execution state of a queue (its "MQD")
 * @rptr: packets consumed
 * @in_exec: executing a command buffer
 * @ip: next instruction GPU VA
 * @end: end of the command buffer
 * @job_err: error carried from a failed dependency to the SIGNAL
 * @cur_seqno: seqno of the job being executed
 * @blocked_until: DELAY in progress until this time (ns)
 * @dep_wait: blocked on a WAIT packet (the watchdog does not count it)
 * @dep_wait_since: when it last blocked on a WAIT packet (ns, debugfs)
 * @steps: packets and instructions executed (the watchdog's progress)
 * @runs: time slices the queue was given on a hardware slot (the watchdog
 *        counts only time in which it ran)
 * @boost_served: boosted this round (deadline hint): ran in the round's first
 *                pass, or mid-round when the hint came, with the budget of
 *                &dsb_user_queue.boost_priority, until the boosted job's
 *                SIGNAL
 * @round_served: had its slice (made progress) in this round: in its turn,
 *                or out of turn when work arrived mid-round above normal
 *                priority; not served again in the round
 * @idle: at its last look the engine found nothing to run (the doorbell at
 *        the read pointer), though the driver may have jobs in flight
 * @step_cost: work units of the step being executed (time slices)
 * @slot: hardware slot held on the engine, or -1
 * @last_run: &dsb_engine.tick after its last slice, for slot eviction
 * @memwait: last MEMWAIT it blocked on; still blocked while @in_exec and
 *           @ip and @cur_seqno match it (debugfs)
 * @retire_seqno: seqno of the last SIGNAL executed but not yet retired
 *                (completions are raised once per batch of SIGNALs)
 * @retire_pending: SIGNALs executed since the last retire
 * @packets_pending: packets executed since the last retire, not yet added
 *                   to the device's counter
 */
struct dsb_qctx {
	u64 rptr;
	bool in_exec;
	u64 ip;
	u64 end;
	s32 job_err;
	u64 cur_seqno;
	u64 blocked_until;
	bool dep_wait;
	u64 dep_wait_since;
	u64 steps;
	u64 runs;
	bool boost_served;
	bool round_served;
	bool idle;
	u32 step_cost;
	int slot;
	unsigned long last_run;
	struct dsb_memwait memwait;
	u64 retire_seqno;
	u32 retire_pending;
	u32 packets_pending;
};

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
 * @engine: the engine the queue runs on
 * @engine_node: link in the engine's queue list
 * @dev_node: link in the device's queue list
 * @ctx: engine execution state
 * @owner: the drm_file that created it, for debugfs only
 * @busy_ns: engine time (fdinfo), points into the owner's dsb_file
 * @client_id: the owner's drm-client-id (debugfs, tracepoints)
 * @mem: the accounting object charged for the queue, its tables, BOs and
 *       jobs (reference)
 * @mem_charge: bytes charged for the queue and its tables (not the BOs,
 *              which carry their own, nor the jobs); grows under @sq_lock
 * @wd_busy: the watchdog found the queue busy at its last tick
 * @wd_steps: the engine's step count when the watchdog last saw progress
 * @wd_runs: the engine's slice count at the watchdog's last tick
 * @wd_stalled: jiffies on a slot without progress since then
 * @wd_stamp: jiffies of the last tick (the five: under the engine lock)
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
	struct dsb_queue_resv resv;

	spinlock_t lock;	/* in-flight jobs, CQ, state */
	struct list_head inflight;
	struct llist_head submitted_jobs;
	struct dsb_job **slot_job;
	u32 cq_tail;
	u32 cq_owed;
	u32 cq_committed;
	u64 completed;
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

	struct dsb_engine *engine;
	struct list_head engine_node;
	struct list_head dev_node;
	struct dsb_qctx ctx;
	struct drm_file *owner;
	atomic64_t *busy_ns;
	u64 client_id;
	struct dsb_mem_client *mem;
	u64 mem_charge;
	bool wd_busy;
	u64 wd_steps;
	u64 wd_runs;
	unsigned long wd_stalled;
	unsigned long wd_stamp;
};

/**
 * dsb_queue_has_work() - the queue has packets or instructions to run
 * @q: the queue; its engine's lock held (the engine's read pointer is
 *     stable only under it)
 *
 * Reads the doorbell, which the process may write: a doorbell at the read
 * pointer while jobs are in flight means the process hid its packets.
 *
 * Return: true when the engine would find something to run now.
 */
static inline bool dsb_queue_has_work(const struct dsb_user_queue *q)
{
	return q->ctx.in_exec || READ_ONCE(q->ctrl->doorbell) != q->ctx.rptr;
}

static inline struct dsb_user_queue *dsb_queue_get(struct dsb_user_queue *q)
{
	kref_get(&q->ref);
	return q;
}

void dsb_queue_put(struct dsb_user_queue *q);
struct dsb_user_queue *dsb_queue_lookup(struct dsb_file *df, u32 id);
void dsb_queue_ban(struct dsb_user_queue *q, u32 fault, u64 va);
void dsb_queue_retire(struct dsb_user_queue *q, u64 seqno, s32 err);
void dsb_queue_write_slot_locked(struct dsb_user_queue *q, struct dsb_job *job, int err,
				 bool inherited);
void dsb_queue_cancel_job_locked(struct dsb_user_queue *q, struct dsb_job *job, int err);
void dsb_queue_post_cqe(struct dsb_user_queue *q, u64 user_data, u64 seqno, s32 error,
			u32 slot, u32 flags);
int dsb_queue_post_unsubmitted(struct dsb_user_queue *q, u64 user_data, s32 error, u32 slot);
bool dsb_queue_cq_room_locked(struct dsb_user_queue *q, u32 n);
void dsb_queue_sync_inflight_locked(struct dsb_user_queue *q);
void dsb_queue_add_jobs(struct dsb_user_queue *q, struct dsb_submit_desc *descs, u32 count,
			struct list_head *cancel);
void dsb_file_destroy_queues(struct drm_file *file);
int dsb_fault_errno(u32 fault);
int dsb_queue_seqno_fence(struct dsb_user_queue *q, u64 seqno, struct dma_fence **fence,
			  s32 *error);

int dsb_ioctl_queue_create(struct drm_device *dev, void *data, struct drm_file *file);
int dsb_ioctl_queue_destroy(struct drm_device *dev, void *data, struct drm_file *file);
int dsb_ioctl_queue_status(struct drm_device *dev, void *data, struct drm_file *file);

#endif /* __DSB_QUEUE_H__ */
