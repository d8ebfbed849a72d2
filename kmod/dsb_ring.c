// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Copyright (C) 2026 The dsb authors */
/**
 * DOC: Ring packets
 *
 * This is where packets are written. Only the kernel writes a queue's
 * ring, under the queue's submit lock, inside the fence-signalling section
 * of a submit. Each packet carries its sequence number (the ring write
 * pointer when it was written) and a SipHash-2-4 MAC, under the queue's
 * secret key, of its first seven words and its ring position. The engine
 * recomputes both before executing, so a packet the process wrote, moved,
 * replayed or skipped faults the queue at once.
 */
#include <linux/string.h>

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
 * The doorbell is not rung: the caller publishes a whole batch at once.
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
