// SPDX-License-Identifier: MIT
/* Copyright (C) 2026 The dsb authors */
/*
 * libdsb SQ/CQ and fence-slot logic on plain memory. The test plays the
 * kernel through a struct dsb_queue_backend: it consumes SQEs, checks the
 * fence-slot rules the real kernel enforces (-EBUSY for a slot in flight,
 * CQ room), completes jobs in order by writing fence memory and CQEs with
 * the same release stores the kernel uses, and looks buffer lists up as
 * the kernel does (an unknown one: an error CQE of -ENOENT).
 */
#include <check.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dsb.h"

#define SIM_MAX_SLOTS	256

struct sim {
	void *sq_cq;
	size_t sq_cq_size;
	void *fences;
	struct drm_dsb_sq_cq_header *h;
	struct drm_dsb_sqe *sqes;
	struct drm_dsb_cqe *cqes;
	struct drm_dsb_fence_mem_header *fh;
	struct drm_dsb_fence_slot *slots;
	uint32_t nr_slots;

	/* Kernel state. */
	uint64_t next_seqno;		/* last seqno handed out */
	uint64_t completed;
	uint32_t inflight;
	bool slot_busy[SIM_MAX_SLOTS];
	struct {
		uint64_t user_data, seqno;
		uint32_t slot, bo_list;
		int32_t error;
	} jobs[SIM_MAX_SLOTS];		/* FIFO of jobs in flight */
	uint32_t bo_lists;		/* bit n: buffer list n exists */
	uint32_t job_head, job_tail;
	/* Error CQEs of rejected SQEs, posted at once. */
	unsigned int max_per_submit;	/* 0: no limit */
	bool complete_on_wait;		/* wait hook runs the engine */
	unsigned int wait_delay_us;	/* the wait hook sleeps first */
	unsigned int submit_calls, wait_calls;
	int32_t next_error;		/* error for the next completed job */
	pthread_mutex_t lock;
};

static struct sim S;
static struct dsb_queue Q;

static void sim_post_cqe(struct sim *s, uint64_t ud, uint64_t seqno,
			 int32_t error, uint32_t slot)
{
	uint32_t tail = s->h->cq_tail;
	/* Room is guaranteed by the acceptance check in sim_submit(). */
	struct drm_dsb_cqe *cqe = &s->cqes[tail & (s->h->cq_entries - 1)];

	ck_assert_uint_lt(tail - __atomic_load_n(&s->h->cq_head,
						 __ATOMIC_ACQUIRE),
			  s->h->cq_entries);
	cqe->user_data = ud;
	cqe->seqno = seqno;
	cqe->error = error;
	cqe->slot = slot;
	cqe->pad = 0;
	/* Pairs with dsb_peek_cqe()'s load-acquire of cq_tail. */
	__atomic_store_n(&s->h->cq_tail, tail + 1, __ATOMIC_RELEASE);
}

/* Complete the oldest job in flight, as the engine + IRQ path would. */
static bool sim_complete_one(struct sim *s)
{
	uint32_t i;

	if (s->job_head == s->job_tail)
		return false;
	i = s->job_head++ % SIM_MAX_SLOTS;
	s->slots[s->jobs[i].slot].error = s->jobs[i].error;
	/* Pairs with dsb_slot_done()'s load-acquire. */
	__atomic_store_n(&s->slots[s->jobs[i].slot].seqno, s->jobs[i].seqno,
			 __ATOMIC_RELEASE);
	__atomic_store_n(&s->fh->completed, s->jobs[i].seqno, __ATOMIC_RELEASE);
	s->completed = s->jobs[i].seqno;
	s->slot_busy[s->jobs[i].slot] = false;
	s->inflight--;
	sim_post_cqe(s, s->jobs[i].user_data, s->jobs[i].seqno,
		     s->jobs[i].error, s->jobs[i].slot);
	return true;
}

static unsigned int sim_complete(struct sim *s, unsigned int n)
{
	unsigned int done = 0;

	pthread_mutex_lock(&s->lock);
	while (done < n && sim_complete_one(s))
		done++;
	pthread_mutex_unlock(&s->lock);
	return done;
}

static int sim_submit(struct dsb_queue *q, unsigned int count, void *arg)
{
	struct sim *s = arg;
	uint32_t head = s->h->sq_head;
	/* Pairs with dsb_submit()'s store-release of sq_tail. */
	uint32_t tail = __atomic_load_n(&s->h->sq_tail, __ATOMIC_ACQUIRE);
	unsigned int n = 0;

	(void)q;
	pthread_mutex_lock(&s->lock);
	s->submit_calls++;
	while (head != tail && n < count &&
	       (!s->max_per_submit || n < s->max_per_submit)) {
		struct drm_dsb_sqe sqe = s->sqes[head & (s->h->sq_entries - 1)];
		uint32_t cq_used = s->h->cq_tail -
			__atomic_load_n(&s->h->cq_head, __ATOMIC_ACQUIRE);
		int err = 0;

		if (cq_used + s->inflight + 1 > s->h->cq_entries)
			break;	/* CQ could overflow: stop here */
		if (sqe.slot >= s->nr_slots)
			err = -EINVAL;
		else if (s->slot_busy[sqe.slot])
			err = -EBUSY;
		else if (sqe.cmd_len % DRM_DSB_INSTR_SIZE || sqe.flags)
			err = -EINVAL;
		else if (sqe.bo_list && (sqe.bo_list >= 32 ||
					 !(s->bo_lists & (1u << sqe.bo_list))))
			err = -ENOENT;
		head++;
		n++;
		if (err) {
			/* Bad entry: consumed, completes with an error CQE,
			 * and ends the batch. */
			sim_post_cqe(s, sqe.user_data, 0, err, sqe.slot);
			break;
		}
		s->slot_busy[sqe.slot] = true;
		s->inflight++;
		s->jobs[s->job_tail % SIM_MAX_SLOTS].user_data = sqe.user_data;
		s->jobs[s->job_tail % SIM_MAX_SLOTS].slot = sqe.slot;
		s->jobs[s->job_tail % SIM_MAX_SLOTS].bo_list = sqe.bo_list;
		s->jobs[s->job_tail % SIM_MAX_SLOTS].seqno = ++s->next_seqno;
		s->jobs[s->job_tail % SIM_MAX_SLOTS].error = s->next_error;
		s->job_tail++;
	}
	/* Pairs with the library's load-acquire of sq_head. */
	__atomic_store_n(&s->h->sq_head, head, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&s->lock);
	return (int)n;
}

static int sim_wait(struct dsb_queue *q, uint64_t seqno, int64_t deadline,
		    int32_t *error, void *arg)
{
	struct sim *s = arg;

	(void)q;
	(void)deadline;
	s->wait_calls++;
	if (seqno > s->next_seqno)
		return -EINVAL;
	if (s->wait_delay_us)
		usleep(s->wait_delay_us);
	if (s->complete_on_wait)
		while (s->completed < seqno && sim_complete(s, 1))
			;
	if (s->completed < seqno)
		return -ETIME;
	*error = 0;
	return 0;
}

static struct dsb_queue_backend sim_backend = {
	.submit = sim_submit,
	.wait = sim_wait,
	.arg = &S,
};

/* Build the regions; @start sets the initial SQ/CQ counters (u32 wrap). */
static int sim_setup_full(uint32_t sq_entries, uint32_t cq_entries,
			  uint32_t nr_slots, uint32_t start,
			  const struct dsb_queue_backend *be)
{
	struct dsb_queue_mem mem = { 0 };
	size_t sqes_off = 512;
	size_t cqes_off = sqes_off + sq_entries * sizeof(struct drm_dsb_sqe);

	memset(&S, 0, sizeof(S));
	pthread_mutex_init(&S.lock, NULL);
	S.sq_cq_size = cqes_off + cq_entries * sizeof(struct drm_dsb_cqe);
	S.sq_cq = calloc(1, S.sq_cq_size);
	S.fences = calloc(1, sizeof(struct drm_dsb_fence_mem_header) +
			  nr_slots * sizeof(struct drm_dsb_fence_slot));
	S.h = S.sq_cq;
	S.h->sq_entries = sq_entries;
	S.h->cq_entries = cq_entries;
	S.h->sqes_offset = (uint32_t)sqes_off;
	S.h->cqes_offset = (uint32_t)cqes_off;
	S.h->sq_head = S.h->sq_tail = S.h->cq_head = S.h->cq_tail = start;
	S.sqes = (void *)((char *)S.sq_cq + sqes_off);
	S.cqes = (void *)((char *)S.sq_cq + cqes_off);
	S.fh = S.fences;
	S.slots = (void *)(S.fh + 1);
	S.nr_slots = nr_slots;

	mem.sq_cq = S.sq_cq;
	mem.sq_cq_size = S.sq_cq_size;
	mem.fences = S.fences;
	mem.fence_slots = nr_slots;
	mem.queue_id = 1;
	mem.backend = be;
	return dsb_queue_init_mem(&Q, &mem, DSB_QUEUE_NO_SPIN);
}

static void sim_setup(uint32_t slots)
{
	ck_assert_int_eq(sim_setup_full(slots, 2 * slots, slots, 0,
					&sim_backend), 0);
}

static void sim_teardown(void)
{
	dsb_queue_exit(&Q);
	free(S.sq_cq);
	free(S.fences);
	pthread_mutex_destroy(&S.lock);
}

static struct drm_dsb_sqe *prep_job(uint64_t ud)
{
	struct drm_dsb_sqe *sqe = dsb_get_sqe(&Q);

	if (sqe) {
		dsb_prep_exec(sqe, 0x100000, 64);
		dsb_sqe_set_data64(sqe, ud);
	}
	return sqe;
}

/* ------------------------------------------------------------------ */

START_TEST(test_init_rejects_bad_layout)
{
	struct dsb_queue_mem mem = { 0 };

	ck_assert_int_eq(sim_setup_full(8, 16, 8, 0, NULL), 0);
	dsb_queue_exit(&Q);
	mem.sq_cq = S.sq_cq;
	mem.sq_cq_size = S.sq_cq_size;
	mem.fences = S.fences;
	mem.fence_slots = 8;

	S.h->sq_entries = 6;		/* not a power of two */
	ck_assert_int_eq(dsb_queue_init_mem(&Q, &mem, 0), -EINVAL);
	S.h->sq_entries = 8;
	S.h->cqes_offset = (uint32_t)S.sq_cq_size;	/* CQEs beyond region */
	ck_assert_int_eq(dsb_queue_init_mem(&Q, &mem, 0), -EINVAL);
	S.h->cqes_offset = 512 + 8 * sizeof(struct drm_dsb_sqe);
	mem.fence_slots = 16;		/* more slots than SQEs */
	ck_assert_int_eq(dsb_queue_init_mem(&Q, &mem, 0), -EINVAL);
	mem.fence_slots = 8;
	ck_assert_int_eq(dsb_queue_init_mem(&Q, &mem, 1u << 30), -EINVAL);
	ck_assert_int_eq(dsb_queue_init_mem(&Q, &mem, 0), 0);
	ck_assert_uint_eq(Q.nr_slots, 8);
	ck_assert_uint_eq(dsb_sq_space_left(&Q), 8);
	sim_teardown();
}
END_TEST

START_TEST(test_slots_unique_and_exhausted)
{
	bool seen[64] = { false };
	struct drm_dsb_sqe *sqe;
	int i;

	sim_setup(64);
	for (i = 0; i < 64; i++) {
		sqe = prep_job((uint64_t)i);
		ck_assert_ptr_nonnull(sqe);
		ck_assert_uint_lt(sqe->slot, 64);
		ck_assert(!seen[sqe->slot]);
		seen[sqe->slot] = true;
		ck_assert_uint_eq(dsb_sq_space_left(&Q), (unsigned int)(63 - i));
	}
	/* Misuse: every slot taken, no SQE can be had. */
	ck_assert_ptr_null(dsb_get_sqe(&Q));
	ck_assert_int_eq(dsb_submit(&Q), 64);
	/* Submitted but not completed: slots are still busy. */
	ck_assert_ptr_null(dsb_get_sqe(&Q));
	ck_assert_uint_eq(sim_complete(&S, 1), 1);
	/* Completed but the CQE not seen: slot still busy. */
	ck_assert_ptr_null(dsb_get_sqe(&Q));
	{
		struct drm_dsb_cqe *cqe;

		ck_assert_int_eq(dsb_peek_cqe(&Q, &cqe), 0);
		ck_assert_uint_eq(cqe->user_data, 0);
		ck_assert_int_eq(dsb_cqe_seen(&Q, cqe), 0);
		sqe = dsb_get_sqe(&Q);
		ck_assert_ptr_nonnull(sqe);
		/* Only the freed slot can come back. */
		ck_assert_uint_eq(sqe->slot, cqe->slot);
	}
	sim_teardown();
}
END_TEST

START_TEST(test_sq_full_before_slots)
{
	/* Fewer SQEs than... the SQ bound: slots free but SQ full. */
	ck_assert_int_eq(sim_setup_full(4, 8, 4, 0, &sim_backend), 0);
	S.max_per_submit = 1;
	for (int i = 0; i < 4; i++)
		ck_assert_ptr_nonnull(prep_job((uint64_t)i));
	ck_assert_ptr_null(dsb_get_sqe(&Q));
	/* The kernel takes one per call: the rest stays queued. */
	ck_assert_int_eq(dsb_submit(&Q), 1);
	ck_assert_int_eq(dsb_submit(&Q), 1);
	ck_assert_uint_eq(S.h->sq_head, 2);
	ck_assert_uint_eq(S.h->sq_tail, 4);
	/* SQ room came back but all slots are in flight. */
	ck_assert_uint_eq(dsb_sq_space_left(&Q), 0);
	ck_assert_ptr_null(dsb_get_sqe(&Q));
	S.max_per_submit = 0;
	ck_assert_int_eq(dsb_submit(&Q), 2);
	ck_assert_int_eq(dsb_submit(&Q), 0);
	sim_teardown();
}
END_TEST

/* Many laps of the SQ/CQ with random batches, starting near u32 wrap. */
static void run_laps(uint32_t start, unsigned int total)
{
	uint64_t next_ud = 0, expect_ud = 0, last_seqno = 0;
	unsigned int seed = 1234;

	ck_assert_int_eq(sim_setup_full(8, 16, 8, start, &sim_backend), 0);
	while (expect_ud < total) {
		unsigned int batch = (unsigned int)rand_r(&seed) % 9, i;
		struct drm_dsb_cqe *cqe;

		for (i = 0; i < batch && next_ud < total; i++) {
			if (!prep_job(next_ud))
				break;
			next_ud++;
		}
		ck_assert_int_ge(dsb_submit(&Q), 0);
		sim_complete(&S, (unsigned int)rand_r(&seed) % 9);
		while (dsb_peek_cqe(&Q, &cqe) == 0) {
			ck_assert_uint_eq(cqe->user_data, expect_ud);
			ck_assert_uint_eq(cqe->seqno, last_seqno + 1);
			ck_assert_int_eq(cqe->error, 0);
			ck_assert_int_eq(dsb_slot_done(&Q, cqe->slot,
						       cqe->seqno), 1);
			last_seqno = cqe->seqno;
			expect_ud++;
			ck_assert_int_eq(dsb_cqe_seen(&Q, cqe), 0);
		}
		ck_assert_uint_le(dsb_cq_ready(&Q), 16);
	}
	ck_assert_uint_eq(Q.slots_free, 8);
	ck_assert_uint_eq(S.h->cq_head, start + total);
	ck_assert_uint_eq(S.h->sq_head, start + total);
	sim_teardown();
}

START_TEST(test_wraparound_many_laps)
{
	run_laps(0, 100000);
}
END_TEST

START_TEST(test_wraparound_u32_counters)
{
	run_laps(UINT32_MAX - 37, 5000);
}
END_TEST

START_TEST(test_cqe_seen_twice)
{
	struct drm_dsb_cqe *cqe, *first;

	sim_setup(8);
	prep_job(1);
	prep_job(2);
	ck_assert_int_eq(dsb_submit(&Q), 2);
	sim_complete(&S, 2);
	ck_assert_uint_eq(dsb_cq_ready(&Q), 2);
	ck_assert_int_eq(dsb_peek_cqe(&Q, &first), 0);
	/* A CQE that is not the head one. */
	ck_assert_int_eq(dsb_cqe_seen(&Q, first + 1), -EINVAL);
	ck_assert_int_eq(dsb_cqe_seen(&Q, NULL), -EINVAL);
	ck_assert_int_eq(dsb_cqe_seen(&Q, first), 0);
	/* The same CQE again: rejected, nothing changes. */
	ck_assert_int_eq(dsb_cqe_seen(&Q, first), -EINVAL);
	ck_assert_uint_eq(dsb_cq_ready(&Q), 1);
	ck_assert_uint_eq(Q.slots_free, 7);
	ck_assert_int_eq(dsb_peek_cqe(&Q, &cqe), 0);
	ck_assert_uint_eq(cqe->user_data, 2);
	ck_assert_int_eq(dsb_cqe_seen(&Q, cqe), 0);
	/* Empty CQ: seeing the old head again is rejected too. */
	ck_assert_int_eq(dsb_cqe_seen(&Q, cqe), -EINVAL);
	ck_assert_int_eq(dsb_peek_cqe(&Q, &cqe), -EAGAIN);
	ck_assert_ptr_null(cqe);
	ck_assert_uint_eq(Q.slots_free, 8);
	sim_teardown();
}
END_TEST

START_TEST(test_cqe_bad_slot)
{
	struct drm_dsb_cqe *cqe;

	sim_setup(8);
	prep_job(1);
	ck_assert_int_eq(dsb_submit(&Q), 1);
	sim_complete(&S, 1);
	ck_assert_int_eq(dsb_peek_cqe(&Q, &cqe), 0);
	/* A scribbled CQ names a slot out of range: consumed, reported. */
	cqe->slot = 999;
	ck_assert_int_eq(dsb_cqe_seen(&Q, cqe), -EBADMSG);
	ck_assert_uint_eq(dsb_cq_ready(&Q), 0);
	ck_assert_uint_eq(Q.slots_free, 7);	/* the real slot leaked */

	/* A CQE naming a slot that is already free. */
	sim_post_cqe(&S, 5, 0, 0, 7);
	ck_assert_int_eq(dsb_peek_cqe(&Q, &cqe), 0);
	ck_assert_int_eq(dsb_cqe_seen(&Q, cqe), -EBADMSG);
	ck_assert_uint_eq(Q.slots_free, 7);
	sim_teardown();
}
END_TEST

START_TEST(test_bad_sqe_error_cqe_frees_slot)
{
	struct drm_dsb_sqe *sqe;
	struct drm_dsb_cqe *cqe;

	sim_setup(8);
	prep_job(1);
	sqe = prep_job(2);
	sqe->cmd_len = 33;		/* invalid: kernel rejects it */
	prep_job(3);
	/* The batch stops at the bad entry, which is consumed. */
	ck_assert_int_eq(dsb_submit(&Q), 2);
	ck_assert_int_eq(dsb_peek_cqe(&Q, &cqe), 0);
	ck_assert_uint_eq(cqe->user_data, 2);
	ck_assert_int_eq(cqe->error, -EINVAL);
	ck_assert_int_eq(dsb_cqe_seen(&Q, cqe), 0);
	ck_assert_uint_eq(Q.slots_free, 8 - 2);
	/* The next submit picks up the remaining entry. */
	ck_assert_int_eq(dsb_submit(&Q), 1);
	sim_complete(&S, 2);
	ck_assert_int_eq(dsb_wait_cqe(&Q, &cqe), 0);
	ck_assert_uint_eq(cqe->user_data, 1);
	ck_assert_int_eq(dsb_cqe_seen(&Q, cqe), 0);
	ck_assert_int_eq(dsb_wait_cqe(&Q, &cqe), 0);
	ck_assert_uint_eq(cqe->user_data, 3);
	ck_assert_int_eq(dsb_cqe_seen(&Q, cqe), 0);
	ck_assert_uint_eq(Q.slots_free, 8);
	sim_teardown();
}
END_TEST

/* The SQE's buffer list reaches the kernel; an unknown one fails the job. */
START_TEST(test_sqe_bo_list)
{
	struct drm_dsb_sqe *sqe;
	struct drm_dsb_cqe *cqe;

	sim_setup(8);
	S.bo_lists = 1u << 3;
	dsb_sqe_set_bo_list(prep_job(1), 3);
	prep_job(2);
	sqe = prep_job(3);
	dsb_sqe_set_bo_list(sqe, 5);
	ck_assert_uint_eq(sqe->bo_list, 5);
	prep_job(4);
	ck_assert_int_eq(dsb_submit(&Q), 3);
	ck_assert_uint_eq(S.jobs[0].bo_list, 3);
	ck_assert_uint_eq(S.jobs[1].bo_list, 0);
	ck_assert_int_eq(dsb_peek_cqe(&Q, &cqe), 0);
	ck_assert_uint_eq(cqe->user_data, 3);
	ck_assert_int_eq(cqe->error, -ENOENT);
	ck_assert_int_eq(dsb_cqe_seen(&Q, cqe), 0);
	ck_assert_int_eq(dsb_submit(&Q), 1);
	ck_assert_uint_eq(S.jobs[2].bo_list, 0);
	/* Unset again: a reused SQE is handed out with no list. */
	sim_complete(&S, 3);
	for (uint64_t ud = 1; ud <= 4; ud += ud == 2 ? 2 : 1) {
		ck_assert_int_eq(dsb_wait_cqe(&Q, &cqe), 0);
		ck_assert_uint_eq(cqe->user_data, ud);
		ck_assert_int_eq(dsb_cqe_seen(&Q, cqe), 0);
	}
	for (int i = 0; i < 8; i++) {
		sqe = dsb_get_sqe(&Q);
		ck_assert_ptr_nonnull(sqe);
		ck_assert_uint_eq(sqe->bo_list, 0);
		dsb_sqe_set_bo_list(sqe, 3);
	}
	ck_assert_int_eq(dsb_submit(&Q), 8);
	for (int i = 0; i < 8; i++)
		ck_assert_uint_eq(S.jobs[3 + i].bo_list, 3);
	sim_teardown();
}
END_TEST

/* The buffer-list calls check their arguments before the kernel sees them;
 * the implicit-sync flags are passed on. */
START_TEST(test_bo_list_args)
{
	const struct drm_dsb_bo_ref bos[2] = {
		{ 1, DRM_DSB_BO_READ }, { 2, DRM_DSB_BO_WRITE },
	};
	struct dsb_queue_params qp = { .flags = DSB_QUEUE_EXPLICIT_SYNC };
	struct dsb_device dev = { .fd = -1 };
	struct drm_dsb_job job = { 0 };
	struct dsb_queue q;
	struct dsb_bo bo;
	uint32_t id = 77;

	ck_assert_int_eq(dsb_bo_list_create(&dev, NULL, 1, &id), -EINVAL);
	ck_assert_int_eq(dsb_bo_list_create(&dev, bos, 0, &id), -EINVAL);
	ck_assert_int_eq(dsb_bo_list_create(&dev, bos, DRM_DSB_MAX_JOB_BOS + 1,
					    &id), -EINVAL);
	ck_assert_int_eq(dsb_bo_list_create(&dev, bos, 2, NULL), -EINVAL);
	ck_assert_uint_eq(id, 77);
	ck_assert_int_eq(dsb_bo_list_create(&dev, bos, 2, &id), -EBADF);
	ck_assert_uint_eq(id, 0);
	ck_assert_int_eq(dsb_bo_list_destroy(&dev, 0), -EINVAL);
	ck_assert_int_eq(dsb_bo_list_destroy(&dev, 1), -EBADF);

	dsb_job_set_bos(&job, bos, 2);
	ck_assert_uint_eq(job.bos.stride, sizeof(struct drm_dsb_bo_ref));
	ck_assert_uint_eq(job.bos.count, 2);
	ck_assert_uint_eq(job.bos.array, (uint64_t)(uintptr_t)bos);

	ck_assert_int_eq(dsb_bo_create_flags(&dev, 4096, DSB_BO_NO_IMPLICIT_SYNC,
					     &bo), -EBADF);
	/* EXPLICIT_SYNC goes to QUEUE_CREATE (-EBADF), an unknown flag not. */
	ck_assert_int_eq(dsb_queue_init(&dev, &q, &qp), -EBADF);
	qp.flags = 1u << 5;
	ck_assert_int_eq(dsb_queue_init(&dev, &q, &qp), -EINVAL);
}
END_TEST

START_TEST(test_changed_slot_rejected)
{
	struct drm_dsb_sqe *sqe;
	struct drm_dsb_cqe *cqe;
	uint32_t busy, mine;

	sim_setup(8);
	busy = prep_job(1)->slot;
	ck_assert_int_eq(dsb_submit(&Q), 1);
	sqe = prep_job(2);
	mine = sqe->slot;
	sqe->slot = busy;		/* misuse: documented as forbidden */
	ck_assert_int_eq(dsb_submit(&Q), -EINVAL);
	ck_assert_uint_eq(S.h->sq_tail, 1);	/* nothing published */
	sqe->slot = mine;
	ck_assert_int_eq(dsb_submit(&Q), 1);
	sim_complete(&S, 2);
	ck_assert_int_eq(dsb_peek_cqe(&Q, &cqe), 0);
	ck_assert_int_eq(dsb_cqe_seen(&Q, cqe), 0);
	ck_assert_int_eq(dsb_peek_cqe(&Q, &cqe), 0);
	ck_assert_int_eq(cqe->error, 0);
	ck_assert_int_eq(dsb_cqe_seen(&Q, cqe), 0);
	ck_assert_uint_eq(Q.slots_free, 8);
	sim_teardown();
}
END_TEST

START_TEST(test_wait_paths)
{
	struct drm_dsb_cqe *cqe;
	int32_t err = 1;

	sim_setup(8);
	/* Nothing in flight: waiting would never end. */
	ck_assert_int_eq(dsb_wait_cqe(&Q, &cqe), -EAGAIN);
	prep_job(1);
	prep_job(2);
	ck_assert_int_eq(dsb_submit(&Q), 2);
	/* In flight, engine stalled: the timeout passes. */
	ck_assert_int_eq(dsb_wait_cqe_timeout(&Q, &cqe, 1000000), -ETIME);
	ck_assert_ptr_null(cqe);
	/* The blocking hook is asked for the oldest job, seqno 1. */
	S.complete_on_wait = true;
	ck_assert_int_eq(dsb_wait_cqe(&Q, &cqe), 0);
	ck_assert_uint_eq(cqe->seqno, 1);
	ck_assert_uint_eq(S.completed, 1);
	ck_assert_int_eq(dsb_cqe_seen(&Q, cqe), 0);
	ck_assert_int_eq(dsb_wait_seqno(&Q, 2, DSB_TIMEOUT_INFINITE, &err), 0);
	ck_assert_int_eq(err, 0);
	ck_assert_int_eq(dsb_wait_seqno(&Q, 0, 0, &err), -EINVAL);
	ck_assert_int_eq(dsb_wait_seqno(&Q, 3, 0, &err), -EINVAL);
	ck_assert_uint_eq(dsb_queue_completed(&Q), 2);
	ck_assert_int_eq(dsb_slot_done(&Q, 99, 1), -EINVAL);
	ck_assert_int_eq(dsb_wait_cqe(&Q, &cqe), 0);
	ck_assert_int_eq(dsb_cqe_seen(&Q, cqe), 0);
	sim_teardown();
}
END_TEST

/* One job through dsb_wait_cqe() (@cqe_wait) or dsb_wait_seqno(). */
static void one_waited_job(bool cqe_wait)
{
	struct drm_dsb_cqe *cqe;
	int32_t err = 1;

	ck_assert_ptr_nonnull(prep_job(1));
	ck_assert_int_eq(dsb_submit(&Q), 1);
	if (!cqe_wait) {
		ck_assert_int_eq(dsb_wait_seqno(&Q, S.next_seqno, DSB_TIMEOUT_INFINITE, &err), 0);
		ck_assert_int_eq(err, 0);
	}
	ck_assert_int_eq(dsb_wait_cqe(&Q, &cqe), 0);
	ck_assert_int_eq(dsb_cqe_seen(&Q, cqe), 0);
}

/*
 * Adaptive spinning: waits that take far longer than spin_ns halve the
 * spin budget down to 0 (no spinning at all); one wait that completes
 * within spin_ns restores it. Both wait calls learn.
 */
START_TEST(test_spin_adapts)
{
	int i;

	sim_setup(8);
	Q.flags &= ~DSB_QUEUE_NO_SPIN;
	Q.spin_ns = Q.spin_budget_ns = 200000;	/* 200 us */
	S.complete_on_wait = true;
	S.wait_delay_us = 5000;			/* 25 x spin_ns */
	for (i = 0; i < 8; i++) {
		one_waited_job(i % 2);
		ck_assert_uint_eq(Q.spin_budget_ns, i < 7 ? 200000u >> (i + 1) : 0);
	}
	/* Blocking at once now; a quick completion brings spinning back. */
	S.wait_delay_us = 0;
	one_waited_job(true);
	ck_assert_uint_eq(Q.spin_budget_ns, 200000);
	S.wait_delay_us = 5000;
	one_waited_job(false);
	ck_assert_uint_eq(Q.spin_budget_ns, 100000);
	S.wait_delay_us = 0;
	one_waited_job(false);
	ck_assert_uint_eq(Q.spin_budget_ns, 200000);
	/* DSB_QUEUE_NO_SPIN: nothing to learn. */
	Q.flags |= DSB_QUEUE_NO_SPIN;
	S.wait_delay_us = 5000;
	one_waited_job(true);
	ck_assert_uint_eq(Q.spin_budget_ns, 200000);
	sim_teardown();
}
END_TEST

START_TEST(test_job_error_in_fence_memory)
{
	struct drm_dsb_cqe *cqe;
	int32_t err = 0;
	uint32_t slot;

	sim_setup(8);
	S.next_error = -EIO;
	slot = prep_job(7)->slot;
	ck_assert_int_eq(dsb_submit(&Q), 1);
	ck_assert_int_eq(dsb_slot_done(&Q, slot, 1), 0);
	sim_complete(&S, 1);
	ck_assert_int_eq(dsb_slot_done(&Q, slot, 1), 1);
	ck_assert_int_eq(dsb_slot_error(&Q, slot), -EIO);
	/* Fast path: fence memory already says done, no blocking call. */
	S.wait_calls = 0;
	ck_assert_int_eq(dsb_wait_seqno(&Q, 1, 0, &err), 0);
	ck_assert_int_eq(err, -EIO);
	ck_assert_uint_eq(S.wait_calls, 0);
	ck_assert_int_eq(dsb_wait_cqe(&Q, &cqe), 0);
	ck_assert_int_eq(cqe->error, -EIO);
	ck_assert_int_eq(dsb_cqe_seen(&Q, cqe), 0);
	sim_teardown();
}
END_TEST

START_TEST(test_submit_and_wait)
{
	struct drm_dsb_cqe *cqe;
	int i;

	sim_setup(16);
	S.complete_on_wait = true;
	for (i = 0; i < 10; i++)
		prep_job((uint64_t)i);
	ck_assert_int_eq(dsb_submit_and_wait(&Q, 10), 10);
	ck_assert_uint_eq(dsb_cq_ready(&Q), 10);
	for (i = 0; i < 10; i++) {
		ck_assert_int_eq(dsb_peek_cqe(&Q, &cqe), 0);
		ck_assert_uint_eq(cqe->user_data, (uint64_t)i);
		ck_assert_int_eq(dsb_cqe_seen(&Q, cqe), 0);
	}
	/* More than is in flight: -EAGAIN, not a hang. */
	prep_job(10);
	ck_assert_int_eq(dsb_submit_and_wait(&Q, 2), -EAGAIN);
	sim_teardown();
}
END_TEST

START_TEST(test_prep_sync_ops)
{
	struct drm_dsb_sqe *sqe;
	void *p = &S;

	sim_setup(8);
	sqe = dsb_get_sqe(&Q);
	ck_assert_int_eq(dsb_prep_wait_syncobj(sqe, 3), 0);
	ck_assert_int_eq(dsb_prep_wait_timeline(sqe, 4, 40), 0);
	ck_assert_int_eq(dsb_prep_wait_sync_file(sqe, 5), 0);
	ck_assert_int_eq(dsb_prep_signal_timeline(sqe, 6, 60), 0);
	ck_assert_int_eq(dsb_prep_signal_syncobj(sqe, 7), -ENOSPC);
	ck_assert_int_eq(dsb_prep_wait_sync_file(sqe, -1), -EBADF);
	ck_assert_uint_eq(sqe->sync_count, 4);
	ck_assert_uint_eq(sqe->syncs[0].flags, DRM_DSB_SYNC_OP_WAIT |
			  DRM_DSB_SYNC_OP_SYNCOBJ);
	ck_assert_uint_eq(sqe->syncs[1].flags, DRM_DSB_SYNC_OP_TIMELINE);
	ck_assert_uint_eq(sqe->syncs[1].point, 40);
	ck_assert_uint_eq(sqe->syncs[2].flags, DRM_DSB_SYNC_OP_SYNC_FILE);
	ck_assert_uint_eq(sqe->syncs[2].handle, 5);
	ck_assert_uint_eq(sqe->syncs[3].flags, DRM_DSB_SYNC_OP_SIGNAL |
			  DRM_DSB_SYNC_OP_TIMELINE);
	ck_assert_int_eq(dsb_prep_wait_queue(sqe, 2, 9), -ENOSPC);
	dsb_sqe_set_data(sqe, p);
	ck_assert_uint_eq(sqe->user_data, (uint64_t)(uintptr_t)p);
	/* get_sqe hands out a zeroed entry, even over a used one. */
	memset(&Q.sq.sqes[1], 0xff, sizeof(struct drm_dsb_sqe));
	sqe = dsb_get_sqe(&Q);
	ck_assert_ptr_eq(sqe, &Q.sq.sqes[1]);
	ck_assert_uint_eq(sqe->sync_count, 0);
	ck_assert_uint_eq(sqe->bo_list, 0);
	ck_assert_uint_eq(sqe->pad[2], 0);
	ck_assert_uint_eq(sqe->flags, 0);
	/* A wait on another queue's job: handle = queue id, point = seqno. */
	ck_assert_int_eq(dsb_prep_wait_queue(sqe, Q.queue_id, 1ull << 40), 0);
	ck_assert_uint_eq(sqe->sync_count, 1);
	ck_assert_uint_eq(sqe->syncs[0].flags, DRM_DSB_SYNC_OP_WAIT | DRM_DSB_SYNC_OP_QUEUE);
	ck_assert_uint_eq(sqe->syncs[0].handle, Q.queue_id);
	ck_assert_uint_eq(sqe->syncs[0].point, 1ull << 40);
	sim_teardown();
}
END_TEST

/* A queue without a DRM fd (dsb_queue_init_mem()) has no kernel to ask. */
START_TEST(test_fence_to_handle_without_fd)
{
	uint32_t h = 77;
	int sfd = 77;

	sim_setup(8);
	ck_assert_int_eq(dsb_queue_fence_to_syncobj(&Q, 1, &h), -ENODEV);
	ck_assert_int_eq(dsb_queue_fence_to_sync_file(&Q, 1, &sfd), -ENODEV);
	ck_assert_uint_eq(h, 77);
	ck_assert_int_eq(sfd, 77);
	ck_assert_int_eq(dsb_queue_fence_to_syncobj(&Q, 1, NULL), -EINVAL);
	ck_assert_int_eq(dsb_queue_fence_to_sync_file(&Q, 1, NULL), -EINVAL);
	ck_assert_int_eq(dsb_queue_fence_to_syncobj(NULL, 1, &h), -EINVAL);
	sim_teardown();
}
END_TEST

START_TEST(test_no_backend_publishes_only)
{
	struct drm_dsb_cqe *cqe;

	ck_assert_int_eq(sim_setup_full(8, 16, 8, 0, NULL), 0);
	prep_job(1);
	prep_job(2);
	ck_assert_uint_eq(S.h->sq_tail, 0);
	ck_assert_int_eq(dsb_submit(&Q), 2);
	ck_assert_uint_eq(S.h->sq_tail, 2);
	ck_assert_int_eq(dsb_submit(&Q), 2);	/* still unconsumed */
	ck_assert_int_eq(dsb_wait_cqe(&Q, &cqe), -EAGAIN);
	sim_teardown();
}
END_TEST

/* An asynchronous "engine" thread; the library only polls. */
static volatile bool engine_stop;

static void *engine_thread(void *arg)
{
	(void)arg;
	while (!engine_stop) {
		if (!sim_complete(&S, 3))
			sched_yield();
	}
	return NULL;
}

START_TEST(test_async_engine_polling)
{
	static const struct dsb_queue_backend submit_only = {
		.submit = sim_submit, .arg = &S,
	};
	uint64_t ud = 0, expect = 0;
	const uint64_t total = 20000;
	pthread_t t;

	ck_assert_int_eq(sim_setup_full(16, 32, 16, 0, &submit_only), 0);
	engine_stop = false;
	pthread_create(&t, NULL, engine_thread, NULL);
	while (expect < total) {
		struct drm_dsb_cqe *cqe;

		while (ud < total && prep_job(ud))
			ud++;
		ck_assert_int_ge(dsb_submit(&Q), 0);
		ck_assert_int_eq(dsb_wait_cqe_timeout(&Q, &cqe, 5000000000ll), 0);
		do {
			ck_assert_uint_eq(cqe->user_data, expect);
			expect++;
			ck_assert_int_eq(dsb_cqe_seen(&Q, cqe), 0);
		} while (dsb_peek_cqe(&Q, &cqe) == 0);
	}
	engine_stop = true;
	pthread_join(t, NULL);
	ck_assert_uint_eq(Q.slots_free, 16);
	sim_teardown();
}
END_TEST

int main(void)
{
	Suite *s = suite_create("lib_ring");
	TCase *tc = tcase_create("ring");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_init_rejects_bad_layout);
	tcase_add_test(tc, test_slots_unique_and_exhausted);
	tcase_add_test(tc, test_sq_full_before_slots);
	tcase_add_test(tc, test_wraparound_many_laps);
	tcase_add_test(tc, test_wraparound_u32_counters);
	tcase_add_test(tc, test_cqe_seen_twice);
	tcase_add_test(tc, test_cqe_bad_slot);
	tcase_add_test(tc, test_bad_sqe_error_cqe_frees_slot);
	tcase_add_test(tc, test_sqe_bo_list);
	tcase_add_test(tc, test_bo_list_args);
	tcase_add_test(tc, test_changed_slot_rejected);
	tcase_add_test(tc, test_wait_paths);
	tcase_add_test(tc, test_spin_adapts);
	tcase_add_test(tc, test_job_error_in_fence_memory);
	tcase_add_test(tc, test_submit_and_wait);
	tcase_add_test(tc, test_prep_sync_ops);
	tcase_add_test(tc, test_fence_to_handle_without_fd);
	tcase_add_test(tc, test_no_backend_publishes_only);
	tcase_add_test(tc, test_async_engine_polling);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
