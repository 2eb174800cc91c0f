#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Case 32: DKMS ("make dkms-install" = scripts/install.sh dkms-install), for
# real, inside the guest: the sources are copied to /usr/src/ib_srpt-<ver>,
# dkms adds, builds (the compiler runs in the guest: about 100 s of
# emulated CPU) and installs the module for $KVER.
#   - dkms status says installed; modinfo -n finds updates/dkms/ib_srpt.ko
#     (Debian's dkms puts modules there whatever DEST_MODULE_LOCATION says);
#   - "modprobe ib_srpt rdma_cm_port=5555" by name loads a module of the
#     built module's version and srcversion (same sources), and a login
#     (target made in configfs by hand) writes and reads through it;
#   - "scripts/install.sh dkms-uninstall" (make dkms-uninstall) removes it
#     and its sources; modprobe loads Debian's in-tree ib_srpt again.
# Needs dkms on the host (tests/install-deps.sh).
# Leaves: nothing installed, our module loaded by path with
# rdma_cm_port=5555 (as guest.sh loads it), no srpt configfs tree.
{
# shellcheck source=../lib.sh
. "$VMDIR/lib.sh"
# shellcheck source=../install-lib.sh
. "$VMDIR/install-lib.sh"

DKMS_KO=/lib/modules/$KVER/updates/dkms/ib_srpt.ko
t0=0

if [ "$MODE" = intree ]; then
	ok "dkms: not applicable to the in-tree module # SKIP"
	finish
fi
need_dkms dkms || finish


mark dkms
WANT_V=$(modinfo -F version "$MODULE_SRC")
WANT_S=$(modinfo -F srcversion "$MODULE_SRC")

srpt_unload
tap $? "unloaded the harness' ib_srpt (configfs tree removed, rmmod)"

modules_on_tmpfs || log "copying /lib/modules/$KVER to tmpfs failed"
stamp t0
KVER=$KVER "$INSTALL" dkms-install >&2 2>&1
st=$?
since "$t0"
tap "$st" "scripts/install.sh dkms-install: dkms add, build, install (status $st)"
diag "dkms-install (build in the guest) took ${SECS}s"
dkms_installed
[ -r "/usr/src/ib_srpt-$WANT_V/dkms.conf" ]
tap $? "sources in /usr/src/ib_srpt-$WANT_V"

modprobe_by_name
loaded_is_ours
tap $? "modprobe loaded the DKMS build: version '$HAVE_V' srcversion '$HAVE_S' (built module: '$WANT_V' '$WANT_S')"

# A login through the DKMS build, to a target made by hand in configfs.
target_ids
if rd_target 32 && srp_login && srp_disks 1; then
	ok "a login works with the DKMS build (${SECS}s)"
	write_read_back 32
	srp_logout
	tap $? "logout"
else
	not_ok "a login works with the DKMS build"
fi

srpt_unload
tap $? "unloaded (configfs tree removed, rmmod)"
rd_target_remove
stamp t0
KVER=$KVER "$INSTALL" dkms-uninstall >&2 2>&1
st=$?
since "$t0"
status=$(dkms status -m ib_srpt 2>/dev/null)
[ "$st" = 0 ] && [ -z "$status" ] && gone "$DKMS_KO" && gone "/usr/src/ib_srpt-$WANT_V"
tap $? "scripts/install.sh dkms-uninstall: nothing left in dkms status, $DKMS_KO, /usr/src (status $st, ${SECS}s)"
intree_is_back

restore_harness || not_ok "restore: our module loaded by path"
dmesg_clean "dkms" dkms
finish
}
