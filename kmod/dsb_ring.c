// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Copyright (C) 2026 The dsb authors */
/**
 * DOC: Ring packets
 *
 * This is where packets are written, published and fetched. Only the
 * kernel writes a queue's ring, under the queue's submit lock, inside the
 * fence-signalling section of a submit: dsb_ring_emit() per packet, then
 * dsb_ring_commit() once per batch, which publishes the packets and rings
 * the doorbell. The GPU fetches them (dsb_gpu_exec.c); the smp_wmb() here
 * pairs with the smp_rmb() there.
 *
 * Each packet carries its sequence number (the ring write pointer when it
 * was written) and a SipHash-2-4 MAC, under the queue's secret key, of its
 * first seven words and its ring position (dsb_gpu_packet_mac(), the
 * format the GPU defines). The GPU recomputes both
 * before executing, so a packet the process wrote, moved, replayed or
 * skipped faults the queue at once.
 */
#include <linux/string.h>

#include "dsb_job.h"
#include "dsb_queue.h"
#include "dsb_ring.h"
#include "dsb_trace.h"

/**
 * dsb_ring_space() - free packets in the ring
 * @q: the queue, submit lock held
 *
 * Return: packets that can be written without overwriting unconsumed ones.
 */
u32 dsb_ring_space(const struct dsb_user_queue *q)
{
	lockdep_assert_held(&q->submit_lock);
	return q->ring_packets - (u32)(q->wptr - dsb_gpu_queue_rptr(&q->hw));
}

/**
 * dsb_ring_emit() - write one packet at the write pointer
 * @q: the queue, submit lock held, space checked
 * @op: &enum drm_dsb_packet_op
 * @a0: first operand
 * @a1: second operand
 * @a2: third operand
 *
 * The doorbell is not rung: the caller publishes a whole batch at once
 * with dsb_ring_commit().
 */
void dsb_ring_emit(struct dsb_user_queue *q, u32 op, u64 a0, u64 a1, u64 a2)
{
	u64 pos = q->wptr & (q->ring_packets - 1);
	struct drm_dsb_packet pkt = {
		.op = op,
		.seq = q->wptr,
		.arg = { a0, a1, a2 },
	};

	lockdep_assert_held(&q->submit_lock);
	pkt.mac = dsb_gpu_packet_mac(&q->key, &pkt, pos);
	memcpy(&q->ring[pos], &pkt, sizeof(pkt));
	q->wptr++;
}

/**
 * dsb_ring_commit() - publish the packets written and ring the doorbell
 * @q: the queue, submit lock held
 *
 * The doorbell is the write pointer, as on user-queue hardware; the engine
 * is kicked, as hardware is by a doorbell write.
 */
void dsb_ring_commit(struct dsb_user_queue *q)
{
	lockdep_assert_held(&q->submit_lock);
	/* Packets before doorbell: pairs with the smp_rmb() in the GPU's fetch. */
	smp_wmb();
	WRITE_ONCE(q->ctrl->doorbell, q->wptr);
	dsb_gpu_queue_doorbell(&q->hw);
}

/**
 * dsb_ring_emit_job() - write an armed job's packets
 * @q: the queue, submit lock held
 * @job: the job, armed (dsb_job_arm()): its dependency table entries set
 *
 * One WAIT packet per dependency, then EXEC and SIGNAL; the ring space was
 * reserved with the job. Allocates nothing.
 */
void dsb_ring_emit_job(struct dsb_user_queue *q, const struct dsb_job *job)
{
	u32 i;

	lockdep_assert_held(&q->submit_lock);
	for (i = 0; i < job->ndeps; i++)
		dsb_ring_emit(q, DRM_DSB_PKT_WAIT, job->slot * DSB_MAX_JOB_DEPS + i,
			      dsb_dep_wait_value(&job->deps[i]), job->seqno);
	dsb_ring_emit(q, DRM_DSB_PKT_EXEC, job->cmd_va, job->cmd_len, job->seqno);
	dsb_ring_emit(q, DRM_DSB_PKT_SIGNAL, job->slot, job->seqno, 0);
}
