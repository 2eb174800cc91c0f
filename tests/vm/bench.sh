#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# PID 1 of the benchmark guest (host side: tests/bench.sh; started by the
# initramfs /init, tests/vm/init.sh, via switch_root like guest.sh).
#
# Prepares the guest exactly as guest.sh does (tmpfs, configfs, Soft-RoCE on
# a veth pair, sd_mod, ib_srp), makes ONE LIO backstore (rd_mcp with
# rd_nullio=1: no data is stored, the backstore costs next to nothing), then
# alternates the two target modules, in-tree, ours, ours, in-tree, ...
# (BENCH_ROUNDS rounds, ABBA order so that a steady drift cancels).
# A switch: logout, configfs teardown (rmdir),
# rmmod ib_srpt, modprobe (in-tree) or insmod (ours, lib.sh's
# load_target_module with its identity check), configfs set-up (port, TPG,
# LUN, ACL, rdma_cm_port 5555: configfs directly, targetcli costs 10-25 s a
# start here).  With each module it runs:
#   - the fio jobs of tests/bench/fio.tbl through ib_srp (login with the
#     table's ch_count, scheduler "none"),
#   - the srpi loads of tests/bench/srpi.tbl (userspace initiator).
# For every job it samples /proc/stat and the LU's command counter over a
# window inside the job (after the ramp), for the guest CPU time per command.
# After the rounds, a second alternation (in-tree, ours, ...) measures with
# ftrace the target driver's own time per command (tests/bench/ftrace.awk);
# it comes last because tracing under load once soft-locked Soft-RoCE here.
#
# Results (all in the writable results export R):
#   records     one "key=value ..." line per measurement (tests/bench/report.py)
#   progress    human-readable progress (streamed by the host)
#   raw/        fio terse output, srpi output, trace breakdowns
#   guest.txt   the guest's CPU, memory, kernel, clock source
#   guest.log   this script's stdout/stderr; dmesg.txt; rc (written last)
{
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export W=/run/srptvm
export LC_ALL=C HOME=$W/home TERM=dumb

R=
for arg in $(</proc/cmdline); do
	case $arg in srptvm.results=*) R=${arg#*=} ;; esac
done
VMDIR=${0%/*}
# shellcheck source=/dev/null
. "$R/run.conf"
export R VMDIR MODE TOP MODULE MODULE_SRC KVER
exec >>"$R/guest.log" 2>&1 </dev/null
PROG=$R/progress
RAW=$R/raw
mkdir -p "$RAW"

poweroff_now() {
	sync
	busybox poweroff -f
	echo o >/proc/sysrq-trigger
	while :; do read -rt 60 _ </dev/zero; done
}

# --- the guest, as guest.sh prepares it ----------------------------------------------
# shellcheck source=prepare.sh
. "$VMDIR/prepare.sh" srptbench
modprobe target_core_mod
dmesg -n 4		# console: errors and worse (stalls, hung tasks)

# shellcheck source=lib.sh
. "$VMDIR/lib.sh"

SRPI=$TOP/tools/srpi
TR=/sys/kernel/tracing
RD_PAGES=262144			# 1 GiB LU; rd_nullio allocates no pages
RD_DIR=$CFS/core/rd_mcp_0/nullio
NUMCMDS=$RD_DIR/statistics/scsi_lu/num_cmds
T_START=${EPOCHREALTIME/./}
rc=0

progress() {
	local d=$(((${EPOCHREALTIME/./} - T_START) / 1000000))
	printf '[%2d:%02d] %s\n' $((d / 60)) $((d % 60)) "$*" >>"$PROG"
}
record() { echo "$*" >>"$R/records"; }
# fields "k=v ...": F_k=v for every key that is a valid name.
fields() {
	local kv
	for kv in $1; do
		[[ ${kv%%=*} =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] && printf -v "F_${kv%%=*}" %s "${kv#*=}"
	done
}
# cpu_text: CPU_TEXT = "CPU N us/cmd, N%" from the window fields in F_
# (USER_HZ 100, both vCPUs).
# shellcheck disable=SC2154 # F_* are set by fields
cpu_text() {
	if [ "${F_cmds:-0}" -gt 0 ]; then
		CPU_TEXT="CPU $((F_busy_ticks * 10000 / F_cmds)) us/cmd, $((F_busy_ticks * 100 / (F_busy_ticks + F_idle_ticks + 1)))%"
	else
		CPU_TEXT="CPU n/a (${F_win:-no window})"
	fi
}
note() { local m="$*"; record "tool=note msg='${m//\'/}'"; progress "NOTE: $*"; }

setup_ok() {
	local st=''
	read -r st 2>/dev/null <"/sys/class/infiniband/$IBDEV/ports/1/state"
	[ -e "$SRP_ADD" ] && [[ $st == *ACTIVE* ]]
}

# --- the backstore -------------------------------------------------------------------
make_backstore() {
	local info
	mkdir -p "$RD_DIR" || return 1
	echo "rd_pages=$RD_PAGES,rd_nullio=1" >"$RD_DIR/control" || return 1
	echo 1 >"$RD_DIR/enable" || return 1
	info=$(<"$RD_DIR/info")
	log "rd_mcp info: $info"
	info=${info//$'\n'/ }
	record "tool=backstore info='${info//  / }'"
	[[ $info == *"nullio: 1"* ]] || { log "LIO did not take rd_nullio=1"; return 1; }
	[ -r "$NUMCMDS" ] || { log "no $NUMCMDS"; return 1; }
}

# --- target configuration through configfs ---------------------------------------------
configure_target() {
	target_ids
	mkdir -p "$TPG" "$TPG/lun/lun_0" "$ACL_DIR/lun_0" || return 1
	ln -s "$RD_DIR" "$TPG/lun/lun_0/bench" || return 1
	ln -s "$TPG/lun/lun_0" "$ACL_DIR/lun_0/bench" || return 1
	echo 1 >"$TPG/enable" || return 1
	set_rdma_cm_port
}
# teardown_target: log out, remove everything under target/srpt (not the
# backstore).
teardown_target() {
	srp_logout_all
	srpt_tree_remove || { log "configfs teardown failed"; return 1; }
}

# switch_to intree|ours: the other module out, this one in, configured.
switch_to() {
	local t0 st
	stamp t0
	teardown_target || return 1
	if [ -e /sys/module/ib_srpt ]; then
		bounded 60 rmmod ib_srpt || { log "rmmod ib_srpt failed or hung"; return 1; }
	fi
	MODE=$1
	load_target_module "[$1] " >"$W/ident"
	st=$?
	cat "$W/ident"
	progress "$PH$ROUND $(<"$W/ident")"
	[ "$st" = 0 ] || return 1
	configure_target || { log "configfs set-up failed"; return 1; }
	since "$t0"
	progress "$PH$ROUND switched to $1 ib_srpt in ${SECS}s"
}

# bench_login CH_COUNT: ib_srp login with ch_count; DEV, CHN (channels).
bench_login() {
	local b
	srp_login "ch_count=$1" || return 1
	srp_disks 1 || return 1
	DEV=${DISK[0]}
	b=${DEV#/dev/}
	echo none >"/sys/block/$b/queue/scheduler"
	CHN='?'
	[ -r "/sys/class/scsi_host/host$SRP_HOST/ch_count" ] &&
		read -r CHN <"/sys/class/scsi_host/host$SRP_HOST/ch_count"
	read -r MAXKB <"/sys/block/$b/queue/max_sectors_kb"
	log "login ch_count=$1: $DEV, $CHN channels, max_sectors_kb $MAXKB"
}

# --- CPU and command counts over a window inside a job ------------------------------------
# sample P: P_T (us), P_BUSY and P_IDLE (USER_HZ ticks, all CPUs), P_CMDS.
sample() {
	local u n s i w q sq st c
	read -r _ u n s i w q sq st _ </proc/stat
	read -r c <"$NUMCMDS"
	printf -v "$1_T" %s "${EPOCHREALTIME/./}"
	printf -v "$1_BUSY" %s $((u + n + s + q + sq + st))
	printf -v "$1_IDLE" %s $((i + w))
	printf -v "$1_CMDS" %s "$c"
}
# window PID LEAD LEN: wait until the load's commands reach the LU, LEAD
# seconds more, then sample over LEN seconds.  WIN = record fields.
window() {
	local pid=$1 lead=$2 len=$3 c0 c t0
	WIN="win=none"
	read -r c0 <"$NUMCMDS"
	stamp t0
	while :; do
		read -r c <"$NUMCMDS"
		[ $((c - c0)) -ge 4 ] && break
		finished "$pid" && return 1
		[ $((${EPOCHREALTIME/./} - t0)) -ge 60000000 ] && return 1
		nap 0.1
	done
	nap "$lead"
	sample A
	nap "$len"
	sample B
	if finished "$pid"; then
		WIN="win=late"		# the load ended inside the window
		return 1
	fi
	WIN="win_ms=$(((B_T - A_T) / 1000)) busy_ticks=$((B_BUSY - A_BUSY)) idle_ticks=$((B_IDLE - A_IDLE)) cmds=$((B_CMDS - A_CMDS))"
}

# --- fio through ib_srp -----------------------------------------------------------------
LEAD=$BENCH_RAMP.5			# window starts 0.5 s after the ramp
LEN=$((BENCH_RUNTIME - 2)).5		# and ends about 1 s before the job
run_fio() {	# NAME RW BS QD JOBS
	local name=$1 out=$RAW/r$ROUND-$MODE-$1 pid st res bad
	fio --name="$name" --filename="$DEV" --ioengine=libaio --direct=1 \
		--rw="$2" --bs="$3" --iodepth="$4" --numjobs="$5" --group_reporting \
		--norandommap --randrepeat=0 --ramp_time="$BENCH_RAMP" \
		--runtime="$BENCH_RUNTIME" --time_based --percentile_list=50:99:99.9 \
		--eta=never --output-format=terse --terse-version=3 \
		>"$out.terse" 2>"$out.err" &
	pid=$!
	window "$pid" "$LEAD" "$LEN"
	wait "$pid"
	st=$?
	res=$(awk -f "$BENCH_DIR/fio-terse.awk" "$out.terse")
	record "tool=fio round=$ROUND mod=$MODE job=$name ch_count=$CH channels=$CHN rw=$2 bs=$3 qd=$4 jobs=$5 max_sectors_kb=$MAXKB exit=$st $res $WIN"
	unset "${!F_@}"
	fields "$res $WIN"
	cpu_text
	bad=
	[ "$st" = 0 ] && [ "${F_err:-}" = 0 ] || bad=" (fio exit $st, error ${F_err:-?}, see $out.err)"
	progress "r$ROUND $MODE $name: ${F_iops:-?} IOPS, $((${F_bw_kib:-0} / 1024)) MiB/s, clat mean ${F_clat_mean_us:-?} p99 ${F_clat_p99_us:-?} us, $CPU_TEXT$bad"
	[ "$st" = 0 ]
}

fio_jobs() {
	local ch name rw bs qd nj cur=''
	while read -r name ch rw bs qd nj; do
		case $name in '' | \#*) continue ;; esac
		[[ $name =~ $BENCH_JOBS ]] || continue
		if [ "$ch" != "$cur" ]; then
			[ -n "$cur" ] && srp_logout_all
			CH=$ch
			if ! bench_login "$ch"; then
				note "round $ROUND $MODE: ib_srp login with ch_count=$ch failed"
				cur=''
				srp_logout_all
				continue
			fi
			cur=$ch
		fi
		run_fio "$name" "$rw" "$bs" "$qd" "$nj" || rc=1
	done < <(grep -v '^#' "$BENCH_DIR/fio.tbl" | sort -s -k2,2n)
	srp_logout_all
}

# --- srpi load ------------------------------------------------------------------------------
run_srpi() {	# NAME CHANNELS RW BS QD
	local name=$1 out=$RAW/r$ROUND-$MODE-$1 pid st line
	"$SRPI" load --channels "$2" --rw "$3" --bs "$4" --qd "$5" \
		--time $((BENCH_RUNTIME + 1)) >"$out.out" 2>"$out.err" &
	pid=$!
	window "$pid" 1.0 "$LEN"
	wait "$pid"
	st=$?
	line=$(grep '^load channels=' "$out.out")
	[ -n "$line" ] || line="load error=noresult"
	record "tool=srpi round=$ROUND mod=$MODE job=$name exit=$st ${line#load } $WIN"
	unset "${!F_@}"
	fields "${line#load } $WIN"
	cpu_text
	progress "r$ROUND $MODE $name: ${F_iops:-?} IOPS, ${F_mib_s:-?} MiB/s, p50 ${F_lat_p50_us:-?} p99 ${F_lat_p99_us:-?} us, $CPU_TEXT (srpi exit $st, errors ${F_errors:-?})"
	[ "$st" = 0 ]
}
srpi_jobs() {
	local name ch rw bs qd
	while read -r name ch rw bs qd; do
		case $name in '' | \#*) continue ;; esac
		[[ $name =~ $BENCH_JOBS ]] || continue
		run_srpi "$name" "$ch" "$rw" "$bs" "$qd" || rc=1
	done <"$BENCH_DIR/srpi.tbl"
}

# --- ftrace: the target driver's own time per command -------------------------------------
# Foreign functions: time spent in them is not the target driver's.
# The driver reaches Soft-RoCE through the post verbs (which run rxe's
# requester inline); rxe's tasks and the initiator run in softirqs, which
# can only nest inside a driver function through __do_softirq.
FOREIGN="rxe_post_send rxe_post_recv __do_softirq"
TRACE_WHY=''
trace_init() {
	[ -e "$TR/trace" ] || mount -t tracefs nodev "$TR" 2>/dev/null
	if [ ! -w "$TR/current_tracer" ]; then
		TRACE_WHY="no tracefs at $TR"
	elif ! grep -qw function_graph "$TR/available_tracers"; then
		TRACE_WHY="the guest kernel has no function_graph tracer ($(<"$TR/available_tracers"))"
	fi
	[ -z "$TRACE_WHY" ] || return 1
	echo 0 >"$TR/tracing_on"
	echo 16384 >"$TR/buffer_size_kb"
	local clk
	clk=$(<"$TR/trace_clock")
	clk=${clk#*[}
	clk=${clk%%]*}
	record "tool=traceinfo clock='$clk' clocksource=$(</sys/devices/system/clocksource/clocksource0/current_clocksource) tracers='$(<"$TR/available_tracers")'"
}
# trace_arm DEPTH FILTER-WORDS...: function_graph, max_graph_depth DEPTH,
# this filter, options as ftrace.awk expects them, tracing off, empty buffer.
trace_arm() {
	local f depth=$1 t0
	shift
	stamp t0
	echo 0 >"$TR/tracing_on"
	echo nop >"$TR/current_tracer"
	echo >"$TR/set_ftrace_filter"
	for f; do
		echo "$f" >>"$TR/set_ftrace_filter" 2>/dev/null || log "ftrace filter: $f not available"
	done
	echo "$depth" >"$TR/max_graph_depth"
	echo function_graph >"$TR/current_tracer" || return 1
	for f in funcgraph-proc:1 funcgraph-tail:1 funcgraph-overhead:0 sleep-time:0 \
		funcgraph-irqs:1 funcgraph-cpu:1 funcgraph-abstime:0 funcgraph-duration:1; do
		echo "${f#*:}" >"$TR/options/${f%%:*}" || log "ftrace option ${f%%:*} not set"
	done
	echo >"$TR/trace"
	since "$t0"
	log "ftrace: armed in ${SECS}s"
}
trace_off() {
	echo 0 >"$TR/tracing_on"
	echo nop >"$TR/current_tracer"
	echo >"$TR/set_ftrace_filter"
	echo 0 >"$TR/max_graph_depth"
}
# trace_load RW SECONDS: start an srpi load (4 KiB, QD 4, 1 channel) of
# SECONDS; returns once its commands reach the LU, plus 1 s.  TPID = srpi.
trace_load() {
	local c0 c1
	"$SRPI" load --channels 1 --rw "$1" --bs 4k --qd 4 --time "$2" \
		>>"$W/trace-load.out" 2>&1 &
	TPID=$!
	read -r c0 <"$NUMCMDS"
	while read -r c1 <"$NUMCMDS"; [ $((c1 - c0)) -lt 4 ]; do
		finished "$TPID" && return 1
		nap 0.1
	done
	nap 1
}
# trace_load_end: wait (bounded) for the srpi load.  An srpi stuck in the
# kernel (seen: a soft lockup in Soft-RoCE's inline requester while the
# function graph tracer was on) gets the tracer switched off and 30 s more;
# if it is still stuck, the ftrace measurement is abandoned (TRACE_WHY).
trace_load_end() {
	if wait_until 30 finished "$TPID"; then
		wait "$TPID" || log "srpi load exit status $?"
		return 0
	fi
	trace_off
	if wait_until 30 finished "$TPID"; then
		note "round $ROUND $MODE: srpi stalled while tracing; recovered after switching the tracer off"
		wait "$TPID"
		return 1
	fi
	TRACE_WHY="srpi got stuck in the kernel while tracing (round $ROUND, $MODE; see dmesg.txt)"
	note "ftrace measurement abandoned: $TRACE_WHY"
	echo "srpi (pid $TPID) while tracing" >"$W/wedged"
	return 1
}
# trace_on SECONDS: trace for SECONDS; TCMDS = commands the LU saw
# meanwhile, TOVR = ring buffer overruns.
trace_on() {
	local c0 c1 s f
	read -r c0 <"$NUMCMDS"
	echo 1 >"$TR/tracing_on"
	nap "$1"
	echo 0 >"$TR/tracing_on"
	read -r c1 <"$NUMCMDS"
	TCMDS=$((c1 - c0))
	TOVR=0
	for f in "$TR"/per_cpu/cpu*/stats; do
		while read -r s; do
			case $s in overrun:*) TOVR=$((TOVR + ${s#overrun: })) ;; esac
		done <"$f"
	done
}
# trace_rw RW: two srpi loads of RW, the tracer armed while idle before each
# (arming it under load preceded the soft lockups seen), traced in steady state:
#  1. entry points: every ib_srpt function that is the outermost traced call
#     (the whole module traced, max_graph_depth 1), 1.5 s;
#  2. the entry points and the foreign functions, unlimited depth, 2 s,
#     timed by tests/bench/ftrace.awk.
trace_rw() {
	local rw=$1 out=$RAW/t$ROUND-$MODE-trace-$1 f filt=() entries='' sum
	: >"$W/trace-load.out"
	trace_arm 1 ":mod:ib_srpt" || { note "ftrace: cannot arm the function graph tracer"; return 1; }
	trace_load "$rw" 4 || { note "round $ROUND $MODE: ftrace $rw: srpi load did not start"; trace_load_end; return 1; }
	trace_on 1.5
	trace_load_end || return 1
	grep -m 400 'ib_srpt' "$TR/trace" >"$out.pass1"
	# A call that began before tracing_on was never pushed on the graph
	# stack, so the functions it calls show up as outermost a few times at
	# the start: keep the functions seen at least 1/50 as often as the
	# most frequent one.
	entries=$(awk 'match($0, /[A-Za-z0-9_.]+ \[ib_srpt\]/) {
			n[substr($0, RSTART, RLENGTH - 10)]++ }
		END { for (k in n) if (n[k] > max) max = n[k]
			for (k in n) if (n[k] * 50 >= max) print k }' "$TR/trace" | sort | tr '\n' ' ')
	log "ib_srpt entry points ($MODE, $rw): $entries"
	record "tool=entries round=$ROUND mod=$MODE rw=$rw fns='${entries% }'"
	if [ -z "$entries" ]; then
		note "round $ROUND $MODE: ftrace $rw: no ib_srpt function was traced"
		return 1
	fi
	for f in $entries; do filt+=("$f:mod:ib_srpt"); done
	# shellcheck disable=SC2206 # word list
	filt+=($FOREIGN)
	nap 1
	log "ftrace $rw: arming ${filt[*]}"
	trace_arm 0 "${filt[@]}" || { note "ftrace: cannot arm the function graph tracer"; return 1; }
	cp "$TR/set_ftrace_filter" "$out.filter"
	trace_load "$rw" 5 || { note "round $ROUND $MODE: ftrace $rw: srpi load did not start"; trace_load_end; return 1; }
	log "ftrace $rw: tracing"
	trace_on 2
	log "ftrace $rw: traced $TCMDS commands, waiting for srpi"
	trace_load_end || return 1
	cat "$W/trace-load.out" >&2
	head -n 60 "$TR/trace" >"$out.head"
	awk -v cmds="$TCMDS" -f "$BENCH_DIR/ftrace.awk" "$TR/trace" >"$out.txt"
	sum=$(grep '^summary ' "$out.txt")
	record "tool=trace round=$ROUND mod=$MODE rw=$rw overruns=$TOVR ${sum#summary }"
	unset "${!F_@}"
	fields "${sum#summary }"
	progress "t$ROUND $MODE ftrace $rw: driver ${F_median_ns_per_cmd:-?} ns/cmd (median-based), ${F_ns_per_cmd:-?} (mean), srpt_recv_done ${F_recv_incl_median_ns:-?} ns median; ${F_cmds:-?} cmds, ${F_events:-?} events, lost ${F_lost:-?}, overruns $TOVR"
}
trace_jobs() {
	[ -n "$TRACE_WHY" ] && return 0
	trace_rw randread
	[ -n "$TRACE_WHY" ] || trace_rw randwrite
	[ -n "$TRACE_WHY" ] || trace_off
}

# --- main -----------------------------------------------------------------------------------
{
	echo "cpu=$(grep -m1 '^model name' /proc/cpuinfo | sed 's/.*: //')"
	echo "cpus=$(grep -c '^processor' /proc/cpuinfo)"
	echo "mem_kib=$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)"
	echo "kernel=$(uname -r)"
	echo "clocksource=$(</sys/devices/system/clocksource/clocksource0/current_clocksource)"
	echo "user_hz=$(getconf CLK_TCK)"
} >"$R/guest.txt"

if ! wait_until 20 setup_ok; then
	progress "FAILED: no active $IBDEV port with ib_srp on it (see guest.log)"
	rc=1
elif ! make_backstore; then
	progress "FAILED: LIO rd_mcp with rd_nullio=1 could not be set up (see guest.log)"
	note "backstore rd_mcp rd_nullio=1 failed"
	rc=1
else
	progress "guest up: rd_mcp rd_nullio=1 LU of $((RD_PAGES / 256)) MiB; $BENCH_ROUNDS rounds, in-tree and ours in ABBA order"
	if [ "$BENCH_TRACE" = 1 ]; then
		trace_init || note "ftrace measurement not possible: $TRACE_WHY"
	else
		TRACE_WHY="disabled (BENCH_TRACE=0)"
	fi
	[ "$BENCH_SRPI" = 1 ] && [ ! -x "$SRPI" ] && { note "srpi missing: $SRPI"; BENCH_SRPI=0; }
	# ABBA: odd rounds in-tree first, even rounds ours first, so that a
	# steady drift of the host (it is shared) favours neither module.
	round_order() { if ((ROUND % 2)); then echo intree ours; else echo ours intree; fi; }
	PH=r
	for ((ROUND = 1; ROUND <= BENCH_ROUNDS; ROUND++)); do
		for m in $(round_order); do
			if [ -e "$W/wedged" ]; then
				note "round $ROUND $m: skipped, $(<"$W/wedged") is stuck in the kernel"
				rc=1
				continue
			fi
			if ! switch_to "$m"; then
				note "round $ROUND: switching to $m failed (see guest.log)"
				rc=1
				continue
			fi
			fio_jobs
			[ "$BENCH_SRPI" = 1 ] && srpi_jobs
		done
	done
	# ftrace last, in its own alternation: if tracing wedges the guest, the
	# throughput figures above are already safe.
	PH=t
	for ((ROUND = 1; ROUND <= BENCH_ROUNDS; ROUND++)); do
		for m in $(round_order); do
			[ -z "$TRACE_WHY" ] || break 2
			if [ -e "$W/wedged" ]; then
				note "ftrace $ROUND $m: skipped, $(<"$W/wedged") is stuck in the kernel"
				break 2
			fi
			if ! switch_to "$m"; then
				note "ftrace round $ROUND: switching to $m failed (see guest.log)"
				rc=1
				continue
			fi
			trace_jobs
		done
	done
	teardown_target
	[ -e /sys/module/ib_srpt ] && bounded 60 rmmod ib_srpt
fi

if dmesg_clean "whole run" >"$W/dmesg-check"; then
	progress "kernel log clean (no WARNING/BUG/Oops/hung task)"
else
	rc=1
	progress "kernel log NOT clean: $(head -n 3 "$W/dmesg-check" | tr '\n' ' ')"
	note "kernel log not clean (see dmesg.txt)"
fi
dmesg >"$R/dmesg.txt"
progress "guest done (rc $rc)"
echo "$rc" >"$R/rc"
poweroff_now
exit
}
