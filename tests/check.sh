#!/bin/bash
# Run every test suite and print one summary line: "N passed, N failed".
#
# Each suite prints TAP-style lines ("ok - name" / "not ok - name"); this
# script counts them.  A suite that dies without printing a verdict for a
# test counts as one failure under its own name.  Each suite's duration is
# printed with it ("# suite: NAME (S s, status RC)"), the whole run's last.
{
set -u
cd "$(dirname "$0")/.."
top=$PWD
log=$top/build/check
rm -rf "$log"; mkdir -p "$log"
t_start=$SECONDS

tests/install-deps.sh || { echo "not ok - install-deps"; echo "0 passed, 1 failed"; exit 1; }
echo "# install-deps: $((SECONDS - t_start)) s"

# run_quiet NAME CMD...: run a suite into build/check/NAME.out, keeping its
# exit status and duration for report.  A suite that exits non-zero with
# no not-ok line of its own gets one, so that the summary counts it.
run_quiet() {
	local name=$1 t0=$SECONDS rc
	shift
	"$@" >"$log/$name.out" 2>&1
	rc=$?
	if [ $rc -ne 0 ] && ! grep -q '^not ok ' "$log/$name.out"; then
		echo "not ok - $name suite exited $rc without a verdict" >>"$log/$name.out"
	fi
	echo "$rc $((SECONDS - t0))" >"$log/$name.rc"
}
# report NAME: its TAP lines prefixed with the suite's name, and the tail
# of its output when something failed.
report() {
	local name=$1 rc='?' secs='?'
	[ -r "$log/$name.rc" ] && read -r rc secs <"$log/$name.rc"
	echo "# suite: $name ($secs s, status $rc)"
	grep -E '^(not )?ok ' "$log/$name.out" 2>/dev/null | sed "s/^/[$name] /"
	if ! grep -qE '^(not )?ok ' "$log/$name.out" 2>/dev/null; then
		echo "[$name] not ok - $name suite exited $rc without a verdict"
		tail -n 30 "$log/$name.out" 2>/dev/null | sed 's/^/#   /'
	fi
	grep -q '^not ok ' "$log/$name.out" 2>/dev/null && tail -n 60 "$log/$name.out" | sed 's/^/#   /'
	return 0
}
run_suite() {		# name, command...
	run_quiet "$@"
	report "$1"
}

# The newest kernel's suites run beside the 6.1 suite: its Debian root
# (scripts/kernels.sh root: mmdebstrap, its kernel, headers and gcc; a
# minute or two from a nearby mirror; nothing on this host changes: no apt
# run here, nothing in /boot that the 6.1 guest could see), the module
# built there, and its guest (with its own build directory,
# build/vm-newest).  The 6.1 guest keeps about one of the two CPUs busy on
# average (its cases wait on the initiator, the network and timers most of
# the time: qemu's user time is about its wall time); the newest kernel's
# guest, at nice 10, takes what is left.  This host's backports kernel is
# installed only after the 6.1 and HA guests are done (kernel_matrix).  On
# a host of the newest suite's release there is no such root (its newest
# kernel is installed on the host): that row runs after the others.
NEWEST_CASES="01 02 05 09 10 14 29"
# The newest kernel's guest runs with multi-threaded TCG, as every guest
# does.  A 7.3 guest once died of a stale int3 of the kernel's text
# patching seen by its other vCPU (1 of 12 boots on 2026-12-02, at 2.3 s
# of boot, no module loaded); with VM_TCG_THREAD=single beside the 6.1
# guest, case 09's rate-limited fio could not keep its rate (srpt-stat
# --watch: "steady reports: 4 of 8"), so single is not used here.
# matrix_row RUN NAME KVER ROOT: the module built for KVER in ROOT (W=1,
# sparse) and, for the newest kernel, its guest's cases; RUN is run_quiet
# (beside the 6.1 suite) or run_suite.
matrix_row() {
	local run=$1 name=$2 kver=$3 root=$4
	"$run" "kbuild-$name" nice -n 10 tests/kernel-build.sh "$kver" "$root"
	[ "$name" = newest ] || return 0
	# shellcheck disable=SC2086 # the case list is words
	"$run" "vm-$name" env VM_BUILD="$top/build/vm-$name" KVER="$kver" ROOT="$root" \
		SRPT_MODULE="$top/build/kbuild/$kver/ib_srpt.ko" nice -n 10 tests/vm/run.sh $NEWEST_CASES
}
newest_beside() {
	local row name kver root
	row=$(nice -n 19 ionice -c 3 scripts/kernels.sh root 2>"$log/kernels-root.err") ||
		{ echo "scripts/kernels.sh root failed: the newest kernel's suites run after the others"; return 1; }
	[ -n "$row" ] || return 0
	read -r name kver root <<<"$row"
	matrix_row run_quiet "$name" "$kver" "$root"
	echo "$row" >"$log/newest-beside.row"
}
newest_beside >"$log/newest-beside.log" 2>&1 &
newest_pid=$!

build_module() {
	if make -s modules; then echo "ok - module builds"; else echo "not ok - module builds"; return 1; fi
}
run_suite build build_module
run_suite unit make -s unit
run_suite docs tests/docs.sh
run_suite sparse make -s sparse
run_suite fuzz env FUZZ_SECONDS=30 tests/fuzz.sh
# The Debian packages (make deb); VM case 33 installs them.
run_suite deb tests/deb.sh
run_suite vm make -s vmtest
# Keep the 6.1 suite's case logs (build/vm/results is the next run's).
cp -r build/vm/results "$log/vm-results" 2>/dev/null
# Two target nodes (two guests, one shared disk), ALUA and dm-multipath
# failover under fio verify: make ha with shorter fio runs (about 5 min).
run_suite ha env HA_FIO_SECS=30 HA_PAUSE=6 tests/ha.sh

# The kernel matrix (scripts/kernels.sh): the module with W=1 and sparse on
# every other kernel, and the login, fio verify, teardown, observability
# (targetcli sessions, srpt-stat --watch), hostile-table, submission-path
# and network-namespace cases on the newest one (whose rxe works in a
# namespace), booted with its own root.
kernel_matrix() {
	local rows
	wait "$newest_pid"
	cat "$log/newest-beside.log" "$log/kernels-root.err" 2>/dev/null | sed 's/^/# /'
	# The root was refreshed (apt-get update) by kernels.sh root above.
	if rows=$(KERNELS_REFRESH=0 nice -n 10 scripts/kernels.sh install); then
		echo "ok - kernel matrix: $(echo "$rows" | awk '{ printf "%s%s %s", (NR > 1 ? ", " : ""), $1, $2 }')"
		echo "$rows" >"$log/kernels.list"
	else
		echo "not ok - kernel matrix: scripts/kernels.sh install failed"
		return 1
	fi
}
run_suite kernels kernel_matrix
[ -r "$log/kernels.list" ] || : >"$log/kernels.list"
while read -r name kver root; do
	[ "$name" = distro ] && continue
	if [ "$(cat "$log/newest-beside.row" 2>/dev/null)" = "$name $kver $root" ]; then
		report "kbuild-$name"
		report "vm-$name"
		continue
	fi
	matrix_row run_suite "$name" "$kver" "$root"
done <"$log/kernels.list"

cat "$log"/*.out | grep -E '^(not )?ok ' > "$log/all.tap"
pass=$(grep -c '^ok ' "$log/all.tap")
fail=$(grep -c '^not ok ' "$log/all.tap")
# suites that died without a verdict
for f in "$log"/*.out; do
	grep -qE '^(not )?ok ' "$f" || fail=$((fail + 1))
done
# The failures again, last, so that the end of the output (all a CI log
# may keep) names them: each not-ok line with its suite and, for the VM
# suites, the case it came in (the "# NN-name: Ns" line that ends a case).
if [ "$fail" -gt 0 ]; then
	echo "# failures:"
	for f in "$log"/*.out; do
		n=${f##*/}
		n=${n%.out}
		grep -qE '^(not )?ok ' "$f" || echo "#   [$n] the suite exited without a verdict"
		awk -v s="$n" '
			/^not ok / { held[++k] = $0; next }
			/^# [0-9][0-9]-[a-z0-9-]+: [0-9.]+s$/ {
				c = $2; sub(/:$/, "", c)
				for (i = 1; i <= k; i++) printf "#   [%s] %s: %s\n", s, c, held[i]
				k = 0
			}
			END { for (i = 1; i <= k; i++) printf "#   [%s] %s\n", s, held[i] }' "$f" | head -n 40
	done
fi
echo "# make check: $((SECONDS - t_start)) s"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
exit
}
