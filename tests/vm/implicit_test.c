// SPDX-License-Identifier: MIT
/* Copyright (C) 2026 The dsb authors */
/*
 * Implicit synchronization (issue 14): buffers shared with vgem (the
 * device without user queues) and between the two dsb devices keep their
 * order through the buffers' reservation objects alone.
 *
 * - vgem writes (FENCE_ATTACH WRITE) -> a dsb job that READs the buffer
 *   waits, GPU-side, until vgem signals: checked by the data it copies;
 * - a dsb job that WRITEs a buffer -> vgem's FENCE_ATTACH (-EBUSY), the
 *   dma-buf's exported sync_file and poll() all wait for it;
 * - a sync_file imported into a dsb buffer (DMA_BUF_IOCTL_IMPORT_SYNC_FILE)
 *   makes the next dsb job on it wait;
 * - opting out: a DRM_DSB_BO_NO_IMPLICIT_SYNC buffer and a
 *   DRM_DSB_QUEUE_EXPLICIT_SYNC queue neither wait nor publish;
 * - a failed producer's error reaches its implicit consumer;
 * - dev0 -> dev1 -> dev0 chains on a buffer shared by PRIME, no explicit
 *   sync, data order checked;
 * - hostile buffer lists are rejected with the documented errors and leave
 *   the live counters where they were.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <sys/ioctl.h>
#include <linux/dma-buf.h>

#include "vgem.h"

#define SHORT_NS	(50 * MS_NS)

static struct arena ar;
/* Two queues from vm_fixture(). */
#define q	fx_queue[0]
#define q2	fx_queue[1]
static struct dsb_test_bo gate;	/* a MEMWAIT word that holds jobs back */

/* After vm_setup(): vgem, command buffers, the gate word. */
static void setup(void)
{
	vfd = open_vgem();
	arena_init(fd, &ar, 64);
	ck_assert_int_eq(dsb_test_bo_create(fd, PAGE, &gate), 0);
}

static void teardown(void)
{
	if (vfd >= 0)
		close(vfd);
	vfd = -1;
}

/* One job through SUBMIT with a buffer list; returns 0 or -errno. */
static int submit_bos(int f, uint32_t qid, uint32_t slot, uint64_t va,
		      const struct dsb_test_cmdbuf *cb, const struct drm_dsb_bo_ref *bos,
		      uint32_t nbos, uint64_t *seqno)
{
	struct drm_dsb_job job = {
		.queue_id = qid, .slot = slot, .cmd_va = va, .cmd_len = dsb_test_cmd_len(cb),
		.syncs = { .stride = sizeof(struct drm_dsb_sync_op) },
		.bos = { .stride = sizeof(*bos), .count = nbos, .array = (uintptr_t)bos },
	};
	struct drm_dsb_submit s = {
		.jobs = { .stride = sizeof(job), .count = 1, .array = (uintptr_t)&job },
	};
	int ret = dsb_test_ioctl(f, DRM_IOCTL_DSB_SUBMIT, &s);

	if (!ret && seqno)
		*seqno = job.seqno;
	return ret;
}

static uint64_t submit_bos_ok(int f, uint32_t qid, uint32_t slot, uint64_t va,
			      const struct dsb_test_cmdbuf *cb,
			      const struct drm_dsb_bo_ref *bos, uint32_t nbos)
{
	uint64_t seqno = 0;
	int ret = submit_bos(f, qid, slot, va, cb, bos, nbos, &seqno);

	ck_assert_msg(ret == 0, "submit with %u buffers: %s", nbos, strerror(-ret));
	return seqno;
}

/* Job still running after SHORT_NS: WAIT times out. */
static void assert_pending(int f, uint32_t qid, uint64_t seqno)
{
	ck_assert_int_eq(dsb_test_wait(f, qid, seqno, SHORT_NS, NULL), -ETIME);
}

static void gate_set(uint64_t v)
{
	__atomic_store_n((uint64_t *)gate.map, v, __ATOMIC_RELEASE);
}

static int dmabuf_sync_file_signalled(int dmabuf, uint32_t flags)
{
	struct dma_buf_export_sync_file ex = { .flags = flags, .fd = -1 };
	int ioctl_err, st;

	ck_assert_int_eq(ioctl(dmabuf, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &ex), 0);
	st = dsb_test_sync_file_status(ex.fd, &ioctl_err);
	close(ex.fd);
	return st;
}

START_TEST(test_vgem_write_then_dsb_read)
{
	struct dsb_test_bo dst;
	struct dsb_test_cmdbuf cb;
	struct shared s;
	uint32_t fence;
	uint64_t va, seqno;
	int ret;

	ck_assert_msg(vfd >= 0, "no vgem device");
	s = vgem_shared();
	ck_assert_int_eq(dsb_test_bo_create(fd, BUF_BYTES, &dst), 0);
	memset(s.map, 0x11, BUF_BYTES);
	fence = vgem_attach(s.vhandle, true, &ret);
	ck_assert_int_eq(ret, 0);

	va = arena_cmd(&ar, &cb);
	ck_assert_int_eq(dsb_test_cmd_copy(&cb, dst.va, s.va, BUF_BYTES), 0);
	{
		const struct drm_dsb_bo_ref bos[] = {
			{ s.handle, DRM_DSB_BO_READ }, { dst.handle, DRM_DSB_BO_WRITE },
		};

		seqno = submit_bos_ok(fd, q.id, 0, va, &cb, bos, 2);
	}
	/* vgem still "writes": the job must not have run. */
	assert_pending(fd, q.id, seqno);
	memset(s.map, 0x5a, BUF_BYTES);	/* vgem's result */
	vgem_signal(fence);
	ck_assert_int_eq(wait_job(fd, q.id, seqno), 0);
	for (uint32_t i = 0; i < BUF_BYTES; i++)
		ck_assert_uint_eq(((uint8_t *)dst.map)[i], 0x5a);
	shared_free(&s);
	dsb_test_bo_destroy(fd, &dst);
}
END_TEST

START_TEST(test_dsb_write_then_vgem)
{
	struct dsb_test_cmdbuf cb;
	struct pollfd pfd;
	struct shared s;
	uint64_t va, seqno;
	uint32_t fence;
	int ret;

	ck_assert_msg(vfd >= 0, "no vgem device");
	s = vgem_shared();
	gate_set(0);
	va = arena_cmd(&ar, &cb);
	ck_assert_int_eq(dsb_test_cmd_memwait(&cb, gate.va, 1, 0), 0);
	ck_assert_int_eq(dsb_test_cmd_fill(&cb, s.va, 0xabcdabcd, BUF_BYTES), 0);
	{
		const struct drm_dsb_bo_ref bos[] = { { s.handle, DRM_DSB_BO_WRITE } };

		seqno = submit_bos_ok(fd, q.id, 1, va, &cb, bos, 1);
	}
	/* Everyone relying on implicit sync sees the dsb job. */
	vgem_attach(s.vhandle, false, &ret);
	ck_assert_int_eq(ret, -EBUSY);
	ck_assert_int_eq(dmabuf_sync_file_signalled(s.dmabuf, DMA_BUF_SYNC_READ), 0);
	pfd = (struct pollfd){ .fd = s.dmabuf, .events = POLLIN };
	ck_assert_int_eq(poll(&pfd, 1, 50), 0);

	gate_set(1);
	ck_assert_int_eq(wait_job(fd, q.id, seqno), 0);
	ck_assert_int_eq(poll(&pfd, 1, 5000), 1);
	ck_assert_int_eq(dmabuf_sync_file_signalled(s.dmabuf, DMA_BUF_SYNC_RW), 1);
	ck_assert_uint_eq(((uint32_t *)s.map)[BUF_BYTES / 4 - 1], 0xabcdabcd);
	fence = vgem_attach(s.vhandle, true, &ret);
	ck_assert_int_eq(ret, 0);
	vgem_signal(fence);
	shared_free(&s);
}
END_TEST

/* An imported sync_file makes the next dsb job on the buffer wait. */
START_TEST(test_import_sync_file)
{
	struct dma_buf_import_sync_file im = { .flags = DMA_BUF_SYNC_WRITE };
	struct dma_buf_export_sync_file ex = { .flags = DMA_BUF_SYNC_WRITE, .fd = -1 };
	struct dsb_test_bo buf;
	struct dsb_test_cmdbuf cb;
	struct shared s;
	uint64_t va, seqno;
	uint32_t fence;
	int dmabuf, ret;

	ck_assert_msg(vfd >= 0, "no vgem device");
	/* A vgem fence, as a sync_file. */
	s = vgem_shared();
	fence = vgem_attach(s.vhandle, true, &ret);
	ck_assert_int_eq(ret, 0);
	ck_assert_int_eq(ioctl(s.dmabuf, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &ex), 0);

	/* Into a dsb buffer's own dma-buf. */
	ck_assert_int_eq(dsb_test_bo_create(fd, BUF_BYTES, &buf), 0);
	ck_assert_int_eq(drmPrimeHandleToFD(fd, buf.handle, DRM_CLOEXEC | DRM_RDWR, &dmabuf), 0);
	im.fd = ex.fd;
	ck_assert_int_eq(ioctl(dmabuf, DMA_BUF_IOCTL_IMPORT_SYNC_FILE, &im), 0);
	close(ex.fd);

	va = arena_cmd(&ar, &cb);
	ck_assert_int_eq(dsb_test_cmd_write(&cb, buf.va, 77), 0);
	{
		const struct drm_dsb_bo_ref bos[] = { { buf.handle, DRM_DSB_BO_READ } };

		seqno = submit_bos_ok(fd, q.id, 2, va, &cb, bos, 1);
	}
	assert_pending(fd, q.id, seqno);
	vgem_signal(fence);
	ck_assert_int_eq(wait_job(fd, q.id, seqno), 0);
	ck_assert_uint_eq(*(uint64_t *)buf.map, 77);
	close(dmabuf);
	shared_free(&s);
	dsb_test_bo_destroy(fd, &buf);
}
END_TEST

/* NO_IMPLICIT_SYNC buffers and EXPLICIT_SYNC queues neither wait nor publish. */
START_TEST(test_opt_out)
{
	struct drm_dsb_queue_create qc = { .flags = DRM_DSB_QUEUE_EXPLICIT_SYNC };
	struct drm_dsb_bo_create bc = { .size = BUF_BYTES, .flags = DRM_DSB_BO_NO_IMPLICIT_SYNC };
	struct dsb_test_queue xq;
	struct dsb_test_cmdbuf cb;
	struct shared s;
	uint64_t va, seqno;
	uint32_t fence;
	int dmabuf, ret;

	ck_assert_msg(vfd >= 0, "no vgem device");
	s = vgem_shared();
	fence = vgem_attach(s.vhandle, true, &ret);
	ck_assert_int_eq(ret, 0);

	/* An explicit-only queue does not wait for vgem, nor add a fence. */
	ck_assert_int_eq(dsb_test_queue_create(fd, &qc, &xq), 0);
	gate_set(0);
	va = arena_cmd(&ar, &cb);
	ck_assert_int_eq(dsb_test_cmd_write(&cb, s.va, 1), 0);
	{
		const struct drm_dsb_bo_ref bos[] = { { s.handle, DRM_DSB_BO_WRITE } };

		seqno = submit_bos_ok(fd, xq.id, 0, va, &cb, bos, 1);
	}
	ck_assert_int_eq(wait_job(fd, xq.id, seqno), 0);

	/* A NO_IMPLICIT_SYNC buffer: no fence while its writer is blocked. */
	ck_assert_int_eq(dsb_test_ioctl(fd, DRM_IOCTL_DSB_BO_CREATE, &bc), 0);
	ck_assert_int_eq(drmPrimeHandleToFD(fd, bc.handle, DRM_CLOEXEC | DRM_RDWR, &dmabuf), 0);
	va = arena_cmd(&ar, &cb);
	ck_assert_int_eq(dsb_test_cmd_memwait(&cb, gate.va, 1, 0), 0);
	ck_assert_int_eq(dsb_test_cmd_write(&cb, bc.va, 2), 0);
	{
		const struct drm_dsb_bo_ref bos[] = { { bc.handle, DRM_DSB_BO_WRITE } };

		seqno = submit_bos_ok(fd, q.id, 3, va, &cb, bos, 1);
	}
	assert_pending(fd, q.id, seqno);
	ck_assert_int_eq(dmabuf_sync_file_signalled(dmabuf, DMA_BUF_SYNC_RW), 1);
	gate_set(1);
	ck_assert_int_eq(wait_job(fd, q.id, seqno), 0);

	vgem_signal(fence);
	close(dmabuf);
	dsb_test_gem_close(fd, bc.handle);
	ck_assert_int_eq(dsb_test_queue_destroy(fd, &xq), 0);
	shared_free(&s);
}
END_TEST

/* A producer that faults: its implicit consumer on another queue fails too. */
START_TEST(test_error_propagates)
{
	struct dsb_test_bo buf;
	struct dsb_test_cmdbuf cb;
	uint64_t va, prod, cons;

	ck_assert_int_eq(dsb_test_bo_create(fd, BUF_BYTES, &buf), 0);
	gate_set(0);
	va = arena_cmd(&ar, &cb);
	ck_assert_int_eq(dsb_test_cmd_memwait(&cb, gate.va, 1, 0), 0);
	ck_assert_int_eq(dsb_test_cmd_write(&cb, 8, 1), 0);	/* unmapped: BAD_VA */
	{
		const struct drm_dsb_bo_ref bos[] = { { buf.handle, DRM_DSB_BO_WRITE } };

		prod = submit_bos_ok(fd, q2.id, 0, va, &cb, bos, 1);
	}
	va = arena_cmd(&ar, &cb);
	ck_assert_int_eq(dsb_test_cmd_write(&cb, buf.va, 3), 0);
	{
		const struct drm_dsb_bo_ref bos[] = { { buf.handle, DRM_DSB_BO_READ } };

		cons = submit_bos_ok(fd, q.id, 4, va, &cb, bos, 1);
	}
	assert_pending(fd, q.id, cons);
	gate_set(1);
	ck_assert_int_eq(wait_job(fd, q2.id, prod), -EIO);
	ck_assert_int_eq(wait_job(fd, q.id, cons), -EIO);
	ck_assert_uint_eq(*(uint64_t *)buf.map, 0);	/* skipped its work */
	dsb_test_bo_destroy(fd, &buf);
}
END_TEST

/*
 * dev0 and dev1 share a buffer through PRIME, with implicit sync only: in
 * round i a dev0 job writes 2i+1 into it, models 200 us of work, then
 * writes 2i+2; a dev1 job copies the value into its log. Each dev1 copy
 * must see its round's final value (it waits for the writer) and never the
 * next round's (the next writer waits for the reader). Without implicit
 * sync the two engines race and the log shows partial or later values.
 */
START_TEST(test_two_devices_chain)
{
	const unsigned int rounds = 500;	/* 1,000 jobs */
	struct dsb_test_bo buf, log1, cmd1;
	struct drm_dsb_bo_info info = { 0 };
	struct dsb_test_queue q1;
	uint64_t seq0[64] = { 0 }, seq1[64] = { 0 };
	uint32_t h1;
	int fd1, dmabuf;

	if (dsb_test_count_devices() < 2)
		return;
	fd1 = dsb_test_open(1);
	ck_assert_int_ge(fd1, 0);
	q1 = queue_new(fd1, 256, 64, 0);
	ck_assert_int_eq(dsb_test_bo_create(fd, PAGE, &buf), 0);
	ck_assert_int_eq(drmPrimeHandleToFD(fd, buf.handle, DRM_CLOEXEC | DRM_RDWR, &dmabuf), 0);
	ck_assert_int_eq(drmPrimeFDToHandle(fd1, dmabuf, &h1), 0);
	info.handle = h1;
	ck_assert_int_eq(dsb_test_ioctl(fd1, DRM_IOCTL_DSB_BO_INFO, &info), 0);
	ck_assert_int_eq(dsb_test_bo_create(fd1, rounds * 8, &log1), 0);
	ck_assert_int_eq(dsb_test_bo_create(fd1, 64 * 64, &cmd1), 0);

	for (unsigned int i = 0; i < rounds; i++) {
		const struct drm_dsb_bo_ref w0[] = { { buf.handle, DRM_DSB_BO_WRITE } };
		const struct drm_dsb_bo_ref r1[] = { { h1, DRM_DSB_BO_READ },
						     { log1.handle, DRM_DSB_BO_WRITE } };
		unsigned int k = i % 64;
		struct dsb_test_cmdbuf cb;
		uint64_t va;

		/* A fence slot is reused only once its previous job is done. */
		if (seq0[k])
			ck_assert_int_eq(wait_job(fd, q.id, seq0[k]), 0);
		if (seq1[k])
			ck_assert_int_eq(wait_job(fd1, q1.id, seq1[k]), 0);
		va = arena_cmd(&ar, &cb);
		ck_assert_int_eq(dsb_test_cmd_write(&cb, buf.va, 2 * i + 1), 0);
		ck_assert_int_eq(dsb_test_cmd_delay(&cb, 200000), 0);
		ck_assert_int_eq(dsb_test_cmd_write(&cb, buf.va, 2 * i + 2), 0);
		seq0[k] = submit_bos_ok(fd, q.id, k, va, &cb, w0, 1);

		dsb_test_cmd_init(&cb, (char *)cmd1.map + k * 64, 64);
		ck_assert_int_eq(dsb_test_cmd_copy(&cb, log1.va + 8 * i, info.va, 8), 0);
		seq1[k] = submit_bos_ok(fd1, q1.id, k, cmd1.va + k * 64, &cb, r1, 2);
	}
	for (unsigned int k = 0; k < 64; k++) {
		if (seq0[k])
			ck_assert_int_eq(wait_job(fd, q.id, seq0[k]), 0);
		if (seq1[k])
			ck_assert_int_eq(wait_job(fd1, q1.id, seq1[k]), 0);
	}
	for (unsigned int i = 0; i < rounds; i++)
		ck_assert_msg(((uint64_t *)log1.map)[i] == 2 * i + 2,
			      "round %u: dev1 read %llu, not %u", i,
			      (unsigned long long)((uint64_t *)log1.map)[i], 2 * i + 2);
	close(dmabuf);
	dsb_test_gem_close(fd1, h1);
	dsb_test_bo_destroy(fd1, &cmd1);
	dsb_test_bo_destroy(fd1, &log1);
	dsb_test_queue_destroy(fd1, &q1);
	close(fd1);
	dsb_test_bo_destroy(fd, &buf);
}
END_TEST

static const char *const live[] = {
	"live_jobs", "live_fences", "live_queues", "live_bos", "live_vms",
};
#define N_LIVE (sizeof(live) / sizeof(live[0]))

static void read_live(long long *v)
{
	for (size_t i = 0; i < N_LIVE; i++)
		ck_assert_int_eq(dsb_test_debugfs_counter(0, live[i], &v[i]), 0);
}

/* Hostile buffer lists: documented errors, nothing left behind. */
START_TEST(test_hostile_lists)
{
	static struct drm_dsb_bo_ref many[10000];
	long long before[N_LIVE], after[N_LIVE];
	struct dsb_test_bo a, b;
	struct dsb_test_cmdbuf cb;
	uint32_t closed;
	uint64_t va;

	ck_assert_int_eq(dsb_test_bo_create(fd, PAGE, &a), 0);
	ck_assert_int_eq(dsb_test_bo_create(fd, PAGE, &b), 0);
	va = arena_cmd(&ar, &cb);
	ck_assert_int_eq(dsb_test_cmd_nop(&cb), 0);
	{
		/* A handle closed before use. */
		struct drm_dsb_bo_create bc = { .size = PAGE };

		ck_assert_int_eq(dsb_test_ioctl(fd, DRM_IOCTL_DSB_BO_CREATE, &bc), 0);
		closed = bc.handle;
		ck_assert_int_eq(dsb_test_gem_close(fd, closed), 0);
	}
	for (unsigned int i = 0; i < 10000; i++)
		many[i] = (struct drm_dsb_bo_ref){ a.handle, DRM_DSB_BO_READ };
	read_live(before);
	for (int round = 0; round < 20; round++) {
		const struct drm_dsb_bo_ref dup[] = {
			{ a.handle, DRM_DSB_BO_READ }, { b.handle, DRM_DSB_BO_READ },
			{ a.handle, DRM_DSB_BO_WRITE },
		};
		const struct drm_dsb_bo_ref unknown[] = {
			{ a.handle, DRM_DSB_BO_READ }, { 0xdead, DRM_DSB_BO_READ },
		};
		const struct drm_dsb_bo_ref gone[] = { { closed, DRM_DSB_BO_WRITE } };
		const struct drm_dsb_bo_ref noflags[] = { { a.handle, 0 } };
		const struct drm_dsb_bo_ref badflags[] = { { a.handle, 1u << 7 | DRM_DSB_BO_READ } };

		ck_assert_int_eq(submit_bos(fd, q.id, 5, va, &cb, many, 10000, NULL), -EINVAL);
		ck_assert_int_eq(submit_bos(fd, q.id, 5, va, &cb, many, DRM_DSB_MAX_JOB_BOS + 1,
					    NULL), -EINVAL);
		ck_assert_int_eq(submit_bos(fd, q.id, 5, va, &cb, many, 2, NULL), -EINVAL);
		ck_assert_int_eq(submit_bos(fd, q.id, 5, va, &cb, dup, 3, NULL), -EINVAL);
		ck_assert_int_eq(submit_bos(fd, q.id, 5, va, &cb, unknown, 2, NULL), -ENOENT);
		ck_assert_int_eq(submit_bos(fd, q.id, 5, va, &cb, gone, 1, NULL), -ENOENT);
		ck_assert_int_eq(submit_bos(fd, q.id, 5, va, &cb, noflags, 1, NULL), -EINVAL);
		ck_assert_int_eq(submit_bos(fd, q.id, 5, va, &cb, badflags, 1, NULL), -EINVAL);
	}
	/* Buffer lists for the SQ: the same checks at creation. */
	{
		struct drm_dsb_bo_list_create lc = {
			.bos = { .stride = sizeof(many[0]), .count = 10000, .array = (uintptr_t)many },
		};
		struct drm_dsb_bo_list_destroy ld = { 0 };

		ck_assert_int_eq(dsb_test_ioctl(fd, DRM_IOCTL_DSB_BO_LIST_CREATE, &lc), -EINVAL);
		lc.bos.count = 2;
		ck_assert_int_eq(dsb_test_ioctl(fd, DRM_IOCTL_DSB_BO_LIST_CREATE, &lc), -EINVAL);
		lc.bos.count = 1;
		lc.flags = 1;
		ck_assert_int_eq(dsb_test_ioctl(fd, DRM_IOCTL_DSB_BO_LIST_CREATE, &lc), -EINVAL);
		lc.flags = 0;
		ck_assert_int_eq(dsb_test_ioctl(fd, DRM_IOCTL_DSB_BO_LIST_CREATE, &lc), 0);
		ck_assert_uint_ne(lc.list_id, 0);
		ld.list_id = lc.list_id;
		ck_assert_int_eq(dsb_test_ioctl(fd, DRM_IOCTL_DSB_BO_LIST_DESTROY, &ld), 0);
		ck_assert_int_eq(dsb_test_ioctl(fd, DRM_IOCTL_DSB_BO_LIST_DESTROY, &ld), -ENOENT);
	}
	read_live(after);
	for (size_t i = 0; i < N_LIVE; i++)
		ck_assert_msg(after[i] == before[i], "%s: %lld before, %lld after", live[i],
			      before[i], after[i]);
	dsb_test_bo_destroy(fd, &b);
	dsb_test_bo_destroy(fd, &a);
}
END_TEST

int main(void)
{
	const struct vm_fixture_params fx = {
		.queues = 2, .queue = { .ring_packets = 256, .fence_slots = 64 },
	};
	Suite *s = suite_create("implicit");
	TCase *tc = tcase_new(s, "implicit", 300);

	vm_fixture(tc, &fx);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_vgem_write_then_dsb_read);
	tcase_add_test(tc, test_dsb_write_then_vgem);
	tcase_add_test(tc, test_import_sync_file);
	tcase_add_test(tc, test_opt_out);
	tcase_add_test(tc, test_error_propagates);
	tcase_add_test(tc, test_two_devices_chain);
	tcase_add_test(tc, test_hostile_lists);
	return vm_run(s, VM_SKIP_WITHOUT_DEVICE);
}
