#!/bin/bash
# Build the module with W=1 and sparse (C=2) and fail on any warning.
{
cd "$(dirname "$0")/.."
# KDIR comes from the top-level Makefile ("make sparse" passes it).
: "${KDIR:?run through make sparse}"
out=$(make -C "$KDIR" M="$PWD" CONFIG_INFINIBAND_SRPT=m W=1 C=2 modules 2>&1)
rc=$?
warn=$(printf '%s\n' "$out" | grep -E '(warning|error):')
if [ $rc -eq 0 ] && [ -z "$warn" ]; then
	echo "ok - sparse and W=1 clean"
	exit 0
fi
printf '%s\n' "$out" | tail -n 40
echo "not ok - sparse and W=1 clean ($(printf '%s\n' "$warn" | grep -c .) warnings, rc $rc)"
exit 1
}
