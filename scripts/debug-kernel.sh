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
# 6.1.192-3).  The cache is build/debug-kernel/linux-source-6.1, built for
# the key in build/debug-kernel/.done: the source package's version, the
# host gcc's version and a hash of scripts/debug-kernel.config's settings
# and of the recipe below (RECIPE).  Nothing is built again unless the key changed;
# then the tree is configured again in place and kbuild rebuilds what the
# change touches (a new source version: unpacked afresh, a cold build).
# build/debug-kernel/build-time says how long the last build took.
# Installing does not change the default kernel (scripts/kver.sh: the one
# linux-image-amd64 depends on), and installs nothing through dpkg: no
# initramfs, no boot loader entry (the harness boots /boot/vmlinuz-R
# directly with an initramfs of its own).  "make clean" deletes the cache.
#
# Environment: DEBUG_KERNEL_JOBS (make -j, default 2), DEBUG_KERNEL_NICE
# (default 19).  Needs the package linux-source-6.1 and the kernel's build
# dependencies bc bison flex libelf-dev libssl-dev (installed with apt-get
# when missing).
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
STAMP=.srpt-debug-kernel	# in /lib/modules/R: the build installed there

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
	# The fragment's settings only: editing a comment builds nothing.
	echo "$v-$( (echo "$RECIPE"; gcc --version | head -n 1
		grep -E '^(CONFIG_|# CONFIG_.* is not set$)' "$FRAGMENT") | sha256sum | cut -c1-12)"
}

# The one build tree (a fixed path: kbuild's objtool, and with it every
# object, is rebuilt when the tree moves), the key it was last built for,
# and its .done: "KEY ID" once that build completed (ID: when).
tree() { echo "$cache/$SRCPKG"; }
done_file() { echo "$cache/.done"; }
built() { [ "$(cut -d' ' -f1 "$(done_file)" 2>/dev/null)" = "$(key)" ]; }

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
	local k t t0 t1 log kind=incremental
	ensure_source
	k=$(key) || die "cannot compute the cache key"
	t=$(tree)
	if built; then
		release
		return 0
	fi
	mkdir -p "$cache"
	exec 7>"$cache/.lock"
	flock -w 14400 7 || die "$cache/.lock is held by another build"
	if built; then release; return 0; fi
	# A tree of another source version (or none, or a broken one) is
	# unpacked afresh; one of the same version is configured again in
	# place, and kbuild rebuilds what the config change touches.
	if [ "$(cat "$cache/source-version" 2>/dev/null)" != "$(srcver)" ] || [ ! -e "$t/Makefile" ]; then
		kind=cold
	fi
	rm -f "$(done_file)" "$cache/build-time"
	log=$cache/build.log
	note "building the debug kernel ($kind) in $t (log: $log)"
	t0=$SECONDS
	(
		set -e
		cd "$cache"
		if [ "$kind" = cold ]; then
			rm -rf "$t" source-version
			tar -xJf "$TARBALL"
			srcver >source-version
		fi
		cd "$t"
		make -s defconfig
		scripts/kconfig/merge_config.sh -m .config "$FRAGMENT"
		make -s olddefconfig
	) >"$log" 2>&1 || { tail -n 20 "$log" >&2; die "configuring failed"; }
	check_config "$t" || die "the config fragment did not apply (see above)"
	t1=$SECONDS
	nice -n "$NICE" make -C "$t" -j"$JOBS" bzImage modules >>"$log" 2>&1 ||
		{ tail -n 30 "$log" >&2; die "the kernel build failed (see $log)"; }
	echo "$kind: configure $((t1 - t0)) s, make -j$JOBS bzImage modules $((SECONDS - t1)) s (nice $NICE, load at the end: $(cut -d' ' -f1-3 /proc/loadavg))" \
		>"$cache/build-time"
	note "built $(release) in $((SECONDS - t0)) s: $(cat "$cache/build-time")"
	echo "$k $(date -u +%Y%m%dT%H%M%S.%N)" >"$(done_file)"
	release
}

do_install() {
	local r t id mods
	do_build >/dev/null || exit 1
	r=$(release) t=$(tree)
	id="$(cat "$(done_file)") $t"
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
*) sed -n '4,39p' "$0" | sed 's/^# \{0,1\}//'; [ "${1:-}" = -h ] || [ "${1:-}" = --help ] ;;
esac
exit
}
