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

INSTALL=$TOP/scripts/install.sh
UPD=/lib/modules/$KVER/updates/ib_srpt.ko
DKMS_KO=/lib/modules/$KVER/updates/dkms/ib_srpt.ko
INTREE_RE=/kernel/drivers/infiniband/ulp/srpt/ib_srpt\.ko
t0=0

if [ "$MODE" = intree ]; then
	ok "dkms: not applicable to the in-tree module # SKIP"
	finish
fi
if ! command -v dkms >/dev/null; then
	not_ok "dkms: the dkms command is missing (tests/install-deps.sh installs the Debian package dkms)"
	finish
fi

# --- helpers (the same in cases 30-32) ---------------------------------------
# srpt_tree_remove: remove every target port, TPG, LUN and ACL under
# target/srpt and the fabric directory itself (backstores stay).
srpt_tree_remove() {
	local p t a m l f
	[ -d "$SRPT" ] || return 0
	for p in "$SRPT"/*/; do
		p=${p%/}
		[ "${p##*/}" = discovery_auth ] && continue
		for t in "$p"/*/; do
			t=${t%/}
			[ -e "$t/enable" ] || continue	# fabric_statistics
			echo 0 >"$t/enable" || return 1
			for a in "$t"/acls/*/; do
				a=${a%/}
				[ -d "$a" ] || continue
				for m in "$a"/lun_*; do
					[ -d "$m" ] || continue
					for f in "$m"/*; do [ -L "$f" ] && rm "$f"; done
					rmdir "$m" || return 1
				done
				rmdir "$a" || return 1
			done
			for l in "$t"/lun/lun_*; do
				[ -d "$l" ] || continue
				for f in "$l"/*; do [ -L "$f" ] && rm "$f"; done
				rmdir "$l" || return 1
			done
			rmdir "$t" || return 1
		done
		rmdir "$p" || return 1
	done
	rmdir "$SRPT"
}
# srpt_unload: log out, remove the srpt tree, rmmod ib_srpt (bounded).
srpt_unload() {
	srp_logout_all
	srpt_tree_remove || { log "removing $SRPT failed"; return 1; }
	[ -e /sys/module/ib_srpt ] || return 0
	bounded "$BOUND" rmmod ib_srpt || { log "rmmod ib_srpt failed or hung"; return 1; }
	gone /sys/module/ib_srpt
}
# loaded_is_ours: the loaded ib_srpt has the built module's version and
# srcversion.  Sets HAVE_V, HAVE_S.
loaded_is_ours() {
	HAVE_V='' HAVE_S=''
	[ -r /sys/module/ib_srpt/version ] && HAVE_V=$(</sys/module/ib_srpt/version)
	[ -r /sys/module/ib_srpt/srcversion ] && HAVE_S=$(</sys/module/ib_srpt/srcversion)
	[ -n "$HAVE_V" ] && [ "$HAVE_V" = "$WANT_V" ] && [ "$HAVE_S" = "$WANT_S" ]
}
# loaded_is_intree: an ib_srpt is loaded and it is not ours (Debian's has
# no version).
loaded_is_intree() {
	[ -e /sys/module/ib_srpt ] && [ ! -e /sys/module/ib_srpt/version ]
}
# modules_on_tmpfs: depmod reads every module of the kernel, which over the
# guest's 9p root takes 60-100 s a run; a copy on the guest's own tmpfs,
# bind-mounted over /lib/modules/$KVER for the rest of the boot (the same
# files), takes it to about 5 s.  The copy takes about 70 s, once per boot.
modules_on_tmpfs() {
	local d=/lib/modules/$KVER c=$W/modules-$KVER t0=0
	[ -e "$W/.modules-on-tmpfs" ] && return 0
	stamp t0
	rm -rf "$c" && cp -a "$d" "$c" && mount --bind "$c" "$d" || return 1
	: >"$W/.modules-on-tmpfs"
	since "$t0"
	diag "copied /lib/modules/$KVER to the guest's tmpfs for depmod (${SECS}s)"
}
# restore_harness: what the next case expects: nothing installed, our module
# loaded by path with rdma_cm_port=5555, no srpt configfs tree.
restore_harness() {
	[ -e "$W/wedged" ] && return 1
	srpt_unload || return 1
	if [ -e "$UPD" ]; then
		KVER=$KVER "$INSTALL" uninstall >&2 2>&1 || log "install.sh uninstall failed"
	fi
	load_target_module "restore: "
}
# ------------------------------------------------------------------------------

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
status=$(dkms status -m ib_srpt 2>/dev/null)
log "dkms status: $status"
[[ $status == *"ib_srpt/$WANT_V, $KVER, "*": installed"* ]]
tap $? "dkms status: ${status:-nothing}"
[ -r "/usr/src/ib_srpt-$WANT_V/dkms.conf" ]
tap $? "sources in /usr/src/ib_srpt-$WANT_V"
path=$(modinfo -k "$KVER" -n ib_srpt 2>&1)
[ "$path" = "$DKMS_KO" ]
tap $? "modinfo -n ib_srpt is $path"

if [ -e /sys/module/ib_srpt ]; then
	not_ok "modprobe ib_srpt: an ib_srpt is still loaded"
else
	bounded 120 modprobe ib_srpt rdma_cm_port="$RDMA_CM_PORT"
	tap $? "modprobe ib_srpt rdma_cm_port=$RDMA_CM_PORT"
fi
loaded_is_ours
tap $? "modprobe loaded the DKMS build: version '$HAVE_V' srcversion '$HAVE_S' (built module: '$WANT_V' '$WANT_S')"

# A login through the DKMS build: a target made by hand in configfs (case
# 30 does it with targetcli; each targetcli start costs 10-60 s here).
RD32=$CFS/core/rd_mcp_32/rd32
dkms_target() {
	mkdir -p "$RD32" && echo rd_pages=4096 >"$RD32/control" && echo 1 >"$RD32/enable" &&
		mkdir -p "$TPG/lun/lun_0" && ln -s "$RD32" "$TPG/lun/lun_0/rd32" &&
		mkdir -p "$ACL_DIR/lun_0" && ln -s "$TPG/lun/lun_0" "$ACL_DIR/lun_0/map" &&
		echo 1 >"$TPG/enable" && set_rdma_cm_port
}
target_ids
if dkms_target && srp_login && srp_disks 1; then
	ok "a login works with the DKMS build (${SECS}s)"
	dd if=/dev/urandom of="$W/pat32" bs=64k count=16 status=none
	dd if="$W/pat32" of="${DISK[0]}" bs=64k oflag=direct status=none &&
		dd if="${DISK[0]}" of="$W/back32" bs=64k count=16 iflag=direct status=none &&
		cmp -s "$W/pat32" "$W/back32"
	tap $? "write and read back 1 MiB"
	srp_logout
	tap $? "logout"
else
	not_ok "a login works with the DKMS build"
fi

srpt_unload
tap $? "unloaded (configfs tree removed, rmmod)"
rmdir "$RD32" "${RD32%/*}" 2>/dev/null || log "removing $RD32 failed"
stamp t0
KVER=$KVER "$INSTALL" dkms-uninstall >&2 2>&1
st=$?
since "$t0"
status=$(dkms status -m ib_srpt 2>/dev/null)
[ "$st" = 0 ] && [ -z "$status" ] && gone "$DKMS_KO" && gone "/usr/src/ib_srpt-$WANT_V"
tap $? "scripts/install.sh dkms-uninstall: nothing left in dkms status, $DKMS_KO, /usr/src (status $st, ${SECS}s)"
path=$(modinfo -k "$KVER" -n ib_srpt 2>&1)
[[ $path =~ $INTREE_RE$ ]]
tap $? "modinfo -n ib_srpt is the in-tree module again ($path)"
if [ ! -e /sys/module/ib_srpt ] && bounded 120 modprobe ib_srpt && loaded_is_intree; then
	ok "modprobe ib_srpt loads Debian's ib_srpt (no version file)"
else
	not_ok "modprobe ib_srpt loads Debian's ib_srpt (version '$(cat /sys/module/ib_srpt/version 2>/dev/null)')"
fi

restore_harness || not_ok "restore: our module loaded by path"
dmesg_clean "dkms" dkms
finish
}
