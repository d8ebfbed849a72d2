// SPDX-License-Identifier: MIT
/* Copyright (C) 2026 The dsb authors */
/*
 * Memory limits (issue 12, item 4): a hostile client, one user with
 * several fds on both devices and a forked child, allocates all it can
 * through raw ioctls: buffer objects, queues of the largest size, and
 * MEMWAIT-blocked jobs in flight. It must be stopped with -EDQUOT at the
 * per-user limit that GET_PARAM reports (everything it holds, as the
 * kernel counts it, stays within that limit), fdinfo must show the usage,
 * MemAvailable must stay above a floor (its starting value minus the
 * limit minus 96 MiB of slack, and at least a quarter of RAM). After the
 * hog is killed, the live counters and the charged bytes in debugfs return
 * to their starting values and a second client allocates normally.
 *
 * What a client makes the kernel hold is charged at what it costs (issue
 * 28, item 2): a pending io_uring wait at least the slab it grows (dsb's
 * wait and io_uring's request), an imported dma-buf its size (its pages
 * stay pinned for the kernel mapping) up to the limit, then -EDQUOT.
 */
#include <fcntl.h>
#include <liburing.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>

#include "vgem.h"

#define MiB (1024ull * 1024)
#define HOG_FDS_PER_DEV 2
#define HOG_FDS (2 * HOG_FDS_PER_DEV)
#define BO_CHUNK (8 * MiB)
#define MAX_BOS 256
#define MAX_QUEUES (HOG_FDS * 64)
#define SLACK (64 * MiB)
/* Kernel memory a hog costs beyond its charges (page tables, vmap, KASAN). */
#define FLOOR_SLACK (96 * MiB)

/* What the hog reports to the test through shared memory. */
struct hog_report {
	int ready;		/* 1: peak reached, figures below valid */
	int bo_err, queue_err, job_err, child_err;
	uint64_t bo_bytes;	/* BO memory it got at the BO peak */
	uint64_t used_after_bos, used_after_queues, used_peak;
	uint32_t queues, jobs;
	uint64_t fdinfo_kib;	/* dsb-client-memory of one fd at the peak */
	char failure[256];	/* set when the hog saw something wrong */
};

static const char *const live[] = {
	"live_jobs", "live_fences", "live_queues", "live_bos", "live_vms",
};
#define NLIVE (sizeof(live) / sizeof(live[0]))

static uint64_t meminfo_kib(const char *key)
{
	FILE *f = fopen("/proc/meminfo", "re");
	char line[256];
	size_t n = strlen(key);
	unsigned long long v = 0;

	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ':')
			sscanf(line + n + 1, "%llu", &v);
	fclose(f);
	return v;
}

/* The limit to enforce: GET_PARAM's, or what the issue asks for by default. */
static uint64_t client_limit(int fd, int *have_param)
{
	struct sysinfo si;
	uint64_t v;

	*have_param = dsb_test_get_param(fd, DRM_DSB_PARAM_CLIENT_MEM_LIMIT, &v) == 0;
	if (*have_param)
		return v;
	ck_assert_int_eq(sysinfo(&si), 0);
	return (uint64_t)si.totalram * si.mem_unit / 4;
}

static uint64_t client_used(int fd)
{
	uint64_t v = 0;

	if (dsb_test_get_param(fd, DRM_DSB_PARAM_CLIENT_MEM_USED, &v))
		return 0;
	return v;
}

static uint64_t fdinfo_client_kib(int fd)
{
	char path[64], line[256];
	unsigned long long v = ~0ull;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	if (!f)
		return ~0ull;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "dsb-client-memory:", 18))
			sscanf(line + 18, "%llu", &v);
	fclose(f);
	return v;
}

static void read_counters(long long v[2][NLIVE + 1])
{
	for (int d = 0; d < 2; d++) {
		for (size_t i = 0; i < NLIVE; i++)
			ck_assert_int_eq(dsb_test_debugfs_counter(d, live[i], &v[d][i]), 0);
		if (dsb_test_debugfs_counter(d, "mem_charged_bytes", &v[d][NLIVE]))
			v[d][NLIVE] = -1;
	}
}

static int bo_create(int fd, uint64_t size, uint32_t *handle)
{
	struct drm_dsb_bo_create c = { .size = size };
	int ret = dsb_test_ioctl(fd, DRM_IOCTL_DSB_BO_CREATE, &c);

	if (!ret)
		*handle = c.handle;
	return ret;
}

static int queue_create(int fd, uint32_t *id)
{
	struct drm_dsb_queue_create c = {
		.ring_packets = 4096, .fence_slots = 1024, .timeout_ms = 600000,
	};
	int ret = dsb_test_ioctl(fd, DRM_IOCTL_DSB_QUEUE_CREATE, &c);

	if (!ret)
		*id = c.queue_id;
	return ret;
}

#define HOG_FAIL(r, ...) do { \
	snprintf((r)->failure, sizeof((r)->failure), __VA_ARGS__); \
	goto out; \
} while (0)

/* The hostile client; runs in its own process, reports, then waits to die. */
static void hog(struct hog_report *r, uint64_t limit, int have_param)
{
	static uint32_t bos[MAX_BOS], bo_fd[MAX_BOS];
	static uint32_t qs[MAX_QUEUES], q_fd[MAX_QUEUES];
	static struct drm_dsb_job jobs[DRM_DSB_MAX_JOBS];
	struct dsb_test_bo cmd[HOG_FDS];
	uint32_t nbo = 0, nq = 0, i;
	int fds[HOG_FDS], ret = 0;
	uint64_t got = 0;
	pid_t child;
	int st;

	for (i = 0; i < HOG_FDS; i++) {
		fds[i] = dsb_test_open(i % 2);
		if (fds[i] < 0)
			HOG_FAIL(r, "open device %u: %s", i % 2, strerror(-fds[i]));
	}

	/* 1. Buffer objects, round robin over both devices, until refused. */
	while (nbo < MAX_BOS) {
		uint32_t f = nbo % HOG_FDS;

		ret = bo_create(fds[f], BO_CHUNK, &bos[nbo]);
		if (ret)
			break;
		bo_fd[nbo++] = f;
		got += BO_CHUNK;
		if (got > limit + SLACK)
			HOG_FAIL(r, "got %llu MiB of BOs, limit %llu MiB: not stopped",
				 (unsigned long long)(got / MiB),
				 (unsigned long long)(limit / MiB));
	}
	r->bo_err = ret;
	r->bo_bytes = got;
	r->used_after_bos = client_used(fds[0]);
	if (!have_param)
		HOG_FAIL(r, "no DRM_DSB_PARAM_CLIENT_MEM_LIMIT (got %llu MiB of BOs, error %s)",
			 (unsigned long long)(got / MiB), strerror(-ret));

	/* A forked child of the same user, on a fresh fd, gets no new share. */
	child = fork();
	if (child == 0) {
		int fd = dsb_test_open(1);
		uint32_t h;

		/* Opening may already be refused; else the BO must be. */
		_exit(fd < 0 ? -fd : -bo_create(fd, BO_CHUNK, &h));
	}
	if (child < 0 || waitpid(child, &st, 0) != child || !WIFEXITED(st))
		HOG_FAIL(r, "forked child failed");
	r->child_err = -WEXITSTATUS(st);

	/* 2. Leave room for queues and jobs: about 48 MiB. */
	while (nbo && limit - client_used(fds[0]) < 48 * MiB) {
		nbo--;
		dsb_test_gem_close(fds[bo_fd[nbo]], bos[nbo]);
	}
	for (i = 0; i < HOG_FDS; i++) {
		ret = dsb_test_bo_create(fds[i], PAGE, &cmd[i]);
		if (ret)
			HOG_FAIL(r, "command BO: %s", strerror(-ret));
		struct dsb_test_cmdbuf cb;

		dsb_test_cmd_init(&cb, (char *)cmd[i].map + 64, PAGE - 64);
		dsb_test_cmd_memwait(&cb, cmd[i].va, 1, 0);
	}

	/* 3. Queues of the largest size, until refused. */
	while (nq < MAX_QUEUES) {
		uint32_t f = nq % HOG_FDS;

		ret = queue_create(fds[f], &qs[nq]);
		if (ret)
			break;
		q_fd[nq++] = f;
	}
	r->queue_err = ret;
	r->queues = nq;
	r->used_after_queues = client_used(fds[0]);

	/* 4. Leave about 12 MiB for jobs, keep 16 queues. */
	while (nq > 16 && limit - client_used(fds[0]) < 12 * MiB) {
		nq--;
		dsb_test_ioctl(fds[q_fd[nq]], DRM_IOCTL_DSB_QUEUE_DESTROY,
			       &(struct drm_dsb_queue_destroy){ .queue_id = qs[nq] });
	}

	/* 5. Jobs blocked behind a MEMWAIT, 256 a batch, until refused. */
	ret = 0;
	for (i = 0; i < nq && !ret; i++) {
		for (uint32_t s = 0; s < 1024 && !ret; s += DRM_DSB_MAX_JOBS) {
			struct drm_dsb_submit sub = {
				.jobs = { .stride = sizeof(jobs[0]), .count = DRM_DSB_MAX_JOBS,
					  .array = (uintptr_t)jobs },
			};

			for (uint32_t k = 0; k < DRM_DSB_MAX_JOBS; k++)
				jobs[k] = (struct drm_dsb_job){
					.queue_id = qs[i], .slot = s + k,
					.cmd_va = cmd[q_fd[i]].va + 64,
					.cmd_len = sizeof(struct drm_dsb_instr),
				};
			ret = dsb_test_ioctl(fds[q_fd[i]], DRM_IOCTL_DSB_SUBMIT, &sub);
			if (!ret)
				r->jobs += DRM_DSB_MAX_JOBS;
		}
	}
	r->job_err = ret;
	r->used_peak = client_used(fds[0]);
	r->fdinfo_kib = fdinfo_client_kib(fds[1]);
out:
	__atomic_store_n(&r->ready, 1, __ATOMIC_RELEASE);
	for (;;)
		pause();	/* killed by the test, holding everything */
}

START_TEST(test_hog_is_bounded)
{
	struct hog_report *r = mmap(NULL, sizeof(*r), PROT_READ | PROT_WRITE,
				    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	long long before[2][NLIVE + 1], after[2][NLIVE + 1];
	uint64_t avail0, avail, floor, total_kib, limit, used0, v;
	int fd = dsb_test_open_or_skip(), have_param, st;
	int64_t t0 = dsb_test_now_ns();
	pid_t pid;

	if (dsb_test_count_devices() < 2) {
		fprintf(stderr, "memlimit: needs two dsb devices, skipped\n");
		return;
	}
	ck_assert_ptr_ne(r, MAP_FAILED);
	limit = client_limit(fd, &have_param);
	if (have_param) {
		struct sysinfo si;
		uint64_t ram, total, pinned;

		ck_assert_int_eq(sysinfo(&si), 0);
		ram = (uint64_t)si.totalram * si.mem_unit;
		ck_assert_int_eq(dsb_test_get_param(fd, DRM_DSB_PARAM_TOTAL_MEM_LIMIT,
						    &total), 0);
		ck_assert_int_eq(dsb_test_get_param(fd, DRM_DSB_PARAM_MAX_PINNED,
						    &pinned), 0);
		/* The documented defaults: RAM/4 per user, RAM/2 in all. */
		ck_assert_uint_le(limit, ram / 4 + PAGE);
		ck_assert_uint_ge(limit, ram / 4 - 4 * MiB);
		ck_assert_uint_le(total, ram / 2 + PAGE);
		ck_assert_uint_ge(total, ram / 2 - 4 * MiB);
		ck_assert_uint_le(pinned, total);
		ck_assert_uint_eq(fdinfo_client_kib(fd), client_used(fd) >> 10);
	}
	used0 = client_used(fd);
	read_counters(before);
	avail0 = meminfo_kib("MemAvailable") * 1024;
	total_kib = meminfo_kib("MemTotal");
	floor = avail0 > limit + FLOOR_SLACK ? avail0 - limit - FLOOR_SLACK : 0;
	if (floor < total_kib * 1024 / 4)
		floor = total_kib * 1024 / 4;

	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(fd);
		hog(r, limit, have_param);
	}
	while (!__atomic_load_n(&r->ready, __ATOMIC_ACQUIRE)) {
		ck_assert_msg(dsb_test_now_ns() - t0 < 100 * SEC_NS, "hog takes too long");
		usleep(10000);
	}
	avail = meminfo_kib("MemAvailable") * 1024;
	fprintf(stderr, "memlimit: limit %llu MiB; BOs %llu MiB (%s), used %llu KiB; "
		"queues %u (%s), used %llu KiB; jobs %u (%s), used %llu KiB, fdinfo %llu KiB; "
		"child %s; MemAvailable %llu -> %llu MiB (floor %llu MiB)\n",
		(unsigned long long)(limit / MiB), (unsigned long long)(r->bo_bytes / MiB),
		strerror(-r->bo_err), (unsigned long long)(r->used_after_bos >> 10),
		r->queues, strerror(-r->queue_err),
		(unsigned long long)(r->used_after_queues >> 10), r->jobs,
		strerror(-r->job_err), (unsigned long long)(r->used_peak >> 10),
		(unsigned long long)r->fdinfo_kib, strerror(-r->child_err),
		(unsigned long long)(avail0 / MiB), (unsigned long long)(avail / MiB),
		(unsigned long long)(floor / MiB));
	ck_assert_msg(!r->failure[0], "hog: %s", r->failure);
	ck_assert_uint_ge(avail, floor);

	/* Stopped by the documented errno, at the limit, in each phase. */
	ck_assert_int_eq(r->bo_err, -EDQUOT);
	ck_assert_int_eq(r->child_err, -EDQUOT);
	ck_assert_int_eq(r->queue_err, -EDQUOT);
	ck_assert_int_eq(r->job_err, -EDQUOT);
	ck_assert_uint_le(r->used_after_bos, limit);
	ck_assert_uint_ge(r->used_after_bos, limit - BO_CHUNK - 2 * MiB);
	ck_assert_uint_le(r->used_after_queues, limit);
	ck_assert_uint_ge(r->used_after_queues, limit - 2 * MiB);
	ck_assert_uint_le(r->used_peak, limit);
	ck_assert_uint_ge(r->used_peak, limit - 2 * MiB);
	ck_assert_uint_ge(r->queues, 16);
	ck_assert_uint_ge(r->jobs, 4 * DRM_DSB_MAX_JOBS);
	/* fdinfo of the hog's fd named the same user-wide figure. */
	ck_assert_uint_eq(r->fdinfo_kib, r->used_peak >> 10);

	/* The hog dies holding everything: all of it comes back. */
	kill(pid, SIGKILL);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	for (;;) {
		int same = 1;

		read_counters(after);
		for (int d = 0; d < 2; d++)
			for (size_t i = 0; i <= NLIVE; i++)
				same &= after[d][i] == before[d][i];
		if (same)
			break;
		if (dsb_test_now_ns() - t0 > 110 * SEC_NS) {
			for (int d = 0; d < 2; d++)
				for (size_t i = 0; i <= NLIVE; i++)
					ck_assert_msg(after[d][i] == before[d][i],
						      "device %d %s: %lld before, %lld after",
						      d, i < NLIVE ? live[i] : "mem_charged_bytes",
						      before[d][i], after[d][i]);
		}
		usleep(20000);
	}
	ck_assert_uint_eq(client_used(fd), used0);

	/* The next client works: half its limit in BOs, a queue, a job. */
	{
		struct dsb_test_bo cmdbo;
		struct dsb_test_queue q;
		struct dsb_test_cmdbuf cb;
		uint32_t h[64], n = 0;
		uint64_t seqno;

		while ((uint64_t)n * BO_CHUNK < limit / 2) {
			ck_assert_int_eq(bo_create(fd, BO_CHUNK, &h[n]), 0);
			n++;
		}
		ck_assert_int_eq(dsb_test_bo_create(fd, PAGE, &cmdbo), 0);
		q = queue_new(fd, 4096, 1024, 0);
		dsb_test_cmd_init(&cb, cmdbo.map, PAGE);
		ck_assert_int_eq(dsb_test_cmd_write(&cb, cmdbo.va + PAGE - 8, 7), 0);
		seqno = submit_ok(fd, q.id, 0, cmdbo.va, &cb, NULL, 0);
		ck_assert_int_eq(wait_job(fd, q.id, seqno), 0);
		ck_assert_uint_eq(((volatile uint64_t *)cmdbo.map)[PAGE / 8 - 1], 7);
		ck_assert_int_eq(dsb_test_get_param(fd, DRM_DSB_PARAM_CLIENT_MEM_USED, &v), 0);
		ck_assert_uint_ge(v, limit / 2);
		ck_assert_int_eq(dsb_test_queue_destroy(fd, &q), 0);
		ck_assert_int_eq(dsb_test_bo_destroy(fd, &cmdbo), 0);
		while (n)
			ck_assert_int_eq(dsb_test_gem_close(fd, h[--n]), 0);
	}
	close(fd);
	munmap(r, sizeof(*r));
}
END_TEST

/* Pending io_uring waits in the slab test: half the per-file cap. */
#define URING_WAITS 8192
#define URING_BATCH 4096

/*
 * URING_WAITS io_uring WAIT_SEQNOs on one job held by a MEMWAIT: the
 * user's charge must grow at least as much as the kernel's slab did
 * (before, 96 B were charged per wait for 354 B of slab on 6.1).
 */
START_TEST(test_uring_waits_charged)
{
	struct io_uring_params p = { .flags = IORING_SETUP_CQSIZE, .cq_entries = URING_WAITS };
	struct dsb_test_cmdbuf cb;
	struct io_uring_cqe *cqe;
	struct dsb_test_queue q;
	struct dsb_test_bo cmd;
	uint64_t used0, used1, slab0, slab1, seqno;
	struct io_uring ring;
	int i, n;

	fd = dsb_test_open_or_skip();
	/* A watchdog long enough for the gate held while the waits are armed. */
	q = queue_new(fd, 256, 1, 120000);
	ck_assert_int_eq(dsb_test_bo_create(fd, 4096, &cmd), 0);
	dsb_test_cmd_init(&cb, cmd.map, 512);
	ck_assert_int_eq(dsb_test_cmd_memwait(&cb, cmd.va + 2048, 1, 0), 0);
	seqno = submit_ok(fd, q.id, 0, cmd.va, &cb, NULL, 0);
	ck_assert_int_eq(io_uring_queue_init_params(URING_BATCH, &ring, &p), 0);

	used0 = client_used(fd);
	slab0 = meminfo_kib("Slab");
	for (n = 0; n < URING_WAITS; n += URING_BATCH) {
		for (i = 0; i < URING_BATCH; i++)
			ck_assert_int_eq(dsb_test_uring_prep(&ring, fd, DRM_DSB_URING_WAIT_SEQNO,
							     q.id, 0, seqno), 0);
		ck_assert_int_eq(io_uring_submit(&ring), URING_BATCH);
	}
	slab1 = meminfo_kib("Slab");
	used1 = client_used(fd);
	ck_assert_msg(io_uring_peek_cqe(&ring, &cqe) == -EAGAIN,
		      "a wait completed before the gate opened: %d", cqe->res);
	printf("%d pending io_uring waits: slab +%llu B a wait, charged +%llu B a wait\n",
	       URING_WAITS, (unsigned long long)(slab1 - slab0) * 1024 / URING_WAITS,
	       (unsigned long long)(used1 - used0) / URING_WAITS);
	/* KASAN's redzones and metadata are a debug kernel's, not the wait's. */
	if (!dsb_test_debug_kernel())
		ck_assert_msg(used1 - used0 >= (slab1 - slab0) * 1024,
			      "%d waits charged %llu B, the slab grew %llu B", URING_WAITS,
			      (unsigned long long)(used1 - used0),
			      (unsigned long long)(slab1 - slab0) * 1024);

	((volatile uint64_t *)cmd.map)[2048 / 8] = 1;
	for (n = 0; n < URING_WAITS; n++) {
		ck_assert_int_eq(io_uring_wait_cqe(&ring, &cqe), 0);
		ck_assert_int_eq(cqe->res, 0);
		io_uring_cqe_seen(&ring, cqe);
	}
	ck_assert_uint_eq(client_used(fd), used0);
	io_uring_queue_exit(&ring);
	ck_assert_int_eq(dsb_test_bo_destroy(fd, &cmd), 0);
	ck_assert_int_eq(dsb_test_queue_destroy(fd, &q), 0);
	close(fd);
	fd = -1;
}
END_TEST

/* A vgem buffer of @bytes exported as a dma-buf, its vgem handle in *vh. */
static int vgem_dmabuf(uint64_t bytes, uint32_t *vh)
{
	struct drm_mode_create_dumb dumb = { .width = 1024, .height = bytes / 4096, .bpp = 32 };
	int dmabuf;

	ck_assert_int_eq(dsb_test_ioctl(vfd, DRM_IOCTL_MODE_CREATE_DUMB, &dumb), 0);
	*vh = dumb.handle;
	ck_assert_int_eq(drmPrimeHandleToFD(vfd, *vh, DRM_CLOEXEC | DRM_RDWR, &dmabuf), 0);
	return dmabuf;
}

#define IMPORT_CHUNK (16 * MiB)

/*
 * Imports of vgem buffers keep their pages pinned and kernel-mapped: each
 * is charged its size, and importing stops with -EDQUOT (or -ENOMEM at the
 * device's pinned limit) before the user holds more than its limit. Before,
 * an import was charged the size of its bookkeeping (24 KiB for 656 MiB).
 */
START_TEST(test_imports_charged)
{
	uint32_t vh[64], h[64];
	uint64_t limit, used0, used, held = 0;
	int have_param, n = 0, ret = 0;

	vfd = open_vgem();
	if (vfd < 0) {
		printf("imports: no vgem, skipped\n");
		return;
	}
	fd = dsb_test_open_or_skip();
	limit = client_limit(fd, &have_param);
	used0 = client_used(fd);
	while (n < 64) {
		int dmabuf = vgem_dmabuf(IMPORT_CHUNK, &vh[n]);

		ret = drmPrimeFDToHandle(fd, dmabuf, &h[n]) ? -errno : 0;
		close(dmabuf);
		if (ret) {
			dsb_test_gem_close(vfd, vh[n]);
			break;
		}
		held += IMPORT_CHUNK;
		used = client_used(fd);
		ck_assert_msg(used - used0 >= held,
			      "%d imports of %llu MiB held, %llu KiB charged", n + 1,
			      (unsigned long long)(IMPORT_CHUNK / MiB),
			      (unsigned long long)(used - used0) / 1024);
		n++;
		ck_assert_msg(held <= limit + IMPORT_CHUNK,
			      "imported %llu MiB, beyond the %llu MiB limit, not refused",
			      (unsigned long long)(held / MiB), (unsigned long long)(limit / MiB));
	}
	ck_assert_msg(ret == -EDQUOT || ret == -ENOMEM,
		      "import refused with %s after %llu MiB (limit %llu MiB)",
		      strerror(-ret), (unsigned long long)(held / MiB),
		      (unsigned long long)(limit / MiB));
	printf("imports: %d of %llu MiB, refused with %s at the %llu MiB limit\n", n,
	       (unsigned long long)(IMPORT_CHUNK / MiB), strerror(-ret),
	       (unsigned long long)(limit / MiB));
	while (n--) {
		ck_assert_int_eq(dsb_test_gem_close(fd, h[n]), 0);
		ck_assert_int_eq(dsb_test_gem_close(vfd, vh[n]), 0);
	}
	ck_assert_uint_eq(client_used(fd), used0);
	close(fd);
	close(vfd);
	fd = vfd = -1;
}
END_TEST

int main(void)
{
	Suite *s = suite_create("memlimit");
	TCase *tc = tcase_new(s, "hog", 150);

	tcase_add_test(tc, test_hog_is_bounded);
	tcase_add_test(tc, test_uring_waits_charged);
	tcase_add_test(tc, test_imports_charged);
	return vm_run(s, 0);
}
