#!/usr/bin/env bash
# Install, idempotently, every Debian package dsb needs to build, test and
# run its VM. Safe to run again: packages already present are skipped.
set -euo pipefail

PKGS=(
	build-essential make gcc pkg-config cpio xz-utils kmod bc flex bison file
	libelf-dev libssl-dev
	qemu-system-x86 busybox-static
	linux-image-amd64 linux-headers-amd64
	linux-image-6.12-amd64 linux-headers-6.12-amd64
	linux-image-rt-amd64 linux-headers-rt-amd64
	linux-image-6.12-rt-amd64 linux-headers-6.12-rt-amd64
	libdrm-dev liburing-dev check libsubunit-dev
	dpkg-dev debhelper dh-dkms dkms fakeroot lintian debootstrap man-db
	python3 gnuplot-nox
	linux-perf
)

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
	echo "deps: all ${#PKGS[@]} packages present"
	exit 0
fi

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
echo "deps: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "deps: done"
