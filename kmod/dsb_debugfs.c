// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Copyright (C) 2026 The dsb authors */
/**
 * DOC: debugfs
 *
 * Under the DRM minor's debugfs directory:
 *
 * - ``dsb_device``: engines, their hardware slots and which queue holds
 *   each, and the device counters (including live objects, which return to
 *   zero once every client has gone);
 * - ``dsb_queues``: one block per queue: state, fault, ring pointers,
 *   seqnos, fence slots in flight.
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include <drm/drm_file.h>
#include <drm/drm_print.h>

#include "dsb_debugfs.h"
#include "dsb_engine.h"
#include "dsb_queue.h"

static int dsb_device_show(struct seq_file *m, void *unused)
{
	struct dsb_device *ddev = m->private;
	struct dsb_stats *s = &ddev->stats;
	unsigned int i, k;

	seq_printf(m, "device %u: %u engines, %u hw slots per engine\n",
		   ddev->index, ddev->num_engines, ddev->hw_slots);
	for (i = 0; i < ddev->num_engines; i++) {
		struct dsb_engine *eng = &ddev->engines[i];

		mutex_lock(&eng->lock);
		seq_printf(m, "engine %u: queues %u maps %llu evictions %llu busy_ns %lld\n",
			   i, eng->nqueues, eng->maps, eng->evictions,
			   (long long)atomic64_read(&eng->busy_ns));
		for (k = 0; k < ddev->hw_slots; k++) {
			struct dsb_queue *q = eng->slots[k];

			if (q)
				seq_printf(m, "  slot %u: queue %u\n", k, q->id);
			else
				seq_printf(m, "  slot %u: -\n", k);
		}
		mutex_unlock(&eng->lock);
	}
	seq_printf(m, "submits %lld\npackets %lld\ncompletions %lld\n",
		   (long long)atomic64_read(&s->submits),
		   (long long)atomic64_read(&s->packets),
		   (long long)atomic64_read(&s->completions));
	seq_printf(m, "timeouts %lld\nfaults %lld\ntampers %lld\ncancels %lld\n",
		   (long long)atomic64_read(&s->timeouts),
		   (long long)atomic64_read(&s->faults),
		   (long long)atomic64_read(&s->tampers),
		   (long long)atomic64_read(&s->cancels));
	seq_printf(m, "live_bos %d\nlive_queues %d\nlive_jobs %d\nlive_fences %d\nlive_vms %d\n",
		   atomic_read(&s->live_bos), atomic_read(&s->live_queues),
		   atomic_read(&s->live_jobs), atomic_read(&s->live_fences),
		   atomic_read(&s->live_vms));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(dsb_device);

static int dsb_queues_show(struct seq_file *m, void *unused)
{
	struct dsb_device *ddev = m->private;
	struct dsb_queue *q;

	mutex_lock(&ddev->queues_lock);
	list_for_each_entry(q, &ddev->queues, dev_node) {
		unsigned long flags;
		u32 k, busy = 0;

		spin_lock_irqsave(&q->lock, flags);
		for (k = 0; k < q->nslots; k++)
			busy += !!q->slot_job[k];
		seq_printf(m, "queue %u: engine %u prio %u state %s fault %u fault_seqno %llu fault_va 0x%llx\n",
			   q->id, q->engine ? q->engine->idx : 0, q->priority,
			   q->state == DRM_DSB_QUEUE_ACTIVE ? "active" : "banned",
			   q->fault, q->fault_seqno, q->fault_va);
		seq_printf(m, "  ring %u packets, head %llu tail %llu doorbell %llu\n",
			   q->ring_packets, READ_ONCE(q->ctx.rptr), q->wptr,
			   READ_ONCE(q->ctrl->doorbell));
		seq_printf(m, "  submitted %llu completed %llu slots %u/%u in flight\n",
			   READ_ONCE(q->submitted), q->completed, busy, q->nslots);
		spin_unlock_irqrestore(&q->lock, flags);
	}
	mutex_unlock(&ddev->queues_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(dsb_queues);

/**
 * dsb_debugfs_init() - create the dsb debugfs files of a minor
 * @minor: the DRM minor
 */
void dsb_debugfs_init(struct drm_minor *minor)
{
	struct dsb_device *ddev = to_dsb_device(minor->dev);

	debugfs_create_file("dsb_device", 0444, minor->debugfs_root, ddev,
			    &dsb_device_fops);
	debugfs_create_file("dsb_queues", 0444, minor->debugfs_root, ddev,
			    &dsb_queues_fops);
}
