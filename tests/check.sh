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
run_suite sparse make -s sparse
run_suite fuzz env FUZZ_SECONDS=30 tests/fuzz.sh
run_suite vm make -s vmtest

cat "$log"/*.out | grep -E '^(not )?ok ' > "$log/all.tap"
pass=$(grep -c '^ok ' "$log/all.tap")
fail=$(grep -c '^not ok ' "$log/all.tap")
# suites that died without a verdict
for f in "$log"/build.out "$log"/unit.out "$log"/sparse.out "$log"/fuzz.out "$log"/vm.out; do
	grep -qE '^(not )?ok ' "$f" || fail=$((fail + 1))
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
exit
}
