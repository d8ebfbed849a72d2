/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Copyright (C) 2026 The dsb authors */
/*
 * The one place where differences between the kernels dsb builds against
 * (Debian 6.1 and 6.12) are handled.
 */
#ifndef __DSB_COMPAT_H__
#define __DSB_COMPAT_H__

#include <linux/dma-buf.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/shrinker.h>
#include <linux/slab.h>
#include <drm/drm_file.h>
#include <drm/drm_prime.h>

/*
 * The DSB_HAVE_* feature macros come from probes of the kernel headers in
 * Kbuild. Before 6.6 a driver had to name the PRIME helpers itself; later
 * kernels use them by default and dropped the hooks.
 */
#ifdef DSB_HAVE_GEM_PRIME_MMAP
#define DSB_DRIVER_PRIME_HOOKS \
	.prime_handle_to_fd = drm_gem_prime_handle_to_fd, \
	.prime_fd_to_handle = drm_gem_prime_fd_to_handle, \
	.gem_prime_mmap = drm_gem_prime_mmap,
#else
#define DSB_DRIVER_PRIME_HOOKS
#endif

/*
 * DSB_HAVE_DRM_GPUVM: drm_gpuvm (and the drm_exec it needs) can be linked
 * against, for VM_BIND. Kbuild defines it from the exported symbol
 * drm_gpuvm_init (the kernel's Module.symvers or KBUILD_EXTRA_SYMBOLS), not
 * from the header, which the debug kernel's tree has without the module:
 * defined on Debian's 6.12 kernels (CONFIG_DRM_GPUVM=m) and on the debug
 * kernel (scripts/build-debug-gpuvm.sh builds the modules, build-kmod.sh
 * passes their symbols), not on 6.1 (no drm_gpuvm).
 */

/*
 * Deadline hints on fences (dma_fence_ops.set_deadline) arrived in 6.3; on
 * older kernels nobody can set one, and dsb fences have no such op.
 */
/*
 * A platform driver's remove returns void from 6.11 on; 6.1 to 6.12 also
 * have remove_new, gone in 6.13.
 */
#ifdef DSB_HAVE_PLATFORM_REMOVE_VOID
#define DSB_PLATFORM_REMOVE(fn)	.remove = (fn)
#else
#define DSB_PLATFORM_REMOVE(fn)	.remove_new = (fn)
#endif

#ifdef DSB_HAVE_FENCE_SET_DEADLINE
#define DSB_FENCE_SET_DEADLINE_OP	.set_deadline = dsb_fence_set_deadline,
#else
#define DSB_FENCE_SET_DEADLINE_OP
#endif

/* vm_flags became write-protected in 6.3. */
static inline void dsb_vma_clear_maywrite(struct vm_area_struct *vma)
{
#ifdef DSB_HAVE_VM_FLAGS_CLEAR
	vm_flags_clear(vma, VM_MAYWRITE);
#else
	vma->vm_flags &= ~VM_MAYWRITE;
#endif
}

static inline void dsb_vma_set_flags(struct vm_area_struct *vma, vm_flags_t flags)
{
#ifdef DSB_HAVE_VM_FLAGS_CLEAR
	vm_flags_set(vma, flags);
#else
	vma->vm_flags |= flags;
#endif
}

/*
 * Shrinkers are allocated by the core since 6.7 (shrinker_alloc(), with a
 * private_data pointer); before, the caller embeds one and registers it.
 */
#ifdef DSB_HAVE_SHRINKER_ALLOC
static inline struct shrinker *
dsb_shrinker_create(unsigned long (*count)(struct shrinker *, struct shrink_control *),
		    unsigned long (*scan)(struct shrinker *, struct shrink_control *),
		    void *priv, const char *name)
{
	struct shrinker *s = shrinker_alloc(0, "%s", name);

	if (!s)
		return NULL;
	s->count_objects = count;
	s->scan_objects = scan;
	s->private_data = priv;
	shrinker_register(s);
	return s;
}

static inline void *dsb_shrinker_priv(struct shrinker *s)
{
	return s->private_data;
}

static inline void dsb_shrinker_destroy(struct shrinker *s)
{
	shrinker_free(s);
}
#else
struct dsb_shrinker_box {
	struct shrinker shrinker;
	void *priv;
};

static inline struct shrinker *
dsb_shrinker_create(unsigned long (*count)(struct shrinker *, struct shrink_control *),
		    unsigned long (*scan)(struct shrinker *, struct shrink_control *),
		    void *priv, const char *name)
{
	struct dsb_shrinker_box *b = kzalloc(sizeof(*b), GFP_KERNEL);

	if (!b)
		return NULL;
	b->shrinker.count_objects = count;
	b->shrinker.scan_objects = scan;
	b->shrinker.seeks = DEFAULT_SEEKS;
	b->priv = priv;
	if (register_shrinker(&b->shrinker, "%s", name)) {
		kfree(b);
		return NULL;
	}
	return &b->shrinker;
}

static inline void *dsb_shrinker_priv(struct shrinker *s)
{
	return container_of(s, struct dsb_shrinker_box, shrinker)->priv;
}

static inline void dsb_shrinker_destroy(struct shrinker *s)
{
	unregister_shrinker(s);
	kfree(container_of(s, struct dsb_shrinker_box, shrinker));
}
#endif

/* dma_buf_vmap() wants the reservation lock held since 6.2. */
static inline int dsb_dma_buf_vmap(struct dma_buf *buf, struct iosys_map *map)
{
#ifdef DSB_HAVE_DMA_BUF_VMAP_UNLOCKED
	return dma_buf_vmap_unlocked(buf, map);
#else
	return dma_buf_vmap(buf, map);
#endif
}

static inline void dsb_dma_buf_vunmap(struct dma_buf *buf, struct iosys_map *map)
{
#ifdef DSB_HAVE_DMA_BUF_VMAP_UNLOCKED
	dma_buf_vunmap_unlocked(buf, map);
#else
	dma_buf_vunmap(buf, map);
#endif
}

/*
 * 6.12 wants DRM files to declare unsigned mmap offsets (the flag moved
 * from f_mode to fop_flags); earlier kernels set it in drm_open_helper().
 */
#ifdef FOP_UNSIGNED_OFFSET
#define DSB_FOPS_FLAGS	.fop_flags = FOP_UNSIGNED_OFFSET,
#else
#define DSB_FOPS_FLAGS
#endif

/*
 * fdinfo (dsb_fdinfo.c): since 6.5 the core prints drm-driver and
 * drm-client-id (drm_file.client_id) in drm_show_fdinfo(), calls
 * drm_driver.show_fdinfo for the rest. Before, the driver hooks
 * file_operations.show_fdinfo and prints it all, numbering its clients
 * itself. The memory keys are dsb's own on both (dsb_fdinfo_memory_stats():
 * residency is per VM, which the core's helper cannot see).
 */
#include "dsb_fdinfo.h"

#ifdef DSB_HAVE_DRM_SHOW_FDINFO
#define DSB_SHOW_FDINFO		drm_show_fdinfo
#define DSB_DRIVER_FDINFO	.show_fdinfo = dsb_fdinfo_print,
static inline u64 dsb_file_client_id(struct drm_file *file)
{
	return file->client_id;
}
#else
#define DSB_SHOW_FDINFO		dsb_fdinfo_show
#define DSB_DRIVER_FDINFO
static inline u64 dsb_file_client_id(struct drm_file *file)
{
	return dsb_fdinfo_next_client_id();
}
#endif

#define DSB_FOPS_EXTRA	.show_fdinfo = DSB_SHOW_FDINFO, DSB_FOPS_FLAGS

/*
 * io_uring commands: the header moved to linux/io_uring/cmd.h (6.6), the
 * command area is reached through the SQE (6.6), and commands can be made
 * cancelable on ring teardown (6.7). Detect each feature, not a version.
 */
#ifdef DSB_HAVE_IO_URING_CMD_H
#include <linux/io_uring/cmd.h>
static inline const void *dsb_uring_cmd_payload(struct io_uring_cmd *cmd)
{
	return io_uring_sqe_cmd(cmd->sqe);
}
#else
#include <linux/io_uring.h>
static inline const void *dsb_uring_cmd_payload(struct io_uring_cmd *cmd)
{
	return cmd->cmd;
}
#endif

#ifdef IORING_URING_CMD_CANCELABLE
static inline void dsb_uring_cmd_mark_cancelable(struct io_uring_cmd *cmd,
						 unsigned int issue_flags)
{
	io_uring_cmd_mark_cancelable(cmd, issue_flags);
}

static inline bool dsb_uring_is_cancel(unsigned int issue_flags)
{
	return issue_flags & IO_URING_F_CANCEL;
}
#else
static inline void dsb_uring_cmd_mark_cancelable(struct io_uring_cmd *cmd,
						 unsigned int issue_flags)
{
}

static inline bool dsb_uring_is_cancel(unsigned int issue_flags)
{
	return false;
}
#endif

/* Without drm_gpuvm, VM_INIT and VM_BIND answer -EOPNOTSUPP. */
#ifdef DSB_HAVE_DRM_GPUVM
#include <drm/drm_gpuvm.h>
#endif

#endif /* __DSB_COMPAT_H__ */
