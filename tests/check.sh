#!/bin/bash
# Run every test suite and print one summary line: "N passed, N failed".
#
# Each suite prints TAP-style lines ("ok - name" / "not ok - name"); this
# script counts them.  A suite that dies without printing a verdict for a
# test counts as one failure under its own name.
{
set -u
cd "$(dirname "$0")/.."
top=$PWD
log=$top/build/check
rm -rf "$log"; mkdir -p "$log"

tests/install-deps.sh || { echo "not ok - install-deps"; echo "0 passed, 1 failed"; exit 1; }

run_suite() {		# name, command...
	local name=$1; shift
	echo "# suite: $name"
	"$@" >"$log/$name.out" 2>&1
	local rc=$?
	grep -E '^(not )?ok ' "$log/$name.out" | sed "s/^/[$name] /"
	if ! grep -qE '^(not )?ok ' "$log/$name.out" || { [ $rc -ne 0 ] && ! grep -q '^not ok ' "$log/$name.out"; }; then
		echo "[$name] not ok - $name suite exited $rc without a verdict"
		tail -n 30 "$log/$name.out" | sed 's/^/#   /'
	fi
	grep -q '^not ok ' "$log/$name.out" && tail -n 60 "$log/$name.out" | sed 's/^/#   /'
	return 0
}

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
# Keep the 6.1 suite's case logs: the newest kernel's guest below reuses
# build/vm/results.
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
	if rows=$(nice -n 10 scripts/kernels.sh install); then
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
	run_suite "kbuild-$name" nice -n 10 tests/kernel-build.sh "$kver" "$root"
	if [ "$name" = newest ]; then
		run_suite "vm-$name" env KVER="$kver" ROOT="$root" SRPT_MODULE="$top/build/kbuild/$kver/ib_srpt.ko" \
			nice -n 10 tests/vm/run.sh 01 02 05 09 10 14 29
	fi
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
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
exit
}
