#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Case 22: logout/login storm under fio verify (issue #4).
#
# ib_srp (ch_count 2) keeps its SCSI disks across reconnects: with
# reconnect_delay 1 s and fast_io_fail_tmo 60 s, commands cut off by a
# disconnect are completed with DID_RESET, retried once the rport runs
# again, and fio never sees an error.  So the cycles tear the channels down
# while fio runs, and ib_srp logs in again by itself.  Four kinds, in turn:
#   single  srpi logs in SINGLE with ib_srp's initiator port ID: the target
#           sends SRP_T_LOGOUT (reason 0x4) to ib_srp's channels and closes
#           them; ib_srp's reconnect (SINGLE) terminates srpi in turn
#   reset   sg_reset -H: ib_srp disconnects and logs in again (initiator
#           side logout/login)
#   tpg     echo 0, then 1 > tpgt_1/enable (target side close, T_LOGOUT)
# Deleting the remote port (srp_remote_ports/.../delete) would take the
# disks away, so full logout/login cycles follow the storm without fio.
# ACL removal is not a storm cycle: configfs makes the mapped LUNs go
# before the ACL and its session, and in between LIO routes LUN 0 to its
# virtual LUN 0 (65 blocks): reads fail with "LBA out of range" (or, below
# LBA 65, read zeros), so fio cannot pass; case 25 covers ACL removal.
#
# make check: 24 cycles and 4 logout/login cycles; tests/stress.sh asks for
# the long variant (300 cycles, 30 logins).  Asserts: every cycle's
# teardown step ends within FAST s and ib_srp is back within 30 s; fio
# verify never fails; data written before the storm is intact; no hung
# task, warning or oops; live objects idle afterwards; slab before/after
# (idle, shrunk) within tolerance and no LIO session object left.
{
# shellcheck source=../fire-lib.sh
. "$VMDIR/fire-lib.sh"

stress_cycles 24
LOGINS=4
[ "$STRESS" = 1 ] && LOGINS=30
KINDS=(single reset tpg)
srpi_ok || { KINDS=(reset tpg); not_ok "storm: $SRPI is not built or stale: no 'single' cycles"; }
diag "storm: $CYCLES cycles (${KINDS[*]}) and $LOGINS logout/login cycles"

# shellcheck disable=SC2034 # filled and read through namerefs
declare -A S0=() S1=()
srp_logout_all
ensure_target || { not_ok "storm: target setup"; finish; }
slab_snap S0
objects OBJ0
mark storm
fire_login 2 || { not_ok "storm: ib_srp login"; finish; }
pre_write
tap $? "storm: pattern of ${PRE_MB} MiB written before the storm"

login_line 0x01
L_TERM=$LOGIN_LINE

BACK=$((30 * TIME_SCALE))	# ib_srp (or srpi's login) back after a cycle, s
# One cycle each; TD = the teardown time, WHY = what went wrong.
cyc_single() {
	local sp out
	srpi 'await t=20000' 'await t=5000' >"$W/single.out" &
	sp=$!
	# From srpi's login (a third channel, or ib_srp's disconnected) to
	# the release of ib_srp's two old channels.
	# shellcheck disable=SC2317 # called by wait_until
	logged_in() { rport_disconnected || { have_objects && obj channels && [ "$OBJN" -gt 2 ]; }; }
	# shellcheck disable=SC2317 # called by wait_until
	gone_old() { rport_disconnected && { ! have_objects || channels_are 1; }; }
	wait_until "$BACK" logged_in || WHY="srpi's SINGLE login did not happen within ${BACK}s"
	wait_until "$FAST" gone_old || WHY+=" old channels not gone after ${FAST}s"
	TD=$SECS
	wait_until "$BACK" finished "$sp" || { WHY+=" srpi still running"; kill "$sp"; }
	wait "$sp"
	out=$(<"$W/single.out")
	mapfile -t ln <<<"$out"
	if ! { [ "${#ln[@]}" = 3 ] && [ "${ln[0]}" = "$L_TERM" ] &&
		[[ ${ln[1]} =~ ^t_logout\ tag=[0-9]+\ reason=0x00000004$ ]] && [ "${ln[2]}" = disconnected ]; }; then
		oneline "$out"
		WHY+=" srpi: $ONELINE"
	fi
}
cyc_reset() {
	bounded "$FAST" sg_reset -H "$RD" >&2 2>&1 || WHY="sg_reset -H failed or took more than ${FAST}s"
	TD=$SECS
}
cyc_tpg() {
	bounded "$FAST" tpg_enable 0 || WHY="TPG disable failed or took more than ${FAST}s"
	TD=$SECS
	tpg_enable 1 || WHY+=" TPG enable failed"
}

fio_loop_start "$FIRE_FIO"
nap 2
stamp T0
done_cycles=0
for ((i = 1; i <= CYCLES; i++)); do
	kind=${KINDS[(i - 1) % ${#KINDS[@]}]}
	WHY='' TD=0.0
	"cyc_$kind"
	worst "$kind" "$TD"
	if [ -z "$WHY" ] && ! wait_until "$BACK" srp_back 2; then
		rport_state
		WHY="ib_srp not back within ${BACK}s (rport $RPORT_STATE)"
	fi
	worst recover "$SECS"
	if [ -n "$WHY" ]; then
		not_ok "storm: cycle $i ($kind): $WHY"
		break
	fi
	done_cycles=$i
	[ -e "$W/wedged" ] && break
	nap 0.3
done
since "$T0"
storm_secs=$SECS
[ "$done_cycles" = "$CYCLES" ]
tap $? "storm: $done_cycles/$CYCLES teardown/reconnect cycles survived under fio (${storm_secs}s)"
worst_report storm
fio_loop_tap storm
kcount storm 'ib_srp: reconnect succeeded'
diag "storm: ib_srp reconnected $KCOUNT times"
[ "$done_cycles" = "$CYCLES" ] && [ "$KCOUNT" -ge "$CYCLES" ]
tap $? "storm: ib_srp reconnected at least once per cycle ($KCOUNT)"
pre_check
tap $? "storm: the pattern written before the storm is intact"

# Full logout/login cycles (the remote port and its disks go each time).
# Each login is written as soon as the logout is complete (the SCSI host
# gone, LIO's session gone): one that meets EEXIST is retried, and counted.
ok_logins=0
eexist0=$SRP_EEXIST
for ((i = 1; i <= LOGINS; i++)); do
	bounded "$BOUND" srp_logout || { not_ok "storm: logout $i"; break; }
	worst logout "$SECS"
	if ! srp_login ch_count=2 || ! srp_disks 2; then
		not_ok "storm: login $i"
		break
	fi
	worst login "$SECS"
	RD=${DISK[0]}
	dd if="$RD" of=/dev/null bs=64k count=16 iflag=direct status=none || { not_ok "storm: I/O after login $i"; break; }
	ok_logins=$i
done
[ "$ok_logins" = "$LOGINS" ]
tap $? "storm: $ok_logins/$LOGINS logout/login cycles (worst logout ${WORST[logout]:-?}s, login ${WORST[login]:-?}s)"
eexist=$((SRP_EEXIST - eexist0))
[ "$eexist" = 0 ]
tap $? "storm: $eexist of $ok_logins immediate relogins met EEXIST (ib_srp still held the old target)"
pre_check "$RD"
tap $? "storm: the pattern is intact after the logins"

bounded "$BOUND" srp_logout
tap $? "storm: final logout (${SECS}s)"
check_idle storm
diag "storm: objects before: $OBJ0"
slab_snap S1
slab_check storm S0 S1
dmesg_clean "storm" storm
finish
}
