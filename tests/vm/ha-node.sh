#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# PID 1 of a make-ha node (tests/ha.sh boots two: node a and node b).
#
# Both nodes export the same shared disk (/dev/vda: one image file attached
# to both guests) through this module, as LIO iblock backstores with the
# same unit serial, so that an initiator sees one logical unit through two
# target ports; ALUA target port groups tell it which one to prefer:
#
#   node a  target port group node_a (id 1): active/optimized, preferred
#   node b  target port group node_b (id 2): active/non-optimized
#
# Each node defines both groups with the same IDs and states and puts its
# own LUN in its own group, so RTPG through either port reports the same
# picture (a real dual-controller array reports every port of the LU).
# Node b sets up its target, writes R/ready and waits for R/finish.  Node a
# also runs the initiator: ib_srp logs in to both nodes over rxe0,
# multipathd (with udevd) makes one dm-multipath map of the two paths with
# the ALUA handler, and the scenarios of ha-lib.sh run fio verify over it
# while a node fails and comes back.  What only the host can do (kill node
# b's qemu, boot it again, flap its link) node a asks for through R/req and
# R/ack (ha_host).
#
# run.conf (tests/ha.sh): NODE (a|b), NODE_IP, PEER_IP, INIT_GID_HEX (node
# a's GID 0, computed by the host from its MAC: node b's ACL), HA_SERIAL,
# PEER_SGUID (node a: node b's service GUID), HA_* tunables, MODULE,
# MODULE_SRC, KVER, TOP, TIME_SCALE.
{
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
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
MODE=ours
export R VMDIR MODE TOP MODULE MODULE_SRC KVER TIME_SCALE
exec >>"$R/guest.log" 2>&1 </dev/null

poweroff_now() {
	sync
	busybox poweroff -f
	echo o >/proc/sysrq-trigger
	while :; do sleep 60; done
}

# shellcheck source=prepare.sh
PREP_NIC_ADDR=$NODE_IP/24 . "$VMDIR/prepare.sh" "ha-$NODE"
# shellcheck source=lib.sh
. "$VMDIR/lib.sh"
# shellcheck source=ha-lib.sh
. "$VMDIR/ha-lib.sh"

# TAP lines to the stream the host prints, each with the node's name.
exec >>"$R/tap" 2>>"$R/node.log"
ok() { echo "ok - $NODE: $*"; }
not_ok() { echo "not ok - $NODE: $*"; FAILS=$((FAILS + 1)); }

# In a subshell: a shell error there (an expansion error ends a
# non-interactive shell) must not end PID 1 before the verdict is written.
(ha_main; echo "$FAILS" >"$W/fails")
FAILS=
read -r FAILS 2>/dev/null <"$W/fails"
[ -n "$FAILS" ] || { not_ok "the node's script ended early (shell error: $R/node.log)"; FAILS=1; }
rc=$((FAILS > 0))
dmesg >"$R/dmesg.txt"
echo "$rc" >"$R/rc"
poweroff_now
}
