// SPDX-License-Identifier: MIT
/* Copyright (C) 2026 The dsb authors */
/*
 * Teardown (issue 4): no fence is left unsignalled and nothing leaks when
 * a queue is destroyed with jobs pending, when the fd is closed while
 * another thread waits, or when a process exits with jobs in flight; after
 * every client has gone the debugfs live counters of both devices are zero.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "vm_suite.h"

/* Poll a sync_file until it signals; returns its status (1 or -errno). */
static int sync_file_settle(int sfd, int64_t limit_ns)
{
	struct pollfd pfd = { .fd = sfd, .events = POLLIN };
	int64_t t0 = dsb_test_now_ns();

	while (poll(&pfd, 1, 10) == 0)
		ck_assert_msg(dsb_test_now_ns() - t0 < limit_ns, "sync_file never signalled");
	return dsb_test_sync_file_status(sfd, NULL);
}

START_TEST(test_destroy_queue_with_pending_jobs)
{
	struct dsb_test_queue q = queue_new(fd, 0, 8, 20000);
	struct dsb_test_bo data;
	struct dsb_test_cmdbuf cb;
	struct arena a;
	int sfd[4];
	int64_t t0;

	arena_init(fd, &a, 8);
	ck_assert_int_eq(dsb_test_bo_create(fd, PAGE, &data), 0);
	for (int i = 0; i < 4; i++) {
		uint32_t so = syncobj_new(fd);
		struct drm_dsb_sync_op op = sync_signal(so);
		uint64_t va = arena_cmd(&a, &cb);

		if (i == 0)
			dsb_test_cmd_memwait(&cb, data.va, 1, 0);
		dsb_test_cmd_write(&cb, data.va + 8 * (1 + i), 1);
		submit_ok(fd, q.id, i, va, &cb, &op, 1);
		ck_assert_int_eq(drmSyncobjExportSyncFile(fd, so, &sfd[i]), 0);
		ck_assert_int_eq(dsb_test_sync_file_status(sfd[i], NULL), 0);
	}
	usleep(20 * 1000);
	t0 = dsb_test_now_ns();
	ck_assert_int_eq(dsb_test_queue_destroy(fd, &q), 0);
	for (int i = 0; i < 4; i++) {
		ck_assert_int_eq(sync_file_settle(sfd[i], 5 * SEC_NS), -ECANCELED);
		close(sfd[i]);
	}
	printf("destroy with 4 pending: all fences -ECANCELED within %lld us\n",
	       (long long)(dsb_test_now_ns() - t0) / 1000);
	((volatile uint64_t *)data.map)[0] = 1;
	usleep(20 * 1000);
	for (int i = 1; i <= 4; i++)
		ck_assert_uint_eq(((volatile uint64_t *)data.map)[i], 0);
	ck_assert_int_eq(dsb_test_queue_status(fd, q.id, &(struct drm_dsb_queue_status){ 0 }),
			 -ENOENT);
	ck_assert_int_eq(dsb_test_wait(fd, q.id, 1, 0, NULL), -ENOENT);
}
END_TEST

struct waiter {
	int fd;
	uint32_t qid;
	uint64_t seqno;
	int ret;
	int32_t err;
	int64_t done_ns;
	pid_t tid;
};

static void *wait_thread(void *arg)
{
	struct waiter *w = arg;

	__atomic_store_n(&w->tid, gettid(), __ATOMIC_RELEASE);
	w->ret = dsb_test_wait(w->fd, w->qid, w->seqno, 60 * SEC_NS, &w->err);
	w->done_ns = dsb_test_now_ns();
	return NULL;
}

/* close() while other threads wait: an ioctl wait in flight on the same fd
 * (the file lives until it returns; the watchdog ends it), and a sync_file
 * wait (the file's release cancels the job). */
/*
 * Until thread @w sleeps in an ioctl (its /proc syscall file shows the
 * ioctl's number while it is blocked in it): a fixed sleep is not enough
 * on a loaded machine.
 */
static void wait_in_ioctl(struct waiter *w)
{
	char path[64], line[64] = "";
	int64_t end = dsb_test_now_ns() + 10 * SEC_NS;
	pid_t tid;

	while (!(tid = __atomic_load_n(&w->tid, __ATOMIC_ACQUIRE)))
		usleep(1000);
	snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", (int)tid);
	for (;;) {
		FILE *f = fopen(path, "r");
		long nr = -2;

		ck_assert_msg(f, "%s: %s", path, strerror(errno));
		if (fgets(line, sizeof(line), f))
			nr = strtol(line, NULL, 10);
		fclose(f);
		if (nr == SYS_ioctl)
			break;
		ck_assert_msg(dsb_test_now_ns() < end, "the waiter is not in its ioctl: %s", line);
		usleep(5000);
	}
	/* Asleep in it, past the checks at its start. */
	usleep(20 * 1000);
}

START_TEST(test_close_fd_with_waits_pending)
{
	int cfd = dsb_test_open(0);
	struct dsb_test_queue q;
	struct dsb_test_bo data;
	struct dsb_test_cmdbuf cb;
	struct drm_dsb_queue_create c = { .fence_slots = 8, .timeout_ms = 500 };
	struct waiter w = { 0 };
	pthread_t th;
	uint32_t so;
	struct drm_dsb_sync_op op;
	uint64_t s2;
	int sfd, st;
	int64_t t0;

	ck_assert_int_ge(cfd, 0);
	ck_assert_int_eq(dsb_test_queue_create(cfd, &c, &q), 0);
	ck_assert_int_eq(dsb_test_bo_create(cfd, PAGE, &data), 0);
	ck_assert_int_eq(drmSyncobjCreate(cfd, 0, &so), 0);
	dsb_test_cmd_init(&cb, (char *)data.map + 2048, 512);
	dsb_test_cmd_memwait(&cb, data.va, 1, 0);
	w.fd = cfd;
	w.qid = q.id;
	w.seqno = submit_ok(cfd, q.id, 0, data.va + 2048, &cb, NULL, 0);
	op = sync_signal(so);
	dsb_test_cmd_init(&cb, (char *)data.map + 3072, 512);
	dsb_test_cmd_nop(&cb);
	s2 = submit_ok(cfd, q.id, 1, data.va + 3072, &cb, &op, 1);
	ck_assert_int_eq(drmSyncobjExportSyncFile(cfd, so, &sfd), 0);
	ck_assert_int_eq(pthread_create(&th, NULL, wait_thread, &w), 0);
	wait_in_ioctl(&w);
	/* Unmap everything and close the fd under the waiting thread. */
	munmap(q.ring, q.ring_size);
	munmap(q.ctrl, q.ctrl_size);
	munmap((void *)q.fences, q.fences_size);
	munmap(q.sq_cq, q.sq_cq_size);
	munmap(data.map, data.size);
	t0 = dsb_test_now_ns();
	ck_assert_int_eq(close(cfd), 0);
	ck_assert_int_eq(pthread_join(th, NULL), 0);
	printf("close under a waiting thread: wait returned %d error %d after %lld ms\n", w.ret,
	       w.err, (long long)(w.done_ns - t0) / MS_NS);
	ck_assert_int_eq(w.ret, 0);
	ck_assert_msg(w.err == -ETIMEDOUT || w.err == -ECANCELED, "wait error %d", w.err);
	ck_assert_int_lt(w.done_ns - t0, 10 * SEC_NS);
	st = sync_file_settle(sfd, 10 * SEC_NS);
	ck_assert_msg(st == -ECANCELED || st == -ETIMEDOUT, "sync_file status %d", st);
	close(sfd);
	(void)s2;
}
END_TEST

static void send_fd(int sock, int sfd)
{
	char buf[CMSG_SPACE(sizeof(int))] = { 0 }, c = 'f';
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = buf,
			    .msg_controllen = sizeof(buf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&m);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &sfd, sizeof(int));
	if (sendmsg(sock, &m, 0) != 1)
		_exit(9);
}

static int recv_fd(int sock)
{
	char buf[CMSG_SPACE(sizeof(int))] = { 0 }, c;
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = buf,
			    .msg_controllen = sizeof(buf) };
	struct cmsghdr *cm;
	int sfd = -1;

	if (recvmsg(sock, &m, 0) != 1)
		return -1;
	cm = CMSG_FIRSTHDR(&m);
	if (cm && cm->cmsg_type == SCM_RIGHTS)
		memcpy(&sfd, CMSG_DATA(cm), sizeof(int));
	return sfd;
}

/* A child exits (normally, or killed) with jobs in flight; the fences it
 * handed out (sync_files passed over a socket) signal with an error. */
static void exit_in_flight(int kill_it)
{
	int sv[2], sfd, status, st;
	pid_t pid;
	int64_t t0;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int cfd = dsb_test_open(0);
		struct dsb_test_queue q;
		struct dsb_test_bo data;
		struct dsb_test_cmdbuf cb;
		struct drm_dsb_sync_op op;
		uint32_t so;
		int s;

		if (cfd < 0 || dsb_test_queue_create(cfd, NULL, &q) ||
		    dsb_test_bo_create(cfd, PAGE, &data) || drmSyncobjCreate(cfd, 0, &so))
			_exit(2);
		for (int i = 0; i < 16; i++) {
			dsb_test_cmd_init(&cb, (char *)data.map + 1024 + 128 * i, 128);
			if (i == 0)
				dsb_test_cmd_memwait(&cb, data.va, 1, 0);
			dsb_test_cmd_atomic_add(&cb, data.va + 8, 1);
			op = sync_signal(so);
			if (dsb_test_submit(cfd, q.id, i, data.va + 1024 + 128 * i,
					    dsb_test_cmd_len(&cb), &op, 1, NULL))
				_exit(3);
		}
		if (drmSyncobjExportSyncFile(cfd, so, &s))
			_exit(4);
		send_fd(sv[1], s);
		if (kill_it)
			pause();
		if (read(sv[1], &s, 1) != 1)	/* the parent's go */
			_exit(5);
		_exit(0);	/* everything still open and in flight */
	}
	close(sv[1]);
	sfd = recv_fd(sv[0]);
	ck_assert_int_ge(sfd, 0);
	ck_assert_int_eq(dsb_test_sync_file_status(sfd, NULL), 0);
	t0 = dsb_test_now_ns();
	if (kill_it)
		ck_assert_int_eq(kill(pid, SIGKILL), 0);
	else
		ck_assert_int_eq(write(sv[0], "x", 1), 1);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	if (!kill_it)
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %#x",
			      status);
	st = sync_file_settle(sfd, 5 * SEC_NS);
	printf("%s with 16 jobs in flight: last fence %d after %lld us\n",
	       kill_it ? "SIGKILL" : "exit", st, (long long)(dsb_test_now_ns() - t0) / 1000);
	ck_assert_int_eq(st, -ECANCELED);
	close(sfd);
	close(sv[0]);
}

START_TEST(test_exit_with_jobs_in_flight)
{
	exit_in_flight(0);
}
END_TEST

START_TEST(test_sigkill_with_jobs_in_flight)
{
	exit_in_flight(1);
}
END_TEST

/* Runs last, with no dsb fd open in this process. */
START_TEST(test_live_counters_return_to_zero)
{
	static const char *const names[] = {
		"live_bos", "live_queues", "live_jobs", "live_fences", "live_vms",
	};
	long long v[2][5];
	int64_t t0 = dsb_test_now_ns();
	int zero = 0;

	while (!zero) {
		zero = 1;
		for (int d = 0; d < 2; d++)
			for (int i = 0; i < 5; i++) {
				ck_assert_msg(dsb_test_debugfs_counter(d, names[i], &v[d][i]) == 0,
					      "no debugfs counter %s for device %d", names[i], d);
				zero &= v[d][i] == 0;
			}
		if (!zero && dsb_test_now_ns() - t0 > 10 * SEC_NS)
			break;
		if (!zero)
			usleep(10 * 1000);
	}
	for (int d = 0; d < 2; d++)
		for (int i = 0; i < 5; i++)
			ck_assert_msg(v[d][i] == 0, "device %d %s = %lld after every client left",
				      d, names[i], v[d][i]);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("teardown");
	TCase *tc = tcase_new(s, "teardown", 60);
	TCase *tz = tcase_new(s, "counters", 30);

	vm_fixture(tc, NULL);
	tcase_add_test(tc, test_destroy_queue_with_pending_jobs);
	tcase_add_test(tc, test_close_fd_with_waits_pending);
	tcase_add_test(tc, test_exit_with_jobs_in_flight);
	tcase_add_test(tc, test_sigkill_with_jobs_in_flight);
	tcase_add_test(tz, test_live_counters_return_to_zero);
	return vm_run(s, VM_SKIP_WITHOUT_DEVICE);
}
