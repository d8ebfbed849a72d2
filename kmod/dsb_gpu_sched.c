// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Copyright (C) 2026 The dsb authors */
/**
 * DOC: The simulated GPU: engines and their scheduler
 *
 * This is where the "GPU" runs. Each engine is a kthread standing for
 * hardware plus its firmware scheduler. It executes what it finds in the
 * memory its driver handed it (dsb_gpu.h, "The hardware interface"): the
 * queue's ring and control page (both writable by the process), the
 * queue's dependency table, fence memory, and buffer objects through the
 * queue's VA translation. To decide whether and how long to run a queue
 * it reads only what a firmware scheduler is given: whether the driver
 * halted the queue, its priority and boost cap, the deadline boost the
 * driver writes into the fence memory header (dsb_gpu_boosted()) and the
 * flags a doorbell or a deadline sets (&dsb_engine.urgent,
 * &dsb_engine.boost). What a queue does is in dsb_gpu_exec.c.
 *
 * Scheduling: an engine has a fixed number of hardware queue slots. A
 * queue with work is mapped into a free slot, or evicts the least recently
 * run resident queue, as firmware schedulers multiplex more software
 * queues than they have slots. Each round, every queue with work runs for
 * a time slice whose two bounds double with its priority: a budget of work
 * units (a packet or an instruction is one unit, a COPY or FILL one more
 * per 4 KiB it moves, so a 1 MiB copy counts 257) and a length of time
 * (%DSB_SLICE_NS at the lowest priority), whichever ends first. A step is
 * never split, so a slice overruns by at most one 1 MiB transfer. The
 * thread reschedules after every queue's slice, so a round of any number
 * of busy queues never holds the CPU, and the time until a queue that has
 * work starts is bounded by one round: the sum of the other queues' slices.
 *
 * Deadline boosts: a deadline set on one of a queue's fences (dsb_fence.c)
 * boosts the queue until that job completes, whatever the deadline (now or
 * past means as soon as possible). A boosted queue runs first in each
 * round, with the slice of &dsb_user_queue.boost_priority; a boost that
 * arrives mid-round is served after the slice being run, as a doorbell
 * above normal priority is (&dsb_engine.urgent), so even a short job gains.
 * The SIGNAL of the boosted job ends the boosted slice: the queue's later
 * jobs run in its own slices.
 *
 * The engine shows the driver, as hardware shows registers, the steps it
 * executed, the slices it gave a queue that ended without a step, whether
 * it found nothing to run and whether the queue is blocked on a WAIT
 * packet or in a DELAY (dsb_gpu_queue_progress()). The watchdog that bans a queue making no
 * progress is driver policy and lives in dsb_watchdog.c, as drm_sched's
 * timeout handler does.
 *
 * The whole loop is a dma-fence signalling section: lockdep checks that
 * nothing here allocates or takes a lock that is held around allocation.
 */
#include <linux/delay.h>
#include <linux/dma-fence.h>
#include <linux/hrtimer.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/moduleparam.h>
#include <linux/lockdep.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "dsb_gpu.h"
#include "dsb_gpu_priv.h"
#include "dsb_test.h"

unsigned int dsb_engine_poll_us = 100;
module_param_named(engine_poll_us, dsb_engine_poll_us, uint, 0644);
MODULE_PARM_DESC(engine_poll_us,
		 "How long an engine keeps polling its doorbells after its last work, in us (0: sleep at once)");

#define DSB_ENGINE_POLL_NS	(10 * NSEC_PER_MSEC)
#define DSB_SLICE_NS		(500 * NSEC_PER_USEC)
/* Light steps between two clock reads: the clock is costly under emulation. */
#define DSB_CLOCK_EVERY		16

/**
 * dsb_engine_kick() - wake an engine, from any context
 * @eng: the engine
 */
void dsb_engine_kick(struct dsb_engine *eng)
{
	atomic_set(&eng->kicked, 1);
	/*
	 * A running or polling engine finds the doorbell by itself: only a
	 * sleeping one is woken, which spares the submitter the wait queue's
	 * lock. The full barrier in wq_has_sleeper() orders @kicked before
	 * the check; it pairs with the one set_current_state() implies in
	 * the sleeper's prepare_to_wait_event(), before it tests @kicked.
	 */
	if (wq_has_sleeper(&eng->wq))
		wake_up(&eng->wq);
}

/*
 * A boost request the driver wrote into the queue's fence memory header
 * (a deadline hint): wanted until its job completes, however late it is.
 */
static bool dsb_gpu_boosted(const struct dsb_gpu_queue *q)
{
	const struct drm_dsb_fence_mem_header *h = q->desc.fhdr;

	return READ_ONCE(h->boost_seqno) > READ_ONCE(h->completed);
}

/* Give up a queue's hardware slot (it blocked, or it goes away). */
static void dsb_engine_unmap_locked(struct dsb_engine *eng, struct dsb_gpu_queue *q)
{
	lockdep_assert_held(&eng->lock);
	if (q->ctx.slot < 0)
		return;
	eng->slots[q->ctx.slot] = NULL;
	q->ctx.slot = -1;
}

/**
 * dsb_engine_make_resident_locked() - map a queue into a hardware slot
 * @eng: the engine, lock held
 * @q: the queue
 *
 * A free slot is used; otherwise the least recently run resident queue is
 * evicted (its state stays in its &struct dsb_gpu_qctx).
 */
static void dsb_engine_make_resident_locked(struct dsb_engine *eng, struct dsb_gpu_queue *q)
{
	unsigned int i, victim = 0;

	lockdep_assert_held(&eng->lock);
	if (q->ctx.slot >= 0)
		return;
	for (i = 0; i < eng->gpu->hw_slots; i++) {
		if (!eng->slots[i]) {
			victim = i;
			goto map;
		}
		if (time_before(eng->slots[i]->ctx.last_run,
				eng->slots[victim]->ctx.last_run))
			victim = i;
	}
	eng->slots[victim]->ctx.slot = -1;
	eng->evictions++;
map:
	eng->slots[victim] = q;
	q->ctx.slot = victim;
	eng->maps++;
}

/* Test builds: the thread preempted at the start or the end of a slice. */
static void dsb_engine_test_stall(void)
{
	if (unlikely(dsb_test_hook(slice_stall_ms)))
		msleep(min(dsb_test_hook(slice_stall_ms), 200U));
}

/**
 * dsb_engine_service_locked() - give a queue its time slice
 * @eng: the engine, lock held
 * @q: one of its queues
 * @clock: in/out, the engine's time (ns): when the round started or the
 *	previous slice ended; set to when this slice ended
 * @next: in/out, when the engine must look again at the latest
 *
 * Runs the queue for its time slice (see "The simulated engine": a budget
 * of work units and a length of time, both doubling with the priority),
 * counts the steps it executes in &dsb_qctx.steps (what the driver's
 * watchdog reads as progress) and accounts the busy time.
 *
 * The clock is read once per slice that runs (at its end, after each COPY
 * or FILL of 4 KiB or more, and every %DSB_CLOCK_EVERY light steps inside
 * it), never for a queue with nothing to do:
 * a slice starts when the previous one ended. A round over many queues
 * costs one clock read per queue that ran, not three per queue.
 *
 * Return: true when the queue made progress.
 */
static bool dsb_engine_service_locked(struct dsb_engine *eng, struct dsb_gpu_queue *q,
				      u64 *clock, u64 *next)
{
	struct dsb_gpu_qctx *c = &q->ctx;
	u64 now = *clock;
	/* Boosted: decided once per round, by the thread's first pass. */
	u32 prio = c->boost_served ? q->desc.boost_priority : q->desc.priority;
	int budget = DSB_BASE_BUDGET << prio;
	u64 slice = DSB_SLICE_NS << prio;
	enum dsb_step r = DSB_STEP_IDLE;
	unsigned int light = 0;
	bool progress = false;
	u64 start = now;

	lockdep_assert_held(&eng->lock);
	if (READ_ONCE(q->halted))
		return false;
	if (c->blocked_until > now) {
		*next = min(*next, c->blocked_until);
		return false;
	}
	c->blocked_until = 0;
	/* What the watchdog reads: the engine found nothing it could run. */
	WRITE_ONCE(c->idle, !dsb_gpu_has_work(q));
	if (c->idle)
		return false;

	dsb_engine_make_resident_locked(eng, q);
	eng->current_q = q;
	dsb_engine_test_stall();
	while (budget > 0) {
		c->step_cost = 1;
		r = dsb_engine_step(eng, q, now, next);
		if (r != DSB_STEP_DONE)
			break;
		progress = true;
		WRITE_ONCE(c->steps, c->steps + 1);
		if (c->blocked_until)
			break;
		budget -= c->step_cost;
		if (c->step_cost > 1 || ++light % DSB_CLOCK_EVERY == 0) {
			now = ktime_get_ns();
			if (now - start >= slice)
				break;
		}
	}
	dsb_engine_flush_retire(q);
	eng->current_q = NULL;
	dsb_engine_test_stall();
	/*
	 * What the watchdog counts as a slice without progress, known only
	 * now: one begun but not yet stepped (the thread preempted) is not.
	 */
	if (!progress)
		WRITE_ONCE(c->empty_slices, c->empty_slices + 1);
	c->last_run = ++eng->tick;
	/* Blocked on a dependency, a MEMWAIT or a DELAY: let others have the slot. */
	if (r == DSB_STEP_BLOCKED || c->blocked_until) {
		dsb_engine_unmap_locked(eng, q);
		eng->yields++;
	}
	now = ktime_get_ns();
	*clock = now;
	atomic64_add(now - start, &eng->busy_ns);
	if (q->desc.busy_ns)
		atomic64_add(now - start, &q->desc.busy_ns[eng->idx]);
	return progress;
}

/* A queue's slice in this round; it made progress: its one slice of the round. */
static bool dsb_engine_service_round_locked(struct dsb_engine *eng, struct dsb_gpu_queue *q,
					    u64 *clock, u64 *next)
{
	bool progress = dsb_engine_service_locked(eng, q, clock, next);

	q->ctx.round_served |= progress;
	return progress;
}

/**
 * dsb_engine_serve_boosted_locked() - serve the queues a deadline boosts now
 * @eng: the engine, lock held
 * @clock: in/out, the engine's time (dsb_engine_service_locked())
 * @next: in/out, when the engine must look again at the latest
 *
 * A deadline was set on a fence of the device (dsb_gpu_boost()) and
 * @eng.boost taken, fully ordered, before this reads the fence memory
 * headers: every queue with a boost that has not had its slice in this
 * round gets its boosted slice now, instead of at the next round's start.
 *
 * Return: true when a queue made progress.
 */
static bool dsb_engine_serve_boosted_locked(struct dsb_engine *eng, u64 *clock, u64 *next)
{
	struct dsb_gpu_queue *q;
	bool progress = false;

	lockdep_assert_held(&eng->lock);
	list_for_each_entry(q, &eng->queues, node) {
		if (q->ctx.boost_served || q->ctx.round_served || !dsb_gpu_boosted(q))
			continue;
		q->ctx.boost_served = true;
		progress |= dsb_engine_service_round_locked(eng, q, clock, next);
		if (cond_resched())
			*clock = ktime_get_ns();
	}
	return progress;
}

/**
 * dsb_engine_serve_urgent_locked() - serve mid-round requests now
 * @eng: the engine, lock held
 * @clock: in/out, the engine's time (dsb_engine_service_locked())
 * @next: in/out, when the engine must look again at the latest
 *
 * A deadline was set on a fence of the device, or work arrived mid-round
 * on a queue above normal priority: serve the boosted queues first, then
 * every queue above normal priority with work, that have not had their
 * slice in this round, now, instead of when the round reaches them or in
 * the next round (a round of many busy queues is long). A deadline set
 * while these run is served after the slice it came in. Still one slice
 * per round, so shares are unchanged.
 *
 * Return: true when a queue made progress.
 */
static bool dsb_engine_serve_urgent_locked(struct dsb_engine *eng, u64 *clock, u64 *next)
{
	struct dsb_gpu_queue *q;
	bool progress = false;

	lockdep_assert_held(&eng->lock);
	atomic_set(&eng->urgent, 0);
	/*
	 * Fully ordered: @urgent is clear before @boost and the fence memory
	 * headers are read. Pairs with the smp_mb() in dsb_gpu_boost().
	 */
	if (atomic_xchg(&eng->boost, 0))
		progress |= dsb_engine_serve_boosted_locked(eng, clock, next);
	list_for_each_entry(q, &eng->queues, node) {
		if (q->desc.priority <= DRM_DSB_QUEUE_PRIORITY_NORMAL || q->ctx.boost_served ||
		    q->ctx.round_served || !dsb_gpu_has_work(q))
			continue;
		progress |= dsb_engine_service_round_locked(eng, q, clock, next);
		/* As in a round: its waiters may run, and so may others. */
		if (cond_resched())
			*clock = ktime_get_ns();
		if (atomic_read(&eng->boost) && atomic_xchg(&eng->boost, 0))
			progress |= dsb_engine_serve_boosted_locked(eng, clock, next);
	}
	return progress;
}

/*
 * The engine thread. After it last made progress it keeps polling its
 * doorbells for dsb_engine_poll_us before it sleeps, as hardware watches
 * its doorbells: a job submitted right after another one then starts
 * without a wake-up, which is most of the latency of a short job.
 *
 * The clock is read once per round, at its end (the end of its last slice
 * when one ran); the next round starts with that reading unless the
 * thread slept or was rescheduled.
 */
static int dsb_engine_thread(void *data)
{
	struct dsb_engine *eng = data;
	u64 last_active = 0;
	u64 now = ktime_get_ns();

	while (!kthread_should_stop()) {
		u64 next = now + DSB_ENGINE_POLL_NS;
		u64 clock = now;
		bool progress = false;
		struct dsb_gpu_queue *q;
		bool cookie;

		atomic_set(&eng->kicked, 0);
		/* Set again below by every queue still blocked on a WAIT. */
		WRITE_ONCE(eng->dep_waiters, false);
		cookie = dma_fence_begin_signalling();
#ifdef DSB_NEGATIVE_CONTROL
		/*
		 * The reclaim negative control, never in a shipped module: the
		 * engine, which signals the fences the shrinker waits for,
		 * allocates while it waits. The debug lane proves lockdep
		 * catches it.
		 */
		if (dsb_negctl_site == DSB_NEGCTL_ENGINE && dsb_reclaim_waiting())
			kfree(kmalloc(64, GFP_KERNEL));
#endif
		mutex_lock(&eng->lock);
		/* Queues with a deadline hint first, then everyone, once each. */
		list_for_each_entry(q, &eng->queues, node) {
			q->ctx.round_served = false;
			q->ctx.boost_served = dsb_gpu_boosted(q);
			if (q->ctx.boost_served)
				progress |= dsb_engine_service_round_locked(eng, q, &clock, &next);
		}
		list_for_each_entry(q, &eng->queues, node) {
			if (!q->ctx.boost_served && !q->ctx.round_served)
				progress |= dsb_engine_service_round_locked(eng, q, &clock, &next);
			/* A round of many busy queues must not hold the CPU. */
			if (cond_resched())
				clock = ktime_get_ns();
			if (atomic_read(&eng->urgent))
				progress |= dsb_engine_serve_urgent_locked(eng, &clock, &next);
		}
		mutex_unlock(&eng->lock);
		dma_fence_end_signalling(cookie);
		if (unlikely(dsb_test_hook(engine_gap_ms)))
			msleep(min(dsb_test_hook(engine_gap_ms), 200U));

		/* A round that ran a slice ends with that slice's reading. */
		now = progress ? clock : ktime_get_ns();
		if (progress)
			last_active = now;
		if (progress || now - last_active < READ_ONCE(dsb_engine_poll_us) * NSEC_PER_USEC) {
			if (cond_resched())
				now = ktime_get_ns();
			continue;
		}
		if (next > now)
			wait_event_interruptible_hrtimeout(eng->wq,
							   atomic_read(&eng->kicked) ||
							   kthread_should_stop(),
							   ns_to_ktime(next - now));
		now = ktime_get_ns();
	}
	return 0;
}

/**
 * dsb_gpu_notify_fences() - fence memory changed: blocked WAITs look again
 * @gpu: the GPU
 *
 * Any context, no allocation. Wakes the engines with a queue blocked on a
 * WAIT packet: the driver calls it after it wrote fence slots or proxy
 * words outside a completion, and the GPU after each completion.
 */
void dsb_gpu_notify_fences(struct dsb_gpu *gpu)
{
	unsigned int i;

	/* Slot write before flag read: pairs with the smp_mb() in the WAIT packet. */
	smp_mb();
	for (i = 0; i < gpu->num_engines; i++)
		if (READ_ONCE(gpu->engines[i].dep_waiters))
			dsb_engine_kick(&gpu->engines[i]);
}

/**
 * dsb_gpu_queue_doorbell() - ring a queue's doorbell
 * @gq: the queue; the driver wrote the doorbell word after the packets
 *      (smp_wmb()). The driver serialises it with dsb_gpu_queue_unmap();
 *      an unmapped queue's doorbell rings nothing.
 *
 * Any context, no allocation. Work above normal priority starts within
 * the engine's round, not a round later.
 */
void dsb_gpu_queue_doorbell(struct dsb_gpu_queue *gq)
{
	struct dsb_engine *eng = gq->engine;

	if (unlikely(!eng))
		return;
	if (gq->desc.priority > DRM_DSB_QUEUE_PRIORITY_NORMAL)
		atomic_set(&eng->urgent, 1);
	dsb_engine_kick(eng);
}

/**
 * dsb_gpu_queue_halt() - take a queue off the scheduler for good
 * @gq: the queue
 *
 * Any context, no allocation, no lock: the driver's fault interrupt calls
 * it with the engine's lock held. The engine starts no further slice or
 * step of the queue; a step in progress completes.
 */
void dsb_gpu_queue_halt(struct dsb_gpu_queue *gq)
{
	WRITE_ONCE(gq->halted, true);
}

/**
 * dsb_gpu_boost() - a deadline boost was written into a fence memory header
 * @gpu: the GPU
 *
 * Any context, no allocation. The boost request is in the queue's fence
 * memory header already; each engine serves the boosted queue after the
 * slice it is running (dsb_engine_serve_urgent_locked()). Every engine
 * looks: the fence does not know its queue's engine (it may outlive the
 * queue), and hints are rare.
 */
void dsb_gpu_boost(struct dsb_gpu *gpu)
{
	unsigned int i;

	for (i = 0; i < gpu->num_engines; i++) {
		struct dsb_engine *eng = &gpu->engines[i];

		/* The header written before @boost. */
		atomic_set_release(&eng->boost, 1);
		/*
		 * @boost before @urgent: an engine whose clear of @urgent
		 * overwrote this one reads @boost after it (the atomic_xchg()
		 * in dsb_engine_serve_urgent_locked()).
		 */
		smp_mb();
		atomic_set(&eng->urgent, 1);
		dsb_engine_kick(eng);
	}
}

/**
 * dsb_gpu_queue_map() - map a queue onto the GPU
 * @gpu: the GPU, attached
 * @gq: the queue, its &dsb_gpu_queue.desc filled in
 *
 * The queue goes to the engine with the fewest queues, which runs it from
 * its next doorbell on. The driver keeps @gq alive until
 * dsb_gpu_queue_unmap() returns.
 */
void dsb_gpu_queue_map(struct dsb_gpu *gpu, struct dsb_gpu_queue *gq)
{
	struct dsb_engine *eng = &gpu->engines[0];
	unsigned int i;

	for (i = 1; i < gpu->num_engines; i++)
		if (READ_ONCE(gpu->engines[i].nqueues) < READ_ONCE(eng->nqueues))
			eng = &gpu->engines[i];
	memset(&gq->ctx, 0, sizeof(gq->ctx));
	gq->ctx.slot = -1;
	gq->halted = false;
	gq->gpu = gpu;
	gq->engine = eng;
	mutex_lock(&eng->lock);
	list_add_tail(&gq->node, &eng->queues);
	WRITE_ONCE(eng->nqueues, eng->nqueues + 1);
	mutex_unlock(&eng->lock);
}

/**
 * dsb_gpu_queue_unmap() - unmap a queue from the GPU
 * @gq: the queue; one that is not mapped is left alone
 *
 * When this returns the GPU no longer touches @gq or its memory. Not from
 * a callback: it takes the engine's lock.
 */
void dsb_gpu_queue_unmap(struct dsb_gpu_queue *gq)
{
	struct dsb_engine *eng = gq->engine;

	if (!eng)
		return;
	mutex_lock(&eng->lock);
	list_del(&gq->node);
	dsb_engine_unmap_locked(eng, gq);
	WRITE_ONCE(gq->halted, true);
	WRITE_ONCE(eng->nqueues, eng->nqueues - 1);
	mutex_unlock(&eng->lock);
	gq->engine = NULL;
}

/**
 * dsb_gpu_queue_progress() - sample a queue's progress registers
 * @gq: the queue, mapped
 * @p: out, the registers
 *
 * Lockless, as a driver reads registers: each value is one the engine
 * wrote, the set is not a snapshot. The watchdog tolerates that: it looks
 * again on its next tick.
 */
void dsb_gpu_queue_progress(const struct dsb_gpu_queue *gq, struct dsb_gpu_progress *p)
{
	p->steps = READ_ONCE(gq->ctx.steps);
	p->empty_slices = READ_ONCE(gq->ctx.empty_slices);
	p->blocked_until = READ_ONCE(gq->ctx.blocked_until);
	p->dep_wait = READ_ONCE(gq->ctx.dep_wait);
	p->idle = READ_ONCE(gq->ctx.idle);
	p->has_work = READ_ONCE(gq->ctx.in_exec) ||
		      READ_ONCE(gq->desc.ctrl->doorbell) != READ_ONCE(gq->ctx.rptr);
}

/**
 * dsb_gpu_queue_read_status() - a consistent snapshot of a queue
 * @gq: the queue
 * @st: out, the snapshot
 *
 * Takes the engine's lock, so it waits for the engine's round to end:
 * for debugfs, not a hot path.
 *
 * Return: false, with @st untouched, when the queue is not mapped.
 */
bool dsb_gpu_queue_read_status(const struct dsb_gpu_queue *gq, struct dsb_gpu_queue_status *st)
{
	struct dsb_engine *eng = READ_ONCE(gq->engine);

	if (!eng)
		return false;
	mutex_lock(&eng->lock);
	st->ctx = gq->ctx;
	st->engine = eng->idx;
	st->doorbell = READ_ONCE(gq->desc.ctrl->doorbell);
	st->has_work = dsb_gpu_has_work(gq);
	st->resident = gq->ctx.slot >= 0;
	mutex_unlock(&eng->lock);
	return true;
}

/**
 * dsb_gpu_engine_read_status() - a consistent snapshot of an engine
 * @gpu: the GPU
 * @idx: the engine
 * @st: out, the snapshot
 *
 * Takes the engine's lock, as dsb_gpu_queue_read_status() does.
 */
void dsb_gpu_engine_read_status(struct dsb_gpu *gpu, unsigned int idx,
				struct dsb_gpu_engine_status *st)
{
	struct dsb_engine *eng = &gpu->engines[idx];
	unsigned int k;

	memset(st, 0, sizeof(*st));
	mutex_lock(&eng->lock);
	st->nqueues = eng->nqueues;
	st->maps = eng->maps;
	st->evictions = eng->evictions;
	st->yields = eng->yields;
	st->busy_ns = atomic64_read(&eng->busy_ns);
	st->tick = eng->tick;
	for (k = 0; k < gpu->hw_slots; k++) {
		const struct dsb_gpu_queue *q = eng->slots[k];

		if (!q)
			continue;
		st->slots[k].used = true;
		st->slots[k].queue_id = q->desc.queue_id;
		st->slots[k].client_id = q->desc.client_id;
		st->slots[k].last_run = q->ctx.last_run;
	}
	st->last_queue = eng->last.queue;
	st->last_client = eng->last.client;
	st->last_pkt = eng->last.pkt;
	mutex_unlock(&eng->lock);
}

/**
 * dsb_gpu_attach() - a driver binds to the GPU
 * @gpu: the GPU
 * @ops: the driver's interrupt callbacks
 */
void dsb_gpu_attach(struct dsb_gpu *gpu, const struct dsb_gpu_ops *ops)
{
	WRITE_ONCE(gpu->ops, ops);
}

/**
 * dsb_gpu_detach() - the driver lets go of the GPU
 * @gpu: the GPU; no queue may be left mapped
 */
void dsb_gpu_detach(struct dsb_gpu *gpu)
{
	unsigned int i;

	for (i = 0; i < gpu->num_engines; i++)
		WARN_ON(!list_empty(&gpu->engines[i].queues));
	WRITE_ONCE(gpu->ops, NULL);
}

/**
 * dsb_gpu_destroy() - stop a GPU's engines and free it
 * @gpu: the GPU; no queue may be left mapped
 */
void dsb_gpu_destroy(struct dsb_gpu *gpu)
{
	unsigned int i;

	for (i = 0; i < gpu->num_engines; i++) {
		if (gpu->engines[i].thread)
			kthread_stop(gpu->engines[i].thread);
		WARN_ON(!list_empty(&gpu->engines[i].queues));
		mutex_destroy(&gpu->engines[i].lock);
	}
	kfree(gpu->engines);
	kfree(gpu);
}

/**
 * dsb_gpu_create() - power up a GPU: create and start its engines
 * @index: its index (thread names)
 * @engines: engines (clamped to 1..%DSB_MAX_ENGINES)
 * @hw_slots: hardware queue slots per engine (clamped to 1..%DSB_MAX_HW_SLOTS)
 *
 * Return: the GPU or an ERR_PTR(); nothing is left behind on failure.
 */
struct dsb_gpu *dsb_gpu_create(unsigned int index, unsigned int engines, unsigned int hw_slots)
{
	struct dsb_gpu *gpu;
	unsigned int i;
	int ret;

	gpu = kzalloc(sizeof(*gpu), GFP_KERNEL);
	if (!gpu)
		return ERR_PTR(-ENOMEM);
	gpu->index = index;
	gpu->num_engines = clamp(engines, 1U, (unsigned int)DSB_MAX_ENGINES);
	gpu->hw_slots = clamp(hw_slots, 1U, (unsigned int)DSB_MAX_HW_SLOTS);
	gpu->engines = kcalloc(gpu->num_engines, sizeof(*gpu->engines), GFP_KERNEL);
	if (!gpu->engines) {
		kfree(gpu);
		return ERR_PTR(-ENOMEM);
	}
	for (i = 0; i < gpu->num_engines; i++) {
		struct dsb_engine *eng = &gpu->engines[i];

		eng->gpu = gpu;
		eng->idx = i;
		init_waitqueue_head(&eng->wq);
		mutex_init(&eng->lock);
		INIT_LIST_HEAD(&eng->queues);
	}
	for (i = 0; i < gpu->num_engines; i++) {
		struct dsb_engine *eng = &gpu->engines[i];

		eng->thread = kthread_run(dsb_engine_thread, eng, "dsb%u-eng%u", index, i);
		if (IS_ERR(eng->thread)) {
			ret = PTR_ERR(eng->thread);
			eng->thread = NULL;
			dsb_gpu_destroy(gpu);
			return ERR_PTR(ret);
		}
	}
	return gpu;
}
