// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Copyright (C) 2026 The dsb authors */
/**
 * DOC: debugfs
 *
 * Under the DRM minor's debugfs directory (/sys/kernel/debug/dri/<minor>/),
 * what a developer needs to see why a queue is stuck, without a debugger:
 *
 * - ``dsb_device``: engines, their hardware slots and which queue holds
 *   each, the last packet each engine accepted, and the device counters
 *   (one ``name value`` line each; live objects return to zero once every
 *   client has gone);
 * - ``dsb_queues``: one block per queue, named by its id and its owner's
 *   drm-client-id (the one in the owner's fdinfo): state and last fault,
 *   ring pointers, what the queue is blocked on (a WAIT packet's
 *   dependency, or a MEMWAIT instruction: address, awaited and current
 *   value), the decoded packets around the read pointer, the fence
 *   slots in use, and the origin of the last failed job's error;
 * - ``dsb_blockers``: per queue, its hardware slot (or that it waits
 *   for one, and which queues hold the engine's slots), its ban (fault
 *   kind, job, VA), the watchdog's view (time on a slot without
 *   progress, and how long until it bans the queue; or that it does not
 *   count a dependency wait); each job in flight and what it waits for:
 *   dependencies not yet met (a dsb fence of either device named by
 *   device, client, queue and job; another driver's fence by its driver
 *   and timeline), the one the engine is blocked on with how long; and
 *   the MEMWAIT the engine is blocked on, with the queues of the device
 *   whose VM maps its word writably (the same file's, or another file's
 *   through an import of the BO) and, for each, the first job in flight
 *   that writes it (a bounded scan of its command buffers) or why none
 *   does. ``dsbctl why`` follows these from a job to the root, through
 *   MEMWAIT writers too, and shows a cycle with the watchdog's deadline;
 * - ``dsb_vms``: every GPU VA space of the device, as the engine sees it:
 *   a line per VM (its client, kernel-assigned or user-managed VAs, its
 *   mappings and VM_BIND calls not yet applied), then a line per mapping
 *   (range, and a BO's size, offset, access and residency; or sparse, or
 *   a queue ring). ``dsbctl vm`` shows it;
 * - ``dsb_shrink`` (write-only): writing a number of bytes runs the
 *   device's shrinker for that much, as memory pressure would (purge the
 *   buffers marked DONTNEED, then evict idle VMs, then wait for a busy
 *   one), so tests reclaim a known amount without exhausting memory.
 *
 * Each packet shown gets a verdict computed the way the engine will: the
 * MAC under the queue's key at its ring position, and its sequence number
 * against its position since creation (the read pointer is marked
 * ``head``, the write pointer ``tail``, both ``h/t``). ``ok``: written by
 * the kernel for this position; ``old``: beyond the write pointer, left
 * from the previous lap; ``empty``: never written; ``BAD``: anything else
 * (a scribble, a replayed packet); the engine faults the queue with
 * %DRM_DSB_FAULT_TAMPER when it reaches it.
 *
 * The GPU's state of a queue comes from a snapshot it gives under its
 * engine lock (dsb_gpu_queue_read_status()), so it is one the engine was in
 * between two steps; the driver's state is read under its own locks after.
 */
#include <linux/debugfs.h>
#include <linux/ktime.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/seq_file.h>
#include <drm/drm_file.h>
#include <drm/drm_print.h>

#include "dsb_bind.h"
#include "dsb_bo.h"
#include "dsb_debugfs.h"
#include "dsb_mem.h"
#include "dsb_fence.h"
#include "dsb_job.h"
#include "dsb_queue.h"
#include "dsb_reclaim.h"
#include "dsb_ring.h"
#include "dsb_vm.h"

/* Packets shown before the read pointer, after the write pointer, at most. */
#define DSB_DEBUGFS_BEFORE	4
#define DSB_DEBUGFS_AFTER	2
#define DSB_DEBUGFS_MAX		24

static const char *dsb_debugfs_fault_name(u32 fault)
{
	static const char *const names[] = {
		[DRM_DSB_FAULT_NONE] = "none",
		[DRM_DSB_FAULT_TIMEOUT] = "timeout",
		[DRM_DSB_FAULT_TAMPER] = "tamper",
		[DRM_DSB_FAULT_DOORBELL] = "doorbell",
		[DRM_DSB_FAULT_BAD_OPCODE] = "bad-opcode",
		[DRM_DSB_FAULT_BAD_VA] = "bad-va",
		[DRM_DSB_FAULT_BAD_LENGTH] = "bad-length",
		[DRM_DSB_FAULT_RING_WRITE] = "ring-write",
	};

	return fault < ARRAY_SIZE(names) && names[fault] ? names[fault] : "unknown";
}

/* Where the error of job @seqno came from (&struct drm_dsb_error_origin). */
static void dsb_debugfs_origin(struct seq_file *m, u64 seqno,
			       const struct drm_dsb_error_origin *o)
{
	seq_printf(m, "  last failed job %llu: error %d, %s", seqno, o->error,
		   o->flags & DRM_DSB_ORIGIN_INHERITED ? "inherited from " : "own");
	if (o->flags & DRM_DSB_ORIGIN_FOREIGN)
		seq_puts(m, "a foreign fence\n");
	else if (o->flags & DRM_DSB_ORIGIN_INHERITED)
		seq_printf(m, "dsb%u client %llu queue %u job %llu (fault %s)\n",
			   o->device, o->client_id, o->queue_id, o->seqno,
			   dsb_debugfs_fault_name(o->fault));
	else
		seq_printf(m, " (fault %s)\n", dsb_debugfs_fault_name(o->fault));
}

/*
 * Print a packet's operation, in the words of the library's
 * dsb_decode_packet() (without its sequence number and MAC): both print
 * what the uAPI header's ISA table (drm_dsb_isa_packet()) says.
 */
static void dsb_debugfs_decode(struct seq_file *m, const struct drm_dsb_packet *p)
{
	const struct drm_dsb_isa_desc *d = drm_dsb_isa_packet(p->op);
	const char *prefix, *suffix;
	unsigned int k;
	int width;

	if (!d) {
		seq_printf(m, "INVALID op 0x%x", p->op);
	} else {
		seq_puts(m, d->name);
		for (k = 0; k < ARRAY_SIZE(d->arg); k++) {
			if (d->arg[k].kind == DRM_DSB_ISA_ARG_NONE)
				continue;
			if (d->arg[k].label[0])
				seq_printf(m, " %s", d->arg[k].label);
			width = drm_dsb_isa_arg_format(&d->arg[k], p->flags, &prefix, &suffix);
			if (width)
				seq_printf(m, " %s%0*llx%s", prefix, width, p->arg[k], suffix);
			else
				seq_printf(m, " %s%llu%s", prefix, p->arg[k], suffix);
		}
	}
	if (p->flags)
		seq_printf(m, " flags 0x%x", p->flags);
}

/**
 * dsb_debugfs_verdict() - what the engine will think of a ring packet
 * @q: the queue
 * @p: a copy of the packet
 * @n: the position since creation it is read at (its expected seq)
 * @wptr: the kernel's write pointer
 *
 * Return: "ok", "old", "empty" or "BAD", see the DOC above.
 */
static const char *dsb_debugfs_verdict(const struct dsb_user_queue *q,
				       const struct drm_dsb_packet *p, u64 n, u64 wptr)
{
	static const struct drm_dsb_packet zero;
	u64 pos = n & (q->ring_packets - 1);

	if (p->mac == dsb_gpu_packet_mac(&q->key, p, pos)) {
		if (p->seq == n)
			return "ok";
		if (n >= wptr && p->seq + q->ring_packets == n)
			return "old";
		return "BAD";
	}
	if (n >= wptr && !memcmp(p, &zero, sizeof(zero)))
		return "empty";
	return "BAD";
}

static void dsb_debugfs_packets(struct seq_file *m, struct dsb_user_queue *q,
				u64 rptr, u64 wptr, u64 doorbell)
{
	u64 start, end, n;

	start = rptr > DSB_DEBUGFS_BEFORE ? rptr - DSB_DEBUGFS_BEFORE : 0;
	if (wptr > q->ring_packets && start < wptr - q->ring_packets)
		start = wptr - q->ring_packets;
	end = max(rptr, wptr) + DSB_DEBUGFS_AFTER;
	end = min3(end, start + q->ring_packets, start + DSB_DEBUGFS_MAX);

	seq_puts(m, "  packets:\n");
	for (n = start; n < end; n++) {
		const char *verdict;
		struct drm_dsb_packet p;

		memcpy(&p, &q->ring[n & (q->ring_packets - 1)], sizeof(p));
		verdict = dsb_debugfs_verdict(q, &p, n, wptr);
		seq_printf(m, "    %-4s %6llu %-5s",
			   n == rptr && n == wptr ? "h/t" : n == rptr ? "head" :
			   n == wptr ? "tail" : "", n, verdict);
		if (strcmp(verdict, "empty")) {
			seq_putc(m, ' ');
			dsb_debugfs_decode(m, &p);
			if (p.seq != n)
				seq_printf(m, " (seq %llu)", p.seq);
		}
		if (n == doorbell && doorbell != wptr)
			seq_puts(m, " <- doorbell");
		seq_putc(m, '\n');
	}
	if (end < wptr)
		seq_printf(m, "    ... %llu more up to tail %llu\n", wptr - end, wptr);
}

/*
 * A MEMWAIT of the current command buffer the engine is blocked on, with
 * the current value of the awaited word. @st is the GPU's snapshot of the
 * queue; q->lock not held (the VM lock is not irq-safe).
 */
static void dsb_debugfs_memwait(struct seq_file *m, struct dsb_user_queue *q,
				const struct dsb_gpu_queue_status *st)
{
	const struct dsb_gpu_qctx *c = &st->ctx;
	const struct dsb_memwait *w = &c->memwait;
	enum dsb_vm_fault vf;
	u64 v = 0;
	void *ptr;

	if (!c->in_exec || w->in.op != DRM_DSB_OP_MEMWAIT || w->ip != c->ip ||
	    w->seqno != c->cur_seqno)
		return;
	read_lock(&q->vm->lock);
	ptr = dsb_vm_translate(q->vm, w->in.a, sizeof(u64), false, &vf);
	if (ptr)
		v = READ_ONCE(*(u64 *)ptr);
	read_unlock(&q->vm->lock);
	seq_printf(m, "  blocked MEMWAIT job %llu at 0x%llx: va 0x%llx %s %llu, current ",
		   w->seqno, w->ip, w->in.a,
		   w->in.flags & DRM_DSB_MEMWAIT_EQ ? "==" : ">=", w->in.b);
	if (ptr)
		seq_printf(m, "%llu\n", v);
	else
		seq_puts(m, "unmapped\n");
}

/*
 * The WAIT packet at the read pointer of the GPU's snapshot @st, when its
 * dependency is not met. q->lock held, queue active: a job not yet
 * completed is in flight and holds its dependency, so the awaited word
 * cannot go away.
 */
static void dsb_debugfs_wait_locked(struct seq_file *m, struct dsb_user_queue *q,
				    const struct dsb_gpu_queue_status *st)
{
	const struct dsb_gpu_qctx *c = &st->ctx;
	struct drm_dsb_packet p;
	const u64 *word;
	u64 v, pos;

	lockdep_assert_held(&q->lock);
	if (c->in_exec || st->doorbell == c->rptr)
		return;
	pos = c->rptr & (q->ring_packets - 1);
	memcpy(&p, &q->ring[pos], sizeof(p));
	if (p.op != DRM_DSB_PKT_WAIT || p.seq != c->rptr ||
	    p.mac != dsb_gpu_packet_mac(&q->key, &p, pos) ||
	    p.arg[0] >= (u64)q->nslots * DSB_MAX_JOB_DEPS || p.arg[2] <= q->completed)
		return;
	word = READ_ONCE(q->deps[p.arg[0]].word);
	if (!word)
		return;
	v = dsb_fence_word_read(word);
	if (v >= p.arg[1])
		return;
	seq_printf(m, "  blocked WAIT job %llu: dep %llu (%s) >= %llu, current %llu\n",
		   p.arg[2], p.arg[0],
		   word == &q->deps[p.arg[0]].proxy_value ? "foreign fence proxy" :
		   "dsb fence slot", p.arg[1], v);
}

static void dsb_debugfs_owner(struct seq_file *m, struct dsb_user_queue *q)
{
	struct task_struct *task;
	struct pid *pid;

	rcu_read_lock();
	pid = rcu_dereference(q->owner->pid);
	task = pid_task(pid, PIDTYPE_TGID);
	seq_printf(m, "pid %d (%s)", pid_vnr(pid), task ? task->comm : "?");
	rcu_read_unlock();
}

/* The fence slots in use and the jobs in flight on them. */
static void dsb_debugfs_slots(struct seq_file *m, struct dsb_user_queue *q)
{
	unsigned long flags;
	u32 k;

	seq_puts(m, "  fence slots:\n");
	spin_lock_irqsave(&q->lock, flags);
	for (k = 0; k < q->nslots; k++) {
		const struct drm_dsb_fence_slot *fs = &q->slots[k];
		u64 seqno = READ_ONCE(fs->seqno);
		s32 err = READ_ONCE(fs->error);

		if (!seqno && !q->slot_job[k])
			continue;
		seq_printf(m, "    %4u: seqno %llu error %d", k, seqno, err);
		if (q->slot_job[k])
			seq_printf(m, ", in flight: job %llu", q->slot_job[k]->seqno);
		seq_putc(m, '\n');
	}
	spin_unlock_irqrestore(&q->lock, flags);
}

static void dsb_debugfs_queue(struct seq_file *m, struct dsb_user_queue *q)
{
	struct dsb_gpu_queue_status st;
	u64 rptr, wptr, doorbell, now;
	unsigned long flags;
	u32 k, busy = 0;
	bool active;

	seq_printf(m, "queue %u client %llu ", q->id, q->client_id);
	dsb_debugfs_owner(m, q);
	if (!dsb_gpu_queue_read_status(&q->hw, &st)) {
		seq_puts(m, ": not on the GPU (being created or stopped)\n");
		return;
	}
	rptr = st.ctx.rptr;
	wptr = READ_ONCE(q->wptr);
	doorbell = st.doorbell;
	seq_printf(m, ": engine %u hw slot %d prio %u timeout %u ms\n",
		   st.engine, st.ctx.slot, q->priority, q->timeout_ms);
	if (READ_ONCE(q->fhdr->boost_seqno) > READ_ONCE(q->fhdr->completed)) {
		s64 left = READ_ONCE(q->fhdr->boost_until_ns) - ktime_get_ns();

		seq_printf(m, "  deadline boost until job %llu completes, at prio %u, deadline %s %lld ns%s\n",
			   READ_ONCE(q->fhdr->boost_seqno), q->boost_priority,
			   left < 0 ? "passed" : "in", left < 0 ? -left : left,
			   left < 0 ? " ago" : "");
	}

	spin_lock_irqsave(&q->lock, flags);
	for (k = 0; k < q->nslots; k++)
		busy += !!q->slot_job[k];
	active = q->state == DRM_DSB_QUEUE_ACTIVE;
	seq_printf(m, "  state %s fault %s fault_seqno %llu fault_va 0x%llx\n",
		   active ? "active" : "banned",
		   dsb_debugfs_fault_name(q->fault), q->fault_seqno, q->fault_va);
	if (q->last_failed)
		dsb_debugfs_origin(m, q->last_failed, &q->failed_origin);
	seq_printf(m, "  ring %u packets va 0x%llx: head %llu tail %llu doorbell %llu\n",
		   q->ring_packets, q->ring_va, rptr, wptr, doorbell);
	seq_printf(m, "  jobs submitted %llu completed %llu, fence slots %u/%u in flight\n",
		   READ_ONCE(q->submitted), q->completed, busy, q->nslots);
	if (active)
		dsb_debugfs_wait_locked(m, q, &st);
	spin_unlock_irqrestore(&q->lock, flags);

	now = ktime_get_ns();
	if (active && st.ctx.blocked_until > now)
		seq_printf(m, "  blocked DELAY job %llu for %llu ns more\n",
			   st.ctx.cur_seqno, st.ctx.blocked_until - now);
	else if (active)
		dsb_debugfs_memwait(m, q, &st);
	dsb_debugfs_packets(m, q, rptr, wptr, doorbell);

	dsb_debugfs_slots(m, q);
}

static int dsb_queues_show(struct seq_file *m, void *unused)
{
	struct dsb_device *ddev = m->private;
	struct dsb_user_queue *q;

	mutex_lock(&ddev->queues_lock);
	list_for_each_entry(q, &ddev->queues, dev_node)
		dsb_debugfs_queue(m, q);
	mutex_unlock(&ddev->queues_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(dsb_queues);

/* The MEMWAIT the snapshot @st is blocked on, if any (see dsb_debugfs_memwait()). */
static bool dsb_debugfs_in_memwait(const struct dsb_gpu_queue_status *st)
{
	const struct dsb_gpu_qctx *c = &st->ctx;

	return c->in_exec && c->memwait.in.op == DRM_DSB_OP_MEMWAIT &&
	       c->memwait.ip == c->ip && c->memwait.seqno == c->cur_seqno;
}

/*
 * The dependency table entry of the WAIT packet the snapshot @st of @q is
 * blocked on, or NULL (compared, never read). q->lock held.
 */
static const struct dsb_dep_entry *
dsb_debugfs_wait_entry_locked(struct dsb_user_queue *q, const struct dsb_gpu_queue_status *st)
{
	const struct dsb_gpu_qctx *c = &st->ctx;
	struct drm_dsb_packet p;
	u64 pos;

	lockdep_assert_held(&q->lock);
	if (c->in_exec || !c->dep_wait)
		return NULL;
	pos = c->rptr & (q->ring_packets - 1);
	memcpy(&p, &q->ring[pos], sizeof(p));
	if (p.op != DRM_DSB_PKT_WAIT || p.seq != c->rptr ||
	    p.mac != dsb_gpu_packet_mac(&q->key, &p, pos) ||
	    p.arg[0] >= (u64)q->nslots * DSB_MAX_JOB_DEPS)
		return NULL;
	return &q->deps[p.arg[0]];
}

/*
 * How the GPU (its snapshot @st) and the watchdog see @q: its hardware
 * slot, or that it waits for one; how long until the watchdog bans it;
 * its ban. Queue list lock held (the watchdog's state is under it).
 */
static void dsb_debugfs_sched_locked(struct seq_file *m, struct dsb_user_queue *q,
				     const struct dsb_gpu_queue_status *st)
{
	const struct dsb_gpu_qctx *c = &st->ctx;
	/* On the stack: nothing allocates under the queue list lock. */
	struct dsb_gpu_engine_status est;
	unsigned long flags;
	unsigned int k;

	lockdep_assert_held(&q->ddev->queues_lock);
	if (READ_ONCE(q->state) != DRM_DSB_QUEUE_ACTIVE) {
		spin_lock_irqsave(&q->lock, flags);
		seq_printf(m, "  ban: fault %s job %llu va 0x%llx\n",
			   dsb_debugfs_fault_name(q->fault), q->fault_seqno, q->fault_va);
		spin_unlock_irqrestore(&q->lock, flags);
		return;
	}
	if (st->resident) {
		seq_printf(m, "  %s hw slot %d of engine %u\n",
			   st->has_work ? "running on" : "idle on", c->slot, st->engine);
	} else if (st->has_work && !c->dep_wait && !dsb_debugfs_in_memwait(st) &&
		   c->blocked_until <= ktime_get_ns()) {
		const char *sep = "";

		seq_printf(m, "  waiting for a hw slot of engine %u, held by", st->engine);
		dsb_gpu_engine_read_status(q->ddev->gpu, st->engine, &est);
		for (k = 0; k < q->ddev->gpu->hw_slots; k++) {
			if (!est.slots[k].used)
				continue;
			seq_printf(m, "%s queue %u client %llu", sep,
				   est.slots[k].queue_id, est.slots[k].client_id);
			sep = ",";
		}
		seq_putc(m, '\n');
	}
	if (!q->wd.busy)
		return;
	if (c->dep_wait) {
		seq_puts(m, "  watchdog: not counting, blocked on a dependency\n");
	} else {
		u32 stalled = jiffies_to_msecs(q->wd.stalled);

		seq_printf(m, "  watchdog: %u of %u ms on a slot without progress, bans it in %u ms\n",
			   stalled, q->timeout_ms,
			   stalled < q->timeout_ms ? q->timeout_ms - stalled : 0);
	}
}

/*
 * What each job in flight of @q waits for: its dependencies not yet met
 * (a dsb fence: device, client, queue, job; another driver's fence: its
 * driver and timeline; the one the engine is blocked on with how long),
 * and a MEMWAIT the engine is blocked on, whose VA is returned in @va.
 * Engine lock held; q->lock taken here.
 *
 * Return: true when the engine is blocked on a MEMWAIT of @q.
 */
static bool dsb_debugfs_blockers_queue(struct seq_file *m, struct dsb_user_queue *q, u64 *va)
{
	const struct dsb_dep_entry *blocked;
	struct dsb_gpu_queue_status st;
	u64 now = ktime_get_ns();
	struct dsb_job *job;
	unsigned long flags;
	u32 i;

	if (!dsb_gpu_queue_read_status(&q->hw, &st))
		return false;
	seq_printf(m, "queue %u client %llu %s\n", q->id, q->client_id,
		   q->state == DRM_DSB_QUEUE_ACTIVE ? "active" : "banned");
	dsb_debugfs_sched_locked(m, q, &st);
	spin_lock_irqsave(&q->lock, flags);
	dsb_queue_sync_inflight_locked(q);
	blocked = q->state == DRM_DSB_QUEUE_ACTIVE ? dsb_debugfs_wait_entry_locked(q, &st) : NULL;
	list_for_each_entry(job, &q->inflight, node) {
		seq_printf(m, "  job %llu\n", job->seqno);
		for (i = 0; i < job->ndeps; i++) {
			struct dma_fence *f = job->deps[i].fence;
			struct dsb_fence *df = to_dsb_fence(f);

			if (test_bit(DMA_FENCE_FLAG_SIGNALED_BIT, &f->flags))
				continue;
			if (df) {
				if (dsb_fence_word_read(&df->slot->seqno) >= f->seqno)
					continue;
				seq_printf(m, "    waits dsb%u client %llu queue %u job %llu",
					   df->ddev->index, df->client_id, df->queue_id, f->seqno);
			} else {
				seq_printf(m, "    waits foreign %s %s seqno %llu",
					   f->ops->get_driver_name(f), f->ops->get_timeline_name(f),
					   f->seqno);
			}
			if (blocked && job->deps[i].entry == blocked)
				seq_printf(m, ", blocked on it for %llu ms\n",
					   div_u64(now - st.ctx.dep_wait_since, NSEC_PER_MSEC));
			else
				seq_puts(m, ", its WAIT not reached yet\n");
		}
	}
	spin_unlock_irqrestore(&q->lock, flags);
	if (q->state != DRM_DSB_QUEUE_ACTIVE || !dsb_debugfs_in_memwait(&st))
		return false;
	dsb_debugfs_memwait(m, q, &st);
	*va = st.ctx.memwait.in.a;
	return true;
}

/* Writers of a MEMWAIT's word: shown, jobs and instructions scanned per queue. */
#define DSB_WHY_WRITERS		16
#define DSB_WHY_SCAN_JOBS	8
#define DSB_WHY_SCAN_INSTR	4096

static const char *dsb_debugfs_op_name(u32 op)
{
	const struct drm_dsb_isa_desc *d = drm_dsb_isa_instr(op);

	return d ? d->name : "INVALID";
}

/*
 * Whether @in writes the 64-bit word at GPU VA @va: one of its VA operands
 * the ISA table marks written reaches it. An instruction the engine faults
 * on before any access (drm_dsb_instr_fault()) writes nothing.
 */
static bool dsb_debugfs_instr_writes(const struct drm_dsb_instr *in, u64 va)
{
	const struct drm_dsb_isa_desc *d = drm_dsb_isa_instr(in->op);
	unsigned int k;
	u64 fva;

	if (drm_dsb_instr_fault(in, &fva))
		return false;
	for (k = 0; k < ARRAY_SIZE(d->arg); k++) {
		u64 start = drm_dsb_instr_arg(in, k);
		u64 len = drm_dsb_instr_va_len(d, in, k);

		if (!(d->arg[k].access & DRM_DSB_ISA_W) || !len)
			continue;
		if (start <= va ? va - start < len : start - va < sizeof(u64))
			return true;
	}
	return false;
}

/**
 * struct dsb_why_write - what a scan of a queue's jobs found
 * @inflight: jobs in flight
 * @seqno: the first job that writes the word, 0 for none
 * @ip: the GPU VA of its instruction that does
 * @op: that instruction's opcode
 * @partial: the scan stopped at its bound before the end
 */
struct dsb_why_write {
	u32 inflight;
	u64 seqno;
	u64 ip;
	u32 op;
	bool partial;
};

/*
 * The first instruction, from where the GPU was in @q when it gave the
 * snapshot @st, of the jobs in flight of @q that writes the word at @va (a
 * GPU VA of @q's VM): at most %DSB_WHY_SCAN_JOBS jobs and
 * %DSB_WHY_SCAN_INSTR instructions. Each instruction is read once, as the
 * engine will read it; the process may still rewrite it.
 */
static void dsb_debugfs_scan_writes(struct dsb_user_queue *q, const struct dsb_gpu_queue_status *st,
				    u64 va, struct dsb_why_write *w)
{
	struct { u64 seqno, start, end; } jobs[DSB_WHY_SCAN_JOBS];
	u32 n = 0, budget = DSB_WHY_SCAN_INSTR, k;
	const struct dsb_gpu_qctx *c = &st->ctx;
	struct drm_dsb_instr in;
	enum dsb_vm_fault vf;
	struct dsb_job *job;
	unsigned long flags;

	memset(w, 0, sizeof(*w));
	spin_lock_irqsave(&q->lock, flags);
	dsb_queue_sync_inflight_locked(q);
	list_for_each_entry(job, &q->inflight, node) {
		w->inflight++;
		/* Jobs before the engine's have executed their commands. */
		if (job->seqno < c->cur_seqno || !job->cmd_len)
			continue;
		if (n == ARRAY_SIZE(jobs)) {
			w->partial = true;
			continue;
		}
		jobs[n].seqno = job->seqno;
		jobs[n].start = c->in_exec && job->seqno == c->cur_seqno ? c->ip : job->cmd_va;
		jobs[n].end = job->cmd_va + job->cmd_len;
		n++;
	}
	spin_unlock_irqrestore(&q->lock, flags);

	for (k = 0; k < n && !w->seqno && budget; k++) {
		u64 a;

		read_lock(&q->vm->lock);
		for (a = jobs[k].start; a + sizeof(in) <= jobs[k].end; a += sizeof(in)) {
			const void *p;

			if (!budget) {
				w->partial = true;
				break;
			}
			budget--;
			p = dsb_vm_translate(q->vm, a, sizeof(in), false, &vf);
			if (!p)
				break;
			memcpy(&in, p, sizeof(in));
			if (dsb_debugfs_instr_writes(&in, va)) {
				w->seqno = jobs[k].seqno;
				w->ip = a;
				w->op = in.op;
				break;
			}
		}
		read_unlock(&q->vm->lock);
	}
}

/*
 * Who could release the MEMWAIT of @q on the word at @va: the queues of
 * the device whose VM maps the BO backing it writably (those of @q's own
 * file share its VM; another file's through an import of it), each with
 * the first job in flight that writes it, or why none does; @q itself
 * only when one of its own jobs would write it. One pass over the
 * device's queues (at most %DSB_MAX_QUEUES per file, and as many files as
 * the memory limits allow), a walk of each one's mappings, and a scan of
 * at most %DSB_WHY_SCAN_INSTR instructions per queue that maps it;
 * %DSB_WHY_WRITERS are shown. Queue list lock held (the caller holds the
 * reference on @bo: a BO is never freed under that lock, which the
 * watchdog takes in its signalling section).
 */
static void dsb_debugfs_writers(struct seq_file *m, struct dsb_device *ddev,
				struct dsb_user_queue *q, struct dsb_gem_object *bo, u64 off)
{
	struct dsb_user_queue *wq;
	u32 shown = 0, more = 0;

	lockdep_assert_held(&ddev->queues_lock);
	list_for_each_entry(wq, &ddev->queues, dev_node) {
		struct dsb_why_write w = { 0 };
		struct dsb_gpu_queue_status st;
		bool active;
		u64 base;

		if (!dsb_vm_find_writable(wq->vm, bo, &base) ||
		    !dsb_gpu_queue_read_status(&wq->hw, &st))
			continue;
		active = READ_ONCE(wq->state) == DRM_DSB_QUEUE_ACTIVE;
		if (active)
			dsb_debugfs_scan_writes(wq, &st, base + off, &w);
		if (wq == q && !w.seqno)
			continue;
		if (shown == DSB_WHY_WRITERS) {
			more++;
			continue;
		}
		shown++;
		seq_printf(m, "    writer dsb%u client %llu queue %u: ", ddev->index,
			   wq->client_id, wq->id);
		if (w.seqno)
			seq_printf(m, "job %llu writes it (%s at 0x%llx)\n", w.seqno,
				   dsb_debugfs_op_name(w.op), w.ip);
		else if (!active)
			seq_printf(m, "maps it at 0x%llx, banned\n", base + off);
		else if (!w.inflight)
			seq_printf(m, "maps it at 0x%llx, nothing in flight\n", base + off);
		else if (!w.partial)
			seq_printf(m, "maps it at 0x%llx, its %u jobs in flight do not write it\n",
				   base + off, w.inflight);
		else
			seq_printf(m, "maps it at 0x%llx, %u jobs in flight, not all scanned\n",
				   base + off, w.inflight);
	}
	if (more)
		seq_printf(m, "    ... %u more writers\n", more);
	if (!shown)
		seq_puts(m, "    no other queue of the device maps it writably\n");
}

static int dsb_blockers_show(struct seq_file *m, void *unused)
{
	struct dsb_device *ddev = m->private;
	struct dsb_user_queue *q, *found;
	struct dsb_gem_object *bo;
	unsigned long pos = 0, k;
	u64 va, off;

	seq_printf(m, "device %u\n", ddev->index);
	/*
	 * A pass up to the next queue blocked on a MEMWAIT; the lock is
	 * dropped to take and drop the reference on the BO behind the word,
	 * then the next pass goes on from that queue's position (a queue
	 * destroyed meanwhile may shift it by one).
	 */
	for (;;) {
		found = NULL;
		k = 0;
		mutex_lock(&ddev->queues_lock);
		list_for_each_entry(q, &ddev->queues, dev_node) {
			if (k++ < pos)
				continue;
			pos++;
			if (dsb_debugfs_blockers_queue(m, q, &va)) {
				found = dsb_queue_get(q);
				break;
			}
		}
		mutex_unlock(&ddev->queues_lock);
		if (!found)
			break;
		bo = dsb_vm_bo_at(found->vm, va, &off);
		if (bo) {
			mutex_lock(&ddev->queues_lock);
			dsb_debugfs_writers(m, ddev, found, bo, off);
			mutex_unlock(&ddev->queues_lock);
			dsb_bo_put(bo);
		}
		dsb_queue_put(found);
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(dsb_blockers);

/* One engine of the GPU; returns the slots given up by blocked queues. */
static u64 dsb_debugfs_engine(struct seq_file *m, struct dsb_gpu *gpu, unsigned int idx)
{
	struct dsb_gpu_engine_status *st;
	unsigned int k;
	u64 yields;

	st = kmalloc(sizeof(*st), GFP_KERNEL);
	if (!st)
		return 0;
	dsb_gpu_engine_read_status(gpu, idx, st);
	seq_printf(m, "engine %u: queues %u maps %llu evictions %llu busy_ns %llu yields %llu\n",
		   idx, st->nqueues, st->maps, st->evictions, st->busy_ns, st->yields);
	for (k = 0; k < gpu->hw_slots; k++) {
		if (st->slots[k].used)
			seq_printf(m, "  slot %u: queue %u client %llu\n", k,
				   st->slots[k].queue_id, st->slots[k].client_id);
		else
			seq_printf(m, "  slot %u: -\n", k);
	}
	if (st->last_queue) {
		seq_printf(m, "  last packet: queue %u client %llu [%llu] ",
			   st->last_queue, st->last_client, st->last_pkt.seq);
		dsb_debugfs_decode(m, &st->last_pkt);
		seq_putc(m, '\n');
	} else {
		seq_puts(m, "  last packet: -\n");
	}
	yields = st->yields;
	kfree(st);
	return yields;
}

static int dsb_device_show(struct seq_file *m, void *unused)
{
	struct dsb_device *ddev = m->private;
	struct dsb_gpu_counters *gc = &ddev->gpu->counters;
	struct dsb_stats *s = &ddev->stats;
	unsigned int i;
	u64 yields = 0;

	seq_printf(m, "device %u: %u engines, %u hw slots per engine\n",
		   ddev->index, ddev->gpu->num_engines, ddev->gpu->hw_slots);
	for (i = 0; i < ddev->gpu->num_engines; i++)
		yields += dsb_debugfs_engine(m, ddev->gpu, i);
	seq_printf(m, "submits %lld\npackets %lld\ncompletions %lld\n",
		   (long long)atomic64_read(&s->submits),
		   (long long)atomic64_read(&gc->packets),
		   (long long)atomic64_read(&s->completions));
	seq_printf(m, "timeouts %lld\nfaults %lld\ntampers %lld\ncancels %lld\n",
		   (long long)atomic64_read(&s->timeouts),
		   (long long)atomic64_read(&s->faults),
		   (long long)atomic64_read(&gc->tampers),
		   (long long)atomic64_read(&s->cancels));
	seq_printf(m, "slot_yields %llu\n", yields);
	seq_printf(m, "fence_reuses %lld\npooled_fences %d\nlate_fences %lld\nfence_allocs %lld\n",
		   (long long)atomic64_read(&s->fence_reuses), atomic_read(&s->pooled_fences),
		   (long long)atomic64_read(&s->late_fences),
		   (long long)atomic64_read(&s->fence_allocs));
	seq_printf(m, "deadline_hints %lld\ndeadline_misses %lld\n",
		   (long long)atomic64_read(&s->deadline_hints),
		   (long long)atomic64_read(&s->deadline_misses));
	seq_printf(m, "implicit_deps %lld\nproxy_deps %lld\nuring_retries %lld\nuring_cancels %lld\n",
		   (long long)atomic64_read(&s->implicit_deps),
		   (long long)atomic64_read(&s->proxy_deps),
		   (long long)atomic64_read(&s->uring_retries),
		   (long long)atomic64_read(&s->uring_cancels));
	seq_printf(m, "evictions %lld\nevicted_bytes %lld\nrestores %lld\nrestored_bytes %lld\n",
		   (long long)atomic64_read(&s->evictions),
		   (long long)atomic64_read(&s->evicted_bytes),
		   (long long)atomic64_read(&s->restores),
		   (long long)atomic64_read(&s->restored_bytes));
	seq_printf(m, "shrinker_scans %lld\nshrinker_waits %lld\nshrinker_wait_timeouts %lld\nevicted_faults %lld\n",
		   (long long)atomic64_read(&s->shrinker_scans),
		   (long long)atomic64_read(&s->shrinker_waits),
		   (long long)atomic64_read(&s->shrinker_wait_timeouts),
		   (long long)atomic64_read(&s->evicted_faults));
	seq_printf(m, "live_bos %d\nlive_queues %d\nlive_jobs %d\nlive_fences %d\nlive_vms %d\n",
		   atomic_read(&s->live_bos), atomic_read(&s->live_queues),
		   atomic_read(&s->live_jobs), atomic_read(&s->live_fences),
		   atomic_read(&s->live_vms));
	seq_printf(m, "pinned_bytes %lld\npinned_limit %llu\nevictable_bytes %lld\n",
		   (long long)atomic64_read(&ddev->pinned), ddev->pinned_limit,
		   (long long)atomic64_read(&ddev->evictable));
	seq_printf(m, "purgeable_bytes %lld\npurges %lld\npurged_bytes %lld\npurged_faults %lld\n",
		   (long long)atomic64_read(&ddev->purgeable),
		   (long long)atomic64_read(&s->purges),
		   (long long)atomic64_read(&s->purged_bytes),
		   (long long)atomic64_read(&s->purged_faults));
	seq_printf(m, "live_uring_waits %d\n", atomic_read(&s->live_uring_waits));
	/* Module-wide, the same on every device. */
	seq_printf(m, "mem_charged_bytes %llu\nmem_total_limit %llu\nmem_client_limit %llu\n",
		   dsb_mem_total_used(), dsb_mem_total_limit(), dsb_mem_client_limit());
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(dsb_device);

/*
 * ``dsb_shrink``: run the shrinker's scan for the bytes written, in reclaim
 * context as far as lockdep is concerned, so the debug lane checks the
 * same locking as real memory pressure.
 */
static ssize_t dsb_shrink_write(struct file *f, const char __user *buf, size_t len,
				loff_t *pos)
{
	struct dsb_device *ddev = f->private_data;
	u64 bytes;
	int ret;

	ret = kstrtou64_from_user(buf, len, 0, &bytes);
	if (ret)
		return ret;
	fs_reclaim_acquire(GFP_KERNEL);
	dsb_reclaim_shrink(ddev, bytes);
	fs_reclaim_release(GFP_KERNEL);
	return len;
}

static const struct file_operations dsb_shrink_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = dsb_shrink_write,
	.llseek = noop_llseek,
};

/*
 * One VM's mappings as the engine sees them (binds not yet applied are
 * not shown); VM lock read-held, so no mapping goes away meanwhile.
 */
static void dsb_vms_show_one(struct seq_file *m, struct dsb_vm *vm)
{
	struct drm_mm_node *node;
	u32 n = 0;

	read_lock(&vm->lock);
	drm_mm_for_each_node(node, &vm->mm)
		n++;
	seq_printf(m, "vm client %llu %s mappings %u pending-binds %u\n", vm->client_id,
		   vm->binds ? "user-managed" : "kernel-assigned", n, dsb_bind_pending(vm));
	drm_mm_for_each_node(node, &vm->mm) {
		struct dsb_mapping *map = container_of(node, struct dsb_mapping, node);

		seq_printf(m, "  0x%016llx-0x%016llx ", node->start, node->start + map->size);
		if (!map->bo)
			seq_puts(m, "sparse\n");
		else if (map->bo->is_ring)
			seq_puts(m, "ring\n");
		else
			seq_printf(m, "bo size 0x%zx offset 0x%llx %s %s\n", map->bo->base.size,
				   map->bo_offset, map->readonly ? "ro" : "rw",
				   map->vaddr ? "resident" : map->purged ? "purged" : "evicted");
	}
	read_unlock(&vm->lock);
}

/* dsb_vms: every VM of the device and its mappings. */
static int dsb_vms_show(struct seq_file *m, void *unused)
{
	struct dsb_device *ddev = m->private;
	struct dsb_vm *vm;

	spin_lock(&ddev->vm_lru_lock);
	list_for_each_entry(vm, &ddev->vm_lru, lru)
		dsb_vms_show_one(m, vm);
	spin_unlock(&ddev->vm_lru_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(dsb_vms);

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
	debugfs_create_file("dsb_blockers", 0444, minor->debugfs_root, ddev,
			    &dsb_blockers_fops);
	debugfs_create_file("dsb_shrink", 0200, minor->debugfs_root, ddev,
			    &dsb_shrink_fops);
	debugfs_create_file("dsb_vms", 0444, minor->debugfs_root, ddev,
			    &dsb_vms_fops);
}
