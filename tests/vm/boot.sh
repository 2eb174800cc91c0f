# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# The guest recipe shared by tests/vm/run.sh (test cases) and tests/bench.sh
# (benchmark): an initramfs whose /init (tests/vm/init.sh) mounts the host
# root read-only over virtio-9p with a tmpfs overlay, and the qemu command
# line that boots Debian's kernel with it under TCG, no network device.
#
# Sourced; the caller sets KVER (or vm_guest_kernel does) and VM_MEM, and
# the functions below take the rest as arguments; VM_APPEND (optional) is added to the kernel command line
# (make check-debug: kasan_multi_shot).  Nothing here prints to stdout.
#
# VM_ROOT (default /) is the root file system the guest mounts: its kernel
# (VM_ROOT/boot/vmlinuz-KVER), its modules and its busybox make the
# initramfs.  When it is not /, the work tree VM_TOP (which VM_ROOT does not
# hold) is exported too and mounted at its own path, under an overlay.
#
# VM_QEMU_EXTRA (an array, optional) is added to qemu's command line: make
# ha gives each node a NIC on a datagram socket to the other node, the
# shared disk and a monitor socket (tests/ha.sh).

VMDIR_BOOT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
VM_ROOT=${VM_ROOT:-/}

# vm_guest_kernel TOP: the guest's root and kernel, from the environment:
# VM_ROOT = ROOT made absolute (default /), VM_TOP = TOP (the work tree),
# KVER if unset = the root's default kernel (TOP/scripts/kver.sh, run in
# the root when it is not /).  Returns 1 with VM_ERR set when the root or
# the kernel's image and modules are not there.
vm_guest_kernel() {
	VM_ERR='' VM_ROOT=${ROOT:-/} VM_TOP=$1
	if [ "$VM_ROOT" != / ] && ! VM_ROOT=$(cd "$VM_ROOT" 2>/dev/null && pwd); then
		VM_ERR="ROOT=$ROOT does not exist"
		return 1
	fi
	if [ -z "${KVER:-}" ]; then
		if [ "$VM_ROOT" = / ]; then
			KVER=$("$1/scripts/kver.sh")
		else
			KVER=$("$1/scripts/kernels.sh" run "$VM_ROOT" "$1/scripts/kver.sh")
		fi
	fi
	[ -n "${KVER:-}" ] && [ -r "$VM_ROOT/boot/vmlinuz-$KVER" ] &&
		[ -d "$VM_ROOT/lib/modules/$KVER" ] && return 0
	VM_ERR="no usable guest kernel: need $VM_ROOT/lib/modules/X and a readable $VM_ROOT/boot/vmlinuz-X (KVER=${KVER:-unset})"
	return 1
}

# vm_module_ok MODULE: MODULE is readable and built for KVER.  Returns 1
# with VM_ERR set (what is wrong, and the make command that mends it) if
# not.
vm_module_ok() {
	local built
	VM_ERR=''
	if [ ! -r "$1" ]; then
		VM_ERR="$1 does not exist: build it with 'make KVER=$KVER${ROOT:+ ROOT=$ROOT}'"
		return 1
	fi
	built=$(modinfo -F vermagic "$1" 2>/dev/null)
	built=${built%% *}
	[ "$built" = "$KVER" ] && return 0
	VM_ERR="$1 is built for '${built:-?}', the guest boots $KVER: make KVER=$KVER${ROOT:+ ROOT=$ROOT}"
	return 1
}

# Modules the initramfs needs to reach the host root, in load order.  One
# modprobe call per module: --show-depends takes a single module name.
vm_initrd_modules() {
	local m
	for m in virtio_pci 9pnet_virtio 9p overlay; do
		modprobe -d "$VM_ROOT" -S "$KVER" --show-depends "$m" || return 1
	done | awk '$1 == "insmod" && !seen[$2]++ { print $2 }'
}

# vm_build_initrd OUT: write the initramfs to OUT.
vm_build_initrd() {
	local out=$1 stage m base list rc
	stage=$(mktemp -d "$(dirname "$out")/initrd.XXXXXX") || return 1
	mkdir -p "$stage/bin" "$stage/modules"
	cp "$VM_ROOT/bin/busybox" "$stage/bin/busybox" || return 1
	cp "$VMDIR_BOOT/init.sh" "$stage/init" && chmod 755 "$stage/init" || return 1
	list=$(vm_initrd_modules) || return 1
	# Empty when the kernel has them built in (make check-debug's kernel).
	: >"$stage/modules.list"
	for m in $list; do
		base=$(basename "$m")
		case $m in
		*.ko.xz) xz -dc "$m" >"$stage/modules/${base%.xz}" ;;
		*.ko.zst) zstd -qdc "$m" >"$stage/modules/${base%.zst}" ;;
		*.ko.gz) gzip -dc "$m" >"$stage/modules/${base%.gz}" ;;
		*) cp "$m" "$stage/modules/$base" ;;
		esac || return 1
		echo "${base%.ko*}.ko" >>"$stage/modules.list"
	done
	(cd "$stage" && find . | cpio -o -H newc --quiet | gzip -1) >"$out.tmp" &&
		mv "$out.tmp" "$out"
	rc=$?
	rm -rf "$stage"
	return $rc
}

# vm_initrd BUILD_DIR: VM_INITRD = the initramfs for KVER in BUILD_DIR,
# built unless a copy made from the same init.sh, recipe and busybox exists.
vm_initrd() {
	local build=$1 key
	[ -x "$VM_ROOT/bin/busybox" ] || return 1
	key=$( (echo "$VM_ROOT"; cat "$VMDIR_BOOT/init.sh" "${BASH_SOURCE[0]}" "$VM_ROOT/bin/busybox") |
		sha256sum | cut -c1-16)
	VM_INITRD=$build/initrd-$KVER-$key.cpio.gz
	[ -s "$VM_INITRD" ] && return 0
	rm -f "$build/initrd-$KVER"-*.cpio.gz
	vm_build_initrd "$VM_INITRD"
}

# vm_start BUILD_DIR RESULTS GUEST_SCRIPT STREAM: boot qemu in the
# background (VM_QPID); the console goes to BUILD_DIR/console.log, qemu's
# own output to BUILD_DIR/qemu.log; RESULTS is the guest's writable results
# directory and GUEST_SCRIPT its PID 1 after init.sh.  What the guest writes
# to the file STREAM is copied to stdout until qemu exits (VM_TPID).  File
# descriptor 9 (the caller's lock) is not passed on.
vm_start() {
	local build=$1 results=$2 guest=$3 stream=$4 top=() append=''
	if [ "$VM_ROOT" != / ]; then
		top=(-fsdev "local,id=top,path=$VM_TOP,security_model=none,readonly=on,multidevs=remap"
			-device virtio-9p-pci,fsdev=top,mount_tag=srpttop)
		append=" srptvm.top=$VM_TOP"
	fi
	qemu-system-x86_64 \
		-accel "tcg,thread=${VM_TCG_THREAD:-multi}" -cpu max -m "$VM_MEM" -smp 2 \
		-nodefaults -no-user-config -display none -no-reboot -nic none \
		-serial "file:$build/console.log" \
		-kernel "$VM_ROOT/boot/vmlinuz-$KVER" -initrd "$VM_INITRD" \
		-append "console=ttyS0 quiet loglevel=5 log_buf_len=16M panic=-1 srptvm.results=$results srptvm.guest=$guest$append${VM_APPEND:+ $VM_APPEND}" \
		-fsdev "local,id=hostroot,path=$VM_ROOT,security_model=none,readonly=on,multidevs=remap" \
		-device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot \
		"${top[@]}" "${VM_QEMU_EXTRA[@]}" \
		-fsdev "local,id=results,path=$results,security_model=none,multidevs=remap" \
		-device virtio-9p-pci,fsdev=results,mount_tag=results \
		</dev/null >"$build/qemu.log" 2>&1 9>&- &
	VM_QPID=$!
	tail -n +1 -F --pid="$VM_QPID" "$stream" 2>/dev/null 9>&- &
	VM_TPID=$!
}

# vm_cleanup: kill what vm_start started and is still running.
vm_cleanup() {
	[ -n "${VM_QPID:-}" ] && kill -0 "$VM_QPID" 2>/dev/null && kill -9 "$VM_QPID" 2>/dev/null
	[ -n "${VM_TPID:-}" ] && kill "$VM_TPID" 2>/dev/null
	VM_QPID='' VM_TPID=''
}
