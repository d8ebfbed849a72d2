/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Copyright (C) 2026 The dsb authors */
#ifndef __DSB_DEBUGFS_H__
#define __DSB_DEBUGFS_H__

struct drm_minor;

void dsb_debugfs_init(struct drm_minor *minor);

#endif /* __DSB_DEBUGFS_H__ */
