#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Case 6: task management and RDMA device removal.
#  - LUN RESET (sg_reset -d) on a live SRP disk is answered and I/O goes on;
#  - deleting the rxe link with a session live and a read in flight runs
#    ib_srpt's ib_client remove path: it must finish within the bound and
#    release the channel;
#  - the configfs port of the removed device stays readable;
#  - when the link comes back, the same port name re-attaches and a fresh
#    login reads and writes again.
{
# shellcheck source=../lib.sh
. "$VMDIR/lib.sh"

need_login 2
tap $? "login for the device removal case"

sg_reset -d "${DISK[0]}" >&2 2>&1
tap $? "LUN RESET through sg_reset -d ${DISK[0]} answered"
dd if="${DISK[0]}" of=/dev/null bs=64k count=64 iflag=direct 2>/dev/null
tap $? "I/O after LUN RESET"

# ib_srp 6.1 can oops when its reconnect work races with its own device
# removal (srp_create_ch_ib -> ib_process_cq_direct on a dead CQ; seen once
# here).  The subject of this case is the target's remove path, so keep the
# initiator from reconnecting.
echo off >"$SRP_RPORT/reconnect_delay" 2>&1 || log "reconnect_delay off failed"
log "reconnect_delay: $(<"$SRP_RPORT/reconnect_delay")"
mark remove
dd if="${DISK[0]}" of=/dev/null bs=1M count=256 iflag=direct 2>/dev/null &
ddpid=$!
nap 0.5
stamp t0
timeout -k 5 $((BOUND * 2)) rdma link delete rxe0
rc=$?
since "$t0"
tap $rc "rdma link delete rxe0 with a live session returns (${SECS}s)"
diag "device removal took ${SECS}s"
wait_until "$BOUND" no_session
tap $? "the session is gone after device removal"
wait $ddpid 2>/dev/null

cat "$TPG/attrib/srp_sq_size" "$TPG/enable" >/dev/null
tap $? "configfs of the removed port stays readable"

rdma link add rxe0 type rxe netdev veth0
wait_until $((30 * TIME_SCALE)) exists "/sys/class/infiniband/$IBDEV/ports/1/gids/0"
target_ids
[ -d "$PORT_DIR" ]
tap $? "rxe0 back with the same port name $WWN"
srp_logout_all
wait_until $((30 * TIME_SCALE)) exists "$SRP_ADD"
login_ok 2
tap $? "fresh login after the device came back"
if [ -n "${DISK[0]:-}" ]; then
	dd if=/dev/urandom of="$W/pat" bs=64k count=16 2>/dev/null
	dd if="$W/pat" of="${DISK[0]}" bs=64k oflag=direct 2>/dev/null &&
		dd if="${DISK[0]}" of="$W/back" bs=64k count=16 iflag=direct 2>/dev/null &&
		cmp -s "$W/pat" "$W/back"
	tap $? "write and read back after re-attach"
fi
dmesg_clean "device removal" remove
finish
}
