// SPDX-License-Identifier: MIT
/* Copyright (C) 2026 The dsb authors */
/*
 * Submission and completion slow paths: publishing the SQ, the ioctl
 * backend, queue status, and waits that poll fence memory and the CQ
 * before they block. Uses nothing of setup.c: setup.c installs the
 * backends defined here (backend.h), never the other way round.
 */
#include <sched.h>

#include "backend.h"
#include "barrier.h"
#include "dsb_private.h"

int dsb__ioctl_submit(struct dsb_queue *q, unsigned int count, void *arg)
{
	struct drm_dsb_queue_submit_sq s = {
		.queue_id = q->queue_id,
		.count = count,
	};
	int ret;

	(void)arg;
	ret = dsb_ioctl(q->fd, DRM_IOCTL_DSB_QUEUE_SUBMIT_SQ, &s);
	return ret ? ret : (int)s.submitted;
}

int dsb__ioctl_wait(struct dsb_queue *q, uint64_t seqno, int64_t deadline_ns,
		    int32_t *error, void *arg)
{
	struct drm_dsb_wait w = {
		.queue_id = q->queue_id,
		.seqno = seqno,
		.timeout_ns = deadline_ns,
	};
	int ret;

	(void)arg;
	ret = dsb_ioctl(q->fd, DRM_IOCTL_DSB_WAIT, &w);
	if (!ret && error)
		*error = w.error;
	return ret;
}

/**
 * dsb_queue_status() - state, fault and progress of the queue
 */
int dsb_queue_status(struct dsb_queue *q, struct drm_dsb_queue_status *st)
{
	int ret;

	if (q->fd < 0)
		return -ENODEV;
	memset(st, 0, sizeof(*st));
	st->queue_id = q->queue_id;
	ret = dsb_ioctl(q->fd, DRM_IOCTL_DSB_QUEUE_STATUS, st);
	if (!ret)
		q->seqno_hint = st->submitted;
	return ret;
}

/**
 * dsb_sq_flush() - publish the prepared SQEs without submitting them
 *
 * Makes the SQEs handed out so far visible to the kernel (sq_tail) and
 * returns how many published entries the kernel has not consumed yet:
 * the count to pass to dsb_uring_prep_submit(). -EINVAL, with nothing
 * published, when an SQE's @slot is not the one dsb_get_sqe() gave it
 * (the kernel would reject it, and its CQE would free a slot that another
 * job holds); -EIO when sq_head in shared memory is corrupt.
 */
int dsb_sq_flush(struct dsb_queue *q)
{
	uint32_t tail = q->sq.sqe_tail;
	uint32_t head, pending, i;

	if (tail != q->sq.sqe_head) {
		for (i = q->sq.sqe_head; i != tail; i++)
			if (q->sq.sqes[i & q->sq.ring_mask].slot !=
			    q->sqe_slots[i & q->sq.ring_mask])
				return -EINVAL;
		/* Pairs with smp_load_acquire(sq_tail) in the kernel's
		 * dsb_queue_submit_sq() before it copies the entries
		 * (dsb_sqe_to_desc()): our SQE writes are visible first. */
		dsb_store_release(q->sq.ktail, tail);
		q->sq.sqe_head = tail;
	}
	/* Pairs with smp_store_release(sq_head) in dsb_queue_submit_sq(). */
	head = dsb_load_acquire(q->sq.khead);
	pending = tail - head;
	if (pending > q->sq.ring_entries)
		return -EIO;
	return (int)pending;
}

/**
 * dsb_submit() - publish the prepared SQEs and hand them to the kernel
 *
 * Returns the number of entries the kernel consumed (0 when there was
 * nothing to submit) or -errno (see dsb_sq_flush() for -EINVAL). Entries
 * the kernel did not consume stay in the SQ and are offered again by the
 * next dsb_submit().
 */
int dsb_submit(struct dsb_queue *q)
{
	int ret, pending;

	pending = dsb_sq_flush(q);
	if (pending <= 0)
		return pending;
	if (!q->backend || !q->backend->submit)
		return pending;
	ret = q->backend->submit(q, (unsigned int)pending, q->backend->arg);
	if (ret > 0)
		q->seqno_hint += (uint64_t)ret;
	return ret;
}

/* CQEs still to come or unread: entries the kernel consumed, minus seen. */
static uint32_t dsb_cqes_owed(const struct dsb_queue *q)
{
	/* Pairs with smp_store_release(sq_head) in dsb_queue_submit_sq();
	 * cq_head is ours (dsb_cqe_seen()). */
	return dsb_load_acquire(q->sq.khead) - *q->cq.khead;
}

/*
 * Adaptive spinning. A spin pays only when the job completes within it.
 * With more runnable threads than CPUs (many waiting processes, the
 * engine threads among them) a spinning waiter takes the CPU from the
 * very work it waits for, and then blocks anyway. So a queue spins for
 * q->spin_budget_ns, not q->spin_ns: a wait that completed within spin_ns
 * (spinning or blocked) restores the budget to spin_ns, one that took
 * longer halves it, and below DSB_SPIN_MIN_NS it is 0: waits then block
 * at once until one of them completes within spin_ns again.
 */
#define DSB_SPIN_MIN_NS	1000

static bool dsb_spin_allowed(const struct dsb_queue *q)
{
	return !(q->flags & DSB_QUEUE_NO_SPIN) && q->spin_budget_ns;
}

/* A wait that started at @start_ns has completed: adapt the budget. */
static void dsb_spin_learn(struct dsb_queue *q, int64_t start_ns)
{
	if (q->flags & DSB_QUEUE_NO_SPIN)
		return;
	if (dsb_now_ns() - start_ns <= (int64_t)q->spin_ns)
		q->spin_budget_ns = q->spin_ns;
	else if ((q->spin_budget_ns /= 2) < DSB_SPIN_MIN_NS)
		q->spin_budget_ns = 0;
}

/* Poll until @wait_nr CQEs are ready or the spin budget passes. */
static bool dsb_spin(struct dsb_queue *q, unsigned int wait_nr)
{
	int64_t end;
	unsigned int i = 0;

	if (!dsb_spin_allowed(q))
		return dsb_cq_ready(q) >= wait_nr;
	end = dsb_now_ns() + q->spin_budget_ns;
	for (;;) {
		if (dsb_cq_ready(q) >= wait_nr)
			return true;
		if (++i % 64 == 0 && dsb_now_ns() >= end)
			return false;
		dsb_cpu_relax();
	}
}

/* What dsb_wait_ready() learnt so far. */
struct dsb_wait_state {
	uint64_t done;		/* highest seqno a blocking wait saw done */
	bool spun;		/* spun since the last blocking wait */
	bool resynced;		/* seqno_hint refreshed since then */
};

/* Refresh q->seqno_hint from the kernel, once per blocking wait. */
static int dsb_wait_resync(struct dsb_queue *q, struct dsb_wait_state *ws)
{
	struct drm_dsb_queue_status st;

	if (q->fd < 0 || ws->resynced)
		return 0;
	ws->resynced = true;
	return dsb_queue_status(q, &st);
}

/*
 * Block until the oldest job in flight is done: one past the highest
 * seqno known done (fence memory header, or an earlier blocking wait).
 * Returns 0 to look at the CQ again, or -errno.
 */
static int dsb_wait_oldest(struct dsb_queue *q, struct dsb_wait_state *ws,
			   unsigned int wait_nr, int64_t deadline)
{
	uint64_t target = dsb_queue_completed(q);
	int32_t err;
	int ret;

	if (ws->done > target)
		target = ws->done;
	target++;
	if (target > q->seqno_hint) {
		/* Jobs may have been submitted behind our back
		 * (dsb_uring_prep_submit() on the caller's ring). */
		ret = dsb_wait_resync(q, ws);
		if (ret)
			return ret;
	}
	if (!q->backend || !q->backend->wait || target > q->seqno_hint) {
		/* Done per fence memory, CQE not posted yet. */
		sched_yield();
		return 0;
	}
	ret = q->backend->wait(q, target, deadline, &err, q->backend->arg);
	if (ret == 0) {
		ws->done = target;
		ws->spun = false;
		ws->resynced = false;
		return 0;
	}
	if (ret == -EINVAL && q->fd >= 0 && !ws->resynced) {
		/* Our seqno estimate ran ahead of the kernel's. */
		return dsb_wait_resync(q, ws);
	}
	if (ret == -ETIME && dsb_cq_ready(q) >= wait_nr)
		return 0;
	return ret;
}

/*
 * Wait until @wait_nr CQEs are ready or @deadline passes.
 *
 * Completion is in seqno order within a queue, so waiting for the oldest
 * job in flight (dsb_wait_oldest()) brings the next CQE. The kernel posts
 * the CQE shortly after it signals the fence; between the two the fence
 * says "done" while the CQ is still empty, which we ride out by spinning
 * and yielding.
 */
static int dsb_wait_ready(struct dsb_queue *q, unsigned int wait_nr,
			  int64_t deadline)
{
	struct dsb_wait_state ws = { 0 };
	int64_t start;
	int ret;

	if (dsb_cq_ready(q) >= wait_nr)
		return 0;	/* nothing waited for: nothing learnt */
	start = dsb_now_ns();
	for (;;) {
		if (dsb_cq_ready(q) >= wait_nr) {
			dsb_spin_learn(q, start);
			return 0;
		}
		if (dsb_cqes_owed(q) < wait_nr)
			return -EAGAIN;	/* would wait forever */
		if (!ws.spun) {
			ws.spun = true;
			if (dsb_spin(q, wait_nr)) {
				dsb_spin_learn(q, start);
				return 0;
			}
		}
		if (deadline != DSB_TIMEOUT_INFINITE && dsb_now_ns() >= deadline)
			return -ETIME;
		ret = dsb_wait_oldest(q, &ws, wait_nr, deadline);
		if (ret)
			return ret;
	}
}

/**
 * dsb_wait_cqe_timeout() - wait up to @timeout_ns for a CQE
 *
 * Returns 0 and the head CQE in *cqe_ptr; -ETIME when the timeout passed;
 * -EAGAIN when no job is in flight, so no CQE can ever arrive.
 */
int dsb_wait_cqe_timeout(struct dsb_queue *q, struct drm_dsb_cqe **cqe_ptr,
			 int64_t timeout_ns)
{
	int ret;

	*cqe_ptr = NULL;
	if (dsb_peek_cqe(q, cqe_ptr) == 0)
		return 0;
	ret = dsb_wait_ready(q, 1, dsb_deadline(timeout_ns));
	if (ret)
		return ret;
	return dsb_peek_cqe(q, cqe_ptr);
}

int dsb_wait_cqe(struct dsb_queue *q, struct drm_dsb_cqe **cqe_ptr)
{
	return dsb_wait_cqe_timeout(q, cqe_ptr, DSB_TIMEOUT_INFINITE);
}

/**
 * dsb_submit_and_wait() - submit, then wait until @wait_nr CQEs are ready
 *
 * Returns the number of entries submitted, or -errno.
 */
int dsb_submit_and_wait(struct dsb_queue *q, unsigned int wait_nr)
{
	int ret, w;

	ret = dsb_submit(q);
	if (ret < 0 || !wait_nr)
		return ret;
	w = dsb_wait_ready(q, wait_nr, DSB_TIMEOUT_INFINITE);
	return w ? w : ret;
}

/* Error of a completed job from fence memory; false if its slot moved on. */
static bool dsb_seqno_error(const struct dsb_queue *q, uint64_t seqno,
			    int32_t *error)
{
	uint32_t i;

	for (i = 0; i < q->nr_slots; i++) {
		/* Pairs with smp_store_release(slot seqno) in the kernel's
		 * dsb_queue_write_slot_locked(), after its WRITE_ONCE() of
		 * the error: the relaxed load of the error is ordered. */
		if (dsb_load_acquire(&q->fence_slots[i].seqno) == seqno) {
			*error = dsb_load_relaxed(&q->fence_slots[i].error);
			return true;
		}
	}
	return false;
}

/**
 * dsb_wait_seqno() - wait for job @seqno of the queue
 *
 * Polls the fence memory, then blocks. Returns 0 with the job's status
 * (0 or a negative errno) in *job_error if not NULL; -ETIME on timeout;
 * -EINVAL for seqno 0 or (from the kernel) a seqno never submitted;
 * -ENODATA for a job completed so long ago that its status is no longer
 * known (see DRM_IOCTL_DSB_WAIT).
 */
int dsb_wait_seqno(struct dsb_queue *q, uint64_t seqno, int64_t timeout_ns,
		   int32_t *job_error)
{
	int64_t deadline = dsb_deadline(timeout_ns);
	bool was_done = dsb_queue_completed(q) >= seqno;
	int64_t start = was_done ? 0 : dsb_now_ns();
	int32_t err = 0;
	int ret;

	if (!seqno)
		return -EINVAL;
	if (!was_done && dsb_spin_allowed(q)) {
		int64_t end = start + q->spin_budget_ns;
		unsigned int i = 0;

		while (dsb_queue_completed(q) < seqno) {
			if (++i % 64 == 0 && dsb_now_ns() >= end)
				break;
			dsb_cpu_relax();
		}
	}
	if (dsb_queue_completed(q) >= seqno && dsb_seqno_error(q, seqno, &err))
		goto out;

	if (!q->backend || !q->backend->wait) {
		while (dsb_queue_completed(q) < seqno) {
			if (deadline != DSB_TIMEOUT_INFINITE &&
			    dsb_now_ns() >= deadline)
				return -ETIME;
			sched_yield();
		}
		/* Its slot moved on: the status is lost, never guess success. */
		if (!dsb_seqno_error(q, seqno, &err))
			return -ENODATA;
		goto out;
	}
	ret = q->backend->wait(q, seqno, deadline, &err, q->backend->arg);
	if (ret)
		return ret;
out:
	if (!was_done)
		dsb_spin_learn(q, start);
	if (job_error)
		*job_error = err;
	return 0;
}
