/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Copyright (C) 2026 The dsb authors */
#ifndef __DSB_SUBMIT_H__
#define __DSB_SUBMIT_H__

#include "dsb_drv.h"
#include "dsb_job.h"

struct dsb_bo_list;
struct dsb_user_queue;

/**
 * struct dsb_queue_resv - what the batch being submitted reserves on a queue
 * @slots: the fence slots its jobs use, &dsb_user_queue.nslots bits: a slot
 *         used twice in one batch is busy
 * @ring: the ring packets its jobs need
 *
 * The submit layer's scratch in every queue (&dsb_user_queue.resv), under
 * the queue's &dsb_user_queue.submit_lock, which a batch holds from
 * reserving to arming: a queue is in one batch at a time. Empty between
 * batches: dsb_submit_reserve_locked() fills it and clears it again, the
 * jobs holding what they reserved once armed. @slots is allocated with the
 * queue, so reserving allocates nothing.
 */
struct dsb_queue_resv {
	unsigned long *slots;
	u32 ring;
};

/**
 * struct dsb_submit_desc - one job, copied in and validated
 * @q: the queue (a reference)
 * @slot: fence slot
 * @cmd_va: command buffer VA
 * @cmd_len: command buffer length
 * @user_data: opaque value for the CQE
 * @post_cqe: the job comes from the SQ and owes a CQE
 * @reserved: its slot is marked in &dsb_queue_resv.slots of its queue
 * @next_queue: in the first job of the batch on each queue, the index of
 *              the first job on the batch's next queue in id order (see
 *              dsb_submit_batch())
 * @bos: the buffers it reads and writes (a reference, which whoever
 *        filled the descriptor drops after the batch), or NULL
 * @seqno: out, the job's seqno
 * @job: the job being prepared (prepare phase only)
 * @nsyncs: number of @syncs
 * @nsignals: number of @signals
 * @syncs: wait and signal operations, the first @nsyncs valid
 * @signals: resolved signal operations (prepare to publish), the first
 *           @nsignals valid
 *
 * Everything before @syncs is the descriptor's head, which a fresh
 * descriptor must have zeroed (DSB_SUBMIT_DESC_HEAD); the two arrays are
 * written before they are read, so a SUBMIT does not zero them.
 */
struct dsb_submit_desc {
	struct dsb_user_queue *q;
	u32 slot;
	u64 cmd_va;
	u32 cmd_len;
	u64 user_data;
	bool post_cqe;
	bool reserved;
	u16 next_queue;
	struct dsb_bo_list *bos;
	u64 seqno;
	struct dsb_job *job;
	u32 nsyncs;
	u32 nsignals;
	struct drm_dsb_sync_op syncs[DRM_DSB_MAX_SYNC_OPS];
	struct dsb_signal signals[DRM_DSB_MAX_SYNC_OPS];
};

/* Bytes of a descriptor to zero before use: the fields before its arrays. */
#define DSB_SUBMIT_DESC_HEAD	offsetof(struct dsb_submit_desc, syncs)

int dsb_submit_batch(struct drm_file *file, struct dsb_submit_desc *descs, u32 count,
		     bool nonblock, u32 *bad);
int dsb_queue_submit_sq(struct drm_file *file, struct dsb_user_queue *q, u32 count,
			bool nonblock, u32 *submitted, u64 *last_seqno);
int dsb_ioctl_submit(struct drm_device *dev, void *data, struct drm_file *file);
int dsb_ioctl_queue_submit_sq(struct drm_device *dev, void *data,
			      struct drm_file *file);

#endif /* __DSB_SUBMIT_H__ */
