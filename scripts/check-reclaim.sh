#!/usr/bin/env bash
# The reclaim VM (tests/vm/reclaim_test.c) on one kernel: little RAM
# (320 MiB; 640 MiB on the debug kernel, for KASAN), a 1 GiB swap disk, dsb
# loaded with its limits above RAM and a pinned limit of 128 MiB, so
# buffers must be evicted and swapped.
#
#   KVER=6.1|6.12|debug scripts/check-reclaim.sh [vm.sh options]
set -euo pipefail
cd "$(dirname "$0")/.."
mem=320M
[ "${KVER:-6.1}" = debug ] && mem=640M
export DSB_VM_MEM=${DSB_VM_MEM:-$mem} DSB_VM_SWAP_MB=${DSB_VM_SWAP_MB:-1024}
export DSB_MODPARAMS="client_mem_mb=1024 total_mem_mb=1024 max_pinned_mb=128 ${DSB_MODPARAMS:-}"
exec scripts/vm.sh "$@" -- dsb-run-tests reclaim_test
