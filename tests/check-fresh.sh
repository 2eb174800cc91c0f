#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make check-fresh: the README's two commands on a fresh Debian machine.
#
#   tests/check-fresh.sh [RELEASE...]     (default: bookworm; also: trixie)
#
# For each RELEASE: a minimal Debian root (mmdebstrap --variant=minbase,
# from the archive this machine's apt sources use) with only git and make
# added, the work tree's HEAD cloned into it (git clone: commit first, local
# changes are not part of the clone), then, chrooted (with /proc /sys /dev
# bound; qemu inside exports the chroot's / to the guest):
#   make demo      must pass;
#   make check     must pass ("N passed, 0 failed").
# So tests/install-deps.sh has to install everything the two commands need,
# and the kernel must be discovered after it did.  The root is made anew
# each time (build/fresh/RELEASE; removed afterwards unless FRESH_KEEP=1);
# logs in build/fresh/RELEASE.{demo,check}.log.  Takes a whole make check
# per release plus the package downloads.  Prints TAP lines.
{
set -u
cd "$(dirname "$0")/.."
top=$PWD
rels=("$@")
[ ${#rels[@]} -gt 0 ] || rels=(bookworm)
out=$top/build/fresh
mkdir -p "$out"
tests/install-deps.sh || { echo "not ok - install-deps"; exit 1; }
uri=$(scripts/kernels.sh archive) || { echo "not ok - fresh: no archive URI in this machine's apt sources"; exit 1; }
sec=$(scripts/kernels.sh archive -security) || sec=
rev=$(git rev-parse --short HEAD)
git diff --quiet HEAD || echo "# fresh: the work tree has uncommitted changes; the clone tests HEAD ($rev)"
fail=0

for rel in "${rels[@]}"; do
	root=$out/$rel
	scripts/kernels.sh remove "$root" || { echo "not ok - fresh $rel: cannot remove the old $root"; fail=1; continue; }
	t0=$SECONDS
	lists=("deb $uri $rel main" "deb $uri $rel-updates main")
	[ -n "$sec" ] && lists+=("deb $sec $rel-security main")
	if ! nice -n 10 mmdebstrap --quiet --variant=minbase --mode=root --include=git,make \
		"$rel" "$root" "${lists[@]}" >"$out/$rel.mmdebstrap.log" 2>&1; then
		tail -n 20 "$out/$rel.mmdebstrap.log" | sed 's/^/#   /'
		echo "not ok - fresh $rel: mmdebstrap"
		fail=1
		continue
	fi
	# Its apt sources are the lines above; no package lists (as after
	# debootstrap): tests/install-deps.sh must run apt-get update itself.
	echo "ok - fresh $rel: minimal root with git and make ($((SECONDS - t0)) s)"
	if ! git clone -q "$top" "$root/root/ib_srpt"; then
		echo "not ok - fresh $rel: git clone"
		fail=1
		continue
	fi
	for cmd in demo check; do
		t0=$SECONDS
		BIND_TOP=0 nice -n 10 scripts/kernels.sh run "$root" \
			/bin/sh -c "cd /root/ib_srpt && make $cmd" >"$out/$rel.$cmd.log" 2>&1
		rc=$?
		min=$(((SECONDS - t0) / 60)).$(((SECONDS - t0) % 60 * 10 / 60))
		summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$out/$rel.$cmd.log" | tail -n 1)
		if [ $rc = 0 ]; then
			echo "ok - fresh $rel: make $cmd (${summary:+$summary, }$min min)"
		else
			grep -E '^not ok ' "$out/$rel.$cmd.log" | head -n 20 | sed 's/^/#   /'
			tail -n 15 "$out/$rel.$cmd.log" | sed 's/^/#   /'
			echo "not ok - fresh $rel: make $cmd exited $rc (${summary:+$summary, }$min min; $out/$rel.$cmd.log)"
			fail=1
		fi
	done
	[ "${FRESH_KEEP:-0}" = 1 ] || scripts/kernels.sh remove "$root"
done
exit $fail
}
