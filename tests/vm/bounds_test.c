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
 *
 * The reservation objects one batch locks are capped (issue 28, item 3):
 * 256 jobs of 64 distinct buffers made the kernel lock 16,384 of them
 * under one ww_acquire context, beyond the 2,047 lockdep can count
 * (DEBUG_LOCKS_WARN_ON(hlock->references < references), lockdep off for
 * the rest of the boot). A batch naming DRM_DSB_MAX_BATCH_BOS distinct
 * buffers is accepted (and timed, with every stride at its largest), one
 * more fails with -E2BIG at the job that brings it and leaves nothing
 * behind; the SQ splits its batches there instead. On the debug kernel
 * lockdep must still be on afterwards (and vm.sh's log scan clean).
 */
#define _GNU_SOURCE
#include <inttypes.h>
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

/* --- the reservation objects of one batch ------------------------------- */

#define CAP		DRM_DSB_MAX_BATCH_BOS
#define JOB_BOS		DRM_DSB_MAX_JOB_BOS
#define MAX_JOBS	DRM_DSB_MAX_JOBS
#define STRIDE		DRM_DSB_MAX_STRIDE

static const char *const live[] = {
	"live_jobs", "live_fences", "live_queues", "live_bos", "live_vms",
};
#define N_LIVE (sizeof(live) / sizeof(live[0]))

/* @n page-sized buffers, handles only (no mapping); freed with the file. */
static uint32_t *make_pool(uint32_t n, uint32_t flags)
{
	uint32_t *h = calloc(n, sizeof(*h));
	int64_t t0 = dsb_test_now_ns();

	ck_assert_ptr_nonnull(h);
	for (uint32_t i = 0; i < n; i++) {
		struct drm_dsb_bo_create c = { .size = PAGE, .flags = flags };

		ck_assert_int_eq(dsb_test_ioctl(fd, DRM_IOCTL_DSB_BO_CREATE, &c), 0);
		h[i] = c.handle;
	}
	fprintf(stderr, "%u buffers created in %.0f ms\n", n, (dsb_test_now_ns() - t0) / 1e6);
	return h;
}

/*
 * lockdep's debug_locks (/proc/lockdep_stats: 0 once lockdep reported
 * something and turned itself off), or -1 on a kernel without lockdep.
 */
static int lockdep_on(void)
{
	FILE *f = fopen("/proc/lockdep_stats", "re");
	char line[256];
	int v = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, " debug_locks: %d", &v) == 1)
			break;
	fclose(f);
	return v;
}

/*
 * A SUBMIT of MAX_JOBS jobs with every array at the largest stride: each
 * job has JOB_BOS buffer references and DRM_DSB_MAX_SYNC_OPS waits on a
 * signalled syncobj, its bytes past the known fields zero.
 */
struct big_batch {
	char *jobs;	/* MAX_JOBS x STRIDE */
	char *refs;	/* MAX_JOBS x JOB_BOS x STRIDE */
	char *syncs;	/* DRM_DSB_MAX_SYNC_OPS x STRIDE */
	uint32_t queue_id;
};

static void *map_zero_rw(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ck_assert_ptr_ne(p, MAP_FAILED);
	return p;
}

static struct drm_dsb_job *bb_job(struct big_batch *bb, uint32_t j)
{
	return (struct drm_dsb_job *)(bb->jobs + (size_t)j * STRIDE);
}

static struct drm_dsb_bo_ref *bb_ref(struct big_batch *bb, uint32_t j, uint32_t k)
{
	return (struct drm_dsb_bo_ref *)(bb->refs + ((size_t)j * JOB_BOS + k) * STRIDE);
}

static void bb_init(struct big_batch *bb, uint32_t queue_id, uint32_t signalled)
{
	bb->jobs = map_zero_rw((size_t)MAX_JOBS * STRIDE);
	bb->refs = map_zero_rw((size_t)MAX_JOBS * JOB_BOS * STRIDE);
	bb->syncs = map_zero_rw((size_t)DRM_DSB_MAX_SYNC_OPS * STRIDE);
	bb->queue_id = queue_id;
	for (uint32_t i = 0; i < DRM_DSB_MAX_SYNC_OPS; i++)
		*(struct drm_dsb_sync_op *)(bb->syncs + (size_t)i * STRIDE) = sync_wait(signalled);
	for (uint32_t j = 0; j < MAX_JOBS; j++)
		*bb_job(bb, j) = (struct drm_dsb_job){
			.queue_id = queue_id, .slot = j, .cmd_va = fx_cmd.va,
			.cmd_len = DRM_DSB_INSTR_SIZE,
			.syncs = { .stride = STRIDE, .count = DRM_DSB_MAX_SYNC_OPS,
				   .array = (uintptr_t)bb->syncs },
			.bos = { .stride = STRIDE, .count = JOB_BOS,
				 .array = (uintptr_t)bb_ref(bb, j, 0) },
		};
}

static void bb_free(struct big_batch *bb)
{
	ck_assert_int_eq(munmap(bb->jobs, (size_t)MAX_JOBS * STRIDE), 0);
	ck_assert_int_eq(munmap(bb->refs, (size_t)MAX_JOBS * JOB_BOS * STRIDE), 0);
	ck_assert_int_eq(munmap(bb->syncs, (size_t)DRM_DSB_MAX_SYNC_OPS * STRIDE), 0);
}

/* Job @j's buffers: pool[base + k] for k < JOB_BOS, written by even jobs. */
static void bb_name(struct big_batch *bb, uint32_t j, const uint32_t *pool, uint32_t base)
{
	for (uint32_t k = 0; k < JOB_BOS; k++)
		*bb_ref(bb, j, k) = (struct drm_dsb_bo_ref){
			pool[base + k], j % 2 ? DRM_DSB_BO_READ : DRM_DSB_BO_WRITE };
}

/* Job j names the CAP / JOB_BOS groups of pool[0..CAP) in turn: CAP in all. */
static void bb_name_at_cap(struct big_batch *bb, const uint32_t *pool)
{
	for (uint32_t j = 0; j < MAX_JOBS; j++)
		bb_name(bb, j, pool, j % (CAP / JOB_BOS) * JOB_BOS);
}

static int bb_submit(struct big_batch *bb, uint32_t *bad_job, int64_t *ns)
{
	struct drm_dsb_submit s = {
		.jobs = { .stride = STRIDE, .count = MAX_JOBS, .array = (uintptr_t)bb->jobs },
		.bad_job = 12345,
	};
	int64_t t0 = dsb_test_now_ns();
	int ret = dsb_test_ioctl(fd, DRM_IOCTL_DSB_SUBMIT, &s);

	if (ns)
		*ns = dsb_test_now_ns() - t0;
	*bad_job = s.bad_job;
	return ret;
}

/* Submitted: every job succeeds (they run in order: the last one is enough). */
static void bb_submit_ok(struct big_batch *bb, int64_t *ns)
{
	uint32_t bad;
	int ret = bb_submit(bb, &bad, ns);

	ck_assert_msg(ret == 0, "batch: %s at job %u", strerror(-ret), bad);
	ck_assert_int_eq(wait_job(fd, bb->queue_id, bb_job(bb, MAX_JOBS - 1)->seqno), 0);
}

static void expect_e2big_at(struct big_batch *bb, uint32_t job, const char *what)
{
	uint32_t bad;
	int64_t ns;
	int ret = bb_submit(bb, &bad, &ns);

	ck_assert_msg(ret == -E2BIG && bad == job, "%s: %d at job %u, want -E2BIG at job %u",
		      what, ret, bad, job);
	fprintf(stderr, "%s: -E2BIG at job %u after %.2f ms\n", what, bad, ns / 1e6);
}

static void expect_live(const long long *want, const char *what)
{
	long long now[N_LIVE];

	ck_assert_int_eq(dsb_test_debugfs_settled(live, N_LIVE, now), 0);
	for (size_t i = 0; i < N_LIVE; i++)
		ck_assert_msg(now[i] == want[i], "%s: %s %lld, want %lld", what, live[i],
			      now[i], want[i]);
}

/*
 * The report's batch, one buffer beyond the cap: -E2BIG at the job that
 * goes beyond, nothing left behind (live counters, fence slots,
 * reservation locks, lockdep); at the cap: accepted.
 */
START_TEST(test_batch_bos_cap)
{
	const uint32_t npool = 4 * CAP;	/* twice what lockdep counts */
	struct drm_dsb_queue_create qc = {
		.ring_packets = 4 * MAX_JOBS, .fence_slots = MAX_JOBS, .timeout_ms = 60000,
	};
	long long before[N_LIVE];
	int lockdep = lockdep_on();
	struct dsb_test_queue q;
	struct big_batch bb;
	uint32_t *pool, *opt_out, signalled = 0;
	uint64_t v = 0;
	int64_t ns, worst = 0;

	ck_assert_msg(lockdep != 0, "lockdep was off before the test");
	ck_assert_int_eq(dsb_test_queue_create(fd, &qc, &q), 0);
	ck_assert_int_eq(drmSyncobjCreate(fd, DRM_SYNCOBJ_CREATE_SIGNALED, &signalled), 0);
	pool = make_pool(npool, 0);
	opt_out = make_pool(1, DRM_DSB_BO_NO_IMPLICIT_SYNC);
	bb_init(&bb, q.id, signalled);
	ck_assert_int_eq(dsb_test_debugfs_settled(live, N_LIVE, before), 0);

	/*
	 * The report's batch, 256 jobs of 64 buffers, over 4,096 buffers
	 * rather than 16,384 (jobs 64 on name them again); job 16 brings the
	 * 1,025th.
	 */
	for (uint32_t j = 0; j < MAX_JOBS; j++)
		bb_name(&bb, j, pool, j % (npool / JOB_BOS) * JOB_BOS);
	expect_e2big_at(&bb, CAP / JOB_BOS, "256 jobs x 64 buffers, 4096 distinct");
	/* At the cap, but job 100 names one buffer more (its others are old). */
	bb_name_at_cap(&bb, pool);
	bb_ref(&bb, 100, 0)->handle = pool[CAP];
	expect_e2big_at(&bb, 100, "one buffer beyond the cap");
	expect_live(before, "after the rejected batches");

	/*
	 * At the cap: every fence slot free again, no reservation lock left
	 * (this batch takes them all). Then timed, the worst accepted SUBMIT;
	 * not the first, which makes the file's new buffers resident
	 * (allocates their pages, dsb_vm_make_resident()) whatever the batch.
	 */
	bb_name_at_cap(&bb, pool);
	bb_submit_ok(&bb, &ns);
	fprintf(stderr, "first SUBMIT at the cap, %u new buffers made resident: %.2f ms\n",
		npool + 1, ns / 1e6);
	for (int r = 0; r < 5; r++) {
		bb_submit_ok(&bb, &ns);
		if (ns > worst)
			worst = ns;
	}
	fprintf(stderr, "worst accepted SUBMIT with buffer lists (256 jobs x (16 syncs + 64 buffers), stride %u, %u distinct buffers): %.2f ms\n",
		STRIDE, CAP, worst / 1e6);
	ck_assert_msg(worst < (dsb_test_debug_kernel() ? 20 : 2) * SEC_NS,
		      "worst case took %lld ms", (long long)(worst / MS_NS));

	/* A buffer without implicit sync does not count. */
	bb_ref(&bb, 100, 0)->handle = *opt_out;
	bb_submit_ok(&bb, NULL);

	ck_assert_msg(lockdep_on() == lockdep, "lockdep turned off: see the kernel log");
	ck_assert_int_eq(dsb_test_get_param(fd, DRM_DSB_PARAM_MAX_BATCH_BOS, &v), 0);
	ck_assert_uint_eq(v, CAP);
	bb_free(&bb);
	free(opt_out);
	free(pool);
	ck_assert_int_eq(drmSyncobjDestroy(fd, signalled), 0);
	ck_assert_int_eq(dsb_test_queue_destroy(fd, &q), 0);
}
END_TEST

/*
 * The SQ forms its own batches: 64 entries naming 64 lists of 64 distinct
 * buffers (4,096) are consumed in batches of 16 (1,024 buffers), none
 * fails. Each later batch's first list shares buffer 0 with the batch
 * before, still pending behind a MEMWAIT: in a batch of its own, its job
 * waits for that job (an implicit dependency, counted), which one batch of
 * all 64 would not see.
 */
START_TEST(test_sq_splits_at_the_cap)
{
	const uint32_t n = 64, per_batch = CAP / JOB_BOS;
	struct drm_dsb_queue_create qc = { .ring_packets = 256, .fence_slots = n,
					   .timeout_ms = 60000 };
	struct drm_dsb_bo_ref refs[JOB_BOS];
	struct drm_dsb_queue_submit_sq sub;
	struct drm_dsb_sq_cq_header *h;
	struct drm_dsb_sqe *sqes;
	const struct drm_dsb_cqe *cqes;
	struct dsb_test_cmdbuf cb;
	struct dsb_test_queue q;
	struct dsb_test_bo gate, cmd;
	long long deps0, deps1;
	int lockdep = lockdep_on();
	uint32_t *pool, lists[64];

	ck_assert_msg(lockdep != 0, "lockdep was off before the test");
	ck_assert_int_eq(dsb_test_queue_create(fd, &qc, &q), 0);
	ck_assert_int_eq(dsb_test_bo_create(fd, PAGE, &gate), 0);
	ck_assert_int_eq(dsb_test_bo_create(fd, PAGE, &cmd), 0);
	dsb_test_cmd_init(&cb, cmd.map, PAGE);
	ck_assert_int_eq(dsb_test_cmd_memwait(&cb, gate.va, 1, 0), 0);
	pool = make_pool(n * JOB_BOS, 0);
	for (uint32_t i = 0; i < n; i++) {
		struct drm_dsb_bo_list_create lc = {
			.bos = { .stride = sizeof(refs[0]), .count = JOB_BOS,
				 .array = (uintptr_t)refs },
		};

		for (uint32_t k = 0; k < JOB_BOS; k++)
			refs[k] = (struct drm_dsb_bo_ref){ pool[i * JOB_BOS + k],
							   DRM_DSB_BO_WRITE };
		if (i && i % per_batch == 0)
			refs[0].handle = pool[0];
		ck_assert_int_eq(dsb_test_ioctl(fd, DRM_IOCTL_DSB_BO_LIST_CREATE, &lc), 0);
		lists[i] = lc.list_id;
	}

	h = q.sq_cq;
	sqes = (void *)((char *)h + h->sqes_offset);
	cqes = (const void *)((char *)h + h->cqes_offset);
	for (uint32_t i = 0; i < n; i++)
		sqes[i] = (struct drm_dsb_sqe){
			.user_data = i, .cmd_va = cmd.va, .cmd_len = dsb_test_cmd_len(&cb),
			.slot = i, .bo_list = lists[i],
		};
	ck_assert_int_eq(dsb_test_debugfs_counter(0, "implicit_deps", &deps0), 0);
	__atomic_store_n(&h->sq_tail, n, __ATOMIC_RELEASE);
	sub = (struct drm_dsb_queue_submit_sq){ .queue_id = q.id, .count = n };
	ck_assert_int_eq(dsb_test_ioctl(fd, DRM_IOCTL_DSB_QUEUE_SUBMIT_SQ, &sub), 0);
	ck_assert_uint_eq(sub.submitted, n);
	ck_assert_uint_eq(__atomic_load_n(&h->sq_head, __ATOMIC_ACQUIRE), n);
	ck_assert_int_eq(dsb_test_debugfs_counter(0, "implicit_deps", &deps1), 0);
	ck_assert_msg(deps1 - deps0 == n / per_batch - 1,
		      "%lld implicit dependencies, want %u (one per batch after the first)",
		      deps1 - deps0, n / per_batch - 1);

	__atomic_store_n((uint64_t *)gate.map, 1, __ATOMIC_RELEASE);
	for (int64_t t0 = dsb_test_now_ns();
	     __atomic_load_n(&h->cq_tail, __ATOMIC_ACQUIRE) < n;)
		ck_assert_int_lt(dsb_test_now_ns() - t0, WAIT_NS);
	for (uint32_t i = 0; i < n; i++) {
		const struct drm_dsb_cqe *c = &cqes[i & (q.create.cq_entries - 1)];

		ck_assert_uint_eq(c->user_data, i);
		ck_assert_msg(c->error == 0, "entry %u: %d", i, c->error);
	}
	ck_assert_msg(lockdep_on() == lockdep, "lockdep turned off: see the kernel log");
	free(pool);
	ck_assert_int_eq(dsb_test_bo_destroy(fd, &cmd), 0);
	ck_assert_int_eq(dsb_test_bo_destroy(fd, &gate), 0);
	ck_assert_int_eq(dsb_test_queue_destroy(fd, &q), 0);
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
	/* Thousands of buffers: slow to create on the debug kernel. */
	tc = tcase_new(s, "batch_bos", VM_CK_DEFAULT_TIMEOUT);
	vm_fixture(tc, NULL);
	tcase_add_test(tc, test_batch_bos_cap);
	tcase_add_test(tc, test_sq_splits_at_the_cap);
	return vm_run(s, 0);
}
