// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Copyright (C) 2026 The dsb authors */
/*
 * Built only into the debug lane's bind negative control
 * (DSB_NEGATIVE_CONTROL_BIND=y, kmod/Kbuild; scripts/check-debug.sh step
 * 2c): the marker the lane reads with modinfo before it runs the control.
 * The allocation itself is under #ifdef DSB_NEGATIVE_CONTROL_BIND in the
 * VM_BIND apply path.
 */
#include <linux/module.h>

MODULE_INFO(dsb_negative_control_bind,
	    "allocates inside the VM_BIND apply path's signalling section");
