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
 * - an SQ batch submitted again without an entry that failed by itself
 *   keeps the buffer lists of the entries before it;
 * - dev0 -> dev1 -> dev0 chains on a buffer shared by PRIME, no explicit
 *   sync, data order checked;
 * - hostile buffer lists are rejected with the documented errors and leave
 *   the live counters where they were;
 * - a client SIGKILLed at random times while it submits jobs with buffer
 *   lists shared with the test process and vgem (SUBMIT inline, the SQ with
 *   a BO list) leaves no job, fence, queue, buffer or VM behind and no
 *   reservation lock held.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
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

/*
 * A producer that faults: its implicit consumer on another queue fails too,
 * but the error goes no further: the consumer's own consumer (through a
 * second buffer) runs, and so does a user of the first buffer that comes
 * after the failure.
 */
START_TEST(test_error_propagates)
{
	struct dsb_test_bo buf, buf2;
	struct dsb_test_cmdbuf cb;
	uint64_t va, prod, cons, cons2, late;

	ck_assert_int_eq(dsb_test_bo_create(fd, BUF_BYTES, &buf), 0);
	ck_assert_int_eq(dsb_test_bo_create(fd, BUF_BYTES, &buf2), 0);
	gate_set(0);
	va = arena_cmd(&ar, &cb);
	ck_assert_int_eq(dsb_test_cmd_memwait(&cb, gate.va, 1, 0), 0);
	ck_assert_int_eq(dsb_test_cmd_write(&cb, 8, 1), 0);	/* unmapped: BAD_VA */
	{
		const struct drm_dsb_bo_ref bos[] = { { buf.handle, DRM_DSB_BO_WRITE } };

		prod = submit_bos_ok(fd, q2.id, 0, va, &cb, bos, 1);
	}
	va = arena_cmd(&ar, &cb);
	ck_assert_int_eq(dsb_test_cmd_write(&cb, buf2.va, 3), 0);
	{
		const struct drm_dsb_bo_ref bos[] = { { buf.handle, DRM_DSB_BO_READ },
						      { buf2.handle, DRM_DSB_BO_WRITE } };

		cons = submit_bos_ok(fd, q.id, 4, va, &cb, bos, 2);
	}
	va = arena_cmd(&ar, &cb);
	ck_assert_int_eq(dsb_test_cmd_write(&cb, buf2.va + 8, 4), 0);
	{
		const struct drm_dsb_bo_ref bos[] = { { buf2.handle, DRM_DSB_BO_READ } };
		struct dsb_test_queue *q3 = &q;	/* same queue: ordered after cons anyway */

		cons2 = submit_bos_ok(fd, q3->id, 5, va, &cb, bos, 1);
	}
	assert_pending(fd, q.id, cons);
	gate_set(1);
	ck_assert_int_eq(wait_job(fd, q2.id, prod), -EIO);
	ck_assert_int_eq(wait_job(fd, q.id, cons), -EIO);
	ck_assert_uint_eq(*(uint64_t *)buf2.map, 0);	/* skipped its work */
	/* An inherited error does not travel on through buf2. */
	ck_assert_int_eq(wait_job(fd, q.id, cons2), 0);
	ck_assert_uint_eq(((uint64_t *)buf2.map)[1], 4);
	/* Nor does the producer's own error reach a later user of buf. */
	va = arena_cmd(&ar, &cb);
	ck_assert_int_eq(dsb_test_cmd_write(&cb, buf.va, 5), 0);
	{
		const struct drm_dsb_bo_ref bos[] = { { buf.handle, DRM_DSB_BO_READ } };

		late = submit_bos_ok(fd, q.id, 6, va, &cb, bos, 1);
	}
	ck_assert_int_eq(wait_job(fd, q.id, late), 0);
	ck_assert_uint_eq(*(uint64_t *)buf.map, 5);
	dsb_test_bo_destroy(fd, &buf2);
	dsb_test_bo_destroy(fd, &buf);
}
END_TEST

/*
 * The SQ submits the entries before one that fails by itself as a batch of
 * their own: they keep their buffer lists. Entry 0 reads a buffer whose
 * writer is held back, entry 1 waits for an unknown syncobj (-ENOENT, found
 * only when the batch is prepared): entry 0 must still wait for the writer
 * (the retried batch used to run without its lists).
 */
START_TEST(test_sq_retry_keeps_lists)
{
	struct drm_dsb_sq_cq_header *h = q.sq_cq;
	struct drm_dsb_sqe *sqes = (void *)((char *)h + h->sqes_offset);
	const struct drm_dsb_cqe *cqes = (const void *)((char *)h + h->cqes_offset);
	struct drm_dsb_bo_ref ref;
	struct drm_dsb_bo_list_create lc = {
		.bos = { .stride = sizeof(ref), .count = 1, .array = (uintptr_t)&ref },
	};
	struct drm_dsb_queue_submit_sq sub = { .queue_id = q.id, .count = 2 };
	uint32_t tail = h->sq_tail, head = h->cq_head;
	const struct drm_dsb_cqe *c;
	struct dsb_test_cmdbuf cb, nop;
	struct dsb_test_bo buf;
	uint64_t va, nop_va, prod;

	ck_assert_int_eq(dsb_test_bo_create(fd, BUF_BYTES, &buf), 0);
	gate_set(0);
	va = arena_cmd(&ar, &cb);
	ck_assert_int_eq(dsb_test_cmd_memwait(&cb, gate.va, 1, 0), 0);
	ck_assert_int_eq(dsb_test_cmd_write(&cb, buf.va, 1), 0);
	ref = (struct drm_dsb_bo_ref){ buf.handle, DRM_DSB_BO_WRITE };
	prod = submit_bos_ok(fd, q2.id, 0, va, &cb, &ref, 1);

	ref.flags = DRM_DSB_BO_READ;
	ck_assert_int_eq(dsb_test_ioctl(fd, DRM_IOCTL_DSB_BO_LIST_CREATE, &lc), 0);
	nop_va = arena_cmd(&ar, &nop);
	ck_assert_int_eq(dsb_test_cmd_nop(&nop), 0);
	for (uint32_t i = 0; i < 2; i++)
		sqes[(tail + i) & (h->sq_entries - 1)] = (struct drm_dsb_sqe){
			.user_data = 100 + i, .cmd_va = nop_va,
			.cmd_len = dsb_test_cmd_len(&nop), .slot = 20 + i,
		};
	sqes[tail & (h->sq_entries - 1)].bo_list = lc.list_id;
	sqes[(tail + 1) & (h->sq_entries - 1)].sync_count = 1;
	sqes[(tail + 1) & (h->sq_entries - 1)].syncs[0] = sync_wait(0xfffff);
	__atomic_store_n(&h->sq_tail, tail + 2, __ATOMIC_RELEASE);
	ck_assert_int_eq(dsb_test_ioctl(fd, DRM_IOCTL_DSB_QUEUE_SUBMIT_SQ, &sub), 0);
	ck_assert_uint_eq(sub.submitted, 2);

	/* Only entry 1's error CQE: entry 0 waits for the writer. */
	usleep(SHORT_NS / 1000);
	ck_assert_uint_eq(__atomic_load_n(&h->cq_tail, __ATOMIC_ACQUIRE) - head, 1);
	c = &cqes[head & (h->cq_entries - 1)];
	ck_assert_uint_eq(c->user_data, 101);
	ck_assert_int_eq(c->error, -ENOENT);
	gate_set(1);
	ck_assert_int_eq(wait_job(fd, q2.id, prod), 0);
	for (int64_t t0 = dsb_test_now_ns();
	     __atomic_load_n(&h->cq_tail, __ATOMIC_ACQUIRE) - head < 2;)
		ck_assert_int_lt(dsb_test_now_ns() - t0, WAIT_NS);
	c = &cqes[(head + 1) & (h->cq_entries - 1)];
	ck_assert_uint_eq(c->user_data, 100);
	ck_assert_int_eq(c->error, 0);
	__atomic_store_n(&h->cq_head, head + 2, __ATOMIC_RELEASE);
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
	long long proxies[2], implicit[2];
	uint32_t h1;
	int fd1, dmabuf;

	if (dsb_test_count_devices() < 2)
		return;
	ck_assert_int_eq(dsb_test_debugfs_counter(1, "proxy_deps", &proxies[0]), 0);
	ck_assert_int_eq(dsb_test_debugfs_counter(0, "implicit_deps", &implicit[0]), 0);
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
	/*
	 * No CPU waited for a dependency: dev1's jobs waited for dev0's
	 * writers through proxies, dev0's writers for dev1's readers.
	 */
	ck_assert_int_eq(dsb_test_debugfs_counter(1, "proxy_deps", &proxies[1]), 0);
	ck_assert_int_eq(dsb_test_debugfs_counter(0, "implicit_deps", &implicit[1]), 0);
	printf("two-device chain: %u jobs, dev1 proxies %lld, dev0 implicit deps %lld\n",
	       2 * rounds, proxies[1] - proxies[0], implicit[1] - implicit[0]);
	ck_assert_int_gt(proxies[1] - proxies[0], 0);
	ck_assert_int_gt(implicit[1] - implicit[0], 0);
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
	ck_assert_int_eq(dsb_test_debugfs_settled(live, N_LIVE, before), 0);
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

/* --- a client killed while it submits with buffer lists ----------------- */

#define KILL_JOBS	8	/* jobs per SUBMIT / per SQ batch */
#define KILL_OWN	4	/* the child's own buffers in its lists */

/* The child's SQ: KILL_JOBS entries naming @list, CQEs dropped. */
static void child_sq_batch(int cfd, struct dsb_test_queue *sq, uint64_t cmd_va,
			   uint32_t cmd_len, uint32_t list, uint64_t n)
{
	struct drm_dsb_sq_cq_header *h = sq->sq_cq;
	struct drm_dsb_sqe *sqes = (void *)((char *)h + h->sqes_offset);
	struct drm_dsb_queue_submit_sq s = { .queue_id = sq->id, .count = KILL_JOBS };
	uint32_t tail = h->sq_tail;

	__atomic_store_n(&h->cq_head, __atomic_load_n(&h->cq_tail, __ATOMIC_ACQUIRE),
			 __ATOMIC_RELEASE);
	for (uint32_t j = 0; j < KILL_JOBS; j++) {
		struct drm_dsb_sqe *e;

		if (tail - __atomic_load_n(&h->sq_head, __ATOMIC_ACQUIRE) >= h->sq_entries)
			break;
		e = &sqes[tail++ & (h->sq_entries - 1)];
		memset(e, 0, sizeof(*e));
		e->cmd_va = cmd_va;
		e->cmd_len = cmd_len;
		e->slot = (uint32_t)((n * KILL_JOBS + j) % 64);
		e->bo_list = list;
	}
	__atomic_store_n(&h->sq_tail, tail, __ATOMIC_RELEASE);
	if (dsb_test_ioctl(cfd, DRM_IOCTL_DSB_QUEUE_SUBMIT_SQ, &s))
		usleep(200);
}

/*
 * The killed client: its own file, two queues, KILL_OWN buffers of its own
 * and the shared ones (@dmabuf, -1 for none), then SUBMITs of KILL_JOBS
 * jobs naming 1..all buffers inline alternating with SQ batches naming a
 * buffer list it recreates now and then, as fast as it can, until killed.
 * Writes a byte to @ready_fd when it starts submitting.
 */
static void __attribute__((noreturn)) killed_client(const int *dmabuf, int nshared,
						    int ready_fd, unsigned int seed)
{
	struct drm_dsb_queue_create qc = { .ring_packets = 256, .fence_slots = 64 };
	struct drm_dsb_bo_ref bos[KILL_OWN + 2];
	struct dsb_test_queue sq, jq;
	struct dsb_test_bo cmd, own[KILL_OWN];
	struct dsb_test_cmdbuf cb;
	struct drm_dsb_bo_list_create lc = { .bos = { .stride = sizeof(bos[0]),
						      .array = (uintptr_t)bos } };
	int cfd = dsb_test_open(0);
	uint32_t nb = 0;

	srand(seed);
	if (cfd < 0 || dsb_test_queue_create(cfd, &qc, &jq) ||
	    dsb_test_queue_create(cfd, &qc, &sq) || dsb_test_bo_create(cfd, PAGE, &cmd))
		_exit(2);
	for (int i = 0; i < KILL_OWN; i++) {
		if (dsb_test_bo_create(cfd, PAGE, &own[i]))
			_exit(2);
		bos[nb++] = (struct drm_dsb_bo_ref){ own[i].handle,
						     i % 2 ? DRM_DSB_BO_READ : DRM_DSB_BO_WRITE };
	}
	for (int i = 0; i < nshared; i++) {
		uint32_t h;

		if (drmPrimeFDToHandle(cfd, dmabuf[i], &h))
			_exit(2);
		/* The test's buffer written, vgem's read (waits for vgem). */
		bos[nb++] = (struct drm_dsb_bo_ref){ h, i ? DRM_DSB_BO_READ : DRM_DSB_BO_WRITE };
	}
	dsb_test_cmd_init(&cb, cmd.map, PAGE);
	if (dsb_test_cmd_delay(&cb, 20000) || dsb_test_cmd_write(&cb, own[0].va, 1))
		_exit(2);
	lc.bos.count = nb;
	if (dsb_test_ioctl(cfd, DRM_IOCTL_DSB_BO_LIST_CREATE, &lc))
		_exit(2);
	if (write(ready_fd, "x", 1) != 1)
		_exit(2);
	for (uint64_t n = 0;; n++) {
		if (n % 2) {
			child_sq_batch(cfd, &sq, cmd.va, dsb_test_cmd_len(&cb), lc.list_id, n / 2);
		} else {
			struct drm_dsb_job jobs[KILL_JOBS];
			struct drm_dsb_submit s = {
				.jobs = { .stride = sizeof(jobs[0]), .count = KILL_JOBS,
					  .array = (uintptr_t)jobs },
			};

			memset(jobs, 0, sizeof(jobs));
			for (uint32_t j = 0; j < KILL_JOBS; j++) {
				jobs[j].queue_id = jq.id;
				jobs[j].slot = (uint32_t)((n / 2 * KILL_JOBS + j) % 64);
				jobs[j].cmd_va = cmd.va;
				jobs[j].cmd_len = dsb_test_cmd_len(&cb);
				jobs[j].syncs.stride = sizeof(struct drm_dsb_sync_op);
				jobs[j].bos = (struct drm_dsb_obj_array){
					.stride = sizeof(bos[0]), .count = 1 + (uint32_t)rand() % nb,
					.array = (uintptr_t)bos };
			}
			if (dsb_test_ioctl(cfd, DRM_IOCTL_DSB_SUBMIT, &s))
				usleep(200);	/* slots still busy */
		}
		if (n % 16 == 15) {
			struct drm_dsb_bo_list_destroy ld = { .list_id = lc.list_id };

			dsb_test_ioctl(cfd, DRM_IOCTL_DSB_BO_LIST_DESTROY, &ld);
			if (dsb_test_ioctl(cfd, DRM_IOCTL_DSB_BO_LIST_CREATE, &lc))
				_exit(3);
		}
	}
}

/*
 * A job of the test process that implicitly waited for the client's:
 * done, or -ECANCELED when the client's job it waited for was cancelled by
 * the kill (a failed producer's error reaches its implicit consumers).
 */
static int contend_cancelled;

static void contend_wait(uint64_t *seqno)
{
	int32_t err;

	if (!*seqno)
		return;
	err = wait_job(fd, q.id, *seqno);
	ck_assert_msg(err == 0 || err == -ECANCELED, "contending job: %d", err);
	contend_cancelled += err == -ECANCELED;
	*seqno = 0;
}

/*
 * The test process's own jobs on the shared buffers until @deadline, at
 * most CONTEND_JOBS in flight (each may carry waits on the client's jobs:
 * ring packets).
 */
#define CONTEND_JOBS	16
static void contend(const struct drm_dsb_bo_ref *bos, uint32_t nbos, int64_t deadline)
{
	uint64_t seq[CONTEND_JOBS] = { 0 };
	struct dsb_test_cmdbuf cb;
	uint64_t va = arena_cmd(&ar, &cb);
	uint32_t k = 0;

	ck_assert_int_eq(dsb_test_cmd_nop(&cb), 0);
	do {
		int ret;

		contend_wait(&seq[k]);
		ret = submit_bos(fd, q.id, 8 + k, va, &cb, bos, nbos, &seq[k]);
		if (ret == -ENOSPC) {	/* ring full: let it drain */
			seq[k] = 0;
			for (uint32_t i = 0; i < CONTEND_JOBS; i++)
				contend_wait(&seq[i]);
			continue;
		}
		ck_assert_msg(ret == 0, "contending submit: %s", strerror(-ret));
		k = (k + 1) % CONTEND_JOBS;
	} while (dsb_test_now_ns() < deadline);
	for (k = 0; k < CONTEND_JOBS; k++)
		contend_wait(&seq[k]);
}

/*
 * Poll the live counters until they are @base again (at most 10 s). With
 * @lingering, live_fences and live_bos may stay above it: a shared buffer
 * still alive keeps the last fence of each killed client's queue in its
 * reservation object, and a dsb fence holds its queue's fence-memory BO
 * (dsb_fence.fence_bo), so there are at most as many extra BOs as extra
 * fences. Returns the number of lingering fences.
 */
static long long assert_live_back(const long long *base, bool lingering, const char *when)
{
	long long now[N_LIVE];
	int64_t t0 = dsb_test_now_ns(), limit = (dsb_test_debug_kernel() ? 60 : 10) * SEC_NS;
	bool ok;

	do {
		read_live(now);
		ok = true;
		for (size_t i = 0; i < N_LIVE; i++)
			ok &= now[i] == base[i] || (lingering && (!strcmp(live[i], "live_fences") ||
								  !strcmp(live[i], "live_bos")));
		if (!ok)
			usleep(10 * 1000);
	} while (!ok && dsb_test_now_ns() - t0 < limit);
	for (size_t i = 0; i < N_LIVE; i++) {
		bool linger = !strcmp(live[i], "live_fences") || !strcmp(live[i], "live_bos");

		if (lingering && linger)
			ck_assert_msg(now[i] >= base[i], "%s: %s %lld, baseline %lld", when,
				      live[i], now[i], base[i]);
		else
			ck_assert_msg(now[i] == base[i], "%s: %s %lld, baseline %lld", when,
				      live[i], now[i], base[i]);
	}
	/* live[1] fences, live[3] bos */
	ck_assert_msg(now[3] - base[3] <= now[1] - base[1],
		      "%s: %lld BOs and only %lld fences above the baseline", when,
		      now[3] - base[3], now[1] - base[1]);
	return now[1] - base[1];
}

START_TEST(test_client_killed_mid_submit)
{
	const int rounds = 12;
	long long base0[N_LIVE], base[N_LIVE];
	struct drm_dsb_bo_ref bos[2];
	struct dsb_test_bo buf;
	struct dsb_test_cmdbuf cb;
	struct shared s = { .dmabuf = -1 };
	int dmabuf[2], nshared = 1, held = 0;
	long long lingering;
	uint64_t va, seqno;
	uint32_t fence = 0;
	int ret;

	/* before the shared buffers */
	ck_assert_int_eq(dsb_test_debugfs_settled(live, N_LIVE, base0), 0);
	ck_assert_int_eq(dsb_test_bo_create(fd, PAGE, &buf), 0);
	ck_assert_int_eq(drmPrimeHandleToFD(fd, buf.handle, DRM_CLOEXEC | DRM_RDWR, &dmabuf[0]), 0);
	bos[0] = (struct drm_dsb_bo_ref){ buf.handle, DRM_DSB_BO_WRITE };
	if (vfd >= 0) {
		s = vgem_shared();
		dmabuf[nshared++] = s.dmabuf;
		bos[1] = (struct drm_dsb_bo_ref){ s.handle, DRM_DSB_BO_READ };
	}
	ck_assert_int_eq(dsb_test_debugfs_settled(live, N_LIVE, base), 0);
	srand(14);
	for (int round = 0; round < rounds; round++) {
		/* Every third round vgem holds its buffer: the client's jobs
		 * wait on it (proxies) when it is killed. */
		bool hold = vfd >= 0 && round % 3 == 1;
		int64_t delay = (1 + rand() % 30) * MS_NS;
		int p[2], status;
		pid_t pid;
		char c;

		if (hold) {
			fence = vgem_attach(s.vhandle, true, &ret);
			ck_assert_int_eq(ret, 0);
		}
		ck_assert_int_eq(pipe(p), 0);
		pid = fork();
		ck_assert_int_ge(pid, 0);
		if (pid == 0) {
			close(p[0]);
			killed_client(dmabuf, nshared, p[1], 1000 + (unsigned int)round);
		}
		close(p[1]);
		ck_assert_msg(read(p[0], &c, 1) == 1, "round %d: client failed to set up", round);
		close(p[0]);
		if (hold) {
			usleep((useconds_t)(delay / 1000));
			held++;
		} else {
			contend(bos, (uint32_t)nshared, dsb_test_now_ns() + delay);
		}
		ck_assert_int_eq(kill(pid, SIGKILL), 0);
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
		ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
			      "round %d: client died on its own: status %#x", round, status);
		if (hold)
			vgem_signal(fence);
	}
	lingering = assert_live_back(base, true, "after the kills");

	/*
	 * No reservation lock left held: a job naming the same buffers is
	 * accepted at once and completes, without error: the killed client's
	 * cancelled jobs are signalled by now, and an error reaches only the
	 * jobs queued behind it, not every later user of the buffer (no error
	 * poisoning; it failed with -ECANCELED before that rule).
	 */
	va = arena_cmd(&ar, &cb);
	ck_assert_int_eq(dsb_test_cmd_nop(&cb), 0);
	if (vfd >= 0)
		bos[1].flags = DRM_DSB_BO_WRITE;
	seqno = submit_bos_ok(fd, q2.id, 0, va, &cb, bos, (uint32_t)nshared);
	ret = wait_job(fd, q2.id, seqno);
	ck_assert_msg(ret == 0, "job on the shared buffers: %d (error poisoning)", ret);
	if (vfd >= 0) {
		fence = vgem_attach(s.vhandle, true, &ret);
		ck_assert_int_eq(ret, 0);
		vgem_signal(fence);
		shared_free(&s);
	}
	close(dmabuf[0]);
	dsb_test_bo_destroy(fd, &buf);
	/* The shared buffers gone, their last fences and those BOs go too. */
	assert_live_back(base0, false, "after freeing the shared buffers");
	printf("implicit kill: %d rounds (%d with vgem holding the buffer), %d of the test's"
	       " jobs inherited -ECANCELED, %lld fences lingered in the shared buffers,"
	       " counters back\n", rounds, held, contend_cancelled, lingering);
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
	tcase_add_test(tc, test_sq_retry_keeps_lists);
	tcase_add_test(tc, test_two_devices_chain);
	tcase_add_test(tc, test_hostile_lists);
	tcase_add_test(tc, test_client_killed_mid_submit);
	return vm_run(s, VM_SKIP_WITHOUT_DEVICE);
}
