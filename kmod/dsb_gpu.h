/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Copyright (C) 2026 The dsb authors */
/**
 * DOC: The hardware interface
 *
 * The simulated GPU (dsb_gpu_*.c) is hardware: it sees only memory, and
 * the driver talks to it as a driver talks to user-queue hardware. This
 * header is the whole of that contract; the GPU's files include no other
 * dsb header, and the driver touches no GPU state except through what is
 * declared here.
 *
 * What the driver hands the GPU, per queue (&struct dsb_gpu_queue_desc,
 * its "MQD"): the ring and its size, the control page with the doorbell
 * (both mapped into the process, so hostile), the fence memory header
 * (the GPU reads the driver's deadline boost from it), the dependency
 * table (&struct dsb_dep_entry: where each WAIT packet looks), the key
 * that authenticates the kernel's packets, the queue's priority and boost
 * cap, and a VA translation it may call (&struct dsb_gpu_mmu), as
 * hardware walks the page tables its driver wrote.
 *
 * What the driver does to the GPU: maps a queue onto the hardware
 * (dsb_gpu_queue_map(), which picks an engine; the engine multiplexes
 * its hardware slots among its queues) and unmaps it, rings doorbells
 * (dsb_gpu_queue_doorbell()), halts a queue (dsb_gpu_queue_halt(): a ban
 * is the driver removing the queue from the scheduler, as a driver unmaps
 * a queue from firmware), tells the GPU that fence memory changed so
 * blocked WAIT packets look again (dsb_gpu_notify_fences()) and that a
 * deadline boost was written (dsb_gpu_boost()), and reads registers:
 * dsb_gpu_queue_progress() for the watchdog, dsb_gpu_queue_read_status()
 * and dsb_gpu_engine_read_status() for debugfs.
 *
 * What the GPU tells the driver, through the one callback table the
 * driver registers (&struct dsb_gpu_ops), the way an interrupt handler or
 * a firmware event queue reports to a driver: completions (every SIGNAL
 * up to a seqno executed, raised once per batch of SIGNALs) and faults
 * (the GPU halted the queue: malformed or tampered packets, bad VAs, bad
 * lengths). Whether a queue is idle or blocked is a register the driver
 * samples (dsb_gpu_queue_progress()), not an interrupt: the watchdog reads
 * it on its tick, and an interrupt per block would cost in the hot path.
 *
 * The callbacks run on the engine's thread, inside its dma-fence
 * signalling section, with the engine's lock held: they must not
 * allocate, and must not call dsb_gpu_queue_map(), dsb_gpu_queue_unmap()
 * or the status reads, which take that lock.
 */
#ifndef __DSB_GPU_H__
#define __DSB_GPU_H__

#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/siphash.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/types.h>

#include "dsb_drm.h"

#define DSB_MAX_ENGINES		8
#define DSB_MAX_HW_SLOTS	16
/* The longest command buffer an EXEC packet may name. */
#define DSB_MAX_CMD_LEN		BIT(20)

struct device;
struct dsb_engine;
struct dsb_gpu;
struct dsb_gpu_queue;

/**
 * struct dsb_dep_entry - one entry of a queue's dependency table
 * @word: the 64-bit word a WAIT packet compares against its value: a fence
 *        slot's seqno in another dsb queue's fence memory, or @proxy_value
 * @error: the dependency's error, read once @word reached the wanted value:
 *         the producer's own dma_fence error, or @proxy_error
 * @proxy_value: proxy word, set to 1 by a fence callback
 * @proxy_error: proxy error, set before @proxy_value
 * @inherited: the producer's &dsb_fence.error_inherited, NULL for a proxy
 * @implicit: the dependency came from a buffer's reservation object: an
 *            inherited error of the producer does not reach the job
 *
 * The table is kernel-only memory, written at arm time and read by the
 * GPU, like a hardware descriptor table: WAIT packets name an entry by
 * index (the job's fence slot times %DSB_MAX_JOB_DEPS plus the
 * dependency's index), never by address. @word is read with
 * dsb_fence_word_read(). A dsb producer's error and inherited flag are
 * its fence's, not its fence slot's: the slot may have moved on to a later
 * job by the time the WAIT runs, and its error word with it. They are set
 * before the slot write that lets the WAIT pass (dsb_job_settle_locked()),
 * and the job holds a reference on the fence.
 */
struct dsb_dep_entry {
	const u64 *word;
	const s32 *error;
	const bool *inherited;
	u64 proxy_value;
	s32 proxy_error;
	bool implicit;
};

/**
 * dsb_fence_word_publish() - publish a fence word and its error
 * @word: a fence slot's seqno, or a dependency's proxy word
 * @error: the error word that goes with it
 * @value: the value to publish
 * @err: the error, 0 for success
 *
 * The error is written first: whoever sees @value through
 * dsb_fence_word_read() (the GPU's WAIT packet, dsb_fence_signaled(),
 * debugfs, userspace polling fence memory) reads the error that goes with
 * it. The only writer of both kinds of words.
 */
static inline void dsb_fence_word_publish(u64 *word, s32 *error, u64 value, s32 err)
{
	WRITE_ONCE(*error, err);
	/* Pairs with the smp_load_acquire() in dsb_fence_word_read(). */
	smp_store_release(word, value);
}

/**
 * dsb_fence_word_read() - read a fence word published by dsb_fence_word_publish()
 * @word: the word
 *
 * Return: its value; the error word read after this is the one that was
 * written with it (or a later one).
 */
static inline u64 dsb_fence_word_read(const u64 *word)
{
	/* Pairs with the smp_store_release() in dsb_fence_word_publish(). */
	return smp_load_acquire(word);
}

/**
 * dsb_gpu_packet_mac() - the MAC that authenticates a ring packet
 * @key: the queue's key
 * @pkt: the packet (its @mac field is not covered)
 * @pos: its position in the ring
 *
 * The driver computes it when it writes a packet, the GPU when it reads
 * one: a packet the process wrote or moved fails it.
 *
 * Return: the MAC.
 */
static inline u64 dsb_gpu_packet_mac(const siphash_key_t *key, const struct drm_dsb_packet *pkt,
				     u64 pos)
{
	u64 words[8];

	BUILD_BUG_ON(sizeof(*pkt) != DRM_DSB_PACKET_SIZE);
	memcpy(words, pkt, 7 * sizeof(u64));
	words[7] = pos;
	return siphash(words, sizeof(words), key);
}

/**
 * struct dsb_gpu_mmu - how the GPU translates a queue's virtual addresses
 * @lock: read-held by the GPU around each memory access, so a mapping
 *        does not go away under it; the driver write-holds it to change
 *        mappings
 * @translate: kernel address of [@va, @va + @len) for a read or a write,
 *             or NULL with *@fault set (a &enum drm_dsb_fault_kind);
 *             called with @lock read-held, allocates nothing
 * @priv: the driver's argument to @translate
 */
struct dsb_gpu_mmu {
	rwlock_t *lock;
	void *(*translate)(void *priv, u64 va, u64 len, bool write, u32 *fault);
	void *priv;
};

/**
 * struct dsb_gpu_queue_desc - what the driver hands the GPU for a queue
 * @ring: kernel mapping of the ring
 * @ring_packets: its size in packets (a power of two)
 * @ctrl: kernel mapping of the control page (doorbell, read pointer)
 * @fhdr: the fence memory header: the GPU reads the boost request from it
 * @deps: the dependency table
 * @ndeps: its entries
 * @nslots: fence slots: a SIGNAL packet names one
 * @key: the key of the packets' MACs
 * @mmu: the VA translation
 * @priority: 0..%DRM_DSB_QUEUE_PRIORITY_MAX: the slice it gets
 * @boost_priority: the priority whose slice a deadline boost gives it
 * @busy_ns: per-engine counters of the time spent running it, or NULL
 * @queue_id: the driver's name for the queue (debugfs, tracepoints)
 * @client_id: its owner's drm-client-id (likewise)
 * @dev_index: the device index (likewise)
 *
 * Set before dsb_gpu_queue_map(), constant while mapped.
 */
struct dsb_gpu_queue_desc {
	struct drm_dsb_packet *ring;
	u32 ring_packets;
	struct drm_dsb_queue_ctrl *ctrl;
	struct drm_dsb_fence_mem_header *fhdr;
	struct dsb_dep_entry *deps;
	u32 ndeps;
	u32 nslots;
	siphash_key_t key;
	struct dsb_gpu_mmu mmu;
	u32 priority;
	u32 boost_priority;
	atomic64_t *busy_ns;
	u32 queue_id;
	u64 client_id;
	u32 dev_index;
};

/**
 * struct dsb_memwait - a MEMWAIT instruction a queue blocked on
 * @seqno: job executing it
 * @ip: its GPU VA
 * @in: the instruction as the GPU read it
 */
struct dsb_memwait {
	u64 seqno;
	u64 ip;
	struct drm_dsb_instr in;
};

/**
 * struct dsb_gpu_qctx - the GPU's execution state of a queue
 * @rptr: packets consumed
 * @in_exec: executing a command buffer
 * @ip: next instruction GPU VA
 * @end: end of the command buffer
 * @job_err: error carried from a failed dependency to the SIGNAL
 * @cur_seqno: seqno of the job being executed
 * @blocked_until: DELAY in progress until this time (ns)
 * @dep_wait: blocked on a WAIT packet
 * @dep_wait_since: when it last blocked on a WAIT packet (ns)
 * @steps: packets and instructions executed
 * @empty_slices: time slices on a hardware slot that ended without a
 *                step (blocked, or nothing it could run), counted at
 *                their end
 * @boost_served: boosted this round (deadline hint): ran in the round's
 *                first pass, or mid-round when the hint came, with the
 *                budget of its boost priority, until the boosted job's
 *                SIGNAL
 * @round_served: had its slice (made progress) in this round: in its
 *                turn, or out of turn when work arrived mid-round above
 *                normal priority; not served again in the round
 * @idle: at its last look the engine found nothing to run (the doorbell
 *        at the read pointer), though the driver may have jobs in flight
 * @step_cost: work units of the step being executed (time slices)
 * @slot: hardware slot held on the engine, or -1
 * @last_run: the engine's tick after its last slice, for slot eviction
 * @memwait: last MEMWAIT it blocked on; still blocked while @in_exec and
 *           @ip and @cur_seqno match it
 * @retire_seqno: seqno of the last SIGNAL executed but not yet reported
 *                (completions are raised once per batch of SIGNALs)
 * @retire_pending: SIGNALs executed since the last completion
 * @packets_pending: packets executed since the last completion, not yet
 *                   added to the GPU's counter
 *
 * Written by the engine under its lock; the driver reads it only through
 * dsb_gpu_queue_progress() and dsb_gpu_queue_read_status().
 */
struct dsb_gpu_qctx {
	u64 rptr;
	bool in_exec;
	u64 ip;
	u64 end;
	s32 job_err;
	u64 cur_seqno;
	u64 blocked_until;
	bool dep_wait;
	u64 dep_wait_since;
	u64 steps;
	u64 empty_slices;
	bool boost_served;
	bool round_served;
	bool idle;
	u32 step_cost;
	int slot;
	unsigned long last_run;
	struct dsb_memwait memwait;
	u64 retire_seqno;
	u32 retire_pending;
	u32 packets_pending;
};

/**
 * struct dsb_gpu_queue - a queue as the GPU knows it
 * @desc: what the driver handed over (dsb_gpu_queue_map())
 * @gpu: the GPU it is mapped on, or NULL
 * @engine: its engine while mapped
 * @node: link in the engine's queue list
 * @halted: the driver halted it (dsb_gpu_queue_halt()) or it faulted: it
 *          is not run again
 * @ctx: execution state, the GPU's own
 *
 * The driver embeds it in its queue and owns @desc; everything else is
 * the GPU's.
 */
struct dsb_gpu_queue {
	struct dsb_gpu_queue_desc desc;
	struct dsb_gpu *gpu;
	struct dsb_engine *engine;
	struct list_head node;
	bool halted;
	struct dsb_gpu_qctx ctx;
};

/**
 * struct dsb_gpu_ops - the interrupts: how the GPU reports to its driver
 * @complete: every SIGNAL of @gq up to @seqno executed; @err is the last
 *            job's status as the GPU saw it (a failed dependency's error,
 *            0 otherwise). Raised once per batch of SIGNALs, always before
 *            the queue's next WAIT packet, at the end of its slice and
 *            before a fault is reported.
 * @fault: the GPU halted @gq: @kind is a &enum drm_dsb_fault_kind, @va the
 *         faulting address or 0. Jobs whose SIGNAL executed were reported
 *         complete before.
 *
 * Both run on the engine's thread, in its signalling section, with its
 * lock held (see "The hardware interface").
 */
struct dsb_gpu_ops {
	void (*complete)(struct dsb_gpu_queue *gq, u64 seqno, s32 err);
	void (*fault)(struct dsb_gpu_queue *gq, u32 kind, u64 va);
};

/**
 * struct dsb_gpu_counters - the GPU's performance counters
 * @packets: packets executed
 * @tampers: packets that failed their sequence number or MAC check
 */
struct dsb_gpu_counters {
	atomic64_t packets;
	atomic64_t tampers;
};

/**
 * struct dsb_gpu_progress - the registers the driver's watchdog samples
 * @steps: packets and instructions executed
 * @empty_slices: time slices that ended on a hardware slot without a step
 * @blocked_until: the end of a DELAY in progress (ns), or 0
 * @dep_wait: blocked on a WAIT packet
 * @idle: at its last look the engine found nothing to run
 * @has_work: the doorbell is ahead of the read pointer, or a command
 *            buffer is being executed
 */
struct dsb_gpu_progress {
	u64 steps;
	u64 empty_slices;
	u64 blocked_until;
	bool dep_wait;
	bool idle;
	bool has_work;
};

/**
 * struct dsb_gpu_queue_status - a consistent snapshot of a queue (debugfs)
 * @ctx: the execution state
 * @engine: its engine's index
 * @doorbell: the doorbell as the GPU reads it
 * @has_work: the engine would find something to run
 * @resident: holds a hardware slot
 */
struct dsb_gpu_queue_status {
	struct dsb_gpu_qctx ctx;
	u32 engine;
	u64 doorbell;
	bool has_work;
	bool resident;
};

/**
 * struct dsb_gpu_slot_status - a hardware slot of an engine (debugfs)
 * @used: a queue holds it
 * @queue_id: its queue's &dsb_gpu_queue_desc.queue_id
 * @client_id: that queue's owner
 * @last_run: the engine's tick after its last slice
 */
struct dsb_gpu_slot_status {
	bool used;
	u32 queue_id;
	u64 client_id;
	unsigned long last_run;
};

/**
 * struct dsb_gpu_engine_status - a consistent snapshot of an engine
 * @nqueues: queues mapped on it
 * @maps: queues mapped into a hardware slot
 * @evictions: resident queues evicted for another one
 * @yields: slots given up by queues that blocked
 * @busy_ns: time spent executing
 * @tick: slices run
 * @slots: its hardware slots
 * @last_queue: queue id of the last packet accepted, 0 for none
 * @last_client: its owner
 * @last_pkt: that packet
 */
struct dsb_gpu_engine_status {
	u32 nqueues;
	u64 maps;
	u64 evictions;
	u64 yields;
	u64 busy_ns;
	unsigned long tick;
	struct dsb_gpu_slot_status slots[DSB_MAX_HW_SLOTS];
	u32 last_queue;
	u64 last_client;
	struct drm_dsb_packet last_pkt;
};

/**
 * struct dsb_gpu - a simulated GPU: engines with a firmware scheduler
 * @index: its index (kthread names)
 * @num_engines: engines
 * @hw_slots: hardware queue slots per engine
 * @engines: the engines
 * @ops: the driver's callbacks (dsb_gpu_attach()), or NULL
 * @counters: performance counters
 */
struct dsb_gpu {
	unsigned int index;
	unsigned int num_engines;
	unsigned int hw_slots;
	struct dsb_engine *engines;
	const struct dsb_gpu_ops *ops;
	struct dsb_gpu_counters counters;
};

struct dsb_gpu *dsb_gpu_create(unsigned int index, unsigned int engines, unsigned int hw_slots);
void dsb_gpu_destroy(struct dsb_gpu *gpu);
int dsb_gpu_devices_create(const char *driver_name);
void dsb_gpu_devices_destroy(void);
struct dsb_gpu *dsb_gpu_from_dev(struct device *dev);
void dsb_gpu_attach(struct dsb_gpu *gpu, const struct dsb_gpu_ops *ops);
void dsb_gpu_detach(struct dsb_gpu *gpu);

void dsb_gpu_queue_map(struct dsb_gpu *gpu, struct dsb_gpu_queue *gq);
void dsb_gpu_queue_unmap(struct dsb_gpu_queue *gq);
void dsb_gpu_queue_doorbell(struct dsb_gpu_queue *gq);
void dsb_gpu_queue_halt(struct dsb_gpu_queue *gq);
void dsb_gpu_notify_fences(struct dsb_gpu *gpu);
void dsb_gpu_boost(struct dsb_gpu *gpu);

void dsb_gpu_queue_progress(const struct dsb_gpu_queue *gq, struct dsb_gpu_progress *p);
bool dsb_gpu_queue_read_status(const struct dsb_gpu_queue *gq, struct dsb_gpu_queue_status *st);
void dsb_gpu_engine_read_status(struct dsb_gpu *gpu, unsigned int idx,
				struct dsb_gpu_engine_status *st);

/**
 * dsb_gpu_queue_rptr() - the GPU's read pointer of a queue
 * @gq: the queue
 *
 * The kernel's copy, not the control page's, which the process may write:
 * ring space is computed from it.
 *
 * Return: packets consumed.
 */
static inline u64 dsb_gpu_queue_rptr(const struct dsb_gpu_queue *gq)
{
	return READ_ONCE(gq->ctx.rptr);
}

#endif /* __DSB_GPU_H__ */
