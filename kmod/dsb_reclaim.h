/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Copyright (C) 2026 The dsb authors */
#ifndef __DSB_RECLAIM_H__
#define __DSB_RECLAIM_H__

#include <linux/types.h>

struct dsb_device;
struct dsb_gem_object;
struct dsb_vm;

int dsb_reclaim_init(struct dsb_device *ddev);
void dsb_reclaim_fini(struct dsb_device *ddev);
void dsb_reclaim_add_vm(struct dsb_vm *vm);
void dsb_reclaim_remove_vm(struct dsb_vm *vm);

int dsb_reclaim_charge(struct dsb_device *ddev, u64 bytes, struct dsb_vm *except);
void dsb_reclaim_uncharge(struct dsb_device *ddev, u64 bytes);
u64 dsb_reclaim_evict_idle(struct dsb_device *ddev, u64 want, struct dsb_vm *except);
u64 dsb_reclaim_shrink(struct dsb_device *ddev, u64 want);

void dsb_reclaim_restored(struct dsb_gem_object *bo);
void dsb_reclaim_evicted(struct dsb_gem_object *bo);
void dsb_reclaim_pinned(struct dsb_gem_object *bo);
void dsb_reclaim_released(struct dsb_gem_object *bo);
void dsb_reclaim_purged(struct dsb_gem_object *bo, u64 bytes);
void dsb_reclaim_madvised(struct dsb_gem_object *bo, u8 old);
void dsb_reclaim_trace_restore(struct dsb_vm *vm, u64 bytes, u32 bos);
void dsb_reclaim_trace_evict(struct dsb_vm *vm, u64 bytes, u32 bos);
void dsb_reclaim_trace_purge(struct dsb_vm *vm, u64 bytes, u32 bos);

#endif /* __DSB_RECLAIM_H__ */
