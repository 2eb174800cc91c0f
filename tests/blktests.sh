#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Upstream blktests' srp group (how the kernel's RDMA maintainers test
# ib_srpt) against Debian's in-tree ib_srpt and against ours, one emulated
# guest boot per module (tests/vm/blktests-guest.sh).
#
#   tests/blktests.sh [--keep] [TEST...]
#
#   TEST     srp (default: the whole group), srp/NNN or NNN
#   --keep   also keep this run in build/blktests/runs/<date-time>/
#
# Output: TAP lines "ok - blktests srp/NNN (in-tree|ours) ..." streamed
# while the guests run, and build/blktests/report.md: the table (test,
# in-tree, ours, time) and every failure's reason (first lines of
# NNN.full, fio's verify lines, kernel log lines).  Exit status 0 only if
# every test that ran passed with every module.
#
# Environment: BLKTESTS (a blktests checkout; default: the snapshot in
# ../shared/blktests, see tests/blktests/tree.sh), BLKTESTS_MODULES (default
# "intree ours"), BLKTESTS_TIMEOUT (blktests' TIMEOUT for its timed tests,
# default: blktests' own, 30 s), BLKTESTS_VM_TIMEOUT (one guest boot,
# default 5400 s), KVER (guest kernel), VM_MEM (MiB, default 4096).
{
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/.." && pwd)
vm=$here/vm

keep=0
tests=()
for arg; do
	case $arg in
	--keep) keep=1 ;;
	-h | --help) sed -n '4,23p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) echo "blktests.sh: unknown option $arg" >&2; exit 2 ;;
	*) tests+=("$arg") ;;
	esac
done
MODULES=${BLKTESTS_MODULES:-intree ours}
VM_TIMEOUT=${BLKTESTS_VM_TIMEOUT:-5400}
VM_MEM=${VM_MEM:-4096}
BT_TIMEOUT=${BLKTESTS_TIMEOUT:-}
bail() {
	echo "not ok - blktests: $1"
	shift
	for l; do echo "# $l"; done
	exit 1
}

# --- guest kernel, module, blktests ----------------------------------------------
[ -n "${KVER:-}" ] || KVER=$("$top/scripts/kver.sh")
[ -n "${KVER:-}" ] && [ -r "/boot/vmlinuz-$KVER" ] && [ -d "/lib/modules/$KVER" ] ||
	bail "no usable guest kernel" "need /lib/modules/X and a readable /boot/vmlinuz-X (KVER=${KVER:-unset})"
command -v qemu-system-x86_64 >/dev/null || bail "qemu-system-x86_64 missing" "run tests/install-deps.sh"
[ -x /bin/busybox ] || bail "/bin/busybox missing" "install busybox-static"
case $top in
*[\ ,=]*) bail "repository path '$top' contains a space, comma or '='" ;;
/run/* | /dev/* | /proc/* | /sys/* | /tmp/*) bail "repository path '$top' is hidden or different inside the guest" ;;
esac
module=$top/ib_srpt.ko
case " $MODULES " in
*" ours "*)
	[ -r "$module" ] || bail "$module does not exist: run 'make -C $top'"
	[ "$(modinfo -F vermagic "$module" 2>/dev/null | cut -d' ' -f1)" = "$KVER" ] ||
		bail "$module is not built for $KVER"
	;;
esac
for m in $MODULES; do
	case $m in intree | ours) ;; *) bail "BLKTESTS_MODULES: unknown module '$m' (intree, ours)" ;; esac
done
if ! out=$("$here/blktests/tree.sh" 2>&1); then
	echo "not ok - blktests: no blktests tree"
	sed 's/^/# /' <<<"$out"
	exit 1
fi
bt_dir=$(sed -n 1p <<<"$out")
bt_rev=$(sed -n 2p <<<"$out")
case $bt_dir in
/run/* | /dev/* | /proc/* | /sys/* | /tmp/*) bail "blktests tree '$bt_dir' is hidden or different inside the guest" ;;
*[\ ,=]*) bail "blktests path '$bt_dir' contains a space, comma or '='" ;;
esac

# The tests: whole group or a selection, as blktests names them.
[ ${#tests[@]} -gt 0 ] || tests=(srp)
list=()
for t in "${tests[@]}"; do
	case $t in
	srp) for f in "$bt_dir"/tests/srp/[0-9][0-9][0-9]; do list+=("srp/${f##*/}"); done ;;
	srp/[0-9][0-9][0-9] | [0-9][0-9][0-9]) list+=("srp/${t#srp/}") ;;
	*) bail "unknown test '$t' (srp, srp/NNN or NNN)" ;;
	esac
done
for t in "${list[@]}"; do
	[ -r "$bt_dir/tests/$t" ] || bail "blktests has no test $t ($bt_dir/tests/$t)"
done

# --- build directory, lock, initramfs -------------------------------------------------
build=$top/build/blktests
mkdir -p "$build" || bail "cannot create $build"
exec 9>"$build/.lock"
flock -n 9 || bail "another tests/blktests.sh holds $build/.lock"
# shellcheck source=vm/boot.sh
. "$vm/boot.sh"
vm_initrd "$build" || bail "cannot build the initramfs"

git_rev=$(git -C "$top" describe --always --dirty 2>/dev/null || echo unknown)
started=$(date -u '+%Y-%m-%d %H:%M UTC')
trap vm_cleanup EXIT
trap 'vm_cleanup; echo "not ok - blktests: interrupted"; exit 130' INT TERM HUP

# staged_ko FILE: FILE, or FILE.xz/.zst/.gz as kbuild compressed it (Debian's
# 6.12 and 7.3); FILE itself if none exists.
staged_ko() {
	local f
	for f in "$1" "$1".xz "$1".zst "$1".gz; do
		[ -e "$f" ] && { echo "$f"; return 0; }
	done
	echo "$1"
	return 1
}

# boot MODE: one guest boot running the selected tests against MODE.
fail=0
boot() {
	local mode=$1 results=$build/$1 t0 timed_out=0 qrc grc why staged
	rm -rf "$results" "$build/console-$mode.log"
	mkdir -p "$results" || bail "cannot create $results"
	: >"$results/tap"
	staged=$results/modroot/lib/modules/$KVER/updates/ib_srpt.ko
	if [ "$mode" = ours ]; then
		# "make install" into a staging root; the guest copies it in.
		KVER=$KVER "$here/blktests/stage.sh" "$results/modroot" &&
			staged=$(staged_ko "$staged") &&
			modinfo -F srcversion "$staged" >/dev/null ||
			bail "cannot stage 'make install' of $module in $results/modroot"
	fi
	{
		echo "MODE=$mode"
		echo "TOP=$top"
		echo "MODULE=$staged"
		echo "BT_STAGE=$results/modroot"
		echo "BT_CHECK_LIMIT=$((VM_TIMEOUT - 300))"
		echo "MODULE_SRC=$module"
		echo "KVER=$KVER"
		echo "BT_DIR=$bt_dir"
		echo "BT_TIMEOUT=$BT_TIMEOUT"
		echo "BT_TESTS=\"${list[*]}\""
	} >"$results/run.conf"
	echo "# blktests: $mode: kernel $KVER, blktests $bt_rev ($bt_dir), tests: ${list[*]}"
	t0=$SECONDS
	vm_start "$build" "$results" "$vm/blktests-guest.sh" "$results/tap"
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
	sleep 0.5
	kill "$VM_TPID" 2>/dev/null
	wait "$VM_TPID" 2>/dev/null
	VM_TPID=
	mv -f "$build/console.log" "$build/console-$mode.log"
	grc=$(cat "$results/rc" 2>/dev/null)
	echo "$((SECONDS - t0))" >"$results/elapsed"
	if [ -z "$grc" ]; then
		why="guest did not finish"
		[ "$timed_out" = 1 ] && why="watchdog killed the guest after ${VM_TIMEOUT}s"
		echo "not ok - blktests ($mode): $why (qemu exit $qrc)"
		echo "# last lines of the guest console ($build/console-$mode.log):"
		tail -n 30 "$build/console-$mode.log" 2>/dev/null | sed 's/^/#   /'
		fail=1
	elif [ "$grc" != 0 ] || grep -q '^not ok' "$results/tap"; then
		fail=1
	fi
	echo "# blktests: $mode: boot took $((SECONDS - t0))s (wall clock); results in $results"
}
for m in $MODULES; do boot "$m"; done

# --- report ---------------------------------------------------------------------------
# cell MODE TEST: "pass"/"fail (reason)"/"not run"/"-"; TIME = runtime.
cell() {
	local s st rt why
	CELL='-' TIME='-'
	s=$(grep "^$2 " "$build/$1/blktests/summary" 2>/dev/null) || return 0
	read -r _ st rt why <<<"$s"
	TIME=${rt:--}
	case $st in
	pass) CELL=pass ;;
	fail) CELL="**fail** ($why)" ;;
	not_run) CELL="not run" TIME='-' ;;
	*) CELL="${st:-no result}" ;;
	esac
}
report=$build/report.md
{
	echo "# blktests srp group: Debian's in-tree ib_srpt and ours"
	echo
	echo "- date: $started; ib_srpt git revision: $git_rev"
	staged=$(staged_ko "$build/ours/modroot/lib/modules/$KVER/updates/ib_srpt.ko")
	[ -r "$staged" ] && echo "- ours: $module version $(modinfo -F version "$staged") srcversion $(modinfo -F srcversion "$staged")"
	echo "- blktests: $bt_rev ($bt_dir), USE_RXE=1, TIMEOUT=${BT_TIMEOUT:-30 (the default of blktests)}"
	echo "- guest: qemu TCG, 2 vCPUs, ${VM_MEM} MiB, kernel $KVER; one boot per module"
	for m in $MODULES; do
		echo "- $m: boot took $(cat "$build/$m/elapsed" 2>/dev/null || echo "?") s (wall clock), ./check $(grep -o 'took [0-9.]*s' "$build/$m/tap" 2>/dev/null || echo 'did not finish')"
	done
	echo
	echo "| test | description | in-tree | time | ours | time |"
	echo "| --- | --- | --- | --- | --- | --- |"
	for t in "${list[@]}"; do
		desc=$(sed -n 's/^DESCRIPTION="\(.*\)"$/\1/p' "$bt_dir/tests/$t")
		cell intree "$t"; a=$CELL ta=$TIME
		cell ours "$t"; b=$CELL tb=$TIME
		echo "| $t | $desc | $a | $ta | $b | $tb |"
	done
	echo
	for m in $MODULES; do
		grep -q '^not ok' "$build/$m/tap" 2>/dev/null || continue
		echo "## Failures ($m)"
		echo
		echo '```'
		sed -n '/^not ok/,/^ok/{/^ok/!p}' "$build/$m/tap"
		echo '```'
		echo
	done
} >"$report"
echo "# blktests: report in $report"
if [ "$keep" = 1 ]; then
	kept=$build/runs/$(date +%Y%m%d-%H%M%S)
	mkdir -p "$kept" && cp -r "$report" "$build"/console-*.log "$kept/" &&
		for m in $MODULES; do cp -r "$build/$m" "$kept/"; done &&
		echo "# blktests: kept in $kept"
fi
exit $fail
}
