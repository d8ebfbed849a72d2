// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Copyright (C) 2026 The dsb authors */
/**
 * DOC: dsb, a kernel-side direct-submit broker
 *
 * dsb is a render-node driver for a simulated user-queue GPU. Its queues
 * have a ring and doorbell mapped into the process, as user-queue hardware
 * requires, but the process never writes them: it submits through the
 * kernel, and the kernel, after allocating everything a job needs, creates
 * the job's fence, writes WAIT / EXEC / SIGNAL packets into the ring and
 * rings the doorbell. This file holds the device skeleton: module
 * parameters, the virtual devices, the ioctl table and per-file state.
 */

/**
 * DOC: Locking
 *
 * Locks are taken in this order (a lock is only ever taken while holding
 * locks above it):
 *
 * 1. &dsb_user_queue.sq_lock (mutex): one consumer of a queue's SQ at a
 *    time (the SUBMIT_SQ ioctl, io_uring SUBMIT) and queue destruction.
 *    Held while allocating: the SQ path's prepare phase runs under it.
 * 1a. &dsb_vm.res_lock (mutex, residency): the prepare phase makes the
 *    VM resident under it (allocating, reading back from swap), adding and
 *    removing mappings take it; under it, one swappable BO's reservation
 *    lock at a time, taken alone (no ww context), then &dsb_vm.lock.
 *    Released before 2. The shrinker only trylocks both (dsb_reclaim.c),
 *    and may then wait for a dsb fence with neither held; a CPU fault
 *    takes a BO's reservation lock under the mmap lock, as dma-resv
 *    primes lockdep to expect.
 * 2. The reservation objects of the buffers of a batch with implicit sync
 *    (dma_resv ww_mutexes, all taken with one ww_acquire context in the
 *    prepare phase, dsb_resv.c) and held until the batch is armed.
 *    Allocation is allowed under them (their fence slots are reserved
 *    there); they are never taken inside a fence-signalling section.
 * 3. &dsb_file.batch_lock (mutex), taken only by a batch on more than
 *    one queue, then &dsb_user_queue.submit_lock (mutex) of every queue
 *    of the batch, in increasing queue id: the reserve and arm phases of a
 *    submit; queue destruction takes its queue's submit lock alone. Never
 *    held while allocating: the arm phase runs under them inside a
 *    fence-signalling section. The submit locks are one lock class, and a
 *    task holds more than one only under its file's batch lock (the
 *    batch's queues are all the file's, at most %DSB_MAX_BATCH_QUEUES),
 *    taking each with mutex_lock_nest_lock(); dsb_submit.c asserts it
 *    with lockdep_assert_held(). That is the order lockdep checks: two
 *    submit locks held without the batch lock are reported as recursive
 *    locking, and the batch lock is ordered against every other lock like
 *    any lock. It is also what rules out a deadlock between submit locks:
 *    a task that waits for one while holding another holds the batch
 *    lock, so two such tasks never wait for each other, whatever order
 *    their queues are in; the others (a batch on one queue, the SQ's,
 *    queue destruction) hold one and wait for no other. The id order is
 *    a convention, no longer a requirement. A nonblocking submit (io_uring
 *    issued inline) only tries each lock, the batch lock included.
 * 4. &dsb_device.queues_lock (mutex, the device's queue list): the
 *    watchdog tick holds it inside a fence-signalling section (it bans
 *    under it), so nothing allocates, frees a BO or takes a lock held
 *    around allocation under it; debugfs holds it to walk the queues, and
 *    a queue is added and removed under it, with nothing else held.
 * 4a. The GPU's engine lock (&dsb_engine.lock, dsb_gpu_priv.h): the
 *    engine thread holds it for a whole round inside its own
 *    fence-signalling section, and its interrupts (dsb_irq.c) run under
 *    it; the driver takes it only through dsb_gpu.h (mapping and
 *    unmapping a queue, under 1 and 3 when a queue is destroyed; the
 *    status reads of debugfs, under 4). Never held while allocating.
 * 5. &dsb_user_queue.lock (spinlock, irqsave: in-flight jobs, CQ, state)
 *    or &dsb_vm.lock (rwlock: the GPU VA space, read-held by the GPU
 *    around every memory access, &dsb_gpu_mmu.lock). The two never nest:
 *    a fault found under the VM lock is raised after it is dropped.
 * 6. Under the queue lock, dma_fence_signal() takes each dsb fence's own
 *    lock and runs its callbacks: proxy words of other queues (which only
 *    wake an engine), io_uring waits, syncobj waiters.
 *
 * Leaves, taken with nothing else inside: the take lock of a &struct
 * dsb_recycler (a queue's job cache and fence pool; process context only:
 * giving a job or a fence back takes no lock), the xarray lock of
 * &dsb_file.queues, the accounting table's lock (dsb_mem.c),
 * &dsb_device.vm_lru_lock.
 * Functions that need a lock held are named ``_locked`` and
 * assert it with lockdep_assert_held().
 */
#include <linux/dma-mapping.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/slab.h>
#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/drm_ioctl.h>
#include <drm/drm_prime.h>

#include "dsb_compat.h"
#include "dsb_drv.h"
#include "dsb_bind.h"
#include "dsb_bo.h"
#include "dsb_debugfs.h"
#include "dsb_fence.h"
#include "dsb_job.h"
#include "dsb_mem.h"
#include "dsb_queue.h"
#include "dsb_reclaim.h"
#include "dsb_resv.h"
#include "dsb_submit.h"
#include "dsb_uring.h"
#include "dsb_vm.h"
#include "dsb_wait.h"
#include "dsb_watchdog.h"

#define DRIVER_NAME	"dsb"
#define DRIVER_DESC	"Kernel-side direct-submit broker"
#define DRIVER_DATE	"20261124"
#define DRIVER_MAJOR	1
#define DRIVER_MINOR	DRM_DSB_UAPI_VERSION

unsigned int dsb_max_pinned_mb;
module_param_named(max_pinned_mb, dsb_max_pinned_mb, uint, 0444);
MODULE_PARM_DESC(max_pinned_mb,
		 "Most BO memory a device keeps resident, in MiB (0: total_mem_mb or half of RAM, whichever is less)");

unsigned int dsb_timeout_ms = 2000;
module_param_named(timeout_ms, dsb_timeout_ms, uint, 0644);
MODULE_PARM_DESC(timeout_ms, "Default queue watchdog timeout in ms");

#ifdef DSB_NEGATIVE_CONTROL_BIND
/* Built only by the debug lane's bind negative control, see dsb_bind.c. */
MODULE_INFO(dsb_negative_control_bind,
	    "allocates inside the VM_BIND apply path's signalling section");
#endif

#ifdef DSB_NEGATIVE_CONTROL
/* Built only by the debug lane's negative control, see dsb_submit.c. */
MODULE_INFO(dsb_negative_control, "allocates inside the signalling section");

unsigned int dsb_negctl_site;
module_param_named(negctl_site, dsb_negctl_site, uint, 0444);
MODULE_PARM_DESC(negctl_site,
		 "NEGATIVE CONTROL BUILD ONLY: where to allocate inside a signalling section: 0 a submit's arm phase, 1 the engine while the shrinker waits for a fence");
#endif

#ifdef DSB_TEST_HOOKS
/* Built only for the VM tests (DSB_TEST_HOOKS=y), see dsb_test_hook(). */
MODULE_INFO(dsb_test_hooks, "test-only module parameters");

struct dsb_test_hooks dsb_test_hooks;

module_param_named(test_retire_delay_us, dsb_test_hooks.retire_delay_us, uint, 0644);
MODULE_PARM_DESC(test_retire_delay_us,
		 "TEST BUILD ONLY, default 0: busy-wait this long (at most 20000) in the completion interrupt before a job is retired, to widen the window between the engine's SIGNAL and the fence signal");

module_param_named(test_submit_gap_ms, dsb_test_hooks.submit_gap_ms, uint, 0644);
MODULE_PARM_DESC(test_submit_gap_ms,
		 "TEST BUILD ONLY, default 0: a submit sleeps this long (at most 1000) between reserving its batch and arming it, to widen the window in which its queue may be banned");

module_param_named(test_doorbell_gap_ms, dsb_test_hooks.doorbell_gap_ms, uint, 0644);
MODULE_PARM_DESC(test_doorbell_gap_ms,
		 "TEST BUILD ONLY, default 0: a submit sleeps this long (at most 1000) between handing its jobs over and ringing the doorbell, as a submitter preempted there on a loaded machine");

module_param_named(test_engine_gap_ms, dsb_test_hooks.engine_gap_ms, uint, 0644);
MODULE_PARM_DESC(test_engine_gap_ms,
		 "TEST BUILD ONLY, default 0: the engine threads sleep this long (at most 200) between rounds, as a thread preempted on a loaded machine does; doorbells do not wake them");

module_param_named(test_slice_stall_ms, dsb_test_hooks.slice_stall_ms, uint, 0644);
MODULE_PARM_DESC(test_slice_stall_ms,
		 "TEST BUILD ONLY, default 0: an engine sleeps this long (at most 200) at the start of every time slice that has work, before its first step, and again at its end, after its last step, as an engine thread preempted there on a loaded machine");
#endif

/* Parameters that are the same for every device and file (all nonzero). */
static const u64 dsb_fixed_params[] = {
	[DRM_DSB_PARAM_UAPI_VERSION] = DRM_DSB_UAPI_VERSION,
	[DRM_DSB_PARAM_MAX_BO_SIZE] = DSB_MAX_BO_SIZE,
	[DRM_DSB_PARAM_VA_START] = DSB_VA_START,
	[DRM_DSB_PARAM_VA_SIZE] = DSB_VA_SIZE,
	[DRM_DSB_PARAM_MAX_QUEUES] = DSB_MAX_QUEUES,
	[DRM_DSB_PARAM_MAX_RING_PACKETS] = DSB_MAX_RING_PACKETS,
	[DRM_DSB_PARAM_MAX_FENCE_SLOTS] = DSB_MAX_FENCE_SLOTS,
	[DRM_DSB_PARAM_MAX_CMD_LEN] = DSB_MAX_CMD_LEN,
	[DRM_DSB_PARAM_MAX_JOB_DEPS] = DSB_MAX_JOB_DEPS,
	[DRM_DSB_PARAM_MAX_JOB_BOS] = DRM_DSB_MAX_JOB_BOS,
	[DRM_DSB_PARAM_MAX_URING_WAITS] = DSB_MAX_URING_WAITS,
	[DRM_DSB_PARAM_MAX_BATCH_BOS] = DRM_DSB_MAX_BATCH_BOS,
};

static int dsb_ioctl_get_param(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct dsb_device *ddev = to_dsb_device(dev);
	struct drm_dsb_get_param *args = data;
	struct dsb_file *df = file->driver_priv;

	if (args->pad)
		return -EINVAL;
	switch (args->param) {
	case DRM_DSB_PARAM_NUM_ENGINES:
		args->value = ddev->gpu->num_engines;
		break;
	case DRM_DSB_PARAM_HW_SLOTS:
		args->value = ddev->gpu->hw_slots;
		break;
	case DRM_DSB_PARAM_DEVICE_INDEX:
		args->value = ddev->index;
		break;
	case DRM_DSB_PARAM_DEFAULT_TIMEOUT_MS:
		args->value = READ_ONCE(dsb_timeout_ms);
		break;
	case DRM_DSB_PARAM_CLIENT_MEM_LIMIT:
		args->value = dsb_mem_client_limit();
		break;
	case DRM_DSB_PARAM_TOTAL_MEM_LIMIT:
		args->value = dsb_mem_total_limit();
		break;
	case DRM_DSB_PARAM_MAX_PINNED:
		args->value = ddev->pinned_limit;
		break;
	case DRM_DSB_PARAM_CLIENT_MEM_USED:
		args->value = atomic64_read(&df->mem->used);
		break;
	case DRM_DSB_PARAM_VM_BIND:
		args->value = DSB_HAVE_VM_BIND;
		break;
	default:
		if (args->param >= ARRAY_SIZE(dsb_fixed_params) ||
		    !dsb_fixed_params[args->param])
			return -EINVAL;
		args->value = dsb_fixed_params[args->param];
		break;
	}
	return 0;
}

/*
 * A new file charges its user DSB_FILE_CHARGE: opening fds is bounded by
 * RLIMIT_NOFILE, but not across processes of the same user.
 */
static int dsb_open(struct drm_device *dev, struct drm_file *file)
{
	struct dsb_mem_client *mem;
	struct dsb_file *df;
	int ret;

	mem = dsb_mem_client_get_current();
	if (!mem)
		return -ENOMEM;
	ret = dsb_mem_charge(mem, DSB_FILE_CHARGE);
	if (ret)
		goto err_put;
	df = kzalloc(sizeof(*df), GFP_KERNEL_ACCOUNT);
	if (!df) {
		ret = -ENOMEM;
		goto err_uncharge;
	}
	df->ddev = to_dsb_device(dev);
	df->mem = mem;
	df->client_id = dsb_file_client_id(file);
	df->vm = dsb_vm_create(df->ddev, df->client_id);
	if (!df->vm) {
		ret = -ENOMEM;
		goto err_free;
	}
	xa_init_flags(&df->queues, XA_FLAGS_ALLOC1);
	xa_init_flags(&df->bo_lists, XA_FLAGS_ALLOC1);
	spin_lock_init(&df->uring_lock);
	INIT_LIST_HEAD(&df->uring_waits);
	mutex_init(&df->batch_lock);
	file->driver_priv = df;
	return 0;

err_free:
	kfree(df);
err_uncharge:
	dsb_mem_uncharge(mem, DSB_FILE_CHARGE);
err_put:
	dsb_mem_client_put(mem);
	return ret;
}

static void dsb_postclose(struct drm_device *dev, struct drm_file *file)
{
	struct dsb_file *df = file->driver_priv;

	/* Each pending io_uring wait holds the file through its request. */
	WARN_ON_ONCE(atomic_read(&df->uring_nwaits) || !list_empty(&df->uring_waits));
	dsb_file_destroy_queues(file);
	xa_destroy(&df->queues);
	dsb_file_destroy_bo_lists(df);
	dsb_vm_put(df->vm);
	dsb_mem_uncharge(df->mem, DSB_FILE_CHARGE);
	dsb_mem_client_put(df->mem);
	mutex_destroy(&df->batch_lock);
	kfree(df);
	file->driver_priv = NULL;
}

#define DSB_IOCTL(n, func) \
	DRM_IOCTL_DEF_DRV(DSB_##n, dsb_ioctl_##func, DRM_RENDER_ALLOW)

static const struct drm_ioctl_desc dsb_ioctls[] = {
	DSB_IOCTL(GET_PARAM, get_param),
	DSB_IOCTL(BO_CREATE, bo_create),
	DSB_IOCTL(BO_INFO, bo_info),
	DSB_IOCTL(QUEUE_CREATE, queue_create),
	DSB_IOCTL(QUEUE_DESTROY, queue_destroy),
	DSB_IOCTL(SUBMIT, submit),
	DSB_IOCTL(WAIT, wait),
	DSB_IOCTL(QUEUE_STATUS, queue_status),
	DSB_IOCTL(QUEUE_SUBMIT_SQ, queue_submit_sq),
	DSB_IOCTL(BO_LIST_CREATE, bo_list_create),
	DSB_IOCTL(BO_LIST_DESTROY, bo_list_destroy),
	DSB_IOCTL(JOB_ERROR, job_error),
	DSB_IOCTL(BO_MADVISE, bo_madvise),
	DSB_IOCTL(FENCE_TO_HANDLE, fence_to_handle),
	DSB_IOCTL(VM_INIT, vm_init),
	DSB_IOCTL(VM_BIND, vm_bind),
};

static const struct file_operations dsb_fops = {
	.owner = THIS_MODULE,
	.open = drm_open,
	.release = drm_release,
	.unlocked_ioctl = drm_ioctl,
	.compat_ioctl = drm_compat_ioctl,
	.poll = drm_poll,
	.read = drm_read,
	.llseek = noop_llseek,
	.mmap = drm_gem_mmap,
	.uring_cmd = dsb_uring_cmd,
	DSB_FOPS_EXTRA
};

static const struct drm_driver dsb_driver = {
	.driver_features = DRIVER_GEM | DRIVER_RENDER | DRIVER_SYNCOBJ |
			   DRIVER_SYNCOBJ_TIMELINE,
	.open = dsb_open,
	.postclose = dsb_postclose,
	.gem_prime_import = dsb_gem_prime_import,
	DSB_DRIVER_PRIME_HOOKS
	DSB_DRIVER_FDINFO
	.debugfs_init = dsb_debugfs_init,
	.ioctls = dsb_ioctls,
	.num_ioctls = ARRAY_SIZE(dsb_ioctls),
	.fops = &dsb_fops,
	.name = DRIVER_NAME,
	.desc = DRIVER_DESC,
	.date = DRIVER_DATE,
	.major = DRIVER_MAJOR,
	.minor = DRIVER_MINOR,
};

/*
 * Bind to a GPU the module plugged in (dsb_gpu_dev.c): the DRM device,
 * its watchdog and shrinker, the GPU's interrupts, the render node.
 */
static int dsb_probe(struct platform_device *pdev)
{
	struct dsb_device *ddev;
	int ret;

	ddev = devm_drm_dev_alloc(&pdev->dev, &dsb_driver, struct dsb_device, drm);
	if (IS_ERR(ddev))
		return PTR_ERR(ddev);
	ddev->index = pdev->id;
	ddev->gpu = dsb_gpu_from_dev(&pdev->dev);
	/* Swappable BOs may add up to more than RAM: residency may not. */
	ddev->pinned_limit = min(dsb_mem_total_limit(),
				 (u64)totalram_pages() << (PAGE_SHIFT - 1));
	if (dsb_max_pinned_mb)
		ddev->pinned_limit = min(ddev->pinned_limit, (u64)dsb_max_pinned_mb << 20);
	mutex_init(&ddev->queues_lock);
	INIT_LIST_HEAD(&ddev->queues);
	/* A virtual device: let PRIME importers map our pages. */
	dma_coerce_mask_and_coherent(ddev->drm.dev, DMA_BIT_MASK(64));

	dsb_watchdog_init(ddev);
	ret = dsb_reclaim_init(ddev);
	if (ret)
		return ret;
	dsb_gpu_attach(ddev->gpu, &dsb_irq_ops);
	ret = drm_dev_register(&ddev->drm, 0);
	if (ret) {
		dsb_gpu_detach(ddev->gpu);
		dsb_reclaim_fini(ddev);
		return ret;
	}
	platform_set_drvdata(pdev, ddev);
	return 0;
}

/*
 * Unbind (module unload, or a write to the driver's unbind file): the
 * render node goes away, ioctls of files still open fail with -ENODEV,
 * every queue is taken off the GPU and its fences signal; the files keep
 * their memory until they close.
 */
static void dsb_remove(struct platform_device *pdev)
{
	struct dsb_device *ddev = platform_get_drvdata(pdev);

	drm_dev_unplug(&ddev->drm);
	dsb_device_stop_queues(ddev);
	dsb_watchdog_fini(ddev);
	dsb_reclaim_fini(ddev);
	dsb_gpu_detach(ddev->gpu);
}

static struct platform_driver dsb_platform_driver = {
	.probe = dsb_probe,
	DSB_PLATFORM_REMOVE(dsb_remove),
	.driver = {
		.name = DRIVER_NAME,
	},
};

static void dsb_exit(void)
{
	platform_driver_unregister(&dsb_platform_driver);
	dsb_gpu_devices_destroy();
	dsb_watchdog_module_exit();
	dsb_bind_module_exit();
	dsb_fence_module_exit();
}

static int __init dsb_init(void)
{
	int ret;

	dsb_mem_init_limits();
	dsb_job_module_init();
	ret = dsb_fence_module_init();
	if (ret)
		return ret;
	ret = dsb_bind_module_init();
	if (ret)
		goto err_fence;
	ret = dsb_watchdog_module_init();
	if (ret)
		goto err_bind;
	ret = platform_driver_register(&dsb_platform_driver);
	if (ret)
		goto err_watchdog;
	ret = dsb_gpu_devices_create(DRIVER_NAME);
	if (ret)
		goto err_driver;
	return 0;

err_driver:
	platform_driver_unregister(&dsb_platform_driver);
err_watchdog:
	dsb_watchdog_module_exit();
err_bind:
	dsb_bind_module_exit();
err_fence:
	dsb_fence_module_exit();
	return ret;
}

static void __exit dsb_module_exit(void)
{
	dsb_exit();
}

module_init(dsb_init);
module_exit(dsb_module_exit);

MODULE_AUTHOR("The dsb authors");
MODULE_DESCRIPTION(DRIVER_DESC);
MODULE_LICENSE("Dual MIT/GPL");
MODULE_IMPORT_NS(DMA_BUF);
