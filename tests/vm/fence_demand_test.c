// SPDX-License-Identifier: MIT
/* Copyright (C) 2026 The dsb authors */
/*
 * Fences on demand (issue 30, uAPI 12): a job gets a dma_fence only when
 * something can observe it as one (a signal operation, a buffer list with
 * implicit sync, the last job of a batch); any other job gets one when
 * asked for it.
 *
 * - Fenceless jobs: SQ batches of 64 NOP jobs held in flight behind a
 *   MEMWAIT add at most one live fence per batch (its last job), not one
 *   per job (every job had one before uAPI 12).
 * - DRM_IOCTL_DSB_FENCE_TO_HANDLE: a sync_file or syncobj of a fenceless
 *   job in flight is unsignalled until the job completes, then signalled
 *   with its status (0, or the error of a job that faulted); of a job
 *   complete, signalled at once with its status; every bad argument, and
 *   -ENODATA for a failed job whose status was lost when its slot was
 *   reused.
 * - 10,000 asks for the same job's fence attach one fence, and every
 *   sync_file and syncobj handed out works.
 * - DRM_DSB_SYNC_OP_QUEUE: a job on one queue waits for a fenceless job of
 *   another, completes after it, inherits its error (CQE flag,
 *   DRM_IOCTL_DSB_JOB_ERROR naming the origin); bad queue, seqno and flags.
 * - DRM_IOCTL_DSB_WAIT on a fenceless job: -ETIME while it is held, its
 *   status once done, a waiter blocked in another thread woken.
 * - io_uring: DRM_DSB_URING_FENCE_TO_FD, and WAIT_SEQNO on a fenceless job.
 * - GET_PARAM(UAPI_VERSION) >= 12.
 */
#define _GNU_SOURCE
#include <liburing.h>
#include <poll.h>
#include <pthread.h>
#include <sys/resource.h>

#include "vm_suite.h"

#define GATE_OFF	0		/* data BO word the held jobs wait on */
#define BATCH		64

/* The data BO, its gate word, an arena of command buffers; a NOP in it. */
struct env {
	struct dsb_test_bo data;
	volatile uint64_t *words;
	struct arena a;
	uint64_t nop_va;
	uint32_t nop_len;
};

static void env_init(struct env *e)
{
	struct dsb_test_cmdbuf cb;

	ck_assert_int_eq(dsb_test_bo_create(fd, 1 << 16, &e->data), 0);
	e->words = e->data.map;
	memset(e->data.map, 0, e->data.size);
	arena_init(fd, &e->a, 32);
	e->nop_va = arena_cmd(&e->a, &cb);
	ck_assert_int_eq(dsb_test_cmd_nop(&cb), 0);
	e->nop_len = dsb_test_cmd_len(&cb);
}

static void env_fini(struct env *e)
{
	ck_assert_int_eq(dsb_test_bo_destroy(fd, &e->a.bo), 0);
	ck_assert_int_eq(dsb_test_bo_destroy(fd, &e->data), 0);
}

static void open_gate(struct env *e)
{
	__atomic_store_n(&e->words[GATE_OFF / 8], 1, __ATOMIC_RELEASE);
}

/* A command buffer that waits for the gate, then (@fault) writes to an
 * unmapped VA: the job faults its queue (BAD_VA, -EIO) once released. */
static uint64_t held_cmd(struct env *e, bool fault, uint32_t *len)
{
	struct dsb_test_cmdbuf cb;
	uint64_t va = arena_cmd(&e->a, &cb);

	ck_assert_int_eq(dsb_test_cmd_memwait(&cb, e->data.va + GATE_OFF, 1, 0), 0);
	if (fault)
		ck_assert_int_eq(dsb_test_cmd_write(&cb, 0x10, 1), 0);
	*len = dsb_test_cmd_len(&cb);
	return va;
}

/* A command buffer that faults at once (BAD_VA, -EIO). */
static uint64_t fault_cmd(struct env *e, uint32_t *len)
{
	struct dsb_test_cmdbuf cb;
	uint64_t va = arena_cmd(&e->a, &cb);

	ck_assert_int_eq(dsb_test_cmd_write(&cb, 0x10, 1), 0);
	*len = dsb_test_cmd_len(&cb);
	return va;
}

/* --- the SQ, by hand --------------------------------------------------- */

static struct drm_dsb_sqe *sqe_at(struct dsb_test_queue *q, uint32_t i)
{
	struct drm_dsb_sq_cq_header *h = q->sq_cq;

	return (struct drm_dsb_sqe *)((char *)h + h->sqes_offset) +
	       (i & (q->create.sq_entries - 1));
}

/*
 * Write SQE number @n after the published tail (not published yet): a job
 * of @len bytes at @va on fence slot @slot with the sync ops @syncs.
 */
static void sq_put(struct dsb_test_queue *q, uint32_t n, uint64_t va, uint32_t len,
		   uint32_t slot, const struct drm_dsb_sync_op *syncs, uint32_t nsyncs,
		   uint64_t user_data)
{
	struct drm_dsb_sqe *sqe = sqe_at(q, q->sq_cq->sq_tail + n);

	ck_assert_uint_le(nsyncs, DRM_DSB_SQE_MAX_SYNCS);
	memset(sqe, 0, sizeof(*sqe));
	sqe->cmd_va = va;
	sqe->cmd_len = len;
	sqe->slot = slot;
	sqe->user_data = user_data;
	sqe->sync_count = nsyncs;
	for (uint32_t i = 0; i < nsyncs; i++)
		sqe->syncs[i] = syncs[i];
}

/* Publish @count SQEs and consume them in one SUBMIT_SQ (one batch): the
 * seqno of the last. */
static uint64_t sq_commit(struct dsb_test_queue *q, uint32_t count)
{
	struct drm_dsb_sq_cq_header *h = q->sq_cq;
	struct drm_dsb_queue_submit_sq s = { .queue_id = q->id, .count = count };
	int ret;

	__atomic_store_n(&h->sq_tail, h->sq_tail + count, __ATOMIC_RELEASE);
	ret = dsb_test_ioctl(fd, DRM_IOCTL_DSB_QUEUE_SUBMIT_SQ, &s);
	ck_assert_msg(ret == 0, "SUBMIT_SQ queue %u count %u: %s", q->id, count, strerror(-ret));
	ck_assert_uint_eq(s.submitted, count);
	ck_assert_msg(s.last_seqno != 0, "SUBMIT_SQ queue %u: the entries were rejected", q->id);
	return s.last_seqno;
}

/* The next CQE of @q, waited for (the job is known to complete). */
static struct drm_dsb_cqe next_cqe(struct dsb_test_queue *q)
{
	struct drm_dsb_sq_cq_header *h = q->sq_cq;
	int64_t t0 = dsb_test_now_ns();
	struct drm_dsb_cqe c;

	while (__atomic_load_n(&h->cq_tail, __ATOMIC_ACQUIRE) == h->cq_head) {
		ck_assert_msg(dsb_test_now_ns() - t0 < WAIT_NS, "queue %u: no CQE", q->id);
		usleep(1000);
	}
	c = ((const struct drm_dsb_cqe *)((char *)h + h->cqes_offset))
		[h->cq_head & (q->create.cq_entries - 1)];
	__atomic_store_n(&h->cq_head, h->cq_head + 1, __ATOMIC_RELEASE);
	return c;
}

/* A batch of two: a held job (slot 0; @fault: it faults once released) and
 * a NOP (slot 1, the batch's last job, which has a fence anyway). The held
 * job's seqno; the NOP's is one more. */
static uint64_t submit_held_pair(struct dsb_test_queue *q, struct env *e, bool fault)
{
	uint32_t len;
	uint64_t va = held_cmd(e, fault, &len);

	sq_put(q, 0, va, len, 0, NULL, 0, 1);
	sq_put(q, 1, e->nop_va, e->nop_len, 1, NULL, 0, 2);
	return sq_commit(q, 2) - 1;
}

/* --- the uAPI 12 calls -------------------------------------------------- */

static int fence_to(uint32_t qid, uint64_t seqno, uint32_t what, uint32_t pad, uint32_t *out)
{
	struct drm_dsb_fence_to_handle f = {
		.queue_id = qid, .what = what, .seqno = seqno, .pad = pad, .handle = 0xdeadbeef,
	};
	int ret = dsb_test_ioctl(fd, DRM_IOCTL_DSB_FENCE_TO_HANDLE, &f);

	if (!ret && out)
		*out = f.handle;
	return ret;
}

static int sync_file_of(uint32_t qid, uint64_t seqno)
{
	uint32_t h = 0;
	int ret = fence_to(qid, seqno, DRM_DSB_FENCE_TO_SYNC_FILE, 0, &h);

	ck_assert_msg(ret == 0, "FENCE_TO_HANDLE sync_file queue %u seqno %llu: %s", qid,
		      (unsigned long long)seqno, strerror(-ret));
	ck_assert_int_ge((int)h, 0);
	return (int)h;
}

static uint32_t syncobj_of(uint32_t qid, uint64_t seqno)
{
	uint32_t h = 0;
	int ret = fence_to(qid, seqno, DRM_DSB_FENCE_TO_SYNCOBJ, 0, &h);

	ck_assert_msg(ret == 0, "FENCE_TO_HANDLE syncobj queue %u seqno %llu: %s", qid,
		      (unsigned long long)seqno, strerror(-ret));
	ck_assert_uint_ne(h, 0);
	return h;
}

/* Status of a sync_file: 0 active, 1 signalled, or the error it signalled with. */
static int sf_status(int sfd)
{
	int ierr, st = dsb_test_sync_file_status(sfd, &ierr);

	ck_assert_msg(ierr == 0, "SYNC_IOC_FILE_INFO: %s", strerror(-ierr));
	return st;
}

/* Poll a sync_file until it signals (fails the test after WAIT_NS). */
static int sf_poll(int sfd)
{
	struct pollfd p = { .fd = sfd, .events = POLLIN };

	ck_assert_int_eq(poll(&p, 1, (int)(WAIT_NS / MS_NS)), 1);
	return sf_status(sfd);
}

/* The status of the fence in a syncobj (through a sync_file of it). */
static int syncobj_status(uint32_t h)
{
	int sfd = -1, st;

	ck_assert_int_eq(drmSyncobjExportSyncFile(fd, h, &sfd), 0);
	st = sf_status(sfd);
	close(sfd);
	return st;
}

static long long live_fences(void)
{
	long long v = 0;

	ck_assert_int_eq(dsb_test_debugfs_counter(0, "live_fences", &v), 0);
	return v;
}

static long long live_fences_settled(void)
{
	static const char *const names[] = { "live_fences" };
	long long v = 0;

	ck_assert_int_eq(dsb_test_debugfs_settled(names, 1, &v), 0);
	return v;
}

static struct drm_dsb_sync_op queue_wait(uint32_t qid, uint64_t seqno)
{
	return (struct drm_dsb_sync_op){ .flags = DRM_DSB_SYNC_OP_WAIT | DRM_DSB_SYNC_OP_QUEUE,
					 .handle = qid, .point = seqno };
}

/* Not complete yet: WAIT with a zero timeout says -ETIME. */
static void assert_pending(uint32_t qid, uint64_t seqno, const char *what)
{
	int ret = dsb_test_wait(fd, qid, seqno, 0, NULL);

	ck_assert_msg(ret == -ETIME, "%s (queue %u job %llu): WAIT(0) %d, not -ETIME",
		      what, qid, (unsigned long long)seqno, ret);
}

/* ------------------------------------------------------------------------ */

START_TEST(test_uapi_version)
{
	uint64_t v = 0;

	ck_assert_int_eq(dsb_test_get_param(fd, DRM_DSB_PARAM_UAPI_VERSION, &v), 0);
	ck_assert_msg(v >= 12, "uAPI version %llu, fences on demand need 12",
		      (unsigned long long)v);
}
END_TEST

/*
 * 4 SQ batches of 64 NOP jobs (no sync op, no buffer list), the first job
 * of the first held by a MEMWAIT: all 256 stay in flight, and only the
 * last job of each batch has a fence.
 */
START_TEST(test_fenceless_jobs)
{
	const uint32_t nbatch = 4;
	struct dsb_test_queue q = queue_new(fd, 1024, nbatch * BATCH, 60000);
	long long base, held;
	uint64_t last = 0, first = 0;
	struct env e;
	uint32_t len;
	int32_t err;

	env_init(&e);
	base = live_fences_settled();
	for (uint32_t b = 0; b < nbatch; b++) {
		for (uint32_t j = 0; j < BATCH; j++) {
			uint32_t slot = b * BATCH + j;

			if (!slot) {
				uint64_t va = held_cmd(&e, false, &len);

				sq_put(&q, j, va, len, slot, NULL, 0, slot);
			} else
				sq_put(&q, j, e.nop_va, e.nop_len, slot, NULL, 0, slot);
		}
		last = sq_commit(&q, BATCH);
		if (!first)
			first = last - BATCH + 1;
	}
	ck_assert_uint_eq(last - first + 1, nbatch * BATCH);
	assert_pending(q.id, first, "the held job");
	assert_pending(q.id, last, "the last job");
	held = live_fences();
	printf("fenceless jobs: %u jobs in %u SQ batches in flight, live fences %lld -> %lld\n",
	       nbatch * BATCH, nbatch, base, held);
	ck_assert_msg(held - base <= nbatch,
		      "%u jobs in flight in %u batches added %lld live fences: more than one per batch",
		      nbatch * BATCH, nbatch, held - base);
	open_gate(&e);
	ck_assert_int_eq(dsb_test_wait(fd, q.id, last, WAIT_NS, &err), 0);
	ck_assert_int_eq(err, 0);
	for (uint32_t i = 0; i < nbatch * BATCH; i++) {
		struct drm_dsb_cqe c = next_cqe(&q);

		ck_assert_uint_eq(c.seqno, first + i);
		ck_assert_uint_eq(c.user_data, i);
		ck_assert_int_eq(c.error, 0);
	}
	ck_assert_int_eq(dsb_test_queue_destroy(fd, &q), 0);
	env_fini(&e);
}
END_TEST

/* A fenceless job held in flight: its sync_file and syncobj signal when it does. */
START_TEST(test_fence_to_handle_in_flight)
{
	struct dsb_test_queue q = queue_new(fd, 256, 16, 60000);
	struct env e;
	uint64_t s;
	uint32_t so, so2;
	int sf, sf2;

	env_init(&e);
	s = submit_held_pair(&q, &e, false);
	sf = sync_file_of(q.id, s);
	so = syncobj_of(q.id, s);
	sf2 = sync_file_of(q.id, s + 1);	/* the batch's last job */
	so2 = syncobj_of(q.id, s + 1);
	usleep(50 * 1000);
	ck_assert_int_eq(sf_status(sf), 0);
	ck_assert_int_eq(sf_status(sf2), 0);
	ck_assert_int_eq(drmSyncobjWait(fd, &so, 1, 0, 0, NULL), -ETIME);
	ck_assert_int_eq(syncobj_status(so), 0);
	assert_pending(q.id, s, "the held job");
	open_gate(&e);
	ck_assert_int_eq(sf_poll(sf), 1);
	ck_assert_int_eq(drmSyncobjWait(fd, &so, 1, INT64_MAX, 0, NULL), 0);
	ck_assert_int_eq(syncobj_status(so), 1);
	ck_assert_int_eq(sf_poll(sf2), 1);
	ck_assert_int_eq(syncobj_status(so2), 1);
	/* And everything else agrees. */
	ck_assert_int_eq(wait_job(fd, q.id, s), 0);
	ck_assert_int_eq(next_cqe(&q).error, 0);
	ck_assert_int_eq(next_cqe(&q).error, 0);
	/* Asked again once complete: signalled at once, success. */
	close(sf);
	sf = sync_file_of(q.id, s);
	ck_assert_int_eq(sf_status(sf), 1);
	ck_assert_int_eq(drmSyncobjDestroy(fd, so), 0);
	so = syncobj_of(q.id, s);
	ck_assert_int_eq(drmSyncobjWait(fd, &so, 1, 0, 0, NULL), 0);
	close(sf);
	close(sf2);
	ck_assert_int_eq(drmSyncobjDestroy(fd, so), 0);
	ck_assert_int_eq(drmSyncobjDestroy(fd, so2), 0);
	ck_assert_int_eq(dsb_test_queue_destroy(fd, &q), 0);
	env_fini(&e);
}
END_TEST

/* A fenceless job that faults once released: its fences carry -EIO; a
 * completed failed job's fence is signalled at once with its error. */
START_TEST(test_fence_to_handle_failed)
{
	struct dsb_test_queue q = queue_new(fd, 256, 16, 60000);
	struct dsb_test_queue q2 = queue_new(fd, 256, 16, 60000);
	struct env e;
	uint64_t s, f;
	uint32_t so, len;
	uint64_t va;
	int sf, st;

	env_init(&e);
	/* In flight, then failing. */
	s = submit_held_pair(&q, &e, true);
	sf = sync_file_of(q.id, s);
	so = syncobj_of(q.id, s);
	ck_assert_int_eq(sf_status(sf), 0);
	open_gate(&e);
	ck_assert_int_eq(sf_poll(sf), -EIO);
	ck_assert_int_eq(drmSyncobjWait(fd, &so, 1, INT64_MAX, 0, NULL), 0);
	ck_assert_int_eq(syncobj_status(so), -EIO);
	ck_assert_int_eq(wait_job(fd, q.id, s), -EIO);
	/* The job after it was cancelled by the ban, and says so. */
	st = sf_poll(sync_file_of(q.id, s + 1));
	ck_assert_msg(st < 0, "the job after a fault: sync_file status %d", st);
	ck_assert_int_eq(st, wait_job(fd, q.id, s + 1));
	close(sf);
	ck_assert_int_eq(drmSyncobjDestroy(fd, so), 0);

	/* Complete before anyone asks: a fenceless job that faulted at once. */
	va = fault_cmd(&e, &len);
	sq_put(&q2, 0, va, len, 0, NULL, 0, 1);
	sq_put(&q2, 1, e.nop_va, e.nop_len, 1, NULL, 0, 2);
	f = sq_commit(&q2, 2) - 1;
	ck_assert_int_eq(wait_job(fd, q2.id, f + 1), -ECANCELED);
	ck_assert_int_eq(wait_job(fd, q2.id, f), -EIO);
	sf = sync_file_of(q2.id, f);
	ck_assert_int_eq(sf_status(sf), -EIO);
	close(sf);
	so = syncobj_of(q2.id, f);
	ck_assert_int_eq(drmSyncobjWait(fd, &so, 1, 0, 0, NULL), 0);
	ck_assert_int_eq(syncobj_status(so), -EIO);
	ck_assert_int_eq(drmSyncobjDestroy(fd, so), 0);

	ck_assert_int_eq(dsb_test_queue_destroy(fd, &q), 0);
	ck_assert_int_eq(dsb_test_queue_destroy(fd, &q2), 0);
	env_fini(&e);
}
END_TEST

/* Every bad argument of FENCE_TO_HANDLE, and a status that was lost. */
START_TEST(test_fence_to_handle_errors)
{
	struct dsb_test_queue q = queue_new(fd, 256, 4, 60000);
	struct dsb_test_queue bad = queue_new(fd, 256, 4, 60000);
	uint32_t sig = syncobj_new(fd), h, len;
	struct drm_dsb_sync_op op = sync_signal(sig), w = sync_wait(sig);
	struct dsb_test_cmdbuf cb;
	uint64_t sa, sb, sc = 0, f, va;
	struct env e;
	int sf;

	env_init(&e);
	va = arena_cmd(&e.a, &cb);
	ck_assert_int_eq(dsb_test_cmd_nop(&cb), 0);
	sa = submit_ok(fd, q.id, 0, va, &cb, NULL, 0);
	ck_assert_int_eq(wait_job(fd, q.id, sa), 0);

	ck_assert_int_eq(fence_to(q.id, 0, DRM_DSB_FENCE_TO_SYNC_FILE, 0, &h), -EINVAL);
	ck_assert_int_eq(fence_to(q.id, 0, DRM_DSB_FENCE_TO_SYNCOBJ, 0, &h), -EINVAL);
	ck_assert_int_eq(fence_to(q.id, sa + 1, DRM_DSB_FENCE_TO_SYNC_FILE, 0, &h), -EINVAL);
	ck_assert_int_eq(fence_to(q.id, sa + 1000, DRM_DSB_FENCE_TO_SYNCOBJ, 0, &h), -EINVAL);
	ck_assert_int_eq(fence_to(q.id, UINT64_MAX, DRM_DSB_FENCE_TO_SYNCOBJ, 0, &h), -EINVAL);
	ck_assert_int_eq(fence_to(0xdead, sa, DRM_DSB_FENCE_TO_SYNC_FILE, 0, &h), -ENOENT);
	ck_assert_int_eq(fence_to(0, sa, DRM_DSB_FENCE_TO_SYNCOBJ, 0, &h), -ENOENT);
	ck_assert_int_eq(fence_to(q.id, sa, 2, 0, &h), -EINVAL);
	ck_assert_int_eq(fence_to(q.id, sa, ~0u, 0, &h), -EINVAL);
	ck_assert_int_eq(fence_to(q.id, sa, DRM_DSB_FENCE_TO_SYNC_FILE, 1, &h), -EINVAL);
	ck_assert_int_eq(fence_to(q.id, sa, DRM_DSB_FENCE_TO_SYNCOBJ, 0x80000000u, &h), -EINVAL);

	/* B fails (its dependency's queue faulted), then 5 jobs reuse the 4 slots. */
	va = fault_cmd(&e, &len);
	ck_assert_int_eq(dsb_test_submit(fd, bad.id, 0, va, len, &op, 1, &f), 0);
	ck_assert_int_eq(wait_job(fd, bad.id, f), -EIO);
	va = arena_cmd(&e.a, &cb);
	ck_assert_int_eq(dsb_test_cmd_nop(&cb), 0);
	sb = submit_ok(fd, q.id, 1, va, &cb, &w, 1);
	ck_assert_int_eq(wait_job(fd, q.id, sb), -EIO);
	for (uint32_t i = 0; i < 5; i++) {
		sc = submit_ok(fd, q.id, i % 4, va, &cb, NULL, 0);
		ck_assert_int_eq(wait_job(fd, q.id, sc), 0);
	}
	ck_assert_int_eq(fence_to(q.id, sb, DRM_DSB_FENCE_TO_SYNC_FILE, 0, &h), -ENODATA);
	ck_assert_int_eq(fence_to(q.id, sb, DRM_DSB_FENCE_TO_SYNCOBJ, 0, &h), -ENODATA);
	/* Before the first failure and after the last: known successes. */
	sf = sync_file_of(q.id, sa);
	ck_assert_int_eq(sf_status(sf), 1);
	close(sf);
	sf = sync_file_of(q.id, sc);
	ck_assert_int_eq(sf_status(sf), 1);
	close(sf);
	/* The banned queue's faulting job keeps its status. */
	sf = sync_file_of(bad.id, f);
	ck_assert_int_eq(sf_status(sf), -EIO);
	close(sf);

	ck_assert_int_eq(drmSyncobjDestroy(fd, sig), 0);
	ck_assert_int_eq(dsb_test_queue_destroy(fd, &q), 0);
	ck_assert_int_eq(dsb_test_queue_destroy(fd, &bad), 0);
	env_fini(&e);
}
END_TEST

/* 10,000 asks for one job's fence attach one fence; every answer works. */
START_TEST(test_fence_to_handle_many)
{
	enum { N = 10000, NSF = N / 2, NSO = N - NSF };
	struct dsb_test_queue q = queue_new(fd, 256, 16, 60000);
	struct rlimit rl = { .rlim_cur = NSF + 256, .rlim_max = NSF + 256 };
	static int sf[NSF];
	static uint32_t so[NSO];
	long long base, after, end;
	struct env e;
	uint64_t s;

	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	env_init(&e);
	base = live_fences_settled();
	s = submit_held_pair(&q, &e, false);
	for (int i = 0; i < N; i++) {
		if (i % 2 == 0)
			sf[i / 2] = sync_file_of(q.id, s);
		else
			so[i / 2] = syncobj_of(q.id, s);
	}
	after = live_fences();
	printf("fence on demand: %d asks for one job in flight, live fences %lld -> %lld\n",
	       N, base, after);
	/* The batch's last job has its fence; the held job gets one, once. */
	ck_assert_msg(after - base <= 2,
		      "%d asks for the same job's fence: live fences grew by %lld (want at most 1 besides the batch's own)",
		      N, after - base);
	for (int i = 0; i < NSF; i++)
		ck_assert_int_eq(sf_status(sf[i]), 0);
	ck_assert_int_eq(drmSyncobjWait(fd, so, 256, 0, 0, NULL), -ETIME);
	open_gate(&e);
	for (int i = 0; i < NSF; i++) {
		ck_assert_int_eq(sf_poll(sf[i]), 1);
		close(sf[i]);
	}
	for (int i = 0; i < NSO; i += 250)
		ck_assert_int_eq(drmSyncobjWait(fd, &so[i], NSO - i < 250 ? NSO - i : 250, INT64_MAX,
						DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL, NULL), 0);
	for (int i = 0; i < NSO; i++)
		ck_assert_int_eq(drmSyncobjDestroy(fd, so[i]), 0);
	ck_assert_int_eq(wait_job(fd, q.id, s + 1), 0);
	ck_assert_int_eq(dsb_test_queue_destroy(fd, &q), 0);
	env_fini(&e);
	end = live_fences_settled();
	ck_assert_msg(end == base, "live fences %lld after everything was closed, %lld before", end, base);
}
END_TEST

/* A job on queue 2 waits for a fenceless job of queue 1 (SYNC_OP_QUEUE). */
START_TEST(test_queue_dependency)
{
	struct dsb_test_queue q1 = queue_new(fd, 256, 16, 60000);
	struct dsb_test_queue q2 = queue_new(fd, 256, 16, 60000);
	struct drm_dsb_sync_op op;
	struct env e;
	uint64_t a, b, t = 0;
	int sf;

	env_init(&e);
	a = submit_held_pair(&q1, &e, false);
	/* B: a WRITE of 7 to words[8], after A. */
	{
		struct dsb_test_cmdbuf cb;
		uint64_t va = arena_cmd(&e.a, &cb);

		ck_assert_int_eq(dsb_test_cmd_write(&cb, e.data.va + 64, 7), 0);
		op = queue_wait(q1.id, a);
		b = submit_ok(fd, q2.id, 0, va, &cb, &op, 1);
	}
	usleep(100 * 1000);
	assert_pending(q2.id, b, "B, waiting for held A");
	ck_assert_uint_lt(__atomic_load_n(&dsb_test_fence_slot(&q2, 0)->seqno, __ATOMIC_ACQUIRE), b);
	ck_assert_uint_eq(e.words[8], 0);
	sf = sync_file_of(q2.id, b);
	ck_assert_int_eq(sf_status(sf), 0);
	open_gate(&e);
	ck_assert_int_eq(wait_job(fd, q2.id, b), 0);
	ck_assert_int_eq(sf_poll(sf), 1);
	close(sf);
	ck_assert_uint_eq(e.words[8], 7);
	ck_assert_int_eq(wait_job(fd, q1.id, a), 0);

	/* A already complete: B runs at once. */
	op = queue_wait(q1.id, a);
	ck_assert_int_eq(dsb_test_submit(fd, q2.id, 1, e.nop_va, e.nop_len, &op, 1, &t), 0);
	ck_assert_int_eq(wait_job(fd, q2.id, t), 0);

	/* Errors. */
	op = queue_wait(0xdead, a);
	ck_assert_int_eq(dsb_test_submit(fd, q2.id, 2, e.nop_va, e.nop_len, &op, 1, NULL), -ENOENT);
	op = queue_wait(q1.id, 0);
	ck_assert_int_eq(dsb_test_submit(fd, q2.id, 2, e.nop_va, e.nop_len, &op, 1, NULL), -EINVAL);
	op = queue_wait(q1.id, a + 2);	/* not yet submitted */
	ck_assert_int_eq(dsb_test_submit(fd, q2.id, 2, e.nop_va, e.nop_len, &op, 1, NULL), -EINVAL);
	op = queue_wait(q1.id, a);
	op.flags = DRM_DSB_SYNC_OP_SIGNAL | DRM_DSB_SYNC_OP_QUEUE;
	ck_assert_int_eq(dsb_test_submit(fd, q2.id, 2, e.nop_va, e.nop_len, &op, 1, NULL), -EINVAL);
	/* Nothing of the rejected submits was left behind. */
	ck_assert_uint_eq(status_of(fd, q2.id).submitted, t);

	ck_assert_int_eq(dsb_test_queue_destroy(fd, &q1), 0);
	ck_assert_int_eq(dsb_test_queue_destroy(fd, &q2), 0);
	env_fini(&e);
}
END_TEST

/* A fails: B completes with A's error, inherited, naming A as the origin. */
START_TEST(test_queue_dependency_error)
{
	struct dsb_test_queue q1 = queue_new(fd, 256, 16, 60000);
	struct dsb_test_queue q2 = queue_new(fd, 256, 16, 60000);
	struct drm_dsb_sync_op op;
	struct drm_dsb_job_error je;
	struct drm_dsb_cqe c;
	struct env e;
	uint64_t a, b;

	env_init(&e);
	a = submit_held_pair(&q1, &e, true);
	op = queue_wait(q1.id, a);
	sq_put(&q2, 0, e.nop_va, e.nop_len, 0, &op, 1, 0xb);
	b = sq_commit(&q2, 1);
	usleep(50 * 1000);
	assert_pending(q2.id, b, "B, waiting for held A");
	open_gate(&e);
	c = next_cqe(&q2);
	ck_assert_uint_eq(c.seqno, b);
	ck_assert_uint_eq(c.user_data, 0xb);
	ck_assert_int_eq(c.error, -EIO);
	ck_assert_uint_eq(c.flags, DRM_DSB_CQE_ERROR_INHERITED);
	ck_assert_int_eq(wait_job(fd, q2.id, b), -EIO);
	ck_assert_int_eq(wait_job(fd, q1.id, a), -EIO);

	je = (struct drm_dsb_job_error){ .queue_id = q2.id, .seqno = b };
	ck_assert_int_eq(dsb_test_ioctl(fd, DRM_IOCTL_DSB_JOB_ERROR, &je), 0);
	ck_assert_uint_eq(je.origin.flags, DRM_DSB_ORIGIN_INHERITED);
	ck_assert_int_eq(je.origin.error, -EIO);
	ck_assert_uint_eq(je.origin.queue_id, q1.id);
	ck_assert_uint_eq(je.origin.seqno, a);
	ck_assert_uint_eq(je.origin.client_id, drm_client_id(fd));
	ck_assert_uint_eq(je.origin.fault, DRM_DSB_FAULT_BAD_VA);
	/* Queue 2 goes on. */
	ck_assert_uint_eq(status_of(fd, q2.id).state, DRM_DSB_QUEUE_ACTIVE);

	ck_assert_int_eq(dsb_test_queue_destroy(fd, &q1), 0);
	ck_assert_int_eq(dsb_test_queue_destroy(fd, &q2), 0);
	env_fini(&e);
}
END_TEST

struct waiter {
	uint32_t qid;
	uint64_t seqno;
	int ret;
	int32_t err;
	int64_t done_ns;
};

static void *wait_thread(void *arg)
{
	struct waiter *w = arg;

	w->err = 12345;
	w->ret = dsb_test_wait(fd, w->qid, w->seqno, WAIT_NS, &w->err);
	__atomic_store_n(&w->done_ns, dsb_test_now_ns(), __ATOMIC_RELEASE);
	return NULL;
}

/* DRM_IOCTL_DSB_WAIT on a fenceless job in flight, from two threads. */
START_TEST(test_wait_fenceless)
{
	struct dsb_test_queue q = queue_new(fd, 256, 16, 60000);
	struct waiter w = { .qid = q.id };
	long long before, after;
	pthread_t th;
	int64_t t0, opened;
	struct env e;
	int32_t err = 1;
	uint64_t s;

	env_init(&e);
	s = submit_held_pair(&q, &e, false);
	before = live_fences_settled();
	t0 = dsb_test_now_ns();
	ck_assert_int_eq(dsb_test_wait(fd, q.id, s, 20 * MS_NS, &err), -ETIME);
	ck_assert_int_ge(dsb_test_now_ns() - t0, 20 * MS_NS);
	w.seqno = s;
	ck_assert_int_eq(pthread_create(&th, NULL, wait_thread, &w), 0);
	usleep(200 * 1000);
	ck_assert_int_eq(__atomic_load_n(&w.done_ns, __ATOMIC_ACQUIRE), 0);
	after = live_fences();
	ck_assert_msg(after == before, "WAIT on a fenceless job: live fences %lld -> %lld",
		      before, after);
	opened = dsb_test_now_ns();
	open_gate(&e);
	ck_assert_int_eq(pthread_join(th, NULL), 0);
	ck_assert_int_eq(w.ret, 0);
	ck_assert_int_eq(w.err, 0);
	ck_assert_int_ge(w.done_ns, opened);
	printf("WAIT on a fenceless job: the blocked waiter woke %.1f ms after the release\n",
	       (w.done_ns - opened) / 1e6);
	err = 1;
	ck_assert_int_eq(dsb_test_wait(fd, q.id, s, 0, &err), 0);
	ck_assert_int_eq(err, 0);

	/* A fenceless job that fails: WAIT says so. */
	{
		struct dsb_test_queue q2 = queue_new(fd, 256, 16, 60000);
		struct waiter w2 = { .qid = q2.id };

		__atomic_store_n(&e.words[GATE_OFF / 8], 0, __ATOMIC_RELEASE);
		w2.seqno = submit_held_pair(&q2, &e, true);
		ck_assert_int_eq(dsb_test_wait(fd, q2.id, w2.seqno, 10 * MS_NS, &err), -ETIME);
		ck_assert_int_eq(pthread_create(&th, NULL, wait_thread, &w2), 0);
		usleep(100 * 1000);
		open_gate(&e);
		ck_assert_int_eq(pthread_join(th, NULL), 0);
		ck_assert_int_eq(w2.ret, 0);
		ck_assert_int_eq(w2.err, -EIO);
		ck_assert_int_eq(dsb_test_queue_destroy(fd, &q2), 0);
	}
	ck_assert_int_eq(dsb_test_queue_destroy(fd, &q), 0);
	env_fini(&e);
}
END_TEST

/* io_uring: FENCE_TO_FD and WAIT_SEQNO on fenceless jobs. */
START_TEST(test_uring)
{
	struct dsb_test_queue q = queue_new(fd, 256, 16, 60000);
	struct io_uring ring;
	struct io_uring_cqe *cqe;
	struct env e;
	uint64_t s;
	int sf, res;
	uint32_t so;

	ck_assert_int_eq(io_uring_queue_init(8, &ring, 0), 0);
	env_init(&e);
	s = submit_held_pair(&q, &e, false);
	sf = dsb_test_uring_cmd(&ring, fd, DRM_DSB_URING_FENCE_TO_FD, q.id,
				DRM_DSB_FENCE_TO_SYNC_FILE, s);
	ck_assert_msg(sf >= 0, "FENCE_TO_FD sync_file: %d", sf);
	res = dsb_test_uring_cmd(&ring, fd, DRM_DSB_URING_FENCE_TO_FD, q.id,
				 DRM_DSB_FENCE_TO_SYNCOBJ, s);
	ck_assert_msg(res > 0, "FENCE_TO_FD syncobj: %d", res);
	so = (uint32_t)res;
	ck_assert_int_eq(sf_status(sf), 0);
	ck_assert_int_eq(syncobj_status(so), 0);
	/* Errors. */
	ck_assert_int_eq(dsb_test_uring_cmd(&ring, fd, DRM_DSB_URING_FENCE_TO_FD, q.id,
					    DRM_DSB_FENCE_TO_SYNC_FILE, 0), -EINVAL);
	ck_assert_int_eq(dsb_test_uring_cmd(&ring, fd, DRM_DSB_URING_FENCE_TO_FD, q.id,
					    DRM_DSB_FENCE_TO_SYNC_FILE, s + 2), -EINVAL);
	ck_assert_int_eq(dsb_test_uring_cmd(&ring, fd, DRM_DSB_URING_FENCE_TO_FD, q.id, 7, s),
			 -EINVAL);
	ck_assert_int_eq(dsb_test_uring_cmd(&ring, fd, DRM_DSB_URING_FENCE_TO_FD, 0xdead,
					    DRM_DSB_FENCE_TO_SYNC_FILE, s), -ENOENT);
	/* A WAIT_SEQNO on the held job stays pending. */
	ck_assert_int_eq(dsb_test_uring_prep(&ring, fd, DRM_DSB_URING_WAIT_SEQNO, q.id, 0, s), 0);
	ck_assert_int_eq(io_uring_submit(&ring), 1);
	usleep(100 * 1000);
	ck_assert_int_eq(io_uring_peek_cqe(&ring, &cqe), -EAGAIN);
	open_gate(&e);
	ck_assert_int_eq(io_uring_wait_cqe(&ring, &cqe), 0);
	ck_assert_int_eq(cqe->res, 0);
	io_uring_cqe_seen(&ring, cqe);
	ck_assert_int_eq(sf_poll(sf), 1);
	ck_assert_int_eq(drmSyncobjWait(fd, &so, 1, INT64_MAX, 0, NULL), 0);
	ck_assert_int_eq(syncobj_status(so), 1);
	close(sf);
	ck_assert_int_eq(drmSyncobjDestroy(fd, so), 0);
	ck_assert_int_eq(wait_job(fd, q.id, s + 1), 0);
	io_uring_queue_exit(&ring);
	ck_assert_int_eq(dsb_test_queue_destroy(fd, &q), 0);
	env_fini(&e);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("fence_demand");
	TCase *tc = tcase_new(s, "fence_demand", 120);

	vm_fixture(tc, NULL);
	tcase_add_test(tc, test_uapi_version);
	tcase_add_test(tc, test_fenceless_jobs);
	tcase_add_test(tc, test_fence_to_handle_in_flight);
	tcase_add_test(tc, test_fence_to_handle_failed);
	tcase_add_test(tc, test_fence_to_handle_errors);
	tcase_add_test(tc, test_fence_to_handle_many);
	tcase_add_test(tc, test_queue_dependency);
	tcase_add_test(tc, test_queue_dependency_error);
	tcase_add_test(tc, test_wait_fenceless);
	tcase_add_test(tc, test_uring);
	return vm_run(s, VM_SKIP_WITHOUT_DEVICE);
}
