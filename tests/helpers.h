/* SPDX-License-Identifier: MIT */
/* Copyright (C) 2026 The dsb authors */
/*
 * Shared helpers of the dsb tests: find and open the device by driver name,
 * skip cleanly when it is missing, create and map buffer objects and
 * queues, build command buffers, submit and wait, fault-injection mode.
 *
 * Every function that can fail returns 0 (or a count / fd) or a negative
 * errno; none relies on errno afterwards. Names are dsb_test_* so that they
 * never collide with libdsb's dsb_* in tests that link both.
 */
#ifndef DSB_TEST_HELPERS_H
#define DSB_TEST_HELPERS_H

#include <stddef.h>
#include <stdint.h>

#include "dsb_drm.h"

/** Exit status of a skipped test program (automake convention). */
#define DSB_TEST_SKIP	77

/* --- device ------------------------------------------------------------ */

/**
 * dsb_test_count_devices() - number of render nodes whose driver is "dsb".
 */
int dsb_test_count_devices(void);

/**
 * dsb_test_open() - open the render node of the @index-th dsb device.
 * @index: 0 for the first device (render nodes in minor order).
 *
 * Returns the fd, -ENODEV when there is no such device, or -errno.
 */
int dsb_test_open(int index);

/**
 * dsb_test_open_or_skip() - open the first dsb device, or exit the program
 * with status 77 and a message naming what is missing.
 */
int dsb_test_open_or_skip(void);

/** dsb_test_open_index_or_skip() - like dsb_test_open_or_skip(), device @index. */
int dsb_test_open_index_or_skip(int index);

/**
 * dsb_test_ioctl() - drmIoctl() returning 0 or -errno (retries EINTR/EAGAIN).
 */
int dsb_test_ioctl(int fd, unsigned long request, void *arg);

/** dsb_test_get_param() - DRM_IOCTL_DSB_GET_PARAM; 0 or -errno. */
int dsb_test_get_param(int fd, uint32_t param, uint64_t *value);

/* --- buffer objects ------------------------------------------------------ */

/**
 * struct dsb_test_bo - a buffer object created and mapped by
 * dsb_test_bo_create().
 */
struct dsb_test_bo {
	uint32_t handle;
	uint64_t size;
	uint64_t va;
	uint64_t mmap_offset;
	void *map;
};

/** dsb_test_bo_create() - BO_CREATE then mmap read-write; 0 or -errno. */
int dsb_test_bo_create(int fd, uint64_t size, struct dsb_test_bo *bo);

/** dsb_test_bo_destroy() - munmap then GEM_CLOSE; 0 or -errno. */
int dsb_test_bo_destroy(int fd, struct dsb_test_bo *bo);

/** dsb_test_gem_close() - DRM_IOCTL_GEM_CLOSE; 0 or -errno. */
int dsb_test_gem_close(int fd, uint32_t handle);

/** dsb_test_mmap() - mmap @size bytes of the DRM fd at @offset; NULL on error. */
void *dsb_test_mmap(int fd, uint64_t offset, uint64_t size, int prot);

/* --- queues -------------------------------------------------------------- */

/**
 * struct dsb_test_queue - a queue created and mapped by
 * dsb_test_queue_create(). @create holds the kernel's answer.
 */
struct dsb_test_queue {
	uint32_t id;
	struct drm_dsb_queue_create create;
	struct drm_dsb_packet *ring;		/* ring_packets packets */
	size_t ring_size;
	struct drm_dsb_queue_ctrl *ctrl;		/* one page */
	size_t ctrl_size;
	const struct drm_dsb_fence_mem_header *fences;	/* read-only */
	size_t fences_size;
	struct drm_dsb_sq_cq_header *sq_cq;
	size_t sq_cq_size;
};

/**
 * dsb_test_queue_create() - QUEUE_CREATE then mmap its four regions.
 * @args: creation arguments (flags, priority, sizes, timeout), or NULL for
 *        defaults; zero sizes are replaced by the documented defaults
 *        (256 packets, 64 fence slots) so that the mapping sizes are known.
 */
int dsb_test_queue_create(int fd, const struct drm_dsb_queue_create *args,
			  struct dsb_test_queue *q);

/** dsb_test_queue_destroy() - munmap the regions, QUEUE_DESTROY; 0 or -errno. */
int dsb_test_queue_destroy(int fd, struct dsb_test_queue *q);

/** dsb_test_fence_slot() - slot @i of the queue's fence memory. */
const volatile struct drm_dsb_fence_slot *
dsb_test_fence_slot(const struct dsb_test_queue *q, uint32_t i);

/** dsb_test_page_align() - @size rounded up to the page size. */
size_t dsb_test_page_align(uint64_t size);

/* --- command buffers ----------------------------------------------------- */

/**
 * struct dsb_test_cmdbuf - a command buffer being built in memory (usually
 * a mapped BO); @count instructions written out of @max.
 */
struct dsb_test_cmdbuf {
	struct drm_dsb_instr *instr;
	uint32_t count;
	uint32_t max;
};

/** dsb_test_cmd_init() - start a command buffer in @mem of @bytes bytes. */
void dsb_test_cmd_init(struct dsb_test_cmdbuf *cb, void *mem, size_t bytes);

/** dsb_test_cmd_emit() - append one instruction; 0 or -ENOSPC. */
int dsb_test_cmd_emit(struct dsb_test_cmdbuf *cb, uint32_t op, uint32_t flags,
		      uint64_t a, uint64_t b, uint64_t c);

/** dsb_test_cmd_len() - length in bytes of what was emitted. */
uint32_t dsb_test_cmd_len(const struct dsb_test_cmdbuf *cb);

static inline int dsb_test_cmd_nop(struct dsb_test_cmdbuf *cb)
{
	return dsb_test_cmd_emit(cb, DRM_DSB_OP_NOP, 0, 0, 0, 0);
}

/** ``*(u64 *)va = value`` */
static inline int dsb_test_cmd_write(struct dsb_test_cmdbuf *cb, uint64_t va,
				     uint64_t value)
{
	return dsb_test_cmd_emit(cb, DRM_DSB_OP_WRITE, 0, va, value, 0);
}

/** copy @len bytes from @src to @dst (memmove) */
static inline int dsb_test_cmd_copy(struct dsb_test_cmdbuf *cb, uint64_t dst,
				    uint64_t src, uint64_t len)
{
	return dsb_test_cmd_emit(cb, DRM_DSB_OP_COPY, 0, dst, src, len);
}

/** fill @len bytes at @dst with the 32-bit @pattern */
static inline int dsb_test_cmd_fill(struct dsb_test_cmdbuf *cb, uint64_t dst,
				    uint32_t pattern, uint64_t len)
{
	return dsb_test_cmd_emit(cb, DRM_DSB_OP_FILL, 0, dst, pattern, len);
}

/** ``*(u64 *)va += value``, atomically */
static inline int dsb_test_cmd_atomic_add(struct dsb_test_cmdbuf *cb,
					  uint64_t va, uint64_t value)
{
	return dsb_test_cmd_emit(cb, DRM_DSB_OP_ATOMIC_ADD, 0, va, value, 0);
}

/** ``*(u64 *)va = CLOCK_MONOTONIC ns`` */
static inline int dsb_test_cmd_timestamp(struct dsb_test_cmdbuf *cb,
					 uint64_t va)
{
	return dsb_test_cmd_emit(cb, DRM_DSB_OP_TIMESTAMP, 0, va, 0, 0);
}

/** wait until ``*(u64 *)va >= value`` (or ``== value`` with @eq) */
static inline int dsb_test_cmd_memwait(struct dsb_test_cmdbuf *cb, uint64_t va,
				       uint64_t value, int eq)
{
	return dsb_test_cmd_emit(cb, DRM_DSB_OP_MEMWAIT, eq ? DRM_DSB_MEMWAIT_EQ : 0,
				 va, value, 0);
}

/** model @ns nanoseconds of execution */
static inline int dsb_test_cmd_delay(struct dsb_test_cmdbuf *cb, uint64_t ns)
{
	return dsb_test_cmd_emit(cb, DRM_DSB_OP_DELAY, 0, ns, 0, 0);
}

/* --- submission ---------------------------------------------------------- */

/**
 * dsb_test_submit() - submit one job through DRM_IOCTL_DSB_SUBMIT.
 * @syncs/@nsyncs: wait/signal operations (may be NULL/0).
 * @seqno: out, the job's seqno (may be NULL).
 * Returns 0 or -errno.
 */
int dsb_test_submit(int fd, uint32_t queue_id, uint32_t slot, uint64_t cmd_va,
		    uint32_t cmd_len, const struct drm_dsb_sync_op *syncs,
		    uint32_t nsyncs, uint64_t *seqno);

/**
 * dsb_test_wait() - DRM_IOCTL_DSB_WAIT with a relative timeout.
 * @error: out, the job's status (may be NULL).
 * Returns 0, -ETIME, or -errno.
 */
int dsb_test_wait(int fd, uint32_t queue_id, uint64_t seqno,
		  int64_t timeout_ns, int32_t *error);

/** dsb_test_queue_status() - DRM_IOCTL_DSB_QUEUE_STATUS; 0 or -errno. */
int dsb_test_queue_status(int fd, uint32_t queue_id,
			  struct drm_dsb_queue_status *st);

/* --- fault injection ----------------------------------------------------- */

/**
 * dsb_fault_injection_on() - nonzero when the test runs under
 * dsb-fault-inject (DSB_FAULT_INJECTION=1): allocations may fail, and a
 * test must accept -ENOMEM (or the documented errno) as a valid outcome of
 * every call it brackets with dsb_fi_begin()/dsb_fi_end().
 */
int dsb_fault_injection_on(void);

/**
 * dsb_fi_begin() - from here, this thread's allocations may fail (writes 1
 * to /proc/thread-self/make-it-fail); no-op unless fault injection is on.
 */
void dsb_fi_begin(void);

/** dsb_fi_end() - stop failing this thread's allocations. */
void dsb_fi_end(void);

/**
 * dsb_test_ok_or_enomem() - true when @ret is 0, or -ENOMEM under fault
 * injection. Use as ck_assert(dsb_test_ok_or_enomem(ret)).
 */
int dsb_test_ok_or_enomem(int ret);

/* --- misc ---------------------------------------------------------------- */

/** dsb_test_debug_kernel() - nonzero on the debug (lockdep/KASAN) kernel
 * (DSB_DEBUG_KERNEL=1 in the VM): time limits may be scaled. */
int dsb_test_debug_kernel(void);

/** dsb_test_now_ns() - CLOCK_MONOTONIC in nanoseconds. */
int64_t dsb_test_now_ns(void);

/* --- debugfs and sync_file (appended by the VM-suite author) ------------- */

/**
 * dsb_test_debugfs_counter() - read one counter line ("name value") of
 * /sys/kernel/debug/dri/<minor>/dsb_device for dsb device @dev_index
 * (found by its "device <index>:" header, whatever the minor).
 * Returns 0 and *value, -ENOENT when the device or the counter is not
 * found (debugfs not mounted, no such line).
 */
int dsb_test_debugfs_counter(int dev_index, const char *name, long long *value);

/**
 * dsb_test_debugfs_dir() - the debugfs directory of dsb device @dev_index
 * (the one whose dsb_device says "device <index>:") into @dir; 0 or -ENOENT.
 */
int dsb_test_debugfs_dir(int dev_index, char *dir, size_t len);

/**
 * dsb_test_debugfs_settled() - read the @n counters @names of device 0
 * into @v once they have stopped moving: the same in two reads 100 ms
 * apart (frees of earlier tests' objects are deferred), at most 10 s.
 * For a baseline. Returns 0, or the first read's error.
 */
int dsb_test_debugfs_settled(const char *const *names, size_t n, long long *v);

/**
 * dsb_test_sync_file_status() - SYNC_IOC_FILE_INFO status of a sync_file:
 * 1 signalled, 0 active, a negative errno when it signalled with an error;
 * or the negative errno of the ioctl itself in *@ioctl_err (may be NULL),
 * returning INT_MIN in that case.
 */
int dsb_test_sync_file_status(int sync_fd, int *ioctl_err);

/** dsb_test_module_refcnt() - /sys/module/dsb/refcnt, or -1 if unreadable. */
int dsb_test_module_refcnt(void);

struct io_uring;

/**
 * dsb_test_uring_cmd() - one dsb io_uring command (standard 64-byte SQE,
 * 16-byte payload), submitted and waited for; returns its CQE's res, or
 * INT_MIN when the ring failed.
 */
int dsb_test_uring_cmd(struct io_uring *ring, int fd, uint32_t op, uint32_t id,
		       uint32_t arg, uint64_t value);

/**
 * dsb_test_uring_prep() - queue one dsb io_uring command in @ring's SQ
 * without submitting it; 0, or -1 when the SQ is full.
 */
int dsb_test_uring_prep(struct io_uring *ring, int fd, uint32_t op, uint32_t id,
			uint32_t arg, uint64_t value);

#endif /* DSB_TEST_HELPERS_H */
