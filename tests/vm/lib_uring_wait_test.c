// SPDX-License-Identifier: MIT
/* Copyright (C) 2026 The dsb authors */
/*
 * dsb through io_uring (VM, 6.1 and 6.12), waiting: WAIT_SYNCOBJ on
 * timeline points; 10,000 asynchronous waits (seqno and syncobj)
 * outstanding at once on jobs held by a MEMWAIT, with no thread per wait,
 * then released; every way of waiting for a faulting job reports its
 * error; waits on fences already signalled complete inline.
 */
#define _GNU_SOURCE
#include <dirent.h>

#include "lib_uring.h"

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
	fprintf(stderr, "lib_uring_wait_test: %u CQEs in %lld ms after the gate opened, %d task(s)\n",
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
	Suite *s = suite_create("lib_uring_wait");
	TCase *tc = tcase_new(s, "uring", dsb_test_debug_kernel() ? 600 : 120);

	tcase_add_test(tc, test_wait_syncobj_cqe);
	tcase_add_test(tc, test_10000_waits);
	tcase_add_test(tc, test_wait_syncobj_error);
	/* Last: see the test. */
	tcase_add_test(tc, test_wait_already_signalled);
	return vm_run(s, VM_SKIP_WITHOUT_DEVICE);
}
