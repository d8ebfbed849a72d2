// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Copyright (C) 2026 The dsb authors */
/**
 * DOC: Watchdog
 *
 * Driver policy, as drm_sched's job timeout handler is: a queue with jobs
 * in flight whose engine shows no progress for the queue's timeout is
 * banned with %DRM_DSB_FAULT_TIMEOUT, which signals all its fences with an
 * error, so every dsb fence signals in finite time whatever the process
 * puts in its command buffers.
 *
 * Progress is what the engine shows, as hardware shows it in registers:
 * its count of executed steps moved, or the queue is blocked on a WAIT
 * packet (dsb_gpu_queue_progress()). Waiting for a dependency
 * does not count, as drm_sched starts a job's timeout when its
 * dependencies are met: dependencies are fences, which signal in finite
 * time on their own. Only time on a hardware slot counts: a tick adds the
 * time since the previous one only when the engine ended a time slice of
 * the queue in between without executing a step (its count of empty
 * slices moved: blocked on a MEMWAIT, say), the queue sits in a DELAY, or
 * the engine finds nothing to run in it (a lowered doorbell), so a queue
 * waiting for its turn among many others is never banned for it. The
 * engine itself says a slice was empty, when it ends: a slice begun but
 * not yet stepped (its engine thread preempted on a loaded machine), or
 * one whose steps the watchdog saw before its end, is not one without
 * progress.
 * A queue's clock starts at the first tick that finds it busy, so the
 * time a queue spent idle never counts.
 *
 * One delayed work per device ticks every %DSB_WATCHDOG_TICK_MS while any
 * of its queues is busy: the submit path arms it, it re-arms itself, and
 * it stops when every queue is idle. A tick walks the device's queues
 * under &dsb_device.queues_lock, inside a fence-signalling section (a ban signals
 * fences); it runs on a WQ_MEM_RECLAIM workqueue, so memory pressure
 * cannot keep it from running.
 */
#include <linux/dma-fence.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/workqueue.h>

#include "dsb_queue.h"
#include "dsb_trace.h"
#include "dsb_watchdog.h"

#define DSB_WATCHDOG_TICK_MS	10

static struct workqueue_struct *dsb_watchdog_wq;

/*
 * One queue at a tick: returns true while it is busy. The device's queue
 * list lock held: the queue stays on the device, and its watchdog state
 * is the tick's.
 */
static bool dsb_watchdog_check_locked(struct dsb_user_queue *q, unsigned long now,
				      u64 now_ns)
{
	struct dsb_watchdog_state *wd = &q->wd;
	struct dsb_gpu_progress p;
	u64 submitted, rung;

	lockdep_assert_held(&q->ddev->queues_lock);
	/* The doorbell of every job up to @rung is read below: pairs with the submit. */
	rung = smp_load_acquire(&q->rung);
	submitted = READ_ONCE(q->submitted);
	if (READ_ONCE(q->state) != DRM_DSB_QUEUE_ACTIVE || submitted == READ_ONCE(q->completed)) {
		wd->busy = false;
		return false;
	}
	dsb_gpu_queue_progress(&q->hw, &p);
	if (!wd->busy || p.steps != wd->steps || p.dep_wait) {
		wd->busy = true;
		wd->steps = p.steps;
		wd->empty_slices = p.empty_slices;
		wd->stalled = 0;
		wd->stamp = now;
		return true;
	}
	/*
	 * No progress: count the interval only if a slice of the queue ended
	 * in it without a step, or the engine found nothing to run and there
	 * still is nothing (the process hid its packets), once the doorbell of
	 * every submitted job was rung: a submitter preempted between handing
	 * its jobs over and its doorbell hid nothing. An engine's "idle" from before the
	 * last doorbell is stale: that queue waits for its turn.
	 */
	if (p.empty_slices != wd->empty_slices || p.blocked_until > now_ns ||
	    (p.idle && !p.has_work && rung == submitted))
		wd->stalled += now - wd->stamp;
	wd->empty_slices = p.empty_slices;
	wd->stamp = now;
	if (wd->stalled <= msecs_to_jiffies(q->timeout_ms))
		return true;
	atomic64_inc(&q->ddev->stats.timeouts);
	trace_dsb_timeout(q, READ_ONCE(q->completed) + 1);
	dsb_queue_ban(q, DRM_DSB_FAULT_TIMEOUT, 0);
	wd->busy = false;
	return false;
}

static void dsb_watchdog_tick(struct work_struct *work)
{
	struct dsb_device *ddev = container_of(to_delayed_work(work), struct dsb_device,
					       watchdog);
	unsigned long now = jiffies;
	u64 now_ns = ktime_get_ns();
	struct dsb_user_queue *q;
	bool busy = false;
	bool cookie;

	cookie = dma_fence_begin_signalling();
	mutex_lock(&ddev->queues_lock);
	list_for_each_entry(q, &ddev->queues, dev_node)
		busy |= dsb_watchdog_check_locked(q, now, now_ns);
	mutex_unlock(&ddev->queues_lock);
	dma_fence_end_signalling(cookie);
	if (busy)
		queue_delayed_work(dsb_watchdog_wq, &ddev->watchdog,
				   msecs_to_jiffies(DSB_WATCHDOG_TICK_MS));
}

/**
 * dsb_watchdog_arm() - make sure the device's watchdog ticks
 * @ddev: the device, one of whose queues was just given work
 *
 * Any context; allocates nothing (called in the signalling section).
 */
void dsb_watchdog_arm(struct dsb_device *ddev)
{
	if (!delayed_work_pending(&ddev->watchdog))
		queue_delayed_work(dsb_watchdog_wq, &ddev->watchdog,
				   msecs_to_jiffies(DSB_WATCHDOG_TICK_MS));
}

/**
 * dsb_watchdog_init() - set up a device's watchdog, not ticking
 * @ddev: the device
 */
void dsb_watchdog_init(struct dsb_device *ddev)
{
	INIT_DELAYED_WORK(&ddev->watchdog, dsb_watchdog_tick);
}

/**
 * dsb_watchdog_fini() - stop a device's watchdog
 * @ddev: the device, with no queue left on its GPU
 */
void dsb_watchdog_fini(struct dsb_device *ddev)
{
	/* Waits for a running tick and keeps it from queueing itself again. */
	cancel_delayed_work_sync(&ddev->watchdog);
}

/**
 * dsb_watchdog_module_init() - create the watchdog workqueue
 *
 * Return: 0 or -ENOMEM.
 */
int dsb_watchdog_module_init(void)
{
	dsb_watchdog_wq = alloc_workqueue("dsb-watchdog", WQ_MEM_RECLAIM, 0);
	return dsb_watchdog_wq ? 0 : -ENOMEM;
}

/**
 * dsb_watchdog_module_exit() - destroy the watchdog workqueue
 */
void dsb_watchdog_module_exit(void)
{
	destroy_workqueue(dsb_watchdog_wq);
}
