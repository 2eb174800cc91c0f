#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Print the kernel release that the build and the VM tests use by default.
#
#   scripts/kver.sh [--build]
#
# The kernel Debian's linux-image-amd64 metapackage depends on, i.e. the
# distribution's own kernel.  Installing a backports kernel (whose headers
# pull in its image) does not change it; KVER=... chooses another.  Without
# the metapackage: the newest /lib/modules/X that has /boot/vmlinuz-X.
# --build also requires /lib/modules/X/build (headers).  Prints nothing if
# no kernel qualifies.  Evaluated when used, never when a Makefile is parsed,
# so it sees what tests/install-deps.sh has just installed.
need_build=0
[ "${1:-}" = --build ] && need_build=1

usable() {
	[ -n "$1" ] && [ -e "/boot/vmlinuz-$1" ] && [ -d "/lib/modules/$1" ] &&
		{ [ $need_build = 0 ] || [ -e "/lib/modules/$1/build" ]; }
}

meta=$(dpkg-query -W -f='${Depends}' linux-image-amd64 2>/dev/null |
	tr ',|' '\n\n' | sed -n 's/^ *linux-image-\([^ ]*\).*/\1/p' | head -n 1)
# The metapackage names the image package; its release is the package name
# minus "linux-image-", except for the -unsigned variants.
meta=${meta%-unsigned}
if usable "$meta"; then
	echo "$meta"
	exit 0
fi
for d in $(ls -1 /lib/modules 2>/dev/null | sort -V -r); do
	if usable "$d"; then
		echo "$d"
		exit 0
	fi
done
exit 0
