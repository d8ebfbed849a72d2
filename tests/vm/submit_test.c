// SPDX-License-Identifier: MIT
/* Copyright (C) 2026 The dsb authors */
/*
 * Submission basics as a user relies on them (issue 3): in-order execution
 * within a queue checked by data, WAIT ioctl timeouts (relative, absolute,
 * already expired), completion visible in fence memory without a syscall,
 * SUBMIT batches all or nothing with bad_job, fence-slot exhaustion
 * (-EBUSY) and ring exhaustion (-ENOSPC), and the SQ/CQ path.
 */
#define _GNU_SOURCE
#include <stdatomic.h>
#include <time.h>

#include "vm_suite.h"

/*
 * 192 jobs on one queue, each copying a shared counter into its own result
 * word and then incrementing it: in order, result[i] == i. Some jobs carry
 * a DELAY so that a reordering engine would show.
 */
START_TEST(test_in_order_by_data)
{
	struct dsb_test_queue q = queue_new(fd, 256, 64, 0);
	struct dsb_test_bo data;
	struct arena a;
	uint64_t on_slot[64] = { 0 }, last = 0;
	const uint32_t n = 192;
	volatile uint64_t *d;

	arena_init(fd, &a, 64);
	ck_assert_int_eq(dsb_test_bo_create(fd, PAGE * 2, &data), 0);
	d = data.map;
	/* d[0] is the counter, d[1 + i] the result of job i. */
	for (uint32_t i = 0; i < n; i++) {
		struct dsb_test_cmdbuf cb;
		uint64_t va, s;
		uint32_t slot = i % 64;

		if (on_slot[slot])
			ck_assert_int_eq(wait_job(fd, q.id, on_slot[slot]), 0);
		va = arena_cmd(&a, &cb);
		if (i % 7 == 3)
			dsb_test_cmd_delay(&cb, 2 * MS_NS);
		dsb_test_cmd_copy(&cb, data.va + 8 * (1 + i), data.va, 8);
		dsb_test_cmd_atomic_add(&cb, data.va, 1);
		s = submit_ok(fd, q.id, slot, va, &cb, NULL, 0);
		ck_assert_uint_eq(s, last + 1);	/* seqnos are consecutive */
		last = s;
		on_slot[slot] = s;
	}
	ck_assert_int_eq(wait_job(fd, q.id, last), 0);
	ck_assert_uint_eq(d[0], n);
	for (uint32_t i = 0; i < n; i++)
		ck_assert_msg(d[1 + i] == i, "job %u saw counter %llu", i,
			      (unsigned long long)d[1 + i]);
	ck_assert_uint_eq(q.fences->completed, last);
	ck_assert_int_eq(dsb_test_queue_destroy(fd, &q), 0);
}
END_TEST

static int wait_raw(uint32_t qid, uint32_t flags, uint64_t seqno,
		    int64_t timeout, int32_t *err)
{
	struct drm_dsb_wait w = { .queue_id = qid, .flags = flags,
				  .seqno = seqno, .timeout_ns = timeout };
	int ret = dsb_test_ioctl(fd, DRM_IOCTL_DSB_WAIT, &w);

	if (err)
		*err = w.error;
	return ret;
}

START_TEST(test_wait_timeouts)
{
	struct dsb_test_queue q = queue_new(fd, 0, 0, 20000);
	struct dsb_test_bo data;
	struct dsb_test_cmdbuf cb;
	struct arena a;
	struct drm_dsb_wait w;
	volatile uint64_t *d;
	uint64_t va, s, s2;
	int64_t t0, dt;
	int32_t err;

	arena_init(fd, &a, 8);
	ck_assert_int_eq(dsb_test_bo_create(fd, PAGE, &data), 0);
	d = data.map;
	va = arena_cmd(&a, &cb);
	dsb_test_cmd_memwait(&cb, data.va, 1, 0);
	dsb_test_cmd_write(&cb, data.va + 8, 77);
	s = submit_ok(fd, q.id, 0, va, &cb, NULL, 0);

	/* Relative 50 ms. */
	t0 = dsb_test_now_ns();
	ck_assert_int_eq(wait_raw(q.id, DRM_DSB_WAIT_RELATIVE, s, 50 * MS_NS, NULL), -ETIME);
	dt = dsb_test_now_ns() - t0;
	printf("relative 50 ms wait returned -ETIME after %lld us\n", (long long)dt / 1000);
	ck_assert_int_ge(dt, 45 * MS_NS);
	ck_assert_int_lt(dt, 5 * SEC_NS);
	/* Relative 0: a poll. */
	ck_assert_int_eq(wait_raw(q.id, DRM_DSB_WAIT_RELATIVE, s, 0, NULL), -ETIME);
	/* Absolute deadline 50 ms from now. */
	t0 = dsb_test_now_ns();
	ck_assert_int_eq(wait_raw(q.id, 0, s, t0 + 50 * MS_NS, NULL), -ETIME);
	dt = dsb_test_now_ns() - t0;
	printf("absolute +50 ms wait returned -ETIME after %lld us\n", (long long)dt / 1000);
	ck_assert_int_ge(dt, 45 * MS_NS);
	ck_assert_int_lt(dt, 5 * SEC_NS);
	/* Absolute deadline in the past: immediate. */
	t0 = dsb_test_now_ns();
	ck_assert_int_eq(wait_raw(q.id, 0, s, t0 - SEC_NS, NULL), -ETIME);
	ck_assert_int_lt(dsb_test_now_ns() - t0, SEC_NS);

	/* Bad arguments. */
	ck_assert_int_eq(wait_raw(q.id, 0, s + 1, 0, NULL), -EINVAL);	/* never submitted */
	ck_assert_int_eq(wait_raw(q.id, 0, 0, 0, NULL), -EINVAL);
	ck_assert_int_eq(wait_raw(q.id, 2, s, 0, NULL), -EINVAL);	/* unknown flag */
	ck_assert_int_eq(wait_raw(q.id + 100, 0, s, 0, NULL), -ENOENT);
	memset(&w, 0, sizeof(w));
	w.queue_id = q.id;
	w.seqno = s;
	w.pad = 1;
	ck_assert_int_eq(dsb_test_ioctl(fd, DRM_IOCTL_DSB_WAIT, &w), -EINVAL);

	ck_assert_uint_eq(d[1], 0);	/* still waiting */
	d[0] = 1;			/* release the MEMWAIT */
	ck_assert_int_eq(wait_raw(q.id, DRM_DSB_WAIT_RELATIVE, s, WAIT_NS, &err), 0);
	ck_assert_int_eq(err, 0);
	ck_assert_uint_eq(d[1], 77);
	/* A completed job: immediate, even with a zero timeout. */
	ck_assert_int_eq(wait_raw(q.id, DRM_DSB_WAIT_RELATIVE, s, 0, &err), 0);
	ck_assert_int_eq(err, 0);
	ck_assert_int_eq(wait_raw(q.id, 0, s, 0, &err), 0);

	/* An absolute deadline in the future that is met. */
	va = arena_cmd(&a, &cb);
	dsb_test_cmd_delay(&cb, 20 * MS_NS);
	s2 = submit_ok(fd, q.id, 1, va, &cb, NULL, 0);
	ck_assert_int_eq(wait_raw(q.id, 0, s2, dsb_test_now_ns() + 10 * SEC_NS, &err), 0);
	ck_assert_int_eq(err, 0);
	ck_assert_int_eq(dsb_test_queue_destroy(fd, &q), 0);
}
END_TEST

/* Completion is visible in fence memory, polled with no syscall at all. */
START_TEST(test_fence_memory_polling)
{
	struct dsb_test_queue q = queue_new(fd, 0, 8, 0);
	struct dsb_test_bo data;
	struct dsb_test_cmdbuf cb;
	struct arena a;
	const volatile struct drm_dsb_fence_slot *fs = dsb_test_fence_slot(&q, 5);
	volatile uint64_t *d;
	uint64_t va, s, seen;
	int64_t t0;
	long spins = 0;

	arena_init(fd, &a, 4);
	ck_assert_int_eq(dsb_test_bo_create(fd, PAGE, &data), 0);
	d = data.map;
	va = arena_cmd(&a, &cb);
	/* Not done before the test opens its gate; then 100 ms of DELAY. */
	dsb_test_cmd_memwait(&cb, data.va + 8, 1, 0);
	dsb_test_cmd_delay(&cb, 100 * MS_NS);
	dsb_test_cmd_write(&cb, data.va, 0xfeedull);
	s = submit_ok(fd, q.id, 5, va, &cb, NULL, 0);
	ck_assert_uint_lt(__atomic_load_n(&fs->seqno, __ATOMIC_ACQUIRE), s);
	ck_assert_uint_lt(__atomic_load_n(&q.fences->completed, __ATOMIC_ACQUIRE), s);
	__atomic_store_n(&d[1], 1, __ATOMIC_RELEASE);
	t0 = dsb_test_now_ns();
	while ((seen = __atomic_load_n(&fs->seqno, __ATOMIC_ACQUIRE)) < s) {
		spins++;
		ck_assert_msg(dsb_test_now_ns() - t0 < 20 * SEC_NS,
			      "fence slot never reached %llu", (unsigned long long)s);
	}
	/* Acquire on the seqno: the job's writes are visible. */
	ck_assert_uint_eq(seen, s);
	ck_assert_int_eq(fs->error, 0);
	ck_assert_uint_eq(d[0], 0xfeedull);
	ck_assert_uint_ge(q.fences->completed, s);
	ck_assert_uint_eq(q.fences->state, DRM_DSB_QUEUE_ACTIVE);
	printf("polled fence memory %ld times over %lld ms\n", spins,
	       (long long)(dsb_test_now_ns() - t0) / MS_NS);
	ck_assert_int_eq(dsb_test_queue_destroy(fd, &q), 0);
}
END_TEST

static int submit_jobs(struct drm_dsb_job *jobs, uint32_t n, uint32_t *bad)
{
	struct drm_dsb_submit s = {
		.jobs = { .stride = sizeof(*jobs), .count = n, .array = (uintptr_t)jobs },
		.bad_job = 0xdead,
	};
	int ret = dsb_test_ioctl(fd, DRM_IOCTL_DSB_SUBMIT, &s);

	*bad = s.bad_job;
	return ret;
}

/* One bad job anywhere in a batch: nothing is submitted, bad_job names it. */
START_TEST(test_batch_all_or_nothing)
{
	struct dsb_test_queue q1 = queue_new(fd, 0, 16, 0);
	struct dsb_test_queue q2 = queue_new(fd, 0, 16, 0);
	struct dsb_test_bo data;
	struct dsb_test_cmdbuf cb[3];
	struct drm_dsb_sync_op sig;
	struct drm_dsb_sync_op badwait = sync_wait(0x7777);
	struct drm_dsb_job jobs[3];
	struct arena a;
	volatile uint64_t *d;
	uint32_t so = syncobj_new(fd), bad;
	uint64_t va[3], s;
	int sfd = -1;

	arena_init(fd, &a, 8);
	ck_assert_int_eq(dsb_test_bo_create(fd, PAGE, &data), 0);
	d = data.map;
	sig = sync_signal(so);
	for (int i = 0; i < 3; i++) {
		va[i] = arena_cmd(&a, &cb[i]);
		dsb_test_cmd_write(&cb[i], data.va + 8 * i, 100 + i);
	}
#define RESET_JOBS() do {						\
		memset(jobs, 0, sizeof(jobs));				\
		for (int i = 0; i < 3; i++) {				\
			jobs[i].queue_id = i == 1 ? q2.id : q1.id;	\
			jobs[i].slot = i;				\
			jobs[i].cmd_va = va[i];				\
			jobs[i].cmd_len = dsb_test_cmd_len(&cb[i]);	\
		}							\
		jobs[0].syncs = (struct drm_dsb_obj_array){		\
			.stride = sizeof(sig), .count = 1,		\
			.array = (uintptr_t)&sig };			\
	} while (0)

	struct { const char *what; int idx; int err; } cases[] = {
		{ "cmd_len not a multiple of 32", 1, -EINVAL },
		{ "unknown queue", 2, -ENOENT },
		{ "unknown syncobj to wait on", 2, -ENOENT },
		{ "slot used twice in the batch", 2, -EBUSY },
		{ "nonzero job flags", 1, -EINVAL },
		{ "slot out of range", 2, -EINVAL },
		{ "misaligned cmd_va", 1, -EINVAL },
	};
	for (unsigned int c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		RESET_JOBS();
		switch (c) {
		case 0: jobs[1].cmd_len = 33; break;
		case 1: jobs[2].queue_id = 0xffff; break;
		case 2: jobs[2].syncs = (struct drm_dsb_obj_array){
				.stride = sizeof(badwait), .count = 1,
				.array = (uintptr_t)&badwait };
			break;
		case 3: jobs[2].slot = 0; break;		/* job 0 is on q1 slot 0 too */
		case 4: jobs[1].flags = 1; break;
		case 5: jobs[2].slot = 16; break;
		case 6: jobs[1].cmd_va += 8; break;
		}
		ck_assert_msg(submit_jobs(jobs, 3, &bad) == cases[c].err,
			      "%s: wrong errno", cases[c].what);
		ck_assert_msg(bad == (uint32_t)cases[c].idx, "%s: bad_job %u, want %d",
			      cases[c].what, bad, cases[c].idx);
		for (int i = 0; i < 3; i++)
			ck_assert_uint_eq(jobs[i].seqno, 0);
	}
	/* Nothing ran and nothing was published. */
	ck_assert_uint_eq(status_of(fd, q1.id).submitted, 0);
	ck_assert_uint_eq(status_of(fd, q2.id).submitted, 0);
	ck_assert_int_ne(drmSyncobjExportSyncFile(fd, so, &sfd), 0);
	usleep(50 * 1000);
	for (int i = 0; i < 3; i++)
		ck_assert_uint_eq(d[i], 0);

	/* The good batch goes through whole. */
	RESET_JOBS();
	ck_assert_int_eq(submit_jobs(jobs, 3, &bad), 0);
	for (int i = 0; i < 3; i++)
		ck_assert_uint_eq(jobs[i].seqno, i == 2 ? 2 : 1);
	ck_assert_int_eq(wait_job(fd, q1.id, 2), 0);
	ck_assert_int_eq(wait_job(fd, q2.id, 1), 0);
	for (int i = 0; i < 3; i++)
		ck_assert_uint_eq(d[i], 100 + i);
	ck_assert_int_eq(drmSyncobjWait(fd, &so, 1, dsb_test_now_ns() + 5 * SEC_NS, 0, NULL), 0);
	/* A job whose slot is in flight rejects the batch too. */
	va[0] = arena_cmd(&a, &cb[0]);
	dsb_test_cmd_memwait(&cb[0], data.va + 64, 1, 0);
	s = submit_ok(fd, q1.id, 3, va[0], &cb[0], NULL, 0);
	RESET_JOBS();
	jobs[0].syncs.count = 0;
	jobs[2].slot = 3;
	ck_assert_int_eq(submit_jobs(jobs, 3, &bad), -EBUSY);
	ck_assert_uint_eq(bad, 2);
	ck_assert_uint_eq(status_of(fd, q2.id).submitted, 1);
	d[8] = 1;
	ck_assert_int_eq(wait_job(fd, q1.id, s), 0);
	ck_assert_uint_eq(status_of(fd, q1.id).submitted, s);
	(void)s;
#undef RESET_JOBS
}
END_TEST

/* No free fence slot: -EBUSY, until the job holding it completes. */
START_TEST(test_slot_exhaustion)
{
	struct dsb_test_queue q = queue_new(fd, 0, 4, 20000);
	struct dsb_test_bo data;
	struct dsb_test_cmdbuf cb;
	struct arena a;
	volatile uint64_t *d;
	uint64_t va, s[4], s5;

	arena_init(fd, &a, 8);
	ck_assert_int_eq(dsb_test_bo_create(fd, PAGE, &data), 0);
	d = data.map;
	for (uint32_t i = 0; i < 4; i++) {
		va = arena_cmd(&a, &cb);
		if (i == 0)
			dsb_test_cmd_memwait(&cb, data.va, 1, 0);
		dsb_test_cmd_atomic_add(&cb, data.va + 8, 1);
		s[i] = submit_ok(fd, q.id, i, va, &cb, NULL, 0);
	}
	va = arena_cmd(&a, &cb);
	dsb_test_cmd_atomic_add(&cb, data.va + 8, 1);
	for (uint32_t i = 0; i < 4; i++)
		ck_assert_int_eq(dsb_test_submit(fd, q.id, i, va, dsb_test_cmd_len(&cb),
						 NULL, 0, NULL), -EBUSY);
	ck_assert_int_eq(dsb_test_submit(fd, q.id, 4, va, dsb_test_cmd_len(&cb),
					 NULL, 0, NULL), -EINVAL);
	ck_assert_uint_eq(status_of(fd, q.id).submitted, s[3]);
	ck_assert_uint_eq(d[1], 0);
	d[0] = 1;
	ck_assert_int_eq(wait_job(fd, q.id, s[3]), 0);
	ck_assert_uint_eq(d[1], 4);
	s5 = submit_ok(fd, q.id, 0, va, &cb, NULL, 0);
	ck_assert_int_eq(wait_job(fd, q.id, s5), 0);
	ck_assert_uint_eq(d[1], 5);
	for (uint32_t i = 1; i < 4; i++)
		ck_assert_uint_eq(dsb_test_fence_slot(&q, i)->seqno, s[i]);
	ck_assert_uint_eq(dsb_test_fence_slot(&q, 0)->seqno, s5);
	ck_assert_int_eq(dsb_test_queue_destroy(fd, &q), 0);
}
END_TEST

/* A full ring: -ENOSPC (2 packets a job, 16 packets), then laps. */
START_TEST(test_ring_exhaustion)
{
	struct dsb_test_queue q = queue_new(fd, 16, 32, 20000);
	struct dsb_test_bo data;
	struct dsb_test_cmdbuf cb;
	struct arena a;
	volatile uint64_t *d;
	uint64_t va, s = 0, last = 0;
	uint32_t ok = 0;
	int ret;

	arena_init(fd, &a, 8);
	ck_assert_int_eq(dsb_test_bo_create(fd, PAGE, &data), 0);
	d = data.map;
	va = arena_cmd(&a, &cb);
	dsb_test_cmd_memwait(&cb, data.va, 1, 0);
	submit_ok(fd, q.id, 0, va, &cb, NULL, 0);
	ok = 1;
	va = arena_cmd(&a, &cb);
	dsb_test_cmd_atomic_add(&cb, data.va + 8, 1);
	for (uint32_t i = 1; i < 32; i++) {
		ret = dsb_test_submit(fd, q.id, i, va, dsb_test_cmd_len(&cb), NULL, 0, &s);
		if (ret) {
			ck_assert_msg(ret == -ENOSPC, "full ring gave %s", strerror(-ret));
			break;
		}
		ok++;
		last = s;
	}
	ck_assert_uint_eq(ok, 8);
	ck_assert_int_eq(dsb_test_submit(fd, q.id, 31, va, dsb_test_cmd_len(&cb), NULL, 0,
					 NULL), -ENOSPC);
	d[0] = 1;
	ck_assert_int_eq(wait_job(fd, q.id, last), 0);
	ck_assert_uint_eq(d[1], 7);
	/* Many laps of the small ring, every job checked. */
	for (uint32_t i = 0; i < 64; i++) {
		s = submit_ok(fd, q.id, i % 32, va, &cb, NULL, 0);
		ck_assert_int_eq(wait_job(fd, q.id, s), 0);
	}
	ck_assert_uint_eq(d[1], 71);
	ck_assert_int_eq(dsb_test_queue_destroy(fd, &q), 0);
}
END_TEST

static struct drm_dsb_sqe *sqe_at(struct dsb_test_queue *q, uint32_t idx)
{
	return (struct drm_dsb_sqe *)((char *)q->sq_cq + q->sq_cq->sqes_offset) +
	       (idx & (q->sq_cq->sq_entries - 1));
}

static struct drm_dsb_cqe *cqe_at(struct dsb_test_queue *q, uint32_t idx)
{
	return (struct drm_dsb_cqe *)((char *)q->sq_cq + q->sq_cq->cqes_offset) +
	       (idx & (q->sq_cq->cq_entries - 1));
}

static int sq_submit(uint32_t qid, uint32_t count, uint32_t *submitted)
{
	struct drm_dsb_queue_submit_sq a = { .queue_id = qid, .count = count };
	int ret = dsb_test_ioctl(fd, DRM_IOCTL_DSB_QUEUE_SUBMIT_SQ, &a);

	*submitted = a.submitted;
	return ret;
}

static void wait_cq(struct dsb_test_queue *q, uint32_t tail)
{
	int64_t t0 = dsb_test_now_ns();

	while ((int32_t)(__atomic_load_n(&q->sq_cq->cq_tail, __ATOMIC_ACQUIRE) - tail) < 0) {
		ck_assert_msg(dsb_test_now_ns() - t0 < 20 * SEC_NS, "cq_tail stuck at %u, want %u",
			      q->sq_cq->cq_tail, tail);
		usleep(200);
	}
}

/* Fill SQEs in the mapped SQ, advance sq_tail, ioctl, read the CQEs. */
START_TEST(test_sq_path)
{
	struct dsb_test_queue q = queue_new(fd, 0, 8, 0);
	struct dsb_test_bo data;
	struct dsb_test_cmdbuf cb;
	struct arena a;
	volatile uint64_t *d;
	uint32_t tail, sub, so = syncobj_new(fd);
	uint64_t va, prev = 0;

	ck_assert_uint_eq(q.sq_cq->sq_entries, 8);
	ck_assert_uint_eq(q.sq_cq->cq_entries, 16);
	ck_assert_uint_eq(q.create.sq_entries, 8);
	ck_assert_uint_eq(q.create.cq_entries, 16);
	arena_init(fd, &a, 8);
	ck_assert_int_eq(dsb_test_bo_create(fd, PAGE, &data), 0);
	d = data.map;

	tail = q.sq_cq->sq_tail;
	for (uint32_t i = 0; i < 4; i++) {
		struct drm_dsb_sqe *e = sqe_at(&q, tail + i);

		va = arena_cmd(&a, &cb);
		dsb_test_cmd_write(&cb, data.va + 8 * i, 0x5100 + i);
		memset(e, 0, sizeof(*e));
		e->user_data = 0xabc0 + i;
		e->cmd_va = va;
		e->cmd_len = dsb_test_cmd_len(&cb);
		e->slot = i;
		if (i == 3) {	/* the last one signals a syncobj */
			e->sync_count = 1;
			e->syncs[0] = sync_signal(so);
		}
	}
	__atomic_store_n(&q.sq_cq->sq_tail, tail + 4, __ATOMIC_RELEASE);
	ck_assert_int_eq(sq_submit(q.id, 8, &sub), 0);
	ck_assert_uint_eq(sub, 4);
	ck_assert_uint_eq(__atomic_load_n(&q.sq_cq->sq_head, __ATOMIC_ACQUIRE), tail + 4);
	wait_cq(&q, 4);
	for (uint32_t i = 0; i < 4; i++) {
		struct drm_dsb_cqe *c = cqe_at(&q, i);

		ck_assert_uint_eq(c->user_data, 0xabc0 + i);
		ck_assert_uint_gt(c->seqno, prev);
		prev = c->seqno;
		ck_assert_int_eq(c->error, 0);
		ck_assert_uint_eq(c->slot, i);
		ck_assert_uint_eq(d[i], 0x5100 + i);
	}
	__atomic_store_n(&q.sq_cq->cq_head, 4, __ATOMIC_RELEASE);
	ck_assert_int_eq(drmSyncobjWait(fd, &so, 1, dsb_test_now_ns() + 5 * SEC_NS, 0, NULL), 0);

	/* A valid entry, then an invalid one (nonzero flags): the valid one is
	 * submitted, the bad one consumed with an error CQE of seqno 0. */
	tail += 4;
	for (uint32_t i = 0; i < 2; i++) {
		struct drm_dsb_sqe *e = sqe_at(&q, tail + i);

		va = arena_cmd(&a, &cb);
		dsb_test_cmd_write(&cb, data.va + 64 + 8 * i, 0x6100 + i);
		memset(e, 0, sizeof(*e));
		e->user_data = 0xbad0 + i;
		e->cmd_va = va;
		e->cmd_len = dsb_test_cmd_len(&cb);
		e->slot = 4 + i;
		e->flags = i == 1;
	}
	__atomic_store_n(&q.sq_cq->sq_tail, tail + 2, __ATOMIC_RELEASE);
	ck_assert_int_eq(sq_submit(q.id, 8, &sub), 0);
	ck_assert_uint_eq(sub, 2);
	wait_cq(&q, 6);
	for (uint32_t i = 4; i < 6; i++) {
		struct drm_dsb_cqe *c = cqe_at(&q, i);

		if (c->user_data == 0xbad0) {
			ck_assert_uint_eq(c->seqno, prev + 1);
			ck_assert_int_eq(c->error, 0);
		} else {
			ck_assert_uint_eq(c->user_data, 0xbad1);
			ck_assert_uint_eq(c->seqno, 0);
			ck_assert_int_eq(c->error, -EINVAL);
		}
	}
	ck_assert_uint_eq(d[8], 0x6100);
	usleep(20 * 1000);
	ck_assert_uint_eq(d[9], 0);
	__atomic_store_n(&q.sq_cq->cq_head, 6, __ATOMIC_RELEASE);
	/* Nothing pending: submitting consumes nothing. */
	ck_assert_int_eq(sq_submit(q.id, 8, &sub), 0);
	ck_assert_uint_eq(sub, 0);
	ck_assert_int_eq(dsb_test_queue_destroy(fd, &q), 0);
}
END_TEST

/*
 * An entry the kernel could not take (its slot busy: -EBUSY, left in the SQ)
 * that userspace then rewrites: the kernel must prepare the new contents
 * from scratch. The first attempt allocated a timeline chain node for its
 * signal; the rewritten entry signals a binary syncobj (regression: a stale
 * chain node of the first attempt was used, a use-after-free under KASAN).
 */
START_TEST(test_sq_entry_rewritten_after_busy)
{
	struct dsb_test_queue q = queue_new(fd, 0, 8, 0);
	uint32_t so_t = syncobj_new(fd), so_b = syncobj_new(fd);
	struct dsb_test_bo data;
	struct dsb_test_cmdbuf cb;
	struct drm_dsb_sqe *e;
	struct arena a;
	volatile uint64_t *d;
	uint64_t va, s0, point = 0;
	uint32_t tail, sub;

	arena_init(fd, &a, 8);
	ck_assert_int_eq(dsb_test_bo_create(fd, PAGE, &data), 0);
	d = data.map;
	/* Slot 0 stays in flight until the gate d[16] opens. */
	va = arena_cmd(&a, &cb);
	dsb_test_cmd_memwait(&cb, data.va + 128, 1, 0);
	ck_assert_int_eq(dsb_test_submit(fd, q.id, 0, va, dsb_test_cmd_len(&cb), NULL, 0, &s0), 0);

	tail = q.sq_cq->sq_tail;
	e = sqe_at(&q, tail);
	va = arena_cmd(&a, &cb);
	dsb_test_cmd_write(&cb, data.va, 0x7700);
	memset(e, 0, sizeof(*e));
	e->user_data = 0x77;
	e->cmd_va = va;
	e->cmd_len = dsb_test_cmd_len(&cb);
	e->slot = 0;
	e->sync_count = 1;
	e->syncs[0].flags = DRM_DSB_SYNC_OP_SIGNAL | DRM_DSB_SYNC_OP_TIMELINE;
	e->syncs[0].handle = so_t;
	e->syncs[0].point = 1;
	__atomic_store_n(&q.sq_cq->sq_tail, tail + 1, __ATOMIC_RELEASE);
	ck_assert_int_eq(sq_submit(q.id, 8, &sub), -EBUSY);
	ck_assert_uint_eq(sub, 0);

	/* Same entry, rewritten before the kernel consumed it. */
	e->slot = 1;
	e->syncs[0].flags = DRM_DSB_SYNC_OP_SIGNAL | DRM_DSB_SYNC_OP_SYNCOBJ;
	e->syncs[0].handle = so_b;
	e->syncs[0].point = 0;
	ck_assert_int_eq(sq_submit(q.id, 8, &sub), 0);
	ck_assert_uint_eq(sub, 1);
	d[16] = 1;	/* open the gate */
	wait_cq(&q, 1);
	ck_assert_uint_eq(cqe_at(&q, 0)->user_data, 0x77);
	ck_assert_int_eq(cqe_at(&q, 0)->error, 0);
	ck_assert_uint_eq(d[0], 0x7700);
	ck_assert_int_eq(drmSyncobjWait(fd, &so_b, 1, dsb_test_now_ns() + 5 * SEC_NS, 0, NULL), 0);
	/* The timeline point of the first attempt was never published. */
	ck_assert_int_eq(drmSyncobjQuery(fd, &so_t, &point, 1), 0);
	ck_assert_uint_eq(point, 0);
	ck_assert_int_eq(dsb_test_wait(fd, q.id, s0, 5 * SEC_NS, NULL), 0);
	ck_assert_int_eq(dsb_test_queue_destroy(fd, &q), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("submit");
	TCase *tc = tcase_new(s, "submit", 120);

	vm_fixture(tc, NULL);
	tcase_add_test(tc, test_in_order_by_data);
	tcase_add_test(tc, test_wait_timeouts);
	tcase_add_test(tc, test_fence_memory_polling);
	tcase_add_test(tc, test_batch_all_or_nothing);
	tcase_add_test(tc, test_slot_exhaustion);
	tcase_add_test(tc, test_ring_exhaustion);
	tcase_add_test(tc, test_sq_path);
	tcase_add_test(tc, test_sq_entry_rewritten_after_busy);
	return vm_run(s, VM_SKIP_WITHOUT_DEVICE);
}
