#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Data-integrity soak (issue 11): case 12-backstores in one guest boot, its
# fio md5 verify matrix over every backstore kind (rd_mcp, buffered and
# O_DIRECT fileio, iblock on null_blk, loop and brd, pscsi on scsi_debug)
# again and again for MINUTES, each round after a logout and a login with
# another channel count, queue depth and immediate-data setting.  Not part
# of make check; make soak runs it after building the module and srpi.
#
#   tests/soak.sh [MINUTES]        default $SOAK_MINUTES, else 120
#
# Prints the TAP stream (also kept in build/soak.tap and, with the run's
# logs, under build/vm/runs/), then "N passed, N failed".  The case's last
# line gives rounds, MiB verified and verify errors (must be 0).
{
set -u
cd "$(dirname "$0")/.." || exit 2
top=$PWD

minutes=${1:-${SOAK_MINUTES:-120}}
if ! [[ $minutes =~ ^[0-9]+$ ]] || [ "$minutes" -lt 1 ]; then
	echo "usage: tests/soak.sh [MINUTES]" >&2
	exit 2
fi
for f in ib_srpt.ko tools/srpi; do
	if [ ! -e "$top/$f" ]; then
		echo "not ok - soak: $f is not built (make; make -C tools)"
		echo "0 passed, 1 failed"
		exit 1
	fi
done
export SOAK_MINUTES=$minutes
# One round takes about 4 minutes under TCG; the last one may start just
# before the time is up.
export CASE_TIMEOUT=${CASE_TIMEOUT:-$((minutes * 60 + 1800))}
export VM_TIMEOUT=${VM_TIMEOUT:-$((CASE_TIMEOUT + 600))}

echo "# soak: $minutes minutes, CASE_TIMEOUT=$CASE_TIMEOUT VM_TIMEOUT=$VM_TIMEOUT"
mkdir -p "$top/build"
log=$top/build/soak.tap
tests/vm/run.sh --keep 12 | tee "$log"
rc=${PIPESTATUS[0]}
pass=$(grep -c '^ok ' "$log")
fail=$(grep -c '^not ok ' "$log")
[ "$rc" != 0 ] && [ "$fail" = 0 ] && fail=1
grep '^ok - soak:\|^not ok - soak:' "$log"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
exit
}
