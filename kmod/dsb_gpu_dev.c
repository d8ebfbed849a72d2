// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Copyright (C) 2026 The dsb authors */
/**
 * DOC: The simulated GPU: devices
 *
 * The module "plugs in" its GPUs before any driver binds: each is a
 * &struct dsb_gpu with its engines running, behind a platform device
 * named ``dsb.N`` whose platform data points at it. The DRM driver
 * (dsb_drv.c) binds to those devices as a platform driver, as a driver
 * binds to a real GPU, so sysfs shows the driver and unbinding and
 * rebinding through ``/sys/bus/platform/drivers/dsb`` work. The GPU
 * outlives any binding: it goes away when the module does.
 */
#include <linux/err.h>
#include <linux/moduleparam.h>
#include <linux/platform_device.h>

#include "dsb_gpu.h"

#define DSB_MAX_DEVICES	4

static unsigned int dsb_num_devices = 1;
module_param_named(num_devices, dsb_num_devices, uint, 0444);
MODULE_PARM_DESC(num_devices, "Number of dsb devices to create (1-4)");

static unsigned int dsb_num_engines = 2;
module_param_named(engines, dsb_num_engines, uint, 0444);
MODULE_PARM_DESC(engines, "Engines per device (1-8)");

static unsigned int dsb_hw_slots = 4;
module_param_named(hw_slots, dsb_hw_slots, uint, 0444);
MODULE_PARM_DESC(hw_slots, "Hardware queue slots per engine (1-16)");

static struct platform_device *dsb_gpu_pdevs[DSB_MAX_DEVICES];
static struct dsb_gpu *dsb_gpus[DSB_MAX_DEVICES];

/**
 * dsb_gpu_from_dev() - the GPU behind a device dsb_gpu_devices_create() made
 * @dev: the platform device's &struct device
 *
 * Return: the GPU.
 */
struct dsb_gpu *dsb_gpu_from_dev(struct device *dev)
{
	return *(struct dsb_gpu **)dev_get_platdata(dev);
}

/**
 * dsb_gpu_devices_destroy() - unplug every GPU
 *
 * A driver still bound is unbound first (its remove runs).
 */
void dsb_gpu_devices_destroy(void)
{
	unsigned int i;

	for (i = 0; i < DSB_MAX_DEVICES; i++) {
		if (dsb_gpu_pdevs[i])
			platform_device_unregister(dsb_gpu_pdevs[i]);
		dsb_gpu_pdevs[i] = NULL;
		if (dsb_gpus[i])
			dsb_gpu_destroy(dsb_gpus[i]);
		dsb_gpus[i] = NULL;
	}
}

/**
 * dsb_gpu_devices_create() - plug in the GPUs (module parameters)
 * @driver_name: the name the devices are created under
 *
 * Return: 0 or a negative errno; nothing is left behind on failure.
 */
int dsb_gpu_devices_create(const char *driver_name)
{
	unsigned int i;
	int ret;

	if (!dsb_num_devices || dsb_num_devices > DSB_MAX_DEVICES) {
		pr_err("dsb: num_devices must be 1 to %u\n", DSB_MAX_DEVICES);
		return -EINVAL;
	}
	for (i = 0; i < dsb_num_devices; i++) {
		struct platform_device *pdev;
		struct dsb_gpu *gpu;

		gpu = dsb_gpu_create(i, dsb_num_engines, dsb_hw_slots);
		if (IS_ERR(gpu)) {
			ret = PTR_ERR(gpu);
			goto err;
		}
		dsb_gpus[i] = gpu;
		pdev = platform_device_register_data(NULL, driver_name, i, &gpu, sizeof(gpu));
		if (IS_ERR(pdev)) {
			ret = PTR_ERR(pdev);
			goto err;
		}
		dsb_gpu_pdevs[i] = pdev;
	}
	return 0;

err:
	dsb_gpu_devices_destroy();
	return ret;
}
