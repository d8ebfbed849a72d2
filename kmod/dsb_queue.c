// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Copyright (C) 2026 The dsb authors */
/**
 * DOC: Queues
 *
 * A queue is a ring the kernel writes, a control page, fence memory with
 * a fixed number of fence slots, and an SQ/CQ region, all preallocated at
 * creation so that completing a job never allocates. The queue runs on one
 * engine. When it faults, hangs or is destroyed it is banned: every job in
 * flight is retired at once, the first with the fault's errno and the
 * others with -ECANCELED, their fence slots written so GPU-side waiters
 * move on, and later submits fail with -ECANCELED.
 *
 * A queue, its kernel tables, its four BOs and its jobs (in flight or kept
 * in its cache) are charged to the creating file's user (dsb_mem.c).
 */
#include <linux/bitmap.h>
#include <linux/capability.h>
#include <linux/delay.h>
#include <linux/dma-fence.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <drm/drm_auth.h>
#include <drm/drm_drv.h>
#include <drm/drm_vma_manager.h>

#include "dsb_bo.h"
#include "dsb_fence.h"
#include "dsb_submit.h"
#include "dsb_job.h"
#include "dsb_mem.h"
#include "dsb_queue.h"
#include "dsb_trace.h"
#include "dsb_vm.h"

#define DSB_SQCQ_HDR_SIZE	512

/**
 * dsb_fault_errno() - errno the faulting job of a banned queue gets
 * @fault: &enum drm_dsb_fault_kind
 *
 * Return: the negative errno.
 */
int dsb_fault_errno(u32 fault)
{
	switch (fault) {
	case DRM_DSB_FAULT_NONE:
		return -ECANCELED;
	case DRM_DSB_FAULT_TIMEOUT:
		return -ETIMEDOUT;
	case DRM_DSB_FAULT_TAMPER:
	case DRM_DSB_FAULT_DOORBELL:
		return -EBADMSG;
	default:
		return -EIO;
	}
}

static void dsb_queue_release(struct kref *ref)
{
	struct dsb_user_queue *q = container_of(ref, struct dsb_user_queue, ref);
	struct dsb_device *ddev = q->ddev;

	dsb_job_cache_drain(q);
	dsb_fence_pool_destroy(q->fence_pool);

	if (q->vm) {
		if (q->ring_bo)
			dsb_vm_unmap(q->vm, q->ring_bo);
		dsb_vm_put(q->vm);
	}
	dsb_bo_put(q->ring_bo);
	dsb_bo_put(q->ctrl_bo);
	dsb_bo_put(q->fence_bo);
	dsb_bo_put(q->sqcq_bo);
	kfree(q->slot_job);
	kvfree(q->sq_descs);
	kvfree(q->deps);
	kvfree(q->origins);
	bitmap_free(q->resv.slots);
	mutex_destroy(&q->sq_lock);
	mutex_destroy(&q->submit_lock);
	dsb_mem_uncharge(q->mem, q->mem_charge);
	dsb_mem_client_put(q->mem);
	kfree(q);
	atomic_dec(&ddev->stats.live_queues);
}

/**
 * dsb_queue_put() - drop a queue reference
 * @q: the queue, may be NULL
 */
void dsb_queue_put(struct dsb_user_queue *q)
{
	if (q)
		kref_put(&q->ref, dsb_queue_release);
}

/**
 * dsb_queue_lookup() - find a queue of a file
 * @df: the file
 * @id: the queue id
 *
 * Return: the queue with a reference, or NULL.
 */
struct dsb_user_queue *dsb_queue_lookup(struct dsb_file *df, u32 id)
{
	struct dsb_user_queue *q;

	xa_lock(&df->queues);
	q = xa_load(&df->queues, id);
	if (q && !kref_get_unless_zero(&q->ref))
		q = NULL;
	xa_unlock(&df->queues);
	return q;
}

/**
 * dsb_queue_cq_room_locked() - whether the CQ has room for more CQEs
 * @q: the queue, SQ lock held (&dsb_user_queue.cq_committed)
 * @n: CQEs wanted beyond those owed to jobs in flight (at least 1)
 *
 * The consumer's head is read from the shared header, which the process
 * may scribble on: a head beyond the tail reads as a full CQ. Without the
 * queue lock, the retire may post owed CQEs meanwhile, which leaves the
 * committed count alone and only moves the tail closer to it.
 *
 * Return: true when @n more CQEs fit.
 */
bool dsb_queue_cq_room_locked(struct dsb_user_queue *q, u32 n)
{
	/* Pairs with the library's store-release of cq_head (dsb_cqe_seen()). */
	u32 head = smp_load_acquire(&q->sqcq->cq_head);
	u32 committed = q->cq_committed - head;

	lockdep_assert_held(&q->sq_lock);
	return READ_ONCE(q->cq_tail) - head <= q->cq_entries &&
	       committed <= q->cq_entries && committed + n <= q->cq_entries;
}

/**
 * dsb_queue_post_unsubmitted() - complete an SQ entry that was never submitted
 * @q: the queue
 * @user_data: from the SQE
 * @error: why it was rejected
 * @slot: the fence slot it named
 *
 * Return: 0, or -EBUSY when the CQ has no room (the entry stays in the SQ).
 */
int dsb_queue_post_unsubmitted(struct dsb_user_queue *q, u64 user_data, s32 error, u32 slot)
{
	unsigned long flags;
	int ret = -EBUSY;

	spin_lock_irqsave(&q->lock, flags);
	if (dsb_queue_cq_room_locked(q, 1)) {
		dsb_queue_write_cqe_locked(q, user_data, 0, error, slot, 0);
		q->cq_committed++;
		ret = 0;
	}
	spin_unlock_irqrestore(&q->lock, flags);
	return ret;
}

/**
 * dsb_job_batch_add() - add an armed job to a queue's share of a batch
 * @batch: the batch, initially zeroed
 * @job: the job, the batch's newest
 */
void dsb_job_batch_add(struct dsb_job_batch *batch, struct dsb_job *job)
{
	job->cache_node.next = batch->newest;
	batch->newest = &job->cache_node;
	batch->oldest = batch->oldest ?: batch->newest;
}

/**
 * dsb_queue_add_jobs() - take a batch's armed jobs on a queue into flight
 * @q: the queue, submit lock held
 * @batch: its jobs in the batch, armed, owned by the queue from now on
 * @cancel: where the jobs go, completed, when the queue was banned since
 *          the batch reserved; the caller frees them (dsb_queue_free_jobs())
 *
 * The batch is handed over without the queue lock, which the completion
 * interrupt takes: the jobs' fence slots are marked (only the submit
 * lock's holder sets them) and the jobs pushed onto
 * &dsb_user_queue.submitted_jobs in one exchange, before the doorbell
 * that lets the GPU reach them. Only a queue banned meanwhile takes the
 * lock, to cancel them. The submitted seqno advances either way, last:
 * the packets are in the ring.
 *
 * Return: the number of jobs cancelled onto @cancel.
 */
u32 dsb_queue_add_jobs(struct dsb_user_queue *q, struct dsb_job_batch *batch,
		       struct list_head *cancel)
{
	struct dsb_job *job;
	unsigned long flags;
	u32 owed = 0, n = 0;

	lockdep_assert_held(&q->submit_lock);
	if (!batch->newest)
		return 0;
	llist_for_each_entry(job, batch->newest, cache_node) {
		WRITE_ONCE(q->slot_job[job->slot], job);
		owed += job->post_cqe;
	}
	if (owed) {
		lockdep_assert_held(&q->sq_lock);
		q->cq_committed += owed;
	}
	job = llist_entry(batch->newest, struct dsb_job, cache_node);
	llist_add_batch(batch->newest, batch->oldest, &q->submitted_jobs);
	/* Push (a full barrier) before the check: pairs with dsb_queue_ban(). */
	if (unlikely(READ_ONCE(q->state) != DRM_DSB_QUEUE_ACTIVE)) {
		/* Banned since we reserved: the fences still signal, with an error. */
		spin_lock_irqsave(&q->lock, flags);
		n = dsb_queue_cancel_submitted_locked(q, cancel);
		spin_unlock_irqrestore(&q->lock, flags);
	}
	WRITE_ONCE(q->submitted, job->seqno);
	return n;
}

/*
 * The status of job @seqno, no longer in flight (@seqno is at most
 * @q->completed), and unless @slot is NULL a fence slot whose seqno is at
 * least @seqno (the job's own while it holds it), for a fence made for the
 * job now. A
 * retired job's status is read from its fence slot while the slot holds
 * it. After the slot was reused it is still known when no job failed in
 * the range that could hold it (before the queue's first failure or after
 * its last one), or when the queue was banned at or before it (jobs from
 * the faulting one on all failed); otherwise it is lost: -ENODATA rather
 * than a success that may be false. Slots only ever take later seqnos.
 */
static int dsb_queue_retired_status_locked(struct dsb_user_queue *q, u64 seqno, s32 *error,
					   u32 *slot)
{
	bool ok = !q->first_failed || seqno < q->first_failed || seqno > q->last_failed;
	u64 best = 0;
	u32 k;

	lockdep_assert_held(&q->lock);
	*error = 0;
	/* Outside the failed range it succeeded: no slot to look for (WAIT). */
	if (!slot && ok)
		return 0;
	if (slot)
		*slot = 0;
	for (k = 0; k < q->nslots; k++) {
		u64 s = READ_ONCE(q->slots[k].seqno);

		if (s == seqno) {
			*error = READ_ONCE(q->slots[k].error);
			if (slot)
				*slot = k;
			return 0;
		}
		if (s > best && slot) {
			best = s;
			*slot = k;
		}
	}
	if (ok)
		return 0;
	if (q->state != DRM_DSB_QUEUE_ACTIVE && q->fault_seqno && seqno >= q->fault_seqno) {
		*error = seqno == q->fault_seqno ? dsb_fault_errno(q->fault) : -ECANCELED;
		return 0;
	}
	return -ENODATA;
}

/**
 * dsb_queue_job_status() - the status of a job that completed
 * @q: the queue
 * @seqno: a job seqno, at most the queue's last completed one
 * @error: out, the job's status
 *
 * Return: 0, or -ENODATA when its status is no longer known (see
 * %DRM_IOCTL_DSB_WAIT).
 */
int dsb_queue_job_status(struct dsb_user_queue *q, u64 seqno, s32 *error)
{
	unsigned long flags;
	int ret;

	spin_lock_irqsave(&q->lock, flags);
	ret = dsb_queue_retired_status_locked(q, seqno, error, NULL);
	spin_unlock_irqrestore(&q->lock, flags);
	return ret;
}

/* The job @seqno in flight, or NULL. Queue lock held. */
static struct dsb_job *dsb_queue_find_inflight_locked(struct dsb_user_queue *q, u64 seqno)
{
	struct dsb_job *job;

	lockdep_assert_held(&q->lock);
	dsb_queue_sync_inflight_locked(q);
	list_for_each_entry(job, &q->inflight, node) {
		if (job->seqno == seqno)
			return job;
		if (job->seqno > seqno)
			break;
	}
	return NULL;
}

/**
 * dsb_queue_inflight_fence() - the fence of job @seqno if it is in flight
 * and has one
 * @q: the queue
 * @seqno: a submitted job's seqno
 *
 * Return: a reference to the fence, or NULL.
 */
struct dma_fence *dsb_queue_inflight_fence(struct dsb_user_queue *q, u64 seqno)
{
	struct dma_fence *fence = NULL;
	unsigned long flags;
	struct dsb_job *job;

	spin_lock_irqsave(&q->lock, flags);
	job = dsb_queue_find_inflight_locked(q, seqno);
	if (job && job->fence)
		fence = dma_fence_get(&job->fence->base);
	spin_unlock_irqrestore(&q->lock, flags);
	return fence;
}

/*
 * Make @f the fence of job @seqno, which completed with @error, while the
 * queue lock is held: signalled, with the job's error and its origin if
 * the slot still keeps it, after the lock is dropped (it is nobody's yet).
 */
static void dsb_queue_fence_retired_locked(struct dsb_user_queue *q, struct dsb_fence *f,
					   u64 seqno, s32 error, u32 slot)
{
	u32 k;

	dsb_fence_init(f, q, slot, seqno);
	if (!error)
		return;
	for (k = 0; k < q->nslots; k++) {
		if (q->origins[k].seqno == seqno) {
			f->origin = q->origins[k].origin;
			break;
		}
	}
	f->error_inherited = !!(f->origin.flags & DRM_DSB_ORIGIN_INHERITED);
	dma_fence_set_error(&f->base, error);
}

/**
 * dsb_queue_job_fence() - the dma_fence of job @seqno, made on demand
 * @q: the queue
 * @seqno: a job seqno
 * @lazy: no fence for a job that already completed without an error
 * @fence: out, a reference to the fence, or NULL (@lazy only)
 *
 * Process context; may allocate (the fence, charged to the queue's owner),
 * never in a signalling path. A job in flight that has a fence gives it; one
 * without gets a new fence attached under the queue lock, where its
 * completion (dsb_job_signal()) finds it. A job that completed gets a new
 * fence, signalled with its status and origin, as every other report of
 * the job already says. Asking again for a job in flight gives the same
 * fence: repeated asks allocate nothing more.
 *
 * Return: 0, -EINVAL for a seqno never submitted, -ENODATA for a job whose
 * status is no longer known, -EDQUOT or -ENOMEM (dsb_fence_alloc()).
 */
static int dsb_queue_job_fence(struct dsb_user_queue *q, u64 seqno, bool lazy,
			       struct dma_fence **fence)
{
	struct dsb_fence *f = NULL;
	bool retired = false;
	unsigned long flags;
	struct dsb_job *job;
	u32 slot;
	s32 error;
	int ret;

	*fence = NULL;
	if (!seqno || seqno > READ_ONCE(q->submitted))
		return -EINVAL;
again:
	spin_lock_irqsave(&q->lock, flags);
	job = dsb_queue_find_inflight_locked(q, seqno);
	if (job && job->fence) {
		*fence = dma_fence_get(&job->fence->base);
		ret = 0;
		goto out;
	}
	if (!job) {
		ret = dsb_queue_retired_status_locked(q, seqno, &error, &slot);
		if (ret || (lazy && !error))
			goto out;
	}
	if (!f) {
		spin_unlock_irqrestore(&q->lock, flags);
		f = dsb_fence_alloc(q);
		if (IS_ERR(f))
			return PTR_ERR(f);
		goto again;
	}
	if (job) {
		dsb_fence_init(f, q, job->slot, seqno);
		job->fence = f;
		*fence = dma_fence_get(&f->base);
		atomic64_inc(&q->ddev->stats.late_fences);
	} else {
		dsb_queue_fence_retired_locked(q, f, seqno, error, slot);
		*fence = &f->base;
		retired = true;
	}
	f = NULL;
	ret = 0;
out:
	spin_unlock_irqrestore(&q->lock, flags);
	if (f)
		dsb_fence_free_unarmed(f);
	if (retired)
		dma_fence_signal(*fence);
	return ret;
}

/**
 * dsb_file_job_fence() - dsb_queue_job_fence() for a queue of a file
 * @df: the file
 * @queue_id: one of its queues
 * @seqno: a job seqno
 * @lazy: no fence for a job that already completed without an error
 * @fence: out, a reference to the fence, or NULL (@lazy only)
 *
 * Return: 0, -ENOENT for an unknown queue, or dsb_queue_job_fence()'s
 * errors.
 */
int dsb_file_job_fence(struct dsb_file *df, u32 queue_id, u64 seqno, bool lazy,
		       struct dma_fence **fence)
{
	struct dsb_user_queue *q = dsb_queue_lookup(df, queue_id);
	int ret;

	*fence = NULL;
	if (!q)
		return -ENOENT;
	ret = dsb_queue_job_fence(q, seqno, lazy, fence);
	dsb_queue_put(q);
	return ret;
}

static void dsb_queue_revoke_mmap(struct dsb_user_queue *q, struct drm_file *file)
{
	struct dsb_gem_object *bos[] = { q->ring_bo, q->ctrl_bo, q->fence_bo, q->sqcq_bo };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bos); i++)
		if (bos[i])
			drm_vma_node_revoke(&bos[i]->base.vma_node, file);
}

/*
 * Stop a queue: no submit is running or will run, the GPU lets go of it,
 * everything in flight is cancelled. A second stop does nothing.
 */
static void dsb_queue_stop(struct dsb_user_queue *q)
{
	bool cookie;

	mutex_lock(&q->sq_lock);
	mutex_lock(&q->submit_lock);
	dsb_gpu_queue_unmap(&q->hw);
	cookie = dma_fence_begin_signalling();
	dsb_queue_ban(q, DRM_DSB_FAULT_NONE, 0);
	dma_fence_end_signalling(cookie);
	mutex_unlock(&q->submit_lock);
	mutex_unlock(&q->sq_lock);
}

/**
 * dsb_device_stop_queues() - take every queue of a device off its GPU
 * @ddev: the device, unplugged: no queue is created any more
 *
 * The driver unbinds: every queue is stopped as a destroy stops it, so
 * its fences signal with -ECANCELED and its submits fail from then on.
 * The queues stay with their files until those close.
 */
void dsb_device_stop_queues(struct dsb_device *ddev)
{
	struct dsb_user_queue *q, *found;

	/* One at a time: the queue list lock is not held around a stop. */
	do {
		found = NULL;
		mutex_lock(&ddev->queues_lock);
		list_for_each_entry(q, &ddev->queues, dev_node) {
			if (READ_ONCE(q->hw.engine)) {
				found = dsb_queue_get(q);
				break;
			}
		}
		mutex_unlock(&ddev->queues_lock);
		if (found) {
			dsb_queue_stop(found);
			dsb_queue_put(found);
		}
	} while (found);
}

/*
 * Stop a queue and take it off the device. Called with the queue out of
 * the file's table.
 */
static void dsb_queue_destroy(struct dsb_user_queue *q, struct drm_file *file)
{
	struct dsb_device *ddev = q->ddev;

	dsb_queue_stop(q);
	mutex_lock(&ddev->queues_lock);
	list_del(&q->dev_node);
	mutex_unlock(&ddev->queues_lock);
	dsb_queue_revoke_mmap(q, file);
	dsb_queue_put(q);
}

/**
 * dsb_file_destroy_queues() - destroy every queue of a closing file
 * @file: the file
 */
void dsb_file_destroy_queues(struct drm_file *file)
{
	struct dsb_file *df = file->driver_priv;
	struct dsb_user_queue *q;
	unsigned long id;

	xa_for_each(&df->queues, id, q) {
		xa_erase(&df->queues, id);
		dsb_queue_destroy(q, file);
	}
}

static int dsb_queue_create_bo(struct dsb_user_queue *q, size_t size, bool ro,
			       struct dsb_gem_object **out, void **vaddr)
{
	struct dsb_gem_object *bo = dsb_bo_create(q->ddev, q->mem, size);

	if (IS_ERR(bo))
		return PTR_ERR(bo);
	bo->user_readonly = ro;
	*out = bo;
	*vaddr = bo->vaddr;
	return 0;
}

static bool dsb_size_ok(u32 v, u32 min, u32 max)
{
	return is_power_of_2(v) && v >= min && v <= max;
}

/* Validate QUEUE_CREATE's arguments, defaults applied, and its privilege. */
static int dsb_queue_create_check(const struct drm_dsb_queue_create *args,
				  struct drm_file *file, u32 ring, u32 nslots)
{
	if (args->flags & ~(DRM_DSB_QUEUE_RING_READONLY | DRM_DSB_QUEUE_EXPLICIT_SYNC) ||
	    args->priority > DRM_DSB_QUEUE_PRIORITY_MAX ||
	    !dsb_size_ok(ring, DSB_MIN_RING_PACKETS, DSB_MAX_RING_PACKETS) ||
	    !dsb_size_ok(nslots, 1, DSB_MAX_FENCE_SLOTS) ||
	    args->timeout_ms > 600000)
		return -EINVAL;
	/* As amdgpu user queues: above normal needs privilege. */
	if (args->priority > DRM_DSB_QUEUE_PRIORITY_NORMAL &&
	    !capable(CAP_SYS_NICE) && !drm_is_current_master(file))
		return -EACCES;
	return 0;
}

/*
 * The priority a deadline hint may boost a queue to. Any holder of one of
 * its fences can set a deadline, so the boost must not be a way around the
 * privilege rule: the highest priority only for a creator who could have
 * asked for it (CAP_SYS_NICE or DRM master; checked without an audit
 * record for queues at or below normal, which do not need it), otherwise
 * at most normal, what an unprivileged creator may have anyway.
 */
static u32 dsb_queue_boost_priority(struct drm_file *file, u32 priority)
{
	/* dsb_queue_create_check() has checked the privilege. */
	if (priority > DRM_DSB_QUEUE_PRIORITY_NORMAL ||
	    ns_capable_noaudit(&init_user_ns, CAP_SYS_NICE) || drm_is_current_master(file))
		return DRM_DSB_QUEUE_PRIORITY_MAX;
	return DRM_DSB_QUEUE_PRIORITY_NORMAL;
}

/*
 * The queue and its kernel tables, charged to the file's user (its BOs
 * charge themselves). On failure the caller drops the only reference.
 */
static struct dsb_user_queue *dsb_queue_alloc(struct dsb_device *ddev, struct drm_file *file,
					      const struct drm_dsb_queue_create *args,
					      u32 ring, u32 nslots)
{
	struct dsb_file *df = file->driver_priv;
	struct dsb_user_queue *q;
	u64 charge;

	charge = dsb_mem_kmalloc_size(sizeof(*q)) +
		 dsb_mem_kmalloc_size(nslots * sizeof(*q->slot_job)) +
		 dsb_mem_kmalloc_size((size_t)nslots * DSB_MAX_JOB_DEPS * sizeof(*q->deps)) +
		 dsb_mem_kmalloc_size(BITS_TO_LONGS(nslots) * sizeof(long)) +
		 dsb_mem_kmalloc_size(nslots * sizeof(*q->origins));
	q = dsb_mem_kzalloc(df->mem, sizeof(*q), charge);
	if (IS_ERR(q))
		return q;
	q->mem = dsb_mem_client_get(df->mem);
	q->mem_charge = charge;
	atomic_inc(&ddev->stats.live_queues);
	kref_init(&q->ref);
	q->ddev = ddev;
	q->flags = args->flags;
	q->priority = args->priority;
	q->boost_priority = dsb_queue_boost_priority(file, args->priority);
	q->ring_packets = ring;
	q->nslots = nslots;
	q->timeout_ms = args->timeout_ms ?: dsb_timeout_ms;
	q->fence_context = dma_fence_context_alloc(1);
	get_random_bytes(&q->key, sizeof(q->key));
	mutex_init(&q->sq_lock);
	mutex_init(&q->submit_lock);
	spin_lock_init(&q->lock);
	init_waitqueue_head(&q->done_wq);
	INIT_LIST_HEAD(&q->inflight);
	init_llist_head(&q->submitted_jobs);
	INIT_LIST_HEAD(&q->dev_node);
	dsb_recycler_init(&q->job_cache, nslots);
	q->owner = file;
	q->busy_ns = df->busy_ns;
	q->client_id = df->client_id;
	q->vm = dsb_vm_get(df->vm);

	q->slot_job = kcalloc(nslots, sizeof(*q->slot_job), GFP_KERNEL_ACCOUNT);
	q->deps = kvcalloc((size_t)nslots * DSB_MAX_JOB_DEPS, sizeof(*q->deps),
			   GFP_KERNEL_ACCOUNT);
	q->resv.slots = bitmap_zalloc(nslots, GFP_KERNEL_ACCOUNT);
	q->origins = kvcalloc(nslots, sizeof(*q->origins), GFP_KERNEL_ACCOUNT);
	/* Twice the slots: a CQE is seen before its job's fence is released. */
	q->fence_pool = dsb_fence_pool_create(2 * nslots);
	if (!q->slot_job || !q->deps || !q->resv.slots || !q->origins || !q->fence_pool) {
		dsb_queue_put(q);
		return ERR_PTR(-ENOMEM);
	}
	return q;
}

/*
 * The four regions: ring, control page, fence memory (header and slots),
 * SQ/CQ (header, SQEs, CQEs), and their layout.
 */
static int dsb_queue_create_regions(struct dsb_user_queue *q)
{
	size_t sq_size, cq_size;
	void *vaddr;
	int ret;

	ret = dsb_queue_create_bo(q, (size_t)q->ring_packets * DRM_DSB_PACKET_SIZE,
				  q->flags & DRM_DSB_QUEUE_RING_READONLY, &q->ring_bo, &vaddr);
	if (ret)
		return ret;
	q->ring_bo->is_ring = true;
	q->ring = vaddr;
	ret = dsb_queue_create_bo(q, sizeof(*q->ctrl), false, &q->ctrl_bo, &vaddr);
	if (ret)
		return ret;
	q->ctrl = vaddr;
	ret = dsb_queue_create_bo(q, sizeof(*q->fhdr) + q->nslots * sizeof(*q->slots),
				  true, &q->fence_bo, &vaddr);
	if (ret)
		return ret;
	q->fhdr = vaddr;
	q->slots = vaddr + sizeof(*q->fhdr);

	BUILD_BUG_ON(sizeof(struct drm_dsb_sq_cq_header) > DSB_SQCQ_HDR_SIZE);
	sq_size = (size_t)q->nslots * sizeof(struct drm_dsb_sqe);
	cq_size = (size_t)2 * q->nslots * sizeof(struct drm_dsb_cqe);
	ret = dsb_queue_create_bo(q, DSB_SQCQ_HDR_SIZE + sq_size + cq_size, false,
				  &q->sqcq_bo, &vaddr);
	if (ret)
		return ret;
	q->sqcq = vaddr;
	/*
	 * The header is userspace's to scribble on: the kernel keeps its own
	 * copy of every size it uses.
	 */
	q->sq_entries = q->nslots;
	q->cq_entries = 2 * q->nslots;
	q->sqcq->sq_entries = q->sq_entries;
	q->sqcq->cq_entries = q->cq_entries;
	q->sqcq->sqes_offset = DSB_SQCQ_HDR_SIZE;
	q->sqcq->cqes_offset = DSB_SQCQ_HDR_SIZE + sq_size;
	q->sqes = vaddr + DSB_SQCQ_HDR_SIZE;
	q->cqes = vaddr + DSB_SQCQ_HDR_SIZE + sq_size;
	return 0;
}

/* Map the ring into the GPU VA space, let the file mmap the four regions. */
static int dsb_queue_map(struct dsb_user_queue *q, struct drm_file *file,
			 struct drm_dsb_queue_create *args)
{
	int ret = dsb_vm_map(q->vm, q->ring_bo, &q->ring_va);

	if (ret)
		return ret;
	ret = dsb_bo_allow_mmap(q->ring_bo, file, &args->ring_offset);
	if (!ret)
		ret = dsb_bo_allow_mmap(q->ctrl_bo, file, &args->ctrl_offset);
	if (!ret)
		ret = dsb_bo_allow_mmap(q->fence_bo, file, &args->fences_offset);
	if (!ret)
		ret = dsb_bo_allow_mmap(q->sqcq_bo, file, &args->sq_cq_offset);
	if (ret)
		dsb_queue_revoke_mmap(q, file);
	return ret;
}

/* What the GPU is given of the queue: its "MQD" (dsb_gpu.h). */
static void dsb_queue_describe(struct dsb_user_queue *q)
{
	struct dsb_gpu_queue_desc *d = &q->hw.desc;

	d->ring = q->ring;
	d->ring_packets = q->ring_packets;
	d->ctrl = q->ctrl;
	d->fhdr = q->fhdr;
	d->deps = q->deps;
	d->ndeps = q->nslots * DSB_MAX_JOB_DEPS;
	d->nslots = q->nslots;
	d->key = q->key;
	dsb_vm_gpu_mmu(q->vm, &d->mmu);
	d->priority = q->priority;
	d->boost_priority = q->boost_priority;
	d->busy_ns = q->busy_ns;
	d->queue_id = q->id;
	d->client_id = q->client_id;
	d->dev_index = q->ddev->index;
}

/* Give the queue an id in the file, put it on the device and its GPU. */
static int dsb_queue_publish(struct dsb_user_queue *q, struct drm_file *file)
{
	struct dsb_file *df = file->driver_priv;
	struct dsb_device *ddev = q->ddev;
	int ret, idx;
	u32 id;

	/* An unbind waits for this to finish, then stops what it finds. */
	if (!drm_dev_enter(&ddev->drm, &idx))
		return -ENODEV;
	ret = xa_alloc(&df->queues, &id, q, XA_LIMIT(1, DSB_MAX_QUEUES), GFP_KERNEL);
	if (ret) {
		drm_dev_exit(idx);
		return ret == -EBUSY ? -EMFILE : ret;
	}
	q->id = id;
	dsb_queue_describe(q);
	mutex_lock(&ddev->queues_lock);
	list_add_tail(&q->dev_node, &ddev->queues);
	mutex_unlock(&ddev->queues_lock);
	dsb_gpu_queue_map(ddev->gpu, &q->hw);
	drm_dev_exit(idx);
	return 0;
}

/**
 * dsb_ioctl_queue_create() - DRM_IOCTL_DSB_QUEUE_CREATE
 * @dev: the DRM device
 * @data: &struct drm_dsb_queue_create
 * @file: the caller's file
 *
 * Validates, allocates the queue and its tables, creates its four regions,
 * maps them, then publishes the queue (its id, the device's list, an
 * engine). Any failure leaves nothing behind.
 *
 * Return: 0 or a negative errno, see the uAPI header.
 */
int dsb_ioctl_queue_create(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_dsb_queue_create *args = data;
	u32 ring = args->ring_packets ?: 256;
	u32 nslots = args->fence_slots ?: 64;
	struct dsb_user_queue *q;
	int ret;

	ret = dsb_queue_create_check(args, file, ring, nslots);
	if (ret)
		return ret;
	q = dsb_queue_alloc(to_dsb_device(dev), file, args, ring, nslots);
	if (IS_ERR(q))
		return PTR_ERR(q);
	ret = dsb_queue_create_regions(q);
	if (!ret)
		ret = dsb_queue_map(q, file, args);
	if (ret)
		goto err_put;
	ret = dsb_queue_publish(q, file);
	if (ret)
		goto err_revoke;

	args->queue_id = q->id;
	args->ring_packets = ring;
	args->fence_slots = nslots;
	args->timeout_ms = q->timeout_ms;
	args->ring_va = q->ring_va;
	args->sq_cq_size = q->sqcq_bo->base.size;
	args->sq_entries = q->sq_entries;
	args->cq_entries = q->cq_entries;
	return 0;

err_revoke:
	dsb_queue_revoke_mmap(q, file);
err_put:
	dsb_queue_put(q);
	return ret;
}

/**
 * dsb_ioctl_queue_destroy() - DRM_IOCTL_DSB_QUEUE_DESTROY
 * @dev: the DRM device
 * @data: &struct drm_dsb_queue_destroy
 * @file: the caller's file
 *
 * Return: 0, -EINVAL for a nonzero pad, -ENOENT for an unknown queue.
 */
int dsb_ioctl_queue_destroy(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_dsb_queue_destroy *args = data;
	struct dsb_file *df = file->driver_priv;
	struct dsb_user_queue *q;

	if (args->pad)
		return -EINVAL;
	q = xa_erase(&df->queues, args->queue_id);
	if (!q)
		return -ENOENT;
	dsb_queue_destroy(q, file);
	return 0;
}

/**
 * dsb_ioctl_queue_status() - DRM_IOCTL_DSB_QUEUE_STATUS
 * @dev: the DRM device
 * @data: &struct drm_dsb_queue_status
 * @file: the caller's file
 *
 * Return: 0, -EINVAL for a nonzero pad, -ENOENT for an unknown queue.
 */
int dsb_ioctl_queue_status(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_dsb_queue_status *args = data;
	struct dsb_user_queue *q;
	unsigned long flags;

	if (args->pad)
		return -EINVAL;
	q = dsb_queue_lookup(file->driver_priv, args->queue_id);
	if (!q)
		return -ENOENT;
	spin_lock_irqsave(&q->lock, flags);
	args->state = q->state;
	args->fault = q->fault;
	args->fault_seqno = q->fault_seqno;
	args->fault_va = q->fault_va;
	args->completed = q->completed;
	args->failed_seqno = q->last_failed;
	args->failed_origin = q->failed_origin;
	spin_unlock_irqrestore(&q->lock, flags);
	args->submitted = READ_ONCE(q->submitted);
	dsb_queue_put(q);
	return 0;
}
