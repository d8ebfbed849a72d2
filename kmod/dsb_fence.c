// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Copyright (C) 2026 The dsb authors */
/**
 * DOC: Fences and dependencies
 *
 * Every job's &struct dsb_fence is allocated in the prepare phase of the
 * submit and initialised at arm time; it is signalled from the completion
 * "interrupt" (the engine executing the job's SIGNAL packet) or by a ban,
 * neither of which allocates (dsb_job.c).
 *
 * A dsb fence reads as signalled as soon as its fence slot holds its seqno
 * (dsb_fence_signaled()), and keeps a reference on its queue's fence
 * memory, so a GPU-side wait of another queue on that slot stays valid as
 * long as the waiting job holds the fence. The last reference may be
 * dropped in any context: fences are freed by a work item. A fence pins
 * the module until it is freed.
 */
#include <linux/module.h>
#include <linux/slab.h>

#include "dsb_bo.h"
#include "dsb_compat.h"
#include "dsb_engine.h"
#include "dsb_fence.h"
#include "dsb_mem.h"
#include "dsb_queue.h"

static struct workqueue_struct *dsb_fence_wq;
/* Slab size charged per fence, computed once (hot path). */
static u64 dsb_fence_charge __read_mostly;
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
	u64 seqno = dsb_fence_word_read(&f->slot->seqno);
	s32 err;

	if (seqno < fence->seqno)
		return false;
	err = READ_ONCE(f->slot->error);
	if (seqno == fence->seqno && err && !READ_ONCE(fence->error))
		WRITE_ONCE(fence->error, err);
	return true;
}

/* Serializes boost requests written into fence memory headers. */
static DEFINE_SPINLOCK(dsb_boost_lock);

/*
 * A deadline hint (any context, no allocation): the earliest deadline is
 * kept for the miss count, and the queue that will signal the fence is
 * boosted until the job completes or the deadline passes. The request
 * goes where the engine looks, its queue's fence memory header, which the
 * fence keeps alive; the process can read it there, not write it.
 */
static void __maybe_unused dsb_fence_set_deadline(struct dma_fence *fence, ktime_t deadline)
{
	struct dsb_fence *f = container_of(fence, struct dsb_fence, base);
	struct drm_dsb_fence_mem_header *h = f->fence_bo->vaddr;
	u64 d = max_t(s64, ktime_to_ns(deadline), 1);
	unsigned long flags;

	spin_lock_irqsave(&dsb_boost_lock, flags);
	if (!f->deadline_ns || d < f->deadline_ns)
		WRITE_ONCE(f->deadline_ns, d);
	if (fence->seqno > READ_ONCE(h->boost_seqno))
		WRITE_ONCE(h->boost_seqno, fence->seqno);
	if (d > READ_ONCE(h->boost_until_ns))
		WRITE_ONCE(h->boost_until_ns, d);
	spin_unlock_irqrestore(&dsb_boost_lock, flags);
	atomic64_inc(&f->ddev->stats.deadline_hints);
	dsb_device_kick_all(f->ddev);
}

static const struct dma_fence_ops dsb_fence_ops = {
	.get_driver_name = dsb_fence_get_driver_name,
	.get_timeline_name = dsb_fence_get_timeline_name,
	.signaled = dsb_fence_signaled,
	.release = dsb_fence_release,
	DSB_FENCE_SET_DEADLINE_OP
};

/**
 * dsb_fence_module_init() - size the fence charge, create the workqueue
 * that frees fences
 *
 * Return: 0 or -ENOMEM.
 */
int dsb_fence_module_init(void)
{
	dsb_fence_charge = dsb_mem_kmalloc_size(sizeof(struct dsb_fence));
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
	f->deadline_ns = 0;
	f->queue_id = q->id;
	f->client_id = q->client_id;
	dma_fence_init(&f->base, &dsb_fence_ops, &f->lock, q->fence_context, seqno);
}
