#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Benchmark: our ib_srpt against Debian's in-tree ib_srpt and against the
# kernel's NVMe-oF target nvmet-rdma, side by side in ONE emulated guest.
#
#   tests/bench.sh [--quick] [--keep]
#
#   --quick   development run: 1 round, 3 s jobs, a few jobs only
#   --keep    also keep this run in build/bench/runs/<date-time>/
#
# The guest (tests/vm/bench.sh) switches between the three targets (both
# ib_srpt modules are named ib_srpt: configfs teardown, logout, rmmod,
# modprobe or insmod, configfs set-up, login; nvmet: its configfs and
# nvme-cli's connect), in the order in-tree, ours, nvmet, nvmet, ours,
# in-tree, ... (ABC CBA), and runs the same fio jobs against each through
# the kernel initiators ib_srp and nvme-rdma (tests/bench/fio.tbl), the
# userspace SRP initiator tools/srpi against the two ib_srpt (srpi.tbl),
# and an ftrace measurement of each ib_srpt's own time per command.  The
# backing is two null_blk disks (not memory backed): nullb0 as LIO's one
# iblock backstore, kept across the switches, nullb1 as nvmet's namespace.
#
# The table goes to stdout and to build/bench/results.md.
#
# Environment: KVER (guest kernel), ROOT (the root file system the guest
# mounts, default /; e.g. build/roots/trixie for the newest kernel, whose
# kernel KVER then defaults to), SRPT_MODULE (our .ko, default ./ib_srpt.ko;
# built for KVER), BENCH_ROUNDS (default 2), BENCH_RUNTIME
# (seconds of measured fio time per job, default 8), BENCH_RAMP (default 2),
# BENCH_JOBS (extended regex on job names, default all), BENCH_SRPI=0,
# BENCH_MEM=0 (memory per channel, with srpi), BENCH_SCALE=0 (scaling with
# initiators) and BENCH_TRACE=0 skip those parts, BENCH_SCALE_NS (initiator
# counts, default "1 4 16"), BENCH_MEM_NS (channel counts, default
# "1 8 32"), BENCH_TIMEOUT (whole run, default 4500 s), VM_MEM (MiB,
# default 4096).
{
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/.." && pwd)
vm=$here/vm

keep=0 quick=0
for arg; do
	case $arg in
	--quick) quick=1 ;;
	--keep) keep=1 ;;
	-h | --help) sed -n '4,/^$/{/^#/!q;p}' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "bench.sh: unknown argument $arg" >&2; exit 2 ;;
	esac
done
if [ "$quick" = 1 ]; then
	: "${BENCH_ROUNDS:=1}" "${BENCH_RUNTIME:=3}" "${BENCH_RAMP:=1}"
	: "${BENCH_JOBS:=^(randread-4k-qd32-ch2|randwrite-4k-qd1-ch1|read-1m|srpi-randread-4k-qd32-1ch)$}"
	: "${BENCH_SCALE_NS:=1 4}" "${BENCH_MEM_NS:=1 8}"
fi
BENCH_ROUNDS=${BENCH_ROUNDS:-2}
BENCH_RUNTIME=${BENCH_RUNTIME:-8}
BENCH_RAMP=${BENCH_RAMP:-2}
BENCH_JOBS=${BENCH_JOBS:-.}
BENCH_SRPI=${BENCH_SRPI:-1}
BENCH_MEM=${BENCH_MEM:-1}
BENCH_SCALE=${BENCH_SCALE:-1}
BENCH_SCALE_NS=${BENCH_SCALE_NS:-1 4 16}
BENCH_MEM_NS=${BENCH_MEM_NS:-1 8 32}
BENCH_TRACE=${BENCH_TRACE:-1}
BENCH_TIMEOUT=${BENCH_TIMEOUT:-4500}
die() { echo "bench: $*" >&2; exit 1; }
[[ $BENCH_RUNTIME =~ ^[0-9]+$ ]] && [ "$BENCH_RUNTIME" -ge 3 ] || die "BENCH_RUNTIME must be an integer >= 3"
[[ $BENCH_RAMP =~ ^[0-9]+$ ]] || die "BENCH_RAMP must be an integer"
[[ $BENCH_ROUNDS =~ ^[0-9]+$ ]] && [ "$BENCH_ROUNDS" -ge 1 ] || die "BENCH_ROUNDS must be >= 1"
VM_MEM=${VM_MEM:-4096}

# --- guest kernel, module, tools ------------------------------------------------
# shellcheck source=vm/boot.sh
. "$vm/boot.sh"
vm_guest_kernel "$top" || die "$VM_ERR"
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 missing (tests/install-deps.sh)"
command -v python3 >/dev/null || die "python3 missing (formats the table)"
[ -x "$VM_ROOT/bin/busybox" ] || die "$VM_ROOT/bin/busybox missing (busybox-static)"
case $top in
*[\ ,=]*) die "repository path '$top' contains a space, comma or '='" ;;
/run/* | /dev/* | /proc/* | /sys/* | /tmp/*) die "repository path '$top' is hidden or different inside the guest" ;;
esac
module=${SRPT_MODULE:-$top/ib_srpt.ko}
vm_module_ok "$module" || die "$VM_ERR"
# The guest's modules are VM_ROOT's: ask modinfo there.
rmods=${VM_ROOT%/}/lib/modules/$KVER
intree=$(modinfo -b "$VM_ROOT" -k "$KVER" -n ib_srpt 2>/dev/null)
intree=${intree/#\/\//\/}	# modinfo -b / prints //lib/...
case $intree in
"$rmods"/kernel/*) ;;
*) die "the in-tree ib_srpt of $KVER is missing or shadowed (modinfo -n ib_srpt: '$intree')" ;;
esac
for m in nvmet-rdma nvme-rdma null_blk; do
	modinfo -b "$VM_ROOT" -k "$KVER" -n "$m" >/dev/null 2>&1 || die "$KVER has no $m module (the nvmet-rdma column needs it)"
done
[ -x "$VM_ROOT/usr/sbin/nvme" ] || die "nvme (nvme-cli) missing in $VM_ROOT: tests/install-deps.sh (or scripts/kernels.sh install for a root)"
srpi=$top/tools/srpi
if [ "$BENCH_SRPI" = 1 ] || [ "$BENCH_TRACE" = 1 ]; then
	if [ ! -x "$srpi" ] || [ "$srpi" -ot "$top/tools/srpi.c" ]; then
		echo "# bench: $srpi is missing or older than srpi.c: the srpi loads and the ftrace" \
			"measurement are skipped (run 'make -C $top/tools')"
		BENCH_SRPI=0 BENCH_TRACE=0
	fi
fi

# --- build directory, lock -----------------------------------------------------------
build=$top/build/bench
results=$build/results
mkdir -p "$build" || die "cannot create $build"
exec 9>"$build/.lock"
flock -n 9 || die "another tests/bench.sh holds $build/.lock"

# --- initramfs: the recipe of tests/vm/run.sh ---------------------------------------
vm_initrd "$build" || die "cannot build the initramfs"

# --- host load (the numbers are only comparable within one run) -----------------------
host_load() {	# one line: load average and how many other qemu-system processes run
	local la n
	read -r la _ </proc/loadavg
	n=$(pgrep -c qemu-system)
	[ -n "${VM_QPID:-}" ] && kill -0 "$VM_QPID" 2>/dev/null && n=$((n - 1))
	echo "loadavg=$la other_qemu=$n"
}

# --- results directory and run configuration -------------------------------------------
rm -rf "$results" "$build/console.log" "$build"/*.png "$build"/*.dat
mkdir -p "$results/raw" || die "cannot create $results"
: >"$results/progress"
cp "$module" "$results/ib_srpt.ko" && modinfo -F srcversion "$results/ib_srpt.ko" >/dev/null ||
	die "cannot snapshot $module"
{
	echo "MODE=ours"
	echo "TOP=$top"
	echo "MODULE=$results/ib_srpt.ko"
	echo "MODULE_SRC=$module"
	echo "KVER=$KVER"
	echo "BENCH_DIR=$here/bench"
	echo "BENCH_ROUNDS=$BENCH_ROUNDS"
	echo "BENCH_RUNTIME=$BENCH_RUNTIME"
	echo "BENCH_RAMP=$BENCH_RAMP"
	echo "BENCH_JOBS='$BENCH_JOBS'"
	echo "BENCH_SRPI=$BENCH_SRPI"
	echo "BENCH_MEM=$BENCH_MEM"
	echo "BENCH_SCALE=$BENCH_SCALE"
	echo "BENCH_SCALE_NS='$BENCH_SCALE_NS'"
	echo "BENCH_MEM_NS='$BENCH_MEM_NS'"
	echo "BENCH_TRACE=$BENCH_TRACE"
} >"$results/run.conf"
{
	echo "host_cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
	echo "host_cpus=$(nproc)"
	echo "host_mem_mib=$(awk '/^MemTotal:/ { print int($2 / 1024) }' /proc/meminfo)"
	echo "host_kernel=$(uname -r)"
	echo "qemu=$(qemu-system-x86_64 --version | head -n 1)"
	echo "guest_kernel=$KVER"
	echo "guest_root=$VM_ROOT"
	echo "guest_mem_mib=$VM_MEM"
	echo "guest_cpus=2"
	echo "module_src=$module"
	echo "module_version=$(modinfo -F version "$module")"
	echo "module_srcversion=$(modinfo -F srcversion "$module")"
	echo "git=$(git -C "$top" describe --always --dirty 2>/dev/null || echo unknown)"
	echo "rounds=$BENCH_ROUNDS"
	echo "runtime=$BENCH_RUNTIME"
	echo "ramp=$BENCH_RAMP"
	echo "jobs=$BENCH_JOBS"
	echo "load_before=$(host_load)"
	echo "started=$(date -u '+%Y-%m-%d %H:%M UTC')"
} >"$results/host.txt"

# --- boot ------------------------------------------------------------------------------
trap vm_cleanup EXIT
trap 'vm_cleanup; echo "bench: interrupted"; exit 130' INT TERM HUP

echo "# bench: kernel $KVER, ours = $module, in-tree = $intree"
echo "# bench: $BENCH_ROUNDS rounds, ${BENCH_RUNTIME}s (+${BENCH_RAMP}s ramp) per job, jobs /$BENCH_JOBS/, srpi $BENCH_SRPI, memory $BENCH_MEM ($BENCH_MEM_NS), scaling $BENCH_SCALE ($BENCH_SCALE_NS), ftrace $BENCH_TRACE; host $(host_load)"
t0=$SECONDS
vm_start "$build" "$results" "$vm/bench.sh" "$results/progress"

# Watchdog (only our own qemu), and a host-load sample every 30 s.
timed_out=0 last=-30
while kill -0 "$VM_QPID" 2>/dev/null; do
	if [ $((SECONDS - t0)) -ge "$BENCH_TIMEOUT" ]; then
		timed_out=1
		kill "$VM_QPID" 2>/dev/null
		sleep 3
		kill -9 "$VM_QPID" 2>/dev/null
		break
	fi
	if [ $((SECONDS - last)) -ge 30 ]; then
		last=$SECONDS
		echo "$((SECONDS - t0)) $(host_load)" >>"$build/hostload.txt.tmp"
	fi
	sleep 1
done
wait "$VM_QPID" 2>/dev/null
qrc=$?
VM_QPID=
sleep 0.5
kill "$VM_TPID" 2>/dev/null
wait "$VM_TPID" 2>/dev/null
VM_TPID=
mv -f "$build/hostload.txt.tmp" "$results/hostload.txt" 2>/dev/null
{
	echo "load_after=$(host_load)"
	echo "elapsed_s=$((SECONDS - t0))"
} >>"$results/host.txt"

grc=$(cat "$results/rc" 2>/dev/null)
if [ -z "$grc" ]; then
	why="the guest did not finish (qemu exit $qrc)"
	[ "$timed_out" = 1 ] && why="the watchdog killed the guest after ${BENCH_TIMEOUT}s"
	echo "guest_result=$why; last step: $(tail -n 1 "$results/guest.log" 2>/dev/null)" >>"$results/host.txt"
	echo "# bench: $why; last lines of $build/console.log:"
	tail -n 30 "$build/console.log" 2>/dev/null | sed 's/^/#   /'
elif [ "$grc" != 0 ]; then
	echo "guest_result=the guest reported failures (rc $grc): see the notes and $results/guest.log" >>"$results/host.txt"
fi

python3 "$here/bench/report.py" "$results" "$build/results.md" || grc=${grc:-1}
echo "# bench: total $((SECONDS - t0))s; table in $build/results.md (chart: results.png), raw data in $results"
if [ "$keep" = 1 ]; then
	kept=$build/runs/$(date +%Y%m%d-%H%M%S)
	mkdir -p "$kept" && cp -r "$results/." "$build/results.md" "$build/console.log" "$kept/" &&
		{ [ ! -e "$build/results.png" ] || cp "$build"/*.png "$build"/*.dat "$kept/"; } &&
		echo "# bench: kept in $kept"
fi
[ "${grc:-1}" = 0 ]
exit
}
