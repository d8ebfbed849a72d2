/* SPDX-License-Identifier: MIT */
/* Copyright (C) 2026 The dsb authors */
/*
 * What every VM test program shares: the fixture (the dsb device as `fd`,
 * optionally queues and a command BO), the runner of main() (vm_run) and
 * the test-case constructor (tcase_new); and the small pieces most suites
 * use: an arena of command buffers in one BO, one-call submit/wait
 * wrappers that assert, syncobj sync-op builders.
 *
 * A program's main():
 *
 *	Suite *s = suite_create("name");
 *	TCase *tc = tcase_new(s, "case", 120);
 *
 *	vm_fixture(tc, NULL);		(or parameters, see below)
 *	tcase_add_test(tc, test_x);
 *	return vm_run(s, VM_SKIP_WITHOUT_DEVICE);
 */
#ifndef DSB_VM_SUITE_H
#define DSB_VM_SUITE_H

#include <check.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xf86drm.h>

#include "helpers.h"

#define PAGE 4096u
#define SEC_NS (1000ll * 1000 * 1000)
#define MS_NS (1000ll * 1000)
#define WAIT_NS (30 * SEC_NS)

/* An arena of command buffers: @n buffers of CMD_BYTES in one BO. */
#define CMD_BYTES 512u

struct arena {
	struct dsb_test_bo bo;
	uint32_t next;
	uint32_t n;
};

static inline void arena_init(int fd, struct arena *a, uint32_t n)
{
	ck_assert_int_eq(dsb_test_bo_create(fd, (uint64_t)n * CMD_BYTES, &a->bo), 0);
	a->next = 0;
	a->n = n;
}

/* Start a new command buffer in the arena (wraps around). */
static inline uint64_t arena_cmd(struct arena *a, struct dsb_test_cmdbuf *cb)
{
	uint32_t i = a->next++ % a->n;

	dsb_test_cmd_init(cb, (char *)a->bo.map + (size_t)i * CMD_BYTES, CMD_BYTES);
	return a->bo.va + (uint64_t)i * CMD_BYTES;
}

static inline uint64_t submit_ok(int fd, uint32_t qid, uint32_t slot,
				 uint64_t va, const struct dsb_test_cmdbuf *cb,
				 const struct drm_dsb_sync_op *syncs, uint32_t n)
{
	uint64_t seqno = 0;
	int ret = dsb_test_submit(fd, qid, slot, va, dsb_test_cmd_len(cb), syncs,
				  n, &seqno);

	ck_assert_msg(ret == 0, "submit queue %u slot %u: %s", qid, slot,
		      strerror(-ret));
	ck_assert_uint_ne(seqno, 0);
	return seqno;
}

/* The DRM client id of @drm_fd (drm-client-id in its fdinfo). */
static inline uint64_t drm_client_id(int drm_fd)
{
	char path[64], line[256];
	unsigned long long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", drm_fd);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "drm-client-id: %llu", &v) == 1)
			break;
	fclose(f);
	ck_assert_uint_ne(v, 0);
	return v;
}

/*
 * Set dsb's module parameter @name to @v. The test_* knobs exist only in
 * the test builds of dsb.ko (DSB_TEST_HOOKS=y, scripts/build-kmod.sh): a
 * test that needs one fails, saying so, on a module built without them.
 */
static inline void set_module_param(const char *name, unsigned int v)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/dsb/parameters/%s", name);
	ck_assert_msg(strncmp(name, "test_", 5) || access(path, F_OK) == 0,
		      "dsb.ko has no parameter %s: it was built without its test hooks; this test needs the test build (scripts/build-kmod.sh, DSB_TEST_HOOKS=y)",
		      name);
	f = fopen(path, "w");
	ck_assert_msg(f, "%s: %s", path, strerror(errno));
	ck_assert_int_gt(fprintf(f, "%u\n", v), 0);
	ck_assert_int_eq(fclose(f), 0);
}

/*
 * A fixture's cleanup: set the test_* knob @name back to 0, if the module
 * has it (the test that set it has failed already on a module without).
 */
static inline void reset_test_param(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/module/dsb/parameters/%s", name);
	if (access(path, F_OK) == 0)
		set_module_param(name, 0);
}

/* Wait for a job; returns its error. Fails the test on a timeout. */
static inline int32_t wait_job(int fd, uint32_t qid, uint64_t seqno)
{
	int32_t err = 12345;
	int ret = dsb_test_wait(fd, qid, seqno, WAIT_NS, &err);

	ck_assert_msg(ret == 0, "wait queue %u seqno %llu: %s", qid,
		      (unsigned long long)seqno, strerror(-ret));
	ck_assert_int_ne(err, 12345);
	return err;
}

static inline struct drm_dsb_sync_op sync_wait(uint32_t handle)
{
	return (struct drm_dsb_sync_op){ .flags = DRM_DSB_SYNC_OP_WAIT |
					 DRM_DSB_SYNC_OP_SYNCOBJ, .handle = handle };
}

static inline struct drm_dsb_sync_op sync_signal(uint32_t handle)
{
	return (struct drm_dsb_sync_op){ .flags = DRM_DSB_SYNC_OP_SIGNAL |
					 DRM_DSB_SYNC_OP_SYNCOBJ, .handle = handle };
}

static inline struct drm_dsb_sync_op tl_wait(uint32_t handle, uint64_t point)
{
	return (struct drm_dsb_sync_op){ .flags = DRM_DSB_SYNC_OP_WAIT |
					 DRM_DSB_SYNC_OP_TIMELINE,
					 .handle = handle, .point = point };
}

static inline struct drm_dsb_sync_op tl_signal(uint32_t handle, uint64_t point)
{
	return (struct drm_dsb_sync_op){ .flags = DRM_DSB_SYNC_OP_SIGNAL |
					 DRM_DSB_SYNC_OP_TIMELINE,
					 .handle = handle, .point = point };
}

static inline struct drm_dsb_sync_op sf_wait(int sync_fd)
{
	return (struct drm_dsb_sync_op){ .flags = DRM_DSB_SYNC_OP_WAIT |
					 DRM_DSB_SYNC_OP_SYNC_FILE,
					 .handle = (uint32_t)sync_fd };
}

static inline uint32_t syncobj_new(int fd)
{
	uint32_t h = 0;

	ck_assert_int_eq(drmSyncobjCreate(fd, 0, &h), 0);
	return h;
}

static inline struct dsb_test_queue queue_new(int fd, uint32_t ring,
					      uint32_t slots, uint32_t timeout_ms)
{
	struct drm_dsb_queue_create c = {
		.ring_packets = ring, .fence_slots = slots, .timeout_ms = timeout_ms,
	};
	struct dsb_test_queue q;
	int ret = dsb_test_queue_create(fd, &c, &q);

	ck_assert_msg(ret == 0, "queue create: %s", strerror(-ret));
	return q;
}

static inline struct drm_dsb_queue_status status_of(int fd, uint32_t qid)
{
	struct drm_dsb_queue_status st;

	ck_assert_int_eq(dsb_test_queue_status(fd, qid, &st), 0);
	return st;
}

/* --- fixture ------------------------------------------------------------- */

#define VM_FIXTURE_MAX_QUEUES 4

/**
 * struct vm_fixture_params - what the fixture creates besides the device fd.
 * @queues:   number of queues, created with @queue (queue_new()), in
 *            fx_queue[0..@queues-1]; destroyed by the teardown, which
 *            asserts that this succeeds
 * @queue:    their ring_packets, fence_slots and timeout_ms
 * @cmd_bytes: size of a command BO (fx_cmd), 0 for none; it holds one NOP
 *            at offset 0 (a valid DRM_DSB_INSTR_SIZE command buffer)
 * @cleanup:  called first by the teardown, the device still open (reset a
 *            module parameter the tests changed, say)
 */
struct vm_fixture_params {
	unsigned int queues;
	struct drm_dsb_queue_create queue;
	uint64_t cmd_bytes;
	void (*cleanup)(void);
};

/*
 * The fixture's state. `fd` is the device every test of a VM program uses:
 * opened by the fixture (vm_setup) before each test of a TCase given
 * vm_fixture(), or, in a TCase without it, by the test itself.
 */
static int fd = -1;
static struct dsb_test_queue fx_queue[VM_FIXTURE_MAX_QUEUES];
static struct dsb_test_bo fx_cmd;
static struct vm_fixture_params fx_params;

static inline void vm_setup(void)
{
	fd = dsb_test_open_or_skip();
	for (unsigned int i = 0; i < fx_params.queues; i++)
		fx_queue[i] = queue_new(fd, fx_params.queue.ring_packets,
					fx_params.queue.fence_slots,
					fx_params.queue.timeout_ms);
	if (fx_params.cmd_bytes) {
		struct dsb_test_cmdbuf cb;

		ck_assert_int_eq(dsb_test_bo_create(fd, fx_params.cmd_bytes, &fx_cmd), 0);
		dsb_test_cmd_init(&cb, fx_cmd.map, DRM_DSB_INSTR_SIZE);
		ck_assert_int_eq(dsb_test_cmd_nop(&cb), 0);
	}
}

static inline void vm_teardown(void)
{
	if (fx_params.cleanup)
		fx_params.cleanup();
	for (unsigned int i = 0; i < fx_params.queues; i++)
		ck_assert_int_eq(dsb_test_queue_destroy(fd, &fx_queue[i]), 0);
	if (fx_params.cmd_bytes)
		ck_assert_int_eq(dsb_test_bo_destroy(fd, &fx_cmd), 0);
	if (fd >= 0)
		close(fd);
	fd = -1;
}

/*
 * Run vm_setup()/vm_teardown() around each test of @tc (checked: in the
 * test's process, failures count). @p: what to create besides the device
 * (NULL: nothing); one set of parameters per program, the last one given.
 */
static inline void vm_fixture(TCase *tc, const struct vm_fixture_params *p)
{
	if (p) {
		if (p->queues > VM_FIXTURE_MAX_QUEUES) {
			fprintf(stderr, "vm_fixture: %u queues, at most %u\n", p->queues,
				VM_FIXTURE_MAX_QUEUES);
			abort();
		}
		fx_params = *p;
	}
	tcase_add_checked_fixture(tc, vm_setup, vm_teardown);
}

/* --- runner ---------------------------------------------------------------- */

/* vm_run() flags. */
#define VM_SKIP_WITHOUT_DEVICE	1u	/* no dsb device: skip the whole program (77) */

/*
 * The main() of every VM test program: run @s, every test in its own
 * process (CK_FORK); EXIT_SUCCESS when nothing failed. With
 * VM_SKIP_WITHOUT_DEVICE the program exits 77 first when there is no dsb
 * device; without it every test runs and fails on its own.
 */
static inline int vm_run(Suite *s, unsigned int flags)
{
	SRunner *sr;
	int nf;

	if (flags & VM_SKIP_WITHOUT_DEVICE)
		close(dsb_test_open_or_skip());
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* tcase_new() timeout: Check's default, CK_DEFAULT_TIMEOUT (vm.sh: 120 s,
 * 600 s on the debug kernel). */
#define VM_CK_DEFAULT_TIMEOUT 0

/* A TCase of @s timing out after @timeout_s (Check's default is 4 s), or
 * VM_CK_DEFAULT_TIMEOUT. */
static inline TCase *tcase_new(Suite *s, const char *name, double timeout_s)
{
	TCase *tc = tcase_create(name);

	if (timeout_s > 0)
		tcase_set_timeout(tc, timeout_s);
	suite_add_tcase(s, tc);
	return tc;
}

#endif /* DSB_VM_SUITE_H */
