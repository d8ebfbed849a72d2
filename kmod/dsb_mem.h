/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Copyright (C) 2026 The dsb authors */
#ifndef __DSB_MEM_H__
#define __DSB_MEM_H__

#include <linux/atomic.h>
#include <linux/kref.h>
#include <linux/list.h>
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

#endif /* __DSB_MEM_H__ */
