// SPDX-License-Identifier: MIT
/* Copyright (C) 2026 The dsb authors */
/*
 * uring_fences: one io_uring awaiting GPU fences and file reads together.
 *
 * Three GPU jobs go through the queue's SQ and are submitted by an
 * IORING_OP_URING_CMD (DRM_DSB_URING_SUBMIT) on the client's own ring:
 *   job 1  writes a word at once;
 *   job 2  waits (MEMWAIT) for a "gate" word the CPU opens later, then
 *          writes a word;
 *   job 3  runs a 50 ms DELAY, then writes a word and signals point 3 of
 *          a timeline syncobj.
 * Next to them in the same ring: a WAIT_SEQNO for each job, a
 * WAIT_SYNCOBJ on point 3, and two ordinary reads (a file in /tmp written
 * here, and /proc/self/stat). The program prints every CQE in the order
 * it arrives, opens the gate once the reads and the fast job are in, and
 * checks what each job wrote when its fence CQE shows up.
 */
#include <dsb.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { T_SUBMIT = 1, T_WAIT1, T_WAIT2, T_WAIT3, T_SYNCOBJ3, T_READ_TMP,
       T_READ_PROC, T_MAX };

static const char *const names[T_MAX] = {
	[T_SUBMIT] = "dsb SUBMIT (3 jobs)",
	[T_WAIT1] = "dsb WAIT_SEQNO job 1 (write)",
	[T_WAIT2] = "dsb WAIT_SEQNO job 2 (gated by the CPU)",
	[T_WAIT3] = "dsb WAIT_SEQNO job 3 (50 ms delay)",
	[T_SYNCOBJ3] = "dsb WAIT_SYNCOBJ timeline point 3",
	[T_READ_TMP] = "READ /tmp/uring_fences.txt",
	[T_READ_PROC] = "READ /proc/self/stat",
};

#define DIE(...) do { fprintf(stderr, "uring_fences: " __VA_ARGS__); \
		      fputc('\n', stderr); exit(1); } while (0)

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static const char text[] = "a line read through io_uring\n";

/* What the steps of main() share. */
struct demo {
	struct dsb_device dev;
	struct dsb_queue q;
	struct dsb_bo bo;
	struct io_uring ring;
	volatile uint64_t *w;	/* w[0..2]: job results, w[8]: the gate */
	uint32_t so;
	int tmpfd, procfd;
	char tmpbuf[64], procbuf[64];
	int seen[T_MAX];
	double t0;
};

static void setup(struct demo *d)
{
	int ret;

	if ((ret = dsb_device_open(&d->dev, 0)) ||
	    (ret = dsb_queue_init(&d->dev, &d->q, NULL)) ||
	    (ret = dsb_bo_create(&d->dev, 4096, &d->bo)) ||
	    (ret = dsb_syncobj_create(&d->dev, 0, &d->so)))
		DIE("dsb setup: %s", strerror(-ret));
	d->w = d->bo.map;

	d->tmpfd = open("/tmp/uring_fences.txt", O_RDWR | O_CREAT | O_TRUNC, 0644);
	d->procfd = open("/proc/self/stat", O_RDONLY);
	if (d->tmpfd < 0 || d->procfd < 0 ||
	    write(d->tmpfd, text, sizeof(text) - 1) != (ssize_t)sizeof(text) - 1)
		DIE("files: %s", strerror(errno));
}

/* Three jobs in the queue's SQ, published but not yet submitted. */
static void queue_jobs(struct demo *d)
{
	int i, n;

	for (i = 0; i < 3; i++) {
		struct drm_dsb_sqe *dsqe = dsb_get_sqe(&d->q);
		struct dsb_cmdbuf cb;
		uint64_t off = 512 + 128 * (uint64_t)i;

		if (!dsqe)
			DIE("no SQE");
		dsb_cmdbuf_init(&cb, (char *)d->bo.map + off, 128, d->bo.va + off);
		if (i == 1)
			dsb_cmd_memwait(&cb, d->bo.va + 64, 1, 0);
		if (i == 2)
			dsb_cmd_delay(&cb, 50 * 1000 * 1000);
		dsb_cmd_write(&cb, d->bo.va + 8 * (uint64_t)i, 1000 + (uint64_t)i);
		dsb_prep_exec(dsqe, cb.va, dsb_cmdbuf_len(&cb));
		if (i == 2 && dsb_prep_signal_timeline(dsqe, d->so, 3))
			DIE("signal");
	}
	n = dsb_sq_flush(&d->q);
	if (n != 3)
		DIE("sq flush: %d", n);
}

/* The submit, then the waits and the file reads side by side. */
static void submit_requests(struct demo *d)
{
	struct io_uring *ring = &d->ring;
	struct io_uring_sqe *sqe;
	int ret;

	if ((ret = io_uring_queue_init(16, ring, 0)))
		DIE("io_uring: %s", strerror(-ret));
	/* The submit first: the waits need the seqnos to exist. (It could be
	 * linked to them with IOSQE_IO_LINK; see lib_uring_submit_test.) */
	sqe = io_uring_get_sqe(ring);
	dsb_uring_prep_submit(sqe, d->dev.fd, d->q.queue_id, 3);
	sqe->user_data = T_SUBMIT;
	d->t0 = now_ms();
	if ((ret = io_uring_submit_and_wait(ring, 1)) != 1)
		DIE("submit: %d", ret);

	/* Everything else in one go: waits and file reads side by side. */
	sqe = io_uring_get_sqe(ring);
	dsb_uring_prep_wait_seqno(sqe, d->dev.fd, d->q.queue_id, 3);
	sqe->user_data = T_WAIT3;
	sqe = io_uring_get_sqe(ring);
	dsb_uring_prep_wait_seqno(sqe, d->dev.fd, d->q.queue_id, 2);
	sqe->user_data = T_WAIT2;
	sqe = io_uring_get_sqe(ring);
	dsb_uring_prep_wait_syncobj(sqe, d->dev.fd, d->so, 3);
	sqe->user_data = T_SYNCOBJ3;
	sqe = io_uring_get_sqe(ring);
	dsb_uring_prep_wait_seqno(sqe, d->dev.fd, d->q.queue_id, 1);
	sqe->user_data = T_WAIT1;
	sqe = io_uring_get_sqe(ring);
	io_uring_prep_read(sqe, d->tmpfd, d->tmpbuf, sizeof(d->tmpbuf) - 1, 0);
	sqe->user_data = T_READ_TMP;
	sqe = io_uring_get_sqe(ring);
	io_uring_prep_read(sqe, d->procfd, d->procbuf, sizeof(d->procbuf) - 1, 0);
	sqe->user_data = T_READ_PROC;
	if ((ret = io_uring_submit(ring)) != 6)
		DIE("submit: %d", ret);
}

/* Check and print what the request @tag completed with. */
static void check_cqe(struct demo *d, uint64_t tag, int res)
{
	volatile uint64_t *w = d->w;

	switch (tag) {
	case T_SUBMIT:
		if (res != 3)
			DIE("SUBMIT res %d", res);
		break;
	case T_WAIT1: case T_WAIT2: case T_WAIT3:
		if (res)
			DIE("job failed: %d", res);
		printf("  word=%" PRIu64, w[tag - T_WAIT1]);
		if (w[tag - T_WAIT1] != 1000 + tag - T_WAIT1)
			DIE("job %d: wrong data", (int)(tag - T_WAIT1 + 1));
		break;
	case T_SYNCOBJ3:
		if (res || w[2] != 1002)
			DIE("syncobj point 3: res %d", res);
		break;
	case T_READ_TMP:
		if (res != (int)sizeof(text) - 1 || memcmp(d->tmpbuf, text, res))
			DIE("tmp read: %d", res);
		printf("  \"%.*s\"", res - 1, d->tmpbuf);
		break;
	case T_READ_PROC:
		if (res <= 0)
			DIE("proc read: %d", res);
		d->procbuf[res] = 0;
		printf("  \"%.20s...\"", d->procbuf);
		break;
	}
	putchar('\n');
}

/* Print every CQE in arrival order; open the gate of job 2 on the way. */
static int reap_requests(struct demo *d)
{
	int ret, done = 0, order = 0, gate_open = 0;

	printf("7 requests in one io_uring; completions in arrival order:\n");
	while (done < T_MAX - 1) {
		struct __kernel_timespec ts = { .tv_sec = 10 };
		struct io_uring_cqe *cqe;
		uint64_t tag;
		int res;

		ret = io_uring_wait_cqe_timeout(&d->ring, &cqe, &ts);
		if (ret)
			DIE("waiting for CQEs: %s", strerror(-ret));
		tag = cqe->user_data;
		res = cqe->res;
		io_uring_cqe_seen(&d->ring, cqe);
		if (tag < T_SUBMIT || tag >= T_MAX)
			DIE("unexpected CQE %" PRIu64, tag);
		done++;
		d->seen[tag] = 1;
		printf("  %d. %7.1f ms  %-42s res=%d", ++order, now_ms() - d->t0,
		       names[tag], res);
		check_cqe(d, tag, res);
		/* Job 2 is gated: open the gate once both reads and job 1's
		 * fence have completed. */
		if (!gate_open && d->seen[T_READ_TMP] && d->seen[T_READ_PROC] &&
		    d->seen[T_WAIT1]) {
			printf("     (CPU opens the gate of job 2)\n");
			/* The engine's MEMWAIT polls the word with READ_ONCE()
			 * (dsb_instr_memwait()), no acquire: the release
			 * only keeps this store after our earlier ones. */
			__atomic_store_n(&d->w[8], 1, __ATOMIC_RELEASE);
			gate_open = 1;
		}
	}
	if (!gate_open)
		DIE("job 2 finished before its gate opened");
	return done;
}

static void teardown(struct demo *d)
{
	int i;

	io_uring_queue_exit(&d->ring);
	close(d->procfd);
	close(d->tmpfd);
	unlink("/tmp/uring_fences.txt");
	/* Reap the jobs' CQEs in the dsb queue's own CQ. */
	for (i = 0; i < 3; i++) {
		struct drm_dsb_cqe *dcqe;

		if (dsb_wait_cqe(&d->q, &dcqe) || dcqe->error)
			DIE("dsb CQE");
		dsb_cqe_seen(&d->q, dcqe);
	}
	dsb_syncobj_destroy(&d->dev, d->so);
	dsb_bo_destroy(&d->dev, &d->bo);
	dsb_queue_exit(&d->q);
	dsb_device_close(&d->dev);
}

int main(void)
{
	static struct demo d;
	int done;

	setup(&d);
	queue_jobs(&d);
	submit_requests(&d);
	done = reap_requests(&d);
	printf("all %d completions in, GPU data verified\n", done);
	teardown(&d);
	return 0;
}
