#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Case 8: large I/O, as the blktests srp group does it, and external
# indirect descriptor tables (which the upstream target refuses).
#  (a) ib_srp with never_register=1 (one descriptor per page),
#      allow_ext_sg=1, cmd_sg_entries=1, sg_tablesize=2048, max_sect=131072:
#      4 MiB and 8 MiB direct and buffered I/O with verify; the target must
#      have fetched external tables (debugfs events);
#  (b) cmd_sg_entries=255 (whole tables in the IU), 4 MiB and 8 MiB with
#      verify.
{
# shellcheck source=../lib.sh
. "$VMDIR/lib.sh"

DBG=/sys/kernel/debug/ib_srpt
[ -r "$DBG/events" ] || mount -t debugfs debugfs /sys/kernel/debug
event() { awk -v k="$1" '$1 == k { print $2 }' "$DBG/events"; }

run_fio() {		# label: on the ramdisk and on the iblock LUN at once
	local st st2
	RD=${DISK[0]} timeout -k 10 300 fio --eta=never "$VMDIR/fio/large-io.fio" \
		>"$W/large-$1.out" 2>&1 &
	RD=${DISK[2]} timeout -k 10 300 fio --eta=never "$VMDIR/fio/large-io.fio" \
		>"$W/large-$1-nb.out" 2>&1
	st2=$?
	wait $!
	st=$?
	cat "$W/large-$1.out" "$W/large-$1-nb.out" >&2
	! grep -qi 'verify failed\|bad magic\|bad header' "$W/large-$1.out" "$W/large-$1-nb.out" &&
		[ "$st" = 0 ] && [ "$st2" = 0 ]
}

reload_srp() {		# module parameters...
	srp_logout_all
	modprobe -r ib_srp && modprobe ib_srp "$@"
	wait_until $((30 * TIME_SCALE)) exists "$SRP_ADD"
}

srp_logout_all
ensure_target || { not_ok "large I/O: target setup"; finish; }
mark large

reload_srp never_register=1 indirect_sg_entries=2048 allow_ext_sg=1 cmd_sg_entries=1
tap $? "(a) ib_srp reloaded with never_register=1 allow_ext_sg=1 cmd_sg_entries=1"
ext0=$(event external_tables_fetched)
srp_login cmd_sg_entries=1 allow_ext_sg=1 sg_tablesize=2048 max_sect=131072 &&
	srp_disks 3
tap $? "(a) login with external tables allowed, max_sect=131072"
if [ -n "${DISK[0]:-}" ]; then
	run_fio ext
	tap $? "(a) 4 MiB and 8 MiB direct and buffered I/O with crc32c verify (rd_mcp and iblock)"
	ext=$(($(event external_tables_fetched) - ext0))
	[ "$ext" -gt 0 ]
	tap $? "(a) the target fetched $ext external descriptor tables"
fi

reload_srp
tap $? "(b) ib_srp reloaded with default parameters"
srp_login cmd_sg_entries=255 max_sect=131072 && srp_disks 3
tap $? "(b) login with cmd_sg_entries=255"
if [ -n "${DISK[0]:-}" ]; then
	ext0=$(event external_tables_fetched)
	run_fio sg255
	tap $? "(b) 4 MiB and 8 MiB direct and buffered I/O with crc32c verify (rd_mcp and iblock)"
	diag "(b) external tables fetched: $(($(event external_tables_fetched) - ext0))"
fi
srp_logout_all
dmesg_clean "large I/O" large
finish
}
