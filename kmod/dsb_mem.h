/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Copyright (C) 2026 The dsb authors */
#ifndef __DSB_MEM_H__
#define __DSB_MEM_H__

#include <linux/atomic.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/llist.h>
#include <linux/slab.h>
#include <linux/types.h>
#include <linux/uidgid.h>

/**
 * struct dsb_mem_client - the accounting object of one user
 * @ref: one reference per open file and per charged object that may
 *       outlive its file (BO, queue, fence)
 * @node: link in the list of clients, under dsb_mem_lock
 * @uid: the user, as seen from the initial user namespace
 * @used: bytes charged to the user on every dsb device
 */
struct dsb_mem_client {
	struct kref ref;
	struct list_head node;
	kuid_t uid;
	atomic64_t used;
};

struct dsb_mem_client *dsb_mem_client_get_current(void);
struct dsb_mem_client *dsb_mem_client_get(struct dsb_mem_client *c);
void dsb_mem_client_put(struct dsb_mem_client *c);
int dsb_mem_charge(struct dsb_mem_client *c, u64 bytes);
void dsb_mem_uncharge(struct dsb_mem_client *c, u64 bytes);
u64 dsb_mem_client_limit(void);
u64 dsb_mem_total_limit(void);
u64 dsb_mem_total_used(void);
void dsb_mem_init_limits(void);

/**
 * dsb_mem_kmalloc_size() - bytes a kmalloc() of @size really takes
 * @size: requested size
 *
 * Return: the slab object size charged for it.
 */
static inline u64 dsb_mem_kmalloc_size(size_t size)
{
	return kmalloc_size_roundup(size);
}

void *dsb_mem_kzalloc(struct dsb_mem_client *c, size_t size, u64 charge);

/**
 * struct dsb_recycler - a bounded free list: lock-free puts, batched takes
 * @free: objects given back, from any context, with llist_add() only
 * @take_lock: serialises takers (process context); protects @local
 * @local: objects a taker moved off @free at once, taken from here first
 * @count: objects on @free and @local (at most @max are kept)
 * @max: most objects kept
 *
 * The engine gives finished jobs and released fences back while the
 * submitter takes them for new jobs: a put never waits for a taker, and
 * takers empty @free in one exchange, not one locked section per object.
 */
struct dsb_recycler {
	struct llist_head free;
	spinlock_t take_lock;	/* see @take_lock above */
	struct llist_node *local;
	atomic_t count;
	u32 max;
};

void dsb_recycler_init(struct dsb_recycler *r, u32 max);
bool dsb_recycler_put(struct dsb_recycler *r, struct llist_node *node);
struct llist_node *dsb_recycler_get(struct dsb_recycler *r);
struct llist_node *dsb_recycler_drain(struct dsb_recycler *r);

#endif /* __DSB_MEM_H__ */
