// SPDX-License-Identifier: MIT
/* Copyright (C) 2026 The dsb authors */
/*
 * What happens to `rmmod dsb` while a process still holds a dsb fence
 * (issue 12, item 7): each dsb fence keeps a reference on the queue's fence
 * memory, and with it on the DRM device and the module, so unloading fails
 * with EAGAIN (EWOULDBLOCK) for as long as a sync_file of a dsb job is open,
 * even after every dsb file descriptor was closed; once the sync_file is
 * closed, the module's reference count goes back to where it was. The test
 * never unloads the module (the harness does, after the suite).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/syscall.h>

#include "vm_suite.h"

static int refcnt(void)
{
	int n = dsb_test_module_refcnt();

	ck_assert_int_ge(n, 0);
	return n;
}

static int wait_refcnt(int want)
{
	for (int i = 0; i < 300 && refcnt() != want; i++)
		usleep(10000);
	return refcnt();
}

START_TEST(test_sync_file_pins_the_module)
{
	int base = refcnt(), fd = dsb_test_open_or_skip(), sync_fd = -1, held, ret;
	struct dsb_test_queue q = queue_new(fd, 64, 8, 0);
	uint32_t s = syncobj_new(fd);
	struct drm_dsb_sync_op op = sync_signal(s);
	struct dsb_test_cmdbuf cb;
	struct dsb_test_bo cmd;
	uint64_t seqno;

	ck_assert_int_eq(dsb_test_bo_create(fd, PAGE, &cmd), 0);
	dsb_test_cmd_init(&cb, cmd.map, 64);
	ck_assert_int_eq(dsb_test_cmd_nop(&cb), 0);
	seqno = submit_ok(fd, q.id, 0, cmd.va, &cb, &op, 1);
	ck_assert_int_eq(wait_job(fd, q.id, seqno), 0);
	ck_assert_int_eq(drmSyncobjExportSyncFile(fd, s, &sync_fd), 0);
	ck_assert_int_eq(dsb_test_sync_file_status(sync_fd, NULL), 1);

	/* Every dsb object and the file go; the sync_file stays. */
	ck_assert_int_eq(drmSyncobjDestroy(fd, s), 0);
	ck_assert_int_eq(dsb_test_queue_destroy(fd, &q), 0);
	ck_assert_int_eq(dsb_test_bo_destroy(fd, &cmd), 0);
	close(fd);
	usleep(100000);
	held = refcnt();
	ck_assert_msg(held > base, "refcnt %d with a sync_file held, %d before", held, base);

	ret = syscall(SYS_delete_module, "dsb", O_NONBLOCK);
	ck_assert_msg(ret == -1 && errno == EAGAIN,
		      "rmmod with a dsb sync_file held: %d (%s)", ret, strerror(errno));
	ck_assert_int_eq(dsb_test_sync_file_status(sync_fd, NULL), 1);

	close(sync_fd);
	ck_assert_int_eq(wait_refcnt(base), base);
	fprintf(stderr, "sync_file held: refcnt %d (base %d), rmmod -EAGAIN; closed: back to %d\n",
		held, base, refcnt());
}
END_TEST

int main(void)
{
	Suite *s = suite_create("unload");
	TCase *tc = tcase_new(s, "unload", 60);

	tcase_add_test(tc, test_sync_file_pins_the_module);
	return vm_run(s, 0);
}
