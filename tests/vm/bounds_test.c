// SPDX-License-Identifier: MIT
/* Copyright (C) 2026 The dsb authors */
/*
 * Every ioctl finishes in bounded time whatever its arguments (issue 12,
 * item 2). A SUBMIT checks the bytes of each array element past the
 * structure it knows for zero; without a bound on the stride, a sync array
 * of 16 elements of 1 GiB over a read-only zero mapping kept the kernel
 * busy for seconds, deaf to SIGKILL, and soft-locked a CPU. Strides above
 * DRM_DSB_MAX_STRIDE are now rejected before anything is read, and the
 * worst case the kernel accepts (256 jobs of the largest stride, 16 sync
 * operations each of the largest stride, all over zero memory) is timed.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "vm_suite.h"

#define GIB (1ull << 30)

/* @len bytes of read-only zero memory (no memory is committed). */
static void *zero_map(uint64_t len)
{
	void *p = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		       -1, 0);

	ck_assert_msg(p != MAP_FAILED, "mmap %llu: %s", (unsigned long long)len,
		      strerror(errno));
	return p;
}

static int submit_array(struct drm_dsb_job *jobs, uint32_t stride, uint32_t n,
			int64_t *ns)
{
	struct drm_dsb_submit s = {
		.jobs = { .stride = stride, .count = n, .array = (uintptr_t)jobs },
	};
	int64_t t0 = dsb_test_now_ns();
	int ret = dsb_test_ioctl(fd, DRM_IOCTL_DSB_SUBMIT, &s);

	*ns = dsb_test_now_ns() - t0;
	return ret;
}

/* The report's reproducer: syncs.stride 1 GiB x 16 over a zero mapping. */
START_TEST(test_huge_stride_rejected_at_once)
{
	void *zeros = zero_map(16 * GIB);
	struct drm_dsb_job job = {
		.queue_id = fx_queue[0].id, .cmd_va = fx_cmd.va, .cmd_len = DRM_DSB_INSTR_SIZE,
		.syncs = { .stride = (uint32_t)GIB, .count = 16, .array = (uintptr_t)zeros },
	};
	int64_t ns;
	int ret;

	ret = submit_array(&job, sizeof(job), 1, &ns);
	ck_assert_msg(ret == -EINVAL, "syncs.stride 1 GiB: %d after %lld ms", ret,
		      (long long)(ns / MS_NS));
	ck_assert_msg(ns < 500 * MS_NS, "rejected after %lld ms", (long long)(ns / MS_NS));
	/* The jobs array too, and one past the cap. */
	ret = submit_array(zeros, (uint32_t)GIB, 2, &ns);
	ck_assert_int_eq(ret, -EINVAL);
	ck_assert_msg(ns < 500 * MS_NS, "rejected after %lld ms", (long long)(ns / MS_NS));
	job.syncs.stride = DRM_DSB_MAX_STRIDE + 1;
	ck_assert_int_eq(submit_array(&job, sizeof(job), 1, &ns), -EINVAL);
	ck_assert_int_eq(munmap(zeros, 16 * GIB), 0);
}
END_TEST

/*
 * The worst case accepted: 256 jobs of DRM_DSB_MAX_STRIDE bytes, each with
 * 16 sync operations of DRM_DSB_MAX_STRIDE bytes, every byte zero past the
 * known fields, so the kernel reads all of it (about 1.1 MiB) before the
 * prepare phase rejects handle 0 with -ENOENT.
 */
START_TEST(test_worst_case_accepted_is_bounded)
{
	const uint32_t stride = DRM_DSB_MAX_STRIDE, n = DRM_DSB_MAX_JOBS;
	char *jobs = mmap(NULL, (size_t)n * stride, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	void *zeros = zero_map((uint64_t)DRM_DSB_MAX_SYNC_OPS * stride);
	int64_t ns, worst = 0;

	ck_assert_ptr_ne(jobs, MAP_FAILED);
	for (uint32_t i = 0; i < n; i++) {
		struct drm_dsb_job *j = (void *)(jobs + (size_t)i * stride);

		*j = (struct drm_dsb_job){
			.queue_id = fx_queue[0].id, .slot = i % 64, .cmd_va = fx_cmd.va,
			.cmd_len = DRM_DSB_INSTR_SIZE,
			.syncs = { .stride = stride, .count = DRM_DSB_MAX_SYNC_OPS,
				   .array = (uintptr_t)zeros },
		};
	}
	for (int r = 0; r < 5; r++) {
		ck_assert_int_eq(submit_array((void *)jobs, stride, n, &ns), -ENOENT);
		if (ns > worst)
			worst = ns;
	}
	fprintf(stderr, "worst accepted SUBMIT (256 jobs x 16 syncs, stride %u, %zu KiB walked): %.2f ms\n",
		stride, (size_t)n * (stride + DRM_DSB_MAX_SYNC_OPS * stride) / 1024,
		worst / 1e6);
	ck_assert_msg(worst < 2 * SEC_NS, "worst case took %lld ms", (long long)(worst / MS_NS));
	ck_assert_int_eq(munmap(zeros, (size_t)DRM_DSB_MAX_SYNC_OPS * stride), 0);
	ck_assert_int_eq(munmap(jobs, (size_t)n * stride), 0);
}
END_TEST

/* A child stuck in the old kernel ignored SIGKILL for seconds. */
START_TEST(test_sigkill_is_prompt)
{
	int64_t t0;
	int st;
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (!pid) {
		void *zeros = zero_map(16 * GIB);
		struct drm_dsb_job job = {
			.queue_id = fx_queue[0].id, .cmd_va = fx_cmd.va, .cmd_len = DRM_DSB_INSTR_SIZE,
			.syncs = { .stride = (uint32_t)GIB, .count = 16,
				   .array = (uintptr_t)zeros },
		};
		struct drm_dsb_submit s = {
			.jobs = { .stride = sizeof(job), .count = 1, .array = (uintptr_t)&job },
		};

		for (;;)
			dsb_test_ioctl(fd, DRM_IOCTL_DSB_SUBMIT, &s);
	}
	usleep(200000);
	t0 = dsb_test_now_ns();
	ck_assert_int_eq(kill(pid, SIGKILL), 0);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	fprintf(stderr, "SIGKILL to a SUBMIT loop: reaped after %.2f ms\n",
		(dsb_test_now_ns() - t0) / 1e6);
	ck_assert(WIFSIGNALED(st));
	ck_assert_msg(dsb_test_now_ns() - t0 < 500 * MS_NS, "reaped after %lld ms",
		      (long long)((dsb_test_now_ns() - t0) / MS_NS));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("bounds");
	TCase *tc = tcase_new(s, "bounds", 120);

	/* One queue of 64 packets and 64 fence slots, a one-NOP command BO. */
	vm_fixture(tc, &(struct vm_fixture_params){
		.queues = 1, .queue = { .ring_packets = 64, .fence_slots = 64 },
		.cmd_bytes = PAGE,
	});
	tcase_add_test(tc, test_huge_stride_rejected_at_once);
	tcase_add_test(tc, test_worst_case_accepted_is_bounded);
	tcase_add_test(tc, test_sigkill_is_prompt);
	return vm_run(s, 0);
}
