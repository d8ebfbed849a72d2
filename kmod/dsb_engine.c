// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Copyright (C) 2026 The dsb authors */
/**
 * DOC: The simulated engine
 *
 * This is where the "GPU" runs. Each engine is a kthread standing for
 * hardware plus its firmware scheduler. It executes what it finds in
 * memory: the queue's ring and control page (both writable by the
 * process), the queue's kernel-only dependency table, fence memory, and
 * buffer objects through the file's GPU VA space (dsb_vm_translate()).
 * Of the driver's bookkeeping it reads only what a firmware scheduler is
 * given by its driver, to decide whether and how long to run a queue,
 * never what to execute: the queue's state (&dsb_user_queue.state: a
 * banned queue is not run), its priority and boost cap
 * (&dsb_user_queue.priority, &dsb_user_queue.boost_priority, fixed at
 * creation), the deadline boost the driver writes into the fence memory
 * header (dsb_queue_boosted()) and the flags a doorbell or a deadline sets
 * (&dsb_engine.urgent, &dsb_engine.boost).
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
 * Execution: the engine reads the doorbell, copies one packet out of the
 * ring (each word of hostile memory is read once), checks its sequence
 * number and MAC, and executes it. Anything malformed bans the queue
 * through dsb_queue_ban(), which signals every pending fence with an
 * error. A SIGNAL packet completes its job: a failed one retires at once,
 * successful ones in batches (at most %DSB_RETIRE_BATCH, and always before
 * the queue's next WAIT, at the end of its slice and before a ban); the
 * completion interrupt, dsb_queue_retire(), writes the jobs' fence slots
 * and signals their dma_fences from preallocated state.
 *
 * What the engine shows the driver, as hardware shows registers: its read
 * pointer, the steps it executed (&dsb_qctx.steps), the slices it gave the
 * queue (&dsb_qctx.runs), whether it found nothing to run (&dsb_qctx.idle),
 * and whether the queue is blocked on a WAIT packet (&dsb_qctx.dep_wait)
 * or in a DELAY (&dsb_qctx.blocked_until). The
 * watchdog that bans a queue making no progress is driver policy and
 * lives in dsb_watchdog.c, as drm_sched's timeout handler does.
 *
 * The whole loop is a dma-fence signalling section: lockdep checks that
 * nothing here allocates or takes a lock that is held around allocation.
 */
#include <linux/delay.h>
#include <linux/dma-fence.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "dsb_engine.h"
#include "dsb_fence.h"
#include "dsb_job.h"
#include "dsb_queue.h"
#include "dsb_ring.h"
#include "dsb_trace.h"
#include "dsb_vm.h"

#define DSB_ENGINE_POLL_NS	(10 * NSEC_PER_MSEC)
#define DSB_MEMWAIT_POLL_NS	(200 * NSEC_PER_USEC)
#define DSB_MAX_DELAY_NS	NSEC_PER_SEC
#define DSB_MAX_XFER		BIT_ULL(20)
#define DSB_BASE_BUDGET		64
#define DSB_COST_BYTES		4096
#define DSB_SLICE_NS		(500 * NSEC_PER_USEC)
/* Light steps between two clock reads: the clock is costly under emulation. */
#define DSB_CLOCK_EVERY		16
/* Most SIGNALs executed before their jobs retire together. */
#define DSB_RETIRE_BATCH	16
/* The cost of a step that ends its slice: the largest budget. */
#define DSB_COST_REST_OF_SLICE	(DSB_BASE_BUDGET << DRM_DSB_QUEUE_PRIORITY_MAX)

enum dsb_step {
	DSB_STEP_DONE,		/* executed something, go on */
	DSB_STEP_IDLE,		/* nothing to do */
	DSB_STEP_BLOCKED,	/* waiting on memory or time */
	DSB_STEP_FAULT,		/* the queue was banned */
};

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

/**
 * dsb_device_kick_waiters() - wake the engines with a queue blocked on a WAIT
 * @ddev: the device
 *
 * Called after a fence slot was written.
 */
void dsb_device_kick_waiters(struct dsb_device *ddev)
{
	unsigned int i;

	/* Slot write before flag read: pairs with the smp_mb() in the WAIT packet. */
	smp_mb();
	for (i = 0; i < ddev->num_engines; i++)
		if (READ_ONCE(ddev->engines[i].dep_waiters))
			dsb_engine_kick(&ddev->engines[i]);
}

/**
 * dsb_device_kick_all() - wake every engine of a device
 * @ddev: the device
 */
void dsb_device_kick_all(struct dsb_device *ddev)
{
	unsigned int i;

	for (i = 0; i < ddev->num_engines; i++)
		dsb_engine_kick(&ddev->engines[i]);
}

/*
 * Raise the completion interrupt for the SIGNALs executed since the last
 * one: their jobs retire in one pass (one lock round trip, one clock read),
 * and engines blocked on a WAIT are kicked once. The packets executed since
 * are added to the device's counter here too, once: a job seen complete
 * has its packets counted.
 */
static void dsb_engine_flush_retire(struct dsb_user_queue *q)
{
	struct dsb_qctx *c = &q->ctx;

	if (c->packets_pending) {
		atomic64_add(c->packets_pending, &q->ddev->stats.packets);
		c->packets_pending = 0;
	}
	if (!c->retire_pending)
		return;
	c->retire_pending = 0;
	/* Signals the jobs' fences after writing their fence slots. */
	dsb_queue_retire(q, c->retire_seqno, 0);
	/* Jobs on other engines may be waiting for these slots. */
	dsb_device_kick_waiters(q->ddev);
}

static enum dsb_step dsb_engine_fault(struct dsb_user_queue *q, u32 fault, u64 va)
{
	/* Jobs whose SIGNAL executed completed: they are not the ban's. */
	dsb_engine_flush_retire(q);
	dsb_queue_ban(q, fault, va);
	return DSB_STEP_FAULT;
}

/*
 * An evicted mapping is a bad VA too: no armed job can meet one. So is a
 * purged one: the buffer has no memory behind its VA any more.
 */
static u32 dsb_vm_fault_kind(struct dsb_vm *vm, enum dsb_vm_fault f)
{
	if (f == DSB_VM_EVICTED)
		atomic64_inc(&vm->ddev->stats.evicted_faults);
	else if (f == DSB_VM_PURGED)
		atomic64_inc(&vm->ddev->stats.purged_faults);
	return f == DSB_VM_RING_WRITE ? DRM_DSB_FAULT_RING_WRITE : DRM_DSB_FAULT_BAD_VA;
}

/* Translate for the engine, recording the fault kind and VA on failure. */
static void *dsb_xlate(struct dsb_vm *vm, u64 va, u64 len, bool write, u32 *fault, u64 *fva)
{
	enum dsb_vm_fault vf;
	void *p = dsb_vm_translate(vm, va, len, write, &vf);

	if (!p) {
		*fault = dsb_vm_fault_kind(vm, vf);
		*fva = va;
	}
	return p;
}

/*
 * WRITE, ATOMIC_ADD, TIMESTAMP: one aligned 64-bit word. A TIMESTAMP reads
 * the clock itself: the engine's own time may be from before its slice.
 */
static enum dsb_step dsb_instr_word(struct dsb_vm *vm, const struct drm_dsb_instr *in,
				    u32 *fault, u64 *fva)
{
	u64 *dst;

	if (!IS_ALIGNED(in->a, 8)) {
		*fault = DRM_DSB_FAULT_BAD_VA;
		*fva = in->a;
		return DSB_STEP_FAULT;
	}
	dst = dsb_xlate(vm, in->a, 8, true, fault, fva);
	if (!dst)
		return DSB_STEP_FAULT;
	if (in->op == DRM_DSB_OP_WRITE)
		WRITE_ONCE(*dst, in->b);
	else if (in->op == DRM_DSB_OP_ATOMIC_ADD)
		atomic64_add(in->b, (atomic64_t *)dst);
	else
		WRITE_ONCE(*dst, ktime_get_ns());
	return DSB_STEP_DONE;
}

/* COPY and FILL: up to DSB_MAX_XFER bytes, one work unit more per 4 KiB. */
static enum dsb_step dsb_instr_xfer(struct dsb_user_queue *q, const struct drm_dsb_instr *in,
				    u32 *fault, u64 *fva)
{
	bool fill = in->op == DRM_DSB_OP_FILL;
	u8 *dst, *src = NULL;
	u32 i;

	if (!in->c || in->c > DSB_MAX_XFER || (fill && !IS_ALIGNED(in->c, 4))) {
		*fault = DRM_DSB_FAULT_BAD_LENGTH;
		return DSB_STEP_FAULT;
	}
	if (!fill) {
		src = dsb_xlate(q->vm, in->b, in->c, false, fault, fva);
		if (!src)
			return DSB_STEP_FAULT;
	}
	dst = dsb_xlate(q->vm, in->a, in->c, true, fault, fva);
	if (!dst)
		return DSB_STEP_FAULT;
	if (fill)
		for (i = 0; i < in->c / 4; i++)
			((u32 *)dst)[i] = (u32)in->b;
	else
		memmove(dst, src, in->c);
	q->ctx.step_cost += in->c / DSB_COST_BYTES;
	return DSB_STEP_DONE;
}

/* MEMWAIT: a user semaphore; nobody kicks the engine when it changes, poll. */
static enum dsb_step dsb_instr_memwait(struct dsb_user_queue *q, const struct drm_dsb_instr *in,
				       u64 now, u64 *next, u32 *fault, u64 *fva)
{
	u64 *src, v;

	if (!IS_ALIGNED(in->a, 8)) {
		*fault = DRM_DSB_FAULT_BAD_VA;
		*fva = in->a;
		return DSB_STEP_FAULT;
	}
	src = dsb_xlate(q->vm, in->a, 8, false, fault, fva);
	if (!src)
		return DSB_STEP_FAULT;
	v = READ_ONCE(*src);
	if (in->flags & DRM_DSB_MEMWAIT_EQ ? v == in->b : v >= in->b)
		return DSB_STEP_DONE;
	*next = min(*next, now + DSB_MEMWAIT_POLL_NS);
	q->ctx.memwait = (struct dsb_memwait){ q->ctx.cur_seqno, q->ctx.ip, *in };
	return DSB_STEP_BLOCKED;
}

/*
 * Execute one command-buffer instruction with the VM lock held. Returns
 * the step result; on a fault *fault and *fva are set and the caller bans.
 */
static enum dsb_step dsb_exec_instr_locked(struct dsb_user_queue *q,
					   const struct drm_dsb_instr *in,
					   u64 now, u64 *next, u32 *fault, u64 *fva)
{
	lockdep_assert_held(&q->vm->lock);
	if (in->flags && !(in->op == DRM_DSB_OP_MEMWAIT && in->flags == DRM_DSB_MEMWAIT_EQ)) {
		*fault = DRM_DSB_FAULT_BAD_OPCODE;
		return DSB_STEP_FAULT;
	}
	switch (in->op) {
	case DRM_DSB_OP_NOP:
		return DSB_STEP_DONE;
	case DRM_DSB_OP_WRITE:
	case DRM_DSB_OP_ATOMIC_ADD:
	case DRM_DSB_OP_TIMESTAMP:
		return dsb_instr_word(q->vm, in, fault, fva);
	case DRM_DSB_OP_COPY:
	case DRM_DSB_OP_FILL:
		return dsb_instr_xfer(q, in, fault, fva);
	case DRM_DSB_OP_MEMWAIT:
		return dsb_instr_memwait(q, in, now, next, fault, fva);
	case DRM_DSB_OP_DELAY:
		if (in->a > DSB_MAX_DELAY_NS) {
			*fault = DRM_DSB_FAULT_BAD_LENGTH;
			return DSB_STEP_FAULT;
		}
		q->ctx.blocked_until = now + in->a;
		*next = min(*next, q->ctx.blocked_until);
		return DSB_STEP_DONE;
	default:
		*fault = DRM_DSB_FAULT_BAD_OPCODE;
		return DSB_STEP_FAULT;
	}
}

/**
 * dsb_engine_exec_instr() - fetch and execute the next instruction
 * @q: the queue, inside a command buffer
 * @now: current time in ns
 * @next: in/out, when the engine must look again at the latest
 *
 * The instruction is copied out of the BO once, under the VM lock, and
 * executed on the copy; the VM lock keeps every mapping it touches alive.
 *
 * Return: the step result; on a fault the queue is banned.
 */
static enum dsb_step dsb_engine_exec_instr(struct dsb_user_queue *q, u64 now, u64 *next)
{
	struct dsb_qctx *c = &q->ctx;
	enum dsb_step r = DSB_STEP_FAULT;
	struct drm_dsb_instr in;
	enum dsb_vm_fault vf;
	u32 fault = 0;
	u64 fva = 0;
	void *p;

	read_lock(&q->vm->lock);
	p = dsb_vm_translate(q->vm, c->ip, sizeof(in), false, &vf);
	if (p) {
		memcpy(&in, p, sizeof(in));
		r = dsb_exec_instr_locked(q, &in, now, next, &fault, &fva);
	} else {
		fault = dsb_vm_fault_kind(q->vm, vf);
		fva = c->ip;
	}
	read_unlock(&q->vm->lock);

	if (r == DSB_STEP_FAULT)
		return dsb_engine_fault(q, fault, fva);
	if (r == DSB_STEP_DONE) {
		c->ip += sizeof(in);
		/* The last instruction ends the command buffer: no step of its own. */
		c->in_exec = c->ip < c->end;
	}
	return r;
}

/* Publish the read pointer: the process may read it, and so does submit. */
static void dsb_engine_consume(struct dsb_user_queue *q)
{
	WRITE_ONCE(q->ctx.rptr, q->ctx.rptr + 1);
	WRITE_ONCE(q->ctrl->rptr, q->ctx.rptr);
	q->ctx.packets_pending++;
}

/*
 * WAIT: block until the dependency table entry's word reaches the value,
 * then carry its error into the job. A queue blocked here shows it in
 * &dsb_qctx.dep_wait, as hardware shows a semaphore wait.
 */
static enum dsb_step dsb_engine_wait(struct dsb_engine *eng, struct dsb_user_queue *q,
				     const struct drm_dsb_packet *pkt)
{
	struct dsb_qctx *c = &q->ctx;
	struct dsb_dep_entry *e;
	const u64 *word;
	u64 v;

	if (pkt->arg[0] >= (u64)q->nslots * DSB_MAX_JOB_DEPS)
		return dsb_engine_fault(q, DRM_DSB_FAULT_BAD_OPCODE, 0);
	e = &q->deps[pkt->arg[0]];
	word = READ_ONCE(e->word);
	if (!word)
		return dsb_engine_fault(q, DRM_DSB_FAULT_BAD_OPCODE, 0);
	c->cur_seqno = pkt->arg[2];
	v = dsb_fence_word_read(word);
	if (v < pkt->arg[1]) {
		/* Ask completions to kick this engine, then look again. */
		WRITE_ONCE(eng->dep_waiters, true);
		/* Flag before re-read: pairs with dsb_device_kick_waiters(). */
		smp_mb();
		v = dsb_fence_word_read(word);
	}
	if (v < pkt->arg[1]) {
		if (!c->dep_wait)
			c->dep_wait_since = ktime_get_ns();
		WRITE_ONCE(c->dep_wait, true);
		return DSB_STEP_BLOCKED;
	}
	WRITE_ONCE(c->dep_wait, false);
	/*
	 * The producer's error, even once its slot moved on to a later job
	 * (&struct dsb_dep_entry). Through a shared buffer, only a producer's
	 * own failure fails the job.
	 */
	if (READ_ONCE(*e->error) && !c->job_err &&
	    !(e->implicit && e->inherited && READ_ONCE(*e->inherited)))
		c->job_err = READ_ONCE(*e->error);
	dsb_engine_consume(q);
	return DSB_STEP_DONE;
}

/* EXEC: enter the command buffer, unless a dependency failed. */
static enum dsb_step dsb_engine_exec(struct dsb_user_queue *q, const struct drm_dsb_packet *pkt)
{
	struct dsb_qctx *c = &q->ctx;

	c->cur_seqno = pkt->arg[2];
	if (!c->job_err) {
		if (!pkt->arg[1] || pkt->arg[1] > DSB_MAX_CMD_LEN ||
		    !IS_ALIGNED(pkt->arg[1], DRM_DSB_INSTR_SIZE) ||
		    !IS_ALIGNED(pkt->arg[0], DRM_DSB_INSTR_SIZE))
			return dsb_engine_fault(q, DRM_DSB_FAULT_BAD_LENGTH, pkt->arg[0]);
		trace_dsb_job_start(q, pkt->arg[2], pkt->arg[0], pkt->arg[1]);
		c->in_exec = true;
		c->ip = pkt->arg[0];
		c->end = pkt->arg[0] + pkt->arg[1];
	}
	dsb_engine_consume(q);
	return DSB_STEP_DONE;
}

/*
 * SIGNAL: the job is done. Successful jobs retire in batches (at most
 * %DSB_RETIRE_BATCH, and always before the queue's next WAIT, at the end
 * of its slice and before a ban); a failed one at once, on its own. The
 * SIGNAL of the job a deadline boost is for ends the boosted slice: the
 * boost is not for the jobs after it.
 */
static enum dsb_step dsb_engine_signal(struct dsb_user_queue *q, const struct drm_dsb_packet *pkt)
{
	struct dsb_qctx *c = &q->ctx;
	s32 err = c->job_err;

	if (pkt->arg[0] >= q->nslots)
		return dsb_engine_fault(q, DRM_DSB_FAULT_BAD_OPCODE, 0);
	c->job_err = 0;
	dsb_engine_consume(q);
	if (unlikely(c->boost_served) && pkt->arg[1] >= READ_ONCE(q->fhdr->boost_seqno))
		c->step_cost = DSB_COST_REST_OF_SLICE;
	if (err) {
		dsb_engine_flush_retire(q);
		dsb_queue_retire(q, pkt->arg[1], err);
		dsb_device_kick_waiters(q->ddev);
		return DSB_STEP_DONE;
	}
	c->retire_seqno = pkt->arg[1];
	if (++c->retire_pending >= DSB_RETIRE_BATCH)
		dsb_engine_flush_retire(q);
	return DSB_STEP_DONE;
}

/**
 * dsb_engine_step() - execute one packet or one instruction of a queue
 * @eng: the engine
 * @q: the queue, resident on @eng
 * @now: current time in ns
 * @next: in/out, when the engine must look again at the latest
 *
 * Inside a command buffer, executes its next instruction; otherwise
 * fetches the packet at the read pointer (dsb_ring_fetch(): read once,
 * sequence number and MAC checked) and executes the copy. Anything
 * malformed bans the queue.
 *
 * Return: the step result.
 */
static enum dsb_step dsb_engine_step(struct dsb_engine *eng, struct dsb_user_queue *q,
				     u64 now, u64 *next)
{
	struct drm_dsb_packet pkt;

	if (q->ctx.in_exec)
		return dsb_engine_exec_instr(q, now, next);

	switch (dsb_ring_fetch(q, q->ctx.rptr, &pkt)) {
	case DSB_RING_EMPTY:
		return DSB_STEP_IDLE;
	case DSB_RING_BAD_DOORBELL:
		return dsb_engine_fault(q, DRM_DSB_FAULT_DOORBELL, 0);
	case DSB_RING_TAMPER:
		atomic64_inc(&q->ddev->stats.tampers);
		return dsb_engine_fault(q, DRM_DSB_FAULT_TAMPER, 0);
	case DSB_RING_PACKET:
		break;
	}
	eng->current_op = pkt.op;
	eng->last = (struct dsb_engine_last){ q->client_id, q->id, pkt };

	switch (pkt.op) {
	case DRM_DSB_PKT_WAIT:
		/* The dependency may be one of the jobs not yet retired. */
		dsb_engine_flush_retire(q);
		return dsb_engine_wait(eng, q, &pkt);
	case DRM_DSB_PKT_EXEC:
		return dsb_engine_exec(q, &pkt);
	case DRM_DSB_PKT_SIGNAL:
		return dsb_engine_signal(q, &pkt);
	default:
		return dsb_engine_fault(q, DRM_DSB_FAULT_BAD_OPCODE, 0);
	}
}

/*
 * A boost request the driver wrote into the queue's fence memory header
 * (a deadline hint): wanted until its job completes, however late it is.
 */
static bool dsb_queue_boosted(const struct dsb_user_queue *q)
{
	const struct drm_dsb_fence_mem_header *h = q->fhdr;

	return READ_ONCE(h->boost_seqno) > READ_ONCE(h->completed);
}

/* Give up a queue's hardware slot (it blocked, or it goes away). */
static void dsb_engine_unmap_locked(struct dsb_engine *eng, struct dsb_user_queue *q)
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
 * evicted (its state stays in its &struct dsb_qctx).
 */
static void dsb_engine_make_resident_locked(struct dsb_engine *eng, struct dsb_user_queue *q)
{
	unsigned int i, victim = 0;

	lockdep_assert_held(&eng->lock);
	if (q->ctx.slot >= 0)
		return;
	for (i = 0; i < eng->ddev->hw_slots; i++) {
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
static bool dsb_engine_service_locked(struct dsb_engine *eng, struct dsb_user_queue *q,
				      u64 *clock, u64 *next)
{
	struct dsb_qctx *c = &q->ctx;
	u64 now = *clock;
	/* Boosted: decided once per round, by the thread's first pass. */
	u32 prio = c->boost_served ? q->boost_priority : q->priority;
	int budget = DSB_BASE_BUDGET << prio;
	u64 slice = DSB_SLICE_NS << prio;
	enum dsb_step r = DSB_STEP_IDLE;
	unsigned int light = 0;
	bool progress = false;
	u64 start = now;

	lockdep_assert_held(&eng->lock);
	if (READ_ONCE(q->state) != DRM_DSB_QUEUE_ACTIVE)
		return false;
	if (c->blocked_until > now) {
		*next = min(*next, c->blocked_until);
		return false;
	}
	c->blocked_until = 0;
	/* What the watchdog reads: the engine found nothing it could run. */
	WRITE_ONCE(c->idle, !dsb_queue_has_work(q));
	if (c->idle)
		return false;

	dsb_engine_make_resident_locked(eng, q);
	WRITE_ONCE(c->runs, c->runs + 1);
	eng->current_q = q;
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
	c->last_run = ++eng->tick;
	/* Blocked on a dependency, a MEMWAIT or a DELAY: let others have the slot. */
	if (r == DSB_STEP_BLOCKED || c->blocked_until) {
		dsb_engine_unmap_locked(eng, q);
		eng->yields++;
	}
	now = ktime_get_ns();
	*clock = now;
	atomic64_add(now - start, &eng->busy_ns);
	if (q->busy_ns)
		atomic64_add(now - start, &q->busy_ns[eng->idx]);
	return progress;
}

/* A queue's slice in this round; it made progress: its one slice of the round. */
static bool dsb_engine_service_round_locked(struct dsb_engine *eng, struct dsb_user_queue *q,
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
 * A deadline was set on a fence of the device (dsb_device_boost()) and
 * @eng.boost taken, fully ordered, before this reads the fence memory
 * headers: every queue with a boost that has not had its slice in this
 * round gets its boosted slice now, instead of at the next round's start.
 *
 * Return: true when a queue made progress.
 */
static bool dsb_engine_serve_boosted_locked(struct dsb_engine *eng, u64 *clock, u64 *next)
{
	struct dsb_user_queue *q;
	bool progress = false;

	lockdep_assert_held(&eng->lock);
	list_for_each_entry(q, &eng->queues, engine_node) {
		if (q->ctx.boost_served || q->ctx.round_served || !dsb_queue_boosted(q))
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
	struct dsb_user_queue *q;
	bool progress = false;

	lockdep_assert_held(&eng->lock);
	atomic_set(&eng->urgent, 0);
	/*
	 * Fully ordered: @urgent is clear before @boost and the fence memory
	 * headers are read. Pairs with the smp_mb() in dsb_device_boost().
	 */
	if (atomic_xchg(&eng->boost, 0))
		progress |= dsb_engine_serve_boosted_locked(eng, clock, next);
	list_for_each_entry(q, &eng->queues, engine_node) {
		if (q->priority <= DRM_DSB_QUEUE_PRIORITY_NORMAL || q->ctx.boost_served ||
		    q->ctx.round_served || !dsb_queue_has_work(q))
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
		struct dsb_user_queue *q;
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
		list_for_each_entry(q, &eng->queues, engine_node) {
			q->ctx.round_served = false;
			q->ctx.boost_served = dsb_queue_boosted(q);
			if (q->ctx.boost_served)
				progress |= dsb_engine_service_round_locked(eng, q, &clock, &next);
		}
		list_for_each_entry(q, &eng->queues, engine_node) {
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
 * dsb_device_boost() - a deadline was set on a fence of a device: its
 * engines look for boosted queues within the round
 * @ddev: the device
 *
 * Any context, no allocation. The boost request is in the queue's fence
 * memory header already; each engine serves the boosted queue after the
 * slice it is running (dsb_engine_serve_urgent_locked()). Every engine
 * looks: the fence does not know its queue's engine (it may outlive the
 * queue), and hints are rare.
 */
void dsb_device_boost(struct dsb_device *ddev)
{
	unsigned int i;

	for (i = 0; i < ddev->num_engines; i++) {
		struct dsb_engine *eng = &ddev->engines[i];

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
 * dsb_engine_pick() - choose the engine for a new queue
 * @ddev: the device
 *
 * Return: the engine with the fewest queues.
 */
struct dsb_engine *dsb_engine_pick(struct dsb_device *ddev)
{
	struct dsb_engine *best = &ddev->engines[0];
	unsigned int i;

	for (i = 1; i < ddev->num_engines; i++)
		if (READ_ONCE(ddev->engines[i].nqueues) < READ_ONCE(best->nqueues))
			best = &ddev->engines[i];
	return best;
}

/**
 * dsb_engine_add_queue() - start running a queue on an engine
 * @eng: the engine
 * @q: the queue; the engine takes a reference
 */
void dsb_engine_add_queue(struct dsb_engine *eng, struct dsb_user_queue *q)
{
	dsb_queue_get(q);
	q->engine = eng;
	q->ctx.slot = -1;
	mutex_lock(&eng->lock);
	list_add_tail(&q->engine_node, &eng->queues);
	WRITE_ONCE(eng->nqueues, eng->nqueues + 1);
	mutex_unlock(&eng->lock);
}

/**
 * dsb_engine_remove_queue() - stop running a queue
 * @eng: the engine
 * @q: the queue; the engine's reference is dropped
 *
 * When this returns the engine no longer touches @q.
 */
void dsb_engine_remove_queue(struct dsb_engine *eng, struct dsb_user_queue *q)
{
	mutex_lock(&eng->lock);
	list_del(&q->engine_node);
	dsb_engine_unmap_locked(eng, q);
	WRITE_ONCE(eng->nqueues, eng->nqueues - 1);
	mutex_unlock(&eng->lock);
	dsb_queue_put(q);
}

/**
 * dsb_engines_init() - create and start a device's engines
 * @ddev: the device, with @num_engines and @hw_slots set
 *
 * Return: 0 or a negative errno; nothing is left behind on failure.
 */
int dsb_engines_init(struct dsb_device *ddev)
{
	unsigned int i;
	int ret;

	ddev->engines = kcalloc(ddev->num_engines, sizeof(*ddev->engines), GFP_KERNEL);
	if (!ddev->engines)
		return -ENOMEM;
	for (i = 0; i < ddev->num_engines; i++) {
		struct dsb_engine *eng = &ddev->engines[i];

		eng->ddev = ddev;
		eng->idx = i;
		init_waitqueue_head(&eng->wq);
		mutex_init(&eng->lock);
		INIT_LIST_HEAD(&eng->queues);
		eng->thread = kthread_run(dsb_engine_thread, eng, "dsb%u-eng%u",
					  ddev->index, i);
		if (IS_ERR(eng->thread)) {
			ret = PTR_ERR(eng->thread);
			eng->thread = NULL;
			goto err_stop;
		}
	}
	return 0;

err_stop:
	dsb_engines_fini(ddev);
	return ret;
}

/**
 * dsb_engines_fini() - stop a device's engines
 * @ddev: the device; no queue may be left
 */
void dsb_engines_fini(struct dsb_device *ddev)
{
	unsigned int i;

	if (!ddev->engines)
		return;
	for (i = 0; i < ddev->num_engines; i++) {
		if (ddev->engines[i].thread)
			kthread_stop(ddev->engines[i].thread);
		WARN_ON(!list_empty(&ddev->engines[i].queues));
		mutex_destroy(&ddev->engines[i].lock);
	}
	kfree(ddev->engines);
	ddev->engines = NULL;
}
