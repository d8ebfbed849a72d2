// SPDX-License-Identifier: MIT
/* Copyright (C) 2026 The dsb authors */
/*
 * Containment under hostile userspace (issue 4), engine faults: GPU-side
 * scribble (command buffers writing into a ring's VA); bad opcode, bad
 * flags, bad/misaligned VA, overlong lengths, each with its documented
 * fault kind, fault_seqno and fault_va. A bystander process runs verified
 * work throughout (adversarial.h).
 */
#define _GNU_SOURCE
#include "adversarial.h"

/* --- GPU-side scribble -------------------------------------------------- */

START_TEST(test_gpu_writes_ring)
{
	struct dsb_test_queue q1 = queue_new(fd, 0, 8, 0), q2 = queue_new(fd, 0, 8, 0);
	struct dsb_test_queue q3 = queue_new(fd, 0, 8, 0);
	struct dsb_test_bo data;
	struct dsb_test_cmdbuf cb;
	struct arena a;
	uint64_t s, s2, va;
	volatile uint64_t *d;

	arena_init(fd, &a, 8);
	ck_assert_int_eq(dsb_test_bo_create(fd, PAGE, &data), 0);
	d = data.map;
	/* Reading a ring is allowed: copy q1's first packet out. */
	va = arena_cmd(&a, &cb);
	dsb_test_cmd_write(&cb, data.va, 1);
	s = submit_ok(fd, q1.id, 0, va, &cb, NULL, 0);
	ck_assert_int_eq(wait_job(fd, q1.id, s), 0);
	va = arena_cmd(&a, &cb);
	dsb_test_cmd_copy(&cb, data.va + 256, q1.create.ring_va, 64);
	s = submit_ok(fd, q1.id, 1, va, &cb, NULL, 0);
	ck_assert_int_eq(wait_job(fd, q1.id, s), 0);
	ck_assert_int_eq(memcmp((void *)(d + 32), q1.ring, 64), 0);

	/* WRITE into its own ring, and a job behind it (one batch, so that
	 * both are queued before the fault). */
	{
		struct dsb_test_cmdbuf cb2;
		struct drm_dsb_job jobs[2] = { { 0 } };
		struct drm_dsb_submit sb = {
			.jobs = { .stride = sizeof(jobs[0]), .count = 2,
				  .array = (uintptr_t)jobs },
		};

		jobs[0].cmd_va = arena_cmd(&a, &cb);
		dsb_test_cmd_write(&cb, q1.create.ring_va + 64 * 5, 0xbad);
		jobs[1].cmd_va = arena_cmd(&a, &cb2);
		dsb_test_cmd_write(&cb2, data.va + 8, 1);
		for (int i = 0; i < 2; i++) {
			jobs[i].queue_id = q1.id;
			jobs[i].slot = 2 + i;
			jobs[i].cmd_len = 32;
		}
		ck_assert_int_eq(dsb_test_ioctl(fd, DRM_IOCTL_DSB_SUBMIT, &sb), 0);
		s = jobs[0].seqno;
		s2 = jobs[1].seqno;
	}
	ck_assert_int_eq(wait_job(fd, q1.id, s), -EIO);
	ck_assert_int_eq(wait_job(fd, q1.id, s2), -ECANCELED);
	expect_fault(&q1, DRM_DSB_FAULT_RING_WRITE, s);
	ck_assert_uint_eq(status_of(fd, q1.id).fault_va, q1.create.ring_va + 64 * 5);
	ck_assert_uint_eq(d[1], 0);

	/* COPY into another queue's ring (same file). */
	va = arena_cmd(&a, &cb);
	dsb_test_cmd_copy(&cb, q3.create.ring_va, data.va, 64);
	s = submit_ok(fd, q2.id, 0, va, &cb, NULL, 0);
	ck_assert_int_eq(wait_job(fd, q2.id, s), -EIO);
	expect_fault(&q2, DRM_DSB_FAULT_RING_WRITE, s);
	ck_assert_uint_eq(status_of(fd, q2.id).fault_va, q3.create.ring_va);
	/* q3 itself is fine and its ring intact. */
	va = arena_cmd(&a, &cb);
	dsb_test_cmd_write(&cb, data.va + 16, 3);
	s = submit_ok(fd, q3.id, 0, va, &cb, NULL, 0);
	ck_assert_int_eq(wait_job(fd, q3.id, s), 0);
	ck_assert_uint_eq(d[2], 3);
}
END_TEST

/* --- engine faults ------------------------------------------------------ */

START_TEST(test_engine_fault_kinds)
{
	struct dsb_test_bo data;
	struct arena a;
	uint64_t va_start = 0, va_size = 0;
	int64_t t0 = dsb_test_now_ns();

	arena_init(fd, &a, 32);
	ck_assert_int_eq(dsb_test_bo_create(fd, PAGE, &data), 0);
	ck_assert_int_eq(dsb_test_get_param(fd, DRM_DSB_PARAM_VA_START, &va_start), 0);
	ck_assert_int_eq(dsb_test_get_param(fd, DRM_DSB_PARAM_VA_SIZE, &va_size), 0);
	for (int c = 0; c < 13; c++) {
		struct dsb_test_queue q = queue_new(fd, 0, 8, 0);
		struct dsb_test_cmdbuf cb;
		uint64_t va, s0, s, s2, cmd_va, want_va = 0;
		uint32_t kind, len;
		const char *what;

		/* A good job first: it completes, the fault is the next one's.
		 * It holds the queue (MEMWAIT on a gate) until all are queued. */
		((volatile uint64_t *)data.map)[4] = 0;
		va = arena_cmd(&a, &cb);
		dsb_test_cmd_memwait(&cb, data.va + 32, 1, 0);
		dsb_test_cmd_write(&cb, data.va + 8, c);
		s0 = submit_ok(fd, q.id, 0, va, &cb, NULL, 0);

		cmd_va = arena_cmd(&a, &cb);
		dsb_test_cmd_nop(&cb);
		switch (c) {
		case 0: what = "bad opcode";
			dsb_test_cmd_emit(&cb, 0x42, 0, data.va, 0, 0);
			kind = DRM_DSB_FAULT_BAD_OPCODE; break;
		case 1: what = "flags on WRITE";
			dsb_test_cmd_emit(&cb, DRM_DSB_OP_WRITE, 1, data.va, 0, 0);
			kind = DRM_DSB_FAULT_BAD_OPCODE; break;
		case 2: what = "unmapped VA (guard page)";
			want_va = data.va + data.size;
			dsb_test_cmd_write(&cb, want_va, 1);
			kind = DRM_DSB_FAULT_BAD_VA; break;
		case 3: what = "VA below the address space";
			want_va = va_start > PAGE ? va_start - PAGE : 8;
			dsb_test_cmd_write(&cb, want_va, 1);
			kind = DRM_DSB_FAULT_BAD_VA; break;
		case 4: what = "misaligned WRITE";
			want_va = data.va + 4;
			dsb_test_cmd_write(&cb, want_va, 1);
			kind = DRM_DSB_FAULT_BAD_VA; break;
		case 5: what = "COPY across the end of a mapping";
			want_va = data.va + data.size - 8;
			dsb_test_cmd_copy(&cb, want_va, data.va, 16);
			kind = DRM_DSB_FAULT_BAD_VA; break;
		case 6: what = "overlong COPY";
			dsb_test_cmd_copy(&cb, data.va, data.va, (1u << 20) + 1);
			kind = DRM_DSB_FAULT_BAD_LENGTH; break;
		case 7: what = "FILL length not a multiple of 4";
			dsb_test_cmd_fill(&cb, data.va, 0, 6);
			kind = DRM_DSB_FAULT_BAD_LENGTH; break;
		case 8: what = "DELAY above 1 s";
			dsb_test_cmd_delay(&cb, 2 * SEC_NS);
			kind = DRM_DSB_FAULT_BAD_LENGTH; break;
		case 9: what = "misaligned MEMWAIT";
			want_va = data.va + 12;
			dsb_test_cmd_memwait(&cb, want_va, 1, 0);
			kind = DRM_DSB_FAULT_BAD_VA; break;
		case 10: what = "VA just beyond the address space";
			want_va = va_start + va_size;
			dsb_test_cmd_write(&cb, want_va, 1);
			kind = DRM_DSB_FAULT_BAD_VA; break;
		case 11: what = "VA far beyond the address space";
			want_va = 0xffff800000001000ull;
			dsb_test_cmd_write(&cb, want_va, 1);
			kind = DRM_DSB_FAULT_BAD_VA; break;
		default: what = "command buffer at an unmapped VA";
			cmd_va = data.va + data.size;	/* guard page */
			want_va = cmd_va;
			kind = DRM_DSB_FAULT_BAD_VA; break;
		}
		dsb_test_cmd_write(&cb, data.va + 16, 0xdead);	/* never reached */
		len = dsb_test_cmd_len(&cb);
		s = submit_ok(fd, q.id, 1, cmd_va, &cb, NULL, 0);
		(void)len;
		va = arena_cmd(&a, &cb);
		dsb_test_cmd_write(&cb, data.va + 24, 0xdead);
		s2 = submit_ok(fd, q.id, 2, va, &cb, NULL, 0);
		((volatile uint64_t *)data.map)[4] = 1;	/* open the gate */

		ck_assert_int_eq(wait_job(fd, q.id, s0), 0);
		ck_assert_msg(wait_job(fd, q.id, s) == -EIO, "%s: job error", what);
		ck_assert_int_eq(wait_job(fd, q.id, s2), -ECANCELED);
		{
			struct drm_dsb_queue_status st = status_of(fd, q.id);

			ck_assert_msg(st.state == DRM_DSB_QUEUE_BANNED && st.fault == kind,
				      "%s: state %u fault %u, want fault %u", what, st.state,
				      st.fault, kind);
			ck_assert_msg(st.fault_seqno == s, "%s: fault_seqno %llu want %llu",
				      what, (unsigned long long)st.fault_seqno,
				      (unsigned long long)s);
			if (want_va)
				ck_assert_msg(st.fault_va == want_va,
					      "%s: fault_va %#llx want %#llx", what,
					      (unsigned long long)st.fault_va,
					      (unsigned long long)want_va);
		}
		ck_assert_uint_eq(q.fences->fault, kind);
		ck_assert_uint_eq(((volatile uint64_t *)data.map)[1], (uint64_t)c);
		ck_assert_uint_eq(((volatile uint64_t *)data.map)[2], 0);
		ck_assert_uint_eq(((volatile uint64_t *)data.map)[3], 0);
		expect_refused(&q, va, 32, 3);
		ck_assert_int_eq(dsb_test_queue_destroy(fd, &q), 0);
	}
	printf("13 engine fault kinds checked in %lld ms\n",
	       (long long)(dsb_test_now_ns() - t0) / MS_NS);
}
END_TEST


int main(void)
{
	Suite *s = suite_create("adversarial_fault");
	TCase *tc = tcase_new(s, "containment", 120);

	vm_fixture(tc, NULL);
	tcase_add_test(tc, test_gpu_writes_ring);
	tcase_add_test(tc, test_engine_fault_kinds);
	return adversarial_run(s);
}
