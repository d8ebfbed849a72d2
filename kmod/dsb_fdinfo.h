/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Copyright (C) 2026 The dsb authors */
#ifndef __DSB_FDINFO_H__
#define __DSB_FDINFO_H__

#include <linux/types.h>

struct drm_file;
struct drm_printer;
struct file;
struct seq_file;

void dsb_fdinfo_print(struct drm_printer *p, struct drm_file *file);
void dsb_fdinfo_show(struct seq_file *m, struct file *f);
void dsb_fdinfo_memory_stats(struct drm_printer *p, struct drm_file *file);
u64 dsb_fdinfo_next_client_id(void);

#endif /* __DSB_FDINFO_H__ */
