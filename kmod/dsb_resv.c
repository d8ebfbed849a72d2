// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Copyright (C) 2026 The dsb authors */
/**
 * DOC: Implicit synchronization
 *
 * Devices without user queues synchronize through the reservation object
 * of each shared buffer (&drm_gem_object.resv, the dma-buf's for an
 * imported buffer). Because the kernel writes every dsb packet, dsb takes
 * part in it like any kernel-submitting driver:
 *
 * - a job names its buffers: a &struct dsb_bo_list, built from the SUBMIT
 *   ioctl's array or created in advance and named by an SQ entry;
 * - validate phase: dsb_resv_batch_collect() gathers the batch's
 *   reservation objects, each once, and refuses more than
 *   %DRM_DSB_MAX_BATCH_BOS of them: lockdep follows at most 2,047 locks
 *   of one class taken under one acquire context (&held_lock.references),
 *   and a batch of 256 jobs of 64 buffers would lock 16,384;
 * - prepare phase (allocation allowed): dsb_resv_batch_lock() locks the
 *   reservation objects of the whole batch with one ww_acquire context
 *   (drm_gem_lock_reservations(): -EDEADLK backoff, interruptible),
 *   reserves a fence slot for each job that will add its fence, and turns
 *   the fences already there into the job's dependencies by usage (READ
 *   waits for writers, WRITE for readers and writers): GPU-side WAITs for
 *   fences of the same device, proxies for all others, never a CPU wait;
 * - arm phase (signalling section, no allocation): dsb_resv_add_job_fence()
 *   adds the job's fence with its usage, into the slots reserved;
 * - the locks are dropped after the batch is armed.
 *
 * Buffers created with %DRM_DSB_BO_NO_IMPLICIT_SYNC and the jobs of a
 * %DRM_DSB_QUEUE_EXPLICIT_SYNC queue skip all of it: explicit-sync clients
 * pay nothing. Reservation locks are taken after &dsb_user_queue.sq_lock
 * and &dsb_vm.res_lock and before the submit locks (see "Locking" in
 * dsb_drv.c), and never while copying from userspace (lists are copied in
 * before).
 */
#include <linux/bsearch.h>
#include <linux/dma-resv.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/uaccess.h>
#include <drm/drm_gem.h>

#include "dsb_bo.h"
#include "dsb_fence.h"
#include "dsb_job.h"
#include "dsb_mem.h"
#include "dsb_queue.h"
#include "dsb_resv.h"
#include "dsb_submit.h"

#define DSB_BO_REF_USAGE	(DRM_DSB_BO_READ | DRM_DSB_BO_WRITE)
/* Buffer lists one file may keep. */
#define DSB_MAX_BO_LISTS	1024

static void dsb_bo_list_release(struct kref *ref)
{
	struct dsb_bo_list *list = container_of(ref, struct dsb_bo_list, ref);
	struct dsb_mem_client *mem = list->mem;
	u32 i;

	for (i = 0; i < list->count; i++)
		drm_gem_object_put(&list->e[i].bo->base);
	dsb_mem_uncharge(mem, list->charge);
	kvfree(list);
	dsb_mem_client_put(mem);
}

/**
 * dsb_bo_list_put() - drop a buffer list reference
 * @list: the list, may be NULL
 */
void dsb_bo_list_put(struct dsb_bo_list *list)
{
	if (list)
		kref_put(&list->ref, dsb_bo_list_release);
}

static int dsb_bo_ref_cmp(const void *a, const void *b)
{
	const struct dsb_bo_list_entry *ea = a, *eb = b;

	return ea->bo < eb->bo ? -1 : ea->bo > eb->bo;
}

/* Look up one entry's handle; the entry gets a reference on the buffer. */
static int dsb_bo_list_fill(struct drm_file *file, struct dsb_bo_list_entry *e,
			    const struct drm_dsb_bo_ref *r)
{
	struct drm_gem_object *obj;

	if (!(r->flags & DSB_BO_REF_USAGE) || r->flags & ~DSB_BO_REF_USAGE)
		return -EINVAL;
	obj = drm_gem_object_lookup(file, r->handle);
	if (!obj)
		return -ENOENT;
	e->bo = to_dsb_bo(obj);
	e->flags = r->flags;
	return 0;
}

/**
 * dsb_bo_list_from_user() - build a buffer list from a user array
 * @file: the caller's file, whose handles the array names
 * @bos: array of &struct drm_dsb_bo_ref
 *
 * Each element is copied once (its stride bounded by %DRM_DSB_MAX_STRIDE,
 * its count by %DRM_DSB_MAX_JOB_BOS), its handle looked up; the entries are
 * then sorted by buffer, and a buffer named twice rejects the list. The
 * list is charged to the caller's user.
 *
 * Return: the list (one reference), or an ERR_PTR: -EINVAL, -ENOENT,
 * -EFAULT, -E2BIG (nonzero bytes past the structure), -EDQUOT, -ENOMEM.
 */
struct dsb_bo_list *dsb_bo_list_from_user(struct drm_file *file,
					  const struct drm_dsb_obj_array *bos)
{
	struct dsb_file *df = file->driver_priv;
	struct dsb_bo_list *list;
	struct drm_dsb_bo_ref r;
	u64 charge;
	u32 i;
	int ret = 0;

	if (!bos->count || bos->count > DRM_DSB_MAX_JOB_BOS ||
	    bos->stride < sizeof(r) || bos->stride > DRM_DSB_MAX_STRIDE)
		return ERR_PTR(-EINVAL);
	charge = dsb_mem_kmalloc_size(struct_size(list, e, bos->count));
	list = dsb_mem_kzalloc(df->mem, struct_size(list, e, bos->count), charge);
	if (IS_ERR(list))
		return list;
	kref_init(&list->ref);
	list->mem = dsb_mem_client_get(df->mem);
	list->charge = charge;
	for (i = 0; i < bos->count && !ret; i++) {
		void __user *src = u64_to_user_ptr(bos->array + (u64)i * bos->stride);

		ret = copy_struct_from_user(&r, sizeof(r), src, bos->stride);
		if (!ret)
			ret = dsb_bo_list_fill(file, &list->e[i], &r);
		if (!ret)
			list->count++;
	}
	if (!ret) {
		sort(list->e, list->count, sizeof(list->e[0]), dsb_bo_ref_cmp, NULL);
		for (i = 1; i < list->count && !ret; i++)
			if (list->e[i].bo == list->e[i - 1].bo)
				ret = -EINVAL;
	}
	if (ret) {
		dsb_bo_list_put(list);
		return ERR_PTR(ret);
	}
	return list;
}

/**
 * dsb_bo_list_lookup() - find a buffer list of a file
 * @df: the file
 * @id: the list id
 *
 * Return: the list with a reference, or NULL.
 */
struct dsb_bo_list *dsb_bo_list_lookup(struct dsb_file *df, u32 id)
{
	struct dsb_bo_list *list;

	xa_lock(&df->bo_lists);
	list = xa_load(&df->bo_lists, id);
	if (list && !kref_get_unless_zero(&list->ref))
		list = NULL;
	xa_unlock(&df->bo_lists);
	return list;
}

/**
 * dsb_file_destroy_bo_lists() - drop every buffer list of a closing file
 * @df: the file
 */
void dsb_file_destroy_bo_lists(struct dsb_file *df)
{
	struct dsb_bo_list *list;
	unsigned long id;

	xa_for_each(&df->bo_lists, id, list) {
		xa_erase(&df->bo_lists, id);
		dsb_bo_list_put(list);
	}
	xa_destroy(&df->bo_lists);
}

/**
 * dsb_ioctl_bo_list_create() - DRM_IOCTL_DSB_BO_LIST_CREATE
 * @dev: the DRM device
 * @data: &struct drm_dsb_bo_list_create
 * @file: the caller's file
 *
 * Return: 0, -EMFILE beyond %DSB_MAX_BO_LISTS lists, or an error of
 * dsb_bo_list_from_user().
 */
int dsb_ioctl_bo_list_create(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_dsb_bo_list_create *args = data;
	struct dsb_file *df = file->driver_priv;
	struct dsb_bo_list *list;
	u32 id;
	int ret;

	args->list_id = 0;
	if (args->flags)
		return -EINVAL;
	list = dsb_bo_list_from_user(file, &args->bos);
	if (IS_ERR(list))
		return PTR_ERR(list);
	ret = xa_alloc(&df->bo_lists, &id, list, XA_LIMIT(1, DSB_MAX_BO_LISTS), GFP_KERNEL);
	if (ret) {
		dsb_bo_list_put(list);
		return ret == -EBUSY ? -EMFILE : ret;
	}
	args->list_id = id;
	return 0;
}

/**
 * dsb_ioctl_bo_list_destroy() - DRM_IOCTL_DSB_BO_LIST_DESTROY
 * @dev: the DRM device
 * @data: &struct drm_dsb_bo_list_destroy
 * @file: the caller's file
 *
 * Return: 0, -EINVAL for a nonzero pad, -ENOENT for an unknown list.
 */
int dsb_ioctl_bo_list_destroy(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_dsb_bo_list_destroy *args = data;
	struct dsb_file *df = file->driver_priv;
	struct dsb_bo_list *list;

	if (args->pad)
		return -EINVAL;
	list = xa_erase(&df->bo_lists, args->list_id);
	if (!list)
		return -ENOENT;
	dsb_bo_list_put(list);
	return 0;
}

/* Whether an entry of a job takes part in implicit sync. */
static bool dsb_resv_implicit(const struct dsb_submit_desc *d, const struct dsb_bo_list_entry *e)
{
	return !(d->q->flags & DRM_DSB_QUEUE_EXPLICIT_SYNC) && !e->bo->no_implicit_sync;
}

static int dsb_obj_resv_cmp(const void *a, const void *b)
{
	const struct dma_resv *ra = (*(struct drm_gem_object * const *)a)->resv;
	const struct dma_resv *rb = (*(struct drm_gem_object * const *)b)->resv;

	return ra < rb ? -1 : ra > rb;
}

/*
 * The first job of a batch whose buffers take it beyond
 * %DRM_DSB_MAX_BATCH_BOS reservation objects. @b holds them all, once
 * each, sorted; their fence counts are overwritten: a count becomes 0 when
 * the object is first met.
 */
static u32 dsb_resv_first_beyond(struct dsb_resv_batch *b, const struct dsb_submit_desc *descs,
				 u32 count)
{
	u32 i, k, seen = 0;

	for (i = 0; i < count; i++) {
		const struct dsb_bo_list *list = descs[i].bos;

		for (k = 0; list && k < list->count; k++) {
			struct drm_gem_object *obj = &list->e[k].bo->base, **at;

			if (!dsb_resv_implicit(&descs[i], &list->e[k]))
				continue;
			at = bsearch(&obj, b->objs, b->n, sizeof(*b->objs), dsb_obj_resv_cmp);
			if (!at || !b->nfences[at - b->objs])
				continue;
			b->nfences[at - b->objs] = 0;
			if (++seen > DRM_DSB_MAX_BATCH_BOS)
				return i;
		}
	}
	return 0;
}

/**
 * dsb_resv_batch_collect() - the reservation objects a batch will lock
 * @b: the batch's state, filled here
 * @descs: the batch's jobs, with their buffer lists
 * @count: number of jobs
 * @bad: out, on -E2BIG, the first job whose buffers go beyond the cap
 *
 * Validate phase: collects the buffers with implicit sync of the batch,
 * once per reservation object, with the number of jobs that will add a
 * fence to each (the fence slots to reserve). Locks nothing; the caller
 * releases @b with dsb_resv_batch_fini() whatever this returns.
 *
 * Return: 0, -E2BIG for more than %DRM_DSB_MAX_BATCH_BOS reservation
 * objects, -ENOMEM.
 */
int dsb_resv_batch_collect(struct dsb_resv_batch *b, const struct dsb_submit_desc *descs,
			   u32 count, u32 *bad)
{
	u32 i, j, k, n = 0;

	/* A job alone always fits: the SQ starts a new batch with it. */
	BUILD_BUG_ON(DRM_DSB_MAX_JOB_BOS > DRM_DSB_MAX_BATCH_BOS);
	b->objs = NULL;
	b->n = 0;
	for (i = 0; i < count; i++)
		n += descs[i].bos ? descs[i].bos->count : 0;
	if (!n)
		return 0;
	b->objs = kvmalloc_array(n, sizeof(*b->objs) + sizeof(*b->nfences), GFP_KERNEL);
	if (!b->objs)
		return -ENOMEM;
	b->nfences = (u32 *)(b->objs + n);
	for (i = 0; i < count; i++) {
		const struct dsb_bo_list *list = descs[i].bos;

		for (k = 0; list && k < list->count; k++)
			if (dsb_resv_implicit(&descs[i], &list->e[k]))
				b->objs[b->n++] = &list->e[k].bo->base;
	}
	/* Adjacent repeats of a reservation object fold into one entry. */
	sort(b->objs, b->n, sizeof(b->objs[0]), dsb_obj_resv_cmp, NULL);
	for (i = 0, n = 0; i < b->n; i = j) {
		for (j = i + 1; j < b->n && b->objs[j]->resv == b->objs[i]->resv; j++)
			;
		b->objs[n] = b->objs[i];
		b->nfences[n++] = j - i;
	}
	b->n = n;
	if (n > DRM_DSB_MAX_BATCH_BOS) {
		*bad = dsb_resv_first_beyond(b, descs, count);
		return -E2BIG;
	}
	return 0;
}

/* The job's dependencies from the fences of its buffers. Locks held. */
static int dsb_resv_add_deps_locked(struct dsb_submit_desc *d)
{
	const struct dsb_bo_list *list = d->bos;
	struct dsb_job *job = d->job;
	u32 first = job->ndeps;
	struct dma_resv_iter cursor;
	struct dma_fence *fence;
	u32 k;
	int ret;

	for (k = 0; list && k < list->count; k++) {
		const struct dsb_bo_list_entry *e = &list->e[k];
		bool write = e->flags & DRM_DSB_BO_WRITE;

		if (!dsb_resv_implicit(d, e))
			continue;
		dma_resv_assert_held(e->bo->base.resv);
		dma_resv_for_each_fence(&cursor, e->bo->base.resv, dma_resv_usage_rw(write),
					fence) {
			ret = dsb_job_add_implicit_dep(job, fence, first);
			if (ret)
				return ret;
		}
	}
	return 0;
}

/**
 * dsb_resv_batch_lock() - lock a batch's reservation objects, resolve them
 * @b: the batch's reservation objects, from dsb_resv_batch_collect()
 * @descs: the batch's jobs, prepared
 * @count: number of jobs
 * @nonblock: fail with -EAGAIN instead of sleeping on a lock
 * @bad: out, on a job's failure, its index
 *
 * Prepare phase: locks the reservation objects collected (one ww_acquire
 * context, -EDEADLK backoff, interruptible), reserves one fence slot per
 * job that will add its fence, and adds the fences found to each job's
 * dependencies by usage. On success the locks stay held until
 * dsb_resv_batch_unlock(), after arm.
 *
 * Return: 0, -EAGAIN (@nonblock and locks to take), -EINTR /
 * -ERESTARTSYS (a signal while locking), -E2BIG (a
 * job would wait for more than %DSB_MAX_JOB_DEPS fence contexts), -ENOMEM;
 * on failure nothing is locked.
 */
int dsb_resv_batch_lock(struct dsb_resv_batch *b, struct dsb_submit_desc *descs,
			u32 count, bool nonblock, u32 *bad)
{
	u32 i;
	int ret;

	if (!b->n)
		return 0;
	/* Reservation locks may sleep: io_uring's inline issue retries later. */
	if (nonblock)
		return -EAGAIN;
	ret = drm_gem_lock_reservations(b->objs, b->n, &b->ctx);
	if (ret)
		return ret;
	for (i = 0; i < b->n && !ret; i++)
		ret = dma_resv_reserve_fences(b->objs[i]->resv, b->nfences[i]);
	for (i = 0; i < count && !ret; i++) {
		ret = dsb_resv_add_deps_locked(&descs[i]);
		if (ret)
			*bad = i;
	}
	if (ret)
		dsb_resv_batch_unlock(b);
	return ret;
}

/**
 * dsb_resv_batch_unlock() - unlock what dsb_resv_batch_lock() locked
 * @b: the batch's state; nothing to do when it locked nothing
 */
void dsb_resv_batch_unlock(struct dsb_resv_batch *b)
{
	if (b->n)
		drm_gem_unlock_reservations(b->objs, b->n, &b->ctx);
}

/**
 * dsb_resv_batch_fini() - release what dsb_resv_batch_collect() gathered
 * @b: the batch's state, unlocked
 */
void dsb_resv_batch_fini(struct dsb_resv_batch *b)
{
	kvfree(b->objs);
	b->objs = NULL;
	b->n = 0;
}

/**
 * dsb_resv_add_job_fence() - publish an armed job's fence to its buffers
 * @job: the job, armed
 * @list: its buffer list, or NULL
 *
 * Arm phase, reservation locks held: adds the fence with the job's usage
 * of each buffer with implicit sync, into slots reserved by
 * dsb_resv_batch_lock(). Allocates nothing.
 */
void dsb_resv_add_job_fence(struct dsb_job *job, const struct dsb_bo_list *list)
{
	u32 k;

	if (!list || job->q->flags & DRM_DSB_QUEUE_EXPLICIT_SYNC)
		return;
	for (k = 0; k < list->count; k++) {
		const struct dsb_bo_list_entry *e = &list->e[k];

		if (e->bo->no_implicit_sync)
			continue;
		dma_resv_add_fence(e->bo->base.resv, &job->fence->base,
				   e->flags & DRM_DSB_BO_WRITE ? DMA_RESV_USAGE_WRITE :
				   DMA_RESV_USAGE_READ);
	}
}
