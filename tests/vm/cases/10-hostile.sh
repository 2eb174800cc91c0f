#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Case 10: a hostile initiator.  Every row of hostile/cases.tbl runs
# tools/srpi (a userspace SRP initiator built on the host) once against the
# target and must print exactly the expected answer; after every row the
# module's live objects (debugfs ib_srpt/objects) must be back to the
# baseline within BOUND seconds: no channel, session, nexus, command, rw
# context or immediate-data buffer may outlive the connection.  One TAP line
# per row: "ok - hostile: <name>: <answer>".  Afterwards a normal ib_srp
# login and a short fio verify must still work, and the kernel log must be
# clean.  Table syntax: hostile/README.md.
{
# shellcheck source=../lib.sh
. "$VMDIR/lib.sh"

SRPI=$TOP/tools/srpi
TBL=$VMDIR/hostile/cases.tbl
OBJ=/sys/kernel/debug/ib_srpt/objects
ROW_TIMEOUT=$((90 * TIME_SCALE))	# one srpi run, seconds
TEARDOWN=$((20 * TIME_SCALE))		# objects back to the baseline, seconds

if [ ! -x "$SRPI" ]; then
	not_ok "hostile: $SRPI is not built: run 'make -C tools' on the host (make vmtest does)"
	finish
fi
if [ "$SRPI" -ot "$TOP/tools/srpi.c" ]; then
	not_ok "hostile: $SRPI is older than srpi.c: run 'make -C tools' on the host"
	finish
fi
[ -r "$OBJ" ] || mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
if [ ! -r "$OBJ" ]; then
	not_ok "hostile: $OBJ is missing (debugfs or the module's object accounting)"
	finish
fi

# The table's logins use the same initiator port ID as ib_srp (the GID):
# a SINGLE login would end any ib_srp channel of that nexus.
srp_logout_all
ensure_target || { not_ok "hostile: target setup"; finish; }

# --- object accounting ---------------------------------------------------------
# objects VAR: the object counts as "name=count ..." in VAR.
objects() {
	local n c s=
	while read -r n c; do s+="$n=$c "; done <"$OBJ"
	printf -v "$1" '%s' "${s% }"
}
# The channels of an initiator that just logged out may still be in their
# release work: the baseline is the idle state, reached within TEARDOWN.
idle() {
	local kv
	objects BASE
	for kv in $BASE; do
		case $kv in devices=*) ;; *=0) ;; *) return 1 ;; esac
	done
}
wait_until "$TEARDOWN" idle
objects BASE
log "baseline objects: $BASE"
base_ok=1
for kv in $BASE; do
	case $kv in devices=*) ;; *=0) ;; *) base_ok=0 ;; esac
done
if [ "$base_ok" != 1 ]; then
	# An earlier case leaked; the rows still compare with this baseline.
	not_ok "hostile: baseline has live objects with no initiator logged in: $BASE"
fi
at_baseline() { objects NOW; [ "$NOW" = "$BASE" ]; }

# --- table -----------------------------------------------------------------------
read -r MAXREQ </sys/module/ib_srpt/parameters/srp_max_req_size
LOGIN="login rsp max_it_iu_len=$MAXREQ max_ti_iu_len=256 req_lim_delta=128 buf_fmt=0x6 rsp_flags=0x00"

# expand TEXT: the table's placeholders (hostile/README.md) in EXP.
expand() {
	local s=$1 m
	s=${s//\{MAXREQ\}/$MAXREQ}
	s=${s//\{MAXREQ+1\}/$((MAXREQ + 1))}
	s=${s//\{SGUID\}/$SGUID}
	s=${s//\{LOGIN_IMM\}/${LOGIN% rsp_flags=*} rsp_flags=0x80}
	s=${s//\{LOGIN\}/$LOGIN}
	while [[ $s =~ \{GOOD\ ([0-9]+)\} ]]; do
		m="rsp tag=${BASH_REMATCH[1]} status=0x00 flags=0x00 req_lim_delta=1 sense=- resp_code=- di_resid=0 do_resid=0"
		s=${s/"${BASH_REMATCH[0]}"/$m}
	done
	while [[ $s =~ \{INVALID\ ([0-9]+)\} ]]; do
		m="rsp tag=${BASH_REMATCH[1]} status=0x02 flags=0x02 req_lim_delta=1 sense=5/0e/03 resp_code=- di_resid=0 do_resid=0"
		s=${s/"${BASH_REMATCH[0]}"/$m}
	done
	while [[ $s =~ \{TMF\ ([0-9]+)\ (0x[0-9a-f]+)\} ]]; do
		m="rsp tag=${BASH_REMATCH[1]} status=0x00 flags=0x01 req_lim_delta=1 sense=- resp_code=${BASH_REMATCH[2]} di_resid=0 do_resid=0"
		s=${s/"${BASH_REMATCH[0]}"/$m}
	done
	while [[ $s =~ \{REJ\ (0x[0-9a-f]+)\} ]]; do
		m="login rej reason=${BASH_REMATCH[1]} cm_status=28"
		s=${s/"${BASH_REMATCH[0]}"/$m}
	done
	EXP=$s
}

# matches OUTPUT EXPECTED: the output lines against the " ; "-separated
# expected lines, in order ("* " in front: in any order); "~RE" matches the
# whole line against the extended regular expression RE; "? " in front of a
# line: the line may be missing (an outcome that depends on which of two
# events the initiator sees first).
matches() {
	local exp=$2
	if [[ " ; $exp" == *" ; ? "* ]]; then
		local with=${exp//" ; ? "/" ; "} without=" ; $exp"
		while [[ $without == *" ; ? "* ]]; do
			local pre=${without%%" ; ? "*} post=${without#*" ; ? "}
			[[ $post == *" ; "* ]] && post=" ; ${post#* ; }" || post=''
			without=$pre$post
		done
		matches_exact "$1" "${with#\? }" || matches_exact "$1" "${without# ; }"
		return
	fi
	matches_exact "$1" "$exp"
}
matches_exact() {
	local out=$1 exp=$2 i re
	local -a o=() e=()
	[ -n "$out" ] && mapfile -t o <<<"$out"
	while [[ $exp == *" ; "* ]]; do
		e+=("${exp%% ; *}")
		exp=${exp#* ; }
	done
	[ -n "$exp" ] && e+=("$exp")
	if [[ ${e[0]:-} == "* "* ]]; then
		e[0]=${e[0]#\* }
		mapfile -t o < <(printf '%s\n' "${o[@]}" | sort)
		mapfile -t e < <(printf '%s\n' "${e[@]}" | sort)
		[ ${#o[@]} = 1 ] && [ -z "${o[0]}" ] && o=()
	fi
	[ ${#o[@]} = ${#e[@]} ] || return 1
	for ((i = 0; i < ${#e[@]}; i++)); do
		if [[ ${e[i]} == "~"* ]]; then
			re="^${e[i]#\~}\$"
			[[ ${o[i]} =~ $re ]] || return 1
		else
			[ "${o[i]}" = "${e[i]}" ] || return 1
		fi
	done
}

# row NAME ARGS EXPECTED: one table row, one TAP line.
row() {
	local name=$1 args=$2 exp=$3 out st answer why='' secs t0
	local attr='' old='' inject='' left=0
	local -a argv
	if [[ $exp == SKIP* ]]; then
		ok "hostile: $name # SKIP ${exp#SKIP }"
		return
	fi
	# "@attr=value ARGS": set TPG attribute attr for this row only.
	if [[ $args =~ ^@([a-z_]+)=([0-9]+)\ *(.*)$ ]]; then
		attr=$TPG/attrib/${BASH_REMATCH[1]}
		args=${BASH_REMATCH[3]}
		read -r old <"$attr"
		echo "${BASH_REMATCH[2]}" >"$attr"
	fi
	# "!inject_sq_full=N ARGS": the next N response posts find the send
	# queue full (debugfs fault injection); all N must have been used.
	if [[ $args =~ ^!(inject_[a-z_]+)=([0-9]+)\ *(.*)$ ]]; then
		inject=/sys/kernel/debug/ib_srpt/${BASH_REMATCH[1]}
		args=${BASH_REMATCH[3]}
		if [ ! -w "$inject" ]; then
			not_ok "hostile: $name: no fault injection knob $inject"
			return
		fi
		echo "${BASH_REMATCH[2]}" >"$inject"
	fi
	expand "$args"
	eval "argv=($EXP)" || { not_ok "hostile: $name: bad arguments in the table"; return; }
	expand "$exp"
	exp=$EXP
	mark "hostile $name"
	log "=== $name: srpi ${argv[*]}"
	stamp t0
	out=$(timeout -k 5 "$ROW_TIMEOUT" "$SRPI" "${SRPI_STEP[@]}" "${argv[@]}" 2>>"$R/10-hostile.srpi.log")
	st=$?
	since "$t0"
	secs=$SECS
	log "$out"
	log "--- exit $st after ${secs}s"
	answer=${out//"$LOGIN"/\{LOGIN\}}
	answer=${answer//$'\n'/ ; }
	case $st in
	0 | 1) matches "$out" "$exp" || why="expected: $exp" ;;
	124 | 137) why="srpi did not finish within ${ROW_TIMEOUT}s" ;;
	*) why="srpi failed with exit status $st" ;;
	esac
	if ! wait_until "$TEARDOWN" at_baseline; then
		why+="${why:+; }objects not back to the baseline after ${TEARDOWN}s: $NOW"
	fi
	log "--- objects back after ${SECS}s"
	[ -n "$attr" ] && echo "$old" >"$attr"
	if [ -n "$inject" ]; then
		read -r left <"$inject"
		echo 0 >"$inject"
		[ "$left" = 0 ] || why+="${why:+; }$left injected faults left unused"
	fi
	if [ -z "$why" ]; then
		ok "hostile: $name: $answer"
	else
		not_ok "hostile: $name: $answer"
		diag "  $why"
	fi
	TIMES+="$name=$secs "
}

mark hostile
stamp T0
TIMES=
n=0
while IFS= read -r line || [ -n "$line" ]; do
	[[ $line =~ ^[[:space:]]*(#|$) ]] && continue
	name=${line%% | *}
	rest=${line#* | }
	args=${rest%% | *}
	exp=${rest#* | }
	if [ "$name" = "$line" ] || [ "$args" = "$rest" ]; then
		not_ok "hostile: malformed table line: $line"
		continue
	fi
	name=${name%"${name##*[![:space:]]}"}
	row "$name" "$args" "$exp"
	n=$((n + 1))
	[ -e /tmp/wedged ] && break
done <"$TBL"
since "$T0"
diag "hostile: $n rows in ${SECS}s"
log "row times: $TIMES"

# --- defects 2 and 8, their windows held open by delays (fault injection) ---------------
INJ=/sys/kernel/debug/ib_srpt
knob_left() { local v; read -r v <"$INJ/$1"; echo "$v"; }
delay_rows() {
	local out st rnr0 rnr1 rnrf=/sys/class/infiniband/$IBDEV/ports/1/hw_counters/send_rnr_err
	local want
	# Defect 2: the last command's reference goes (from LIO's completion
	# work, 300 ms late) while the I_LOGOUT is being handled (finished
	# 1500 ms after the channel went DRAINING).  The release work runs at
	# once; the drain bound must already be armed for its cancel, or it
	# fires 10 s later on the freed channel (the debug kernel's ODEBUG
	# reports the free of an active timer).  So: disconnected, the drain
	# found 0 commands, and 10.5 s later no drain bound has fired.
	mark "hostile drain-race"
	echo 300 >"$INJ/inject_put_delay" && echo 1500 >"$INJ/inject_logout_delay"
	stamp t0
	out=$(timeout -k 5 "$ROW_TIMEOUT" "$SRPI" "${SRPI_STEP[@]}" 'cmd cdb=tur tag=1' await logout 'await t=20000' \
		2>>"$R/10-hostile.srpi.log")
	st=$?
	since "$t0"
	log "=== drain-race: $out (exit $st, ${SECS}s)"
	want="$LOGIN"$'\n'"rsp tag=1 status=0x00 flags=0x00 req_lim_delta=1 sense=- resp_code=- di_resid=0 do_resid=0"$'\n'"disconnected"
	nap 10.5
	[ "$st" = 0 ] && [ "$out" = "$want" ] &&
		[ "$(knob_left inject_put_delay)" = 0 ] && [ "$(knob_left inject_logout_delay)" = 0 ] &&
		kmsg_since "hostile drain-race" | grep -q "initiator logout, draining 0 command(s)" &&
		! kmsg_since "hostile drain-race" | grep -q "still in flight .* after logout" &&
		wait_until "$TEARDOWN" at_baseline
	tap $? "hostile: drain-race (defect 2): LIO's last reference dropped during the I_LOGOUT: disconnected, drained 0 commands, no drain bound fired 10.5 s later, objects back"
	echo 0 >"$INJ/inject_put_delay"; echo 0 >"$INJ/inject_logout_delay"

	# Defect 8: LIO rejects a command at once (LUN 5 is not mapped); its
	# receive completion then sleeps 1000 ms.  The response returned the
	# credit, so the initiator sends a burst of 128 at once: they all must
	# find a posted receive (the rejected IU's buffer posted again before
	# its response), which rxe counts otherwise as an RNR NAK sent.
	read -r rnr0 <"$rnrf" || rnr0=x
	echo 1000 >"$INJ/inject_reject_delay"
	out=$(timeout -k 5 "$ROW_TIMEOUT" "$SRPI" "${SRPI_STEP[@]}" 'cmd cdb=tur lun=5 tag=1' await 'cmd cdb=tur rep=128' \
		'wait 128 t=30000' credits 2>>"$R/10-hostile.srpi.log")
	st=$?
	read -r rnr1 <"$rnrf" || rnr1=y
	log "=== credit-before-receive: $out (exit $st, RNR NAKs sent $rnr0 -> $rnr1)"
	want="$LOGIN"$'\n'"rsp tag=1 status=0x02 flags=0x02 req_lim_delta=1 sense=5/25/00 resp_code=- di_resid=0 do_resid=0"$'\n'"rsps n=128 good=128 check=0 tmf=0 other=0 req_lim_delta=128"$'\n'"credits 128"
	[ "$st" = 0 ] && [ "$out" = "$want" ] && [ "$rnr0" = "$rnr1" ] &&
		[ "$(knob_left inject_reject_delay)" = 0 ] && wait_until "$TEARDOWN" at_baseline
	tap $? "hostile: credit-before-receive (defect 8): 128 IUs sent on the credit of a rejected one while its completion sleeps: all answered, no RNR NAK ($rnr0 -> $rnr1)"
	echo 0 >"$INJ/inject_reject_delay"
}
if [ "$MODE" = intree ]; then
	ok "hostile: drain-race, credit-before-receive # SKIP fault injection is this module's"
else
	delay_rows
fi

# --- afterwards: a normal initiator still works ------------------------------------
if login_ok 2; then
	ok "hostile: ib_srp login after the hostile rows (${SECS}s)"
	export RD=${DISK[0]} FD=${DISK[1]}
	stamp t0
	timeout -k 10 300 fio --eta=never --output-format=terse --terse-version=3 \
		"$VMDIR/hostile/verify.fio" >/tmp/hverify.terse 2>/tmp/hverify.err
	st=$?
	since "$t0"
	cat /tmp/hverify.terse /tmp/hverify.err >&2
	bad=$(awk -F';' 'NF > 50 && $5 != 0 { printf " %s(error %s)", $3, $5 }' /tmp/hverify.terse)
	jobs=$(awk -F';' 'NF > 50 { n++ } END { print n + 0 }' /tmp/hverify.terse)
	[ "$st" = 0 ] && [ -z "$bad" ] && [ "$jobs" -gt 0 ] &&
		! grep -qi 'verify failed\|bad magic\|bad header' /tmp/hverify.err
	tap $? "hostile: fio verify after the hostile rows: $jobs jobs, exit $st${bad:+, failed:$bad} (${SECS}s)"
	bounded "$BOUND" srp_logout
	tap $? "hostile: ib_srp logout"
	wait_until "$TEARDOWN" at_baseline
	tap $? "hostile: objects at the baseline at the end ($NOW)"
else
	not_ok "hostile: ib_srp login after the hostile rows"
fi

# Which row a bad kernel log line followed.
bad=$(kmsg_since hostile | awk -v re="$BAD_RE" '
	/srptvm: mark hostile / { row = $0; sub(/.*mark hostile /, "", row); next }
	$0 ~ re && !seen[row]++ { print "after row " row ": " $0 }' | head -n 20)
[ -z "$bad" ] || sed 's/^/#   /' <<<"$bad"
dmesg_clean "hostile" hostile
finish
}
