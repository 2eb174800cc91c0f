#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Case 21: multichannel (issue #4).  For ib_srp logins with ch_count 1, 2
# and 4:
#   - the target has exactly N channels and N LIO sessions in one I_T
#     nexus (debugfs objects), ib_srp reports ch_count N, I/O works;
#   - with rxe0 offering two or more completion vectors, the target's
#     channels are spread over them (the CQ pool's CQs in use, from
#     "rdma res show cq", by vector);
#   - a MULTI login of srpi with ib_srp's own initiator port ID is answered
#     MAINTAINED (rsp_flags 0x02) and leaves ib_srp's N channels alone (no
#     SRP_T_LOGOUT, no reconnect, N+1 channels while srpi is logged in);
#   - a SINGLE login of srpi with that port ID is answered TERMINATED
#     (0x01): the target sends SRP_T_LOGOUT to each of ib_srp's N channels
#     (ib_srp logs "Got target logout request" N times) and closes them;
#     when ib_srp reconnects (its own SINGLE login) srpi in turn receives
#     SRP_T_LOGOUT with reason 0x4 (multi-channel action) and is
#     disconnected; ib_srp ends up with N channels again.
# Times: login, teardown of the N old channels, logout (worst as "# ").
{
# shellcheck source=../fire-lib.sh
. "$VMDIR/fire-lib.sh"

srpi_ok || { not_ok "multichannel: $SRPI is not built or stale (make -C tools)"; finish; }

nv=$(ibv_devinfo -v -d "$IBDEV" 2>/dev/null | awk '/num_comp_vectors/ { print $2 }')
ncpu=$(nproc)
NV=$((nv < ncpu ? nv : ncpu))	# vectors the CQ pool uses (ib_cq_pool_get)
diag "multichannel: $IBDEV has ${nv:-?} completion vectors, $ncpu CPUs: the CQ pool uses $NV"

# cq_spread N: the CQ pool's CQs (comm [ib_core], at least 4096 entries)
# come in batches of NV consecutive CQNs, one per completion vector; count
# the CQs in use per vector.  SPREAD = "v0=a v1=b ...".  Succeeds if the
# target's N channels are balanced over the vectors (counts differ by at
# most one) and there are N of them in use.
cq_spread() {
	local n=$1 i=0 used=0 min=999 max=0 v line
	local -a per=()
	SPREAD=
	while read -r line; do
		[[ $line =~ cqn\ ([0-9]+)\ cqe\ ([0-9]+)\ users\ ([0-9]+).*comm\ \[ib_core\] ]] || continue
		[ "${BASH_REMATCH[2]}" -ge 4096 ] || continue
		v=$((i % NV))
		i=$((i + 1))
		[ "${BASH_REMATCH[3]}" -gt 0 ] || continue
		per[v]=$((${per[v]:-0} + 1))
		used=$((used + 1))
	done < <(rdma res show cq dev "$IBDEV" 2>/dev/null | sort -n -k4)
	for ((v = 0; v < NV; v++)); do
		SPREAD+="v$v=${per[v]:-0} "
		[ "${per[v]:-0}" -lt "$min" ] && min=${per[v]:-0}
		[ "${per[v]:-0}" -gt "$max" ] && max=${per[v]:-0}
	done
	SPREAD+="(pool CQs $i, in use $used)"
	[ "$used" = "$n" ] && [ $((max - min)) -le 1 ]
}

login_line 0x01
L_TERM=$LOGIN_LINE
login_line 0x02
L_MAINT=$LOGIN_LINE
good_line 1

for n in 1 2 4; do
	mark "mc-$n"
	if ! fire_login "$n"; then
		not_ok "ch_count=$n: ib_srp login"
		continue
	fi
	worst login "$SECS"
	hc=$(<"/sys/class/scsi_host/host$SRP_HOST/ch_count")
	if have_objects; then
		objects o
		obj channels; c=$OBJN
		obj sessions; s=$OBJN
		obj nexuses; x=$OBJN
		[ "$hc" = "$n" ] && [ "$c" = "$n" ] && [ "$s" = "$n" ] && [ "$x" = 1 ]
		tap $? "ch_count=$n: ib_srp ch_count $hc, target: $c channels, $s sessions, $x nexus"
	else
		[ "$hc" = "$n" ]
		tap $? "ch_count=$n: ib_srp ch_count $hc"
	fi
	dd if="$RD" of=/dev/null bs=64k count=64 iflag=direct status=none &&
		dd if="$FD" of=/dev/null bs=64k count=64 iflag=direct status=none
	tap $? "ch_count=$n: I/O to both LUNs"

	if [ "$n" -ge 2 ]; then
		if [ "$NV" -ge 2 ] && [ "$MODE" != intree ]; then
			cq_spread "$n"
			tap $? "ch_count=$n: the target's channels are spread over $NV completion vectors: $SPREAD"
		else
			diag "ch_count=$n: spread over completion vectors not asserted ($NV usable vector(s), mode $MODE)"
		fi
	fi

	# MULTI login of the same initiator port: ib_srp's channels stay.
	mark "mc-$n-multi"
	srpi --multichan 1 'cmd cdb=tur tag=1' await 'sleep 2000' >"$W/multi.out" &
	sp=$!
	c=-1
	if have_objects; then
		wait_until $((10 * TIME_SCALE)) channels_are $((n + 1))
		obj channels; c=$OBJN
	fi
	wait_until $((30 * TIME_SCALE)) finished "$sp"
	wait "$sp"
	out=$(<"$W/multi.out")
	oneline "$out"
	[ "$out" = "$L_MAINT"$'\n'"$GOOD_LINE" ]
	tap $? "ch_count=$n: MULTI login with ib_srp's port ID is MAINTAINED: $ONELINE"
	if have_objects; then
		[ "$c" = $((n + 1)) ]
		tap $? "ch_count=$n: $c channels while srpi is logged in (ib_srp's $n + 1)"
	fi
	nap 0.5
	kcount "mc-$n-multi" 'ib_srp: (Got target logout request|received DREQ|reconnect)'
	k=$KCOUNT
	rport_state
	[ "$k" = 0 ] && [ "$RPORT_STATE" = running ] && wait_until $((10 * TIME_SCALE)) srp_back "$n"
	tap $? "ch_count=$n: ib_srp's channels untouched by the MULTI login (rport $RPORT_STATE, $k T_LOGOUT/DREQ/reconnect lines)"

	# SINGLE login of the same initiator port: ib_srp's channels go.
	rport_tmo 3 60 120
	mark "mc-$n-single"
	srpi 'await t=30000' 'await t=5000' >"$W/single.out" &
	sp=$!
	stamp t0
	gone_old() { rport_disconnected && { ! have_objects || channels_are 1; }; }
	wait_until $((15 * TIME_SCALE)) gone_old
	st=$?
	since "$t0"
	t=$SECS
	worst single-teardown "$t"
	obj channels
	tap "$st" "ch_count=$n: SINGLE login terminated ib_srp's $n channel(s) within ${SECS}s (channels now $OBJN, rport $(<"$SRP_RPORT/state"))"
	diag "ch_count=$n: SINGLE login to old channels released: ${t}s"
	wait_until $((40 * TIME_SCALE)) finished "$sp"
	wait "$sp"
	out=$(<"$W/single.out")
	oneline "$out"
	mapfile -t ln <<<"$out"
	[ "${#ln[@]}" = 3 ] && [ "${ln[0]}" = "$L_TERM" ] &&
		[[ ${ln[1]} =~ ^t_logout\ tag=[0-9]+\ reason=0x00000004$ ]] && [ "${ln[2]}" = disconnected ]
	tap $? "ch_count=$n: SINGLE login TERMINATED, then ib_srp's reconnect ends it with SRP_T_LOGOUT reason 0x4: $ONELINE"
	kcount "mc-$n-single" 'ib_srp: Got target logout request'
	[ "$KCOUNT" = "$n" ]
	tap $? "ch_count=$n: ib_srp received SRP_T_LOGOUT on each of its $n channels ('Got target logout request' x$KCOUNT)"
	wait_until $((30 * TIME_SCALE)) srp_back "$n"
	st=$?
	obj channels
	tap "$st" "ch_count=$n: ib_srp reconnected with $n channels (target: $OBJN) in ${SECS}s"
	dd if="$RD" of=/dev/null bs=64k count=64 iflag=direct status=none
	tap $? "ch_count=$n: I/O after the reconnect"

	bounded "$BOUND" srp_logout
	st=$?
	worst logout "$SECS"
	tap "$st" "ch_count=$n: logout (${SECS}s)"
	check_idle "ch_count=$n"
done

worst_report multichannel
dmesg_clean "multichannel" mc-1
finish
}
