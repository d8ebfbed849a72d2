/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Copyright (C) 2026 The dsb authors */
#ifndef __DSB_BIND_H__
#define __DSB_BIND_H__

#include <linux/errno.h>
#include <linux/types.h>

#include "dsb_compat.h"

struct drm_device;
struct drm_file;
struct dsb_mapping;
struct dsb_vm;

int dsb_ioctl_vm_init(struct drm_device *dev, void *data, struct drm_file *file);
int dsb_ioctl_vm_bind(struct drm_device *dev, void *data, struct drm_file *file);

#ifdef DSB_HAVE_DRM_GPUVM
int dsb_bind_module_init(void);
void dsb_bind_module_exit(void);
void dsb_bind_vm_fini(struct dsb_vm *vm);
void dsb_bind_free_map(struct dsb_vm *vm, struct dsb_mapping *m);
u32 dsb_bind_pending(struct dsb_vm *vm);
#define DSB_HAVE_VM_BIND	1
#else
/* Without drm_gpuvm no VM is user-managed: there is nothing to tear down. */
static inline int dsb_bind_module_init(void) { return 0; }
static inline void dsb_bind_module_exit(void) { }
static inline void dsb_bind_vm_fini(struct dsb_vm *vm) { }
static inline void dsb_bind_free_map(struct dsb_vm *vm, struct dsb_mapping *m) { }
static inline u32 dsb_bind_pending(struct dsb_vm *vm) { return 0; }
#define DSB_HAVE_VM_BIND	0
#endif

#endif /* __DSB_BIND_H__ */
