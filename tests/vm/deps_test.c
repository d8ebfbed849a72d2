// SPDX-License-Identifier: MIT
/* Copyright (C) 2026 The dsb authors */
/*
 * Dependencies as a user relies on them (issue 3), every one checked by
 * data order: a producer job DELAYs then WRITEs, a consumer job on another
 * queue COPYs the producer's value, and must see it.
 *
 * - binary syncobj across queues; timeline points in (CPU signal, job
 *   signal) and out (query, CPU wait), transfer both ways;
 * - sync_file from drmSyncobjExportSyncFile as DRM_DSB_SYNC_OP_SYNC_FILE;
 * - across processes (fork; syncobj fd and PRIME BO passed to the child);
 * - a vgem fence (foreign): the job runs only after VGEM_FENCE_SIGNAL;
 * - a fence of the other dsb device (foreign proxy path), with a PRIME BO;
 * - an errored dependency errors the job (and skips its work).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <linux/dma-buf.h>

#include "vgem.h"

/* Producer: DELAY @delay_ms, WRITE @value at @va. */
static uint64_t producer(int pfd, struct arena *a, uint32_t qid, uint32_t slot,
			 uint64_t va, uint64_t value, uint32_t delay_ms,
			 const struct drm_dsb_sync_op *syncs, uint32_t n)
{
	struct dsb_test_cmdbuf cb;
	uint64_t cva = arena_cmd(a, &cb);

	dsb_test_cmd_delay(&cb, delay_ms * MS_NS);
	dsb_test_cmd_write(&cb, va, value);
	return submit_ok(pfd, qid, slot, cva, &cb, syncs, n);
}

/* Consumer: COPY 8 bytes from @src to @dst. */
static uint64_t consumer(int cfd, struct arena *a, uint32_t qid, uint32_t slot,
			 uint64_t dst, uint64_t src,
			 const struct drm_dsb_sync_op *syncs, uint32_t n)
{
	struct dsb_test_cmdbuf cb;
	uint64_t cva = arena_cmd(a, &cb);

	dsb_test_cmd_copy(&cb, dst, src, 8);
	return submit_ok(cfd, qid, slot, cva, &cb, syncs, n);
}

START_TEST(test_cross_queue_binary_syncobj)
{
	struct dsb_test_queue q1 = queue_new(fd, 0, 8, 0), q2 = queue_new(fd, 0, 8, 0);
	struct dsb_test_bo data;
	struct arena a;
	volatile uint64_t *d;
	uint32_t so = syncobj_new(fd);
	struct drm_dsb_sync_op sig = sync_signal(so), w = sync_wait(so);
	uint64_t sp, sc;

	arena_init(fd, &a, 8);
	ck_assert_int_eq(dsb_test_bo_create(fd, PAGE, &data), 0);
	d = data.map;
	for (int round = 0; round < 3; round++) {
		uint64_t v = 0x1111000 + round;

		sp = producer(fd, &a, q1.id, round, data.va + 8 * round, v, 150, &sig, 1);
		sc = consumer(fd, &a, q2.id, round, data.va + 64 + 8 * round,
			      data.va + 8 * round, &w, 1);
		/* The consumer cannot have run: its producer is still delaying. */
		ck_assert_uint_eq(d[8 + round], 0);
		ck_assert_int_eq(wait_job(fd, q2.id, sc), 0);
		ck_assert_msg(d[8 + round] == v, "consumer saw %#llx, producer wrote %#llx",
			      (unsigned long long)d[8 + round], (unsigned long long)v);
		/* Consumer done implies producer done. */
		ck_assert_uint_ge(dsb_test_fence_slot(&q1, round)->seqno, sp);
	}
	ck_assert_int_eq(drmSyncobjWait(fd, &so, 1, dsb_test_now_ns() + 5 * SEC_NS, 0, NULL), 0);
}
END_TEST

/* A job cannot wait on what a job of its own batch signals (-ENOENT). */
START_TEST(test_same_batch_wait_rejected)
{
	struct dsb_test_queue q1 = queue_new(fd, 0, 8, 0);
	struct dsb_test_bo data;
	struct dsb_test_cmdbuf cb;
	struct arena a;
	uint32_t so = syncobj_new(fd);
	struct drm_dsb_sync_op sig = sync_signal(so), w = sync_wait(so);
	struct drm_dsb_job jobs[2];
	struct drm_dsb_submit s = {
		.jobs = { .stride = sizeof(jobs[0]), .count = 2, .array = (uintptr_t)jobs },
	};
	uint64_t va;

	arena_init(fd, &a, 8);
	ck_assert_int_eq(dsb_test_bo_create(fd, PAGE, &data), 0);
	va = arena_cmd(&a, &cb);
	dsb_test_cmd_write(&cb, data.va, 1);
	memset(jobs, 0, sizeof(jobs));
	for (int i = 0; i < 2; i++) {
		jobs[i].queue_id = q1.id;
		jobs[i].slot = i;
		jobs[i].cmd_va = va;
		jobs[i].cmd_len = dsb_test_cmd_len(&cb);
		jobs[i].syncs = (struct drm_dsb_obj_array){
			.stride = sizeof(sig), .count = 1,
			.array = (uintptr_t)(i ? &w : &sig) };
	}
	ck_assert_int_eq(dsb_test_ioctl(fd, DRM_IOCTL_DSB_SUBMIT, &s), -ENOENT);
	ck_assert_uint_eq(s.bad_job, 1);
	ck_assert_uint_eq(status_of(fd, q1.id).submitted, 0);
}
END_TEST

START_TEST(test_timeline_points)
{
	struct dsb_test_queue q1 = queue_new(fd, 0, 8, 0), q2 = queue_new(fd, 0, 8, 0);
	struct dsb_test_bo data;
	struct arena a;
	volatile uint64_t *d;
	uint32_t tl = syncobj_new(fd), bin = syncobj_new(fd), bin2 = syncobj_new(fd);
	uint64_t pt = 0, point1 = 1, point3 = 3, sp, sc;
	struct drm_dsb_sync_op ops[2];
	struct dsb_test_cmdbuf cb;

	arena_init(fd, &a, 16);
	ck_assert_int_eq(dsb_test_bo_create(fd, PAGE, &data), 0);
	d = data.map;

	/* In: a CPU-signalled point is a satisfied dependency. */
	ck_assert_int_eq(drmSyncobjTimelineSignal(fd, &tl, &point1, 1), 0);
	ck_assert_int_eq(drmSyncobjQuery(fd, &tl, &pt, 1), 0);
	ck_assert_uint_eq(pt, 1);
	/* A point nobody submitted yet cannot be waited on. */
	ops[0] = tl_wait(tl, 10);
	{
		uint64_t va = arena_cmd(&a, &cb);

		dsb_test_cmd_nop(&cb);
		ck_assert_int_eq(dsb_test_submit(fd, q1.id, 7, va, dsb_test_cmd_len(&cb),
						 ops, 1, NULL), -ENOENT);
	}
	/* Out: the producer waits on point 1 and signals point 3. */
	ops[0] = tl_wait(tl, 1);
	ops[1] = tl_signal(tl, 3);
	sp = producer(fd, &a, q1.id, 0, data.va, 0x7e3, 200, ops, 2);
	ck_assert_int_eq(drmSyncobjQuery(fd, &tl, &pt, 1), 0);
	ck_assert_uint_lt(pt, 3);		/* not signalled yet */
	/* The consumer on another queue waits on point 3. */
	ops[0] = tl_wait(tl, 3);
	sc = consumer(fd, &a, q2.id, 0, data.va + 8, data.va, ops, 1);
	/* Transfer point 3 into a binary syncobj; a second consumer waits on it. */
	ck_assert_int_eq(drmSyncobjTransfer(fd, bin, 0, tl, 3, 0), 0);
	ops[0] = sync_wait(bin);
	consumer(fd, &a, q2.id, 1, data.va + 16, data.va, ops, 1);
	ck_assert_uint_eq(d[1], 0);
	ck_assert_int_eq(drmSyncobjTimelineWait(fd, &tl, &point3, 1,
						dsb_test_now_ns() + 10 * SEC_NS, 0, NULL), 0);
	ck_assert_uint_eq(d[0], 0x7e3);
	ck_assert_int_eq(drmSyncobjQuery(fd, &tl, &pt, 1), 0);
	ck_assert_uint_eq(pt, 3);
	ck_assert_int_eq(wait_job(fd, q2.id, sc + 1), 0);
	ck_assert_uint_eq(d[1], 0x7e3);
	ck_assert_uint_eq(d[2], 0x7e3);
	ck_assert_uint_ge(dsb_test_fence_slot(&q1, 0)->seqno, sp);

	/* Transfer the other way: a job's binary syncobj to timeline point 5. */
	ops[0] = sync_signal(bin2);
	sp = producer(fd, &a, q1.id, 1, data.va + 24, 0x7e5, 150, ops, 1);
	ck_assert_int_eq(drmSyncobjTransfer(fd, tl, 5, bin2, 0, 0), 0);
	ops[0] = tl_wait(tl, 5);
	sc = consumer(fd, &a, q2.id, 2, data.va + 32, data.va + 24, ops, 1);
	ck_assert_int_eq(wait_job(fd, q2.id, sc), 0);
	ck_assert_uint_eq(d[4], 0x7e5);
	ck_assert_int_eq(drmSyncobjQuery(fd, &tl, &pt, 1), 0);
	ck_assert_uint_eq(pt, 5);
	(void)sp;
}
END_TEST

START_TEST(test_sync_file_dependency)
{
	struct dsb_test_queue q1 = queue_new(fd, 0, 8, 0), q2 = queue_new(fd, 0, 8, 0);
	struct dsb_test_bo data;
	struct arena a;
	volatile uint64_t *d;
	uint32_t so = syncobj_new(fd);
	struct drm_dsb_sync_op op = sync_signal(so);
	struct dsb_test_cmdbuf cb;
	int sfd = -1, pfd[2];
	uint64_t sc, va;

	arena_init(fd, &a, 8);
	ck_assert_int_eq(dsb_test_bo_create(fd, PAGE, &data), 0);
	d = data.map;
	producer(fd, &a, q1.id, 0, data.va, 0x5f11e, 200, &op, 1);
	ck_assert_int_eq(drmSyncobjExportSyncFile(fd, so, &sfd), 0);
	ck_assert_int_eq(dsb_test_sync_file_status(sfd, NULL), 0);	/* active */
	op = sf_wait(sfd);
	sc = consumer(fd, &a, q2.id, 0, data.va + 8, data.va, &op, 1);
	ck_assert_int_eq(wait_job(fd, q2.id, sc), 0);
	ck_assert_uint_eq(d[1], 0x5f11e);
	ck_assert_int_eq(dsb_test_sync_file_status(sfd, NULL), 1);
	close(sfd);

	/* Not a sync_file: -EBADF. */
	ck_assert_int_eq(pipe(pfd), 0);
	va = arena_cmd(&a, &cb);
	dsb_test_cmd_nop(&cb);
	op = sf_wait(pfd[0]);
	ck_assert_int_eq(dsb_test_submit(fd, q2.id, 1, va, dsb_test_cmd_len(&cb), &op, 1, NULL),
			 -EBADF);
	op = sf_wait(-1);
	ck_assert_int_eq(dsb_test_submit(fd, q2.id, 1, va, dsb_test_cmd_len(&cb), &op, 1, NULL),
			 -EBADF);
	/* A sync_file cannot be signalled. */
	op = sf_wait(pfd[0]);
	op.flags |= DRM_DSB_SYNC_OP_SIGNAL;
	ck_assert_int_eq(dsb_test_submit(fd, q2.id, 1, va, dsb_test_cmd_len(&cb), &op, 1, NULL),
			 -EINVAL);
}
END_TEST

/* Another process (own DRM file) produces; this one consumes. */
START_TEST(test_cross_process)
{
	struct dsb_test_queue q = queue_new(fd, 0, 8, 0);
	struct dsb_test_bo shared, res;
	struct arena a;
	uint32_t so = syncobj_new(fd);
	struct drm_dsb_sync_op op = sync_wait(so);
	int so_fd = -1, bo_fd = -1, p[2], status;
	uint64_t sc;
	pid_t pid;
	char c;

	arena_init(fd, &a, 8);
	ck_assert_int_eq(dsb_test_bo_create(fd, PAGE, &shared), 0);
	ck_assert_int_eq(dsb_test_bo_create(fd, PAGE, &res), 0);
	ck_assert_int_eq(drmSyncobjHandleToFD(fd, so, &so_fd), 0);
	ck_assert_int_eq(drmPrimeHandleToFD(fd, shared.handle, DRM_CLOEXEC | DRM_RDWR, &bo_fd), 0);
	ck_assert_int_eq(pipe(p), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int cfd = dsb_test_open(0), ret = 1;
		struct dsb_test_queue cq;
		struct drm_dsb_bo_info info = { 0 };
		struct drm_dsb_sync_op sig;
		struct dsb_test_cmdbuf cb;
		struct dsb_test_bo cmd;
		uint32_t h, cso;
		uint64_t s;
		int32_t err;

		if (cfd < 0 || dsb_test_queue_create(cfd, NULL, &cq) ||
		    drmPrimeFDToHandle(cfd, bo_fd, &h) ||
		    drmSyncobjFDToHandle(cfd, so_fd, &cso))
			_exit(2);
		info.handle = h;
		if (dsb_test_ioctl(cfd, DRM_IOCTL_DSB_BO_INFO, &info) ||
		    dsb_test_bo_create(cfd, PAGE, &cmd))
			_exit(3);
		dsb_test_cmd_init(&cb, cmd.map, cmd.size);
		dsb_test_cmd_delay(&cb, 300 * MS_NS);
		dsb_test_cmd_write(&cb, info.va, 0xc0ffee);
		sig = sync_signal(cso);
		if (dsb_test_submit(cfd, cq.id, 0, cmd.va, dsb_test_cmd_len(&cb), &sig, 1, &s))
			_exit(4);
		if (write(p[1], "x", 1) != 1)
			_exit(5);
		if (!dsb_test_wait(cfd, cq.id, s, WAIT_NS, &err) && !err)
			ret = 0;
		_exit(ret);
	}
	close(p[1]);
	ck_assert_int_eq(read(p[0], &c, 1), 1);
	/* The child's job is submitted and still delaying. */
	sc = consumer(fd, &a, q.id, 0, res.va, shared.va, &op, 1);
	ck_assert_int_eq(wait_job(fd, q.id, sc), 0);
	ck_assert_uint_eq(((volatile uint64_t *)res.map)[0], 0xc0ffee);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "producer child failed: status %#x", status);
}
END_TEST

/* A vgem fence as a sync_file: attach, PRIME export, EXPORT_SYNC_FILE. */
static int vgem_fence_sync_file(int vfd, uint32_t *fence_id)
{
	struct drm_mode_create_dumb dumb = { .width = 1024, .height = 1, .bpp = 32 };
	struct drm_vgem_fence_attach at = { 0 };
	struct dma_buf_export_sync_file ex = { .flags = DMA_BUF_SYNC_RW, .fd = -1 };
	int buf = -1;

	ck_assert_int_eq(dsb_test_ioctl(vfd, DRM_IOCTL_MODE_CREATE_DUMB, &dumb), 0);
	at.handle = dumb.handle;
	at.flags = VGEM_FENCE_WRITE;
	ck_assert_int_eq(dsb_test_ioctl(vfd, DRM_IOCTL_VGEM_FENCE_ATTACH, &at), 0);
	*fence_id = at.out_fence;
	ck_assert_int_eq(drmPrimeHandleToFD(vfd, dumb.handle, DRM_CLOEXEC | DRM_RDWR, &buf), 0);
	ck_assert_msg(ioctl(buf, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &ex) == 0,
		      "DMA_BUF_IOCTL_EXPORT_SYNC_FILE: %s", strerror(errno));
	close(buf);
	return ex.fd;
}

START_TEST(test_vgem_fence)
{
	struct dsb_test_queue q = queue_new(fd, 0, 8, 0);
	struct dsb_test_bo data;
	struct dsb_test_cmdbuf cb;
	struct arena a;
	volatile uint64_t *d;
	uint32_t fid, fid2, so = syncobj_new(fd);
	struct drm_vgem_fence_signal sig = { 0 };
	struct drm_dsb_sync_op op;
	int vfd = open_vgem(), sfd, sfd2;
	uint64_t s1, s2, va;
	int64_t t0;
	int32_t err;

	ck_assert_msg(vfd >= 0, "no vgem device");
	arena_init(fd, &a, 8);
	ck_assert_int_eq(dsb_test_bo_create(fd, PAGE, &data), 0);
	d = data.map;
	sfd = vgem_fence_sync_file(vfd, &fid);
	ck_assert_int_eq(dsb_test_sync_file_status(sfd, NULL), 0);
	/* Route 1: the sync_file itself. */
	op = sf_wait(sfd);
	va = arena_cmd(&a, &cb);
	dsb_test_cmd_write(&cb, data.va, 0x76e1);
	s1 = submit_ok(fd, q.id, 0, va, &cb, &op, 1);
	/* Route 2: a second vgem fence imported into a syncobj. */
	sfd2 = vgem_fence_sync_file(vfd, &fid2);
	ck_assert_int_eq(drmSyncobjImportSyncFile(fd, so, sfd2), 0);
	op = sync_wait(so);
	va = arena_cmd(&a, &cb);
	dsb_test_cmd_write(&cb, data.va + 8, 0x76e2);
	s2 = submit_ok(fd, q.id, 1, va, &cb, &op, 1);

	/* Not before vgem signals. */
	usleep(200 * 1000);
	ck_assert_uint_eq(d[0], 0);
	ck_assert_uint_eq(d[1], 0);
	ck_assert_int_eq(dsb_test_wait(fd, q.id, s1, 0, NULL), -ETIME);
	ck_assert_uint_lt(dsb_test_fence_slot(&q, 0)->seqno, s1);

	sig.fence = fid;
	t0 = dsb_test_now_ns();
	ck_assert_int_eq(dsb_test_ioctl(vfd, DRM_IOCTL_VGEM_FENCE_SIGNAL, &sig), 0);
	ck_assert_int_eq(dsb_test_wait(fd, q.id, s1, WAIT_NS, &err), 0);
	printf("vgem signal -> dsb job done: %lld us\n",
	       (long long)(dsb_test_now_ns() - t0) / 1000);
	ck_assert_int_eq(err, 0);
	ck_assert_uint_eq(d[0], 0x76e1);
	/* The second job is behind the second fence (and in order). */
	usleep(50 * 1000);
	ck_assert_uint_eq(d[1], 0);
	sig.fence = fid2;
	ck_assert_int_eq(dsb_test_ioctl(vfd, DRM_IOCTL_VGEM_FENCE_SIGNAL, &sig), 0);
	ck_assert_int_eq(wait_job(fd, q.id, s2), 0);
	ck_assert_uint_eq(d[1], 0x76e2);
	close(sfd);
	close(sfd2);
	close(vfd);
}
END_TEST

/* A producer that faults (-EIO) errors its consumer, which does not run. */
START_TEST(test_errored_dependency)
{
	struct dsb_test_queue q1 = queue_new(fd, 0, 8, 0), q2 = queue_new(fd, 0, 8, 0);
	struct dsb_test_bo data;
	struct dsb_test_cmdbuf cb;
	struct arena a;
	volatile uint64_t *d;
	uint32_t so = syncobj_new(fd);
	struct drm_dsb_sync_op sig = sync_signal(so), w = sync_wait(so), sf;
	uint64_t sp, sc, sc2, va;
	int sfd = -1;

	arena_init(fd, &a, 8);
	ck_assert_int_eq(dsb_test_bo_create(fd, PAGE, &data), 0);
	d = data.map;
	va = arena_cmd(&a, &cb);
	dsb_test_cmd_delay(&cb, 150 * MS_NS);
	dsb_test_cmd_emit(&cb, 0x99, 0, 0, 0, 0);	/* bad opcode */
	sp = submit_ok(fd, q1.id, 0, va, &cb, &sig, 1);
	ck_assert_int_eq(drmSyncobjExportSyncFile(fd, so, &sfd), 0);
	/* Consumer 1 through the syncobj (pending producer: GPU-side wait). */
	va = arena_cmd(&a, &cb);
	dsb_test_cmd_write(&cb, data.va, 1);
	sc = submit_ok(fd, q2.id, 0, va, &cb, &w, 1);
	ck_assert_int_eq(wait_job(fd, q1.id, sp), -EIO);
	ck_assert_int_eq(wait_job(fd, q2.id, sc), -EIO);
	ck_assert_int_eq(dsb_test_fence_slot(&q2, 0)->error, -EIO);
	ck_assert_uint_eq(d[0], 0);	/* its work was skipped */
	/* Consumer 2 after the fact, through the sync_file. */
	sf = sf_wait(sfd);
	va = arena_cmd(&a, &cb);
	dsb_test_cmd_write(&cb, data.va + 8, 1);
	sc2 = submit_ok(fd, q2.id, 1, va, &cb, &sf, 1);
	ck_assert_int_eq(wait_job(fd, q2.id, sc2), -EIO);
	ck_assert_uint_eq(d[1], 0);
	ck_assert_int_lt(dsb_test_sync_file_status(sfd, NULL), 0);
	/* The consumer's queue is not banned by a dependency's error. */
	ck_assert_uint_eq(status_of(fd, q2.id).state, DRM_DSB_QUEUE_ACTIVE);
	ck_assert_uint_eq(status_of(fd, q1.id).state, DRM_DSB_QUEUE_BANNED);
	va = arena_cmd(&a, &cb);
	dsb_test_cmd_write(&cb, data.va + 16, 3);
	sc = submit_ok(fd, q2.id, 2, va, &cb, NULL, 0);
	ck_assert_int_eq(wait_job(fd, q2.id, sc), 0);
	ck_assert_uint_eq(d[2], 3);
	close(sfd);
}
END_TEST

/*
 * The WAIT runs only after the failed producer's fence slot has moved on
 * to a later, successful job: the job still inherits the producer's error
 * and its work is still skipped. The engine takes the error from the
 * producer's fence, not from the slot (which says "done, no error" now).
 */
START_TEST(test_errored_dependency_slot_reused)
{
	struct dsb_test_queue qx = queue_new(fd, 0, 8, 0), qa = queue_new(fd, 0, 8, 0);
	struct dsb_test_queue qb = queue_new(fd, 0, 8, 0);
	uint32_t sox = syncobj_new(fd), soa = syncobj_new(fd);
	struct drm_dsb_sync_op sigx = sync_signal(sox), wx = sync_wait(sox);
	struct drm_dsb_sync_op sa_ops[2] = { wx, sync_signal(soa) }, wa = sync_wait(soa);
	struct dsb_test_bo data;
	struct dsb_test_cmdbuf cb;
	struct arena a;
	volatile uint64_t *d;
	uint64_t sx, sa, sa2, gate, sb, va;

	arena_init(fd, &a, 8);
	ck_assert_int_eq(dsb_test_bo_create(fd, PAGE, &data), 0);
	d = data.map;
	/* X faults; S on qa inherits its error (qa stays active). */
	va = arena_cmd(&a, &cb);
	dsb_test_cmd_emit(&cb, 0x99, 0, 0, 0, 0);	/* bad opcode */
	sx = submit_ok(fd, qx.id, 0, va, &cb, &sigx, 1);
	va = arena_cmd(&a, &cb);
	dsb_test_cmd_write(&cb, data.va, 1);
	sa = submit_ok(fd, qa.id, 0, va, &cb, sa_ops, 2);
	ck_assert_int_eq(wait_job(fd, qx.id, sx), -EIO);
	ck_assert_int_eq(wait_job(fd, qa.id, sa), -EIO);
	ck_assert_uint_eq(d[0], 0);
	/* The consumer's WAIT for S is held behind a MEMWAIT gate... */
	va = arena_cmd(&a, &cb);
	dsb_test_cmd_memwait(&cb, data.va + 32, 1, 0);
	gate = submit_ok(fd, qb.id, 0, va, &cb, NULL, 0);
	va = arena_cmd(&a, &cb);
	dsb_test_cmd_write(&cb, data.va + 8, 1);
	sb = submit_ok(fd, qb.id, 1, va, &cb, &wa, 1);
	/* ...while S's fence slot moves on to a job that succeeds. */
	va = arena_cmd(&a, &cb);
	dsb_test_cmd_write(&cb, data.va + 16, 2);
	sa2 = submit_ok(fd, qa.id, 0, va, &cb, NULL, 0);
	ck_assert_int_eq(wait_job(fd, qa.id, sa2), 0);
	ck_assert_uint_eq(d[2], 2);
	ck_assert_uint_eq(dsb_test_fence_slot(&qa, 0)->seqno, sa2);
	ck_assert_int_eq(dsb_test_fence_slot(&qa, 0)->error, 0);
	d[4] = 1;					/* open the gate */
	ck_assert_int_eq(wait_job(fd, qb.id, gate), 0);
	ck_assert_int_eq(wait_job(fd, qb.id, sb), -EIO);
	ck_assert_uint_eq(d[1], 0);	/* its work was skipped */
	ck_assert_uint_eq(status_of(fd, qb.id).state, DRM_DSB_QUEUE_ACTIVE);
}
END_TEST

/* A fence of the other dsb device: foreign, through the proxy word. */
START_TEST(test_other_device_fence)
{
	int fd1 = dsb_test_open(1);
	struct dsb_test_queue q0, q1;
	struct dsb_test_bo shared1, res, ts0, ts1;
	struct drm_dsb_bo_info info = { 0 };
	struct dsb_test_cmdbuf cb;
	struct arena a0, a1;
	uint32_t so1, so0 = syncobj_new(fd), h0;
	struct drm_dsb_sync_op op;
	uint64_t idx0 = 9, idx1 = 9, sp, sc, va;
	int bo_fd = -1, sfd = -1, sfd2 = -1;

	ck_assert_msg(fd1 >= 0, "no second dsb device (num_devices=2 expected)");
	ck_assert_int_eq(dsb_test_get_param(fd, DRM_DSB_PARAM_DEVICE_INDEX, &idx0), 0);
	ck_assert_int_eq(dsb_test_get_param(fd1, DRM_DSB_PARAM_DEVICE_INDEX, &idx1), 0);
	ck_assert_uint_ne(idx0, idx1);
	q0 = queue_new(fd, 0, 8, 0);
	q1 = queue_new(fd1, 0, 8, 0);
	so1 = syncobj_new(fd1);
	arena_init(fd, &a0, 8);
	arena_init(fd1, &a1, 8);
	ck_assert_int_eq(dsb_test_bo_create(fd1, PAGE, &shared1), 0);
	ck_assert_int_eq(dsb_test_bo_create(fd1, PAGE, &ts1), 0);
	ck_assert_int_eq(dsb_test_bo_create(fd, PAGE, &res), 0);
	ck_assert_int_eq(dsb_test_bo_create(fd, PAGE, &ts0), 0);
	/* Device 1's BO, imported into device 0. */
	ck_assert_int_eq(drmPrimeHandleToFD(fd1, shared1.handle, DRM_CLOEXEC | DRM_RDWR, &bo_fd), 0);
	ck_assert_int_eq(drmPrimeFDToHandle(fd, bo_fd, &h0), 0);
	info.handle = h0;
	ck_assert_int_eq(dsb_test_ioctl(fd, DRM_IOCTL_DSB_BO_INFO, &info), 0);

	/* Producer on device 1: DELAY, WRITE, TIMESTAMP. */
	va = arena_cmd(&a1, &cb);
	dsb_test_cmd_delay(&cb, 200 * MS_NS);
	dsb_test_cmd_write(&cb, shared1.va, 0xd1d1);
	dsb_test_cmd_timestamp(&cb, ts1.va);
	op = sync_signal(so1);
	sp = submit_ok(fd1, q1.id, 0, va, &cb, &op, 1);
	ck_assert_int_eq(drmSyncobjExportSyncFile(fd1, so1, &sfd), 0);
	/* Consumer on device 0 through the sync_file: TIMESTAMP, COPY. */
	va = arena_cmd(&a0, &cb);
	dsb_test_cmd_timestamp(&cb, ts0.va);
	dsb_test_cmd_copy(&cb, res.va, info.va, 8);
	op = sf_wait(sfd);
	sc = submit_ok(fd, q0.id, 0, va, &cb, &op, 1);
	/* And through a device-0 syncobj holding the same foreign fence. */
	ck_assert_int_eq(drmSyncobjImportSyncFile(fd, so0, sfd), 0);
	va = arena_cmd(&a0, &cb);
	dsb_test_cmd_copy(&cb, res.va + 8, info.va, 8);
	op = sync_wait(so0);
	sc = submit_ok(fd, q0.id, 1, va, &cb, &op, 1);
	ck_assert_int_eq(wait_job(fd, q0.id, sc), 0);
	ck_assert_uint_eq(((volatile uint64_t *)res.map)[0], 0xd1d1);
	ck_assert_uint_eq(((volatile uint64_t *)res.map)[1], 0xd1d1);
	ck_assert_int_eq(wait_job(fd1, q1.id, sp), 0);
	ck_assert_uint_ne(((volatile uint64_t *)ts1.map)[0], 0);
	ck_assert_uint_ge(((volatile uint64_t *)ts0.map)[0], ((volatile uint64_t *)ts1.map)[0]);
	close(sfd);

	/* A foreign producer that faults errors the consumer. */
	va = arena_cmd(&a1, &cb);
	dsb_test_cmd_delay(&cb, 100 * MS_NS);
	dsb_test_cmd_write(&cb, 0x10, 1);	/* unmapped: BAD_VA */
	op = sync_signal(so1);
	sp = submit_ok(fd1, q1.id, 1, va, &cb, &op, 1);
	ck_assert_int_eq(drmSyncobjExportSyncFile(fd1, so1, &sfd2), 0);
	va = arena_cmd(&a0, &cb);
	dsb_test_cmd_write(&cb, res.va + 16, 1);
	op = sf_wait(sfd2);
	sc = submit_ok(fd, q0.id, 2, va, &cb, &op, 1);
	ck_assert_int_eq(wait_job(fd1, q1.id, sp), -EIO);
	ck_assert_int_eq(wait_job(fd, q0.id, sc), -EIO);
	ck_assert_uint_eq(((volatile uint64_t *)res.map)[2], 0);
	ck_assert_uint_eq(status_of(fd, q0.id).state, DRM_DSB_QUEUE_ACTIVE);
	close(sfd2);
	close(bo_fd);
	close(fd1);
}
END_TEST


/*
 * A consumer waiting on a slow but progressing producer is not hung: the
 * watchdog must not ban the consumer's queue. The producer runs 4 jobs of
 * 450 ms (each makes progress well within its own 1000 ms timeout); the
 * consumer's queue (timeout 1000 ms) waits about 1.8 s on a dependency.
 * KERNEL BUG (build/kernel-bugs.txt): the consumer's queue is banned with
 * DRM_DSB_FAULT_TIMEOUT, its job fails with -ETIMEDOUT, although nothing
 * hangs; the watchdog counts time spent blocked on a WAIT packet.
 */
START_TEST(test_slow_dependency_is_not_a_hang)
{
	struct dsb_test_queue qp = queue_new(fd, 0, 8, 1000), qc = queue_new(fd, 0, 8, 1000);
	struct dsb_test_bo data;
	struct arena a;
	uint32_t so = syncobj_new(fd);
	struct drm_dsb_sync_op sig = sync_signal(so), w = sync_wait(so);
	uint64_t sc = 0;
	int32_t err;

	arena_init(fd, &a, 8);
	ck_assert_int_eq(dsb_test_bo_create(fd, PAGE, &data), 0);
	for (int i = 0; i < 4; i++)
		producer(fd, &a, qp.id, i, data.va + 8 * i, 0x510 + i, 450, i == 3 ? &sig : NULL,
			 i == 3);
	sc = consumer(fd, &a, qc.id, 0, data.va + 64, data.va + 24, &w, 1);
	err = wait_job(fd, qc.id, sc);
	ck_assert_msg(err == 0, "consumer failed with %d; queue fault %u", err,
		      status_of(fd, qc.id).fault);
	ck_assert_uint_eq(((volatile uint64_t *)data.map)[8], 0x513);
	ck_assert_uint_eq(status_of(fd, qc.id).state, DRM_DSB_QUEUE_ACTIVE);
	ck_assert_uint_eq(status_of(fd, qp.id).state, DRM_DSB_QUEUE_ACTIVE);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("deps");
	TCase *tc = tcase_new(s, "deps", 120);

	vm_fixture(tc, NULL);
	tcase_add_test(tc, test_cross_queue_binary_syncobj);
	tcase_add_test(tc, test_same_batch_wait_rejected);
	tcase_add_test(tc, test_timeline_points);
	tcase_add_test(tc, test_sync_file_dependency);
	tcase_add_test(tc, test_cross_process);
	tcase_add_test(tc, test_vgem_fence);
	tcase_add_test(tc, test_errored_dependency);
	tcase_add_test(tc, test_errored_dependency_slot_reused);
	tcase_add_test(tc, test_other_device_fence);
	tcase_add_test(tc, test_slow_dependency_is_not_a_hang);
	return vm_run(s, VM_SKIP_WITHOUT_DEVICE);
}
