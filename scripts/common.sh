# shellcheck shell=bash
# Helpers shared by the dsb scripts: kernel resolution, debug-kernel cache,
# module build directories. Source it; it defines functions only.

DSB_ROOT=${DSB_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
DSB_CACHE=${DSB_CACHE:-$DSB_ROOT/.cache}
DSB_BUILD=${DSB_BUILD:-$DSB_ROOT/build}
DSB_DEBUG_TARBALL_NAME=dsb-debug-kernel-6.12.tar.xz
DSB_DEBUG_DIR_NAME=dsb-debug-kernel-6.12

dsb_die() {
	echo "dsb: error: $*" >&2
	exit 1
}

# dsb_resolve_kver SERIES: print the newest installed Debian kernel release
# of SERIES ("6.1" or "6.12") that has both an image and a build tree.
dsb_resolve_kver() {
	local series=$1 best= r d
	# "6.1.*" cannot match "6.12...": the series must be followed by a dot.
	for d in /lib/modules/"$series".*-amd64; do
		[ -d "$d" ] || continue
		r=${d##*/}
		[ -f "/boot/vmlinuz-$r" ] || continue
		[ -f "$d/build/Makefile" ] || [ -f "/usr/src/linux-headers-$r/Makefile" ] || continue
		best=$(printf '%s\n%s\n' "$best" "$r" | sed '/^$/d' | sort -V | tail -n1)
	done
	[ -n "$best" ] || return 1
	echo "$best"
}

# dsb_kdir RELEASE: the build tree of an installed kernel release.
dsb_kdir() {
	if [ -f "/lib/modules/$1/build/Makefile" ]; then
		echo "/lib/modules/$1/build"
	else
		echo "/usr/src/linux-headers-$1"
	fi
}

# dsb_find_debug_tarball: print the path of the prebuilt debug kernel
# tarball, or fail.
dsb_find_debug_tarball() {
	local d
	for d in "${DSB_DEBUG_KERNEL_DIR:-}" "$DSB_ROOT/../shared/kernels" /work/shared/kernels; do
		[ -n "$d" ] || continue
		if [ -f "$d/$DSB_DEBUG_TARBALL_NAME" ]; then
			echo "$d/$DSB_DEBUG_TARBALL_NAME"
			return 0
		fi
	done
	return 1
}

# dsb_debug_kernel: print the directory of a debug kernel (vmlinuz, build/,
# System.map), unpacking the prebuilt tarball into the cache when needed.
# Order: $DSB_DEBUG_KERNEL (an unpacked directory), the cache (unpacked or
# built by scripts/build-debug-kernel.sh), the tarball.
dsb_debug_kernel() {
	local dir=$DSB_CACHE/$DSB_DEBUG_DIR_NAME tarball
	if [ -n "${DSB_DEBUG_KERNEL:-}" ]; then
		[ -f "$DSB_DEBUG_KERNEL/vmlinuz" ] || return 1
		echo "$DSB_DEBUG_KERNEL"
		return 0
	fi
	if [ -f "$dir/.complete" ] && [ -f "$dir/vmlinuz" ]; then
		echo "$dir"
		return 0
	fi
	tarball=$(dsb_find_debug_tarball) || return 1
	echo "dsb: unpacking $tarball into $DSB_CACHE" >&2
	mkdir -p "$DSB_CACHE"
	rm -rf "$dir" "$dir.tmp"
	mkdir -p "$dir.tmp"
	tar -C "$dir.tmp" -xJf "$tarball" || { rm -rf "$dir.tmp"; return 1; }
	[ -f "$dir.tmp/$DSB_DEBUG_DIR_NAME/vmlinuz" ] || { rm -rf "$dir.tmp"; return 1; }
	mv "$dir.tmp/$DSB_DEBUG_DIR_NAME" "$dir"
	rmdir "$dir.tmp"
	touch "$dir/.complete"
	echo "$dir"
}

# dsb_kmod_dir NAME: output directory of the module built for NAME (a
# kernel release, or "debug").
dsb_kmod_dir() {
	echo "$DSB_BUILD/$1/kmod"
}
