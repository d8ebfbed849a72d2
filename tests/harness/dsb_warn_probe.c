// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The dsb authors */
/*
 * A module whose only job is to WARN when loaded: scripts/check-harness.sh
 * loads it in the VM and requires the run to fail, which shows that a
 * kernel WARN anywhere during a VM run fails that run.
 */
#include <linux/bug.h>
#include <linux/module.h>

static int __init dsb_warn_probe_init(void)
{
	WARN(1, "dsb_warn_probe: deliberate warning for the harness self-test\n");
	return 0;
}

static void __exit dsb_warn_probe_exit(void)
{
}

module_init(dsb_warn_probe_init);
module_exit(dsb_warn_probe_exit);
MODULE_DESCRIPTION("dsb harness self-test: WARN on load");
MODULE_LICENSE("GPL");
