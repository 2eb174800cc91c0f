#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Case 26: rmmod ib_srpt with live sessions and I/O (issue #4).  configfs
# pins the module, so the whole teardown is timed: TPG disable, ACL rmdir,
# LUN unlink/rmdir, TPG/port/fabric rmdir, rmmod.  Live meanwhile:
#   - ib_srp (ch_count 2) with fio verify on both LUNs;
#   - srpi A, idle: it must receive SRP_T_LOGOUT (reason 0) and then the
#     disconnect;
#   - srpi B, unresponsive: two READs executing on the slow LUN (2 s per
#     request), then its QP moved to the error state; it never answers.
# Every step must end within FAST s and the whole within TOTAL s; the
# module must be gone; fio must end (with errors) instead of hanging.
# Then the module is loaded again, the tree made again by hand, ib_srp
# logs in and the data written before is intact; live objects idle; slab
# before (idle, module loaded) and after (idle, module reloaded) within
# tolerance, no LIO session object left.
{
# shellcheck source=../fire-lib.sh
. "$VMDIR/fire-lib.sh"

TOTAL=$((20 * TIME_SCALE))
ID_B=53525049000000000000000000000b02
ACL_B=$TPG/acls/0x$ID_B

srpi_ok || { not_ok "rmmod: $SRPI is not built or stale (make -C tools)"; finish; }
# shellcheck disable=SC2034 # filled and read through namerefs
declare -A S0=() S1=()
srp_logout_all
ensure_target || { not_ok "rmmod: target setup"; finish; }
slab_snap S0
mark rmmod
fire_login 2 || { not_ok "rmmod: ib_srp login"; finish; }
pre_write
tap $? "rmmod: pattern of ${PRE_MB} MiB written"
slow_lun_add && srpi_acl_add && acl_add "$ACL_B" 0 1 "$SLOW_LUN"
tap $? "rmmod: slow LUN and ACLs for srpi A and B"

fio_loop_start "$FIRE_FIO"
srpi --iport "$SRPI_ID" 'await t=60000' 'await t=5000' >"$W/a.out" &
pa=$!
srpi --iport "$ID_B" --retry 1 "cmd cdb=read10:0:8 lun=$SLOW_LUN tag=1 rep=2" 'sleep 200' qp-error 'sleep 60000' >"$W/b.out" &
pb=$!
live4() { have_objects || return 0; channels_are 4; }
wait_until $((20 * TIME_SCALE)) live4
obj channels
tap $? "rmmod: ib_srp's 2 channels, srpi A and B live ($OBJN channels)"
nap 2

# --- the teardown, step by step -------------------------------------------------------
step() {
	local name=$1 st
	shift
	bounded "$FAST" "$@"
	st=$?
	worst "$name" "$SECS"
	STEPS+=" $name=${SECS}s"
	tap "$st" "rmmod: $name within ${FAST}s (${SECS}s)"
	return "$st"
}
unlink_luns() {
	local l f
	for l in "$TPG"/lun/lun_*; do
		[ -d "$l" ] || continue
		for f in "$l"/*; do [ -L "$f" ] && rm "$f"; done
		rmdir "$l" || return 1
	done
}
# shellcheck disable=SC2153 # SRPT is lib.sh's
rm_tree() { rmdir "$TPG" && rmdir "$PORT_DIR" && rmdir "$SRPT"; }
acls_del() { acl_del "$ACL_DIR" && acl_del "$SRPI_ACL" && acl_del "$ACL_B"; }
login_line		# needs the module: before it goes
# ib_srp fails its I/O 5 s after it lost the target (fio ends, the remote
# port can be deleted): the target is about to go for good.
rport_tmo 1 5 120
mark "rmmod-teardown"
STEPS=
stamp T0
step "TPG disable" tpg_enable 0 &&
	step "ACL rmdir" acls_del &&
	step "LUN rmdir" unlink_luns &&
	step "TPG, port and fabric rmdir" rm_tree &&
	step "rmmod" rmmod ib_srpt
since "$T0"
total=$SECS
tenths "$total"
[ "$TENTHS" -le $((TOTAL * 10)) ] && gone /sys/module/ib_srpt
tap $? "rmmod: whole teardown with live sessions and I/O in ${total}s (bound ${TOTAL}s), module gone"
diag "rmmod: teardown steps:$STEPS"

wait_until $((30 * TIME_SCALE)) finished "$pa"
wait "$pa"
out=$(<"$W/a.out")
oneline "$out"
mapfile -t ln <<<"$out"
[ "${#ln[@]}" = 3 ] && [ "${ln[0]}" = "$LOGIN_LINE" ] &&
	[[ ${ln[1]} =~ ^t_logout\ tag=[0-9]+\ reason=0x00000000$ ]] && [ "${ln[2]}" = disconnected ]
tap $? "rmmod: srpi A received SRP_T_LOGOUT, then the disconnect: $ONELINE"
kill "$pb" 2>/dev/null
wait "$pb" 2>/dev/null
log "srpi B: $(<"$W/b.out")"
kcount rmmod-teardown 'ib_srp: Got target logout request'
diag "rmmod: ib_srp received $KCOUNT SRP_T_LOGOUT"
: >"$W/fioloop.stop"
bounded "$BOUND" srp_logout_all
tap $? "rmmod: ib_srp logs out after the target went away (${SECS}s)"
wait_until $((60 * TIME_SCALE)) finished "$FIO_LOOP"
tap $? "rmmod: fio ended instead of hanging"
wait "$FIO_LOOP" 2>/dev/null

# --- load again ---------------------------------------------------------------------------
if [ ! -e "$W/wedged" ] && gone /sys/module/ib_srpt && load_target_module "rmmod: reload: "; then
	[ -r "$OBJ" ] || mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
	tpg_luns_create && acl_add "$ACL_DIR" 0 1 2 && tpg_enable 1 && set_rdma_cm_port
	tap $? "rmmod: target configured again through configfs"
	if fire_login 2; then
		ok "rmmod: ib_srp login after reloading the module"
		pre_check
		tap $? "rmmod: the data written before the rmmod is intact"
		bounded "$BOUND" srp_logout
		tap $? "rmmod: logout (${SECS}s)"
	else
		not_ok "rmmod: ib_srp login after reloading the module"
	fi
	check_idle rmmod
fi
slow_lun_del
slab_snap S1
slab_check rmmod S0 S1
worst_report rmmod
dmesg_clean "rmmod" rmmod
finish
}
