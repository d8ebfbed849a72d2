// SPDX-License-Identifier: MIT
/* Copyright (C) 2026 The dsb authors */
/*
 * SUBMIT batches on many queues (issue 29, A). A batch locks the submit
 * lock of each of its queues. They were taken with mutex_lock_nested() and
 * the job's position in the batch as lockdep subclass, which capped a
 * batch at 8 queues (-EINVAL beyond, lockdep has 8 subclasses) and kept
 * lockdep from checking their order. Now a batch on several queues takes
 * them under its file's batch lock (mutex_lock_nest_lock()), and may have
 * jobs on every queue of the file (uAPI 11):
 *
 * - test_batch_16_queues: one batch, two jobs on each of 16 queues, listed
 *   in decreasing queue id, every job completes and ran once;
 * - test_batch_all_queues: one batch with a job on each of the file's
 *   DRM_DSB_PARAM_MAX_QUEUES queues, three times;
 * - test_batch_16_queues_all_or_nothing: a batch on 16 queues whose last
 *   job reuses a slot fails whole (-EBUSY, bad_job that job), nothing on
 *   any queue; the same batch without it goes through;
 * - test_overlapping_batches_concurrent: two threads submit batches on 12
 *   queues of one file, one in increasing and the other in decreasing
 *   queue order, while a third submits one-queue batches on two of them,
 *   for a few seconds: no deadlock, every job completes and ran once.
 *
 * With the module before (uAPI 10) all four fail: the batches beyond 8
 * queues get -EINVAL. On the debug kernel, lockdep checks the submit locks
 * of every batch on the way (a splat fails the run).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "vm_suite.h"

#define RING	128
#define SLOTS	16

/*
 * @n queues of one file, a data BO with one counter per queue and a
 * command BO with one command buffer per queue that adds 1 to its counter.
 */
struct many {
	uint32_t n;
	struct dsb_test_queue *q;
	struct dsb_test_bo data;
	struct dsb_test_bo cmd;
	uint32_t cmd_len;
};

static void many_init(struct many *m, uint32_t n)
{
	m->n = n;
	m->q = calloc(n, sizeof(*m->q));
	ck_assert_ptr_nonnull(m->q);
	for (uint32_t i = 0; i < n; i++)
		m->q[i] = queue_new(fd, RING, SLOTS, 0);
	ck_assert_int_eq(dsb_test_bo_create(fd, 8ull * n, &m->data), 0);
	ck_assert_int_eq(dsb_test_bo_create(fd, (uint64_t)n * CMD_BYTES, &m->cmd), 0);
	for (uint32_t i = 0; i < n; i++) {
		struct dsb_test_cmdbuf cb;

		dsb_test_cmd_init(&cb, (char *)m->cmd.map + (size_t)i * CMD_BYTES, CMD_BYTES);
		ck_assert_int_eq(dsb_test_cmd_atomic_add(&cb, m->data.va + 8ull * i, 1), 0);
		m->cmd_len = dsb_test_cmd_len(&cb);
	}
}

static void many_fini(struct many *m)
{
	for (uint32_t i = 0; i < m->n; i++)
		ck_assert_int_eq(dsb_test_queue_destroy(fd, &m->q[i]), 0);
	ck_assert_int_eq(dsb_test_bo_destroy(fd, &m->cmd), 0);
	ck_assert_int_eq(dsb_test_bo_destroy(fd, &m->data), 0);
	free(m->q);
}

/* Job on queue @i of @m, fence slot @slot. */
static struct drm_dsb_job job_on(const struct many *m, uint32_t i, uint32_t slot)
{
	return (struct drm_dsb_job){
		.queue_id = m->q[i].id, .slot = slot,
		.cmd_va = m->cmd.va + (uint64_t)i * CMD_BYTES, .cmd_len = m->cmd_len,
	};
}

static int submit_jobs(int dfd, struct drm_dsb_job *jobs, uint32_t n, uint32_t *bad)
{
	struct drm_dsb_submit s = {
		.jobs = { .stride = sizeof(*jobs), .count = n, .array = (uintptr_t)jobs },
		.bad_job = 0xdead,
	};
	int ret = dsb_test_ioctl(dfd, DRM_IOCTL_DSB_SUBMIT, &s);

	if (bad)
		*bad = s.bad_job;
	return ret;
}

/* Every queue of @m ran @per_queue[i] jobs, all completed without error. */
static void many_check(const struct many *m, const uint64_t *per_queue)
{
	volatile const uint64_t *d = m->data.map;

	for (uint32_t i = 0; i < m->n; i++) {
		struct drm_dsb_queue_status st = status_of(fd, m->q[i].id);

		ck_assert_uint_eq(st.submitted, per_queue[i]);
		if (per_queue[i])
			ck_assert_int_eq(wait_job(fd, m->q[i].id, per_queue[i]), 0);
		st = status_of(fd, m->q[i].id);
		ck_assert_uint_eq(st.state, DRM_DSB_QUEUE_ACTIVE);
		ck_assert_uint_eq(st.completed, per_queue[i]);
		ck_assert_uint_eq(st.failed_seqno, 0);
		ck_assert_msg(d[i] == per_queue[i], "queue %u: counter %llu, %llu jobs", i,
			      (unsigned long long)d[i], (unsigned long long)per_queue[i]);
	}
}

/* Two jobs on each of 16 queues, listed from the highest queue id down. */
START_TEST(test_batch_16_queues)
{
	const uint32_t n = 16;
	struct drm_dsb_job jobs[2 * 16];
	uint64_t per_queue[16];
	struct many m;
	uint32_t bad;

	many_init(&m, n);
	for (uint32_t k = 0; k < 2 * n; k++)
		jobs[k] = job_on(&m, n - 1 - k / 2, k % 2);
	ck_assert_int_eq(submit_jobs(fd, jobs, 2 * n, &bad), 0);
	for (uint32_t k = 0; k < 2 * n; k++)
		ck_assert_uint_eq(jobs[k].seqno, 1 + k % 2);
	for (uint32_t i = 0; i < n; i++)
		per_queue[i] = 2;
	many_check(&m, per_queue);
	many_fini(&m);
}
END_TEST

/* One job on every queue the file may have, three batches in a row. */
START_TEST(test_batch_all_queues)
{
	struct drm_dsb_job *jobs;
	uint64_t max, *per_queue;
	struct many m;
	uint32_t bad;

	ck_assert_int_eq(dsb_test_get_param(fd, DRM_DSB_PARAM_MAX_QUEUES, &max), 0);
	ck_assert_uint_gt(max, 8);
	many_init(&m, (uint32_t)max);
	jobs = calloc(max, sizeof(*jobs));
	per_queue = calloc(max, sizeof(*per_queue));
	ck_assert(jobs && per_queue);
	for (uint32_t r = 0; r < 3; r++) {
		/* Queue order shifted each time; slots per round. */
		for (uint32_t k = 0; k < max; k++)
			jobs[k] = job_on(&m, (k + r * 7) % max, r);
		ck_assert_int_eq(submit_jobs(fd, jobs, (uint32_t)max, &bad), 0);
		for (uint32_t k = 0; k < max; k++)
			ck_assert_uint_eq(jobs[k].seqno, r + 1);
	}
	for (uint32_t i = 0; i < max; i++)
		per_queue[i] = 3;
	many_check(&m, per_queue);
	/* A file has no more queues than that. */
	{
		struct drm_dsb_queue_create c = { .ring_packets = RING, .fence_slots = SLOTS };
		struct dsb_test_queue extra;

		ck_assert_int_eq(dsb_test_queue_create(fd, &c, &extra), -EMFILE);
	}
	free(jobs);
	free(per_queue);
	many_fini(&m);
}
END_TEST

/*
 * A batch on 16 queues, one job each in decreasing queue id, then one more
 * on the queue of job 3 with the same slot: -EBUSY, bad_job 16, nothing
 * submitted on any queue. Without the extra job the batch goes through.
 */
START_TEST(test_batch_16_queues_all_or_nothing)
{
	const uint32_t n = 16;
	struct drm_dsb_job jobs[16 + 1];
	uint64_t per_queue[16] = { 0 };
	struct many m;
	uint32_t bad;

	many_init(&m, n);
	for (uint32_t k = 0; k < n; k++)
		jobs[k] = job_on(&m, n - 1 - k, 5);
	jobs[n] = job_on(&m, n - 1 - 3, 5);
	ck_assert_int_eq(submit_jobs(fd, jobs, n + 1, &bad), -EBUSY);
	ck_assert_uint_eq(bad, n);
	for (uint32_t k = 0; k <= n; k++)
		ck_assert_uint_eq(jobs[k].seqno, 0);
	usleep(20 * 1000);
	many_check(&m, per_queue);

	ck_assert_int_eq(submit_jobs(fd, jobs, n, &bad), 0);
	for (uint32_t i = 0; i < n; i++)
		per_queue[i] = 1;
	many_check(&m, per_queue);
	many_fini(&m);
}
END_TEST

/* --- overlapping batches, concurrently ----------------------------------- */

#define OVL_QUEUES	12
#define OVL_THREADS	4

/*
 * One submitting thread: @first..@first+@span-1 are its queues (indices in
 * the shared set), listed up or @down; @slot0..@slot0+@nslots-1 its fence
 * slots on each. It waits for the job last on a slot before reusing it.
 */
struct ovl_thread {
	const struct many *m;
	uint32_t first, span;
	bool down;
	uint32_t slot0, nslots;
	int64_t until_ns;
	/* out */
	uint64_t batches;
	uint64_t jobs[OVL_QUEUES];
	int err;
	const char *what;
	atomic_int *progress;
};

static void *ovl_main(void *arg)
{
	struct ovl_thread *t = arg;
	uint64_t last[OVL_QUEUES][SLOTS] = { { 0 } };
	struct drm_dsb_job jobs[OVL_QUEUES];
	uint32_t round = 0, bad;

	while (dsb_test_now_ns() < t->until_ns) {
		uint32_t slot = t->slot0 + round++ % t->nslots;
		int ret = 0;

		for (uint32_t k = 0; k < t->span && !ret; k++) {
			uint32_t i = t->first + (t->down ? t->span - 1 - k : k);

			if (last[i][slot])
				ret = dsb_test_wait(fd, t->m->q[i].id, last[i][slot], WAIT_NS, NULL);
			jobs[k] = job_on(t->m, i, slot);
		}
		if (ret) {
			t->err = ret;
			t->what = "wait";
			break;
		}
		ret = submit_jobs(fd, jobs, t->span, &bad);
		if (ret) {
			t->err = ret;
			t->what = "submit";
			break;
		}
		for (uint32_t k = 0; k < t->span; k++) {
			uint32_t i = t->first + (t->down ? t->span - 1 - k : k);

			last[i][slot] = jobs[k].seqno;
			t->jobs[i]++;
		}
		t->batches++;
		atomic_fetch_add(t->progress, 1);
	}
	return NULL;
}

/*
 * Threads 0 and 1 submit batches on queues 0..9 listed upwards and on
 * queues 2..11 listed downwards (8 queues shared), threads 2 and 3
 * one-queue batches on queue 0 and on queue 11, all for a few seconds.
 */
START_TEST(test_overlapping_batches_concurrent)
{
	const int64_t run_ns = (dsb_test_debug_kernel() ? 2 : 3) * SEC_NS;
	struct ovl_thread t[OVL_THREADS];
	pthread_t id[OVL_THREADS];
	uint64_t per_queue[OVL_QUEUES] = { 0 };
	atomic_int progress = 0;
	struct timespec deadline;
	struct many m;
	int last_progress = -1;

	many_init(&m, OVL_QUEUES);
	t[0] = (struct ovl_thread){ .first = 0, .span = 10, .down = false,
				    .slot0 = 0, .nslots = 6 };
	t[1] = (struct ovl_thread){ .first = 2, .span = 10, .down = true,
				    .slot0 = 6, .nslots = 6 };
	t[2] = (struct ovl_thread){ .first = 0, .span = 1, .slot0 = 12, .nslots = 2 };
	t[3] = (struct ovl_thread){ .first = OVL_QUEUES - 1, .span = 1,
				    .slot0 = 14, .nslots = 2 };
	for (int k = 0; k < OVL_THREADS; k++) {
		t[k].m = &m;
		t[k].until_ns = dsb_test_now_ns() + run_ns;
		t[k].progress = &progress;
		ck_assert_int_eq(pthread_create(&id[k], NULL, ovl_main, &t[k]), 0);
	}
	/* A deadlock shows as no batch going through for 60 s. */
	for (int k = 0; k < OVL_THREADS; k++) {
		for (;;) {
			int now;

			clock_gettime(CLOCK_REALTIME, &deadline);
			deadline.tv_sec += 60;
			if (pthread_timedjoin_np(id[k], NULL, &deadline) == 0)
				break;
			now = atomic_load(&progress);
			ck_assert_msg(now != last_progress,
				      "no batch completed in 60 s (%d so far): deadlock", now);
			last_progress = now;
		}
	}
	for (int k = 0; k < OVL_THREADS; k++) {
		ck_assert_msg(!t[k].err, "thread %d: %s: %s", k, t[k].what,
			      strerror(-t[k].err));
		ck_assert_uint_gt(t[k].batches, 0);
		for (uint32_t i = 0; i < OVL_QUEUES; i++)
			per_queue[i] += t[k].jobs[i];
	}
	printf("overlapping batches in %lld s: %llu up, %llu down, %llu + %llu on one queue\n",
	       (long long)(run_ns / SEC_NS), (unsigned long long)t[0].batches,
	       (unsigned long long)t[1].batches, (unsigned long long)t[2].batches,
	       (unsigned long long)t[3].batches);
	many_check(&m, per_queue);
	many_fini(&m);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("batch_queues");
	TCase *tc = tcase_new(s, "batch_queues", dsb_test_debug_kernel() ? 600 : 120);

	vm_fixture(tc, NULL);
	tcase_add_test(tc, test_batch_16_queues);
	tcase_add_test(tc, test_batch_all_queues);
	tcase_add_test(tc, test_batch_16_queues_all_or_nothing);
	tcase_add_test(tc, test_overlapping_batches_concurrent);
	return vm_run(s, VM_SKIP_WITHOUT_DEVICE);
}
