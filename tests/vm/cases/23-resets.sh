#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Case 23: resets and aborts under fire (issue #4).
#  (a) While fio verify runs on both LUNs, one reset a second for RESETS
#      seconds, in turn: sg_reset -d (LUN RESET: SRP_TSK_MGMT) on LUN 0 and
#      on LUN 1, sg_reset -b (no bus reset in ib_srp: escalates to a host
#      reset) and sg_reset -H (host reset: ib_srp disconnects and logs in
#      again).  Every sg_reset returns 0 within FAST s, fio never fails,
#      ib_srp is connected at the end, the pattern written before is intact.
#  (b) Targeted task management from srpi, each answered exactly:
#      ABORT TASK of a WRITE waiting for its RDMA READ (32 MiB), of a READ
#      and of a WRITE executing in LIO (the slow LUN, 2 s per request), of
#      a READ whose 32 MiB are being sent (the abort finds the task
#      complete, or aborts it: both are valid, never a hang or a second
#      answer), and LUN RESET with four commands executing on the slow LUN
#      (all aborted without answer, their credits returned with the TMF
#      response, the next command sees the reset's unit attention).
#      Credits are back at 128 afterwards and the live objects idle.
# make check: 30 resets; tests/stress.sh: one per cycle (300).
{
# shellcheck source=../fire-lib.sh
. "$VMDIR/fire-lib.sh"

stress_cycles 30
RESETS=$CYCLES

# shellcheck disable=SC2034 # filled and read through namerefs
declare -A S0=() S1=()
srp_logout_all
ensure_target || { not_ok "resets: target setup"; finish; }
slab_snap S0
mark resets
fire_login 2 || { not_ok "resets: ib_srp login"; finish; }
pre_write
tap $? "resets: pattern of ${PRE_MB} MiB written before the resets"

# --- (a) sg_reset every second under fio ----------------------------------------
fio_loop_start "$FIRE_FIO"
nap 2
declare -A NRESET=()
n=0 fail=
for ((i = 0; i < RESETS; i++)); do
	case $((i % 4)) in
	0) what=lun0 args=(-d "$RD") ;;
	1) what=lun1 args=(-d "$FD") ;;
	2) what=bus args=(-b "$RD") ;;
	3) what=host args=(-H "$FD") ;;
	esac
	t1=0
	stamp t1
	bounded "$FAST" sg_reset "${args[@]}" >&2 2>&1
	st=$?
	worst "$what" "$SECS"
	if [ "$st" != 0 ]; then
		fail="reset $i (sg_reset ${args[*]}) status $st after ${SECS}s"
		break
	fi
	n=$((n + 1))
	NRESET[$what]=$((${NRESET[$what]:-0} + 1))
	# one a second
	d=$((${EPOCHREALTIME/./} - t1))
	if [ "$d" -lt 1000000 ]; then
		printf -v d '0.%06d' $((1000000 - d))
		nap "$d"
	fi
done
[ -z "$fail" ]
tap $? "resets: $n/$RESETS sg_reset calls answered within ${FAST}s each${fail:+ ($fail)}"
worst_report resets
diag "resets: lun0=${NRESET[lun0]:-0} lun1=${NRESET[lun1]:-0} bus=${NRESET[bus]:-0} host=${NRESET[host]:-0}"
wait_until $((30 * TIME_SCALE)) srp_back 2
tap $? "resets: ib_srp connected with 2 channels afterwards"
fio_loop_tap resets
kcount resets 'SRP reset_device called'
k1=$KCOUNT
kcount resets 'ib_srp: reconnect succeeded'
diag "resets: ib_srp logged $k1 device resets and $KCOUNT reconnects"
pre_check
tap $? "resets: the pattern written before the resets is intact"
bounded "$BOUND" srp_logout
tap $? "resets: logout (${SECS}s)"
check_idle resets

# --- (b) targeted task management from srpi ------------------------------------------
if ! srpi_ok; then
	not_ok "resets: $SRPI is not built or stale (make -C tools)"
	finish
fi
slow_lun_add "$ACL_DIR"
tap $? "resets: slow LUN $SLOW_LUN (${SLOW_MS} ms per request) added"
# Mapping LUN 3 left a unit attention (REPORTED LUNS DATA HAS CHANGED) for
# this ACL; take it (and any other) before the exact answers below.
srpi 'cmd cdb=tur lun=0' await 'cmd cdb=tur lun=0' await 'cmd cdb=tur lun=1' await \
	'cmd cdb=tur lun=1' await 'cmd cdb=tur lun=3' await 'cmd cdb=tur lun=3' await >&2
login_line
# tm KEY NAME EXPECTED ARGS...: run srpi with ARGS; its output must equal
# one of the "|"-separated alternatives of EXPECTED (lines joined with
# " ; "); KEY names its time in the worst-times line.
tm() {
	local key=$1 name=$2 exp=$3 out alt hit='' t0
	shift 3
	mark "tm $key"
	stamp t0
	out=$(srpi "$@")
	since "$t0"
	worst "$key" "$SECS"
	log "=== $name: srpi $*"$'\n'"$out"
	oneline "$out"
	while [ -n "$exp" ]; do
		alt=${exp%%|*}
		[ "$ONELINE" = "$alt" ] && hit=1
		[ "$exp" = "$alt" ] && break
		exp=${exp#*|}
	done
	[ -n "$hit" ]
	tap $? "resets: $name (${SECS}s): ${ONELINE//"$LOGIN_LINE"/LOGIN}"
	check_idle "resets: $name"
}
good_line 3
G3=$GOOD_LINE
tmf_line 2 0x00 2
T2ABORTED=$TMF_LINE
tmf_line 2 0x00 1
T2DONE=$TMF_LINE

tm abort-rdma-read "abort WRITE waiting for RDMA READ" \
	"$LOGIN_LINE ; $T2ABORTED ; $G3 ; timeout ; credits 128" \
	--data-size 33M 'cmd cdb=write16:0:65536 tag=1' 'tmf fn=abort task=1 tag=2' \
	'await t=60000' 'cmd cdb=tur tag=3' await 'await t=500' credits
tm abort-read-lio "abort READ executing in LIO" \
	"$LOGIN_LINE ; $T2ABORTED ; $G3 ; timeout ; credits 128" \
	'cmd cdb=read10:0:8 lun=3 tag=1' 'sleep 300' 'tmf fn=abort task=1 lun=3 tag=2' \
	'await t=10000' 'cmd cdb=tur lun=3 tag=3' await 'await t=500' credits
tm abort-write-lio "abort WRITE executing in LIO" \
	"$LOGIN_LINE ; $T2ABORTED ; $G3 ; timeout ; credits 128" \
	'cmd cdb=write10:0:8 lun=3 tag=1' 'sleep 300' 'tmf fn=abort task=1 lun=3 tag=2' \
	'await t=10000' 'cmd cdb=tur lun=3 tag=3' await 'await t=500' credits
good_line 1
tm abort-read-data "abort READ while its data is sent" \
	"$LOGIN_LINE ; $GOOD_LINE ; $T2DONE ; timeout ; $G3 ; credits 128|$LOGIN_LINE ; $T2DONE ; $GOOD_LINE ; timeout ; $G3 ; credits 128|$LOGIN_LINE ; $T2ABORTED ; timeout ; timeout ; $G3 ; credits 128" \
	--data-size 33M 'cmd cdb=read16:0:65536 tag=1' 'sleep 50' 'tmf fn=abort task=1 tag=2' \
	'await t=30000' 'await t=5000' 'await t=1000' 'cmd cdb=tur tag=3' await credits
case $ONELINE in
*"$T2ABORTED"*) diag "resets: the READ was aborted before its data went out" ;;
*) diag "resets: the READ was already complete (sending data): ABORT TASK found no task" ;;
esac
tmf_line 10 0x00 5
tm lun-reset-lio "LUN RESET with 4 commands executing in LIO" \
	"$LOGIN_LINE ; $TMF_LINE ; rsp tag=11 status=0x02 flags=0x02 req_lim_delta=1 sense=6/29/03 resp_code=- di_resid=0 do_resid=0 ; rsp tag=12 status=0x00 flags=0x00 req_lim_delta=1 sense=- resp_code=- di_resid=0 do_resid=0 ; timeout ; credits 128" \
	'cmd cdb=read10:0:8 lun=3 tag=1 rep=4' 'sleep 300' 'tmf fn=lun_reset lun=3 tag=10' \
	'await t=20000' 'cmd cdb=tur lun=3 tag=11' await 'cmd cdb=tur lun=3 tag=12' await \
	'await t=500' credits
worst_report "resets (task management)"
slow_lun_del
tap $? "resets: slow LUN removed"
check_idle resets
slab_snap S1
slab_check resets S0 S1
dmesg_clean "resets" resets
finish
}
