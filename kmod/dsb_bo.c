// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Copyright (C) 2026 The dsb authors */
/**
 * DOC: Buffer objects
 *
 * dsb has two kinds of BO:
 *
 * - *pinned*: zeroed pages allocated with __GFP_ACCOUNT (charged to the
 *   caller's memory cgroup), vmap()ed as a user-mappable area, resident for
 *   their whole life. Queue regions (ring, control page, fence memory,
 *   SQ/CQ) are pinned BOs, some mapped read-only: other queues' GPU-side
 *   waits read fence memory at any time.
 * - *swappable*: what DRM_IOCTL_DSB_BO_CREATE makes. Backed by a shmem
 *   file, so the pages are charged to the memory cgroup of the process
 *   that first touches them and can go to swap. They are pinned and
 *   kernel-mapped only while *resident*: from the first CPU fault or the
 *   first submit of the VM that maps them, until the shrinker evicts them
 *   (dsb_reclaim.c). CPU mappings are PFN mappings filled by
 *   dsb_bo_fault(), which restores an evicted BO; eviction zaps them. A
 *   swappable BO that is exported becomes resident for good (*pinned*):
 *   importers may map it at any time.
 *
 * Purgeable: userspace may mark a swappable BO DONTNEED
 * (DRM_IOCTL_DSB_BO_MADVISE), allowing its contents to be discarded. Such a
 * BO is never evicted: reclaim *purges* it instead (dsb_bo_purge_locked():
 * CPU mappings zapped, pages unpinned and truncated from its shmem file,
 * swap included), and it stays purged: never resident again, a CPU fault
 * on it is SIGBUS, a restore -ENODATA. A DONTNEED BO that is not resident
 * is purged when marked, so a DONTNEED BO is resident until purged (or
 * marked WILLNEED). Exported BOs and imports are never purged.
 *
 * The engine reaches a BO only through a VM mapping (dsb_vm.c), whose
 * kernel pointer is cleared before the BO is evicted and set again only in
 * a submit's prepare phase.
 *
 * PRIME export goes through the DRM core; import of a dsb BO into the same
 * device returns the same object, any other dma-buf is wrapped and
 * kernel-mapped with dma_buf_vmap() at import time: it follows the
 * exporter's rules and is never evicted by dsb. The mapping keeps the
 * exporter's pages pinned, so an import counts as a pinned BO of its size.
 *
 * Every BO is charged to a &struct dsb_mem_client (dsb_mem.c) before it is
 * allocated, whole, resident or not: its pages, page array and object for
 * a BO of ours and for an import (whose pages the exporter pins for us).
 * The BO keeps a reference on the client, so the charge is given back when
 * the last reference goes, whoever holds it. Resident bytes are counted
 * in &dsb_device.pinned, against the device's pinned limit.
 */
#include <linux/dma-buf.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/pagevec.h>
#include <linux/shmem_fs.h>
#include <linux/swap.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <drm/drm_prime.h>
#include <drm/drm_vma_manager.h>

#include "dsb_compat.h"
#include "dsb_drv.h"
#include "dsb_bo.h"
#include "dsb_mem.h"
#include "dsb_reclaim.h"
#include "dsb_vm.h"

/**
 * dsb_bo_free_pages() - unmap and free the pages of a BO of ours
 * @bo: the BO, whose pages may be allocated only in part
 */
static void dsb_bo_free_pages(struct dsb_gem_object *bo)
{
	unsigned int i, n = bo->base.size >> PAGE_SHIFT;

	if (!bo->pages)
		return;
	if (bo->vaddr)
		vunmap(bo->vaddr);
	for (i = 0; i < n && bo->pages[i]; i++)
		__free_page(bo->pages[i]);
	kvfree(bo->pages);
}

/* Pages of a swappable BO: no OOM kill on their behalf, no warning. */
#define DSB_BO_SHMEM_GFP (GFP_HIGHUSER | __GFP_RETRY_MAYFAIL | __GFP_NOWARN)

/* Drop a batch of page references, back on the evictable LRU first. */
static void dsb_bo_release_batch(struct folio_batch *fbatch)
{
	check_move_unevictable_folios(fbatch);
	folio_batch_release(fbatch);
	cond_resched();
}

/*
 * Unpin the first @n pages of a swappable BO: shmem may swap them now.
 * While pinned its mapping is unevictable, so reclaim does not scan pages
 * it cannot free; they go back on the evictable LRU here, as
 * drm_gem_put_pages() does. Pages whose contents are discarded next (a
 * purge truncates them, a freed BO's shmem file goes) are not marked dirty
 * or accessed (@keep false).
 */
static void dsb_bo_put_shmem_pages(struct dsb_gem_object *bo, unsigned int n, bool keep)
{
	struct folio_batch fbatch;
	unsigned int i;

	mapping_clear_unevictable(bo->base.filp->f_mapping);
	folio_batch_init(&fbatch);
	for (i = 0; i < n; i++) {
		struct folio *folio = page_folio(bo->pages[i]);

		if (keep) {
			folio_mark_dirty(folio);
			folio_mark_accessed(folio);
		}
		bo->pages[i] = NULL;
		/* One reference per page: shmem_read_mapping_page_gfp() took it. */
		if (!folio_batch_add(&fbatch, folio))
			dsb_bo_release_batch(&fbatch);
	}
	if (folio_batch_count(&fbatch))
		dsb_bo_release_batch(&fbatch);
}

/* The last reference to a swappable BO is gone: unpin, no counter left behind. */
static void dsb_bo_free_swappable(struct dsb_gem_object *bo)
{
	if (bo->resident) {
		vunmap(bo->vaddr);
		dsb_bo_put_shmem_pages(bo, bo->base.size >> PAGE_SHIFT, false);
		dsb_reclaim_released(bo);
	}
	kvfree(bo->pages);
}

static void dsb_bo_free(struct drm_gem_object *obj)
{
	struct dsb_gem_object *bo = to_dsb_bo(obj);
	struct dsb_device *ddev = to_dsb_device(obj->dev);

	if (bo->import_buf) {
		dsb_dma_buf_vunmap(bo->import_buf, &bo->import_map);
		dma_buf_put(bo->import_buf);
	} else if (bo->swappable) {
		dsb_bo_free_swappable(bo);
	} else {
		dsb_bo_free_pages(bo);
	}
	if (bo->charged)
		atomic64_sub(obj->size, &ddev->pinned);
	drm_gem_object_release(obj);
	dsb_mem_uncharge(bo->mem, bo->mem_charge);
	dsb_mem_client_put(bo->mem);
	kfree(bo);
	atomic_dec(&ddev->stats.live_bos);
}

/* The file's last handle to the BO is gone: so is its GPU mapping there. */
static void dsb_bo_close(struct drm_gem_object *obj, struct drm_file *file)
{
	struct dsb_file *df = file->driver_priv;

	if (df && df->vm)
		dsb_vm_unmap(df->vm, to_dsb_bo(obj));
}

static int dsb_bo_vmap(struct drm_gem_object *obj, struct iosys_map *map)
{
	struct dsb_gem_object *bo = to_dsb_bo(obj);

	/* Only exported BOs are mapped this way: pinned, so resident. */
	if (bo->swappable && !bo->pinned)
		return -EBUSY;
	iosys_map_set_vaddr(map, bo->vaddr);
	return 0;
}

static void dsb_bo_vunmap(struct drm_gem_object *obj, struct iosys_map *map)
{
	/* The kernel mapping lives as long as the BO (or its pinning). */
}

static struct sg_table *dsb_bo_get_sg_table(struct drm_gem_object *obj)
{
	struct dsb_gem_object *bo = to_dsb_bo(obj);

	if (bo->import_buf)
		return ERR_PTR(-EOPNOTSUPP);
	if (bo->swappable && !bo->pinned)
		return ERR_PTR(-EBUSY);
	return drm_prime_pages_to_sg(obj->dev, bo->pages, obj->size >> PAGE_SHIFT);
}

static int dsb_bo_mmap(struct drm_gem_object *obj, struct vm_area_struct *vma)
{
	struct dsb_gem_object *bo = to_dsb_bo(obj);
	int ret;

	if (bo->swappable) {
		/*
		 * PFN mapping filled at fault time; vm_pgoff keeps the fake
		 * offset, which is how eviction finds it to zap it.
		 */
		if (is_cow_mapping(vma->vm_flags))
			return -EINVAL;
		dsb_vma_set_flags(vma, VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP);
		vma->vm_page_prot = vm_get_page_prot(vma->vm_flags);
		return 0;
	}
	vma->vm_pgoff -= drm_vma_node_start(&obj->vma_node);
	if (bo->import_buf) {
		/* Hand the mapping to the exporter, as the shmem helpers do. */
		vma->vm_private_data = NULL;
		vma->vm_ops = NULL;
		ret = dma_buf_mmap(bo->import_buf, vma, 0);
		if (!ret)
			drm_gem_object_put(obj);
		return ret;
	}
	if (bo->user_readonly) {
		if (vma->vm_flags & VM_WRITE)
			return -EACCES;
		dsb_vma_clear_maywrite(vma);
	}
	return remap_vmalloc_range(vma, bo->vaddr, vma->vm_pgoff);
}

/**
 * dsb_bo_fault() - CPU fault on a swappable BO
 * @vmf: the fault
 *
 * Restores the BO if it was evicted, then maps the page. Runs under the
 * mmap lock and takes the BO's reservation lock, the order dma-resv
 * primes lockdep with.
 *
 * Return: VM_FAULT_NOPAGE, or VM_FAULT_SIGBUS when the BO cannot be made
 * resident (out of memory or of the pinned limit, or purged) or the
 * address is past its end.
 */
static vm_fault_t dsb_bo_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct drm_gem_object *obj = vma->vm_private_data;
	struct dsb_gem_object *bo = to_dsb_bo(obj);
	vm_fault_t ret = VM_FAULT_SIGBUS;
	pgoff_t pg;

	pg = vma->vm_pgoff - drm_vma_node_start(&obj->vma_node) +
	     ((vmf->address - vma->vm_start) >> PAGE_SHIFT);
	if (pg >= obj->size >> PAGE_SHIFT)
		return VM_FAULT_SIGBUS;
	dma_resv_lock(obj->resv, NULL);
	WRITE_ONCE(bo->last_used, jiffies);
	if (!dsb_bo_restore_locked(bo, NULL))
		ret = vmf_insert_pfn(vma, vmf->address, page_to_pfn(bo->pages[pg]));
	dma_resv_unlock(obj->resv);
	return ret;
}

/* Exporting pins a swappable BO: importers may map it at any time. */
static struct dma_buf *dsb_bo_export(struct drm_gem_object *obj, int flags)
{
	struct dsb_gem_object *bo = to_dsb_bo(obj);
	int ret;

	if (bo->swappable) {
		ret = dma_resv_lock_interruptible(obj->resv, NULL);
		if (ret)
			return ERR_PTR(ret);
		ret = dsb_bo_restore_locked(bo, NULL);
		if (!ret && !bo->pinned) {
			bo->pinned = true;
			dsb_reclaim_pinned(bo);
		}
		dma_resv_unlock(obj->resv);
		if (ret)
			return ERR_PTR(ret);
	}
	return drm_gem_prime_export(obj, flags);
}

static const struct vm_operations_struct dsb_bo_vm_ops = {
	.open = drm_gem_vm_open,
	.close = drm_gem_vm_close,
};

static const struct vm_operations_struct dsb_bo_swappable_vm_ops = {
	.fault = dsb_bo_fault,
	.open = drm_gem_vm_open,
	.close = drm_gem_vm_close,
};

static const struct drm_gem_object_funcs dsb_bo_funcs = {
	.free = dsb_bo_free,
	.close = dsb_bo_close,
	.get_sg_table = dsb_bo_get_sg_table,
	.vmap = dsb_bo_vmap,
	.vunmap = dsb_bo_vunmap,
	.mmap = dsb_bo_mmap,
	.vm_ops = &dsb_bo_vm_ops,
};

static const struct drm_gem_object_funcs dsb_bo_swappable_funcs = {
	.free = dsb_bo_free,
	.close = dsb_bo_close,
	.export = dsb_bo_export,
	.get_sg_table = dsb_bo_get_sg_table,
	.vmap = dsb_bo_vmap,
	.vunmap = dsb_bo_vunmap,
	.mmap = dsb_bo_mmap,
	.vm_ops = &dsb_bo_swappable_vm_ops,
};

/**
 * dsb_bo_alloc() - charge and allocate the object of a BO
 * @ddev: the device
 * @mem: the accounting object to charge
 * @size: size of the BO
 * @charge: bytes to charge @mem, the object included
 * @swappable: back it with a shmem file
 *
 * From here on dsb_bo_free() uncharges, whatever happens.
 *
 * Return: the BO, or an ERR_PTR (-EDQUOT, -ENOMEM).
 */
static struct dsb_gem_object *dsb_bo_alloc(struct dsb_device *ddev,
					   struct dsb_mem_client *mem,
					   size_t size, u64 charge, bool swappable)
{
	struct dsb_gem_object *bo;
	int ret;

	charge += dsb_mem_kmalloc_size(sizeof(*bo));
	bo = dsb_mem_kzalloc(mem, sizeof(*bo), charge);
	if (IS_ERR(bo))
		return bo;
	bo->mem = dsb_mem_client_get(mem);
	bo->mem_charge = charge;
	bo->swappable = swappable;
	INIT_LIST_HEAD(&bo->vm_maps);
	bo->base.funcs = swappable ? &dsb_bo_swappable_funcs : &dsb_bo_funcs;
	atomic_inc(&ddev->stats.live_bos);
	if (!swappable) {
		drm_gem_private_object_init(&ddev->drm, &bo->base, size);
		return bo;
	}
	/*
	 * Initialises the object even when it fails: put frees it. A shmem
	 * file that cannot be set up is out of memory to the caller (shmem
	 * says -ENOSPC when it cannot allocate the inode).
	 */
	ret = drm_gem_object_init(&ddev->drm, &bo->base, size);
	if (ret) {
		drm_gem_object_put(&bo->base);
		return ERR_PTR(-ENOMEM);
	}
	mapping_set_gfp_mask(bo->base.filp->f_mapping, DSB_BO_SHMEM_GFP);
	return bo;
}

/**
 * dsb_bo_alloc_pages() - back a BO with zeroed pages and kernel-map them
 * @bo: the BO, already charged for its pages and page array
 *
 * The pages are charged to the caller's memory cgroup (__GFP_ACCOUNT);
 * on failure dsb_bo_free_pages() frees what was allocated.
 *
 * Return: 0, -ENOMEM, or -EINTR for a caller with a fatal signal.
 */
static int dsb_bo_alloc_pages(struct dsb_gem_object *bo)
{
	unsigned int i, n = bo->base.size >> PAGE_SHIFT;

	bo->pages = kvcalloc(n, sizeof(*bo->pages), GFP_KERNEL_ACCOUNT);
	if (!bo->pages)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		/* Up to 65,536 pages: a dying caller stops, others yield. */
		if (!(i % 512)) {
			if (fatal_signal_pending(current))
				return -EINTR;
			cond_resched();
		}
		bo->pages[i] = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
		if (!bo->pages[i])
			return -ENOMEM;
	}
	/* VM_USERMAP: dsb_bo_mmap() maps it with remap_vmalloc_range(). */
	bo->vaddr = vmap(bo->pages, n, VM_MAP | VM_USERMAP, PAGE_KERNEL);
	return bo->vaddr ? 0 : -ENOMEM;
}

/*
 * The end of a BO creation: after @ret (the backing's allocation), the
 * mmap offset; on any failure the BO's one reference is dropped, which
 * frees it and uncharges it.
 */
static struct dsb_gem_object *dsb_bo_create_finish(struct dsb_gem_object *bo, int ret)
{
	if (!ret)
		ret = drm_gem_create_mmap_offset(&bo->base);
	if (ret) {
		drm_gem_object_put(&bo->base);
		return ERR_PTR(ret);
	}
	return bo;
}

/*
 * A BO whose @size bytes of pages stay resident for its whole life (its
 * own pinned pages, or an import's, which the exporter pins for the
 * mapping): counted in the device's pinned bytes (idle VMs are evicted to
 * make room) and charged to @mem with the array of page pointers.
 */
static struct dsb_gem_object *dsb_bo_alloc_pinned(struct dsb_device *ddev,
						  struct dsb_mem_client *mem, size_t size)
{
	struct dsb_gem_object *bo;
	u64 charge;
	int ret;

	/* Charged before allocating; dsb_bo_free() uncharges whatever happens. */
	ret = dsb_reclaim_charge(ddev, size, NULL);
	if (ret)
		return ERR_PTR(ret);
	charge = size + dsb_mem_kmalloc_size((size >> PAGE_SHIFT) * sizeof(struct page *));
	bo = dsb_bo_alloc(ddev, mem, size, charge, false);
	if (IS_ERR(bo)) {
		dsb_reclaim_uncharge(ddev, size);
		return bo;
	}
	bo->charged = true;
	return bo;
}

/**
 * dsb_bo_create() - allocate a pinned, kernel-mapped, zeroed BO
 * @ddev: the device
 * @mem: the accounting object to charge
 * @size: size in bytes, rounded up to pages
 *
 * Return: the BO with one reference, or an ERR_PTR: -EDQUOT beyond the
 * accounting limits, -ENOMEM beyond the device's pinned limit (once idle
 * VMs are evicted) or when an allocation fails, -EINTR for a fatal signal
 * while making room.
 */
struct dsb_gem_object *dsb_bo_create(struct dsb_device *ddev, struct dsb_mem_client *mem,
				     size_t size)
{
	struct dsb_gem_object *bo;

	bo = dsb_bo_alloc_pinned(ddev, mem, PAGE_ALIGN(size));
	if (IS_ERR(bo))
		return bo;
	return dsb_bo_create_finish(bo, dsb_bo_alloc_pages(bo));
}

/**
 * dsb_bo_create_swappable() - create a shmem-backed BO, not yet resident
 * @ddev: the device
 * @mem: the accounting object to charge
 * @size: size in bytes, rounded up to pages
 *
 * The whole size is charged to @mem now, so a user's limit bounds what it
 * may have in RAM and swap together; no page is allocated until the BO is
 * first made resident (dsb_bo_restore_locked()). New pages read as zero.
 *
 * Return: the BO with one reference, or an ERR_PTR: -EDQUOT beyond the
 * accounting limits, -ENOMEM when an allocation fails.
 */
struct dsb_gem_object *dsb_bo_create_swappable(struct dsb_device *ddev,
					       struct dsb_mem_client *mem, size_t size)
{
	struct dsb_gem_object *bo;
	size_t n;
	u64 charge;

	size = PAGE_ALIGN(size);
	n = size >> PAGE_SHIFT;
	charge = size + dsb_mem_kmalloc_size(n * sizeof(struct page *));
	bo = dsb_bo_alloc(ddev, mem, size, charge, true);
	if (IS_ERR(bo))
		return bo;
	bo->pages = kvcalloc(n, sizeof(*bo->pages), GFP_KERNEL_ACCOUNT);
	return dsb_bo_create_finish(bo, bo->pages ? 0 : -ENOMEM);
}

/**
 * dsb_bo_restore_locked() - make a swappable BO resident
 * @bo: the BO, its reservation lock held
 * @except: a VM whose residency lock the caller holds, which is not to be
 *          evicted to make room (may be NULL)
 *
 * Pins the BO's pages, allocating zeroed ones or reading them back from
 * swap, and maps them. Where that would pass the device's pinned limit,
 * idle VMs are evicted first (dsb_reclaim_charge()). Process context: it
 * sleeps and allocates, and is never reached from the signalling path.
 * Up to 65,536 pages: a dying caller stops, others yield.
 *
 * Return: 0 (also for a BO that was resident or is not swappable),
 * -ENOMEM (no room, or an allocation failed), -EINTR for a caller with a
 * fatal signal, -ENODATA for a purged BO.
 */
int dsb_bo_restore_locked(struct dsb_gem_object *bo, struct dsb_vm *except)
{
	struct dsb_device *ddev = to_dsb_device(bo->base.dev);
	unsigned int i, n = bo->base.size >> PAGE_SHIFT;
	struct address_space *mapping;
	int ret;

	dma_resv_assert_held(bo->base.resv);
	if (!bo->swappable || bo->resident)
		return 0;
	if (bo->madv == DSB_MADV_PURGED)
		return -ENODATA;
	ret = dsb_reclaim_charge(ddev, bo->base.size, except);
	if (ret)
		return ret;
	mapping = bo->base.filp->f_mapping;
	mapping_set_unevictable(mapping);
	for (i = 0; i < n; i++) {
		struct page *page;

		if (!(i % 512)) {
			if (fatal_signal_pending(current)) {
				ret = -EINTR;
				goto err;
			}
			cond_resched();
		}
		page = shmem_read_mapping_page_gfp(mapping, i, DSB_BO_SHMEM_GFP);
		if (IS_ERR(page)) {
			ret = -ENOMEM;
			goto err;
		}
		bo->pages[i] = page;
	}
	bo->vaddr = vmap(bo->pages, n, VM_MAP, PAGE_KERNEL);
	if (!bo->vaddr) {
		ret = -ENOMEM;
		goto err;
	}
	bo->resident = true;
	WRITE_ONCE(bo->last_used, jiffies);
	dsb_reclaim_restored(bo);
	return 0;

err:
	dsb_bo_put_shmem_pages(bo, i, true);
	dsb_reclaim_uncharge(ddev, bo->base.size);
	return ret;
}

/**
 * dsb_bo_evict_locked() - evict a resident swappable BO
 * @bo: the BO, its reservation lock held; no VM mapping may hand its
 *      kernel address to the engine any more (dsb_vm_evict_locked())
 *
 * Zaps its CPU mappings (the next access faults and restores it), unmaps
 * and unpins its pages: shmem may swap them. Allocates nothing; called
 * from the shrinker.
 *
 * Return: bytes evicted, 0 for a BO that is not evictable.
 */
u64 dsb_bo_evict_locked(struct dsb_gem_object *bo)
{
	if (!dsb_bo_evictable(bo))
		return 0;
	drm_vma_node_unmap(&bo->base.vma_node, bo->base.dev->anon_inode->i_mapping);
	vunmap(bo->vaddr);
	bo->vaddr = NULL;
	bo->resident = false;
	dsb_bo_put_shmem_pages(bo, bo->base.size >> PAGE_SHIFT, true);
	dsb_reclaim_released(bo);
	dsb_reclaim_evicted(bo);
	return bo->base.size;
}

/**
 * dsb_bo_purge_locked() - discard the contents of a BO marked DONTNEED
 * @bo: the BO, its reservation lock held; if resident, no VM mapping may
 *      hand its kernel address to the engine any more
 *      (dsb_vm_mark_purged_locked())
 *
 * Zaps its CPU mappings, unmaps and unpins its pages, and truncates its
 * shmem file, which frees the pages and any swap they had, as
 * drm_gem_shmem_purge() does. The BO is purged for good. Allocates
 * nothing; called from the shrinker.
 *
 * Return: bytes of RAM freed (0 for a BO that was not resident, or that
 * cannot be purged).
 */
u64 dsb_bo_purge_locked(struct dsb_gem_object *bo)
{
	struct inode *inode;
	u64 freed = 0;

	dma_resv_assert_held(bo->base.resv);
	if (!dsb_bo_can_purge(bo))
		return 0;
	if (bo->resident) {
		drm_vma_node_unmap(&bo->base.vma_node, bo->base.dev->anon_inode->i_mapping);
		vunmap(bo->vaddr);
		bo->vaddr = NULL;
		bo->resident = false;
		dsb_bo_put_shmem_pages(bo, bo->base.size >> PAGE_SHIFT, false);
		/* Still DONTNEED here: leaves the purgeable bytes too. */
		dsb_reclaim_released(bo);
		freed = bo->base.size;
	}
	WRITE_ONCE(bo->madv, DSB_MADV_PURGED);
	inode = file_inode(bo->base.filp);
	shmem_truncate_range(inode, 0, (loff_t)-1);
	invalidate_mapping_pages(inode->i_mapping, 0, (pgoff_t)-1);
	dsb_reclaim_purged(bo, freed);
	return freed;
}

/**
 * dsb_bo_put() - drop a reference to a BO
 * @bo: the BO, may be NULL
 *
 * May free the BO: process context, no spinlock held.
 */
void dsb_bo_put(struct dsb_gem_object *bo)
{
	if (bo)
		drm_gem_object_put(&bo->base);
}

/**
 * dsb_bo_allow_mmap() - let a file mmap a BO it has no handle for
 * @bo: the BO (a queue region)
 * @file: the file
 * @offset: out, the mmap offset
 *
 * Undo with drm_vma_node_revoke().
 *
 * Return: 0 or -ENOMEM.
 */
int dsb_bo_allow_mmap(struct dsb_gem_object *bo, struct drm_file *file, u64 *offset)
{
	int ret = drm_vma_node_allow(&bo->base.vma_node, file);

	if (!ret)
		*offset = drm_vma_node_offset_addr(&bo->base.vma_node);
	return ret;
}

/**
 * dsb_gem_prime_import() - import a dma-buf
 * @dev: the importing device
 * @buf: the dma-buf
 *
 * A BO exported by this very device comes back as itself. Anything else,
 * including a BO of another dsb device, is kernel-mapped once here, so the
 * engine can reach it without allocating. The mapping keeps the
 * exporter's pages pinned while the import lives, so the import costs what
 * a pinned BO of its size costs: its size (and page array) is charged to
 * the importing user, and counted against the device's pinned limit.
 *
 * Return: the GEM object or an ERR_PTR: -EDQUOT beyond the importer's
 * memory limits, -ENOMEM beyond the device's pinned limit.
 */
struct drm_gem_object *dsb_gem_prime_import(struct drm_device *dev,
					    struct dma_buf *buf)
{
	struct dsb_mem_client *mem;
	struct dsb_gem_object *bo;
	int ret;

	if (buf->owner == THIS_MODULE) {
		struct drm_gem_object *obj = buf->priv;

		if (obj->dev == dev) {
			drm_gem_object_get(obj);
			return obj;
		}
	}
	if (!PAGE_ALIGNED(buf->size) || buf->size > DSB_MAX_BO_SIZE)
		return ERR_PTR(-EINVAL);

	/* Called in the importing process: charge its user. */
	mem = dsb_mem_client_get_current();
	if (!mem)
		return ERR_PTR(-ENOMEM);
	bo = dsb_bo_alloc_pinned(to_dsb_device(dev), mem, buf->size);
	dsb_mem_client_put(mem);
	if (IS_ERR(bo))
		return ERR_CAST(bo);
	get_dma_buf(buf);
	ret = dsb_dma_buf_vmap(buf, &bo->import_map);
	if (ret)
		goto err_put_buf;
	if (bo->import_map.is_iomem) {
		dsb_dma_buf_vunmap(buf, &bo->import_map);
		ret = -EOPNOTSUPP;
		goto err_put_buf;
	}
	bo->import_buf = buf;
	bo->vaddr = bo->import_map.vaddr;
	/* Implicit sync with the exporter and its other importers. */
	bo->base.resv = buf->resv;
	ret = drm_gem_create_mmap_offset(&bo->base);
	if (ret)
		goto err_put;
	return &bo->base;

err_put_buf:
	dma_buf_put(buf);
err_put:
	drm_gem_object_put(&bo->base);
	return ERR_PTR(ret);
}

/**
 * dsb_ioctl_bo_create() - DRM_IOCTL_DSB_BO_CREATE
 * @dev: the DRM device
 * @data: &struct drm_dsb_bo_create
 * @file: the caller's file
 *
 * Return: 0 or a negative errno, see the uAPI header.
 */
int dsb_ioctl_bo_create(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_dsb_bo_create *args = data;
	struct dsb_file *df = file->driver_priv;
	struct dsb_gem_object *bo;
	u32 handle;
	u64 va;
	int ret;

	if (args->flags & ~DRM_DSB_BO_NO_IMPLICIT_SYNC || !args->size)
		return -EINVAL;
	if (args->size > DSB_MAX_BO_SIZE)
		return -E2BIG;

	bo = dsb_bo_create_swappable(to_dsb_device(dev), df->mem, args->size);
	if (IS_ERR(bo))
		return PTR_ERR(bo);
	bo->no_implicit_sync = args->flags & DRM_DSB_BO_NO_IMPLICIT_SYNC;
	ret = dsb_vm_map(df->vm, bo, &va);
	if (ret)
		goto out_put;
	ret = drm_gem_handle_create(file, &bo->base, &handle);
	if (ret) {
		dsb_vm_unmap(df->vm, bo);
		goto out_put;
	}
	args->handle = handle;
	args->size = bo->base.size;
	args->va = va;
	args->mmap_offset = drm_vma_node_offset_addr(&bo->base.vma_node);
out_put:
	/* The handle (if any) holds the BO now. */
	dsb_bo_put(bo);
	return ret;
}

/**
 * dsb_ioctl_bo_info() - DRM_IOCTL_DSB_BO_INFO
 * @dev: the DRM device
 * @data: &struct drm_dsb_bo_info
 * @file: the caller's file
 *
 * Return: 0, -EINVAL for a nonzero pad, -ENOENT for a bad handle, -ENOMEM.
 */
int dsb_ioctl_bo_info(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_dsb_bo_info *args = data;
	struct dsb_file *df = file->driver_priv;
	struct drm_gem_object *obj;
	u64 va;
	int ret;

	if (args->pad)
		return -EINVAL;
	obj = drm_gem_object_lookup(file, args->handle);
	if (!obj)
		return -ENOENT;
	ret = dsb_vm_map(df->vm, to_dsb_bo(obj), &va);
	if (!ret) {
		args->size = obj->size;
		args->va = va;
		args->mmap_offset = drm_vma_node_offset_addr(&obj->vma_node);
	}
	drm_gem_object_put(obj);
	return ret;
}

/**
 * dsb_ioctl_bo_madvise() - DRM_IOCTL_DSB_BO_MADVISE
 * @dev: the DRM device
 * @data: &struct drm_dsb_bo_madvise
 * @file: the caller's file
 *
 * Records the advice under the BO's reservation lock; a purged BO keeps
 * its state. A BO marked DONTNEED that is not resident is purged here (see
 * "Buffer objects"): nothing of it is in RAM, and only a restore could
 * need its pages again. Exported BOs and imports take the advice but are
 * never purged.
 *
 * Return: 0 with &drm_dsb_bo_madvise.retained set, -EINVAL for an unknown
 * advice or a nonzero pad, -ENOENT for a bad handle, -EINTR for a signal
 * while waiting for the reservation lock.
 */
int dsb_ioctl_bo_madvise(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_dsb_bo_madvise *args = data;
	struct drm_gem_object *obj;
	struct dsb_gem_object *bo;
	int ret;

	if (args->pad || (args->madv != DRM_DSB_MADV_WILLNEED &&
			  args->madv != DRM_DSB_MADV_DONTNEED))
		return -EINVAL;
	obj = drm_gem_object_lookup(file, args->handle);
	if (!obj)
		return -ENOENT;
	bo = to_dsb_bo(obj);
	ret = dma_resv_lock_interruptible(obj->resv, NULL);
	if (ret)
		goto out_put;
	if (bo->madv != DSB_MADV_PURGED) {
		u8 old = bo->madv;

		WRITE_ONCE(bo->madv, args->madv);
		dsb_reclaim_madvised(bo, old);
		if (!bo->resident)
			dsb_bo_purge_locked(bo);
	}
	args->retained = bo->madv != DSB_MADV_PURGED;
	dma_resv_unlock(obj->resv);
out_put:
	drm_gem_object_put(obj);
	return ret;
}
