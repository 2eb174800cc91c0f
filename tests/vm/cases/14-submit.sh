#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Case 14: how LIO submits our commands.  ib_srpt calls target_submit() from
# its receive completion; LIO may run the command right there (direct
# submission) or queue it to its per-device submission workqueue
# (target_queued_submit_work).  ib_srpt declares direct submission where LIO
# offers the choice (6.8+: default_submit_type, direct_submit_supp), and on
# older kernels target_submit() is always direct.  Shown on the running
# kernel:
#   - 6.8+: the fabric's declaration in configfs (<port>/param/
#     default_submit_type = 1, direct_submit_supported = 1);
#   - fio with crc32c verify on both LUNs, traced (workqueue_execute_start,
#     target_sequencer_start): LIO saw the commands, workqueue items ran, and
#     none of them was target_queued_submit_work;
#   - 6.8+ control: with the ramdisk's attrib/submit_type = 2 (queue) the
#     same trace does show target_queued_submit_work, so the check above can
#     fail; then submit_type 0 (the fabric's default) again.
{
# shellcheck source=../lib.sh
. "$VMDIR/lib.sh"

TR=/sys/kernel/tracing
[ -d "$TR/events" ] || mount -t tracefs tracefs "$TR" 2>/dev/null
if [ ! -e "$TR/events/workqueue/workqueue_execute_start/enable" ] ||
	[ ! -e "$TR/events/target/target_sequencer_start/enable" ]; then
	not_ok "submit: tracefs events workqueue_execute_start / target_sequencer_start missing"
	finish
fi

need_login 2 || { not_ok "submit: login"; finish; }
read -r kernel </proc/sys/kernel/osrelease
kmaj=${kernel%%.*} kmin=${kernel#*.}
kmin=${kmin%%.*}
new=0
[ "$kmaj" -gt 6 ] || { [ "$kmaj" = 6 ] && [ "$kmin" -ge 8 ]; } && new=1

# 6.8+: the fabric's declaration.
if [ "$new" = 1 ]; then
	dst='' dss=''
	read -r dst 2>/dev/null <"$PORT_DIR/param/default_submit_type"
	read -r dss 2>/dev/null <"$PORT_DIR/param/direct_submit_supported"
	[ "$dst" = 1 ] && [ "$dss" = 1 ]
	tap $? "submit: $kernel: port param default_submit_type=$dst (1 = direct), direct_submit_supported=$dss"
else
	diag "submit: $kernel predates LIO's submission types (6.8): target_submit() is direct"
fi

# traced_io TAG: fio verify on both LUNs with the events on; sets NCMD
# (target_sequencer_start), NWQ (workqueue items run), NQ (of which
# target_queued_submit_work).
traced_io() {
	local st
	echo 0 >"$TR/tracing_on"
	echo 8192 >"$TR/buffer_size_kb"
	echo >"$TR/trace"
	echo 1 >"$TR/events/workqueue/workqueue_execute_start/enable"
	echo 1 >"$TR/events/target/target_sequencer_start/enable"
	echo 1 >"$TR/tracing_on"
	timeout -k 10 300 fio --eta=never --ioengine=libaio --direct=1 --verify=crc32c \
		--verify_fatal=1 --rw=randwrite --bs=4k --iodepth=16 --size=4M \
		--name=rd --filename="${DISK[0]}" --name=fd --filename="${DISK[1]}" \
		>"$W/submit-$1.out" 2>&1
	st=$?
	echo 0 >"$TR/tracing_on"
	echo 0 >"$TR/events/workqueue/workqueue_execute_start/enable"
	echo 0 >"$TR/events/target/target_sequencer_start/enable"
	cat "$W/submit-$1.out" >&2
	cp "$TR/trace" "$W/submit-$1.trace"
	NCMD=$(grep -c 'target_sequencer_start:' "$W/submit-$1.trace")
	NWQ=$(grep -c 'workqueue_execute_start:' "$W/submit-$1.trace")
	NQ=$(grep -c 'function target_queued_submit_work' "$W/submit-$1.trace")
	log "submit $1: fio exit $st, $NCMD commands, $NWQ work items, $NQ queued submissions"
	grep -o 'function [a-z_0-9]*' "$W/submit-$1.trace" | sort | uniq -c >&2
	[ "$st" = 0 ] && grep -q 'lost' "$W/submit-$1.trace" && log "submit $1: trace lost events"
	return "$st"
}

mark submit
traced_io direct
st=$?
[ "$st" = 0 ] && [ "$NCMD" -ge 2048 ] && [ "$NWQ" -gt 0 ] && [ "$NQ" = 0 ]
tap $? "submit: $kernel: $NCMD commands traced, $NWQ workqueue items, $NQ of them LIO's queued submission (want 0)"

if [ "$new" = 1 ]; then
	att=("$CFS"/core/rd_mcp_*/rd/attrib/submit_type)
	if [ -w "${att[0]}" ] && echo 2 >"${att[0]}"; then
		traced_io queued
		st=$?
		echo 0 >"${att[0]}"
		[ "$st" = 0 ] && [ "$NQ" -gt 0 ]
		tap $? "submit: control: with the ramdisk's submit_type=2 the trace shows $NQ queued submissions (want > 0)"
		[ "$(<"${att[0]}")" = 0 ]
		tap $? "submit: the ramdisk's submit_type is 0 (fabric default) again"
	else
		not_ok "submit: control: cannot set ${att[0]} to 2 (queue)"
	fi
fi
echo 1408 >"$TR/buffer_size_kb"
echo >"$TR/trace"
# Leave nobody logged in, as the cases before did (case 20 starts idle).
srp_logout_all
wait_until "$BOUND" no_session
dmesg_clean "submission" submit
finish
}
