// SPDX-License-Identifier: MIT
/* Copyright (C) 2026 The dsb authors */
/*
 * demo: find the dsb device by driver name, show what it reports, and use
 * a buffer object from the CPU. Run by `make demo` inside the VM.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <xf86drm.h>

#include "helpers.h"

static const struct {
	uint32_t id;
	const char *name;
} params[] = {
	{ DRM_DSB_PARAM_UAPI_VERSION, "uapi_version" },
	{ DRM_DSB_PARAM_NUM_ENGINES, "num_engines" },
	{ DRM_DSB_PARAM_HW_SLOTS, "hw_slots" },
	{ DRM_DSB_PARAM_MAX_BO_SIZE, "max_bo_size" },
	{ DRM_DSB_PARAM_VA_START, "va_start" },
	{ DRM_DSB_PARAM_VA_SIZE, "va_size" },
	{ DRM_DSB_PARAM_MAX_QUEUES, "max_queues" },
	{ DRM_DSB_PARAM_MAX_RING_PACKETS, "max_ring_packets" },
	{ DRM_DSB_PARAM_MAX_FENCE_SLOTS, "max_fence_slots" },
	{ DRM_DSB_PARAM_MAX_CMD_LEN, "max_cmd_len" },
	{ DRM_DSB_PARAM_MAX_JOB_DEPS, "max_job_deps" },
	{ DRM_DSB_PARAM_DEVICE_INDEX, "device_index" },
	{ DRM_DSB_PARAM_DEFAULT_TIMEOUT_MS, "default_timeout_ms" },
};

int main(void)
{
	const char msg[] = "hello from the CPU through a dsb buffer object";
	struct dsb_test_bo bo;
	drmVersionPtr v;
	char *node;
	int fd, ret;

	fd = dsb_test_open(0);
	if (fd < 0) {
		fprintf(stderr, "demo: no dsb device: %s\n", strerror(-fd));
		return 1;
	}
	v = drmGetVersion(fd);
	node = drmGetDeviceNameFromFd2(fd);
	printf("demo: %s: driver %s %d.%d.%d (%s, %s)\n", node ? node : "?",
	       v->name, v->version_major, v->version_minor,
	       v->version_patchlevel, v->desc, v->date);
	printf("demo: %d dsb device(s)\n", dsb_test_count_devices());
	drmFreeVersion(v);
	free(node);

	for (size_t i = 0; i < sizeof(params) / sizeof(params[0]); i++) {
		uint64_t val = 0;

		ret = dsb_test_get_param(fd, params[i].id, &val);
		if (ret) {
			fprintf(stderr, "demo: GET_PARAM %s: %s\n", params[i].name,
				strerror(-ret));
			return 1;
		}
		printf("demo: param %-20s %#llx (%llu)\n", params[i].name,
		       (unsigned long long)val, (unsigned long long)val);
	}

	ret = dsb_test_bo_create(fd, 8192, &bo);
	if (ret) {
		fprintf(stderr, "demo: BO_CREATE: %s\n", strerror(-ret));
		return 1;
	}
	printf("demo: BO handle %u, %llu bytes, GPU VA %#llx, mmap offset %#llx\n",
	       bo.handle, (unsigned long long)bo.size,
	       (unsigned long long)bo.va, (unsigned long long)bo.mmap_offset);
	memcpy(bo.map, msg, sizeof(msg));
	/* Read it back through a second, independent mapping. */
	{
		char *again = dsb_test_mmap(fd, bo.mmap_offset, bo.size, PROT_READ);

		if (!again || memcmp(again, msg, sizeof(msg))) {
			fprintf(stderr, "demo: read back failed\n");
			return 1;
		}
		printf("demo: read back: \"%s\"\n", again);
		munmap(again, bo.size);
	}
	ret = dsb_test_bo_destroy(fd, &bo);
	if (ret) {
		fprintf(stderr, "demo: GEM_CLOSE: %s\n", strerror(-ret));
		return 1;
	}
	close(fd);
	printf("demo: OK\n");
	return 0;
}
