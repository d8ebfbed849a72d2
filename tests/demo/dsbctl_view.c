// SPDX-License-Identifier: MIT
/* Copyright (C) 2026 The dsb authors */
/*
 * dsbctl_view: the last word of `make demo`: dsbctl's view of the device
 * while a queue is stuck on a GPU semaphore (a MEMWAIT on a user word),
 * then after the word is released. Needs /bin/dsbctl (lib/tools) in the VM.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"

#define WAIT_NS (30ll * 1000 * 1000 * 1000)

static int run(const char *cmd)
{
	int st;

	printf("\n$ %s\n", cmd);
	fflush(stdout);
	st = system(cmd);
	return st == 0 ? 0 : -1;
}

/* Has the engine reached the MEMWAIT? (debugfs says "blocked MEMWAIT") */
static int blocked(void)
{
	FILE *p = popen("cat /sys/kernel/debug/dri/*/dsb_queues 2>/dev/null", "r");
	char line[512];
	int found = 0;

	if (!p)
		return 0;
	while (fgets(line, sizeof(line), p))
		found |= strstr(line, "blocked MEMWAIT") != NULL;
	pclose(p);
	return found;
}

int main(void)
{
	struct drm_dsb_queue_create args = { .timeout_ms = 60000 };
	struct dsb_test_bo cmd, data;
	struct dsb_test_cmdbuf cb;
	struct dsb_test_queue q;
	volatile uint64_t *word;
	uint64_t seqno = 0;
	int32_t error = -1;
	int fd, ret = 1;
	char line[128];

	fd = dsb_test_open(0);
	if (fd < 0) {
		fprintf(stderr, "dsbctl_view: no dsb device: %s\n", strerror(-fd));
		return 1;
	}
	if (dsb_test_queue_create(fd, &args, &q) || dsb_test_bo_create(fd, 4096, &cmd) ||
	    dsb_test_bo_create(fd, 4096, &data)) {
		fprintf(stderr, "dsbctl_view: setup failed\n");
		return 1;
	}
	word = data.map;

	/* Job 1 runs through; job 2 waits until *word >= 1, then writes 42. */
	dsb_test_cmd_init(&cb, cmd.map, 64);
	dsb_test_cmd_write(&cb, data.va + 8, 1);
	if (dsb_test_submit(fd, q.id, 0, cmd.va, dsb_test_cmd_len(&cb), NULL, 0, &seqno) ||
	    dsb_test_wait(fd, q.id, seqno, WAIT_NS, &error))
		goto out;
	dsb_test_cmd_init(&cb, (char *)cmd.map + 64, 128);
	dsb_test_cmd_memwait(&cb, data.va, 1, 0);
	dsb_test_cmd_write(&cb, data.va + 16, 42);
	if (dsb_test_submit(fd, q.id, 1, cmd.va + 64, dsb_test_cmd_len(&cb), NULL, 0, &seqno))
		goto out;
	for (int i = 0; i < 500 && !blocked(); i++)
		usleep(10000);

	printf("dsbctl_view: queue %u job %llu waits for the word at GPU VA 0x%llx to reach 1\n",
	       q.id, (unsigned long long)seqno, (unsigned long long)data.va);
	if (run("dsbctl status") || run("dsbctl queues"))
		goto out;

	*word = 1;
	if (dsb_test_wait(fd, q.id, seqno, WAIT_NS, &error) || error || word[2] != 42)
		goto out;
	printf("\ndsbctl_view: word set to 1, job %llu completed\n", (unsigned long long)seqno);
	snprintf(line, sizeof(line), "grep ^drm- /proc/%d/fdinfo/%d", (int)getpid(), fd);
	if (run(line) || run("dsbctl queues -a"))
		goto out;
	ret = 0;
out:
	if (ret)
		fprintf(stderr, "dsbctl_view: failed (error %d)\n", error);
	dsb_test_queue_destroy(fd, &q);
	dsb_test_bo_destroy(fd, &cmd);
	dsb_test_bo_destroy(fd, &data);
	close(fd);
	return ret;
}
