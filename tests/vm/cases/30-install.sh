#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Case 30: install without DKMS ("make install" = scripts/install.sh install,
# kbuild modules_install into /lib/modules/$KVER/updates + depmod), done
# inside the guest from the module built on the host (the guest's / is a
# tmpfs overlay: nothing reaches the host).
#   - the module the harness insmod'ed is unloaded (configfs tree first: it
#     pins the module);
#   - after the install, modinfo -n finds updates/ib_srpt.ko and
#     "modprobe ib_srpt rdma_cm_port=5555" by name loads exactly the built
#     module (version and srcversion);
#   - unmodified targetcli configures it and ib_srp logs in (with the
#     initiator options ch_count, cmd_sg_entries, max_it_iu_size) and reads;
#     debugfs ib_srpt/objects counts the channels and dynamic debug prints
#     the module's pr_debug lines (both documented in admin-guide.rst);
#   - ACL names: upper-case hex is refused at login (0x00010000), 32 plain
#     hex digits admit the initiator, and on a GUID-named port the RDMA/CM
#     session is named after the initiator's IP address; removing that ACL
#     with the session live sends SRP_T_LOGOUT;
#   - "scripts/install.sh uninstall" makes modprobe load Debian's in-tree
#     ib_srpt again (no version file).
# Versions: SRPT_DRV_VERSION (ib_srpt.h) = dkms.conf PACKAGE_VERSION =
# modinfo version of the built module.
# Leaves: nothing installed, our module loaded by path with
# rdma_cm_port=5555 (as guest.sh loads it), no srpt configfs tree.
{
# shellcheck source=../lib.sh
. "$VMDIR/lib.sh"
# shellcheck source=../install-lib.sh
. "$VMDIR/install-lib.sh"

DBG=/sys/kernel/debug
t0=0

if [ "$MODE" = intree ]; then
	ok "install: not applicable to the in-tree module # SKIP"
	finish
fi


mark install
WANT_V=$(modinfo -F version "$MODULE_SRC")
WANT_S=$(modinfo -F srcversion "$MODULE_SRC")
[ "$(modinfo -F srcversion "$MODULE")" = "$WANT_S" ] ||
	diag "$MODULE_SRC changed since the run started (snapshot $MODULE differs)"

# Versions in sync: the header, dkms.conf, install.sh and the module.
hv=$(sed -n 's/^#define[[:space:]]*SRPT_DRV_VERSION[[:space:]]*"\(.*\)"/\1/p' "$TOP/ib_srpt.h")
dv=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$TOP/dkms.conf")
sv=$("$INSTALL" version 2>&1)
[ -n "$hv" ] && [ "$hv" = "$dv" ] && [ "$hv" = "$sv" ] && [ "$hv" = "$WANT_V" ]
tap $? "versions agree: ib_srpt.h '$hv', dkms.conf '$dv', install.sh version '$sv', $MODULE_SRC '$WANT_V'"

# The harness loaded ours by path; configfs pins it.
srpt_unload
tap $? "unloaded the harness' ib_srpt (configfs tree removed, rmmod)"

modules_on_tmpfs || log "copying /lib/modules/$KVER to tmpfs failed"
stamp t0
KVER=$KVER "$INSTALL" install >&2 2>&1
st=$?
since "$t0"
UPD=$(installed_ko "$UPD")
[ "$st" = 0 ] && [ -r "$UPD" ]
tap $? "scripts/install.sh install: $UPD (status $st, ${SECS}s)"
path=$(modinfo -k "$KVER" -n ib_srpt 2>&1)
[ "$path" = "$UPD" ]
tap $? "depmod: modinfo -n ib_srpt is $path"
[ "$(modinfo -F srcversion "$UPD" 2>/dev/null)" = "$WANT_S" ]
tap $? "the installed file is the built module (srcversion $WANT_S)"

# By name, as targetcli and the boot do it.
modprobe_by_name
loaded_is_ours
tap $? "modprobe loaded ours: /sys/module/ib_srpt version '$HAVE_V' srcversion '$HAVE_S'"
cm_port=$(cat /sys/module/ib_srpt/parameters/rdma_cm_port 2>/dev/null)
[ "$cm_port" = "$RDMA_CM_PORT" ]
tap $? "listening on the RDMA/CM port given to modprobe ($cm_port)"

# targetcli and a login.  The port set by modprobe must be in configfs.
target_ids
if setup_target; then
	ok "targetcli configures the installed module"
	cur=$(<"$SRPT/discovery_auth/rdma_cm_port")
	[ "$cur" = "$RDMA_CM_PORT" ]
	tap $? "configfs discovery_auth/rdma_cm_port shows $cur"
	[ -r "$DBG/ib_srpt/objects" ] || mount -t debugfs debugfs "$DBG" 2>/dev/null
	# Initiator tuning options of the admin guide: two channels, 64
	# descriptors per SRP_CMD, I->T IUs of at most 4 KiB.
	mark install-login
	if srp_login ch_count=2 cmd_sg_entries=64 max_it_iu_size=4096 && srp_disks 2; then
		ok "login through the installed module with ch_count=2,cmd_sg_entries=64,max_it_iu_size=4096 (${SECS}s), disks ${DISK[*]}"
		n=$(kmsg_since install-login | grep -c 'channel live .*it_iu_len 4096, immediate data')
		[ "$n" = 2 ]
		tap $? "the target logs two channels with it_iu_len 4096 and immediate data ($n)"
		dd if="${DISK[1]}" of=/dev/null bs=1M count=4 iflag=direct status=none
		tap $? "read from LUN 1"
		objs=$(<"$DBG/ib_srpt/objects")
		log "objects while logged in: ${objs//$'\n'/ }"
		nch=0
		while read -r n c; do [ "$n" = channels ] && nch=$c; done <<<"$objs"
		[ "$nch" = 2 ]
		tap $? "debugfs ib_srpt/objects counts the two live channels ($nch)"
		echo 'module ib_srpt +p' >"$DBG/dynamic_debug/control"
		grep -q '\[ib_srpt\].* =p ' "$DBG/dynamic_debug/control"
		tap $? "dynamic debug: 'module ib_srpt +p' enables the module's pr_debug sites"
		mark install-logout
		srp_logout
		tap $? "logout"
		kmsg_since install-logout | grep -q 'ib_srpt: .*closing channel'
		tap $? "dynamic debug: the teardown's pr_debug lines are in the kernel log"
		echo 'module ib_srpt -p' >"$DBG/dynamic_debug/control"
		wait_until $((10 * TIME_SCALE)) grep -qx 'channels 0' "$DBG/ib_srpt/objects"
		tap $? "debugfs ib_srpt/objects: no channel left after the logout"
	else
		not_ok "login through the installed module"
	fi
else
	not_ok "targetcli configures the installed module"
fi

# ACL name forms (admin-guide.rst), made in configfs by hand.
# acl_make DIR TPGDIR LUN...: an ACL with mapped LUNs; acl_remove DIR (lib.sh).
acl_make() {
	local d=$1 t=$2 l
	shift 2
	mkdir "$d" || return 1
	for l; do
		mkdir "$d/lun_$l" && ln -s "$t/lun/lun_$l" "$d/lun_$l/map" || return 1
	done
}
# ident ACLDIR: LIO's name of the session on LUN 0 of ACLDIR (empty: none);
# LIO shows it as "<name>+i+<session id>", the id empty for srpt.
ident() {
	local s
	s=$(cat "$1/lun_0/statistics/scsi_att_intr_port/port_ident" 2>/dev/null)
	echo "${s%+i+*}"
}
if [ -d "$ACL_DIR" ] && acl_remove "$ACL_DIR"; then
	# Upper case: accepted as a name, but sessions are named in lower case.
	UP=$TPG/acls/0x${GID_HEX^^}
	acl_make "$UP" "$TPG" 0 1
	tap $? "ACL 0x<upper-case hex> is accepted by mkdir"
	mark acl-upper
	srp_login
	st=$?
	rej=$(kmsg_since acl-upper | grep -c 'SRP LOGIN REJECTED, reason 0x00010000$')
	[ "$st" != 0 ] && [ "$rej" -ge 1 ]
	tap $? "an upper-case ACL admits nobody: login rejected with 0x00010000"
	srp_logout_all
	acl_remove "$UP"
	# Plain hex, without 0x.
	PLAIN=$TPG/acls/$GID_HEX
	if acl_make "$PLAIN" "$TPG" 0 1 && srp_login && srp_disks 2; then
		id=$(ident "$PLAIN")
		[ "$id" = "$GID_HEX" ]
		tap $? "ACL of 32 plain hex digits admits the initiator (session $id)"
		srp_logout
	else
		not_ok "ACL of 32 plain hex digits admits the initiator"
	fi
	srp_logout_all
	acl_remove "$PLAIN"
	# GUID-named port: the RDMA/CM session is named after the initiator's IP.
	GP=$SRPT/$PORT_GUID/tpgt_1
	IPACL=$GP/acls/$TARGET_IP
	rd=("$CFS"/core/rd_mcp_*/rd)
	if mkdir -p "$GP" && mkdir "$GP/lun/lun_0" && ln -s "${rd[0]}" "$GP/lun/lun_0/rd" &&
		acl_make "$IPACL" "$GP" 0 && echo 1 >"$GP/enable" && srp_login && srp_disks 1; then
		id=$(ident "$IPACL")
		[ "$id" = "$TARGET_IP" ]
		tap $? "GUID-named port $PORT_GUID, ACL $TARGET_IP admits the initiator (session $id)"
		# Target-initiated logout: ACL removed with the session live.
		mark acl-t-logout
		bounded "$BOUND" acl_remove "$IPACL"
		tap $? "ACL removed with a session live within ${BOUND}s (${SECS}s)"
		wait_until $((10 * TIME_SCALE)) rport_disconnected
		kmsg_since acl-t-logout | grep -q 'ib_srp: Got target logout request'
		tap $? "the initiator got SRP_T_LOGOUT ('Got target logout request')"
	else
		not_ok "GUID-named port $PORT_GUID, ACL $TARGET_IP admits the initiator"
	fi
	srp_logout_all
else
	not_ok "ACL name forms: could not remove targetcli's ACL"
fi

# Uninstall: modprobe must find Debian's module again.
srpt_unload
tap $? "unloaded (configfs tree removed, rmmod)"
stamp t0
KVER=$KVER "$INSTALL" uninstall >&2 2>&1
st=$?
since "$t0"
[ "$st" = 0 ] && gone "$UPD"
tap $? "scripts/install.sh uninstall removes $UPD (status $st, ${SECS}s)"
intree_is_back

restore_harness || not_ok "restore: our module loaded by path"
dmesg_clean "install" install
finish
}
