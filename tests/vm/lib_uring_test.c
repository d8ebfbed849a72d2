// SPDX-License-Identifier: MIT
/* Copyright (C) 2026 The dsb authors */
/*
 * libdsb's io_uring backend (VM): a queue that submits and blocks through
 * its private io_uring, dsb commands prepared on the caller's ring next to
 * ordinary file reads, asynchronous seqno and syncobj waits as CQEs, many
 * waits outstanding at once, and bad commands completing with errors.
 */
#include <check.h>
#include <fcntl.h>
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dsb.h"
#include "helpers.h"

#define SEC	1000000000ll

struct ctx {
	struct dsb_device dev;
	struct dsb_queue q;
	struct dsb_bo data, cmd;
	uint64_t *words;
};

static void ctx_init(struct ctx *c, uint32_t flags)
{
	struct dsb_queue_params p = { .flags = flags, .fence_slots = 16 };

	ck_assert_int_eq(dsb_device_open(&c->dev, 0), 0);
	ck_assert_int_eq(dsb_queue_init(&c->dev, &c->q, &p), 0);
	ck_assert_int_eq(dsb_bo_create(&c->dev, 1 << 16, &c->data), 0);
	ck_assert_int_eq(dsb_bo_create(&c->dev, 16 * 64, &c->cmd), 0);
	c->words = c->data.map;
	memset(c->words, 0, c->data.size);
}

static void ctx_fini(struct ctx *c)
{
	dsb_bo_destroy(&c->dev, &c->cmd);
	dsb_bo_destroy(&c->dev, &c->data);
	dsb_queue_exit(&c->q);
	dsb_device_close(&c->dev);
}

/* One instruction (plus a write of @value to words[idx]) in the slot's area. */
static struct drm_dsb_sqe *prep(struct ctx *c, uint64_t idx, uint64_t value,
				bool hold)
{
	struct drm_dsb_sqe *sqe = dsb_get_sqe(&c->q);
	struct dsb_cmdbuf cb;
	uint64_t off;

	if (!sqe)
		return NULL;
	off = (uint64_t)sqe->slot * 64;
	dsb_cmdbuf_init(&cb, (char *)c->cmd.map + off, 64, c->cmd.va + off);
	if (hold)	/* wait for words[1000] >= 1 */
		dsb_cmd_memwait(&cb, c->data.va + 8000, 1, 0);
	dsb_cmd_write(&cb, c->data.va + 8 * idx, value);
	dsb_prep_exec(sqe, cb.va, dsb_cmdbuf_len(&cb));
	dsb_sqe_set_data64(sqe, idx);
	return sqe;
}

static int wait_uring_cqe(struct io_uring *ring, struct io_uring_cqe **cqe)
{
	struct __kernel_timespec ts = { .tv_sec = 30 };

	return io_uring_wait_cqe_timeout(ring, cqe, &ts);
}

START_TEST(test_queue_io_uring_backend)
{
	struct drm_dsb_cqe *cqe;
	uint64_t next = 0, done = 0;
	struct ctx c;
	int32_t err = 1;

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
	/* A blocking wait that times out cancels its io_uring command. */
	prep(&c, 600, 1, true);
	ck_assert_int_eq(dsb_submit(&c.q), 1);
	ck_assert_int_eq(dsb_wait_seqno(&c.q, 501, 2000000, &err), -ETIME);
	c.words[1000] = 1;
	ck_assert_int_eq(dsb_wait_seqno(&c.q, 501, 30 * SEC, &err), 0);
	ck_assert_int_eq(err, 0);
	ck_assert_int_eq(dsb_wait_cqe(&c.q, &cqe), 0);
	ck_assert_int_eq(dsb_cqe_seen(&c.q, cqe), 0);
	ctx_fini(&c);
}
END_TEST

/* dsb commands and a file read in the caller's ring. */
START_TEST(test_caller_ring_mixed)
{
	struct io_uring ring;
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *ucqe;
	struct drm_dsb_cqe *cqe;
	char buf[64];
	int fd, i, pending, seen_read = 0, seen_submit = 0, seen_wait = 0;
	struct ctx c;

	ctx_init(&c, 0);
	ck_assert_int_eq(io_uring_queue_init(16, &ring, 0), 0);
	fd = open("/proc/self/stat", O_RDONLY);
	ck_assert_int_ge(fd, 0);

	for (i = 0; i < 4; i++)
		ck_assert_ptr_nonnull(prep(&c, (uint64_t)i, 100 + (uint64_t)i,
					   false));
	pending = dsb_sq_flush(&c.q);
	ck_assert_int_eq(pending, 4);

	sqe = io_uring_get_sqe(&ring);
	dsb_uring_prep_submit(sqe, c.dev.fd, c.q.queue_id, (unsigned)pending);
	sqe->user_data = 1;
	sqe->flags |= IOSQE_IO_LINK;	/* the wait needs the submit first */
	sqe = io_uring_get_sqe(&ring);
	dsb_uring_prep_wait_seqno(sqe, c.dev.fd, c.q.queue_id, 4);
	sqe->user_data = 2;
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_read(sqe, fd, buf, sizeof(buf), 0);
	sqe->user_data = 3;
	ck_assert_int_eq(io_uring_submit(&ring), 3);

	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(wait_uring_cqe(&ring, &ucqe), 0);
		switch (ucqe->user_data) {
		case 1:
			ck_assert_int_eq(ucqe->res, 4);
			seen_submit++;
			break;
		case 2:
			ck_assert_int_eq(ucqe->res, 0);
			ck_assert_uint_eq(c.words[3], 103);
			seen_wait++;
			break;
		case 3:
			ck_assert_int_gt(ucqe->res, 0);
			seen_read++;
			break;
		}
		io_uring_cqe_seen(&ring, ucqe);
	}
	ck_assert_int_eq(seen_submit + seen_wait + seen_read, 3);
	/* The dsb CQEs are there too, and the library can wait on them
	 * even though it did not submit the jobs itself. */
	for (i = 0; i < 4; i++) {
		ck_assert_int_eq(dsb_wait_cqe_timeout(&c.q, &cqe, 10 * SEC), 0);
		ck_assert_uint_eq(cqe->user_data, (uint64_t)i);
		ck_assert_int_eq(dsb_cqe_seen(&c.q, cqe), 0);
	}
	close(fd);
	io_uring_queue_exit(&ring);
	ctx_fini(&c);
}
END_TEST

START_TEST(test_wait_syncobj_cqe)
{
	struct io_uring ring;
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *ucqe;
	struct drm_dsb_sqe *dsqe;
	struct drm_dsb_cqe *cqe;
	uint32_t so;
	struct ctx c;

	ctx_init(&c, 0);
	ck_assert_int_eq(io_uring_queue_init(8, &ring, 0), 0);
	ck_assert_int_eq(dsb_syncobj_create(&c.dev, 0, &so), 0);
	dsqe = prep(&c, 0, 5, true);
	ck_assert_int_eq(dsb_prep_signal_timeline(dsqe, so, 7), 0);
	ck_assert_int_eq(dsb_submit(&c.q), 1);

	sqe = io_uring_get_sqe(&ring);
	dsb_uring_prep_wait_syncobj(sqe, c.dev.fd, so, 7);
	sqe->user_data = 9;
	ck_assert_int_eq(io_uring_submit(&ring), 1);
	/* Not signalled while the job is held. */
	ck_assert_int_eq(io_uring_peek_cqe(&ring, &ucqe), -EAGAIN);
	c.words[1000] = 1;
	ck_assert_int_eq(wait_uring_cqe(&ring, &ucqe), 0);
	ck_assert_uint_eq(ucqe->user_data, 9);
	ck_assert_int_eq(ucqe->res, 0);
	ck_assert_uint_eq(c.words[0], 5);
	io_uring_cqe_seen(&ring, ucqe);
	ck_assert_int_eq(dsb_wait_cqe(&c.q, &cqe), 0);
	ck_assert_int_eq(dsb_cqe_seen(&c.q, cqe), 0);
	dsb_syncobj_destroy(&c.dev, so);
	io_uring_queue_exit(&ring);
	ctx_fini(&c);
}
END_TEST

START_TEST(test_many_waits)
{
	const unsigned int n = 10000;
	struct io_uring ring;
	struct io_uring_cqe *ucqe;
	struct drm_dsb_cqe *cqe;
	unsigned int i, got = 0;
	struct ctx c;

	ctx_init(&c, 0);
	ck_assert_int_eq(io_uring_queue_init(16384, &ring, 0), 0);
	prep(&c, 0, 1, true);
	ck_assert_int_eq(dsb_submit(&c.q), 1);
	for (i = 0; i < n; i++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);

		ck_assert_ptr_nonnull(sqe);
		dsb_uring_prep_wait_seqno(sqe, c.dev.fd, c.q.queue_id, 1);
		sqe->user_data = i;
	}
	ck_assert_int_eq(io_uring_submit(&ring), (int)n);
	ck_assert_int_eq(io_uring_peek_cqe(&ring, &ucqe), -EAGAIN);
	c.words[1000] = 1;
	while (got < n) {
		ck_assert_int_eq(wait_uring_cqe(&ring, &ucqe), 0);
		ck_assert_int_eq(ucqe->res, 0);
		io_uring_cqe_seen(&ring, ucqe);
		got++;
	}
	ck_assert_int_eq(dsb_wait_cqe(&c.q, &cqe), 0);
	ck_assert_int_eq(dsb_cqe_seen(&c.q, cqe), 0);
	io_uring_queue_exit(&ring);
	ctx_fini(&c);
}
END_TEST

START_TEST(test_bad_commands)
{
	struct io_uring ring;
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *ucqe;
	struct ctx c;
	int i;

	ctx_init(&c, 0);
	ck_assert_int_eq(io_uring_queue_init(8, &ring, 0), 0);
	sqe = io_uring_get_sqe(&ring);		/* unknown command */
	dsb_uring_prep_submit(sqe, c.dev.fd, c.q.queue_id, 1);
	sqe->cmd_op = 0x0d5b00ff;
	sqe->user_data = 1;
	sqe = io_uring_get_sqe(&ring);		/* unknown queue */
	dsb_uring_prep_wait_seqno(sqe, c.dev.fd, 0xdead, 1);
	sqe->user_data = 2;
	sqe = io_uring_get_sqe(&ring);		/* seqno never submitted */
	dsb_uring_prep_wait_seqno(sqe, c.dev.fd, c.q.queue_id, 1000);
	sqe->user_data = 3;
	sqe = io_uring_get_sqe(&ring);		/* MBZ arg of a wait */
	dsb_uring_prep_wait_seqno(sqe, c.dev.fd, c.q.queue_id, 1);
	((struct drm_dsb_uring_cmd *)((char *)sqe + 48))->arg = 1;
	sqe->user_data = 4;
	ck_assert_int_eq(io_uring_submit(&ring), 4);
	for (i = 0; i < 4; i++) {
		ck_assert_int_eq(wait_uring_cqe(&ring, &ucqe), 0);
		switch (ucqe->user_data) {
		case 1:
			ck_assert(ucqe->res == -EINVAL ||
				  ucqe->res == -EOPNOTSUPP);
			break;
		case 2:
			ck_assert_int_eq(ucqe->res, -ENOENT);
			break;
		default:
			ck_assert_int_eq(ucqe->res, -EINVAL);
			break;
		}
		io_uring_cqe_seen(&ring, ucqe);
	}
	io_uring_queue_exit(&ring);
	ctx_fini(&c);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("lib_uring");
	TCase *tc = tcase_create("uring");
	SRunner *sr;
	int failed;

	if (dsb_device_count() <= 0) {
		fprintf(stderr, "lib_uring_test: no dsb device, skipping\n");
		return DSB_TEST_SKIP;
	}
	tcase_set_timeout(tc, dsb_test_debug_kernel() ? 600 : 120);
	tcase_add_test(tc, test_queue_io_uring_backend);
	tcase_add_test(tc, test_caller_ring_mixed);
	tcase_add_test(tc, test_wait_syncobj_cqe);
	tcase_add_test(tc, test_many_waits);
	tcase_add_test(tc, test_bad_commands);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
