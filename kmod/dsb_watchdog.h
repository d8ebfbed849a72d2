/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Copyright (C) 2026 The dsb authors */
#ifndef __DSB_WATCHDOG_H__
#define __DSB_WATCHDOG_H__

struct dsb_device;

void dsb_watchdog_init(struct dsb_device *ddev);
void dsb_watchdog_fini(struct dsb_device *ddev);
void dsb_watchdog_arm(struct dsb_device *ddev);
int dsb_watchdog_module_init(void);
void dsb_watchdog_module_exit(void);

#endif /* __DSB_WATCHDOG_H__ */
