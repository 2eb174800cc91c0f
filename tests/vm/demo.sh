#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The demo (tests/vm/run.sh --demo): one friendly scenario in plain words.
# Exports a RAM disk with targetcli, logs in with the Linux SRP initiator,
# writes a pattern with dd, reads it back and compares, shows how the disk
# identifies itself, and logs out.  Exit status 0 on success.
{
# shellcheck source=lib.sh
. "$VMDIR/lib.sh"

say() { echo "$*"; }
fail() { say "FAILED: $*"; exit 1; }

if [ "$MODE" = intree ]; then
	say "Target driver: Debian's in-tree ib_srpt (kernel $KVER)."
else
	say "Target driver: our ib_srpt, $MODULE_SRC, version $(</sys/module/ib_srpt/version)."
fi
say "Network: Soft-RoCE device $IBDEV inside this virtual machine; target and"
say "initiator are both here, the target listens on $TARGET_IP port $RDMA_CM_PORT."
say ""
say "1. Configuring the target with targetcli: a ${RD_MB} MiB RAM disk as LUN 0 of"
say "   SRP target port $WWN, and an ACL that lets our initiator in."
mkdir -p "${FD_FILE%/*}"
dbus_start
out=$(printf '%s\n' "clearconfig confirm=True" \
	"/backstores/ramdisk create name=rd size=${RD_MB}M" \
	"/srpt create $WWN" \
	"/srpt/$WWN/luns create /backstores/ramdisk/rd" \
	"/srpt/$WWN/acls create $WWN" \
	"ls /srpt" exit | COLUMNS=78 timeout 300 targetcli 2>&1)
echo "$out" >&2
[ -d "$ACL_DIR/lun_0" ] || fail "targetcli did not create the ACL and LUN"
set_rdma_cm_port || fail "could not set the RDMA/CM port"
sed -n '/o- srpt/,/^\/>/p' <<<"$out" | grep -v '^/>' | sed 's/^/   /'

say ""
say "2. Logging in with ib_srp (writing the target's address and port ID to"
say "   $SRP_ADD)."
srp_login || fail "the login was refused (see dmesg.txt)"
srp_disks 1 || fail "no SCSI disk appeared after the login"
disk=${DISK[0]}
disk_bytes "$disk"
say "   Logged in after ${SECS}s: SCSI host $SRP_HOST, new disk $disk of $((BYTES >> 20)) MiB."

say ""
say "3. How the disk identifies itself:"
busybox lsscsi | grep "^\[$SRP_HOST:" | sed 's/^/   lsscsi: /'
sg_inq "$disk" | grep -E 'Vendor identification|Product identification|Product revision|Unit serial' |
	sed 's/^ */   /'
sg_readcap "$disk" | grep -E 'Number of logical blocks|Logical block length' | sed 's/^ */   /'

say ""
say "4. Writing 16 MiB of random data with dd (direct I/O), reading it back."
head -c 16M /dev/urandom >"$W/pattern"
stamp t0
dd if="$W/pattern" of="$disk" bs=1M oflag=direct status=none || fail "dd write failed"
since "$t0"
say "   Written in ${SECS}s."
stamp t0
dd if="$disk" of="$W/readback" bs=1M count=16 iflag=direct status=none || fail "dd read failed"
since "$t0"
say "   Read back in ${SECS}s."
cmp -s "$W/pattern" "$W/readback" || fail "the data read back differs from what was written"
sum=$(md5sum <"$W/readback")
say "   The data read back is identical to what was written (md5 ${sum%% *})."

say ""
say "5. Logging out."
srp_logout || fail "the logout did not complete"
say "   Logged out after ${SECS}s; the disk is gone."

say ""
say "SUCCESS: ib_srpt exported a RAM disk over SRP/RDMA; data written through the"
say "initiator was read back intact, and login and logout worked."
exit 0
}
