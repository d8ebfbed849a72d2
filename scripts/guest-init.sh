#!/bin/busybox sh
# Guest /init, installed into the initramfs by scripts/vm.sh (run by the
# kernel as PID 1; /bin/sh exists only after busybox --install).
#
# Mounts proc, sysfs, devtmpfs, debugfs and tmpfs on /tmp, reads
# /etc/dsb-vm.conf (written by vm.sh: DSB_MODPARAMS, DSB_LOAD_DSB,
# DSB_KMEMLEAK, exported test settings), loads the modules of
# /etc/dsb-modules, then dsb.ko, runs /etc/dsb-cmd, unloads dsb, dumps the
# kernel log and powers off. Markers on the console for the host's vm.sh:
#   DSB-VM: booted ...            /init runs
#   DSB-VM-BOOT-DIRTY             the kernel reported a problem before dsb
#                                 was loaded: vm.sh boots again
#   DSB-VM-CMD-BEGIN / -END status=N   around the command
#   DSB-VM-RMMOD=0|1              dsb unloaded (within 10 s) or not
#   DSB-VM-KMEMLEAK-BEGIN WHEN / -END  a kmemleak report
#   DSB-VM-DMESG-BEGIN / -END     the kernel log
#   DSB-VM-EXIT=N                 the command's status (125: a module
#                                 failed to load)
/bin/busybox --install -s /bin
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t debugfs debugfs /sys/kernel/debug
mount -t tmpfs tmpfs /tmp
. /etc/dsb-vm.conf
echo "DSB-VM: booted $(uname -r)"

kmemleak_report() { # kmemleak_report WHEN
	[ "$DSB_KMEMLEAK" = 1 ] && [ -e /sys/kernel/debug/kmemleak ] || return 0
	echo "DSB-VM: kmemleak scan ($1)"
	echo scan >/sys/kernel/debug/kmemleak
	sleep 6
	echo scan >/sys/kernel/debug/kmemleak
	echo "DSB-VM-KMEMLEAK-BEGIN $1"
	cat /sys/kernel/debug/kmemleak
	echo "DSB-VM-KMEMLEAK-END"
}

finish() { # finish STATUS
	echo "DSB-VM-DMESG-BEGIN"
	dmesg
	echo "DSB-VM-DMESG-END"
	echo "DSB-VM-EXIT=$1"
	sync
	poweroff -f
	sleep 10
}

for m in $(cat /etc/dsb-modules); do
	insmod /lib/modules/$m.ko || { echo "DSB-VM: insmod $m failed"; finish 125; }
done
if [ "$DSB_KMEMLEAK" = 1 ] && [ -e /sys/kernel/debug/kmemleak ]; then
	# Leaks from boot are not ours: report only what appears from here.
	echo scan >/sys/kernel/debug/kmemleak
	echo clear >/sys/kernel/debug/kmemleak
fi
if [ "${DSB_SWAP:-0}" = 1 ]; then
	# vm.sh's swap disk: the first virtio disk.
	for i in 1 2 3 4 5 6 7 8 9 10; do [ -b /dev/vda ] && break; sleep 0.5; done
	mkswap /dev/vda >/dev/null && swapon /dev/vda ||
		{ echo "DSB-VM: no swap on /dev/vda"; finish 125; }
	echo "DSB-VM: swap on /dev/vda: $(grep SwapTotal /proc/meminfo)"
fi
# A kernel that already reported a problem while booting (before any dsb
# code ran) is not worth testing on: say so, and the host boots again.
if dmesg | grep -E -q -f /etc/dsb-klog-patterns; then
	echo "DSB-VM-BOOT-DIRTY"
	dmesg | grep -E -m3 -f /etc/dsb-klog-patterns
	sync
	poweroff -f
	sleep 10
fi
if [ "$DSB_LOAD_DSB" = 1 ]; then
	echo "DSB-VM: loading dsb.ko"
	insmod /lib/modules/dsb.ko $DSB_MODPARAMS || { echo "DSB-VM: insmod dsb.ko $DSB_MODPARAMS failed"; finish 125; }
	echo "DSB-VM: loaded dsb.ko $DSB_MODPARAMS"
fi

echo "DSB-VM-CMD-BEGIN"
cd /
sh /etc/dsb-cmd </dev/null
rc=$?
echo "DSB-VM-CMD-END status=$rc"

if [ "$DSB_LOAD_DSB" = 1 ]; then
	kmemleak_report loaded
	# Files can outlive their process briefly (io_uring releases its
	# files from a workqueue after the ring is gone): give the module
	# references 10 s to drop. A reference that never drops fails.
	tries=0
	until rmmod dsb 2>/tmp/rmmod.err; do
		tries=$((tries + 1))
		if [ $tries -ge 40 ]; then
			cat /tmp/rmmod.err
			break
		fi
		usleep 250000
	done
	[ $tries -gt 0 ] && [ $tries -lt 40 ] && echo "DSB-VM: rmmod dsb succeeded after $tries retries"
	echo "DSB-VM-RMMOD=$([ $tries -lt 40 ] && echo 0 || echo 1)"
fi
kmemleak_report unloaded
finish $rc
