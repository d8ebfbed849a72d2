// SPDX-License-Identifier: MIT
/* Copyright (C) 2026 The dsb authors */
/*
 * User-managed GPU virtual addresses (uAPI 13): DRM_IOCTL_DSB_VM_INIT and
 * DRM_IOCTL_DSB_VM_BIND, through raw ioctls (no libdsb).
 *
 * Every case but "param" opens its own file, puts it in user-managed mode
 * (VM_INIT before any buffer or queue), binds its command buffers, its
 * result buffer and a control page at VAs of its choice, then creates its
 * queues (their rings live in the kernel's part of the address space). A
 * job that faults bans its queue, so every expected fault runs on a queue
 * of its own ("probe").
 *
 * - param: PARAM_VM_BIND 0 (6.1): both ioctls fail with -EOPNOTSUPP, and
 *   every other case skips. PARAM_VM_BIND 1: VM_INIT's range, -EBUSY once
 *   the file has a buffer or a queue or to leave the mode, the same mode
 *   again succeeds, bad flags and pad; VM_BIND on a kernel-assigned file
 *   -EINVAL; BO_CREATE and BO_INFO report VA 0; rings lie outside the
 *   user range.
 * - model: random MAP / UNMAP / MAP_SPARSE calls (fixed seed, printed) over
 *   a 64-page window of four buffers with distinct page patterns, against
 *   a page-granular model: after each call a job copies every mapped or
 *   sparse page (pattern or zeros), debugfs dsb_vms covers the window as
 *   the model does, and sampled unmapped pages fault a probe with BAD_VA.
 * - sparse: reads zero, FILL / WRITE / ATOMIC_ADD / COPY into it are
 *   dropped without a fault, MEMWAIT reads zero; remapped and unmapped.
 * - errors: every documented -EINVAL, -ENOENT, -EBADF, -E2BIG (fast, before
 *   the array is read), -EFAULT; bad_op names the operation at fault; a
 *   failed call changes nothing (dsb_vms identical, jobs read the same,
 *   its signal syncobj stays empty).
 * - readonly: engine writes into a READONLY mapping fault (WRITE, COPY,
 *   FILL, ATOMIC_ADD), reads work, the buffer is unchanged; remapped RW.
 * - async: binds ordered by syncobjs with jobs on three queues; binds take
 *   effect in call order; a pending bind leaves the old mapping in effect;
 *   a sync bind waits for earlier async ones (and fails with -EINTR,
 *   changing nothing, when a signal arrives).
 * - pending_limit: MAX_PENDING_BINDS blocked binds, one more is -EBUSY and
 *   changes nothing; all take effect once released.
 * - unmap_running: a job polling a range unmapped under it fails with
 *   BAD_VA in finite time, other queues unaffected; an async UNMAP with a
 *   DRM_DSB_SYNC_OP_QUEUE wait takes effect only after the job completed.
 * - teardown: the file closed with binds pending on another file's syncobj
 *   signalled later; a child binding in a loop SIGKILLed, repeatedly; the
 *   live counters return to their baseline.
 * - reclaim: bound buffers (one at two VAs, two ranges of another)
 *   evicted by debugfs dsb_shrink are restored intact on the next submit.
 * - hostile: binds racing a thread closing the handle (the mapping holds
 *   the buffer; unmapping frees it); imported dma-bufs (the other dsb
 *   device, another file, vgem) bound and read; -ENOSPC at exactly
 *   MAX_VM_MAPPINGS, where an UNMAP of a whole mapping and a MAP over
 *   two still work and an UNMAP splitting a mapping does not; calls of 1024 single-page
 *   operations in a loop.
 * - fault_inject: the Nth fault-injection point of a VM_BIND call fails
 *   (/proc/thread-self/fail-nth, N = 1, 2, ... until a call succeeds
 *   untouched), sync and async: each failed call returns -ENOMEM (or
 *   -EFAULT for an injected user-copy failure) and leaves the VM and the
 *   client's charged memory as they were. Skipped without fault injection
 *   (only the debug kernel has it).
 * - apply: a few async binds that wait for syncobjs signalled later (so
 *   they take effect from the kernel's worker) and a sync bind; the debug
 *   lane runs this case alone (CK_RUN_CASE=apply) on a build that
 *   allocates in the apply path, and expects lockdep to catch it.
 *
 * On the debug kernel (KASAN, lockdep) the iteration counts are scaled
 * down. VM_BIND_SEED=<n> replays the model with another seed.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include "vm_suite.h"
#include "vgem.h"

/* --- the file's layout ------------------------------------------------------ */

#define CMD_CHUNK	4096u		/* one command buffer (128 instructions) */
#define CMD_CHUNKS	64u
#define RES_PAGES	256u		/* the result buffer */
#define CTL_WORDS	512u		/* gate words in the control page */

/* Offsets from va_start of what every case binds, and of its own areas. */
#define OFF_CMD		0x100000ull
#define OFF_RES		0x200000ull
#define OFF_CTL		0x400000ull
#define OFF_WIN		0x1000000ull
#define OFF_AREA	0x2000000ull

#define NQ_MAX		3
#define Q_TIMEOUT_MS	30000u

struct vq {
	struct dsb_test_queue q;
	uint32_t next;		/* next fence slot (mod 64) */
};

struct ctx {
	int fd;
	uint64_t client, va_start, va_size;
	struct dsb_test_bo cmd, res, ctl;
	uint32_t cmd_next;
	struct vq q[NQ_MAX];
	unsigned int nq;
};

static bool slow(void)
{
	return dsb_test_debug_kernel();
}

/* --- raw ioctls -------------------------------------------------------------- */

static int vm_init(int f, uint32_t flags, uint32_t pad, struct drm_dsb_vm_init *out)
{
	struct drm_dsb_vm_init a = { .flags = flags, .pad = pad };
	int ret = dsb_test_ioctl(f, DRM_IOCTL_DSB_VM_INIT, &a);

	if (out)
		*out = a;
	return ret;
}

/* VM_BIND of @nops operations and @nsyncs sync operations; *@bad_op on error. */
static int vm_bind(int f, const struct drm_dsb_vm_bind_op *ops, uint32_t nops,
		   const struct drm_dsb_sync_op *syncs, uint32_t nsyncs, uint32_t flags,
		   uint32_t *bad_op)
{
	struct drm_dsb_vm_bind b = {
		.ops = { .stride = sizeof(*ops), .count = nops, .array = (uintptr_t)ops },
		.syncs = { .stride = sizeof(struct drm_dsb_sync_op), .count = nsyncs,
			   .array = (uintptr_t)syncs },
		.flags = flags,
		.bad_op = 0xdeadbeef,
	};
	int ret = dsb_test_ioctl(f, DRM_IOCTL_DSB_VM_BIND, &b);

	if (bad_op)
		*bad_op = b.bad_op;
	return ret;
}

static struct drm_dsb_vm_bind_op op_map(uint32_t handle, uint64_t bo_offset, uint64_t va,
					uint64_t range)
{
	return (struct drm_dsb_vm_bind_op){ .op = DRM_DSB_VM_BIND_MAP, .handle = handle,
					    .bo_offset = bo_offset, .va = va, .range = range };
}

static struct drm_dsb_vm_bind_op op_map_ro(uint32_t handle, uint64_t bo_offset, uint64_t va,
					   uint64_t range)
{
	struct drm_dsb_vm_bind_op o = op_map(handle, bo_offset, va, range);

	o.flags = DRM_DSB_VM_BIND_READONLY;
	return o;
}

static struct drm_dsb_vm_bind_op op_unmap(uint64_t va, uint64_t range)
{
	return (struct drm_dsb_vm_bind_op){ .op = DRM_DSB_VM_BIND_UNMAP, .va = va,
					    .range = range };
}

static struct drm_dsb_vm_bind_op op_sparse(uint64_t va, uint64_t range)
{
	return (struct drm_dsb_vm_bind_op){ .op = DRM_DSB_VM_BIND_MAP_SPARSE, .va = va,
					    .range = range };
}

static const char *op_name(uint32_t op)
{
	return op == DRM_DSB_VM_BIND_MAP ? "MAP" : op == DRM_DSB_VM_BIND_UNMAP ? "UNMAP" :
	       op == DRM_DSB_VM_BIND_MAP_SPARSE ? "MAP_SPARSE" : "?";
}

/* A synchronous bind that must succeed. */
static void bind_ok(int f, const struct drm_dsb_vm_bind_op *ops, uint32_t n)
{
	uint32_t bad = 0;
	int ret = vm_bind(f, ops, n, NULL, 0, 0, &bad);

	ck_assert_msg(ret == 0, "VM_BIND of %u ops: %s (bad_op %u: %s va 0x%llx range 0x%llx)",
		      n, strerror(-ret), bad, bad < n ? op_name(ops[bad].op) : "-",
		      bad < n ? (unsigned long long)ops[bad].va : 0ull,
		      bad < n ? (unsigned long long)ops[bad].range : 0ull);
}

static void bind1(int f, struct drm_dsb_vm_bind_op op)
{
	bind_ok(f, &op, 1);
}

/* An asynchronous bind that must be accepted. */
static void bind_async(int f, const struct drm_dsb_vm_bind_op *ops, uint32_t n,
		       const struct drm_dsb_sync_op *syncs, uint32_t ns)
{
	uint32_t bad = 0;
	int ret = vm_bind(f, ops, n, syncs, ns, DRM_DSB_VM_BIND_ASYNC, &bad);

	ck_assert_msg(ret == 0, "async VM_BIND of %u ops, %u syncs: %s (bad_op %u)", n, ns,
		      strerror(-ret), bad);
}

/* --- support and skipping ---------------------------------------------------- */

static uint64_t param(int f, uint32_t p)
{
	uint64_t v = 0;
	int ret = dsb_test_get_param(f, p, &v);

	ck_assert_msg(ret == 0, "GET_PARAM %u: %s", p, strerror(-ret));
	return v;
}

/* Whether this kernel has drm_gpuvm (6.8 and later): then VM_BIND must work. */
static bool kernel_has_gpuvm(void)
{
	struct utsname u;
	unsigned int maj = 0, min = 0;

	if (uname(&u) || sscanf(u.release, "%u.%u", &maj, &min) != 2)
		return false;
	return maj > 6 || (maj == 6 && min >= 8);
}

/* PARAM_VM_BIND of device 0; checks uAPI >= 13 on the way. */
static uint64_t vm_bind_param(void)
{
	int f = dsb_test_open_or_skip();
	uint64_t ver = param(f, DRM_DSB_PARAM_UAPI_VERSION), v;

	ck_assert_msg(ver >= 13, "uAPI version %llu, VM_BIND needs 13", (unsigned long long)ver);
	v = param(f, DRM_DSB_PARAM_VM_BIND);
	close(f);
	ck_assert_msg(v <= 1, "PARAM_VM_BIND is %llu, not 0 or 1", (unsigned long long)v);
	return v;
}

/* Every case but "param" starts with this: return when VM_BIND is missing. */
#define REQUIRE_VM_BIND()							\
	do {									\
		if (!vm_bind_param()) {						\
			printf("vm_bind: %.*s skipped: no VM_BIND on this kernel (PARAM_VM_BIND 0)\n", \
			       (int)strlen(__func__) - 8, __func__ + 5);	\
			return;							\
		}								\
	} while (0)

/* --- the file of a case ------------------------------------------------------ */

static uint64_t va_of(const struct ctx *c, uint64_t off)
{
	return c->va_start + off;
}

/* BO_CREATE (mapped for the CPU): a user-managed file gets VA 0. */
static void bo_new(struct ctx *c, uint64_t size, struct dsb_test_bo *bo)
{
	int ret = dsb_test_bo_create(c->fd, size, bo);

	ck_assert_msg(ret == 0, "BO_CREATE of %llu bytes: %s", (unsigned long long)size,
		      strerror(-ret));
	ck_assert_msg(bo->va == 0, "BO_CREATE in a user-managed file reported VA 0x%llx, not 0",
		      (unsigned long long)bo->va);
}

/* Map all of @bo at @va; its va field says where from now on. */
static void bo_bind(struct ctx *c, struct dsb_test_bo *bo, uint64_t va)
{
	bind1(c->fd, op_map(bo->handle, 0, va, bo->size));
	bo->va = va;
}

static struct vq vq_new(int f)
{
	return (struct vq){ .q = queue_new(f, 256, 64, Q_TIMEOUT_MS), .next = 0 };
}

static void ctx_open_index(struct ctx *c, unsigned int nq, int index)
{
	struct drm_dsb_vm_init vi;
	int ret;

	memset(c, 0, sizeof(*c));
	c->fd = index ? dsb_test_open_index_or_skip(index) : dsb_test_open_or_skip();
	ret = vm_init(c->fd, DRM_DSB_VM_USER_MANAGED, 0, &vi);
	ck_assert_msg(ret == 0, "VM_INIT(USER_MANAGED) on a fresh file: %s", strerror(-ret));
	ck_assert_msg(vi.va_size >= (1ull << 32), "VM_INIT: user range of only 0x%llx bytes",
		      (unsigned long long)vi.va_size);
	c->va_start = vi.va_start;
	c->va_size = vi.va_size;
	c->client = drm_client_id(c->fd);
	bo_new(c, (uint64_t)CMD_CHUNKS * CMD_CHUNK, &c->cmd);
	bo_bind(c, &c->cmd, va_of(c, OFF_CMD));
	bo_new(c, (uint64_t)RES_PAGES * PAGE, &c->res);
	bo_bind(c, &c->res, va_of(c, OFF_RES));
	bo_new(c, PAGE, &c->ctl);
	memset(c->ctl.map, 0, PAGE);
	bo_bind(c, &c->ctl, va_of(c, OFF_CTL));
	c->nq = nq;
	for (unsigned int i = 0; i < nq; i++)
		c->q[i] = vq_new(c->fd);
}

static void ctx_open(struct ctx *c, unsigned int nq)
{
	ctx_open_index(c, nq, 0);
}

/* Close the file: every mapping and queue goes with it. */
static void ctx_close(struct ctx *c)
{
	struct dsb_test_bo *bos[] = { &c->cmd, &c->res, &c->ctl };

	for (unsigned int i = 0; i < 3; i++)
		if (bos[i]->map)
			munmap(bos[i]->map, bos[i]->size);
	for (unsigned int i = 0; i < c->nq; i++) {
		munmap(c->q[i].q.ring, c->q[i].q.ring_size);
		munmap(c->q[i].q.ctrl, c->q[i].q.ctrl_size);
		munmap((void *)c->q[i].q.fences, c->q[i].q.fences_size);
		munmap(c->q[i].q.sq_cq, c->q[i].q.sq_cq_size);
	}
	close(c->fd);
	c->fd = -1;
}

/* --- jobs ---------------------------------------------------------------------- */

/* A new command buffer in the file's command BO; returns its VA. */
static uint64_t cmd_new(struct ctx *c, struct dsb_test_cmdbuf *cb)
{
	uint32_t i = c->cmd_next++ % CMD_CHUNKS;

	dsb_test_cmd_init(cb, (char *)c->cmd.map + (size_t)i * CMD_CHUNK, CMD_CHUNK);
	return c->cmd.va + (uint64_t)i * CMD_CHUNK;
}

static void emit(int ret)
{
	ck_assert_msg(ret == 0, "command buffer full");
}

static int submit_raw(struct ctx *c, unsigned int qi, uint64_t va,
		      const struct dsb_test_cmdbuf *cb, const struct drm_dsb_sync_op *syncs,
		      uint32_t n, uint64_t *seqno)
{
	struct vq *q = &c->q[qi];
	int ret = dsb_test_submit(c->fd, q->q.id, q->next % 64, va, dsb_test_cmd_len(cb), syncs,
				  n, seqno);

	if (!ret)
		q->next++;
	return ret;
}

static uint64_t submit(struct ctx *c, unsigned int qi, uint64_t va,
		       const struct dsb_test_cmdbuf *cb, const struct drm_dsb_sync_op *syncs,
		       uint32_t n)
{
	uint64_t seqno = 0;
	int ret = submit_raw(c, qi, va, cb, syncs, n, &seqno);

	ck_assert_msg(ret == 0, "SUBMIT on queue %u: %s", qi, strerror(-ret));
	return seqno;
}

static int32_t wait_q(struct ctx *c, unsigned int qi, uint64_t seqno)
{
	return wait_job(c->fd, c->q[qi].q.id, seqno);
}

/* Run @cb on queue @qi and wait: its error. */
static int32_t run(struct ctx *c, unsigned int qi, uint64_t va, const struct dsb_test_cmdbuf *cb)
{
	return wait_q(c, qi, submit(c, qi, va, cb, NULL, 0));
}

static void run_ok(struct ctx *c, unsigned int qi, uint64_t va, const struct dsb_test_cmdbuf *cb,
		   const char *what)
{
	int32_t err = run(c, qi, va, cb);

	ck_assert_msg(err == 0, "%s: job failed with %d (%s)", what, err, strerror(-err));
}

/* Whether job @seqno of queue @qi is still running (not complete). */
static bool running(struct ctx *c, unsigned int qi, uint64_t seqno)
{
	int32_t err = 0;
	int ret = dsb_test_wait(c->fd, c->q[qi].q.id, seqno, 0, &err);

	ck_assert_msg(ret == 0 || ret == -ETIME, "WAIT: %s", strerror(-ret));
	return ret == -ETIME;
}

/* What a job run on a queue of its own ended with. */
struct probe {
	int32_t err;
	struct drm_dsb_queue_status st;
};

/* Run @cb on a new queue (a fault bans it), then destroy the queue. */
static struct probe run_fresh(struct ctx *c, uint64_t va, const struct dsb_test_cmdbuf *cb)
{
	struct dsb_test_queue q = queue_new(c->fd, 64, 8, Q_TIMEOUT_MS);
	struct probe p;
	uint64_t seqno = submit_ok(c->fd, q.id, 0, va, cb, NULL, 0);

	p.err = wait_job(c->fd, q.id, seqno);
	p.st = status_of(c->fd, q.id);
	ck_assert_int_eq(dsb_test_queue_destroy(c->fd, &q), 0);
	return p;
}

/* A probe's fault must be @kind at an address in [@va, @va + @len). */
static void expect_fault(const struct probe *p, uint32_t kind, uint64_t va, uint64_t len,
			 const char *what)
{
	ck_assert_msg(p->err == -EIO, "%s: job ended with %d (%s), expected -EIO (a fault)", what,
		      p->err, strerror(-p->err));
	ck_assert_msg(p->st.state == DRM_DSB_QUEUE_BANNED && p->st.fault == kind,
		      "%s: queue state %u fault %u, expected banned with fault %u", what,
		      p->st.state, p->st.fault, kind);
	ck_assert_msg(p->st.fault_va >= va && p->st.fault_va < va + len,
		      "%s: fault at 0x%llx, expected in [0x%llx, 0x%llx)", what,
		      (unsigned long long)p->st.fault_va, (unsigned long long)va,
		      (unsigned long long)(va + len));
}

/* A read of the page at @va must fault with BAD_VA. */
static void expect_unmapped(struct ctx *c, uint64_t va, const char *what)
{
	struct dsb_test_cmdbuf cb;
	uint64_t cva = cmd_new(c, &cb);
	struct probe p;

	emit(dsb_test_cmd_copy(&cb, c->res.va + (RES_PAGES - 1) * PAGE, va, PAGE));
	p = run_fresh(c, cva, &cb);
	expect_fault(&p, DRM_DSB_FAULT_BAD_VA, va, PAGE, what);
}

/* Copy @n pages at @va[i] into result pages @dst + i with one job on queue @qi. */
static void copy_pages_q(struct ctx *c, unsigned int qi, const uint64_t *va, unsigned int n,
			 unsigned int dst, const char *what)
{
	struct dsb_test_cmdbuf cb;
	uint64_t cva = cmd_new(c, &cb);

	ck_assert(dst + n <= RES_PAGES);
	memset((char *)c->res.map + (size_t)dst * PAGE, 0x5a, (size_t)n * PAGE);
	for (unsigned int i = 0; i < n; i++)
		emit(dsb_test_cmd_copy(&cb, c->res.va + (uint64_t)(dst + i) * PAGE, va[i], PAGE));
	run_ok(c, qi, cva, &cb, what);
}

static void copy_pages(struct ctx *c, const uint64_t *va, unsigned int n, unsigned int dst,
		       const char *what)
{
	copy_pages_q(c, 0, va, n, dst, what);
}

static const uint32_t *res_page(const struct ctx *c, unsigned int i)
{
	return (const uint32_t *)((const char *)c->res.map + (size_t)i * PAGE);
}

/* --- page patterns ------------------------------------------------------------ */

/* Word @w of page @p of buffer number @k: distinct for every word. */
static uint32_t pat(unsigned int k, unsigned int p, unsigned int w)
{
	return 0xa0000000u | k << 24 | p << 12 | w;
}

static void fill_pattern(struct dsb_test_bo *bo, unsigned int k)
{
	uint32_t *w = bo->map;

	for (unsigned int p = 0; p < bo->size / PAGE; p++)
		for (unsigned int i = 0; i < PAGE / 4; i++)
			w[p * (PAGE / 4) + i] = pat(k, p, i);
}

/* @page holds page @p of buffer @k; the first mismatch in @why. */
static bool page_has(const uint32_t *page, unsigned int k, unsigned int p, char *why, size_t len)
{
	for (unsigned int i = 0; i < PAGE / 4; i++)
		if (page[i] != pat(k, p, i)) {
			snprintf(why, len, "word %u is 0x%08x, expected 0x%08x (buffer %u page %u)",
				 i, page[i], pat(k, p, i), k, p);
			return false;
		}
	return true;
}

static bool page_zero(const uint32_t *page, char *why, size_t len)
{
	for (unsigned int i = 0; i < PAGE / 4; i++)
		if (page[i]) {
			snprintf(why, len, "word %u is 0x%08x, expected 0 (sparse)", i, page[i]);
			return false;
		}
	return true;
}

static void assert_page(const struct ctx *c, unsigned int res, unsigned int k, unsigned int p,
			const char *what)
{
	char why[128];

	ck_assert_msg(page_has(res_page(c, res), k, p, why, sizeof(why)), "%s: %s", what, why);
}

static void assert_zero(const struct ctx *c, unsigned int res, const char *what)
{
	char why[128];

	ck_assert_msg(page_zero(res_page(c, res), why, sizeof(why)), "%s: %s", what, why);
}

/* --- syncobjs and gates ------------------------------------------------------- */

/* A job on queue @qi that waits until control word @w is nonzero, then signals @sig. */
static uint64_t gate_job(struct ctx *c, unsigned int qi, unsigned int w,
			 const struct drm_dsb_sync_op *sig, uint32_t n)
{
	struct dsb_test_cmdbuf cb;
	uint64_t cva = cmd_new(c, &cb);

	ck_assert(w < CTL_WORDS);
	((volatile uint64_t *)c->ctl.map)[w] = 0;
	emit(dsb_test_cmd_memwait(&cb, c->ctl.va + 8ull * w, 1, 0));
	return submit(c, qi, cva, &cb, sig, n);
}

static void gate_open(struct ctx *c, unsigned int w)
{
	__atomic_store_n(&((uint64_t *)c->ctl.map)[w], 1, __ATOMIC_RELEASE);
}

static bool syncobj_signalled(int f, uint32_t h)
{
	int ret = drmSyncobjWait(f, &h, 1, 0, DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT, NULL);

	ck_assert_msg(ret == 0 || ret == -ETIME, "SYNCOBJ_WAIT: %s", strerror(-ret));
	return ret == 0;
}

static void syncobj_wait(int f, uint32_t h, const char *what)
{
	int ret = drmSyncobjWait(f, &h, 1, dsb_test_now_ns() + WAIT_NS,
				 DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT, NULL);

	ck_assert_msg(ret == 0, "%s: syncobj not signalled in time: %s", what, strerror(-ret));
}

static uint64_t tl_point(int f, uint32_t h)
{
	uint64_t v = 0;

	ck_assert_int_eq(drmSyncobjQuery(f, &h, &v, 1), 0);
	return v;
}

static void tl_wait_cpu(int f, uint32_t h, uint64_t point, const char *what)
{
	int ret = drmSyncobjTimelineWait(f, &h, &point, 1, dsb_test_now_ns() + WAIT_NS,
					 DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT, NULL);

	ck_assert_msg(ret == 0, "%s: timeline point %llu not signalled in time: %s", what,
		      (unsigned long long)point, strerror(-ret));
}

/* --- debugfs dsb_vms ------------------------------------------------------------ */

static char *slurp(const char *path)
{
	size_t cap = 1 << 16, n = 0, r;
	char *buf;
	FILE *f = fopen(path, "re");

	if (!f)
		return NULL;
	buf = malloc(cap);
	ck_assert_ptr_nonnull(buf);
	while ((r = fread(buf + n, 1, cap - n - 1, f)) > 0) {
		n += r;
		if (n + 1 >= cap) {
			cap *= 2;
			buf = realloc(buf, cap);
			ck_assert_ptr_nonnull(buf);
		}
	}
	buf[n] = 0;
	fclose(f);
	return buf;
}

/* The block of dsb_vms (device 0) of client @client, or NULL (malloc'd). */
static char *vms_block(uint64_t client)
{
	char dir[300], path[400], hdr[64], *all, *p, *end, *blk;
	size_t hl;

	ck_assert_msg(dsb_test_debugfs_dir(0, dir, sizeof(dir)) == 0,
		      "no debugfs directory of dsb device 0");
	snprintf(path, sizeof(path), "%s/dsb_vms", dir);
	all = slurp(path);
	ck_assert_msg(all, "%s: %s", path, strerror(errno));
	hl = (size_t)snprintf(hdr, sizeof(hdr), "vm client %llu ", (unsigned long long)client);
	for (p = all; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (!strncmp(p, hdr, hl))
			break;
	if (!p || !*p) {
		free(all);
		return NULL;
	}
	for (end = strchr(p, '\n'); end && end[1] && strncmp(end + 1, "vm client ", 10);
	     end = strchr(end + 1, '\n'))
		;
	blk = end ? strndup(p, (size_t)(end - p + 1)) : strdup(p);
	free(all);
	return blk;
}

struct vmap {
	uint64_t start, end;	/* [start, end) */
	char kind;		/* 'b' buffer, 's' sparse, 'r' ring */
	uint64_t size, off;	/* buffer size, offset of start in it */
	bool ro;
	char state[16];		/* resident, evicted, purged */
};

struct vms {
	bool user;
	unsigned int mappings, pending, n;
	struct vmap *m;
};

static void vms_parse(const char *blk, struct vms *v)
{
	char mode[32], kind[16], rw[8], line[256];
	const char *p = blk, *nl;
	unsigned long long s, e, size, off;
	unsigned int cap = 64;

	memset(v, 0, sizeof(*v));
	v->m = calloc(cap, sizeof(*v->m));
	ck_assert_ptr_nonnull(v->m);
	ck_assert_msg(sscanf(blk, "vm client %*u %31s mappings %u pending-binds %u", mode,
			     &v->mappings, &v->pending) == 3,
		      "dsb_vms: bad header: %.100s", blk);
	ck_assert_msg(!strcmp(mode, "user-managed") || !strcmp(mode, "kernel-assigned"),
		      "dsb_vms: mode '%s'", mode);
	v->user = !strcmp(mode, "user-managed");
	for (p = strchr(p, '\n'); p && p[1]; p = nl) {
		struct vmap *m;
		size_t len;

		p++;
		nl = strchr(p, '\n');
		len = nl ? (size_t)(nl - p) : strlen(p);
		if (len >= sizeof(line))
			len = sizeof(line) - 1;
		memcpy(line, p, len);
		line[len] = 0;
		if (!nl)
			nl = p + len - 1;
		if (!line[0])
			continue;
		if (v->n == cap) {
			cap *= 2;
			v->m = realloc(v->m, cap * sizeof(*v->m));
			ck_assert_ptr_nonnull(v->m);
		}
		m = &v->m[v->n];
		memset(m, 0, sizeof(*m));
		ck_assert_msg(sscanf(line, " 0x%llx-0x%llx %15s", &s, &e, kind) == 3,
			      "dsb_vms: bad mapping line '%s'", line);
		/* An inclusive end names the last byte: page-aligned mappings tell. */
		if ((e & (PAGE - 1)) == PAGE - 1)
			e++;
		m->start = s;
		m->end = e;
		if (!strcmp(kind, "bo")) {
			ck_assert_msg(sscanf(line, " 0x%*x-0x%*x bo size 0x%llx offset 0x%llx %7s %15s",
					     &size, &off, rw, m->state) == 4,
				      "dsb_vms: bad buffer mapping '%s'", line);
			ck_assert_msg(!strcmp(rw, "rw") || !strcmp(rw, "ro"), "dsb_vms: '%s'", line);
			m->kind = 'b';
			m->size = size;
			m->off = off;
			m->ro = !strcmp(rw, "ro");
		} else if (!strcmp(kind, "sparse")) {
			m->kind = 's';
		} else if (!strcmp(kind, "ring")) {
			m->kind = 'r';
		} else {
			ck_abort_msg("dsb_vms: unknown mapping kind in '%s'", line);
		}
		ck_assert_msg(s < e && !(s & (PAGE - 1)) && !(e & (PAGE - 1)),
			      "dsb_vms: bad range in '%s'", line);
		v->n++;
	}
}

/* dsb_vms of @c's file, parsed (must exist). */
static void vms_read(const struct ctx *c, struct vms *v)
{
	char *blk = vms_block(c->client);

	ck_assert_msg(blk, "dsb_vms has no VM of client %llu", (unsigned long long)c->client);
	vms_parse(blk, v);
	free(blk);
}

static const struct vmap *vms_at(const struct vms *v, uint64_t va)
{
	for (unsigned int i = 0; i < v->n; i++)
		if (va >= v->m[i].start && va < v->m[i].end)
			return &v->m[i];
	return NULL;
}

static unsigned int pending_binds(const struct ctx *c)
{
	struct vms v;
	unsigned int p;

	vms_read(c, &v);
	p = v.pending;
	free(v.m);
	return p;
}

/* Wait until the file has no async bind pending (they take effect from a worker). */
static void settle_binds(const struct ctx *c, const char *what)
{
	unsigned int p = 0;

	for (int i = 0; i < 1000; i++) {
		p = pending_binds(c);
		if (!p)
			return;
		usleep(10000);
	}
	ck_abort_msg("%s: %u binds still pending after 10 s", what, p);
}

/* --- live counters --------------------------------------------------------------- */

static const char *const live_names[] = {
	"live_bos", "live_queues", "live_jobs", "live_fences", "live_vms",
};
#define NLIVE 5

static void live_baseline(long long *v)
{
	ck_assert_msg(dsb_test_debugfs_settled(live_names, NLIVE, v) == 0,
		      "debugfs live counters of device 0 not found");
}

/* The counters must come back to @base (frees may be deferred a while). */
static void live_back(const long long *base, const char *what)
{
	long long now[NLIVE];
	int64_t end = dsb_test_now_ns() + (slow() ? 60 : 15) * SEC_NS;

	for (;;) {
		for (int i = 0; i < NLIVE; i++)
			ck_assert_int_eq(dsb_test_debugfs_counter(0, live_names[i], &now[i]), 0);
		if (!memcmp(now, base, sizeof(now)))
			return;
		if (dsb_test_now_ns() > end)
			break;
		usleep(20000);
	}
	for (int i = 0; i < NLIVE; i++)
		ck_assert_msg(now[i] == base[i], "%s: %s is %lld, baseline %lld", what,
			      live_names[i], now[i], base[i]);
}

/* ================================================================================ */
/* param                                                                            */
/* ================================================================================ */

START_TEST(test_param)
{
	int f = dsb_test_open_or_skip(), g;
	uint64_t ver = param(f, DRM_DSB_PARAM_UAPI_VERSION);
	uint64_t has = param(f, DRM_DSB_PARAM_VM_BIND);
	struct drm_dsb_vm_init vi, vi2;
	struct drm_dsb_vm_bind_op op = op_sparse(1ull << 32, PAGE);
	struct dsb_test_bo bo;
	struct drm_dsb_bo_info info;
	struct dsb_test_queue q;
	uint32_t bad;
	int ret;

	ck_assert_msg(ver == 13 || ver > 13, "uAPI version %llu, expected at least 13",
		      (unsigned long long)ver);
	if (!has) {
		struct utsname u;

		uname(&u);
		/*
		 * Debian's kernels from 6.8 have drm_gpuvm (CONFIG_DRM_GPUVM=m):
		 * there dsb must have VM_BIND. The debug kernel is built from a
		 * config of its own, which may lack it: said, not failed (the
		 * debug lane's "apply" negative control fails instead).
		 */
		if (kernel_has_gpuvm() && slow())
			printf("vm_bind: NOTE: PARAM_VM_BIND 0 on the debug kernel %s: built without CONFIG_DRM_GPUVM? VM_BIND is not tested here\n",
			       u.release);
		else
			ck_assert_msg(!kernel_has_gpuvm(),
				      "PARAM_VM_BIND is 0 on Linux %s, which has drm_gpuvm (dsb.ko built without it?)",
				      u.release);
		ret = vm_init(f, DRM_DSB_VM_USER_MANAGED, 0, NULL);
		ck_assert_msg(ret == -EOPNOTSUPP, "VM_INIT without VM_BIND support: %d (%s), expected -EOPNOTSUPP",
			      ret, strerror(-ret));
		ret = vm_init(f, 0, 0, NULL);
		ck_assert_msg(ret == -EOPNOTSUPP, "VM_INIT(0) without VM_BIND support: %s",
			      strerror(-ret));
		ret = vm_bind(f, &op, 1, NULL, 0, 0, NULL);
		ck_assert_msg(ret == -EOPNOTSUPP, "VM_BIND without VM_BIND support: %d (%s), expected -EOPNOTSUPP",
			      ret, strerror(-ret));
		ret = vm_bind(f, &op, 1, NULL, 0, DRM_DSB_VM_BIND_ASYNC, NULL);
		ck_assert_msg(ret == -EOPNOTSUPP, "async VM_BIND without VM_BIND support: %s",
			      strerror(-ret));
		/* The file still works as before. */
		ck_assert_int_eq(dsb_test_bo_create(f, PAGE, &bo), 0);
		ck_assert_uint_ne(bo.va, 0);
		ck_assert_int_eq(dsb_test_bo_destroy(f, &bo), 0);
		close(f);
		printf("vm_bind: no VM_BIND on this kernel: both ioctls -EOPNOTSUPP\n");
		return;
	}

	/* A kernel-assigned file: VM_BIND is -EINVAL, fresh or with a buffer. */
	ret = vm_bind(f, &op, 1, NULL, 0, 0, NULL);
	ck_assert_msg(ret == -EINVAL, "VM_BIND on a kernel-assigned file: %d (%s), expected -EINVAL",
		      ret, strerror(-ret));
	ck_assert_int_eq(dsb_test_bo_create(f, PAGE, &bo), 0);
	ck_assert_msg(bo.va != 0, "kernel-assigned file: BO_CREATE gave VA 0");
	ret = vm_init(f, DRM_DSB_VM_USER_MANAGED, 0, NULL);
	ck_assert_msg(ret == -EBUSY, "VM_INIT(USER_MANAGED) after BO_CREATE: %d (%s), expected -EBUSY",
		      ret, strerror(-ret));
	ret = vm_bind(f, &op, 1, NULL, 0, 0, NULL);
	ck_assert_msg(ret == -EINVAL, "VM_BIND on a kernel-assigned file with a buffer: %s",
		      strerror(-ret));
	ret = vm_bind(f, &op, 1, NULL, 0, DRM_DSB_VM_BIND_ASYNC, NULL);
	ck_assert_msg(ret == -EINVAL, "async VM_BIND on a kernel-assigned file: %s", strerror(-ret));
	ck_assert_int_eq(dsb_test_bo_destroy(f, &bo), 0);
	close(f);

	/* A queue makes VM_INIT too late as well. */
	f = dsb_test_open_or_skip();
	q = queue_new(f, 64, 8, 0);
	ret = vm_init(f, DRM_DSB_VM_USER_MANAGED, 0, NULL);
	ck_assert_msg(ret == -EBUSY, "VM_INIT after QUEUE_CREATE: %d (%s), expected -EBUSY", ret,
		      strerror(-ret));
	ck_assert_int_eq(dsb_test_queue_destroy(f, &q), 0);
	close(f);

	/* Bad flags and pad on a fresh file change nothing. */
	f = dsb_test_open_or_skip();
	ret = vm_init(f, 1u << 1, 0, NULL);
	ck_assert_msg(ret == -EINVAL, "VM_INIT with unknown flags: %s", strerror(-ret));
	ret = vm_init(f, DRM_DSB_VM_USER_MANAGED | 1u << 31, 0, NULL);
	ck_assert_msg(ret == -EINVAL, "VM_INIT with an unknown flag: %s", strerror(-ret));
	ret = vm_init(f, DRM_DSB_VM_USER_MANAGED, 1, NULL);
	ck_assert_msg(ret == -EINVAL, "VM_INIT with a nonzero pad: %s", strerror(-ret));

	/* User-managed: the range, then the same mode again. */
	ret = vm_init(f, DRM_DSB_VM_USER_MANAGED, 0, &vi);
	ck_assert_msg(ret == 0, "VM_INIT(USER_MANAGED) on a fresh file: %s", strerror(-ret));
	ck_assert_msg(vi.va_size > 0 && !(vi.va_start & (PAGE - 1)) && !(vi.va_size & (PAGE - 1)),
		      "VM_INIT range [0x%llx, +0x%llx) not page-aligned or empty",
		      (unsigned long long)vi.va_start, (unsigned long long)vi.va_size);
	ck_assert_msg(vi.va_start + vi.va_size > vi.va_start, "VM_INIT range wraps");
	ret = vm_init(f, DRM_DSB_VM_USER_MANAGED, 0, &vi2);
	ck_assert_msg(ret == 0, "second VM_INIT(USER_MANAGED): %d (%s), expected 0", ret,
		      strerror(-ret));
	ck_assert_msg(vi2.va_start == vi.va_start && vi2.va_size == vi.va_size,
		      "second VM_INIT reported another range");
	ret = vm_init(f, 0, 0, NULL);
	ck_assert_msg(ret == -EBUSY, "VM_INIT(0) on a user-managed file: %d (%s), expected -EBUSY",
		      ret, strerror(-ret));

	/* BO_CREATE and BO_INFO report VA 0 and map nothing. */
	ck_assert_int_eq(dsb_test_bo_create(f, 2 * PAGE, &bo), 0);
	ck_assert_msg(bo.va == 0, "BO_CREATE in a user-managed file: VA 0x%llx, expected 0",
		      (unsigned long long)bo.va);
	memset(&info, 0, sizeof(info));
	info.handle = bo.handle;
	ck_assert_int_eq(dsb_test_ioctl(f, DRM_IOCTL_DSB_BO_INFO, &info), 0);
	ck_assert_msg(info.va == 0 && info.size == 2 * PAGE,
		      "BO_INFO in a user-managed file: VA 0x%llx size %llu",
		      (unsigned long long)info.va, (unsigned long long)info.size);
	/* Still user-managed after a buffer: asking again succeeds, leaving does not. */
	ret = vm_init(f, DRM_DSB_VM_USER_MANAGED, 0, NULL);
	ck_assert_msg(ret == 0, "VM_INIT(USER_MANAGED) again with a buffer: %s", strerror(-ret));
	ret = vm_init(f, 0, 0, NULL);
	ck_assert_msg(ret == -EBUSY, "VM_INIT(0) with a buffer: %s", strerror(-ret));

	/* A queue's ring lies outside the user range. */
	q = queue_new(f, 64, 8, 0);
	ck_assert_msg(q.create.ring_va + q.ring_size <= vi.va_start ||
		      q.create.ring_va >= vi.va_start + vi.va_size,
		      "ring at 0x%llx inside the user range [0x%llx, +0x%llx)",
		      (unsigned long long)q.create.ring_va, (unsigned long long)vi.va_start,
		      (unsigned long long)vi.va_size);
	/* The file binds; the kernel-assigned file beside it still cannot. */
	op = op_map(bo.handle, 0, vi.va_start, 2 * PAGE);
	ck_assert_int_eq(vm_bind(f, &op, 1, NULL, 0, 0, &bad), 0);
	g = dsb_test_open_or_skip();
	op = op_sparse(vi.va_start + 4 * PAGE, PAGE);
	ck_assert_int_eq(vm_bind(g, &op, 1, NULL, 0, 0, &bad), -EINVAL);
	close(g);
	ck_assert_int_eq(dsb_test_queue_destroy(f, &q), 0);
	ck_assert_int_eq(dsb_test_bo_destroy(f, &bo), 0);
	close(f);
}
END_TEST

/* ================================================================================ */
/* model                                                                            */
/* ================================================================================ */

#define WIN		64u
#define NBO		4u
enum { PG_UNMAPPED, PG_SPARSE, PG_BO };

struct mpage {
	uint8_t kind, bo, ro;
	uint16_t pg;
};

static uint64_t rng_state;

static uint32_t rnd(uint32_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 16) % n;
}

/* Pages of buffer @k: distinct sizes name the buffer in dsb_vms. */
static unsigned int model_bo_pages(unsigned int k)
{
	return 24 + k;
}

static void model_apply(struct mpage *m, const struct drm_dsb_vm_bind_op *op, uint64_t win,
			const uint32_t *handles)
{
	unsigned int first = (unsigned int)((op->va - win) / PAGE);
	unsigned int n = (unsigned int)(op->range / PAGE);

	for (unsigned int i = 0; i < n; i++) {
		struct mpage *p = &m[first + i];

		memset(p, 0, sizeof(*p));
		if (op->op == DRM_DSB_VM_BIND_MAP_SPARSE) {
			p->kind = PG_SPARSE;
		} else if (op->op == DRM_DSB_VM_BIND_MAP) {
			p->kind = PG_BO;
			for (unsigned int k = 0; k < NBO; k++)
				if (handles[k] == op->handle)
					p->bo = (uint8_t)k;
			p->pg = (uint16_t)(op->bo_offset / PAGE + i);
			p->ro = !!(op->flags & DRM_DSB_VM_BIND_READONLY);
		}
	}
}

static void model_describe(const struct mpage *m, char *buf, size_t len)
{
	size_t o = 0;

	for (unsigned int i = 0; i < WIN && o + 1 < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s", m[i].kind == PG_UNMAPPED ? "." :
				      m[i].kind == PG_SPARSE ? "s" : m[i].ro ? "R" : "M");
}

/* The kernel's view of the window (dsb_vms) must be the model's, page by page. */
static void model_check_debugfs(const struct ctx *c, const struct mpage *m, uint64_t win,
				int call)
{
	struct vms v;

	/*
	 * A bind signals when it has taken effect, and leaves the pending
	 * count a moment later: wait for the count to settle.
	 */
	settle_binds(c, "model");
	vms_read(c, &v);
	ck_assert_msg(v.user, "dsb_vms: the file is not user-managed");
	for (unsigned int i = 0; i < WIN; i++) {
		uint64_t va = win + (uint64_t)i * PAGE;
		const struct vmap *k = vms_at(&v, va);

		switch (m[i].kind) {
		case PG_UNMAPPED:
			ck_assert_msg(!k, "call %d: dsb_vms maps page %u (0x%llx), the model does not",
				      call, i, (unsigned long long)va);
			break;
		case PG_SPARSE:
			ck_assert_msg(k && k->kind == 's',
				      "call %d: page %u (0x%llx) sparse in the model, dsb_vms: %s",
				      call, i, (unsigned long long)va,
				      !k ? "unmapped" : k->kind == 'b' ? "buffer" : "ring");
			break;
		default:
			ck_assert_msg(k && k->kind == 'b',
				      "call %d: page %u (0x%llx) maps a buffer in the model, dsb_vms: %s",
				      call, i, (unsigned long long)va,
				      !k ? "unmapped" : k->kind == 's' ? "sparse" : "ring");
			ck_assert_msg(k->size == (uint64_t)model_bo_pages(m[i].bo) * PAGE &&
				      (k->off + (va - k->start)) / PAGE == m[i].pg &&
				      k->ro == !!m[i].ro,
				      "call %d: page %u: dsb_vms buffer of 0x%llx bytes page %llu %s, model buffer %u (0x%llx bytes) page %u %s",
				      call, i, (unsigned long long)k->size,
				      (unsigned long long)((k->off + (va - k->start)) / PAGE),
				      k->ro ? "ro" : "rw", m[i].bo,
				      (unsigned long long)model_bo_pages(m[i].bo) * PAGE, m[i].pg,
				      m[i].ro ? "ro" : "rw");
		}
	}
	free(v.m);
}

/* A job copies every mapped or sparse page of the window; compare with the model. */
static void model_check_jobs(struct ctx *c, const struct mpage *m, uint64_t win, int call)
{
	uint64_t va[WIN];
	unsigned int idx[WIN], n = 0;
	char what[96], why[128], map[WIN + 1];

	for (unsigned int i = 0; i < WIN; i++)
		if (m[i].kind != PG_UNMAPPED) {
			idx[n] = i;
			va[n++] = win + (uint64_t)i * PAGE;
		}
	if (!n)
		return;
	model_describe(m, map, sizeof(map));
	snprintf(what, sizeof(what), "call %d: reading the window [%s]", call, map);
	copy_pages(c, va, n, 0, what);
	for (unsigned int j = 0; j < n; j++) {
		const struct mpage *p = &m[idx[j]];
		bool ok = p->kind == PG_SPARSE ? page_zero(res_page(c, j), why, sizeof(why)) :
			  page_has(res_page(c, j), p->bo, p->pg, why, sizeof(why));

		ck_assert_msg(ok, "call %d: window page %u [%s]: %s", call, idx[j], map, why);
	}
}

START_TEST(test_model)
{
	struct ctx c;
	struct dsb_test_bo bo[NBO];
	uint32_t handles[NBO];
	struct mpage m[WIN];
	uint64_t win, seed = 0x5eedf00dull;
	const char *env = getenv("VM_BIND_SEED");
	int calls = slow() ? 40 : 160, faults = 0, asyncs = 0;
	uint32_t so;

	REQUIRE_VM_BIND();
	if (env)
		seed = strtoull(env, NULL, 0);
	rng_state = seed ? seed : 1;
	printf("vm_bind model: seed 0x%llx (VM_BIND_SEED), %d calls\n", (unsigned long long)seed,
	       calls);
	ctx_open(&c, 1);
	win = va_of(&c, OFF_WIN);
	for (unsigned int k = 0; k < NBO; k++) {
		bo_new(&c, (uint64_t)model_bo_pages(k) * PAGE, &bo[k]);
		fill_pattern(&bo[k], k);
		handles[k] = bo[k].handle;
	}
	memset(m, 0, sizeof(m));
	so = syncobj_new(c.fd);

	/*
	 * First, deterministically: one call whose second operation splits a
	 * part the first one left of a mapping (UNMAP in the middle of A, then
	 * MAP_SPARSE inside its tail), sync then async.
	 */
	for (int async = 0; async < 2; async++) {
		struct drm_dsb_vm_bind_op ops[3] = {
			op_map(handles[0], 0, win, 16 * PAGE),
			op_unmap(win + 2 * PAGE, 2 * PAGE),
			op_sparse(win + 8 * PAGE, 2 * PAGE),
		};
		struct drm_dsb_sync_op sig = sync_signal(so);

		bind1(c.fd, ops[0]);
		model_apply(m, &ops[0], win, handles);
		if (async) {
			bind_async(c.fd, ops + 1, 2, &sig, 1);
			syncobj_wait(c.fd, so, "async bind splitting a part of a split");
		} else {
			bind_ok(c.fd, ops + 1, 2);
		}
		model_apply(m, &ops[1], win, handles);
		model_apply(m, &ops[2], win, handles);
		model_check_debugfs(&c, m, win, -1 - async);
		model_check_jobs(&c, m, win, -1 - async);
		bind1(c.fd, op_unmap(win, (uint64_t)WIN * PAGE));
		memset(m, 0, sizeof(m));
	}

	for (int call = 1; call <= calls; call++) {
		struct drm_dsb_vm_bind_op ops[4];
		bool used[WIN] = { false };
		unsigned int nops = 1 + rnd(4), n = 0;

		for (unsigned int tries = 0; n < nops && tries < 20; tries++) {
			unsigned int first = rnd(WIN), len = 1 + rnd(16), r = rnd(8);
			bool clash = false;

			if (first + len > WIN)
				len = WIN - first;
			for (unsigned int i = first; i < first + len; i++)
				clash |= used[i];
			if (clash)
				continue;
			for (unsigned int i = first; i < first + len; i++)
				used[i] = true;
			if (r < 4) {
				unsigned int k = rnd(NBO);
				unsigned int off = rnd(model_bo_pages(k) - len + 1);

				ops[n] = r == 0 ? op_map_ro(handles[k], (uint64_t)off * PAGE,
							    win + (uint64_t)first * PAGE,
							    (uint64_t)len * PAGE) :
					 op_map(handles[k], (uint64_t)off * PAGE,
						win + (uint64_t)first * PAGE, (uint64_t)len * PAGE);
			} else if (r < 6) {
				ops[n] = op_unmap(win + (uint64_t)first * PAGE, (uint64_t)len * PAGE);
			} else {
				ops[n] = op_sparse(win + (uint64_t)first * PAGE, (uint64_t)len * PAGE);
			}
			n++;
		}
		/* Every fourth call asynchronous, with no wait: it takes effect on its own. */
		if (call % 4 == 0) {
			struct drm_dsb_sync_op sig = sync_signal(so);

			ck_assert_int_eq(drmSyncobjReset(c.fd, &so, 1), 0);
			bind_async(c.fd, ops, n, &sig, 1);
			syncobj_wait(c.fd, so, "async model bind");
			asyncs++;
		} else {
			bind_ok(c.fd, ops, n);
		}
		for (unsigned int i = 0; i < n; i++)
			model_apply(m, &ops[i], win, handles);

		model_check_debugfs(&c, m, win, call);
		model_check_jobs(&c, m, win, call);
		/* Every third call: a random unmapped page faults. */
		if (call % 3 == 0) {
			unsigned int un[WIN], nu = 0;

			for (unsigned int i = 0; i < WIN; i++)
				if (m[i].kind == PG_UNMAPPED)
					un[nu++] = i;
			if (nu) {
				unsigned int i = un[rnd(nu)];
				char what[64];

				snprintf(what, sizeof(what), "call %d: unmapped window page %u", call, i);
				expect_unmapped(&c, win + (uint64_t)i * PAGE, what);
				faults++;
			}
		}
	}
	/* Unmapping the whole window leaves nothing; every page faults. */
	bind1(c.fd, op_unmap(win, (uint64_t)WIN * PAGE));
	memset(m, 0, sizeof(m));
	model_check_debugfs(&c, m, win, calls + 1);
	expect_unmapped(&c, win, "the window's first page after UNMAP of it all");
	expect_unmapped(&c, win + (WIN - 1) * PAGE, "the window's last page after UNMAP of it all");
	printf("vm_bind model: %d calls (%d async), %d unmapped pages probed\n", calls, asyncs,
	       faults);
	ctx_close(&c);
}
END_TEST

/* ================================================================================ */
/* sparse                                                                           */
/* ================================================================================ */

START_TEST(test_sparse)
{
	struct ctx c;
	struct dsb_test_bo a;
	struct dsb_test_cmdbuf cb;
	uint64_t s, cva, va[4];
	struct vms v;
	const struct vmap *k;

	REQUIRE_VM_BIND();
	ctx_open(&c, 1);
	s = va_of(&c, OFF_AREA);
	bind1(c.fd, op_sparse(s, 4 * PAGE));
	vms_read(&c, &v);
	k = vms_at(&v, s);
	ck_assert_msg(k && k->kind == 's' && k->start <= s && k->end >= s + 4 * PAGE,
		      "dsb_vms does not show the sparse range");
	free(v.m);

	/* Reads zero. */
	for (int i = 0; i < 4; i++)
		va[i] = s + (uint64_t)i * PAGE;
	copy_pages(&c, va, 4, 0, "COPY out of a sparse range");
	for (unsigned int i = 0; i < 4; i++)
		assert_zero(&c, i, "sparse read");

	/* Writes of every kind are dropped, and nothing faults. */
	cva = cmd_new(&c, &cb);
	emit(dsb_test_cmd_fill(&cb, s, 0xdeadbeef, 2 * PAGE));
	emit(dsb_test_cmd_write(&cb, s + 2 * PAGE + 8, 0x1234567890abcdefull));
	emit(dsb_test_cmd_atomic_add(&cb, s + 3 * PAGE, 5));
	emit(dsb_test_cmd_atomic_add(&cb, s + 3 * PAGE, 7));
	emit(dsb_test_cmd_timestamp(&cb, s + 3 * PAGE + 64));
	emit(dsb_test_cmd_copy(&cb, s + PAGE, c.ctl.va, 64));	/* into sparse */
	emit(dsb_test_cmd_copy(&cb, s + 2 * PAGE, s, PAGE));	/* sparse to sparse */
	/* MEMWAIT reads zero: >= 0 passes at once. */
	emit(dsb_test_cmd_memwait(&cb, s + 3 * PAGE, 0, 1));
	/* An ATOMIC_ADD's result, copied out, is zero too. */
	emit(dsb_test_cmd_copy(&cb, c.res.va + 8 * PAGE, s + 3 * PAGE, 64));
	memset((char *)c.res.map + 8 * PAGE, 0x77, 64);
	run_ok(&c, 0, cva, &cb, "FILL, WRITE, ATOMIC_ADD, TIMESTAMP, COPY, MEMWAIT on sparse");
	for (int i = 0; i < 8; i++)
		ck_assert_msg(((volatile uint64_t *)((char *)c.res.map + 8 * PAGE))[i] == 0,
			      "ATOMIC_ADD on sparse: read back word %d = 0x%llx, expected 0", i,
			      (unsigned long long)((volatile uint64_t *)((char *)c.res.map + 8 * PAGE))[i]);
	copy_pages(&c, va, 4, 0, "COPY out of a sparse range after writes into it");
	for (unsigned int i = 0; i < 4; i++)
		assert_zero(&c, i, "sparse read after writes");

	/* A buffer over half of it: its data there, zeros still beside it. */
	bo_new(&c, 2 * PAGE, &a);
	fill_pattern(&a, 1);
	bind1(c.fd, op_map(a.handle, 0, s + PAGE, 2 * PAGE));
	copy_pages(&c, va, 4, 0, "reading sparse around a buffer");
	assert_zero(&c, 0, "sparse page 0 beside a buffer");
	assert_page(&c, 1, 1, 0, "buffer over sparse page 1");
	assert_page(&c, 2, 1, 1, "buffer over sparse page 2");
	assert_zero(&c, 3, "sparse page 3 beside a buffer");
	/* Sparse over the buffer's second page, then unmap the first sparse page. */
	bind1(c.fd, op_sparse(s + 2 * PAGE, PAGE));
	bind1(c.fd, op_unmap(s, PAGE));
	copy_pages(&c, va + 1, 3, 0, "reading after re-sparse and a partial unmap");
	assert_page(&c, 0, 1, 0, "buffer page kept");
	assert_zero(&c, 1, "sparse over a buffer page");
	assert_zero(&c, 2, "sparse page 3");
	expect_unmapped(&c, s, "the unmapped first page of a sparse range");
	/* The buffer was never written through the sparse pages. */
	{
		char why[128];

		ck_assert_msg(page_has((uint32_t *)a.map, 1, 0, why, sizeof(why)) &&
			      page_has((uint32_t *)((char *)a.map + PAGE), 1, 1, why, sizeof(why)),
			      "buffer under sparse changed: %s", why);
	}
	ctx_close(&c);
}
END_TEST

/* ================================================================================ */
/* errors                                                                           */
/* ================================================================================ */

struct bad_case {
	const char *what;
	struct drm_dsb_vm_bind_op op;
	int err;
};

/* A call that fails must say so with @err and bad_op @bad, whatever it holds. */
static void expect_bind_err(int f, const struct drm_dsb_vm_bind_op *ops, uint32_t n,
			    const struct drm_dsb_sync_op *syncs, uint32_t ns, uint32_t flags,
			    int err, int bad, const char *what)
{
	uint32_t got_bad = 0;
	int ret = vm_bind(f, ops, n, syncs, ns, flags, &got_bad);

	ck_assert_msg(ret == err, "%s%s: %d (%s), expected %d (%s)", what,
		      flags & DRM_DSB_VM_BIND_ASYNC ? " (async)" : "", ret, strerror(-ret), err,
		      strerror(-err));
	if (bad >= 0)
		ck_assert_msg(got_bad == (uint32_t)bad, "%s: bad_op %u, expected %d", what, got_bad,
			      bad);
}

START_TEST(test_errors)
{
	struct ctx c;
	struct dsb_test_bo a;
	uint64_t e, f_, end;
	char *before, *after;
	uint32_t so, sig_so, bad;
	struct drm_dsb_vm_bind_op ops[3];
	struct drm_dsb_sync_op syncs[DRM_DSB_MAX_SYNC_OPS + 1];
	uint64_t va[4];
	void *none;
	int ret;
	int64_t t0;

	REQUIRE_VM_BIND();
	ctx_open(&c, 1);
	e = va_of(&c, OFF_AREA);
	f_ = e + 0x100000;
	end = c.va_start + c.va_size;
	bo_new(&c, 4 * PAGE, &a);
	fill_pattern(&a, 2);
	bind1(c.fd, op_map(a.handle, 0, e, 4 * PAGE));
	before = vms_block(c.client);
	ck_assert_ptr_nonnull(before);

	{
		uint32_t h = a.handle;
		const struct bad_case cases[] = {
			{ "MAP at a misaligned va", op_map(h, 0, f_ + 0x800, PAGE), -EINVAL },
			{ "MAP at va + 8", op_map(h, 0, f_ + 8, PAGE), -EINVAL },
			{ "MAP of a misaligned range", op_map(h, 0, f_, PAGE + 8), -EINVAL },
			{ "MAP of half a page", op_map(h, 0, f_, PAGE / 2), -EINVAL },
			{ "MAP at a misaligned offset", op_map(h, 8, f_, PAGE), -EINVAL },
			{ "MAP of a zero range", op_map(h, 0, f_, 0), -EINVAL },
			{ "UNMAP of a zero range", op_unmap(f_, 0), -EINVAL },
			{ "MAP_SPARSE of a zero range", op_sparse(f_, 0), -EINVAL },
			{ "UNMAP at a misaligned va", op_unmap(f_ + 16, PAGE), -EINVAL },
			{ "MAP_SPARSE of a misaligned range", op_sparse(f_, PAGE + 1), -EINVAL },
			{ "MAP past the buffer (range)", op_map(h, 0, f_, 5 * PAGE), -EINVAL },
			{ "MAP past the buffer (offset at its end)", op_map(h, 4 * PAGE, f_, PAGE), -EINVAL },
			{ "MAP past the buffer (offset + range)", op_map(h, 3 * PAGE, f_, 2 * PAGE), -EINVAL },
			{ "MAP at an offset that wraps", op_map(h, ~0ull & ~(uint64_t)(PAGE - 1), f_, 2 * PAGE), -EINVAL },
			{ "MAP past the end of the range", op_map(h, 0, end, PAGE), -EINVAL },
			{ "MAP across the end of the range", op_map(h, 0, end - PAGE, 2 * PAGE), -EINVAL },
			{ "MAP_SPARSE across the end of the range", op_sparse(end - PAGE, 2 * PAGE), -EINVAL },
			{ "UNMAP past the end of the range", op_unmap(end, PAGE), -EINVAL },
			{ "MAP_SPARSE whose end wraps", op_sparse(~0ull & ~(uint64_t)(PAGE - 1), 2 * PAGE), -EINVAL },
			{ "MAP_SPARSE of a huge range", op_sparse(f_, ~0ull & ~(uint64_t)(PAGE - 1)), -EINVAL },
			{ "MAP of handle 0", op_map(0, 0, f_, PAGE), -ENOENT },
			{ "MAP of an unknown handle", op_map(h + 1000, 0, f_, PAGE), -ENOENT },
		};
		struct drm_dsb_vm_bind_op o;

		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			/* A valid operation first: it must not take effect either. */
			ops[0] = op_unmap(e, 4 * PAGE);
			ops[1] = cases[i].op;
			expect_bind_err(c.fd, ops, 2, NULL, 0, 0, cases[i].err, 1, cases[i].what);
			expect_bind_err(c.fd, ops, 2, NULL, 0, DRM_DSB_VM_BIND_ASYNC, cases[i].err, 1,
					cases[i].what);
		}
		if (c.va_start >= PAGE) {
			ops[1] = op_map(h, 0, c.va_start - PAGE, PAGE);
			expect_bind_err(c.fd, ops, 2, NULL, 0, 0, -EINVAL, 1, "MAP below the range");
			ops[1] = op_sparse(c.va_start - PAGE, 2 * PAGE);
			expect_bind_err(c.fd, ops, 2, NULL, 0, 0, -EINVAL, 1,
					"MAP_SPARSE across the start of the range");
		}
		/* Fields that belong to other operations, and unknown ones. */
		o = op_unmap(f_, PAGE);
		o.handle = h;
		ops[1] = o;
		expect_bind_err(c.fd, ops, 2, NULL, 0, 0, -EINVAL, 1, "UNMAP with a handle");
		o = op_unmap(f_, PAGE);
		o.bo_offset = PAGE;
		ops[1] = o;
		expect_bind_err(c.fd, ops, 2, NULL, 0, 0, -EINVAL, 1, "UNMAP with a bo_offset");
		o = op_sparse(f_, PAGE);
		o.handle = h;
		ops[1] = o;
		expect_bind_err(c.fd, ops, 2, NULL, 0, 0, -EINVAL, 1, "MAP_SPARSE with a handle");
		o = op_sparse(f_, PAGE);
		o.bo_offset = PAGE;
		ops[1] = o;
		expect_bind_err(c.fd, ops, 2, NULL, 0, 0, -EINVAL, 1, "MAP_SPARSE with a bo_offset");
		o = op_unmap(f_, PAGE);
		o.flags = DRM_DSB_VM_BIND_READONLY;
		ops[1] = o;
		expect_bind_err(c.fd, ops, 2, NULL, 0, 0, -EINVAL, 1, "UNMAP with READONLY");
		o = op_sparse(f_, PAGE);
		o.flags = DRM_DSB_VM_BIND_READONLY;
		ops[1] = o;
		expect_bind_err(c.fd, ops, 2, NULL, 0, 0, -EINVAL, 1, "MAP_SPARSE with READONLY");
		o = op_map(h, 0, f_, PAGE);
		o.flags = 1u << 1;
		ops[1] = o;
		expect_bind_err(c.fd, ops, 2, NULL, 0, 0, -EINVAL, 1, "MAP with an unknown flag");
		o.flags = 1u << 31;
		ops[1] = o;
		expect_bind_err(c.fd, ops, 2, NULL, 0, 0, -EINVAL, 1, "MAP with flag bit 31");
		o = op_map(h, 0, f_, PAGE);
		o.pad = 1;
		ops[1] = o;
		expect_bind_err(c.fd, ops, 2, NULL, 0, 0, -EINVAL, 1, "MAP with a nonzero pad");
		o = op_sparse(f_, PAGE);
		o.op = 3;
		ops[1] = o;
		expect_bind_err(c.fd, ops, 2, NULL, 0, 0, -EINVAL, 1, "operation 3");
		o.op = ~0u;
		ops[1] = o;
		expect_bind_err(c.fd, ops, 2, NULL, 0, 0, -EINVAL, 1, "operation ~0");

		/* Overlapping operations: bad_op is the second of the pair. */
		ops[0] = op_unmap(e, 4 * PAGE);
		ops[1] = op_sparse(e + 3 * PAGE, 2 * PAGE);
		expect_bind_err(c.fd, ops, 2, NULL, 0, 0, -EINVAL, 1, "MAP_SPARSE overlapping an UNMAP");
		ops[1] = op_map(h, 0, f_, 2 * PAGE);
		ops[2] = op_sparse(f_ + PAGE, 2 * PAGE);
		expect_bind_err(c.fd, ops, 3, NULL, 0, 0, -EINVAL, 2, "MAP_SPARSE overlapping a MAP");
		ops[1] = op_map(h, 0, f_, PAGE);
		ops[2] = op_map(h, 0, f_, PAGE);
		expect_bind_err(c.fd, ops, 3, NULL, 0, 0, -EINVAL, 2, "the same MAP twice");
		ops[1] = op_sparse(f_ + PAGE, PAGE);
		ops[2] = op_unmap(f_, 4 * PAGE);
		expect_bind_err(c.fd, ops, 3, NULL, 0, DRM_DSB_VM_BIND_ASYNC, -EINVAL, 2,
				"an UNMAP around a MAP_SPARSE");
		ops[1] = op_sparse(f_ + 2 * PAGE, PAGE);
		ops[2] = op_unmap(e + 2 * PAGE, PAGE);
		expect_bind_err(c.fd, ops, 3, NULL, 0, 0, -EINVAL, 2,
				"the third operation inside the first");
	}

	/* Bad call flags and arrays. */
	ops[0] = op_unmap(e, 4 * PAGE);
	expect_bind_err(c.fd, ops, 1, NULL, 0, 1u << 1, -EINVAL, -1, "VM_BIND flag 1 << 1");
	expect_bind_err(c.fd, ops, 1, NULL, 0, 1u << 31, -EINVAL, -1, "VM_BIND flag 1 << 31");
	{
		struct {
			struct drm_dsb_vm_bind_op op;
			uint64_t tail;
		} big[2];
		struct drm_dsb_vm_bind b = {
			.ops = { .stride = sizeof(big[0]), .count = 2, .array = (uintptr_t)big },
		};

		memset(big, 0, sizeof(big));
		big[0].op = op_unmap(e, 4 * PAGE);
		big[1].op = op_sparse(f_, PAGE);
		big[1].tail = 1;
		ret = dsb_test_ioctl(c.fd, DRM_IOCTL_DSB_VM_BIND, &b);
		ck_assert_msg(ret == -EINVAL, "an operation with nonzero bytes past the known structure: %s",
			      strerror(-ret));
		b.ops.stride = DRM_DSB_MAX_STRIDE + 8;
		big[1].tail = 0;
		ret = dsb_test_ioctl(c.fd, DRM_IOCTL_DSB_VM_BIND, &b);
		ck_assert_msg(ret == -EINVAL || ret == -EFAULT,
			      "operations with a stride above DRM_DSB_MAX_STRIDE: %s", strerror(-ret));
	}

	/* Sync operations: bad ones fail the call, and the good signal gets nothing. */
	so = syncobj_new(c.fd);
	sig_so = syncobj_new(c.fd);
	ck_assert_int_eq(drmSyncobjSignal(c.fd, &so, 1), 0);
	{
		struct {
			const char *what;
			struct drm_dsb_sync_op op;
			int err;
		} sc[] = {
			{ "an unknown sync flag", { .flags = 1u << 4, .handle = so }, -EINVAL },
			{ "a binary wait with a point", { .flags = 0, .handle = so, .point = 1 }, -EINVAL },
			{ "a wait on an unknown syncobj", sync_wait(so + 1000), -ENOENT },
			{ "a signal of an unknown syncobj", sync_signal(so + 1000), -ENOENT },
			{ "a signal of a sync_file", { .flags = DRM_DSB_SYNC_OP_SIGNAL | DRM_DSB_SYNC_OP_SYNC_FILE, .handle = 0 }, -EINVAL },
			{ "a signal of a queue", { .flags = DRM_DSB_SYNC_OP_SIGNAL | DRM_DSB_SYNC_OP_QUEUE, .handle = c.q[0].q.id, .point = 1 }, -EINVAL },
			{ "a wait on a closed sync_file fd", sf_wait(1000), -EBADF },
			{ "a wait on an unknown queue", { .flags = DRM_DSB_SYNC_OP_QUEUE, .handle = 999, .point = 1 }, -ENOENT },
			{ "a wait on seqno 0 of a queue", { .flags = DRM_DSB_SYNC_OP_QUEUE, .handle = c.q[0].q.id, .point = 0 }, -EINVAL },
			{ "a wait on a job not yet submitted", { .flags = DRM_DSB_SYNC_OP_QUEUE, .handle = c.q[0].q.id, .point = 1000000 }, -EINVAL },
		};

		for (size_t i = 0; i < sizeof(sc) / sizeof(sc[0]); i++)
			for (int async = 0; async < 2; async++) {
				syncs[0] = sync_wait(so);
				syncs[1] = sc[i].op;
				syncs[2] = sync_signal(sig_so);
				expect_bind_err(c.fd, ops, 1, syncs, 3,
						async ? DRM_DSB_VM_BIND_ASYNC : 0, sc[i].err, -1,
						sc[i].what);
				ck_assert_msg(!syncobj_signalled(c.fd, sig_so),
					      "%s: the failed call's signal syncobj got a fence",
					      sc[i].what);
			}
		for (int i = 0; i <= DRM_DSB_MAX_SYNC_OPS; i++)
			syncs[i] = sync_wait(so);
		ret = vm_bind(c.fd, ops, 1, syncs, DRM_DSB_MAX_SYNC_OPS + 1, DRM_DSB_VM_BIND_ASYNC, &bad);
		ck_assert_msg(ret == -EINVAL || ret == -E2BIG,
			      "%d sync operations: %d (%s), expected -EINVAL (or -E2BIG)",
			      DRM_DSB_MAX_SYNC_OPS + 1, ret, strerror(-ret));
	}

	/* -E2BIG before the array is read, however bogus its pointer. */
	{
		struct drm_dsb_vm_bind b = {
			.ops = { .stride = sizeof(struct drm_dsb_vm_bind_op),
				 .count = DRM_DSB_MAX_BIND_OPS + 1, .array = 0x1000 },
		};

		ret = dsb_test_ioctl(c.fd, DRM_IOCTL_DSB_VM_BIND, &b);
		ck_assert_msg(ret == -E2BIG, "MAX_BIND_OPS + 1 operations at a bad pointer: %d (%s), expected -E2BIG",
			      ret, strerror(-ret));
		b.ops.count = 1000000000u;
		t0 = dsb_test_now_ns();
		ret = dsb_test_ioctl(c.fd, DRM_IOCTL_DSB_VM_BIND, &b);
		ck_assert_msg(ret == -E2BIG, "10^9 operations at a bad pointer: %d (%s), expected -E2BIG",
			      ret, strerror(-ret));
		ck_assert_msg(dsb_test_now_ns() - t0 < (slow() ? 2 : 1) * SEC_NS,
			      "-E2BIG for 10^9 operations took %lld ms",
			      (long long)((dsb_test_now_ns() - t0) / MS_NS));
		b.flags = DRM_DSB_VM_BIND_ASYNC;
		b.ops.count = ~0u;
		ret = dsb_test_ioctl(c.fd, DRM_IOCTL_DSB_VM_BIND, &b);
		ck_assert_msg(ret == -E2BIG, "~0 async operations: %s", strerror(-ret));
	}

	/* -EFAULT: an unmapped page, a PROT_NONE page, an array running into one, bad syncs. */
	none = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(none, MAP_FAILED);
	ck_assert_int_eq(mprotect((char *)none + PAGE, PAGE, PROT_NONE), 0);
	{
		struct drm_dsb_vm_bind_op *edge =
			(struct drm_dsb_vm_bind_op *)((char *)none + PAGE) - 1;
		struct drm_dsb_vm_bind b = {
			.ops = { .stride = sizeof(struct drm_dsb_vm_bind_op), .count = 1,
				 .array = 0x1000 },
		};

		ret = dsb_test_ioctl(c.fd, DRM_IOCTL_DSB_VM_BIND, &b);
		ck_assert_msg(ret == -EFAULT, "operations at 0x1000: %d (%s), expected -EFAULT", ret,
			      strerror(-ret));
		b.ops.array = 0;
		ret = dsb_test_ioctl(c.fd, DRM_IOCTL_DSB_VM_BIND, &b);
		ck_assert_msg(ret == -EFAULT, "operations at NULL: %s", strerror(-ret));
		b.ops.array = (uintptr_t)((char *)none + PAGE);
		ret = dsb_test_ioctl(c.fd, DRM_IOCTL_DSB_VM_BIND, &b);
		ck_assert_msg(ret == -EFAULT, "operations in a PROT_NONE page: %s", strerror(-ret));
		/* The first operation readable (and valid), the second in the hole. */
		*edge = op_unmap(e, 4 * PAGE);
		b.ops.array = (uintptr_t)edge;
		b.ops.count = 2;
		ret = dsb_test_ioctl(c.fd, DRM_IOCTL_DSB_VM_BIND, &b);
		ck_assert_msg(ret == -EFAULT, "a second operation in a PROT_NONE page: %s",
			      strerror(-ret));
		b.flags = DRM_DSB_VM_BIND_ASYNC;
		ret = dsb_test_ioctl(c.fd, DRM_IOCTL_DSB_VM_BIND, &b);
		ck_assert_msg(ret == -EFAULT, "async, a second operation in a PROT_NONE page: %s",
			      strerror(-ret));
		b.flags = 0;
		b.ops.count = 1;
		b.syncs = (struct drm_dsb_obj_array){ .stride = sizeof(struct drm_dsb_sync_op),
						      .count = 1,
						      .array = (uintptr_t)((char *)none + PAGE) };
		ret = dsb_test_ioctl(c.fd, DRM_IOCTL_DSB_VM_BIND, &b);
		ck_assert_msg(ret == -EFAULT, "sync operations in a PROT_NONE page: %s", strerror(-ret));
		b.flags = DRM_DSB_VM_BIND_ASYNC;
		ret = dsb_test_ioctl(c.fd, DRM_IOCTL_DSB_VM_BIND, &b);
		ck_assert_msg(ret == -EFAULT, "async, sync operations in a PROT_NONE page: %s",
			      strerror(-ret));
	}
	munmap(none, 2 * PAGE);
	ret = dsb_test_ioctl(c.fd, DRM_IOCTL_DSB_VM_BIND, NULL);
	ck_assert_msg(ret == -EFAULT, "VM_BIND with a NULL argument: %s", strerror(-ret));

	/* Nothing changed: dsb_vms as before, the buffer still read through e. */
	after = vms_block(c.client);
	ck_assert_ptr_nonnull(after);
	ck_assert_msg(!strcmp(before, after), "failed calls changed the VM:\nbefore:\n%s\nafter:\n%s",
		      before, after);
	for (int i = 0; i < 4; i++)
		va[i] = e + (uint64_t)i * PAGE;
	copy_pages(&c, va, 4, 0, "reading the buffer after failed calls");
	for (unsigned int i = 0; i < 4; i++)
		assert_page(&c, i, 2, i, "buffer after failed calls");
	expect_unmapped(&c, f_, "a VA only failed calls named");

	/* Controls: a larger stride with zero bytes past the structure is fine,
	 * adjacent operations are not overlapping, unmapping a hole is fine. */
	{
		struct {
			struct drm_dsb_vm_bind_op op;
			uint64_t tail;
		} big[2];
		struct drm_dsb_vm_bind b = {
			.ops = { .stride = sizeof(big[0]), .count = 2, .array = (uintptr_t)big },
		};

		memset(big, 0, sizeof(big));
		big[0].op = op_sparse(f_, PAGE);
		big[1].op = op_sparse(f_ + PAGE, PAGE);
		ret = dsb_test_ioctl(c.fd, DRM_IOCTL_DSB_VM_BIND, &b);
		ck_assert_msg(ret == 0, "a stride past the structure with zero tail bytes: %s",
			      strerror(-ret));
	}
	ops[0] = op_map(a.handle, 0, f_ + 4 * PAGE, PAGE);
	ops[1] = op_map(a.handle, PAGE, f_ + 5 * PAGE, PAGE);
	bind_ok(c.fd, ops, 2);
	bind1(c.fd, op_unmap(f_ + 64 * PAGE, 64 * PAGE));
	bind1(c.fd, op_unmap(f_, 8 * PAGE));
	free(before);
	free(after);
	ctx_close(&c);
}
END_TEST

/* ================================================================================ */
/* readonly                                                                         */
/* ================================================================================ */

START_TEST(test_readonly)
{
	struct ctx c;
	struct dsb_test_bo r;
	struct dsb_test_cmdbuf cb;
	uint64_t rv, cva, va[2];
	struct probe p;
	struct vms v;
	const struct vmap *k;
	char why[128];

	REQUIRE_VM_BIND();
	ctx_open(&c, 1);
	rv = va_of(&c, OFF_AREA);
	bo_new(&c, 2 * PAGE, &r);
	fill_pattern(&r, 3);
	bind1(c.fd, op_map_ro(r.handle, 0, rv, 2 * PAGE));
	vms_read(&c, &v);
	k = vms_at(&v, rv);
	ck_assert_msg(k && k->kind == 'b' && k->ro, "dsb_vms: the READONLY mapping is not 'ro'");
	free(v.m);

	/* Reads work. */
	va[0] = rv;
	va[1] = rv + PAGE;
	copy_pages(&c, va, 2, 0, "reading a READONLY mapping");
	assert_page(&c, 0, 3, 0, "READONLY page 0");
	assert_page(&c, 1, 3, 1, "READONLY page 1");

	/* Each kind of write faults as a write into a ring, and writes nothing. */
	cva = cmd_new(&c, &cb);
	emit(dsb_test_cmd_write(&cb, rv + 64, 1));
	p = run_fresh(&c, cva, &cb);
	expect_fault(&p, DRM_DSB_FAULT_RING_WRITE, rv + 64, 8, "WRITE into a READONLY mapping");
	cva = cmd_new(&c, &cb);
	emit(dsb_test_cmd_copy(&cb, rv + PAGE, c.res.va, 128));
	p = run_fresh(&c, cva, &cb);
	expect_fault(&p, DRM_DSB_FAULT_RING_WRITE, rv + PAGE, 128, "COPY into a READONLY mapping");
	cva = cmd_new(&c, &cb);
	emit(dsb_test_cmd_fill(&cb, rv, 0x0badf00d, PAGE));
	p = run_fresh(&c, cva, &cb);
	expect_fault(&p, DRM_DSB_FAULT_RING_WRITE, rv, PAGE, "FILL into a READONLY mapping");
	cva = cmd_new(&c, &cb);
	emit(dsb_test_cmd_atomic_add(&cb, rv + 8, 1));
	p = run_fresh(&c, cva, &cb);
	expect_fault(&p, DRM_DSB_FAULT_RING_WRITE, rv + 8, 8, "ATOMIC_ADD on a READONLY mapping");
	cva = cmd_new(&c, &cb);
	emit(dsb_test_cmd_timestamp(&cb, rv + 16));
	p = run_fresh(&c, cva, &cb);
	expect_fault(&p, DRM_DSB_FAULT_RING_WRITE, rv + 16, 8, "TIMESTAMP into a READONLY mapping");
	ck_assert_msg(page_has(r.map, 3, 0, why, sizeof(why)) &&
		      page_has((uint32_t *)((char *)r.map + PAGE), 3, 1, why, sizeof(why)),
		      "READONLY buffer written: %s", why);
	/* A MEMWAIT only reads. */
	cva = cmd_new(&c, &cb);
	emit(dsb_test_cmd_memwait(&cb, rv, 1, 0));
	run_ok(&c, 0, cva, &cb, "MEMWAIT on a READONLY mapping");

	/* The same buffer mapped read-write elsewhere, and over the RO range. */
	bind1(c.fd, op_map(r.handle, 0, rv + 4 * PAGE, PAGE));
	cva = cmd_new(&c, &cb);
	emit(dsb_test_cmd_write(&cb, rv + 4 * PAGE, 0x1111));
	run_ok(&c, 0, cva, &cb, "WRITE through a read-write mapping of the same buffer");
	ck_assert_uint_eq(((volatile uint64_t *)r.map)[0], 0x1111);
	bind1(c.fd, op_map(r.handle, PAGE, rv + PAGE, PAGE));	/* page 1 now RW */
	cva = cmd_new(&c, &cb);
	emit(dsb_test_cmd_write(&cb, rv + PAGE + 8, 0x2222));
	run_ok(&c, 0, cva, &cb, "WRITE after remapping read-write");
	ck_assert_uint_eq(((volatile uint64_t *)((char *)r.map + PAGE))[1], 0x2222);
	cva = cmd_new(&c, &cb);
	emit(dsb_test_cmd_write(&cb, rv + 24, 3));
	p = run_fresh(&c, cva, &cb);
	expect_fault(&p, DRM_DSB_FAULT_RING_WRITE, rv + 24, 8,
		     "WRITE into the READONLY part left after a split");
	ctx_close(&c);
}
END_TEST

/* ================================================================================ */
/* async                                                                            */
/* ================================================================================ */

struct sync_bind_thread {
	int fd;
	struct drm_dsb_vm_bind_op op;
	bool raw;		/* a plain ioctl(): EINTR is not retried */
	volatile int done;
	int ret;
};

static void *sync_bind_main(void *arg)
{
	struct sync_bind_thread *t = arg;

	if (t->raw) {
		struct drm_dsb_vm_bind b = {
			.ops = { .stride = sizeof(t->op), .count = 1, .array = (uintptr_t)&t->op },
		};

		t->ret = ioctl(t->fd, DRM_IOCTL_DSB_VM_BIND, &b) ? -errno : 0;
	} else {
		t->ret = vm_bind(t->fd, &t->op, 1, NULL, 0, 0, NULL);
	}
	__atomic_store_n(&t->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void on_usr1(int sig)
{
	(void)sig;
}

START_TEST(test_async)
{
	struct ctx c;
	struct dsb_test_bo x, y, z;
	struct dsb_test_cmdbuf cb;
	uint64_t p, q, r, cva, seq_a, seq_d, seq_b, va[2];
	uint32_t s1, s2, t, s3;
	struct drm_dsb_sync_op sy[3];
	struct sync_bind_thread th;
	pthread_t tid;
	struct vms v;
	int32_t err;
	int ret;

	REQUIRE_VM_BIND();
	ctx_open(&c, 3);
	p = va_of(&c, OFF_AREA);
	q = p + 0x100000;
	r = p + 0x200000;
	bo_new(&c, PAGE, &x);
	bo_new(&c, PAGE, &y);
	bo_new(&c, PAGE, &z);
	fill_pattern(&x, 1);
	fill_pattern(&y, 2);
	fill_pattern(&z, 3);
	bind1(c.fd, op_map(x.handle, 0, p, PAGE));
	s1 = syncobj_new(c.fd);
	s2 = syncobj_new(c.fd);
	t = syncobj_new(c.fd);

	/* Job A on queue 0 holds S1 until the gate opens. */
	sy[0] = sync_signal(s1);
	seq_a = gate_job(&c, 0, 0, sy, 1);
	/* Bind 1 waits for S1: Y at P; signals S2 and T point 1. */
	sy[0] = sync_wait(s1);
	sy[1] = sync_signal(s2);
	sy[2] = tl_signal(t, 1);
	{
		struct drm_dsb_vm_bind_op o = op_map(y.handle, 0, p, PAGE);

		bind_async(c.fd, &o, 1, sy, 3);
	}
	/* Bind 2 waits for nothing, but comes after bind 1: Z at Q; T point 2. */
	sy[0] = tl_signal(t, 2);
	{
		struct drm_dsb_vm_bind_op o = op_map(z.handle, 0, q, PAGE);

		bind_async(c.fd, &o, 1, sy, 1);
	}
	usleep(100 * 1000);
	vms_read(&c, &v);
	ck_assert_msg(v.pending == 2, "dsb_vms: %u binds pending, expected 2 (one blocked on a syncobj, one behind it)",
		      v.pending);
	ck_assert_msg(!vms_at(&v, q), "bind 2 took effect before bind 1, which is blocked");
	ck_assert_msg(vms_at(&v, p) && vms_at(&v, p)->size == PAGE, "P lost its mapping");
	free(v.m);
	ck_assert_msg(tl_point(c.fd, t) == 0, "timeline at %llu while bind 1 is blocked",
		      (unsigned long long)tl_point(c.fd, t));
	ck_assert_msg(!syncobj_signalled(c.fd, s2), "S2 signalled while bind 1 is blocked");
	ck_assert_msg(running(&c, 0, seq_a), "the gate job completed with its gate closed");

	/* Meanwhile the old mapping is in effect for a job on queue 1. */
	copy_pages_q(&c, 1, &p, 1, 0, "reading P while bind 1 is pending");
	assert_page(&c, 0, 1, 0, "P while the bind replacing it is pending");
	/* Job D on queue 1 waits for T point 2 (bind 2): it reads both. */
	cva = cmd_new(&c, &cb);
	emit(dsb_test_cmd_copy(&cb, c.res.va + 4 * PAGE, p, PAGE));
	emit(dsb_test_cmd_copy(&cb, c.res.va + 5 * PAGE, q, PAGE));
	sy[0] = tl_wait(t, 2);
	ret = submit_raw(&c, 1, cva, &cb, sy, 1, &seq_d);
	ck_assert_msg(ret == 0, "SUBMIT of a job waiting for an async bind's timeline point: %s (the bind's fence belongs in the syncobj at VM_BIND time)",
		      strerror(-ret));
	/* Job B on queue 2 waits for S2 (bind 1) and reads P. */
	cva = cmd_new(&c, &cb);
	emit(dsb_test_cmd_copy(&cb, c.res.va + 6 * PAGE, p, PAGE));
	sy[0] = sync_wait(s2);
	ret = submit_raw(&c, 2, cva, &cb, sy, 1, &seq_b);
	ck_assert_msg(ret == 0, "SUBMIT of a job waiting for an async bind's binary syncobj: %s",
		      strerror(-ret));
	usleep(100 * 1000);
	ck_assert_msg(running(&c, 1, seq_d), "job D ran before the bind it waits for");
	ck_assert_msg(running(&c, 2, seq_b), "job B ran before the bind it waits for");
	/* A job on queue 1 behind D, and queue 0's A, are blocked; queue 2 has B. */

	gate_open(&c, 0);
	ck_assert_int_eq(wait_q(&c, 0, seq_a), 0);
	syncobj_wait(c.fd, s2, "S2 after bind 1's wait signalled");
	tl_wait_cpu(c.fd, t, 2, "bind 2");
	err = wait_q(&c, 2, seq_b);
	ck_assert_msg(err == 0, "job B: %d", err);
	err = wait_q(&c, 1, seq_d);
	ck_assert_msg(err == 0, "job D: %d", err);
	assert_page(&c, 6, 2, 0, "job B reading P after bind 1 (expected Y)");
	assert_page(&c, 4, 2, 0, "job D reading P after binds 1 and 2 (expected Y)");
	assert_page(&c, 5, 3, 0, "job D reading Q after bind 2 (expected Z)");
	settle_binds(&c, "binds 1 and 2");

	/* A sync bind waits for an earlier async bind that is blocked. */
	s3 = syncobj_new(c.fd);
	sy[0] = sync_signal(s3);
	seq_a = gate_job(&c, 0, 1, sy, 1);
	sy[0] = sync_wait(s3);
	{
		struct drm_dsb_vm_bind_op o = op_map(x.handle, 0, r, PAGE);

		bind_async(c.fd, &o, 1, sy, 1);
	}
	memset(&th, 0, sizeof(th));
	th.fd = c.fd;
	th.op = op_unmap(q, PAGE);
	ck_assert_int_eq(pthread_create(&tid, NULL, sync_bind_main, &th), 0);
	usleep(200 * 1000);
	ck_assert_msg(!__atomic_load_n(&th.done, __ATOMIC_ACQUIRE),
		      "a sync VM_BIND returned (%d) while an earlier async bind is blocked", th.ret);
	copy_pages_q(&c, 1, &q, 1, 0, "reading Q while the sync UNMAP of it waits");
	assert_page(&c, 0, 3, 0, "Q while its UNMAP waits behind a blocked bind");
	gate_open(&c, 1);
	ck_assert_int_eq(pthread_join(tid, NULL), 0);
	ck_assert_msg(th.ret == 0, "the sync UNMAP behind an async bind: %s", strerror(-th.ret));
	ck_assert_int_eq(wait_q(&c, 0, seq_a), 0);
	/* Both took effect, in order: R mapped, Q unmapped. */
	va[0] = r;
	va[1] = p;
	copy_pages(&c, va, 2, 0, "reading R and P");
	assert_page(&c, 0, 1, 0, "R after the async bind");
	assert_page(&c, 1, 2, 0, "P unchanged");
	expect_unmapped(&c, q, "Q after the sync UNMAP");

	/* A sync bind waiting behind a blocked one fails with -EINTR on a signal
	 * and changes nothing. */
	{
		struct sigaction sa = { .sa_handler = on_usr1 };
		char *before, *after;

		ck_assert_int_eq(sigaction(SIGUSR1, &sa, NULL), 0);	/* no SA_RESTART */
		s3 = syncobj_new(c.fd);
		sy[0] = sync_signal(s3);
		seq_a = gate_job(&c, 0, 2, sy, 1);
		sy[0] = sync_wait(s3);
		{
			struct drm_dsb_vm_bind_op o = op_sparse(q, PAGE);

			bind_async(c.fd, &o, 1, sy, 1);
		}
		before = vms_block(c.client);
		memset(&th, 0, sizeof(th));
		th.fd = c.fd;
		th.op = op_unmap(p, PAGE);
		th.raw = true;
		ck_assert_int_eq(pthread_create(&tid, NULL, sync_bind_main, &th), 0);
		usleep(200 * 1000);
		ck_assert_msg(!__atomic_load_n(&th.done, __ATOMIC_ACQUIRE),
			      "a sync VM_BIND returned (%d) while an earlier async bind is blocked",
			      th.ret);
		ck_assert_int_eq(pthread_kill(tid, SIGUSR1), 0);
		for (int i = 0; i < 300 && !__atomic_load_n(&th.done, __ATOMIC_ACQUIRE); i++)
			usleep(10000);
		if (!__atomic_load_n(&th.done, __ATOMIC_ACQUIRE)) {
			gate_open(&c, 2);
			ck_assert_int_eq(pthread_join(tid, NULL), 0);
			ck_abort_msg("a sync VM_BIND waiting for an earlier bind ignored a signal for 3 s (returned %d once the wait ended), expected -EINTR",
				     th.ret);
		}
		ck_assert_int_eq(pthread_join(tid, NULL), 0);
		ck_assert_msg(th.ret == -EINTR,
			      "a sync VM_BIND interrupted while waiting: %d (%s), expected -EINTR",
			      th.ret, strerror(-th.ret));
		after = vms_block(c.client);
		ck_assert_msg(before && after && !strcmp(before, after),
			      "an interrupted VM_BIND changed the VM:\n%s\n%s", before, after);
		free(before);
		free(after);
		gate_open(&c, 2);
		ck_assert_int_eq(wait_q(&c, 0, seq_a), 0);
		settle_binds(&c, "the async bind behind the gate");
		copy_pages(&c, &p, 1, 0, "P after an interrupted UNMAP of it");
		assert_page(&c, 0, 2, 0, "P after an interrupted UNMAP of it");
		copy_pages(&c, &q, 1, 1, "Q sparse after the gate");
		assert_zero(&c, 1, "Q sparse after the gate");
	}
	ctx_close(&c);
}
END_TEST

/* ================================================================================ */
/* pending_limit                                                                    */
/* ================================================================================ */

START_TEST(test_pending_limit)
{
	struct ctx c;
	struct dsb_test_bo a;
	uint64_t base, seq, va[DRM_DSB_MAX_PENDING_BINDS];
	uint32_t s, done;
	struct drm_dsb_sync_op sy[2];
	char *before, *after;
	int ret;

	REQUIRE_VM_BIND();
	ctx_open(&c, 1);
	base = va_of(&c, OFF_AREA);
	bo_new(&c, DRM_DSB_MAX_PENDING_BINDS * PAGE, &a);
	fill_pattern(&a, 4);
	s = syncobj_new(c.fd);
	done = syncobj_new(c.fd);
	sy[0] = sync_signal(s);
	seq = gate_job(&c, 0, 0, sy, 1);
	for (unsigned int i = 0; i < DRM_DSB_MAX_PENDING_BINDS; i++) {
		/* Page i of the buffer at base + (63 - i) pages. */
		struct drm_dsb_vm_bind_op o = op_map(a.handle, (uint64_t)i * PAGE,
						     base + (uint64_t)(DRM_DSB_MAX_PENDING_BINDS - 1 - i) * PAGE,
						     PAGE);

		sy[0] = sync_wait(s);
		sy[1] = tl_signal(done, i + 1);
		ret = vm_bind(c.fd, &o, 1, sy, 2, DRM_DSB_VM_BIND_ASYNC, NULL);
		ck_assert_msg(ret == 0, "async bind %u of %u blocked: %s", i + 1,
			      DRM_DSB_MAX_PENDING_BINDS, strerror(-ret));
	}
	ck_assert_uint_eq(pending_binds(&c), DRM_DSB_MAX_PENDING_BINDS);
	before = vms_block(c.client);
	{
		struct drm_dsb_vm_bind_op o = op_sparse(base + 0x100000, PAGE);

		sy[0] = tl_signal(done, 1000);
		ret = vm_bind(c.fd, &o, 1, sy, 1, DRM_DSB_VM_BIND_ASYNC, NULL);
		ck_assert_msg(ret == -EBUSY, "async bind %u with %u pending: %d (%s), expected -EBUSY",
			      DRM_DSB_MAX_PENDING_BINDS + 1, DRM_DSB_MAX_PENDING_BINDS, ret,
			      strerror(-ret));
	}
	after = vms_block(c.client);
	ck_assert_msg(before && after && !strcmp(before, after),
		      "the -EBUSY call changed the VM:\n%s\n%s", before, after);
	free(before);
	free(after);
	ck_assert_msg(tl_point(c.fd, done) == 0, "a blocked bind signalled");

	gate_open(&c, 0);
	ck_assert_int_eq(wait_q(&c, 0, seq), 0);
	tl_wait_cpu(c.fd, done, DRM_DSB_MAX_PENDING_BINDS, "the last of the pending binds");
	settle_binds(&c, "the released binds");
	for (unsigned int i = 0; i < DRM_DSB_MAX_PENDING_BINDS; i++)
		va[i] = base + (uint64_t)i * PAGE;
	copy_pages(&c, va, DRM_DSB_MAX_PENDING_BINDS, 0, "reading what the released binds mapped");
	for (unsigned int i = 0; i < DRM_DSB_MAX_PENDING_BINDS; i++)
		assert_page(&c, i, 4, DRM_DSB_MAX_PENDING_BINDS - 1 - i, "a released bind");
	expect_unmapped(&c, base + 0x100000, "the VA of the -EBUSY bind");
	/* And a new async bind is accepted again. */
	{
		struct drm_dsb_vm_bind_op o = op_sparse(base + 0x100000, PAGE);

		sy[0] = tl_signal(done, 1000);
		bind_async(c.fd, &o, 1, sy, 1);
		tl_wait_cpu(c.fd, done, 1000, "an async bind after the limit");
	}
	ctx_close(&c);
}
END_TEST

/* ================================================================================ */
/* unmap_running                                                                    */
/* ================================================================================ */

START_TEST(test_unmap_running)
{
	struct ctx c;
	struct dsb_test_bo x, y;
	struct dsb_test_cmdbuf cb;
	uint64_t xv, yv, cva, seq_j, seq_o, seq_k;
	uint32_t sj, su;
	struct drm_dsb_sync_op sy[2];
	struct drm_dsb_queue_status st;
	int64_t t0;
	int32_t err;
	int sf;

	REQUIRE_VM_BIND();
	ctx_open(&c, 3);
	xv = va_of(&c, OFF_AREA);
	yv = xv + 0x100000;
	bo_new(&c, 2 * PAGE, &x);
	bo_new(&c, 2 * PAGE, &y);
	memset(x.map, 0, 2 * PAGE);
	fill_pattern(&y, 5);
	((volatile uint64_t *)y.map)[0] = 0;
	bind1(c.fd, op_map(x.handle, 0, xv, 2 * PAGE));
	bind1(c.fd, op_map(y.handle, 0, yv, 2 * PAGE));

	/* J: says it started, then polls a word of X that nobody writes. */
	sj = syncobj_new(c.fd);
	((volatile uint64_t *)c.res.map)[0] = 0;
	cva = cmd_new(&c, &cb);
	emit(dsb_test_cmd_write(&cb, c.res.va, 0x5747));
	emit(dsb_test_cmd_memwait(&cb, xv + PAGE + 64, 1, 0));
	sy[0] = sync_signal(sj);
	seq_j = submit(&c, 0, cva, &cb, sy, 1);
	/* A bystander on queue 1: a long job that must complete. */
	cva = cmd_new(&c, &cb);
	emit(dsb_test_cmd_delay(&cb, 300 * MS_NS));
	emit(dsb_test_cmd_write(&cb, c.res.va + 8, 0xb1));
	seq_o = submit(&c, 1, cva, &cb, NULL, 0);
	t0 = dsb_test_now_ns();
	while (((volatile uint64_t *)c.res.map)[0] != 0x5747) {
		ck_assert_msg(dsb_test_now_ns() - t0 < 10 * SEC_NS, "job J never started");
		usleep(1000);
	}
	usleep(20 * 1000);
	ck_assert_msg(running(&c, 0, seq_j), "job J completed though nobody wrote its word");

	/* Unmap X under it: J faults, its fence signals with the error. */
	t0 = dsb_test_now_ns();
	bind1(c.fd, op_unmap(xv, 2 * PAGE));
	err = wait_q(&c, 0, seq_j);
	ck_assert_msg(dsb_test_now_ns() - t0 < (slow() ? 20 : 5) * SEC_NS,
		      "job J took %lld ms to fail after the unmap",
		      (long long)((dsb_test_now_ns() - t0) / MS_NS));
	ck_assert_msg(err == -EIO, "job J polling a range unmapped under it: %d (%s), expected -EIO",
		      err, strerror(-err));
	st = status_of(c.fd, c.q[0].q.id);
	ck_assert_msg(st.fault == DRM_DSB_FAULT_BAD_VA && st.fault_va == xv + PAGE + 64,
		      "job J: fault %u at 0x%llx, expected BAD_VA at 0x%llx", st.fault,
		      (unsigned long long)st.fault_va, (unsigned long long)(xv + PAGE + 64));
	syncobj_wait(c.fd, sj, "job J's syncobj");
	ck_assert_int_eq(drmSyncobjExportSyncFile(c.fd, sj, &sf), 0);
	ck_assert_msg(dsb_test_sync_file_status(sf, NULL) == -EIO,
		      "job J's fence status %d, expected -EIO", dsb_test_sync_file_status(sf, NULL));
	close(sf);
	/* The bystander is untouched. */
	err = wait_q(&c, 1, seq_o);
	ck_assert_msg(err == 0, "a job on another queue: %d", err);
	ck_assert_uint_eq(((volatile uint64_t *)c.res.map)[1], 0xb1);
	st = status_of(c.fd, c.q[1].q.id);
	ck_assert_uint_eq(st.state, DRM_DSB_QUEUE_ACTIVE);

	/* The right way: an async UNMAP that waits for the job using the range. */
	((volatile uint64_t *)c.res.map)[0] = 0;
	cva = cmd_new(&c, &cb);
	emit(dsb_test_cmd_write(&cb, c.res.va, 0x4b));
	emit(dsb_test_cmd_memwait(&cb, yv, 1, 0));
	emit(dsb_test_cmd_copy(&cb, c.res.va + 2 * PAGE, yv + PAGE, PAGE));
	seq_k = submit(&c, 2, cva, &cb, NULL, 0);
	su = syncobj_new(c.fd);
	sy[0] = (struct drm_dsb_sync_op){ .flags = DRM_DSB_SYNC_OP_WAIT | DRM_DSB_SYNC_OP_QUEUE,
					  .handle = c.q[2].q.id, .point = seq_k };
	sy[1] = sync_signal(su);
	{
		struct drm_dsb_vm_bind_op o = op_unmap(yv, 2 * PAGE);

		bind_async(c.fd, &o, 1, sy, 2);
	}
	t0 = dsb_test_now_ns();
	while (((volatile uint64_t *)c.res.map)[0] != 0x4b) {
		ck_assert_msg(dsb_test_now_ns() - t0 < 10 * SEC_NS, "job K never started");
		usleep(1000);
	}
	usleep(50 * 1000);
	ck_assert_msg(running(&c, 2, seq_k), "job K completed with its gate closed");
	ck_assert_msg(pending_binds(&c) == 1, "the UNMAP waiting for job K is not pending");
	ck_assert_msg(!syncobj_signalled(c.fd, su), "the UNMAP signalled before job K completed");
	((volatile uint64_t *)y.map)[0] = 1;	/* the CPU opens K's gate */
	err = wait_q(&c, 2, seq_k);
	ck_assert_msg(err == 0, "job K, whose range is unmapped only after it: %d (%s)", err,
		      strerror(-err));
	assert_page(&c, 2, 5, 1, "job K's copy of Y");
	syncobj_wait(c.fd, su, "the UNMAP after job K");
	expect_unmapped(&c, yv, "Y after the UNMAP that waited for job K");
	ctx_close(&c);
}
END_TEST

/* ================================================================================ */
/* teardown                                                                         */
/* ================================================================================ */

/*
 * A child binding in a loop until killed (no Check asserts: exit codes).
 * Its first 16 calls are synchronous; it writes a byte to @out, then
 * queues async binds behind a gate job that never completes until -EBUSY,
 * then blocks in a sync bind behind them. The parent kills it anywhere in
 * there.
 */
static void binder_main(int out, unsigned int seed)
{
	struct drm_dsb_vm_init vi;
	struct drm_dsb_queue_create qc = { .fence_slots = 8, .ring_packets = 64,
					   .timeout_ms = Q_TIMEOUT_MS };
	struct dsb_test_bo bo, cmd, ctl;
	struct dsb_test_queue q;
	struct dsb_test_cmdbuf cb;
	struct drm_dsb_vm_bind_op setup[2];
	struct drm_dsb_sync_op sig;
	uint32_t gate = 0, tl = 0;
	uint64_t base, n = 0;
	int f = dsb_test_open(0), busy = 0;

	if (f < 0 || vm_init(f, DRM_DSB_VM_USER_MANAGED, 0, &vi) ||
	    dsb_test_bo_create(f, 16 * PAGE, &bo) || dsb_test_bo_create(f, PAGE, &cmd) ||
	    dsb_test_bo_create(f, PAGE, &ctl) || drmSyncobjCreate(f, 0, &gate) ||
	    drmSyncobjCreate(f, 0, &tl))
		_exit(2);
	setup[0] = op_map(cmd.handle, 0, vi.va_start + OFF_CMD, PAGE);
	setup[1] = op_map(ctl.handle, 0, vi.va_start + OFF_CTL, PAGE);
	if (vm_bind(f, setup, 2, NULL, 0, 0, NULL) || dsb_test_queue_create(f, &qc, &q))
		_exit(3);
	memset(ctl.map, 0, PAGE);
	dsb_test_cmd_init(&cb, cmd.map, PAGE);
	dsb_test_cmd_memwait(&cb, vi.va_start + OFF_CTL, 1, 0);
	sig = sync_signal(gate);
	if (dsb_test_submit(f, q.id, 0, vi.va_start + OFF_CMD, dsb_test_cmd_len(&cb), &sig, 1,
			    NULL))
		_exit(4);
	base = vi.va_start + OFF_AREA;
	srand(seed);
	for (;;) {
		struct drm_dsb_vm_bind_op ops[8];
		struct drm_dsb_sync_op sy[2];
		unsigned int nops = 1 + (unsigned int)rand() % 8;
		int async = n >= 16 && !busy, ret;

		for (unsigned int i = 0; i < nops; i++) {
			uint64_t va = base + (uint64_t)(i * 64 + (unsigned int)rand() % 32) * PAGE;
			unsigned int len = 1 + (unsigned int)rand() % 16;

			switch (rand() % 3) {
			case 0:
				ops[i] = op_map(bo.handle,
						(uint64_t)((unsigned int)rand() % (17 - len)) * PAGE,
						va, (uint64_t)len * PAGE);
				break;
			case 1:
				ops[i] = op_unmap(va, (uint64_t)len * PAGE);
				break;
			default:
				ops[i] = op_sparse(va, (uint64_t)len * PAGE);
			}
		}
		sy[0] = sync_wait(gate);
		sy[1] = tl_signal(tl, n + 1);
		ret = async ? vm_bind(f, ops, nops, sy, 2, DRM_DSB_VM_BIND_ASYNC, NULL) :
			      vm_bind(f, ops, nops, sy + 1, 1, 0, NULL);
		if (ret == -EBUSY && async)
			busy = 1;	/* next: a sync bind, blocked behind them */
		else if (ret)
			_exit(5);
		else
			n++;
		if (n == 16 && !async && write(out, "r", 1) != 1)
			_exit(6);
	}
}

START_TEST(test_teardown)
{
	long long base[NLIVE];
	struct ctx c;
	struct dsb_test_bo a;
	struct dsb_test_cmdbuf cb;
	struct drm_dsb_sync_op sy[2];
	uint32_t s_other, s_here, tl;
	uint64_t seq, client;
	int other, sfd, kills = slow() ? 3 : 8;
	struct dsb_test_queue oq;
	struct dsb_test_bo octl, ocmd;
	char *blk;

	REQUIRE_VM_BIND();
	live_baseline(base);

	/* Another file holds a syncobj behind a gate job of its own. */
	other = dsb_test_open_or_skip();
	oq = queue_new(other, 64, 8, Q_TIMEOUT_MS);
	ck_assert_int_eq(dsb_test_bo_create(other, PAGE, &octl), 0);
	ck_assert_int_eq(dsb_test_bo_create(other, PAGE, &ocmd), 0);
	memset(octl.map, 0, PAGE);
	dsb_test_cmd_init(&cb, ocmd.map, PAGE);
	emit(dsb_test_cmd_memwait(&cb, octl.va, 1, 0));
	s_other = syncobj_new(other);
	sy[0] = sync_signal(s_other);
	seq = submit_ok(other, oq.id, 0, ocmd.va, &cb, sy, 1);
	ck_assert_int_eq(drmSyncobjHandleToFD(other, s_other, &sfd), 0);

	/* This file: binds pending on it, then closed. */
	ctx_open(&c, 1);
	client = c.client;
	ck_assert_int_eq(drmSyncobjFDToHandle(c.fd, sfd, &s_here), 0);
	close(sfd);
	bo_new(&c, 4 * PAGE, &a);
	tl = syncobj_new(c.fd);
	{
		uint64_t v = va_of(&c, OFF_AREA);
		struct drm_dsb_vm_bind_op o1[2] = { op_map(a.handle, 0, v, 4 * PAGE),
						    op_sparse(v + 8 * PAGE, 4 * PAGE) };
		struct drm_dsb_vm_bind_op o2 = op_unmap(v + PAGE, PAGE);
		struct drm_dsb_vm_bind_op o3 = op_map(a.handle, PAGE, v + 16 * PAGE, PAGE);

		sy[0] = sync_wait(s_here);
		sy[1] = tl_signal(tl, 1);
		bind_async(c.fd, o1, 2, sy, 2);
		bind_async(c.fd, &o2, 1, sy, 1);
		sy[0] = tl_signal(tl, 2);
		bind_async(c.fd, &o3, 1, sy, 1);
	}
	/* The buffer is held by the pending bind only. */
	munmap(a.map, a.size);
	ck_assert_int_eq(dsb_test_gem_close(c.fd, a.handle), 0);
	ck_assert_uint_eq(pending_binds(&c), 3);
	ctx_close(&c);
	/* Let the other file's job complete: the binds' waits signal after the close. */
	usleep(50 * 1000);
	((volatile uint64_t *)octl.map)[0] = 1;
	ck_assert_int_eq(wait_job(other, oq.id, seq), 0);
	for (int i = 0; i < 200; i++) {
		blk = vms_block(client);
		if (!blk)
			break;
		free(blk);
		usleep(10000);
	}
	ck_assert_msg(!blk, "dsb_vms still lists the closed file's VM:\n%s", blk);
	ck_assert_int_eq(dsb_test_queue_destroy(other, &oq), 0);
	ck_assert_int_eq(dsb_test_bo_destroy(other, &octl), 0);
	ck_assert_int_eq(dsb_test_bo_destroy(other, &ocmd), 0);
	close(other);
	live_back(base, "after closing a file with async binds pending");

	/* A child binding in a loop, SIGKILLed mid-way, again and again. */
	for (int k = 0; k < kills; k++) {
		int pipefd[2], st;
		char ch;
		pid_t pid;

		ck_assert_int_eq(pipe(pipefd), 0);
		pid = fork();
		ck_assert_int_ge(pid, 0);
		if (!pid) {
			close(pipefd[0]);
			binder_main(pipefd[1], 0x1234u + (unsigned int)k);
			_exit(0);
		}
		close(pipefd[1]);
		ck_assert_msg(read(pipefd[0], &ch, 1) == 1, "binder child %d died before binding", k);
		usleep((useconds_t)(k % 4) * 7000);
		ck_assert_int_eq(kill(pid, SIGKILL), 0);
		for (int i = 0; i < 1000 && waitpid(pid, &st, WNOHANG) == 0; i++)
			usleep(10000);
		ck_assert_msg(kill(pid, 0) == -1 || waitpid(pid, &st, WNOHANG) == pid,
			      "binder child %d still alive 10 s after SIGKILL (stuck in VM_BIND?)", k);
		ck_assert_msg(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
			      "binder child %d exited with status %d before the kill", k,
			      WIFEXITED(st) ? WEXITSTATUS(st) : -1);
		close(pipefd[0]);
	}
	live_back(base, "after SIGKILLed binders");
}
END_TEST

/* ================================================================================ */
/* reclaim                                                                          */
/* ================================================================================ */

static void shrink_all(void)
{
	char dir[300], path[400];
	FILE *f;

	ck_assert_msg(dsb_test_debugfs_dir(0, dir, sizeof(dir)) == 0, "no debugfs of device 0");
	snprintf(path, sizeof(path), "%s/dsb_shrink", dir);
	f = fopen(path, "we");
	ck_assert_msg(f, "%s: %s", path, strerror(errno));
	ck_assert_int_gt(fprintf(f, "%llu\n", 1ull << 34), 0);
	ck_assert_int_eq(fclose(f), 0);
}

static long long counter(const char *name)
{
	long long v = -1;

	ck_assert_msg(dsb_test_debugfs_counter(0, name, &v) == 0, "debugfs counter %s", name);
	return v;
}

START_TEST(test_reclaim)
{
	struct ctx c;
	struct dsb_test_bo b1, b2, b3;
	struct dsb_test_cmdbuf cb;
	uint64_t p1, p2, p2b, p3, p3b, cva, va[8];
	long long ev0, rs0;
	struct vms v;
	unsigned int n_ev = 0, n_bo = 0;

	REQUIRE_VM_BIND();
	ctx_open(&c, 1);
	p1 = va_of(&c, OFF_AREA);
	p2 = p1 + 0x100000;
	p2b = p1 + 0x200000;
	p3 = p1 + 0x300000;
	p3b = p1 + 0x400000;
	bo_new(&c, 8 * PAGE, &b1);
	bo_new(&c, 2 * PAGE, &b2);
	bo_new(&c, 8 * PAGE, &b3);
	fill_pattern(&b1, 1);
	fill_pattern(&b2, 2);
	fill_pattern(&b3, 3);
	bind1(c.fd, op_map(b1.handle, 0, p1, 8 * PAGE));
	bind1(c.fd, op_map(b2.handle, 0, p2, 2 * PAGE));
	bind1(c.fd, op_map(b2.handle, 0, p2b, 2 * PAGE));	/* same buffer twice */
	bind1(c.fd, op_map(b3.handle, 0, p3, 2 * PAGE));	/* two ranges of one */
	bind1(c.fd, op_map(b3.handle, 4 * PAGE, p3b, 4 * PAGE));

	/* The GPU writes through one alias (B2 page 0 at P2b; B1 page 7). */
	cva = cmd_new(&c, &cb);
	emit(dsb_test_cmd_fill(&cb, p2b, 0x22222222, PAGE));
	emit(dsb_test_cmd_fill(&cb, p1 + 7 * PAGE, 0x11111111, PAGE));
	run_ok(&c, 0, cva, &cb, "filling through the bound buffers");

	ev0 = counter("evictions");
	rs0 = counter("restores");
	shrink_all();
	ck_assert_msg(counter("evictions") > ev0, "dsb_shrink evicted nothing (evictions %lld)",
		      counter("evictions"));
	vms_read(&c, &v);
	for (unsigned int i = 0; i < v.n; i++)
		if (v.m[i].kind == 'b' && v.m[i].start >= p1 && v.m[i].start < p3b + 0x100000) {
			n_bo++;
			n_ev += !strcmp(v.m[i].state, "evicted");
		}
	free(v.m);
	ck_assert_msg(n_bo == 5 && n_ev == 5,
		      "after dsb_shrink: %u of the %u bound mappings evicted, expected all 5", n_ev,
		      n_bo);

	/* The next submit restores them all: a job reads every range. */
	va[0] = p1;
	va[1] = p1 + 7 * PAGE;
	va[2] = p2;
	va[3] = p2b + PAGE;
	va[4] = p3 + PAGE;
	va[5] = p3b;
	va[6] = p3b + 3 * PAGE;
	va[7] = p2 + PAGE;
	copy_pages(&c, va, 8, 0, "reading evicted bound buffers");
	ck_assert_msg(counter("restores") > rs0, "no restore counted");
	assert_page(&c, 0, 1, 0, "B1 page 0 after evict and restore");
	for (unsigned int w = 0; w < PAGE / 4; w++)
		ck_assert_msg(res_page(&c, 1)[w] == 0x11111111 && res_page(&c, 2)[w] == 0x22222222,
			      "GPU-written pages after evict and restore: word %u 0x%08x 0x%08x", w,
			      res_page(&c, 1)[w], res_page(&c, 2)[w]);
	assert_page(&c, 3, 2, 1, "B2 page 1 through its second VA");
	assert_page(&c, 4, 3, 1, "B3 page 1 (first range)");
	assert_page(&c, 5, 3, 4, "B3 page 4 (second range)");
	assert_page(&c, 6, 3, 7, "B3 page 7 (second range)");
	assert_page(&c, 7, 2, 1, "B2 page 1 through its first VA");
	vms_read(&c, &v);
	for (unsigned int i = 0; i < v.n; i++)
		if (v.m[i].kind == 'b')
			ck_assert_msg(!strcmp(v.m[i].state, "resident"),
				      "mapping at 0x%llx %s after a submit restored the VM",
				      (unsigned long long)v.m[i].start, v.m[i].state);
	free(v.m);
	/* The CPU sees the same (a refault after eviction). */
	ck_assert_uint_eq(((volatile uint32_t *)b2.map)[5], 0x22222222);
	ck_assert_uint_eq(((volatile uint32_t *)b3.map)[4 * PAGE / 4 + 9], pat(3, 4, 9));

	/* Evicted again, then remapped while evicted: the new mapping restores too. */
	shrink_all();
	bind1(c.fd, op_map(b1.handle, 2 * PAGE, p1 + 0x80000, PAGE));
	bind1(c.fd, op_unmap(p2, 2 * PAGE));
	va[0] = p1 + 0x80000;
	va[1] = p2b;
	copy_pages(&c, va, 2, 0, "reading a mapping made while evicted");
	assert_page(&c, 0, 1, 2, "B1 page 2 mapped while evicted");
	for (unsigned int w = 0; w < PAGE / 4; w++)
		ck_assert_uint_eq(res_page(&c, 1)[w], 0x22222222);
	expect_unmapped(&c, p2, "B2's first VA, unmapped while evicted");
	ctx_close(&c);
}
END_TEST

/* ================================================================================ */
/* hostile                                                                          */
/* ================================================================================ */

struct closer {
	int fd;
	volatile uint32_t handle;	/* to close; 0: none */
	volatile int gen, seen, stop;
};

static void *closer_main(void *arg)
{
	struct closer *cl = arg;

	while (!__atomic_load_n(&cl->stop, __ATOMIC_ACQUIRE)) {
		int g = __atomic_load_n(&cl->gen, __ATOMIC_ACQUIRE);

		if (g == cl->seen)
			continue;
		/* Race the bind: close at once, or after a few spins. */
		for (int i = 0; i < (g % 7) * 50; i++)
			__asm__ volatile("" ::: "memory");
		dsb_test_gem_close(cl->fd, cl->handle);
		__atomic_store_n(&cl->seen, g, __ATOMIC_RELEASE);
	}
	return NULL;
}

START_TEST(test_hostile)
{
	struct ctx c;
	uint64_t base, va[4];
	long long live0, live1;
	int rounds = slow() ? 200 : 1000, ok = 0, noent = 0;
	struct closer cl;
	pthread_t tid;

	REQUIRE_VM_BIND();
	ctx_open(&c, 1);
	base = va_of(&c, OFF_AREA);

	/* Binds racing a close of the handle. */
	ck_assert_int_eq(dsb_test_debugfs_counter(0, "live_bos", &live0), 0);
	memset(&cl, 0, sizeof(cl));
	cl.fd = c.fd;
	ck_assert_int_eq(pthread_create(&tid, NULL, closer_main, &cl), 0);
	for (int i = 1; i <= rounds; i++) {
		struct drm_dsb_bo_create bc = { .size = PAGE };
		struct drm_dsb_vm_bind_op o;
		int ret;

		ck_assert_int_eq(dsb_test_ioctl(c.fd, DRM_IOCTL_DSB_BO_CREATE, &bc), 0);
		cl.handle = bc.handle;
		__atomic_store_n(&cl.gen, i, __ATOMIC_RELEASE);
		o = op_map(bc.handle, 0, base + (uint64_t)(i % 16) * PAGE, PAGE);
		ret = vm_bind(c.fd, &o, 1, NULL, 0, 0, NULL);
		ck_assert_msg(ret == 0 || ret == -ENOENT,
			      "round %d: MAP racing a close of its handle: %s", i, strerror(-ret));
		ok += !ret;
		noent += ret == -ENOENT;
		while (__atomic_load_n(&cl.seen, __ATOMIC_ACQUIRE) != i)
			;
		if (i % (rounds / 4) == 0 && !ret) {
			/* The mapping holds the buffer alive, and it reads (zeros). */
			ck_assert_int_eq(dsb_test_debugfs_counter(0, "live_bos", &live1), 0);
			ck_assert_msg(live1 > live0, "round %d: a mapped buffer whose handle is closed is gone (live_bos %lld, %lld before)",
				      i, live1, live0);
			va[0] = base + (uint64_t)(i % 16) * PAGE;
			copy_pages(&c, va, 1, 0, "reading a buffer held by its mapping only");
			assert_zero(&c, 0, "a new buffer held by its mapping only");
		}
	}
	__atomic_store_n(&cl.stop, 1, __ATOMIC_RELEASE);
	ck_assert_int_eq(pthread_join(tid, NULL), 0);
	/* Unmapping frees them all. */
	bind1(c.fd, op_unmap(base, 16 * PAGE));
	for (int i = 0; i < 500; i++) {
		ck_assert_int_eq(dsb_test_debugfs_counter(0, "live_bos", &live1), 0);
		if (live1 == live0)
			break;
		usleep(10000);
	}
	ck_assert_msg(live1 == live0, "live_bos %lld after unmapping every raced buffer, %lld before",
		      live1, live0);
	printf("vm_bind hostile: %d binds raced a close: %d mapped, %d -ENOENT\n", rounds, ok, noent);

	/* Imported dma-bufs: the other dsb device, another file, vgem. */
	for (int src = 0; src < 3; src++) {
		struct dsb_test_bo e;
		uint32_t h;
		int dmabuf, exp = -1;
		uint64_t v = base + 0x100000 + (uint64_t)src * 0x10000;
		struct shared sh;

		memset(&e, 0, sizeof(e));
		memset(&sh, 0, sizeof(sh));

		if (src < 2) {
			exp = dsb_test_open(src == 0 ? 1 : 0);
			if (exp < 0) {
				printf("vm_bind hostile: no dsb device %d to export from, skipped\n",
				       src == 0 ? 1 : 0);
				continue;
			}
			ck_assert_int_eq(dsb_test_bo_create(exp, 2 * PAGE, &e), 0);
			fill_pattern(&e, 6 + src);
			ck_assert_int_eq(drmPrimeHandleToFD(exp, e.handle, DRM_CLOEXEC | DRM_RDWR,
							    &dmabuf), 0);
		} else {
			vfd = open_vgem();
			if (vfd < 0) {
				printf("vm_bind hostile: no vgem, its import skipped\n");
				continue;
			}
			fd = c.fd;	/* vgem.h imports into `fd` */
			sh = vgem_shared();
			e.map = sh.map;
			e.size = BUF_BYTES;
			fill_pattern(&e, 6 + src);
			dmabuf = sh.dmabuf;
		}
		if (src < 2)
			ck_assert_int_eq(drmPrimeFDToHandle(c.fd, dmabuf, &h), 0);
		else
			h = sh.handle;
		bind1(c.fd, op_map(h, 0, v, PAGE));
		if (src < 2)
			bind1(c.fd, op_map_ro(h, PAGE, v + 2 * PAGE, PAGE));
		va[0] = v;
		va[1] = src < 2 ? v + 2 * PAGE : v;
		copy_pages(&c, va, 2, 0, "reading an imported buffer");
		assert_page(&c, 0, 6 + src, 0, src == 0 ? "a buffer of the other dsb device" :
			    src == 1 ? "a buffer of another file" : "a vgem buffer");
		if (src < 2)
			assert_page(&c, 1, 6 + src, 1, "page 1 of an imported buffer");
		/* The GPU writes it; the exporter sees it. */
		{
			struct dsb_test_cmdbuf cb;
			uint64_t cva = cmd_new(&c, &cb);

			emit(dsb_test_cmd_write(&cb, v + 16, 0xfeedfacecafeull));
			run_ok(&c, 0, cva, &cb, "writing an imported buffer");
			ck_assert_uint_eq(((volatile uint64_t *)e.map)[2], 0xfeedfacecafeull);
		}
		/* Closing our handle keeps the import mapped. */
		ck_assert_int_eq(dsb_test_gem_close(c.fd, h), 0);
		copy_pages(&c, va, 1, 0, "reading an import whose handle is closed");
		ck_assert_uint_eq(((const uint64_t *)res_page(&c, 0))[2], 0xfeedfacecafeull);
		bind1(c.fd, op_unmap(v, 4 * PAGE));
		if (src < 2) {
			close(dmabuf);
			ck_assert_int_eq(dsb_test_bo_destroy(exp, &e), 0);
			close(exp);
		} else {
			munmap(sh.map, BUF_BYTES);
			close(sh.dmabuf);
			dsb_test_gem_close(vfd, sh.vhandle);
			close(vfd);
			vfd = -1;
			fd = -1;
		}
	}

	/* 1024 single-page operations per call, in a loop for a while. */
	{
		static struct drm_dsb_vm_bind_op ops[DRM_DSB_MAX_BIND_OPS];
		struct dsb_test_bo b;
		uint64_t w = base + 0x1000000;
		int64_t until = dsb_test_now_ns() + (slow() ? 2 : 1) * SEC_NS / 2;
		int calls = 0;

		bo_new(&c, 64 * PAGE, &b);
		fill_pattern(&b, 5);
		while (dsb_test_now_ns() < until || calls < 4) {
			for (unsigned int i = 0; i < DRM_DSB_MAX_BIND_OPS; i++) {
				/* Every other page, alternating between calls. */
				uint64_t pg = 2 * i + (uint64_t)(calls % 2);

				ops[i] = calls % 3 == 2 ? op_unmap(w + pg * PAGE, PAGE) :
					 i % 5 == 0 ? op_sparse(w + pg * PAGE, PAGE) :
					 op_map(b.handle, (pg % 64) * PAGE, w + pg * PAGE, PAGE);
			}
			bind_ok(c.fd, ops, DRM_DSB_MAX_BIND_OPS);
			calls++;
		}
		/* Map a known state over it all and read a sample. */
		for (unsigned int i = 0; i < DRM_DSB_MAX_BIND_OPS; i++)
			ops[i] = op_map(b.handle, (uint64_t)(i % 64) * PAGE, w + (uint64_t)i * PAGE, PAGE);
		bind_ok(c.fd, ops, DRM_DSB_MAX_BIND_OPS);
		va[0] = w;
		va[1] = w + 65 * PAGE;
		va[2] = w + 1023 * PAGE;
		va[3] = w + 2000 * PAGE;
		copy_pages(&c, va, 3, 0, "reading after calls of 1024 operations");
		assert_page(&c, 0, 5, 0, "page 0 after calls of 1024 operations");
		assert_page(&c, 1, 5, 1, "page 65 after calls of 1024 operations");
		assert_page(&c, 2, 5, 63, "page 1023 after calls of 1024 operations");
		bind1(c.fd, op_unmap(w, 2048 * PAGE));
		expect_unmapped(&c, w + 5 * PAGE, "after unmapping the 1024-operation area");
		printf("vm_bind hostile: %d calls of %u operations\n", calls, DRM_DSB_MAX_BIND_OPS);
	}

	/*
	 * MAX_VM_MAPPINGS: single-page sparse mappings until -ENOSPC, first
	 * in calls of 1024, then one at a time: exactly at the limit, an
	 * UNMAP that would split a mapping is refused, an UNMAP of a whole
	 * mapping and a MAP over two are not (a file at its limit can unmap
	 * and rebind).
	 */
	{
		static struct drm_dsb_vm_bind_op ops[DRM_DSB_MAX_BIND_OPS];
		uint64_t w = base + 0x10000000, made = 0, singles = 0;
		uint64_t split = w - 8 * PAGE;	/* a 4-page mapping, to split */
		uint32_t bad;
		int ret = 0, calls = 0;
		struct drm_dsb_vm_bind_op one;

		bind1(c.fd, op_sparse(split, 4 * PAGE));
		while (calls < DRM_DSB_MAX_VM_MAPPINGS / DRM_DSB_MAX_BIND_OPS + 4) {
			for (unsigned int i = 0; i < DRM_DSB_MAX_BIND_OPS; i++)
				ops[i] = op_sparse(w + (made + i) * PAGE, PAGE);
			ret = vm_bind(c.fd, ops, DRM_DSB_MAX_BIND_OPS, NULL, 0, 0, &bad);
			calls++;
			if (ret)
				break;
			made += DRM_DSB_MAX_BIND_OPS;
		}
		ck_assert_msg(ret == -ENOSPC, "binding single-page mappings: %d (%s) after %llu, expected -ENOSPC at %u",
			      ret, strerror(-ret), (unsigned long long)made, DRM_DSB_MAX_VM_MAPPINGS);
		/* The file has 4 mappings of its own (and rings, maybe): one per op counted. */
		ck_assert_msg(made + 4 <= DRM_DSB_MAX_VM_MAPPINGS &&
			      made + 4 + DRM_DSB_MAX_BIND_OPS > DRM_DSB_MAX_VM_MAPPINGS,
			      "-ENOSPC with %llu sparse mappings made, limit %u",
			      (unsigned long long)made, DRM_DSB_MAX_VM_MAPPINGS);
		/* A refused call changed nothing: its first page is still unmapped. */
		expect_unmapped(&c, w + made * PAGE, "the first page of the -ENOSPC call");
		/* One at a time up to the limit itself. */
		for (;;) {
			one = op_sparse(w + (made + singles) * PAGE, PAGE);
			ret = vm_bind(c.fd, &one, 1, NULL, 0, 0, &bad);
			if (ret)
				break;
			ck_assert_uint_lt(++singles, DRM_DSB_MAX_BIND_OPS);
		}
		ck_assert_msg(ret == -ENOSPC, "single sparse pages: %d (%s)", ret, strerror(-ret));
		made += singles;
		/* Splitting the 4-page mapping would make one more: refused. */
		one = op_unmap(split + PAGE, PAGE);
		ret = vm_bind(c.fd, &one, 1, NULL, 0, 0, &bad);
		ck_assert_msg(ret == -ENOSPC, "an UNMAP splitting a mapping at the limit: %d (%s)",
			      ret, strerror(-ret));
		/* Unmapping a whole mapping at the limit works, and mapping it again. */
		one = op_unmap(w, PAGE);
		ret = vm_bind(c.fd, &one, 1, NULL, 0, 0, &bad);
		ck_assert_msg(ret == 0, "an UNMAP of a whole mapping at the limit: %d (%s)", ret,
			      strerror(-ret));
		expect_unmapped(&c, w, "the page unmapped at the limit");
		bind1(c.fd, op_sparse(w, PAGE));
		/* A MAP over two whole mappings at the limit makes one of them. */
		one = op_sparse(w, 2 * PAGE);
		ret = vm_bind(c.fd, &one, 1, NULL, 0, 0, &bad);
		ck_assert_msg(ret == 0, "a MAP over two whole mappings at the limit: %d (%s)", ret,
			      strerror(-ret));
		/* Which leaves room for exactly one. */
		bind1(c.fd, op_sparse(w + made * PAGE, PAGE));
		one = op_sparse(w + (made + 1) * PAGE, PAGE);
		ret = vm_bind(c.fd, &one, 1, NULL, 0, 0, &bad);
		ck_assert_msg(ret == -ENOSPC, "a mapping past the limit: %d (%s)", ret, strerror(-ret));
		/* An UNMAP of them all and of the 4-page one, at the limit. */
		ops[0] = op_unmap(w, (made + 1) * PAGE);
		ops[1] = op_unmap(split, 4 * PAGE);
		bind_ok(c.fd, ops, 2);
		expect_unmapped(&c, w, "after unmapping every sparse page");
		expect_unmapped(&c, split + PAGE, "after unmapping the 4-page mapping");
		/* Room again. */
		bind1(c.fd, op_sparse(w, 1024 * PAGE));
		printf("vm_bind hostile: -ENOSPC after %llu mappings (%llu of them one at a time); "
		       "at the limit a whole-mapping UNMAP and a MAP over two work, a splitting UNMAP "
		       "is refused\n",
		       (unsigned long long)made, (unsigned long long)singles);
	}
	ctx_close(&c);
}
END_TEST

/* ================================================================================ */
/* fault_inject                                                                     */
/* ================================================================================ */

#define FI_DIR "/sys/kernel/debug"

struct knob {
	const char *path;
	char saved[32];
	bool have;
};

static void knob_set(struct knob *k, const char *v)
{
	FILE *f = fopen(k->path, "re");

	k->have = false;
	if (!f)
		return;
	k->have = fgets(k->saved, sizeof(k->saved), f) != NULL;
	fclose(f);
	if (!k->have)
		return;
	f = fopen(k->path, "we");
	ck_assert_msg(f, "%s: %s", k->path, strerror(errno));
	fputs(v, f);
	ck_assert_int_eq(fclose(f), 0);
}

static void knob_restore(struct knob *k)
{
	FILE *f;

	if (!k->have)
		return;
	f = fopen(k->path, "we");
	if (f) {
		fputs(k->saved, f);
		fclose(f);
	}
}

/*
 * Base state of the window: buffer A over pages 0-7, sparse over 8-11, A's
 * pages 0-3 again over 12-15.
 */
static void fi_base(struct ctx *c, uint64_t w, uint32_t a)
{
	struct drm_dsb_vm_bind_op ops[3] = {
		op_map(a, 0, w, 8 * PAGE), op_sparse(w + 8 * PAGE, 4 * PAGE),
		op_map(a, 0, w + 12 * PAGE, 4 * PAGE),
	};

	bind1(c->fd, op_unmap(w, 16 * PAGE));	/* operations of a call must not overlap */
	bind_ok(c->fd, ops, 3);
}

/* The call under injection: each operation splits another existing mapping. */
static void fi_ops(struct drm_dsb_vm_bind_op *ops, uint64_t w, uint32_t b)
{
	ops[0] = op_map(b, PAGE, w + 3 * PAGE, 2 * PAGE);	/* splits A in three */
	ops[1] = op_unmap(w + 9 * PAGE, PAGE);			/* splits the sparse range */
	ops[2] = op_sparse(w + 13 * PAGE, PAGE);		/* splits A's second mapping */
}

/* The window after fi_base() + fi_ops(), page by page, read by a job. */
static void fi_check_after(struct ctx *c, uint64_t w, int n)
{
	/* Page -> buffer (1 A, 2 B, 0 sparse) and its page; page 9 is unmapped. */
	static const unsigned char k[16] = { 1, 1, 1, 2, 2, 1, 1, 1, 0, 9, 0, 0, 1, 0, 1, 1 };
	static const unsigned char pg[16] = { 0, 1, 2, 1, 2, 5, 6, 7, 0, 0, 0, 0, 0, 0, 2, 3 };
	uint64_t va[15];
	unsigned int idx[15], m = 0;
	char what[64];

	for (unsigned int i = 0; i < 16; i++)
		if (i != 9) {
			idx[m] = i;
			va[m++] = w + (uint64_t)i * PAGE;
		}
	snprintf(what, sizeof(what), "the window after the call under fail-nth %d", n);
	copy_pages(c, va, m, 0, what);
	for (unsigned int j = 0; j < m; j++) {
		if (k[idx[j]])
			assert_page(c, j, k[idx[j]], pg[idx[j]], what);
		else
			assert_zero(c, j, what);
	}
	expect_unmapped(c, w + 9 * PAGE, what);
}

START_TEST(test_fault_inject)
{
	struct knob knobs[] = {
		{ FI_DIR "/failslab/ignore-gfp-wait", "", false },
		{ FI_DIR "/failslab/verbose", "", false },
		{ FI_DIR "/fail_page_alloc/verbose", "", false },
		{ FI_DIR "/fail_usercopy/verbose", "", false },
	};
	struct ctx c;
	struct dsb_test_bo a, b;
	uint64_t w, mem0, mem1;
	int nth, injected = 0, efault = 0, fallbacks = 0, copyout = 0, ends[2] = { 0, 0 };
	uint32_t tl, gate_so;

	REQUIRE_VM_BIND();
	if (access(FI_DIR "/failslab", F_OK) || access("/proc/thread-self/fail-nth", F_OK)) {
		printf("vm_bind: test_fault_inject skipped: this kernel has no fault injection (failslab, fail-nth): KVER=debug has\n");
		return;
	}
	nth = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	ck_assert_msg(nth >= 0, "fail-nth: %s", strerror(errno));
	knob_set(&knobs[0], "N");	/* GFP_KERNEL allocations may fail too */
	for (int i = 1; i < 4; i++)
		knob_set(&knobs[i], "0");	/* no stack dumps in the kernel log */

	ctx_open(&c, 1);
	w = va_of(&c, OFF_AREA);
	bo_new(&c, 8 * PAGE, &a);
	bo_new(&c, 4 * PAGE, &b);
	fill_pattern(&a, 1);
	fill_pattern(&b, 2);
	tl = syncobj_new(c.fd);
	gate_so = syncobj_new(c.fd);
	for (int async = 0; async < 2; async++) {
		for (int n = 1; n <= 400; n++) {
			struct drm_dsb_vm_bind_op ops[3];
			struct drm_dsb_sync_op sy[2];
			struct drm_dsb_vm_bind arg = {
				.ops = { .stride = sizeof(ops[0]), .count = 3, .array = (uintptr_t)ops },
				.syncs = { .stride = sizeof(sy[0]), .count = async ? 2 : 0,
					   .array = (uintptr_t)sy },
				.flags = async ? DRM_DSB_VM_BIND_ASYNC : 0,
			};
			char buf[16], *before, *after = NULL;
			uint64_t seq = 0, point = (uint64_t)n;
			unsigned int gw = (unsigned int)n % CTL_WORDS;
			ssize_t len;
			int ret, left;

			fi_base(&c, w, a.handle);
			fi_ops(ops, w, b.handle);
			if (async) {
				/* Pending on a gate: the call queues it, a worker applies it. */
				sy[0] = sync_signal(gate_so);
				ck_assert_int_eq(drmSyncobjReset(c.fd, &gate_so, 1), 0);
				seq = gate_job(&c, 0, gw, sy, 1);
				sy[0] = sync_wait(gate_so);
				sy[1] = tl_signal(tl, point);
			}
			before = vms_block(c.client);
			mem0 = param(c.fd, DRM_DSB_PARAM_CLIENT_MEM_USED);
			len = snprintf(buf, sizeof(buf), "%d", n);
			ck_assert_int_eq(pwrite(nth, buf, (size_t)len, 0), len);
			ret = ioctl(c.fd, DRM_IOCTL_DSB_VM_BIND, &arg) ? -errno : 0;
			len = pread(nth, buf, sizeof(buf) - 1, 0);
			if (len < 0) {
				/* Its own copy to user took the last count: some was left. */
				ck_assert_msg(errno == EFAULT, "fail-nth: %s", strerror(errno));
				left = 1;
			} else {
				buf[len] = 0;
				left = atoi(buf);
			}
			for (int i = 0; i < 10 && pwrite(nth, "0", 1, 0) != 1; i++)
				;
			after = vms_block(c.client);
			ck_assert_ptr_nonnull(before);
			ck_assert_ptr_nonnull(after);
			if (ret == -EFAULT && strcmp(before, after)) {
				/*
				 * The DRM core copies the arguments back after
				 * the driver returned: a user copy failed there
				 * fails a call that took effect. It must have
				 * taken effect whole.
				 */
				copyout++;
				ret = 0;
			} else if (ret) {
				ck_assert_msg(ret == -ENOMEM || ret == -EFAULT,
					      "%s VM_BIND failing at injection point %d: %d (%s), expected -ENOMEM (or -EFAULT for a user copy)",
					      async ? "async" : "sync", n, ret, strerror(-ret));
				ck_assert_msg(left == 0, "VM_BIND failed (%s) with no fault injected (%d left)",
					      strerror(-ret), left);
				injected++;
				efault += ret == -EFAULT;
				ck_assert_msg(!strcmp(before, after),
					      "%s VM_BIND that failed (%s) at injection point %d changed the VM:\nbefore:\n%s\nafter:\n%s",
					      async ? "async" : "sync", strerror(-ret), n, before, after);
				if (async)
					ck_assert_msg(tl_point(c.fd, tl) < point,
						      "a failed async bind signalled its point");
				for (int i = 0; i < 200; i++) {
					mem1 = param(c.fd, DRM_DSB_PARAM_CLIENT_MEM_USED);
					if (mem1 == mem0)
						break;
					usleep(10000);
				}
				ck_assert_msg(mem1 == mem0,
					      "VM_BIND failing (%s) at injection point %d: client memory %llu, %llu before",
					      strerror(-ret), n, (unsigned long long)mem1,
					      (unsigned long long)mem0);
			}
			free(before);
			free(after);
			if (async) {
				gate_open(&c, gw);
				ck_assert_int_eq(wait_q(&c, 0, seq), 0);
				if (!ret)
					tl_wait_cpu(c.fd, tl, point, "an async bind under injection");
			}
			if (!ret) {
				fi_check_after(&c, w, n);
				if (left > 0) {
					ends[async] = n;
					break;	/* nothing left to fail */
				}
				fallbacks++;	/* an injected failure the kernel got past */
			}
		}
		ck_assert_msg(ends[async], "%s VM_BIND still failing after 400 injection points",
			      async ? "async" : "sync");
	}
	ctx_close(&c);
	for (int i = 0; i < 4; i++)
		knob_restore(&knobs[i]);
	close(nth);
	ck_assert_msg(injected > 0, "no call failed: fault injection did not reach VM_BIND");
	printf("vm_bind fault_inject: sync succeeded at point %d, async at %d; %d calls failed cleanly (%d -EFAULT), %d succeeded past an injected failure, %d took effect but failed copying their arguments back\n",
	       ends[0], ends[1], injected, efault, fallbacks, copyout);
}
END_TEST

/* ================================================================================ */
/* apply                                                                            */
/* ================================================================================ */

START_TEST(test_apply)
{
	struct ctx c;
	struct dsb_test_bo a, b;
	uint64_t p, q, r, p2, seq0, seq1, va[3];
	uint32_t s1, s2, t1, t2;
	struct drm_dsb_sync_op sy[3];

	REQUIRE_VM_BIND();
	ctx_open(&c, 2);
	p = va_of(&c, OFF_AREA);
	q = p + 0x10000;
	r = p + 0x20000;
	p2 = p + 0x30000;
	bo_new(&c, 2 * PAGE, &a);
	bo_new(&c, 2 * PAGE, &b);
	fill_pattern(&a, 1);
	fill_pattern(&b, 2);
	s1 = syncobj_new(c.fd);
	s2 = syncobj_new(c.fd);
	t1 = syncobj_new(c.fd);
	t2 = syncobj_new(c.fd);

	/* Two gates: a binary syncobj on queue 0, a timeline point on queue 1. */
	sy[0] = sync_signal(s1);
	seq0 = gate_job(&c, 0, 0, sy, 1);
	sy[0] = tl_signal(t1, 1);
	seq1 = gate_job(&c, 1, 1, sy, 1);
	bind1(c.fd, op_sparse(p + PAGE, PAGE));		/* sync, nothing pending */
	{
		struct drm_dsb_vm_bind_op o1 = op_map(a.handle, 0, p, 2 * PAGE);
		struct drm_dsb_vm_bind_op o2[2] = { op_sparse(q, PAGE),
						    op_map(b.handle, 0, r, 2 * PAGE) };
		struct drm_dsb_vm_bind_op o3 = op_unmap(p + PAGE, PAGE);

		sy[0] = sync_wait(s1);
		sy[1] = sync_signal(s2);
		bind_async(c.fd, &o1, 1, sy, 2);		/* splits the sparse page */
		sy[0] = tl_wait(t1, 1);
		sy[1] = tl_signal(t2, 1);
		bind_async(c.fd, o2, 2, sy, 2);
		sy[0] = tl_signal(t2, 2);
		bind_async(c.fd, &o3, 1, sy, 1);		/* splits A's mapping */
	}
	ck_assert_uint_eq(pending_binds(&c), 3);
	/* The gates open (the binds take effect from the kernel's worker), then a
	 * sync bind, which waits for them first. */
	gate_open(&c, 1);
	gate_open(&c, 0);
	bind1(c.fd, op_map(b.handle, PAGE, p2, PAGE));
	syncobj_wait(c.fd, s2, "the first async bind");
	tl_wait_cpu(c.fd, t2, 2, "the last async bind");
	settle_binds(&c, "async binds before a sync bind that returned");
	ck_assert_int_eq(wait_q(&c, 0, seq0), 0);
	ck_assert_int_eq(wait_q(&c, 1, seq1), 0);
	va[0] = p;
	va[1] = q;
	va[2] = r + PAGE;
	copy_pages(&c, va, 3, 0, "reading what the applied binds mapped");
	assert_page(&c, 0, 1, 0, "A at P");
	assert_zero(&c, 1, "sparse at Q");
	assert_page(&c, 2, 2, 1, "B page 1 at R + 1");
	copy_pages(&c, &p2, 1, 0, "reading the sync bind's mapping");
	assert_page(&c, 0, 2, 1, "B page 1 at P2");
	expect_unmapped(&c, p + PAGE, "the page the last async bind unmapped");
	ctx_close(&c);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vm_bind");
	double t = dsb_test_debug_kernel() ? 600 : 120;
	struct {
		const char *name;
		const TTest *test;
	} cases[] = {
		{ "param", test_param },
		{ "model", test_model },
		{ "sparse", test_sparse },
		{ "errors", test_errors },
		{ "readonly", test_readonly },
		{ "async", test_async },
		{ "pending_limit", test_pending_limit },
		{ "unmap_running", test_unmap_running },
		{ "teardown", test_teardown },
		{ "reclaim", test_reclaim },
		{ "hostile", test_hostile },
		{ "fault_inject", test_fault_inject },
		{ "apply", test_apply },
	};

	setvbuf(stdout, NULL, _IOLBF, 0);	/* in order with the kernel log */
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		TCase *tc = tcase_new(s, cases[i].name, t);

		tcase_add_test(tc, cases[i].test);
	}
	return vm_run(s, VM_SKIP_WITHOUT_DEVICE);
}
