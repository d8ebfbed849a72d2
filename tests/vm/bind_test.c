// SPDX-License-Identifier: MIT
/* Copyright (C) 2026 The dsb authors */
/*
 * dsb binds to its devices as a driver binds to a GPU: the module plugs in
 * dsb.N platform devices and the DRM driver binds to them, so sysfs shows
 * the driver (/sys/class/drm/renderD*\/device/driver, what IGT and lsgpu
 * look for) and unbinding and rebinding work. Unbinding under a client
 * signals its fences with an error in finite time, fails its ioctls with
 * ENODEV, and leaves nothing behind once it closes; a rebound device takes
 * work again.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "vm_suite.h"

#define DRIVER_DIR	"/sys/bus/platform/drivers/dsb"

/* The sysfs directory of @fd's render node's device; 0 or -errno. */
static int device_dir(int drm_fd, char *dir, size_t len)
{
	struct stat st;

	if (fstat(drm_fd, &st))
		return -errno;
	snprintf(dir, len, "/sys/dev/char/%u:%u/device", major(st.st_rdev), minor(st.st_rdev));
	return 0;
}

/* The last path component of the symlink @path points at, or "" */
static void link_name(const char *path, char *name, size_t len)
{
	char target[PATH_MAX];
	ssize_t n = readlink(path, target, sizeof(target) - 1);

	name[0] = '\0';
	if (n <= 0)
		return;
	target[n] = '\0';
	snprintf(name, len, "%s", basename(target));
}

static void write_sysfs(const char *path, const char *value)
{
	int f = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	ck_assert_msg(f >= 0, "open %s: %s", path, strerror(errno));
	n = write(f, value, strlen(value));
	ck_assert_msg(n == (ssize_t)strlen(value), "write %s to %s: %s", value, path,
		      strerror(errno));
	close(f);
}

START_TEST(test_sysfs_shows_driver)
{
	int n = dsb_test_count_devices();

	ck_assert_int_gt(n, 0);
	for (int i = 0; i < n; i++) {
		int fd = dsb_test_open(i);
		char dir[128], path[192], drv[64], dev[64];

		ck_assert_int_ge(fd, 0);
		ck_assert_int_eq(device_dir(fd, dir, sizeof(dir)), 0);
		snprintf(path, sizeof(path), "%s/driver", dir);
		link_name(path, drv, sizeof(drv));
		link_name(dir, dev, sizeof(dev));
		ck_assert_msg(!strcmp(drv, "dsb"), "device %d (%s): driver link '%s'", i, dev,
			      drv);
		ck_assert_msg(!strncmp(dev, "dsb.", 4), "device %d is '%s'", i, dev);
		close(fd);
	}
}
END_TEST

static int wait_devices(int want)
{
	for (int i = 0; i < 500 && dsb_test_count_devices() != want; i++)
		usleep(10000);
	return dsb_test_count_devices();
}

START_TEST(test_unbind_under_a_client)
{
	int devices = dsb_test_count_devices(), fd = dsb_test_open_or_skip(), sync_fd = -1;
	struct dsb_test_queue q = queue_new(fd, 64, 8, 0);
	uint32_t s = syncobj_new(fd);
	struct drm_dsb_sync_op op = sync_signal(s);
	struct dsb_test_cmdbuf cb;
	struct dsb_test_bo cmd;
	char dir[128], dev[64];
	uint64_t seqno, v;
	int st = 0;

	ck_assert_int_eq(device_dir(fd, dir, sizeof(dir)), 0);
	link_name(dir, dev, sizeof(dev));
	ck_assert_msg(!strncmp(dev, "dsb.", 4), "device '%s'", dev);

	/* A job that waits for a word nobody writes: in flight until the unbind. */
	ck_assert_int_eq(dsb_test_bo_create(fd, PAGE, &cmd), 0);
	memset(cmd.map, 0, PAGE);
	dsb_test_cmd_init(&cb, cmd.map, 64);
	ck_assert_int_eq(dsb_test_cmd_memwait(&cb, cmd.va + PAGE - 8, 1, 0), 0);
	seqno = submit_ok(fd, q.id, 0, cmd.va, &cb, &op, 1);
	ck_assert_int_eq(drmSyncobjExportSyncFile(fd, s, &sync_fd), 0);
	usleep(50000);
	ck_assert_int_eq(dsb_test_sync_file_status(sync_fd, NULL), 0);

	write_sysfs(DRIVER_DIR "/unbind", dev);
	for (int i = 0; i < 500 && (st = dsb_test_sync_file_status(sync_fd, NULL)) == 0; i++)
		usleep(10000);
	ck_assert_msg(st < 0, "fence of a job in flight at the unbind: status %d", st);
	ck_assert_int_eq(dsb_test_get_param(fd, DRM_DSB_PARAM_UAPI_VERSION, &v), -ENODEV);
	ck_assert_int_eq(wait_devices(devices - 1), devices - 1);
	fprintf(stderr, "unbind %s: job %llu's fence signalled %d, ioctls -ENODEV\n", dev,
		(unsigned long long)seqno, st);

	close(sync_fd);
	munmap(cmd.map, PAGE);
	/* QUEUE_DESTROY fails with ENODEV now: the regions go with munmap and close. */
	munmap(q.ring, q.ring_size);
	munmap(q.ctrl, q.ctrl_size);
	munmap((void *)q.fences, q.fences_size);
	munmap(q.sq_cq, q.sq_cq_size);
	close(fd);

	write_sysfs(DRIVER_DIR "/bind", dev);
	ck_assert_int_eq(wait_devices(devices), devices);

	/* The rebound device takes work. */
	fd = dsb_test_open_or_skip();
	q = queue_new(fd, 64, 8, 0);
	ck_assert_int_eq(dsb_test_bo_create(fd, PAGE, &cmd), 0);
	dsb_test_cmd_init(&cb, cmd.map, 64);
	ck_assert_int_eq(dsb_test_cmd_nop(&cb), 0);
	seqno = submit_ok(fd, q.id, 0, cmd.va, &cb, NULL, 0);
	ck_assert_int_eq(wait_job(fd, q.id, seqno), 0);
	ck_assert_int_eq(dsb_test_queue_destroy(fd, &q), 0);
	ck_assert_int_eq(dsb_test_bo_destroy(fd, &cmd), 0);
	close(fd);
	fprintf(stderr, "bind %s: a job ran\n", dev);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("bind");
	TCase *tc = tcase_new(s, "bind", 60);

	tcase_add_test(tc, test_sysfs_shows_driver);
	tcase_add_test(tc, test_unbind_under_a_client);
	return vm_run(s, 0);
}
