#!/usr/bin/env bash
# Self-test of the VM harness: a run must fail when the kernel WARNs, when
# the guest crashes, and must pass the command's exit status through.
# Uses the 6.1 kernel (about 5 s per boot under TCG) and does not need dsb.
# Checks of the scripts themselves come first: the tools deps.sh installs,
# the debug lane's test lists, the kernel-name resolver, and that
# `make -j2 all` builds (incrementally, after make check's build stage).
set -uo pipefail
cd "$(dirname "$0")/.."
. scripts/common.sh
rel=$(dsb_resolve_kver 6.1) || dsb_die "no 6.1 kernel installed (run scripts/deps.sh)"
out=$DSB_BUILD/harness/$rel
mkdir -p "$out"
cp -p tests/harness/dsb_warn_probe.c "$out/"
echo 'obj-m += dsb_warn_probe.o' >"$out/Kbuild"
make -s -C "$(dsb_kdir "$rel")" M="$out" modules >"$out/build.log" 2>&1 ||
	{ cat "$out/build.log"; dsb_die "cannot build the WARN probe module"; }

pass=0 fail=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT
expect() { # expect DESCRIPTION RC-TEST GREP-PATTERN -- vm.sh args...
	local what=$1 want=$2 pat=$3 rc
	shift 4
	DSB_VM_NO_DSB=1 KVER=6.1 scripts/vm.sh --no-tests --timeout 120 "$@" >"$log" 2>&1
	rc=$?
	if eval "[ $rc $want ]" && grep -q -e "$pat" "$log"; then
		echo "harness: PASS: $what (exit $rc)"
		pass=$((pass + 1))
	else
		echo "harness: FAIL: $what (exit $rc, wanted $want and '$pat'); log:"
		sed 's/^/    /' "$log" | tail -n 30
		fail=$((fail + 1))
	fi
}

# Every host tool the scripts call that a minimal Debian 12 lacks must come
# from a package scripts/deps.sh installs (a fresh machine once failed on
# `file`, which deps.sh did not list). Essential packages are always there.
deps_cover_tools() {
	local pkgs tool path owner missing=()
	pkgs=" $(sed -n '/^PKGS=(/,/^)/p' scripts/deps.sh | sed '1d;$d' | tr -s ' \t\n' ' ') "
	for tool in file cpio xz unxz qemu-system-x86_64 busybox gnuplot modinfo bc timeout flock \
		    perf dpkg-buildpackage lintian debootstrap man; do
		grep -qE "(^|[^-[:alnum:]_./])$tool( |$)" \
			$(ls scripts/*.sh Makefile | grep -v check-harness) || continue
		path=$(command -v "$tool") || { missing+=("$tool (not installed)"); continue; }
		owner=
		for p in "$path" "$(readlink -f "$path")" /{usr/,}{s,}bin/"$tool"; do
			owner=$(dpkg -S "$p" 2>/dev/null | grep -v '^diversion by' | head -n1 | cut -d: -f1) && [ -n "$owner" ] &&
				break
		done
		[ -n "$owner" ] || { missing+=("$tool (no package owns $path)"); continue; }
		[[ $pkgs == *" $owner "* ]] && continue
		[ "$(dpkg-query -W -f='${Essential}' "$owner" 2>/dev/null)" = yes ] && continue
		missing+=("$tool (package $owner)")
	done
	if [ ${#missing[@]} = 0 ]; then
		echo "harness: PASS: every host tool the scripts call is installed by scripts/deps.sh"
		pass=$((pass + 1))
	else
		echo "harness: FAIL: scripts call tools scripts/deps.sh does not install: ${missing[*]}"
		fail=$((fail + 1))
	fi
}
deps_cover_tools

# The debug lane's test lists (FI_TESTS, NEGCTL_TEST) stand in the top
# Makefile and, for a run without make, as check-debug.sh's defaults: both
# must name the same VM test programs, and those must exist (tests/vm/).
debug_lists_name_programs() {
	local v mk sh t bad=()
	for v in FI_TESTS NEGCTL_TEST; do
		mk=$(sed -n "s/^$v := //p" Makefile)
		sh=$(sed -n 's/^'"$v"'=${'"$v"':-\(.*\)}$/\1/p' scripts/check-debug.sh)
		[ -n "$mk" ] && [ "$mk" = "$sh" ] ||
			bad+=("$v is '$mk' in the Makefile, '$sh' in check-debug.sh")
		for t in $mk; do
			[ -f "tests/vm/$t.c" ] || bad+=("$v names $t: no tests/vm/$t.c")
		done
	done
	if [ ${#bad[@]} = 0 ]; then
		echo "harness: PASS: the debug lane's FI_TESTS and NEGCTL_TEST name existing VM tests"
		pass=$((pass + 1))
	else
		printf 'harness: FAIL: %s\n' "${bad[@]}"
		fail=$((fail + 1))
	fi
}
debug_lists_name_programs

# The simulated GPU is hardware behind one interface (kmod/dsb_gpu.h): its
# files include no driver header, only the interface, their own private
# header, the uAPI's memory formats, the tracepoints and the test switches.
gpu_includes_no_driver_header() {
	local f h bad=()
	[ -f kmod/dsb_gpu.h ] || bad+=("no kmod/dsb_gpu.h")
	for f in $(ls kmod/dsb_gpu*.[ch] 2>/dev/null); do
		for h in $(sed -n 's/^#include "\(.*\)"$/\1/p' "$f"); do
			case $h in
			dsb_gpu.h | dsb_gpu_priv.h | dsb_drm.h | dsb_trace.h | dsb_test.h) ;;
			*) bad+=("$f includes $h") ;;
			esac
		done
	done
	# The two shared headers stay free of driver headers too.
	for f in kmod/dsb_trace.h kmod/dsb_test.h; do
		h=$(grep -c '^#include "' "$f")
		[ "$h" = 0 ] || bad+=("$f includes a dsb header")
	done
	if [ ${#bad[@]} = 0 ]; then
		echo "harness: PASS: the GPU's files include no driver header"
		pass=$((pass + 1))
	else
		printf 'harness: FAIL: %s\n' "${bad[@]}"
		fail=$((fail + 1))
	fi
}
gpu_includes_no_driver_header

# Kernel names resolve to one flavour each (issue 20): with an RT and a
# cloud flavour installed next to the generic ones, and the cloud release
# the newest of its series, 6.1/6.12 must still pick the generic flavour,
# 6.1-rt/6.12-rt the RT one; other names and missing flavours fail naming
# what is installed. A fake tree stands for /lib/modules, /boot, /usr/src.
resolver_picks_flavours() {
	local fake r want got bad=() err
	fake=$(mktemp -d)
	for r in 6.1.0-56-amd64 6.1.0-57-amd64 6.1.0-57-rt-amd64 6.1.0-58-cloud-amd64 \
		6.12.115+deb12-amd64 6.12.117+deb12-amd64 6.12.117+deb12-rt-amd64 \
		6.12.118+deb12-cloud-amd64 6.12.119+deb12-amd64; do
		mkdir -p "$fake/lib/modules/$r/build" "$fake/boot"
		touch "$fake/boot/vmlinuz-$r"
		# 6.12.119 has no headers: never a build target.
		[ "$r" = 6.12.119+deb12-amd64 ] || touch "$fake/lib/modules/$r/build/Makefile"
	done
	for want in 6.1=6.1.0-57-amd64 6.12=6.12.117+deb12-amd64 \
		6.1-rt=6.1.0-57-rt-amd64 6.12-rt=6.12.117+deb12-rt-amd64 \
		6.12.115+deb12-amd64=6.12.115+deb12-amd64; do
		got=$(DSB_KERNEL_ROOT=$fake dsb_resolve_kver "${want%%=*}" 2>/dev/null)
		[ "$got" = "${want#*=}" ] || bad+=("KVER=${want%%=*} gave '$got', wanted ${want#*=}")
	done
	for r in 6.2 6.12-cloud 6.12.118+deb12-cloud-amd64x 6.12.119+deb12-amd64 rt ""; do
		if got=$(DSB_KERNEL_ROOT=$fake dsb_resolve_kver "$r" 2>&1 >/dev/null); then
			bad+=("KVER='$r' resolved, must fail")
		elif [[ $got != *"installed: "*"6.12.117+deb12-rt-amd64 (KVER=6.12-rt)"* ]]; then
			bad+=("KVER='$r' failed without naming the installed kernels: $got")
		fi
	done
	# A flavour that is not installed fails in the scripts too, before any
	# build or boot, with the resolver's message.
	rm -rf "$fake"/lib/modules/6.1.0-57-rt-amd64
	err=$(DSB_KERNEL_ROOT=$fake KVER=6.1-rt DSB_VM_NO_DSB=1 scripts/vm.sh -- true 2>&1) &&
		bad+=("vm.sh KVER=6.1-rt ran without a 6.1 RT kernel")
	[[ $err == *"KVER=6.1-rt: no Debian 6.1-rt kernel"*"installed: "* ]] ||
		bad+=("vm.sh KVER=6.1-rt without the kernel said: $err")
	err=$(DSB_KERNEL_ROOT=$fake DSB_BUILD=$fake/build scripts/build-kmod.sh 6.1-rt 2>&1) &&
		bad+=("build-kmod.sh 6.1-rt built without a 6.1 RT kernel")
	[[ $err == *"KVER=6.1-rt: no Debian 6.1-rt kernel"*"installed: "* ]] ||
		bad+=("build-kmod.sh 6.1-rt without the kernel said: $err")
	rm -rf "$fake"
	if [ ${#bad[@]} = 0 ]; then
		echo "harness: PASS: KVER names resolve to their own flavour (generic, rt; never cloud), others fail naming what is installed"
		pass=$((pass + 1))
	else
		printf 'harness: FAIL: %s\n' "${bad[@]}"
		fail=$((fail + 1))
	fi
}
resolver_picks_flavours

# make -jN (issue 28): `make -j2 all` must pass, and every make a recipe
# runs through a script (the kernel's, in scripts/build-kmod.sh) must get
# the jobserver: "jobserver unavailable" is a recipe that calls a script
# running make without '+' (it once failed the build: build-kmod.sh took
# the notice for a compiler warning). A fresh make, not the one running
# this (make -jN check).
parallel_build_works() {
	local blog rc
	blog=$(mktemp)
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -j2 all >"$blog" 2>&1
	rc=$?
	if [ $rc = 0 ] && ! grep -q 'jobserver unavailable' "$blog"; then
		echo "harness: PASS: make -j2 all builds, every inner make gets the jobserver"
		pass=$((pass + 1))
	else
		echo "harness: FAIL: make -j2 all (exit $rc$(grep -q 'jobserver unavailable' "$blog" &&
			echo ", an inner make had no jobserver")); log:"
		grep -E 'jobserver|error|warning' "$blog" | head -n 20 | sed 's/^/    /'
		tail -n 10 "$blog" | sed 's/^/    /'
		fail=$((fail + 1))
	fi
	rm -f "$blog"
}
parallel_build_works

expect "a kernel WARN fails the run" "-ne 0" "kernel log matches 'WARNING:'" -- \
	--add "$out/dsb_warn_probe.ko:/dsb_warn_probe.ko" -- insmod /dsb_warn_probe.ko
expect "a guest crash fails the run" "-ne 0" "without printing its exit marker" -- \
	-- sh -c 'echo 1 >/proc/sys/kernel/sysrq; echo c >/proc/sysrq-trigger'
expect "the command's exit status is returned" "-eq 3" "command exited with status 3" -- \
	-- sh -c 'exit 3'
echo "harness: $pass passed, $fail failed, 0 skipped"
[ $fail = 0 ]
