// SPDX-License-Identifier: MIT
/* Copyright (C) 2026 The dsb authors */
/*
 * Device discovery, buffer objects, queue setup and teardown: everything
 * that opens, maps or unmaps. The fast paths live in dsb.h and queue.c.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <xf86drm.h>

#include "backend.h"
#include "dsb_private.h"

#define DSB_DRIVER_NAME		"dsb"
#define DSB_MAX_NODES		64

/* Is @fd a dsb device? 1 yes, 0 no. */
static int dsb_fd_is_dsb(int fd)
{
	drmVersionPtr v = drmGetVersion(fd);
	int ret;

	if (!v)
		return 0;
	ret = v->name && strcmp(v->name, DSB_DRIVER_NAME) == 0;
	drmFreeVersion(v);
	return ret;
}

static int dsb_node_minor(const char *path)
{
	const char *p = strrchr(path, 'D');

	return p ? atoi(p + 1) : 0;
}

static int dsb_cmp_path(const void *a, const void *b)
{
	return dsb_node_minor(a) - dsb_node_minor(b);
}

/*
 * Collect the render nodes of every dsb device, in render-minor order.
 * Uses drmGetDevices2() and always scans /dev/dri/renderD128..191 too
 * (libdrm may not classify a virtual device's bus); each node counts once.
 */
static int dsb_find_nodes(char paths[][64], int max)
{
	drmDevicePtr devs[DSB_MAX_NODES];
	int n, i, found = 0;

	n = drmGetDevices2(0, devs, DSB_MAX_NODES);
	for (i = 0; i < n; i++) {
		const char *node;
		int fd;

		if (!(devs[i]->available_nodes & (1 << DRM_NODE_RENDER)))
			continue;
		node = devs[i]->nodes[DRM_NODE_RENDER];
		fd = open(node, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (dsb_fd_is_dsb(fd) && found < max)
			snprintf(paths[found++], 64, "%s", node);
		close(fd);
	}
	if (n > 0)
		drmFreeDevices(devs, n);

	/*
	 * libdrm may list only some of several dsb devices (they are platform
	 * devices without a bus address of their own), so the render nodes
	 * are always scanned too; each node counts once.
	 */
	for (i = 128; i < 192 && found < max; i++) {
		char node[64];
		int fd, k;

		snprintf(node, sizeof(node), "%s/renderD%d", DRM_DIR_NAME, i);
		for (k = 0; k < found && strcmp(paths[k], node); k++)
			;
		if (k < found)
			continue;
		fd = open(node, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (dsb_fd_is_dsb(fd))
			snprintf(paths[found++], 64, "%s", node);
		close(fd);
	}
	qsort(paths, (size_t)found, 64, dsb_cmp_path);
	return found;
}

/**
 * dsb_device_count() - number of dsb render nodes on the system
 */
int dsb_device_count(void)
{
	char paths[DSB_MAX_NODES][64];

	return dsb_find_nodes(paths, DSB_MAX_NODES);
}

static int dsb_device_setup(struct dsb_device *dev)
{
	uint64_t v;
	int ret;

	ret = dsb_get_param(dev, DRM_DSB_PARAM_UAPI_VERSION, &v);
	if (ret)
		return ret;
	dev->uapi_version = (uint32_t)v;
	if (dsb_get_param(dev, DRM_DSB_PARAM_DEVICE_INDEX, &v) == 0 &&
	    dev->index < 0)
		dev->index = (int)v;
	return 0;
}

/**
 * dsb_device_open() - open the @index-th dsb render node
 */
int dsb_device_open(struct dsb_device *dev, int index)
{
	char paths[DSB_MAX_NODES][64];
	int n, fd, ret;

	memset(dev, 0, sizeof(*dev));
	dev->fd = -1;
	if (index < 0)
		return -EINVAL;
	n = dsb_find_nodes(paths, DSB_MAX_NODES);
	if (index >= n)
		return -ENODEV;
	fd = open(paths[index], O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	dev->fd = fd;
	dev->index = index;
	snprintf(dev->path, sizeof(dev->path), "%s", paths[index]);
	ret = dsb_device_setup(dev);
	if (ret) {
		close(fd);
		dev->fd = -1;
	}
	return ret;
}

/**
 * dsb_device_from_fd() - wrap an already open dsb fd (not closed later)
 */
int dsb_device_from_fd(struct dsb_device *dev, int fd)
{
	memset(dev, 0, sizeof(*dev));
	dev->fd = -1;
	if (fd < 0)
		return -EBADF;
	if (!dsb_fd_is_dsb(fd))
		return -ENODEV;
	dev->fd = fd;
	dev->index = -1;
	dev->flags = DSB_DEVICE_F_BORROWED_FD;
	return dsb_device_setup(dev);
}

void dsb_device_close(struct dsb_device *dev)
{
	if (dev->fd >= 0 && !(dev->flags & DSB_DEVICE_F_BORROWED_FD))
		close(dev->fd);
	dev->fd = -1;
}

int dsb_get_param(struct dsb_device *dev, uint32_t param, uint64_t *value)
{
	struct drm_dsb_get_param gp = { .param = param };
	int ret;

	ret = dsb_ioctl(dev->fd, DRM_IOCTL_DSB_GET_PARAM, &gp);
	if (!ret)
		*value = gp.value;
	return ret;
}

/* ------------------------------------------------------------------ */

static int dsb_bo_map(struct dsb_device *dev, struct dsb_bo *bo)
{
	void *p = mmap(NULL, bo->size, PROT_READ | PROT_WRITE, MAP_SHARED,
		       dev->fd, (off_t)bo->mmap_offset);

	if (p == MAP_FAILED)
		return -errno;
	bo->map = p;
	return 0;
}

static void dsb_gem_close(struct dsb_device *dev, uint32_t handle)
{
	struct drm_gem_close gc = { .handle = handle };

	dsb_ioctl(dev->fd, DRM_IOCTL_GEM_CLOSE, &gc);
}

int dsb_bo_create(struct dsb_device *dev, uint64_t size, struct dsb_bo *bo)
{
	return dsb_bo_create_flags(dev, size, 0, bo);
}

/**
 * dsb_bo_create_flags() - dsb_bo_create() with DSB_BO_* flags
 */
int dsb_bo_create_flags(struct dsb_device *dev, uint64_t size, uint32_t flags,
			struct dsb_bo *bo)
{
	struct drm_dsb_bo_create c = { .size = size, .flags = flags };
	int ret;

	memset(bo, 0, sizeof(*bo));
	ret = dsb_ioctl(dev->fd, DRM_IOCTL_DSB_BO_CREATE, &c);
	if (ret)
		return ret;
	bo->handle = c.handle;
	bo->size = c.size;
	bo->va = c.va;
	bo->mmap_offset = c.mmap_offset;
	ret = dsb_bo_map(dev, bo);
	if (ret) {
		dsb_gem_close(dev, c.handle);
		memset(bo, 0, sizeof(*bo));
	}
	return ret;
}

int dsb_bo_destroy(struct dsb_device *dev, struct dsb_bo *bo)
{
	struct drm_gem_close gc = { .handle = bo->handle };
	int ret;

	if (bo->map)
		munmap(bo->map, bo->size);
	bo->map = NULL;
	ret = dsb_ioctl(dev->fd, DRM_IOCTL_GEM_CLOSE, &gc);
	bo->handle = 0;
	return ret;
}

int dsb_bo_export_fd(struct dsb_device *dev, const struct dsb_bo *bo, int *fd)
{
	struct drm_prime_handle p = {
		.handle = bo->handle,
		.flags = DRM_CLOEXEC | DRM_RDWR,
		.fd = -1,
	};
	int ret;

	ret = dsb_ioctl(dev->fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &p);
	if (!ret)
		*fd = p.fd;
	return ret;
}

int dsb_bo_import_fd(struct dsb_device *dev, int fd, struct dsb_bo *bo)
{
	struct drm_prime_handle p = { .fd = fd };
	struct drm_dsb_bo_info info = { 0 };
	int ret;

	memset(bo, 0, sizeof(*bo));
	ret = dsb_ioctl(dev->fd, DRM_IOCTL_PRIME_FD_TO_HANDLE, &p);
	if (ret)
		return ret;
	info.handle = p.handle;
	ret = dsb_ioctl(dev->fd, DRM_IOCTL_DSB_BO_INFO, &info);
	if (ret)
		goto err_close;
	bo->handle = p.handle;
	bo->size = info.size;
	bo->va = info.va;
	bo->mmap_offset = info.mmap_offset;
	ret = dsb_bo_map(dev, bo);
	if (ret)
		goto err_close;
	return 0;

err_close:
	dsb_gem_close(dev, p.handle);
	memset(bo, 0, sizeof(*bo));
	return ret;
}

/**
 * dsb_bo_madvise() - DRM_IOCTL_DSB_BO_MADVISE: may the kernel discard a
 * buffer's contents (DSB_MADV_DONTNEED) or not (DSB_MADV_WILLNEED)
 */
int dsb_bo_madvise(struct dsb_device *dev, const struct dsb_bo *bo, uint32_t madv,
		   int *retained)
{
	struct drm_dsb_bo_madvise m = { .madv = madv };
	int ret;

	if (!dev || !bo)
		return -EINVAL;
	m.handle = bo->handle;
	ret = dsb_ioctl(dev->fd, DRM_IOCTL_DSB_BO_MADVISE, &m);
	if (!ret && retained)
		*retained = !!m.retained;
	return ret;
}

/**
 * dsb_bo_list_create() - DRM_IOCTL_DSB_BO_LIST_CREATE: a buffer list for SQEs
 */
int dsb_bo_list_create(struct dsb_device *dev,
		       const struct drm_dsb_bo_ref *bos, unsigned int count,
		       uint32_t *list_id)
{
	struct drm_dsb_bo_list_create c = {
		.bos = {
			.stride = sizeof(*bos),
			.count = count,
			.array = (uint64_t)(uintptr_t)bos,
		},
	};
	int ret;

	if (!list_id || !bos || !count || count > DRM_DSB_MAX_JOB_BOS)
		return -EINVAL;
	*list_id = 0;
	ret = dsb_ioctl(dev->fd, DRM_IOCTL_DSB_BO_LIST_CREATE, &c);
	if (!ret)
		*list_id = c.list_id;
	return ret;
}

/**
 * dsb_bo_list_destroy() - DRM_IOCTL_DSB_BO_LIST_DESTROY
 */
int dsb_bo_list_destroy(struct dsb_device *dev, uint32_t list_id)
{
	struct drm_dsb_bo_list_destroy d = { .list_id = list_id };

	if (!list_id)
		return -EINVAL;
	return dsb_ioctl(dev->fd, DRM_IOCTL_DSB_BO_LIST_DESTROY, &d);
}

/* ------------------------------------------------------------------ */

static size_t dsb_page_round(size_t n)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);

	return (n + pg - 1) & ~(pg - 1);
}

static void *dsb_map_region(int fd, uint64_t offset, size_t size, int prot)
{
	void *p = mmap(NULL, size, prot, MAP_SHARED, fd, (off_t)offset);

	return p == MAP_FAILED ? NULL : p;
}

static void dsb_queue_unmap(struct dsb_queue *q)
{
	if (q->ring_map)
		munmap(q->ring_map, q->ring_map_size);
	if (q->ctrl_map)
		munmap(q->ctrl_map, q->ctrl_map_size);
	if (q->fences_map)
		munmap(q->fences_map, q->fences_map_size);
	if (q->sq_cq_map)
		munmap(q->sq_cq_map, q->sq_cq_map_size);
	q->ring_map = q->ctrl_map = q->fences_map = q->sq_cq_map = NULL;
}

static void dsb_slots_fini(struct dsb_queue *q)
{
	free(q->slot_bitmap);
	free(q->sqe_slots);
	q->slot_bitmap = NULL;
	q->sqe_slots = NULL;
}

/* The fence-slot allocator of dsb.h: every slot free. */
static int dsb_slots_init(struct dsb_queue *q, uint32_t nr_slots)
{
	uint32_t i;

	q->nr_slots = nr_slots;
	q->slot_words = (nr_slots + 63) / 64;
	q->slot_bitmap = calloc(q->slot_words, sizeof(uint64_t));
	q->sqe_slots = calloc(q->sq.ring_entries, sizeof(uint32_t));
	if (!q->slot_bitmap || !q->sqe_slots) {
		dsb_slots_fini(q);
		return -ENOMEM;
	}
	for (i = 0; i < nr_slots; i++)
		q->slot_bitmap[i / 64] |= 1ull << (i % 64);
	q->slots_free = nr_slots;
	q->slot_hint = 0;
	return 0;
}

/*
 * Point the SQ/CQ views at a region laid out as struct drm_dsb_sq_cq_header,
 * checking the header against the region so that a scribbled header
 * cannot send the library outside it.
 */
static int dsb_queue_attach(struct dsb_queue *q, void *sq_cq, size_t size,
			    const void *fences, uint32_t fence_slots)
{
	struct drm_dsb_sq_cq_header *h = sq_cq;
	uint32_t se, ce, so, co;

	if (size < sizeof(*h))
		return -EINVAL;
	se = h->sq_entries;
	ce = h->cq_entries;
	so = h->sqes_offset;
	co = h->cqes_offset;
	if (!se || (se & (se - 1)) || !ce || (ce & (ce - 1)))
		return -EINVAL;
	if (so < sizeof(*h) || so % 8 || co < sizeof(*h) || co % 8)
		return -EINVAL;
	if ((uint64_t)so + (uint64_t)se * sizeof(struct drm_dsb_sqe) > size ||
	    (uint64_t)co + (uint64_t)ce * sizeof(struct drm_dsb_cqe) > size)
		return -EINVAL;
	if (!fence_slots || fence_slots > se || ce < fence_slots)
		return -EINVAL;

	q->sq.khead = &h->sq_head;
	q->sq.ktail = &h->sq_tail;
	q->sq.ring_entries = se;
	q->sq.ring_mask = se - 1;
	q->sq.sqes = (struct drm_dsb_sqe *)((char *)sq_cq + so);
	/* We are the only writer of sq_tail (release in dsb_sq_flush());
	 * start from what is there. */
	q->sq.sqe_head = q->sq.sqe_tail = *q->sq.ktail;

	q->cq.khead = &h->cq_head;
	q->cq.ktail = &h->cq_tail;
	q->cq.ring_entries = ce;
	q->cq.ring_mask = ce - 1;
	q->cq.cqes = (struct drm_dsb_cqe *)((char *)sq_cq + co);

	q->fence_hdr = fences;
	q->fence_slots = (const struct drm_dsb_fence_slot *)
		((const char *)fences + sizeof(struct drm_dsb_fence_mem_header));
	return dsb_slots_init(q, fence_slots);
}

/**
 * dsb_queue_init_mem() - set up a queue on caller-provided memory
 *
 * No kernel is involved: @mem->backend consumes the SQ and blocks for
 * completions (a simulator or a unit test plays the kernel). Without a
 * backend dsb_submit() only publishes sq_tail and waits only poll.
 */
int dsb_queue_init_mem(struct dsb_queue *q, const struct dsb_queue_mem *mem,
		       uint32_t flags)
{
	int ret;

	memset(q, 0, sizeof(*q));
	q->fd = -1;
	if (!mem || !mem->sq_cq || !mem->fences || (flags & ~DSB_QUEUE_NO_SPIN))
		return -EINVAL;
	ret = dsb_queue_attach(q, mem->sq_cq, mem->sq_cq_size, mem->fences,
			       mem->fence_slots);
	if (ret)
		return ret;
	q->flags = flags;
	q->queue_id = mem->queue_id;
	q->spin_ns = 20000;
	q->spin_budget_ns = q->spin_ns;
	q->backend = mem->backend;
	return 0;
}

/* DRM_IOCTL_DSB_QUEUE_CREATE from the caller's parameters. */
static int dsb_queue_create(struct dsb_device *dev,
			    const struct dsb_queue_params *p,
			    struct drm_dsb_queue_create *c)
{
	if ((p->flags & ~(DSB_QUEUE_KERNEL_FLAGS | DSB_QUEUE_LIB_FLAGS)) ||
	    p->resv[0] || p->resv[1])
		return -EINVAL;
	c->flags = p->flags & ~DSB_QUEUE_LIB_FLAGS;
	c->priority = p->priority;
	c->ring_packets = p->ring_packets;
	c->fence_slots = p->fence_slots;
	c->timeout_ms = p->timeout_ms;
	return dsb_ioctl(dev->fd, DRM_IOCTL_DSB_QUEUE_CREATE, c);
}

/* Map the regions of the queue QUEUE_CREATE returned in @c. */
static int dsb_queue_map(struct dsb_queue *q,
			 const struct drm_dsb_queue_create *c)
{
	size_t fences_size;

	/*
	 * The library never writes the ring or the control page, so no
	 * barrier of ours pairs with the kernel's there: it orders them for
	 * itself (smp_wmb() before WRITE_ONCE(doorbell) in dsb_ring_commit(),
	 * READ_ONCE(doorbell) then smp_rmb() in dsb_ring_fetch()).
	 */
	q->ctrl_map_size = dsb_page_round(sizeof(struct drm_dsb_queue_ctrl));
	q->ctrl_map = dsb_map_region(q->fd, c->ctrl_offset, q->ctrl_map_size,
				     PROT_READ);
	fences_size = sizeof(struct drm_dsb_fence_mem_header) +
		(size_t)c->sq_entries * sizeof(struct drm_dsb_fence_slot);
	q->fences_map_size = dsb_page_round(fences_size);
	q->fences_map = dsb_map_region(q->fd, c->fences_offset,
				       q->fences_map_size, PROT_READ);
	q->sq_cq_map_size = (size_t)c->sq_cq_size;
	q->sq_cq_map = dsb_map_region(q->fd, c->sq_cq_offset,
				      q->sq_cq_map_size,
				      PROT_READ | PROT_WRITE);
	if (!q->ctrl_map || !q->fences_map || !q->sq_cq_map)
		return -ENOMEM;
	q->ctrl = q->ctrl_map;

	/* QUEUE_CREATE returns the ring size it used (ring_packets is in/out). */
	q->ring_packets = c->ring_packets;
	q->ring_map_size = dsb_page_round((size_t)q->ring_packets *
					  DRM_DSB_PACKET_SIZE);
	q->ring_map = dsb_map_region(q->fd, c->ring_offset, q->ring_map_size,
				     PROT_READ);
	q->ring = q->ring_map;	/* optional: for decoding only */
	return 0;
}

/* Submit and wait through ioctls, or through a private io_uring. */
static int dsb_queue_set_backend(struct dsb_queue *q, uint32_t flags)
{
	int ret;

	if (flags & DSB_QUEUE_IO_URING) {
		ret = dsb__uring_setup(q);
		if (ret)
			return ret;
		q->backend_store.submit = dsb__uring_submit;
		q->backend_store.wait = dsb__uring_wait;
	} else {
		q->backend_store.submit = dsb__ioctl_submit;
		q->backend_store.wait = dsb__ioctl_wait;
	}
	q->backend = &q->backend_store;
	return 0;
}

/**
 * dsb_queue_init() - create a queue and map its regions
 */
int dsb_queue_init(struct dsb_device *dev, struct dsb_queue *q,
		   const struct dsb_queue_params *params)
{
	struct dsb_queue_params p = { 0 };
	struct drm_dsb_queue_create c = { 0 };
	struct drm_dsb_queue_destroy d = { 0 };
	int ret;

	memset(q, 0, sizeof(*q));
	q->fd = -1;
	if (params)
		p = *params;
	ret = dsb_queue_create(dev, &p, &c);
	if (ret)
		return ret;

	q->fd = dev->fd;
	q->queue_id = c.queue_id;
	q->flags = p.flags;
	q->spin_ns = p.spin_ns ? p.spin_ns : 20000;
	q->spin_budget_ns = q->spin_ns;
	q->ring_va = c.ring_va;
	ret = dsb_queue_map(q, &c);
	if (ret)
		goto err_unmap;
	/* fence_slots == sq_entries by contract (drm_dsb_queue_create). */
	ret = dsb_queue_attach(q, q->sq_cq_map, q->sq_cq_map_size,
			       q->fences_map, c.sq_entries);
	if (ret)
		goto err_unmap;
	ret = dsb_queue_set_backend(q, p.flags);
	if (ret)
		goto err_slots;
	return 0;

err_slots:
	dsb_slots_fini(q);
err_unmap:
	dsb_queue_unmap(q);
	d.queue_id = c.queue_id;
	dsb_ioctl(dev->fd, DRM_IOCTL_DSB_QUEUE_DESTROY, &d);
	q->fd = -1;
	return ret;
}

/**
 * dsb_queue_exit() - destroy the queue (pending jobs are cancelled)
 */
void dsb_queue_exit(struct dsb_queue *q)
{
	if (q->uring)
		dsb__uring_teardown(q);
	dsb_queue_unmap(q);
	if (q->fd >= 0) {
		struct drm_dsb_queue_destroy d = { .queue_id = q->queue_id };

		dsb_ioctl(q->fd, DRM_IOCTL_DSB_QUEUE_DESTROY, &d);
	}
	dsb_slots_fini(q);
	memset(q, 0, sizeof(*q));
	q->fd = -1;
}
