#!/usr/bin/env bash
# Build drm_exec.ko and drm_gpuvm.ko for the debug kernel.
#
#   scripts/build-debug-gpuvm.sh [--force]
#
# dsb's VM_BIND uses the kernel's drm_gpuvm helper (module drm_gpuvm, which
# needs drm_exec). Debian's 6.12 kernels have both (CONFIG_DRM_GPUVM=m);
# the debug kernel (scripts/build-debug-kernel.sh, or the prebuilt
# dsb-debug-kernel-6.12.tar.xz) has DRM built in but not these two: they are
# hidden Kconfig symbols no driver of its config selects, so its build/
# tree has their headers and no symbols. Rebuilding that kernel takes about
# 20 minutes; this builds the two helpers as external modules against its
# build/ tree instead (under a minute), with its flags (lockdep, KASAN, ...), from
# drivers/gpu/drm/drm_exec.c and drm_gpuvm.c of Debian's linux-source-6.12
# (installed with apt-get when missing, as scripts/build-debug-kernel.sh
# does; only the two files are extracted from the tarball).
#
# Output (its directory printed on stdout, progress on stderr), a cache
# rebuilt only when missing, when the debug kernel changed, or with --force:
#   .cache/dsb-debug-gpuvm/drm_exec.ko, drm_gpuvm.ko
#   .cache/dsb-debug-gpuvm/Module.symvers   (for KBUILD_EXTRA_SYMBOLS)
# scripts/build-kmod.sh debug runs this and builds dsb.ko against that
# Module.symvers (so kmod/Kbuild's probe defines DSB_HAVE_DRM_GPUVM);
# scripts/vm.sh KVER=debug loads the two modules dsb.ko depends on.
set -euo pipefail
. "$(dirname "$0")/common.sh"

force=0
[ "${1:-}" = --force ] && force=1

dbg=$(dsb_debug_kernel) ||
	dsb_die "no debug kernel (put $DSB_DEBUG_TARBALL_NAME in ../shared/kernels, or see scripts/build-debug-kernel.sh)"
kdir=$dbg/build
if [ ! -f "$kdir/Makefile" ] || [ ! -f "$kdir/Module.symvers" ]; then
	dsb_die "no build tree (Makefile, Module.symvers) in $kdir"
fi
out=$(dsb_debug_gpuvm_dir)
mkdir -p "$DSB_CACHE"
# Concurrent callers (two build-kmod.sh debug) build it once.
exec 8>"$out.lock"
flock 8

# The debug kernel the modules were built for (its Module.symvers changes
# with every build of it).
kid=$(cksum <"$kdir/Module.symvers" | cut -d' ' -f1)
if [ $force = 0 ] && [ -f "$out/.complete" ] &&
	grep -qx "kernel $kid" "$out/.complete" 2>/dev/null; then
	echo "$out"
	exit 0
fi

# linux-source-6.12, as scripts/build-debug-kernel.sh installs it. The
# debug kernel's own build needs the rest of deps.sh's toolchain only.
if ! dpkg-query -W -f='${Status}' linux-source-6.12 2>/dev/null | grep -q "install ok installed"; then
	echo "build-debug-gpuvm: installing linux-source-6.12 (for drm_exec.c and drm_gpuvm.c)" >&2
	SUDO=
	[ "$(id -u)" -eq 0 ] || SUDO=sudo
	$SUDO apt-get update -qq >&2
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
		linux-source-6.12 >&2
fi
tarball=$(ls -1 /usr/src/linux-source-6.12*.tar.xz 2>/dev/null | sort -V | tail -n1)
[ -n "$tarball" ] || dsb_die "linux-source-6.12 installed no /usr/src/linux-source-6.12*.tar.xz"

krel=$(cat "$kdir/include/config/kernel.release" 2>/dev/null || echo unknown)
srcver=$(dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null || echo unknown)
echo "build-debug-gpuvm: building drm_exec.ko and drm_gpuvm.ko for the debug kernel $krel from $tarball ($srcver)" >&2

tmp=$out.tmp
rm -rf "$tmp"
mkdir -p "$tmp/src"
# The tarball's top directory is linux-source-6.12, not the full version:
# taken from its first member rather than guessed. Extracting named members
# still decompresses the whole tarball (about 20 s).
top=$(tar -tJf "$tarball" 2>/dev/null | head -n1) || true
top=${top%%/*}
[ -n "$top" ] || dsb_die "cannot list $tarball"
tar -C "$tmp/src" -xJf "$tarball" \
	"$top/drivers/gpu/drm/drm_exec.c" "$top/drivers/gpu/drm/drm_gpuvm.c" \
	"$top/include/drm/drm_exec.h" "$top/include/drm/drm_gpuvm.h" ||
	{ rm -rf "$tmp"; dsb_die "cannot extract drm_exec and drm_gpuvm (drivers/gpu/drm/*.c, include/drm/*.h) from $tarball"; }
cp "$tmp/src/$top/drivers/gpu/drm/drm_exec.c" "$tmp/src/$top/drivers/gpu/drm/drm_gpuvm.c" "$tmp/"
# The sources may be of a newer stable release than the debug kernel (the
# package moves on, the prebuilt kernel does not). They compile against the
# debug kernel's headers, as dsb.ko does; a header the two releases do not
# share is shown.
for h in drm_exec.h drm_gpuvm.h; do
	if ! cmp -s "$tmp/src/$top/include/drm/$h" "$kdir/include/drm/$h"; then
		echo "build-debug-gpuvm: note: include/drm/$h of $srcver differs from the debug kernel's ($krel); building against the kernel's:" >&2
		diff -u "$kdir/include/drm/$h" "$tmp/src/$top/include/drm/$h" | head -n 40 >&2 || true
	fi
done
# Built as the kernel builds them (CONFIG_DRM_EXEC=m, CONFIG_DRM_GPUVM=m in
# drivers/gpu/drm/Makefile): one object, one module each.
cat >"$tmp/Kbuild" <<'EOF'
# drm_exec and drm_gpuvm for a kernel with DRM built in but without them
# (scripts/build-debug-gpuvm.sh).
obj-m := drm_exec.o drm_gpuvm.o
EOF

log=$tmp/build.log
if ! make -C "$kdir" M="$tmp" modules >"$log" 2>&1; then
	cat "$log" >&2
	mv "$log" "$DSB_CACHE/dsb-debug-gpuvm-failed.log"
	rm -rf "$tmp"
	dsb_die "drm_exec/drm_gpuvm from $tarball do not build against the debug kernel $krel (log above, kept in $DSB_CACHE/dsb-debug-gpuvm-failed.log)"
fi
if grep -E 'warning:|^WARNING:' "$log" | grep -vE '^make(\[[0-9]+\])?: ' >&2; then
	echo "build-debug-gpuvm: note: the kernel's own sources warn (above); not ours to fix" >&2
fi
for m in drm_exec drm_gpuvm; do
	[ -f "$tmp/$m.ko" ] || { rm -rf "$tmp"; dsb_die "the build produced no $m.ko"; }
	grep -qw "${m}_init" "$tmp/Module.symvers" ||
		{ rm -rf "$tmp"; dsb_die "$m.ko exports no ${m}_init (Module.symvers)"; }
done
# modpost must have resolved everything against the debug kernel: an
# unresolved symbol would fail insmod in the guest.
if grep -q 'undefined!' "$log"; then
	grep 'undefined!' "$log" >&2
	rm -rf "$tmp"
	dsb_die "drm_exec/drm_gpuvm use symbols the debug kernel does not export"
fi

rm -rf "$out"
mkdir -p "$out"
cp "$tmp"/drm_exec.ko "$tmp"/drm_gpuvm.ko "$out/"
# Module.symvers names each symbol's module by the path it was built at
# (modpost uses only the last part): named as in the kernel's own file.
sed "s|\t$tmp/|\tdrivers/gpu/drm/|" "$tmp/Module.symvers" >"$out/Module.symvers"
printf 'kernel %s\nkernel-release %s\nsource %s %s\n' "$kid" "$krel" "$tarball" "$srcver" >"$out/.complete"
rm -rf "$tmp"
echo "build-debug-gpuvm: drm_exec.ko and drm_gpuvm.ko ready in $out" >&2
echo "$out"
