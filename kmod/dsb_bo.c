// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Copyright (C) 2026 The dsb authors */
/**
 * DOC: Buffer objects
 *
 * A dsb BO is zeroed pages, allocated with __GFP_ACCOUNT (charged to the
 * caller's memory cgroup), vmap()ed as a user-mappable area, and pinned for
 * its whole life: the engine reads and writes it through that mapping
 * without ever allocating. Userspace maps it through the DRM fake offset;
 * queue regions (ring, control page, fence memory, SQ/CQ) are dsb BOs too,
 * some mapped read-only. PRIME export goes through the DRM core; import of
 * a dsb BO into the same device returns the same object, any other dma-buf
 * is wrapped and kernel-mapped with dma_buf_vmap() at import time.
 *
 * Every BO is charged to a &struct dsb_mem_client (dsb_mem.c) before it is
 * allocated: its pages, page array and object for a BO of ours, the
 * object for an import (the exporter owns the pages). The BO keeps a
 * reference on the client, so the charge is given back when the last
 * reference goes, whoever holds it.
 */
#include <linux/dma-buf.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <drm/drm_prime.h>
#include <drm/drm_vma_manager.h>

#include "dsb_compat.h"
#include "dsb_drv.h"
#include "dsb_bo.h"
#include "dsb_mem.h"
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

static void dsb_bo_free(struct drm_gem_object *obj)
{
	struct dsb_gem_object *bo = to_dsb_bo(obj);
	struct dsb_device *ddev = to_dsb_device(obj->dev);

	if (bo->import_buf) {
		dsb_dma_buf_vunmap(bo->import_buf, &bo->import_map);
		dma_buf_put(bo->import_buf);
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
	iosys_map_set_vaddr(map, to_dsb_bo(obj)->vaddr);
	return 0;
}

static void dsb_bo_vunmap(struct drm_gem_object *obj, struct iosys_map *map)
{
	/* The kernel mapping lives as long as the BO. */
}

static struct sg_table *dsb_bo_get_sg_table(struct drm_gem_object *obj)
{
	struct dsb_gem_object *bo = to_dsb_bo(obj);

	if (bo->import_buf)
		return ERR_PTR(-EOPNOTSUPP);
	return drm_prime_pages_to_sg(obj->dev, bo->pages, obj->size >> PAGE_SHIFT);
}

static int dsb_bo_mmap(struct drm_gem_object *obj, struct vm_area_struct *vma)
{
	struct dsb_gem_object *bo = to_dsb_bo(obj);
	int ret;

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

static const struct vm_operations_struct dsb_bo_vm_ops = {
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

/**
 * dsb_bo_alloc() - charge and allocate the object of a BO
 * @ddev: the device
 * @mem: the accounting object to charge
 * @size: size of the BO
 * @charge: bytes to charge @mem, the object included
 *
 * From here on dsb_bo_free() uncharges, whatever happens.
 *
 * Return: the BO, or an ERR_PTR (-EDQUOT, -ENOMEM).
 */
static struct dsb_gem_object *dsb_bo_alloc(struct dsb_device *ddev,
					   struct dsb_mem_client *mem,
					   size_t size, u64 charge)
{
	struct dsb_gem_object *bo;

	charge += dsb_mem_kmalloc_size(sizeof(*bo));
	bo = dsb_mem_kzalloc(mem, sizeof(*bo), charge);
	if (IS_ERR(bo))
		return bo;
	bo->mem = dsb_mem_client_get(mem);
	bo->mem_charge = charge;
	drm_gem_private_object_init(&ddev->drm, &bo->base, size);
	bo->base.funcs = &dsb_bo_funcs;
	atomic_inc(&ddev->stats.live_bos);
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

/**
 * dsb_bo_create() - allocate a pinned, kernel-mapped, zeroed BO
 * @ddev: the device
 * @mem: the accounting object to charge
 * @size: size in bytes, rounded up to pages
 *
 * Return: the BO with one reference, or an ERR_PTR: -EDQUOT beyond the
 * accounting limits, -ENOMEM beyond the device's pinned limit or when an
 * allocation fails.
 */
struct dsb_gem_object *dsb_bo_create(struct dsb_device *ddev, struct dsb_mem_client *mem,
				     size_t size)
{
	struct dsb_gem_object *bo;
	u64 charge;
	int ret;

	size = PAGE_ALIGN(size);
	/* Charged before allocating; dsb_bo_free() uncharges whatever happens. */
	if (atomic64_add_return(size, &ddev->pinned) > ddev->pinned_limit) {
		atomic64_sub(size, &ddev->pinned);
		return ERR_PTR(-ENOMEM);
	}
	/* The pages and the array of them. */
	charge = size + dsb_mem_kmalloc_size((size >> PAGE_SHIFT) * sizeof(struct page *));
	bo = dsb_bo_alloc(ddev, mem, size, charge);
	if (IS_ERR(bo)) {
		atomic64_sub(size, &ddev->pinned);
		return bo;
	}
	bo->charged = true;
	ret = dsb_bo_alloc_pages(bo);
	if (ret)
		goto err_put;
	ret = drm_gem_create_mmap_offset(&bo->base);
	if (ret)
		goto err_put;
	return bo;

err_put:
	drm_gem_object_put(&bo->base);
	return ERR_PTR(ret);
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
 * engine can reach it without allocating.
 *
 * Return: the GEM object or an ERR_PTR.
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
	bo = dsb_bo_alloc(to_dsb_device(dev), mem, buf->size, 0);
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

	bo = dsb_bo_create(to_dsb_device(dev), df->mem, args->size);
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
