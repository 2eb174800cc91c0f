#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make check-kernels: the whole VM suite on every kernel of the matrix
# (scripts/kernels.sh: Debian 12's own kernel, 6.12 LTS from backports, the
# newest Debian kernel in a Debian 13 root), one after the other:
#   build   tests/kernel-build.sh X [R]: the module with W=1, and with
#           sparse, zero warnings each (chrooted into R for a root's kernel:
#           its gcc, its headers); then make KVER=X ROOT=R in the work tree
#           (the install and DKMS cases install that build);
#   vm      tests/vm/run.sh with every case, booting X with R's userspace.
# Prints TAP lines prefixed with the kernel, writes the table kernel x suite
# (passed/failed, minutes, date, git revision) to build/kernels/matrix.md
# and the logs to build/kernels/<kver>/, and ends with "N passed, N failed".
# The module in the work tree is rebuilt for the default kernel at the end.
#
#   tests/kernels.sh [case-glob...]     (default: all cases)
#
# KERNELS="lts newest" runs only those rows of the matrix; the table then
# keeps the other kernels' last results (each row has its own date and git
# revision).
{
set -u
cd "$(dirname "$0")/.."
top=$PWD
out=$top/build/kernels
mkdir -p "$out"
tests/install-deps.sh || { echo "not ok - install-deps"; exit 1; }

rows=$(nice -n 10 scripts/kernels.sh install) || { echo "not ok - kernel matrix: scripts/kernels.sh install failed"; exit 1; }
echo "# kernels: $(echo "$rows" | awk '{ printf "%s%s %s", (NR > 1 ? ", " : ""), $1, $2 }')"
make -s -C tools >/dev/null || { echo "not ok - tools build"; exit 1; }

rev=$(git describe --always --dirty 2>/dev/null || echo unknown)
date=$(date -u +%Y-%m-%d)
table=$out/matrix.md.new
{
	echo "| kernel | userspace | suite | result | passed | failed | minutes | date | git |"
	echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
} >"$table"
total_pass=0 total_fail=0

# row KVER USERSPACE SUITE LOG SECONDS: one table row from a suite's TAP log.
row() {
	local p f res sk
	p=$(grep -c '^ok ' "$4")
	f=$(grep -c '^not ok ' "$4")
	if [ "$p" = 0 ] && [ "$f" = 0 ]; then f=1; fi	# no verdict at all
	sk=$(grep -c '^ok .*# SKIP' "$4")
	res=passed
	[ "$sk" -gt 0 ] && res="passed ($sk skipped)"
	[ "$f" -gt 0 ] && res="**failed**"
	printf '| %s | %s | %s | %s | %s | %s | %d.%d | %s | %s |\n' "$1" "$2" "$3" "$res" "$p" "$f" \
		$(($5 / 60)) $(($5 % 60 * 10 / 60)) "$date" "$rev" >>"$d/rows.md"
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
}

while read -r name kver root; do
	[ -n "$kver" ] || continue
	if [ -n "${KERNELS:-}" ] && [[ " $KERNELS " != *" $name "* ]]; then
		echo "# kernel $name: $kver not selected (KERNELS=$KERNELS)"
		continue
	fi
	d=$out/$kver
	rm -rf "$d"; mkdir -p "$d"
	if [ "$root" = / ]; then
		userspace="host ($(. /etc/os-release && echo "Debian $VERSION_ID"))"
	else
		userspace="$(. "$root/etc/os-release" && echo "Debian $VERSION_ID") root"
	fi
	echo "# kernel $name: $kver, userspace $userspace"
	t0=$SECONDS
	nice -n 10 tests/kernel-build.sh "$kver" "$root" >"$d/build.tap" 2>&1
	if nice -n 10 make -s modules KVER="$kver" ROOT="$root" >"$d/make.log" 2>&1; then
		echo "ok - make KVER=$kver ROOT=$root" >>"$d/build.tap"
	else
		tail -n 20 "$d/make.log" >>"$d/build.tap"
		echo "not ok - make KVER=$kver ROOT=$root" >>"$d/build.tap"
	fi
	grep -E '^(not )?ok ' "$d/build.tap" | sed "s/^\(\(not \)\{0,1\}ok - \)/\1$kver: /"
	grep -q '^not ok ' "$d/build.tap" && tail -n 20 "$d/build.tap" | sed 's/^/#   /'
	grep -E '^ok .*# SKIP' "$d/build.tap" | sed 's/^ok - /# skipped: /' >>"$d/skips"
	row "$kver" "$userspace" "build (W=1, sparse)" "$d/build.tap" $((SECONDS - t0))
	t0=$SECONDS
	if grep -q '^ok - make KVER' "$d/build.tap"; then
		KVER=$kver ROOT=$root nice -n 10 tests/vm/run.sh --keep "$@" >"$d/vm.tap" 2>&1
	else
		echo "not ok - vm: not run, the module did not build" >"$d/vm.tap"
	fi
	grep -E '^(not )?ok ' "$d/vm.tap" | sed "s/^\(\(not \)\{0,1\}ok - \)/\1$kver: /"
	grep -q '^not ok ' "$d/vm.tap" && grep -A 40 '^# last lines of the guest console' "$d/vm.tap" | sed 's/^/#   /'
	grep -E '^# vm: total' "$d/vm.tap"
	cp -r "$top/build/vm/results/." "$d/vm-results/" 2>/dev/null
	row "$kver" "$userspace" "vm ($(grep -c '^# [0-9][0-9]-.*: [0-9.]*s$' "$d/vm.tap") cases)" "$d/vm.tap" $((SECONDS - t0))
done <<<"$rows"

while read -r name kver root; do
	if [ -s "$out/$kver/rows.md" ]; then
		cat "$out/$kver/rows.md"
	else
		echo "| $kver | | | not run | | | | | |"
	fi
done <<<"$rows" >>"$table"
{
	echo
	echo "$(nproc) CPUs ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)); qemu TCG guest, 2 vCPUs."
	while read -r name kver root; do
		[ -s "$out/$kver/skips" ] || continue
		echo
		sed 's/^# skipped: /Skipped: /' "$out/$kver/skips"
	done <<<"$rows"
} >>"$table"
mv "$table" "$out/matrix.md"
echo "# matrix (also in $out/matrix.md):"
sed 's/^/# /' "$out/matrix.md"

# Leave the work tree's module built for the default kernel.
nice -n 10 make -s modules >/dev/null 2>&1 || echo "# could not rebuild the module for the default kernel"
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" = 0 ]
exit
}
