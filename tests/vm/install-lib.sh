# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# Helpers of the installation cases 30-install, 31-saveconfig, 32-dkms and
# 33-deb, sourced after lib.sh.  WANT_V and WANT_S (the built module's version and
# srcversion) are set by the case before loaded_is_ours is used.

INSTALL=$TOP/scripts/install.sh
UPD=/lib/modules/$KVER/updates/ib_srpt.ko
# installed_ko FILE: the file FILE was installed as (kbuild and DKMS compress
# it where the kernel is configured so: Debian's 6.12 and 7.3 .ko.xz); FILE
# itself if none exists.
installed_ko() {
	local f
	for f in "$1" "$1".xz "$1".zst "$1".gz; do
		[ -e "$f" ] && { echo "$f"; return 0; }
	done
	echo "$1"
	return 1
}
INTREE_RE='/kernel/drivers/infiniband/ulp/srpt/ib_srpt\.ko(\.xz|\.zst|\.gz)?'

# need_dkms LABEL: the dkms command exists, else a failing TAP line under
# LABEL (the case then finishes).
need_dkms() {
	command -v dkms >/dev/null && return 0
	not_ok "$1: the dkms command is missing (tests/install-deps.sh installs the Debian package dkms)"
	return 1
}
# dkms_installed: two TAP lines: dkms status says ib_srpt WANT_V is installed
# for KVER, and modinfo -n finds the DKMS build (DKMS_KO, or what kbuild
# compressed it to; DKMS_KO is set to that).  Sets DKMS_STATUS.
dkms_installed() {
	local path
	DKMS_STATUS=$(dkms status -m ib_srpt 2>/dev/null)
	log "dkms status: $DKMS_STATUS"
	[[ $DKMS_STATUS == *"ib_srpt/$WANT_V, $KVER, "*": installed"* ]]
	tap $? "dkms status: ${DKMS_STATUS:+${DKMS_STATUS//$'\n'/; }}${DKMS_STATUS:-nothing}"
	path=$(modinfo -k "$KVER" -n ib_srpt 2>&1)
	DKMS_KO=$(installed_ko "$DKMS_KO")
	[ "$path" = "$DKMS_KO" ]
	tap $? "modinfo -n ib_srpt is $path"
}
# srpt_unload: log out, remove the srpt tree, rmmod ib_srpt (bounded).
srpt_unload() {
	srp_logout_all
	srpt_tree_remove || { log "removing $SRPT failed"; return 1; }
	[ -e /sys/module/ib_srpt ] || return 0
	bounded "$BOUND" rmmod ib_srpt || { log "rmmod ib_srpt failed or hung"; return 1; }
	gone /sys/module/ib_srpt
}
# loaded_is_ours: the loaded ib_srpt has the built module's version and
# srcversion.  Sets HAVE_V, HAVE_S.
loaded_is_ours() {
	HAVE_V='' HAVE_S=''
	[ -r /sys/module/ib_srpt/version ] && HAVE_V=$(</sys/module/ib_srpt/version)
	[ -r /sys/module/ib_srpt/srcversion ] && HAVE_S=$(</sys/module/ib_srpt/srcversion)
	[ -n "$HAVE_V" ] && [ "$HAVE_V" = "$WANT_V" ] && [ "$HAVE_S" = "$WANT_S" ]
}
# loaded_is_intree: an ib_srpt is loaded and it is not ours (Debian's has
# no version).
loaded_is_intree() {
	[ -e /sys/module/ib_srpt ] && [ ! -e /sys/module/ib_srpt/version ]
}
# modules_on_tmpfs: depmod reads every module of the kernel, which over the
# guest's 9p root takes 60-100 s a run; a copy on the guest's own tmpfs,
# bind-mounted over /lib/modules/$KVER for the rest of the boot (the same
# files), takes it to about 5 s.  The copy takes about 70 s, once per boot.
modules_on_tmpfs() {
	local d=/lib/modules/$KVER c=$W/modules-$KVER t0=0
	[ -e "$W/.modules-on-tmpfs" ] && return 0
	stamp t0
	rm -rf "$c" && cp -a "$d" "$c" && mount --bind "$c" "$d" || return 1
	: >"$W/.modules-on-tmpfs"
	since "$t0"
	diag "copied /lib/modules/$KVER to the guest's tmpfs for depmod (${SECS}s)"
}
# restore_harness: what the next case expects: nothing installed, the module
# under test loaded as guest.sh loads it (by path, rdma_cm_port=5555), no
# srpt configfs tree.
restore_harness() {
	[ -e "$W/wedged" ] && return 1
	srpt_unload || return 1
	if installed_ko "$UPD" >/dev/null; then
		KVER=$KVER "$INSTALL" uninstall >&2 2>&1 || log "install.sh uninstall failed"
	fi
	load_target_module "restore: "
}
# modprobe_by_name: TAP line: "modprobe ib_srpt" (as targetcli and the boot
# load it) with the harness' RDMA/CM port, none being loaded before.
modprobe_by_name() {
	if [ -e /sys/module/ib_srpt ]; then
		not_ok "modprobe ib_srpt: an ib_srpt is still loaded"
	else
		bounded $((120 * TIME_SCALE)) modprobe ib_srpt rdma_cm_port="$RDMA_CM_PORT"
		tap $? "modprobe ib_srpt rdma_cm_port=$RDMA_CM_PORT"
	fi
}
# intree_is_back: after an uninstall (ib_srpt not loaded), TAP lines:
# modinfo finds Debian's ib_srpt again and modprobe loads it.
intree_is_back() {
	local path
	path=$(modinfo -k "$KVER" -n ib_srpt 2>&1)
	[[ $path =~ $INTREE_RE$ ]]
	tap $? "modinfo -n ib_srpt is the in-tree module again ($path)"
	if [ ! -e /sys/module/ib_srpt ] && bounded $((120 * TIME_SCALE)) modprobe ib_srpt && loaded_is_intree; then
		ok "modprobe ib_srpt loads Debian's ib_srpt (no version file)"
	else
		not_ok "modprobe ib_srpt loads Debian's ib_srpt (version '$(cat /sys/module/ib_srpt/version 2>/dev/null)')"
	fi
}
# rd_target N: a target made by hand in configfs (cases 30 and 31 use
# targetcli; each targetcli start costs 10-60 s here): a 16 MiB ramdisk
# rd_mcp_N/rdN (RD) as LUN 0 of the TPG, mapped to the ACL of our GID, the
# TPG enabled, the RDMA/CM port set.  target_ids first.
rd_target() {
	RD=$CFS/core/rd_mcp_$1/rd$1
	mkdir -p "$RD" && echo rd_pages=4096 >"$RD/control" && echo 1 >"$RD/enable" &&
		mkdir -p "$TPG/lun/lun_0" && ln -s "$RD" "$TPG/lun/lun_0/rd$1" &&
		mkdir -p "$ACL_DIR/lun_0" && ln -s "$TPG/lun/lun_0" "$ACL_DIR/lun_0/map" &&
		echo 1 >"$TPG/enable" && set_rdma_cm_port
}
# rd_target_remove: remove the ramdisk of rd_target, if one was made (the
# fabric's tree must be gone: srpt_unload).
rd_target_remove() {
	[ -n "${RD:-}" ] || return 0
	rmdir "$RD" "${RD%/*}" 2>/dev/null || log "removing $RD failed"
}
# write_read_back TAG: TAP line: 1 MiB of random data written to DISK[0]
# (O_DIRECT) reads back the same.
write_read_back() {
	dd if=/dev/urandom of="$W/pat$1" bs=64k count=16 status=none
	dd if="$W/pat$1" of="${DISK[0]}" bs=64k oflag=direct status=none &&
		dd if="${DISK[0]}" of="$W/back$1" bs=64k count=16 iflag=direct status=none &&
		cmp -s "$W/pat$1" "$W/back$1"
	tap $? "write and read back 1 MiB"
}
