/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Copyright (C) 2026 The dsb authors */
#ifndef __DSB_RING_H__
#define __DSB_RING_H__

#include <linux/types.h>

struct dsb_user_queue;
struct dsb_job;

void dsb_ring_emit(struct dsb_user_queue *q, u32 op, u64 a0, u64 a1, u64 a2);
u32 dsb_ring_space(const struct dsb_user_queue *q);
void dsb_ring_commit(struct dsb_user_queue *q);
void dsb_ring_emit_job(struct dsb_user_queue *q, const struct dsb_job *job);

#endif /* __DSB_RING_H__ */
