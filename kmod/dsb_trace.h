/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Copyright (C) 2026 The dsb authors */
/*
 * dsb tracepoints (events/dsb/): a job's life from submit to completion,
 * and the reasons a queue gets banned. Use next to the dma_fence events:
 *
 *   trace-cmd record -e dsb -e dma_fence ...
 *   perf record -e 'dsb:*' ...
 *
 * A queue is named by its device, its owner's DRM client id (the
 * drm-client-id of fdinfo) and its id within that file.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM dsb

#if !defined(_DSB_TRACE_H_) || defined(TRACE_HEADER_MULTI_READ)
#define _DSB_TRACE_H_

#include <linux/tracepoint.h>

/* Only dsb_trace_points.c, which instantiates the events, needs their layouts. */
struct dsb_gpu_queue;
struct dsb_user_queue;

DECLARE_EVENT_CLASS(dsb_queue_event,
		    TP_PROTO(const struct dsb_user_queue *q, u64 seqno),
		    TP_ARGS(q, seqno),
		    TP_STRUCT__entry(__field(u32, dev)
				     __field(u64, client)
				     __field(u32, queue)
				     __field(u64, seqno)
				     ),
		    TP_fast_assign(__entry->dev = q->ddev->index;
				   __entry->client = q->client_id;
				   __entry->queue = q->id;
				   __entry->seqno = seqno;
				   ),
		    TP_printk("dev=%u client=%llu queue=%u seqno=%llu",
			      __entry->dev, __entry->client, __entry->queue, __entry->seqno)
);

/* The kernel wrote a job's packets; the doorbell follows with the batch. */
TRACE_EVENT(dsb_submit,
	    TP_PROTO(const struct dsb_user_queue *q, u64 seqno, u32 slot, u32 ndeps),
	    TP_ARGS(q, seqno, slot, ndeps),
	    TP_STRUCT__entry(__field(u32, dev)
			     __field(u64, client)
			     __field(u32, queue)
			     __field(u64, seqno)
			     __field(u32, slot)
			     __field(u32, ndeps)
			     ),
	    TP_fast_assign(__entry->dev = q->ddev->index;
			   __entry->client = q->client_id;
			   __entry->queue = q->id;
			   __entry->seqno = seqno;
			   __entry->slot = slot;
			   __entry->ndeps = ndeps;
			   ),
	    TP_printk("dev=%u client=%llu queue=%u seqno=%llu slot=%u ndeps=%u",
		      __entry->dev, __entry->client, __entry->queue, __entry->seqno,
		      __entry->slot, __entry->ndeps)
);

/* The engine starts the command buffer of a job (its EXEC packet). */
TRACE_EVENT(dsb_job_start,
	    TP_PROTO(const struct dsb_gpu_queue *q, u64 seqno, u64 cmd_va, u64 cmd_len),
	    TP_ARGS(q, seqno, cmd_va, cmd_len),
	    TP_STRUCT__entry(__field(u32, dev)
			     __field(u64, client)
			     __field(u32, queue)
			     __field(u64, seqno)
			     __field(u64, cmd_va)
			     __field(u64, cmd_len)
			     ),
	    TP_fast_assign(__entry->dev = q->desc.dev_index;
			   __entry->client = q->desc.client_id;
			   __entry->queue = q->desc.queue_id;
			   __entry->seqno = seqno;
			   __entry->cmd_va = cmd_va;
			   __entry->cmd_len = cmd_len;
			   ),
	    TP_printk("dev=%u client=%llu queue=%u seqno=%llu cmd_va=0x%llx cmd_len=%llu",
		      __entry->dev, __entry->client, __entry->queue, __entry->seqno,
		      __entry->cmd_va, __entry->cmd_len)
);

/* A job's fence signals, with 0 or its error. */
TRACE_EVENT(dsb_job_done,
	    TP_PROTO(const struct dsb_user_queue *q, u64 seqno, int error),
	    TP_ARGS(q, seqno, error),
	    TP_STRUCT__entry(__field(u32, dev)
			     __field(u64, client)
			     __field(u32, queue)
			     __field(u64, seqno)
			     __field(int, error)
			     ),
	    TP_fast_assign(__entry->dev = q->ddev->index;
			   __entry->client = q->client_id;
			   __entry->queue = q->id;
			   __entry->seqno = seqno;
			   __entry->error = error;
			   ),
	    TP_printk("dev=%u client=%llu queue=%u seqno=%llu error=%d",
		      __entry->dev, __entry->client, __entry->queue, __entry->seqno,
		      __entry->error)
);

/* A queue is banned for a fault (not for a plain destroy). */
TRACE_EVENT_CONDITION(dsb_fault,
		      TP_PROTO(const struct dsb_user_queue *q, u32 kind, u64 seqno, u64 va),
		      TP_ARGS(q, kind, seqno, va),
		      TP_CONDITION(kind != DRM_DSB_FAULT_NONE),
		      TP_STRUCT__entry(__field(u32, dev)
				       __field(u64, client)
				       __field(u32, queue)
				       __field(u32, kind)
				       __field(u64, seqno)
				       __field(u64, va)
				       ),
		      TP_fast_assign(__entry->dev = q->ddev->index;
				     __entry->client = q->client_id;
				     __entry->queue = q->id;
				     __entry->kind = kind;
				     __entry->seqno = seqno;
				     __entry->va = va;
				     ),
		      TP_printk("dev=%u client=%llu queue=%u kind=%s seqno=%llu va=0x%llx",
				__entry->dev, __entry->client, __entry->queue,
				__print_symbolic(__entry->kind,
						 { DRM_DSB_FAULT_NONE, "none" },
						 { DRM_DSB_FAULT_TIMEOUT, "timeout" },
						 { DRM_DSB_FAULT_TAMPER, "tamper" },
						 { DRM_DSB_FAULT_DOORBELL, "doorbell" },
						 { DRM_DSB_FAULT_BAD_OPCODE, "bad-opcode" },
						 { DRM_DSB_FAULT_BAD_VA, "bad-va" },
						 { DRM_DSB_FAULT_BAD_LENGTH, "bad-length" },
						 { DRM_DSB_FAULT_RING_WRITE, "ring-write" }),
				__entry->seqno, __entry->va)
);

/* Job @seqno's fence signalled after the deadline set on it. */
DEFINE_EVENT(dsb_queue_event, dsb_deadline_miss,
	     TP_PROTO(const struct dsb_user_queue *q, u64 seqno),
	     TP_ARGS(q, seqno)
);

/* The watchdog saw no progress for timeout_ms; @seqno is the oldest job. */
DEFINE_EVENT(dsb_queue_event, dsb_timeout,
	     TP_PROTO(const struct dsb_user_queue *q, u64 seqno),
	     TP_ARGS(q, seqno)
);

DECLARE_EVENT_CLASS(dsb_residency_event,
		    TP_PROTO(u32 dev, u64 client, u64 bytes, u32 bos),
		    TP_ARGS(dev, client, bytes, bos),
		    TP_STRUCT__entry(__field(u32, dev)
				     __field(u64, client)
				     __field(u64, bytes)
				     __field(u32, bos)
				     ),
		    TP_fast_assign(__entry->dev = dev;
				   __entry->client = client;
				   __entry->bytes = bytes;
				   __entry->bos = bos;
				   ),
		    TP_printk("dev=%u client=%llu bytes=%llu bos=%u",
			      __entry->dev, __entry->client, __entry->bytes, __entry->bos)
);

/* A submit's prepare phase made @bos evicted (or new) BOs of a VM resident. */
DEFINE_EVENT(dsb_residency_event, dsb_restore,
	     TP_PROTO(u32 dev, u64 client, u64 bytes, u32 bos),
	     TP_ARGS(dev, client, bytes, bos)
);

/* @bos BOs of an idle VM were evicted (shrinker or room for a restore). */
DEFINE_EVENT(dsb_residency_event, dsb_evict,
	     TP_PROTO(u32 dev, u64 client, u64 bytes, u32 bos),
	     TP_ARGS(dev, client, bytes, bos)
);

/* @bos BOs of an idle VM marked DONTNEED were purged: @bytes of RAM freed. */
DEFINE_EVENT(dsb_residency_event, dsb_purge,
	     TP_PROTO(u32 dev, u64 client, u64 bytes, u32 bos),
	     TP_ARGS(dev, client, bytes, bos)
);

/* The shrinker waited for a busy VM's last fence; @signaled: in time. */
TRACE_EVENT(dsb_shrinker_wait,
	    TP_PROTO(u32 dev, u64 client, bool signaled),
	    TP_ARGS(dev, client, signaled),
	    TP_STRUCT__entry(__field(u32, dev)
			     __field(u64, client)
			     __field(bool, signaled)
			     ),
	    TP_fast_assign(__entry->dev = dev;
			   __entry->client = client;
			   __entry->signaled = signaled;
			   ),
	    TP_printk("dev=%u client=%llu signaled=%d",
		      __entry->dev, __entry->client, __entry->signaled)
);

#endif /* _DSB_TRACE_H_ */

/* This part must be outside the include guard. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE dsb_trace
#include <trace/define_trace.h>
