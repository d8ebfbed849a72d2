#!/bin/sh
# Guest-side fault-injection wrapper, installed as /bin/dsb-fault-inject.
#
#   dsb-fault-inject PROG [ARGS...]
#
# Arms failslab and fail_page_alloc (debugfs) with task-filter=Y, so that
# only tasks whose /proc/<pid>/make-it-fail is 1 see injected failures, and
# runs PROG with DSB_FAULT_INJECTION=1. Tests bracket the calls under test
# with dsb_fi_begin()/dsb_fi_end() (tests/helpers.h), which set and clear
# /proc/thread-self/make-it-fail, and accept -ENOMEM as a valid outcome.
# With DSB_FI_WHOLE_TASK=1 the whole PROG runs with make-it-fail set.
# Knobs (see Documentation/fault-injection/fault-injection.rst):
#   DSB_FI_PROBABILITY percent (default 10), DSB_FI_INTERVAL (default 1),
#   DSB_FI_TIMES (default -1: no limit), DSB_FI_USERCOPY=1 also fails
#   copy_{from,to}_user (-EFAULT).
D=/sys/kernel/debug
P=${DSB_FI_PROBABILITY:-10}
I=${DSB_FI_INTERVAL:-1}
T=${DSB_FI_TIMES:--1}

kinds="failslab fail_page_alloc"
[ "${DSB_FI_USERCOPY:-0}" = 1 ] && kinds="$kinds fail_usercopy"
for k in $kinds; do
	if [ ! -d "$D/$k" ]; then
		echo "dsb-fault-inject: $D/$k missing: this kernel has no fault injection (use KVER=debug)" >&2
		exit 1
	fi
	echo Y >"$D/$k/task-filter"
	echo "$P" >"$D/$k/probability"
	echo "$I" >"$D/$k/interval"
	echo "$T" >"$D/$k/times"
	echo 0 >"$D/$k/space"
	# verbose > 0 prints a stack trace per failure, which the kernel-log
	# scanner would rightly take for a report.
	echo 0 >"$D/$k/verbose"
done
echo N >"$D/failslab/ignore-gfp-wait"
echo N >"$D/fail_page_alloc/ignore-gfp-wait"
# User pages (GFP_HIGHUSER) are not what we test; failing them only turns
# page faults of the test program into retries.
echo Y >"$D/fail_page_alloc/ignore-gfp-highmem"

export DSB_FAULT_INJECTION=1
[ "${DSB_FI_WHOLE_TASK:-0}" = 1 ] && echo 1 >/proc/self/make-it-fail
"$@"
rc=$?
echo 0 >/proc/self/make-it-fail 2>/dev/null
for k in $kinds; do
	echo 0 >"$D/$k/probability"
done
exit $rc
