/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Copyright (C) 2026 The dsb authors */
#ifndef __DSB_WATCHDOG_H__
#define __DSB_WATCHDOG_H__

#include <linux/types.h>

struct dsb_device;

/**
 * struct dsb_watchdog_state - the watchdog's view of one queue
 * @busy: the queue was busy at the last tick
 * @steps: the GPU's step count when the watchdog last saw progress
 * @empty_slices: the GPU's count of slices without a step at the last tick
 * @stalled: jiffies on a slot without progress since then
 * @stamp: jiffies of the last tick
 *
 * Only the device's tick touches it, under &dsb_device.queues_lock.
 */
struct dsb_watchdog_state {
	bool busy;
	u64 steps;
	u64 empty_slices;
	unsigned long stalled;
	unsigned long stamp;
};

void dsb_watchdog_init(struct dsb_device *ddev);
void dsb_watchdog_fini(struct dsb_device *ddev);
void dsb_watchdog_arm(struct dsb_device *ddev);
int dsb_watchdog_module_init(void);
void dsb_watchdog_module_exit(void);

#endif /* __DSB_WATCHDOG_H__ */
