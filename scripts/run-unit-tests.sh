#!/usr/bin/env bash
# Run native test programs (Check or plain), print each one's output and
# verdict, then "unit: N passed, N failed, N skipped" (Check test cases; a
# program without a Check summary counts as one). Exit 1 on any failure.
#
#   scripts/run-unit-tests.sh PROG...
set -uo pipefail
pass=0 fail=0 skip=0 failed=()
export CK_DEFAULT_TIMEOUT=${CK_DEFAULT_TIMEOUT:-60}
for t in "$@"; do
	name=${t#*build/}
	echo "==== $name ===="
	out=$("$t" 2>&1)
	rc=$?
	printf '%s\n' "$out"
	summary=$(grep -E '^[0-9]+%: Checks: [0-9]+, Failures: [0-9]+, Errors: [0-9]+' <<<"$out" | tail -n1)
	verdict=PASS
	if [ $rc = 77 ]; then
		verdict=SKIP; skip=$((skip + 1))
	elif [ -n "$summary" ]; then
		n=$(sed 's/.*Checks: \([0-9]*\),.*/\1/' <<<"$summary")
		f=$(sed 's/.*Failures: \([0-9]*\),.*/\1/' <<<"$summary")
		e=$(sed 's/.*Errors: \([0-9]*\).*/\1/' <<<"$summary")
		pass=$((pass + n - f - e)); fail=$((fail + f + e))
		if [ $rc != 0 ] || [ $((f + e)) != 0 ]; then
			verdict=FAIL
			[ $((f + e)) = 0 ] && fail=$((fail + 1))
		fi
	elif [ $rc = 0 ]; then
		pass=$((pass + 1))
	else
		verdict=FAIL; fail=$((fail + 1))
	fi
	[ $verdict = FAIL ] && failed+=("$name")
	echo "==== $name: $verdict (exit $rc) ===="
done
[ ${#failed[@]} -gt 0 ] && echo "unit: failed: ${failed[*]}"
echo "unit: $pass passed, $fail failed, $skip skipped"
[ $fail = 0 ]
