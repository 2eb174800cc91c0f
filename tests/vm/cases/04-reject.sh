#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Case 4: logins the target must reject.  For each, add_target must fail,
# no SCSI host may stay behind, and ib_srp must log
#   scsi hostN: ib_srp: SRP LOGIN REJECTED, reason 0x000100NN
# with the expected SRP_LOGIN_REJ reason:
#   (a) wrong target port ID (id_ext/ioc_guid != srpt_service_guid): 0x00010003
#   (b) initiator without an ACL (other initiator_ext): ours 0x00010000
#       (UNABLE_ESTABLISH_CHANNEL), the in-tree driver 0x00010006
#   (c) TPG disabled: 0x00010001 (INSUFFICIENT_RESOURCES)
# Afterwards the TPG is enabled again and a normal login must work.
{
# shellcheck source=../lib.sh
. "$VMDIR/lib.sh"

srp_logout_all
ensure_target || { not_ok "reject: target setup"; finish; }

# rejected TAG REASON WHAT LOGIN-OPTIONS...: one rejected-login check.
rejected() {
	local tag=$1 reason=$2 what=$3 st lines n=0 p
	shift 3
	mark "reject-$tag"
	srp_login "$@"
	st=$?
	for p in /sys/class/srp_remote_ports/port-*; do [ -e "$p" ] && n=$((n + 1)); done
	[ "$st" != 0 ] && [ "$n" = 0 ]
	tap $? "($tag) $what: add_target fails (status $st), no remote port left ($n)"
	lines=$(kmsg_since "reject-$tag" | grep -E 'ib_srp: .*(REJ|rejected|failed)')
	log "$lines"
	grep -qE "scsi host[0-9]+: ib_srp: SRP LOGIN REJECTED, reason $reason\$" <<<"$lines"
	tap $? "($tag) $what: ib_srp reports 'SRP LOGIN REJECTED, reason $reason'"
	grep -E 'REJECTED' <<<"$lines" | sed 's/^/#   /'
}

bad_guid=0123456789abcdef
[ "$SGUID" = "$bad_guid" ] && bad_guid=fedcba9876543210
rejected a 0x00010003 "wrong target port ID" id_ext=$bad_guid ioc_guid=$bad_guid

acl_reason=0x00010000
[ "$MODE" = intree ] && acl_reason=0x00010006
rejected b $acl_reason "initiator without an ACL" initiator_ext=1122334455667788

if echo 0 >"$TPG/enable"; then ok "TPG disabled"; else not_ok "TPG disabled"; fi
rejected c 0x00010001 "TPG disabled"
if echo 1 >"$TPG/enable"; then ok "TPG enabled again"; else not_ok "TPG enabled again"; fi

if login_ok 2; then
	ok "normal login works after the rejects (${SECS}s)"
	srp_logout
	tap $? "logout"
else
	not_ok "normal login works after the rejects"
fi
dmesg_clean "rejected logins" reject-a
finish
}
