// SPDX-License-Identifier: MIT
/* Copyright (C) 2026 The dsb authors */
/*
 * dsbctl - inspect dsb devices and decode dsb memory dumps.
 *
 *   dsbctl status            devices: engines, hardware slots, counters
 *   dsbctl queues [-a]       queues: state, what a stuck queue waits for,
 *                            packets around the read pointer (-a: the
 *                            whole debugfs block of every queue)
 *   dsbctl vm [CLIENT]       GPU address spaces: per file (only drm-client-id
 *                            CLIENT's if given) whether its VAs are
 *                            kernel-assigned or user-managed, and each
 *                            mapping: buffer range, sparse or ring
 *   dsbctl why QUEUE SEQNO [DEVICE [CLIENT]]
 *                            what blocks job SEQNO of queue QUEUE (device 0
 *                            and the first client with such a queue unless
 *                            given), followed to the root: dependencies on
 *                            jobs of any dsb device, the job ahead in its
 *                            queue, foreign fences (and for how long), a
 *                            MEMWAIT and the queues that could write its
 *                            word (followed to a job in flight that does),
 *                            a missing hardware slot, a ban; cycles shown
 *                            with the watchdog's deadline
 *   dsbctl decode-ring FILE  decode a ring dump (packets of 64 bytes)
 *   dsbctl decode-cmd FILE [VA]
 *                            decode a command-buffer dump (instructions of
 *                            32 bytes), optionally loaded at GPU VA VA
 *
 * status, queues, vm and why read the driver's debugfs files (DOC: debugfs in
 * kmod/dsb_debugfs.c) under $DSB_DEBUGFS or /sys/kernel/debug/dri; each
 * dsb device appears once even when several of its minors have the files.
 * The decoders are libdsb's dsb_decode_packet() and dsb_decode_instr(),
 * the ones the tests use. FILE "-" is standard input.
 *
 * Exit status: 0, 1 on an error, 2 on a usage error; decode-* exit 3 when
 * some packet or instruction is malformed.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsb.h"

#define DSBCTL_MAX_DEVICES	16

static int usage(void);

struct dsbctl_dev {
	int index;
	char dir[512];
};

static const char *debugfs_root(void)
{
	const char *r = getenv("DSB_DEBUGFS");

	return r && *r ? r : "/sys/kernel/debug/dri";
}

static int cmp_dev(const void *a, const void *b)
{
	const struct dsbctl_dev *x = a, *y = b;

	return (x->index > y->index) - (x->index < y->index);
}

/* The debugfs directories of the dsb devices, one per device index. */
static int find_devices(struct dsbctl_dev *devs, int max)
{
	DIR *d = opendir(debugfs_root());
	struct dirent *de;
	int n = 0;

	if (!d) {
		fprintf(stderr, "dsbctl: %s: %s (is debugfs mounted, are you root?)\n",
			debugfs_root(), strerror(errno));
		return -errno;
	}
	while ((de = readdir(d)) && n < max) {
		char path[700], line[128];
		unsigned int idx;
		int dup = 0;
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s/dsb_device", debugfs_root(), de->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		if (fgets(line, sizeof(line), f) && sscanf(line, "device %u:", &idx) == 1) {
			for (int i = 0; i < n; i++)
				dup |= devs[i].index == (int)idx;
			if (!dup) {
				devs[n].index = idx;
				snprintf(devs[n].dir, sizeof(devs[n].dir), "%s/%s",
					 debugfs_root(), de->d_name);
				n++;
			}
		}
		fclose(f);
	}
	closedir(d);
	qsort(devs, n, sizeof(*devs), cmp_dev);
	return n;
}

static FILE *open_dev_file(const struct dsbctl_dev *dev, const char *name)
{
	char path[600];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dev->dir, name);
	f = fopen(path, "re");
	if (!f)
		fprintf(stderr, "dsbctl: %s: %s\n", path, strerror(errno));
	return f;
}

static void print_ns(long long ns)
{
	if (ns >= 1000000000LL)
		printf("%.3f s", ns / 1e9);
	else if (ns >= 1000000)
		printf("%.3f ms", ns / 1e6);
	else
		printf("%.3f us", ns / 1e3);
}

/* Residency and accounting counters get a line of their own. */
static int is_memory_counter(const char *name)
{
	static const char *const prefixes[] = {
		"evict", "restore", "shrinker_", "pinned_", "mem_", "purge",
	};
	size_t i;

	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (!strncmp(name, prefixes[i], strlen(prefixes[i])))
			return 1;
	return 0;
}

/* dsbctl status: one device. */
static int status_one(const struct dsbctl_dev *dev)
{
	char line[512], counters[1024] = "", live[512] = "", memory[1024] = "";
	unsigned int neng = 0, nslots = 0;
	FILE *f = open_dev_file(dev, "dsb_device");

	if (!f)
		return 1;
	while (fgets(line, sizeof(line), f)) {
		unsigned int e, q, s;
		unsigned long long maps, ev;
		long long busy, v;
		char name[64], rest[400];

		line[strcspn(line, "\n")] = 0;
		if (sscanf(line, "device %*u: %u engines, %u hw slots", &neng, &nslots) == 2) {
			printf("dsb device %d (%s): %u engines, %u hardware queue slots each\n",
			       dev->index, dev->dir, neng, nslots);
		} else if (sscanf(line, "engine %u: queues %u maps %llu evictions %llu busy_ns %lld",
				  &e, &q, &maps, &ev, &busy) == 5) {
			printf("  engine %u: %u queue(s), %llu map(s), %llu eviction(s), busy ",
			       e, q, maps, ev);
			print_ns(busy);
			printf("\n    hw slots:");
		} else if (sscanf(line, "  slot %u: %399[^\n]", &s, rest) == 2) {
			printf(" [%u] %s ", s, rest);
		} else if (sscanf(line, "  last packet: %399[^\n]", rest) == 1) {
			printf("\n    last packet: %s\n", rest);
		} else if (sscanf(line, "%63s %lld", name, &v) == 2) {
			char *dst = counters;
			size_t cap = sizeof(counters), len;

			if (!strncmp(name, "live_", 5)) {
				dst = live;
				cap = sizeof(live);
			} else if (is_memory_counter(name)) {
				dst = memory;
				cap = sizeof(memory);
			}
			len = strlen(dst);
			snprintf(dst + len, cap - len, " %s %lld",
				 dst == live ? name + 5 : name, v);
		}
	}
	fclose(f);
	printf("  counters:%s\n", counters);
	printf("  memory:%s\n", memory);
	printf("  live objects:%s\n", live);
	return 0;
}

static int cmd_status(void)
{
	struct dsbctl_dev devs[DSBCTL_MAX_DEVICES];
	int n = find_devices(devs, DSBCTL_MAX_DEVICES), ret = 0;

	if (n < 0)
		return 1;
	if (!n) {
		fprintf(stderr, "dsbctl: no dsb device in %s (is dsb.ko loaded?)\n",
			debugfs_root());
		return 1;
	}
	for (int i = 0; i < n; i++)
		ret |= status_one(&devs[i]);
	return ret;
}

/*
 * dsbctl queues: a summary line per queue, then what is wrong with it
 * (banned, blocked, bad packets), then (-a, or when something is wrong)
 * its packets and fence slots as debugfs shows them.
 */
struct qblock {
	char head[512];
	char lines[128][512];
	int nlines;
};

static void queue_print(const struct qblock *b, int all)
{
	char state[32] = "?", fault[32] = "?", blocked[256] = "", failed[256] = "";
	unsigned long long head = 0, tail = 0, sub = 0, done = 0;
	unsigned int busy = 0, nslots = 0, bad = 0;

	for (int i = 0; i < b->nlines; i++) {
		const char *l = b->lines[i];
		char verdict[16];

		sscanf(l, "  state %31s fault %31s", state, fault);
		sscanf(l, "  ring %*u packets va %*s head %llu tail %llu", &head, &tail);
		sscanf(l, "  jobs submitted %llu completed %llu, fence slots %u/%u",
		       &sub, &done, &busy, &nslots);
		if (!strncmp(l, "  blocked ", 10))
			snprintf(blocked, sizeof(blocked), "%s", l + 10);
		if (!strncmp(l, "  last failed job ", 18))
			snprintf(failed, sizeof(failed), "%s", l + 2);
		if (sscanf(l, "    %*s %*u %15s", verdict) == 1 && !strcmp(verdict, "BAD"))
			bad++;
		else if (sscanf(l, "    %*u %15s", verdict) == 1 && !strcmp(verdict, "BAD"))
			bad++;
	}
	printf("%s\n", b->head);
	printf("  %s: %llu job(s) submitted, %llu completed, %llu pending; "
	       "%u/%u fence slots busy; ring head %llu tail %llu\n",
	       !strcmp(state, "active") ? "active" : "BANNED",
	       sub, done, sub - done, busy, nslots, head, tail);
	if (strcmp(state, "active"))
		printf("  !! banned: fault %s\n", fault);
	if (*failed)
		printf("  %s\n", failed);
	if (*blocked)
		printf("  !! stuck: %s\n", blocked);
	if (bad)
		printf("  !! %u packet(s) fail the MAC or sequence check (the engine "
		       "faults the queue when it reaches one)\n", bad);
	if (!all && !*blocked && !bad && !strcmp(state, "active"))
		return;
	for (int i = 0; i < b->nlines; i++) {
		const char *l = b->lines[i];

		if (!strncmp(l, "  state ", 8) || !strncmp(l, "  ring ", 7) ||
		    !strncmp(l, "  jobs ", 7) || !strncmp(l, "  blocked ", 10) ||
		    !strncmp(l, "  last failed job ", 18))
			continue;
		printf("%s\n", l);
	}
}

static int queues_one(const struct dsbctl_dev *dev, int all)
{
	FILE *f = open_dev_file(dev, "dsb_queues");
	struct qblock *b = calloc(1, sizeof(*b));
	char line[512];
	int n = 0;

	if (!f || !b) {
		free(b);
		if (f)
			fclose(f);
		return 1;
	}
	printf("dsb device %d:\n", dev->index);
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (!strncmp(line, "queue ", 6)) {
			if (n++)
				queue_print(b, all);
			memset(b, 0, sizeof(*b));
			snprintf(b->head, sizeof(b->head), "%s", line);
		} else if (b->nlines < 128) {
			snprintf(b->lines[b->nlines++], sizeof(b->lines[0]), "%s", line);
		}
	}
	if (n)
		queue_print(b, all);
	else
		printf("  no queues\n");
	fclose(f);
	free(b);
	return 0;
}

static int cmd_queues(int all)
{
	struct dsbctl_dev devs[DSBCTL_MAX_DEVICES];
	int n = find_devices(devs, DSBCTL_MAX_DEVICES), ret = 0;

	if (n <= 0) {
		if (!n)
			fprintf(stderr, "dsbctl: no dsb device in %s\n", debugfs_root());
		return 1;
	}
	for (int i = 0; i < n; i++)
		ret |= queues_one(&devs[i], all);
	return ret;
}

/* Read a whole dump file ("-": stdin). */
/*
 * dsbctl vm [CLIENT]: each device's GPU address spaces (debugfs dsb_vms,
 * uAPI 13): per file a header line, then one line per mapping, shown as
 * the kernel prints them, optionally only those of drm-client-id CLIENT.
 */
static int vm_one(const struct dsbctl_dev *dev, int filter, unsigned long long want,
		  int *matched)
{
	char path[600], line[512];
	int nvm = 0, show = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/dsb_vms", dev->dir);
	f = fopen(path, "re");
	if (!f) {
		fprintf(stderr, "dsbctl: %s: %s%s\n", path, strerror(errno),
			errno == ENOENT ? " (dsb before uAPI 13 has no dsb_vms)" : "");
		return 1;
	}
	printf("dsb device %d:\n", dev->index);
	while (fgets(line, sizeof(line), f)) {
		unsigned long long client, n, pending;
		char mode[32];

		line[strcspn(line, "\n")] = 0;
		if (sscanf(line, "vm client %llu %31s mappings %llu pending-binds %llu",
			   &client, mode, &n, &pending) == 4) {
			show = !filter || client == want;
			if (!show)
				continue;
			nvm++;
			printf("vm client %llu: %s VAs, %llu mapping(s), %llu async bind(s) pending\n",
			       client, mode, n, pending);
		} else if (show && line[0]) {
			printf("%s\n", line);
		}
	}
	fclose(f);
	if (!nvm)
		printf(filter ? "  no VM of client %llu\n" : "  no VMs\n", want);
	*matched += nvm;
	return 0;
}

static int cmd_vm(int argc, char **argv)
{
	struct dsbctl_dev devs[DSBCTL_MAX_DEVICES];
	unsigned long long want = 0;
	int n, ret = 0, matched = 0;
	char *end;

	if (argc == 3) {
		errno = 0;
		want = strtoull(argv[2], &end, 0);
		if (errno || end == argv[2] || *end)
			return usage();
	}
	n = find_devices(devs, DSBCTL_MAX_DEVICES);
	if (n <= 0) {
		if (!n)
			fprintf(stderr, "dsbctl: no dsb device in %s\n", debugfs_root());
		return 1;
	}
	for (int i = 0; i < n; i++)
		ret |= vm_one(&devs[i], argc == 3, want, &matched);
	if (!ret && argc == 3 && !matched) {
		fprintf(stderr, "dsbctl: no VM of client %llu on any dsb device\n", want);
		ret = 1;
	}
	return ret;
}

static void *read_file(const char *path, size_t *len)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	size_t cap = 1 << 16, n = 0, r;
	char *buf = NULL, *nb;

	if (!f) {
		fprintf(stderr, "dsbctl: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	for (;;) {
		nb = realloc(buf, cap);
		if (!nb) {
			free(buf);
			buf = NULL;
			break;
		}
		buf = nb;
		r = fread(buf + n, 1, cap - n, f);
		n += r;
		if (n < cap)
			break;
		cap *= 2;
	}
	if (f != stdin)
		fclose(f);
	*len = n;
	return buf;
}

static int cmd_decode_ring(const char *path)
{
	size_t len, count;
	struct drm_dsb_packet *p = read_file(path, &len);
	int bad = 0;

	if (!p)
		return 1;
	count = len / sizeof(*p);
	if (len % sizeof(*p))
		fprintf(stderr, "dsbctl: %s: %zu trailing bytes ignored\n", path,
			len % sizeof(*p));
	printf("%zu packets\n", count);
	for (size_t i = 0; i < count; i++) {
		static const struct drm_dsb_packet zero;
		char text[256];
		int r;

		if (!memcmp(&p[i], &zero, sizeof(zero))) {
			printf("%6zu: empty\n", i);
			continue;
		}
		r = dsb_decode_packet(&p[i], text, sizeof(text));
		/* The ring index a packet sits at is its seq modulo the ring size. */
		if (r < 0 || p[i].seq % count != i) {
			bad++;
			printf("%6zu: %s%s\n", i, text,
			       p[i].seq % count != i ? " <seq not at this position>" : "");
		} else {
			printf("%6zu: %s\n", i, text);
		}
	}
	return bad ? 3 : 0;
}

static int cmd_decode_cmd(const char *path, uint64_t va)
{
	size_t len, count;
	struct drm_dsb_instr *in = read_file(path, &len);
	int bad = 0;

	if (!in)
		return 1;
	count = len / sizeof(*in);
	if (len % sizeof(*in))
		fprintf(stderr, "dsbctl: %s: %zu trailing bytes ignored\n", path,
			len % sizeof(*in));
	for (size_t i = 0; i < count; i++) {
		char text[256];

		if (dsb_decode_instr(&in[i], text, sizeof(text)) < 0)
			bad++;
		printf("0x%08" PRIx64 ": %s\n", va + i * sizeof(*in), text);
	}
	return bad ? 3 : 0;
}

/* dsbctl why: the jobs in flight of every device (debugfs dsb_blockers). */
#define WHY_MAX_JOBS	4096
#define WHY_MAX_QUEUES	4096
#define WHY_MAX_WAITS	8
#define WHY_MAX_WRITERS	18
#define WHY_MAX_DEPTH	64

struct why_queue {
	int dev;
	unsigned long long client;
	unsigned int queue;
	int banned;
	char ban[200];
	char sched[300];
	char watchdog[200];
};

struct why_job {
	int dev;
	unsigned long long client, seqno, prev;
	unsigned int queue;
	struct why_queue *q;
	int banned, nwaits, nwriters;
	char waits[WHY_MAX_WAITS][200];
	char memwait[300];
	char writers[WHY_MAX_WRITERS][200];
};

static struct why_job *why_jobs;
static struct why_queue *why_queues;
static int why_n, why_nq;

static struct why_job *why_find(int dev, unsigned long long client, unsigned int queue,
				unsigned long long seqno)
{
	for (int k = 0; k < why_n; k++) {
		struct why_job *j = &why_jobs[k];

		if (j->dev == dev && j->client == client && j->queue == queue && j->seqno == seqno)
			return j;
	}
	return NULL;
}

/* One device's dsb_blockers. */
static void why_parse(FILE *f, int dev)
{
	unsigned long long client = 0, seqno, last = 0;
	struct why_job *mw = NULL;
	struct why_queue *q = NULL;
	unsigned int queue = 0;
	char line[512], state[16];

	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (sscanf(line, "queue %u client %llu %15s", &queue, &client, state) == 3) {
			q = why_nq < WHY_MAX_QUEUES ? &why_queues[why_nq++] : NULL;
			if (q) {
				q->dev = dev;
				q->client = client;
				q->queue = queue;
				q->banned = !strcmp(state, "banned");
			}
			last = 0;
			mw = NULL;
		} else if (!strncmp(line, "  ban: ", 7) && q) {
			snprintf(q->ban, sizeof(q->ban), "%.199s", line + 7);
		} else if ((!strncmp(line, "  running on hw slot ", 21) ||
			    !strncmp(line, "  waiting for a hw slot ", 24)) && q) {
			snprintf(q->sched, sizeof(q->sched), "%.299s", line + 2);
		} else if (!strncmp(line, "  watchdog: ", 12) && q) {
			snprintf(q->watchdog, sizeof(q->watchdog), "%.199s", line + 12);
		} else if (sscanf(line, "  job %llu", &seqno) == 1 && why_n < WHY_MAX_JOBS) {
			struct why_job *j = &why_jobs[why_n++];

			j->dev = dev;
			j->client = client;
			j->queue = queue;
			j->seqno = seqno;
			j->prev = last;
			j->q = q;
			j->banned = q && q->banned;
			last = seqno;
		} else if (!strncmp(line, "    waits ", 10) && why_n &&
			   why_jobs[why_n - 1].nwaits < WHY_MAX_WAITS) {
			struct why_job *j = &why_jobs[why_n - 1];

			snprintf(j->waits[j->nwaits++], sizeof(j->waits[0]), "%.199s", line + 10);
		} else if (sscanf(line, "  blocked MEMWAIT job %llu", &seqno) == 1) {
			mw = why_find(dev, client, queue, seqno);
			if (mw)
				snprintf(mw->memwait, sizeof(mw->memwait), "%.299s", line + 10);
		} else if (!strncmp(line, "    ", 4) && mw && mw->nwriters < WHY_MAX_WRITERS) {
			snprintf(mw->writers[mw->nwriters++], sizeof(mw->writers[0]), "%.199s",
				 line + 4);
		}
	}
}

static int why_load(void)
{
	struct dsbctl_dev devs[DSBCTL_MAX_DEVICES];
	int n = find_devices(devs, DSBCTL_MAX_DEVICES);

	if (n <= 0) {
		if (!n)
			fprintf(stderr, "dsbctl: no dsb device in %s\n", debugfs_root());
		return -1;
	}
	why_jobs = calloc(WHY_MAX_JOBS, sizeof(*why_jobs));
	why_queues = calloc(WHY_MAX_QUEUES, sizeof(*why_queues));
	if (!why_jobs || !why_queues)
		return -1;
	for (int i = 0; i < n; i++) {
		FILE *f = open_dev_file(&devs[i], "dsb_blockers");

		if (!f)
			return -1;
		why_parse(f, devs[i].index);
		fclose(f);
	}
	return 0;
}

static void why_name(const struct why_job *j)
{
	printf("dsb%d client %llu queue %u job %llu", j->dev, j->client, j->queue, j->seqno);
}

/*
 * @j is on the path already, at @stack[@from]: the jobs from there wait
 * for each other. Print the cycle and what the watchdog will do about it.
 */
static void why_cycle(struct why_job **stack, int from, int depth, int indent)
{
	printf("%*scycle: ", indent, "");
	for (int k = from; k < depth; k++) {
		why_name(stack[k]);
		printf(" -> ");
	}
	why_name(stack[from]);
	printf("  <- root\n");
	for (int k = from; k < depth; k++) {
		const struct why_queue *q = stack[k]->q;

		if (!q || !q->watchdog[0])
			continue;
		printf("%*swatchdog: dsb%d client %llu queue %u: %s\n", indent + 2, "", q->dev,
		       q->client, q->queue, q->watchdog);
	}
}

/* Print what blocks @j, and recurse; @stack: the jobs on the way here. */
static void why_walk(struct why_job *j, struct why_job **stack, int depth, int indent)
{
	int blocked = 0, writes = 0;

	printf("%*s", indent, "");
	why_name(j);
	for (int k = 0; k < depth; k++) {
		if (stack[k] == j) {
			printf(": on the path already\n");
			why_cycle(stack, k, depth, indent);
			return;
		}
	}
	if (depth == WHY_MAX_DEPTH) {
		printf(": ... (deeper than %d)\n", WHY_MAX_DEPTH);
		return;
	}
	stack[depth] = j;
	printf("%s\n", j->banned ? " (queue banned: being cancelled)" : "");
	if (j->memwait[0]) {
		for (int w = 0; w < j->nwriters; w++)
			writes |= !!strstr(j->writers[w], "writes it");
		printf("%*s%s%s\n", indent + 2, "", j->memwait, writes ? "" : "  <- root");
		for (int w = 0; w < j->nwriters; w++) {
			unsigned long long client, seqno;
			unsigned int queue;
			int dev;

			printf("%*s%s\n", indent + 4, "", j->writers[w]);
			if (sscanf(j->writers[w], "writer dsb%d client %llu queue %u: job %llu writes it",
				   &dev, &client, &queue, &seqno) == 4) {
				struct why_job *d = why_find(dev, client, queue, seqno);

				if (d)
					why_walk(d, stack, depth + 1, indent + 6);
			}
		}
		if (!writes && j->q && j->q->watchdog[0])
			printf("%*swatchdog: %s\n", indent + 4, "", j->q->watchdog);
		blocked = 1;
	}
	if (j->prev) {
		struct why_job *p = why_find(j->dev, j->client, j->queue, j->prev);

		printf("%*sbehind job %llu of its queue\n", indent + 2, "", j->prev);
		if (p)
			why_walk(p, stack, depth + 1, indent + 2);
		blocked = 1;
	}
	for (int w = 0; w < j->nwaits; w++) {
		unsigned long long client, seqno;
		unsigned int queue;
		int dev;

		if (sscanf(j->waits[w], "dsb%d client %llu queue %u job %llu", &dev, &client,
			   &queue, &seqno) == 4) {
			struct why_job *d = why_find(dev, client, queue, seqno);

			printf("%*swaits for %s\n", indent + 2, "", j->waits[w]);
			if (d)
				why_walk(d, stack, depth + 1, indent + 2);
			else
				printf("%*s(completing now)\n", indent + 4, "");
		} else {
			printf("%*swaits for %s  <- root\n", indent + 2, "", j->waits[w]);
		}
		blocked = 1;
	}
	if (!blocked && j->q && j->q->sched[0])
		printf("%*snot blocked: %s  <- root\n", indent + 2, "", j->q->sched);
	else if (!blocked)
		printf("%*snot blocked: running, or about to  <- root\n", indent + 2, "");
}

static int cmd_why(int argc, char **argv)
{
	struct why_job *stack[WHY_MAX_DEPTH + 1], *j = NULL;
	unsigned int queue = strtoul(argv[2], NULL, 0);
	unsigned long long seqno = strtoull(argv[3], NULL, 0);
	int dev = argc > 4 ? atoi(argv[4]) : 0;
	int ret = 0;

	if (why_load()) {
		ret = 1;
		goto out;
	}
	for (int k = 0; k < why_n && !j; k++) {
		struct why_job *c = &why_jobs[k];

		if (c->dev == dev && c->queue == queue && c->seqno == seqno &&
		    (argc <= 5 || c->client == strtoull(argv[5], NULL, 0)))
			j = c;
	}
	if (j) {
		why_walk(j, stack, 0, 0);
		goto out;
	}
	printf("dsb%d queue %u job %llu: not in flight (done, or never submitted)\n",
	       dev, queue, seqno);
	for (int k = 0; k < why_nq; k++) {
		const struct why_queue *q = &why_queues[k];

		if (q->dev == dev && q->queue == queue &&
		    (argc <= 5 || q->client == strtoull(argv[5], NULL, 0)) && q->banned)
			printf("  dsb%d client %llu queue %u is banned: %s\n", q->dev, q->client,
			       q->queue, q->ban[0] ? q->ban : "?");
	}
out:
	free(why_jobs);
	free(why_queues);
	return ret;
}

static int usage(void)
{
	fprintf(stderr,
		"usage: dsbctl status\n"
		"       dsbctl queues [-a]\n"
		"       dsbctl vm [CLIENT]\n"
		"       dsbctl why QUEUE SEQNO [DEVICE [CLIENT]]\n"
		"       dsbctl decode-ring FILE\n"
		"       dsbctl decode-cmd FILE [VA]\n");
	return 2;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage();
	if (!strcmp(argv[1], "status") && argc == 2)
		return cmd_status();
	if (!strcmp(argv[1], "queues") && argc <= 3)
		return argc == 3 && strcmp(argv[2], "-a") ? usage() : cmd_queues(argc == 3);
	if (!strcmp(argv[1], "vm") && argc <= 3)
		return cmd_vm(argc, argv);
	if (!strcmp(argv[1], "why") && argc >= 4 && argc <= 6)
		return cmd_why(argc, argv);
	if (!strcmp(argv[1], "decode-ring") && argc == 3)
		return cmd_decode_ring(argv[2]);
	if (!strcmp(argv[1], "decode-cmd") && (argc == 3 || argc == 4))
		return cmd_decode_cmd(argv[2], argc == 4 ? strtoull(argv[3], NULL, 0) : 0);
	return usage();
}
