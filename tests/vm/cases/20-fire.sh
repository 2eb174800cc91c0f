#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Case 20: "teardown under fire" (issue #4), part 0: the prerequisites of
# cases 21-27 (their shared helpers are in ../fire-lib.sh).  It checks:
#   - tools/srpi is built and not older than srpi.c;
#   - debugfs ib_srpt/objects is readable and idle with nobody logged in
#     (only "devices" non-zero): the baseline every later case returns to;
#   - the slow backstore (dm-delay over brd, 2 s per request) that keeps
#     commands "executing in LIO" can be created, exported as LUN 3 and
#     removed;
#   - how many completion vectors rxe0 has (case 21 asserts the spread of
#     the target's channels over them only if there are at least two).
{
# shellcheck source=../fire-lib.sh
. "$VMDIR/fire-lib.sh"

# --- the case: prerequisites ---------------------------------------------------------------
srpi_ok
tap $? "fire: $SRPI is built and current"
if have_objects; then
	srp_logout_all
	# ib_srp's host is gone; the target releases its channels after that.
	wait_until "$TEARDOWN" objects_idle
	tap $? "fire: live objects idle with nobody logged in: $NOW"
else
	ok "fire: live objects # SKIP no object accounting ($MODE)"
fi
ensure_target
tap $? "fire: target configured"
nv=$(ibv_devinfo -v -d "$IBDEV" 2>/dev/null | awk '/num_comp_vectors/ { print $2 }')
diag "fire: $IBDEV has ${nv:-?} completion vector(s), $(nproc) CPU(s)"
stamp t0
slow_lun_add && [ -b "$SLOW_DEV" ] && [ -d "$TPG/lun/lun_$SLOW_LUN" ]
st=$?
since "$t0"
tap "$st" "fire: slow LUN (dm-delay, ${SLOW_MS} ms per request) exported as LUN $SLOW_LUN (${SECS}s)"
if [ "$st" = 0 ] && srpi_ok && srpi_acl_add "$SLOW_LUN"; then
	stamp t0
	out=$(srpi --iport "$SRPI_ID" 'cmd cdb=read10:0:8 lun=3 tag=1' 'await t=10000')
	since "$t0"
	log "$out"
	login_line
	good_line 1
	[ "$out" = "$LOGIN_LINE"$'\n'"$GOOD_LINE" ]
	oneline "$out"
	tap $? "fire: READ from the slow LUN answered: $ONELINE (${SECS}s)"
fi
srpi_acl_del
slow_lun_del
! [ -d "$TPG/lun/lun_$SLOW_LUN" ] && ! dmsetup info "$SLOW_DM" >/dev/null 2>&1
tap $? "fire: slow LUN removed again"
check_idle "fire"
dmesg_clean "fire" "case $CASE"
finish
}
