#!/usr/bin/env bash
# The debug-kernel lane (lockdep, KASAN, UBSAN, kmemleak, fault injection).
#
#   scripts/check-debug.sh          (make check-debug)
#
# 1. drm_exec.ko and drm_gpuvm.ko, which the debug kernel lacks, are built
#    for it (scripts/build-debug-gpuvm.sh, cached), and dsb.ko against its
#    build/ tree and their symbols (build-kmod.sh debug); the negative
#    controls' builds too.
# 2. One VM run: every VM test suite (dsb-run-tests) but the cases tagged
#    "timing" (CK_EXCLUDE_TAGS: sched_test's measured fair shares and
#    deadline gains, which every other lane runs), then the tests of
#    $FI_TESTS again under fault injection (failslab + fail_page_alloc for
#    the test task only; tests accept -ENOMEM), then, after the tests,
#    kmemleak scans before and after `rmmod dsb`. Any lockdep, KASAN,
#    UBSAN, WARN or BUG report fails the lane, and so does any kmemleak
#    report: leaks found while dsb is loaded name their dsb call sites,
#    leaks found after unload have no symbols left but appeared after boot
#    (boot-time objects are cleared before dsb is loaded), so any leak at
#    all is attributed to the run.
# 3. Negative control: $NEGCTL_TEST runs on a second build of dsb.ko made
#    with DSB_NEGATIVE_CONTROL=y (build-kmod.sh), which allocates inside the
#    submit path's fence-signalling section (the shipped module cannot); the
#    lane must catch it (lockdep "possible circular locking dependency"
#    through dma_fence_map / fs_reclaim). A clean log there fails the lane.
#    The same build, with negctl_site=1, for the engine (reclaim_test).
# 4. Bind negative control: the tcase $BIND_NEGCTL_CASE of $BIND_NEGCTL_TEST
#    (CK_RUN_CASE) on a build made with DSB_NEGATIVE_CONTROL_BIND=y, which
#    allocates inside the VM_BIND apply path's fence-signalling section,
#    must leave a lockdep report the same way. A missing test program fails.
#
# Without a debug kernel it prints how to get one and exits 77 (skipped),
# or 1 when DSB_REQUIRE_DEBUG=1.
set -uo pipefail
cd "$(dirname "$0")/.."
. scripts/common.sh
# The top Makefile's lists, for a run without make (check-harness.sh checks
# that both name the same existing programs).
FI_TESTS=${FI_TESTS:-bo_test fi_submit_test}
NEGCTL_TEST=${NEGCTL_TEST:-submit_smoke_test}
# The bind negative control: a VM test program and the one tcase of it that
# applies a VM_BIND (run alone with libcheck's CK_RUN_CASE).
BIND_NEGCTL_TEST=${BIND_NEGCTL_TEST:-vm_bind_test}
BIND_NEGCTL_CASE=${BIND_NEGCTL_CASE:-apply}

if ! dbg=$(dsb_debug_kernel); then
	echo "debug lane: SKIPPED: no debug kernel available."
	echo "  To get one: put $DSB_DEBUG_TARBALL_NAME in ../shared/kernels/ (or in"
	echo "  \$DSB_DEBUG_KERNEL_DIR), or build it from Debian's linux-source-6.12 with"
	echo "  scripts/build-debug-kernel.sh (about 20 minutes on 2 cores)."
	if [ "${DSB_REQUIRE_DEBUG:-0}" = 1 ]; then
		echo "debug lane: FAILED: DSB_REQUIRE_DEBUG=1 and the lane cannot run"
		exit 1
	fi
	exit 77
fi
echo "debug lane: kernel $dbg"
# dsb.ko links against them (build-kmod.sh debug would build them too).
echo "debug lane: drm_exec.ko and drm_gpuvm.ko for the debug kernel"
gpuvm=$(scripts/build-debug-gpuvm.sh) || exit 1
echo "debug lane: $gpuvm"
scripts/build-kmod.sh debug || exit 1
DSB_NEGATIVE_CONTROL=y scripts/build-kmod.sh debug || exit 1
DSB_NEGATIVE_CONTROL_BIND=y scripts/build-kmod.sh debug || exit 1
negctl_ko=$(dsb_kmod_dir debug-negctl)/dsb.ko
bind_negctl_ko=$(dsb_kmod_dir debug-negctl-bind)/dsb.ko
ko=$(dsb_kmod_dir debug)/dsb.ko
if [ -n "$(modinfo -F dsb_negative_control "$ko")$(modinfo -F dsb_negative_control_bind "$ko")" ]; then
	echo "debug lane: FAIL: $ko is a negative-control build"
	exit 1
fi

p=0 f=0 s=0 fail=0
count() { # add up the "N passed, N failed, N skipped" lines of a log
	local line
	while IFS= read -r line; do
		p=$((p + $(sed -E 's/.*: ([0-9]+) passed.*/\1/' <<<"$line")))
		f=$((f + $(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")))
		s=$((s + $(sed -E 's/.* ([0-9]+) skipped.*/\1/' <<<"$line")))
	done < <(grep -E '^dsb-run-tests.*: [0-9]+ passed, [0-9]+ failed, [0-9]+ skipped' "$1")
}
out=$(mktemp)
trap 'rm -f "$out"' EXIT

# run_suites CMD...: a VM run of test suites (env set through `env`); its
# counts are added up, and a failure without a count is one failure.
run_suites() {
	"$@" 2>&1 | tee "$out"
	local rc=${PIPESTATUS[0]}
	count "$out"
	if [ "$rc" != 0 ]; then
		fail=1
		grep -q 'passed, [1-9][0-9]* failed' "$out" || f=$((f + 1))
	fi
}

echo "debug lane: [1/2] test suites, fault injection ($FI_TESTS), kmemleak"
# shellcheck disable=SC2016
run_suites env KVER=debug DSB_VM_NO_BUILD=1 DSB_VM_KMEMLEAK=1 scripts/vm.sh -- \
	sh -c 'CK_EXCLUDE_TAGS=timing dsb-run-tests; a=$?; dsb-run-tests --fault-inject $0; b=$?; [ $a = 0 ] && [ $b = 0 ]' \
	"$FI_TESTS"

echo "debug lane: [1b/2] reclaim under memory pressure (swap), kmemleak"
run_suites env KVER=debug DSB_VM_NO_BUILD=1 DSB_VM_KMEMLEAK=1 scripts/check-reclaim.sh

# negative_control WHAT KO CMD...: CMD (a VM run with env set by the
# caller's `env`) on the negative-control build KO must leave a lockdep
# report.
negative_control() {
	local what=$1 nko=$2
	shift 2
	if KVER=debug DSB_VM_NO_BUILD=1 DSB_VM_KMEMLEAK=0 DSB_VM_EXPECT_DIRTY=1 \
		DSB_VM_EXPECT_PATTERN='possible circular locking dependency|inconsistent lock state|fs_reclaim|dma_fence_map' \
		DSB_KO="$nko" "$@" >"$out" 2>&1; then
		grep -E '^vm.sh: (PASS|kernel log matches)|^    \[' "$out" | head -n 4
		echo "debug lane: $what caught"
		p=$((p + 1))
	else
		tail -n 40 "$out"
		echo "debug lane: FAIL: the $what was NOT caught"
		f=$((f + 1)); fail=1
	fi
}

echo "debug lane: [2/2] negative control: $NEGCTL_TEST on the DSB_NEGATIVE_CONTROL=y build must be caught"
if [ -z "$(modinfo -F dsb_negative_control "$negctl_ko")" ]; then
	echo "debug lane: FAIL: $negctl_ko is not a negative-control build: the negative control cannot run"
	f=$((f + 1)); fail=1
elif [ ! -x "tests/build/vm/$NEGCTL_TEST" ]; then
	echo "debug lane: FAIL: no test program tests/build/vm/$NEGCTL_TEST for the negative control"
	f=$((f + 1)); fail=1
else
	# An allocation in a signalling section must be seen.
	negative_control "negative control" "$negctl_ko" scripts/vm.sh -- "/tests/$NEGCTL_TEST"
	echo "debug lane: [2b/2] reclaim negative control: the engine allocates while the shrinker waits (reclaim_test pressure case) must be caught"
	negative_control "reclaim negative control" "$negctl_ko" \
		env DSB_MODPARAMS=negctl_site=1 RECLAIM_CASE=pressure scripts/check-reclaim.sh
fi

echo "debug lane: [2c/2] bind negative control: $BIND_NEGCTL_TEST (tcase $BIND_NEGCTL_CASE) on the DSB_NEGATIVE_CONTROL_BIND=y build must be caught"
if [ -z "$(modinfo -F dsb_negative_control_bind "$bind_negctl_ko")" ]; then
	echo "debug lane: FAIL: $bind_negctl_ko is not a bind negative-control build: the bind negative control cannot run"
	f=$((f + 1)); fail=1
elif [ ! -x "tests/build/vm/$BIND_NEGCTL_TEST" ]; then
	echo "debug lane: FAIL: no test program tests/build/vm/$BIND_NEGCTL_TEST for the bind negative control"
	f=$((f + 1)); fail=1
else
	# An allocation in the VM_BIND apply path's signalling section must
	# be seen. Only the one tcase runs: one short VM boot.
	negative_control "bind negative control" "$bind_negctl_ko" \
		scripts/vm.sh -- env CK_RUN_CASE="$BIND_NEGCTL_CASE" "/tests/$BIND_NEGCTL_TEST"
	# A tcase of another name runs nothing, and catches nothing: say so.
	if grep -qE '(^|[^0-9])Checks: 0,' "$out"; then
		echo "debug lane: note: $BIND_NEGCTL_TEST ran no test: it has no tcase '$BIND_NEGCTL_CASE' (BIND_NEGCTL_CASE)"
	fi
fi
echo "debug lane: $p passed, $f failed, $s skipped"
exit $fail
