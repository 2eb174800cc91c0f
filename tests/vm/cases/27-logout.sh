#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Case 27: logout protocol and bounded teardown waits (issue #4).
#  (a) SRP_I_LOGOUT with commands in flight (two READs executing on the
#      slow LUN, a 32 MiB WRITE): every one of them is answered, an IU sent
#      after the logout is not, then the channel closes; the target logs
#      "initiator logout, draining N command(s)".
#  (b) SRP_I_LOGOUT with a command that outlives the drain bound (a READ
#      of a 12 s slow LUN): the channel still closes after the 10 s bound
#      ("still in flight ... closing"), not later.
#  (c) The target closes a live channel: ACL removed, TPG disabled.  srpi
#      receives SRP_T_LOGOUT (reason 0x0) and then the disconnect.
#  (d) Initiators that stop answering, while ib_srp runs fio verify on its
#      own ACL: srpi B with READs in flight moves its QP to the error
#      state; srpi C never posts a receive (its responses meet RNR retries
#      forever).  Removing B's ACL and C's ACL each ends within FAST s,
#      ib_srp's I/O goes on meanwhile (fio never fails, ib_srp never
#      disconnected); then "echo 0 > enable" with another unanswering srpi
#      ends within FAST s too.
# (rmmod with an unanswering initiator: case 26.)
{
# shellcheck source=../fire-lib.sh
. "$VMDIR/fire-lib.sh"

ID_B=53525049000000000000000000000b02
ID_C=53525049000000000000000000000c03
ACL_B=$TPG/acls/0x$ID_B
ACL_C=$TPG/acls/0x$ID_C

srpi_ok || { not_ok "logout: $SRPI is not built or stale (make -C tools)"; finish; }
srp_logout_all
ensure_target || { not_ok "logout: target setup"; finish; }
# shellcheck disable=SC2034 # filled and read through namerefs
declare -A S0=() S1=()
slab_snap S0
slow_lun_add && srpi_acl_add "$SLOW_LUN"
tap $? "logout: slow LUN and srpi's ACL"
login_line
good_line 3
# take the unit attentions the new mappings left
srpi --iport "$SRPI_ID" 'cmd cdb=tur lun=0' await 'cmd cdb=tur lun=0' await 'cmd cdb=tur lun=3' await 'cmd cdb=tur lun=3' await >&2

# --- (a) I_LOGOUT with commands in flight ------------------------------------------------
mark "logout-a"
stamp t0
out=$(srpi --iport "$SRPI_ID" --data-size 33M "cmd cdb=read10:0:8 lun=$SLOW_LUN tag=1 rep=2" \
	'cmd cdb=write16:0:65536 tag=3' 'sleep 100' logout 'cmd cdb=tur tag=20' \
	'wait 3 t=20000' 'await t=20000')
since "$t0"
worst i-logout "$SECS"
oneline "$out"
[ "$ONELINE" = "$LOGIN_LINE ; rsps n=3 good=3 check=0 tmf=0 other=0 req_lim_delta=3 ; disconnected" ]
tap $? "(a) I_LOGOUT with 3 commands in flight: all answered, the IU after it not, then disconnected (${SECS}s): ${ONELINE//"$LOGIN_LINE"/LOGIN}"
drain=$(kmsg_since logout-a | grep -o 'initiator logout, draining [0-9]* command(s)' | head -n 1)
[ -n "$drain" ] && [ "$drain" != "initiator logout, draining 0 command(s)" ]
tap $? "(a) target log: '${drain:-no drain line}'"
check_idle "(a)"

# --- (b) I_LOGOUT outliving the drain bound ----------------------------------------------------
# ktime MARK RE: KT = the kernel timestamp (s) of the first line matching RE
# after MARK, or empty.
ktime() {
	KT=$(kmsg_since "$1" | grep -E -m 1 "$2" | sed -n 's/^\[ *\([0-9.]*\)\].*/\1/p')
}
slow_lun_del
SLOW_MS=12000 slow_lun_add && acl_add "$SRPI_ACL" "$SLOW_LUN"
st=$?
tap "$st" "(b) slow LUN now 12 s per request"
if [ "$st" = 0 ]; then
	srpi --iport "$SRPI_ID" "cmd cdb=tur lun=$SLOW_LUN" await "cmd cdb=tur lun=$SLOW_LUN" await >&2
	mark "logout-b"
	stamp t0
	out=$(srpi --iport "$SRPI_ID" "cmd cdb=read10:0:8 lun=$SLOW_LUN tag=1" 'sleep 200' logout 'await t=30000')
	since "$t0"
	oneline "$out"
	[ "$ONELINE" = "$LOGIN_LINE ; disconnected" ]
	tap $? "(b) I_LOGOUT with a 12 s command: disconnected without an answer (srpi ${SECS}s): ${ONELINE//"$LOGIN_LINE"/LOGIN}"
	# the release waits for LIO to finish the command (12 s)
	released() { ktime logout-b 'channel released'; [ -n "$KT" ]; }
	wait_until $((30 * TIME_SCALE)) released
	ktime logout-b 'initiator logout, draining'
	k0=$KT
	ktime logout-b 'still in flight [0-9]+ ms after logout; closing'
	k1=$KT
	ktime logout-b 'channel released'
	k2=$KT
	read -r dt rt < <(awk -v a="$k0" -v b="$k1" -v c="$k2" 'BEGIN { printf "%.1f %.1f\n", b - a, c - a }')
	diag "(b) drain bound hit ${dt}s after the logout, channel released after ${rt}s (kernel log)"
	[ -n "$k0" ] && [ -n "$k1" ] && [ -n "$k2" ] && awk -v d="$dt" 'BEGIN { exit !(d >= 9.5 && d <= 11.5) }'
	tap $? "(b) the channel closed at the 10 s drain bound (${dt}s), released when LIO finished the command (${rt}s)"
	check_idle "(b)"
fi
slow_lun_del
slow_lun_add && acl_add "$SRPI_ACL" "$SLOW_LUN"
tap $? "(b) slow LUN back to ${SLOW_MS} ms per request"

# --- (c) SRP_T_LOGOUT when the target closes -----------------------------------------------
# t_logout_case NAME CMD...: srpi logs in idle; CMD closes its channel; srpi
# must print LOGIN ; t_logout reason 0 ; disconnected.
t_logout_case() {
	local name=$1 sp out
	shift
	# The channel of the previous srpi may still be in its release work:
	# counted below, it would let the close run before this login arrived
	# (seen on 6.12 under load: the login met the disabled TPG, 0x00010001).
	if have_objects && ! wait_until $((30 * TIME_SCALE)) channels_are 0; then
		log "$name: a channel of an earlier login is still there after 30 s"
	fi
	srpi --iport "$SRPI_ID" 'await t=30000' 'await t=5000' >"$W/tl.out" &
	sp=$!
	# srpi's login must be live before the close (on a loaded host a
	# login can take longer than 20 s to reach the target).
	if have_objects && ! wait_until $((90 * TIME_SCALE)) channels_are 1; then
		log "$name: srpi's channel did not appear within 90 s"
	fi
	nap 0.5
	bounded "$FAST" "$@"
	worst "$name" "$SECS"
	wait_until $((30 * TIME_SCALE)) finished "$sp"
	wait "$sp"
	out=$(<"$W/tl.out")
	oneline "$out"
	mapfile -t ln <<<"$out"
	[ "${#ln[@]}" = 3 ] && [ "${ln[0]}" = "$LOGIN_LINE" ] &&
		[[ ${ln[1]} =~ ^t_logout\ tag=[0-9]+\ reason=0x00000000$ ]] && [ "${ln[2]}" = disconnected ]
	tap $? "(c) $name: SRP_T_LOGOUT reason 0, then the disconnect: ${ONELINE//"$LOGIN_LINE"/LOGIN}"
	check_idle "(c) $name"
}
mark "logout-c"
t_logout_case "ACL removed" srpi_acl_del
srpi_acl_add "$SLOW_LUN"
srpi --iport "$SRPI_ID" 'cmd cdb=tur lun=0' await 'cmd cdb=tur lun=0' await >&2
t_logout_case "TPG disabled" tpg_enable 0
tpg_enable 1

# --- (d) initiators that stop answering ------------------------------------------------------
fire_login 2 || { not_ok "(d) ib_srp login"; finish; }
acl_add "$ACL_B" 0 1 "$SLOW_LUN" && acl_add "$ACL_C" 0 1
tap $? "(d) ACLs for srpi B and C"
mark "logout-d"
fio_loop_start "$FIRE_FIO"
srpi --iport "$ID_B" --retry 1 "cmd cdb=read10:0:8 lun=$SLOW_LUN tag=1 rep=2" 'cmd cdb=read10:0:8 tag=3 rep=4' \
	'sleep 200' qp-error 'sleep 60000' >"$W/b.out" &
pb=$!
srpi --iport "$ID_C" --post-recv 0 'cmd cdb=read10:0:8 tag=1 rep=8' 'sleep 60000' >"$W/c.out" &
pc=$!
live4() { have_objects || return 0; channels_are 4; }
wait_until $((20 * TIME_SCALE)) live4
obj channels
tap $? "(d) ib_srp's 2 channels, B and C live ($OBJN channels)"
nap 2
bounded "$FAST" acl_del "$ACL_B"
st=$?
worst acl-rmdir-qp-error "$SECS"
tap "$st" "(d) ACL of B (QP in error, commands in flight) removed within ${FAST}s (${SECS}s)"
bounded "$FAST" acl_del "$ACL_C"
st=$?
worst acl-rmdir-no-recv "$SECS"
tap "$st" "(d) ACL of C (no receive posted, responses in RNR) removed within ${FAST}s (${SECS}s)"
nap 2
kcount logout-d 'ib_srp: (received DREQ|Got target logout|reconnect)'
rport_state
[ "$KCOUNT" = 0 ] && [ "$RPORT_STATE" = running ]
tap $? "(d) ib_srp was not disturbed (rport $RPORT_STATE, $KCOUNT disconnect lines)"
fio_loop_tap "(d)"
kill "$pb" "$pc" 2>/dev/null
wait "$pb" "$pc" 2>/dev/null
# TPG disable with an initiator that does not answer
acl_add "$ACL_C" 0 1
srpi --iport "$ID_C" --post-recv 0 'cmd cdb=read10:0:8 tag=1 rep=8' 'sleep 60000' >"$W/c.out" &
pc=$!
live3() { have_objects || return 0; channels_are 3; }
wait_until $((20 * TIME_SCALE)) live3
nap 1
bounded "$FAST" tpg_enable 0
st=$?
worst tpg-disable-no-recv "$SECS"
tap "$st" "(d) TPG disabled with an unanswering initiator within ${FAST}s (${SECS}s)"
kill "$pc" 2>/dev/null
wait "$pc" 2>/dev/null
tpg_enable 1
acl_del "$ACL_C"
wait_until $((30 * TIME_SCALE)) srp_back 2
tap $? "(d) ib_srp back after the TPG is enabled again (${SECS}s)"
bounded "$BOUND" srp_logout
tap $? "(d) logout (${SECS}s)"
srpi_acl_del
slow_lun_del
check_idle logout
slab_snap S1
slab_check logout S0 S1
worst_report logout
dmesg_clean "logout" logout-a
finish
}
