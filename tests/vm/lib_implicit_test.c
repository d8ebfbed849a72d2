// SPDX-License-Identifier: MIT
/* Copyright (C) 2026 The dsb authors */
/*
 * libdsb's implicit synchronization against the real kernel (VM): a vgem
 * buffer named by a buffer list (dsb_bo_list_create(), dsb_sqe_set_bo_list())
 * holds a job of the library's SQ path, and of its io_uring path, until
 * vgem signals its write fence: checked by the data the job copies. The
 * SUBMIT path with dsb_job_set_bos(), and the opt-outs reachable from the
 * library (DSB_QUEUE_EXPLICIT_SYNC, dsb_bo_create_flags() with
 * DSB_BO_NO_IMPLICIT_SYNC), which do not wait.
 */
#define _GNU_SOURCE
#include <sys/ioctl.h>
#include <linux/dma-buf.h>

#include "dsb.h"
#include "vgem.h"

#define SHORT_NS	(50 * MS_NS)
#define LIB_WAIT_NS	(30 * SEC_NS)

static struct dsb_device dev;
static struct dsb_bo cmd, dst;

/* After vm_setup(): vgem, the library's view of `fd`, a command and a
 * destination buffer. */
static void setup(void)
{
	vfd = open_vgem();
	ck_assert_int_eq(dsb_device_from_fd(&dev, fd), 0);
	ck_assert_int_eq(dsb_bo_create(&dev, PAGE, &cmd), 0);
	ck_assert_int_eq(dsb_bo_create(&dev, BUF_BYTES, &dst), 0);
	memset(dst.map, 0, BUF_BYTES);
}

static void teardown(void)
{
	dsb_bo_destroy(&dev, &dst);
	dsb_bo_destroy(&dev, &cmd);
	dsb_device_close(&dev);
	if (vfd >= 0)
		close(vfd);
	vfd = -1;
}

/* cmd: copy BUF_BYTES from @src_va to dst. */
static uint32_t copy_cmd(uint64_t src_va)
{
	struct dsb_cmdbuf cb;

	dsb_cmdbuf_init(&cb, cmd.map, cmd.size, cmd.va);
	ck_assert_int_eq(dsb_cmd_copy(&cb, dst.va, src_va, BUF_BYTES), 0);
	return dsb_cmdbuf_len(&cb);
}

static void assert_dst(uint8_t v)
{
	for (uint32_t i = 0; i < BUF_BYTES; i++)
		ck_assert_msg(((uint8_t *)dst.map)[i] == v, "dst[%u] = %#x, not %#x", i,
			      ((uint8_t *)dst.map)[i], v);
}

/* A vgem buffer holding 0x11, with vgem's write fence on it. */
static struct shared vgem_writing(uint32_t *fence)
{
	struct shared s;
	int ret;

	ck_assert_msg(vfd >= 0, "no vgem device");
	s = vgem_shared();
	memset(s.map, 0x11, BUF_BYTES);
	*fence = vgem_attach(s.vhandle, true, &ret);
	ck_assert_int_eq(ret, 0);
	return s;
}

/* The list: the vgem buffer READ, dst WRITE. */
static uint32_t list_new(const struct shared *s)
{
	const struct drm_dsb_bo_ref bos[] = {
		{ s->handle, DRM_DSB_BO_READ }, { dst.handle, DRM_DSB_BO_WRITE },
	};
	uint32_t id = 0;

	ck_assert_int_eq(dsb_bo_list_create(&dev, bos, 2, &id), 0);
	ck_assert_uint_ne(id, 0);
	return id;
}

/* One job copying @src_va to dst through @q with buffer list @list. */
static void submit_copy(struct dsb_queue *q, uint64_t src_va, uint32_t list)
{
	struct drm_dsb_sqe *sqe = dsb_get_sqe(q);
	uint32_t len = copy_cmd(src_va);

	ck_assert_ptr_nonnull(sqe);
	dsb_prep_exec(sqe, cmd.va, len);
	dsb_sqe_set_bo_list(sqe, list);
	dsb_sqe_set_data64(sqe, 42);
	ck_assert_int_eq(dsb_submit(q), 1);
}

/* A queue with @flags, the vgem buffer's list, the copy job submitted. */
static uint32_t queue_and_copy(struct dsb_queue *q, uint32_t flags, const struct shared *s)
{
	struct dsb_queue_params p = { .flags = flags, .fence_slots = 16 };
	uint32_t list;

	ck_assert_int_eq(dsb_queue_init(&dev, q, &p), 0);
	list = list_new(s);
	submit_copy(q, s->va, list);
	return list;
}

/* The job's CQE: its error, after the CQE is consumed. */
static int32_t reap(struct dsb_queue *q, int64_t timeout_ns)
{
	struct drm_dsb_cqe *cqe;
	int32_t err;

	ck_assert_int_eq(dsb_wait_cqe_timeout(q, &cqe, timeout_ns), 0);
	ck_assert_uint_eq(dsb_cqe_get_data64(cqe), 42);
	err = cqe->error;
	ck_assert_int_eq(dsb_cqe_seen(q, cqe), 0);
	return err;
}

/*
 * vgem writes -> a job of the library's queue READs the buffer through a
 * buffer list: no CQE while vgem holds its fence, then the job copies
 * vgem's final data. The list is destroyed right after dsb_submit():
 * submitted jobs keep it.
 */
static void vgem_then_queue(uint32_t flags)
{
	struct drm_dsb_cqe *cqe;
	struct dsb_queue q;
	struct shared s;
	uint32_t fence, list;

	s = vgem_writing(&fence);
	list = queue_and_copy(&q, flags, &s);
	ck_assert_int_eq(dsb_bo_list_destroy(&dev, list), 0);
	ck_assert_int_eq(dsb_bo_list_destroy(&dev, list), -ENOENT);

	/* vgem still "writes": the job has not run. */
	ck_assert_int_eq(dsb_wait_cqe_timeout(&q, &cqe, SHORT_NS), -ETIME);
	ck_assert_uint_eq(dsb_queue_completed(&q), 0);
	assert_dst(0);
	memset(s.map, 0x5a, BUF_BYTES);	/* vgem's result */
	vgem_signal(fence);
	ck_assert_int_eq(reap(&q, LIB_WAIT_NS), 0);
	assert_dst(0x5a);

	dsb_queue_exit(&q);
	shared_free(&s);
}

START_TEST(test_sq_waits_for_vgem)
{
	vgem_then_queue(0);
}
END_TEST

START_TEST(test_uring_waits_for_vgem)
{
	vgem_then_queue(DSB_QUEUE_IO_URING);
}
END_TEST

/* The SUBMIT path: dsb_submit_jobs() with dsb_job_set_bos(). */
START_TEST(test_submit_jobs_waits_for_vgem)
{
	struct dsb_queue_params p = { .fence_slots = 16 };
	struct dsb_queue q;
	struct shared s;
	uint32_t fence, bad = 99;
	int32_t err = 1;

	s = vgem_writing(&fence);
	ck_assert_int_eq(dsb_queue_init(&dev, &q, &p), 0);
	{
		const struct drm_dsb_bo_ref bos[] = {
			{ s.handle, DRM_DSB_BO_READ }, { dst.handle, DRM_DSB_BO_WRITE },
		};
		struct drm_dsb_job job = {
			.queue_id = q.queue_id, .slot = 0, .cmd_va = cmd.va,
			.cmd_len = copy_cmd(s.va),
			.syncs = { .stride = sizeof(struct drm_dsb_sync_op) },
		};

		dsb_job_set_bos(&job, bos, 2);
		ck_assert_int_eq(dsb_submit_jobs(&dev, &job, 1, &bad), 0);
		ck_assert_int_eq(dsb_wait_seqno(&q, job.seqno, SHORT_NS, &err), -ETIME);
		memset(s.map, 0x5a, BUF_BYTES);
		vgem_signal(fence);
		ck_assert_int_eq(dsb_wait_seqno(&q, job.seqno, LIB_WAIT_NS, &err), 0);
		ck_assert_int_eq(err, 0);
	}
	assert_dst(0x5a);
	dsb_queue_exit(&q);
	shared_free(&s);
}
END_TEST

/* A DSB_QUEUE_EXPLICIT_SYNC queue runs the same job at once. */
START_TEST(test_explicit_sync_queue_does_not_wait)
{
	struct dsb_queue q;
	struct shared s;
	uint32_t fence, list;

	s = vgem_writing(&fence);
	list = queue_and_copy(&q, DSB_QUEUE_EXPLICIT_SYNC, &s);
	ck_assert_int_eq(reap(&q, LIB_WAIT_NS), 0);
	assert_dst(0x11);	/* ran before vgem was done */
	vgem_signal(fence);
	ck_assert_int_eq(dsb_bo_list_destroy(&dev, list), 0);
	dsb_queue_exit(&q);
	shared_free(&s);
}
END_TEST

/*
 * vgem's fence imported as a sync_file into two dsb buffers' dma-bufs: a
 * job reading the plain one waits, a job reading the one made with
 * DSB_BO_NO_IMPLICIT_SYNC does not.
 */
START_TEST(test_no_implicit_sync_bo)
{
	struct dma_buf_export_sync_file ex = { .flags = DMA_BUF_SYNC_WRITE, .fd = -1 };
	struct dsb_queue_params p = { .fence_slots = 16 };
	struct drm_dsb_cqe *cqe;
	struct dsb_bo plain, priv, bad;
	struct dsb_queue q;
	struct shared s;
	uint32_t fence, list;
	int dmabuf[2];

	s = vgem_writing(&fence);
	ck_assert_int_eq(ioctl(s.dmabuf, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &ex), 0);
	ck_assert_int_eq(dsb_bo_create(&dev, BUF_BYTES, &plain), 0);
	ck_assert_int_eq(dsb_bo_create_flags(&dev, BUF_BYTES, DSB_BO_NO_IMPLICIT_SYNC, &priv), 0);
	ck_assert_int_eq(dsb_bo_create_flags(&dev, BUF_BYTES, 1u << 9, &bad), -EINVAL);
	memset(plain.map, 0x22, BUF_BYTES);
	memset(priv.map, 0x33, BUF_BYTES);
	ck_assert_int_eq(dsb_bo_export_fd(&dev, &plain, &dmabuf[0]), 0);
	ck_assert_int_eq(dsb_bo_export_fd(&dev, &priv, &dmabuf[1]), 0);
	for (int i = 0; i < 2; i++) {
		struct dma_buf_import_sync_file im = { .flags = DMA_BUF_SYNC_WRITE, .fd = ex.fd };

		ck_assert_int_eq(ioctl(dmabuf[i], DMA_BUF_IOCTL_IMPORT_SYNC_FILE, &im), 0);
	}
	close(ex.fd);
	ck_assert_int_eq(dsb_queue_init(&dev, &q, &p), 0);

	{
		const struct drm_dsb_bo_ref bos[] = {
			{ priv.handle, DRM_DSB_BO_READ }, { dst.handle, DRM_DSB_BO_WRITE },
		};

		ck_assert_int_eq(dsb_bo_list_create(&dev, bos, 2, &list), 0);
	}
	submit_copy(&q, priv.va, list);
	ck_assert_int_eq(reap(&q, LIB_WAIT_NS), 0);
	assert_dst(0x33);
	ck_assert_int_eq(dsb_bo_list_destroy(&dev, list), 0);

	{
		const struct drm_dsb_bo_ref bos[] = {
			{ plain.handle, DRM_DSB_BO_READ }, { dst.handle, DRM_DSB_BO_WRITE },
		};

		ck_assert_int_eq(dsb_bo_list_create(&dev, bos, 2, &list), 0);
	}
	submit_copy(&q, plain.va, list);
	ck_assert_int_eq(dsb_wait_cqe_timeout(&q, &cqe, SHORT_NS), -ETIME);
	vgem_signal(fence);
	ck_assert_int_eq(reap(&q, LIB_WAIT_NS), 0);
	assert_dst(0x22);
	ck_assert_int_eq(dsb_bo_list_destroy(&dev, list), 0);

	dsb_queue_exit(&q);
	close(dmabuf[0]);
	close(dmabuf[1]);
	dsb_bo_destroy(&dev, &priv);
	dsb_bo_destroy(&dev, &plain);
	shared_free(&s);
}
END_TEST

/* An unknown list fails its job with an error CQE, not the submit. */
START_TEST(test_unknown_list_error_cqe)
{
	struct dsb_queue_params p = { .fence_slots = 16 };
	struct dsb_queue q;

	ck_assert_int_eq(dsb_queue_init(&dev, &q, &p), 0);
	submit_copy(&q, dst.va + 0, 0x7fff);
	ck_assert_int_eq(reap(&q, LIB_WAIT_NS), -ENOENT);
	ck_assert_uint_eq(q.slots_free, q.nr_slots);
	dsb_queue_exit(&q);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("lib_implicit");
	TCase *tc = tcase_new(s, "lib_implicit", 120);

	vm_fixture(tc, NULL);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_sq_waits_for_vgem);
	tcase_add_test(tc, test_uring_waits_for_vgem);
	tcase_add_test(tc, test_submit_jobs_waits_for_vgem);
	tcase_add_test(tc, test_explicit_sync_queue_does_not_wait);
	tcase_add_test(tc, test_no_implicit_sync_bo);
	tcase_add_test(tc, test_unknown_list_error_cqe);
	return vm_run(s, VM_SKIP_WITHOUT_DEVICE);
}
