/* SPDX-License-Identifier: MIT */
/* Copyright (C) 2026 The dsb authors */
/*
 * Shared pieces of the adversarial_*_test programs: containment under
 * hostile userspace (issue 4). Every fence handed out signals in finite
 * time, with an error when its job did not run; the kernel never crashes
 * or warns (the VM runner scans the log); other processes are not
 * affected: during each program an innocent bystander process runs
 * verified work, and the program's last test (test_bystander_unaffected,
 * added by adversarial_run()) checks that its results stayed correct and
 * its fences never errored.
 */
#ifndef DSB_VM_ADVERSARIAL_H
#define DSB_VM_ADVERSARIAL_H

#include <signal.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "vm_suite.h"

/* --- the bystander ------------------------------------------------------- */

struct bystander {
	atomic_int stop, pause, paused, running;
	atomic_long iters, jobs;
	atomic_int errors;
	atomic_long child_submits;
	char msg[256];
};

static struct bystander *by;

#define BY_JOBS 8

static inline void by_fail(const char *fmt, unsigned long long a,
			   unsigned long long b)
{
	if (atomic_fetch_add(&by->errors, 1) == 0)
		snprintf(by->msg, sizeof(by->msg), fmt, a, b);
}

static inline void bystander_main(void)
{
	int bfd = dsb_test_open(0);
	struct dsb_test_queue q;
	struct dsb_test_bo cmd, data;
	struct drm_dsb_job jobs[BY_JOBS];
	volatile uint64_t *d;
	uint64_t iter = 0;

	if (bfd < 0 || dsb_test_queue_create(bfd, NULL, &q) ||
	    dsb_test_bo_create(bfd, PAGE, &cmd) || dsb_test_bo_create(bfd, PAGE, &data)) {
		by_fail("bystander setup failed %llu %llu", 0, 0);
		_exit(1);
	}
	d = data.map;
	atomic_store(&by->running, 1);
	while (!atomic_load(&by->stop)) {
		struct drm_dsb_submit s = {
			.jobs = { .stride = sizeof(jobs[0]), .count = BY_JOBS,
				  .array = (uintptr_t)jobs },
		};
		int32_t err = 1;
		int ret;

		if (atomic_load(&by->pause)) {
			atomic_store(&by->paused, 1);
			while (atomic_load(&by->pause) && !atomic_load(&by->stop))
				usleep(1000);
			atomic_store(&by->paused, 0);
			continue;
		}
		iter++;
		memset(jobs, 0, sizeof(jobs));
		for (int j = 0; j < BY_JOBS; j++) {
			struct dsb_test_cmdbuf cb;

			dsb_test_cmd_init(&cb, (char *)cmd.map + (iter % 2) * 2048 + j * 256, 256);
			if (j == 0)
				dsb_test_cmd_delay(&cb, 1 * MS_NS);
			dsb_test_cmd_write(&cb, data.va + 8 * j, iter << 8 | j);
			dsb_test_cmd_atomic_add(&cb, data.va + 8 * BY_JOBS, 1);
			jobs[j].queue_id = q.id;
			jobs[j].slot = (iter % 2) * BY_JOBS + j;
			jobs[j].cmd_va = cmd.va + (iter % 2) * 2048 + j * 256;
			jobs[j].cmd_len = dsb_test_cmd_len(&cb);
		}
		ret = dsb_test_ioctl(bfd, DRM_IOCTL_DSB_SUBMIT, &s);
		if (ret) {
			by_fail("bystander submit failed: %lld (iteration %llu)", ret, iter);
			break;
		}
		ret = dsb_test_wait(bfd, q.id, jobs[BY_JOBS - 1].seqno, 20 * SEC_NS, &err);
		if (ret || err) {
			by_fail("bystander wait: ret %lld error %lld", ret, err);
			break;
		}
		for (int j = 0; j < BY_JOBS; j++) {
			const volatile struct drm_dsb_fence_slot *fs = dsb_test_fence_slot(&q, jobs[j].slot);

			if (fs->seqno != jobs[j].seqno || fs->error)
				by_fail("bystander fence slot seqno %llu error %lld", fs->seqno,
					fs->error);
			if (d[j] != (iter << 8 | j))
				by_fail("bystander result %#llx want %#llx", d[j], iter << 8 | j);
		}
		if (d[BY_JOBS] != iter * BY_JOBS)
			by_fail("bystander counter %llu want %llu", d[BY_JOBS], iter * BY_JOBS);
		atomic_fetch_add(&by->iters, 1);
		atomic_fetch_add(&by->jobs, BY_JOBS);
	}
	atomic_store(&by->running, 0);
	_exit(0);
}

static inline void by_pause(void)
{
	int64_t t0 = dsb_test_now_ns();

	atomic_store(&by->pause, 1);
	while (!atomic_load(&by->paused) && atomic_load(&by->running)) {
		ck_assert_msg(dsb_test_now_ns() - t0 < 30 * SEC_NS, "bystander does not pause");
		usleep(1000);
	}
}

static inline void by_resume(void)
{
	atomic_store(&by->pause, 0);
}

/* --- small helpers ---------------------------------------------------------- */

/* Wait until the queue's fence memory says BANNED; returns ns waited. */
static inline int64_t wait_banned(struct dsb_test_queue *q, int64_t limit_ns)
{
	int64_t t0 = dsb_test_now_ns(), dt;

	while (__atomic_load_n(&q->fences->state, __ATOMIC_ACQUIRE) != DRM_DSB_QUEUE_BANNED) {
		dt = dsb_test_now_ns() - t0;
		ck_assert_msg(dt < limit_ns, "queue %u not banned after %lld ms", q->id,
			      (long long)dt / MS_NS);
		usleep(100);
	}
	return dsb_test_now_ns() - t0;
}

static inline void expect_fault(struct dsb_test_queue *q, uint32_t fault, uint64_t seqno)
{
	struct drm_dsb_queue_status st = status_of(fd, q->id);

	ck_assert_uint_eq(st.state, DRM_DSB_QUEUE_BANNED);
	ck_assert_msg(st.fault == fault, "fault kind %u, want %u", st.fault, fault);
	ck_assert_uint_eq(st.fault_seqno, seqno);
	ck_assert_uint_eq(q->fences->state, DRM_DSB_QUEUE_BANNED);
	ck_assert_uint_eq(q->fences->fault, fault);
}

/* A banned queue refuses new work with -ECANCELED. */
static inline void expect_refused(struct dsb_test_queue *q, uint64_t cmd_va, uint32_t len,
			   uint32_t slot)
{
	ck_assert_int_eq(dsb_test_submit(fd, q->id, slot, cmd_va, len, NULL, 0, NULL),
			 -ECANCELED);
}

/* --- the bystander's verdict (runs last) ----------------------------------- */

START_TEST(test_bystander_unaffected)
{
	int64_t t0 = dsb_test_now_ns();

	ck_assert_msg(atomic_load(&by->running) || atomic_load(&by->iters),
		      "bystander never ran");
	atomic_store(&by->stop, 1);
	while (atomic_load(&by->running) && dsb_test_now_ns() - t0 < 30 * SEC_NS)
		usleep(1000);
	printf("bystander: %ld iterations, %ld jobs verified, %d errors\n",
	       atomic_load(&by->iters), atomic_load(&by->jobs), atomic_load(&by->errors));
	ck_assert_msg(atomic_load(&by->errors) == 0, "bystander: %s", by->msg);
	ck_assert_int_eq(atomic_load(&by->running), 0);
	ck_assert_int_gt(atomic_load(&by->jobs), 0);
}
END_TEST

/*
 * The main() of an adversarial program, after its TCases: start the
 * bystander, add the verdict (last), run, stop the bystander.
 */
static inline int adversarial_run(Suite *s)
{
	TCase *tv = tcase_new(s, "verdict", 60);
	pid_t bpid;
	int rc, status;

	close(dsb_test_open_or_skip());
	by = mmap(NULL, sizeof(*by), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (by == MAP_FAILED)
		return EXIT_FAILURE;
	memset(by, 0, sizeof(*by));
	bpid = fork();
	if (bpid < 0)
		return EXIT_FAILURE;
	if (bpid == 0)
		bystander_main();
	for (int i = 0; i < 5000 && !atomic_load(&by->iters); i++)
		usleep(1000);

	tcase_add_test(tv, test_bystander_unaffected);
	rc = vm_run(s, 0);
	atomic_store(&by->stop, 1);
	waitpid(bpid, &status, 0);
	return rc;
}

#endif /* DSB_VM_ADVERSARIAL_H */
