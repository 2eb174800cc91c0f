#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The kernel matrix: which Debian kernels the project builds and tests on,
# discovered by asking apt, never written down.
#
#   scripts/kernels.sh list      print the matrix, one "NAME KVER ROOT" a line
#   scripts/kernels.sh install   install what the matrix needs: the backports
#                                kernel and headers on this host, the Debian
#                                root (build/roots/SUITE) with the newest
#                                kernel, its headers, gcc and the test
#                                userspace; then print the matrix
#   scripts/kernels.sh root      only the Debian root of the newest kernel
#                                (nothing on this host changes: no apt run
#                                here, no kernel in /boot), then print its
#                                "newest KVER ROOT" row (none on a host of
#                                the newest suite's release); make check
#                                runs it while the 6.1 VM suite runs
#   scripts/kernels.sh run ROOT CMD...
#                                run CMD in ROOT (chroot, with /proc /sys /dev
#                                and the work tree bound in a private mount
#                                namespace: nothing stays mounted afterwards)
#   scripts/kernels.sh archive [-security]
#                                print the archive URI of this machine's sources
#   scripts/kernels.sh remove DIR...
#                                delete a root: first unmount what a killed
#                                mmdebstrap or chroot left mounted below it
#                                (its /proc, /sys, /dev/pts...), then remove
#                                it without crossing into another file system
#
# The matrix (a Debian 12 host):
#   distro  the kernel linux-image-amd64 depends on (scripts/kver.sh), ROOT /
#   lts     the kernel linux-image-amd64 of HOST-backports depends on (6.12
#           LTS for Debian 12), installed on this host, ROOT /
#   newest  the kernel linux-image-amd64 of NEWEST_SUITE depends on (default
#           trixie-backports, Debian's newest kernel), in a root of that
#           suite's release made with mmdebstrap (its gcc is the one the
#           kernel was built with), ROOT build/roots/<release>
# On a host of NEWEST_SUITE's release the newest kernel is installed on the
# host itself and "lts" is the distribution kernel.  Rows with the same
# kernel are listed once.  Installing a backports kernel does not change the
# default kernel (scripts/kver.sh).
#
# The suites are added to the project's own apt sources file
# (/etc/apt/sources.list.d/ib_srpt-kernels.sources), with the archive URI
# taken from this machine's sources.  Backports suites are NotAutomatic:
# nothing else on the host is upgraded from them.
#
# Environment: NEWEST_SUITE (default trixie-backports), KERNELS_REFRESH=0
# skips apt-get update of the root.
{
set -u
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
NEWEST_SUITE=${NEWEST_SUITE:-trixie-backports}
SOURCES=/etc/apt/sources.list.d/ib_srpt-kernels.sources
export DEBIAN_FRONTEND=noninteractive

die() { echo "kernels.sh: $*" >&2; exit 1; }
note() { echo "kernels.sh: $*" >&2; }

host_release() { . /etc/os-release && echo "${VERSION_CODENAME:-}"; }

# The URI this machine's apt sources use for the host release's main suite
# (deb822 *.sources or one-line *.list), never the security archive; with
# an argument (-security, -updates) the URI of that suite instead.
archive_uri() {
	local rel f uri
	rel=$(host_release)${1:-}
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -r "$f" ] && [ "$f" != "$SOURCES" ] || continue
		uri=$(awk -v rel="$rel" '
			/^[ \t]*$/ { if (u != "" && s) { print u; exit } u = ""; s = 0; next }
			/^URIs:/ { u = $2 }
			/^Suites:/ { for (i = 2; i <= NF; i++) if ($i == rel) s = 1 }
			END { if (u != "" && s) print u }' "$f" | head -n 1)
		[ -n "$uri" ] && { echo "$uri"; return 0; }
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -r "$f" ] || continue
		uri=$(awk -v rel="$rel" '$1 == "deb" {
				i = 2; if ($i ~ /^\[/) while ($i !~ /\]$/) i++; if ($i ~ /\]$/ && $2 ~ /^\[/) i++
				if ($(i + 1) == rel) { print $i; exit } }' "$f")
		[ -n "$uri" ] && { echo "$uri"; return 0; }
	done
	return 1
}

# suite_release SUITE: trixie-backports -> trixie
suite_release() { echo "${1%%-*}"; }

# in_root ROOT CMD...: CMD on the host (ROOT /) or chrooted into ROOT.
in_root() {
	local root=$1; shift
	if [ "$root" = / ]; then "$@"; else run_in "$root" "$@"; fi
}

# run_in ROOT CMD...: chroot with /proc /sys /dev and the work tree (at its
# own path; not with BIND_TOP=0) bound, in a private mount namespace that
# dies with CMD.
run_in() {
	local root=$1 bind=$top; shift
	[ "${BIND_TOP:-1}" = 0 ] && bind=
	[ -x "$root/bin/sh" ] || die "$root is not a root file system"
	# Inside a chroot (make check-fresh: this runs in a root that run_in
	# itself entered) / is no mount point and unshare cannot make it
	# private; the mounts there are private copies already.
	local prop=private
	mountpoint -q / || prop=unchanged
	unshare --mount --propagation "$prop" -- /bin/sh -c '
		root=$1 top=$2; shift 2
		mount --rbind /proc "$root/proc" && mount --rbind /sys "$root/sys" &&
			mount --rbind /dev "$root/dev" || exit 1
		[ -z "$top" ] || { mkdir -p "$root$top" && mount --bind "$top" "$root$top"; } || exit 1
		[ -r /etc/resolv.conf ] && cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null
		exec chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
			HOME=/root LC_ALL=C DEBIAN_FRONTEND=noninteractive "$@"
	' sh "$root" "$bind" "$@"
}

# remove_root DIR: DIR deleted, never what is mounted below it.  A run killed
# inside mmdebstrap leaves the host's /proc, /sys, /dev/pts and /dev/shm
# mounted in the half-made root; a plain rm -rf of it walks into them.
remove_root() {
	local d m
	[ -e "$1" ] || return 0
	d=$(realpath "$1") || return 1
	[ "$d" != / ] || die "remove_root: refusing /"
	findmnt -rn -o TARGET | awk -v d="$d" '$0 == d || index($0, d "/") == 1' |
		sort -r | while read -r m; do umount -l "$m" || exit 1; done ||
		die "remove_root: cannot unmount what is mounted below $d"
	rm -rf --one-file-system "$d"
}

# meta_kernel ROOT SUITE: the image package linux-image-amd64 of SUITE
# depends on, as apt in ROOT knows it (empty if SUITE has none).
meta_kernel() {
	in_root "$1" apt-cache show "linux-image-amd64/$2" 2>/dev/null |
		sed -n 's/^Depends: *//p' | head -n 1 | tr ',|' '\n\n' |
		sed -n 's/^ *\(linux-image-[^ ]*\).*/\1/p' | head -n 1
}
# release_of PACKAGE: linux-image-6.12.95+deb12-amd64[-unsigned] -> 6.12.95+deb12-amd64
release_of() { local r=${1#linux-image-}; echo "${r%-unsigned}"; }

# ensure_host_suite SUITE: SUITE is in the project's sources file on the host.
ensure_host_suite() {
	local suite=$1 uri have
	have=$(sed -n 's/^Suites: *//p' "$SOURCES" 2>/dev/null)
	if [[ " $have " == *" $suite "* ]]; then
		[ -n "$(apt-cache policy 2>/dev/null | grep " $suite/main ")" ] && return 0
	else
		uri=$(archive_uri) || die "cannot find the archive URI in this machine's apt sources"
		cat >"$SOURCES" <<-EOF
		# Written by $top/scripts/kernels.sh: the suites of the kernel matrix.
		Types: deb
		URIs: $uri
		Suites: ${have:+$have }$suite
		Components: main
		Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
		EOF
		note "added $suite ($uri) to $SOURCES"
	fi
	apt-get update -qq || die "apt-get update failed"
}

# ensure_kernel ROOT SUITE PACKAGE: the image and its headers installed.
ensure_kernel() {
	local root=$1 suite=$2 pkg=$3 rel
	rel=$(release_of "$pkg")
	if [ -e "$root/boot/vmlinuz-$rel" ] && [ -e "$root/lib/modules/$rel/build/Makefile" ]; then
		return 0
	fi
	note "installing $pkg and linux-headers-$rel from $suite in $root"
	# PKG/SUITE, not -t SUITE: -t raises the whole suite's priority, and apt
	# then upgrades linux-image-amd64 and linux-libc-dev from it too.
	in_root "$root" apt-get install -y -qq --no-install-recommends \
		"$pkg/$suite" "linux-headers-$rel/$suite" >/dev/null ||
		die "cannot install $pkg linux-headers-$rel from $suite"
}

# The test userspace of a root (the same list as tests/install-deps.sh,
# less what only the host needs).
ROOT_PKGS="build-essential make gcc sparse kmod cpio zstd xz-utils busybox-static
rdma-core ibverbs-providers ibverbs-utils rdmacm-utils srptools fio sg3-utils
targetcli-fb python3-rtslib-fb dbus iproute2 dkms procps util-linux libibverbs1
librdmacm1 tmux nvme-cli man-db"
# and what upstream blktests' srp group needs in the guest (VM case 13)
ROOT_PKGS="$ROOT_PKGS $(sed 's/#.*//' "$top/tests/blktests/packages")"

# ensure_root RELEASE: build/roots/RELEASE made (mmdebstrap, cached; made
# again when it is missing or its package list changed), RELEASE and
# RELEASE-backports in its sources, lists refreshed.  Prints its path.
ensure_root() {
	local rel=$1 root uri key
	root=$top/build/roots/$rel
	key=$(echo "$rel $ROOT_PKGS" | sha256sum | cut -c1-16)
	# One maker / apt at a time per root (two runs sharing build/roots).
	mkdir -p "$(dirname "$root")"
	exec 8>"$root.lock"
	flock -w 1800 8 || die "$root.lock is held by another run"
	if [ "$(cat "$root/.srpt-root" 2>/dev/null)" != "$key" ]; then
		command -v mmdebstrap >/dev/null || die "mmdebstrap missing (tests/install-deps.sh)"
		uri=$(archive_uri) || die "cannot find the archive URI in this machine's apt sources"
		remove_root "$root.new"
		mkdir -p "$(dirname "$root")"
		note "making a $rel root in $root (mmdebstrap, a few minutes)"
		nice -n 10 mmdebstrap --quiet --variant=apt --mode=root \
			--include="$(echo $ROOT_PKGS | tr ' ' ,)" \
			--aptopt='APT::Install-Recommends "false"' \
			"$rel" "$root.new" \
			"deb $uri $rel main" "deb $uri $rel-updates main" \
			"deb $uri $rel-backports main" >&2 ||
			{ remove_root "$root.new"; die "mmdebstrap $rel failed"; }
		remove_root "$root"
		mv "$root.new" "$root"
		echo "$key" >"$root/.srpt-root"
		# mmdebstrap leaves no package lists behind.
		rm -f "$root/.srpt-updated"
	fi
	if [ "${KERNELS_REFRESH:-1}" != 0 ] || [ ! -e "$root/.srpt-updated" ]; then
		run_in "$root" apt-get update -qq >&2 || die "apt-get update in $root failed"
		: >"$root/.srpt-updated"
	fi
	echo "$root"
}

# matrix INSTALL(0|1): print "NAME KVER ROOT" lines.
# newest_rel ROOT INSTALL: the release of NEWEST_SUITE's kernel as apt in
# ROOT knows it; with INSTALL=1 that kernel and its headers are installed
# in ROOT first.  Dies (in the caller's command substitution: || exit) when
# apt knows none.
newest_rel() {
	local pkg
	pkg=$(meta_kernel "$1" "$NEWEST_SUITE")
	[ -n "$pkg" ] || die "apt in $1 knows no linux-image-amd64 in $NEWEST_SUITE"
	[ "$2" = 1 ] && ensure_kernel "$1" "$NEWEST_SUITE" "$pkg"
	release_of "$pkg"
}

matrix() {
	local install=$1 host newrel distro pkg rel root seen=' '
	host=$(host_release)
	newrel=$(suite_release "$NEWEST_SUITE")
	distro=$("$top/scripts/kver.sh")
	[ -n "$distro" ] || die "no distribution kernel (linux-image-amd64; tests/install-deps.sh installs it)"
	echo "distro $distro /"
	seen+="$distro "
	# 6.12 LTS on Debian 12: its backports.
	if [ "$host" != "$newrel" ]; then
		[ "$install" = 1 ] && ensure_host_suite "$host-backports"
		pkg=$(meta_kernel / "$host-backports")
		[ -n "$pkg" ] || die "apt knows no linux-image-amd64 in $host-backports${install:+ }(run: scripts/kernels.sh install)"
		rel=$(release_of "$pkg")
		[ "$install" = 1 ] && ensure_kernel / "$host-backports" "$pkg"
		[[ $seen == *" $rel "* ]] || echo "lts $rel /"
		seen+="$rel "
		if [ "$install" = 1 ]; then
			root=$(ensure_root "$newrel") || exit 1
		else
			root=$top/build/roots/$newrel
			[ -e "$root/.srpt-root" ] || die "no $newrel root (run: scripts/kernels.sh install)"
		fi
	else
		root=/
		[ "$install" = 1 ] && ensure_host_suite "$NEWEST_SUITE"
	fi
	rel=$(newest_rel "$root" "$install") || exit 1
	# The backports kernels must not have become the default.
	[ "$("$top/scripts/kver.sh")" = "$distro" ] ||
		die "the default kernel changed from $distro to $("$top/scripts/kver.sh") (linux-image-amd64 upgraded from backports?)"
	[[ $seen == *" $rel "* ]] || echo "newest $rel $root"
}

# root_only: the newest kernel's root and its kernel, without touching the
# host (the host's own apt sources, /boot and /lib/modules stay as they
# are, so a guest booted from / meanwhile sees no change).  On a host of
# the newest suite's release there is no such root: nothing to do.
root_only() {
	local newrel root rel
	newrel=$(suite_release "$NEWEST_SUITE")
	[ "$(host_release)" != "$newrel" ] || return 0
	root=$(ensure_root "$newrel") || exit 1
	rel=$(newest_rel "$root" 1) || exit 1
	echo "newest $rel $root"
}

case ${1:-} in
list) matrix 0 ;;
install) matrix 1 ;;
root) root_only ;;
run) shift; [ $# -ge 2 ] || die "usage: run ROOT CMD..."; run_in "$@" ;;
archive) archive_uri "${2:-}" ;;
remove) shift; for d; do remove_root "$d"; done ;;
*) sed -n '4,50p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
exit
}
