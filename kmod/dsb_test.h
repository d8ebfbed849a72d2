/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Copyright (C) 2026 The dsb authors */
/*
 * Test-only switches shared by the driver and the simulated GPU: the VM
 * tests' race-window hooks and the debug lane's negative controls. Neither
 * exists in a shipped module.
 */
#ifndef __DSB_TEST_H__
#define __DSB_TEST_H__

#include <linux/compiler.h>
#include <linux/types.h>

/*
 * Test hooks: module parameters with which the VM tests widen race windows
 * (test_retire_delay_us, test_engine_gap_ms, test_submit_gap_ms,
 * test_doorbell_gap_ms, test_slice_stall_ms), built
 * only with DSB_TEST_HOOKS=y (kmod/Kbuild; scripts/build-kmod.sh's test
 * builds). dsb_test_hook(name) reads one; in any other build (DKMS, a
 * user's make) the parameters do not exist, it is the member of a zeroed
 * struct, a constant 0, and the compiler drops the code it guards.
 */
struct dsb_test_hooks {
	unsigned int retire_delay_us;
	unsigned int engine_gap_ms;
	unsigned int submit_gap_ms;
	unsigned int doorbell_gap_ms;
	unsigned int slice_stall_ms;
};

#ifdef DSB_TEST_HOOKS
extern struct dsb_test_hooks dsb_test_hooks;
#define dsb_test_hook(name)	READ_ONCE(dsb_test_hooks.name)
#else
#define dsb_test_hook(name)	(((struct dsb_test_hooks){ 0 }).name)
#endif

#ifdef DSB_NEGATIVE_CONTROL
/* The debug lane's negative controls (scripts/check-debug.sh). */
enum { DSB_NEGCTL_SUBMIT = 0, DSB_NEGCTL_ENGINE = 1 };
extern unsigned int dsb_negctl_site;
bool dsb_reclaim_waiting(void);
#endif

#endif /* __DSB_TEST_H__ */
