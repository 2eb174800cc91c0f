#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make ha: a two-node SRP target pair on this machine, one shared disk,
# ALUA and dm-multipath failover under fio verify.
#
#   tests/ha.sh [--keep]
#
#   --keep   also keep this run's logs in build/ha/runs/<date-time>/
#
# Two qemu guests (tests/vm/boot.sh), each with this module:
#   node a  198.51.100.1, target port group node_a (active/optimized), and
#           the initiator: ib_srp logs in to both nodes (its own target over
#           rxe0's loopback, node b over the link), multipathd with the
#           ALUA handler makes one map of the two paths
#   node b  198.51.100.2, target port group node_b (active/non-optimized)
# joined by qemu datagram sockets (unix sockets in build/ha/sock: nothing
# leaves this machine; the guests have no other network), and one raw image
# attached to both (virtio-blk, share-rw=on, cache=none).  Node a drives
# the scenarios (tests/vm/ha-lib.sh); what needs the host (kill node b's
# qemu, boot it again, take its link down and up, dump its state) it asks for in
# build/ha/a/req, answered in build/ha/a/ack.  Why two guests and not
# three: this machine has 2 cores, each TCG guest keeps one busy; the
# initiator shares node a's guest, which gives one node-local path and one
# remote path, as on an appliance whose host also reaches a local port.
#
# TAP lines stream from both guests ("ok - a: ...", "ok - b: ..."); the
# host adds its own (every console log clean, each guest's verdict) and
# ends with "N passed, N failed".  The failover times go to
# build/ha/times.
#
# Environment: KVER (guest kernel, default scripts/kver.sh), ROOT (the
# guests' root, default /), SRPT_MODULE (default ./ib_srpt.ko),
# HA_TIMEOUT (whole run, default 3600 s), HA_FIO_SECS (fio time per
# scenario, default 60), HA_FAST_IO_FAIL (ib_srp fast_io_fail_tmo, default
# 5), HA_RECONNECT (ib_srp reconnect_delay, default 2), HA_FLAP_SECS
# (default 15; HA_FLAP_B_SECS, default 10, for the flap during I/O over
# node b), HA_SCENARIOS (default "kill-b tpg module flap flap-b"), VM_MEM
# (MiB per guest, default 2048), HA_SET_RTPI=0 (leave the relative target
# port IDs to LIO where tpgt_1/rtpi exists), TIME_SCALE.
{
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/.." && pwd)
vm=$here/vm

keep=0
for arg; do
	case $arg in
	--keep) keep=1 ;;
	-h | --help) sed -n '4,/^$/{/^#/!q;p}' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "ha.sh: unknown argument $arg" >&2; exit 2 ;;
	esac
done
HA_TIMEOUT=${HA_TIMEOUT:-3600}
VM_MEM=${VM_MEM:-2048}
pass=0 fail=0
say() { echo "$*"; case $* in "ok "*) pass=$((pass + 1)) ;; "not ok "*) fail=$((fail + 1)) ;; esac; }
bail() { say "not ok - ha: $*"; echo "$pass passed, $fail failed"; exit 1; }

# --- kernel, root, module ---------------------------------------------------------
# shellcheck source=vm/boot.sh
. "$vm/boot.sh"
# shellcheck source=vm/bad-re.sh
. "$vm/bad-re.sh"
vm_guest_kernel "$top" || bail "$VM_ERR"
module=${SRPT_MODULE:-$top/ib_srpt.ko}
vm_module_ok "$module" || bail "$VM_ERR"
for c in qemu-system-x86_64 python3 truncate; do
	command -v "$c" >/dev/null || bail "$c missing (tests/install-deps.sh)"
done
case $top in
*[\ ,=]*) bail "repository path '$top' contains a space, comma or '='" ;;
/run/* | /dev/* | /proc/* | /sys/* | /tmp/*) bail "repository path '$top' is hidden or different inside the guest" ;;
esac

build=$top/build/ha
sock=$build/sock
mkdir -p "$build" || bail "cannot create $build"
exec 9>"$build/.lock"
flock -n 9 || bail "another tests/ha.sh holds $build/.lock"
vm_initrd "$build" || bail "cannot build the initramfs"

# --- the nodes' configuration ------------------------------------------------------
mac_a=52:54:00:53:52:0a mac_b=52:54:00:53:52:0b
# gid_of MAC: GID 0 of an rxe device on a NIC with that MAC (fe80::EUI-64)
# as 32 hex digits: node a's initiator port ID, node b's ACL name.
gid_of() {
	local IFS=: b
	read -r -a b <<<"$1"
	printf 'fe80000000000000%02x%s%sfffe%s%s%s' $((0x${b[0]} ^ 2)) "${b[1]}" "${b[2]}" "${b[3]}" "${b[4]}" "${b[5]}"
}
# The unit serial both backstores get (targetcli's wwn=): a UUID, as
# targetcli makes them; LIO derives the NAA designator from its hex digits.
serial=$(cat /proc/sys/kernel/random/uuid)
rm -rf "$build/a" "$build"/b.* "$sock" "$build/times"
mkdir -p "$build/a" "$sock" || bail "cannot create $build/a"
img=$build/shared.img
rm -f "$img"
truncate -s 256M "$img" || bail "cannot create $img"
cp "$module" "$build/ib_srpt.ko" || bail "cannot snapshot $module"

# conf NODE RESULTS [PEER_SGUID]: RESULTS/run.conf.
conf() {
	local ip=198.51.100.1 peer=198.51.100.2
	[ "$1" = b ] && { ip=198.51.100.2 peer=198.51.100.1; }
	{
		echo "NODE=$1"
		echo "NODE_IP=$ip"
		echo "PEER_IP=$peer"
		echo "PEER_SGUID=${3:-}"
		echo "INIT_GID_HEX=$(gid_of $mac_a)"
		echo "HA_SERIAL=$serial"
		echo "HA_DISK_SERIAL=ha-shared"
		echo "TOP=$top"
		echo "MODULE=$build/ib_srpt.ko"
		echo "MODULE_SRC=$module"
		echo "KVER=$KVER"
		echo "TIME_SCALE=${TIME_SCALE:-1}"
		for v in HA_FIO_SECS HA_FIO_MB HA_FAST_IO_FAIL HA_RECONNECT HA_FLAP_SECS HA_FLAP_B_SECS HA_PAUSE HA_SCENARIOS HA_SET_RTPI; do
			[ -z "${!v:-}" ] || printf '%s=%q\n' "$v" "${!v}"
		done
	} >"$2/run.conf"
}

declare -A QPID TPID
# boot NODE RESULTS: start NODE's qemu (its console in RESULTS/console.log).
boot() {
	local n=$1 res=$2 peer=b mac=$mac_a
	if [ "$n" = b ]; then
		peer=a mac=$mac_b
	fi
	rm -f "$sock/$n.net" "$sock/$n.mon"
	: >"$res/tap"
	VM_QEMU_EXTRA=(
		-netdev "dgram,id=n0,local.type=unix,local.path=$sock/$n.net,remote.type=unix,remote.path=$sock/$peer.net"
		-device "virtio-net-pci,netdev=n0,mac=$mac"
		-drive "file=$img,if=none,id=shared,format=raw,cache=none"
		-device "virtio-blk-pci,drive=shared,share-rw=on,serial=ha-shared"
		-monitor "unix:$sock/$n.mon,server=on,wait=off"
	)
	vm_start "$res" "$res" "$vm/ha-node.sh" "$res/tap"
	QPID[$n]=$VM_QPID TPID[$n]=$VM_TPID
	VM_QPID='' VM_TPID=''
}
alive() { [ -n "${QPID[$1]:-}" ] && kill -0 "${QPID[$1]}" 2>/dev/null; }
# stop NODE: kill NODE's qemu (SIGKILL: the guest gets no warning).
stop() {
	alive "$1" && kill -9 "${QPID[$1]}"
	[ -n "${QPID[$1]:-}" ] && wait "${QPID[$1]}" 2>/dev/null
	[ -n "${TPID[$1]:-}" ] && { sleep 1; kill "${TPID[$1]}" 2>/dev/null; wait "${TPID[$1]}" 2>/dev/null; }
	QPID[$1]='' TPID[$1]=''
}
cleanup() { stop a; stop b; }
trap cleanup EXIT
trap 'cleanup; say "not ok - ha: interrupted"; echo "$pass passed, $fail failed"; exit 130' INT TERM HUP

# monitor NODE CMD: one command to NODE's qemu monitor.
monitor() {
	python3 - "$sock/$1.mon" "$2" <<'EOF'
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.settimeout(5)
time.sleep(0.3)
s.recv(4096)
s.sendall(sys.argv[2].encode() + b"\n")
time.sleep(0.5)
EOF
}

# --- node b, then node a ---------------------------------------------------------
t_start=$SECONDS
nb=0
# boot_b: a new boot of node b (results build/ha/b.N), until it exports the
# LU (its R/ready) or dies; sets B (its results directory).
boot_b() {
	local t0=$SECONDS limit=$((900 * ${TIME_SCALE:-1}))
	nb=$((nb + 1))
	B=$build/b.$nb
	mkdir -p "$B" && conf b "$B" && boot b "$B"
	while [ ! -e "$B/ready" ]; do
		alive b || { say "not ok - ha: node b (boot $nb) ended before it was ready"; return 1; }
		[ $((SECONDS - t0)) -lt "$limit" ] || { say "not ok - ha: node b (boot $nb) not ready after ${limit}s"; return 1; }
		sleep 1
	done
	echo "# ha: node b (boot $nb) exports the LU after $((SECONDS - t0)) s"
}
echo "# ha: kernel $KVER, root $VM_ROOT, module $module; two guests of $VM_MEM MiB"
boot_b || bail "node b did not come up (console: $B/console.log)"
# shellcheck disable=SC1090 # SGUID=... GID_HEX=...
. <(tr ' ' '\n' <"$B/ready")
A=$build/a
conf a "$A" "$SGUID"
boot a "$A"

# --- node a's requests ---------------------------------------------------------------
# answer SEQ STATUS
answer() { echo "$1 $2" >"$A/ack.tmp" && mv "$A/ack.tmp" "$A/ack"; }
finish_b() {
	local t0=$SECONDS
	alive b || return 0
	: >"$B/finish"
	while alive b; do
		[ $((SECONDS - t0)) -lt 300 ] || { stop b; return 1; }
		sleep 1
	done
	stop b
}
# dump_b: node b writes its channels and QPs (ha_dump), printed here as
# comments.
nd=0
dump_b() {
	local t0=$SECONDS d=
	alive b || return 1
	nd=$((nd + 1))
	echo "$nd" >"$B/dump-req"
	until [ "$d" = "$nd" ]; do
		alive b && [ $((SECONDS - t0)) -lt 60 ] || return 1
		sleep 0.5
		read -r d 2>/dev/null <"$B/dump-done"
	done
	sed 's/^/# b: /' "$B/dump.$nd"
}
last=0
while alive a; do
	if [ $((SECONDS - t_start)) -ge "$HA_TIMEOUT" ]; then
		say "not ok - ha: watchdog: the run took longer than ${HA_TIMEOUT}s"
		break
	fi
	req=
	[ -e "$A/req" ] && read -r seq req <"$A/req"
	if [ -z "$req" ] || [ "$seq" = "$last" ]; then
		sleep 0.5
		continue
	fi
	last=$seq
	echo "# ha: node a asks: $req"
	case $req in
	kill-b) stop b; answer "$seq" ok ;;
	start-b) if boot_b; then answer "$seq" ok; else answer "$seq" failed; fi ;;
	"link-b off") if monitor b "set_link n0 off"; then answer "$seq" ok; else answer "$seq" failed; fi ;;
	"link-b on") if monitor b "set_link n0 on"; then answer "$seq" ok; else answer "$seq" failed; fi ;;
	dump-b) if dump_b; then answer "$seq" ok; else answer "$seq" failed; fi ;;
	finish-b) if finish_b; then answer "$seq" ok; else answer "$seq" failed; fi ;;
	*) answer "$seq" unknown ;;
	esac
done
stop a
finish_b || say "not ok - ha: node b (boot $nb) did not power off after its finish request"

# --- verdict -------------------------------------------------------------------------
# Count what the guests printed (streamed above by vm_start's tail).
for r in "$A" "$build"/b.*; do
	[ -e "$r/tap" ] || continue
	pass=$((pass + $(grep -c '^ok ' "$r/tap")))
	fail=$((fail + $(grep -c '^not ok ' "$r/tap")))
done
rc_a=$(cat "$A/rc" 2>/dev/null)
rc_b=$(cat "$B/rc" 2>/dev/null)
if [ "$rc_a" = 0 ]; then
	say "ok - ha: node a finished, all its checks passed"
else
	say "not ok - ha: node a's verdict: ${rc_a:-none} (console: $A/console.log)"
fi
if [ "$rc_b" = 0 ]; then
	say "ok - ha: node b (boot $nb) finished, all its checks passed"
else
	say "not ok - ha: node b (boot $nb)'s verdict: ${rc_b:-none}"
fi
# The console of every boot, the killed one included (it never wrote a
# dmesg): warnings and oopses reach it (loglevel 5).
for r in "$A" "$build"/b.*; do
	bad=$(grep -E "$BAD_RE" "$r/console.log")
	if [ -z "$bad" ]; then
		say "ok - ha: console of ${r##*/} clean"
	else
		say "not ok - ha: console of ${r##*/}"
		head -n 20 <<<"$bad" | sed 's/^/#   /'
	fi
done
[ -e "$A/times" ] && cp "$A/times" "$build/times" && sed 's/^/# ha: /' "$build/times"
if [ "$fail" -gt 0 ]; then
	echo "# ha: last lines of node a's console:"
	tail -n 30 "$A/console.log" | sed 's/^/#   /'
fi
echo "# ha: $((SECONDS - t_start)) s; logs in $build/a and $build/b.*"
if [ "$keep" = 1 ]; then
	kept=$build/runs/$(date +%Y%m%d-%H%M%S)
	mkdir -p "$kept" && cp -r "$A" "$build"/b.* "$kept/" && echo "# ha: kept in $kept"
fi
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
exit
}
