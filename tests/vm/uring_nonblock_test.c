// SPDX-License-Identifier: MIT
/* Copyright (C) 2026 The dsb authors */
/*
 * io_uring SUBMIT honours IO_URING_F_NONBLOCK (issue 13, item 4).
 *
 * Issued inline, DRM_DSB_URING_SUBMIT must not sleep on the queue's SQ or
 * submit lock: when one is contended it hands the command back to io_uring
 * (-EAGAIN), which issues it again from a worker. A second thread keeps the
 * queue's submit lock busy with SUBMIT ioctls on other fence slots while the
 * main thread pushes SQ entries through io_uring. Every io_uring SUBMIT must
 * complete with the number of entries it was given (never -EAGAIN), every
 * job must complete without error, and the device's uring_retries counter
 * must show that the inline issue did meet the contended lock and handed
 * the command back (it stays 0 when SUBMIT blocks on the lock).
 */
#define _GNU_SOURCE
#include <liburing.h>
#include <pthread.h>
#include <stdatomic.h>

#include "vm_suite.h"

#define URING_JOBS	16	/* slots 0..15, through the SQ and io_uring */
#define IOCTL_JOBS	16	/* slots 32..47, through the SUBMIT ioctl */
#define ROUNDS		400
#define MAX_ROUNDS	4000

static atomic_bool stop;
/* What the ioctl thread's failing call was, for the main thread to say. */
static char thr_error[160];

/* One queue (64 fence slots), a command BO with one NOP: vm_fixture(). */
#define q	fx_queue[0]
#define cmd	fx_cmd

/* Batches of SUBMIT ioctls on slots 32.., each waited for before reuse. */
static void *ioctl_submitter(void *arg)
{
	struct drm_dsb_job jobs[IOCTL_JOBS];
	long *batches = arg;
	int ret;

	while (!atomic_load(&stop)) {
		struct drm_dsb_submit s = {
			.jobs = { .stride = sizeof(jobs[0]), .count = IOCTL_JOBS,
				  .array = (uintptr_t)jobs },
		};

		for (unsigned int i = 0; i < IOCTL_JOBS; i++)
			jobs[i] = (struct drm_dsb_job){
				.queue_id = q.id, .slot = 32 + i, .cmd_va = cmd.va,
				.cmd_len = DRM_DSB_INSTR_SIZE,
			};
		ret = dsb_test_ioctl(fd, DRM_IOCTL_DSB_SUBMIT, &s);
		if (ret) {
			snprintf(thr_error, sizeof(thr_error),
				 "batch %ld: SUBMIT of %u jobs: %s (job %u at fault)",
				 *batches, IOCTL_JOBS, strerror(-ret), s.bad_job);
			return (void *)1;
		}
		ret = dsb_test_wait(fd, q.id, jobs[IOCTL_JOBS - 1].seqno, WAIT_NS, NULL);
		if (ret) {
			snprintf(thr_error, sizeof(thr_error), "batch %ld: WAIT for seqno %llu: %s",
				 *batches, (unsigned long long)jobs[IOCTL_JOBS - 1].seqno,
				 strerror(-ret));
			return (void *)1;
		}
		(*batches)++;
	}
	return NULL;
}

/* Queue URING_JOBS NOP entries on slots 0.. in the SQ. */
static void fill_sq(uint32_t round)
{
	struct drm_dsb_sq_cq_header *h = q.sq_cq;
	struct drm_dsb_sqe *sqes = (void *)((char *)h + h->sqes_offset);
	uint32_t tail = h->sq_tail;

	for (uint32_t i = 0; i < URING_JOBS; i++, tail++) {
		struct drm_dsb_sqe *e = &sqes[tail & (h->sq_entries - 1)];

		memset(e, 0, sizeof(*e));
		e->user_data = (uint64_t)round << 32 | i;
		e->cmd_va = cmd.va;
		e->cmd_len = DRM_DSB_INSTR_SIZE;
		e->slot = i;
	}
	__atomic_store_n(&h->sq_tail, tail, __ATOMIC_RELEASE);
}

/* Wait for and check the round's URING_JOBS CQEs. */
static void reap_cqes(uint32_t round)
{
	struct drm_dsb_sq_cq_header *h = q.sq_cq;
	struct drm_dsb_cqe *cqes = (void *)((char *)h + h->cqes_offset);
	int64_t deadline = dsb_test_now_ns() + WAIT_NS;
	uint32_t head = h->cq_head;

	for (uint32_t i = 0; i < URING_JOBS; i++, head++) {
		const struct drm_dsb_cqe *c = &cqes[head & (h->cq_entries - 1)];

		while (__atomic_load_n(&h->cq_tail, __ATOMIC_ACQUIRE) == head)
			ck_assert_msg(dsb_test_now_ns() < deadline,
				      "round %u: CQE %u never came", round, i);
		ck_assert_int_eq(c->error, 0);
		ck_assert_uint_eq(c->user_data, (uint64_t)round << 32 | i);
	}
	__atomic_store_n(&h->cq_head, head, __ATOMIC_RELEASE);
}

START_TEST(test_submit_never_waits_inline)
{
	long long before, after;
	struct io_uring ring;
	long batches = 0;
	pthread_t thr;
	uint32_t r;
	void *thr_ret;

	ck_assert_int_eq(io_uring_queue_init(8, &ring, 0), 0);
	ck_assert_int_eq(dsb_test_debugfs_counter(0, "uring_retries", &before), 0);
	atomic_store(&stop, false);
	ck_assert_int_eq(pthread_create(&thr, NULL, ioctl_submitter, &batches), 0);
	/* At least ROUNDS rounds, more until the contention was seen. */
	for (r = 0; r < MAX_ROUNDS; r++) {
		if (r >= ROUNDS) {
			ck_assert_int_eq(dsb_test_debugfs_counter(0, "uring_retries", &after), 0);
			if (after > before)
				break;
		}
		fill_sq(r);
		ck_assert_int_eq(dsb_test_uring_cmd(&ring, fd, DRM_DSB_URING_SUBMIT, q.id,
						    URING_JOBS, 0), URING_JOBS);
		reap_cqes(r);
	}
	atomic_store(&stop, true);
	ck_assert_int_eq(pthread_join(thr, &thr_ret), 0);
	ck_assert_msg(!thr_ret, "the SUBMIT-ioctl thread gave up: %s", thr_error);
	io_uring_queue_exit(&ring);
	ck_assert_int_eq(dsb_test_debugfs_counter(0, "uring_retries", &after), 0);
	printf("uring_nonblock: %u io_uring rounds, %ld ioctl batches alongside, "
	       "%lld handed back to io_uring\n", r, batches, after - before);
	ck_assert_msg(after > before,
		      "no io_uring SUBMIT met the contended lock in %u rounds", r);
}
END_TEST

int main(void)
{
	const struct vm_fixture_params fx = {
		.queues = 1, .queue = { .ring_packets = 256, .fence_slots = 64 },
		.cmd_bytes = PAGE,
	};
	Suite *s = suite_create("uring_nonblock");
	TCase *tc = tcase_new(s, "nonblock", 300);

	vm_fixture(tc, &fx);
	tcase_add_test(tc, test_submit_never_waits_inline);
	return vm_run(s, VM_SKIP_WITHOUT_DEVICE);
}
