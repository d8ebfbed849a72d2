// SPDX-License-Identifier: MIT
/* Copyright (C) 2026 The dsb authors */
/*
 * mesa_style: a client written the way a Mesa driver talks to dsb, with
 * libdrm and the uAPI header only (no libdsb):
 *
 *   1. find the dsb render node (drmGetDevices2 + drmGetVersion);
 *   2. create and map a buffer object; write a command buffer into it;
 *   3. create a queue; submit job A with DRM_IOCTL_DSB_SUBMIT signalling a
 *      binary syncobj, and job B waiting on that syncobj and signalling a
 *      timeline point;
 *   4. wait with drmSyncobjWait / drmSyncobjTimelineWait, export a
 *      sync_file, and read the results back through the CPU mapping.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <xf86drm.h>

#include "dsb_drm.h"

#define CHECK(expr) do {						\
	int __r = (expr);						\
	if (__r) {							\
		fprintf(stderr, "%s:%d: %s failed: %s\n", __FILE__,	\
			__LINE__, #expr, strerror(errno));		\
		return 1;						\
	}								\
} while (0)

/* Open @path if it is a dsb render node: the fd, or -1. */
static int open_if_dsb(const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);
	drmVersionPtr v;

	if (fd < 0)
		return -1;
	v = drmGetVersion(fd);
	if (!v || strcmp(v->name, "dsb")) {
		close(fd);
		fd = -1;
	}
	drmFreeVersion(v);
	return fd;
}

static int open_dsb(void)
{
	drmDevicePtr devs[64];
	int n = drmGetDevices2(0, devs, 64), fd = -1, i;

	for (i = 0; i < n && fd < 0; i++) {
		if (!(devs[i]->available_nodes & (1 << DRM_NODE_RENDER)))
			continue;
		fd = open_if_dsb(devs[i]->nodes[DRM_NODE_RENDER]);
	}
	if (n > 0)
		drmFreeDevices(devs, n);
	for (i = 128; fd < 0 && i < 192; i++) {	/* libdrm without bus info */
		char path[64];

		snprintf(path, sizeof(path), "/dev/dri/renderD%d", i);
		fd = open_if_dsb(path);
	}
	return fd;
}

static int64_t deadline_ns(int64_t rel)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000ll + ts.tv_nsec + rel;
}

/* What the steps of main() share. */
struct client {
	int fd;
	struct drm_dsb_bo_create bo;
	struct drm_dsb_queue_create qc;
	struct drm_dsb_job jobs[2];
	uint64_t point;
	uint32_t binary, timeline;
	char *map;
};

/* One BO: data at offset 0, command buffers at 4096 and 8192. */
static int write_commands(struct client *c)
{
	struct drm_dsb_instr *cmd;
	uint64_t va;

	c->bo.size = 65536;
	CHECK(drmIoctl(c->fd, DRM_IOCTL_DSB_BO_CREATE, &c->bo));
	c->map = mmap(NULL, c->bo.size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      c->fd, (off_t)c->bo.mmap_offset);
	if (c->map == MAP_FAILED)
		return 1;
	memset(c->map, 0, c->bo.size);
	va = c->bo.va;

	/* Job A: data[0] = 0x1234, fill data[2..3] with a pattern. */
	cmd = (struct drm_dsb_instr *)(c->map + 4096);
	cmd[0] = (struct drm_dsb_instr){ .op = DRM_DSB_OP_WRITE, .a = va,
				     .b = 0x1234 };
	cmd[1] = (struct drm_dsb_instr){ .op = DRM_DSB_OP_FILL, .a = va + 16,
				     .b = 0xabababab, .c = 16 };
	/* Job B (runs after A through the syncobj): copy data[0] to
	 * data[1] and add 1 to it. */
	cmd = (struct drm_dsb_instr *)(c->map + 8192);
	cmd[0] = (struct drm_dsb_instr){ .op = DRM_DSB_OP_COPY, .a = va + 8,
				     .b = va, .c = 8 };
	cmd[1] = (struct drm_dsb_instr){ .op = DRM_DSB_OP_ATOMIC_ADD, .a = va + 8,
				     .b = 1 };
	return 0;
}

/* Job A signals the binary syncobj; job B waits on it, signals a point. */
static int submit_jobs(struct client *c)
{
	struct drm_dsb_sync_op syncs_a[1], syncs_b[2];
	struct drm_dsb_submit submit = { 0 };

	CHECK(drmIoctl(c->fd, DRM_IOCTL_DSB_QUEUE_CREATE, &c->qc));
	CHECK(drmSyncobjCreate(c->fd, 0, &c->binary));
	CHECK(drmSyncobjCreate(c->fd, 0, &c->timeline));

	syncs_a[0] = (struct drm_dsb_sync_op){
		.flags = DRM_DSB_SYNC_OP_SIGNAL | DRM_DSB_SYNC_OP_SYNCOBJ,
		.handle = c->binary,
	};
	c->jobs[0] = (struct drm_dsb_job){
		.queue_id = c->qc.queue_id, .slot = 0,
		.cmd_va = c->bo.va + 4096, .cmd_len = 2 * DRM_DSB_INSTR_SIZE,
		.syncs = { sizeof(syncs_a[0]), 1, (uintptr_t)syncs_a },
		.user_data = 1,
	};
	CHECK(drmIoctl(c->fd, DRM_IOCTL_DSB_SUBMIT, &(struct drm_dsb_submit){
		.jobs = { sizeof(c->jobs[0]), 1, (uintptr_t)c->jobs } }));

	/* Waits resolve at ioctl entry, so B goes in a second submit. */
	syncs_b[0] = (struct drm_dsb_sync_op){
		.flags = DRM_DSB_SYNC_OP_WAIT | DRM_DSB_SYNC_OP_SYNCOBJ,
		.handle = c->binary,
	};
	syncs_b[1] = (struct drm_dsb_sync_op){
		.flags = DRM_DSB_SYNC_OP_SIGNAL | DRM_DSB_SYNC_OP_TIMELINE,
		.handle = c->timeline, .point = c->point,
	};
	c->jobs[1] = (struct drm_dsb_job){
		.queue_id = c->qc.queue_id, .slot = 1,
		.cmd_va = c->bo.va + 8192, .cmd_len = 2 * DRM_DSB_INSTR_SIZE,
		.syncs = { sizeof(syncs_b[0]), 2, (uintptr_t)syncs_b },
		.user_data = 2,
	};
	submit.jobs = (struct drm_dsb_obj_array){ sizeof(c->jobs[1]), 1,
						  (uintptr_t)&c->jobs[1] };
	CHECK(drmIoctl(c->fd, DRM_IOCTL_DSB_SUBMIT, &submit));
	printf("submitted jobs %llu and %llu\n",
	       (unsigned long long)c->jobs[0].seqno,
	       (unsigned long long)c->jobs[1].seqno);
	return 0;
}

/* Wait for both syncobjs, export a sync_file, check the results. */
static int wait_and_check(struct client *c)
{
	const uint64_t *data = (const uint64_t *)c->map;
	int sync_file = -1;

	CHECK(drmSyncobjWait(c->fd, &c->binary, 1, deadline_ns(5000000000ll),
			     0, NULL) < 0);
	CHECK(drmSyncobjTimelineWait(c->fd, &c->timeline, &c->point, 1,
				     deadline_ns(5000000000ll), 0, NULL) < 0);
	CHECK(drmSyncobjExportSyncFile(c->fd, c->timeline, &sync_file));
	close(sync_file);

	printf("data[0] = 0x%llx, data[1] = 0x%llx, data[2] = 0x%llx\n",
	       (unsigned long long)data[0], (unsigned long long)data[1],
	       (unsigned long long)data[2]);
	if (data[0] != 0x1234 || data[1] != 0x1235 ||
	    data[2] != 0xababababababababull || data[3] != data[2]) {
		fprintf(stderr, "mesa_style: wrong results\n");
		return 1;
	}
	return 0;
}

int main(void)
{
	struct client c = { .point = 1 };

	c.fd = open_dsb();
	if (c.fd < 0) {
		fprintf(stderr, "mesa_style: no dsb device\n");
		return 77;
	}
	if (write_commands(&c) || submit_jobs(&c) || wait_and_check(&c))
		return 1;
	drmSyncobjDestroy(c.fd, c.binary);
	drmSyncobjDestroy(c.fd, c.timeline);
	munmap(c.map, c.bo.size);
	close(c.fd);
	printf("mesa_style: ok\n");
	return 0;
}
