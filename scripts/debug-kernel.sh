#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The debug kernel of "make check-debug": Debian's linux-source-6.1 built
# with KASAN, lockdep (PROVE_LOCKING), DEBUG_OBJECTS (timers, work, free,
# RCU heads), kmemleak, DEBUG_ATOMIC_SLEEP, DEBUG_LIST and DEBUG_SG, on a
# small config: x86_64 defconfig plus scripts/debug-kernel.config (what the
# VM harness and its cases use, Debian's =m for every module they load).
#
#   scripts/debug-kernel.sh build     build it unless the cache has it; print
#                                     the kernel release
#   scripts/debug-kernel.sh install   build, then install it on this host
#                                     (unless that exact build is installed):
#                                     /boot/vmlinuz-R, /boot/config-R,
#                                     /boot/System.map-R, /lib/modules/R with
#                                     build -> the cached tree; print R
#   scripts/debug-kernel.sh uninstall remove what install put there
#   scripts/debug-kernel.sh kver      print R of the cached build (fails if
#                                     it is not built)
#   scripts/debug-kernel.sh kdir      print the cached build tree
#   scripts/debug-kernel.sh key       print the cache key
#
# R is <version>-srptdebug (6.1.192-srptdebug for linux-source-6.1
# 6.1.192-3).  The cache is build/debug-kernel/<key>/linux-source-6.1, the
# key made of the source package's version, the host gcc's version and a
# hash of scripts/debug-kernel.config and of the recipe below (RECIPE):
# nothing is built again unless one of them changed; a build for another
# key replaces the old one.  Installing does not change the default kernel
# (scripts/kver.sh: the one linux-image-amd64 depends on), and installs
# nothing through dpkg: no initramfs, no boot loader entry (the harness
# boots /boot/vmlinuz-R directly with an initramfs of its own).
#
# Environment: DEBUG_KERNEL_JOBS (make -j, default 2), DEBUG_KERNEL_NICE
# (default 19).  Needs the package linux-source-6.1 (installed with apt-get
# when missing) and the kernel build dependencies of tests/install-deps.sh
# (bc bison flex libelf-dev libssl-dev).
{
set -u
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SRCPKG=linux-source-6.1
TARBALL=/usr/src/$SRCPKG.tar.xz
FRAGMENT=$top/scripts/debug-kernel.config
# The recipe: change this string when the way the .config is made changes.
RECIPE="x86_64 defconfig + merge_config.sh -m fragment + olddefconfig; bzImage modules"
JOBS=${DEBUG_KERNEL_JOBS:-2}
NICE=${DEBUG_KERNEL_NICE:-19}
cache=$top/build/debug-kernel
STAMP=.srpt-debug-kernel	# in /lib/modules/R: the key of the installed build

die() { echo "debug-kernel.sh: $*" >&2; exit 1; }
note() { echo "debug-kernel.sh: $*" >&2; }

srcver() { dpkg-query -W -f='${Version}' "$SRCPKG" 2>/dev/null; }

# The source package and what building it needs beyond build-essential.
ensure_source() {
	local p missing=
	[ -r "$TARBALL" ] && [ -n "$(srcver)" ] || missing=" $SRCPKG"
	for p in bc bison flex libelf-dev libssl-dev cpio kmod; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	note "installing$missing"
	# shellcheck disable=SC2086 # a list
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >&2 ||
		die "cannot install$missing"
	[ -r "$TARBALL" ] || die "$SRCPKG installed no $TARBALL"
}

key() {
	local v
	v=$(srcver) || return 1
	[ -n "$v" ] || return 1
	echo "$v-$( (echo "$RECIPE"; gcc --version | head -n 1; cat "$FRAGMENT") | sha256sum | cut -c1-12)"
}

# tree: the build tree of the current key (may not exist yet).
tree() { echo "$cache/$(key)/$SRCPKG"; }

built() { [ -e "$cache/$(key)/.done" ]; }

release() { cat "$(tree)/include/config/kernel.release" 2>/dev/null; }

# check_config TREE: every line of the fragment made it into TREE/.config.
check_config() {
	local cfg=$1/.config l o bad=0
	while read -r l; do
		case $l in
		CONFIG_*=*)
			grep -qxF "$l" "$cfg" || { note "not in .config: $l (have: $(grep "^${l%%=*}=" "$cfg"))"; bad=1; } ;;
		"# CONFIG_"*" is not set")
			o=${l#\# }; o=${o%% *}
			! grep -q "^$o=" "$cfg" || { note "not off in .config: $(grep "^$o=" "$cfg")"; bad=1; } ;;
		esac
	done <"$FRAGMENT"
	return $bad
}

do_build() {
	local k dir t0 t1 log
	ensure_source
	k=$(key) || die "cannot compute the cache key"
	dir=$cache/$k
	if [ -e "$dir/.done" ]; then
		release
		return 0
	fi
	mkdir -p "$cache"
	exec 7>"$cache/.lock"
	flock -w 14400 7 || die "$cache/.lock is held by another build"
	if [ -e "$dir/.done" ]; then release; return 0; fi
	# Only the current key's build stays.
	for d in "$cache"/*/"$SRCPKG"; do
		d=${d%/"$SRCPKG"}
		[ -d "$d" ] && [ "$d" != "$dir" ] && { note "removing the old build $d"; rm -rf "$d"; }
	done
	rm -rf "$dir"
	mkdir -p "$dir"
	log=$dir/build.log
	note "building the debug kernel in $dir (log: $log)"
	t0=$SECONDS
	(
		set -e
		cd "$dir"
		tar -xJf "$TARBALL"
		cd "$SRCPKG"
		make -s defconfig
		scripts/kconfig/merge_config.sh -m .config "$FRAGMENT"
		make -s olddefconfig
	) >"$log" 2>&1 || { tail -n 20 "$log" >&2; die "configuring failed"; }
	check_config "$dir/$SRCPKG" || die "the config fragment did not apply (see above)"
	t1=$SECONDS
	nice -n "$NICE" make -C "$dir/$SRCPKG" -j"$JOBS" bzImage modules >>"$log" 2>&1 ||
		{ tail -n 30 "$log" >&2; die "the kernel build failed (see $log)"; }
	echo "configure $((t1 - t0)) s, make -j$JOBS bzImage modules $((SECONDS - t1)) s (nice $NICE, load at the end: $(cut -d' ' -f1-3 /proc/loadavg))" \
		>"$dir/build-time"
	note "built $(release) in $((SECONDS - t0)) s: $(cat "$dir/build-time")"
	# A build of its own: install tells it from an earlier one of the key.
	date -u +%Y%m%dT%H%M%S.%N >"$dir/.done"
	release
}

do_install() {
	local k r t id mods
	do_build >/dev/null || exit 1
	k=$(key) r=$(release) t=$(tree)
	id="$k $(cat "$cache/$k/.done") $t"
	[ -n "$r" ] || die "no kernel release in $t"
	mods=/lib/modules/$r
	if [ "$(cat "$mods/$STAMP" 2>/dev/null)" = "$id" ] && [ -e "/boot/vmlinuz-$r" ]; then
		echo "$r"
		return 0
	fi
	if [ -e "$mods" ] && [ ! -e "$mods/$STAMP" ]; then
		die "$mods exists and was not installed by this script: not touching it"
	fi
	note "installing $r (/boot/vmlinuz-$r, $mods)"
	rm -rf "$mods"
	nice -n 10 make -s -C "$t" modules_install >/dev/null || die "modules_install failed"
	# modules_install points build (and source) at the tree already.
	ln -sfn "$t" "$mods/build"
	ln -sfn "$t" "$mods/source"
	if ! install -m 0644 "$t/arch/x86/boot/bzImage" "/boot/vmlinuz-$r" ||
		! install -m 0644 "$t/.config" "/boot/config-$r" ||
		! install -m 0644 "$t/System.map" "/boot/System.map-$r"; then
		die "cannot install into /boot"
	fi
	echo "$id" >"$mods/$STAMP"
	echo "$r"
}

do_uninstall() {
	local d r
	for d in /lib/modules/*/; do
		d=${d%/}
		[ -e "$d/$STAMP" ] || continue
		r=${d##*/}
		rm -rf "$d"
		rm -f "/boot/vmlinuz-$r" "/boot/config-$r" "/boot/System.map-$r"
		note "removed $r"
	done
}

case ${1:-} in
build) do_build ;;
install) do_install ;;
uninstall) do_uninstall ;;
kver) built || die "not built (scripts/debug-kernel.sh build)"; release ;;
kdir) built || die "not built (scripts/debug-kernel.sh build)"; tree ;;
key) key ;;
*) sed -n '4,35p' "$0" | sed 's/^# \{0,1\}//'; [ "${1:-}" = -h ] || [ "${1:-}" = --help ] ;;
esac
exit
}
