// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Copyright (C) 2026 The dsb authors */
/**
 * DOC: VM_BIND
 *
 * A file in user-managed mode (DRM_IOCTL_DSB_VM_INIT) chooses its GPU VAs
 * with DRM_IOCTL_DSB_VM_BIND. Two views of its address space exist:
 *
 * - the *logical* one, a &struct drm_gpuvm tree, is the address space as
 *   it will be once every bind already asked for has taken effect. A
 *   VM_BIND call validates its operations, then applies them to this tree
 *   at once (under &dsb_vm_binds.lock), through drm_gpuvm's split steps
 *   (drm_gpuvm_sm_map(), drm_gpuvm_sm_unmap()): a mapping partly covered
 *   by an operation is replaced by its remaining parts;
 * - the *engine's* one, &dsb_vm.mm, the tree dsb_vm_translate() looks up
 *   (one lookup per access, as for kernel-assigned VAs). A bind *applies*
 *   what it changed in the logical tree to this one when it takes effect:
 *   it removes the nodes of the mappings it replaced and inserts those of
 *   the mappings it made, under &dsb_vm.lock held for writing.
 *
 * Everything a bind needs is allocated when it is asked for: its
 * mappings (at most three per operation: the new one and two remaining
 * parts; the unused ones are freed right away), their residency (the BOs
 * made resident under &dsb_vm.res_lock, and the VM kept busy from then on
 * so nothing is evicted before the bind takes effect), its fence and the
 * syncobj chain nodes. Applying allocates nothing and takes no sleeping
 * lock: it runs in the signalling section of the bind's fence (which jobs
 * may wait for, and reclaim may wait for through them). The mappings a
 * bind took away are freed after its fence has signalled.
 *
 * Ordering: binds of a VM take effect in the order of the calls. An
 * asynchronous bind waits in &dsb_vm_binds.queue until its wait fences
 * have signalled and it is first; the VM's work item (on an unbound
 * workqueue usable under memory pressure) applies it. A synchronous bind
 * waits, before it changes anything, for its fences and for the queue to
 * drain, then applies in the ioctl. The work item only applies binds and
 * signals their fences; freeing what an applied bind held (which takes
 * the residency lock, held by tasks that allocate) is left to a second
 * one, so no bind waits for memory to take effect.
 *
 * Why not on a user queue: the engine could apply a kernel-written map
 * update between two jobs of a queue, but the engine's tree is shared by
 * every queue of the VM, so such an update would have to stop the VM's
 * other queues too (or be ordered against them by fences anyway). Binds
 * therefore have their own timeline per VM, and queues order against it
 * with syncobjs or %DRM_DSB_SYNC_OP_QUEUE waits, as Vulkan's sparse
 * binding queue does.
 */
#include <linux/dma-fence.h>
#include <linux/llist.h>
#include <linux/overflow.h>
#include <linux/sort.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <drm/drm_gem.h>
#include <drm/drm_syncobj.h>

#include "dsb_drv.h"
#include "dsb_bind.h"
#include "dsb_bo.h"
#include "dsb_job.h"
#include "dsb_mem.h"
#include "dsb_vm.h"

#ifdef DSB_HAVE_DRM_GPUVM

/**
 * struct dsb_vm_binds - the VM_BIND state of a user-managed VM
 * @gpuvm: the logical address tree
 * @lock: serialises VM_BIND calls: the logical tree, @nmaps, @seqno and
 *        adding to @queue. Taken before &dsb_vm.res_lock.
 * @queue_lock: protects @queue and @npending (taken by the work item)
 * @queue: asynchronous binds not yet applied, in call order
 * @npending: binds in @queue
 * @idle_wq: woken whenever a bind leaves @queue
 * @work: applies the binds of @queue that are ready
 * @done: binds applied, to be freed by @free_work
 * @free_work: frees the binds of @done: that takes &dsb_vm.res_lock,
 *             which a task holds while it allocates, so @work (on which
 *             later binds' fences depend) never does it itself
 * @context: fence context of the VM's binds
 * @seqno: last bind sequence number handed out, under @lock
 * @nmaps: mappings in the logical tree, under @lock
 * @mem: accounting object charged for the mappings (reference)
 * @vm: the VM these are the binds of
 */
struct dsb_vm_binds {
	struct drm_gpuvm gpuvm;
	struct mutex lock;		/* VM_BIND calls, see above */
	spinlock_t queue_lock;		/* protects @queue, @npending */
	struct list_head queue;
	u32 npending;
	wait_queue_head_t idle_wq;
	struct work_struct work;
	struct llist_head done;
	struct work_struct free_work;
	u64 context;
	u64 seqno;
	u32 nmaps;
	struct dsb_mem_client *mem;
	struct dsb_vm *vm;
};

/**
 * struct dsb_bind - one VM_BIND call, from its ioctl until it took effect
 * @link: link in &dsb_vm_binds.queue
 * @done: link in &dsb_vm_binds.done
 * @vm: the VM (a reference)
 * @add: mappings to insert into the engine's tree (&dsb_mapping.add_link)
 * @del: mappings to remove from it, then free (&dsb_mapping.del_link)
 * @waits: fences to wait for (references)
 * @nwaits: entries of @waits
 * @next_wait: the first of @waits not known to be signalled
 * @cb: callback on @waits[@next_wait]
 * @cb_armed: @cb is registered (the work item must not register it again)
 * @signals: syncobjs to signal with @fence
 * @nsignals: entries of @signals
 * @fence: the bind's fence, or NULL when nothing observes it
 * @pool: mappings allocated for the split steps to use
 * @npool: entries of @pool
 * @used: entries of @pool taken
 * @op: the operation being applied to the logical tree (split steps)
 * @seq: the bind's sequence number in its VM (and its fence's seqno)
 */
struct dsb_bind {
	struct list_head link;
	struct llist_node done;
	struct dsb_vm *vm;
	struct list_head add;
	struct list_head del;
	struct dma_fence *waits[DRM_DSB_MAX_SYNC_OPS];
	u32 nwaits;
	u32 next_wait;
	struct dma_fence_cb cb;
	bool cb_armed;
	struct dsb_signal signals[DRM_DSB_MAX_SYNC_OPS];
	u32 nsignals;
	struct dma_fence *fence;
	struct dsb_mapping **pool;
	u32 npool;
	u32 used;
	const struct drm_dsb_vm_bind_op *op;
	u64 seq;
};

/* The fence of a bind: signalled when the bind has taken effect. */
struct dsb_bind_fence {
	struct dma_fence base;
	spinlock_t lock;	/* the fence's lock */
};

static struct workqueue_struct *dsb_bind_wq;

static const char *dsb_bind_fence_driver_name(struct dma_fence *fence)
{
	return "dsb";
}

static const char *dsb_bind_fence_timeline_name(struct dma_fence *fence)
{
	return "dsb-vm-bind";
}

static const struct dma_fence_ops dsb_bind_fence_ops = {
	.get_driver_name = dsb_bind_fence_driver_name,
	.get_timeline_name = dsb_bind_fence_timeline_name,
};

static struct dsb_vm_binds *to_binds(struct drm_gpuvm *gpuvm)
{
	return container_of(gpuvm, struct dsb_vm_binds, gpuvm);
}

/* The tree's last reference goes with the VM (dsb_bind_vm_fini()). */
static void dsb_bind_gpuvm_free(struct drm_gpuvm *gpuvm)
{
	struct dsb_vm_binds *vb = to_binds(gpuvm);

	dsb_mem_client_put(vb->mem);
	kfree(vb);
}

static u64 dsb_bind_map_charge(void)
{
	return dsb_mem_kmalloc_size(sizeof(struct dsb_mapping));
}

/* Take a preallocated mapping for a split step; there are always enough. */
static struct dsb_mapping *dsb_bind_take(struct dsb_bind *b)
{
	if (WARN_ON_ONCE(b->used == b->npool))
		return NULL;
	return b->pool[b->used++];
}

/*
 * Fill a mapping made by a split step: its BO reference and what the
 * engine will reach. &dsb_vm.res_lock is held, and the VM_BIND call made
 * the BOs of its MAP operations resident: a BO that is resident now stays
 * so until the bind has taken effect (the VM is busy).
 */
static void dsb_bind_init_map(struct dsb_bind *b, struct dsb_mapping *m, bool readonly)
{
	struct drm_gem_object *obj = m->va.gem.obj;
	struct dsb_vm *vm = b->vm;

	lockdep_assert_held(&vm->res_lock);
	m->user = true;
	m->bind_seq = b->seq;
	m->readonly = readonly;
	m->size = m->va.va.range;
	m->node.start = m->va.va.addr;
	m->node.size = m->va.va.range;
	INIT_LIST_HEAD(&m->del_link);
	if (obj) {
		struct dsb_gem_object *bo = to_dsb_bo(obj);

		drm_gem_object_get(obj);
		m->bo = bo;
		m->bo_offset = m->va.gem.offset;
		if (dsb_bo_purged(bo))
			m->purged = true;
		else if (!bo->swappable || READ_ONCE(bo->resident))
			m->vaddr = (u8 *)bo->vaddr + m->bo_offset;
	}
	dsb_vm_add_map_locked(vm, m);
	list_add_tail(&m->add_link, &b->add);
	to_binds(m->va.vm)->nmaps++;
}

/*
 * A mapping leaves the logical tree: the bind takes it from the engine. A
 * mapping an earlier operation of the same bind made (a part of a split
 * mapping the next operation splits again) never reaches the engine: it
 * is undone and freed here.
 */
static void dsb_bind_drop_map(struct dsb_bind *b, struct drm_gpuva *va)
{
	struct dsb_mapping *m = container_of(va, struct dsb_mapping, va);
	struct dsb_vm_binds *vb = to_binds(va->vm);

	vb->nmaps--;
	if (m->bind_seq != b->seq) {
		list_add_tail(&m->del_link, &b->del);
		return;
	}
	list_del(&m->add_link);
	dsb_vm_del_map_locked(b->vm, m);
	/*
	 * Not the last reference: the call's own lookup, or the mapping of an
	 * earlier bind it was split from, holds one.
	 */
	dsb_bo_put(m->bo);
	dsb_mem_uncharge(vb->mem, dsb_bind_map_charge());
	kfree(m);
}

static int dsb_bind_step_map(struct drm_gpuva_op *op, void *priv)
{
	struct dsb_bind *b = priv;
	struct dsb_mapping *m = dsb_bind_take(b);

	if (!m)
		return -ENOMEM;
	drm_gpuva_map(&b->vm->binds->gpuvm, &m->va, &op->map);
	dsb_bind_init_map(b, m, b->op->flags & DRM_DSB_VM_BIND_READONLY);
	return 0;
}

static int dsb_bind_step_remap(struct drm_gpuva_op *op, void *priv)
{
	struct dsb_mapping *old = container_of(op->remap.unmap->va, struct dsb_mapping, va);
	struct dsb_mapping *prev = NULL, *next = NULL;
	struct dsb_bind *b = priv;

	if (op->remap.prev) {
		prev = dsb_bind_take(b);
		if (!prev)
			return -ENOMEM;
		drm_gpuva_init_from_op(&prev->va, op->remap.prev);
	}
	if (op->remap.next) {
		next = dsb_bind_take(b);
		if (!next)
			return -ENOMEM;
		drm_gpuva_init_from_op(&next->va, op->remap.next);
	}
	drm_gpuva_remap(prev ? &prev->va : NULL, next ? &next->va : NULL, &op->remap);
	/* The parts take their BO reference before the old one may go. */
	if (prev)
		dsb_bind_init_map(b, prev, old->readonly);
	if (next)
		dsb_bind_init_map(b, next, old->readonly);
	dsb_bind_drop_map(b, &old->va);
	return 0;
}

static int dsb_bind_step_unmap(struct drm_gpuva_op *op, void *priv)
{
	struct drm_gpuva *va = op->unmap.va;

	drm_gpuva_unmap(&op->unmap);
	dsb_bind_drop_map(priv, va);
	return 0;
}

static const struct drm_gpuvm_ops dsb_gpuvm_ops = {
	.vm_free = dsb_bind_gpuvm_free,
	.sm_step_map = dsb_bind_step_map,
	.sm_step_remap = dsb_bind_step_remap,
	.sm_step_unmap = dsb_bind_step_unmap,
};

/**
 * dsb_bind_free_map() - free a mapping made by VM_BIND
 * @vm: its VM
 * @m: the mapping: out of the engine's tree and of &dsb_vm.maps, its BO
 *     reference dropped; still in the logical tree only when the VM is
 *     being freed
 */
void dsb_bind_free_map(struct dsb_vm *vm, struct dsb_mapping *m)
{
	if (m->va.vm && list_empty(&m->del_link))
		drm_gpuva_remove(&m->va);
	dsb_mem_uncharge(vm->binds->mem, dsb_bind_map_charge());
	kfree(m);
}

/**
 * dsb_bind_vm_fini() - the VM is being freed: drop its VM_BIND state
 * @vm: the VM; its mappings are freed, no bind is pending (each holds a
 *      reference to it)
 */
void dsb_bind_vm_fini(struct dsb_vm *vm)
{
	if (!vm->binds)
		return;
	WARN_ON_ONCE(!list_empty(&vm->binds->queue));
	drm_gpuvm_put(&vm->binds->gpuvm);
}

/**
 * dsb_bind_pending() - asynchronous binds of a VM not applied yet
 * @vm: the VM
 *
 * Return: their number (debugfs).
 */
u32 dsb_bind_pending(struct dsb_vm *vm)
{
	return vm->binds ? READ_ONCE(vm->binds->npending) : 0;
}

/* Queue one of the VM's work items; it holds a VM reference while queued. */
static void dsb_bind_queue_work(struct dsb_vm *vm, struct work_struct *work)
{
	dsb_vm_get(vm);
	if (!queue_work(dsb_bind_wq, work))
		dsb_vm_put(vm);
}

static void dsb_bind_kick(struct dsb_vm *vm)
{
	dsb_bind_queue_work(vm, &vm->binds->work);
}

static void dsb_bind_wait_cb(struct dma_fence *fence, struct dma_fence_cb *cb)
{
	struct dsb_bind *b = container_of(cb, struct dsb_bind, cb);

	WRITE_ONCE(b->cb_armed, false);
	dsb_bind_kick(b->vm);
}

/*
 * Whether every wait fence of @b has signalled; if not, a callback kicks
 * the work item when the next one does. Only the work item calls it.
 */
static bool dsb_bind_ready(struct dsb_bind *b)
{
	if (READ_ONCE(b->cb_armed))
		return false;
	while (b->next_wait < b->nwaits) {
		WRITE_ONCE(b->cb_armed, true);
		if (!dma_fence_add_callback(b->waits[b->next_wait], &b->cb, dsb_bind_wait_cb))
			return false;
		WRITE_ONCE(b->cb_armed, false);
		b->next_wait++;
	}
	return true;
}

/*
 * Apply a bind to the engine's tree, take it off the VM's queue (@queued:
 * an asynchronous one) and signal its fence: whoever sees the fence
 * signalled sees the bind applied and no longer pending. The signalling
 * section: nothing here allocates or sleeps.
 */
static void dsb_bind_apply(struct dsb_bind *b, bool queued)
{
	struct dsb_vm *vm = b->vm;
	struct dsb_vm_binds *vb = vm->binds;
	struct dsb_mapping *m;
	bool cookie;

	cookie = dma_fence_begin_signalling();
	write_lock(&vm->lock);
	list_for_each_entry(m, &b->del, del_link)
		drm_mm_remove_node(&m->node);
	list_for_each_entry(m, &b->add, add_link)
		WARN_ON_ONCE(drm_mm_reserve_node(&vm->mm, &m->node));
	write_unlock(&vm->lock);
	if (queued) {
		spin_lock(&vb->queue_lock);
		list_del(&b->link);
		vb->npending--;
		spin_unlock(&vb->queue_lock);
		wake_up_all(&vb->idle_wq);
	}
#ifdef DSB_NEGATIVE_CONTROL_BIND
	/*
	 * The debug lane's negative control: an allocation in the bind's
	 * signalling section, which lockdep must report.
	 */
	kfree(kmalloc(64, GFP_KERNEL));
#endif
	if (b->fence)
		dma_fence_signal(b->fence);
	dma_fence_end_signalling(cookie);
	dsb_vm_unbusy(vm);
}

/* Drop what a bind holds; after dsb_bind_apply(), or for a failed call. */
static void dsb_bind_free(struct dsb_bind *b)
{
	struct dsb_vm *vm = b->vm;
	struct dsb_mapping *m, *next;
	u32 i;

	if (!list_empty(&b->del)) {
		mutex_lock(&vm->res_lock);
		list_for_each_entry(m, &b->del, del_link)
			dsb_vm_del_map_locked(vm, m);
		mutex_unlock(&vm->res_lock);
	}
	list_for_each_entry_safe(m, next, &b->del, del_link) {
		dsb_bo_put(m->bo);
		dsb_bind_free_map(vm, m);
	}
	for (i = b->used; i < b->npool; i++) {
		dsb_mem_uncharge(vm->binds->mem, dsb_bind_map_charge());
		kfree(b->pool[i]);
	}
	kvfree(b->pool);
	for (i = 0; i < b->nwaits; i++)
		dma_fence_put(b->waits[i]);
	for (i = 0; i < b->nsignals; i++)
		dsb_signal_release(&b->signals[i]);
	dma_fence_put(b->fence);
	dsb_vm_put(vm);
	kfree(b);
}

/* Apply the queue's binds that are ready, in order. */
static void dsb_bind_work(struct work_struct *work)
{
	struct dsb_vm_binds *vb = container_of(work, struct dsb_vm_binds, work);
	struct dsb_bind *b;

	for (;;) {
		spin_lock(&vb->queue_lock);
		b = list_first_entry_or_null(&vb->queue, struct dsb_bind, link);
		spin_unlock(&vb->queue_lock);
		if (!b || !dsb_bind_ready(b))
			break;
		dsb_bind_apply(b, true);
		if (llist_add(&b->done, &vb->done))
			dsb_bind_queue_work(vb->vm, &vb->free_work);
	}
	/* The reference dsb_bind_kick() took; the last one frees @vb too. */
	dsb_vm_put(vb->vm);
}

/* Free the binds that took effect. */
static void dsb_bind_free_work(struct work_struct *work)
{
	struct dsb_vm_binds *vb = container_of(work, struct dsb_vm_binds, free_work);
	struct dsb_bind *b, *next;

	llist_for_each_entry_safe(b, next, llist_del_all(&vb->done), done)
		dsb_bind_free(b);
	dsb_vm_put(vb->vm);
}

/* Copy and check the operations; look up the BOs of MAP operations. */
static int dsb_bind_copy_ops(struct drm_file *file, const struct drm_dsb_vm_bind *args,
			     struct drm_dsb_vm_bind_op *ops, struct drm_gem_object **objs,
			     u32 *bad)
{
	const u64 start = DSB_USER_VA_START, end = DSB_USER_VA_START + DSB_USER_VA_SIZE;
	u32 i;
	int ret;

	if (args->ops.count && (args->ops.stride < sizeof(*ops) ||
				args->ops.stride > DRM_DSB_MAX_STRIDE))
		return -EINVAL;
	for (i = 0; i < args->ops.count; i++) {
		struct drm_dsb_vm_bind_op *op = &ops[i];
		void __user *src = u64_to_user_ptr(args->ops.array + (u64)i * args->ops.stride);
		u64 op_end, bo_end;

		*bad = i;
		ret = copy_struct_from_user(op, sizeof(*op), src, args->ops.stride);
		if (ret)
			return ret == -E2BIG ? -EINVAL : ret;
		if (op->pad || op->op > DRM_DSB_VM_BIND_MAP_SPARSE ||
		    op->flags & ~DRM_DSB_VM_BIND_READONLY ||
		    (op->op != DRM_DSB_VM_BIND_MAP && (op->flags || op->handle || op->bo_offset)))
			return -EINVAL;
		if (!op->range || !PAGE_ALIGNED(op->va) || !PAGE_ALIGNED(op->range) ||
		    !PAGE_ALIGNED(op->bo_offset) ||
		    check_add_overflow(op->va, op->range, &op_end) ||
		    op->va < start || op_end > end)
			return -EINVAL;
		if (op->op != DRM_DSB_VM_BIND_MAP)
			continue;
		objs[i] = drm_gem_object_lookup(file, op->handle);
		if (!objs[i])
			return -ENOENT;
		if (check_add_overflow(op->bo_offset, op->range, &bo_end) ||
		    bo_end > objs[i]->size)
			return -EINVAL;
	}
	return 0;
}

/* An operation's range, for the overlap check. */
struct dsb_bind_range {
	u64 start;
	u64 end;
	u32 idx;
};

static int dsb_bind_cmp_range(const void *a, const void *b)
{
	const struct dsb_bind_range *ra = a, *rb = b;

	return ra->start < rb->start ? -1 : ra->start > rb->start;
}

/*
 * Operations of one call must not overlap each other: sort their ranges
 * and compare neighbours. @bad is the later of two that overlap.
 */
static int dsb_bind_check_overlap(const struct drm_dsb_vm_bind_op *ops, u32 n, u32 *bad)
{
	struct dsb_bind_range *r;
	int ret = 0;
	u32 i;

	if (n < 2)
		return 0;
	r = kvmalloc_array(n, sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		r[i].start = ops[i].va;
		r[i].end = ops[i].va + ops[i].range;
		r[i].idx = i;
	}
	sort(r, n, sizeof(*r), dsb_bind_cmp_range, NULL);
	for (i = 1; i < n; i++) {
		if (r[i - 1].end > r[i].start) {
			*bad = max(r[i - 1].idx, r[i].idx);
			ret = -EINVAL;
			break;
		}
	}
	kvfree(r);
	return ret;
}

/* Copy the sync operations: fences to wait for, syncobjs to signal. */
static int dsb_bind_prepare_syncs(struct dsb_bind *b, struct drm_file *file,
				  const struct drm_dsb_vm_bind *args)
{
	u32 i;
	int ret;

	if (args->syncs.count && (args->syncs.stride < sizeof(struct drm_dsb_sync_op) ||
				  args->syncs.stride > DRM_DSB_MAX_STRIDE))
		return -EINVAL;
	for (i = 0; i < args->syncs.count; i++) {
		void __user *src = u64_to_user_ptr(args->syncs.array + (u64)i * args->syncs.stride);
		struct drm_dsb_sync_op op;
		struct dma_fence *fence;

		ret = copy_struct_from_user(&op, sizeof(op), src, args->syncs.stride);
		if (ret)
			return ret == -E2BIG ? -EINVAL : ret;
		if (dsb_sync_op_check(&op))
			return -EINVAL;
		if (op.flags & DRM_DSB_SYNC_OP_SIGNAL) {
			/* Counted first: a half-prepared signal is released too. */
			ret = dsb_signal_prepare(&b->signals[b->nsignals++], file, &op);
			if (ret)
				return ret;
			continue;
		}
		ret = dsb_sync_op_fence(file, &op, &fence);
		if (ret)
			return ret;
		if (fence && dma_fence_is_signaled(fence))
			dma_fence_put(fence);
		else if (fence)
			b->waits[b->nwaits++] = fence;
	}
	return 0;
}

/*
 * Allocate the mappings the split steps may make (three per MAP or
 * MAP_SPARSE, two per UNMAP), each charged to the VM's owner.
 */
static int dsb_bind_prealloc(struct dsb_bind *b, const struct drm_dsb_vm_bind_op *ops, u32 n)
{
	struct dsb_mem_client *mem = b->vm->binds->mem;
	u32 i, want = 0;

	for (i = 0; i < n; i++)
		want += ops[i].op == DRM_DSB_VM_BIND_UNMAP ? 2 : 3;
	if (!want)
		return 0;
	b->pool = kvmalloc_array(want, sizeof(*b->pool), GFP_KERNEL_ACCOUNT);
	if (!b->pool)
		return -ENOMEM;
	for (i = 0; i < want; i++) {
		struct dsb_mapping *m = dsb_mem_kzalloc(mem, sizeof(*m), dsb_bind_map_charge());

		if (IS_ERR(m))
			return PTR_ERR(m);
		b->pool[b->npool++] = m;
	}
	return 0;
}

/*
 * Make the BOs of the MAP operations resident, so the engine can reach
 * them when the bind takes effect. Residency lock held.
 */
static int dsb_bind_make_resident(struct dsb_vm *vm, struct drm_gem_object **objs, u32 n)
{
	u32 i;
	int ret;

	lockdep_assert_held(&vm->res_lock);
	for (i = 0; i < n; i++) {
		struct dsb_gem_object *bo;

		if (!objs[i])
			continue;
		bo = to_dsb_bo(objs[i]);
		if (!bo->swappable || READ_ONCE(bo->resident) || dsb_bo_purged(bo))
			continue;
		ret = dma_resv_lock_interruptible(bo->base.resv, NULL);
		if (ret)
			return ret;
		ret = dsb_bo_restore_locked(bo, vm);
		dma_resv_unlock(bo->base.resv);
		if (ret && ret != -ENODATA)
			return ret;
	}
	return 0;
}

/* Apply the operations to the logical tree; nothing here can fail. */
static void dsb_bind_commit(struct dsb_bind *b, const struct drm_dsb_vm_bind_op *ops,
			    struct drm_gem_object **objs, u32 n)
{
	struct drm_gpuvm *gpuvm = &b->vm->binds->gpuvm;
	u32 i;
	int ret;

	lockdep_assert_held(&b->vm->res_lock);
	for (i = 0; i < n; i++) {
		const struct drm_dsb_vm_bind_op *op = &ops[i];

		b->op = op;
		if (op->op == DRM_DSB_VM_BIND_UNMAP)
			ret = drm_gpuvm_sm_unmap(gpuvm, b, op->va, op->range);
		else
			ret = drm_gpuvm_sm_map(gpuvm, b, op->va, op->range, objs[i],
					       op->bo_offset);
		WARN_ON_ONCE(ret);
	}
}

/**
 * dsb_bind_growth() - how many mappings a call could add to the tree
 * @vb: the VM's binds, lock held: the tree as the call will find it
 * @ops: the call's operations, checked and not overlapping each other
 * @n: their count
 *
 * Each operation, on the tree as it is now, makes one mapping if it maps,
 * and replaces each mapping it overlaps by the parts left before and
 * after its range. Summed over the operations of a call this is exact for
 * one operation and never less than what the call does: a mapping that
 * several of them overlap is counted as removed once per operation but
 * leaves at most one part between two of them. It may be negative. So a
 * VM at its limit can still unmap, or rebind over, whole mappings.
 *
 * Return: the bound; the operations' ranges are walked in the tree, which
 * the limit bounds.
 */
static s64 dsb_bind_growth(struct dsb_vm_binds *vb, const struct drm_dsb_vm_bind_op *ops,
			   u32 n)
{
	struct drm_gpuva *va;
	s64 grow = 0;
	u32 i;

	lockdep_assert_held(&vb->lock);
	for (i = 0; i < n; i++) {
		u64 start = ops[i].va, end = ops[i].va + ops[i].range;

		grow += ops[i].op != DRM_DSB_VM_BIND_UNMAP;
		drm_gpuvm_for_each_va_range(va, &vb->gpuvm, start, end)
			grow += (va->va.addr < start) + (va->va.addr + va->va.range > end) - 1;
	}
	return grow;
}

/*
 * A synchronous bind waits for its fences (before the binds lock; the
 * caller then waits for the VM's queue to drain under it). Changes
 * nothing; -EINTR on a signal.
 */
static int dsb_bind_wait_sync(struct dsb_bind *b)
{
	u32 i;
	long ret;

	for (i = 0; i < b->nwaits; i++) {
		ret = dma_fence_wait(b->waits[i], true);
		if (ret)
			return -EINTR;
	}
	return 0;
}

/**
 * dsb_ioctl_vm_bind() - DRM_IOCTL_DSB_VM_BIND
 * @dev: the DRM device
 * @data: &struct drm_dsb_vm_bind
 * @file: the caller's file
 *
 * Checks everything and allocates everything first; then, under the
 * binds lock and the residency lock, applies the operations to the
 * logical tree, and applies them to the engine's (synchronous) or queues
 * the bind (asynchronous). See "VM_BIND".
 *
 * Return: 0 or a negative errno, see the uAPI header.
 */
int dsb_ioctl_vm_bind(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_dsb_vm_bind *args = data;
	struct dsb_file *df = file->driver_priv;
	struct dsb_vm *vm = df->vm;
	/* Pairs with VM_INIT's release: the binds state is initialised. */
	struct dsb_vm_binds *vb = smp_load_acquire(&vm->binds);
	bool async = args->flags & DRM_DSB_VM_BIND_ASYNC;
	struct drm_dsb_vm_bind_op *ops = NULL;
	struct drm_gem_object **objs = NULL;
	u32 n = args->ops.count, i, bad = 0;
	struct dsb_bind *b;
	int ret;

	args->bad_op = 0;
	if (args->flags & ~DRM_DSB_VM_BIND_ASYNC || !vb)
		return -EINVAL;
	if (n > DRM_DSB_MAX_BIND_OPS || args->syncs.count > DRM_DSB_MAX_SYNC_OPS)
		return -E2BIG;

	b = kzalloc(sizeof(*b), GFP_KERNEL_ACCOUNT);
	if (!b)
		return -ENOMEM;
	b->vm = dsb_vm_get(vm);
	INIT_LIST_HEAD(&b->add);
	INIT_LIST_HEAD(&b->del);
	if (n) {
		ops = kvmalloc_array(n, sizeof(*ops), GFP_KERNEL);
		objs = kvcalloc(n, sizeof(*objs), GFP_KERNEL);
		if (!ops || !objs) {
			ret = -ENOMEM;
			goto out;
		}
	}
	ret = dsb_bind_copy_ops(file, args, ops, objs, &bad);
	if (!ret)
		ret = dsb_bind_check_overlap(ops, n, &bad);
	if (ret) {
		args->bad_op = bad;
		goto out;
	}
	ret = dsb_bind_prepare_syncs(b, file, args);
	if (!ret)
		ret = dsb_bind_prealloc(b, ops, n);
	if (!ret && (b->nsignals || async)) {
		struct dsb_bind_fence *f = kzalloc(sizeof(*f), GFP_KERNEL_ACCOUNT);

		if (f) {
			spin_lock_init(&f->lock);
			b->fence = &f->base;
		} else {
			ret = -ENOMEM;
		}
	}
	if (!ret && !async)
		ret = dsb_bind_wait_sync(b);
	if (ret)
		goto out;

	if (mutex_lock_interruptible(&vb->lock)) {
		ret = -EINTR;
		goto out;
	}
	if (async && vb->npending >= DRM_DSB_MAX_PENDING_BINDS) {
		ret = -EBUSY;
	} else if (!async && wait_event_interruptible(vb->idle_wq, !READ_ONCE(vb->npending))) {
		ret = -EINTR;
	} else if ((s64)vb->nmaps + dsb_bind_growth(vb, ops, n) > DRM_DSB_MAX_VM_MAPPINGS) {
		ret = -ENOSPC;
	} else if (mutex_lock_interruptible(&vm->res_lock)) {
		ret = -EINTR;
	} else {
		ret = dsb_bind_make_resident(vm, objs, n);
		if (!ret) {
			b->seq = ++vb->seqno;
			dsb_bind_commit(b, ops, objs, n);
			/* Nothing is evicted until the bind has taken effect. */
			atomic_inc(&vm->busy);
		}
		mutex_unlock(&vm->res_lock);
	}
	if (ret) {
		mutex_unlock(&vb->lock);
		goto out;
	}
	if (b->fence)
		dma_fence_init(b->fence, &dsb_bind_fence_ops,
			       &container_of(b->fence, struct dsb_bind_fence, base)->lock,
			       vb->context, b->seq);
	for (i = 0; i < b->nsignals; i++)
		dsb_signal_publish(&b->signals[i], b->fence);
	if (async) {
		spin_lock(&vb->queue_lock);
		list_add_tail(&b->link, &vb->queue);
		vb->npending++;
		spin_unlock(&vb->queue_lock);
		dsb_bind_kick(vm);
		b = NULL;
	} else {
		dsb_bind_apply(b, false);
	}
	mutex_unlock(&vb->lock);
out:
	if (b) {
		/* A fence never initialised is freed as plain memory. */
		if (b->fence && !b->fence->ops) {
			kfree(container_of(b->fence, struct dsb_bind_fence, base));
			b->fence = NULL;
		}
		dsb_bind_free(b);
	}
	for (i = 0; objs && i < n; i++)
		if (objs[i])
			drm_gem_object_put(objs[i]);
	kvfree(objs);
	kvfree(ops);
	return ret;
}

/**
 * dsb_ioctl_vm_init() - DRM_IOCTL_DSB_VM_INIT
 * @dev: the DRM device
 * @data: &struct drm_dsb_vm_init
 * @file: the caller's file
 *
 * Switches the file's VM to user-managed VAs while it maps nothing.
 *
 * Return: 0 or a negative errno, see the uAPI header.
 */
int dsb_ioctl_vm_init(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_dsb_vm_init *args = data;
	struct dsb_file *df = file->driver_priv;
	struct dsb_vm *vm = df->vm;
	struct drm_gem_object *r_obj;
	struct dsb_vm_binds *vb;
	int ret = 0;

	if (args->flags & ~DRM_DSB_VM_USER_MANAGED || args->pad)
		return -EINVAL;
	if (!args->flags)
		/* Kernel-assigned: what the file is, unless it left it. */
		return smp_load_acquire(&vm->binds) ? -EBUSY : 0;
	ret = dsb_vm_sparse_init();
	if (ret)
		return ret;
	vb = kzalloc(sizeof(*vb), GFP_KERNEL_ACCOUNT);
	r_obj = drm_gpuvm_resv_object_alloc(dev);
	if (!vb || !r_obj) {
		kfree(vb);
		if (r_obj)
			drm_gem_object_put(r_obj);
		return -ENOMEM;
	}

	mutex_lock(&vm->res_lock);
	if (vm->binds) {
		ret = 0;
	} else if (!list_empty(&vm->maps)) {
		ret = -EBUSY;
	} else {
		mutex_init(&vb->lock);
		spin_lock_init(&vb->queue_lock);
		INIT_LIST_HEAD(&vb->queue);
		init_waitqueue_head(&vb->idle_wq);
		INIT_WORK(&vb->work, dsb_bind_work);
		init_llist_head(&vb->done);
		INIT_WORK(&vb->free_work, dsb_bind_free_work);
		vb->context = dma_fence_context_alloc(1);
		vb->mem = dsb_mem_client_get(df->mem);
		vb->vm = vm;
		drm_gpuvm_init(&vb->gpuvm, "dsb", 0, dev, r_obj, DSB_USER_VA_START,
			       DSB_USER_VA_SIZE, 0, 0, &dsb_gpuvm_ops);
		write_lock(&vm->lock);
		vm->kva_start = DSB_USER_VA_START + DSB_USER_VA_SIZE;
		write_unlock(&vm->lock);
		/* Pairs with VM_BIND's acquire: publish it initialised. */
		smp_store_release(&vm->binds, vb);
		vb = NULL;
	}
	mutex_unlock(&vm->res_lock);
	drm_gem_object_put(r_obj);
	kfree(vb);
	if (!ret) {
		args->va_start = DSB_USER_VA_START;
		args->va_size = DSB_USER_VA_SIZE;
	}
	return ret;
}

/**
 * dsb_bind_module_init() - make the workqueue binds take effect on
 *
 * Return: 0 or -ENOMEM.
 */
int dsb_bind_module_init(void)
{
	/* Fences wait for it, and reclaim waits for fences. */
	dsb_bind_wq = alloc_workqueue("dsb_bind", WQ_UNBOUND | WQ_MEM_RECLAIM, 0);
	return dsb_bind_wq ? 0 : -ENOMEM;
}

/**
 * dsb_bind_module_exit() - module exit: every VM is gone
 */
void dsb_bind_module_exit(void)
{
	destroy_workqueue(dsb_bind_wq);
	dsb_vm_sparse_fini();
}

#else /* !DSB_HAVE_DRM_GPUVM */

int dsb_ioctl_vm_bind(struct drm_device *dev, void *data, struct drm_file *file)
{
	return -EOPNOTSUPP;
}

int dsb_ioctl_vm_init(struct drm_device *dev, void *data, struct drm_file *file)
{
	return -EOPNOTSUPP;
}

#endif /* DSB_HAVE_DRM_GPUVM */
