// SPDX-License-Identifier: MIT
/* Copyright (C) 2026 The dsb authors */
/*
 * Reclaim benchmark (issue 15), run by scripts/bench-reclaim.sh in a VM
 * with little RAM and a swap disk, as root:
 *
 * 1. submit cost of a job whose buffers are resident vs just evicted: one
 *    client with a B MiB buffer; per round, a NOP job is timed (submit to
 *    completion) with the VM resident, then the shrinker is made to evict
 *    the idle VM (drop_caches=2 runs every shrinker) and the same job is
 *    timed again: it restores B MiB in its prepare phase. The restore cost
 *    per MiB is the difference over B.
 * 2. throughput of a process under memory pressure vs without: jobs per
 *    second of a client keeping two jobs in flight (a NOP and an
 *    ATOMIC_ADD on its 16 MiB buffer), alone and while a process that is
 *    not a dsb client touches anonymous memory (3/4 of RAM) over and over.
 *
 * Rounds interleave the two sides of each ratio; each figure is the median
 * of its round, the ratio's rounds min-max is shown.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <dsb.h>

#define MiB (1024ull * 1024)
#define MAX_ROUNDS 16
#define SAMPLES 7

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what, int err)
{
	fprintf(stderr, "reclaim_bench: %s: %s\n", what, strerror(err < 0 ? -err : err));
	exit(1);
}

/* Device 0's debugfs file: the dri/<minor> directory whose file says so. */
static FILE *open_dsb_device(void)
{
	char path[128], line[64];

	for (int minor = 0; minor < 256; minor++) {
		FILE *f;

		snprintf(path, sizeof(path), "/sys/kernel/debug/dri/%d/dsb_device", minor);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(line, sizeof(line), f) && !strncmp(line, "device 0:", 9)) {
			rewind(f);
			return f;
		}
		fclose(f);
	}
	die("debugfs dsb_device of device 0", ENOENT);
	return NULL;
}

static long long debugfs_counter(const char *name)
{
	char line[256], key[128];
	long long v, found = -1;
	FILE *f = open_dsb_device();

	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%127s %lld", key, &v) == 2 && !strcmp(key, name))
			found = v;
	fclose(f);
	return found;
}

static void drop_caches(void)
{
	int fd = open("/proc/sys/vm/drop_caches", O_WRONLY);

	if (fd < 0 || write(fd, "2", 1) != 1)
		die("drop_caches", errno);
	close(fd);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return v[n / 2];
}

struct client {
	struct dsb_device dev;
	struct dsb_queue q;
	struct dsb_bo cmd, data;
	struct dsb_cmdbuf nop, add;
};

static void client_init(struct client *c, uint64_t data_mb)
{
	int ret;

	if ((ret = dsb_device_open(&c->dev, 0)) || (ret = dsb_queue_init(&c->dev, &c->q, NULL)))
		die("device/queue", ret);
	if ((ret = dsb_bo_create(&c->dev, 4096, &c->cmd)) ||
	    (ret = dsb_bo_create(&c->dev, data_mb * MiB, &c->data)))
		die("BO", ret);
	dsb_cmdbuf_init(&c->nop, c->cmd.map, 64, c->cmd.va);
	dsb_cmd_nop(&c->nop);
	dsb_cmdbuf_init(&c->add, (char *)c->cmd.map + 64, 64, c->cmd.va + 64);
	dsb_cmd_atomic_add(&c->add, c->data.va, 1);
}

/* Submit @cb, wait for its CQE; seconds from submit to completion. */
static double run_job(struct client *c, const struct dsb_cmdbuf *cb)
{
	struct drm_dsb_cqe *cqe;
	double t0 = now_s();
	int ret;

	dsb_prep_exec(dsb_get_sqe(&c->q), cb->va, dsb_cmdbuf_len(cb));
	ret = dsb_submit(&c->q);
	if (ret < 0)
		die("submit", ret);
	if ((ret = dsb_wait_cqe(&c->q, &cqe)))
		die("wait", ret);
	if (cqe->error)
		die("job", cqe->error);
	dsb_cqe_seen(&c->q, cqe);
	return now_s() - t0;
}

/* Jobs per second over @secs, two in flight (a NOP, an ATOMIC_ADD). */
static double throughput(struct client *c, double secs)
{
	struct drm_dsb_cqe *cqe;
	unsigned long done = 0, sent = 0;
	double t0 = now_s(), t;
	int ret;

	do {
		while (sent - done < 2) {
			const struct dsb_cmdbuf *cb = sent % 2 ? &c->add : &c->nop;

			dsb_prep_exec(dsb_get_sqe(&c->q), cb->va, dsb_cmdbuf_len(cb));
			if ((ret = dsb_submit(&c->q)) < 0)
				die("submit", ret);
			sent++;
		}
		if ((ret = dsb_wait_cqe(&c->q, &cqe)))
			die("wait", ret);
		if (cqe->error)
			die("job", cqe->error);
		dsb_cqe_seen(&c->q, cqe);
		done++;
		t = now_s() - t0;
	} while (t < secs);
	while (done < sent) {
		if ((ret = dsb_wait_cqe(&c->q, &cqe)))
			die("wait", ret);
		dsb_cqe_seen(&c->q, cqe);
		done++;
	}
	return done / t;
}

static uint64_t meminfo_mb(const char *key)
{
	char line[256];
	unsigned long long v = 0;
	size_t n = strlen(key);
	FILE *f = fopen("/proc/meminfo", "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ':')
			sscanf(line + n + 1, "%llu", &v);
	if (f)
		fclose(f);
	return v >> 10;
}

/* A process that is not a dsb client, touching @mb MiB until killed. */
static pid_t hog_start(uint64_t mb)
{
	pid_t pid = fork();

	if (pid)
		return pid;
	volatile char *p = mmap(NULL, mb * MiB, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		_exit(3);
	for (unsigned int pass = 0; ; pass++)
		for (uint64_t o = 0; o < mb * MiB; o += 4096)
			p[o] = (char)(pass + (o >> 12));
}

static void minmax(const double *v, int n, double *lo, double *hi)
{
	*lo = *hi = v[0];
	for (int i = 1; i < n; i++) {
		*lo = v[i] < *lo ? v[i] : *lo;
		*hi = v[i] > *hi ? v[i] : *hi;
	}
}

int main(int argc, char **argv)
{
	double res[MAX_ROUNDS], ev[MAX_ROUNDS], r_ev[MAX_ROUNDS];
	double base[MAX_ROUNDS], press[MAX_ROUNDS], r_tp[MAX_ROUNDS];
	uint64_t mb = 64, hog_mb;
	int rounds = 3, opt;
	struct client c, t;
	double lo, hi, secs = 2;

	while ((opt = getopt(argc, argv, "r:m:s:")) != -1) {
		if (opt == 'r')
			rounds = atoi(optarg);
		else if (opt == 'm')
			mb = strtoull(optarg, NULL, 0);
		else if (opt == 's')
			secs = atof(optarg);
		else
			return 2;
	}
	if (rounds < 1 || rounds > MAX_ROUNDS)
		return 2;
	hog_mb = meminfo_mb("MemTotal") * 3 / 4;
	printf("reclaim_bench: RAM %llu MiB, swap %llu MiB, buffer %llu MiB, %d rounds\n",
	       (unsigned long long)meminfo_mb("MemTotal"),
	       (unsigned long long)meminfo_mb("SwapTotal"), (unsigned long long)mb, rounds);
	client_init(&c, mb);
	client_init(&t, 16);
	/* Make the buffer's pages exist: a first job restores them all. */
	run_job(&c, &c.nop);
	memset(c.data.map, 0x5a, mb * MiB);

	for (int r = 0; r < rounds; r++) {
		double s_res[SAMPLES], s_ev[SAMPLES];
		long long ev0;
		pid_t hog;
		int st;

		for (int i = 0; i < SAMPLES; i++) {
			s_res[i] = run_job(&c, &c.nop);
			ev0 = debugfs_counter("evictions");
			drop_caches();
			if (debugfs_counter("evictions") == ev0)
				die("drop_caches evicted nothing", EAGAIN);
			s_ev[i] = run_job(&c, &c.nop);
		}
		res[r] = median(s_res, SAMPLES);
		ev[r] = median(s_ev, SAMPLES);
		r_ev[r] = ev[r] / res[r];

		base[r] = throughput(&t, secs);
		hog = hog_start(hog_mb);
		press[r] = throughput(&t, secs);
		kill(hog, SIGKILL);
		waitpid(hog, &st, 0);
		r_tp[r] = press[r] / base[r];
		printf("round %d: submit-to-done resident %.0f us, just evicted %.0f us; "
		       "jobs/s alone %.0f, under pressure %.0f\n", r + 1, res[r] * 1e6,
		       ev[r] * 1e6, base[r], press[r]);
	}
	printf("DSB-BENCH-RECLAIM-BEGIN\n");
	minmax(r_ev, rounds, &lo, &hi);
	printf("%-58s %10s  %s\n", "figure", "value", "rounds min-max");
	printf("%-58s %10.0f\n", "submit-to-done, buffers resident (us, median)",
	       median(res, rounds) * 1e6);
	printf("%-58s %10.0f\n", "submit-to-done, buffers just evicted (us, median)",
	       median(ev, rounds) * 1e6);
	printf("%-58s %10.2f  %.2f-%.2f\n", "just evicted / resident", median(r_ev, rounds), lo,
	       hi);
	printf("%-58s %10.0f\n", "restore cost per MiB (us, (evicted - resident) / MiB)",
	       (median(ev, rounds) - median(res, rounds)) * 1e6 / (double)mb);
	minmax(r_tp, rounds, &lo, &hi);
	printf("%-58s %10.0f\n", "jobs/s, alone (median)", median(base, rounds));
	printf("%-58s %10.0f\n", "jobs/s, non-dsb process pressing 3/4 of RAM (median)",
	       median(press, rounds));
	printf("%-58s %10.2f  %.2f-%.2f\n", "under pressure / alone", median(r_tp, rounds), lo,
	       hi);
	printf("DSB-BENCH-RECLAIM-END\n");
	printf("reclaim_bench: evictions %lld, restores %lld, shrinker waits %lld\n",
	       debugfs_counter("evictions"), debugfs_counter("restores"),
	       debugfs_counter("shrinker_waits"));
	return 0;
}
