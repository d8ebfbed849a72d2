// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Copyright (C) 2026 The dsb authors */
/**
 * DOC: GPU virtual address space
 *
 * Each open file has one &struct dsb_vm. By default buffer objects are
 * mapped into it whole, one mapping per (file, BO), followed by an
 * unmapped guard page. In a user-managed VM (VM_INIT, dsb_bind.c) the
 * kernel maps only queue rings, above the range VM_BIND hands to the
 * caller, and each VM_BIND mapping is a range of a BO (or a sparse range,
 * backed by a shared zero page for reads and a sink page for writes).
 * The GPU reaches memory only through dsb_vm_translate() (handed to it as
 * &struct dsb_gpu_mmu by dsb_vm_gpu_mmu()), which hands out the kernel
 * address a mapping holds.
 *
 * The translation is done and used under @dsb_vm.lock, a reader-writer
 * spinlock (read-held by the engines, write-held to map, unmap and
 * publish) that is never held while allocating: a mapping removed (or whose address is
 * cleared) under the lock cannot be in use by the engine, and the BO
 * reference the mapping held is dropped after the lock is released.
 *
 * Residency: a mapping of a swappable BO (dsb_bo.c) holds a kernel
 * address only between dsb_vm_make_resident(), which every submit calls in
 * its prepare phase before any fence is armed, and dsb_vm_evict_locked(),
 * which the shrinker calls only for a VM with no job in flight
 * (@dsb_vm.busy, raised by the same prepare phase under @dsb_vm.res_lock).
 * So an armed job never meets an evicted buffer, and nothing on the
 * signalling path waits for memory.
 *
 * Residency walks &dsb_vm.maps (every mapping, including those of binds
 * not yet applied), not the engine's tree, which binds change without the
 * residency lock. A BO may be bound at several VAs: evicting or purging
 * it clears the address of each of its mappings (&dsb_gem_object.vm_maps).
 *
 * A purged BO (userspace marked it DONTNEED, reclaim dropped its pages)
 * keeps its mapping, marked purged and never published again: the range
 * stays taken, an engine access to it faults as at an unmapped address,
 * and a submit no longer counts it among the mappings to restore.
 */
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include <linux/dma-fence.h>

#include "dsb_drv.h"
#include "dsb_bind.h"
#include "dsb_bo.h"
#include "dsb_reclaim.h"
#include "dsb_vm.h"

/*
 * What the engine reaches through a sparse binding: a read-only mapping of
 * the zero page repeated over the longest access (%DRM_DSB_ISA_MAX_LEN),
 * and a writable one of a single sink page, where writes are dropped.
 * Made once, by the first VM_INIT that asks for user-managed VAs.
 */
#define DSB_SPARSE_PAGES	(DRM_DSB_ISA_MAX_LEN >> PAGE_SHIFT)
static DEFINE_MUTEX(dsb_sparse_lock);
static void *dsb_sparse_zero;
static void *dsb_sparse_sink;
static struct page *dsb_sparse_sink_page;

/**
 * dsb_vm_sparse_init() - make the memory sparse bindings reach
 *
 * Return: 0 or -ENOMEM.
 */
int dsb_vm_sparse_init(void)
{
	struct page **pages;
	int ret = 0;
	u32 i;

	mutex_lock(&dsb_sparse_lock);
	if (dsb_sparse_zero)
		goto out;
	pages = kvmalloc_array(DSB_SPARSE_PAGES, sizeof(*pages), GFP_KERNEL);
	if (!pages) {
		ret = -ENOMEM;
		goto out;
	}
	dsb_sparse_sink_page = alloc_page(GFP_KERNEL);
	if (!dsb_sparse_sink_page) {
		ret = -ENOMEM;
		goto out_free;
	}
	for (i = 0; i < DSB_SPARSE_PAGES; i++)
		pages[i] = dsb_sparse_sink_page;
	dsb_sparse_sink = vmap(pages, DSB_SPARSE_PAGES, VM_MAP, PAGE_KERNEL);
	for (i = 0; i < DSB_SPARSE_PAGES; i++)
		pages[i] = ZERO_PAGE(0);
	if (dsb_sparse_sink)
		dsb_sparse_zero = vmap(pages, DSB_SPARSE_PAGES, VM_MAP, PAGE_KERNEL_RO);
	if (!dsb_sparse_zero) {
		if (dsb_sparse_sink)
			vunmap(dsb_sparse_sink);
		dsb_sparse_sink = NULL;
		__free_page(dsb_sparse_sink_page);
		dsb_sparse_sink_page = NULL;
		ret = -ENOMEM;
	}
out_free:
	kvfree(pages);
out:
	mutex_unlock(&dsb_sparse_lock);
	return ret;
}

/**
 * dsb_vm_sparse_fini() - module exit: free what dsb_vm_sparse_init() made
 */
void dsb_vm_sparse_fini(void)
{
	if (!dsb_sparse_zero)
		return;
	vunmap(dsb_sparse_zero);
	vunmap(dsb_sparse_sink);
	__free_page(dsb_sparse_sink_page);
	dsb_sparse_zero = NULL;
	dsb_sparse_sink = NULL;
}

/**
 * dsb_vm_create() - create an empty GPU VA space
 * @ddev: the device
 * @client_id: drm-client-id of the file it is for
 *
 * Return: the VM with one reference, or NULL when out of memory.
 */
struct dsb_vm *dsb_vm_create(struct dsb_device *ddev, u64 client_id)
{
	struct dsb_vm *vm = kzalloc(sizeof(*vm), GFP_KERNEL_ACCOUNT);

	if (!vm)
		return NULL;
	kref_init(&vm->ref);
	rwlock_init(&vm->lock);
	mutex_init(&vm->res_lock);
	drm_mm_init(&vm->mm, DSB_VA_START, DSB_VA_SIZE);
	INIT_LIST_HEAD(&vm->maps);
	vm->kva_start = DSB_VA_START;
	vm->ddev = ddev;
	vm->client_id = client_id;
	atomic_inc(&ddev->stats.live_vms);
	dsb_reclaim_add_vm(vm);
	return vm;
}

static void dsb_vm_release(struct kref *ref)
{
	struct dsb_vm *vm = container_of(ref, struct dsb_vm, ref);
	struct dsb_mapping *m, *next;

	/*
	 * Last reference: no queue (hence no engine) and no bind can use the
	 * VM any more; every mapping is in the engine's tree.
	 */
	dsb_reclaim_remove_vm(vm);
	dma_fence_put(rcu_access_pointer(vm->last_fence));
	list_for_each_entry_safe(m, next, &vm->maps, link) {
		if (drm_mm_node_allocated(&m->node))
			drm_mm_remove_node(&m->node);
		if (m->on_bo_list)
			list_del(&m->bo_link);
		dsb_bo_put(m->bo);
		if (m->user)
			dsb_bind_free_map(vm, m);
		else
			kfree(m);
	}
	dsb_bind_vm_fini(vm);
	drm_mm_takedown(&vm->mm);
	mutex_destroy(&vm->res_lock);
	atomic_dec(&vm->ddev->stats.live_vms);
	kfree(vm);
}

/**
 * dsb_vm_put() - drop a reference to a VM
 * @vm: the VM, may be NULL
 */
void dsb_vm_put(struct dsb_vm *vm)
{
	if (vm)
		kref_put(&vm->ref, dsb_vm_release);
}

static struct dsb_mapping *dsb_vm_lookup_bo(struct dsb_vm *vm, struct dsb_gem_object *bo)
{
	struct drm_mm_node *node;

	lockdep_assert_held(&vm->lock);
	drm_mm_for_each_node(node, &vm->mm) {
		struct dsb_mapping *m = container_of(node, struct dsb_mapping, node);

		if (m->bo == bo && !m->user)
			return m;
	}
	return NULL;
}

/**
 * dsb_vm_add_map_locked() - a new mapping joins a VM's residency
 * @vm: the VM, its residency lock held
 * @m: the mapping, its @bo, @vaddr and @purged set
 *
 * The mapping is walked by restore, eviction and purge from now on; it is
 * not in the engine's tree yet.
 */
void dsb_vm_add_map_locked(struct dsb_vm *vm, struct dsb_mapping *m)
{
	lockdep_assert_held(&vm->res_lock);
	m->vm = vm;
	list_add_tail(&m->link, &vm->maps);
	if (!m->bo)
		return;
	vm->unpublished += !m->vaddr && !m->purged;
	if (m->bo->swappable && !READ_ONCE(m->bo->pinned)) {
		list_add_tail(&m->bo_link, &m->bo->vm_maps);
		m->on_bo_list = true;
	}
}

/**
 * dsb_vm_del_map_locked() - a mapping leaves a VM's residency
 * @vm: the VM, its residency lock held
 * @m: the mapping, no longer in the engine's tree
 */
void dsb_vm_del_map_locked(struct dsb_vm *vm, struct dsb_mapping *m)
{
	lockdep_assert_held(&vm->res_lock);
	list_del(&m->link);
	if (!m->bo)
		return;
	vm->unpublished -= !m->vaddr && !m->purged;
	if (m->on_bo_list) {
		list_del(&m->bo_link);
		m->on_bo_list = false;
	}
}

/**
 * dsb_vm_map() - map a BO into a VM, or find its existing mapping
 * @vm: the VM
 * @bo: the BO; the mapping takes a reference
 * @va: out, the GPU VA of the BO in @vm; 0 for a BO other than a queue
 *      ring in a user-managed VM, where the kernel maps nothing else
 *
 * A swappable BO's mapping starts unpublished: the next submit makes it
 * resident.
 *
 * Return: 0, -ENOMEM when out of memory or of address space.
 */
int dsb_vm_map(struct dsb_vm *vm, struct dsb_gem_object *bo, u64 *va)
{
	struct dsb_mapping *m, *old;
	int ret;

	m = kzalloc(sizeof(*m), GFP_KERNEL_ACCOUNT);
	if (!m)
		return -ENOMEM;
	if (!bo->swappable)
		m->vaddr = bo->vaddr;
	m->size = bo->base.size;
	m->readonly = bo->is_ring;

	mutex_lock(&vm->res_lock);
	write_lock(&vm->lock);
	old = dsb_vm_lookup_bo(vm, bo);
	if (!old && vm->binds && !bo->is_ring) {
		/* User-managed: only VM_BIND maps the caller's BOs. */
		*va = 0;
		write_unlock(&vm->lock);
		mutex_unlock(&vm->res_lock);
		kfree(m);
		return 0;
	}
	if (old) {
		*va = old->node.start;
		write_unlock(&vm->lock);
		mutex_unlock(&vm->res_lock);
		kfree(m);
		return 0;
	}
	ret = drm_mm_insert_node_in_range(&vm->mm, &m->node,
					  bo->base.size + PAGE_SIZE, PAGE_SIZE,
					  0, vm->kva_start,
					  DSB_VA_START + DSB_VA_SIZE,
					  DRM_MM_INSERT_BEST);
	if (!ret) {
		drm_gem_object_get(&bo->base);
		m->bo = bo;
		*va = m->node.start;
		dsb_vm_add_map_locked(vm, m);
	}
	write_unlock(&vm->lock);
	mutex_unlock(&vm->res_lock);
	if (ret) {
		kfree(m);
		return -ENOMEM;
	}
	return 0;
}

/**
 * dsb_vm_find() - GPU VA of a BO in a VM
 * @vm: the VM
 * @bo: the BO
 * @va: out, its GPU VA
 *
 * Return: true when @bo is mapped in @vm.
 */
bool dsb_vm_find(struct dsb_vm *vm, struct dsb_gem_object *bo, u64 *va)
{
	struct dsb_mapping *m;

	read_lock(&vm->lock);
	m = dsb_vm_lookup_bo(vm, bo);
	if (m)
		*va = m->node.start;
	read_unlock(&vm->lock);
	return m;
}

/**
 * dsb_vm_unmap() - remove a BO's kernel-assigned mapping from a VM, if any
 * @vm: the VM
 * @bo: the BO
 *
 * Mappings made by VM_BIND stay: each holds a reference to its BO, and
 * goes only when unmapped.
 * After this returns the engine can no longer reach @bo through @vm.
 */
void dsb_vm_unmap(struct dsb_vm *vm, struct dsb_gem_object *bo)
{
	struct dsb_mapping *m;

	mutex_lock(&vm->res_lock);
	write_lock(&vm->lock);
	m = dsb_vm_lookup_bo(vm, bo);
	if (m) {
		drm_mm_remove_node(&m->node);
		dsb_vm_del_map_locked(vm, m);
	}
	write_unlock(&vm->lock);
	mutex_unlock(&vm->res_lock);
	if (m) {
		dsb_bo_put(m->bo);
		kfree(m);
	}
}

/**
 * dsb_vm_bo_at() - the BO mapped at a GPU VA (debugfs)
 * @vm: the VM
 * @va: the address
 * @off: out, the offset of @va in the BO
 *
 * Return: the BO with a reference (drop it with dsb_bo_put(), outside
 * engine locks), or NULL when nothing is mapped at @va.
 */
struct dsb_gem_object *dsb_vm_bo_at(struct dsb_vm *vm, u64 va, u64 *off)
{
	struct dsb_gem_object *bo = NULL;
	struct drm_mm_node *node;

	if (va < DSB_VA_START || va >= DSB_VA_START + DSB_VA_SIZE)
		return NULL;
	read_lock(&vm->lock);
	drm_mm_for_each_node_in_range(node, &vm->mm, va, va + 1) {
		struct dsb_mapping *m = container_of(node, struct dsb_mapping, node);

		if (m->bo && va < node->start + m->size) {
			bo = m->bo;
			drm_gem_object_get(&bo->base);
			*off = m->bo_offset + (va - node->start);
		}
		break;
	}
	read_unlock(&vm->lock);
	return bo;
}

/**
 * dsb_vm_find_writable() - where a VM maps the memory of a BO, writably
 * @vm: the VM
 * @bo: the BO; any BO sharing its reservation object (an import of it, or
 *      the BO it imports) is the same memory
 * @va: out, the GPU VA of that mapping in @vm
 *
 * Writable is what the engine allows: any mapping but a queue ring's or a
 * read-only bind's.
 * Walks the VM's mappings (debugfs).
 *
 * Return: true when @vm maps the memory of @bo and the engine may write it.
 */
bool dsb_vm_find_writable(struct dsb_vm *vm, struct dsb_gem_object *bo, u64 *va)
{
	struct drm_mm_node *node;
	bool found = false;

	read_lock(&vm->lock);
	drm_mm_for_each_node(node, &vm->mm) {
		struct dsb_mapping *m = container_of(node, struct dsb_mapping, node);

		if (!m->bo || m->readonly)
			continue;
		if (m->bo == bo || m->bo->base.resv == bo->base.resv) {
			/* Where the BO's first byte would be: callers add offsets. */
			*va = node->start - m->bo_offset;
			found = true;
			break;
		}
	}
	read_unlock(&vm->lock);
	return found;
}

/**
 * dsb_vm_translate() - translate a GPU VA range for the engine
 * @vm: the VM, whose lock the caller holds until it is done with the pointer
 * @va: start of the range
 * @len: length of the range, nonzero
 * @write: the engine will write the range
 * @fault: out, the reason when the translation fails
 *
 * The whole range must lie inside one mapping (not its guard page). A
 * sparse binding hands out zeros to read and a sink to write.
 *
 * Return: kernel address of @va, or NULL with @fault set.
 */
void *dsb_vm_translate(struct dsb_vm *vm, u64 va, u64 len, bool write,
		       enum dsb_vm_fault *fault)
{
	struct drm_mm_node *node;
	u64 end;

	lockdep_assert_held(&vm->lock);
	*fault = DSB_VM_UNMAPPED;
	if (!len || check_add_overflow(va, len, &end))
		return NULL;
	/*
	 * Outside the managed range the iterator below would hand back the
	 * allocator's head node, which is not a mapping.
	 */
	if (va < DSB_VA_START || end > DSB_VA_START + DSB_VA_SIZE)
		return NULL;

	drm_mm_for_each_node_in_range(node, &vm->mm, va, va + 1) {
		struct dsb_mapping *m = container_of(node, struct dsb_mapping, node);

		if (end > node->start + m->size)
			return NULL;
		if (write && m->readonly) {
			*fault = DSB_VM_RING_WRITE;
			return NULL;
		}
		if (unlikely(!m->bo)) {
			/* Sparse: reads see zeros, writes are dropped. */
			if (len > DRM_DSB_ISA_MAX_LEN)
				return NULL;
			*fault = DSB_VM_OK;
			return write ? dsb_sparse_sink : dsb_sparse_zero;
		}
		if (!m->vaddr) {
			*fault = m->purged ? DSB_VM_PURGED : DSB_VM_EVICTED;
			return NULL;
		}
		*fault = DSB_VM_OK;
		return (u8 *)m->vaddr + (va - node->start);
	}
	return NULL;
}

/*
 * Publish the kernel address the engine uses for @m (@bo_vaddr: where its
 * BO is mapped), or clear it (NULL).
 */
static void dsb_vm_publish_locked(struct dsb_vm *vm, struct dsb_mapping *m, void *bo_vaddr)
{
	void *vaddr = bo_vaddr ? (u8 *)bo_vaddr + m->bo_offset : NULL;

	lockdep_assert_held(&vm->res_lock);
	vm->unpublished += !vaddr - !m->vaddr;
	write_lock(&vm->lock);
	m->vaddr = vaddr;
	write_unlock(&vm->lock);
}

/**
 * dsb_vm_mark_purged_locked() - a mapping's BO was purged
 * @vm: the VM, its residency lock held
 * @m: the mapping
 *
 * Its address is cleared for good, and the mapping leaves the count of
 * those a submit restores.
 */
void dsb_vm_mark_purged_locked(struct dsb_vm *vm, struct dsb_mapping *m)
{
	lockdep_assert_held(&vm->res_lock);
	if (m->purged)
		return;
	vm->unpublished -= !m->vaddr;
	write_lock(&vm->lock);
	m->vaddr = NULL;
	m->purged = true;
	write_unlock(&vm->lock);
}

/*
 * @bo is about to be evicted (or purged, @purged): none of its mappings in
 * @vm may hand its kernel address to the engine any more. A swappable BO
 * that is not pinned is mapped in one VM only (the list's lock is its
 * residency lock); a BO cannot be evicted while pinned.
 */
static void dsb_vm_unpublish_bo_locked(struct dsb_vm *vm, struct dsb_gem_object *bo,
				       bool purged)
{
	struct dsb_mapping *m;

	lockdep_assert_held(&vm->res_lock);
	dma_resv_assert_held(bo->base.resv);
	list_for_each_entry(m, &bo->vm_maps, bo_link) {
		if (WARN_ON_ONCE(m->vm != vm))
			continue;
		if (purged)
			dsb_vm_mark_purged_locked(vm, m);
		else if (m->vaddr)
			dsb_vm_publish_locked(vm, m, NULL);
	}
}

/*
 * Make every BO of @vm resident and publish its address; res_lock held.
 * A purged BO is skipped: its mapping is marked so.
 */
static int dsb_vm_restore_locked(struct dsb_vm *vm)
{
	struct dsb_mapping *m;
	u64 bytes = 0;
	u32 bos = 0;
	int ret = 0;

	lockdep_assert_held(&vm->res_lock);
	list_for_each_entry(m, &vm->maps, link) {
		struct dsb_gem_object *bo = m->bo;
		bool was_resident;

		if (!bo || m->vaddr || m->purged)
			continue;
		ret = dma_resv_lock_interruptible(bo->base.resv, NULL);
		if (ret)
			break;
		was_resident = bo->resident;
		ret = dsb_bo_restore_locked(bo, vm);
		if (ret == -ENODATA) {
			dsb_vm_mark_purged_locked(vm, m);
			ret = 0;
		} else if (!ret) {
			dsb_vm_publish_locked(vm, m, bo->vaddr);
			if (!was_resident) {
				bytes += bo->base.size;
				bos++;
			}
		}
		dma_resv_unlock(bo->base.resv);
		if (ret)
			break;
	}
	if (bos)
		dsb_reclaim_trace_restore(vm, bytes, bos);
	return ret;
}

/*
 * The GPU's translation (&struct dsb_gpu_mmu): dsb_vm_translate() with the
 * fault as the GPU reports it. An evicted mapping is a bad VA too: no armed
 * job can meet one. So is a purged one: the buffer has no memory behind its
 * VA any more.
 */
static void *dsb_vm_gpu_translate(void *priv, u64 va, u64 len, bool write, u32 *fault)
{
	struct dsb_vm *vm = priv;
	enum dsb_vm_fault f;
	void *p = dsb_vm_translate(vm, va, len, write, &f);

	if (p)
		return p;
	if (f == DSB_VM_EVICTED)
		atomic64_inc(&vm->ddev->stats.evicted_faults);
	else if (f == DSB_VM_PURGED)
		atomic64_inc(&vm->ddev->stats.purged_faults);
	*fault = f == DSB_VM_RING_WRITE ? DRM_DSB_FAULT_RING_WRITE : DRM_DSB_FAULT_BAD_VA;
	return NULL;
}

/**
 * dsb_vm_gpu_mmu() - how the GPU translates the VM's addresses
 * @vm: the VM, which outlives the queues it is handed to
 * @mmu: out, the translation for a queue descriptor
 */
void dsb_vm_gpu_mmu(struct dsb_vm *vm, struct dsb_gpu_mmu *mmu)
{
	mmu->lock = &vm->lock;
	mmu->translate = dsb_vm_gpu_translate;
	mmu->priv = vm;
}

/**
 * dsb_vm_make_resident() - prepare phase: make a VM resident for new jobs
 * @vm: the VM
 * @jobs: number of jobs being submitted on it; each keeps the VM busy
 *        until it signals or is freed unarmed (dsb_vm_unbusy())
 * @nonblock: fail with -EAGAIN rather than wait for the residency lock or
 *            restore an evicted buffer (io_uring's inline issue)
 *
 * Every BO mapped into @vm is made resident (allocating, reading back from
 * swap) and its kernel address published to the engine. From the moment
 * this returns 0 until the jobs are done, the shrinker leaves @vm alone.
 *
 * Return: 0, -EAGAIN, -EINTR (a signal while waiting or restoring),
 * -ENOMEM (a buffer cannot be made resident).
 */
int dsb_vm_make_resident(struct dsb_vm *vm, u32 jobs, bool nonblock)
{
	int ret = 0;

	if (nonblock) {
		if (!mutex_trylock(&vm->res_lock))
			return -EAGAIN;
	} else if (mutex_lock_interruptible(&vm->res_lock)) {
		return -EINTR;
	}
	if (vm->unpublished)
		ret = nonblock ? -EAGAIN : dsb_vm_restore_locked(vm);
	if (!ret) {
		atomic_add(jobs, &vm->busy);
		vm->last_used = jiffies;
	}
	mutex_unlock(&vm->res_lock);
	return ret;
}

/**
 * dsb_vm_evict_locked() - evict the swappable BOs of an idle VM
 * @vm: the VM, its residency lock held and no job in flight (@vm->busy 0)
 * @want: stop once this many bytes are evicted
 * @min_age: leave a BO (and the whole VM) used less than this many jiffies
 *           ago: a second chance, so reclaim does not take what a process
 *           is using right now while older memory is left
 *
 * Each mapping's kernel address is cleared under @vm->lock before its BO
 * is evicted, so the engine cannot be using it. BOs whose reservation lock
 * is contended are skipped: the caller may be the shrinker.
 *
 * Return: bytes evicted.
 */
u64 dsb_vm_evict_locked(struct dsb_vm *vm, u64 want, unsigned long min_age)
{
	unsigned long now = jiffies;
	struct dsb_mapping *m;
	u64 freed = 0;
	u32 bos = 0;

	lockdep_assert_held(&vm->res_lock);
	if (min_age && time_before(now, vm->last_used + min_age))
		return 0;
	list_for_each_entry(m, &vm->maps, link) {
		struct dsb_gem_object *bo = m->bo;

		if (!bo || !bo->swappable || !READ_ONCE(bo->resident) || READ_ONCE(bo->pinned))
			continue;
		if (min_age && time_before(now, READ_ONCE(bo->last_used) + min_age))
			continue;
		if (!dma_resv_trylock(bo->base.resv))
			continue;
		if (dsb_bo_evictable(bo)) {
			dsb_vm_unpublish_bo_locked(vm, bo, false);
			freed += dsb_bo_evict_locked(bo);
			bos++;
		}
		dma_resv_unlock(bo->base.resv);
		if (freed >= want)
			break;
	}
	if (bos)
		dsb_reclaim_trace_evict(vm, freed, bos);
	return freed;
}

/**
 * dsb_vm_purge_locked() - purge the BOs of an idle VM marked DONTNEED
 * @vm: the VM, its residency lock held and no job in flight (@vm->busy 0)
 * @want: stop once this many bytes are freed
 *
 * As dsb_vm_evict_locked(), but for the BOs userspace marked DONTNEED,
 * whatever their age: each mapping is marked purged (its kernel address
 * cleared under @vm->lock) before its BO's pages are dropped. BOs whose
 * reservation lock is contended are skipped.
 *
 * Return: bytes freed.
 */
u64 dsb_vm_purge_locked(struct dsb_vm *vm, u64 want)
{
	struct dsb_mapping *m;
	u64 freed = 0;
	u32 bos = 0;

	lockdep_assert_held(&vm->res_lock);
	if (!atomic64_read(&vm->ddev->purgeable))
		return 0;
	list_for_each_entry(m, &vm->maps, link) {
		struct dsb_gem_object *bo = m->bo;

		if (!bo || !READ_ONCE(bo->resident) || !dsb_bo_can_purge(bo))
			continue;
		if (!dma_resv_trylock(bo->base.resv))
			continue;
		if (bo->resident && dsb_bo_can_purge(bo)) {
			dsb_vm_unpublish_bo_locked(vm, bo, true);
			freed += dsb_bo_purge_locked(bo);
			bos++;
		}
		dma_resv_unlock(bo->base.resv);
		if (freed >= want)
			break;
	}
	if (bos)
		dsb_reclaim_trace_purge(vm, freed, bos);
	return freed;
}

/**
 * dsb_vm_note_fence() - remember the fence of the last job armed on a VM
 * @vm: the VM
 * @fence: the fence, armed; the VM takes a reference
 *
 * Allocates nothing: called in the arm phase, once per batch.
 */
void dsb_vm_note_fence(struct dsb_vm *vm, struct dma_fence *fence)
{
	struct dma_fence *old;

	old = unrcu_pointer(xchg(&vm->last_fence, RCU_INITIALIZER(dma_fence_get(fence))));
	dma_fence_put(old);
}

/**
 * dsb_vm_forget_fence() - a job is done: drop its fence if it was the last
 * @vm: the VM
 * @fence: the job's fence
 *
 * So a finished job's fence is not kept alive by its VM. Any context, no
 * allocation: the signalling path calls it. Whoever of this and
 * dsb_vm_note_fence() takes @fence out of the VM drops its reference.
 */
void dsb_vm_forget_fence(struct dsb_vm *vm, struct dma_fence *fence)
{
	if (rcu_access_pointer(vm->last_fence) != fence)
		return;
	if (cmpxchg(&vm->last_fence, RCU_INITIALIZER(fence), NULL) == RCU_INITIALIZER(fence))
		dma_fence_put(fence);
}

/**
 * dsb_vm_last_fence() - the fence of the last job armed on a VM
 * @vm: the VM
 *
 * Return: a reference to it, or NULL.
 */
struct dma_fence *dsb_vm_last_fence(struct dsb_vm *vm)
{
	struct dma_fence *fence;

	rcu_read_lock();
	fence = dma_fence_get_rcu_safe(&vm->last_fence);
	rcu_read_unlock();
	return fence;
}
