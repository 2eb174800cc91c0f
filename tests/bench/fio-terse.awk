# SPDX-License-Identifier: GPL-2.0-only
#
# One fio terse v3 line (group_reporting) -> "key=value" fields for the
# bench records.  Terse v3: 5 error; read: 6 KiB, 7 KiB/s, 8 IOPS,
# 14-17 clat min/max/mean/dev (us), 18-37 clat percentiles "P%=us";
# write: 47 KiB, 48 KiB/s, 49 IOPS, 55-58 clat, 59-78 percentiles.
# A job that both reads and writes is reported by the direction with more I/O.
BEGIN { FS = ";"; done = 0 }
NF > 80 && !done {
	done = 1
	if ($6 >= $47) { bw = $7; iops = $8; cm = $16; p0 = 18 }
	else { bw = $48; iops = $49; cm = $57; p0 = 59 }
	p99 = "NA"; p50 = "NA"
	for (i = p0; i < p0 + 20; i++) {
		split($i, a, "=")
		if (a[1] ~ /^99\.0+%$/) p99 = a[2]
		if (a[1] ~ /^50\.0+%$/) p50 = a[2]
	}
	printf "err=%s iops=%.0f bw_kib=%s clat_mean_us=%.1f clat_p50_us=%s clat_p99_us=%s\n",
		$5, iops, bw, cm, p50, p99
}
END { if (!done) print "err=noresult" }
