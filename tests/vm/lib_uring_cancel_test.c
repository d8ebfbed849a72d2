// SPDX-License-Identifier: MIT
/* Copyright (C) 2026 The dsb authors */
/*
 * dsb through io_uring (VM, 6.1 and 6.12), cancelling and bounding waits
 * (uAPI 9): one of 1,000 pending waits cancelled with DRM_DSB_URING_CANCEL
 * completes -ECANCELED and the other 999 complete normally, while
 * IORING_OP_ASYNC_CANCEL finds nothing on either kernel (-ENOENT); the
 * per-file cap (DRM_DSB_PARAM_MAX_URING_WAITS) fails one wait more with
 * -EBUSY; a loop of io_urings torn down with waits pending holds the cap
 * and leaves no wait and no charged memory behind (6.12: the teardown
 * cancels them; 6.1: they stay until cancelled by key from another ring).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/utsname.h>

#include "lib_uring.h"

/* Pending waits of @fd as its fdinfo counts them ("dsb-uring-waits"). */
static long fdinfo_waits(int drm_fd)
{
	char path[64], line[256];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", drm_fd);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "dsb-uring-waits: %ld", &v) == 1)
			break;
	fclose(f);
	ck_assert_int_ge(v, 0);
	return v;
}

/* Wait up to @ms for fdinfo to count @want waits; its last count. */
static long wait_fdinfo_waits(int drm_fd, long want, long ms)
{
	int64_t t0 = now_ns();
	long v;

	while ((v = fdinfo_waits(drm_fd)) != want && now_ns() - t0 < ms * 1000000ll)
		usleep(10000);
	return v;
}

static long long counter(const char *name)
{
	long long v;

	ck_assert_int_eq(dsb_test_debugfs_counter(0, name, &v), 0);
	return v;
}

static uint64_t param(struct ctx *c, uint32_t p)
{
	uint64_t v;

	ck_assert_int_eq(dsb_get_param(&c->dev, p, &v), 0);
	return v;
}

/* Does ring teardown cancel pending uring_cmds (Linux 6.7 and later)? */
static bool kernel_cancels(void)
{
	struct utsname u;
	int maj = 0, min = 0;

	ck_assert_int_eq(uname(&u), 0);
	ck_assert_int_eq(sscanf(u.release, "%d.%d", &maj, &min), 2);
	return maj > 6 || (maj == 6 && min >= 7);
}

/* One job held on the gate, seqno 1, signalling timeline @so point 1. */
static void hold_job(struct ctx *c, uint32_t so)
{
	ck_assert_int_eq(dsb_prep_signal_timeline(prep(c, 0, 42, true), so, 1), 0);
	ck_assert_int_eq(dsb_submit(&c->q), 1);
}

/*
 * Queue @n waits on the held job (seqno @seqno, point 1 of @so), user_data
 * @ud0 + i, cancel key @key ?: i + 1, alternating WAIT_SEQNO and
 * WAIT_SYNCOBJ.
 */
static void queue_waits(struct io_uring *ring, struct ctx *c, uint64_t seqno,
			uint32_t so, unsigned int n, uint64_t ud0, uint32_t key)
{
	unsigned int i, batch = 0;

	for (i = 0; i < n; i++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

		if (!sqe) {
			ck_assert_int_eq(io_uring_submit(ring), (int)batch);
			batch = 0;
			sqe = io_uring_get_sqe(ring);
			ck_assert_ptr_nonnull(sqe);
		}
		if (i % 2)
			dsb_uring_prep_wait_syncobj(sqe, c->dev.fd, so, 1);
		else
			dsb_uring_prep_wait_seqno(sqe, c->dev.fd, c->q.queue_id, seqno);
		dsb_uring_sqe_set_cancel_key(sqe, key ?: i + 1);
		sqe->user_data = ud0 + i;
		batch++;
	}
	if (batch)
		ck_assert_int_eq(io_uring_submit(ring), (int)batch);
}

static void params_for(struct dsb_queue_params *p)
{
	memset(p, 0, sizeof(*p));
	p->fence_slots = 16;
	/* The hold must outlast every round: ~10x slower on the debug kernel. */
	p->timeout_ms = dsb_test_debug_kernel() ? 600000 : 60000;
}

/*
 * 1,000 waits pending. IORING_OP_ASYNC_CANCEL of one by user_data finds
 * nothing (-ENOENT: io_uring cannot cancel a uring_cmd) and changes
 * nothing; DRM_DSB_URING_CANCEL of its key completes it -ECANCELED (res 1),
 * a second time -ENOENT; the other 999 complete with 0 when the job does.
 */
START_TEST(test_cancel_one_of_1000)
{
	const unsigned int n = 1000, victim = 500;
	long long cancels0 = counter("uring_cancels");
	struct dsb_queue_params p;
	struct io_uring_cqe *ucqe;
	struct io_uring ring;
	unsigned int i, got = 0;
	char seen[1000] = { 0 };
	uint64_t ud;
	int32_t res;
	uint32_t so;
	struct ctx c;

	params_for(&p);
	ctx_init_params(&c, &p);
	ring_init(&ring, 256, 2048);
	ck_assert_int_eq(dsb_syncobj_create(&c.dev, 0, &so), 0);
	hold_job(&c, so);
	queue_waits(&ring, &c, 1, so, n, 0, 0);
	ck_assert_int_eq(fdinfo_waits(c.dev.fd), n);
	ck_assert_int_eq(counter("live_uring_waits"), n);

	/* io_uring's own cancel does not reach the command. */
	{
		struct io_uring_sqe *sqe = get_sqe(&ring, 5000);

		io_uring_prep_cancel64(sqe, victim, 0);
		sqe->user_data = 5000;
	}
	ck_assert_int_eq(io_uring_submit(&ring), 1);
	reap(&ring, &ud, &res);
	ck_assert_uint_eq(ud, 5000);
	ck_assert_msg(res == -ENOENT, "IORING_OP_ASYNC_CANCEL of a dsb wait: res %d", res);
	ck_assert_int_eq(reap_ms(&ring, 100, &ud, &res), -ETIME);
	ck_assert_int_eq(fdinfo_waits(c.dev.fd), n);

	/* dsb's cancel, by the victim's key. */
	PREP(&ring, 6000, dsb_uring_prep_cancel, c.dev.fd, victim + 1);
	ck_assert_int_eq(io_uring_submit(&ring), 1);
	for (i = 0; i < 2; i++) {
		reap(&ring, &ud, &res);
		if (ud == 6000)
			ck_assert_msg(res == 1, "CANCEL: res %d", res);
		else
			ck_assert_msg(ud == victim && res == -ECANCELED,
				      "after CANCEL: ud %llu res %d", (unsigned long long)ud, res);
	}
	ck_assert_int_eq(io_uring_peek_cqe(&ring, &ucqe), -EAGAIN);
	ck_assert_int_eq(wait_fdinfo_waits(c.dev.fd, n - 1, 5000), n - 1);
	ck_assert_int_eq(counter("uring_cancels"), cancels0 + 1);
	PREP(&ring, 6001, dsb_uring_prep_cancel, c.dev.fd, victim + 1);
	ck_assert_int_eq(run_one(&ring), -ENOENT);

	open_gate(&c);
	while (got < n - 1) {
		reap(&ring, &ud, &res);
		ck_assert_uint_lt(ud, n);
		ck_assert_uint_ne(ud, victim);
		ck_assert_msg(!seen[ud], "wait %llu completed twice", (unsigned long long)ud);
		ck_assert_msg(res == 0, "wait %llu: res %d", (unsigned long long)ud, res);
		seen[ud] = 1;
		got++;
	}
	ck_assert_int_eq(reap_ms(&ring, 100, &ud, &res), -ETIME);
	ck_assert_uint_eq(c.words[0], 42);
	ck_assert_int_eq(wait_fdinfo_waits(c.dev.fd, 0, 5000), 0);
	reap_dsb_cqes(&c, 1);
	dsb_syncobj_destroy(&c.dev, so);
	io_uring_queue_exit(&ring);
	ctx_fini(&c);
}
END_TEST

/*
 * The cap: DRM_DSB_PARAM_MAX_URING_WAITS waits pending (all with key 7),
 * one more completes at once with -EBUSY, a wait on a signalled fence
 * still completes (0); one CANCEL of key 7 cancels them all, after which a
 * wait is accepted again.
 */
START_TEST(test_cap)
{
	struct dsb_queue_params p;
	struct io_uring ring;
	unsigned int i, cap, cancelled = 0;
	uint64_t ud;
	int32_t res;
	uint32_t so;
	struct ctx c;

	params_for(&p);
	ctx_init_params(&c, &p);
	cap = param(&c, DRM_DSB_PARAM_MAX_URING_WAITS);
	ck_assert_uint_ge(cap, 1000);
	ck_assert_uint_le(cap, 1 << 16);
	ring_init(&ring, 4096, 2 * cap);
	ck_assert_int_eq(dsb_syncobj_create(&c.dev, 0, &so), 0);
	/* seqno 1: done at once; seqno 2 held. */
	prep(&c, 1, 1, false);
	ck_assert_int_eq(dsb_submit(&c.q), 1);
	reap_dsb_cqes(&c, 1);
	ck_assert_int_eq(dsb_prep_signal_timeline(prep(&c, 0, 42, true), so, 1), 0);
	ck_assert_int_eq(dsb_submit(&c.q), 1);

	queue_waits(&ring, &c, 2, so, cap, 0, 7);
	ck_assert_int_eq(wait_fdinfo_waits(c.dev.fd, cap, 5000), cap);
	ck_assert_int_eq(reap_ms(&ring, 100, &ud, &res), -ETIME);
	PREP(&ring, 100000, dsb_uring_prep_wait_seqno, c.dev.fd, c.q.queue_id, 2);
	ck_assert_msg((res = run_one(&ring)) == -EBUSY, "wait beyond the cap: res %d", res);
	PREP(&ring, 100001, dsb_uring_prep_wait_syncobj, c.dev.fd, so, 1);
	ck_assert_int_eq(run_one(&ring), -EBUSY);
	PREP(&ring, 100002, dsb_uring_prep_wait_seqno, c.dev.fd, c.q.queue_id, 1);
	ck_assert_int_eq(run_one(&ring), 0);
	ck_assert_int_eq(fdinfo_waits(c.dev.fd), cap);

	PREP(&ring, 200000, dsb_uring_prep_cancel, c.dev.fd, 7);
	ck_assert_int_eq(io_uring_submit(&ring), 1);
	for (i = 0; i <= cap; i++) {
		reap(&ring, &ud, &res);
		if (ud == 200000) {
			ck_assert_msg(res == (int)cap, "CANCEL: res %d, want %u", res, cap);
			continue;
		}
		ck_assert_uint_lt(ud, cap);
		ck_assert_int_eq(res, -ECANCELED);
		cancelled++;
	}
	ck_assert_uint_eq(cancelled, cap);
	ck_assert_int_eq(wait_fdinfo_waits(c.dev.fd, 0, 5000), 0);

	/* Room again. */
	PREP(&ring, 300000, dsb_uring_prep_wait_seqno, c.dev.fd, c.q.queue_id, 2);
	ck_assert_int_eq(io_uring_submit(&ring), 1);
	ck_assert_int_eq(reap_ms(&ring, 100, &ud, &res), -ETIME);
	open_gate(&c);
	reap(&ring, &ud, &res);
	ck_assert_uint_eq(ud, 300000);
	ck_assert_int_eq(res, 0);
	reap_dsb_cqes(&c, 1);
	dsb_syncobj_destroy(&c.dev, so);
	io_uring_queue_exit(&ring);
	ctx_fini(&c);
}
END_TEST

/*
 * Abandoned waits: io_urings torn down with waits pending, in a loop. On
 * 6.12 each teardown cancels its waits (the file's count drops to 0, the
 * debugfs cancel counter grows by as many); on 6.1 they stay, the cap
 * holds (-EBUSY from a fresh ring), and a CANCEL from the fresh ring
 * reclaims them. Either way the file's charged memory and the device's
 * live_uring_waits come back to where they started, every round.
 */
START_TEST(test_abandoned_waits)
{
	const bool cancels = kernel_cancels();
	const unsigned int rounds = cancels ? 20 : 4;
	/* 16,384 cancels take seconds on the debug kernel (KASAN, lockdep). */
	const long settle_ms = dsb_test_debug_kernel() ? 120000 : 10000;
	long long live0, cancels0;
	struct dsb_queue_params p;
	unsigned int r, cap, n;
	uint64_t mem0, mem;
	int64_t t0, settled_ms = -1;
	uint64_t ud;
	int32_t res;
	uint32_t so;
	struct ctx c;

	params_for(&p);
	ctx_init_params(&c, &p);
	cap = param(&c, DRM_DSB_PARAM_MAX_URING_WAITS);
	ck_assert_int_eq(dsb_syncobj_create(&c.dev, 0, &so), 0);
	hold_job(&c, so);
	mem0 = param(&c, DRM_DSB_PARAM_CLIENT_MEM_USED);
	live0 = counter("live_uring_waits");
	cancels0 = counter("uring_cancels");

	for (r = 0; r < rounds; r++) {
		struct io_uring ring, fresh;

		/* The last round fills the cap. */
		n = r + 1 == rounds ? cap : 1000;
		ring_init(&ring, 4096, n > 4096 ? 2 * n : 8192);
		queue_waits(&ring, &c, 1, so, n, 0, 9);
		ck_assert_int_eq(wait_fdinfo_waits(c.dev.fd, n, 5000), n);
		mem = param(&c, DRM_DSB_PARAM_CLIENT_MEM_USED);
		ck_assert_uint_gt(mem, mem0);
		t0 = now_ns();
		io_uring_queue_exit(&ring);

		if (cancels) {
			ck_assert_int_eq(wait_fdinfo_waits(c.dev.fd, 0, settle_ms), 0);
			settled_ms = (now_ns() - t0) / 1000000;
		} else {
			/* Still pending, still counted: the cap holds. */
			usleep(200000);
			ck_assert_int_eq(fdinfo_waits(c.dev.fd), n);
			ring_init(&fresh, 8, 0);
			if (n == cap) {
				PREP(&fresh, 1, dsb_uring_prep_wait_seqno, c.dev.fd,
				     c.q.queue_id, 1);
				ck_assert_int_eq(run_one(&fresh), -EBUSY);
			}
			PREP(&fresh, 2, dsb_uring_prep_cancel, c.dev.fd, 9);
			t0 = now_ns();
			ck_assert_int_eq(io_uring_submit(&fresh), 1);
			reap(&fresh, &ud, &res);
			ck_assert_msg(res == (int)n, "CANCEL of abandoned waits: res %d, want %u",
				      res, n);
			ck_assert_int_eq(wait_fdinfo_waits(c.dev.fd, 0, settle_ms), 0);
			settled_ms = (now_ns() - t0) / 1000000;
			io_uring_queue_exit(&fresh);
		}
		ck_assert_int_eq(counter("live_uring_waits"), live0);
		ck_assert_uint_eq(param(&c, DRM_DSB_PARAM_CLIENT_MEM_USED), mem0);
		cancels0 += n;
		ck_assert_int_eq(counter("uring_cancels"), cancels0);
	}
	fprintf(stderr, "lib_uring_cancel_test: %u rounds of abandoned waits (%s), last %u (the cap, gone %lld ms after the ring teardown or CANCEL); client memory %llu bytes before and after, %llu with the waits\n",
		rounds, cancels ? "cancelled by the teardown" : "kept until cancelled by key",
		cap, (long long)settled_ms, (unsigned long long)mem0, (unsigned long long)mem);
	open_gate(&c);
	reap_dsb_cqes(&c, 1);
	dsb_syncobj_destroy(&c.dev, so);
	ctx_fini(&c);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("lib_uring_cancel");
	TCase *tc = tcase_new(s, "uring", dsb_test_debug_kernel() ? 600 : 180);

	tcase_add_test(tc, test_cancel_one_of_1000);
	tcase_add_test(tc, test_cap);
	tcase_add_test(tc, test_abandoned_waits);
	return vm_run(s, VM_SKIP_WITHOUT_DEVICE);
}
