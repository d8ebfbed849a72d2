// SPDX-License-Identifier: MIT
/* Copyright (C) 2026 The dsb authors */
/*
 * dsbctl why (VM, 6.1 and 6.12): a 3-deep chain across both dsb devices
 * (sync_files between them) ending in a MEMWAIT, and one ending in a vgem
 * fence: `dsbctl why` on the tail names every hop and the true root (the
 * MEMWAIT with its VA and current value; the vgem fence); a job queued
 * behind another of its queue names that one. The MEMWAIT names the
 * queues that map its word writably (a writer queue); the vgem fence says
 * how long the job has been blocked on it. A MEMWAIT cycle between the
 * queues of two files sharing a BO is shown as a cycle with the
 * watchdog's deadline, counting down, and so is one through a WAIT; a
 * banned queue says why, a queue waiting for a hardware slot says so. Built on
 * debugfs dsb_blockers.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/dma-buf.h>
#include <xf86drm.h>

#include "lib_uring.h"
#include "vgem.h"

struct node {
	struct dsb_device *dev;
	struct dsb_queue q;
	struct dsb_bo cmd;
	uint64_t client;
};

/* The last `dsbctl why` command line run, for the log. */
static char why_cmd[256];

/* The output of `dsbctl why` for job @seqno of @n (at most 8 KiB). */
static void why(struct node *n, uint64_t seqno, char *out, size_t len)
{
	char *cmd = why_cmd;
	size_t got = 0, r;
	uint64_t idx;
	FILE *p;

	ck_assert_int_eq(dsb_get_param(n->dev, DRM_DSB_PARAM_DEVICE_INDEX, &idx), 0);
	snprintf(cmd, sizeof(why_cmd), "dsbctl why %u %llu %u %llu", n->q.queue_id,
		 (unsigned long long)seqno, (unsigned int)idx, (unsigned long long)n->client);
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	while (got + 1 < len && (r = fread(out + got, 1, len - 1 - got, p)) > 0)
		got += r;
	out[got] = 0;
	ck_assert_int_eq(pclose(p), 0);
}

/* Poll `dsbctl why` until its output contains @want (5 s). */
static void why_until(struct node *n, uint64_t seqno, const char *want, char *out, size_t len)
{
	int64_t t0 = now_ns();

	do {
		why(n, seqno, out, len);
		if (strstr(out, want))
			return;
		usleep(20000);
	} while (now_ns() - t0 < 5 * SEC);
	ck_abort_msg("dsbctl why: no \"%s\" in:\n%s", want, out);
}

/*
 * Until "why" on @a's job 1 shows the watchdog lines of both @a and @b: a
 * queue has one once the watchdog's tick found it busy, and a tick looks
 * at the engines one after the other, so one line may come a tick later.
 */
static void why_until_watchdogs(struct node *a, struct node *b, char *out, size_t len)
{
	char want[2][160];
	int64_t t0 = now_ns();

	snprintf(want[0], sizeof(want[0]), "watchdog: dsb0 client %llu queue %u: ",
		 (unsigned long long)a->client, a->q.queue_id);
	snprintf(want[1], sizeof(want[1]), "watchdog: dsb0 client %llu queue %u: ",
		 (unsigned long long)b->client, b->q.queue_id);
	do {
		why(a, 1, out, len);
		if (strstr(out, want[0]) && strstr(out, want[1]))
			return;
		usleep(20000);
	} while (now_ns() - t0 < 5 * SEC);
	ck_abort_msg("dsbctl why: no \"%s\" and \"%s\" in:\n%s", want[0], want[1], out);
}

struct chain {
	struct dsb_device dev[2];
	int fd1;
	struct dsb_bo data;
	volatile uint64_t *words;
	struct node nd[3];
	uint32_t so[3];
	int sf[3];
};

/*
 * A (device 0) -> sync_file -> B (device 1) -> sync_file -> C (device 0).
 * A waits on words[GATE] (@memwait) or on the sync_file @root_sf.
 */
static void chain_build(struct chain *c, bool memwait, int root_sf)
{
	struct dsb_queue_params p = { .fence_slots = 16, .timeout_ms = 60000 };
	int i;

	memset(c, 0, sizeof(*c));
	ck_assert_int_eq(dsb_device_open(&c->dev[0], 0), 0);
	c->fd1 = dsb_test_open(1);
	ck_assert_msg(c->fd1 >= 0, "no second dsb device");
	ck_assert_int_eq(dsb_device_from_fd(&c->dev[1], c->fd1), 0);
	ck_assert_int_eq(dsb_bo_create(&c->dev[0], 1 << 16, &c->data), 0);
	c->words = c->data.map;
	memset(c->data.map, 0, c->data.size);
	for (i = 0; i < 3; i++) {
		struct node *n = &c->nd[i];
		struct drm_dsb_sqe *sqe;
		struct dsb_cmdbuf cb;
		uint64_t off;

		n->dev = &c->dev[i == 1];
		n->client = drm_client_id(n->dev->fd);
		ck_assert_int_eq(dsb_queue_init(n->dev, &n->q, &p), 0);
		ck_assert_int_eq(dsb_bo_create(n->dev, 16 * CMD_AREA, &n->cmd), 0);
		ck_assert_int_eq(dsb_syncobj_create(n->dev, 0, &c->so[i]), 0);
		sqe = dsb_get_sqe(&n->q);
		ck_assert_ptr_nonnull(sqe);
		off = (uint64_t)sqe->slot * CMD_AREA;
		dsb_cmdbuf_init(&cb, (char *)n->cmd.map + off, CMD_AREA, n->cmd.va + off);
		if (i == 0 && memwait)
			ck_assert_int_eq(dsb_cmd_memwait(&cb, c->data.va + 8 * GATE, 1, 0), 0);
		ck_assert_int_eq(dsb_cmd_nop(&cb), 0);
		dsb_prep_exec(sqe, cb.va, dsb_cmdbuf_len(&cb));
		if (i == 0 && !memwait)
			ck_assert_int_eq(dsb_prep_wait_sync_file(sqe, root_sf), 0);
		if (i > 0)
			ck_assert_int_eq(dsb_prep_wait_sync_file(sqe, c->sf[i - 1]), 0);
		ck_assert_int_eq(dsb_prep_signal_syncobj(sqe, c->so[i]), 0);
		ck_assert_int_eq(dsb_submit(&n->q), 1);
		ck_assert_int_eq(dsb_syncobj_export_sync_file(n->dev, c->so[i], &c->sf[i]), 0);
	}
}

static void chain_finish(struct chain *c)
{
	int i;

	for (i = 0; i < 3; i++) {
		struct drm_dsb_cqe *cqe;

		ck_assert_int_eq(dsb_wait_cqe_timeout(&c->nd[i].q, &cqe, 30 * SEC), 0);
		ck_assert_int_eq(cqe->error, 0);
		ck_assert_int_eq(dsb_cqe_seen(&c->nd[i].q, cqe), 0);
	}
	for (i = 0; i < 3; i++) {
		close(c->sf[i]);
		dsb_syncobj_destroy(c->nd[i].dev, c->so[i]);
		dsb_bo_destroy(c->nd[i].dev, &c->nd[i].cmd);
		dsb_queue_exit(&c->nd[i].q);
	}
	dsb_bo_destroy(&c->dev[0], &c->data);
	dsb_device_close(&c->dev[1]);
	close(c->fd1);
	dsb_device_close(&c->dev[0]);
}

static void expect_hop(const char *out, const struct node *n, int dev)
{
	char hop[160];

	snprintf(hop, sizeof(hop), "dsb%d client %llu queue %u job 1", dev,
		 (unsigned long long)n->client, n->q.queue_id);
	ck_assert_msg(strstr(out, hop), "no hop \"%s\" in:\n%s", hop, out);
}

/* The age of the vgem fence the root job is blocked on, in ms. */
static long long blocked_ms(const char *out)
{
	const char *p = strstr(out, "waits for foreign vgem");
	long long ms = -1;

	ck_assert_msg(p, "no vgem fence in:\n%s", out);
	p = strstr(p, ", blocked on it for ");
	ck_assert_msg(p && sscanf(p, ", blocked on it for %lld ms", &ms) == 1,
		      "no age in:\n%s", out);
	return ms;
}

START_TEST(test_why_memwait)
{
	char out[8192], want[200];
	struct chain c;
	uint64_t va;

	chain_build(&c, true, -1);
	va = c.data.va + 8 * GATE;
	why_until(&c.nd[2], 1, "current 0  <- root", out, sizeof(out));
	/* The watchdog's first tick that finds the queue busy starts its clock. */
	why_until(&c.nd[2], 1, "watchdog: ", out, sizeof(out));
	fprintf(stderr, "$ %s    # tail of a MEMWAIT chain\n%s", why_cmd, out);
	expect_hop(out, &c.nd[2], 0);
	expect_hop(out, &c.nd[1], 1);
	expect_hop(out, &c.nd[0], 0);
	snprintf(want, sizeof(want), "va 0x%llx >= 1, current 0  <- root", (unsigned long long)va);
	ck_assert_msg(strstr(out, want), "no root \"%s\" in:\n%s", want, out);
	ck_assert_ptr_null(strstr(out, "cycle"));
	/* C shares A's file, so its VM maps the word; its job does not write it. */
	snprintf(want, sizeof(want), "writer dsb0 client %llu queue %u: maps it at 0x%llx, "
		 "its 1 jobs in flight do not write it", (unsigned long long)c.nd[2].client,
		 c.nd[2].q.queue_id, (unsigned long long)va);
	ck_assert_msg(strstr(out, want), "no writer \"%s\" in:\n%s", want, out);
	ck_assert_msg(strstr(out, ", bans it in "), "no watchdog in:\n%s", out);
	__atomic_store_n(&c.words[GATE], 1, __ATOMIC_RELEASE);
	chain_finish(&c);
}
END_TEST

START_TEST(test_why_vgem)
{
	struct drm_mode_create_dumb dumb = { .width = 1024, .height = 1, .bpp = 32 };
	struct drm_vgem_fence_attach at = { 0 };
	struct drm_vgem_fence_signal sig = { 0 };
	struct dma_buf_export_sync_file ex = { .flags = DMA_BUF_SYNC_RW, .fd = -1 };
	int vfd = open_vgem(), buf = -1;
	char out[8192];
	long long age;
	int64_t t0;
	struct chain c;

	ck_assert_msg(vfd >= 0, "no vgem device");
	ck_assert_int_eq(dsb_test_ioctl(vfd, DRM_IOCTL_MODE_CREATE_DUMB, &dumb), 0);
	at.handle = dumb.handle;
	at.flags = VGEM_FENCE_WRITE;
	ck_assert_int_eq(dsb_test_ioctl(vfd, DRM_IOCTL_VGEM_FENCE_ATTACH, &at), 0);
	ck_assert_int_eq(drmPrimeHandleToFD(vfd, dumb.handle, DRM_CLOEXEC | DRM_RDWR, &buf), 0);
	ck_assert_int_eq(ioctl(buf, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &ex), 0);
	close(buf);

	t0 = now_ns();
	chain_build(&c, false, ex.fd);
	why_until(&c.nd[2], 1, "waits for foreign vgem", out, sizeof(out));
	fprintf(stderr, "$ %s    # tail of a vgem chain\n%s", why_cmd, out);
	expect_hop(out, &c.nd[2], 0);
	expect_hop(out, &c.nd[1], 1);
	expect_hop(out, &c.nd[0], 0);
	ck_assert_msg(strstr(out, "  <- root"), "no root in:\n%s", out);
	ck_assert_ptr_null(strstr(out, "MEMWAIT"));
	/* Since the engine met its WAIT: no longer than since the chain was built. */
	age = blocked_ms(out);
	ck_assert_msg(age <= (now_ns() - t0) / 1000000, "age %lld ms, chain built %lld ms ago",
		      age, (long long)((now_ns() - t0) / 1000000));
	usleep(300000);
	why(&c.nd[2], 1, out, sizeof(out));
	fprintf(stderr, "$ %s    # 0.3 s later\n%s", why_cmd, out);
	ck_assert_msg(blocked_ms(out) >= age + 300, "age %lld then %lld ms", age, blocked_ms(out));
	sig.fence = at.out_fence;
	ck_assert_int_eq(dsb_test_ioctl(vfd, DRM_IOCTL_VGEM_FENCE_SIGNAL, &sig), 0);
	chain_finish(&c);
	close(ex.fd);
	close(vfd);
}
END_TEST

/* A second job of the tail's queue is blocked behind the first. */
START_TEST(test_why_behind)
{
	struct dsb_queue_params p = { .fence_slots = 16, .timeout_ms = 60000 };
	char out[8192];
	struct node n = { 0 };
	struct ctx c;

	ctx_init_params(&c, &p);
	prep(&c, 0, 1, true);
	prep(&c, 1, 2, false);
	ck_assert_int_eq(dsb_submit(&c.q), 2);
	n.dev = &c.dev;
	n.q = c.q;
	n.client = drm_client_id(c.dev.fd);
	why_until(&n, 2, "current 0  <- root", out, sizeof(out));
	fprintf(stderr, "$ %s    # second job of a queue\n%s", why_cmd, out);
	ck_assert_msg(strstr(out, "behind job 1 of its queue"), "%s", out);
	open_gate(&c);
	reap_dsb_cqes(&c, 2);
	why(&n, 2, out, sizeof(out));
	ck_assert_msg(strstr(out, "not in flight"), "%s", out);
	ctx_fini(&c);
}
END_TEST

/* The watchdog's deadline for queue @n in a why output, in ms. */
static long long ban_in(const char *out, const struct node *n)
{
	char want[160];
	const char *p;
	long long ms = -1;

	snprintf(want, sizeof(want), "watchdog: dsb0 client %llu queue %u: ",
		 (unsigned long long)n->client, n->q.queue_id);
	p = strstr(out, want);
	ck_assert_msg(p, "no \"%s\" in:\n%s", want, out);
	p = strstr(p, "bans it in ");
	ck_assert_msg(p && sscanf(p, "bans it in %lld ms", &ms) == 1, "no deadline in:\n%s", out);
	return ms;
}

/* Tear down the two files of a two-file case: shared data, queues, devices. */
static void two_files_fini(struct dsb_device *dev, struct node *nd, struct dsb_bo *data)
{
	ck_assert_int_eq(dsb_bo_destroy(&dev[1], &data[1]), 0);
	ck_assert_int_eq(dsb_bo_destroy(&dev[0], &data[0]), 0);
	for (int i = 0; i < 2; i++) {
		dsb_bo_destroy(&dev[i], &nd[i].cmd);
		dsb_queue_exit(&nd[i].q);
		dsb_device_close(&dev[i]);
	}
}

/*
 * Queue A (one file) waits for words[1], then writes words[2]; queue B (a
 * second file, which imported the buffer) waits for words[2], then writes
 * words[1]: each could only be released by the other.
 */
START_TEST(test_why_cycle)
{
	struct dsb_queue_params p = { .fence_slots = 16, .timeout_ms = 30000 };
	struct dsb_device dev[2];
	struct dsb_bo data[2];
	struct node nd[2];
	char out[8192], want[400];
	volatile uint64_t *words;
	long long t1, t2;
	int i, fd;

	memset(nd, 0, sizeof(nd));
	for (i = 0; i < 2; i++) {
		ck_assert_int_eq(dsb_device_open(&dev[i], 0), 0);
		nd[i].dev = &dev[i];
		nd[i].client = drm_client_id(dev[i].fd);
		ck_assert_int_eq(dsb_queue_init(&dev[i], &nd[i].q, &p), 0);
		ck_assert_int_eq(dsb_bo_create(&dev[i], 16 * CMD_AREA, &nd[i].cmd), 0);
	}
	ck_assert_int_eq(dsb_bo_create(&dev[0], 1 << 16, &data[0]), 0);
	memset(data[0].map, 0, data[0].size);
	words = data[0].map;
	ck_assert_int_eq(dsb_bo_export_fd(&dev[0], &data[0], &fd), 0);
	ck_assert_int_eq(dsb_bo_import_fd(&dev[1], fd, &data[1]), 0);
	close(fd);
	for (i = 0; i < 2; i++) {
		struct drm_dsb_sqe *sqe = dsb_get_sqe(&nd[i].q);
		struct dsb_cmdbuf cb;

		ck_assert_ptr_nonnull(sqe);
		dsb_cmdbuf_init(&cb, nd[i].cmd.map, CMD_AREA, nd[i].cmd.va);
		ck_assert_int_eq(dsb_cmd_memwait(&cb, data[i].va + 8 * (1 + i), 1, 0), 0);
		ck_assert_int_eq(dsb_cmd_write(&cb, data[i].va + 8 * (2 - i), 1), 0);
		dsb_prep_exec(sqe, cb.va, dsb_cmdbuf_len(&cb));
		ck_assert_int_eq(dsb_submit(&nd[i].q), 1);
	}

	/* The watchdog's first tick that finds the queues busy starts their clocks. */
	why_until_watchdogs(&nd[0], &nd[1], out, sizeof(out));
	fprintf(stderr, "$ %s    # a MEMWAIT cycle\n%s", why_cmd, out);
	snprintf(want, sizeof(want),
		 "cycle: dsb0 client %llu queue %u job 1 -> dsb0 client %llu queue %u job 1 -> "
		 "dsb0 client %llu queue %u job 1  <- root",
		 (unsigned long long)nd[0].client, nd[0].q.queue_id,
		 (unsigned long long)nd[1].client, nd[1].q.queue_id,
		 (unsigned long long)nd[0].client, nd[0].q.queue_id);
	ck_assert_msg(strstr(out, want), "no \"%s\" in:\n%s", want, out);
	snprintf(want, sizeof(want), "writer dsb0 client %llu queue %u: job 1 writes it (WRITE at 0x%llx)",
		 (unsigned long long)nd[1].client, nd[1].q.queue_id,
		 (unsigned long long)nd[1].cmd.va + DRM_DSB_INSTR_SIZE);
	ck_assert_msg(strstr(out, want), "no \"%s\" in:\n%s", want, out);
	t1 = ban_in(out, &nd[0]);
	ck_assert_msg(t1 > 0 && t1 <= 30000, "deadline %lld ms", t1);
	ck_assert_int_le(ban_in(out, &nd[1]), 30000);
	usleep(500000);
	why(&nd[0], 1, out, sizeof(out));
	t2 = ban_in(out, &nd[0]);
	fprintf(stderr, "$ %s    # 0.5 s later\n%s", why_cmd, out);
	ck_assert_msg(t2 < t1, "deadline %lld then %lld ms", t1, t2);

	/* The CPU breaks it: A goes on, writes B's word. */
	__atomic_store_n(&words[1], 1, __ATOMIC_RELEASE);
	for (i = 0; i < 2; i++) {
		struct drm_dsb_cqe *cqe;

		ck_assert_int_eq(dsb_wait_cqe_timeout(&nd[i].q, &cqe, 30 * SEC), 0);
		ck_assert_int_eq(cqe->error, 0);
		ck_assert_int_eq(dsb_cqe_seen(&nd[i].q, cqe), 0);
	}
	ck_assert_uint_eq(words[2], 1);
	two_files_fini(dev, nd, data);
}
END_TEST

/*
 * One more queue per engine than it has hardware slots, each busy with a
 * long run of 1 MiB fills that never blocks: at every look between two
 * rounds some queue waits for a slot, and its job says so.
 */
START_TEST(test_why_slot)
{
	struct dsb_queue_params p = { .fence_slots = 16, .timeout_ms = 60000 };
	uint64_t engines, slots, len = 1 << 16;
	struct node nd[DRM_DSB_MAX_JOBS / 8];
	struct dsb_device dev;
	struct dsb_bo data;
	char out[8192];
	unsigned int i, n, k;
	int64_t t0;
	bool seen = false;

	ck_assert_int_eq(dsb_device_open(&dev, 0), 0);
	ck_assert_int_eq(dsb_get_param(&dev, DRM_DSB_PARAM_NUM_ENGINES, &engines), 0);
	ck_assert_int_eq(dsb_get_param(&dev, DRM_DSB_PARAM_HW_SLOTS, &slots), 0);
	n = engines * (slots + 1);
	ck_assert_uint_le(n, sizeof(nd) / sizeof(nd[0]));
	ck_assert_int_eq(dsb_bo_create(&dev, 1 << 20, &data), 0);
	memset(nd, 0, sizeof(nd));
	for (i = 0; i < n; i++) {
		struct drm_dsb_sqe *sqe;
		struct dsb_cmdbuf cb;

		nd[i].dev = &dev;
		nd[i].client = drm_client_id(dev.fd);
		ck_assert_int_eq(dsb_queue_init(&dev, &nd[i].q, &p), 0);
		ck_assert_int_eq(dsb_bo_create(&dev, len, &nd[i].cmd), 0);
		dsb_cmdbuf_init(&cb, nd[i].cmd.map, len, nd[i].cmd.va);
		for (k = 0; k < len / DRM_DSB_INSTR_SIZE; k++)
			ck_assert_int_eq(dsb_cmd_fill(&cb, data.va, k, 1 << 20), 0);
		sqe = dsb_get_sqe(&nd[i].q);
		ck_assert_ptr_nonnull(sqe);
		dsb_prep_exec(sqe, cb.va, dsb_cmdbuf_len(&cb));
		ck_assert_int_eq(dsb_submit(&nd[i].q), 1);
	}
	t0 = now_ns();
	while (!seen && now_ns() - t0 < 10 * SEC) {
		for (i = 0; i < n && !seen; i++) {
			why(&nd[i], 1, out, sizeof(out));
			seen = strstr(out, "not blocked: waiting for a hw slot of engine ") &&
			       strstr(out, "  <- root");
		}
	}
	ck_assert_msg(seen, "no queue waiting for a slot; last:\n%s", out);
	fprintf(stderr, "$ %s    # more busy queues than slots\n%s", why_cmd, out);
	ck_assert_ptr_nonnull(strstr(out, ", held by queue "));
	/* The others run on a slot (the one polled next, for one). */
	seen = false;
	t0 = now_ns();
	while (!seen && now_ns() - t0 < 10 * SEC) {
		for (i = 0; i < n && !seen; i++) {
			why(&nd[i], 1, out, sizeof(out));
			seen = strstr(out, "not blocked: running on hw slot ");
		}
	}
	ck_assert_msg(seen, "no queue on a slot; last:\n%s", out);
	fprintf(stderr, "$ %s\n%s", why_cmd, out);
	for (i = 0; i < n; i++) {
		dsb_queue_exit(&nd[i].q);
		dsb_bo_destroy(&dev, &nd[i].cmd);
	}
	dsb_bo_destroy(&dev, &data);
	dsb_device_close(&dev);
}
END_TEST

/*
 * A cycle through a WAIT: queue A (one file) waits for words[1]; queue B
 * (a second file, which imported the buffer) waits for A's job (a
 * sync_file), then writes words[1]. The watchdog counts A's MEMWAIT, not
 * B's dependency wait.
 */
START_TEST(test_why_cycle_wait)
{
	struct dsb_queue_params p = { .fence_slots = 16, .timeout_ms = 30000 };
	struct dsb_device dev[2];
	struct dsb_bo data[2];
	struct node nd[2];
	char out[8192], want[400];
	volatile uint64_t *words;
	uint32_t so;
	int i, fd, sf;

	memset(nd, 0, sizeof(nd));
	for (i = 0; i < 2; i++) {
		ck_assert_int_eq(dsb_device_open(&dev[i], 0), 0);
		nd[i].dev = &dev[i];
		nd[i].client = drm_client_id(dev[i].fd);
		ck_assert_int_eq(dsb_queue_init(&dev[i], &nd[i].q, &p), 0);
		ck_assert_int_eq(dsb_bo_create(&dev[i], 16 * CMD_AREA, &nd[i].cmd), 0);
	}
	ck_assert_int_eq(dsb_bo_create(&dev[0], 1 << 16, &data[0]), 0);
	memset(data[0].map, 0, data[0].size);
	words = data[0].map;
	ck_assert_int_eq(dsb_bo_export_fd(&dev[0], &data[0], &fd), 0);
	ck_assert_int_eq(dsb_bo_import_fd(&dev[1], fd, &data[1]), 0);
	close(fd);
	ck_assert_int_eq(dsb_syncobj_create(&dev[0], 0, &so), 0);
	for (i = 0; i < 2; i++) {
		struct drm_dsb_sqe *sqe = dsb_get_sqe(&nd[i].q);
		struct dsb_cmdbuf cb;

		ck_assert_ptr_nonnull(sqe);
		dsb_cmdbuf_init(&cb, nd[i].cmd.map, CMD_AREA, nd[i].cmd.va);
		if (i == 0)
			ck_assert_int_eq(dsb_cmd_memwait(&cb, data[0].va + 8, 1, 0), 0);
		else
			ck_assert_int_eq(dsb_cmd_write(&cb, data[1].va + 8, 1), 0);
		dsb_prep_exec(sqe, cb.va, dsb_cmdbuf_len(&cb));
		if (i == 0)
			ck_assert_int_eq(dsb_prep_signal_syncobj(sqe, so), 0);
		else
			ck_assert_int_eq(dsb_prep_wait_sync_file(sqe, sf), 0);
		ck_assert_int_eq(dsb_submit(&nd[i].q), 1);
		if (i == 0)
			ck_assert_int_eq(dsb_syncobj_export_sync_file(&dev[0], so, &sf), 0);
	}

	why_until_watchdogs(&nd[0], &nd[1], out, sizeof(out));
	fprintf(stderr, "$ %s    # a cycle through a WAIT\n%s", why_cmd, out);
	snprintf(want, sizeof(want),
		 "cycle: dsb0 client %llu queue %u job 1 -> dsb0 client %llu queue %u job 1 -> "
		 "dsb0 client %llu queue %u job 1  <- root",
		 (unsigned long long)nd[0].client, nd[0].q.queue_id,
		 (unsigned long long)nd[1].client, nd[1].q.queue_id,
		 (unsigned long long)nd[0].client, nd[0].q.queue_id);
	ck_assert_msg(strstr(out, want), "no \"%s\" in:\n%s", want, out);
	snprintf(want, sizeof(want), "watchdog: dsb0 client %llu queue %u: not counting, "
		 "blocked on a dependency", (unsigned long long)nd[1].client, nd[1].q.queue_id);
	ck_assert_msg(strstr(out, want), "no \"%s\" in:\n%s", want, out);
	ck_assert_int_le(ban_in(out, &nd[0]), 30000);

	__atomic_store_n(&words[1], 1, __ATOMIC_RELEASE);
	for (i = 0; i < 2; i++) {
		struct drm_dsb_cqe *cqe;

		ck_assert_int_eq(dsb_wait_cqe_timeout(&nd[i].q, &cqe, 30 * SEC), 0);
		ck_assert_int_eq(cqe->error, 0);
		ck_assert_int_eq(dsb_cqe_seen(&nd[i].q, cqe), 0);
	}
	close(sf);
	dsb_syncobj_destroy(&dev[0], so);
	two_files_fini(dev, nd, data);
}
END_TEST

/* A banned queue's job says why the queue is gone. */
START_TEST(test_why_ban)
{
	struct dsb_queue_params p = { .fence_slots = 16 };
	struct drm_dsb_cqe *cqe;
	struct drm_dsb_sqe *sqe;
	struct dsb_cmdbuf cb;
	char out[8192];
	struct node n = { 0 };
	struct ctx c;

	ctx_init_params(&c, &p);
	sqe = dsb_get_sqe(&c.q);
	ck_assert_ptr_nonnull(sqe);
	dsb_cmdbuf_init(&cb, c.cmd.map, CMD_AREA, c.cmd.va);
	ck_assert_int_eq(dsb_cmd_write(&cb, 0x10, 1), 0);
	dsb_prep_exec(sqe, cb.va, dsb_cmdbuf_len(&cb));
	ck_assert_int_eq(dsb_submit(&c.q), 1);
	ck_assert_int_eq(dsb_wait_cqe_timeout(&c.q, &cqe, 30 * SEC), 0);
	ck_assert_int_ne(cqe->error, 0);
	ck_assert_int_eq(dsb_cqe_seen(&c.q, cqe), 0);
	n.dev = &c.dev;
	n.q = c.q;
	n.client = drm_client_id(c.dev.fd);
	why(&n, 1, out, sizeof(out));
	fprintf(stderr, "$ %s    # a banned queue\n%s", why_cmd, out);
	ck_assert_msg(strstr(out, "is banned: fault bad-va job 1 va 0x10"), "%s", out);
	ctx_fini(&c);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("lib_why");
	TCase *tc = tcase_new(s, "why", dsb_test_debug_kernel() ? 600 : 120);

	tcase_add_test(tc, test_why_memwait);
	tcase_add_test(tc, test_why_vgem);
	tcase_add_test(tc, test_why_behind);
	tcase_add_test(tc, test_why_cycle);
	tcase_add_test(tc, test_why_cycle_wait);
	tcase_add_test(tc, test_why_ban);
	tcase_add_test(tc, test_why_slot);
	return vm_run(s, VM_SKIP_WITHOUT_DEVICE);
}
