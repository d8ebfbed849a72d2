/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Copyright (C) 2026 The dsb authors */
#ifndef __DSB_ENGINE_H__
#define __DSB_ENGINE_H__

#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/wait.h>

#include "dsb_drv.h"

struct dsb_user_queue;
struct task_struct;

/**
 * struct dsb_engine_last - the last packet an engine accepted (debugfs)
 * @client: drm-client-id of its queue's owner
 * @queue: its queue id
 * @pkt: the packet as the engine read it
 */
struct dsb_engine_last {
	u64 client;
	u32 queue;
	struct drm_dsb_packet pkt;
};

/**
 * struct dsb_engine - one simulated engine with its firmware scheduler
 * @ddev: the device
 * @idx: engine index
 * @thread: the kthread that executes packets
 * @wq: where the thread sleeps
 * @kicked: set by dsb_engine_kick() before waking the thread
 * @dep_waiters: a queue of this engine is blocked on a WAIT packet
 * @lock: protects @queues and @slots; held while executing a queue, so a
 *        queue removed under it is no longer touched. Never held while
 *        allocating: the thread holds it inside a fence-signalling section.
 * @queues: queues assigned to this engine
 * @nqueues: number of them
 * @slots: hardware queue slots: the queues resident on the engine
 * @current_q: queue being executed, or NULL (debugfs)
 * @current_op: last packet opcode executed (debugfs)
 * @last: last packet accepted and its queue (debugfs)
 * @urgent: a queue above normal priority rang its doorbell, or a deadline
 *          was set (@boost): run it within the round, after the queue being
 *          served
 * @boost: a deadline was set on a fence of the device since the engine last
 *         looked for boosted queues mid-round (dsb_device_boost())
 * @tick: slices the engine ran: the clock of &dsb_qctx.last_run, for slot
 *        eviction
 * @maps: queues mapped into a hardware slot
 * @evictions: resident queues evicted for another one
 * @yields: slots given up by queues that blocked
 * @busy_ns: time spent executing
 */
struct dsb_engine {
	struct dsb_device *ddev;
	unsigned int idx;
	struct task_struct *thread;
	wait_queue_head_t wq;
	atomic_t kicked;
	bool dep_waiters;
	atomic_t urgent;
	atomic_t boost;
	struct mutex lock;	/* see above: never held while allocating */
	struct list_head queues;
	unsigned int nqueues;
	struct dsb_user_queue *slots[DSB_MAX_HW_SLOTS];
	struct dsb_user_queue *current_q;
	u32 current_op;
	struct dsb_engine_last last;
	unsigned long tick;
	u64 maps;
	u64 evictions;
	u64 yields;
	atomic64_t busy_ns;
};

int dsb_engines_init(struct dsb_device *ddev);
void dsb_engines_fini(struct dsb_device *ddev);
void dsb_engine_kick(struct dsb_engine *eng);
void dsb_device_kick_all(struct dsb_device *ddev);
void dsb_device_kick_waiters(struct dsb_device *ddev);
void dsb_device_boost(struct dsb_device *ddev);
struct dsb_engine *dsb_engine_pick(struct dsb_device *ddev);
void dsb_engine_add_queue(struct dsb_engine *eng, struct dsb_user_queue *q);
void dsb_engine_remove_queue(struct dsb_engine *eng, struct dsb_user_queue *q);

#endif /* __DSB_ENGINE_H__ */
