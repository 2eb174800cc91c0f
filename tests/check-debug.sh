#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make check-debug: the VM suite on a debug kernel.
#
#   tests/check-debug.sh [case-glob...]     (default: every case)
#
#   kernel  scripts/debug-kernel.sh install: Debian's linux-source-6.1 with
#           KASAN, lockdep, DEBUG_OBJECTS, kmemleak, DEBUG_ATOMIC_SLEEP,
#           DEBUG_LIST, DEBUG_SG (built once, cached in build/debug-kernel/,
#           installed as /boot/vmlinuz-R, /lib/modules/R, R = X-srptdebug);
#           the default kernel (scripts/kver.sh) must stay what it was;
#   module  make KVER=R in the work tree (rebuilt for the default kernel at
#           the end, as make check-kernels does), tools;
#   vm      tests/vm/run.sh --keep on R with kasan_multi_shot (every KASAN
#           report, not only the first) and pci=noacpi (ACPI's _PRT takes
#           45 s or more on this kernel, over the AML loop timeout),
#           VM_MEM 6144, TIME_SCALE 6 (the cases' time bounds six times
#           theirs: under TCG on an idle host this kernel forks, starts
#           python and runs targetcli five to six times slower than
#           Debian's), CASE_TIMEOUT 3600 s, VM_TIMEOUT 10 h; the guest scans
#           for kmemleak's suspects before the module is loaded and after
#           the last case;
#   reports the guest's kernel log (results/dmesg.txt, or the console log
#           if the guest did not get that far) and kmemleak's report are
#           searched for KASAN, lockdep, sleeping-in-atomic, ODEBUG and
#           kmemleak reports and any other WARNING/BUG/Oops/hung task: one
#           TAP line per kind, every report printed with the case it came
#           in and the modules in its stack, and whether ib_srpt is one of
#           them.  All of them, with their full text, go to
#           build/debug-kernel/check/reports.txt.
# Ends with "N passed, N failed"; exit status 0 only if nothing failed.
# Not part of make check: building the kernel takes hours on 2 busy cores
# (once), the run several hours (README.md, "make check-debug").
#
# Environment: VM_MEM, TIME_SCALE, CASE_TIMEOUT, VM_TIMEOUT, VM_APPEND
# (added to kasan_multi_shot pci=noacpi) override the values above;
# DEBUG_KERNEL_JOBS and DEBUG_KERNEL_NICE go to scripts/debug-kernel.sh.
{
set -u
cd "$(dirname "$0")/.." || exit 1
top=$PWD
out=$top/build/debug-kernel/check
mkdir -p "$out"
pass=0 fail=0
t_all=$SECONDS
tap() {
	if [ "$1" = 0 ]; then echo "ok - $2"; pass=$((pass + 1)); else echo "not ok - $2"; fail=$((fail + 1)); fi
}
finish() {
	echo "# check-debug: $(((SECONDS - t_all) / 60)) min in all"
	echo "$pass passed, $fail failed"
	[ "$fail" = 0 ]
	exit
}

tests/install-deps.sh || { tap 1 "install-deps"; finish; }

# --- the kernel ---------------------------------------------------------------------
default_before=$(scripts/kver.sh)
t0=$SECONDS
built_before=0
scripts/debug-kernel.sh kver >/dev/null 2>&1 && built_before=1
if ! R=$(scripts/debug-kernel.sh install) || [ -z "$R" ]; then
	tap 1 "debug kernel built and installed"
	finish
fi
kdir=$(scripts/debug-kernel.sh kdir)
if [ "$built_before" = 1 ]; then
	tap 0 "debug kernel $R (cached: $kdir)"
else
	tap 0 "debug kernel $R built and installed in $((SECONDS - t0)) s"
fi
sed "s/^/# build: /" "$kdir/../build-time" 2>/dev/null
default_after=$(scripts/kver.sh)
[ "$default_after" = "$default_before" ] && [ "$default_after" != "$R" ]
tap $? "default kernel unchanged: $default_after"

# --- the module -------------------------------------------------------------------
if nice -n 10 make -s modules KVER="$R" >"$out/make.log" 2>&1 &&
	[ "$(modinfo -F vermagic ib_srpt.ko | cut -d' ' -f1)" = "$R" ]; then
	tap 0 "module built for $R"
else
	tail -n 20 "$out/make.log" | sed 's/^/#   /'
	tap 1 "module built for $R"
	finish
fi
make -s -C tools >/dev/null || { tap 1 "tools build"; finish; }

# --- the VM suite ------------------------------------------------------------------
t0=$SECONDS
VM_MEM=${VM_MEM:-6144} TIME_SCALE=${TIME_SCALE:-6} CASE_TIMEOUT=${CASE_TIMEOUT:-3600} \
	VM_TIMEOUT=${VM_TIMEOUT:-36000} \
	VM_APPEND="kasan_multi_shot pci=noacpi${VM_APPEND:+ $VM_APPEND}" KVER=$R \
	nice -n 10 tests/vm/run.sh --keep "$@" 2>&1 | tee "$out/vm.tap"
vm_secs=$((SECONDS - t0))
res=$top/build/vm/results
rm -rf "$out/results"
cp -r "$res" "$out/results" 2>/dev/null
cp "$top/build/vm/console.log" "$out/console.log" 2>/dev/null
p=$(grep -c '^ok ' "$out/vm.tap")
f=$(grep -c '^not ok ' "$out/vm.tap")
pass=$((pass + p)) fail=$((fail + f))
[ "$p" = 0 ] && [ "$f" = 0 ] && tap 1 "vm: no result at all"
echo "# vm: $((vm_secs / 60)) min on $R"

# --- the reports -------------------------------------------------------------------------
log=$out/results/dmesg.txt
[ -s "$log" ] || { log=$out/console.log; echo "# reports: no dmesg.txt, searching the console log"; }
reports=$out/reports.txt
: >"$reports"
# Cut the kernel log into report blocks: each from its first line to the
# end of its stack dump (KASAN: to its closing line of '='), tagged with
# its kind, the case it came in (guest.sh's "srptvm: mark case X" and the
# case's own last mark before it) and the modules
# named in it.  Output: one "@@ kind|case|modules|first line" header per
# block, then the block.
blocks() {
	awk '
	function strip(l) { sub(/^\[ *[0-9]+\.[0-9]+\] /, "", l); return l }
	function flush() {
		if (!inb) return
		m = ""; for (k in mods) m = m (m == "" ? "" : " ") k
		printf "@@ %s|%s|%s|%s\n%s", kind, where, m, first, buf
		inb = 0; delete mods; buf = ""
	}
	function start(k, l) { flush(); inb = 1; kind = k; first = l; buf = ""; n = 0 }
	{
		l = strip($0)
		if (l ~ /^srptvm: mark /) {
			flush(); l = substr(l, 14)
			if (l ~ /^case /) { mark = substr(l, 6); sub_mark = "" } else sub_mark = l
			next
		}
		# Counted from the report the guest saves instead.
		if (l ~ /^kmemleak: [0-9]+ new suspected memory leak/) next
		if (!inb) {
			where = mark (sub_mark == "" ? "" : " (at mark \"" sub_mark "\")")
			if (l ~ /^BUG: KASAN: /) start("KASAN", l)
			else if (l ~ /^WARNING: (possible circular locking|possible recursive locking|inconsistent lock state|suspicious RCU usage|bad unlock balance|held lock freed|lock held when returning|possible irq lock inversion|Nested lock was not taken|chain_key collision|lock held at task exit)/ ||
				l ~ /^BUG: (MAX_LOCKDEP|looking up invalid subclass|key .* has not been registered|workqueue leaked lock|held lock freed)/ ||
				l ~ /^DEBUG_LOCKS_WARN_ON/)
				start("lockdep", l)
			else if (l ~ /^BUG: (sleeping function called from invalid context|scheduling while atomic)/)
				start("atomic-sleep", l)
			else if (l ~ /^ODEBUG: /) start("ODEBUG", l)
			else if (l ~ /^(WARNING: |BUG: |kernel BUG at |general protection fault|Oops|Kernel panic|INFO: task .* blocked for more than|UBSAN: )/ ||
				l ~ /rcu: INFO: rcu_.* detected stall/ ||
				l ~ /^kmemleak: .*(disabled|[Cc]annot|error|pool empty|too many)/)
				start("other", l)
		}
		if (!inb) next
		buf = buf $0 "\n"; n++
		if (match(l, /\[[a-z0-9_]+\]$/)) mods[substr(l, RSTART + 1, RLENGTH - 2)] = 1
		if (kind == "KASAN" ? (n > 2 && l ~ /^=+$/) : (l ~ /---\[ end trace|<\/TASK>/)) flush()
		else if (n >= 300) flush()
	}
	END { flush() }' "$1"
}
# kmemleak's report: one block per "unreferenced object"; the case is the
# file it came from.
leaks() {
	awk -v where="$2" '
	function flush() {
		if (!inb) return
		m = ""; for (k in mods) m = m (m == "" ? "" : " ") k
		printf "@@ kmemleak|%s|%s|%s\n%s", where, m, first, buf
		inb = 0; delete mods; buf = ""
	}
	/^unreferenced object / { flush(); inb = 1; first = $0 }
	inb {
		buf = buf $0 "\n"
		if (match($0, /\[[a-z0-9_]+\]$/)) mods[substr($0, RSTART + 1, RLENGTH - 2)] = 1
		# No symbol: the text of a module unloaded since (ib_srpt is
		# unloaded and loaded again by several cases).
		if ($0 ~ /\] 0x[0-9a-f]+$/) mods["(unloaded module)"] = 1
	}
	END { flush() }' "$1"
}
{
	[ -s "$log" ] && blocks "$log"
	[ -s "$out/results/kmemleak-boot.txt" ] && leaks "$out/results/kmemleak-boot.txt" "before the module was loaded"
	# Leaks already suspected before the module was loaded are not counted
	# again at the end.
	if [ -s "$out/results/kmemleak.txt" ]; then
		leaks "$out/results/kmemleak.txt" "at the end" | awk -v boot="$out/results/kmemleak-boot.txt" '
			BEGIN { while ((getline l < boot) > 0) if (l ~ /^unreferenced object /) { split(l, a, " "); seen[a[3]] = 1 } }
			/^@@ / { split($0, h, "|"); split(h[4], a, " "); skip = (a[3] in seen) }
			!skip'
	fi
} >"$out/blocks.txt"
# kmemleak's scan at the end must have run (an empty file: it ran and
# suspected nothing); without it the kmemleak line below would prove nothing.
if [ -e "$out/results/kmemleak.txt" ]; then
	tap 0 "debug kernel: kmemleak scanned after the last case ($(grep -c '^unreferenced object ' "$out/results/kmemleak.txt") suspect(s) in all)"
else
	tap 1 "debug kernel: kmemleak scanned after the last case (no results/kmemleak.txt: the guest did not get there)"
fi
for kind in KASAN lockdep atomic-sleep ODEBUG kmemleak other; do
	n=0 ours=0 lines=()
	while IFS='|' read -r k where mods first; do
		k=${k#@@ }
		[ "$k" = "$kind" ] || continue
		n=$((n + 1))
		if [[ " $mods " == *" ib_srpt "* ]]; then
			ours=$((ours + 1)) who="ib_srpt in the stack"
		else
			who="not ib_srpt (modules: ${mods:-none, core kernel only})"
		fi
		lines+=("$kind $n, ${where:-boot}: ${first:0:150} -- $who")
	done < <(grep '^@@ ' "$out/blocks.txt")
	if [ "$n" = 0 ]; then
		tap 0 "debug kernel: no $kind report"
	else
		tap 1 "debug kernel: $n $kind report(s), $ours with ib_srpt in the stack"
		printf '#   %s\n' "${lines[@]}"
	fi
done
# reports.txt: every block in full, numbered as above.
awk '/^@@ / { split(substr($0, 4), h, "|"); c[h[1]]++
	printf "\n===== %s %d, %s (modules: %s)\n", h[1], c[h[1]], (h[2] == "" ? "boot" : h[2]), h[3]; next } 1' \
	"$out/blocks.txt" >"$reports"
[ -s "$reports" ] && echo "# reports: full text in $reports"

# Leave the work tree's module built for the default kernel.
nice -n 10 make -s modules >/dev/null 2>&1 || echo "# could not rebuild the module for the default kernel"
finish
}
