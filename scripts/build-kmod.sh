#!/usr/bin/env bash
# Build dsb.ko out of tree for one kernel, in its own output copy.
#
#   scripts/build-kmod.sh 6.1|6.12|6.1-rt|6.12-rt|debug|<kernel release>
#   KDIR=/path/to/build scripts/build-kmod.sh custom
#
# The sources of kmod/ and uapi/ are copied to build/<name>/{kmod,uapi}
# (the Kbuild includes $(src)/../uapi) and built there with W=1. The build
# fails when the compiler or modpost prints any warning. The module ends up
# in build/<name>/kmod/dsb.ko; the name is the kernel release, or "debug".
# The inner make takes its -jN from make's jobserver (a Makefile recipe
# calls this script with a leading '+').
#
# Kbuild switches (kmod/Kbuild), from the environment:
#   DSB_TEST_HOOKS=y|n  the test hooks: the test_* module parameters the VM
#                       tests set to widen race windows (retire_test,
#                       sched_test; dsb_test_hook() in kmod/dsb_drv.h).
#                       Default y for the test kernels (6.1 ... debug, a
#                       release: what vm.sh, make check and the debug lane
#                       load), n for KDIR=... custom (what a user installs).
#                       Never in the DKMS package or a plain make of kmod/.
#                       A build without them where they are the default
#                       goes to build/<name>-nohooks/kmod/dsb.ko
#                       (scripts/bench.sh measures that one).
#   DSB_NEGATIVE_CONTROL=y  the debug lane's negative control instead (a
#                       module that allocates inside the submit path's
#                       fence-signalling section, never shipped), as
#                       build/<name>-negctl/kmod/dsb.ko (modinfo field
#                       dsb_negative_control).
#   DSB_NEGATIVE_CONTROL_BIND=y  the bind negative control (allocates inside
#                       the VM_BIND apply path's signalling section, never
#                       shipped), as build/<name>-negctl-bind/kmod/dsb.ko
#                       (modinfo field dsb_negative_control_bind).
#
# For the debug kernel, drm_exec.ko and drm_gpuvm.ko are built first
# (scripts/build-debug-gpuvm.sh, cached) and dsb.ko links against their
# Module.symvers (KBUILD_EXTRA_SYMBOLS), as it links against the modules of
# Debian's 6.12 kernels: kmod/Kbuild then defines DSB_HAVE_DRM_GPUVM.
set -euo pipefail
. "$(dirname "$0")/common.sh"

target=${1:?usage: build-kmod.sh 6.1|6.12|6.1-rt|6.12-rt|debug|RELEASE}
extra_symbols=

if [ -n "${KDIR:-}" ]; then
	kdir=$KDIR
	[ -f "$kdir/Makefile" ] || dsb_die "KDIR=$kdir has no Makefile"
	name=$target
elif [ "$target" = debug ]; then
	dbg=$(dsb_debug_kernel) || dsb_die "no debug kernel (see scripts/build-debug-kernel.sh)"
	kdir=$dbg/build
	name=debug
	gpuvm=$("$DSB_ROOT/scripts/build-debug-gpuvm.sh") ||
		dsb_die "drm_exec/drm_gpuvm for the debug kernel could not be built (scripts/build-debug-gpuvm.sh)"
	extra_symbols=$gpuvm/Module.symvers
else
	# 6.1|6.12 (generic flavour), 6.1-rt|6.12-rt, or an installed release.
	rel=$(dsb_resolve_kver "$target") || exit 1
	kdir=$(dsb_kdir "$rel")
	[ -f "$kdir/Makefile" ] || dsb_die "no build tree for $rel at $kdir"
	name=$rel
fi

if [ -n "${KDIR:-}" ]; then
	hooks=${DSB_TEST_HOOKS:-n}
else
	hooks=${DSB_TEST_HOOKS:-y}
	[ "$hooks" = y ] || name=$name-nohooks
fi
case $hooks in y|n) ;; *) dsb_die "DSB_TEST_HOOKS=$hooks: y or n" ;; esac
negctl=${DSB_NEGATIVE_CONTROL:-n}
negctl_bind=${DSB_NEGATIVE_CONTROL_BIND:-n}
[ "$negctl" = y ] && [ "$negctl_bind" = y ] &&
	dsb_die "DSB_NEGATIVE_CONTROL=y and DSB_NEGATIVE_CONTROL_BIND=y: one negative control per build"
[ "$negctl" = y ] && name=$name-negctl
[ "$negctl_bind" = y ] && name=$name-negctl-bind
[ -f "$DSB_ROOT/kmod/Kbuild" ] || dsb_die "kmod/Kbuild missing"
out=$DSB_BUILD/$name
mkdir -p "$out/kmod" "$out/uapi"
# Concurrent runs (make check while a developer runs vm.sh) share the
# output copy: one build at a time.
exec 9>"$out/.lock"
flock 9

# Copy sources preserving mtimes so Kbuild rebuilds only what changed.
# Build products a developer may have left in kmod/ are not copied.
sync_tree() {
	local src=$1 dst=$2 f
	(cd "$src" && find . -type f \
		! -name '*.o' ! -name '*.ko' ! -name '*.mod' ! -name '*.mod.c' \
		! -name '*.cmd' ! -name 'Module.symvers' ! -name 'modules.order' \
		! -name '*.a' ! -name '*.dwo' -print0) |
	while IFS= read -r -d '' f; do
		if ! cmp -s "$src/$f" "$dst/$f"; then
			mkdir -p "$(dirname "$dst/$f")"
			cp -p "$src/$f" "$dst/$f"
		fi
	done
	# Sources deleted upstream must not linger in the copy.
	(cd "$dst" && find . -type f \( -name '*.c' -o -name '*.h' \) -print0) |
	while IFS= read -r -d '' f; do
		[ -e "$src/$f" ] || rm -f "$dst/$f"
	done
}
sync_tree "$DSB_ROOT/kmod" "$out/kmod"
sync_tree "$DSB_ROOT/uapi" "$out/uapi"

log=$out/kmod-build.log
echo "  KMOD    $name (KDIR=$kdir$([ "$hooks" = y ] && echo ", test hooks"))"
set +e
make -C "$kdir" M="$out/kmod" W=1 DSB_NEGATIVE_CONTROL="$negctl" \
	DSB_NEGATIVE_CONTROL_BIND="$negctl_bind" DSB_TEST_HOOKS="$hooks" \
	${extra_symbols:+KBUILD_EXTRA_SYMBOLS="$extra_symbols"} modules >"$log" 2>&1
rc=$?
set -e
if [ $rc -ne 0 ]; then
	cat "$log" >&2
	dsb_die "kmod build for $name failed (log: $log)"
fi
# make's own notices ("make[1]: warning: jobserver unavailable ...": a
# Makefile recipe ran this script without '+') are about how make was
# called, not the code: shown, not failed on (the harness self-test fails
# on that one). Compiler, linker and modpost warnings ("x.c:1:2: warning:",
# "ld: warning:", "WARNING: modpost: ...") fail the build.
grep -E '^make(\[[0-9]+\])?: warning:' "$log" | sed "s|^|build-kmod.sh: $name: |" >&2 || true
if grep -nE 'warning:|^WARNING:' "$log" | grep -vE '^[0-9]+:make(\[[0-9]+\])?: ' >&2; then
	# Objects that compiled with warnings must be rebuilt next time, or
	# the next incremental build would pass silently.
	make -C "$kdir" M="$out/kmod" clean >/dev/null 2>&1 || true
	dsb_die "kmod build for $name has warnings (W=1 must be clean; log: $log)"
fi
[ -f "$out/kmod/dsb.ko" ] || dsb_die "kmod build for $name produced no dsb.ko"
echo "  LD [M]  $out/kmod/dsb.ko"
