/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Copyright (C) 2026 The dsb authors */
#ifndef __DSB_RING_H__
#define __DSB_RING_H__

#include <linux/types.h>

struct dsb_user_queue;
struct drm_dsb_packet;

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

u64 dsb_packet_mac(const struct dsb_user_queue *q, const struct drm_dsb_packet *pkt, u64 pos);
void dsb_ring_emit(struct dsb_user_queue *q, u32 op, u64 a0, u64 a1, u64 a2);
u32 dsb_ring_space(const struct dsb_user_queue *q);
void dsb_ring_commit(struct dsb_user_queue *q);
enum dsb_ring_fetch dsb_ring_fetch(const struct dsb_user_queue *q, u64 rptr,
				   struct drm_dsb_packet *pkt);

#endif /* __DSB_RING_H__ */
