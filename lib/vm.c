// SPDX-License-Identifier: MIT
/* Copyright (C) 2026 The dsb authors */
/*
 * User-managed GPU virtual addresses (libdsb 1.5, uAPI version 13):
 * VM_INIT switches a file to VAs the caller chooses, VM_BIND maps,
 * unmaps and sparse-binds them. The operation and sync-op builders are
 * inline in dsb.h.
 */
#include "dsb_private.h"

/* The first uAPI with DRM_IOCTL_DSB_VM_INIT and DRM_IOCTL_DSB_VM_BIND. */
#define DSB_UAPI_VM_BIND	13

/*
 * An older kernel does not know the ioctl numbers and the DRM core would
 * answer -EINVAL, which a caller cannot tell from a bad argument: answer
 * -EOPNOTSUPP for it, as a 6.1 build of uAPI 13 does. A device whose
 * version is unknown (0) goes to the kernel.
 */
static int dsb_vm_supported(const struct dsb_device *dev)
{
	if (dev->uapi_version && dev->uapi_version < DSB_UAPI_VM_BIND)
		return -EOPNOTSUPP;
	return 0;
}

/**
 * dsb_has_vm_bind() - do DRM_IOCTL_DSB_VM_INIT and VM_BIND work here?
 *
 * GET_PARAM DRM_DSB_PARAM_VM_BIND; false on any error (a kernel before
 * uAPI 13 does not know the parameter) and on a kernel built without
 * drm_gpuvm (Linux 6.1).
 */
bool dsb_has_vm_bind(struct dsb_device *dev)
{
	uint64_t v = 0;

	if (!dev || dsb_vm_supported(dev))
		return false;
	return dsb_get_param(dev, DRM_DSB_PARAM_VM_BIND, &v) == 0 && v == 1;
}

/**
 * dsb_vm_init() - DRM_IOCTL_DSB_VM_INIT: choose how the file's VAs are
 * managed (DSB_VM_USER_MANAGED: by the caller, with dsb_vm_bind())
 *
 * Before the file creates any buffer or queue. On success *va_start and
 * *va_size (either may be NULL) are the range dsb_vm_bind() may bind.
 */
int dsb_vm_init(struct dsb_device *dev, uint32_t flags, uint64_t *va_start,
		uint64_t *va_size)
{
	struct drm_dsb_vm_init vi = { .flags = flags };
	int ret;

	if (!dev)
		return -EINVAL;
	ret = dsb_vm_supported(dev);
	if (ret)
		return ret;
	ret = dsb_ioctl(dev->fd, DRM_IOCTL_DSB_VM_INIT, &vi);
	if (ret)
		return ret;
	if (va_start)
		*va_start = vi.va_start;
	if (va_size)
		*va_size = vi.va_size;
	return 0;
}

/**
 * dsb_vm_bind() - DRM_IOCTL_DSB_VM_BIND: @nops operations, with @nsyncs
 * wait and signal operations, DRM_DSB_VM_BIND_ASYNC or not in @flags
 *
 * All or nothing: on error *bad_op (if not NULL) is the index of the
 * operation at fault, as the kernel reports it.
 */
int dsb_vm_bind(struct dsb_device *dev, const struct drm_dsb_vm_bind_op *ops,
		uint32_t nops, const struct drm_dsb_sync_op *syncs,
		uint32_t nsyncs, uint32_t flags, uint32_t *bad_op)
{
	struct drm_dsb_vm_bind b = {
		.ops = {
			.stride = sizeof(*ops),
			.count = nops,
			.array = (uint64_t)(uintptr_t)ops,
		},
		.syncs = {
			.stride = sizeof(*syncs),
			.count = nsyncs,
			.array = (uint64_t)(uintptr_t)syncs,
		},
		.flags = flags,
	};
	int ret;

	if (!dev || (nops && !ops) || (nsyncs && !syncs))
		return -EINVAL;
	ret = dsb_vm_supported(dev);
	if (ret)
		return ret;
	ret = dsb_ioctl(dev->fd, DRM_IOCTL_DSB_VM_BIND, &b);
	if (ret && bad_op)
		*bad_op = b.bad_op;
	return ret;
}
