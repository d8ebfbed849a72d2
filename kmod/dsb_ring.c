// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Copyright (C) 2026 The dsb authors */
/**
 * DOC: Ring packets
 *
 * This is where packets are written, published and fetched. Only the
 * kernel writes a queue's ring, under the queue's submit lock, inside the
 * fence-signalling section of a submit: dsb_ring_emit() per packet, then
 * dsb_ring_commit() once per batch, which publishes the packets and rings
 * the doorbell. The engine takes them with dsb_ring_fetch(); the barrier
 * pair between the two lives in these two functions.
 *
 * Each packet carries its sequence number (the ring write pointer when it
 * was written) and a SipHash-2-4 MAC, under the queue's secret key, of its
 * first seven words and its ring position. The engine recomputes both
 * before executing, so a packet the process wrote, moved, replayed or
 * skipped faults the queue at once.
 */
#include <linux/string.h>

#include "dsb_engine.h"
#include "dsb_queue.h"
#include "dsb_ring.h"

/**
 * dsb_packet_mac() - MAC of a packet at a ring position
 * @q: the queue (holds the key)
 * @pkt: the packet; its @mac field is ignored
 * @pos: ring index the packet is (to be) stored at
 *
 * Return: the MAC.
 */
u64 dsb_packet_mac(const struct dsb_user_queue *q, const struct drm_dsb_packet *pkt, u64 pos)
{
	u64 words[8];

	BUILD_BUG_ON(sizeof(*pkt) != DRM_DSB_PACKET_SIZE);
	memcpy(words, pkt, 7 * sizeof(u64));
	words[7] = pos;
	return siphash(words, sizeof(words), &q->key);
}

/**
 * dsb_ring_space() - free packets in the ring
 * @q: the queue, submit lock held
 *
 * Return: packets that can be written without overwriting unconsumed ones.
 */
u32 dsb_ring_space(const struct dsb_user_queue *q)
{
	lockdep_assert_held(&q->submit_lock);
	return q->ring_packets - (u32)(q->wptr - READ_ONCE(q->ctx.rptr));
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
	pkt.mac = dsb_packet_mac(q, &pkt, pos);
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
	/* Packets before doorbell: pairs with the smp_rmb() in dsb_ring_fetch(). */
	smp_wmb();
	WRITE_ONCE(q->ctrl->doorbell, q->wptr);
	/* High and realtime work starts within the round, not a round later. */
	if (q->priority > DRM_DSB_QUEUE_PRIORITY_NORMAL)
		atomic_set(&q->engine->urgent, 1);
	dsb_engine_kick(q->engine);
}

/**
 * dsb_ring_fetch() - the engine's packet fetch
 * @q: the queue
 * @rptr: the engine's read pointer
 * @pkt: out, a copy of the packet at @rptr
 *
 * Reads the doorbell (in memory the process may write), then copies the
 * packet at the read pointer out of the ring once and checks its sequence
 * number and MAC on the copy.
 *
 * Return: %DSB_RING_EMPTY, %DSB_RING_PACKET with @pkt set, or the fault:
 * %DSB_RING_BAD_DOORBELL for a doorbell beyond the ring, %DSB_RING_TAMPER
 * for a packet the kernel did not write for this position.
 */
enum dsb_ring_fetch dsb_ring_fetch(const struct dsb_user_queue *q, u64 rptr,
				   struct drm_dsb_packet *pkt)
{
	u64 wptr = READ_ONCE(q->ctrl->doorbell);
	u64 pos;

	if (wptr == rptr)
		return DSB_RING_EMPTY;
	/* Pairs with the smp_wmb() before the doorbell write in dsb_ring_commit(). */
	smp_rmb();
	if (wptr - rptr > q->ring_packets)
		return DSB_RING_BAD_DOORBELL;
	pos = rptr & (q->ring_packets - 1);
	memcpy(pkt, &q->ring[pos], sizeof(*pkt));
	if (pkt->seq != rptr || pkt->mac != dsb_packet_mac(q, pkt, pos))
		return DSB_RING_TAMPER;
	return DSB_RING_PACKET;
}
