// SPDX-License-Identifier: MIT
/* Copyright (C) 2026 The dsb authors */
/*
 * Containment under hostile userspace (issue 4), garbage command buffers:
 * random words and plausible instructions with random operands complete
 * or fault, never hang. A bystander process runs verified work throughout
 * (adversarial.h).
 */
#define _GNU_SOURCE
#include "adversarial.h"

/* --- garbage command buffers ---------------------------------------------- */

static uint64_t rnd64(void)
{
	return (uint64_t)rand() << 62 ^ (uint64_t)rand() << 31 ^ (uint64_t)rand();
}

START_TEST(test_garbage_cmdbufs)
{
	struct dsb_test_bo data, cmd, gatecmd;
	volatile uint64_t *gate;
	const int rounds = 60, ninstr = 24;
	int completed = 0, faulted[16] = { 0 };
	int64_t t0 = dsb_test_now_ns(), worst = 0;

	srand(0xd5b4);
	ck_assert_int_eq(dsb_test_bo_create(fd, 4 * PAGE, &data), 0);
	ck_assert_int_eq(dsb_test_bo_create(fd, PAGE, &cmd), 0);
	ck_assert_int_eq(dsb_test_bo_create(fd, PAGE, &gatecmd), 0);
	gate = (volatile uint64_t *)((char *)gatecmd.map + 2048);
	for (int r = 0; r < rounds; r++) {
		struct dsb_test_queue q = queue_new(fd, 0, 8, 300);
		struct drm_dsb_instr *in = cmd.map;
		struct drm_dsb_queue_status st;
		uint64_t s, s2;
		int64_t t1 = dsb_test_now_ns(), dt;
		int32_t err, err2;
		uint64_t pool[6];

		pool[0] = data.va + (rand() % (4 * PAGE / 8)) * 8;
		pool[1] = rnd64();
		pool[2] = rand() % 4096;
		pool[3] = cmd.va + (rand() % (PAGE / 8)) * 8;
		pool[4] = q.create.ring_va + (rand() % 64) * 8;
		pool[5] = data.va + rand() % (4 * PAGE);
		if (r % 3 == 0) {	/* pure random words */
			for (size_t k = 0; k < PAGE / 8; k++)
				((uint64_t *)cmd.map)[k] = rnd64();
		} else {		/* plausible instructions, random operands */
			for (int k = 0; k < ninstr; k++) {
				in[k].op = rand() % 32 == 0 ? 0x42 : rand() % 8;
				in[k].flags = rand() % 32 == 0 ? rand() :
					      in[k].op == DRM_DSB_OP_MEMWAIT ? rand() % 2 : 0;
				in[k].a = pool[rand() % 6];
				in[k].b = rand() % 2 ? pool[rand() % 6] : rnd64();
				in[k].c = rand() % 2 ? (uint64_t)(rand() % 512) : rnd64();
				if (in[k].op == DRM_DSB_OP_DELAY)
					in[k].a = rand() % (2 * MS_NS);
				if (in[k].op == DRM_DSB_OP_COPY || in[k].op == DRM_DSB_OP_FILL)
					in[k].c = rand() % 4 ? (uint64_t)(rand() % 64) * 4 : in[k].c;
				if (r % 3 == 1 && in[k].op != DRM_DSB_OP_NOP && in[k].op != DRM_DSB_OP_DELAY) {
					/* mostly valid operands this round */
					in[k].a = data.va + (rand() % (4 * PAGE / 8 - 64)) * 8;
					if (in[k].op == DRM_DSB_OP_COPY)
						in[k].b = data.va + (rand() % (4 * PAGE / 8 - 64)) * 8;
				}
			}
		}
		{
			/* A gate job holds the queue until both jobs are queued. */
			struct dsb_test_cmdbuf gb, nb = { .count = 1 };

			gate[0] = 0;
			dsb_test_cmd_init(&gb, gatecmd.map, gatecmd.size);
			dsb_test_cmd_memwait(&gb, gatecmd.va + 2048, 1, 0);
			submit_ok(fd, q.id, 2, gatecmd.va, &gb, NULL, 0);
			s = submit_ok(fd, q.id, 0, cmd.va,
				      &(struct dsb_test_cmdbuf){ .count = ninstr }, NULL, 0);
			s2 = submit_ok(fd, q.id, 1, gatecmd.va + 1024, &nb, NULL, 0);
			gate[0] = 1;
		}
		ck_assert_int_eq(dsb_test_wait(fd, q.id, s, 10 * SEC_NS, &err), 0);
		ck_assert_int_eq(dsb_test_wait(fd, q.id, s2, 10 * SEC_NS, &err2), 0);
		dt = dsb_test_now_ns() - t1;
		worst = dt > worst ? dt : worst;
		st = status_of(fd, q.id);
		if (!err) {
			completed++;
		} else {
			ck_assert_uint_eq(st.state, DRM_DSB_QUEUE_BANNED);
			ck_assert_uint_ne(st.fault, DRM_DSB_FAULT_NONE);
			ck_assert_uint_eq(st.fault_seqno, s);
			ck_assert_int_eq(err, st.fault == DRM_DSB_FAULT_TIMEOUT ? -ETIMEDOUT : -EIO);
			ck_assert_int_eq(err2, -ECANCELED);
			faulted[st.fault & 15]++;
		}
		ck_assert_int_lt(dt, 5 * SEC_NS);
		ck_assert_int_eq(dsb_test_queue_destroy(fd, &q), 0);
	}
	printf("garbage command buffers: %d rounds in %lld ms (worst %lld ms): %d completed, "
	       "faults timeout %d bad_opcode %d bad_va %d bad_length %d ring_write %d\n",
	       rounds, (long long)(dsb_test_now_ns() - t0) / MS_NS, (long long)worst / MS_NS,
	       completed, faulted[DRM_DSB_FAULT_TIMEOUT], faulted[DRM_DSB_FAULT_BAD_OPCODE],
	       faulted[DRM_DSB_FAULT_BAD_VA], faulted[DRM_DSB_FAULT_BAD_LENGTH],
	       faulted[DRM_DSB_FAULT_RING_WRITE]);
}
END_TEST


int main(void)
{
	Suite *s = suite_create("adversarial_garbage");
	TCase *tc = tcase_new(s, "containment", 120);

	vm_fixture(tc, NULL);
	tcase_add_test(tc, test_garbage_cmdbufs);
	return adversarial_run(s);
}
