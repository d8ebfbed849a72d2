// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Copyright (C) 2026 The dsb authors */
/**
 * DOC: Submission
 *
 * Every submission path (the SUBMIT ioctl, the SQ, io_uring) ends in
 * dsb_submit_batch(), which runs the phases of a kernel-brokered direct
 * submit (the job's side of each phase is in dsb_job.c):
 *
 * 1. copy and validate: each user word was read once into a
 *    &struct dsb_submit_desc by the caller, and checked by
 *    dsb_submit_desc_check(); the batch's reservation objects are
 *    collected, at most %DRM_DSB_MAX_BATCH_BOS (dsb_resv_batch_collect());
 * 2. prepare: every allocation of every job of the batch (job, its fence
 *    if something will observe it, dependency callbacks, syncobj chain
 *    nodes), resolving wait fences (a fence made on demand for a
 *    %DRM_DSB_SYNC_OP_QUEUE wait),
 *    then making the VM resident (dsb_vm_make_resident(): evicted buffers
 *    come back here, before any fence exists), which keeps it resident
 *    until the jobs signal; a buffer list naming a purged buffer fails
 *    the job here; then the reservation objects of the batch's buffers
 *    with implicit sync are locked, a fence slot reserved in each and
 *    their fences added as dependencies (dsb_resv_batch_lock(), held until
 *    the batch is armed);
 * 3. lock the queues (their submit locks, in id order; those of a batch
 *    on several queues under the file's batch lock, see "Locking") and
 *    reserve: queue state, fence slots, ring space, CQ room. Any failure
 *    up to here undoes everything: a batch is all or nothing;
 * 4. arm: dma_fence_begin_signalling(); fences initialised, dependency
 *    table filled, packets written with their MACs, jobs put in flight,
 *    fences published to syncobjs, doorbells rung once per queue;
 *    dma_fence_end_signalling(). Nothing in this phase allocates or can
 *    fail.
 */
#include <linux/delay.h>
#include <linux/lockdep.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "dsb_bo.h"
#include "dsb_fence.h"
#include "dsb_job.h"
#include "dsb_mem.h"
#include "dsb_queue.h"
#include "dsb_resv.h"
#include "dsb_ring.h"
#include "dsb_submit.h"
#include "dsb_vm.h"
#include "dsb_watchdog.h"

/* End of a batch's queue list (&dsb_submit_desc.next_queue). */
#define DSB_BATCH_END	U16_MAX

/**
 * struct dsb_batch - the batch dsb_submit_batch() is submitting
 * @descs: its jobs
 * @count: number of @descs
 * @first: index in @descs of the first job on the batch's queue of lowest
 *         id: the head of the batch's queue list, which the first job on
 *         each queue continues with &dsb_submit_desc.next_queue, in id
 *         order (no array: a batch may have %DSB_MAX_BATCH_QUEUES queues)
 * @nq: number of queues
 * @batch_lock: the submitting file's &dsb_file.batch_lock, which a batch
 *              on several queues holds around their submit locks
 */
struct dsb_batch {
	struct dsb_submit_desc *descs;
	u32 count;
	u16 first;
	u32 nq;
	struct mutex *batch_lock;	/* the file's */
};

static int dsb_submit_desc_check(const struct dsb_submit_desc *d)
{
	u64 end;
	u32 i;

	if (!d->cmd_len || d->cmd_len > DSB_MAX_CMD_LEN ||
	    !IS_ALIGNED(d->cmd_len, DRM_DSB_INSTR_SIZE) ||
	    !IS_ALIGNED(d->cmd_va, DRM_DSB_INSTR_SIZE) ||
	    check_add_overflow(d->cmd_va, (u64)d->cmd_len, &end) ||
	    d->slot >= d->q->nslots || d->nsyncs > DRM_DSB_MAX_SYNC_OPS)
		return -EINVAL;
	for (i = 0; i < d->nsyncs; i++)
		if (dsb_sync_op_check(&d->syncs[i]))
			return -EINVAL;
	return 0;
}

/*
 * Whether a job needs a dma_fence when it is submitted (see "Fences on
 * demand" in dsb_job.c): a syncobj it signals or a buffer of its list with
 * implicit sync will hold it, and the shrinker waits for the last job of
 * each batch (dsb_vm_note_fence()). Any other job gets one only if asked.
 */
static bool dsb_submit_needs_fence(const struct dsb_submit_desc *d, bool last)
{
	const struct dsb_bo_list *list = d->bos;
	u32 i;

	if (last)
		return true;
	for (i = 0; i < d->nsyncs; i++)
		if (d->syncs[i].flags & DRM_DSB_SYNC_OP_SIGNAL)
			return true;
	if (!list || d->q->flags & DRM_DSB_QUEUE_EXPLICIT_SYNC)
		return false;
	for (i = 0; i < list->count; i++)
		if (!list->e[i].bo->no_implicit_sync)
			return true;
	return false;
}

/* Prepare phase of one job: every allocation it needs, its dependencies. */
static int dsb_submit_prepare_one(struct drm_file *file, struct dsb_submit_desc *d, bool last)
{
	struct dsb_job *job;
	u32 i;
	int ret;

	job = dsb_job_create(d->q, dsb_submit_needs_fence(d, last));
	if (IS_ERR(job))
		return PTR_ERR(job);
	d->job = job;
	job->slot = d->slot;
	job->cmd_va = d->cmd_va;
	job->cmd_len = d->cmd_len;
	job->user_data = d->user_data;
	job->post_cqe = d->post_cqe;

	for (i = 0; i < d->nsyncs; i++) {
		const struct drm_dsb_sync_op *op = &d->syncs[i];

		if (op->flags & DRM_DSB_SYNC_OP_SIGNAL)
			/* Counted first: a half-prepared signal is released too. */
			ret = dsb_signal_prepare(&d->signals[d->nsignals++], file, op);
		else
			ret = dsb_job_add_wait(job, file, op);
		if (ret)
			return ret;
	}
	return 0;
}

static void dsb_submit_desc_cleanup(struct dsb_submit_desc *d)
{
	u32 i;

	for (i = 0; i < d->nsignals; i++)
		dsb_signal_release(&d->signals[i]);
	d->nsignals = 0;
	if (d->job)
		dsb_job_free(d->job);
	d->job = NULL;
}

/*
 * Phase 1: check every descriptor and collect the batch's queues in the
 * list of @b, in id order (two queue objects may share an id: a queue
 * destroyed while the batch was copied in, and the one created after it;
 * they are listed one after the other). On failure *bad is the index of
 * the job at fault.
 */
static int dsb_submit_validate(struct dsb_batch *b, u32 *bad)
{
	struct dsb_submit_desc *descs = b->descs;
	u16 *link;
	u32 i;
	int ret;

	BUILD_BUG_ON(DRM_DSB_MAX_JOBS >= DSB_BATCH_END);
	b->first = DSB_BATCH_END;
	b->nq = 0;
	for (i = 0; i < b->count; i++) {
		const struct dsb_user_queue *q = descs[i].q;

		ret = dsb_submit_desc_check(&descs[i]);
		if (ret) {
			*bad = i;
			return ret;
		}
		/* Walk the list to @q, or to where it goes. */
		for (link = &b->first; *link != DSB_BATCH_END; link = &descs[*link].next_queue)
			if (descs[*link].q == q || descs[*link].q->id > q->id)
				break;
		if (*link != DSB_BATCH_END && descs[*link].q == q)
			continue;
		if (b->nq == DSB_MAX_BATCH_QUEUES) {
			*bad = i;
			return -EINVAL;
		}
		descs[i].next_queue = *link;
		*link = i;
		b->nq++;
	}
	return 0;
}

/*
 * Unlock the submit locks of the batch's queues before the one whose
 * first job is @stop (%DSB_BATCH_END: all of them), then the batch lock.
 */
static void dsb_submit_unlock_until(struct dsb_batch *b, u32 stop)
{
	u32 i;

	for (i = b->first; i != DSB_BATCH_END; i = b->descs[i].next_queue) {
		if (i == stop)
			break;
		mutex_unlock(&b->descs[i].q->submit_lock);
	}
	if (b->nq > 1)
		mutex_unlock(b->batch_lock);
}

static void dsb_submit_unlock(struct dsb_batch *b)
{
	dsb_submit_unlock_until(b, DSB_BATCH_END);
}

/*
 * Lock the submit locks of the batch's queues, in id order. A batch on
 * several queues takes them under the file's batch lock, each with
 * mutex_lock_nest_lock(): they are one lock class, and lockdep lets a task
 * hold several of them only under that lock (see "Locking"). With
 * @nonblock every lock is only tried: -EAGAIN when one is contended.
 * (A trylock names no nest lock, so each submit lock taken that way is a
 * held lock of its own to lockdep, of the 48 a task may hold; nonblocking
 * batches are the SQ's, on one queue.)
 */
static int dsb_submit_lock(struct dsb_batch *b, bool nonblock)
{
	struct dsb_user_queue *q;
	u32 i;

	if (b->nq == 1) {
		q = b->descs[b->first].q;
		if (!nonblock)
			mutex_lock(&q->submit_lock);
		else if (!mutex_trylock(&q->submit_lock))
			return -EAGAIN;
		return 0;
	}
	if (!nonblock)
		mutex_lock(b->batch_lock);
	else if (!mutex_trylock(b->batch_lock))
		return -EAGAIN;
	for (i = b->first; i != DSB_BATCH_END; i = b->descs[i].next_queue) {
		q = b->descs[i].q;
		if (!nonblock) {
			mutex_lock_nest_lock(&q->submit_lock, b->batch_lock);
		} else if (!mutex_trylock(&q->submit_lock)) {
			dsb_submit_unlock_until(b, i);
			return -EAGAIN;
		}
	}
	return 0;
}

/* The batch's submit locks are held; several only under the batch lock. */
static void dsb_submit_assert_locked(const struct dsb_batch *b)
{
	u32 i;

	if (b->nq > 1)
		lockdep_assert_held(b->batch_lock);
	for (i = b->first; i != DSB_BATCH_END; i = b->descs[i].next_queue)
		lockdep_assert_held(&b->descs[i].q->submit_lock);
}

/*
 * Reserve what job @d needs on its queue that the submit lock protects, in
 * the queue's &struct dsb_queue_resv: its fence slot (a slot used twice in
 * a batch is busy) and its ring space. Its CQE is counted by
 * dsb_submit_reserve_queue().
 */
static int dsb_submit_reserve_one_locked(struct dsb_submit_desc *d)
{
	struct dsb_queue_resv *r = &d->q->resv;

	lockdep_assert_held(&d->q->submit_lock);
	if (__test_and_set_bit(d->slot, r->slots))
		return -EBUSY;
	d->reserved = true;
	r->ring += d->job->ndeps + 2;
	if (r->ring > dsb_ring_space(d->q))
		return -ENOSPC;
	return 0;
}

/*
 * Check the batch's jobs on queue @q, from @start (its first one) to
 * before @end, against the queue's state, each job's fence slot and the
 * CQ room its CQE needs. Returns the index of the first job that does not
 * fit (or @end) and its error in *err. No queue lock: the engine, which
 * holds it to retire, only ever frees slots and CQ room, and whatever
 * takes them holds the locks the caller holds (slots: the submit lock; CQ
 * room: the SQ lock, which a job owing a CQE comes with). A ban since is
 * caught by dsb_queue_add_jobs().
 */
static u32 dsb_submit_reserve_queue(struct dsb_user_queue *q, struct dsb_submit_desc *descs,
				    u32 start, u32 end, int *err)
{
	u32 i, cqes = 0;

	lockdep_assert_held(&q->submit_lock);
	*err = 0;
	for (i = start; i < end; i++) {
		struct dsb_submit_desc *d = &descs[i];

		if (d->q != q)
			continue;
		cqes += d->post_cqe;
		if (READ_ONCE(q->state) != DRM_DSB_QUEUE_ACTIVE)
			*err = -ECANCELED;
		/* Pairs with the release in dsb_queue_complete_job_locked(). */
		else if (smp_load_acquire(&q->slot_job[d->slot]))
			*err = -EBUSY;
		else if (d->post_cqe && !dsb_queue_cq_room_locked(q, cqes))
			*err = -EBUSY;
		if (*err)
			break;
	}
	return i;
}

/*
 * Phase 3: reserve for every job, submit locks held, without the queue
 * locks (dsb_submit_reserve_queue()). The per-batch bookkeeping is cleared
 * either way: once armed, the jobs hold their slots, ring space and CQEs
 * themselves. On failure *bad is the job at fault (the first one, as in
 * job order).
 */
static int dsb_submit_reserve_locked(struct dsb_batch *b, u32 *bad)
{
	struct dsb_submit_desc *descs = b->descs;
	u32 i, end, count = b->count;
	int ret = 0, err;

	dsb_submit_assert_locked(b);
	for (i = 0; i < count && !ret; i++)
		ret = dsb_submit_reserve_one_locked(&descs[i]);
	/* Jobs from the failing one on need no more checks. */
	end = ret ? i - 1 : count;
	for (i = b->first; i != DSB_BATCH_END; i = b->descs[i].next_queue) {
		u32 at = dsb_submit_reserve_queue(descs[i].q, descs, i, end, &err);

		if (err) {
			end = at;
			ret = err;
		}
	}
	if (ret)
		*bad = end;
	for (i = 0; i < count; i++) {
		struct dsb_queue_resv *r = &descs[i].q->resv;

		if (!descs[i].reserved)
			continue;
		__clear_bit(descs[i].slot, r->slots);
		r->ring = 0;
		descs[i].reserved = false;
	}
	return ret;
}

/*
 * Prepare phase, last step: make the batch's VM resident; each job keeps it
 * busy (not evictable) until it signals. A batch's queues are all the
 * submitting file's, so they share its VM.
 */
static int dsb_submit_make_resident(struct dsb_submit_desc *descs, u32 count,
				    bool nonblock)
{
	struct dsb_vm *vm = descs[0].q->vm;
	u32 i;
	int ret;

	for (i = 1; i < count; i++)
		if (WARN_ON_ONCE(descs[i].q->vm != vm))
			return -EINVAL;
	ret = dsb_vm_make_resident(vm, count, nonblock);
	if (ret)
		return ret;
	for (i = 0; i < count; i++)
		descs[i].job->vm_busy = true;
	return 0;
}

/*
 * Prepare phase, after the VM is resident: a job whose buffer list names a
 * purged buffer fails (-ENODATA). Its VM is busy now, so no buffer of the
 * batch can be purged until the jobs are done, and a purged buffer stays
 * purged: the unlocked reads are final.
 */
static int dsb_submit_check_purged(const struct dsb_submit_desc *descs, u32 count, u32 *bad)
{
	u32 i, k;

	for (i = 0; i < count; i++) {
		const struct dsb_bo_list *list = descs[i].bos;

		for (k = 0; list && k < list->count; k++) {
			if (dsb_bo_purged(list->e[k].bo)) {
				*bad = i;
				return -ENODATA;
			}
		}
	}
	return 0;
}

/*
 * Arm one prepared job, in the signalling section: fence, packets,
 * syncobjs; dsb_queue_add_jobs() then takes the batch into flight.
 * Allocates nothing, cannot fail. The batch's last job is the one the
 * shrinker may wait for.
 */
static void dsb_submit_arm_one(struct dsb_submit_desc *d, bool last)
{
	struct dsb_job *job = d->job;
	struct dsb_user_queue *q = d->q;
	u32 i;

#ifdef DSB_NEGATIVE_CONTROL
	/*
	 * The debug lane's negative control, never in a shipped module: a
	 * build with DSB_NEGATIVE_CONTROL=y allocates here, and the lane
	 * proves lockdep catches it.
	 */
	if (dsb_negctl_site == DSB_NEGCTL_SUBMIT)
		kfree(kmalloc(64, GFP_KERNEL));
#endif
	d->seqno = ++q->armed;
	dsb_job_arm(job, d->seqno);
	dsb_ring_emit_job(q, job);
	if (last)
		dsb_vm_note_fence(q->vm, &job->fence->base);
	dsb_resv_add_job_fence(job, d->bos);
	for (i = 0; i < d->nsignals; i++)
		dsb_signal_publish(&d->signals[i], &job->fence->base);
}

/* Phase 4, submit locks held: arm every job, ring each doorbell once. */
static void dsb_submit_arm_locked(struct dsb_batch *b)
{
	struct dsb_submit_desc *descs = b->descs;
	struct dsb_device *ddev = descs[0].q->ddev;
	u32 i, j, n = 0, count = b->count;
	LIST_HEAD(cancel);
	bool cookie;

	dsb_submit_assert_locked(b);
	cookie = dma_fence_begin_signalling();
	for (i = 0; i < count; i++)
		dsb_submit_arm_one(&descs[i], i == count - 1);
	/* Into flight, lockless, then the doorbell, once per queue. */
	for (i = b->first; i != DSB_BATCH_END; i = descs[i].next_queue) {
		struct dsb_user_queue *q = descs[i].q;
		struct dsb_job_batch batch = {};

		/* The queue's first job is @i: none of its jobs comes before. */
		for (j = i; j < count; j++) {
			if (descs[j].q != q)
				continue;
			dsb_job_batch_add(&batch, descs[j].job);
			descs[j].job = NULL;
		}
		n += dsb_queue_add_jobs(q, &batch, &cancel);
		if (unlikely(dsb_test_hook(doorbell_gap_ms)))
			msleep(min(dsb_test_hook(doorbell_gap_ms), 1000U));
		dsb_ring_commit(q);
		/* Doorbell before this: pairs with the watchdog's acquire. */
		smp_store_release(&q->rung, q->submitted);
	}
	atomic64_add(count, &ddev->stats.submits);
	dsb_watchdog_arm(ddev);
	/* Jobs of a queue banned meanwhile: completed, with -ECANCELED. */
	dsb_queue_free_jobs(ddev, &cancel, n);
	dma_fence_end_signalling(cookie);
}

/**
 * dsb_submit_batch() - submit a batch of jobs, all or nothing
 * @file: the submitting file
 * @descs: the jobs, with queue references, as copied from userspace
 * @count: number of jobs, at least 1
 * @nonblock: fail with -EAGAIN instead of waiting for a queue's submit lock
 *            (or the file's batch lock)
 * @bad: out, on failure, index of the job that failed (0 for -EAGAIN)
 *
 * Runs the phases of "Submission": validate, prepare, lock and reserve,
 * arm. Every descriptor is left reset for reuse but for its queue and
 * buffer list, which stay the caller's: a failed batch may be submitted
 * again as it is, or a prefix of it.
 *
 * Return: 0 with every &dsb_submit_desc.seqno set, or a negative errno
 * with nothing submitted.
 */
int dsb_submit_batch(struct drm_file *file, struct dsb_submit_desc *descs, u32 count,
		     bool nonblock, u32 *bad)
{
	struct dsb_file *df = file->driver_priv;
	struct dsb_batch b = {
		.descs = descs, .count = count, .batch_lock = &df->batch_lock,
	};
	struct dsb_resv_batch resv = { };
	u32 i;
	int ret;

	*bad = 0;
	ret = dsb_submit_validate(&b, bad);
	if (!ret)
		ret = dsb_resv_batch_collect(&resv, descs, count, bad);
	for (i = 0; i < count && !ret; i++) {
		ret = dsb_submit_prepare_one(file, &descs[i], i == count - 1);
		if (ret)
			*bad = i;
	}
	if (!ret)
		ret = dsb_submit_make_resident(descs, count, nonblock);
	if (!ret)
		ret = dsb_submit_check_purged(descs, count, bad);
	if (!ret)
		ret = dsb_resv_batch_lock(&resv, descs, count, nonblock, bad);
	if (!ret) {
		ret = dsb_submit_lock(&b, nonblock);
		if (!ret) {
			ret = dsb_submit_reserve_locked(&b, bad);
			if (!ret && unlikely(dsb_test_hook(submit_gap_ms)))
				msleep(min(dsb_test_hook(submit_gap_ms), 1000U));
			if (!ret)
				dsb_submit_arm_locked(&b);
			dsb_submit_unlock(&b);
		}
		dsb_resv_batch_unlock(&resv);
	}
	dsb_resv_batch_fini(&resv);
	for (i = 0; i < count; i++)
		dsb_submit_desc_cleanup(&descs[i]);
	return ret;
}

/* Copy one array element of user size @ustride into @dst of size @ksize. */
static int dsb_copy_elem(void *dst, size_t ksize, u64 uptr, u32 ustride, u32 idx,
			 size_t min_size)
{
	void __user *src = u64_to_user_ptr(uptr + (u64)idx * ustride);

	if (ustride < min_size || ustride > DRM_DSB_MAX_STRIDE)
		return -EINVAL;
	return copy_struct_from_user(dst, ksize, src, ustride);
}

/*
 * Copy job @i of a SUBMIT ioctl into @d, looking up its queue and building
 * its buffer list (references).
 */
static int dsb_submit_copy_job(struct drm_file *file, const struct drm_dsb_submit *args,
			       u32 i, struct dsb_submit_desc *d, struct dsb_submit_desc *prev)
{
	struct dsb_file *df = file->driver_priv;
	struct drm_dsb_job uj;
	u32 k;
	int ret;

	ret = dsb_copy_elem(&uj, sizeof(uj), args->jobs.array, args->jobs.stride, i,
			    offsetofend(struct drm_dsb_job, user_data));
	if (ret)
		return ret;
	if (uj.flags || uj.syncs.count > DRM_DSB_MAX_SYNC_OPS)
		return -EINVAL;
	/* Batches usually target one queue: look it up once. */
	if (prev && prev->q->id == uj.queue_id)
		d->q = dsb_queue_get(prev->q);
	else
		d->q = dsb_queue_lookup(df, uj.queue_id);
	if (!d->q)
		return -ENOENT;
	d->slot = uj.slot;
	d->cmd_va = uj.cmd_va;
	d->cmd_len = uj.cmd_len;
	d->user_data = uj.user_data;
	d->nsyncs = uj.syncs.count;
	for (k = 0; k < d->nsyncs; k++) {
		ret = dsb_copy_elem(&d->syncs[k], sizeof(d->syncs[k]), uj.syncs.array,
				    uj.syncs.stride, k, sizeof(struct drm_dsb_sync_op));
		if (ret)
			return ret;
	}
	if (uj.bos.count) {
		d->bos = dsb_bo_list_from_user(file, &uj.bos);
		if (IS_ERR(d->bos)) {
			ret = PTR_ERR(d->bos);
			d->bos = NULL;
		}
	}
	return ret;
}

/* Write each job's seqno back, when the caller's job struct has the field. */
static int dsb_submit_copy_seqnos(const struct drm_dsb_submit *args,
				  const struct dsb_submit_desc *descs, u32 n)
{
	int ret = 0;
	u32 k;

	if (args->jobs.stride < offsetofend(struct drm_dsb_job, seqno))
		return 0;
	for (k = 0; k < n; k++) {
		u64 __user *p = u64_to_user_ptr(args->jobs.array + (u64)k * args->jobs.stride +
						offsetof(struct drm_dsb_job, seqno));

		if (put_user(descs[k].seqno, p))
			ret = -EFAULT;
	}
	return ret;
}

/**
 * dsb_ioctl_submit() - DRM_IOCTL_DSB_SUBMIT
 * @dev: the DRM device
 * @data: &struct drm_dsb_submit
 * @file: the caller's file
 *
 * Return: 0 or a negative errno, see the uAPI header.
 */
int dsb_ioctl_submit(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_dsb_submit *args = data;
	struct dsb_submit_desc *descs;
	u32 i, n = args->jobs.count;
	u32 bad = 0;
	int ret = 0;

	args->bad_job = 0;
	if (args->flags || n > DRM_DSB_MAX_JOBS)
		return -EINVAL;
	if (!n)
		return 0;
	/* Not zeroed: each descriptor's head is, when it is copied in. */
	descs = kvmalloc_array(n, sizeof(*descs), GFP_KERNEL);
	if (!descs)
		return -ENOMEM;

	for (i = 0; i < n && !ret; i++) {
		memset(&descs[i], 0, DSB_SUBMIT_DESC_HEAD);
		/* Bounded (DRM_DSB_MAX_STRIDE), but a dying caller stops now. */
		if (fatal_signal_pending(current))
			ret = -EINTR;
		else
			ret = dsb_submit_copy_job(file, args, i, &descs[i],
						  i ? &descs[i - 1] : NULL);
		bad = i;
		cond_resched();
	}
	if (!ret)
		ret = dsb_submit_batch(file, descs, n, false, &bad);
	/* Outside the signalling section: copy_to_user() may fault. */
	if (!ret) {
		ret = dsb_submit_copy_seqnos(args, descs, n);
		bad = n;	/* all submitted, only their seqnos are lost */
	}
	if (ret)
		args->bad_job = bad;
	/* descs[0..i) were copied in (all of them unless a copy failed). */
	n = i;
	for (i = 0; i < n; i++) {
		dsb_bo_list_put(descs[i].bos);
		dsb_queue_put(descs[i].q);
	}
	kvfree(descs);
	return ret;
}

/**
 * dsb_sqe_to_desc() - turn an SQ entry into a descriptor
 * @file: the submitting file, whose buffer lists the entry may name
 * @q: the queue
 * @idx: the entry's index (not yet masked)
 * @d: the descriptor to fill
 *
 * The entry is copied out of the shared SQ once, then checked on the copy.
 *
 * Return: 0, -EINVAL, or -ENOENT for an unknown buffer list.
 */
static int dsb_sqe_to_desc(struct drm_file *file, struct dsb_user_queue *q, u32 idx,
			   struct dsb_submit_desc *d)
{
	struct drm_dsb_sqe sqe;
	u32 i;
	int ret;

	memcpy(&sqe, &q->sqes[idx & (q->sq_entries - 1)], sizeof(sqe));
	d->q = q;
	d->user_data = sqe.user_data;
	d->slot = sqe.slot;
	d->post_cqe = true;
	if (sqe.flags || sqe.sync_count > DRM_DSB_SQE_MAX_SYNCS ||
	    sqe.pad32 || sqe.pad[0] || sqe.pad[1] || sqe.pad[2])
		return -EINVAL;
	d->cmd_va = sqe.cmd_va;
	d->cmd_len = sqe.cmd_len;
	d->nsyncs = sqe.sync_count;
	for (i = 0; i < d->nsyncs; i++)
		d->syncs[i] = sqe.syncs[i];
	ret = dsb_submit_desc_check(d);
	if (!ret && sqe.bo_list) {
		/* Last: a descriptor that fails its checks holds no list. */
		d->bos = dsb_bo_list_lookup(file->driver_priv, sqe.bo_list);
		if (!d->bos)
			ret = -ENOENT;
	}
	return ret;
}

/* Errors that leave an SQ entry in the SQ: retrying later may succeed. */
static bool dsb_errno_transient(int err)
{
	return err == -EBUSY || err == -ENOSPC || err == -ECANCELED || err == -ENOMEM ||
	       err == -EDQUOT || err == -EAGAIN || err == -EINTR;
}

/*
 * The queue's SQ descriptors, allocated on first use and kept with the
 * queue: a batch through the SQ allocates no array. SQ lock held.
 */
static struct dsb_submit_desc *dsb_queue_sq_descs_locked(struct dsb_user_queue *q)
{
	u32 nd = min_t(u32, q->sq_entries, DRM_DSB_MAX_JOBS);
	u64 charge;
	int ret;

	lockdep_assert_held(&q->sq_lock);
	if (q->sq_descs)
		return q->sq_descs;
	charge = dsb_mem_kmalloc_size((size_t)nd * sizeof(*q->sq_descs));
	ret = dsb_mem_charge(q->mem, charge);
	if (ret)
		return ERR_PTR(ret);
	q->sq_descs = kvcalloc(nd, sizeof(*q->sq_descs), GFP_KERNEL_ACCOUNT);
	if (!q->sq_descs) {
		dsb_mem_uncharge(q->mem, charge);
		return ERR_PTR(-ENOMEM);
	}
	q->mem_charge += charge;
	return q->sq_descs;
}

/*
 * Consume up to @n entries at the SQ head, SQ lock held: the valid prefix
 * is submitted as one batch (shrinking past any job that fails by itself),
 * and an invalid entry after it is completed with an error CQE. A batch
 * beyond %DRM_DSB_MAX_BATCH_BOS ends before the job that goes beyond, which
 * the next call takes first. Returns entries consumed, or a negative errno
 * that stops consumption.
 */
static int dsb_sq_consume_locked(struct drm_file *file, struct dsb_user_queue *q,
				 struct dsb_submit_desc *descs, u32 n, bool nonblock,
				 u64 *last_seqno)
{
	u32 i, ok, bad, parsed;
	int ret = 0, err = 0;

	lockdep_assert_held(&q->sq_lock);
	for (i = 0; i < n && !err; i++)
		err = dsb_sqe_to_desc(file, q, q->sq_head + i, &descs[i]);
	parsed = i;
	/* descs[0..ok) are valid by themselves; with err, descs[ok] is bad. */
	ok = err ? i - 1 : n;
	while (ok) {
		ret = dsb_submit_batch(file, descs, ok, nonblock, &bad);
		if (!ret) {
			*last_seqno = descs[ok - 1].seqno;
			break;
		}
		if (dsb_errno_transient(ret))
			break;
		/*
		 * -E2BIG past the first job: the batch's buffers (or that
		 * job's own dependencies, then it fails alone next time).
		 */
		if (ret == -E2BIG && bad)
			n = bad;
		else
			err = ret;
		ok = bad;
	}
	/* Entries parsed but not submitted are parsed again next time. */
	for (i = 0; i < parsed; i++) {
		dsb_bo_list_put(descs[i].bos);
		descs[i].bos = NULL;
	}
	if (ret && dsb_errno_transient(ret))
		return ret;
	q->sq_head += ok;
	if (ok == n)
		return ok;
	if (dsb_queue_post_unsubmitted(q, descs[ok].user_data, err, descs[ok].slot))
		return ok ?: -EBUSY;
	q->sq_head++;
	return ok + 1;
}

/**
 * dsb_queue_submit_sq() - consume entries of a queue's SQ
 * @file: the submitting file
 * @q: the queue
 * @count: most entries to consume
 * @nonblock: do not wait for the queue's locks: -EAGAIN when contended
 *            (io_uring's inline issue, which then retries from a worker)
 * @submitted: out, entries consumed
 * @last_seqno: out, seqno of the last job submitted, or 0
 *
 * Entries are submitted in batches through dsb_submit_batch(). An entry
 * that is invalid by itself (bad field, unknown syncobj, ...) is consumed
 * and completed with an error CQE whose seqno is 0; a lack of fence slots,
 * ring space, CQ room or memory, or a banned queue, stops consumption and
 * leaves the entry in the SQ.
 *
 * Return: 0, or the reason nothing at all could be consumed.
 */
int dsb_queue_submit_sq(struct drm_file *file, struct dsb_user_queue *q, u32 count,
			bool nonblock, u32 *submitted, u64 *last_seqno)
{
	struct dsb_submit_desc *descs;
	u32 avail, done = 0;
	int ret = 0;

	*submitted = 0;
	*last_seqno = 0;
	/* One call's work is bounded even while another thread refills the SQ. */
	count = min(count, q->sq_entries);
	if (!nonblock)
		mutex_lock(&q->sq_lock);
	else if (!mutex_trylock(&q->sq_lock))
		return -EAGAIN;
	descs = dsb_queue_sq_descs_locked(q);
	if (IS_ERR(descs)) {
		mutex_unlock(&q->sq_lock);
		return PTR_ERR(descs);
	}
	while (done < count) {
		/* Pairs with the library's store-release of sq_tail. */
		avail = smp_load_acquire(&q->sqcq->sq_tail) - q->sq_head;
		if (!avail || avail > q->sq_entries)
			break;
		ret = dsb_sq_consume_locked(file, q, descs,
					    min3(avail, count - done, (u32)DRM_DSB_MAX_JOBS),
					    nonblock, last_seqno);
		if (ret <= 0)
			break;
		done += ret;
	}
	/* Tell userspace how far we got; pairs with its load-acquire of sq_head. */
	smp_store_release(&q->sqcq->sq_head, q->sq_head);
	mutex_unlock(&q->sq_lock);
	*submitted = done;
	return done ? 0 : min(ret, 0);
}

/**
 * dsb_ioctl_queue_submit_sq() - DRM_IOCTL_DSB_QUEUE_SUBMIT_SQ
 * @dev: the DRM device
 * @data: &struct drm_dsb_queue_submit_sq
 * @file: the caller's file
 *
 * Return: 0 or a negative errno, see the uAPI header.
 */
int dsb_ioctl_queue_submit_sq(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_dsb_queue_submit_sq *args = data;
	struct dsb_user_queue *q;
	int ret;

	args->submitted = 0;
	args->last_seqno = 0;
	if (args->flags)
		return -EINVAL;
	q = dsb_queue_lookup(file->driver_priv, args->queue_id);
	if (!q)
		return -ENOENT;
	ret = args->count ? dsb_queue_submit_sq(file, q, args->count, false, &args->submitted,
						 &args->last_seqno) : 0;
	dsb_queue_put(q);
	return ret;
}
