#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Host side: "make install" of the built ib_srpt into a staging root, for a
# guest that then copies the result into its own /lib/modules/$KVER.
#
#   tests/blktests/stage.sh ROOT
#
# ROOT/lib/modules/$KVER gets a symlink kernel -> /lib/modules/$KVER/kernel,
# the kernel's modules.order/builtin files, and then scripts/install.sh
# install with INSTALL_MOD_PATH=ROOT: kbuild modules_install into
# ROOT/lib/modules/$KVER/updates/ib_srpt.ko (.ko.xz where the kernel
# compresses modules) and depmod -b ROOT over the
# kernel's modules plus ours.  The guest copies updates/ib_srpt.ko and the
# modules.* index files (tests/vm/blktests-lib.sh bt_install_ours): the same
# files "make install" writes inside the guest, without the guest's depmod
# reading all 400 MB of modules over 9p (minutes under emulation).
# Environment: KVER (required); SYSROOT, the root file system the guest
# boots with (default /; run.sh passes its ROOT).
{
set -u
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
root=${1:?usage: stage.sh ROOT}
: "${KVER:?KVER is not set}"
sysroot=${SYSROOT:-/}
src=${sysroot%/}/lib/modules/$KVER
dst=$root/lib/modules/$KVER
rm -rf "$root"
mkdir -p "$dst" || exit 1
# The guest's own modules (its / is SYSROOT): a path for the guest.
ln -s "/lib/modules/$KVER/kernel" "$dst/kernel" || exit 1
for f in modules.order modules.builtin modules.builtin.modinfo; do
	[ -e "$src/$f" ] && { cp "$src/$f" "$dst/" || exit 1; }
done
if [ "$sysroot" = / ]; then
	INSTALL_MOD_PATH=$root KVER=$KVER nice -n 10 "$top/scripts/install.sh" install >"$root/install.log" 2>&1
else
	# A kernel of another root (the newest one's Debian 13 root): its
	# kbuild and depmod, chrooted; the work tree is bound at its path.
	nice -n 10 "$top/scripts/kernels.sh" run "$sysroot" env INSTALL_MOD_PATH="$root" KVER="$KVER" \
		"$top/scripts/install.sh" install >"$root/install.log" 2>&1
fi || { cat "$root/install.log" >&2; exit 1; }
# kbuild compresses the module where the kernel is configured so (Debian's
# 6.12 and 7.3: ib_srpt.ko.xz).
ko=''
for f in "$dst"/updates/ib_srpt.ko "$dst"/updates/ib_srpt.ko.{xz,zst,gz}; do
	[ -r "$f" ] && { ko=$f; break; }
done
[ -n "$ko" ] && [ -s "$dst/modules.dep.bin" ] ||
	{ echo "stage.sh: no $dst/updates/ib_srpt.ko(.xz|.zst|.gz) or modules.dep.bin" >&2; exit 1; }
grep -qE '^updates/ib_srpt\.ko(\.xz|\.zst|\.gz)?:' "$dst/modules.dep" ||
	{ echo "stage.sh: depmod did not index updates/ib_srpt.ko" >&2; exit 1; }
exit 0
}
