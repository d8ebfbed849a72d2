#!/usr/bin/env bash
# Run the dsb benchmark (issue 9) in the VM and write its results.
#
#   KVER=6.1|6.12 scripts/bench.sh [dsb_bench options, e.g. -r 5 -s 1]
#
# Boots the VM (scripts/vm.sh) with build/bench/dsb_bench (`make -C
# tests/bench`), runs it once, and from its output writes, on the host:
#   $DSB_BENCH_OUT/results.txt  machine, kernel, ratio table and raw figures
#   $DSB_BENCH_OUT/bench.dat    ns per job against batch size, per path
#   $DSB_BENCH_OUT/bench.png    the plot of bench.dat (gnuplot)
#   $DSB_BENCH_OUT/bench.log    the benchmark's full output
# DSB_BENCH_OUT defaults to tests/bench/results (KVER 6.1) or
# tests/bench/results/<KVER>. The run fails if the benchmark fails (a job
# did not execute, a wrong result) or the kernel log is dirty.
set -euo pipefail
. "$(dirname "$0")/common.sh"

KVER=${KVER:-6.1}
bin=$DSB_BUILD/bench/dsb_bench
[ -x "$bin" ] || make -C "$DSB_ROOT/tests/bench" >&2
if [ "$KVER" = 6.1 ]; then
	out=${DSB_BENCH_OUT:-$DSB_ROOT/tests/bench/results}
else
	out=${DSB_BENCH_OUT:-$DSB_ROOT/tests/bench/results/$KVER}
fi
mkdir -p "$out"
args=("$@")
[ ${#args[@]} -gt 0 ] || args=(-r 5)

log=$(mktemp "${TMPDIR:-/tmp}/dsb-bench.XXXXXX")
trap 'rm -f "$log"' EXIT
load0=$(cut -d' ' -f1-3 /proc/loadavg)
set +e
KVER=$KVER "$DSB_ROOT/scripts/vm.sh" --no-tests --timeout 480 --add "$bin" -- \
	dsb_bench "${args[@]}" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
load1=$(cut -d' ' -f1-3 /proc/loadavg)

# The command's output, without kernel console lines.
section() { # section NAME: lines between DSB-BENCH-NAME-BEGIN and -END
	sed -n "/^DSB-BENCH-$1-BEGIN/,/^DSB-BENCH-$1-END/p" "$log" |
		sed -e '1d' -e '$d' | grep -v '^\[ *[0-9]*\.[0-9]*\] '
}
table=$(section TABLE)
data=$(section DATA)
if [ -z "$table" ] || [ -z "$data" ]; then
	echo "bench.sh: the benchmark printed no result table (status $rc)" >&2
	exit 1
fi
sed -n '/^DSB-VM-CMD-BEGIN/,/^DSB-VM-CMD-END/p' "$log" >"$out/bench.log"
printf '%s\n' "$data" >"$out/bench.dat"

rel=$(sed -n 's/^dsb_bench: kernel \([^ ,]*\),.*/\1/p' "$log" | head -n1)
{
	echo "dsb benchmark (issue 9): ratios measured side by side in one run"
	echo
	echo "date:    $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "commit:  $(git -C "$DSB_ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$DSB_ROOT" diff --quiet HEAD -- kmod lib 2>/dev/null || echo ' (kmod/lib modified)')"
	echo "host:    $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1), $(nproc) CPUs, load $load0 before / $load1 after"
	echo "guest:   Debian $rel under QEMU TCG (-cpu max -smp 2 -m 1G), $(qemu-system-x86_64 --version | head -n1)"
	grep -E '^dsb_bench: (kernel|single-stream)|^== check|note:' "$log" | sed 's/^/run:     /' || true
	echo
	printf '%s\n' "$table"
	echo
	echo "Targets from issue 9. Figures are the best of the rounds (host load only adds"
	echo "time); latencies pool every sample. 'rounds min-max' is the spread of the per-round"
	echo "ratio (every path runs once per round, rounds interleaved)."
} >"$out/results.txt"

if command -v gnuplot >/dev/null; then
	gnuplot <<GP
set terminal pngcairo size 960,600 noenhanced font ",10"
set output "$out/bench.png"
set title "dsb submission cost per job, $rel, QEMU TCG (lower is better)"
set xlabel "batch size (jobs per submit call)"
set ylabel "ns per job"
set logscale xy
set xtics (1, 8, 64, 256)
set xrange [0.8:320]
set grid
set key outside right
plot "$out/bench.dat" using 1:2 with linespoints lw 2 title "SQ ring, ioctl (dsb_submit)", \
     "" using 1:3 with linespoints lw 2 title "SQ ring, io_uring uring_cmd", \
     "" using 1:4 with linespoints lw 2 title "io_uring NOP (floor)", \
     "" using 1:5 with lines dt 2 lw 2 title "one SUBMIT ioctl per job", \
     "" using 1:6 with lines dt 2 lw 2 title "pure userspace ring (limit)", \
     "" using 1:7 with lines dt 3 lw 2 title "vgem attach+signal", \
     "" using 1:8 with lines dt 3 lw 2 title "GET_PARAM ioctl (floor)"
GP
else
	echo "bench.sh: gnuplot not found (scripts/deps.sh installs gnuplot-nox): no plot" >&2
fi
echo "bench.sh: results in $out (results.txt, bench.dat, bench.png, bench.log)" >&2
exit "$rc"
