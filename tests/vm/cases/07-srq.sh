#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Case 7: shared receive queue mode (TPG attribute use_srq).
#  - with use_srq=1 a login is served from the device's SRQ, immediate data
#    is not granted, and fio with crc32c verify passes;
#  - toggling use_srq under a live session and running I/O logs the
#    initiator out (SRP_T_LOGOUT) and ib_srp reconnects in the new mode:
#    the fio verify running across the toggle passes;
#  - the SRQ is freed with its last channel.
{
# shellcheck source=../lib.sh
. "$VMDIR/lib.sh"

OBJ=/sys/kernel/debug/ib_srpt/objects
[ -r "$OBJ" ] || mount -t debugfs debugfs /sys/kernel/debug
obj() { awk -v k="$1" '$1 == k { print $2 }' "$OBJ"; }

srp_logout_all
ensure_target || { not_ok "srq: target setup"; finish; }
recv0=$(obj recv_ioctxs)
echo 1 >"$TPG/attrib/use_srq"
[ "$(<"$TPG/attrib/use_srq")" = 1 ]
tap $? "use_srq=1 accepted"

mark srq
login_ok 2
tap $? "login with use_srq=1"
kmsg_since srq | grep -Eq "shared receive queue [0-9]+ of [0-9]+: [0-9]+ entries"
tap $? "the target created the device's SRQ"
! kmsg_since srq | grep -q "ib_srp: using immediate data"
tap $? "no immediate data granted under SRQ"
srq_bufs=$(( $(obj recv_ioctxs) - recv0 ))
diag "receive buffers with the SRQ: $srq_bufs (per-channel rings: none)"

export RD=${DISK[0]} FD=${DISK[1]}
timeout -k 10 300 fio --eta=never "$VMDIR/hostile/verify.fio" >"$W/srq1.out" 2>&1
tap $? "fio verify=crc32c with use_srq=1"

# Toggle under I/O: the session is closed, ib_srp reconnects (same SCSI
# devices), and the verify job across it must pass.
echo 2 >"/sys/class/srp_remote_ports/port-$SRP_HOST:1/reconnect_delay" 2>/dev/null
mark toggle
fio --eta=never --name=across --filename="$RD" --ioengine=libaio --direct=1 \
	--rw=randwrite --bs=16k --iodepth=8 --size=48M --verify=crc32c \
	--verify_fatal=1 >"$W/srq2.out" 2>&1 &
fpid=$!
nap 2
stamp t0
echo 0 >"$TPG/attrib/use_srq"
wait_until $((60 * TIME_SCALE)) exists "/sys/class/scsi_disk/$SRP_HOST:0:0:0"
timeout 240 tail --pid="$fpid" -f /dev/null
wait "$fpid"
st=$?
since "$t0"
tap $st "fio verify across use_srq 1 -> 0 under I/O (${SECS}s)"
kmsg_since toggle | grep -q "Got target logout request"
tap $? "the initiator got SRP_T_LOGOUT when use_srq changed"
kmsg_since toggle | grep -q "reconnect succeeded"
tap $? "ib_srp reconnected after the toggle"
wait_until $((30 * TIME_SCALE)) test "$(obj recv_ioctxs)" -le $((recv0 + 256))
tap $? "the SRQ was freed with its last channel (recv_ioctxs $(obj recv_ioctxs))"

srp_logout_all
dmesg_clean "srq" srq
finish
}
