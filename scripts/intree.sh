#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The in-tree build: ib_srpt's sources in place of the kernel's own
# drivers/infiniband/ulp/srpt/, built by the kernel's own build, with W=1,
# sparse and scripts/checkpatch.pl --strict.  README "In-tree build".
#
#   scripts/intree.sh            (make check-intree)
#
# 1. The tree: linux-source-X.Y, the package that linux-source of
#    NEWEST_SUITE (default trixie-backports: Debian's newest kernel)
#    depends on, asked of apt in the root of the kernel matrix's "newest"
#    row (scripts/kernels.sh list; scripts/kernels.sh install makes it when
#    it is missing), fetched with apt-get download and unpacked into
#    build/intree/PACKAGE_VERSION/.  The project's *.c, *.h (not *.mod.c),
#    Kconfig and Kbuild replace drivers/infiniband/ulp/srpt/ (the kernel's
#    Makefile and its sources go; kbuild reads Kbuild), then: allnoconfig
#    with the options below forced (KCONFIG_ALLCONFIG), olddefconfig,
#    modules_prepare, and one build of vmlinux and modules, because modpost
#    of an M= build needs the tree's Module.symvers.  Cached: made again
#    only when missing or when the package version, the options, the
#    project's Kconfig or the root's gcc changed.
# 2. Every run copies the sources in again and checks that olddefconfig,
#    with the project's Kconfig, leaves the configuration as it is
#    (CONFIG_INFINIBAND_SRPT=m).
# 3. make M=drivers/infiniband/ulp/srpt W=1, then C=2 (sparse on every
#    source file), in that root (chrooted: its gcc is the one the kernel
#    was built with): zero warnings each, one CHECK line per .c file.
# 4. The tree's scripts/checkpatch.pl --strict --file on every source file,
#    Kconfig and Kbuild: every message must be in the allowlist below
#    (message type, file, at most that many), each with its reason, which
#    README "In-tree build" lists too; an entry that matches nothing fails
#    as well, so that the list stays true.
# If the root's sparse cannot parse the tree's headers (the tree's
# scripts/checker-valid.sh refuses it; Debian 13's sparse 0.6.4 and
# __typeof_unqual__ on 7.x), the sparse line says so with sparse's own
# error, and steps 1-3 run again on the host with the host distribution's
# linux-source (Debian 12: 6.1) and its gcc, whose headers sparse parses.
#
# Prints TAP lines ("ok - ..." / "not ok - ...") and exits non-zero if any
# is "not ok".  Logs in build/intree/log/.  CPU-heavy steps run under
# nice -n 19 with make -j2 (INTREE_JOBS).  Environment: NEWEST_SUITE (as
# for scripts/kernels.sh).
{
set -u
# Not silent, whatever make called us with: the CHECK lines are counted.
unset MAKEFLAGS MFLAGS MAKELEVEL
cd "$(dirname "$0")/.."
top=$PWD
NEWEST_SUITE=${NEWEST_SUITE:-trixie-backports}
export NEWEST_SUITE
jobs=${INTREE_JOBS:-2}
cache=$top/build/intree
log=$cache/log
rel=drivers/infiniband/ulp/srpt
mkdir -p "$log"
fail=0
# One run at a time: a second one would unpack over the first one's tree.
exec 9>"$cache/.lock"
flock -w 3600 9 || { echo "not ok - in-tree: $cache/.lock is held by another run"; exit 1; }

# The configuration: allnoconfig plus these.
CONFIG_FRAGMENT="CONFIG_64BIT=y
CONFIG_MODULES=y
CONFIG_NET=y
CONFIG_INET=y
CONFIG_BLOCK=y
CONFIG_CONFIGFS_FS=y
CONFIG_INFINIBAND=y
CONFIG_INFINIBAND_ADDR_TRANS=y
CONFIG_TARGET_CORE=y
CONFIG_INFINIBAND_SRPT=m"

# Packages the kernel's own build needs beyond gcc and make.
BUILD_PKGS="flex bison bc libelf-dev"

# checkpatch --strict messages that stay, as "TYPE FILE MAX REASON"; the
# same list, with the same reasons, is in README "In-tree build".
ALLOWLIST="
LINUX_VERSION_CODE srpt_compat.h 4 the out-of-tree compat header keys each kernel API difference on the mainline version that made it
CONSTANT_COMPARISON srpt_compat.h 4 the same keys: checkpatch takes LINUX_VERSION_CODE for the constant in LINUX_VERSION_CODE >= KERNEL_VERSION(...)
MACRO_ARG_UNUSED srpt_compat.h 1 srpt_assign_str(field, src) keeps the two-argument form; since 6.10 __string() names the source and src goes unused on purpose
PREFER_KERNEL_TYPES srpt_proto.h 4 the userspace branch (#ifndef __KERNEL__) defines u8..u64 from <stdint.h>: the wire-format unit is also built into the unit tests and fuzzers
OPEN_ENDED_LINE srpt_trace.h 10 TRACE_EVENT() idiom: TP_STRUCT__entry( and TP_fast_assign( open a block, as in include/trace/events/*.h (ib_mad.h has 12)
PARENTHESIS_ALIGNMENT srpt_trace.h 5 TRACE_EVENT() idiom: TP_PROTO( is indented one tab inside TRACE_EVENT(, as in include/trace/events/*.h (ib_mad.h has 23)
UNCOMMENTED_DEFINITION ib_srpt.h 2 srpt_port.mutex and srpt_rdma_ch.lock: what each protects is in its struct's kernel-doc and in the Locking section; checkpatch reads only the adjacent line
MACRO_ARG_REUSE srpt_configfs.c 1 SRPT_TPG_ATTRIB(name, ...): name is an identifier (pasted into function names, and the attrib member), no expression is evaluated twice
UNNECESSARY_ELSE srpt_cm.c 1 srpt_accept(): the RDMA/CM and the IB/CM branch each declare their own parameter block; without the else the IB/CM one would follow a statement
"

note() { echo "# $*"; }
ok() { echo "ok - $*"; }
notok() { echo "not ok - $*"; fail=1; }

# in_root ROOT CMD...: CMD on the host (ROOT /) or chrooted into ROOT.
in_root() {
	local root=$1; shift
	if [ "$root" = / ]; then "$@"; else scripts/kernels.sh run "$root" "$@"; fi
}

# The sources of the module, as names relative to $top.
srcs=()
for f in *.c *.h; do [[ $f == *.mod.c ]] || srcs+=("$f"); done
nsrc=0
for f in "${srcs[@]}"; do [[ $f == *.c ]] && nsrc=$((nsrc + 1)); done

# src_pkg ROOT [SUITE]: "NAME VERSION" of the linux-source-X.Y that
# linux-source (of SUITE, or the candidate) depends on, as apt in ROOT
# knows it.
src_pkg() {
	local root=$1 suite=${2:-} name ver
	name=$(in_root "$root" apt-cache show --no-all-versions "linux-source${suite:+/$suite}" 2>/dev/null |
		sed -n 's/^Depends: *\(linux-source-[0-9][0-9.]*\).*/\1/p' | head -n 1)
	[ -n "$name" ] || return 1
	ver=$(in_root "$root" apt-cache show --no-all-versions "$name${suite:+/$suite}" 2>/dev/null |
		sed -n 's/^Version: *//p' | head -n 1)
	[ -n "$ver" ] || return 1
	echo "$name $ver"
}

# ensure_build_pkgs ROOT: the packages of BUILD_PKGS installed in ROOT.
ensure_build_pkgs() {
	local root=$1 p missing=()
	for p in $BUILD_PKGS; do
		in_root "$root" dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q 'ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} = 0 ] && return 0
	note "installing ${missing[*]} in $root"
	in_root "$root" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1 ||
		{ in_root "$root" apt-get update -qq >/dev/null 2>&1 &&
		  in_root "$root" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1; }
}

# install_srcs TREE: the project's sources in place of TREE/$rel.
install_srcs() {
	local tree=$1
	rm -rf "${tree:?}/$rel" &&
		mkdir -p "$tree/$rel" &&
		cp Kconfig Kbuild "${srcs[@]}" "$tree/$rel/"
}

# kmake ROOT TREE LOGNAME MAKE-ARGS...: make in TREE (chrooted into ROOT),
# niced; output in $tlog/LOGNAME.log, exit status returned.
kmake() {
	local root=$1 tree=$2 name=$3; shift 3
	in_root "$root" nice -n 19 make -C "$tree" -j"$jobs" "$@" >"$tlog/$name.log" 2>&1
}

# The lines of a log that are warnings or errors (compiler, sparse,
# modpost, make).
warnings() { grep -Ei '(warning|error)[: ]' "$1"; }

# prepare ROOT NAME VERSION TAG: the cached, configured and built tree,
# its path in $tree.  TAG names the tree in the TAP lines.  Sets $tlog,
# the tree's log directory.
prepare() {
	local root=$1 name=$2 ver=$3 tag=$4 key gcc deb dl
	tree=$cache/${name}_$(echo "$ver" | tr '~+:' '___')
	tlog=$log/$name
	mkdir -p "$tlog"
	gcc=$(in_root "$root" gcc --version 2>/dev/null | head -n 1)
	key=$( { echo "$name $ver"; echo "$CONFIG_FRAGMENT"; cat Kconfig; echo "$gcc"; } | sha256sum | cut -c1-16)
	if [ "$(cat "$tree/.srpt-intree" 2>/dev/null)" = "$key" ]; then
		note "$tag: cached tree ${tree#"$top"/}"
		return 0
	fi
	ensure_build_pkgs "$root" || { notok "$tag: installing $BUILD_PKGS in $root"; return 1; }
	# One tree per package: older versions go.
	rm -rf "$cache/${name}_"* "$cache/dl"
	dl=$cache/dl
	mkdir -p "$dl"
	note "$tag: fetching $name $ver (apt-get download in $root)"
	if ! in_root "$root" sh -c 'cd "$1" && apt-get download -q "$2=$3"' sh "$dl" "$name" "$ver" >"$tlog/download.log" 2>&1; then
		# Lists older than the archive: refresh once.
		in_root "$root" apt-get update -qq >>"$tlog/download.log" 2>&1
		in_root "$root" sh -c 'cd "$1" && apt-get download -q "$2=$3"' sh "$dl" "$name" "$ver" >>"$tlog/download.log" 2>&1 ||
			{ tail -n 5 "$tlog/download.log"; notok "$tag: apt-get download $name=$ver"; return 1; }
	fi
	deb=$(ls "$dl"/"${name}"_*.deb 2>/dev/null | head -n 1)
	note "$tag: unpacking $(basename "$deb")"
	mkdir -p "$tree.new"
	if ! dpkg-deb --fsys-tarfile "$deb" | tar -xO "./usr/src/$name.tar.xz" |
		nice -n 19 tar -xJ -C "$tree.new" --strip-components=1; then
		rm -rf "$tree.new" "$dl"
		notok "$tag: unpacking $name"
		return 1
	fi
	rm -rf "$dl"
	mv "$tree.new" "$tree"
	install_srcs "$tree" || { notok "$tag: copying the sources into $rel"; return 1; }
	printf '%s\n' "$CONFIG_FRAGMENT" >"$tree/srpt.config"
	note "$tag: allnoconfig + srpt.config, olddefconfig, modules_prepare"
	if ! in_root "$root" sh -c 'cd "$1" && KCONFIG_ALLCONFIG=srpt.config make allnoconfig && make olddefconfig && nice -n 19 make -j"$2" modules_prepare' \
		sh "$tree" "$jobs" >"$tlog/prepare.log" 2>&1; then
		tail -n 20 "$tlog/prepare.log"
		notok "$tag: allnoconfig, olddefconfig, modules_prepare"
		return 1
	fi
	local want miss=()
	while read -r want; do
		grep -qx "$want" "$tree/.config" || miss+=("$want")
	done <<<"$CONFIG_FRAGMENT"
	if [ ${#miss[@]} != 0 ]; then
		notok "$tag: configuration lacks ${miss[*]}"
		return 1
	fi
	note "$tag: building vmlinux and modules once (Module.symvers for modpost; minutes)"
	if ! kmake "$root" "$tree" vmlinux vmlinux modules; then
		tail -n 20 "$tlog/vmlinux.log"
		notok "$tag: make vmlinux modules"
		return 1
	fi
	cp "$tree/.config" "$tree/.config.srpt"
	echo "$key" >"$tree/.srpt-intree"
}

# sparse_refusal ROOT TREE: empty if the tree's checker-valid.sh (where it
# has one) accepts ROOT's sparse; else why not, in sparse's own words.
sparse_refusal() {
	local root=$1 tree=$2 v probe=$tlog/checker-probe.c
	[ -e "$tree/scripts/checker-valid.sh" ] || return 0
	[ "$(in_root "$root" "$tree/scripts/checker-valid.sh" sparse)" = 1 ] && return 0
	v=$(in_root "$root" sparse --version 2>&1)
	# The tree's own probe, run to show sparse's message.
	sed -n '/^cat << EOF/,/^EOF$/p' "$tree/scripts/checker-valid.sh" | sed '1d;$d' >"$probe"
	echo "sparse $v refused by scripts/checker-valid.sh: $(in_root "$root" sparse "$probe" 2>&1 |
		grep -m1 -i error | sed "s|^$probe|checker-valid.sh's probe|")"
}

# build_checks ROOT TREE TAG SPARSE(1|0): steps 2 and 3.  With SPARSE 0 a
# sparse that the tree refuses is a SKIP naming the reason (and returns
# 2), with 1 a failure.
build_checks() {
	local root=$1 tree=$2 tag=$3 must=$4 n rc why nchk
	install_srcs "$tree" || { notok "$tag: copying the sources into $rel"; return 1; }
	cp "$tree/.config" "$tree/.config.check"
	if in_root "$root" sh -c 'cd "$1" && KCONFIG_CONFIG=.config.check make olddefconfig' sh "$tree" \
		>"$tlog/olddefconfig.log" 2>&1 && cmp -s "$tree/.config.srpt" "$tree/.config.check"; then
		ok "$tag: the project's Kconfig in $rel: olddefconfig keeps CONFIG_INFINIBAND_SRPT=m"
	else
		diff "$tree/.config.srpt" "$tree/.config.check" | head -n 20
		notok "$tag: the project's Kconfig in $rel: olddefconfig changed the configuration"
		return 1
	fi

	kmake "$root" "$tree" clean M="$rel" clean
	kmake "$root" "$tree" w1 M="$rel" W=1
	rc=$?
	n=$(warnings "$tlog/w1.log" | grep -c .)
	if [ $rc -eq 0 ] && [ -e "$tree/$rel/ib_srpt.ko" ] && [ "$n" = 0 ]; then
		ok "$tag: make M=$rel W=1: ib_srpt.ko, 0 warnings"
	else
		warnings "$tlog/w1.log" | head -n 20
		[ "$n" = 0 ] && tail -n 20 "$tlog/w1.log"
		notok "$tag: make M=$rel W=1 (exit $rc, $n warnings/errors)"
	fi

	why=$(sparse_refusal "$root" "$tree")
	if [ -n "$why" ]; then
		if [ "$must" = 1 ]; then
			notok "$tag: make M=$rel C=2: $why"
			return 1
		fi
		ok "$tag: make M=$rel C=2 # SKIP $why"
		return 2
	fi
	kmake "$root" "$tree" clean M="$rel" clean
	kmake "$root" "$tree" sparse M="$rel" C=2
	rc=$?
	n=$(warnings "$tlog/sparse.log" | grep -c .)
	nchk=$(grep -c '^ *CHECK ' "$tlog/sparse.log")
	if [ $rc -eq 0 ] && [ "$n" = 0 ] && [ "$nchk" = "$nsrc" ]; then
		ok "$tag: make M=$rel C=2: sparse $(in_root "$root" sparse --version 2>&1), $nchk files checked, 0 warnings"
	else
		warnings "$tlog/sparse.log" | head -n 20
		notok "$tag: make M=$rel C=2 (exit $rc, $nchk of $nsrc files checked, $n warnings)"
	fi
	return 0
}

# checkpatch TREE TAG: step 4.
checkpatch() {
	local tree=$1 tag=$2 f out type file max reason cnt bad=0 stale=0 total=0 allowed=0 over=
	out=$tlog/checkpatch.log
	: >"$out"
	for f in Kconfig Kbuild "${srcs[@]}"; do
		(cd "$tree" && perl scripts/checkpatch.pl --strict --terse --show-types --file "$rel/$f") >>"$out" 2>&1
	done
	# "drivers/.../FILE:LINE: KIND:TYPE: text" -> "TYPE FILE"
	local msgs
	msgs=$(sed -n "s|^$rel/\([^:]*\):[0-9]*: [A-Z]*:\([A-Z0-9_]*\):.*|\2 \1|p" "$out")
	total=$(printf '%s\n' "$msgs" | grep -c .)
	# Anything else checkpatch printed (not a message, not a total line).
	if grep -v "^$rel/[^:]*:[0-9]*: [A-Z]*:[A-Z0-9_]*:" "$out" | grep -v '^total: ' | grep -q .; then
		grep -v "^$rel/[^:]*:[0-9]*: [A-Z]*:[A-Z0-9_]*:" "$out" | grep -v '^total: ' | head -n 10
		notok "$tag: checkpatch.pl printed something else than messages"
	fi
	while read -r type file max reason; do
		[ -n "$type" ] || continue
		cnt=$(printf '%s\n' "$msgs" | grep -cx "$type $file")
		if [ "$cnt" = 0 ]; then
			echo "#   allowlist entry $type $file matches nothing: remove it here and in README"
			stale=$((stale + 1))
		elif [ "$cnt" -gt "$max" ]; then
			echo "#   $type in $file: $cnt messages, the allowlist has $max"
			bad=$((bad + cnt - max))
			over+="$type $file"$'\n'
			allowed=$((allowed + max))
		else
			allowed=$((allowed + cnt))
		fi
		msgs=$(printf '%s\n' "$msgs" | grep -vx "$type $file")
	done <<<"$ALLOWLIST"
	# What is left is in no entry.
	cnt=$(printf '%s\n' "$msgs" | grep -c .)
	if [ "$cnt" != 0 ]; then
		printf '%s\n' "$msgs" | sort | uniq -c | sed 's/^/#   not allowlisted: /'
		bad=$((bad + cnt))
	fi
	# The messages of those pairs, in full.
	printf '%s\n%s' "$msgs" "$over" | sort -u | while read -r type file; do
		[ -n "$type" ] && grep -E "^$rel/$file:[0-9]+: [A-Z]+:$type:" "$out" | sed 's/^/#   /'
	done
	# README "In-tree build" lists the same entries.
	local want have
	want=$(printf '%s\n' "$ALLOWLIST" | awk 'NF { print $1, $2, $3 }' | sort)
	have=$(sed -n '/^### In-tree build/,/^##* [^I]/p' README.md |
		sed -n 's/^| \([A-Z0-9_]*\) | \([^ |]*\) | \([0-9]*\) | .*/\1 \2 \3/p' | sort)
	if [ "$want" != "$have" ]; then
		diff <(echo "$want") <(echo "$have") | sed 's/^/#   script vs README: /'
		notok "$tag: README \"In-tree build\" lists other checkpatch exceptions than the script"
	fi
	if [ "$bad" != 0 ] || [ "$stale" != 0 ]; then
		notok "$tag: checkpatch.pl --strict: $total messages, $bad not allowlisted, $stale stale allowlist entries"
	else
		ok "$tag: checkpatch.pl --strict on ${#srcs[@]} sources, Kconfig and Kbuild: $total messages, all $allowed allowlisted"
	fi
}

# --- the newest kernel, in its root --------------------------------------
start=$(date +%s)
row=$(scripts/kernels.sh list 2>/dev/null | awk '$1 == "newest"')
if [ -z "$row" ]; then
	note "no newest row in the kernel matrix yet: scripts/kernels.sh install"
	nice -n 10 scripts/kernels.sh install >"$log/kernels-install.log" 2>&1
	row=$(scripts/kernels.sh list 2>/dev/null | awk '$1 == "newest"')
fi
root=$(echo "$row" | awk '{ print $3 }')
if [ -z "$root" ]; then
	tail -n 5 "$log/kernels-install.log" 2>/dev/null
	notok "in-tree: the newest kernel's root (scripts/kernels.sh install failed)"
	exit 1
fi
if ! pkg=$(src_pkg "$root" "$NEWEST_SUITE"); then
	notok "in-tree: apt in $root knows no linux-source in $NEWEST_SUITE"
	exit 1
fi
set -- $pkg
name=$1 ver=$2
tag="in-tree $name $ver"
prepare "$root" "$name" "$ver" "$tag" || exit 1
ok "$tag: tree in ${tree#"$top"/} (allnoconfig + INFINIBAND, TARGET_CORE, INFINIBAND_SRPT=m; gcc of ${root#"$top"/})"
build_checks "$root" "$tree" "$tag" 0
sp=$?
checkpatch "$tree" "$tag"

# --- sparse refused the newest tree: the host distribution's ---------------
if [ "$sp" = 2 ]; then
	if ! pkg=$(src_pkg /); then
		notok "in-tree (sparse): apt on this host knows no linux-source"
		exit 1
	fi
	set -- $pkg
	name=$1 ver=$2
	tag="in-tree $name $ver (host)"
	note "sparse cannot check the newest tree: W=1 and sparse in-tree on $name $ver as well"
	if prepare / "$name" "$ver" "$tag"; then
		ok "$tag: tree in ${tree#"$top"/} (the same options; the host's gcc)"
		build_checks / "$tree" "$tag" 1
	fi
fi
note "in-tree checks took $(( $(date +%s) - start )) s"
exit $fail
}
