// SPDX-License-Identifier: MIT
/* Copyright (C) 2026 The dsb authors */
/*
 * dsb through io_uring (VM, 6.1 and 6.12), submitting: libdsb's own
 * io_uring backend, and submits and waits through the caller's ring
 * (IORING_OP_URING_CMD on the dsb render node, kmod/dsb_uring.c), every
 * result checked in memory: batches, a SUBMIT linked to its WAIT, and dsb
 * waits and ordinary file reads (/tmp, /proc) in one ring.
 */
#define _GNU_SOURCE
#include <fcntl.h>

#include "lib_uring.h"

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
		uint64_t first = next;
		int n;

		while (next < 500 && prep(&c, next, next * 3 + 1, false))
			next++;
		n = dsb_submit(&c.q);
		/*
		 * Once all 500 are prepared (next == 500), a pass that reaped
		 * only the CQEs already posted comes back with nothing new to
		 * submit while jobs are still in flight: 0 is then right.
		 */
		ck_assert_msg(next == first ? n == 0 : n >= 1,
			      "dsb_submit: %d after preparing %llu (jobs %llu..%llu, %llu done), "
			      "%u SQEs free", n, (unsigned long long)(next - first),
			      (unsigned long long)first, (unsigned long long)next,
			      (unsigned long long)done, dsb_sq_space_left(&c.q));
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

int main(void)
{
	Suite *s = suite_create("lib_uring_submit");
	TCase *tc = tcase_new(s, "uring", dsb_test_debug_kernel() ? 600 : 120);

	tcase_add_test(tc, test_queue_io_uring_backend);
	tcase_add_test(tc, test_submit_wait_data);
	tcase_add_test(tc, test_submit_linked_wait);
	tcase_add_test(tc, test_mixed_file_reads);
	return vm_run(s, VM_SKIP_WITHOUT_DEVICE);
}
