// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Copyright (C) 2026 The dsb authors */
/**
 * DOC: Jobs
 *
 * A job is born in the prepare phase of a submit (dsb_submit.c), where
 * everything it will need is allocated: the job itself (from its queue's
 * cache when it can), its fence if it needs one, a reference on every
 * fence it depends on and a chain node for every timeline point it
 * signals. Its life then runs through this file:
 *
 * 1. prepare, may allocate and fail: dsb_job_create(), dsb_job_add_wait()
 *    for each wait operation, dsb_signal_prepare() for each signal one;
 * 2. arm, inside the fence-signalling section, allocates nothing and
 *    cannot fail: dsb_job_arm() initialises the fence and fills the job's
 *    entries of the queue's dependency table; the submit then writes its
 *    WAIT / EXEC / SIGNAL packets (dsb_ring_emit_job()),
 *    dsb_signal_publish() puts the fence into syncobjs and the queue takes
 *    the job into flight;
 * 3. complete, in the one completion path (dsb_irq.c), in the critical
 *    section that takes it out of flight: dsb_job_settle_locked() settles
 *    its status, the queue writes its fence slot, dsb_job_signal() signals
 *    its fence if it has one, the queue posts its CQE; then dsb_job_free()
 *    gives the job back to the queue's cache.
 *
 * Fences on demand: a job gets a dma_fence at prepare only when something
 * will observe it as one: a syncobj it signals, the reservation objects
 * of its buffer list, or the shrinker (the last job of each batch, see
 * dsb_vm_note_fence()). Any other job completes through its fence slot
 * and CQE alone; its status and error origin live in the job
 * (&dsb_job.origin) and the queue's per-slot origins. A fence asked for
 * later (dsb_queue_job_fence(): a sync_file or syncobj through
 * %DRM_IOCTL_DSB_FENCE_TO_HANDLE, an io_uring wait, a
 * %DRM_DSB_SYNC_OP_QUEUE dependency) is allocated by the asker and
 * attached to the job in flight under the queue lock, where the
 * completion finds it: nothing in the signalling path allocates.
 *
 * A dependency on a fence of the same device becomes a GPU-side WAIT on
 * the producer's fence slot: the dependency table entry points at that
 * slot's seqno word, kept alive by the fence's reference on the producer's
 * fence memory. Any other fence (another dsb device, vgem, a sync_file
 * from elsewhere) becomes a WAIT on a proxy word in the entry, set by a
 * fence callback whose storage (&struct dsb_dep) was allocated with the
 * job. No CPU ever blocks on a dependency in the submit path.
 */
#include <linux/dma-fence-chain.h>
#include <linux/dma-fence-unwrap.h>
#include <linux/slab.h>
#include <linux/sync_file.h>
#include <drm/drm_syncobj.h>

#include "dsb_fence.h"
#include "dsb_job.h"
#include "dsb_mem.h"
#include "dsb_queue.h"
#include "dsb_vm.h"
#include "dsb_trace.h"

/* Slab size charged per job, computed once (hot path). */
static u64 dsb_job_charge __read_mostly;

/**
 * dsb_job_module_init() - size the per-job charge
 */
void dsb_job_module_init(void)
{
	dsb_job_charge = dsb_mem_kmalloc_size(sizeof(struct dsb_job));
}

/*
 * A job from the queue's cache, or a new one charged to its user; zeroed
 * up to its dependencies, which dsb_job_new_dep() zeroes one by one.
 */
static struct dsb_job *dsb_job_alloc(struct dsb_user_queue *q)
{
	struct llist_node *node = dsb_recycler_get(&q->job_cache);
	struct dsb_job *job;

	if (node) {
		job = container_of(node, struct dsb_job, cache_node);
		memset(job, 0, offsetof(struct dsb_job, deps));
		return job;
	}
	return dsb_mem_kzalloc(q->mem, sizeof(*job), dsb_job_charge);
}

/* Free a job that is not cached, and its charge. */
static void dsb_job_free_uncached(struct dsb_user_queue *q, struct dsb_job *job)
{
	kfree(job);
	dsb_mem_uncharge(q->mem, dsb_job_charge);
}

/* Give a finished job back to its queue's cache (no allocation, no lock). */
static void dsb_job_recycle(struct dsb_user_queue *q, struct dsb_job *job)
{
	if (!dsb_recycler_put(&q->job_cache, &job->cache_node))
		dsb_job_free_uncached(q, job);
}

/**
 * dsb_job_cache_drain() - free the jobs a dying queue keeps for reuse
 * @q: the queue, its last reference gone
 */
void dsb_job_cache_drain(struct dsb_user_queue *q)
{
	struct llist_node *all = dsb_recycler_drain(&q->job_cache);
	struct dsb_job *job, *tmp;

	llist_for_each_entry_safe(job, tmp, all, cache_node)
		dsb_job_free_uncached(q, job);
}

/* The job's next dependency, zeroed; the caller checked there is room. */
static struct dsb_dep *dsb_job_new_dep(struct dsb_job *job)
{
	struct dsb_dep *dep = &job->deps[job->ndeps++];

	memset(dep, 0, sizeof(*dep));
	return dep;
}

/**
 * dsb_job_create() - a new job of a queue (prepare phase)
 * @q: the queue; the job does not hold a reference, its submitter does
 * @fence_now: the job gets a fence now (something will observe it as one)
 *
 * Jobs retire into a per-queue cache (at most one per fence slot) instead
 * of going back to the slab allocator, whose fast path is costly under
 * emulation. A job is charged to the queue's user when it is allocated and
 * uncharged when it is freed, so cached jobs stay charged; its fence is
 * charged on its own, as it may outlive the job, the queue and the file.
 *
 * Return: the job, or an ERR_PTR: -EDQUOT beyond the accounting limits,
 * -ENOMEM.
 */
struct dsb_job *dsb_job_create(struct dsb_user_queue *q, bool fence_now)
{
	struct dsb_job *job = dsb_job_alloc(q);
	struct dsb_fence *fence;

	if (IS_ERR(job))
		return job;
	atomic_inc(&q->ddev->stats.live_jobs);
	job->q = q;
	if (!fence_now)
		return job;
	fence = dsb_fence_alloc(q);
	if (IS_ERR(fence)) {
		dsb_job_free(job);
		return ERR_CAST(fence);
	}
	job->fence = fence;
	return job;
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
		dep = dsb_job_new_dep(job);
		dep->fence = dma_fence_get(f);
		dep->proxy = !df || df->ddev != job->q->ddev;
	}
	return 0;
}

/**
 * dsb_job_add_implicit_dep() - wait for a fence of a reservation object
 * @job: the job being prepared
 * @fence: a fence found in one of its buffers' reservation objects
 * @first: index of the job's first implicit dependency
 *
 * One fence per context is enough: of two fences of one context the later
 * one signals last, so it replaces an earlier implicit dependency of the
 * same context. A fence the job already waits for explicitly is skipped,
 * and so is a signalled one, even with an error: a failed producer's error
 * reaches the jobs that were queued behind it, not every later user of
 * the buffer (reservation objects keep signalled fences until replaced).
 *
 * Return: 0, or -E2BIG beyond %DSB_MAX_JOB_DEPS dependencies.
 */
int dsb_job_add_implicit_dep(struct dsb_job *job, struct dma_fence *fence, u32 first)
{
	struct dsb_fence *df = to_dsb_fence(fence);
	struct dsb_dep *dep;
	u32 i;

	if (dma_fence_is_signaled(fence))
		return 0;
	for (i = 0; i < job->ndeps; i++) {
		dep = &job->deps[i];
		if (dep->fence == fence)
			return 0;
		if (i < first || dep->fence->context != fence->context)
			continue;
		if (dma_fence_is_later(fence, dep->fence)) {
			dma_fence_put(dep->fence);
			dep->fence = dma_fence_get(fence);
		}
		return 0;
	}
	if (job->ndeps == DSB_MAX_JOB_DEPS)
		return -E2BIG;
	dep = dsb_job_new_dep(job);
	dep->fence = dma_fence_get(fence);
	dep->proxy = !df || df->ddev != job->q->ddev;
	dep->implicit = true;
	atomic64_inc(&job->q->ddev->stats.implicit_deps);
	return 0;
}

/**
 * dsb_job_add_wait() - resolve a wait operation into dependencies
 * @job: the job being prepared
 * @file: the submitting file, whose syncobjs the operation names
 * @op: a validated wait operation (not %DRM_DSB_SYNC_OP_SIGNAL)
 *
 * A %DRM_DSB_SYNC_OP_QUEUE wait names a job of one of the file's queues:
 * its fence is made on demand (dsb_file_job_fence(); none is needed for a
 * job that already succeeded) and becomes a GPU-side wait like any fence
 * of the device, with the same error propagation and origin.
 *
 * Return: 0, -EBADF for a bad sync_file, -ENOENT for an unknown syncobj,
 * queue or a point without a fence, -EINVAL for a seqno never submitted,
 * -ENODATA for a job whose status is no longer known, -E2BIG beyond
 * %DSB_MAX_JOB_DEPS dependencies, -EDQUOT, -ENOMEM.
 */
int dsb_job_add_wait(struct dsb_job *job, struct drm_file *file,
		     const struct drm_dsb_sync_op *op)
{
	struct dma_fence *fence;
	int ret;

	ret = dsb_sync_op_fence(file, op, &fence);
	if (ret || !fence)
		return ret;
	ret = dsb_job_add_deps(job, fence);
	dma_fence_put(fence);
	return ret;
}

/**
 * dsb_sync_op_check() - check the fields of a wait or signal operation
 * @op: the operation
 *
 * Return: 0, or -EINVAL for unknown flags, a point where none belongs, or
 * a signal to a sync_file or a queue.
 */
int dsb_sync_op_check(const struct drm_dsb_sync_op *op)
{
	u32 type = op->flags & DRM_DSB_SYNC_OP_TYPE_MASK;

	if (op->flags & ~DSB_SYNC_OP_KNOWN)
		return -EINVAL;
	if (type != DRM_DSB_SYNC_OP_TIMELINE && type != DRM_DSB_SYNC_OP_QUEUE && op->point)
		return -EINVAL;
	if ((type == DRM_DSB_SYNC_OP_SYNC_FILE || type == DRM_DSB_SYNC_OP_QUEUE) &&
	    op->flags & DRM_DSB_SYNC_OP_SIGNAL)
		return -EINVAL;
	return 0;
}

/**
 * dsb_sync_op_fence() - the fence a checked wait operation names
 * @file: the caller's file, whose syncobjs and queues it names
 * @op: the wait operation
 * @fence: out, a reference to the fence, or NULL when there is nothing to
 *         wait for (a %DRM_DSB_SYNC_OP_QUEUE job that already succeeded)
 *
 * A %DRM_DSB_SYNC_OP_QUEUE wait names a job of one of the file's queues:
 * its fence is made on demand (dsb_file_job_fence()).
 *
 * Return: 0, -EBADF for a bad sync_file, -ENOENT for an unknown syncobj,
 * queue or a point without a fence, -EINVAL for a seqno never submitted,
 * -ENODATA for a job whose status is no longer known, -EDQUOT, -ENOMEM.
 */
int dsb_sync_op_fence(struct drm_file *file, const struct drm_dsb_sync_op *op,
		      struct dma_fence **fence)
{
	u32 type = op->flags & DRM_DSB_SYNC_OP_TYPE_MASK;

	*fence = NULL;
	if (type == DRM_DSB_SYNC_OP_QUEUE)
		return dsb_file_job_fence(file->driver_priv, op->handle, op->point, true, fence);
	if (type == DRM_DSB_SYNC_OP_SYNC_FILE) {
		*fence = sync_file_get_fence(op->handle);
		return *fence ? 0 : -EBADF;
	}
	if (drm_syncobj_find_fence(file, op->handle, op->point, 0, fence))
		return -ENOENT;
	return 0;
}

/**
 * dsb_signal_prepare() - resolve a signal operation (prepare phase)
 * @sig: where to keep it; every field is set, descriptors are reused
 * @file: the submitting file
 * @op: a validated %DRM_DSB_SYNC_OP_SIGNAL operation
 *
 * Takes a reference on the syncobj and, for a timeline point, allocates
 * its chain node; dsb_signal_release() gives back what is left of both.
 *
 * Return: 0, -ENOENT for an unknown syncobj, -ENOMEM.
 */
int dsb_signal_prepare(struct dsb_signal *sig, struct drm_file *file,
		       const struct drm_dsb_sync_op *op)
{
	sig->chain = NULL;
	sig->point = 0;
	sig->syncobj = drm_syncobj_find(file, op->handle);
	if (!sig->syncobj)
		return -ENOENT;
	if ((op->flags & DRM_DSB_SYNC_OP_TYPE_MASK) != DRM_DSB_SYNC_OP_TIMELINE)
		return 0;
	sig->chain = dma_fence_chain_alloc();
	if (!sig->chain)
		return -ENOMEM;
	sig->point = op->point;
	return 0;
}

/**
 * dsb_signal_publish() - put an armed job's fence into a syncobj
 * @sig: the prepared signal operation; its chain node is consumed
 * @fence: the fence
 *
 * Arm phase: allocates nothing.
 */
void dsb_signal_publish(struct dsb_signal *sig, struct dma_fence *fence)
{
	if (sig->chain) {
		drm_syncobj_add_point(sig->syncobj, sig->chain, fence, sig->point);
		sig->chain = NULL;
	} else {
		drm_syncobj_replace_fence(sig->syncobj, fence);
	}
}

/**
 * dsb_signal_release() - drop what a signal operation holds
 * @sig: the signal operation, published or not
 */
void dsb_signal_release(struct dsb_signal *sig)
{
	dma_fence_chain_free(sig->chain);
	sig->chain = NULL;
	if (sig->syncobj)
		drm_syncobj_put(sig->syncobj);
	sig->syncobj = NULL;
}

static void dsb_dep_proxy_cb(struct dma_fence *fence, struct dma_fence_cb *cb)
{
	struct dsb_dep *dep = container_of(cb, struct dsb_dep, cb);

	dsb_fence_word_publish(&dep->entry->proxy_value, &dep->entry->proxy_error,
			       1, fence->error);
	dsb_gpu_notify_fences(dep->q->ddev->gpu);
}

/*
 * Fill the job's dependency table entries. In the signalling section:
 * installs fence callbacks, which takes the foreign fence's spinlock but
 * never allocates.
 */
static void dsb_job_arm_deps(struct dsb_job *job)
{
	struct dsb_user_queue *q = job->q;
	u32 i;

	for (i = 0; i < job->ndeps; i++) {
		struct dsb_dep *dep = &job->deps[i];
		struct dsb_dep_entry *e = &q->deps[job->slot * DSB_MAX_JOB_DEPS + i];

		dep->entry = e;
		dep->q = q;
		e->implicit = dep->implicit;
		if (!dep->proxy) {
			struct dsb_fence *df = to_dsb_fence(dep->fence);

			/* The fence's, not the slot's: see &struct dsb_dep_entry. */
			WRITE_ONCE(e->error, &df->base.error);
			WRITE_ONCE(e->inherited, &df->error_inherited);
			WRITE_ONCE(e->word, &df->slot->seqno);
			continue;
		}
		WRITE_ONCE(e->inherited, NULL);
		atomic64_inc(&q->ddev->stats.proxy_deps);
		e->proxy_error = 0;
		e->proxy_value = 0;
		WRITE_ONCE(e->error, &e->proxy_error);
		WRITE_ONCE(e->word, &e->proxy_value);
		if (dma_fence_add_callback(dep->fence, &dep->cb, dsb_dep_proxy_cb))
			/* Already signalled. */
			dsb_fence_word_publish(&e->proxy_value, &e->proxy_error, 1,
					       dep->fence->error);
		else
			dep->cb_armed = true;
	}
}

/* Remove fence callbacks still installed; none runs after this returns. */
static void dsb_job_disarm_deps(struct dsb_job *job)
{
	u32 i;

	for (i = 0; i < job->ndeps; i++) {
		struct dsb_dep *dep = &job->deps[i];

		if (dep->cb_armed) {
			dma_fence_remove_callback(dep->fence, &dep->cb);
			dep->cb_armed = false;
		}
	}
}

/**
 * dsb_job_arm() - arm a prepared job
 * @job: the job; its slot, ring space and CQE are reserved
 * @seqno: its seqno in the queue
 *
 * Runs inside the fence-signalling section, under the queue's submit
 * lock: initialises the fence and fills the dependency table; the packets
 * follow (dsb_ring_emit_job()). Allocates nothing, cannot fail.
 */
void dsb_job_arm(struct dsb_job *job, u64 seqno)
{
	struct dsb_user_queue *q = job->q;

	lockdep_assert_held(&q->submit_lock);
	job->seqno = seqno;
	trace_dsb_submit(q, seqno, job->slot, job->ndeps);
	if (job->fence)
		dsb_fence_init(job->fence, q, job->slot, seqno);
	dsb_job_arm_deps(job);
}

/* The job no longer needs its VM resident: signalled, or never armed. */
static void dsb_job_release_vm(struct dsb_job *job)
{
	if (job->vm_busy) {
		job->vm_busy = false;
		if (job->seqno && job->fence)
			dsb_vm_forget_fence(job->q->vm, &job->fence->base);
		dsb_vm_unbusy(job->q->vm);
	}
}

/**
 * dsb_job_free() - free a job, armed or not
 * @job: the job
 */
void dsb_job_free(struct dsb_job *job)
{
	struct dsb_user_queue *q = job->q;
	u32 i;

	dsb_job_release_vm(job);
	dsb_job_disarm_deps(job);
	for (i = 0; i < job->ndeps; i++)
		dma_fence_put(job->deps[i].fence);
	if (job->fence) {
		if (job->seqno)
			dma_fence_put(&job->fence->base);
		else
			dsb_fence_free_unarmed(job->fence);
	}
	atomic_dec(&q->ddev->stats.live_jobs);
	dsb_job_recycle(q, job);
}

/*
 * Whether a failed dependency fails the job: always when it was waited for
 * explicitly; through a shared buffer only when the producer failed by
 * itself, so an error does not travel from job to job along a buffer.
 */
static bool dsb_dep_error_reaches(const struct dsb_dep *dep)
{
	struct dsb_fence *df = to_dsb_fence(dep->fence);

	return !dep->implicit || !df || !READ_ONCE(df->error_inherited);
}

/*
 * The origin of a failing job's error, kept in the job (no allocation):
 * the job itself for its own error; otherwise the origin carried by the
 * first failed dependency whose error reaches it (a dsb fence of either
 * device), or that dependency when it belongs to another driver.
 */
static void dsb_job_set_origin(struct dsb_job *job, s32 error, bool inherited)
{
	struct drm_dsb_error_origin *o = &job->origin;
	struct dsb_user_queue *q = job->q;
	u32 i;

	if (!error)
		return;
	for (i = 0; inherited && i < job->ndeps; i++) {
		struct dma_fence *f = job->deps[i].fence;
		struct dsb_fence *df = to_dsb_fence(f);

		if (!f->error || !dsb_dep_error_reaches(&job->deps[i]))
			continue;
		if (df && df->origin.error) {
			*o = df->origin;
		} else {
			o->error = f->error;
			o->device = df ? df->ddev->index : ~0U;
			o->flags = df ? 0 : DRM_DSB_ORIGIN_FOREIGN;
		}
		o->flags |= DRM_DSB_ORIGIN_INHERITED;
		return;
	}
	o->flags = inherited ? DRM_DSB_ORIGIN_INHERITED : 0;
	o->error = error;
	o->device = q->ddev->index;
	o->queue_id = q->id;
	o->client_id = q->client_id;
	o->seqno = job->seqno;
	o->fault = q->fault;
}

/**
 * dsb_job_settle_locked() - settle a completing job's status and origin
 * @job: the job, being taken out of flight (dsb_queue_complete_locked())
 * @error: 0 or the job's error
 * @inherited: in/out, @error came from a dependency (the GPU skipped the
 *             job); set when a dependency's error is found here
 *
 * Called under the queue lock. Lets go of the job's VM and dependency
 * callbacks; a dependency's error reaches the job even when the GPU-side
 * wait could not see it (the producer's slot was reused since). The
 * job's origin, and its fence's error and origin if it has a fence, are
 * set; the caller then writes the fence slot and signals the fence
 * (dsb_job_signal()), so fence memory never runs ahead of the dma_fence:
 * from the slot write on, dsb_fence_signaled() makes any query of the
 * fence see it signalled with that error. The origin is all zero without
 * an error (the job is zeroed when it is allocated or reused).
 *
 * Return: the job's final status.
 */
s32 dsb_job_settle_locked(struct dsb_job *job, s32 error, bool *inherited)
{
	u32 i;

	lockdep_assert_held(&job->q->lock);
	dsb_job_release_vm(job);
	dsb_job_disarm_deps(job);
	for (i = 0; i < job->ndeps && !error; i++) {
		if (job->deps[i].fence->error && dsb_dep_error_reaches(&job->deps[i])) {
			error = job->deps[i].fence->error;
			*inherited = true;
		}
	}
	dsb_job_set_origin(job, error, *inherited);
	if (error) {
		job->error_inherited = *inherited;
		if (job->fence) {
			job->fence->origin = job->origin;
			job->fence->error_inherited = *inherited;
			dma_fence_set_error(&job->fence->base, error);
		}
	}
	return error;
}

/**
 * dsb_job_signal() - signal a completing job's fence, if it has one
 * @job: the job, its status settled and its fence slot written
 * @ts: the completion's timestamp (one clock read per completed batch)
 *
 * Under the queue lock; nothing here allocates: fence callbacks run under
 * the fence's own lock.
 */
void dsb_job_signal(struct dsb_job *job, ktime_t ts)
{
	struct dsb_user_queue *q = job->q;

	if (!job->fence)
		return;
	if (unlikely(READ_ONCE(job->fence->deadline_ns)) &&
	    ktime_to_ns(ts) > READ_ONCE(job->fence->deadline_ns)) {
		atomic64_inc(&q->ddev->stats.deadline_misses);
		trace_dsb_deadline_miss(q, job->seqno);
	}
	/* Already signalled when a reader saw the slot first: harmless. */
	dma_fence_signal_timestamp(&job->fence->base, ts);
}
