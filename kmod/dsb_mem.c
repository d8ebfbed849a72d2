// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Copyright (C) 2026 The dsb authors */
/**
 * DOC: Memory accounting
 *
 * Everything a client makes the kernel allocate is charged, in bytes,
 * before it is allocated, against two limits:
 *
 * - the client's: a client is a *user* (the real uid of the process that
 *   opened the file, in the initial user namespace). Opening both devices,
 *   many fds, or forking children does not multiply it; only another
 *   user gets another share. Per process would not do: fork() is free,
 *   and an fd passed to a child keeps charging the same objects anyway.
 *   Module parameter ``client_mem_mb``, default a quarter of RAM;
 * - the module's: every client of every dsb device together. Module
 *   parameter ``total_mem_mb``, default half of RAM.
 *
 * Charged are: buffer objects (their pages, page array and object, for
 * the caller's BOs and for the four regions of each queue), imports (their
 * size, page array and object: the kernel mapping keeps the exporter's
 * pages pinned), the file's state and GPU VA space, queues and their
 * kernel tables (in-flight job table, dependency table, reservation
 * bitmap, error origins, SQ descriptor array), buffer lists, jobs
 * (including those a queue keeps in its cache), fences, and pending
 * io_uring waits (their &struct dsb_uring_wait and io_uring's request,
 * which lives as long as the wait). A charge that would exceed a limit fails with
 * -EDQUOT and charges nothing; the allocation that follows it may still
 * fail with -ENOMEM. Allocations are also made with __GFP_ACCOUNT, so the
 * caller's memory cgroup sees them where the kernel has one.
 *
 * Objects that outlive their file (a fence held by a sync_file, a BO
 * exported as a dma-buf) hold a reference on their &struct dsb_mem_client
 * and uncharge it when they are freed, from whatever context that is
 * (fences are freed by a workqueue): uncharging is atomic and never
 * sleeps, and the last reference frees the client under a spinlock.
 *
 * What is not charged: the submit ioctl's descriptor array (bounded by
 * %DRM_DSB_MAX_JOBS) and a batch's array of reservation objects, both
 * freed before the ioctl returns, and syncobj timeline chain nodes (at
 * most %DRM_DSB_MAX_SYNC_OPS per job, owned by the syncobj and freed by
 * the core once superseded).
 */
#include <linux/cred.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "dsb_mem.h"

static unsigned int dsb_client_mem_mb;
module_param_named(client_mem_mb, dsb_client_mem_mb, uint, 0444);
MODULE_PARM_DESC(client_mem_mb,
		 "Most kernel memory one user's dsb clients may use, in MiB (0: a quarter of RAM)");

static unsigned int dsb_total_mem_mb;
module_param_named(total_mem_mb, dsb_total_mem_mb, uint, 0444);
MODULE_PARM_DESC(total_mem_mb,
		 "Most kernel memory all dsb clients together may use, in MiB (0: half of RAM)");

/* Protects dsb_mem_clients; irqsave, a reference may be dropped anywhere. */
static DEFINE_SPINLOCK(dsb_mem_lock);
static LIST_HEAD(dsb_mem_clients);
static atomic64_t dsb_mem_total = ATOMIC64_INIT(0);
static u64 dsb_mem_client_max;
static u64 dsb_mem_total_max;

/**
 * dsb_mem_init_limits() - compute the limits from the module parameters
 *
 * The client limit is clamped to the total one. Called once at load.
 */
void dsb_mem_init_limits(void)
{
	u64 ram = (u64)totalram_pages() << PAGE_SHIFT;

	dsb_mem_total_max = dsb_total_mem_mb ? (u64)dsb_total_mem_mb << 20 : ram / 2;
	dsb_mem_client_max = dsb_client_mem_mb ? (u64)dsb_client_mem_mb << 20 : ram / 4;
	dsb_mem_client_max = min(dsb_mem_client_max, dsb_mem_total_max);
}

/**
 * dsb_mem_client_limit() - the per-user limit
 *
 * Return: bytes (%DRM_DSB_PARAM_CLIENT_MEM_LIMIT).
 */
u64 dsb_mem_client_limit(void)
{
	return dsb_mem_client_max;
}

/**
 * dsb_mem_total_limit() - the limit of all clients together
 *
 * Return: bytes (%DRM_DSB_PARAM_TOTAL_MEM_LIMIT).
 */
u64 dsb_mem_total_limit(void)
{
	return dsb_mem_total_max;
}

/**
 * dsb_mem_total_used() - bytes charged by all clients
 *
 * Return: the current total.
 */
u64 dsb_mem_total_used(void)
{
	return atomic64_read(&dsb_mem_total);
}

/**
 * dsb_mem_client_get_current() - the accounting object of the caller's user
 *
 * Process context. Finds the user's object or creates it.
 *
 * Return: a reference, or NULL when out of memory.
 */
struct dsb_mem_client *dsb_mem_client_get_current(void)
{
	kuid_t uid = current_uid();
	struct dsb_mem_client *c, *fresh;

	fresh = kzalloc(sizeof(*fresh), GFP_KERNEL_ACCOUNT);
	spin_lock_irq(&dsb_mem_lock);
	list_for_each_entry(c, &dsb_mem_clients, node) {
		if (uid_eq(c->uid, uid) && kref_get_unless_zero(&c->ref)) {
			spin_unlock_irq(&dsb_mem_lock);
			kfree(fresh);
			return c;
		}
	}
	if (fresh) {
		kref_init(&fresh->ref);
		fresh->uid = uid;
		list_add(&fresh->node, &dsb_mem_clients);
	}
	spin_unlock_irq(&dsb_mem_lock);
	return fresh;
}

/**
 * dsb_mem_client_get() - take another reference
 * @c: the client
 *
 * Return: @c.
 */
struct dsb_mem_client *dsb_mem_client_get(struct dsb_mem_client *c)
{
	kref_get(&c->ref);
	return c;
}

static void dsb_mem_client_release(struct kref *ref)
{
	struct dsb_mem_client *c = container_of(ref, struct dsb_mem_client, ref);

	list_del(&c->node);
	WARN_ON(atomic64_read(&c->used));
	kfree(c);
}

/**
 * dsb_mem_client_put() - drop a reference, any context
 * @c: the client, may be NULL
 */
void dsb_mem_client_put(struct dsb_mem_client *c)
{
	unsigned long flags;

	if (!c)
		return;
	/* irqsave: the last fence of a client may be freed with interrupts off. */
	if (refcount_dec_and_lock_irqsave(&c->ref.refcount, &dsb_mem_lock, &flags)) {
		dsb_mem_client_release(&c->ref);
		spin_unlock_irqrestore(&dsb_mem_lock, flags);
	}
}

/**
 * dsb_mem_charge() - charge bytes to a client and to the total
 * @c: the client
 * @bytes: what is about to be allocated
 *
 * Lock-free: each counter is raised first and lowered again when it went
 * over its limit, so concurrent charges may fail spuriously near the
 * limit but never pass it.
 *
 * Return: 0, or -EDQUOT with nothing charged.
 */
int dsb_mem_charge(struct dsb_mem_client *c, u64 bytes)
{
	if (atomic64_add_return(bytes, &c->used) > dsb_mem_client_max) {
		atomic64_sub(bytes, &c->used);
		return -EDQUOT;
	}
	if (atomic64_add_return(bytes, &dsb_mem_total) > dsb_mem_total_max) {
		atomic64_sub(bytes, &dsb_mem_total);
		atomic64_sub(bytes, &c->used);
		return -EDQUOT;
	}
	return 0;
}

/**
 * dsb_mem_kzalloc() - charge, then allocate a zeroed object
 * @c: the client to charge
 * @size: size of the object
 * @charge: bytes to charge, the object's slab size included
 *
 * The object is also charged to the caller's memory cgroup; on failure
 * nothing stays charged. The caller uncharges @charge when it frees it.
 *
 * Return: the object, or an ERR_PTR: -EDQUOT beyond a limit, -ENOMEM.
 */
void *dsb_mem_kzalloc(struct dsb_mem_client *c, size_t size, u64 charge)
{
	void *p;
	int ret;

	ret = dsb_mem_charge(c, charge);
	if (ret)
		return ERR_PTR(ret);
	p = kzalloc(size, GFP_KERNEL_ACCOUNT);
	if (!p) {
		dsb_mem_uncharge(c, charge);
		return ERR_PTR(-ENOMEM);
	}
	return p;
}

/**
 * dsb_mem_uncharge() - give back bytes charged by dsb_mem_charge()
 * @c: the client
 * @bytes: the same amount
 *
 * Any context.
 */
void dsb_mem_uncharge(struct dsb_mem_client *c, u64 bytes)
{
	atomic64_sub(bytes, &dsb_mem_total);
	atomic64_sub(bytes, &c->used);
}

/**
 * dsb_recycler_init() - an empty recycler
 * @r: the recycler
 * @max: most objects it keeps
 */
void dsb_recycler_init(struct dsb_recycler *r, u32 max)
{
	init_llist_head(&r->free);
	spin_lock_init(&r->take_lock);
	r->local = NULL;
	atomic_set(&r->count, 0);
	r->max = max;
}

/**
 * dsb_recycler_put() - give an object back, from any context
 * @r: the recycler
 * @node: the object's node
 *
 * Lock-free: one count update and one llist_add(), a full barrier.
 *
 * Return: true when it was kept, false when the recycler is full (the
 * caller frees the object).
 */
bool dsb_recycler_put(struct dsb_recycler *r, struct llist_node *node)
{
	if (atomic_inc_return(&r->count) > r->max) {
		atomic_dec(&r->count);
		return false;
	}
	llist_add(node, &r->free);
	return true;
}

/**
 * dsb_recycler_get() - take an object, process context
 * @r: the recycler
 *
 * Takes from the objects a previous call moved aside; when there are none,
 * moves every object given back since, in one exchange.
 *
 * Return: the object's node, or NULL when the recycler is empty.
 */
struct llist_node *dsb_recycler_get(struct dsb_recycler *r)
{
	struct llist_node *node;

	spin_lock(&r->take_lock);
	if (!r->local)
		r->local = llist_del_all(&r->free);
	node = r->local;
	if (node)
		r->local = node->next;
	spin_unlock(&r->take_lock);
	if (node)
		atomic_dec(&r->count);
	return node;
}

/**
 * dsb_recycler_drain() - take every object, process context
 * @r: the recycler
 *
 * For a recycler that is not used again (its count is left as it is).
 *
 * Return: the objects, a NULL-terminated llist chain (may be NULL).
 */
struct llist_node *dsb_recycler_drain(struct dsb_recycler *r)
{
	struct llist_node *all, *last;

	spin_lock(&r->take_lock);
	all = r->local;
	r->local = NULL;
	spin_unlock(&r->take_lock);
	if (!all)
		return llist_del_all(&r->free);
	for (last = all; last->next; last = last->next)
		;
	last->next = llist_del_all(&r->free);
	return all;
}
