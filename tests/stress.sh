#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The long variant of the "teardown under fire" VM cases (issue #4); make
# stress runs it after building the module and tools/srpi.
#
#   tests/stress.sh [CYCLES] [case...]
#
# CYCLES (default $STRESS_CYCLES, else 300) reaches the guest as
# STRESS_CYCLES in run.conf: 22-storm runs CYCLES teardown/reconnect
# cycles under fio verify and 30 full logout/login cycles, 23-resets one
# sg_reset a second for CYCLES seconds.  Cases: default 20 22 23.  The TAP
# stream is also kept in build/stress.tap (and the run's logs, run.sh
# --keep); the last line is "N passed, N failed", the exit status 0 only if
# everything passed.
{
set -u
cd "$(dirname "$0")/.." || exit 2
top=$PWD

cycles=${STRESS_CYCLES:-300}
if [ $# -gt 0 ] && [[ $1 =~ ^[0-9]+$ ]]; then
	cycles=$1
	shift
fi
if ! [[ $cycles =~ ^[0-9]+$ ]] || [ "$cycles" -lt 1 ]; then
	echo "usage: tests/stress.sh [CYCLES] [case...]" >&2
	exit 2
fi
cases=("$@")
[ ${#cases[@]} -gt 0 ] || cases=(20 22 23)

for f in ib_srpt.ko tools/srpi; do
	if [ ! -e "$top/$f" ]; then
		echo "not ok - stress: $f is not built (make; make -C tools)"
		echo "0 passed, 1 failed"
		exit 1
	fi
done

# About 3 s per storm cycle and 1.5 s per reset under TCG, plus fio tails,
# logins and a shared CPU: generous bounds.
export STRESS_CYCLES=$cycles
export CASE_TIMEOUT=${CASE_TIMEOUT:-$((cycles * 8 + 900))}
export VM_TIMEOUT=${VM_TIMEOUT:-$((CASE_TIMEOUT * 2 + 1200))}

echo "# stress: $cycles cycles, cases ${cases[*]}, CASE_TIMEOUT=$CASE_TIMEOUT VM_TIMEOUT=$VM_TIMEOUT"
mkdir -p "$top/build"
log=$top/build/stress.tap
tests/vm/run.sh --keep "${cases[@]}" | tee "$log"
rc=${PIPESTATUS[0]}
pass=$(grep -c '^ok ' "$log")
fail=$(grep -c '^not ok ' "$log")
[ "$rc" != 0 ] && [ "$fail" = 0 ] && fail=1
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
exit
}
