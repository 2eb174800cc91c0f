#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Case 13: upstream blktests, the way the kernel's RDMA maintainers test
# ib_srpt: "./check srp/002 srp/005" with USE_RXE=1 against the module
# under test (blktests-lib.sh; the whole group is "make blktests").
#   srp/002  ext4 on dm-multipath over ib_srp, fio randwrite verify=md5
#            (16 jobs, QD 64) while the initiator logs out and in again
#            (TIMED: TIMEOUT seconds of fio, see BT_TIMEOUT below);
#   srp/005  direct 4 MiB randwrite verify=md5 with cmd_sg_entries=255
#            (10 s of fio).
# blktests reloads ib_srpt itself ("modprobe ib_srpt" and its own configfs
# layout), so ours is first installed into /lib/modules/$KVER/updates
# (run.sh ran "make install" into a staging root, tests/blktests/stage.sh,
# whose files the case copies in) and a watcher checks that every ib_srpt
# blktests loads has the built module's version and srcversion.  A test
# that fails, is not run or leaves no result fails the case.
# Leaves: nothing installed, no udevd/multipathd, rxe0 on veth0, ib_srp,
# the module under test loaded by path (load_target_module), no LIO
# configuration (the next case sets its target up again).
{
# shellcheck source=../lib.sh
. "$VMDIR/lib.sh"
# shellcheck source=../install-lib.sh
. "$VMDIR/install-lib.sh"
# shellcheck source=../blktests-lib.sh
. "$VMDIR/blktests-lib.sh"
# BT_DIR: the blktests tree run.sh prepared (tests/blktests/tree.sh).
# shellcheck source=/dev/null
. "$R/run.conf"

# TIMEOUT=20 for srp/002: fio runs 20 s and the logout/login loop logs out
# at 5 s, in again at about 10-15 s (a login takes 4-5 s here) and out once
# more, so the data path is verified across a full reconnect while the
# case stays within about 4 minutes of guest time; blktests' default (30 s)
# adds one more cycle and 10 s.
BT_TIMEOUT=${BT_TIMEOUT:-20}
BT_TESTS="srp/002 srp/005"
label=ours
[ "$MODE" = intree ] && label=in-tree

if [ -z "${BT_DIR:-}" ] || [ ! -x "$BT_DIR/check" ]; then
	why=$(cat "$R/blktests-tree.txt" 2>/dev/null)
	# blktests is not part of this project: without a checkout (BLKTESTS)
	# or the snapshot next to the repository there is nothing to run, which
	# is no failure of the module (make blktests says how to get it).  A
	# source that is there but broken is one.
	if [[ $why == *"no blktests source"* ]]; then
		ok "blktests: srp/002 srp/005 # SKIP no blktests source on this machine (tests/blktests/tree.sh: BLKTESTS=DIR or ../shared/blktests)"
	else
		not_ok "blktests: no blktests tree (${BT_DIR:-none}): $why"
	fi
	finish
fi

t0=0 T_CASE=0
mark blktests
stamp T_CASE
stamp t0
if bt_enter; then
	since "$t0"
	ok "blktests: guest handed to blktests (LIO, ib_srp unloaded, one rxe netdev, udevd) in ${SECS}s"
	st=0
	if [ "$MODE" = ours ]; then
		# shellcheck disable=SC2034 # used by blktests-lib.sh
		WANT_V=$(modinfo -F version "$MODULE")
		# shellcheck disable=SC2034
		WANT_S=$(modinfo -F srcversion "$MODULE")
		bt_install_ours || st=1
	fi
	if [ "$st" = 0 ]; then
		: >"$W/bt-loads.txt"
		bt_watch "$W/bt-loads.txt" &
		wpid=$!
		stamp t0
		# shellcheck disable=SC2086 # a list of test names
		# Leave 150 s of the case's time for bt_leave.
		since "$T_CASE"
		bt_check "$R/blktests" $((CASE_TIMEOUT - ${SECS%.*} - 150)) $BT_TESTS
		since "$t0"
		kill "$wpid"
		diag "blktests ($label): ./check $BT_TESTS took ${SECS}s (TIMEOUT=$BT_TIMEOUT)"
		# shellcheck disable=SC2086
		bt_results "$R/blktests" "$label" $BT_TESTS
		bt_watch_verdict "$W/bt-loads.txt" "$MODE"
	fi
else
	not_ok "blktests: guest handed to blktests (see $R/13-blktests.log)"
fi
bt_leave "restore: "
dmesg_clean "blktests" blktests
finish
}
