#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Case 24: path loss under I/O (issue #4).  Initiator and target share
# rxe0 on veth0 (traffic to 192.0.2.1 is looped back inside rxe), so:
#  (a) device removal: "rdma link delete rxe0" while fio runs.  ib_srp
#      6.1 can oops when its own reconnect work races with its removal of
#      the same device (seen once, see 06-device-removal.sh), so its
#      reconnect_delay is "off" first: this case is about the target.  The
#      target's remove path must finish within the bound (its own part,
#      from the kernel log, is printed), release every channel and
#      session; fio must end (with errors: the disks go) instead of
#      hanging; the configfs tree of the removed port must stay readable
#      and writable and must be removable (ACL, LUNs, TPG, port) while the
#      device is gone; after "rdma link add" the tree is made again by
#      hand, ib_srp logs in and the data written before is intact.
#  (b) link flap: veth0 down for FLAP s while fio verify runs, with ib_srp
#      fast_io_fail_tmo 60 s (and no reconnect before veth0 is back, see
#      below): rxe0's port goes down, RC transfers stall or fail, either
#      side may close its channels;
#      when veth0 is up again ib_srp must be back with exactly 2 channels
#      on the target (its SINGLE login ends whatever the target still had
#      of the dead connection), and fio must never fail;
#  (c) long loss: veth0 down for LONG s, longer than fast_io_fail_tmo
#      (4 s): a write ends (with an error once fast_io_fail_tmo expired)
#      instead of hanging; after veth0 is up ib_srp reconnects and I/O
#      works again.
# rxe defect worked around: a CM MAD sent while veth0 is down (a connect,
# or the DREQ of a channel closed during the outage) leaves rxe0 unable
# to establish any new RDMA/CM connection for minutes: its REQs are
# counted as sent (rdma statistic sent_pkts), nothing is received, the
# target's listener never sees them (a fresh rping listener does not
# either; neighbour/route flushes, readding the address or relistening do
# not help; deleting and re-adding rxe0 does).  And a reconnect of ib_srp
# whose REQ rxe0 swallows never ends: it waits for a CM event that does
# not come (6.12: over five minutes, srp_connect_ch), holding its rport's
# mutex, and then neither fast_io_fail, nor the logout, nor deleting rxe0
# (which waits for ib_srp's remove work) can finish: a knot in the
# initiator that only a reboot undoes.  ib_srp starts a reconnect from
# two places: its rport's reconnect timer and the SCSI error handler's
# host reset (once a command times out).  So in (b) and (c) ib_srp does
# not reconnect by itself: reconnect_delay is off during the outage, and
# the disks' SCSI command timeout is above fast_io_fail_tmo, so that
# fast_io_fail, not the error handler, ends what was in flight.  Once
# veth0 is up and rxe0's port is active, a test login of srpi tells
# whether rxe0 still takes connections.  If it does, writing
# reconnect_delay starts ib_srp's own reconnect (the SCSI SRP transport
# queues its reconnect work then) and ib_srp must be back.  If it gets no
# answer at all, the step's reconnect assertions are a SKIP and rxe0 is
# deleted and re-added (cure) before going on.  PATHLOSS_POISON=1 (an
# environment variable of tests/vm/run.sh) makes that happen in (b) and
# (c) on purpose: a login of srpi while veth0 is down poisons rxe0, so the
# cure itself is tested.
{
# shellcheck source=../fire-lib.sh
. "$VMDIR/fire-lib.sh"

FLAP=3
LONG=8
PATHLOSS_POISON=$(sed -n 's/^PATHLOSS_POISON=//p' "$R/run.conf")
o1='' o2=''

# rxe_cm_ok: a new RDMA/CM connection to the target gets an answer.
rxe_cm_ok() {
	local out
	out=$(srpi -t 8000 --iport "$SRPI_ID")
	log "rxe_cm_ok: $out"
	[[ $out == "login rsp"* || $out == "login rej"* ]]
}
# rxe_cure: log ib_srp out, delete and re-add rxe0 (the configfs port
# re-attaches: same GID), listen again.  No reconnect of ib_srp may be in
# flight (see above): reconnect_delay is off on every remote port first,
# and the logout and the delete each get CM_GIVEUP; a cure that still does
# not go through is a failure that shows the kernel stacks, not a suite
# that goes on without rxe0.
CM_GIVEUP=$((120 * TIME_SCALE))
srp_reconnect_off() {
	local p
	for p in /sys/class/srp_remote_ports/port-*; do
		[ -e "$p" ] && echo off >"$p/reconnect_delay" 2>/dev/null
	done
	return 0
}
# kernel_stacks: the kernel stacks of every task in ib_srp, its SCSI
# transport, the RDMA/CM or ib_core (the mutex holder of a knot sleeps
# interruptibly, so sysrq's blocked-task list does not show it).
kernel_stacks() {
	local p s
	for p in /proc/[0-9]*; do
		s=$(<"$p/stack") 2>/dev/null || continue
		[[ $s == *srp* || $s == *rdma* || $s == *ib_* || $s == *cm_* ]] || continue
		echo "task ${p#/proc/} ($(<"$p/comm")):"
		echo "$s"
	done >&2
}
rxe_cure() {
	local st
	srp_reconnect_off
	stamp CURE_T0
	srp_logout_all "$CM_GIVEUP"
	since "$CURE_T0"
	log "rxe_cure: ib_srp logged out in ${SECS}s"
	if compgen -G '/sys/class/srp_remote_ports/port-*' >/dev/null; then
		kernel_stacks
		not_ok "pathloss: ib_srp let go of $IBDEV within ${CM_GIVEUP}s for the cure (kernel stacks in the log)"
		finish
	fi
	timeout -k 5 "$CM_GIVEUP" rdma link delete "$IBDEV"
	st=$?
	if [ "$st" != 0 ] || ! wait_until "$BOUND" gone "/sys/class/infiniband/$IBDEV"; then
		kernel_stacks
		not_ok "pathloss: rdma link delete $IBDEV for the cure (status $st; kernel stacks in the log)"
		finish
	fi
	rdma link add "$IBDEV" type rxe netdev veth0 &&
		wait_until $((30 * TIME_SCALE)) exists "/sys/class/infiniband/$IBDEV/ports/1/gids/0" &&
		wait_until $((30 * TIME_SCALE)) exists "$SRP_ADD"
	target_ids
	set_rdma_cm_port
	since "$CURE_T0"
	log "rxe0 re-added ${SECS}s after the cure began: $(rdma link show 2>&1)"
}
# flap_check STEP: after veth0 came back (ib_srp's reconnect_delay off):
# if rxe0 answers a test login, start ib_srp's reconnect (reconnect_delay
# 2) and ib_srp must be back; if rxe0 answers no connect at all, SKIP
# (see above), sets POISONED=1 and leaves the cure to the caller.
flap_check() {
	local step=$1 st o
	POISONED=0
	wait_until $((30 * TIME_SCALE)) ibdev_ready
	if ! rxe_cm_ok; then
		POISONED=1
		objects o
		rdma statistic show link "$IBDEV/1" >&2
		ok "($step) ib_srp back after the outage # SKIP rxe0 answers no new RDMA/CM connect after a CM MAD was sent while its port was down (rxe defect, see the case header): $o"
		return 0
	fi
	echo 2 >"$SRP_RPORT/reconnect_delay"
	wait_until $((60 * TIME_SCALE)) srp_back 2
	st=$?
	objects o
	if [ "$st" = 0 ]; then
		worst "$step-recover" "$SECS"
		ok "($step) ib_srp back with 2 channels ${SECS}s after its reconnect was started: $o"
		return 0
	fi
	kmsg_since "$step" | grep -v 'Sense\|CDB\|critical\|I/O error' | head -n 60 >&2
	rdma statistic show link "$IBDEV/1" >&2
	not_ok "($step) ib_srp back with 2 channels within 60s after its reconnect was started (a test login works): $o"
	return 1
}
# poison: with PATHLOSS_POISON=1, a CM MAD while veth0 is down (above).
poison() {
	[ "$PATHLOSS_POISON" = 1 ] || return 0
	log "poison: a login while veth0 is down: $(srpi -t 1500 --iport "$SRPI_ID")"
}
# scsi_timeout SECS: the SCSI command timeout of both disks.
scsi_timeout() {
	local d
	for d in "$RD" "$FD"; do
		echo "$1" >"/sys/block/${d##*/}/device/timeout" || return 1
	done
}

srpi_ok || { not_ok "pathloss: $SRPI is not built or stale (make -C tools)"; finish; }
mark pathloss
fire_login 2 || { not_ok "pathloss: ib_srp login"; finish; }
srpi_acl_add
pre_write
tap $? "pathloss: pattern of ${PRE_MB} MiB written"

# --- (a) device removal under fio ------------------------------------------------------------
fio_loop_start "$FIRE_FIO"
nap 3
# no reconnect (ib_srp bug, see above); fail the I/O 5 s after the loss so
# that ib_srp's own removal of its SCSI host does not wait 60 s for it
rport_tmo off 5 120 || log "rport timeouts not accepted"
mark a
stamp t0
timeout -k 5 $((BOUND * 2)) rdma link delete "$IBDEV"
st=$?
since "$t0"
worst device-removal "$SECS"
tap "$st" "(a) rdma link delete $IBDEV under fio returns (${SECS}s)"
k=$(kmsg_since a | awk '{ t = $0; sub(/^\[ */, "", t); sub(/\].*/, "", t) }
	/srptvm: mark a$/ { t0 = t } /ib_srpt: removed / { printf "%.1f", t - t0; exit }')
diag "(a) the target's remove of $IBDEV took ${k:-?}s of it (kernel log)"
if have_objects; then
	wait_until "$TEARDOWN" channels_are 0
	st=$?
	objects o2
	obj sessions
	[ "$st" = 0 ] && [ "$OBJN" = 0 ]
	tap $? "(a) every channel and session of the removed device released: $o2"
fi
wait_until "$BOUND" no_session
tap $? "(a) LIO has no session left"
stamp t0
: >"$W/fioloop.stop"
wait_until $((60 * TIME_SCALE)) finished "$FIO_LOOP"
st=$?
tap "$st" "(a) fio ends (with errors, the disks are gone) instead of hanging (${SECS}s)"
[ "$st" = 0 ] && wait "$FIO_LOOP"

# configfs of the removed port: read, write, remove.
rd_all() {
	local f v
	for f in "$PORT_DIR"/version "$TPG"/enable "$TPG"/attrib/* "$TPG"/param/* \
		"$ACL_DIR"/info "$ACL_DIR"/lun_0/write_protect "$TPG"/lun/lun_0/alua_tg_pt_gp; do
		[ -r "$f" ] || continue
		read -r v <"$f" 2>/dev/null
	done
	cat "$TPG/attrib/srp_sq_size" "$TPG/enable" >/dev/null
}
rd_all
tap $? "(a) configfs of the removed port stays readable"
{ echo 4096 >"$TPG/attrib/srp_sq_size" && tpg_enable 0 && tpg_enable 1 && tpg_enable 0; } 2>&1
tap $? "(a) TPG attributes and enable stay writable without the device"
tree_remove() {
	local l f
	acl_del "$SRPI_ACL" && acl_del "$ACL_DIR" || return 1
	for l in "$TPG"/lun/lun_*; do
		[ -d "$l" ] || continue
		for f in "$l"/*; do [ -L "$f" ] && rm "$f"; done
		rmdir "$l" || return 1
	done
	rmdir "$TPG" && rmdir "$PORT_DIR"
}
bounded "$FAST" tree_remove
st=$?
worst tree-remove "$SECS"
gone "$PORT_DIR"
tap "$(($? | st))" "(a) the configfs tree of the removed port is removable (ACL, LUNs, TPG, port; ${SECS}s)"

rdma link add "$IBDEV" type rxe netdev veth0
wait_until $((30 * TIME_SCALE)) exists "/sys/class/infiniband/$IBDEV/ports/1/gids/0"
target_ids
wait_until $((30 * TIME_SCALE)) exists "$SRP_ADD"
# The tree again by hand (the backstores are still there).
tree_create() {
	tpg_luns_create && acl_add "$ACL_DIR" 0 1 2 && srpi_acl_add && tpg_enable 1 && set_rdma_cm_port
}
tree_create
tap $? "(a) $IBDEV back, configfs tree made again for $WWN"
srp_logout_all
if fire_login 2; then
	ok "(a) ib_srp login after the device came back"
	pre_check
	tap $? "(a) the data written before the device removal is intact"
else
	not_ok "(a) ib_srp login after the device came back"
	finish
fi

# --- (b) link flap under fio --------------------------------------------------------
rport_tmo off 60 120
scsi_timeout 90 || log "SCSI command timeout not set"
fio_loop_start "$FIRE_FIO"
nap 3
mark b
ip link set veth0 down
stamp t0
seen=running
until [ $((${EPOCHREALTIME/./} - t0)) -ge $((FLAP * 1000000)) ]; do
	rport_state
	[ "$RPORT_STATE" != running ] && seen=$RPORT_STATE
	nap 0.2
done
poison
ip link set veth0 up
objects o1
diag "(b) veth0 down for ${FLAP}s: ib_srp rport went $seen; objects at link up: $o1"
flap_check b
if [ "$POISONED" = 1 ]; then
	rxe_cure
	fio_loop_stop
	ok "(b) fio verify # SKIP ib_srp could not reconnect (rxe defect): $FIO_RUNS runs, first failure: ${FIO_WHY:-none}"
	fire_login 2 || { not_ok "(b) ib_srp login after re-adding $IBDEV"; finish; }
else
	fio_loop_tap "(b)"
	kcount b 'ib_srp: reconnect succeeded'
	diag "(b) ib_srp reconnects during the flap: $KCOUNT"
fi

# --- (c) loss longer than fast_io_fail_tmo ---------------------------------------------
rport_tmo off 4 120
scsi_timeout 30 || log "SCSI command timeout not set"
mark c
ip link set veth0 down
stamp t0
timeout -k 5 60 dd if=/dev/zero of="$RD" bs=64k seek=2048 count=16 oflag=direct status=none 2>&1 | head -n 3 >&2
st=${PIPESTATUS[0]}
since "$t0"
worst longloss-write "$SECS"
rport_state
[ "$st" != 124 ] && [ "$st" != 137 ]
tap $? "(c) a write during a ${LONG}s loss (fast_io_fail_tmo 4) ends after ${SECS}s with status $st, no hang (rport $RPORT_STATE)"
d=$((${EPOCHREALTIME/./} - t0))
if [ "$d" -lt $((LONG * 1000000)) ]; then
	printf -v d '%d.%06d' $(((LONG * 1000000 - d) / 1000000)) $(((LONG * 1000000 - d) % 1000000))
	nap "$d"
fi
poison
ip link set veth0 up
flap_check c
if [ "$POISONED" = 1 ]; then
	rxe_cure
	fire_login 2 || { not_ok "(c) ib_srp login after re-adding $IBDEV"; finish; }
fi
dd if="$RD" of=/dev/null bs=64k count=16 iflag=direct status=none
tap $? "(c) I/O works again"
pre_check
tap $? "pathloss: the pattern written at the start is intact"

# Leave an rxe0 that takes connections for the cases after this one.
if ! rxe_cm_ok; then
	diag "pathloss: rxe0 answers no connect any more: re-adding it"
	rxe_cure
fi
srpi_acl_del
bounded "$BOUND" srp_logout_all
tap $? "pathloss: logout (${SECS}s)"
check_idle pathloss
worst_report pathloss
dmesg_clean "pathloss" pathloss
finish
}
