#!/usr/bin/env bash
# The reclaim benchmark (issue 15): tests/bench/reclaim_bench.c in the
# reclaim VM (320 MiB of RAM, 1 GiB of swap, dsb limits above RAM, pinned
# limit 128 MiB; see scripts/check-reclaim.sh).
#
#   KVER=6.1|6.12 scripts/bench-reclaim.sh [reclaim_bench options: -r N -m MiB -s S]
#
# Writes $DSB_BENCH_OUT/reclaim.txt (default tests/bench/results for 6.1,
# tests/bench/results/<KVER> otherwise): the ratio table and each round.
# The module is built as it ships, without the test hooks (dsb_shipped_ko).
set -euo pipefail
. "$(dirname "$0")/common.sh"

KVER=${KVER:-6.1}
bin=$DSB_BUILD/bench/dsb_reclaim_bench
[ -x "$bin" ] || make -C "$DSB_ROOT/tests/bench" >&2
if [ "$KVER" = 6.1 ]; then
	out=${DSB_BENCH_OUT:-$DSB_ROOT/tests/bench/results}
else
	out=${DSB_BENCH_OUT:-$DSB_ROOT/tests/bench/results/$KVER}
fi
mkdir -p "$out"
log=$(mktemp "${TMPDIR:-/tmp}/dsb-bench-reclaim.XXXXXX")
trap 'rm -f "$log"' EXIT
ko=$(dsb_shipped_ko "$KVER") || exit 1
set +e
DSB_KO=$ko KVER=$KVER DSB_VM_MEM=320M DSB_VM_SWAP_MB=1024 \
	DSB_MODPARAMS="client_mem_mb=1024 total_mem_mb=1024 max_pinned_mb=128" \
	"$DSB_ROOT/scripts/vm.sh" --no-tests --timeout 480 --add "$bin" -- \
	dsb_reclaim_bench "$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
table=$(sed -n '/^DSB-BENCH-RECLAIM-BEGIN/,/^DSB-BENCH-RECLAIM-END/p' "$log" | sed -e '1d' -e '$d')
if [ -z "$table" ]; then
	echo "bench-reclaim.sh: the benchmark printed no result table (status $rc)" >&2
	exit 1
fi
{
	echo "dsb reclaim benchmark (issue 15): one run, rounds interleaved"
	echo
	echo "date:    $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "commit:  $(git -C "$DSB_ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
	echo "guest:   $KVER under QEMU TCG, 320 MiB RAM, 1 GiB swap on virtio-blk, max_pinned_mb=128"
	grep -a '^reclaim_bench: RAM' "$log" | sed 's/^/run:     /'
	echo
	printf '%s\n' "$table"
	echo
	grep -a '^round \|^reclaim_bench: evictions' "$log"
	echo
	echo "'just evicted': the idle VM's buffers were evicted by the shrinker"
	echo "(drop_caches=2) just before the job; its submit restores them from the page"
	echo "cache or swap in the prepare phase. Absolute times are TCG's."
} >"$out/reclaim.txt"
cat "$out/reclaim.txt"
exit "$rc"
