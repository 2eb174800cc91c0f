#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# PID 1 of the benchmark guest (host side: tests/bench.sh; started by the
# initramfs /init, tests/vm/init.sh, via switch_root like guest.sh).
#
# Prepares the guest exactly as guest.sh does (tmpfs, configfs, Soft-RoCE on
# a veth pair, sd_mod, ib_srp), makes two null_blk disks (1 GiB each, not
# memory backed: no data is stored, completions come from a softirq, as a
# real disk's would): nullb0 is ONE LIO iblock backstore, nullb1 the
# namespace of the kernel's NVMe-oF target.  Then it alternates three
# targets: the in-tree ib_srpt, ours, and nvmet-rdma, in the order in-tree,
# ours, nvmet, nvmet, ours, in-tree, ... (BENCH_ROUNDS rounds; ABC CBA, so
# that a steady drift of the host favours none of them).
# A switch: logout (ib_srp or nvme disconnect), configfs teardown (rmdir),
# rmmod ib_srpt, then modprobe (in-tree) or insmod (ours, lib.sh's
# load_target_module with its identity check) and configfs set-up (port,
# TPG, LUN, ACL, rdma_cm_port 5555: configfs directly, targetcli costs
# 10-25 s a start here), or nvmet's configfs (subsystem, namespace, an RDMA
# port on 192.0.2.1:4420).  With each target it runs:
#   - the fio jobs of tests/bench/fio.tbl through ib_srp (login with the
#     table's ch_count, scheduler "none") or through nvme-rdma (nvme-cli's
#     connect, nr_io_queues = ch_count, queue_size 128 as ib_srp's),
#   - the srpi loads of tests/bench/srpi.tbl (userspace SRP initiator; not
#     for nvmet).
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
NB_GB=1				# null_blk disks of 1 GiB, not memory backed
BS_DIR=$CFS/core/iblock_0/nullb0	# LIO's backstore on /dev/nullb0
NUMCMDS=$BS_DIR/statistics/scsi_lu/num_cmds
NVMET=/sys/kernel/config/nvmet
NQN=nqn.2026-12.org.example.srpt:bench	# nvmet's subsystem (namespace 1: nullb1)
NVME_PORT=4420
NINIT=16				# initiators 0..15: ACLs, hosts (scaling, memory)
# ini_id K: initiator K's identities: EXT (ib_srp initiator_ext), IPORT
# (SRP initiator port ID = EXT + the port GUID: its ACL; initiator 0 is
# the GID, the ACL lib.sh makes), HOSTNQN (nvme-rdma; HOSTID its host ID: nvme-fabrics refuses one
# host ID with two host NQNs).
ini_id() {
	if [ "$1" = 0 ]; then EXT=$INIT_EXT; else printf -v EXT '%016x' "$1"; fi
	IPORT=$EXT${GID_HEX:16}
	printf -v HOSTID '5a1b2c3d-0000-4000-8000-%012x' "$1"
	HOSTNQN=nqn.2014-08.org.nvmexpress:uuid:$HOSTID
}
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

# cmds_now VAR: the commands the current target's LU has seen so far, in
# VAR: LIO's counter for ib_srpt, the disk's completed reads and writes
# (/sys/block/nullb1/stat fields 1 and 5) for nvmet.
cmds_now() {
	local s
	if [ "$MODE" = nvmet ]; then
		read -r -a s </sys/block/nullb1/stat
		printf -v "$1" %s $((s[0] + s[4]))
	else
		read -r "${1?}" <"$NUMCMDS"
	fi
}

# --- the backing disks and LIO's backstore ---------------------------------------------
make_backstore() {
	local info d
	[ -d /sys/module/null_blk ] && { log "null_blk is loaded already"; return 1; }
	# hw_queue_depth above what 2 x 128 commands need; irqmode 1
	# (softirq, the default) completes asynchronously, as a disk does.
	modprobe null_blk nr_devices=2 gb="$NB_GB" bs=512 irqmode=1 hw_queue_depth=256 || return 1
	for d in nullb0 nullb1; do
		wait_until 10 exists "/dev/$d" || { log "no /dev/$d"; return 1; }
		echo none >"/sys/block/$d/queue/scheduler"
	done
	mkdir -p "$BS_DIR" || return 1
	echo "udev_path=/dev/nullb0" >"$BS_DIR/control" || return 1
	echo 1 >"$BS_DIR/enable" || return 1
	info=$(<"$BS_DIR/info")
	log "iblock info: $info"
	info=${info//$'\n'/ }
	record "tool=backstore info='${info//  / }' nullb='gb=$NB_GB irqmode=1 hw_queue_depth=256 memory_backed=0'"
	[[ $info == *"/dev/nullb0"* ]] || { log "LIO's iblock is not on /dev/nullb0"; return 1; }
	[ -r "$NUMCMDS" ] || { log "no $NUMCMDS"; return 1; }
}

# --- nvmet-rdma: the kernel's NVMe-oF target on nullb1 ---------------------------------
nvmet_up() {
	local sub=$NVMET/subsystems/$NQN port=$NVMET/ports/1
	modprobe nvmet-rdma && modprobe nvme-rdma || return 1
	mkdir -p "$sub/namespaces/1" || return 1
	echo 1 >"$sub/attr_allow_any_host" || return 1
	echo /dev/nullb1 >"$sub/namespaces/1/device_path" || return 1
	echo 1 >"$sub/namespaces/1/enable" || return 1
	mkdir -p "$port" || return 1
	echo rdma >"$port/addr_trtype" && echo ipv4 >"$port/addr_adrfam" &&
		echo "$TARGET_IP" >"$port/addr_traddr" &&
		echo "$NVME_PORT" >"$port/addr_trsvcid" || return 1
	ln -s "$sub" "$port/subsystems/$NQN"
}
nvmet_down() {
	local sub=$NVMET/subsystems/$NQN port=$NVMET/ports/1
	nvme_logout
	[ -L "$port/subsystems/$NQN" ] && rm "$port/subsystems/$NQN"
	[ -d "$port" ] && rmdir "$port"
	if [ -d "$sub" ]; then
		echo 0 >"$sub/namespaces/1/enable"
		rmdir "$sub/namespaces/1" "$sub" || return 1
	fi
	return 0
}
# nvme_disk: NVME_DISK = the namespace's block device (nvmeXn1; with native
# multipath the head of every controller's path), once it is there.
nvme_disk() {
	local f
	for f in /sys/block/nvme*n1; do
		[[ ${f##*/} =~ ^nvme[0-9]+n1$ ]] && { NVME_DISK=${f##*/}; return 0; }
	done
	return 1
}
# nvme_login NR_IO_QUEUES: nvme-cli connect; DEV, CHN (I/O queues), MAXKB.
nvme_login() {
	local b d q
	ini_id 0
	nvme connect -t rdma -a "$TARGET_IP" -s "$NVME_PORT" -n "$NQN" -q "$HOSTNQN" -I "$HOSTID" \
		-i "$1" -Q 128 >>"$W/nvme.out" 2>&1 || { cat "$W/nvme.out"; return 1; }
	wait_until 30 nvme_disk || { log "nvme connect: no namespace block device"; return 1; }
	b=$NVME_DISK
	DEV=/dev/$b
	echo none >"/sys/block/$b/queue/scheduler"
	CHN='?'
	for d in /sys/class/nvme/nvme*; do
		[ "$(<"$d/subsysnqn")" = "$NQN" ] || continue
		read -r q <"$d/queue_count" 2>/dev/null && CHN=$((q - 1))
	done
	read -r MAXKB <"/sys/block/$b/queue/max_sectors_kb"
	log "nvme connect nr_io_queues=$1: $DEV, $CHN I/O queues, max_sectors_kb $MAXKB"
}
nvme_logout() {
	nvme disconnect -n "$NQN" >>"$W/nvme.out" 2>&1	# every controller of it
	wait_until 30 nvme_gone || log "nvme disconnect: the namespace is still there"
}
nvme_gone() { local f; for f in /sys/block/nvme*; do [ -e "$f" ] && return 1; done; return 0; }

# --- target configuration through configfs ---------------------------------------------
configure_target() {
	target_ids
	mkdir -p "$TPG" "$TPG/lun/lun_0" "$ACL_DIR/lun_0" || return 1
	ln -s "$BS_DIR" "$TPG/lun/lun_0/bench" || return 1
	ln -s "$TPG/lun/lun_0" "$ACL_DIR/lun_0/bench" || return 1
	local k a
	for ((k = 1; k < NINIT; k++)); do	# initiators 1.. (scaling, memory)
		ini_id "$k"
		a=$TPG/acls/0x$IPORT
		mkdir -p "$a/lun_0" && ln -s "$TPG/lun/lun_0" "$a/lun_0/bench" || return 1
	done
	echo 1 >"$TPG/enable" || return 1
	set_rdma_cm_port
}
# teardown_target: log out, remove everything under target/srpt (not the
# backstore).
teardown_target() {
	srp_logout_all
	srpt_tree_remove || { log "configfs teardown failed"; return 1; }
}

# switch_to intree|ours|nvmet: the other target out, this one in, configured.
switch_to() {
	local t0 st
	stamp t0
	if [ "$MODE" = nvmet ]; then
		nvmet_down || { log "nvmet teardown failed"; return 1; }
	fi
	teardown_target || return 1
	if [ -e /sys/module/ib_srpt ]; then
		bounded 60 rmmod ib_srpt || { log "rmmod ib_srpt failed or hung"; return 1; }
	fi
	MODE=$1
	if [ "$1" = nvmet ]; then
		nvmet_up || { log "nvmet set-up failed"; return 1; }
		since "$t0"
		progress "$PH$ROUND switched to nvmet-rdma in ${SECS}s"
		return 0
	fi
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
	cmds_now c
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
	cmds_now c0
	stamp t0
	while :; do
		cmds_now c
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
# fio_measured OUT JOB-ARGS...: one time-based fio run (libaio, direct,
# group reporting, terse v3 to OUT.terse) with the CPU window inside it;
# ST = its exit status, RES = its record fields (fio-terse.awk).
fio_measured() {
	local out=$1 pid
	shift
	fio --ioengine=libaio --direct=1 --group_reporting \
		--norandommap --randrepeat=0 --ramp_time="$BENCH_RAMP" \
		--runtime="$BENCH_RUNTIME" --time_based --percentile_list=50:99:99.9 \
		--eta=never --output-format=terse --terse-version=3 "$@" \
		>"$out.terse" 2>"$out.err" &
	pid=$!
	window "$pid" "$LEAD" "$LEN"
	wait "$pid"
	ST=$?
	RES=$(awk -f "$BENCH_DIR/fio-terse.awk" "$out.terse")
}
run_fio() {	# NAME RW BS QD JOBS
	local name=$1 out=$RAW/r$ROUND-$MODE-$1 st res bad
	fio_measured "$out" --name="$name" --filename="$DEV" \
		--rw="$2" --bs="$3" --iodepth="$4" --numjobs="$5"
	st=$ST res=$RES
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
			[ -n "$cur" ] && fio_logout
			CH=$ch
			if ! fio_login "$ch"; then
				note "round $ROUND $MODE: login with ch_count=$ch failed"
				cur=''
				fio_logout
				continue
			fi
			cur=$ch
		fi
		run_fio "$name" "$rw" "$bs" "$qd" "$nj" || rc=1
	done < <(grep -v '^#' "$BENCH_DIR/fio.tbl" | sort -s -k2,2n)
	fio_logout
}
fio_login() { if [ "$MODE" = nvmet ]; then nvme_login "$1"; else bench_login "$1"; fi; }
fio_logout() { if [ "$MODE" = nvmet ]; then nvme_logout; else srp_logout_all; fi; }

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

# --- scaling with initiators ------------------------------------------------------------------
# 4 KiB random read and write, QD 32 per initiator, with 1, 4 and 16
# initiators of one channel each: ib_srp logins with their own
# initiator_ext (one SCSI disk each, one fio job per disk), or nvme-rdma
# controllers with their own host NQN (one I/O queue each; nvme's native
# multipath makes them paths of one disk, iopolicy round-robin, one fio job
# per controller on it).  These controllers are made through the kernel's
# /dev/nvme-fabrics, which is what nvme-cli writes: Debian 12's nvme-cli
# 2.3 exits 1 without a word on a second controller to the same
# subsystem and address, -D (duplicate_connect) or not.  Channel scaling is fio.tbl's ch1/ch2/ch4 rows.
SCALE_NS=${BENCH_SCALE_NS:-1 4 16}
# scale_login N: N initiators; SDISKS = the disks fio runs on (one per job).
# nvme_fabrics_connect: one controller for host HOSTNQN/HOSTID, 1 I/O queue.
nvme_fabrics_connect() {
	local opts="nqn=$NQN,transport=rdma,traddr=$TARGET_IP,trsvcid=$NVME_PORT,hostnqn=$HOSTNQN,hostid=$HOSTID,nr_io_queues=1,queue_size=128,duplicate_connect"
	local got=''
	{ printf '%s' "$opts" >&3 && read -r got <&3; } 3<>/dev/nvme-fabrics || return 1
	log "nvme-fabrics: $got"
	[[ $got == instance=* ]]
}
scale_login() {
	local n=$1 k f
	SDISKS=()
	for ((k = 0; k < n; k++)); do
		ini_id "$k"
		if [ "$MODE" = nvmet ]; then
			nvme_fabrics_connect || { log "connect $k ($HOSTNQN) failed"; return 1; }
		else
			srp_login ch_count=1 initiator_ext="$EXT" && srp_disks 1 || return 1
			SDISKS+=("${DISK[0]}")
			echo none >"/sys/block/${DISK[0]#/dev/}/queue/scheduler"
		fi
	done
	if [ "$MODE" = nvmet ]; then
		wait_until 30 nvme_disk || { log "nvme: no namespace block device"; return 1; }
		echo none >"/sys/block/$NVME_DISK/queue/scheduler"
		for f in /sys/class/nvme-subsystem/*/iopolicy; do echo round-robin >"$f"; done
		for ((k = 0; k < n; k++)); do SDISKS+=("/dev/$NVME_DISK"); done
	fi
	log "scale: $n initiators, disks ${SDISKS[*]}"
}
run_scale() {	# RW N
	local name=scale-$1-4k-qd32-i$2 out args=() d st res
	out=$RAW/r$ROUND-$MODE-$name
	for d in "${SDISKS[@]}"; do args+=(--name="i${#args[@]}" --filename="$d"); done
	fio_measured "$out" --rw="$1" --bs=4k --iodepth=32 "${args[@]}"
	st=$ST res=$RES
	record "tool=scale round=$ROUND mod=$MODE job=$name rw=$1 initiators=$2 qd=32 exit=$st $res $WIN"
	unset "${!F_@}"
	fields "$res $WIN"
	cpu_text
	progress "r$ROUND $MODE $name: ${F_iops:-?} IOPS, clat p99 ${F_clat_p99_us:-?} us, $CPU_TEXT (fio exit $st)"
	[ "$st" = 0 ]
}
scale_jobs() {
	local n rw
	for n in $SCALE_NS; do
		if ! scale_login "$n"; then
			note "round $ROUND $MODE: scaling, $n initiators: login failed"
			fio_logout
			rc=1
			continue
		fi
		for rw in randread randwrite; do run_scale "$rw" "$n" || rc=1; done
		fio_logout
	done
}

# --- memory per channel ---------------------------------------------------------------------
# Kernel memory of N logged-in channels, by difference with none: srpi
# logs in N channels (processes of at most MEM_PER_PROC channels, one
# initiator port each: the target may bound channels per I_T nexus) and
# holds them idle (--qd 0) or keeps QD 32 on each (busy).  Kernel memory =
# MemTotal - MemFree - Buffers - Cached - AnonPages (srpi's registered
# buffers are its anonymous pages): slab, vmalloc, page tables, and the
# pages drivers take directly (receive rings, DMA buffers) -- the target's
# and Soft-RoCE's queues (on hardware: the HCA driver's).
MEM_NS=${BENCH_MEM_NS:-1 8 32}
MEM_PER_PROC=16
# kmem: KMEM, SLAB, VMALLOC (KiB) from /proc/meminfo.
kmem() {
	local k v total=0 free=0 buf=0 cached=0 anon=0 sr=0 su=0
	while read -r k v _; do
		case $k in
		MemTotal:) total=$v ;; MemFree:) free=$v ;; Buffers:) buf=$v ;;
		Cached:) cached=$v ;; AnonPages:) anon=$v ;;
		SReclaimable:) sr=$v ;; SUnreclaim:) su=$v ;; VmallocUsed:) VMALLOC=$v ;;
		esac
	done </proc/meminfo
	KMEM=$((total - free - buf - cached - anon))
	SLAB=$((sr + su))
}
# kmem_settled: after a logout, until kernel memory stops shrinking (a
# target may release a channel seconds after its disconnect: the in-tree
# one does): no LIO session, then two samples 1 s apart within 512 KiB;
# at most 30 s.
kmem_settled() {
	wait_until 30 no_session
	kmem
	wait_until 30 kmem_steady
}
kmem_steady() {
	local prev=$KMEM
	nap 1
	kmem
	[ $((prev - KMEM)) -lt 512 ] && [ $((KMEM - prev)) -lt 512 ]
}
# mem_channels N QD: srpi processes holding N channels (QD per channel)
# for MEM_HOLD seconds after their logins; returns once all N logins are
# answered (MPIDS).
MEM_HOLD=10
mem_channels() {
	local n=$1 qd=$2 k=0 c left
	MPIDS=()
	: >"$W/mem.out"
	for ((left = n; left > 0; left -= c, k++)); do
		c=$((left < MEM_PER_PROC ? left : MEM_PER_PROC))
		ini_id "$k"
		"$SRPI" load --iport "$IPORT" --channels "$c" --qd "$qd" --bs 4k --rw randread \
			--time "$MEM_HOLD" >>"$W/mem.out" 2>&1 &
		MPIDS+=($!)
	done
	wait_until 60 mem_logins "$n" || { log "mem: $MEM_GOT of $n logins"; return 1; }
}
# mem_logins N: srpi has printed N login responses (MEM_GOT so far).
mem_logins() {
	local l
	MEM_GOT=0
	while read -r l; do
		[[ $l == "login rsp"* ]] && MEM_GOT=$((MEM_GOT + 1))
	done <"$W/mem.out"
	[ "$MEM_GOT" -ge "$1" ]
}
mem_wait() {
	local p st=0
	for p in "${MPIDS[@]}"; do wait "$p" || st=1; done
	return $st
}
# mem_one N QD: base, N channels in, settle, sample; a record.
mem_one() {
	local n=$1 qd=$2 b0 s0 st=0 kind=idle
	[ "$qd" -gt 0 ] && kind=busy
	kmem_settled || log "mem: kernel memory still moving before $n $kind channels"
	local v0=$VMALLOC
	b0=$KMEM s0=$SLAB
	if ! mem_channels "$n" "$qd"; then
		kill "${MPIDS[@]}" 2>/dev/null
		mem_wait
		note "round $ROUND $MODE: memory, $n $kind channels: not all logged in"
		return 1
	fi
	nap 2
	kmem
	local k1=$KMEM s1=$SLAB v1=$VMALLOC p
	for p in "${MPIDS[@]}"; do
		finished "$p" && { st=2; log "mem: an srpi ended before the sample"; }
	done
	mem_wait || { [ "$st" = 0 ] && st=1; }
	kmem_settled || log "mem: kernel memory still moving after $n $kind channels"
	record "tool=mem round=$ROUND mod=$MODE kind=$kind channels=$n kmem_base_kib=$b0 kmem_kib=$k1 kmem_after_kib=$KMEM slab_base_kib=$s0 slab_kib=$s1 slab_after_kib=$SLAB vmalloc_base_kib=$v0 vmalloc_kib=$v1 exit=$st"
	progress "r$ROUND $MODE memory, $n $kind channels: kernel +$((k1 - b0)) KiB ($(((k1 - b0) / n)) KiB/channel; slab +$((s1 - s0)), vmalloc +$((v1 - v0))); after logout $((KMEM - b0)) KiB (srpi exit $st)"
	[ "$st" = 0 ]
}
mem_jobs() {
	local n
	for n in $MEM_NS; do mem_one "$n" 0 || rc=1; done
	for n in $MEM_NS; do mem_one "$n" 32 || rc=1; done
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
	cmds_now c0
	while cmds_now c1; [ $((c1 - c0)) -lt 4 ]; do
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
	cmds_now c0
	echo 1 >"$TR/tracing_on"
	nap "$1"
	echo 0 >"$TR/tracing_on"
	cmds_now c1
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

if ! wait_until 20 ibdev_ready; then
	progress "FAILED: no active $IBDEV port with ib_srp on it (see guest.log)"
	rc=1
elif ! make_backstore; then
	progress "FAILED: null_blk and LIO's iblock backstore could not be set up (see guest.log)"
	note "backstore iblock on null_blk failed"
	rc=1
else
	progress "guest up: null_blk nullb0 (LIO iblock) and nullb1 (nvmet) of $NB_GB GiB; $BENCH_ROUNDS rounds, in-tree, ours and nvmet in ABC CBA order"
	if [ "$BENCH_TRACE" = 1 ]; then
		trace_init || note "ftrace measurement not possible: $TRACE_WHY"
	else
		TRACE_WHY="disabled (BENCH_TRACE=0)"
	fi
	[ "$BENCH_SRPI" = 1 ] && [ ! -x "$SRPI" ] && { note "srpi missing: $SRPI"; BENCH_SRPI=0; }
	# ABC CBA: odd rounds in-tree first, even rounds nvmet first, so that
	# a steady drift of the host (it is shared) favours none of them.
	# The ftrace alternation is of the two ib_srpt modules only (ABBA).
	round_order() { if ((ROUND % 2)); then echo intree ours; else echo ours intree; fi; }
	round_order3() { if ((ROUND % 2)); then echo intree ours nvmet; else echo nvmet ours intree; fi; }
	PH=r
	for ((ROUND = 1; ROUND <= BENCH_ROUNDS; ROUND++)); do
		for m in $(round_order3); do
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
			[ "$BENCH_SRPI" = 1 ] && [ "$m" != nvmet ] && srpi_jobs
		done
	done
	# Scaling (up to 16 logins) and memory (up to 32 channels) in an
	# alternation of their own: what a target leaves behind after many
	# logins (the in-tree one releases channels seconds after their
	# disconnect) must not weigh on the next target's fio rows.
	PH=s
	for ((ROUND = 1; ROUND <= BENCH_ROUNDS; ROUND++)); do
		[ "$BENCH_SCALE" = 1 ] || [ "$BENCH_MEM" = 1 ] || break
		for m in $(round_order3); do
			[ -e "$W/wedged" ] && break 2
			if ! switch_to "$m"; then
				note "scaling/memory round $ROUND: switching to $m failed (see guest.log)"
				rc=1
				continue
			fi
			[ "$BENCH_SCALE" = 1 ] && scale_jobs
			[ "$BENCH_SRPI" = 1 ] && [ "$m" != nvmet ] && [ "$BENCH_MEM" = 1 ] && mem_jobs
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
	[ "$MODE" = nvmet ] && nvmet_down
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
