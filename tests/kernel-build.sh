#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Build the module for one kernel of the matrix with W=1 and sparse, in a
# copy of the sources (build/kbuild/KVER/), so the work tree's own module
# (built for the default kernel) stays as it is.
#
#   tests/kernel-build.sh KVER [ROOT]
#
# ROOT (default /): the Debian root holding KVER's headers and the gcc it
# was built with; the build then runs chrooted there (scripts/kernels.sh
# run).  Prints TAP lines: "module builds on KVER", "W=1 clean on KVER"
# and "sparse clean on KVER" (zero warnings each).  The module is left in
# build/kbuild/KVER/ib_srpt.ko.
{
set -u
# Not silent, whatever make called us with: the CHECK lines are counted.
unset MAKEFLAGS MFLAGS MAKELEVEL
cd "$(dirname "$0")/.."
top=$PWD
kver=${1:?usage: tests/kernel-build.sh KVER [ROOT]}
root=${2:-/}
src=$top/build/kbuild/$kver
rm -rf "$src"
mkdir -p "$src"
srcs=(Kbuild Kconfig)
for f in ./*.c ./*.h; do [[ $f == *.mod.c ]] || srcs+=("$f"); done
cp "${srcs[@]}" "$src/" || { echo "not ok - module builds on $kver (copying the sources)"; exit 1; }
kdir=/lib/modules/$kver/build
nsrc=$(ls "$src"/*.c | wc -l)
if [ "$root" = / ]; then r=''; else r=$root; fi
where=${root#/}
where=${where:+ in ${root#"$top"/}}

# kbuild MAKE-ARGS...: build in $src (chrooted into ROOT if given); output
# in $src/build.log, exit status returned.
kbuild() {
	local cmd=(make -C "$kdir" M="$src" CONFIG_INFINIBAND_SRPT=m "$@" modules) rc
	make -C "$r$kdir" M="$src" clean >/dev/null 2>&1 ||
		rm -f "$src"/*.o "$src"/*.ko "$src"/.*.cmd
	if [ -z "$r" ]; then
		"${cmd[@]}" >"$src/build.log" 2>&1
	else
		scripts/kernels.sh run "$root" "${cmd[@]}" >"$src/build.log" 2>&1
	fi
	rc=$?
	cp "$src/build.log" "$src/build-$1.log"
	return $rc
}
warnings() { grep -E '(warning|error):' "$src/build.log"; }

# 1. W=1
kbuild W=1
rc=$?
if [ $rc -eq 0 ] && [ -r "$src/ib_srpt.ko" ]; then
	echo "ok - module builds on $kver$where"
else
	tail -n 30 "$src/build.log"
	echo "not ok - module builds on $kver$where (exit $rc)"
	exit 1
fi
n=$(warnings | grep -c .)
[ "$n" = 0 ] || warnings | head -n 20
[ "$n" = 0 ]
tap=$?
[ $tap = 0 ] && echo "ok - W=1 clean on $kver$where" || echo "not ok - W=1 clean on $kver$where ($n warnings)"

# 2. sparse (C=2), every source file checked.  Since 7.x the kernel's
# Makefile asks scripts/checker-valid.sh whether sparse is recent enough and
# otherwise builds without it; Debian's headers lack that script, so C=2
# would silently check nothing.  Here: the headers of 7.x use
# __typeof_unqual__, which Debian's sparse (0.6.4, its newest release) does
# not parse; such a kernel gets a SKIP naming the reason, and the check runs
# again by itself once a sparse that parses it is installed.
common=$(sed -n 's|^include \(/usr/src/[^ ]*\)/Makefile$|\1|p' "$r$kdir/Makefile" 2>/dev/null | head -n 1)
[ -n "$common" ] || common=$kdir
force=()
if grep -q checker-valid.sh "$r$common/Makefile" 2>/dev/null && [ ! -e "$r$common/scripts/checker-valid.sh" ]; then
	force=(KBUILD_CHECKSRC=2)
fi
if grep -rqs __typeof_unqual__ "$r$common/include/linux/compiler_types.h"; then
	printf 'int x;\n__typeof_unqual__(x) y;\n' >"$src/probe.c"
	if [ -z "$r" ]; then
		sparse "$src/probe.c" >"$src/probe.log" 2>&1
	else
		scripts/kernels.sh run "$root" sparse "$src/probe.c" >"$src/probe.log" 2>&1
	fi
	if [ -s "$src/probe.log" ]; then
		v=$(in=$r; if [ -z "$in" ]; then sparse --version; else scripts/kernels.sh run "$root" sparse --version; fi 2>&1)
		echo "ok - sparse clean on $kver$where # SKIP sparse $v cannot parse __typeof_unqual__, which these headers use: $(head -n 1 "$src/probe.log")"
		exit $tap
	fi
fi
kbuild C=2 "${force[@]}"
rc=$?
nchk=$(grep -c '^ *CHECK ' "$src/build.log")
n=$(warnings | grep -c .)
if [ $rc -ne 0 ] || [ "$nchk" != "$nsrc" ] || [ "$n" != 0 ]; then
	warnings | head -n 20
	echo "not ok - sparse clean on $kver$where (exit $rc, $nchk of $nsrc files checked, $n warnings)"
	exit 1
fi
echo "ok - sparse clean on $kver$where ($nchk files checked)"
exit $tap
}
