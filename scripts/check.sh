#!/usr/bin/env bash
# `make check`: the project's test command.
#
#   deps -> build (kmod for each kernel, lib, tests) -> native unit tests
#   (plain and ASan/UBSan) -> harness self-test -> VM tests on each Debian
#   kernel -> reclaim VM (little RAM, swap) on the generic kernels ->
#   Debian packages on a fresh root (check-packages.sh) ->
#   debug-kernel lane (lockdep, KASAN, kmemleak, fault injection,
#   negative control) when a debug kernel is available.
#
# Every stage runs even when an earlier test stage failed (a build failure
# stops everything). Ends with "check: N passed, N failed, N skipped" over
# all test cases and exits 1 when anything failed.
#
# Environment: DSB_KVERS (default "6.1 6.12 6.1-rt 6.12-rt"),
# DSB_REQUIRE_DEBUG=1 (fail when the debug lane cannot run), DSB_SKIP_DEBUG=1
# (do not run it), DSB_SKIP_PACKAGES=1 (no check-packages stage), MAKE.
set -uo pipefail
cd "$(dirname "$0")/.."
. scripts/common.sh
MAKE=${MAKE:-make}
KVERS=${DSB_KVERS:-6.1 6.12 6.1-rt 6.12-rt}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
total_p=0 total_f=0 total_s=0
results=()
any_fail=0
t0=$(date +%s)

# stage NAME CMD...: run, show output, count the last "N passed, N failed,
# N skipped" line; a failing stage without such a line counts one failure.
stage() {
	local name=$1 out=$tmp/out rc p=0 f=0 s=0 line start
	shift
	echo
	echo "######## $name"
	start=$(date +%s)
	"$@" 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	line=$(grep -E '[0-9]+ passed, [0-9]+ failed' "$out" | tail -n1)
	if [ -n "$line" ]; then
		p=$(sed -E 's/.*\b([0-9]+) passed.*/\1/' <<<"$line")
		f=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")
		grep -q skipped <<<"$line" && s=$(sed -E 's/.* ([0-9]+) skipped.*/\1/' <<<"$line")
	fi
	if [ $rc = 77 ]; then
		results+=("$(printf '%-22s SKIPPED' "$name")")
		total_s=$((total_s + 1))
		return 0
	fi
	[ $rc != 0 ] && [ "$f" = 0 ] && f=1
	total_p=$((total_p + p)); total_f=$((total_f + f)); total_s=$((total_s + s))
	results+=("$(printf '%-22s %s  %d passed, %d failed, %d skipped  (%ds)' "$name" \
		"$([ $rc = 0 ] && echo ok || echo FAILED)" "$p" "$f" "$s" $(( $(date +%s) - start )))")
	if [ $rc != 0 ]; then
		any_fail=1
		# What failed, under the stage's summary line: the failing test
		# binaries and check's assertion messages (the tail of a long CI
		# log is often all that is seen).
		grep -E '(^dsb-run-tests.*: failed:|:[FE]:|: killed after|kernel log matches)' "$out" |
			head -n 12 | sed 's/^/      /' >"$tmp/why"
		while IFS= read -r line; do results+=("$line"); done <"$tmp/why"
	fi
	return $rc
}

echo "######## deps"
bash scripts/deps.sh || { echo "check: dependency installation failed"; exit 1; }
echo "######## build"
# Under `make -jN check` the build shares make's jobserver; a plain
# `make check` builds with one job per CPU (the four kernels in parallel).
jobs=()
case " ${MAKEFLAGS:-} " in
*" -j"* | *--jobserver*) ;;
*) jobs=(-j"$(nproc)") ;;
esac
$MAKE "${jobs[@]}" all DSB_KVERS="$KVERS" || { echo "check: build failed"; exit 1; }

stage unit $MAKE -s -C tests run-unit
stage harness scripts/check-harness.sh
for k in $KVERS; do
	stage "vm $k" env KVER="$k" DSB_VM_NO_BUILD=1 scripts/vm.sh -- dsb-run-tests
done
# Reclaim under real memory pressure (swap): the generic kernels.
for k in $KVERS; do
	case $k in *-rt) continue ;; esac
	stage "reclaim $k" env KVER="$k" DSB_VM_NO_BUILD=1 scripts/check-reclaim.sh
done

# The Debian packages on a fresh Debian 12 root (2 to 5 minutes, with the
# machine's load and the mirror).
if [ "${DSB_SKIP_PACKAGES:-0}" = 1 ]; then
	results+=("packages               SKIPPED (DSB_SKIP_PACKAGES=1)")
else
	stage packages bash -c "$MAKE -s deb && scripts/check-packages.sh"
fi

if [ "${DSB_SKIP_DEBUG:-0}" = 1 ]; then
	results+=("debug lane             SKIPPED (DSB_SKIP_DEBUG=1)")
else
	stage "debug lane" scripts/check-debug.sh
fi

echo
echo "######## summary ($(( $(date +%s) - t0 ))s)"
printf '  %s\n' "${results[@]}"
echo "check: $total_p passed, $total_f failed, $total_s skipped"
[ $any_fail = 0 ]
