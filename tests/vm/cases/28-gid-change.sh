#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Case 28: the GID of a port changes under a live channel (issue 13,
# defect 4).  On RoCE GID 0 follows the netdev's MAC; on InfiniBand a new
# subnet prefix or alias GUID does the same.  The wwn named after the old
# GID is detached from the port, the channel stays on it; TPG disable must
# still close it (it waited for nr_channels forever).  Then the old MAC is
# put back, the wwn attaches again and a login works.
{
# shellcheck source=../lib.sh
. "$VMDIR/lib.sh"

DEV=veth0
GIDF=/sys/class/infiniband/$IBDEV/ports/1/gids/0
gid_now() { read -r GNOW <"$GIDF"; }
gid_is() { gid_now; [ "$GNOW" = "$1" ]; }
gid_not() { gid_now; [ "$GNOW" != "$1" ]; }
tpg_off() { echo 0 >"$TPG/enable"; }

srp_logout_all
ensure_target || { not_ok "gid change: target setup"; finish; }
mark gidchange
read -r mac <"/sys/class/net/$DEV/address"
gid_now
gid0=$GNOW
srp_login && srp_disks 3
tap $? "gid change: ib_srp logged in on GID $gid0"
session_live
tap $? "gid change: LIO lists the session"

ip link set "$DEV" address 02:00:5e:00:53:28 && wait_until $((20 * TIME_SCALE)) gid_not "$gid0"
tap $? "gid change: $DEV's MAC changed, GID 0 is now $GNOW"

bounded $((30 * TIME_SCALE)) tpg_off
st=$?
tap $st "gid change: TPG disable with the channel on the renamed port returns (${SECS}s, status $st)"
wait_until "$BOUND" no_session
tap $? "gid change: no session left"

ip link set "$DEV" address "$mac" && wait_until $((20 * TIME_SCALE)) gid_is "$gid0"
tap $? "gid change: old MAC back, GID 0 is $gid0 again"
srp_logout_all
echo 1 >"$TPG/enable"
srp_login && srp_disks 3 && session_live
tap $? "gid change: the wwn is attached again: login works"
srp_logout_all
dmesg_clean "gid change" gidchange
finish
}
