/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Copyright (C) 2026 The dsb authors */
#ifndef __DSB_VM_H__
#define __DSB_VM_H__

#include <linux/atomic.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <drm/drm_mm.h>

#include "dsb_compat.h"

struct dma_fence;
struct dsb_gpu_mmu;
struct dsb_gem_object;
struct dsb_vm_binds;

/*
 * User-managed VMs: the low half of the address space is the caller's
 * (VM_BIND), the kernel keeps its own mappings (queue rings) in the rest.
 */
#define DSB_USER_VA_START	DSB_VA_START
#define DSB_USER_VA_SIZE	(DSB_VA_SIZE / 2)

/**
 * struct dsb_vm - a per-file GPU virtual address space
 * @ref: reference count (the file and each of its queues)
 * @lock: protects @mm's nodes and their kernel addresses; read-held by
 *        the engines around each memory access, so a mapping cannot go
 *        away under it, and two engines running queues of one VM never
 *        wait for each other (a 1 MiB FILL runs under it); write-held to
 *        map, unmap and publish. Never held while allocating.
 * @mm: the address allocator; each node is a &struct dsb_mapping
 * @ddev: the device, for counters
 * @client_id: the drm-client-id of the file it was made for (tracepoints)
 * @res_lock: residency lock: serialises making the VM resident in a
 *            submit's prepare phase with its eviction, and adding or
 *            removing mappings. Taken before BO reservation locks; the
 *            shrinker only trylocks it. May be held while allocating.
 * @unpublished: mappings whose kernel address is not set (their BO is
 *               evicted or was never made resident for the engine), not
 *               counting those known to be purged, under @res_lock
 * @busy: jobs between their submit's prepare phase and their signal: the
 *        VM is not evicted while nonzero. Raised under @res_lock.
 * @last_fence: the fence of the last job armed on the VM (RCU), what the
 *              shrinker waits for to find the VM idle
 * @lru: link in &dsb_device.vm_lru, under &dsb_device.vm_lru_lock
 * @last_used: jiffies of the VM's last submit
 * @maps: every &struct dsb_mapping of the VM, whether the engine can reach
 *        it yet, still, or not (a bind not yet applied), under @res_lock:
 *        what residency walks
 * @kva_start: first VA of the range where the kernel places its own
 *             mappings
 * @binds: the VM_BIND state of a user-managed VM (dsb_bind.c), or NULL
 */
struct dsb_vm {
	struct kref ref;
	rwlock_t lock;	/* protects @mm; engines read-lock it around accesses */
	struct drm_mm mm;
	struct dsb_device *ddev;
	u64 client_id;
	struct mutex res_lock;	/* residency, see above */
	u32 unpublished;
	atomic_t busy;
	struct dma_fence __rcu *last_fence;
	struct list_head lru;
	unsigned long last_used;
	struct list_head maps;
	u64 kva_start;
	struct dsb_vm_binds *binds;
};

/**
 * struct dsb_mapping - one range of a VM the engine can reach
 * @node: its range in &dsb_vm.mm (for a kernel-assigned mapping, followed
 *        by a guard page)
 * @link: link in &dsb_vm.maps, under &dsb_vm.res_lock
 * @bo_link: link in &dsb_gem_object.vm_maps, under the residency lock of
 *           the one VM that maps a swappable BO (an exported BO, which can
 *           be mapped in several, is pinned: never evicted), only while
 *           @on_bo_list
 * @vm: the VM
 * @bo: the BO (a reference), NULL for a sparse binding
 * @vaddr: kernel address of the mapping's first byte for the engine, NULL
 *         while not published (see "GPU virtual address space"); under
 *         &dsb_vm.lock and &dsb_vm.res_lock to change, either to read
 * @size: bytes the engine may reach from the start of @node
 * @bo_offset: offset of the mapping's first byte in @bo
 * @purged: the BO is purged: @vaddr stays NULL and the mapping is not in
 *          &dsb_vm.unpublished; locked as @vaddr
 * @readonly: the engine may not write (a queue ring, a READONLY bind)
 * @user: made by VM_BIND (never found by BO, see dsb_vm_unmap())
 * @on_bo_list: in its BO's &dsb_gem_object.vm_maps
 * @va: the mapping in the VM_BIND address tree (drm_gpuvm)
 * @bind_seq: sequence number of the bind that made it
 * @add_link: link in the bind that makes the engine reach it
 * @del_link: link in the bind that takes it away
 */
struct dsb_mapping {
	struct drm_mm_node node;
	struct list_head link;
	struct list_head bo_link;
	struct dsb_vm *vm;
	struct dsb_gem_object *bo;
	void *vaddr;
	u64 size;
	u64 bo_offset;
	bool purged;
	bool readonly;
	bool user;
	bool on_bo_list;
#ifdef DSB_HAVE_DRM_GPUVM
	struct drm_gpuva va;
	u64 bind_seq;
	struct list_head add_link;
	struct list_head del_link;
#endif
};

/**
 * enum dsb_vm_fault - why an engine access failed
 * @DSB_VM_OK: it did not
 * @DSB_VM_UNMAPPED: the range is not inside one mapping
 * @DSB_VM_RING_WRITE: a write into a queue ring
 * @DSB_VM_EVICTED: the mapping's BO is not resident (only a job that was
 *                  never submitted, such as packets a process wrote into
 *                  its own ring, can meet one)
 * @DSB_VM_PURGED: the mapping's BO was purged (userspace marked it
 *                 DONTNEED): any job can meet one
 */
enum dsb_vm_fault {
	DSB_VM_OK = 0,
	DSB_VM_UNMAPPED,
	DSB_VM_RING_WRITE,
	DSB_VM_EVICTED,
	DSB_VM_PURGED,
};

struct dsb_vm *dsb_vm_create(struct dsb_device *ddev, u64 client_id);
void dsb_vm_put(struct dsb_vm *vm);
static inline struct dsb_vm *dsb_vm_get(struct dsb_vm *vm)
{
	kref_get(&vm->ref);
	return vm;
}

int dsb_vm_map(struct dsb_vm *vm, struct dsb_gem_object *bo, u64 *va);
bool dsb_vm_find(struct dsb_vm *vm, struct dsb_gem_object *bo, u64 *va);
void dsb_vm_unmap(struct dsb_vm *vm, struct dsb_gem_object *bo);
struct dsb_gem_object *dsb_vm_bo_at(struct dsb_vm *vm, u64 va, u64 *off);
bool dsb_vm_find_writable(struct dsb_vm *vm, struct dsb_gem_object *bo, u64 *va);
void *dsb_vm_translate(struct dsb_vm *vm, u64 va, u64 len, bool write,
		       enum dsb_vm_fault *fault);

void dsb_vm_gpu_mmu(struct dsb_vm *vm, struct dsb_gpu_mmu *mmu);
int dsb_vm_make_resident(struct dsb_vm *vm, u32 jobs, bool nonblock);
u64 dsb_vm_evict_locked(struct dsb_vm *vm, u64 want, unsigned long min_age);
u64 dsb_vm_purge_locked(struct dsb_vm *vm, u64 want);
void dsb_vm_note_fence(struct dsb_vm *vm, struct dma_fence *fence);
void dsb_vm_forget_fence(struct dsb_vm *vm, struct dma_fence *fence);
struct dma_fence *dsb_vm_last_fence(struct dsb_vm *vm);

void dsb_vm_add_map_locked(struct dsb_vm *vm, struct dsb_mapping *m);
void dsb_vm_del_map_locked(struct dsb_vm *vm, struct dsb_mapping *m);
void dsb_vm_mark_purged_locked(struct dsb_vm *vm, struct dsb_mapping *m);
int dsb_vm_sparse_init(void);
void dsb_vm_sparse_fini(void);

/**
 * dsb_vm_unbusy() - a job that made its VM busy has signalled or is freed
 * @vm: the VM
 *
 * Any context: the signalling path calls it.
 */
static inline void dsb_vm_unbusy(struct dsb_vm *vm)
{
	atomic_dec(&vm->busy);
}

#endif /* __DSB_VM_H__ */
