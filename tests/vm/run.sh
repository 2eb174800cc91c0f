#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Boot one emulated guest and run the SRP target test cases inside it.
#
#   tests/vm/run.sh [--demo] [--intree] [--keep] [case-glob...]
#
#   --demo     run the plain-words demo (tests/vm/demo.sh) instead of the cases
#   --intree   test Debian's own in-tree ib_srpt instead of ./ib_srpt.ko
#   --keep     also keep this run's logs in build/vm/runs/<date-time>-<mode>/
#   case-glob  select cases by file name: "01", "01*", "*fio*" (default: all)
#
# Environment: KVER (guest kernel, default: scripts/kver.sh, the kernel of
# Debian's linux-image-amd64), ROOT (the root file system the guest mounts,
# default /; e.g. build/roots/trixie from scripts/kernels.sh install, whose
# kernel KVER then defaults to), SRPT_MODULE (the .ko to test, default
# ./ib_srpt.ko; built for KVER), VM_TIMEOUT (whole run, seconds, default 4800),
# CASE_TIMEOUT (one case, seconds, default 900; a case may raise its own with
# a "# case-timeout: SECONDS" header line), VM_MEM (MiB, default 4096),
# VM_APPEND (more kernel command line, e.g. kasan_multi_shot), TIME_SCALE
# (an integer, default 1: the cases' time bounds are multiplied by it, for
# a kernel that is that many times slower, e.g. make check-debug's),
# VM_BUILD (the run's directory, default build/vm: its lock, initramfs
# cache, console.log and results; two runs with different ones may run at
# the same time, as make check runs the newest kernel's guest beside 6.1's),
# VM_TCG_THREAD (multi, the default, or single: qemu's TCG threads; see
# tests/check.sh for what single changed on 7.3).
#
# The guest is a qemu TCG machine booting the host's kernel; it sees the
# host's root file system read-only (virtio-9p) under a tmpfs overlay and
# writes its results into build/vm/results (a second, writable 9p export
# mounted at the same path).  TAP lines ("ok - ..." / "not ok - ...") and
# "# ..." comments are streamed to stdout while the guest runs; the exit
# status is 0 only if every selected case passed.  See tests/vm/README.md.
{
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)

mode=ours keep=0
globs=()
for arg; do
	case $arg in
	--demo) demo=1 ;;
	--intree) mode=intree ;;
	--keep) keep=1 ;;
	-h|--help) sed -n '4,34p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) echo "run.sh: unknown option $arg" >&2; exit 2 ;;
	*) globs+=("$arg") ;;
	esac
done
demo=${demo:-0}

VM_TIMEOUT=${VM_TIMEOUT:-4800}
CASE_TIMEOUT=${CASE_TIMEOUT:-900}
VM_MEM=${VM_MEM:-4096}

# Print one TAP failure plus an explanation and stop (used before boot).
bail() {
	echo "not ok - vm: $1"
	shift
	for l; do echo "# $l"; done
	exit 1
}

# --- the guest's root and kernel ---------------------------------------------
# shellcheck source=boot.sh
. "$here/boot.sh"
vm_guest_kernel "$top" || bail "$VM_ERR"
command -v qemu-system-x86_64 >/dev/null ||
	bail "qemu-system-x86_64 missing" "run tests/install-deps.sh"
case $top in
*[\ ,=]*) bail "repository path '$top' contains a space, comma or '='" ;;
/run/* | /dev/* | /proc/* | /sys/*) bail "repository path '$top' is hidden inside the guest" ;;
esac

# --- selected cases ---------------------------------------------------------
cases=()
if [ "$demo" = 1 ]; then
	cases=(demo)
else
	for f in "$here"/cases/[0-9]*.sh; do
		n=$(basename "$f" .sh)
		if [ ${#globs[@]} -eq 0 ]; then
			cases+=("$n")
			continue
		fi
		for g in "${globs[@]}"; do
			# shellcheck disable=SC2053 # glob match is intended
			if [[ $n == $g || $n.sh == $g || $n == $g-* ]]; then cases+=("$n"); break; fi
		done
	done
	[ ${#cases[@]} -gt 0 ] || bail "no case matches: ${globs[*]}" "cases: $(cd "$here/cases" && echo *.sh)"
fi

# --- the module under test --------------------------------------------------
module=${SRPT_MODULE:-$top/ib_srpt.ko}
if [ "$mode" = ours ] && ! vm_module_ok "$module"; then
	echo "not ok - module identity"
	echo "# $VM_ERR (or use --intree)"
	exit 1
fi

# --- build directory, lock ----------------------------------------------------
build=$(realpath -m "${VM_BUILD:-$top/build/vm}")	# the guest mounts it by this path
results=$build/results
mkdir -p "$build" || bail "cannot create $build"
exec 9>"$build/.lock"
if ! flock -n 9; then
	echo "# vm: waiting for another run.sh using $build"
	flock -w "$VM_TIMEOUT" 9 || bail "another run.sh holds $build/.lock"
fi

# --- initramfs (cached per kernel version and recipe) -------------------------
[ -x "$VM_ROOT/bin/busybox" ] || bail "$VM_ROOT/bin/busybox missing" "install busybox-static"
vm_initrd "$build" || bail "cannot build the initramfs"

# --- results directory and the guest's run configuration ----------------------
rm -rf "$results" "$build/console.log"
mkdir -p "$results" || bail "cannot create $results"
: >"$results/tap"
# The guest loads a snapshot of our module taken now, so a rebuild while the
# guest runs cannot change the module between loads (case 5 reloads it).
if [ "$mode" = ours ]; then
	cp "$module" "$results/ib_srpt.ko" && modinfo -F srcversion "$results/ib_srpt.ko" >/dev/null ||
		bail "cannot snapshot $module (being rebuilt?)"
fi
# Case 13 runs upstream blktests: its tree is unpacked (or BLKTESTS=dir
# used) and its helpers built here, on the host.
# Ours is "make install"ed into a staging root that the case copies in.
bt_dir='' bt_stage=''
if [[ " ${cases[*]} " == *-blktests\ * ]]; then
	if out=$("$top/tests/blktests/tree.sh" 2>&1); then
		bt_dir=$(sed -n 1p <<<"$out")
	else
		echo "$out" >"$results/blktests-tree.txt"
	fi
	if [ "$mode" = ours ]; then
		KVER=$KVER SYSROOT=$VM_ROOT "$top/tests/blktests/stage.sh" "$results/modroot" && bt_stage=$results/modroot
	fi
fi
# Case 33 installs the Debian packages: tests/deb.sh builds them here into
# build/deb/ (or finds them up to date: a few seconds); its TAP lines go to
# results/deb.txt, which the case reports.
if [[ " ${cases[*]} " == *" 33-deb "* ]] && [ "$mode" = ours ]; then
	"$here/../deb.sh" >"$results/deb.txt" 2>&1
	echo "# vm: tests/deb.sh (for 33-deb): $(grep -c '^ok ' "$results/deb.txt") ok, $(grep -c '^not ok ' "$results/deb.txt") not ok"
fi
{
	echo "BT_DIR=$bt_dir"
	echo "BT_STAGE=$bt_stage"
	echo "MODE=$mode"
	echo "DEMO=$demo"
	echo "TOP=$top"
	echo "MODULE=$results/ib_srpt.ko"
	echo "MODULE_SRC=$module"
	echo "KVER=$KVER"
	echo "CASE_TIMEOUT=$CASE_TIMEOUT"
	echo "TIME_SCALE=${TIME_SCALE:-1}"
	echo "STRESS_CYCLES=${STRESS_CYCLES:-}"
	echo "SOAK_MINUTES=${SOAK_MINUTES:-}"
	echo "PATHLOSS_POISON=${PATHLOSS_POISON:-}"
	echo "CASES=\"${cases[*]}\""
} >"$results/run.conf"

# --- boot ---------------------------------------------------------------------
trap vm_cleanup EXIT
trap 'vm_cleanup; echo "not ok - vm: interrupted"; exit 130' INT TERM HUP

echo "# vm: kernel $KVER, root $VM_ROOT, module $([ "$mode" = intree ] && echo "in-tree ib_srpt" || echo "$module"), cases: ${cases[*]}"
t0=$SECONDS
# Stream what the guest writes to results/tap until qemu exits.
vm_start "$build" "$results" "$here/guest.sh" "$results/tap"

# Watchdog: kill only our own qemu when the overall time is up.
timed_out=0
while kill -0 "$VM_QPID" 2>/dev/null; do
	if [ $((SECONDS - t0)) -ge "$VM_TIMEOUT" ]; then
		timed_out=1
		kill "$VM_QPID" 2>/dev/null
		sleep 3
		kill -9 "$VM_QPID" 2>/dev/null
		break
	fi
	sleep 1
done
wait "$VM_QPID" 2>/dev/null
qrc=$?
VM_QPID=
wait "$VM_TPID" 2>/dev/null
VM_TPID=
elapsed=$((SECONDS - t0))

# --- verdict --------------------------------------------------------------------
fail=0
grc=$(cat "$results/rc" 2>/dev/null)
if [ "$demo" = 0 ]; then
	# Every selected case must have reported that it finished.
	for c in "${cases[@]}"; do
		grep -q "^$c " "$results/done" 2>/dev/null && continue
		echo "not ok - $c: no result (guest hung, crashed or timed out)"
		fail=1
	done
	grep -q '^not ok' "$results/tap" && fail=1
fi
if [ -z "$grc" ]; then
	why="guest did not finish"
	[ "$timed_out" = 1 ] && why="watchdog killed the guest after ${VM_TIMEOUT}s"
	echo "not ok - vm: $why (qemu exit $qrc)"
	fail=1
elif [ "$grc" != 0 ]; then
	fail=1
fi
# An oops in the guest: one not-ok line with its first line, RIP and the
# first frames of its call trace, so that the end of a CI log (all it may
# keep; check.sh repeats the not-ok lines last) says where it was.
oops=$(sed 's/^\[ *[0-9.]*\] *//' "$build/console.log" 2>/dev/null | awk '
	!h && /(BUG: |Oops: |general protection fault|kernel BUG at|Kernel panic)/ { h = $0; next }
	h && !r && /^RIP: / { r = $0 }
	h && /^Call Trace:/ { t = 1; next }
	t && n < 8 && /^ *[a-z_][a-z0-9_.]*\+0x/ { f = f " < " $1; n++ }
	t && /^---\[ end trace/ { exit }
	END { if (h) print h " | " r " |" f }' | tr -d '\r')
if [ -n "$oops" ]; then
	echo "not ok - vm: kernel oops in the guest: $oops"
	fail=1
fi
if [ "$fail" = 1 ]; then
	echo "# last lines of the guest console ($build/console.log):"
	tail -n 40 "$build/console.log" 2>/dev/null | sed 's/^/#   /'
	[ -s "$build/qemu.log" ] && sed 's/^/# qemu: /' "$build/qemu.log"
fi
echo "# vm: total ${elapsed}s; logs in $results and $build/console.log"

if [ "$keep" = 1 ]; then
	kept=$build/runs/$(date +%Y%m%d-%H%M%S)-$mode
	mkdir -p "$kept" && cp -r "$results/." "$build/console.log" "$kept/" &&
		echo "# vm: kept this run's logs in $kept"
fi
exit $fail
}
