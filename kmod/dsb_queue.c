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
#include <drm/drm_vma_manager.h>

#include "dsb_bo.h"
#include "dsb_engine.h"
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

/* Write the next CQE and publish it, queue lock held. */
static void dsb_queue_write_cqe_locked(struct dsb_user_queue *q, u64 user_data, u64 seqno,
				       s32 error, u32 slot, u32 cqe_flags)
{
	struct drm_dsb_cqe *cqe = &q->cqes[q->cq_tail & (q->cq_entries - 1)];

	lockdep_assert_held(&q->lock);
	cqe->user_data = user_data;
	cqe->seqno = seqno;
	cqe->error = error;
	cqe->slot = slot;
	cqe->flags = cqe_flags;
	cqe->pad = 0;
	WRITE_ONCE(q->cq_tail, q->cq_tail + 1);
	/* Pairs with the library's load-acquire of cq_tail. */
	smp_store_release(&q->sqcq->cq_tail, q->cq_tail);
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
 * dsb_queue_post_cqe() - post the CQE a job in flight was owed (no allocation)
 * @q: the queue
 * @user_data: from the SQE
 * @seqno: the job's seqno
 * @error: the job's status
 * @slot: the job's fence slot
 * @cqe_flags: %DRM_DSB_CQE_ERROR_INHERITED or 0
 */
void dsb_queue_post_cqe(struct dsb_user_queue *q, u64 user_data, u64 seqno,
			s32 error, u32 slot, u32 cqe_flags)
{
	unsigned long flags;

	spin_lock_irqsave(&q->lock, flags);
	dsb_queue_write_cqe_locked(q, user_data, seqno, error, slot, cqe_flags);
	q->cq_owed--;
	spin_unlock_irqrestore(&q->lock, flags);
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

/*
 * Take the jobs handed over in @submitted_jobs onto @to (the in-flight
 * list, or a banned queue's cancel list), oldest first, each with the CQE
 * it is owed. Queue lock held.
 */
static void dsb_queue_take_submitted_locked(struct dsb_user_queue *q, struct list_head *to)
{
	struct llist_node *first;
	struct dsb_job *job, *tmp;

	lockdep_assert_held(&q->lock);
	if (llist_empty(&q->submitted_jobs))
		return;
	first = llist_reverse_order(llist_del_all(&q->submitted_jobs));
	llist_for_each_entry_safe(job, tmp, first, cache_node) {
		list_add_tail(&job->node, to);
		q->cq_owed += job->post_cqe;
	}
}

/**
 * dsb_queue_sync_inflight_locked() - bring the in-flight list up to date
 * @q: the queue, lock held
 *
 * Whatever reads &dsb_user_queue.inflight calls this first. While the
 * queue is active, the jobs handed over by dsb_queue_add_jobs() go into
 * flight; once it is banned, only the ban and the submit that handed them
 * over take them, to cancel them.
 */
void dsb_queue_sync_inflight_locked(struct dsb_user_queue *q)
{
	lockdep_assert_held(&q->lock);
	if (q->state == DRM_DSB_QUEUE_ACTIVE)
		dsb_queue_take_submitted_locked(q, &q->inflight);
}

/**
 * dsb_queue_add_jobs() - take a batch's armed jobs on a queue into flight
 * @q: the queue, submit lock held
 * @descs: the batch; the jobs on @q are taken, their descriptors' @job
 *         cleared (owned by the queue now)
 * @count: jobs in the batch
 * @cancel: where the jobs go when the queue was banned since the batch
 *          reserved; the caller finishes the jobs on it
 *
 * The batch is handed over without the queue lock, which the engine holds
 * while it retires: the jobs' fence slots are marked (only the submit
 * lock's holder sets them) and the jobs pushed onto
 * &dsb_user_queue.submitted_jobs in one exchange, before the doorbell
 * that lets the engine reach them. Only a queue banned meanwhile takes
 * the lock, to cancel them. The submitted seqno advances either way, last:
 * the packets are in the ring.
 */
void dsb_queue_add_jobs(struct dsb_user_queue *q, struct dsb_submit_desc *descs, u32 count,
			struct list_head *cancel)
{
	struct llist_node *newest = NULL, *oldest = NULL;
	struct dsb_job *job, *tmp;
	unsigned long flags;
	LIST_HEAD(banned);
	u32 i, owed = 0;
	u64 last = 0;

	lockdep_assert_held(&q->submit_lock);
	for (i = 0; i < count; i++) {
		job = descs[i].job;
		if (descs[i].q != q)
			continue;
		descs[i].job = NULL;
		WRITE_ONCE(q->slot_job[job->slot], job);
		job->cache_node.next = newest;
		newest = &job->cache_node;
		oldest = oldest ?: newest;
		owed += job->post_cqe;
		last = job->seqno;
	}
	if (!newest)
		return;
	if (owed) {
		lockdep_assert_held(&q->sq_lock);
		q->cq_committed += owed;
	}
	llist_add_batch(newest, oldest, &q->submitted_jobs);
	/* Push (a full barrier) before the check: pairs with dsb_queue_ban(). */
	if (unlikely(READ_ONCE(q->state) != DRM_DSB_QUEUE_ACTIVE)) {
		/* Banned since we reserved: the fences still signal, with an error. */
		spin_lock_irqsave(&q->lock, flags);
		dsb_queue_take_submitted_locked(q, &banned);
		list_for_each_entry_safe(job, tmp, &banned, node) {
			list_move_tail(&job->node, cancel);
			dsb_queue_cancel_job_locked(q, job, -ECANCELED);
		}
		spin_unlock_irqrestore(&q->lock, flags);
	}
	WRITE_ONCE(q->submitted, last);
}

/**
 * dsb_queue_complete_job_locked() - complete a job that leaves flight
 * @q: the queue, lock held
 * @job: the job, taken out of flight in the same critical section
 * @err: its error (the engine's, or the ban's)
 * @inherited: @err came from a dependency, not from the job or its queue
 * @ts: the completion timestamp for its fence
 *
 * In one critical section with taking the job out of flight, its fence
 * slot is freed for the next job, then written, and its dma_fence
 * signalled (dsb_job_signal_locked()), and the queue's completed seqno
 * advanced. Whatever reports the job complete — WAIT and io_uring waits
 * (they look for the job under this lock), fence memory, its CQE (posted
 * after this, in the same critical section by dsb_queue_retire(), or by
 * dsb_job_finish() for a cancelled job), a fence callback — therefore
 * finds its fence,
 * syncobj points and sync_files signalled, with the status it reports,
 * and its fence slot free: a SUBMIT on it issued the moment completion is
 * seen succeeds (its ring space was freed earlier still, when the engine
 * consumed the packets). GPU-side and userspace waiters of the slot move on.
 *
 * The slot reads free before anything reports the job done. A submit that
 * sees it free early arms a new job on it, which cannot retire before this
 * critical section ends and writes a later seqno into the slot.
 */
static void dsb_queue_complete_job_locked(struct dsb_user_queue *q, struct dsb_job *job,
					  int err, bool inherited, ktime_t ts)
{
	lockdep_assert_held(&q->lock);
	/*
	 * Free before any report of completion (the slot write's release, the
	 * fence's callbacks): pairs with dsb_submit_reserve_queue().
	 */
	smp_store_release(&q->slot_job[job->slot], NULL);
	err = dsb_job_signal_locked(job, err, inherited, ts);
	job->status = err;
	q->completed = job->seqno;
	if (err) {
		if (!q->first_failed)
			q->first_failed = job->seqno;
		q->last_failed = job->seqno;
		q->failed_origin = job->fence->origin;
	}
}

/**
 * dsb_queue_retire() - the completion interrupt: retire jobs up to @seqno
 * @q: the queue
 * @seqno: seqno of the SIGNAL packet the engine executed
 * @err: the job's status as the engine saw it (a failed dependency)
 *
 * Runs in the engine's signalling section, once per batch of SIGNALs:
 * in one critical section writes the jobs' fence slots, signals their
 * fences from preallocated state (one timestamp for the batch) and posts
 * their CQEs into preallocated memory; then frees the jobs.
 */
void dsb_queue_retire(struct dsb_user_queue *q, u64 seqno, s32 err)
{
	struct dsb_job *job, *tmp, *last = NULL;
	unsigned long flags;
	LIST_HEAD(done);
	u64 n = 0;
	ktime_t ts;

	if (unlikely(dsb_test_hook(retire_delay_us)))
		udelay(min(dsb_test_hook(retire_delay_us), 20000U));

	/* One clock read for the batch: every fence gets its timestamp. */
	ts = ktime_get();
	spin_lock_irqsave(&q->lock, flags);
	dsb_queue_sync_inflight_locked(q);
	list_for_each_entry(job, &q->inflight, node) {
		if (job->seqno > seqno)
			break;
		last = job;
		n++;
		/* The engine's error for a job is a dependency's: it skipped it. */
		dsb_queue_complete_job_locked(q, job, err, err != 0, ts);
		/* Its CQE, after its fence, in the same critical section. */
		if (job->post_cqe) {
			dsb_queue_write_cqe_locked(q, job->user_data, job->seqno, job->status,
						   job->slot, dsb_job_cqe_flags(job));
			q->cq_owed--;
			job->post_cqe = false;
		}
	}
	/* The retired jobs leave flight at once, not one by one. */
	if (last)
		list_cut_position(&done, &q->inflight, &last->node);
	spin_unlock_irqrestore(&q->lock, flags);

	atomic64_add(n, &q->ddev->stats.completions);
	/* A local list, dropped whole: no job needs unlinking from it. */
	list_for_each_entry_safe(job, tmp, &done, node)
		dsb_job_free(job);
}

/**
 * dsb_queue_write_slot_locked() - complete a job's fence slot
 * @q: the queue, lock held
 * @job: a retiring job, its fence's error set, its fence not yet signalled
 * @err: its status
 * @inherited: @err is a dependency's (%DRM_DSB_SLOT_ERROR_INHERITED)
 *
 * The only writer of fence slots, called by dsb_job_signal_locked(): the
 * engine's SIGNAL goes through dsb_queue_retire(), bans and cancelled
 * submits through dsb_queue_cancel_job_locked().
 */
void dsb_queue_write_slot_locked(struct dsb_user_queue *q, struct dsb_job *job, int err,
				 bool inherited)
{
	struct drm_dsb_fence_slot *fs = &q->slots[job->slot];

	lockdep_assert_held(&q->lock);
	q->origins[job->slot].seqno = job->seqno;
	q->origins[job->slot].origin = job->fence->origin;
	/* Published with the error by the release store of the seqno. */
	WRITE_ONCE(fs->flags, err && inherited ? DRM_DSB_SLOT_ERROR_INHERITED : 0);
	dsb_fence_word_publish(&fs->seqno, &fs->error, job->seqno, err);
	/* Slot before header: pairs with userspace's load-acquire of it. */
	smp_store_release(&q->fhdr->completed, job->seqno);
}

/**
 * dsb_queue_cancel_job_locked() - complete a job that will not run
 * @q: the queue, lock held
 * @job: the job, off the in-flight list and on the caller's list
 * @err: its error
 *
 * The caller calls dsb_job_finish() with &dsb_job.status once unlocked.
 */
void dsb_queue_cancel_job_locked(struct dsb_user_queue *q, struct dsb_job *job, int err)
{
	lockdep_assert_held(&q->lock);
	atomic64_inc(&q->ddev->stats.cancels);
	dsb_queue_complete_job_locked(q, job, err, false, ktime_get());
}

/**
 * dsb_queue_ban() - ban a queue and retire everything in flight
 * @q: the queue
 * @fault: &enum drm_dsb_fault_kind, %DRM_DSB_FAULT_NONE for a destroy
 * @va: faulting VA or 0
 *
 * The first job in flight gets dsb_fault_errno(@fault), the others
 * -ECANCELED. Nothing here allocates; a second ban is a no-op.
 */
void dsb_queue_ban(struct dsb_user_queue *q, u32 fault, u64 va)
{
	struct dsb_job *job, *tmp;
	unsigned long flags;
	LIST_HEAD(cancel);
	int err;

	spin_lock_irqsave(&q->lock, flags);
	if (q->state != DRM_DSB_QUEUE_ACTIVE) {
		spin_unlock_irqrestore(&q->lock, flags);
		return;
	}
	WRITE_ONCE(q->state, DRM_DSB_QUEUE_BANNED);
	/*
	 * State before taking the jobs handed over: pairs with the push and
	 * check in dsb_queue_add_jobs(). Either this finds its batch, or that
	 * sees the ban and cancels it.
	 */
	smp_mb();
	dsb_queue_take_submitted_locked(q, &q->inflight);
	q->fault = fault;
	q->fault_va = va;
	job = list_first_entry_or_null(&q->inflight, struct dsb_job, node);
	q->fault_seqno = job ? job->seqno : 0;
	trace_dsb_fault(q, fault, q->fault_seqno, va);
	list_splice_init(&q->inflight, &cancel);
	err = dsb_fault_errno(fault);
	list_for_each_entry(job, &cancel, node) {
		dsb_queue_cancel_job_locked(q, job, err);
		err = -ECANCELED;
	}
	WRITE_ONCE(q->fhdr->fault, fault);
	WRITE_ONCE(q->fhdr->state, DRM_DSB_QUEUE_BANNED);
	spin_unlock_irqrestore(&q->lock, flags);

	if (fault != DRM_DSB_FAULT_NONE)
		atomic64_inc(&q->ddev->stats.faults);
	list_for_each_entry_safe(job, tmp, &cancel, node) {
		list_del(&job->node);
		dsb_job_finish(job, job->status);
	}
	dsb_device_kick_all(q->ddev);
}

/**
 * dsb_queue_seqno_fence() - the fence of job @seqno, or its final status
 * @q: the queue
 * @seqno: a job seqno
 * @fence: out, a reference to the job's fence while it is in flight, else NULL
 * @error: out, when retired: the job's status, else 0
 *
 * A retired job's status is read from its fence slot while the slot holds
 * it. After the slot was reused it is still known when no job failed in
 * the range that could hold it (before the queue's first failure or after
 * its last one), or when the queue was banned at or before it (jobs from
 * the faulting one on all failed); otherwise it is lost, and the caller
 * gets -ENODATA rather than a success that may be false. Everything is
 * read under the queue lock, in which jobs leave flight already signalled.
 *
 * Return: 0, -EINVAL for a seqno that was never submitted, -ENODATA for a
 * retired job whose status is no longer known.
 */
int dsb_queue_seqno_fence(struct dsb_user_queue *q, u64 seqno, struct dma_fence **fence,
			  s32 *error)
{
	unsigned long flags;
	struct dsb_job *job;
	int ret = -ENODATA;
	u32 k;

	*fence = NULL;
	*error = 0;
	if (!seqno || seqno > READ_ONCE(q->submitted))
		return -EINVAL;
	spin_lock_irqsave(&q->lock, flags);
	dsb_queue_sync_inflight_locked(q);
	list_for_each_entry(job, &q->inflight, node) {
		if (job->seqno == seqno) {
			*fence = dma_fence_get(&job->fence->base);
			ret = 0;
			goto out;
		}
	}
	for (k = 0; k < q->nslots; k++) {
		if (READ_ONCE(q->slots[k].seqno) == seqno) {
			*error = READ_ONCE(q->slots[k].error);
			ret = 0;
			goto out;
		}
	}
	if (!q->first_failed || seqno < q->first_failed || seqno > q->last_failed) {
		ret = 0;
	} else if (q->state != DRM_DSB_QUEUE_ACTIVE && q->fault_seqno &&
		   seqno >= q->fault_seqno) {
		*error = seqno == q->fault_seqno ? dsb_fault_errno(q->fault) : -ECANCELED;
		ret = 0;
	}
out:
	spin_unlock_irqrestore(&q->lock, flags);
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
 * Stop a queue: no submit is running or will run, the engine lets go of
 * it, everything in flight is cancelled. Called with the queue out of the
 * file's table.
 */
static void dsb_queue_destroy(struct dsb_user_queue *q, struct drm_file *file)
{
	struct dsb_device *ddev = q->ddev;
	bool cookie;

	mutex_lock(&q->sq_lock);
	mutex_lock(&q->submit_lock);
	dsb_engine_remove_queue(q->engine, q);
	cookie = dma_fence_begin_signalling();
	dsb_queue_ban(q, DRM_DSB_FAULT_NONE, 0);
	dma_fence_end_signalling(cookie);
	mutex_unlock(&q->submit_lock);
	mutex_unlock(&q->sq_lock);

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
	INIT_LIST_HEAD(&q->inflight);
	init_llist_head(&q->submitted_jobs);
	INIT_LIST_HEAD(&q->dev_node);
	dsb_recycler_init(&q->job_cache, nslots);
	q->owner = file;
	q->busy_ns = df->busy_ns;
	q->client_id = df->client_id;
	q->ctx.slot = -1;
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

/* Give the queue an id in the file, put it on the device and an engine. */
static int dsb_queue_publish(struct dsb_user_queue *q, struct drm_file *file)
{
	struct dsb_file *df = file->driver_priv;
	struct dsb_device *ddev = q->ddev;
	u32 id;
	int ret;

	ret = xa_alloc(&df->queues, &id, q, XA_LIMIT(1, DSB_MAX_QUEUES), GFP_KERNEL);
	if (ret)
		return ret == -EBUSY ? -EMFILE : ret;
	q->id = id;
	mutex_lock(&ddev->queues_lock);
	list_add_tail(&q->dev_node, &ddev->queues);
	mutex_unlock(&ddev->queues_lock);
	dsb_engine_add_queue(dsb_engine_pick(ddev), q);
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
