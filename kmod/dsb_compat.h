/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Copyright (C) 2026 The dsb authors */
/*
 * The one place where differences between the kernels dsb builds against
 * (Debian 6.1 and 6.12) are handled.
 */
#ifndef __DSB_COMPAT_H__
#define __DSB_COMPAT_H__

#include <linux/version.h>
#include <linux/dma-buf.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <drm/drm_prime.h>

/*
 * Before 6.6 a driver had to name the PRIME helpers itself; later kernels
 * use them by default and dropped the hooks.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 6, 0)
#define DSB_DRIVER_PRIME_HOOKS \
	.prime_handle_to_fd = drm_gem_prime_handle_to_fd, \
	.prime_fd_to_handle = drm_gem_prime_fd_to_handle, \
	.gem_prime_mmap = drm_gem_prime_mmap,
#else
#define DSB_DRIVER_PRIME_HOOKS
#endif

/* vm_flags became write-protected in 6.3. */
static inline void dsb_vma_clear_maywrite(struct vm_area_struct *vma)
{
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 3, 0)
	vma->vm_flags &= ~VM_MAYWRITE;
#else
	vm_flags_clear(vma, VM_MAYWRITE);
#endif
}

/* dma_buf_vmap() wants the reservation lock held since 6.2. */
static inline int dsb_dma_buf_vmap(struct dma_buf *buf, struct iosys_map *map)
{
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
	return dma_buf_vmap(buf, map);
#else
	return dma_buf_vmap_unlocked(buf, map);
#endif
}

static inline void dsb_dma_buf_vunmap(struct dma_buf *buf, struct iosys_map *map)
{
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
	dma_buf_vunmap(buf, map);
#else
	dma_buf_vunmap_unlocked(buf, map);
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

/* Filled in by later features (io_uring commands, fdinfo). */
#define DSB_FOPS_EXTRA	DSB_FOPS_FLAGS
#define DSB_DRIVER_FDINFO

/*
 * io_uring commands: the header moved to linux/io_uring/cmd.h (6.6), the
 * command area is reached through the SQE (6.6), and commands can be made
 * cancelable on ring teardown (6.7). Detect each feature, not a version.
 */
#if __has_include(<linux/io_uring/cmd.h>)
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

#endif /* __DSB_COMPAT_H__ */
