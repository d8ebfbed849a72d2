// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Copyright (C) 2026 The dsb authors */
/**
 * DOC: Reclaim
 *
 * User-queue drivers evict memory with eviction or preempt fences because
 * userspace writes their rings. dsb writes every packet itself, so it can
 * evict an idle process's buffers without preempting anything: it just
 * does not arm new packets until the memory is back.
 *
 * - A VM with no job between prepare and signal (&dsb_vm.busy is 0) is
 *   *idle*. Its swappable BOs may be evicted: each mapping's kernel
 *   address is cleared under the VM lock (the engine cannot be using it),
 *   CPU mappings are zapped, the pages are unmapped and unpinned, and
 *   shmem may swap them (dsb_vm_evict_locked(), dsb_bo_evict_locked()).
 * - Every submit makes its VM resident in its prepare phase, where
 *   allocating is allowed, before any of its fences is armed
 *   (dsb_vm_make_resident()). A CPU fault restores the one BO it touches.
 * - Who evicts: the device's shrinker, under memory pressure, and a
 *   restore that would pass the device's pinned limit (it evicts idle VMs
 *   to make room, then fails with -ENOMEM if there still is none). Idle
 *   VMs are visited round robin; buffers used (submitted, restored,
 *   CPU-faulted) within the last half second are taken only when nothing
 *   older is left, so reclaim does not evict what a process is touching.
 * - Busy VMs: when idle VMs did not give the shrinker enough, it waits
 *   for the last fence armed on one busy VM, for at most
 *   ``shrink_wait_ms`` (default 20 ms, 0: never), then evicts it if it is
 *   idle by then. A dsb fence signals within its queue's watchdog whatever
 *   userspace does, and nothing on dsb's signalling path allocates or
 *   waits for a lock a reclaiming task could hold, so this wait cannot
 *   deadlock; lockdep sees the reclaim -> dma_fence edge at every such
 *   wait. It is bounded well below the watchdog because a thread in direct
 *   reclaim is a thread some user is waiting for.
 * - Never evicted: pinned BOs (queue regions, which other queues' GPU-side
 *   waits read at any time), exported BOs (importers may map them at any
 *   time: they stay resident until freed) and imported ones (the exporter
 *   owns their memory).
 * - Purged first, never evicted: BOs userspace marked DONTNEED
 *   (DRM_IOCTL_DSB_BO_MADVISE). Whoever evicts first visits every idle VM
 *   to purge those (dsb_vm_purge_locked(): their pages are dropped, not
 *   swapped), whatever their age, and evicts only when that was not
 *   enough. &dsb_device.purgeable counts their resident bytes, so the
 *   extra round costs nothing when there are none.
 */
#include <linux/delay.h>
#include <linux/dma-fence.h>
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/sched/signal.h>
#include <linux/shrinker.h>
#include <linux/swap.h>

#include "dsb_compat.h"
#include "dsb_drv.h"
#include "dsb_bo.h"
#include "dsb_reclaim.h"
#include "dsb_trace.h"
#include "dsb_vm.h"

/* Rounds of eviction a restore tries to make room with before -ENOMEM. */
#define DSB_RECLAIM_CHARGE_TRIES 10

/* Memory used more recently than this is evicted only when nothing else is. */
#define DSB_RECLAIM_MIN_AGE (HZ / 2)

static unsigned int dsb_shrink_wait_ms = 20;
module_param_named(shrink_wait_ms, dsb_shrink_wait_ms, uint, 0644);
MODULE_PARM_DESC(shrink_wait_ms,
		 "Longest the shrinker waits for a busy VM's last fence, in ms (0: never waits)");

#ifdef DSB_NEGATIVE_CONTROL
static atomic_t dsb_reclaim_waiters = ATOMIC_INIT(0);

/* Negative control build only: is a shrinker waiting for a fence now? */
bool dsb_reclaim_waiting(void)
{
	return atomic_read(&dsb_reclaim_waiters);
}
#endif

/**
 * dsb_reclaim_add_vm() - make a new VM visible to the shrinker
 * @vm: the VM
 */
void dsb_reclaim_add_vm(struct dsb_vm *vm)
{
	struct dsb_device *ddev = vm->ddev;

	spin_lock(&ddev->vm_lru_lock);
	list_add_tail(&vm->lru, &ddev->vm_lru);
	spin_unlock(&ddev->vm_lru_lock);
}

/**
 * dsb_reclaim_remove_vm() - a VM's last reference is gone
 * @vm: the VM
 */
void dsb_reclaim_remove_vm(struct dsb_vm *vm)
{
	struct dsb_device *ddev = vm->ddev;

	spin_lock(&ddev->vm_lru_lock);
	list_del(&vm->lru);
	spin_unlock(&ddev->vm_lru_lock);
}

/*
 * Next VM in the shrinker's round, moved to the back, with a reference;
 * NULL when the round is over. Lock dropped on return.
 */
static struct dsb_vm *dsb_reclaim_next_vm(struct dsb_device *ddev, unsigned int *left,
					  bool busy, struct dsb_vm *except)
{
	struct dsb_vm *vm = NULL;

	spin_lock(&ddev->vm_lru_lock);
	while (*left && !list_empty(&ddev->vm_lru)) {
		struct dsb_vm *v = list_first_entry(&ddev->vm_lru, struct dsb_vm, lru);

		(*left)--;
		list_move_tail(&v->lru, &ddev->vm_lru);
		if (v == except || !!atomic_read(&v->busy) != busy)
			continue;
		if (kref_get_unless_zero(&v->ref)) {
			vm = v;
			break;
		}
	}
	spin_unlock(&ddev->vm_lru_lock);
	return vm;
}

/*
 * Purge @vm's DONTNEED BOs, then (unless @purge_only) evict the others, if
 * its residency lock is free and it is idle.
 */
static u64 dsb_reclaim_try_evict(struct dsb_vm *vm, u64 want, unsigned long min_age,
				 bool purge_only)
{
	u64 freed = 0;

	if (!mutex_trylock(&vm->res_lock))
		return 0;
	if (!atomic_read(&vm->busy)) {
		freed = dsb_vm_purge_locked(vm, want);
		if (freed < want && !purge_only)
			freed += dsb_vm_evict_locked(vm, want - freed, min_age);
	}
	mutex_unlock(&vm->res_lock);
	return freed;
}

/*
 * One round over the idle VMs, leaving what was used within @min_age;
 * only DONTNEED BOs with @purge_only.
 */
static u64 dsb_reclaim_evict_round(struct dsb_device *ddev, u64 want,
				   struct dsb_vm *except, unsigned long min_age,
				   bool purge_only)
{
	unsigned int left = atomic_read(&ddev->stats.live_vms);
	struct dsb_vm *vm;
	u64 freed = 0;

	while (freed < want && (vm = dsb_reclaim_next_vm(ddev, &left, false, except))) {
		freed += dsb_reclaim_try_evict(vm, want - freed, min_age, purge_only);
		dsb_vm_put(vm);
	}
	return freed;
}

/**
 * dsb_reclaim_evict_idle() - purge, then evict, swappable BOs of idle VMs
 * @ddev: the device
 * @want: bytes wanted
 * @except: a VM not to touch (its residency lock is the caller's), or NULL
 *
 * A first round over every VM of the device purges the BOs marked
 * DONTNEED (when there are any); then VMs are visited round robin to
 * evict, leaving BOs used within the last %DSB_RECLAIM_MIN_AGE for a last
 * round. Only trylocks: safe from the shrinker and with any dsb lock held
 * but a VM lock.
 *
 * Return: bytes purged or evicted.
 */
u64 dsb_reclaim_evict_idle(struct dsb_device *ddev, u64 want, struct dsb_vm *except)
{
	u64 freed = 0;

	if (atomic64_read(&ddev->purgeable))
		freed = dsb_reclaim_evict_round(ddev, want, except, 0, true);
	if (freed < want)
		freed += dsb_reclaim_evict_round(ddev, want - freed, except,
						 DSB_RECLAIM_MIN_AGE, false);
	if (freed < want)
		freed += dsb_reclaim_evict_round(ddev, want - freed, except, 0, false);
	return freed;
}

/*
 * Wait, bounded, for the last fence armed on one busy VM, then evict it if
 * it went idle. This is the reclaim -> dma_fence edge: the wait is a real
 * dma_fence wait, with lockdep's annotation.
 */
static u64 dsb_reclaim_wait_busy(struct dsb_device *ddev, u64 want)
{
	unsigned int left = atomic_read(&ddev->stats.live_vms);
	struct dma_fence *fence;
	struct dsb_vm *vm;
	u64 freed = 0;
	long t;

	vm = dsb_reclaim_next_vm(ddev, &left, true, NULL);
	if (!vm)
		return 0;
	fence = dsb_vm_last_fence(vm);
	if (fence) {
		atomic64_inc(&ddev->stats.shrinker_waits);
#ifdef DSB_NEGATIVE_CONTROL
		atomic_inc(&dsb_reclaim_waiters);
#endif
		t = dma_fence_wait_timeout(fence, false,
					   msecs_to_jiffies(READ_ONCE(dsb_shrink_wait_ms)));
#ifdef DSB_NEGATIVE_CONTROL
		atomic_dec(&dsb_reclaim_waiters);
#endif
		trace_dsb_shrinker_wait(ddev->index, vm->client_id, t > 0);
		if (t <= 0)
			atomic64_inc(&ddev->stats.shrinker_wait_timeouts);
		else
			freed = dsb_reclaim_try_evict(vm, want, 0, false);
		dma_fence_put(fence);
	}
	dsb_vm_put(vm);
	return freed;
}

static unsigned long dsb_shrink_count(struct shrinker *s, struct shrink_control *sc)
{
	struct dsb_device *ddev = dsb_shrinker_priv(s);
	unsigned long pages = atomic64_read(&ddev->evictable) >> PAGE_SHIFT;

	return pages ?: SHRINK_EMPTY;
}

/**
 * dsb_reclaim_shrink() - what the shrinker does when asked for memory
 * @ddev: the device
 * @want: bytes wanted
 *
 * Purges and evicts idle VMs (dsb_reclaim_evict_idle()), then waits for a
 * busy one if that was not enough. In reclaim context, or from the
 * debugfs file ``dsb_shrink``, which tests use to reclaim a known amount.
 *
 * Return: bytes purged or evicted.
 */
u64 dsb_reclaim_shrink(struct dsb_device *ddev, u64 want)
{
	u64 freed;

	atomic64_inc(&ddev->stats.shrinker_scans);
	freed = dsb_reclaim_evict_idle(ddev, want, NULL);
	if (freed < want && READ_ONCE(dsb_shrink_wait_ms))
		freed += dsb_reclaim_wait_busy(ddev, want - freed);
	return freed;
}

static unsigned long dsb_shrink_scan(struct shrinker *s, struct shrink_control *sc)
{
	struct dsb_device *ddev = dsb_shrinker_priv(s);
	u64 freed;

	/* Eviction sleeps (vunmap, zapping CPU mappings) and may wait. */
	if (!(sc->gfp_mask & __GFP_DIRECT_RECLAIM))
		return SHRINK_STOP;
	freed = dsb_reclaim_shrink(ddev, (u64)sc->nr_to_scan << PAGE_SHIFT);
	return freed ? freed >> PAGE_SHIFT : SHRINK_STOP;
}

/**
 * dsb_reclaim_charge() - count bytes about to become resident
 * @ddev: the device
 * @bytes: how many
 * @except: a VM whose residency lock the caller holds, or NULL
 *
 * Beyond the device's pinned limit, idle VMs (other than @except) are
 * evicted to make room first. The eviction only trylocks, so a VM being
 * evicted by the shrinker at that moment is skipped: a few more rounds,
 * 1 ms apart (at most %DSB_RECLAIM_CHARGE_TRIES), let it finish.
 * Process context.
 *
 * Return: 0, -ENOMEM when there is no room, -EINTR for a fatal signal.
 */
int dsb_reclaim_charge(struct dsb_device *ddev, u64 bytes, struct dsb_vm *except)
{
	int tries;

	for (tries = 0; tries < DSB_RECLAIM_CHARGE_TRIES; tries++) {
		if (atomic64_add_return(bytes, &ddev->pinned) <= ddev->pinned_limit)
			return 0;
		atomic64_sub(bytes, &ddev->pinned);
		if (dsb_reclaim_evict_idle(ddev, bytes, except))
			continue;
		if (fatal_signal_pending(current))
			return -EINTR;
		usleep_range(1000, 2000);
	}
	return -ENOMEM;
}

/**
 * dsb_reclaim_uncharge() - bytes charged by dsb_reclaim_charge() are gone
 * @ddev: the device
 * @bytes: how many
 */
void dsb_reclaim_uncharge(struct dsb_device *ddev, u64 bytes)
{
	atomic64_sub(bytes, &ddev->pinned);
}

/*
 * Bytes of @bo that count in &dsb_device.purgeable while it is resident:
 * its size if it can be purged, else 0. Reservation lock held.
 */
static u64 dsb_reclaim_purgeable_size(const struct dsb_gem_object *bo)
{
	return dsb_bo_can_purge(bo) ? bo->base.size : 0;
}

/**
 * dsb_reclaim_restored() - a swappable BO became resident
 * @bo: the BO, charged with dsb_reclaim_charge(), its reservation lock held
 */
void dsb_reclaim_restored(struct dsb_gem_object *bo)
{
	struct dsb_device *ddev = to_dsb_device(bo->base.dev);

	atomic64_add(bo->base.size, &ddev->evictable);
	atomic64_add(dsb_reclaim_purgeable_size(bo), &ddev->purgeable);
	atomic64_inc(&ddev->stats.restores);
	atomic64_add(bo->base.size, &ddev->stats.restored_bytes);
}

/**
 * dsb_reclaim_evicted() - a swappable BO was evicted
 * @bo: the BO
 */
void dsb_reclaim_evicted(struct dsb_gem_object *bo)
{
	struct dsb_device *ddev = to_dsb_device(bo->base.dev);

	atomic64_inc(&ddev->stats.evictions);
	atomic64_add(bo->base.size, &ddev->stats.evicted_bytes);
}

/**
 * dsb_reclaim_purged() - a BO marked DONTNEED was purged
 * @bo: the BO
 * @bytes: bytes of RAM that freed
 */
void dsb_reclaim_purged(struct dsb_gem_object *bo, u64 bytes)
{
	struct dsb_device *ddev = to_dsb_device(bo->base.dev);

	atomic64_inc(&ddev->stats.purges);
	atomic64_add(bytes, &ddev->stats.purged_bytes);
}

/**
 * dsb_reclaim_pinned() - a resident swappable BO was exported: it stays
 * @bo: the BO, its reservation lock held, just marked pinned: a BO marked
 *      DONTNEED is no longer purgeable
 */
void dsb_reclaim_pinned(struct dsb_gem_object *bo)
{
	struct dsb_device *ddev = to_dsb_device(bo->base.dev);

	dma_resv_assert_held(bo->base.resv);
	if (bo->madv == DRM_DSB_MADV_DONTNEED)
		atomic64_sub(bo->base.size, &ddev->purgeable);
	atomic64_sub(bo->base.size, &ddev->evictable);
}

/**
 * dsb_reclaim_released() - a resident swappable BO is no longer resident
 * @bo: the BO, being evicted, purged or freed, its reservation lock held
 *      (or its last reference gone)
 */
void dsb_reclaim_released(struct dsb_gem_object *bo)
{
	struct dsb_device *ddev = to_dsb_device(bo->base.dev);

	if (!bo->pinned) {
		atomic64_sub(bo->base.size, &ddev->evictable);
		atomic64_sub(dsb_reclaim_purgeable_size(bo), &ddev->purgeable);
	}
	dsb_reclaim_uncharge(ddev, bo->base.size);
}

/**
 * dsb_reclaim_madvised() - userspace changed a BO's advice
 * @bo: the BO, its reservation lock held, with its new advice
 * @old: its advice before
 *
 * Keeps &dsb_device.purgeable, the resident bytes reclaim may purge.
 */
void dsb_reclaim_madvised(struct dsb_gem_object *bo, u8 old)
{
	struct dsb_device *ddev = to_dsb_device(bo->base.dev);

	dma_resv_assert_held(bo->base.resv);
	if (!bo->swappable || !bo->resident || bo->pinned || bo->madv == old)
		return;
	if (bo->madv == DRM_DSB_MADV_DONTNEED)
		atomic64_add(bo->base.size, &ddev->purgeable);
	else if (old == DRM_DSB_MADV_DONTNEED)
		atomic64_sub(bo->base.size, &ddev->purgeable);
}

/**
 * dsb_reclaim_trace_restore() - trace a VM's restore
 * @vm: the VM
 * @bytes: bytes made resident
 * @bos: number of BOs
 */
void dsb_reclaim_trace_restore(struct dsb_vm *vm, u64 bytes, u32 bos)
{
	trace_dsb_restore(vm->ddev->index, vm->client_id, bytes, bos);
}

/**
 * dsb_reclaim_trace_purge() - trace the purge of a VM's DONTNEED BOs
 * @vm: the VM
 * @bytes: bytes freed
 * @bos: number of BOs
 */
void dsb_reclaim_trace_purge(struct dsb_vm *vm, u64 bytes, u32 bos)
{
	trace_dsb_purge(vm->ddev->index, vm->client_id, bytes, bos);
}

/**
 * dsb_reclaim_trace_evict() - trace a VM's eviction
 * @vm: the VM
 * @bytes: bytes evicted
 * @bos: number of BOs
 */
void dsb_reclaim_trace_evict(struct dsb_vm *vm, u64 bytes, u32 bos)
{
	trace_dsb_evict(vm->ddev->index, vm->client_id, bytes, bos);
}

/**
 * dsb_reclaim_init() - set up a device's reclaim: VM list and shrinker
 * @ddev: the device
 *
 * Return: 0 or -ENOMEM.
 */
int dsb_reclaim_init(struct dsb_device *ddev)
{
	char name[16];

	spin_lock_init(&ddev->vm_lru_lock);
	INIT_LIST_HEAD(&ddev->vm_lru);
	snprintf(name, sizeof(name), "dsb-%u", ddev->index);
	ddev->shrinker = dsb_shrinker_create(dsb_shrink_count, dsb_shrink_scan, ddev, name);
	return ddev->shrinker ? 0 : -ENOMEM;
}

/**
 * dsb_reclaim_fini() - unregister a device's shrinker
 * @ddev: the device
 */
void dsb_reclaim_fini(struct dsb_device *ddev)
{
	dsb_shrinker_destroy(ddev->shrinker);
}
