/* SPDX-License-Identifier: MIT */
/* Copyright (C) 2026 The dsb authors */
#ifndef LIBDSB_H
#define LIBDSB_H

/*
 * libdsb - userspace library for the dsb direct-submit broker.
 *
 * Shaped like liburing: the caller owns struct dsb_device and struct
 * dsb_queue; jobs are prepared in SQEs taken with dsb_get_sqe(), published
 * with dsb_submit() and reaped with dsb_peek_cqe()/dsb_wait_cqe() followed
 * by dsb_cqe_seen(). Every function returns 0, a count, or a negative errno;
 * errno is never part of the interface.
 *
 * A queue is used by one thread at a time (no internal locking), like an
 * io_uring. Different queues may be used concurrently.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <errno.h>

#include "dsb_drm.h"
#include "dsb_barrier.h"

#ifdef __cplusplus
extern "C" {
#endif

#define LIBDSB_VERSION_MAJOR	1
#define LIBDSB_VERSION_MINOR	5

/** Timeout value meaning "wait forever". */
#define DSB_TIMEOUT_INFINITE	INT64_MAX

/* ------------------------------------------------------------------ */
/* Devices and buffer objects                                          */
/* ------------------------------------------------------------------ */

/**
 * struct dsb_device - an open dsb render node (owned by the caller)
 */
struct dsb_device {
	int fd;			/* DRM render node fd */
	int index;		/* index among dsb devices, -1 if unknown */
	uint32_t uapi_version;	/* DRM_DSB_PARAM_UAPI_VERSION */
	uint32_t flags;		/* DSB_DEVICE_F_* (library private) */
	char path[64];		/* e.g. /dev/dri/renderD128 */
};

/* dsb_device::flags: the fd belongs to the caller, do not close it. */
#define DSB_DEVICE_F_BORROWED_FD	(1u << 0)

/**
 * struct dsb_bo - a buffer object, mapped into the CPU
 */
struct dsb_bo {
	uint32_t handle;	/* GEM handle */
	uint32_t pad;
	uint64_t size;		/* bytes (page multiple) */
	uint64_t va;		/* GPU VA in this file's address space */
	uint64_t mmap_offset;	/* fake offset for mmap() on the fd */
	void *map;		/* CPU mapping, read-write */
};

int dsb_device_count(void);
int dsb_device_open(struct dsb_device *dev, int index);
int dsb_device_from_fd(struct dsb_device *dev, int fd);
void dsb_device_close(struct dsb_device *dev);
int dsb_get_param(struct dsb_device *dev, uint32_t param, uint64_t *value);

/* dsb_bo_create_flags() flags */
/* Jobs naming the buffer skip implicit sync (DRM_DSB_BO_NO_IMPLICIT_SYNC). */
#define DSB_BO_NO_IMPLICIT_SYNC		DRM_DSB_BO_NO_IMPLICIT_SYNC

int dsb_bo_create(struct dsb_device *dev, uint64_t size, struct dsb_bo *bo);
int dsb_bo_create_flags(struct dsb_device *dev, uint64_t size, uint32_t flags,
			struct dsb_bo *bo);
int dsb_bo_destroy(struct dsb_device *dev, struct dsb_bo *bo);
int dsb_bo_export_fd(struct dsb_device *dev, const struct dsb_bo *bo,
		     int *fd);
int dsb_bo_import_fd(struct dsb_device *dev, int fd, struct dsb_bo *bo);

/*
 * Purgeable buffers (libdsb 1.3, uAPI version 10): a buffer cache marks the
 * buffers it keeps DONTNEED, so the kernel may drop their pages under
 * memory pressure instead of swapping them, and WILLNEED before reusing
 * one: *retained is 0 when its contents were discarded (free it then).
 */
#define DSB_MADV_WILLNEED		DRM_DSB_MADV_WILLNEED
#define DSB_MADV_DONTNEED		DRM_DSB_MADV_DONTNEED

int dsb_bo_madvise(struct dsb_device *dev, const struct dsb_bo *bo, uint32_t madv,
		   int *retained);

/*
 * Buffer lists (implicit synchronization, uAPI version 7): the buffers a
 * job reads and writes, named by an SQE (dsb_sqe_set_bo_list()) or inline
 * in a struct drm_dsb_job (dsb_job_set_bos()).
 */
int dsb_bo_list_create(struct dsb_device *dev,
		       const struct drm_dsb_bo_ref *bos, unsigned int count,
		       uint32_t *list_id);
int dsb_bo_list_destroy(struct dsb_device *dev, uint32_t list_id);

/* ------------------------------------------------------------------ */
/* Mesa path: the job ioctl and syncobjs                               */
/* ------------------------------------------------------------------ */

int dsb_submit_jobs(struct dsb_device *dev, struct drm_dsb_job *jobs,
		    uint32_t count, uint32_t *bad_job);

/** dsb_job_set_bos() - name the buffers a SUBMIT job reads and writes */
static inline void dsb_job_set_bos(struct drm_dsb_job *job,
				   const struct drm_dsb_bo_ref *bos,
				   uint32_t count)
{
	job->bos.stride = sizeof(*bos);
	job->bos.count = count;
	job->bos.array = (uint64_t)(uintptr_t)bos;
}
int dsb_syncobj_create(struct dsb_device *dev, uint32_t flags,
		       uint32_t *handle);
int dsb_syncobj_destroy(struct dsb_device *dev, uint32_t handle);
int dsb_syncobj_wait(struct dsb_device *dev, const uint32_t *handles,
		     uint32_t count, int64_t timeout_ns, uint32_t flags,
		     uint32_t *first_signaled);
int dsb_syncobj_timeline_wait(struct dsb_device *dev,
			      const uint32_t *handles, const uint64_t *points,
			      uint32_t count, int64_t timeout_ns,
			      uint32_t flags, uint32_t *first_signaled);
int dsb_syncobj_export_sync_file(struct dsb_device *dev, uint32_t handle,
				 int *sync_file_fd);
int dsb_syncobj_import_sync_file(struct dsb_device *dev, uint32_t handle,
				 int sync_file_fd);

/* ------------------------------------------------------------------ */
/* Queues                                                              */
/* ------------------------------------------------------------------ */

/* dsb_queue_params::flags */
/* Map the ring read-only (DRM_DSB_QUEUE_RING_READONLY). */
#define DSB_QUEUE_RING_READONLY		DRM_DSB_QUEUE_RING_READONLY
/* Jobs ignore implicit sync, buffer lists are only checked
 * (DRM_DSB_QUEUE_EXPLICIT_SYNC). */
#define DSB_QUEUE_EXPLICIT_SYNC		DRM_DSB_QUEUE_EXPLICIT_SYNC
/* The flags passed to DRM_IOCTL_DSB_QUEUE_CREATE. */
#define DSB_QUEUE_KERNEL_FLAGS		(DSB_QUEUE_RING_READONLY | \
					 DSB_QUEUE_EXPLICIT_SYNC)
/* Submit and block through a private io_uring instead of ioctls. */
#define DSB_QUEUE_IO_URING		(1u << 16)
/* Never spin before blocking in waits. */
#define DSB_QUEUE_NO_SPIN		(1u << 17)
#define DSB_QUEUE_LIB_FLAGS		(DSB_QUEUE_IO_URING | DSB_QUEUE_NO_SPIN)

/**
 * struct dsb_queue_params - queue creation parameters; zero means default
 */
struct dsb_queue_params {
	uint32_t flags;		/* DSB_QUEUE_* */
	uint32_t priority;	/* 0 .. DRM_DSB_QUEUE_PRIORITY_MAX */
	uint32_t ring_packets;	/* power of two, 0: kernel default */
	uint32_t fence_slots;	/* power of two, 0: kernel default */
	uint32_t timeout_ms;	/* watchdog, 0: module default */
	uint32_t spin_ns;	/* most polling before blocking (adaptive), 0: 20 us */
	uint64_t resv[2];	/* MBZ */
};

struct dsb_queue;

/**
 * struct dsb_queue_backend - who consumes the SQ and blocks for completions
 *
 * The library provides an ioctl and an io_uring backend. A simulator or a
 * unit test passes its own to dsb_queue_init_mem() and plays the kernel.
 * Each hook returns what the matching ioctl would: @submit the number of
 * entries consumed or -errno, @wait 0 (job done, @error set), -ETIME, or
 * -errno. @deadline_ns is absolute CLOCK_MONOTONIC.
 */
struct dsb_queue_backend {
	int (*submit)(struct dsb_queue *q, unsigned int count, void *arg);
	int (*wait)(struct dsb_queue *q, uint64_t seqno, int64_t deadline_ns,
		    int32_t *error, void *arg);
	void *arg;
};

/* Library view of the submission queue. */
struct dsb_sq {
	uint32_t *khead;		/* sq_head, written by the kernel */
	uint32_t *ktail;		/* sq_tail, written by us */
	uint32_t ring_mask;
	uint32_t ring_entries;
	struct drm_dsb_sqe *sqes;
	uint32_t sqe_head;		/* first SQE not yet published */
	uint32_t sqe_tail;		/* next SQE to hand out */
};

/* Library view of the completion queue. */
struct dsb_cq {
	uint32_t *khead;		/* cq_head, written by us */
	uint32_t *ktail;		/* cq_tail, written by the kernel */
	uint32_t ring_mask;
	uint32_t ring_entries;
	struct drm_dsb_cqe *cqes;
};

/**
 * struct dsb_queue - a queue and its mappings (owned by the caller)
 *
 * Fields are read by the inline helpers below; treat them as read-only.
 */
struct dsb_queue {
	struct dsb_sq sq;
	struct dsb_cq cq;

	/* Fence memory (read-only mapping). */
	const struct drm_dsb_fence_mem_header *fence_hdr;
	const struct drm_dsb_fence_slot *fence_slots;
	uint32_t nr_slots;

	/* Free fence slots: bit set = free. */
	uint32_t slots_free;
	uint32_t slot_words;
	uint32_t slot_hint;
	uint64_t *slot_bitmap;
	uint32_t *sqe_slots;		/* slot given to each SQ entry */

	uint32_t flags;			/* DSB_QUEUE_* */
	uint32_t queue_id;
	int fd;				/* DRM fd, -1 for dsb_queue_init_mem() */
	uint32_t spin_ns;

	/*
	 * Estimate of the last seqno the kernel gave this queue: ahead after
	 * bad entries dsb_submit() counted, behind after jobs submitted
	 * another way (dsb_uring_prep_submit()).
	 */
	uint64_t seqno_hint;

	const struct dsb_queue_backend *backend;
	struct dsb_queue_backend backend_store;

	/* Mappings, for dsb_queue_exit() and debugging. */
	const struct drm_dsb_packet *ring;
	uint32_t ring_packets;
	const struct drm_dsb_queue_ctrl *ctrl;
	void *ring_map, *ctrl_map, *fences_map, *sq_cq_map;
	size_t ring_map_size, ctrl_map_size, fences_map_size, sq_cq_map_size;
	uint64_t ring_va;

	void *uring;			/* struct io_uring *, DSB_QUEUE_IO_URING */
	uint32_t spin_budget_ns;	/* adaptive share of spin_ns (dsb_spin()) */
	uint32_t resv32;
	uint64_t resv[3];
};

/**
 * struct dsb_queue_mem - pre-mapped regions for dsb_queue_init_mem()
 */
struct dsb_queue_mem {
	void *sq_cq;			/* struct drm_dsb_sq_cq_header + SQEs + CQEs */
	size_t sq_cq_size;
	const void *fences;		/* fence header + slots */
	uint32_t fence_slots;
	uint32_t queue_id;
	const struct dsb_queue_backend *backend;
};

int dsb_queue_init(struct dsb_device *dev, struct dsb_queue *q,
		   const struct dsb_queue_params *params);
int dsb_queue_init_mem(struct dsb_queue *q, const struct dsb_queue_mem *mem,
		       uint32_t flags);
void dsb_queue_exit(struct dsb_queue *q);
int dsb_queue_status(struct dsb_queue *q, struct drm_dsb_queue_status *st);

int dsb_sq_flush(struct dsb_queue *q);
int dsb_submit(struct dsb_queue *q);
int dsb_submit_and_wait(struct dsb_queue *q, unsigned int wait_nr);
int dsb_wait_cqe(struct dsb_queue *q, struct drm_dsb_cqe **cqe_ptr);
int dsb_wait_cqe_timeout(struct dsb_queue *q, struct drm_dsb_cqe **cqe_ptr,
			 int64_t timeout_ns);
int dsb_wait_seqno(struct dsb_queue *q, uint64_t seqno, int64_t timeout_ns,
		   int32_t *job_error);

/*
 * Fences on demand (libdsb 1.4, uAPI version 12): a job gets a dma_fence
 * only when something can observe it (a signal operation, a buffer list
 * with implicit sync, the last job of a batch). These ask the kernel for
 * the fence of any job of the queue, in flight or completed, as a new
 * binary syncobj or a sync_file; dsb_prep_wait_queue() makes a job wait
 * for one without any.
 */
int dsb_queue_fence_to_syncobj(struct dsb_queue *q, uint64_t seqno,
			       uint32_t *handle);
int dsb_queue_fence_to_sync_file(struct dsb_queue *q, uint64_t seqno, int *fd);

/* ------------------------------------------------------------------ */
/* User-managed GPU virtual addresses (libdsb 1.5, uAPI version 13)    */
/* ------------------------------------------------------------------ */

/*
 * dsb_vm_init(DSB_VM_USER_MANAGED), before the file creates any buffer or
 * queue, makes the caller choose the GPU VAs of its buffers: buffers are
 * then created unmapped (dsb_bo::va is 0) and dsb_vm_bind() maps them, or
 * ranges of them, inside [*va_start, *va_start + *va_size); it also binds
 * ranges to nothing (sparse: reads give zeros, writes are dropped) and
 * unmaps. Binds take effect in call order, at once or (DRM_DSB_VM_BIND_ASYNC)
 * after their wait operations, then signal their signal operations. Needs
 * dsb_has_vm_bind(): a kernel without it (uAPI < 13, or Linux 6.1 where
 * dsb has no drm_gpuvm) fails both with -EOPNOTSUPP.
 */
#define DSB_VM_USER_MANAGED		DRM_DSB_VM_USER_MANAGED

bool dsb_has_vm_bind(struct dsb_device *dev);
int dsb_vm_init(struct dsb_device *dev, uint32_t flags, uint64_t *va_start,
		uint64_t *va_size);
int dsb_vm_bind(struct dsb_device *dev, const struct drm_dsb_vm_bind_op *ops,
		uint32_t nops, const struct drm_dsb_sync_op *syncs,
		uint32_t nsyncs, uint32_t flags, uint32_t *bad_op);

/**
 * dsb_bind_map() - an operation mapping [@bo_offset, @bo_offset + @range)
 * of @bo at [@va, @va + @range); @flags: DRM_DSB_VM_BIND_READONLY or 0
 */
static inline void dsb_bind_map(struct drm_dsb_vm_bind_op *op,
				const struct dsb_bo *bo, uint64_t bo_offset,
				uint64_t va, uint64_t range, uint32_t flags)
{
	memset(op, 0, sizeof(*op));
	op->op = DRM_DSB_VM_BIND_MAP;
	op->flags = flags;
	op->handle = bo->handle;
	op->bo_offset = bo_offset;
	op->va = va;
	op->range = range;
}

/* An operation @type on [@va, @va + @range) that names no buffer. */
static inline void dsb__bind_range(struct drm_dsb_vm_bind_op *op, uint32_t type,
				   uint64_t va, uint64_t range)
{
	memset(op, 0, sizeof(*op));
	op->op = type;
	op->va = va;
	op->range = range;
}

/** dsb_bind_unmap() - an operation unmapping whatever is in [@va, @va + @range) */
static inline void dsb_bind_unmap(struct drm_dsb_vm_bind_op *op, uint64_t va,
				  uint64_t range)
{
	dsb__bind_range(op, DRM_DSB_VM_BIND_UNMAP, va, range);
}

/**
 * dsb_bind_sparse() - an operation binding [@va, @va + @range) to nothing:
 * the engine reads zeros there and its writes are dropped
 */
static inline void dsb_bind_sparse(struct drm_dsb_vm_bind_op *op, uint64_t va,
				   uint64_t range)
{
	dsb__bind_range(op, DRM_DSB_VM_BIND_MAP_SPARSE, va, range);
}

/**
 * dsb_sync_wait() - a wait operation for dsb_vm_bind() (or a struct
 * drm_dsb_job): @type is DRM_DSB_SYNC_OP_SYNCOBJ (@point 0), _TIMELINE
 * (@point the timeline point), _SYNC_FILE (@handle the fd, @point 0) or
 * _QUEUE (@handle the queue id, @point the job's seqno)
 */
static inline void dsb_sync_wait(struct drm_dsb_sync_op *s, uint32_t type,
				 uint32_t handle, uint64_t point)
{
	s->flags = DRM_DSB_SYNC_OP_WAIT | (type & DRM_DSB_SYNC_OP_TYPE_MASK);
	s->handle = handle;
	s->point = point;
}

/**
 * dsb_sync_signal() - a signal operation: @type DRM_DSB_SYNC_OP_SYNCOBJ
 * (@point 0) or DRM_DSB_SYNC_OP_TIMELINE (@point the point to add)
 */
static inline void dsb_sync_signal(struct drm_dsb_sync_op *s, uint32_t type,
				   uint32_t handle, uint64_t point)
{
	s->flags = DRM_DSB_SYNC_OP_SIGNAL | (type & DRM_DSB_SYNC_OP_TYPE_MASK);
	s->handle = handle;
	s->point = point;
}

/* ------------------------------------------------------------------ */
/* Inline fast paths                                                   */
/* ------------------------------------------------------------------ */

/*
 * Take a free fence slot, or return -1. The slot stays busy until the CQE
 * of the job using it is passed to dsb_cqe_seen(): the kernel frees a
 * job's slot before anything reports the job complete, its CQE included,
 * so a slot given back here is free in the kernel too.
 */
static inline int dsb__slot_alloc(struct dsb_queue *q)
{
	uint32_t i, w;

	if (!q->slots_free)
		return -1;
	for (i = 0; i < q->slot_words; i++) {
		w = q->slot_hint + i;
		if (w >= q->slot_words)
			w -= q->slot_words;
		if (q->slot_bitmap[w]) {
			int bit = __builtin_ctzll(q->slot_bitmap[w]);

			q->slot_bitmap[w] &= ~(1ull << bit);
			q->slots_free--;
			q->slot_hint = w;
			return (int)(w * 64 + (uint32_t)bit);
		}
	}
	return -1;	/* slots_free was wrong: cannot happen */
}

/* Return a slot; -EINVAL if it is out of range or already free. */
static inline int dsb__slot_free(struct dsb_queue *q, uint32_t slot)
{
	uint64_t bit;

	if (slot >= q->nr_slots)
		return -EINVAL;
	bit = 1ull << (slot % 64);
	if (q->slot_bitmap[slot / 64] & bit)
		return -EINVAL;
	q->slot_bitmap[slot / 64] |= bit;
	q->slots_free++;
	return 0;
}

/**
 * dsb_sq_space_left() - SQEs that dsb_get_sqe() can still hand out
 *
 * The minimum of the SQ room and the free fence slots.
 */
static inline unsigned int dsb_sq_space_left(const struct dsb_queue *q)
{
	/* Pairs with smp_store_release(sq_head) in the kernel's
	 * dsb_queue_submit_sq(), after it copied the entries: the SQEs
	 * before khead may be overwritten. */
	uint32_t head = dsb_load_acquire(q->sq.khead);
	uint32_t room = q->sq.ring_entries - (q->sq.sqe_tail - head);

	return room < q->slots_free ? room : q->slots_free;
}

/**
 * dsb_get_sqe() - take the next free SQE, with a fence slot assigned
 *
 * Returns NULL when the SQ is full or every fence slot is in use (reap
 * completions with dsb_cqe_seen() to free slots). The SQE is zeroed except
 * for @slot, which the caller must not change.
 */
static inline struct drm_dsb_sqe *dsb_get_sqe(struct dsb_queue *q)
{
	struct drm_dsb_sqe *sqe;
	/* Pairs with smp_store_release(sq_head) in dsb_queue_submit_sq(). */
	uint32_t head = dsb_load_acquire(q->sq.khead);
	int slot;

	if (q->sq.sqe_tail - head >= q->sq.ring_entries)
		return NULL;
	slot = dsb__slot_alloc(q);
	if (slot < 0)
		return NULL;
	sqe = &q->sq.sqes[q->sq.sqe_tail & q->sq.ring_mask];
	q->sqe_slots[q->sq.sqe_tail & q->sq.ring_mask] = (uint32_t)slot;
	q->sq.sqe_tail++;
	memset(sqe, 0, sizeof(*sqe));
	sqe->slot = (uint32_t)slot;
	return sqe;
}

/** dsb_prep_exec() - make the SQE execute a command buffer */
static inline void dsb_prep_exec(struct drm_dsb_sqe *sqe, uint64_t cmd_va,
				 uint32_t cmd_len)
{
	sqe->cmd_va = cmd_va;
	sqe->cmd_len = cmd_len;
}

static inline int dsb__prep_sync(struct drm_dsb_sqe *sqe, uint32_t flags,
				 uint32_t handle, uint64_t point)
{
	struct drm_dsb_sync_op *op;

	if (sqe->sync_count >= DRM_DSB_SQE_MAX_SYNCS)
		return -ENOSPC;
	op = &sqe->syncs[sqe->sync_count++];
	op->flags = flags;
	op->handle = handle;
	op->point = point;
	return 0;
}

/** dsb_prep_wait_syncobj() - wait on a binary syncobj before running */
static inline int dsb_prep_wait_syncobj(struct drm_dsb_sqe *sqe,
					uint32_t handle)
{
	return dsb__prep_sync(sqe, DRM_DSB_SYNC_OP_WAIT |
			      DRM_DSB_SYNC_OP_SYNCOBJ, handle, 0);
}

/**
 * dsb_prep_wait_queue() - wait for job @seqno of queue @queue_id
 *
 * The queue must belong to the same DRM fd (its dsb_queue::queue_id). A
 * GPU-side wait on the job's fence slot; the job needs no fence (uAPI
 * version 12, libdsb 1.4). If it fails, this job fails with its error,
 * flagged as inherited.
 */
static inline int dsb_prep_wait_queue(struct drm_dsb_sqe *sqe,
				      uint32_t queue_id, uint64_t seqno)
{
	return dsb__prep_sync(sqe, DRM_DSB_SYNC_OP_WAIT |
			      DRM_DSB_SYNC_OP_QUEUE, queue_id, seqno);
}

/** dsb_prep_wait_timeline() - wait on a timeline syncobj point */
static inline int dsb_prep_wait_timeline(struct drm_dsb_sqe *sqe,
					 uint32_t handle, uint64_t point)
{
	return dsb__prep_sync(sqe, DRM_DSB_SYNC_OP_WAIT |
			      DRM_DSB_SYNC_OP_TIMELINE, handle, point);
}

/** dsb_prep_wait_sync_file() - wait on a sync_file fd */
static inline int dsb_prep_wait_sync_file(struct drm_dsb_sqe *sqe, int fd)
{
	if (fd < 0)
		return -EBADF;
	return dsb__prep_sync(sqe, DRM_DSB_SYNC_OP_WAIT |
			      DRM_DSB_SYNC_OP_SYNC_FILE, (uint32_t)fd, 0);
}

/** dsb_prep_signal_syncobj() - put the job's fence into a binary syncobj */
static inline int dsb_prep_signal_syncobj(struct drm_dsb_sqe *sqe,
					  uint32_t handle)
{
	return dsb__prep_sync(sqe, DRM_DSB_SYNC_OP_SIGNAL |
			      DRM_DSB_SYNC_OP_SYNCOBJ, handle, 0);
}

/** dsb_prep_signal_timeline() - add the job's fence as a timeline point */
static inline int dsb_prep_signal_timeline(struct drm_dsb_sqe *sqe,
					   uint32_t handle, uint64_t point)
{
	return dsb__prep_sync(sqe, DRM_DSB_SYNC_OP_SIGNAL |
			      DRM_DSB_SYNC_OP_TIMELINE, handle, point);
}

/**
 * dsb_sqe_set_bo_list() - name the buffer list of the job (0: none)
 *
 * The job waits for the fences of the list's buffers and adds its own
 * (implicit synchronization); the list must stay alive until the SQE is
 * consumed by dsb_submit().
 */
static inline void dsb_sqe_set_bo_list(struct drm_dsb_sqe *sqe,
				       uint32_t list_id)
{
	sqe->bo_list = list_id;
}

static inline void dsb_sqe_set_data(struct drm_dsb_sqe *sqe, void *data)
{
	sqe->user_data = (uint64_t)(uintptr_t)data;
}

static inline void dsb_sqe_set_data64(struct drm_dsb_sqe *sqe, uint64_t data)
{
	sqe->user_data = data;
}

static inline void *dsb_cqe_get_data(const struct drm_dsb_cqe *cqe)
{
	return (void *)(uintptr_t)cqe->user_data;
}

static inline uint64_t dsb_cqe_get_data64(const struct drm_dsb_cqe *cqe)
{
	return cqe->user_data;
}

/** dsb_cq_ready() - number of CQEs available to read */
static inline unsigned int dsb_cq_ready(const struct dsb_queue *q)
{
	/* Pairs with smp_store_release(cq_tail) in the kernel's
	 * dsb_queue_write_cqe_locked(), after it wrote the CQE: the entries
	 * before the tail are complete. */
	return dsb_load_acquire(q->cq.ktail) - *q->cq.khead;
}

/**
 * dsb_peek_cqe() - the CQE at the head of the CQ, without waiting
 *
 * Returns 0 and sets *cqe_ptr, or -EAGAIN when the CQ is empty.
 */
static inline int dsb_peek_cqe(struct dsb_queue *q,
			       struct drm_dsb_cqe **cqe_ptr)
{
	uint32_t head = *q->cq.khead;
	/* Pairs with smp_store_release(cq_tail) in dsb_queue_write_cqe_locked(). */
	uint32_t tail = dsb_load_acquire(q->cq.ktail);

	if (tail == head) {
		*cqe_ptr = NULL;
		return -EAGAIN;
	}
	*cqe_ptr = &q->cq.cqes[head & q->cq.ring_mask];
	return 0;
}

/**
 * dsb_cqe_seen() - consume the CQE at the head and free its fence slot
 *
 * CQEs are consumed in order: @cqe must be the one dsb_peek_cqe() or
 * dsb_wait_cqe() returned last. Returns 0; -EINVAL (nothing changed) when
 * @cqe is not the head CQE, including a CQE already seen; -EBADMSG when
 * the CQE was consumed but named a fence slot that was not in use (the
 * CQ memory was overwritten, or the SQE's slot was changed).
 */
static inline int dsb_cqe_seen(struct dsb_queue *q, struct drm_dsb_cqe *cqe)
{
	uint32_t head = *q->cq.khead;
	/* Pairs with smp_store_release(cq_tail) in dsb_queue_write_cqe_locked(). */
	uint32_t tail = dsb_load_acquire(q->cq.ktail);
	uint32_t slot;

	if (!cqe || tail == head || cqe != &q->cq.cqes[head & q->cq.ring_mask])
		return -EINVAL;
	slot = cqe->slot;
	/*
	 * Release: our reads of the CQE are done before the kernel can see
	 * its entry free. Pairs with the smp_load_acquire() of cq_head in
	 * dsb_queue_cq_room_locked(), which every CQE the kernel writes
	 * (dsb_queue_retire(), dsb_queue_post_cqe(),
	 * dsb_queue_post_unsubmitted()) was counted against.
	 */
	dsb_store_release(q->cq.khead, head + 1);
	return dsb__slot_free(q, slot) ? -EBADMSG : 0;
}

/**
 * dsb_slot_done() - has job @seqno on fence slot @slot completed?
 *
 * Reads fence memory only. Returns 1 (done), 0 (not yet), or -EINVAL for
 * a slot out of range.
 */
static inline int dsb_slot_done(const struct dsb_queue *q, uint32_t slot,
				uint64_t seqno)
{
	if (slot >= q->nr_slots)
		return -EINVAL;
	/* Pairs with smp_store_release(slot seqno) in the kernel's
	 * dsb_queue_write_slot_locked(), after its WRITE_ONCE() of the
	 * slot's error. */
	return dsb_load_acquire(&q->fence_slots[slot].seqno) >= seqno;
}

/** dsb_slot_error() - error of the last job completed on @slot */
static inline int dsb_slot_error(const struct dsb_queue *q, uint32_t slot)
{
	if (slot >= q->nr_slots)
		return -EINVAL;
	/* Relaxed: ordered after the WRITE_ONCE() of the error in
	 * dsb_queue_write_slot_locked() by the caller's dsb_slot_done(),
	 * whose acquire of the seqno pairs with that function's release. */
	return dsb_load_relaxed(&q->fence_slots[slot].error);
}

/** dsb_queue_completed() - seqno of the queue's last completed job */
static inline uint64_t dsb_queue_completed(const struct dsb_queue *q)
{
	/* Pairs with smp_store_release(fhdr->completed) in the kernel's
	 * dsb_queue_write_slot_locked(), after the slot of that job. */
	return dsb_load_acquire(&q->fence_hdr->completed);
}

/* ------------------------------------------------------------------ */
/* io_uring                                                            */
/* ------------------------------------------------------------------ */

struct io_uring_sqe;

void dsb_uring_prep_submit(struct io_uring_sqe *sqe, int drm_fd,
			   uint32_t queue_id, unsigned int count);
void dsb_uring_prep_wait_seqno(struct io_uring_sqe *sqe, int drm_fd,
			       uint32_t queue_id, uint64_t seqno);
void dsb_uring_prep_wait_syncobj(struct io_uring_sqe *sqe, int drm_fd,
				 uint32_t handle, uint64_t point);
/* libdsb 1.2, uAPI 9: cancellable waits. */
void dsb_uring_sqe_set_cancel_key(struct io_uring_sqe *sqe, uint32_t key);
void dsb_uring_prep_cancel(struct io_uring_sqe *sqe, int drm_fd, uint32_t key);
/* libdsb 1.4, uAPI 12: a syncobj or sync_file for job @seqno (what:
 * DRM_DSB_FENCE_TO_SYNCOBJ or DRM_DSB_FENCE_TO_SYNC_FILE); res = it. */
void dsb_uring_prep_fence_to_fd(struct io_uring_sqe *sqe, int drm_fd,
				uint32_t queue_id, uint64_t seqno,
				unsigned int what);

/* ------------------------------------------------------------------ */
/* Command buffers and ring packets (isa.c)                            */
/* ------------------------------------------------------------------ */

/**
 * struct dsb_cmdbuf - a command buffer being written
 */
struct dsb_cmdbuf {
	struct drm_dsb_instr *instrs;	/* CPU pointer to the buffer */
	uint32_t capacity;		/* in instructions */
	uint32_t count;			/* instructions written */
	uint64_t va;			/* GPU VA of instrs[0] */
};

void dsb_cmdbuf_init(struct dsb_cmdbuf *cb, void *mem, size_t bytes,
		     uint64_t va);
static inline uint32_t dsb_cmdbuf_len(const struct dsb_cmdbuf *cb)
{
	return cb->count * DRM_DSB_INSTR_SIZE;
}
static inline void dsb_cmdbuf_reset(struct dsb_cmdbuf *cb)
{
	cb->count = 0;
}

int dsb_cmd_raw(struct dsb_cmdbuf *cb, uint32_t op, uint32_t flags,
		uint64_t a, uint64_t b, uint64_t c);
int dsb_cmd_nop(struct dsb_cmdbuf *cb);
int dsb_cmd_write(struct dsb_cmdbuf *cb, uint64_t dst_va, uint64_t value);
int dsb_cmd_copy(struct dsb_cmdbuf *cb, uint64_t dst_va, uint64_t src_va,
		 uint64_t len);
int dsb_cmd_fill(struct dsb_cmdbuf *cb, uint64_t dst_va, uint32_t pattern,
		 uint64_t len);
int dsb_cmd_atomic_add(struct dsb_cmdbuf *cb, uint64_t dst_va,
		       uint64_t value);
int dsb_cmd_timestamp(struct dsb_cmdbuf *cb, uint64_t dst_va);
int dsb_cmd_memwait(struct dsb_cmdbuf *cb, uint64_t va, uint64_t value,
		    uint32_t flags);
int dsb_cmd_delay(struct dsb_cmdbuf *cb, uint64_t ns);

int dsb_instr_check(const struct drm_dsb_instr *in);
int dsb_decode_instr(const struct drm_dsb_instr *in, char *out, size_t len);
int dsb_packet_check(const struct drm_dsb_packet *pkt);
int dsb_decode_packet(const struct drm_dsb_packet *pkt, char *out, size_t len);
const char *dsb_fault_name(uint32_t fault);

#ifdef __cplusplus
}
#endif

#endif /* LIBDSB_H */
