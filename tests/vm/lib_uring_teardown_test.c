// SPDX-License-Identifier: MIT
/* Copyright (C) 2026 The dsb authors */
/*
 * dsb through io_uring (VM, 6.1 and 6.12), teardown: waits pending while
 * the dsb fd, the whole dsb state, the submitting thread, the ring or the
 * process goes away complete or are cancelled (ring teardown on 6.12:
 * cancelled at once; on 6.1 the teardown waits for the fence, which the
 * queue watchdog ends) and nothing is leaked (the dsb file is released).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include "lib_uring.h"

/* Module references: one per open dsb file. */
static int dsb_refcnt(void)
{
	int n = dsb_test_module_refcnt();

	ck_assert_int_ge(n, 0);
	return n;
}

/*
 * Wait up to @ms for the module refcount to come back to @want (or below:
 * an earlier test's ring may still have been letting go when @want was read).
 */
static int64_t wait_refcnt(int want, long ms)
{
	int64_t t0 = now_ns();

	while (dsb_refcnt() > want) {
		if (now_ns() - t0 > ms * 1000000ll)
			return -1;
		usleep(10000);
	}
	return (now_ns() - t0) / 1000000;
}

/*
 * Does a pending uring_cmd get cancelled on ring/task teardown?
 * (IORING_URING_CMD_CANCELABLE, Linux 6.7; the module detects it.)
 */
static bool kernel_cancels(void)
{
	struct utsname u;
	int maj = 0, min = 0;

	ck_assert_int_eq(uname(&u), 0);
	ck_assert_int_eq(sscanf(u.release, "%d.%d", &maj, &min), 2);
	return maj > 6 || (maj == 6 && min >= 7);
}

/* ------------------------------------------------------------------ */
/* Teardown with waits pending                                         */

/* Hold @jobs jobs (signalling @so points 1..jobs) and queue @n waits on them. */
static void hold_and_wait(struct ctx *c, struct io_uring *ring, int fd,
			  uint32_t so, unsigned int jobs, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < jobs; i++)
		ck_assert_int_eq(dsb_prep_signal_timeline(prep(c, i, 300 + i, true),
							  so, c->next_seqno + i), 0);
	ck_assert_int_eq(dsb_submit(&c->q), (int)jobs);
	for (i = 0; i < n; i++) {
		uint64_t seqno = c->next_seqno + i % jobs;

		if (i % 2)
			PREP(ring, i, dsb_uring_prep_wait_syncobj, fd, so, seqno);
		else
			PREP(ring, i, dsb_uring_prep_wait_seqno, fd,
						  c->q.queue_id, seqno);
	}
	ck_assert_int_eq(io_uring_submit(ring), (int)n);
	c->next_seqno += jobs;
	ck_assert_int_eq(reap_ms(ring, 100, &(uint64_t){ 0 }, &(int32_t){ 0 }), -ETIME);
}


/*
 * Closing the dsb fd the waits were issued on does not end them (the
 * requests hold the file): they complete normally when the jobs do. Then
 * waits pending while every dsb object and the device are closed (the
 * queue destroyed) complete with the jobs' -ECANCELED, promptly, and the
 * file is released.
 */
START_TEST(test_close_fd_waits_pending)
{
	const unsigned int n = 256, jobs = 4;
	struct io_uring ring;
	int base, fd2;
	unsigned int i;
	uint64_t ud;
	int32_t res;
	uint32_t so;
	struct ctx c;

	base = dsb_refcnt();
	ctx_init(&c, 0);
	ring_init(&ring, n, 0);
	ck_assert_int_eq(dsb_syncobj_create(&c.dev, 0, &so), 0);
	fd2 = dup(c.dev.fd);
	ck_assert_int_ge(fd2, 0);

	hold_and_wait(&c, &ring, fd2, so, jobs, n);
	ck_assert_int_eq(close(fd2), 0);
	usleep(100000);
	ck_assert_uint_eq(io_uring_cq_ready(&ring), 0);
	open_gate(&c);
	for (i = 0; i < n; i++) {
		reap(&ring, &ud, &res);
		ck_assert_msg(res == 0, "wait %llu after close(fd): res %d",
			      (unsigned long long)ud, res);
		ck_assert_uint_eq(c.words[ud % jobs], 300 + ud % jobs);
	}
	reap_dsb_cqes(&c, jobs);

	/* Held again, then everything dsb goes away. */
	c.words[GATE] = 0;
	hold_and_wait(&c, &ring, c.dev.fd, so, jobs, n);
	/* The queue first: destroying the BOs first would unmap the word the
	 * held jobs poll, and the first job would fault (-EIO) instead. */
	dsb_syncobj_destroy(&c.dev, so);
	dsb_queue_exit(&c.q);
	dsb_bo_destroy(&c.dev, &c.cmd);
	dsb_bo_destroy(&c.dev, &c.data);
	dsb_device_close(&c.dev);
	for (i = 0; i < n; i++) {
		ck_assert_msg(reap_ms(&ring, 10000, &ud, &res) == 0,
			      "only %u of %u waits completed after teardown", i, n);
		/* Seqno waits see the job's -ECANCELED. (Timeline syncobj
		 * waits too, once the kernel reports the contained fence's
		 * status: test_wait_syncobj_error in lib_uring_wait_test.) */
		if (ud % 2 == 0)
			ck_assert_msg(res == -ECANCELED, "wait %llu after teardown: res %d",
				      (unsigned long long)ud, res);
		else
			ck_assert_msg(res == -ECANCELED || res == 0,
				      "syncobj wait %llu after teardown: res %d",
				      (unsigned long long)ud, res);
	}
	ck_assert_msg(wait_refcnt(base, 10000) >= 0, "dsb file not released: refcnt %d, was %d",
		      dsb_refcnt(), base);
	io_uring_queue_exit(&ring);
}
END_TEST

struct exit_thread {
	struct ctx *c;
	struct io_uring *ring;
	uint32_t so;
};

static void *exit_thread_fn(void *arg)
{
	struct exit_thread *t = arg;

	hold_and_wait(t->c, t->ring, t->c->dev.fd, t->so, 4, 64);
	return NULL;	/* exits with 64 waits pending */
}


/*
 * The thread that issued the waits exits with them pending. Neither
 * kernel cancels uring_cmds at thread exit (io_uring only cancels tracked
 * requests then): the waits stay pending, and when the jobs complete
 * their completions, queued as task work for a task that is gone, are
 * posted through io_uring's fallback.
 */
START_TEST(test_thread_exit_waits_pending)
{
	struct exit_thread t;
	pthread_t th;
	struct io_uring ring;
	unsigned int i;
	uint64_t ud;
	int32_t res;
	struct ctx c;

	ctx_init(&c, 0);
	ring_init(&ring, 64, 0);
	t.c = &c;
	t.ring = &ring;
	ck_assert_int_eq(dsb_syncobj_create(&c.dev, 0, &t.so), 0);
	ck_assert_int_eq(pthread_create(&th, NULL, exit_thread_fn, &t), 0);
	ck_assert_int_eq(pthread_join(th, NULL), 0);
	ck_assert_int_eq(reap_ms(&ring, 200, &ud, &res), -ETIME);
	ck_assert_uint_eq(c.words[0], 0);	/* still held */
	open_gate(&c);
	for (i = 0; i < 64; i++) {
		reap(&ring, &ud, &res);
		ck_assert_msg(res == 0, "wait %llu: res %d", (unsigned long long)ud, res);
		ck_assert_uint_eq(c.words[ud % 4], 300 + ud % 4);
	}
	reap_dsb_cqes(&c, 4);
	dsb_syncobj_destroy(&c.dev, t.so);
	io_uring_queue_exit(&ring);
	ctx_fini(&c);
}
END_TEST

/*
 * A child holds jobs (never released) with 512 waits pending, then
 * (mode 0) closes its io_uring and exits, or (mode 1) is killed with the
 * ring open. No ioctl tears the queue down: the dsb file is released once
 * the io_uring requests let go of it. On 6.12 the teardown cancels them at
 * once, well before the queue's 60 s watchdog; on 6.1 it waits for the
 * fences, which the watchdog (1.5 s) ends with -ETIMEDOUT.
 */
START_TEST(test_ring_teardown_waits_pending)
{
	bool cancels = kernel_cancels();
	int mode = _i, base = dsb_refcnt(), p[2], go[2], status;
	long limit_ms = cancels ? 5000 : 20000;
	int64_t t;
	pid_t pid;
	char ok;

	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(pipe(go), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct dsb_queue_params qp = {
			.fence_slots = 16, .timeout_ms = cancels ? 60000 : 1500,
		};
		struct io_uring ring;
		uint32_t so;
		struct ctx c;

		close(p[0]);
		close(go[1]);
		ctx_init_params(&c, &qp);
		ring_init(&ring, 512, 0);
		ck_assert_int_eq(dsb_syncobj_create(&c.dev, 0, &so), 0);
		hold_and_wait(&c, &ring, c.dev.fd, so, 8, 512);
		ck_assert_int_eq(write(p[1], "r", 1), 1);
		if (mode == 1)
			pause();
		/* Not before the parent saw the file open (6.12 lets go at once). */
		ck_assert_int_eq(read(go[0], &ok, 1), 1);
		io_uring_queue_exit(&ring);
		_exit(0);
	}
	close(p[1]);
	close(go[0]);
	ck_assert_int_eq(read(p[0], &ok, 1), 1);
	close(p[0]);
	ck_assert_int_gt(dsb_refcnt(), base);
	ck_assert_int_eq(write(go[1], "g", 1), 1);
	close(go[1]);
	if (mode == 1)
		ck_assert_int_eq(kill(pid, SIGKILL), 0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(mode == 1 ? WIFSIGNALED(status) : (WIFEXITED(status) &&
						     WEXITSTATUS(status) == 0));
	t = wait_refcnt(base, limit_ms);
	ck_assert_msg(t >= 0, "%s: dsb file still open %ld ms after %s (refcnt %d, base %d)",
		      cancels ? "6.12" : "6.1", limit_ms,
		      mode ? "SIGKILL" : "ring close + exit", dsb_refcnt(), base);
	fprintf(stderr, "lib_uring_teardown_test: mode %d: dsb file released %lld ms after the child was reaped\n",
		mode, (long long)t);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("lib_uring_teardown");
	TCase *tc = tcase_new(s, "uring", dsb_test_debug_kernel() ? 600 : 120);

	tcase_add_test(tc, test_close_fd_waits_pending);
	tcase_add_test(tc, test_thread_exit_waits_pending);
	tcase_add_loop_test(tc, test_ring_teardown_waits_pending, 0, 2);
	return vm_run(s, VM_SKIP_WITHOUT_DEVICE);
}
