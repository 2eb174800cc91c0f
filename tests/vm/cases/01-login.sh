#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Case 1: configure the target with unmodified targetcli (ramdisk, fileio
# and iblock on null_blk backstores, the LUNs under the GID-named port ib.<gid> as targetcli makes
# it, an ACL for the initiator), log in with ib_srp through add_target with
# dest=IP:PORT, and check that the LUNs appear as SCSI disks of the right
# sizes.  The login is left up for the next cases.
{
# shellcheck source=../lib.sh
. "$VMDIR/lib.sh"

srp_logout_all
setup_target
tap $? "targetcli: ramdisk, fileio and iblock LUNs and ACL under port $WWN"

# What targetcli made, as configfs shows it.
en=
[ -r "$TPG/enable" ] && read -r en <"$TPG/enable"
links=("$TPG"/lun/lun_0/* "$TPG"/lun/lun_1/*)
log "tpg enable=$en, lun links: ${links[*]}"
[ "$en" = 1 ] && [ -d "$ACL_DIR/lun_0" ] && [ -d "$ACL_DIR/lun_1" ] &&
	[ -d "$ACL_DIR/lun_2" ] && [ -d "$TPG/lun/lun_0" ] && [ -d "$TPG/lun/lun_1" ] &&
	[ -d "$TPG/lun/lun_2" ]
tap $? "configfs: tpgt_1 enabled, LUNs 0-2 mapped to ACL 0x$GID_HEX"

srp_login
st=$?
tap $st "login through add_target with dest=$TARGET_IP:$RDMA_CM_PORT"
diag "login took ${SECS}s"
if [ "$st" = 0 ]; then
	srp_disks 3
	tap $? "LUNs 0-2 appear as SCSI disks (${DISK[*]})"
	want=$((RD_MB << 20))
	disk_bytes "${DISK[0]:-/dev/null}" 2>/dev/null || BYTES=0
	[ "$BYTES" = "$want" ]
	tap $? "LUN 0 (ramdisk) has $want bytes (got $BYTES)"
	want=$((FD_MB << 20))
	disk_bytes "${DISK[1]:-/dev/null}" 2>/dev/null || BYTES=0
	[ "$BYTES" = "$want" ]
	tap $? "LUN 1 (fileio) has $want bytes (got $BYTES)"
	want=$((NB_MB << 20))
	disk_bytes "${DISK[2]:-/dev/null}" 2>/dev/null || BYTES=0
	[ "$BYTES" = "$want" ]
	tap $? "LUN 2 (iblock on null_blk) has $want bytes (got $BYTES)"
	session_live
	tap $? "LIO lists a session for ACL 0x$GID_HEX"
fi
finish
}
