#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Case 5: teardown while the initiator is logged in; each step must finish
# within BOUND seconds (the measured time is printed as a "# " comment):
#   (a) logout right after I/O
#   (b) ACL removal (rmdir in configfs) with a session live
#   (c) target teardown with a session live (TPG disable, rmdir of the
#       configfs tree) and rmmod ib_srpt; the module must be gone from
#       /sys/module afterwards
# Then the module is loaded again, the target configured again by hand in
# configfs, and a login must work (nothing leaked or left over),
# and the kernel log must show no warning, oops or hung task.
{
# shellcheck source=../lib.sh
. "$VMDIR/lib.sh"

mark teardown

# (a) logout with I/O just finished
if need_login 2; then
	dd if=/dev/urandom of="$W/io" bs=1M count=8 status=none
	dd if="$W/io" of="${DISK[0]}" bs=1M oflag=direct status=none &&
		dd if="${DISK[1]}" of=/dev/null bs=1M count=8 iflag=direct status=none
	tap $? "(a) I/O to both LUNs"
	bounded "$BOUND" srp_logout
	tap $? "(a) logout right after I/O within ${BOUND}s"
	diag "(a) logout took ${SECS}s"
else
	not_ok "(a) login"
fi

# (b) ACL removal with a session live
acl_remove() {
	local m f
	for m in "$ACL_DIR"/lun_*; do
		for f in "$m"/*; do [ -L "$f" ] && rm "$f"; done
		rmdir "$m" || return 1
	done
	rmdir "$ACL_DIR"
}
acl_create() {
	local l
	mkdir "$ACL_DIR" || return 1
	for l in 0 1 2; do
		mkdir "$ACL_DIR/lun_$l" && ln -s "$TPG/lun/lun_$l" "$ACL_DIR/lun_$l/map" || return 1
	done
}
if login_ok 2 && session_live; then
	dd if="${DISK[0]}" of=/dev/null bs=1M count=4 iflag=direct status=none
	bounded "$BOUND" acl_remove
	st=$?
	[ "$st" = 0 ] && gone "$ACL_DIR"
	tap $? "(b) ACL removed (rmdir) with a session live within ${BOUND}s (status $st)"
	diag "(b) ACL removal took ${SECS}s"
	wait_until $((10 * TIME_SCALE)) rport_disconnected
	tap $? "(b) the target closed the connection (remote port $(<"$SRP_RPORT/state"))"
	bounded "$BOUND" srp_logout_all
	tap $? "(b) initiator logs out after the ACL removal"
	acl_create
	tap $? "(b) ACL created again (mkdir/ln)"
else
	not_ok "(b) login with a session"
fi

# (c) target teardown and rmmod with a session live
target_remove() {
	local l f
	echo 0 >"$TPG/enable" || return 1
	acl_remove || return 1
	for l in "$TPG"/lun/lun_*; do
		for f in "$l"/*; do [ -L "$f" ] && rm "$f"; done
		rmdir "$l" || return 1
	done
	rmdir "$TPG" && rmdir "$PORT_DIR" && rmdir "$SRPT"
}
# target_create: the same tree again by hand in configfs.
target_create() {
	tpg_luns_create && acl_create && echo 1 >"$TPG/enable" && set_rdma_cm_port
}
if login_ok 2 && session_live; then
	dd if="${DISK[0]}" of=/dev/null bs=1M count=4 iflag=direct status=none
	bounded "$BOUND" target_remove
	st=$?
	[ "$st" = 0 ] && gone "$SRPT"
	tap $? "(c) configfs tree of srpt removed with a session live within ${BOUND}s (status $st)"
	diag "(c) TPG disable + configfs removal took ${SECS}s"
	wait_until $((10 * TIME_SCALE)) rport_disconnected
	tap $? "(c) the target closed the connection (remote port $(<"$SRP_RPORT/state"))"
	bounded "$BOUND" rmmod ib_srpt
	st=$?
	tap $st "(c) rmmod ib_srpt within ${BOUND}s (status $st)"
	diag "(c) rmmod took ${SECS}s"
	gone /sys/module/ib_srpt
	tap $? "(c) ib_srpt is gone from /sys/module"
	bounded "$BOUND" srp_logout_all
	tap $? "(c) initiator logs out after the target went away"
else
	not_ok "(c) login with a session"
fi

# The module loads again and serves a login (nothing leaked or left over).
if [ ! -e "$W/wedged" ] && gone /sys/module/ib_srpt && load_target_module "reload: "; then
	target_create
	tap $? "target configured again through configfs"
	if login_ok 2; then
		ok "login after reloading the module"
		srp_logout
		tap $? "logout"
	else
		not_ok "login after reloading the module"
	fi
fi

dmesg_clean "teardown" teardown
finish
}
