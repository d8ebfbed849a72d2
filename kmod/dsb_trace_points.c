// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Copyright (C) 2026 The dsb authors */
/* The dsb tracepoints (dsb_trace.h) are instantiated here, once. */
#include "dsb_gpu.h"
#include "dsb_queue.h"

#define CREATE_TRACE_POINTS
#include "dsb_trace.h"
