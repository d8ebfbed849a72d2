// SPDX-License-Identifier: MIT
/* Copyright (C) 2026 The dsb authors */
/*
 * implicit_vgem: vgem and dsb share a buffer, ordered by implicit
 * synchronization only (no syncobj, no sync_file, no CPU wait).
 *
 * vgem (a GEM driver whose "rendering" is a fence the CPU signals) makes a
 * buffer; dsb imports its dma-buf. vgem attaches a write fence: it is
 * rendering. A dsb job that copies the buffer, naming it READ in its buffer
 * list (dsb_bo_list_create, dsb_sqe_set_bo_list), is submitted through the
 * SQ and waits on the buffer's reservation object. The CPU writes vgem's
 * result and signals vgem's fence; the job runs, and its copy holds vgem's
 * data, not what was in the buffer when the job was submitted.
 */
#include <dsb.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <xf86drm.h>

/* From include/uapi/drm/vgem_drm.h (not shipped by libdrm). */
struct vgem_fence_attach {
	uint32_t handle, flags, out_fence, pad;
};
struct vgem_fence_signal {
	uint32_t fence, flags;
};
#define VGEM_FENCE_WRITE	0x1
#define VGEM_IOCTL_FENCE_ATTACH	DRM_IOWR(DRM_COMMAND_BASE + 0x1, struct vgem_fence_attach)
#define VGEM_IOCTL_FENCE_SIGNAL	DRM_IOW(DRM_COMMAND_BASE + 0x2, struct vgem_fence_signal)

#define SIZE	4096u
#define DIE(...) do { fprintf(stderr, "implicit_vgem: " __VA_ARGS__); \
		      fputc('\n', stderr); exit(1); } while (0)

static const char old_text[] = "stale data, before vgem rendered";
static const char new_text[] = "rendered by vgem, then copied by a dsb job";

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int open_vgem(void)
{
	for (int i = 0; i < 16; i++) {
		char path[32];
		drmVersionPtr v;
		int fd, is;

		snprintf(path, sizeof(path), "/dev/dri/card%d", i);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		v = drmGetVersion(fd);
		is = v && v->name && !strcmp(v->name, "vgem");
		drmFreeVersion(v);
		if (is)
			return fd;
		close(fd);
	}
	return -1;
}

/* A vgem buffer, mapped, exported as a dma-buf. */
static void *vgem_buffer(int vfd, uint32_t *handle, int *dmabuf)
{
	struct drm_mode_create_dumb c = { .width = SIZE / 4, .height = 1, .bpp = 32 };
	struct drm_mode_map_dumb m = { 0 };
	void *p;

	if (drmIoctl(vfd, DRM_IOCTL_MODE_CREATE_DUMB, &c))
		DIE("vgem buffer: %m");
	m.handle = c.handle;
	if (drmIoctl(vfd, DRM_IOCTL_MODE_MAP_DUMB, &m) ||
	    drmPrimeHandleToFD(vfd, c.handle, DRM_CLOEXEC | DRM_RDWR, dmabuf))
		DIE("vgem map/export: %m");
	p = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, vfd, (off_t)m.offset);
	if (p == MAP_FAILED)
		DIE("vgem mmap: %m");
	*handle = c.handle;
	return p;
}

int main(void)
{
	struct dsb_device dev;
	struct dsb_queue q;
	struct dsb_bo shared, dst, cmd;
	struct dsb_cmdbuf cb;
	struct drm_dsb_sqe *sqe;
	struct drm_dsb_cqe *cqe;
	struct vgem_fence_attach at = { .flags = VGEM_FENCE_WRITE };
	struct vgem_fence_signal sig = { 0 };
	uint32_t vhandle, list;
	char *vmap;
	int vfd, dmabuf, ret;
	double t0, t1;

	setvbuf(stdout, NULL, _IOLBF, 0);
	vfd = open_vgem();
	if (vfd < 0)
		DIE("no vgem device (modprobe vgem)");
	if ((ret = dsb_device_open(&dev, 0)) || (ret = dsb_queue_init(&dev, &q, NULL)))
		DIE("dsb: %s", strerror(-ret));
	if (dev.uapi_version < 7)
		DIE("dsb uAPI version %u: no implicit sync", dev.uapi_version);

	vmap = vgem_buffer(vfd, &vhandle, &dmabuf);
	memset(vmap, 0, SIZE);
	memcpy(vmap, old_text, sizeof(old_text));
	if ((ret = dsb_bo_import_fd(&dev, dmabuf, &shared)) ||
	    (ret = dsb_bo_create(&dev, SIZE, &dst)) || (ret = dsb_bo_create(&dev, SIZE, &cmd)))
		DIE("dsb buffers: %s", strerror(-ret));
	memset(dst.map, 0, SIZE);
	printf("vgem buffer %u shared with dsb as a dma-buf (dsb handle %u, GPU VA %#llx)\n",
	       vhandle, shared.handle, (unsigned long long)shared.va);

	/* 1. vgem starts "rendering": a write fence on the reservation object. */
	at.handle = vhandle;
	if (drmIoctl(vfd, VGEM_IOCTL_FENCE_ATTACH, &at))
		DIE("vgem fence attach: %m");
	printf("vgem: write fence %u attached, vgem is rendering into the buffer\n",
	       at.out_fence);

	/* 2. A dsb job reads it: the buffer list names it, nothing else. */
	{
		const struct drm_dsb_bo_ref bos[] = {
			{ shared.handle, DRM_DSB_BO_READ }, { dst.handle, DRM_DSB_BO_WRITE },
		};

		if ((ret = dsb_bo_list_create(&dev, bos, 2, &list)))
			DIE("buffer list: %s", strerror(-ret));
	}
	dsb_cmdbuf_init(&cb, cmd.map, SIZE, cmd.va);
	if (dsb_cmd_copy(&cb, dst.va, shared.va, SIZE))
		DIE("command buffer");
	sqe = dsb_get_sqe(&q);
	if (!sqe)
		DIE("no SQE");
	dsb_prep_exec(sqe, cb.va, dsb_cmdbuf_len(&cb));
	dsb_sqe_set_bo_list(sqe, list);
	if ((ret = dsb_submit(&q)) != 1)
		DIE("submit: %d", ret);
	t0 = now_ms();
	printf("dsb: job submitted through the SQ with buffer list %u "
	       "(vgem buffer READ, destination WRITE), no explicit sync\n", list);

	/* 3. It waits for vgem, on the GPU side: no CQE, nothing copied. */
	ret = dsb_wait_cqe_timeout(&q, &cqe, 200ll * 1000 * 1000);
	if (ret != -ETIME)
		DIE("the job did not wait for vgem's fence (%d)", ret);
	if (dsb_queue_completed(&q) != 0 || ((char *)dst.map)[0])
		DIE("the job ran before vgem signalled");
	printf("dsb: after 200 ms the job is still waiting (no CQE, queue completed 0, "
	       "destination empty)\n");

	/* 4. vgem finishes: its result, then its fence. */
	memset(vmap, 0, SIZE);
	memcpy(vmap, new_text, sizeof(new_text));
	sig.fence = at.out_fence;
	if (drmIoctl(vfd, VGEM_IOCTL_FENCE_SIGNAL, &sig))
		DIE("vgem fence signal: %m");
	printf("vgem: wrote \"%s\" and signalled fence %u\n", new_text, at.out_fence);

	/* 5. The job runs and copies vgem's data. */
	if ((ret = dsb_wait_cqe_timeout(&q, &cqe, 30ll * 1000 * 1000 * 1000)))
		DIE("wait: %s", strerror(-ret));
	t1 = now_ms();
	if (cqe->error)
		DIE("job error %d", cqe->error);
	printf("dsb: job seqno %llu completed %.0f ms after submission\n",
	       (unsigned long long)cqe->seqno, t1 - t0);
	dsb_cqe_seen(&q, cqe);
	if (memcmp(dst.map, new_text, sizeof(new_text)))
		DIE("the copy holds \"%.48s\", not vgem's data", (char *)dst.map);
	printf("dsb: its copy reads \"%s\": vgem's data, ordered by implicit sync only\n",
	       (char *)dst.map);

	dsb_bo_list_destroy(&dev, list);
	dsb_bo_destroy(&dev, &cmd);
	dsb_bo_destroy(&dev, &dst);
	dsb_bo_destroy(&dev, &shared);
	dsb_queue_exit(&q);
	dsb_device_close(&dev);
	munmap(vmap, SIZE);
	close(dmabuf);
	close(vfd);
	printf("implicit_vgem: OK\n");
	return 0;
}
