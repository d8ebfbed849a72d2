// SPDX-License-Identifier: MIT
/* Copyright (C) 2026 The dsb authors */
/*
 * throughput: keep 4 queues full with batches through libdsb, one thread
 * per queue, and verify the result of every job.
 *
 * Each job writes a value unique to (queue, job) into its own result word
 * and adds 1 to a per-queue counter. A fence slot is busy from
 * dsb_get_sqe() until dsb_cqe_seen(), so each slot owns a small command
 * buffer that is safe to rewrite whenever the library hands the slot out.
 *
 *   throughput [-q queues] [-n jobs per queue] [-b batch] [-u]
 *   -u: submit and block through io_uring instead of ioctls
 */
#include <dsb.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_QUEUES	16
#define RESULTS		4096		/* result words per queue (ring) */
#define CMD_BYTES	64		/* two instructions per job */

struct worker {
	struct dsb_device *dev;
	int index;
	uint64_t jobs, batch;
	uint32_t qflags;
	uint64_t done, errors, mismatches, batches;
	int ret;
};

static uint64_t expected(int queue, uint64_t job)
{
	return ((uint64_t)queue << 56) ^ (job * 0x9e3779b97f4a7c15ull) ^ 1;
}

/* A worker's queue and buffers. */
struct worker_ctx {
	struct dsb_queue q;
	struct dsb_bo res, cmd;
	uint64_t *results;
	uint64_t next;		/* next job to prepare */
};

/* Fill the queue: up to a batch, as long as slots are free. */
static unsigned int worker_fill(struct worker *w, struct worker_ctx *c)
{
	struct drm_dsb_sqe *sqe;
	unsigned int n = 0;

	while (c->next < w->jobs && n < w->batch &&
	       (sqe = dsb_get_sqe(&c->q)) != NULL) {
		struct dsb_cmdbuf cb;
		uint64_t off = (uint64_t)sqe->slot * CMD_BYTES;

		dsb_cmdbuf_init(&cb, (char *)c->cmd.map + off, CMD_BYTES,
				c->cmd.va + off);
		dsb_cmd_write(&cb, c->res.va + 8 * (c->next % RESULTS),
			      expected(w->index, c->next));
		dsb_cmd_atomic_add(&cb, c->res.va + RESULTS * 8, 1);
		dsb_prep_exec(sqe, cb.va, dsb_cmdbuf_len(&cb));
		dsb_sqe_set_data64(sqe, c->next);
		c->next++;
		n++;
	}
	return n;
}

/* Reap at least one CQE, then everything ready; check each job. */
static int worker_reap(struct worker *w, struct worker_ctx *c)
{
	struct drm_dsb_cqe *cqe;
	int ret;

	ret = dsb_wait_cqe(&c->q, &cqe);
	if (ret)
		return ret;
	do {
		uint64_t job = cqe->user_data;

		if (cqe->error)
			w->errors++;
		else if (c->results[job % RESULTS] != expected(w->index, job))
			w->mismatches++;
		w->done++;
		ret = dsb_cqe_seen(&c->q, cqe);
		if (ret)
			return ret;
	} while (dsb_peek_cqe(&c->q, &cqe) == 0);
	return 0;
}

static void worker_loop(struct worker *w, struct worker_ctx *c)
{
	int ret;

	while (w->done < w->jobs) {
		if (worker_fill(w, c)) {
			ret = dsb_submit(&c->q);
			if (ret < 0) {
				w->ret = ret;
				return;
			}
			w->batches++;
		}
		ret = worker_reap(w, c);
		if (ret) {
			w->ret = ret;
			return;
		}
	}
	if (!w->ret && c->results[RESULTS] != w->jobs)
		w->mismatches++;
}

static void *worker_run(void *arg)
{
	struct worker *w = arg;
	struct dsb_queue_params p = { .flags = w->qflags };
	struct worker_ctx c = { .next = 0 };
	int ret;

	ret = dsb_queue_init(w->dev, &c.q, &p);
	if (ret) {
		w->ret = ret;
		return NULL;
	}
	ret = dsb_bo_create(w->dev, RESULTS * 8 + 4096, &c.res);
	if (!ret)
		ret = dsb_bo_create(w->dev, (uint64_t)c.q.nr_slots * CMD_BYTES,
				    &c.cmd);
	if (ret) {
		w->ret = ret;
		dsb_queue_exit(&c.q);
		return NULL;
	}
	c.results = c.res.map;
	memset(c.results, 0, c.res.size);
	worker_loop(w, &c);
	dsb_bo_destroy(w->dev, &c.cmd);
	dsb_bo_destroy(w->dev, &c.res);
	dsb_queue_exit(&c.q);
	return NULL;
}

int main(int argc, char **argv)
{
	struct worker w[MAX_QUEUES];
	pthread_t t[MAX_QUEUES];
	struct dsb_device dev;
	int queues = 4, opt, i, bad = 0;
	uint64_t jobs = 20000, batch = 16, total = 0;
	uint32_t qflags = 0;
	struct timespec t0, t1;
	double secs;

	while ((opt = getopt(argc, argv, "q:n:b:u")) != -1) {
		switch (opt) {
		case 'q': queues = atoi(optarg); break;
		case 'n': jobs = strtoull(optarg, NULL, 0); break;
		case 'b': batch = strtoull(optarg, NULL, 0); break;
		case 'u': qflags |= DSB_QUEUE_IO_URING; break;
		default:
			fprintf(stderr, "usage: %s [-q queues] [-n jobs] [-b batch] [-u]\n",
				argv[0]);
			return 2;
		}
	}
	if (queues < 1 || queues > MAX_QUEUES || !batch)
		return 2;
	i = dsb_device_open(&dev, 0);
	if (i) {
		fprintf(stderr, "throughput: no dsb device: %s\n", strerror(-i));
		return 77;
	}

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < queues; i++) {
		w[i] = (struct worker){ .dev = &dev, .index = i, .jobs = jobs,
					.batch = batch, .qflags = qflags };
		pthread_create(&t[i], NULL, worker_run, &w[i]);
	}
	for (i = 0; i < queues; i++)
		pthread_join(t[i], NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;

	for (i = 0; i < queues; i++) {
		printf("queue %d: %" PRIu64 " jobs in %" PRIu64 " batches, "
		       "%" PRIu64 " errors, %" PRIu64 " wrong results%s%s\n",
		       i, w[i].done, w[i].batches, w[i].errors, w[i].mismatches,
		       w[i].ret ? ", failed: " : "",
		       w[i].ret ? strerror(-w[i].ret) : "");
		total += w[i].done;
		bad |= w[i].ret || w[i].errors || w[i].mismatches ||
			w[i].done != jobs;
	}
	printf("throughput: %" PRIu64 " jobs on %d queues in %.3f s (%.0f jobs/s)%s\n",
	       total, queues, secs, total / secs, bad ? " FAILED" : "");
	dsb_device_close(&dev);
	return bad ? 1 : 0;
}
