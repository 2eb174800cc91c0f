# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# Guest preparation shared by guest.sh (test cases) and bench.sh
# (benchmark), sourced as PID 1 right after switch_root: tmpfs mounts,
# configfs, Soft-RoCE, the SCSI and SRP initiator modules.  W (scratch
# directory) is set by the caller; $1 is the host name.

# devtmpfs lacks the /dev/fd links bash's <(...) needs.
ln -sfn /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout
ln -sf /proc/self/fd/2 /dev/stderr
mkdir -p /dev/shm /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs -o mode=0755 tmpfs /run
mkdir -p "$W/home" /run/lock /etc/target
hostname "$1"
echo 60 >/proc/sys/kernel/hung_task_timeout_secs
modprobe configfs && mount -t configfs configfs /sys/kernel/config

# Soft-RoCE.  rxe on lo itself does not work for RDMA/CM (ib_srp's connect
# fails with ENODEV), so: a veth pair inside the guest (no NIC, nothing
# leaves it), one rxe device on one end; the initiator connects to that
# end's own address, so all traffic is routed through lo.  The initiator
# and the target share rxe0.
#
# make ha's nodes (tests/ha.sh, PREP_NIC_ADDR set) have a NIC instead: a
# virtio-net device on a qemu datagram socket (a unix socket on the host) to
# the other node, nothing else; rxe0 is on it.
ip link set lo up
if [ -n "${PREP_NIC_ADDR:-}" ]; then
	modprobe virtio_net
	for _ in 1 2 3 4 5 6 7 8 9 10; do [ -e /sys/class/net/eth0 ] && break; sleep 1; done
	ip link set eth0 mtu 9000
	ip addr add "$PREP_NIC_ADDR" dev eth0
	ip link set eth0 up
	modprobe rdma_rxe && rdma link add rxe0 type rxe netdev eth0
else
	ip link add veth0 mtu 9000 type veth peer name veth1 mtu 9000
	ip addr add 192.0.2.1/24 dev veth0
	ip addr add 192.0.2.2/24 dev veth1
	ip link set veth0 up
	ip link set veth1 up
	modprobe rdma_rxe && rdma link add rxe0 type rxe netdev veth0
fi
modprobe -a sd_mod sg ib_srp
