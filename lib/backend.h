/* SPDX-License-Identifier: MIT */
/* Copyright (C) 2026 The dsb authors */
#ifndef LIBDSB_BACKEND_H
#define LIBDSB_BACKEND_H

/*
 * The submit/wait backends of a kernel queue (struct dsb_queue_backend).
 * dsb_queue_init() in setup.c picks one and stores it in the queue; the
 * files that define them call nothing of setup.c, so the dependency goes
 * one way: setup.c -> queue.c, setup.c -> uring.c.
 */
#include <stdint.h>

#include "dsb.h"

/* queue.c: DRM_IOCTL_DSB_QUEUE_SUBMIT_SQ and DRM_IOCTL_DSB_WAIT. */
int dsb__ioctl_submit(struct dsb_queue *q, unsigned int count, void *arg);
int dsb__ioctl_wait(struct dsb_queue *q, uint64_t seqno, int64_t deadline_ns,
		    int32_t *error, void *arg);

/* uring.c: the same through the queue's private io_uring. */
int dsb__uring_setup(struct dsb_queue *q);
void dsb__uring_teardown(struct dsb_queue *q);
int dsb__uring_submit(struct dsb_queue *q, unsigned int count, void *arg);
int dsb__uring_wait(struct dsb_queue *q, uint64_t seqno, int64_t deadline_ns,
		    int32_t *error, void *arg);

#endif /* LIBDSB_BACKEND_H */
