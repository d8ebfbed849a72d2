// SPDX-License-Identifier: MIT
/* Copyright (C) 2026 The dsb authors */
/*
 * libdsb's dsb_bo_madvise() (libdsb 1.3, uAPI 10) against the real kernel
 * (VM): its errors, retained for a buffer kept, and a purged buffer (never
 * used when marked DONTNEED: purged at once) whose buffer list makes a job
 * of the library's SQ path complete with -ENODATA while the queue goes on.
 */
#include "dsb.h"
#include "vm_suite.h"

static struct dsb_device dev;
static struct dsb_bo cmd, kept, gone;

static void setup(void)
{
	ck_assert_int_eq(dsb_device_from_fd(&dev, fd), 0);
	ck_assert_int_eq(dsb_bo_create(&dev, PAGE, &cmd), 0);
	ck_assert_int_eq(dsb_bo_create(&dev, PAGE, &kept), 0);
	ck_assert_int_eq(dsb_bo_create(&dev, 4 * PAGE, &gone), 0);
}

static void teardown(void)
{
	dsb_bo_destroy(&dev, &gone);
	dsb_bo_destroy(&dev, &kept);
	dsb_bo_destroy(&dev, &cmd);
	dsb_device_close(&dev);
}

START_TEST(test_errors)
{
	struct dsb_bo bad = kept;
	int retained = -1;

	ck_assert_int_ge(dev.uapi_version, 10);
	ck_assert_int_eq(dsb_bo_madvise(NULL, &kept, DSB_MADV_WILLNEED, &retained), -EINVAL);
	ck_assert_int_eq(dsb_bo_madvise(&dev, NULL, DSB_MADV_WILLNEED, &retained), -EINVAL);
	ck_assert_int_eq(dsb_bo_madvise(&dev, &kept, 2, &retained), -EINVAL);
	bad.handle += 1000;
	ck_assert_int_eq(dsb_bo_madvise(&dev, &bad, DSB_MADV_DONTNEED, &retained), -ENOENT);
	ck_assert_int_eq(retained, -1);
}
END_TEST

START_TEST(test_retained)
{
	int retained = -1;

	memset(kept.map, 0x5a, PAGE);
	ck_assert_int_eq(dsb_bo_madvise(&dev, &kept, DSB_MADV_DONTNEED, &retained), 0);
	ck_assert_int_eq(retained, 1);
	ck_assert_int_eq(dsb_bo_madvise(&dev, &kept, DSB_MADV_WILLNEED, NULL), 0);
	ck_assert_int_eq(dsb_bo_madvise(&dev, &kept, DSB_MADV_WILLNEED, &retained), 0);
	ck_assert_int_eq(retained, 1);
	for (uint32_t i = 0; i < PAGE; i++)
		ck_assert_uint_eq(((uint8_t *)kept.map)[i], 0x5a);
}
END_TEST

/* One write job on @q, with buffer list @list (0: none): its CQE's error. */
static int32_t run(struct dsb_queue *q, uint32_t list)
{
	struct drm_dsb_sqe *sqe = dsb_get_sqe(q);
	struct drm_dsb_cqe *cqe;
	struct dsb_cmdbuf cb;
	int32_t err;

	ck_assert_ptr_nonnull(sqe);
	dsb_cmdbuf_init(&cb, cmd.map, cmd.size, cmd.va);
	ck_assert_int_eq(dsb_cmd_write(&cb, kept.va, 0x77), 0);
	dsb_prep_exec(sqe, cmd.va, dsb_cmdbuf_len(&cb));
	if (list)
		dsb_sqe_set_bo_list(sqe, list);
	ck_assert_int_eq(dsb_submit(q), 1);
	ck_assert_int_eq(dsb_wait_cqe_timeout(q, &cqe, WAIT_NS), 0);
	err = cqe->error;
	ck_assert_int_eq(dsb_cqe_seen(q, cqe), 0);
	return err;
}

START_TEST(test_purged_in_list)
{
	const struct drm_dsb_bo_ref bos[] = { { gone.handle, DRM_DSB_BO_WRITE } };
	struct dsb_queue_params p = { .fence_slots = 8 };
	struct dsb_queue q;
	uint32_t list = 0;
	int retained = -1;

	/* Never used, so not resident: purged when marked. */
	ck_assert_int_eq(dsb_bo_madvise(&dev, &gone, DSB_MADV_DONTNEED, &retained), 0);
	ck_assert_int_eq(retained, 0);
	ck_assert_int_eq(dsb_bo_madvise(&dev, &gone, DSB_MADV_WILLNEED, &retained), 0);
	ck_assert_int_eq(retained, 0);

	ck_assert_int_eq(dsb_queue_init(&dev, &q, &p), 0);
	ck_assert_int_eq(dsb_bo_list_create(&dev, bos, 1, &list), 0);
	ck_assert_int_eq(run(&q, list), -ENODATA);
	ck_assert_int_eq(run(&q, 0), 0);
	ck_assert_uint_eq(*(volatile uint64_t *)kept.map, 0x77);
	ck_assert_int_eq(dsb_bo_list_destroy(&dev, list), 0);
	dsb_queue_exit(&q);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("lib_madvise");
	TCase *tc = tcase_new(s, "madvise", VM_CK_DEFAULT_TIMEOUT);

	vm_fixture(tc, NULL);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_retained);
	tcase_add_test(tc, test_purged_in_list);
	return vm_run(s, VM_SKIP_WITHOUT_DEVICE);
}
