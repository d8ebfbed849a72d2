// SPDX-License-Identifier: MIT
/* Copyright (C) 2026 The dsb authors */
/*
 * Foundation tests, run in the VM: the device is found through libdrm by
 * driver name, GET_PARAM answers every parameter, buffer objects can be
 * created, mapped, written, read, shared through PRIME and closed, and
 * every bad input gets the errno that uapi/drm/dsb_drm.h documents.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/mman.h>

#include "vm_suite.h"

static uint64_t param(int f, uint32_t p)
{
	uint64_t v = 0;

	ck_assert_int_eq(dsb_test_get_param(f, p, &v), 0);
	return v;
}

static int is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

/* --- device ----------------------------------------------------------- */

START_TEST(test_version_is_dsb)
{
	drmVersionPtr v = drmGetVersion(fd);

	ck_assert_ptr_nonnull(v);
	ck_assert_str_eq(v->name, "dsb");
	ck_assert_int_eq(v->name_len, 3);
	ck_assert_ptr_nonnull(v->desc);
	ck_assert_int_gt(v->desc_len, 0);
	ck_assert_int_ge(v->version_major, 0);
	drmFreeVersion(v);
}
END_TEST

START_TEST(test_render_node)
{
	char *name = drmGetDeviceNameFromFd2(fd);

	ck_assert_ptr_nonnull(name);
	ck_assert_msg(strncmp(name, "/dev/dri/renderD", 16) == 0,
		      "dsb opened as %s, expected a render node", name);
	ck_assert_int_eq(drmGetNodeTypeFromFd(fd), DRM_NODE_RENDER);
	free(name);
}
END_TEST

/*
 * scripts/vm.sh loads the module with num_devices=2: each device is its own
 * render node, knows its index, and opens independently.
 */
START_TEST(test_num_devices)
{
	FILE *f = fopen("/sys/module/dsb/parameters/num_devices", "r");
	unsigned int want = 0;
	int n = dsb_test_count_devices();

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fscanf(f, "%u", &want), 1);
	fclose(f);
	ck_assert_int_eq(n, (int)want);
	ck_assert_int_ge(n, 2);
	for (int i = 0; i < n; i++) {
		int d = dsb_test_open(i);

		ck_assert_int_ge(d, 0);
		ck_assert_uint_eq(param(d, DRM_DSB_PARAM_DEVICE_INDEX), (uint64_t)i);
		close(d);
	}
	ck_assert_int_eq(dsb_test_open(n), -ENODEV);
}
END_TEST

/* --- GET_PARAM ----------------------------------------------------------- */

START_TEST(test_params)
{
	uint64_t va_start, va_size, max_bo;

	ck_assert_uint_eq(param(fd, DRM_DSB_PARAM_UAPI_VERSION), DRM_DSB_UAPI_VERSION);
	ck_assert_uint_ge(param(fd, DRM_DSB_PARAM_NUM_ENGINES), 1);
	ck_assert_uint_ge(param(fd, DRM_DSB_PARAM_HW_SLOTS), 1);

	max_bo = param(fd, DRM_DSB_PARAM_MAX_BO_SIZE);
	ck_assert_uint_ge(max_bo, 1u << 20);
	ck_assert_uint_eq(max_bo % PAGE, 0);

	va_start = param(fd, DRM_DSB_PARAM_VA_START);
	va_size = param(fd, DRM_DSB_PARAM_VA_SIZE);
	ck_assert_uint_ne(va_start, 0);
	ck_assert_uint_eq(va_start % PAGE, 0);
	ck_assert_uint_gt(va_size, max_bo);
	ck_assert_uint_gt(va_start + va_size, va_start);

	ck_assert_uint_ge(param(fd, DRM_DSB_PARAM_MAX_QUEUES), 1);
	/* The documented defaults (256 packets, 64 slots) must be legal. */
	ck_assert(is_pow2(param(fd, DRM_DSB_PARAM_MAX_RING_PACKETS)));
	ck_assert_uint_ge(param(fd, DRM_DSB_PARAM_MAX_RING_PACKETS), 256);
	ck_assert(is_pow2(param(fd, DRM_DSB_PARAM_MAX_FENCE_SLOTS)));
	ck_assert_uint_ge(param(fd, DRM_DSB_PARAM_MAX_FENCE_SLOTS), 64);
	ck_assert_uint_ge(param(fd, DRM_DSB_PARAM_MAX_CMD_LEN), DRM_DSB_INSTR_SIZE);
	ck_assert_uint_eq(param(fd, DRM_DSB_PARAM_MAX_CMD_LEN) % DRM_DSB_INSTR_SIZE, 0);
	ck_assert_uint_ge(param(fd, DRM_DSB_PARAM_MAX_JOB_DEPS), 1);
	ck_assert_uint_eq(param(fd, DRM_DSB_PARAM_DEVICE_INDEX), 0);
	ck_assert_uint_gt(param(fd, DRM_DSB_PARAM_DEFAULT_TIMEOUT_MS), 0);

	/* Memory limits: per user within the total; a device's pins too. */
	ck_assert_uint_ge(param(fd, DRM_DSB_PARAM_CLIENT_MEM_LIMIT), max_bo / 16);
	ck_assert_uint_le(param(fd, DRM_DSB_PARAM_CLIENT_MEM_LIMIT),
			  param(fd, DRM_DSB_PARAM_TOTAL_MEM_LIMIT));
	ck_assert_uint_le(param(fd, DRM_DSB_PARAM_MAX_PINNED),
			  param(fd, DRM_DSB_PARAM_TOTAL_MEM_LIMIT));
	/* This open file is charged at least a page to its user. */
	ck_assert_uint_ge(param(fd, DRM_DSB_PARAM_CLIENT_MEM_USED), PAGE);
	ck_assert_uint_le(param(fd, DRM_DSB_PARAM_CLIENT_MEM_USED),
			  param(fd, DRM_DSB_PARAM_CLIENT_MEM_LIMIT));
}
END_TEST

START_TEST(test_param_unknown)
{
	uint64_t v = 0;

	ck_assert_int_eq(dsb_test_get_param(fd, DRM_DSB_PARAM_VM_BIND + 1, &v),
			 -EINVAL);
	ck_assert_int_eq(dsb_test_get_param(fd, 0x7fffffff, &v), -EINVAL);
	ck_assert_int_eq(dsb_test_get_param(fd, 0xffffffff, &v), -EINVAL);
}
END_TEST

START_TEST(test_param_pad)
{
	struct drm_dsb_get_param gp = {
		.param = DRM_DSB_PARAM_UAPI_VERSION,
		.pad = 1,
	};

	ck_assert_int_eq(dsb_test_ioctl(fd, DRM_IOCTL_DSB_GET_PARAM, &gp), -EINVAL);
	gp.pad = 0x80000000u;
	ck_assert_int_eq(dsb_test_ioctl(fd, DRM_IOCTL_DSB_GET_PARAM, &gp), -EINVAL);
	gp.pad = 0;
	ck_assert_int_eq(dsb_test_ioctl(fd, DRM_IOCTL_DSB_GET_PARAM, &gp), 0);
	ck_assert_uint_eq(gp.value, DRM_DSB_UAPI_VERSION);
}
END_TEST

/* --- buffer objects ------------------------------------------------------ */

START_TEST(test_bo_create_mmap_rw)
{
	uint64_t va_start = param(fd, DRM_DSB_PARAM_VA_START);
	uint64_t va_size = param(fd, DRM_DSB_PARAM_VA_SIZE);
	struct dsb_test_bo bo;
	uint32_t *p;
	void *again;

	/* Sizes round up to pages. */
	ck_assert_int_eq(dsb_test_bo_create(fd, 3 * PAGE + 1, &bo), 0);
	ck_assert_uint_eq(bo.size, 4 * PAGE);
	ck_assert_uint_ne(bo.handle, 0);
	ck_assert_uint_eq(bo.va % PAGE, 0);
	ck_assert_uint_ge(bo.va, va_start);
	ck_assert_uint_le(bo.va + bo.size, va_start + va_size);
	ck_assert_uint_eq(bo.mmap_offset % PAGE, 0);
	ck_assert_uint_ne(bo.mmap_offset, 0);

	/* Fresh memory never shows another process's data. */
	p = bo.map;
	for (size_t i = 0; i < bo.size / 4; i++)
		ck_assert_uint_eq(p[i], 0);
	for (size_t i = 0; i < bo.size / 4; i++)
		p[i] = (uint32_t)(0x9e3779b9u * (i + 1));

	/* A second mapping sees the same pages. */
	again = dsb_test_mmap(fd, bo.mmap_offset, bo.size, PROT_READ);
	ck_assert_ptr_nonnull(again);
	ck_assert_int_eq(memcmp(again, bo.map, bo.size), 0);
	munmap(again, bo.size);

	ck_assert_int_eq(dsb_test_bo_destroy(fd, &bo), 0);
}
END_TEST

START_TEST(test_bo_va_guard_page)
{
	struct dsb_test_bo bo[4];

	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(dsb_test_bo_create(fd, (i + 1) * PAGE, &bo[i]), 0);
	/* Mappings never overlap and are separated by an unmapped page. */
	for (int i = 0; i < 4; i++) {
		for (int j = 0; j < 4; j++) {
			if (i == j)
				continue;
			ck_assert_msg(bo[i].va + bo[i].size + PAGE <= bo[j].va ||
				      bo[j].va + bo[j].size + PAGE <= bo[i].va,
				      "BO %d [%#llx+%#llx] and BO %d [%#llx+%#llx] lack a guard page",
				      i, (unsigned long long)bo[i].va,
				      (unsigned long long)bo[i].size, j,
				      (unsigned long long)bo[j].va,
				      (unsigned long long)bo[j].size);
		}
		ck_assert_uint_ne(bo[i].mmap_offset, bo[(i + 1) % 4].mmap_offset);
	}
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(dsb_test_bo_destroy(fd, &bo[i]), 0);
}
END_TEST

START_TEST(test_bo_info)
{
	struct dsb_test_bo bo;
	struct drm_dsb_bo_info info = { 0 };

	ck_assert_int_eq(dsb_test_bo_create(fd, 2 * PAGE, &bo), 0);
	info.handle = bo.handle;
	ck_assert_int_eq(dsb_test_ioctl(fd, DRM_IOCTL_DSB_BO_INFO, &info), 0);
	ck_assert_uint_eq(info.size, bo.size);
	ck_assert_uint_eq(info.va, bo.va);
	ck_assert_uint_eq(info.mmap_offset, bo.mmap_offset);

	/* Asking twice does not map it twice. */
	memset(&info, 0, sizeof(info));
	info.handle = bo.handle;
	ck_assert_int_eq(dsb_test_ioctl(fd, DRM_IOCTL_DSB_BO_INFO, &info), 0);
	ck_assert_uint_eq(info.va, bo.va);

	memset(&info, 0, sizeof(info));
	info.handle = bo.handle;
	info.pad = 1;
	ck_assert_int_eq(dsb_test_ioctl(fd, DRM_IOCTL_DSB_BO_INFO, &info), -EINVAL);
	ck_assert_int_eq(dsb_test_bo_destroy(fd, &bo), 0);
}
END_TEST

START_TEST(test_bo_close)
{
	struct dsb_test_bo bo;
	struct drm_dsb_bo_info info = { 0 };
	volatile uint64_t *p;

	ck_assert_int_eq(dsb_test_bo_create(fd, PAGE, &bo), 0);
	p = bo.map;
	p[0] = 0x1122334455667788ull;

	ck_assert_int_eq(dsb_test_gem_close(fd, bo.handle), 0);
	info.handle = bo.handle;
	ck_assert_int_eq(dsb_test_ioctl(fd, DRM_IOCTL_DSB_BO_INFO, &info), -ENOENT);
	/* The handle is gone: closing it again fails. */
	ck_assert_int_eq(dsb_test_gem_close(fd, bo.handle), -EINVAL);

	/* An existing CPU mapping keeps the memory alive. */
	ck_assert_uint_eq(p[0], 0x1122334455667788ull);
	p[1] = 42;
	ck_assert_uint_eq(p[1], 42);
	munmap(bo.map, bo.size);
}
END_TEST

START_TEST(test_bo_close_on_fd_close)
{
	int f2 = dsb_test_open(0);
	struct dsb_test_bo bo[8];

	ck_assert_int_ge(f2, 0);
	/* BOs left open when the file closes are freed with it (kmemleak
	 * on the debug kernel checks that nothing stays behind). */
	for (int i = 0; i < 8; i++)
		ck_assert_int_eq(dsb_test_bo_create(f2, PAGE * (i + 1), &bo[i]), 0);
	for (int i = 0; i < 4; i++)
		munmap(bo[i].map, bo[i].size);
	close(f2);
	/* The remaining mappings still work after the file is gone. */
	for (int i = 4; i < 8; i++) {
		memset(bo[i].map, 0x5a, bo[i].size);
		munmap(bo[i].map, bo[i].size);
	}
}
END_TEST

/* --- PRIME ----------------------------------------------------------------- */

START_TEST(test_prime_reimport_same_file)
{
	struct dsb_test_bo bo;
	uint32_t handle = 0;
	int dmabuf = -1;

	ck_assert_int_eq(dsb_test_bo_create(fd, 4 * PAGE, &bo), 0);
	ck_assert_int_eq(drmPrimeHandleToFD(fd, bo.handle, DRM_CLOEXEC | DRM_RDWR,
					    &dmabuf), 0);
	ck_assert_int_ge(dmabuf, 0);
	ck_assert_int_eq(drmPrimeFDToHandle(fd, dmabuf, &handle), 0);
	/* Importing our own export gives our handle back. */
	ck_assert_uint_eq(handle, bo.handle);
	close(dmabuf);
	ck_assert_int_eq(dsb_test_bo_destroy(fd, &bo), 0);
}
END_TEST

static void check_import(int exporter, int importer, const char *what)
{
	struct drm_dsb_bo_info info = { 0 };
	struct dsb_test_bo bo;
	uint32_t handle = 0;
	int dmabuf = -1;
	uint64_t *p;

	ck_assert_int_eq(dsb_test_bo_create(exporter, 2 * PAGE, &bo), 0);
	memset(bo.map, 0xc3, bo.size);
	ck_assert_int_eq(drmPrimeHandleToFD(exporter, bo.handle,
					    DRM_CLOEXEC | DRM_RDWR, &dmabuf), 0);
	ck_assert_msg(drmPrimeFDToHandle(importer, dmabuf, &handle) == 0,
		      "import into %s: %s", what, strerror(errno));
	ck_assert_uint_ne(handle, 0);

	/* BO_INFO maps the import into the importer's VA space. */
	info.handle = handle;
	ck_assert_int_eq(dsb_test_ioctl(importer, DRM_IOCTL_DSB_BO_INFO, &info), 0);
	ck_assert_uint_eq(info.size, bo.size);
	ck_assert_uint_ne(info.va, 0);
	ck_assert_uint_eq(info.va % PAGE, 0);

	/* Both sides see the same memory. */
	p = dsb_test_mmap(importer, info.mmap_offset, info.size,
			  PROT_READ | PROT_WRITE);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(p[0], 0xc3c3c3c3c3c3c3c3ull);
	p[1] = 0xfeedfacecafebeefull;
	ck_assert_uint_eq(((uint64_t *)bo.map)[1], 0xfeedfacecafebeefull);
	munmap(p, info.size);

	/* The importer's handle lives on after the exporter closes its own. */
	close(dmabuf);
	ck_assert_int_eq(dsb_test_bo_destroy(exporter, &bo), 0);
	memset(&info, 0, sizeof(info));
	info.handle = handle;
	ck_assert_int_eq(dsb_test_ioctl(importer, DRM_IOCTL_DSB_BO_INFO, &info), 0);
	ck_assert_int_eq(dsb_test_gem_close(importer, handle), 0);
}

START_TEST(test_prime_import_other_file)
{
	int f2 = dsb_test_open(0);

	ck_assert_int_ge(f2, 0);
	check_import(fd, f2, "another file of the same device");
	close(f2);
}
END_TEST

START_TEST(test_prime_import_other_device)
{
	int f2 = dsb_test_open(1);

	if (f2 < 0) {
		fprintf(stderr, "no second dsb device, cross-device import not tested\n");
		return;
	}
	check_import(fd, f2, "another dsb device");
	close(f2);
}
END_TEST

/* --- isolation --------------------------------------------------------- */

START_TEST(test_handles_are_per_file)
{
	int f2 = dsb_test_open(0);
	struct drm_dsb_bo_info info = { 0 };
	struct dsb_test_bo bo;
	void *p;

	ck_assert_int_ge(f2, 0);
	ck_assert_int_eq(dsb_test_bo_create(fd, PAGE, &bo), 0);
	info.handle = bo.handle;
	ck_assert_int_eq(dsb_test_ioctl(f2, DRM_IOCTL_DSB_BO_INFO, &info), -ENOENT);
	/* Another file cannot map our BO by guessing its offset. */
	p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, f2, (off_t)bo.mmap_offset);
	ck_assert_msg(p == MAP_FAILED, "file 2 mapped file 1's BO");
	ck_assert_int_eq(dsb_test_bo_destroy(fd, &bo), 0);
	close(f2);
}
END_TEST

START_TEST(test_mmap_bad_offset)
{
	struct dsb_test_bo bo;
	void *p;

	ck_assert_int_eq(dsb_test_bo_create(fd, PAGE, &bo), 0);
	/* Beyond the object. */
	p = mmap(NULL, 2 * PAGE, PROT_READ, MAP_SHARED, fd, (off_t)bo.mmap_offset);
	ck_assert(p == MAP_FAILED);
	/* An offset nothing was given. */
	p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd,
		 (off_t)(bo.mmap_offset + (1ull << 36)));
	ck_assert(p == MAP_FAILED);
	ck_assert_int_eq(dsb_test_bo_destroy(fd, &bo), 0);
}
END_TEST

/* --- bad input ------------------------------------------------------------- */

static int bo_create_raw(struct drm_dsb_bo_create *c)
{
	return dsb_test_ioctl(fd, DRM_IOCTL_DSB_BO_CREATE, c);
}

START_TEST(test_bo_create_zero_size)
{
	struct drm_dsb_bo_create c = { .size = 0 };

	ck_assert_int_eq(bo_create_raw(&c), -EINVAL);
}
END_TEST

START_TEST(test_bo_create_unknown_flags)
{
	/* Bit 0 is DRM_DSB_BO_NO_IMPLICIT_SYNC (version 7). */
	for (int bit = 1; bit < 32; bit++) {
		struct drm_dsb_bo_create c = { .size = PAGE, .flags = 1u << bit };

		ck_assert_msg(bo_create_raw(&c) == -EINVAL,
			      "flag bit %d accepted", bit);
	}
}
END_TEST

START_TEST(test_bo_create_huge)
{
	uint64_t max_bo = param(fd, DRM_DSB_PARAM_MAX_BO_SIZE);
	const uint64_t sizes[] = {
		max_bo + 1, max_bo + PAGE, max_bo * 2, 1ull << 62,
		UINT64_MAX - PAGE + 2,	/* overflows when rounded up to a page */
		UINT64_MAX,
	};

	for (unsigned int i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct drm_dsb_bo_create c = { .size = sizes[i] };

		ck_assert_msg(bo_create_raw(&c) == -E2BIG,
			      "size %#llx: not -E2BIG",
			      (unsigned long long)sizes[i]);
	}
}
END_TEST

START_TEST(test_bo_info_bad_handle)
{
	const uint32_t handles[] = { 0, 0x7fffffff, 0xffffffff, 12345 };

	for (unsigned int i = 0; i < sizeof(handles) / sizeof(handles[0]); i++) {
		struct drm_dsb_bo_info info = { .handle = handles[i] };

		ck_assert_int_eq(dsb_test_ioctl(fd, DRM_IOCTL_DSB_BO_INFO, &info),
				 -ENOENT);
	}
}
END_TEST

START_TEST(test_prime_bad_handle)
{
	int dmabuf = -1;

	ck_assert_int_ne(drmPrimeHandleToFD(fd, 0xdeadbeef, DRM_CLOEXEC, &dmabuf), 0);
	ck_assert_int_eq(errno, ENOENT);
}
END_TEST

/* --- fault injection --------------------------------------------------- */

/*
 * Under dsb-fault-inject (debug kernel) allocations fail at random while
 * BOs are created, exported and imported: each call must succeed or return
 * -ENOMEM, and whatever succeeded must work. kmemleak then checks that the
 * failures leaked nothing. Without fault injection all calls succeed.
 */
START_TEST(test_bo_fault_injection)
{
	int f2 = dsb_test_open(0);
	int ok = 0, nomem = 0;

	ck_assert_int_ge(f2, 0);
	for (int i = 0; i < 100; i++) {
		struct drm_dsb_bo_create c = { .size = (uint64_t)(i % 8 + 1) * PAGE };
		struct drm_dsb_bo_info info = { 0 };
		uint32_t handle = 0;
		int dmabuf = -1;
		int ret;

		dsb_fi_begin();
		ret = bo_create_raw(&c);
		dsb_fi_end();
		ck_assert_msg(dsb_test_ok_or_enomem(ret), "BO_CREATE: %d", ret);
		if (ret) {
			nomem++;
			continue;
		}
		ok++;

		dsb_fi_begin();
		ret = drmPrimeHandleToFD(fd, c.handle, DRM_CLOEXEC | DRM_RDWR,
					 &dmabuf) ? -errno : 0;
		dsb_fi_end();
		ck_assert_msg(dsb_test_ok_or_enomem(ret), "export: %d", ret);
		if (!ret) {
			dsb_fi_begin();
			ret = drmPrimeFDToHandle(f2, dmabuf, &handle) ? -errno : 0;
			if (!ret) {
				info.handle = handle;
				ret = dsb_test_ioctl(f2, DRM_IOCTL_DSB_BO_INFO, &info);
			}
			dsb_fi_end();
			ck_assert_msg(dsb_test_ok_or_enomem(ret), "import: %d", ret);
			close(dmabuf);
			if (handle)
				ck_assert_int_eq(dsb_test_gem_close(f2, handle), 0);
		}
		ck_assert_int_eq(dsb_test_gem_close(fd, c.handle), 0);
	}
	if (!dsb_fault_injection_on())
		ck_assert_int_eq(nomem, 0);
	fprintf(stderr, "fault injection %s: %d created, %d -ENOMEM\n",
		dsb_fault_injection_on() ? "on" : "off", ok, nomem);
	close(f2);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("bo");
	TCase *tc;

	tc = tcase_new(s, "device", VM_CK_DEFAULT_TIMEOUT);
	vm_fixture(tc, NULL);
	tcase_add_test(tc, test_version_is_dsb);
	tcase_add_test(tc, test_render_node);
	tcase_add_test(tc, test_num_devices);

	tc = tcase_new(s, "get_param", VM_CK_DEFAULT_TIMEOUT);
	vm_fixture(tc, NULL);
	tcase_add_test(tc, test_params);
	tcase_add_test(tc, test_param_unknown);
	tcase_add_test(tc, test_param_pad);

	tc = tcase_new(s, "bo", VM_CK_DEFAULT_TIMEOUT);
	vm_fixture(tc, NULL);
	tcase_add_test(tc, test_bo_create_mmap_rw);
	tcase_add_test(tc, test_bo_va_guard_page);
	tcase_add_test(tc, test_bo_info);
	tcase_add_test(tc, test_bo_close);
	tcase_add_test(tc, test_bo_close_on_fd_close);

	tc = tcase_new(s, "prime", VM_CK_DEFAULT_TIMEOUT);
	vm_fixture(tc, NULL);
	tcase_add_test(tc, test_prime_reimport_same_file);
	tcase_add_test(tc, test_prime_import_other_file);
	tcase_add_test(tc, test_prime_import_other_device);

	tc = tcase_new(s, "isolation", VM_CK_DEFAULT_TIMEOUT);
	vm_fixture(tc, NULL);
	tcase_add_test(tc, test_handles_are_per_file);
	tcase_add_test(tc, test_mmap_bad_offset);

	tc = tcase_new(s, "bad_input", VM_CK_DEFAULT_TIMEOUT);
	vm_fixture(tc, NULL);
	tcase_add_test(tc, test_bo_create_zero_size);
	tcase_add_test(tc, test_bo_create_unknown_flags);
	tcase_add_test(tc, test_bo_create_huge);
	tcase_add_test(tc, test_bo_info_bad_handle);
	tcase_add_test(tc, test_prime_bad_handle);

	tc = tcase_new(s, "fault_injection", VM_CK_DEFAULT_TIMEOUT);
	vm_fixture(tc, NULL);
	tcase_add_test(tc, test_bo_fault_injection);
	/* Skip the whole program, not each test, when there is no device. */
	return vm_run(s, VM_SKIP_WITHOUT_DEVICE);
}
