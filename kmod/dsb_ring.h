/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Copyright (C) 2026 The dsb authors */
#ifndef __DSB_RING_H__
#define __DSB_RING_H__

#include <linux/types.h>

struct dsb_user_queue;
struct drm_dsb_packet;

u64 dsb_packet_mac(const struct dsb_user_queue *q, const struct drm_dsb_packet *pkt, u64 pos);
void dsb_ring_emit(struct dsb_user_queue *q, u32 op, u64 a0, u64 a1, u64 a2);
u32 dsb_ring_space(const struct dsb_user_queue *q);

#endif /* __DSB_RING_H__ */
