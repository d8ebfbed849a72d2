// SPDX-License-Identifier: MIT
/* Copyright (C) 2026 The dsb authors */
/*
 * sparse_binding: a sparse buffer with user-managed GPU virtual addresses,
 * the way a Vulkan driver implements sparse binding on VM_BIND.
 *
 * The file switches to user-managed VAs (dsb_vm_init), so no buffer has a
 * GPU address until it is bound (dsb_vm_bind), the command buffer included.
 * Then:
 *
 *   1. a "large sparse buffer": 64 pages of VA bound to nothing
 *      (MAP_SPARSE: reads give zeros, writes are dropped);
 *   2. four one-page buffers, filled by the CPU with known patterns, are
 *      bound at pages 3, 10, 17 and 40 of it by an asynchronous bind that
 *      signals a syncobj;
 *   3. job 1 waits for that syncobj, writes into the unbound page 5 (the
 *      write is dropped), copies every page of the sparse buffer into a
 *      result buffer, and signals a second syncobj;
 *   4. a second asynchronous bind waits for job 1 (a range is unmapped only
 *      once the jobs using it are done), rebinds page 3 to a fifth buffer
 *      and unbinds page 10 (UNMAP: a hole);
 *   5. job 2 reads pages 3 and 17 and sees the new binding; job 3, on a
 *      queue of its own, reads page 10 and faults (DRM_DSB_FAULT_BAD_VA:
 *      the job fails with -EIO and its queue is banned); job 2 and the
 *      first queue are unharmed.
 *
 * Exit status 0 when every check passes, 1 otherwise, 77 (skipped) when
 * there is no dsb device or its kernel has no VM_BIND (Linux 6.1).
 */
#include <dsb.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAGE		4096ull
#define SPARSE_PAGES	64		/* the sparse buffer: 256 KiB of VA */
#define NDATA		5		/* one-page buffers; the last for the rebind */
#define HOLE_PAGE	5		/* never bound: job 1 writes into it */

/* Where the four first data buffers are bound in the sparse buffer. */
static const unsigned int data_page[NDATA - 1] = { 3, 10, 17, 40 };

#define DIE(...) do { fprintf(stderr, "sparse_binding: " __VA_ARGS__); \
		      fputc('\n', stderr); exit(1); } while (0)

static unsigned int checks, failed;

static void check(int ok, const char *what)
{
	checks++;
	if (!ok)
		failed++;
	printf("  %-4s %s\n", ok ? "ok" : "FAIL", what);
}

/* The pattern of data buffer @i: every 32-bit word says whose it is. */
static uint32_t pattern(unsigned int i)
{
	return 0x5a000000u | (i + 1) * 0x010101u;
}

/* Does @page (PAGE bytes) hold only the 32-bit word @w? */
static int page_is(const void *page, uint32_t w)
{
	const uint32_t *p = page;

	for (size_t k = 0; k < PAGE / 4; k++)
		if (p[k] != w)
			return 0;
	return 1;
}

struct sample {
	struct dsb_device dev;
	struct dsb_queue q, probe;	/* probe: for the job that faults */
	struct dsb_bo cmd, result, data[NDATA];
	uint64_t cmd_va, result_va, sparse_va;
	uint32_t bound, job1_done, rebound;	/* binary syncobjs */
};

/* VA of page @n of the sparse buffer. */
static uint64_t sparse_page(const struct sample *s, unsigned int n)
{
	return s->sparse_va + n * PAGE;
}

static void bind(struct sample *s, const struct drm_dsb_vm_bind_op *ops,
		 uint32_t nops, const struct drm_dsb_sync_op *syncs,
		 uint32_t nsyncs, uint32_t flags, const char *what)
{
	uint32_t bad_op = 0;
	int ret = dsb_vm_bind(&s->dev, ops, nops, syncs, nsyncs, flags, &bad_op);

	if (ret)
		DIE("%s: %s (operation %u)", what, strerror(-ret), bad_op);
}

/*
 * User-managed VAs, the queues and buffers, and the first, synchronous
 * bind: the command and result buffers, and the sparse buffer.
 */
static void setup(struct sample *s)
{
	struct drm_dsb_vm_bind_op ops[3];
	uint64_t va_start, va_size;
	int ret;

	if ((ret = dsb_vm_init(&s->dev, DSB_VM_USER_MANAGED, &va_start, &va_size)))
		DIE("vm_init: %s", strerror(-ret));
	printf("user-managed VAs: [0x%" PRIx64 ", 0x%" PRIx64 ")\n",
	       va_start, va_start + va_size);

	/* Our layout, with unmapped gaps between the ranges. */
	s->cmd_va = (va_start + 0xfffff) & ~0xfffffull;	/* 1 MiB aligned */
	s->result_va = s->cmd_va + 0x100000;
	s->sparse_va = s->cmd_va + 0x1000000;
	if (s->sparse_va + SPARSE_PAGES * PAGE > va_start + va_size)
		DIE("VA range too small");

	if ((ret = dsb_queue_init(&s->dev, &s->q, NULL)) ||
	    (ret = dsb_queue_init(&s->dev, &s->probe, NULL)) ||
	    (ret = dsb_bo_create(&s->dev, 4 * PAGE, &s->cmd)) ||
	    (ret = dsb_bo_create(&s->dev, (SPARSE_PAGES + 2) * PAGE, &s->result)) ||
	    (ret = dsb_syncobj_create(&s->dev, 0, &s->bound)) ||
	    (ret = dsb_syncobj_create(&s->dev, 0, &s->job1_done)) ||
	    (ret = dsb_syncobj_create(&s->dev, 0, &s->rebound)))
		DIE("setup: %s", strerror(-ret));
	for (unsigned int i = 0; i < NDATA; i++) {
		if ((ret = dsb_bo_create(&s->dev, PAGE, &s->data[i])))
			DIE("data buffer: %s", strerror(-ret));
		for (size_t k = 0; k < PAGE / 4; k++)
			((uint32_t *)s->data[i].map)[k] = pattern(i);
	}
	/* Not what a copy of zeros leaves: an unwritten page shows. */
	memset(s->result.map, 0xee, s->result.size);

	dsb_bind_map(&ops[0], &s->cmd, 0, s->cmd_va, s->cmd.size, 0);
	dsb_bind_map(&ops[1], &s->result, 0, s->result_va, s->result.size, 0);
	dsb_bind_sparse(&ops[2], s->sparse_va, SPARSE_PAGES * PAGE);
	bind(s, ops, 3, NULL, 0, 0, "bind cmd, result, sparse");
	printf("sparse buffer: %u pages at 0x%" PRIx64 "\n", SPARSE_PAGES, s->sparse_va);
}

/*
 * A job on @q running the instructions @emit writes at page @slot of the
 * command buffer, after @wait (a syncobj, 0: none), signalling @signal
 * (0: none).
 */
static void submit_job(struct sample *s, struct dsb_queue *q, unsigned int slot,
		       void (*emit)(struct sample *, struct dsb_cmdbuf *),
		       uint32_t wait, uint32_t signal)
{
	struct drm_dsb_sqe *sqe = dsb_get_sqe(q);
	struct dsb_cmdbuf cb;
	int ret;

	if (!sqe)
		DIE("no SQE");
	dsb_cmdbuf_init(&cb, (char *)s->cmd.map + slot * PAGE, PAGE,
			s->cmd_va + slot * PAGE);
	emit(s, &cb);
	dsb_prep_exec(sqe, cb.va, dsb_cmdbuf_len(&cb));
	if ((wait && dsb_prep_wait_syncobj(sqe, wait)) ||
	    (signal && dsb_prep_signal_syncobj(sqe, signal)))
		DIE("sync ops");
	if ((ret = dsb_submit(q)) != 1)
		DIE("submit: %d", ret);
}

/* Job 1: write into an unbound page, then copy the sparse buffer out. */
static void emit_job1(struct sample *s, struct dsb_cmdbuf *cb)
{
	int ret = dsb_cmd_fill(cb, sparse_page(s, HOLE_PAGE), 0xdeadbeef, PAGE);

	/* Page by page: an access must lie inside one mapping, and binding
	 * a page splits the sparse mapping around it. */
	for (unsigned int n = 0; n < SPARSE_PAGES && !ret; n++)
		ret = dsb_cmd_copy(cb, s->result_va + n * PAGE, sparse_page(s, n), PAGE);
	if (ret)
		DIE("job 1 commands: %s", strerror(-ret));
}

/* Job 2: pages 3 (rebound) and 17 (untouched) after the second bind. */
static void emit_job2(struct sample *s, struct dsb_cmdbuf *cb)
{
	if (dsb_cmd_copy(cb, s->result_va + SPARSE_PAGES * PAGE,
			 sparse_page(s, data_page[0]), PAGE) ||
	    dsb_cmd_copy(cb, s->result_va + (SPARSE_PAGES + 1) * PAGE,
			 sparse_page(s, data_page[2]), PAGE))
		DIE("job 2 commands");
}

/* Job 3: page 10, unbound by the second bind. */
static void emit_job3(struct sample *s, struct dsb_cmdbuf *cb)
{
	if (dsb_cmd_copy(cb, s->result_va, sparse_page(s, data_page[1]), PAGE))
		DIE("job 3 commands");
}

/* The next CQE of @q: its job's error. */
static int32_t reap(struct dsb_queue *q)
{
	struct drm_dsb_cqe *cqe;
	int32_t err;
	int ret = dsb_wait_cqe(q, &cqe);

	if (ret)
		DIE("wait: %s", strerror(-ret));
	err = cqe->error;
	dsb_cqe_seen(q, cqe);
	return err;
}

static void run(struct sample *s)
{
	struct drm_dsb_vm_bind_op ops[NDATA];
	struct drm_dsb_sync_op syncs[2];
	struct drm_dsb_queue_status st = { 0 };
	const char *res = s->result.map;
	int32_t err1, err2, err3;
	int ok;

	/* 2. Bind pages of the sparse buffer, asynchronously. */
	for (unsigned int i = 0; i < NDATA - 1; i++)
		dsb_bind_map(&ops[i], &s->data[i], 0, sparse_page(s, data_page[i]),
			     PAGE, 0);
	dsb_sync_signal(&syncs[0], DRM_DSB_SYNC_OP_SYNCOBJ, s->bound, 0);
	bind(s, ops, NDATA - 1, syncs, 1, DRM_DSB_VM_BIND_ASYNC, "bind pages");

	/* 3. Job 1 runs once the pages are bound. */
	submit_job(s, &s->q, 0, emit_job1, s->bound, s->job1_done);

	/* 4. Rebind page 3 and unbind page 10, once job 1 is done with them. */
	dsb_bind_map(&ops[0], &s->data[NDATA - 1], 0, sparse_page(s, data_page[0]),
		     PAGE, 0);
	dsb_bind_unmap(&ops[1], sparse_page(s, data_page[1]), PAGE);
	dsb_sync_wait(&syncs[0], DRM_DSB_SYNC_OP_SYNCOBJ, s->job1_done, 0);
	dsb_sync_signal(&syncs[1], DRM_DSB_SYNC_OP_SYNCOBJ, s->rebound, 0);
	bind(s, ops, 2, syncs, 2, DRM_DSB_VM_BIND_ASYNC, "rebind and unbind");

	/* 5. Jobs 2 and 3 see the new bindings. */
	submit_job(s, &s->q, 1, emit_job2, s->rebound, 0);
	submit_job(s, &s->probe, 2, emit_job3, s->rebound, 0);

	err1 = reap(&s->q);
	err2 = reap(&s->q);
	err3 = reap(&s->probe);

	printf("job 1 (after the first bind):\n");
	check(err1 == 0, "job 1 succeeded");
	ok = 1;
	for (unsigned int i = 0; i < NDATA - 1; i++)
		ok &= page_is(res + data_page[i] * PAGE, pattern(i));
	check(ok, "bound pages read their buffer's pattern");
	ok = 1;
	for (unsigned int n = 0; n < SPARSE_PAGES; n++) {
		int bound = 0;

		for (unsigned int i = 0; i < NDATA - 1; i++)
			bound |= n == data_page[i];
		if (!bound)
			ok &= page_is(res + n * PAGE, 0);
	}
	check(ok, "unbound pages read zero");
	check(page_is(res + HOLE_PAGE * PAGE, 0),
	      "a write into an unbound page was dropped");

	printf("job 2 (after the rebind):\n");
	check(err2 == 0, "job 2 succeeded");
	check(page_is(res + SPARSE_PAGES * PAGE, pattern(NDATA - 1)),
	      "the rebound page reads the new buffer");
	check(page_is(res + (SPARSE_PAGES + 1) * PAGE, pattern(2)),
	      "a page the second bind did not touch is unchanged");
	check(page_is(s->data[0].map, pattern(0)),
	      "the buffer bound there before is unchanged");

	printf("job 3 (reads the unbound page):\n");
	dsb_queue_status(&s->probe, &st);
	printf("  job 3: %s, queue fault %s at 0x%" PRIx64 "\n", strerror(-err3),
	       dsb_fault_name(st.fault), (uint64_t)st.fault_va);
	check(err3 == -EIO && st.fault == DRM_DSB_FAULT_BAD_VA,
	      "job 3 faulted with DRM_DSB_FAULT_BAD_VA (-EIO)");
	check(st.fault_va >= sparse_page(s, data_page[1]) &&
	      st.fault_va < sparse_page(s, data_page[1] + 1),
	      "at the unbound page");
	dsb_queue_status(&s->q, &st);
	check(st.state == DRM_DSB_QUEUE_ACTIVE, "the other queue is still active");
}

static void teardown(struct sample *s)
{
	/* A mapping holds its buffer: closing the handles frees nothing yet;
	 * the buffers live until they are unmapped or the file is closed. */
	for (unsigned int i = 0; i < NDATA; i++)
		dsb_bo_destroy(&s->dev, &s->data[i]);
	dsb_bo_destroy(&s->dev, &s->result);
	dsb_bo_destroy(&s->dev, &s->cmd);
	dsb_syncobj_destroy(&s->dev, s->bound);
	dsb_syncobj_destroy(&s->dev, s->job1_done);
	dsb_syncobj_destroy(&s->dev, s->rebound);
	dsb_queue_exit(&s->probe);
	dsb_queue_exit(&s->q);
	dsb_device_close(&s->dev);
}

int main(void)
{
	static struct sample s;
	int ret = dsb_device_open(&s.dev, 0);

	if (ret) {
		fprintf(stderr, "sparse_binding: no dsb device: %s\n", strerror(-ret));
		return 77;
	}
	if (!dsb_has_vm_bind(&s.dev)) {
		fprintf(stderr, "sparse_binding: this kernel has no VM_BIND "
			"(needs drm_gpuvm, Linux >= 6.8)\n");
		dsb_device_close(&s.dev);
		return 77;
	}
	setup(&s);
	run(&s);
	teardown(&s);
	printf("sparse_binding: %u/%u checks passed\n", checks - failed, checks);
	return failed ? 1 : 0;
}
