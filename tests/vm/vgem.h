/* SPDX-License-Identifier: MIT */
/* Copyright (C) 2026 The dsb authors */
/*
 * vgem, the device without user queues, as the other side of implicit
 * synchronization: its fence ioctls (FENCE_ATTACH holds a buffer's
 * reservation object until FENCE_SIGNAL) and a vgem buffer imported into
 * the fixture's dsb device `fd`. `vfd` is the vgem fd (-1: no vgem), opened
 * by the program's own setup with open_vgem().
 */
#ifndef DSB_VM_VGEM_H
#define DSB_VM_VGEM_H

#include <fcntl.h>
#include <stdbool.h>
#include <sys/mman.h>

#include "vm_suite.h"

/* From include/uapi/drm/vgem_drm.h (not shipped by libdrm). */
#define DRM_VGEM_FENCE_ATTACH	0x1
#define DRM_VGEM_FENCE_SIGNAL	0x2
struct drm_vgem_fence_attach {
	uint32_t handle;
	uint32_t flags;
	uint32_t out_fence;
	uint32_t pad;
};
#define VGEM_FENCE_WRITE	0x1
struct drm_vgem_fence_signal {
	uint32_t fence;
	uint32_t flags;
};
#define DRM_IOCTL_VGEM_FENCE_ATTACH \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_VGEM_FENCE_ATTACH, struct drm_vgem_fence_attach)
#define DRM_IOCTL_VGEM_FENCE_SIGNAL \
	DRM_IOW(DRM_COMMAND_BASE + DRM_VGEM_FENCE_SIGNAL, struct drm_vgem_fence_signal)

/* Size of a vgem_shared() buffer. */
#define BUF_BYTES	4096u

static int vfd = -1;

static inline int open_vgem(void)
{
	for (int i = 0; i < 16; i++) {
		char path[64];
		drmVersionPtr v;
		int f, is;

		snprintf(path, sizeof(path), "/dev/dri/card%d", i);
		f = open(path, O_RDWR | O_CLOEXEC);
		if (f < 0)
			continue;
		v = drmGetVersion(f);
		is = v && v->name && !strcmp(v->name, "vgem");
		if (v)
			drmFreeVersion(v);
		if (is)
			return f;
		close(f);
	}
	return -1;
}

/* A vgem buffer imported into dsb: handles in both, its dma-buf fd. */
struct shared {
	uint32_t vhandle, handle;
	uint64_t va;
	int dmabuf;
	void *map;
};

static inline struct shared vgem_shared(void)
{
	struct drm_mode_create_dumb dumb = { .width = BUF_BYTES / 4, .height = 1, .bpp = 32 };
	struct drm_mode_map_dumb md = { 0 };
	struct drm_dsb_bo_info info = { 0 };
	struct shared s;

	ck_assert_int_eq(dsb_test_ioctl(vfd, DRM_IOCTL_MODE_CREATE_DUMB, &dumb), 0);
	s.vhandle = dumb.handle;
	ck_assert_int_eq(drmPrimeHandleToFD(vfd, s.vhandle, DRM_CLOEXEC | DRM_RDWR, &s.dmabuf), 0);
	ck_assert_int_eq(drmPrimeFDToHandle(fd, s.dmabuf, &s.handle), 0);
	info.handle = s.handle;
	ck_assert_int_eq(dsb_test_ioctl(fd, DRM_IOCTL_DSB_BO_INFO, &info), 0);
	s.va = info.va;
	md.handle = s.vhandle;
	ck_assert_int_eq(dsb_test_ioctl(vfd, DRM_IOCTL_MODE_MAP_DUMB, &md), 0);
	s.map = mmap(NULL, BUF_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, vfd, md.offset);
	ck_assert_ptr_ne(s.map, MAP_FAILED);
	return s;
}

static inline void shared_free(struct shared *s)
{
	munmap(s->map, BUF_BYTES);
	close(s->dmabuf);
	dsb_test_gem_close(fd, s->handle);
	dsb_test_gem_close(vfd, s->vhandle);
}

/* vgem takes the buffer (a write or read fence); returns the fence id. */
static inline uint32_t vgem_attach(uint32_t vhandle, bool write, int *ret)
{
	struct drm_vgem_fence_attach at = { .handle = vhandle,
					    .flags = write ? VGEM_FENCE_WRITE : 0 };

	*ret = dsb_test_ioctl(vfd, DRM_IOCTL_VGEM_FENCE_ATTACH, &at);
	return at.out_fence;
}

static inline void vgem_signal(uint32_t fence)
{
	struct drm_vgem_fence_signal sig = { .fence = fence };

	ck_assert_int_eq(dsb_test_ioctl(vfd, DRM_IOCTL_VGEM_FENCE_SIGNAL, &sig), 0);
}

#endif /* DSB_VM_VGEM_H */
