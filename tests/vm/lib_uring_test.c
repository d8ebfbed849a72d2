// SPDX-License-Identifier: MIT
/* Copyright (C) 2026 The dsb authors */
/*
 * dsb through io_uring (VM, 6.1 and 6.12): IORING_OP_URING_CMD on the dsb
 * render node (kmod/dsb_uring.c) driven from a caller's ring with the
 * libdsb helpers, and libdsb's own io_uring backend.
 *
 *  - submits and waits through io_uring, every result checked in memory;
 *  - dsb waits and ordinary file reads (/tmp, /proc) in one ring;
 *  - 10,000 asynchronous waits (seqno and syncobj) outstanding at once on
 *    jobs held by a MEMWAIT, with no thread per wait, then released;
 *  - waits pending while the dsb fd, the whole dsb state, the submitting
 *    thread, the ring or the process goes away: they complete or are
 *    cancelled (ring teardown on 6.12: cancelled at once; on 6.1 the
 *    teardown waits for the fence, which the queue watchdog ends) and
 *    nothing is leaked;
 *  - bad commands complete with the exact errno of kmod/dsb_uring.c.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <liburing.h>
#include <pthread.h>
#include <signal.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>

#include "dsb.h"
#include "vm_suite.h"

#define SEC		1000000000ll
#define GATE		1000		/* words[GATE]: the hold word */
#define CMD_AREA	128		/* command bytes per fence slot */

struct ctx {
	struct dsb_device dev;
	struct dsb_queue q;
	struct dsb_bo data, cmd;
	volatile uint64_t *words;
	uint64_t next_seqno;		/* seqno of the next job submitted */
};

static void ctx_init_params(struct ctx *c, const struct dsb_queue_params *p)
{
	memset(c, 0, sizeof(*c));
	ck_assert_int_eq(dsb_device_open(&c->dev, 0), 0);
	ck_assert_int_eq(dsb_queue_init(&c->dev, &c->q, p), 0);
	ck_assert_int_eq(dsb_bo_create(&c->dev, 1 << 16, &c->data), 0);
	ck_assert_int_eq(dsb_bo_create(&c->dev, 64 * CMD_AREA, &c->cmd), 0);
	c->words = c->data.map;
	memset(c->data.map, 0, c->data.size);
	c->next_seqno = 1;
}

static void ctx_init(struct ctx *c, uint32_t flags)
{
	struct dsb_queue_params p = { .flags = flags, .fence_slots = 16 };

	ctx_init_params(c, &p);
}

static void ctx_fini(struct ctx *c)
{
	dsb_bo_destroy(&c->dev, &c->cmd);
	dsb_bo_destroy(&c->dev, &c->data);
	dsb_queue_exit(&c->q);
	dsb_device_close(&c->dev);
}

static void open_gate(struct ctx *c)
{
	__atomic_store_n(&c->words[GATE], 1, __ATOMIC_RELEASE);
}

/*
 * A job writing @value to words[@idx], after waiting for words[GATE] >= 1
 * when @hold. user_data = @idx. Its command buffer lives in its fence
 * slot's area, which is free while the slot is.
 */
static struct drm_dsb_sqe *prep(struct ctx *c, uint64_t idx, uint64_t value,
				bool hold)
{
	struct drm_dsb_sqe *sqe = dsb_get_sqe(&c->q);
	struct dsb_cmdbuf cb;
	uint64_t off;

	if (!sqe)
		return NULL;
	off = (uint64_t)sqe->slot * CMD_AREA;
	ck_assert_uint_lt(off, c->cmd.size);
	dsb_cmdbuf_init(&cb, (char *)c->cmd.map + off, CMD_AREA, c->cmd.va + off);
	if (hold)
		ck_assert_int_eq(dsb_cmd_memwait(&cb, c->data.va + 8 * GATE, 1, 0), 0);
	ck_assert_int_eq(dsb_cmd_write(&cb, c->data.va + 8 * idx, value), 0);
	dsb_prep_exec(sqe, cb.va, dsb_cmdbuf_len(&cb));
	dsb_sqe_set_data64(sqe, idx);
	return sqe;
}

/* Reap every dsb CQE that is there, expecting @n of them with error 0. */
static void reap_dsb_cqes(struct ctx *c, unsigned int n)
{
	struct drm_dsb_cqe *cqe;

	while (n--) {
		ck_assert_int_eq(dsb_wait_cqe_timeout(&c->q, &cqe, 30 * SEC), 0);
		ck_assert_msg(cqe->error == 0, "dsb CQE seqno %llu error %d",
			      (unsigned long long)cqe->seqno, cqe->error);
		ck_assert_int_eq(dsb_cqe_seen(&c->q, cqe), 0);
	}
}

static void ring_init(struct io_uring *ring, unsigned int sq, unsigned int cq)
{
	struct io_uring_params p = { 0 };

	if (cq) {
		p.flags = IORING_SETUP_CQSIZE;
		p.cq_entries = cq;
	}
	ck_assert_int_eq(io_uring_queue_init_params(sq, ring, &p), 0);
	if (cq)
		ck_assert_uint_ge(p.cq_entries, cq);
}

static struct io_uring_sqe *get_sqe(struct io_uring *ring, uint64_t ud)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

	ck_assert_ptr_nonnull(sqe);
	io_uring_sqe_set_data64(sqe, ud);
	return sqe;
}

/*
 * Fill a fresh SQE with @fn(sqe, ...), then set its user_data: the
 * dsb_uring_prep_*() helpers clear the whole SQE, user_data included.
 */
#define PREP(ring, ud, fn, ...) do {					\
	struct io_uring_sqe *sqe_ = io_uring_get_sqe(ring);		\
									\
	ck_assert_ptr_nonnull(sqe_);					\
	fn(sqe_, __VA_ARGS__);						\
	sqe_->user_data = (ud);						\
} while (0)

/* One CQE within @timeout_ms; returns 0 with *ud, *res, or -ETIME. */
static int reap_ms(struct io_uring *ring, long timeout_ms, uint64_t *ud,
		   int32_t *res)
{
	struct __kernel_timespec ts = {
		.tv_sec = timeout_ms / 1000,
		.tv_nsec = (timeout_ms % 1000) * 1000000,
	};
	struct io_uring_cqe *cqe;
	int ret;

	do
		ret = io_uring_wait_cqe_timeout(ring, &cqe, &ts);
	while (ret == -EINTR);
	if (ret)
		return ret;
	*ud = cqe->user_data;
	*res = cqe->res;
	io_uring_cqe_seen(ring, cqe);
	return 0;
}

static void reap(struct io_uring *ring, uint64_t *ud, int32_t *res)
{
	int ret = reap_ms(ring, 30000, ud, res);

	ck_assert_msg(ret == 0, "no CQE within 30 s: %d", ret);
}

/* Submit and reap one command on its own; returns its res. */
static int32_t run_one(struct io_uring *ring)
{
	uint64_t ud;
	int32_t res;

	ck_assert_int_eq(io_uring_submit(ring), 1);
	reap(ring, &ud, &res);
	return res;
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * SEC + ts.tv_nsec;
}

static int count_tasks(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* Module references: one per open dsb file. */
static int dsb_refcnt(void)
{
	int n = dsb_test_module_refcnt();

	ck_assert_int_ge(n, 0);
	return n;
}

/*
 * Wait up to @ms for the module refcount to come back to @want (or below:
 * an earlier test's ring may still have been letting go when @want was read).
 */
static int64_t wait_refcnt(int want, long ms)
{
	int64_t t0 = now_ns();

	while (dsb_refcnt() > want) {
		if (now_ns() - t0 > ms * 1000000ll)
			return -1;
		usleep(10000);
	}
	return (now_ns() - t0) / 1000000;
}

/*
 * Does a pending uring_cmd get cancelled on ring/task teardown?
 * (IORING_URING_CMD_CANCELABLE, Linux 6.7; the module detects it.)
 */
static bool kernel_cancels(void)
{
	struct utsname u;
	int maj = 0, min = 0;

	ck_assert_int_eq(uname(&u), 0);
	ck_assert_int_eq(sscanf(u.release, "%d.%d", &maj, &min), 2);
	return maj > 6 || (maj == 6 && min >= 7);
}

/* ------------------------------------------------------------------ */

/* libdsb's private-ring backend: submits and blocking waits via io_uring. */
START_TEST(test_queue_io_uring_backend)
{
	struct drm_dsb_queue_status st;
	struct drm_dsb_cqe *cqe;
	uint64_t next = 0, done = 0;
	struct ctx c;
	int32_t err = 1;
	int ret;

	ctx_init(&c, DSB_QUEUE_IO_URING);
	ck_assert_ptr_nonnull(c.q.uring);
	while (done < 500) {
		while (next < 500 && prep(&c, next, next * 3 + 1, false))
			next++;
		ck_assert_int_ge(dsb_submit(&c.q), 1);
		ck_assert_int_eq(dsb_wait_cqe_timeout(&c.q, &cqe, 30 * SEC), 0);
		do {
			ck_assert_int_eq(cqe->error, 0);
			ck_assert_uint_eq(cqe->user_data, done);
			ck_assert_uint_eq(c.words[done], done * 3 + 1);
			done++;
			ck_assert_int_eq(dsb_cqe_seen(&c.q, cqe), 0);
		} while (dsb_peek_cqe(&c.q, &cqe) == 0);
	}
	/* A blocking wait that times out leaves the job alone. */
	prep(&c, 600, 1, true);
	ck_assert_int_eq(dsb_submit(&c.q), 1);
	ret = dsb_wait_seqno(&c.q, 501, 2000000, &err);
	ck_assert_int_eq(dsb_queue_status(&c.q, &st), 0);
	ck_assert_msg(ret == -ETIME,
		      "held job 501: wait returned %d (job error %d), queue state %u fault %u completed %llu",
		      ret, err, st.state, st.fault, (unsigned long long)st.completed);
	open_gate(&c);
	ck_assert_int_eq(dsb_wait_seqno(&c.q, 501, 30 * SEC, &err), 0);
	ck_assert_int_eq(err, 0);
	ck_assert_uint_eq(c.words[600], 1);
	reap_dsb_cqes(&c, 1);
	ctx_fini(&c);
}
END_TEST

/*
 * Submit and wait only through the caller's ring: batches of jobs, each
 * SUBMIT followed by a WAIT_SEQNO on the batch's last job, then every
 * result word checked.
 */
START_TEST(test_submit_wait_data)
{
	struct io_uring ring;
	uint64_t k = 0, ud;
	int32_t res;
	unsigned int round, i, n;
	struct ctx c;

	ctx_init(&c, 0);
	ring_init(&ring, 8, 0);
	for (round = 0; round < 40; round++) {
		n = 1 + round % 8;
		for (i = 0; i < n; i++, k++)
			ck_assert_ptr_nonnull(prep(&c, k, k * k + 7, false));
		ck_assert_int_eq(dsb_sq_flush(&c.q), (int)n);
		PREP(&ring, 1, dsb_uring_prep_submit, c.dev.fd, c.q.queue_id, n);
		res = run_one(&ring);
		ck_assert_int_eq(res, (int)n);
		c.next_seqno += n;
		PREP(&ring, 2, dsb_uring_prep_wait_seqno, c.dev.fd,
					  c.q.queue_id, c.next_seqno - 1);
		ck_assert_int_eq(io_uring_submit(&ring), 1);
		reap(&ring, &ud, &res);
		ck_assert_uint_eq(ud, 2);
		ck_assert_int_eq(res, 0);
		/* The fence signalled: every job up to it has written. */
		for (i = 0; i < k; i++)
			ck_assert_uint_eq(c.words[i], (uint64_t)i * i + 7);
		reap_dsb_cqes(&c, n);
	}
	/* A wait on a job long retired completes at once with its status. */
	PREP(&ring, 3, dsb_uring_prep_wait_seqno, c.dev.fd, c.q.queue_id, 1);
	ck_assert_int_eq(run_one(&ring), 0);
	io_uring_queue_exit(&ring);
	ctx_fini(&c);
}
END_TEST

/* SUBMIT linked to the WAIT that needs its seqno (IOSQE_IO_LINK). */
START_TEST(test_submit_linked_wait)
{
	struct io_uring_sqe *sqe;
	struct io_uring ring;
	uint64_t ud;
	int32_t res, got[3] = { 1, 1, 1 };
	int i;
	struct ctx c;

	ctx_init(&c, 0);
	ring_init(&ring, 8, 0);
	for (i = 0; i < 4; i++)
		ck_assert_ptr_nonnull(prep(&c, (uint64_t)i, 100 + (uint64_t)i, false));
	ck_assert_int_eq(dsb_sq_flush(&c.q), 4);
	sqe = get_sqe(&ring, 1);
	dsb_uring_prep_submit(sqe, c.dev.fd, c.q.queue_id, 4);
	io_uring_sqe_set_data64(sqe, 1);
	sqe->flags |= IOSQE_IO_LINK;	/* the wait needs the seqno to exist */
	PREP(&ring, 2, dsb_uring_prep_wait_seqno, c.dev.fd, c.q.queue_id, 4);
	ck_assert_int_eq(io_uring_submit(&ring), 2);
	for (i = 0; i < 2; i++) {
		reap(&ring, &ud, &res);
		ck_assert_uint_le(ud, 2);
		got[ud] = res;
	}
	ck_assert_msg(got[1] == 4 && got[2] == 0,
		      "linked SUBMIT res %d (want 4), WAIT res %d (want 0)",
		      got[1], got[2]);
	ck_assert_uint_eq(c.words[3], 103);
	reap_dsb_cqes(&c, 4);
	io_uring_queue_exit(&ring);
	ctx_fini(&c);
}
END_TEST

/*
 * dsb waits and file reads in one ring: the reads complete while a GPU
 * wait is pending behind a held job; the wait completes once the CPU
 * opens the gate, with the job's data in memory.
 */
START_TEST(test_mixed_file_reads)
{
	static const char text[] = "dsb and file reads share one io_uring\n";
	char tmpname[] = "/tmp/dsb-uring-XXXXXX";
	char fbuf[128] = "", pbuf[256] = "";
	struct io_uring ring;
	uint64_t ud;
	int32_t res;
	int tfd, pfd, i, reads = 0;
	uint32_t so;
	struct ctx c;

	ctx_init(&c, 0);
	ring_init(&ring, 16, 0);
	tfd = mkstemp(tmpname);
	ck_assert_int_ge(tfd, 0);
	ck_assert_int_eq(write(tfd, text, sizeof(text) - 1), (int)sizeof(text) - 1);
	pfd = open("/proc/self/stat", O_RDONLY);
	ck_assert_int_ge(pfd, 0);
	ck_assert_int_eq(dsb_syncobj_create(&c.dev, 0, &so), 0);

	/* Job 1 runs, job 2 is held and signals the binary syncobj. */
	prep(&c, 0, 11, false);
	ck_assert_int_eq(dsb_prep_signal_syncobj(prep(&c, 1, 22, true), so), 0);
	ck_assert_int_eq(dsb_sq_flush(&c.q), 2);
	PREP(&ring, 1, dsb_uring_prep_submit, c.dev.fd, c.q.queue_id, 2);
	ck_assert_int_eq(run_one(&ring), 2);

	PREP(&ring, 10, dsb_uring_prep_wait_seqno, c.dev.fd, c.q.queue_id, 2);
	PREP(&ring, 11, dsb_uring_prep_wait_syncobj, c.dev.fd, so, 0);
	PREP(&ring, 20, io_uring_prep_read, tfd, fbuf, sizeof(fbuf), 0);
	PREP(&ring, 12, dsb_uring_prep_wait_seqno, c.dev.fd, c.q.queue_id, 1);
	PREP(&ring, 21, io_uring_prep_read, pfd, pbuf, sizeof(pbuf) - 1, 0);
	ck_assert_int_eq(io_uring_submit(&ring), 5);

	/* The reads and job 1's wait come in; job 2's waits do not. */
	for (i = 0; i < 3; i++) {
		reap(&ring, &ud, &res);
		switch (ud) {
		case 12:
			ck_assert_int_eq(res, 0);
			ck_assert_uint_eq(c.words[0], 11);
			break;
		case 20:
			ck_assert_int_eq(res, (int)sizeof(text) - 1);
			ck_assert_mem_eq(fbuf, text, sizeof(text) - 1);
			reads++;
			break;
		case 21:
			ck_assert_int_gt(res, 0);
			pbuf[res] = 0;
			ck_assert_int_eq(atoi(pbuf), getpid());
			reads++;
			break;
		default:
			ck_abort_msg("CQE %llu (res %d) before the gate opened",
				     (unsigned long long)ud, res);
		}
	}
	ck_assert_int_eq(reads, 2);
	ck_assert_int_eq(reap_ms(&ring, 200, &ud, &res), -ETIME);
	ck_assert_uint_eq(c.words[1], 0);

	/* A read submitted now still completes ahead of the held waits. */
	memset(fbuf, 0, sizeof(fbuf));
	PREP(&ring, 22, io_uring_prep_read, tfd, fbuf, 3, 4);
	ck_assert_int_eq(io_uring_submit(&ring), 1);
	reap(&ring, &ud, &res);
	ck_assert_uint_eq(ud, 22);
	ck_assert_int_eq(res, 3);
	ck_assert_mem_eq(fbuf, text + 4, 3);

	open_gate(&c);
	for (i = 0; i < 2; i++) {
		reap(&ring, &ud, &res);
		ck_assert(ud == 10 || ud == 11);
		ck_assert_int_eq(res, 0);
		ck_assert_uint_eq(c.words[1], 22);
	}
	reap_dsb_cqes(&c, 2);
	dsb_syncobj_destroy(&c.dev, so);
	close(pfd);
	close(tfd);
	unlink(tmpname);
	io_uring_queue_exit(&ring);
	ctx_fini(&c);
}
END_TEST

/* WAIT_SYNCOBJ on timeline points, one signalled by a held job. */
START_TEST(test_wait_syncobj_cqe)
{
	struct io_uring ring;
	struct io_uring_cqe *ucqe;
	struct drm_dsb_sqe *dsqe;
	uint64_t ud;
	int32_t res;
	uint32_t so;
	struct ctx c;

	ctx_init(&c, 0);
	ring_init(&ring, 8, 0);
	ck_assert_int_eq(dsb_syncobj_create(&c.dev, 0, &so), 0);
	dsqe = prep(&c, 0, 5, false);
	ck_assert_int_eq(dsb_prep_signal_timeline(dsqe, so, 3), 0);
	dsqe = prep(&c, 1, 6, true);
	ck_assert_int_eq(dsb_prep_signal_timeline(dsqe, so, 7), 0);
	ck_assert_int_eq(dsb_submit(&c.q), 2);

	PREP(&ring, 7, dsb_uring_prep_wait_syncobj, c.dev.fd, so, 7);
	PREP(&ring, 3, dsb_uring_prep_wait_syncobj, c.dev.fd, so, 3);
	ck_assert_int_eq(io_uring_submit(&ring), 2);
	reap(&ring, &ud, &res);
	ck_assert_uint_eq(ud, 3);
	ck_assert_int_eq(res, 0);
	ck_assert_uint_eq(c.words[0], 5);
	/* Not signalled while the job is held. */
	ck_assert_int_eq(io_uring_peek_cqe(&ring, &ucqe), -EAGAIN);
	ck_assert_int_eq(reap_ms(&ring, 200, &ud, &res), -ETIME);
	open_gate(&c);
	reap(&ring, &ud, &res);
	ck_assert_uint_eq(ud, 7);
	ck_assert_int_eq(res, 0);
	ck_assert_uint_eq(c.words[1], 6);
	reap_dsb_cqes(&c, 2);
	dsb_syncobj_destroy(&c.dev, so);
	io_uring_queue_exit(&ring);
	ctx_fini(&c);
}
END_TEST

/*
 * 10,000 waits outstanding at once: 8 held jobs, each signalling point
 * i + 1 of a timeline syncobj; waits alternate WAIT_SEQNO and
 * WAIT_SYNCOBJ over the 8 jobs. No thread exists per wait (the process
 * keeps one task, so no io-wq worker either) and nothing completes before
 * the gate opens; then all 10,000 CQEs arrive, each after its job's write.
 */
START_TEST(test_10000_waits)
{
	const unsigned int n = 10000, jobs = 8, batch = 1024;
	unsigned int i, got = 0, per_job[8] = { 0 }, kinds[2] = { 0 };
	struct drm_dsb_queue_status st;
	struct io_uring ring;
	int64_t t0;
	uint64_t ud;
	int32_t res;
	uint32_t so;
	struct ctx c;

	/* The gate must outlast queueing 10,000 waits, ~10x slower on the
	 * debug (lockdep, KASAN) kernel: a long watchdog there. */
	struct dsb_queue_params p = { .fence_slots = 16,
				      .timeout_ms = dsb_test_debug_kernel() ? 60000 : 0 };

	ctx_init_params(&c, &p);
	ring_init(&ring, batch, 16384);
	ck_assert_int_eq(dsb_syncobj_create(&c.dev, 0, &so), 0);
	for (i = 0; i < jobs; i++)
		ck_assert_int_eq(dsb_prep_signal_timeline(prep(&c, i, 500 + i, true),
							  so, i + 1), 0);
	ck_assert_int_eq(dsb_submit(&c.q), (int)jobs);

	for (i = 0; i < n; i++) {
		unsigned int job = i % jobs;

		if (i % 2)
			PREP(&ring, i, dsb_uring_prep_wait_syncobj, c.dev.fd, so,
						    job + 1);
		else
			PREP(&ring, i, dsb_uring_prep_wait_seqno, c.dev.fd,
						  c.q.queue_id, job + 1);
		if ((i + 1) % batch == 0 || i + 1 == n)
			ck_assert_int_eq(io_uring_submit(&ring),
					 (int)((i % batch) + 1));
	}
	/* All 10,000 are pending, none has a thread. */
	ck_assert_uint_eq(io_uring_cq_ready(&ring), 0);
	ck_assert_int_eq(count_tasks(), 1);
	ck_assert_int_eq(dsb_queue_status(&c.q, &st), 0);
	ck_assert_uint_eq(st.completed, 0);
	ck_assert_int_eq(reap_ms(&ring, 100, &ud, &res), -ETIME);

	t0 = now_ns();
	open_gate(&c);
	while (got < n) {
		unsigned int job;

		reap(&ring, &ud, &res);
		ck_assert_uint_lt(ud, n);
		ck_assert_msg(res == 0, "wait %llu: res %d", (unsigned long long)ud, res);
		job = ud % jobs;
		ck_assert_uint_eq(c.words[job], 500 + job);
		per_job[job]++;
		kinds[ud % 2]++;
		got++;
	}
	fprintf(stderr, "lib_uring_test: %u CQEs in %lld ms after the gate opened, %d task(s)\n",
		got, (long long)((now_ns() - t0) / 1000000), count_tasks());
	for (i = 0; i < jobs; i++)
		ck_assert_uint_eq(per_job[i], n / jobs);
	ck_assert_uint_eq(kinds[0], n / 2);
	ck_assert_uint_eq(kinds[1], n / 2);
	ck_assert_uint_eq(io_uring_cq_ready(&ring), 0);
	reap_dsb_cqes(&c, jobs);
	dsb_syncobj_destroy(&c.dev, so);
	io_uring_queue_exit(&ring);
	ctx_fini(&c);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Bad commands                                                        */

static void prep_raw(struct io_uring_sqe *sqe, int fd, uint32_t op,
		     uint32_t id, uint32_t arg, uint64_t value)
{
	struct drm_dsb_uring_cmd cmd = { .id = id, .arg = arg, .value = value };
	uint64_t ud = sqe->user_data;

	dsb_uring_prep_submit(sqe, fd, 0, 0);
	sqe->cmd_op = op;
	memcpy(&sqe->addr3, &cmd, sizeof(cmd));
	sqe->user_data = ud;
}

START_TEST(test_bad_commands)
{
	const uint32_t S = DRM_DSB_URING_SUBMIT, W = DRM_DSB_URING_WAIT_SEQNO,
		       Y = DRM_DSB_URING_WAIT_SYNCOBJ;
	struct drm_dsb_sqe *dsqe;
	struct drm_dsb_cqe *dcqe;
	struct io_uring ring;
	uint32_t so_empty, so_tl;
	uint64_t ud;
	int32_t res;
	unsigned int i;
	int tfd;
	char tmpname[] = "/tmp/dsb-uring-bad-XXXXXX";
	struct ctx c;

	ctx_init(&c, 0);
	ring_init(&ring, 32, 0);
	ck_assert_int_eq(dsb_syncobj_create(&c.dev, 0, &so_empty), 0);
	ck_assert_int_eq(dsb_syncobj_create(&c.dev, 0, &so_tl), 0);
	/* One good job, seqno 1, signals so_tl point 1. */
	ck_assert_int_eq(dsb_prep_signal_timeline(prep(&c, 0, 9, false), so_tl, 1), 0);
	ck_assert_int_eq(dsb_submit(&c.q), 1);
	reap_dsb_cqes(&c, 1);
	tfd = mkstemp(tmpname);
	ck_assert_int_ge(tfd, 0);

	{
		const struct {
			uint32_t op, id, arg;
			uint64_t value;
			int32_t want;
			const char *what;
		} t[] = {
			{ 0x0d5b00ff, c.q.queue_id, 1, 0, -EINVAL, "unknown cmd_op" },
			{ 0x0d5b0001, c.q.queue_id, 1, 0, -EINVAL, "raw SUBMIT of uAPI 5" },
			{ _IOWR(DRM_IOCTL_BASE, DRM_DSB_URING_NR_SUBMIT, uint64_t),
			  c.q.queue_id, 1, 0, -EINVAL, "SUBMIT encoded on 8 bytes" },
			{ _IOW(DRM_IOCTL_BASE, DRM_DSB_URING_NR_SUBMIT, struct drm_dsb_uring_cmd),
			  c.q.queue_id, 1, 0, -EINVAL, "SUBMIT with the wrong direction" },
			{ 0, c.q.queue_id, 1, 0, -EINVAL, "cmd_op 0" },
			{ S, 0xdead, 1, 0, -ENOENT, "SUBMIT bad queue" },
			{ S, 0, 1, 0, -ENOENT, "SUBMIT queue 0" },
			{ S, c.q.queue_id, 0, 0, -EINVAL, "SUBMIT count 0" },
			{ S, c.q.queue_id, 1, 1, -EINVAL, "SUBMIT value MBZ" },
			{ S, c.q.queue_id, 4, 0, 0, "SUBMIT empty SQ" },
			{ W, 0xdead, 0, 1, -ENOENT, "WAIT_SEQNO bad queue" },
			{ W, c.q.queue_id, 1, 1, -EINVAL, "WAIT_SEQNO arg MBZ" },
			{ W, c.q.queue_id, 0, 0, -EINVAL, "WAIT_SEQNO seqno 0" },
			{ W, c.q.queue_id, 0, 2, -EINVAL, "WAIT_SEQNO next seqno" },
			{ W, c.q.queue_id, 0, 1000, -EINVAL, "WAIT_SEQNO never submitted" },
			{ W, c.q.queue_id, 0, ~0ull, -EINVAL, "WAIT_SEQNO ~0" },
			{ W, c.q.queue_id, 0, 1, 0, "WAIT_SEQNO retired job" },
			{ Y, 0, 0, 0, -ENOENT, "WAIT_SYNCOBJ handle 0" },
			{ Y, 0xdead, 0, 0, -ENOENT, "WAIT_SYNCOBJ bad handle" },
			{ Y, so_empty, 0, 0, -ENOENT, "WAIT_SYNCOBJ without fence" },
			{ Y, so_empty, 0, 5, -ENOENT, "WAIT_SYNCOBJ point, no fence" },
			{ Y, so_tl, 0, 2, -ENOENT, "WAIT_SYNCOBJ point not submitted" },
			{ Y, so_tl, 1, 1, -EINVAL, "WAIT_SYNCOBJ arg MBZ" },
		};
		int32_t got[sizeof(t) / sizeof(t[0]) + 1];
		const unsigned int nt = sizeof(t) / sizeof(t[0]);

		for (i = 0; i < nt; i++) {
			got[i] = 1;
			PREP(&ring, i, prep_raw, c.dev.fd, t[i].op, t[i].id,
				 t[i].arg, t[i].value);
		}
		/* A dsb command on a file that is not a dsb node. */
		got[nt] = 1;
		PREP(&ring, nt, prep_raw, tfd, W, c.q.queue_id, 0, 1);
		ck_assert_int_eq(io_uring_submit(&ring), (int)nt + 1);
		for (i = 0; i <= nt; i++) {
			reap(&ring, &ud, &res);
			ck_assert_uint_le(ud, nt);
			got[ud] = res;
		}
		for (i = 0; i < nt; i++)
			ck_assert_msg(got[i] == t[i].want, "%s: res %d, want %d",
				      t[i].what, got[i], t[i].want);
		ck_assert_msg(got[nt] == -EOPNOTSUPP,
			      "URING_CMD on a regular file: res %d, want %d",
			      got[nt], -EOPNOTSUPP);
	}

	/* A bad dsb SQE is consumed by SUBMIT and completes in the dsb CQ. */
	dsqe = prep(&c, 1, 1, false);
	dsqe->cmd_len = 7;
	ck_assert_int_eq(dsb_sq_flush(&c.q), 1);
	PREP(&ring, 100, dsb_uring_prep_submit, c.dev.fd, c.q.queue_id, 1);
	ck_assert_int_eq(run_one(&ring), 1);
	ck_assert_int_eq(dsb_wait_cqe_timeout(&c.q, &dcqe, 10 * SEC), 0);
	ck_assert_int_eq(dcqe->error, -EINVAL);
	ck_assert_uint_eq(dcqe->seqno, 0);
	ck_assert_int_eq(dsb_cqe_seen(&c.q, dcqe), 0);
	dsqe = prep(&c, 1, 1, false);
	dsqe->flags = 0x80;
	ck_assert_int_eq(dsb_sq_flush(&c.q), 1);
	PREP(&ring, 101, dsb_uring_prep_submit, c.dev.fd, c.q.queue_id, 1);
	ck_assert_int_eq(run_one(&ring), 1);
	ck_assert_int_eq(dsb_wait_cqe_timeout(&c.q, &dcqe, 10 * SEC), 0);
	ck_assert_int_eq(dcqe->error, -EINVAL);
	ck_assert_int_eq(dsb_cqe_seen(&c.q, dcqe), 0);

	/* Nothing of this hurt the queue: a good job, seqno 2. */
	prep(&c, 2, 77, false);
	ck_assert_int_eq(dsb_sq_flush(&c.q), 1);
	PREP(&ring, 102, dsb_uring_prep_submit, c.dev.fd, c.q.queue_id, 1);
	ck_assert_int_eq(run_one(&ring), 1);
	PREP(&ring, 103, dsb_uring_prep_wait_seqno, c.dev.fd, c.q.queue_id, 2);
	ck_assert_int_eq(run_one(&ring), 0);
	ck_assert_uint_eq(c.words[2], 77);
	reap_dsb_cqes(&c, 1);

	close(tfd);
	unlink(tmpname);
	dsb_syncobj_destroy(&c.dev, so_tl);
	dsb_syncobj_destroy(&c.dev, so_empty);
	io_uring_queue_exit(&ring);
	ctx_fini(&c);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Teardown with waits pending                                         */

/* Hold @jobs jobs (signalling @so points 1..jobs) and queue @n waits on them. */
static void hold_and_wait(struct ctx *c, struct io_uring *ring, int fd,
			  uint32_t so, unsigned int jobs, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < jobs; i++)
		ck_assert_int_eq(dsb_prep_signal_timeline(prep(c, i, 300 + i, true),
							  so, c->next_seqno + i), 0);
	ck_assert_int_eq(dsb_submit(&c->q), (int)jobs);
	for (i = 0; i < n; i++) {
		uint64_t seqno = c->next_seqno + i % jobs;

		if (i % 2)
			PREP(ring, i, dsb_uring_prep_wait_syncobj, fd, so, seqno);
		else
			PREP(ring, i, dsb_uring_prep_wait_seqno, fd,
						  c->q.queue_id, seqno);
	}
	ck_assert_int_eq(io_uring_submit(ring), (int)n);
	c->next_seqno += jobs;
	ck_assert_int_eq(reap_ms(ring, 100, &(uint64_t){ 0 }, &(int32_t){ 0 }), -ETIME);
}

/*
 * Closing the dsb fd the waits were issued on does not end them (the
 * requests hold the file): they complete normally when the jobs do. Then
 * waits pending while every dsb object and the device are closed (the
 * queue destroyed) complete with the jobs' -ECANCELED, promptly, and the
 * file is released.
 */
START_TEST(test_close_fd_waits_pending)
{
	const unsigned int n = 256, jobs = 4;
	struct io_uring ring;
	int base, fd2;
	unsigned int i;
	uint64_t ud;
	int32_t res;
	uint32_t so;
	struct ctx c;

	base = dsb_refcnt();
	ctx_init(&c, 0);
	ring_init(&ring, n, 0);
	ck_assert_int_eq(dsb_syncobj_create(&c.dev, 0, &so), 0);
	fd2 = dup(c.dev.fd);
	ck_assert_int_ge(fd2, 0);

	hold_and_wait(&c, &ring, fd2, so, jobs, n);
	ck_assert_int_eq(close(fd2), 0);
	usleep(100000);
	ck_assert_uint_eq(io_uring_cq_ready(&ring), 0);
	open_gate(&c);
	for (i = 0; i < n; i++) {
		reap(&ring, &ud, &res);
		ck_assert_msg(res == 0, "wait %llu after close(fd): res %d",
			      (unsigned long long)ud, res);
		ck_assert_uint_eq(c.words[ud % jobs], 300 + ud % jobs);
	}
	reap_dsb_cqes(&c, jobs);

	/* Held again, then everything dsb goes away. */
	c.words[GATE] = 0;
	hold_and_wait(&c, &ring, c.dev.fd, so, jobs, n);
	/* The queue first: destroying the BOs first would unmap the word the
	 * held jobs poll, and the first job would fault (-EIO) instead. */
	dsb_syncobj_destroy(&c.dev, so);
	dsb_queue_exit(&c.q);
	dsb_bo_destroy(&c.dev, &c.cmd);
	dsb_bo_destroy(&c.dev, &c.data);
	dsb_device_close(&c.dev);
	for (i = 0; i < n; i++) {
		ck_assert_msg(reap_ms(&ring, 10000, &ud, &res) == 0,
			      "only %u of %u waits completed after teardown", i, n);
		/* Seqno waits see the job's -ECANCELED. (Timeline syncobj
		 * waits too, once the kernel reports the contained fence's
		 * status: test_wait_syncobj_error.) */
		if (ud % 2 == 0)
			ck_assert_msg(res == -ECANCELED, "wait %llu after teardown: res %d",
				      (unsigned long long)ud, res);
		else
			ck_assert_msg(res == -ECANCELED || res == 0,
				      "syncobj wait %llu after teardown: res %d",
				      (unsigned long long)ud, res);
	}
	ck_assert_msg(wait_refcnt(base, 10000) >= 0, "dsb file not released: refcnt %d, was %d",
		      dsb_refcnt(), base);
	io_uring_queue_exit(&ring);
}
END_TEST

struct exit_thread {
	struct ctx *c;
	struct io_uring *ring;
	uint32_t so;
};

static void *exit_thread_fn(void *arg)
{
	struct exit_thread *t = arg;

	hold_and_wait(t->c, t->ring, t->c->dev.fd, t->so, 4, 64);
	return NULL;	/* exits with 64 waits pending */
}

/*
 * The thread that issued the waits exits with them pending. Neither
 * kernel cancels uring_cmds at thread exit (io_uring only cancels tracked
 * requests then): the waits stay pending, and when the jobs complete
 * their completions, queued as task work for a task that is gone, are
 * posted through io_uring's fallback.
 */
START_TEST(test_thread_exit_waits_pending)
{
	struct exit_thread t;
	pthread_t th;
	struct io_uring ring;
	unsigned int i;
	uint64_t ud;
	int32_t res;
	struct ctx c;

	ctx_init(&c, 0);
	ring_init(&ring, 64, 0);
	t.c = &c;
	t.ring = &ring;
	ck_assert_int_eq(dsb_syncobj_create(&c.dev, 0, &t.so), 0);
	ck_assert_int_eq(pthread_create(&th, NULL, exit_thread_fn, &t), 0);
	ck_assert_int_eq(pthread_join(th, NULL), 0);
	ck_assert_int_eq(reap_ms(&ring, 200, &ud, &res), -ETIME);
	ck_assert_uint_eq(c.words[0], 0);	/* still held */
	open_gate(&c);
	for (i = 0; i < 64; i++) {
		reap(&ring, &ud, &res);
		ck_assert_msg(res == 0, "wait %llu: res %d", (unsigned long long)ud, res);
		ck_assert_uint_eq(c.words[ud % 4], 300 + ud % 4);
	}
	reap_dsb_cqes(&c, 4);
	dsb_syncobj_destroy(&c.dev, t.so);
	io_uring_queue_exit(&ring);
	ctx_fini(&c);
}
END_TEST

/*
 * A child holds jobs (never released) with 512 waits pending, then
 * (mode 0) closes its io_uring and exits, or (mode 1) is killed with the
 * ring open. No ioctl tears the queue down: the dsb file is released once
 * the io_uring requests let go of it. On 6.12 the teardown cancels them at
 * once, well before the queue's 60 s watchdog; on 6.1 it waits for the
 * fences, which the watchdog (1.5 s) ends with -ETIMEDOUT.
 */
START_TEST(test_ring_teardown_waits_pending)
{
	bool cancels = kernel_cancels();
	int mode = _i, base = dsb_refcnt(), p[2], status;
	long limit_ms = cancels ? 5000 : 20000;
	int64_t t;
	pid_t pid;
	char ok;

	ck_assert_int_eq(pipe(p), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct dsb_queue_params qp = {
			.fence_slots = 16, .timeout_ms = cancels ? 60000 : 1500,
		};
		struct io_uring ring;
		uint32_t so;
		struct ctx c;

		close(p[0]);
		ctx_init_params(&c, &qp);
		ring_init(&ring, 512, 0);
		ck_assert_int_eq(dsb_syncobj_create(&c.dev, 0, &so), 0);
		hold_and_wait(&c, &ring, c.dev.fd, so, 8, 512);
		ck_assert_int_eq(write(p[1], "r", 1), 1);
		if (mode == 1)
			pause();
		io_uring_queue_exit(&ring);
		_exit(0);
	}
	close(p[1]);
	ck_assert_int_eq(read(p[0], &ok, 1), 1);
	close(p[0]);
	ck_assert_int_gt(dsb_refcnt(), base);
	if (mode == 1)
		ck_assert_int_eq(kill(pid, SIGKILL), 0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(mode == 1 ? WIFSIGNALED(status) : (WIFEXITED(status) &&
						     WEXITSTATUS(status) == 0));
	t = wait_refcnt(base, limit_ms);
	ck_assert_msg(t >= 0, "%s: dsb file still open %ld ms after %s (refcnt %d, base %d)",
		      cancels ? "6.12" : "6.1", limit_ms,
		      mode ? "SIGKILL" : "ring close + exit", dsb_refcnt(), base);
	fprintf(stderr, "lib_uring_test: mode %d: dsb file released %lld ms after the child was reaped\n",
		mode, (long long)t);
}
END_TEST

/*
 * A job that faults: every way of waiting for it through io_uring reports
 * the job's error (the one in its dsb CQE) — the seqno, the binary
 * syncobj and the timeline point it signals.
 */
START_TEST(test_wait_syncobj_error)
{
	struct drm_dsb_cqe *dcqe;
	struct drm_dsb_sqe *dsqe;
	struct io_uring ring;
	struct dsb_cmdbuf cb;
	uint32_t so_tl, so_bin;
	int32_t got[3] = { 1, 1, 1 }, res, jerr;
	uint64_t ud, off;
	int i;
	struct ctx c;

	ctx_init(&c, 0);
	ring_init(&ring, 8, 0);
	ck_assert_int_eq(dsb_syncobj_create(&c.dev, 0, &so_tl), 0);
	ck_assert_int_eq(dsb_syncobj_create(&c.dev, 0, &so_bin), 0);
	/* Held, then writes to an unmapped GPU VA. */
	dsqe = dsb_get_sqe(&c.q);
	ck_assert_ptr_nonnull(dsqe);
	off = (uint64_t)dsqe->slot * CMD_AREA;
	dsb_cmdbuf_init(&cb, (char *)c.cmd.map + off, CMD_AREA, c.cmd.va + off);
	ck_assert_int_eq(dsb_cmd_memwait(&cb, c.data.va + 8 * GATE, 1, 0), 0);
	ck_assert_int_eq(dsb_cmd_write(&cb, 8, 1), 0);
	dsb_prep_exec(dsqe, cb.va, dsb_cmdbuf_len(&cb));
	ck_assert_int_eq(dsb_prep_signal_timeline(dsqe, so_tl, 1), 0);
	ck_assert_int_eq(dsb_prep_signal_syncobj(dsqe, so_bin), 0);
	ck_assert_int_eq(dsb_submit(&c.q), 1);
	PREP(&ring, 0, dsb_uring_prep_wait_seqno, c.dev.fd, c.q.queue_id, 1);
	PREP(&ring, 1, dsb_uring_prep_wait_syncobj, c.dev.fd, so_bin, 0);
	PREP(&ring, 2, dsb_uring_prep_wait_syncobj, c.dev.fd, so_tl, 1);
	ck_assert_int_eq(io_uring_submit(&ring), 3);
	open_gate(&c);
	for (i = 0; i < 3; i++) {
		reap(&ring, &ud, &res);
		ck_assert_uint_le(ud, 2);
		got[ud] = res;
	}
	ck_assert_int_eq(dsb_wait_cqe_timeout(&c.q, &dcqe, 30 * SEC), 0);
	jerr = dcqe->error;
	ck_assert_int_eq(dsb_cqe_seen(&c.q, dcqe), 0);
	ck_assert_int_lt(jerr, 0);
	ck_assert_msg(got[0] == jerr && got[1] == jerr && got[2] == jerr,
		      "job error %d; WAIT_SEQNO res %d, WAIT_SYNCOBJ binary res %d, timeline point res %d",
		      jerr, got[0], got[1], got[2]);
	dsb_syncobj_destroy(&c.dev, so_bin);
	dsb_syncobj_destroy(&c.dev, so_tl);
	io_uring_queue_exit(&ring);
	ctx_fini(&c);
}
END_TEST

/*
 * Waits on fences that have already signalled complete inline with the
 * fence's status, many times over, and the ring then closes cleanly.
 * (Kept last: on a kernel where this path leaves a completed request on
 * io_uring's cancelable list, the ring teardown oopses.)
 */
START_TEST(test_wait_already_signalled)
{
	struct io_uring ring;
	uint32_t so_tl, so_bin;
	unsigned int i;
	uint64_t ud;
	int32_t res;
	struct ctx c;

	ctx_init(&c, 0);
	ring_init(&ring, 64, 0);
	ck_assert_int_eq(dsb_syncobj_create(&c.dev, 0, &so_tl), 0);
	ck_assert_int_eq(dsb_syncobj_create(&c.dev, 0, &so_bin), 0);
	ck_assert_int_eq(dsb_prep_signal_timeline(prep(&c, 0, 4, false), so_tl, 1), 0);
	ck_assert_int_eq(dsb_prep_signal_syncobj(prep(&c, 1, 5, false), so_bin), 0);
	ck_assert_int_eq(dsb_submit(&c.q), 2);
	reap_dsb_cqes(&c, 2);
	for (i = 0; i < 32; i++) {
		if (i % 2)
			PREP(&ring, i, dsb_uring_prep_wait_syncobj, c.dev.fd, so_tl, 1);
		else
			PREP(&ring, i, dsb_uring_prep_wait_syncobj, c.dev.fd, so_bin, 0);
	}
	ck_assert_int_eq(io_uring_submit(&ring), 32);
	for (i = 0; i < 32; i++) {
		reap(&ring, &ud, &res);
		ck_assert_int_eq(res, 0);
	}
	ck_assert_uint_eq(c.words[0], 4);
	ck_assert_uint_eq(c.words[1], 5);
	io_uring_queue_exit(&ring);
	/* The teardown above runs asynchronously: give it time to bite. */
	usleep(500000);
	dsb_syncobj_destroy(&c.dev, so_bin);
	dsb_syncobj_destroy(&c.dev, so_tl);
	ctx_fini(&c);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("lib_uring");
	TCase *tc = tcase_new(s, "uring", dsb_test_debug_kernel() ? 600 : 120);

	tcase_add_test(tc, test_queue_io_uring_backend);
	tcase_add_test(tc, test_submit_wait_data);
	tcase_add_test(tc, test_submit_linked_wait);
	tcase_add_test(tc, test_mixed_file_reads);
	tcase_add_test(tc, test_wait_syncobj_cqe);
	tcase_add_test(tc, test_10000_waits);
	tcase_add_test(tc, test_bad_commands);
	tcase_add_test(tc, test_wait_syncobj_error);
	tcase_add_test(tc, test_close_fd_waits_pending);
	tcase_add_test(tc, test_thread_exit_waits_pending);
	tcase_add_loop_test(tc, test_ring_teardown_waits_pending, 0, 2);
	tcase_add_test(tc, test_wait_already_signalled);
	return vm_run(s, VM_SKIP_WITHOUT_DEVICE);
}
