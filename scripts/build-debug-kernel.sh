#!/usr/bin/env bash
# Build the debug kernel of the debug lane from Debian's linux-source-6.12:
# x86_64_defconfig + kvm_guest.config + scripts/debug-kernel.config
# (lockdep, KASAN, kmemleak, UBSAN, fault injection, DRM/vgem/sw_sync/
# io_uring built in). About 20 minutes on 2 cores.
#
#   scripts/build-debug-kernel.sh [--force]
#
# Output, the same layout as the prebuilt dsb-debug-kernel-6.12.tar.xz, in
# .cache/dsb-debug-kernel-6.12/ (where scripts/vm.sh KVER=debug and
# scripts/check-debug.sh look first):
#   vmlinuz      the kernel image
#   System.map
#   build/       a tree for out-of-tree module builds (make -C build M=...)
# With DSB_DEBUG_TARBALL=path it also packs that directory into a tarball
# like the prebuilt one. The source tree stays in .cache/linux-debug-src/
# for incremental rebuilds.
set -euo pipefail
. "$(dirname "$0")/common.sh"

force=0
[ "${1:-}" = --force ] && force=1

out=$DSB_CACHE/$DSB_DEBUG_DIR_NAME
if [ -f "$out/.complete" ] && [ $force = 0 ]; then
	echo "build-debug-kernel: $out already exists (use --force to rebuild)"
	exit 0
fi

# linux-source-6.12 plus what a kernel build needs beyond scripts/deps.sh.
pkgs=(linux-source-6.12 build-essential bc bison flex libelf-dev libssl-dev
      xz-utils cpio rsync python3)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	SUDO=
	[ "$(id -u)" -eq 0 ] || SUDO=sudo
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

tarball=$(ls -1 /usr/src/linux-source-6.12*.tar.xz 2>/dev/null | sort -V | tail -n1)
[ -n "$tarball" ] || dsb_die "linux-source-6.12 installed no /usr/src/linux-source-6.12*.tar.xz"

src=$DSB_CACHE/linux-debug-src
stamp=$src/.dsb-source
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$tarball" ]; then
	echo "build-debug-kernel: unpacking $tarball"
	rm -rf "$src"
	mkdir -p "$src"
	tar -C "$src" --strip-components=1 -xJf "$tarball"
	echo "$tarball" >"$stamp"
fi

fragment=$DSB_ROOT/scripts/debug-kernel.config
cd "$src"
echo "build-debug-kernel: configuring (x86_64_defconfig + kvm_guest.config + $fragment)"
make -s x86_64_defconfig
make -s kvm_guest.config
# merge_config.sh -m merges into .config without running olddefconfig;
# olddefconfig then resolves dependencies.
scripts/kconfig/merge_config.sh -m .config "$fragment" >/dev/null
make -s olddefconfig

# Report options of the fragment that dependency resolution dropped (a
# hidden symbol such as DRM_SCHED stays off unless a driver selects it);
# the checkers the lane relies on must all be there.
essential="CONFIG_PROVE_LOCKING CONFIG_KASAN CONFIG_DEBUG_KMEMLEAK CONFIG_UBSAN
CONFIG_FAILSLAB CONFIG_FAIL_PAGE_ALLOC CONFIG_FAULT_INJECTION_DEBUG_FS
CONFIG_DEBUG_ATOMIC_SLEEP CONFIG_DRM CONFIG_DRM_VGEM CONFIG_SYNC_FILE
CONFIG_IO_URING CONFIG_DEBUG_FS CONFIG_MODULES CONFIG_MODULE_UNLOAD
CONFIG_DEVTMPFS CONFIG_BLK_DEV_INITRD CONFIG_SERIAL_8250_CONSOLE"
bad=0
while IFS= read -r line; do
	case $line in
	CONFIG_*=y)
		grep -qx "$line" .config && continue
		echo "build-debug-kernel: note: $line did not stick" >&2
		case " $(echo $essential) " in *" ${line%=y} "*) bad=1 ;; esac ;;
	CONFIG_*=n)
		if grep -q "^${line%=n}=[ym]" .config; then
			echo "build-debug-kernel: note: ${line%=n} is still enabled" >&2
		fi ;;
	esac
done <"$fragment"
[ $bad = 0 ] || dsb_die "an essential option of $fragment is missing; see above"

jobs=$(nproc)
echo "build-debug-kernel: building with -j$jobs (about 20 minutes on 2 cores)"
make -s -j"$jobs" bzImage modules
release=$(make -s kernelrelease)

# Assemble the output next to its final place, then switch atomically.
tmp=$out.tmp
rm -rf "$tmp"
mkdir -p "$tmp/build"
cp arch/x86/boot/bzImage "$tmp/vmlinuz"
cp System.map "$tmp/System.map"
# The tree for external modules, as Debian's headers packages make it.
srctree=. objtree=. SRCARCH=x86 CC=${CC:-gcc} HOSTCC=${HOSTCC:-gcc} MAKE=make \
	sh scripts/package/install-extmod-build "$tmp/build"
cp .config "$tmp/build/.config"
cp System.map "$tmp/build/System.map"

# The tree must build a module, or it is no use to the lane.
probe=$(mktemp -d)
printf '#include <linux/module.h>\nMODULE_LICENSE("GPL");\n' >"$probe/probe.c"
echo 'obj-m += probe.o' >"$probe/Kbuild"
make -s -C "$tmp/build" M="$probe" modules >/dev/null ||
	{ rm -rf "$probe"; dsb_die "the build/ tree cannot build an external module"; }
rm -rf "$probe"

rm -rf "$out"
mv "$tmp" "$out"
touch "$out/.complete"
echo "build-debug-kernel: $release ready in $out"

if [ -n "${DSB_DEBUG_TARBALL:-}" ]; then
	tar -C "$DSB_CACHE" --exclude=.complete -cJf "$DSB_DEBUG_TARBALL" "$DSB_DEBUG_DIR_NAME"
	echo "build-debug-kernel: packed $DSB_DEBUG_TARBALL"
fi
