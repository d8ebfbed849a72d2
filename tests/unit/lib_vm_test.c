// SPDX-License-Identifier: MIT
/* Copyright (C) 2026 The dsb authors */
/*
 * libdsb 1.5, user-managed GPU VAs (uAPI 13) without a kernel: the bind
 * and sync-op builders, the uAPI 13 layout, and what dsb_vm_init(),
 * dsb_vm_bind() and dsb_has_vm_bind() hand to the kernel and return, with
 * ioctl() played by this program on a fake fd (every other fd goes to the
 * real system call); an old kernel (uAPI < 13) gets -EOPNOTSUPP without an
 * ioctl.
 */
#include <check.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "dsb.h"

#define FAKE_FD		1000

/* The fake kernel: what the last ioctl on FAKE_FD carried, what it answers. */
static struct {
	unsigned int calls;
	unsigned long req;
	union {
		struct drm_dsb_vm_init init;
		struct drm_dsb_vm_bind bind;
		struct drm_dsb_get_param gp;
	} in;
	int ret;		/* -errno or 0 */
	uint64_t param;		/* GET_PARAM's answer */
	uint32_t bad_op;	/* VM_BIND's answer on error */
} fk;

int ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (fd != FAKE_FD)
		return (int)syscall(SYS_ioctl, fd, req, arg);
	fk.calls++;
	fk.req = req;
	if (req == DRM_IOCTL_DSB_VM_INIT) {
		struct drm_dsb_vm_init *vi = arg;

		fk.in.init = *vi;
		if (!fk.ret) {
			vi->va_start = 0x100000;
			vi->va_size = 1ull << 40;
		}
	} else if (req == DRM_IOCTL_DSB_VM_BIND) {
		struct drm_dsb_vm_bind *b = arg;

		fk.in.bind = *b;
		if (fk.ret)
			b->bad_op = fk.bad_op;
	} else if (req == DRM_IOCTL_DSB_GET_PARAM) {
		struct drm_dsb_get_param *gp = arg;

		fk.in.gp = *gp;
		if (!fk.ret)
			gp->value = fk.param;
	}
	if (fk.ret) {
		errno = -fk.ret;
		return -1;
	}
	return 0;
}

static struct dsb_device dev;

static void setup(void)
{
	memset(&fk, 0, sizeof(fk));
	memset(&dev, 0, sizeof(dev));
	dev.fd = FAKE_FD;
	dev.index = 0;
	dev.uapi_version = DRM_DSB_UAPI_VERSION;
}

START_TEST(test_layout)
{
	ck_assert_uint_eq(DRM_DSB_UAPI_VERSION, 13);
	ck_assert_uint_eq(sizeof(struct drm_dsb_vm_init), 24);
	ck_assert_uint_eq(offsetof(struct drm_dsb_vm_init, va_start), 8);
	ck_assert_uint_eq(sizeof(struct drm_dsb_vm_bind_op), 40);
	ck_assert_uint_eq(offsetof(struct drm_dsb_vm_bind_op, bo_offset), 16);
	ck_assert_uint_eq(offsetof(struct drm_dsb_vm_bind_op, range), 32);
	ck_assert_uint_eq(sizeof(struct drm_dsb_vm_bind), 40);
	ck_assert_uint_eq(offsetof(struct drm_dsb_vm_bind, flags), 32);
	ck_assert_uint_eq(offsetof(struct drm_dsb_vm_bind, bad_op), 36);
	ck_assert_uint_eq(_IOC_DIR(DRM_IOCTL_DSB_VM_INIT), _IOC_READ | _IOC_WRITE);
	ck_assert_uint_eq(_IOC_SIZE(DRM_IOCTL_DSB_VM_INIT), sizeof(struct drm_dsb_vm_init));
	ck_assert_uint_eq(_IOC_NR(DRM_IOCTL_DSB_VM_BIND), _IOC_NR(DRM_IOCTL_DSB_VM_INIT) + 1);
	ck_assert_uint_eq(_IOC_SIZE(DRM_IOCTL_DSB_VM_BIND), sizeof(struct drm_dsb_vm_bind));
	ck_assert_uint_eq(DSB_VM_USER_MANAGED, DRM_DSB_VM_USER_MANAGED);
}
END_TEST

START_TEST(test_bind_builders)
{
	struct dsb_bo bo = { .handle = 7, .size = 1 << 20 };
	struct drm_dsb_vm_bind_op op;

	memset(&op, 0xa5, sizeof(op));
	dsb_bind_map(&op, &bo, 0x3000, 0x7f0000000000, 0x2000, DRM_DSB_VM_BIND_READONLY);
	ck_assert_uint_eq(op.op, DRM_DSB_VM_BIND_MAP);
	ck_assert_uint_eq(op.flags, DRM_DSB_VM_BIND_READONLY);
	ck_assert_uint_eq(op.handle, 7);
	ck_assert_uint_eq(op.pad, 0);
	ck_assert_uint_eq(op.bo_offset, 0x3000);
	ck_assert_uint_eq(op.va, 0x7f0000000000);
	ck_assert_uint_eq(op.range, 0x2000);

	/* UNMAP and MAP_SPARSE: handle, offset, flags and pad must be zero. */
	memset(&op, 0xa5, sizeof(op));
	dsb_bind_unmap(&op, 0x200000, 0x1000);
	ck_assert_uint_eq(op.op, DRM_DSB_VM_BIND_UNMAP);
	ck_assert_uint_eq(op.flags | op.handle | op.pad, 0);
	ck_assert_uint_eq(op.bo_offset, 0);
	ck_assert_uint_eq(op.va, 0x200000);
	ck_assert_uint_eq(op.range, 0x1000);

	memset(&op, 0xa5, sizeof(op));
	dsb_bind_sparse(&op, 0x400000, 64 * 4096);
	ck_assert_uint_eq(op.op, DRM_DSB_VM_BIND_MAP_SPARSE);
	ck_assert_uint_eq(op.flags | op.handle | op.pad, 0);
	ck_assert_uint_eq(op.bo_offset, 0);
	ck_assert_uint_eq(op.va, 0x400000);
	ck_assert_uint_eq(op.range, 64 * 4096);
}
END_TEST

START_TEST(test_sync_builders)
{
	struct drm_dsb_sync_op s;

	memset(&s, 0xa5, sizeof(s));
	dsb_sync_wait(&s, DRM_DSB_SYNC_OP_SYNCOBJ, 3, 0);
	ck_assert_uint_eq(s.flags, DRM_DSB_SYNC_OP_WAIT | DRM_DSB_SYNC_OP_SYNCOBJ);
	ck_assert_uint_eq(s.handle, 3);
	ck_assert_uint_eq(s.point, 0);
	dsb_sync_wait(&s, DRM_DSB_SYNC_OP_TIMELINE, 4, 9);
	ck_assert_uint_eq(s.flags, DRM_DSB_SYNC_OP_WAIT | DRM_DSB_SYNC_OP_TIMELINE);
	ck_assert_uint_eq(s.point, 9);
	dsb_sync_wait(&s, DRM_DSB_SYNC_OP_SYNC_FILE, 12, 0);
	ck_assert_uint_eq(s.flags, DRM_DSB_SYNC_OP_WAIT | DRM_DSB_SYNC_OP_SYNC_FILE);
	ck_assert_uint_eq(s.handle, 12);
	dsb_sync_wait(&s, DRM_DSB_SYNC_OP_QUEUE, 2, 1ull << 40);
	ck_assert_uint_eq(s.flags, DRM_DSB_SYNC_OP_WAIT | DRM_DSB_SYNC_OP_QUEUE);
	ck_assert_uint_eq(s.handle, 2);
	ck_assert_uint_eq(s.point, 1ull << 40);
	/* Only the type bits of @type count: a wait stays a wait. */
	dsb_sync_wait(&s, DRM_DSB_SYNC_OP_SIGNAL | DRM_DSB_SYNC_OP_TIMELINE, 1, 1);
	ck_assert_uint_eq(s.flags, DRM_DSB_SYNC_OP_WAIT | DRM_DSB_SYNC_OP_TIMELINE);

	dsb_sync_signal(&s, DRM_DSB_SYNC_OP_SYNCOBJ, 5, 0);
	ck_assert_uint_eq(s.flags, DRM_DSB_SYNC_OP_SIGNAL | DRM_DSB_SYNC_OP_SYNCOBJ);
	ck_assert_uint_eq(s.handle, 5);
	ck_assert_uint_eq(s.point, 0);
	dsb_sync_signal(&s, DRM_DSB_SYNC_OP_TIMELINE, 6, 3);
	ck_assert_uint_eq(s.flags, DRM_DSB_SYNC_OP_SIGNAL | DRM_DSB_SYNC_OP_TIMELINE);
	ck_assert_uint_eq(s.handle, 6);
	ck_assert_uint_eq(s.point, 3);
}
END_TEST

START_TEST(test_vm_init)
{
	uint64_t start = 1, size = 1;

	ck_assert_int_eq(dsb_vm_init(&dev, DSB_VM_USER_MANAGED, &start, &size), 0);
	ck_assert_uint_eq(fk.calls, 1);
	ck_assert_uint_eq(fk.req, DRM_IOCTL_DSB_VM_INIT);
	ck_assert_uint_eq(fk.in.init.flags, DRM_DSB_VM_USER_MANAGED);
	ck_assert_uint_eq(fk.in.init.pad, 0);
	ck_assert_uint_eq(start, 0x100000);
	ck_assert_uint_eq(size, 1ull << 40);
	/* Either output may be NULL. */
	ck_assert_int_eq(dsb_vm_init(&dev, DSB_VM_USER_MANAGED, NULL, NULL), 0);
	ck_assert_int_eq(dsb_vm_init(&dev, DSB_VM_USER_MANAGED, NULL, &size), 0);
	/* The kernel's error, outputs untouched. */
	fk.ret = -EBUSY;
	start = size = 1;
	ck_assert_int_eq(dsb_vm_init(&dev, DSB_VM_USER_MANAGED, &start, &size), -EBUSY);
	ck_assert_uint_eq(start, 1);
	ck_assert_uint_eq(size, 1);
	ck_assert_int_eq(dsb_vm_init(NULL, 0, NULL, NULL), -EINVAL);
}
END_TEST

START_TEST(test_vm_bind)
{
	struct drm_dsb_vm_bind_op ops[2];
	struct drm_dsb_sync_op syncs[1];
	struct dsb_bo bo = { .handle = 9 };
	uint32_t bad = 77;

	dsb_bind_map(&ops[0], &bo, 0, 0x200000, 0x1000, 0);
	dsb_bind_sparse(&ops[1], 0x300000, 0x4000);
	dsb_sync_signal(&syncs[0], DRM_DSB_SYNC_OP_SYNCOBJ, 4, 0);
	ck_assert_int_eq(dsb_vm_bind(&dev, ops, 2, syncs, 1, DRM_DSB_VM_BIND_ASYNC, &bad), 0);
	ck_assert_uint_eq(fk.req, DRM_IOCTL_DSB_VM_BIND);
	ck_assert_uint_eq(fk.in.bind.ops.stride, sizeof(ops[0]));
	ck_assert_uint_eq(fk.in.bind.ops.count, 2);
	ck_assert_uint_eq(fk.in.bind.ops.array, (uint64_t)(uintptr_t)ops);
	ck_assert_uint_eq(fk.in.bind.syncs.stride, sizeof(syncs[0]));
	ck_assert_uint_eq(fk.in.bind.syncs.count, 1);
	ck_assert_uint_eq(fk.in.bind.syncs.array, (uint64_t)(uintptr_t)syncs);
	ck_assert_uint_eq(fk.in.bind.flags, DRM_DSB_VM_BIND_ASYNC);
	ck_assert_uint_eq(fk.in.bind.bad_op, 0);
	ck_assert_uint_eq(bad, 77);	/* only on failure */

	/* Synchronous, no sync operations. */
	ck_assert_int_eq(dsb_vm_bind(&dev, ops, 1, NULL, 0, 0, NULL), 0);
	ck_assert_uint_eq(fk.in.bind.ops.count, 1);
	ck_assert_uint_eq(fk.in.bind.syncs.count, 0);
	ck_assert_uint_eq(fk.in.bind.flags, 0);

	/* A failure names the operation at fault. */
	fk.ret = -ENOENT;
	fk.bad_op = 1;
	ck_assert_int_eq(dsb_vm_bind(&dev, ops, 2, NULL, 0, 0, &bad), -ENOENT);
	ck_assert_uint_eq(bad, 1);
	ck_assert_int_eq(dsb_vm_bind(&dev, ops, 2, NULL, 0, 0, NULL), -ENOENT);

	/* Arrays that are not there. */
	fk.calls = 0;
	ck_assert_int_eq(dsb_vm_bind(&dev, NULL, 1, NULL, 0, 0, NULL), -EINVAL);
	ck_assert_int_eq(dsb_vm_bind(&dev, ops, 1, NULL, 1, 0, NULL), -EINVAL);
	ck_assert_int_eq(dsb_vm_bind(NULL, ops, 1, NULL, 0, 0, NULL), -EINVAL);
	ck_assert_uint_eq(fk.calls, 0);
}
END_TEST

START_TEST(test_has_vm_bind)
{
	fk.param = 1;
	ck_assert(dsb_has_vm_bind(&dev));
	ck_assert_uint_eq(fk.req, DRM_IOCTL_DSB_GET_PARAM);
	ck_assert_uint_eq(fk.in.gp.param, DRM_DSB_PARAM_VM_BIND);
	/* uAPI 13 on Linux 6.1: the parameter is 0. */
	fk.param = 0;
	ck_assert(!dsb_has_vm_bind(&dev));
	/* An unknown parameter, a bad fd. */
	fk.ret = -EINVAL;
	ck_assert(!dsb_has_vm_bind(&dev));
	ck_assert(!dsb_has_vm_bind(NULL));
}
END_TEST

/* A kernel before uAPI 13 has no such ioctls: -EOPNOTSUPP, no ioctl made. */
START_TEST(test_old_kernel)
{
	struct drm_dsb_vm_bind_op op;
	uint64_t start = 1;
	uint32_t bad = 77;

	dev.uapi_version = 12;
	fk.param = 1;
	dsb_bind_sparse(&op, 0x200000, 0x1000);
	ck_assert_int_eq(dsb_vm_init(&dev, DSB_VM_USER_MANAGED, &start, NULL), -EOPNOTSUPP);
	ck_assert_int_eq(dsb_vm_bind(&dev, &op, 1, NULL, 0, 0, &bad), -EOPNOTSUPP);
	ck_assert(!dsb_has_vm_bind(&dev));
	ck_assert_uint_eq(fk.calls, 0);
	ck_assert_uint_eq(start, 1);
	ck_assert_uint_eq(bad, 77);

	/* uAPI 13 built without drm_gpuvm: the kernel's own -EOPNOTSUPP. */
	dev.uapi_version = 13;
	fk.ret = -EOPNOTSUPP;
	ck_assert_int_eq(dsb_vm_init(&dev, DSB_VM_USER_MANAGED, NULL, NULL), -EOPNOTSUPP);
	ck_assert_uint_eq(fk.calls, 1);
}
END_TEST

/* Not a dsb fd at all: the kernel's answer, as is. */
START_TEST(test_not_dsb)
{
	struct drm_dsb_vm_bind_op op;

	dev.fd = -1;
	dsb_bind_unmap(&op, 0x200000, 0x1000);
	ck_assert_int_eq(dsb_vm_init(&dev, DSB_VM_USER_MANAGED, NULL, NULL), -EBADF);
	ck_assert_int_eq(dsb_vm_bind(&dev, &op, 1, NULL, 0, 0, NULL), -EBADF);
	ck_assert(!dsb_has_vm_bind(&dev));
	dev.fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	ck_assert_int_ge(dev.fd, 0);
	ck_assert_int_eq(dsb_vm_bind(&dev, &op, 1, NULL, 0, 0, NULL), -ENOTTY);
	close(dev.fd);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("lib_vm");
	TCase *tc = tcase_create("vm");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_layout);
	tcase_add_test(tc, test_bind_builders);
	tcase_add_test(tc, test_sync_builders);
	tcase_add_test(tc, test_vm_init);
	tcase_add_test(tc, test_vm_bind);
	tcase_add_test(tc, test_has_vm_bind);
	tcase_add_test(tc, test_old_kernel);
	tcase_add_test(tc, test_not_dsb);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
