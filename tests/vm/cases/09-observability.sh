#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Case 9: observability.  The module's statistics in debugfs and
# tools/srpt-stat (table and JSON) report the live channel, its commands
# and bytes, the port's logins and rejects by reason; dynamic debug shows
# every login decision; tracepoints record logins, commands and releases.
{
# shellcheck source=../lib.sh
. "$VMDIR/lib.sh"

STAT=$TOP/tools/srpt-stat
DBG=/sys/kernel/debug
[ -r "$DBG/ib_srpt/ports" ] || mount -t debugfs debugfs "$DBG"

srp_logout_all
ensure_target || { not_ok "observability: target setup"; finish; }
echo 'module ib_srpt +p' >"$DBG/dynamic_debug/control"
tap $? "dynamic debug enabled for ib_srpt"
TR=/sys/kernel/tracing
[ -d "$TR/events" ] || mount -t tracefs tracefs "$TR"
echo >"$TR/trace"
echo 1 >"$TR/events/srpt/enable"
tap $? "tracepoints of the srpt trace system enabled"
mark obs

login_ok 2
tap $? "login"
dd if=/dev/zero of="${DISK[0]}" bs=64k count=32 oflag=direct 2>/dev/null &&
	dd if="${DISK[0]}" of=/dev/null bs=64k count=16 iflag=direct 2>/dev/null
tap $? "2 MiB written and 1 MiB read"

"$STAT" >"$W/stat.txt" 2>&1
st=$?
cat "$W/stat.txt" >&2
[ "$st" = 0 ] && grep -q "0x$GID_HEX" "$W/stat.txt" &&
	grep -q "^Channels" "$W/stat.txt" && grep -q " live " "$W/stat.txt"
tap $? "srpt-stat table lists the live channel of 0x$GID_HEX"

"$STAT" --json >"$W/stat.json" 2>&1
python3 - "$W/stat.json" "0x$GID_HEX" >&2 <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
ch = [c for c in d["channels"] if c["initiator"] == sys.argv[2]]
assert len(ch) >= 1, "no channel for the initiator"
assert sum(c["bytes_written"] for c in ch) >= 2 << 20, "bytes_written"
assert sum(c["bytes_read"] for c in ch) >= 1 << 20, "bytes_read"
assert sum(c["commands"] for c in ch) >= 48, "commands"
assert all(c["state"] == "live" and c["credits"] == 128 for c in ch)
p = d["ports"][0]
assert p["logins_accepted"] >= 1 and p["channels"] == len(ch)
assert d["objects"]["channels"] == len(ch)
PY
tap $? "srpt-stat --json: channels, commands, bytes, logins and objects agree"

rej0=$(awk '{for (i = 1; i <= NF; i++) if ($i ~ /^reject_unable_associate=/) { sub(/.*=/, "", $i); print $i }}' "$DBG/ib_srpt/ports")
srp_login id_ext=1234567812345678 2>/dev/null
rej1=$(awk '{for (i = 1; i <= NF; i++) if ($i ~ /^reject_unable_associate=/) { sub(/.*=/, "", $i); print $i }}' "$DBG/ib_srpt/ports")
[ "$((rej1 - rej0))" = 1 ]
tap $? "a wrong target port ID counts as reject_unable_associate ($rej0 -> $rej1)"

kmsg_since obs | grep -q "ib_srpt:.*login accepted on" &&
	kmsg_since obs | grep -q "ib_srpt:.*-> rejected (reason 0x10003"
tap $? "dynamic debug shows the login decisions"
echo 'module ib_srpt -p' >"$DBG/dynamic_debug/control"

srp_logout_all
wait_until 30 test "$(awk '$1 == "channels" { print $2 }' "$DBG/ib_srpt/objects")" = 0
"$STAT" --json ports >"$W/stat2.json" &&
	python3 -c 'import json,sys; p=json.load(open(sys.argv[1]))["ports"][0]; assert p["channels"] == 0 and p["bytes_written"] >= 2 << 20' "$W/stat2.json"
tap $? "after logout the port keeps the released channels' totals"
echo 0 >"$TR/events/srpt/enable"
cp "$TR/trace" "$W/trace.txt"
head -n 40 "$W/trace.txt" >&2
for ev in "srpt_login_accept: initiator=0x$GID_HEX" "srpt_cmd_start: qp=" \
	"srpt_cmd_done: qp=.* status=0x0" "srpt_login_reject: .*reason=0x10003" \
	"srpt_channel_release: initiator=0x$GID_HEX"; do
	grep -q "$ev" "$W/trace.txt"
	tap $? "trace event: $ev"
done
dmesg_clean "observability" obs
finish
}
