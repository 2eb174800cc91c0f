#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Case 2: data integrity with fio verify=crc32c over the three LUNs (block sizes
# 512 B, 4 KiB, 64 KiB and 1 MiB; random and sequential; reads, writes and
# mixed; queue depth 1 and 32; more than 256 MiB in total; job file
# fio/verify.fio), then a short 4 KiB random-read QD32 run whose IOPS and
# mean latency are printed as a "# " comment (fio/bench.fio).
{
# shellcheck source=../lib.sh
. "$VMDIR/lib.sh"

JOBS=15			# jobs in fio/verify.fio
MIN_MB=256		# data moved, at least

need_login 3 || { not_ok "fio: login"; finish; }
export RD=${DISK[0]} FD=${DISK[1]} NB=${DISK[2]}
mark fio

# Terse v3 fields: 3 job name, 5 error, 6 read KiB, 8 read IOPS, 9 read ms,
# 40 read mean latency (us), 47 write KiB, 49 write IOPS, 50 write ms.
t0=0
stamp t0
timeout -k 10 420 fio --eta=never --output-format=terse --terse-version=3 \
	"$VMDIR/fio/verify.fio" >"$W/verify.terse" 2>"$W/verify.err"
st=$?
since "$t0"
cat "$W/verify.terse" "$W/verify.err" >&2
read -r njobs mib bad < <(awk -F';' '
	NF > 50 { n++; kb += $6 + $47; if ($5 != 0) bad = bad " " $3 "(error " $5 ")" }
	END { printf "%d %d %s\n", n, kb / 1024, bad }' "$W/verify.terse")
awk -F';' 'NF > 50 { printf "#   %-26s %4d MiB in %5.1fs\n", $3, ($6 + $47) / 1024, ($9 > $50 ? $9 : $50) / 1000 }' "$W/verify.terse"
verrs=$(grep -c -i 'verify failed\|bad magic\|bad header' "$W/verify.err")
[ "$st" = 0 ] && [ "$njobs" = "$JOBS" ] && [ -z "$bad" ] && [ "$verrs" = 0 ] && [ "$mib" -ge "$MIN_MB" ]
tap $? "fio verify=crc32c: $njobs/$JOBS jobs, $mib MiB, fio exit $st, verify errors $verrs${bad:+, failed:$bad} (${SECS}s)"
[ "$verrs" = 0 ] || grep -i -m 5 'verify\|crc' "$W/verify.err" | sed 's/^/#   /'

# Negative control: the check above must be able to fail.  Overwrite 4 KiB
# inside the region seq-write-1m-qd32 wrote (32-96 MiB is not overwritten
# by later jobs); a read-verify job over it must now report an error.
dd if=/dev/zero of="$RD" bs=4k seek=$((40 * 256 + 3)) count=1 oflag=direct status=none
timeout -k 10 120 fio --eta=never --output-format=terse --terse-version=3 \
	--name=corrupted --filename="$RD" --ioengine=libaio --direct=1 --rw=read \
	--bs=1M --iodepth=4 --offset=32M --size=64M --verify=crc32c \
	>"$W/neg.terse" 2>"$W/neg.err"
st=$?
cat "$W/neg.terse" "$W/neg.err" >&2
nerr=$(awk -F';' 'NF > 50 { print $5 }' "$W/neg.terse")
[ "$st" != 0 ] && [ "${nerr:-0}" != 0 ] && grep -q 'verify failed\|bad magic\|bad header' "$W/neg.err"
tap $? "fio verify detects 4 KiB of corrupted data (negative control: exit $st, error ${nerr:-?})"

timeout -k 10 120 fio --eta=never --output-format=terse --terse-version=3 \
	"$VMDIR/fio/bench.fio" >"$W/bench.terse" 2>&1
st=$?
cat "$W/bench.terse" >&2
read -r iops lat < <(awk -F';' 'NF > 50 { printf "%d %.0f\n", $8, $40 }' "$W/bench.terse")
[ "$st" = 0 ] && [ "${iops:-0}" -gt 0 ]
tap $? "fio 4k random read QD32 ran (exit $st)"
diag "fio randread 4k QD32: IOPS=${iops:-?} mean latency=${lat:-?} us ($MODE ib_srpt)"

dmesg_clean "fio" fio
finish
}
