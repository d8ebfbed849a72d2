// SPDX-License-Identifier: MIT
/* Copyright (C) 2026 The dsb authors */
/*
 * Reclaim without preemption (issue 15), in a VM with little RAM and a
 * swap disk (scripts/check.sh: DSB_VM_MEM=320M DSB_VM_SWAP_MB=1024, dsb
 * loaded with limits above RAM and a pinned limit of 128 MiB):
 *
 * - evict_restore: several clients fill swappable buffers that add up to
 *   more than RAM, by GPU jobs; only a few fit under the pinned limit, so
 *   restoring one evicts idle others, and shmem swaps. Each client then
 *   submits again: a GPU copy and a CPU read of every byte see its
 *   pattern. An active client's jobs complete meanwhile.
 * - pressure: a process that is not a dsb client touches anonymous memory
 *   while an active client keeps jobs in flight and idle clients hold
 *   resident buffers: the shrinker evicts the idle ones and waits for the
 *   busy one's fences at least once; every job completes without error
 *   within its watchdog; nobody is OOM-killed.
 * - teardown: SIGKILL of a client whose buffers are evicted, of one while
 *   its buffers are being restored, and queue and buffer destruction while
 *   evicted: the live counters and resident bytes return to baseline.
 * - purge: buffers marked DONTNEED (DRM_IOCTL_DSB_BO_MADVISE) in one file,
 *   unmarked ones in another, all resident and idle, and a process that is
 *   not a dsb client touches anonymous memory: the shrinker purges every
 *   DONTNEED buffer before it evicts any unmarked one (once an eviction is
 *   counted, all were purged), the purged ones answer WILLNEED with
 *   retained=0, the unmarked ones keep every byte.
 *
 * Without a swap device the program skips (77): the other VM runs have
 * none.
 */
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "vm_suite.h"

#define MiB (1024ull * 1024)
#define CHUNK MiB		/* FILL and COPY move at most 1 MiB */
#define BOS 4			/* buffers per client */
#define MAX_CLIENTS 8		/* enough for 1.25 x the VM's RAM (check.sh: 320 MiB) */
#define JOB_CMD 4096u		/* one command buffer per job */

/*
 * Buffer sizes: 16 MiB (64 MiB per client, the active client's 16 MiB);
 * on the debug kernel, whose KASAN makes every byte the engine fills cost
 * a hundred times more, 4 MiB, with a pinned limit to match (check-reclaim.sh).
 */
static uint64_t bo_mb = 16, active_bo_mb = 16;

/*
 * Forked clients must not use Check's asserts (they report through the
 * test process's channel, which several writers corrupt): a failed check
 * prints and exits 1, and the test asserts every client's exit status.
 */
#define CHILD_CHECK(cond, ...)						\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "reclaim child %d: ", (int)getpid());	\
			fprintf(stderr, __VA_ARGS__);			\
			fprintf(stderr, " (%s:%d)\n", __FILE__, __LINE__);	\
			_exit(1);					\
		}							\
	} while (0)

enum { CMD_VERIFY = 'v', CMD_IDLE = 'i', CMD_EXIT = 'x' };

struct client {
	pid_t pid;
	int to[2], from[2];
};

/* Shared with the children: what the active client saw. */
struct active_report {
	int stop;
	uint64_t jobs, errors;
};

static long long counter(const char *name)
{
	long long v = -1;

	ck_assert_msg(dsb_test_debugfs_counter(0, name, &v) == 0, "debugfs %s", name);
	return v;
}

static uint64_t meminfo_kib(const char *key)
{
	char line[256];
	unsigned long long v = 0;
	FILE *f = fopen("/proc/meminfo", "r");
	size_t n = strlen(key);

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ':')
			sscanf(line + n + 1, "%llu", &v);
	fclose(f);
	return v;
}

static uint32_t pattern(int client, int bo)
{
	return 0x5eed0000u | (uint32_t)client << 8 | (uint32_t)bo;
}

/* Run one job of @cmd's first @n instructions, wait, return its error. */
static int32_t run_job(int dfd, uint32_t qid, const struct dsb_test_bo *cmd,
		       uint32_t slot, const struct dsb_test_cmdbuf *cb)
{
	uint64_t seqno = 0;
	int ret = dsb_test_submit(dfd, qid, slot, cmd->va + (uint64_t)slot * JOB_CMD,
				  dsb_test_cmd_len(cb), NULL, 0, &seqno);

	int32_t err = 12345;

	if (ret)
		return ret;
	ret = dsb_test_wait(dfd, qid, seqno, WAIT_NS, &err);
	return ret ? ret : err;
}

/* A queue for a child, or exit. */
static struct dsb_test_queue child_queue(int dfd, uint32_t timeout_ms)
{
	struct drm_dsb_queue_create c = {
		.ring_packets = 256, .fence_slots = 16, .timeout_ms = timeout_ms,
	};
	struct dsb_test_queue q;
	int ret = dsb_test_queue_create(dfd, &c, &q);

	CHILD_CHECK(ret == 0, "queue create: %s", strerror(-ret));
	return q;
}

static void child_bo(int dfd, uint64_t size, struct dsb_test_bo *bo)
{
	int ret = dsb_test_bo_create(dfd, size, bo);

	CHILD_CHECK(ret == 0, "BO of %llu bytes: %s", (unsigned long long)size, strerror(-ret));
}

/* Child: fill BOS buffers by GPU jobs, then verify or idle on command. */
static void client_main(int id, int in, int out)
{
	struct dsb_test_bo bo[BOS], cmd, res;
	struct dsb_test_cmdbuf cb;
	struct dsb_test_queue q;
	int dfd = dsb_test_open(0);
	char c = 0;
	int i;

	int32_t err;

	CHILD_CHECK(dfd >= 0, "open: %s", strerror(-dfd));
	q = child_queue(dfd, 20000);
	child_bo(dfd, (uint64_t)(BOS + 1) * JOB_CMD, &cmd);
	child_bo(dfd, (uint64_t)BOS * CHUNK, &res);
	for (i = 0; i < BOS; i++) {
		child_bo(dfd, bo_mb * MiB, &bo[i]);
		dsb_test_cmd_init(&cb, (char *)cmd.map + (size_t)i * JOB_CMD, JOB_CMD);
		for (uint64_t off = 0; off < bo_mb * MiB; off += CHUNK)
			CHILD_CHECK(!dsb_test_cmd_fill(&cb, bo[i].va + off, pattern(id, i), CHUNK),
				    "fill");
		err = run_job(dfd, q.id, &cmd, i, &cb);
		CHILD_CHECK(!err, "client %d: fill job: %s", id, strerror(-err));
	}
	CHILD_CHECK(write(out, "f", 1) == 1, "pipe");

	while (read(in, &c, 1) == 1 && c != CMD_EXIT) {
		if (c != CMD_VERIFY)
			continue;
		/* The GPU reads the restored buffers: copy a MiB of each. */
		dsb_test_cmd_init(&cb, (char *)cmd.map + (size_t)BOS * JOB_CMD, JOB_CMD);
		for (i = 0; i < BOS; i++)
			CHILD_CHECK(!dsb_test_cmd_copy(&cb, res.va + (uint64_t)i * CHUNK,
						       bo[i].va + (bo_mb - 1) * MiB, CHUNK), "copy");
		err = run_job(dfd, q.id, &cmd, BOS, &cb);
		if (err) {
			long long pb = -1, pl = -1, eb = -1;

			dsb_test_debugfs_counter(0, "pinned_bytes", &pb);
			dsb_test_debugfs_counter(0, "pinned_limit", &pl);
			dsb_test_debugfs_counter(0, "evictable_bytes", &eb);
			CHILD_CHECK(!err, "client %d: verify job: %s (pinned %lld of %lld, evictable %lld)",
				    id, strerror(-err), pb, pl, eb);
		}
		for (i = 0; i < BOS; i++) {
			const uint32_t *r = (const uint32_t *)((char *)res.map + (size_t)i * CHUNK);
			const uint32_t *p = bo[i].map;

			for (size_t w = 0; w < CHUNK / 4; w++)
				CHILD_CHECK(r[w] == pattern(id, i),
					    "client %d bo %d: GPU read %#x at word %zu",
					    id, i, r[w], w);
			/* The CPU reads every byte (a refault restores). */
			for (size_t w = 0; w < bo_mb * MiB / 4; w++)
				CHILD_CHECK(p[w] == pattern(id, i),
					    "client %d bo %d: CPU read %#x at word %zu",
					    id, i, p[w], w);
		}
		CHILD_CHECK(write(out, "v", 1) == 1, "pipe");
	}
	_exit(0);
}

static void client_start(struct client *c, int id)
{
	char r = 0;

	ck_assert_int_eq(pipe(c->to), 0);
	ck_assert_int_eq(pipe(c->from), 0);
	c->pid = fork();
	ck_assert_int_ge(c->pid, 0);
	if (!c->pid) {
		close(c->to[1]);
		close(c->from[0]);
		client_main(id, c->to[0], c->from[1]);
	}
	close(c->to[0]);
	close(c->from[1]);
	ck_assert_msg(read(c->from[0], &r, 1) == 1 && r == 'f', "client %d did not fill", id);
}

static void client_cmd(struct client *c, char cmd, char want)
{
	char r = 0;

	ck_assert_int_eq(write(c->to[1], &cmd, 1), 1);
	if (want)
		ck_assert_msg(read(c->from[0], &r, 1) == 1 && r == want,
			      "client %d: no answer to '%c'", (int)c->pid, cmd);
}

static void client_reap(struct client *c, bool killed)
{
	int st = 0;

	if (!killed)
		client_cmd(c, CMD_EXIT, 0);
	ck_assert_int_eq(waitpid(c->pid, &st, 0), c->pid);
	if (killed)
		ck_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	else
		ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
			      "client %d: status %#x", (int)c->pid, st);
	close(c->to[1]);
	close(c->from[0]);
}

/* The active client: two jobs in flight at all times, each a short DELAY
 * and an ATOMIC_ADD on its own buffer, until told to stop. */
static pid_t active_start(struct active_report *rep)
{
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid)
		return pid;
	int dfd = dsb_test_open(0);
	struct dsb_test_queue q;
	struct dsb_test_bo cmd, buf;
	struct dsb_test_cmdbuf cb;
	uint64_t seq[2] = { 0, 0 }, done = 0;
	int32_t err;
	int ret;

	CHILD_CHECK(dfd >= 0, "open: %s", strerror(-dfd));
	q = child_queue(dfd, 5000);
	child_bo(dfd, JOB_CMD, &cmd);
	child_bo(dfd, active_bo_mb * MiB, &buf);
	dsb_test_cmd_init(&cb, cmd.map, JOB_CMD);
	CHILD_CHECK(!dsb_test_cmd_delay(&cb, 2 * MS_NS), "delay");
	CHILD_CHECK(!dsb_test_cmd_atomic_add(&cb, buf.va, 1), "atomic add");
	for (uint64_t n = 0; ; n++) {
		uint32_t s = n % 2;
		bool stop = __atomic_load_n(&rep->stop, __ATOMIC_ACQUIRE);

		if (seq[s]) {
			err = 12345;
			ret = dsb_test_wait(dfd, q.id, seq[s], WAIT_NS, &err);
			CHILD_CHECK(ret == 0, "active wait: %s", strerror(-ret));
			if (err)
				__atomic_add_fetch(&rep->errors, 1, __ATOMIC_RELAXED);
			else
				done++;
			__atomic_add_fetch(&rep->jobs, 1, __ATOMIC_RELAXED);
			seq[s] = 0;
		}
		if (stop && !seq[0] && !seq[1])
			break;
		if (stop)
			continue;
		ret = dsb_test_submit(dfd, q.id, s, cmd.va, dsb_test_cmd_len(&cb), NULL, 0,
				      &seq[s]);
		CHILD_CHECK(ret == 0, "active submit: %s", strerror(-ret));
	}
	CHILD_CHECK(*(volatile uint64_t *)buf.map == done, "active: counter %llu, %llu jobs",
		    (unsigned long long)*(volatile uint64_t *)buf.map, (unsigned long long)done);
	_exit(0);
}

static void active_stop(pid_t pid, struct active_report *rep)
{
	int st = 0;

	__atomic_store_n(&rep->stop, 1, __ATOMIC_RELEASE);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "active client: status %#x", st);
	ck_assert_uint_gt(rep->jobs, 0);
	ck_assert_uint_eq(rep->errors, 0);
}

static struct active_report *report_new(void)
{
	struct active_report *r = mmap(NULL, sizeof(*r), PROT_READ | PROT_WRITE,
				       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	ck_assert_ptr_ne(r, MAP_FAILED);
	return r;
}

/*
 * Clients whose buffers add up to 1.25 x RAM (at most MAX_CLIENTS); on the
 * debug kernel four, which the pinned limit alone makes take turns.
 */
static int nclients(void)
{
	uint64_t mb = meminfo_kib("MemTotal") >> 10;
	int n = (int)(mb * 5 / 4 / (BOS * bo_mb)) + 1;

	if (dsb_test_debug_kernel())
		return 4;
	return n < MAX_CLIENTS ? n : MAX_CLIENTS;
}

START_TEST(test_evict_restore)
{
	struct active_report *rep = report_new();
	struct client c[MAX_CLIENTS];
	const int nc = nclients();
	long long ev0 = counter("evictions"), rs0 = counter("restores");
	int64_t t0 = dsb_test_now_ns();
	uint64_t jobs0;
	pid_t active;
	int i;

	fprintf(stderr, "reclaim: RAM %llu MiB, swap %llu MiB, %d clients x %llu MiB\n",
		(unsigned long long)meminfo_kib("MemTotal") >> 10,
		(unsigned long long)meminfo_kib("SwapTotal") >> 10, nc,
		(unsigned long long)(BOS * bo_mb));
	active = active_start(rep);
	for (i = 0; i < nc; i++)
		client_start(&c[i], i);
	fprintf(stderr, "reclaim: filled in %lld ms\n", (dsb_test_now_ns() - t0) / MS_NS);
	jobs0 = __atomic_load_n(&rep->jobs, __ATOMIC_RELAXED);
	/* Resident bytes never pass the limit, whatever the clients hold. */
	ck_assert_int_le(counter("pinned_bytes"), counter("pinned_limit"));
	for (i = 0; i < nc; i++)
		client_cmd(&c[i], CMD_VERIFY, 'v');
	fprintf(stderr, "reclaim: verified in %lld ms; evictions %lld (%lld MiB), restores %lld, swap used %llu MiB, active jobs %llu\n",
		(dsb_test_now_ns() - t0) / MS_NS, counter("evictions") - ev0, counter("evicted_bytes") >> 20,
		counter("restores") - rs0,
		(unsigned long long)(meminfo_kib("SwapTotal") - meminfo_kib("SwapFree")) >> 10,
		(unsigned long long)rep->jobs);
	/* At most two clients fit under the pinned limit at a time. */
	ck_assert_int_ge(counter("evictions") - ev0, (nc - 2) * BOS);
	ck_assert_int_ge(counter("restores") - rs0, (2 * nc - 3) * BOS);
	/* The active client kept completing jobs meanwhile. */
	ck_assert_uint_gt(__atomic_load_n(&rep->jobs, __ATOMIC_RELAXED), jobs0);
	for (i = 0; i < nc; i++)
		client_reap(&c[i], false);
	active_stop(active, rep);
}
END_TEST

/* Memory pressure rounds test_pressure may take for the shrinker to wait. */
#define HOG_ROUNDS 4

/* Not a dsb client: touch @mb MiB of anonymous memory. */
static pid_t hog_start(uint64_t mb)
{
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid)
		return pid;
	volatile char *p = mmap(NULL, mb * MiB, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		_exit(3);
	for (uint64_t o = 0; o < mb * MiB; o += PAGE)
		p[o] = (char)(o >> 12);
	_exit(0);
}

START_TEST(test_pressure)
{
	struct active_report *rep = report_new();
	long long w0 = counter("shrinker_waits"), s0 = counter("shrinker_scans");
	long long ev0 = counter("evictions");
	int64_t t0 = dsb_test_now_ns();
	struct client c[2];
	pid_t active, hog;
	int st = 0, i, round;

	active = active_start(rep);
	for (i = 0; i < 2; i++)
		client_start(&c[i], i);
	/*
	 * Idle clients resident (192 MiB at most), one busy: press. The
	 * shrinker waits for the busy client only once evicting idle BOs
	 * no longer frees what the kernel asks for; how soon that is depends
	 * on what else the kernel reclaims, so press again (at most
	 * HOG_ROUNDS times) until it has waited.
	 */
	for (round = 1; round <= HOG_ROUNDS; round++) {
		hog = hog_start(meminfo_kib("MemTotal") * 3 / 4 >> 10);
		ck_assert_int_eq(waitpid(hog, &st, 0), hog);
		ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "hog: status %#x", st);
		fprintf(stderr, "reclaim under pressure, round %d (%lld ms): shrinker scans %lld, waits %lld (timeouts %lld), evictions %lld, active jobs %llu\n",
			round, (dsb_test_now_ns() - t0) / MS_NS,
			counter("shrinker_scans") - s0, counter("shrinker_waits") - w0,
			counter("shrinker_wait_timeouts"), counter("evictions") - ev0,
			(unsigned long long)__atomic_load_n(&rep->jobs, __ATOMIC_RELAXED));
		if (counter("shrinker_waits") > w0)
			break;
	}
	ck_assert_int_gt(counter("shrinker_scans") - s0, 0);
	ck_assert_int_gt(counter("evictions") - ev0, 0);
	ck_assert_int_gt(counter("shrinker_waits") - w0, 0);
	/* Every byte still there after the pressure. */
	for (i = 0; i < 2; i++) {
		client_cmd(&c[i], CMD_VERIFY, 'v');
		client_reap(&c[i], false);
	}
	active_stop(active, rep);
}
END_TEST

/* test_purge's buffers: DONTNEED ones, and unmarked ones in another file. */
#define PURGE_BOS 4
#define KEEP_BOS 2

static uint32_t madvise_ok(int f, uint32_t handle, uint32_t madv)
{
	struct drm_dsb_bo_madvise m = { .handle = handle, .madv = madv };

	ck_assert_int_eq(dsb_test_ioctl(f, DRM_IOCTL_DSB_BO_MADVISE, &m), 0);
	return m.retained;
}

START_TEST(test_purge)
{
	struct dsb_test_bo dn[PURGE_BOS], keep[KEEP_BOS];
	long long ev0 = counter("evictions"), pg0 = counter("purges");
	int64_t t0 = dsb_test_now_ns();
	int f2 = dsb_test_open(0), st = 0, i, round;
	pid_t hog;

	ck_assert_int_ge(f2, 0);
	for (i = 0; i < KEEP_BOS; i++) {
		ck_assert_int_eq(dsb_test_bo_create(fd, bo_mb * MiB, &keep[i]), 0);
		for (size_t w = 0; w < bo_mb * MiB / 4; w++)
			((uint32_t *)keep[i].map)[w] = pattern(9, i);
	}
	for (i = 0; i < PURGE_BOS; i++) {
		ck_assert_int_eq(dsb_test_bo_create(f2, bo_mb * MiB, &dn[i]), 0);
		memset(dn[i].map, 0xdd, bo_mb * MiB);
		ck_assert_uint_eq(madvise_ok(f2, dn[i].handle, DRM_DSB_MADV_DONTNEED), 1);
	}
	ck_assert_int_ge(counter("purgeable_bytes"), (long long)(PURGE_BOS * bo_mb * MiB));
	/* Press until reclaim has purged them all or evicted anything. */
	for (round = 1; round <= HOG_ROUNDS; round++) {
		hog = hog_start(meminfo_kib("MemTotal") * 3 / 4 >> 10);
		ck_assert_int_eq(waitpid(hog, &st, 0), hog);
		ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "hog: status %#x", st);
		fprintf(stderr, "purge under pressure, round %d (%lld ms): purges %lld (%lld MiB), evictions %lld\n",
			round, (dsb_test_now_ns() - t0) / MS_NS, counter("purges") - pg0,
			counter("purged_bytes") >> 20, counter("evictions") - ev0);
		if (counter("evictions") > ev0 || counter("purges") - pg0 >= PURGE_BOS)
			break;
	}
	/* Whatever was evicted was evicted after every DONTNEED buffer was purged. */
	ck_assert_int_eq(counter("purges") - pg0, PURGE_BOS);
	for (i = 0; i < PURGE_BOS; i++) {
		ck_assert_uint_eq(madvise_ok(f2, dn[i].handle, DRM_DSB_MADV_WILLNEED), 0);
		ck_assert_int_eq(dsb_test_bo_destroy(f2, &dn[i]), 0);
	}
	for (i = 0; i < KEEP_BOS; i++) {
		for (size_t w = 0; w < bo_mb * MiB / 4; w++)
			if (((uint32_t *)keep[i].map)[w] != pattern(9, i))
				ck_abort_msg("bo %d: word %zu is %#x", i, w,
					     ((uint32_t *)keep[i].map)[w]);
		ck_assert_int_eq(dsb_test_bo_destroy(fd, &keep[i]), 0);
	}
	close(f2);
}
END_TEST

static const char *const live[] = {
	"live_bos", "live_queues", "live_jobs", "live_fences", "live_vms",
	"pinned_bytes", "evictable_bytes",
};
#define NLIVE (sizeof(live) / sizeof(live[0]))

START_TEST(test_teardown)
{
	long long base[NLIVE], now[NLIVE];
	struct client c[4];
	bool settled = false;
	size_t k;
	int i;

	for (k = 0; k < NLIVE; k++)
		base[k] = counter(live[k]);
	/* c[0] evicted by the others' fills: killed while evicted. */
	for (i = 0; i < 4; i++)
		client_start(&c[i], i);
	kill(c[0].pid, SIGKILL);
	client_reap(&c[0], true);
	/* c[1]: killed while its verify restores 96 MiB (or just after). */
	ck_assert_int_eq(write(c[1].to[1], "v", 1), 1);
	usleep(20000);
	kill(c[1].pid, SIGKILL);
	client_reap(&c[1], true);
	/* c[2], c[3]: exit normally, closing everything while evicted. */
	client_reap(&c[2], false);
	client_reap(&c[3], false);
	for (int t = 0; t < 100 && !settled; t++) {
		settled = true;
		for (k = 0; k < NLIVE; k++) {
			now[k] = counter(live[k]);
			settled &= now[k] == base[k];
		}
		if (!settled)
			usleep(100000);
	}
	for (k = 0; k < NLIVE; k++)
		ck_assert_msg(now[k] == base[k], "%s %lld, baseline %lld", live[k], now[k],
			      base[k]);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("reclaim");
	/* One case each: CK_RUN_CASE=pressure runs one (the negative control). */
	TCase *evict = tcase_new(s, "evict", 600);
	TCase *pressure = tcase_new(s, "pressure", 600);
	TCase *teardown = tcase_new(s, "teardown", 600);
	TCase *purge = tcase_new(s, "purge", 600);

	if (dsb_test_debug_kernel()) {
		bo_mb = 4;
		active_bo_mb = 4;
	}
	if (meminfo_kib("SwapTotal") == 0) {
		fprintf(stderr, "reclaim: no swap device (run by check.sh with one), skipped\n");
		return 77;
	}
	vm_fixture(evict, NULL);
	vm_fixture(pressure, NULL);
	vm_fixture(teardown, NULL);
	vm_fixture(purge, NULL);
	tcase_add_test(evict, test_evict_restore);
	tcase_add_test(pressure, test_pressure);
	tcase_add_test(teardown, test_teardown);
	tcase_add_test(purge, test_purge);
	return vm_run(s, VM_SKIP_WITHOUT_DEVICE);
}
