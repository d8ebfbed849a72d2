// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Copyright (C) 2026 The dsb authors */
/**
 * DOC: fdinfo
 *
 * /proc/<pid>/fdinfo/<fd> of a dsb file carries the DRM usage-stats keys
 * (Documentation/gpu/drm-usage-stats.rst), so gputop, nvtop and friends
 * account dsb like any GPU:
 *
 * - ``drm-driver: dsb`` and ``drm-client-id``, unique per open file (the
 *   id the debugfs files and the tracepoints name a queue's owner by);
 * - ``drm-engine-eng<N>: <ns> ns``: time engine N spent executing this
 *   file's queues, accumulated by the engine after each time slice;
 * - ``drm-total-memory`` and friends: the file's buffer objects;
 * - ``dsb-client-memory`` and ``dsb-client-memory-limit``: kernel memory
 *   charged to the user who opened the file, on every dsb device and file
 *   together (dsb_mem.c), and its limit, in KiB;
 * - ``dsb-uring-waits`` and ``dsb-uring-waits-limit``: io_uring waits of
 *   this file outstanding, and their cap (dsb_uring.c);
 * - ``dsb-queue-<id>-priority``: per queue of the file, its scheduling
 *   priority (0 low .. 3 realtime).
 *
 * Where the DRM core prints fdinfo (drm_show_fdinfo(), 6.5 and later) it
 * prints the first two keys and calls dsb_fdinfo_print(); before, the
 * file_operations hook dsb_fdinfo_show() prints them all. dsb_compat.h
 * picks one.
 */
#include <linux/fs.h>
#include <linux/seq_file.h>
#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/drm_print.h>

#include "dsb_compat.h"
#include "dsb_drv.h"
#include "dsb_queue.h"
#include "dsb_fdinfo.h"
#include "dsb_vm.h"
#include "dsb_bo.h"
#include "dsb_mem.h"

static atomic64_t dsb_client_ids = ATOMIC64_INIT(0);

/**
 * dsb_fdinfo_next_client_id() - a fresh client id
 *
 * Used where &drm_file has no client_id of its own (before 6.5).
 *
 * Return: an id never returned before, nonzero.
 */
u64 dsb_fdinfo_next_client_id(void)
{
	return atomic64_inc_return(&dsb_client_ids);
}

/* The keys the core does not print: engine time. */
static void dsb_fdinfo_print_engines(struct drm_printer *p, struct drm_file *file)
{
	struct dsb_file *df = file->driver_priv;
	unsigned int i;

	for (i = 0; i < df->ddev->gpu->num_engines; i++)
		drm_printf(p, "drm-engine-eng%u:\t%lld ns\n", i,
			   (long long)atomic64_read(&df->busy_ns[i]));
}

/* One line per queue: its scheduling priority (0 low .. 3 realtime). */
static void dsb_fdinfo_print_queues(struct drm_printer *p, struct dsb_file *df)
{
	struct dsb_user_queue *q;
	unsigned long id;

	xa_lock(&df->queues);
	xa_for_each(&df->queues, id, q)
		drm_printf(p, "dsb-queue-%lu-priority:\t%u\n", id, q->priority);
	xa_unlock(&df->queues);
}

/**
 * dsb_fdinfo_print() - the driver's part of a file's fdinfo
 * @p: printer into the fdinfo seq_file
 * @file: the DRM file
 *
 * Called by drm_show_fdinfo(), which has printed drm-driver and
 * drm-client-id.
 */
void dsb_fdinfo_print(struct drm_printer *p, struct drm_file *file)
{
	struct dsb_file *df = file->driver_priv;

	dsb_fdinfo_print_engines(p, file);
	dsb_fdinfo_print_queues(p, df);
	dsb_fdinfo_memory_stats(p, file);
	drm_printf(p, "dsb-client-memory:\t%llu KiB\n",
		   (u64)atomic64_read(&df->mem->used) >> 10);
	drm_printf(p, "dsb-client-memory-limit:\t%llu KiB\n", dsb_mem_client_limit() >> 10);
	drm_printf(p, "dsb-uring-waits:\t%d\n", atomic_read(&df->uring_nwaits));
	drm_printf(p, "dsb-uring-waits-limit:\t%d\n", DSB_MAX_URING_WAITS);
}

/**
 * dsb_fdinfo_show() - a whole fdinfo, for kernels without drm_show_fdinfo()
 * @m: the fdinfo seq_file
 * @f: the file
 */
void dsb_fdinfo_show(struct seq_file *m, struct file *f)
{
	struct drm_file *file = f->private_data;
	struct dsb_file *df = file->driver_priv;
	struct drm_printer p = drm_seq_file_printer(m);

	drm_printf(&p, "drm-driver:\t%s\n", file->minor->dev->driver->name);
	drm_printf(&p, "drm-client-id:\t%llu\n", df->client_id);
	dsb_fdinfo_print(&p, file);
}

/**
 * dsb_fdinfo_memory_stats() - the drm-*-memory keys
 * @p: printer
 * @file: the DRM file
 *
 * Same keys and units as the core's drm_show_memory_stats(). Resident:
 * imports and pinned BOs, and swappable BOs while resident. Purgeable,
 * as the DRM usage-stats document and &enum drm_gem_object_status mean
 * it: resident BOs userspace marked purgeable (DRM_DSB_MADV_DONTNEED) that
 * reclaim may purge now: swappable, never exported, of a VM with no job in
 * flight (the core leaves out active BOs too). BOs reclaim would only
 * evict (swap) are not purgeable: their contents are kept.
 */
void dsb_fdinfo_memory_stats(struct drm_printer *p, struct drm_file *file)
{
	struct dsb_file *df = file->driver_priv;
	u64 total = 0, shared = 0, resident = 0, purgeable = 0;
	bool idle = !atomic_read(&df->vm->busy);
	struct drm_gem_object *obj;
	int id;

	spin_lock(&file->table_lock);
	idr_for_each_entry(&file->object_idr, obj, id) {
		struct dsb_gem_object *bo = to_dsb_bo(obj);

		total += obj->size;
		if (obj->handle_count > 1 || obj->dma_buf || obj->import_attach)
			shared += obj->size;
		/* Unlocked reads: a snapshot, as every fdinfo key is. */
		if (!bo->swappable || READ_ONCE(bo->resident)) {
			resident += obj->size;
			if (idle && dsb_bo_can_purge(bo))
				purgeable += obj->size;
		}
	}
	spin_unlock(&file->table_lock);
	drm_printf(p, "drm-total-memory:\t%llu KiB\n", total >> 10);
	drm_printf(p, "drm-shared-memory:\t%llu KiB\n", shared >> 10);
	drm_printf(p, "drm-resident-memory:\t%llu KiB\n", resident >> 10);
	drm_printf(p, "drm-purgeable-memory:\t%llu KiB\n", purgeable >> 10);
}
