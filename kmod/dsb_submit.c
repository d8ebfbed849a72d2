// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Copyright (C) 2026 The dsb authors */
/**
 * DOC: Submission
 *
 * Every submission path (the SUBMIT ioctl, the SQ, io_uring) ends in
 * dsb_submit_batch(), which runs the phases of a kernel-brokered direct submit:
 *
 * 1. copy and validate: each user word was read once into a
 *    &struct dsb_submit_desc by the caller, and checked by
 *    dsb_submit_desc_check();
 * 2. prepare: every allocation of every job of the batch (job, fence,
 *    dependency callbacks, syncobj chain nodes), resolving wait fences;
 * 3. lock the queues (at most %DSB_MAX_BATCH_QUEUES, in id order) and
 *    reserve: queue state, fence slots, ring space, CQ room. Any failure
 *    up to here undoes everything: a batch is all or nothing;
 * 4. arm: dma_fence_begin_signalling(); fences initialised, dependency
 *    table filled, packets written with their MACs, jobs put in flight,
 *    fences published to syncobjs, doorbells rung once per queue;
 *    dma_fence_end_signalling(). Nothing in this phase allocates or can
 *    fail.
 */
#include <linux/dma-fence-chain.h>
#include <linux/dma-fence-unwrap.h>
#include <linux/sort.h>
#include <linux/slab.h>
#include <linux/sync_file.h>
#include <linux/uaccess.h>
#include <drm/drm_syncobj.h>
#include <drm/drm_utils.h>

#include "dsb_engine.h"
#include "dsb_fence.h"
#include "dsb_mem.h"
#include "dsb_queue.h"
#include "dsb_ring.h"
#include "dsb_submit.h"
#include "dsb_trace.h"

#define DSB_SYNC_OP_KNOWN (DRM_DSB_SYNC_OP_SIGNAL | DRM_DSB_SYNC_OP_TYPE_MASK)

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
	for (i = 0; i < d->nsyncs; i++) {
		const struct drm_dsb_sync_op *op = &d->syncs[i];
		u32 type = op->flags & DRM_DSB_SYNC_OP_TYPE_MASK;

		if (op->flags & ~DSB_SYNC_OP_KNOWN || type == DRM_DSB_SYNC_OP_TYPE_MASK)
			return -EINVAL;
		if (type != DRM_DSB_SYNC_OP_TIMELINE && op->point)
			return -EINVAL;
		if (type == DRM_DSB_SYNC_OP_SYNC_FILE && op->flags & DRM_DSB_SYNC_OP_SIGNAL)
			return -EINVAL;
	}
	return 0;
}

/**
 * dsb_job_add_deps() - add the leaves of a fence as dependencies of a job
 * @job: the job being prepared
 * @fence: a fence, possibly a chain or an array
 *
 * Signalled fences without an error are dropped. A fence of the job's own
 * device becomes a GPU-side wait, any other one a proxy.
 *
 * Return: 0, or -E2BIG beyond %DSB_MAX_JOB_DEPS dependencies.
 */
static int dsb_job_add_deps(struct dsb_job *job, struct dma_fence *fence)
{
	struct dma_fence_unwrap iter;
	struct dma_fence *f;

	dma_fence_unwrap_for_each(f, &iter, fence) {
		struct dsb_fence *df = to_dsb_fence(f);
		struct dsb_dep *dep;

		if (dma_fence_is_signaled(f) && !f->error)
			continue;
		if (job->ndeps == DSB_MAX_JOB_DEPS) {
			/*
			 * Leaving the walk early: the cursor still holds a
			 * reference on the container it is in (a chain node
			 * or the fence itself), which holds every fence in it.
			 */
			dma_fence_put(iter.chain);
			return -E2BIG;
		}
		dep = &job->deps[job->ndeps++];
		dep->fence = dma_fence_get(f);
		dep->proxy = !df || df->ddev != job->q->ddev;
	}
	return 0;
}

static int dsb_submit_prepare_one(struct drm_file *file, struct dsb_submit_desc *d)
{
	struct dsb_device *ddev = d->q->ddev;
	struct dsb_job *job;
	u32 i;
	int ret;

	job = dsb_queue_job_alloc(d->q);
	if (IS_ERR(job))
		return PTR_ERR(job);
	atomic_inc(&ddev->stats.live_jobs);
	job->q = d->q;
	d->job = job;
	job->slot = d->slot;
	job->cmd_va = d->cmd_va;
	job->cmd_len = d->cmd_len;
	job->user_data = d->user_data;
	job->post_cqe = d->post_cqe;
	job->fence = dsb_fence_alloc(ddev, d->q->mem);
	if (IS_ERR(job->fence)) {
		ret = PTR_ERR(job->fence);
		job->fence = NULL;
		return ret;
	}

	for (i = 0; i < d->nsyncs; i++) {
		const struct drm_dsb_sync_op *op = &d->syncs[i];
		u32 type = op->flags & DRM_DSB_SYNC_OP_TYPE_MASK;
		struct dsb_signal *sig;
		struct dma_fence *fence;

		if (op->flags & DRM_DSB_SYNC_OP_SIGNAL) {
			/* Descriptors are reused: every field is set here. */
			sig = &d->signals[d->nsignals];
			sig->chain = NULL;
			sig->point = 0;
			sig->syncobj = drm_syncobj_find(file, op->handle);
			if (!sig->syncobj)
				return -ENOENT;
			d->nsignals++;
			if (type == DRM_DSB_SYNC_OP_TIMELINE) {
				sig->chain = dma_fence_chain_alloc();
				if (!sig->chain)
					return -ENOMEM;
				sig->point = op->point;
			}
			continue;
		}
		if (type == DRM_DSB_SYNC_OP_SYNC_FILE) {
			fence = sync_file_get_fence(op->handle);
			if (!fence)
				return -EBADF;
		} else {
			ret = drm_syncobj_find_fence(file, op->handle, op->point, 0, &fence);
			if (ret)
				return -ENOENT;
		}
		ret = dsb_job_add_deps(job, fence);
		dma_fence_put(fence);
		if (ret)
			return ret;
	}
	return 0;
}

static void dsb_submit_desc_cleanup(struct dsb_submit_desc *d)
{
	u32 i;

	for (i = 0; i < d->nsignals; i++) {
		dma_fence_chain_free(d->signals[i].chain);
		d->signals[i].chain = NULL;
		drm_syncobj_put(d->signals[i].syncobj);
	}
	d->nsignals = 0;
	if (d->job)
		dsb_job_free(d->job);
	d->job = NULL;
}

static int dsb_queue_cmp(const void *a, const void *b)
{
	const struct dsb_user_queue *qa = *(struct dsb_user_queue * const *)a;
	const struct dsb_user_queue *qb = *(struct dsb_user_queue * const *)b;

	return qa->id < qb->id ? -1 : qa->id > qb->id;
}

/*
 * Reserve what job @d needs on its queue, submit locks held: its fence slot
 * in the queue's per-batch bitmap (a slot used twice in a batch is busy),
 * its CQE, its ring space. Returns 0 or the errno that rejects the batch;
 * dsb_submit_unreserve() undoes the bookkeeping either way.
 */
static int dsb_submit_reserve(struct dsb_submit_desc *d, u32 *ring_need)
{
	struct dsb_user_queue *q = d->q;
	unsigned long flags;
	int ret = 0;

	if (__test_and_set_bit(d->slot, q->resv_slots))
		return -EBUSY;
	d->reserved = true;
	q->resv_cqes += d->post_cqe;
	*ring_need += d->job->ndeps + 2;
	if (*ring_need > dsb_ring_space(q))
		return -ENOSPC;

	spin_lock_irqsave(&q->lock, flags);
	if (q->state != DRM_DSB_QUEUE_ACTIVE) {
		ret = -ECANCELED;
	} else if (q->slot_job[d->slot]) {
		ret = -EBUSY;
	} else if (d->post_cqe) {
		u32 used = q->cq_tail - READ_ONCE(q->sqcq->cq_head);

		if (used > q->cq_entries ||
		    used + q->cq_owed + q->resv_cqes > q->cq_entries)
			ret = -EBUSY;
	}
	spin_unlock_irqrestore(&q->lock, flags);
	return ret;
}

/* Clear the per-batch reservations of every queue, submit locks held. */
static void dsb_submit_unreserve(struct dsb_submit_desc *descs, u32 count)
{
	u32 i;

	for (i = 0; i < count; i++) {
		if (!descs[i].reserved)
			continue;
		__clear_bit(descs[i].slot, descs[i].q->resv_slots);
		descs[i].q->resv_cqes = 0;
		descs[i].reserved = false;
	}
}

/**
 * dsb_submit_arm_one() - arm a prepared job
 * @d: its descriptor, slot and ring space reserved
 * @cancel: where a job goes if its queue was banned meanwhile
 *
 * Runs inside the fence-signalling section: initialises the fence, fills
 * the dependency table, writes the packets, publishes the fence to its
 * syncobjs and puts the job in flight. Allocates nothing, cannot fail.
 */
static void dsb_submit_arm_one(struct dsb_submit_desc *d, struct list_head *cancel)
{
	struct dsb_job *job = d->job;
	struct dsb_user_queue *q = d->q;
	unsigned long flags;
	u64 seqno = q->submitted + 1;
	u32 i;

#ifdef DSB_NEGATIVE_CONTROL
	/*
	 * The debug lane's negative control, never in a shipped module: a
	 * build with DSB_NEGATIVE_CONTROL=y allocates here, and the lane
	 * proves lockdep catches it.
	 */
	kfree(kmalloc(64, GFP_KERNEL));
#endif

	job->seqno = seqno;
	trace_dsb_submit(q, seqno, job->slot, job->ndeps);
	dsb_fence_init(job->fence, q, job->slot, seqno);
	dsb_job_arm_deps(job);
	for (i = 0; i < job->ndeps; i++)
		dsb_ring_emit(q, DRM_DSB_PKT_WAIT, job->slot * DSB_MAX_JOB_DEPS + i,
			      dsb_dep_wait_value(&job->deps[i]), seqno);
	dsb_ring_emit(q, DRM_DSB_PKT_EXEC, job->cmd_va, job->cmd_len, seqno);
	dsb_ring_emit(q, DRM_DSB_PKT_SIGNAL, job->slot, seqno, 0);

	for (i = 0; i < d->nsignals; i++) {
		struct dsb_signal *sig = &d->signals[i];

		if (sig->chain) {
			drm_syncobj_add_point(sig->syncobj, sig->chain,
					      &job->fence->base, sig->point);
			sig->chain = NULL;
		} else {
			drm_syncobj_replace_fence(sig->syncobj, &job->fence->base);
		}
	}

	spin_lock_irqsave(&q->lock, flags);
	WRITE_ONCE(q->submitted, seqno);
	if (q->state == DRM_DSB_QUEUE_ACTIVE) {
		list_add_tail(&job->node, &q->inflight);
		q->slot_job[job->slot] = job;
		if (job->post_cqe)
			q->cq_owed++;
	} else {
		/* Banned since we reserved: the fence still signals, with an error. */
		list_add_tail(&job->node, cancel);
		dsb_queue_cancel_job_locked(q, job, -ECANCELED);
	}
	spin_unlock_irqrestore(&q->lock, flags);
	d->seqno = seqno;
	d->job = NULL;	/* owned by the queue now */
	atomic64_inc(&q->ddev->stats.submits);
}

/**
 * dsb_submit_batch() - submit a batch of validated jobs, all or nothing
 * @file: the submitting file
 * @descs: the jobs, with queue references, as copied from userspace
 * @count: number of jobs, at least 1
 * @bad: out, on failure, index of the job that failed
 *
 * Return: 0 with every &dsb_submit_desc.seqno set, or a negative errno
 * with nothing submitted.
 */
int dsb_submit_batch(struct drm_file *file, struct dsb_submit_desc *descs, u32 count, u32 *bad)
{
	struct dsb_user_queue *qs[DSB_MAX_BATCH_QUEUES];
	u32 ring_need[DSB_MAX_BATCH_QUEUES] = { 0 };
	struct dsb_job *job, *tmp;
	u32 i, j, nq = 0;
	LIST_HEAD(cancel);
	bool cookie;
	int ret = 0;

	/* Phase 1: validate. */
	for (i = 0; i < count; i++) {
		ret = dsb_submit_desc_check(&descs[i]);
		if (ret)
			goto out_bad;
		for (j = 0; j < nq && qs[j] != descs[i].q; j++)
			;
		if (j == nq) {
			if (nq == DSB_MAX_BATCH_QUEUES) {
				ret = -EINVAL;
				goto out_bad;
			}
			qs[nq++] = descs[i].q;
		}
	}

	/* Phase 2: prepare, every allocation of the batch. */
	for (i = 0; i < count; i++) {
		ret = dsb_submit_prepare_one(file, &descs[i]);
		if (ret)
			goto out_cleanup;
	}

	/* Phase 3: lock the queues in id order, reserve. */
	sort(qs, nq, sizeof(qs[0]), dsb_queue_cmp, NULL);
	for (j = 0; j < nq; j++)
		mutex_lock_nested(&qs[j]->submit_lock, j);
	for (i = 0; i < count; i++) {
		for (j = 0; qs[j] != descs[i].q; j++)
			;
		ret = dsb_submit_reserve(&descs[i], &ring_need[j]);
		if (ret)
			break;
	}
	dsb_submit_unreserve(descs, count);
	if (ret)
		goto out_unlock;

	/* Phase 4: arm, write, publish, ring. No allocation, no failure. */
	cookie = dma_fence_begin_signalling();
	for (j = 0; j < nq; j++) {
		/* The watchdog measures progress from the first job of a busy spell. */
		if (READ_ONCE(qs[j]->completed) == qs[j]->submitted)
			WRITE_ONCE(qs[j]->ctx.last_progress, jiffies);
	}
	/* last_progress before submitted: pairs with smp_rmb() in dsb_engine_watchdog(). */
	smp_wmb();
	for (i = 0; i < count; i++)
		dsb_submit_arm_one(&descs[i], &cancel);
	for (j = 0; j < nq; j++) {
		struct dsb_user_queue *q = qs[j];

		/*
		 * Packets before doorbell: pairs with the smp_rmb() after the
		 * doorbell read in dsb_engine_step().
		 */
		smp_wmb();
		WRITE_ONCE(q->ctrl->doorbell, q->wptr);
		dsb_engine_kick(q->engine);
	}
	list_for_each_entry_safe(job, tmp, &cancel, node) {
		list_del(&job->node);
		dsb_job_finish(job, job->status);
	}
	dma_fence_end_signalling(cookie);
	i = count;

out_unlock:
	for (j = nq; j-- > 0;)
		mutex_unlock(&qs[j]->submit_lock);
out_cleanup:
	if (ret)
		*bad = i;
	for (i = 0; i < count; i++)
		dsb_submit_desc_cleanup(&descs[i]);
	return ret;
out_bad:
	*bad = i;
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
	struct dsb_file *df = file->driver_priv;
	struct dsb_submit_desc *descs;
	struct drm_dsb_job uj;
	u32 i, k, n = args->jobs.count;
	int ret = 0;

	args->bad_job = 0;
	if (args->flags || n > DRM_DSB_MAX_JOBS)
		return -EINVAL;
	if (!n)
		return 0;
	descs = kvcalloc(n, sizeof(*descs), GFP_KERNEL);
	if (!descs)
		return -ENOMEM;

	for (i = 0; i < n; i++) {
		struct dsb_submit_desc *d = &descs[i];

		/* Bounded (DRM_DSB_MAX_STRIDE), but a dying caller stops now. */
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			goto out_put;
		}
		cond_resched();
		ret = dsb_copy_elem(&uj, sizeof(uj), args->jobs.array, args->jobs.stride,
				    i, offsetofend(struct drm_dsb_job, user_data));
		if (ret)
			goto out_put;
		if (uj.flags || uj.syncs.count > DRM_DSB_MAX_SYNC_OPS) {
			ret = -EINVAL;
			goto out_put;
		}
		/* Batches usually target one queue: look it up once. */
		if (i && descs[i - 1].q->id == uj.queue_id)
			d->q = dsb_queue_get(descs[i - 1].q);
		else
			d->q = dsb_queue_lookup(df, uj.queue_id);
		if (!d->q) {
			ret = -ENOENT;
			goto out_put;
		}
		d->slot = uj.slot;
		d->cmd_va = uj.cmd_va;
		d->cmd_len = uj.cmd_len;
		d->user_data = uj.user_data;
		d->nsyncs = uj.syncs.count;
		for (k = 0; k < d->nsyncs; k++) {
			ret = dsb_copy_elem(&d->syncs[k], sizeof(d->syncs[k]),
					    uj.syncs.array, uj.syncs.stride, k,
					    sizeof(struct drm_dsb_sync_op));
			if (ret)
				goto out_put;
		}
	}

	ret = dsb_submit_batch(file, descs, n, &i);
	if (ret)
		goto out_put;

	/* Outside the signalling section: copy_to_user() may fault. */
	if (args->jobs.stride >= offsetofend(struct drm_dsb_job, seqno)) {
		for (k = 0; k < n; k++) {
			u64 __user *p = u64_to_user_ptr(args->jobs.array +
							(u64)k * args->jobs.stride +
							offsetof(struct drm_dsb_job, seqno));

			if (put_user(descs[k].seqno, p))
				ret = -EFAULT;
		}
	}
	i = n;
out_put:
	if (ret)
		args->bad_job = i;
	for (k = 0; k < n; k++)
		dsb_queue_put(descs[k].q);
	kvfree(descs);
	return ret;
}

/**
 * dsb_sqe_to_desc() - turn an SQ entry into a descriptor
 * @q: the queue
 * @idx: the entry's index (not yet masked)
 * @d: the descriptor to fill
 *
 * The entry is copied out of the shared SQ once, then checked on the copy.
 *
 * Return: 0 or -EINVAL.
 */
static int dsb_sqe_to_desc(struct dsb_user_queue *q, u32 idx, struct dsb_submit_desc *d)
{
	struct drm_dsb_sqe sqe;
	u32 i;

	memcpy(&sqe, &q->sqes[idx & (q->sq_entries - 1)], sizeof(sqe));
	d->q = q;
	d->user_data = sqe.user_data;
	d->slot = sqe.slot;
	d->post_cqe = true;
	if (sqe.flags || sqe.sync_count > DRM_DSB_SQE_MAX_SYNCS ||
	    sqe.pad[0] || sqe.pad[1] || sqe.pad[2] || sqe.pad[3])
		return -EINVAL;
	d->cmd_va = sqe.cmd_va;
	d->cmd_len = sqe.cmd_len;
	d->nsyncs = sqe.sync_count;
	for (i = 0; i < d->nsyncs; i++)
		d->syncs[i] = sqe.syncs[i];
	return dsb_submit_desc_check(d);
}

static bool dsb_errno_transient(int err)
{
	return err == -EBUSY || err == -ENOSPC || err == -ECANCELED || err == -ENOMEM ||
	       err == -EDQUOT;
}

static bool dsb_queue_cq_room(struct dsb_user_queue *q)
{
	unsigned long flags;
	u32 used;
	bool ok;

	spin_lock_irqsave(&q->lock, flags);
	used = q->cq_tail - READ_ONCE(q->sqcq->cq_head);
	ok = used < q->cq_entries && used + q->cq_owed < q->cq_entries;
	spin_unlock_irqrestore(&q->lock, flags);
	return ok;
}

/**
 * dsb_queue_submit_sq() - consume entries of a queue's SQ
 * @file: the submitting file
 * @q: the queue
 * @count: most entries to consume
 * @submitted: out, entries consumed
 * @last_seqno: out, seqno of the last job submitted, or 0
 *
 * Entries are submitted in batches through dsb_submit_batch(). An entry that is
 * invalid by itself (bad field, unknown syncobj, ...) is consumed and
 * completed with an error CQE whose seqno is 0; a lack of fence slots,
 * ring space, CQ room or memory, or a banned queue, stops consumption and
 * leaves the entry in the SQ.
 *
 * Return: 0, or the reason nothing at all could be consumed.
 */
int dsb_queue_submit_sq(struct drm_file *file, struct dsb_user_queue *q, u32 count,
			u32 *submitted, u64 *last_seqno)
{
	struct dsb_submit_desc *descs;
	u32 n, i, ok, bad, done = 0;
	int ret = 0, err = 0;

	*last_seqno = 0;
	/* One call's work is bounded even while another thread refills the SQ. */
	count = min(count, q->sq_entries);
	mutex_lock(&q->sq_lock);
	/* Kept with the queue: a batch through the SQ allocates no array. */
	if (!q->sq_descs) {
		u32 nd = min_t(u32, q->sq_entries, DRM_DSB_MAX_JOBS);
		u64 charge = dsb_mem_kmalloc_size((size_t)nd * sizeof(*q->sq_descs));

		ret = dsb_mem_charge(q->mem, charge);
		if (ret) {
			mutex_unlock(&q->sq_lock);
			return ret;
		}
		q->sq_descs = kvcalloc(nd, sizeof(*q->sq_descs), GFP_KERNEL_ACCOUNT);
		if (!q->sq_descs) {
			dsb_mem_uncharge(q->mem, charge);
			mutex_unlock(&q->sq_lock);
			return -ENOMEM;
		}
		q->mem_charge += charge;
	}
	descs = q->sq_descs;
	while (done < count) {
		/* Pairs with the library's store-release of sq_tail. */
		u32 avail = smp_load_acquire(&q->sqcq->sq_tail) - q->sq_head;

		n = min3(avail, count - done, (u32)DRM_DSB_MAX_JOBS);
		if (!n || avail > q->sq_entries)
			break;
		for (i = 0; i < n; i++) {
			err = dsb_sqe_to_desc(q, q->sq_head + i, &descs[i]);
			if (err)
				break;
		}
		/* descs[0..ok) are valid by themselves; descs[ok] is bad (err). */
		ok = i;
		while (ok) {
			ret = dsb_submit_batch(file, descs, ok, &bad);
			if (!ret) {
				*last_seqno = descs[ok - 1].seqno;
				break;
			}
			if (dsb_errno_transient(ret))
				goto out;
			err = ret;
			ok = bad;
		}
		q->sq_head += ok;
		done += ok;
		if (ok == n)
			continue;
		if (!dsb_queue_cq_room(q)) {
			ret = -EBUSY;
			break;
		}
		dsb_queue_post_cqe(q, descs[ok].user_data, 0, err, descs[ok].slot, false);
		q->sq_head++;
		done++;
	}
out:
	/* Tell userspace how far we got; pairs with its load-acquire of sq_head. */
	smp_store_release(&q->sqcq->sq_head, q->sq_head);
	mutex_unlock(&q->sq_lock);
	*submitted = done;
	return done ? 0 : ret;
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
	ret = args->count ? dsb_queue_submit_sq(file, q, args->count, &args->submitted,
						 &args->last_seqno) : 0;
	dsb_queue_put(q);
	return ret;
}

/**
 * dsb_ioctl_wait() - DRM_IOCTL_DSB_WAIT
 * @dev: the DRM device
 * @data: &struct drm_dsb_wait
 * @file: the caller's file
 *
 * Return: 0 or a negative errno, see the uAPI header.
 */
int dsb_ioctl_wait(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_dsb_wait *args = data;
	struct dma_fence *fence;
	struct dsb_user_queue *q;
	long timeout, r;
	int ret;

	if (args->pad || args->flags & ~DRM_DSB_WAIT_RELATIVE)
		return -EINVAL;
	q = dsb_queue_lookup(file->driver_priv, args->queue_id);
	if (!q)
		return -ENOENT;
	ret = dsb_queue_seqno_fence(q, args->seqno, &fence, &args->error);
	if (ret || !fence)
		goto out;

	if (args->flags & DRM_DSB_WAIT_RELATIVE)
		timeout = args->timeout_ns <= 0 ? 0 :
			  nsecs_to_jiffies(args->timeout_ns) + 1;
	else
		timeout = drm_timeout_abs_to_jiffies(args->timeout_ns);
	r = dma_fence_wait_timeout(fence, true, timeout);
	if (r < 0)
		ret = r;
	else if (!r && !dma_fence_is_signaled(fence))
		ret = -ETIME;
	else
		args->error = fence->error;
	dma_fence_put(fence);
out:
	dsb_queue_put(q);
	return ret;
}
