// SPDX-License-Identifier: MIT
/* Copyright (C) 2026 The dsb authors */
/*
 * Error provenance (VM, 6.1 and 6.12; uAPI 9): a fault injected at the head
 * of a 5-deep chain across both dsb devices — a binary syncobj, a
 * sync_file to the other device, a timeline syncobj, a sync_file back —
 * reaches the tail with the head's origin (device, client, queue, seqno,
 * fault kind, errno), through DRM_IOCTL_DSB_JOB_ERROR, QUEUE_STATUS, the
 * CQE's DRM_DSB_CQE_ERROR_INHERITED flag and debugfs; the head reports
 * its own error, not inherited.
 */
#define _GNU_SOURCE
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "lib_uring.h"

#define NODES	5

struct node {
	struct dsb_device *dev;
	struct dsb_queue q;
	struct dsb_bo cmd;
	uint64_t seqno;
};

/* Does some dsb_queues debugfs file hold a line containing @want? */
static bool debugfs_has(const char *want)
{
	char line[512];
	bool found = false;
	glob_t g;
	size_t i;

	if (glob("/sys/kernel/debug/dri/*/dsb_queues", 0, NULL, &g))
		return false;
	for (i = 0; i < g.gl_pathc && !found; i++) {
		FILE *f = fopen(g.gl_pathv[i], "r");

		if (!f)
			continue;
		while (!found && fgets(line, sizeof(line), f))
			found = strstr(line, want) != NULL;
		fclose(f);
	}
	globfree(&g);
	return found;
}

static struct drm_dsb_error_origin job_error(struct node *n)
{
	struct drm_dsb_job_error je = { .queue_id = n->q.queue_id, .seqno = n->seqno };

	ck_assert_int_eq(ioctl(n->dev->fd, DRM_IOCTL_DSB_JOB_ERROR, &je), 0);
	return je.origin;
}

START_TEST(test_chain_origin)
{
	struct dsb_device dev[2];
	struct dsb_queue_params p = { .fence_slots = 16 };
	struct dsb_bo data;
	struct node nd[NODES];
	struct drm_dsb_queue_status st;
	struct drm_dsb_error_origin o, head;
	struct drm_dsb_job_error je;
	uint32_t so_a, so_b, so_tl, so_d;
	int sf_b = -1, sf_d = -1, fd1, i;
	volatile uint64_t *words;
	uint64_t idx0 = 9;
	char want[256];

	ck_assert_int_eq(dsb_device_open(&dev[0], 0), 0);
	/* The second device by its node (as deps_test), wrapped for libdsb. */
	fd1 = dsb_test_open(1);
	ck_assert_msg(fd1 >= 0, "no second dsb device (num_devices=2 expected)");
	ck_assert_int_eq(dsb_device_from_fd(&dev[1], fd1), 0);
	ck_assert_int_eq(dsb_get_param(&dev[0], DRM_DSB_PARAM_DEVICE_INDEX, &idx0), 0);
	ck_assert_int_eq(dsb_bo_create(&dev[0], 1 << 16, &data), 0);
	words = data.map;
	memset(data.map, 0, data.size);
	/* A, B, E on device 0; C, D on device 1. */
	for (i = 0; i < NODES; i++) {
		nd[i].dev = &dev[i == 2 || i == 3];
		ck_assert_int_eq(dsb_queue_init(nd[i].dev, &nd[i].q, &p), 0);
		ck_assert_int_eq(dsb_bo_create(nd[i].dev, 16 * CMD_AREA, &nd[i].cmd), 0);
	}
	ck_assert_int_eq(dsb_syncobj_create(&dev[0], 0, &so_a), 0);
	ck_assert_int_eq(dsb_syncobj_create(&dev[0], 0, &so_b), 0);
	ck_assert_int_eq(dsb_syncobj_create(&dev[1], 0, &so_tl), 0);
	ck_assert_int_eq(dsb_syncobj_create(&dev[1], 0, &so_d), 0);

	for (i = 0; i < NODES; i++) {
		struct drm_dsb_sqe *sqe = dsb_get_sqe(&nd[i].q);
		struct dsb_cmdbuf cb;
		uint64_t off;

		ck_assert_ptr_nonnull(sqe);
		off = (uint64_t)sqe->slot * CMD_AREA;
		dsb_cmdbuf_init(&cb, (char *)nd[i].cmd.map + off, CMD_AREA, nd[i].cmd.va + off);
		if (i == 0) {
			/* The head: held on the gate, then a bad opcode. */
			ck_assert_int_eq(dsb_cmd_memwait(&cb, data.va + 8 * GATE, 1, 0), 0);
			ck_assert_int_eq(dsb_cmd_raw(&cb, 0x99, 0, 0, 0, 0), 0);
		} else if (nd[i].dev == &dev[0]) {
			ck_assert_int_eq(dsb_cmd_write(&cb, data.va + 8 * i, 1), 0);
		} else {
			ck_assert_int_eq(dsb_cmd_nop(&cb), 0);
		}
		dsb_prep_exec(sqe, cb.va, dsb_cmdbuf_len(&cb));
		dsb_sqe_set_data64(sqe, 100 + i);
		switch (i) {
		case 0:	/* A -> binary syncobj (same device) */
			ck_assert_int_eq(dsb_prep_signal_syncobj(sqe, so_a), 0);
			break;
		case 1:	/* B -> sync_file to device 1 */
			ck_assert_int_eq(dsb_prep_wait_syncobj(sqe, so_a), 0);
			ck_assert_int_eq(dsb_prep_signal_syncobj(sqe, so_b), 0);
			break;
		case 2:	/* C (device 1) -> timeline point */
			ck_assert_int_eq(dsb_prep_wait_sync_file(sqe, sf_b), 0);
			ck_assert_int_eq(dsb_prep_signal_timeline(sqe, so_tl, 1), 0);
			break;
		case 3:	/* D (device 1) -> sync_file back to device 0 */
			ck_assert_int_eq(dsb_prep_wait_timeline(sqe, so_tl, 1), 0);
			ck_assert_int_eq(dsb_prep_signal_syncobj(sqe, so_d), 0);
			break;
		case 4:	/* E, the tail */
			ck_assert_int_eq(dsb_prep_wait_sync_file(sqe, sf_d), 0);
			break;
		}
		ck_assert_int_eq(dsb_submit(&nd[i].q), 1);
		nd[i].seqno = 1;
		if (i == 1)
			ck_assert_int_eq(dsb_syncobj_export_sync_file(&dev[0], so_b, &sf_b), 0);
		if (i == 3)
			ck_assert_int_eq(dsb_syncobj_export_sync_file(&dev[1], so_d, &sf_d), 0);
	}
	/* Nothing done yet: the head is held. */
	je = (struct drm_dsb_job_error){ .queue_id = nd[4].q.queue_id, .seqno = 1 };
	ck_assert_int_eq(ioctl(dev[0].fd, DRM_IOCTL_DSB_JOB_ERROR, &je), -1);
	ck_assert_int_eq(errno, EAGAIN);
	__atomic_store_n(&words[GATE], 1, __ATOMIC_RELEASE);

	for (i = 0; i < NODES; i++) {
		struct drm_dsb_cqe *cqe;

		ck_assert_int_eq(dsb_wait_cqe_timeout(&nd[i].q, &cqe, 30 * SEC), 0);
		ck_assert_uint_eq(cqe->user_data, 100 + i);
		ck_assert_msg(cqe->error == -EIO, "node %d: CQE error %d", i, cqe->error);
		ck_assert_uint_eq(cqe->flags, i ? DRM_DSB_CQE_ERROR_INHERITED : 0);
		ck_assert_int_eq(dsb_cqe_seen(&nd[i].q, cqe), 0);
	}
	for (i = 1; i < NODES; i++)
		if (nd[i].dev == &dev[0])
			ck_assert_uint_eq(words[i], 0);	/* skipped */

	/* The head: its own error. */
	head = job_error(&nd[0]);
	ck_assert_uint_eq(head.flags, 0);
	ck_assert_int_eq(head.error, -EIO);
	ck_assert_uint_eq(head.device, idx0);
	ck_assert_uint_eq(head.queue_id, nd[0].q.queue_id);
	ck_assert_uint_eq(head.client_id, drm_client_id(dev[0].fd));
	ck_assert_uint_eq(head.seqno, 1);
	ck_assert_uint_eq(head.fault, DRM_DSB_FAULT_BAD_OPCODE);
	/* Every later node, the tail included: the head's origin, inherited. */
	for (i = 1; i < NODES; i++) {
		o = job_error(&nd[i]);
		ck_assert_msg(o.flags == DRM_DSB_ORIGIN_INHERITED, "node %d: flags %#x", i, o.flags);
		o.flags = 0;
		ck_assert_msg(!memcmp(&o, &head, sizeof(o)),
			      "node %d: origin dev %u client %llu queue %u seqno %llu fault %u error %d",
			      i, o.device, (unsigned long long)o.client_id, o.queue_id,
			      (unsigned long long)o.seqno, o.fault, o.error);
	}
	/* QUEUE_STATUS of the tail. */
	ck_assert_int_eq(dsb_queue_status(&nd[4].q, &st), 0);
	ck_assert_uint_eq(st.failed_seqno, 1);
	ck_assert_uint_eq(st.failed_origin.flags, DRM_DSB_ORIGIN_INHERITED);
	ck_assert_uint_eq(st.failed_origin.queue_id, nd[0].q.queue_id);
	ck_assert_uint_eq(st.failed_origin.fault, DRM_DSB_FAULT_BAD_OPCODE);
	ck_assert_uint_eq(st.state, DRM_DSB_QUEUE_ACTIVE);
	ck_assert_int_eq(dsb_queue_status(&nd[0].q, &st), 0);
	ck_assert_uint_eq(st.failed_origin.flags, 0);
	ck_assert_uint_eq(st.failed_origin.error, -EIO);
	/* debugfs names the root at the tail (device 1's queues too). */
	snprintf(want, sizeof(want),
		 "last failed job 1: error -5, inherited from dsb%u client %llu queue %u job 1 (fault bad-opcode)",
		 (unsigned int)idx0, (unsigned long long)head.client_id, head.queue_id);
	ck_assert_msg(debugfs_has(want), "debugfs has no \"%s\"", want);
	ck_assert(debugfs_has("last failed job 1: error -5, own (fault bad-opcode)"));
	/* Bad arguments. */
	je = (struct drm_dsb_job_error){ .queue_id = nd[4].q.queue_id, .seqno = 2 };
	ck_assert_int_eq(ioctl(dev[0].fd, DRM_IOCTL_DSB_JOB_ERROR, &je), -1);
	ck_assert_int_eq(errno, EINVAL);
	je = (struct drm_dsb_job_error){ .queue_id = 0xdead, .seqno = 1 };
	ck_assert_int_eq(ioctl(dev[0].fd, DRM_IOCTL_DSB_JOB_ERROR, &je), -1);
	ck_assert_int_eq(errno, ENOENT);
	je = (struct drm_dsb_job_error){ .queue_id = nd[4].q.queue_id, .seqno = 1, .pad = 1 };
	ck_assert_int_eq(ioctl(dev[0].fd, DRM_IOCTL_DSB_JOB_ERROR, &je), -1);
	ck_assert_int_eq(errno, EINVAL);
	fprintf(stderr, "lib_provenance_test: tail (dsb%u queue %u job 1) failed %d, origin dsb%u client %llu queue %u job %llu fault %u\n",
		(unsigned int)idx0, nd[4].q.queue_id, head.error,
		head.device, (unsigned long long)head.client_id, head.queue_id,
		(unsigned long long)head.seqno, head.fault);

	/* What dsbctl shows of it (README, "Errors and where they came from"). */
	if (!access("/bin/dsbctl", X_OK)) {
		fflush(stderr);
		ck_assert_int_eq(system("dsbctl queues >&2"), 0);
	}
	close(sf_b);
	close(sf_d);
	for (i = 0; i < NODES; i++) {
		dsb_bo_destroy(nd[i].dev, &nd[i].cmd);
		dsb_queue_exit(&nd[i].q);
	}
	dsb_bo_destroy(&dev[0], &data);
	dsb_device_close(&dev[1]);
	close(fd1);
	dsb_device_close(&dev[0]);
}
END_TEST

/* A job that succeeds has no origin; a queue destroyed under a job names the job. */
START_TEST(test_success_has_no_origin)
{
	struct drm_dsb_queue_status st;
	struct drm_dsb_job_error je = { 0 };
	struct ctx c;

	ctx_init(&c, 0);
	prep(&c, 0, 5, false);
	ck_assert_int_eq(dsb_submit(&c.q), 1);
	reap_dsb_cqes(&c, 1);
	je.queue_id = c.q.queue_id;
	je.seqno = 1;
	memset(&je.origin, 0xff, sizeof(je.origin));
	ck_assert_int_eq(ioctl(c.dev.fd, DRM_IOCTL_DSB_JOB_ERROR, &je), 0);
	ck_assert_uint_eq(je.origin.flags, 0);
	ck_assert_int_eq(je.origin.error, 0);
	ck_assert_uint_eq(je.origin.seqno, 0);
	ck_assert_int_eq(dsb_queue_status(&c.q, &st), 0);
	ck_assert_uint_eq(st.failed_seqno, 0);
	ck_assert_int_eq(st.failed_origin.error, 0);
	ctx_fini(&c);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("lib_provenance");
	TCase *tc = tcase_new(s, "provenance", dsb_test_debug_kernel() ? 600 : 120);

	tcase_add_test(tc, test_chain_origin);
	tcase_add_test(tc, test_success_has_no_origin);
	return vm_run(s, VM_SKIP_WITHOUT_DEVICE);
}
