/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Copyright (C) 2026 The dsb authors */
#ifndef __DSB_VM_H__
#define __DSB_VM_H__

#include <linux/kref.h>
#include <linux/spinlock.h>
#include <drm/drm_mm.h>

struct dsb_gem_object;

/**
 * struct dsb_vm - a per-file GPU virtual address space
 * @ref: reference count (the file and each of its queues)
 * @lock: protects @mm; held by the engine around each memory access, so a
 *        mapping cannot go away under it. Never held while allocating.
 * @mm: the address allocator; each node is a &struct dsb_mapping
 * @ddev: the device, for counters
 */
struct dsb_vm {
	struct kref ref;
	spinlock_t lock;	/* protects @mm, held around engine accesses */
	struct drm_mm mm;
	struct dsb_device *ddev;
};

/**
 * enum dsb_vm_fault - why an engine access failed
 * @DSB_VM_OK: it did not
 * @DSB_VM_UNMAPPED: the range is not inside one mapping
 * @DSB_VM_RING_WRITE: a write into a queue ring
 */
enum dsb_vm_fault {
	DSB_VM_OK = 0,
	DSB_VM_UNMAPPED,
	DSB_VM_RING_WRITE,
};

struct dsb_vm *dsb_vm_create(struct dsb_device *ddev);
void dsb_vm_put(struct dsb_vm *vm);
static inline struct dsb_vm *dsb_vm_get(struct dsb_vm *vm)
{
	kref_get(&vm->ref);
	return vm;
}

int dsb_vm_map(struct dsb_vm *vm, struct dsb_gem_object *bo, u64 *va);
bool dsb_vm_find(struct dsb_vm *vm, struct dsb_gem_object *bo, u64 *va);
void dsb_vm_unmap(struct dsb_vm *vm, struct dsb_gem_object *bo);
void *dsb_vm_translate(struct dsb_vm *vm, u64 va, u64 len, bool write,
		       enum dsb_vm_fault *fault);

#endif /* __DSB_VM_H__ */
