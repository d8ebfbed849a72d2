#!/usr/bin/env bash
# Run a command inside a QEMU VM booting a Debian kernel with dsb.ko loaded.
#
#   KVER=6.1|6.12|6.1-rt|6.12-rt|debug scripts/vm.sh [--timeout S] [--add SRC[:DEST]]... \
#       [--no-tests] -- COMMAND [ARGS...]
#
# The guest is a busybox initramfs holding: the DRM modules dsb.ko and vgem
# depend on (taken from /lib/modules/<release>, decompressed; on the debug
# kernel, where DRM is built in, drm_exec and drm_gpuvm from
# scripts/build-debug-gpuvm.sh when dsb.ko depends on them), dsb.ko built
# for that kernel (scripts/build-kmod.sh), the static test binaries of
# tests/build/vm/ in /tests (unless --no-tests), the guest helpers
# (/bin/dsb-run-tests, /bin/dsb-fault-inject), dsbctl (lib/tools/dsbctl, when
# built) and every file given with
# --add (a file goes to /bin/<name> unless DEST is given; a directory to
# /<name>). /init (scripts/guest-init.sh) mounts proc, sysfs, devtmpfs,
# debugfs and tmpfs on /tmp, loads the modules (dsb with num_devices=2
# $DSB_MODPARAMS), runs COMMAND with /bin/sh, unloads dsb, dumps the kernel
# log and powers off.
#
# The run fails (exit status 1, or COMMAND's own nonzero status) when:
#   - COMMAND exits nonzero (its status is returned);
#   - the guest hangs or dies without printing its exit marker;
#   - `rmmod dsb` fails after COMMAND;
#   - the kernel log matches a pattern of scripts/klog-patterns (WARNING,
#     BUG, Oops, lockdep, KASAN, UBSAN, kmemleak, hung task, Call Trace...).
#
# Environment:
#   KVER            6.1 (default), 6.12 (generic flavours), 6.1-rt, 6.12-rt
#                   (PREEMPT_RT), debug, or an installed kernel release
#   DSB_MODPARAMS   extra insmod parameters for dsb.ko (after num_devices=2)
#   DSB_KO          use this dsb.ko instead of building one
#   DSB_VM_NO_DSB=1 do not load dsb.ko (vgem and DRM only)
#   DSB_VM_NO_BUILD=1 do not (re)build dsb.ko, use the existing one
#   DSB_VM_TIMEOUT  seconds before the VM is killed (default 600, debug 1800)
#   DSB_VM_KVM=1    use -accel kvm -cpu host (users' machines; TCG otherwise)
#   DSB_VM_MEM      guest memory (default 1G, debug 2G)
#   DSB_VM_SWAP_MB=N give the guest a swap disk of N MiB (a sparse image on
#                   virtio-blk, made with mkswap and enabled before dsb.ko
#                   is loaded; the image is deleted after the run)
#   DSB_VM_VERBOSE=1 show the whole kernel console and the final dmesg dump
#   DSB_VM_KMEMLEAK=0|1 kmemleak scan after the command (default 1 on debug)
#   DSB_VM_EXPECT_DIRTY=1 invert the kernel-log verdict: succeed only when
#                   the log has a report (matching DSB_VM_EXPECT_PATTERN, an
#                   extended regex, when set); used by negative controls
#   DSB_VM_LOG      where to keep the full serial log (default
#                   build/vm/<KVER>-<time>-<pid>.log, linked from
#                   build/vm/<KVER>-last.log)
set -euo pipefail
. "$(dirname "$0")/common.sh"

KVER=${KVER:-6.1}
timeout_s=${DSB_VM_TIMEOUT:-}
adds=()
with_tests=1

usage() {
	sed -n '2,/^set -euo/p' "$0" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//'
	exit "${1:-2}"
}

while [ $# -gt 0 ]; do
	case $1 in
	--timeout) timeout_s=${2:?--timeout needs seconds}; shift 2 ;;
	--timeout=*) timeout_s=${1#*=}; shift ;;
	--add) adds+=("${2:?--add needs a file}"); shift 2 ;;
	--add=*) adds+=("${1#*=}"); shift ;;
	--no-tests) with_tests=0; shift ;;
	-h|--help) usage 0 ;;
	--) shift; break ;;
	*) echo "vm.sh: unknown argument '$1' (the command goes after --)" >&2; usage ;;
	esac
done
[ $# -gt 0 ] || { echo "vm.sh: no command given" >&2; usage; }

# --- kernel -----------------------------------------------------------
debug=0
if [ "$KVER" = debug ]; then
	debug=1
	dbg=$(dsb_debug_kernel) || dsb_die "KVER=debug: no debug kernel found. Put $DSB_DEBUG_TARBALL_NAME in ../shared/kernels (or DSB_DEBUG_KERNEL_DIR), or build one with scripts/build-debug-kernel.sh"
	vmlinuz=$dbg/vmlinuz
	rel=$(cat "$dbg/build/include/config/kernel.release" 2>/dev/null || echo debug)
	kname=debug
	mem=${DSB_VM_MEM:-2G}
	timeout_s=${timeout_s:-1800}
	kmemleak=${DSB_VM_KMEMLEAK:-1}
else
	# 6.1|6.12 (generic flavour), 6.1-rt|6.12-rt, or an installed release;
	# anything else fails naming the installed kernels.
	rel=$(dsb_resolve_kver "$KVER") || exit 1
	vmlinuz=/boot/vmlinuz-$rel
	[ -r "$vmlinuz" ] || dsb_die "no kernel image $vmlinuz"
	kname=$rel
	mem=${DSB_VM_MEM:-1G}
	timeout_s=${timeout_s:-600}
	kmemleak=${DSB_VM_KMEMLEAK:-0}
fi

# --- module -------------------------------------------------------------
load_dsb=1
[ "${DSB_VM_NO_DSB:-0}" = 1 ] && load_dsb=0
ko=
if [ $load_dsb = 1 ]; then
	if [ -n "${DSB_KO:-}" ]; then
		ko=$DSB_KO
	else
		ko=$(dsb_kmod_dir "$kname")/dsb.ko
		if [ "${DSB_VM_NO_BUILD:-0}" != 1 ]; then
			"$DSB_ROOT/scripts/build-kmod.sh" "$([ $debug = 1 ] && echo debug || echo "$rel")" >&2
		fi
	fi
	[ -f "$ko" ] || dsb_die "no module $ko"
fi

# --- initramfs ----------------------------------------------------------
stage=$(mktemp -d "${TMPDIR:-/tmp}/dsb-vm.XXXXXX")
cleanup() { rm -rf "$stage"; }
trap cleanup EXIT
mkdir -p "$stage"/{bin,sbin,etc,proc,sys,dev,tmp,run,lib/modules,tests}
cp /bin/busybox "$stage/bin/busybox"
file -L /bin/busybox 2>/dev/null | grep -q 'statically linked' ||
	dsb_die "/bin/busybox is not static (install busybox-static)"

# Kernel modules to load before dsb, in dependency order. On the debug
# kernel DRM and vgem are built in, and the modules dsb.ko needs beyond
# them (drm_exec, drm_gpuvm) come from scripts/build-debug-gpuvm.sh.
mods=()
declare -A seen=()
add_mod() { # add_mod NAME: depth-first, dependencies first
	local name=${1//-/_} path dep
	[ -n "${seen[$name]:-}" ] && return 0
	seen[$name]=1
	path=$(modinfo -k "$rel" -n "$name" 2>/dev/null) || {
		# Built into this kernel (modules.builtin) is fine.
		grep -q "/${name//_/[-_]}\.ko" "/lib/modules/$rel/modules.builtin" 2>/dev/null && return 0
		dsb_die "kernel $rel has no module $name"
	}
	case $path in (builtin|"(builtin)") return 0 ;; esac
	# Modules come from the booted kernel's own tree (an RT kernel cannot
	# load the generic flavour's drm.ko).
	case $path in
	/lib/modules/"$rel"/*) ;;
	*) dsb_die "module $name of $rel resolved outside /lib/modules/$rel: $path" ;;
	esac
	for dep in $(modinfo -F depends "$path" | tr ',' ' '); do
		add_mod "$dep"
	done
	case $path in
	*.ko.xz) xz -dc "$path" >"$stage/lib/modules/$name.ko" ;;
	*.ko.zst) zstd -qdc "$path" >"$stage/lib/modules/$name.ko" ;;
	*.ko.gz) gzip -dc "$path" >"$stage/lib/modules/$name.ko" ;;
	*) cp "$path" "$stage/lib/modules/$name.ko" ;;
	esac
	mods+=("$name")
}
gpuvm_dir=
add_debug_mod() { # add_debug_mod NAME: add_mod for the debug kernel
	local name=${1//-/_} path dep
	[ -n "${seen[$name]:-}" ] && return 0
	seen[$name]=1
	if [ -z "$gpuvm_dir" ]; then
		# Built already with dsb.ko (build-kmod.sh debug): the cache.
		gpuvm_dir=$("$DSB_ROOT/scripts/build-debug-gpuvm.sh") ||
			dsb_die "dsb.ko needs $name: drm_exec/drm_gpuvm for the debug kernel could not be built"
	fi
	path=$gpuvm_dir/$name.ko
	[ -f "$path" ] ||
		dsb_die "dsb.ko needs module $name, which the debug kernel has neither built in nor in $gpuvm_dir"
	for dep in $(modinfo -F depends "$path" | tr ',' ' '); do
		add_debug_mod "$dep"
	done
	cp "$path" "$stage/lib/modules/$name.ko"
	mods+=("$name")
}
swap_mb=${DSB_VM_SWAP_MB:-0}
if [ $debug = 1 ]; then
	if [ $load_dsb = 1 ]; then
		for dep in $(modinfo -F depends "$ko" | tr ',' ' '); do
			add_debug_mod "$dep"
		done
	fi
else
	# A swap disk needs virtio-blk (modules on Debian's kernels).
	if [ "$swap_mb" != 0 ]; then
		add_mod virtio_pci
		add_mod virtio_blk
	fi
	add_mod vgem
	if [ $load_dsb = 1 ]; then
		for dep in $(modinfo -F depends "$ko" | tr ',' ' '); do
			add_mod "$dep"
		done
	fi
fi
printf '%s\n' "${mods[@]}" >"$stage/etc/dsb-modules"
[ $load_dsb = 1 ] && cp "$ko" "$stage/lib/modules/dsb.ko"

# Static test binaries.
if [ $with_tests = 1 ] && [ -d "$DSB_ROOT/tests/build/vm" ]; then
	find "$DSB_ROOT/tests/build/vm" -maxdepth 1 -type f -perm -u+x \
		-exec cp {} "$stage/tests/" \;
fi
for a in "${adds[@]}"; do
	src=${a%%:*}
	dst=
	[ "$src" != "$a" ] && dst=${a#*:}
	[ -e "$src" ] || dsb_die "--add: no such file $src"
	if [ -d "$src" ]; then
		dst=${dst:-/$(basename "$src")}
		mkdir -p "$stage$dst"
		cp -a "$src/." "$stage$dst/"
	else
		dst=${dst:-/bin/$(basename "$src")}
		case $dst in */) dst=$dst$(basename "$src") ;; esac
		mkdir -p "$(dirname "$stage$dst")"
		cp -a "$src" "$stage$dst"
		if [ -x "$src" ] && file -L "$src" | grep -q 'dynamically linked'; then
			echo "vm.sh: warning: $src is dynamically linked; the guest has no libc (link it with -static)" >&2
		fi
	fi
done

install -m 0755 "$DSB_ROOT/scripts/guest-run-tests.sh" "$stage/bin/dsb-run-tests"
install -m 0755 "$DSB_ROOT/scripts/guest-fault-inject.sh" "$stage/bin/dsb-fault-inject"
# The inspector, when built: tests and demos call it as /bin/dsbctl.
if [ -x "$DSB_ROOT/lib/tools/dsbctl" ]; then
	install -m 0755 "$DSB_ROOT/lib/tools/dsbctl" "$stage/bin/dsbctl"
fi
install -m 0644 "$DSB_ROOT/scripts/klog-patterns" "$stage/etc/dsb-klog-patterns"

# The command, quoted for the guest shell.
squote() { local s=${1//\'/\'\\\'\'}; printf "'%s'" "$s"; }
{
	printf '#!/bin/sh\n'
	for arg in "$@"; do printf '%s ' "$(squote "$arg")"; done
	printf '\n'
} >"$stage/etc/dsb-cmd"

{
	echo "DSB_MODPARAMS=$(squote "num_devices=2 ${DSB_MODPARAMS:-}")"
	echo "DSB_LOAD_DSB=$load_dsb"
	echo "DSB_KMEMLEAK=$kmemleak"
	echo "DSB_VM_KVER=$(squote "$KVER")"
	echo "DSB_SWAP=$([ "$swap_mb" != 0 ] && echo 1 || echo 0)"
	[ $debug = 1 ] && echo "export DSB_DEBUG_KERNEL=1"
	echo "export CK_DEFAULT_TIMEOUT=${CK_DEFAULT_TIMEOUT:-$([ $debug = 1 ] && echo 600 || echo 120)}"
	[ -n "${DSB_TEST_TIMEOUT:-}" ] && echo "export DSB_TEST_TIMEOUT=$DSB_TEST_TIMEOUT"
	true
} >"$stage/etc/dsb-vm.conf"

install -m 0755 "$DSB_ROOT/scripts/guest-init.sh" "$stage/init"

initrd=$stage.cpio
(cd "$stage" && find . -print0 | cpio --null -o -H newc --quiet) >"$initrd"
trap 'rm -rf "$stage" "$initrd"' EXIT

# --- boot -----------------------------------------------------------------
disk=()
if [ "$swap_mb" != 0 ]; then
	swapimg=$stage.swap
	truncate -s "${swap_mb}M" "$swapimg"
	trap 'rm -rf "$stage" "$initrd" "$swapimg"' EXIT
	disk=(-drive "file=$swapimg,if=virtio,format=raw,cache=unsafe")
fi
if [ "${DSB_VM_KVM:-0}" = 1 ]; then
	accel=(-accel kvm -cpu host)
else
	accel=(-accel tcg -cpu max)
fi
append="console=ttyS0 panic=-1 printk.time=1 oops=panic"
# Under TCG the guest's clocksource watchdog may mark the TSC unstable in
# the middle of a run, and the static-key patching that follows has oopsed
# a 6.12-rt guest (int3 in sched_clock_cpu()). Most boots under TCG end up
# on the HPET anyway (../shared/VM-NOTES.md): start there.
[ "${DSB_VM_KVM:-0}" = 1 ] || append="$append tsc=unstable"
[ "${DSB_VM_VERBOSE:-0}" = 1 ] || append="$append loglevel=4"
[ $debug = 1 ] && append="$append kmemleak=on"

# One log per run (several runs may go on at once), and a -last link.
logdir=$DSB_BUILD/vm
mkdir -p "$logdir"
if [ -n "${DSB_VM_LOG:-}" ]; then
	log=$DSB_VM_LOG
	mkdir -p "$(dirname "$log")"
else
	log=$logdir/$KVER-$(date +%Y%m%d-%H%M%S)-$$.log
	ln -sfn "$(basename "$log")" "$logdir/$KVER-last.log"
	# Keep the 20 newest logs of this kernel.
	ls -1t "$logdir/$KVER"-2*.log 2>/dev/null | tail -n +21 | xargs -r rm -f || true
fi
# A guest kernel that dies or reports before dsb.ko is loaded has not run any
# dsb code: under TCG, 6.12 very rarely takes a spurious int3 Oops while
# patching its own text during early boot (cross-modifying code on 2 vCPUs).
# Such a boot is retried, at most twice, and says so; from the moment dsb.ko
# is loaded, everything counts.
for attempt in 1 2 3; do
	echo "vm.sh: booting $rel (${accel[*]}, $mem, timeout ${timeout_s}s), log $log" >&2
	start=$(date +%s)
	set +e
	timeout -k 10 "$timeout_s" qemu-system-x86_64 "${accel[@]}" -m "$mem" -smp 2 \
		-kernel "$vmlinuz" -initrd "$initrd" -append "$append" "${disk[@]}" \
		-nic none -nographic -no-reboot </dev/null 2>&1 |
		sed -u -e 's/\r$//' -e 's/\x1b\[[0-9;?]*[a-zA-Z]//g' | tee "$log" |
		awk -v verbose="${DSB_VM_VERBOSE:-0}" '
			/^DSB-VM-DMESG-BEGIN/ { skip = 1 }
			/^DSB-KLOG: / { if (verbose == 1) { print; fflush() }; next }
			{ if (!skip || verbose == 1) { print; fflush() } }
			/^DSB-VM-DMESG-END/ { skip = 0 }'
	qemu_rc=${PIPESTATUS[0]}
	set -e
	# Kernel log up to the moment dsb.ko is loaded: a report there (seen
	# rarely under TCG: a KASAN report in an interrupt during
	# start_kernel) comes from the boot, not from dsb.
	boot_dirty=$(sed -n '1,/DSB-VM: loading dsb.ko\|DSB-VM-CMD-BEGIN/p' "$log" | grep -v '^DSB-' |
		grep -E -m1 -f "$DSB_ROOT/scripts/klog-patterns" || true)
	if [ -z "$boot_dirty" ] && grep -q '^DSB-VM-BOOT-DIRTY' "$log"; then
		boot_dirty="a report in the kernel log before dsb.ko was loaded"
	fi
	if grep -q 'DSB-VM: booted' "$log" && [ -z "$boot_dirty" ]; then
		break
	fi
	[ "$attempt" = 3 ] && break
	mv "$log" "$log.boot-failed-$attempt"
	echo "vm.sh: the guest kernel failed during boot, before dsb.ko was loaded" \
		"(${boot_dirty:-died before /init}); log kept in" \
		"$log.boot-failed-$attempt; booting again ($((attempt + 1))/3)" >&2
done
elapsed=$(( $(date +%s) - start ))

# --- verdict --------------------------------------------------------------
fail=0
why=()
status=$(sed -n 's/^DSB-VM-EXIT=\([0-9]*\)$/\1/p' "$log" | tail -n1)
if [ "$qemu_rc" = 124 ] || [ "$qemu_rc" = 137 ]; then
	why+=("guest timed out after ${timeout_s}s (hung?)")
	fail=1
elif grep -q '^DSB-VM-BOOT-DIRTY' "$log"; then
	why+=("the guest kernel reported a problem while booting, before dsb.ko was loaded, in 3 boots in a row")
	fail=1
elif [ -z "$status" ]; then
	why+=("guest died without printing its exit marker (panic, crash or QEMU error $qemu_rc)")
	fail=1
fi
rmmod_rc=$(sed -n 's/^DSB-VM-RMMOD=\([0-9]*\)$/\1/p' "$log" | tail -n1)
if [ -n "$rmmod_rc" ] && [ "$rmmod_rc" != 0 ]; then
	why+=("rmmod dsb failed after the command: the module did not unload cleanly")
	fail=1
fi

# Kernel-log lines: console lines with a printk timestamp (anywhere in the
# line: console output interleaves with the command's), the dmesg dump and
# the kmemleak report. Output of the command itself is not scanned.
klog=$stage.klog
awk '
	/^DSB-VM-DMESG-BEGIN/ || /^DSB-VM-KMEMLEAK-BEGIN/ { sect = 1; next }
	/^DSB-VM-DMESG-END/ || /^DSB-VM-KMEMLEAK-END/ { sect = 0; next }
	sect { print; next }
	/^DSB-KLOG: / { print substr($0, 11); next }
	match($0, /\[ *[0-9]+\.[0-9]+\] /) { print substr($0, RSTART) }
' "$log" >"$klog"
trap 'rm -rf "$stage" "$initrd" "$klog"' EXIT
dirty=0
while IFS= read -r pat; do
	[ -n "$pat" ] || continue
	if line=$(grep -E -m1 -e "$pat" "$klog"); then
		echo "vm.sh: kernel log matches '$pat':" >&2
		echo "    $line" >&2
		dirty=1
		break
	fi
done <"$DSB_ROOT/scripts/klog-patterns"
if [ $dirty = 1 ]; then
	echo "vm.sh: --- kernel log excerpt ---" >&2
	# head may close the pipe early: not a failure (pipefail is on).
	grep -E -A25 -f "$DSB_ROOT/scripts/klog-patterns" "$klog" | head -n 80 >&2 || true
	echo "vm.sh: --- end of excerpt (full log: $log) ---" >&2
fi

if [ "${DSB_VM_EXPECT_DIRTY:-0}" = 1 ]; then
	if [ $dirty = 1 ] && { [ -z "${DSB_VM_EXPECT_PATTERN:-}" ] ||
		grep -E -q -e "$DSB_VM_EXPECT_PATTERN" "$klog"; }; then
		echo "vm.sh: PASS (expected a dirty kernel log and got one${DSB_VM_EXPECT_PATTERN:+ matching '$DSB_VM_EXPECT_PATTERN'}) [$KVER, ${elapsed}s]" >&2
		exit 0
	fi
	echo "vm.sh: FAIL: expected a kernel-log report${DSB_VM_EXPECT_PATTERN:+ matching '$DSB_VM_EXPECT_PATTERN'}, the log is clean [$KVER, ${elapsed}s]" >&2
	exit 1
fi

if [ $dirty = 1 ]; then
	why+=("kernel log has a WARN/BUG/lockdep/KASAN/leak report")
	fail=1
fi
if [ -n "$status" ] && [ "$status" != 0 ]; then
	why+=("command exited with status $status")
fi
if [ ${#why[@]} -gt 0 ]; then
	for w in "${why[@]}"; do echo "vm.sh: FAIL: $w [$KVER, ${elapsed}s]" >&2; done
	if [ $fail = 0 ] && [ -n "$status" ]; then
		exit "$status"
	fi
	exit 1
fi
echo "vm.sh: OK: command exited 0, kernel log clean [$KVER $rel, ${elapsed}s]" >&2
exit 0
