/* SPDX-License-Identifier: MIT */
/* Copyright (C) 2026 The dsb authors */
#ifndef LIBDSB_BARRIER_H
#define LIBDSB_BARRIER_H

/*
 * Barriers of the memory libdsb shares with the kernel (SQ/CQ header,
 * fence memory), included by dsb.h for its inline fast paths and
 * installed next to dsb_drm.h.
 *
 * Every use names the kernel function on the other side of the pair.
 * The kernel side is smp_store_release()/smp_load_acquire() wherever it
 * publishes or consumes, cq_head included (dsb_queue_cq_room_locked()
 * reads it with an acquire before it counts an entry free); dsb_drm.h
 * describes the protocol.
 */
#define dsb_load_acquire(p)		__atomic_load_n((p), __ATOMIC_ACQUIRE)
#define dsb_store_release(p, v)		__atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define dsb_load_relaxed(p)		__atomic_load_n((p), __ATOMIC_RELAXED)

#endif /* LIBDSB_BARRIER_H */
