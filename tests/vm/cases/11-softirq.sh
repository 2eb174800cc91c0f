#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Case 11: completion polling in softirq (TPG attribute poll_mode=1):
# ib_srp login and fio with crc32c verify (writes go through the deferred
# RDMA READ completion path), then back to the workqueue default.
{
# shellcheck source=../lib.sh
. "$VMDIR/lib.sh"

srp_logout_all
ensure_target || { not_ok "softirq: target setup"; finish; }
echo 1 >"$TPG/attrib/poll_mode"
[ "$(<"$TPG/attrib/poll_mode")" = 1 ]
tap $? "poll_mode=1 accepted"
mark softirq
login_ok 2
tap $? "login with poll_mode=1"
export RD=${DISK[0]} FD=${DISK[1]}
timeout -k 10 300 fio --eta=never "$VMDIR/hostile/verify.fio" >"$W/softirq.out" 2>&1
st=$?
cat "$W/softirq.out" >&2
[ "$st" = 0 ] && ! grep -qi 'verify failed\|bad magic\|bad header' "$W/softirq.out"
tap $? "fio verify=crc32c with completions polled in softirq"
srp_logout_all
echo 0 >"$TPG/attrib/poll_mode"
dmesg_clean "softirq polling" softirq
finish
}
