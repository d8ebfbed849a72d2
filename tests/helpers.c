// SPDX-License-Identifier: MIT
/* Copyright (C) 2026 The dsb authors */
/*
 * Shared helpers of the dsb tests, see helpers.h.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <xf86drm.h>

#include "helpers.h"

#define DSB_TEST_MAX_NODES	64

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/*
 * Render-node minors in /dev/dri, ascending, so that device indices follow
 * the order in which the driver registered its devices.
 */
static int render_minors(int *minors, int max)
{
	struct dirent *de;
	DIR *dir;
	int n = 0;

	dir = opendir("/dev/dri");
	if (!dir)
		return 0;
	while ((de = readdir(dir)) && n < max) {
		int minor;

		if (sscanf(de->d_name, "renderD%d", &minor) == 1)
			minors[n++] = minor;
	}
	closedir(dir);
	qsort(minors, n, sizeof(*minors), cmp_int);
	return n;
}

static int is_dsb(int fd)
{
	drmVersionPtr v = drmGetVersion(fd);
	int ret;

	if (!v)
		return 0;
	ret = v->name && strcmp(v->name, "dsb") == 0;
	drmFreeVersion(v);
	return ret;
}

int dsb_test_open(int index)
{
	int minors[DSB_TEST_MAX_NODES];
	int n = render_minors(minors, DSB_TEST_MAX_NODES);
	int found = 0;

	for (int i = 0; i < n; i++) {
		char path[64];
		int fd;

		snprintf(path, sizeof(path), "/dev/dri/renderD%d", minors[i]);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (is_dsb(fd) && found++ == index)
			return fd;
		close(fd);
	}
	return -ENODEV;
}

int dsb_test_count_devices(void)
{
	int minors[DSB_TEST_MAX_NODES];
	int n = render_minors(minors, DSB_TEST_MAX_NODES);
	int count = 0;

	for (int i = 0; i < n; i++) {
		char path[64];
		int fd;

		snprintf(path, sizeof(path), "/dev/dri/renderD%d", minors[i]);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		count += is_dsb(fd);
		close(fd);
	}
	return count;
}

int dsb_test_open_index_or_skip(int index)
{
	int fd = dsb_test_open(index);

	if (fd < 0) {
		fprintf(stderr,
			"SKIP: no dsb device #%d (%s): load dsb.ko (scripts/vm.sh loads it with num_devices=2)\n",
			index, strerror(-fd));
		exit(DSB_TEST_SKIP);
	}
	return fd;
}

int dsb_test_open_or_skip(void)
{
	return dsb_test_open_index_or_skip(0);
}

int dsb_test_ioctl(int fd, unsigned long request, void *arg)
{
	return drmIoctl(fd, request, arg) ? -errno : 0;
}

int dsb_test_get_param(int fd, uint32_t param, uint64_t *value)
{
	struct drm_dsb_get_param gp = { .param = param };
	int ret = dsb_test_ioctl(fd, DRM_IOCTL_DSB_GET_PARAM, &gp);

	if (!ret && value)
		*value = gp.value;
	return ret;
}

size_t dsb_test_page_align(uint64_t size)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);

	return (size_t)((size + page - 1) & ~(page - 1));
}

void *dsb_test_mmap(int fd, uint64_t offset, uint64_t size, int prot)
{
	void *p = mmap(NULL, dsb_test_page_align(size), prot, MAP_SHARED, fd,
		       (off_t)offset);

	return p == MAP_FAILED ? NULL : p;
}

int dsb_test_gem_close(int fd, uint32_t handle)
{
	struct drm_gem_close gc = { .handle = handle };

	return dsb_test_ioctl(fd, DRM_IOCTL_GEM_CLOSE, &gc);
}

int dsb_test_bo_create(int fd, uint64_t size, struct dsb_test_bo *bo)
{
	struct drm_dsb_bo_create c = { .size = size };
	int ret;

	memset(bo, 0, sizeof(*bo));
	ret = dsb_test_ioctl(fd, DRM_IOCTL_DSB_BO_CREATE, &c);
	if (ret)
		return ret;
	bo->handle = c.handle;
	bo->size = c.size;
	bo->va = c.va;
	bo->mmap_offset = c.mmap_offset;
	bo->map = dsb_test_mmap(fd, c.mmap_offset, c.size,
				PROT_READ | PROT_WRITE);
	if (!bo->map) {
		ret = -errno;
		dsb_test_gem_close(fd, c.handle);
		memset(bo, 0, sizeof(*bo));
		return ret;
	}
	return 0;
}

int dsb_test_bo_destroy(int fd, struct dsb_test_bo *bo)
{
	if (bo->map)
		munmap(bo->map, dsb_test_page_align(bo->size));
	bo->map = NULL;
	return dsb_test_gem_close(fd, bo->handle);
}

static void queue_unmap(struct dsb_test_queue *q)
{
	if (q->ring)
		munmap(q->ring, q->ring_size);
	if (q->ctrl)
		munmap(q->ctrl, q->ctrl_size);
	if (q->fences)
		munmap((void *)q->fences, q->fences_size);
	if (q->sq_cq)
		munmap(q->sq_cq, q->sq_cq_size);
	q->ring = NULL;
	q->ctrl = NULL;
	q->fences = NULL;
	q->sq_cq = NULL;
}

int dsb_test_queue_create(int fd, const struct drm_dsb_queue_create *args,
			  struct dsb_test_queue *q)
{
	struct drm_dsb_queue_create c = { 0 };
	struct drm_dsb_queue_destroy d = { 0 };
	int ring_prot = PROT_READ | PROT_WRITE;
	int ret;

	memset(q, 0, sizeof(*q));
	if (args)
		c = *args;
	if (!c.ring_packets)
		c.ring_packets = 256;
	if (!c.fence_slots)
		c.fence_slots = 64;
	ret = dsb_test_ioctl(fd, DRM_IOCTL_DSB_QUEUE_CREATE, &c);
	if (ret)
		return ret;
	q->id = c.queue_id;
	q->create = c;

	if (c.flags & DRM_DSB_QUEUE_RING_READONLY)
		ring_prot = PROT_READ;
	q->ring_size = dsb_test_page_align((uint64_t)c.ring_packets * DRM_DSB_PACKET_SIZE);
	q->ctrl_size = dsb_test_page_align(sizeof(struct drm_dsb_queue_ctrl));
	q->fences_size = dsb_test_page_align(sizeof(struct drm_dsb_fence_mem_header) +
					     (uint64_t)c.fence_slots *
					     sizeof(struct drm_dsb_fence_slot));
	q->sq_cq_size = dsb_test_page_align(c.sq_cq_size);

	q->ring = dsb_test_mmap(fd, c.ring_offset, q->ring_size, ring_prot);
	q->ctrl = dsb_test_mmap(fd, c.ctrl_offset, q->ctrl_size,
				PROT_READ | PROT_WRITE);
	q->fences = dsb_test_mmap(fd, c.fences_offset, q->fences_size, PROT_READ);
	q->sq_cq = dsb_test_mmap(fd, c.sq_cq_offset, q->sq_cq_size,
				 PROT_READ | PROT_WRITE);
	if (!q->ring || !q->ctrl || !q->fences || !q->sq_cq) {
		ret = -errno;
		queue_unmap(q);
		d.queue_id = c.queue_id;
		dsb_test_ioctl(fd, DRM_IOCTL_DSB_QUEUE_DESTROY, &d);
		memset(q, 0, sizeof(*q));
		return ret ? ret : -ENOMEM;
	}
	return 0;
}

int dsb_test_queue_destroy(int fd, struct dsb_test_queue *q)
{
	struct drm_dsb_queue_destroy d = { .queue_id = q->id };

	queue_unmap(q);
	return dsb_test_ioctl(fd, DRM_IOCTL_DSB_QUEUE_DESTROY, &d);
}

const volatile struct drm_dsb_fence_slot *
dsb_test_fence_slot(const struct dsb_test_queue *q, uint32_t i)
{
	const char *base = (const char *)q->fences;

	return (const volatile struct drm_dsb_fence_slot *)
		(base + sizeof(struct drm_dsb_fence_mem_header) +
		 (size_t)i * sizeof(struct drm_dsb_fence_slot));
}

void dsb_test_cmd_init(struct dsb_test_cmdbuf *cb, void *mem, size_t bytes)
{
	cb->instr = mem;
	cb->count = 0;
	cb->max = (uint32_t)(bytes / sizeof(struct drm_dsb_instr));
}

int dsb_test_cmd_emit(struct dsb_test_cmdbuf *cb, uint32_t op, uint32_t flags,
		      uint64_t a, uint64_t b, uint64_t c)
{
	struct drm_dsb_instr *in;

	if (cb->count >= cb->max)
		return -ENOSPC;
	in = &cb->instr[cb->count++];
	in->op = op;
	in->flags = flags;
	in->a = a;
	in->b = b;
	in->c = c;
	return 0;
}

uint32_t dsb_test_cmd_len(const struct dsb_test_cmdbuf *cb)
{
	return cb->count * (uint32_t)sizeof(struct drm_dsb_instr);
}

int dsb_test_submit(int fd, uint32_t queue_id, uint32_t slot, uint64_t cmd_va,
		    uint32_t cmd_len, const struct drm_dsb_sync_op *syncs,
		    uint32_t nsyncs, uint64_t *seqno)
{
	struct drm_dsb_job job = {
		.queue_id = queue_id,
		.slot = slot,
		.cmd_va = cmd_va,
		.cmd_len = cmd_len,
		.syncs = {
			.stride = sizeof(struct drm_dsb_sync_op),
			.count = nsyncs,
			.array = (uintptr_t)syncs,
		},
	};
	struct drm_dsb_submit s = {
		.jobs = {
			.stride = sizeof(job),
			.count = 1,
			.array = (uintptr_t)&job,
		},
	};
	int ret = dsb_test_ioctl(fd, DRM_IOCTL_DSB_SUBMIT, &s);

	if (!ret && seqno)
		*seqno = job.seqno;
	return ret;
}

int dsb_test_wait(int fd, uint32_t queue_id, uint64_t seqno,
		  int64_t timeout_ns, int32_t *error)
{
	struct drm_dsb_wait w = {
		.queue_id = queue_id,
		.flags = DRM_DSB_WAIT_RELATIVE,
		.seqno = seqno,
		.timeout_ns = timeout_ns,
	};
	int ret = dsb_test_ioctl(fd, DRM_IOCTL_DSB_WAIT, &w);

	if (!ret && error)
		*error = w.error;
	return ret;
}

int dsb_test_queue_status(int fd, uint32_t queue_id,
			  struct drm_dsb_queue_status *st)
{
	memset(st, 0, sizeof(*st));
	st->queue_id = queue_id;
	return dsb_test_ioctl(fd, DRM_IOCTL_DSB_QUEUE_STATUS, st);
}

int dsb_fault_injection_on(void)
{
	const char *v = getenv("DSB_FAULT_INJECTION");

	return v && strcmp(v, "0") != 0 && *v;
}

/*
 * The make-it-fail file of the calling thread, opened once while nothing
 * fails: opening it with failures armed could itself fail, and leave them
 * armed for the rest of the test.
 */
static __thread int fi_fd = -1;

static void make_it_fail(const char *value)
{
	if (fi_fd < 0)
		fi_fd = open("/proc/thread-self/make-it-fail", O_WRONLY | O_CLOEXEC);
	if (fi_fd < 0)
		return;
	/* Retried: the write itself may meet an injected failure. */
	for (int i = 0; i < 100; i++)
		if (pwrite(fi_fd, value, 1, 0) == 1)
			return;
	fprintf(stderr, "dsb_fi: cannot write make-it-fail\n");
}

void dsb_fi_begin(void)
{
	if (dsb_fault_injection_on())
		make_it_fail("1");
}

void dsb_fi_end(void)
{
	if (dsb_fault_injection_on())
		make_it_fail("0");
}

int dsb_test_ok_or_enomem(int ret)
{
	return ret == 0 || (ret == -ENOMEM && dsb_fault_injection_on());
}

int dsb_test_debug_kernel(void)
{
	const char *v = getenv("DSB_DEBUG_KERNEL");

	return v && strcmp(v, "1") == 0;
}

int64_t dsb_test_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* --- debugfs and sync_file (appended by the VM-suite author) ------------- */

#include <limits.h>
#include <sys/ioctl.h>
#include <linux/sync_file.h>

int dsb_test_debugfs_dir(int dev_index, char *dir, size_t len)
{
	DIR *d = opendir("/sys/kernel/debug/dri");
	struct dirent *de;
	int ret = -ENOENT;

	if (!d)
		return -ENOENT;
	while (ret == -ENOENT && (de = readdir(d))) {
		char path[300], line[64];
		unsigned int idx;
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/debug/dri/%s/dsb_device", de->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		if (fgets(line, sizeof(line), f) && sscanf(line, "device %u:", &idx) == 1 &&
		    (int)idx == dev_index) {
			snprintf(dir, len, "/sys/kernel/debug/dri/%s", de->d_name);
			ret = 0;
		}
		fclose(f);
	}
	closedir(d);
	return ret;
}

int dsb_test_debugfs_counter(int dev_index, const char *name, long long *value)
{
	char dir[300], path[400], line[256];
	size_t n = strlen(name);
	int ret = -ENOENT;
	FILE *f;

	if (dsb_test_debugfs_dir(dev_index, dir, sizeof(dir)))
		return -ENOENT;
	snprintf(path, sizeof(path), "%s/dsb_device", dir);
	f = fopen(path, "re");
	if (!f)
		return -ENOENT;
	while (ret == -ENOENT && fgets(line, sizeof(line), f)) {
		long long v;

		if (strncmp(line, name, n) == 0 && line[n] == ' ' &&
		    sscanf(line + n, "%lld", &v) == 1) {
			*value = v;
			ret = 0;
		}
	}
	fclose(f);
	return ret;
}

int dsb_test_debugfs_settled(const char *const *names, size_t n, long long *v)
{
	int64_t end = dsb_test_now_ns() + 10000000000ll;
	long long prev[64];
	int ret;

	if (n > sizeof(prev) / sizeof(prev[0]))
		return -E2BIG;
	for (int first = 1;; first = 0) {
		for (size_t i = 0; i < n; i++) {
			ret = dsb_test_debugfs_counter(0, names[i], &v[i]);
			if (ret)
				return ret;
		}
		if ((!first && !memcmp(prev, v, n * sizeof(*v))) || dsb_test_now_ns() > end)
			return 0;
		memcpy(prev, v, n * sizeof(*v));
		usleep(100 * 1000);
	}
}

int dsb_test_sync_file_status(int sync_fd, int *ioctl_err)
{
	struct sync_file_info info;

	memset(&info, 0, sizeof(info));
	if (ioctl(sync_fd, SYNC_IOC_FILE_INFO, &info)) {
		if (ioctl_err)
			*ioctl_err = -errno;
		return INT_MIN;
	}
	if (ioctl_err)
		*ioctl_err = 0;
	return info.status;
}

/* --- module and io_uring ------------------------------------------------- */

#include <liburing.h>

int dsb_test_module_refcnt(void)
{
	FILE *f = fopen("/sys/module/dsb/refcnt", "r");
	int n = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%d", &n) != 1)
		n = -1;
	fclose(f);
	return n;
}

int dsb_test_uring_prep(struct io_uring *ring, int fd, uint32_t op, uint32_t id,
			uint32_t arg, uint64_t value)
{
	struct drm_dsb_uring_cmd c = { .id = id, .arg = arg, .value = value };
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

	if (!sqe)
		return -1;
	io_uring_prep_rw(IORING_OP_URING_CMD, sqe, fd, NULL, 0, 0);
	sqe->cmd_op = op;
	/* The payload sits in the SQE's command area. */
	memcpy(&sqe->addr3, &c, sizeof(c));
	return 0;
}

int dsb_test_uring_cmd(struct io_uring *ring, int fd, uint32_t op, uint32_t id,
		       uint32_t arg, uint64_t value)
{
	struct io_uring_cqe *cqe;
	int res;

	if (dsb_test_uring_prep(ring, fd, op, id, arg, value) ||
	    io_uring_submit(ring) != 1 || io_uring_wait_cqe(ring, &cqe))
		return INT_MIN;
	res = cqe->res;
	io_uring_cqe_seen(ring, cqe);
	return res;
}
