// SPDX-License-Identifier: MIT
/* Copyright (C) 2026 The dsb authors */
/*
 * Scheduling when queues outnumber hardware slots (issue 17).
 *
 * - A queue that waits for its turn among many busy realtime queues for
 *   longer than its own watchdog timeout is not banned: only time on a
 *   slot counts. Nor is a queue that the engine last found idle and that
 *   gets a job while the engine thread is away between rounds, nor one
 *   whose engine thread is preempted inside its slices.
 * - Queues blocked on a MEMWAIT give up their hardware slots.
 * - On one engine, the same work finishes first at high priority, then
 *   normal, then low, and every level progresses.
 * - A realtime job starts within a bound under a full load of normal
 *   queues.
 * - A deadline hint (SYNC_IOC_SET_DEADLINE on the job's sync_file) boosts
 *   the job past a flood of background work: it completes in well under
 *   half the time of the same job without the hint, whether the deadline
 *   is ahead, now or past, and a job of one step gains as much (the boost
 *   starts within the round); a deadline that cannot be met is counted as
 *   missed. The boost ends with the hinted job: the queue's next job runs
 *   in its own slices. Kernels without deadline hints (6.1) skip these
 *   cases (the "deadline" case of the suite).
 * - Without CAP_SYS_NICE, a deadline boost lifts a low-priority queue to
 *   no more than normal's share (anyone holding a fence can hint it).
 */
#define _GNU_SOURCE
#include <linux/capability.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <linux/sync_file.h>

#include "vm_suite.h"

#ifndef SYNC_IOC_SET_DEADLINE
struct sync_set_deadline {
	uint64_t deadline_ns;
	uint64_t pad;
};
#define SYNC_IOC_SET_DEADLINE	_IOW(SYNC_IOC_MAGIC, 5, struct sync_set_deadline)
#endif

#define FLOOD_FILES	3	/* a file has at most 64 queues */
#define FLOOD_PER_FILE	40
#define FLOOD_QUEUES	(FLOOD_FILES * FLOOD_PER_FILE)	/* 60 per engine: rounds of 100 ms */
#define FLOOD_FILLS	192
#define FLOOD_JOBS	8	/* flood_start_jobs(): the fence slots of a flood queue */
#define MIB		(1u << 20)

static struct dsb_test_queue flood[FLOOD_QUEUES];
static struct dsb_test_bo flood_dst[FLOOD_FILES], flood_cmd[FLOOD_FILES];
static int flood_fd[FLOOD_FILES];
static uint64_t flood_last[FLOOD_QUEUES];

static struct dsb_test_queue queue_prio_on(int f, uint32_t prio, uint32_t timeout_ms)
{
	struct drm_dsb_queue_create c = { .priority = prio, .timeout_ms = timeout_ms,
					  .fence_slots = 8 };
	struct dsb_test_queue q;

	ck_assert_int_eq(dsb_test_queue_create(f, &c, &q), 0);
	return q;
}

static struct dsb_test_queue queue_prio(uint32_t prio, uint32_t timeout_ms)
{
	return queue_prio_on(fd, prio, timeout_ms);
}

/*
 * Every flood queue runs @jobs jobs of FLOOD_FILLS 1 MiB fills at realtime
 * priority (each job about 96 rounds: two fills per slice).
 */
static void flood_start_jobs(unsigned int jobs)
{
	struct dsb_test_cmdbuf cb;

	for (unsigned int f = 0; f < FLOOD_FILES; f++) {
		flood_fd[f] = dsb_test_open(0);
		ck_assert_int_ge(flood_fd[f], 0);
		ck_assert_int_eq(dsb_test_bo_create(flood_fd[f], MIB, &flood_dst[f]), 0);
		ck_assert_int_eq(dsb_test_bo_create(flood_fd[f], FLOOD_FILLS * DRM_DSB_INSTR_SIZE,
						    &flood_cmd[f]), 0);
		dsb_test_cmd_init(&cb, flood_cmd[f].map, flood_cmd[f].size);
		for (unsigned int i = 0; i < FLOOD_FILLS; i++)
			ck_assert_int_eq(dsb_test_cmd_fill(&cb, flood_dst[f].va, i, MIB), 0);
		for (unsigned int i = 0; i < FLOOD_PER_FILE; i++) {
			struct dsb_test_queue *q = &flood[f * FLOOD_PER_FILE + i];

			*q = queue_prio_on(flood_fd[f], DRM_DSB_QUEUE_PRIORITY_MAX, 0);
			for (unsigned int j = 0; j < jobs; j++)
				ck_assert_int_eq(dsb_test_submit(flood_fd[f], q->id, j, flood_cmd[f].va,
								 dsb_test_cmd_len(&cb), NULL, 0,
								 &flood_last[f * FLOOD_PER_FILE + i]), 0);
		}
	}
}

static void flood_start(void)
{
	flood_start_jobs(1);
}

/* Flood queues whose jobs are not all complete. */
static unsigned int flood_busy(void)
{
	unsigned int busy = 0;

	for (unsigned int k = 0; k < FLOOD_QUEUES; k++)
		busy += __atomic_load_n(&flood[k].fences->completed, __ATOMIC_ACQUIRE) <
			flood_last[k];
	return busy;
}

/* Every flood queue still active (none was banned); then all go away. */
static void flood_stop(void)
{
	for (unsigned int f = 0; f < FLOOD_FILES; f++) {
		for (unsigned int i = 0; i < FLOOD_PER_FILE; i++) {
			struct dsb_test_queue *q = &flood[f * FLOOD_PER_FILE + i];
			struct drm_dsb_queue_status st;

			ck_assert_int_eq(dsb_test_queue_status(flood_fd[f], q->id, &st), 0);
			ck_assert_uint_eq(st.state, DRM_DSB_QUEUE_ACTIVE);
		}
		close(flood_fd[f]);	/* destroys its queues and BOs */
	}
}

/*
 * A command buffer of @n NOPs and a TIMESTAMP of its end into @ts_va,
 * after a MEMWAIT for *@gate_va >= 1 when @gate_va is not 0.
 */
static uint32_t gated_nops_then_stamp(struct dsb_test_bo *cmd, uint64_t gate_va, uint32_t n,
				      uint64_t ts_va)
{
	struct dsb_test_cmdbuf cb;

	dsb_test_cmd_init(&cb, cmd->map, cmd->size);
	if (gate_va)
		ck_assert_int_eq(dsb_test_cmd_memwait(&cb, gate_va, 1, 0), 0);
	for (uint32_t i = 0; i < n; i++)
		ck_assert_int_eq(dsb_test_cmd_nop(&cb), 0);
	ck_assert_int_eq(dsb_test_cmd_timestamp(&cb, ts_va), 0);
	return dsb_test_cmd_len(&cb);
}

static uint32_t nops_then_stamp(struct dsb_test_bo *cmd, uint32_t n, uint64_t ts_va)
{
	return gated_nops_then_stamp(cmd, 0, n, ts_va);
}

START_TEST(test_slot_wait_not_banned)
{
	struct dsb_test_queue victim;
	struct dsb_test_bo cmd, ts;
	struct drm_dsb_queue_status st;
	uint64_t seqno;
	uint32_t len;
	int64_t t0;

	flood_start();
	/* 5 ms timeout: far below the time between its slices in the flood. */
	victim = queue_prio(0, 5);
	ck_assert_int_eq(dsb_test_bo_create(fd, 4096 * DRM_DSB_INSTR_SIZE, &cmd), 0);
	ck_assert_int_eq(dsb_test_bo_create(fd, PAGE, &ts), 0);
	len = nops_then_stamp(&cmd, 3000, ts.va);
	t0 = dsb_test_now_ns();
	ck_assert_int_eq(dsb_test_submit(fd, victim.id, 0, cmd.va, len, NULL, 0, &seqno), 0);
	ck_assert_int_eq(wait_job(fd, victim.id, seqno), 0);
	st = status_of(fd, victim.id);
	ck_assert_uint_eq(st.state, DRM_DSB_QUEUE_ACTIVE);
	printf("sched: a low-priority job of 3000 steps behind %u realtime floods took %lld ms "
	       "with a 5 ms watchdog, not banned\n", FLOOD_QUEUES,
	       (long long)((dsb_test_now_ns() - t0) / MS_NS));
	flood_stop();
	dsb_test_queue_destroy(fd, &victim);
}
END_TEST

/*
 * Engines run without gaps again, once the one each may be sleeping in
 * has ended (at most 200 ms): the next test starts with running engines.
 */
static void end_engine_gap(void)
{
	set_module_param("test_engine_gap_ms", 0);
	usleep(250 * 1000);
}

/* After each test (the fixture's cleanup). */
static void reset_engine_gap(void)
{
	reset_test_param("test_engine_gap_ms");
	reset_test_param("test_doorbell_gap_ms");
	reset_test_param("test_slice_stall_ms");
}

/*
 * A queue the engine last found idle (its jobs done) gets a job while the
 * engine thread is away between rounds (the module's test_engine_gap_ms,
 * as a thread preempted on a loaded machine). The engine's "nothing to
 * run" is from before that doorbell: the watchdog must not count the wait
 * as a stall. With a 5 ms timeout, one counted 10 ms tick bans the queue.
 */
START_TEST(test_idle_queue_waits_not_banned)
{
	struct dsb_test_queue victim;
	struct dsb_test_bo cmd, ts;
	long long wait_ms[5];
	int ret = 0, err = 0;
	uint64_t seqno;
	uint32_t len;
	int64_t t0;
	int i;

	victim = queue_prio(0, 5);
	ck_assert_int_eq(dsb_test_bo_create(fd, PAGE, &cmd), 0);
	ck_assert_int_eq(dsb_test_bo_create(fd, PAGE, &ts), 0);
	len = nops_then_stamp(&cmd, 1, ts.va);
	set_module_param("test_engine_gap_ms", 100);
	for (i = 0; i < 5; i++) {
		/* Two rounds: the engine has looked at it and found nothing. */
		usleep(250000);
		ret = dsb_test_submit(fd, victim.id, 0, cmd.va, len, NULL, 0, &seqno);
		if (ret)
			break;
		t0 = dsb_test_now_ns();
		err = wait_job(fd, victim.id, seqno);
		wait_ms[i] = (dsb_test_now_ns() - t0) / MS_NS;
		if (err)
			break;
	}
	/* Before any assertion: a failed check skips the fixture's cleanup. */
	end_engine_gap();
	ck_assert_int_eq(ret, 0);
	ck_assert_msg(err == 0, "job %d of an idle queue failed %d (fault %u): banned while the "
		      "engine was away", i, err, status_of(fd, victim.id).fault);
	ck_assert_uint_eq(status_of(fd, victim.id).state, DRM_DSB_QUEUE_ACTIVE);
	printf("sched: an idle queue with a 5 ms watchdog, engine away 100 ms between rounds: "
	       "%d jobs done after %lld %lld %lld %lld %lld ms, not banned\n", i,
	       wait_ms[0], wait_ms[1], wait_ms[2], wait_ms[3], wait_ms[4]);
	dsb_test_queue_destroy(fd, &victim);
}
END_TEST

static int count_unmapped_queues(void)
{
	char line[512];
	int n = 0;
	FILE *f;

	for (int minor = 0; minor < 256; minor++) {
		char path[96];

		snprintf(path, sizeof(path), "/sys/kernel/debug/dri/%d/dsb_queues", minor);
		f = fopen(path, "r");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f))
			n += strstr(line, ": engine ") && strstr(line, " hw slot -1 ");
		fclose(f);
		break;
	}
	return n;
}

START_TEST(test_blocked_queues_yield_slots)
{
	enum { N = 12 };	/* more than the 2 x 4 hardware slots */
	struct dsb_test_queue q[N];
	struct dsb_test_bo gate, cmd;
	struct dsb_test_cmdbuf cb;
	long long yields[2];
	uint64_t seqno[N];

	ck_assert_int_eq(dsb_test_bo_create(fd, PAGE, &gate), 0);
	ck_assert_int_eq(dsb_test_bo_create(fd, PAGE, &cmd), 0);
	dsb_test_cmd_init(&cb, cmd.map, cmd.size);
	ck_assert_int_eq(dsb_test_cmd_memwait(&cb, gate.va, 1, 0), 0);
	ck_assert_int_eq(dsb_test_debugfs_counter(0, "slot_yields", &yields[0]), 0);
	for (int i = 0; i < N; i++) {
		q[i] = queue_new(fd, 64, 8, 0);
		ck_assert_int_eq(dsb_test_submit(fd, q[i].id, 0, cmd.va, dsb_test_cmd_len(&cb),
						 NULL, 0, &seqno[i]), 0);
	}
	/*
	 * All blocked: none holds a slot once it has had its look. A queue
	 * the engine has not looked at yet holds none either: wait for the
	 * yields too.
	 */
	for (int tries = 0; tries < 400; tries++) {
		ck_assert_int_eq(dsb_test_debugfs_counter(0, "slot_yields", &yields[1]), 0);
		if (count_unmapped_queues() == N && yields[1] - yields[0] >= N)
			break;
		usleep(5000);
	}
	printf("sched: %d MEMWAIT-blocked queues, %d without a slot, %lld slots given up\n", N,
	       count_unmapped_queues(), yields[1] - yields[0]);
	ck_assert_int_eq(count_unmapped_queues(), N);
	ck_assert_int_ge(yields[1] - yields[0], N);
	*(volatile uint64_t *)gate.map = 1;
	for (int i = 0; i < N; i++) {
		ck_assert_int_eq(wait_job(fd, q[i].id, seqno[i]), 0);
		dsb_test_queue_destroy(fd, &q[i]);
	}
	dsb_test_bo_destroy(fd, &cmd);
	dsb_test_bo_destroy(fd, &gate);
}
END_TEST

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

/*
 * Realtime submit-to-start under a full load of normal queues: 16 normal
 * queues (twice the hardware slots) of 1 MiB FILLs, then one realtime
 * queue submits TIMESTAMP-first jobs one at a time. Its start (the
 * stamp minus the submit time) is bounded: a realtime doorbell mid-round
 * is served after the slice being executed, not a round of 16 slices
 * later. The load is still running at the last sample.
 */
START_TEST(test_realtime_start_bounded)
{
	enum { LOADQ = 16, JOBS = 3, SAMPLES = 30 };
	struct dsb_test_queue load[LOADQ], rt;
	struct dsb_test_bo dst, fills, cmd, ts;
	struct dsb_test_cmdbuf cb;
	long long start_us[SAMPLES];
	long long bound_us = (dsb_test_debug_kernel() ? 3000 : 500) * 1000ll;
	uint64_t seqno, last[LOADQ];
	uint32_t len;
	int busy = 0;

	ck_assert_int_eq(dsb_test_bo_create(fd, MIB, &dst), 0);
	ck_assert_int_eq(dsb_test_bo_create(fd, FLOOD_FILLS * DRM_DSB_INSTR_SIZE, &fills), 0);
	dsb_test_cmd_init(&cb, fills.map, fills.size);
	for (unsigned int i = 0; i < FLOOD_FILLS; i++)
		ck_assert_int_eq(dsb_test_cmd_fill(&cb, dst.va, i, MIB), 0);
	ck_assert_int_eq(dsb_test_bo_create(fd, PAGE, &cmd), 0);
	ck_assert_int_eq(dsb_test_bo_create(fd, PAGE, &ts), 0);
	len = nops_then_stamp(&cmd, 0, ts.va);
	rt = queue_prio(DRM_DSB_QUEUE_PRIORITY_MAX, 0);
	for (int i = 0; i < LOADQ; i++) {
		load[i] = queue_prio(DRM_DSB_QUEUE_PRIORITY_NORMAL, 0);
		for (int j = 0; j < JOBS; j++)
			ck_assert_int_eq(dsb_test_submit(fd, load[i].id, j, fills.va,
							 dsb_test_cmd_len(&cb), NULL, 0, &last[i]),
					 0);
	}
	usleep(20 * 1000);	/* the load is running */
	for (int k = 0; k < SAMPLES; k++) {
		int64_t t0;

		*(volatile uint64_t *)ts.map = 0;
		t0 = dsb_test_now_ns();
		ck_assert_int_eq(dsb_test_submit(fd, rt.id, 0, cmd.va, len, NULL, 0, &seqno), 0);
		ck_assert_int_eq(wait_job(fd, rt.id, seqno), 0);
		start_us[k] = ((long long)*(volatile uint64_t *)ts.map - t0) / 1000;
		ck_assert_msg(start_us[k] >= 0, "stamp before the submit: %lld us", start_us[k]);
	}
	for (int i = 0; i < LOADQ; i++)
		busy += __atomic_load_n(&load[i].fences->completed, __ATOMIC_ACQUIRE) < last[i];
	qsort(start_us, SAMPLES, sizeof(start_us[0]), cmp_ll);
	printf("sched: realtime submit-to-start under %d normal queues of FILLs (%d still busy at "
	       "the end): p50 %lld us, max %lld us (bound %lld us)\n", LOADQ, busy,
	       start_us[SAMPLES / 2], start_us[SAMPLES - 1], bound_us);
	ck_assert_msg(busy > 0, "the load was over before the last sample");
	ck_assert_int_le(start_us[SAMPLES - 1], bound_us);
	for (int i = 0; i < LOADQ; i++)
		dsb_test_queue_destroy(fd, &load[i]);
	dsb_test_queue_destroy(fd, &rt);
}
END_TEST

START_TEST(test_priority_order)
{
	/* Created alternately on the two engines: 0, 2, 4 share engine 0. */
	struct dsb_test_queue q[6];
	struct dsb_test_bo cmd[3], ts;
	uint64_t seqno[3], t[3];
	const uint32_t prio[3] = { 0, 1, 2 };	/* low, normal, high */

	ck_assert_int_eq(dsb_test_bo_create(fd, PAGE, &ts), 0);
	/* Long watchdog: they wait at the gate while the others are set up. */
	for (int i = 0; i < 6; i++)
		q[i] = queue_prio(i % 2 ? 0 : prio[i / 2], 60000);
	/* All three start together, when the gate word (ts[3]) opens. */
	for (int k = 0; k < 3; k++) {
		uint32_t len;

		ck_assert_int_eq(dsb_test_bo_create(fd, 20100 * DRM_DSB_INSTR_SIZE, &cmd[k]), 0);
		len = gated_nops_then_stamp(&cmd[k], ts.va + 24, 20000, ts.va + 8 * k);
		ck_assert_int_eq(dsb_test_submit(fd, q[2 * k].id, 0, cmd[k].va, len, NULL, 0,
						 &seqno[k]), 0);
	}
	usleep(20000);
	__atomic_store_n(&((uint64_t *)ts.map)[3], 1, __ATOMIC_RELEASE);
	for (int k = 0; k < 3; k++) {
		ck_assert_int_eq(wait_job(fd, q[2 * k].id, seqno[k]), 0);
		t[k] = ((volatile uint64_t *)ts.map)[k];
	}
	printf("sched: 20000 steps each on one engine: high done %lld us before normal, "
	       "normal %lld us before low\n", (long long)(t[1] - t[2]) / 1000,
	       (long long)(t[0] - t[1]) / 1000);
	ck_assert_msg(t[2] < t[1] && t[1] < t[0], "completion order high %llu normal %llu low %llu",
		      (unsigned long long)t[2], (unsigned long long)t[1], (unsigned long long)t[0]);
	for (int i = 0; i < 6; i++)
		dsb_test_queue_destroy(fd, &q[i]);
	for (int k = 0; k < 3; k++)
		dsb_test_bo_destroy(fd, &cmd[k]);
	dsb_test_bo_destroy(fd, &ts);
}
END_TEST

/* Set a deadline (CLOCK_MONOTONIC ns) on the fence @so holds, through a sync_file. */
static int set_deadline(uint32_t so, int64_t deadline_ns)
{
	struct sync_set_deadline d = { .deadline_ns = (uint64_t)deadline_ns };
	int sfd, ret;

	ck_assert_int_eq(drmSyncobjExportSyncFile(fd, so, &sfd), 0);
	ret = ioctl(sfd, SYNC_IOC_SET_DEADLINE, &d) ? -errno : 0;
	close(sfd);
	return ret;
}

/*
 * Whether the kernel has deadline hints (SYNC_IOC_SET_DEADLINE, 6.3 and
 * later): probed on a signalled fence, which takes no hint.
 */
static bool have_deadline_hints(void)
{
	uint32_t so = syncobj_new(fd);
	int ret;

	ck_assert_int_eq(drmSyncobjSignal(fd, &so, 1), 0);
	ret = set_deadline(so, dsb_test_now_ns());
	drmSyncobjDestroy(fd, so);
	if (ret == -ENOTTY || ret == -EINVAL) {
		printf("sched: no deadline hints on this kernel (%s), skipped\n", strerror(-ret));
		return false;
	}
	ck_assert_int_eq(ret, 0);
	return true;
}

enum hint { NO_HINT, HINT_AHEAD, HINT_NOW, HINT_PAST };

/*
 * Time one job of @q behind the flood, from its submit to its completion.
 * Its deadline: @ahead_ns after the submit (HINT_AHEAD), the submit's time
 * (HINT_NOW: past when it is set) or long past (HINT_PAST, 1 ns after boot).
 */
static int64_t timed_job(struct dsb_test_queue *q, struct dsb_test_bo *cmd, uint32_t len,
			 enum hint hint, int64_t ahead_ns)
{
	struct drm_dsb_sync_op sig;
	uint32_t so = syncobj_new(fd);
	uint64_t seqno;
	int64_t t0;

	sig = sync_signal(so);
	t0 = dsb_test_now_ns();
	ck_assert_int_eq(dsb_test_submit(fd, q->id, 0, cmd->va, len, &sig, 1, &seqno), 0);
	if (hint != NO_HINT)
		ck_assert_int_eq(set_deadline(so, hint == HINT_AHEAD ? t0 + ahead_ns :
					      hint == HINT_NOW ? t0 : 1), 0);
	ck_assert_int_eq(wait_job(fd, q->id, seqno), 0);
	drmSyncobjDestroy(fd, so);
	return dsb_test_now_ns() - t0;
}

/* The median of @n (odd) values; sorts them. */
static long long median(long long *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_ll);
	return v[n / 2];
}

START_TEST(test_deadline_boost)
{
	struct dsb_test_queue q;
	struct dsb_test_bo cmd, ts;
	long long hints[2], misses[2];
	int64_t plain, hinted;
	unsigned int busy;
	uint32_t len;

	if (!have_deadline_hints())
		return;
	flood_start_jobs(FLOOD_JOBS);
	q = queue_prio(0, 0);
	ck_assert_int_eq(dsb_test_bo_create(fd, 2100 * DRM_DSB_INSTR_SIZE, &cmd), 0);
	ck_assert_int_eq(dsb_test_bo_create(fd, PAGE, &ts), 0);
	len = nops_then_stamp(&cmd, 2000, ts.va);
	ck_assert_int_eq(dsb_test_debugfs_counter(0, "deadline_hints", &hints[0]), 0);
	ck_assert_int_eq(dsb_test_debugfs_counter(0, "deadline_misses", &misses[0]), 0);
	plain = timed_job(&q, &cmd, len, NO_HINT, 0);
	hinted = timed_job(&q, &cmd, len, HINT_AHEAD, 5 * SEC_NS);
	/* A deadline 1 ms away cannot be met by 2000 steps behind the flood. */
	timed_job(&q, &cmd, len, HINT_AHEAD, MS_NS);
	busy = flood_busy();
	ck_assert_int_eq(dsb_test_debugfs_counter(0, "deadline_hints", &hints[1]), 0);
	ck_assert_int_eq(dsb_test_debugfs_counter(0, "deadline_misses", &misses[1]), 0);
	printf("sched: behind %u realtime floods (%u still busy), a low-priority job took %lld ms, "
	       "with a deadline hint 5 s away %lld ms: ratio %.2f; hints %lld, missed %lld\n",
	       FLOOD_QUEUES, busy, (long long)(plain / MS_NS), (long long)(hinted / MS_NS),
	       (double)hinted / (double)plain, hints[1] - hints[0], misses[1] - misses[0]);
	fflush(stdout);
	ck_assert_msg(busy == FLOOD_QUEUES, "the flood was over before the last run");
	ck_assert_int_eq(hints[1] - hints[0], 2);
	ck_assert_int_eq(misses[1] - misses[0], 1);
	ck_assert_msg(hinted * 2 <= plain, "hinted %lld ns, plain %lld ns",
		      (long long)hinted, (long long)plain);
	flood_stop();
	dsb_test_queue_destroy(fd, &q);
}
END_TEST

/*
 * A deadline that is now or already past asks for the job as soon as
 * possible: behind the flood, a low-priority job of 1,000 steps hinted
 * with the time of its submit, or with a time long past, completes in at
 * most half the time of the same job without a hint (medians of 5 runs of
 * each, interleaved, in the same flood). Each such hint is a missed
 * deadline. Before, the engine boosted a queue only until the deadline,
 * so these hints were dropped (1.54x).
 */
START_TEST(test_deadline_now_boost)
{
	enum { REPS = 5, NOPS = 1000 };
	long long plain[REPS], now[REPS], past[REPS], hints[2], misses[2], p, n, o;
	struct dsb_test_queue q;
	struct dsb_test_bo cmd, ts;
	unsigned int busy;
	uint32_t len;

	if (!have_deadline_hints())
		return;
	flood_start_jobs(FLOOD_JOBS);
	q = queue_prio(0, 0);
	ck_assert_int_eq(dsb_test_bo_create(fd, (NOPS + 100) * DRM_DSB_INSTR_SIZE, &cmd), 0);
	ck_assert_int_eq(dsb_test_bo_create(fd, PAGE, &ts), 0);
	len = nops_then_stamp(&cmd, NOPS, ts.va);
	ck_assert_int_eq(dsb_test_debugfs_counter(0, "deadline_hints", &hints[0]), 0);
	ck_assert_int_eq(dsb_test_debugfs_counter(0, "deadline_misses", &misses[0]), 0);
	for (int i = 0; i < REPS; i++) {
		plain[i] = timed_job(&q, &cmd, len, NO_HINT, 0);
		now[i] = timed_job(&q, &cmd, len, HINT_NOW, 0);
		past[i] = timed_job(&q, &cmd, len, HINT_PAST, 0);
	}
	busy = flood_busy();
	ck_assert_int_eq(dsb_test_debugfs_counter(0, "deadline_hints", &hints[1]), 0);
	ck_assert_int_eq(dsb_test_debugfs_counter(0, "deadline_misses", &misses[1]), 0);
	p = median(plain, REPS);
	n = median(now, REPS);
	o = median(past, REPS);
	printf("sched: behind %u realtime floods (%u still busy), a low-priority job of %d steps "
	       "took %lld ms (median of %d), with a deadline of now %lld ms (ratio %.2f), with "
	       "a past deadline %lld ms (ratio %.2f); hints %lld, missed %lld\n", FLOOD_QUEUES,
	       busy, NOPS, p / MS_NS, REPS, n / MS_NS, (double)n / (double)p, o / MS_NS,
	       (double)o / (double)p, hints[1] - hints[0], misses[1] - misses[0]);
	fflush(stdout);
	ck_assert_msg(busy == FLOOD_QUEUES, "the flood was over before the last run");
	ck_assert_int_eq(hints[1] - hints[0], 2 * REPS);
	ck_assert_int_eq(misses[1] - misses[0], 2 * REPS);
	ck_assert_msg(n * 2 <= p, "deadline now: %lld ns, no hint: %lld ns", n, p);
	ck_assert_msg(o * 2 <= p, "deadline past: %lld ns, no hint: %lld ns", o, p);
	flood_stop();
	dsb_test_queue_destroy(fd, &q);
}
END_TEST

/*
 * A boost starts within the round: behind the flood, two low-priority jobs
 * of one step are submitted together on two queues last in engine 0's
 * round, the second with a deadline 5 s away; the hinted job completes
 * (its TIMESTAMP) in at most half the time of the other (medians of 11
 * pairs, each at a random point of a round). Before, a boost took effect
 * when the next round started, so the hinted job, whose queue comes after
 * the other's, never completed first: a short job gained nothing.
 */
START_TEST(test_deadline_boost_short_job)
{
	enum { REPS = 11 };
	long long plain[REPS], hinted[REPS], p, h;
	struct dsb_test_bo cmd[2], ts;
	struct dsb_test_queue q[3];
	volatile int64_t *t;
	unsigned int seed = 28;
	unsigned int busy;
	uint32_t len[2];

	if (!have_deadline_hints())
		return;
	flood_start_jobs(FLOOD_JOBS);
	/*
	 * Queues go to the engine with the fewest: 0, 1, 0 after the flood's
	 * 60 + 60. The plain job's queue is q[0], the hinted one's q[2].
	 */
	for (int k = 0; k < 3; k++)
		q[k] = queue_prio(0, 0);
	ck_assert_int_eq(dsb_test_bo_create(fd, PAGE, &ts), 0);
	t = ts.map;
	for (int k = 0; k < 2; k++) {
		ck_assert_int_eq(dsb_test_bo_create(fd, PAGE, &cmd[k]), 0);
		len[k] = nops_then_stamp(&cmd[k], 1, ts.va + 8 * k);
	}
	for (int i = 0; i < REPS; i++) {
		uint32_t so = syncobj_new(fd);
		struct drm_dsb_sync_op sig = sync_signal(so);
		uint64_t seqno[2];
		int64_t t0;

		usleep(rand_r(&seed) % 250000);
		t[0] = 0;
		t[1] = 0;
		t0 = dsb_test_now_ns();
		ck_assert_int_eq(dsb_test_submit(fd, q[0].id, 0, cmd[0].va, len[0], NULL, 0,
						 &seqno[0]), 0);
		ck_assert_int_eq(dsb_test_submit(fd, q[2].id, 0, cmd[1].va, len[1], &sig, 1,
						 &seqno[1]), 0);
		ck_assert_int_eq(set_deadline(so, t0 + 5 * SEC_NS), 0);
		ck_assert_int_eq(wait_job(fd, q[0].id, seqno[0]), 0);
		ck_assert_int_eq(wait_job(fd, q[2].id, seqno[1]), 0);
		plain[i] = t[0] - t0;
		hinted[i] = t[1] - t0;
		drmSyncobjDestroy(fd, so);
	}
	busy = flood_busy();
	p = median(plain, REPS);
	h = median(hinted, REPS);
	printf("sched: behind %u realtime floods (%u still busy), a low-priority job of one step "
	       "completed after %lld us (median of %d), the same job with a deadline 5 s away "
	       "submitted with it after %lld us: ratio %.2f\n", FLOOD_QUEUES, busy, p / 1000, REPS,
	       h / 1000, (double)h / (double)p);
	fflush(stdout);
	ck_assert_msg(busy == FLOOD_QUEUES, "the flood was over before the last run");
	ck_assert_msg(h * 2 <= p, "hinted %lld ns, no hint %lld ns", h, p);
	flood_stop();
	for (int k = 0; k < 3; k++)
		dsb_test_queue_destroy(fd, &q[k]);
}
END_TEST

/*
 * Whether @q shows a boost in its fence memory header: a job up to
 * boost_seqno is not complete. (Not debugfs: under the flood, reading
 * dsb_queues waits for the engine lock once per queue, a round each.)
 */
static bool boost_shown(const struct dsb_test_queue *q)
{
	uint64_t completed = __atomic_load_n(&q->fences->completed, __ATOMIC_ACQUIRE);

	return __atomic_load_n(&q->fences->boost_seqno, __ATOMIC_RELAXED) > completed;
}

/*
 * A boost ends with the job it was given for. Behind the flood, on one
 * low-priority queue, job A (a MEMWAIT on a gate, a NOP, a TIMESTAMP) has
 * a deadline 5 s away, set before its gate opens; job B (600 TIMESTAMPs,
 * no hint) follows it. B's steps run in runs of one slice each, a round
 * of the flood apart (a gap of at least 1 ms): none runs in A's boosted
 * slice (the first run right after A's end is empty) and none is longer
 * than a low-priority slice (64 units). Before, the boosted slice went on
 * into B until its budget or its time ran out (58 to 507 of B's steps).
 * The queue's fence memory header shows a boost while A waits, none once
 * A is complete.
 */
START_TEST(test_deadline_boost_ends_with_job)
{
	enum { K = 600, LOW_BUDGET = 64 };
	const int64_t gap_ns = MS_NS;
	struct dsb_test_bo gate, cmd_a, cmd_b, stamps;
	struct dsb_test_cmdbuf cb;
	struct drm_dsb_sync_op sig;
	int first = -1, longest = 0, run = 0, runs = 1;
	struct dsb_test_queue q;
	volatile int64_t *t;
	bool shown[2];
	uint64_t seqno[2];
	unsigned int busy;
	uint32_t so, len_a;
	int64_t prev;

	if (!have_deadline_hints())
		return;
	flood_start_jobs(FLOOD_JOBS);
	/* A long watchdog: its job waits at a gate. */
	q = queue_prio(0, 60000);
	ck_assert_int_eq(dsb_test_bo_create(fd, PAGE, &gate), 0);
	ck_assert_int_eq(dsb_test_bo_create(fd, PAGE, &cmd_a), 0);
	ck_assert_int_eq(dsb_test_bo_create(fd, (K + 1) * DRM_DSB_INSTR_SIZE, &cmd_b), 0);
	ck_assert_int_eq(dsb_test_bo_create(fd, (K + 1) * 8, &stamps), 0);
	t = stamps.map;
	/* A stamps t[K], B stamps t[0..K-1]. */
	len_a = gated_nops_then_stamp(&cmd_a, gate.va, 1, stamps.va + 8 * K);
	dsb_test_cmd_init(&cb, cmd_b.map, cmd_b.size);
	for (int i = 0; i < K; i++)
		ck_assert_int_eq(dsb_test_cmd_timestamp(&cb, stamps.va + 8 * i), 0);
	so = syncobj_new(fd);
	sig = sync_signal(so);
	ck_assert_int_eq(dsb_test_submit(fd, q.id, 0, cmd_a.va, len_a, &sig, 1, &seqno[0]), 0);
	ck_assert_int_eq(set_deadline(so, dsb_test_now_ns() + 5 * SEC_NS), 0);
	ck_assert_int_eq(dsb_test_submit(fd, q.id, 1, cmd_b.va, K * DRM_DSB_INSTR_SIZE, NULL, 0,
					 &seqno[1]), 0);
	shown[0] = boost_shown(&q);
	usleep(20 * 1000);
	__atomic_store_n((uint64_t *)gate.map, 1, __ATOMIC_RELEASE);
	ck_assert_int_eq(wait_job(fd, q.id, seqno[0]), 0);
	shown[1] = boost_shown(&q);
	ck_assert_int_eq(wait_job(fd, q.id, seqno[1]), 0);
	busy = flood_busy();
	/* B's steps, in runs: a gap of gap_ns or more starts the next. */
	prev = t[K];
	for (int i = 0; i < K; i++) {
		if (t[i] - prev >= gap_ns) {
			if (first < 0)
				first = run;
			longest = run > longest ? run : longest;
			run = 0;
			runs++;
		}
		run++;
		prev = t[i];
	}
	if (first < 0)
		first = run;
	longest = run > longest ? run : longest;
	printf("sched: behind %u realtime floods (%u still busy), a hinted job then %d steps "
	       "without a hint on the queue: %d of them in the hinted job's slice, the rest in "
	       "%d runs of at most %d; boost shown while it waited %s, after %s\n", FLOOD_QUEUES,
	       busy, K, first, runs - 1, longest, shown[0] ? "yes" : "no",
	       shown[1] ? "yes" : "no");
	fflush(stdout);
	ck_assert_msg(busy == FLOOD_QUEUES, "the flood was over before the last step");
	ck_assert_msg(shown[0], "no boost shown for the hinted job");
	ck_assert_msg(!shown[1], "a boost shown after its job completed");
	ck_assert_msg(first == 0, "%d steps of the next job ran in the hinted job's boost", first);
	ck_assert_msg(longest <= LOW_BUDGET, "the next job ran %d steps in one slice", longest);
	drmSyncobjDestroy(fd, so);
	flood_stop();
	dsb_test_queue_destroy(fd, &q);
}
END_TEST

/*
 * 24 queues in 3 files (3 x the 8 hardware slots), equal priority, each
 * running 30,000 ATOMIC_ADDs on its own counter, all started together
 * (every command buffer is built before the first queue is created, so no
 * queue sits at the gate through the setup): sampled mid-run, no queue is
 * banned, every queue has progressed, and on each engine the least
 * advanced queue has at least half of what the most advanced has. Asserted
 * on every kernel, the debug kernel included.
 */
START_TEST(test_fair_share)
{
	enum { FILES = 3, PER = 8, N = FILES * PER, STEPS = 30000 };
	struct dsb_test_queue q[N];
	struct dsb_test_bo cnt[FILES], cmd[FILES];
	uint64_t seqno[N];
	uint32_t len[N];
	int fds[FILES];

	/*
	 * Every command buffer first: building 7.7 MB of them takes long on
	 * the debug kernel, and queues already at their gate would sit there
	 * that long.
	 */
	for (int f = 0; f < FILES; f++) {
		fds[f] = dsb_test_open(0);
		ck_assert_int_ge(fds[f], 0);
		ck_assert_int_eq(dsb_test_bo_create(fds[f], PAGE, &cnt[f]), 0);
		ck_assert_int_eq(dsb_test_bo_create(fds[f], (size_t)PER * (STEPS + 2) * 32,
						    &cmd[f]), 0);
		for (int i = 0; i < PER; i++) {
			struct dsb_test_cmdbuf cb;

			dsb_test_cmd_init(&cb, (char *)cmd[f].map + (size_t)i * (STEPS + 2) * 32,
					  (size_t)(STEPS + 2) * 32);
			/* All start together: the file's gate word opens after setup. */
			ck_assert_int_eq(dsb_test_cmd_memwait(&cb, cnt[f].va + 8 * 63, 1, 0), 0);
			for (int n = 0; n < STEPS; n++)
				ck_assert_int_eq(dsb_test_cmd_atomic_add(&cb, cnt[f].va + 8 * i, 1), 0);
			len[f * PER + i] = dsb_test_cmd_len(&cb);
		}
	}
	/* Then every queue, created in order (even on engine 0, odd on 1). */
	for (int k = 0; k < N; k++) {
		int f = k / PER, i = k % PER;

		/* The watchdog may count the gate: it is open within seconds. */
		q[k] = queue_prio_on(fds[f], 1, 60000);
		ck_assert_int_eq(dsb_test_submit(fds[f], q[k].id, 0,
						 cmd[f].va + (uint64_t)i * (STEPS + 2) * 32,
						 len[k], NULL, 0, &seqno[k]), 0);
	}
	for (int f = 0; f < FILES; f++)
		__atomic_store_n(&((uint64_t *)cnt[f].map)[63], 1, __ATOMIC_RELEASE);
	/*
	 * Mid-run: once a quarter of all the work is done (every queue must
	 * have started within 30 s: no starvation), most is still ahead.
	 */
	for (int64_t end = dsb_test_now_ns() + 30 * SEC_NS; dsb_test_now_ns() < end;) {
		uint64_t sum = 0, started = 0;

		for (int k = 0; k < N; k++) {
			uint64_t v = ((volatile uint64_t *)cnt[k / PER].map)[k % PER];

			sum += v;
			started += v > 0;
		}
		if (started == N && sum > (uint64_t)N * STEPS / 4)
			break;
		usleep(2000);
	}
	/* A queue banned while it waited (the gate, its turn) shows as starved. */
	for (int k = 0; k < N; k++) {
		struct drm_dsb_queue_status st = status_of(fds[k / PER], q[k].id);

		ck_assert_msg(st.state == DRM_DSB_QUEUE_ACTIVE, "queue %d banned mid-run, fault %u",
			      k, st.fault);
	}
	/*
	 * Queues are spread over the two engines in creation order (even on
	 * engine 0, odd on engine 1): fairness is a property of each engine's
	 * round; the two engines' CPU time is the host's business.
	 */
	for (int e = 0; e < 2; e++) {
		uint64_t elo = UINT64_MAX, ehi = 0;

		for (int k = e; k < N; k += 2) {
			uint64_t v = ((volatile uint64_t *)cnt[k / PER].map)[k % PER];

			elo = v < elo ? v : elo;
			ehi = v > ehi ? v : ehi;
		}
		printf("sched: %d queues on engine %d's 4 slots, mid-run progress min %llu max %llu"
		       " (min/max %.2f)\n", N / 2, e, (unsigned long long)elo,
		       (unsigned long long)ehi, ehi ? (double)elo / (double)ehi : 0);
		fflush(stdout);
		ck_assert_msg(elo > 0, "engine %d: a queue did not progress", e);
		ck_assert_msg(elo * 2 >= ehi, "engine %d unfair: min %llu max %llu", e,
			      (unsigned long long)elo, (unsigned long long)ehi);
	}
	for (int k = 0; k < N; k++) {
		int32_t err = 12345;
		int ret = dsb_test_wait(fds[k / PER], q[k].id, seqno[k], WAIT_NS, &err);
		struct drm_dsb_queue_status st;

		/* Waiting at the gate or for a slot got none of them banned. */
		ck_assert_int_eq(dsb_test_queue_status(fds[k / PER], q[k].id, &st), 0);
		ck_assert_msg(st.state == DRM_DSB_QUEUE_ACTIVE, "queue %d banned, fault %u", k,
			      st.fault);
		ck_assert_int_eq(ret, 0);
		ck_assert_int_eq(err, 0);
	}
	for (int f = 0; f < FILES; f++)
		close(fds[f]);
}
END_TEST

/* Drop CAP_SYS_NICE (this test's process only: Check forks every test). */
static int drop_sys_nice(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return -errno;
	for (int i = 0; i < 2; i++) {
		d[i].effective &= ~(i == CAP_SYS_NICE / 32 ? 1u << (CAP_SYS_NICE % 32) : 0);
		d[i].permitted &= ~(i == CAP_SYS_NICE / 32 ? 1u << (CAP_SYS_NICE % 32) : 0);
		d[i].inheritable &= ~(i == CAP_SYS_NICE / 32 ? 1u << (CAP_SYS_NICE % 32) : 0);
	}
	return syscall(SYS_capset, &h, d) ? -errno : 0;
}

/*
 * Any holder of a fence can set a deadline on it, so a deadline boost must
 * not give an unprivileged queue more than an unprivileged creator may ask
 * for: without CAP_SYS_NICE, a low-priority queue whose job has a deadline
 * hint and a normal-priority one on the same engine, started together,
 * get the same share (the boost lifts low to normal, not to realtime).
 * Sampled mid-run: the boosted queue has at most twice the other's
 * progress (at the realtime budget it had 4x), and at least 0.7 of it
 * (unboosted, low gets half of normal).
 */
START_TEST(test_deadline_boost_capped_without_privilege)
{
	enum { STEPS = 30000 };
	struct dsb_test_queue q[4];
	struct dsb_test_bo cnt, cmd;
	uint64_t seqno[2], v[2];
	long long hints[2];
	uint32_t so, len;
	int sfd, ret;

	ck_assert_int_eq(dsb_test_bo_create(fd, PAGE, &cnt), 0);
	ck_assert_int_eq(dsb_test_bo_create(fd, 2 * (STEPS + 2) * DRM_DSB_INSTR_SIZE, &cmd), 0);
	for (int k = 0; k < 2; k++) {
		struct dsb_test_cmdbuf cb;

		dsb_test_cmd_init(&cb, (char *)cmd.map + (size_t)k * (STEPS + 2) * DRM_DSB_INSTR_SIZE,
				  (size_t)(STEPS + 2) * DRM_DSB_INSTR_SIZE);
		ck_assert_int_eq(dsb_test_cmd_memwait(&cb, cnt.va + 8 * 63, 1, 0), 0);
		for (int n = 0; n < STEPS; n++)
			ck_assert_int_eq(dsb_test_cmd_atomic_add(&cb, cnt.va + 8 * k, 1), 0);
		len = dsb_test_cmd_len(&cb);
	}
	ck_assert_int_eq(drop_sys_nice(), 0);
	/* The priority rule holds here: realtime is refused. */
	{
		struct drm_dsb_queue_create c = { .priority = DRM_DSB_QUEUE_PRIORITY_MAX };
		struct dsb_test_queue rt;

		ck_assert_int_eq(dsb_test_queue_create(fd, &c, &rt), -EACCES);
	}
	/* Created alternately on the two engines: q[0] and q[2] share engine 0. */
	for (int i = 0; i < 4; i++)
		q[i] = queue_prio(i == 0 ? 0 : 1, 60000);
	so = syncobj_new(fd);
	for (int k = 0; k < 2; k++) {
		struct drm_dsb_sync_op sig = sync_signal(so);

		ck_assert_int_eq(dsb_test_submit(fd, q[2 * k].id, 0,
						 cmd.va + (uint64_t)k * (STEPS + 2) * DRM_DSB_INSTR_SIZE,
						 len, &sig, k == 0, &seqno[k]), 0);
	}
	/* The low queue's job: a deadline a minute away, boosted until it is done. */
	ck_assert_int_eq(dsb_test_debugfs_counter(0, "deadline_hints", &hints[0]), 0);
	ck_assert_int_eq(drmSyncobjExportSyncFile(fd, so, &sfd), 0);
	{
		struct sync_set_deadline d = {
			.deadline_ns = (uint64_t)(dsb_test_now_ns() + 60 * SEC_NS) };

		ret = ioctl(sfd, SYNC_IOC_SET_DEADLINE, &d) ? -errno : 0;
	}
	close(sfd);
	__atomic_store_n(&((uint64_t *)cnt.map)[63], 1, __ATOMIC_RELEASE);
	if (ret == -ENOTTY || ret == -EINVAL) {
		printf("sched: no deadline hints on this kernel (%s), skipped\n", strerror(-ret));
		goto out;
	}
	ck_assert_int_eq(ret, 0);
	ck_assert_int_eq(dsb_test_debugfs_counter(0, "deadline_hints", &hints[1]), 0);
	ck_assert_int_eq(hints[1] - hints[0], 1);
	/* Mid-run: a quarter of the work done, neither job finished. */
	for (int64_t end = dsb_test_now_ns() + 30 * SEC_NS; dsb_test_now_ns() < end;) {
		v[0] = ((volatile uint64_t *)cnt.map)[0];
		v[1] = ((volatile uint64_t *)cnt.map)[1];
		if (v[0] + v[1] > STEPS / 2)
			break;
		usleep(1000);
	}
	v[0] = ((volatile uint64_t *)cnt.map)[0];
	v[1] = ((volatile uint64_t *)cnt.map)[1];
	printf("sched: unprivileged, on one engine: boosted low queue %llu steps, normal queue "
	       "%llu (ratio %.2f; the cap is normal's budget)\n", (unsigned long long)v[0],
	       (unsigned long long)v[1], v[1] ? (double)v[0] / (double)v[1] : 0);
	ck_assert_msg(v[0] < STEPS && v[1] < STEPS, "sampled too late: %llu %llu",
		      (unsigned long long)v[0], (unsigned long long)v[1]);
	ck_assert_msg(v[0] <= 2 * v[1], "boost beyond the unprivileged cap: %llu vs %llu",
		      (unsigned long long)v[0], (unsigned long long)v[1]);
	ck_assert_msg(v[0] * 10 >= v[1] * 7, "boost did not lift low to normal: %llu vs %llu",
		      (unsigned long long)v[0], (unsigned long long)v[1]);
out:
	for (int k = 0; k < 2; k++)
		ck_assert_int_eq(wait_job(fd, q[2 * k].id, seqno[k]), 0);
	drmSyncobjDestroy(fd, so);
	for (int i = 0; i < 4; i++)
		dsb_test_queue_destroy(fd, &q[i]);
	dsb_test_bo_destroy(fd, &cmd);
	dsb_test_bo_destroy(fd, &cnt);
}
END_TEST

/*
 * Submit @n jobs of @len bytes at @cmd_va on queue @qid of the fixture's
 * file one after the other, each waited for, until one fails. Returns the
 * jobs done; *@ret is the error of a failed submit, *@err a job's error.
 */
static int run_jobs_in_turn(uint32_t qid, uint64_t cmd_va, uint32_t len, int n, int *ret,
			    int *err)
{
	uint64_t seqno;
	int i;

	*ret = *err = 0;
	for (i = 0; i < n; i++) {
		*ret = dsb_test_submit(fd, qid, 0, cmd_va, len, NULL, 0, &seqno);
		if (*ret)
			break;
		*err = wait_job(fd, qid, seqno);
		if (*err)
			break;
	}
	return i;
}

/*
 * A submitter preempted between handing its jobs over and ringing the
 * doorbell (the module's test_doorbell_gap_ms, as a loaded machine does):
 * the queue has submitted jobs and the engine, idle, sees no doorbell.
 * That is not a process hiding its packets: with a 5 ms watchdog (two
 * 10 ms ticks in the gap), the queue must not be banned. Found under
 * load in sched_test's idle-queue case on 6.12.
 */
START_TEST(test_doorbell_gap_not_banned)
{
	struct dsb_test_queue victim;
	struct dsb_test_bo cmd, ts;
	int ret, err, i;
	uint32_t len;

	victim = queue_prio(0, 5);
	ck_assert_int_eq(dsb_test_bo_create(fd, PAGE, &cmd), 0);
	ck_assert_int_eq(dsb_test_bo_create(fd, PAGE, &ts), 0);
	len = nops_then_stamp(&cmd, 1, ts.va);
	set_module_param("test_doorbell_gap_ms", 50);
	i = run_jobs_in_turn(victim.id, cmd.va, len, 3, &ret, &err);
	set_module_param("test_doorbell_gap_ms", 0);
	ck_assert_int_eq(ret, 0);
	ck_assert_msg(err == 0, "job %d failed %d (fault %u): banned while its submitter was "
		      "between hand-over and doorbell", i, err, status_of(fd, victim.id).fault);
	ck_assert_uint_eq(status_of(fd, victim.id).state, DRM_DSB_QUEUE_ACTIVE);
	printf("sched: a 5 ms watchdog, 50 ms between hand-over and doorbell: %d jobs done, "
	       "not banned\n", i);
	dsb_test_bo_destroy(fd, &cmd);
	dsb_test_bo_destroy(fd, &ts);
	dsb_test_queue_destroy(fd, &victim);
}
END_TEST

/*
 * The engine thread is preempted at the start of every time slice, before
 * the slice's first step, and at its end, after the last one (the
 * module's test_slice_stall_ms), and between rounds (test_engine_gap_ms),
 * as on a loaded machine: watchdog ticks fall between two slices of the
 * job, inside the next one before its first step, and after its steps but
 * before it ended. Neither a slice begun but not yet stepped nor one whose
 * steps a tick already saw is one without progress: with a 5 ms timeout,
 * one such 10 ms tick counted bans the queue. Every slice runs 16 steps
 * (its time is over when it wakes), so the job of 96 steps takes several.
 */
START_TEST(test_preempted_slice_not_banned)
{
	struct dsb_test_queue victim;
	struct dsb_test_bo cmd, ts;
	int ret, err, i;
	uint32_t len;

	victim = queue_prio(0, 5);
	ck_assert_int_eq(dsb_test_bo_create(fd, PAGE, &cmd), 0);
	ck_assert_int_eq(dsb_test_bo_create(fd, PAGE, &ts), 0);
	len = nops_then_stamp(&cmd, 96, ts.va);
	set_module_param("test_slice_stall_ms", 30);
	set_module_param("test_engine_gap_ms", 30);
	i = run_jobs_in_turn(victim.id, cmd.va, len, 2, &ret, &err);
	/* Before any assertion: a failed check skips the fixture's cleanup. */
	set_module_param("test_slice_stall_ms", 0);
	end_engine_gap();
	ck_assert_int_eq(ret, 0);
	ck_assert_msg(err == 0, "job %d failed %d (fault %u): banned while its engine was "
		      "preempted inside a slice", i, err, status_of(fd, victim.id).fault);
	ck_assert_uint_eq(status_of(fd, victim.id).state, DRM_DSB_QUEUE_ACTIVE);
	printf("sched: a 5 ms watchdog, the engine preempted 30 ms twice in every slice and between "
	       "rounds: %d jobs of 96 steps done, not banned\n", i);
	dsb_test_bo_destroy(fd, &cmd);
	dsb_test_bo_destroy(fd, &ts);
	dsb_test_queue_destroy(fd, &victim);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sched");
	TCase *tc = tcase_new(s, "sched", 300);

	vm_fixture(tc, &(struct vm_fixture_params){ .cleanup = reset_engine_gap });
	tcase_add_test(tc, test_slot_wait_not_banned);
	tcase_add_test(tc, test_idle_queue_waits_not_banned);
	tcase_add_test(tc, test_doorbell_gap_not_banned);
	tcase_add_test(tc, test_blocked_queues_yield_slots);
	tcase_add_test(tc, test_priority_order);
	tcase_add_test(tc, test_realtime_start_bounded);
	/*
	 * Tagged "timing": what these measure is the schedule itself, with
	 * nothing else to show. The debug lane leaves them out
	 * (CK_EXCLUDE_TAGS=timing): under KASAN they are its longest cases,
	 * and every other lane runs them, where their times mean something.
	 */
	tc = tcase_new(s, "fairness", 300);
	tcase_set_tags(tc, "timing");
	vm_fixture(tc, &(struct vm_fixture_params){ .cleanup = reset_engine_gap });
	tcase_add_test(tc, test_fair_share);
	/* CK_RUN_CASE=preempt runs only this. */
	tc = tcase_new(s, "preempt", 300);
	vm_fixture(tc, &(struct vm_fixture_params){ .cleanup = reset_engine_gap });
	tcase_add_test(tc, test_preempted_slice_not_banned);
	/* CK_RUN_CASE=deadline runs only these. */
	tc = tcase_new(s, "deadline", 300);
	vm_fixture(tc, NULL);
	tcase_add_test(tc, test_deadline_boost);
	tcase_add_test(tc, test_deadline_boost_capped_without_privilege);
	/* More of the boost's gains and its end, measured: "timing" too. */
	tc = tcase_new(s, "deadline_gains", 300);
	tcase_set_tags(tc, "timing");
	vm_fixture(tc, NULL);
	tcase_add_test(tc, test_deadline_now_boost);
	tcase_add_test(tc, test_deadline_boost_short_job);
	tcase_add_test(tc, test_deadline_boost_ends_with_job);
	return vm_run(s, VM_SKIP_WITHOUT_DEVICE);
}
