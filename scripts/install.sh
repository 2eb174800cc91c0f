#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Install ib_srpt so that "modprobe ib_srpt" (and with it targetcli) loads it
# instead of the in-tree module of the same name, or remove it again.
#
#   scripts/install.sh install         copy the built ib_srpt.ko to
#                                      /lib/modules/$KVER/updates/ (kbuild
#                                      modules_install), depmod
#   scripts/install.sh uninstall       remove that copy, depmod
#   scripts/install.sh dkms-install    copy the sources to /usr/src/ib_srpt-V,
#                                      dkms add, build and install for $KVER
#                                      (DKMS rebuilds it for every new kernel)
#   scripts/install.sh dkms-uninstall  dkms remove --all, delete the sources
#   scripts/install.sh version         print the version (SRPT_DRV_VERSION),
#                                      fail if dkms.conf disagrees
#
# Environment: KVER (kernel release, default: the running kernel; the
# project's Makefile passes the one it builds for), KDIR (kernel build
# tree, default /lib/modules/$KVER/build), INSTALL_MOD_PATH (install/depmod
# under this root instead of /, "install" and "uninstall" only).
#
# Modules in updates/ take precedence over kernel/ (depmod's default search
# order), and uninstalling simply makes the in-tree module visible again:
# nothing of the kernel package is moved or deleted.  Modules that are loaded
# stay loaded: rmmod (after removing the srpt configfs tree) or reboot.
{
set -eu
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
NAME=ib_srpt
KVER=${KVER:-$(uname -r)}
KDIR=${KDIR:-/lib/modules/$KVER/build}
ROOT=${INSTALL_MOD_PATH:-}
MODDIR=$ROOT/lib/modules/$KVER

die() { echo "install.sh: $*" >&2; exit 1; }
say() { echo "install.sh: $*"; }

# The module's version, from the one place it is defined.
version() {
	local v
	v=$(sed -n 's/^#define[[:space:]]\+SRPT_DRV_VERSION[[:space:]]\+"\(.*\)".*/\1/p' "$top/ib_srpt.h")
	[ -n "$v" ] || die "no SRPT_DRV_VERSION in $top/ib_srpt.h"
	echo "$v"
}
# dkms.conf must name the same version: DKMS keys its trees by it.
check_dkms_conf() {
	local v=$1 d
	d=$(sed -n 's/^PACKAGE_VERSION="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$top/dkms.conf")
	[ "$d" = "$v" ] ||
		die "dkms.conf has PACKAGE_VERSION=\"$d\" but ib_srpt.h has SRPT_DRV_VERSION \"$v\": make them equal"
}

depmod_kver() {
	depmod ${ROOT:+-b "$ROOT"} -a "$KVER"
}
# which: the file "modprobe ib_srpt" loads for $KVER now.
which_module() {
	[ -z "$ROOT" ] || return 0
	say "modprobe $NAME now loads $(modinfo -k "$KVER" -n "$NAME" 2>/dev/null || echo '(nothing)')"
}
loaded_note() {
	[ -z "$ROOT" ] && [ -e /sys/module/$NAME ] || return 0
	say "note: an $NAME is loaded now ($(cat /sys/module/$NAME/version 2>/dev/null || echo in-tree)); it stays until rmmod or reboot"
}

do_install() {
	local ko=$top/$NAME.ko vermagic sign=()
	[ -r "$ko" ] || die "$ko is not built: run make (KVER=$KVER) first"
	vermagic=$(modinfo -F vermagic "$ko")
	[ "${vermagic%% *}" = "$KVER" ] ||
		die "$ko is built for ${vermagic%% *}, not $KVER: rebuild with make KVER=$KVER"
	[ -d "$KDIR" ] || die "no kernel build tree $KDIR (install linux-headers-$KVER)"
	if compgen -G "$MODDIR/updates/dkms/$NAME.ko*" >/dev/null; then
		die "$NAME is installed through DKMS too ($MODDIR/updates/dkms): run 'make dkms-uninstall' first"
	fi
	# Kernels configured with MODULE_SIG_ALL make modules_install sign with
	# the kernel's build key, which distribution headers do not ship: skip
	# the attempt (it fails harmlessly but noisily) when the key is absent.
	if grep -q '^CONFIG_MODULE_SIG_ALL=y' "$KDIR/.config" 2>/dev/null &&
		[ ! -r "$KDIR/certs/signing_key.pem" ]; then
		sign=(CONFIG_MODULE_SIG_ALL=)
	fi
	make -C "$KDIR" M="$top" INSTALL_MOD_DIR=updates ${ROOT:+INSTALL_MOD_PATH="$ROOT"} \
		"${sign[@]}" modules_install
	# kbuild compresses it where the kernel is configured so (Debian's 6.12
	# and 7.3: MODULE_COMPRESS_XZ, ib_srpt.ko.xz).
	local f inst=
	for f in "$MODDIR/updates/$NAME".ko "$MODDIR/updates/$NAME".ko.{xz,zst,gz}; do
		[ -r "$f" ] && { inst=$f; break; }
	done
	[ -n "$inst" ] || die "modules_install did not create $MODDIR/updates/$NAME.ko(.xz|.zst|.gz)"
	depmod_kver
	say "installed $inst (version $(modinfo -F version "$inst"))"
	which_module
	loaded_note
}

do_uninstall() {
	local f n=0
	for f in "$MODDIR/updates/$NAME".ko "$MODDIR/updates/$NAME".ko.{xz,zst,gz}; do
		[ -e "$f" ] || continue
		rm -f "$f"
		say "removed $f"
		n=$((n + 1))
	done
	[ "$n" -gt 0 ] || say "nothing to remove in $MODDIR/updates"
	depmod_kver
	which_module
	loaded_note
}

do_dkms_install() {
	local v src pkg
	command -v dkms >/dev/null || die "dkms is not installed (Debian: apt-get install dkms)"
	v=$(version)
	check_dkms_conf "$v"
	src=/usr/src/$NAME-$v
	if compgen -G "/lib/modules/$KVER/updates/$NAME.ko*" >/dev/null; then
		die "a 'make install' copy exists (/lib/modules/$KVER/updates/$NAME.ko): run 'make uninstall' first"
	fi
	if pkg=$(package_owner "$src"); then
		die "$src belongs to the Debian package $pkg: remove that first (apt-get remove $pkg)"
	fi
	# Replace earlier registrations (this version with other sources, or
	# other versions): one ib_srpt under DKMS at a time.
	dkms_remove_all
	rm -rf "$src"
	mkdir -p "$src"
	cp "$top"/dkms.conf "$top"/Kbuild "$top"/Kconfig "$top"/Makefile \
		"$top"/*.c "$top"/*.h "$src/"
	dkms add -m "$NAME" -v "$v"
	dkms build -m "$NAME" -v "$v" -k "$KVER"
	dkms install -m "$NAME" -v "$v" -k "$KVER"
	which_module
	loaded_note
}

# package_owner DIR: the Debian package that installed DIR (ib-srpt-dkms,
# debian/), if any.
package_owner() {
	command -v dpkg-query >/dev/null || return 1
	dpkg-query -S "$1" 2>/dev/null | sed -n 's/: .*//p' | grep .
}
# dkms_remove_all: dkms remove --all every registered version, delete its
# sources; REMOVED = how many.  A version that a Debian package installed
# is not touched: it fails before anything is removed.
dkms_remove_all() {
	local line v vs=() pkg
	REMOVED=0
	# "ib_srpt/0.1.0, 6.1.0-56-amd64, x86_64: installed" (or "ib_srpt/0.1.0: added")
	while read -r line; do
		v=${line#"$NAME"/}
		v=${v%%[,:]*}
		[ -n "$v" ] || continue
		if pkg=$(package_owner "/usr/src/$NAME-$v"); then
			die "$NAME/$v is installed by the Debian package $pkg: remove that instead (apt-get remove $pkg)"
		fi
		vs+=("$v")
	done < <(dkms status -m "$NAME" 2>/dev/null | sed 's/,.*//; s/:.*//' | sort -u)
	for v in "${vs[@]}"; do
		dkms remove -m "$NAME" -v "$v" --all
		rm -rf "/usr/src/$NAME-$v"
		say "removed $NAME/$v from DKMS and /usr/src/$NAME-$v"
		REMOVED=$((REMOVED + 1))
	done
}

do_dkms_uninstall() {
	command -v dkms >/dev/null || die "dkms is not installed"
	dkms_remove_all
	[ "$REMOVED" -gt 0 ] || say "$NAME is not registered with DKMS"
	which_module
	loaded_note
}

case ${1:-} in
install) do_install ;;
uninstall) do_uninstall ;;
dkms-install) do_dkms_install ;;
dkms-uninstall) do_dkms_uninstall ;;
version)
	v=$(version)
	check_dkms_conf "$v"
	echo "$v"
	;;
*)
	sed -n '4,26p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
	;;
esac
exit
}
