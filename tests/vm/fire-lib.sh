# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# Settings and helpers of the "teardown under fire" cases 20-27 (issue #4),
# sourced by each of them instead of lib.sh (this file sources lib.sh): live
# objects (debugfs ib_srpt/objects), slab snapshots, tools/srpi and its ACL,
# the slow LUN (dm-delay over brd as LUN 3), ib_srp logins with the storms'
# reconnect timeouts, fio verify loops, kernel-log counts, stress cycles.
# CASE is the name of the case that sources it.
# shellcheck disable=SC2034,SC2317 # set and defined here for the cases
# shellcheck source=lib.sh
. "$VMDIR/lib.sh"

CASE=${0##*/}
CASE=${CASE%.sh}
SRPI=$TOP/tools/srpi
OBJ=/sys/kernel/debug/ib_srpt/objects
TEARDOWN=$((20 * TIME_SCALE))	# live objects idle again after a teardown, s
FAST=$((10 * TIME_SCALE))		# "within seconds": one teardown step, s
SRPI_LIMIT=$((90 * TIME_SCALE))	# one srpi run, s
# srpi logs in with this initiator port ID (and its own ACL) whenever it
# must not disturb ib_srp, whose port ID is the GID (lib.sh, INIT_EXT).
SRPI_ID=53525049000000000000000000000a01
SRPI_ACL=$TPG/acls/0x$SRPI_ID
# The slow LUN: dm-delay over a brd ramdisk holds every request for
# SLOW_MS (long enough that an abort sent 0.3 s after the command finds it
# still in the backend on a busy host; any number at a time: no queue depth to block LIO's submission),
# exported through an iblock backstore as LUN 3.  (null_blk with a
# completion time blocks submit_bio once its tags run out, and its
# partition scan alone takes minutes at 12 s per request.)
SLOW_LUN=3
SLOW_MS=2000
SLOW_MB=64
SLOW_BS=$CFS/core/iblock_42/slow
SLOW_DM=srptslow
FIRE_FIO=$VMDIR/fio/stress-verify.fio	# RD and FD, about 48 MiB per run
FIRE_FIO_RD=$VMDIR/fio/stress-rd.fio	# RD only
FIO_RUN_LIMIT=$((300 * TIME_SCALE))	# one fio run, s
PRE_OFF_MB=200				# pattern written before a storm (RD)
PRE_MB=8
# Slab tolerances for "before/after" (idle, after shrinking every cache).
SLAB_TOL_KB=2048			# kmalloc-* caches together
SUNREC_TOL_KB=8192			# SUnreclaim
SLAB_CACHES="se_sess_cache se_cmd_cache t10_pr_reg_cache kmalloc-64 kmalloc-96 kmalloc-128 kmalloc-192 kmalloc-256 kmalloc-512 kmalloc-1k kmalloc-2k kmalloc-4k kmalloc-8k"

[ -r "$OBJ" ] || mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null

# --- output ------------------------------------------------------------------
# tenths SECS: TENTHS = SECS ("12.3", from since) in tenths of a second.
tenths() { TENTHS=$((${1%.*} * 10 + ${1#*.})); }
# worst KEY SECS: remember the largest time per KEY (printed by worst_report).
declare -A WORST=()
worst() {
	local old=${WORST[$1]:-0.0} a b
	tenths "$old"; a=$TENTHS
	tenths "$2"; b=$TENTHS
	[ "$b" -gt "$a" ] && WORST[$1]=$2
	return 0
}
# worst_report PREFIX: one "# " line with every worst time.
worst_report() {
	local k s=
	for k in "${!WORST[@]}"; do s+=" $k=${WORST[$k]}s"; done
	diag "$1 worst times:${s:- none}"
}
# oneline TEXT: the lines of TEXT joined with " ; ".
oneline() { ONELINE=${1//$'\n'/ ; }; }

# --- live objects (debugfs) ----------------------------------------------------
have_objects() { [ "$MODE" != intree ] && [ -r "$OBJ" ]; }
# objects VAR: the counts as "name=count ..." in VAR.
objects() {
	local n c s=
	[ -r "$OBJ" ] || { printf -v "$1" '%s' "(no $OBJ)"; return 1; }
	while read -r n c; do s+="$n=$c "; done <"$OBJ"
	printf -v "$1" '%s' "${s% }"
}
# obj NAME: OBJN = the live count of NAME (-1 if unknown).
obj() {
	local n c
	OBJN=-1
	[ -r "$OBJ" ] || return 1
	while read -r n c; do
		[ "$n" = "$1" ] && { OBJN=$c; return 0; }
	done <"$OBJ"
	return 1
}
# objects_idle: nothing but devices is live (NOW = the counts).
objects_idle() {
	local kv
	objects NOW || return 1
	for kv in $NOW; do
		case $kv in devices=* | *=0) ;; *) return 1 ;; esac
	done
}
channels_are() { obj channels && [ "$OBJN" = "$1" ]; }
# check_idle LABEL: TAP line: the live objects are idle within TEARDOWN s.
check_idle() {
	if ! have_objects; then
		ok "$1: live objects idle # SKIP no object accounting ($MODE)"
		return 0
	fi
	wait_until "$TEARDOWN" objects_idle
	tap $? "$1: live objects back to the idle baseline (${SECS}s): $NOW"
}

# --- slab ------------------------------------------------------------------------
# slab_shrink: give back empty slabs and per-CPU partial slabs of every
# cache, so that active-object counts are exact.
slab_shrink() {
	local f
	for f in /sys/kernel/slab/*/shrink; do echo 1 >"$f" 2>/dev/null; done
}
# slab_snap NAME: shrink, then store the active objects (and object sizes
# as "<cache>.size") of SLAB_CACHES and SUnreclaim (kB) in the associative
# array NAME (declare -A NAME first).
slab_snap() {
	local -n s_=$1
	local name act num size rest k v
	echo 2 >/proc/sys/vm/drop_caches
	slab_shrink
	s_=()
	# shellcheck disable=SC2004,SC2154 # associative array through a nameref
	while read -r name act num size rest; do
		case " $SLAB_CACHES " in
		*" $name "*) s_[$name]=$act s_[$name.size]=$size ;;
		esac
	done </proc/slabinfo
	while read -r k v rest; do
		[ "$k" = SUnreclaim: ] && s_["SUnreclaim"]=$v
	done </proc/meminfo
}
# slab_check LABEL BEFORE AFTER: print both snapshots; TAP lines: no LIO
# session object survived (se_sess_cache), and the kmalloc caches and
# SUnreclaim grew by less than their tolerances.
slab_check() {
	local label=$1 c d kb=0 line='' su
	local -n a_=$2 b_=$3
	for c in $SLAB_CACHES; do
		[ -n "${a_[$c]:-}" ] || continue
		d=$((${b_[$c]:-0} - ${a_[$c]}))
		line+=" $c ${a_[$c]}->${b_[$c]:-0}"
		case $c in kmalloc-*) kb=$((kb + d * ${a_[$c.size]} / 1024)) ;; esac
	done
	# shellcheck disable=SC2004
	su=$((${b_["SUnreclaim"]} - ${a_["SUnreclaim"]}))
	diag "$label slab before/after (active objects):$line"
	diag "$label slab: kmalloc-* ${kb} KiB more, SUnreclaim ${a_["SUnreclaim"]} -> ${b_["SUnreclaim"]} kB (${su} kB)"
	[ "${b_[se_sess_cache]:-0}" -le "${a_[se_sess_cache]:-0}" ]
	tap $? "$label: no LIO session object left (se_sess_cache ${a_[se_sess_cache]:-?} -> ${b_[se_sess_cache]:-?})"
	[ "$kb" -le "$SLAB_TOL_KB" ] && [ "$su" -le "$SUNREC_TOL_KB" ]
	tap $? "$label: kmalloc caches +${kb} KiB (tolerance ${SLAB_TOL_KB}), SUnreclaim +${su} kB (tolerance ${SUNREC_TOL_KB})"
}

# --- srpi ----------------------------------------------------------------------------
# srpi ARGS...: run tools/srpi, bounded; stderr into the case's srpi log.
srpi() { timeout -k 5 "$SRPI_LIMIT" "$SRPI" "${SRPI_STEP[@]}" "$@" 2>>"$R/$CASE.srpi.log"; }
srpi_ok() {
	[ -x "$SRPI" ] && [ ! "$SRPI" -ot "$TOP/tools/srpi.c" ]
}
# login_line [FLAGS]: srpi's line for an accepted default login.
# shellcheck disable=SC2120 # the argument is optional
login_line() {
	local m
	read -r m </sys/module/ib_srpt/parameters/srp_max_req_size
	LOGIN_LINE="login rsp max_it_iu_len=$m max_ti_iu_len=256 req_lim_delta=128 buf_fmt=0x6 rsp_flags=${1:-0x00}"
}
# good_line TAG / tmf_line TAG CODE DELTA: srpi's lines for GOOD and TMF.
good_line() { GOOD_LINE="rsp tag=$1 status=0x00 flags=0x00 req_lim_delta=${2:-1} sense=- resp_code=- di_resid=0 do_resid=0"; }
tmf_line() { TMF_LINE="rsp tag=$1 status=0x00 flags=0x01 req_lim_delta=$3 sense=- resp_code=$2 di_resid=0 do_resid=0"; }

# --- ACLs, LUNs, TPG ------------------------------------------------------------------
# acl_add DIR LUN...: an ACL with the given LUNs mapped (mkdir/ln).
acl_add() {
	local d=$1 l
	shift
	mkdir -p "$d" || return 1
	for l; do
		[ -d "$d/lun_$l" ] && continue
		mkdir "$d/lun_$l" && ln -s "$TPG/lun/lun_$l" "$d/lun_$l/map" || return 1
	done
}
# acl_del DIR: unmap every LUN and remove the ACL, if there is one.
acl_del() { [ ! -d "$1" ] || acl_remove "$1"; }
# shellcheck disable=SC2120 # the arguments are optional
srpi_acl_add() { acl_add "$SRPI_ACL" 0 1 "$@"; }
srpi_acl_del() { acl_del "$SRPI_ACL"; }
tpg_enable() { echo "$1" >"$TPG/enable"; }

# slow_lun_add ACL...: dm-delay (SLOW_MS per request) as LUN 3 of the TPG,
# mapped into the given ACL directories.  SLOW_DEV = its block device.
slow_lun_add() {
	local a name
	if ! dmsetup info "$SLOW_DM" >/dev/null 2>&1; then
		[ -b /dev/ram0 ] || modprobe brd rd_nr=1 rd_size=$((SLOW_MB * 1024)) || return 1
		modprobe dm_delay || return 1
		dmsetup --noudevsync create "$SLOW_DM" \
			--table "0 $((SLOW_MB * 2048)) delay /dev/ram0 0 $SLOW_MS" >&2 || return 1
	fi
	read -r name < <(dmsetup info -c --noheadings -o blkdevname "$SLOW_DM")
	SLOW_DEV=/dev/${name:-none}
	wait_until $((10 * TIME_SCALE)) exists "$SLOW_DEV" || return 1
	if [ ! -d "$SLOW_BS" ]; then
		mkdir -p "$SLOW_BS" &&
			echo "udev_path=$SLOW_DEV" >"$SLOW_BS/control" &&
			echo 1 >"$SLOW_BS/enable" || return 1
	fi
	if [ ! -d "$TPG/lun/lun_$SLOW_LUN" ]; then
		mkdir "$TPG/lun/lun_$SLOW_LUN" &&
			ln -s "$SLOW_BS" "$TPG/lun/lun_$SLOW_LUN/slow" || return 1
	fi
	for a; do acl_add "$a" "$SLOW_LUN" || return 1; done
}
# slow_lun_del: unmap LUN 3 from every ACL, remove it, its backstore and
# the dm-delay device.
slow_lun_del() {
	local m f
	for m in "$TPG"/acls/*/lun_"$SLOW_LUN"; do
		[ -d "$m" ] || continue
		for f in "$m"/*; do [ -L "$f" ] && rm "$f"; done
		rmdir "$m"
	done
	if [ -d "$TPG/lun/lun_$SLOW_LUN" ]; then
		for f in "$TPG/lun/lun_$SLOW_LUN"/*; do [ -L "$f" ] && rm "$f"; done
		rmdir "$TPG/lun/lun_$SLOW_LUN"
	fi
	[ -d "$SLOW_BS" ] && rmdir "$SLOW_BS" && rmdir "${SLOW_BS%/*}"
	dmsetup info "$SLOW_DM" >/dev/null 2>&1 && dmsetup --noudevsync remove "$SLOW_DM" >&2
	! dmsetup info "$SLOW_DM" >/dev/null 2>&1
}

# --- the initiator -----------------------------------------------------------------------
# rport_tmo DELAY FAST LOSS: reconnect_delay, fast_io_fail_tmo and
# dev_loss_tmo of SRP_RPORT (written in an order ib_srp accepts).
rport_tmo() {
	echo "$3" >"$SRP_RPORT/dev_loss_tmo" &&
		echo "$2" >"$SRP_RPORT/fast_io_fail_tmo" &&
		echo "$1" >"$SRP_RPORT/reconnect_delay"
}
rport_running() {
	local st=
	read -r st 2>/dev/null <"$SRP_RPORT/state"
	[ "$st" = running ]
}
rport_state() { RPORT_STATE=gone; read -r RPORT_STATE 2>/dev/null <"$SRP_RPORT/state"; }
# srp_back N: ib_srp is connected again with N channels on the target.
srp_back() {
	rport_running || return 1
	session_live || return 1
	have_objects || return 0
	channels_are "$1"
}
# fire_login N: a fresh ib_srp login with ch_count=N and both disks, and
# the reconnect timeouts the storms need: reconnect after 1 s, fail I/O
# only after 60 s without a connection, keep the devices for 120 s.
fire_login() {
	srp_logout_all
	ensure_target || { log "target setup failed"; return 1; }
	srp_login ch_count="$1" || return 1
	srp_disks 2 || { log "disks did not appear"; return 1; }
	rport_tmo 1 60 120 || { log "rport timeouts not accepted"; return 1; }
	export RD=${DISK[0]} FD=${DISK[1]}
}

# --- data ----------------------------------------------------------------------------------
# pre_write / pre_check: a random pattern at PRE_OFF_MB of LUN 0, written
# before a storm and compared afterwards ("data written before is intact").
pre_write() {
	dd if=/dev/urandom of="$W/pre.pat" bs=1M count="$PRE_MB" status=none &&
		dd if="$W/pre.pat" of="$RD" bs=1M seek="$PRE_OFF_MB" oflag=direct status=none
}
# shellcheck disable=SC2120 # the argument is optional
pre_check() {
	dd if="${1:-$RD}" of="$W/pre.back" bs=1M skip="$PRE_OFF_MB" count="$PRE_MB" iflag=direct status=none &&
		cmp -s "$W/pre.pat" "$W/pre.back"
}
# fio_loop_start [JOBFILE]: run fio with verify again and again in the
# background until fio_loop_stop.
fio_loop_start() {
	local job=${1:-$FIRE_FIO}
	rm -f "$W"/fioloop.*
	(
		n=0
		until [ -e "$W/fioloop.stop" ]; do
			# the disks went away (device removal): stop
			if ! [ -b "$RD" ] || { [ "$job" = "$FIRE_FIO" ] && ! [ -b "$FD" ]; }; then
				echo "$((n + 1)) nodisk" >>"$W/fioloop.runs"
				break
			fi
			n=$((n + 1))
			timeout -k 10 "$FIO_RUN_LIMIT" fio --eta=never --output-format=terse \
				--terse-version=3 "$job" >"$W/fioloop.$n.terse" 2>"$W/fioloop.$n.err"
			echo "$n $?" >>"$W/fioloop.runs"
		done
	) &
	FIO_LOOP=$!
}
# fio_loop_stop: let the current run finish, then summarise every run:
# FIO_RUNS, FIO_BAD (runs that failed: exit status, job error or verify
# error), FIO_MIB, FIO_WHY (the first failure).
fio_loop_stop() {
	local n st t e mib
	: >"$W/fioloop.stop"
	if ! wait_until "$FIO_RUN_LIMIT" finished "$FIO_LOOP"; then
		FIO_RUNS=0 FIO_BAD=1 FIO_MIB=0 FIO_WHY="fio did not finish within ${FIO_RUN_LIMIT}s"
		echo "fio loop (pid $FIO_LOOP)" >"$W/wedged"
		return 1
	fi
	wait "$FIO_LOOP"
	FIO_RUNS=0 FIO_BAD=0 FIO_MIB=0 FIO_WHY=
	while read -r n st; do
		FIO_RUNS=$((FIO_RUNS + 1))
		t=$W/fioloop.$n.terse
		e=$W/fioloop.$n.err
		cat "$t" "$e" >&2
		mib=$(awk -F';' 'NF > 50 { kb += $6 + $47 } END { print int(kb / 1024) }' "$t")
		FIO_MIB=$((FIO_MIB + mib))
		if [ "$st" != 0 ] || awk -F';' 'NF > 50 && $5 != 0 { bad = 1 } END { exit !bad }' "$t" ||
			grep -qi 'verify failed\|bad magic\|bad header\|crc32c' "$e"; then
			FIO_BAD=$((FIO_BAD + 1))
			[ -n "$FIO_WHY" ] || FIO_WHY="run $n: exit $st: $(grep -m 2 -i 'verify\|error\|crc' "$e" | tr '\n' ' ')"
		fi
	done <"$W/fioloop.runs"
	[ "$FIO_BAD" = 0 ] && [ "$FIO_RUNS" -gt 0 ]
}
# fio_loop_tap LABEL: fio_loop_stop and its TAP line.
fio_loop_tap() {
	local t0
	stamp t0
	fio_loop_stop
	tap $? "$1: fio verify=crc32c ran $FIO_RUNS times, $FIO_MIB MiB, failed runs: $FIO_BAD"
	[ -n "$FIO_WHY" ] && diag "  first failure: $FIO_WHY"
	return 0
}

# kcount MARK RE: KCOUNT = kernel log lines matching RE since MARK.
kcount() { KCOUNT=$(kmsg_since "$1" | grep -cE "$2"); }

# stress_cycles DEFAULT: CYCLES = DEFAULT for make check, or STRESS_CYCLES
# from run.conf (tests/stress.sh, make stress: the long variant, STRESS=1).
stress_cycles() {
	local n
	STRESS_CYCLES=
	# shellcheck source=/dev/null
	. "$R/run.conf"
	n=${STRESS_CYCLES:-}
	if [[ $n =~ ^[0-9]+$ ]] && [ "$n" -gt 0 ]; then
		CYCLES=$n STRESS=1
	else
		CYCLES=$1 STRESS=0
	fi
}
