#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Case 25: reconfiguration under I/O (issue #4).  ib_srp (ch_count 2,
# reconnect_delay 1 s, fast_io_fail_tmo 60 s) is logged in; every step is
# bounded and gives the initiator a clean error or a disconnect, never a
# hang; data written before is intact at the end.
#  (1) TPG disable for 3 s and enable, fio verify running: ib_srp gets
#      SRP_T_LOGOUT on both channels, its reconnects are rejected with
#      0x00010001 while the TPG is off, it is back after enable, fio
#      never fails.
#  (2) rdma_cm_port changed (discovery_auth/rdma_cm_port) while logged in,
#      fio running: the live channels are not touched, a new login on the
#      new port works and the old port refuses; after a disconnect (TPG
#      off and on) ib_srp's reconnects to the old port fail until the port
#      is set back, then it is back and fio never noticed.  (Not sg_reset
#      -H: a host reset whose reconnect fails puts the rport in fail-fast
#      at once, by design of the SRP transport, and fio gets EIO.)
#  (3) TPG attributes changed while logged in, fio running: srp_sq_size 64
#      and srp_max_rsp_size 512 leave the live channels alone, a new login
#      gets max_ti_iu_len 512, ib_srp's next channels (sg_reset -H) run fio
#      with the small send queue; out-of-range values are refused; the
#      defaults are restored.
#  (4) The ACL of the live initiator removed, a read running: the rmdir
#      ends within FAST s, ib_srp gets SRP_T_LOGOUT and is disconnected,
#      the read ends (an error is fine: configfs unmaps the LUNs before the
#      ACL can go, and meanwhile LIO answers LUN 0 from its virtual LUN 0),
#      reconnects are rejected with 0x00010000; the ACL is made again
#      while the TPG is disabled (LIO's ACL and LUN mappings appear one
#      mkdir/ln at a time: a login in between would see no LUNs) and
#      ib_srp is back.
#  (5) LUN 1 unmapped from the ACL and removed from the TPG while a reader
#      runs on it and fio on LUN 0: reads of LUN 1 fail cleanly (LOGICAL
#      UNIT NOT SUPPORTED) within a bound, LUN 0's fio never fails; LUN 1
#      is made and mapped again and its old data reads back.
{
# shellcheck source=../fire-lib.sh
. "$VMDIR/fire-lib.sh"

mark reconfig
fire_login 2 || { not_ok "reconfig: ib_srp login"; finish; }
pre_write
# a pattern on LUN 1 as well (fileio), for step 5
dd if=/dev/urandom of="$W/pre1.pat" bs=1M count=4 status=none &&
	dd if="$W/pre1.pat" of="$FD" bs=1M seek=48 oflag=direct status=none
tap $? "reconfig: patterns written on LUN 0 and LUN 1"
pre1_check() {
	dd if="$FD" of="$W/pre1.back" bs=1M skip=48 count=4 iflag=direct status=none &&
		cmp -s "$W/pre1.pat" "$W/pre1.back"
}

fio_loop_start "$FIRE_FIO_RD"
nap 2

# --- (1) TPG disable / enable ---------------------------------------------------------
mark "reconfig-tpg"
bounded "$FAST" tpg_enable 0
st=$?
worst tpg-disable "$SECS"
tap "$st" "(1) TPG disabled with sessions and I/O live within ${FAST}s (${SECS}s)"
nap 3
kcount reconfig-tpg 'ib_srp: Got target logout request'
t=$KCOUNT
kcount reconfig-tpg 'SRP LOGIN REJECTED, reason 0x00010001'
r=$KCOUNT
[ "$t" = 2 ] && [ "$r" -ge 1 ]
tap $? "(1) ib_srp got SRP_T_LOGOUT on both channels ($t) and its reconnects are refused while disabled ($r x 0x00010001)"
tpg_enable 1
wait_until $((30 * TIME_SCALE)) srp_back 2
st=$?
worst tpg-reconnect "$SECS"
tap "$st" "(1) ib_srp back ${SECS}s after enable"

# --- (2) rdma_cm_port while logged in ------------------------------------------------------
# shellcheck disable=SC2153 # SRPT is lib.sh's
PORTF=$SRPT/discovery_auth/rdma_cm_port
srpi_acl_add
mark "reconfig-port"
echo 5556 >"$PORTF"
# shellcheck disable=SC2320 # the status of the write
st=$?
nap 1
kcount reconfig-port 'ib_srp: (received DREQ|Got target logout)'
rport_state
[ "$st" = 0 ] && [ "$KCOUNT" = 0 ] && [ "$RPORT_STATE" = running ] && srp_back 2
tap $? "(2) rdma_cm_port 5555 -> 5556 leaves the live channels alone (rport $RPORT_STATE, $KCOUNT DREQ/T_LOGOUT)"
login_line
out=$(srpi -d "$TARGET_IP:5556" --iport "$SRPI_ID")
[ "$out" = "$LOGIN_LINE" ]
tap $? "(2) a new login on port 5556 works: $out"
out=$(srpi -d "$TARGET_IP:5555" --iport "$SRPI_ID" -t 10000)
[[ $out != "login rsp"* ]] && [ -n "$out" ]
tap $? "(2) the old port 5555 refuses: $out"
tpg_enable 0 && tpg_enable 1
failed() { kcount reconfig-port 'reconnect attempt [0-9]+ failed'; [ "$KCOUNT" -ge 2 ]; }
wait_until $((20 * TIME_SCALE)) failed
st=$?
rport_state
[ "$st" = 0 ] && [ "$RPORT_STATE" != running ]
tap $? "(2) after a disconnect ib_srp's reconnects to the old port fail ($KCOUNT attempts, rport $RPORT_STATE)"
echo 5555 >"$PORTF"
wait_until $((30 * TIME_SCALE)) srp_back 2
st=$?
worst port-reconnect "$SECS"
tap "$st" "(2) port set back to 5555: ib_srp back in ${SECS}s"

# --- (3) TPG attributes while logged in ----------------------------------------------------
A=$TPG/attrib
read -r sq0 <"$A/srp_sq_size"
read -r rsp0 <"$A/srp_max_rsp_size"
mark "reconfig-attr"
echo 64 >"$A/srp_sq_size" && echo 512 >"$A/srp_max_rsp_size"
# shellcheck disable=SC2320 # the status of the writes
st=$?
nap 1
kcount reconfig-attr 'ib_srp: (received DREQ|Got target logout)'
[ "$st" = 0 ] && [ "$KCOUNT" = 0 ] && srp_back 2
tap $? "(3) srp_sq_size 64 and srp_max_rsp_size 512 set while logged in; live channels untouched"
out=$(srpi --iport "$SRPI_ID")
[ "$out" = "${LOGIN_LINE/max_ti_iu_len=256/max_ti_iu_len=512}" ]
tap $? "(3) a new login gets the new response size: $out"
bounded "$FAST" sg_reset -H "$RD" >&2 2>&1
wait_until $((30 * TIME_SCALE)) srp_back 2
tap $? "(3) ib_srp reconnected onto channels with a 64-entry send queue (${SECS}s)"
nap 5
bad=
for kv in srp_sq_size=3 srp_sq_size=x srp_max_rsp_size=1025 srp_max_rsp_size=0; do
	echo "${kv#*=}" >"$A/${kv%%=*}" 2>/dev/null && bad+=" $kv"
done
[ -z "$bad" ]
tap $? "(3) out-of-range attribute values refused${bad:+ (accepted:$bad)}"
echo "$sq0" >"$A/srp_sq_size" && echo "$rsp0" >"$A/srp_max_rsp_size"
# shellcheck disable=SC2320 # the status of the writes
tap $? "(3) attributes back to $sq0 / $rsp0"
bounded "$FAST" sg_reset -H "$RD" >&2 2>&1
wait_until $((30 * TIME_SCALE)) srp_back 2
tap $? "(3) ib_srp reconnected with the defaults (${SECS}s)"
srpi_acl_del
fio_loop_tap "(1)-(3)"

# --- (4) ACL removal of the live initiator ---------------------------------------------------
mark "reconfig-acl"
timeout -k 5 120 dd if="$RD" of=/dev/null bs=64k count=2048 iflag=direct status=none 2>>"$W/acl.dd" &
ddp=$!
nap 0.5
bounded "$FAST" acl_del "$ACL_DIR"
st=$?
worst acl-rmdir "$SECS"
tap "$st" "(4) ACL of the live initiator removed within ${FAST}s (${SECS}s)"
wait_until $((10 * TIME_SCALE)) rport_disconnected
tap $? "(4) ib_srp disconnected"
rejected() { kcount reconfig-acl 'SRP LOGIN REJECTED, reason 0x00010000'; [ "$KCOUNT" -ge 1 ]; }
wait_until $((20 * TIME_SCALE)) rejected
tap $? "(4) its reconnects are refused with 0x00010000 while the ACL is gone"
kcount reconfig-acl 'ib_srp: Got target logout request'
[ "$KCOUNT" = 2 ]
tap $? "(4) ib_srp got SRP_T_LOGOUT on both channels before the disconnect ($KCOUNT)"
wait_until $((60 * TIME_SCALE)) finished "$ddp"
st=$?
wait "$ddp"
ddst=$?
tap "$st" "(4) the read running during the removal ended (status $ddst: $(head -c 80 "$W/acl.dd" | tr '\n' ' '))"
tpg_enable 0 && acl_add "$ACL_DIR" 0 1 2 && tpg_enable 1
tap $? "(4) ACL made again (TPG disabled meanwhile)"
wait_until $((30 * TIME_SCALE)) srp_back 2
st=$?
worst acl-reconnect "$SECS"
tap "$st" "(4) ib_srp back ${SECS}s after the ACL came back"
pre_check
tap $? "(4) the pattern on LUN 0 is intact"

# --- (5) LUN 1 unmapped and removed under I/O -------------------------------------------------
fio_loop_start "$FIRE_FIO_RD"
nap 2
mark "reconfig-lun"
(
	while timeout -k 5 60 dd if="$FD" of=/dev/null bs=64k count=64 iflag=direct status=none; do :; done
) 2>"$W/lun1.dd" &
rdp=$!
nap 1
unmap1() { rm "$ACL_DIR/lun_1/map" && rmdir "$ACL_DIR/lun_1"; }
bounded "$FAST" unmap1
st=$?
worst lun-unmap "$SECS"
tap "$st" "(5) LUN 1 unmapped from the live ACL within ${FAST}s (${SECS}s)"
wait_until $((30 * TIME_SCALE)) finished "$rdp"
st=$?
tap "$st" "(5) reads of LUN 1 fail (${SECS}s): $(head -c 100 "$W/lun1.dd" | tr '\n' ' ')"
[ "$st" = 0 ] || kill "$rdp" 2>/dev/null
kcount reconfig-lun 'Logical unit not supported'
diag "(5) LUN 1 after the unmap: $KCOUNT 'Logical unit not supported' lines"
rmlun1() {
	local f
	for f in "$TPG/lun/lun_1"/*; do [ -L "$f" ] && rm "$f"; done
	rmdir "$TPG/lun/lun_1"
}
bounded "$FAST" rmlun1
st=$?
worst lun-remove "$SECS"
tap "$st" "(5) LUN 1 removed from the TPG within ${FAST}s (${SECS}s)"
bs1=("$CFS"/core/fileio_*/fd)
mkdir "$TPG/lun/lun_1" && ln -s "${bs1[0]}" "$TPG/lun/lun_1/fd" && acl_add "$ACL_DIR" 1
tap $? "(5) LUN 1 made and mapped again"
# The same sd device serves it again once the unit attentions are taken.
pre1_ok() { pre1_check 2>/dev/null; }
wait_until $((30 * TIME_SCALE)) pre1_ok
tap $? "(5) LUN 1 reads its old data again (${SECS}s)"
fio_loop_tap "(5)"
srp_back 2
tap $? "(5) ib_srp still connected"
pre_check
tap $? "reconfig: the pattern on LUN 0 is intact"

bounded "$BOUND" srp_logout
tap $? "reconfig: logout (${SECS}s)"
check_idle reconfig
worst_report reconfig
dmesg_clean "reconfig" reconfig
finish
}
