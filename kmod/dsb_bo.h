/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Copyright (C) 2026 The dsb authors */
#ifndef __DSB_BO_H__
#define __DSB_BO_H__

#include <linux/iosys-map.h>
#include <linux/dma-resv.h>
#include <drm/drm_gem.h>

#include "dsb_drm.h"

struct dsb_device;
struct dsb_mem_client;
struct dsb_vm;

/**
 * struct dsb_gem_object - a dsb buffer object
 * @base: the GEM object
 * @vaddr: kernel mapping: for the whole life of a pinned BO or an import,
 *         while @resident for a swappable one
 * @import_buf: for an imported dma-buf, the buffer (we hold a reference)
 * @import_map: for an imported dma-buf, its kernel mapping
 * @user_readonly: userspace may only map it read-only
 * @is_ring: a queue ring: engine writes to it fault the queue
 * @no_implicit_sync: created with %DRM_DSB_BO_NO_IMPLICIT_SYNC
 * @charged: counted in &dsb_device.pinned
 * @swappable: backed by shmem, evicted while its VM is idle (dsb_reclaim.c)
 * @resident: a swappable BO's pages are pinned and mapped at @vaddr
 * @pinned: a swappable BO that was exported: resident until freed
 * @madv: %DRM_DSB_MADV_WILLNEED, %DRM_DSB_MADV_DONTNEED (userspace's advice,
 *        DRM_IOCTL_DSB_BO_MADVISE) or %DSB_MADV_PURGED, for good; under the
 *        reservation lock, read unlocked where a stale value is harmless
 * @last_used: jiffies of its last restore or CPU fault (a submit that finds
 *             it resident stamps &dsb_vm.last_used only): the
 *             shrinker leaves recently used BOs for last
 * @pages: the backing pages of a BO the driver allocated, vmap()ed at @vaddr;
 *         for a swappable BO, its pages while @resident (the array stays)
 * @mem: the accounting object charged for it (reference)
 * @mem_charge: bytes charged to @mem
 * @vm_maps: the VM mappings of a swappable BO (&dsb_mapping.bo_link), all
 *           of one VM, under its residency lock: eviction and purge take
 *           every one of them away from the engine
 */
struct dsb_gem_object {
	struct drm_gem_object base;
	void *vaddr;
	struct dma_buf *import_buf;
	struct iosys_map import_map;
	bool user_readonly;
	bool is_ring;
	bool no_implicit_sync;
	bool charged;
	bool swappable;
	bool resident;
	bool pinned;
	u8 madv;
	unsigned long last_used;
	struct page **pages;
	struct dsb_mem_client *mem;
	u64 mem_charge;
	struct list_head vm_maps;
};

/*
 * &dsb_gem_object.madv of a purged BO: its pages are gone and it never
 * becomes resident again. Beyond the uAPI's values.
 */
#define DSB_MADV_PURGED		2

static inline struct dsb_gem_object *to_dsb_bo(struct drm_gem_object *obj)
{
	return container_of(obj, struct dsb_gem_object, base);
}

struct dsb_gem_object *dsb_bo_create(struct dsb_device *ddev, struct dsb_mem_client *mem,
				     size_t size);
struct dsb_gem_object *dsb_bo_create_swappable(struct dsb_device *ddev,
					       struct dsb_mem_client *mem, size_t size);
int dsb_bo_restore_locked(struct dsb_gem_object *bo, struct dsb_vm *except);
u64 dsb_bo_evict_locked(struct dsb_gem_object *bo);
u64 dsb_bo_purge_locked(struct dsb_gem_object *bo);

/**
 * dsb_bo_evictable() - whether the shrinker may evict a BO now
 * @bo: the BO, its reservation lock held
 *
 * Return: true for a resident swappable BO that was never exported and
 * that userspace did not mark DONTNEED (those are purged, never swapped).
 */
static inline bool dsb_bo_evictable(struct dsb_gem_object *bo)
{
	dma_resv_assert_held(bo->base.resv);
	return bo->swappable && bo->resident && !bo->pinned &&
	       bo->madv == DRM_DSB_MADV_WILLNEED;
}

/**
 * dsb_bo_can_purge() - whether a BO's pages may be discarded
 * @bo: the BO
 *
 * Caller holds the reservation lock, or reads a snapshot.
 *
 * Return: true for a swappable BO that was never exported and that
 * userspace marked DONTNEED (resident or not).
 */
static inline bool dsb_bo_can_purge(const struct dsb_gem_object *bo)
{
	return bo->swappable && !READ_ONCE(bo->pinned) &&
	       READ_ONCE(bo->madv) == DRM_DSB_MADV_DONTNEED;
}

/**
 * dsb_bo_purged() - whether a BO was purged
 * @bo: the BO
 *
 * A purged BO stays purged, so an unlocked read that says so is final.
 *
 * Return: true when its contents are gone.
 */
static inline bool dsb_bo_purged(const struct dsb_gem_object *bo)
{
	return READ_ONCE(bo->madv) == DSB_MADV_PURGED;
}

void dsb_bo_put(struct dsb_gem_object *bo);
int dsb_bo_allow_mmap(struct dsb_gem_object *bo, struct drm_file *file, u64 *offset);
struct drm_gem_object *dsb_gem_prime_import(struct drm_device *dev,
					    struct dma_buf *buf);

int dsb_ioctl_bo_create(struct drm_device *dev, void *data, struct drm_file *file);
int dsb_ioctl_bo_info(struct drm_device *dev, void *data, struct drm_file *file);
int dsb_ioctl_bo_madvise(struct drm_device *dev, void *data, struct drm_file *file);

#endif /* __DSB_BO_H__ */
