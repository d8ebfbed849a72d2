// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Copyright (C) 2026 The dsb authors */
/**
 * DOC: Completion
 *
 * Every way a job leaves flight goes through one function,
 * dsb_queue_complete_locked(): the GPU's completion interrupt
 * (dsb_irq_complete(), once per batch of executed SIGNALs), a ban (a GPU
 * fault through dsb_irq_fault(), the watchdog, a destroy, an unbind) and
 * a batch cancelled because its queue was banned while it was submitted.
 * For each job, in one critical section under the queue lock, it
 *
 * 1. frees the job's fence slot for the next job;
 * 2. settles the job's status (a dependency's error reaches it) and the
 *    origin of its error (dsb_job_settle_locked());
 * 3. writes the fence slot (dsb_queue_write_slot_locked(), the only
 *    writer of fence slots) and signals the job's dma_fence, if it has
 *    one (see "Fences on demand" in dsb_job.c);
 * 4. posts the job's CQE (dsb_queue_write_cqe_locked(), the only writer
 *    of CQEs).
 *
 * The queue's waiters (%DRM_IOCTL_DSB_WAIT on jobs without a fence) are
 * then woken, once per batch, and the jobs freed with the lock dropped
 * (dsb_queue_free_jobs()).
 * Whatever reports a job complete (fence memory, its CQE, WAIT, io_uring
 * waits, a fence callback) therefore finds its fence slot free, fence
 * memory written, its fence signalled with the status it reports, and
 * its CQE posted or about to be in the same critical section. Nothing
 * here allocates: it runs in the GPU's signalling section.
 *
 * Hardware events reach the driver only through this file: the callback
 * table &dsb_irq_ops is what the driver registers with the GPU.
 */
#include <linux/delay.h>
#include <linux/dma-fence.h>
#include <linux/ktime.h>

#include "dsb_fence.h"
#include "dsb_gpu.h"
#include "dsb_job.h"
#include "dsb_queue.h"
#include "dsb_trace.h"

/**
 * dsb_queue_write_cqe_locked() - write the next CQE and publish it
 * @q: the queue, lock held
 * @user_data: from the SQE
 * @seqno: the job's seqno, 0 for an entry that was never submitted
 * @error: its status
 * @slot: its fence slot
 * @cqe_flags: %DRM_DSB_CQE_ERROR_INHERITED or 0
 *
 * The only writer of CQEs.
 */
void dsb_queue_write_cqe_locked(struct dsb_user_queue *q, u64 user_data, u64 seqno,
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
 * dsb_queue_write_slot_locked() - complete a job's fence slot
 * @q: the queue, lock held
 * @job: a completing job, its fence's error set, its fence not yet signalled
 * @err: its status
 * @inherited: @err is a dependency's (%DRM_DSB_SLOT_ERROR_INHERITED)
 *
 * The only writer of fence slots.
 */
static void dsb_queue_write_slot_locked(struct dsb_user_queue *q, struct dsb_job *job, int err,
					bool inherited)
{
	struct drm_dsb_fence_slot *fs = &q->slots[job->slot];

	lockdep_assert_held(&q->lock);
	q->origins[job->slot].seqno = job->seqno;
	q->origins[job->slot].origin = job->origin;
	/* Published with the error by the release store of the seqno. */
	WRITE_ONCE(fs->flags, err && inherited ? DRM_DSB_SLOT_ERROR_INHERITED : 0);
	dsb_fence_word_publish(&fs->seqno, &fs->error, job->seqno, err);
	/* Slot before header: pairs with userspace's load-acquire of it. */
	smp_store_release(&q->fhdr->completed, job->seqno);
}

/*
 * One job leaves flight: slot freed, status settled, fence slot written,
 * fence signalled, CQE posted (see "Completion"). The slot reads free
 * before anything reports the job done; a submit that sees it free early
 * arms a new job on it, which cannot complete before this critical
 * section ends, and writes a later seqno into the slot.
 */
static void dsb_queue_complete_job_locked(struct dsb_user_queue *q, struct dsb_job *job,
					  s32 err, bool inherited, ktime_t ts)
{
	lockdep_assert_held(&q->lock);
	/*
	 * Free before any report of completion (the slot write's release, the
	 * fence's callbacks): pairs with dsb_submit_reserve_queue().
	 */
	smp_store_release(&q->slot_job[job->slot], NULL);
	err = dsb_job_settle_locked(job, err, &inherited);
	dsb_queue_write_slot_locked(q, job, err, inherited);
	trace_dsb_job_done(q, job->seqno, err);
	dsb_job_signal(job, ts);
	job->status = err;
	q->completed = job->seqno;
	if (err) {
		if (!q->first_failed)
			q->first_failed = job->seqno;
		q->last_failed = job->seqno;
		q->failed_origin = job->origin;
	}
	if (job->post_cqe) {
		dsb_queue_write_cqe_locked(q, job->user_data, job->seqno, err, job->slot,
					   dsb_job_cqe_flags(job));
		q->cq_owed--;
		job->post_cqe = false;
	}
}

/**
 * dsb_queue_complete_locked() - jobs leave flight: the one completion path
 * @q: the queue, lock held
 * @jobs: the jobs, oldest first (&dsb_user_queue.inflight, or a list of
 *        jobs a ban or a cancelled submit took)
 * @until: complete the jobs up to this seqno (U64_MAX: all)
 * @err: the first job's status: the GPU's (a failed dependency), or why it
 *       is cancelled
 * @rest: the status of the others
 * @inherited: @err came from a dependency, not from the job or its queue
 * @ts: their completion timestamp, read before the lock was taken (one
 *      clock read for all of them, outside the interrupts-off section)
 * @done: where the completed jobs go (at its tail), for dsb_queue_free_jobs()
 *
 * Return: how many jobs completed.
 */
u32 dsb_queue_complete_locked(struct dsb_user_queue *q, struct list_head *jobs, u64 until,
			      s32 err, s32 rest, bool inherited, ktime_t ts,
			      struct list_head *done)
{
	struct dsb_job *job, *last = NULL;
	LIST_HEAD(cut);
	u32 n = 0;

	lockdep_assert_held(&q->lock);
	list_for_each_entry(job, jobs, node) {
		if (job->seqno > until)
			break;
		dsb_queue_complete_job_locked(q, job, err, inherited, ts);
		err = rest;
		last = job;
		n++;
	}
	/* The completed jobs leave the list at once, not one by one. */
	if (last) {
		list_cut_position(&cut, jobs, &last->node);
		list_splice_tail(&cut, done);
	}
	return n;
}

/**
 * dsb_queue_free_jobs() - free jobs dsb_queue_complete_locked() completed
 * @ddev: their device
 * @done: the jobs, on a list of the caller's, their queues' locks not held
 * @n: how many
 */
void dsb_queue_free_jobs(struct dsb_device *ddev, struct list_head *done, u32 n)
{
	struct dsb_job *job, *tmp;

	atomic64_add(n, &ddev->stats.completions);
	/* A local list, dropped whole: no job needs unlinking from it. */
	list_for_each_entry_safe(job, tmp, done, node)
		dsb_job_free(job);
	INIT_LIST_HEAD(done);
}

/**
 * dsb_queue_cancel_submitted_locked() - cancel the jobs handed over to a
 * banned queue
 * @q: the queue, lock held, banned
 * @done: where the completed jobs go, for dsb_queue_free_jobs()
 *
 * A submit that handed jobs over after the ban took what was in flight
 * completes them itself, with -ECANCELED.
 *
 * Return: how many jobs completed.
 */
u32 dsb_queue_cancel_submitted_locked(struct dsb_user_queue *q, struct list_head *done)
{
	LIST_HEAD(banned);
	u32 n;

	lockdep_assert_held(&q->lock);
	dsb_queue_take_submitted_locked(q, &banned);
	n = dsb_queue_complete_locked(q, &banned, U64_MAX, -ECANCELED, -ECANCELED, false,
				      ktime_get(), done);
	atomic64_add(n, &q->ddev->stats.cancels);
	return n;
}

/**
 * dsb_queue_ban() - ban a queue and complete everything in flight
 * @q: the queue
 * @fault: &enum drm_dsb_fault_kind, %DRM_DSB_FAULT_NONE for a destroy
 * @va: faulting VA or 0
 *
 * The GPU is told to halt the queue; the first job in flight gets
 * dsb_fault_errno(@fault), the others -ECANCELED. Nothing here allocates;
 * a second ban is a no-op.
 */
void dsb_queue_ban(struct dsb_user_queue *q, u32 fault, u64 va)
{
	unsigned long flags;
	LIST_HEAD(cancel);
	ktime_t ts = ktime_get();
	LIST_HEAD(done);
	struct dsb_job *job;
	u32 n, waiters;

	spin_lock_irqsave(&q->lock, flags);
	if (q->state != DRM_DSB_QUEUE_ACTIVE) {
		spin_unlock_irqrestore(&q->lock, flags);
		return;
	}
	WRITE_ONCE(q->state, DRM_DSB_QUEUE_BANNED);
	dsb_gpu_queue_halt(&q->hw);
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
	n = dsb_queue_complete_locked(q, &cancel, U64_MAX, dsb_fault_errno(fault), -ECANCELED,
				      false, ts, &done);
	WRITE_ONCE(q->fhdr->fault, fault);
	WRITE_ONCE(q->fhdr->state, DRM_DSB_QUEUE_BANNED);
	waiters = q->done_waiters;
	spin_unlock_irqrestore(&q->lock, flags);

	if (fault != DRM_DSB_FAULT_NONE)
		atomic64_inc(&q->ddev->stats.faults);
	atomic64_add(n, &q->ddev->stats.cancels);
	dsb_queue_wake_waiters(q, waiters);
	dsb_queue_free_jobs(q->ddev, &done, n);
	/* GPU-side waiters of the slots just written look again. */
	dsb_gpu_notify_fences(q->ddev->gpu);
}

/**
 * dsb_irq_complete() - the completion interrupt: jobs up to @seqno are done
 * @gq: the queue
 * @seqno: seqno of the last SIGNAL packet the GPU executed
 * @err: that job's status as the GPU saw it (a failed dependency)
 *
 * Runs in the GPU's signalling section, once per batch of SIGNALs.
 */
static void dsb_irq_complete(struct dsb_gpu_queue *gq, u64 seqno, s32 err)
{
	struct dsb_user_queue *q = container_of(gq, struct dsb_user_queue, hw);
	unsigned long flags;
	ktime_t ts;
	LIST_HEAD(done);
	u32 n, waiters;

	if (unlikely(dsb_test_hook(retire_delay_us)))
		udelay(min(dsb_test_hook(retire_delay_us), 20000U));

	ts = ktime_get();
	spin_lock_irqsave(&q->lock, flags);
	dsb_queue_sync_inflight_locked(q);
	/* The GPU's error for a job is a dependency's: it skipped the job. */
	n = dsb_queue_complete_locked(q, &q->inflight, seqno, err, err, err != 0, ts, &done);
	waiters = q->done_waiters;
	spin_unlock_irqrestore(&q->lock, flags);
	dsb_queue_wake_waiters(q, waiters);
	dsb_queue_free_jobs(q->ddev, &done, n);
}

/**
 * dsb_irq_fault() - the fault interrupt: the GPU halted a queue
 * @gq: the queue
 * @kind: &enum drm_dsb_fault_kind
 * @va: the faulting VA, or 0
 */
static void dsb_irq_fault(struct dsb_gpu_queue *gq, u32 kind, u64 va)
{
	dsb_queue_ban(container_of(gq, struct dsb_user_queue, hw), kind, va);
}

/* What the driver registers with the GPU (dsb_gpu_attach()). */
const struct dsb_gpu_ops dsb_irq_ops = {
	.complete = dsb_irq_complete,
	.fault = dsb_irq_fault,
};
