#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Case 29: network namespaces (issue 14).  The RDMA/CM listener lives in
# the namespace of whoever writes discovery_auth/rdma_cm_port (or loads
# the module); discovery_auth/rdma_cm_netns shows which.
#   (a) every kernel: the listener moved into an empty namespace is
#       invisible from the initial one (ib_srp's login to 192.0.2.1 fails),
#       written again from the initial namespace it takes logins again; an
#       ACL name with an IPv6 scope names a device of the writer's
#       namespace;
#   (b) where rxe itself works in a namespace (its UDP socket per namespace:
#       7.x; 6.1's rxe has one socket, in init_net, so there it is skipped):
#       the target side in namespace "srpt" on a veth end and an rxe of its
#       own, ib_srp logs in from the initial namespace over the other end,
#       writes and reads back data; meanwhile the initial namespace's
#       address (192.0.2.1) takes no login.
# nsenter --net, not "ip netns exec": that one mounts a new /sys, which
# hides configfs.
{
# shellcheck source=../lib.sh
. "$VMDIR/lib.sh"

PORTF=$SRPT/discovery_auth/rdma_cm_port
NSF=$SRPT/discovery_auth/rdma_cm_netns
init_ino=$(stat -L -c %i /proc/self/ns/net)
in_ns() { local ns=$1; shift; nsenter --net="/run/netns/$ns" "$@"; }
netns_is() { local v; read -r v <"$NSF" && [ "$v" = "$1" ]; }
# login_fails DEST: an ib_srp login to DEST must not succeed.
login_fails() {
	if srp_login dest="$1" 2>/dev/null; then
		srp_logout
		return 1
	fi
	return 0
}

srp_logout_all
ensure_target || { not_ok "netns: target setup"; finish; }
mark netns
netns_is "$init_ino"
tap $? "netns: the listener is in the initial namespace ($(cat "$NSF"))"

# --- (a) a listener in another namespace is invisible --------------------------------
ip netns add srptempty
empty_ino=$(stat -L -c %i /run/netns/srptempty)
in_ns srptempty sh -c "echo $RDMA_CM_PORT >$PORTF" && netns_is "$empty_ino"
tap $? "netns (a): rdma_cm_port written in namespace srptempty: rdma_cm_netns $empty_ino"
login_fails "$TARGET_IP:$RDMA_CM_PORT"
tap $? "netns (a): ib_srp's login to $TARGET_IP (initial namespace) finds no listener"
echo "$RDMA_CM_PORT" >"$PORTF" && netns_is "$init_ino"
tap $? "netns (a): written again from the initial namespace: rdma_cm_netns $init_ino"
srp_login && srp_disks 3
tap $? "netns (a): and the login to $TARGET_IP works again"
srp_logout
# ACL names with an IPv6 scope name a device of the writer's namespace.
ip link add vethz0 type veth peer name vethz1 && ip link set vethz1 netns srptempty
zacl=$TPG/acls/fe80::1%vethz1
mkdir "$zacl" 2>/dev/null; a=$?; [ "$a" = 0 ] && rmdir "$zacl"
in_ns srptempty mkdir "$zacl"; b=$?; [ "$b" = 0 ] && rmdir "$zacl"
[ "$a" != 0 ] && [ "$b" = 0 ]
tap $? "netns (a): ACL fe80::1%vethz1 refused from the initial namespace, accepted from srptempty (where vethz1 is)"
ip link del vethz0
ip netns del srptempty

# --- (b) the target side in its own namespace ----------------------------------------
N_INI=198.51.100.1 N_TGT=198.51.100.2
ip netns add srpt
tgt_ino=$(stat -L -c %i /run/netns/srpt)
ip link add vethn0 mtu 9000 type veth peer name vethn1 mtu 9000 &&
	ip link set vethn1 netns srpt &&
	ip addr add "$N_INI/24" dev vethn0 && ip link set vethn0 up &&
	in_ns srpt ip addr add "$N_TGT/24" dev vethn1 &&
	in_ns srpt ip link set vethn1 up && in_ns srpt ip link set lo up &&
	rdma link add rxen0 type rxe netdev vethn0 &&
	in_ns srpt rdma link add rxen1 type rxe netdev vethn1
tap $? "netns (b): namespace srpt with vethn1 ($N_TGT) and rxen1; vethn0 ($N_INI) and rxen0 here"
# rxe's UDP port 4791 (0x12B7) bound in the namespace: rxe supports it.
if ! in_ns srpt grep -q ':12B7 ' /proc/net/udp /proc/net/udp6 2>/dev/null; then
	ok "netns (b): # SKIP this kernel's rxe has no network namespace support (its UDP socket is in init_net only)"
else
	wait_until $((30 * TIME_SCALE)) exists /sys/class/infiniband_srp/srp-rxen0-1/add_target
	read -r gi </sys/class/infiniband/rxen0/ports/1/gids/0
	gi=${gi//:/}
	port_make rxen1 "$gi" "$(echo "$CFS"/core/rd_mcp_*/rd)"
	tap $? "netns (b): ${PM_TPG%/*} (rxen1), LUN 0 and the ACL of 0x$gi (rxen0)"
	A=$PM_ACL
	in_ns srpt sh -c "echo $RDMA_CM_PORT >$PORTF" && netns_is "$tgt_ino"
	tap $? "netns (b): rdma_cm_port written in namespace srpt: rdma_cm_netns $tgt_ino"
	SRP_ADD_INIT=$SRP_ADD
	SRP_ADD=/sys/class/infiniband_srp/srp-rxen0-1/add_target
	srp_login dest="$N_TGT:$RDMA_CM_PORT" initiator_ext="${gi:0:16}" && srp_disks 1
	tap $? "netns (b): ib_srp in the initial namespace logs in to $N_TGT over rxen0"
	if [ -n "${DISK[0]:-}" ]; then
		head -c 4M /dev/urandom >"$W/netns.dat"
		dd if="$W/netns.dat" of="${DISK[0]}" bs=1M oflag=direct 2>/dev/null &&
			cmp -n 4194304 "$W/netns.dat" "${DISK[0]}"
		tap $? "netns (b): 4 MiB written through the namespaced target and read back"
		grep -q "^   Address $N_INI:[0-9]* RoCE/rdma_cm$" "$A/info"
		tap $? "netns (b): the ACL's info shows the initiator's address $N_INI"
	fi
	SRP_ADD=$SRP_ADD_INIT
	login_fails "$TARGET_IP:$RDMA_CM_PORT"
	tap $? "netns (b): meanwhile the initial namespace's $TARGET_IP takes no login"
	SRP_ADD=/sys/class/infiniband_srp/srp-rxen0-1/add_target
	[ -n "${SRP_HOST:-}" ] && srp_logout_all
	SRP_ADD=$SRP_ADD_INIT
	port_remove "$PM_TPG"
	tap $? "netns (b): the namespaced port's configuration removed"
fi
echo "$RDMA_CM_PORT" >"$PORTF"
rdma link delete rxen0 2>/dev/null
in_ns srpt rdma link delete rxen1 2>/dev/null
ip link del vethn0 2>/dev/null
ip netns del srpt
netns_is "$init_ino"
tap $? "netns: the listener is back in the initial namespace"
dmesg_clean netns netns
finish
}
