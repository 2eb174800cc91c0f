#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Case 34: iWARP, with soft-iWARP (siw).  Debian's kernels do not build
# siw, so on them this case is skipped; the debug kernel (make check-debug,
# scripts/debug-kernel.config) has it.  A second veth pair, one siw device
# on each end (iWARP runs over TCP, so the initiator and the target need
# devices of their own: rxe0 serves both only because RoCE loops back
# inside one device): the target's port named after siw_t's GID; srpi
# from siw_i's address writes 1 MiB and reads it back; ib_srp logs in over
# siw_i through the RDMA/CM (a SKIP where ib_srp cannot create its QP on
# siw: seen once on 6.1, before the target listened on IPv4 and IPv6
# separately; on 6.1.192 with the two listeners it logs in) and data
# written with every transfer size up to 1 MiB reads back.  The target's
# IPv4 listener is what makes any of it work: with one dual-stack IPv6
# listener siw's socket reports an IPv4 login's local address as
# v4-mapped IPv6, the RDMA/CM finds no device with that address and
# resets the connection before the target sees a request.  iWARP needs a registered memory
# region as the sink of every RDMA READ (rdma_rw's MR path; rxe never
# takes it), which is what this exercises.  The target's end (vethw0,
# siw_t and the RDMA/CM listener) is in a namespace of its own, srptw:
# with both ends in one namespace the target's address would be local and
# the RDMA/CM would resolve it over lo, where there is no siw device.
# Order matters, the RDMA/CM's and siw's: a listener is extended to every
# device added later, and siw makes its TCP listening socket in the
# namespace of whoever adds the device.  So the listener moves to srptw
# before siw_t is added there (else the initial namespace's listener would
# take 203.0.113.1:5555 in srptw first, and srptw's own listen would fail
# with EADDRINUSE), and the siw devices go before it moves back (else the
# initial namespace's listen would have to bind siw_t's address, which is
# not there).  siw also counts registered memory against RLIMIT_MEMLOCK,
# even for root: srpi runs with it lifted.
# With use_srq=1, an srpi load over two channels: siw's completion vectors
# are the CPUs, so the two channels get an SRQ each (one per vector).
{
# shellcheck source=../lib.sh
. "$VMDIR/lib.sh"

W_TGT=203.0.113.1 W_INI=203.0.113.2
PORTF=$SRPT/discovery_auth/rdma_cm_port
# nsenter --net, not "ip netns exec" (which mounts a new /sys): see case 29.
in_ns() { local ns=$1; shift; nsenter --net="/run/netns/$ns" "$@"; }
srp_logout_all
ensure_target || { not_ok "iwarp: target setup"; finish; }
if ! modprobe siw 2>/dev/null; then
	ok "iwarp: # SKIP this kernel has no siw (soft-iWARP; Debian does not build it)"
	finish
fi
mark iwarp
ulimit -l unlimited
ip netns add srptw &&
	ip link add vethw0 mtu 9000 type veth peer name vethw1 mtu 9000 &&
	ip link set vethw0 netns srptw &&
	in_ns srptw ip addr add "$W_TGT/24" dev vethw0 && ip addr add "$W_INI/24" dev vethw1 &&
	in_ns srptw ip link set vethw0 up && in_ns srptw ip link set lo up &&
	ip link set vethw1 up &&
	in_ns srptw sh -c "echo $RDMA_CM_PORT >$PORTF" &&
	in_ns srptw rdma link add siw_t type siw netdev vethw0 &&
	rdma link add siw_i type siw netdev vethw1 &&
	wait_until $((30 * TIME_SCALE)) exists /sys/class/infiniband_srp/srp-siw_i-1/add_target
tap $? "iwarp: siw_t on vethw0 ($W_TGT, namespace srptw, with the RDMA/CM listener), siw_i on vethw1 ($W_INI), ib_srp on siw_i"
read -r gi </sys/class/infiniband/siw_i/ports/1/gids/0
gi=${gi//:/}
port_make siw_t "$gi" "$(echo "$CFS"/core/iblock_*/nb)"
tap $? "iwarp: ${PM_TPG%/*} (siw_t), LUN 0 on the iblock backstore, ACL 0x$gi (siw_i)"
A=$PM_ACL
# srpi (tools/srpi, librdmacm; rdma-core's siw provider) from siw_i's
# address: the target's iWARP data path whatever ib_srp can do there.
SRPI=$TOP/tools/srpi
out=$(timeout -k 5 $((120 * TIME_SCALE)) "$SRPI" -t $((10000 * TIME_SCALE)) --data-size 4m \
	-d "$W_TGT:$RDMA_CM_PORT" -s "$W_INI" \
	'fill seed=34 len=1048576' 'cmd cdb=write10:4096:2048 tag=1' await \
	'cmd cdb=read10:4096:2048 off=1048576 tag=2' await 'cmp a=0 b=1048576 len=1048576' 2>&1)
log "srpi over siw: $out"
[[ $out == "login rsp"* ]] && [[ $out == *"rsp tag=1 status=0x00"* ]] &&
	[[ $out == *"rsp tag=2 status=0x00"* ]] && [[ $out == *"cmp ok len=1048576"* ]]
tap $? "iwarp: srpi over siw_i writes 1 MiB (RDMA READ by the target into registered memory) and reads it back: $(echo "$out" | tr '\n' ';')"
# use_srq=1 over siw, whose completion vectors are the CPUs: two channels
# of one nexus land on two vectors and so on two SRQs (one per vector).
mark iwarp-srq
echo 1 >"$PM_TPG/attrib/use_srq"
out=$(timeout -k 5 $((120 * TIME_SCALE)) "$SRPI" load -t $((10000 * TIME_SCALE)) \
	-d "$W_TGT:$RDMA_CM_PORT" -s "$W_INI" --channels 2 --qd 8 --rw randrw --time 3 2>&1)
log "srpi load over siw, use_srq=1: $out"
srqs=$(kmsg_since iwarp-srq | sed -n 's/.*siw_t: shared receive queue \([0-9]*\) of \([0-9]*\): .*/\1 \2/p' | sort -u | tr '\n' ' ')
log "SRQs made: $srqs"
nsrq=${srqs#* }
nsrq=${nsrq%% *}
if [[ $out == *"load channels=2"*"errors=0 "* ]] && [ -n "$nsrq" ]; then
	if [ "$nsrq" -ge 2 ]; then
		[[ $srqs == *"0 $nsrq "*"1 $nsrq "* ]]
		tap $? "iwarp: use_srq=1, two channels, no error, on two of siw_t's $nsrq SRQs (one per completion vector): $srqs"
	else
		ok "iwarp: use_srq=1, two channels, no error, one SRQ (siw_t has one completion vector here)"
	fi
else
	not_ok "iwarp: use_srq=1 load over two channels: $(echo "$out" | tail -n 2 | tr '\n' ';') SRQs: $srqs"
fi
echo 0 >"$PM_TPG/attrib/use_srq"
SRP_ADD_INIT=$SRP_ADD
SRP_ADD=/sys/class/infiniband_srp/srp-siw_i-1/add_target
mark iwarp-srp
if srp_login dest="$W_TGT:$RDMA_CM_PORT" initiator_ext="${gi:0:16}" && srp_disks 1; then
	ok "iwarp: ib_srp logs in over siw_i to $W_TGT"
elif kmsg_since iwarp-srp | grep -q "ib_srp: QP creation failed for dev siw_i"; then
	# ib_srp asks siw for a QP it cannot make (EINVAL): the
	# initiator's limit, not the target's (srpi covered the target).
	ok "iwarp: ib_srp over siw_i # SKIP ib_srp cannot create its QP on siw ($(kmsg_since iwarp-srp | grep -m1 'QP creation failed' | sed 's/^\[[^]]*\] //'))"
else
	not_ok "iwarp: ib_srp logs in over siw_i to $W_TGT"
fi
if [ -n "${DISK[0]:-}" ]; then
	grep -q "^   Address $W_INI:[0-9]* iWARP/rdma_cm$" "$A/info"
	tap $? "iwarp: the ACL's info shows an iWARP channel from $W_INI"
	timeout -k 10 $((300 * TIME_SCALE)) fio --name=iwarp --filename="${DISK[0]}" --direct=1 --ioengine=libaio \
		--rw=randwrite --bsrange=512-1m --size=32M --iodepth=8 --verify=crc32c \
		--verify_fatal=1 --do_verify=1 --eta=never >"$W/iwarp-fio.txt" 2>&1
	st=$?
	tail -n 5 "$W/iwarp-fio.txt" >&2
	[ "$st" = 0 ] && ! grep -q "verify: bad\|crc32c: verify failed" "$W/iwarp-fio.txt"
	tap $? "iwarp: fio randwrite 512 B-1 MiB with crc32c verify over 32 MiB (exit $st)"
fi
srp_logout_all
SRP_ADD=$SRP_ADD_INIT
port_remove "$PM_TPG"
tap $? "iwarp: the siw port's configuration removed"
rdma link delete siw_i 2>/dev/null
in_ns srptw rdma link delete siw_t 2>/dev/null
echo "$RDMA_CM_PORT" >"$PORTF"
ip link del vethw1 2>/dev/null
ip netns del srptw
dmesg_clean iwarp iwarp
finish
}
