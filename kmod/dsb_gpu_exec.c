// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Copyright (C) 2026 The dsb authors */
/**
 * DOC: The simulated GPU: execution
 *
 * What an engine does with a queue's memory once the scheduler
 * (dsb_gpu_sched.c) gives the queue a slice. The engine reads the
 * doorbell, copies one packet out of the ring (each word of hostile
 * memory is read once), checks its sequence number and MAC, and executes
 * the copy:
 *
 * - WAIT blocks until the dependency table entry it names reaches its
 *   value, then carries the entry's error into the job;
 * - EXEC enters the command buffer, unless a dependency failed; its
 *   instructions are copied out of memory through the queue's VA
 *   translation one at a time and executed on the copy;
 * - SIGNAL completes the job: a failed one is reported at once, successful
 *   ones in batches (at most %DSB_RETIRE_BATCH, and always before the
 *   queue's next WAIT, at the end of its slice and before a fault): the
 *   completion interrupt (&dsb_gpu_ops.complete) takes them to the driver.
 *
 * Anything malformed halts the queue and raises the fault interrupt
 * (&dsb_gpu_ops.fault); the driver bans the queue.
 */
#include <linux/delay.h>
#include <linux/ktime.h>
#include <linux/lockdep.h>
#include <linux/string.h>

#include "dsb_gpu.h"
#include "dsb_gpu_priv.h"
#include "dsb_trace.h"

#define DSB_MEMWAIT_POLL_NS	(200 * NSEC_PER_USEC)
#define DSB_COST_BYTES		4096
/* Most SIGNALs executed before their jobs are reported complete together. */
#define DSB_RETIRE_BATCH	16

/**
 * enum dsb_ring_fetch - what the engine found at its read pointer
 * @DSB_RING_EMPTY: nothing: the doorbell is at the read pointer
 * @DSB_RING_PACKET: a packet the kernel wrote for this position
 * @DSB_RING_BAD_DOORBELL: the doorbell is more than a ring ahead
 * @DSB_RING_TAMPER: the packet fails its sequence number or MAC check
 */
enum dsb_ring_fetch {
	DSB_RING_EMPTY,
	DSB_RING_PACKET,
	DSB_RING_BAD_DOORBELL,
	DSB_RING_TAMPER,
};

/**
 * dsb_ring_fetch() - copy the packet at a queue's read pointer
 * @q: the queue
 * @pkt: out, the packet
 *
 * The doorbell and the ring are the process's to write: the packet is
 * copied once and checked on the copy.
 *
 * Return: what was found.
 */
static enum dsb_ring_fetch dsb_ring_fetch(const struct dsb_gpu_queue *q,
					  struct drm_dsb_packet *pkt)
{
	const struct dsb_gpu_queue_desc *d = &q->desc;
	u64 rptr = q->ctx.rptr;
	u64 wptr = READ_ONCE(d->ctrl->doorbell);
	u64 pos;

	if (wptr == rptr)
		return DSB_RING_EMPTY;
	/* Pairs with the smp_wmb() before the driver's doorbell write. */
	smp_rmb();
	if (wptr - rptr > d->ring_packets)
		return DSB_RING_BAD_DOORBELL;
	pos = rptr & (d->ring_packets - 1);
	memcpy(pkt, &d->ring[pos], sizeof(*pkt));
	if (pkt->seq != rptr || pkt->mac != dsb_gpu_packet_mac(&d->key, pkt, pos))
		return DSB_RING_TAMPER;
	return DSB_RING_PACKET;
}

/*
 * Raise the completion interrupt for the SIGNALs executed since the last
 * one: their jobs retire in one pass (one lock round trip, one clock read),
 * and engines blocked on a WAIT are kicked once. The packets executed since
 * are added to the device's counter here too, once: a job seen complete
 * has its packets counted.
 */
void dsb_engine_flush_retire(struct dsb_gpu_queue *q)
{
	struct dsb_gpu_qctx *c = &q->ctx;

	if (c->packets_pending) {
		atomic64_add(c->packets_pending, &q->gpu->counters.packets);
		c->packets_pending = 0;
	}
	if (!c->retire_pending)
		return;
	c->retire_pending = 0;
	/* The driver writes the jobs' fence slots and signals their fences. */
	q->gpu->ops->complete(q, c->retire_seqno, 0);
	/* Jobs on other engines may be waiting for these slots. */
	dsb_gpu_notify_fences(q->gpu);
}

/*
 * A fault halts the queue; the driver hears of it through its fault
 * interrupt, after the completions of the SIGNALs executed before it.
 */
static enum dsb_step dsb_engine_fault(struct dsb_gpu_queue *q, u32 fault, u64 va)
{
	/* Jobs whose SIGNAL executed completed: they are not the fault's. */
	dsb_engine_flush_retire(q);
	WRITE_ONCE(q->halted, true);
	q->gpu->ops->fault(q, fault, va);
	return DSB_STEP_FAULT;
}

/* Translate for the engine, recording the fault kind and VA on failure. */
static void *dsb_xlate(const struct dsb_gpu_mmu *mmu, u64 va, u64 len, bool write,
		       u32 *fault, u64 *fva)
{
	void *p = mmu->translate(mmu->priv, va, len, write, fault);

	if (!p)
		*fva = va;
	return p;
}

/*
 * WRITE, ATOMIC_ADD, TIMESTAMP: one aligned 64-bit word. A TIMESTAMP reads
 * the clock itself: the engine's own time may be from before its slice.
 */
static enum dsb_step dsb_instr_word(const struct dsb_gpu_mmu *mmu, const struct drm_dsb_instr *in,
				    u32 *fault, u64 *fva)
{
	u64 *dst;

	dst = dsb_xlate(mmu, in->a, 8, true, fault, fva);
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

/* COPY and FILL: up to DRM_DSB_ISA_MAX_LEN bytes, one work unit more per 4 KiB. */
static enum dsb_step dsb_instr_xfer(struct dsb_gpu_queue *q, const struct drm_dsb_instr *in,
				    u32 *fault, u64 *fva)
{
	bool fill = in->op == DRM_DSB_OP_FILL;
	u8 *dst, *src = NULL;
	u32 i;

	if (!fill) {
		src = dsb_xlate(&q->desc.mmu, in->b, in->c, false, fault, fva);
		if (!src)
			return DSB_STEP_FAULT;
	}
	dst = dsb_xlate(&q->desc.mmu, in->a, in->c, true, fault, fva);
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
static enum dsb_step dsb_instr_memwait(struct dsb_gpu_queue *q, const struct drm_dsb_instr *in,
				       u64 now, u64 *next, u32 *fault, u64 *fva)
{
	u64 *src, v;

	src = dsb_xlate(&q->desc.mmu, in->a, 8, false, fault, fva);
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
static enum dsb_step dsb_exec_instr_locked(struct dsb_gpu_queue *q,
					   const struct drm_dsb_instr *in,
					   u64 now, u64 *next, u32 *fault, u64 *fva)
{
	lockdep_assert_held(q->desc.mmu.lock);
	/* The ISA table's static rules: opcode, flags, alignment, lengths. */
	*fault = drm_dsb_instr_fault(in, fva);
	if (*fault)
		return DSB_STEP_FAULT;
	switch (in->op) {
	case DRM_DSB_OP_NOP:
		return DSB_STEP_DONE;
	case DRM_DSB_OP_WRITE:
	case DRM_DSB_OP_ATOMIC_ADD:
	case DRM_DSB_OP_TIMESTAMP:
		return dsb_instr_word(&q->desc.mmu, in, fault, fva);
	case DRM_DSB_OP_COPY:
	case DRM_DSB_OP_FILL:
		return dsb_instr_xfer(q, in, fault, fva);
	case DRM_DSB_OP_MEMWAIT:
		return dsb_instr_memwait(q, in, now, next, fault, fva);
	case DRM_DSB_OP_DELAY:
		q->ctx.blocked_until = now + in->a;
		*next = min(*next, q->ctx.blocked_until);
		return DSB_STEP_DONE;
	default:
		/* In the ISA table but not executed here. */
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
static enum dsb_step dsb_engine_exec_instr(struct dsb_gpu_queue *q, u64 now, u64 *next)
{
	struct dsb_gpu_qctx *c = &q->ctx;
	enum dsb_step r = DSB_STEP_FAULT;
	struct drm_dsb_instr in;
	u32 fault = 0;
	u64 fva = 0;
	void *p;

	read_lock(q->desc.mmu.lock);
	p = dsb_xlate(&q->desc.mmu, c->ip, sizeof(in), false, &fault, &fva);
	if (p) {
		memcpy(&in, p, sizeof(in));
		r = dsb_exec_instr_locked(q, &in, now, next, &fault, &fva);
	}
	read_unlock(q->desc.mmu.lock);

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
static void dsb_engine_consume(struct dsb_gpu_queue *q)
{
	WRITE_ONCE(q->ctx.rptr, q->ctx.rptr + 1);
	WRITE_ONCE(q->desc.ctrl->rptr, q->ctx.rptr);
	q->ctx.packets_pending++;
}

/*
 * WAIT: block until the dependency table entry's word reaches the value,
 * then carry its error into the job. A queue blocked here shows it in
 * &dsb_qctx.dep_wait, as hardware shows a semaphore wait.
 */
static enum dsb_step dsb_engine_wait(struct dsb_engine *eng, struct dsb_gpu_queue *q,
				     const struct drm_dsb_packet *pkt)
{
	struct dsb_gpu_qctx *c = &q->ctx;
	struct dsb_dep_entry *e;
	const u64 *word;
	u64 v;

	if (pkt->arg[0] >= (u64)q->desc.ndeps)
		return dsb_engine_fault(q, DRM_DSB_FAULT_BAD_OPCODE, 0);
	e = &q->desc.deps[pkt->arg[0]];
	word = READ_ONCE(e->word);
	if (!word)
		return dsb_engine_fault(q, DRM_DSB_FAULT_BAD_OPCODE, 0);
	c->cur_seqno = pkt->arg[2];
	v = dsb_fence_word_read(word);
	if (v < pkt->arg[1]) {
		/* Ask completions to kick this engine, then look again. */
		WRITE_ONCE(eng->dep_waiters, true);
		/* Flag before re-read: pairs with dsb_gpu_notify_fences(). */
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
static enum dsb_step dsb_engine_exec(struct dsb_gpu_queue *q, const struct drm_dsb_packet *pkt)
{
	struct dsb_gpu_qctx *c = &q->ctx;

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
static enum dsb_step dsb_engine_signal(struct dsb_gpu_queue *q, const struct drm_dsb_packet *pkt)
{
	struct dsb_gpu_qctx *c = &q->ctx;
	s32 err = c->job_err;

	if (pkt->arg[0] >= q->desc.nslots)
		return dsb_engine_fault(q, DRM_DSB_FAULT_BAD_OPCODE, 0);
	c->job_err = 0;
	dsb_engine_consume(q);
	if (unlikely(c->boost_served) && pkt->arg[1] >= READ_ONCE(q->desc.fhdr->boost_seqno))
		c->step_cost = DSB_COST_REST_OF_SLICE;
	if (err) {
		dsb_engine_flush_retire(q);
		q->gpu->ops->complete(q, pkt->arg[1], err);
		dsb_gpu_notify_fences(q->gpu);
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
enum dsb_step dsb_engine_step(struct dsb_engine *eng, struct dsb_gpu_queue *q, u64 now, u64 *next)
{
	struct drm_dsb_packet pkt;

	if (q->ctx.in_exec)
		return dsb_engine_exec_instr(q, now, next);

	switch (dsb_ring_fetch(q, &pkt)) {
	case DSB_RING_EMPTY:
		return DSB_STEP_IDLE;
	case DSB_RING_BAD_DOORBELL:
		return dsb_engine_fault(q, DRM_DSB_FAULT_DOORBELL, 0);
	case DSB_RING_TAMPER:
		atomic64_inc(&q->gpu->counters.tampers);
		return dsb_engine_fault(q, DRM_DSB_FAULT_TAMPER, 0);
	case DSB_RING_PACKET:
		break;
	}
	eng->current_op = pkt.op;
	eng->last = (struct dsb_engine_last){ q->desc.client_id, q->desc.queue_id, pkt };
	if (!drm_dsb_packet_valid(&pkt))
		return dsb_engine_fault(q, DRM_DSB_FAULT_BAD_OPCODE, 0);

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
