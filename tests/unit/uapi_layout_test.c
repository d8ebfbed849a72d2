// SPDX-License-Identifier: MIT
/* Copyright (C) 2026 The dsb authors */
/*
 * ABI of uapi/drm/dsb_drm.h: sizes and offsets that userspace binaries
 * depend on. A change here breaks every compiled client, so it must be
 * deliberate (and then this test is updated with a DRM_DSB_UAPI_VERSION bump).
 */
#include <check.h>
#include <stddef.h>
#include <stdlib.h>

#include "dsb_drm.h"

#define ck_assert_size(type, n) ck_assert_uint_eq(sizeof(type), (n))
#define ck_assert_off(type, field, n) ck_assert_uint_eq(offsetof(type, field), (n))

START_TEST(test_ioctl_args)
{
	ck_assert_size(struct drm_dsb_obj_array, 16);
	ck_assert_size(struct drm_dsb_get_param, 16);
	ck_assert_size(struct drm_dsb_bo_create, 32);
	ck_assert_off(struct drm_dsb_bo_create, handle, 12);
	ck_assert_off(struct drm_dsb_bo_create, mmap_offset, 24);
	ck_assert_size(struct drm_dsb_bo_info, 32);
	ck_assert_size(struct drm_dsb_queue_create, 80);
	ck_assert_off(struct drm_dsb_queue_create, ring_va, 24);
	ck_assert_size(struct drm_dsb_queue_destroy, 8);
	ck_assert_size(struct drm_dsb_sync_op, 16);
	ck_assert_size(struct drm_dsb_job, 72);
	ck_assert_off(struct drm_dsb_job, syncs, 24);
	ck_assert_off(struct drm_dsb_job, seqno, 48);
	ck_assert_off(struct drm_dsb_job, bos, 56);	/* v7 */
	ck_assert_size(struct drm_dsb_bo_ref, 8);
	ck_assert_size(struct drm_dsb_bo_list_create, 24);
	ck_assert_size(struct drm_dsb_bo_list_destroy, 8);
	ck_assert_size(struct drm_dsb_submit, 24);
	ck_assert_size(struct drm_dsb_wait, 32);
	ck_assert_size(struct drm_dsb_queue_status, 96);	/* v9: 48 + origin */
	ck_assert_off(struct drm_dsb_queue_status, failed_seqno, 48);
	ck_assert_size(struct drm_dsb_error_origin, 40);	/* v9 */
	ck_assert_off(struct drm_dsb_error_origin, client_id, 16);
	ck_assert_size(struct drm_dsb_job_error, 56);		/* v9 */
	ck_assert_size(struct drm_dsb_bo_madvise, 16);		/* v10 */
	ck_assert_off(struct drm_dsb_bo_madvise, retained, 8);
	ck_assert_size(struct drm_dsb_fence_to_handle, 24);	/* v12 */
	ck_assert_off(struct drm_dsb_fence_to_handle, seqno, 8);
	ck_assert_off(struct drm_dsb_fence_to_handle, handle, 16);
	ck_assert_size(struct drm_dsb_sync_op, 16);
	ck_assert_uint_eq(DRM_DSB_SYNC_OP_QUEUE & ~DRM_DSB_SYNC_OP_TYPE_MASK, 0);	/* v12 */
	ck_assert_uint_ne(DRM_DSB_SYNC_OP_QUEUE, DRM_DSB_SYNC_OP_SYNC_FILE);
	ck_assert_size(struct drm_dsb_queue_submit_sq, 24);
	ck_assert_off(struct drm_dsb_queue_submit_sq, last_seqno, 16);	/* v4 */
	ck_assert_size(struct drm_dsb_uring_cmd, 16);
	/* io_uring opcodes: ioctl-encoded on the command struct (v6). */
	ck_assert_uint_eq(_IOC_SIZE(DRM_DSB_URING_SUBMIT), sizeof(struct drm_dsb_uring_cmd));
	ck_assert_uint_eq(_IOC_DIR(DRM_DSB_URING_WAIT_SEQNO), _IOC_READ | _IOC_WRITE);
	ck_assert_uint_eq(_IOC_NR(DRM_DSB_URING_WAIT_SYNCOBJ), DRM_DSB_URING_NR_WAIT_SYNCOBJ);
	ck_assert_uint_eq(_IOC_NR(DRM_DSB_URING_CANCEL), DRM_DSB_URING_NR_CANCEL);	/* v9 */
	ck_assert_uint_eq(_IOC_SIZE(DRM_DSB_URING_CANCEL), sizeof(struct drm_dsb_uring_cmd));
	ck_assert_uint_eq(_IOC_NR(DRM_DSB_URING_FENCE_TO_FD), 0xd5);	/* v12 */
	ck_assert_uint_eq(_IOC_SIZE(DRM_DSB_URING_FENCE_TO_FD), sizeof(struct drm_dsb_uring_cmd));
}
END_TEST

START_TEST(test_shared_memory)
{
	ck_assert_size(struct drm_dsb_packet, DRM_DSB_PACKET_SIZE);
	ck_assert_uint_eq(DRM_DSB_PACKET_SIZE, 64);
	ck_assert_off(struct drm_dsb_packet, mac, 56);
	ck_assert_size(struct drm_dsb_instr, DRM_DSB_INSTR_SIZE);
	ck_assert_uint_eq(DRM_DSB_INSTR_SIZE, 32);
	ck_assert_size(struct drm_dsb_queue_ctrl, 128);
	ck_assert_off(struct drm_dsb_queue_ctrl, rptr, 64);
	ck_assert_size(struct drm_dsb_fence_slot, 16);
	ck_assert_size(struct drm_dsb_fence_mem_header, 64);
	ck_assert_size(struct drm_dsb_sq_cq_header, 272);
	ck_assert_off(struct drm_dsb_sq_cq_header, sq_tail, 64);
	ck_assert_off(struct drm_dsb_sq_cq_header, cq_head, 128);
	ck_assert_off(struct drm_dsb_sq_cq_header, cq_tail, 192);
	ck_assert_size(struct drm_dsb_sqe, 128);
	ck_assert_off(struct drm_dsb_sqe, bo_list, 96);	/* v7, was pad */
	ck_assert_off(struct drm_dsb_sqe, pad, 104);
	ck_assert_size(struct drm_dsb_cqe, 32);
	ck_assert_off(struct drm_dsb_cqe, flags, 24);	/* v9, was the reserved pad */
}
END_TEST

START_TEST(test_ioctl_numbers)
{
	const unsigned long nr[] = {
		DRM_IOCTL_DSB_GET_PARAM, DRM_IOCTL_DSB_BO_CREATE,
		DRM_IOCTL_DSB_BO_INFO, DRM_IOCTL_DSB_QUEUE_CREATE,
		DRM_IOCTL_DSB_QUEUE_DESTROY, DRM_IOCTL_DSB_SUBMIT,
		DRM_IOCTL_DSB_WAIT, DRM_IOCTL_DSB_QUEUE_STATUS,
		DRM_IOCTL_DSB_QUEUE_SUBMIT_SQ, DRM_IOCTL_DSB_BO_LIST_CREATE,
		DRM_IOCTL_DSB_BO_LIST_DESTROY, DRM_IOCTL_DSB_JOB_ERROR,
		DRM_IOCTL_DSB_BO_MADVISE, DRM_IOCTL_DSB_FENCE_TO_HANDLE,
	};

	/* Numbered in order from DRM_COMMAND_BASE, never reused. */
	for (unsigned int i = 0; i < sizeof(nr) / sizeof(nr[0]); i++)
		ck_assert_uint_eq(_IOC_NR(nr[i]), DRM_COMMAND_BASE + i);
	ck_assert_uint_eq(_IOC_DIR(DRM_IOCTL_DSB_QUEUE_DESTROY), _IOC_WRITE);
	ck_assert_uint_eq(_IOC_DIR(DRM_IOCTL_DSB_SUBMIT), _IOC_READ | _IOC_WRITE);
	ck_assert_uint_eq(_IOC_SIZE(DRM_IOCTL_DSB_SUBMIT), sizeof(struct drm_dsb_submit));
	ck_assert_uint_eq(_IOC_DIR(DRM_IOCTL_DSB_BO_MADVISE), _IOC_READ | _IOC_WRITE);	/* v10 */
	ck_assert_uint_eq(_IOC_SIZE(DRM_IOCTL_DSB_BO_MADVISE), sizeof(struct drm_dsb_bo_madvise));
	ck_assert_uint_eq(_IOC_DIR(DRM_IOCTL_DSB_FENCE_TO_HANDLE), _IOC_READ | _IOC_WRITE);	/* v12 */
	ck_assert_uint_eq(_IOC_SIZE(DRM_IOCTL_DSB_FENCE_TO_HANDLE),
			  sizeof(struct drm_dsb_fence_to_handle));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("uapi_layout");
	TCase *tc = tcase_create("abi");
	SRunner *sr;
	int nf;

	tcase_add_test(tc, test_ioctl_args);
	tcase_add_test(tc, test_shared_memory);
	tcase_add_test(tc, test_ioctl_numbers);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf ? EXIT_FAILURE : EXIT_SUCCESS;
}
