/* SPDX-License-Identifier: MIT */
/* Copyright (C) 2026 The dsb authors */
#ifndef _DSB_DRM_H_
#define _DSB_DRM_H_

#include "drm.h"

#if defined(__cplusplus)
extern "C" {
#endif

/**
 * DOC: Introduction
 *
 * dsb is a kernel-side direct-submit broker: a render-node driver whose
 * queues have a ring that the *kernel* writes. Userspace submits jobs
 * through an ioctl (or a shared submission ring, or io_uring); the kernel
 * allocates everything a job needs, creates its dma_fence, writes WAIT /
 * EXEC / SIGNAL packets into the queue's ring and rings the doorbell.
 *
 * Rules for the data passed to the dsb ioctls (after panthor_drm.h):
 *
 * - Structures are aligned on 8 bytes; padding is explicit and named
 *   ``pad``; padding must be zero (MBZ) or the ioctl fails with -EINVAL.
 * - Unknown flags are rejected with -EINVAL.
 * - Pointers are passed as __u64.
 * - Arrays are passed as &struct drm_dsb_obj_array, whose stride lets
 *   either side grow the element structure: fields the kernel does not
 *   know must be zero, fields userspace does not know read as zero.
 * - Every addition bumps %DRM_DSB_UAPI_VERSION (and the DRM minor version).
 * - Ioctls are never removed or renumbered.
 */

/**
 * define DRM_DSB_UAPI_VERSION - version of this interface, see
 * %DRM_DSB_PARAM_UAPI_VERSION.
 */
#define DRM_DSB_UAPI_VERSION	13

/**
 * enum drm_dsb_ioctl_id - ioctl numbers, relative to DRM_COMMAND_BASE.
 *
 * Place new ioctls at the end; never reorder or remove entries.
 */
enum drm_dsb_ioctl_id {
	/** @DRM_DSB_GET_PARAM: query a device parameter. */
	DRM_DSB_GET_PARAM = 0,
	/** @DRM_DSB_BO_CREATE: create a buffer object. */
	DRM_DSB_BO_CREATE,
	/** @DRM_DSB_BO_INFO: GPU VA and mmap offset of a (possibly imported) BO. */
	DRM_DSB_BO_INFO,
	/** @DRM_DSB_QUEUE_CREATE: create a queue. */
	DRM_DSB_QUEUE_CREATE,
	/** @DRM_DSB_QUEUE_DESTROY: destroy a queue. */
	DRM_DSB_QUEUE_DESTROY,
	/** @DRM_DSB_SUBMIT: submit an array of jobs. */
	DRM_DSB_SUBMIT,
	/** @DRM_DSB_WAIT: wait for a job of a queue. */
	DRM_DSB_WAIT,
	/** @DRM_DSB_QUEUE_STATUS: state and fault information of a queue. */
	DRM_DSB_QUEUE_STATUS,
	/** @DRM_DSB_QUEUE_SUBMIT_SQ: consume entries of a queue's SQ. */
	DRM_DSB_QUEUE_SUBMIT_SQ,
	/** @DRM_DSB_BO_LIST_CREATE: create a buffer list (version 7). */
	DRM_DSB_BO_LIST_CREATE,
	/** @DRM_DSB_BO_LIST_DESTROY: destroy a buffer list (version 7). */
	DRM_DSB_BO_LIST_DESTROY,
	/** @DRM_DSB_JOB_ERROR: where a job's error came from (version 9). */
	DRM_DSB_JOB_ERROR,
	/** @DRM_DSB_BO_MADVISE: mark a buffer purgeable or not (version 10). */
	DRM_DSB_BO_MADVISE,
	/** @DRM_DSB_FENCE_TO_HANDLE: a syncobj or sync_file for a job (version 12). */
	DRM_DSB_FENCE_TO_HANDLE,
	/** @DRM_DSB_VM_INIT: choose how the file's GPU VAs are managed (version 13). */
	DRM_DSB_VM_INIT,
	/** @DRM_DSB_VM_BIND: map, unmap and sparse-bind GPU VA ranges (version 13). */
	DRM_DSB_VM_BIND,
};

/**
 * DRM_IOCTL_DSB() - build a dsb ioctl number
 * @__access: DRM_IO, DRM_IOR, DRM_IOW or DRM_IOWR
 * @__id: ioctl name without the DRM_DSB_ prefix
 * @__type: structure name without the drm_dsb_ prefix
 */
#define DRM_IOCTL_DSB(__access, __id, __type) \
	DRM_##__access(DRM_COMMAND_BASE + DRM_DSB_##__id, \
		       struct drm_dsb_##__type)

#define DRM_IOCTL_DSB_GET_PARAM		DRM_IOCTL_DSB(IOWR, GET_PARAM, get_param)
#define DRM_IOCTL_DSB_BO_CREATE		DRM_IOCTL_DSB(IOWR, BO_CREATE, bo_create)
#define DRM_IOCTL_DSB_BO_INFO		DRM_IOCTL_DSB(IOWR, BO_INFO, bo_info)
#define DRM_IOCTL_DSB_QUEUE_CREATE	DRM_IOCTL_DSB(IOWR, QUEUE_CREATE, queue_create)
#define DRM_IOCTL_DSB_QUEUE_DESTROY	DRM_IOCTL_DSB(IOW, QUEUE_DESTROY, queue_destroy)
#define DRM_IOCTL_DSB_SUBMIT		DRM_IOCTL_DSB(IOWR, SUBMIT, submit)
#define DRM_IOCTL_DSB_WAIT		DRM_IOCTL_DSB(IOWR, WAIT, wait)
#define DRM_IOCTL_DSB_QUEUE_STATUS	DRM_IOCTL_DSB(IOWR, QUEUE_STATUS, queue_status)
#define DRM_IOCTL_DSB_QUEUE_SUBMIT_SQ	DRM_IOCTL_DSB(IOWR, QUEUE_SUBMIT_SQ, queue_submit_sq)
#define DRM_IOCTL_DSB_BO_LIST_CREATE	DRM_IOCTL_DSB(IOWR, BO_LIST_CREATE, bo_list_create)
#define DRM_IOCTL_DSB_BO_LIST_DESTROY	DRM_IOCTL_DSB(IOW, BO_LIST_DESTROY, bo_list_destroy)
#define DRM_IOCTL_DSB_JOB_ERROR		DRM_IOCTL_DSB(IOWR, JOB_ERROR, job_error)
#define DRM_IOCTL_DSB_BO_MADVISE	DRM_IOCTL_DSB(IOWR, BO_MADVISE, bo_madvise)
#define DRM_IOCTL_DSB_FENCE_TO_HANDLE	DRM_IOCTL_DSB(IOWR, FENCE_TO_HANDLE, fence_to_handle)
#define DRM_IOCTL_DSB_VM_INIT		DRM_IOCTL_DSB(IOWR, VM_INIT, vm_init)
#define DRM_IOCTL_DSB_VM_BIND		DRM_IOCTL_DSB(IOWR, VM_BIND, vm_bind)

/**
 * define DRM_DSB_MAX_STRIDE - largest element size of an array, in bytes
 *
 * A &struct drm_dsb_obj_array whose @stride is larger is rejected with
 * -EINVAL before anything is read: the kernel checks that the bytes of an
 * element past the structure it knows are zero, so the stride bounds the
 * user memory one ioctl walks (at most %DRM_DSB_MAX_JOBS elements of jobs,
 * each with %DRM_DSB_MAX_SYNC_OPS sync operations and %DRM_DSB_MAX_JOB_BOS
 * buffers: about 5 MiB).
 */
#define DRM_DSB_MAX_STRIDE	256

/**
 * struct drm_dsb_obj_array - an array of objects passed to the kernel
 */
struct drm_dsb_obj_array {
	/** @stride: size of one element as userspace knows it, in bytes. */
	__u32 stride;
	/** @count: number of elements. */
	__u32 count;
	/** @array: user pointer to the first element. */
	__u64 array;
};

/**
 * enum drm_dsb_param - parameters for %DRM_IOCTL_DSB_GET_PARAM
 */
enum drm_dsb_param {
	/** @DRM_DSB_PARAM_UAPI_VERSION: %DRM_DSB_UAPI_VERSION of the driver. */
	DRM_DSB_PARAM_UAPI_VERSION = 0,
	/** @DRM_DSB_PARAM_NUM_ENGINES: number of simulated engines. */
	DRM_DSB_PARAM_NUM_ENGINES,
	/** @DRM_DSB_PARAM_HW_SLOTS: hardware queue slots per engine. */
	DRM_DSB_PARAM_HW_SLOTS,
	/** @DRM_DSB_PARAM_MAX_BO_SIZE: largest buffer object, in bytes. */
	DRM_DSB_PARAM_MAX_BO_SIZE,
	/** @DRM_DSB_PARAM_VA_START: first GPU virtual address handed out. */
	DRM_DSB_PARAM_VA_START,
	/** @DRM_DSB_PARAM_VA_SIZE: size of the GPU virtual address space. */
	DRM_DSB_PARAM_VA_SIZE,
	/** @DRM_DSB_PARAM_MAX_QUEUES: queues per file. */
	DRM_DSB_PARAM_MAX_QUEUES,
	/** @DRM_DSB_PARAM_MAX_RING_PACKETS: largest ring, in packets. */
	DRM_DSB_PARAM_MAX_RING_PACKETS,
	/** @DRM_DSB_PARAM_MAX_FENCE_SLOTS: most fence slots per queue. */
	DRM_DSB_PARAM_MAX_FENCE_SLOTS,
	/** @DRM_DSB_PARAM_MAX_CMD_LEN: longest command buffer, in bytes. */
	DRM_DSB_PARAM_MAX_CMD_LEN,
	/** @DRM_DSB_PARAM_MAX_JOB_DEPS: fences one job may wait for (explicit and implicit). */
	DRM_DSB_PARAM_MAX_JOB_DEPS,
	/** @DRM_DSB_PARAM_DEVICE_INDEX: index of this dsb device (0, 1, ...). */
	DRM_DSB_PARAM_DEVICE_INDEX,
	/** @DRM_DSB_PARAM_DEFAULT_TIMEOUT_MS: default queue watchdog timeout. */
	DRM_DSB_PARAM_DEFAULT_TIMEOUT_MS,
	/**
	 * @DRM_DSB_PARAM_CLIENT_MEM_LIMIT: bytes of kernel memory the
	 * caller's user may make dsb allocate, all devices and files
	 * together (version 5, see "Memory accounting").
	 */
	DRM_DSB_PARAM_CLIENT_MEM_LIMIT,
	/**
	 * @DRM_DSB_PARAM_TOTAL_MEM_LIMIT: bytes of kernel memory all dsb
	 * clients together may make dsb allocate (version 5).
	 */
	DRM_DSB_PARAM_TOTAL_MEM_LIMIT,
	/**
	 * @DRM_DSB_PARAM_MAX_PINNED: bytes of BO memory this device pins at
	 * most, all clients together (version 5).
	 */
	DRM_DSB_PARAM_MAX_PINNED,
	/**
	 * @DRM_DSB_PARAM_CLIENT_MEM_USED: bytes currently charged to the
	 * caller's user (version 5).
	 */
	DRM_DSB_PARAM_CLIENT_MEM_USED,
	/**
	 * @DRM_DSB_PARAM_MAX_JOB_BOS: most buffers in one job's buffer list
	 * (version 7).
	 */
	DRM_DSB_PARAM_MAX_JOB_BOS,
	/**
	 * @DRM_DSB_PARAM_MAX_URING_WAITS: most io_uring waits
	 * (%DRM_DSB_URING_WAIT_SEQNO, %DRM_DSB_URING_WAIT_SYNCOBJ) one file
	 * may have outstanding (version 9).
	 */
	DRM_DSB_PARAM_MAX_URING_WAITS,
	/**
	 * @DRM_DSB_PARAM_MAX_BATCH_BOS: most distinct buffers with implicit
	 * synchronization the jobs of one batch may name,
	 * %DRM_DSB_MAX_BATCH_BOS (version 10).
	 */
	DRM_DSB_PARAM_MAX_BATCH_BOS,
	/**
	 * @DRM_DSB_PARAM_VM_BIND: 1 when %DRM_IOCTL_DSB_VM_INIT and
	 * %DRM_IOCTL_DSB_VM_BIND work, 0 when the kernel dsb was built for
	 * has no drm_gpuvm (Linux 6.1), where they fail with -EOPNOTSUPP
	 * (version 13). See "User-managed GPU virtual addresses".
	 */
	DRM_DSB_PARAM_VM_BIND,
};

/**
 * DOC: Memory accounting
 *
 * Everything a client makes the kernel allocate is charged before it is
 * allocated: buffer objects (pages and bookkeeping), imported dma-bufs
 * (their size: the kernel mapping keeps the exporter's pages pinned; they
 * count against %DRM_DSB_PARAM_MAX_PINNED too), each open file, queues with
 * their kernel tables and their four regions, jobs (also those a queue
 * caches for reuse, at most one per fence slot), fences (until the last
 * reference goes, which may be after the file is closed) and pending
 * io_uring waits (dsb's wait and 512 bytes for io_uring's request, which
 * lives as long as the wait). A *client* is a user: every file opened by
 * processes of the same real uid, on every dsb device, shares one limit,
 * %DRM_DSB_PARAM_CLIENT_MEM_LIMIT (module parameter ``client_mem_mb``,
 * default a quarter of RAM). All clients together are bounded by
 * %DRM_DSB_PARAM_TOTAL_MEM_LIMIT (``total_mem_mb``, default half of RAM),
 * and each device's BO memory by %DRM_DSB_PARAM_MAX_PINNED
 * (``max_pinned_mb``, default the total limit or half of RAM, whichever is
 * less; it can only lower that).
 *
 * A request beyond the client or total limit fails with -EDQUOT and
 * leaves nothing behind: %DRM_IOCTL_DSB_BO_CREATE, %DRM_IOCTL_DSB_QUEUE_CREATE,
 * %DRM_IOCTL_DSB_SUBMIT (no job of the batch is submitted),
 * %DRM_IOCTL_DSB_QUEUE_SUBMIT_SQ and %DRM_DSB_URING_SUBMIT (the entry stays
 * in the SQ, as for -ENOMEM), PRIME import, and opening the device. Memory
 * comes back as objects are freed; jobs give theirs back when the queue
 * is destroyed (cached jobs) and fences when their last reference goes.
 * -ENOMEM still means an allocation failed, or a device's pinned limit.
 *
 * The allocations are charged to the caller's memory cgroup too
 * (__GFP_ACCOUNT) where the kernel has one. fdinfo shows the user's usage
 * and limit as ``dsb-client-memory`` and ``dsb-client-memory-limit`` (KiB).
 */

/**
 * struct drm_dsb_get_param - argument of %DRM_IOCTL_DSB_GET_PARAM
 *
 * An unknown @param fails with -EINVAL.
 */
struct drm_dsb_get_param {
	/** @param: one of &enum drm_dsb_param. */
	__u32 param;
	/** @pad: MBZ. */
	__u32 pad;
	/** @value: out, the value. */
	__u64 value;
};

/**
 * DOC: Buffer objects and the GPU virtual address space
 *
 * Buffer objects made by %DRM_IOCTL_DSB_BO_CREATE are swappable: backed by
 * shmem, they are made resident (pinned and kernel-mapped) when first
 * touched by the CPU or by a submit of a VM that maps them, and idle ones
 * may be evicted under memory pressure (dsb(7), "Memory"); the engine
 * only ever reaches resident memory, so it never allocates to reach a
 * buffer. An exported buffer stays resident until freed; an imported
 * dma-buf is kernel-mapped (its pages pinned by its exporter) for as long
 * as it is imported, and charged as pinned memory of its size. Each open
 * file has its own GPU virtual
 * address space; a BO gets a GPU VA in the file that created it, and in a
 * file that imported it (PRIME) on %DRM_IOCTL_DSB_BO_INFO. Mappings are
 * separated by an unmapped guard page. The mapping goes away when the file's
 * last handle to the BO is closed; jobs already submitted keep running on
 * memory that stays alive until the queue is gone.
 *
 * Errors of %DRM_IOCTL_DSB_BO_CREATE: -EINVAL for a zero size or unknown
 * flags; -E2BIG for a size above %DRM_DSB_PARAM_MAX_BO_SIZE; -EDQUOT beyond
 * the caller's or the total memory limit (see "Memory accounting"); -ENOMEM
 * when memory or GPU VA space runs out. No page is allocated at creation:
 * the device's pinned limit (%DRM_DSB_PARAM_MAX_PINNED) applies when the
 * BO is made resident, where it fails a submit with -ENOMEM and a CPU
 * access with SIGBUS.
 */

/**
 * enum drm_dsb_bo_create_flags - flags of &struct drm_dsb_bo_create
 */
enum drm_dsb_bo_create_flags {
	/**
	 * @DRM_DSB_BO_NO_IMPLICIT_SYNC: jobs that list the buffer neither
	 * wait for its reservation object's fences nor add theirs (a
	 * driver's internal buffer; version 7). See "Implicit
	 * synchronization".
	 */
	DRM_DSB_BO_NO_IMPLICIT_SYNC = 1 << 0,
};

/**
 * struct drm_dsb_bo_create - argument of %DRM_IOCTL_DSB_BO_CREATE
 */
struct drm_dsb_bo_create {
	/** @size: in, size in bytes (rounded up to pages); out, actual size. */
	__u64 size;
	/** @flags: in, &enum drm_dsb_bo_create_flags. */
	__u32 flags;
	/** @handle: out, GEM handle. */
	__u32 handle;
	/** @va: out, GPU virtual address in this file's address space. */
	__u64 va;
	/** @mmap_offset: out, offset to pass to mmap() on the DRM fd. */
	__u64 mmap_offset;
};

/**
 * struct drm_dsb_bo_info - argument of %DRM_IOCTL_DSB_BO_INFO
 *
 * Maps the BO into this file's GPU VA space if it is not mapped yet (an
 * imported BO). -ENOENT for an unknown handle.
 */
struct drm_dsb_bo_info {
	/** @handle: in, GEM handle. */
	__u32 handle;
	/** @pad: MBZ. */
	__u32 pad;
	/** @size: out, size in bytes. */
	__u64 size;
	/** @va: out, GPU virtual address in this file's address space. */
	__u64 va;
	/** @mmap_offset: out, offset to pass to mmap() on the DRM fd. */
	__u64 mmap_offset;
};

/**
 * DOC: Purgeable buffers
 *
 * A buffer cache (Mesa's on panfrost, msm, vc4 or lima) keeps the buffers
 * the application freed for reuse, and lets the kernel discard their
 * contents meanwhile: %DRM_IOCTL_DSB_BO_MADVISE with
 * %DRM_DSB_MADV_DONTNEED (version 10). Under memory pressure, and when a
 * restore would pass the device's pinned limit, the kernel *purges* such
 * buffers first, before it evicts any other: their pages are dropped,
 * never written to swap. Only buffers of a file with no job in flight are
 * purged. %DRM_DSB_MADV_WILLNEED takes a buffer back, and
 * &drm_dsb_bo_madvise.retained says whether its contents survived.
 *
 * - A buffer that is not resident when it is marked DONTNEED (evicted to
 *   swap, or never used) is purged at once, as i915 does: none of it is in
 *   RAM to keep, and reading it back from swap would be wasted.
 * - A purged buffer stays purged: @retained is 0 from then on, whatever is
 *   asked, and closing the handle is all that is left to do with it (as
 *   on panfrost and msm). Its CPU mappings fault with SIGBUS; exporting it
 *   fails with -ENODATA; a job whose buffer list names it is rejected
 *   with -ENODATA (%DRM_IOCTL_DSB_SUBMIT, or the job's CQE for the SQ and
 *   io_uring), leaving nothing behind; a job that reaches it through its
 *   GPU VA alone faults its queue as an unmapped address does
 *   (%DRM_DSB_FAULT_BAD_VA, -EIO): the buffer keeps its VA, with no memory
 *   behind it.
 * - Exported and imported buffers are never purged (the importers, or the
 *   exporter, may use them at any time): marking one is accepted and
 *   @retained stays 1, as on panfrost and msm.
 * - A buffer marked DONTNEED may still be used, by jobs or the CPU; it is
 *   not purged while a job of its file is in flight. A cache marks a
 *   buffer WILLNEED before it reuses it, and frees it when @retained is 0.
 * - fdinfo's ``drm-purgeable-memory`` is the resident size of the file's
 *   buffers marked DONTNEED that could be purged now (no job in flight),
 *   the DRM usage-stats meaning.
 */

/**
 * enum drm_dsb_madv - advice of &struct drm_dsb_bo_madvise
 */
enum drm_dsb_madv {
	/** @DRM_DSB_MADV_WILLNEED: the contents are needed: never purge. */
	DRM_DSB_MADV_WILLNEED = 0,
	/** @DRM_DSB_MADV_DONTNEED: the contents may be discarded. */
	DRM_DSB_MADV_DONTNEED = 1,
};

/**
 * struct drm_dsb_bo_madvise - argument of %DRM_IOCTL_DSB_BO_MADVISE
 *
 * Sets the advice of a buffer (see "Purgeable buffers"). Errors: -EINVAL
 * for an unknown @madv or a nonzero @pad; -ENOENT for an unknown handle;
 * -EINTR when a signal arrives while waiting for the buffer's lock.
 */
struct drm_dsb_bo_madvise {
	/** @handle: in, GEM handle. */
	__u32 handle;
	/** @madv: in, &enum drm_dsb_madv. */
	__u32 madv;
	/**
	 * @retained: out, 1 when the buffer still has its contents, 0 when
	 * it was purged (before or by this call).
	 */
	__u32 retained;
	/** @pad: MBZ. */
	__u32 pad;
};

/**
 * DOC: Queues
 *
 * A queue owns four regions, each mappable with mmap() on the DRM fd at the
 * offset returned by %DRM_IOCTL_DSB_QUEUE_CREATE:
 *
 * - the **ring**: @ring_packets packets of &struct drm_dsb_packet, written only
 *   by the kernel. It is mapped read-write by default (user-queue hardware
 *   puts it in the process's reach) or read-only with
 *   %DRM_DSB_QUEUE_RING_READONLY. It also lives in the file's GPU VA space,
 *   so command buffers can reach it; an engine write to it faults the queue.
 * - the **control page** (&struct drm_dsb_queue_ctrl): doorbell and engine read
 *   pointer, read-write.
 * - the **fence memory** (&struct drm_dsb_fence_mem_header followed by
 *   @fence_slots &struct drm_dsb_fence_slot): read-only. A job's completion is
 *   visible without a syscall: its slot's @seqno reaches the job's seqno.
 * - the **submission/completion rings** (&struct drm_dsb_sq_cq_header, SQEs at
 *   @sqes_offset, CQEs at @cqes_offset inside the region), read-write.
 *
 * Nothing the process writes into these regions can make the kernel
 * misbehave: the engine verifies a keyed MAC on every packet and faults the
 * queue on any mismatch.
 */

/**
 * DOC: Scheduling
 *
 * Each engine has a fixed number of hardware queue slots
 * (%DRM_DSB_PARAM_HW_SLOTS) and multiplexes any number of queues over them,
 * round robin: every round, every queue with work is mapped into a slot
 * (evicting the least recently run one) and runs for one time slice, whose
 * work budget and length double with its priority (0 low .. 3 realtime;
 * above %DRM_DSB_QUEUE_PRIORITY_NORMAL needs CAP_SYS_NICE or DRM master). So
 * no queue starves: a low-priority queue gets at least an eighth of a
 * realtime queue's share. A queue that blocks (a WAIT on a dependency, a
 * MEMWAIT, a DELAY) gives up its slot at once.
 *
 * The watchdog counts only time a queue spends on a slot without progress:
 * waiting for its turn among many queues never gets it banned.
 *
 * Deadline hints (kernels with dma_fence_ops.set_deadline, 6.3 and later):
 * a deadline set on a dsb fence (dma_fence_set_deadline(), a syncobj wait
 * with %DRM_SYNCOBJ_WAIT_FLAGS_WAIT_DEADLINE, SYNC_IOC_SET_DEADLINE on a
 * sync_file) boosts the queue that will signal it, at once and until that
 * job completes, whatever the deadline: a deadline now or past means as
 * soon as possible, and a boost does not end when its deadline passes.
 * The kernel writes &drm_dsb_fence_mem_header.boost_seqno and
 * .boost_until_ns; the engine runs the queue after the time slice it is
 * running, then first in each round, with the slice of the highest
 * priority when its creator could have asked for it (CAP_SYS_NICE or DRM
 * master), otherwise of at most normal: any holder of a fence can set a
 * deadline, and the hint never gives more than the priority rule. The
 * boost is for that job (and the queue's jobs before it), not for later
 * ones: its slice ends with the job. A fence that signals after its
 * deadline is counted as a missed deadline (debugfs, tracepoint).
 */

/** define DRM_DSB_PACKET_SIZE - size of one ring packet in bytes. */
#define DRM_DSB_PACKET_SIZE		64
/** define DRM_DSB_INSTR_SIZE - size of one command-buffer instruction in bytes. */
#define DRM_DSB_INSTR_SIZE		32

/**
 * enum drm_dsb_queue_flags - flags of &struct drm_dsb_queue_create
 */
enum drm_dsb_queue_flags {
	/** @DRM_DSB_QUEUE_RING_READONLY: map the ring read-only. */
	DRM_DSB_QUEUE_RING_READONLY = 1 << 0,
	/**
	 * @DRM_DSB_QUEUE_EXPLICIT_SYNC: the queue's jobs ignore implicit
	 * synchronization: their buffer lists are checked but no
	 * reservation object is locked, waited for or given a fence
	 * (version 7).
	 */
	DRM_DSB_QUEUE_EXPLICIT_SYNC = 1 << 1,
};

/**
 * define DRM_DSB_QUEUE_PRIORITY_NORMAL - highest priority anyone may use
 *
 * Priorities are 0 (low), 1 (normal), 2 (high) and 3 (realtime). Above
 * normal needs CAP_SYS_NICE or DRM master, as amdgpu's user queues
 * require; others get -EACCES. A higher priority gets a longer time slice
 * on the engine, never all of it: every queue with work runs every round.
 */
#define DRM_DSB_QUEUE_PRIORITY_NORMAL	1

/** define DRM_DSB_QUEUE_PRIORITY_MAX - highest queue priority. */
#define DRM_DSB_QUEUE_PRIORITY_MAX	3

/**
 * struct drm_dsb_queue_create - argument of %DRM_IOCTL_DSB_QUEUE_CREATE
 *
 * Errors: -EINVAL for unknown flags, nonzero pad, a size that is not a
 * power of two or out of range, a priority above
 * %DRM_DSB_QUEUE_PRIORITY_MAX; -EACCES for a priority above
 * %DRM_DSB_QUEUE_PRIORITY_NORMAL without CAP_SYS_NICE or DRM master;
 * -EMFILE when the file has
 * %DRM_DSB_PARAM_MAX_QUEUES queues; -EDQUOT beyond the caller's or the
 * total memory limit (see "Memory accounting"); -ENOMEM.
 */
struct drm_dsb_queue_create {
	/** @flags: in, &enum drm_dsb_queue_flags. */
	__u32 flags;
	/** @priority: in, 0 (lowest) to %DRM_DSB_QUEUE_PRIORITY_MAX. */
	__u32 priority;
	/** @ring_packets: in/out, ring size in packets, power of two, 0: 256. */
	__u32 ring_packets;
	/** @fence_slots: in/out, number of fence slots, power of two, 0: 64. */
	__u32 fence_slots;
	/** @timeout_ms: in/out, watchdog timeout (at most 600000), 0: module default. */
	__u32 timeout_ms;
	/** @queue_id: out, queue id, unique within the file, nonzero. */
	__u32 queue_id;
	/** @ring_va: out, GPU VA of the ring. */
	__u64 ring_va;
	/** @ring_offset: out, mmap offset of the ring. */
	__u64 ring_offset;
	/** @ctrl_offset: out, mmap offset of the control page. */
	__u64 ctrl_offset;
	/** @fences_offset: out, mmap offset of the fence memory. */
	__u64 fences_offset;
	/** @sq_cq_offset: out, mmap offset of the SQ/CQ region. */
	__u64 sq_cq_offset;
	/** @sq_cq_size: out, size of the SQ/CQ region in bytes. */
	__u64 sq_cq_size;
	/** @sq_entries: out, SQ entries (power of two, = fence_slots). */
	__u32 sq_entries;
	/** @cq_entries: out, CQ entries (power of two, 2 * fence_slots). */
	__u32 cq_entries;
};

/**
 * struct drm_dsb_queue_destroy - argument of %DRM_IOCTL_DSB_QUEUE_DESTROY
 *
 * Jobs still pending are cancelled: their fences signal with -ECANCELED.
 * -ENOENT for an unknown queue.
 */
struct drm_dsb_queue_destroy {
	/** @queue_id: in, queue to destroy. */
	__u32 queue_id;
	/** @pad: MBZ. */
	__u32 pad;
};

/**
 * struct drm_dsb_queue_ctrl - the queue's control page (mapped read-write)
 *
 * The kernel writes @doorbell after writing packets; the engine reads it
 * and publishes how far it got in @rptr. A process may write anything
 * here: a doorbell beyond what the kernel wrote makes the engine read
 * packets the kernel did not write, which fails their MAC and faults the
 * queue; a lowered doorbell stalls the queue until the watchdog bans it.
 */
struct drm_dsb_queue_ctrl {
	/** @doorbell: write pointer, in packets since creation. */
	__u64 doorbell;
	/** @pad0: keeps @rptr on its own cache line. */
	__u64 pad0[7];
	/** @rptr: engine read pointer, in packets since creation. */
	__u64 rptr;
	/** @pad1: reserved. */
	__u64 pad1[7];
};

/**
 * struct drm_dsb_fence_slot - one fence slot in fence memory
 *
 * When the job with seqno S on this slot completes, the engine writes
 * @error, then (release) @seqno = S. Seqnos of a queue only grow, so
 * "@seqno >= S" (acquire) means job S is done.
 */
struct drm_dsb_fence_slot {
	/** @seqno: seqno of the last job completed on this slot. */
	__u64 seqno;
	/** @error: 0 or the negative errno of that job. */
	__s32 error;
	/**
	 * @flags: %DRM_DSB_SLOT_ERROR_INHERITED when @error came from one of
	 * the job's dependencies rather than from the job itself (version 8).
	 */
	__u32 flags;
};

/**
 * define DRM_DSB_SLOT_ERROR_INHERITED - a fence slot's error is a
 * dependency's
 *
 * Such an error reaches the job's explicit waiters, but not its implicit
 * ones (jobs that wait for it only through a shared buffer): one failed
 * producer fails its direct implicit consumers, not every later user of
 * the buffer.
 */
#define DRM_DSB_SLOT_ERROR_INHERITED	0x1u

/**
 * struct drm_dsb_fence_mem_header - start of a queue's fence memory
 *
 * @completed is written (release) after the completed job's slot, so an
 * acquire load of it orders later reads of that slot.
 *
 * Slot i is at byte offset ``sizeof(header) + i * sizeof(drm_dsb_fence_slot)``.
 */
struct drm_dsb_fence_mem_header {
	/** @completed: seqno of the last completed job of the queue. */
	__u64 completed;
	/** @state: &enum drm_dsb_queue_state. */
	__u32 state;
	/** @fault: &enum drm_dsb_fault_kind. */
	__u32 fault;
	/**
	 * @boost_seqno: kernel-written scheduling hint (version 8): while
	 * @completed is below it, the engine runs the queue first in each
	 * round, at its boost priority. Set when a deadline is set on one of
	 * the queue's fences (see "Scheduling").
	 */
	__u64 boost_seqno;
	/**
	 * @boost_until_ns: the earliest deadline (CLOCK_MONOTONIC) set on the
	 * jobs of that boost (version 8), while @completed is below
	 * @boost_seqno. Informational: the boost lasts until job @boost_seqno
	 * completes, however late.
	 */
	__u64 boost_until_ns;
	/** @pad: reserved. */
	__u64 pad[4];
};

/**
 * DOC: Ring packets
 *
 * Each packet is 64 bytes. @mac is SipHash-2-4 under a per-queue key that is
 * never mapped to userspace, over words 0..6 of the packet and the ring
 * position. The engine checks that @seq equals its read pointer and that
 * the MAC matches before executing; otherwise the queue faults with
 * %DRM_DSB_FAULT_TAMPER. A job is: zero or more WAIT, one EXEC, one SIGNAL.
 *
 * - %DRM_DSB_PKT_WAIT: arg[0] = dependency index in the queue's kernel-only
 *   dependency table, arg[1] = value to reach (>=), arg[2] = job seqno. The
 *   entry points at another dsb queue's fence slot (a GPU-side wait) or at
 *   a kernel proxy word set by a fence callback (foreign fences). A
 *   dependency that completed with an error makes the job skip its EXEC
 *   and complete with that error.
 * - %DRM_DSB_PKT_EXEC: arg[0] = command buffer GPU VA, arg[1] = length in
 *   bytes, arg[2] = job seqno.
 * - %DRM_DSB_PKT_SIGNAL: arg[0] = fence slot, arg[1] = seqno to write.
 *
 * The same, as data: drm_dsb_isa_packet() (see "ISA table").
 */

/** enum drm_dsb_packet_op - ring packet opcodes */
enum drm_dsb_packet_op {
	/** @DRM_DSB_PKT_NOP: does nothing (unused by the kernel). */
	DRM_DSB_PKT_NOP = 0,
	/** @DRM_DSB_PKT_WAIT: wait for a dependency. */
	DRM_DSB_PKT_WAIT = 1,
	/** @DRM_DSB_PKT_EXEC: execute a command buffer. */
	DRM_DSB_PKT_EXEC = 2,
	/** @DRM_DSB_PKT_SIGNAL: write a fence slot and interrupt. */
	DRM_DSB_PKT_SIGNAL = 3,
};

/**
 * struct drm_dsb_packet - one ring packet
 */
struct drm_dsb_packet {
	/** @op: &enum drm_dsb_packet_op. */
	__u32 op;
	/** @flags: MBZ. */
	__u32 flags;
	/** @seq: packet sequence number (ring write pointer). */
	__u64 seq;
	/** @arg: operands, see the packet descriptions. */
	__u64 arg[5];
	/** @mac: SipHash-2-4 of words 0..6 and the ring position. */
	__u64 mac;
};

/**
 * DOC: Command-buffer ISA
 *
 * A command buffer is an array of 32-byte &struct drm_dsb_instr in a BO,
 * referenced by GPU VA and length (a multiple of 32, at most
 * %DRM_DSB_PARAM_MAX_CMD_LEN). Memory operands are GPU VAs of the file's
 * address space; every access must lie inside one mapping. 64-bit accesses
 * must be 8-byte aligned; @len of COPY and FILL is 1 to
 * %DRM_DSB_ISA_MAX_LEN (1 MiB), FILL's a multiple of 4. A bad opcode,
 * nonzero @flags where not allowed, an unmapped or misaligned VA, a length
 * out of range or a write into a ring faults the queue
 * (%DRM_DSB_FAULT_*), and the job completes with -EIO.
 *
 * - %DRM_DSB_OP_NOP.
 * - %DRM_DSB_OP_WRITE: ``*(u64 *)a = b``.
 * - %DRM_DSB_OP_COPY: copy c bytes from b to a (memmove).
 * - %DRM_DSB_OP_FILL: fill c bytes at a with the 32-bit pattern b (bits
 *   32..63 of b are ignored).
 * - %DRM_DSB_OP_ATOMIC_ADD: ``*(u64 *)a += b``, atomically.
 * - %DRM_DSB_OP_TIMESTAMP: ``*(u64 *)a = CLOCK_MONOTONIC ns``.
 * - %DRM_DSB_OP_MEMWAIT: wait until ``*(u64 *)a >= b`` (flags
 *   %DRM_DSB_MEMWAIT_EQ: ``== b``); a user-level GPU semaphore, polled.
 * - %DRM_DSB_OP_DELAY: model a ns of execution without burning a CPU
 *   (a <= %DRM_DSB_ISA_MAX_DELAY_NS, 1 s).
 *
 * The same, as data: drm_dsb_isa_instr() (see "ISA table").
 */

/** enum drm_dsb_instr_op - command-buffer opcodes */
enum drm_dsb_instr_op {
	/** @DRM_DSB_OP_NOP: no operation. */
	DRM_DSB_OP_NOP = 0,
	/** @DRM_DSB_OP_WRITE: write a 64-bit immediate. */
	DRM_DSB_OP_WRITE = 1,
	/** @DRM_DSB_OP_COPY: copy bytes. */
	DRM_DSB_OP_COPY = 2,
	/** @DRM_DSB_OP_FILL: fill with a 32-bit pattern. */
	DRM_DSB_OP_FILL = 3,
	/** @DRM_DSB_OP_ATOMIC_ADD: atomic 64-bit add. */
	DRM_DSB_OP_ATOMIC_ADD = 4,
	/** @DRM_DSB_OP_TIMESTAMP: write a timestamp. */
	DRM_DSB_OP_TIMESTAMP = 5,
	/** @DRM_DSB_OP_MEMWAIT: wait on a memory word. */
	DRM_DSB_OP_MEMWAIT = 6,
	/** @DRM_DSB_OP_DELAY: model execution time. */
	DRM_DSB_OP_DELAY = 7,
};

/** define DRM_DSB_MEMWAIT_EQ - MEMWAIT flag: wait for equality, not >=. */
#define DRM_DSB_MEMWAIT_EQ		0x1u

/** define DRM_DSB_ISA_MAX_LEN - longest COPY or FILL, in bytes. */
#define DRM_DSB_ISA_MAX_LEN		(1024ull * 1024)

/** define DRM_DSB_ISA_MAX_DELAY_NS - longest DELAY, in ns (1 s). */
#define DRM_DSB_ISA_MAX_DELAY_NS	1000000000ull

/**
 * struct drm_dsb_instr - one command-buffer instruction
 */
struct drm_dsb_instr {
	/** @op: &enum drm_dsb_instr_op. */
	__u32 op;
	/** @flags: MBZ except %DRM_DSB_MEMWAIT_EQ on MEMWAIT. */
	__u32 flags;
	/** @a: first operand (usually the destination VA). */
	__u64 a;
	/** @b: second operand. */
	__u64 b;
	/** @c: third operand (a length). */
	__u64 c;
};

/**
 * DOC: Submission
 *
 * %DRM_IOCTL_DSB_SUBMIT takes an array of &struct drm_dsb_job. The whole
 * array is copied and validated, and every allocation for every job is
 * made, before the first fence is armed: either all jobs are submitted or
 * none is (the ioctl then returns the error of the first bad job and
 * @drm_dsb_submit.bad_job says which). Within a queue, jobs execute in
 * order. Wait operations are resolved against the syncobj and sync_file
 * state at entry to the ioctl: a job cannot wait on a fence that a job of
 * the same batch signals.
 *
 * Errors: -EINVAL for malformed input (pad, flags, alignment, ranges);
 * -ENOENT for an unknown queue or syncobj, or a syncobj without a fence at
 * the requested point; -EBADF for a bad sync_file fd; -EBUSY when the
 * fence slot is still in flight (or used twice in the batch); -ENOSPC when
 * the ring has no room; -ECANCELED when the queue is banned (see
 * %DRM_IOCTL_DSB_QUEUE_STATUS); -EFAULT for a bad user pointer; -E2BIG for
 * a job whose wait operations resolve to more than
 * %DRM_DSB_PARAM_MAX_JOB_DEPS fences, an element larger than the kernel
 * knows with nonzero extra bytes, or a batch whose jobs name more than
 * %DRM_DSB_MAX_BATCH_BOS distinct buffers with implicit synchronization
 * (@drm_dsb_submit.bad_job is then the first job beyond: the jobs before
 * it fit in one batch); -EDQUOT when the jobs and fences of the
 * batch would exceed the caller's or the total memory limit (see "Memory
 * accounting"); -ENODATA for a job whose buffer list names a purged
 * buffer (see "Purgeable buffers"); -ENOMEM.
 *
 * A batch may have jobs on any number of the caller's queues, up to all of
 * them (a file has at most %DRM_DSB_PARAM_MAX_QUEUES); before version 11,
 * on at most 8 distinct queues (-EINVAL beyond).
 */

/**
 * DOC: Implicit synchronization
 *
 * A job may name the buffers it reads and writes: an array of &struct
 * drm_dsb_bo_ref in &drm_dsb_job.bos (SUBMIT), or a buffer list created in
 * advance with %DRM_IOCTL_DSB_BO_LIST_CREATE and named by
 * &drm_dsb_sqe.bo_list (SQ and io_uring), as amdgpu's BO list handles.
 * Each buffer's dma-buf reservation object then orders the job with every
 * other user of the buffer, in any driver:
 *
 * - before the job runs, it waits for the fences already there: a READ
 *   waits for the writers, a WRITE for the readers and the writers. A
 *   fence of the same dsb device becomes a GPU-side wait, any other (the
 *   other dsb device, vgem, a display driver, a sync_file imported with
 *   ``DMA_BUF_IOCTL_IMPORT_SYNC_FILE``) a proxy: no CPU ever waits;
 * - the job's fence is added with its usage, so other drivers' implicit
 *   sync, ``DMA_BUF_IOCTL_EXPORT_SYNC_FILE`` and poll() on an exported
 *   dma-buf see it.
 *
 * The reservation objects of a whole batch are locked together (a
 * ww_acquire context) and their fences resolved when the batch is
 * prepared: jobs of one batch on different queues are not ordered among
 * themselves by the buffers they share. A failed producer's error reaches
 * the implicit consumers queued behind it while it was pending (not later
 * users of the buffer, nor the consumers of a job that only inherited its
 * error, see %DRM_DSB_SLOT_ERROR_INHERITED): one failure does not poison a
 * shared buffer. Implicit and explicit
 * dependencies together count against %DRM_DSB_PARAM_MAX_JOB_DEPS (one per
 * fence context: only the latest fence of each is waited for).
 *
 * Buffers created with %DRM_DSB_BO_NO_IMPLICIT_SYNC, and every buffer of a
 * queue created with %DRM_DSB_QUEUE_EXPLICIT_SYNC, are checked but skip
 * all of this.
 *
 * The jobs of one batch together name at most %DRM_DSB_MAX_BATCH_BOS
 * distinct buffers with implicit synchronization (version 10): a buffer
 * counts once however many jobs name it, a buffer that skips implicit
 * synchronization does not count. Beyond it %DRM_IOCTL_DSB_SUBMIT fails
 * with -E2BIG before any reservation object is locked, and leaves nothing
 * behind; the SQ (ioctl and io_uring), whose batches the kernel forms,
 * ends a batch before the entry that would go beyond and submits that
 * entry in the next one, so no entry fails for it.
 *
 * Errors (the job's, or the list's at creation): -EINVAL for a list longer
 * than %DRM_DSB_MAX_JOB_BOS, an entry with no or unknown usage flags, or
 * the same buffer twice; -ENOENT for a handle this file does not have (or
 * an unknown &drm_dsb_sqe.bo_list); -EINTR or -ERESTARTSYS when a signal
 * arrives while the reservation objects are being locked; -EDQUOT,
 * -ENOMEM. Nothing of a rejected job is left behind.
 */

/** define DRM_DSB_MAX_JOB_BOS - most buffers in one job's buffer list. */
#define DRM_DSB_MAX_JOB_BOS	64

/**
 * define DRM_DSB_MAX_BATCH_BOS - most distinct buffers with implicit
 * synchronization the jobs of one batch name (version 10)
 *
 * Their reservation objects are locked together; the bound keeps the
 * locks one task holds within what lockdep can follow (2,047 locks of
 * one class under one acquire context).
 */
#define DRM_DSB_MAX_BATCH_BOS	1024

/** enum drm_dsb_bo_ref_flags - usage flags of &struct drm_dsb_bo_ref */
enum drm_dsb_bo_ref_flags {
	/** @DRM_DSB_BO_READ: the job reads the buffer. */
	DRM_DSB_BO_READ = 1 << 0,
	/** @DRM_DSB_BO_WRITE: the job writes (and may read) the buffer. */
	DRM_DSB_BO_WRITE = 1 << 1,
};

/**
 * struct drm_dsb_bo_ref - one buffer of a job's buffer list
 */
struct drm_dsb_bo_ref {
	/** @handle: GEM handle in the caller's file (own or imported). */
	__u32 handle;
	/** @flags: &enum drm_dsb_bo_ref_flags, at least one. */
	__u32 flags;
};

/**
 * struct drm_dsb_bo_list_create - argument of %DRM_IOCTL_DSB_BO_LIST_CREATE
 *
 * The list holds a reference on each buffer until it is destroyed (or the
 * file closed), so closing a handle later does not change it.
 */
struct drm_dsb_bo_list_create {
	/** @bos: in, array of &struct drm_dsb_bo_ref. */
	struct drm_dsb_obj_array bos;
	/** @flags: in, MBZ. */
	__u32 flags;
	/** @list_id: out, nonzero id for &drm_dsb_sqe.bo_list. */
	__u32 list_id;
};

/**
 * struct drm_dsb_bo_list_destroy - argument of %DRM_IOCTL_DSB_BO_LIST_DESTROY
 *
 * Jobs already submitted with the list are not affected.
 */
struct drm_dsb_bo_list_destroy {
	/** @list_id: in, the list. */
	__u32 list_id;
	/** @pad: MBZ. */
	__u32 pad;
};

/** enum drm_dsb_sync_op_flags - flags of &struct drm_dsb_sync_op */
enum drm_dsb_sync_op_flags {
	/** @DRM_DSB_SYNC_OP_WAIT: wait on the fence (input dependency). */
	DRM_DSB_SYNC_OP_WAIT = 0,
	/** @DRM_DSB_SYNC_OP_SIGNAL: publish the job's fence. */
	DRM_DSB_SYNC_OP_SIGNAL = 1 << 0,
	/** @DRM_DSB_SYNC_OP_SYNCOBJ: @handle is a binary syncobj. */
	DRM_DSB_SYNC_OP_SYNCOBJ = 0 << 1,
	/** @DRM_DSB_SYNC_OP_TIMELINE: @handle is a timeline syncobj. */
	DRM_DSB_SYNC_OP_TIMELINE = 1 << 1,
	/** @DRM_DSB_SYNC_OP_SYNC_FILE: @handle is a sync_file fd (wait only). */
	DRM_DSB_SYNC_OP_SYNC_FILE = 2 << 1,
	/**
	 * @DRM_DSB_SYNC_OP_QUEUE: wait only (version 12): @handle is a queue
	 * of the submitting file and @point a job's seqno in it; the job
	 * waits for that job directly, a GPU-side wait on its fence slot,
	 * with no syncobj (see "Fences on demand"). Errors: -ENOENT for an
	 * unknown queue, -EINVAL for seqno 0 or one not yet submitted,
	 * -ENODATA for a job completed so long ago that its status is no
	 * longer known (as %DRM_IOCTL_DSB_WAIT).
	 */
	DRM_DSB_SYNC_OP_QUEUE = 3 << 1,
	/** @DRM_DSB_SYNC_OP_TYPE_MASK: mask of the handle type. */
	DRM_DSB_SYNC_OP_TYPE_MASK = 3 << 1,
};

/**
 * struct drm_dsb_sync_op - a wait or signal operation of a job
 */
struct drm_dsb_sync_op {
	/** @flags: &enum drm_dsb_sync_op_flags. */
	__u32 flags;
	/** @handle: syncobj handle, sync_file fd or queue id. */
	__u32 handle;
	/** @point: timeline point (TIMELINE), seqno (QUEUE), otherwise MBZ. */
	__u64 point;
};

/** define DRM_DSB_MAX_SYNC_OPS - wait + signal operations per job. */
#define DRM_DSB_MAX_SYNC_OPS	16

/**
 * struct drm_dsb_job - one job of %DRM_IOCTL_DSB_SUBMIT
 */
struct drm_dsb_job {
	/** @queue_id: in, target queue. */
	__u32 queue_id;
	/** @slot: in, fence slot, must not be in flight. */
	__u32 slot;
	/** @cmd_va: in, GPU VA of the command buffer (32-byte aligned). */
	__u64 cmd_va;
	/** @cmd_len: in, command buffer length in bytes, multiple of 32. */
	__u32 cmd_len;
	/** @flags: in, MBZ. */
	__u32 flags;
	/** @syncs: in, array of &struct drm_dsb_sync_op. */
	struct drm_dsb_obj_array syncs;
	/** @user_data: in, opaque, echoed in the job's CQE if any. */
	__u64 user_data;
	/** @seqno: out, the job's seqno (its fence's seqno) in the queue. */
	__u64 seqno;
	/**
	 * @bos: in, the buffers the job reads or writes, an array of
	 * &struct drm_dsb_bo_ref (version 7; at most
	 * %DRM_DSB_MAX_JOB_BOS). See "Implicit synchronization".
	 */
	struct drm_dsb_obj_array bos;
};

/** define DRM_DSB_MAX_JOBS - jobs per %DRM_IOCTL_DSB_SUBMIT. */
#define DRM_DSB_MAX_JOBS	256

/**
 * struct drm_dsb_submit - argument of %DRM_IOCTL_DSB_SUBMIT
 */
struct drm_dsb_submit {
	/** @jobs: in, array of &struct drm_dsb_job. */
	struct drm_dsb_obj_array jobs;
	/** @flags: in, MBZ. */
	__u32 flags;
	/** @bad_job: out, on error, index of the job that failed. */
	__u32 bad_job;
};

/**
 * DOC: Fences on demand
 *
 * A job gets a dma_fence only when something can observe it as one
 * (version 12; before, every job had one). At submission, that is a job
 *
 * - with a %DRM_DSB_SYNC_OP_SIGNAL operation (the syncobj holds the fence);
 * - with a buffer list whose buffers use implicit synchronization (the
 *   buffers' reservation objects hold it);
 * - that is the last job of its batch (%DRM_IOCTL_DSB_SUBMIT, one SQ
 *   submission or one %DRM_DSB_URING_SUBMIT): the kernel's memory
 *   reclaim waits for it before it evicts the file's buffers.
 *
 * Every other job completes through its fence slot and its CQE only. A
 * fence is made later, on demand, when something asks for one:
 * %DRM_IOCTL_DSB_FENCE_TO_HANDLE (a syncobj or sync_file for (queue,
 * seqno), as amdgpu's ``DRM_AMDGPU_FENCE_TO_HANDLE``),
 * %DRM_DSB_URING_FENCE_TO_FD, %DRM_DSB_URING_WAIT_SEQNO and a
 * %DRM_DSB_SYNC_OP_QUEUE dependency. The fence is allocated in that call,
 * never in a signalling path: for a job still in flight it is attached to
 * the job where its completion finds it; for a job already complete it is
 * created signalled, with the job's status and error origin. Either way
 * it agrees with every other report of the job: a job reported complete
 * anywhere has a signalled fence with the status it was reported with. A
 * job completed so long ago that its status is no longer known gets
 * -ENODATA, as %DRM_IOCTL_DSB_WAIT answers.
 *
 * %DRM_IOCTL_DSB_WAIT, the library's waits and %DRM_IOCTL_DSB_JOB_ERROR
 * need no fence. Deadline hints (``SYNC_IOC_SET_DEADLINE``,
 * ``DRM_IOCTL_SYNCOBJ_*`` with a deadline) apply to jobs with a fence.
 */

/** enum drm_dsb_fence_to_handle_what - what %DRM_IOCTL_DSB_FENCE_TO_HANDLE makes */
enum drm_dsb_fence_to_handle_what {
	/** @DRM_DSB_FENCE_TO_SYNCOBJ: a new binary syncobj holding the fence. */
	DRM_DSB_FENCE_TO_SYNCOBJ = 0,
	/** @DRM_DSB_FENCE_TO_SYNC_FILE: a sync_file fd (close-on-exec). */
	DRM_DSB_FENCE_TO_SYNC_FILE = 1,
};

/**
 * struct drm_dsb_fence_to_handle - argument of %DRM_IOCTL_DSB_FENCE_TO_HANDLE
 *
 * The fence of job @seqno of a queue of the caller's, as a new syncobj or
 * a sync_file (see "Fences on demand"). Errors: -EINVAL for unknown @what,
 * nonzero @pad, seqno 0 or one not yet submitted; -ENOENT for an unknown
 * queue; -ENODATA for a completed job whose status is no longer known;
 * -EDQUOT beyond the caller's memory limits (the fence is charged to the
 * queue's owner until it is freed); -EMFILE without a free fd; -ENOMEM.
 * Nothing is left behind on error.
 */
struct drm_dsb_fence_to_handle {
	/** @queue_id: in, the queue. */
	__u32 queue_id;
	/** @what: in, &enum drm_dsb_fence_to_handle_what. */
	__u32 what;
	/** @seqno: in, the job. */
	__u64 seqno;
	/** @handle: out, the syncobj handle or the sync_file fd. */
	__u32 handle;
	/** @pad: MBZ. */
	__u32 pad;
};

/** enum drm_dsb_wait_flags - flags of &struct drm_dsb_wait */
enum drm_dsb_wait_flags {
	/** @DRM_DSB_WAIT_RELATIVE: @timeout_ns is relative, not absolute. */
	DRM_DSB_WAIT_RELATIVE = 1 << 0,
};

/**
 * struct drm_dsb_wait - argument of %DRM_IOCTL_DSB_WAIT
 *
 * Waits, interruptibly, until job @seqno of the queue has completed. It
 * works for every job, whether it has a fence or not (see "Fences on
 * demand"), and creates none: a job without one is waited for on the
 * queue's completion (woken once per retired batch of jobs).
 * Returns 0 with @error set to the job's status (0 or a negative errno),
 * -ETIME when the timeout passes, -EINVAL for a seqno never submitted,
 * -ERESTARTSYS on a signal, and -ENODATA for a job completed so long ago
 * that its status is no longer known: its fence slot was reused and a job
 * of the queue that failed may be it (a job before the queue's first
 * failure or after its last one is known to have succeeded). Success is
 * never reported for a job that failed.
 *
 * When this (or any dsb interface: io_uring waits, fence memory, CQEs,
 * syncobjs, sync_files, the library's waits) reports a job complete, its
 * dma_fence, syncobj points and sync_files already read as signalled, and
 * what the job held is free to reuse: its fence slot takes a new job, its
 * ring space and its CQE's room in the CQ are available (the CQE once
 * consumed).
 */
struct drm_dsb_wait {
	/** @queue_id: in, queue. */
	__u32 queue_id;
	/** @flags: in, &enum drm_dsb_wait_flags. */
	__u32 flags;
	/** @seqno: in, job seqno. */
	__u64 seqno;
	/** @timeout_ns: in, CLOCK_MONOTONIC deadline (or relative). */
	__s64 timeout_ns;
	/** @error: out, status of the job. */
	__s32 error;
	/** @pad: MBZ. */
	__u32 pad;
};

/** enum drm_dsb_queue_state - queue state */
enum drm_dsb_queue_state {
	/** @DRM_DSB_QUEUE_ACTIVE: accepting and running jobs. */
	DRM_DSB_QUEUE_ACTIVE = 0,
	/** @DRM_DSB_QUEUE_BANNED: faulted or hung; submits fail. */
	DRM_DSB_QUEUE_BANNED = 1,
};

/**
 * enum drm_dsb_fault_kind - why a queue was banned
 *
 * The job that caused the ban completes with the errno given here; jobs
 * after it complete with -ECANCELED.
 */
enum drm_dsb_fault_kind {
	/** @DRM_DSB_FAULT_NONE: no fault. */
	DRM_DSB_FAULT_NONE = 0,
	/** @DRM_DSB_FAULT_TIMEOUT: no progress within the timeout (-ETIMEDOUT). */
	DRM_DSB_FAULT_TIMEOUT,
	/** @DRM_DSB_FAULT_TAMPER: packet MAC or sequence mismatch (-EBADMSG). */
	DRM_DSB_FAULT_TAMPER,
	/** @DRM_DSB_FAULT_DOORBELL: doorbell beyond the ring (-EBADMSG). */
	DRM_DSB_FAULT_DOORBELL,
	/** @DRM_DSB_FAULT_BAD_OPCODE: invalid packet or instruction (-EIO). */
	DRM_DSB_FAULT_BAD_OPCODE,
	/** @DRM_DSB_FAULT_BAD_VA: unmapped or misaligned VA (-EIO). */
	DRM_DSB_FAULT_BAD_VA,
	/** @DRM_DSB_FAULT_BAD_LENGTH: length out of range (-EIO). */
	DRM_DSB_FAULT_BAD_LENGTH,
	/** @DRM_DSB_FAULT_RING_WRITE: command buffer wrote a ring (-EIO). */
	DRM_DSB_FAULT_RING_WRITE,
};

/**
 * DOC: User-managed GPU virtual addresses
 *
 * By default the kernel picks each buffer's GPU VA (see "Buffer objects
 * and the GPU virtual address space"). A file can instead manage its VAs
 * itself, as a Vulkan driver needs for sparse resources and for
 * capture/replay of buffer device addresses (version 13, where
 * %DRM_DSB_PARAM_VM_BIND is 1): %DRM_IOCTL_DSB_VM_INIT with
 * %DRM_DSB_VM_USER_MANAGED, before the file creates any buffer or queue.
 * From then on:
 *
 * - %DRM_IOCTL_DSB_BO_CREATE and %DRM_IOCTL_DSB_BO_INFO map nothing and
 *   report a VA of 0;
 * - %DRM_IOCTL_DSB_VM_BIND maps buffers (or a range of one) at VAs the
 *   caller chooses inside [va_start, va_start + va_size) as
 *   %DRM_IOCTL_DSB_VM_INIT reports them; the kernel keeps queue rings in
 *   the rest of the address space;
 * - a mapping holds a reference to its buffer: closing the handle does not
 *   unmap it, and the buffer lives until it is unmapped or the file is
 *   closed;
 * - everything else is unchanged: buffer lists and implicit
 *   synchronization name buffers by handle, reclaim evicts and restores
 *   bound buffers as any other, purged buffers fault.
 *
 * %DRM_IOCTL_DSB_VM_BIND takes an array of operations, all page-aligned:
 *
 * - %DRM_DSB_VM_BIND_MAP maps [bo_offset, bo_offset + range) of a buffer
 *   at [va, va + range), read-only with %DRM_DSB_VM_BIND_READONLY (an
 *   engine write there faults as a write into a queue ring does);
 * - %DRM_DSB_VM_BIND_UNMAP removes whatever is mapped in [va, va + range):
 *   a mapping that only partly overlaps the range is split, and keeps its
 *   parts outside it; unmapping a hole is not an error;
 * - %DRM_DSB_VM_BIND_MAP_SPARSE binds [va, va + range) to nothing: the
 *   engine reads zeros there and its writes are dropped (Vulkan's
 *   residencyNonResidentStrict).
 *
 * A MAP or MAP_SPARSE over mapped VAs replaces what was there (split as by
 * UNMAP). Operations of one call must not overlap each other. Everything
 * is checked before anything changes: a call that fails changed nothing
 * (&drm_dsb_vm_bind.bad_op names the operation at fault).
 *
 * **When a bind takes effect.** The binds of a file take effect one after
 * the other, in the order of the calls. A synchronous call (no
 * %DRM_DSB_VM_BIND_ASYNC) first waits for its wait operations and the
 * file's earlier asynchronous binds (interruptibly: on a signal it fails
 * with -EINTR and changes nothing), then takes effect before the ioctl
 * returns. An asynchronous call returns at once, and its operations take
 * effect together when its wait operations have signalled (whatever their
 * status) and the earlier binds have taken effect; then its signal
 * operations signal. At most %DRM_DSB_MAX_PENDING_BINDS asynchronous calls
 * of a file wait at a time; beyond, -EBUSY.
 *
 * A job submitted after a bind took effect sees it. A job running while a
 * bind takes effect sees, at each access, the mappings before or after it;
 * an access to a range unmapped under it faults (%DRM_DSB_FAULT_BAD_VA)
 * and fails the job, which signals its fence with the error as any fault
 * does, and harms nothing else. To unmap only after the jobs using a range
 * are done, give the bind a wait operation on them (a syncobj they signal,
 * or %DRM_DSB_SYNC_OP_QUEUE).
 *
 * Wait operations are those of a job (&struct drm_dsb_sync_op: binary and
 * timeline syncobjs, sync_files, %DRM_DSB_SYNC_OP_QUEUE); signal
 * operations signal binary syncobjs or timeline points when the bind has
 * taken effect, with a fence whose status is 0. At most
 * %DRM_DSB_MAX_SYNC_OPS sync operations per call.
 *
 * **Bounds.** At most %DRM_DSB_MAX_BIND_OPS operations per call (-E2BIG),
 * at most %DRM_DSB_MAX_VM_MAPPINGS mappings per file (-ENOSPC: a call is
 * refused when it could end past it: each MAP or MAP_SPARSE makes one
 * mapping, and each mapping an operation overlaps is replaced by its
 * parts outside the operation's range, counted per operation. A file at
 * the limit can unmap, or map over, whole mappings). Each mapping is charged to the caller's
 * memory limit (-EDQUOT, see "Memory accounting").
 *
 * Errors of %DRM_IOCTL_DSB_VM_INIT: -EOPNOTSUPP without VM_BIND support;
 * -EINVAL for unknown flags or a nonzero pad; -EBUSY when the file already
 * has a buffer mapped or a queue, or asks to leave user-managed mode.
 * Asking again for the mode the file is in succeeds.
 *
 * Errors of %DRM_IOCTL_DSB_VM_BIND: -EOPNOTSUPP without VM_BIND support;
 * -EINVAL for a file not in user-managed mode, unknown flags or
 * operation, a nonzero pad, a range that is zero, not page-aligned, past
 * the buffer or outside [va_start, va_start + va_size), a handle or offset
 * given to UNMAP or MAP_SPARSE, operations overlapping each other, or an
 * invalid sync operation; -ENOENT for an unknown buffer, syncobj or queue;
 * -EBADF for a bad sync_file; -ENODATA for a %DRM_DSB_SYNC_OP_QUEUE wait
 * on a job whose status is no longer known; -E2BIG; -ENOSPC; -EBUSY;
 * -EINTR; -EFAULT; -EDQUOT; -ENOMEM.
 */

/** enum drm_dsb_vm_init_flags - flags of &struct drm_dsb_vm_init */
enum drm_dsb_vm_init_flags {
	/** @DRM_DSB_VM_USER_MANAGED: userspace chooses GPU VAs (VM_BIND). */
	DRM_DSB_VM_USER_MANAGED = 1 << 0,
};

/**
 * struct drm_dsb_vm_init - argument of %DRM_IOCTL_DSB_VM_INIT
 */
struct drm_dsb_vm_init {
	/** @flags: in, &enum drm_dsb_vm_init_flags. */
	__u32 flags;
	/** @pad: MBZ. */
	__u32 pad;
	/** @va_start: out, first VA %DRM_IOCTL_DSB_VM_BIND may bind. */
	__u64 va_start;
	/** @va_size: out, size of the range VM_BIND may bind. */
	__u64 va_size;
};

/** enum drm_dsb_vm_bind_op_type - operations of %DRM_IOCTL_DSB_VM_BIND */
enum drm_dsb_vm_bind_op_type {
	/** @DRM_DSB_VM_BIND_MAP: map a range of a buffer. */
	DRM_DSB_VM_BIND_MAP = 0,
	/** @DRM_DSB_VM_BIND_UNMAP: unmap a range. */
	DRM_DSB_VM_BIND_UNMAP = 1,
	/** @DRM_DSB_VM_BIND_MAP_SPARSE: bind a range to nothing (reads zero). */
	DRM_DSB_VM_BIND_MAP_SPARSE = 2,
};

/** enum drm_dsb_vm_bind_op_flags - flags of &struct drm_dsb_vm_bind_op */
enum drm_dsb_vm_bind_op_flags {
	/** @DRM_DSB_VM_BIND_READONLY: the engine may not write (MAP only). */
	DRM_DSB_VM_BIND_READONLY = 1 << 0,
};

/**
 * struct drm_dsb_vm_bind_op - one operation of %DRM_IOCTL_DSB_VM_BIND
 */
struct drm_dsb_vm_bind_op {
	/** @op: &enum drm_dsb_vm_bind_op_type. */
	__u32 op;
	/** @flags: &enum drm_dsb_vm_bind_op_flags. */
	__u32 flags;
	/** @handle: the buffer (MAP), otherwise MBZ. */
	__u32 handle;
	/** @pad: MBZ. */
	__u32 pad;
	/** @bo_offset: offset in the buffer (MAP), otherwise MBZ. */
	__u64 bo_offset;
	/** @va: start of the range. */
	__u64 va;
	/** @range: length of the range in bytes. */
	__u64 range;
};

/** enum drm_dsb_vm_bind_flags - flags of &struct drm_dsb_vm_bind */
enum drm_dsb_vm_bind_flags {
	/** @DRM_DSB_VM_BIND_ASYNC: return at once, take effect later. */
	DRM_DSB_VM_BIND_ASYNC = 1 << 0,
};

/** define DRM_DSB_MAX_BIND_OPS - operations per %DRM_IOCTL_DSB_VM_BIND. */
#define DRM_DSB_MAX_BIND_OPS		1024
/** define DRM_DSB_MAX_VM_MAPPINGS - mappings of one user-managed VM. */
#define DRM_DSB_MAX_VM_MAPPINGS		65536
/** define DRM_DSB_MAX_PENDING_BINDS - asynchronous binds waiting per file. */
#define DRM_DSB_MAX_PENDING_BINDS	64

/**
 * struct drm_dsb_vm_bind - argument of %DRM_IOCTL_DSB_VM_BIND
 */
struct drm_dsb_vm_bind {
	/** @ops: in, array of &struct drm_dsb_vm_bind_op. */
	struct drm_dsb_obj_array ops;
	/** @syncs: in, array of &struct drm_dsb_sync_op (waits and signals). */
	struct drm_dsb_obj_array syncs;
	/** @flags: in, &enum drm_dsb_vm_bind_flags. */
	__u32 flags;
	/** @bad_op: out, on error, index of the operation at fault. */
	__u32 bad_op;
};

/**
 * DOC: Error provenance
 *
 * A job that fails carries the origin of its error (version 9): for its
 * own fault, or its queue's ban or destroy, itself; for an error it
 * inherited from a dependency (directly, through a syncobj or a sync_file,
 * from the other dsb device, or along a chain of such jobs) the origin the
 * failed dependency carried, so the root of a chain is named at its tail,
 * with %DRM_DSB_ORIGIN_INHERITED set. A dependency of another driver that
 * failed is the root itself, with %DRM_DSB_ORIGIN_FOREIGN.
 *
 * The origin is reported by %DRM_IOCTL_DSB_JOB_ERROR (by queue and
 * seqno), by &drm_dsb_queue_status.failed_origin for the queue's last
 * failed job, by %DRM_DSB_CQE_ERROR_INHERITED in the CQE, and in debugfs
 * (``dsb_queues``).
 */

/** define DRM_DSB_ORIGIN_INHERITED - the job failed because a dependency did */
#define DRM_DSB_ORIGIN_INHERITED	0x1u
/**
 * define DRM_DSB_ORIGIN_FOREIGN - the root is a fence of another driver:
 * @device is ~0, @queue_id, @client_id and @seqno are 0
 */
#define DRM_DSB_ORIGIN_FOREIGN		0x2u

/**
 * struct drm_dsb_error_origin - where a job's error came from (40 bytes)
 *
 * All zero for a job that succeeded.
 */
struct drm_dsb_error_origin {
	/** @flags: %DRM_DSB_ORIGIN_INHERITED, %DRM_DSB_ORIGIN_FOREIGN. */
	__u32 flags;
	/** @error: the root's errno (the job's own error when not inherited). */
	__s32 error;
	/** @device: dsb device index of the root job (%DRM_DSB_PARAM_DEVICE_INDEX). */
	__u32 device;
	/** @queue_id: the root job's queue, as its owner names it. */
	__u32 queue_id;
	/** @client_id: drm-client-id (fdinfo) of the root queue's owner. */
	__u64 client_id;
	/** @seqno: the root job's seqno. */
	__u64 seqno;
	/**
	 * @fault: &enum drm_dsb_fault_kind of the root queue when the root
	 * failed (%DRM_DSB_FAULT_NONE for a destroyed queue or a foreign root).
	 */
	__u32 fault;
	/** @pad: 0. */
	__u32 pad;
};

/**
 * struct drm_dsb_job_error - argument of %DRM_IOCTL_DSB_JOB_ERROR
 *
 * The origin of job @seqno's error, kept while the job's fence slot is not
 * reused. -ENOENT for an unknown queue, -EINVAL for a nonzero pad, seqno 0
 * or a job not submitted, -EAGAIN for a job not complete, -ENODATA once
 * its slot was reused.
 */
struct drm_dsb_job_error {
	/** @queue_id: in, queue. */
	__u32 queue_id;
	/** @pad: MBZ. */
	__u32 pad;
	/** @seqno: in, the job. */
	__u64 seqno;
	/** @origin: out, the origin (all zero if the job succeeded). */
	struct drm_dsb_error_origin origin;
};

/**
 * struct drm_dsb_queue_status - argument of %DRM_IOCTL_DSB_QUEUE_STATUS
 */
struct drm_dsb_queue_status {
	/** @queue_id: in, queue. */
	__u32 queue_id;
	/** @state: out, &enum drm_dsb_queue_state. */
	__u32 state;
	/** @fault: out, &enum drm_dsb_fault_kind. */
	__u32 fault;
	/** @pad: MBZ. */
	__u32 pad;
	/** @fault_seqno: out, seqno of the job being executed at the fault. */
	__u64 fault_seqno;
	/** @fault_va: out, faulting GPU VA, or 0. */
	__u64 fault_va;
	/** @submitted: out, seqno of the last submitted job. */
	__u64 submitted;
	/** @completed: out, seqno of the last completed job. */
	__u64 completed;
	/**
	 * @failed_seqno: out, seqno of the last job that completed with an
	 * error, or 0 (version 9).
	 */
	__u64 failed_seqno;
	/** @failed_origin: out, where that job's error came from (version 9). */
	struct drm_dsb_error_origin failed_origin;
};

/**
 * DOC: Submission and completion rings
 *
 * Each queue has an io_uring-style SQ and CQ in one read-write region.
 * Userspace fills &struct drm_dsb_sqe at ``sq_tail & sq_mask``, advances
 * @sq_tail (release), and calls %DRM_IOCTL_DSB_QUEUE_SUBMIT_SQ (or the
 * io_uring SUBMIT command). The kernel copies each entry once, validates
 * it, submits the batch, advances @sq_head, and rings the doorbell once.
 * When a job completes the kernel writes a &struct drm_dsb_cqe at
 * ``cq_tail & cq_mask`` and advances @cq_tail (release); userspace reads
 * CQEs up to @cq_tail (acquire) and advances @cq_head.
 *
 * The kernel accepts an SQE only when the CQ is sure to have room for its
 * CQE, so the CQ never overflows and completion never allocates.
 *
 * The header is writable by userspace; its sizes and offsets are there for
 * userspace to read. The kernel keeps its own copies and never reads them
 * back, and a garbage @cq_head only makes the CQ look full.
 */

/**
 * struct drm_dsb_sq_cq_header - start of the SQ/CQ region
 */
struct drm_dsb_sq_cq_header {
	/** @sq_head: entries consumed by the kernel. */
	__u32 sq_head;
	/** @pad0: reserved. */
	__u32 pad0[15];
	/** @sq_tail: entries written by userspace. */
	__u32 sq_tail;
	/** @pad1: reserved. */
	__u32 pad1[15];
	/** @cq_head: entries consumed by userspace. */
	__u32 cq_head;
	/** @pad2: reserved. */
	__u32 pad2[15];
	/** @cq_tail: entries written by the kernel. */
	__u32 cq_tail;
	/** @pad3: reserved. */
	__u32 pad3[15];
	/** @sq_entries: number of SQEs. */
	__u32 sq_entries;
	/** @cq_entries: number of CQEs. */
	__u32 cq_entries;
	/** @sqes_offset: offset of the SQE array in the region. */
	__u32 sqes_offset;
	/** @cqes_offset: offset of the CQE array in the region. */
	__u32 cqes_offset;
};

/** define DRM_DSB_SQE_MAX_SYNCS - sync operations inline in one SQE. */
#define DRM_DSB_SQE_MAX_SYNCS	4

/**
 * struct drm_dsb_sqe - submission queue entry (128 bytes)
 */
struct drm_dsb_sqe {
	/** @user_data: echoed in the CQE. */
	__u64 user_data;
	/** @cmd_va: GPU VA of the command buffer. */
	__u64 cmd_va;
	/** @cmd_len: command buffer length in bytes. */
	__u32 cmd_len;
	/** @slot: fence slot. */
	__u32 slot;
	/** @flags: MBZ. */
	__u32 flags;
	/** @sync_count: number of valid @syncs. */
	__u32 sync_count;
	/** @syncs: wait/signal operations. */
	struct drm_dsb_sync_op syncs[DRM_DSB_SQE_MAX_SYNCS];
	/**
	 * @bo_list: a buffer list of this file (%DRM_IOCTL_DSB_BO_LIST_CREATE)
	 * the job reads or writes, 0 for none (version 7).
	 */
	__u32 bo_list;
	/** @pad32: MBZ. */
	__u32 pad32;
	/** @pad: MBZ. */
	__u64 pad[3];
};

/**
 * struct drm_dsb_cqe - completion queue entry (32 bytes)
 */
struct drm_dsb_cqe {
	/** @user_data: from the SQE. */
	__u64 user_data;
	/** @seqno: the job's seqno. */
	__u64 seqno;
	/** @error: 0 or the job's negative errno. */
	__s32 error;
	/** @slot: the job's fence slot. */
	__u32 slot;
	/**
	 * @flags: %DRM_DSB_CQE_ERROR_INHERITED (version 9; was part of a
	 * reserved 64-bit pad, always 0).
	 */
	__u32 flags;
	/** @pad: reserved, 0. */
	__u32 pad;
};

/**
 * define DRM_DSB_CQE_ERROR_INHERITED - the CQE's error is a dependency's;
 * %DRM_IOCTL_DSB_JOB_ERROR names its origin
 */
#define DRM_DSB_CQE_ERROR_INHERITED	0x1u

/**
 * struct drm_dsb_queue_submit_sq - argument of %DRM_IOCTL_DSB_QUEUE_SUBMIT_SQ
 *
 * Consumes up to @count entries between sq_head and sq_tail. Returns 0 and
 * @submitted. Entries are submitted in order; an invalid entry stops the
 * batch before it: entries before it are submitted, the bad one is
 * consumed and completes with an error CQE (its errno), and the ioctl
 * returns 0. An entry that would take a batch beyond
 * %DRM_DSB_MAX_BATCH_BOS buffers starts the next batch instead. When
 * nothing could be submitted: -EBUSY because the CQ or the fence slots are
 * full, -ENOSPC when the ring has no room, -ECANCELED for a banned queue,
 * -EDQUOT or -ENOMEM when a job could not be allocated, -EINTR for a fatal
 * signal.
 */
struct drm_dsb_queue_submit_sq {
	/** @queue_id: in, queue. */
	__u32 queue_id;
	/**
	 * @count: in, most entries to consume; one call consumes at most
	 * the SQ's size (@sq_entries of &struct drm_dsb_queue_create), so
	 * its time is bounded even while another thread refills the SQ.
	 */
	__u32 count;
	/** @flags: in, MBZ. */
	__u32 flags;
	/** @submitted: out, entries consumed (including bad ones). */
	__u32 submitted;
	/**
	 * @last_seqno: out, seqno of the last job submitted by this call, 0 if
	 * none (since version 4).
	 */
	__u64 last_seqno;
};

/**
 * DOC: io_uring commands
 *
 * ``IORING_OP_URING_CMD`` on the DRM fd; @cmd_op is one of the
 * ``DRM_DSB_URING_*`` command opcodes below and the 16-byte command area of
 * a standard 64-byte SQE holds &struct drm_dsb_uring_cmd. As ublk's, the
 * opcodes are ioctl-encoded on the command structure (``_IOWR('d', nr,
 * struct drm_dsb_uring_cmd)``), so a command area of the wrong size or an
 * opcode meant for another driver is rejected with -EINVAL (since version
 * 6; versions 4 and 5 used the raw values 0x0d5b0001..3, no longer
 * accepted).
 *
 * %DRM_DSB_URING_SUBMIT honours ``IO_URING_F_NONBLOCK``: issued inline it
 * never blocks: if the queue's SQ or submit lock or the file's residency
 * lock is contended, a buffer must be restored, or the batch has buffers
 * with implicit sync (whose reservation locks may sleep), it returns
 * -EAGAIN to io_uring, which retries it from a worker that may block; the
 * caller never sees that -EAGAIN.
 *
 * Waits (version 9). A file has at most %DRM_DSB_PARAM_MAX_URING_WAITS
 * waits outstanding, on all the io_urings it is used from together; one
 * more completes at once with -EBUSY (a wait on a fence already signalled
 * completes at once and does not count). ``dsb-uring-waits`` in the file's
 * fdinfo is the number outstanding. A wait's @arg is its cancel key, any
 * value: %DRM_DSB_URING_CANCEL with that key in @arg completes every
 * pending wait of the file with that key with -ECANCELED, and itself with
 * the number cancelled, or -ENOENT if there was none (a wait already
 * completing is not cancelled and posts its own result).
 * ``IORING_OP_ASYNC_CANCEL`` does not reach io_uring commands (on 6.1 and
 * 6.12 it returns -ENOENT and the wait stays pending): use
 * %DRM_DSB_URING_CANCEL. When an io_uring is torn down with waits pending,
 * kernels with cancelable io_uring commands (6.7 and later) complete them
 * with -ECANCELED at once; older kernels (6.1) keep them, counted against
 * the file's limit, until their fences signal (every dsb fence does,
 * within its queue's watchdog timeout).
 */

/**
 * enum drm_dsb_uring_cmd_nr - io_uring command numbers (the ``nr`` field
 * of the encoded opcode)
 */
enum drm_dsb_uring_cmd_nr {
	/**
	 * @DRM_DSB_URING_NR_SUBMIT: like %DRM_IOCTL_DSB_QUEUE_SUBMIT_SQ (at
	 * most the SQ size of @arg counts); res = count.
	 */
	DRM_DSB_URING_NR_SUBMIT = 0xd1,
	/** @DRM_DSB_URING_NR_WAIT_SEQNO: complete when job @value of @id is done. */
	DRM_DSB_URING_NR_WAIT_SEQNO = 0xd2,
	/** @DRM_DSB_URING_NR_WAIT_SYNCOBJ: complete when syncobj @id point @value signals. */
	DRM_DSB_URING_NR_WAIT_SYNCOBJ = 0xd3,
	/**
	 * @DRM_DSB_URING_NR_CANCEL: cancel the file's pending waits with
	 * cancel key @arg (@id and @value MBZ); res = number cancelled
	 * (version 9).
	 */
	DRM_DSB_URING_NR_CANCEL = 0xd4,
	/**
	 * @DRM_DSB_URING_NR_FENCE_TO_FD: as %DRM_IOCTL_DSB_FENCE_TO_HANDLE
	 * for job @value of queue @id, @arg its &enum
	 * drm_dsb_fence_to_handle_what; res = the syncobj handle or sync_file
	 * fd (version 12).
	 */
	DRM_DSB_URING_NR_FENCE_TO_FD = 0xd5,
};

/**
 * struct drm_dsb_uring_cmd - payload of a dsb io_uring command (16 bytes)
 */
struct drm_dsb_uring_cmd {
	/** @id: queue id or syncobj handle. */
	__u32 id;
	/**
	 * @arg: SUBMIT: most entries to consume; WAIT_*: the wait's cancel
	 * key (MBZ before version 9); CANCEL: the key of the waits to cancel;
	 * FENCE_TO_FD: &enum drm_dsb_fence_to_handle_what.
	 */
	__u32 arg;
	/** @value: seqno or timeline point (0 for a binary syncobj). */
	__u64 value;
};

/* The io_uring command opcodes, ioctl-encoded as ublk's ``UBLK_U_IO_*``. */
#define DRM_DSB_URING_CMD(nr)	_IOWR(DRM_IOCTL_BASE, nr, struct drm_dsb_uring_cmd)
#define DRM_DSB_URING_SUBMIT	DRM_DSB_URING_CMD(DRM_DSB_URING_NR_SUBMIT)
#define DRM_DSB_URING_WAIT_SEQNO	DRM_DSB_URING_CMD(DRM_DSB_URING_NR_WAIT_SEQNO)
#define DRM_DSB_URING_WAIT_SYNCOBJ	DRM_DSB_URING_CMD(DRM_DSB_URING_NR_WAIT_SYNCOBJ)
#define DRM_DSB_URING_CANCEL	DRM_DSB_URING_CMD(DRM_DSB_URING_NR_CANCEL)
#define DRM_DSB_URING_FENCE_TO_FD	DRM_DSB_URING_CMD(DRM_DSB_URING_NR_FENCE_TO_FD)

/**
 * DOC: ISA table
 *
 * What each command-buffer opcode (&enum drm_dsb_instr_op) and ring-packet
 * opcode (&enum drm_dsb_packet_op) is, said once, as data: the engine
 * checks instructions by it, and the kernel's debugfs and libdsb decode and
 * check by it; none of them keeps a list of its own. The macros and
 * helpers below are not ABI (nothing here is passed to the kernel) and may
 * grow; the opcodes, flags and operands they describe are.
 *
 * The tables are the static arrays of drm_dsb_isa_instr() (command-buffer
 * opcodes) and drm_dsb_isa_packet() (ring-packet opcodes), one
 * &struct drm_dsb_isa_desc per opcode, in opcode order (entry i is opcode
 * i; the lookup checks it):
 *
 * - @name: the mnemonic, the opcode without its ``DRM_DSB_OP_``
 *   (``DRM_DSB_PKT_``) prefix.
 * - @op: its number, the enum constant.
 * - @flags: the flags it allows; any other bit makes it invalid.
 * - @arg: its operands a, b, c (&drm_dsb_instr.a, .b, .c; a packet's
 *   arg[0], arg[1], arg[2], and arg[3], arg[4] are unused), each an
 *   initializer ``{ kind, access, size, align, max, label }`` of
 *   &struct drm_dsb_isa_arg made by one of the ``DRM_DSB_ISA_<KIND>()``
 *   macros.
 *
 * Operand kinds, their static rules (checked before the instruction runs;
 * the fault of a bad instruction is the first rule it breaks, flags first,
 * then operand a, b, c) and how decoders print them:
 *
 * - %DRM_DSB_ISA_ARG_NONE: unused, ignored; not printed.
 * - %DRM_DSB_ISA_ARG_VA: a GPU VA the instruction reads or writes
 *   (@access), @size bytes from it, or when @size is 0 as many as its
 *   %DRM_DSB_ISA_ARG_LEN operand says. A multiple of @align (else
 *   %DRM_DSB_FAULT_BAD_VA at that VA). Printed ``0x%llx``, a 64-bit word
 *   (@size 8) ``*0x%llx``.
 * - %DRM_DSB_ISA_ARG_VALUE: an immediate of which the low @size bytes
 *   count. Printed ``0x%llx``, with all its digits when @size is below 8.
 * - %DRM_DSB_ISA_ARG_CMP: a value the instruction's 64-bit word is
 *   compared with: ``>=``, or ``==`` with %DRM_DSB_MEMWAIT_EQ. Printed
 *   ``>= 0x%llx`` or ``== 0x%llx``.
 * - %DRM_DSB_ISA_ARG_LEN: a length in bytes: not 0, a multiple of @align,
 *   at most @max (0: the device's limit, for EXEC
 *   %DRM_DSB_PARAM_MAX_CMD_LEN), else %DRM_DSB_FAULT_BAD_LENGTH. Printed
 *   ``%llu``.
 * - %DRM_DSB_ISA_ARG_NS: a duration in ns, at most @max (else
 *   %DRM_DSB_FAULT_BAD_LENGTH). Printed ``%llu ns``.
 * - %DRM_DSB_ISA_ARG_INDEX: an index into a queue's kernel table
 *   (dependency, fence slot), checked by the kernel. Printed ``%llu``.
 * - %DRM_DSB_ISA_ARG_SEQNO: a job seqno or a fence value. Printed ``%llu``.
 *
 * A decoder prints the mnemonic then, for each operand used, `` label``
 * when the label is not empty and `` value``: ``WRITE *0x1000 = 0x2a``,
 * ``EXEC va 0x400000 len 64 job 3``; an unknown opcode as ``INVALID op
 * 0x%x``. Flags not allowed follow as `` flags 0x%x``.
 *
 * Helpers: drm_dsb_isa_instr() and drm_dsb_isa_packet() look an opcode up
 * (NULL when unknown); drm_dsb_isa_flags_ok() checks flags;
 * drm_dsb_instr_fault() applies all the static rules to an instruction and
 * says which fault the engine raises for it; drm_dsb_instr_arg() and
 * drm_dsb_instr_va_len() read an operand and the bytes a VA operand
 * reaches; drm_dsb_isa_arg_format() says how to print an operand.
 */

/* &drm_dsb_isa_arg.kind */
#define DRM_DSB_ISA_ARG_NONE	0
#define DRM_DSB_ISA_ARG_VA	1
#define DRM_DSB_ISA_ARG_VALUE	2
#define DRM_DSB_ISA_ARG_CMP	3
#define DRM_DSB_ISA_ARG_LEN	4
#define DRM_DSB_ISA_ARG_NS	5
#define DRM_DSB_ISA_ARG_INDEX	6
#define DRM_DSB_ISA_ARG_SEQNO	7

/* &drm_dsb_isa_arg.access of a VA operand: read (R), written (W), both. */
#define DRM_DSB_ISA_R		0x1
#define DRM_DSB_ISA_W		0x2
#define DRM_DSB_ISA_RW		(DRM_DSB_ISA_R | DRM_DSB_ISA_W)

/*
 * Operands of the tables, initializers of &struct drm_dsb_isa_arg
 * { kind, access, size, align, max, label }: @acc is R, W or RW; @label is
 * printed before the value ("" for none).
 */
#define DRM_DSB_ISA_NONE \
	{ DRM_DSB_ISA_ARG_NONE, 0, 0, 0, 0, "" }
/* A 64-bit word at a VA, 8-byte aligned. */
#define DRM_DSB_ISA_WORD(acc, label) \
	{ DRM_DSB_ISA_ARG_VA, DRM_DSB_ISA_##acc, 8, 8, 0, label }
/* Bytes at a VA aligned to @align, as many as the LEN operand says. */
#define DRM_DSB_ISA_RANGE(acc, align, label) \
	{ DRM_DSB_ISA_ARG_VA, DRM_DSB_ISA_##acc, 0, align, 0, label }
/* An immediate of @bytes bytes. */
#define DRM_DSB_ISA_VALUE(bytes, label) \
	{ DRM_DSB_ISA_ARG_VALUE, 0, bytes, 0, 0, label }
/* A value the word is compared with (>=, == with DRM_DSB_MEMWAIT_EQ). */
#define DRM_DSB_ISA_CMP(label) \
	{ DRM_DSB_ISA_ARG_CMP, 0, 8, 0, 0, label }
/* A length in bytes, not 0, a multiple of @align, at most @max (0: none). */
#define DRM_DSB_ISA_LEN(align, max, label) \
	{ DRM_DSB_ISA_ARG_LEN, 0, 0, align, max, label }
/* A duration in ns, at most @max. */
#define DRM_DSB_ISA_NS(max, label) \
	{ DRM_DSB_ISA_ARG_NS, 0, 0, 0, max, label }
/* An index into a kernel table of the queue. */
#define DRM_DSB_ISA_INDEX(label) \
	{ DRM_DSB_ISA_ARG_INDEX, 0, 0, 0, 0, label }
/* A job seqno or fence value. */
#define DRM_DSB_ISA_SEQNO(label) \
	{ DRM_DSB_ISA_ARG_SEQNO, 0, 0, 0, 0, label }

/**
 * struct drm_dsb_isa_arg - one operand of an opcode (not ABI)
 */
struct drm_dsb_isa_arg {
	/** @kind: ``DRM_DSB_ISA_ARG_*``. */
	__u8 kind;
	/** @access: VA: %DRM_DSB_ISA_R, %DRM_DSB_ISA_W or both. */
	__u8 access;
	/**
	 * @size: VA: bytes reached, 0 for the LEN operand's value; VALUE,
	 * CMP: bytes that count.
	 */
	__u8 size;
	/** @align: VA, LEN: required multiple, a power of two (0, 1: none). */
	__u8 align;
	/** @max: LEN, NS: largest valid value (0: no static bound). */
	__u64 max;
	/** @label: printed before the value, "" for none. */
	const char *label;
};

/**
 * struct drm_dsb_isa_desc - one opcode of the ISA table (not ABI), an entry
 * of drm_dsb_isa_instr() or drm_dsb_isa_packet()
 */
struct drm_dsb_isa_desc {
	/** @name: the mnemonic. */
	const char *name;
	/** @op: the opcode. */
	__u32 op;
	/** @flags: the flags allowed. */
	__u32 flags;
	/** @arg: operands a, b, c (arg[0..2] of a packet). */
	struct drm_dsb_isa_arg arg[3];
};

/**
 * drm_dsb_isa_instr() - the table entry of a command-buffer opcode
 * @op: &drm_dsb_instr.op
 *
 * The table of the command-buffer opcodes, see "ISA table".
 *
 * Return: the entry, or NULL for an unknown opcode.
 */
static inline const struct drm_dsb_isa_desc *drm_dsb_isa_instr(__u32 op)
{
	/* In opcode order, positional (C++ has no array designators). */
	static const struct drm_dsb_isa_desc table[] = {
		{ "NOP", DRM_DSB_OP_NOP, 0,
		  { DRM_DSB_ISA_NONE,
		    DRM_DSB_ISA_NONE,
		    DRM_DSB_ISA_NONE } },
		{ "WRITE", DRM_DSB_OP_WRITE, 0,
		  { DRM_DSB_ISA_WORD(W, ""),
		    DRM_DSB_ISA_VALUE(8, "="),
		    DRM_DSB_ISA_NONE } },
		{ "COPY", DRM_DSB_OP_COPY, 0,
		  { DRM_DSB_ISA_RANGE(W, 1, ""),
		    DRM_DSB_ISA_RANGE(R, 1, "<-"),
		    DRM_DSB_ISA_LEN(1, DRM_DSB_ISA_MAX_LEN, "len") } },
		{ "FILL", DRM_DSB_OP_FILL, 0,
		  { DRM_DSB_ISA_RANGE(W, 1, ""),
		    DRM_DSB_ISA_VALUE(4, "pattern"),
		    DRM_DSB_ISA_LEN(4, DRM_DSB_ISA_MAX_LEN, "len") } },
		{ "ATOMIC_ADD", DRM_DSB_OP_ATOMIC_ADD, 0,
		  { DRM_DSB_ISA_WORD(RW, ""),
		    DRM_DSB_ISA_VALUE(8, "+="),
		    DRM_DSB_ISA_NONE } },
		{ "TIMESTAMP", DRM_DSB_OP_TIMESTAMP, 0,
		  { DRM_DSB_ISA_WORD(W, ""),
		    DRM_DSB_ISA_NONE,
		    DRM_DSB_ISA_NONE } },
		{ "MEMWAIT", DRM_DSB_OP_MEMWAIT, DRM_DSB_MEMWAIT_EQ,
		  { DRM_DSB_ISA_WORD(R, ""),
		    DRM_DSB_ISA_CMP(""),
		    DRM_DSB_ISA_NONE } },
		{ "DELAY", DRM_DSB_OP_DELAY, 0,
		  { DRM_DSB_ISA_NS(DRM_DSB_ISA_MAX_DELAY_NS, ""),
		    DRM_DSB_ISA_NONE,
		    DRM_DSB_ISA_NONE } },
	};

	if (op >= sizeof(table) / sizeof(*table) || table[op].op != op)
		return (const struct drm_dsb_isa_desc *)0;
	return &table[op];
}

/**
 * drm_dsb_isa_packet() - the table entry of a ring-packet opcode
 * @op: &drm_dsb_packet.op
 *
 * The table of the ring-packet opcodes, see "ISA table". The kernel writes
 * every packet; the engine faults a queue on a bad INDEX
 * (%DRM_DSB_FAULT_BAD_OPCODE) or a bad EXEC VA or length
 * (%DRM_DSB_FAULT_BAD_LENGTH).
 *
 * Return: the entry, or NULL for an unknown opcode.
 */
static inline const struct drm_dsb_isa_desc *drm_dsb_isa_packet(__u32 op)
{
	/* In opcode order, positional (C++ has no array designators). */
	static const struct drm_dsb_isa_desc table[] = {
		{ "NOP", DRM_DSB_PKT_NOP, 0,
		  { DRM_DSB_ISA_NONE,
		    DRM_DSB_ISA_NONE,
		    DRM_DSB_ISA_NONE } },
		{ "WAIT", DRM_DSB_PKT_WAIT, 0,
		  { DRM_DSB_ISA_INDEX("dep"),
		    DRM_DSB_ISA_SEQNO(">="),
		    DRM_DSB_ISA_SEQNO("job") } },
		{ "EXEC", DRM_DSB_PKT_EXEC, 0,
		  { DRM_DSB_ISA_RANGE(R, DRM_DSB_INSTR_SIZE, "va"),
		    DRM_DSB_ISA_LEN(DRM_DSB_INSTR_SIZE, 0, "len"),
		    DRM_DSB_ISA_SEQNO("job") } },
		{ "SIGNAL", DRM_DSB_PKT_SIGNAL, 0,
		  { DRM_DSB_ISA_INDEX("slot"),
		    DRM_DSB_ISA_SEQNO("seqno"),
		    DRM_DSB_ISA_NONE } },
	};

	if (op >= sizeof(table) / sizeof(*table) || table[op].op != op)
		return (const struct drm_dsb_isa_desc *)0;
	return &table[op];
}

/**
 * drm_dsb_isa_flags_ok() - a known opcode with flags it allows?
 * @d: drm_dsb_isa_instr() or drm_dsb_isa_packet() of the opcode, or NULL
 * @flags: the instruction's or packet's flags
 *
 * Return: 1 when valid, 0 for an unknown opcode or a flag not allowed.
 */
static inline int drm_dsb_isa_flags_ok(const struct drm_dsb_isa_desc *d, __u32 flags)
{
	return d && !(flags & ~d->flags);
}

/**
 * drm_dsb_packet_valid() - a known packet opcode with flags it allows?
 * @pkt: the packet
 *
 * Return: 1 or 0, as drm_dsb_isa_flags_ok(). Says nothing of the MAC or
 * the operands.
 */
static inline int drm_dsb_packet_valid(const struct drm_dsb_packet *pkt)
{
	return drm_dsb_isa_flags_ok(drm_dsb_isa_packet(pkt->op), pkt->flags);
}

/**
 * drm_dsb_instr_arg() - operand @k of an instruction
 * @in: the instruction
 * @k: 0, 1 or 2 for @a, @b, @c
 *
 * Return: its value.
 */
static inline __u64 drm_dsb_instr_arg(const struct drm_dsb_instr *in, unsigned int k)
{
	return k == 0 ? in->a : k == 1 ? in->b : in->c;
}

/**
 * drm_dsb_instr_va_len() - bytes a VA operand of an instruction reaches
 * @d: drm_dsb_isa_instr() of @in's opcode
 * @in: the instruction
 * @k: the operand, 0 to 2
 *
 * Return: @size of the operand, or the value of the instruction's LEN
 * operand when @size is 0; 0 when operand @k is not a VA.
 */
static inline __u64 drm_dsb_instr_va_len(const struct drm_dsb_isa_desc *d,
					 const struct drm_dsb_instr *in, unsigned int k)
{
	unsigned int i;

	if (d->arg[k].kind != DRM_DSB_ISA_ARG_VA)
		return 0;
	if (d->arg[k].size)
		return d->arg[k].size;
	for (i = 0; i < 3; i++)
		if (d->arg[i].kind == DRM_DSB_ISA_ARG_LEN)
			return drm_dsb_instr_arg(in, i);
	return 0;
}

/**
 * drm_dsb_instr_fault() - the static rules of the ISA table, as the engine
 * applies them
 * @in: the instruction
 * @va: out, the VA at fault for %DRM_DSB_FAULT_BAD_VA, else 0
 *
 * Checks what needs no address space, in this order: a known opcode and
 * allowed flags (%DRM_DSB_FAULT_BAD_OPCODE), then operands a, b, c: VA
 * alignment (%DRM_DSB_FAULT_BAD_VA), LEN and NS ranges
 * (%DRM_DSB_FAULT_BAD_LENGTH). An instruction that passes faults only on
 * its memory accesses (unmapped VA, ring write).
 *
 * Return: %DRM_DSB_FAULT_NONE, or the &enum drm_dsb_fault_kind the engine
 * raises for the instruction.
 */
static inline __u32 drm_dsb_instr_fault(const struct drm_dsb_instr *in, __u64 *va)
{
	const struct drm_dsb_isa_desc *d = drm_dsb_isa_instr(in->op);
	unsigned int k;

	*va = 0;
	if (!drm_dsb_isa_flags_ok(d, in->flags))
		return DRM_DSB_FAULT_BAD_OPCODE;
	for (k = 0; k < 3; k++) {
		const struct drm_dsb_isa_arg *arg = &d->arg[k];
		__u64 v = drm_dsb_instr_arg(in, k);
		__u64 mask = arg->align ? arg->align - 1u : 0;

		if (arg->kind == DRM_DSB_ISA_ARG_VA && (v & mask)) {
			*va = v;
			return DRM_DSB_FAULT_BAD_VA;
		}
		if (arg->kind == DRM_DSB_ISA_ARG_LEN &&
		    (!v || (v & mask) || (arg->max && v > arg->max)))
			return DRM_DSB_FAULT_BAD_LENGTH;
		if (arg->kind == DRM_DSB_ISA_ARG_NS && arg->max && v > arg->max)
			return DRM_DSB_FAULT_BAD_LENGTH;
	}
	return DRM_DSB_FAULT_NONE;
}

/**
 * drm_dsb_isa_arg_format() - how a decoder prints an operand
 * @arg: the operand's table entry (not %DRM_DSB_ISA_ARG_NONE)
 * @flags: the instruction's or packet's flags
 * @prefix: out, text before the value
 * @suffix: out, text after it
 *
 * Return: 0 to print the value in decimal, else in hexadecimal with at
 * least that many digits (``"%s%0*llx%s"``).
 */
static inline int drm_dsb_isa_arg_format(const struct drm_dsb_isa_arg *arg, __u32 flags,
					 const char **prefix, const char **suffix)
{
	*prefix = "";
	*suffix = "";
	switch (arg->kind) {
	case DRM_DSB_ISA_ARG_VA:
		*prefix = arg->size == 8 ? "*0x" : "0x";
		return 1;
	case DRM_DSB_ISA_ARG_VALUE:
		*prefix = "0x";
		return arg->size && arg->size < 8 ? 2 * arg->size : 1;
	case DRM_DSB_ISA_ARG_CMP:
		*prefix = flags & DRM_DSB_MEMWAIT_EQ ? "== 0x" : ">= 0x";
		return 1;
	case DRM_DSB_ISA_ARG_NS:
		*suffix = " ns";
		return 0;
	default:
		return 0;
	}
}

#if defined(__cplusplus)
}
#endif

#endif /* _DSB_DRM_H_ */
