/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Copyright (C) 2026 The dsb authors */
/*
 * The simulated GPU's own definitions, shared by its scheduler
 * (dsb_gpu_sched.c) and its execution (dsb_gpu_exec.c). The driver never
 * includes this header: dsb_gpu.h is its interface.
 */
#ifndef __DSB_GPU_PRIV_H__
#define __DSB_GPU_PRIV_H__

#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/wait.h>

#include "dsb_gpu.h"

struct task_struct;

/* Module parameter: how long an engine polls its doorbells before sleeping. */
extern unsigned int dsb_engine_poll_us;

/* Work units of a slice at the lowest priority; it doubles per level. */
#define DSB_BASE_BUDGET		64
/* The cost of a step that ends its slice: the largest budget. */
#define DSB_COST_REST_OF_SLICE	(DSB_BASE_BUDGET << DRM_DSB_QUEUE_PRIORITY_MAX)

/**
 * enum dsb_step - what executing one step of a queue did
 * @DSB_STEP_DONE: executed something, go on
 * @DSB_STEP_IDLE: nothing to do
 * @DSB_STEP_BLOCKED: waiting on memory or time
 * @DSB_STEP_FAULT: the queue faulted and was halted
 */
enum dsb_step {
	DSB_STEP_DONE,
	DSB_STEP_IDLE,
	DSB_STEP_BLOCKED,
	DSB_STEP_FAULT,
};

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
 * @gpu: the GPU
 * @idx: engine index
 * @thread: the kthread that executes packets
 * @wq: where the thread sleeps
 * @kicked: set by dsb_engine_kick() before waking the thread
 * @dep_waiters: a queue of this engine is blocked on a WAIT packet
 * @urgent: a queue above normal priority rang its doorbell, or a deadline
 *          was set (@boost): run it within the round, after the queue being
 *          served
 * @boost: a deadline was set on a fence of the device since the engine last
 *         looked for boosted queues mid-round (dsb_gpu_boost())
 * @lock: protects @queues and @slots; held while executing a queue, so a
 *        queue removed under it is no longer touched. Never held while
 *        allocating: the thread holds it inside a fence-signalling section.
 * @queues: queues mapped on this engine
 * @nqueues: number of them
 * @slots: hardware queue slots: the queues resident on the engine
 * @current_q: queue being executed, or NULL
 * @current_op: last packet opcode executed
 * @last: last packet accepted and its queue (debugfs)
 * @tick: slices the engine ran: the clock of &dsb_gpu_qctx.last_run, for
 *        slot eviction
 * @maps: queues mapped into a hardware slot
 * @evictions: resident queues evicted for another one
 * @yields: slots given up by queues that blocked
 * @busy_ns: time spent executing
 */
struct dsb_engine {
	struct dsb_gpu *gpu;
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
	struct dsb_gpu_queue *slots[DSB_MAX_HW_SLOTS];
	struct dsb_gpu_queue *current_q;
	u32 current_op;
	struct dsb_engine_last last;
	unsigned long tick;
	u64 maps;
	u64 evictions;
	u64 yields;
	atomic64_t busy_ns;
};

/**
 * dsb_gpu_has_work() - the queue has packets or instructions to run
 * @q: the queue; its engine's lock held (the read pointer is stable only
 *     under it)
 *
 * Reads the doorbell, which the process may write: a doorbell at the read
 * pointer while jobs are in flight means the process hid its packets.
 *
 * Return: true when the engine would find something to run now.
 */
static inline bool dsb_gpu_has_work(const struct dsb_gpu_queue *q)
{
	return q->ctx.in_exec || READ_ONCE(q->desc.ctrl->doorbell) != q->ctx.rptr;
}

void dsb_engine_kick(struct dsb_engine *eng);
enum dsb_step dsb_engine_step(struct dsb_engine *eng, struct dsb_gpu_queue *q, u64 now, u64 *next);
void dsb_engine_flush_retire(struct dsb_gpu_queue *q);

#endif /* __DSB_GPU_PRIV_H__ */
