#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# PID 1 of the test guest (started by the initramfs /init via switch_root).
#
# Prepares the guest (tmpfs, configfs, Soft-RoCE, SCSI disk drivers),
# loads the ib_srpt under test, checks that it is the one we meant, runs the
# selected cases one by one and powers the guest off.  Everything it reports
# goes to the writable results export:
#   tap            TAP lines and "# " comments (streamed by the host)
#   done           "<case> <exit status>" for every case that finished
#   <case>.log     stderr of that case (its trace, for debugging)
#   guest.log      stderr/stdout of this script
#   dmesg.txt      the guest's full kernel log at the end
#   kmemleak*.txt  kmemleak's suspects before the cases and at the end
#                  (kernels with kmemleak only)
#   rc             0 if everything passed, written last
{
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
# W: scratch space on a tmpfs of the guest's own (/tmp shows the host's
# files through the overlay, and the repository may live there).
export W=/run/srptvm
export LC_ALL=C HOME=$W/home TERM=dumb

R=
for arg in $(</proc/cmdline); do
	case $arg in srptvm.results=*) R=${arg#*=} ;; esac
done
VMDIR=$(dirname "$0")
# shellcheck source=/dev/null
. "$R/run.conf"
TIME_SCALE=${TIME_SCALE:-1}
export R VMDIR MODE TOP MODULE MODULE_SRC KVER TIME_SCALE
TAP=$R/tap
exec >>"$R/guest.log" 2>&1 </dev/null

say() { echo "$*" >>"$TAP"; }
# Power off at once.  busybox's poweroff -f calls reboot(2) and never
# returns; nothing may be exec'd after that (the 9p root goes away first).
poweroff_now() {
	sync
	busybox poweroff -f
	echo o >/proc/sysrq-trigger
	while :; do nap 60; done
}

t_boot=$(cut -d' ' -f1 /proc/uptime)
# shellcheck source=prepare.sh
. "$VMDIR/prepare.sh" srptvm

# shellcheck source=lib.sh
. "$VMDIR/lib.sh"
rc=0

# run_case NAME: run cases/NAME.sh with its stdout into the TAP stream and
# its stderr into NAME.log, bounded by CASE_TIMEOUT.  timeout(1) cannot end
# a task stuck in the kernel (it waits for it), so a second watchdog gives
# up on such a case and tells the loop to stop running cases.
# A case whose work is mostly emulated compiling may raise its own bound
# with a header line "# case-timeout: SECONDS" (times TIME_SCALE, as every
# bound of the cases; it never lowers CASE_TIMEOUT).
run_case() {
	local c=$1 pid wd st t0 limit=$CASE_TIMEOUT want
	want=$(sed -n 's/^# case-timeout: \([0-9]\{1,\}\)\b.*/\1/p' "$VMDIR/cases/$c.sh" | head -n 1)
	[ -n "$want" ] && [ $((want * TIME_SCALE)) -gt "$limit" ] && limit=$((want * TIME_SCALE))
	mark "case $c"
	echo "srptvm: case $c" >/dev/console	# progress, for a hung guest
	stamp t0
	timeout -k 10 "$limit" bash "$VMDIR/cases/$c.sh" >>"$TAP" 2>"$R/$c.log" &
	pid=$!
	(
		sleep $((limit + 30))
		echo "case $c" >"$W/wedged"
		kill -9 "$pid"
	) &
	wd=$!
	wait "$pid"
	st=$?
	kill "$wd" 2>/dev/null
	since "$t0"
	case $st in
	0 | 1) ;;
	124 | 137)
		say "not ok - $c: timed out after ${limit}s"
		dmesg >"$R/dmesg-$c-timeout.txt"
		tail -n 15 "$R/dmesg-$c-timeout.txt" | sed 's/^/#   /' >>"$TAP"
		;;
	*) say "not ok - $c: aborted with exit status $st (see $R/$c.log)" ;;
	esac
	say "# $c: ${SECS}s"
	echo "$c $st" >>"$R/done"
	[ "$st" = 0 ]
}

# The initiator must have attached to rxe0 (lib.sh's ibdev_ready).
# A kernel with kmemleak (make check-debug): what it suspects before the
# module under test is loaded (boot, Soft-RoCE, ib_srp) is kept apart, to
# tell whose a leak found at the end is.
if [ "$DEMO" = 0 ] && kmemleak_report "$R/kmemleak-boot.txt"; then
	say "# kmemleak: $KMEMLEAK_N suspected leak(s) before the module under test was loaded"
fi
if ! wait_until $((20 * TIME_SCALE)) ibdev_ready; then
	say "not ok - guest setup: no active $IBDEV port with ib_srp on it (see $R/guest.log)"
	rc=1
	for c in $CASES; do
		say "# skipped $c: guest setup failed"
		echo "$c skipped" >>"$R/done"
	done
elif load_target_module >>"$TAP"; then
	say "# guest: booted in ${t_boot%.*}s, module loaded at $(cut -d' ' -f1 /proc/uptime)s uptime"
	if [ "$DEMO" = 1 ]; then
		timeout -k 10 "$CASE_TIMEOUT" bash "$VMDIR/demo.sh" >>"$TAP" 2>>"$R/demo.log" || rc=1
	else
		for c in $CASES; do
			if [ -e "$W/wedged" ]; then
				# A task of an earlier case is stuck in the kernel.
				say "not ok - $c: not run, $(<"$W/wedged") is stuck in the kernel"
				echo "$c 1" >>"$R/done"
				rc=1
				continue
			fi
			run_case "$c" || rc=1
		done
	fi
else
	rc=1
	[ -e "$W/wedged" ] && say "# $(<"$W/wedged") is stuck in the kernel"
	for c in $CASES; do
		say "# skipped $c: module identity check failed"
		echo "$c skipped" >>"$R/done"
	done
fi

# Epilogue: the kernel log must be free of warnings, oopses and hangs, and
# on a kernel with kmemleak no object may be left unreferenced.
if [ "$DEMO" = 0 ] && kmemleak_report "$R/kmemleak.txt"; then
	if [ "$KMEMLEAK_N" = 0 ]; then
		say "ok - kmemleak clean (whole run)"
	else
		say "not ok - kmemleak clean (whole run): $KMEMLEAK_N suspected leak(s), see $R/kmemleak.txt"
		head -n 30 "$R/kmemleak.txt" | sed 's/^/#   /' >>"$TAP"
		rc=1
	fi
fi
if [ "$DEMO" = 1 ]; then
	dmesg_clean "whole run" >/dev/null || { say "The kernel log shows a problem (see $R/dmesg.txt)."; rc=1; }
else
	dmesg_clean "whole run" >>"$TAP" || rc=1
fi
dmesg >"$R/dmesg.txt"
echo "$rc" >"$R/rc"
poweroff_now
exit
}
