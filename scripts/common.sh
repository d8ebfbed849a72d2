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

# Kernel names (KVER) and the Debian kernel releases they stand for. A name
# is a series and a flavour: "6.1" and "6.12" are the generic flavour only
# (6.1.0-57-amd64, 6.12.117+deb12-amd64), "6.1-rt" and "6.12-rt" the
# PREEMPT_RT one (6.1.0-57-rt-amd64, 6.12.117+deb12-rt-amd64). Other
# flavours (cloud: no DRM drivers) are never picked. "debug" is not resolved
# here (dsb_debug_kernel).
DSB_KVER_NAMES="6.1 6.12 6.1-rt 6.12-rt"

# The installed kernels are read from $DSB_KERNEL_ROOT/lib/modules,
# $DSB_KERNEL_ROOT/boot and $DSB_KERNEL_ROOT/usr/src (DSB_KERNEL_ROOT
# empty, the default: the real /lib/modules, /boot, /usr/src). The harness
# self-test points it at a fake tree.

# dsb_kver_of RELEASE: print the kernel name of a Debian release
# ("6.12.117+deb12-rt-amd64" -> "6.12-rt"), or "" for a release of another
# flavour or series. The flavour is the word between the ABI and "-amd64";
# a generic release has none (its last part before "-amd64" has digits).
dsb_kver_of() {
	local r=$1 base series flav
	case $r in *-amd64) ;; *) return 0 ;; esac
	base=${r%-amd64}
	flav=${base##*-}
	if [[ $flav =~ ^[a-z]+$ ]]; then
		base=${base%-*}
	else
		flav=
	fi
	series=$(sed -nE 's/^([0-9]+\.[0-9]+)\..*/\1/p' <<<"$base")
	case " $DSB_KVER_NAMES " in
	*" $series${flav:+-$flav} "*) echo "$series${flav:+-$flav}" ;;
	esac
}

# dsb_installed_releases: print every kernel release that has an image and
# a build tree, oldest first.
dsb_installed_releases() {
	local root=${DSB_KERNEL_ROOT:-} d r
	for d in "$root"/lib/modules/*; do
		[ -d "$d" ] || continue
		r=${d##*/}
		[ -f "$root/boot/vmlinuz-$r" ] || continue
		[ -f "$d/build/Makefile" ] || [ -f "$root/usr/src/linux-headers-$r/Makefile" ] ||
			continue
		echo "$r"
	done | sort -V
}

# dsb_installed_summary: "6.1.0-57-amd64 (KVER=6.1), 6.1.0-57-cloud-amd64
# (no KVER: flavour not supported), ..." for error messages.
dsb_installed_summary() {
	local r k out=
	for r in $(dsb_installed_releases); do
		k=$(dsb_kver_of "$r")
		if [ -n "$k" ]; then
			out="$out${out:+, }$r (KVER=$k)"
		else
			out="$out${out:+, }$r (not a dsb target)"
		fi
	done
	echo "${out:-none}"
}

# dsb_resolve_kver NAME: print the newest installed release (image and build
# tree) of NAME, one of $DSB_KVER_NAMES, or an installed release given in
# full. Fails, saying what is installed, for anything else.
dsb_resolve_kver() {
	local name=$1 best= r
	case " $DSB_KVER_NAMES " in
	*" $name "*)
		for r in $(dsb_installed_releases); do
			[ "$(dsb_kver_of "$r")" = "$name" ] && best=$r
		done
		if [ -z "$best" ]; then
			echo "dsb: error: KVER=$name: no Debian $name kernel installed with image and headers (scripts/deps.sh installs them); installed: $(dsb_installed_summary)" >&2
			return 1
		fi
		echo "$best"
		return 0 ;;
	esac
	if [ -n "$name" ] && dsb_installed_releases | grep -qxF -e "$name"; then
		echo "$name"
		return 0
	fi
	echo "dsb: error: KVER='$name' is not a kernel dsb knows: use one of $DSB_KVER_NAMES debug, or an installed release; installed: $(dsb_installed_summary)" >&2
	return 1
}

# dsb_kdir RELEASE: the build tree of an installed kernel release.
dsb_kdir() {
	local root=${DSB_KERNEL_ROOT:-}
	if [ -f "$root/lib/modules/$1/build/Makefile" ]; then
		echo "$root/lib/modules/$1/build"
	else
		echo "$root/usr/src/linux-headers-$1"
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

# dsb_shipped_ko KVER: build dsb.ko for KVER (a kernel name, an installed
# release, or debug) as it ships, without the test hooks (build-kmod.sh
# with DSB_TEST_HOOKS=n), and print its path. The benchmarks measure it.
dsb_shipped_ko() {
	local name=$1
	if [ "$name" != debug ]; then
		name=$(dsb_resolve_kver "$name") || return 1
	fi
	DSB_TEST_HOOKS=n "$DSB_ROOT/scripts/build-kmod.sh" "$name" >&2 || return 1
	echo "$(dsb_kmod_dir "$name-nohooks")/dsb.ko"
}

# dsb_debug_gpuvm_dir: the directory of drm_exec.ko, drm_gpuvm.ko and their
# Module.symvers built for the debug kernel (scripts/build-debug-gpuvm.sh);
# it holds them when it has a .complete file.
dsb_debug_gpuvm_dir() {
	echo "$DSB_CACHE/dsb-debug-gpuvm"
}
