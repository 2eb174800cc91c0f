#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Case 15: a legal but greedy initiator on a target with less memory than
# its queue asks for.  tools/srpi keeps NCMD WRITE(16)s of 32 MiB each in
# flight on one channel (all from the same 32 MiB of its buffer, so that the
# initiator side stays small) while the guest has less free memory than
# NCMD x 32 MiB (huge pages take the rest away from the kernel's
# allocator).  Without a per-channel bound the target allocates every
# command's buffers at once and the guest runs into the OOM killer or
# allocation failures; with the TPG's ch_data_budget (64 MiB by default)
# the commands beyond it wait and are submitted as buffers are freed.
#   - every command is answered GOOD, and the data read back is what was
#     written;
#   - commands did wait (debugfs events: budget_waits) and the data held
#     never exceeded the budget (ports: data_peak);
#   - no OOM killer, no allocation failure, the kernel log is clean;
#   - a login afterwards works.
{
# shellcheck source=../lib.sh
. "$VMDIR/lib.sh"

SRPI=$TOP/tools/srpi
DBG=/sys/kernel/debug/ib_srpt
MIB=$((1 << 20))
SIZE=$((32 * MIB))	# bytes per command
FREE_MIB=${BOUNDS_FREE_MIB:-640}	# free memory left to the guest

[ -x "$SRPI" ] || { not_ok "bounds: $SRPI is not built (make -C tools)"; finish; }
[ -r "$DBG/events" ] || mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
event() { awk -v k="$1" '$1 == k { print $2 }' "$DBG/events"; }
port_peak() {
	sed -n 's/.* data_peak=\([0-9]*\).*/\1/p' "$DBG/ports" | sort -n | tail -1
}
meminfo() { awk -v k="$1:" '$1 == k { print int($2 / 1024) }' /proc/meminfo; }

# srpi's logins use ib_srp's initiator port ID: keep ib_srp out of the way.
srp_logout_all
ensure_target || { not_ok "bounds: target setup"; finish; }
read -r budget <"$TPG/attrib/ch_data_budget"
[ "$budget" = $((64 * MIB)) ]
tap $? "bounds: ch_data_budget defaults to 64 MiB ($budget)"

# Take memory away: huge pages are not available to the kernel's
# allocations.  NCMD commands then need more than twice what is left.
avail=$(meminfo MemAvailable)
echo 3 >/proc/sys/vm/drop_caches
hp=$(((avail - FREE_MIB) / 2))
[ "$hp" -gt 0 ] || hp=0
echo "$hp" >/proc/sys/vm/nr_hugepages
got=$(awk '$1 == "HugePages_Total:" { print $2 }' /proc/meminfo)
free=$(meminfo MemAvailable)
NCMD=$(((2 * free * MIB + SIZE - 1) / SIZE + 1))
[ "$NCMD" -le 120 ] || NCMD=120
diag "bounds: $got huge pages of 2 MiB reserved, MemAvailable ${free} MiB; $NCMD commands of 32 MiB ($((NCMD * 32)) MiB) in flight"
[ $((NCMD * 32)) -gt "$free" ]
tap $? "bounds: the queue ($((NCMD * 32)) MiB) asks for more than the free memory (${free} MiB)"

mark bounds
waits0=$(event budget_waits)
blocks=$((SIZE / 512))
stamp t0
# The TUR first takes a unit attention that a fresh LUN mapping may still
# have pending for this nexus (seen on 7.3 when the case ran first).
out=$(timeout -k 5 900 "$SRPI" --data-size $((2 * SIZE + MIB)) --timeout 600000 \
	"cmd cdb=tur tag=999" await "fill seed=15 len=$SIZE" \
	"cmd cdb=write16:4096:$blocks rep=$NCMD" "wait $NCMD" \
	"cmd cdb=read16:4096:$blocks off=$SIZE tag=1000" await \
	"cmp a=0 b=$SIZE len=$SIZE" credits 2>>"$R/15-bounds.srpi.log")
st=$?
since "$t0"
log "$out"
echo 0 >/proc/sys/vm/nr_hugepages
exp="rsps n=$NCMD good=$NCMD check=0 tmf=0 other=0 req_lim_delta=$NCMD"
echo "$out" | grep -qx "$exp"
tap $? "bounds: $NCMD WRITEs of 32 MiB all answered GOOD in ${SECS}s (srpi exit $st)"
echo "$out" | grep -q "^rsp tag=1000 status=0x00 " && echo "$out" | grep -qx "cmp ok len=$SIZE"
tap $? "bounds: the data read back is what was written"
waits=$(($(event budget_waits) - waits0))
[ "$waits" -gt 0 ]
tap $? "bounds: $waits commands waited for the channel's data budget"
peak=$(port_peak)
[ -n "$peak" ] && [ "$peak" -le "$budget" ]
tap $? "bounds: data held by the channel peaked at $((${peak:-0} / MIB)) MiB (budget $((budget / MIB)) MiB)"
if kmsg_since bounds | grep -E 'invoked oom-killer|Out of memory|page allocation failure'; then
	not_ok "bounds: the guest ran out of memory"
else
	ok "bounds: no OOM killer, no allocation failure"
fi
dmesg_clean bounds bounds

need_login 2
tap $? "bounds: ib_srp logs in again afterwards"
finish
}
