/* SPDX-License-Identifier: MIT */
/* Copyright (C) 2026 The dsb authors */
/*
 * Shared pieces of the lib_uring_*_test programs (dsb through io_uring:
 * IORING_OP_URING_CMD on the dsb render node, kmod/dsb_uring.c, driven
 * from a caller's ring with the libdsb helpers, and libdsb's own io_uring
 * backend): a libdsb queue with a data BO and one command area per fence
 * slot, jobs held by a MEMWAIT on a gate word, io_uring set-up and reaping.
 */
#ifndef DSB_VM_LIB_URING_H
#define DSB_VM_LIB_URING_H

#include <liburing.h>
#include <time.h>

#include "dsb.h"
#include "vm_suite.h"

#define SEC		1000000000ll
#define GATE		1000		/* words[GATE]: the hold word */
#define CMD_AREA	128		/* command bytes per fence slot */

struct ctx {
	struct dsb_device dev;
	struct dsb_queue q;
	struct dsb_bo data, cmd;
	volatile uint64_t *words;
	uint64_t next_seqno;		/* seqno of the next job submitted */
};

static inline void ctx_init_params(struct ctx *c,
				   const struct dsb_queue_params *p)
{
	memset(c, 0, sizeof(*c));
	ck_assert_int_eq(dsb_device_open(&c->dev, 0), 0);
	ck_assert_int_eq(dsb_queue_init(&c->dev, &c->q, p), 0);
	ck_assert_int_eq(dsb_bo_create(&c->dev, 1 << 16, &c->data), 0);
	ck_assert_int_eq(dsb_bo_create(&c->dev, 64 * CMD_AREA, &c->cmd), 0);
	c->words = c->data.map;
	memset(c->data.map, 0, c->data.size);
	c->next_seqno = 1;
}

static inline void ctx_init(struct ctx *c, uint32_t flags)
{
	struct dsb_queue_params p = { .flags = flags, .fence_slots = 16 };

	ctx_init_params(c, &p);
}

static inline void ctx_fini(struct ctx *c)
{
	dsb_bo_destroy(&c->dev, &c->cmd);
	dsb_bo_destroy(&c->dev, &c->data);
	dsb_queue_exit(&c->q);
	dsb_device_close(&c->dev);
}

static inline void open_gate(struct ctx *c)
{
	__atomic_store_n(&c->words[GATE], 1, __ATOMIC_RELEASE);
}

/*
 * A job writing @value to words[@idx], after waiting for words[GATE] >= 1
 * when @hold. user_data = @idx. Its command buffer lives in its fence
 * slot's area, which is free while the slot is.
 */
static inline struct drm_dsb_sqe *prep(struct ctx *c, uint64_t idx,
				       uint64_t value, bool hold)
{
	struct drm_dsb_sqe *sqe = dsb_get_sqe(&c->q);
	struct dsb_cmdbuf cb;
	uint64_t off;

	if (!sqe)
		return NULL;
	off = (uint64_t)sqe->slot * CMD_AREA;
	ck_assert_uint_lt(off, c->cmd.size);
	dsb_cmdbuf_init(&cb, (char *)c->cmd.map + off, CMD_AREA, c->cmd.va + off);
	if (hold)
		ck_assert_int_eq(dsb_cmd_memwait(&cb, c->data.va + 8 * GATE, 1, 0), 0);
	ck_assert_int_eq(dsb_cmd_write(&cb, c->data.va + 8 * idx, value), 0);
	dsb_prep_exec(sqe, cb.va, dsb_cmdbuf_len(&cb));
	dsb_sqe_set_data64(sqe, idx);
	return sqe;
}

/* Reap every dsb CQE that is there, expecting @n of them with error 0. */
static inline void reap_dsb_cqes(struct ctx *c, unsigned int n)
{
	struct drm_dsb_cqe *cqe;

	while (n--) {
		ck_assert_int_eq(dsb_wait_cqe_timeout(&c->q, &cqe, 30 * SEC), 0);
		ck_assert_msg(cqe->error == 0, "dsb CQE seqno %llu error %d",
			      (unsigned long long)cqe->seqno, cqe->error);
		ck_assert_int_eq(dsb_cqe_seen(&c->q, cqe), 0);
	}
}

static inline void ring_init(struct io_uring *ring, unsigned int sq,
			     unsigned int cq)
{
	struct io_uring_params p = { 0 };

	if (cq) {
		p.flags = IORING_SETUP_CQSIZE;
		p.cq_entries = cq;
	}
	ck_assert_int_eq(io_uring_queue_init_params(sq, ring, &p), 0);
	if (cq)
		ck_assert_uint_ge(p.cq_entries, cq);
}

static inline struct io_uring_sqe *get_sqe(struct io_uring *ring, uint64_t ud)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

	ck_assert_ptr_nonnull(sqe);
	io_uring_sqe_set_data64(sqe, ud);
	return sqe;
}

/*
 * Fill a fresh SQE with @fn(sqe, ...), then set its user_data: the
 * dsb_uring_prep_*() helpers clear the whole SQE, user_data included.
 */
#define PREP(ring, ud, fn, ...) do {					\
	struct io_uring_sqe *sqe_ = io_uring_get_sqe(ring);		\
									\
	ck_assert_ptr_nonnull(sqe_);					\
	fn(sqe_, __VA_ARGS__);						\
	sqe_->user_data = (ud);						\
} while (0)

/* One CQE within @timeout_ms; returns 0 with *ud, *res, or -ETIME. */
static inline int reap_ms(struct io_uring *ring, long timeout_ms,
			  uint64_t *ud, int32_t *res)
{
	struct __kernel_timespec ts = {
		.tv_sec = timeout_ms / 1000,
		.tv_nsec = (timeout_ms % 1000) * 1000000,
	};
	struct io_uring_cqe *cqe;
	int ret;

	do
		ret = io_uring_wait_cqe_timeout(ring, &cqe, &ts);
	while (ret == -EINTR);
	if (ret)
		return ret;
	*ud = cqe->user_data;
	*res = cqe->res;
	io_uring_cqe_seen(ring, cqe);
	return 0;
}

static inline void reap(struct io_uring *ring, uint64_t *ud, int32_t *res)
{
	int ret = reap_ms(ring, 30000, ud, res);

	ck_assert_msg(ret == 0, "no CQE within 30 s: %d", ret);
}

/* Submit and reap one command on its own; returns its res. */
static inline int32_t run_one(struct io_uring *ring)
{
	uint64_t ud;
	int32_t res;

	ck_assert_int_eq(io_uring_submit(ring), 1);
	reap(ring, &ud, &res);
	return res;
}

static inline int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * SEC + ts.tv_nsec;
}

#endif /* DSB_VM_LIB_URING_H */
