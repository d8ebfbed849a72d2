#!/usr/bin/env bash
# Run the dsb benchmark (issue 9) in the VM and write its results.
#
#   KVER=6.1|6.12 scripts/bench.sh [dsb_bench options, e.g. -r 5 -s 1]
#   KVER=6.1-rt|6.12-rt scripts/bench.sh      RT latency, RT vs generic
#
# Boots the VM (scripts/vm.sh) with build/bench/dsb_bench (`make -C
# tests/bench`), runs it once, and from its output writes, on the host:
#   $DSB_BENCH_OUT/results.txt  machine, kernel, ratio table and raw figures
#   $DSB_BENCH_OUT/bench.dat    ns per job against batch size, per path
#   $DSB_BENCH_OUT/bench.png    the plot of bench.dat (gnuplot)
#   $DSB_BENCH_OUT/bench.log    the benchmark's full output
# DSB_BENCH_OUT defaults to tests/bench/results (KVER 6.1) or
# tests/bench/results/<KVER>. The run fails if the benchmark fails (a job
# did not execute, a wrong result) or the kernel log is dirty. The module
# is built as it ships, without the test hooks (dsb_shipped_ko, in
# build/<release>-nohooks/), not the test build vm.sh loads by default.
#
# Scheduling rows only (issue 17): with dsb_bench's -S (`make bench
# BENCH_ARGS="-S -r 3"`) the benchmark runs only its scheduling sections
# (oversubscription, deadline hint, priority start latency loaded vs idle)
# and the script writes $DSB_BENCH_OUT/sched.txt and sched.log instead,
# leaving results.txt, bench.dat and bench.png of the full run alone.
#
# Submission-cost rows only (issue 16): with -F (`make bench BENCH_ARGS="-F
# -r 3"`) the benchmark runs only the submit, SQ, userspace-ring, vgem and
# queue-scaling sections and the script writes focus.txt and focus.log
# (focus-profile.txt with PROFILE=1), for quick profile-guided iterations;
# -F -Q runs only the queue-scaling rows, -F -E only the single-stream SQ
# rows (-s N repeats each timed window N times, up to 15: a longer profile).
#
# VM_BIND rows (uAPI 13): dsb_bench -V (`make bench BENCH_ARGS="-V -r 5"`)
# runs only the rows of user-managed GPU VAs: VM_BIND of 1 and of 64 MAP
# (+ UNMAP) operations against BO_CREATE + GEM_CLOSE of as many 64 KiB
# BOs, and the SQ batch-of-64 submit cost in a user-managed VM against a
# kernel-assigned one (target <= 1.05). They need Linux 6.12 (drm_gpuvm):
# -V boots KVER=6.12 whatever KVER says for 6.1, never A/B (the baseline
# module cannot VM_BIND), and writes $DSB_BENCH_OUT/results-vm-bind.txt
# and vm-bind.log (DSB_BENCH_OUT defaults to tests/bench/results). A full
# run on 6.1 (`make bench`) then boots a second guest, on 6.12, for them
# (with the run's -r and -s; DSB_BENCH_VMBIND=0 skips it), after waiting up
# to DSB_BENCH_VMBIND_WAIT seconds (default 60) for the first guest's load
# to fall; a full run on 6.12 measures them itself.
#
# Profile (issue 16 groundwork): with PROFILE=1 (`make bench PROFILE=1`, or
# DSB_BENCH_PROFILE=1) the benchmark runs under `perf record -e cpu-clock -a
# -g` inside the guest (the host's perf, package linux-perf, and the
# libraries ldd lists are copied in with vm.sh --add; DSB_BENCH_PROFILE_FREQ
# samples per second per CPU, default 199), and the top
# DSB_BENCH_PROFILE_TOP symbols (default 60) of `perf report --no-children
# --sort sym`, then the callers of every symbol above 5%, then the share of
# each thread and the top symbols of the engine threads and of the
# benchmark's own threads alone, go to
# $DSB_BENCH_OUT/profile.txt (sched-profile.txt with -S) next to the results. Profiling slows the run: its figures are for finding
# where time goes, not for comparing with unprofiled results.
#
# Verdicts (issue 30): every path runs once per round, rounds interleaved;
# a ratio row's value is the median of its per-round ratios (pooled
# latency rows: the ratio of the pooled p50s), printed with the rounds'
# min-max. "met"/"MISSED" only when the spread is decisive: every round on
# one side of the target, or (max - min) / median below 25%; otherwise "too
# noisy to judge". A loaded host turns "met"/"MISSED" into "too noisy to
# judge (loaded host)" (the script first waits, up to DSB_BENCH_QUIET_WAIT
# seconds, default 240, for the load its own build caused to fall):
# 1-minute load average before the run above 0.5 x
# the host's CPUs (someone else is running), or after it above 2 + 0.5 x
# the host's CPUs (the VM's own 2 vCPUs discounted).
#
# Baseline (issue 30): DSB_BENCH_BASELINE=<git rev> (`make bench` defaults
# to 36de587; DSB_BENCH_BASELINE= turns it off) builds that revision's
# module for the same kernel (git archive of its kmod/ and uapi/ into
# build/bench-baseline/<sha>/, built there by this tree's build-kmod.sh
# without the test hooks; kept for the next run), adds it to the guest as
# /lib/modules/dsb-base.ko, and before the benchmark the guest runs as many
# A/B rounds as the benchmark has (-r, default 5): in each, `dsb_bench -B`
# (sq_sig1@64 and sq_ioctl@64, median of 5 windows) once with the baseline
# module loaded and once with this tree's (rmmod/insmod between; the order
# alternates per round), then the benchmark runs on this tree's module and
# reports the after / before rows. Without it those rows print "n/a (no
# baseline given)". Not with PROFILE=1 or -S.
#
# RT latency (issue 20): with an RT kernel name (KVER=6.12-rt, 6.1-rt) the
# script boots that kernel and its generic counterpart (6.12, 6.1) in turn,
# DSB_BENCH_RTLAT_ROUNDS times each (default 2, interleaved), runs
# `dsb_bench -L N` (N = DSB_BENCH_RTLAT_SAMPLES, default 150: submit-to-start
# and submit-to-wake of a priority-2 queue under 8 loaded queues, a few
# seconds per boot) and writes $DSB_BENCH_OUT/rt-latency.txt (default
# tests/bench/results/<KVER>/) with p50/p99 per kernel, the best of the
# rounds, and the ratios RT / generic. DSB_BENCH_FULL=1 then also runs the
# full benchmark on the RT kernel.
set -euo pipefail
. "$(dirname "$0")/common.sh"

KVER=${KVER:-6.1}
bin=$DSB_BUILD/bench/dsb_bench
[ -x "$bin" ] || make -C "$DSB_ROOT/tests/bench" >&2

# --- RT latency: RT kernel vs its generic flavour (issue 20) ---------------
bench_rtlat() {
	local rt=$1 gen=${1%-rt} rounds=${DSB_BENCH_RTLAT_ROUNDS:-2}
	local n=${DSB_BENCH_RTLAT_SAMPLES:-150} out k r log raw rc=0 m f a b t ko
	out=${DSB_BENCH_OUT:-$DSB_ROOT/tests/bench/results/$rt}
	mkdir -p "$out"
	log=$(mktemp "${TMPDIR:-/tmp}/dsb-rtlat.XXXXXX")
	raw=$log.raw
	: >"$raw"
	for r in $(seq 1 "$rounds"); do
		for k in "$rt" "$gen"; do
			echo "bench.sh: RT latency round $r/$rounds on KVER=$k" >&2
			ko=$(dsb_shipped_ko "$k") || { rc=1; continue; }
			if ! DSB_KO=$ko KVER=$k "$DSB_ROOT/scripts/vm.sh" --no-tests --timeout 300 \
				--add "$bin" -- dsb_bench -L "$n" >"$log" 2>&1; then
				cat "$log" >&2
				echo "bench.sh: RT latency run on KVER=$k failed" >&2
				rc=1
				continue
			fi
			sed -n '/^DSB-BENCH-RTLAT-BEGIN/,/^DSB-BENCH-RTLAT-END/p' "$log" |
				grep '^rtlat ' | sed "s/^/$k $r /" >>"$raw"
			grep '^rtlat: ' "$log" | head -n1 >&2 || true
		done
	done
	rm -f "$log"
	# best (lowest) of the rounds per kernel and metric: host load only adds time
	best() { # best KVER METRIC FIELD
		awk -v k="$1" -v m="$2" -v f="$3" '$1 == k && $4 == m {
			for (i = 5; i < NF; i++) if ($i == f) v = $(i + 1)
			if (b == "" || v + 0 < b + 0) b = v } END { print b }' "$raw"
	}
	mean() { # mean KVER FIELD over the window lines
		awk -v k="$1" -v f="$2" '$1 == k && $4 == "window" {
			for (i = 5; i < NF; i++) if ($i == f) { s += $(i + 1); c++ } }
			END { if (c) printf "%.0f", s / c }' "$raw"
	}
	{
		echo "dsb RT latency (issue 20): priority-2 queue under 8 loaded normal queues"
		echo
		echo "date:    $(date -u '+%Y-%m-%d %H:%M UTC')"
		echo "commit:  $(git -C "$DSB_ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
		echo "host:    $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
		echo "guest:   QEMU TCG (-cpu max -smp 2 -m 1G); $n samples per boot, $rounds boots per kernel, best of boots"
		echo "kernels: $rt = $(dsb_resolve_kver "$rt"), $gen = $(dsb_resolve_kver "$gen")"
		echo
		printf '%-22s %12s %12s %9s\n' "metric (us)" "$rt" "$gen" "RT/gen"
		for m in start wake endwake; do
			for f in p50_ns p99_ns; do
				a=$(best "$rt" $m $f); b=$(best "$gen" $m $f)
				t="submit-to-$m ${f%_ns}"
				[ $m = endwake ] && t="job-end-to-wake ${f%_ns}"
				if [ -n "$a" ] && [ -n "$b" ]; then
					awk -v m="$t" -v a="$a" -v b="$b" 'BEGIN {
						printf "%-22s %12.1f %12.1f %9.2f\n", m, a / 1000, b / 1000, a / b }'
				else
					printf '%-22s %12s %12s %9s\n' "$t" "${a:-n/a}" "${b:-n/a}" -
				fi
			done
		done
		# sampling-window throughput of the load and context switches: mean of boots
		for f in load_jobs_per_s ctxt_per_s; do
			a=$(mean "$rt" $f); b=$(mean "$gen" $f)
			printf '%-22s %12s %12s %9s\n' "${f%_per_s}/s (mean)" "${a:-n/a}" "${b:-n/a}" \
				"$( [ -n "$a" ] && [ -n "$b" ] && awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", a / b }')"
		done
		echo
		echo "start: job's first TIMESTAMP minus the submit; wake: DSB_WAIT return minus"
		echo "the submit; job-end-to-wake: DSB_WAIT return minus the job's last TIMESTAMP."
		echo
		echo "raw (kernel round metric ...):"
		sed 's/^/  /' "$raw"
	} >"$out/rt-latency.txt"
	rm -f "$raw"
	cat "$out/rt-latency.txt"
	echo "bench.sh: RT latency results in $out/rt-latency.txt" >&2
	return $rc
}
case $KVER in
*-rt)
	rtlat_rc=0
	bench_rtlat "$KVER" || rtlat_rc=$?
	[ "${DSB_BENCH_FULL:-0}" = 1 ] || exit $rtlat_rc
	[ $rtlat_rc = 0 ] || exit $rtlat_rc ;;
esac
args=("$@")
[ ${#args[@]} -gt 0 ] || args=(-r 5)
part=	# a partial run (-S, -F, -V as their own arguments) writes its own file
for a in "${args[@]}"; do
	[ "$a" != -S ] || part=sched
	[ "$a" != -F ] || part=focus
	[ "$a" != -V ] || part=vm-bind
done
if [ "$part" = vm-bind ]; then
	# VM_BIND needs drm_gpuvm: Linux 6.12 (6.1 has PARAM_VM_BIND 0).
	case $KVER in
	6.1 | 6.1.*)
		echo "bench.sh: -V: the VM_BIND rows need Linux 6.12: KVER=6.12, not $KVER" >&2
		KVER=6.12 ;;
	esac
	out=${DSB_BENCH_OUT:-$DSB_ROOT/tests/bench/results}
elif [ "$KVER" = 6.1 ]; then
	out=${DSB_BENCH_OUT:-$DSB_ROOT/tests/bench/results}
else
	out=${DSB_BENCH_OUT:-$DSB_ROOT/tests/bench/results/$KVER}
fi
mkdir -p "$out"

profile=${DSB_BENCH_PROFILE:-${PROFILE:-0}}
vmargs=(--no-tests --timeout 480 --add "$bin")
cmd=(dsb_bench "${args[@]}")

# The baseline module (DSB_BENCH_BASELINE): built once per revision and kernel.
baseline=${DSB_BENCH_BASELINE:-}
basedesc="none (DSB_BENCH_BASELINE unset: the after / before rows are n/a)"
if [ -n "$baseline" ] && { [ "$profile" = 1 ] || [ "$part" = sched ] || [ "$part" = vm-bind ]; }; then
	echo "bench.sh: DSB_BENCH_BASELINE=$baseline ignored with PROFILE=1, -S or -V" >&2
	baseline=
fi
if [ -n "$baseline" ]; then
	basesha=$(git -C "$DSB_ROOT" rev-parse --verify --quiet "$baseline^{commit}") ||
		dsb_die "DSB_BENCH_BASELINE=$baseline: no such commit in $DSB_ROOT"
	basedir=$DSB_BUILD/bench-baseline/$basesha
	if [ ! -f "$basedir/src/kmod/Kbuild" ]; then
		rm -rf "$basedir/src"
		mkdir -p "$basedir/src"
		git -C "$DSB_ROOT" archive "$basesha" kmod uapi | tar -x -C "$basedir/src"
	fi
	baserel=$(dsb_resolve_kver "$KVER") || exit 1
	buildkmod=$DSB_ROOT/scripts/build-kmod.sh
	echo "bench.sh: baseline module of $baseline (${basesha:0:12}) for $baserel" >&2
	DSB_ROOT=$basedir/src DSB_BUILD=$basedir/build DSB_TEST_HOOKS=n "$buildkmod" "$baserel" >&2 ||
		dsb_die "DSB_BENCH_BASELINE=$baseline: the baseline module does not build"
	baseko=$basedir/build/$baserel-nohooks/kmod/dsb.ko
	abrounds=5
	for ((i = 0; i < ${#args[@]}; i++)); do
		[ "${args[i]}" != -r ] || abrounds=${args[i + 1]:-5}
	done
	basedesc="$baseline ($(git -C "$DSB_ROOT" rev-parse --short "$basesha")), $abrounds A/B rounds (dsb_bench -B, baseline and this tree's module in turn) before the run"
	vmargs+=(--add "$baseko:/lib/modules/dsb-base.ko" --timeout 600)
	# In the guest: the A/B rounds, then the benchmark on this tree's module.
	# shellcheck disable=SC2016
	cmd=(sh -c '
		. /etc/dsb-vm.conf
		rounds=$1
		shift
		swap() { # swap KO: rmmod dsb (files may linger briefly), insmod KO
			t=0
			until rmmod dsb 2>/dev/null; do
				t=$((t + 1))
				[ $t -lt 40 ] || { echo "bench: rmmod dsb failed"; return 1; }
				usleep 250000
			done
			insmod "$1" $DSB_MODPARAMS || { echo "bench: insmod $1 failed"; return 1; }
		}
		: >/tmp/ab.txt
		r=1
		while [ $r -le "$rounds" ]; do
			order="base tree"
			[ $((r % 2)) = 1 ] || order="tree base"
			for m in $order; do
				ko=/lib/modules/dsb.ko
				[ $m = tree ] || ko=/lib/modules/dsb-base.ko
				swap $ko || exit 1
				dsb_bench -B "$r:$m" >/tmp/ab.out 2>&1
				rc=$?
				cat /tmp/ab.out
				grep "^ab " /tmp/ab.out >>/tmp/ab.txt
				[ $rc = 0 ] || exit $rc
			done
			r=$((r + 1))
		done
		swap /lib/modules/dsb.ko || exit 1
		exec "$@" -A /tmp/ab.txt' sh "$abrounds" dsb_bench "${args[@]}")
fi
if [ "$profile" = 1 ]; then
	perf=$(command -v perf) || dsb_die "PROFILE=1 needs perf (scripts/deps.sh installs linux-perf)"
	# perf and its shared libraries (real files, at the paths ldd names)
	vmargs+=(--add "$(readlink -f "$perf"):/bin/perf" --timeout 900)
	libdirs=
	while read -r lib; do
		vmargs+=(--add "$(readlink -f "$lib"):$lib")
		case ":$libdirs:" in *":$(dirname "$lib"):"*) ;; *) libdirs=$libdirs${libdirs:+:}$(dirname "$lib") ;; esac
	done < <(ldd "$perf" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }')
	# In the guest: record the benchmark, then print the top symbols.
	# shellcheck disable=SC2016
	cmd=(env LD_LIBRARY_PATH="$libdirs" HOME=/tmp sh -c '
		freq=$1 top=$2; shift 2
		perf record -q -N -F "$freq" -e cpu-clock -a -g -o /tmp/perf.data -- "$@"
		rc=$?
		echo DSB-BENCH-PROFILE-BEGIN
		perf report -i /tmp/perf.data --no-children --sort sym --stdio -g none 2>&1 |
			grep -v "^$" | head -n "$top"
		echo
		echo "callers of the symbols above 5% (call chains pruned below 2%):"
		perf report -i /tmp/perf.data --no-children --sort sym --stdio \
			--percent-limit 5 -g graph,2,callee 2>&1 | grep -v "^#" | grep -v "^$" |
			head -n $((top * 4))
		echo
		echo "samples per thread (comm):"
		perf report -i /tmp/perf.data --no-children --sort comm --stdio -g none 2>&1 |
			grep -v "^#" | grep -v "^$" | head -n 20
		engs=$(perf report -i /tmp/perf.data --no-children --sort comm --stdio -g none \
			2>/dev/null | awk '\''$2 ~ /^dsb[0-9]+-eng[0-9]+$/ { print $2 }'\'' | paste -sd, -)
		for c in "$engs" dsb_bench; do
			[ -n "$c" ] || continue
			echo
			echo "the threads $c alone:"
			perf report -i /tmp/perf.data --no-children --comms "$c" --sort comm,sym \
				--stdio -g none 2>&1 | grep -v "^#" | grep -v "^$" | head -n "$top"
		done
		echo DSB-BENCH-PROFILE-END
		exit $rc' sh "${DSB_BENCH_PROFILE_FREQ:-199}" "${DSB_BENCH_PROFILE_TOP:-60}" \
		dsb_bench "${args[@]}")
fi

log=$(mktemp "${TMPDIR:-/tmp}/dsb-bench.XXXXXX")
trap 'rm -f "$log"' EXIT
ko=$(dsb_shipped_ko "$KVER") || exit 1
# The build just loaded the host: give the 1-minute load time to fall below
# the "loaded" threshold (half the CPUs) before the timed run, at most
# DSB_BENCH_QUIET_WAIT seconds (default 240), saying so.
quiet_wait=${DSB_BENCH_QUIET_WAIT:-240}
waited=0
while awk -v l="$(cut -d' ' -f1 /proc/loadavg)" -v n="$(nproc)" 'BEGIN { exit !(l > 0.5 * n) }' &&
	[ "$waited" -lt "$quiet_wait" ]; do
	[ $((waited % 30)) = 0 ] &&
		echo "bench.sh: waiting for a quiet host: load $(cut -d' ' -f1 /proc/loadavg) > $(awk -v n="$(nproc)" 'BEGIN { print 0.5 * n }') (${waited}s of at most ${quiet_wait}s)" >&2
	sleep 5
	waited=$((waited + 5))
done
load0=$(cut -d' ' -f1-3 /proc/loadavg)
set +e
DSB_KO=$ko KVER=$KVER "$DSB_ROOT/scripts/vm.sh" "${vmargs[@]}" -- "${cmd[@]}" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
load1=$(cut -d' ' -f1-3 /proc/loadavg)

# The command's output, without kernel console lines.
section() { # section NAME: lines between DSB-BENCH-NAME-BEGIN and -END
	sed -n "/^DSB-BENCH-$1-BEGIN/,/^DSB-BENCH-$1-END/p" "$log" |
		sed -e '1d' -e '$d' | grep -v '^\[ *[0-9]*\.[0-9]*\] '
}
# The profile, when taken: next to the results of this run.
write_profile() { # write_profile FILE
	[ "$profile" = 1 ] || return 0
	{
		echo "dsb benchmark profile: perf record -F ${DSB_BENCH_PROFILE_FREQ:-199} -e cpu-clock -a -g -- dsb_bench ${args[*]}"
		echo "in the guest (KVER=$KVER, QEMU TCG), commit $(git -C "$DSB_ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown);"
		echo "perf report --no-children --sort sym --stdio -g none, top ${DSB_BENCH_PROFILE_TOP:-60} lines,"
		echo "then the call chains of the symbols above 5%"
		echo
		section PROFILE
	} >"$1"
	if ! section PROFILE | grep -c '%' >/dev/null; then
		echo "bench.sh: PROFILE=1: the guest printed no profile (see $1)" >&2
		return 1
	fi
	echo "bench.sh: profile in $1" >&2
}
table=$(section TABLE)
data=$(section DATA)
if [ -z "$table" ] || [ -z "$data" ]; then
	echo "bench.sh: the benchmark printed no result table (status $rc)" >&2
	exit 1
fi
# A loaded host: before the run, 1-minute load above half the host's CPUs;
# after it, above the VM's own 2 vCPUs plus half the host's CPUs.
loaded=$(awk -v a="${load0%% *}" -v b="${load1%% *}" -v n="$(nproc)" \
	'BEGIN { print (a > 0.5 * n || b > 2 + 0.5 * n) ? 1 : 0 }')
if [ "$loaded" = 1 ]; then
	table=$(printf '%s\n' "$table" | awk -v ratios=1 '
		/^$/ { ratios = 0 }
		NR > 1 && ratios && ($NF == "met" || $NF == "MISSED") {
			sub(/(met|MISSED)$/, "too noisy to judge (loaded host)") }
		{ print }')
	hostload="loaded (verdicts met/MISSED withheld)"
else
	hostload="not loaded"
fi
# The rules, for the results' header (issue 30).
rules() {
	echo "Every path runs once per round, rounds interleaved. A row's value is the median of its"
	echo "per-round ratios (pooled latencies: ratio of the p50s); 'rounds min-max' is their spread."
	echo "met/MISSED only when every round is on one side of the target or (max-min)/median < 25%,"
	echo "else 'too noisy to judge'; a loaded host (1-min load > 0.5 x host CPUs before the run, or"
	echo "> 2 + 0.5 x host CPUs after it) withholds met/MISSED: 'too noisy to judge (loaded host)'."
}
rel=$(sed -n 's/^dsb_bench: kernel \([^ ,]*\),.*/\1/p' "$log" | head -n1)
if [ -n "$part" ]; then
	txt=$part.txt
	[ "$part" != vm-bind ] || txt=results-vm-bind.txt
	sed -n '/^DSB-VM-CMD-BEGIN/,/^DSB-VM-CMD-END/p' "$log" >"$out/$part.log"
	{
		if [ "$part" = sched ]; then
			echo "dsb benchmark, scheduling rows only (issue 17; dsb_bench -S): ratios measured side by side in one run"
		elif [ "$part" = vm-bind ]; then
			echo "dsb benchmark, VM_BIND rows only (uAPI 13, user-managed GPU VAs; dsb_bench -V): ratios measured side by side in one run"
		else
			echo "dsb benchmark, submission-cost rows only (issue 16; dsb_bench -F): ratios measured side by side in one run"
		fi
		echo
		echo "date:    $(date -u '+%Y-%m-%d %H:%M UTC')"
		echo "commit:  $(git -C "$DSB_ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$DSB_ROOT" diff --quiet HEAD -- kmod lib 2>/dev/null || echo ' (kmod/lib modified)')"
		echo "host:    $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1), $(nproc) CPUs, load $load0 before / $load1 after: $hostload"
		echo "guest:   Debian $rel under QEMU TCG (-cpu max -smp 2 -m 1G), $(qemu-system-x86_64 --version | head -n1)"
		[ "$part" = sched ] || [ "$part" = vm-bind ] || echo "baseline: $basedesc"
		[ "$part" != vm-bind ] || echo "baseline: none (not A/B: a module of an older commit cannot VM_BIND)"
		grep -E '^dsb_bench: (kernel|VM_BIND)|^== check|^== priority|note:' "$log" | awk '!seen[$0]++' |
			sed 's/^/run:     /' || true
		[ "$profile" != 1 ] || echo "profile: this run was under perf record ($part-profile.txt): its figures are slowed by it"
		echo
		printf '%s\n' "$table"
		echo
		rules
		[ "$part" != sched ] || {
			echo "Start latency: a TIMESTAMP-first job's stamp minus its submit time, one job at a"
			echo "time; 'loaded' = while 16 normal queues (2x the hardware slots) stay full."
		}
		[ "$part" != vm-bind ] || {
			echo "VM_BIND rows: a full cycle back to the start state each, in a user-managed VM (a"
			echo "second file, VM_INIT(USER_MANAGED)) against the default file: 1 op = one VM_BIND of"
			echo "1 MAP then one of 1 UNMAP (64 KiB BO) / one BO_CREATE (64 KiB, kernel-assigned VA)"
			echo "then its GEM_CLOSE; 64 ops = one VM_BIND of 64 MAPs (64 BOs side by side) then one"
			echo "of 64 UNMAPs, per op / 64 BO_CREATEs then 64 GEM_CLOSEs, per BO; map and unmap also"
			echo "apart. 9 windows per round, order rotating, median of windows. Per round, untimed, a"
			echo "job writes through the 64 bound VAs and the CPU reads the values back."
			echo "Submit row: the SQ batch-of-64 NOP stream (every job verified) on a queue of the"
			echo "user-managed file (command buffer VM_BINDed) and of the default file, one 1024-job"
			echo "window each in turn (ABBA, 15 pairs per round); target from the VM_BIND issue."
		}
	} >"$out/$txt"
	cat "$out/$txt"
	echo "bench.sh: results in $out ($txt, $part.log)" >&2
	write_profile "$out/$part-profile.txt" || rc=1
	exit "$rc"
fi
sed -n '/^DSB-VM-CMD-BEGIN/,/^DSB-VM-CMD-END/p' "$log" >"$out/bench.log"
printf '%s\n' "$data" >"$out/bench.dat"
# A full run on a kernel without VM_BIND (6.1): its rows from a 6.12 guest.
vmbind_chain=0
if [ "${DSB_BENCH_VMBIND:-1}" != 0 ] && [ "$profile" != 1 ] &&
	grep -q '^note: VM_BIND rows not measured' "$log"; then
	vmbind_chain=1
fi

{
	echo "dsb benchmark (issue 9): ratios measured side by side in one run"
	echo
	echo "date:    $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "commit:  $(git -C "$DSB_ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$DSB_ROOT" diff --quiet HEAD -- kmod lib 2>/dev/null || echo ' (kmod/lib modified)')"
	echo "host:    $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1), $(nproc) CPUs, load $load0 before / $load1 after: $hostload"
	echo "guest:   Debian $rel under QEMU TCG (-cpu max -smp 2 -m 1G), $(qemu-system-x86_64 --version | head -n1)"
	echo "baseline: $basedesc"
	grep -E '^dsb_bench: (kernel|single-stream|A/B round .* FAILED)|^== check|note:' "$log" |
		awk '!seen[$0]++' | sed 's/^/run:     /' || true
	[ "$profile" != 1 ] || echo "profile: this run was under perf record (profile.txt): its figures are slowed by it"
	[ "$vmbind_chain" != 1 ] ||
		echo "vm-bind: the VM_BIND rows (n/a here) ran in a second guest on 6.12: results-vm-bind.txt"
	echo
	printf '%s\n' "$table"
	echo
	rules
	echo "Targets from issues 9, 14 and 30; raw figures are medians of rounds. after / before:"
	echo "the same path with the baseline module (DSB_BENCH_BASELINE) and this tree's, A/B rounds."
} >"$out/results.txt"

if command -v gnuplot >/dev/null; then
	gnuplot <<GP
set terminal pngcairo size 960,600 noenhanced font ",10"
set output "$out/bench.png"
set title "dsb submission cost per job (median of rounds), $rel, QEMU TCG (lower is better)"
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
write_profile "$out/profile.txt" || rc=1
if [ "$vmbind_chain" = 1 ]; then
	# The VM_BIND rows: a second guest, on 6.12, with this run's -r and -s.
	vargs=(-V)
	for ((i = 0; i < ${#args[@]}; i++)); do
		case ${args[i]} in -r | -s) vargs+=("${args[i]}" "${args[i + 1]:-}") ;; esac
	done
	echo "bench.sh: the VM_BIND rows need Linux 6.12: a second guest (KVER=6.12, dsb_bench ${vargs[*]})" >&2
	KVER=6.12 DSB_BENCH_OUT=$out DSB_BENCH_BASELINE='' \
		DSB_BENCH_QUIET_WAIT=${DSB_BENCH_VMBIND_WAIT:-60} PROFILE=0 DSB_BENCH_PROFILE=0 \
		"$0" "${vargs[@]}" || rc=1
fi
exit "$rc"
