#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Case 31: the targetcli round trip across a simulated reboot.
#   - targetcli: ramdisk and fileio LUNs, ACL, non-default TPG attributes
#     srp_sq_size / srp_max_rsp_size / srp_max_rdma_size, saveconfig;
#   - a login writes a pattern to the fileio LUN; LIO's statistics name the
#     session after the ACL; targetcli sessions lists it (none with the
#     in-tree module, which has no per-ACL info);
#   - ours: tools/srpt-persist-port persists a non-default RDMA/CM port
#     (5556) in /etc/modprobe.d/ib_srpt.conf (idempotent, seen by
#     modprobe -c), and the module is installed (scripts/install.sh install)
#     so that the "reboot" loads it by name as a boot does;
#   - "reboot": targetctl clear, srpt configfs tree removed, rmmod, then
#     modprobe ib_srpt (no arguments) and targetctl restore: the same ports,
#     TPG enable and attributes, LUNs, ACL and mapped LUNs as before; ours
#     listens on the persisted port without any configfs write, and a login
#     to that port reads back the pattern written before the reboot;
#   - srpt-persist-port --remove deletes the file (idempotent too).
# With --intree the same round trip runs against Debian's module (loaded by
# modprobe, RDMA/CM port written to configfs: rtslib does not restore it).
# Leaves: nothing installed, no modprobe.d file, the module under test loaded
# as guest.sh loads it, no srpt configfs tree (the next case sets up again).
{
# shellcheck source=../lib.sh
. "$VMDIR/lib.sh"
# shellcheck source=../install-lib.sh
. "$VMDIR/install-lib.sh"

PERSIST=$TOP/tools/srpt-persist-port
CONF=/etc/modprobe.d/ib_srpt.conf
SAVE=/etc/rtslib-fb-target/saveconfig.json
PORT2=5556				# persisted port, not the harness' 5555
SQ=1024 RSP=512 RDMA=131072		# non-default TPG attributes
PAT=$W/pattern31
t0=0


# cfs_state: the srpt configuration as configfs shows it, one fact a line;
# backstores by type and name (their HBA numbers may change on a restore).
cfs_state() {
	local p t f l a m x hba
	for p in "$SRPT"/*/; do
		p=${p%/}
		[ "${p##*/}" = discovery_auth ] && continue
		echo "port ${p##*/}"
		for t in "$p"/*/; do
			t=${t%/}
			[ -e "$t/enable" ] || continue
			echo "tpg ${t##*/} enable=$(<"$t/enable")"
			for f in "$t"/attrib/*; do echo "tpg ${t##*/} attrib ${f##*/}=$(<"$f")"; done
			for l in "$t"/lun/lun_*; do
				for f in "$l"/*; do
					[ -L "$f" ] || continue
					x=$(readlink "$f")
					hba=${x%/*}
					hba=${hba##*/}
					echo "lun ${l##*/} -> ${hba%_*}/${x##*/}"
				done
			done
			for a in "$t"/acls/*/; do
				a=${a%/}
				[ -d "$a" ] || continue
				echo "acl ${a##*/} cmdsn_depth=$(cat "$a/cmdsn_depth" 2>/dev/null)"
				for m in "$a"/lun_*; do
					for f in "$m"/*; do
						[ -L "$f" ] || continue
						x=$(readlink "$f")
						echo "acl ${a##*/} ${m##*/} -> ${x##*/} write_protect=$(<"$m/write_protect")"
					done
				done
			done
		done
	done
}
attr() { cat "$TPG/attrib/$1" 2>/dev/null; }

mark saveconfig
srp_logout_all
rm -f "$SAVE"		# the restore can only come from this case's saveconfig
setup_target "/srpt/$WWN set attribute srp_sq_size=$SQ srp_max_rsp_size=$RSP srp_max_rdma_size=$RDMA" \
	"saveconfig"
st=$?
[ "$st" = 0 ] && [ -d "$ACL_DIR/lun_1" ] && [ -s "$SAVE" ]
tap $? "targetcli: LUNs, ACL, TPG attributes, saveconfig to $SAVE (status $st)"
[ "$(attr srp_sq_size)" = "$SQ" ] && [ "$(attr srp_max_rsp_size)" = "$RSP" ] &&
	[ "$(attr srp_max_rdma_size)" = "$RDMA" ]
tap $? "configfs: srp_sq_size=$(attr srp_sq_size) srp_max_rsp_size=$(attr srp_max_rsp_size) srp_max_rdma_size=$(attr srp_max_rdma_size)"
grep -q "\"srp_sq_size\": $SQ" "$SAVE" && grep -q "\"srp_max_rsp_size\": $RSP" "$SAVE" &&
	grep -q "\"srp_max_rdma_size\": $RDMA" "$SAVE" && grep -q "\"wwn\": \"$WWN\"" "$SAVE"
tap $? "saveconfig.json holds the port and the attributes"
before=$(cfs_state)
log "configfs before the reboot:"$'\n'"$before"

# Data that must survive the reboot, on the fileio LUN.
dd if=/dev/urandom of="$PAT" bs=64k count=16 status=none
if srp_login && srp_disks 2; then
	dd if="$PAT" of="${DISK[1]}" bs=64k oflag=direct status=none
	tap $? "wrote 1 MiB to the fileio LUN (${DISK[1]})"
	# LIO's view of the session: the initiator port of the mapped LUN.
	id=$(cat "$ACL_DIR/lun_0/statistics/scsi_att_intr_port/port_ident" 2>/dev/null)
	[ "${id%+i+*}" = "0x$GID_HEX" ]
	tap $? "LIO statistics name the session after the ACL ($id)"
	# targetcli's session list reads the ACL's info file, which the
	# in-tree module does not have (iSCSI's only); this module's lists
	# the session (case 09 checks its channels too).
	out=$(timeout -k 5 300 targetcli sessions 2>&1)
	log "targetcli sessions: $out"
	if [ "$MODE" = intree ]; then
		[[ $out == *"no open sessions"* ]]
		tap $? "targetcli sessions lists no srpt session with the in-tree module: $out"
	else
		[[ $out == *"alias: 0x$GID_HEX"*"type: Normal session-state: LOGGED_IN"* ]]
		tap $? "targetcli sessions lists the srpt session: $out"
	fi
	srp_logout
	tap $? "logout"
else
	not_ok "login before the reboot"
fi

if [ "$MODE" = ours ]; then
	modules_on_tmpfs || log "copying /lib/modules/$KVER to tmpfs failed"
	KVER=$KVER "$INSTALL" install >&2 2>&1
	tap $? "scripts/install.sh install (modprobe by name loads ours at the reboot)"
	"$PERSIST" "$PORT2" >&2 2>"$W/persist.err"
	st=$?
	err=$(<"$W/persist.err")
	log "$err"
	[ "$st" = 0 ] && [ -z "$err" ]
	tap $? "srpt-persist-port $PORT2 (status $st, no warning: the installed module has the parameter)"
	[ "$(<"$CONF")" = "# ib_srpt RDMA/CM listen port, written by srpt-persist-port"$'\n'"options ib_srpt rdma_cm_port=$PORT2" ]
	tap $? "$CONF: options ib_srpt rdma_cm_port=$PORT2"
	out=$("$PERSIST" "$PORT2" 2>/dev/null)
	[[ $out == unchanged* ]] && [ "$(grep -c rdma_cm_port "$CONF")" = 1 ]
	tap $? "srpt-persist-port $PORT2 again changes nothing ($out)"
	modprobe -c | grep -qx "options ib_srpt rdma_cm_port=$PORT2"
	tap $? "modprobe -c shows the option"
	out=$("$PERSIST" 2>/dev/null)
	log "$out"
	[[ $out == "persisted: $PORT2 "* ]]
	tap $? "srpt-persist-port without arguments shows it: ${out%%$'\n'*}"
fi

# --- the reboot -------------------------------------------------------------------
stamp t0
timeout -k 5 300 targetctl clear >&2 2>&1
st=$?
since "$t0"
fds=("$CFS"/core/fileio_*/fd)
[ "$st" = 0 ] && gone "$PORT_DIR" && [ ! -e "${fds[0]}" ]
tap $? "targetctl clear: no srpt port, no backstore left (status $st, ${SECS}s)"
srpt_unload
tap $? "configfs tree removed, rmmod ib_srpt"
if [ "$MODE" = ours ]; then
	bounded $((120 * TIME_SCALE)) modprobe ib_srpt
	st=$?
	have_v=$(cat /sys/module/ib_srpt/version 2>/dev/null)
	[ "$st" = 0 ] && [ "$have_v" = "$(modinfo -F version "$MODULE_SRC")" ] &&
		[ "$(cat /sys/module/ib_srpt/srcversion)" = "$(modinfo -F srcversion "$MODULE_SRC")" ]
	tap $? "modprobe ib_srpt (no arguments) loads ours (version '$have_v')"
	p=$(cat /sys/module/ib_srpt/parameters/rdma_cm_port 2>/dev/null)
	[ "$p" = "$PORT2" ]
	tap $? "rdma_cm_port from $CONF: $p"
else
	load_target_module "reboot: "
fi

stamp t0
out=$(timeout -k 5 300 targetctl restore 2>&1)
st=$?
since "$t0"
log "targetctl restore (${SECS}s):"$'\n'"$out"
[ "$st" = 0 ] && [ -z "$out" ]
tap $? "targetctl restore: status $st, no errors (${SECS}s)"
after=$(cfs_state)
log "configfs after the restore:"$'\n'"$after"
[ -n "$after" ] && [ "$after" = "$before" ]
tap $? "restored: same port, TPG enable and attributes, LUNs, ACL and mapped LUNs"
if [ "$after" != "$before" ]; then
	diff <(echo "$before") <(echo "$after") | sed 's/^/#   /'
fi

dest_port=$RDMA_CM_PORT
if [ "$MODE" = ours ]; then
	p=$(cat "$SRPT/discovery_auth/rdma_cm_port" 2>/dev/null)
	[ "$p" = "$PORT2" ]
	tap $? "configfs discovery_auth/rdma_cm_port is the persisted $p (nothing written)"
	dest_port=$PORT2
else
	diag "in-tree: discovery_auth/rdma_cm_port after the restore: $(cat "$SRPT/discovery_auth/rdma_cm_port" 2>/dev/null) (rtslib does not restore it)"
	set_rdma_cm_port
fi
if srp_login dest="$TARGET_IP:$dest_port" && srp_disks 2; then
	ok "login to port $dest_port after the reboot"
	dd if="${DISK[1]}" of="$W/back31" bs=64k count=16 iflag=direct status=none &&
		cmp -s "$PAT" "$W/back31"
	tap $? "the fileio LUN reads back what was written before the reboot"
	srp_logout
	tap $? "logout"
else
	not_ok "login to port $dest_port after the reboot"
fi

if [ "$MODE" = ours ]; then
	"$PERSIST" --remove >&2 2>&1 && gone "$CONF"
	tap $? "srpt-persist-port --remove deletes $CONF"
	out=$("$PERSIST" --remove 2>/dev/null)
	st=$?
	[ "$st" = 0 ] && gone "$CONF"
	tap $? "srpt-persist-port --remove again is harmless ($out)"
	! modprobe -c | grep -q "^options ib_srpt rdma_cm_port="
	tap $? "modprobe -c no longer has the option"
fi
rm -f "$CONF"

restore_harness || not_ok "restore: the module under test loaded as guest.sh loads it"
dmesg_clean "saveconfig" saveconfig
finish
}
