// SPDX-License-Identifier: MIT
/* Copyright (C) 2026 The dsb authors */
/*
 * libdsb against the real kernel (VM): devices, BOs, queues, the SQ/CQ
 * fast paths over many laps, fence-slot reuse, waits, syncobjs, several
 * threads with a queue each, misuse returning clear errors, and fences on
 * demand (libdsb 1.4, uAPI 12).
 */
#include <liburing.h>
#include <poll.h>
#include <pthread.h>

#include "dsb.h"
#include "vm_suite.h"

#define SEC		1000000000ll
#define CMD_AREA	128		/* 4 instructions per slot */

/* A queue plus a data BO and one command area per fence slot. */
struct ctx {
	struct dsb_device dev;
	struct dsb_queue q;
	struct dsb_bo data, cmd;
	uint64_t *words;
};

static int64_t tmo(int64_t ns)
{
	return dsb_test_debug_kernel() ? ns * 10 : ns;
}

static void ctx_init(struct ctx *c, const struct dsb_queue_params *p)
{
	ck_assert_int_eq(dsb_device_open(&c->dev, 0), 0);
	ck_assert_int_eq(dsb_queue_init(&c->dev, &c->q, p), 0);
	ck_assert_int_eq(dsb_bo_create(&c->dev, 1 << 20, &c->data), 0);
	ck_assert_int_eq(dsb_bo_create(&c->dev, (uint64_t)c->q.nr_slots *
				       CMD_AREA, &c->cmd), 0);
	c->words = c->data.map;
	memset(c->words, 0, c->data.size);
}

static void ctx_fini(struct ctx *c)
{
	ck_assert_int_eq(dsb_bo_destroy(&c->dev, &c->cmd), 0);
	ck_assert_int_eq(dsb_bo_destroy(&c->dev, &c->data), 0);
	dsb_queue_exit(&c->q);
	dsb_device_close(&c->dev);
}

/* Command area of the SQE's slot: free to rewrite while the slot is ours. */
static void slot_cmdbuf(struct ctx *c, const struct drm_dsb_sqe *sqe,
			struct dsb_cmdbuf *cb)
{
	uint64_t off = (uint64_t)sqe->slot * CMD_AREA;

	dsb_cmdbuf_init(cb, (char *)c->cmd.map + off, CMD_AREA, c->cmd.va + off);
}

/* Prepare "words[idx] = value" with user_data @ud; NULL when full. */
static struct drm_dsb_sqe *prep_write(struct ctx *c, uint64_t idx,
				      uint64_t value, uint64_t ud)
{
	struct drm_dsb_sqe *sqe = dsb_get_sqe(&c->q);
	struct dsb_cmdbuf cb;

	if (!sqe)
		return NULL;
	slot_cmdbuf(c, sqe, &cb);
	dsb_cmd_write(&cb, c->data.va + 8 * idx, value);
	dsb_prep_exec(sqe, cb.va, dsb_cmdbuf_len(&cb));
	dsb_sqe_set_data64(sqe, ud);
	return sqe;
}

static uint64_t val(uint64_t i)
{
	return i * 0x9e3779b97f4a7c15ull + 7;
}

/* ------------------------------------------------------------------ */

START_TEST(test_device)
{
	struct dsb_device dev, dev2;
	uint64_t v;
	int n = dsb_device_count(), fd1 = dsb_test_open(1);

	ck_assert_int_ge(n, 1);
	/* Every dsb device the node scan finds, libdsb counts (num_devices=2). */
	if (fd1 >= 0) {
		close(fd1);
		ck_assert_msg(n >= 2, "dsb_device_count() %d, but a second dsb device exists", n);
	}
	ck_assert_int_eq(dsb_device_open(&dev, 0), 0);
	ck_assert_int_ge(dev.fd, 0);
	ck_assert_int_eq(dev.index, 0);
	ck_assert_uint_eq(dev.uapi_version, DRM_DSB_UAPI_VERSION);
	ck_assert_int_eq(dsb_get_param(&dev, DRM_DSB_PARAM_UAPI_VERSION, &v), 0);
	ck_assert_uint_eq(v, DRM_DSB_UAPI_VERSION);
	ck_assert_int_eq(dsb_get_param(&dev, DRM_DSB_PARAM_MAX_FENCE_SLOTS, &v), 0);
	ck_assert_uint_ge(v, 64);
	ck_assert_int_eq(dsb_get_param(&dev, 0xffff, &v), -EINVAL);
	ck_assert_int_eq(dsb_device_open(&dev2, n), -ENODEV);
	ck_assert_int_eq(dsb_device_open(&dev2, -1), -EINVAL);
	if (n > 1) {
		ck_assert_int_eq(dsb_device_open(&dev2, 1), 0);
		ck_assert_str_ne(dev.path, dev2.path);
		ck_assert_int_eq(dsb_get_param(&dev2, DRM_DSB_PARAM_DEVICE_INDEX,
					       &v), 0);
		ck_assert_uint_eq(v, 1);
		dsb_device_close(&dev2);
	}
	/* Wrapping a borrowed fd does not close it. */
	ck_assert_int_eq(dsb_device_from_fd(&dev2, dev.fd), 0);
	dsb_device_close(&dev2);
	ck_assert_int_eq(dsb_get_param(&dev, DRM_DSB_PARAM_UAPI_VERSION, &v), 0);
	ck_assert_int_eq(dsb_device_from_fd(&dev2, -1), -EBADF);
	dsb_device_close(&dev);
}
END_TEST

START_TEST(test_bo)
{
	struct dsb_device a, b;
	struct dsb_bo bo, imp;
	int fd;

	ck_assert_int_eq(dsb_device_open(&a, 0), 0);
	ck_assert_int_eq(dsb_device_open(&b, 0), 0);	/* second file */
	ck_assert_int_eq(dsb_bo_create(&a, 5000, &bo), 0);
	ck_assert_uint_eq(bo.size, 8192);
	ck_assert_uint_ne(bo.va, 0);
	ck_assert_ptr_nonnull(bo.map);
	memset(bo.map, 0x5a, bo.size);
	ck_assert_int_eq(dsb_bo_export_fd(&a, &bo, &fd), 0);
	ck_assert_int_eq(dsb_bo_import_fd(&b, fd, &imp), 0);
	close(fd);
	ck_assert_uint_eq(imp.size, bo.size);
	ck_assert_uint_ne(imp.va, 0);
	ck_assert_uint_eq(((unsigned char *)imp.map)[4999], 0x5a);
	ck_assert_int_eq(dsb_bo_destroy(&b, &imp), 0);
	ck_assert_int_eq(dsb_bo_destroy(&a, &bo), 0);
	ck_assert_int_eq(dsb_bo_create(&a, 0, &bo), -EINVAL);
	ck_assert_int_eq(dsb_bo_import_fd(&b, -1, &imp), -EBADF);
	dsb_device_close(&b);
	dsb_device_close(&a);
}
END_TEST

START_TEST(test_queue_init_status)
{
	struct dsb_queue_params p = { .fence_slots = 16, .ring_packets = 64 };
	struct drm_dsb_queue_status st;
	struct dsb_device dev;
	struct dsb_queue q;

	ck_assert_int_eq(dsb_device_open(&dev, 0), 0);
	ck_assert_int_eq(dsb_queue_init(&dev, &q, &p), 0);
	ck_assert_uint_eq(q.nr_slots, 16);
	ck_assert_uint_eq(q.sq.ring_entries, 16);
	ck_assert_uint_eq(q.cq.ring_entries, 32);
	ck_assert_uint_eq(dsb_sq_space_left(&q), 16);
	ck_assert_uint_eq(dsb_cq_ready(&q), 0);
	ck_assert_int_eq(dsb_queue_status(&q, &st), 0);
	ck_assert_uint_eq(st.state, DRM_DSB_QUEUE_ACTIVE);
	ck_assert_uint_eq(st.submitted, 0);
	dsb_queue_exit(&q);

	p.fence_slots = 12;		/* not a power of two */
	ck_assert_int_eq(dsb_queue_init(&dev, &q, &p), -EINVAL);
	p.fence_slots = 0;
	p.resv[0] = 1;			/* reserved MBZ */
	ck_assert_int_eq(dsb_queue_init(&dev, &q, &p), -EINVAL);
	p.resv[0] = 0;
	p.flags = 1u << 30;		/* unknown flag */
	ck_assert_int_eq(dsb_queue_init(&dev, &q, &p), -EINVAL);
	ck_assert_int_eq(dsb_queue_init(&dev, &q, NULL), 0);
	ck_assert_uint_eq(q.nr_slots, 64);
	dsb_queue_exit(&q);
	dsb_device_close(&dev);
}
END_TEST

START_TEST(test_one_job)
{
	struct ctx c;
	struct drm_dsb_cqe *cqe;
	struct drm_dsb_sqe *sqe;
	uint32_t slot;
	int32_t err = 1;

	ctx_init(&c, NULL);
	sqe = prep_write(&c, 3, 42, 0xfeed);
	ck_assert_ptr_nonnull(sqe);
	slot = sqe->slot;
	ck_assert_int_eq(dsb_submit(&c.q), 1);
	ck_assert_int_eq(dsb_submit(&c.q), 0);	/* nothing more */
	ck_assert_int_eq(dsb_wait_cqe_timeout(&c.q, &cqe, tmo(10 * SEC)), 0);
	ck_assert_uint_eq(cqe->user_data, 0xfeed);
	ck_assert_uint_eq(cqe->seqno, 1);
	ck_assert_int_eq(cqe->error, 0);
	ck_assert_uint_eq(cqe->slot, slot);
	ck_assert_uint_eq(c.words[3], 42);
	ck_assert_int_eq(dsb_slot_done(&c.q, slot, 1), 1);
	ck_assert_int_eq(dsb_slot_done(&c.q, slot, 2), 0);
	ck_assert_uint_ge(dsb_queue_completed(&c.q), 1);
	ck_assert_int_eq(dsb_wait_seqno(&c.q, 1, 0, &err), 0);
	ck_assert_int_eq(err, 0);
	ck_assert_int_eq(dsb_cqe_seen(&c.q, cqe), 0);
	/* Nothing in flight: a wait would never end. */
	ck_assert_int_eq(dsb_wait_cqe(&c.q, &cqe), -EAGAIN);
	/* A seqno never submitted. */
	ck_assert_int_eq(dsb_wait_seqno(&c.q, 1000, SEC, NULL), -EINVAL);
	ctx_fini(&c);
}
END_TEST

/* SQ/CQ wraparound: many laps of a small queue, every result checked. */
START_TEST(test_wraparound_laps)
{
	struct dsb_queue_params p = { .fence_slots = 8, .ring_packets = 64 };
	const uint64_t total = 8 * 8 * 50;	/* 50 CQ laps */
	uint64_t next = 0, expect = 0;
	uint32_t uses[8] = { 0 };
	struct ctx c;

	ctx_init(&c, &p);
	while (expect < total) {
		struct drm_dsb_cqe *cqe;
		unsigned int batch = 1 + (unsigned int)(next % 8);

		while (batch-- && next < total &&
		       prep_write(&c, next % 1024, val(next), next))
			next++;
		ck_assert_int_ge(dsb_submit(&c.q), 0);
		ck_assert_int_eq(dsb_wait_cqe_timeout(&c.q, &cqe, tmo(10 * SEC)), 0);
		do {
			ck_assert_uint_eq(cqe->user_data, expect);
			ck_assert_uint_eq(cqe->seqno, expect + 1);
			ck_assert_int_eq(cqe->error, 0);
			ck_assert_uint_lt(cqe->slot, 8);
			ck_assert_uint_eq(c.words[expect % 1024], val(expect));
			uses[cqe->slot]++;
			expect++;
			ck_assert_int_eq(dsb_cqe_seen(&c.q, cqe), 0);
		} while (dsb_peek_cqe(&c.q, &cqe) == 0);
	}
	/* Every slot was reused many times, and all are free again. */
	for (int i = 0; i < 8; i++)
		ck_assert_uint_gt(uses[i], 10);
	ck_assert_uint_eq(c.q.slots_free, 8);
	ck_assert_uint_eq(*c.q.cq.khead, total);
	ctx_fini(&c);
}
END_TEST

/*
 * Steady state allocates no fence (issue 16): a job's fence comes from its
 * queue's fence pool, so a queue with 8 slots running 3,200 jobs allocates
 * at most 16 fences (the pool keeps two per slot: a CQE is seen a little
 * before its job's fence is released), and all are freed with the queue.
 * And fences on demand (issue 30): these jobs signal no syncobj and have
 * no buffer list, so only the last job of each batch (one dsb_submit())
 * has a fence, which the shrinker may wait for; the others have none.
 */
START_TEST(test_steady_state_reuses_fences)
{
	struct dsb_queue_params p = { .fence_slots = 8, .ring_packets = 64 };
	const uint64_t total = 8 * 8 * 50;
	long long reuse0, reuse1, pooled0, pooled1, live0, live1, alloc0, alloc1;
	uint64_t next = 0, expect = 0, batches = 0;
	struct ctx c;

	ck_assert_int_eq(dsb_test_debugfs_counter(0, "fence_reuses", &reuse0), 0);
	ck_assert_int_eq(dsb_test_debugfs_counter(0, "fence_allocs", &alloc0), 0);
	ck_assert_int_eq(dsb_test_debugfs_counter(0, "pooled_fences", &pooled0), 0);
	ck_assert_int_eq(dsb_test_debugfs_counter(0, "live_fences", &live0), 0);
	ctx_init(&c, &p);
	while (expect < total) {
		struct drm_dsb_cqe *cqe;
		int n;

		while (next < total && next - expect < 8 && prep_write(&c, next % 1024, val(next), next))
			next++;
		n = dsb_submit(&c.q);
		ck_assert_int_ge(n, 0);
		batches += n > 0;
		ck_assert_int_eq(dsb_wait_cqe_timeout(&c.q, &cqe, tmo(10 * SEC)), 0);
		do {
			ck_assert_uint_eq(cqe->user_data, expect);
			ck_assert_int_eq(cqe->error, 0);
			ck_assert_uint_eq(c.words[expect % 1024], val(expect));
			expect++;
			ck_assert_int_eq(dsb_cqe_seen(&c.q, cqe), 0);
		} while (dsb_peek_cqe(&c.q, &cqe) == 0);
	}
	ck_assert_int_eq(dsb_test_debugfs_counter(0, "fence_reuses", &reuse1), 0);
	ck_assert_int_eq(dsb_test_debugfs_counter(0, "fence_allocs", &alloc1), 0);
	ck_assert_int_eq(dsb_test_debugfs_counter(0, "pooled_fences", &pooled1), 0);
	printf("fence pool: %llu jobs in %llu batches, %lld fences allocated, %lld reused, %lld pooled\n",
	       (unsigned long long)total, (unsigned long long)batches, alloc1 - alloc0,
	       reuse1 - reuse0, pooled1 - pooled0);
	ck_assert_msg(alloc1 - alloc0 <= 16, "%llu jobs allocated %lld fences: more than two per slot",
		      (unsigned long long)total, alloc1 - alloc0);
	ck_assert_msg(alloc1 - alloc0 + reuse1 - reuse0 <= (long long)batches,
		      "%llu jobs in %llu batches took %lld fences: more than one per batch",
		      (unsigned long long)total, (unsigned long long)batches,
		      alloc1 - alloc0 + reuse1 - reuse0);
	ck_assert_int_le(pooled1 - pooled0, 16);
	ctx_fini(&c);
	/* The queue's release drained its pool: nothing stays behind. */
	for (int i = 0; i < 200; i++) {
		ck_assert_int_eq(dsb_test_debugfs_counter(0, "pooled_fences", &pooled1), 0);
		ck_assert_int_eq(dsb_test_debugfs_counter(0, "live_fences", &live1), 0);
		if (pooled1 == pooled0 && live1 == live0)
			break;
		usleep(10000);
	}
	ck_assert_int_eq(pooled1, pooled0);
	ck_assert_int_eq(live1, live0);
}
END_TEST

START_TEST(test_slot_exhaustion_and_misuse)
{
	struct dsb_queue_params p = { .fence_slots = 4 };
	struct drm_dsb_cqe *cqe, *first;
	struct drm_dsb_sqe *sqe;
	uint32_t mine;
	struct ctx c;
	int i;

	ctx_init(&c, &p);
	/* The first job holds the engine so the others stay in flight. */
	sqe = dsb_get_sqe(&c.q);
	{
		struct dsb_cmdbuf cb;

		slot_cmdbuf(&c, sqe, &cb);
		dsb_cmd_memwait(&cb, c.data.va + 4096, 1, 0);
		dsb_prep_exec(sqe, cb.va, dsb_cmdbuf_len(&cb));
	}
	for (i = 1; i < 4; i++)
		ck_assert_ptr_nonnull(prep_write(&c, (uint64_t)i, val(i), i));
	/* Submitting beyond the free slots: no SQE to be had. */
	ck_assert_ptr_null(dsb_get_sqe(&c.q));
	ck_assert_uint_eq(dsb_sq_space_left(&c.q), 0);
	ck_assert_int_eq(dsb_submit(&c.q), 4);
	ck_assert_ptr_null(dsb_get_sqe(&c.q));
	ck_assert_int_eq(dsb_wait_cqe_timeout(&c.q, &cqe, 1000000), -ETIME);

	/* Release the engine. */
	__atomic_store_n(&c.words[512], 1, __ATOMIC_RELEASE);
	ck_assert_int_eq(dsb_submit_and_wait(&c.q, 4), 0);
	ck_assert_uint_eq(dsb_cq_ready(&c.q), 4);
	ck_assert_int_eq(dsb_peek_cqe(&c.q, &first), 0);
	ck_assert_int_eq(dsb_cqe_seen(&c.q, first + 1), -EINVAL);
	ck_assert_int_eq(dsb_cqe_seen(&c.q, first), 0);
	/* Seeing the same CQE twice. */
	ck_assert_int_eq(dsb_cqe_seen(&c.q, first), -EINVAL);
	ck_assert_uint_eq(dsb_cq_ready(&c.q), 3);
	while (dsb_peek_cqe(&c.q, &cqe) == 0)
		ck_assert_int_eq(dsb_cqe_seen(&c.q, cqe), 0);
	ck_assert_int_eq(dsb_cqe_seen(&c.q, cqe), -EINVAL);
	ck_assert_uint_eq(c.q.slots_free, 4);

	/* Changing the slot the library gave an SQE is refused. */
	sqe = prep_write(&c, 0, 1, 1);
	mine = sqe->slot;
	sqe->slot = (mine + 1) % 4;
	ck_assert_int_eq(dsb_submit(&c.q), -EINVAL);
	sqe->slot = mine;
	ck_assert_int_eq(dsb_submit(&c.q), 1);
	ck_assert_int_eq(dsb_wait_cqe(&c.q, &cqe), 0);
	ck_assert_int_eq(dsb_cqe_seen(&c.q, cqe), 0);
	ctx_fini(&c);
}
END_TEST

START_TEST(test_bad_sqe_error_cqe)
{
	struct drm_dsb_cqe *cqe;
	struct drm_dsb_sqe *sqe;
	struct ctx c;

	ctx_init(&c, NULL);
	sqe = prep_write(&c, 0, 1, 100);
	sqe->cmd_len = 33;			/* not a multiple of 32 */
	ck_assert_int_ge(dsb_submit(&c.q), 1);
	ck_assert_int_eq(dsb_wait_cqe_timeout(&c.q, &cqe, tmo(10 * SEC)), 0);
	ck_assert_uint_eq(cqe->user_data, 100);
	ck_assert_int_eq(cqe->error, -EINVAL);
	ck_assert_int_eq(dsb_cqe_seen(&c.q, cqe), 0);
	ck_assert_uint_eq(c.q.slots_free, c.q.nr_slots);
	/* The queue still works. */
	prep_write(&c, 1, 5, 101);
	ck_assert_int_eq(dsb_submit_and_wait(&c.q, 1), 1);
	ck_assert_int_eq(dsb_peek_cqe(&c.q, &cqe), 0);
	ck_assert_int_eq(cqe->error, 0);
	ck_assert_uint_eq(c.words[1], 5);
	ck_assert_int_eq(dsb_cqe_seen(&c.q, cqe), 0);
	ctx_fini(&c);
}
END_TEST

START_TEST(test_wait_timeout_then_complete)
{
	struct drm_dsb_cqe *cqe;
	struct drm_dsb_sqe *sqe;
	struct dsb_cmdbuf cb;
	struct ctx c;
	int32_t err;

	ctx_init(&c, NULL);
	sqe = dsb_get_sqe(&c.q);
	slot_cmdbuf(&c, sqe, &cb);
	/* Held by a gate the test opens after the timed-out waits, not by time. */
	dsb_cmd_memwait(&cb, c.data.va + 8 * 2, 1, 0);
	dsb_cmd_delay(&cb, 50000000);		/* 50 ms */
	dsb_cmd_write(&cb, c.data.va, 9);
	dsb_prep_exec(sqe, cb.va, dsb_cmdbuf_len(&cb));
	ck_assert_int_eq(dsb_submit(&c.q), 1);
	ck_assert_int_eq(dsb_wait_cqe_timeout(&c.q, &cqe, 1000000), -ETIME);
	ck_assert_int_eq(dsb_wait_seqno(&c.q, 1, 1000000, &err), -ETIME);
	__atomic_store_n(&c.words[2], 1, __ATOMIC_RELEASE);
	ck_assert_int_eq(dsb_wait_seqno(&c.q, 1, tmo(10 * SEC), &err), 0);
	ck_assert_int_eq(err, 0);
	ck_assert_int_eq(dsb_wait_cqe(&c.q, &cqe), 0);
	ck_assert_uint_eq(c.words[0], 9);
	ck_assert_int_eq(dsb_cqe_seen(&c.q, cqe), 0);
	ctx_fini(&c);
}
END_TEST

START_TEST(test_isa_all_ops)
{
	struct drm_dsb_cqe *cqe;
	struct drm_dsb_sqe *sqe;
	struct dsb_cmdbuf cb;
	struct dsb_bo big;
	struct ctx c;
	uint64_t *w;

	ctx_init(&c, NULL);
	ck_assert_int_eq(dsb_bo_create(&c.dev, 4096, &big), 0);
	w = big.map;
	memset(w, 0, 4096);
	w[1] = 0x1111;
	w[4] = 5;			/* atomic add target */
	w[6] = 3;			/* memwait word, already >= 3 */
	dsb_cmdbuf_init(&cb, (char *)big.map + 2048, 2048, big.va + 2048);
	dsb_cmd_nop(&cb);
	dsb_cmd_write(&cb, big.va, 0x2222);
	dsb_cmd_copy(&cb, big.va + 16, big.va + 8, 8);
	dsb_cmd_fill(&cb, big.va + 24, 0xcdcdcdcd, 8);
	dsb_cmd_atomic_add(&cb, big.va + 32, 10);
	dsb_cmd_timestamp(&cb, big.va + 40);
	dsb_cmd_memwait(&cb, big.va + 48, 3, DRM_DSB_MEMWAIT_EQ);
	dsb_cmd_delay(&cb, 1000);
	for (uint32_t i = 0; i < cb.count; i++)
		ck_assert_int_eq(dsb_instr_check(&cb.instrs[i]), 0);
	sqe = dsb_get_sqe(&c.q);
	dsb_prep_exec(sqe, cb.va, dsb_cmdbuf_len(&cb));
	ck_assert_int_eq(dsb_submit_and_wait(&c.q, 1), 1);
	ck_assert_int_eq(dsb_peek_cqe(&c.q, &cqe), 0);
	ck_assert_int_eq(cqe->error, 0);
	ck_assert_uint_eq(w[0], 0x2222);
	ck_assert_uint_eq(w[2], 0x1111);
	ck_assert_uint_eq(w[3], 0xcdcdcdcdcdcdcdcdull);
	ck_assert_uint_eq(w[4], 15);
	ck_assert_uint_gt(w[5], 0);
	ck_assert_uint_le(w[5], (uint64_t)dsb_test_now_ns());
	ck_assert_int_eq(dsb_cqe_seen(&c.q, cqe), 0);
	ck_assert_int_eq(dsb_bo_destroy(&c.dev, &big), 0);
	ctx_fini(&c);
}
END_TEST

START_TEST(test_fault_bans_queue)
{
	struct drm_dsb_queue_status st;
	struct drm_dsb_cqe *cqe;
	struct drm_dsb_sqe *sqe;
	struct dsb_cmdbuf cb;
	struct ctx c;
	int32_t err = 0;

	ctx_init(&c, NULL);
	sqe = dsb_get_sqe(&c.q);
	slot_cmdbuf(&c, sqe, &cb);
	dsb_cmd_write(&cb, 0x10, 1);		/* unmapped VA */
	dsb_prep_exec(sqe, cb.va, dsb_cmdbuf_len(&cb));
	prep_write(&c, 0, 1, 2);		/* after it: cancelled */
	ck_assert_int_eq(dsb_submit(&c.q), 2);
	ck_assert_int_eq(dsb_wait_cqe_timeout(&c.q, &cqe, tmo(10 * SEC)), 0);
	ck_assert_int_eq(cqe->error, -EIO);
	ck_assert_int_eq(dsb_slot_error(&c.q, cqe->slot), -EIO);
	ck_assert_int_eq(dsb_wait_seqno(&c.q, 1, tmo(SEC), &err), 0);
	ck_assert_int_eq(err, -EIO);
	ck_assert_int_eq(dsb_cqe_seen(&c.q, cqe), 0);
	ck_assert_int_eq(dsb_wait_cqe_timeout(&c.q, &cqe, tmo(10 * SEC)), 0);
	ck_assert_int_eq(cqe->error, -ECANCELED);
	ck_assert_int_eq(dsb_cqe_seen(&c.q, cqe), 0);
	ck_assert_int_eq(dsb_queue_status(&c.q, &st), 0);
	ck_assert_uint_eq(st.state, DRM_DSB_QUEUE_BANNED);
	ck_assert_uint_eq(st.fault, DRM_DSB_FAULT_BAD_VA);
	ck_assert_str_eq(dsb_fault_name(st.fault), "bad-va");
	ck_assert_uint_eq(st.fault_seqno, 1);
	/* Later submits fail with a clear error: an error CQE or -ECANCELED. */
	prep_write(&c, 0, 1, 3);
	{
		int r = dsb_submit(&c.q);

		if (r == 1) {
			ck_assert_int_eq(dsb_wait_cqe_timeout(&c.q, &cqe,
							      tmo(10 * SEC)), 0);
			ck_assert_int_eq(cqe->error, -ECANCELED);
			ck_assert_int_eq(dsb_cqe_seen(&c.q, cqe), 0);
		} else {
			ck_assert_int_eq(r, -ECANCELED);
		}
	}
	ctx_fini(&c);
}
END_TEST

START_TEST(test_syncobjs)
{
	struct drm_dsb_cqe *cqe;
	struct drm_dsb_sqe *sqe;
	uint32_t bin, tl, imp, first = 99;
	uint64_t point = 5;
	int sync_file = -1;
	struct ctx c;

	ctx_init(&c, NULL);
	ck_assert_int_eq(dsb_syncobj_create(&c.dev, 0, &bin), 0);
	ck_assert_int_eq(dsb_syncobj_create(&c.dev, 0, &tl), 0);
	/* An unsignalled syncobj with no fence: nothing to wait on yet. */
	ck_assert_int_eq(dsb_syncobj_wait(&c.dev, &bin, 1, 1000000, 0, NULL),
			 -EINVAL);

	sqe = prep_write(&c, 0, 1, 1);
	ck_assert_int_eq(dsb_prep_signal_syncobj(sqe, bin), 0);
	ck_assert_int_eq(dsb_prep_signal_timeline(sqe, tl, point), 0);
	ck_assert_int_eq(dsb_submit(&c.q), 1);
	ck_assert_int_eq(dsb_syncobj_wait(&c.dev, &bin, 1, tmo(10 * SEC), 0,
					  &first), 0);
	ck_assert_uint_eq(first, 0);
	ck_assert_int_eq(dsb_syncobj_timeline_wait(&c.dev, &tl, &point, 1,
						   tmo(10 * SEC), 0, NULL), 0);
	ck_assert_int_eq(dsb_syncobj_export_sync_file(&c.dev, bin, &sync_file), 0);
	ck_assert_int_ge(sync_file, 0);

	/* A job waiting on all three kinds of dependency. */
	sqe = prep_write(&c, 1, 2, 2);
	ck_assert_int_eq(dsb_prep_wait_syncobj(sqe, bin), 0);
	ck_assert_int_eq(dsb_prep_wait_timeline(sqe, tl, point), 0);
	ck_assert_int_eq(dsb_prep_wait_sync_file(sqe, sync_file), 0);
	ck_assert_int_eq(dsb_submit_and_wait(&c.q, 2), 1);
	while (dsb_peek_cqe(&c.q, &cqe) == 0) {
		ck_assert_int_eq(cqe->error, 0);
		ck_assert_int_eq(dsb_cqe_seen(&c.q, cqe), 0);
	}
	ck_assert_uint_eq(c.words[1], 2);
	close(sync_file);

	/* Round trip through a sync_file into a fresh syncobj. */
	ck_assert_int_eq(dsb_syncobj_export_sync_file(&c.dev, bin, &sync_file), 0);
	ck_assert_int_eq(dsb_syncobj_create(&c.dev, 0, &imp), 0);
	ck_assert_int_eq(dsb_syncobj_import_sync_file(&c.dev, imp, sync_file), 0);
	close(sync_file);
	ck_assert_int_eq(dsb_syncobj_wait(&c.dev, &imp, 1, 0, 0, NULL), 0);
	ck_assert_int_eq(dsb_syncobj_destroy(&c.dev, imp), 0);
	ck_assert_int_eq(dsb_syncobj_destroy(&c.dev, bin), 0);
	ck_assert_int_eq(dsb_syncobj_destroy(&c.dev, bin), -EINVAL);
	ck_assert_int_eq(dsb_syncobj_destroy(&c.dev, tl), 0);
	ctx_fini(&c);
}
END_TEST

START_TEST(test_submit_jobs_ioctl)
{
	struct drm_dsb_sync_op sig;
	struct drm_dsb_job job[2];
	struct dsb_cmdbuf cb;
	uint32_t so, bad = 99;
	struct ctx c;

	ctx_init(&c, NULL);
	ck_assert_int_eq(dsb_syncobj_create(&c.dev, 0, &so), 0);
	dsb_cmdbuf_init(&cb, c.cmd.map, CMD_AREA, c.cmd.va);
	dsb_cmd_write(&cb, c.data.va, 77);
	sig = (struct drm_dsb_sync_op){
		.flags = DRM_DSB_SYNC_OP_SIGNAL | DRM_DSB_SYNC_OP_SYNCOBJ,
		.handle = so,
	};
	memset(job, 0, sizeof(job));
	job[0].queue_id = c.q.queue_id;
	job[0].slot = 0;
	job[0].cmd_va = cb.va;
	job[0].cmd_len = dsb_cmdbuf_len(&cb);
	job[0].syncs = (struct drm_dsb_obj_array){ sizeof(sig), 1,
						   (uintptr_t)&sig };
	job[1] = job[0];
	job[1].syncs.count = 0;
	job[1].slot = 0;			/* the same slot twice: -EBUSY */
	ck_assert_int_eq(dsb_submit_jobs(&c.dev, job, 2, &bad), -EBUSY);
	ck_assert_uint_eq(bad, 1);
	ck_assert_uint_eq(c.words[0], 0);	/* all or nothing */
	ck_assert_int_eq(dsb_submit_jobs(&c.dev, job, 1, NULL), 0);
	ck_assert_uint_eq(job[0].seqno, 1);
	ck_assert_int_eq(dsb_syncobj_wait(&c.dev, &so, 1, tmo(10 * SEC), 0,
					  NULL), 0);
	ck_assert_uint_eq(c.words[0], 77);
	ck_assert_int_eq(dsb_syncobj_destroy(&c.dev, so), 0);
	ctx_fini(&c);
}
END_TEST

/* Several threads, each with its own queue, all results verified. */
struct thr {
	int index;
	int ret;
	uint64_t done;
};

static void *thread_main(void *arg)
{
	struct dsb_queue_params p = { .fence_slots = 16 };
	struct thr *t = arg;
	const uint64_t total = 1500;
	uint64_t next = 0;
	struct ctx c;

	/* ck_assert from a thread would abort the whole test: count instead. */
	if (dsb_device_open(&c.dev, 0) || dsb_queue_init(&c.dev, &c.q, &p) ||
	    dsb_bo_create(&c.dev, 1 << 16, &c.data) ||
	    dsb_bo_create(&c.dev, 16 * CMD_AREA, &c.cmd)) {
		t->ret = -1;
		return NULL;
	}
	c.words = c.data.map;
	while (t->done < total) {
		struct drm_dsb_cqe *cqe;

		while (next < total &&
		       prep_write(&c, next % 4096, val(next) ^ (uint64_t)t->index,
				  next))
			next++;
		if (dsb_submit(&c.q) < 0 ||
		    dsb_wait_cqe_timeout(&c.q, &cqe, tmo(30 * SEC))) {
			t->ret = -2;
			break;
		}
		do {
			if (cqe->error || cqe->user_data != t->done ||
			    c.words[t->done % 4096] !=
			    (val(t->done) ^ (uint64_t)t->index))
				t->ret = -3;
			t->done++;
			if (dsb_cqe_seen(&c.q, cqe))
				t->ret = -4;
		} while (dsb_peek_cqe(&c.q, &cqe) == 0);
		if (t->ret)
			break;
	}
	dsb_bo_destroy(&c.dev, &c.cmd);
	dsb_bo_destroy(&c.dev, &c.data);
	dsb_queue_exit(&c.q);
	dsb_device_close(&c.dev);
	return NULL;
}

START_TEST(test_threads_own_queues)
{
	struct thr t[4];
	pthread_t id[4];
	int i;

	for (i = 0; i < 4; i++) {
		t[i] = (struct thr){ .index = i };
		ck_assert_int_eq(pthread_create(&id[i], NULL, thread_main, &t[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(id[i], NULL);
		ck_assert_int_eq(t[i].ret, 0);
		ck_assert_uint_eq(t[i].done, 1500);
	}
}
END_TEST

/*
 * Fences on demand through libdsb 1.4: a job held by a MEMWAIT, neither
 * the last of its batch nor signalling anything, gets a sync_file and a
 * syncobj from dsb_queue_fence_to_*() and through
 * dsb_uring_prep_fence_to_fd(); a job of a second queue waits for it with
 * dsb_prep_wait_queue(). All of them signal when it is released.
 */
START_TEST(test_fences_on_demand)
{
	struct dsb_queue_params p = { .fence_slots = 16 };
	struct drm_dsb_queue_status st;
	struct drm_dsb_sqe *sqe;
	struct drm_dsb_cqe *cqe;
	struct dsb_queue q2;
	struct io_uring ring;
	struct io_uring_cqe *ucqe;
	struct dsb_cmdbuf cb;
	struct pollfd pfd;
	uint32_t so, uso;
	uint64_t held;
	int sf = -1, usf, ierr;
	struct ctx c;

	ctx_init(&c, &p);
	ck_assert_int_eq(dsb_queue_init(&c.dev, &q2, &p), 0);
	/* Batch of two: words[0] >= 1, then a NOP-like write. */
	sqe = dsb_get_sqe(&c.q);
	slot_cmdbuf(&c, sqe, &cb);
	ck_assert_int_eq(dsb_cmd_memwait(&cb, c.data.va, 1, 0), 0);
	ck_assert_int_eq(dsb_cmd_write(&cb, c.data.va + 8, 11), 0);
	dsb_prep_exec(sqe, cb.va, dsb_cmdbuf_len(&cb));
	ck_assert_ptr_nonnull(prep_write(&c, 3, 33, 2));
	ck_assert_int_eq(dsb_submit(&c.q), 2);
	ck_assert_int_eq(dsb_queue_status(&c.q, &st), 0);
	held = st.submitted - 1;

	ck_assert_int_eq(dsb_queue_fence_to_sync_file(&c.q, held, &sf), 0);
	ck_assert_int_ge(sf, 0);
	ck_assert_int_eq(dsb_queue_fence_to_syncobj(&c.q, held, &so), 0);
	ck_assert_int_eq(dsb_test_sync_file_status(sf, &ierr), 0);
	ck_assert_int_eq(dsb_syncobj_wait(&c.dev, &so, 1, 0, 0, NULL), -ETIME);
	ck_assert_int_eq(dsb_queue_fence_to_syncobj(&c.q, 0, &so), -EINVAL);
	ck_assert_int_eq(dsb_queue_fence_to_sync_file(&c.q, held + 2, &usf), -EINVAL);

	ck_assert_int_eq(io_uring_queue_init(4, &ring, 0), 0);
	dsb_uring_prep_fence_to_fd(io_uring_get_sqe(&ring), c.dev.fd, c.q.queue_id, held,
				   DRM_DSB_FENCE_TO_SYNC_FILE);
	ck_assert_int_eq(io_uring_submit_and_wait(&ring, 1), 1);
	ck_assert_int_eq(io_uring_wait_cqe(&ring, &ucqe), 0);
	usf = ucqe->res;
	io_uring_cqe_seen(&ring, ucqe);
	ck_assert_msg(usf >= 0, "FENCE_TO_FD: %d", usf);
	dsb_uring_prep_fence_to_fd(io_uring_get_sqe(&ring), c.dev.fd, c.q.queue_id, held,
				   DRM_DSB_FENCE_TO_SYNCOBJ);
	ck_assert_int_eq(io_uring_submit_and_wait(&ring, 1), 1);
	ck_assert_int_eq(io_uring_wait_cqe(&ring, &ucqe), 0);
	ck_assert_msg(ucqe->res > 0, "FENCE_TO_FD syncobj: %d", ucqe->res);
	uso = (uint32_t)ucqe->res;
	io_uring_cqe_seen(&ring, ucqe);
	io_uring_queue_exit(&ring);

	/* The second queue's job waits for the held one. */
	sqe = dsb_get_sqe(&q2);
	ck_assert_ptr_nonnull(sqe);
	/* Command area 15 of c: c.q's jobs hold areas 0 and 1. */
	dsb_cmdbuf_init(&cb, (char *)c.cmd.map + 15 * CMD_AREA, CMD_AREA,
			c.cmd.va + 15 * CMD_AREA);
	ck_assert_int_eq(dsb_cmd_write(&cb, c.data.va + 16, 5), 0);
	dsb_prep_exec(sqe, cb.va, dsb_cmdbuf_len(&cb));
	ck_assert_int_eq(dsb_prep_wait_queue(sqe, c.q.queue_id, held), 0);
	dsb_sqe_set_data64(sqe, 0x42);
	ck_assert_int_eq(dsb_submit(&q2), 1);
	ck_assert_int_eq(dsb_wait_cqe_timeout(&q2, &cqe, 50 * 1000 * 1000), -ETIME);
	ck_assert_uint_eq(c.words[2], 0);

	__atomic_store_n(&c.words[0], 1, __ATOMIC_RELEASE);
	ck_assert_int_eq(dsb_wait_cqe_timeout(&q2, &cqe, tmo(10 * SEC)), 0);
	ck_assert_uint_eq(cqe->user_data, 0x42);
	ck_assert_int_eq(cqe->error, 0);
	ck_assert_int_eq(dsb_cqe_seen(&q2, cqe), 0);
	ck_assert_uint_eq(c.words[2], 5);
	pfd = (struct pollfd){ .fd = sf, .events = POLLIN };
	ck_assert_int_eq(poll(&pfd, 1, 10000), 1);
	ck_assert_int_eq(dsb_test_sync_file_status(sf, &ierr), 1);
	pfd.fd = usf;
	ck_assert_int_eq(poll(&pfd, 1, 10000), 1);
	ck_assert_int_eq(dsb_test_sync_file_status(usf, &ierr), 1);
	ck_assert_int_eq(dsb_syncobj_wait(&c.dev, &so, 1, tmo(10 * SEC), 0, NULL), 0);
	ck_assert_int_eq(dsb_syncobj_wait(&c.dev, &uso, 1, tmo(10 * SEC), 0, NULL), 0);
	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq(dsb_wait_cqe_timeout(&c.q, &cqe, tmo(10 * SEC)), 0);
		ck_assert_int_eq(cqe->error, 0);
		ck_assert_int_eq(dsb_cqe_seen(&c.q, cqe), 0);
	}
	ck_assert_uint_eq(c.words[1], 11);
	ck_assert_uint_eq(c.words[3], 33);
	close(sf);
	close(usf);
	ck_assert_int_eq(dsb_syncobj_destroy(&c.dev, so), 0);
	ck_assert_int_eq(dsb_syncobj_destroy(&c.dev, uso), 0);
	dsb_queue_exit(&q2);
	ctx_fini(&c);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("lib_queue");
	TCase *tc = tcase_new(s, "queue", dsb_test_debug_kernel() ? 600 : 120);

	tcase_add_test(tc, test_device);
	tcase_add_test(tc, test_bo);
	tcase_add_test(tc, test_queue_init_status);
	tcase_add_test(tc, test_one_job);
	tcase_add_test(tc, test_wraparound_laps);
	tcase_add_test(tc, test_steady_state_reuses_fences);
	tcase_add_test(tc, test_slot_exhaustion_and_misuse);
	tcase_add_test(tc, test_bad_sqe_error_cqe);
	tcase_add_test(tc, test_wait_timeout_then_complete);
	tcase_add_test(tc, test_isa_all_ops);
	tcase_add_test(tc, test_fault_bans_queue);
	tcase_add_test(tc, test_syncobjs);
	tcase_add_test(tc, test_submit_jobs_ioctl);
	tcase_add_test(tc, test_threads_own_queues);
	tcase_add_test(tc, test_fences_on_demand);
	return vm_run(s, VM_SKIP_WITHOUT_DEVICE);
}
