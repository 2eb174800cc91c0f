#!/bin/bash
# Build the module with W=1 and sparse (C=2) and fail on any warning;
# then scripts/kernel-doc -v over every source: zero warnings.
{
cd "$(dirname "$0")/.."
# KDIR comes from the top-level Makefile ("make sparse" passes it).
: "${KDIR:?run through make sparse}"
# Not silent, whatever make called us with: the CHECK lines are counted.
out=$(env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
	make -C "$KDIR" M="$PWD" CONFIG_INFINIBAND_SRPT=m W=1 C=2 modules 2>&1)
rc=$?
kdoc_check() {		# second TAP line: kernel-doc, the kernel's own script
	local kd=$KDIR/scripts/kernel-doc f w=''
	if [ ! -r "$kd" ]; then
		echo "not ok - kernel-doc clean: $kd missing"
		return
	fi
	for f in ./*.c ./*.h; do
		[[ $f == *.mod.c ]] && continue
		w+=$(perl "$kd" -v -none "$f" 2>&1 | grep 'warning:')$'\n'
	done
	w=$(printf '%s\n' "$w" | grep .)
	if [ -z "$w" ]; then
		echo "ok - kernel-doc -v clean (every source file)"
	else
		printf '%s\n' "$w" | head -n 30 | sed 's/^/#   /'
		echo "not ok - kernel-doc -v clean ($(printf '%s\n' "$w" | grep -c .) warnings)"
	fi
}
kdoc_check
warn=$(printf '%s\n' "$out" | grep -E '(warning|error):')
# C=2 checks every file, built or not: one CHECK line per source file, or
# sparse did not run (a kernel that disabled it, a rule that skips it).
nsrc=0
for f in ./*.c; do [[ $f == *.mod.c ]] || nsrc=$((nsrc + 1)); done
nchk=$(printf '%s\n' "$out" | grep -c '^ *CHECK ')
why=$(printf '%s\n' "$out" | grep -m1 'specified, but .* not available or not up to date')
if [ "$nchk" = 0 ] && [ -n "$why" ] && [ $rc -eq 0 ] && [ -z "$warn" ]; then
	# 7.x with Debian's sparse 0.6.4: the kernel's Makefile turns it off.
	echo "ok - sparse and W=1 clean # SKIP sparse: ${why#*: }; W=1 clean"
	exit 0
fi
if [ "$nchk" != "$nsrc" ]; then
	printf '%s\n' "$out" | tail -n 20
	echo "not ok - sparse and W=1 clean (sparse checked $nchk of $nsrc files)"
	exit 1
fi
if [ $rc -eq 0 ] && [ -z "$warn" ]; then
	echo "ok - sparse and W=1 clean ($nchk files checked)"
	exit 0
fi
printf '%s\n' "$out" | tail -n 40
echo "not ok - sparse and W=1 clean ($(printf '%s\n' "$warn" | grep -c .) warnings, rc $rc)"
exit 1
}
