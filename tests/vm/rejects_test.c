// SPDX-License-Identifier: MIT
/* Copyright (C) 2026 The dsb authors */
/*
 * A rejected submission leaves nothing behind (issue 12, item 3).
 *
 * Every rejection of every entry — the SUBMIT ioctl, the SQ through
 * QUEUE_SUBMIT_SQ, the SQ through io_uring — at the first, second and last
 * position of a batch of four: -E2BIG (a sync_file merging 9 unsignalled
 * fences, one more than a job may wait for), -EINVAL, -ENOENT, -EBADF,
 * -EBUSY (fence slot in flight), -ENOSPC (ring full), -ECANCELED (banned
 * queue). Each case checks the documented answer (errno and bad_job, or the
 * error CQE of the bad entry), that nothing was published to the batch's
 * syncobj, and that the device's live counters (jobs, fences, queues, BOs,
 * VMs) are back where they were once the case's queues are gone. Then a
 * burst of 1,600 rejected -E2BIG submits must not move them either.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <liburing.h>
#include <sys/ioctl.h>
#include <linux/sync_file.h>

#include "vm_suite.h"

#define BATCH 4
#define BUSY_SLOT 63
#define NOP_OFF 0
#define FAULT_OFF 512

enum entry { E_SUBMIT, E_SQ_IOCTL, E_SQ_URING, N_ENTRIES };
enum kind { K_E2BIG, K_EINVAL, K_ENOENT, K_EBADF, K_EBUSY, K_ENOSPC, K_ECANCELED, N_KINDS };

static const char *const entry_name[] = { "SUBMIT", "SQ ioctl", "SQ io_uring" };
static const char *const kind_name[] = {
	"E2BIG", "EINVAL", "ENOENT", "EBADF", "EBUSY", "ENOSPC", "ECANCELED",
};
static const int kind_errno[] = {
	-E2BIG, -EINVAL, -ENOENT, -EBADF, -EBUSY, -ENOSPC, -ECANCELED,
};

static const char *const live[] = {
	"live_jobs", "live_fences", "live_queues", "live_bos", "live_vms",
};
#define N_LIVE (sizeof(live) / sizeof(live[0]))

/* fd (vm_suite.h) is opened by fixture_up(), inside the tests. */
/*
 * Nine producer queues (nine fence contexts: a sync_file merge keeps one
 * fence per context), each with one job blocked on a MEMWAIT.
 */
static struct dsb_test_queue prod[9];
static struct dsb_test_bo word, cmd;
static uint32_t blocker[9];
static int merged_fd = -1;	/* sync_file of all nine, unsignalled */
static struct io_uring ring;

static void read_live(long long *v)
{
	for (size_t i = 0; i < N_LIVE; i++)
		ck_assert_int_eq(dsb_test_debugfs_counter(0, live[i], &v[i]), 0);
}

/* Wait (fences are freed by a work item) until the counters match @want. */
static void expect_live(const long long *want, const char *what)
{
	long long now[N_LIVE];

	for (int tries = 0; tries < 200; tries++) {
		read_live(now);
		if (!memcmp(want, now, sizeof(now)))
			return;
		usleep(10000);
	}
	for (size_t i = 0; i < N_LIVE; i++)
		ck_assert_msg(want[i] == now[i], "%s: %s %lld before, %lld after",
			      what, live[i], want[i], now[i]);
}

static int sync_merge(int a, int b)
{
	struct sync_merge_data m = { .name = "dsb-test", .fd2 = b };

	ck_assert_int_eq(ioctl(a, SYNC_IOC_MERGE, &m), 0);
	return m.fence;
}

static long long baseline[N_LIVE];

/* Producers, their blocked jobs and the merged sync_file. */
static void fixture_up(void)
{
	struct dsb_test_cmdbuf cb;

	ck_assert_int_eq(dsb_test_debugfs_settled(live, N_LIVE, baseline), 0);
	fd = dsb_test_open_or_skip();
	ck_assert_int_eq(io_uring_queue_init(8, &ring, 0), 0);
	ck_assert_int_eq(dsb_test_bo_create(fd, PAGE, &word), 0);
	ck_assert_int_eq(dsb_test_bo_create(fd, PAGE, &cmd), 0);
	dsb_test_cmd_init(&cb, (char *)cmd.map + NOP_OFF, 64);
	ck_assert_int_eq(dsb_test_cmd_nop(&cb), 0);
	dsb_test_cmd_init(&cb, (char *)cmd.map + FAULT_OFF, 64);
	ck_assert_int_eq(dsb_test_cmd_write(&cb, 0x10, 1), 0);	/* unmapped: BAD_VA */
	dsb_test_cmd_init(&cb, (char *)cmd.map + 1024, 64);
	ck_assert_int_eq(dsb_test_cmd_memwait(&cb, word.va, 1, 0), 0);

	for (int i = 0; i < 9; i++) {
		struct drm_dsb_sync_op op;
		int sf = -1;

		prod[i] = queue_new(fd, 16, 1, 60000);
		blocker[i] = syncobj_new(fd);
		op = sync_signal(blocker[i]);
		ck_assert_int_eq(dsb_test_submit(fd, prod[i].id, 0, cmd.va + 1024,
						 DRM_DSB_INSTR_SIZE, &op, 1, NULL), 0);
		ck_assert_int_eq(drmSyncobjExportSyncFile(fd, blocker[i], &sf), 0);
		if (merged_fd < 0) {
			merged_fd = sf;
		} else {
			int m = sync_merge(merged_fd, sf);

			close(merged_fd);
			close(sf);
			merged_fd = m;
		}
	}
	ck_assert_int_eq(dsb_test_sync_file_status(merged_fd, NULL), 0);
}

/*
 * Release the producers; once they retired and everything is closed, the
 * counters are back at the baseline taken before the fixture: a rejected
 * submit that kept a reference on a fence container (the merged array, a
 * chain node) keeps its fences, and their queues' fence memory, alive.
 */
static void fixture_down(void)
{
	__atomic_store_n((uint64_t *)word.map, 1, __ATOMIC_RELEASE);
	for (int i = 0; i < 9; i++) {
		ck_assert_int_eq(drmSyncobjWait(fd, &blocker[i], 1, INT64_MAX, 0, NULL), 0);
		ck_assert_int_eq(drmSyncobjDestroy(fd, blocker[i]), 0);
		ck_assert_int_eq(dsb_test_queue_destroy(fd, &prod[i]), 0);
	}
	close(merged_fd);
	merged_fd = -1;
	io_uring_queue_exit(&ring);
	ck_assert_int_eq(dsb_test_bo_destroy(fd, &word), 0);
	ck_assert_int_eq(dsb_test_bo_destroy(fd, &cmd), 0);
	close(fd);
	fd = -1;
	expect_live(baseline, "after the producers retired and the file closed");
}

/* The sync op that makes a job fail with @k, if it is a sync op. */
static bool bad_sync_op(enum kind k, struct drm_dsb_sync_op *op)
{
	switch (k) {
	case K_E2BIG:
		*op = sf_wait(merged_fd);
		return true;
	case K_EINVAL:	/* a sync_file cannot be signalled */
		*op = (struct drm_dsb_sync_op){ .flags = DRM_DSB_SYNC_OP_SIGNAL |
						DRM_DSB_SYNC_OP_SYNC_FILE };
		return true;
	case K_ENOENT:
		*op = sync_wait(0xfffff);
		return true;
	case K_EBADF:
		*op = sf_wait(1000);	/* not an open file */
		return true;
	default:
		return false;
	}
}

struct job_desc {
	uint32_t queue_id, slot, nsyncs;
	struct drm_dsb_sync_op syncs[2];
};

/* The batch: @pos is bad in the way @k says, the others are good. */
static void build_batch(enum kind k, int pos, uint32_t qid, uint32_t banned_qid,
			uint32_t timeline, struct job_desc *jd)
{
	for (int i = 0; i < BATCH; i++) {
		jd[i] = (struct job_desc){ .queue_id = qid, .slot = i, .nsyncs = 1 };
		jd[i].syncs[0] = tl_signal(timeline, i + 1);
		if (i != pos)
			continue;
		if (bad_sync_op(k, &jd[i].syncs[1]))
			jd[i].nsyncs = 2;
		else if (k == K_EBUSY)
			jd[i].slot = BUSY_SLOT;
		else if (k == K_ECANCELED && banned_qid)
			jd[i].queue_id = banned_qid;
	}
}

static void ban(uint32_t qid)
{
	uint64_t seqno = 0;

	ck_assert_int_eq(dsb_test_submit(fd, qid, BUSY_SLOT - 1, cmd.va + FAULT_OFF,
					 DRM_DSB_INSTR_SIZE, NULL, 0, &seqno), 0);
	ck_assert_int_eq(wait_job(fd, qid, seqno), -EIO);
}

static void run_submit(enum kind k, int pos, const struct job_desc *jd)
{
	struct drm_dsb_job jobs[BATCH];
	struct drm_dsb_submit s = { 0 };
	int ret;

	for (int i = 0; i < BATCH; i++)
		jobs[i] = (struct drm_dsb_job){
			.queue_id = jd[i].queue_id, .slot = jd[i].slot,
			.cmd_va = cmd.va + NOP_OFF, .cmd_len = DRM_DSB_INSTR_SIZE,
			.syncs = { .stride = sizeof(jd[i].syncs[0]), .count = jd[i].nsyncs,
				   .array = (uintptr_t)jd[i].syncs },
		};
	s.jobs = (struct drm_dsb_obj_array){ .stride = sizeof(jobs[0]), .count = BATCH,
					      .array = (uintptr_t)jobs };
	ret = dsb_test_ioctl(fd, DRM_IOCTL_DSB_SUBMIT, &s);
	ck_assert_msg(ret == kind_errno[k], "SUBMIT %s at %d: %d", kind_name[k], pos, ret);
	ck_assert_uint_eq(s.bad_job, pos);
}

static void run_sq(enum entry e, enum kind k, int pos, struct dsb_test_queue *q,
		   const struct job_desc *jd)
{
	struct drm_dsb_sq_cq_header *h = q->sq_cq;
	struct drm_dsb_sqe *sqes = (void *)((char *)h + h->sqes_offset);
	const struct drm_dsb_cqe *cqes = (const void *)((char *)h + h->cqes_offset);
	bool transient = k == K_EBUSY || k == K_ENOSPC || k == K_ECANCELED;
	uint32_t tail = h->sq_tail, head = h->cq_head;
	int ret, submitted;

	for (int i = 0; i < BATCH; i++) {
		struct drm_dsb_sqe *sqe = &sqes[(tail + i) & (q->create.sq_entries - 1)];

		memset(sqe, 0, sizeof(*sqe));
		sqe->user_data = 100 + i;
		sqe->cmd_va = cmd.va + NOP_OFF;
		sqe->cmd_len = DRM_DSB_INSTR_SIZE;
		sqe->slot = jd[i].slot;
		sqe->sync_count = jd[i].nsyncs;
		memcpy(sqe->syncs, jd[i].syncs, sizeof(jd[i].syncs[0]) * jd[i].nsyncs);
	}
	__atomic_store_n(&h->sq_tail, tail + BATCH, __ATOMIC_RELEASE);

	if (e == E_SQ_IOCTL) {
		struct drm_dsb_queue_submit_sq s = { .queue_id = q->id, .count = BATCH };

		ret = dsb_test_ioctl(fd, DRM_IOCTL_DSB_QUEUE_SUBMIT_SQ, &s);
		submitted = ret ? ret : (int)s.submitted;
	} else {
		submitted = dsb_test_uring_cmd(&ring, fd, DRM_DSB_URING_SUBMIT, q->id, BATCH, 0);
	}
	if (transient) {
		/* Nothing consumed: the entries wait in the SQ for room. */
		ck_assert_msg(submitted == kind_errno[k], "%s %s at %d: %d",
			      entry_name[e], kind_name[k], pos, submitted);
		ck_assert_uint_eq(h->sq_head, tail);
		return;
	}
	/* Every entry consumed; the bad one completes at once with its errno. */
	ck_assert_msg(submitted == BATCH, "%s %s at %d: %d", entry_name[e],
		      kind_name[k], pos, submitted);
	for (int64_t t0 = dsb_test_now_ns();
	     __atomic_load_n(&h->cq_tail, __ATOMIC_ACQUIRE) - head < BATCH;)
		ck_assert_int_lt(dsb_test_now_ns() - t0, WAIT_NS);
	for (uint32_t i = head; i != head + BATCH; i++) {
		const struct drm_dsb_cqe *c = &cqes[i & (q->create.cq_entries - 1)];

		if (c->user_data == 100u + pos) {
			ck_assert_int_eq(c->error, kind_errno[k]);
			ck_assert_uint_eq(c->seqno, 0);
		} else {
			ck_assert_int_eq(c->error, 0);
		}
	}
	__atomic_store_n(&h->cq_head, head + BATCH, __ATOMIC_RELEASE);
}

static void run_case(enum entry e, enum kind k, int pos)
{
	struct dsb_test_queue q, banned = { 0 };
	struct job_desc jd[BATCH];
	long long before[N_LIVE];
	uint32_t timeline;
	uint64_t point = 0;
	char what[64];

	snprintf(what, sizeof(what), "%s %s at %d", entry_name[e], kind_name[k], pos);
	read_live(before);
	q = queue_new(fd, 64, 64, 60000);
	timeline = syncobj_new(fd);
	if (k == K_EBUSY || k == K_ENOSPC) {
		struct drm_dsb_sync_op w = sync_wait(blocker[0]);

		/* In flight until the producer runs: 3 packets, slot BUSY_SLOT. */
		ck_assert_int_eq(dsb_test_submit(fd, q.id, BUSY_SLOT, cmd.va + NOP_OFF,
						 DRM_DSB_INSTR_SIZE, &w, 1, NULL), 0);
	}
	if (k == K_ENOSPC) {
		/* Fill the ring until room is left for @pos jobs of 2 packets. */
		for (int i = 0; i < 30 - pos; i++)
			ck_assert_int_eq(dsb_test_submit(fd, q.id, 8 + i, cmd.va + NOP_OFF,
							 DRM_DSB_INSTR_SIZE, NULL, 0, NULL), 0);
	}
	if (k == K_ECANCELED) {
		if (e == E_SUBMIT) {
			banned = queue_new(fd, 64, 64, 60000);
			ban(banned.id);
		} else {
			ban(q.id);
		}
	}
	build_batch(k, pos, q.id, banned.id, timeline, jd);
	if (e == E_SUBMIT)
		run_submit(k, pos, jd);
	else
		run_sq(e, k, pos, &q, jd);
	if (e == E_SUBMIT || k == K_EBUSY || k == K_ENOSPC || k == K_ECANCELED) {
		/* Rejected as a whole: no fence reached the syncobj. */
		ck_assert_int_eq(drmSyncobjQuery(fd, &timeline, &point, 1), 0);
		ck_assert_msg(point == 0, "%s: point %llu published", what,
			      (unsigned long long)point);
	}
	ck_assert_int_eq(dsb_test_queue_destroy(fd, &q), 0);
	if (banned.id)
		ck_assert_int_eq(dsb_test_queue_destroy(fd, &banned), 0);
	ck_assert_int_eq(drmSyncobjDestroy(fd, timeline), 0);
	expect_live(before, what);
}

START_TEST(test_every_rejection_leaves_nothing)
{
	static const int positions[] = { 0, 1, BATCH - 1 };
	int n = 0;

	fixture_up();
	for (int e = 0; e < N_ENTRIES; e++)
		for (int k = 0; k < N_KINDS; k++)
			for (size_t p = 0; p < sizeof(positions) / sizeof(positions[0]); p++, n++)
				run_case(e, k, positions[p]);
	fprintf(stderr, "%d rejected batches (3 entries x 7 errnos x 3 positions), live counters unchanged after each\n",
		n);
	fixture_down();
}
END_TEST

/* The report's reproducer: 1,600 submits of one job over 9 unsignalled fences. */
START_TEST(test_e2big_burst)
{
	struct drm_dsb_sync_op w;
	struct dsb_test_queue q;
	long long before[N_LIVE], after[N_LIVE];

	fixture_up();
	w = sf_wait(merged_fd);
	q = queue_new(fd, 64, 8, 60000);
	read_live(before);
	for (int i = 0; i < 1600; i++)
		ck_assert_int_eq(dsb_test_submit(fd, q.id, 0, cmd.va + NOP_OFF,
						 DRM_DSB_INSTR_SIZE, &w, 1, NULL), -E2BIG);
	expect_live(before, "1600 x -E2BIG");
	read_live(after);
	fprintf(stderr, "1600 x -E2BIG: live fences %lld before, %lld after\n",
		before[1], after[1]);
	ck_assert_int_eq(dsb_test_queue_destroy(fd, &q), 0);
	fixture_down();
}
END_TEST

int main(void)
{
	Suite *s = suite_create("rejects");
	TCase *tc = tcase_new(s, "rejects", 300);

	tcase_add_test(tc, test_e2big_burst);
	tcase_add_test(tc, test_every_rejection_leaves_nothing);
	return vm_run(s, 0);
}
