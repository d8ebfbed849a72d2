// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Copyright (C) 2026 The dsb authors */
/**
 * DOC: Fences and dependencies
 *
 * A job's &struct dsb_fence, when it has one (see "Fences on demand" in
 * dsb_job.c), is allocated in the prepare phase of the submit and
 * initialised at arm time, or allocated and initialised on demand later by
 * dsb_queue_job_fence(), outside any signalling path; it is signalled from
 * the completion "interrupt" (the engine executing the job's SIGNAL
 * packet) or by a ban, neither of which allocates (dsb_irq.c).
 *
 * A dsb fence reads as signalled as soon as its fence slot holds its seqno
 * (dsb_fence_signaled()), and keeps a reference on its queue's fence
 * memory, so a GPU-side wait of another queue on that slot stays valid as
 * long as the waiting job holds the fence. A fence pins the module until
 * it is freed.
 *
 * The fence pool: in steady state a submit allocates no fence. A fence
 * whose last reference goes returns to its queue's &struct dsb_fence_pool
 * (at most two fences per fence slot), still holding its references, and
 * the next job of the queue takes it from there. Fences come from a slab
 * cache with %SLAB_TYPESAFE_BY_RCU semantics, and a pooled fence is only
 * ever reused as a dsb fence: an RCU reader that looked a fence up without
 * a reference (dma_resv, syncobjs) may find it recycled, which
 * dma_fence_get_rcu_safe() and the reservation object's sequence count
 * detect, as for i915's requests. The fence's lock is therefore
 * initialised once, by the cache's constructor, never at reuse. A fence
 * released once its queue is gone, or beyond the pool's size, is freed by
 * a work item (dropping the fence memory may free a BO, which needs
 * process context); the queue's release drains its pool.
 */
#include <linux/module.h>
#include <linux/slab.h>

#include "dsb_bo.h"
#include "dsb_compat.h"
#include "dsb_fence.h"
#include "dsb_mem.h"
#include "dsb_queue.h"

static struct workqueue_struct *dsb_fence_wq;
static struct kmem_cache *dsb_fence_cache;
/* Slab size charged per fence, computed once (hot path). */
static u64 dsb_fence_charge __read_mostly;
static LLIST_HEAD(dsb_fence_free_list);

/**
 * struct dsb_fence_pool - a queue's released fences, kept for reuse
 * @cache: the fences, each still holding its fence memory reference; the
 *         engine's releases never wait for the submitter's takes
 * @dead: the queue is gone: released fences are freed
 * @ref: one per fence allocated for the queue, plus the queue's
 * @rcu: the pool is freed after a grace period: a release that raced with
 *       the queue's end still reads @dead (dsb_fence_release())
 */
struct dsb_fence_pool {
	struct dsb_recycler cache;
	bool dead;
	struct kref ref;
	struct rcu_head rcu;
};

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

static void dsb_fence_pool_release(struct kref *ref)
{
	kfree_rcu(container_of(ref, struct dsb_fence_pool, ref), rcu);
}

/*
 * Free a fence for good, process context: its fence memory reference, its
 * memory (straight back to the type-safe cache: no grace period needed),
 * its charge, its pool and module references.
 */
static void dsb_fence_destroy(struct dsb_fence *f)
{
	struct dsb_mem_client *mem = f->mem;
	struct dsb_fence_pool *pool = f->pool;

	atomic_dec(&f->ddev->stats.live_fences);
	dsb_bo_put(f->fence_bo);
	kmem_cache_free(dsb_fence_cache, f);
	dsb_fence_uncharge(mem);
	kref_put(&pool->ref, dsb_fence_pool_release);
	/*
	 * The work still runs after the last put; the module's exit destroys
	 * the workqueue, which waits for it.
	 */
	module_put(THIS_MODULE);
}

static void dsb_fence_free_work_fn(struct work_struct *work)
{
	struct llist_node *list = llist_del_all(&dsb_fence_free_list);
	struct dsb_fence *f, *next;

	llist_for_each_entry_safe(f, next, list, free_node)
		dsb_fence_destroy(f);
}

static DECLARE_WORK(dsb_fence_free_work, dsb_fence_free_work_fn);

/* A fence goes into its pool (@pooled) or out of it: live fences are those in use. */
static void dsb_fence_count_pooled(struct dsb_device *ddev, bool pooled)
{
	atomic_add(pooled ? -1 : 1, &ddev->stats.live_fences);
	atomic_add(pooled ? 1 : -1, &ddev->stats.pooled_fences);
}

/* Free a fence from any context: the work item destroys it. */
static void dsb_fence_free_later(struct dsb_fence *f)
{
	/* The first fence on an empty list schedules the work. */
	if (llist_add(&f->free_node, &dsb_fence_free_list))
		queue_work(dsb_fence_wq, &dsb_fence_free_work);
}

/*
 * The last reference may be dropped anywhere, including under spinlocks and
 * in interrupts: the fence goes back to its queue's pool without a lock,
 * or, as dropping its fence memory reference may free a BO, which needs
 * process context, to the work item that frees fences in batches.
 */
static void dsb_fence_release(struct dma_fence *fence)
{
	struct dsb_fence *f = container_of(fence, struct dsb_fence, base);
	struct dsb_fence_pool *pool = f->pool;
	struct llist_node *orphans = NULL;
	struct dsb_fence *tmp;
	bool kept;

	rcu_read_lock();	/* @pool outlives this section (&dsb_fence_pool.rcu) */
	kept = !READ_ONCE(pool->dead) && dsb_recycler_put(&pool->cache, &f->free_node);
	if (kept) {
		dsb_fence_count_pooled(f->ddev, true);
		/*
		 * Put before the check: pairs with the smp_mb() in
		 * dsb_fence_pool_destroy(). Either its drain finds this fence,
		 * or this sees @dead and frees what was put after the drain.
		 */
		smp_mb();
		if (READ_ONCE(pool->dead))
			orphans = llist_del_all(&pool->cache.free);
	}
	rcu_read_unlock();
	if (!kept) {
		dsb_fence_free_later(f);
		return;
	}
	llist_for_each_entry_safe(f, tmp, orphans, free_node) {
		dsb_fence_count_pooled(f->ddev, false);
		dsb_fence_free_later(f);
	}
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

/**
 * dsb_fence_set_deadline() - a deadline hint (&dma_fence_ops.set_deadline)
 * @fence: a dsb fence, not signalled
 * @deadline: when its waiter wants it (CLOCK_MONOTONIC)
 *
 * Any context, no allocation. The earliest deadline set on the fence is
 * kept for the miss count. The queue that will signal the fence is
 * boosted at once, whether the deadline is ahead, now or past (now or past
 * means as soon as possible, msm's rule for a deadline less than 3 ms
 * away), and until the job completes, however late: not for its later
 * jobs. The request goes where the engine looks, its queue's fence memory
 * header (the fence keeps it alive; the process can read it there, not
 * write it), and the engines look for it within the round.
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
	/*
	 * The boost's deadline, for the process and debugfs (the engine does
	 * not read it): the earliest of its jobs'. A boost whose job is
	 * complete is over, and a new one starts with this deadline.
	 */
	if (READ_ONCE(h->boost_seqno) <= READ_ONCE(h->completed) ||
	    d < READ_ONCE(h->boost_until_ns))
		WRITE_ONCE(h->boost_until_ns, d);
	if (fence->seqno > READ_ONCE(h->boost_seqno))
		WRITE_ONCE(h->boost_seqno, fence->seqno);
	spin_unlock_irqrestore(&dsb_boost_lock, flags);
	atomic64_inc(&f->ddev->stats.deadline_hints);
	dsb_gpu_boost(f->ddev->gpu);
}

static const struct dma_fence_ops dsb_fence_ops = {
	.get_driver_name = dsb_fence_get_driver_name,
	.get_timeline_name = dsb_fence_get_timeline_name,
	.signaled = dsb_fence_signaled,
	.release = dsb_fence_release,
	DSB_FENCE_SET_DEADLINE_OP
};

/* The fence lock outlives reuse (type-safe cache): initialised once. */
static void dsb_fence_ctor(void *obj)
{
	struct dsb_fence *f = obj;

	spin_lock_init(&f->lock);
}

/**
 * dsb_fence_module_init() - create the fence cache and the workqueue that
 * frees fences
 *
 * Return: 0 or -ENOMEM.
 */
int dsb_fence_module_init(void)
{
	dsb_fence_cache = kmem_cache_create("dsb_fence", sizeof(struct dsb_fence), 0,
					    SLAB_TYPESAFE_BY_RCU | SLAB_ACCOUNT,
					    dsb_fence_ctor);
	if (!dsb_fence_cache)
		return -ENOMEM;
	dsb_fence_charge = kmem_cache_size(dsb_fence_cache);
	dsb_fence_wq = alloc_workqueue("dsb-fence", WQ_UNBOUND, 0);
	if (!dsb_fence_wq) {
		kmem_cache_destroy(dsb_fence_cache);
		return -ENOMEM;
	}
	return 0;
}

/**
 * dsb_fence_module_exit() - wait for fence frees and destroy the workqueue
 */
void dsb_fence_module_exit(void)
{
	/* Draining runs the work, which may be queued again until it is empty. */
	destroy_workqueue(dsb_fence_wq);
	/* Type-safe: objects freed in the last grace period may still be read. */
	rcu_barrier();
	kmem_cache_destroy(dsb_fence_cache);
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
 * dsb_fence_pool_create() - a queue's fence pool
 * @max: most fences it keeps (twice the queue's fence slots)
 *
 * Return: the pool, with the queue's reference, or NULL.
 */
struct dsb_fence_pool *dsb_fence_pool_create(u32 max)
{
	struct dsb_fence_pool *pool = kzalloc(sizeof(*pool), GFP_KERNEL_ACCOUNT);

	if (!pool)
		return NULL;
	dsb_recycler_init(&pool->cache, max);
	kref_init(&pool->ref);
	return pool;
}

/**
 * dsb_fence_pool_destroy() - the queue is gone: free its pooled fences
 * @pool: the pool, or NULL; the queue's reference is dropped
 *
 * Process context. Fences released after this are freed, not kept.
 */
void dsb_fence_pool_destroy(struct dsb_fence_pool *pool)
{
	struct dsb_fence *f, *tmp;
	struct llist_node *all;

	if (!pool)
		return;
	WRITE_ONCE(pool->dead, true);
	/* Pairs with the smp_mb() in dsb_fence_release(). */
	smp_mb();
	all = dsb_recycler_drain(&pool->cache);
	llist_for_each_entry_safe(f, tmp, all, free_node) {
		dsb_fence_count_pooled(f->ddev, false);
		dsb_fence_destroy(f);
	}
	kref_put(&pool->ref, dsb_fence_pool_release);
}

/* A pooled fence of the queue, still holding its references, or NULL. */
static struct dsb_fence *dsb_fence_pool_get(struct dsb_fence_pool *pool)
{
	struct llist_node *node = dsb_recycler_get(&pool->cache);

	return node ? container_of(node, struct dsb_fence, free_node) : NULL;
}

/**
 * dsb_fence_alloc() - a fence for a job of a queue, in the prepare phase
 * @q: the queue; its pool's fences come first
 *
 * A new fence is charged to the queue's accounting object and keeps a
 * reference on it until it is freed, which may be long after its file is
 * closed; a pooled fence is still charged.
 *
 * Return: the fence, not yet initialised, or an ERR_PTR: -EDQUOT beyond
 * the accounting limits, -ENOMEM.
 */
struct dsb_fence *dsb_fence_alloc(struct dsb_user_queue *q)
{
	struct dsb_fence *f = dsb_fence_pool_get(q->fence_pool);
	int ret;

	if (f) {
		dsb_fence_count_pooled(q->ddev, false);
		atomic64_inc(&q->ddev->stats.fence_reuses);
		return f;
	}
	ret = dsb_mem_charge(q->mem, dsb_fence_charge);
	if (ret)
		return ERR_PTR(ret);
	f = kmem_cache_alloc(dsb_fence_cache, GFP_KERNEL_ACCOUNT);
	if (!f) {
		dsb_mem_uncharge(q->mem, dsb_fence_charge);
		return ERR_PTR(-ENOMEM);
	}
	/* Not zeroed (a constructed, type-safe object): every field is set. */
	f->ddev = q->ddev;
	f->fence_bo = NULL;
	f->slot = NULL;
	f->mem = dsb_mem_client_get(q->mem);
	f->pool = q->fence_pool;
	kref_get(&f->pool->ref);
	atomic_inc(&q->ddev->stats.live_fences);
	atomic64_inc(&q->ddev->stats.fence_allocs);
	/*
	 * A fence may outlive every dsb file (a sync_file, a syncobj of
	 * another driver) and its ops, device and fence memory are ours: it
	 * pins the module until it is freed, so rmmod fails with EAGAIN.
	 */
	__module_get(THIS_MODULE);
	return f;
}

/**
 * dsb_fence_free_unarmed() - give back a fence that was never initialised
 * @f: the fence
 *
 * Process context (the prepare phase's unwinding): it goes back to its
 * pool, or is freed.
 */
void dsb_fence_free_unarmed(struct dsb_fence *f)
{
	dsb_fence_release(&f->base);
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
	/* A pooled fence still holds its queue's fence memory. */
	if (!f->fence_bo) {
		drm_gem_object_get(&q->fence_bo->base);
		f->fence_bo = q->fence_bo;
	}
	f->slot = &q->slots[slot];
	f->deadline_ns = 0;
	f->error_inherited = false;
	memset(&f->origin, 0, sizeof(f->origin));
	f->queue_id = q->id;
	f->client_id = q->client_id;
	dma_fence_init(&f->base, &dsb_fence_ops, &f->lock, q->fence_context, seqno);
}
