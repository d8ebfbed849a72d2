// SPDX-License-Identifier: MIT
/* Copyright (C) 2026 The dsb authors */
/*
 * Purgeable buffers (issue 28 item 5, uAPI 10): DRM_IOCTL_DSB_BO_MADVISE
 * and what the kernel does with a buffer marked DONTNEED.
 *
 * - errors: bad handle, unknown advice, nonzero pad;
 * - a buffer never purged answers WILLNEED with retained=1, its contents
 *   intact; one that is not resident when marked DONTNEED (never used, or
 *   evicted) is purged at once;
 * - fdinfo's drm-purgeable-memory is the resident size of the DONTNEED
 *   buffers, 0 for unmarked ones (before uAPI 10 it counted every resident
 *   swappable buffer of an idle file) and 0 again after WILLNEED;
 * - reclaim (the shrinker's scan, run for a known amount through debugfs
 *   dsb_shrink) purges a DONTNEED buffer before it evicts any unmarked
 *   one; the purged buffer then answers WILLNEED with retained=0, its CPU
 *   mapping is SIGBUS, exporting it -ENODATA;
 * - a job naming a purged buffer in its buffer list is rejected with
 *   -ENODATA and the queue goes on; one reaching it by VA faults its queue
 *   (BAD_VA, -EIO), its fence signals, the other queues go on;
 * - exported buffers and buffers of a file with a job in flight are not
 *   purged.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>

#include "vm_suite.h"

#define MiB (1024ull * 1024)

/* Two queues and a command BO from vm_fixture(). */
#define q	fx_queue[0]
#define q2	fx_queue[1]

static int madvise_bo(int f, uint32_t handle, uint32_t madv, uint32_t *retained)
{
	struct drm_dsb_bo_madvise m = { .handle = handle, .madv = madv, .retained = 12345 };
	int ret = dsb_test_ioctl(f, DRM_IOCTL_DSB_BO_MADVISE, &m);

	if (!ret && retained)
		*retained = m.retained;
	return ret;
}

/* WILLNEED or DONTNEED that must succeed; returns retained. */
static uint32_t madvise_ok(int f, uint32_t handle, uint32_t madv)
{
	uint32_t retained = 12345;
	int ret = madvise_bo(f, handle, madv, &retained);

	ck_assert_msg(ret == 0, "madvise %u of handle %u: %s", madv, handle, strerror(-ret));
	ck_assert_msg(retained <= 1, "retained %u", retained);
	return retained;
}

/* "key:\t<n> KiB" of the file's fdinfo, in bytes. */
static unsigned long long fdinfo_bytes(int f, const char *key)
{
	char path[64], line[256];
	unsigned long long v = 0;
	size_t n = strlen(key);
	int found = 0;
	FILE *fp;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", f);
	fp = fopen(path, "re");
	ck_assert_ptr_nonnull(fp);
	while (!found && fgets(line, sizeof(line), fp))
		if (!strncmp(line, key, n) && line[n] == ':')
			found = sscanf(line + n + 1, " %llu KiB", &v) == 1;
	fclose(fp);
	ck_assert_msg(found, "no %s in fdinfo", key);
	return v << 10;
}

static long long counter(const char *name)
{
	long long v = -1;

	ck_assert_msg(dsb_test_debugfs_counter(0, name, &v) == 0, "debugfs %s", name);
	return v;
}

/* Run device 0's shrinker for @bytes (debugfs dsb_shrink). */
static void shrink(unsigned long long bytes)
{
	char dir[300], path[400];
	FILE *f;

	ck_assert_msg(dsb_test_debugfs_dir(0, dir, sizeof(dir)) == 0,
		      "no debugfs directory for device 0");
	snprintf(path, sizeof(path), "%s/dsb_shrink", dir);
	f = fopen(path, "we");
	ck_assert_msg(f, "%s: %s", path, strerror(errno));
	ck_assert_int_gt(fprintf(f, "%llu\n", bytes), 0);
	ck_assert_int_eq(fclose(f), 0);
}

/* Make a BO resident by a CPU write of @pattern over all of it. */
static void touch(struct dsb_test_bo *bo, uint32_t pattern)
{
	for (uint64_t i = 0; i < bo->size / 4; i++)
		((volatile uint32_t *)bo->map)[i] = pattern;
}

static void assert_pattern(const struct dsb_test_bo *bo, uint32_t pattern)
{
	for (uint64_t i = 0; i < bo->size / 4; i++)
		if (((volatile uint32_t *)bo->map)[i] != pattern)
			ck_abort_msg("word %llu is %#x, not %#x", (unsigned long long)i,
				     ((volatile uint32_t *)bo->map)[i], pattern);
}

/* A CPU read of @bo's mapping in a child: the signal that ended it, or 0. */
static int cpu_read_signal(const struct dsb_test_bo *bo)
{
	pid_t pid = fork();
	int st;

	ck_assert_int_ge(pid, 0);
	if (!pid) {
		volatile uint32_t v = *(volatile uint32_t *)bo->map;

		(void)v;
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	return WIFSIGNALED(st) ? WTERMSIG(st) : 0;
}

START_TEST(test_errors)
{
	struct drm_dsb_bo_madvise m;
	struct dsb_test_bo bo;
	uint64_t ver = 0;

	ck_assert_int_eq(dsb_test_get_param(fd, DRM_DSB_PARAM_UAPI_VERSION, &ver), 0);
	ck_assert_uint_ge(ver, 10);
	ck_assert_int_eq(dsb_test_bo_create(fd, PAGE, &bo), 0);

	ck_assert_int_eq(madvise_bo(fd, bo.handle + 1000, DRM_DSB_MADV_WILLNEED, NULL), -ENOENT);
	ck_assert_int_eq(madvise_bo(fd, 0, DRM_DSB_MADV_DONTNEED, NULL), -ENOENT);
	ck_assert_int_eq(madvise_bo(fd, bo.handle, 2, NULL), -EINVAL);
	ck_assert_int_eq(madvise_bo(fd, bo.handle, ~0u, NULL), -EINVAL);
	m = (struct drm_dsb_bo_madvise){ .handle = bo.handle, .madv = DRM_DSB_MADV_WILLNEED,
					 .pad = 1 };
	ck_assert_int_eq(dsb_test_ioctl(fd, DRM_IOCTL_DSB_BO_MADVISE, &m), -EINVAL);
	/* Rejected calls changed nothing: the buffer is still usable, retained. */
	touch(&bo, 0xabcd0001);
	ck_assert_uint_eq(madvise_ok(fd, bo.handle, DRM_DSB_MADV_WILLNEED), 1);
	assert_pattern(&bo, 0xabcd0001);
	ck_assert_int_eq(dsb_test_bo_destroy(fd, &bo), 0);
}
END_TEST

START_TEST(test_willneed_retained)
{
	struct dsb_test_bo bo;

	ck_assert_int_eq(dsb_test_bo_create(fd, 64 * PAGE, &bo), 0);
	/* WILLNEED on a buffer never marked: retained, even before its first use. */
	ck_assert_uint_eq(madvise_ok(fd, bo.handle, DRM_DSB_MADV_WILLNEED), 1);
	touch(&bo, 0x600d0001);
	ck_assert_uint_eq(madvise_ok(fd, bo.handle, DRM_DSB_MADV_WILLNEED), 1);
	/* Resident: DONTNEED keeps it until reclaim comes; WILLNEED takes it back. */
	ck_assert_uint_eq(madvise_ok(fd, bo.handle, DRM_DSB_MADV_DONTNEED), 1);
	ck_assert_uint_eq(madvise_ok(fd, bo.handle, DRM_DSB_MADV_DONTNEED), 1);
	ck_assert_uint_eq(madvise_ok(fd, bo.handle, DRM_DSB_MADV_WILLNEED), 1);
	assert_pattern(&bo, 0x600d0001);
	ck_assert_int_eq(dsb_test_bo_destroy(fd, &bo), 0);
}
END_TEST

/*
 * drm-purgeable-memory is the resident size of the buffers marked
 * DONTNEED. Fails before uAPI 10 at the first check: an unmarked resident
 * buffer of an idle file counted as purgeable.
 */
START_TEST(test_fdinfo_purgeable)
{
	struct dsb_test_bo a, b;

	ck_assert_int_eq(dsb_test_bo_create(fd, MiB, &a), 0);
	ck_assert_int_eq(dsb_test_bo_create(fd, 64 * PAGE, &b), 0);
	touch(&a, 1);
	touch(&b, 2);
	ck_assert_uint_eq(fdinfo_bytes(fd, "drm-resident-memory"), MiB + 64 * PAGE);
	ck_assert_uint_eq(fdinfo_bytes(fd, "drm-purgeable-memory"), 0);

	ck_assert_uint_eq(madvise_ok(fd, a.handle, DRM_DSB_MADV_DONTNEED), 1);
	ck_assert_uint_eq(fdinfo_bytes(fd, "drm-purgeable-memory"), MiB);
	ck_assert_uint_eq(madvise_ok(fd, b.handle, DRM_DSB_MADV_DONTNEED), 1);
	ck_assert_uint_eq(fdinfo_bytes(fd, "drm-purgeable-memory"), MiB + 64 * PAGE);
	ck_assert_uint_eq(madvise_ok(fd, a.handle, DRM_DSB_MADV_WILLNEED), 1);
	ck_assert_uint_eq(fdinfo_bytes(fd, "drm-purgeable-memory"), 64 * PAGE);
	ck_assert_uint_eq(madvise_ok(fd, b.handle, DRM_DSB_MADV_WILLNEED), 1);
	ck_assert_uint_eq(fdinfo_bytes(fd, "drm-purgeable-memory"), 0);
	ck_assert_uint_eq(fdinfo_bytes(fd, "drm-resident-memory"), MiB + 64 * PAGE);
	assert_pattern(&a, 1);
	assert_pattern(&b, 2);
	/* The device counts them too while marked. */
	ck_assert_uint_eq(madvise_ok(fd, a.handle, DRM_DSB_MADV_DONTNEED), 1);
	ck_assert_int_ge(counter("purgeable_bytes"), (long long)MiB);
	ck_assert_int_eq(dsb_test_bo_destroy(fd, &a), 0);
	ck_assert_int_eq(dsb_test_bo_destroy(fd, &b), 0);
	ck_assert_uint_eq(fdinfo_bytes(fd, "drm-purgeable-memory"), 0);
}
END_TEST

/* Nothing of a buffer that is not resident is in RAM to keep: purged when marked. */
START_TEST(test_not_resident_purged_at_once)
{
	long long purges = counter("purges");
	struct dsb_test_bo fresh, ev;
	int dmabuf = -1;

	ck_assert_int_eq(dsb_test_bo_create(fd, 16 * PAGE, &fresh), 0);
	ck_assert_uint_eq(madvise_ok(fd, fresh.handle, DRM_DSB_MADV_DONTNEED), 0);
	ck_assert_int_eq(counter("purges"), purges + 1);
	/* Purged for good: WILLNEED says so, again and again. */
	ck_assert_uint_eq(madvise_ok(fd, fresh.handle, DRM_DSB_MADV_WILLNEED), 0);
	ck_assert_uint_eq(madvise_ok(fd, fresh.handle, DRM_DSB_MADV_WILLNEED), 0);
	ck_assert_int_eq(cpu_read_signal(&fresh), SIGBUS);
	ck_assert_int_eq(drmPrimeHandleToFD(fd, fresh.handle, DRM_CLOEXEC, &dmabuf), -1);
	ck_assert_int_eq(errno, ENODATA);

	/* Evicted (to the page cache or swap), then marked: purged too. */
	ck_assert_int_eq(dsb_test_bo_create(fd, 16 * PAGE, &ev), 0);
	touch(&ev, 0x0e0e0e0e);
	ck_assert_uint_eq(fdinfo_bytes(fd, "drm-resident-memory"), 16 * PAGE);
	shrink(1ull << 40);
	ck_assert_uint_eq(fdinfo_bytes(fd, "drm-resident-memory"), 0);
	ck_assert_uint_eq(madvise_ok(fd, ev.handle, DRM_DSB_MADV_DONTNEED), 0);
	ck_assert_int_eq(counter("purges"), purges + 2);
	ck_assert_int_eq(cpu_read_signal(&ev), SIGBUS);
	ck_assert_int_eq(dsb_test_bo_destroy(fd, &ev), 0);
	ck_assert_int_eq(dsb_test_bo_destroy(fd, &fresh), 0);
}
END_TEST

/*
 * Reclaim purges a DONTNEED buffer before it evicts an unmarked one, even
 * an older one; the purged buffer is gone, the evicted one comes back.
 */
START_TEST(test_shrink_purges_first)
{
	struct dsb_test_bo old, dn;
	long long purges, purged, evictions;

	ck_assert_int_eq(dsb_test_bo_create(fd, MiB, &old), 0);
	ck_assert_int_eq(dsb_test_bo_create(fd, MiB, &dn), 0);
	touch(&old, 0x01d01d01);
	usleep(600 * 1000);	/* older than reclaim's second chance */
	touch(&dn, 0xdeadbeef);
	ck_assert_uint_eq(madvise_ok(fd, dn.handle, DRM_DSB_MADV_DONTNEED), 1);
	purges = counter("purges");
	purged = counter("purged_bytes");
	evictions = counter("evictions");

	shrink(MiB);
	ck_assert_int_eq(counter("purges"), purges + 1);
	ck_assert_int_eq(counter("purged_bytes"), purged + (long long)MiB);
	ck_assert_int_eq(counter("evictions"), evictions);
	ck_assert_uint_eq(fdinfo_bytes(fd, "drm-resident-memory"), MiB);
	ck_assert_uint_eq(fdinfo_bytes(fd, "drm-purgeable-memory"), 0);
	ck_assert_uint_eq(madvise_ok(fd, dn.handle, DRM_DSB_MADV_WILLNEED), 0);
	ck_assert_int_eq(cpu_read_signal(&dn), SIGBUS);

	/* Nothing left to purge: now the unmarked one is evicted, and comes back. */
	shrink(MiB);
	ck_assert_int_eq(counter("purges"), purges + 1);
	ck_assert_int_eq(counter("evictions"), evictions + 1);
	ck_assert_uint_eq(fdinfo_bytes(fd, "drm-resident-memory"), 0);
	assert_pattern(&old, 0x01d01d01);
	ck_assert_int_eq(dsb_test_bo_destroy(fd, &dn), 0);
	ck_assert_int_eq(dsb_test_bo_destroy(fd, &old), 0);
}
END_TEST

/* A purged buffer in a buffer list: -ENODATA; by VA: the queue faults. */
START_TEST(test_purged_job_fails)
{
	struct dsb_test_bo dn, ok, cmd;
	struct dsb_test_cmdbuf cb;
	struct drm_dsb_queue_status st;
	long long faults;
	uint64_t seqno;

	ck_assert_int_eq(dsb_test_bo_create(fd, 4 * PAGE, &cmd), 0);
	ck_assert_int_eq(dsb_test_bo_create(fd, 16 * PAGE, &dn), 0);
	ck_assert_int_eq(dsb_test_bo_create(fd, PAGE, &ok), 0);
	touch(&dn, 7);
	ck_assert_uint_eq(madvise_ok(fd, dn.handle, DRM_DSB_MADV_DONTNEED), 1);

	/* Marked but not purged yet: still usable, by list and by VA. */
	dsb_test_cmd_init(&cb, cmd.map, PAGE);
	ck_assert_int_eq(dsb_test_cmd_write(&cb, dn.va, 0x11), 0);
	{
		const struct drm_dsb_bo_ref bos[] = { { dn.handle, DRM_DSB_BO_WRITE } };
		struct drm_dsb_job job = {
			.queue_id = q.id, .slot = 0, .cmd_va = cmd.va,
			.cmd_len = dsb_test_cmd_len(&cb),
			.syncs = { .stride = sizeof(struct drm_dsb_sync_op) },
			.bos = { .stride = sizeof(bos[0]), .count = 1, .array = (uintptr_t)bos },
		};
		struct drm_dsb_submit s = {
			.jobs = { .stride = sizeof(job), .count = 1, .array = (uintptr_t)&job },
		};

		ck_assert_int_eq(dsb_test_ioctl(fd, DRM_IOCTL_DSB_SUBMIT, &s), 0);
		ck_assert_int_eq(wait_job(fd, q.id, job.seqno), 0);
		ck_assert_uint_eq(*(volatile uint64_t *)dn.map, 0x11);

		/* Purged: the same job is rejected, nothing submitted, bad_job 0. */
		shrink(16 * PAGE);
		ck_assert_uint_eq(madvise_ok(fd, dn.handle, DRM_DSB_MADV_WILLNEED), 0);
		job.slot = 1;
		s.bad_job = 77;
		ck_assert_int_eq(dsb_test_ioctl(fd, DRM_IOCTL_DSB_SUBMIT, &s), -ENODATA);
		ck_assert_uint_eq(s.bad_job, 0);
		st = status_of(fd, q.id);
		ck_assert_uint_eq(st.state, DRM_DSB_QUEUE_ACTIVE);
		ck_assert_uint_eq(st.submitted, st.completed);
	}

	/* The queue goes on: a job on another buffer, same slot. */
	dsb_test_cmd_init(&cb, (char *)cmd.map + PAGE, PAGE);
	ck_assert_int_eq(dsb_test_cmd_write(&cb, ok.va, 0x22), 0);
	seqno = submit_ok(fd, q.id, 1, cmd.va + PAGE, &cb, NULL, 0);
	ck_assert_int_eq(wait_job(fd, q.id, seqno), 0);
	ck_assert_uint_eq(*(volatile uint64_t *)ok.map, 0x22);

	/* By VA alone: the job faults its queue as at an unmapped address. */
	faults = counter("purged_faults");
	dsb_test_cmd_init(&cb, (char *)cmd.map + 2 * PAGE, PAGE);
	ck_assert_int_eq(dsb_test_cmd_write(&cb, dn.va + 8, 0x33), 0);
	seqno = submit_ok(fd, q2.id, 0, cmd.va + 2 * PAGE, &cb, NULL, 0);
	ck_assert_int_eq(wait_job(fd, q2.id, seqno), -EIO);
	st = status_of(fd, q2.id);
	ck_assert_uint_eq(st.state, DRM_DSB_QUEUE_BANNED);
	ck_assert_uint_eq(st.fault, DRM_DSB_FAULT_BAD_VA);
	ck_assert_uint_eq(st.fault_va, dn.va + 8);
	ck_assert_int_eq(counter("purged_faults"), faults + 1);

	/* The other queue of the file goes on. */
	dsb_test_cmd_init(&cb, (char *)cmd.map + 3 * PAGE, PAGE);
	ck_assert_int_eq(dsb_test_cmd_write(&cb, ok.va, 0x44), 0);
	seqno = submit_ok(fd, q.id, 2, cmd.va + 3 * PAGE, &cb, NULL, 0);
	ck_assert_int_eq(wait_job(fd, q.id, seqno), 0);
	ck_assert_uint_eq(*(volatile uint64_t *)ok.map, 0x44);

	/* Closing it is what is left, and it leaves nothing. */
	ck_assert_int_eq(dsb_test_bo_destroy(fd, &dn), 0);
	ck_assert_int_eq(dsb_test_bo_destroy(fd, &ok), 0);
	ck_assert_int_eq(dsb_test_bo_destroy(fd, &cmd), 0);
}
END_TEST

/* Exported buffers take the advice but are never purged. */
START_TEST(test_exported_never_purged)
{
	long long purges = counter("purges"), p0;
	struct dsb_test_bo bo;
	int dmabuf = -1;

	ck_assert_int_eq(dsb_test_bo_create(fd, 16 * PAGE, &bo), 0);
	touch(&bo, 0xe4e4e4e4);
	ck_assert_int_eq(drmPrimeHandleToFD(fd, bo.handle, DRM_CLOEXEC, &dmabuf), 0);
	ck_assert_uint_eq(madvise_ok(fd, bo.handle, DRM_DSB_MADV_DONTNEED), 1);
	ck_assert_uint_eq(fdinfo_bytes(fd, "drm-purgeable-memory"), 0);
	shrink(1ull << 40);
	ck_assert_int_eq(counter("purges"), purges);
	ck_assert_uint_eq(madvise_ok(fd, bo.handle, DRM_DSB_MADV_WILLNEED), 1);
	assert_pattern(&bo, 0xe4e4e4e4);
	close(dmabuf);
	ck_assert_int_eq(dsb_test_bo_destroy(fd, &bo), 0);

	/* Marked first, exported after: no longer purgeable, nor counted so. */
	p0 = counter("purgeable_bytes");
	ck_assert_int_eq(dsb_test_bo_create(fd, 16 * PAGE, &bo), 0);
	touch(&bo, 0xe5e5e5e5);
	ck_assert_uint_eq(madvise_ok(fd, bo.handle, DRM_DSB_MADV_DONTNEED), 1);
	ck_assert_uint_eq(fdinfo_bytes(fd, "drm-purgeable-memory"), 16 * PAGE);
	ck_assert_int_eq(counter("purgeable_bytes"), p0 + 16 * PAGE);
	ck_assert_int_eq(drmPrimeHandleToFD(fd, bo.handle, DRM_CLOEXEC, &dmabuf), 0);
	ck_assert_uint_eq(fdinfo_bytes(fd, "drm-purgeable-memory"), 0);
	ck_assert_int_eq(counter("purgeable_bytes"), p0);
	shrink(1ull << 40);
	ck_assert_int_eq(counter("purges"), purges);
	ck_assert_uint_eq(madvise_ok(fd, bo.handle, DRM_DSB_MADV_WILLNEED), 1);
	assert_pattern(&bo, 0xe5e5e5e5);
	close(dmabuf);
	ck_assert_int_eq(dsb_test_bo_destroy(fd, &bo), 0);
}
END_TEST

/* Not while a job of the file is in flight: the buffer may be in use. */
START_TEST(test_busy_not_purged)
{
	struct dsb_test_bo dn, gate, cmd;
	struct dsb_test_cmdbuf cb;
	long long purges;
	uint64_t seqno;

	ck_assert_int_eq(dsb_test_bo_create(fd, PAGE, &cmd), 0);
	ck_assert_int_eq(dsb_test_bo_create(fd, PAGE, &gate), 0);
	ck_assert_int_eq(dsb_test_bo_create(fd, 16 * PAGE, &dn), 0);
	touch(&dn, 5);
	dsb_test_cmd_init(&cb, cmd.map, PAGE);
	ck_assert_int_eq(dsb_test_cmd_memwait(&cb, gate.va, 1, 0), 0);
	ck_assert_int_eq(dsb_test_cmd_copy(&cb, gate.va + 8, dn.va, 8), 0);
	seqno = submit_ok(fd, q.id, 0, cmd.va, &cb, NULL, 0);
	ck_assert_uint_eq(madvise_ok(fd, dn.handle, DRM_DSB_MADV_DONTNEED), 1);
	/* Busy: not purgeable (fdinfo leaves active buffers out, as the core). */
	ck_assert_uint_eq(fdinfo_bytes(fd, "drm-purgeable-memory"), 0);
	purges = counter("purges");
	shrink(16 * PAGE);
	ck_assert_int_eq(counter("purges"), purges);

	__atomic_store_n((uint64_t *)gate.map, 1, __ATOMIC_RELEASE);
	ck_assert_int_eq(wait_job(fd, q.id, seqno), 0);
	ck_assert_uint_eq(((volatile uint64_t *)gate.map)[1], 0x0000000500000005ull);
	/* The job's fence signalled before the VM went idle: wait for that. */
	for (int i = 0; i < 100 && !fdinfo_bytes(fd, "drm-purgeable-memory"); i++)
		usleep(10000);
	ck_assert_uint_eq(fdinfo_bytes(fd, "drm-purgeable-memory"), 16 * PAGE);
	shrink(16 * PAGE);
	ck_assert_int_eq(counter("purges"), purges + 1);
	ck_assert_uint_eq(madvise_ok(fd, dn.handle, DRM_DSB_MADV_WILLNEED), 0);
	ck_assert_int_eq(dsb_test_bo_destroy(fd, &dn), 0);
	ck_assert_int_eq(dsb_test_bo_destroy(fd, &gate), 0);
	ck_assert_int_eq(dsb_test_bo_destroy(fd, &cmd), 0);
}
END_TEST

int main(void)
{
	static const struct vm_fixture_params params = {
		.queues = 2,
		.queue = { .ring_packets = 64, .fence_slots = 8, .timeout_ms = 10000 },
	};
	Suite *s = suite_create("madvise");
	TCase *tc = tcase_new(s, "madvise", VM_CK_DEFAULT_TIMEOUT);

	vm_fixture(tc, &params);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_willneed_retained);
	tcase_add_test(tc, test_fdinfo_purgeable);
	tcase_add_test(tc, test_not_resident_purged_at_once);
	tcase_add_test(tc, test_shrink_purges_first);
	tcase_add_test(tc, test_purged_job_fails);
	tcase_add_test(tc, test_exported_never_purged);
	tcase_add_test(tc, test_busy_not_purged);
	return vm_run(s, VM_SKIP_WITHOUT_DEVICE);
}
