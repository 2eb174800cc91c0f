#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# PID 1 of the "make blktests" guest (host side: tests/blktests.sh; started
# by the initramfs /init, tests/vm/init.sh, via switch_root like guest.sh).
#
# Prepares the guest as guest.sh does (prepare.sh), then hands the SRP stack
# to upstream blktests (blktests-lib.sh bt_enter: no LIO, no ib_srp, one
# network interface with a carrier, systemd-udevd running) and runs
# "./check srp" (or the tests in BT_TESTS) with USE_RXE=1 against one
# module:
#   MODE=intree  Debian's ib_srpt, as "modprobe ib_srpt" finds it;
#   MODE=ours    the built module, installed into /lib/modules/$KVER/updates
#                (the host's "make install" into a staging root, copied in:
#                blktests-lib.sh bt_install_ours) so that blktests' own
#                "modprobe ib_srpt" loads it.
# A watcher records every ib_srpt loaded meanwhile: each must be the one
# meant (version and srcversion of the built module, or Debian's).
#
# Results in the writable export R: tap (streamed by the host), blktests/
# (blktests' own results: nodev/srp/NNN, .full, .out.bad, .dmesg, and
# check.log, summary), loads.txt (the watcher's record), guest.log,
# dmesg.txt, rc (written last).
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
export R VMDIR MODE TOP MODULE MODULE_SRC KVER BT_DIR BT_TIMEOUT BT_STAGE
TAP=$R/tap
exec >>"$R/guest.log" 2>&1 </dev/null

say() { echo "$*" >>"$TAP"; }
poweroff_now() {
	sync
	busybox poweroff -f
	echo o >/proc/sysrq-trigger
	while :; do read -rt 60 _ </dev/zero; done
}

t_boot=$(cut -d' ' -f1 /proc/uptime)
# shellcheck source=prepare.sh
. "$VMDIR/prepare.sh" srptblk
# shellcheck source=lib.sh
. "$VMDIR/lib.sh"
# shellcheck source=install-lib.sh
. "$VMDIR/install-lib.sh"
# shellcheck source=blktests-lib.sh
. "$VMDIR/blktests-lib.sh"
rc=0
label=$MODE
[ "$MODE" = intree ] && label=in-tree

# shellcheck disable=SC2086 # a list of test names
main() {
	local t0 wpid
	wait_until 20 ibdev_ready || { not_ok "blktests ($label): guest setup: no active $IBDEV"; return 1; }
	stamp t0
	bt_enter || { not_ok "blktests ($label): guest set-up for blktests (see guest.log)"; return 1; }
	since "$t0"
	diag "blktests ($label): guest booted in ${t_boot%.*}s, handed to blktests in ${SECS}s"
	if [ "$MODE" = ours ]; then
		WANT_V=$(modinfo -F version "$MODULE")
		WANT_S=$(modinfo -F srcversion "$MODULE")
		bt_install_ours || return 1
	else
		path=$(modinfo -k "$KVER" -n ib_srpt 2>&1)
		if ! [[ $path =~ $INTREE_RE$ ]]; then
			not_ok "blktests: modprobe ib_srpt finds Debian's module ($path)"
			return 1
		fi
		ok "blktests: modprobe ib_srpt finds Debian's module ($path)"
	fi
	: >"$R/loads.txt"
	bt_watch "$R/loads.txt" &
	wpid=$!
	stamp t0
	bt_check "$R/blktests" "$BT_CHECK_LIMIT" $BT_TESTS
	since "$t0"
	kill "$wpid"
	diag "blktests ($label): ./check $BT_TESTS took ${SECS}s"
	bt_results "$R/blktests" "$label" $BT_TESTS
	bt_watch_verdict "$R/loads.txt" "$MODE"
	[ "$FAILS" = 0 ]
}
main >>"$TAP" || rc=1
dmesg >"$R/dmesg.txt"
echo "$rc" >"$R/rc"
poweroff_now
exit
}
