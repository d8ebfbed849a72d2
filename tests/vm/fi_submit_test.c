// SPDX-License-Identifier: MIT
/* Copyright (C) 2026 The dsb authors */
/*
 * Queues and submits under allocation failure. Run plainly, every call
 * must succeed; run by the debug lane under fault injection (failslab and
 * fail_page_alloc for this task only, between dsb_fi_begin() and
 * dsb_fi_end()), each QUEUE_CREATE and SUBMIT must succeed or fail with
 * -ENOMEM, a submit that failed must have handed out no fence (its syncobj
 * stays empty), every job that was submitted must complete without error,
 * and the device's live-object counters must return to where they were.
 * Every job names its data buffer for implicit sync (the buffer list, the
 * batch's reservation objects and their fence slots are allocated too),
 * and each round creates a buffer list under injection.
 * kmemleak, run by the lane afterwards, checks that failures leaked nothing.
 */
#include "vm_suite.h"

static const char *const live[] = {
	"live_jobs", "live_fences", "live_queues", "live_bos", "live_vms",
};

static void read_live(long long *v)
{
	for (size_t i = 0; i < sizeof(live) / sizeof(live[0]); i++)
		if (dsb_test_debugfs_counter(0, live[i], &v[i]))
			v[i] = -1;	/* debugfs unavailable: not compared */
}

/* SUBMIT of one job that writes @bo (implicit sync) and signals @op. */
static int submit_writing(int fd, uint32_t qid, uint32_t slot, uint64_t va, uint32_t len,
			  uint32_t bo, struct drm_dsb_sync_op *op, uint64_t *seqno)
{
	struct drm_dsb_bo_ref ref = { .handle = bo, .flags = DRM_DSB_BO_WRITE };
	struct drm_dsb_job job = {
		.queue_id = qid, .slot = slot, .cmd_va = va, .cmd_len = len,
		.syncs = { .stride = sizeof(*op), .count = 1, .array = (uintptr_t)op },
		.bos = { .stride = sizeof(ref), .count = 1, .array = (uintptr_t)&ref },
	};
	struct drm_dsb_submit s = {
		.jobs = { .stride = sizeof(job), .count = 1, .array = (uintptr_t)&job },
	};
	int ret = dsb_test_ioctl(fd, DRM_IOCTL_DSB_SUBMIT, &s);

	*seqno = job.seqno;
	return ret;
}

/* BO_LIST_CREATE under injection, then destroy what was created. */
static int bo_list_round(int fd, uint32_t bo)
{
	struct drm_dsb_bo_ref ref = { .handle = bo, .flags = DRM_DSB_BO_READ };
	struct drm_dsb_bo_list_create c = {
		.bos = { .stride = sizeof(ref), .count = 1, .array = (uintptr_t)&ref },
	};
	struct drm_dsb_bo_list_destroy d = { 0 };
	int ret;

	dsb_fi_begin();
	ret = dsb_test_ioctl(fd, DRM_IOCTL_DSB_BO_LIST_CREATE, &c);
	dsb_fi_end();
	ck_assert_msg(dsb_test_ok_or_enomem(ret), "BO_LIST_CREATE: %d", ret);
	if (!ret) {
		d.list_id = c.list_id;
		ck_assert_int_eq(dsb_test_ioctl(fd, DRM_IOCTL_DSB_BO_LIST_DESTROY, &d), 0);
	}
	return ret;
}

START_TEST(test_queue_and_submit_under_fault_injection)
{
	long long before[5], after[5];
	int q_ok = 0, q_nomem = 0, s_ok = 0, s_nomem = 0, l_nomem = 0;
	int fd;

	read_live(before);
	fd = dsb_test_open_or_skip();
	for (int round = 0; round < 20; round++) {
		struct drm_dsb_queue_create args = { .fence_slots = 8, .ring_packets = 64 };
		struct dsb_test_queue q;
		struct dsb_test_bo data, cmd;
		struct dsb_test_cmdbuf cb;
		uint64_t last = 0;
		int ret;

		ck_assert_int_eq(dsb_test_bo_create(fd, PAGE, &data), 0);
		ck_assert_int_eq(dsb_test_bo_create(fd, PAGE, &cmd), 0);
		/*
		 * QUEUE_CREATE alone under injection (the mmaps of the helper
		 * are the mm's business, not dsb's): it makes many allocations,
		 * so most attempts fail, and each must fail cleanly.
		 */
		for (int attempt = 0; attempt < 5; attempt++) {
			struct drm_dsb_queue_create c = args;
			struct drm_dsb_queue_destroy d = { 0 };

			dsb_fi_begin();
			ret = dsb_test_ioctl(fd, DRM_IOCTL_DSB_QUEUE_CREATE, &c);
			dsb_fi_end();
			ck_assert_msg(dsb_test_ok_or_enomem(ret), "QUEUE_CREATE: %d", ret);
			if (ret) {
				q_nomem++;
				continue;
			}
			q_ok++;
			d.queue_id = c.queue_id;
			ck_assert_int_eq(dsb_test_ioctl(fd, DRM_IOCTL_DSB_QUEUE_DESTROY, &d), 0);
		}
		ck_assert_int_eq(dsb_test_queue_create(fd, &args, &q), 0);
		l_nomem += !!bo_list_round(fd, data.handle);

		for (uint32_t j = 0; j < 8; j++) {
			struct drm_dsb_sync_op op = {
				.flags = DRM_DSB_SYNC_OP_SIGNAL | DRM_DSB_SYNC_OP_TIMELINE,
				.point = 1,
			};
			uint64_t seqno = 0, point = 0;
			int32_t err = 1;

			ck_assert_int_eq(drmSyncobjCreate(fd, 0, &op.handle), 0);
			dsb_test_cmd_init(&cb, (char *)cmd.map + j * 128, 128);
			dsb_test_cmd_write(&cb, data.va + 8 * j, 1000 + j);
			dsb_fi_begin();
			ret = submit_writing(fd, q.id, j, cmd.va + j * 128, dsb_test_cmd_len(&cb),
					     data.handle, &op, &seqno);
			dsb_fi_end();
			ck_assert_msg(dsb_test_ok_or_enomem(ret), "SUBMIT: %d", ret);
			ck_assert_int_eq(drmSyncobjQuery(fd, &op.handle, &point, 1), 0);
			if (ret) {
				/* Nothing was armed: no fence reached the syncobj. */
				ck_assert_uint_eq(point, 0);
				s_nomem++;
			} else {
				ck_assert_uint_eq(seqno, last + 1);
				last = seqno;
				ck_assert_int_eq(dsb_test_wait(fd, q.id, seqno, 10000000000ll, &err), 0);
				ck_assert_int_eq(err, 0);
				ck_assert_uint_eq(((volatile uint64_t *)data.map)[j], 1000 + j);
				ck_assert_int_eq(drmSyncobjQuery(fd, &op.handle, &point, 1), 0);
				ck_assert_uint_eq(point, 1);
				s_ok++;
			}
			ck_assert_int_eq(drmSyncobjDestroy(fd, op.handle), 0);
		}
		ck_assert_int_eq(dsb_test_queue_destroy(fd, &q), 0);
		ck_assert_int_eq(dsb_test_bo_destroy(fd, &cmd), 0);
		ck_assert_int_eq(dsb_test_bo_destroy(fd, &data), 0);
	}
	close(fd);
	if (!dsb_fault_injection_on()) {
		ck_assert_int_eq(q_nomem, 0);
		ck_assert_int_eq(s_nomem, 0);
		ck_assert_int_eq(l_nomem, 0);
	}
	fprintf(stderr, "fault injection %s: queues %d created, %d -ENOMEM; jobs %d submitted, %d -ENOMEM; buffer lists %d -ENOMEM\n",
		dsb_fault_injection_on() ? "on" : "off", q_ok, q_nomem, s_ok, s_nomem, l_nomem);

	/* Everything handed out is gone once the file is (fences free late). */
	for (int tries = 0; tries < 100; tries++) {
		read_live(after);
		if (!memcmp(before, after, sizeof(before)))
			break;
		usleep(10000);
	}
	for (size_t i = 0; i < sizeof(live) / sizeof(live[0]); i++)
		ck_assert_msg(before[i] == after[i], "%s: %lld before, %lld after",
			      live[i], before[i], after[i]);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("fi_submit");
	TCase *tc = tcase_new(s, "fault_injection", 300);

	tcase_add_test(tc, test_queue_and_submit_under_fault_injection);
	return vm_run(s, 0);
}
