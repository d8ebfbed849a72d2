// SPDX-License-Identifier: MIT
/* hello: one job through libdsb, the GPU writes 42 into a buffer. */
#include <dsb.h>
#include <stdio.h>

int main(void)
{
	struct dsb_device dev; struct dsb_queue q; struct dsb_bo bo;
	struct dsb_cmdbuf cb; struct drm_dsb_cqe *cqe;

	if (dsb_device_open(&dev, 0) || dsb_queue_init(&dev, &q, NULL) ||
	    dsb_bo_create(&dev, 4096, &bo))
		return 1;
	dsb_cmdbuf_init(&cb, (char *)bo.map + 64, 64, bo.va + 64);
	dsb_cmd_write(&cb, bo.va, 42);		/* *(u64 *)bo.va = 42 */
	dsb_prep_exec(dsb_get_sqe(&q), cb.va, dsb_cmdbuf_len(&cb));
	dsb_submit(&q);
	if (dsb_wait_cqe(&q, &cqe))
		return 1;
	printf("job %llu: error %d, value %llu\n", (unsigned long long)cqe->seqno,
	       cqe->error, *(unsigned long long *)bo.map);
	dsb_cqe_seen(&q, cqe);
	return cqe->error != 0;
}
