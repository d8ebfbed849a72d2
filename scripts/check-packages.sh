#!/usr/bin/env bash
# `make check-packages`: the Debian packages (`make deb`, build/deb/) as a
# user gets them, on a fresh minimal Debian 12 root.
#
#   scripts/check-packages.sh
#
# First, without the root: libdsb-dev must ship dsb(7)
# (usr/share/man/man7/dsb.7.gz), and `man --warnings -l` must render every
# man page of libdsb-dev and dsb-tools without a warning.
# In a root made with `debootstrap --variant=minbase bookworm` from Debian's
# mirror (cached as .cache/debian12-minbase.tar; a new copy every run):
#   1. the headers of the first kernel are installed, then the four packages
#      with `apt-get install ./*.deb`: DKMS builds dsb.ko at installation;
#      the headers of the other kernels come after, and DKMS builds the
#      module for each of them from the kernel hook (as on an upgrade);
#      `dkms status` must say installed for every kernel, and no module
#      DKMS built may have a test_* parameter (the test hooks, DSB_TEST_HOOKS,
#      exist only in the tree's test builds);
#   2. the installed examples (/usr/share/doc/libdsb-dev/examples) are
#      compiled against the installed libdsb-dev with pkg-config alone:
#      `cc hello.c $(pkg-config --cflags --libs libdsb)`;
#   3. for each kernel, a VM (scripts/vm.sh) boots it with the DKMS-built
#      dsb.ko (DSB_KO; the guest checks it loaded that very file) and runs
#      the examples and the installed dsbctl, dynamically linked, with the
#      root's own shared libraries (libdsb.so.1 from libdsb1);
#   4. the packages are purged: `dkms status` must be empty and no file of
#      the packages, no dsb.ko and no /usr/src/dsb-* may remain.
# Where the root has a kernel's modules too (the 6.12 headers depend on the
# image), `modprobe --show-depends dsb` must find the DKMS module after
# drm.ko (and, where dsb.ko uses drm_gpuvm, after drm_exec.ko and
# drm_gpuvm.ko). Prints the time of each step and "check-packages: N passed, N
# failed".
#
# Environment: DSB_PKG_KVERS kernels (default "6.1 6.12"; 6.1-rt and
# 6.12-rt work too); DSB_PKG_KEEP=1 keeps the root (its path is printed).
# Needs root (chroot, mounts): exits 77 (skipped) otherwise. Downloaded .debs are kept in
# .cache/pkg-apt-archives, so runs after the first download little.
set -euo pipefail
. "$(dirname "$0")/common.sh"

kvers=${DSB_PKG_KVERS:-6.1 6.12}
mirror=http://deb.debian.org/debian
if [ "$(id -u)" != 0 ]; then
	echo "check-packages: SKIPPED: needs root (debootstrap, chroot, mount)" >&2
	exit 77
fi

debs=()
for p in dsb-dkms libdsb1 libdsb-dev dsb-tools; do
	f=$(ls "$DSB_BUILD"/deb/"$p"_*.deb 2>/dev/null | head -n1) ||
		true
	[ -n "$f" ] || dsb_die "no $p package in $DSB_BUILD/deb (make deb)"
	debs+=("$f")
done
version=$(dpkg-deb -f "${debs[0]}" Version)

rels=()
for k in $kvers; do
	r=$(dsb_resolve_kver "$k") || exit 1
	rels+=("$r")
done

pass=0 fail=0
t0=$(date +%s)
ok() { echo "check-packages: PASS: $*"; pass=$((pass + 1)); }
bad() { echo "check-packages: FAIL: $*"; fail=$((fail + 1)); }
step() { echo "check-packages: [$(( $(date +%s) - t0 ))s] $*"; }
finish() {
	echo "check-packages: total $(( $(date +%s) - t0 ))s"
	echo "check-packages: $pass passed, $fail failed"
	[ "$fail" = 0 ] && exit 0
	exit 1
}

# --- 0. the man pages, as man shows them ----------------------------------
# libdsb-dev must have dsb(7), the model (where liburing-dev has
# io_uring(7)), and every page of libdsb-dev and dsb-tools must render
# without a warning from man and groff. Read from usr/share/man of the
# unpacked packages, so that the .so pages dh made into symlinks resolve.
step "man pages of libdsb-dev and dsb-tools"
check_man_pages() {
	local dir f out pages=0 warned=()
	if ! command -v man >/dev/null; then
		bad "no man on this machine (scripts/deps.sh installs man-db)"
		return
	fi
	dir=$(mktemp -d "${TMPDIR:-/tmp}/dsb-man.XXXXXX")
	dpkg-deb -x "${debs[2]}" "$dir" && dpkg-deb -x "${debs[3]}" "$dir" ||
		{ bad "cannot unpack libdsb-dev and dsb-tools"; rm -rf "$dir"; return; }
	if [ ! -f "$dir/usr/share/man/man7/dsb.7.gz" ]; then
		bad "libdsb-dev has no usr/share/man/man7/dsb.7.gz"
		rm -rf "$dir"
		return
	fi
	while read -r f; do
		pages=$((pages + 1))
		out=$(cd "$dir/usr/share/man" && LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 \
			man --warnings -l "$f" 2>&1 >/dev/null) || out+=" (man failed)"
		if [ -n "$out" ]; then
			warned+=("${f#./}")
			sed "s|^|    ${f#./}: |" <<<"$out"
		fi
	done < <(cd "$dir/usr/share/man" && find . -path './man*/*' \( -type f -o -type l \) | sort)
	rm -rf "$dir"
	if [ ${#warned[@]} = 0 ]; then
		ok "libdsb-dev has dsb(7); the $pages man pages of libdsb-dev and dsb-tools render without warnings"
	else
		bad "man warns about ${warned[*]}"
	fi
}
check_man_pages

# --- the fresh root ------------------------------------------------------
base=$DSB_CACHE/debian12-minbase.tar
if [ ! -f "$base" ]; then
	step "debootstrap minbase bookworm (once, into $base)"
	tmpb=$(mktemp -d "${TMPDIR:-/tmp}/dsb-debootstrap.XXXXXX")
	debootstrap --variant=minbase bookworm "$tmpb" "$mirror" >"$tmpb.log" 2>&1 || {
		tail -n 20 "$tmpb.log" >&2
		rm -rf "$tmpb" "$tmpb.log"
		dsb_die "debootstrap failed"
	}
	mkdir -p "$DSB_CACHE"
	tar -C "$tmpb" --numeric-owner -cf "$base.part" .
	mv "$base.part" "$base"
	rm -rf "$tmpb" "$tmpb.log"
fi

root=$(mktemp -d "${TMPDIR:-/tmp}/dsb-pkgroot.XXXXXX")
archives=$DSB_CACHE/pkg-apt-archives
mkdir -p "$archives/partial"
mounted=()
cleanup() {
	local i
	for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
		umount -l "${mounted[$i]}" 2>/dev/null || true
	done
	if [ "${DSB_PKG_KEEP:-0}" = 1 ]; then
		echo "check-packages: root kept in $root"
	elif grep -qF " $root/" /proc/mounts; then
		echo "check-packages: something is still mounted in $root, not removing it" >&2
	else
		rm -rf --one-file-system "$root"
	fi
}
trap cleanup EXIT
tar -C "$root" -xf "$base"
rm -f "$root/etc/apt/sources.list"
cat >"$root/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $mirror
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
for m in proc sys dev dev/pts; do
	mount --bind "/$m" "$root/$m"
	mounted+=("$root/$m")
done
mount --bind "$archives" "$root/var/cache/apt/archives"
mounted+=("$root/var/cache/apt/archives")
mkdir -p "$root/root/debs"
cp "${debs[@]}" "$root/root/debs/"

# in_root CMD: run a shell command in the root, output to the log.
log=$DSB_BUILD/check-packages.log
: >"$log"
in_root() {
	echo "+ $1" >>"$log"
	chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 HOME=/root \
		bash -c "$1" >>"$log" 2>&1
}
apt_install() {
	in_root "apt-get install -y -q --no-install-recommends $*"
}
echo "check-packages: dsb $version, kernels ${rels[*]}, root $root, log $log"

step "apt-get update, headers of ${rels[0]}"
in_root "apt-get update -q" || { bad "apt-get update"; finish; }
# The 6.12 headers depend on their kernel image, whose installation would
# generate (twice) an initramfs the test never boots, the VM having its
# own: more than a minute. update-initramfs is diverted to true here.
in_root "dpkg-divert --local --rename --add /usr/sbin/update-initramfs &&
	ln -s /bin/true /usr/sbin/update-initramfs" || { bad "divert update-initramfs"; finish; }
apt_install "linux-headers-${rels[0]}" || { bad "headers of ${rels[0]}"; finish; }

# --- 1. install: DKMS builds the module -----------------------------------
step "apt-get install ./dsb-dkms ./libdsb1 ./libdsb-dev ./dsb-tools"
# The compiler and pkg-config are what a developer brings; the packages
# bring the rest (dkms and its toolchain, libdrm-dev, liburing-dev).
if apt_install gcc libc6-dev pkg-config /root/debs/*.deb; then
	ok "the four packages install on a fresh Debian 12 root"
else
	bad "apt-get install of the packages"
	tail -n 30 "$log"
	finish
fi
for r in "${rels[@]:1}"; do
	step "headers of $r (DKMS builds dsb.ko from the kernel hook)"
	apt_install "linux-headers-$r" || { bad "headers of $r"; tail -n 30 "$log"; finish; }
done
in_root "dkms status" || true
status=$(chroot "$root" dkms status 2>/dev/null)
echo "$status" | sed 's/^/    /'
declare -A ko=()
for r in "${rels[@]}"; do
	f=$(ls "$root/lib/modules/$r/updates/dkms/"dsb.ko* 2>/dev/null | head -n1) || true
	if grep -q "^dsb/$version, $r, x86_64: installed" <<<"$status" && [ -n "$f" ]; then
		ok "DKMS built and installed dsb.ko for $r (${f#"$root"})"
		ko[$r]=$root/root/dsb-$r.ko
		case $f in
		*.ko.xz) xz -dc "$f" >"${ko[$r]}" ;;
		*.ko.zst) zstd -qdc "$f" >"${ko[$r]}" ;;
		*.ko.gz) gzip -dc "$f" >"${ko[$r]}" ;;
		*) cp "$f" "${ko[$r]}" ;;
		esac
		# The shipped module has no test hooks (kmod/Kbuild DSB_TEST_HOOKS).
		if ! parms=$(modinfo -F parm "${ko[$r]}"); then
			bad "$r: modinfo cannot read the DKMS-built dsb.ko"
		elif hooks=$(grep -E '^test_' <<<"$parms" | cut -d: -f1 | paste -sd' ') &&
			[ -n "$hooks" ]; then
			bad "$r: the DKMS-built dsb.ko has test-only parameters: $hooks"
		elif ! grep -q '^num_devices:' <<<"$parms"; then
			bad "$r: modinfo lists no num_devices parameter in the DKMS-built dsb.ko"
		else
			ok "$r: the DKMS-built dsb.ko has no test_* parameter ($(wc -l <<<"$parms") parameters)"
		fi
		# Where the root also has the kernel's modules (the 6.12 headers
		# bring their image), modprobe must find dsb and its DRM deps.
		# On 6.12 dsb.ko uses drm_gpuvm (kmod/Kbuild, DSB_HAVE_DRM_GPUVM):
		# modprobe must bring drm_gpuvm and the drm_exec it needs as well.
		if [ -d "$root/lib/modules/$r/kernel" ]; then
			need=(/drm.ko)
			if modinfo -F depends "${ko[$r]}" | tr ',' '\n' | grep -qx drm_gpuvm; then
				need+=(/drm_exec.ko /drm_gpuvm.ko)
			fi
			deps=$(chroot "$root" modprobe -S "$r" --show-depends dsb 2>>"$log") || deps=
			missing=()
			for m in "${need[@]}"; do
				grep -qF "$m" <<<"$deps" || missing+=("${m#/}")
			done
			if grep -q "updates/dkms/dsb.ko" <<<"$deps" && [ ${#missing[@]} = 0 ]; then
				ok "$r: modprobe dsb resolves to the DKMS module, after ${need[*]#/}"
			else
				bad "$r: modprobe does not find the DKMS module and its dependencies${missing[*]:+ (missing: ${missing[*]})}"
			fi
		fi
	else
		bad "DKMS did not install dsb.ko for $r"
	fi
done

# --- 2. the examples, with pkg-config alone ---------------------------------
step "compile the installed examples with pkg-config"
progs="hello mesa_style throughput uring_fences implicit_vgem"
ex=/usr/share/doc/libdsb-dev/examples
cc_ok=1
in_root "mkdir -p /root/bin" || true
for p in $progs; do
	# hello.c exactly as the README says; the others the same way
	# (uring_fences calls liburing itself, so it names liburing too).
	pc=libdsb
	[ $p = uring_fences ] && pc="libdsb liburing"
	if in_root "cd /root/bin && cc -o $p $ex/$p.c \$(pkg-config --cflags --libs $pc)"; then
		:
	else
		bad "$p.c does not compile against the installed libdsb-dev"
		cc_ok=0
	fi
done
if [ $cc_ok = 1 ] && in_root "ldd /root/bin/hello | grep -Eq 'libdsb.so.1 => (/usr)?/lib/x86_64-linux-gnu/libdsb.so.1'"; then
	ok "the examples compile with \$(pkg-config --cflags --libs libdsb) and run with the installed libdsb.so.1"
elif [ $cc_ok = 1 ]; then
	bad "hello is not linked with the installed libdsb.so.1"
fi

# The guest is a busybox initramfs without libc: the programs go with the
# root's shared libraries (what ldd resolves in the root) and loader.
payload=$root/root/payload
mkdir -p "$payload/pkg/bin" "$payload/pkg/lib" "$payload/lib64"
cp "$root"/root/bin/* "$root/usr/bin/dsbctl" "$payload/pkg/bin/" 2>/dev/null || true
for b in "$payload"/pkg/bin/*; do
	chroot "$root" ldd "/root/payload/pkg/bin/${b##*/}" 2>/dev/null |
		awk '$2 == "=>" && $3 ~ /^\// { print $3 }'
done | sort -u | while read -r l; do cp -L "$root$l" "$payload/pkg/lib/"; done
cp -L "$root/lib64/ld-linux-x86-64.so.2" "$payload/lib64/"

# --- 3. a VM on each kernel with the DKMS-built module -----------------------
for r in "${rels[@]}"; do
	[ -n "${ko[$r]:-}" ] || continue
	step "VM on $r with the DKMS-built dsb.ko"
	sum=$(md5sum <"${ko[$r]}" | cut -d' ' -f1)
	guest="set -e
		export LD_LIBRARY_PATH=/pkg/lib
		test \"\$(md5sum </lib/modules/dsb.ko | cut -d' ' -f1)\" = $sum
		grep -q '^dsb ' /proc/modules
		echo 'DSB-PKG: the loaded dsb.ko is the one DKMS built'
		for p in $progs; do echo \"== \$p\"; /pkg/bin/\$p; done
		echo '== dsbctl status'; /pkg/bin/dsbctl status
		echo '== dsbctl queues'; /pkg/bin/dsbctl queues
		echo 'DSB-PKG: all ran'"
	if DSB_KO=${ko[$r]} KVER=$r "$DSB_ROOT/scripts/vm.sh" --no-tests \
		--add "$payload/pkg:/pkg" --add "$payload/lib64:/lib64" -- sh -c "$guest"; then
		ok "$r: the DKMS-built module loads; the installed examples and dsbctl run"
	else
		bad "$r: VM run with the DKMS-built module"
	fi
done

# --- 4. purge -----------------------------------------------------------------
step "apt-get purge"
for p in dsb-dkms libdsb1 libdsb-dev dsb-tools; do
	chroot "$root" dpkg-query -L "$p" 2>/dev/null
done | sort -u >"$root/root/files"
if in_root "apt-get purge -y -q dsb-dkms libdsb1 libdsb-dev dsb-tools"; then
	ok "the packages purge"
else
	bad "apt-get purge"
fi
left=()
while read -r f; do
	[ -n "$f" ] && [ "$f" != /. ] || continue
	# Directories shared with other packages (/usr/lib/..., /usr/src) stay.
	[ -d "$root$f" ] && chroot "$root" dpkg-query -S "$f" >/dev/null 2>&1 && continue
	if [ -e "$root$f" ] || [ -L "$root$f" ]; then left+=("$f"); fi
done <"$root/root/files"
for f in "$root"/lib/modules/*/updates/dkms/dsb.ko* "$root"/usr/src/dsb-* "$root"/var/lib/dkms/dsb; do
	[ -e "$f" ] && left+=("${f#"$root"}")
done
status=$(chroot "$root" dkms status 2>/dev/null)
if [ -n "$status" ]; then
	bad "dkms status is not empty after the purge: $status"
elif [ ${#left[@]} -gt 0 ]; then
	bad "left after the purge: ${left[*]}"
else
	ok "after the purge: dkms status empty, no dsb.ko, none of the $(wc -l <"$root/root/files") package paths left"
fi
finish
