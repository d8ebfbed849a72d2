#!/bin/sh
# Guest-side test runner, installed as /bin/dsb-run-tests in the VM.
#
#   dsb-run-tests [--fault-inject] [TEST...]
#
# Runs each TEST (default: every executable in /tests, sorted; a bare name
# is looked up in /tests), prints its output (the Check summary), then reads
# and clears the kernel log: a log matching /etc/dsb-klog-patterns fails
# that test, by name. Exit status 77 means skipped. With --fault-inject each
# test runs under dsb-fault-inject (failslab + fail_page_alloc for the test
# task, DSB_FAULT_INJECTION=1). Prints "N passed, N failed, N skipped"
# (Check test cases; a program without a Check summary counts as one) and
# exits 1 when anything failed.
PATTERNS=/etc/dsb-klog-patterns
TIMEOUT=${DSB_TEST_TIMEOUT:-900}
wrap=
label=
if [ "${1:-}" = --fault-inject ]; then
	wrap=dsb-fault-inject
	label=" (fault injection)"
	shift
fi

# The kernel log so far (boot, module load) goes to the host's scanner too;
# a dirty log before any test fails the run here.
klog_check() { # klog_check WHAT: 0 if clean
	dmesg -c >/tmp/klog 2>/dev/null || dmesg >/tmp/klog
	if [ -n "$wrap" ]; then
		# Under fault injection an injected failure of an allocation
		# without __GFP_NOWARN (vmalloc, page allocator) makes the
		# kernel print an allocation-failure report with a stack dump:
		# that is the expected outcome, not a bug. Drop those blocks
		# (header to </TASK>); anything else still counts.
		awk '
			/(page allocation failure|vmalloc error): / { drop = 1 }
			{ if (drop) print "DSB-KLOG-FI-EXPECTED: " $0; else print }
			drop && /<\/TASK>/ { drop = 0 }
		' /tmp/klog >/tmp/klog.all
		grep -v '^DSB-KLOG-FI-EXPECTED: ' /tmp/klog.all >/tmp/klog
		n=$(grep -E -c '^DSB-KLOG-FI-EXPECTED: .*(page allocation failure|vmalloc error): ' /tmp/klog.all)
		[ "$n" -gt 0 ] && echo "dsb-run-tests: $n allocation-failure report(s) from injected faults ignored"
	fi
	sed 's/^/DSB-KLOG: /' /tmp/klog
	if grep -E -q -f "$PATTERNS" /tmp/klog; then
		echo "dsb-run-tests: kernel log dirty after $1:"
		grep -E -f "$PATTERNS" /tmp/klog | head -n 5 | sed 's/^/    /'
		return 1
	fi
	return 0
}

pass=0
fail=0
skip=0
failed=
if ! klog_check "boot and module load"; then
	fail=$((fail + 1))
	failed="$failed (boot)"
fi

if [ $# -eq 0 ]; then
	set -- $(ls /tests 2>/dev/null | sort)
fi
for t in "$@"; do
	case $t in */*) path=$t ;; *) path=/tests/$t ;; esac
	name=${path##*/}
	if [ ! -x "$path" ]; then
		echo "dsb-run-tests: $name: no such test"
		fail=$((fail + 1))
		failed="$failed $name"
		continue
	fi
	echo "==== $name$label ===="
	start=$(date +%s)
	{ timeout -s KILL "$TIMEOUT" $wrap "$path"; echo $? >/tmp/rc; } 2>&1 | tee /tmp/out
	rc=$(cat /tmp/rc)
	secs=$(( $(date +%s) - start ))
	summary=$(grep -E '^[0-9]+%: Checks: [0-9]+, Failures: [0-9]+, Errors: [0-9]+' /tmp/out | tail -n1)
	n=0 f=0 e=0
	if [ -n "$summary" ]; then
		n=$(echo "$summary" | sed 's/.*Checks: \([0-9]*\),.*/\1/')
		f=$(echo "$summary" | sed 's/.*Failures: \([0-9]*\),.*/\1/')
		e=$(echo "$summary" | sed 's/.*Errors: \([0-9]*\).*/\1/')
	fi
	verdict=PASS
	if [ "$rc" = 77 ]; then
		verdict=SKIP
		skip=$((skip + 1))
	elif [ -n "$summary" ]; then
		pass=$((pass + n - f - e))
		fail=$((fail + f + e))
		[ "$rc" = 0 ] && [ $((f + e)) = 0 ] || verdict=FAIL
		[ "$rc" != 0 ] && [ $((f + e)) = 0 ] && fail=$((fail + 1))
	elif [ "$rc" = 0 ]; then
		pass=$((pass + 1))
	else
		verdict=FAIL
		fail=$((fail + 1))
	fi
	[ "$rc" = 137 ] && echo "dsb-run-tests: $name: killed after ${TIMEOUT}s"
	if ! klog_check "$name"; then
		verdict=FAIL
		fail=$((fail + 1))
	fi
	[ $verdict = FAIL ] && failed="$failed $name"
	echo "==== $name$label: $verdict (exit $rc, ${secs}s) ===="
done
# Flush anything logged after the last test.
klog_check "the last test" || { fail=$((fail + 1)); failed="$failed (end)"; }

[ -n "$failed" ] && echo "dsb-run-tests: failed:$failed"
echo "dsb-run-tests$label: $pass passed, $fail failed, $skip skipped"
[ $fail = 0 ]
