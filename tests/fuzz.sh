#!/bin/bash
# Run the libFuzzer harness of the wire-format unit for FUZZ_SECONDS seconds
# (default 30), or for FUZZ_RUNS executions, and print one TAP line with the
# number of executions.
# Any crash, leak, sanitizer report or timeout fails the run; the input that
# triggered it is kept in build/fuzz/artifacts/ (turn it into a unit test).
{
cd "$(dirname "$0")/.."
secs=${FUZZ_SECONDS:-30}
log=build/fuzz/fuzz.log
mkdir -p build/fuzz
start=$SECONDS
make -s -C tests/unit fuzz FUZZ_SECONDS="$secs" FUZZ_RUNS="${FUZZ_RUNS:-}" >"$log" 2>&1
rc=$?
secs=$((SECONDS - start))
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
if [ $rc -eq 0 ] && [ -n "$execs" ]; then
	echo "ok - fuzz srpt_proto: ${execs} executions in ${secs}s, no finding"
	exit 0
fi
tail -n 40 "$log"
echo "not ok - fuzz srpt_proto (exit $rc, ${execs:-0} executions; see $log)"
exit 1
}
