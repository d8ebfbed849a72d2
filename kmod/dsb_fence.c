// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Copyright (C) 2026 The dsb authors */
/**
 * DOC: Fences and dependencies
 *
 * Every job's &struct dsb_fence is allocated in the prepare phase of the
 * submit and initialised at arm time; it is signalled from the completion
 * "interrupt" (the engine executing the job's SIGNAL packet) or by a ban,
 * neither of which allocates.
 *
 * A dependency on a fence of the same device becomes a GPU-side WAIT on
 * the producer's fence slot: the dependency table entry points at that
 * slot's seqno word, kept alive by the fence's reference on the producer's
 * fence memory. Any other fence (another dsb device, vgem, a sync_file
 * from elsewhere) becomes a WAIT on a proxy word in the entry, set by a
 * fence callback whose storage (&struct dsb_dep) was allocated with the
 * job. No CPU ever blocks on a dependency in the submit path.
 */
#include <linux/module.h>
#include <linux/slab.h>

#include "dsb_bo.h"
#include "dsb_engine.h"
#include "dsb_fence.h"
#include "dsb_mem.h"
#include "dsb_queue.h"
#include "dsb_trace.h"

static struct workqueue_struct *dsb_fence_wq;
/* Slab sizes charged per fence and per job, computed once (hot path). */
static u64 dsb_fence_charge __read_mostly;
u64 dsb_job_charge __read_mostly;
static LLIST_HEAD(dsb_fence_free_list);

static const char *dsb_fence_get_driver_name(struct dma_fence *fence)
{
	return "dsb";
}

static const char *dsb_fence_get_timeline_name(struct dma_fence *fence)
{
	return "dsb-queue";
}

/**
 * dsb_fence_uncharge() - give back what dsb_fence_alloc() charged
 * @mem: the fence's accounting object; its reference is dropped
 *
 * Any context: the fence's file and queue may be long gone.
 */
static void dsb_fence_uncharge(struct dsb_mem_client *mem)
{
	dsb_mem_uncharge(mem, dsb_fence_charge);
	dsb_mem_client_put(mem);
}

static void dsb_fence_free_work_fn(struct work_struct *work)
{
	struct llist_node *list = llist_del_all(&dsb_fence_free_list);
	struct dsb_fence *f, *next;

	llist_for_each_entry_safe(f, next, list, free_node) {
		struct dsb_mem_client *mem = f->mem;

		atomic_dec(&f->ddev->stats.live_fences);
		dsb_bo_put(f->fence_bo);
		dma_fence_free(&f->base);
		dsb_fence_uncharge(mem);
		/*
		 * The work still runs after the last put; the module's exit
		 * destroys the workqueue, which waits for it.
		 */
		module_put(THIS_MODULE);
	}
}

static DECLARE_WORK(dsb_fence_free_work, dsb_fence_free_work_fn);

/*
 * The last reference may be dropped anywhere, including under spinlocks and
 * in interrupts; dropping the fence memory reference may free a BO, which
 * needs process context. Fences are freed in batches by one work item.
 */
static void dsb_fence_release(struct dma_fence *fence)
{
	struct dsb_fence *f = container_of(fence, struct dsb_fence, base);

	/* The first fence on an empty list schedules the work. */
	if (llist_add(&f->free_node, &dsb_fence_free_list))
		queue_work(dsb_fence_wq, &dsb_fence_free_work);
}

/*
 * The fence reads as signalled as soon as its fence slot holds its seqno
 * (or a later one: slots are reused only after their job retired), with
 * the error the slot holds; see dsb_job_signal_locked(), which sets the
 * error before it writes the slot, so the value written here is the same.
 */
static bool dsb_fence_signaled(struct dma_fence *fence)
{
	struct dsb_fence *f = container_of(fence, struct dsb_fence, base);
	/* Pairs with the store-release of the slot seqno after its error. */
	u64 seqno = smp_load_acquire(&f->slot->seqno);
	s32 err;

	if (seqno < fence->seqno)
		return false;
	err = READ_ONCE(f->slot->error);
	if (seqno == fence->seqno && err && !READ_ONCE(fence->error))
		WRITE_ONCE(fence->error, err);
	return true;
}

static const struct dma_fence_ops dsb_fence_ops = {
	.get_driver_name = dsb_fence_get_driver_name,
	.get_timeline_name = dsb_fence_get_timeline_name,
	.signaled = dsb_fence_signaled,
	.release = dsb_fence_release,
};

/**
 * dsb_fence_module_init() - size the fence and job charges, create the
 * workqueue that frees fences
 *
 * Return: 0 or -ENOMEM.
 */
int dsb_fence_module_init(void)
{
	dsb_fence_charge = dsb_mem_kmalloc_size(sizeof(struct dsb_fence));
	dsb_job_charge = dsb_mem_kmalloc_size(sizeof(struct dsb_job));
	dsb_fence_wq = alloc_workqueue("dsb-fence", WQ_UNBOUND, 0);
	return dsb_fence_wq ? 0 : -ENOMEM;
}

/**
 * dsb_fence_module_exit() - wait for fence frees and destroy the workqueue
 */
void dsb_fence_module_exit(void)
{
	/* Draining runs the work, which may be queued again until it is empty. */
	destroy_workqueue(dsb_fence_wq);
}

/**
 * to_dsb_fence() - downcast a fence if it is a dsb fence
 * @fence: any fence
 *
 * Return: the dsb fence, or NULL.
 */
struct dsb_fence *to_dsb_fence(struct dma_fence *fence)
{
	if (fence->ops != &dsb_fence_ops)
		return NULL;
	return container_of(fence, struct dsb_fence, base);
}

/**
 * dsb_fence_alloc() - allocate a fence in the prepare phase
 * @ddev: the device
 * @mem: the accounting object to charge; the fence keeps a reference until
 *       it is freed, which may be long after its file is closed
 *
 * Return: the fence, not yet initialised, or an ERR_PTR: -EDQUOT beyond
 * the accounting limits, -ENOMEM.
 */
struct dsb_fence *dsb_fence_alloc(struct dsb_device *ddev, struct dsb_mem_client *mem)
{
	struct dsb_fence *f = dsb_mem_kzalloc(mem, sizeof(*f), dsb_fence_charge);

	if (IS_ERR(f))
		return f;
	spin_lock_init(&f->lock);
	f->ddev = ddev;
	f->mem = dsb_mem_client_get(mem);
	atomic_inc(&ddev->stats.live_fences);
	/*
	 * A fence may outlive every dsb file (a sync_file, a syncobj of
	 * another driver) and its ops, device and fence memory are ours: it
	 * pins the module until it is freed, so rmmod fails with EAGAIN.
	 */
	__module_get(THIS_MODULE);
	return f;
}

/**
 * dsb_fence_free_unarmed() - free a fence that was never initialised
 * @f: the fence
 */
void dsb_fence_free_unarmed(struct dsb_fence *f)
{
	struct dsb_mem_client *mem = f->mem;

	atomic_dec(&f->ddev->stats.live_fences);
	kfree(f);
	dsb_fence_uncharge(mem);
	module_put(THIS_MODULE);
}

/**
 * dsb_fence_init() - arm a fence (no allocation)
 * @f: the fence from dsb_fence_alloc()
 * @q: the queue
 * @slot: the job's fence slot
 * @seqno: the job's seqno
 */
void dsb_fence_init(struct dsb_fence *f, struct dsb_user_queue *q, u32 slot, u64 seqno)
{
	drm_gem_object_get(&q->fence_bo->base);
	f->fence_bo = q->fence_bo;
	f->slot = &q->slots[slot];
	dma_fence_init(&f->base, &dsb_fence_ops, &f->lock, q->fence_context, seqno);
}

static void dsb_dep_proxy_cb(struct dma_fence *fence, struct dma_fence_cb *cb)
{
	struct dsb_dep *dep = container_of(cb, struct dsb_dep, cb);

	WRITE_ONCE(dep->entry->proxy_error, fence->error);
	/* Pairs with smp_load_acquire() of the WAIT word in the engine. */
	smp_store_release(&dep->entry->proxy_value, 1);
	dsb_engine_kick(dep->q->engine);
}

/**
 * dsb_dep_wait_value() - value a WAIT packet on this dependency waits for
 * @dep: the dependency
 *
 * Return: the producer's seqno for a GPU-side wait, 1 for a proxy word.
 */
u64 dsb_dep_wait_value(const struct dsb_dep *dep)
{
	return dep->proxy ? 1 : dep->fence->seqno;
}

/**
 * dsb_job_arm_deps() - fill the job's dependency table entries
 * @job: the job, whose slot and queue are set
 *
 * Called in the signalling section: installs fence callbacks, which takes
 * the foreign fence's spinlock but never allocates.
 */
void dsb_job_arm_deps(struct dsb_job *job)
{
	struct dsb_user_queue *q = job->q;
	u32 i;

	for (i = 0; i < job->ndeps; i++) {
		struct dsb_dep *dep = &job->deps[i];
		struct dsb_dep_entry *e = &q->deps[job->slot * DSB_MAX_JOB_DEPS + i];

		dep->entry = e;
		dep->q = q;
		if (!dep->proxy) {
			struct dsb_fence *df = to_dsb_fence(dep->fence);

			WRITE_ONCE(e->error, &df->slot->error);
			WRITE_ONCE(e->word, &df->slot->seqno);
			continue;
		}
		e->proxy_error = 0;
		e->proxy_value = 0;
		WRITE_ONCE(e->error, &e->proxy_error);
		WRITE_ONCE(e->word, &e->proxy_value);
		if (dma_fence_add_callback(dep->fence, &dep->cb, dsb_dep_proxy_cb)) {
			/* Already signalled. */
			e->proxy_error = dep->fence->error;
			e->proxy_value = 1;
		} else {
			dep->cb_armed = true;
		}
	}
}

/**
 * dsb_job_disarm_deps() - remove fence callbacks still installed
 * @job: the job
 *
 * After this returns no callback of the job runs or will run.
 */
void dsb_job_disarm_deps(struct dsb_job *job)
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
 * dsb_job_free() - free a job, armed or not
 * @job: the job
 */
void dsb_job_free(struct dsb_job *job)
{
	struct dsb_device *ddev = job->q->ddev;
	u32 i;

	dsb_job_disarm_deps(job);
	for (i = 0; i < job->ndeps; i++)
		dma_fence_put(job->deps[i].fence);
	if (job->fence) {
		if (job->seqno)
			dma_fence_put(&job->fence->base);
		else
			dsb_fence_free_unarmed(job->fence);
	}
	atomic_dec(&ddev->stats.live_jobs);
	dsb_queue_job_recycle(job->q, job);
}

/**
 * dsb_job_signal_locked() - publish a retiring job's status and signal it
 * @job: the job, being taken off its queue's in-flight list
 * @error: 0 or the job's error
 *
 * Called under the queue lock, in the critical section that takes the job
 * out of flight. A dependency's error propagates to the job even when the
 * GPU-side wait could not see it (the producer's slot was reused since).
 * The fence's error is set, then the fence slot is written, then the fence
 * is signalled; from the slot write on, dsb_fence_signaled() makes any
 * query of the fence (syncobj waits, sync_file status) see it signalled
 * with that error. So fence memory never runs ahead of the dma_fence, and
 * whoever learns of the completion from the fence (WAIT, io_uring, a
 * syncobj) finds fence memory already written; CQEs are posted after.
 * Nothing here allocates: fence callbacks run under the fence's own lock.
 *
 * Return: the job's final status.
 */
s32 dsb_job_signal_locked(struct dsb_job *job, s32 error)
{
	struct dsb_user_queue *q = job->q;
	u32 i;

	lockdep_assert_held(&q->lock);
	dsb_job_disarm_deps(job);
	for (i = 0; i < job->ndeps && !error; i++)
		error = job->deps[i].fence->error;
	if (error)
		dma_fence_set_error(&job->fence->base, error);
	dsb_queue_write_slot_locked(q, job, error);
	trace_dsb_job_done(q, job->seqno, error);
	/* Already signalled when a reader saw the slot first: harmless. */
	dma_fence_signal(&job->fence->base);
	return error;
}

/**
 * dsb_job_finish() - post a signalled job's CQE and free the job
 * @job: the job, signalled by dsb_job_signal_locked() and off every list
 * @error: the status dsb_job_signal_locked() returned
 */
void dsb_job_finish(struct dsb_job *job, s32 error)
{
	struct dsb_user_queue *q = job->q;

	if (job->post_cqe)
		dsb_queue_post_cqe(q, job->user_data, job->seqno, error, job->slot, true);
	atomic64_inc(&q->ddev->stats.completions);
	dsb_job_free(job);
}
