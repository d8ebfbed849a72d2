/* SPDX-License-Identifier: MIT */
/* Copyright (C) 2026 The dsb authors */
#ifndef LIBDSB_PRIVATE_H
#define LIBDSB_PRIVATE_H

#include <errno.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <time.h>

#include "dsb.h"

/*
 * Helpers shared by every source file. Nothing here calls into another
 * file of the library; the backends setup.c installs are in backend.h.
 */

/*
 * dsb_ioctl() - ioctl() returning 0 or -errno, restarted on EINTR/EAGAIN
 * like drmIoctl(). Callers pass absolute deadlines, so a restart never
 * extends a wait.
 */
static inline int dsb_ioctl(int fd, unsigned long req, void *arg)
{
	int ret;

	do {
		ret = ioctl(fd, req, arg);
	} while (ret == -1 && (errno == EINTR || errno == EAGAIN));
	return ret == -1 ? -errno : 0;
}

static inline int64_t dsb_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

/* Absolute CLOCK_MONOTONIC deadline from a relative timeout, saturating. */
static inline int64_t dsb_deadline(int64_t timeout_ns)
{
	int64_t now;

	if (timeout_ns < 0 || timeout_ns == DSB_TIMEOUT_INFINITE)
		return DSB_TIMEOUT_INFINITE;
	now = dsb_now_ns();
	if (timeout_ns > DSB_TIMEOUT_INFINITE - now)
		return DSB_TIMEOUT_INFINITE;
	return now + timeout_ns;
}

#endif /* LIBDSB_PRIVATE_H */
