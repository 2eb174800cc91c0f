#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Host side: find or unpack the blktests source and build its helpers.
#
#   tests/blktests/tree.sh
#
# Prints two lines on success: the blktests directory and its revision.
#   - BLKTESTS=DIR: that checkout (a git clone of blktests); its src/
#     helpers are built there ("make -C src", as blktests' README says).
#   - otherwise the snapshot ../shared/blktests/blktests-<rev>.tar.gz next
#     to the repository (BLKTESTS_TARBALL=FILE for another one) is unpacked
#     into build/blktests/tree (again only when the tarball changes).
# Fails with a message saying how to get blktests when neither exists.
{
set -u
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
die() { echo "blktests: $*" >&2; exit 1; }
mkdir -p "$top/build/blktests" || die "cannot create $top/build/blktests"

if [ -n "${BLKTESTS:-}" ]; then
	dir=$(cd "$BLKTESTS" 2>/dev/null && pwd) || die "BLKTESTS=$BLKTESTS is not a directory"
	rev=$(git -C "$dir" describe --always --dirty 2>/dev/null || echo unknown)
else
	tarball=${BLKTESTS_TARBALL:-}
	if [ -z "$tarball" ]; then
		for f in "$top"/../shared/blktests/blktests-*.tar.gz; do
			[ -r "$f" ] && tarball=$f
		done
	fi
	if [ -z "$tarball" ] || [ ! -r "$tarball" ]; then
		die "no blktests source: get it with
    git clone https://github.com/linux-blktests/blktests /path/to/blktests
and run 'make blktests BLKTESTS=/path/to/blktests' (or set BLKTESTS_TARBALL
to a 'git archive --prefix=blktests/' tarball of it)"
	fi
	rev=$(basename "$tarball" .tar.gz)
	rev=${rev#blktests-}
	dir=$top/build/blktests/tree
	sum=$(sha256sum <"$tarball" | cut -c1-16)
	if [ "$(cat "$dir/.snapshot" 2>/dev/null)" != "$sum" ]; then
		rm -rf "$dir" "$dir.tmp"
		mkdir -p "$dir.tmp" || die "cannot create $dir.tmp"
		tar -xzf "$tarball" -C "$dir.tmp" --strip-components=1 || die "cannot unpack $tarball"
		echo "$sum" >"$dir.tmp/.snapshot"
		mv "$dir.tmp" "$dir" || die "cannot create $dir"
	fi
fi
[ -x "$dir/check" ] && [ -r "$dir/tests/srp/rc" ] ||
	die "$dir is not a blktests tree with the srp group (no check or tests/srp/rc)"

# blktests' C helpers; the srp group needs src/discontiguous-io.
if [ ! -x "$dir/src/discontiguous-io" ] || [ "$dir/src/discontiguous-io" -ot "$dir/src/discontiguous-io.cpp" ]; then
	nice -n 10 make -s -C "$dir/src" >"$top/build/blktests/src-make.log" 2>&1 ||
		{ tail -n 20 "$top/build/blktests/src-make.log" >&2; die "make -C $dir/src failed"; }
fi
[ -x "$dir/src/discontiguous-io" ] || die "make -C $dir/src did not build discontiguous-io"
echo "$dir"
echo "$rev"
exit 0
}
