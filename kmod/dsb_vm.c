// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Copyright (C) 2026 The dsb authors */
/**
 * DOC: GPU virtual address space
 *
 * Each open file has one &struct dsb_vm. Buffer objects are mapped into it
 * whole, one mapping per (file, BO), followed by an unmapped guard page.
 * The engine reaches memory only through dsb_vm_translate(), the single
 * lookup that a later version can invalidate to reclaim idle buffers: every
 * job passes through the kernel, so a buffer could be brought back in the
 * prepare phase of a submit, before its fence is armed.
 *
 * The translation is done and used under @dsb_vm.lock, a spinlock that is
 * never held while allocating: a mapping removed under the lock cannot be
 * in use by the engine, and the BO reference the mapping held is dropped
 * after the lock is released.
 */
#include <linux/overflow.h>
#include <linux/slab.h>

#include "dsb_drv.h"
#include "dsb_bo.h"
#include "dsb_vm.h"

struct dsb_mapping {
	struct drm_mm_node node;
	struct dsb_gem_object *bo;
};

/**
 * dsb_vm_create() - create an empty GPU VA space
 * @ddev: the device
 *
 * Return: the VM with one reference, or NULL when out of memory.
 */
struct dsb_vm *dsb_vm_create(struct dsb_device *ddev)
{
	struct dsb_vm *vm = kzalloc(sizeof(*vm), GFP_KERNEL_ACCOUNT);

	if (!vm)
		return NULL;
	kref_init(&vm->ref);
	spin_lock_init(&vm->lock);
	drm_mm_init(&vm->mm, DSB_VA_START, DSB_VA_SIZE);
	vm->ddev = ddev;
	atomic_inc(&ddev->stats.live_vms);
	return vm;
}

static void dsb_vm_release(struct kref *ref)
{
	struct dsb_vm *vm = container_of(ref, struct dsb_vm, ref);
	struct drm_mm_node *node, *next;

	/* Last reference: no queue (hence no engine) can use the VM any more. */
	drm_mm_for_each_node_safe(node, next, &vm->mm) {
		struct dsb_mapping *m = container_of(node, struct dsb_mapping, node);

		drm_mm_remove_node(node);
		dsb_bo_put(m->bo);
		kfree(m);
	}
	drm_mm_takedown(&vm->mm);
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

		if (m->bo == bo)
			return m;
	}
	return NULL;
}

/**
 * dsb_vm_map() - map a BO into a VM, or find its existing mapping
 * @vm: the VM
 * @bo: the BO; the mapping takes a reference
 * @va: out, the GPU VA of the BO in @vm
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

	spin_lock(&vm->lock);
	old = dsb_vm_lookup_bo(vm, bo);
	if (old) {
		*va = old->node.start;
		spin_unlock(&vm->lock);
		kfree(m);
		return 0;
	}
	ret = drm_mm_insert_node_in_range(&vm->mm, &m->node,
					  bo->base.size + PAGE_SIZE, PAGE_SIZE,
					  0, DSB_VA_START,
					  DSB_VA_START + DSB_VA_SIZE,
					  DRM_MM_INSERT_BEST);
	if (!ret) {
		drm_gem_object_get(&bo->base);
		m->bo = bo;
		*va = m->node.start;
	}
	spin_unlock(&vm->lock);
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

	spin_lock(&vm->lock);
	m = dsb_vm_lookup_bo(vm, bo);
	if (m)
		*va = m->node.start;
	spin_unlock(&vm->lock);
	return m;
}

/**
 * dsb_vm_unmap() - remove a BO's mapping from a VM, if it has one
 * @vm: the VM
 * @bo: the BO
 *
 * After this returns the engine can no longer reach @bo through @vm.
 */
void dsb_vm_unmap(struct dsb_vm *vm, struct dsb_gem_object *bo)
{
	struct dsb_mapping *m;

	spin_lock(&vm->lock);
	m = dsb_vm_lookup_bo(vm, bo);
	if (m)
		drm_mm_remove_node(&m->node);
	spin_unlock(&vm->lock);
	if (m) {
		dsb_bo_put(m->bo);
		kfree(m);
	}
}

/**
 * dsb_vm_translate() - translate a GPU VA range for the engine
 * @vm: the VM, whose lock the caller holds until it is done with the pointer
 * @va: start of the range
 * @len: length of the range, nonzero
 * @write: the engine will write the range
 * @fault: out, the reason when the translation fails
 *
 * The whole range must lie inside one mapping (not its guard page).
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

		if (end > node->start + m->bo->base.size)
			return NULL;
		if (write && m->bo->is_ring) {
			*fault = DSB_VM_RING_WRITE;
			return NULL;
		}
		*fault = DSB_VM_OK;
		return (u8 *)m->bo->vaddr + (va - node->start);
	}
	return NULL;
}
