/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Copyright (C) 2026 The dsb authors */
#ifndef __DSB_DRV_H__
#define __DSB_DRV_H__

#include <linux/atomic.h>
#include <linux/bits.h>
#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <drm/drm_device.h>
#include <drm/drm_file.h>

#include "dsb_drm.h"
#include "dsb_gpu.h"
#include "dsb_test.h"

#define DSB_VA_START		BIT_ULL(20)
#define DSB_VA_SIZE		BIT_ULL(40)
#define DSB_MAX_BO_SIZE		(256ULL << 20)
#define DSB_MAX_QUEUES		64
#define DSB_MAX_RING_PACKETS	4096
#define DSB_MIN_RING_PACKETS	16
#define DSB_MAX_FENCE_SLOTS	1024
#define DSB_MAX_JOB_DEPS	8
/* Any of the file's queues: a batch locks them under one lock, see "Locking". */
#define DSB_MAX_BATCH_QUEUES	DSB_MAX_QUEUES
#define DSB_MAX_URING_WAITS	16384

struct shrinker;
struct dsb_mem_client;
struct dsb_vm;

/*
 * What an open file itself is charged (&struct dsb_file, its GPU VA space
 * and the allocator's nodes of a few mappings), see dsb_mem.c.
 */
#define DSB_FILE_CHARGE		PAGE_SIZE

/**
 * struct dsb_stats - device counters, shown in debugfs
 * @submits: jobs submitted
 * @completions: jobs whose fence signalled
 * @timeouts: queues banned by the watchdog
 * @faults: queues banned for a fault (timeouts included)
 * @cancels: jobs retired without running (bans, destroys)
 * @implicit_deps: dependencies found in buffers' reservation objects
 * @proxy_deps: dependencies armed through a proxy word (foreign fences)
 * @deadline_hints: deadlines set on dsb fences
 * @deadline_misses: dsb fences that signalled after their deadline
 * @uring_retries: io_uring SUBMITs issued inline that found a queue lock
 *                 contended, or buffers to restore, and were handed back
 *                 to io_uring (-EAGAIN)
 * @evictions: swappable BOs evicted
 * @evicted_bytes: bytes of them
 * @restores: swappable BOs made resident (first use or back from eviction)
 * @restored_bytes: bytes of them
 * @shrinker_scans: scans the shrinker was asked for
 * @shrinker_waits: times the shrinker waited for a busy VM's fence
 * @shrinker_wait_timeouts: such waits that ended before the fence signalled
 * @evicted_faults: engine accesses that met an unpublished mapping (only
 *                  packets userspace wrote into its own ring can)
 * @purges: BOs marked DONTNEED that were purged
 * @purged_bytes: bytes of RAM that freed
 * @purged_faults: engine accesses that met a purged BO's mapping (the job
 *                 faults its queue, as at an unmapped address)
 * @uring_cancels: io_uring waits completed with -ECANCELED (DRM_DSB_URING_CANCEL
 *                 or ring teardown)
 * @live_bos: buffer objects alive
 * @live_queues: queues alive
 * @live_jobs: jobs between prepare and retirement
 * @live_fences: dsb fences in use (allocated, not in a queue's fence pool)
 * @pooled_fences: released fences kept in fence pools for reuse
 * @fence_reuses: fences a submit took from its queue's fence pool
 * @late_fences: fences made on demand for a job in flight without one
 * @fence_allocs: fences allocated (not taken from a pool)
 * @live_vms: GPU VA spaces alive
 * @live_uring_waits: io_uring waits pending (allocated, not yet completed)
 */
struct dsb_stats {
	atomic64_t submits;
	atomic64_t completions;
	atomic64_t timeouts;
	atomic64_t faults;
	atomic64_t cancels;
	atomic64_t implicit_deps;
	atomic64_t proxy_deps;
	atomic64_t deadline_hints;
	atomic64_t deadline_misses;
	atomic64_t uring_retries;
	atomic64_t uring_cancels;
	atomic64_t evictions;
	atomic64_t evicted_bytes;
	atomic64_t restores;
	atomic64_t restored_bytes;
	atomic64_t shrinker_scans;
	atomic64_t shrinker_waits;
	atomic64_t shrinker_wait_timeouts;
	atomic64_t evicted_faults;
	atomic64_t purges;
	atomic64_t purged_bytes;
	atomic64_t purged_faults;
	atomic_t live_bos;
	atomic_t live_queues;
	atomic_t live_jobs;
	atomic_t live_fences;
	atomic_t pooled_fences;
	atomic64_t fence_reuses;
	atomic64_t late_fences;
	atomic64_t fence_allocs;
	atomic_t live_vms;
	atomic_t live_uring_waits;
};

/**
 * struct dsb_device - one dsb device (a render node and its engines)
 * @drm: the DRM device
 * @index: device index (0, 1, ...)
 * @gpu: the simulated GPU it drives (dsb_gpu.h)
 * @queues_lock: protects @queues
 * @queues: every queue of the device, for debugfs
 * @stats: counters
 * @watchdog: the watchdog's tick, while a queue is busy (dsb_watchdog.c)
 * @pinned: bytes of BO memory the device holds resident: pinned BOs and
 *          resident swappable ones
 * @pinned_limit: cap on @pinned (module parameter ``max_pinned_mb``; by
 *                default the total limit of dsb_mem.c or half of RAM,
 *                whichever is less)
 * @evictable: bytes of resident swappable BOs that were never exported
 * @purgeable: bytes of those that userspace marked DONTNEED: what reclaim
 *             purges before it evicts anything
 * @vm_lru_lock: protects @vm_lru
 * @vm_lru: every VM of the device, in the order the shrinker visits them
 * @shrinker: the device's shrinker (dsb_reclaim.c)
 */
struct dsb_device {
	struct drm_device drm;
	unsigned int index;
	struct dsb_gpu *gpu;
	struct mutex queues_lock;	/* protects @queues */
	struct list_head queues;
	struct dsb_stats stats;
	struct delayed_work watchdog;
	atomic64_t pinned;
	u64 pinned_limit;
	atomic64_t evictable;
	atomic64_t purgeable;
	spinlock_t vm_lru_lock;	/* protects @vm_lru */
	struct list_head vm_lru;
	struct shrinker *shrinker;
};

/**
 * struct dsb_file - per-open-file state
 * @ddev: the device
 * @vm: the file's GPU virtual address space
 * @queues: queue id -> &struct dsb_user_queue
 * @bo_lists: buffer list id -> &struct dsb_bo_list (implicit sync)
 * @busy_ns: engine time used by this file's queues, per engine (fdinfo)
 * @client_id: the file's drm-client-id (fdinfo, debugfs, tracepoints)
 * @mem: the accounting object of the user who opened the file (reference)
 * @uring_lock: protects @uring_waits and the state of each wait on it
 *              (dsb_uring.c); taken in fence callbacks, so irq-safe
 * @uring_waits: io_uring waits armed and not yet claimed
 * @uring_nwaits: io_uring waits outstanding, at most %DSB_MAX_URING_WAITS
 * @batch_lock: taken by each batch of the file on more than one queue
 *              around their submit locks, which lockdep lets a task hold
 *              several of only under it (dsb_submit.c, "Locking")
 */
struct dsb_file {
	struct dsb_device *ddev;
	struct dsb_mem_client *mem;
	struct dsb_vm *vm;
	struct xarray queues;
	struct xarray bo_lists;
	atomic64_t busy_ns[DSB_MAX_ENGINES];
	u64 client_id;
	spinlock_t uring_lock;		/* protects @uring_waits */
	struct list_head uring_waits;
	atomic_t uring_nwaits;
	struct mutex batch_lock;	/* serializes multi-queue batches */
};

static inline struct dsb_device *to_dsb_device(struct drm_device *drm)
{
	return container_of(drm, struct dsb_device, drm);
}

/* module parameters */
extern unsigned int dsb_timeout_ms;
extern unsigned int dsb_max_pinned_mb;

#endif /* __DSB_DRV_H__ */
