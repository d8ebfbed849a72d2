// SPDX-License-Identifier: MIT
/* Copyright (C) 2026 The dsb authors */
/*
 * Developer inspection: what debugfs, fdinfo and dsbctl show must be the
 * truth about a known state.
 *
 * - a queue stuck on a MEMWAIT shows exactly its WAIT/EXEC/SIGNAL packets
 *   with MAC verdict "ok", the instruction's address, awaited and current
 *   value, and its fence slot in flight; and lets go when released;
 * - a queue stuck on a WAIT packet (a dependency on another queue's job)
 *   shows the dependency and its awaited value;
 * - the device counters move by exactly what a run of jobs did;
 * - packets scribbled beyond the doorbell show the verdict "BAD" without
 *   faulting the queue (the engine has not read them yet), and a replayed
 *   kernel packet at another position too;
 * - fdinfo has the DRM usage-stats keys, engine time grows with work and
 *   memory with buffer objects;
 * - dsbctl (/bin/dsbctl or $DSBCTL) prints the same state, and decodes
 *   ring and command-buffer dumps.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "vm_suite.h"
/* Long enough that the watchdog never bans a queue we keep stuck on purpose. */
#define STUCK_TIMEOUT_MS 120000

/* --- reading debugfs and fdinfo ------------------------------------------ */

static char *slurp(const char *path)
{
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap);
	int f = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t r;

	ck_assert_msg(f >= 0, "open %s: %s", path, strerror(errno));
	ck_assert_ptr_nonnull(buf);
	while ((r = read(f, buf + n, cap - n - 1)) > 0) {
		n += r;
		if (n + 1 == cap) {
			cap *= 2;
			buf = realloc(buf, cap);
			ck_assert_ptr_nonnull(buf);
		}
	}
	ck_assert_msg(r == 0, "read %s: %s", path, strerror(errno));
	close(f);
	buf[n] = 0;
	return buf;
}

/* debugfs directory of the dsb device of @fd (found by its index). */
static void debugfs_dir(int dfd, char *dir, size_t len)
{
	uint64_t index = ~0ull;

	ck_assert_int_eq(dsb_test_get_param(dfd, DRM_DSB_PARAM_DEVICE_INDEX, &index), 0);
	ck_assert_msg(dsb_test_debugfs_dir((int)index, dir, len) == 0,
		      "no debugfs directory for dsb device %llu", (unsigned long long)index);
}

static char *debugfs_read(const char *name)
{
	char dir[300], path[400];

	debugfs_dir(fd, dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return slurp(path);
}

/* Value of "key:\t<value>" in /proc/self/fdinfo/<fd>, scaled by its unit. */
static int fdinfo_value(int dfd, const char *key, unsigned long long *value)
{
	char path[64], *text, *p;
	size_t klen = strlen(key);
	int ret = -ENOENT;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", dfd);
	text = slurp(path);
	for (p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		char unit[8] = "";

		if (strncmp(p, key, klen) || p[klen] != ':')
			continue;
		if (sscanf(p + klen + 1, " %llu %7[A-Za-z]", value, unit) >= 1) {
			if (!strcmp(unit, "KiB"))
				*value <<= 10;
			else if (!strcmp(unit, "MiB"))
				*value <<= 20;
			else if (!strcmp(unit, "GiB"))
				*value <<= 30;
			ret = 0;
		}
		break;
	}
	free(text);
	return ret;
}

static unsigned long long client_id(int dfd)
{
	unsigned long long id = 0;

	ck_assert_int_eq(fdinfo_value(dfd, "drm-client-id", &id), 0);
	return id;
}

/*
 * The debugfs block of queue @qid of this file, from its "queue <id>
 * client <id> " line to the next queue. Caller frees.
 */
static char *queue_block(uint32_t qid)
{
	char *all = debugfs_read("dsb_queues"), *start, *end, *blk;
	char head[96];

	snprintf(head, sizeof(head), "queue %u client %llu ", qid, client_id(fd));
	start = strstr(all, head);
	ck_assert_msg(start, "no '%s' in dsb_queues:\n%s", head, all);
	ck_assert_msg(start == all || start[-1] == '\n', "'%s' not at a line start", head);
	end = strstr(start + 1, "\nqueue ");
	blk = strndup(start, end ? (size_t)(end - start + 1) : strlen(start));
	free(all);
	return blk;
}

static void assert_has(const char *text, const char *want)
{
	ck_assert_msg(strstr(text, want), "missing\n  '%s'\nin\n%s", want, text);
}

static void assert_lacks(const char *text, const char *unwanted)
{
	ck_assert_msg(!strstr(text, unwanted), "unexpected\n  '%s'\nin\n%s", unwanted, text);
}

/* One packet line as debugfs prints it. */
static void packet_line(char *out, size_t len, const char *mark, uint64_t n,
			const char *verdict, const char *decoded)
{
	snprintf(out, len, "    %-4s %6llu %-5s %s\n", mark, (unsigned long long)n, verdict,
		 decoded);
}

/* Poll the queue's block until it contains @want (the engine is async). */
static char *queue_block_wait(uint32_t qid, const char *want)
{
	for (int i = 0; i < 500; i++) {
		char *blk = queue_block(qid);

		if (strstr(blk, want))
			return blk;
		free(blk);
		usleep(10000);
	}
	return queue_block(qid);
}

/* A "name value" counter line of dsb_device. */
static long long counter(const char *name)
{
	char *text = debugfs_read("dsb_device"), key[64], *p;
	long long v = -1;

	snprintf(key, sizeof(key), "\n%s ", name);
	p = strstr(text, key);
	ck_assert_msg(p && sscanf(p + strlen(key), "%lld", &v) == 1,
		      "no counter %s in dsb_device:\n%s", name, text);
	free(text);
	return v;
}

static void stuck_queue_create(struct dsb_test_queue *q)
{
	struct drm_dsb_queue_create args = { .timeout_ms = STUCK_TIMEOUT_MS };

	ck_assert_int_eq(dsb_test_queue_create(fd, &args, q), 0);
}

/* --- tests --------------------------------------------------------------- */

START_TEST(test_memwait_decoded)
{
	struct dsb_test_queue q;
	struct dsb_test_bo cmd, data;
	struct dsb_test_cmdbuf cb;
	volatile uint64_t *d;
	char want[256], dec[160], *blk;
	uint64_t seqno = 0;
	int32_t error = -1;

	stuck_queue_create(&q);
	ck_assert_int_eq(dsb_test_bo_create(fd, PAGE, &cmd), 0);
	ck_assert_int_eq(dsb_test_bo_create(fd, PAGE, &data), 0);
	d = data.map;
	dsb_test_cmd_init(&cb, cmd.map, cmd.size);
	ck_assert_int_eq(dsb_test_cmd_memwait(&cb, data.va, 5, 0), 0);
	ck_assert_int_eq(dsb_test_cmd_write(&cb, data.va + 8, 42), 0);
	ck_assert_int_eq(dsb_test_submit(fd, q.id, 3, cmd.va, dsb_test_cmd_len(&cb),
					 NULL, 0, &seqno), 0);
	ck_assert_uint_eq(seqno, 1);

	snprintf(want, sizeof(want),
		 "  blocked MEMWAIT job 1 at 0x%llx: va 0x%llx >= 5, current 0\n",
		 (unsigned long long)cmd.va, (unsigned long long)data.va);
	blk = queue_block_wait(q.id, want);
	assert_has(blk, want);
	assert_has(blk, "  state active fault none fault_seqno 0 fault_va 0x0\n");
	snprintf(want, sizeof(want), "  ring 256 packets va 0x%llx: head 1 tail 2 doorbell 2\n",
		 (unsigned long long)q.create.ring_va);
	assert_has(blk, want);
	assert_has(blk, "  jobs submitted 1 completed 0, fence slots 1/64 in flight\n");
	/* Exactly the packets the kernel wrote, with good MACs. */
	snprintf(dec, sizeof(dec), "EXEC va 0x%llx len 64 job 1", (unsigned long long)cmd.va);
	packet_line(want, sizeof(want), "", 0, "ok", dec);
	assert_has(blk, want);
	packet_line(want, sizeof(want), "head", 1, "ok", "SIGNAL slot 3 seqno 1");
	assert_has(blk, want);
	assert_has(blk, "    tail      2 empty\n");
	assert_lacks(blk, "BAD");
	assert_has(blk, "       3: seqno 0 error 0, in flight: job 1\n");
	free(blk);

	/* The current value is read live. */
	d[0] = 3;
	snprintf(want, sizeof(want), "va 0x%llx >= 5, current 3\n", (unsigned long long)data.va);
	blk = queue_block_wait(q.id, want);
	assert_has(blk, want);
	free(blk);

	/* Release it: the job completes, nothing is blocked any more. */
	d[0] = 5;
	ck_assert_int_eq(dsb_test_wait(fd, q.id, seqno, WAIT_NS, &error), 0);
	ck_assert_int_eq(error, 0);
	ck_assert_uint_eq(d[1], 42);
	blk = queue_block(q.id);
	assert_lacks(blk, "blocked");
	assert_has(blk, "head 2 tail 2 doorbell 2\n");
	assert_has(blk, "  jobs submitted 1 completed 1, fence slots 0/64 in flight\n");
	assert_has(blk, "       3: seqno 1 error 0\n");
	packet_line(want, sizeof(want), "", 1, "ok", "SIGNAL slot 3 seqno 1");
	assert_has(blk, want);
	free(blk);

	ck_assert_int_eq(dsb_test_queue_destroy(fd, &q), 0);
	ck_assert_int_eq(dsb_test_bo_destroy(fd, &cmd), 0);
	ck_assert_int_eq(dsb_test_bo_destroy(fd, &data), 0);
}
END_TEST

/* A job waiting for another queue's job shows its WAIT and the awaited value. */
START_TEST(test_wait_packet_blocked)
{
	struct dsb_test_queue qa, qb;
	struct dsb_test_bo cmd, data;
	struct dsb_test_cmdbuf cb;
	struct drm_dsb_sync_op sig = { .flags = DRM_DSB_SYNC_OP_SIGNAL };
	struct drm_dsb_sync_op wait = { .flags = DRM_DSB_SYNC_OP_WAIT };
	volatile uint64_t *d;
	char want[256], dec[160], *blk;
	uint64_t sa = 0, sb = 0;
	int32_t error = -1;
	uint32_t syncobj;

	stuck_queue_create(&qa);
	stuck_queue_create(&qb);
	ck_assert_int_eq(dsb_test_bo_create(fd, PAGE, &cmd), 0);
	ck_assert_int_eq(dsb_test_bo_create(fd, PAGE, &data), 0);
	d = data.map;
	ck_assert_int_eq(drmSyncobjCreate(fd, 0, &syncobj), 0);
	sig.handle = syncobj;
	wait.handle = syncobj;

	dsb_test_cmd_init(&cb, cmd.map, 64);
	ck_assert_int_eq(dsb_test_cmd_memwait(&cb, data.va, 1, 0), 0);
	ck_assert_int_eq(dsb_test_submit(fd, qa.id, 0, cmd.va, dsb_test_cmd_len(&cb),
					 &sig, 1, &sa), 0);
	dsb_test_cmd_init(&cb, (char *)cmd.map + 64, 64);
	ck_assert_int_eq(dsb_test_cmd_write(&cb, data.va + 8, 7), 0);
	ck_assert_int_eq(dsb_test_submit(fd, qb.id, 5, cmd.va + 64, dsb_test_cmd_len(&cb),
					 &wait, 1, &sb), 0);

	/* B's job: WAIT on dependency entry slot * 8 + 0 for A's job 1. */
	blk = queue_block_wait(qb.id, "blocked WAIT");
	assert_has(blk, "  blocked WAIT job 1: dep 40 (dsb fence slot) >= 1, current 0\n");
	packet_line(want, sizeof(want), "head", 0, "ok", "WAIT dep 40 >= 1 job 1");
	assert_has(blk, want);
	snprintf(dec, sizeof(dec), "EXEC va 0x%llx len 32 job 1",
		 (unsigned long long)cmd.va + 64);
	packet_line(want, sizeof(want), "", 1, "ok", dec);
	assert_has(blk, want);
	packet_line(want, sizeof(want), "", 2, "ok", "SIGNAL slot 5 seqno 1");
	assert_has(blk, want);
	assert_has(blk, "    tail      3 empty\n");
	free(blk);

	d[0] = 1;
	ck_assert_int_eq(dsb_test_wait(fd, qb.id, sb, WAIT_NS, &error), 0);
	ck_assert_int_eq(error, 0);
	ck_assert_uint_eq(d[1], 7);
	blk = queue_block(qb.id);
	assert_lacks(blk, "blocked");
	free(blk);

	ck_assert_int_eq(drmSyncobjDestroy(fd, syncobj), 0);
	ck_assert_int_eq(dsb_test_queue_destroy(fd, &qb), 0);
	ck_assert_int_eq(dsb_test_queue_destroy(fd, &qa), 0);
	ck_assert_int_eq(dsb_test_bo_destroy(fd, &cmd), 0);
	ck_assert_int_eq(dsb_test_bo_destroy(fd, &data), 0);
}
END_TEST

/* Counters move by exactly what we did (tests run one at a time). */
START_TEST(test_counters)
{
	long long submits = counter("submits"), completions = counter("completions");
	long long packets = counter("packets"), faults = counter("faults");
	long long tampers = counter("tampers"), queues = counter("live_queues");
	struct dsb_test_queue q;
	struct dsb_test_bo cmd, data;
	struct dsb_test_cmdbuf cb;
	uint64_t seqno = 0;
	int32_t error = -1;

	ck_assert_int_eq(dsb_test_queue_create(fd, NULL, &q), 0);
	ck_assert_int_eq(counter("live_queues"), queues + 1);
	ck_assert_int_eq(dsb_test_bo_create(fd, PAGE, &cmd), 0);
	ck_assert_int_eq(dsb_test_bo_create(fd, PAGE, &data), 0);
	dsb_test_cmd_init(&cb, cmd.map, cmd.size);
	ck_assert_int_eq(dsb_test_cmd_atomic_add(&cb, data.va, 1), 0);
	for (uint32_t i = 0; i < 3; i++)
		ck_assert_int_eq(dsb_test_submit(fd, q.id, i, cmd.va, dsb_test_cmd_len(&cb),
						 NULL, 0, &seqno), 0);
	ck_assert_int_eq(dsb_test_wait(fd, q.id, seqno, WAIT_NS, &error), 0);
	ck_assert_int_eq(error, 0);

	ck_assert_int_eq(counter("submits") - submits, 3);
	ck_assert_int_eq(counter("completions") - completions, 3);
	ck_assert_int_eq(counter("packets") - packets, 6);	/* EXEC + SIGNAL each */
	ck_assert_int_eq(counter("faults"), faults);
	ck_assert_int_eq(counter("tampers"), tampers);

	ck_assert_int_eq(dsb_test_queue_destroy(fd, &q), 0);
	ck_assert_int_eq(counter("live_queues"), queues);
	ck_assert_int_eq(dsb_test_bo_destroy(fd, &cmd), 0);
	ck_assert_int_eq(dsb_test_bo_destroy(fd, &data), 0);
}
END_TEST

/*
 * Garbage and a replayed packet beyond the doorbell: debugfs flags them,
 * the queue does not fault (the engine never read them), and the kernel's
 * next packets overwrite them with good ones.
 */
START_TEST(test_scribble_flagged)
{
	long long tampers = counter("tampers");
	struct drm_dsb_queue_status st;
	struct dsb_test_queue q;
	struct dsb_test_bo cmd;
	struct dsb_test_cmdbuf cb;
	char want[256], dec[160], *blk;
	uint64_t seqno = 0;
	int32_t error = -1;

	ck_assert_int_eq(dsb_test_queue_create(fd, NULL, &q), 0);
	ck_assert_int_eq(dsb_test_bo_create(fd, PAGE, &cmd), 0);
	dsb_test_cmd_init(&cb, cmd.map, cmd.size);
	ck_assert_int_eq(dsb_test_cmd_nop(&cb), 0);
	ck_assert_int_eq(dsb_test_submit(fd, q.id, 0, cmd.va, dsb_test_cmd_len(&cb),
					 NULL, 0, &seqno), 0);
	ck_assert_int_eq(dsb_test_wait(fd, q.id, seqno, WAIT_NS, &error), 0);

	/* Position 2 (the tail): garbage; 3: a copy of the EXEC at 0. */
	memset(&q.ring[2], 0x5a, sizeof(q.ring[2]));
	q.ring[3] = q.ring[0];
	blk = queue_block(q.id);
	assert_has(blk, "    h/t       2 BAD   INVALID op 0x5a5a5a5a flags 0x5a5a5a5a");
	snprintf(dec, sizeof(dec), "EXEC va 0x%llx len 32 job 1 (seq 0)",
		 (unsigned long long)cmd.va);
	packet_line(want, sizeof(want), "", 3, "BAD", dec);
	assert_has(blk, want);
	packet_line(want, sizeof(want), "", 0, "ok", dec);
	want[strlen(want) - strlen(" (seq 0)\n")] = 0;
	assert_has(blk, want);
	assert_has(blk, "  state active fault none");
	free(blk);
	usleep(100000);
	ck_assert_int_eq(dsb_test_queue_status(fd, q.id, &st), 0);
	ck_assert_uint_eq(st.state, DRM_DSB_QUEUE_ACTIVE);
	ck_assert_int_eq(counter("tampers"), tampers);

	/* The kernel writes positions 2 and 3 again: verdicts back to ok. */
	ck_assert_int_eq(dsb_test_submit(fd, q.id, 1, cmd.va, dsb_test_cmd_len(&cb),
					 NULL, 0, &seqno), 0);
	ck_assert_int_eq(dsb_test_wait(fd, q.id, seqno, WAIT_NS, &error), 0);
	ck_assert_int_eq(error, 0);
	blk = queue_block(q.id);
	assert_lacks(blk, "BAD");
	free(blk);

	ck_assert_int_eq(dsb_test_queue_destroy(fd, &q), 0);
	ck_assert_int_eq(dsb_test_bo_destroy(fd, &cmd), 0);
}
END_TEST

static unsigned long long engine_ns(int dfd)
{
	unsigned long long sum = 0, v;
	uint64_t n = 0;
	char key[48];

	ck_assert_int_eq(dsb_test_get_param(dfd, DRM_DSB_PARAM_NUM_ENGINES, &n), 0);
	for (uint64_t i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "drm-engine-eng%llu", (unsigned long long)i);
		ck_assert_msg(fdinfo_value(dfd, key, &v) == 0, "no %s in fdinfo", key);
		sum += v;
	}
	return sum;
}

START_TEST(test_fdinfo)
{
	unsigned long long mem0 = 0, mem1 = 0, ns0, ns1;
	struct dsb_test_queue q;
	struct dsb_test_bo cmd, data;
	struct dsb_test_cmdbuf cb;
	char path[64], *text;
	uint64_t seqno = 0;
	int32_t error = -1;
	int fd2;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	text = slurp(path);
	assert_has(text, "\ndrm-driver:\tdsb\n");
	assert_has(text, "\ndrm-client-id:\t");
	assert_has(text, "\ndrm-engine-eng0:\t");
	assert_has(text, "\ndrm-total-memory:\t");
	free(text);
	ck_assert_uint_ne(client_id(fd), 0);
	fd2 = dsb_test_open(0);
	ck_assert_int_ge(fd2, 0);
	ck_assert_uint_ne(client_id(fd2), client_id(fd));
	close(fd2);

	/* Memory: a 1 MiB buffer object shows up. */
	ck_assert_int_eq(fdinfo_value(fd, "drm-total-memory", &mem0), 0);
	ck_assert_int_eq(dsb_test_bo_create(fd, 1 << 20, &data), 0);
	ck_assert_int_eq(dsb_test_bo_create(fd, PAGE, &cmd), 0);
	ck_assert_int_eq(fdinfo_value(fd, "drm-total-memory", &mem1), 0);
	ck_assert_uint_eq(mem1 - mem0, (1 << 20) + PAGE);

	/* Engine time: a job filling 1 MiB four times takes engine time. */
	ns0 = engine_ns(fd);
	ck_assert_int_eq(dsb_test_queue_create(fd, NULL, &q), 0);
	dsb_test_cmd_init(&cb, cmd.map, cmd.size);
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(dsb_test_cmd_fill(&cb, data.va, 0x11111111u * i, 1 << 20), 0);
	ck_assert_int_eq(dsb_test_submit(fd, q.id, 0, cmd.va, dsb_test_cmd_len(&cb),
					 NULL, 0, &seqno), 0);
	ck_assert_int_eq(dsb_test_wait(fd, q.id, seqno, WAIT_NS, &error), 0);
	ck_assert_int_eq(error, 0);
	/* The engine adds a time slice after it, so after the job signalled. */
	for (int i = 0; i < 100 && (ns1 = engine_ns(fd)) == ns0; i++)
		usleep(10000);
	ck_assert_msg(ns1 > ns0, "engine time did not grow: %llu -> %llu", ns0, ns1);

	ck_assert_int_eq(dsb_test_queue_destroy(fd, &q), 0);
	ck_assert_int_eq(dsb_test_bo_destroy(fd, &cmd), 0);
	ck_assert_int_eq(dsb_test_bo_destroy(fd, &data), 0);
}
END_TEST

/* --- dsbctl -------------------------------------------------------------- */

static const char *dsbctl_path(void)
{
	const char *p = getenv("DSBCTL");

	if (p && *p)
		return p;
	return "/bin/dsbctl";
}

/* Run "dsbctl ARGS", return its output; *status gets its exit status. */
static char *dsbctl(const char *args, int *status)
{
	char cmd[512], *out;
	size_t cap = 1 << 16, n = 0, r;
	FILE *p;
	int st;

	ck_assert_msg(access(dsbctl_path(), X_OK) == 0,
		      "%s missing (vm.sh --add lib/tools/dsbctl, or set DSBCTL)",
		      dsbctl_path());
	snprintf(cmd, sizeof(cmd), "%s %s 2>&1", dsbctl_path(), args);
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	out = malloc(cap);
	ck_assert_ptr_nonnull(out);
	while ((r = fread(out + n, 1, cap - n - 1, p)) > 0) {
		n += r;
		if (n + 1 == cap) {
			cap *= 2;
			out = realloc(out, cap);
			ck_assert_ptr_nonnull(out);
		}
	}
	out[n] = 0;
	st = pclose(p);
	*status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	return out;
}

static void write_file(const char *path, const void *buf, size_t len)
{
	FILE *f = fopen(path, "wb");

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(buf, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

START_TEST(test_dsbctl)
{
	struct dsb_test_queue q;
	struct dsb_test_bo cmd, data;
	struct dsb_test_cmdbuf cb;
	volatile uint64_t *d;
	char want[256], *out, *blk;
	uint64_t seqno = 0, index = 0;
	int32_t error = -1;
	int st;

	ck_assert_int_eq(dsb_test_get_param(fd, DRM_DSB_PARAM_DEVICE_INDEX, &index), 0);
	stuck_queue_create(&q);
	ck_assert_int_eq(dsb_test_bo_create(fd, PAGE, &cmd), 0);
	ck_assert_int_eq(dsb_test_bo_create(fd, PAGE, &data), 0);
	d = data.map;
	dsb_test_cmd_init(&cb, cmd.map, cmd.size);
	ck_assert_int_eq(dsb_test_cmd_memwait(&cb, data.va, 9, 1), 0);
	ck_assert_int_eq(dsb_test_submit(fd, q.id, 0, cmd.va, dsb_test_cmd_len(&cb),
					 NULL, 0, &seqno), 0);
	blk = queue_block_wait(q.id, "blocked MEMWAIT");
	assert_has(blk, "blocked MEMWAIT");
	free(blk);

	out = dsbctl("status", &st);
	ck_assert_msg(st == 0, "dsbctl status: %d\n%s", st, out);
	snprintf(want, sizeof(want), "dsb device %llu (", (unsigned long long)index);
	assert_has(out, want);
	assert_has(out, "  counters: submits ");
	assert_has(out, "  live objects: bos ");
	free(out);

	out = dsbctl("queues", &st);
	ck_assert_msg(st == 0, "dsbctl queues: %d\n%s", st, out);
	snprintf(want, sizeof(want), "queue %u client %llu pid %d ", q.id, client_id(fd),
		 (int)getpid());
	assert_has(out, want);
	snprintf(want, sizeof(want),
		 "  !! stuck: MEMWAIT job 1 at 0x%llx: va 0x%llx == 9, current 0\n",
		 (unsigned long long)cmd.va, (unsigned long long)data.va);
	assert_has(out, want);
	assert_has(out, "  active: 1 job(s) submitted, 0 completed, 1 pending;");
	free(out);

	/* Dumps decode with the library's decoder. */
	write_file("/tmp/inspect-ring.bin", q.ring, q.create.ring_packets * sizeof(*q.ring));
	out = dsbctl("decode-ring /tmp/inspect-ring.bin", &st);
	ck_assert_msg(st == 0, "dsbctl decode-ring: %d\n%s", st, out);
	assert_has(out, "256 packets\n");
	snprintf(want, sizeof(want), "     0: [0] EXEC va 0x%llx len 32 job 1 mac ",
		 (unsigned long long)cmd.va);
	assert_has(out, want);
	assert_has(out, "     1: [1] SIGNAL slot 0 seqno 1 mac ");
	assert_has(out, "     2: empty\n");
	free(out);

	write_file("/tmp/inspect-cmd.bin", cmd.map, dsb_test_cmd_len(&cb));
	snprintf(want, sizeof(want), "decode-cmd /tmp/inspect-cmd.bin 0x%llx",
		 (unsigned long long)cmd.va);
	out = dsbctl(want, &st);
	ck_assert_msg(st == 0, "dsbctl decode-cmd: %d\n%s", st, out);
	snprintf(want, sizeof(want), "0x%08llx: MEMWAIT *0x%llx == 0x9\n",
		 (unsigned long long)cmd.va, (unsigned long long)data.va);
	assert_has(out, want);
	free(out);

	/* A malformed instruction makes decode-cmd say so. */
	memset(want, 0xff, 32);
	write_file("/tmp/inspect-bad.bin", want, 32);
	out = dsbctl("decode-cmd /tmp/inspect-bad.bin", &st);
	ck_assert_int_eq(st, 3);
	assert_has(out, "<bad>");
	free(out);

	d[0] = 9;
	ck_assert_int_eq(dsb_test_wait(fd, q.id, seqno, WAIT_NS, &error), 0);
	ck_assert_int_eq(error, 0);
	ck_assert_int_eq(dsb_test_queue_destroy(fd, &q), 0);
	ck_assert_int_eq(dsb_test_bo_destroy(fd, &cmd), 0);
	ck_assert_int_eq(dsb_test_bo_destroy(fd, &data), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("inspect");
	TCase *tc = tcase_new(s, "debugfs", VM_CK_DEFAULT_TIMEOUT);

	vm_fixture(tc, NULL);
	tcase_add_test(tc, test_memwait_decoded);
	tcase_add_test(tc, test_wait_packet_blocked);
	tcase_add_test(tc, test_counters);
	tcase_add_test(tc, test_scribble_flagged);

	tc = tcase_new(s, "fdinfo", VM_CK_DEFAULT_TIMEOUT);
	vm_fixture(tc, NULL);
	tcase_add_test(tc, test_fdinfo);

	tc = tcase_new(s, "dsbctl", VM_CK_DEFAULT_TIMEOUT);
	vm_fixture(tc, NULL);
	tcase_add_test(tc, test_dsbctl);
	return vm_run(s, VM_SKIP_WITHOUT_DEVICE);
}
