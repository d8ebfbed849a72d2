#!/usr/bin/env bash
# The reclaim VM (tests/vm/reclaim_test.c) on one kernel: little RAM
# (320 MiB; 448 MiB on the debug kernel, for KASAN), a 1 GiB swap disk, dsb
# loaded with its limits above RAM and a pinned limit of 128 MiB (32 MiB on
# the debug kernel, where the test's buffers are 4 times smaller), so
# buffers must be evicted and swapped.
#
#   KVER=6.1|6.12|debug [RECLAIM_CASE=evict|pressure|teardown|purge] \
#       scripts/check-reclaim.sh [vm.sh options]
set -euo pipefail
cd "$(dirname "$0")/.."
mem=320M pinned=128
[ "${KVER:-6.1}" = debug ] && mem=448M pinned=32
export DSB_VM_MEM=${DSB_VM_MEM:-$mem} DSB_VM_SWAP_MB=${DSB_VM_SWAP_MB:-1024}
export DSB_MODPARAMS="client_mem_mb=1024 total_mem_mb=1024 max_pinned_mb=$pinned ${DSB_MODPARAMS:-}"
# The pressure is real: the swap device's own GFP_ATOMIC allocations
# (virtio-blk request descriptors) must not run dry, or the kernel prints an
# allocation-failure report that is not dsb's. A bigger atomic reserve, as a
# swap-heavy machine would have.
exec scripts/vm.sh "$@" -- sh -c 'echo 16384 >/proc/sys/vm/min_free_kbytes || exit 1
	[ -n "$0" ] && export CK_RUN_CASE="$0"
	dsb-run-tests reclaim_test' "${RECLAIM_CASE:-}"
