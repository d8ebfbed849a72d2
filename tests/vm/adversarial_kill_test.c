// SPDX-License-Identifier: MIT
/* Copyright (C) 2026 The dsb authors */
/*
 * Containment under hostile userspace (issue 4), fork-and-SIGKILL during
 * heavy submission: the live counters in debugfs return to their
 * baseline, and the bystander process (adversarial.h), paused while they
 * are read, keeps making progress.
 */
#define _GNU_SOURCE
#include "adversarial.h"

/* --- fork-and-SIGKILL ------------------------------------------------------ */

static const char *const counters[] = {
	"live_bos", "live_queues", "live_jobs", "live_fences", "live_vms",
};
#define NCOUNTERS 5

static void read_counters(long long *v)
{
	for (int i = 0; i < NCOUNTERS; i++)
		ck_assert_msg(dsb_test_debugfs_counter(0, counters[i], &v[i]) == 0,
			      "debugfs counter %s of device 0 not found", counters[i]);
}

static void submitter_main(unsigned int seed)
{
	int cfd = dsb_test_open(0);
	struct dsb_test_queue q[2];
	struct dsb_test_bo cmd, data;
	uint32_t so;
	uint64_t n = 0;

	srand(seed);
	if (cfd < 0 || dsb_test_queue_create(cfd, NULL, &q[0]) ||
	    dsb_test_queue_create(cfd, NULL, &q[1]) ||
	    dsb_test_bo_create(cfd, 64 * 1024, &cmd) || dsb_test_bo_create(cfd, PAGE, &data) ||
	    drmSyncobjCreate(cfd, 0, &so))
		_exit(2);
	for (;;) {
		struct drm_dsb_job jobs[16];
		struct drm_dsb_sync_op ops[16][1];
		struct drm_dsb_submit s = {
			.jobs = { .stride = sizeof(jobs[0]), .count = 16,
				  .array = (uintptr_t)jobs },
		};

		memset(jobs, 0, sizeof(jobs));
		for (int j = 0; j < 16; j++) {
			struct dsb_test_cmdbuf cb;
			uint32_t off = (uint32_t)((n * 16 + j) % 512) * 128;

			dsb_test_cmd_init(&cb, (char *)cmd.map + off, 128);
			if (rand() % 64 == 0)
				dsb_test_cmd_memwait(&cb, data.va + 64, 1, 0);	/* hangs */
			else
				dsb_test_cmd_delay(&cb, 200 * 1000);
			dsb_test_cmd_atomic_add(&cb, data.va, 1);
			jobs[j].queue_id = q[j % 2].id;
			jobs[j].slot = (uint32_t)((n * 8 + j / 2) % 64);
			jobs[j].cmd_va = cmd.va + off;
			jobs[j].cmd_len = dsb_test_cmd_len(&cb);
			ops[j][0] = j == 15 ? sync_signal(so) : sync_wait(so);
			if ((n > 0 && j == 0) || j == 15) {
				jobs[j].syncs = (struct drm_dsb_obj_array){
					.stride = sizeof(ops[j][0]), .count = 1,
					.array = (uintptr_t)ops[j] };
			}
		}
		if (dsb_test_ioctl(cfd, DRM_IOCTL_DSB_SUBMIT, &s) == 0) {
			n++;
			atomic_fetch_add(&by->child_submits, 16);
		} else {
			/* Slots busy or a queue banned by its own hang: wait a bit,
			 * or start over on fresh queues. */
			if (status_of(cfd, q[0].id).state || status_of(cfd, q[1].id).state) {
				dsb_test_queue_destroy(cfd, &q[0]);
				dsb_test_queue_destroy(cfd, &q[1]);
				if (dsb_test_queue_create(cfd, NULL, &q[0]) ||
				    dsb_test_queue_create(cfd, NULL, &q[1]))
					_exit(3);
				n = 0;
			} else {
				usleep(500);
			}
		}
	}
}

START_TEST(test_fork_sigkill_loop)
{
	long long base[NCOUNTERS], now[NCOUNTERS];
	long by_before;
	long long max_live = 0;
	const int iters = 24;
	int64_t t0 = dsb_test_now_ns(), dt;
	int ok = 0;

	srand(77);
	by_pause();
	/* Fence frees are deferred to a workqueue: settle first. */
	usleep(100 * 1000);
	read_counters(base);
	by_resume();
	by_before = atomic_load(&by->iters);
	for (int i = 0; i < iters; i++) {
		pid_t pid = fork();
		int status;

		ck_assert_int_ge(pid, 0);
		if (pid == 0)
			submitter_main(1000 + i);
		usleep(5000 + rand() % 150000);
		if (dsb_test_debugfs_counter(0, "live_jobs", &now[2]) == 0 && now[2] > max_live)
			max_live = now[2];
		ck_assert_int_eq(kill(pid, SIGKILL), 0);
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
		ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
			      "submitter %d died on its own: status %#x", i, status);
	}
	ck_assert_msg(atomic_load(&by->iters) > by_before, "bystander made no progress");
	printf("fork/SIGKILL: children submitted %ld jobs, up to %lld jobs live at a kill\n",
	       atomic_load(&by->child_submits), max_live);
	ck_assert_int_gt(atomic_load(&by->child_submits), iters * 16);
	ck_assert_int_gt(max_live, BY_JOBS);
	by_pause();
	t0 = dsb_test_now_ns();
	while (!ok) {
		read_counters(now);
		ok = 1;
		for (int i = 0; i < NCOUNTERS; i++)
			ok &= now[i] == base[i];
		dt = dsb_test_now_ns() - t0;
		if (!ok && dt > 10 * SEC_NS)
			break;
		if (!ok)
			usleep(10 * 1000);
	}
	by_resume();
	printf("fork/SIGKILL x%d: counters back to baseline after %lld ms "
	       "(bos %lld queues %lld jobs %lld fences %lld vms %lld)\n", iters,
	       (long long)dt / MS_NS, now[0], now[1], now[2], now[3], now[4]);
	for (int i = 0; i < NCOUNTERS; i++)
		ck_assert_msg(now[i] == base[i], "%s: %lld, baseline %lld", counters[i], now[i],
			      base[i]);
}
END_TEST


int main(void)
{
	Suite *s = suite_create("adversarial_kill");
	TCase *tc = tcase_new(s, "kill", 120);

	tcase_add_test(tc, test_fork_sigkill_loop);
	return adversarial_run(s);
}
